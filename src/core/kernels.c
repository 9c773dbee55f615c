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

static const kernels_t *avx2_or_scalar(void)
{
    const kernels_t *k = cpu_has_avx2_fma() ? kernels_avx2() : NULL;
    return k ? k : kernels_scalar();
}

const kernels_t *kernels_select(const char *want)
{
    if (!want || !*want) return avx2_or_scalar(); /* the fastest we have */
    if (strcmp(want, "scalar") == 0) return kernels_scalar();
    if (strcmp(want, "avx2") == 0) return avx2_or_scalar();
    return NULL;
}
