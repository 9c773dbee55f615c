/* The evaluation grid and its metrics. */
#include "pbde/grid.h"

#include <math.h>
#include <stdlib.h>

#include "pbde/common.h"

int grid_init(grid_t *g, int G, double L)
{
    g->G = G;
    g->L = L;
    g->cell = 2.0 * L / G;
    g->n = (size_t)G * (size_t)G;
    size_t bytes = pbde_mul_size(pbde_mul_size(g->n, 2), sizeof(float));
    g->xy = bytes ? malloc(bytes) : NULL;
    if (!g->xy) {
        g->n = 0;
        return -1;
    }
    for (int j = 0; j < G; j++)
        for (int i = 0; i < G; i++) {
            size_t c = (size_t)j * (size_t)G + (size_t)i;
            g->xy[2 * c] = (float)(-L + (i + 0.5) * g->cell);
            g->xy[2 * c + 1] = (float)(-L + (j + 0.5) * g->cell);
        }
    return 0;
}

void grid_free(grid_t *g)
{
    free(g->xy);
    g->xy = NULL;
    g->n = 0;
}

double grid_normalise(double *v, size_t n, double cell_area)
{
    double m = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) m = fmax(m, v[i]);
    double s = 0;
    for (size_t i = 0; i < n; i++) s += exp(v[i] - m);
    double lz = m + log(s) + log(cell_area);
    for (size_t i = 0; i < n; i++) v[i] -= lz;
    return lz;
}

double grid_kl(const double *lp, const double *lq, size_t n, double cell_area)
{
    double kl = 0;
    for (size_t i = 0; i < n; i++) {
        double p = exp(lp[i]) * cell_area;
        if (p > 0) kl += p * (lp[i] - lq[i]);
    }
    return kl;
}

double grid_tv(const double *lp, const double *lq, size_t n, double cell_area)
{
    double tv = 0;
    for (size_t i = 0; i < n; i++) tv += fabs(exp(lp[i]) - exp(lq[i])) * cell_area;
    return 0.5 * tv;
}

size_t grid_cell_of(const grid_t *g, double x, double y)
{
    long i = (long)floor((x + g->L) / g->cell), j = (long)floor((y + g->L) / g->cell);
    if (i < 0) i = 0;
    if (j < 0) j = 0;
    if (i >= g->G) i = g->G - 1;
    if (j >= g->G) j = g->G - 1;
    return (size_t)j * (size_t)g->G + (size_t)i;
}
