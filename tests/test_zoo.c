/* The objective zoo (reference/objectives.md): every loss's value at
   known points, its derivatives against central finite differences in
   double precision, the label-probability form against the per-label
   losses, and each objective's pointwise optimum where the reference
   derives one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pbde/objective.h"
#include "pbde/rng.h"

static objective_t make(objective_kind kind)
{
    objective_t o = { kind, 4.0, 0.25, 0.5, 0.7, 1.0, 1, 0.1, 1.0, 1.0, 0.0 };
    return o;
}

/* |a - b| <= atol + rtol |b| */
static void near(double a, double b, double atol, double rtol)
{
    if (!(fabs(a - b) <= atol + rtol * fabs(b))) fail_msg("%.12g vs %.12g", a, b);
}

static const objective_kind PAIRWISE[] = {
    OBJECTIVE_REWARD, OBJECTIVE_DPO,   OBJECTIVE_GEOMETRIC, OBJECTIVE_IPO, OBJECTIVE_SLIC,
    OBJECTIVE_HINGE,  OBJECTIVE_CDPO,  OBJECTIVE_ROBUST,    OBJECTIVE_EXO,
};
static const objective_kind ITEMWISE[] = {
    OBJECTIVE_NCA, OBJECTIVE_BCO, OBJECTIVE_SPPO, OBJECTIVE_SFT, OBJECTIVE_KTO,
};
#define COUNT(a) (sizeof a / sizeof a[0])

static double lsig(double x) { return objective_log_sigmoid(x); }
static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Values straight from the reference's formulas (h = beta d, a preferred). */
static void test_values(void **state)
{
    (void)state;
    double g, ga, gb, d = 0.3, h = 4.0 * d, eps = 0.1;
    objective_t hinge = make(OBJECTIVE_HINGE), cdpo = make(OBJECTIVE_CDPO);
    objective_t robust = make(OBJECTIVE_ROBUST), exo = make(OBJECTIVE_EXO);
    near(objective_pair_loss(&hinge, d, 0, 1, &g), fmax(0, 1 - h), 1e-15, 0);
    near(objective_pair_loss(&hinge, d, 0, 0, &g), 1 + h, 1e-15, 0);
    near(objective_pair_loss(&hinge, 0.5, 0, 1, &g), 0, 0, 0); /* beyond the margin */
    near(objective_pair_loss(&cdpo, d, 0, 1, &g), -(1 - eps) * lsig(h) - eps * lsig(-h), 1e-15, 1e-15);
    near(objective_pair_loss(&cdpo, d, 0, 0, &g), -(1 - eps) * lsig(-h) - eps * lsig(h), 1e-15, 1e-15);
    near(objective_pair_loss(&robust, d, 0, 1, &g),
         (-(1 - eps) * lsig(h) + eps * lsig(-h)) / (1 - 2 * eps), 1e-15, 1e-14);
    near(objective_pair_loss(&robust, d, 0, 0, &g),
         (-(1 - eps) * lsig(-h) + eps * lsig(h)) / (1 - 2 * eps), 1e-15, 1e-14);
    near(objective_pair_loss(&exo, d, 0, 1, &g),
         sig(h) * (lsig(h) - log(1 - eps)) + sig(-h) * (lsig(-h) - log(eps)), 1e-15, 1e-14);
    near(objective_pair_loss(&exo, d, 0, 0, &g),
         sig(-h) * (lsig(-h) - log(1 - eps)) + sig(h) * (lsig(h) - log(eps)), 1e-15, 1e-14);

    double ua = 0.4, ub = -0.2, b = 4.0;
    objective_t nca = make(OBJECTIVE_NCA), bco = make(OBJECTIVE_BCO), sppo = make(OBJECTIVE_SPPO);
    objective_t sft = make(OBJECTIVE_SFT), kto = make(OBJECTIVE_KTO);
    near(objective_items_loss(&nca, ua, ub, 1, &ga, &gb),
         -lsig(b * ua) - 0.5 * lsig(-b * ua) - 0.5 * lsig(-b * ub), 1e-15, 1e-14);
    near(objective_items_loss(&bco, ua, ub, 1, &ga, &gb), -lsig(b * ua) - lsig(-b * ub), 1e-15, 1e-14);
    near(objective_items_loss(&sppo, ua, ub, 1, &ga, &gb),
         (ua - 0.5 / b) * (ua - 0.5 / b) + (ub + 0.5 / b) * (ub + 0.5 / b), 1e-15, 1e-14);
    near(objective_items_loss(&sft, ua, ub, 1, &ga, &gb), -ua, 1e-15, 0);
    near(objective_items_loss(&sft, ua, ub, 0, &ga, &gb), -ub, 1e-15, 0);
    kto.z0 = 0.1;
    kto.kto_desirable = 1.5;
    kto.kto_undesirable = 0.5;
    near(objective_items_loss(&kto, ua, ub, 1, &ga, &gb),
         1.5 * (1 - sig(b * (ua - 0.1))) + 0.5 * (1 - sig(b * (0.1 - ub))), 1e-15, 1e-14);
    /* y = 0: b is the winner */
    near(objective_items_loss(&kto, ua, ub, 0, &ga, &gb),
         1.5 * (1 - sig(b * (ub - 0.1))) + 0.5 * (1 - sig(b * (0.1 - ua))), 1e-15, 1e-14);
    /* far out: stable */
    near(objective_pair_loss(&exo, 300, 0, 1, &g), -log(1 - eps), 1e-12, 0);
    near(objective_pair_loss(&robust, -300, 0, 1, &g), 1200 * (1 - eps) / (1 - 2 * eps), 1e-9, 1e-12);
    /* with eps = 0, cdpo and robust are DPO */
    objective_t dpo = make(OBJECTIVE_DPO);
    cdpo.eps = robust.eps = 0;
    for (int y = 0; y < 2; y++) {
        double l = objective_pair_loss(&dpo, d, 0, y, &g);
        near(objective_pair_loss(&cdpo, d, 0, y, &g), l, 1e-15, 1e-15);
        near(objective_pair_loss(&robust, d, 0, y, &g), l, 1e-15, 1e-15);
    }
}

/* The label-probability form is the mixture of the two labels' losses,
   for every pairwise objective (P = y reproduces the per-label loss). */
static void test_expected_mixes_labels(void **state)
{
    (void)state;
    rng_t rng = rng_stream(21, RNG_STREAM_TEST);
    for (size_t k = 0; k < COUNT(PAIRWISE); k++) {
        objective_t o = make(PAIRWISE[k]);
        for (int trial = 0; trial < 300; trial++) {
            double d = 6 * (rng_uniform(&rng) - 0.5), dref = 4 * (rng_uniform(&rng) - 0.5);
            double P = rng_uniform(&rng), g, g1, g0;
            double e = objective_pair_expected(&o, d, dref, P, &g, NULL);
            double l1 = objective_pair_loss(&o, d, dref, 1, &g1);
            double l0 = objective_pair_loss(&o, d, dref, 0, &g0);
            near(e, P * l1 + (1 - P) * l0, 1e-13, 1e-13);
            near(g, P * g1 + (1 - P) * g0, 1e-13, 1e-13);
        }
    }
}

/* dL/dd and d2L/dd2 of every pairwise objective against central finite
   differences (double precision), for label probabilities in [0, 1];
   hinges are skipped within 10 h of a kink. */
static void test_pair_derivatives(void **state)
{
    (void)state;
    rng_t rng = rng_stream(22, RNG_STREAM_TEST);
    const double h = 1e-5;
    for (size_t k = 0; k < COUNT(PAIRWISE); k++) {
        objective_t o = make(PAIRWISE[k]);
        for (int trial = 0; trial < 400; trial++) {
            double d = 6 * (rng_uniform(&rng) - 0.5), dref = 4 * (rng_uniform(&rng) - 0.5);
            double P = trial % 3 == 0 ? (double)(trial & 1) : rng_uniform(&rng);
            if (o.kind == OBJECTIVE_HINGE && fabs(fabs(o.beta * d) - 1) < 10 * h * o.beta) continue;
            if (o.kind == OBJECTIVE_SLIC && fabs(fabs(d + dref) - o.delta) < 10 * h) continue;
            double g, hh, gp, gm;
            objective_pair_expected(&o, d, dref, P, &g, &hh);
            double lp = objective_pair_expected(&o, d + h, dref, P, &gp, NULL);
            double lm = objective_pair_expected(&o, d - h, dref, P, &gm, NULL);
            near(g, (lp - lm) / (2 * h), 1e-8, 1e-6);
            near(hh, (gp - gm) / (2 * h), 1e-7, 1e-5);
        }
    }
}

/* The same for item losses in u (winner and loser), and the pair form
   objective_items_loss against the sum of its two items. */
static void test_item_derivatives(void **state)
{
    (void)state;
    rng_t rng = rng_stream(23, RNG_STREAM_TEST);
    const double h = 1e-5;
    for (size_t k = 0; k < COUNT(ITEMWISE); k++) {
        objective_t o = make(ITEMWISE[k]);
        o.z0 = 0.3;
        o.kto_desirable = 1.3;
        o.kto_undesirable = 0.7;
        assert_true(objective_is_itemwise(o.kind));
        for (int trial = 0; trial < 400; trial++) {
            double u = 4 * (rng_uniform(&rng) - 0.5), g, hh, gp, gm;
            int win = trial & 1;
            objective_item_loss(&o, u, win, &g, &hh);
            double lp = objective_item_loss(&o, u + h, win, &gp, NULL);
            double lm = objective_item_loss(&o, u - h, win, &gm, NULL);
            near(g, (lp - lm) / (2 * h), 1e-8, 1e-6);
            near(hh, (gp - gm) / (2 * h), 1e-7, 1e-5);
            double ub = 4 * (rng_uniform(&rng) - 0.5), ga, gb, g1, g2;
            double pair = objective_items_loss(&o, u, ub, win, &ga, &gb);
            double la = objective_item_loss(&o, u, win, &g1, NULL);
            double lb = objective_item_loss(&o, ub, !win, &g2, NULL);
            near(pair, la + lb, 1e-15, 1e-15);
            near(ga, g1, 0, 0);
            near(gb, g2, 0, 0);
        }
    }
    for (size_t k = 0; k < COUNT(PAIRWISE); k++) assert_false(objective_is_itemwise(PAIRWISE[k]));
}

/* Minimiser of the expected pair loss in h = beta d, by golden section. */
static double argmin_h(const objective_t *o, double P, double lo, double hi)
{
    const double r = (sqrt(5.0) - 1) / 2;
    double a = lo, b = hi, g;
    for (int i = 0; i < 200; i++) {
        double c = b - r * (b - a), e = a + r * (b - a);
        if (objective_pair_expected(o, c / o->beta, 0, P, &g, NULL) <
            objective_pair_expected(o, e / o->beta, 0, P, &g, NULL))
            b = e;
        else
            a = c;
    }
    return 0.5 * (a + b);
}

/* The pointwise targets derived in the reference: cdpo sigma(h*) = eps +
   (1 - 2 eps) P; robust sigma(h*) = (P - eps) / (1 - 2 eps); exo h* =
   (2P - 1) log((1 - eps)/eps); hinge h* = sign(P - 1/2). */
static void test_pointwise_optima(void **state)
{
    (void)state;
    const double eps = 0.1, Ps[] = { 0.15, 0.3, 0.45, 0.62, 0.8, 0.95 };
    objective_t cdpo = make(OBJECTIVE_CDPO), robust = make(OBJECTIVE_ROBUST);
    objective_t exo = make(OBJECTIVE_EXO), hinge = make(OBJECTIVE_HINGE);
    for (size_t i = 0; i < COUNT(Ps); i++) {
        double P = Ps[i];
        near(sig(argmin_h(&cdpo, P, -20, 20)), eps + (1 - 2 * eps) * P, 1e-7, 0);
        if (P > eps && P < 1 - eps) /* otherwise unbounded below */
            near(sig(argmin_h(&robust, P, -20, 20)), (P - eps) / (1 - 2 * eps), 1e-7, 0);
        near(argmin_h(&exo, P, -20, 20), (2 * P - 1) * log((1 - eps) / eps), 1e-6, 0);
        near(argmin_h(&hinge, P, -5, 5), P > 0.5 ? 1.0 : -1.0, 1e-6, 0);
    }
    /* robust below eps: unbounded below (the loss keeps falling as h -> -inf) */
    double g;
    assert_true(objective_pair_expected(&robust, -100, 0, 0.05, &g, NULL) <
                objective_pair_expected(&robust, -10, 0, 0.05, &g, NULL) - 1);
}

/* Item-wise per-item targets without normalisation: the stationary u for
   an item that wins with probability w (winner mass w, loser mass 1 - w):
   nca beta u = log(2w); bco sigma(beta u) = w; sppo u = (w - 1/2)/beta. */
static void test_item_targets(void **state)
{
    (void)state;
    const double ws[] = { 0.2, 0.4, 0.55, 0.7, 0.9 };
    for (size_t i = 0; i < COUNT(ws); i++) {
        double w = ws[i], b = 4.0;
        struct { objective_kind kind; double u; } want[] = {
            { OBJECTIVE_NCA, log(2 * w) / b },
            { OBJECTIVE_BCO, log(w / (1 - w)) / b },
            { OBJECTIVE_SPPO, (w - 0.5) / b },
        };
        for (size_t k = 0; k < COUNT(want); k++) {
            objective_t o = make(want[k].kind);
            double g1, g0;
            objective_item_loss(&o, want[k].u, 1, &g1, NULL);
            objective_item_loss(&o, want[k].u, 0, &g0, NULL);
            near(w * g1 + (1 - w) * g0, 0, 1e-14, 0);
        }
    }
}

static void test_catalogue(void **state)
{
    (void)state;
    const char *names[] = { "hinge", "cdpo", "robust", "exo", "nca", "bco", "sppo", "sft", "kto" };
    for (size_t i = 0; i < COUNT(names); i++) {
        int k = objective_find(names[i]);
        assert_true(k >= OBJECTIVE_HINGE);
        const char *d = objective_describe(k);
        assert_non_null(d);
        assert_true(strlen(d) > 20 && strlen(d) < 110); /* one line */
        assert_true(objective_uses_ref((objective_kind)k));
    }
    assert_true(objective_is_kinked(OBJECTIVE_HINGE));
    assert_true(objective_is_kinked(OBJECTIVE_SLIC));
    assert_false(objective_is_kinked(OBJECTIVE_CDPO));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_expected_mixes_labels),
        cmocka_unit_test(test_pair_derivatives),
        cmocka_unit_test(test_item_derivatives),
        cmocka_unit_test(test_pointwise_optima),
        cmocka_unit_test(test_item_targets),
        cmocka_unit_test(test_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
