/* Counter-based generator: a SplitMix64-style finaliser applied to the key
   and the counter. Statistically good enough for sampling and labelling,
   and trivially reproducible. */
#include "pbde/rng.h"

#include <math.h>

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_hash(uint64_t key, uint64_t ctr)
{
    return mix(mix(key + 0x9e3779b97f4a7c15ULL) ^ (ctr * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL));
}

rng_t rng_stream(uint64_t seed, uint64_t stream)
{
    rng_t r = { rng_hash(seed, stream ^ 0x5bd1e995ULL), 0 };
    return r;
}

rng_t rng_substream(uint64_t seed, uint64_t stream, uint64_t sub)
{
    rng_t r = { rng_hash(rng_stream(seed, stream).key, sub), 0 };
    return r;
}

uint64_t rng_next(rng_t *r)
{
    return rng_hash(r->key, r->ctr++);
}

double rng_uniform(rng_t *r)
{
    /* 53 random bits, shifted by half an ulp so 0 and 1 never occur */
    return ((double)(rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double rng_normal(rng_t *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
