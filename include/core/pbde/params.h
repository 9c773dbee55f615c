/* The parameter registry: one table of every user-settable parameter
   (name, type, default, range, help, section, what it invalidates). It
   drives command-line flags, scenario files, the `:set` prompt, the help
   screens and the JSON output, so a parameter is added in one place. */
#ifndef PBDE_PARAMS_H
#define PBDE_PARAMS_H

#include <stddef.h>

/* An image density: grey values over the box, row 0 at y = +L (top),
   column 0 at x = -L; each pixel's value is the relative density of its
   square (piecewise constant, nothing added: black is density 0). */
#define PARAMS_IMAGE_SIDE 64
typedef struct {
    int side;                     /* 0: no image (the catalogue density is used) */
    unsigned char px[PARAMS_IMAGE_SIDE * PARAMS_IMAGE_SIDE]; /* (side, side) row-major */
    char src[256];                /* file it came from, "" when painted */
} params_image_t;

/* Longest file name a string parameter holds (with its NUL). */
#define PARAMS_PATH_MAX 256

/* Every parameter's value. Choice parameters hold an index into their
   catalogue (density_name, annotator_name, ...). */
typedef struct {
    /* [world] */
    int density;
    double box;        /* half-width L of the box [-L, L]^2 */
    long grid;         /* G: evaluation grid is G x G cell centres */
    double ref_scale;  /* s_ref of pi_ref = N(0, s_ref^2 I) on the box */
    int proposal;      /* PROPOSAL_* */
    double local_radius;    /* local: sd of the second item's offset from the first */
    long active_candidates; /* active: candidate pairs per kept pair (M) */
    params_image_t image;   /* image.side > 0: p* is this image (overrides density) */
    /* [annotator] */
    int annotator;
    double rationality;    /* s */
    double annotator_beta; /* beta_a of the dpo annotator */
    double flip;           /* epsilon of the noisy annotator */
    long pairs;            /* training pairs (model, active: at most this many) */
    long pairs_start;      /* model, active: pairs drawn before training (from pi_ref) */
    long pairs_add;        /* model, active: pairs added every pairs_every steps */
    long pairs_every;
    char pairs_file[PARAMS_PATH_MAX]; /* "" or a CSV of training pairs (pbde sample's format) */
    double heldout;        /* held-out pairs as a fraction of pairs */
    long seed;
    /* [objective] */
    int objective;
    double beta, alpha, tau, delta, lambda;
    long components;       /* K of the mixture objective */
    double smoothing;      /* eps: label smoothing of cdpo, robust and exo */
    double desirable_weight, undesirable_weight; /* KTO's lambda_D, lambda_U */
    /* [training] */
    long width, depth;
    double lr;
    long batch;
    long steps;
    int schedule;          /* SCHEDULE_* */
    long threads;
    long answer_steps;     /* be the annotator: training steps each answer buys */
    double answer_prior;   /* be the annotator: weight of the pull to pi_ref (trainer_set_prior) */
    /* [view]: how the explorers and renders start */
    int colormap;      /* PARAMS_COLORMAP_* order: viridis magma cividis grey */
    int panel;         /* third panel: theory log-ratio proposal slice */
    long log_scale;    /* 1: density panels in log scale */
    long overlay;      /* 1: pair overlay on */
    double speed;      /* training speed cap in steps per second, 0: unlimited */
    double pace;       /* seconds the run's steps take on screen, 0: the speed cap alone */
} params_t;

/* The lecture pace, in seconds for a run's steps: tours use it unless a
   speed or pace is given, and the pace key switches to it. */
#define PARAMS_LECTURE_PACE 20.0

/* The explorers' cap in training steps per second: steps / pace when a
   pace is set, else the speed cap (0: as fast as possible). */
double params_step_rate(const params_t *p);

enum {
    PROPOSAL_REFERENCE = 0, /* both items from pi_ref */
    PROPOSAL_UNIFORM,       /* both items uniform on the box */
    PROPOSAL_MODEL,         /* both items from the current pi_theta (on-policy); grows */
    PROPOSAL_ACTIVE,        /* of M candidate pairs from pi_ref, the one the model is least sure about; grows */
    PROPOSAL_LOCAL,         /* a from pi_ref, b = a + N(0, r^2 I) truncated to the box */
    PROPOSAL_COUNT
};
enum { SCHEDULE_COSINE = 0, SCHEDULE_CONSTANT, SCHEDULE_COUNT };

/* PARAM_INT values are long, PARAM_REAL double, PARAM_CHOICE int,
   PARAM_STRING char[PARAMS_PATH_MAX] ("" when unset). */
typedef enum { PARAM_INT, PARAM_REAL, PARAM_CHOICE, PARAM_STRING } param_type;

/* How the explorers' keys step a parameter. */
typedef enum {
    PARAM_STEP_NONE = 0, /* not stepped by a key (the :set prompt sets it) */
    PARAM_STEP_DOUBLE,   /* x2 up, /2 down */
    PARAM_STEP_ADD       /* +step_size up, -step_size down, within the range */
} param_step;

/* What a change to a parameter invalidates (bit flags). */
enum {
    PARAM_AFFECTS_WORLD = 1, /* densities, grid, theory */
    PARAM_AFFECTS_DATA = 2,  /* the preference data set */
    PARAM_AFFECTS_MODEL = 4, /* the network and optimiser */
    PARAM_AFFECTS_TRAIN = 8, /* only the remaining training run */
    PARAM_AFFECTS_VIEW = 16  /* only how things are drawn: nothing restarts */
};

typedef struct {
    const char *name;    /* registry name, as on the command line */
    const char *section; /* scenario-file section: world annotator objective training */
    param_type type;
    size_t offset;       /* of the value inside params_t */
    double def;          /* default (choice: index) */
    double min, max;     /* allowed range (ints and reals) */
    int min_open;        /* 1 when min itself is not allowed */
    int (*count)(void);  /* choice: number of values */
    const char *(*label)(int); /* choice: name of value i */
    unsigned affects;    /* PARAM_AFFECTS_* */
    const char *help;    /* one line */
    const char *symbol;  /* its symbol in labels (UTF-8, "\xCE\xB2" for beta), NULL: the name */
    const char *ascii;   /* the symbol in ASCII ("beta"), NULL: the name */
    param_step step;     /* how the explorers' keys step it */
    double step_size;    /* PARAM_STEP_ADD: the increment */
    double step_floor;   /* PARAM_STEP_DOUBLE: the smallest value a step goes down to
                            (halving never reaches the registry's minimum) */
} param_def_t;

/* The registry, in display order; *n receives its length. */
const param_def_t *params_table(size_t *n);

/* The definition of a name, or NULL. */
const param_def_t *params_find(const char *name);

/* The message for a name params_find does not know: "unknown parameter
   'bta' (did you mean 'beta'?)". */
void params_unknown(const char *name, char *err, size_t errlen);

/* The symbol of the named parameter for labels: the row's symbol (its
   ascii one when ascii is 1), or the name itself when it has none or is
   unknown. */
const char *params_symbol(const char *name, int ascii);

/* Fills *p with every default. */
void params_defaults(params_t *p);

/* Parses value for the named parameter into *p. `density` also takes
   image:FILE (a .pgm or .png, read now, relative to the working folder),
   which sets p->image; a catalogue name clears it. Returns 0, or -1 with a
   message in err and *p unchanged: "unknown parameter 'X'", or
   "'V' is not allowed: expected WHAT" (the caller names the parameter). */
int params_set(params_t *p, const char *name, const char *value, char *err, size_t errlen);

/* Writes the value of def in *p as text (a choice by name; the density
   of an image as image:SRC, or image:painted when it has no file). */
void params_format(const params_t *p, const param_def_t *def, char *buf, size_t n);

/* Describes what def allows, e.g. "a number > 0 and <= 1000" or
   "one of: reward dpo ...". */
void params_allowed(const param_def_t *def, char *buf, size_t n);

/* Checks combinations that single values cannot (e.g. the mixture annotator
   on a one-component density). Returns 0, or -1 with a message in err. */
int params_check(const params_t *p, char *err, size_t errlen);

/* Names of the choice values of proposal, schedule, colormap and panel,
   and their counts. */
int params_colormap_count(void);
const char *params_colormap_name(int i);
int params_panel_count(void);
const char *params_panel_name(int i);
int params_proposal_count(void);
const char *params_proposal_name(int i);
int params_schedule_count(void);
const char *params_schedule_name(int i);

/* 1 when the proposal's fixed part is pi_ref (reference, model, active,
   local), 0 for uniform: what the theory panel, held-out pairs and the
   first items of local pairs are drawn from. */
int params_proposal_base_is_ref(int proposal);

/* 1 when the proposal draws pairs from the model as it trains (model,
   active): the data set grows from pairs_start to pairs. */
int params_proposal_grows(int proposal);

/* ---- image densities (implemented in src/core/image.c) ---- */

/* Loads FILE (.pgm P2/P5 or .png, grey or RGB -> luma; any size, area-
   averaged to PARAMS_IMAGE_SIDE^2) into p->image, src = path. Returns 0,
   or -1 with a message in err and *p unchanged (missing file, bad format,
   all black). */
int params_image_load(params_t *p, const char *path, char *err, size_t errlen);

/* Fills p->image (side PARAMS_IMAGE_SIDE, src "") from the current p* on
   the box, scaled so its maximum is 255: a brush starts from what is on
   screen. Returns 0, or -1 with a message. */
int params_image_capture(params_t *p, char *err, size_t errlen);

/* One pass of a small blur (3x3 binomial) over p->image. */
void params_image_smooth(params_t *p);

/* Writes p->image as a binary PGM (P5) at path through a temporary file
   and a rename. Returns 0, or -1 (errno set) when there is no image or
   the write fails. */
int params_image_save_pgm(const params_t *p, const char *path);

#endif
