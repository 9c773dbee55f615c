/* The scalar reference kernels: the plain, obviously correct version of
   every op, which each SIMD version is tested against. They read and write
   only the first P columns of each row. */
#include "pbde/kernels.h"

#include <math.h>

static void dense_fwd(float *out, /* (no, P) */
                      const float *in, /* (ni, P) */
                      const float *W, /* (no, ni) */
                      const float *b, /* (no) */
                      int ni, int no, int P, int ld, int act_tanh)
{
    for (int o = 0; o < no; o++) {
        float *y = out + (size_t)o * (size_t)ld;
        for (int p = 0; p < P; p++) y[p] = b[o];
        for (int i = 0; i < ni; i++) {
            const float w = W[(size_t)o * (size_t)ni + (size_t)i];
            const float *x = in + (size_t)i * (size_t)ld;
            for (int p = 0; p < P; p++) y[p] += w * x[p];
        }
        if (act_tanh)
            for (int p = 0; p < P; p++) y[p] = tanhf(y[p]);
    }
}

static void dense_bwd_data(float *din, /* (ni, P) */
                           const float *dout, /* (no, P) */
                           const float *W, /* (no, ni) */
                           const float *h, /* (ni, P) or NULL */
                           int ni, int no, int P, int ld)
{
    for (int i = 0; i < ni; i++) {
        float *d = din + (size_t)i * (size_t)ld;
        for (int p = 0; p < P; p++) d[p] = 0.0f;
        for (int o = 0; o < no; o++) {
            const float w = W[(size_t)o * (size_t)ni + (size_t)i];
            const float *g = dout + (size_t)o * (size_t)ld;
            for (int p = 0; p < P; p++) d[p] += w * g[p];
        }
        if (h) {
            const float *hi = h + (size_t)i * (size_t)ld;
            for (int p = 0; p < P; p++) d[p] *= 1.0f - hi[p] * hi[p];
        }
    }
}

static void dense_bwd_weight(float *dW, /* (no, ni) */
                             float *db, /* (no) */
                             const float *dout, /* (no, P) */
                             const float *in, /* (ni, P) */
                             int ni, int no, int P, int ld)
{
    for (int o = 0; o < no; o++) {
        const float *g = dout + (size_t)o * (size_t)ld;
        for (int i = 0; i < ni; i++) {
            const float *x = in + (size_t)i * (size_t)ld;
            float s = 0.0f;
            for (int p = 0; p < P; p++) s += g[p] * x[p];
            dW[(size_t)o * (size_t)ni + (size_t)i] += s;
        }
        float s = 0.0f;
        for (int p = 0; p < P; p++) s += g[p];
        db[o] += s;
    }
}

static void tanh_vec(float *y, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) y[j] = tanhf(x[j]);
}

static void adam(float *p, float *m, float *v, const float *g, size_t n,
                 float lr, float b1, float b2, float eps, float bc1, float bc2)
{
    for (size_t j = 0; j < n; j++) {
        m[j] = b1 * m[j] + (1.0f - b1) * g[j];
        v[j] = b2 * v[j] + (1.0f - b2) * g[j] * g[j];
        const float mhat = m[j] / bc1;
        const float vhat = v[j] / bc2;
        p[j] -= lr * mhat / (sqrtf(vhat) + eps);
    }
}

/* Eight independent chains a = a m + c, which settle at c / (1 - m). */
static double fma_loop(float *sink, long n)
{
    const float m = 0.9999f, c = 1e-4f;
    float a0 = 0.1f, a1 = 0.2f, a2 = 0.3f, a3 = 0.4f, a4 = 0.5f, a5 = 0.6f, a6 = 0.7f, a7 = 0.8f;
    for (long r = 0; r < n; r++) {
        a0 = a0 * m + c;
        a1 = a1 * m + c;
        a2 = a2 * m + c;
        a3 = a3 * m + c;
        a4 = a4 * m + c;
        a5 = a5 * m + c;
        a6 = a6 * m + c;
        a7 = a7 * m + c;
    }
    *sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    return 16.0 * (double)n;
}

static const kernels_t scalar_kernels = {
    "scalar", dense_fwd, dense_bwd_data, dense_bwd_weight, tanh_vec, adam, fma_loop,
};

const kernels_t *kernels_scalar(void)
{
    return &scalar_kernels;
}
