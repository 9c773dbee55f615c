/* The population optimum (popopt.h): a truncated Newton method on the
   exact expected loss over a tabular model.

   The model is one free value r_i per item: log pi_i = log ref_i + r_i -
   log Z (reference objectives; log pi_i = r_i - log Z for reward), so every
   r is a normalised density and the normaliser is part of the problem.

     F(r) = sum_ij mu_i mu_j E_y L(r_i - r_j)               pairwise objectives
          + sum_i [q_w,i L_w(u_i) + q_l,i L_l(u_i)]          item-wise objectives
          + lambda (-sum_i ref_i log pi_i)                  SLiC's regulariser
     u_i = log pi_i - log ref_i,  q_w = 2 mu w,  q_l = 2 mu (1 - w),
     w_i = sum_j mu_j P(i > j).

   E_y L for a pair comes from objective_pair_expected with the annotator's
   P(i > j), precomputed once (the n^2/2 pairs i < j: the pair (j, i) gives
   the same expectation). Newton steps solve H p = -g by preconditioned
   conjugate gradients: the pairwise Hessian is the Laplacian of the pair
   curvatures c_ij, stored in single precision, and the item-wise part is
   J' diag(h_u) J - S (diag pi - pi pi') with J = I - 1 pi'. A Jacobi
   preconditioner makes the near-complete Laplacian well conditioned, so a
   few tens of cheap products per step suffice.

   Linked objectives score each item by a link psi of its normalised
   log-ratio u, and their pair terms are L(psi(u_i) - psi(u_j)): the same
   pair sum over the scores s = psi(u), chained through the links like
   the item-wise terms (dF/du = psi' dF/ds; Hessian in u: D L_c D +
   diag(psi'' dF/ds), D = diag psi').

   Hinges (slic, hinge) have curvature 0 almost everywhere, and their
   exact optimum is a staircase (see popopt_solve): their pair losses are
   replaced by a box-smoothed version (the average of the loss over
   [d - s, d + s], exact in value, slope and curvature from the two ends),
   with s = 0.45 of half the gap between the kinks.

   Non-convex objectives (exo, kto) get Levenberg-Marquardt damping and,
   for kto, a continuation in beta; losses without a minimiser are
   detected (POPOPT_UNBOUNDED). */
#include "pbde/popopt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbde/common.h"
#include "pbde/grid.h"

/* Stop when the Newton decrement sqrt(g' M^-1 g) falls below this: the
   loss is then within ~1e-16 of its minimum and a cell's log-density
   within ~1e-5. */
#define DECREMENT_TOL 1e-7
#define MAX_NEWTON 60
#define MAX_CG 100
/* Hinges: the smoothing half-width, as a share of half the gap between
   a pair loss's two kinks (below 1/2: one kink per window). */
#define KINK_WINDOW 0.45
/* A Newton step moves no log-density by more than this; KTO's cap is
   smaller, as long steps jump between its basins (kept / dropped items). */
#define MAX_STEP 50.0
#define MAX_STEP_KTO 8.0
/* Spread of r (in nats) beyond which the loss is declared to have no
   minimum: far beyond any optimum of a density on a box (a dpo annotator
   with beta_a = 4 puts ~500 nats between the optimum's extremes). */
#define UNBOUNDED_SPREAD 5000.0
/* ... or when this many Newton steps in a row were cut to MAX_STEP and
   still taken whole: the loss falls linearly along a direction without
   end (a legitimate optimum would have to lie 1000 nats away). */
#define RUNAWAY_STEPS 20
/* ... or when the iterations run out while the spread still grew by this
   many nats over the last RUNAWAY_WINDOW of them (a slow runaway: a
   logistic loss on certain labels, whose infimum is never attained). */
#define RUNAWAY_GROWTH 5.0
#define RUNAWAY_WINDOW 10
/* Resampling: a stencil spanning more than this many nats is a cliff
   (e.g. a region an objective drops), where the cubic must not ring. */
#define CLIFF_NATS 8.0
/* KTO's fixed point in z0. */
#define MAX_Z0_ROUNDS 60
#define Z0_TOL 1e-10
#define KTO_BETA_STEP 1.25

typedef struct {
    size_t n, np;         /* items, pairs i < j */
    objective_t o;        /* the objective (kto: z0 is updated here) */
    int pairwise;         /* 1: pair terms */
    int itemwise;         /* 1: item terms */
    int linked;           /* 1: the pair terms are of the links psi(u) */
    double lambda_slic;   /* SLiC's regulariser weight, 0 otherwise */
    int uses_ref;
    const double *mu, *ref;
    double *lbase;        /* (n) log of the base measure: log ref, or 0 (reward) */
    double *lref;         /* (n) log ref (for dref) */
    double *P;            /* (np) P(i > j), packed rows i < j */
    double *Pd;           /* (n) P(i > i) */
    double *qw, *ql;      /* (n) winner and loser masses (item-wise) */
    float *c;             /* (np) pair curvatures 2 mu_i mu_j h_ij */
    double smooth;        /* box half-width s of the hinge smoothing, 0: none */
    double damp;          /* Levenberg-Marquardt damping: H + damp diag(mu) */
    double max_step;      /* cap on a Newton step, in nats */
    double top;           /* largest curvature per unit of mass, max_i M_i / mu_i */
    /* the latest evaluation */
    double *pi;           /* (n) model masses */
    double *u;            /* (n) normalised log-ratios log pi - log base */
    double *hu;           /* (n) item curvatures in u (linked: psi'' dF/ds) */
    double *sc;           /* (n) linked: the scores psi(u) */
    double *dpsi;         /* (n) linked: psi'(u) */
    double *la, *lb;      /* (n) linked: scratch of hessvec */
    double *cdiag;        /* (n) row sums of c */
    double S;             /* sum of item gradients in u */
    long passes;
    /* scratch for CG and line search */
    double *g, *gt, *gs, *rt, *p, *res, *z, *dir, *hd, *M;
} ctx_t;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int popopt_supported(objective_kind kind)
{
    return kind >= 0 && kind < OBJECTIVE_COUNT && !objective_is_mixture(kind);
}

/* ---------------------------------------------------------------------- */
/* Pair losses, optionally box-smoothed                                     */

/* E_y L at d, smoothed over [d - s, d + s] when s > 0: value, slope and
   curvature of the box average. The loss is piecewise linear near its
   kinks, so with at most one kink inside the window (s below half the
   distance between kinks) the average is exact: the area under the two
   tangent lines from the window's ends. */
static double pair_eval(const ctx_t *x, double d, double dref, double P, double *g, double *h)
{
    if (x->smooth <= 0) return objective_pair_expected(&x->o, d, dref, P, g, h);
    double s = x->smooth, a = d - s, b = d + s, ga, gb;
    double ea = objective_pair_expected(&x->o, a, dref, P, &ga, NULL);
    double eb = objective_pair_expected(&x->o, b, dref, P, &gb, NULL);
    *g = (eb - ea) / (2 * s);
    *h = (gb - ga) / (2 * s);
    if (gb - ga <= 1e-15 * (fabs(ga) + fabs(gb))) return 0.5 * (ea + eb);
    double t = (eb - ea + ga * a - gb * b) / (ga - gb); /* the kink */
    if (t < a) t = a;
    if (t > b) t = b;
    double lt = ea + ga * (t - a), rt = eb + gb * (t - b);
    return ((t - a) * (ea + lt) + (b - t) * (rt + eb)) / (4 * s);
}

/* ---------------------------------------------------------------------- */
/* Evaluation: F, gradient g(n), and the curvatures for the Hessian          */

static double evaluate(ctx_t *x, const double *r, double *g)
{
    size_t n = x->n;
    double F = 0;
    x->passes++;
    memset(g, 0, n * sizeof *g);
    memset(x->cdiag, 0, n * sizeof *x->cdiag);
    /* the normalised model */
    double mx = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, x->lbase[i] + r[i]);
    double zs = 0;
    for (size_t i = 0; i < n; i++) zs += exp(x->lbase[i] + r[i] - mx);
    double lz = mx + log(zs);
    for (size_t i = 0; i < n; i++) {
        x->u[i] = r[i] - lz;
        x->pi[i] = exp(x->lbase[i] + x->u[i]);
    }
    /* the values the pair terms compare: r, or the links of u */
    const double *v = r;
    if (x->linked) {
        for (size_t i = 0; i < n; i++) x->sc[i] = objective_link(&x->o, x->u[i], &x->dpsi[i], &x->hu[i]);
        v = x->sc;
    }
    if (x->pairwise) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            double ri = v[i], li = x->lref[i], mi2 = 2.0 * x->mu[i], gi = 0, ci = 0, Fi = 0;
            double gd0, hd0;
            F += x->mu[i] * x->mu[i] * pair_eval(x, 0.0, 0.0, x->Pd[i], &gd0, &hd0);
            for (size_t j = i + 1; j < n; j++, k++) {
                double gg, hh, w = mi2 * x->mu[j];
                double e = pair_eval(x, ri - v[j], li - x->lref[j], x->P[k], &gg, &hh);
                Fi += w * e;
                gi += w * gg;
                g[j] -= w * gg;
                double c = w * hh;
                x->c[k] = (float)c;
                ci += c;
                x->cdiag[j] += c;
            }
            F += Fi;
            g[i] += gi;
            x->cdiag[i] += ci;
        }
    }
    x->S = 0;
    if (x->linked) {
        /* G = dF/du = psi' dF/ds; hu (holding psi'') becomes psi'' dF/ds */
        for (size_t i = 0; i < n; i++) {
            x->hu[i] *= g[i];
            g[i] *= x->dpsi[i];
            x->S += g[i];
        }
        for (size_t i = 0; i < n; i++) g[i] -= x->pi[i] * x->S;
    }
    if (x->itemwise) {
        /* dF/dr_k = G_k - pi_k S, G = dF/du */
        for (size_t i = 0; i < n; i++) {
            double gw, hw, gl, hl;
            F += x->qw[i] * objective_item_loss(&x->o, x->u[i], 1, &gw, &hw) +
                 x->ql[i] * objective_item_loss(&x->o, x->u[i], 0, &gl, &hl);
            double G = x->qw[i] * gw + x->ql[i] * gl;
            x->hu[i] = x->qw[i] * hw + x->ql[i] * hl;
            g[i] += G;
            x->S += G;
        }
        for (size_t i = 0; i < n; i++) g[i] -= x->pi[i] * x->S;
    }
    if (x->lambda_slic > 0) {
        /* its gradient lambda (pi - ref) already includes the normaliser */
        F += objective_slic_regulariser_d(x->lambda_slic, x->ref, r, n, x->gs);
        for (size_t i = 0; i < n; i++) g[i] += x->gs[i];
    }
    return F;
}

/* hv = L_c v: the Laplacian of the pair curvatures */
static void laplacian(const ctx_t *x, const double *v, double *hv)
{
    size_t n = x->n;
    memset(hv, 0, n * sizeof *hv);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double vi = v[i], a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const float *c = x->c + k;
        const double *vj = v + i + 1;
        double *hj = hv + i + 1;
        size_t m = n - i - 1, j = 0;
        for (; j + 4 <= m; j += 4) { /* four sums: independent chains */
            double t0 = (double)c[j] * (vi - vj[j]), t1 = (double)c[j + 1] * (vi - vj[j + 1]);
            double t2 = (double)c[j + 2] * (vi - vj[j + 2]), t3 = (double)c[j + 3] * (vi - vj[j + 3]);
            a0 += t0;
            a1 += t1;
            a2 += t2;
            a3 += t3;
            hj[j] -= t0;
            hj[j + 1] -= t1;
            hj[j + 2] -= t2;
            hj[j + 3] -= t3;
        }
        for (; j < m; j++) {
            double t = (double)c[j] * (vi - vj[j]);
            a0 += t;
            hj[j] -= t;
        }
        hv[i] += (a0 + a1) + (a2 + a3);
        k += m;
    }
}

/* Hv = L_c v + J' (h_u . J v) + (lambda - S) (pi . v - pi (pi' v));
   linked: J' (D L_c D + diag h_u) J v + (lambda - S) (...) */
static void hessvec(const ctx_t *x, const double *v, double *hv)
{
    size_t n = x->n;
    if (x->pairwise && !x->linked) laplacian(x, v, hv);
    else memset(hv, 0, n * sizeof *hv);
    double pv = 0;
    for (size_t i = 0; i < n; i++) pv += x->pi[i] * v[i];
    if (x->linked) {
        for (size_t i = 0; i < n; i++) x->la[i] = x->dpsi[i] * (v[i] - pv);
        laplacian(x, x->la, x->lb);
        double sy = 0;
        for (size_t i = 0; i < n; i++) {
            double y = x->dpsi[i] * x->lb[i] + x->hu[i] * (v[i] - pv);
            hv[i] += y;
            sy += y;
        }
        for (size_t i = 0; i < n; i++) hv[i] -= x->pi[i] * sy;
    }
    double kappa = x->lambda_slic - x->S;
    if (x->damp > 0)
        for (size_t i = 0; i < n; i++) hv[i] += x->damp * x->mu[i] * v[i];
    if (x->itemwise) {
        double sy = 0;
        for (size_t i = 0; i < n; i++) {
            double y = x->hu[i] * (v[i] - pv);
            hv[i] += y;
            sy += y;
        }
        for (size_t i = 0; i < n; i++) hv[i] -= x->pi[i] * sy;
    }
    if (kappa != 0)
        for (size_t i = 0; i < n; i++) hv[i] += kappa * x->pi[i] * (v[i] - pv);
}

/* The Jacobi preconditioner: the Hessian's diagonal, made positive. */
static void precond(ctx_t *x)
{
    double kappa = fabs(x->lambda_slic - x->S), top = 0;
    for (size_t i = 0; i < x->n; i++) {
        double pi = x->pi[i], d = x->cdiag[i] + kappa * pi * (1 - pi);
        if (x->linked) d = x->cdiag[i] * x->dpsi[i] * x->dpsi[i] + kappa * pi * (1 - pi);
        if (x->itemwise || x->linked) d += fabs(x->hu[i]) * (1 - pi) * (1 - pi);
        x->M[i] = d;
        top = fmax(top, d / x->mu[i]);
    }
    /* cells without curvature (hinges far from their kinks) still need a
       finite step: a floor relative to the strongest cell */
    double floor = fmax(top * 1e-6, 1e-300);
    for (size_t i = 0; i < x->n; i++) x->M[i] = fmax(x->M[i], floor * x->mu[i]);
    x->top = top;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Solves H p = -g approximately (relative residual eta in the M^-1 norm)
   by preconditioned CG; stops at negative curvature, where the first
   iteration falls back to the preconditioned gradient. */
static void newton_direction(ctx_t *x, const double *g, double gnorm, double *p)
{
    size_t n = x->n;
    double eta = fmin(0.01, gnorm);
    memset(p, 0, n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        x->res[i] = -g[i];
        x->z[i] = x->res[i] / x->M[i];
        x->dir[i] = x->z[i];
    }
    double rz = dot(x->res, x->z, n);
    for (int k = 0; k < MAX_CG; k++) {
        hessvec(x, x->dir, x->hd);
        double dhd = dot(x->dir, x->hd, n);
        if (!(dhd > 1e-14 * rz)) {
            if (k == 0) memcpy(p, x->z, n * sizeof *p);
            return;
        }
        double alpha = rz / dhd;
        for (size_t i = 0; i < n; i++) {
            p[i] += alpha * x->dir[i];
            x->res[i] -= alpha * x->hd[i];
            x->z[i] = x->res[i] / x->M[i];
        }
        double rz1 = dot(x->res, x->z, n);
        if (sqrt(fmax(rz1, 0.0)) <= eta * gnorm) return;
        double beta = rz1 / rz;
        rz = rz1;
        for (size_t i = 0; i < n; i++) x->dir[i] = x->z[i] + beta * x->dir[i];
    }
}

static double spread(const double *r, size_t n)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, r[i]);
        hi = fmax(hi, r[i]);
    }
    return hi - lo;
}

/* Newton iterations from r (updated in place) until the decrement is
   below tol, with Levenberg-Marquardt damping (relative to the largest
   curvature) that grows when a full step fails and shrinks when it
   succeeds: pure Newton on smooth convex losses, a trust-region-like
   method where curvature misleads (non-convex losses, smoothed hinges).
   Returns the loss, or NaN when the loss is unbounded below. */
static double newton(ctx_t *x, double *r, double tol, int max_it, int *iters, double *decr)
{
    size_t n = x->n;
    double F = evaluate(x, r, x->g), rho = 0, spread0 = spread(r, n);
    int stalls = 0, capped = 0, it;
    for (it = 0; it < max_it; it++) {
        if (it == max_it - RUNAWAY_WINDOW) spread0 = spread(r, n);
        precond(x);
        double gnorm = 0;
        for (size_t i = 0; i < n; i++) gnorm += x->g[i] * x->g[i] / x->M[i];
        gnorm = sqrt(gnorm);
        *decr = gnorm;
        if (gnorm < tol) break;
        ++*iters;
        x->damp = rho * x->top;
        if (x->damp > 0)
            for (size_t i = 0; i < n; i++) x->M[i] += x->damp * x->mu[i];
        newton_direction(x, x->g, gnorm, x->p);
        double big = 0;
        for (size_t i = 0; i < n; i++) big = fmax(big, fabs(x->p[i]));
        double t = big > x->max_step ? x->max_step / big : 1.0;
        double slope = dot(x->g, x->p, n);
        if (!(slope < 0)) { /* not a descent direction: use the preconditioned gradient */
            for (size_t i = 0; i < n; i++) x->p[i] = -x->g[i] / x->M[i];
            big = 0;
            for (size_t i = 0; i < n; i++) big = fmax(big, fabs(x->p[i]));
            t = big > x->max_step ? x->max_step / big : 1.0;
            slope = dot(x->g, x->p, n);
        }
        /* backtracking (Armijo); gt holds the trial gradient */
        double Ft = F, t0 = t;
        int ok = 0;
        for (int ls = 0; ls < 12; ls++) {
            for (size_t i = 0; i < n; i++) x->rt[i] = r[i] + t * x->p[i];
            Ft = evaluate(x, x->rt, x->gt);
            if (Ft <= F + 1e-4 * t * slope) {
                ok = 1;
                break;
            }
            t *= 0.5;
        }
        if (!ok) {
            /* no decrease: damp harder, or stop when rounding is all that is left */
            evaluate(x, r, x->g); /* restore the curvatures of r */
            rho = fmax(16 * rho, 1e-6);
            if (++stalls > 6 || rho > 1e3) break;
            continue;
        }
        stalls = 0;
        capped = t == t0 && t < 1.0 ? capped + 1 : 0;
        if (capped >= RUNAWAY_STEPS) return (double)NAN;
        rho = t == t0 ? (rho < 1e-9 ? 0 : rho / 4) : fmax(4 * rho, 1e-6);
        memcpy(r, x->rt, n * sizeof *r);
        memcpy(x->g, x->gt, n * sizeof *x->g);
        F = Ft;
        if (spread(r, n) > UNBOUNDED_SPREAD) return (double)NAN;
    }
    x->damp = 0;
    if (it == max_it && spread(r, n) > spread0 + RUNAWAY_GROWTH) return (double)NAN;
    return F;
}

/* ---------------------------------------------------------------------- */
/* Setup                                                                    */

static void ctx_free(ctx_t *x)
{
    free(x->lbase);
    free(x->lref);
    free(x->P);
    free(x->Pd);
    free(x->qw);
    free(x->ql);
    free(x->c);
    free(x->pi);
    free(x->u);
    free(x->hu);
    free(x->sc);
    free(x->dpsi);
    free(x->la);
    free(x->lb);
    free(x->cdiag);
    free(x->g);
    free(x->gt);
    free(x->gs);
    free(x->rt);
    free(x->p);
    free(x->res);
    free(x->z);
    free(x->dir);
    free(x->hd);
    free(x->M);
}

static double *dalloc(size_t n)
{
    size_t b = pbde_mul_size(n, sizeof(double));
    return b ? malloc(b) : NULL;
}

static int ctx_init(ctx_t *x, const popopt_problem_t *pb)
{
    memset(x, 0, sizeof *x);
    size_t n = pb->n;
    x->n = n;
    x->np = n * (n - 1) / 2;
    x->o = *pb->obj;
    x->o.z0 = 0;
    x->itemwise = objective_is_itemwise(x->o.kind);
    x->pairwise = !x->itemwise;
    x->linked = objective_form_of(x->o.kind) == OBJECTIVE_FORM_LINKED;
    x->lambda_slic = objective_has(x->o.kind, OBJECTIVE_REGULARISED) ? x->o.lambda : 0.0;
    x->uses_ref = objective_uses_ref(x->o.kind);
    x->mu = pb->mu;
    x->ref = pb->ref;
    x->max_step = objective_has(x->o.kind, OBJECTIVE_REFERENCE_POINT) ? MAX_STEP_KTO : MAX_STEP;
    double **vecs[] = { &x->lbase, &x->lref, &x->Pd, &x->pi, &x->u, &x->hu, &x->cdiag, &x->g,
                        &x->gt, &x->gs, &x->rt, &x->p, &x->res, &x->z, &x->dir, &x->hd, &x->M };
    for (size_t v = 0; v < sizeof vecs / sizeof vecs[0]; v++)
        if (!(*vecs[v] = dalloc(n))) return -1;
    if (x->linked && (!(x->sc = dalloc(n)) || !(x->dpsi = dalloc(n)) || !(x->la = dalloc(n)) ||
                      !(x->lb = dalloc(n))))
        return -1;
    for (size_t i = 0; i < n; i++) {
        x->lref[i] = log(pb->ref[i]);
        x->lbase[i] = x->uses_ref ? x->lref[i] : 0.0;
        x->Pd[i] = annotator_prob(pb->ann, &pb->pts[i], &pb->pts[i]);
    }
    if (x->pairwise) {
        if (!(x->P = dalloc(x->np))) return -1;
        size_t cb = pbde_mul_size(x->np ? x->np : 1, sizeof(float));
        if (!cb || !(x->c = malloc(cb))) return -1;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) x->P[k++] = annotator_prob(pb->ann, &pb->pts[i], &pb->pts[j]);
    } else {
        if (!(x->qw = dalloc(n)) || !(x->ql = dalloc(n))) return -1;
        /* w_i = sum_j mu_j P(i > j), with P(j > i) = 1 - P(i > j) */
        double *w = x->qw;
        if (pb->win) {
            memcpy(w, pb->win, n * sizeof *w);
        } else {
            for (size_t i = 0; i < n; i++) w[i] = pb->mu[i] * x->Pd[i];
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    double P = annotator_prob(pb->ann, &pb->pts[i], &pb->pts[j]);
                    w[i] += pb->mu[j] * P;
                    w[j] += pb->mu[i] * (1.0 - P);
                }
        }
        for (size_t i = 0; i < n; i++) {
            x->ql[i] = 2.0 * pb->mu[i] * (1.0 - w[i]);
            x->qw[i] = 2.0 * pb->mu[i] * w[i];
        }
    }
    return 0;
}

/* 1 when the annotator is certain (hardmax: P is 0 or 1 for every pair of
   distinct items) and the loss of a certain pair has no finite minimiser
   (a logistic loss keeps falling as d grows) or needs a full margin
   between every two distinct items (the hinge without a regulariser):
   the tabular optimum then sharpens without bound, towards a point mass
   on the annotator's favourite cell, and no optimum exists in the limit.
   (Saturated soft annotators also give P = 1 in double precision, but
   only for pairs already ~37 nats apart, which the solver handles.) */
static int certain_labels_run_away(const ctx_t *x, const annotator_t *a)
{
    if (!x->pairwise || !annotator_row(a->kind)->certain) return 0;
    double g;
    objective_pair_expected(&x->o, 30.0, 0.0, 1.0, &g, NULL); /* far out, short of underflow */
    return g < 0 || (objective_is_kinked(x->o.kind) && !objective_has(x->o.kind, OBJECTIVE_REGULARISED));
}

/* ---------------------------------------------------------------------- */
/* Solve                                                                    */

int popopt_solve(const popopt_problem_t *pb, const double *init, double *log_pi,
                 popopt_info_t *info)
{
    double t0 = now_ms();
    if (!popopt_supported(pb->obj->kind)) return POPOPT_UNSUPPORTED;
    ctx_t x;
    if (ctx_init(&x, pb) != 0) {
        ctx_free(&x);
        return POPOPT_NOMEM;
    }
    size_t n = pb->n;
    double *r = dalloc(n);
    if (!r) {
        ctx_free(&x);
        return POPOPT_NOMEM;
    }
    for (size_t i = 0; i < n; i++) r[i] = init ? init[i] - x.lbase[i] : 0.0;
    int iters = 0, status = POPOPT_OK;
    double F = 0, decr = 0;
    if (certain_labels_run_away(&x, pb->ann)) {
        F = (double)NAN;
    } else if (objective_is_kinked(x.o.kind)) {
        /* A hinge's exact optimum is a staircase: log pi/pi_ref takes
           values a whole number of margins apart (steps of 1/beta for
           hinge), so many pairs sit exactly on a kink, and Newton steps on
           narrower smoothings stall on which cell belongs to which step.
           The optimum reported is that of the loss averaged over a window of
           +-0.45 of half the gap between kinks (a smoothed staircase). */
        double gap = objective_kink_gap(&x.o); /* the box must not hold two kinks */
        x.smooth = isfinite(gap) ? KINK_WINDOW * gap : KINK_WINDOW;
        F = newton(&x, r, DECREMENT_TOL, MAX_NEWTON, &iters, &decr);
        x.smooth = 0;
        if (!isnan(F)) F = evaluate(&x, r, x.g); /* the exact loss there */
    } else if (objective_has(x.o.kind, OBJECTIVE_REFERENCE_POINT)) {
        /* z0 = max(0, E_mu[u]), TRL's batch-mean "KL" estimate over items
           from the proposal, is held fixed in each gradient (as in
           training): the optimum is the fixed point where it also equals
           the model's E_mu[u]. With mu = pi_ref it is 0 (E_ref[u] =
           -KL(pi_ref || pi)). Damped so the iteration contracts.
           The loss is linear in sigma(beta (u - z0)) per item, so for
           beta > 1 an item has two stationary points (kept or dropped) and
           Newton from a flat start lands on a poor combination; for
           beta <= 1 each item's condition has one root. So beta is raised
           in steps from 1 to its value, each solve starting at the last. */
        double beta = x.o.beta;
        for (double b = fmin(beta, 1.0);; b = fmin(beta, b * KTO_BETA_STEP)) {
            x.o.beta = b;
            for (int round = 0; round < MAX_Z0_ROUNDS; round++) {
                F = newton(&x, r, DECREMENT_TOL, MAX_NEWTON, &iters, &decr);
                if (isnan(F)) break;
                double eu = 0;
                for (size_t i = 0; i < n; i++) eu += x.mu[i] * x.u[i];
                double z = fmax(0.0, eu);
                if (fabs(z - x.o.z0) < Z0_TOL) break;
                x.o.z0 = round < 5 ? z : 0.5 * (x.o.z0 + z);
            }
            if (b >= beta || isnan(F)) break;
        }
    } else {
        F = newton(&x, r, DECREMENT_TOL, MAX_NEWTON, &iters, &decr);
    }
    if (isnan(F)) {
        status = POPOPT_UNBOUNDED;
    } else {
        double mx = -HUGE_VAL;
        for (size_t i = 0; i < n; i++) mx = fmax(mx, x.lbase[i] + r[i]);
        double zs = 0;
        for (size_t i = 0; i < n; i++) zs += exp(x.lbase[i] + r[i] - mx);
        for (size_t i = 0; i < n; i++) log_pi[i] = x.lbase[i] + r[i] - mx - log(zs);
    }
    if (info) {
        info->loss = F;
        info->decrement = decr;
        info->newton = iters;
        info->passes = x.passes;
        info->z0 = x.o.z0;
        info->ms = now_ms() - t0;
    }
    free(r);
    ctx_free(&x);
    return status;
}

/* ---------------------------------------------------------------------- */
/* On a grid of the world's box                                             */

/* v at integer cell (ix, iy) of a G x G grid, extrapolated linearly from
   the two outermost cells beyond the edges */
static double at(const double *v, int G, int ix, int iy)
{
    if (ix < 0) return at(v, G, 0, iy) + ix * (at(v, G, 1, iy) - at(v, G, 0, iy));
    if (ix >= G) {
        double a = at(v, G, G - 1, iy), b = at(v, G, G - 2, iy);
        return a + (ix - (G - 1)) * (a - b);
    }
    if (iy < 0) return v[ix] + iy * (v[G + ix] - v[ix]);
    if (iy >= G) {
        double a = v[(size_t)(G - 1) * (size_t)G + (size_t)ix], b = v[(size_t)(G - 2) * (size_t)G + (size_t)ix];
        return a + (iy - (G - 1)) * (a - b);
    }
    return v[(size_t)iy * (size_t)G + (size_t)ix];
}

static void catmull_rom(double f, double *w)
{
    double f2 = f * f, f3 = f2 * f;
    w[0] = 0.5 * (-f3 + 2 * f2 - f);
    w[1] = 0.5 * (3 * f3 - 5 * f2 + 2);
    w[2] = 0.5 * (-3 * f3 + 4 * f2 + f);
    w[3] = 0.5 * (f3 - f2);
}

void popopt_resample(const double *src, int Gs, double *dst, int Gd, double cell_area)
{
    popopt_interpolate(src, Gs, dst, Gd);
    grid_normalise(dst, (size_t)Gd * (size_t)Gd, cell_area);
}

void popopt_interpolate(const double *src, int Gs, double *dst, int Gd)
{
    /* target cell centre k sits at source index (k + 1/2) Gs / Gd - 1/2 */
    for (int ky = 0; ky < Gd; ky++) {
        double ty = (ky + 0.5) * Gs / Gd - 0.5, wy[4];
        int iy = (int)floor(ty);
        catmull_rom(ty - iy, wy);
        for (int kx = 0; kx < Gd; kx++) {
            double tx = (kx + 0.5) * Gs / Gd - 0.5, wx[4], v = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
            int ix = (int)floor(tx);
            catmull_rom(tx - ix, wx);
            for (int b = 0; b < 4; b++)
                for (int a = 0; a < 4; a++) {
                    double s = at(src, Gs, ix - 1 + a, iy - 1 + b);
                    v += wy[b] * wx[a] * s;
                    lo = fmin(lo, s);
                    hi = fmax(hi, s);
                }
            /* at a cliff (a degenerate optimum dropping a region) no
               overshoot beyond the stencil's values: the cubic would ring */
            if (hi - lo > CLIFF_NATS) v = fmin(hi, fmax(lo, v));
            dst[(size_t)ky * (size_t)Gd + (size_t)kx] = v;
        }
    }
}

/* Solves on G x G (recursing to G/2 for the start when G >= 24). */
static int solve_level(const world_t *w, int G, double *out, popopt_info_t *acc)
{
    grid_t g = { 0 };
    annotator_point_t *pts = NULL;
    double *mu = NULL, *ref = NULL, *init = NULL;
    int status = POPOPT_NOMEM;
    if (grid_init(&g, G, w->p.box) != 0) goto done;
    size_t n = g.n;
    pts = malloc(n * sizeof *pts);
    mu = dalloc(n);
    ref = dalloc(n);
    if (!pts || !mu || !ref) goto done;
    annotator_points(&w->dens, w->p.ref_scale, g.xy, n, pts);
    for (size_t i = 0; i < n; i++) {
        ref[i] = pts[i].lr;
        mu[i] = params_proposal_base_is_ref(w->p.proposal) ? pts[i].lr : 0.0;
    }
    grid_normalise(ref, n, 1.0);
    grid_normalise(mu, n, 1.0);
    for (size_t i = 0; i < n; i++) {
        ref[i] = exp(ref[i]);
        mu[i] = exp(mu[i]);
    }
    /* item-wise problems cost O(n) per pass: solved directly, which also
       keeps KTO's non-convex problem on the basin its flat start leads to */
    if (G >= 24 && !objective_is_itemwise(w->obj.kind)) {
        int Gc = G / 2;
        double *coarse = dalloc((size_t)Gc * (size_t)Gc);
        if (!coarse || !(init = dalloc(n))) {
            free(coarse);
            goto done;
        }
        status = solve_level(w, Gc, coarse, acc);
        if (status == POPOPT_OK) popopt_resample(coarse, Gc, init, G, 1.0);
        free(coarse);
        if (status != POPOPT_OK) goto done;
    }
    popopt_problem_t pb = { n, pts, mu, ref, &w->ann, &w->obj, NULL };
    popopt_info_t info;
    status = popopt_solve(&pb, init, out, &info);
    acc->newton += info.newton;
    acc->passes += info.passes;
    acc->loss = info.loss;
    acc->decrement = info.decrement;
    acc->z0 = info.z0;
    if (status == POPOPT_OK) {
        double la = log(g.cell * g.cell);
        for (size_t i = 0; i < n; i++) out[i] -= la;
    }
done:
    free(pts);
    free(mu);
    free(ref);
    free(init);
    grid_free(&g);
    return status;
}

int popopt_on_grid(const world_t *w, int G, double *out, popopt_info_t *info)
{
    double t0 = now_ms();
    popopt_info_t acc;
    memset(&acc, 0, sizeof acc);
    acc.G = G;
    if (!popopt_supported(w->obj.kind)) return POPOPT_UNSUPPORTED;
    int status = solve_level(w, G, out, &acc);
    acc.ms = now_ms() - t0;
    if (info) *info = acc;
    return status;
}

/* ---------------------------------------------------------------------- */
/* From the coarse grid to the world's                                      */

#define CARRIER_MAX (3 + DENSITY_MAX_COMPONENTS)

/* The carrier features of an item: 1, log p*, log pi_ref and, for the
   mixture annotator, each annotator's log-density. Returns their count. */
static int carrier(const world_t *w, const annotator_point_t *pt, double *f)
{
    int m = 0;
    f[m++] = 1.0;
    f[m++] = pt->lp;
    f[m++] = pt->lr;
    if (annotator_row(w->ann.kind)->pooled)
        for (int k = 0; k < w->ann.n_comp; k++) f[m++] = pt->lk[k];
    return m;
}

/* Solves the m x m system A x = b (A symmetric positive definite, ridge
   added by the caller) by Gaussian elimination with partial pivoting. */
static void solve_small(double A[CARRIER_MAX][CARRIER_MAX], double *b, int m)
{
    for (int c = 0; c < m; c++) {
        int piv = c;
        for (int r = c + 1; r < m; r++)
            if (fabs(A[r][c]) > fabs(A[piv][c])) piv = r;
        for (int k = 0; k < m; k++) {
            double t = A[c][k];
            A[c][k] = A[piv][k];
            A[piv][k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int r = c + 1; r < m; r++) {
            double f = A[c][c] != 0 ? A[r][c] / A[c][c] : 0.0;
            for (int k = c; k < m; k++) A[r][k] -= f * A[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int c = m - 1; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < m; k++) s -= A[c][k] * b[k];
        b[c] = A[c][c] != 0 ? s / A[c][c] : 0.0;
    }
}

int popopt_to_world(const world_t *w, const double *coarse, int Gc, double *out)
{
    grid_t g = { 0 };
    annotator_point_t *pts = NULL;
    double *res = NULL, *fine = NULL;
    int status = POPOPT_NOMEM;
    if (grid_init(&g, Gc, w->p.box) != 0) goto done;
    size_t n = g.n, nf = w->grid.n;
    pts = malloc(n * sizeof *pts);
    res = dalloc(n);
    fine = dalloc(nf);
    if (!pts || !res || !fine) goto done;
    annotator_points(&w->dens, w->p.ref_scale, g.xy, n, pts);
    /* weighted least squares of the optimum on the carrier, weights: the
       proposal's and the optimum's masses (where the fit matters) */
    double A[CARRIER_MAX][CARRIER_MAX] = { { 0 } }, b[CARRIER_MAX] = { 0 }, f[CARRIER_MAX];
    double wsum = 0;
    int m = 0;
    for (size_t i = 0; i < n; i++) wsum += exp(pts[i].lr);
    for (size_t i = 0; i < n; i++) {
        double wt = exp(pts[i].lr) / wsum + exp(coarse[i]) * g.cell * g.cell;
        m = carrier(w, &pts[i], f);
        for (int a = 0; a < m; a++) {
            b[a] += wt * f[a] * coarse[i];
            for (int c = 0; c < m; c++) A[a][c] += wt * f[a] * f[c];
        }
    }
    for (int a = 0; a < m; a++) A[a][a] += 1e-9 * (A[a][a] + 1e-300); /* ridge: collinear features */
    solve_small(A, b, m);
    /* interpolate only the residual, which is smooth where p* is not */
    for (size_t i = 0; i < n; i++) {
        carrier(w, &pts[i], f);
        double fit = 0;
        for (int a = 0; a < m; a++) fit += b[a] * f[a];
        res[i] = coarse[i] - fit;
    }
    popopt_interpolate(res, Gc, fine, w->grid.G);
    for (size_t i = 0; i < nf; i++) {
        carrier(w, &w->pts[i], f);
        double fit = 0;
        for (int a = 0; a < m; a++) fit += b[a] * f[a];
        out[i] = fit + fine[i];
    }
    grid_normalise(out, nf, w->cell_area);
    status = POPOPT_OK;
done:
    free(pts);
    free(res);
    free(fine);
    grid_free(&g);
    return status;
}
