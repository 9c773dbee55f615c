/* Annotator models of design §2. */
#include "pbde/annotator.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Each annotator's P(a > b) and score                                      */

static double luce_score(const annotator_t *a, const annotator_point_t *x)
{
    return a->s * x->lp;
}

static double dpo_score(const annotator_t *a, const annotator_point_t *x)
{
    return a->beta * (x->lp - x->lr);
}

static double luce_prob(const annotator_t *a, const annotator_point_t *pa,
                        const annotator_point_t *pb)
{
    return annotator_sigmoid(a->s * (pa->lp - pb->lp));
}

static double dpo_prob(const annotator_t *a, const annotator_point_t *pa,
                       const annotator_point_t *pb)
{
    return annotator_sigmoid(a->beta * ((pa->lp - pa->lr) - (pb->lp - pb->lr)));
}

static double thurstone_prob(const annotator_t *a, const annotator_point_t *pa,
                             const annotator_point_t *pb)
{
    return annotator_normal_cdf(sqrt(M_PI / 8.0) * a->s * (pa->lp - pb->lp));
}

static double noisy_prob(const annotator_t *a, const annotator_point_t *pa,
                         const annotator_point_t *pb)
{
    double delta = pa->lp - pb->lp;
    return (1.0 - a->eps) * annotator_sigmoid(a->s * delta) +
           a->eps * annotator_sigmoid(-a->s * delta);
}

static double hardmax_prob(const annotator_t *a, const annotator_point_t *pa,
                           const annotator_point_t *pb)
{
    (void)a;
    double delta = pa->lp - pb->lp;
    return delta > 0 ? 1.0 : delta < 0 ? 0.0 : 0.5;
}

static double mixture_prob(const annotator_t *a, const annotator_point_t *pa,
                           const annotator_point_t *pb)
{
    double p = 0;
    for (int k = 0; k < a->n_comp; k++)
        p += a->w[k] * annotator_sigmoid(a->s * (pa->lk[k] - pb->lk[k]));
    return p;
}

/* ---------------------------------------------------------------------- */
/* The table                                                                */

static const annotator_row_t ROWS[ANNOTATOR_COUNT] = {
    [ANNOTATOR_LUCE] = { "luce", "Luce / Bradley-Terry: P = sigma(s * (log p*(a) - log p*(b)))",
                         { "rationality" }, luce_prob, luce_score, "s log p*", 0, 0, 0 },
    [ANNOTATOR_DPO] = { "dpo", "DPO's generative process: P = sigma(beta_a * difference of log(p*/pi_ref))",
                        { "annotator-beta" }, dpo_prob, dpo_score, "beta_a log(p*/pi_ref)", 0, 0, 0 },
    [ANNOTATOR_THURSTONE] = { "thurstone", "Thurstone (probit): P = Phi(sqrt(pi/8) * s * Delta*), same slope as luce at 0",
                              { "rationality" }, thurstone_prob, NULL, NULL, 0, 0, 0 },
    [ANNOTATOR_NOISY] = { "noisy", "Luce with labels flipped with probability flip",
                          { "flip", "rationality" }, noisy_prob, luce_score, "s log p*", 1, 0, 0 },
    [ANNOTATOR_HARDMAX] = { "hardmax", "always picks the more likely item (s -> infinity)",
                            { NULL }, hardmax_prob, NULL, NULL, 0, 0, 1 },
    [ANNOTATOR_MIXTURE] = { "mixture", "pooled annotators, one per density component, identity hidden",
                            { "rationality" }, mixture_prob, NULL, NULL, 0, 1, 0 },
};

const annotator_row_t *annotator_row(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? &ROWS[kind] : NULL;
}

int annotator_count(void) { return ANNOTATOR_COUNT; }

const char *annotator_name(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? ROWS[kind].name : NULL;
}

const char *annotator_describe(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? ROWS[kind].describe : NULL;
}

int annotator_find(const char *name)
{
    for (int i = 0; i < ANNOTATOR_COUNT; i++)
        if (strcmp(ROWS[i].name, name) == 0) return i;
    return -1;
}

const char *annotator_main_param(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? ROWS[kind].params[0] : NULL;
}

int annotator_reads_param(int kind, const char *name)
{
    if (kind < 0 || kind >= ANNOTATOR_COUNT) return 0;
    for (int i = 0; i < 3 && ROWS[kind].params[i]; i++)
        if (strcmp(ROWS[kind].params[i], name) == 0) return 1;
    return 0;
}

int annotator_any_reads_param(const char *name)
{
    for (int k = 0; k < ANNOTATOR_COUNT; k++)
        if (annotator_reads_param(k, name)) return 1;
    return 0;
}

int annotator_pbde_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                         double *out)
{
    const annotator_row_t *row = annotator_row(a->kind);
    if (!row || !row->score || row->flips) return -1;
    for (size_t i = 0; i < n; i++) out[i] = row->score(a, &pts[i]);
    return 0;
}

double annotator_flip_rate(const annotator_t *a)
{
    const annotator_row_t *row = annotator_row(a->kind);
    return row && row->flips ? a->eps : 0.0;
}

static double log_add(double x, double y)
{
    double m = fmax(x, y);
    if (m == -HUGE_VAL) return m;
    return m + log(exp(x - m) + exp(y - m));
}

void annotator_pooled_marginal(const annotator_t *a, const annotator_point_t *pts, size_t n,
                               double *out)
{
    double lz[DENSITY_MAX_COMPONENTS];
    for (int k = 0; k < a->n_comp; k++) {
        double m = -HUGE_VAL;
        for (size_t i = 0; i < n; i++) m = log_add(m, a->s * pts[i].lk[k]);
        lz[k] = m;
    }
    for (size_t i = 0; i < n; i++) {
        double v = -HUGE_VAL;
        for (int k = 0; k < a->n_comp; k++)
            v = log_add(v, log(a->w[k]) + a->s * pts[i].lk[k] - lz[k]);
        out[i] = v;
    }
}

double annotator_sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

double annotator_normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

int annotator_init(annotator_t *a, int kind, double s, double beta, double eps,
                   const density_t *d)
{
    if (kind < 0 || kind >= ANNOTATOR_COUNT) return -1;
    if (ROWS[kind].pooled && d->n_comp < 2) return -1;
    annotator_t t;
    memset(&t, 0, sizeof t);
    t.kind = (annotator_kind)kind;
    t.s = s;
    t.beta = beta;
    t.eps = eps;
    t.n_comp = d->n_comp;
    for (int k = 0; k < d->n_comp; k++) t.w[k] = d->comp[k].weight;
    *a = t;
    return 0;
}

void annotator_points(const density_t *d, double ref_scale, const float *xy, size_t n,
                      annotator_point_t *out)
{
    double buf[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        size_t m = n - i0 < 256 ? n - i0 : 256;
        density_log_prob(d, xy + 2 * i0, m, buf);
        for (size_t i = 0; i < m; i++) out[i0 + i].lp = buf[i];
        density_ref_log_prob(ref_scale, xy + 2 * i0, m, buf);
        for (size_t i = 0; i < m; i++) out[i0 + i].lr = buf[i];
        for (int k = 0; k < d->n_comp; k++) {
            density_component_log_prob(d, k, xy + 2 * i0, m, buf);
            for (size_t i = 0; i < m; i++) out[i0 + i].lk[k] = buf[i];
        }
    }
}

double annotator_prob(const annotator_t *a, const annotator_point_t *pa,
                      const annotator_point_t *pb)
{
    const annotator_row_t *row = annotator_row(a->kind);
    return row ? row->prob(a, pa, pb) : 0.5;
}

int annotator_label(const annotator_t *a, const annotator_point_t *pa,
                    const annotator_point_t *pb, rng_t *rng, int *who)
{
    double u_who = rng_uniform(rng), u_label = rng_uniform(rng);
    if (!ROWS[a->kind].pooled) {
        *who = 0;
        return u_label < annotator_prob(a, pa, pb);
    }
    /* pick the annotator by weight, then let it answer: the marginal is
       exactly annotator_prob */
    int k = 0;
    double acc = a->w[0];
    while (k + 1 < a->n_comp && u_who >= acc) acc += a->w[++k];
    *who = k;
    return u_label < annotator_sigmoid(a->s * (pa->lk[k] - pb->lk[k]));
}
