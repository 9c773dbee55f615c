/* The exporters: the YUV4MPEG2 writer and its built-in reader (frame
   count, sizes, colours back), the video sink's choices and messages, the
   facet and option parsing, and a 30-frame `pbde render` video read back
   by the built-in reader (when the binary has been built). The export
   sources live in the binary, not the library, so the pure ones are
   compiled in here. */
#include <math.h>
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

#include "../src/export/stage.c"
#include "../src/export/video.c"
#include "../src/export/y4m.c"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pbde_test_export.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A test picture: flat 2x2 blocks of varied colours (so 4:2:0 keeps them
   exactly up to rounding). */
static void picture(unsigned char *rgb, int w, int h, int frame)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            unsigned char *p = rgb + ((size_t)j * w + i) * 3;
            int bi = i / 2, bj = j / 2;
            p[0] = (unsigned char)((bi * 37 + frame * 11) % 256);
            p[1] = (unsigned char)((bj * 53 + 40) % 256);
            p[2] = (unsigned char)((bi * 13 + bj * 29 + frame) % 256);
        }
}

/* ------------------------------------------------------------ y4m */

static void write_clip(const char *path, int w, int h, int frames, int fps)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    y4m_writer_t y;
    assert_int_equal(y4m_begin(&y, f, w, h, fps), 0);
    unsigned char *rgb = malloc((size_t)w * h * 3);
    assert_non_null(rgb);
    for (int k = 0; k < frames; k++) {
        picture(rgb, w, h, k);
        assert_int_equal(y4m_frame(&y, rgb), 0);
    }
    y4m_end(&y);
    free(rgb);
    assert_int_equal(fclose(f), 0);
}

static void test_y4m_thirty_frames(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/a.y4m", tmpdir);
    write_clip(path, 64, 36, 30, 30);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char head[128];
    assert_non_null(fgets(head, sizeof head, f));
    assert_string_equal(head, "YUV4MPEG2 W64 H36 F30:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n");
    rewind(f);
    y4m_info_t info;
    char err[256];
    assert_int_equal(y4m_read_info(f, &info, err, sizeof err), 0);
    assert_int_equal(info.frames, 30);
    assert_int_equal(info.w, 64);
    assert_int_equal(info.h, 36);
    assert_int_equal(info.fps_num, 30);
    assert_int_equal(info.fps_den, 1);
    assert_string_equal(info.chroma, "420jpeg");
    assert_int_equal(info.frame_bytes, 64 * 36 + 2 * 32 * 18);
    fclose(f);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((long)st.st_size, (long)strlen(head) + 30L * (6 + 64 * 36 + 2 * 32 * 18));
}

/* Odd sizes: chroma planes round up; colours come back within the
   rounding of 8-bit limited-range YCbCr. */
static void test_y4m_colours_back(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/b.y4m", tmpdir);
    int w = 37, h = 21;
    write_clip(path, w, h, 3, 25);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    y4m_info_t info;
    char err[256];
    assert_int_equal(y4m_read_header(f, &info, err, sizeof err), 0);
    assert_int_equal(info.frame_bytes, (size_t)(37 * 21 + 2 * 19 * 11));
    unsigned char *got = malloc((size_t)w * h * 3), *want = malloc((size_t)w * h * 3);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(y4m_read_frame(f, &info, got), 1);
        picture(want, w, h, k);
        int worst = 0;
        for (size_t i = 0; i < (size_t)w * h * 3; i++) {
            int d = abs((int)got[i] - (int)want[i]);
            if (d > worst) worst = d;
        }
        if (worst > 4) fail_msg("frame %d: a colour came back %d off", k, worst);
    }
    assert_int_equal(y4m_read_frame(f, &info, got), 0);
    free(got);
    free(want);
    fclose(f);
}

static void test_y4m_bad_streams(void **state)
{
    (void)state;
    char path[512], err[256];
    y4m_info_t info;
    snprintf(path, sizeof path, "%s/c.y4m", tmpdir);
    write_clip(path, 16, 16, 4, 30);
    /* cut the last frame short */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 10), 0);
    FILE *f = fopen(path, "rb");
    assert_int_equal(y4m_read_info(f, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "frame 4 is truncated"));
    fclose(f);

    f = fopen(path, "wb");
    fputs("P6\n16 16\n255\n", f);
    fclose(f);
    f = fopen(path, "rb");
    assert_int_equal(y4m_read_info(f, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a YUV4MPEG2 stream"));
    fclose(f);

    f = fopen(path, "wb");
    fputs("YUV4MPEG2 W16 H16 F30:1 C420jpeg\nFRAMX\n", f);
    fclose(f);
    f = fopen(path, "rb");
    assert_int_equal(y4m_read_info(f, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "no FRAME marker"));
    fclose(f);
}

/* ------------------------------------------------------------ video sink */

static void test_out_kinds(void **state)
{
    (void)state;
    assert_int_equal(out_kind_of("a.png"), OUT_PNG);
    assert_int_equal(out_kind_of("dir.x/a.Y4M"), OUT_Y4M);
    assert_int_equal(out_kind_of("a.mp4"), OUT_FFMPEG);
    assert_int_equal(out_kind_of("a.gif"), OUT_FFMPEG);
    assert_int_equal(out_kind_of("a.avi"), -1);
    assert_int_equal(out_kind_of("dir.png/a"), -1);
    assert_int_equal(out_kind_of("noext"), -1);
}

static void test_video_y4m_commit_and_abort(void **state)
{
    (void)state;
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/v.y4m", tmpdir);
    raster_image_t img = { calloc(32 * 18 * 3, 1), 32, 18 };
    video_t *v = video_open(path, 32, 18, 30, err, sizeof err);
    assert_non_null(v);
    for (int k = 0; k < 5; k++) assert_int_equal(video_frame(v, &img, err, sizeof err), 0);
    /* nothing under the final name until the video is complete */
    assert_int_equal(access(path, F_OK), -1);
    raster_image_t wrong = { img.px, 30, 18 };
    assert_int_equal(video_frame(v, &wrong, err, sizeof err), -1);
    assert_int_equal(video_close(v, 1, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    y4m_info_t info;
    assert_int_equal(y4m_read_info(f, &info, err, sizeof err), 0);
    assert_int_equal(info.frames, 5);
    fclose(f);

    char path2[512];
    snprintf(path2, sizeof path2, "%s/aborted.y4m", tmpdir);
    v = video_open(path2, 32, 18, 30, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(video_close(v, 0, err, sizeof err), 0);
    assert_int_equal(access(path2, F_OK), -1);
    free(img.px);
}

static void test_ffmpeg_missing_message(void **state)
{
    (void)state;
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", tmpdir, 1); /* an empty directory: no ffmpeg */
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/v.mp4", tmpdir);
    video_t *v = video_open(path, 32, 18, 30, err, sizeof err);
    assert_null(v);
    assert_non_null(strstr(err, "ffmpeg not found"));
    assert_non_null(strstr(err, ".y4m"));
    assert_int_equal(export_on_path("ffmpeg"), 0);
    if (old) {
        setenv("PATH", old, 1);
        free(old);
    }
    assert_int_equal(export_on_path("sh"), 1);
}

/* ------------------------------------------------------------ options */

static void test_facet_parsing(void **state)
{
    (void)state;
    params_t base, out[STAGE_MAX];
    params_defaults(&base);
    int n;
    char name[32], err[512];
    assert_int_equal(stage_parse_facet("beta=1,4,16", &base, out, &n, name, sizeof name, err,
                                       sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(name, "beta");
    assert_true(out[0].beta == 1 && out[1].beta == 4 && out[2].beta == 16);
    assert_true(out[2].alpha == base.alpha);
    assert_int_equal(stage_parse_facet("objective=reward,dpo", &base, out, &n, name, sizeof name,
                                       err, sizeof err), 0);
    assert_int_equal(out[1].objective, 1);

    assert_int_equal(stage_parse_facet("beta", &base, out, &n, name, sizeof name, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected NAME=v1,v2"));
    assert_int_equal(stage_parse_facet("bogus=1,2", &base, out, &n, name, sizeof name, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "'bogus' is not a parameter"));
    assert_int_equal(stage_parse_facet("beta=1,0", &base, out, &n, name, sizeof name, err,
                                       sizeof err), -1);
    assert_non_null(strstr(err, "'0' is not allowed"));
    assert_int_equal(stage_parse_facet("beta=1,,2", &base, out, &n, name, sizeof name, err,
                                       sizeof err), -1);
    assert_int_equal(stage_parse_facet("beta=1,2,3,4,5,6,7,8,9,10,11,12", &base, out, &n, name,
                                       sizeof name, err, sizeof err), -1);
    assert_non_null(strstr(err, "at most"));
}

static void test_view_options(void **state)
{
    (void)state;
    view_state_t vs;
    view_state_init(&vs);
    char err[256];
    assert_int_equal(export_parse_cursor(&vs, "-2,-2.5", err, sizeof err), 0);
    assert_true(vs.cursor_x == -2 && vs.cursor_y == -2.5);
    assert_int_equal(export_parse_cursor(&vs, "1", err, sizeof err), -1);
    assert_non_null(strstr(err, "expected X,Y"));
    assert_int_equal(export_parse_cursor(&vs, "1,2,3", err, sizeof err), -1);
    int w, h;
    assert_int_equal(export_parse_size("1280x720", &w, &h), 0);
    assert_true(w == 1280 && h == 720);
    assert_int_equal(export_parse_size("1280", &w, &h), -1);
    assert_int_equal(export_parse_size("8x8", &w, &h), -1);
    assert_int_equal(export_parse_size("100x100x", &w, &h), -1);
}

/* ------------------------------------------------------------ the binary */

/* `pbde render` writes a 30-frame .y4m the built-in reader reads as 30
   frames of the asked size. Skipped (with a message) before the binary
   exists. */
static void test_render_thirty_frames(void **state)
{
    (void)state;
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char bin[512], path[512], cmd[2048];
    snprintf(bin, sizeof bin, "%s/pbde", build);
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "  skipped: %s not built\n", bin);
        skip();
    }
    snprintf(path, sizeof path, "%s/r.y4m", tmpdir);
    snprintf(cmd, sizeof cmd,
             "'%s' render --pairs 2048 --grid 48 --width 16 --depth 2 --steps 60 --frames 30 "
             "--size 240x136 --out '%s'", bin, path);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    y4m_info_t info;
    char err[256];
    if (y4m_read_info(f, &info, err, sizeof err) != 0) fail_msg("reader: %s", err);
    assert_int_equal(info.frames, 30);
    assert_int_equal(info.w, 240);
    assert_int_equal(info.h, 136);
    assert_int_equal(info.fps_num, 30);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_y4m_thirty_frames),
        cmocka_unit_test(test_y4m_colours_back),
        cmocka_unit_test(test_y4m_bad_streams),
        cmocka_unit_test(test_out_kinds),
        cmocka_unit_test(test_video_y4m_commit_and_abort),
        cmocka_unit_test(test_ffmpeg_missing_message),
        cmocka_unit_test(test_facet_parsing),
        cmocka_unit_test(test_view_options),
        cmocka_unit_test(test_render_thirty_frames),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
