/* The rasteriser's font: a TrueType font opened with SDL2_ttf (no display
   needed), located with fontconfig unless a path is given, with a cache of
   rendered texts so a window redraw does not re-render unchanged labels. */
#include <SDL.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/export.h"

#define MAX_SIZES 8
#define CACHE_SLOTS 1024 /* open addressing; cleared when 3/4 full */

typedef struct {
    char *text;          /* NULL: empty slot */
    int px;
    uint32_t hash;
    unsigned char *a;    /* (h, w) coverage */
    int w, h;
} entry_t;

struct export_font {
    char file[4096];
    int ttf_up;
    int n_sizes;
    int size_px[MAX_SIZES];
    TTF_Font *size_font[MAX_SIZES];
    entry_t cache[CACHE_SLOTS];
    int cache_used;
};

/* The letters a label may use beyond ASCII: the font must have them. */
static const uint32_t NEEDED[] = { 0x3B2, 0x3B1, 0x3C4, 0x3C0, 0x3BC, 0x3BB, 0x3B4, 0x3B8,
                                   0x227B, 0x2016, 0x2014, 0x2212 /* the axes' minus */ };
#define N_NEEDED (sizeof NEEDED / sizeof NEEDED[0])

/* ------------------------------------------------------------ locating */

/* The file fontconfig picks for family, preferring fonts with every
   NEEDED letter. Returns 0 and writes the path, or -1. */
static int match_family(const char *family, char *out, size_t n)
{
    int rc = -1;
    FcConfig *cfg = FcInitLoadConfigAndFonts();
    FcPattern *pat = FcNameParse((const FcChar8 *)family);
    FcCharSet *cs = FcCharSetCreate();
    FcPattern *m = NULL;
    if (!cfg || !pat || !cs) goto done;
    for (size_t i = 0; i < N_NEEDED; i++) FcCharSetAddChar(cs, NEEDED[i]);
    FcPatternAddCharSet(pat, FC_CHARSET, cs);
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcConfigSubstitute(cfg, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    m = FcFontMatch(cfg, pat, &res);
    FcChar8 *file = NULL;
    if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch && file) {
        snprintf(out, n, "%s", (const char *)file);
        rc = 0;
    }
done:
    if (m) FcPatternDestroy(m);
    if (cs) FcCharSetDestroy(cs);
    if (pat) FcPatternDestroy(pat);
    if (cfg) FcConfigDestroy(cfg);
    return rc;
}

/* Counts the NEEDED letters font lacks. */
static int missing_letters(TTF_Font *font)
{
    int miss = 0;
    for (size_t i = 0; i < N_NEEDED; i++)
        if (!TTF_GlyphIsProvided32(font, NEEDED[i])) miss++;
    return miss;
}

/* ------------------------------------------------------------ sizes */

static TTF_Font *font_at(export_font_t *f, int px)
{
    for (int i = 0; i < f->n_sizes; i++)
        if (f->size_px[i] == px) return f->size_font[i];
    TTF_Font *t = TTF_OpenFont(f->file, px);
    if (!t) return NULL;
    TTF_SetFontHinting(t, TTF_HINTING_LIGHT);
    if (f->n_sizes == MAX_SIZES) {
        /* drop the oldest size (cached masks are copies: they stay valid) */
        TTF_CloseFont(f->size_font[0]);
        memmove(f->size_font, f->size_font + 1, (MAX_SIZES - 1) * sizeof f->size_font[0]);
        memmove(f->size_px, f->size_px + 1, (MAX_SIZES - 1) * sizeof f->size_px[0]);
        f->n_sizes--;
    }
    f->size_font[f->n_sizes] = t;
    f->size_px[f->n_sizes] = px;
    f->n_sizes++;
    return t;
}

/* ------------------------------------------------------------ cache */

static uint32_t hash_text(const char *s, int px)
{
    uint32_t h = 2166136261u ^ (uint32_t)px;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void cache_clear(export_font_t *f)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(f->cache[i].text);
        free(f->cache[i].a);
        memset(&f->cache[i], 0, sizeof f->cache[i]);
    }
    f->cache_used = 0;
}

/* Renders text at px into a fresh coverage mask. Returns 0 or -1. */
static int render(export_font_t *f, const char *text, int px, entry_t *e)
{
    TTF_Font *t = font_at(f, px);
    if (!t) return -1;
    SDL_Color white = { 255, 255, 255, 255 };
    SDL_Surface *s = TTF_RenderUTF8_Blended(t, text, white);
    if (!s) return -1;
    int rc = -1;
    SDL_Surface *conv = s->format->format == SDL_PIXELFORMAT_ARGB8888
                            ? s
                            : SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
    if (!conv) goto done;
    size_t bytes = pbde_mul_size((size_t)conv->w, (size_t)conv->h);
    e->a = bytes ? malloc(bytes) : NULL;
    if (!e->a) goto done;
    if (SDL_MUSTLOCK(conv)) SDL_LockSurface(conv);
    for (int j = 0; j < conv->h; j++) {
        const uint32_t *row = (const uint32_t *)((const unsigned char *)conv->pixels +
                                                 (size_t)j * (size_t)conv->pitch);
        for (int i = 0; i < conv->w; i++)
            e->a[(size_t)j * (size_t)conv->w + (size_t)i] = (unsigned char)(row[i] >> 24);
    }
    if (SDL_MUSTLOCK(conv)) SDL_UnlockSurface(conv);
    e->w = conv->w;
    e->h = conv->h;
    rc = 0;
done:
    if (conv && conv != s) SDL_FreeSurface(conv);
    SDL_FreeSurface(s);
    return rc;
}

static int text_cb(void *ctx, const char *utf8, int px, raster_mask_t *out)
{
    export_font_t *f = ctx;
    if (!utf8 || !*utf8 || px <= 0) return -1;
    uint32_t h = hash_text(utf8, px);
    unsigned slot = h % CACHE_SLOTS;
    for (;;) {
        entry_t *e = &f->cache[slot];
        if (!e->text) break;
        if (e->hash == h && e->px == px && strcmp(e->text, utf8) == 0) {
            out->a = e->a;
            out->w = e->w;
            out->h = e->h;
            return 0;
        }
        slot = (slot + 1) % CACHE_SLOTS;
    }
    if (f->cache_used >= CACHE_SLOTS * 3 / 4) {
        cache_clear(f);
        slot = h % CACHE_SLOTS;
    }
    entry_t e = { 0 };
    if (render(f, utf8, px, &e) != 0) return -1;
    e.text = strdup(utf8);
    if (!e.text) {
        free(e.a);
        return -1;
    }
    e.px = px;
    e.hash = h;
    f->cache[slot] = e;
    f->cache_used++;
    out->a = e.a;
    out->w = e.w;
    out->h = e.h;
    return 0;
}

/* ------------------------------------------------------------ open, close */

export_font_t *font_open(const char *path, char *err, size_t errlen)
{
    export_font_t *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (TTF_Init() != 0) {
        snprintf(err, errlen, "SDL2_ttf could not start: %s", TTF_GetError());
        free(f);
        return NULL;
    }
    f->ttf_up = 1;
    if (path) {
        snprintf(f->file, sizeof f->file, "%s", path);
        TTF_Font *t = font_at(f, 16);
        if (!t) {
            snprintf(err, errlen, "--font: cannot open '%s' as a TrueType/OpenType font: %s", path,
                     TTF_GetError());
            font_close(f);
            return NULL;
        }
        if (missing_letters(t))
            fprintf(stderr, "pbde: warning: font '%s' lacks some Greek letters or symbols "
                            "(beta, alpha, tau, ...): labels will show boxes\n", path);
        return f;
    }
    static const char *const FAMILIES[] = { "DejaVu Sans", "sans-serif" };
    int best_missing = -1;
    char best[4096] = "";
    for (size_t i = 0; i < sizeof FAMILIES / sizeof FAMILIES[0]; i++) {
        char file[4096];
        if (match_family(FAMILIES[i], file, sizeof file) != 0) continue;
        TTF_Font *t = TTF_OpenFont(file, 16);
        if (!t) continue;
        int miss = missing_letters(t);
        TTF_CloseFont(t);
        if (best_missing < 0 || miss < best_missing) {
            best_missing = miss;
            snprintf(best, sizeof best, "%s", file);
        }
        if (miss == 0) break;
    }
    if (best_missing < 0) {
        snprintf(err, errlen,
                 "no font found: fontconfig has no usable \"DejaVu Sans\" or sans-serif font; "
                 "install one (e.g. apt-get install fonts-dejavu-core) or pass --font PATH.ttf");
        font_close(f);
        return NULL;
    }
    if (best_missing > 0)
        fprintf(stderr, "pbde: warning: font '%s' lacks some Greek letters or symbols; "
                        "pass --font PATH for a font that has them\n", best);
    snprintf(f->file, sizeof f->file, "%s", best);
    return f;
}

void font_close(export_font_t *f)
{
    if (!f) return;
    cache_clear(f);
    for (int i = 0; i < f->n_sizes; i++) TTF_CloseFont(f->size_font[i]);
    if (f->ttf_up) TTF_Quit();
    free(f);
}

raster_font_t font_raster(export_font_t *f)
{
    raster_font_t r = { f, text_cb };
    return r;
}

const char *font_file(const export_font_t *f) { return f->file; }
