/* The tanh MLP: parameter layout, initialisation, and forward and backward
   passes over blocks of points through the kernels. */
#include "pbde/mlp.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"

/* A row of KERNELS_ALIGN floats fills whole aligned blocks, so every row
   of a work area starts aligned. */
_Static_assert(KERNELS_ALIGN * sizeof(float) % KERNELS_ALIGN_BYTES == 0,
               "rows of KERNELS_ALIGN floats must keep KERNELS_ALIGN_BYTES alignment");

struct mlp_work {
    mlp_shape_t s;
    int cap;     /* largest block */
    size_t ld;   /* row stride: kernels_stride(cap) */
    float *buf;  /* the one allocation holding the blocks below */
    float *x;    /* (2, ld) input block, transposed */
    float *h;    /* (depth * width, ld) hidden activations, layer after layer */
    float *y;    /* (1, ld) network output */
    float *g[2]; /* (width, ld) each: gradients w.r.t. pre-activations */
};

/* ------------------------------------------------------------- layout */

static int layer_in(mlp_shape_t s, int l)
{
    return l == 0 ? 2 : s.width;
}

static int layer_out(mlp_shape_t s, int l)
{
    return l == s.depth ? 1 : s.width;
}

static size_t layer_size(mlp_shape_t s, int l)
{
    return (size_t)layer_out(s, l) * ((size_t)layer_in(s, l) + 1);
}

size_t mlp_n_params(mlp_shape_t s)
{
    return mlp_offset_w(s, s.depth + 1);
}

size_t mlp_offset_w(mlp_shape_t s, int layer)
{
    size_t off = 0;
    for (int l = 0; l < layer; l++) off += layer_size(s, l);
    return off;
}

size_t mlp_offset_b(mlp_shape_t s, int layer)
{
    return mlp_offset_w(s, layer) + (size_t)layer_out(s, layer) * (size_t)layer_in(s, layer);
}

void mlp_init(float *params, mlp_shape_t s, rng_t *rng, int zero_last, double in_range)
{
    for (int l = 0; l <= s.depth; l++) {
        const int ni = layer_in(s, l), no = layer_out(s, l);
        const size_t nw = (size_t)no * (size_t)ni;
        float *W = params + mlp_offset_w(s, l);
        float *b = params + mlp_offset_b(s, l);
        if (l == s.depth && zero_last) {
            memset(W, 0, nw * sizeof *W);
            memset(b, 0, (size_t)no * sizeof *b);
            continue;
        }
        const double limit = 1.0 / sqrt((double)ni);
        const double blimit = l == 0 ? in_range * limit : limit;
        for (size_t j = 0; j < nw; j++) W[j] = (float)((2.0 * rng_uniform(rng) - 1.0) * limit);
        for (int j = 0; j < no; j++) b[j] = (float)((2.0 * rng_uniform(rng) - 1.0) * blimit);
    }
}

/* ---------------------------------------------------------- work area */

mlp_work_t *mlp_work_create(mlp_shape_t s, int max_points)
{
    /* the row stride must stay an int for the kernels */
    if (s.width < 1 || s.depth < 1 || max_points < 1 || max_points > (1 << 30)) return NULL;
    mlp_work_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->s = s;
    w->cap = max_points;
    w->ld = kernels_stride((size_t)max_points);

    /* rows: input 2, hidden depth*width, output 1, two gradient blocks */
    const size_t hidden = pbde_mul_size((size_t)s.depth, (size_t)s.width);
    const size_t grads = pbde_mul_size(2, (size_t)s.width);
    if (!hidden || !grads || hidden > SIZE_MAX - 3 - grads) goto fail;
    const size_t rows = 2 + hidden + 1 + grads;
    const size_t bytes = pbde_mul_size(pbde_mul_size(rows, w->ld), sizeof(float));
    if (!bytes) goto fail;
    /* bytes is a multiple of KERNELS_ALIGN_BYTES (as aligned_alloc needs)
       because ld is a multiple of KERNELS_ALIGN floats */
    w->buf = aligned_alloc(KERNELS_ALIGN_BYTES, bytes);
    if (!w->buf) goto fail;
    memset(w->buf, 0, bytes);

    w->x = w->buf;
    w->h = w->x + 2 * w->ld;
    w->y = w->h + hidden * w->ld;
    w->g[0] = w->y + w->ld;
    w->g[1] = w->g[0] + (size_t)s.width * w->ld;
    return w;
fail:
    free(w);
    return NULL;
}

void mlp_work_destroy(mlp_work_t *w)
{
    if (!w) return;
    free(w->buf);
    free(w);
}

int mlp_work_capacity(const mlp_work_t *w)
{
    return w->cap;
}

/* Hidden activations of layer l, (width, ld). */
static float *hidden(const mlp_work_t *w, int l)
{
    return w->h + (size_t)l * (size_t)w->s.width * w->ld;
}

/* ------------------------------------------------- forward / backward */

void mlp_forward(const kernels_t *k, mlp_work_t *w, float *out, const float *xy,
                 const float *params, int n)
{
    assert(n >= 0 && n <= w->cap);
    if (n <= 0) return;
    const mlp_shape_t s = w->s;
    const int ld = (int)w->ld;
    for (int p = 0; p < n; p++) {
        w->x[p] = xy[2 * (size_t)p];
        w->x[w->ld + (size_t)p] = xy[2 * (size_t)p + 1];
    }
    const float *in = w->x;
    for (int l = 0; l <= s.depth; l++) {
        float *o = l < s.depth ? hidden(w, l) : w->y;
        k->dense_fwd(o, in, params + mlp_offset_w(s, l), params + mlp_offset_b(s, l),
                     layer_in(s, l), layer_out(s, l), n, ld, l < s.depth);
        in = o;
    }
    memcpy(out, w->y, (size_t)n * sizeof *out);
}

void mlp_backward(const kernels_t *k, mlp_work_t *w, float *grad, const float *dout,
                  const float *params, int n)
{
    assert(n >= 0 && n <= w->cap);
    if (n <= 0) return;
    const mlp_shape_t s = w->s;
    const int ld = (int)w->ld;
    float *g = w->g[0], *gn = w->g[1];
    memcpy(g, dout, (size_t)n * sizeof *g); /* (1, n): gradient at the linear output */
    for (int l = s.depth; l >= 0; l--) {
        const int ni = layer_in(s, l), no = layer_out(s, l);
        const float *in = l > 0 ? hidden(w, l - 1) : w->x;
        k->dense_bwd_weight(grad + mlp_offset_w(s, l), grad + mlp_offset_b(s, l), g, in,
                            ni, no, n, ld);
        if (l > 0) {
            /* through W_l and the tanh that produced its input */
            k->dense_bwd_data(gn, g, params + mlp_offset_w(s, l), in, ni, no, n, ld);
            float *t = g;
            g = gn;
            gn = t;
        }
    }
}

void mlp_eval(const kernels_t *k, mlp_work_t *w, float *out, const float *xy,
              const float *params, size_t n)
{
    const size_t cap = (size_t)w->cap;
    for (size_t start = 0; start < n; start += cap) {
        const size_t nb = n - start < cap ? n - start : cap;
        mlp_forward(k, w, out + start, xy + 2 * start, params, (int)nb);
    }
}
