/* Reward over-optimisation on the grid: the annotator's gold table, the
   two optimisers (KL-regularised RL and best-of-n), their sweeps and Gao
   et al.'s fits. */
#include "pbde/overopt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"
#include "pbde/grid.h"
#include "pbde/image.h"

static const char *const METHODS[OVEROPT_METHOD_COUNT] = { "rl", "bon" };

const char *overopt_method_name(int method)
{
    return method >= 0 && method < OVEROPT_METHOD_COUNT ? METHODS[method] : NULL;
}

int overopt_method_find(const char *name)
{
    for (int i = 0; i < OVEROPT_METHOD_COUNT; i++)
        if (strcmp(METHODS[i], name) == 0) return i;
    return -1;
}

static double *alloc_doubles(size_t n)
{
    size_t bytes = pbde_mul_size(n, sizeof(double));
    return bytes ? malloc(bytes) : NULL;
}

/* ---------------------------------------------------------------------- */
/* The annotator's choice rule as a sum of links of score differences       */

/* P(a > b) = sum_k weight_k link_k(F_k(a) - F_k(b)) for every annotator:
   one term, or one per annotator for the mixture. A link is lo + (hi - lo)
   sigma(t) (logistic: luce, dpo, noisy, mixture), the probit or the step.
   Pairs of cells whose scores differ by more than the link's width are
   summed without evaluating it pair by pair: the logistic's tails through
   the series sigma(t) = sum_k (-1)^k e^{-k t} (t > 0), whose terms are
   running sums of the cells below and above; the probit and the step
   through their limits (beyond the width they equal them to the last bit
   of a double). */
typedef enum { LINK_LOGISTIC = 0, LINK_PROBIT, LINK_STEP } link_kind;

/* The logistic's near width and the series' length: the first term left
   out is below e^{-(SERIES + 1) NEAR_LOGISTIC} = e^{-54}. */
#define NEAR_LOGISTIC 6.0
#define SERIES 8

typedef struct {
    link_kind link;
    double width;  /* pairs farther apart than this take the tails */
    double lo, hi; /* the limits at -inf and +inf */
} link_t;

/* The links of a's choice rule, per annotator kind (one row each). */
static const struct {
    link_kind link;
    double width;
    const char *gold; /* the utility r*, for overopt_gold_describe */
} CHOICE[ANNOTATOR_COUNT] = {
    [ANNOTATOR_LUCE] = { LINK_LOGISTIC, NEAR_LOGISTIC, "s log p*" },
    [ANNOTATOR_DPO] = { LINK_LOGISTIC, NEAR_LOGISTIC, "beta_a log(p*/pi_ref)" },
    /* Phi(sqrt(pi/8) 16) = 1 - 8e-24 */
    [ANNOTATOR_THURSTONE] = { LINK_PROBIT, 16, "s log p* (the probit's utility)" },
    [ANNOTATOR_NOISY] = { LINK_LOGISTIC, NEAR_LOGISTIC, "s log p* (the utility before the flips)" },
    [ANNOTATOR_HARDMAX] = { LINK_STEP, 0, "log p* (hardmax sees only the order)" },
    [ANNOTATOR_MIXTURE] = { LINK_LOGISTIC, NEAR_LOGISTIC,
                            "s sum_k w_k log p_k (the annotators' mean utility)" },
};

static double link_eval(const link_t *l, double t)
{
    switch (l->link) {
    case LINK_PROBIT: return annotator_normal_cdf(sqrt(M_PI / 8.0) * t);
    case LINK_STEP: return t > 0 ? 1.0 : t < 0 ? 0.0 : 0.5;
    default: return l->lo + (l->hi - l->lo) * annotator_sigmoid(t);
    }
}

/* Number of terms of a's choice rule; term k's weight into *w and its
   scores F_k at the n items into F(n). */
static int choice_terms(const annotator_t *a)
{
    return a->kind == ANNOTATOR_MIXTURE ? a->n_comp : 1;
}

static void choice_term(const annotator_t *a, int k, const annotator_point_t *pts, size_t n,
                        double *F, double *w, link_t *l)
{
    l->link = CHOICE[a->kind].link;
    l->width = CHOICE[a->kind].width;
    /* noisy: (1 - eps) sigma(t) + eps sigma(-t) = eps + (1 - 2 eps) sigma(t) */
    l->lo = a->kind == ANNOTATOR_NOISY ? a->eps : 0.0;
    l->hi = 1.0 - l->lo;
    *w = a->kind == ANNOTATOR_MIXTURE ? a->w[k] : 1.0;
    for (size_t i = 0; i < n; i++) {
        switch (a->kind) {
        case ANNOTATOR_DPO: F[i] = a->beta * (pts[i].lp - pts[i].lr); break;
        case ANNOTATOR_HARDMAX: F[i] = pts[i].lp; break;
        case ANNOTATOR_MIXTURE: F[i] = a->s * pts[i].lk[k]; break;
        default: F[i] = a->s * pts[i].lp; break;
        }
    }
}

void overopt_gold_score(const annotator_t *a, const annotator_point_t *pts, size_t n,
                        double *out)
{
    /* the weighted scores of the choice rule's terms */
    for (size_t i = 0; i < n; i++) {
        switch (a->kind) {
        case ANNOTATOR_DPO: out[i] = a->beta * (pts[i].lp - pts[i].lr); break;
        case ANNOTATOR_HARDMAX: out[i] = pts[i].lp; break;
        case ANNOTATOR_MIXTURE: {
            double u = 0;
            for (int k = 0; k < a->n_comp; k++) u += a->w[k] * pts[i].lk[k];
            out[i] = a->s * u;
            break;
        }
        default: out[i] = a->s * pts[i].lp; break;
        }
    }
}

const char *overopt_gold_describe(int kind)
{
    return kind >= 0 && kind < ANNOTATOR_COUNT ? CHOICE[kind].gold
                                                                     : NULL;
}

/* ---------------------------------------------------------------------- */
/* The gold win rate of every cell against pi_ref                          */

typedef struct {
    double v;
    size_t i;
} keyed_t;

static int by_value(const void *pa, const void *pb)
{
    const keyed_t *a = pa, *b = pb;
    if (a->v < b->v) return -1;
    if (a->v > b->v) return 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Adds weight * sum_j ref_j link(F_i - F_j) to win[i] for every cell.
   Cells sorted by F; pairs closer than the link's width are summed
   explicitly (each once, with link(-t) = 1 - link(t)), the others through
   the tails (see link_t). s(n), cum(n + 1), acc(n), hi(n) and
   ex(SERIES * n) are workspace. */
static void term_win(const double *F, const double *ref, size_t n, const link_t *l, double weight,
                     keyed_t *s, double *cum, double *acc, size_t *hi, double *win)
{
    for (size_t i = 0; i < n; i++) {
        s[i].v = F[i];
        s[i].i = i;
    }
    qsort(s, n, sizeof *s, by_value);
    cum[0] = 0;
    for (size_t p = 0; p < n; p++) cum[p + 1] = cum[p] + ref[s[p].i];
    double total = cum[n];
    int series = l->link == LINK_LOGISTIC;
    double b = l->hi - l->lo;
    for (size_t p = 0; p < n; p++) acc[p] = 0;
    /* ascending: the near pairs, and the far cells below p */
    double S[SERIES] = { 0 }; /* S_k = sum_{q far below} ref_q e^{-k (F_p - F_q)}, k = 1.. */
    size_t h = 0, lo = 0;
    for (size_t p = 0; p < n; p++) {
        double fp = s[p].v, rp = ref[s[p].i];
        if (h < p + 1) h = p + 1;
        while (h < n && s[h].v <= fp + l->width) h++;
        hi[p] = h; /* pairs (p, q) with p < q < hi[p] are near */
        if (series && p > 0) {
            double e = exp(-(fp - s[p - 1].v)), f = e;
            for (int k = 0; k < SERIES; k++, f *= e) S[k] *= f;
        }
        /* cells q < p that p lies beyond: hi[q] <= p, a prefix since hi grows */
        while (lo < p && hi[lo] <= p) {
            if (series) {
                double e = exp(-(fp - s[lo].v)), f = e, rq = ref[s[lo].i];
                for (int k = 0; k < SERIES; k++, f *= e) S[k] += rq * f;
            }
            lo++;
        }
        if (series) {
            /* sigma(t) = 1 - e^{-t} + e^{-2t} - ... for t > 0 */
            double alt = 0;
            for (int k = SERIES - 1; k >= 0; k--) alt = S[k] - alt;
            acc[p] += l->hi * cum[lo] - b * alt;
        } else {
            acc[p] += l->hi * cum[lo] + l->lo * (total - cum[h]);
        }
        acc[p] += 0.5 * rp;
        for (size_t q = p + 1; q < h; q++) {
            double P = link_eval(l, fp - s[q].v), rq = ref[s[q].i];
            acc[p] += rq * P;
            acc[q] += rp * (1.0 - P);
        }
    }
    if (series) {
        /* descending: the far cells above p, sigma(-t) = e^{-t} - e^{-2t} + ...;
           U_k = sum_{q >= hi[p]} ref_q e^{-k (F_q - F_p)} */
        double U[SERIES] = { 0 };
        size_t top = n; /* cells [top, n) are in U */
        for (size_t p = n; p-- > 0;) {
            double fp = s[p].v;
            if (p + 1 < n) {
                double e = exp(-(s[p + 1].v - fp)), f = e;
                for (int k = 0; k < SERIES; k++, f *= e) U[k] *= f;
            }
            while (top > hi[p]) {
                top--;
                double e = exp(-(s[top].v - fp)), f = e, rq = ref[s[top].i];
                for (int k = 0; k < SERIES; k++, f *= e) U[k] += rq * f;
            }
            double alt = 0;
            for (int k = SERIES - 1; k >= 0; k--) alt = U[k] - alt;
            acc[p] += l->lo * (total - cum[top]) + b * alt;
        }
    }
    for (size_t p = 0; p < n; p++) win[s[p].i] += weight * acc[p];
}

int overopt_gold_init(overopt_gold_t *g, const annotator_t *a, const annotator_point_t *pts,
                      const double *log_ref, size_t n)
{
    memset(g, 0, sizeof *g);
    keyed_t *s = NULL;
    double *F = NULL, *cum = NULL, *acc = NULL;
    size_t *hi = NULL;
    size_t ks = pbde_mul_size(n, sizeof *s), kh = pbde_mul_size(n, sizeof *hi);
    g->n = n;
    g->lref = alloc_doubles(n);
    g->ref = alloc_doubles(n);
    g->gold = alloc_doubles(n);
    g->win = alloc_doubles(n);
    F = alloc_doubles(n);
    cum = alloc_doubles(n + 1);
    acc = alloc_doubles(n);
    s = ks ? malloc(ks) : NULL;
    hi = kh ? malloc(kh) : NULL;
    if (!g->lref || !g->ref || !g->gold || !g->win || !F || !cum || !acc || !s || !hi) goto fail;

    /* log cell masses: log_ref less its logsumexp (any constant cancels) */
    memcpy(g->lref, log_ref, n * sizeof *log_ref);
    grid_normalise(g->lref, n, 1.0);
    for (size_t i = 0; i < n; i++) g->ref[i] = exp(g->lref[i]);
    overopt_gold_score(a, pts, n, g->gold);
    g->gold_ref = 0;
    for (size_t i = 0; i < n; i++) g->gold_ref += g->ref[i] * g->gold[i];
    for (size_t i = 0; i < n; i++) g->win[i] = 0;
    for (int k = 0; k < choice_terms(a); k++) {
        double w;
        link_t l;
        choice_term(a, k, pts, n, F, &w, &l);
        term_win(F, g->ref, n, &l, w, s, cum, acc, hi, g->win);
    }
    free(F);
    free(cum);
    free(acc);
    free(s);
    free(hi);
    return 0;
fail:
    free(F);
    free(cum);
    free(acc);
    free(s);
    free(hi);
    overopt_gold_free(g);
    return -1;
}

int overopt_gold_init_world(overopt_gold_t *g, const world_t *w)
{
    return overopt_gold_init(g, &w->ann, w->pts, w->log_ref, w->grid.n);
}

int overopt_gold_init_params(overopt_gold_t *g, const params_t *p, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    density_t *d = malloc(sizeof *d);
    annotator_point_t *pts = NULL;
    double *lr = NULL;
    grid_t grid = { 0 };
    annotator_t a;
    int rc = -1;
    if (!d) goto nomem;
    if (image_params_density(d, p, err, errlen) != 0) goto done;
    if (annotator_init(&a, p->annotator, p->rationality, p->annotator_beta, p->flip, d) != 0) {
        snprintf(err, errlen, "annotator %s does not fit this density", annotator_name(p->annotator));
        goto done;
    }
    if (grid_init(&grid, (int)p->grid, p->box) != 0) goto nomem;
    pts = malloc(pbde_mul_size(grid.n, sizeof *pts));
    lr = alloc_doubles(grid.n);
    if (!pts || !lr) goto nomem;
    annotator_points(d, p->ref_scale, grid.xy, grid.n, pts);
    for (size_t i = 0; i < grid.n; i++) lr[i] = pts[i].lr;
    double area = grid.cell * grid.cell;
    grid_normalise(lr, grid.n, area);
    if (overopt_gold_init(g, &a, pts, lr, grid.n) != 0) goto nomem;
    rc = 0;
    goto done;
nomem:
    snprintf(err, errlen, "out of memory building the gold table (grid %ld)", p->grid);
done:
    free(d);
    free(pts);
    free(lr);
    grid_free(&grid);
    return rc;
}

void overopt_gold_free(overopt_gold_t *g)
{
    free(g->lref);
    free(g->ref);
    free(g->gold);
    free(g->win);
    memset(g, 0, sizeof *g);
}

double overopt_win_rate(const overopt_gold_t *g, const double *pi)
{
    double s = 0;
    for (size_t i = 0; i < g->n; i++) s += pi[i] * g->win[i];
    return s;
}

/* ---------------------------------------------------------------------- */
/* The policies                                                             */

void overopt_proxy_reward(const objective_t *o, const double *log_model, const double *log_ref,
                          size_t n, double *out)
{
    objective_implicit_reward(o, log_model, log_ref, n, out);
}

double overopt_rl_policy(const double *lref, const double *rhat, size_t n, double lambda,
                         double *pi)
{
    /* centred at r^'s largest value: exp never overflows, and the KL
       lambda E_pi[r^] - log Z is formed from O(lambda) terms */
    double top = -HUGE_VAL, mx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) top = fmax(top, rhat[i]);
    for (size_t i = 0; i < n; i++) {
        pi[i] = lref[i] + lambda * (rhat[i] - top);
        mx = fmax(mx, pi[i]);
    }
    double z = 0;
    for (size_t i = 0; i < n; i++) z += (pi[i] = exp(pi[i] - mx));
    double lz = mx + log(z), er = 0, kl = 0;
    for (size_t i = 0; i < n; i++) {
        pi[i] /= z;
        er += pi[i] * (rhat[i] - top);
    }
    /* KL = sum pi (log pi - lref) = lambda E_pi[r^ - top] - log Z */
    kl = lambda * er - lz;
    return kl > 0 ? kl : 0.0;
}

int overopt_sort(const double *rhat, size_t n, size_t *order)
{
    size_t bytes = pbde_mul_size(n, sizeof(keyed_t));
    keyed_t *s = bytes ? malloc(bytes) : NULL;
    if (!s && n) return -1;
    for (size_t i = 0; i < n; i++) {
        s[i].v = rhat[i];
        s[i].i = i;
    }
    qsort(s, n, sizeof *s, by_value);
    for (size_t i = 0; i < n; i++) order[i] = s[i].i;
    free(s);
    return 0;
}

/* A group of cells of equal r^ (positions start .. end - 1 of order),
   with what best-of-n needs of it for any n: F = the mass at or below
   it, l1 = log F, lr = log(1 - q / F) (-inf for the lowest group) and
   lq = log q. */
typedef struct {
    size_t start, end;
    double q, l1, lr, lq;
} bon_group_t;

/* Fills groups (at most n) from the cells sorted by r^; returns their
   number. The mass above a group is summed from the top and the mass at
   or below from the bottom, so log F is exact where F is near 1
   (log1p(-above)) and where it is small (log of the sum). */
static size_t bon_groups(const double *ref, const double *rhat, const size_t *order, size_t n,
                         bon_group_t *gr)
{
    size_t m = 0;
    double total = 0, below = 0;
    for (size_t p = 0; p < n; p++) total += ref[order[p]];
    for (size_t p = 0; p < n;) {
        size_t e = p + 1;
        while (e < n && rhat[order[e]] == rhat[order[p]]) e++;
        double q = 0;
        for (size_t k = p; k < e; k++) q += ref[order[k]];
        below += q;
        gr[m].start = p;
        gr[m].end = e;
        gr[m].q = q / total;
        gr[m].l1 = log(below / total); /* replaced from the top where F > 1/2 */
        m++;
        p = e;
    }
    double above = 0;
    for (size_t k = m; k-- > 0;) {
        if (above < 0.5 * total) gr[k].l1 = log1p(-above / total);
        double F = exp(gr[k].l1), r = gr[k].q / F;
        gr[k].lr = k == 0 || r >= 1 ? -HUGE_VAL : log1p(-r);
        gr[k].lq = gr[k].q > 0 ? log(gr[k].q) : -HUGE_VAL;
        above += gr[k].q * total;
    }
    return m;
}

/* Best-of-n over the groups: KL, and the masses into pi when not NULL. */
static double bon_eval(const bon_group_t *gr, size_t m, const double *ref, const size_t *order,
                       double n_draws, double *pi)
{
    double kl = 0;
    for (size_t k = 0; k < m; k++) {
        /* F^n - (F - q)^n = F^n (1 - (1 - q/F)^n) */
        double P = 0;
        if (gr[k].q > 0) {
            double top = exp(n_draws * gr[k].l1);
            P = gr[k].lr == -HUGE_VAL ? top : -top * expm1(n_draws * gr[k].lr);
        }
        if (P > 0) kl += P * (log(P) - gr[k].lq);
        if (pi) {
            /* shared in proportion to ref inside the group */
            double qs = 0;
            for (size_t p = gr[k].start; p < gr[k].end; p++) qs += ref[order[p]];
            for (size_t p = gr[k].start; p < gr[k].end; p++)
                pi[order[p]] = qs > 0 ? P * ref[order[p]] / qs : 0.0;
        }
    }
    return kl > 0 ? kl : 0.0;
}

double overopt_bon_policy(const double *ref, const double *rhat, const size_t *order, size_t n,
                          double n_draws, double *pi)
{
    size_t bytes = pbde_mul_size(n, sizeof(bon_group_t));
    bon_group_t *gr = bytes ? malloc(bytes) : NULL;
    if (!gr) return (double)NAN;
    size_t m = bon_groups(ref, rhat, order, n, gr);
    double kl = bon_eval(gr, m, ref, order, n_draws, pi);
    free(gr);
    return kl;
}

overopt_score_t overopt_score(const overopt_gold_t *g, const double *rhat, const double *pi)
{
    overopt_score_t sc;
    double kl = 0, er = 0, er0 = 0, eg = 0, w = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (pi[i] > 0) kl += pi[i] * (log(pi[i]) - g->lref[i]);
        er += pi[i] * rhat[i];
        er0 += g->ref[i] * rhat[i];
        eg += pi[i] * g->gold[i];
        w += pi[i] * g->win[i];
    }
    sc.kl = kl > 0 ? kl : 0.0;
    sc.proxy = er - er0;
    sc.gold = eg - g->gold_ref;
    sc.winrate = w;
    return sc;
}

/* ---------------------------------------------------------------------- */
/* Fits                                                                     */

int overopt_fit(const double *kl, const double *gold, int m, int form, overopt_fit_t *out)
{
    double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    int used = 0;
    out->alpha = out->beta = out->rmse = (double)NAN;
    for (int i = 0; i < m; i++) {
        double d = sqrt(kl[i] > 0 ? kl[i] : 0.0);
        double f1 = d, f2 = d > 0 ? -d * (form == OVEROPT_FORM_RL ? log(d) : d) : 0.0;
        a11 += f1 * f1;
        a12 += f1 * f2;
        a22 += f2 * f2;
        b1 += f1 * gold[i];
        b2 += f2 * gold[i];
        used += d > 0;
    }
    double det = a11 * a22 - a12 * a12;
    if (used < 2 || !(fabs(det) > 1e-12 * a11 * a22)) return -1;
    out->alpha = (b1 * a22 - b2 * a12) / det;
    out->beta = (a11 * b2 - a12 * b1) / det;
    double ss = 0;
    for (int i = 0; i < m; i++) {
        double d = sqrt(kl[i] > 0 ? kl[i] : 0.0);
        double h = d > 0 ? (form == OVEROPT_FORM_RL ? log(d) : d) : 0.0;
        double e = gold[i] - d * (out->alpha - out->beta * h);
        ss += e * e;
    }
    out->rmse = sqrt(ss / m);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Sweeps                                                                   */

/* Parameters of the ladder the sweep interpolates its policies from. */
#define LADDER 48

struct overopt {
    size_t n;
    double *rc;      /* (n) r^ as given */
    double *pi;      /* (n) a policy's masses */
    size_t *order;   /* (n) cells by r^ */
    keyed_t *keys;   /* (n) sort workspace */
    bon_group_t *groups; /* (n) groups of equal r^ */
    size_t n_groups;
    /* what prepare found for the current r^ */
    double sd;       /* sd of r^ under pi_ref */
    double kl_reach; /* -log ref mass of the top group */
};

overopt_t *overopt_create(size_t n)
{
    overopt_t *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->n = n;
    o->rc = alloc_doubles(n);
    o->pi = alloc_doubles(n);
    size_t bo = pbde_mul_size(n, sizeof *o->order), bk = pbde_mul_size(n, sizeof *o->keys);
    o->order = bo ? malloc(bo) : NULL;
    o->keys = bk ? malloc(bk) : NULL;
    size_t bg = pbde_mul_size(n, sizeof *o->groups);
    o->groups = bg ? malloc(bg) : NULL;
    if (!o->rc || !o->pi || !o->order || !o->keys || !o->groups) {
        overopt_destroy(o);
        return NULL;
    }
    return o;
}

void overopt_destroy(overopt_t *o)
{
    if (!o) return;
    free(o->rc);
    free(o->pi);
    free(o->order);
    free(o->keys);
    free(o->groups);
    free(o);
}

void overopt_sweep_defaults(overopt_sweep_t *s)
{
    s->method = OVEROPT_RL;
    s->points = 41;
    s->kl_max = 8.0;
}

static int sweep_ok(const overopt_t *o, const overopt_gold_t *g, const overopt_sweep_t *s)
{
    return o && g && s && g->n == o->n && o->n > 0 && s->method >= 0 &&
           s->method < OVEROPT_METHOD_COUNT && s->points >= 2 && s->points <= OVEROPT_MAX_POINTS &&
           s->kl_max > 0 && isfinite(s->kl_max);
}

/* Sorts the cells by r^ (no allocation: o->keys), and finds r^'s spread
   under pi_ref and the largest KL a policy can reach. */
static void prepare(overopt_t *o, const overopt_gold_t *g, const double *rhat)
{
    size_t n = o->n;
    memcpy(o->rc, rhat, n * sizeof *rhat);
    for (size_t i = 0; i < n; i++) {
        o->keys[i].v = rhat[i];
        o->keys[i].i = i;
    }
    qsort(o->keys, n, sizeof *o->keys, by_value);
    for (size_t i = 0; i < n; i++) o->order[i] = o->keys[i].i;
    double m = 0, v = 0, top = rhat[o->order[n - 1]], q = 0;
    for (size_t i = 0; i < n; i++) m += g->ref[i] * rhat[i];
    for (size_t i = 0; i < n; i++) v += g->ref[i] * (rhat[i] - m) * (rhat[i] - m);
    for (size_t p = n; p > 0 && rhat[o->order[p - 1]] == top; p--) q += g->ref[o->order[p - 1]];
    o->sd = sqrt(v);
    o->kl_reach = q > 0 ? -log(q) : HUGE_VAL;
    o->n_groups = bon_groups(g->ref, o->rc, o->order, n, o->groups);
}

/* KL of the policy of method at parameter t (rl: lambda; bon: n), its
   masses into pi when not NULL (rl always writes o->pi). */
static double policy_kl(overopt_t *o, const overopt_gold_t *g, int method, double t, double *pi)
{
    if (method == OVEROPT_RL) return overopt_rl_policy(g->lref, o->rc, o->n, t, pi ? pi : o->pi);
    return bon_eval(o->groups, o->n_groups, g->ref, o->order, t, pi);
}

/* The parameter at which the policy reaches KL target: doubling, then
   bisection in log t to 1e-7. Capped at t_cap. */
static double solve_param(overopt_t *o, const overopt_gold_t *g, int method, double target)
{
    double lo = method == OVEROPT_RL ? 0.0 : 1.0;
    double hi = method == OVEROPT_RL ? (o->sd > 0 ? 1.0 / o->sd : 1.0) : 2.0;
    int k = 0;
    while (policy_kl(o, g, method, hi, NULL) < target && k++ < 200) {
        lo = hi;
        hi *= 2;
    }
    double tol = method == OVEROPT_RL ? 1e-7 : 1e-4; /* best-of-n rounds n */
    for (int i = 0; i < 200 && hi - lo > tol * hi; i++) {
        double mid = lo > 0 ? sqrt(lo * hi) : 0.5 * hi;
        if (policy_kl(o, g, method, mid, NULL) < target) lo = mid;
        else hi = mid;
    }
    return hi;
}

static void record(overopt_curve_t *c, int i, double param, overopt_score_t sc)
{
    c->param[i] = param;
    c->kl[i] = sc.kl;
    c->d[i] = sqrt(sc.kl);
    c->proxy[i] = sc.proxy;
    c->gold[i] = sc.gold;
    c->winrate[i] = sc.winrate;
}

static void finish(overopt_curve_t *c)
{
    c->peak = 0;
    for (int i = 1; i < c->n_points; i++)
        if (c->gold[i] > c->gold[c->peak]) c->peak = i;
    for (int f = 0; f < OVEROPT_FORM_COUNT; f++) overopt_fit(c->kl, c->gold, c->n_points, f, &c->fit[f]);
}

static int sweep_prepared(overopt_t *o, const overopt_gold_t *g, const overopt_sweep_t *s,
                          overopt_curve_t *c)
{
    int method = s->method;
    memset(c, 0, sizeof *c);
    c->method = method;
    c->kl_reachable = o->kl_reach;
    /* pi_ref itself */
    for (size_t i = 0; i < o->n; i++) o->pi[i] = g->ref[i];
    record(c, 0, method == OVEROPT_RL ? HUGE_VAL : 1.0, overopt_score(g, o->rc, o->pi));
    c->n_points = 1;
    if (!(o->sd > 0) || !(o->kl_reach > 0)) {
        finish(c);
        return 0;
    }
    double target = fmin(s->kl_max, 0.98 * o->kl_reach);
    double t_hi = solve_param(o, g, method, target);
    /* the ladder: LADDER parameters spaced in log t up to t_hi, their d */
    double lt[LADDER], ld[LADDER], t0 = method == OVEROPT_RL ? t_hi * 1e-6 : 1.0;
    for (int k = 0; k < LADDER; k++) {
        lt[k] = log(t0) + (log(t_hi) - log(t0)) * k / (LADDER - 1);
        ld[k] = sqrt(policy_kl(o, g, method, exp(lt[k]), NULL));
    }
    double dmax = ld[LADDER - 1];
    double last = method == OVEROPT_RL ? 0.0 : 1.0;
    for (int i = 1; i < s->points; i++) {
        double di = dmax * i / (s->points - 1), t;
        int k = 0;
        while (k < LADDER - 2 && ld[k + 1] < di) k++;
        if (di <= ld[0]) t = exp(lt[0]) * (ld[0] > 0 ? di / ld[0] : 1.0);
        else {
            double u = ld[k + 1] > ld[k] ? (di - ld[k]) / (ld[k + 1] - ld[k]) : 1.0;
            t = exp(lt[k] + u * (lt[k + 1] - lt[k]));
        }
        if (i == s->points - 1) t = t_hi;
        if (method == OVEROPT_BON) {
            t = floor(t + 0.5);
            if (t <= last) continue; /* best-of-n takes whole n */
        }
        last = t;
        policy_kl(o, g, method, t, o->pi);
        record(c, c->n_points++, method == OVEROPT_RL ? 1.0 / t : t, overopt_score(g, o->rc, o->pi));
    }
    finish(c);
    return 0;
}

int overopt_sweep(overopt_t *o, const overopt_gold_t *g, const double *rhat,
                  const overopt_sweep_t *s, overopt_curve_t *c)
{
    if (!sweep_ok(o, g, s)) return -1;
    prepare(o, g, rhat);
    return sweep_prepared(o, g, s, c);
}

static int policy_prepared(overopt_t *o, const overopt_gold_t *g, const overopt_sweep_t *s,
                           double kl_budget, double cell_area, double *log_pi,
                           overopt_score_t *sc, double *param)
{
    int method = s->method;
    double t = method == OVEROPT_RL ? 0.0 : 1.0;
    if (kl_budget > 0 && o->sd > 0 && o->kl_reach > 0) {
        t = solve_param(o, g, method, fmin(kl_budget, 0.999 * o->kl_reach));
        if (method == OVEROPT_BON) {
            /* the whole n on either side whose KL is nearest */
            double a = floor(t), b = ceil(t);
            if (a < 1) a = 1;
            double ka = policy_kl(o, g, method, a, NULL), kb = policy_kl(o, g, method, b, NULL);
            t = fabs(ka - kl_budget) <= fabs(kb - kl_budget) ? a : b;
        }
    }
    if (method == OVEROPT_RL && t == 0) {
        for (size_t i = 0; i < o->n; i++) o->pi[i] = g->ref[i];
    } else {
        policy_kl(o, g, method, t, o->pi);
    }
    if (sc) *sc = overopt_score(g, o->rc, o->pi);
    if (param) *param = method == OVEROPT_RL ? (t > 0 ? 1.0 / t : HUGE_VAL) : t;
    double la = log(cell_area);
    for (size_t i = 0; i < o->n; i++) log_pi[i] = o->pi[i] > 0 ? log(o->pi[i]) - la : DENSITY_LOG_ZERO;
    return 0;
}

int overopt_policy_at(overopt_t *o, const overopt_gold_t *g, const double *rhat,
                      const overopt_sweep_t *s, double kl_budget, double cell_area,
                      double *log_pi, overopt_score_t *sc, double *param)
{
    if (!sweep_ok(o, g, s)) return -1;
    prepare(o, g, rhat);
    return policy_prepared(o, g, s, kl_budget, cell_area, log_pi, sc, param);
}

int overopt_refresh(overopt_t *o, const overopt_gold_t *g, const objective_t *obj,
                    const double *log_model, const double *log_ref, double cell_area,
                    const overopt_sweep_t *s, double kl_budget, overopt_curve_t *c,
                    double *log_pi)
{
    if (!sweep_ok(o, g, s)) return -1;
    /* r^ goes through o->pi (prepare copies it to o->rc) */
    overopt_proxy_reward(obj, log_model, log_ref, o->n, o->pi);
    prepare(o, g, o->pi);
    sweep_prepared(o, g, s, c);
    if (!log_pi) return 0;
    return policy_prepared(o, g, s, kl_budget < 0 ? c->kl[c->peak] : kl_budget, cell_area, log_pi,
                           NULL, NULL);
}
