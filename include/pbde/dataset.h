/* The preference data set: pairs drawn from the proposal, labelled by the
   annotator, with the hidden annotator id and a held-out split. Every pair
   i is a pure function of (parameters, seed, i): pair i draws its points
   and its label from its own counter-based streams. */
#ifndef PBDE_DATASET_H
#define PBDE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "pbde/world.h"

typedef struct {
    size_t n_train;   /* training pairs: indices [0, n_train) */
    size_t n_held;    /* held-out pairs: indices [n_train, n_train + n_held) */
    float *pts;       /* (n, 4): ax, ay, bx, by */
    float *dref;      /* (n) log pi_ref(a) - log pi_ref(b) */
    float *prob;      /* (n) the annotator's P(a > b) */
    uint8_t *y;       /* (n) 1 when a was preferred */
    uint8_t *who;     /* (n) which annotator answered (0 unless mixture) */
} dataset_t;

/* Draws the data set of world w: w->p.pairs training pairs and
   round(heldout * pairs) held-out pairs (at least 1) from separate
   streams. Returns 0, or -1 on allocation failure (d left empty). */
int dataset_create(dataset_t *d, const world_t *w);
void dataset_destroy(dataset_t *d);

/* Total number of pairs. */
size_t dataset_size(const dataset_t *d);

#endif
