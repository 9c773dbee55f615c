/* Tests for the density module: the catalogue, the normalisation of every
   component, and exact sampling of the box-truncated densities checked
   against their log-densities on a grid.

   Sample-versus-density checks bin n samples into BINS x BINS cells of the
   box and compare the counts O_c with E_c = n m_c, where m_c is the cell's
   mass under the truncated density, integrated by the midpoint rule on a
   sub x sub grid inside each cell (sub = 32, so cell edges, and the
   checkerboard's edges, are sub-grid edges). The quadrature error of m_c is
   bounded by its change from sub = 16 to sub = 32: the midpoint error falls
   as h^2, so that change is about 3 times the error that remains. Each
   cell must satisfy
       |O_c - E_c| <= 5 sqrt(n m_c (1 - m_c)) + n |m_c - m_c(16)| + 5
   (5 standard errors, the quadrature slack, and 5 counts so that cells with
   E_c << 1 are not judged on a normal approximation), and the chi-square
   statistic over cells with E_c >= 5 (the rest pooled into one bin) must
   stay below df + 5 sqrt(2 df) + sum_c slack_c^2 / E_c, i.e. 5 standard
   deviations above its mean plus the largest bias quadrature errors could
   add. The tests also assert that the quadrature slack is below a quarter
   of a standard error in every cell that counts (so the real quadrature
   error, about a third of the slack, is below 0.1 standard error and the
   bounds are not loosened by it), and that the same machinery rejects
   samples of a different density. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/density.h"
#include "pbde/rng.h"

#define BOX 6.0
#define BINS 12
#define NSAMP 200000
#define GRID 64

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    const density_t *d; /* NULL: the reference Gaussian */
    double ref_scale;
} target_t;

static void target_log_prob(const target_t *t, const float *xy, size_t n, double *out)
{
    if (t->d)
        density_log_prob(t->d, xy, n, out);
    else
        density_ref_log_prob(t->ref_scale, xy, n, out);
}

/* The centres of an nx x ny grid over [x0, x1] x [y0, y1], row-major from
   (x0, y0): xy(nx * ny, 2). */
static float *grid_centres(int nx, int ny, double x0, double x1, double y0, double y1)
{
    float *xy = malloc(sizeof(float) * 2 * (size_t)nx * (size_t)ny);
    assert_non_null(xy);
    double hx = (x1 - x0) / nx, hy = (y1 - y0) / ny;
    for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++) {
            xy[2 * ((size_t)j * nx + i)] = (float)(x0 + (i + 0.5) * hx);
            xy[2 * ((size_t)j * nx + i) + 1] = (float)(y0 + (j + 0.5) * hy);
        }
    return xy;
}

static double *alloc_doubles(size_t n)
{
    double *p = malloc(sizeof(double) * n);
    assert_non_null(p);
    return p;
}

/* Turns log-weights l(n) into probabilities p(n) summing to 1 (log-sum-exp). */
static void normalise_logs(const double *l, size_t n, double *p)
{
    double m = -HUGE_VAL, s = 0.0;
    for (size_t i = 0; i < n; i++)
        if (l[i] > m) m = l[i];
    for (size_t i = 0; i < n; i++) s += exp(l[i] - m);
    for (size_t i = 0; i < n; i++) p[i] = exp(l[i] - m) / s;
}

/* mass(BINS * BINS): cell masses of the target truncated to [-box, box]^2,
   each cell integrated by the midpoint rule on a sub x sub grid. */
static void coarse_masses(const target_t *t, double box, int sub, double *mass)
{
    int m = BINS * sub;
    size_t n = (size_t)m * m;
    float *xy = grid_centres(m, m, -box, box, -box, box);
    double *l = alloc_doubles(n), *p = alloc_doubles(n);
    target_log_prob(t, xy, n, l);
    normalise_logs(l, n, p);
    memset(mass, 0, sizeof(double) * BINS * BINS);
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) mass[(j / sub) * BINS + i / sub] += p[(size_t)j * m + i];
    free(xy);
    free(l);
    free(p);
}

static int bin_of(float v, double box)
{
    int b = (int)floor(((double)v + box) / (2.0 * box / BINS));
    return b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
}

static void bin_samples(const float *xy, size_t n, double box, size_t *count)
{
    memset(count, 0, sizeof(size_t) * BINS * BINS);
    for (size_t i = 0; i < n; i++)
        count[bin_of(xy[2 * i + 1], box) * BINS + bin_of(xy[2 * i], box)]++;
}

typedef struct {
    double chi2, chi2_max; /* statistic and threshold */
    double worst;          /* max over cells of |O - E| / allowed deviation */
    double quad;           /* max over cells with E >= 5 of quadrature slack / standard error */
    int df;
    int pass;
} fit_t;

/* Compares counts(BINS^2) of n samples with masses m(BINS^2) whose
   quadrature error is bounded by |m - m_coarse|. */
static fit_t fit_counts(const size_t *count, size_t n, const double *m, const double *m_coarse)
{
    fit_t f = { 0.0, 0.0, 0.0, 0.0, -1, 1 };
    double rest_o = 0.0, rest_e = 0.0, bias = 0.0;
    for (int c = 0; c < BINS * BINS; c++) {
        double o = (double)count[c], e = (double)n * m[c];
        double se = sqrt((double)n * m[c] * (1.0 - m[c]));
        double slack = (double)n * fabs(m[c] - m_coarse[c]);
        double r = fabs(o - e) / (5.0 * se + slack + 5.0);
        if (r > f.worst) f.worst = r;
        if (e >= 5.0) {
            f.chi2 += (o - e) * (o - e) / e;
            f.df++;
            bias += slack * slack / e;
            if (slack / se > f.quad) f.quad = slack / se;
        } else {
            rest_o += o;
            rest_e += e;
        }
    }
    if (rest_e >= 5.0) {
        f.chi2 += (rest_o - rest_e) * (rest_o - rest_e) / rest_e;
        f.df++;
    }
    f.chi2_max = f.df + 5.0 * sqrt(2.0 * f.df) + bias;
    f.pass = f.worst <= 1.0 && f.chi2 <= f.chi2_max;
    return f;
}

/* Tests samples xy(n, 2), drawn in [-box, box]^2, against the target. */
static fit_t check_samples(const target_t *t, double box, const float *xy, size_t n)
{
    double m32[BINS * BINS], m16[BINS * BINS];
    size_t count[BINS * BINS];
    coarse_masses(t, box, 32, m32);
    coarse_masses(t, box, 16, m16);
    bin_samples(xy, n, box, count);
    return fit_counts(count, n, m32, m16);
}

static void report(const char *what, fit_t f)
{
    print_message("  %-26s chi2 %8.1f (max %6.1f, df %3d)  worst cell %.2f  quad/se %.3f\n", what,
                  f.chi2, f.chi2_max, f.df, f.worst, f.quad);
}

/* Integral of exp(l) over an nx x ny grid of cells of area cell. */
static double integrate(const double *l, size_t n, double cell)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += exp(l[i]);
    return s * cell;
}

/* mass(n_comp): each component's integral over [-box, box]^2 by the
   midpoint rule on an m x m grid. */
static void box_masses(const density_t *d, double box, int m, double *mass)
{
    size_t n = (size_t)m * m;
    float *xy = grid_centres(m, m, -box, box, -box, box);
    double *l = alloc_doubles(n), h = 2.0 * box / m;
    for (int k = 0; k < d->n_comp; k++) {
        density_component_log_prob(d, k, xy, n, l);
        mass[k] = integrate(l, n, h * h);
    }
    free(xy);
    free(l);
}

/* The components' shares of the truncated density: share(n_comp). */
static void truncated_shares(const density_t *d, double box, int m, double *share)
{
    double mass[DENSITY_MAX_COMPONENTS], z = 0.0;
    box_masses(d, box, m, mass);
    for (int k = 0; k < d->n_comp; k++) z += d->comp[k].weight * mass[k];
    for (int k = 0; k < d->n_comp; k++) share[k] = d->comp[k].weight * mass[k] / z;
}

/* Component indices comp(n) must occur with the truncated shares. */
static void check_components(const density_t *d, double box, const int *comp, size_t n)
{
    double s_fine[DENSITY_MAX_COMPONENTS], s_coarse[DENSITY_MAX_COMPONENTS];
    size_t count[DENSITY_MAX_COMPONENTS] = { 0 };
    truncated_shares(d, box, 384, s_fine);
    truncated_shares(d, box, 192, s_coarse);
    for (size_t i = 0; i < n; i++) {
        assert_true(comp[i] >= 0 && comp[i] < d->n_comp);
        count[comp[i]]++;
    }
    for (int k = 0; k < d->n_comp; k++) {
        double e = (double)n * s_fine[k];
        double se = sqrt((double)n * s_fine[k] * (1.0 - s_fine[k]));
        double slack = (double)n * fabs(s_fine[k] - s_coarse[k]);
        if (fabs((double)count[k] - e) > 5.0 * se + slack + 5.0)
            fail_msg("%s component %d: %zu samples, expected %.1f (se %.1f, slack %.2f)",
                     density_name(d->id), k, count[k], e, se, slack);
    }
}

static void assert_in_box(const float *xy, size_t n, double box)
{
    for (size_t i = 0; i < 2 * n; i++) assert_true(fabs((double)xy[i]) <= box);
}

/* ------------------------------------------------------------------ */
/* Catalogue                                                            */
/* ------------------------------------------------------------------ */

static void test_catalogue(void **state)
{
    (void)state;
    int n = density_count();
    assert_true(n >= 9);
    assert_string_equal(density_name(0), "two-gauss");
    const char *expected[] = { "two-gauss", "three-gauss", "ring", "moons", "spiral",
                               "checkerboard", "pinwheel", "banana", "eight-gauss" };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        assert_true(density_find(expected[i]) >= 0);
    for (int id = 0; id < n; id++) {
        const char *name = density_name(id);
        assert_non_null(name);
        assert_true(strlen(name) > 0);
        assert_int_equal(density_find(name), id);
        const char *desc = density_describe(id);
        assert_non_null(desc);
        assert_true(strlen(desc) > 0);
        assert_null(strchr(desc, '\n'));
        for (int other = 0; other < id; other++) assert_string_not_equal(name, density_name(other));
    }
    assert_null(density_name(-1));
    assert_null(density_name(n));
    assert_null(density_describe(-1));
    assert_null(density_describe(n));
    assert_int_equal(density_find("no-such-density"), -1);
    assert_int_equal(density_find(""), -1);
    assert_int_equal(density_find("Two-Gauss"), -1);
    assert_int_equal(density_find(NULL), -1);

    density_t d;
    memset(&d, 0x5a, sizeof d);
    assert_int_equal(density_init(&d, n), -1);
    assert_int_equal(density_init(&d, -1), -1);
    assert_int_equal(d.id, 0x5a5a5a5a); /* left unchanged */
}

/* Structural invariants of every entry: weights sum to 1, atoms are
   contiguous and consistent, means stay well inside the box, and atoms
   along a curve are closer than their scale (so the curve is smooth). */
static void test_catalogue_structure(void **state)
{
    (void)state;
    for (int id = 0; id < density_count(); id++) {
        density_t d;
        assert_int_equal(density_init(&d, id), 0);
        assert_int_equal(d.id, id);
        assert_true(d.n_comp >= 1 && d.n_comp <= DENSITY_MAX_COMPONENTS);
        assert_true(d.n_atoms >= 0 && d.n_atoms <= DENSITY_MAX_ATOMS);
        double wsum = 0.0;
        int next_atom = 0;
        for (int k = 0; k < d.n_comp; k++) {
            const density_comp_t *c = &d.comp[k];
            assert_true(c->weight > 0.0);
            wsum += c->weight;
            if (c->kind != DCOMP_ATOMS) continue;
            assert_int_equal(c->atom_first, next_atom);
            assert_true(c->atom_count >= 1);
            next_atom += c->atom_count;
            double asum = 0.0;
            for (int j = c->atom_first; j < c->atom_first + c->atom_count; j++) {
                const density_atom_t *a = &d.atoms[j];
                assert_true(a->w > 0.0 && a->sx > 0.0 && a->sy > 0.0);
                assert_true(fabs(a->mx) <= 5.0 && fabs(a->my) <= 5.0);
                asum += a->w;
                if (j > c->atom_first) {
                    const density_atom_t *b = &d.atoms[j - 1];
                    double dist = hypot(a->mx - b->mx, a->my - b->my);
                    double scale = fmin(fmax(a->sx, a->sy), fmax(b->sx, b->sy));
                    assert_true(dist < scale);
                }
            }
            assert_true(fabs(asum - 1.0) < 1e-12);
        }
        assert_int_equal(next_atom, d.n_atoms);
        assert_true(fabs(wsum - 1.0) < 1e-12);
    }
}

static void test_two_gauss_parameters(void **state)
{
    (void)state;
    density_t d;
    assert_int_equal(density_find("two-gauss"), 0);
    assert_int_equal(density_init(&d, 0), 0);
    assert_int_equal(d.n_comp, 2);
    assert_int_equal(d.n_atoms, 2);
    const double want[2][6] = { { 0.4, -2.0, -2.0, 0.5, 0.5, 0.0 },
                                { 0.6, 2.0, 1.5, 1.0, 0.6, 0.0 } };
    for (int k = 0; k < 2; k++) {
        const density_comp_t *c = &d.comp[k];
        assert_int_equal(c->kind, DCOMP_ATOMS);
        assert_int_equal(c->atom_first, k);
        assert_int_equal(c->atom_count, 1);
        const density_atom_t *a = &d.atoms[k];
        assert_true(c->weight == want[k][0]);
        assert_true(a->mx == want[k][1] && a->my == want[k][2]);
        assert_true(a->sx == want[k][3] && a->sy == want[k][4]);
        assert_true(a->angle == want[k][5] && a->w == 1.0);
    }
    /* and the log-density is the closed form */
    const float xy[] = { -2.0f, -2.0f, 2.0f, 1.5f, 0.25f, -1.0f, 5.5f, -5.5f };
    double lp[4];
    density_log_prob(&d, xy, 4, lp);
    for (int i = 0; i < 4; i++) {
        double x = (double)xy[2 * i], y = (double)xy[2 * i + 1];
        double p0 = exp(-0.5 * ((x + 2) * (x + 2) + (y + 2) * (y + 2)) / 0.25) / (2 * M_PI * 0.25);
        double p1 = exp(-0.5 * ((x - 2) * (x - 2) / 1.0 + (y - 1.5) * (y - 1.5) / 0.36)) /
                    (2 * M_PI * 0.6);
        assert_true(fabs(lp[i] - log(0.4 * p0 + 0.6 * p1)) < 1e-12);
    }
}

/* The checker and banana components have closed forms; check a few points. */
static void test_closed_forms(void **state)
{
    (void)state;
    density_t d;
    assert_int_equal(density_init(&d, density_find("checkerboard")), 0);
    assert_int_equal(d.n_comp, 1);
    assert_int_equal(d.comp[0].kind, DCOMP_CHECKER);
    double f = d.comp[0].p[2];
    double c = 1.0 / (12.0 + 0.5 * sqrt(2.0 * M_PI)); /* the 1D floor inside [-6, 6] */
    double dark = (1.0 - f) / 32.0 + f * c * c, light = f * c * c;
    const float cxy[] = { -3.0f, -3.0f, -1.0f, -3.0f, 1.0f, 1.0f, 3.0f, -1.0f,
                          -3.9f, 3.9f,  4.5f,  0.0f,  7.0f, 0.0f, -7.0f, 8.0f };
    const double cwant[] = { dark, light, dark, dark, light, light,
                             light * exp(-2.0), light * exp(-2.0 - 8.0) };
    double lp[8];
    density_log_prob(&d, cxy, 8, lp);
    for (int i = 0; i < 8; i++) assert_true(fabs(lp[i] - log(cwant[i])) < 1e-12);

    assert_int_equal(density_init(&d, density_find("banana")), 0);
    assert_int_equal(d.n_comp, 1);
    assert_int_equal(d.comp[0].kind, DCOMP_BANANA);
    const double *p = d.comp[0].p;
    const float bxy[] = { 0.0f, -2.2f, 1.5f, 0.0f, -3.0f, 1.0f, 4.0f, 5.0f };
    density_log_prob(&d, bxy, 4, lp);
    for (int i = 0; i < 4; i++) {
        double x = (double)bxy[2 * i], y = (double)bxy[2 * i + 1];
        double zx = x / p[0], zy = (y - p[3] - p[2] * x * x) / p[1];
        double want = -0.5 * (zx * zx + zy * zy) - log(2.0 * M_PI * p[0] * p[1]);
        assert_true(fabs(lp[i] - want) < 1e-12);
    }

    /* the ring is smooth along its circle */
    assert_int_equal(density_init(&d, density_find("ring")), 0);
    float rxy[2 * 720];
    double rl[720];
    for (int i = 0; i < 720; i++) {
        rxy[2 * i] = (float)(3.5 * cos(2.0 * M_PI * i / 720));
        rxy[2 * i + 1] = (float)(3.5 * sin(2.0 * M_PI * i / 720));
    }
    density_log_prob(&d, rxy, 720, rl);
    double lo = rl[0], hi = rl[0];
    for (int i = 1; i < 720; i++) {
        lo = fmin(lo, rl[i]);
        hi = fmax(hi, rl[i]);
    }
    assert_true(hi - lo < 1e-5); /* float rounding of the points, not ripple */
}

/* ------------------------------------------------------------------ */
/* Normalisation                                                        */
/* ------------------------------------------------------------------ */

/* Every component integrates to 1 over a region holding all but ~1e-9 of
   its mass. The midpoint rule on a grid finer than a third of the smallest
   atom scale is spectrally accurate for Gaussians (error ~exp(-2 pi^2
   (scale / h)^2)), and exact for the checkerboard's flat pieces, whose
   edges are grid edges; the floor's Gaussian shoulders join it with zero
   slope, so their midpoint error is far below the tolerance. */
static void test_components_normalised(void **state)
{
    (void)state;
    const double h = 0.05;
    for (int id = 0; id < density_count(); id++) {
        density_t d;
        assert_int_equal(density_init(&d, id), 0);
        for (int k = 0; k < d.n_comp; k++) {
            double x0 = -9.0, x1 = 9.0, y0 = -9.0, y1 = 9.0;
            if (d.comp[k].kind == DCOMP_BANANA) {
                /* |x| <= 9 is 6 s1; y | x stays within 8 s2 of [c, c + 81 b] */
                y0 = d.comp[k].p[3] - 8.0 * d.comp[k].p[1];
                y1 = d.comp[k].p[3] + 81.0 * d.comp[k].p[2] + 8.0 * d.comp[k].p[1];
            }
            int nx = (int)((x1 - x0) / h + 0.5), ny = (int)((y1 - y0) / h + 0.5);
            size_t n = (size_t)nx * ny;
            float *xy = grid_centres(nx, ny, x0, x0 + nx * h, y0, y0 + ny * h);
            double *l = alloc_doubles(n);
            density_component_log_prob(&d, k, xy, n, l);
            double mass = integrate(l, n, h * h);
            if (fabs(mass - 1.0) > 1e-6)
                fail_msg("%s component %d integrates to %.9f", density_name(id), k, mass);
            free(xy);
            free(l);
        }
    }
}

/* log p = log sum_k w_k p_k pointwise (relative 1e-12 on p), on the world's
   grid and on random points beyond the box; the grid is finite and
   normalises to cell masses summing to 1. */
static void test_mixture_of_components(void **state)
{
    (void)state;
    const size_t ng = (size_t)GRID * GRID, nr = 2000, n = ng + nr;
    float *xy = malloc(sizeof(float) * 2 * n);
    assert_non_null(xy);
    float *g = grid_centres(GRID, GRID, -BOX, BOX, -BOX, BOX);
    memcpy(xy, g, sizeof(float) * 2 * ng);
    free(g);
    rng_t r = rng_stream(11, RNG_STREAM_TEST);
    for (size_t i = 0; i < 2 * nr; i++) xy[2 * ng + i] = (float)(16.0 * rng_uniform(&r) - 8.0);
    double *lp = alloc_doubles(n), *lk = alloc_doubles(n * DENSITY_MAX_COMPONENTS);
    double *p = alloc_doubles(ng);
    for (int id = 0; id < density_count(); id++) {
        density_t d;
        assert_int_equal(density_init(&d, id), 0);
        density_log_prob(&d, xy, n, lp);
        for (int k = 0; k < d.n_comp; k++) density_component_log_prob(&d, k, xy, n, lk + k * n);
        for (size_t i = 0; i < n; i++) {
            assert_true(isfinite(lp[i]));
            double m = -HUGE_VAL, s = 0.0;
            for (int k = 0; k < d.n_comp; k++) m = fmax(m, log(d.comp[k].weight) + lk[k * n + i]);
            for (int k = 0; k < d.n_comp; k++) s += exp(log(d.comp[k].weight) + lk[k * n + i] - m);
            if (fabs(m + log(s) - lp[i]) > 1e-12)
                fail_msg("%s at (%g, %g): %.17g vs %.17g", density_name(id), (double)xy[2 * i],
                         (double)xy[2 * i + 1], m + log(s), lp[i]);
        }
        normalise_logs(lp, ng, p);
        double total = 0.0;
        for (size_t i = 0; i < ng; i++) total += p[i];
        assert_true(fabs(total - 1.0) < 1e-6);
    }
    free(xy);
    free(lp);
    free(lk);
    free(p);
}

/* ------------------------------------------------------------------ */
/* Sampling                                                             */
/* ------------------------------------------------------------------ */

static void sample_and_check(int id, double box, uint64_t sub)
{
    density_t d;
    assert_int_equal(density_init(&d, id), 0);
    float *xy = malloc(sizeof(float) * 2 * NSAMP);
    int *comp = malloc(sizeof(int) * NSAMP);
    assert_non_null(xy);
    assert_non_null(comp);
    rng_t r = rng_substream(2024, RNG_STREAM_TEST, sub);
    density_sample(&d, box, &r, xy, comp, NSAMP);
    assert_in_box(xy, NSAMP, box);
    target_t t = { &d, 0.0 };
    fit_t f = check_samples(&t, box, xy, NSAMP);
    char what[64];
    snprintf(what, sizeof what, "%s (box %g)", density_name(id), box);
    report(what, f);
    assert_true(f.quad <= 0.25);
    if (!f.pass) fail_msg("%s: samples do not match the density", what);
    check_components(&d, box, comp, NSAMP);
    free(xy);
    free(comp);
}

static void test_sampling_matches_density(void **state)
{
    (void)state;
    for (int id = 0; id < density_count(); id++) sample_and_check(id, BOX, (uint64_t)id);
    /* boxes that cut into the mass: rejection must re-pick the component */
    sample_and_check(density_find("eight-gauss"), 4.5, 100);
    sample_and_check(density_find("two-gauss"), 3.0, 101);
}

/* The same checks reject samples of another density. */
static void test_sampling_check_discriminates(void **state)
{
    (void)state;
    density_t two, ring, tilted;
    assert_int_equal(density_init(&two, density_find("two-gauss")), 0);
    assert_int_equal(density_init(&ring, density_find("ring")), 0);
    tilted = two;
    tilted.comp[0].weight = 0.42; /* a 2% shift of mass between the components */
    tilted.comp[1].weight = 0.58;
    float *xy = malloc(sizeof(float) * 2 * NSAMP);
    assert_non_null(xy);
    rng_t r = rng_substream(2024, RNG_STREAM_TEST, 200);
    density_sample(&two, BOX, &r, xy, NULL, NSAMP);
    target_t t_ring = { &ring, 0.0 }, t_tilted = { &tilted, 0.0 }, t_two = { &two, 0.0 };
    fit_t f = check_samples(&t_ring, BOX, xy, NSAMP);
    report("two-gauss vs ring", f);
    assert_false(f.pass);
    assert_true(f.chi2 > f.chi2_max && f.worst > 1.0);
    f = check_samples(&t_tilted, BOX, xy, NSAMP);
    report("two-gauss vs 0.42/0.58", f);
    assert_false(f.pass);
    f = check_samples(&t_two, BOX, xy, NSAMP);
    report("two-gauss vs itself", f);
    assert_true(f.pass);

    /* the reference Gaussian: scale 3 against scale 3.1 */
    density_ref_sample(3.0, BOX, &r, xy, NSAMP);
    target_t t_ref = { NULL, 3.1 };
    f = check_samples(&t_ref, BOX, xy, NSAMP);
    report("ref 3 vs ref 3.1", f);
    assert_false(f.pass);
    free(xy);
}

static void test_reference_sampling(void **state)
{
    (void)state;
    const double cases[][2] = { { 3.0, 6.0 }, { 2.0, 3.0 }, { 1.0, 6.0 } }; /* scale, box */
    float *xy = malloc(sizeof(float) * 2 * NSAMP);
    assert_non_null(xy);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rng_t r = rng_substream(2024, RNG_STREAM_TEST, 300 + c);
        density_ref_sample(cases[c][0], cases[c][1], &r, xy, NSAMP);
        assert_in_box(xy, NSAMP, cases[c][1]);
        target_t t = { NULL, cases[c][0] };
        fit_t f = check_samples(&t, cases[c][1], xy, NSAMP);
        char what[64];
        snprintf(what, sizeof what, "ref scale %g box %g", cases[c][0], cases[c][1]);
        report(what, f);
        assert_true(f.quad <= 0.25);
        if (!f.pass) fail_msg("%s: samples do not match the density", what);
    }
    free(xy);

    /* the untruncated log-density */
    const float p[] = { 0.0f, 0.0f, 1.0f, -2.0f };
    double l[2];
    density_ref_log_prob(2.0, p, 2, l);
    assert_true(fabs(l[0] + log(2.0 * M_PI * 4.0)) < 1e-12);
    assert_true(fabs(l[1] + log(2.0 * M_PI * 4.0) + 5.0 / 8.0) < 1e-12);
}

/* Same stream, same samples; the stream advances the same way; comp is
   optional and does not change the draws; another seed differs. */
static void test_determinism(void **state)
{
    (void)state;
    enum { N = 4096 };
    static float a[2 * N], b[2 * N];
    static int ca[N], cb[N];
    for (int id = 0; id < density_count(); id++) {
        density_t d;
        assert_int_equal(density_init(&d, id), 0);
        rng_t r1 = rng_stream(7, RNG_STREAM_POINTS), r2 = r1;
        density_sample(&d, BOX, &r1, a, ca, N);
        density_sample(&d, BOX, &r2, b, cb, N);
        assert_memory_equal(a, b, sizeof a);
        assert_memory_equal(ca, cb, sizeof ca);
        assert_true(r1.key == r2.key && r1.ctr == r2.ctr && r1.ctr >= 2 * N);
        rng_t r3 = rng_stream(7, RNG_STREAM_POINTS);
        density_sample(&d, BOX, &r3, b, NULL, N);
        assert_memory_equal(a, b, sizeof a);
        rng_t r4 = rng_stream(8, RNG_STREAM_POINTS);
        density_sample(&d, BOX, &r4, b, NULL, N);
        assert_memory_not_equal(a, b, sizeof a);
    }
    rng_t r1 = rng_stream(7, RNG_STREAM_POINTS), r2 = r1;
    density_ref_sample(3.0, BOX, &r1, a, N);
    density_ref_sample(3.0, BOX, &r2, b, N);
    assert_memory_equal(a, b, sizeof a);
    assert_true(r1.ctr == r2.ctr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_catalogue_structure),
        cmocka_unit_test(test_two_gauss_parameters),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_components_normalised),
        cmocka_unit_test(test_mixture_of_components),
        cmocka_unit_test(test_sampling_matches_density),
        cmocka_unit_test(test_sampling_check_discriminates),
        cmocka_unit_test(test_reference_sampling),
        cmocka_unit_test(test_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
