/* Image densities: a known small PGM (plain and binary) and PNG give the
   expected normalised density on the grid (exact cell masses), exact
   sampling, the optimum, the painted image's capture/blur/PGM, scenario
   files that keep the picture beside them, and clear errors for bad files. */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pbde/image.h"
#include "pbde/scenario.h"
#include "pbde/world.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pbde-test-image-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The 4 x 2 picture used throughout, grey values out of 255:
       0 255 128   0
       0   0   0  26
   Each of its pixels becomes a 16 x 32 block of the 64 x 64 image. */
static const unsigned char PIC[8] = { 0, 255, 128, 0, 0, 0, 0, 26 };
#define PIC_SUM (255.0 + 128.0 + 26.0)

/* The expected grey of image pixel (row, col). */
static unsigned pic_at(int row, int col)
{
    return PIC[(row / 32) * 4 + col / 16];
}

static void check_pic(const params_image_t *img)
{
    assert_int_equal(img->side, 64);
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 64; c++)
            if (img->px[r * 64 + c] != pic_at(r, c))
                fail_msg("pixel (%d, %d) = %d, expected %u", r, c, img->px[r * 64 + c], pic_at(r, c));
}

static void load_ok(const char *path, params_t *p)
{
    char err[512], value[600];
    params_defaults(p);
    snprintf(value, sizeof value, "image:%s", path);
    if (params_set(p, "density", value, err, sizeof err) != 0) fail_msg("%s", err);
}

/* ---------------------------------------------------------------- PGM */

static void test_pgm_plain_and_binary(void **state)
{
    (void)state;
    params_t p;
    /* plain, maxval 255, comments between the header's numbers */
    const char *plain = "P2\n# a comment\n4 # width\n2\n255\n0 255 128 0\n0 0 0 26\n";
    write_file(path_of("plain.pgm"), plain, strlen(plain));
    load_ok(path_of("plain.pgm"), &p);
    check_pic(&p.image);
    assert_string_equal(p.image.src, path_of("plain.pgm"));
    /* binary, 16-bit samples (maxval 65535): v * 257 scales back exactly */
    unsigned char bin[64];
    int h = snprintf((char *)bin, sizeof bin, "P5 4 2 65535\n");
    for (int i = 0; i < 8; i++) {
        unsigned v = PIC[i] * 257u;
        bin[h + 2 * i] = (unsigned char)(v >> 8);
        bin[h + 2 * i + 1] = (unsigned char)(v & 255);
    }
    write_file(path_of("bin16.pgm"), bin, (size_t)h + 16);
    load_ok(path_of("bin16.pgm"), &p);
    check_pic(&p.image);
    /* the registry prints it back as image:FILE and a catalogue name clears it */
    char v[600], want[600];
    params_format(&p, params_find("density"), v, sizeof v);
    snprintf(want, sizeof want, "image:%s", path_of("bin16.pgm"));
    assert_string_equal(v, want);
    char err[256];
    assert_int_equal(params_set(&p, "density", "ring", err, sizeof err), 0);
    assert_int_equal(p.image.side, 0);
    params_format(&p, params_find("density"), v, sizeof v);
    assert_string_equal(v, "ring");
}

/* Exact cell masses on a 128 grid (each image pixel is 2 x 2 cells):
   mass = grey / (sum of greys) / 4, black cells 0; the log-density at any
   point is log(grey / (sum * pixel area)). */
static void test_density_on_grid(void **state)
{
    (void)state;
    params_t p;
    load_ok(path_of("plain.pgm"), &p);
    p.grid = 128;
    world_t *w = malloc(sizeof *w);
    char err[256];
    if (world_create(w, &p, err, sizeof err) != 0) fail_msg("%s", err);
    double total = 0;
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 64; c++) total += pic_at(r, c);
    assert_true(fabs(total - 16.0 * 32.0 * PIC_SUM) < 1e-9);
    double sum = 0;
    for (int iy = 0; iy < 128; iy++)
        for (int ix = 0; ix < 128; ix++) {
            size_t k = (size_t)iy * 128 + (size_t)ix;
            double mass = exp(w->log_true[k]) * w->cell_area;
            /* grid rows go up from y = -L; image rows go down from y = +L */
            double want = pic_at(63 - iy / 2, ix / 2) / total / 4.0;
            if (fabs(mass - want) > 1e-12 * (want > 0 ? want : 1))
                fail_msg("cell (%d, %d): mass %.17g, expected %.17g", ix, iy, mass, want);
            sum += mass;
        }
    assert_true(fabs(sum - 1.0) < 1e-12);
    /* log-density at a point: pixel (0, 1) holds 255 */
    float xy[2] = { -6.0f + 1.5f * 3.0f, 6.0f - 0.5f * 6.0f };
    double lp;
    density_log_prob(&w->dens, xy, 1, &lp);
    double pix_area = (12.0 / 64) * (12.0 / 64);
    assert_true(fabs(lp - log(255.0 / (total * pix_area))) < 1e-12);
    xy[0] = -6.0f + 0.5f * 3.0f; /* black pixel */
    density_log_prob(&w->dens, xy, 1, &lp);
    assert_true(lp == DENSITY_LOG_ZERO);
    /* the optimum exists: reward on Luce data recovers p* exactly */
    assert_non_null(w->log_theory);
    double kl = grid_kl(w->log_true, w->log_theory, w->grid.n, w->cell_area);
    assert_true(fabs(kl) < 1e-9);
    world_destroy(w);
    free(w);
}

/* Exact sampling: counts per picture pixel against the masses
   (chi-square, 2 degrees of freedom, mean + 5 sd = 12), none on black. */
static void test_sampling(void **state)
{
    (void)state;
    density_t *d = malloc(sizeof *d);
    unsigned char px[64 * 64];
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 64; c++) px[r * 64 + c] = (unsigned char)pic_at(r, c);
    assert_int_equal(density_init_image(d, px, 64, 6.0), 0);
    const size_t N = 100000;
    float *xy = malloc(2 * N * sizeof *xy);
    rng_t rng = rng_stream(9, RNG_STREAM_TEST);
    density_sample(d, 6.0, &rng, xy, NULL, N);
    size_t count[8] = { 0 };
    for (size_t i = 0; i < N; i++) {
        double x = (double)xy[2 * i], y = (double)xy[2 * i + 1];
        assert_true(fabs(x) <= 6 && fabs(y) <= 6);
        int col = (int)floor((x + 6) / 3), row = (int)floor((6 - y) / 6);
        if (col > 3) col = 3;
        if (row > 1) row = 1;
        count[row * 4 + col]++;
    }
    double chi = 0;
    for (int k = 0; k < 8; k++) {
        if (PIC[k] == 0) {
            assert_int_equal(count[k], 0);
            continue;
        }
        double e = (double)N * PIC[k] / PIC_SUM;
        chi += ((double)count[k] - e) * ((double)count[k] - e) / e;
    }
    if (chi > 2 + 5 * 2) fail_msg("chi-square %g", chi);
    print_message("image sampling: chi-square %.2f with 2 df over %zu samples\n", chi, N);
    free(xy);
    free(d);
}

/* ---------------------------------------------------------------- PNG */

static void write_png(const char *path, int w, int h, int format, const unsigned char *data)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = (png_uint_32)format;
    assert_true(png_image_write_to_file(&img, path, 0, data, 0, NULL));
}

/* An odd-sized grey PNG is area-averaged: each image pixel is the
   overlap-weighted mean of the picture's pixels (computed here in 2D
   independently of the loader's two passes); the same picture as RGB
   with R = G = B gives the same image. */
static void test_png(void **state)
{
    (void)state;
    const int W = 3, H = 5;
    unsigned char g[15], rgb[45];
    for (int i = 0; i < W * H; i++) {
        g[i] = (unsigned char)(17 * i + 3);
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = g[i];
    }
    write_png(path_of("g.png"), W, H, PNG_FORMAT_GRAY, g);
    write_png(path_of("rgb.png"), W, H, PNG_FORMAT_RGB, rgb);
    params_t p, q;
    load_ok(path_of("g.png"), &p);
    load_ok(path_of("rgb.png"), &q);
    assert_memory_equal(p.image.px, q.image.px, sizeof p.image.px);
    for (int r = 0; r < 64; r++)
        for (int c = 0; c < 64; c++) {
            double y0 = r * (double)H / 64, y1 = (r + 1) * (double)H / 64;
            double x0 = c * (double)W / 64, x1 = (c + 1) * (double)W / 64, s = 0;
            for (int sr = 0; sr < H; sr++)
                for (int sc = 0; sc < W; sc++) {
                    double oy = fmin(y1, sr + 1.0) - fmax(y0, (double)sr);
                    double ox = fmin(x1, sc + 1.0) - fmax(x0, (double)sc);
                    if (oy > 0 && ox > 0) s += oy * ox * g[sr * W + sc];
                }
            s /= (y1 - y0) * (x1 - x0);
            long want = lround(s);
            if (labs((long)p.image.px[r * 64 + c] - want) > 0 &&
                fabs(s - floor(s) - 0.5) > 1e-9) /* exact halves may round either way */
                fail_msg("png pixel (%d, %d) = %d, expected %.4f", r, c, p.image.px[r * 64 + c], s);
        }
    /* a transparent pixel counts as black */
    unsigned char ga[4] = { 200, 0, 200, 255 }; /* 2 x 1 grey + alpha: opaque-ish, clear */
    ga[1] = 255;
    ga[3] = 0;
    write_png(path_of("ga.png"), 2, 1, PNG_FORMAT_GA, ga);
    load_ok(path_of("ga.png"), &p);
    assert_int_equal(p.image.px[0], 200);
    assert_int_equal(p.image.px[63], 0);
}

/* ---------------------------------------------------------------- errors */

static void refused(const char *name, const void *data, size_t n, const char *want)
{
    if (data) write_file(path_of(name), data, n);
    params_t p, before;
    params_defaults(&p);
    before = p;
    char err[512] = "", value[600];
    snprintf(value, sizeof value, "image:%s", path_of(name));
    assert_int_equal(params_set(&p, "density", value, err, sizeof err), -1);
    if (!strstr(err, want)) fail_msg("%s: message '%s' lacks '%s'", name, err, want);
    if (!strstr(err, name)) fail_msg("%s: message '%s' does not name the file", name, err);
    assert_memory_equal(&p, &before, sizeof p);
}

static void test_errors(void **state)
{
    (void)state;
    refused("missing.pgm", NULL, 0, "No such file");
    mkdir(path_of("adir.pgm"), 0700);
    refused("adir.pgm", NULL, 0, "directory");
    unsigned char junk[300];
    for (int i = 0; i < 300; i++) junk[i] = (unsigned char)(i * 37 + 11);
    refused("junk.png", junk, sizeof junk, "not a PGM (P2/P5) or PNG file");
    unsigned char badpng[40] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3 };
    refused("broken.png", badpng, sizeof badpng, "not a readable PNG");
    refused("black.pgm", "P2 2 2 255 0 0 0 0", 18, "all black");
    refused("short.pgm", "P5 4 4 255\n\x01\x02", 13, "too short");
    refused("over.pgm", "P2 2 1 10 3 11", 14, "above the maximum");
    refused("badsize.pgm", "P2 0 1 10 3", 11, "bad PGM size");
    refused("nan.pgm", "P2 2 1 10 3 x", 13, "not a number");
    refused("maxval.pgm", "P2 1 1 70000 3", 14, "maximum grey value");
    /* image:painted names no file in a scenario */
    params_t p;
    params_defaults(&p);
    char err[512];
    const char *ini = "[world]\ndensity = image:painted\n";
    assert_int_equal(scenario_load_text(ini, strlen(ini), "s.ini", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "s.ini:2:"));
    /* a mixture annotator needs components an image does not have */
    load_ok(path_of("plain.pgm"), &p);
    assert_int_equal(params_set(&p, "annotator", "mixture", err, sizeof err), 0);
    assert_int_equal(params_check(&p, err, sizeof err), -1);
    assert_non_null(strstr(err, "image:"));
}

/* ---------------------------------------------------------------- painting */

static void test_capture_smooth_save(void **state)
{
    (void)state;
    params_t p;
    params_defaults(&p); /* two-gauss */
    char err[256];
    assert_int_equal(params_image_capture(&p, err, sizeof err), 0);
    assert_int_equal(p.image.side, 64);
    assert_string_equal(p.image.src, "");
    int mx = 0;
    for (int i = 0; i < 64 * 64; i++) mx = p.image.px[i] > mx ? p.image.px[i] : mx;
    assert_int_equal(mx, 255);
    /* the narrow Gaussian at (-2, -2): pixel col (x + 6) / 12 * 64, row (6 - y) / 12 * 64 */
    assert_true(p.image.px[(int)(8.0 / 12 * 64) * 64 + (int)(4.0 / 12 * 64)] > 100);
    char v[300];
    params_format(&p, params_find("density"), v, sizeof v);
    assert_string_equal(v, "image:painted");
    /* a blur keeps a constant image and spreads a single dot with weights 1 2 1 */
    params_t d;
    params_defaults(&d);
    d.image.side = 64;
    memset(d.image.px, 0, sizeof d.image.px);
    d.image.px[10 * 64 + 10] = 160;
    params_image_smooth(&d);
    assert_int_equal(d.image.px[10 * 64 + 10], 40);  /* 160 * 4 / 16 */
    assert_int_equal(d.image.px[10 * 64 + 11], 20);  /* 160 * 2 / 16 */
    assert_int_equal(d.image.px[11 * 64 + 11], 10);  /* 160 * 1 / 16 */
    assert_int_equal(d.image.px[12 * 64 + 12], 0);
    /* saved as PGM and read back: the same pixels */
    assert_int_equal(params_image_save_pgm(&p, path_of("saved.pgm")), 0);
    params_t back;
    load_ok(path_of("saved.pgm"), &back);
    assert_memory_equal(back.image.px, p.image.px, sizeof p.image.px);
    /* world from the painted image: its p* is the picture */
    world_t *w = malloc(sizeof *w);
    p.grid = 64;
    if (world_create(w, &p, err, sizeof err) != 0) fail_msg("%s", err);
    world_destroy(w);
    free(w);
}

/* :save with an image writes NAME.pgm beside NAME.ini and refers to it
   relatively; loading from elsewhere finds it beside the scenario. */
static void test_scenario_keeps_the_picture(void **state)
{
    (void)state;
    params_t p, q;
    params_defaults(&p);
    char err[512];
    assert_int_equal(params_image_capture(&p, err, sizeof err), 0);
    params_image_smooth(&p);
    mkdir(path_of("sub"), 0700);
    assert_int_equal(scenario_save(path_of("sub/mine.ini"), &p, "painted", err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path_of("sub/mine.pgm"), &st), 0);
    FILE *f = fopen(path_of("sub/mine.ini"), "r");
    char line[400];
    int found = 0;
    while (fgets(line, sizeof line, f)) found |= strcmp(line, "density = image:mine.pgm\n") == 0;
    fclose(f);
    assert_true(found);
    params_defaults(&q);
    if (scenario_load(path_of("sub/mine.ini"), &q, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(q.image.side, 64);
    assert_memory_equal(q.image.px, p.image.px, sizeof p.image.px);
    assert_string_equal(q.image.src, path_of("sub/mine.pgm"));
    /* a pairs file named relative to the scenario is found beside it */
    const char *ini = "[annotator]\npairs-file = pairs.csv\n";
    write_file(path_of("sub/rel.ini"), ini, strlen(ini));
    params_defaults(&q);
    assert_int_equal(scenario_load(path_of("sub/rel.ini"), &q, err, sizeof err), 0);
    assert_string_equal(q.pairs_file, path_of("sub/pairs.csv"));
    /* no temporary files are left */
    assert_int_not_equal(stat(path_of("sub/mine.ini.tmp"), &st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pgm_plain_and_binary),
        cmocka_unit_test(test_density_on_grid),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_png),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_capture_smooth_save),
        cmocka_unit_test(test_scenario_keeps_the_picture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
