/* Annotator models of design §2. */
#include "pbde/annotator.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    const char *describe;
} CATALOGUE[ANNOTATOR_COUNT] = {
    { "luce", "Luce / Bradley-Terry: P = sigma(s * (log p*(a) - log p*(b)))" },
    { "dpo", "DPO's generative process: P = sigma(beta_a * difference of log(p*/pi_ref))" },
    { "thurstone", "Thurstone (probit): P = Phi(sqrt(pi/8) * s * Delta*), same slope as luce at 0" },
    { "noisy", "Luce with labels flipped with probability flip" },
    { "hardmax", "always picks the more likely item (s -> infinity)" },
    { "mixture", "pooled annotators, one per density component, identity hidden" },
};

int annotator_count(void) { return ANNOTATOR_COUNT; }

const char *annotator_name(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? CATALOGUE[kind].name : NULL;
}

const char *annotator_describe(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? CATALOGUE[kind].describe : NULL;
}

int annotator_find(const char *name)
{
    for (int i = 0; i < ANNOTATOR_COUNT; i++)
        if (strcmp(CATALOGUE[i].name, name) == 0) return i;
    return -1;
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
    if (kind == ANNOTATOR_MIXTURE && d->n_comp < 2) return -1;
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
    double delta = pa->lp - pb->lp;
    switch (a->kind) {
    case ANNOTATOR_LUCE:
        return annotator_sigmoid(a->s * delta);
    case ANNOTATOR_DPO:
        return annotator_sigmoid(a->beta * ((pa->lp - pa->lr) - (pb->lp - pb->lr)));
    case ANNOTATOR_THURSTONE:
        return annotator_normal_cdf(sqrt(M_PI / 8.0) * a->s * delta);
    case ANNOTATOR_NOISY:
        return (1.0 - a->eps) * annotator_sigmoid(a->s * delta) +
               a->eps * annotator_sigmoid(-a->s * delta);
    case ANNOTATOR_HARDMAX:
        return delta > 0 ? 1.0 : delta < 0 ? 0.0 : 0.5;
    case ANNOTATOR_MIXTURE: {
        double p = 0;
        for (int k = 0; k < a->n_comp; k++)
            p += a->w[k] * annotator_sigmoid(a->s * (pa->lk[k] - pb->lk[k]));
        return p;
    }
    default:
        return 0.5;
    }
}

int annotator_label(const annotator_t *a, const annotator_point_t *pa,
                    const annotator_point_t *pb, rng_t *rng, int *who)
{
    double u_who = rng_uniform(rng), u_label = rng_uniform(rng);
    if (a->kind != ANNOTATOR_MIXTURE) {
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
