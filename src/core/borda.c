/* The Borda count on the grid, under the annotators and under a model,
   and the rank correlations that say whether a reward orders the cells
   as the count does. */
#include "pbde/borda.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"
#include "pbde/grid.h"
#include "pbde/objective.h"
#include "pbde/rng.h"

static double *alloc_doubles(size_t n)
{
    size_t bytes = pbde_mul_size(n, sizeof(double));
    return bytes ? malloc(bytes) : NULL;
}

/* ---------------------------------------------------------------------- */
/* The draws                                                                */

int borda_samples_init(borda_samples_t *bs, const world_t *w, uint64_t seed, size_t M)
{
    memset(bs, 0, sizeof *bs);
    size_t n = w->grid.n;
    float *xy = malloc(pbde_mul_size(M, 2 * sizeof(float)));
    double *count = calloc(n, sizeof *count);
    if (!xy || !count || M == 0) goto fail;
    rng_t r = rng_stream(seed, RNG_STREAM_BORDA);
    world_sample_proposal(w, &r, xy, M);
    for (size_t j = 0; j < M; j++) count[grid_cell_of(&w->grid, (double)xy[2 * j], (double)xy[2 * j + 1])] += 1.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += count[i] > 0;
    bs->cell = malloc(pbde_mul_size(m, sizeof *bs->cell));
    bs->weight = alloc_doubles(m);
    if (!bs->cell || !bs->weight) goto fail;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (count[i] == 0) continue;
        bs->cell[k] = i;
        bs->weight[k] = count[i] / (double)M;
        k++;
    }
    bs->n = n;
    bs->m = m;
    bs->M = M;
    free(xy);
    free(count);
    return 0;
fail:
    free(xy);
    free(count);
    borda_samples_free(bs);
    return -1;
}

void borda_samples_free(borda_samples_t *bs)
{
    free(bs->cell);
    free(bs->weight);
    memset(bs, 0, sizeof *bs);
}

/* ---------------------------------------------------------------------- */
/* The counts                                                               */

void borda_annotator(double *out, const borda_samples_t *bs, const annotator_t *a,
                     const annotator_point_t *pts)
{
    for (size_t i = 0; i < bs->n; i++) {
        double s = 0;
        for (size_t j = 0; j < bs->m; j++) s += bs->weight[j] * annotator_prob(a, &pts[i], &pts[bs->cell[j]]);
        out[i] = s;
    }
}

/* f(t) = sum_j h_j sigma(t - r_j) at one t, directly. */
static double count_at(const borda_samples_t *bs, const double *r, double t)
{
    double s = 0;
    for (size_t j = 0; j < bs->m; j++) s += bs->weight[j] * annotator_sigmoid(t - r[bs->cell[j]]);
    return s;
}

int borda_reward(double *out, const borda_samples_t *bs, const double *r)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = 0; i < bs->n; i++)
        if (isfinite(r[i])) {
            lo = fmin(lo, r[i]);
            hi = fmax(hi, r[i]);
        }
    if (!(hi > lo)) { /* one value (or none): every cell ties with every draw */
        for (size_t i = 0; i < bs->n; i++) out[i] = isfinite(r[i]) ? 0.5 : count_at(bs, r, r[i]);
        return 0;
    }
    double *f = alloc_doubles(BORDA_KNOTS);
    if (!f) return -1;
    double h = (hi - lo) / (BORDA_KNOTS - 1);
    for (int k = 0; k < BORDA_KNOTS; k++) f[k] = count_at(bs, r, lo + h * k);
    for (size_t i = 0; i < bs->n; i++) {
        if (!isfinite(r[i])) {
            out[i] = count_at(bs, r, r[i]);
            continue;
        }
        double u = (r[i] - lo) / h;
        int k = (int)u;
        if (k >= BORDA_KNOTS - 1) k = BORDA_KNOTS - 2;
        double t = u - k;
        out[i] = (1 - t) * f[k] + t * f[k + 1];
    }
    free(f);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Rank correlation                                                         */

typedef struct {
    double v;
    size_t i;
} keyed_t;

static int by_value(const void *pa, const void *pb)
{
    double a = ((const keyed_t *)pa)->v, b = ((const keyed_t *)pb)->v;
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Weighted mid-ranks of v over the cells idx(m) (weights w, NULL: 1)
   into rank (indexed by cell). */
static void mid_ranks(double *rank, keyed_t *k, const double *v, const double *w,
                      const size_t *idx, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        k[j].v = v[idx[j]];
        k[j].i = idx[j];
    }
    qsort(k, m, sizeof *k, by_value);
    double below = 0;
    for (size_t j = 0; j < m;) {
        size_t e = j;
        double tie = 0;
        for (; e < m && k[e].v == k[j].v; e++) tie += w ? w[k[e].i] : 1.0;
        for (size_t q = j; q < e; q++) rank[k[q].i] = below + 0.5 * tie;
        below += tie;
        j = e;
    }
}

double borda_spearman(const double *a, const double *b, const double *w, size_t n)
{
    double rho = (double)NAN;
    size_t *idx = malloc(pbde_mul_size(n, sizeof *idx));
    keyed_t *k = malloc(pbde_mul_size(n, sizeof *k));
    double *ra = alloc_doubles(n), *rb = alloc_doubles(n);
    if (!idx || !k || !ra || !rb) goto done;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(a[i]) && !isnan(b[i]) && (!w || w[i] > 0)) idx[m++] = i;
    if (m < 2) goto done;
    mid_ranks(ra, k, a, w, idx, m);
    mid_ranks(rb, k, b, w, idx, m);
    double sw = 0, ma = 0, mb = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx[j];
        double wi = w ? w[i] : 1.0;
        sw += wi;
        ma += wi * ra[i];
        mb += wi * rb[i];
    }
    ma /= sw;
    mb /= sw;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx[j];
        double wi = w ? w[i] : 1.0, da = ra[i] - ma, db = rb[i] - mb;
        sab += wi * da * db;
        saa += wi * da * da;
        sbb += wi * db * db;
    }
    if (saa > 0 && sbb > 0) rho = sab / sqrt(saa * sbb);
done:
    free(idx);
    free(k);
    free(ra);
    free(rb);
    return rho;
}

/* ---------------------------------------------------------------------- */
/* A world and a model                                                      */

int borda_world_init(borda_world_t *b, const world_t *w, int full)
{
    memset(b, 0, sizeof *b);
    double t0 = pbde_now();
    size_t n = w->grid.n;
    if (borda_samples_init(&b->s, w, (uint64_t)w->p.seed, BORDA_SAMPLES) != 0) return -1;
    b->annot = alloc_doubles(n);
    b->weight = calloc(n, sizeof *b->weight);
    if (!b->annot || !b->weight) {
        borda_world_free(b);
        return -1;
    }
    b->n = n;
    b->full = full;
    for (size_t j = 0; j < b->s.m; j++) b->weight[b->s.cell[j]] = b->s.weight[j];
    if (full) {
        borda_annotator(b->annot, &b->s, &w->ann, w->pts);
    } else {
        for (size_t i = 0; i < n; i++) b->annot[i] = (double)NAN;
        for (size_t j = 0; j < b->s.m; j++) {
            const annotator_point_t *px = &w->pts[b->s.cell[j]];
            double sum = 0;
            for (size_t q = 0; q < b->s.m; q++)
                sum += b->s.weight[q] * annotator_prob(&w->ann, px, &w->pts[b->s.cell[q]]);
            b->annot[b->s.cell[j]] = sum;
        }
    }
    b->ms = 1e3 * (pbde_now() - t0);
    return 0;
}

void borda_world_free(borda_world_t *b)
{
    borda_samples_free(&b->s);
    free(b->annot);
    free(b->weight);
    memset(b, 0, sizeof *b);
}

int borda_score(const borda_world_t *b, const world_t *w, const double *log_model,
                double *bc_model, borda_score_t *sc)
{
    size_t n = b->n;
    int rc = -1;
    double *r = alloc_doubles(n), *bc = alloc_doubles(n), *lk = alloc_doubles(n);
    if (!r || !bc || !lk) goto done;
    objective_implicit_reward(&w->obj, log_model, w->log_ref, n, r);
    if (borda_reward(bc, &b->s, r) != 0) goto done;
    memset(sc, 0, sizeof *sc);
    sc->rank_corr = borda_spearman(r, b->annot, b->weight, n);
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += b->weight[i] * bc[i];
    sc->model_mean = mean;
    const annotator_row_t *row = annotator_row(w->ann.kind);
    if (row && row->pooled) {
        sc->n_comp = w->ann.n_comp;
        for (int k = 0; k < w->ann.n_comp; k++) {
            for (size_t i = 0; i < n; i++) lk[i] = w->pts[i].lk[k];
            sc->comp_corr[k] = borda_spearman(r, lk, b->weight, n);
        }
    }
    if (bc_model) memcpy(bc_model, bc, n * sizeof *bc);
    rc = 0;
done:
    free(r);
    free(bc);
    free(lk);
    return rc;
}
