/* A minimal stand-in for cmocka: the part of its API that
   tests/test_kernels.c and tests/test_mlp.c use, so .ci/aarch64.sh can
   cross-compile those tests for AArch64, where Debian has no cmocka
   cross package. Same contract as cmocka: a failed assertion prints where
   and ends its test (through longjmp), skip() ends it as skipped, and
   cmocka_run_group_tests returns the number of failed tests. */
#ifndef CMOCKA_LITE_H
#define CMOCKA_LITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct CMUnitTest {
    const char *name;
    void (*test_func)(void **state);
};

#define cmocka_unit_test(f) { #f, f }
#define cmocka_run_group_tests(tests, setup, teardown) \
    cml_run(tests, sizeof(tests) / sizeof((tests)[0]))

static jmp_buf cml_jump;

enum { CML_FAILED = 1, CML_SKIPPED = 2 };

static inline void cml_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "[   LINE   ] --- %s:%d: %s\n", file, line, what);
    longjmp(cml_jump, CML_FAILED);
}

static inline void print_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static inline void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

#define assert_true(c) \
    do { if (!(c)) cml_fail(__FILE__, __LINE__, "assert_true(" #c ")"); } while (0)
#define assert_int_equal(a, b) \
    do { \
        const long long cml_a_ = (long long)(a), cml_b_ = (long long)(b); \
        if (cml_a_ != cml_b_) { \
            fprintf(stderr, "%lld != %lld\n", cml_a_, cml_b_); \
            cml_fail(__FILE__, __LINE__, "assert_int_equal(" #a ", " #b ")"); \
        } \
    } while (0)
#define assert_memory_equal(a, b, n) \
    do { if (memcmp((a), (b), (n)) != 0) \
        cml_fail(__FILE__, __LINE__, "assert_memory_equal(" #a ", " #b ")"); } while (0)
#define assert_memory_not_equal(a, b, n) \
    do { if (memcmp((a), (b), (n)) == 0) \
        cml_fail(__FILE__, __LINE__, "assert_memory_not_equal(" #a ", " #b ")"); } while (0)
#define assert_non_null(p) \
    do { if ((p) == NULL) cml_fail(__FILE__, __LINE__, "assert_non_null(" #p ")"); } while (0)
#define assert_null(p) \
    do { if ((p) != NULL) cml_fail(__FILE__, __LINE__, "assert_null(" #p ")"); } while (0)
#define assert_ptr_equal(a, b) \
    do { if ((const void *)(a) != (const void *)(b)) \
        cml_fail(__FILE__, __LINE__, "assert_ptr_equal(" #a ", " #b ")"); } while (0)
#define assert_string_equal(a, b) \
    do { if (strcmp((a), (b)) != 0) \
        cml_fail(__FILE__, __LINE__, "assert_string_equal(" #a ", " #b ")"); } while (0)
#define skip() longjmp(cml_jump, CML_SKIPPED)

static inline int cml_run(const struct CMUnitTest *tests, size_t n)
{
    volatile int failed = 0, skipped = 0; /* kept across longjmp */
    printf("[==========] Running %zu test(s).\n", n);
    for (size_t i = 0; i < n; i++) {
        printf("[ RUN      ] %s\n", tests[i].name);
        fflush(stdout);
        void *state = NULL;
        const int how = setjmp(cml_jump);
        if (how == 0) {
            tests[i].test_func(&state);
            printf("[       OK ] %s\n", tests[i].name);
        } else if (how == CML_SKIPPED) {
            printf("[  SKIPPED ] %s\n", tests[i].name);
            skipped++;
        } else {
            printf("[  FAILED  ] %s\n", tests[i].name);
            failed++;
        }
        fflush(stdout);
    }
    printf("[==========] %zu test(s) run.\n[  PASSED  ] %zu test(s).\n", n,
           n - (size_t)failed - (size_t)skipped);
    if (skipped) printf("[  SKIPPED ] %d test(s).\n", skipped);
    if (failed) printf("[  FAILED  ] %d test(s).\n", failed);
    return failed;
}

#endif
