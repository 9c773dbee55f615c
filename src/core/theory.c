/* Closed-form optima (design §2, "Closed-form optima"). */
#include "pbde/theory.h"

#include <math.h>
#include <stdio.h>

int theory_annotator_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                           double *out)
{
    if (a->kind == ANNOTATOR_LUCE) {
        for (size_t i = 0; i < n; i++) out[i] = a->s * pts[i].lp;
        return 0;
    }
    if (a->kind == ANNOTATOR_DPO) {
        for (size_t i = 0; i < n; i++) out[i] = a->beta * (pts[i].lp - pts[i].lr);
        return 0;
    }
    return -1;
}

void theory_win_rate(const annotator_t *a, const annotator_point_t *x, size_t n,
                     const annotator_point_t *xp, const double *mu, size_t m, double *w)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < m; j++) s += mu[j] * annotator_prob(a, &x[i], &xp[j]);
        w[i] = s;
    }
}

static double log_add(double x, double y)
{
    double m = fmax(x, y);
    if (m == -HUGE_VAL) return m;
    return m + log(exp(x - m) + exp(y - m));
}

/* log sum_k w_k p_k^s / Z_k over the items, with Z_k summed over them too
   (so the result is a grid-normalised marginal when the items are a grid) */
static void mixture_marginal(const annotator_t *a, const annotator_point_t *pts, size_t n,
                             double *out)
{
    double lz[16];
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

int theory_closed_form(const annotator_t *a, const objective_t *o, const annotator_point_t *pts,
                       const double *win_rate, size_t n, double *out, char *name, size_t namelen)
{
    if (o->kind == OBJECTIVE_IPO) {
        if (!win_rate) return -1;
        for (size_t i = 0; i < n; i++) out[i] = pts[i].lr + win_rate[i] / o->tau;
        snprintf(name, namelen, "pi_ref * exp(w/tau), w(x) = P(x > x' ~ mu)");
        return 0;
    }
    if (o->kind == OBJECTIVE_MIXTURE) {
        if (a->kind != ANNOTATOR_MIXTURE || o->K != a->n_comp) return -1;
        mixture_marginal(a, pts, n, out);
        snprintf(name, namelen, "sum_k w_k p_k^s / Z_k (components p_k^s)");
        return 0;
    }
    if (o->kind != OBJECTIVE_REWARD && o->kind != OBJECTIVE_DPO && o->kind != OBJECTIVE_GEOMETRIC)
        return -1;
    if (theory_annotator_score(a, pts, n, out) != 0) return -1;
    const char *fa = a->kind == ANNOTATOR_LUCE ? "s log p*" : "beta_a log(p*/pi_ref)";
    switch (o->kind) {
    case OBJECTIVE_REWARD:
        snprintf(name, namelen, "exp(F_a), F_a = %s", fa);
        break;
    case OBJECTIVE_DPO:
        for (size_t i = 0; i < n; i++) out[i] = pts[i].lr + out[i] / o->beta;
        snprintf(name, namelen, "pi_ref * exp(F_a/beta), F_a = %s", fa);
        break;
    default: /* geometric */
        for (size_t i = 0; i < n; i++) out[i] = (1.0 - o->alpha) * pts[i].lr + o->alpha * out[i];
        snprintf(name, namelen, "pi_ref^(1-alpha) * exp(alpha F_a), F_a = %s", fa);
        break;
    }
    return 0;
}
