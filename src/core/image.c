/* Image densities: a greyscale picture as p* over the box.

   Files are read whole (at most IMAGE_MAX_BYTES), recognised by their
   first bytes (P2/P5: PGM, parsed here; \x89PNG: PNG, decoded by libpng's
   simplified API into 8-bit grey, colour converted to luma and
   transparency composited on black), then area-averaged to
   PARAMS_IMAGE_SIDE^2 grey values. The density is piecewise constant over
   those pixels, proportional to the grey value (black: 0). */
#include "pbde/image.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pbde/common.h"
#include "pbde/outfile.h"

_Static_assert(PARAMS_IMAGE_SIDE == DENSITY_IMAGE_MAX_SIDE, "image sides agree");

/* Largest number of pixels decoded (a 4096 x 4096 picture: 64 MB of floats). */
#define IMAGE_MAX_PIXELS ((size_t)4096 * 4096)

/* ------------------------------------------------------------ reading */

/* Reads the whole regular file at path into a new buffer. Returns it (with
   *len), or NULL with a message. */
static unsigned char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot read image '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot read image '%s': it is a directory", path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) { /* a device or pipe could block or never end */
        snprintf(err, errlen, "cannot read image '%s': not a regular file", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read image '%s': %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = malloc((size_t)IMAGE_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, (size_t)IMAGE_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read image '%s': %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    if (n > (size_t)IMAGE_MAX_BYTES) {
        snprintf(err, errlen, "image '%s' is too large (more than %d bytes)", path, IMAGE_MAX_BYTES);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ------------------------------------------------------------ PGM */

typedef struct {
    const unsigned char *p;
    size_t len, pos;
} cursor_t;

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips whitespace and # comments (to the end of their line). */
static void skip_blank(cursor_t *c)
{
    while (c->pos < c->len) {
        if (is_space(c->p[c->pos])) {
            c->pos++;
        } else if (c->p[c->pos] == '#') {
            while (c->pos < c->len && c->p[c->pos] != '\n' && c->p[c->pos] != '\r') c->pos++;
        } else {
            break;
        }
    }
}

/* Reads a decimal number of at most 9 digits; returns -1 when there is none. */
static long read_number(cursor_t *c)
{
    skip_blank(c);
    long v = 0;
    int digits = 0;
    while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
        if (++digits > 9) return -1;
        v = 10 * v + (c->p[c->pos++] - '0');
    }
    if (!digits) return -1;
    if (c->pos < c->len && !is_space(c->p[c->pos]) && c->p[c->pos] != '#') return -1;
    return v;
}

/* Parses a PGM (P2 plain or P5 binary) into *out (w x h grey values in
   0..255, malloc'd). Returns 0, or -1 with a message. */
static int parse_pgm(const unsigned char *buf, size_t len, const char *path, float **out, int *w,
                     int *h, char *err, size_t errlen)
{
    cursor_t c = { buf, len, 2 };
    int binary = buf[1] == '5';
    long W = read_number(&c), H = read_number(&c), maxval = read_number(&c);
    if (W < 1 || H < 1 || W > IMAGE_MAX_DIM || H > IMAGE_MAX_DIM) {
        snprintf(err, errlen, "image '%s': bad PGM size (width and height must be 1..%d)", path,
                 IMAGE_MAX_DIM);
        return -1;
    }
    if ((size_t)W * (size_t)H > IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "image '%s': %ld x %ld pixels is too many (at most %zu)", path, W, H,
                 IMAGE_MAX_PIXELS);
        return -1;
    }
    if (maxval < 1 || maxval > 65535) {
        snprintf(err, errlen, "image '%s': bad PGM maximum grey value (must be 1..65535)", path);
        return -1;
    }
    size_t n = (size_t)W * (size_t)H;
    float *g = malloc(n * sizeof *g);
    if (!g) {
        snprintf(err, errlen, "image '%s': out of memory", path);
        return -1;
    }
    double scale = 255.0 / (double)maxval;
    if (binary) {
        c.pos++; /* the single whitespace character after maxval */
        size_t bps = maxval < 256 ? 1 : 2;
        if (c.pos > len || len - c.pos < n * bps) {
            snprintf(err, errlen, "image '%s': PGM data too short (%zu pixels expected)", path, n);
            free(g);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            const unsigned char *q = buf + c.pos + i * bps;
            long v = bps == 1 ? q[0] : (q[0] << 8 | q[1]);
            if (v > maxval) {
                snprintf(err, errlen, "image '%s': pixel %zu is %ld, above the maximum %ld", path,
                         i, v, maxval);
                free(g);
                return -1;
            }
            g[i] = (float)((double)v * scale);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            long v = read_number(&c);
            if (v < 0 || v > maxval) {
                snprintf(err, errlen, "image '%s': pixel %zu %s", path, i,
                         v < 0 ? "is missing or not a number" : "is above the maximum grey value");
                free(g);
                return -1;
            }
            g[i] = (float)((double)v * scale);
        }
    }
    *out = g;
    *w = (int)W;
    *h = (int)H;
    return 0;
}

/* ------------------------------------------------------------ PNG */

static int parse_png(const unsigned char *buf, size_t len, const char *path, float **out, int *w,
                     int *h, char *err, size_t errlen)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, buf, len)) {
        snprintf(err, errlen, "image '%s': not a readable PNG (%s)", path, img.message);
        png_image_free(&img);
        return -1;
    }
    if (img.width < 1 || img.height < 1 || img.width > IMAGE_MAX_DIM || img.height > IMAGE_MAX_DIM ||
        (size_t)img.width * img.height > IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "image '%s': %u x %u pixels is too many (at most %d per side, %zu in all)",
                 path, img.width, img.height, IMAGE_MAX_DIM, IMAGE_MAX_PIXELS);
        png_image_free(&img);
        return -1;
    }
    img.format = PNG_FORMAT_GRAY;
    size_t n = (size_t)img.width * img.height;
    unsigned char *px = calloc(1, PNG_IMAGE_SIZE(img));
    float *g = malloc(n * sizeof *g);
    png_color black = { 0, 0, 0 };
    if (!px || !g) {
        snprintf(err, errlen, "image '%s': out of memory", path);
        png_image_free(&img);
        free(px);
        free(g);
        return -1;
    }
    if (!png_image_finish_read(&img, &black, px, 0, NULL)) {
        snprintf(err, errlen, "image '%s': PNG decoding failed (%s)", path, img.message);
        png_image_free(&img);
        free(px);
        free(g);
        return -1;
    }
    for (size_t i = 0; i < n; i++) g[i] = (float)px[i];
    *out = g;
    *w = (int)img.width;
    *h = (int)img.height;
    free(px);
    return 0;
}

/* ------------------------------------------------------------ resampling */

/* Weights of source cells [0, n) in target cell j of S over the same
   length: overlap of [c, c + 1) with [j n / S, (j + 1) n / S), divided by
   the target's length n / S; range [*lo, *hi). */
static void span(int n, int S, int j, int *lo, int *hi)
{
    double a = (double)j * n / S, b = (double)(j + 1) * n / S;
    *lo = (int)floor(a);
    *hi = (int)ceil(b);
    if (*hi > n) *hi = n;
}

static double overlap(int c, int n, int S, int j)
{
    double a = (double)j * n / S, b = (double)(j + 1) * n / S;
    double lo = fmax(a, (double)c), hi = fmin(b, (double)c + 1.0);
    return hi > lo ? (hi - lo) * S / n : 0.0;
}

void image_resample(params_image_t *out, const float *g, int w, int h)
{
    const int S = PARAMS_IMAGE_SIDE;
    double *tmp = malloc((size_t)h * S * sizeof *tmp); /* (h, S): columns resampled */
    out->side = S;
    if (!tmp) { /* out of memory: nearest neighbour, no buffer needed */
        for (int i = 0; i < S; i++)
            for (int j = 0; j < S; j++) {
                float v = g[(size_t)(i * h / S) * (size_t)w + (size_t)(j * w / S)];
                out->px[i * S + j] = (unsigned char)lround(fmin(255.0, fmax(0.0, (double)v)));
            }
        return;
    }
    for (int r = 0; r < h; r++)
        for (int j = 0; j < S; j++) {
            int lo, hi;
            span(w, S, j, &lo, &hi);
            double s = 0;
            for (int c = lo; c < hi; c++) s += overlap(c, w, S, j) * (double)g[(size_t)r * (size_t)w + (size_t)c];
            tmp[(size_t)r * S + (size_t)j] = s;
        }
    for (int i = 0; i < S; i++) {
        int lo, hi;
        span(h, S, i, &lo, &hi);
        for (int j = 0; j < S; j++) {
            double s = 0;
            for (int r = lo; r < hi; r++) s += overlap(r, h, S, i) * tmp[(size_t)r * S + (size_t)j];
            out->px[i * S + j] = (unsigned char)lround(fmin(255.0, fmax(0.0, s)));
        }
    }
    free(tmp);
}

/* ------------------------------------------------------------ loading */

int image_load(params_image_t *out, const char *path, char *err, size_t errlen)
{
    if (!path[0]) {
        snprintf(err, errlen, "image: no file name (expected image:FILE.pgm or image:FILE.png)");
        return -1;
    }
    if (strlen(path) >= sizeof out->src) {
        snprintf(err, errlen, "image file name too long (at most %zu bytes)", sizeof out->src - 1);
        return -1;
    }
    size_t len;
    unsigned char *buf = slurp(path, &len, err, errlen);
    if (!buf) return -1;
    float *g = NULL;
    int w = 0, h = 0, rc;
    if (len >= 2 && buf[0] == 'P' && (buf[1] == '2' || buf[1] == '5')) {
        rc = parse_pgm(buf, len, path, &g, &w, &h, err, errlen);
    } else if (len >= 8 && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0) {
        rc = parse_png(buf, len, path, &g, &w, &h, err, errlen);
    } else {
        snprintf(err, errlen, "image '%s' is not a PGM (P2/P5) or PNG file", path);
        rc = -1;
    }
    free(buf);
    if (rc != 0) return -1;
    params_image_t *img = malloc(sizeof *img);
    if (!img) {
        free(g);
        snprintf(err, errlen, "image '%s': out of memory", path);
        return -1;
    }
    memset(img, 0, sizeof *img);
    image_resample(img, g, w, h);
    free(g);
    int lit = 0;
    for (int i = 0; i < img->side * img->side; i++) lit |= img->px[i];
    if (!lit) {
        snprintf(err, errlen, "image '%s' is all black: the density needs some grey somewhere", path);
        free(img);
        return -1;
    }
    snprintf(img->src, sizeof img->src, "%s", path);
    *out = *img;
    free(img);
    return 0;
}

int params_image_load(params_t *p, const char *path, char *err, size_t errlen)
{
    return image_load(&p->image, path, err, errlen);
}

int image_params_density(density_t *d, const params_t *p, char *err, size_t errlen)
{
    if (p->image.side > 0) {
        if (density_init_image(d, p->image.px, p->image.side, p->box) != 0) {
            snprintf(err, errlen, "image density: all black, or side %d out of range", p->image.side);
            return -1;
        }
        return 0;
    }
    if (density_init(d, p->density) != 0) {
        snprintf(err, errlen, "unknown density id %d", p->density);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ painting */

int params_image_capture(params_t *p, char *err, size_t errlen)
{
    if (p->image.side == PARAMS_IMAGE_SIDE) return 0; /* already an image: keep it as it is */
    const int S = PARAMS_IMAGE_SIDE;
    density_t *d = malloc(sizeof *d);
    float *xy = malloc((size_t)S * S * 2 * sizeof *xy);
    double *lp = malloc((size_t)S * S * sizeof *lp);
    int rc = -1;
    if (!d || !xy || !lp) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (image_params_density(d, p, err, errlen) != 0) goto done;
    double cell = 2.0 * p->box / S, mx = -HUGE_VAL;
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            xy[2 * (i * S + j)] = (float)(-p->box + (j + 0.5) * cell);
            xy[2 * (i * S + j) + 1] = (float)(p->box - (i + 0.5) * cell);
        }
    density_log_prob(d, xy, (size_t)S * S, lp);
    for (int k = 0; k < S * S; k++) mx = fmax(mx, lp[k]);
    if (!isfinite(mx)) {
        snprintf(err, errlen, "the density has no finite value on the box");
        goto done;
    }
    p->image.side = S;
    p->image.src[0] = '\0';
    for (int k = 0; k < S * S; k++)
        p->image.px[k] = (unsigned char)lround(255.0 * exp(lp[k] - mx));
    rc = 0;
done:
    free(d);
    free(xy);
    free(lp);
    return rc;
}

void params_image_smooth(params_t *p)
{
    int S = p->image.side;
    if (S <= 0) return;
    static const int K[3] = { 1, 2, 1 };
    unsigned char out[PARAMS_IMAGE_SIDE * PARAMS_IMAGE_SIDE];
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            int s = 0, wsum = 0;
            for (int di = -1; di <= 1; di++)
                for (int dj = -1; dj <= 1; dj++) {
                    int a = i + di, b = j + dj;
                    if (a < 0 || a >= S || b < 0 || b >= S) continue; /* edges: renormalised */
                    int wgt = K[di + 1] * K[dj + 1];
                    s += wgt * p->image.px[a * S + b];
                    wsum += wgt;
                }
            out[i * S + j] = (unsigned char)((s + wsum / 2) / wsum);
        }
    memcpy(p->image.px, out, (size_t)S * S);
    p->image.src[0] = '\0'; /* no longer the file's picture */
}

int params_image_save_pgm(const params_t *p, const char *path)
{
    int S = p->image.side;
    if (S <= 0) {
        errno = EINVAL;
        return -1;
    }
    outfile_t o;
    if (outfile_open(&o, path, "wb") != 0) return -1;
    fprintf(o.f, "P5\n# pbde image density\n%d %d\n255\n", S, S);
    fwrite(p->image.px, 1, (size_t)S * S, o.f);
    if (outfile_commit(&o) != 0) return -1;
    return 0;
}
