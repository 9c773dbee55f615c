/* The terminal explorer's private interface (src/tui only).

   palette.c  colour quantisation (xterm 256, ANSI 8 with shade glyphs),
              ordered dithering, the colour-pair cache      (pure)
   braille.c  line plots packed into braille cells          (pure)
   text.c     UTF-8 width, the ASCII fallback, formatting    (pure)
   term.c     terminal setup and teardown, signals, colour tiers and roles
   draw.c     one frame: header, panels, colour bar, metrics, tour
              caption, curves, readout, status, footer, help overlay
   app.c      the event loop: curses input into session calls, frames

   What the keys do, the prompt, tours, the modes and the texts are the
   shared session's (pbde/session.h).

   The pure files use no terminal, so tests/test_tui.c compiles them in. */
#ifndef PBDE_TUI_H
#define PBDE_TUI_H

#include <stddef.h>
#include <stdint.h>

#include "pbde/annotate.h"
#include "pbde/curve.h"
#include "pbde/live.h"
#include "pbde/params.h"
#include "pbde/tour.h"
#include "pbde/session.h"
#include "pbde/view.h"
#include "pbde/tui_app.h"

/* ================================================================ palette */

/* 4x4 Bayer threshold at pixel (x, y): 0..15. */
int tui_bayer4(int x, int y);

/* Nearest xterm-256 colour (16..255: the 6x6x6 cube or the grey ramp). */
int tui_rgb_to_256(view_rgb_t c);

/* The same with ordered dithering at pixel (x, y): between the nearest
   palette colour and the one nearest to c's mirror image through it, in
   the proportion that averages to c, by the Bayer threshold. */
int tui_rgb_to_256_dither(view_rgb_t c, int x, int y);

/* The RGB value of xterm colour idx (0..255, standard xterm palette). */
view_rgb_t tui_256_rgb(int idx);

/* Dithers t in [0, 1] onto `levels` palette steps: returns 0..levels-1. */
int tui_dither_level(double t, int levels, int x, int y);

/* 8-colour shading: a cell shows colour fg over bg through a glyph that
   covers `level` quarters of the cell (0: space, 1 light shade, 2 medium,
   3 dark, 4 full block). Picks the ANSI colours and level whose mix is
   nearest c; canonical (fg < bg, or level 0 with fg == bg). */
typedef struct {
    signed char fg, bg, level;
} tui_shade_t;

tui_shade_t tui_shade_pick(view_rgb_t c);

/* The RGB the shade pick assumes for ANSI colour i (0..7). */
view_rgb_t tui_ansi_rgb(int i);

/* Colour-pair cache: maps (fg, bg) colour numbers to pair numbers in
   [first, first + cap). A pair used in the current frame is never evicted
   (its cells are on screen); others are recycled, least recently used
   first in clock order. */
typedef struct {
    int first, cap, n;      /* pair numbers first..first+cap-1; n in use */
    uint64_t *key;          /* (cap) (fg, bg) packed */
    uint32_t *stamp;        /* (cap) frame of last use */
    int *next;              /* (cap) hash chain */
    int *head;              /* (nbuckets) */
    int nbuckets;           /* power of two */
    uint32_t frame;
    int hand;               /* clock hand for eviction */
    long hits, misses, evictions, overflows;
} tui_pairs_t;

/* Returns 0, or -1 when memory runs out (pc left empty). */
int tui_pairs_init(tui_pairs_t *pc, int first, int cap);
void tui_pairs_free(tui_pairs_t *pc);

/* Starts a frame: pairs used from now on are protected until the next. */
void tui_pairs_frame(tui_pairs_t *pc);

/* Forgets every pair (after the palette changed meaning). */
void tui_pairs_clear(tui_pairs_t *pc);

/* The pair for (fg, bg). *fresh = 1 when the pair number is new or was
   recycled and must be (re)defined. Returns -1 when every pair is in use
   by the current frame. */
int tui_pairs_get(tui_pairs_t *pc, int fg, int bg, int *fresh);

/* ================================================================ braille */

/* Plots ys(n) (NaN: gap) over a canvas of w x h cells, each 2 dots wide and
   4 tall, value lo at the bottom dot row and hi at the top; sample i sits
   at dot column round(i * (2w - 1) / (n - 1)). Consecutive samples are
   joined by vertical runs, so the curve has no holes. ORs dot bits
   (U+2800 offsets) into cells(w * h), row-major from the top left. */
void tui_braille_plot(uint8_t *cells, int w, int h, const double *ys, size_t n, double lo,
                      double hi);

/* Dot bit of dot column dx (0, 1) and row dy (0..3, top first). */
uint8_t tui_braille_bit(int dx, int dy);

/* An ASCII character approximating a braille cell: ' ' when empty, '|'
   when its dots span three rows or more, else '\'', '-' or '.' by the
   height of its dots. */
char tui_braille_ascii(uint8_t mask);

/* ================================================================ text */

/* Display columns of a UTF-8 string (one per code point: pbde's texts have
   no wide or combining characters). */
int tui_utf8_cols(const char *s);

/* Bytes of the longest prefix of s that fits in cols columns. */
size_t tui_utf8_fit(const char *s, int cols);

/* Copies src into dst with every non-ASCII character spelt in ASCII
   (pi, theta, beta, ||, -, >, ...; unknown ones as '?'). */
void tui_ascii(char *dst, size_t n, const char *src);

/* Display symbol of a parameter: "β" (or "beta" when ascii) for beta, ... */
const char *tui_param_symbol(const char *name, int ascii);

/* Compact number: 3 significant digits with k / M suffixes (412k, 1.25M). */
void tui_fmt_si(char *buf, size_t n, double v);

/* Word-wraps UTF-8 text into lines of at most cols columns: '\n' ends a
   line, lines break at spaces, and a word longer than a line is split.
   Spaces at the ends of lines are dropped. Writes the byte offset and
   length of the first max lines into start and len, and returns how many
   lines the whole text takes (which may be more than max). */
int tui_wrap(const char *s, int cols, int *start, int *len, int max);

/* Cuts UTF-8 s back to the words that fit in w columns (at a space),
   without trailing spaces or a dangling separator (, ; : - | dashes,
   middle dot). Returns its columns; 0 when not even the first word fits
   (s is then empty). */
int tui_fit_words(char *s, int w);

/* Cuts s (n bytes) to w columns at a clause: the last ", " or "; "
   outside parentheses that leaves a fitting prefix; when none does, to
   whole words with an ellipsis. Returns its columns (0: nothing fits, s
   empty). */
int tui_fit_clauses(char *s, size_t n, int w);

/* Cuts s to w columns at its last separators sep, leaving whole items
   out from the end. Returns its columns (0: not even the first fits). */
int tui_fit_items(char *s, int w, const char *sep);

/* ================================================================ terminal */

typedef enum { TIER_MONO = 0, TIER_8, TIER_256, TIER_DIRECT } tui_tier;

/* What each piece of text is, whatever the tier turns it into. */
typedef enum {
    ROLE_NORMAL = 0,
    ROLE_DIM,        /* secondary text */
    ROLE_HEADER,     /* the header line */
    ROLE_TITLE,      /* panel titles */
    ROLE_VALUE,      /* numbers that matter */
    ROLE_KEY,        /* key names in the footer and help */
    ROLE_GOOD,       /* training */
    ROLE_BAD,        /* diverged, errors */
    ROLE_WARN,       /* paused, notices */
    ROLE_CURVE_A,    /* first curve (loss, KL(p*||model)) */
    ROLE_CURVE_B,    /* second curve (KL(theory||model)) */
    ROLE_FLOOR,      /* the Bayes floor */
    ROLE_CURSOR,     /* the cursor mark on the panels */
    ROLE_WINNER,     /* pair overlay: the preferred point */
    ROLE_LOSER,      /* pair overlay: the other one */
    ROLE_HELP,       /* the help overlay's box */
    ROLE_PROMPT,     /* the prompt line */
    ROLE_CAPTION,    /* a tour stop's caption */
    ROLE_FRAME,      /* the caption's box, the tour's title */
    ROLE_QR,         /* a QR code: black on white (reverse video without colour) */
    ROLE_COUNT
} tui_role;

typedef struct tui_term tui_term_t;

/* Checks that stdin and stdout are a terminal and TERM is usable, sets the
   signal handlers and starts curses. Returns NULL with a message in err
   (then nothing needs restoring). */
tui_term_t *tui_term_open(const tui_options_t *opt, char *err, size_t errlen);

/* ---- pixels in the terminal (graphics.c) ---- */

const char *tui_gfx_name(tui_gfx_kind k);
/* "auto", "cells", "sixel", "kitty" into *out; -1 for anything else. */
int tui_gfx_parse(const char *s, tui_gfx_kind *out);
/* 1 when this build can encode sixel (libsixel). */
int tui_gfx_sixel_available(void);
/* Reads a terminal's answers to the kitty graphics query and DA1 in
   buf(n): *kitty, *sixel (DA1 attribute 4). Returns 1 once the DA1
   answer is complete. */
int tui_gfx_parse_answer(const char *buf, size_t n, int *kitty, int *sixel);
/* Asks the terminal on (in, out) which protocol it shows (before curses
   starts): want GFX_AUTO takes kitty, then sixel, else cells; a named one
   is taken only when answered. */
tui_gfx_kind tui_gfx_detect(tui_gfx_kind want, int in, int out);
/* The character cell's size in pixels (TIOCGWINSZ); -1 when unknown. */
int tui_gfx_cell_size(int fd, int *cw, int *ch);
/* An RGB image (w, h, 3) as sixel (DCS ... ST) in a malloc'd *out.
   Returns 0, or -1 (no libsixel, or out of memory). */
int tui_gfx_sixel_encode(const unsigned char *rgb, int w, int h, char **out, size_t *len);
/* The same for kitty's protocol, placed over cols x rows cells. */
int tui_gfx_kitty_encode(const unsigned char *rgb, int w, int h, int cols, int rows, char **out,
                         size_t *len);

/* The protocol in use (GFX_CELLS: none) and the cell size. */
tui_gfx_kind tui_term_graphics(const tui_term_t *t, int *cw, int *ch);
/* Queues an RGB image (w, h, 3, copied) to cover the cells from (y, x),
   cols x rows, as panel slot; it is written after the frame
   (tui_term_flush_images) when it changed or moved. */
void tui_term_image(tui_term_t *t, int slot, int y, int x, int cols, int rows,
                    const unsigned char *rgb, int w, int h);
/* Writes the queued images that changed (call after doupdate). */
void tui_term_flush_images(tui_term_t *t);
/* Every image is written again after the next frame (the screen was
   cleared: a resize, a redraw). */
void tui_term_images_invalidate(tui_term_t *t);
#define TUI_IMAGE_SLOTS 4

/* Restores the terminal (idempotent) and frees t. */
void tui_term_close(tui_term_t *t);

/* The signal number once SIGINT, SIGTERM or SIGHUP arrived, else 0. */
int tui_term_interrupted(void);

tui_tier tui_term_tier(const tui_term_t *t);
int tui_term_utf8(const tui_term_t *t);          /* wide glyphs allowed */
int tui_term_half_blocks(const tui_term_t *t);   /* 2 pixels per cell */
int tui_term_palette(const tui_term_t *t);       /* palette redefined (256) */
const char *tui_term_describe(const tui_term_t *t); /* "direct colour", ... */

/* Starts a frame of heatmap colours (see tui_pairs_frame). */
void tui_term_frame(tui_term_t *t);

/* Sets the attributes of role for what is drawn next on stdscr. */
void tui_term_role(tui_term_t *t, tui_role r);

/* Redefines the 256-colour palette for colour map cmap (when the terminal
   can change colours; no-op otherwise). */
void tui_term_set_cmap(tui_term_t *t, int cmap);

/* A heatmap pixel: its colour, and its position on the colour scale
   (t in [0, 1]; diverging maps centre at 0.5). */
typedef struct {
    view_rgb_t rgb;
    double t;
    uint8_t diverging;
    uint8_t mark;    /* 0, or a tui_role painted over the pixel (overlay) */
} tui_pixel_t;

/* Draws one cell at (y, x) from its pixels: top and bottom with half
   blocks, or just top otherwise; (px, py) is the top pixel's position for
   dithering. glyph, when non-zero, is drawn instead (in the role colour
   over the pixels' colour), e.g. the cursor mark. */
void tui_term_cell(tui_term_t *t, int y, int x, const tui_pixel_t *top, const tui_pixel_t *bot,
                   int px, int py, int glyph, tui_role glyph_role);

/* Writes UTF-8 text at (y, x), at most cols columns, in role r (converted
   to ASCII when the terminal is not UTF-8). Returns columns written. */
int tui_term_text(tui_term_t *t, int y, int x, int cols, tui_role r, const char *s);

/* Writes one character (a code point; ASCII substitute when not UTF-8). */
void tui_term_glyph(tui_term_t *t, int y, int x, tui_role r, unsigned cp, char ascii);

/* Pair-cache statistics, for --stats. */
void tui_term_stats(const tui_term_t *t, long *pairs_used, long *evictions, long *overflows);

/* ================================================================ frame */

#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24

/* A tour as the frame shows it. */
typedef struct {
    const char *title;
    const char *caption;    /* the stop's caption, lines joined by '\n' */
    int stop, n;            /* the stop shown (0-based), and how many there are */
    long steps;             /* the step count the stop trains to */
    int on;                 /* 1: the tour's keys are active; 0: exploring (t returns) */
} tui_tour_view_t;

/* Everything the frame shows that is not in the snapshot or view model. */
typedef struct {
    const session_t *ses;   /* keys, prompt, messages, texts */
    const live_snapshot_t *snap;
    const view_model_t *vm;
    const view_state_t *vs;
    double now;             /* for the message's expiry */
    double fps;             /* frames drawn per second */
    double evals_per_s;     /* learned-panel updates per second, as seen */
    const tui_tour_view_t *tour; /* the tour, or NULL */
    const view_annot_t *annot;   /* the interactive-data modes, or NULL */
    const curve_view_t *curve;   /* the learning-curve panel (key L), or NULL when hidden */
} tui_frame_t;

/* What the last frame laid out: panel rectangles, for mouse clicks, and
   the pages the help takes at this size. */
typedef struct {
    int n;
    view_rect_t r[VIEW_MAX_PANELS]; /* in cells, screen coordinates */
    int density[VIEW_MAX_PANELS];   /* 1 when the panel shows grid values */
    int help_pages;                 /* 0 when the screen is too small for the frame */
} tui_hit_t;

/* Draws the whole frame into stdscr (no refresh). Writes the panel
   rectangles and the help's page count into *hit. */
void tui_draw(tui_term_t *t, const tui_frame_t *f, tui_hit_t *hit);

/* The world coordinates of cell (y, x) when it lies on a panel: returns 1
   and sets *wx, *wy. */
int tui_hit_world(const tui_hit_t *hit, double L, int y, int x, double *wx, double *wy);

#endif
