/* The world of one parameter set, evaluated on the grid. */
#include "pbde/world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"
#include "pbde/theory.h"

/* IPO's win rate sums over a proposal grid of at most this many cells per
   side: a quadrature of a smooth integrand, so the theory stays cheap to
   recompute when a knob changes. */
#define WIN_RATE_GRID 64

static double *alloc_doubles(size_t n)
{
    size_t bytes = pbde_mul_size(n, sizeof(double));
    return bytes ? malloc(bytes) : NULL;
}

void world_sample_proposal(const world_t *w, rng_t *rng, float *xy, size_t n)
{
    if (w->p.proposal == PROPOSAL_REFERENCE) {
        density_ref_sample(w->p.ref_scale, w->p.box, rng, xy, n);
        return;
    }
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] = (float)((2.0 * rng_uniform(rng) - 1.0) * w->p.box);
}

static void log_proposal(const world_t *w, const annotator_point_t *pts, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = w->p.proposal == PROPOSAL_REFERENCE ? pts[i].lr : 0.0;
}

/* IPO's w(x) on the grid, against the proposal on a grid of at most
   WIN_RATE_GRID^2 cells. Returns NULL on allocation failure. */
static double *win_rate(const world_t *w)
{
    int Gi = w->grid.G < WIN_RATE_GRID ? w->grid.G : WIN_RATE_GRID;
    grid_t inner = { 0 };
    annotator_point_t *ip = NULL;
    double *mu = NULL, *out = alloc_doubles(w->grid.n);
    if (!out || grid_init(&inner, Gi, w->p.box) != 0) goto fail;
    ip = malloc(inner.n * sizeof *ip);
    mu = alloc_doubles(inner.n);
    if (!ip || !mu) goto fail;
    annotator_points(&w->dens, w->p.ref_scale, inner.xy, inner.n, ip);
    log_proposal(w, ip, inner.n, mu);
    grid_normalise(mu, inner.n, 1.0);
    for (size_t i = 0; i < inner.n; i++) mu[i] = exp(mu[i]);
    theory_win_rate(&w->ann, w->pts, w->grid.n, ip, mu, inner.n, out);
    free(ip);
    free(mu);
    grid_free(&inner);
    return out;
fail:
    free(ip);
    free(mu);
    free(out);
    grid_free(&inner);
    return NULL;
}

int world_create(world_t *w, const params_t *p, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->p = *p;
    if (params_check(p, err, errlen) != 0) return -1;
    density_init(&w->dens, p->density);
    if (annotator_init(&w->ann, p->annotator, p->rationality, p->annotator_beta, p->flip,
                       &w->dens) != 0) {
        snprintf(err, errlen, "annotator %s does not fit density %s",
                 annotator_name(p->annotator), density_name(p->density));
        return -1;
    }
    w->obj.kind = (objective_kind)p->objective;
    w->obj.beta = p->beta;
    w->obj.alpha = p->alpha;
    w->obj.tau = p->tau;
    w->obj.delta = p->delta;
    w->obj.lambda = p->lambda;
    w->obj.K = p->objective == OBJECTIVE_MIXTURE ? (int)p->components : 1;

    if (grid_init(&w->grid, (int)p->grid, p->box) != 0) goto nomem;
    size_t n = w->grid.n;
    w->cell_area = w->grid.cell * w->grid.cell;
    w->pts = malloc(n * sizeof *w->pts);
    w->log_true = alloc_doubles(n);
    w->log_ref = alloc_doubles(n);
    w->log_prop = alloc_doubles(n);
    w->log_theory = alloc_doubles(n);
    if (!w->pts || !w->log_true || !w->log_ref || !w->log_prop || !w->log_theory) goto nomem;

    annotator_points(&w->dens, p->ref_scale, w->grid.xy, n, w->pts);
    for (size_t i = 0; i < n; i++) {
        w->log_true[i] = w->pts[i].lp;
        w->log_ref[i] = w->pts[i].lr;
    }
    log_proposal(w, w->pts, n, w->log_prop);
    grid_normalise(w->log_true, n, w->cell_area);
    grid_normalise(w->log_ref, n, w->cell_area);
    grid_normalise(w->log_prop, n, w->cell_area);

    double *wr = NULL;
    if (w->obj.kind == OBJECTIVE_IPO && !(wr = win_rate(w))) goto nomem;
    int have = theory_closed_form(&w->ann, &w->obj, w->pts, wr, n, w->log_theory,
                                  w->theory_name, sizeof w->theory_name) == 0;
    free(wr);
    if (have) {
        grid_normalise(w->log_theory, n, w->cell_area);
    } else {
        free(w->log_theory);
        w->log_theory = NULL;
        w->theory_name[0] = '\0';
    }

    if (w->ann.kind == ANNOTATOR_MIXTURE) {
        w->n_targets = w->ann.n_comp;
        for (int k = 0; k < w->n_targets; k++) {
            if (!(w->log_target[k] = alloc_doubles(n))) goto nomem;
            for (size_t i = 0; i < n; i++) w->log_target[k][i] = w->ann.s * w->pts[i].lk[k];
            grid_normalise(w->log_target[k], n, w->cell_area);
        }
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory building the world (grid %ld)", p->grid);
    world_destroy(w);
    return -1;
}

void world_destroy(world_t *w)
{
    grid_free(&w->grid);
    free(w->pts);
    free(w->log_true);
    free(w->log_ref);
    free(w->log_prop);
    free(w->log_theory);
    for (int k = 0; k < DENSITY_MAX_COMPONENTS; k++) free(w->log_target[k]);
    memset(w, 0, sizeof *w);
}
