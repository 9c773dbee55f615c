/* Compute kernels of the MLP, with a plain scalar reference and SIMD
   versions chosen once at start-up.

   Activations are stored neuron-major over a block of points: a matrix
   "(n, P) with row stride ld" holds neuron k of point p at [k*ld + p].
   ld is a multiple of KERNELS_ALIGN floats and buffers are 32-byte aligned,
   so one AVX register holds one neuron for 8 points (a NEON register for
   4). Only the first P columns of a row are read or written meaningfully;
   P need not be a multiple of the vector width. */
#ifndef PBDE_KERNELS_H
#define PBDE_KERNELS_H

#include <stddef.h>

#define KERNELS_ALIGN 8

typedef struct {
    const char *name; /* "scalar", "avx2", "neon" */

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

/* The scalar reference kernels (always available). */
const kernels_t *kernels_scalar(void);

/* The AVX2+FMA kernels, or NULL when this CPU or build lacks them. */
const kernels_t *kernels_avx2(void);

/* The NEON kernels (AArch64 Advanced SIMD), or NULL on other targets. */
const kernels_t *kernels_neon(void);

/* Chooses the fastest kernels the CPU supports; want == "scalar" forces the
   reference ("avx2" or "neon" asks for that set and falls back to the
   fastest available when absent).
   want may be NULL or empty for automatic choice. Returns NULL only for an
   unknown name. */
const kernels_t *kernels_select(const char *want);

#endif
