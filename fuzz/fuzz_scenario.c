/* libFuzzer target: the scenario parser (scenario_load_text). Any bytes:
   either an error naming "fuzz.ini" with the parameters untouched, or
   parameters that are all in range, a valid combination, and survive a
   write/read round trip. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    params_t p, before;
    params_defaults(&p);
    /* start from non-default values too, so "unchanged on error" means
       something for every field */
    if (size > 0 && data[0] & 1) {
        char err[64];
        params_set(&p, "density", "ring", err, sizeof err);
        params_set(&p, "beta", "7.5", err, sizeof err);
        params_set(&p, "pairs", "1024", err, sizeof err);
    }
    before = p;
    char err[600];
    memset(err, 'x', sizeof err);
    /* a copy of exactly size bytes: ASan sees any read past the end */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    int rc = scenario_load_text(text, size, "fuzz.ini", &p, err, sizeof err);
    free(text);
    if (rc != 0) {
        fuzz_check_message(err, sizeof err);
        if (strncmp(err, "fuzz.ini", 8) != 0) fuzz_fail("error does not name the file", err);
        if (memcmp(&p, &before, sizeof p) != 0) fuzz_fail("parameters changed on error", err);
        return 0;
    }
    fuzz_check_params(&p);
    fuzz_check_roundtrip(&p);
    return 0;
}
