/* Closed-form optima of design §2: what each objective learns from each
   annotator with infinite data and capacity, on the proposal's support. */
#ifndef PBDE_THEORY_H
#define PBDE_THEORY_H

#include <stddef.h>

#include "pbde/annotator.h"
#include "pbde/objective.h"

/* The annotator's PBDE score F_a at n items (logit P(a > b) =
   F_a(a) - F_a(b)): s log p* for luce, beta_a (log p* - log pi_ref) for
   dpo. Returns 0, or -1 when the annotator has no such score. */
int theory_annotator_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                           double *out);

/* IPO's win rate w(x_i) = sum_j mu_j P(x_i > x'_j) for n items against m
   proposal atoms x'_j with masses mu(m) summing to 1. */
void theory_win_rate(const annotator_t *a, const annotator_point_t *x, size_t n,
                     const annotator_point_t *xp, const double *mu, size_t m, double *w);

/* 1 when the closed form of o needs the win rate w (ipo, sft, nca at
   beta = 1). */
int theory_needs_win_rate(const objective_t *o);

/* Unnormalised log of the closed-form optimum at n items into out(n), and
   its formula into name. win_rate(n) is needed only when
   theory_needs_win_rate (may be NULL otherwise); log_mu(n), the
   proposal's log-density at the items (unnormalised), only for sft and
   nca (NULL: unknown proposal, so no closed form for them). Returns 0, or
   -1 when no closed form exists. */
int theory_closed_form_mu(const annotator_t *a, const objective_t *o, const annotator_point_t *pts,
                          const double *log_mu, const double *win_rate, size_t n, double *out,
                          char *name, size_t namelen);

/* theory_closed_form_mu with an unknown proposal (log_mu = NULL). */
int theory_closed_form(const annotator_t *a, const objective_t *o, const annotator_point_t *pts,
                       const double *win_rate, size_t n, double *out, char *name, size_t namelen);

#endif
