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
#include <stdint.h>

#include "pbde/rng.h"

#define DENSITY_MAX_COMPONENTS 8
#define DENSITY_MAX_ATOMS 512
#define DENSITY_IMAGE_MAX_SIDE 64
/* The log-density of a black pixel (density 0): finite, so differences
   stay defined (two black items tie), and exp() of it is 0 in double. */
#define DENSITY_LOG_ZERO (-1000.0)

typedef enum {
    DCOMP_ATOMS = 0, /* mixture of Gaussian atoms */
    DCOMP_CHECKER,   /* checkerboard: uniform on dark squares, plus a floor */
    DCOMP_BANANA,    /* x ~ N(0, s1^2), y | x ~ N(c + b x^2, s2^2) */
    DCOMP_IMAGE      /* piecewise constant over the pixels of an image on the box */
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
    /* DCOMP_IMAGE: side x side pixels on [-img_box, img_box]^2, row 0 at the
       top; img_cum[k] = sum of the grey values of pixels 0..k (row-major),
       so pixel k's value is img_cum[k] - img_cum[k - 1] */
    int img_side;
    double img_box;
    uint32_t img_cum[DENSITY_IMAGE_MAX_SIDE * DENSITY_IMAGE_MAX_SIDE];
} density_t;

/* Catalogue: number of built-in densities, their names and one-line
   descriptions. density_find returns the id of a name or -1. */
int density_count(void);
const char *density_name(int id);
const char *density_describe(int id);
int density_find(const char *name);

/* Fills *d with built-in density id. Returns 0, or -1 for an unknown id. */
int density_init(density_t *d, int id);

/* Fills *d with the image density of px (side x side grey values,
   row-major, row 0 at y = +box) spread over [-box, box]^2: density
   proportional to the grey value, 0 outside the box. id is -1. Returns 0,
   or -1 when side is out of range or every pixel is black. */
int density_init_image(density_t *d, const unsigned char *px, int side, double box);

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
