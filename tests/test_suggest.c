/* "Did you mean": the nearest name to a typo, and nothing for a word that
   is far from every name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/params.h"
#include "pbde/suggest.h"

static const char *const OBJ[] = { "reward", "dpo", "geometric", "ipo", "slic", "mixture", "kto", "chipo" };
#define N_OBJ (sizeof OBJ / sizeof OBJ[0])

static void test_nearest(void **state)
{
    (void)state;
    assert_string_equal(suggest_nearest("DPO", OBJ, N_OBJ), "dpo");     /* case only */
    assert_string_equal(suggest_nearest("dpoo", OBJ, N_OBJ), "dpo");    /* an extra letter */
    assert_string_equal(suggest_nearest("rewrad", OBJ, N_OBJ), "reward"); /* a swap */
    assert_string_equal(suggest_nearest("geometrc", OBJ, N_OBJ), "geometric");
    assert_null(suggest_nearest("banana", OBJ, N_OBJ));                 /* far from all */
    assert_null(suggest_nearest("", OBJ, N_OBJ));
    assert_null(suggest_nearest("dpo", OBJ, N_OBJ)); /* a known name needs no suggestion */
    /* short words allow one edit only */
    assert_null(suggest_nearest("xy", OBJ, N_OBJ));
}

static void test_messages(void **state)
{
    (void)state;
    char err[256];
    params_unknown("bta", err, sizeof err);
    assert_string_equal(err, "unknown parameter 'bta' (did you mean 'beta'?)");
    params_unknown("zzzzzz", err, sizeof err);
    assert_string_equal(err, "unknown parameter 'zzzzzz'");
    params_t p;
    params_defaults(&p);
    assert_int_equal(params_set(&p, "objective", "DPO", err, sizeof err), -1);
    assert_non_null(strstr(err, "(did you mean 'dpo'?)"));
    assert_int_equal(params_set(&p, "bta", "8", err, sizeof err), -1);
    assert_non_null(strstr(err, "did you mean 'beta'"));
    char buf[32] = "unknown";
    suggest_append(buf, sizeof buf, "rewardd", OBJ, N_OBJ, "--"); /* truncated, never overrun */
    assert_true(strlen(buf) < sizeof buf);
    assert_int_equal(strncmp(buf, "unknown (did you mean '--rew", 28), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
