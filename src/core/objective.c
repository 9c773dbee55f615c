/* Per-pair losses of the preference objectives (design §2 and the zoo of
   reference/objectives.md) and their derivatives with respect to the
   network outputs. Every pairwise loss is written once, for a label
   probability P: the trainer calls it with P = y, the population optimum
   with the annotator's P(a > b). */
#include "pbde/objective.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double objective_log_sigmoid(double x)
{
    return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x));
}

static double sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* ---------------------------------------------------------------------- */
/* Pairwise objectives                                                      */

/* The logistic loss with a soft label Q: Q (-log sigma(z)) + (1-Q)
   (-log sigma(-z)), its derivative sigma(z) - Q and curvature
   sigma(z) sigma(-z). One exp and one log1p for both labels. */
static double logistic(double z, double Q, double *dz, double *hz)
{
    double e = exp(-fabs(z)), l = e < 1e-16 ? e : log1p(e); /* log1p(e) = e to rounding */
    double sp = 1.0 / (1.0 + e), sm = e / (1.0 + e); /* sigma(|z|), sigma(-|z|) */
    double s_pos = z >= 0 ? sp : sm, s_neg = z >= 0 ? sm : sp;
    *dz = (1.0 - Q) * s_pos - Q * s_neg;
    *hz = s_pos * s_neg;
    return l + Q * fmax(-z, 0.0) + (1.0 - Q) * fmax(z, 0.0);
}

/* P max(0, m - z) + (1-P) max(0, m + z): the hinge on both labels. */
static double hinge(double z, double m, double P, double *dz)
{
    double up = m - z, dn = m + z;
    *dz = (up > 0 ? -P : 0.0) + (dn > 0 ? 1.0 - P : 0.0);
    return P * (up > 0 ? up : 0.0) + (1.0 - P) * (dn > 0 ? dn : 0.0);
}

/* EXO with label probability P: P f(z) + (1-P) f(-z), f(h) = KL of
   (sigma(h), sigma(-h)) from (1-eps, eps). Derivative sigma'(z) (z - (2P-1) K),
   K = log((1-eps)/eps). */
static double exo(double z, double eps, double P, double *dz, double *hz)
{
    double s = sigmoid(z), ls = objective_log_sigmoid(z), lm = objective_log_sigmoid(-z);
    double c1 = log1p(-eps), c2 = log(eps), K = c1 - c2;
    double sd = s * (1.0 - s), t = z - (2.0 * P - 1.0) * K;
    *dz = sd * t;
    *hz = sd * (1.0 - 2.0 * s) * t + sd;
    return s * ls + (1.0 - s) * lm - c1 * (P * s + (1.0 - P) * (1.0 - s)) -
           c2 * (P * (1.0 - s) + (1.0 - P) * s);
}

/* Writes dz * scale to *g and hz * scale^2 to *h (h may be NULL): the
   derivatives of a loss of z = scale * d in d. */
static double in_d(double loss, double dz, double hz, double scale, double *g, double *h)
{
    *g = dz * scale;
    if (h) *h = hz * scale * scale;
    return loss;
}

static double reward_pair(const objective_t *o, double d, double dref, double P, double *g,
                          double *h)
{
    (void)o, (void)dref;
    double dz, hz, loss = logistic(d, P, &dz, &hz);
    return in_d(loss, dz, hz, 1.0, g, h);
}

static double dpo_pair(const objective_t *o, double d, double dref, double P, double *g,
                       double *h)
{
    (void)dref;
    double dz, hz, scale = o->beta, loss = logistic(o->beta * d, P, &dz, &hz);
    return in_d(loss, dz, hz, scale, g, h);
}

static double geometric_pair(const objective_t *o, double d, double dref, double P, double *g,
                             double *h)
{
    double dz, hz, scale = 1.0 / o->alpha, loss = logistic(d / o->alpha + dref, P, &dz, &hz);
    return in_d(loss, dz, hz, scale, g, h);
}

static double ipo_pair(const objective_t *o, double d, double dref, double P, double *g,
                       double *h)
{
    (void)dref;
    /* P (d - c)^2 + (1-P) (-d - c)^2, c = 1/(2 tau) */
    double c = 1.0 / (2.0 * o->tau), e1 = d - c, e0 = -d - c;
    double dz = 2.0 * P * e1 - 2.0 * (1.0 - P) * e0;
    double loss = P * e1 * e1 + (1.0 - P) * e0 * e0;
    return in_d(loss, dz, 2.0, 1.0, g, h);
}

static double slic_pair(const objective_t *o, double d, double dref, double P, double *g,
                        double *h)
{
    double dz, loss = hinge(d + dref, o->delta, P, &dz);
    return in_d(loss, dz, 0.0, 1.0, g, h);
}

static double hinge_pair(const objective_t *o, double d, double dref, double P, double *g,
                         double *h)
{
    (void)dref;
    double dz, scale = o->beta, loss = hinge(o->beta * d, 1.0, P, &dz);
    return in_d(loss, dz, 0.0, scale, g, h);
}

static double cdpo_pair(const objective_t *o, double d, double dref, double P, double *g,
                        double *h)
{
    (void)dref;
    /* labels smoothed: the logistic loss with Q = eps + (1 - 2 eps) P */
    double dz, hz, scale = o->beta;
    double loss = logistic(o->beta * d, o->eps + (1.0 - 2.0 * o->eps) * P, &dz, &hz);
    return in_d(loss, dz, hz, scale, g, h);
}

static double robust_pair(const objective_t *o, double d, double dref, double P, double *g,
                          double *h)
{
    (void)dref;
    /* [(P-eps) (-log sigma(h)) + (1-P-eps) (-log sigma(-h))] / (1 - 2 eps):
       the logistic loss with Q = (P - eps) / (1 - 2 eps), outside [0, 1]
       when P < eps or P > 1 - eps */
    double dz, hz, scale = o->beta;
    double loss = logistic(o->beta * d, (P - o->eps) / (1.0 - 2.0 * o->eps), &dz, &hz);
    return in_d(loss, dz, hz, scale, g, h);
}

static double exo_pair(const objective_t *o, double d, double dref, double P, double *g,
                       double *h)
{
    (void)dref;
    double dz, hz, scale = o->beta, loss = exo(o->beta * d, o->eps, P, &dz, &hz);
    return in_d(loss, dz, hz, scale, g, h);
}

double objective_pair_expected(const objective_t *o, double d, double dref, double P, double *g,
                               double *h)
{
    const objective_row_t *row = objective_row(o->kind);
    if (!row || !row->pair) {
        *g = 0;
        if (h) *h = 0;
        return 0;
    }
    return row->pair(o, d, dref, P, g, h);
}

double objective_pair_loss(const objective_t *o, double d, double dref, int y, double *g)
{
    return objective_pair_expected(o, d, dref, y ? 1.0 : 0.0, g, NULL);
}

/* ---------------------------------------------------------------------- */
/* Item-wise objectives                                                     */

/* -log sigma(k z) with derivative and curvature in z */
static double neg_log_sig(double z, double k, double *g, double *h)
{
    double s = sigmoid(k * z);
    *g = -k * (1.0 - s);
    *h = k * k * s * (1.0 - s);
    return -objective_log_sigmoid(k * z);
}

static double nca_item(const objective_t *o, double u, int winner, double *g, double *h)
{
    /* winner: -log sigma(b u) - log sigma(-b u)/2; loser: -log sigma(-b u)/2 */
    double b = o->beta, g1, h1, g2, h2;
    double loss = 0.5 * neg_log_sig(u, -b, &g1, &h1);
    *g = 0.5 * g1;
    *h = 0.5 * h1;
    if (winner) {
        loss += neg_log_sig(u, b, &g2, &h2);
        *g += g2;
        *h += h2;
    }
    return loss;
}

static double bco_item(const objective_t *o, double u, int winner, double *g, double *h)
{
    return neg_log_sig(u, winner ? o->beta : -o->beta, g, h);
}

static double sppo_item(const objective_t *o, double u, int winner, double *g, double *h)
{
    double b = o->beta, e = winner ? u - 0.5 / b : u + 0.5 / b;
    *g = 2.0 * e;
    *h = 2.0;
    return e * e;
}

static double sft_item(const objective_t *o, double u, int winner, double *g, double *h)
{
    (void)o;
    *g = winner ? -1.0 : 0.0;
    *h = 0;
    return winner ? -u : 0.0;
}

static double kto_item(const objective_t *o, double u, int winner, double *g, double *h)
{
    /* winner: lD (1 - sigma(t)); loser: lU (1 - sigma(-t)) = lU sigma(t);
       t = b (u - z0) */
    double b = o->beta, t = b * (u - o->z0), s = sigmoid(t), sd = s * (1.0 - s);
    double wgt = winner ? -o->kto_desirable : o->kto_undesirable;
    *g = wgt * b * sd;
    *h = wgt * b * b * sd * (1.0 - 2.0 * s);
    return winner ? o->kto_desirable * (1.0 - s) : o->kto_undesirable * s;
}

double objective_item_loss(const objective_t *o, double u, int winner, double *g, double *h)
{
    const objective_row_t *row = objective_row(o->kind);
    double hh = 0, loss = 0;
    *g = 0;
    if (row && row->item) loss = row->item(o, u, winner, g, &hh);
    if (h) *h = hh;
    return loss;
}

double objective_link(const objective_t *o, double u, double *d1, double *d2)
{
    const objective_row_t *row = objective_row(o->kind);
    if (row && row->link) return row->link(u, d1, d2);
    *d1 = 1.0;
    *d2 = 0.0;
    return u;
}

double objective_items_loss(const objective_t *o, double ua, double ub, int y, double *ga,
                            double *gb)
{
    if (objective_form_of(o->kind) == OBJECTIVE_FORM_LINKED) {
        /* the pair loss of the linked scores, chained through the links */
        double pa, pb, h2, g;
        double d = objective_link(o, ua, &pa, &h2) - objective_link(o, ub, &pb, &h2);
        double loss = objective_pair_expected(o, d, 0.0, y ? 1.0 : 0.0, &g, NULL);
        *ga = g * pa;
        *gb = -g * pb;
        return loss;
    }
    double la = objective_item_loss(o, ua, y != 0, ga, NULL);
    double lb = objective_item_loss(o, ub, y == 0, gb, NULL);
    return la + lb;
}

static double logit_d(const objective_t *o, double d, double dref)
{
    (void)o, (void)dref;
    return d; /* the log-likelihood ratio */
}

static double logit_beta_d(const objective_t *o, double d, double dref)
{
    (void)dref;
    return o->beta * d;
}

static double logit_geometric(const objective_t *o, double d, double dref)
{
    return d / o->alpha + dref;
}

static double logit_slic(const objective_t *o, double d, double dref)
{
    (void)o;
    return d + dref;
}

double objective_pair_logit(const objective_t *o, double d, double dref)
{
    const objective_row_t *row = objective_row(o->kind);
    return row && row->logit ? row->logit(o, d, dref) : d;
}

/* ---------------------------------------------------------------------- */
/* The mixture and SLiC's regulariser                                       */

double objective_mixture_loss(const objective_t *o, const double *dk, double dref,
                              const double *logits, int y, double *gd, double *gl,
                              double *p_a)
{
    /* P(a > b) = sum_k omega_k sigma(dk + dref), omega = softmax(logits).
       With sgn: P(y) = sum_k omega_k sigma(sgn (dk + dref)). Work in logs:
       log P(y) = logsumexp_k(log omega_k + log sigma(sgn z_k)). */
    int K = o->K;
    double sgn = y ? 1.0 : -1.0;
    double lmax = logits[0];
    for (int k = 1; k < K; k++) lmax = fmax(lmax, logits[k]);
    double lz = 0;
    for (int k = 0; k < K; k++) lz += exp(logits[k] - lmax);
    lz = lmax + log(lz);

    double t[16], tmax = -HUGE_VAL; /* K <= DENSITY_MAX_COMPONENTS */
    for (int k = 0; k < K; k++) {
        t[k] = logits[k] - lz + objective_log_sigmoid(sgn * (dk[k] + dref));
        tmax = fmax(tmax, t[k]);
    }
    double s = 0;
    for (int k = 0; k < K; k++) s += exp(t[k] - tmax);
    double logp = tmax + log(s);
    if (p_a) *p_a = y ? exp(logp) : 1.0 - exp(logp);
    for (int k = 0; k < K; k++) {
        double resp = exp(t[k] - logp);      /* posterior of component k */
        double omega = exp(logits[k] - lz);
        /* d(-log P)/dz_k = -resp_k * sigma(-sgn z_k) * sgn */
        if (gd) gd[k] = -resp * sigmoid(-sgn * (dk[k] + dref)) * sgn;
        if (gl) gl[k] = omega - resp;
    }
    return -logp;
}

double objective_slic_regulariser(double lambda, const double *ref, const float *r, size_t n,
                                  float *g)
{
    double mx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, log(ref[i]) + (double)r[i]);
    double z = 0;
    for (size_t i = 0; i < n; i++) z += exp(log(ref[i]) + (double)r[i] - mx);
    double lz = mx + log(z), term = 0;
    for (size_t i = 0; i < n; i++) {
        double lpi = log(ref[i]) + (double)r[i] - lz;
        term -= ref[i] * lpi;
        g[i] = (float)(lambda * (exp(lpi) - ref[i]));
    }
    return lambda * term;
}

double objective_slic_regulariser_d(double lambda, const double *ref, const double *r, size_t n,
                                    double *g)
{
    double mx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, log(ref[i]) + r[i]);
    double z = 0;
    for (size_t i = 0; i < n; i++) z += exp(log(ref[i]) + r[i] - mx);
    double lz = mx + log(z), term = 0;
    for (size_t i = 0; i < n; i++) {
        double lpi = log(ref[i]) + r[i] - lz;
        term -= ref[i] * lpi;
        g[i] = lambda * (exp(lpi) - ref[i]);
    }
    return lambda * term;
}

/* ---------------------------------------------------------------------- */
/* Closed-form optima (design §2, "Closed-form optima")                     */

/* The annotator's PBDE score F_a into out, and its formula; -1 without one. */
static int score(const objective_theory_t *in, double *out, const char **fa)
{
    if (annotator_pbde_score(in->ann, in->pts, in->n, out) != 0) return -1;
    *fa = annotator_row(in->ann->kind)->score_name;
    return 0;
}

static int reward_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                          char *name, size_t namelen)
{
    (void)o;
    const char *fa;
    if (score(in, out, &fa) != 0) return -1;
    snprintf(name, namelen, "exp(F_a), F_a = %s", fa);
    return 0;
}

static int dpo_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                       char *name, size_t namelen)
{
    const char *fa;
    if (score(in, out, &fa) != 0) return -1;
    for (size_t i = 0; i < in->n; i++) out[i] = in->pts[i].lr + out[i] / o->beta;
    snprintf(name, namelen, "pi_ref * exp(F_a/beta), F_a = %s", fa);
    return 0;
}

static int geometric_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                             char *name, size_t namelen)
{
    const char *fa;
    if (score(in, out, &fa) != 0) return -1;
    for (size_t i = 0; i < in->n; i++) out[i] = (1.0 - o->alpha) * in->pts[i].lr + o->alpha * out[i];
    snprintf(name, namelen, "pi_ref^(1-alpha) * exp(alpha F_a), F_a = %s", fa);
    return 0;
}

static int ipo_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                       char *name, size_t namelen)
{
    if (!in->win) return -1;
    for (size_t i = 0; i < in->n; i++) out[i] = in->pts[i].lr + in->win[i] / o->tau;
    snprintf(name, namelen, "pi_ref * exp(w/tau), w(x) = P(x > x' ~ mu)");
    return 0;
}

static int robust_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                          char *name, size_t namelen)
{
    /* robust DPO undoes flips of exactly its own rate: the clean DPO
       optimum of the annotator's score before the flips */
    const annotator_row_t *ar = annotator_row(in->ann->kind);
    if (!ar->score || !ar->flips || fabs(annotator_flip_rate(in->ann) - o->eps) > 1e-12) return -1;
    for (size_t i = 0; i < in->n; i++) out[i] = in->pts[i].lr + ar->score(in->ann, &in->pts[i]) / o->beta;
    snprintf(name, namelen, "pi_ref * exp(F_a/beta), F_a = %s (flip rate = eps)", ar->score_name);
    return 0;
}

/* the winner density q_win = 2 mu w */
static int winner_density(const objective_theory_t *in, double *out, char *name, size_t namelen)
{
    if (!in->win || !in->log_mu) return -1;
    for (size_t i = 0; i < in->n; i++) out[i] = in->log_mu[i] + log(in->win[i]);
    snprintf(name, namelen, "winner density 2 mu(x) w(x), w(x) = P(x > x' ~ mu)");
    return 0;
}

static int sft_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                       char *name, size_t namelen)
{
    (void)o; /* SFT on the preferred items is maximum likelihood of q_win */
    return winner_density(in, out, name, namelen);
}

static int nca_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                       char *name, size_t namelen)
{
    /* NCA's per-item optimum pi_ref (2w)^(1/beta) is normalised exactly
       when beta = 1 and mu = pi_ref */
    if (o->beta != 1.0 || !in->log_mu || !in->mu_is_ref) return -1;
    return winner_density(in, out, name, namelen);
}

static int mixture_optimum(const objective_t *o, const objective_theory_t *in, double *out,
                           char *name, size_t namelen)
{
    if (!annotator_row(in->ann->kind)->pooled || o->K != in->ann->n_comp) return -1;
    annotator_pooled_marginal(in->ann, in->pts, in->n, out);
    snprintf(name, namelen, "sum_k w_k p_k^s / Z_k (components p_k^s)");
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Links                                                                    */

/* chi-squared PO's link phi(w) = w + log w of w = pi/pi_ref = e^u: the
   chi-squared divergence's w plus the KL's log w (Huang+ 2407.13399) */
static double chi_link(double u, double *d1, double *d2)
{
    double w = exp(u);
    *d1 = w + 1.0;
    *d2 = w;
    return w + u;
}

/* ---------------------------------------------------------------------- */
/* Kinks                                                                    */

static double hinge_kink_gap(const objective_t *o)
{
    return 1.0 / o->beta;
}

static double slic_kink_gap(const objective_t *o)
{
    return o->delta > 0 ? o->delta : HUGE_VAL; /* kinks at d + dref = +-delta */
}

/* ---------------------------------------------------------------------- */
/* The table                                                                */

#define REF OBJECTIVE_USES_REF
#define PAIR OBJECTIVE_FORM_PAIR
#define ITEMS OBJECTIVE_FORM_ITEMS

static const objective_row_t ROWS[OBJECTIVE_COUNT] = {
    [OBJECTIVE_REWARD] = {
        "reward", "Bradley-Terry reward -log sigma(r(a) - r(b)); learns log p = r (Bradley & Terry 1952; Dumoulin+ 2311.14115)",
        PAIR, 0, { NULL }, 0, "r",
        reward_pair, NULL, NULL, logit_d, NULL, reward_optimum,
        NULL, 0 },
    [OBJECTIVE_DPO] = {
        "dpo", "DPO -log sigma(beta d), d the difference of log(pi/pi_ref) (Rafailov+ 2305.18290)",
        PAIR, REF, { "beta" }, 1, "beta log(pi/pi_ref)",
        dpo_pair, NULL, NULL, logit_beta_d, NULL, dpo_optimum,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_GEOMETRIC] = {
        "geometric", "geometric-averaging PBDE -log sigma(d/alpha + dref) (Dumoulin+ 2311.14115)",
        PAIR, REF, { "alpha" }, 1, "log(pi/pi_ref)/alpha + log pi_ref",
        geometric_pair, NULL, NULL, logit_geometric, NULL, geometric_optimum,
        "alpha", OBJECTIVE_REWARD_RATIO | OBJECTIVE_REWARD_INVERSE | OBJECTIVE_REWARD_BASE },
    [OBJECTIVE_IPO] = {
        "ipo", "IPO squared loss (d - 1/(2 tau))^2 (Azar+ 2310.12036)",
        PAIR, REF | OBJECTIVE_WIN_RATE, { "tau" }, 1, "log(pi/pi_ref) (squared loss: no likelihood)",
        ipo_pair, NULL, NULL, logit_d, NULL, ipo_optimum,
        NULL, OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_SLIC] = {
        "slic", "SLiC-HF hinge max(0, delta - log pi(a) + log pi(b)) - lambda E_ref log pi (Zhao+ 2305.10425)",
        PAIR, REF | OBJECTIVE_REGULARISED, { "delta", "lambda" }, 2, "log pi (hinge: no likelihood)",
        slic_pair, NULL, NULL, logit_slic, slic_kink_gap, NULL,
        NULL, 0 },
    [OBJECTIVE_MIXTURE] = {
        "mixture", "mixture of K Luce annotators with learned weights, no annotator ids (Dumoulin+ 2311.14115)",
        OBJECTIVE_FORM_MIXTURE, REF, { "components" }, 1, "log pi_k of the answering component (hidden)",
        NULL, NULL, NULL, logit_d, NULL, mixture_optimum,
        NULL, 0 },
    [OBJECTIVE_HINGE] = {
        "hinge", "hinge with a reference max(0, 1 - beta d): RSO / SLiC loss, TRL hinge (Liu+ 2309.06657)",
        PAIR, REF, { "beta" }, 1, "beta log(pi/pi_ref) (hinge: no likelihood)",
        hinge_pair, NULL, NULL, logit_beta_d, hinge_kink_gap, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_CDPO] = {
        "cdpo", "conservative DPO, labels smoothed by eps, TRL label_smoothing (Mitchell 2023 cDPO note)",
        PAIR, REF, { "beta", "smoothing" }, 1, "beta log(pi/pi_ref)",
        cdpo_pair, NULL, NULL, logit_beta_d, NULL, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_ROBUST] = {
        "robust", "robust DPO, unbiased under label flips of rate eps, TRL robust (Chowdhury+ 2403.00409)",
        PAIR, REF, { "beta", "smoothing" }, 1, "beta log(pi/pi_ref)",
        robust_pair, NULL, NULL, logit_beta_d, NULL, robust_optimum,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_EXO] = {
        "exo", "EXO: KL((sigma(h), sigma(-h)) || (1-eps, eps)), h = beta d, TRL exo_pair (Ji+ 2402.00856)",
        PAIR, REF, { "beta", "smoothing" }, 1, "beta log(pi/pi_ref)",
        exo_pair, NULL, NULL, logit_beta_d, NULL, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_NCA] = {
        "nca", "NCA: per-item -log sigma(beta u_w) - log sigma(-beta u)/2 on both, TRL nca_pair (Chen+ 2402.05369)",
        ITEMS, REF | OBJECTIVE_WIN_RATE, { "beta" }, 1, "beta log(pi/pi_ref), per item",
        NULL, nca_item, NULL, logit_beta_d, NULL, nca_optimum,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_BCO] = {
        "bco", "BCO: classify winners vs losers by sigma(beta u), TRL bco_pair without the shift (Jung+ 2404.04656)",
        ITEMS, REF, { "beta" }, 1, "beta log(pi/pi_ref), per item",
        NULL, bco_item, NULL, logit_beta_d, NULL, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_SPPO] = {
        "sppo", "SPPO-hard: squared targets u = +-1/(2 beta) per item, TRL sppo_hard (Wu+ 2405.00675)",
        ITEMS, REF, { "beta" }, 1, "log(pi/pi_ref), per item (squared loss: no likelihood)",
        NULL, sppo_item, NULL, logit_beta_d, NULL, NULL,
        NULL, OBJECTIVE_REWARD_RATIO },
    [OBJECTIVE_SFT] = {
        "sft", "SFT on the preferred item -log pi(winner), TRL sft; learns the winner density 2 mu w",
        ITEMS, REF | OBJECTIVE_WIN_RATE, { NULL }, 0, "log pi (winners only: no comparison)",
        NULL, sft_item, NULL, logit_d, NULL, sft_optimum,
        NULL, 0 },
    [OBJECTIVE_KTO] = {
        "kto", "KTO-style unpaired: winners desirable, losers not, z0 = max(0, E_mu[u]) (Ethayarajh+ 2402.01306)",
        ITEMS, REF | OBJECTIVE_REFERENCE_POINT, { "beta", "desirable-weight", "undesirable-weight" }, 1,
        "beta (log(pi/pi_ref) - z0), per item",
        NULL, kto_item, NULL, logit_beta_d, NULL, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
    /* DPO's logistic loss on the linked rewards, not clipped: the paper
       clips the reward gap to [-2 R_max, 2 R_max] for its guarantees, but
       the logistic loss is evaluated stably at any gap and the population
       optimum is finite, so the toy needs no R_max. Its logit for
       accuracy is beta d, which has the sign of the linked gap (phi is
       increasing). */
    [OBJECTIVE_CHIPO] = {
        "chipo", "chi-squared PO: -log sigma(beta [phi(w_a) - phi(w_b)]), phi(w) = w + log w, w = pi/pi_ref, unclipped (Huang+ 2407.13399)",
        OBJECTIVE_FORM_LINKED, REF, { "beta" }, 1, "beta (pi/pi_ref + log(pi/pi_ref))",
        dpo_pair, NULL, chi_link, logit_beta_d, NULL, NULL,
        "beta", OBJECTIVE_REWARD_RATIO },
};

#undef REF
#undef PAIR
#undef ITEMS

const objective_row_t *objective_row(int kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT ? &ROWS[kind] : NULL;
}

int objective_count(void) { return OBJECTIVE_COUNT; }

const char *objective_name(int kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT ? ROWS[kind].name : NULL;
}

const char *objective_describe(int kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT ? ROWS[kind].describe : NULL;
}

int objective_find(const char *name)
{
    for (int i = 0; i < OBJECTIVE_COUNT; i++)
        if (strcmp(ROWS[i].name, name) == 0) return i;
    return -1;
}

objective_form objective_form_of(objective_kind kind)
{
    return objective_row(kind) ? ROWS[kind].form : OBJECTIVE_FORM_PAIR;
}

const char *objective_reward(objective_kind kind)
{
    return objective_row(kind) ? ROWS[kind].reward : NULL;
}

const char *objective_main_param(int kind)
{
    return objective_shown_param(kind, 0);
}

const char *objective_shown_param(int kind, int i)
{
    const objective_row_t *row = objective_row(kind);
    return row && i >= 0 && i < row->shown ? row->params[i] : NULL;
}

int objective_reads_param(int kind, const char *name)
{
    const objective_row_t *row = objective_row(kind);
    for (int i = 0; row && i < 4 && row->params[i]; i++)
        if (strcmp(row->params[i], name) == 0) return 1;
    return 0;
}

int objective_any_reads_param(const char *name)
{
    for (int k = 0; k < OBJECTIVE_COUNT; k++)
        if (objective_reads_param(k, name)) return 1;
    return 0;
}

int objective_has(objective_kind kind, unsigned flag)
{
    return objective_row(kind) && (ROWS[kind].flags & flag) != 0;
}

int objective_uses_ref(objective_kind kind)
{
    return objective_has(kind, OBJECTIVE_USES_REF);
}

int objective_is_itemwise(objective_kind kind)
{
    return objective_row(kind) && ROWS[kind].form == OBJECTIVE_FORM_ITEMS;
}

int objective_needs_log_z(objective_kind kind)
{
    return objective_row(kind) &&
           (ROWS[kind].form == OBJECTIVE_FORM_ITEMS || ROWS[kind].form == OBJECTIVE_FORM_LINKED);
}

int objective_is_mixture(objective_kind kind)
{
    return objective_row(kind) && ROWS[kind].form == OBJECTIVE_FORM_MIXTURE;
}

int objective_is_kinked(objective_kind kind)
{
    return objective_row(kind) && ROWS[kind].kink_gap != NULL;
}

double objective_kink_gap(const objective_t *o)
{
    const objective_row_t *row = objective_row(o->kind);
    return row && row->kink_gap ? row->kink_gap(o) : HUGE_VAL;
}

/* The value of the objective's parameter called name (a registry name). */
static double param_of(const objective_t *o, const char *name)
{
    if (strcmp(name, "beta") == 0) return o->beta;
    if (strcmp(name, "alpha") == 0) return o->alpha;
    if (strcmp(name, "tau") == 0) return o->tau;
    if (strcmp(name, "delta") == 0) return o->delta;
    if (strcmp(name, "lambda") == 0) return o->lambda;
    return 1.0;
}

void objective_implicit_reward(const objective_t *o, const double *log_model, const double *log_ref,
                               size_t n, double *out)
{
    const objective_row_t *r = objective_row(o->kind);
    unsigned f = r ? r->reward_flags : 0;
    double c = r && r->reward_scale ? param_of(o, r->reward_scale) : 1.0;
    if (f & OBJECTIVE_REWARD_INVERSE) c = 1.0 / c;
    for (size_t i = 0; i < n; i++) {
        double u = (f & OBJECTIVE_REWARD_RATIO) ? log_model[i] - log_ref[i] : log_model[i];
        if (r && r->link) {
            double d1, d2;
            u = r->link(u, &d1, &d2);
        }
        out[i] = c * u + ((f & OBJECTIVE_REWARD_BASE) ? log_ref[i] : 0.0);
    }
}
