/* NEON kernels for AArch64 (Advanced SIMD is part of every AArch64 CPU, so
   no flags and no run-time check are needed; on other targets the file
   compiles to a kernels_neon() that returns NULL).

   The same scheme as the AVX2 kernels with 4-lane registers: one register
   holds one neuron for 4 points; the dense products keep 4 output rows x
   4 point vectors (16 accumulators of the 32 registers) and broadcast one
   weight per row and input; the weight gradient sums vectors over points
   and reduces once per weight. The last, partial vector of a row is read
   and written lane by lane, so columns P..ld-1 are never touched. */
#include "pbde/kernels.h"

#if defined(__aarch64__) && defined(__ARM_NEON)

#include <arm_neon.h>
#include <math.h>

/* ------------------------------------------------------------ helpers */

/* The first n < 4 floats at p, the other lanes 0. */
static inline float32x4_t load_part(const float *p, int n)
{
    float t[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    for (int i = 0; i < n; i++) t[i] = p[i];
    return vld1q_f32(t);
}

/* Stores the first n < 4 lanes of v at p. */
static inline void store_part(float *p, float32x4_t v, int n)
{
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < n; i++) p[i] = t[i];
}

/* A vector at p: a full one when n == 4, else n lanes and zeros. */
static inline float32x4_t load_n(const float *p, int n)
{
    return n == 4 ? vld1q_f32(p) : load_part(p, n);
}

static inline void store_n(float *p, float32x4_t v, int n)
{
    if (n == 4) vst1q_f32(p, v);
    else store_part(p, v, n);
}

/* ---------------------------------------------------------------- tanh */

#define TANH_CLAMP 9.0f

/* tanh of 4 floats: x P(x^2) / Q(x^2) with P and Q of degree 4 and
   P(0) = Q(0) = 1, on x clamped to [-9, 9], fitted as the AVX2 kernels'
   rational is (see kernels_avx2.c): 2.4e-8 before rounding to float, max
   abs error 3.1e-7 in float, measured on every float in [0, 20]. (The AVX2
   and AVX-512 kernels use degrees 3 and 4, one multiply-add fewer.)
   FMIN/FMAX return NaN when either operand is NaN, so
   NaN stays NaN. */
static inline float32x4_t tanh4(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    x = vmaxq_f32(vdupq_n_f32(-TANH_CLAMP), vminq_f32(vdupq_n_f32(TANH_CLAMP), x));
    const float32x4_t z = vmulq_f32(x, x);
    float32x4_t p = vdupq_n_f32(1.34164092672697392e-8f);
    p = vfmaq_f32(vdupq_n_f32(2.0656981806077607007e-5f), p, z);
    p = vfmaq_f32(vdupq_n_f32(3.4986496880330498606e-3f), p, z);
    p = vfmaq_f32(vdupq_n_f32(0.13383658526171667494f), p, z);
    p = vfmaq_f32(one, p, z);
    float32x4_t q = vdupq_n_f32(7.8028097077882691063e-7f);
    q = vfmaq_f32(vdupq_n_f32(3.2905338114743188366e-4f), q, z);
    q = vfmaq_f32(vdupq_n_f32(2.5888795441701927639e-2f), q, z);
    q = vfmaq_f32(vdupq_n_f32(0.46716979018114903607f), q, z);
    q = vfmaq_f32(one, q, z);
    const float32x4_t y = vdivq_f32(vmulq_f32(x, p), q);
    return vmaxq_f32(vdupq_n_f32(-1.0f), vminq_f32(one, y));
}

static void tanh_vec(float *y, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 4 <= n; j += 4) vst1q_f32(y + j, tanh4(vld1q_f32(x + j)));
    if (j < n) store_part(y + j, tanh4(load_part(x + j, (int)(n - j))), (int)(n - j));
}

/* tanh in place over rows (rows, P) of stride ld. */
static void tanh_rows(float *y, int rows, int P, size_t ld)
{
    const int P4 = P & ~3;
    for (int r = 0; r < rows; r++, y += ld) {
        for (int p = 0; p < P4; p += 4) vst1q_f32(y + p, tanh4(vld1q_f32(y + p)));
        if (P4 < P) store_part(y + P4, tanh4(load_part(y + P4, P - P4)), P - P4);
    }
}

/* ------------------------------------------------------ dense products */

/* The forward pass and the data gradient share one product,
     Y[j][p] = sum_k A[j][k] X[k][p],  A[j][k] = a[j*sj + k*sk],
   computed in blocks of rows j and point vectors. Each block starts from
   the bias b[j] (or 0) and, when h is set, ends with the factor
   (1 - h^2); the forward pass's tanh runs over each block of rows once
   its products are done. */

static inline float32x4_t start(const float *b, int j)
{
    return b ? vdupq_n_f32(b[j]) : vdupq_n_f32(0.0f);
}

/* v times (1 - h^2) for the n lanes of h at off, when h is set. */
static inline float32x4_t finish(float32x4_t v, const float *h, size_t off, int n)
{
    if (!h) return v;
    const float32x4_t hv = load_n(h + off, n);
    return vmulq_f32(v, vfmsq_f32(vdupq_n_f32(1.0f), hv, hv));
}

/* Block of 4 rows x 16 points. y, x and h point at column p of row 0 of
   the block; a at A[0][0] of the block, b at the block's first bias. */
static void block_4x4(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const float *b, const float *h)
{
    float32x4_t c[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) c[r][0] = c[r][1] = c[r][2] = c[r][3] = start(b, r);
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float *ak = a + (size_t)k * sk;
        const float32x4_t x0 = vld1q_f32(xk), x1 = vld1q_f32(xk + 4);
        const float32x4_t x2 = vld1q_f32(xk + 8), x3 = vld1q_f32(xk + 12);
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            const float32x4_t w = vdupq_n_f32(ak[(size_t)r * sj]);
            c[r][0] = vfmaq_f32(c[r][0], w, x0);
            c[r][1] = vfmaq_f32(c[r][1], w, x1);
            c[r][2] = vfmaq_f32(c[r][2], w, x2);
            c[r][3] = vfmaq_f32(c[r][3], w, x3);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
        for (int v = 0; v < 4; v++) {
            const size_t off = (size_t)r * ld + 4 * (size_t)v;
            vst1q_f32(y + off, finish(c[r][v], h, off, 4));
        }
}

/* Block of 4 rows x n <= 4 points (lanes >= n neither read nor written). */
static void block_4x1(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const float *b, const float *h, int n)
{
    float32x4_t c0 = start(b, 0), c1 = start(b, 1), c2 = start(b, 2), c3 = start(b, 3);
    for (int k = 0; k < K; k++) {
        const float *ak = a + (size_t)k * sk;
        const float32x4_t x0 = load_n(x + (size_t)k * ld, n);
        c0 = vfmaq_f32(c0, vdupq_n_f32(ak[0]), x0);
        c1 = vfmaq_f32(c1, vdupq_n_f32(ak[sj]), x0);
        c2 = vfmaq_f32(c2, vdupq_n_f32(ak[2 * sj]), x0);
        c3 = vfmaq_f32(c3, vdupq_n_f32(ak[3 * sj]), x0);
    }
    store_n(y, finish(c0, h, 0, n), n);
    store_n(y + ld, finish(c1, h, ld, n), n);
    store_n(y + 2 * ld, finish(c2, h, 2 * ld, n), n);
    store_n(y + 3 * ld, finish(c3, h, 3 * ld, n), n);
}

/* Block of 1 row x 16 points. */
static void block_1x4(float *y, const float *x, const float *a, size_t sk, int K, size_t ld,
                      const float *b, const float *h)
{
    float32x4_t c0 = start(b, 0), c1 = c0, c2 = c0, c3 = c0;
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float32x4_t w = vdupq_n_f32(a[(size_t)k * sk]);
        c0 = vfmaq_f32(c0, w, vld1q_f32(xk));
        c1 = vfmaq_f32(c1, w, vld1q_f32(xk + 4));
        c2 = vfmaq_f32(c2, w, vld1q_f32(xk + 8));
        c3 = vfmaq_f32(c3, w, vld1q_f32(xk + 12));
    }
    vst1q_f32(y, finish(c0, h, 0, 4));
    vst1q_f32(y + 4, finish(c1, h, 4, 4));
    vst1q_f32(y + 8, finish(c2, h, 8, 4));
    vst1q_f32(y + 12, finish(c3, h, 12, 4));
}

/* Block of 1 row x n <= 4 points. */
static void block_1x1(float *y, const float *x, const float *a, size_t sk, int K, size_t ld,
                      const float *b, const float *h, int n)
{
    float32x4_t c = start(b, 0);
    for (int k = 0; k < K; k++)
        c = vfmaq_f32(c, vdupq_n_f32(a[(size_t)k * sk]), load_n(x + (size_t)k * ld, n));
    store_n(y, finish(c, h, 0, n), n);
}

/* y(J, P) = finish(start + A(J, K) @ x(K, P)) over all blocks, then tanh
   over each block of rows when act is set. */
static void product(float *y, const float *x, const float *a, size_t sj, size_t sk,
                    int J, int K, int P, size_t ld, const float *b, const float *h, int act)
{
    int j = 0;
    for (; j + 4 <= J; j += 4) {
        const float *aj = a + (size_t)j * sj, *bj = b ? b + j : NULL;
        int p = 0;
        for (; p + 16 <= P; p += 16) {
            const size_t off = (size_t)j * ld + (size_t)p;
            block_4x4(y + off, x + p, aj, sj, sk, K, ld, bj, h ? h + off : NULL);
        }
        for (; p < P; p += 4) {
            const size_t off = (size_t)j * ld + (size_t)p;
            block_4x1(y + off, x + p, aj, sj, sk, K, ld, bj, h ? h + off : NULL,
                      P - p < 4 ? P - p : 4);
        }
        if (act) tanh_rows(y + (size_t)j * ld, 4, P, ld);
    }
    for (; j < J; j++) {
        const float *aj = a + (size_t)j * sj, *bj = b ? b + j : NULL;
        int p = 0;
        for (; p + 16 <= P; p += 16) {
            const size_t off = (size_t)j * ld + (size_t)p;
            block_1x4(y + off, x + p, aj, sk, K, ld, bj, h ? h + off : NULL);
        }
        for (; p < P; p += 4) {
            const size_t off = (size_t)j * ld + (size_t)p;
            block_1x1(y + off, x + p, aj, sk, K, ld, bj, h ? h + off : NULL,
                      P - p < 4 ? P - p : 4);
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

/* The loops below run over the P4 = P & ~3 full vectors of a row and then,
   when P4 < P, over one partial vector of n = P - P4 lanes whose zero
   lanes keep columns >= P (possibly garbage) out of the sums. Each step_*
   adds the products of the 4 points at column p into the accumulators;
   it is called with n == 4 in the main loop, so the compiler drops the
   lane-by-lane path there. */

/* c[r][s] += g[r][p..] * x[s][p..] for rows r < 4 of dout, s < 4 of in. */
static inline void step_4x4(float32x4_t c[4][4], const float *g, const float *x, size_t ld,
                            int p, int n)
{
    float32x4_t xs[4];
#pragma GCC unroll 4
    for (int s = 0; s < 4; s++) xs[s] = load_n(x + (size_t)s * ld + p, n);
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        const float32x4_t d = load_n(g + (size_t)r * ld + p, n);
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) c[r][s] = vfmaq_f32(c[r][s], d, xs[s]);
    }
}

/* dW[o..o+3][i..i+3] += dout(4, P) @ in(4, P)^T; g at row o, x at row i. */
static void wgrad_4x4(float *dW, size_t ni, const float *g, const float *x, size_t ld,
                      int P4, int P)
{
    float32x4_t c[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) c[r][0] = c[r][1] = c[r][2] = c[r][3] = vdupq_n_f32(0.0f);
    for (int p = 0; p < P4; p += 4) step_4x4(c, g, x, ld, p, 4);
    if (P4 < P) step_4x4(c, g, x, ld, P4, P - P4);
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        /* pairwise adds: [sum c[r][0], ..., sum c[r][3]] */
        const float32x4_t s = vpaddq_f32(vpaddq_f32(c[r][0], c[r][1]), vpaddq_f32(c[r][2], c[r][3]));
        float *w = dW + (size_t)r * ni;
        vst1q_f32(w, vaddq_f32(vld1q_f32(w), s));
    }
}

/* c[r] += g[r][p..] * x[p..] (or + g[r][p..] when x is NULL), rows r < 4. */
static inline void step_4x1(float32x4_t c[4], const float *g, const float *x, size_t ld,
                            int p, int n)
{
    const float32x4_t x0 = x ? load_n(x + p, n) : vdupq_n_f32(1.0f);
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) c[r] = vfmaq_f32(c[r], load_n(g + (size_t)r * ld + p, n), x0);
}

/* s[r] = sum_p g[r][p] x[p] (or sum_p g[r][p] when x is NULL), r < 4. */
static float32x4_t sums_4x1(const float *g, const float *x, size_t ld, int P4, int P)
{
    float32x4_t c[4] = { vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f) };
    for (int p = 0; p < P4; p += 4) step_4x1(c, g, x, ld, p, 4);
    if (P4 < P) step_4x1(c, g, x, ld, P4, P - P4);
    return vpaddq_f32(vpaddq_f32(c[0], c[1]), vpaddq_f32(c[2], c[3]));
}

/* Returns sum_p g[p] * x[p], or sum_p g[p] when x is NULL. */
static float dot_1x1(const float *g, const float *x, int P4, int P)
{
    const float32x4_t ones = vdupq_n_f32(1.0f);
    float32x4_t c0 = vdupq_n_f32(0.0f), c1 = c0;
    int p = 0;
    for (; p + 8 <= P4; p += 8) {
        c0 = vfmaq_f32(c0, vld1q_f32(g + p), x ? vld1q_f32(x + p) : ones);
        c1 = vfmaq_f32(c1, vld1q_f32(g + p + 4), x ? vld1q_f32(x + p + 4) : ones);
    }
    if (p < P4) {
        c0 = vfmaq_f32(c0, vld1q_f32(g + p), x ? vld1q_f32(x + p) : ones);
        p += 4;
    }
    if (p < P) c0 = vfmaq_f32(c0, load_part(g + p, P - p), x ? load_part(x + p, P - p) : ones);
    return vaddvq_f32(vaddq_f32(c0, c1));
}

static void dense_bwd_weight(float *dW, float *db, const float *dout, const float *in,
                             int ni, int no, int P, int ld)
{
    const size_t sld = (size_t)ld, sni = (size_t)ni;
    const int P4 = P & ~3, no4 = no & ~3, ni4 = ni & ~3;
    for (int o = 0; o < no4; o += 4) {
        const float *g = dout + (size_t)o * sld;
        float *w = dW + (size_t)o * sni;
        for (int i = 0; i < ni4; i += 4)
            wgrad_4x4(w + i, sni, g, in + (size_t)i * sld, sld, P4, P);
        for (int i = ni4; i < ni; i++) {
            float s[4];
            vst1q_f32(s, sums_4x1(g, in + (size_t)i * sld, sld, P4, P));
            for (int r = 0; r < 4; r++) w[(size_t)r * sni + (size_t)i] += s[r];
        }
        vst1q_f32(db + o, vaddq_f32(vld1q_f32(db + o), sums_4x1(g, NULL, sld, P4, P)));
    }
    for (int o = no4; o < no; o++) {
        const float *g = dout + (size_t)o * sld;
        for (int i = 0; i < ni; i++)
            dW[(size_t)o * sni + (size_t)i] += dot_1x1(g, in + (size_t)i * sld, P4, P);
        db[o] += dot_1x1(g, NULL, P4, P);
    }
}

/* ------------------------------------------------------------- Adam */

static void adam(float *p, float *m, float *v, const float *g, size_t n,
                 float lr, float b1, float b2, float eps, float bc1, float bc2)
{
    const float32x4_t vb1 = vdupq_n_f32(b1), vb2 = vdupq_n_f32(b2);
    const float32x4_t c1 = vdupq_n_f32(1.0f - b1), c2 = vdupq_n_f32(1.0f - b2);
    const float32x4_t vlr = vdupq_n_f32(lr), veps = vdupq_n_f32(eps);
    const float32x4_t vbc1 = vdupq_n_f32(bc1), vbc2 = vdupq_n_f32(bc2);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const float32x4_t gj = vld1q_f32(g + j);
        const float32x4_t mj = vfmaq_f32(vmulq_f32(c1, gj), vb1, vld1q_f32(m + j));
        const float32x4_t vj = vfmaq_f32(vmulq_f32(vmulq_f32(c2, gj), gj), vb2, vld1q_f32(v + j));
        const float32x4_t mhat = vdivq_f32(mj, vbc1);
        const float32x4_t den = vaddq_f32(vsqrtq_f32(vdivq_f32(vj, vbc2)), veps);
        const float32x4_t step = vdivq_f32(vmulq_f32(vlr, mhat), den);
        vst1q_f32(m + j, mj);
        vst1q_f32(v + j, vj);
        vst1q_f32(p + j, vsubq_f32(vld1q_f32(p + j), step));
    }
    for (; j < n; j++) {
        m[j] = b1 * m[j] + (1.0f - b1) * g[j];
        v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
        p[j] -= lr * (m[j] / bc1) / (sqrtf(v[j] / bc2) + eps);
    }
}

/* ------------------------------------------------------- peak rate */

/* Twenty independent chains a = a m + c of 4 lanes each: enough to keep
   up to four FMA pipes of latency 4 busy (16 chains), with margin. */
#define NEON_CHAINS 20

static double fma_loop(float *sink, long n)
{
    const float32x4_t m = vdupq_n_f32(0.9999f), c = vdupq_n_f32(1e-4f);
    float32x4_t a[NEON_CHAINS];
    for (int i = 0; i < NEON_CHAINS; i++) a[i] = vdupq_n_f32(0.1f + 0.01f * (float)i);
    for (long r = 0; r < n; r++)
#pragma GCC unroll 20
        for (int i = 0; i < NEON_CHAINS; i++) a[i] = vfmaq_f32(c, a[i], m);
    float32x4_t s = a[0];
    for (int i = 1; i < NEON_CHAINS; i++) s = vaddq_f32(s, a[i]);
    *sink = vaddvq_f32(s);
    return (double)NEON_CHAINS * 4.0 * 2.0 * (double)n;
}

/* ------------------------------------------------------------- table */

static const kernels_t neon_kernels = {
    "neon", dense_fwd, dense_bwd_data, dense_bwd_weight, tanh_vec, adam, fma_loop,
};

const kernels_t *kernels_neon(void)
{
    return &neon_kernels;
}

#else

const kernels_t *kernels_neon(void)
{
    return NULL;
}

#endif
