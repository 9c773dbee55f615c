/* Choice of the kernel set, made once at start-up. */
#include "pbde/kernels.h"

#include <string.h>

/* Whether this CPU can run the AVX2+FMA kernels. kernels_avx2() repeats
   the check so it is safe on its own; doing it here too keeps the choice
   visible in one place. */
static int cpu_has_avx2_fma(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* The fastest set this CPU and build have: AVX2 on x86-64 CPUs that
   support it, NEON on AArch64 (where it is always present), else the
   scalar reference. */
static const kernels_t *fastest(void)
{
    const kernels_t *k = cpu_has_avx2_fma() ? kernels_avx2() : NULL;
    if (!k) k = kernels_neon();
    return k ? k : kernels_scalar();
}

const kernels_t *kernels_select(const char *want)
{
    if (!want || !*want) return fastest();
    if (strcmp(want, "scalar") == 0) return kernels_scalar();
    if (strcmp(want, "avx2") == 0 || strcmp(want, "neon") == 0) return fastest();
    return NULL;
}
