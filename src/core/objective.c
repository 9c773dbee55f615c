/* Per-pair losses of the preference objectives (design §2 and the zoo of
   reference/objectives.md) and their derivatives with respect to the
   network outputs. Every pairwise loss is written once, for a label
   probability P: the trainer calls it with P = y, the population optimum
   with the annotator's P(a > b). */
#include "pbde/objective.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    const char *describe;
} CATALOGUE[OBJECTIVE_COUNT] = {
    { "reward", "Bradley-Terry reward -log sigma(r(a) - r(b)); learns log p = r (Bradley & Terry 1952; Dumoulin+ 2311.14115)" },
    { "dpo", "DPO -log sigma(beta d), d the difference of log(pi/pi_ref) (Rafailov+ 2305.18290)" },
    { "geometric", "geometric-averaging PBDE -log sigma(d/alpha + dref) (Dumoulin+ 2311.14115)" },
    { "ipo", "IPO squared loss (d - 1/(2 tau))^2 (Azar+ 2310.12036)" },
    { "slic", "SLiC-HF hinge max(0, delta - log pi(a) + log pi(b)) - lambda E_ref log pi (Zhao+ 2305.10425)" },
    { "mixture", "mixture of K Luce annotators with learned weights, no annotator ids (Dumoulin+ 2311.14115)" },
    { "hinge", "hinge with a reference max(0, 1 - beta d): RSO / SLiC loss, TRL hinge (Liu+ 2309.06657)" },
    { "cdpo", "conservative DPO, labels smoothed by eps, TRL label_smoothing (Mitchell 2023 cDPO note)" },
    { "robust", "robust DPO, unbiased under label flips of rate eps, TRL robust (Chowdhury+ 2403.00409)" },
    { "exo", "EXO: KL((sigma(h), sigma(-h)) || (1-eps, eps)), h = beta d, TRL exo_pair (Ji+ 2402.00856)" },
    { "nca", "NCA: per-item -log sigma(beta u_w) - log sigma(-beta u)/2 on both, TRL nca_pair (Chen+ 2402.05369)" },
    { "bco", "BCO: classify winners vs losers by sigma(beta u), TRL bco_pair without the shift (Jung+ 2404.04656)" },
    { "sppo", "SPPO-hard: squared targets u = +-1/(2 beta) per item, TRL sppo_hard (Wu+ 2405.00675)" },
    { "sft", "SFT on the preferred item -log pi(winner), TRL sft; learns the winner density 2 mu w" },
    { "kto", "KTO-style unpaired: winners desirable, losers not, z0 = max(0, E_mu[u]) (Ethayarajh+ 2402.01306)" },
};

int objective_count(void) { return OBJECTIVE_COUNT; }

const char *objective_name(int kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT ? CATALOGUE[kind].name : NULL;
}

const char *objective_describe(int kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT ? CATALOGUE[kind].describe : NULL;
}

int objective_find(const char *name)
{
    for (int i = 0; i < OBJECTIVE_COUNT; i++)
        if (strcmp(CATALOGUE[i].name, name) == 0) return i;
    return -1;
}

int objective_uses_ref(objective_kind kind)
{
    return kind != OBJECTIVE_REWARD;
}

int objective_is_itemwise(objective_kind kind)
{
    return kind == OBJECTIVE_NCA || kind == OBJECTIVE_BCO || kind == OBJECTIVE_SPPO ||
           kind == OBJECTIVE_SFT || kind == OBJECTIVE_KTO;
}

int objective_is_kinked(objective_kind kind)
{
    return kind == OBJECTIVE_SLIC || kind == OBJECTIVE_HINGE;
}

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

double objective_pair_expected(const objective_t *o, double d, double dref, double P, double *g,
                               double *h)
{
    double dz = 0, hz = 0, loss, scale = 1.0;
    switch (o->kind) {
    case OBJECTIVE_REWARD:
        loss = logistic(d, P, &dz, &hz);
        break;
    case OBJECTIVE_DPO:
        scale = o->beta;
        loss = logistic(o->beta * d, P, &dz, &hz);
        break;
    case OBJECTIVE_GEOMETRIC:
        scale = 1.0 / o->alpha;
        loss = logistic(d / o->alpha + dref, P, &dz, &hz);
        break;
    case OBJECTIVE_IPO: {
        /* P (d - c)^2 + (1-P) (-d - c)^2, c = 1/(2 tau) */
        double c = 1.0 / (2.0 * o->tau), e1 = d - c, e0 = -d - c;
        dz = 2.0 * P * e1 - 2.0 * (1.0 - P) * e0;
        hz = 2.0;
        loss = P * e1 * e1 + (1.0 - P) * e0 * e0;
        break;
    }
    case OBJECTIVE_SLIC:
        loss = hinge(d + dref, o->delta, P, &dz);
        break;
    case OBJECTIVE_HINGE:
        scale = o->beta;
        loss = hinge(o->beta * d, 1.0, P, &dz);
        break;
    case OBJECTIVE_CDPO:
        /* labels smoothed: the logistic loss with Q = eps + (1 - 2 eps) P */
        scale = o->beta;
        loss = logistic(o->beta * d, o->eps + (1.0 - 2.0 * o->eps) * P, &dz, &hz);
        break;
    case OBJECTIVE_ROBUST:
        /* [(P-eps) (-log sigma(h)) + (1-P-eps) (-log sigma(-h))] / (1 - 2 eps):
           the logistic loss with Q = (P - eps) / (1 - 2 eps), outside [0, 1]
           when P < eps or P > 1 - eps */
        scale = o->beta;
        loss = logistic(o->beta * d, (P - o->eps) / (1.0 - 2.0 * o->eps), &dz, &hz);
        break;
    case OBJECTIVE_EXO:
        scale = o->beta;
        loss = exo(o->beta * d, o->eps, P, &dz, &hz);
        break;
    default:
        *g = 0;
        if (h) *h = 0;
        return 0;
    }
    *g = dz * scale;
    if (h) *h = hz * scale * scale;
    return loss;
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

double objective_item_loss(const objective_t *o, double u, int winner, double *g, double *h)
{
    double b = o->beta, loss, g1, h1, g2, h2, hh;
    switch (o->kind) {
    case OBJECTIVE_NCA:
        /* winner: -log sigma(b u) - log sigma(-b u)/2; loser: -log sigma(-b u)/2 */
        loss = 0.5 * neg_log_sig(u, -b, &g1, &h1);
        *g = 0.5 * g1;
        hh = 0.5 * h1;
        if (winner) {
            loss += neg_log_sig(u, b, &g2, &h2);
            *g += g2;
            hh += h2;
        }
        break;
    case OBJECTIVE_BCO:
        loss = neg_log_sig(u, winner ? b : -b, g, &hh);
        break;
    case OBJECTIVE_SPPO: {
        double e = winner ? u - 0.5 / b : u + 0.5 / b;
        *g = 2.0 * e;
        hh = 2.0;
        loss = e * e;
        break;
    }
    case OBJECTIVE_SFT:
        *g = winner ? -1.0 : 0.0;
        hh = 0;
        loss = winner ? -u : 0.0;
        break;
    case OBJECTIVE_KTO: {
        /* winner: lD (1 - sigma(t)); loser: lU (1 - sigma(-t)) = lU sigma(t);
           t = b (u - z0) */
        double t = b * (u - o->z0), s = sigmoid(t), sd = s * (1.0 - s);
        double wgt = winner ? -o->kto_desirable : o->kto_undesirable;
        *g = wgt * b * sd;
        hh = wgt * b * b * sd * (1.0 - 2.0 * s);
        loss = winner ? o->kto_desirable * (1.0 - s) : o->kto_undesirable * s;
        break;
    }
    default:
        *g = 0;
        hh = 0;
        loss = 0;
        break;
    }
    if (h) *h = hh;
    return loss;
}

double objective_items_loss(const objective_t *o, double ua, double ub, int y, double *ga,
                            double *gb)
{
    double la = objective_item_loss(o, ua, y != 0, ga, NULL);
    double lb = objective_item_loss(o, ub, y == 0, gb, NULL);
    return la + lb;
}

double objective_pair_logit(const objective_t *o, double d, double dref)
{
    switch (o->kind) {
    case OBJECTIVE_DPO:
    case OBJECTIVE_HINGE:
    case OBJECTIVE_CDPO:
    case OBJECTIVE_ROBUST:
    case OBJECTIVE_EXO:
    case OBJECTIVE_NCA:
    case OBJECTIVE_BCO:
    case OBJECTIVE_SPPO:
    case OBJECTIVE_KTO: return o->beta * d;
    case OBJECTIVE_GEOMETRIC: return d / o->alpha + dref;
    case OBJECTIVE_SLIC: return d + dref;
    default: return d; /* reward, sft: the log-likelihood ratio */
    }
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
