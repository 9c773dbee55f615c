/* Tests of the MLP: parameter layout, fan-in initialisation, the forward
   pass against an independent double-precision network, the backward pass
   against central finite differences of that double network, for every
   kernel set, and the blocking of mlp_eval. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/kernels.h"
#include "pbde/mlp.h"
#include "pbde/rng.h"

#define MAX_WIDTH 128

/* ------------------------------------------------------------ helpers */

static float uniform(rng_t *r, double lo, double hi)
{
    return (float)(lo + (hi - lo) * rng_uniform(r));
}

static float *floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    assert_non_null(p);
    return p;
}

static int layer_in(mlp_shape_t s, int l)
{
    return l == 0 ? 2 : s.width;
}

static int layer_out(mlp_shape_t s, int l)
{
    return l == s.depth ? 1 : s.width;
}

/* The kernel sets to test: every set this machine runs (AVX-512 and AVX2
   on x86-64 CPUs that have them, NEON on AArch64, SIMD128 in a wasm
   build) and the scalar one. */
static int kernel_sets(const kernels_t *k[KERNELS_MAX])
{
    const int n = kernels_available(k);
    if (n == 1)
        print_message("no SIMD kernels (AVX-512, AVX2+FMA, NEON or wasm SIMD128) in this CPU "
                      "or build: testing the scalar kernels only\n");
    return n;
}

/* Initialised parameters with every bias, the output's included, drawn
   from U(-0.3, 0.3), so no part of the backward pass sees zero biases. */
static float *make_params(mlp_shape_t s, uint64_t seed)
{
    float *th = floats(mlp_n_params(s));
    rng_t r = rng_stream(seed, RNG_STREAM_INIT);
    mlp_init(th, s, &r, 0, 1.0);
    for (int l = 0; l <= s.depth; l++) {
        float *b = th + mlp_offset_b(s, l);
        for (int o = 0; o < layer_out(s, l); o++) b[o] = uniform(&r, -0.3, 0.3);
    }
    return th;
}

static float *make_points(size_t n, uint64_t seed)
{
    float *xy = floats(2 * n);
    rng_t r = rng_stream(seed, RNG_STREAM_POINTS);
    for (size_t j = 0; j < 2 * n; j++) xy[j] = uniform(&r, -2.0, 2.0);
    return xy;
}

/* ------------------------------------------ the double-precision network */

/* The network at one point, computed in double from the parameters th
   (the layout documented in mlp.h, checked by test_layout). */
static double ref_forward(const double *th, mlp_shape_t s, double x, double y)
{
    double a[MAX_WIDTH], z[MAX_WIDTH];
    a[0] = x;
    a[1] = y;
    for (int l = 0; l <= s.depth; l++) {
        const int ni = layer_in(s, l), no = layer_out(s, l);
        const double *W = th + mlp_offset_w(s, l), *b = th + mlp_offset_b(s, l);
        for (int o = 0; o < no; o++) {
            double t = b[o];
            for (int i = 0; i < ni; i++) t += W[o * ni + i] * a[i];
            z[o] = l < s.depth ? tanh(t) : t;
        }
        memcpy(a, z, (size_t)no * sizeof a[0]);
    }
    return a[0];
}

/* sum_p c[p] * network(xy[p]) in double. */
static double ref_loss(const double *th, mlp_shape_t s, const float *xy, const float *c, int n)
{
    double L = 0.0;
    for (int p = 0; p < n; p++)
        L += (double)c[p] * ref_forward(th, s, (double)xy[2 * p], (double)xy[2 * p + 1]);
    return L;
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof(double));
    assert_non_null(d);
    for (size_t j = 0; j < n; j++) d[j] = (double)v[j];
    return d;
}

/* -------------------------------------------------------------- layout */

static void test_layout(void **state)
{
    (void)state;
    const mlp_shape_t big = { 64, 3 };
    assert_int_equal(mlp_n_params(big), 2 * 64 + 64 + 2 * (64 * 64 + 64) + 64 + 1);

    /* each layer's W then b, back to back, from offset 0 */
    const mlp_shape_t shapes[] = { { 5, 2 }, { 64, 3 }, { 1, 1 }, { 3, 4 } };
    for (size_t j = 0; j < sizeof shapes / sizeof shapes[0]; j++) {
        const mlp_shape_t s = shapes[j];
        size_t off = 0;
        for (int l = 0; l <= s.depth; l++) {
            const size_t ni = (size_t)layer_in(s, l), no = (size_t)layer_out(s, l);
            assert_int_equal(mlp_offset_w(s, l), off);
            assert_int_equal(mlp_offset_b(s, l), off + no * ni);
            off += no * ni + no;
        }
        assert_int_equal(mlp_n_params(s), off);
    }
    assert_int_equal(mlp_n_params((mlp_shape_t){ 5, 2 }), 5 * 3 + 5 * 6 + 6);
}

/* ------------------------------------------------------ initialisation */

static void test_init_fan_in(void **state)
{
    (void)state;
    const mlp_shape_t s = { 64, 3 };
    const size_t np = mlp_n_params(s);
    float *a = floats(np), *b = floats(np), *c = floats(np);
    rng_t r1 = rng_stream(7, RNG_STREAM_INIT), r2 = rng_stream(7, RNG_STREAM_INIT);
    rng_t r3 = rng_stream(8, RNG_STREAM_INIT);
    const double range = 6.0;
    mlp_init(a, s, &r1, 0, range);
    mlp_init(b, s, &r2, 0, range);
    mlp_init(c, s, &r3, 0, range);
    assert_memory_equal(a, b, np * sizeof(float)); /* same seed, same parameters */
    assert_memory_not_equal(a, c, np * sizeof(float));

    for (int l = 0; l <= s.depth; l++) {
        const int ni = layer_in(s, l), no = layer_out(s, l);
        const size_t nw = (size_t)ni * (size_t)no;
        const double lim = 1.0 / sqrt((double)ni);
        const double blim = l == 0 ? range * lim : lim;
        const float *W = a + mlp_offset_w(s, l), *bias = a + mlp_offset_b(s, l);
        double sum = 0.0, sum2 = 0.0, maxabs = 0.0;
        for (size_t j = 0; j < nw; j++) {
            const double w = (double)W[j];
            assert_true(fabs(w) <= lim);
            sum += w;
            sum2 += w * w;
            maxabs = fmax(maxabs, fabs(w));
        }
        double bsum = 0.0, bmax = 0.0;
        for (int o = 0; o < no; o++) {
            assert_true(fabs((double)bias[o]) <= blim);
            bsum += (double)bias[o];
            bmax = fmax(bmax, fabs((double)bias[o]));
        }
        assert_true(fabs(bsum / no) <= 5.0 * blim / sqrt(3.0 * no));
        /* P(max |b| < 0.8 blim) = 0.8^64 < 1e-6: the first layer's biases
           really spread over the input range */
        if (no >= 64) assert_true(bmax >= 0.8 * blim);
        /* U(-lim, lim): mean 0 with sd lim/sqrt(3); E w^2 = lim^2/3 with
           sd of w^2 = lim^2 sqrt(4/45). Five standard errors each. */
        const double n = (double)nw;
        assert_true(fabs(sum / n) <= 5.0 * lim / sqrt(3.0 * n));
        assert_true(fabs(sum2 / n - lim * lim / 3.0) <= 5.0 * lim * lim * sqrt(4.0 / 45.0 / n));
        /* P(max |w| < 0.9 lim) = 0.9^n: below 1e-5 once n >= 110 */
        if (nw >= 110) assert_true(maxabs >= 0.9 * lim);
    }
    free(a);
    free(b);
    free(c);
}

static void test_zero_last(void **state)
{
    (void)state;
    const mlp_shape_t s = { 64, 3 };
    const int n = 77;
    float *th = floats(mlp_n_params(s)), *out = floats((size_t)n);
    float *xy = make_points((size_t)n, 3);
    rng_t r = rng_stream(9, RNG_STREAM_INIT);
    mlp_init(th, s, &r, 1, 1.0);
    /* the hidden layers are still random */
    int nonzero = 0;
    for (size_t j = 0; j < mlp_offset_w(s, s.depth); j++) nonzero += th[j] != 0.0f;
    assert_true(nonzero > 1000);
    for (size_t j = mlp_offset_w(s, s.depth); j < mlp_n_params(s); j++) assert_true(th[j] == 0.0f);

    const kernels_t *k[KERNELS_MAX];
    const int nk = kernel_sets(k);
    mlp_work_t *w = mlp_work_create(s, 128);
    assert_non_null(w);
    for (int j = 0; j < nk; j++) {
        for (int p = 0; p < n; p++) out[p] = 1.0f;
        mlp_forward(k[j], w, out, xy, th, n);
        for (int p = 0; p < n; p++) assert_true(out[p] == 0.0f);
    }
    mlp_work_destroy(w);
    free(th);
    free(out);
    free(xy);
}

/* ------------------------------------------------------------- work area */

static void test_work_area(void **state)
{
    (void)state;
    const mlp_shape_t s = { 5, 2 };
    assert_null(mlp_work_create(s, 0));
    assert_null(mlp_work_create(s, -3));
    assert_null(mlp_work_create((mlp_shape_t){ 0, 2 }, 10));
    assert_null(mlp_work_create((mlp_shape_t){ 5, 0 }, 10));
    mlp_work_t *w = mlp_work_create(s, 13);
    assert_non_null(w);
    assert_int_equal(mlp_work_capacity(w), 13);
    mlp_work_destroy(w);
    mlp_work_destroy(NULL);
}

/* ----------------------------------------------------------- forward */

/* |float - double| <= 1e-5 + 1e-5 |ref|: the float network rounds each
   of a few thousand operations at 2^-24 relative and each tanh within
   1e-6; through fan-in-scale weights these errors stay ~1e-6 at the O(1)
   output. A wrong weight or index moves the output by ~0.01 or more. */
static void check_forward(mlp_shape_t s, int n, int cap, uint64_t seed)
{
    float *th = make_params(s, seed), *xy = make_points((size_t)n, seed);
    float *out = floats((size_t)n);
    double *thd = to_double(th, mlp_n_params(s));
    const kernels_t *k[KERNELS_MAX];
    const int nk = kernel_sets(k);
    mlp_work_t *w = mlp_work_create(s, cap);
    assert_non_null(w);
    for (int j = 0; j < nk; j++) {
        mlp_forward(k[j], w, out, xy, th, n);
        double worst = 0.0;
        for (int p = 0; p < n; p++) {
            const double ref = ref_forward(thd, s, (double)xy[2 * p], (double)xy[2 * p + 1]);
            const double err = fabs((double)out[p] - ref) / (1e-5 + 1e-5 * fabs(ref));
            if (!(err <= worst)) worst = isnan(err) ? (double)INFINITY : err;
        }
        print_message("forward %dx%d, %s: max error %.3g of the tolerance\n", s.width, s.depth,
                      k[j]->name, worst);
        assert_true(worst <= 1.0);
    }
    mlp_work_destroy(w);
    free(th);
    free(xy);
    free(out);
    free(thd);
}

static void test_forward_vs_double(void **state)
{
    (void)state;
    check_forward((mlp_shape_t){ 5, 2 }, 13, 13, 21);
    check_forward((mlp_shape_t){ 64, 3 }, 100, 256, 22);
    check_forward((mlp_shape_t){ 17, 1 }, 257, 300, 23);
}

/* mlp_eval over more points than the capacity equals mlp_forward on each
   block of capacity points, bit for bit. */
static void test_eval_blocks(void **state)
{
    (void)state;
    const mlp_shape_t s = { 64, 3 };
    const int cap = 50;
    const size_t n = 173;
    float *th = make_params(s, 31), *xy = make_points(n, 31);
    float *a = floats(n), *b = floats(n);
    const kernels_t *k[KERNELS_MAX];
    const int nk = kernel_sets(k);
    mlp_work_t *w = mlp_work_create(s, cap);
    assert_non_null(w);
    for (int j = 0; j < nk; j++) {
        mlp_eval(k[j], w, a, xy, th, n);
        for (size_t start = 0; start < n; start += (size_t)cap) {
            const int nb = n - start < (size_t)cap ? (int)(n - start) : cap;
            mlp_forward(k[j], w, b + start, xy + 2 * start, th, nb);
        }
        assert_memory_equal(a, b, n * sizeof(float));
    }
    mlp_work_destroy(w);
    free(th);
    free(xy);
    free(a);
    free(b);
}

/* ---------------------------------------------------------- backward */

/* Compares the accumulated gradient of L = sum_p c_p out_p from
   mlp_backward with central differences of the double network, at the
   parameters idx[0..nidx). The difference step 1e-4 gives truncation error
   ~1e-9 and cancellation ~1e-12 in double, so the finite differences are
   exact to the float precision compared. Tolerance 1e-5 + 1e-5 |fd|: the
   float gradient sums O(n width) terms rounded at 2^-24 relative, and a
   tanh error of 1e-6 enters each (1 - h^2) factor. A wrong chain rule
   gives relative errors of order 1. */
static void check_gradient(mlp_shape_t s, int n, int cap, const size_t *idx, size_t nidx,
                           uint64_t seed)
{
    const size_t np = mlp_n_params(s);
    float *th = make_params(s, seed), *xy = make_points((size_t)n, seed);
    float *out = floats((size_t)n), *c = floats((size_t)n), *grad = floats(np);
    rng_t r = rng_stream(seed, RNG_STREAM_TEST);
    for (int p = 0; p < n; p++) c[p] = uniform(&r, -1.0, 1.0);

    double *thd = to_double(th, np);
    double *fd = malloc(nidx * sizeof(double));
    assert_non_null(fd);
    const double h = 1e-4;
    for (size_t j = 0; j < nidx; j++) {
        const double keep = thd[idx[j]];
        thd[idx[j]] = keep + h;
        const double Lp = ref_loss(thd, s, xy, c, n);
        thd[idx[j]] = keep - h;
        const double Lm = ref_loss(thd, s, xy, c, n);
        thd[idx[j]] = keep;
        fd[j] = (Lp - Lm) / (2.0 * h);
    }

    const kernels_t *k[KERNELS_MAX];
    const int nk = kernel_sets(k);
    mlp_work_t *w = mlp_work_create(s, cap);
    assert_non_null(w);
    for (int kk = 0; kk < nk; kk++) {
        /* backward accumulates: start from 0.5 and subtract it again */
        for (size_t j = 0; j < np; j++) grad[j] = 0.5f;
        mlp_forward(k[kk], w, out, xy, th, n);
        mlp_backward(k[kk], w, grad, c, th, n);
        double worst = 0.0;
        int bad = 0;
        for (size_t j = 0; j < nidx; j++) {
            const double g = (double)grad[idx[j]] - 0.5;
            const double err = fabs(g - fd[j]) / (1e-5 + 1e-5 * fabs(fd[j]));
            if (!(err <= 1.0)) {
                if (!bad)
                    print_error("%s: d/dparam[%zu] = %.9g, finite difference %.9g\n",
                                k[kk]->name, idx[j], g, fd[j]);
                bad++;
            }
            if (err > worst) worst = err;
        }
        print_message("gradient %dx%d, %s: %zu parameters, max error %.3g of the tolerance\n",
                      s.width, s.depth, k[kk]->name, nidx, worst);
        assert_int_equal(bad, 0);
        /* the parameters not sampled were accumulated into too: untouched
           entries would still be exactly 0.5, which a non-zero gradient
           entry almost never is */
        size_t untouched = 0;
        for (size_t j = 0; j < np; j++) untouched += grad[j] == 0.5f;
        assert_true(untouched < np / 100 + 1);
    }
    mlp_work_destroy(w);
    free(th);
    free(xy);
    free(out);
    free(c);
    free(grad);
    free(thd);
    free(fd);
}

static void test_gradient_small(void **state)
{
    (void)state;
    /* every parameter of a 5x2 network, 13 points (not a multiple of 8) */
    const mlp_shape_t s = { 5, 2 };
    const size_t np = mlp_n_params(s);
    size_t *idx = malloc(np * sizeof(size_t));
    assert_non_null(idx);
    for (size_t j = 0; j < np; j++) idx[j] = j;
    check_gradient(s, 13, 16, idx, np, 41);
    check_gradient((mlp_shape_t){ 3, 1 }, 1, 1, idx, mlp_n_params((mlp_shape_t){ 3, 1 }), 42);
    free(idx);
}

static void test_gradient_64x3(void **state)
{
    (void)state;
    /* a sample of each layer's weights and biases of the 64x3 network */
    const mlp_shape_t s = { 64, 3 };
    enum { PER_LAYER = 24 };
    size_t idx[4 * PER_LAYER];
    size_t nidx = 0;
    rng_t r = rng_stream(43, RNG_STREAM_TEST);
    for (int l = 0; l <= s.depth; l++) {
        const size_t nw = (size_t)layer_in(s, l) * (size_t)layer_out(s, l);
        const size_t nb = (size_t)layer_out(s, l);
        for (int j = 0; j < PER_LAYER - 4; j++)
            idx[nidx++] = mlp_offset_w(s, l) + (size_t)(rng_uniform(&r) * (double)nw);
        for (int j = 0; j < 4; j++)
            idx[nidx++] = mlp_offset_b(s, l) + (size_t)(rng_uniform(&r) * (double)nb);
    }
    check_gradient(s, 37, 64, idx, nidx, 44);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_init_fan_in),
        cmocka_unit_test(test_zero_last),
        cmocka_unit_test(test_work_area),
        cmocka_unit_test(test_forward_vs_double),
        cmocka_unit_test(test_eval_blocks),
        cmocka_unit_test(test_gradient_small),
        cmocka_unit_test(test_gradient_64x3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
