/* Scenario files: round trip through the writer, and every malformed case
   refused with file:line and nothing changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/scenario.h"

static void same_params(const params_t *a, const params_t *b)
{
    size_t n;
    const param_def_t *t = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        char va[64], vb[64];
        params_format(a, &t[i], va, sizeof va);
        params_format(b, &t[i], vb, sizeof vb);
        if (strcmp(va, vb) != 0) fail_msg("%s: %s vs %s", t[i].name, va, vb);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    params_t p, q;
    params_defaults(&p);
    char err[512];
    assert_int_equal(params_set(&p, "density", "eight-gauss", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "annotator", "mixture", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "objective", "mixture", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "components", "8", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "lr", "0.00123456789", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "colormap", "magma", err, sizeof err), 0);
    assert_int_equal(params_set(&p, "speed", "30", err, sizeof err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(scenario_write(f, &p, "a round trip"), 0);
    fclose(f);
    assert_true(strncmp(buf, "; a round trip\n", 15) == 0);
    params_defaults(&q);
    assert_int_equal(scenario_load_text(buf, len, "mem", &q, err, sizeof err), 0);
    same_params(&p, &q);
    free(buf);
}

/* Each malformed text gives -1, a message starting with "bad.ini:LINE:"
   (or "bad.ini:" for whole-file problems) that contains want, and leaves
   the parameters untouched. */
static void refused(const char *text, const char *prefix, const char *want)
{
    params_t p, before;
    params_defaults(&p);
    before = p;
    char err[512] = "";
    assert_int_equal(scenario_load_text(text, strlen(text), "bad.ini", &p, err, sizeof err), -1);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
        fail_msg("for %s: got '%s', want prefix '%s' and '%s'", text, err, prefix, want);
    assert_memory_equal(&p, &before, sizeof p);
}

static void test_malformed(void **state)
{
    (void)state;
    refused("[world]\ndensity = nonsense\n", "bad.ini:2:", "'nonsense' is not allowed: expected one of: two-gauss");
    refused("[world]\nbox = 2\n", "bad.ini:2:", "expected a number >= 3");
    refused("[objective]\nbeta = 0\n", "bad.ini:2:", "expected a number > 0");
    refused("[objective]\nbeta = abc\n", "bad.ini:2:", "beta: 'abc'");
    refused("; c\n[world]\n\n[weird]\nfoo = 1\n", "bad.ini:4:", "unknown section [weird]");
    refused("[weird]\n[world]\n", "bad.ini:1:", "unknown section [weird]");
    refused("[world]\nfrobnicate = 1\n", "bad.ini:2:", "unknown key 'frobnicate'");
    refused("[world]\nbeta = 2\n", "bad.ini:2:", "belongs in [objective]");
    refused("density = ring\n", "bad.ini:1:", "unknown section []");
    refused("[world]\nthis line has no equals sign\n", "bad.ini:2:", "expected [section] or name = value");
    refused("[world\ndensity = ring\n", "bad.ini:1:", "");
    char longline[400];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "[world]\ndensity = ", 18);
    longline[sizeof longline - 1] = '\0';
    refused(longline, "bad.ini:2:", "line too long");
    refused("[world]\ndensity = ring\n[annotator]\nannotator = mixture\n", "bad.ini:", "at least 2 components");
    /* a NUL byte inside the text is data, not the end of it */
    params_t p;
    params_defaults(&p);
    char err[512];
    const char nul[] = "[world]\nden\0sity = ring\n";
    assert_int_equal(scenario_load_text(nul, sizeof nul - 1, "bad.ini", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.ini:2:"));
}

static void test_files(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p);
    char err[512];
    assert_int_equal(scenario_load("/nonexistent/x.ini", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(scenario_load("/", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "directory"));
    char path[] = "/tmp/pbde-scenario-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("; Default world, DPO at beta 8\n[objective]\nobjective = dpo ; inline comment\nbeta = 8\n", f);
    fclose(f);
    assert_int_equal(scenario_load(path, &p, err, sizeof err), 0);
    assert_int_equal(p.objective, 1);
    assert_true(p.beta == 8.0);
    char desc[128];
    assert_int_equal(scenario_describe(path, desc, sizeof desc), 0);
    assert_string_equal(desc, "Default world, DPO at beta 8");
    /* too large */
    f = fopen(path, "w");
    for (int i = 0; i < SCENARIO_MAX_BYTES / 16 + 10; i++) fputs(";;;;;;;;;;;;;;;\n", f);
    fclose(f);
    assert_int_equal(scenario_load(path, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "too large"));
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
