/* Line plots drawn straight into an RGB buffer, for the headless
   commands' PNG figures (pbde curve, pbde overopt): pixels, lines, dots
   and text through the rasteriser's font interface, and the mapping of
   data to pixels on linear or log10 axes. */
#ifndef PBDE_CLI_PLOT_H
#define PBDE_CLI_PLOT_H

#include "pbde/raster.h"

typedef struct {
    raster_image_t img;
    const raster_font_t *font; /* NULL: no text */
    int x0, y0, x1, y1;        /* plot area in pixels */
    double vx0, vx1, vy0, vy1; /* its range in axis units (log10 units on a log axis) */
    int xlog, ylog;            /* 1: that axis is log10 */
} plot_t;

/* Blends colour rgb into pixel (x, y) with opacity a (outside: nothing). */
void plot_put(plot_t *p, int x, int y, const unsigned char *rgb, double a);

/* A line between pixel positions, width pixels wide, dashed or solid. */
void plot_line(plot_t *p, double xa, double ya, double xb, double yb, const unsigned char *rgb,
               int width, int dashed);

/* A filled dot of radius r pixels at a pixel position. */
void plot_dot(plot_t *p, double x, double y, int r, const unsigned char *rgb);

/* The pixel position of a data value on the x and y axes. */
double plot_x(const plot_t *p, double v);
double plot_y(const plot_t *p, double v);

/* Text at (x, y) (top-left; align 1 right-aligns at x, 2 centres). */
void plot_text(plot_t *p, int x, int y, const char *s, int px_size, const unsigned char *rgb,
               int align);

#endif
