/* Compute kernels of the MLP, with a plain scalar reference and SIMD
   versions chosen once at start-up.

   Activations are stored neuron-major over a block of points: a matrix
   "(n, P) with row stride ld" holds neuron k of point p at [k*ld + p].
   ld is a multiple of KERNELS_ALIGN floats and buffers are aligned to
   KERNELS_ALIGN_BYTES, so every row starts on a 64-byte cache line: one
   AVX-512 register holds one neuron for 16 points (AVX 8, NEON and wasm
   SIMD128 4) and a
   full-vector load never straddles two lines. Only the first P columns of
   a row are read or written meaningfully; P need not be a multiple of the
   vector width. */
#ifndef PBDE_KERNELS_H
#define PBDE_KERNELS_H

#include <stddef.h>

#define KERNELS_ALIGN 16
#define KERNELS_ALIGN_BYTES 64

/* The most kernel sets one build can hold (kernels_available). */
#define KERNELS_MAX 5

typedef struct {
    const char *name; /* "scalar", "avx2", "avx512", "neon", "wasm-simd" */

    /* out(no, P) = act(W(no, ni) @ in(ni, P) + b(no)), act = tanh when
       act_tanh is non-zero, identity otherwise. */
    void (*dense_fwd)(float *out, const float *in, const float *W, const float *b,
                      int ni, int no, int P, int ld, int act_tanh);

    /* din(ni, P) = (W(no, ni)^T @ dout(no, P)) * (1 - h(ni, P)^2): the
       gradient through a tanh layer whose output was h. With h == NULL
       the tanh factor is omitted. */
    void (*dense_bwd_data)(float *din, const float *dout, const float *W, const float *h,
                           int ni, int no, int P, int ld);

    /* dW(no, ni) += dout(no, P) @ in(ni, P)^T and db(no) += sum_p dout:
       the weight gradients, accumulated. */
    void (*dense_bwd_weight)(float *dW, float *db, const float *dout, const float *in,
                             int ni, int no, int P, int ld);

    /* y(n) = tanh(x(n)); max abs error <= 1e-6 against libm. y may alias x. */
    void (*tanh_vec)(float *y, const float *x, size_t n);

    /* One Adam step over n parameters: m = b1 m + (1-b1) g,
       v = b2 v + (1-b2) g^2, p -= lr (m / bc1) / (sqrt(v / bc2) + eps),
       where bc1 = 1 - b1^t and bc2 = 1 - b2^t. */
    void (*adam)(float *p, float *m, float *v, const float *g, size_t n,
                 float lr, float b1, float b2, float eps, float bc1, float bc2);

    /* Runs n rounds of a loop of independent multiply-adds on registers
       only (no memory traffic), in this kernel set's vector width, and
       returns the FLOPs done (2 per multiply-add and lane). The sum of the
       accumulators goes to *sink, so the loop cannot be optimised away.
       Timing it measures the core's peak multiply-add rate. */
    double (*fma_loop)(float *sink, long n);
} kernels_t;

/* The row stride for blocks of up to `points` points: points rounded up to
   a multiple of KERNELS_ALIGN, plus one cache line when that is a multiple
   of 64 floats. A stride of a multiple of 256 bytes (1 KB for 256 points)
   maps the same column of every row to a few cache sets, so a panel of 64
   rows cannot stay in L1, and the conflicts in L2 change with the
   physical pages a run gets; one more line per row spreads the rows over
   all the sets. */
size_t kernels_stride(size_t points);

/* The scalar reference kernels (always available). */
const kernels_t *kernels_scalar(void);

/* The AVX2+FMA kernels, or NULL when this CPU or build lacks them. */
const kernels_t *kernels_avx2(void);

/* The AVX-512 kernels (AVX-512F and DQ, 16 lanes), or NULL when this CPU
   or build lacks them. */
const kernels_t *kernels_avx512(void);

/* The NEON kernels (AArch64 Advanced SIMD), or NULL on other targets. */
const kernels_t *kernels_neon(void);

/* The WebAssembly SIMD128 kernels (4 lanes), or NULL unless built for
   wasm with -msimd128. */
const kernels_t *kernels_wasm_simd(void);

/* Chooses the fastest kernels the CPU supports (AVX-512, then AVX2, then
   NEON or wasm SIMD128, then the reference); want == "scalar" forces the
   reference, and "avx512", "avx2", "neon" or "wasm-simd" asks for
   exactly that set (so "avx2" gives the AVX2 kernels on an AVX-512
   machine), falling back to the fastest available when this CPU or build
   lacks it. want may be NULL or empty for automatic choice. Returns NULL
   only for an unknown name. */
const kernels_t *kernels_select(const char *want);

/* The kernel sets this CPU and build can run, fastest first, the scalar
   reference last; returns how many (at most KERNELS_MAX) were written to
   out. */
int kernels_available(const kernels_t *out[KERNELS_MAX]);

#endif
