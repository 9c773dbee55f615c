/* Annotator models: the probability P(a > b) that item a is preferred to b,
   computed from each item's log p*, log pi_ref and component log-densities,
   and the labels drawn from it. */
#ifndef PBDE_ANNOTATOR_H
#define PBDE_ANNOTATOR_H

#include <stddef.h>

#include "pbde/density.h"
#include "pbde/rng.h"

typedef enum {
    ANNOTATOR_LUCE = 0,  /* sigma(s Delta*) */
    ANNOTATOR_DPO,       /* sigma(beta_a [(log p* - log pi_ref)(a) - (...)(b)]) */
    ANNOTATOR_THURSTONE, /* Phi(sqrt(pi/8) s Delta*) */
    ANNOTATOR_NOISY,     /* (1-eps) sigma(s Delta*) + eps sigma(-s Delta*) */
    ANNOTATOR_HARDMAX,   /* 1[Delta* > 0], 1/2 on ties */
    ANNOTATOR_MIXTURE,   /* sum_k w_k sigma(s (log p_k(a) - log p_k(b))) */
    ANNOTATOR_COUNT
} annotator_kind;

typedef struct {
    annotator_kind kind;
    double s;      /* rationality */
    double beta;   /* beta_a (dpo) */
    double eps;    /* flip probability (noisy) */
    int n_comp;    /* mixture: number of annotators = density components */
    double w[DENSITY_MAX_COMPONENTS]; /* mixture: their weights */
} annotator_t;

/* What an annotator needs to know about one item. */
typedef struct {
    double lp;                         /* log p*(x) */
    double lr;                         /* log pi_ref(x) */
    double lk[DENSITY_MAX_COMPONENTS]; /* log p_k(x) of each component */
} annotator_point_t;

/* One row per annotator kind: every fact about it, so code asks the row
   instead of switching on the kind. */
typedef struct {
    const char *name;
    const char *describe;       /* one line */
    const char *params[3];      /* the registry parameters its P reads, NULL-terminated;
                                   params[0] is its main parameter (the { } keys) */
    double (*prob)(const annotator_t *a, const annotator_point_t *pa,
                   const annotator_point_t *pb); /* P(a > b) */
    double (*score)(const annotator_t *a, const annotator_point_t *x);
                                /* PBDE score F of its labels before any flips:
                                   logit P(a > b) = F(a) - F(b); NULL: none */
    const char *score_name;     /* F's formula ("s log p*"), NULL without one */
    int flips;                  /* 1: the labels of score are flipped with probability eps */
    int pooled;                 /* 1: each pair is answered by one of several annotators,
                                   one per component of p*, whose identity is hidden
                                   (needs a density with at least 2 components) */
    int certain;                /* 1: P is 0 or 1 for any two distinct items */
} annotator_row_t;

/* The row of kind, or NULL when kind is out of range. */
const annotator_row_t *annotator_row(int kind);

/* Catalogue of annotator names and one-line descriptions. */
int annotator_count(void);
const char *annotator_name(int kind);
const char *annotator_describe(int kind);
int annotator_find(const char *name);

/* The registry name of kind's main parameter, or NULL when it has none. */
const char *annotator_main_param(int kind);

/* 1 when the registry parameter name enters kind's P (a row's params). */
int annotator_reads_param(int kind, const char *name);

/* 1 when some annotator's P reads the registry parameter name. */
int annotator_any_reads_param(const char *name);

/* Fills *a for kind with the given parameters; the mixture takes its
   annotators from d's components. Returns 0, or -1 when the combination is
   impossible (the mixture on a one-component density). */
int annotator_init(annotator_t *a, int kind, double s, double beta, double eps,
                   const density_t *d);

/* Computes the per-item quantities for n points xy(n, 2). */
void annotator_points(const density_t *d, double ref_scale, const float *xy, size_t n,
                      annotator_point_t *out);

/* P(a > b) under the annotator. */
double annotator_prob(const annotator_t *a, const annotator_point_t *pa,
                      const annotator_point_t *pb);

/* Draws a label y in {0, 1} (1: a preferred) from the stream; *who
   receives the annotator that answered (0 unless the mixture). */
int annotator_label(const annotator_t *a, const annotator_point_t *pa,
                    const annotator_point_t *pb, rng_t *rng, int *who);

/* The annotator's PBDE score F_a at n items into out(n) (logit P(a > b) =
   F_a(a) - F_a(b)): s log p* for luce, beta_a (log p* - log pi_ref) for
   dpo. Returns 0, or -1 when its labels have no such score. */
int annotator_pbde_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                         double *out);

/* The rate at which the annotator flips the labels of its score (eps for
   noisy), 0 when it does not. */
double annotator_flip_rate(const annotator_t *a);

/* For a pooled annotator: log sum_k w_k p_k^s / Z_k at n items into
   out(n), with Z_k summed over the items too (a grid-normalised marginal
   when the items are a grid). */
void annotator_pooled_marginal(const annotator_t *a, const annotator_point_t *pts, size_t n,
                               double *out);

/* The logistic function and the standard normal CDF, shared with others. */
double annotator_sigmoid(double x);
double annotator_normal_cdf(double x);

#endif
