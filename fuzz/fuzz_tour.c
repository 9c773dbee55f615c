/* libFuzzer target: the lecture-tour parser (tour_load_text). Any bytes:
   either an error naming "fuzz.tour" and an empty tour, or 1..256 stops
   whose parameters are all in range and valid, whose step counts never
   decrease along a continued run, and whose captions fit.

   A `scenario` line reads a file. Inputs where it names a path with a '/'
   are skipped (a fuzzer must not read /dev/stdin or a FIFO); plain names are
   looked up in FUZZ_BASE_DIR (default fuzz/files) and the demos
   folder $PBDE_DEMOS (default demos), relative to the working folder. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "pbde/tour.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when a line's command is `scenario` and its argument holds a '/'
   (the parser's own split: blanks per isspace, lines at '\n'). */
static int mentions_path(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        size_t end = pos;
        while (end < size && data[end] != '\n') end++;
        size_t i = pos;
        while (i < end && isspace(data[i])) i++;
        if (end - i > 8 && memcmp(data + i, "scenario", 8) == 0 && isspace(data[i + 8]) &&
            memchr(data + i + 8, '/', end - i - 8))
            return 1;
        pos = end + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (mentions_path(data, size)) return 0;
    const char *base = getenv("FUZZ_BASE_DIR");
    const char *demos = getenv("PBDE_DEMOS");
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    tour_t t;
    char err[800];
    memset(err, 'x', sizeof err);
    int rc = tour_load_text(text, size, "fuzz.tour", base ? base : "fuzz/files",
                            demos ? demos : "demos", &t, err, sizeof err);
    free(text);
    if (rc != 0) {
        fuzz_check_message(err, sizeof err);
        if (strncmp(err, "fuzz.tour", 9) != 0) fuzz_fail("error does not name the file", err);
        if (t.n != 0 || t.stops != NULL) fuzz_fail("tour not empty after an error", err);
        return 0;
    }
    if (t.n < 1 || t.n > TOUR_MAX_STOPS || !t.stops) fuzz_fail("stop count", "out of range");
    if (!memchr(t.title, '\0', sizeof t.title)) fuzz_fail("title", "not terminated");
    for (int i = 0; i < t.n; i++) {
        const tour_stop_t *s = &t.stops[i];
        fuzz_check_params(&s->params);
        if (s->steps < 0) fuzz_fail("stop", "negative step count");
        if (i > 0 && s->continues && s->steps < t.stops[i - 1].steps)
            fuzz_fail("stop", "a continued stop goes back in steps");
        if (i == 0 && s->continues) fuzz_fail("stop", "the first stop continues nothing");
        if (!memchr(s->caption, '\0', sizeof s->caption)) fuzz_fail("caption", "not terminated");
    }
    tour_free(&t);
    if (t.n != 0 || t.stops) fuzz_fail("tour_free", "did not empty the tour");
    return 0;
}
