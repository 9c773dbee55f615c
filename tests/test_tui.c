/* The terminal explorer's pure parts: 256-colour quantisation and
   dithering, 8-colour shading, the colour-pair cache (de-duplication and
   eviction), braille packing, the ASCII fallback, and the key table the
   footer and help read. The files under
   test use no terminal, so they are compiled in here (test binaries link
   libpbde only). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../src/tui/braille.c"
#include "../src/tui/palette.c"
#include "../src/tui/text.c"

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"
#include "pbde/rng.h"

/* ------------------------------------------------------------ helpers */

static int d2(view_rgb_t a, view_rgb_t b)
{
    int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
    return dr * dr + dg * dg + db * db;
}

/* A small deterministic generator, so failures reproduce. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static view_rgb_t random_rgb(uint32_t *s)
{
    view_rgb_t c = { (unsigned char)(lcg(s) & 255), (unsigned char)(lcg(s) & 255),
                     (unsigned char)(lcg(s) & 255) };
    return c;
}

/* ------------------------------------------------------------ 256 colours */

static void test_256_palette_round_trip(void **state)
{
    (void)state;
    for (int i = 16; i < 256; i++) assert_int_equal(tui_rgb_to_256(tui_256_rgb(i)), i);
    view_rgb_t c = tui_256_rgb(16 + 36 * 5 + 6 * 3 + 1); /* (255, 175, 95) */
    assert_int_equal(c.r, 255);
    assert_int_equal(c.g, 175);
    assert_int_equal(c.b, 95);
    c = tui_256_rgb(244);
    assert_int_equal(c.r, 128);
    assert_int_equal(c.g, 128);
}

static void test_256_nearest_is_nearest(void **state)
{
    (void)state;
    uint32_t s = 1;
    for (int k = 0; k < 5000; k++) {
        view_rgb_t c = random_rgb(&s);
        int got = tui_rgb_to_256(c);
        assert_true(got >= 16 && got <= 255);
        int best = 1 << 30;
        for (int i = 16; i < 256; i++) {
            int d = d2(c, tui_256_rgb(i));
            best = d < best ? d : best;
        }
        assert_int_equal(d2(c, tui_256_rgb(got)), best);
    }
}

/* Over a 4x4 tile the dithered colours average closer to the target than
   the nearest single colour does (or as close, when that one is exact),
   and only two palette colours are used. */
static void test_256_dither_averages_to_target(void **state)
{
    (void)state;
    uint32_t s = 7;
    double gain = 0.0;
    for (int k = 0; k < 2000; k++) {
        view_rgb_t c = random_rgb(&s);
        double mr = 0, mg = 0, mb = 0;
        int seen[2] = { -1, -1 };
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int i = tui_rgb_to_256_dither(c, x, y);
                if (seen[0] < 0 || seen[0] == i) seen[0] = i;
                else if (seen[1] < 0 || seen[1] == i) seen[1] = i;
                else fail_msg("more than two colours in a dithered tile");
                view_rgb_t q = tui_256_rgb(i);
                mr += q.r / 16.0;
                mg += q.g / 16.0;
                mb += q.b / 16.0;
            }
        double e_mix = (mr - c.r) * (mr - c.r) + (mg - c.g) * (mg - c.g) + (mb - c.b) * (mb - c.b);
        double e_near = (double)d2(c, tui_256_rgb(tui_rgb_to_256(c)));
        assert_true(e_mix <= e_near + 1e-9);
        gain += e_near - e_mix;
    }
    assert_true(gain > 0); /* and it helps on average */
    /* palette colours stay exact: no noise on flat areas that need none */
    for (int i = 16; i < 256; i++)
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) assert_int_equal(tui_rgb_to_256_dither(tui_256_rgb(i), x, y), i);
}

static void test_bayer_and_levels(void **state)
{
    (void)state;
    int count[16] = { 0 };
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) count[tui_bayer4(x, y)]++;
    for (int i = 0; i < 16; i++) assert_int_equal(count[i], 1);
    assert_int_equal(tui_bayer4(5, 6), tui_bayer4(1, 2)); /* tiles */
    for (int levels = 2; levels <= 216; levels += 53) {
        assert_int_equal(tui_dither_level(0.0, levels, 3, 1), 0);
        assert_int_equal(tui_dither_level(1.0, levels, 3, 1), levels - 1);
        assert_int_equal(tui_dither_level(-0.5, levels, 0, 0), 0);
        for (double t = 0.01; t < 1.0; t += 0.0731) {
            double mean = 0;
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++) {
                    int l = tui_dither_level(t, levels, x, y);
                    double v = t * (levels - 1);
                    assert_true(l == (int)floor(v) || l == (int)floor(v) + 1);
                    mean += l / 16.0;
                }
            assert_true(fabs(mean - t * (levels - 1)) <= 1.0 / 16.0 + 1e-9);
        }
    }
}

/* ------------------------------------------------------------ 8 colours */

static void test_shade_pick(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        tui_shade_t s = tui_shade_pick(tui_ansi_rgb(i));
        assert_int_equal(s.level, 0);
        assert_int_equal(s.fg, i);
        assert_int_equal(s.bg, i);
    }
    uint32_t seed = 3;
    for (int k = 0; k < 2000; k++) {
        view_rgb_t c = random_rgb(&seed);
        tui_shade_t s = tui_shade_pick(c);
        assert_true(s.level >= 0 && s.level <= 3);
        if (s.level > 0) assert_true(s.fg < s.bg); /* canonical: one pair per mix */
        /* never worse than the nearest solid colour */
        view_rgb_t f = tui_ansi_rgb(s.fg), b = tui_ansi_rgb(s.bg);
        view_rgb_t m = { (unsigned char)((f.r * s.level + b.r * (4 - s.level) + 2) / 4),
                         (unsigned char)((f.g * s.level + b.g * (4 - s.level) + 2) / 4),
                         (unsigned char)((f.b * s.level + b.b * (4 - s.level) + 2) / 4) };
        int best_solid = 1 << 30;
        for (int i = 0; i < 8; i++) {
            int d = d2(c, tui_ansi_rgb(i));
            best_solid = d < best_solid ? d : best_solid;
        }
        assert_true(d2(c, m) <= best_solid);
    }
    /* a mid grey between black and white is a shade, not a solid */
    view_rgb_t grey = { 115, 115, 115 };
    assert_true(tui_shade_pick(grey).level > 0);
}

/* ------------------------------------------------------------ pair cache */

static void test_pairs_dedup(void **state)
{
    (void)state;
    tui_pairs_t pc;
    assert_int_equal(tui_pairs_init(&pc, 32, 100), 0);
    int fresh;
    int a = tui_pairs_get(&pc, 1, 2, &fresh);
    assert_int_equal(fresh, 1);
    assert_true(a >= 32 && a < 132);
    assert_int_equal(tui_pairs_get(&pc, 1, 2, &fresh), a);
    assert_int_equal(fresh, 0);
    int b = tui_pairs_get(&pc, 2, 1, &fresh); /* order matters: fg/bg differ */
    assert_int_equal(fresh, 1);
    assert_int_not_equal(a, b);
    /* direct colours: 24-bit values as keys */
    int c = tui_pairs_get(&pc, 0xFFFFFF, 0x440154, &fresh);
    assert_int_equal(fresh, 1);
    tui_pairs_frame(&pc);
    assert_int_equal(tui_pairs_get(&pc, 0xFFFFFF, 0x440154, &fresh), c);
    assert_int_equal(fresh, 0);
    assert_int_equal(pc.n, 3);
    tui_pairs_free(&pc);
}

static void test_pairs_eviction(void **state)
{
    (void)state;
    tui_pairs_t pc;
    int fresh, p[5];
    assert_int_equal(tui_pairs_init(&pc, 10, 4), 0);
    for (int i = 0; i < 4; i++) p[i] = tui_pairs_get(&pc, i, 100, &fresh);
    /* all four are on screen this frame: a fifth cannot take one */
    assert_int_equal(tui_pairs_get(&pc, 4, 100, &fresh), -1);
    assert_int_equal(pc.overflows, 1);
    tui_pairs_frame(&pc);
    assert_int_equal(tui_pairs_get(&pc, 0, 100, &fresh), p[0]); /* used in the new frame */
    p[4] = tui_pairs_get(&pc, 4, 100, &fresh);
    assert_int_equal(fresh, 1);
    assert_int_not_equal(p[4], p[0]); /* the pair in use stays */
    assert_true(p[4] >= 10 && p[4] < 14);
    assert_int_equal(pc.evictions, 1);
    /* the evicted key comes back as fresh, and the survivors still hit */
    int evicted = -1;
    for (int i = 1; i < 4; i++)
        if (p[i] == p[4]) evicted = i;
    assert_true(evicted > 0);
    tui_pairs_frame(&pc);
    for (int i = 1; i < 4; i++) {
        if (i == evicted) continue;
        assert_int_equal(tui_pairs_get(&pc, i, 100, &fresh), p[i]);
        assert_int_equal(fresh, 0);
    }
    tui_pairs_get(&pc, evicted, 100, &fresh);
    assert_int_equal(fresh, 1);
    tui_pairs_free(&pc);
}

static void test_pairs_many(void **state)
{
    (void)state;
    tui_pairs_t pc;
    int fresh;
    enum { CAP = 1000 };
    assert_int_equal(tui_pairs_init(&pc, 32, CAP), 0);
    static int got[CAP];
    for (int i = 0; i < CAP; i++) got[i] = tui_pairs_get(&pc, i * 7919, i, &fresh);
    for (int i = 0; i < CAP; i++) {
        assert_int_equal(tui_pairs_get(&pc, i * 7919, i, &fresh), got[i]);
        assert_int_equal(fresh, 0);
    }
    tui_pairs_frame(&pc);
    /* a whole new frame of other colours recycles every pair */
    for (int i = 0; i < CAP; i++) {
        int q = tui_pairs_get(&pc, -i - 1, i, &fresh);
        assert_true(q >= 32 && q < 32 + CAP);
        assert_int_equal(fresh, 1);
    }
    assert_int_equal(pc.evictions, CAP);
    for (int i = 0; i < CAP; i++) {
        assert_int_not_equal(tui_pairs_get(&pc, -i - 1, i, &fresh), -1);
        assert_int_equal(fresh, 0);
    }
    tui_pairs_clear(&pc);
    assert_int_equal(pc.n, 0);
    tui_pairs_get(&pc, 5, 5, &fresh);
    assert_int_equal(fresh, 1);
    tui_pairs_free(&pc);
}

/* ------------------------------------------------------------ braille */

static void test_braille_bits(void **state)
{
    (void)state;
    static const uint8_t want[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
    for (int dx = 0; dx < 2; dx++)
        for (int dy = 0; dy < 4; dy++) assert_int_equal(tui_braille_bit(dx, dy), want[dx][dy]);
    assert_int_equal(tui_braille_bit(2, 0), 0);
}

static void test_braille_flat_and_diagonal(void **state)
{
    (void)state;
    uint8_t cells[6] = { 0 };
    double flat[12];
    for (int i = 0; i < 12; i++) flat[i] = 0.0;
    tui_braille_plot(cells, 3, 2, flat, 12, 0.0, 1.0); /* at lo: the bottom dot row */
    for (int i = 0; i < 3; i++) assert_int_equal(cells[i], 0);
    for (int i = 3; i < 6; i++) assert_int_equal(cells[i], 0xC0);

    /* 0, 1/3, 2/3, 1 over 4 dot columns and rows: a staircase */
    uint8_t c2[2] = { 0 };
    double ramp[4] = { 0.0, 1.0 / 3, 2.0 / 3, 1.0 };
    tui_braille_plot(c2, 2, 1, ramp, 4, 0.0, 1.0);
    assert_int_equal(c2[0], 0x40 | 0x20);
    assert_int_equal(c2[1], 0x02 | 0x08);
}

static void test_braille_joins_and_gaps(void **state)
{
    (void)state;
    /* a jump from bottom to top between neighbouring columns leaves no
       empty dot row */
    uint8_t cells[2] = { 0 };
    double jump[2] = { 0.0, 1.0 };
    tui_braille_plot(cells, 1, 2, jump, 2, 0.0, 1.0);
    for (int dy = 0; dy < 8; dy++) {
        uint8_t row = tui_braille_bit(0, dy % 4) | tui_braille_bit(1, dy % 4);
        assert_true(cells[dy / 4] & row);
    }
    /* NaN breaks the line: the points either side are not joined */
    uint8_t c2[2] = { 0 };
    double gap[4] = { 0.0, NAN, NAN, 1.0 };
    tui_braille_plot(c2, 2, 1, gap, 4, 0.0, 1.0);
    assert_int_equal(c2[0], 0x40);
    assert_int_equal(c2[1], 0x08);
    /* out of range values clamp to the edges; hi == lo sits in the middle */
    uint8_t c3[1] = { 0 };
    double out[2] = { -5.0, 9.0 };
    tui_braille_plot(c3, 1, 1, out, 2, 0.0, 1.0);
    assert_true(c3[0] & 0x40);
    assert_true(c3[0] & 0x08);
    uint8_t c4[1] = { 0 };
    double one[1] = { 3.0 };
    tui_braille_plot(c4, 1, 1, one, 1, 3.0, 3.0);
    assert_int_equal(c4[0], 0x02); /* t = 1/2: dot row 3 - round(1.5) = 1 */
}

static void test_braille_ascii(void **state)
{
    (void)state;
    assert_int_equal(tui_braille_ascii(0), ' ');
    assert_int_equal(tui_braille_ascii(0xFF), '|');
    assert_int_equal(tui_braille_ascii(0x40 | 0x80), '.');
    assert_int_equal(tui_braille_ascii(0x01 | 0x08), '\'');
    assert_int_equal(tui_braille_ascii(0x02 | 0x04), '-');
}

/* ------------------------------------------------------------ text */

static void test_ascii_titles(void **state)
{
    (void)state;
    char buf[128];
    tui_ascii(buf, sizeof buf, "p*(x) \xE2\x80\x94 annotator");
    assert_string_equal(buf, "p*(x) - annotator");
    tui_ascii(buf, sizeof buf, "\xCF\x80_\xCE\xB8(x) \xE2\x80\x94 learned");
    assert_string_equal(buf, "pi_theta(x) - learned");
    tui_ascii(buf, sizeof buf, "KL(p*\xE2\x80\x96\xCF\x80_\xCE\xB8)");
    assert_string_equal(buf, "KL(p*||pi_theta)");
    tui_ascii(buf, sizeof buf, "P(x \xE2\x89\xBB cursor) \xE2\x80\x94 model");
    assert_string_equal(buf, "P(x > cursor) - model");
    tui_ascii(buf, sizeof buf, "\xCE\xBC(x) \xE2\x80\x94 proposal");
    assert_string_equal(buf, "mu(x) - proposal");
    tui_ascii(buf, sizeof buf, "component 1 (\xCF\x89=0.50)");
    assert_string_equal(buf, "component 1 (w=0.50)");
    tui_ascii(buf, sizeof buf, "\xE6\x97\xA5!"); /* unknown: one '?' per character */
    assert_string_equal(buf, "?!");
    /* every title the view model can produce comes out pure ASCII */
    const char *titles[] = { "log(\xCF\x80_\xCE\xB8/p*) \xE2\x80\x94 log ratio",
                             "optimum \xE2\x80\x94 \xCF\x80_ref \xC2\xB7 p*^(1/\xCE\xB2)\xE2\x80\xA6",
                             "computing\xE2\x80\xA6" };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++) {
        tui_ascii(buf, sizeof buf, titles[i]);
        for (const char *c = buf; *c; c++) assert_true((unsigned char)*c < 0x80);
    }
    /* a short buffer is cut cleanly */
    char small[6];
    tui_ascii(small, sizeof small, "\xCF\x80_\xCE\xB8(x)");
    assert_string_equal(small, "pi_th");
}

static void test_utf8_width(void **state)
{
    (void)state;
    assert_int_equal(tui_utf8_cols("\xCF\x80_\xCE\xB8"), 3);
    assert_int_equal(tui_utf8_cols("abc"), 3);
    assert_int_equal(tui_utf8_fit("\xCF\x80_\xCE\xB8(x)", 2), 3); /* "π_" */
    assert_int_equal(tui_utf8_fit("abc", 10), 3);
    assert_int_equal(tui_utf8_fit("abc", 0), 0);
    assert_string_equal(tui_param_symbol("beta", 0), "\xCE\xB2");
    assert_string_equal(tui_param_symbol("beta", 1), "beta");
    assert_string_equal(tui_param_symbol("rationality", 1), "s");
    assert_string_equal(tui_param_symbol("lr", 0), "lr");
    char buf[32];
    tui_fmt_si(buf, sizeof buf, 412345.0);
    assert_string_equal(buf, "412k");
    tui_fmt_si(buf, sizeof buf, 1250000.0);
    assert_string_equal(buf, "1.25M");
    tui_fmt_si(buf, sizeof buf, 12.0);
    assert_string_equal(buf, "12");
}




/* The footer and help list the table; a key bound twice in one front end
   would make one of its actions unreachable. */
static void test_key_table(void **state)
{
    (void)state;
    size_t n;
    const view_key_t *k = view_keys(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (k[i].key == k[j].key && k[i].mode == k[j].mode)
                assert_int_equal(k[i].frontends & k[j].frontends, 0);
    /* every action the terminal footer names has a key */
    view_action footer[] = { ACT_PAUSE, ACT_STEP, ACT_RESET, ACT_RESAMPLE, ACT_ANNOTATOR_NEXT,
                             ACT_OBJECTIVE_NEXT, ACT_DENSITY_NEXT, ACT_PAIRS_MORE,
                             ACT_OBJ_PARAM_UP, ACT_ANN_PARAM_UP, ACT_FASTER, ACT_OVERLAY,
                             ACT_THIRD_PANEL, ACT_LOG_SCALE, ACT_COLORMAP, ACT_PROMPT, ACT_HELP,
                             ACT_QUIT };
    for (size_t a = 0; a < sizeof footer / sizeof footer[0]; a++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (k[i].action == footer[a] && (k[i].frontends & VIEW_FE_TUI)) found = 1;
        assert_true(found);
    }
}


/* ------------------------------------------------------------ wrapping */

/* Line i of a wrap of s, as a string. */
static const char *wrapped(const char *s, const int *start, const int *len, int i)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%.*s", len[i], s + start[i]);
    return buf;
}

static void test_wrap_cases(void **state)
{
    (void)state;
    int st[16], ln[16];
    const char *s = "aaa bbb ccc";
    assert_int_equal(tui_wrap(s, 7, st, ln, 16), 2);
    assert_string_equal(wrapped(s, st, ln, 0), "aaa bbb");
    assert_string_equal(wrapped(s, st, ln, 1), "ccc");
    assert_int_equal(tui_wrap(s, 11, st, ln, 16), 1); /* exactly fits */
    assert_int_equal(tui_wrap(s, 10, st, ln, 16), 2);
    assert_string_equal(wrapped(s, st, ln, 0), "aaa bbb");
    s = "abcdefghij"; /* longer than a line: split */
    assert_int_equal(tui_wrap(s, 4, st, ln, 16), 3);
    assert_string_equal(wrapped(s, st, ln, 0), "abcd");
    assert_string_equal(wrapped(s, st, ln, 2), "ij");
    s = "one\n\ntwo  three"; /* '\n' ends a line; an empty line stays */
    assert_int_equal(tui_wrap(s, 20, st, ln, 16), 3);
    assert_string_equal(wrapped(s, st, ln, 0), "one");
    assert_string_equal(wrapped(s, st, ln, 1), "");
    assert_string_equal(wrapped(s, st, ln, 2), "two  three");
    assert_int_equal(tui_wrap(s, 5, st, ln, 16), 4);
    assert_string_equal(wrapped(s, st, ln, 2), "two");
    assert_string_equal(wrapped(s, st, ln, 3), "three");
    s = "\xCE\xB2\xCE\xB2 \xCE\xB2\xCE\xB2"; /* columns, not bytes */
    assert_int_equal(tui_wrap(s, 2, st, ln, 16), 2);
    assert_int_equal(ln[0], 4);
    assert_int_equal(tui_wrap(s, 5, st, ln, 16), 1);
    /* more lines than room: the count still covers all of them */
    assert_int_equal(tui_wrap("a b c d e f", 1, st, ln, 2), 6);
    assert_string_equal(wrapped("a b c d e f", st, ln, 1), "b");
    assert_int_equal(tui_wrap("", 10, st, ln, 16), 1);
}

/* The fitting rules never cut a word: whole words (no dangling
   separator), whole clauses (not inside parentheses) or whole items. */
static void test_fit_rules(void **state)
{
    (void)state;
    char b[128];
    snprintf(b, sizeof b, "p*(x) \xE2\x80\x94 annotator");
    assert_int_equal(tui_fit_words(b, 40), 17); /* fits: unchanged */
    assert_int_equal(tui_fit_words(b, 14), 5);  /* the dash goes with the word after it */
    assert_string_equal(b, "p*(x)");
    snprintf(b, sizeof b, "held-out loss and its");
    assert_int_equal(tui_fit_words(b, 15), 13);
    assert_string_equal(b, "held-out loss");
    snprintf(b, sizeof b, "held-out loss");
    assert_int_equal(tui_fit_words(b, 7), 0); /* not even the first word */
    assert_string_equal(b, "");
    snprintf(b, sizeof b, "a, b, c");
    assert_int_equal(tui_fit_words(b, 5), 4); /* "a, b" */
    assert_string_equal(b, "a, b");

    snprintf(b, sizeof b, "done: r trains again, s resamples the data, a/o/d change the setup");
    assert_int_equal(tui_fit_clauses(b, sizeof b, 50), 42);
    assert_string_equal(b, "done: r trains again, s resamples the data");
    snprintf(b, sizeof b, "cursor at (1.00, 2.00) and more words here");
    tui_fit_clauses(b, sizeof b, 20); /* no clause: whole words and an ellipsis */
    assert_string_equal(b, "cursor at (1.00\xE2\x80\xA6");
    snprintf(b, sizeof b, "abcdefghijkl");
    assert_int_equal(tui_fit_clauses(b, sizeof b, 5), 0);
    char small[12] = "aaaa bbbbbb"; /* the ellipsis never overflows */
    assert_int_equal(tui_fit_clauses(small, sizeof small, 10), 5);
    assert_string_equal(small, "aaaa\xE2\x80\xA6");

    snprintf(b, sizeof b, "A (1, 2)   B (3, 4)   question 2");
    assert_int_equal(tui_fit_items(b, 25, "   "), 19);
    assert_string_equal(b, "A (1, 2)   B (3, 4)");
    assert_int_equal(tui_fit_items(b, 5, "   "), 0);
}

/* Random texts: every line fits, no line starts or ends with a space, and
   the lines hold the words in order (words no longer than a line stay
   whole). */
static void test_wrap_random(void **state)
{
    (void)state;
    uint32_t seed = 7;
    for (int trial = 0; trial < 500; trial++) {
        char text[400], words[400];
        int cols = 1 + (int)(lcg(&seed) % 40), n = 0, wn = 0, longest = 0;
        int nwords = (int)(lcg(&seed) % 30);
        for (int w = 0; w < nwords; w++) {
            int len = 1 + (int)(lcg(&seed) % 12);
            longest = len > longest ? len : longest;
            if (w) {
                int spaces = 1 + (int)(lcg(&seed) % 2);
                for (int k = 0; k < spaces; k++) text[n++] = ' ';
                words[wn++] = ' ';
            }
            for (int k = 0; k < len; k++) text[n++] = words[wn++] = (char)('a' + lcg(&seed) % 26);
        }
        text[n] = words[wn] = '\0';
        int st[400], ln[400];
        int lines = tui_wrap(text, cols, st, ln, 400);
        char joined[400];
        size_t j = 0;
        for (int i = 0; i < lines; i++) {
            assert_true(ln[i] <= cols);
            if (ln[i] > 0) {
                assert_true(text[st[i]] != ' ');
                assert_true(text[st[i] + ln[i] - 1] != ' ');
            }
            if (longest <= cols && i > 0 && ln[i] > 0) joined[j++] = ' ';
            memcpy(joined + j, text + st[i], (size_t)ln[i]);
            j += (size_t)ln[i];
        }
        joined[j] = '\0';
        if (longest <= cols) { /* the words, in order, spaces squeezed where lines broke */
            char squeezed[400];
            size_t q = 0;
            for (const char *c = joined; *c; c++)
                if (!(*c == ' ' && q > 0 && squeezed[q - 1] == ' ')) squeezed[q++] = *c;
            squeezed[q] = '\0';
            assert_string_equal(squeezed, words);
        }
    }
}

/* ------------------------------------------------------------ tours */

static void test_tour_open(void **state)
{
    (void)state;
    tour_t t;
    char err[1024];
    /* a name in the demos folder, with or without ".tour", or a path */
    assert_int_equal(tour_open("preferences-to-densities", "demos", &t, err, sizeof err), 0);
    assert_int_equal(t.n, 8);
    tour_free(&t);
    assert_int_equal(tour_open("when-annotators-disagree.tour", "demos", &t, err, sizeof err), 0);
    assert_int_equal(t.n, 5);
    tour_free(&t);
    assert_int_equal(tour_open("demos/when-annotators-disagree.tour", NULL, &t, err, sizeof err), 0);
    tour_free(&t);
    /* a missing tour names what was asked for */
    assert_int_equal(tour_open("no-such-tour", "demos", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "no-such-tour: cannot open"));
    assert_null(t.stops);
    /* file:line for a bad line, and for a stop past its training length */
    char path[] = "/tmp/pbde-test-tour-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("title t\n# a comment\nset beta 0\n", f);
    fclose(f);
    char want[600];
    assert_int_equal(tour_open(path, "demos", &t, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: beta", path);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    f = fopen(path, "w");
    fputs("title t\nscenario reward-recovers-density\nrun 100\npause\nset steps 150\nrun 200\npause\n", f);
    fclose(f);
    assert_int_equal(tour_open(path, "demos", &t, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:5: stop 2 runs to step 200, past its training length (steps = 150)",
             path);
    assert_string_equal(err, want);
    assert_null(t.stops);
    unlink(path);
}

static void test_tour_plan(void **state)
{
    (void)state;
    tour_t t;
    char err[1024];
    assert_int_equal(tour_open("demos/preferences-to-densities.tour", "demos", &t, err, sizeof err), 0);
    tour_move_t m;
    const params_t *p = &t.stops[0].params;
    /* the first stop: the session was made for it */
    tour_plan(&t, -1, 0, p, 0, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_int_equal(m.run_to, 0);
    /* on to a stop that continues this one: train on */
    tour_plan(&t, 0, 1, p, 0, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_int_equal(m.run_to, 200);
    tour_plan(&t, 1, 2, &t.stops[1].params, 200, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_int_equal(m.run_to, 3000);
    /* ... unless training was changed by hand, or went past the stop */
    tour_plan(&t, 1, 2, &t.stops[1].params, 200, 1, &m);
    assert_int_equal(m.reset, 1);
    tour_plan(&t, 0, 1, p, 201, 0, &m);
    assert_int_equal(m.reset, 1);
    /* back, same parameters: the model is reset and retrained to the stop */
    tour_plan(&t, 2, 1, &t.stops[2].params, 3000, 0, &m);
    assert_int_equal(m.reset, 1);
    assert_int_equal(m.run_to, 200);
    /* a [view] change (set panel slice) keeps training going on ... */
    assert_true(tour_same_training(&t.stops[2].params, &t.stops[3].params));
    assert_int_not_equal(t.stops[2].params.panel, t.stops[3].params.panel);
    tour_plan(&t, 2, 3, &t.stops[2].params, 3000, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_int_equal(m.params.panel, t.stops[3].params.panel);
    /* ... and back over it retrains */
    tour_plan(&t, 3, 2, &t.stops[3].params, 3000, 0, &m);
    assert_int_equal(m.reset, 1);
    assert_int_equal(m.params.panel, t.stops[2].params.panel);
    /* new parameters rebuild the session by themselves: no reset */
    tour_plan(&t, 3, 4, &t.stops[3].params, 3000, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_int_equal(m.params.objective, t.stops[4].params.objective);
    tour_plan(&t, 5, 4, &t.stops[5].params, 3000, 0, &m);
    assert_int_equal(m.reset, 0);
    assert_true(m.params.beta == 1.0);
    /* staying on a stop (back from exploring) trains on, or rebuilds */
    tour_plan(&t, 5, 5, &t.stops[5].params, 1000, 0, &m);
    assert_int_equal(m.reset, 0);
    tour_plan(&t, 5, 5, &t.stops[5].params, 1000, 1, &m);
    assert_int_equal(m.reset, 1);
    params_t other = t.stops[5].params;
    other.seed += 1; /* resampled by hand */
    tour_plan(&t, 5, 5, &other, 1000, 0, &m);
    assert_int_equal(m.reset, 0); /* the seed comes back: a rebuild */
    assert_int_equal(m.params.seed, t.stops[5].params.seed);
    tour_free(&t);
}

/* The tour's keys (t, PgUp, PgDn) must not hide an action of the table. */
static void test_tour_keys_free(void **state)
{
    (void)state;
    assert_int_equal(view_key_action('t', VIEW_FE_TUI), ACT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_256_palette_round_trip),
        cmocka_unit_test(test_256_nearest_is_nearest),
        cmocka_unit_test(test_256_dither_averages_to_target),
        cmocka_unit_test(test_bayer_and_levels),
        cmocka_unit_test(test_shade_pick),
        cmocka_unit_test(test_pairs_dedup),
        cmocka_unit_test(test_pairs_eviction),
        cmocka_unit_test(test_pairs_many),
        cmocka_unit_test(test_braille_bits),
        cmocka_unit_test(test_braille_flat_and_diagonal),
        cmocka_unit_test(test_braille_joins_and_gaps),
        cmocka_unit_test(test_braille_ascii),
        cmocka_unit_test(test_ascii_titles),
        cmocka_unit_test(test_utf8_width),
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_wrap_cases),
        cmocka_unit_test(test_fit_rules),
        cmocka_unit_test(test_wrap_random),
        cmocka_unit_test(test_tour_open),
        cmocka_unit_test(test_tour_plan),
        cmocka_unit_test(test_tour_keys_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
