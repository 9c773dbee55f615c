/* The evaluation grid and the metrics computed on it. The grid holds the
   G x G cell centres of [-L, L]^2, row-major from (-L, -L) (x fastest);
   densities on it are log-densities normalised so that
   sum_g exp(v_g) * cell_area = 1. */
#ifndef PBDE_GRID_H
#define PBDE_GRID_H

#include <stddef.h>

typedef struct {
    int G;            /* cells per side */
    double L;         /* half-width of the box */
    double cell;      /* side of a cell: 2L / G */
    size_t n;         /* G * G */
    float *xy;        /* (n, 2) cell centres */
} grid_t;

/* Allocates the cell centres of a G x G grid on [-L, L]^2. Returns 0, or
   -1 on allocation failure (g left empty). */
int grid_init(grid_t *g, int G, double L);
void grid_free(grid_t *g);

/* Normalises log-density values v(n) in place on the grid:
   v -= logsumexp(v) + log(cell_area). Returns log of the original
   normaliser (log of sum_g exp(v_g) * cell_area). */
double grid_normalise(double *v, size_t n, double cell_area);

/* KL(p || q) = sum_g p_g log(p_g / q_g) with cell masses p_g = exp(lp_g) *
   area, from normalised log-densities. */
double grid_kl(const double *lp, const double *lq, size_t n, double cell_area);

/* Total variation 1/2 sum_g |p_g - q_g|. */
double grid_tv(const double *lp, const double *lq, size_t n, double cell_area);

/* Index of the cell containing (x, y), clamped to the grid. */
size_t grid_cell_of(const grid_t *g, double x, double y);

#endif
