/* The parameter registry: one table of every user-settable parameter
   (name, type, default, range, help, section, what it invalidates). It
   drives command-line flags, scenario files, the `:set` prompt, the help
   screens and the JSON output, so a parameter is added in one place. */
#ifndef PBDE_PARAMS_H
#define PBDE_PARAMS_H

#include <stddef.h>

/* Every parameter's value. Choice parameters hold an index into their
   catalogue (density_name, annotator_name, ...). */
typedef struct {
    /* [world] */
    int density;
    double box;        /* half-width L of the box [-L, L]^2 */
    long grid;         /* G: evaluation grid is G x G cell centres */
    double ref_scale;  /* s_ref of pi_ref = N(0, s_ref^2 I) on the box */
    int proposal;      /* PROPOSAL_* */
    /* [annotator] */
    int annotator;
    double rationality;    /* s */
    double annotator_beta; /* beta_a of the dpo annotator */
    double flip;           /* epsilon of the noisy annotator */
    long pairs;            /* training pairs */
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
    /* [view]: how the explorers and renders start */
    int colormap;      /* PARAMS_COLORMAP_* order: viridis magma cividis grey */
    int panel;         /* third panel: theory log-ratio proposal slice */
    long log_scale;    /* 1: density panels in log scale */
    long overlay;      /* 1: pair overlay on */
    double speed;      /* training speed cap in steps per second, 0: unlimited */
} params_t;

enum { PROPOSAL_REFERENCE = 0, PROPOSAL_UNIFORM, PROPOSAL_COUNT };
enum { SCHEDULE_COSINE = 0, SCHEDULE_CONSTANT, SCHEDULE_COUNT };

/* PARAM_INT values are long, PARAM_REAL double, PARAM_CHOICE int. */
typedef enum { PARAM_INT, PARAM_REAL, PARAM_CHOICE } param_type;

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
} param_def_t;

/* The registry, in display order; *n receives its length. */
const param_def_t *params_table(size_t *n);

/* The definition of a name, or NULL. */
const param_def_t *params_find(const char *name);

/* Fills *p with every default. */
void params_defaults(params_t *p);

/* Parses value for the named parameter into *p. Returns 0, or -1 with a
   message in err and *p unchanged: "unknown parameter 'X'", or
   "'V' is not allowed: expected WHAT" (the caller names the parameter). */
int params_set(params_t *p, const char *name, const char *value, char *err, size_t errlen);

/* Writes the value of def in *p as text (a choice by name). */
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

#endif
