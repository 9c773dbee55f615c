/* Closed-form optima (design §2, "Closed-form optima"). */
#include "pbde/theory.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int theory_annotator_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                           double *out)
{
    return annotator_pbde_score(a, pts, n, out);
}

void theory_win_rate(const annotator_t *a, const annotator_point_t *x, size_t n,
                     const annotator_point_t *xp, const double *mu, size_t m, double *w)
{
    /* (a call on no items tells whether the annotator has a score) */
    if (annotator_pbde_score(a, x, 0, NULL) == 0 && n > 0 && m > 0) {
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

int theory_needs_win_rate(const objective_t *o)
{
    return objective_has(o->kind, OBJECTIVE_WIN_RATE);
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
    const objective_row_t *row = objective_row(o->kind);
    if (!row || !row->optimum) return -1;
    objective_theory_t in = { a, pts, n, log_mu, win_rate,
                              log_mu ? proposal_is_ref(pts, log_mu, n) : 0 };
    return row->optimum(o, &in, out, name, namelen);
}
