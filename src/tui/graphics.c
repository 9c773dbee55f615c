/* Pixels in the terminal: which pixel protocol the terminal shows (asked,
   never assumed), its cell size in pixels, and the two encodings: sixel
   through libsixel, and the kitty graphics protocol (raw RGB, base64, in
   chunks). Pure but for the query, which talks to the terminal before
   curses starts. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tui.h"

#ifdef PBDE_HAVE_SIXEL
#include <sixel.h>
#endif

const char *tui_gfx_name(tui_gfx_kind k)
{
    return k == GFX_SIXEL ? "sixel" : k == GFX_KITTY ? "kitty" : "cells";
}

int tui_gfx_parse(const char *s, tui_gfx_kind *out)
{
    if (!s || strcmp(s, "auto") == 0) *out = GFX_AUTO;
    else if (strcmp(s, "cells") == 0) *out = GFX_CELLS;
    else if (strcmp(s, "sixel") == 0) *out = GFX_SIXEL;
    else if (strcmp(s, "kitty") == 0) *out = GFX_KITTY;
    else return -1;
    return 0;
}

int tui_gfx_sixel_available(void)
{
#ifdef PBDE_HAVE_SIXEL
    return 1;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------ the answer */

int tui_gfx_parse_answer(const char *buf, size_t n, int *kitty, int *sixel)
{
    *kitty = *sixel = 0;
    int done = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        /* kitty: ESC _ G i=31 ; OK ESC \ */
        if (buf[i] == 0x1b && buf[i + 1] == '_' && buf[i + 2] == 'G') {
            size_t j = i + 3;
            while (j < n && buf[j] != ';' && buf[j] != 0x1b) j++;
            if (j + 2 < n && buf[j] == ';' && buf[j + 1] == 'O' && buf[j + 2] == 'K') *kitty = 1;
        }
        /* DA1: ESC [ ? a ; b ; ... c, attribute 4 is sixel */
        if (buf[i] == 0x1b && buf[i + 1] == '[' && buf[i + 2] == '?') {
            size_t j = i + 3;
            long v = 0;
            int have = 0;
            for (; j < n; j++) {
                char c = buf[j];
                if (c >= '0' && c <= '9') {
                    v = v * 10 + (c - '0');
                    have = 1;
                } else if (c == ';' || c == 'c') {
                    if (have && v == 4) *sixel = 1;
                    v = 0;
                    have = 0;
                    if (c == 'c') {
                        done = 1;
                        break;
                    }
                } else {
                    break;
                }
            }
        }
    }
    return done;
}

/* Waits up to ms milliseconds for bytes on fd; returns what came (0 on
   none). */
static size_t read_some(int fd, char *buf, size_t cap, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, ms) <= 0) return 0;
    ssize_t r = read(fd, buf, cap);
    return r > 0 ? (size_t)r : 0;
}

tui_gfx_kind tui_gfx_detect(tui_gfx_kind want, int in, int out)
{
    if (want == GFX_CELLS) return GFX_CELLS;
    struct termios old, raw;
    if (tcgetattr(in, &old) != 0) return GFX_CELLS;
    raw = old;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(in, TCSANOW, &raw) != 0) return GFX_CELLS;
    /* the kitty query first: a terminal that does not know it ignores it
       and still answers the primary device attributes that follow, so
       the DA1 answer ends the wait (the bound is for terminals that
       answer nothing at all) */
    static const char Q[] = "\033_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\033\\\033[c";
    int ok = write(out, Q, sizeof Q - 1) == (ssize_t)(sizeof Q - 1);
    char buf[512];
    size_t n = 0;
    int kitty = 0, sixel = 0;
    for (int tries = 0; ok && tries < 20 && n < sizeof buf - 1; tries++) {
        size_t got = read_some(in, buf + n, sizeof buf - 1 - n, 50);
        n += got;
        if (tui_gfx_parse_answer(buf, n, &kitty, &sixel)) break;
    }
    tcsetattr(in, TCSANOW, &old);
    if (want == GFX_KITTY) return kitty ? GFX_KITTY : GFX_CELLS;
    if (want == GFX_SIXEL) return sixel && tui_gfx_sixel_available() ? GFX_SIXEL : GFX_CELLS;
    if (kitty) return GFX_KITTY;
    if (sixel && tui_gfx_sixel_available()) return GFX_SIXEL;
    return GFX_CELLS;
}

int tui_gfx_cell_size(int fd, int *cw, int *ch)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0 || ws.ws_xpixel == 0 ||
        ws.ws_ypixel == 0)
        return -1;
    *cw = ws.ws_xpixel / ws.ws_col;
    *ch = ws.ws_ypixel / ws.ws_row;
    return *cw > 0 && *ch > 0 ? 0 : -1;
}

/* ------------------------------------------------------------ encodings */

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

#ifdef PBDE_HAVE_SIXEL
static int sixel_write(char *data, int size, void *priv)
{
    put(priv, data, (size_t)size);
    return size;
}
#endif

int tui_gfx_sixel_encode(const unsigned char *rgb, int w, int h, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
#ifdef PBDE_HAVE_SIXEL
    buf_t b = { NULL, 0, 0, 0 };
    sixel_output_t *o = NULL;
    sixel_dither_t *d = NULL;
    int rc = -1;
    if (SIXEL_FAILED(sixel_output_new(&o, sixel_write, &b, NULL))) goto done;
    /* a heatmap has few colours: up to 256, the palette is exactly the
       picture's colours (nothing merged, no error diffusion, so a flat
       region stays one colour); beyond, libsixel builds one from it */
    unsigned char pal[256 * 3];
    int nc = 0;
    size_t npx = (size_t)w * (size_t)h;
    for (size_t i = 0; i < npx && nc <= 256; i++) {
        const unsigned char *p = rgb + 3 * i;
        int k = 0;
        while (k < nc && memcmp(pal + 3 * k, p, 3) != 0) k++;
        if (k == nc) {
            if (nc == 256) {
                nc = 257;
                break;
            }
            memcpy(pal + 3 * nc++, p, 3);
        }
    }
    if (nc <= 256) {
        if (SIXEL_FAILED(sixel_dither_new(&d, nc, NULL))) goto done;
        sixel_dither_set_palette(d, pal);
        sixel_dither_set_pixelformat(d, SIXEL_PIXELFORMAT_RGB888);
    } else {
        if (SIXEL_FAILED(sixel_dither_new(&d, 256, NULL))) goto done;
        if (SIXEL_FAILED(sixel_dither_initialize(d, (unsigned char *)rgb, w, h, SIXEL_PIXELFORMAT_RGB888,
                                                 SIXEL_LARGE_AUTO, SIXEL_REP_AUTO, SIXEL_QUALITY_FULL)))
            goto done;
    }
    sixel_dither_set_diffusion_type(d, SIXEL_DIFFUSE_NONE);
    if (SIXEL_FAILED(sixel_encode((unsigned char *)rgb, w, h, 3, d, o)) || b.failed) goto done;
    *out = b.p;
    *len = b.len;
    b.p = NULL;
    rc = 0;
done:
    if (d) sixel_dither_unref(d);
    if (o) sixel_output_unref(o);
    free(b.p);
    return rc;
#else
    (void)rgb;
    (void)w;
    (void)h;
    return -1;
#endif
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int tui_gfx_kitty_encode(const unsigned char *rgb, int w, int h, int cols, int rows, char **out,
                         size_t *len)
{
    *out = NULL;
    *len = 0;
    size_t n = (size_t)w * (size_t)h * 3;
    buf_t b = { NULL, 0, 0, 0 };
    /* chunks of at most 4096 base64 bytes (3072 input bytes): m=1 while
       more follow; the first carries the image's keys; q=2 keeps the
       terminal's answers off the input */
    size_t pos = 0;
    int first = 1;
    do {
        size_t take = n - pos < 3072 ? n - pos : 3072;
        char head[160];
        int more = pos + take < n;
        if (first)
            snprintf(head, sizeof head, "\033_Ga=T,f=24,s=%d,v=%d,c=%d,r=%d,C=1,q=2,m=%d;", w, h, cols,
                     rows, more);
        else
            snprintf(head, sizeof head, "\033_Gm=%d;", more);
        put(&b, head, strlen(head));
        char enc[4100];
        size_t e = 0;
        for (size_t i = 0; i < take; i += 3) {
            unsigned v = (unsigned)rgb[pos + i] << 16;
            if (i + 1 < take) v |= (unsigned)rgb[pos + i + 1] << 8;
            if (i + 2 < take) v |= rgb[pos + i + 2];
            enc[e++] = B64[(v >> 18) & 63];
            enc[e++] = B64[(v >> 12) & 63];
            enc[e++] = i + 1 < take ? B64[(v >> 6) & 63] : '=';
            enc[e++] = i + 2 < take ? B64[v & 63] : '=';
        }
        put(&b, enc, e);
        put(&b, "\033\\", 2);
        pos += take;
        first = 0;
    } while (pos < n);
    if (b.failed) {
        free(b.p);
        return -1;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}
