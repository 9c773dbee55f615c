/* The 2D densities of the toy world.

   A density is a mixture sum_k w_k p_k(x). Each component is one of:
   - DCOMP_ATOMS: a mixture of Gaussian atoms sum_j a_j N(x; m_j, R_j S_j^2 R_j^T),
     R_j the rotation by angle_j and S_j = diag(sx_j, sy_j);
   - DCOMP_CHECKER: the checkerboard defined in the "Checkerboard" section;
   - DCOMP_BANANA: x ~ N(0, s1^2), y | x ~ N(c + b x^2, s2^2).
   Every component is a normalised density on the whole plane with a finite
   log-density everywhere, so log p(x) is finite for any box. Log-densities
   are evaluated in double with log-sum-exp over components and atoms. */
#include "pbde/density.h"

#include <math.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define LOG_TWO_PI 1.8378770664093453

/* Sampling rejects points outside the box. If a single sample needs more
   than this many draws (acceptance below ~1e-7: every density of the
   catalogue keeps far more mass than that in any box of half-width >= 2),
   the last draw is clamped into the box rather than looping for ever; only
   then is the result not exact. */
#define MAX_TRIES 10000000L

/* ------------------------------------------------------------------ */
/* Checkerboard                                                         */
/* ------------------------------------------------------------------ */

/* A checker component with parameters p = {h, s, f} is
       p(x) = (1 - f) * U(x) + f * q(x1) q(x2)
   where U is uniform on the dark squares of the board [-h, h]^2 cut into
   squares of side s (n = 2h/s per side; square (i, j), counted from the
   corner (-h, -h), is dark when i + j is even; the board's right and top
   edges are excluded), and q is the fixed 1D floor
       q(t) = c                                  for |t| <= FLOOR_HALF,
       q(t) = c exp(-(|t| - FLOOR_HALF)^2 / (2 FLOOR_TAIL^2))  beyond,
   c = 1 / (2 FLOOR_HALF + FLOOR_TAIL sqrt(2 pi)). With FLOOR_HALF = 6 the
   floor is exactly uniform on the default box [-6, 6]^2, so p is piecewise
   constant there; its Gaussian shoulders keep log p finite on the whole
   plane for larger boxes. */
#define FLOOR_HALF 6.0
#define FLOOR_TAIL 0.5

static double floor_log_norm(void)
{
    return -log(2.0 * FLOOR_HALF + FLOOR_TAIL * sqrt(TWO_PI));
}

static double floor_log_1d(double t)
{
    double a = fabs(t) - FLOOR_HALF;
    double lp = floor_log_norm();
    if (a > 0.0) lp -= a * a / (2.0 * FLOOR_TAIL * FLOOR_TAIL);
    return lp;
}

static int checker_side(const density_comp_t *c)
{
    return (int)floor(2.0 * c->p[0] / c->p[1] + 0.5);
}

static int checker_dark_count(const density_comp_t *c)
{
    int n = checker_side(c);
    return (n * n + 1) / 2;
}

static int checker_is_dark(const density_comp_t *c, double x, double y)
{
    double h = c->p[0], s = c->p[1];
    int n = checker_side(c);
    if (!(x >= -h && x < h && y >= -h && y < h)) return 0;
    int i = (int)floor((x + h) / s), j = (int)floor((y + h) / s);
    if (i >= n) i = n - 1;
    if (j >= n) j = n - 1;
    return (i + j) % 2 == 0;
}

static double checker_log_prob(const density_comp_t *c, double x, double y)
{
    double f = c->p[2], s = c->p[1];
    double lfloor = log(f) + floor_log_1d(x) + floor_log_1d(y);
    if (!checker_is_dark(c, x, y)) return lfloor;
    double dark = (1.0 - f) / ((double)checker_dark_count(c) * s * s);
    return log(dark + exp(lfloor));
}

static double floor_sample_1d(rng_t *rng)
{
    double tails = FLOOR_TAIL * sqrt(TWO_PI);
    double u = rng_uniform(rng) * (2.0 * FLOOR_HALF + tails);
    if (u < 2.0 * FLOOR_HALF) return u - FLOOR_HALF;
    double t = FLOOR_HALF + FLOOR_TAIL * fabs(rng_normal(rng));
    return rng_uniform(rng) < 0.5 ? -t : t;
}

static void checker_sample(const density_comp_t *c, rng_t *rng, double *x, double *y)
{
    double h = c->p[0], s = c->p[1], f = c->p[2];
    if (rng_uniform(rng) < f) {
        *x = floor_sample_1d(rng);
        *y = floor_sample_1d(rng);
        return;
    }
    int n = checker_side(c), dark = checker_dark_count(c);
    int k = (int)(rng_uniform(rng) * dark);
    if (k >= dark) k = dark - 1;
    /* the k-th dark square, scanning the board row by row from (-h, -h) */
    for (int cell = 0; cell < n * n; cell++) {
        int i = cell % n, j = cell / n;
        if ((i + j) % 2 != 0) continue;
        if (k-- == 0) {
            *x = -h + s * (i + rng_uniform(rng));
            *y = -h + s * (j + rng_uniform(rng));
            return;
        }
    }
    *x = *y = 0.0; /* unreachable for a consistent board */
}

/* ------------------------------------------------------------------ */
/* Banana                                                               */
/* ------------------------------------------------------------------ */

static double normal_log_pdf(double x, double mean, double sd)
{
    double z = (x - mean) / sd;
    return -0.5 * z * z - log(sd) - 0.5 * LOG_TWO_PI;
}

static double banana_log_prob(const density_comp_t *c, double x, double y)
{
    double s1 = c->p[0], s2 = c->p[1], b = c->p[2], c0 = c->p[3];
    return normal_log_pdf(x, 0.0, s1) + normal_log_pdf(y, c0 + b * x * x, s2);
}

static void banana_sample(const density_comp_t *c, rng_t *rng, double *x, double *y)
{
    double s1 = c->p[0], s2 = c->p[1], b = c->p[2], c0 = c->p[3];
    *x = s1 * rng_normal(rng);
    *y = c0 + b * *x * *x + s2 * rng_normal(rng);
}

/* ------------------------------------------------------------------ */
/* Atoms                                                                */
/* ------------------------------------------------------------------ */

/* An atom with its per-call constants: lw = log a_j - log(2 pi sx sy). */
typedef struct {
    double mx, my, cs, sn, isx, isy, lw;
} atom_pre_t;

static void prepare_atoms(const density_t *d, atom_pre_t *pre)
{
    int n = d->n_atoms < DENSITY_MAX_ATOMS ? d->n_atoms : DENSITY_MAX_ATOMS;
    for (int j = 0; j < n; j++) {
        const density_atom_t *a = &d->atoms[j];
        pre[j].mx = a->mx;
        pre[j].my = a->my;
        pre[j].cs = cos(a->angle);
        pre[j].sn = sin(a->angle);
        pre[j].isx = 1.0 / a->sx;
        pre[j].isy = 1.0 / a->sy;
        pre[j].lw = log(a->w) - LOG_TWO_PI - log(a->sx) - log(a->sy);
    }
}

/* log sum_j a_j N(x; atom j) over atoms [first, first + count), by an
   online log-sum-exp. */
static double atoms_log_prob(const atom_pre_t *pre, int first, int count, double x, double y)
{
    double m = -HUGE_VAL, s = 0.0;
    for (int j = first; j < first + count; j++) {
        const atom_pre_t *a = &pre[j];
        double dx = x - a->mx, dy = y - a->my;
        double u = (a->cs * dx + a->sn * dy) * a->isx;
        double v = (-a->sn * dx + a->cs * dy) * a->isy;
        double l = a->lw - 0.5 * (u * u + v * v);
        if (l <= m) {
            s += exp(l - m);
        } else {
            s = s * exp(m - l) + 1.0;
            m = l;
        }
    }
    return m + log(s);
}

static void atoms_sample(const density_t *d, const density_comp_t *c, rng_t *rng, double *x,
                         double *y)
{
    double u = rng_uniform(rng), acc = 0.0;
    int j = c->atom_first, last = c->atom_first + c->atom_count - 1;
    for (; j < last; j++) {
        acc += d->atoms[j].w;
        if (u < acc) break;
    }
    const density_atom_t *a = &d->atoms[j];
    double zx = a->sx * rng_normal(rng), zy = a->sy * rng_normal(rng);
    double cs = cos(a->angle), sn = sin(a->angle);
    *x = a->mx + cs * zx - sn * zy;
    *y = a->my + sn * zx + cs * zy;
}

/* ------------------------------------------------------------------ */
/* Image                                                                */
/* ------------------------------------------------------------------ */

/* An image component: img_side^2 pixels tiling [-B, B]^2 (B = img_box),
   row 0 at the top; the density of pixel k is v_k / (V a), v_k its grey
   value, V the sum of all of them and a a pixel's area; 0 (log:
   DENSITY_LOG_ZERO) on black pixels and outside the box. */
static unsigned image_value(const density_t *d, int k)
{
    return k == 0 ? d->img_cum[0] : d->img_cum[k] - d->img_cum[k - 1];
}

static double image_log_prob(const density_t *d, double x, double y)
{
    int S = d->img_side;
    double B = d->img_box;
    if (!(x >= -B && x <= B && y >= -B && y <= B)) return DENSITY_LOG_ZERO;
    int col = (int)floor((x + B) / (2.0 * B) * S), row = (int)floor((B - y) / (2.0 * B) * S);
    if (col >= S) col = S - 1;
    if (row >= S) row = S - 1;
    if (col < 0) col = 0;
    if (row < 0) row = 0;
    unsigned v = image_value(d, row * S + col);
    if (v == 0) return DENSITY_LOG_ZERO;
    double cell = 2.0 * B / S;
    return log((double)v) - log((double)d->img_cum[S * S - 1]) - 2.0 * log(cell);
}

/* Exact sampling: the pixel by inverse CDF over the cumulative grey
   values, then a uniform point inside it. */
static void image_sample(const density_t *d, rng_t *rng, double *x, double *y)
{
    int S = d->img_side, n = S * S;
    double u = rng_uniform(rng) * (double)d->img_cum[n - 1];
    int lo = 0, hi = n - 1; /* first k with cum[k] > u */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if ((double)d->img_cum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    double B = d->img_box, cell = 2.0 * B / S;
    int row = lo / S, col = lo % S;
    *x = -B + ((double)col + rng_uniform(rng)) * cell;
    *y = B - ((double)row + rng_uniform(rng)) * cell;
}

int density_init_image(density_t *d, const unsigned char *px, int side, double box)
{
    if (side < 1 || side > DENSITY_IMAGE_MAX_SIDE || !(box > 0)) return -1;
    memset(d, 0, sizeof *d);
    d->id = -1;
    d->img_side = side;
    d->img_box = box;
    uint32_t acc = 0;
    for (int k = 0; k < side * side; k++) {
        acc += px[k];
        d->img_cum[k] = acc;
    }
    if (acc == 0) return -1;
    density_comp_t *c = &d->comp[d->n_comp++];
    c->kind = DCOMP_IMAGE;
    c->weight = 1.0;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Components                                                           */
/* ------------------------------------------------------------------ */

static double comp_log_prob(const density_t *d, const atom_pre_t *pre, int k, double x, double y)
{
    const density_comp_t *c = &d->comp[k];
    switch (c->kind) {
    case DCOMP_ATOMS: return atoms_log_prob(pre, c->atom_first, c->atom_count, x, y);
    case DCOMP_CHECKER: return checker_log_prob(c, x, y);
    case DCOMP_BANANA: return banana_log_prob(c, x, y);
    case DCOMP_IMAGE: return image_log_prob(d, x, y);
    }
    return -HUGE_VAL;
}

static void comp_sample(const density_t *d, int k, rng_t *rng, double *x, double *y)
{
    const density_comp_t *c = &d->comp[k];
    switch (c->kind) {
    case DCOMP_ATOMS: atoms_sample(d, c, rng, x, y); return;
    case DCOMP_CHECKER: checker_sample(c, rng, x, y); return;
    case DCOMP_BANANA: banana_sample(c, rng, x, y); return;
    case DCOMP_IMAGE: image_sample(d, rng, x, y); return;
    }
    *x = *y = 0.0;
}

/* ------------------------------------------------------------------ */
/* Catalogue builders                                                   */
/* ------------------------------------------------------------------ */

static density_comp_t *begin_comp(density_t *d, density_comp_kind kind, double weight)
{
    density_comp_t *c = &d->comp[d->n_comp++];
    c->kind = kind;
    c->weight = weight;
    c->atom_first = d->n_atoms;
    c->atom_count = 0;
    return c;
}

static void add_atom(density_t *d, double mx, double my, double sx, double sy, double angle,
                     double w)
{
    density_atom_t *a = &d->atoms[d->n_atoms++];
    a->mx = mx;
    a->my = my;
    a->sx = sx;
    a->sy = sy;
    a->angle = angle;
    a->w = w;
    d->comp[d->n_comp - 1].atom_count++;
}

/* Rescales the atom weights of the last component to sum to 1. */
static void end_comp(density_t *d)
{
    density_comp_t *c = &d->comp[d->n_comp - 1];
    double s = 0.0;
    for (int j = c->atom_first; j < c->atom_first + c->atom_count; j++) s += d->atoms[j].w;
    for (int j = c->atom_first; j < c->atom_first + c->atom_count; j++) d->atoms[j].w /= s;
}

static void gauss_comp(density_t *d, double weight, double mx, double my, double sx, double sy,
                       double angle)
{
    begin_comp(d, DCOMP_ATOMS, weight);
    add_atom(d, mx, my, sx, sy, angle, 1.0);
}

static void build_two_gauss(density_t *d)
{
    gauss_comp(d, 0.4, -2.0, -2.0, 0.5, 0.5, 0.0);
    gauss_comp(d, 0.6, 2.0, 1.5, 1.0, 0.6, 0.0);
}

static void build_three_gauss(density_t *d)
{
    gauss_comp(d, 0.2, -2.5, 2.0, 1.0, 0.4, 0.6);
    gauss_comp(d, 0.3, 2.5, 2.5, 0.8, 0.45, -0.8);
    gauss_comp(d, 0.5, 0.5, -2.5, 1.3, 0.5, 0.25);
}

/* 96 isotropic atoms of scale 0.35 on the circle of radius 3.5: spacing
   2 pi 3.5 / 96 = 0.229 < 0.35, so the ripple along the circle is ~1e-15. */
static void build_ring(density_t *d)
{
    const int n = 96;
    begin_comp(d, DCOMP_ATOMS, 1.0);
    for (int j = 0; j < n; j++) {
        double t = TWO_PI * j / n;
        add_atom(d, 3.5 * cos(t), 3.5 * sin(t), 0.35, 0.35, 0.0, 1.0);
    }
    end_comp(d);
}

/* scikit-learn's two moons, centred and scaled by 2.5: the upper moon is
   2.5 (cos t, sin t) - (1.25, 0.625), the lower one its point reflection,
   t in [0, pi]; 48 atoms of scale 0.3 per moon (spacing 0.167). */
static void build_moons(density_t *d)
{
    const int n = 48;
    for (int m = 0; m < 2; m++) {
        double sgn = m == 0 ? 1.0 : -1.0;
        begin_comp(d, DCOMP_ATOMS, 0.5);
        for (int j = 0; j < n; j++) {
            double t = TWO_PI * 0.5 * j / (n - 1);
            add_atom(d, sgn * (2.5 * cos(t) - 1.25), sgn * (2.5 * sin(t) - 0.625), 0.3, 0.3,
                     0.0, 1.0);
        }
        end_comp(d);
    }
}

/* Two arms r = 0.5 + 3.5 theta / (3 pi), theta in [0, 3 pi], the second
   turned by pi; 128 atoms per arm, evenly spaced in theta, weighted by the
   arc-length element (uniform mass along the arm); scale 0.12 + 0.05 r,
   always above the atom spacing (at most 0.30 at r = 4). */
static void build_spiral(density_t *d)
{
    const int n = 128;
    const double tmax = 1.5 * TWO_PI, dr = 3.5 / tmax;
    for (int arm = 0; arm < 2; arm++) {
        begin_comp(d, DCOMP_ATOMS, 0.5);
        for (int j = 0; j < n; j++) {
            double t = tmax * j / (n - 1), r = 0.5 + dr * t, phi = t + 0.5 * TWO_PI * arm;
            double s = 0.12 + 0.05 * r;
            add_atom(d, r * cos(phi), r * sin(phi), s, s, 0.0, sqrt(r * r + dr * dr));
        }
        end_comp(d);
    }
}

static void build_checkerboard(density_t *d)
{
    density_comp_t *c = begin_comp(d, DCOMP_CHECKER, 1.0);
    c->p[0] = 4.0;  /* board [-4, 4]^2 */
    c->p[1] = 2.0;  /* 4 x 4 squares */
    c->p[2] = 0.02; /* floor share */
    c->p[3] = 0.0;
}

/* Five blades, each 14 elongated atoms along the curve
   phi(r) = phi_k + 0.2 (r - 0.9), r in [0.9, 4.1], long axis along the
   curve's tangent (scale 0.45, spacing <= 0.32), width 0.15 + 0.04 r. */
static void build_pinwheel(density_t *d)
{
    const int blades = 5, n = 14;
    for (int k = 0; k < blades; k++) {
        double phi0 = 0.25 * TWO_PI + TWO_PI * k / blades;
        begin_comp(d, DCOMP_ATOMS, 1.0 / blades);
        for (int j = 0; j < n; j++) {
            double r = 0.9 + 3.2 * j / (n - 1), phi = phi0 + 0.2 * (r - 0.9);
            double tangent = phi + atan(0.2 * r);
            add_atom(d, r * cos(phi), r * sin(phi), 0.45, 0.15 + 0.04 * r, tangent, 1.0);
        }
        end_comp(d);
    }
}

static void build_banana(density_t *d)
{
    density_comp_t *c = begin_comp(d, DCOMP_BANANA, 1.0);
    c->p[0] = 1.5;  /* s1 */
    c->p[1] = 0.5;  /* s2 */
    c->p[2] = 0.3;  /* b */
    c->p[3] = -2.2; /* c */
}

static void build_eight_gauss(density_t *d)
{
    for (int k = 0; k < 8; k++) {
        double t = TWO_PI * k / 8;
        gauss_comp(d, 0.125, 4.0 * cos(t), 4.0 * sin(t), 0.45, 0.45, 0.0);
    }
}

typedef struct {
    const char *name;
    const char *describe;
    void (*build)(density_t *d);
} catalogue_entry_t;

static const catalogue_entry_t catalogue[] = {
    { "two-gauss", "0.4 N((-2,-2), 0.5^2) + 0.6 N((2,1.5), diag(1.0^2, 0.6^2))",
      build_two_gauss },
    { "three-gauss", "three separated rotated anisotropic Gaussians, weights 0.2/0.3/0.5",
      build_three_gauss },
    { "ring", "a circle of radius 3.5 with radial width 0.35", build_ring },
    { "moons", "two interleaved half-moons, one component each", build_moons },
    { "spiral", "two interleaved spiral arms widening with radius", build_spiral },
    { "checkerboard", "uniform on the dark squares of a 4x4 board on [-4,4]^2, 2% floor",
      build_checkerboard },
    { "pinwheel", "five bent elongated blades around the centre", build_pinwheel },
    { "banana", "x ~ N(0,1.5^2), y | x ~ N(-2.2 + 0.3 x^2, 0.5^2)", build_banana },
    { "eight-gauss", "eight Gaussians (scale 0.45) on a circle of radius 4", build_eight_gauss },
};

#define CATALOGUE_SIZE ((int)(sizeof catalogue / sizeof catalogue[0]))

/* ------------------------------------------------------------------ */
/* Public API                                                           */
/* ------------------------------------------------------------------ */

int density_count(void)
{
    return CATALOGUE_SIZE;
}

const char *density_name(int id)
{
    return id >= 0 && id < CATALOGUE_SIZE ? catalogue[id].name : NULL;
}

const char *density_describe(int id)
{
    return id >= 0 && id < CATALOGUE_SIZE ? catalogue[id].describe : NULL;
}

int density_find(const char *name)
{
    if (!name) return -1;
    for (int id = 0; id < CATALOGUE_SIZE; id++)
        if (strcmp(catalogue[id].name, name) == 0) return id;
    return -1;
}

int density_init(density_t *d, int id)
{
    if (id < 0 || id >= CATALOGUE_SIZE) return -1;
    memset(d, 0, sizeof *d);
    d->id = id;
    catalogue[id].build(d);
    return 0;
}

void density_log_prob(const density_t *d, const float *xy, size_t n, double *out)
{
    atom_pre_t pre[DENSITY_MAX_ATOMS];
    double lw[DENSITY_MAX_COMPONENTS];
    prepare_atoms(d, pre);
    for (int k = 0; k < d->n_comp; k++) lw[k] = log(d->comp[k].weight);
    for (size_t i = 0; i < n; i++) {
        double x = (double)xy[2 * i], y = (double)xy[2 * i + 1];
        double l[DENSITY_MAX_COMPONENTS], m = -HUGE_VAL, s = 0.0;
        for (int k = 0; k < d->n_comp; k++) {
            l[k] = lw[k] + comp_log_prob(d, pre, k, x, y);
            if (l[k] > m) m = l[k];
        }
        if (m == -HUGE_VAL) {
            out[i] = -HUGE_VAL;
            continue;
        }
        for (int k = 0; k < d->n_comp; k++) s += exp(l[k] - m);
        out[i] = m + log(s);
    }
}

void density_component_log_prob(const density_t *d, int k, const float *xy, size_t n,
                                double *out)
{
    atom_pre_t pre[DENSITY_MAX_ATOMS];
    prepare_atoms(d, pre);
    for (size_t i = 0; i < n; i++)
        out[i] = comp_log_prob(d, pre, k, (double)xy[2 * i], (double)xy[2 * i + 1]);
}

static int pick_component(const density_t *d, rng_t *rng)
{
    double total = 0.0, acc = 0.0;
    for (int k = 0; k < d->n_comp; k++) total += d->comp[k].weight;
    double u = rng_uniform(rng) * total;
    int k = 0;
    for (; k < d->n_comp - 1; k++) {
        acc += d->comp[k].weight;
        if (u < acc) break;
    }
    return k;
}

static float clamp_box(double v, double box)
{
    return (float)(v < -box ? -box : v > box ? box : v);
}

static int inside(float x, float y, double box)
{
    return fabs((double)x) <= box && fabs((double)y) <= box;
}

void density_sample(const density_t *d, double box, rng_t *rng, float *xy, int *comp,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        double x = 0.0, y = 0.0;
        float fx = 0.0f, fy = 0.0f;
        for (long t = 0; t < MAX_TRIES; t++) {
            k = pick_component(d, rng);
            comp_sample(d, k, rng, &x, &y);
            fx = (float)x;
            fy = (float)y;
            if (inside(fx, fy, box)) break;
        }
        if (!inside(fx, fy, box)) {
            fx = clamp_box(x, box);
            fy = clamp_box(y, box);
        }
        xy[2 * i] = fx;
        xy[2 * i + 1] = fy;
        if (comp) comp[i] = k;
    }
}

void density_ref_log_prob(double scale, const float *xy, size_t n, double *out)
{
    double lz = -LOG_TWO_PI - 2.0 * log(scale), iv = 1.0 / (scale * scale);
    for (size_t i = 0; i < n; i++) {
        double x = (double)xy[2 * i], y = (double)xy[2 * i + 1];
        out[i] = lz - 0.5 * (x * x + y * y) * iv;
    }
}

/* N(0, scale^2) truncated to [-box, box]: the 2D truncated isotropic
   Gaussian is the product of two of these, so each axis is drawn by its
   own rejection loop. */
static float ref_sample_1d(double scale, double box, rng_t *rng)
{
    double v = 0.0;
    for (long t = 0; t < MAX_TRIES; t++) {
        v = scale * rng_normal(rng);
        float f = (float)v;
        if (fabs((double)f) <= box) return f;
    }
    return clamp_box(v, box);
}

void density_ref_sample(double scale, double box, rng_t *rng, float *xy, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = ref_sample_1d(scale, box, rng);
        xy[2 * i + 1] = ref_sample_1d(scale, box, rng);
    }
}
