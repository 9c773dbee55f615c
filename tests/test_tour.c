/* Tours: the shipped tours parse into the expected stops, and malformed
   tours are refused with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/objective.h"
#include "pbde/tour.h"

static void test_shipped_tours(void **state)
{
    (void)state;
    tour_t t;
    char err[1024];
    assert_int_equal(tour_load("demos/preferences-to-densities.tour", "demos", &t, err, sizeof err), 0);
    assert_string_equal(t.title, "From preferences to densities");
    assert_int_equal(t.n, 8);
    assert_int_equal(t.stops[0].steps, 0);
    assert_int_equal(t.stops[1].steps, 200);
    assert_true(t.stops[1].continues);
    assert_int_equal(t.stops[2].steps, 3000); /* 200 + 2800: training goes on */
    assert_int_equal(t.stops[3].steps, 3000); /* a view change keeps the training */
    assert_true(t.stops[3].continues);
    assert_int_equal(t.stops[4].params.objective, OBJECTIVE_DPO);
    assert_true(t.stops[4].params.beta == 1.0);
    assert_false(t.stops[4].continues);
    assert_true(t.stops[5].params.beta == 4.0);
    assert_int_equal(t.stops[5].steps, 3000); /* new parameters: afresh */
    assert_non_null(strstr(t.stops[0].caption, "\n")); /* two caption lines */
    tour_free(&t);
    assert_int_equal(tour_load("demos/when-annotators-disagree.tour", "demos", &t, err, sizeof err), 0);
    assert_int_equal(t.n, 5);
    assert_int_equal(t.stops[3].params.objective, OBJECTIVE_MIXTURE);
    tour_free(&t);
    /* over-optimisation: the overopt panel on few, then covering pairs */
    assert_int_equal(tour_load("demos/reward-over-optimisation.tour", "demos", &t, err, sizeof err), 0);
    assert_int_equal(t.n, 3);
    for (int i = 0; i < 3; i++) assert_string_equal(params_panel_name(t.stops[i].params.panel), "overopt");
    assert_int_equal(t.stops[0].params.pairs, 256);
    assert_int_equal(t.stops[1].steps, 3000);
    assert_true(t.stops[1].continues);
    assert_int_equal(t.stops[2].params.pairs, 32768);
    assert_int_equal(t.stops[2].params.proposal, PROPOSAL_UNIFORM);
    tour_free(&t);
}

static void refused(const char *text, const char *want)
{
    tour_t t;
    char err[1024] = "";
    assert_int_equal(tour_load_text(text, strlen(text), "bad.tour", NULL, "demos", &t, err, sizeof err), -1);
    if (strncmp(err, want, strlen(want)) != 0) fail_msg("for '%s': got '%s', want '%s'", text, err, want);
    assert_null(t.stops);
}

static void test_malformed(void **state)
{
    (void)state;
    refused("frobnicate 3\n", "bad.tour:1: unknown command");
    refused("# c\nset beta 0\n", "bad.tour:2: beta: '0' is not allowed");
    refused("set beta\n", "bad.tour:1: usage: set NAME VALUE");
    refused("set nonsense 1\n", "bad.tour:1: nonsense: unknown parameter");
    refused("run many\n", "bad.tour:1: run takes a whole number");
    refused("run -4\n", "bad.tour:1: run takes a whole number");
    refused("pause\n", "bad.tour:1: pause with nothing to show");
    refused("scenario no-such-demo\n", "bad.tour:1: no-such-demo: cannot open");
    refused("scenario\n", "bad.tour:1: scenario needs a name");
    refused("title only\n", "bad.tour: the tour has no stops");
    refused("set density ring\nset annotator mixture\npause\n", "bad.tour:3: annotator mixture needs");
    char nul[] = "run 1\ncap\0tion x\n";
    tour_t t;
    char err[512];
    assert_int_equal(tour_load_text(nul, sizeof nul - 1, "bad.tour", NULL, NULL, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.tour:2: not a text line"));
    assert_int_equal(tour_load("/nonexistent.tour", NULL, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(tour_load("demos", NULL, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_tours),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
