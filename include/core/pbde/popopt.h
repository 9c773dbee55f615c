/* The population optimum: what an objective learns from an annotator with
   infinite data and infinite capacity, for any pairing. It minimises the
   exact expected loss over pairs drawn from the proposal, with labels
   drawn from the annotator, over a tabular log-density on a grid (one free
   value per cell, normalisation built in), by a truncated Newton method.
   The losses come from objective.c (one source of truth), so wherever a
   closed form exists (theory.c) the two agree (to ~1e-14 in KL).

   Caveats, by objective: a hinge's exact optimum is a staircase (log
   pi/pi_ref in whole margins), and what is returned is the optimum of
   the hinge averaged over +-0.45 of half its margin gap, a smoothed
   staircase; KTO's problem is not convex and degenerate (dropped items
   fall without bound), and what is returned is the stationary point a
   continuation in beta reaches; the mixture is not handled. */
#ifndef PBDE_POPOPT_H
#define PBDE_POPOPT_H

#include <stddef.h>

#include "pbde/annotator.h"
#include "pbde/objective.h"
#include "pbde/world.h"

/* The coarse grid the world solves on (cells per side), or the world's
   own grid when that is smaller. */
#define POPOPT_GRID 48

typedef enum {
    POPOPT_OK = 0,
    POPOPT_UNSUPPORTED, /* the mixture objective: its tabular problem is not convex
                           (components can swap and merge), so no optimum is claimed */
    POPOPT_UNBOUNDED,   /* the population loss has no minimum: it decreases without
                           bound (robust DPO on labels cleaner than it assumes) */
    POPOPT_NOMEM
} popopt_status;

/* The problem on n items (grid cells). */
typedef struct {
    size_t n;
    const annotator_point_t *pts; /* (n) what the annotator knows about each item */
    const double *mu;             /* (n) proposal masses, summing to 1 */
    const double *ref;            /* (n) pi_ref masses, summing to 1 */
    const annotator_t *ann;
    const objective_t *obj;
    const double *win;  /* (n) item-wise objectives: the win rates w_i = sum_j mu_j
                           P(i > j) against the proposal, or NULL to sum them over
                           the n items themselves (O(n^2) annotator calls) */
} popopt_problem_t;

/* What a solve cost and reached. */
typedef struct {
    double loss;      /* expected loss per pair at the optimum (SLiC: with its regulariser) */
    double decrement; /* final Newton decrement sqrt(g' M^-1 g): ~sqrt(2 (F - F*)) */
    int newton;       /* Newton iterations, all levels and stages */
    long passes;      /* evaluations of the O(n^2) pair sum (O(n) for item-wise) */
    double z0;        /* kto: its reference point KL(pi || pi_ref) at the optimum */
    double ms;        /* wall time in milliseconds */
    int G;            /* grid solved on (popopt_on_grid) */
} popopt_info_t;

/* 1 when the population optimum of objective kind is computed (every
   single-network objective; not the mixture). */
int popopt_supported(objective_kind kind);

/* Minimises the expected loss of pb over the log cell masses log_pi(n)
   (normalised: sum exp = 1), starting from init(n) (a log-density up to a
   constant; NULL: pi_ref for reference objectives, uniform for reward).
   Returns POPOPT_OK with the optimum in log_pi, or another status with
   log_pi unchanged. info (may be NULL) receives the cost. */
int popopt_solve(const popopt_problem_t *pb, const double *init, double *log_pi,
                 popopt_info_t *info);

/* The population optimum of world w on a G x G grid of its box (solved
   on G/2 first and refined, which saves most of the cost): the normalised
   log-density (sum exp(v) * cell_area = 1) into out(G * G). Returns a
   popopt_status. */
int popopt_on_grid(const world_t *w, int G, double *out, popopt_info_t *info);

/* Carries an optimum solved on a Gc x Gc grid of w's box (coarse(Gc^2),
   normalised) over to w's grid, into out(n) (normalised there). The
   optimum is split into a least-squares fit on the items' own features
   (1, log p*, log pi_ref, and the mixture annotator's log p_k), evaluated
   exactly on the fine grid, plus a residual that is interpolated: where
   p* has edges (checkerboard) the optimum has them in the same places,
   and a plain interpolation would smear them. Returns POPOPT_OK or
   POPOPT_NOMEM. */
int popopt_to_world(const world_t *w, const double *coarse, int Gc, double *out);

/* Resamples a log-density from a Gs x Gs grid to a Gd x Gd grid of the
   same box (bicubic Catmull-Rom in the log, exact on quadratics; where a
   4 x 4 stencil spans a cliff of more than 8 nats, clamped to its range so
   it does not ring; linear extrapolation beyond the outer cell centres)
   and normalises it on the target grid, whose cell area is cell_area. */
void popopt_resample(const double *src, int Gs, double *dst, int Gd, double cell_area);

/* The same interpolation without the normalisation (for any smooth field
   on the grid, e.g. a win rate). */
void popopt_interpolate(const double *src, int Gs, double *dst, int Gd);

#endif
