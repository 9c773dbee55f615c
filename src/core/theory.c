/* Closed-form optima (design §2, "Closed-form optima"). */
#include "pbde/theory.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    if ((a->kind == ANNOTATOR_LUCE || a->kind == ANNOTATOR_DPO) && n > 0 && m > 0) {
        /* P(x > x') = sigma(F(x) - F(x')): scores once per item, then one
           logistic per pair instead of a call of annotator_prob */
        double *fx = malloc(n * sizeof *fx), *fp = malloc(m * sizeof *fp);
        if (fx && fp && theory_annotator_score(a, x, n, fx) == 0 &&
            theory_annotator_score(a, xp, m, fp) == 0) {
            for (size_t i = 0; i < n; i++) {
                double s = 0;
                for (size_t j = 0; j < m; j++) s += mu[j] * annotator_sigmoid(fx[i] - fp[j]);
                w[i] = s;
            }
            free(fx);
            free(fp);
            return;
        }
        free(fx);
        free(fp);
    }
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

int theory_needs_win_rate(const objective_t *o)
{
    return o->kind == OBJECTIVE_IPO || o->kind == OBJECTIVE_SFT ||
           (o->kind == OBJECTIVE_NCA && o->beta == 1.0);
}

/* 1 when log_mu - log pi_ref is constant over the items: the proposal is
   the reference */
static int proposal_is_ref(const annotator_point_t *pts, const double *log_mu, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (fabs((log_mu[i] - pts[i].lr) - (log_mu[0] - pts[0].lr)) > 1e-9) return 0;
    return 1;
}

int theory_closed_form(const annotator_t *a, const objective_t *o, const annotator_point_t *pts,
                       const double *win_rate, size_t n, double *out, char *name, size_t namelen)
{
    return theory_closed_form_mu(a, o, pts, NULL, win_rate, n, out, name, namelen);
}

int theory_closed_form_mu(const annotator_t *a, const objective_t *o, const annotator_point_t *pts,
                          const double *log_mu, const double *win_rate, size_t n, double *out,
                          char *name, size_t namelen)
{
    if (o->kind == OBJECTIVE_SFT ||
        (o->kind == OBJECTIVE_NCA && o->beta == 1.0 && log_mu && proposal_is_ref(pts, log_mu, n))) {
        /* the winner density q_win = 2 mu w: SFT on the preferred items is
           maximum likelihood of it; NCA's per-item optimum pi_ref (2w)^(1/beta)
           is normalised exactly when beta = 1 and mu = pi_ref */
        if (!win_rate || !log_mu) return -1;
        for (size_t i = 0; i < n; i++) out[i] = log_mu[i] + log(win_rate[i]);
        snprintf(name, namelen, "winner density 2 mu(x) w(x), w(x) = P(x > x' ~ mu)");
        return 0;
    }
    if (o->kind == OBJECTIVE_ROBUST && a->kind == ANNOTATOR_NOISY && fabs(a->eps - o->eps) <= 1e-12) {
        /* robust DPO undoes flips of exactly its own rate: the clean DPO
           optimum of the underlying Luce annotator */
        for (size_t i = 0; i < n; i++) out[i] = pts[i].lr + a->s * pts[i].lp / o->beta;
        snprintf(name, namelen, "pi_ref * exp(F_a/beta), F_a = s log p* (flip rate = eps)");
        return 0;
    }
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
