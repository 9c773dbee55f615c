/* The view model shared by both explorers and the exporters: the key and
   action table, the user's view state (third panel, log scale, colour
   map, cursor, overlays), the panels built from a live snapshot with their
   shared colour scale, and the colour maps. The terminal cell renderer and
   the RGB rasteriser both draw from a view_model_t, so they show the same
   thing. Pure functions: no terminal, no window. */
#ifndef PBDE_VIEW_H
#define PBDE_VIEW_H

#include <stddef.h>

#include "pbde/live.h"
#include "pbde/params.h"

/* ------------------------------------------------------------------ keys */

/* Key codes beyond Unicode for the special keys both front ends map to. */
enum {
    VIEW_KEY_LEFT = 0x110000,
    VIEW_KEY_RIGHT,
    VIEW_KEY_UP,
    VIEW_KEY_DOWN,
    VIEW_KEY_ESCAPE,
    VIEW_KEY_ENTER,
    VIEW_KEY_PGUP,
    VIEW_KEY_PGDN,
    VIEW_KEY_HOME,
    VIEW_KEY_END,
    VIEW_KEY_BACKSPACE,
    VIEW_KEY_DELETE
};

typedef enum {
    ACT_NONE = 0,
    ACT_QUIT,
    ACT_PAUSE,          /* space: pause / resume */
    ACT_STEP,           /* n: one step */
    ACT_RESET,          /* r: reset the model */
    ACT_RESAMPLE,       /* s: resample the data */
    ACT_ANNOTATOR_NEXT, /* a */
    ACT_ANNOTATOR_PREV, /* A */
    ACT_OBJECTIVE_NEXT, /* o */
    ACT_OBJECTIVE_PREV, /* O */
    ACT_DENSITY_NEXT,   /* d */
    ACT_DENSITY_PREV,   /* D */
    ACT_PAIRS_MORE,     /* + : double the pairs */
    ACT_PAIRS_FEWER,    /* - : halve the pairs */
    ACT_OBJ_PARAM_DOWN, /* [ : the objective's main parameter (beta, alpha, tau, delta) */
    ACT_OBJ_PARAM_UP,   /* ] */
    ACT_ANN_PARAM_DOWN, /* { : the annotator's parameter */
    ACT_ANN_PARAM_UP,   /* } */
    ACT_SLOWER,         /* < : training speed */
    ACT_FASTER,         /* > */
    ACT_BUDGET_DOWN,    /* k : the over-optimisation panel's KL budget */
    ACT_BUDGET_UP,      /* K */
    ACT_PACE,           /* P : the lecture pace on / off */
    ACT_OVERLAY,        /* p : pair overlay */
    ACT_THIRD_PANEL,    /* v : cycle the third panel */
    ACT_LOG_SCALE,      /* l */
    ACT_COLORMAP,       /* c */
    ACT_PROMPT,         /* : */
    ACT_HELP,           /* ? */
    ACT_CURSOR_LEFT,
    ACT_CURSOR_RIGHT,
    ACT_CURSOR_UP,
    ACT_CURSOR_DOWN,
    ACT_FULLSCREEN,     /* f (window only) */
    ACT_SCREENSHOT,     /* S (window only) */
    ACT_RECORD,         /* R (window only) */
    ACT_INTERPOLATE,    /* i (window only): nearest / bilinear */
    ACT_ANNOTATE,       /* h: be the annotator (on / off) */
    ACT_BRUSH,          /* b: draw the density (on / off) */
    ACT_MODE_EXIT,      /* Esc in a mode: back to exploring */
    ACT_ANSWER_A,       /* <- in annotate mode: A is better */
    ACT_ANSWER_B,       /* -> in annotate mode: B is better */
    ACT_ANSWER_SKIP,    /* = in annotate mode: no preference (next question) */
    ACT_ANSWER_UNDO,    /* u in annotate mode: take the last answer back */
    ACT_SAVE_PAIRS,     /* W in annotate mode: save the answers as CSV */
    ACT_BRUSH_PEN,      /* space in brush mode: pen down / up */
    ACT_BRUSH_ERASE,    /* x in brush mode: paint / erase */
    ACT_BRUSH_SMOOTH,   /* m in brush mode: smooth the painted density */
    ACT_BRUSH_SMALLER,  /* ( in brush mode */
    ACT_BRUSH_BIGGER,   /* ) in brush mode */
    ACT_BRUSH_CLEAR,    /* C in brush mode: start from a black picture */
    ACT_CURVE,          /* L: the learning-curve panel (on / off) */
    ACT_ROOM,           /* H: a room of phones answers (open / close) */
    ACT_ROOM_NEXT,      /* n in the room: close the question, ask the next */
    ACT_TOUR_NEXT,      /* a tour: space, -> or PgDn shows the next stop */
    ACT_TOUR_PREV,      /* <- or PgUp: the previous stop (rebuilt) */
    ACT_TOUR_TOGGLE,    /* t: leave the tour to explore, and come back */
    ACT_COUNT
} view_action;

enum { VIEW_FE_TUI = 1, VIEW_FE_GUI = 2, VIEW_FE_BOTH = 3 };

/* Which keys are live: the key table's mode column. The interactive-data
   modes are described in pbde/annotate.h. */
typedef enum {
    VIEW_MODE_NORMAL = 0, /* exploring; in the key table: every mode */
    VIEW_MODE_ANNOTATE,   /* be the annotator */
    VIEW_MODE_BRUSH,      /* draw the density */
    VIEW_MODE_ROOM,       /* a room of phones answers the questions */
    VIEW_MODE_TOUR,       /* a lecture tour is open: its keys come first */
    VIEW_MODE_COUNT
} view_mode;

typedef struct {
    int key;            /* character or VIEW_KEY_* */
    view_action action;
    const char *label;  /* how the key is written: "space", "a", "<-" */
    const char *help;   /* what it does, a few words */
    int frontends;      /* VIEW_FE_* */
    int mode;           /* 0: a key of every mode (unless the mode binds it itself);
                           VIEW_MODE_* (pbde/annotate.h): only in that mode */
} view_key_t;

/* The one key table (help overlay, footer and both front ends read it). */
const view_key_t *view_keys(size_t *n);

/* The action of a key in a front end while exploring (mode 0), or
   ACT_NONE. */
view_action view_key_action(int key, int frontend);

/* The action of a key in a front end in mode (VIEW_MODE_*): the mode's
   own binding of the key when it has one, else the key's binding of every
   mode, else ACT_NONE. */
view_action view_key_action_mode(int key, int frontend, int mode);

/* The action bound to key in exactly that mode (no fallback to the keys
   of every mode), or ACT_NONE. */
view_action view_key_lookup(int key, int frontend, int mode);

/* The label of the first key bound to action in a front end (any mode),
   or NULL. */
const char *view_key_label(view_action a, int frontend);

/* What a piece of on-screen text is, whatever each renderer makes of it
   (a terminal role, a window colour). */
typedef enum {
    VIEW_TONE_NORMAL = 0,
    VIEW_TONE_DIM,     /* secondary */
    VIEW_TONE_GOOD,    /* training */
    VIEW_TONE_WARN,    /* paused, notices */
    VIEW_TONE_BAD      /* diverged, errors */
} view_tone;

/* One entry of a footer or help list: a key (or a command) and what it
   does. */
typedef struct {
    char key[32];
    char text[96];
} view_item_t;

/* Applies a parameter action (annotator/objective/density cycling, pairs,
   the objective's and annotator's parameter) to *p. Returns 1 when *p
   changed (message in msg, e.g. "annotator: thurstone"), 0 when the action
   is not a parameter action or is at a bound (reason in msg). Cycling skips
   combinations params_check refuses. */
int view_param_action(params_t *p, view_action a, char *msg, size_t msglen);

/* Name and value of the objective's main parameter ("beta", ...) and the
   annotator's, or NULL when it has none. */
const char *view_objective_param(const params_t *p);
const char *view_annotator_param(const params_t *p);

/* ------------------------------------------------------------ notation */

/* One notation on screen: Unicode symbols (π_θ, π_ref, β, ‖, ≻, −), in
   every title, plot, metric line and tour caption; a terminal without
   UTF-8 spells them back in ASCII in one place (the terminal's text
   helpers). The core writes its formulas in ASCII for the command line
   and JSON ("pi_ref * exp(F_a/beta)"): view_formula writes one in the
   screen's notation into out(n) ("π_ref exp(F_a/β)"; a product is
   written as juxtaposition), cut at a character boundary when n is too
   small. */
void view_formula(char *out, size_t n, const char *ascii);

/* ------------------------------------------------------------ colour maps */

typedef enum { CMAP_VIRIDIS = 0, CMAP_MAGMA, CMAP_CIVIDIS, CMAP_GREY, CMAP_COUNT } view_cmap_kind;

typedef struct {
    unsigned char r, g, b;
} view_rgb_t;

const char *view_cmap_name(int map);

/* Colour of t in [0, 1] (clamped) on map. */
view_rgb_t view_cmap(int map, double t);

/* Diverging map for signed values: t in [-1, 1], blue - white - red. */
view_rgb_t view_cmap_diverging(double t);

/* ------------------------------------------------------------ view state */

typedef enum {
    THIRD_THEORY = 0, /* closed-form optimum, or "no closed form" */
    THIRD_LOG_RATIO,  /* log(pi_theta / p*), diverging */
    THIRD_PROPOSAL,   /* mu */
    THIRD_SLICE,      /* P(x > cursor), annotator and model */
    THIRD_OVEROPT,    /* the RL policy on the model's implicit reward at a KL budget */
    THIRD_BORDA,      /* the Borda count E_mu P(x > x'), annotators and model */
    THIRD_COUNT
} view_third;

typedef struct {
    int third;          /* view_third */
    int log_scale;      /* density panels in log scale */
    int colormap;       /* view_cmap */
    int overlay;        /* pair overlay on */
    int help;           /* help overlay on */
    double cursor_x, cursor_y; /* in world coordinates */
    double overopt_kl;  /* THIRD_OVEROPT: the KL budget in nats (< 0: the gold peak) */
} view_state_t;

/* The KL budgets k and K step through: sqrt(KL) in steps of
   VIEW_OVEROPT_STEP up to the sweep's VIEW_OVEROPT_KL_MAX. */
#define VIEW_OVEROPT_STEP 0.25
#define VIEW_OVEROPT_KL_MAX 8.0

/* The next budget below (dir < 0) or above a KL of kl (the gold peak's KL
   when kl < 0 and peak_kl >= 0), on the sqrt(KL) ladder; clamped to
   [0, VIEW_OVEROPT_KL_MAX]. */
double view_overopt_step(double kl, double peak_kl, int dir);

/* Defaults: theory panel, linear scale, viridis, cursor at the origin. */
void view_state_init(view_state_t *vs);

/* The view state a parameter set asks for ([view] section: panel,
   colormap, log-scale, overlay), and back, so :save and scenario files
   keep the view. */
void view_state_from_params(view_state_t *vs, const params_t *p);
void view_state_to_params(const view_state_t *vs, params_t *p);

/* Moves the cursor one step (1/32 of the box) for a cursor action,
   clamped to the box. Returns 1 when the action was a cursor action. */
int view_move_cursor(view_state_t *vs, view_action a, double L);

/* ------------------------------------------------------------ view model */

typedef enum {
    PANEL_DENSITY = 0, /* a density on the shared colour scale */
    PANEL_DIVERGING,   /* signed values on a symmetric diverging scale */
    PANEL_PROBABILITY, /* values in [0, 1] */
    PANEL_MESSAGE      /* no values: show message instead */
} view_panel_kind;

#define VIEW_MAX_PANELS 12

typedef struct {
    view_panel_kind kind;
    char title[64];       /* e.g. "p*(x) - annotator" (UTF-8) */
    char message[64];     /* PANEL_MESSAGE: e.g. "no closed form" */
    const double *values; /* (n) grid values as drawn (see below), NULL for a message */
    double lo, hi;        /* the scale the values map onto [0, 1] */
} view_panel_t;

typedef struct {
    int G;
    double L;
    size_t n;
    int n_panels;
    view_panel_t panels[VIEW_MAX_PANELS];
    int colormap;
    int log_scale;
    double scale_lo, scale_hi; /* the shared density scale (colour bar range) */
    double cursor_x, cursor_y;
    int overlay;
    double *buf;          /* owned storage for transformed values */
    size_t buf_len;
} view_model_t;

/* Builds the panels of snapshot s under view state vs: p*, the learned
   density, the third panel, and one panel per mixture component. Density
   values are densities (or log-densities with log_scale) and share one
   scale. Returns 0, or -1 on allocation failure. The model points into s:
   rebuild it when s changes. */
int view_build(view_model_t *vm, const live_snapshot_t *s, const view_state_t *vs);
void view_model_free(view_model_t *vm);

/* t in [0, 1] for value v of panel p (NaN maps to 0). */
double view_panel_t01(const view_panel_t *p, double v);

/* Colour of value v in panel p under the model's colour map. */
view_rgb_t view_panel_color(const view_model_t *vm, const view_panel_t *p, double v);

/* ------------------------------------------------------------ layout */

typedef struct {
    int x, y, w, h;
} view_rect_t;

/* Splits an area of width x height units into n panels side by side (in
   rows when they do not fit), each square in pixels given the aspect of a
   unit (aspect = unit height / unit width; 2 for terminal cells drawn with
   half blocks is 1), leaving title_h units above each for its title.
   Writes n rectangles; returns the number that fit (0 when the area is too
   small). */
int view_layout(view_rect_t *out, int n, int width, int height, double aspect, int title_h);

/* view_layout keeping, besides the title's title_h units above each
   panel, below_h units below it, left_w units left of it and row_left_w
   units left of each row's first panel (axis ticks and their labels);
   the rectangles are the heatmaps alone. */
int view_layout_framed(view_rect_t *out, int n, int width, int height, double aspect, int title_h,
                       int below_h, int left_w, int row_left_w);

#endif
