/* A tanh MLP R^2 -> R: depth hidden layers of the same width, then a
   linear scalar output. Forward and backward run over blocks of points
   through the chosen kernels.

   Parameter layout (one flat float array, shared by gradients and Adam's
   moments): for each layer l = 0..depth, W_l (out, in) row-major followed
   by b_l (out); layer 0 has in = 2, the last layer has out = 1. */
#ifndef PBDE_MLP_H
#define PBDE_MLP_H

#include <stddef.h>

#include "pbde/kernels.h"
#include "pbde/rng.h"

typedef struct {
    int width; /* hidden units per layer */
    int depth; /* number of hidden layers (>= 1) */
} mlp_shape_t;

/* Number of floats in the parameter array of this shape. */
size_t mlp_n_params(mlp_shape_t s);

/* Offset of W_l and b_l inside the parameter array. */
size_t mlp_offset_w(mlp_shape_t s, int layer);
size_t mlp_offset_b(mlp_shape_t s, int layer);

/* Fills params with a fan-in uniform initialisation drawn from rng:
   weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), except the first
   layer's biases, U(-in_range/sqrt(2), in_range/sqrt(2)) for inputs in
   [-in_range, in_range], so the first features' tanh transitions are
   spread over the whole input box rather than all passing through the
   origin. With zero_last the output layer's weights and bias are zero, so
   the network outputs exactly 0 everywhere. */
void mlp_init(float *params, mlp_shape_t s, rng_t *rng, int zero_last, double in_range);

/* Scratch space for up to max_points points: the cached activations of
   the last forward pass and the buffers of the backward pass. */
typedef struct mlp_work mlp_work_t;

/* Returns a work area for blocks of at most max_points points, or NULL on
   allocation failure. */
mlp_work_t *mlp_work_create(mlp_shape_t s, int max_points);
void mlp_work_destroy(mlp_work_t *w);

/* Largest block size this work area accepts. */
int mlp_work_capacity(const mlp_work_t *w);

/* out(n) = network(xy(n, 2)) for n <= capacity; caches the activations in w
   for a following mlp_backward. */
void mlp_forward(const kernels_t *k, mlp_work_t *w, float *out, const float *xy,
                 const float *params, int n);

/* Accumulates into grad (same layout as params) the gradient of
   sum_p dout[p] * out[p] for the points of the last mlp_forward on w. */
void mlp_backward(const kernels_t *k, mlp_work_t *w, float *grad, const float *dout,
                  const float *params, int n);

/* Convenience for evaluation only: out(n) for any n, in blocks. */
void mlp_eval(const kernels_t *k, mlp_work_t *w, float *out, const float *xy,
              const float *params, size_t n);

#endif
