/* Image densities: reading .pgm (P2/P5, own parser) and .png (libpng)
   files into a params_image_t, area-averaged to PARAMS_IMAGE_SIDE^2; the
   painted image's capture, blur and PGM writer (declared in params.h);
   and the density of params (the image when there is one). */
#ifndef PBDE_IMAGE_H
#define PBDE_IMAGE_H

#include <stddef.h>

#include "pbde/density.h"
#include "pbde/params.h"

/* Largest image file read, in bytes, and largest width or height. */
#define IMAGE_MAX_BYTES (64 << 20)
#define IMAGE_MAX_DIM 16384

/* Reads path (.pgm or .png by content) as grey values into *out (side
   PARAMS_IMAGE_SIDE, area-averaged; src = path). Returns 0, or -1 with a
   message naming the file in err (and *out unchanged). */
int image_load(params_image_t *out, const char *path, char *err, size_t errlen);

/* Area-averages a w x h grey image g (row-major) onto out (side
   PARAMS_IMAGE_SIDE), rounding to the nearest grey value. */
void image_resample(params_image_t *out, const float *g, int w, int h);

/* The density p* of *p: its image when p->image.side > 0, else the
   catalogue density. Returns 0, or -1 with a message in err. */
int image_params_density(density_t *d, const params_t *p, char *err, size_t errlen);

#endif
