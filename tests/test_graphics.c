/* Pixels in the terminal: the terminal's answers are read right, the sixel
   a panel is sent as decodes (libsixel) to that panel's pixels, and the
   kitty encoding carries them in base64 chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../src/tui/graphics.c"
#include "pbde/view.h"

static void test_answers(void **state)
{
    (void)state;
    int kitty, sixel;
    /* xterm -ti vt340: no kitty answer, DA1 with attribute 4 */
    const char vt340[] = "\033[?63;1;2;4;6;9;15;16;22;28c";
    assert_int_equal(tui_gfx_parse_answer(vt340, sizeof vt340 - 1, &kitty, &sixel), 1);
    assert_true(sixel && !kitty);
    /* kitty: the graphics answer, then a DA1 without sixel */
    const char k[] = "\033_Gi=31;OK\033\\\033[?62;c";
    assert_int_equal(tui_gfx_parse_answer(k, sizeof k - 1, &kitty, &sixel), 1);
    assert_true(kitty && !sixel);
    /* tmux without sixel: 14 is not 4, 64 is not 4 */
    const char tm[] = "\033[?1;2;14;64c";
    assert_int_equal(tui_gfx_parse_answer(tm, sizeof tm - 1, &kitty, &sixel), 1);
    assert_true(!kitty && !sixel);
    /* an answer cut short is not complete */
    assert_int_equal(tui_gfx_parse_answer(vt340, 8, &kitty, &sixel), 0);
    tui_gfx_kind g;
    assert_int_equal(tui_gfx_parse("sixel", &g), 0);
    assert_int_equal(g, GFX_SIXEL);
    assert_int_equal(tui_gfx_parse("png", &g), -1);
}

/* A panel-like image: viridis over a gradient and a flat block. */
static unsigned char *panel(int w, int h)
{
    unsigned char *img = malloc((size_t)w * (size_t)h * 3);
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            double t = j < h / 2 ? (double)((i * 40) / w) / 39.0 : 0.25; /* 40 bands, then flat */
            view_rgb_t c = view_cmap(CMAP_VIRIDIS, t);
            unsigned char *p = img + 3 * ((size_t)j * (size_t)w + (size_t)i);
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
    return img;
}

static void test_sixel_decodes_to_the_panel(void **state)
{
    (void)state;
    if (!tui_gfx_sixel_available()) skip();
    int w = 241, h = 97; /* not multiples of the sixel band (6) */
    unsigned char *img = panel(w, h);
    char *data;
    size_t len;
    assert_int_equal(tui_gfx_sixel_encode(img, w, h, &data, &len), 0);
    assert_true(len > 10 && data[0] == 0x1b && data[1] == 'P'); /* DCS ... */
#ifdef PBDE_HAVE_SIXEL
    unsigned char *pix = NULL, *pal = NULL;
    int dw = 0, dh = 0, nc = 0;
    assert_false(SIXEL_FAILED(sixel_decode_raw((unsigned char *)data, (int)len, &pix, &dw, &dh, &pal, &nc, NULL)));
    assert_int_equal(dw, w);
    assert_int_equal(dh, h);
    /* 41 colours in the picture, a palette of up to 256: every pixel comes
       back as its own colour (a sixel palette holds each channel as a
       percentage: within 255 / 200, rounded, of the 8-bit value) */
    int worst = 0;
    for (int k = 0; k < w * h; k++) {
        const unsigned char *want = img + 3 * k, *got = pal + 3 * pix[k];
        for (int c = 0; c < 3; c++) {
            int d = abs((int)want[c] - (int)got[c]);
            if (d > worst) worst = d;
        }
    }
    print_message("sixel: %dx%d, %zu bytes, %d palette colours, worst channel error %d\n", w, h, len, nc, worst);
    assert_true(worst <= 2);
    assert_int_equal(nc, 41);
    /* the flat block decodes to one palette entry */
    int first = pix[(h - 1) * w];
    for (int j = h / 2; j < h; j++)
        for (int i = 0; i < w; i++) assert_int_equal(pix[j * w + i], first);
    free(pix);
    free(pal);
#endif
    free(data);
    free(img);
}

static void test_kitty_chunks(void **state)
{
    (void)state;
    int w = 50, h = 40; /* 6000 bytes: two chunks */
    unsigned char *img = panel(w, h);
    char *data;
    size_t len;
    assert_int_equal(tui_gfx_kitty_encode(img, w, h, 10, 5, &data, &len), 0);
    assert_non_null(strstr(data, "\033_Ga=T,f=24,s=50,v=40,c=10,r=5,C=1,q=2,m=1;"));
    assert_non_null(strstr(data, "\033\\\033_Gm=0;"));
    /* decode the base64 back and compare */
    unsigned char *back = malloc((size_t)w * (size_t)h * 3 + 4);
    size_t n = 0;
    for (const char *p = data; (p = strchr(p, ';')); ) {
        p++;
        unsigned v = 0;
        int bits = 0;
        for (; *p && *p != 0x1b; p++) {
            if (*p == '=') continue;
            const char *at = strchr(B64, *p);
            assert_non_null(at);
            v = (v << 6) | (unsigned)(at - B64);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                back[n++] = (unsigned char)(v >> bits);
            }
        }
    }
    assert_int_equal(n, (size_t)w * (size_t)h * 3);
    assert_memory_equal(back, img, n);
    free(back);
    free(data);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_sixel_decodes_to_the_panel),
        cmocka_unit_test(test_kitty_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
