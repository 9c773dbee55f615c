/* Choice of the kernel set, made once at start-up. */
#include "pbde/kernels.h"

#include <string.h>

/* Each kernels_*() checks the CPU itself (cpuid through
   __builtin_cpu_supports; NEON and wasm SIMD128 by the build's target)
   and returns NULL when the set cannot run here, so the order below is
   the whole policy: the widest vectors first. */
int kernels_available(const kernels_t *out[KERNELS_MAX])
{
    const kernels_t *all[KERNELS_MAX] = { kernels_avx512(), kernels_avx2(), kernels_neon(),
                                          kernels_wasm_simd(), kernels_scalar() };
    int n = 0;
    for (int i = 0; i < KERNELS_MAX; i++)
        if (all[i]) out[n++] = all[i];
    return n;
}

size_t kernels_stride(size_t points)
{
    size_t ld = (points + KERNELS_ALIGN - 1) / KERNELS_ALIGN * KERNELS_ALIGN;
    if (ld % 64 == 0) ld += KERNELS_ALIGN;
    return ld;
}

static const kernels_t *fastest(void)
{
    const kernels_t *k[KERNELS_MAX];
    kernels_available(k);
    return k[0];
}

const kernels_t *kernels_select(const char *want)
{
    if (!want || !*want) return fastest();
    const kernels_t *k = NULL;
    if (strcmp(want, "scalar") == 0) return kernels_scalar();
    else if (strcmp(want, "avx512") == 0) k = kernels_avx512();
    else if (strcmp(want, "avx2") == 0) k = kernels_avx2();
    else if (strcmp(want, "neon") == 0) k = kernels_neon();
    else if (strcmp(want, "wasm-simd") == 0) k = kernels_wasm_simd();
    else return NULL;
    return k ? k : fastest();
}
