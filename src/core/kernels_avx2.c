/* AVX2+FMA kernels. The Makefile compiles this file alone with -mavx2
   -mfma; kernels_avx2() checks the CPU before handing the table out.

   One register holds one neuron for 8 points. The dense products keep a
   block of output rows x point vectors in registers and broadcast one
   weight per row and input, so the forward pass needs no horizontal sums;
   the weight gradient sums vectors over points and reduces once per weight.
   The last, partial vector of a row is read and written through a lane
   mask, so columns P..ld-1 are never touched. */
#include "pbde/kernels.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>
#include <math.h>

/* ---------------------------------------------------------------- tanh */

/* Inputs are clamped to +-TANH_CLAMP, where the rational below rounds to
   exactly 1 in float; beyond it tanh is within 2.7e-7 of +-1. */
#define TANH_CLAMP 7.92f

/* Mask with the first n lanes set, 0 <= n <= 8. */
static inline __m256i lane_mask(int n)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

/* A vector at p, through the lane mask m when masked (the other lanes
   read as 0 and are never touched in memory). */
static inline __m256 load_m(const float *p, __m256i m, int masked)
{
    return masked ? _mm256_maskload_ps(p, m) : _mm256_loadu_ps(p);
}

static inline void store_m(float *p, __m256 v, __m256i m, int masked)
{
    if (masked) _mm256_maskstore_ps(p, m, v);
    else _mm256_storeu_ps(p, v);
}

/* tanh of 8 floats as x P(x^2) / Q(x^2), P of degree 3 and Q of degree 4
   with P(0) = Q(0) = 1, on x clamped to [-7.92, 7.92]. The coefficients
   minimise the maximum relative error on [0, 8.2] (linearised least
   squares on 2000 Chebyshev points, iterated on the denominator, with
   Lawson reweighting towards minimax, in long double): 1.9e-7 before
   rounding to float. Evaluated in float the max abs error is 4.4e-7 and
   the max relative error on |x| <= 1 is 3.8e-7, measured on every float
   in [0, 20]. The degrees 4 and 4 of an earlier fit gave 3.1e-7 for one
   more multiply-add; the tanh shares the multiply-add pipes with the
   products, so a multiply-add fewer per 8 values is 1/10 of its cost.
   The form is odd, so tanh(-x) = -tanh(x) exactly, and P(0) = 1 gives
   tanh(x) = x for tiny x; the final clamp keeps |tanh| <= 1 (rounding
   could overshoot by an ulp). min/max return their second operand when
   one is NaN, so NaN stays NaN. */
static inline __m256 tanh8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 c = _mm256_set1_ps(TANH_CLAMP);
    x = _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), c), _mm256_min_ps(c, x));
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(1.1270872443416747547e-5f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.9370327356873323524e-3f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.12912944209444776049f));
    p = _mm256_fmadd_ps(p, z, one);
    __m256 q = _mm256_set1_ps(2.4077594881941965237e-7f);
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(2.3665262123514674439e-4f));
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(2.3759166293258513351e-2f));
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(0.46246181649952585612f));
    q = _mm256_fmadd_ps(q, z, one);
    const __m256 y = _mm256_div_ps(_mm256_mul_ps(x, p), q);
    return _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), one), _mm256_min_ps(one, y));
}

static void tanh_vec(float *y, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(y + j, tanh8(_mm256_loadu_ps(x + j)));
    if (j < n) {
        const __m256i m = lane_mask((int)(n - j));
        _mm256_maskstore_ps(y + j, m, tanh8(_mm256_maskload_ps(x + j, m)));
    }
}

/* ------------------------------------------------------ dense products */

/* The forward pass and the data gradient share one product,
     Y[j][p] = sum_k A[j][k] X[k][p],  A[j][k] = a[j*sj + k*sk],
   computed in blocks of rows j and point vectors. Each block starts from
   the bias (or 0) and ends with finish(), which applies the factor
   (1 - h^2) of the data gradient. The forward pass's tanh runs afterwards
   over each block of rows while they are still in L1 (see product()). */

typedef struct {
    const float *b; /* (rows) bias added first, or NULL */
    const float *h; /* (rows, P) tanh outputs for the factor 1 - h^2, or NULL */
} epi_t;

static inline __m256 start(const epi_t *e, int j)
{
    return e->b ? _mm256_broadcast_ss(e->b + j) : _mm256_setzero_ps();
}

/* The finished value of row j at offset off (= j*ld + p) of the block. */
static inline __m256 finish(__m256 v, const epi_t *e, size_t off, __m256i m, int masked)
{
    if (e->h) {
        const __m256 h = masked ? _mm256_maskload_ps(e->h + off, m) : _mm256_loadu_ps(e->h + off);
        v = _mm256_mul_ps(v, _mm256_fnmadd_ps(h, h, _mm256_set1_ps(1.0f)));
    }
    return v;
}

/* Block of 4 rows x 24 points. y, x and e->h point at column p of row 0 of
   the block; a at A[0][0] of the block. */
static void block_4x3(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const epi_t *e)
{
    __m256 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
    c00 = c01 = c02 = start(e, 0);
    c10 = c11 = c12 = start(e, 1);
    c20 = c21 = c22 = start(e, 2);
    c30 = c31 = c32 = start(e, 3);
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float *ak = a + (size_t)k * sk;
        const __m256 x0 = _mm256_loadu_ps(xk);
        const __m256 x1 = _mm256_loadu_ps(xk + 8);
        const __m256 x2 = _mm256_loadu_ps(xk + 16);
        __m256 w = _mm256_broadcast_ss(ak);
        c00 = _mm256_fmadd_ps(w, x0, c00);
        c01 = _mm256_fmadd_ps(w, x1, c01);
        c02 = _mm256_fmadd_ps(w, x2, c02);
        w = _mm256_broadcast_ss(ak + sj);
        c10 = _mm256_fmadd_ps(w, x0, c10);
        c11 = _mm256_fmadd_ps(w, x1, c11);
        c12 = _mm256_fmadd_ps(w, x2, c12);
        w = _mm256_broadcast_ss(ak + 2 * sj);
        c20 = _mm256_fmadd_ps(w, x0, c20);
        c21 = _mm256_fmadd_ps(w, x1, c21);
        c22 = _mm256_fmadd_ps(w, x2, c22);
        w = _mm256_broadcast_ss(ak + 3 * sj);
        c30 = _mm256_fmadd_ps(w, x0, c30);
        c31 = _mm256_fmadd_ps(w, x1, c31);
        c32 = _mm256_fmadd_ps(w, x2, c32);
    }
    const __m256i m = lane_mask(8);
    _mm256_storeu_ps(y, finish(c00, e, 0, m, 0));
    _mm256_storeu_ps(y + 8, finish(c01, e, 8, m, 0));
    _mm256_storeu_ps(y + 16, finish(c02, e, 16, m, 0));
    _mm256_storeu_ps(y + ld, finish(c10, e, ld, m, 0));
    _mm256_storeu_ps(y + ld + 8, finish(c11, e, ld + 8, m, 0));
    _mm256_storeu_ps(y + ld + 16, finish(c12, e, ld + 16, m, 0));
    _mm256_storeu_ps(y + 2 * ld, finish(c20, e, 2 * ld, m, 0));
    _mm256_storeu_ps(y + 2 * ld + 8, finish(c21, e, 2 * ld + 8, m, 0));
    _mm256_storeu_ps(y + 2 * ld + 16, finish(c22, e, 2 * ld + 16, m, 0));
    _mm256_storeu_ps(y + 3 * ld, finish(c30, e, 3 * ld, m, 0));
    _mm256_storeu_ps(y + 3 * ld + 8, finish(c31, e, 3 * ld + 8, m, 0));
    _mm256_storeu_ps(y + 3 * ld + 16, finish(c32, e, 3 * ld + 16, m, 0));
}

/* Block of 4 rows x 16 points (for the rest of a row after the 24s). */
static void block_4x2(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const epi_t *e)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31;
    c00 = c01 = start(e, 0);
    c10 = c11 = start(e, 1);
    c20 = c21 = start(e, 2);
    c30 = c31 = start(e, 3);
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float *ak = a + (size_t)k * sk;
        const __m256 x0 = _mm256_loadu_ps(xk);
        const __m256 x1 = _mm256_loadu_ps(xk + 8);
        __m256 w = _mm256_broadcast_ss(ak);
        c00 = _mm256_fmadd_ps(w, x0, c00);
        c01 = _mm256_fmadd_ps(w, x1, c01);
        w = _mm256_broadcast_ss(ak + sj);
        c10 = _mm256_fmadd_ps(w, x0, c10);
        c11 = _mm256_fmadd_ps(w, x1, c11);
        w = _mm256_broadcast_ss(ak + 2 * sj);
        c20 = _mm256_fmadd_ps(w, x0, c20);
        c21 = _mm256_fmadd_ps(w, x1, c21);
        w = _mm256_broadcast_ss(ak + 3 * sj);
        c30 = _mm256_fmadd_ps(w, x0, c30);
        c31 = _mm256_fmadd_ps(w, x1, c31);
    }
    const __m256i m = lane_mask(8);
    _mm256_storeu_ps(y, finish(c00, e, 0, m, 0));
    _mm256_storeu_ps(y + 8, finish(c01, e, 8, m, 0));
    _mm256_storeu_ps(y + ld, finish(c10, e, ld, m, 0));
    _mm256_storeu_ps(y + ld + 8, finish(c11, e, ld + 8, m, 0));
    _mm256_storeu_ps(y + 2 * ld, finish(c20, e, 2 * ld, m, 0));
    _mm256_storeu_ps(y + 2 * ld + 8, finish(c21, e, 2 * ld + 8, m, 0));
    _mm256_storeu_ps(y + 3 * ld, finish(c30, e, 3 * ld, m, 0));
    _mm256_storeu_ps(y + 3 * ld + 8, finish(c31, e, 3 * ld + 8, m, 0));
}

/* Block of 4 rows x n <= 8 points (the lanes >= n are neither read nor
   written). */
static void block_4x1(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const epi_t *e, int n)
{
    const __m256i m = lane_mask(n);
    const int masked = n < 8;
    __m256 c0 = start(e, 0), c1 = start(e, 1), c2 = start(e, 2), c3 = start(e, 3);
    for (int k = 0; k < K; k++) {
        const float *ak = a + (size_t)k * sk;
        const __m256 x0 = load_m(x + (size_t)k * ld, m, masked);
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(ak), x0, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(ak + sj), x0, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(ak + 2 * sj), x0, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(ak + 3 * sj), x0, c3);
    }
    store_m(y, finish(c0, e, 0, m, masked), m, masked);
    store_m(y + ld, finish(c1, e, ld, m, masked), m, masked);
    store_m(y + 2 * ld, finish(c2, e, 2 * ld, m, masked), m, masked);
    store_m(y + 3 * ld, finish(c3, e, 3 * ld, m, masked), m, masked);
}

/* Block of 1 row x 32 points. */
static void block_1x4(float *y, const float *x, const float *a, size_t sk,
                      int K, size_t ld, const epi_t *e)
{
    __m256 c0, c1, c2, c3;
    c0 = c1 = c2 = c3 = start(e, 0);
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const __m256 w = _mm256_broadcast_ss(a + (size_t)k * sk);
        c0 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xk), c0);
        c1 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xk + 8), c1);
        c2 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xk + 16), c2);
        c3 = _mm256_fmadd_ps(w, _mm256_loadu_ps(xk + 24), c3);
    }
    const __m256i m = lane_mask(8);
    _mm256_storeu_ps(y, finish(c0, e, 0, m, 0));
    _mm256_storeu_ps(y + 8, finish(c1, e, 8, m, 0));
    _mm256_storeu_ps(y + 16, finish(c2, e, 16, m, 0));
    _mm256_storeu_ps(y + 24, finish(c3, e, 24, m, 0));
}

/* Block of 1 row x n <= 8 points. */
static void block_1x1(float *y, const float *x, const float *a, size_t sk,
                      int K, size_t ld, const epi_t *e, int n)
{
    const __m256i m = lane_mask(n);
    const int masked = n < 8;
    __m256 c = start(e, 0);
    for (int k = 0; k < K; k++)
        c = _mm256_fmadd_ps(_mm256_broadcast_ss(a + (size_t)k * sk),
                            load_m(x + (size_t)k * ld, m, masked), c);
    store_m(y, finish(c, e, 0, m, masked), m, masked);
}

/* tanh in place over rows (rows, P) of stride ld. */
static void tanh_rows(float *y, int rows, int P, size_t ld)
{
    const int P8 = P & ~7;
    const __m256i m = lane_mask(P - P8);
    for (int r = 0; r < rows; r++, y += ld) {
        for (int p = 0; p < P8; p += 8) _mm256_storeu_ps(y + p, tanh8(_mm256_loadu_ps(y + p)));
        if (P8 < P) _mm256_maskstore_ps(y + P8, m, tanh8(_mm256_maskload_ps(y + P8, m)));
    }
}

/* y(J, P) = finish(start + A(J, K) @ x(K, P)) over all blocks, then tanh
   when act is set. The tanh is applied to each block of 4 rows once its
   products are done (4 rows of 256 points are 4 KB, still in L1) rather
   than to the 12 accumulators at the end of each block. Measured on a
   64 x 64 layer of 256 points (Zen 3): the tanh added 13 us to the 24 us
   of the products when applied to the accumulators, 5 us as this pass.
   Each tanh is a chain of ~15 dependent operations ending in a division;
   a streaming pass overlaps consecutive vectors, while twelve chains at
   the end of a block apparently stall the next block's multiply-adds. */
static void product(float *y, const float *x, const float *a, size_t sj, size_t sk,
                    int J, int K, int P, size_t ld, const float *b, const float *h, int act)
{
    int j = 0;
    for (; j + 4 <= J; j += 4) {
        const float *aj = a + (size_t)j * sj;
        int p = 0;
        for (; p + 24 <= P; p += 24) {
            const size_t off = (size_t)j * ld + (size_t)p;
            const epi_t e = { b ? b + j : NULL, h ? h + off : NULL };
            block_4x3(y + off, x + p, aj, sj, sk, K, ld, &e);
        }
        if (p + 16 <= P) {
            const size_t off = (size_t)j * ld + (size_t)p;
            const epi_t e = { b ? b + j : NULL, h ? h + off : NULL };
            block_4x2(y + off, x + p, aj, sj, sk, K, ld, &e);
            p += 16;
        }
        for (; p < P; p += 8) {
            const size_t off = (size_t)j * ld + (size_t)p;
            const epi_t e = { b ? b + j : NULL, h ? h + off : NULL };
            block_4x1(y + off, x + p, aj, sj, sk, K, ld, &e, P - p < 8 ? P - p : 8);
        }
        if (act) tanh_rows(y + (size_t)j * ld, 4, P, ld);
    }
    for (; j < J; j++) {
        const float *aj = a + (size_t)j * sj;
        int p = 0;
        for (; p + 32 <= P; p += 32) {
            const size_t off = (size_t)j * ld + (size_t)p;
            const epi_t e = { b ? b + j : NULL, h ? h + off : NULL };
            block_1x4(y + off, x + p, aj, sk, K, ld, &e);
        }
        for (; p < P; p += 8) {
            const size_t off = (size_t)j * ld + (size_t)p;
            const epi_t e = { b ? b + j : NULL, h ? h + off : NULL };
            block_1x1(y + off, x + p, aj, sk, K, ld, &e, P - p < 8 ? P - p : 8);
        }
        if (act) tanh_rows(y + (size_t)j * ld, 1, P, ld);
    }
}

static void dense_fwd(float *out, const float *in, const float *W, const float *b,
                      int ni, int no, int P, int ld, int act_tanh)
{
    /* A = W: row j = output o, k = input i */
    product(out, in, W, (size_t)ni, 1, no, ni, P, (size_t)ld, b, NULL, act_tanh);
}

static void dense_bwd_data(float *din, const float *dout, const float *W, const float *h,
                           int ni, int no, int P, int ld)
{
    /* A = W^T: row j = input i, k = output o */
    product(din, dout, W, 1, (size_t)ni, ni, no, P, (size_t)ld, NULL, h, 0);
}

/* ------------------------------------------------------ weight gradient */

/* The 8 sums of v0..v7 as one vector [sum v0, ..., sum v7]. */
static inline __m256 hsum8(__m256 v0, __m256 v1, __m256 v2, __m256 v3,
                           __m256 v4, __m256 v5, __m256 v6, __m256 v7)
{
    const __m256 t0 = _mm256_hadd_ps(v0, v1), t1 = _mm256_hadd_ps(v2, v3);
    const __m256 t2 = _mm256_hadd_ps(v4, v5), t3 = _mm256_hadd_ps(v6, v7);
    /* u0 = [v0..v3 low-half sums | v0..v3 high-half sums], u1 likewise */
    const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                         _mm256_permute2f128_ps(u0, u1, 0x31));
}

/* The 4 sums of v0..v3 as [sum v0, ..., sum v3]. */
static inline __m128 hsum4(__m256 v0, __m256 v1, __m256 v2, __m256 v3)
{
    const __m256 u = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
    return _mm_add_ps(_mm256_castps256_ps128(u), _mm256_extractf128_ps(u, 1));
}

static inline float hsum1(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The gradient loops below run over the P8 = P & ~7 full vectors of a row
   and then, when P8 < P, over one vector loaded through the lane mask m,
   whose zero lanes keep columns >= P (possibly garbage) out of the sums.
   Each step_* adds the products of the 8 points at column p into the
   accumulators c; with masked constant at each call the compiler drops the
   unused branch. The accumulators are indexed by constants only, so they
   live in registers. */

/* c[3r + s] += g[r][p..] * x_s[p..] for rows r < 4 of dout and columns
   s < nx <= 3, where x_s is row s of in, except that the last column is
   all ones when ones is set: its sums are the bias gradient, so the bias
   costs no pass of its own. (A multiply-add by 1 is exactly an add.) */
static inline __attribute__((always_inline)) void
step_4xn(__m256 c[12], const float *g, const float *x, size_t ld, int p, __m256i m, int masked,
         int nx, int ones)
{
    __m256 xs[3];
#pragma GCC unroll 3
    for (int s = 0; s < nx; s++)
        xs[s] = ones && s == nx - 1 ? _mm256_set1_ps(1.0f) : load_m(x + (size_t)s * ld + p, m, masked);
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        const __m256 d = load_m(g + (size_t)r * ld + p, m, masked);
#pragma GCC unroll 3
        for (int s = 0; s < nx; s++) c[3 * r + s] = _mm256_fmadd_ps(d, xs[s], c[3 * r + s]);
    }
}

/* dW[o..o+3][i..i+nx-1] += dout(4, P) @ in(nx, P)^T, g at row o and x at
   row i; with ones, the last of the nx columns is the bias instead:
   db[o..o+3] += sum_p dout. Always inlined into the wrappers below, which
   fix nx and ones, so each gets straight-line code with the accumulators
   in registers. */
static inline __attribute__((always_inline)) void
wgrad_4xn(float *dW, float *db, size_t ni, const float *g, const float *x, size_t ld, int P8,
          int P, __m256i m, int nx, int ones)
{
    __m256 c[12] = { _mm256_setzero_ps() }; /* the rest are zero too */
    for (int p = 0; p < P8; p += 8) step_4xn(c, g, x, ld, p, m, 0, nx, ones);
    if (P8 < P) step_4xn(c, g, x, ld, P8, m, 1, nx, ones);
    /* u[s][r]: column s of row r */
    float u[3][4];
    if (nx >= 2) {
        float s8[8];
        _mm256_storeu_ps(s8, hsum8(c[0], c[3], c[6], c[9], c[1], c[4], c[7], c[10]));
        for (int r = 0; r < 4; r++) {
            u[0][r] = s8[r];
            u[1][r] = s8[4 + r];
        }
    } else {
        _mm_storeu_ps(u[0], hsum4(c[0], c[3], c[6], c[9]));
    }
    if (nx == 3) _mm_storeu_ps(u[2], hsum4(c[2], c[5], c[8], c[11]));
    for (int r = 0; r < 4; r++)
        for (int s = 0; s < nx; s++) {
            if (ones && s == nx - 1) db[r] += u[s][r];
            else dW[(size_t)r * ni + (size_t)s] += u[s][r];
        }
}

/* c[s] += g[p..] * x[s][p..] for s < 4. */
static inline void step_1x4(__m256 c[4], const float *g, const float *x, size_t ld,
                            int p, __m256i m, int masked)
{
    const __m256 d = load_m(g + p, m, masked);
    c[0] = _mm256_fmadd_ps(d, load_m(x + p, m, masked), c[0]);
    c[1] = _mm256_fmadd_ps(d, load_m(x + ld + p, m, masked), c[1]);
    c[2] = _mm256_fmadd_ps(d, load_m(x + 2 * ld + p, m, masked), c[2]);
    c[3] = _mm256_fmadd_ps(d, load_m(x + 3 * ld + p, m, masked), c[3]);
}

/* dW[o][i..i+3] += dout(1, P) @ in(4, P)^T. */
static void wgrad_1x4(float *dW, const float *g, const float *x,
                      size_t ld, int P8, int P, __m256i m)
{
    __m256 c[4] = { _mm256_setzero_ps() };
    for (int p = 0; p < P8; p += 8) step_1x4(c, g, x, ld, p, m, 0);
    if (P8 < P) step_1x4(c, g, x, ld, P8, m, 1);
    _mm_storeu_ps(dW, _mm_add_ps(_mm_loadu_ps(dW), hsum4(c[0], c[1], c[2], c[3])));
}

/* Returns sum_p g[p] * x[p], or sum_p g[p] when x is NULL. */
static float dot_1x1(const float *g, const float *x, int P8, int P, __m256i m)
{
    const __m256 ones = _mm256_set1_ps(1.0f);
    __m256 c0 = _mm256_setzero_ps(), c1 = c0;
    int p = 0;
    for (; p + 16 <= P8; p += 16) {
        c0 = _mm256_fmadd_ps(_mm256_loadu_ps(g + p), x ? _mm256_loadu_ps(x + p) : ones, c0);
        c1 = _mm256_fmadd_ps(_mm256_loadu_ps(g + p + 8), x ? _mm256_loadu_ps(x + p + 8) : ones, c1);
    }
    for (; p < P; p += 8) {
        const int masked = p >= P8;
        c0 = _mm256_fmadd_ps(load_m(g + p, m, masked), x ? load_m(x + p, m, masked) : ones, c0);
    }
    return hsum1(_mm256_add_ps(c0, c1));
}

static void wgrad_4x3(float *dW, size_t ni, const float *g, const float *x, size_t ld, int P8,
                      int P, __m256i m)
{
    wgrad_4xn(dW, NULL, ni, g, x, ld, P8, P, m, 3, 0);
}

/* The bias alone; one column and the bias; two columns and the bias. */
static void bgrad_4(float *db, const float *g, size_t ld, int P8, int P, __m256i m)
{
    wgrad_4xn(NULL, db, 0, g, NULL, ld, P8, P, m, 1, 1);
}

static void wgrad_4x1b(float *dW, float *db, size_t ni, const float *g, const float *x,
                       size_t ld, int P8, int P, __m256i m)
{
    wgrad_4xn(dW, db, ni, g, x, ld, P8, P, m, 2, 1);
}

static void wgrad_4x2b(float *dW, float *db, size_t ni, const float *g, const float *x,
                       size_t ld, int P8, int P, __m256i m)
{
    wgrad_4xn(dW, db, ni, g, x, ld, P8, P, m, 3, 1);
}

static void dense_bwd_weight(float *dW, float *db, const float *dout, const float *in,
                             int ni, int no, int P, int ld)
{
    const size_t sld = (size_t)ld, sni = (size_t)ni;
    const int P8 = P & ~7;
    const __m256i m = lane_mask(P - P8);
    const int no4 = no & ~3, ni3 = ni - ni % 3, ni4 = ni & ~3;
    /* rows in fours: columns in threes, then the last ni % 3 columns
       together with the bias as one more block */
    for (int o = 0; o < no4; o += 4) {
        const float *g = dout + (size_t)o * sld;
        float *w = dW + (size_t)o * sni;
        for (int i = 0; i < ni3; i += 3)
            wgrad_4x3(w + i, sni, g, in + (size_t)i * sld, sld, P8, P, m);
        const float *x = in + (size_t)ni3 * sld;
        if (ni - ni3 == 0) bgrad_4(db + o, g, sld, P8, P, m);
        else if (ni - ni3 == 1) wgrad_4x1b(w + ni3, db + o, sni, g, x, sld, P8, P, m);
        else wgrad_4x2b(w + ni3, db + o, sni, g, x, sld, P8, P, m);
    }
    /* the last no % 4 rows, four columns at a time */
    for (int o = no4; o < no; o++) {
        const float *g = dout + (size_t)o * sld;
        for (int i = 0; i < ni4; i += 4)
            wgrad_1x4(dW + (size_t)o * sni + (size_t)i, g, in + (size_t)i * sld, sld, P8, P, m);
        for (int i = ni4; i < ni; i++)
            dW[(size_t)o * sni + (size_t)i] += dot_1x1(g, in + (size_t)i * sld, P8, P, m);
        db[o] += dot_1x1(g, NULL, P8, P, m);
    }
}

/* ------------------------------------------------------------- Adam */

static void adam(float *p, float *m, float *v, const float *g, size_t n,
                 float lr, float b1, float b2, float eps, float bc1, float bc2)
{
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    const __m256 c1 = _mm256_set1_ps(1.0f - b1), c2 = _mm256_set1_ps(1.0f - b2);
    const __m256 vlr = _mm256_set1_ps(lr), veps = _mm256_set1_ps(eps);
    const __m256 vbc1 = _mm256_set1_ps(bc1), vbc2 = _mm256_set1_ps(bc2);
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256 gj = _mm256_loadu_ps(g + j);
        const __m256 mj = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + j), _mm256_mul_ps(c1, gj));
        const __m256 vj = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + j),
                                          _mm256_mul_ps(_mm256_mul_ps(c2, gj), gj));
        const __m256 mhat = _mm256_div_ps(mj, vbc1);
        const __m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vj, vbc2)), veps);
        const __m256 step = _mm256_div_ps(_mm256_mul_ps(vlr, mhat), den);
        _mm256_storeu_ps(m + j, mj);
        _mm256_storeu_ps(v + j, vj);
        _mm256_storeu_ps(p + j, _mm256_sub_ps(_mm256_loadu_ps(p + j), step));
    }
    for (; j < n; j++) {
        m[j] = b1 * m[j] + (1.0f - b1) * g[j];
        v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
        p[j] -= lr * (m[j] / bc1) / (sqrtf(v[j] / bc2) + eps);
    }
}

/* ------------------------------------------------------- peak rate */

/* Twelve independent chains a = a m + c of 8 lanes each: with two FMA
   pipes of latency 4 (or 5), 8 to 10 chains keep both pipes busy, and 12
   leave margin while fitting in the 16 registers with m and c. */
static double fma_loop(float *sink, long n)
{
    const __m256 m = _mm256_set1_ps(0.9999f), c = _mm256_set1_ps(1e-4f);
    __m256 a0 = _mm256_set1_ps(0.10f), a1 = _mm256_set1_ps(0.11f), a2 = _mm256_set1_ps(0.12f);
    __m256 a3 = _mm256_set1_ps(0.13f), a4 = _mm256_set1_ps(0.14f), a5 = _mm256_set1_ps(0.15f);
    __m256 a6 = _mm256_set1_ps(0.16f), a7 = _mm256_set1_ps(0.17f), a8 = _mm256_set1_ps(0.18f);
    __m256 a9 = _mm256_set1_ps(0.19f), a10 = _mm256_set1_ps(0.20f), a11 = _mm256_set1_ps(0.21f);
    for (long r = 0; r < n; r++) {
        a0 = _mm256_fmadd_ps(a0, m, c);
        a1 = _mm256_fmadd_ps(a1, m, c);
        a2 = _mm256_fmadd_ps(a2, m, c);
        a3 = _mm256_fmadd_ps(a3, m, c);
        a4 = _mm256_fmadd_ps(a4, m, c);
        a5 = _mm256_fmadd_ps(a5, m, c);
        a6 = _mm256_fmadd_ps(a6, m, c);
        a7 = _mm256_fmadd_ps(a7, m, c);
        a8 = _mm256_fmadd_ps(a8, m, c);
        a9 = _mm256_fmadd_ps(a9, m, c);
        a10 = _mm256_fmadd_ps(a10, m, c);
        a11 = _mm256_fmadd_ps(a11, m, c);
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    *sink = hsum1(s);
    return 12.0 * 8.0 * 2.0 * (double)n;
}

/* ------------------------------------------------------------- table */

static const kernels_t avx2_kernels = {
    "avx2", dense_fwd, dense_bwd_data, dense_bwd_weight, tanh_vec, adam, fma_loop,
};

const kernels_t *kernels_avx2(void)
{
    /* plain integer code: safe to run on any x86-64 before the check */
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return NULL;
    return &avx2_kernels;
}

#else

const kernels_t *kernels_avx2(void)
{
    return NULL;
}

#endif
