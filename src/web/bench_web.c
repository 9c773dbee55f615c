/* A quick in-page benchmark for the browser edition: how fast the default
   64x3 network trains with the wasm SIMD128 kernels against the scalar
   kernels compiled to wasm (the baseline a browser without them would
   get), and each dense kernel alone, in about a second. The page calls
   pbde_web_bench and shows the JSON; make web-bench runs it under node. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"
#include "pbde/kernels.h"
#include "pbde/params.h"
#include "pbde/rng.h"
#include "pbde/trainer.h"

/* Called from the page (an exported function); no C caller includes a
   header for it. */
int pbde_web_bench(char *out, size_t n);

/* Seconds each measurement runs for, after its warm-up: 2 trainings and
   3 kernels x 2 sets stay well under 2 s with the trainers' set-up. */
#define TRAIN_SECONDS 0.25
#define KERNEL_SECONDS 0.06
/* Points per block of the kernels alone: the block the grid evaluation
   and the training steps use. */
#define KERNEL_POINTS 256

/* ------------------------------------------------------------ training */

/* Training pairs per second of the default network with kernels k: steps
   of the trainer, timed after two warm-up steps (which also let the
   engine compile the hot code with its optimising tier). Returns -1 when
   the trainer cannot be made or a step fails. */
static double train_rate(const params_t *p0, const kernels_t *k)
{
    params_t p = *p0;
    p.threads = 1;       /* the browser build is single-threaded */
    p.steps = 100000000; /* never done; the cosine schedule stays near lr */
    char err[256];
    trainer_t *t = trainer_create(&p, k, err, sizeof err);
    if (!t) return -1.0;
    double rate = -1.0;
    if (trainer_step(t, 2) != 0) goto done;
    long steps = 0;
    const double t0 = pbde_now();
    double dt = 0.0;
    do {
        if (trainer_step(t, 1) != 0) goto done;
        steps++;
        dt = pbde_now() - t0;
    } while (dt < TRAIN_SECONDS);
    rate = (double)steps * (double)p.batch / dt;
done:
    trainer_destroy(t);
    return rate;
}

/* ------------------------------------------------------ kernels alone */

enum { KB_FWD, KB_BWD_DATA, KB_BWD_WEIGHT, KB_COUNT };
static const char *const KB_NAMES[KB_COUNT] = { "dense_fwd+tanh", "dense_bwd_data", "dense_bwd_weight" };

/* One W x W layer of P points and its operands. */
typedef struct {
    int W, P, ld;
    float *buf;             /* the one allocation holding the arrays below */
    float *in, *out, *h;    /* (W, ld) each */
    float *w, *b, *dw, *db; /* (W, W), (W), (W, W), (W) */
} layer_t;

static int layer_make(layer_t *l, int W, int P)
{
    l->W = W;
    l->P = P;
    l->ld = (int)kernels_stride((size_t)P);
    const size_t wl = (size_t)W * (size_t)l->ld, ww = (size_t)W * (size_t)W;
    const size_t wb = ((size_t)W + KERNELS_ALIGN - 1) / KERNELS_ALIGN * KERNELS_ALIGN;
    const size_t nf = 3 * wl + 2 * ww + 2 * wb;
    if (!(l->buf = aligned_alloc(KERNELS_ALIGN_BYTES, nf * sizeof(float)))) return -1;
    float *q = l->buf;
    l->in = q, q += wl;
    l->out = q, q += wl;
    l->h = q, q += wl;
    l->w = q, q += ww;
    l->dw = q, q += ww;
    l->b = q, q += wb;
    l->db = q;
    rng_t r = rng_substream(1, RNG_STREAM_INIT, 7);
    for (size_t j = 0; j < nf; j++) l->buf[j] = (float)(2.0 * rng_uniform(&r) - 1.0);
    const float scale = 1.0f / (float)W;
    for (size_t j = 0; j < ww; j++) l->w[j] *= scale;
    return 0;
}

static void kernel_call(const kernels_t *k, layer_t *l, int kind)
{
    switch (kind) {
    case KB_FWD: k->dense_fwd(l->out, l->in, l->w, l->b, l->W, l->W, l->P, l->ld, 1); break;
    case KB_BWD_DATA: k->dense_bwd_data(l->out, l->in, l->w, l->h, l->W, l->W, l->P, l->ld); break;
    default: k->dense_bwd_weight(l->dw, l->db, l->in, l->h, l->W, l->W, l->P, l->ld); break;
    }
}

/* Seconds per call of kernel `kind` of k, after a few warm-up calls. */
static double kernel_time(const kernels_t *k, layer_t *l, int kind)
{
    for (int i = 0; i < 20; i++) kernel_call(k, l, kind);
    memset(l->dw, 0, (size_t)l->W * (size_t)l->W * sizeof(float)); /* keep the sums small */
    long calls = 0;
    const double t0 = pbde_now();
    double dt = 0.0;
    do {
        for (int i = 0; i < 10; i++) kernel_call(k, l, kind);
        calls += 10;
        dt = pbde_now() - t0;
    } while (dt < KERNEL_SECONDS);
    return dt / (double)calls;
}

/* ------------------------------------------------------------ the JSON */

/* Appends to out(n) at *len like snprintf; returns -1 once it no longer
   fits. */
static int put(char *out, size_t n, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *out, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int w = vsnprintf(out + *len, n - *len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= n - *len) return -1;
    *len += (size_t)w;
    return 0;
}

/* Measures training and the dense kernels with the wasm SIMD128 kernels
   (or, in a build without them, the fastest set there is) and the scalar
   kernels, and writes one JSON object to out(n):
     {"network": "64x3", "batch": 512, "simd": "wasm-simd",
      "train_pairs_per_s": {"simd": .., "scalar": ..},
      "pct_of_scalar": .., (SIMD training rate in % of the scalar one)
      "kernels": {"dense_fwd+tanh": {"simd_us": .., "scalar_us": ..,
                  "time_ratio": .. (simd time / scalar time)}, ..},
      "seconds": .. (the whole benchmark)}
   Takes about a second. Returns the length written, or -1 when a trainer
   or an allocation failed or the JSON does not fit in n bytes (out then
   holds "" when n > 0). */
int pbde_web_bench(char *out, size_t n)
{
    if (!out || n == 0) return -1;
    out[0] = '\0';
    const double t_start = pbde_now();
    const kernels_t *simd = kernels_wasm_simd() ? kernels_wasm_simd() : kernels_select(NULL);
    const kernels_t *scalar = kernels_scalar();
    params_t p;
    params_defaults(&p);
    const double r_simd = train_rate(&p, simd);
    const double r_scalar = train_rate(&p, scalar);
    if (r_simd < 0 || r_scalar < 0) return -1;

    layer_t l;
    if (layer_make(&l, (int)p.width, KERNEL_POINTS) != 0) return -1;
    double t_k[KB_COUNT][2];
    for (int kind = 0; kind < KB_COUNT; kind++) {
        t_k[kind][0] = kernel_time(simd, &l, kind);
        t_k[kind][1] = kernel_time(scalar, &l, kind);
    }
    free(l.buf);

    size_t len = 0;
    int rc = put(out, n, &len,
                 "{\"network\": \"%ldx%ld\", \"batch\": %ld, \"simd\": \"%s\", "
                 "\"train_pairs_per_s\": {\"simd\": %.0f, \"scalar\": %.0f}, "
                 "\"pct_of_scalar\": %.1f, \"kernels\": {",
                 p.width, p.depth, p.batch, simd->name, r_simd, r_scalar,
                 100.0 * r_simd / r_scalar);
    for (int kind = 0; kind < KB_COUNT && !rc; kind++)
        rc = put(out, n, &len,
                 "%s\"%s\": {\"simd_us\": %.2f, \"scalar_us\": %.2f, \"time_ratio\": %.3f}",
                 kind ? ", " : "", KB_NAMES[kind], 1e6 * t_k[kind][0], 1e6 * t_k[kind][1],
                 t_k[kind][0] / t_k[kind][1]);
    if (!rc) rc = put(out, n, &len, "}, \"seconds\": %.2f}", pbde_now() - t_start);
    if (rc) {
        out[0] = '\0';
        return -1;
    }
    return (int)len;
}
