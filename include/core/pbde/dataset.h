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
    size_t n_cap;     /* room for training pairs (>= n_train; model and active grow into it) */
    size_t n_held;    /* held-out pairs: indices [n_cap, n_cap + n_held) */
    float *pts;       /* (n, 4): ax, ay, bx, by */
    float *dref;      /* (n) log pi_ref(a) - log pi_ref(b) */
    float *prob;      /* (n) the annotator's P(a > b) */
    uint8_t *y;       /* (n) 1 when a was preferred */
    uint8_t *who;     /* (n) which annotator answered (0 unless mixture) */
} dataset_t;

/* What the model-based proposals need from the current model. */
typedef struct {
    const double *log_model; /* (G*G) pi_theta on the world's grid, normalised (model) */
    /* the model's preference logits of n pairs pts(n, 4) with dref(n) into out(n) (active) */
    void (*logits)(void *ctx, const float *pts, const float *dref, size_t n, double *out);
    void *ctx;
} dataset_model_t;

/* Draws the data set of world w: w->p.pairs training pairs and
   round(heldout * pairs) held-out pairs (at least 1) from separate
   streams. The held-out pairs always come from the fixed proposal
   (pi_ref, or uniform), so every proposal is scored on the same pairs.
   model and active start with pairs_start pairs drawn from pi_ref (room
   for pairs) and grow with dataset_grow. Returns 0, or -1 on allocation
   failure (d left empty). */
int dataset_create(dataset_t *d, const world_t *w);

/* dataset_create, or with w->p.pairs_file set the training pairs read from
   that CSV (labels and annotator ids as written; held-out pairs drawn as
   usual, round(heldout * rows) of them). Returns 0, or -1 with a message
   naming file:line in err. */
int dataset_create_err(dataset_t *d, const world_t *w, char *err, size_t errlen);
void dataset_destroy(dataset_t *d);

/* Total number of pairs (training and held-out). */
size_t dataset_size(const dataset_t *d);

/* Draws the points of pairs first .. first + n - 1 of stream `stream`
   (e.g. RNG_STREAM_POINTS) for w's proposal into pts(n, 4); m supplies the
   model for model (log_model) and active (logits), and may be NULL for
   the other proposals (model and active then fall back to pi_ref). Each
   pair is a pure function of (seed, stream, index, model). Returns 0, or
   -1 on allocation failure. */
int dataset_propose(const world_t *w, const dataset_model_t *m, uint64_t stream, uint64_t first,
                    size_t n, float *pts);

/* Appends up to count training pairs (fewer when n_cap is reached) drawn
   by dataset_propose for indices n_train.., labelled from their label
   streams. Returns the number added, or -1 on allocation failure. */
long dataset_grow(dataset_t *d, const world_t *w, const dataset_model_t *m, size_t count);

/* Replaces the training pairs with n given pairs pts(n, 4), labels y(n)
   and ids who(n) (NULL: 0); prob and dref are computed for w. The
   held-out pairs stay. Returns 0, or -1 on allocation failure (d
   unchanged). */
int dataset_set_train(dataset_t *d, const world_t *w, const float *pts, const uint8_t *y,
                      const uint8_t *who, size_t n);

/* Labels pair pts(4) as pair i of the label stream: sets prob, dref, y and
   who of slot. */
void dataset_label(dataset_t *d, const world_t *w, uint64_t label_stream, uint64_t i, size_t slot);

/* The CSV reader behind pairs-file: reads rows ax,ay,bx,by,y,annotator
   (header line required) of path into *pts (n, 4), *y (n) and *who (n)
   (malloc'd, caller frees), *n rows; points must lie in [-box, box]^2 and
   there may be at most max_rows rows. Returns 0, or -1 with "PATH:LINE:
   what is wrong" (or "PATH: ...") in err. */
int dataset_read_csv(const char *path, double box, size_t max_rows, float **pts, uint8_t **y,
                     uint8_t **who, size_t *n, char *err, size_t errlen);

#endif
