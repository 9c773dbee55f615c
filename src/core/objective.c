/* Per-pair losses of the preference objectives (design §2) and their
   derivatives with respect to the network outputs. */
#include "pbde/objective.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *name;
    const char *describe;
} CATALOGUE[OBJECTIVE_COUNT] = {
    { "reward", "Bradley-Terry reward model: -log sigma(r(a) - r(b)); learns log p = r" },
    { "dpo", "DPO: -log sigma(beta d), d the difference of log(pi/pi_ref)" },
    { "geometric", "geometric-averaging PBDE: -log sigma(d/alpha + log pi_ref(a) - log pi_ref(b))" },
    { "ipo", "IPO: squared loss (d - 1/(2 tau))^2" },
    { "slic", "SLiC-HF: hinge max(0, delta - log pi(a) + log pi(b)) - lambda E_ref log pi" },
    { "mixture", "mixture of K Luce annotators with learned weights (no annotator ids)" },
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

/* -log sigma(z) and its derivative -sigma(-z) */
static double logistic(double z, double *dz)
{
    *dz = -sigmoid(-z);
    return -objective_log_sigmoid(z);
}

double objective_pair_loss(const objective_t *o, double d, double dref, int y, double *g)
{
    double sgn = y ? 1.0 : -1.0, dz, loss;
    switch (o->kind) {
    case OBJECTIVE_REWARD:
        loss = logistic(sgn * d, &dz);
        *g = dz * sgn;
        return loss;
    case OBJECTIVE_DPO:
        loss = logistic(sgn * o->beta * d, &dz);
        *g = dz * sgn * o->beta;
        return loss;
    case OBJECTIVE_GEOMETRIC:
        loss = logistic(sgn * (d / o->alpha + dref), &dz);
        *g = dz * sgn / o->alpha;
        return loss;
    case OBJECTIVE_IPO: {
        double e = sgn * d - 1.0 / (2.0 * o->tau);
        *g = 2.0 * e * sgn;
        return e * e;
    }
    case OBJECTIVE_SLIC: {
        double m = o->delta - sgn * (d + dref);
        *g = m > 0 ? -sgn : 0.0;
        return m > 0 ? m : 0.0;
    }
    default:
        *g = 0;
        return 0;
    }
}

double objective_pair_logit(const objective_t *o, double d, double dref)
{
    switch (o->kind) {
    case OBJECTIVE_DPO: return o->beta * d;
    case OBJECTIVE_GEOMETRIC: return d / o->alpha + dref;
    case OBJECTIVE_SLIC: return d + dref;
    default: return d;
    }
}

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
