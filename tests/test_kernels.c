/* Tests of the compute kernels: the scalar reference against double
   precision, every SIMD kernel set (AVX-512 and AVX2 on x86-64, NEON on
   AArch64, SIMD128 in the wasm build that make web-test-kernels runs
   under node; each set this machine lacks is skipped, every one it has is
   checked) against the scalar reference over a grid of sizes (including
   point counts that are not multiples of 16, 8 or 4 and layer sizes that
   are not multiples of the register blocks), garbage in
   the padding columns, tanh accuracy, Adam, the peak-rate loop, and the
   kernel choice. .ci/aarch64.sh runs this file under qemu-aarch64.

   Tolerance |got - ref| <= ATOL + RTOL |ref| with ATOL = RTOL = 1e-5:
   inputs and activations are O(1) (uniform in [-1, 1], Glorot-scale
   weights), sums have at most 257 terms, so float rounding of a sum in
   any order is a random walk of at most ~sqrt(257) * 2^-24 * 5 ~ 5e-6 in
   the worst realistic case (partial sums up to ~5), usually far less, and
   the two tanh implementations differ by at most 2e-6. A wrong index, a
   lost tail or a missing term moves a result by ~0.1, four orders of
   magnitude above the bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/kernels.h"
#include "pbde/rng.h"

#define ATOL 1e-5
#define RTOL 1e-5
#define TANH_MAX_ERR 1e-6

static const int P_SIZES[] = { 1, 5, 8, 13, 16, 31, 47, 64, 100, 257 };
static const int N_SIZES[] = { 1, 2, 3, 5, 17, 64, 65, 128 };
#define N_P (sizeof P_SIZES / sizeof P_SIZES[0])
#define N_N (sizeof N_SIZES / sizeof N_SIZES[0])

/* ------------------------------------------------------------ helpers */

/* n rounded up to a multiple of KERNELS_ALIGN, the kernels' row stride. */
static int round_ld(int n)
{
    return (n + KERNELS_ALIGN - 1) / KERNELS_ALIGN * KERNELS_ALIGN;
}

/* A row stride for P points: the smallest, or one stride unit more, so
   both tight and loose strides are exercised. */
static int stride_for(int P, int variant)
{
    return round_ld(P) + (variant & 1) * KERNELS_ALIGN;
}

/* A (rows, ld) matrix aligned as the kernels expect; ld is a multiple of
   KERNELS_ALIGN, so the size is a multiple of the alignment. */
static float *matrix(int rows, int ld)
{
    float *m = aligned_alloc(KERNELS_ALIGN_BYTES, (size_t)rows * (size_t)ld * sizeof(float));
    assert_non_null(m);
    return m;
}

static float uniform(rng_t *r, double lo, double hi)
{
    return (float)(lo + (hi - lo) * rng_uniform(r));
}

/* Columns < P uniform in [lo, hi], columns >= P set to pad. */
static void fill(float *m, int rows, int P, int ld, rng_t *r, double lo, double hi, float pad)
{
    for (int i = 0; i < rows; i++)
        for (int p = 0; p < ld; p++)
            m[(size_t)i * (size_t)ld + (size_t)p] = p < P ? uniform(r, lo, hi) : pad;
}

static void fill_vec(float *v, size_t n, rng_t *r, double lo, double hi)
{
    for (size_t j = 0; j < n; j++) v[j] = uniform(r, lo, hi);
}

static int close_to(double got, double ref, double atol, double rtol)
{
    return fabs(got - ref) <= atol + rtol * fabs(ref); /* false for NaN */
}

/* Counts entries of got (rows, P) not within tolerance of ref, and prints
   the first one. */
static int count_bad(const char *what, const float *got, int gld, const double *ref, int rld,
                     int rows, int P)
{
    int bad = 0;
    for (int i = 0; i < rows; i++)
        for (int p = 0; p < P; p++) {
            const double g = (double)got[(size_t)i * (size_t)gld + (size_t)p];
            const double r = ref[(size_t)i * (size_t)rld + (size_t)p];
            if (close_to(g, r, ATOL, RTOL)) continue;
            if (!bad) print_error("%s: [%d][%d] got %.9g want %.9g\n", what, i, p, g, r);
            bad++;
        }
    return bad;
}

/* The same for a float reference. */
static int count_bad_f(const char *what, const float *got, const float *ref, int ld,
                       int rows, int P)
{
    int bad = 0;
    for (int i = 0; i < rows; i++)
        for (int p = 0; p < P; p++) {
            const size_t j = (size_t)i * (size_t)ld + (size_t)p;
            if (close_to((double)got[j], (double)ref[j], ATOL, RTOL)) continue;
            if (!bad)
                print_error("%s: [%d][%d] got %.9g want %.9g\n", what, i, p, (double)got[j],
                            (double)ref[j]);
            bad++;
        }
    return bad;
}

/* Weight-like values: Glorot scale, a little wider so tanh saturates at
   times. */
static void fill_weights(float *W, int ni, int no, rng_t *r)
{
    const double a = 1.5 * sqrt(6.0 / (double)(ni + no));
    fill_vec(W, (size_t)ni * (size_t)no, r, -a, a);
}

/* k, or a skipped test when this CPU or build lacks the set. */
static const kernels_t *or_skip(const kernels_t *k, const char *name)
{
    if (!k) {
        print_message("the %s kernels are not in this CPU or build: skipping them\n", name);
        skip();
    }
    return k;
}

/* One problem of the dense kernels: sizes and random operands, with NaN in
   every padding column of the inputs. */
typedef struct {
    int P, ni, no, ld;
    float *in;   /* (ni, ld) */
    float *W;    /* (no, ni) */
    float *b;    /* (no) */
    float *dout; /* (no, ld) */
    float *h;    /* (ni, ld) */
} problem_t;

static void problem_make(problem_t *q, int P, int ni, int no, int variant, rng_t *r)
{
    q->P = P;
    q->ni = ni;
    q->no = no;
    q->ld = stride_for(P, variant);
    q->in = matrix(ni, q->ld);
    q->W = malloc((size_t)ni * (size_t)no * sizeof(float));
    q->b = malloc((size_t)no * sizeof(float));
    q->dout = matrix(no, q->ld);
    q->h = matrix(ni, q->ld);
    assert_non_null(q->W);
    assert_non_null(q->b);
    fill(q->in, ni, P, q->ld, r, -1.0, 1.0, NAN);
    fill_weights(q->W, ni, no, r);
    fill_vec(q->b, (size_t)no, r, -0.5, 0.5);
    fill(q->dout, no, P, q->ld, r, -1.0, 1.0, NAN);
    fill(q->h, ni, P, q->ld, r, -1.0, 1.0, NAN);
}

static void problem_free(problem_t *q)
{
    free(q->in);
    free(q->W);
    free(q->b);
    free(q->dout);
    free(q->h);
}

/* Calls fn(problem, kernels) for every size in the grid. */
typedef int (*case_fn)(const problem_t *q, const kernels_t *k);

static void for_all_sizes(const kernels_t *k, case_fn fn, uint64_t seed)
{
    rng_t r = rng_stream(seed, RNG_STREAM_TEST);
    int bad = 0, variant = 0;
    for (size_t a = 0; a < N_P; a++)
        for (size_t i = 0; i < N_N; i++)
            for (size_t o = 0; o < N_N; o++) {
                problem_t q;
                problem_make(&q, P_SIZES[a], N_SIZES[i], N_SIZES[o], variant++, &r);
                const int b = fn(&q, k);
                if (b) print_error("  at P=%d ni=%d no=%d ld=%d\n", q.P, q.ni, q.no, q.ld);
                bad += b;
                problem_free(&q);
            }
    assert_int_equal(bad, 0);
}

/* ------------------------------------------- scalar against double */

static int case_scalar_fwd(const problem_t *q, const kernels_t *k)
{
    (void)k;
    const kernels_t *s = kernels_scalar();
    float *out = matrix(q->no, q->ld);
    double *ref = malloc((size_t)q->no * (size_t)q->P * sizeof(double));
    assert_non_null(ref);
    int bad = 0;
    for (int act = 0; act <= 1; act++) {
        s->dense_fwd(out, q->in, q->W, q->b, q->ni, q->no, q->P, q->ld, act);
        for (int o = 0; o < q->no; o++)
            for (int p = 0; p < q->P; p++) {
                double z = (double)q->b[o];
                for (int i = 0; i < q->ni; i++)
                    z += (double)q->W[o * q->ni + i] * (double)q->in[i * q->ld + p];
                ref[o * q->P + p] = act ? tanh(z) : z;
            }
        bad += count_bad("scalar dense_fwd vs double", out, q->ld, ref, q->P, q->no, q->P);
    }
    free(out);
    free(ref);
    return bad;
}

static int case_scalar_bwd_data(const problem_t *q, const kernels_t *k)
{
    (void)k;
    const kernels_t *s = kernels_scalar();
    float *din = matrix(q->ni, q->ld);
    double *ref = malloc((size_t)q->ni * (size_t)q->P * sizeof(double));
    assert_non_null(ref);
    int bad = 0;
    for (int with_h = 0; with_h <= 1; with_h++) {
        s->dense_bwd_data(din, q->dout, q->W, with_h ? q->h : NULL, q->ni, q->no, q->P, q->ld);
        for (int i = 0; i < q->ni; i++)
            for (int p = 0; p < q->P; p++) {
                double z = 0.0;
                for (int o = 0; o < q->no; o++)
                    z += (double)q->W[o * q->ni + i] * (double)q->dout[o * q->ld + p];
                const double h = (double)q->h[i * q->ld + p];
                ref[i * q->P + p] = with_h ? z * (1.0 - h * h) : z;
            }
        bad += count_bad("scalar dense_bwd_data vs double", din, q->ld, ref, q->P, q->ni, q->P);
    }
    free(din);
    free(ref);
    return bad;
}

static int case_scalar_bwd_weight(const problem_t *q, const kernels_t *k)
{
    (void)k;
    const kernels_t *s = kernels_scalar();
    const size_t nw = (size_t)q->ni * (size_t)q->no;
    float *dW = malloc(nw * sizeof(float)), *db = malloc((size_t)q->no * sizeof(float));
    double *rW = malloc(nw * sizeof(double)), *rb = malloc((size_t)q->no * sizeof(double));
    assert_true(dW && db && rW && rb);
    for (size_t j = 0; j < nw; j++) dW[j] = 0.25f;
    for (int o = 0; o < q->no; o++) db[o] = -0.5f;
    s->dense_bwd_weight(dW, db, q->dout, q->in, q->ni, q->no, q->P, q->ld);
    for (int o = 0; o < q->no; o++) {
        double sb = -0.5;
        for (int p = 0; p < q->P; p++) sb += (double)q->dout[o * q->ld + p];
        rb[o] = sb;
        for (int i = 0; i < q->ni; i++) {
            double sw = 0.25;
            for (int p = 0; p < q->P; p++)
                sw += (double)q->dout[o * q->ld + p] * (double)q->in[i * q->ld + p];
            rW[o * q->ni + i] = sw;
        }
    }
    int bad = count_bad("scalar dW vs double", dW, q->ni, rW, q->ni, q->no, q->ni);
    bad += count_bad("scalar db vs double", db, q->no, rb, q->no, 1, q->no);
    free(dW);
    free(db);
    free(rW);
    free(rb);
    return bad;
}

static void test_scalar_dense_vs_double(void **state)
{
    (void)state;
    for_all_sizes(NULL, case_scalar_fwd, 11);
    for_all_sizes(NULL, case_scalar_bwd_data, 12);
    for_all_sizes(NULL, case_scalar_bwd_weight, 13);
}

/* ------------------------------------------- SIMD against scalar */

static int case_fwd(const problem_t *q, const kernels_t *k)
{
    const kernels_t *s = kernels_scalar();
    float *got = matrix(q->no, q->ld), *ref = matrix(q->no, q->ld);
    int bad = 0;
    for (int act = 0; act <= 1; act++) {
        s->dense_fwd(ref, q->in, q->W, q->b, q->ni, q->no, q->P, q->ld, act);
        k->dense_fwd(got, q->in, q->W, q->b, q->ni, q->no, q->P, q->ld, act);
        bad += count_bad_f(act ? "dense_fwd tanh" : "dense_fwd linear", got, ref, q->ld,
                           q->no, q->P);
    }
    free(got);
    free(ref);
    return bad;
}

static int case_bwd_data(const problem_t *q, const kernels_t *k)
{
    const kernels_t *s = kernels_scalar();
    float *got = matrix(q->ni, q->ld), *ref = matrix(q->ni, q->ld);
    int bad = 0;
    for (int with_h = 0; with_h <= 1; with_h++) {
        const float *h = with_h ? q->h : NULL;
        s->dense_bwd_data(ref, q->dout, q->W, h, q->ni, q->no, q->P, q->ld);
        k->dense_bwd_data(got, q->dout, q->W, h, q->ni, q->no, q->P, q->ld);
        bad += count_bad_f(with_h ? "dense_bwd_data tanh" : "dense_bwd_data linear", got, ref,
                           q->ld, q->ni, q->P);
    }
    free(got);
    free(ref);
    return bad;
}

static int case_bwd_weight(const problem_t *q, const kernels_t *k)
{
    const kernels_t *s = kernels_scalar();
    const size_t nw = (size_t)q->ni * (size_t)q->no;
    float *gW = malloc(nw * sizeof(float)), *rW = malloc(nw * sizeof(float));
    float *gb = malloc((size_t)q->no * sizeof(float)), *rb = malloc((size_t)q->no * sizeof(float));
    assert_true(gW && rW && gb && rb);
    /* accumulation: both start from the same non-zero values */
    rng_t r = rng_stream((uint64_t)(q->P * 1000003 + q->ni * 1009 + q->no), RNG_STREAM_TEST);
    fill_vec(rW, nw, &r, -1.0, 1.0);
    fill_vec(rb, (size_t)q->no, &r, -1.0, 1.0);
    memcpy(gW, rW, nw * sizeof(float));
    memcpy(gb, rb, (size_t)q->no * sizeof(float));
    s->dense_bwd_weight(rW, rb, q->dout, q->in, q->ni, q->no, q->P, q->ld);
    k->dense_bwd_weight(gW, gb, q->dout, q->in, q->ni, q->no, q->P, q->ld);
    int bad = count_bad_f("dense_bwd_weight dW", gW, rW, q->ni, q->no, q->ni);
    bad += count_bad_f("dense_bwd_weight db", gb, rb, q->no, 1, q->no);
    free(gW);
    free(rW);
    free(gb);
    free(rb);
    return bad;
}

/* Garbage (NaN, 1e30, Inf) in the columns >= P of dout and in must not
   change the weight gradient at all, for every kernel set. */
static void check_padding_ignored(const kernels_t *k)
{
    static const int Ps[] = { 1, 5, 13, 31, 100, 257 };
    static const int Ns[] = { 1, 2, 5, 17, 64 };
    const float pads[] = { NAN, 1e30f, -INFINITY };
    rng_t r = rng_stream(31, RNG_STREAM_TEST);
    for (size_t a = 0; a < sizeof Ps / sizeof Ps[0]; a++)
        for (size_t j = 0; j < sizeof Ns / sizeof Ns[0]; j++) {
            const int P = Ps[a], ni = Ns[j], no = Ns[(j + a) % 5], ld = round_ld(P) + KERNELS_ALIGN;
            float *dout = matrix(no, ld), *in = matrix(ni, ld);
            float *W0 = calloc((size_t)ni * (size_t)no, sizeof(float));
            float *W1 = calloc((size_t)ni * (size_t)no, sizeof(float));
            float *b0 = calloc((size_t)no, sizeof(float)), *b1 = calloc((size_t)no, sizeof(float));
            assert_true(W0 && W1 && b0 && b1);
            fill(dout, no, P, ld, &r, -1.0, 1.0, 0.0f);
            fill(in, ni, P, ld, &r, -1.0, 1.0, 0.0f);
            k->dense_bwd_weight(W0, b0, dout, in, ni, no, P, ld);
            for (size_t t = 0; t < sizeof pads / sizeof pads[0]; t++) {
                for (int o = 0; o < no; o++)
                    for (int p = P; p < ld; p++) dout[o * ld + p] = pads[t];
                for (int i = 0; i < ni; i++)
                    for (int p = P; p < ld; p++) in[i * ld + p] = pads[(t + 1) % 3];
                memset(W1, 0, (size_t)ni * (size_t)no * sizeof(float));
                memset(b1, 0, (size_t)no * sizeof(float));
                k->dense_bwd_weight(W1, b1, dout, in, ni, no, P, ld);
                assert_memory_equal(W0, W1, (size_t)ni * (size_t)no * sizeof(float));
                assert_memory_equal(b0, b1, (size_t)no * sizeof(float));
            }
            free(dout);
            free(in);
            free(W0);
            free(W1);
            free(b0);
            free(b1);
        }
}

static void test_padding_ignored_scalar(void **state)
{
    (void)state;
    check_padding_ignored(kernels_scalar());
}

/* ---------------------------------------------------------------- tanh */

/* Max |k.tanh(x) - tanh((double)x)| over n values, in one call. */
static double tanh_max_err(const kernels_t *k, const float *x, float *y, size_t n,
                           float *worst_x)
{
    k->tanh_vec(y, x, n);
    double worst = 0.0;
    for (size_t j = 0; j < n; j++) {
        const double e = fabs((double)y[j] - tanh((double)x[j]));
        if (!(e <= worst)) { /* also catches NaN */
            worst = isnan(e) ? (double)INFINITY : e;
            *worst_x = x[j];
        }
    }
    return worst;
}

static void check_tanh(const kernels_t *k)
{
    /* a dense sweep of [-20, 20], step 1e-5 */
    const size_t n = 4000001;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    assert_true(x && y);
    for (size_t j = 0; j < n; j++) x[j] = (float)(-20.0 + 40.0 * (double)j / (double)(n - 1));
    float wx = 0.0f;
    double err = tanh_max_err(k, x, y, n, &wx);
    print_message("%s tanh: max abs err %.3g over the sweep of [-20, 20] (at x = %.9g)\n",
                  k->name, err, (double)wx);
    assert_true(err <= TANH_MAX_ERR);

    /* every float in [8, 9.5] with its negative: tanh is within a few ulps
       of 1 there, where rounding errors show most, and the
       approximations clamp at 7.92 (AVX2, AVX-512) or 9 */
    size_t m = 0;
    for (float v = 8.0f; v <= 9.5f && m + 1 < n; v = nextafterf(v, 10.0f)) {
        x[m++] = v;
        x[m++] = -v;
    }
    err = tanh_max_err(k, x, y, m, &wx);
    print_message("%s tanh: max abs err %.3g over all %zu floats of +-[8, 9.5] (at x = %.9g)\n",
                  k->name, err, m, (double)wx);
    assert_true(err <= TANH_MAX_ERR);

    /* relative accuracy near 0: log sweep of 1e-38 .. 1 */
    m = 0;
    for (double e10 = -38.0; e10 <= 0.0; e10 += 0.01) {
        x[m++] = (float)pow(10.0, e10);
        x[m++] = -(float)pow(10.0, e10);
    }
    k->tanh_vec(y, x, m);
    double rel = 0.0;
    for (size_t j = 0; j < m; j++) {
        const double t = tanh((double)x[j]);
        rel = fmax(rel, fabs((double)y[j] - t) / fabs(t));
    }
    print_message("%s tanh: max rel err %.3g over |x| in [1e-38, 1]\n", k->name, rel);
    assert_true(rel <= 1e-6);

    /* odd symmetry, exactly */
    for (size_t j = 0; j < 1000; j++) {
        x[2 * j] = (float)(0.02 * (double)j);
        x[2 * j + 1] = -x[2 * j];
    }
    k->tanh_vec(y, x, 2000);
    for (size_t j = 0; j < 1000; j++) assert_true(y[2 * j] == -y[2 * j + 1]);

    free(x);
    free(y);
}

static void check_tanh_special(const kernels_t *k)
{
    const float tiny[] = { 1e-10f, 1e-30f, FLT_MIN, 1e-40f /* subnormal */ };
    const float big[] = { 10.0f, 20.0f, 88.0f, 1e30f, FLT_MAX, INFINITY };
    float x[2], y[2];
    for (size_t j = 0; j < sizeof tiny / sizeof tiny[0]; j++) {
        x[0] = tiny[j];
        x[1] = -tiny[j];
        k->tanh_vec(y, x, 2);
        /* tanh(x) = x (1 - x^2/3 ...) rounds to x itself */
        assert_true(y[0] == tiny[j] && y[1] == -tiny[j]);
    }
    for (size_t j = 0; j < sizeof big / sizeof big[0]; j++) {
        x[0] = big[j];
        x[1] = -big[j];
        k->tanh_vec(y, x, 2);
        assert_true(y[0] == 1.0f && y[1] == -1.0f);
    }
    x[0] = 0.0f;
    x[1] = -0.0f;
    k->tanh_vec(y, x, 2);
    assert_true(y[0] == 0.0f && !signbit(y[0]));
    assert_true(y[1] == 0.0f && signbit(y[1]));
    x[0] = NAN;
    x[1] = 0.5f;
    k->tanh_vec(y, x, 2);
    assert_true(isnan(y[0]));
    assert_true(fabs((double)y[1] - tanh(0.5)) <= TANH_MAX_ERR);
}

/* Lengths that are not multiples of 8, in place (y == x) and not, agree
   with the scalar reference and leave the elements beyond n alone. */
static void check_tanh_lengths(const kernels_t *k)
{
    rng_t r = rng_stream(41, RNG_STREAM_TEST);
    float x[40], y[40], z[40], ref[40];
    for (size_t n = 0; n <= 33; n++) {
        fill_vec(x, 40, &r, -4.0, 4.0);
        for (size_t j = 0; j < 40; j++) y[j] = 7.0f;
        memcpy(z, x, sizeof z);
        kernels_scalar()->tanh_vec(ref, x, n);
        k->tanh_vec(y, x, n);
        k->tanh_vec(z, z, n);
        for (size_t j = 0; j < n; j++) {
            assert_true(fabs((double)y[j] - (double)ref[j]) <= 2 * TANH_MAX_ERR);
            assert_true(z[j] == y[j]);
        }
        for (size_t j = n; j < 40; j++) {
            assert_true(y[j] == 7.0f);
            assert_true(z[j] == x[j]);
        }
    }
}

static void test_tanh_scalar(void **state)
{
    (void)state;
    check_tanh(kernels_scalar());
    check_tanh_special(kernels_scalar());
    check_tanh_lengths(kernels_scalar());
}

/* The fused tanh of dense_fwd is as accurate as tanh_vec: a 1x1 layer
   with weight 1 and bias 0 maps x to tanh(x). */
static void check_fused_tanh(const kernels_t *k)
{
    const int P = 4001, ld = round_ld(P);
    float *in = matrix(1, ld), *out = matrix(1, ld);
    const float W = 1.0f, b = 0.0f;
    for (int p = 0; p < P; p++) in[p] = (float)(-20.0 + 40.0 * p / (P - 1));
    k->dense_fwd(out, in, &W, &b, 1, 1, P, ld, 1);
    double err = 0.0;
    for (int p = 0; p < P; p++) err = fmax(err, fabs((double)out[p] - tanh((double)in[p])));
    assert_true(err <= TANH_MAX_ERR);
    free(in);
    free(out);
}

static void test_fused_tanh(void **state)
{
    (void)state;
    const kernels_t *k[KERNELS_MAX];
    const int n = kernels_available(k);
    for (int i = 0; i < n; i++) check_fused_tanh(k[i]);
}

/* ---------------------------------------------------------------- Adam */

typedef struct {
    float lr, b1, b2, eps;
} adam_hp;

static void test_adam_scalar_vs_double(void **state)
{
    (void)state;
    const adam_hp hp = { 1e-2f, 0.9f, 0.999f, 1e-8f };
    rng_t r = rng_stream(51, RNG_STREAM_TEST);
    enum { N = 100 };
    float p[N], m[N], v[N], g[N];
    double dp[N], dm[N], dv[N];
    fill_vec(p, N, &r, -1.0, 1.0);
    fill_vec(m, N, &r, -0.1, 0.1);
    fill_vec(v, N, &r, 0.0, 0.01);
    for (int j = 0; j < N; j++) {
        dp[j] = (double)p[j];
        dm[j] = (double)m[j];
        dv[j] = (double)v[j];
    }
    for (int t = 1; t <= 5; t++) {
        fill_vec(g, N, &r, -1.0, 1.0);
        const double bc1 = 1.0 - pow((double)hp.b1, t), bc2 = 1.0 - pow((double)hp.b2, t);
        kernels_scalar()->adam(p, m, v, g, N, hp.lr, hp.b1, hp.b2, hp.eps, (float)bc1, (float)bc2);
        for (int j = 0; j < N; j++) {
            const double gj = (double)g[j];
            dm[j] = (double)hp.b1 * dm[j] + (1.0 - (double)hp.b1) * gj;
            dv[j] = (double)hp.b2 * dv[j] + (1.0 - (double)hp.b2) * gj * gj;
            dp[j] -= (double)hp.lr * (dm[j] / bc1) / (sqrt(dv[j] / bc2) + (double)hp.eps);
        }
    }
    for (int j = 0; j < N; j++) {
        assert_true(close_to((double)m[j], dm[j], 1e-6, 1e-5));
        assert_true(close_to((double)v[j], dv[j], 1e-8, 1e-5));
        assert_true(close_to((double)p[j], dp[j], 1e-6, 1e-5));
    }
}

/* k's Adam against the scalar one over five steps, for lengths that are
   not multiples of the vector width. */
static void check_adam(const kernels_t *k)
{
    const adam_hp hp = { 1e-2f, 0.9f, 0.999f, 1e-8f };
    static const size_t sizes[] = { 1, 7, 8, 9, 100, 1003 };
    rng_t r = rng_stream(52, RNG_STREAM_TEST);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const size_t n = sizes[s];
        float *a[8];
        for (int j = 0; j < 8; j++) {
            a[j] = malloc(n * sizeof(float));
            assert_non_null(a[j]);
        }
        float *p = a[0], *m = a[1], *v = a[2], *rp = a[3], *rm = a[4], *rv = a[5], *g = a[6];
        fill_vec(p, n, &r, -1.0, 1.0);
        fill_vec(m, n, &r, -0.1, 0.1);
        fill_vec(v, n, &r, 0.0, 0.01);
        memcpy(rp, p, n * sizeof(float));
        memcpy(rm, m, n * sizeof(float));
        memcpy(rv, v, n * sizeof(float));
        for (int t = 1; t <= 5; t++) {
            fill_vec(g, n, &r, -1.0, 1.0);
            const float bc1 = 1.0f - powf(hp.b1, (float)t), bc2 = 1.0f - powf(hp.b2, (float)t);
            kernels_scalar()->adam(rp, rm, rv, g, n, hp.lr, hp.b1, hp.b2, hp.eps, bc1, bc2);
            k->adam(p, m, v, g, n, hp.lr, hp.b1, hp.b2, hp.eps, bc1, bc2);
        }
        for (size_t j = 0; j < n; j++) {
            assert_true(close_to((double)m[j], (double)rm[j], 1e-7, 1e-6));
            assert_true(close_to((double)v[j], (double)rv[j], 1e-9, 1e-6));
            assert_true(close_to((double)p[j], (double)rp[j], 1e-7, 1e-6));
        }
        for (int j = 0; j < 8; j++) free(a[j]);
    }
}

/* ------------------------------------------------------- peak loop */

/* The peak-rate loop reports 2 FLOPs per multiply-add and lane and grows
   linearly with its rounds. Its chains start in (0, 1) and rise towards
   c / (1 - m) = 1, so the sum it leaves lies between 0 and the number of
   chains times lanes (FLOPs per round / 2), and rises with the rounds. */
static void check_fma_loop(const kernels_t *k)
{
    float s1 = NAN, s2 = NAN;
    const double f1 = k->fma_loop(&s1, 1000), f2 = k->fma_loop(&s2, 3000);
    const double lanes = f1 / 1000.0 / 2.0;
    print_message("%s fma_loop: %.0f FLOPs per round\n", k->name, f1 / 1000.0);
    assert_true(f1 > 0.0 && f2 == 3.0 * f1);
    assert_true(lanes == floor(lanes));
    assert_true(s1 > 0.0f && (double)s1 < lanes);
    assert_true(s2 > s1 && (double)s2 < lanes);
    assert_true(k->fma_loop(&s1, 0) == 0.0);
}

static void test_fma_loop(void **state)
{
    (void)state;
    const kernels_t *k[KERNELS_MAX];
    const int n = kernels_available(k);
    for (int i = 0; i < n; i++) check_fma_loop(k[i]);
}

/* ------------------------------------------------------------ choice */

/* ------------------------------------------------ per kernel set */

/* The tests of one SIMD set: name_fn() gives the set or NULL, and each
   test skips itself when this CPU or build lacks the set. */
#define SIMD_TESTS(name)                                                     \
    static const kernels_t *name##_or_skip(void)                             \
    {                                                                        \
        return or_skip(kernels_##name(), #name);                             \
    }                                                                        \
    static void test_##name##_dense_fwd(void **state)                        \
    {                                                                        \
        (void)state;                                                         \
        for_all_sizes(name##_or_skip(), case_fwd, 21);                       \
    }                                                                        \
    static void test_##name##_dense_bwd_data(void **state)                   \
    {                                                                        \
        (void)state;                                                         \
        for_all_sizes(name##_or_skip(), case_bwd_data, 22);                  \
    }                                                                        \
    static void test_##name##_dense_bwd_weight(void **state)                 \
    {                                                                        \
        (void)state;                                                         \
        for_all_sizes(name##_or_skip(), case_bwd_weight, 23);                \
    }                                                                        \
    static void test_##name##_padding_ignored(void **state)                  \
    {                                                                        \
        (void)state;                                                         \
        check_padding_ignored(name##_or_skip());                             \
    }                                                                        \
    static void test_##name##_tanh(void **state)                             \
    {                                                                        \
        (void)state;                                                         \
        const kernels_t *k = name##_or_skip();                               \
        check_tanh(k);                                                       \
        check_tanh_special(k);                                               \
        check_tanh_lengths(k);                                               \
    }                                                                        \
    static void test_##name##_adam(void **state)                             \
    {                                                                        \
        (void)state;                                                         \
        check_adam(name##_or_skip());                                        \
    }

SIMD_TESTS(avx512)
SIMD_TESTS(avx2)
SIMD_TESTS(neon)
SIMD_TESTS(wasm_simd)

#define SIMD_UNIT_TESTS(name)                                                \
    cmocka_unit_test(test_##name##_dense_fwd),                               \
    cmocka_unit_test(test_##name##_dense_bwd_data),                          \
    cmocka_unit_test(test_##name##_dense_bwd_weight),                        \
    cmocka_unit_test(test_##name##_padding_ignored),                         \
    cmocka_unit_test(test_##name##_tanh),                                    \
    cmocka_unit_test(test_##name##_adam)

/* ------------------------------------------------------------ choice */

static void test_select(void **state)
{
    (void)state;
    assert_ptr_equal(kernels_select("scalar"), kernels_scalar());
    assert_string_equal(kernels_scalar()->name, "scalar");
    assert_null(kernels_select("nonsense"));
    assert_null(kernels_select("AVX2"));
    /* the x86-64 sets, NEON and wasm SIMD128 never coexist */
    assert_true(!(kernels_avx2() || kernels_avx512()) || !kernels_neon());
    assert_true(!kernels_wasm_simd() || !(kernels_avx2() || kernels_avx512() || kernels_neon()));
    const kernels_t *best = kernels_avx512()    ? kernels_avx512()
                          : kernels_avx2()      ? kernels_avx2()
                          : kernels_neon()      ? kernels_neon()
                          : kernels_wasm_simd() ? kernels_wasm_simd() : kernels_scalar();
    assert_ptr_equal(kernels_select(NULL), best);
    assert_ptr_equal(kernels_select(""), best);
    /* a named set is exactly that set when present, else the fastest */
    assert_ptr_equal(kernels_select("avx512"), kernels_avx512() ? kernels_avx512() : best);
    assert_ptr_equal(kernels_select("avx2"), kernels_avx2() ? kernels_avx2() : best);
    assert_ptr_equal(kernels_select("neon"), kernels_neon() ? kernels_neon() : best);
    assert_ptr_equal(kernels_select("wasm-simd"), kernels_wasm_simd() ? kernels_wasm_simd() : best);
    if (kernels_avx512()) assert_string_equal(kernels_avx512()->name, "avx512");
    if (kernels_avx2()) assert_string_equal(kernels_avx2()->name, "avx2");
    if (kernels_neon()) assert_string_equal(kernels_neon()->name, "neon");
    if (kernels_wasm_simd()) assert_string_equal(kernels_wasm_simd()->name, "wasm-simd");
    /* the list: fastest first, the reference last, no repeats */
    const kernels_t *k[KERNELS_MAX];
    const int n = kernels_available(k);
    assert_true(n >= 1 && n <= KERNELS_MAX);
    assert_ptr_equal(k[0], best);
    assert_ptr_equal(k[n - 1], kernels_scalar());
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) assert_true(k[i] != k[j]);
    for (int i = 0; i < n; i++) print_message("kernels available here: %s\n", k[i]->name);
    print_message("kernels chosen here: %s\n", best->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_scalar_dense_vs_double),
        cmocka_unit_test(test_padding_ignored_scalar),
        cmocka_unit_test(test_tanh_scalar),
        cmocka_unit_test(test_fused_tanh),
        cmocka_unit_test(test_adam_scalar_vs_double),
        cmocka_unit_test(test_fma_loop),
        SIMD_UNIT_TESTS(avx512),
        SIMD_UNIT_TESTS(avx2),
        SIMD_UNIT_TESTS(neon),
        SIMD_UNIT_TESTS(wasm_simd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
