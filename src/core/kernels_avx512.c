/* AVX-512 kernels (AVX-512F and DQ). The Makefile compiles this file alone
   with -mavx512f -mavx512dq -mfma; kernels_avx512() checks the CPU before
   handing the table out.

   One register holds one neuron for 16 points. The scheme is that of the
   AVX2 kernels (kernels_avx2.c) with twice the lanes, twice the registers
   and lane masks: the dense products keep 4 output rows x 4 point vectors
   in registers and broadcast one weight per row and input; the weight
   gradient keeps 4 x 4 sums of vectors and reduces all sixteen at once
   with one transposing tree. The last, partial vector of a row is read
   through a zeroing lane mask and written through a lane mask, so columns
   P..ld-1 are never touched. */
#include "pbde/kernels.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__FMA__)

#include <immintrin.h>
#include <math.h>

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Mask with the first n lanes set, 0 <= n <= 16. */
static inline __mmask16 lane_mask(int n)
{
    return (__mmask16)((1u << n) - 1u);
}

/* A vector at p, through the zeroing mask m when masked. */
static ALWAYS_INLINE __m512 load_m(const float *p, __mmask16 m, int masked)
{
    return masked ? _mm512_maskz_loadu_ps(m, p) : _mm512_loadu_ps(p);
}

static ALWAYS_INLINE void store_m(float *p, __m512 v, __mmask16 m, int masked)
{
    if (masked) _mm512_mask_storeu_ps(p, m, v);
    else _mm512_storeu_ps(p, v);
}

/* ---------------------------------------------------------------- tanh */

#define TANH_CLAMP 7.92f

/* tanh of 16 floats: the rational x P(x^2) / Q(x^2) of the AVX2 kernels
   (see kernels_avx2.c for its fit; max abs error 4.4e-7 in float) with the
   same operations in the same order, so both give the same bits. min/max
   return their second operand when one is NaN, so NaN stays NaN. */
static inline __m512 tanh16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 c = _mm512_set1_ps(TANH_CLAMP);
    x = _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), c), _mm512_min_ps(c, x));
    const __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(1.1270872443416747547e-5f);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.9370327356873323524e-3f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(0.12912944209444776049f));
    p = _mm512_fmadd_ps(p, z, one);
    __m512 q = _mm512_set1_ps(2.4077594881941965237e-7f);
    q = _mm512_fmadd_ps(q, z, _mm512_set1_ps(2.3665262123514674439e-4f));
    q = _mm512_fmadd_ps(q, z, _mm512_set1_ps(2.3759166293258513351e-2f));
    q = _mm512_fmadd_ps(q, z, _mm512_set1_ps(0.46246181649952585612f));
    q = _mm512_fmadd_ps(q, z, one);
    const __m512 y = _mm512_div_ps(_mm512_mul_ps(x, p), q);
    return _mm512_max_ps(_mm512_sub_ps(_mm512_setzero_ps(), one), _mm512_min_ps(one, y));
}

static void tanh_vec(float *y, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, tanh16(_mm512_loadu_ps(x + j)));
    if (j < n) {
        const __mmask16 m = lane_mask((int)(n - j));
        _mm512_mask_storeu_ps(y + j, m, tanh16(_mm512_maskz_loadu_ps(m, x + j)));
    }
}

/* tanh in place over rows (rows, P) of stride ld. */
static void tanh_rows(float *y, int rows, int P, size_t ld)
{
    const int P16 = P & ~15;
    const __mmask16 m = lane_mask(P - P16);
    for (int r = 0; r < rows; r++, y += ld) {
        for (int p = 0; p < P16; p += 16) _mm512_storeu_ps(y + p, tanh16(_mm512_loadu_ps(y + p)));
        if (P16 < P) _mm512_mask_storeu_ps(y + P16, m, tanh16(_mm512_maskz_loadu_ps(m, y + P16)));
    }
}

/* ------------------------------------------------------ dense products */

/* The forward pass and the data gradient share one product,
     Y[j][p] = sum_k A[j][k] X[k][p],  A[j][k] = a[j*sj + k*sk],
   in blocks of R rows j by V point vectors, the last of which is masked
   when `masked` is set. Each block starts from the bias b (or 0) and, with
   h, ends by multiplying by (1 - h^2), the tanh factor of the data
   gradient. y, x and h point at column p of row 0 of the block; a at
   A[0][0] of the block. Always inlined into the wrappers below with R, V
   and masked constant, so each wrapper is straight-line code with its
   R x V accumulators in registers (at most 16 of the 32, plus V inputs
   and one broadcast weight). */
static ALWAYS_INLINE void block(float *y, const float *x, const float *a, size_t sj, size_t sk,
                                int K, size_t ld, const float *b, const float *h, int R, int V,
                                int masked, __mmask16 m)
{
    __m512 c[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        const __m512 c0 = b ? _mm512_set1_ps(b[r]) : _mm512_setzero_ps();
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) c[r][v] = c0;
    }
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float *ak = a + (size_t)k * sk;
        __m512 xv[4];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) xv[v] = load_m(xk + 16 * v, m, masked && v == V - 1);
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            const __m512 w = _mm512_set1_ps(ak[(size_t)r * sj]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++) c[r][v] = _mm512_fmadd_ps(w, xv[v], c[r][v]);
        }
    }
    const __m512 one = _mm512_set1_ps(1.0f);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < V; v++) {
            const size_t off = (size_t)r * ld + (size_t)(16 * v);
            const int mv = masked && v == V - 1;
            __m512 out = c[r][v];
            if (h) {
                const __m512 hv = load_m(h + off, m, mv);
                out = _mm512_mul_ps(out, _mm512_fnmadd_ps(hv, hv, one));
            }
            store_m(y + off, out, m, mv);
        }
}

/* The wrappers: R rows by V vectors, full (F) or with the last one masked
   (M). */
#define BLOCK_FN(name, R, V, masked)                                                         \
    static void name(float *y, const float *x, const float *a, size_t sj, size_t sk, int K,  \
                     size_t ld, const float *b, const float *h, __mmask16 m)                 \
    {                                                                                        \
        block(y, x, a, sj, sk, K, ld, b, h, R, V, masked, m);                                \
    }
BLOCK_FN(block_4x4F, 4, 4, 0)
BLOCK_FN(block_4x1M, 4, 1, 1)
BLOCK_FN(block_4x2M, 4, 2, 1)
BLOCK_FN(block_4x3M, 4, 3, 1)
BLOCK_FN(block_4x4M, 4, 4, 1)
BLOCK_FN(block_1x4F, 1, 4, 0)
BLOCK_FN(block_1x1M, 1, 1, 1)
BLOCK_FN(block_1x2M, 1, 2, 1)
BLOCK_FN(block_1x3M, 1, 3, 1)
BLOCK_FN(block_1x4M, 1, 4, 1)
#undef BLOCK_FN

typedef void (*block_fn)(float *y, const float *x, const float *a, size_t sj, size_t sk, int K,
                         size_t ld, const float *b, const float *h, __mmask16 m);

/* Rows j..j+R-1 (R = 4 or 1) over all P points: blocks of 64 points, then
   one block of the 1 to 4 vectors left, its last vector masked (a full
   mask when the rest is a multiple of 16). */
static void row_block(int R, float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, int P, size_t ld, const float *b, const float *h)
{
    static const block_fn full[2] = { block_1x4F, block_4x4F };
    static const block_fn rest[2][4] = { { block_1x1M, block_1x2M, block_1x3M, block_1x4M },
                                         { block_4x1M, block_4x2M, block_4x3M, block_4x4M } };
    const int four = R == 4;
    int p = 0;
    for (; p + 64 <= P; p += 64)
        full[four](y + p, x + p, a, sj, sk, K, ld, b, h ? h + p : NULL, lane_mask(16));
    if (p < P) {
        const int n = P - p, nv = (n + 15) / 16;
        rest[four][nv - 1](y + p, x + p, a, sj, sk, K, ld, b, h ? h + p : NULL,
                           lane_mask(n - 16 * (nv - 1)));
    }
}

/* Points per panel: one block of 4 vectors. */
#define PANEL 64

/* y(J, P) = finish(start + A(J, K) @ x(K, P)), then tanh when act is set,
   one panel of PANEL points at a time: all rows of the panel, then the
   tanh over them. The panel of 64 inputs (16 KB) stays in L1 while every
   block of 4 rows reads it, where a sweep of all P points for each block
   of rows streams the whole input (70 KB for 64 x 256) from L2 each time;
   measured on Zen 5, 64 x 3 grid evaluation 3 % faster. */
static void product(float *y, const float *x, const float *a, size_t sj, size_t sk,
                    int J, int K, int P, size_t ld, const float *b, const float *h, int act)
{
    for (int p = 0; p < P; p += PANEL) {
        const int n = P - p < PANEL ? P - p : PANEL;
        for (int j = 0; j < J;) {
            const int R = j + 4 <= J ? 4 : 1;
            const size_t off = (size_t)j * ld + (size_t)p;
            row_block(R, y + off, x + p, a + (size_t)j * sj, sj, sk, K, n, ld, b ? b + j : NULL,
                      h ? h + off : NULL);
            j += R;
        }
        if (act) tanh_rows(y + p, J, n, ld);
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

/* Lane j of the result is the sum of the 16 lanes of c[j]: a transposing
   tree of 15 additions, each of two shuffled halves of a pair. */
static ALWAYS_INLINE __m512 hsum16(const __m512 c[16])
{
    __m512 t[8], u[4], v[2];
    /* t[i]: lanes 0-7 the two 256-bit halves of c[2i] added, 8-15 those of c[2i+1] */
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(c[2 * i], c[2 * i + 1], 0x44),
                             _mm512_shuffle_f32x4(c[2 * i], c[2 * i + 1], 0xEE));
    /* u[i]: 128-bit quarters q0..q3 = partial sums (4 lanes) of c[4i], c[4i+1],
       c[4i+2], c[4i+3] */
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        u[i] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], 0x88),
                             _mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], 0xDD));
    /* v[i], quarter q: lanes 0-1 two partial sums of c[8i+q], lanes 2-3
       those of c[8i+4+q] */
#pragma GCC unroll 2
    for (int i = 0; i < 2; i++)
        v[i] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0x44),
                             _mm512_shuffle_ps(u[2 * i], u[2 * i + 1], 0xEE));
    /* quarter q, lanes 0..3: the sums of c[q], c[4+q], c[8+q], c[12+q] */
    const __m512 s = _mm512_add_ps(_mm512_shuffle_ps(v[0], v[1], 0x88),
                                   _mm512_shuffle_ps(v[0], v[1], 0xDD));
    /* lane 4q + l holds c[4l + q]; move it to lane 4l + q */
    const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(perm, s);
}

/* c[4r + s] += g[r][p..] * x_s[p..] for the R rows r of dout and the S
   columns s of in, over the vector at column p; the last column is all
   ones when ones is set (its sums are the bias gradient, so the bias
   costs no pass of its own; a multiply-add by 1 is exactly an add). */
static ALWAYS_INLINE void wstep(__m512 c[16], const float *g, const float *x, size_t ld, int p,
                                __mmask16 m, int masked, int R, int S, int ones)
{
    __m512 xs[4];
#pragma GCC unroll 4
    for (int s = 0; s < S; s++)
        xs[s] = ones && s == S - 1 ? _mm512_set1_ps(1.0f) : load_m(x + (size_t)s * ld + p, m, masked);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        const __m512 d = load_m(g + (size_t)r * ld + p, m, masked);
#pragma GCC unroll 4
        for (int s = 0; s < S; s++) c[4 * r + s] = _mm512_fmadd_ps(d, xs[s], c[4 * r + s]);
    }
}

/* dW[o..o+R-1][i..i+S-1] += dout(R, P) @ in(S, P)^T, g at row o and x at
   row i, R and S <= 4; with ones, the last of the S columns is the bias
   instead: db[o..o+R-1] += sum_p dout. Masked zero lanes keep columns
   >= P (possibly garbage) out of the sums. */
static ALWAYS_INLINE void wgrad(float *dW, float *db, size_t ni, const float *g, const float *x,
                                size_t ld, int P, int R, int S, int ones)
{
    const int P16 = P & ~15;
    const __mmask16 m = lane_mask(P - P16);
    __m512 c[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) c[j] = _mm512_setzero_ps();
    for (int p = 0; p < P16; p += 16) wstep(c, g, x, ld, p, m, 0, R, S, ones);
    if (P16 < P) wstep(c, g, x, ld, P16, m, 1, R, S, ones);
    float u[16]; /* u[4r + s]: row r, column s */
    _mm512_storeu_ps(u, hsum16(c));
    for (int r = 0; r < R; r++)
        for (int s = 0; s < S; s++) {
            if (ones && s == S - 1) db[r] += u[4 * r + s];
            else dW[(size_t)r * ni + (size_t)s] += u[4 * r + s];
        }
}

/* The wrappers: R rows by S columns, the last one the bias (B) or not. */
#define WGRAD_FN(name, R, S, ones)                                                         \
    static void name(float *dW, float *db, size_t ni, const float *g, const float *x,      \
                     size_t ld, int P)                                                     \
    {                                                                                      \
        wgrad(dW, db, ni, g, x, ld, P, R, S, ones);                                        \
    }
WGRAD_FN(wgrad_4x4, 4, 4, 0)
WGRAD_FN(wgrad_4x1B, 4, 1, 1)
WGRAD_FN(wgrad_4x2B, 4, 2, 1)
WGRAD_FN(wgrad_4x3B, 4, 3, 1)
WGRAD_FN(wgrad_4x4B, 4, 4, 1)
WGRAD_FN(wgrad_1x4, 1, 4, 0)
WGRAD_FN(wgrad_1x1B, 1, 1, 1)
WGRAD_FN(wgrad_1x2B, 1, 2, 1)
WGRAD_FN(wgrad_1x3B, 1, 3, 1)
WGRAD_FN(wgrad_1x4B, 1, 4, 1)
#undef WGRAD_FN

typedef void (*wgrad_fn)(float *dW, float *db, size_t ni, const float *g, const float *x,
                         size_t ld, int P);

static void dense_bwd_weight(float *dW, float *db, const float *dout, const float *in,
                             int ni, int no, int P, int ld)
{
    static const wgrad_fn full[2] = { wgrad_1x4, wgrad_4x4 };
    static const wgrad_fn rest[2][4] = { { wgrad_1x1B, wgrad_1x2B, wgrad_1x3B, wgrad_1x4B },
                                         { wgrad_4x1B, wgrad_4x2B, wgrad_4x3B, wgrad_4x4B } };
    const size_t sld = (size_t)ld, sni = (size_t)ni;
    int four = 0;
    /* rows in fours (then ones): columns in fours, then the last ni % 4
       columns together with the bias as one more block of 1 to 4 */
    for (int o = 0; o < no; o += four ? 4 : 1) {
        four = o + 4 <= no;
        const float *g = dout + (size_t)o * sld;
        float *w = dW + (size_t)o * sni;
        int i = 0;
        for (; i + 4 <= ni; i += 4) full[four](w + i, NULL, sni, g, in + (size_t)i * sld, sld, P);
        rest[four][ni - i](w + i, db + o, sni, g, in + (size_t)i * sld, sld, P);
    }
}

/* ------------------------------------------------------------- Adam */

static ALWAYS_INLINE void adam16(float *p, float *m, float *v, const float *g, __mmask16 k,
                                 int masked, __m512 vb1, __m512 vb2, __m512 c1, __m512 c2,
                                 __m512 vlr, __m512 veps, __m512 vbc1, __m512 vbc2)
{
    const __m512 gj = load_m(g, k, masked);
    const __m512 mj = _mm512_fmadd_ps(vb1, load_m(m, k, masked), _mm512_mul_ps(c1, gj));
    const __m512 vj = _mm512_fmadd_ps(vb2, load_m(v, k, masked),
                                      _mm512_mul_ps(_mm512_mul_ps(c2, gj), gj));
    const __m512 mhat = _mm512_div_ps(mj, vbc1);
    const __m512 den = _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(vj, vbc2)), veps);
    const __m512 step = _mm512_div_ps(_mm512_mul_ps(vlr, mhat), den);
    store_m(m, mj, k, masked);
    store_m(v, vj, k, masked);
    store_m(p, _mm512_sub_ps(load_m(p, k, masked), step), k, masked);
}

static void adam(float *p, float *m, float *v, const float *g, size_t n,
                 float lr, float b1, float b2, float eps, float bc1, float bc2)
{
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 c1 = _mm512_set1_ps(1.0f - b1), c2 = _mm512_set1_ps(1.0f - b2);
    const __m512 vlr = _mm512_set1_ps(lr), veps = _mm512_set1_ps(eps);
    const __m512 vbc1 = _mm512_set1_ps(bc1), vbc2 = _mm512_set1_ps(bc2);
    size_t j = 0;
    for (; j + 16 <= n; j += 16)
        adam16(p + j, m + j, v + j, g + j, lane_mask(16), 0, vb1, vb2, c1, c2, vlr, veps, vbc1,
               vbc2);
    if (j < n)
        adam16(p + j, m + j, v + j, g + j, lane_mask((int)(n - j)), 1, vb1, vb2, c1, c2, vlr,
               veps, vbc1, vbc2);
}

/* ------------------------------------------------------- peak rate */

/* Sixteen independent chains a = a m + c of 16 lanes each: a core with two
   512-bit FMA pipes of latency 4 needs 8 chains to keep both busy; 16
   leave margin and fit in the 32 registers with m and c. */
static double fma_loop(float *sink, long n)
{
    const __m512 m = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(1e-4f);
    __m512 a[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(0.10f + 0.01f * (float)i);
    for (long r = 0; r < n; r++) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], m, c);
    }
    __m512 s = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) s = _mm512_add_ps(s, a[i]);
    *sink = _mm512_reduce_add_ps(s);
    return 16.0 * 16.0 * 2.0 * (double)n;
}

/* ------------------------------------------------------------- table */

static const kernels_t avx512_kernels = {
    "avx512", dense_fwd, dense_bwd_data, dense_bwd_weight, tanh_vec, adam, fma_loop,
};

const kernels_t *kernels_avx512(void)
{
    /* plain integer code: safe to run on any x86-64 before the check
       (__builtin_cpu_supports also checks that the OS saves the 512-bit
       state) */
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq") ||
        !__builtin_cpu_supports("fma"))
        return NULL;
    return &avx512_kernels;
}

#else

const kernels_t *kernels_avx512(void)
{
    return NULL;
}

#endif
