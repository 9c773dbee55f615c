/* The 2D densities of the toy world: Gaussian mixtures and the usual toys.
   A density is a weighted mixture of components; each component is a
   weighted set of Gaussian "atoms" (rotated, per-axis scales), a smoothed
   checkerboard or a banana. The components are what the `mixture`
   annotator treats as separate annotators.

   Log-densities are those of the untruncated density; the world restricts
   everything to the box [-L, L]^2, where sampling rejects points outside
   and grids renormalise. */
#ifndef PBDE_DENSITY_H
#define PBDE_DENSITY_H

#include <stddef.h>

#include "pbde/rng.h"

#define DENSITY_MAX_COMPONENTS 8
#define DENSITY_MAX_ATOMS 512

typedef enum {
    DCOMP_ATOMS = 0, /* mixture of Gaussian atoms */
    DCOMP_CHECKER,   /* checkerboard: uniform on dark squares, plus a floor */
    DCOMP_BANANA     /* x ~ N(0, s1^2), y | x ~ N(c + b x^2, s2^2) */
} density_comp_kind;

typedef struct {
    double mx, my;   /* mean */
    double sx, sy;   /* per-axis scales before rotation */
    double angle;    /* rotation in radians, counter-clockwise */
    double w;        /* weight inside its component (atoms of a component sum to 1) */
} density_atom_t;

typedef struct {
    density_comp_kind kind;
    double weight;        /* mixture weight of the component */
    int atom_first;       /* DCOMP_ATOMS: index of the first atom */
    int atom_count;       /*              and how many */
    double p[4];          /* CHECKER: half-width, square size, floor share, -;
                             BANANA: s1, s2, b, c */
} density_comp_t;

typedef struct {
    int id;                                   /* index in the catalogue */
    int n_comp;
    density_comp_t comp[DENSITY_MAX_COMPONENTS];
    int n_atoms;
    density_atom_t atoms[DENSITY_MAX_ATOMS];
} density_t;

/* Catalogue: number of built-in densities, their names and one-line
   descriptions. density_find returns the id of a name or -1. */
int density_count(void);
const char *density_name(int id);
const char *density_describe(int id);
int density_find(const char *name);

/* Fills *d with built-in density id. Returns 0, or -1 for an unknown id. */
int density_init(density_t *d, int id);

/* out(n) = log p(x) for points xy(n, 2). */
void density_log_prob(const density_t *d, const float *xy, size_t n, double *out);

/* out(n) = log p_k(x), the normalised log-density of component k alone. */
void density_component_log_prob(const density_t *d, int k, const float *xy, size_t n,
                                double *out);

/* Draws n exact samples of the density truncated to [-box, box]^2 into
   xy(n, 2); comp(n), when not NULL, receives each sample's component. */
void density_sample(const density_t *d, double box, rng_t *rng, float *xy, int *comp,
                    size_t n);

/* The reference model: isotropic N(0, scale^2 I) (untruncated log-density). */
void density_ref_log_prob(double scale, const float *xy, size_t n, double *out);

/* n exact samples of N(0, scale^2 I) truncated to [-box, box]^2. */
void density_ref_sample(double scale, double box, rng_t *rng, float *xy, size_t n);

#endif
