/* Status codes and small helpers shared by every pbde module. */
#ifndef PBDE_COMMON_H
#define PBDE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PBDE_VERSION "0.1.0"

typedef enum {
    PBDE_OK = 0,
    PBDE_EINVAL = 1,   /* bad parameter or input */
    PBDE_ENOMEM = 2,   /* allocation failed or size overflow */
    PBDE_EIO = 3,      /* file could not be read or written */
    PBDE_EDIVERGED = 4 /* training produced NaN/Inf */
} pbde_status;

/* Returns a*b, or 0 when the product overflows size_t (callers treat 0 as
   an allocation failure). */
static inline size_t pbde_mul_size(size_t a, size_t b)
{
    if (a != 0 && b > (size_t)-1 / a) return 0;
    return a * b;
}

/* Monotonic time in seconds (for frame pacing and messages, never for
   what the program computes). */
static inline double pbde_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
