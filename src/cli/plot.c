/* Line plots into an RGB buffer (plot.h). */
#include "plot.h"

#include <math.h>

void plot_put(plot_t *p, int x, int y, const unsigned char *rgb, double a)
{
    if (x < 0 || y < 0 || x >= p->img.w || y >= p->img.h) return;
    unsigned char *px = p->img.px + 3 * ((size_t)y * (size_t)p->img.w + (size_t)x);
    for (int c = 0; c < 3; c++) px[c] = (unsigned char)lround((1 - a) * px[c] + a * rgb[c]);
}

void plot_line(plot_t *p, double xa, double ya, double xb, double yb, const unsigned char *rgb,
               int width, int dashed)
{
    double len = hypot(xb - xa, yb - ya);
    int steps = (int)ceil(len * 2) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        if (dashed && ((int)(t * len / 6)) % 2) continue;
        double x = xa + t * (xb - xa), y = ya + t * (yb - ya);
        for (int dy = -width / 2; dy <= width / 2; dy++)
            for (int dx = -width / 2; dx <= width / 2; dx++)
                plot_put(p, (int)lround(x) + dx, (int)lround(y) + dy, rgb, 1);
    }
}

void plot_dot(plot_t *p, double x, double y, int r, const unsigned char *rgb)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (dx * dx + dy * dy <= r * r + 1) plot_put(p, (int)lround(x) + dx, (int)lround(y) + dy, rgb, 1);
}

double plot_x(const plot_t *p, double v)
{
    double u = p->xlog ? log10(v) : v;
    return p->x0 + (u - p->vx0) / (p->vx1 - p->vx0) * (p->x1 - p->x0);
}

double plot_y(const plot_t *p, double v)
{
    double u = p->ylog ? log10(v) : v;
    return p->y1 - (u - p->vy0) / (p->vy1 - p->vy0) * (p->y1 - p->y0);
}

void plot_text(plot_t *p, int x, int y, const char *s, int px_size, const unsigned char *rgb,
               int align)
{
    raster_mask_t m;
    if (!p->font || p->font->text(p->font->ctx, s, px_size, &m) != 0) return;
    if (align == 1) x -= m.w;
    if (align == 2) x -= m.w / 2;
    for (int j = 0; j < m.h; j++)
        for (int i = 0; i < m.w; i++) {
            int a = m.a[(size_t)j * (size_t)m.w + (size_t)i];
            if (a) plot_put(p, x + i, y + j, rgb, a / 255.0);
        }
}
