/* Counter-based random numbers: every value is a pure function of
   (key, counter), so a data set depends only on its parameters and seed,
   never on the order in which it is generated. */
#ifndef PBDE_RNG_H
#define PBDE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t key; /* seed mixed with a stream id */
    uint64_t ctr; /* position in the stream */
} rng_t;

/* Named streams keep independent uses of one seed apart. */
enum {
    RNG_STREAM_POINTS = 1,
    RNG_STREAM_LABELS = 2,
    RNG_STREAM_INIT = 3,
    RNG_STREAM_SHUFFLE = 4,
    RNG_STREAM_HELDOUT = 5,
    RNG_STREAM_HELDOUT_LABELS = 6,
    /* 7: the annotate mode's questions (live.h) */
    RNG_STREAM_BORDA = 8, /* the proposal draws of the Borda count (borda.h) */
    RNG_STREAM_TEST = 99
};

/* Hashes (key, counter) to 64 uniformly distributed bits. */
uint64_t rng_hash(uint64_t key, uint64_t ctr);

/* Returns a stream for (seed, stream id) positioned at counter 0. */
rng_t rng_stream(uint64_t seed, uint64_t stream);

/* Returns a stream for (seed, stream id, sub id), for per-item streams. */
rng_t rng_substream(uint64_t seed, uint64_t stream, uint64_t sub);

/* Next 64 bits of the stream. */
uint64_t rng_next(rng_t *r);

/* Uniform double in the open interval (0, 1). */
double rng_uniform(rng_t *r);

/* Standard normal double (Box-Muller on two uniforms). */
double rng_normal(rng_t *r);

#endif
