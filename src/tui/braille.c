/* Line plots in braille cells: each cell is a 2 x 4 grid of dots, so a
   w x h cell canvas has 2w x 4h dots. Pure: no terminal. */
#include <math.h>
#include <stdlib.h>

#include "tui.h"

/* Unicode braille: dots 1-2-3-7 down the left column, 4-5-6-8 down the
   right one. */
static const uint8_t BITS[2][4] = {
    { 0x01, 0x02, 0x04, 0x40 },
    { 0x08, 0x10, 0x20, 0x80 },
};

uint8_t tui_braille_bit(int dx, int dy)
{
    if (dx < 0 || dx > 1 || dy < 0 || dy > 3) return 0;
    return BITS[dx][dy];
}

static void set_dot(uint8_t *cells, int w, int h, int x, int y)
{
    if (x < 0 || y < 0 || x >= 2 * w || y >= 4 * h) return;
    cells[(y / 4) * w + x / 2] |= BITS[x & 1][y & 3];
}

/* Dots on the segment from (x0, y0) to (x1, y1), both ends included. */
static void segment(uint8_t *cells, int w, int h, int x0, int y0, int x1, int y1)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        set_dot(cells, w, h, x0, y0);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void tui_braille_plot(uint8_t *cells, int w, int h, const double *ys, size_t n, double lo,
                      double hi)
{
    if (w <= 0 || h <= 0 || n == 0) return;
    int dw = 2 * w, dh = 4 * h;
    int have_prev = 0, px = 0, py = 0;
    for (size_t i = 0; i < n; i++) {
        double v = ys[i];
        if (!isfinite(v)) {
            have_prev = 0;
            continue;
        }
        int x = n > 1 ? (int)lround((double)i * (double)(dw - 1) / (double)(n - 1)) : 0;
        double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        if (t < 0) t = 0;
        if (t > 1) t = 1;
        int y = (dh - 1) - (int)lround(t * (double)(dh - 1));
        if (have_prev) segment(cells, w, h, px, py, x, y);
        else set_dot(cells, w, h, x, y);
        px = x;
        py = y;
        have_prev = 1;
    }
}

char tui_braille_ascii(uint8_t mask)
{
    if (!mask) return ' ';
    int top = 4, bottom = -1;
    for (int dy = 0; dy < 4; dy++)
        if (mask & (BITS[0][dy] | BITS[1][dy])) {
            if (dy < top) top = dy;
            if (dy > bottom) bottom = dy;
        }
    if (bottom - top >= 2) return '|';
    int mid2 = top + bottom; /* twice the middle row: 0..6 */
    if (mid2 <= 1) return '\'';
    if (mid2 <= 4) return '-';
    return '.';
}
