/* Preference data: pairs, labels, annotator ids, held-out split. */
#include "pbde/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"

size_t dataset_size(const dataset_t *d)
{
    return d->n_train + d->n_held;
}

/* Pair i of a stream: its two points, then its label, each from the pair's
   own sub-stream. */
static void draw_pair(dataset_t *d, const world_t *w, uint64_t stream_pts, uint64_t stream_lab,
                      uint64_t i, size_t slot)
{
    rng_t rp = rng_substream((uint64_t)w->p.seed, stream_pts, i);
    rng_t rl = rng_substream((uint64_t)w->p.seed, stream_lab, i);
    float *xy = d->pts + 4 * slot;
    world_sample_proposal(w, &rp, xy, 2);
    annotator_point_t pp[2];
    annotator_points(&w->dens, w->p.ref_scale, xy, 2, pp);
    int who = 0;
    d->y[slot] = (uint8_t)annotator_label(&w->ann, &pp[0], &pp[1], &rl, &who);
    d->who[slot] = (uint8_t)who;
    d->prob[slot] = (float)annotator_prob(&w->ann, &pp[0], &pp[1]);
    d->dref[slot] = (float)(pp[0].lr - pp[1].lr);
}

int dataset_create(dataset_t *d, const world_t *w)
{
    memset(d, 0, sizeof *d);
    size_t n_train = (size_t)w->p.pairs;
    size_t n_held = (size_t)llround(w->p.heldout * (double)w->p.pairs);
    if (n_held < 1) n_held = 1;
    size_t n = n_train + n_held;
    size_t b4 = pbde_mul_size(n, 4 * sizeof(float)), b1 = pbde_mul_size(n, sizeof(float));
    if (!b4 || !b1) return -1;
    d->pts = malloc(b4);
    d->dref = malloc(b1);
    d->prob = malloc(b1);
    d->y = malloc(n);
    d->who = malloc(n);
    if (!d->pts || !d->dref || !d->prob || !d->y || !d->who) {
        dataset_destroy(d);
        return -1;
    }
    d->n_train = n_train;
    d->n_held = n_held;
    for (size_t i = 0; i < n_train; i++)
        draw_pair(d, w, RNG_STREAM_POINTS, RNG_STREAM_LABELS, i, i);
    for (size_t i = 0; i < n_held; i++)
        draw_pair(d, w, RNG_STREAM_HELDOUT, RNG_STREAM_HELDOUT_LABELS, i, n_train + i);
    return 0;
}

void dataset_destroy(dataset_t *d)
{
    free(d->pts);
    free(d->dref);
    free(d->prob);
    free(d->y);
    free(d->who);
    memset(d, 0, sizeof *d);
}
