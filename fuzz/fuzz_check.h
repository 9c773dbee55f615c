/* Invariants the fuzz targets check after a parser accepted its input:
   every registry value lies in its range (or is a valid choice), the
   combination passes params_check, and writing the parameters as a
   scenario then reading them back gives the same values. A violated
   invariant aborts, which libFuzzer reports as a crash. Header-only: each
   target is one translation unit. */
#ifndef PBDE_FUZZ_CHECK_H
#define PBDE_FUZZ_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/params.h"
#include "pbde/scenario.h"

static inline void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz invariant violated: %s: %s\n", what, detail);
    abort();
}

/* A message must be NUL-terminated within its buffer and non-empty. */
static inline void fuzz_check_message(const char *err, size_t errlen)
{
    if (!memchr(err, '\0', errlen)) fuzz_fail("error message", "not terminated");
    if (!err[0]) fuzz_fail("error message", "empty");
}

static inline void fuzz_check_params(const params_t *p)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        const param_def_t *d = &tab[i];
        const char *field = (const char *)p + d->offset;
        char msg[160];
        if (d->type == PARAM_CHOICE) {
            int v = *(const int *)field;
            if (v < 0 || v >= d->count()) {
                snprintf(msg, sizeof msg, "%s = choice %d of %d", d->name, v, d->count());
                fuzz_fail("choice out of range", msg);
            }
            continue;
        }
        if (d->type == PARAM_STRING) {
            /* a text value (a file name): terminated inside its field */
            if (!memchr(field, '\0', PARAMS_PATH_MAX)) fuzz_fail("text value", d->name);
            continue;
        }
        double v = d->type == PARAM_INT ? (double)*(const long *)field : *(const double *)field;
        if (!isfinite(v) || v < d->min || v > d->max || (d->min_open && v == d->min)) {
            snprintf(msg, sizeof msg, "%s = %.17g not in [%g, %g]", d->name, v, d->min, d->max);
            fuzz_fail("value out of range", msg);
        }
    }
    char err[512];
    if (params_check(p, err, sizeof err) != 0) fuzz_fail("accepted a bad combination", err);
}

/* Writes *p as a scenario and loads it back over the defaults: every value
   must format the same (the writer keeps 10 significant digits). */
static inline void fuzz_check_roundtrip(const params_t *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return;
    int rc = scenario_write(f, p, "fuzz round trip");
    fclose(f);
    if (rc != 0) fuzz_fail("scenario_write", "failed on a memory stream");
    params_t q;
    params_defaults(&q);
    char err[512];
    if (scenario_load_text(buf, len, "roundtrip.ini", &q, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", buf);
        fuzz_fail("written scenario does not load", err);
    }
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        char a[64], b[64];
        params_format(p, &tab[i], a, sizeof a);
        params_format(&q, &tab[i], b, sizeof b);
        if (strcmp(a, b) != 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "%s: %s became %s", tab[i].name, a, b);
            fuzz_fail("round trip changed a value", msg);
        }
    }
    free(buf);
}

#endif
