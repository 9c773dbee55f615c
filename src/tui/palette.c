/* Colour quantisation for the terminal's colour tiers, ordered dithering,
   8-colour shading and the colour-pair cache. Pure: no terminal. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

/* ------------------------------------------------------------ dithering */

static const unsigned char BAYER4[4][4] = {
    { 0, 8, 2, 10 },
    { 12, 4, 14, 6 },
    { 3, 11, 1, 9 },
    { 15, 7, 13, 5 },
};

int tui_bayer4(int x, int y)
{
    return BAYER4[(unsigned)y & 3][(unsigned)x & 3];
}

/* Threshold in (0, 1) of pixel (x, y). */
static double threshold(int x, int y)
{
    return ((double)tui_bayer4(x, y) + 0.5) / 16.0;
}

int tui_dither_level(double t, int levels, int x, int y)
{
    if (levels <= 1 || !(t > 0)) return 0;
    if (t >= 1) return levels - 1;
    double v = t * (double)(levels - 1);
    int j = (int)floor(v);
    if (v - (double)j > threshold(x, y)) j++;
    return j < levels - 1 ? j : levels - 1;
}

/* ------------------------------------------------------------ xterm 256 */

static const unsigned char CUBE[6] = { 0, 95, 135, 175, 215, 255 };

static const view_rgb_t ANSI16[16] = {
    { 0, 0, 0 },       { 205, 0, 0 },     { 0, 205, 0 },     { 205, 205, 0 },
    { 0, 0, 238 },     { 205, 0, 205 },   { 0, 205, 205 },   { 229, 229, 229 },
    { 127, 127, 127 }, { 255, 0, 0 },     { 0, 255, 0 },     { 255, 255, 0 },
    { 92, 92, 255 },   { 255, 0, 255 },   { 0, 255, 255 },   { 255, 255, 255 },
};

view_rgb_t tui_256_rgb(int idx)
{
    view_rgb_t c = { 0, 0, 0 };
    if (idx < 0 || idx > 255) return c;
    if (idx < 16) return ANSI16[idx];
    if (idx >= 232) {
        unsigned char g = (unsigned char)(8 + 10 * (idx - 232));
        c.r = c.g = c.b = g;
        return c;
    }
    idx -= 16;
    c.r = CUBE[idx / 36];
    c.g = CUBE[idx / 6 % 6];
    c.b = CUBE[idx % 6];
    return c;
}

static int nearest_cube_level(int v)
{
    int best = 0, bd = 1 << 30;
    for (int i = 0; i < 6; i++) {
        int d = abs(v - CUBE[i]);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static int dist2(view_rgb_t a, view_rgb_t b)
{
    int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
    return dr * dr + dg * dg + db * db;
}

int tui_rgb_to_256(view_rgb_t c)
{
    int cube = 16 + 36 * nearest_cube_level(c.r) + 6 * nearest_cube_level(c.g) +
               nearest_cube_level(c.b);
    int avg = (c.r + c.g + c.b) / 3;
    int gi = (int)lround((avg - 8) / 10.0);
    if (gi < 0) gi = 0;
    if (gi > 23) gi = 23;
    int grey = 232 + gi;
    return dist2(c, tui_256_rgb(grey)) < dist2(c, tui_256_rgb(cube)) ? grey : cube;
}

static unsigned char clamp255(int v)
{
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int tui_rgb_to_256_dither(view_rgb_t c, int x, int y)
{
    /* Two-colour ordered dithering: c1 is the nearest palette colour, c2
       the nearest to c's mirror image through c1, so c lies between them;
       the share of c2 in the mix is c's projection onto c1 -> c2. Mixing
       two neighbours keeps the pattern faint where a per-channel dither on
       the coarse cube (0, 95, 135, ...) would flicker between far colours. */
    int i1 = tui_rgb_to_256(c);
    view_rgb_t c1 = tui_256_rgb(i1);
    view_rgb_t m = { clamp255(2 * c.r - c1.r), clamp255(2 * c.g - c1.g), clamp255(2 * c.b - c1.b) };
    int i2 = tui_rgb_to_256(m);
    if (i2 == i1) return i1;
    view_rgb_t c2 = tui_256_rgb(i2);
    int dr = c2.r - c1.r, dg = c2.g - c1.g, db = c2.b - c1.b;
    int num = (c.r - c1.r) * dr + (c.g - c1.g) * dg + (c.b - c1.b) * db;
    int den = dr * dr + dg * dg + db * db;
    double f = den > 0 ? (double)num / (double)den : 0.0;
    return f > threshold(x, y) ? i2 : i1;
}

/* ------------------------------------------------------------ 8 colours */

view_rgb_t tui_ansi_rgb(int i)
{
    return ANSI16[i & 7];
}

static view_rgb_t mix(view_rgb_t fg, view_rgb_t bg, int level)
{
    view_rgb_t m;
    m.r = (unsigned char)((fg.r * level + bg.r * (4 - level) + 2) / 4);
    m.g = (unsigned char)((fg.g * level + bg.g * (4 - level) + 2) / 4);
    m.b = (unsigned char)((fg.b * level + bg.b * (4 - level) + 2) / 4);
    return m;
}

tui_shade_t tui_shade_pick(view_rgb_t c)
{
    tui_shade_t best = { 0, 0, 0 };
    int bd = 1 << 30;
    for (int bg = 0; bg < 8; bg++) {
        int d = dist2(c, ANSI16[bg]);
        if (d < bd) {
            bd = d;
            best.fg = best.bg = (signed char)bg;
            best.level = 0;
        }
    }
    for (int fg = 0; fg < 8; fg++)
        for (int bg = fg + 1; bg < 8; bg++)
            for (int level = 1; level <= 3; level++) {
                int d = dist2(c, mix(ANSI16[fg], ANSI16[bg], level));
                if (d < bd) {
                    bd = d;
                    best.fg = (signed char)fg;
                    best.bg = (signed char)bg;
                    best.level = (signed char)level;
                }
            }
    return best;
}

/* ------------------------------------------------------------ pair cache */

static uint64_t pack(int fg, int bg)
{
    return ((uint64_t)(uint32_t)fg << 32) | (uint32_t)bg;
}

static int bucket(const tui_pairs_t *pc, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return (int)(h & (uint64_t)(pc->nbuckets - 1));
}

int tui_pairs_init(tui_pairs_t *pc, int first, int cap)
{
    memset(pc, 0, sizeof *pc);
    if (cap < 1) return -1;
    int nb = 1;
    while (nb < 2 * cap) nb <<= 1;
    pc->key = calloc((size_t)cap, sizeof *pc->key);
    pc->stamp = calloc((size_t)cap, sizeof *pc->stamp);
    pc->next = calloc((size_t)cap, sizeof *pc->next);
    pc->head = malloc((size_t)nb * sizeof *pc->head);
    if (!pc->key || !pc->stamp || !pc->next || !pc->head) {
        tui_pairs_free(pc);
        return -1;
    }
    pc->first = first;
    pc->cap = cap;
    pc->nbuckets = nb;
    tui_pairs_clear(pc);
    return 0;
}

void tui_pairs_free(tui_pairs_t *pc)
{
    free(pc->key);
    free(pc->stamp);
    free(pc->next);
    free(pc->head);
    memset(pc, 0, sizeof *pc);
}

void tui_pairs_clear(tui_pairs_t *pc)
{
    for (int i = 0; i < pc->nbuckets; i++) pc->head[i] = -1;
    pc->n = 0;
    pc->hand = 0;
    pc->frame = 1;
}

void tui_pairs_frame(tui_pairs_t *pc)
{
    if (++pc->frame == 0) {
        /* wrapped: old stamps would look current; age them all */
        for (int i = 0; i < pc->n; i++) pc->stamp[i] = 0;
        pc->frame = 1;
    }
}

static void unlink_slot(tui_pairs_t *pc, int i)
{
    int *link = &pc->head[bucket(pc, pc->key[i])];
    while (*link != -1 && *link != i) link = &pc->next[*link];
    if (*link == i) *link = pc->next[i];
}

int tui_pairs_get(tui_pairs_t *pc, int fg, int bg, int *fresh)
{
    uint64_t key = pack(fg, bg);
    int b = bucket(pc, key);
    *fresh = 0;
    for (int i = pc->head[b]; i != -1; i = pc->next[i])
        if (pc->key[i] == key) {
            pc->stamp[i] = pc->frame;
            pc->hits++;
            return pc->first + i;
        }
    int slot = -1;
    if (pc->n < pc->cap) {
        slot = pc->n++;
    } else {
        for (int k = 0; k < pc->cap; k++) {
            int i = pc->hand;
            pc->hand = (pc->hand + 1) % pc->cap;
            if (pc->stamp[i] != pc->frame) {
                slot = i;
                break;
            }
        }
        if (slot < 0) {
            pc->overflows++;
            return -1;
        }
        unlink_slot(pc, slot);
        pc->evictions++;
    }
    pc->misses++;
    pc->key[slot] = key;
    pc->stamp[slot] = pc->frame;
    pc->next[slot] = pc->head[b];
    pc->head[b] = slot;
    *fresh = 1;
    return pc->first + slot;
}
