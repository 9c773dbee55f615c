/* Colour maps: piecewise-linear interpolation (in sRGB) between control
   colours sampled from the published definitions: viridis, magma and
   cividis from matplotlib's 256-entry tables (viridis and magma at 9 evenly
   spaced entries, cividis at entries 0, 23, 32, 64, ..., 224 and 255), the
   diverging map from ColorBrewer's 9-class RdBu. Colours are bytes,
   rounded to nearest. */
#include "pbde/params.h"
#include "pbde/view.h"

#include <math.h>

typedef struct {
    double t;       /* position in [0, 1] */
    double r, g, b; /* in [0, 1] */
} stop_t;

#define H(t, hex) { (t), ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, \
                    ((hex) & 0xff) / 255.0 }

static const stop_t VIRIDIS[] = {
    H(0.000, 0x440154), H(0.125, 0x472d7b), H(0.250, 0x3b528b), H(0.375, 0x2c728e),
    H(0.500, 0x21908c), H(0.625, 0x27ad81), H(0.750, 0x5dc863), H(0.875, 0xaadc32),
    H(1.000, 0xfde725),
};

static const stop_t MAGMA[] = {
    H(0.000, 0x000004), H(0.125, 0x1d1147), H(0.250, 0x51127c), H(0.375, 0x822681),
    H(0.500, 0xb63679), H(0.625, 0xe65164), H(0.750, 0xfb8861), H(0.875, 0xfec287),
    H(1.000, 0xfcfdbf),
};

/* matplotlib's cividis entries 0, 23, 32, 64, ..., 224 and 255 of 256 */
static const stop_t CIVIDIS[] = {
    { 0.0 / 255, 0.000000, 0.135112, 0.304751 },
    { 23.0 / 255, 0.003602, 0.195911, 0.441564 }, /* where red starts rising */
    { 32.0 / 255, 0.103401, 0.220406, 0.435790 },
    { 64.0 / 255, 0.263738, 0.307831, 0.422789 },
    { 96.0 / 255, 0.380830, 0.395164, 0.435653 },
    { 128.0 / 255, 0.488697, 0.485318, 0.471008 },
    { 160.0 / 255, 0.609105, 0.579816, 0.463638 },
    { 192.0 / 255, 0.736488, 0.680629, 0.424028 },
    { 224.0 / 255, 0.870717, 0.789572, 0.343333 },
    { 255.0 / 255, 0.995737, 0.909344, 0.217772 },
};

static const stop_t GREY[] = {
    { 0.0, 0.0, 0.0, 0.0 },
    { 1.0, 1.0, 1.0, 1.0 },
};

/* ColorBrewer RdBu (9 classes), blue end first */
static const stop_t DIVERGING[] = {
    H(0.000, 0x2166ac), H(0.125, 0x4393c3), H(0.250, 0x92c5de), H(0.375, 0xd1e5f0),
    H(0.500, 0xf7f7f7), H(0.625, 0xfddbc7), H(0.750, 0xf4a582), H(0.875, 0xd6604d),
    H(1.000, 0xb2182b),
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static unsigned char byte(double x)
{
    double v = floor(x * 255.0 + 0.5);
    if (v < 0) v = 0;
    if (v > 255) v = 255;
    return (unsigned char)v;
}

static view_rgb_t interpolate(const stop_t *s, size_t n, double t)
{
    if (!(t > 0)) t = 0; /* also NaN */
    if (t > 1) t = 1;
    size_t i = 1;
    while (i < n - 1 && t > s[i].t) i++;
    const stop_t *a = &s[i - 1], *b = &s[i];
    double u = b->t > a->t ? (t - a->t) / (b->t - a->t) : 0.0;
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    view_rgb_t c = { byte(a->r + u * (b->r - a->r)), byte(a->g + u * (b->g - a->g)),
                     byte(a->b + u * (b->b - a->b)) };
    return c;
}

const char *view_cmap_name(int map)
{
    /* the registry owns the names, so --colormap and the key agree */
    const char *name = params_colormap_name(map);
    return name ? name : params_colormap_name(CMAP_VIRIDIS);
}

view_rgb_t view_cmap(int map, double t)
{
    switch (map) {
    case CMAP_MAGMA: return interpolate(MAGMA, LEN(MAGMA), t);
    case CMAP_CIVIDIS: return interpolate(CIVIDIS, LEN(CIVIDIS), t);
    case CMAP_GREY: return interpolate(GREY, LEN(GREY), t);
    default: return interpolate(VIRIDIS, LEN(VIRIDIS), t);
    }
}

view_rgb_t view_cmap_diverging(double t)
{
    if (isnan(t)) t = 0;
    return interpolate(DIVERGING, LEN(DIVERGING), 0.5 * (t + 1.0));
}
