/* WebAssembly SIMD128 kernels for the browser edition (emcc -msimd128;
   on every other target the file compiles to a kernels_wasm_simd() that
   returns NULL). A browser that runs the module runs all of SIMD128, so
   there is no run-time check.

   The scheme of the NEON kernels, 4 lanes per register, sized for the
   engine rather than the instruction set: the JIT maps wasm's v128 values
   onto the host's registers (16 XMM on x86-64, one of them its scratch),
   so a block keeps at most 8 accumulators and the few values it loads.
   SIMD128 has no fused multiply-add (relaxed SIMD's is not in every
   browser, and rounds differently from one host to the next), so a
   multiply-add is a multiply and an add. The last, partial vector of a
   row is read and written lane by lane, so columns P..ld-1 are never
   touched. */
#include "pbde/kernels.h"

#if defined(__wasm_simd128__)

#include <math.h>
#include <wasm_simd128.h>

/* ------------------------------------------------------------ helpers */

typedef v128_t f4; /* 4 floats */

static inline f4 splat(float x)
{
    return wasm_f32x4_splat(x);
}

static inline f4 load4(const float *p)
{
    return wasm_v128_load(p);
}

static inline void store4(float *p, f4 v)
{
    wasm_v128_store(p, v);
}

/* c + a b, rounded twice. */
static inline f4 madd(f4 c, f4 a, f4 b)
{
    return wasm_f32x4_add(c, wasm_f32x4_mul(a, b));
}

/* The first n < 4 floats at p, the other lanes 0. */
static inline f4 load_part(const float *p, int n)
{
    float t[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    for (int i = 0; i < n; i++) t[i] = p[i];
    return load4(t);
}

/* Stores the first n < 4 lanes of v at p. */
static inline void store_part(float *p, f4 v, int n)
{
    float t[4];
    store4(t, v);
    for (int i = 0; i < n; i++) p[i] = t[i];
}

/* A vector at p: a full one when n == 4, else n lanes and zeros. */
static inline f4 load_n(const float *p, int n)
{
    return n == 4 ? load4(p) : load_part(p, n);
}

static inline void store_n(float *p, f4 v, int n)
{
    if (n == 4) store4(p, v);
    else store_part(p, v, n);
}

/* [sum a, sum b, sum c, sum d]: the horizontal sums of four vectors. */
static inline f4 hsum4(f4 a, f4 b, f4 c, f4 d)
{
    const f4 ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    const f4 cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    /* ab = [a0+a2, b0+b2, a1+a3, b1+b3], cd likewise */
    return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* ---------------------------------------------------------------- tanh */

#define TANH_CLAMP 9.0f

/* tanh of 4 floats: the rational x P(x^2) / Q(x^2) of degrees 4 and 4 of
   the NEON kernels (fitted as kernels_avx2.c describes) on x clamped to
   [-9, 9],
   with each multiply-add rounded twice; the max abs error stays below
   4e-7 (test_kernels measures it). pmin(a, b) is b < a ? b : a and
   pmax(a, b) is a < b ? b : a, single instructions on x86 and ARM, and
   with the argument first both give back a NaN argument, so NaN stays
   NaN; -0 stays -0. */
static inline f4 tanh4(f4 x)
{
    const f4 one = splat(1.0f);
    x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, splat(TANH_CLAMP)), splat(-TANH_CLAMP));
    const f4 z = wasm_f32x4_mul(x, x);
    f4 p = splat(1.34164092672697392e-8f);
    p = madd(splat(2.0656981806077607007e-5f), p, z);
    p = madd(splat(3.4986496880330498606e-3f), p, z);
    p = madd(splat(0.13383658526171667494f), p, z);
    p = madd(one, p, z);
    f4 q = splat(7.8028097077882691063e-7f);
    q = madd(splat(3.2905338114743188366e-4f), q, z);
    q = madd(splat(2.5888795441701927639e-2f), q, z);
    q = madd(splat(0.46716979018114903607f), q, z);
    q = madd(one, q, z);
    const f4 y = wasm_f32x4_div(wasm_f32x4_mul(x, p), q);
    return wasm_f32x4_pmax(wasm_f32x4_pmin(y, one), splat(-1.0f));
}

static void tanh_vec(float *y, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 4 <= n; j += 4) store4(y + j, tanh4(load4(x + j)));
    if (j < n) store_part(y + j, tanh4(load_part(x + j, (int)(n - j))), (int)(n - j));
}

/* tanh in place over rows (rows, P) of stride ld. */
static void tanh_rows(float *y, int rows, int P, size_t ld)
{
    const int P4 = P & ~3;
    for (int r = 0; r < rows; r++, y += ld) {
        for (int p = 0; p < P4; p += 4) store4(y + p, tanh4(load4(y + p)));
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

static inline f4 start(const float *b, int j)
{
    return b ? splat(b[j]) : splat(0.0f);
}

/* v times (1 - h^2) for the n lanes of h at off, when h is set. */
static inline f4 finish(f4 v, const float *h, size_t off, int n)
{
    if (!h) return v;
    const f4 hv = load_n(h + off, n);
    return wasm_f32x4_mul(v, wasm_f32x4_sub(splat(1.0f), wasm_f32x4_mul(hv, hv)));
}

/* Block of 4 rows x 8 points: 8 accumulators, 2 point vectors and the
   broadcast weight. y, x and h point at column p of row 0 of the block;
   a at A[0][0] of the block, b at the block's first bias. */
static void block_4x2(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const float *b, const float *h)
{
    f4 c00 = start(b, 0), c01 = c00, c10 = start(b, 1), c11 = c10;
    f4 c20 = start(b, 2), c21 = c20, c30 = start(b, 3), c31 = c30;
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const float *ak = a + (size_t)k * sk;
        const f4 x0 = load4(xk), x1 = load4(xk + 4);
        f4 w = splat(ak[0]);
        c00 = madd(c00, w, x0);
        c01 = madd(c01, w, x1);
        w = splat(ak[sj]);
        c10 = madd(c10, w, x0);
        c11 = madd(c11, w, x1);
        w = splat(ak[2 * sj]);
        c20 = madd(c20, w, x0);
        c21 = madd(c21, w, x1);
        w = splat(ak[3 * sj]);
        c30 = madd(c30, w, x0);
        c31 = madd(c31, w, x1);
    }
    store4(y, finish(c00, h, 0, 4));
    store4(y + 4, finish(c01, h, 4, 4));
    store4(y + ld, finish(c10, h, ld, 4));
    store4(y + ld + 4, finish(c11, h, ld + 4, 4));
    store4(y + 2 * ld, finish(c20, h, 2 * ld, 4));
    store4(y + 2 * ld + 4, finish(c21, h, 2 * ld + 4, 4));
    store4(y + 3 * ld, finish(c30, h, 3 * ld, 4));
    store4(y + 3 * ld + 4, finish(c31, h, 3 * ld + 4, 4));
}

/* Block of 4 rows x n <= 4 points (lanes >= n neither read nor written). */
static void block_4x1(float *y, const float *x, const float *a, size_t sj, size_t sk,
                      int K, size_t ld, const float *b, const float *h, int n)
{
    f4 c0 = start(b, 0), c1 = start(b, 1), c2 = start(b, 2), c3 = start(b, 3);
    for (int k = 0; k < K; k++) {
        const float *ak = a + (size_t)k * sk;
        const f4 x0 = load_n(x + (size_t)k * ld, n);
        c0 = madd(c0, splat(ak[0]), x0);
        c1 = madd(c1, splat(ak[sj]), x0);
        c2 = madd(c2, splat(ak[2 * sj]), x0);
        c3 = madd(c3, splat(ak[3 * sj]), x0);
    }
    store_n(y, finish(c0, h, 0, n), n);
    store_n(y + ld, finish(c1, h, ld, n), n);
    store_n(y + 2 * ld, finish(c2, h, 2 * ld, n), n);
    store_n(y + 3 * ld, finish(c3, h, 3 * ld, n), n);
}

/* Block of 1 row x 16 points (4 independent chains). */
static void block_1x4(float *y, const float *x, const float *a, size_t sk, int K, size_t ld,
                      const float *b, const float *h)
{
    f4 c0 = start(b, 0), c1 = c0, c2 = c0, c3 = c0;
    for (int k = 0; k < K; k++) {
        const float *xk = x + (size_t)k * ld;
        const f4 w = splat(a[(size_t)k * sk]);
        c0 = madd(c0, w, load4(xk));
        c1 = madd(c1, w, load4(xk + 4));
        c2 = madd(c2, w, load4(xk + 8));
        c3 = madd(c3, w, load4(xk + 12));
    }
    store4(y, finish(c0, h, 0, 4));
    store4(y + 4, finish(c1, h, 4, 4));
    store4(y + 8, finish(c2, h, 8, 4));
    store4(y + 12, finish(c3, h, 12, 4));
}

/* Block of 1 row x n <= 4 points. */
static void block_1x1(float *y, const float *x, const float *a, size_t sk, int K, size_t ld,
                      const float *b, const float *h, int n)
{
    f4 c = start(b, 0);
    for (int k = 0; k < K; k++) c = madd(c, splat(a[(size_t)k * sk]), load_n(x + (size_t)k * ld, n));
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
        for (; p + 8 <= P; p += 8) {
            const size_t off = (size_t)j * ld + (size_t)p;
            block_4x2(y + off, x + p, aj, sj, sk, K, ld, bj, h ? h + off : NULL);
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
   lanes keep columns >= P (possibly garbage) out of the sums. */

/* c[r][s] += g[r][p..] * x[s][p..] for rows r < 2 of dout, s < 4 of in. */
static inline void step_2x4(f4 c[2][4], const float *g, const float *x, size_t ld, int p, int n)
{
    const f4 x0 = load_n(x + p, n), x1 = load_n(x + ld + p, n);
    const f4 x2 = load_n(x + 2 * ld + p, n), x3 = load_n(x + 3 * ld + p, n);
    for (int r = 0; r < 2; r++) {
        const f4 d = load_n(g + (size_t)r * ld + p, n);
        c[r][0] = madd(c[r][0], d, x0);
        c[r][1] = madd(c[r][1], d, x1);
        c[r][2] = madd(c[r][2], d, x2);
        c[r][3] = madd(c[r][3], d, x3);
    }
}

/* dW[o..o+1][i..i+3] += dout(2, P) @ in(4, P)^T; g at row o, x at row i. */
static void wgrad_2x4(float *dW, size_t ni, const float *g, const float *x, size_t ld,
                      int P4, int P)
{
    f4 c[2][4];
    for (int r = 0; r < 2; r++) c[r][0] = c[r][1] = c[r][2] = c[r][3] = splat(0.0f);
    for (int p = 0; p < P4; p += 4) step_2x4(c, g, x, ld, p, 4);
    if (P4 < P) step_2x4(c, g, x, ld, P4, P - P4);
    for (int r = 0; r < 2; r++) {
        float *w = dW + (size_t)r * ni;
        store4(w, wasm_f32x4_add(load4(w), hsum4(c[r][0], c[r][1], c[r][2], c[r][3])));
    }
}

/* Returns sum_p g[p] * x[p], or sum_p g[p] when x is NULL. */
static float dot_1x1(const float *g, const float *x, int P4, int P)
{
    const f4 ones = splat(1.0f);
    f4 c0 = splat(0.0f), c1 = c0;
    int p = 0;
    for (; p + 8 <= P4; p += 8) {
        c0 = madd(c0, load4(g + p), x ? load4(x + p) : ones);
        c1 = madd(c1, load4(g + p + 4), x ? load4(x + p + 4) : ones);
    }
    if (p < P4) {
        c0 = madd(c0, load4(g + p), x ? load4(x + p) : ones);
        p += 4;
    }
    if (p < P) c0 = madd(c0, load_part(g + p, P - p), x ? load_part(x + p, P - p) : ones);
    const f4 s = wasm_f32x4_add(c0, c1);
    return (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 2)) +
           (wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 3));
}

static void dense_bwd_weight(float *dW, float *db, const float *dout, const float *in,
                             int ni, int no, int P, int ld)
{
    const size_t sld = (size_t)ld, sni = (size_t)ni;
    const int P4 = P & ~3, no2 = no & ~1, ni4 = ni & ~3;
    for (int o = 0; o < no2; o += 2) {
        const float *g = dout + (size_t)o * sld;
        float *w = dW + (size_t)o * sni;
        for (int i = 0; i < ni4; i += 4)
            wgrad_2x4(w + i, sni, g, in + (size_t)i * sld, sld, P4, P);
        for (int r = 0; r < 2; r++) {
            const float *gr = g + (size_t)r * sld;
            for (int i = ni4; i < ni; i++)
                w[(size_t)r * sni + (size_t)i] += dot_1x1(gr, in + (size_t)i * sld, P4, P);
            db[o + r] += dot_1x1(gr, NULL, P4, P);
        }
    }
    for (int o = no2; o < no; o++) {
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
    const f4 vb1 = splat(b1), vb2 = splat(b2);
    const f4 c1 = splat(1.0f - b1), c2 = splat(1.0f - b2);
    const f4 vlr = splat(lr), veps = splat(eps);
    const f4 vbc1 = splat(bc1), vbc2 = splat(bc2);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const f4 gj = load4(g + j);
        const f4 mj = madd(wasm_f32x4_mul(c1, gj), vb1, load4(m + j));
        const f4 vj = madd(wasm_f32x4_mul(wasm_f32x4_mul(c2, gj), gj), vb2, load4(v + j));
        const f4 mhat = wasm_f32x4_div(mj, vbc1);
        const f4 den = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vj, vbc2)), veps);
        const f4 step = wasm_f32x4_div(wasm_f32x4_mul(vlr, mhat), den);
        store4(m + j, mj);
        store4(v + j, vj);
        store4(p + j, wasm_f32x4_sub(load4(p + j), step));
    }
    for (; j < n; j++) {
        m[j] = b1 * m[j] + (1.0f - b1) * g[j];
        v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
        p[j] -= lr * (m[j] / bc1) / (sqrtf(v[j] / bc2) + eps);
    }
}

/* ------------------------------------------------------- peak rate */

/* Twelve independent chains a = a m + c of 4 lanes each, a multiply and
   an add per step: 12 chains and the two constants fill the 15 registers
   the JIT hands out on x86-64 without spilling. */
#define WASM_CHAINS 12

static double fma_loop(float *sink, long n)
{
    const f4 m = splat(0.9999f), c = splat(1e-4f);
    f4 a[WASM_CHAINS];
    for (int i = 0; i < WASM_CHAINS; i++) a[i] = splat(0.1f + 0.01f * (float)i);
    for (long r = 0; r < n; r++)
#pragma clang loop unroll(full)
        for (int i = 0; i < WASM_CHAINS; i++) a[i] = madd(c, a[i], m);
    f4 s = a[0];
    for (int i = 1; i < WASM_CHAINS; i++) s = wasm_f32x4_add(s, a[i]);
    *sink = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
            (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
    return (double)WASM_CHAINS * 4.0 * 2.0 * (double)n;
}

/* ------------------------------------------------------------- table */

static const kernels_t wasm_simd_kernels = {
    "wasm-simd", dense_fwd, dense_bwd_data, dense_bwd_weight, tanh_vec, adam, fma_loop,
};

const kernels_t *kernels_wasm_simd(void)
{
    return &wasm_simd_kernels;
}

#else

const kernels_t *kernels_wasm_simd(void)
{
    return NULL;
}

#endif
