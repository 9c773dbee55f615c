/* The Borda count on the grid: what Bradley-Terry learning ranks the
   alternatives by when the annotators' context is hidden (several
   annotators, or one whose choices the model cannot express)
   (Siththaranjan, Laidlaw, Hadfield-Menell 2023, arXiv 2312.08358):

       BC(x) = E_{x' ~ mu} P(x > x'),

   mu the proposal the pairs are drawn from, P the pooled annotators'
   choice (annotator_prob: for the mixture annotator the weights times
   each annotator's own choice) or the model's, sigma(r(x) - r(x')) with r
   its implicit reward (objective_implicit_reward).

   The expectation is a Monte Carlo mean over one fixed set of
   BORDA_SAMPLES draws x' from mu (stream RNG_STREAM_BORDA of the seed),
   each taken at the centre of its grid cell: the count is then that of
   the grid world every panel shows, the annotators' and the model's
   counts compare the same items, and the draws collapse to the distinct
   cells they fall in, with their share of the draws as weights.

   Pure functions over the grid's cells (n = G*G, row-major as grid.h),
   no printing, no exit. */
#ifndef PBDE_BORDA_H
#define PBDE_BORDA_H

#include <stddef.h>
#include <stdint.h>

#include "pbde/annotator.h"
#include "pbde/world.h"

/* Draws of mu per count. The Monte Carlo standard error of one cell's
   count is sqrt(BC (1 - BC) / M) <= 0.5 / sqrt(M) = 0.011 for M = 2048:
   about one hundredth of the panel's 0-1 scale. Every cell is counted
   against the same draws, so the error is shared by neighbouring cells
   and their order (what the rank correlation reads) is far more precise
   than that. The cost is n x (distinct cells drawn) choices per world for
   the annotators; the model's count costs O(M) per knot (see
   borda_reward). */
#define BORDA_SAMPLES 2048

/* The model's count is a function of r(x) alone, f(t) = sum_j h_j
   sigma(t - r_j): it is evaluated at this many evenly spaced knots over
   r's range and interpolated linearly, with an error below
   (range / knots)^2 / 8 * max |sigma''| < 0.012 (range / knots)^2
   (2e-5 for a range of 40 nats); the knots cost knots x m choices. */
#define BORDA_KNOTS 1024

/* The fixed draws of mu, collapsed to the cells they fall in. */
typedef struct {
    size_t n;       /* grid cells */
    size_t m;       /* distinct cells drawn */
    size_t M;       /* draws */
    size_t *cell;   /* (m) the cells, ascending */
    double *weight; /* (m) their share of the draws (sums to 1) */
} borda_samples_t;

/* Draws M points from w's proposal mu (world_sample_proposal) on stream
   RNG_STREAM_BORDA of seed and collapses them to w's grid cells. Returns
   0, or -1 on allocation failure (*bs then needs no free). */
int borda_samples_init(borda_samples_t *bs, const world_t *w, uint64_t seed, size_t M);
void borda_samples_free(borda_samples_t *bs);

/* The annotator's count at every cell into out(n): sum_j h_j P(x_i > x_j)
   with pts(n) the cells' annotator inputs. */
void borda_annotator(double *out, const borda_samples_t *bs, const annotator_t *a,
                     const annotator_point_t *pts);

/* The count of the choice sigma(r(x) - r(x')) for a reward r(n) at every
   cell into out(n) (see BORDA_KNOTS). Returns 0, or -1 on allocation
   failure (out unchanged). */
int borda_reward(double *out, const borda_samples_t *bs, const double *r);

/* Spearman's rank correlation of a(n) and b(n) with cell weights w(n)
   (NULL: equal): the weighted Pearson correlation of the weighted
   mid-ranks (a value's rank is the weight below it plus half the weight
   of its ties). Returns it, or NaN when either has no spread or memory
   runs out. */
double borda_spearman(const double *a, const double *b, const double *w, size_t n);

/* What the panel and pbde train report about one model. The rank
   correlations weight each cell by its share of the draws, an unbiased
   estimate of mu's mass: a cell counts as often as the pairs visit it,
   so where no pair falls the model's reward, which no data constrained,
   does not move the figure; and the annotators' count is needed only at
   the m cells drawn (m^2 choices instead of n m). */
typedef struct {
    double rank_corr;   /* Spearman(r_theta, BC of the annotators) */
    double model_mean;  /* the model's count averaged over the draws: 1/2 up to
                           the knots' interpolation (a check) */
    int n_comp;         /* annotators of a pooled annotator, else 0 */
    double comp_corr[DENSITY_MAX_COMPONENTS]; /* Spearman(r_theta, log p_k) */
} borda_score_t;

/* The annotators' side of a world, fixed per world. */
typedef struct {
    borda_samples_t s;
    size_t n;
    int full;        /* 1: annot holds every cell; 0: only the cells drawn */
    double *annot;   /* (n) BC under the annotators (NaN off the draws unless full) */
    double *weight;  /* (n) each cell's share of the draws: the correlations' weights */
    double ms;       /* what building it cost, in milliseconds */
} borda_world_t;

/* Builds the draws (seed w->p.seed) and the annotators' count of world w,
   on every cell when full (the panel), else on the cells drawn only (the
   rank correlations need no more). Returns 0, or -1 on allocation failure
   (*b then needs no free). */
int borda_world_init(borda_world_t *b, const world_t *w, int full);
void borda_world_free(borda_world_t *b);

/* The model of log-density log_model(n) on w (the world b was built for):
   its implicit reward's count into bc_model(n) (may be NULL) and the rank
   correlations into *sc. Returns 0, or -1 on allocation failure. */
int borda_score(const borda_world_t *b, const world_t *w, const double *log_model,
                double *bc_model, borda_score_t *sc);

#endif
