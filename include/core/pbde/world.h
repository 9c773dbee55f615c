/* The toy world of one parameter set: the density p*, the reference model,
   the proposal, the annotator, the objective, and everything they define on
   the evaluation grid (normalised log-densities and the theory optimum). */
#ifndef PBDE_WORLD_H
#define PBDE_WORLD_H

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/grid.h"
#include "pbde/objective.h"
#include "pbde/params.h"

typedef struct {
    params_t p;
    density_t dens;
    annotator_t ann;
    objective_t obj;
    grid_t grid;
    double cell_area;
    annotator_point_t *pts; /* (n) per-cell annotator inputs */
    double *log_true;       /* (n) p* on the grid, normalised */
    double *log_ref;        /* (n) pi_ref, normalised */
    double *log_prop;       /* (n) the proposal's fixed mu, normalised: pi_ref for
                               reference, model, active and local (the optimum is
                               defined for a fixed mu; model and active start from
                               pi_ref, local's first items come from it), uniform
                               for uniform */
    double *log_theory;     /* (n) the optimum: closed form, else the population
                               optimum (numerical); NULL when neither exists */
    char theory_name[96];   /* the closed form's formula, "numerical optimum", or "" */
    int theory_kind;        /* WORLD_THEORY_* */
    char theory_note[96];   /* why there is no optimum ("" when there is one) */
    double theory_ms;       /* what computing the optimum cost, in milliseconds */
    int theory_grid;        /* cells per side it was computed on (numerical) */
    double kl_true_theory;  /* KL(p* || optimum): the misspecification; NaN without one */
    int n_targets;          /* mixture annotator: its annotators' densities */
    double *log_target[DENSITY_MAX_COMPONENTS]; /* (n) p_k^s normalised */
} world_t;

enum { WORLD_THEORY_NONE = 0, WORLD_THEORY_CLOSED, WORLD_THEORY_NUMERICAL };

/* Builds the world of *p. Returns 0, or -1 with a message in err (bad
   combination or allocation failure); on failure *w needs no destroy. */
int world_create(world_t *w, const params_t *p, char *err, size_t errlen);

/* world_create that takes the optimum from prev (may be NULL) instead of
   computing it again when the parameters that define it (world, grid,
   annotator, objective) are the same: the cache that keeps rebuilds for
   data, seed or training knobs instant. */
int world_create_from(world_t *w, const params_t *p, const world_t *prev, char *err, size_t errlen);
void world_destroy(world_t *w);

/* 1 when two parameter sets define the same optimum on the same grid.
   Derived from the rows: every parameter that invalidates the world
   (PARAM_AFFECTS_WORLD) counts, except those that belong to another
   objective's or annotator's row than a's (beta does not move IPO's
   optimum). Data, seed, training and view parameters never count. */
int world_same_theory(const params_t *a, const params_t *b);

/* Samples n points from the proposal's fixed mu (pi_ref or uniform; see
   log_prop) into xy(n, 2). */
void world_sample_proposal(const world_t *w, rng_t *rng, float *xy, size_t n);

#endif
