/* The terminal: setup and teardown on every exit path, signals, the colour
   tier (direct colour, 256, 8, monochrome) detected once, colours by role,
   and heatmap cells drawn per tier. The only module that talks to curses
   about colours. */
#include <langinfo.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "tui.h"

/* The one mutable global the style allows: set by SIGINT/SIGTERM/SIGHUP. */
static volatile sig_atomic_t g_interrupted;

struct tui_term {
    SCREEN *scr;
    int open;                 /* curses is active (endwin not yet called) */
    tui_tier tier;
    int utf8, half, palette, mouse;
    int role_pair[ROLE_COUNT];
    attr_t role_attr[ROLE_COUNT];
    int role_code[ROLE_COUNT]; /* the role's foreground in the tier's colour numbers */
    tui_pairs_t pairs;
    int last_pair;            /* fallback when every pair is in use this frame */
    char desc[96];
    char via[32];         /* " via tmux-direct" when the direct entry was chosen */
    tui_gfx_kind gfx;     /* pixels through sixel or kitty; GFX_CELLS: none */
    int cw, ch;           /* a cell's size in pixels (graphics) */
    struct {
        int y, x, cols, rows, w, h; /* where and what size */
        unsigned char *rgb;         /* (h, w, 3) queued, NULL: none */
        size_t cap;
        int dirty;                  /* changed or moved since written */
        unsigned long sum;          /* of the last written one */
    } img[TUI_IMAGE_SLOTS];
};

/* ------------------------------------------------------------ signals */

static void on_interrupt(int sig)
{
    g_interrupted = sig;
}

/* A crash: put the terminal back, then die of the same signal. endwin is
   not async-signal-safe, but the process is going down anyway and a
   usable terminal is worth the risk. */
static void on_fatal(int sig)
{
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int FATAL[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static const int INTERRUPT[] = { SIGINT, SIGTERM, SIGHUP };

static void set_handlers(int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on ? on_fatal : SIG_DFL;
    sa.sa_flags = on ? (SA_RESETHAND | SA_NODEFER) : 0;
    for (size_t i = 0; i < sizeof FATAL / sizeof FATAL[0]; i++) sigaction(FATAL[i], &sa, NULL);
    sa.sa_handler = on ? on_interrupt : SIG_DFL;
    sa.sa_flags = 0;
    for (size_t i = 0; i < sizeof INTERRUPT / sizeof INTERRUPT[0]; i++)
        sigaction(INTERRUPT[i], &sa, NULL);
}

int tui_term_interrupted(void)
{
    return (int)g_interrupted;
}

/* ------------------------------------------------------------ roles */

typedef struct {
    view_rgb_t fg;      /* direct and 256 colours */
    view_rgb_t bg;      /* used when has_bg */
    int has_bg;
    int ansi_fg, ansi_bg; /* 8 colours: 0..7, or -1 for the default */
    attr_t attr;        /* added in colour tiers */
    attr_t mono;        /* attributes without colour */
} role_def_t;

#define RGB(r, g, b) { (r), (g), (b) }

static const role_def_t ROLES[ROLE_COUNT] = {
    [ROLE_NORMAL] = { RGB(220, 220, 220), RGB(0, 0, 0), 0, -1, -1, A_NORMAL, A_NORMAL },
    [ROLE_DIM] = { RGB(138, 138, 138), RGB(0, 0, 0), 0, -1, -1, A_NORMAL, A_DIM },
    [ROLE_HEADER] = { RGB(240, 240, 240), RGB(0, 0, 0), 0, -1, -1, A_BOLD, A_BOLD },
    [ROLE_TITLE] = { RGB(255, 215, 135), RGB(0, 0, 0), 0, 3, -1, A_BOLD, A_BOLD },
    [ROLE_VALUE] = { RGB(135, 215, 255), RGB(0, 0, 0), 0, 6, -1, A_NORMAL, A_BOLD },
    [ROLE_KEY] = { RGB(255, 175, 95), RGB(0, 0, 0), 0, 3, -1, A_BOLD, A_BOLD },
    [ROLE_GOOD] = { RGB(95, 230, 95), RGB(0, 0, 0), 0, 2, -1, A_BOLD, A_BOLD },
    [ROLE_BAD] = { RGB(255, 85, 85), RGB(0, 0, 0), 0, 1, -1, A_BOLD, A_STANDOUT },
    [ROLE_WARN] = { RGB(255, 215, 0), RGB(0, 0, 0), 0, 3, -1, A_BOLD, A_BOLD },
    [ROLE_CURVE_A] = { RGB(135, 215, 255), RGB(0, 0, 0), 0, 6, -1, A_NORMAL, A_NORMAL },
    [ROLE_CURVE_B] = { RGB(255, 135, 215), RGB(0, 0, 0), 0, 5, -1, A_NORMAL, A_BOLD },
    [ROLE_FLOOR] = { RGB(150, 150, 150), RGB(0, 0, 0), 0, -1, -1, A_NORMAL, A_DIM },
    [ROLE_CURSOR] = { RGB(255, 255, 255), RGB(0, 0, 0), 0, 7, -1, A_BOLD, A_BOLD },
    [ROLE_WINNER] = { RGB(255, 255, 255), RGB(0, 0, 0), 0, 7, -1, A_BOLD, A_BOLD },
    [ROLE_LOSER] = { RGB(255, 40, 40), RGB(0, 0, 0), 0, 1, -1, A_BOLD, A_BOLD },
    [ROLE_HELP] = { RGB(230, 230, 230), RGB(28, 30, 40), 1, 7, 4, A_NORMAL, A_NORMAL },
    [ROLE_PROMPT] = { RGB(255, 255, 255), RGB(0, 0, 0), 0, -1, -1, A_BOLD, A_BOLD },
    [ROLE_CAPTION] = { RGB(255, 255, 255), RGB(0, 0, 0), 0, 7, -1, A_BOLD, A_BOLD },
    [ROLE_FRAME] = { RGB(255, 215, 135), RGB(0, 0, 0), 0, 3, -1, A_BOLD, A_BOLD },
    [ROLE_QR] = { RGB(0, 0, 0), RGB(255, 255, 255), 1, 0, 7, A_NORMAL, A_REVERSE },
};

/* Direct colour numbers are 0xRRGGBB, except that 0..7 mean the ANSI
   colours: nudge near-black blues out of that range. */
static int direct_code(view_rgb_t c)
{
    int v = (c.r << 16) | (c.g << 8) | c.b;
    return v < 8 ? 8 : v;
}

/* Nearest of the 16 base colours (palette mode keeps 0..15 untouched). */
static int nearest16(view_rgb_t c)
{
    int best = 0, bd = 1 << 30;
    for (int i = 0; i < 16; i++) {
        view_rgb_t p = tui_256_rgb(i);
        int dr = c.r - p.r, dg = c.g - p.g, db = c.b - p.b, d = dr * dr + dg * dg + db * db;
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static int code_of(const tui_term_t *t, view_rgb_t c)
{
    switch (t->tier) {
    case TIER_DIRECT: return direct_code(c);
    case TIER_256: return t->palette ? nearest16(c) : tui_rgb_to_256(c);
    default: return -1;
    }
}

static void init_roles(tui_term_t *t)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        const role_def_t *d = &ROLES[r];
        t->role_pair[r] = 0;
        if (t->tier == TIER_MONO) {
            t->role_attr[r] = d->mono;
            t->role_code[r] = -1;
            continue;
        }
        int fg, bg;
        if (t->tier == TIER_8) {
            fg = d->ansi_fg;
            bg = d->has_bg ? d->ansi_bg : -1;
            t->role_attr[r] = d->attr | (r == ROLE_DIM || r == ROLE_FLOOR ? A_DIM : 0);
            t->role_code[r] = fg;
        } else {
            fg = r == ROLE_NORMAL ? -1 : code_of(t, d->fg);
            bg = d->has_bg ? code_of(t, d->bg) : -1;
            t->role_attr[r] = d->attr;
            t->role_code[r] = code_of(t, d->fg);
        }
        t->role_pair[r] = 1 + r;
        init_extended_pair(1 + r, fg, bg);
    }
}

/* ------------------------------------------------------------ open/close */

/* The direct-colour terminfo entry to use for TERM=term when the
   environment says the terminal shows 24-bit colour but term's own entry
   has fewer colours: COLORTERM=truecolor or 24bit, or the entry's RGB or
   Tc flag (tmux's way of saying it), as modern terminal tools read them.
   Inside tmux (TMUX set, or TERM tmux-* / screen-*) that is tmux-direct,
   else xterm-direct. NULL when nothing says so, the entry already has
   direct colour, or the terminfo database has no such entry. Reads the
   entries with setupterm (which writes nothing to the terminal) before
   curses starts. */
static const char *direct_variant(const char *term)
{
    int e;
    if (setupterm(term, STDOUT_FILENO, &e) != OK) return NULL;
    int colors = tigetnum("colors");
    int flag = tigetflag("RGB") > 0 || tigetflag("Tc") > 0;
    del_curterm(cur_term);
    if (colors >= 0x1000000) return NULL;
    const char *ct = getenv("COLORTERM");
    int said = (ct && (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0)) || flag;
    if (!said) return NULL;
    const char *tmux = getenv("TMUX");
    int in_tmux = (tmux && *tmux) || strncmp(term, "tmux", 4) == 0 || strncmp(term, "screen", 6) == 0;
    const char *v = in_tmux ? "tmux-direct" : "xterm-direct";
    if (setupterm(v, STDOUT_FILENO, &e) != OK) return NULL;
    del_curterm(cur_term);
    return v;
}

static int detect_tier(const tui_options_t *opt)
{
    const char *no_color = getenv("NO_COLOR");
    if (opt->color == COLOR_MODE_NEVER) return TIER_MONO;
    if (no_color && *no_color && opt->color != COLOR_MODE_ALWAYS) return TIER_MONO;
    if (!has_colors()) return TIER_MONO;
    if (start_color() == ERR) return TIER_MONO;
    use_default_colors();
    if (COLORS >= 0x1000000 && COLOR_PAIRS >= 256) return TIER_DIRECT;
    if (COLORS >= 256 && COLOR_PAIRS >= 256) return TIER_256;
    if (COLORS >= 8 && COLOR_PAIRS >= 16) return TIER_8;
    return TIER_MONO;
}

tui_term_t *tui_term_open(const tui_options_t *opt, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen,
                 "the terminal explorer needs a terminal (%s is not one); for headless runs use "
                 "pbde train",
                 !isatty(STDOUT_FILENO) ? "standard output" : "standard input");
        return NULL;
    }
    const char *term = getenv("TERM");
    if (!term || !*term || strcmp(term, "dumb") == 0) {
        snprintf(err, errlen,
                 "TERM is %s: the terminal explorer needs a terminal that can move the cursor "
                 "(e.g. TERM=xterm-256color)",
                 !term || !*term ? "not set" : "'dumb'");
        return NULL;
    }
    tui_term_t *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *cs = nl_langinfo(CODESET);
    t->utf8 = !opt->ascii && cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);

    /* pixels: asked before curses owns the terminal */
    t->gfx = GFX_CELLS;
    if (t->utf8 && opt->graphics != GFX_CELLS && opt->color != COLOR_MODE_NEVER) {
        int cw, ch;
        if (tui_gfx_cell_size(STDOUT_FILENO, &cw, &ch) == 0) {
            t->gfx = tui_gfx_detect(opt->graphics, STDIN_FILENO, STDOUT_FILENO);
            t->cw = cw;
            t->ch = ch;
        }
    }
    /* true colour the terminfo entry does not describe (COLORTERM, tmux's
       RGB/Tc): the same terminal through its direct-colour entry */
    const char *variant = opt->color != COLOR_MODE_NEVER ? direct_variant(term) : NULL;
    if (variant) {
        t->scr = newterm(variant, stdout, stdin);
        if (t->scr) snprintf(t->via, sizeof t->via, " via %s", variant);
    }
    if (!t->scr) t->scr = newterm(NULL, stdout, stdin);
    if (!t->scr) {
        snprintf(err, errlen, "cannot use terminal type '%s' (not in the terminfo database, or it "
                 "cannot move the cursor); try TERM=xterm-256color", term);
        free(t);
        return NULL;
    }
    set_term(t->scr);
    t->open = 1;
    set_handlers(1);
    cbreak(); /* keeps ISIG: Ctrl-C and Ctrl-Z reach their handlers */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);

    t->tier = detect_tier(opt);
    t->half = t->utf8 && (t->tier == TIER_DIRECT || t->tier == TIER_256);
    t->palette = t->tier == TIER_256 && can_change_color() && COLORS >= 256;
    if (t->tier != TIER_MONO) {
        init_roles(t);
        int first = 32, cap = COLOR_PAIRS - first;
        if (cap > 65535 - first) cap = 65535 - first;
        if (cap < 8 || tui_pairs_init(&t->pairs, first, cap) != 0) {
            if (cap >= 8) {
                tui_term_close(t);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
            /* too few pairs for heatmaps: shades become monochrome ramps */
            t->tier = TIER_MONO;
            t->half = 0;
            t->palette = 0;
            init_roles(t);
        }
    } else {
        init_roles(t);
    }
    if (t->palette) tui_term_set_cmap(t, CMAP_VIRIDIS);
    if (opt->mouse) {
        mouseinterval(0);
        t->mouse = mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL) != 0;
    }
    static const char *const NAMES[] = { "monochrome", "8 colours", "256 colours",
                                         "direct colour" };
    if (t->tier == TIER_MONO) t->gfx = GFX_CELLS;
    snprintf(t->desc, sizeof t->desc, "%s%s%s%s%s%s, %s", NAMES[t->tier], t->tier == TIER_DIRECT ? t->via : "",
             t->palette ? " (palette redefined)" : "", t->half ? ", half blocks" : "",
             t->gfx != GFX_CELLS ? ", " : "", t->gfx != GFX_CELLS ? tui_gfx_name(t->gfx) : "",
             t->utf8 ? "UTF-8" : "ASCII");
    return t;
}

void tui_term_close(tui_term_t *t)
{
    if (!t) return;
    if (t->open) {
        if (t->mouse) mousemask(0, NULL);
        curs_set(1);
        endwin();
        t->open = 0;
    }
    set_handlers(0);
    if (t->scr) delscreen(t->scr);
    tui_pairs_free(&t->pairs);
    for (int i = 0; i < TUI_IMAGE_SLOTS; i++) free(t->img[i].rgb);
    free(t);
}

/* ------------------------------------------------------------ queries */

tui_tier tui_term_tier(const tui_term_t *t)
{
    return t->tier;
}

int tui_term_utf8(const tui_term_t *t)
{
    return t->utf8;
}

int tui_term_half_blocks(const tui_term_t *t)
{
    return t->half;
}

int tui_term_palette(const tui_term_t *t)
{
    return t->palette;
}

const char *tui_term_describe(const tui_term_t *t)
{
    return t->desc;
}

void tui_term_stats(const tui_term_t *t, long *pairs_used, long *evictions, long *overflows)
{
    *pairs_used = t->pairs.n;
    *evictions = t->pairs.evictions;
    *overflows = t->pairs.overflows;
}

/* ------------------------------------------------------------ images */

tui_gfx_kind tui_term_graphics(const tui_term_t *t, int *cw, int *ch)
{
    if (cw) *cw = t->cw;
    if (ch) *ch = t->ch;
    return t->gfx;
}

static unsigned long checksum(const unsigned char *p, size_t n)
{
    unsigned long h = 1469598103UL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619UL;
    return h;
}

void tui_term_image(tui_term_t *t, int slot, int y, int x, int cols, int rows,
                    const unsigned char *rgb, int w, int h)
{
    if (slot < 0 || slot >= TUI_IMAGE_SLOTS || w <= 0 || h <= 0) return;
    size_t n = (size_t)w * (size_t)h * 3;
    if (n > t->img[slot].cap) {
        unsigned char *q = realloc(t->img[slot].rgb, n);
        if (!q) return;
        t->img[slot].rgb = q;
        t->img[slot].cap = n;
    }
    memcpy(t->img[slot].rgb, rgb, n);
    unsigned long sum = checksum(rgb, n) ^ (unsigned long)(y * 7919 + x * 31 + cols * 131 + rows);
    t->img[slot].dirty = t->img[slot].dirty || sum != t->img[slot].sum || t->img[slot].w != w ||
                         t->img[slot].h != h;
    t->img[slot].sum = sum;
    t->img[slot].y = y;
    t->img[slot].x = x;
    t->img[slot].cols = cols;
    t->img[slot].rows = rows;
    t->img[slot].w = w;
    t->img[slot].h = h;
}

void tui_term_images_invalidate(tui_term_t *t)
{
    for (int i = 0; i < TUI_IMAGE_SLOTS; i++) t->img[i].dirty = 1;
}

void tui_term_flush_images(tui_term_t *t)
{
    if (t->gfx == GFX_CELLS) return;
    for (int i = 0; i < TUI_IMAGE_SLOTS; i++) {
        if (!t->img[i].rgb || !t->img[i].dirty) continue;
        char *data = NULL;
        size_t len = 0;
        int rc = t->gfx == GFX_SIXEL
                     ? tui_gfx_sixel_encode(t->img[i].rgb, t->img[i].w, t->img[i].h, &data, &len)
                     : tui_gfx_kitty_encode(t->img[i].rgb, t->img[i].w, t->img[i].h, t->img[i].cols,
                                            t->img[i].rows, &data, &len);
        if (rc == 0) {
            /* save the cursor, go to the panel's top-left cell, draw, restore */
            printf("\0337\033[%d;%dH", t->img[i].y + 1, t->img[i].x + 1);
            fwrite(data, 1, len, stdout);
            printf("\0338");
            t->img[i].dirty = 0;
        }
        free(data);
    }
    fflush(stdout);
}

/* ------------------------------------------------------------ drawing */

void tui_term_frame(tui_term_t *t)
{
    if (t->pairs.cap > 0) tui_pairs_frame(&t->pairs);
}

void tui_term_role(tui_term_t *t, tui_role r)
{
    int pair = t->role_pair[r];
    attr_set(t->role_attr[r], 0, &pair);
}

void tui_term_set_cmap(tui_term_t *t, int cmap)
{
    if (!t->palette) return;
    /* 16..231: the sequential map in 216 steps; 232..255: the diverging map */
    for (int i = 0; i < 216; i++) {
        view_rgb_t c = view_cmap(cmap, (double)i / 215.0);
        init_extended_color(16 + i, c.r * 1000 / 255, c.g * 1000 / 255, c.b * 1000 / 255);
    }
    for (int i = 0; i < 24; i++) {
        view_rgb_t c = view_cmap_diverging(-1.0 + 2.0 * (double)i / 23.0);
        init_extended_color(232 + i, c.r * 1000 / 255, c.g * 1000 / 255, c.b * 1000 / 255);
    }
}

/* The colour number of a pixel's own colour in the tier (direct or 256). */
static int base_code(const tui_term_t *t, const tui_pixel_t *p, int px, int py)
{
    if (t->tier == TIER_DIRECT) return direct_code(p->rgb);
    (void)px;
    (void)py;
    /* the nearest colour, no dithering: a flat region is one colour (a
       dither between two palette colours is a checkerboard there) */
    if (t->palette) {
        if (p->diverging) return 232 + (int)lround(p->t * 23.0);
        return 16 + (int)lround(p->t * 215.0);
    }
    return tui_rgb_to_256(p->rgb);
}

/* The same, with an overlay mark painted over it. */
static int pixel_code(const tui_term_t *t, const tui_pixel_t *p, int px, int py)
{
    return p->mark ? t->role_code[p->mark] : base_code(t, p, px, py);
}

/* The pair for (fg, bg), defined on first use; on overflow the last pair
   (a wrong colour beats a crash). */
static int heat_pair(tui_term_t *t, int fg, int bg)
{
    int fresh;
    int pair = tui_pairs_get(&t->pairs, fg, bg, &fresh);
    if (pair < 0) return t->last_pair;
    if (fresh) init_extended_pair(pair, fg, bg);
    t->last_pair = pair;
    return pair;
}

/* Every cell carries its own attributes: the window's rendition (which
   add_wch combines with the cell's, so a bold cell before would make this
   one bold too) is set to the cell's first. */
static void put_wide(int y, int x, wchar_t ch, attr_t attr, int pair)
{
    attr_set(attr, 0, &pair);
    cchar_t cc;
    wchar_t s[2] = { ch, 0 };
    setcchar(&cc, s, attr, 0, &pair);
    mvadd_wch(y, x, &cc);
}

static void put_char(int y, int x, char ch, attr_t attr, int pair)
{
    attr_set(attr, 0, &pair);
    mvaddch(y, x, (chtype)(unsigned char)ch);
}

/* A cell all in the colour of pair (c, c), written as a reverse-video
   space. A plain coloured blank would let curses erase runs of them with
   ECH/EL on terminals with bce, and tmux (3.3) keeps cells erased with a
   direct-colour background without their colour; curses never erases
   reverse-video blanks, so every cell is written out. */
static void solid(int y, int x, int pair)
{
    put_char(y, x, ' ', A_REVERSE, pair);
}

static const char MONO_RAMP[] = " .:-=+*#%@";

/* A monochrome character for a pixel: the ramp for a sequential scale;
   for a diverging one, blank near 0, '-' ':' '=' below and '+' '*' '#'
   above. */
static char mono_char(const tui_pixel_t *p)
{
    if (p->diverging) {
        double d = 2.0 * p->t - 1.0;
        static const char NEG[] = "-:=", POS[] = "+*#";
        double a = d < 0 ? -d : d;
        if (a < 0.1) return ' ';
        int k = a < 0.4 ? 0 : a < 0.7 ? 1 : 2;
        return d < 0 ? NEG[k] : POS[k];
    }
    int k = (int)(p->t * 10.0);
    if (k > 9) k = 9;
    if (k < 0) k = 0;
    return MONO_RAMP[k];
}

void tui_term_cell(tui_term_t *t, int y, int x, const tui_pixel_t *top, const tui_pixel_t *bot,
                   int px, int py, int glyph, tui_role glyph_role)
{
    if (t->tier == TIER_MONO) {
        char c = glyph ? (char)glyph : top->mark ? (top->mark == ROLE_WINNER ? 'o' : 'x')
                                                 : mono_char(top);
        put_char(y, x, c, glyph || top->mark ? A_BOLD : A_NORMAL, 0);
        return;
    }
    if (t->tier == TIER_8) {
        tui_shade_t s = tui_shade_pick(top->rgb);
        if (glyph || top->mark) {
            int fg = glyph ? t->role_code[glyph_role] : t->role_code[top->mark];
            int pair = heat_pair(t, fg < 0 ? 7 : fg, s.level >= 2 ? s.fg : s.bg);
            char c = glyph ? (char)glyph : top->mark == ROLE_WINNER ? 'o' : 'x';
            put_char(y, x, c, A_BOLD, pair);
            return;
        }
        int pair = heat_pair(t, s.fg, s.bg);
        if (s.level == 0) { /* solid: see solid() */
            solid(y, x, pair);
            return;
        }
        if (t->utf8) {
            static const wchar_t SHADE[4] = { L' ', 0x2591, 0x2592, 0x2593 };
            put_wide(y, x, SHADE[(int)s.level], A_NORMAL, pair);
        } else {
            static const char SHADE_ASCII[4] = { ' ', '.', '+', '#' };
            put_char(y, x, SHADE_ASCII[(int)s.level], A_NORMAL, pair);
        }
        return;
    }
    /* direct colour and 256 colours */
    int a = pixel_code(t, top, px, py);
    if (glyph) {
        int pair = heat_pair(t, t->role_code[glyph_role], a);
        if (t->utf8) put_wide(y, x, (wchar_t)glyph, A_BOLD, pair);
        else put_char(y, x, (char)glyph, A_BOLD, pair);
        return;
    }
    if (!t->half) { /* ASCII: one pixel per cell, as a background */
        if (top->mark) {
            int pair = heat_pair(t, a, base_code(t, top, px, py));
            put_char(y, x, top->mark == ROLE_WINNER ? 'o' : 'x', A_BOLD, pair);
            return;
        }
        solid(y, x, heat_pair(t, a, a));
        return;
    }
    /* ▀: top = fg, bottom = bg; also when they are equal, so the cell is
       never a blank (see solid()) */
    int b = pixel_code(t, bot, px, py + 1);
    put_wide(y, x, 0x2580, A_NORMAL, heat_pair(t, a, b));
}

int tui_term_text(tui_term_t *t, int y, int x, int cols, tui_role r, const char *s)
{
    char buf[1024];
    if (cols <= 0 || y < 0 || y >= LINES || x >= COLS) return 0;
    if (x + cols > COLS) cols = COLS - x;
    if (!t->utf8) {
        tui_ascii(buf, sizeof buf, s);
        s = buf;
    }
    size_t bytes = tui_utf8_fit(s, cols);
    tui_term_role(t, r);
    mvaddnstr(y, x, s, (int)bytes);
    int pair = 0, w = tui_utf8_cols(s);
    attr_set(A_NORMAL, 0, &pair);
    return w < cols ? w : cols;
}

void tui_term_glyph(tui_term_t *t, int y, int x, tui_role r, unsigned cp, char ascii)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS) return;
    int pair = t->role_pair[r];
    if (t->utf8 && cp >= 0x80) put_wide(y, x, (wchar_t)cp, t->role_attr[r], pair);
    else put_char(y, x, cp < 0x80 ? (char)cp : ascii, t->role_attr[r], pair);
}
