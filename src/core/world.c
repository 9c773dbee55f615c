/* The world of one parameter set, evaluated on the grid. */
#include "pbde/world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbde/common.h"
#include "pbde/image.h"
#include "pbde/popopt.h"
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
    if (params_proposal_base_is_ref(w->p.proposal)) {
        density_ref_sample(w->p.ref_scale, w->p.box, rng, xy, n);
        return;
    }
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] = (float)((2.0 * rng_uniform(rng) - 1.0) * w->p.box);
}

static void log_proposal(const world_t *w, const annotator_point_t *pts, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = params_proposal_base_is_ref(w->p.proposal) ? pts[i].lr : 0.0;
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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The population optimum of an item-wise objective on the world's grid,
   from the cells' win rates wr(n), into log_theory. Returns a
   popopt_status. */
static int items_optimum(world_t *w, const double *wr)
{
    size_t n = w->grid.n;
    double *mu = alloc_doubles(n), *ref = alloc_doubles(n);
    int st = POPOPT_NOMEM;
    if (mu && ref) {
        for (size_t i = 0; i < n; i++) {
            mu[i] = exp(w->log_prop[i]) * w->cell_area;
            ref[i] = exp(w->log_ref[i]) * w->cell_area;
        }
        popopt_problem_t pb = { n, w->pts, mu, ref, &w->ann, &w->obj, wr };
        st = popopt_solve(&pb, NULL, w->log_theory, NULL);
        if (st == POPOPT_OK) grid_normalise(w->log_theory, n, w->cell_area);
    }
    free(mu);
    free(ref);
    return st;
}

/* The optimum of the world's pairing into log_theory: the closed form
   when there is one, else the population optimum on a coarse grid
   (resampled to the world's grid), else none, with the reason in
   theory_note. Returns 0, or -1 on allocation failure. */
static int make_theory(world_t *w)
{
    size_t n = w->grid.n;
    double t0 = now_ms();
    double *wr = NULL;
    w->kl_true_theory = (double)NAN;
    int itemwise = objective_is_itemwise(w->obj.kind);
    if ((theory_needs_win_rate(&w->obj) || itemwise) && !(wr = win_rate(w))) return -1;
    int have = theory_closed_form_mu(&w->ann, &w->obj, w->pts, w->log_prop, wr, n, w->log_theory,
                                     w->theory_name, sizeof w->theory_name) == 0;
    if (have) {
        grid_normalise(w->log_theory, n, w->cell_area);
        w->theory_kind = WORLD_THEORY_CLOSED;
    } else if (itemwise) {
        /* item-wise objectives need only each cell's win rate: solved on the
           world's own grid, O(n) per Newton step, no resampling */
        int st = items_optimum(w, wr);
        if (st == POPOPT_NOMEM) {
            free(wr);
            return -1;
        }
        if (st == POPOPT_OK) {
            w->theory_kind = WORLD_THEORY_NUMERICAL;
            w->theory_grid = w->grid.G;
            snprintf(w->theory_name, sizeof w->theory_name, "numerical optimum");
        } else {
            snprintf(w->theory_note, sizeof w->theory_note, "%s",
                     "no optimum: the loss keeps falling as log-density gaps grow without bound");
        }
    } else if (popopt_supported(w->obj.kind)) {
        int G = w->grid.G, Gc = G < POPOPT_GRID ? G : POPOPT_GRID;
        double *c = Gc == G ? w->log_theory : alloc_doubles((size_t)Gc * (size_t)Gc);
        if (!c) return -1;
        popopt_info_t info;
        int st = popopt_on_grid(w, Gc, c, &info);
        if (st == POPOPT_OK && c != w->log_theory) st = popopt_to_world(w, c, Gc, w->log_theory);
        if (c != w->log_theory) free(c);
        if (st == POPOPT_NOMEM) return -1;
        if (st == POPOPT_OK) {
            w->theory_kind = WORLD_THEORY_NUMERICAL;
            w->theory_grid = Gc;
            snprintf(w->theory_name, sizeof w->theory_name, "numerical optimum");
        } else {
            snprintf(w->theory_note, sizeof w->theory_note, "%s",
                     "no optimum: the loss keeps falling as log-density gaps grow without bound");
        }
    } else {
        snprintf(w->theory_note, sizeof w->theory_note, "%s",
                 "no optimum computed: the mixture's tabular problem is not convex");
    }
    free(wr);
    if (w->theory_kind == WORLD_THEORY_NONE) {
        free(w->log_theory);
        w->log_theory = NULL;
        w->theory_name[0] = '\0';
    } else {
        w->kl_true_theory = grid_kl(w->log_true, w->log_theory, n, w->cell_area);
    }
    w->theory_ms = now_ms() - t0;
    return 0;
}

/* 1 when a change to parameter def can move the optimum of a's pairing:
   it invalidates the world, and when it belongs to some objective's (or
   annotator's) row, it belongs to a's objective's (annotator's) row. */
static int defines_theory(const param_def_t *def, const params_t *a)
{
    if (!(def->affects & PARAM_AFFECTS_WORLD)) return 0;
    if (objective_any_reads_param(def->name) && !objective_reads_param(a->objective, def->name))
        return 0;
    if (annotator_any_reads_param(def->name) && !annotator_reads_param(a->annotator, def->name))
        return 0;
    return 1;
}

static int same_value(const params_t *a, const params_t *b, const param_def_t *def)
{
    const char *fa = (const char *)a + def->offset, *fb = (const char *)b + def->offset;
    switch (def->type) {
    case PARAM_INT: return *(const long *)fa == *(const long *)fb;
    case PARAM_REAL: return *(const double *)fa == *(const double *)fb;
    case PARAM_CHOICE: return *(const int *)fa == *(const int *)fb;
    case PARAM_STRING: return strcmp(fa, fb) == 0;
    }
    return 0;
}

int world_same_theory(const params_t *a, const params_t *b)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++)
        if (defines_theory(&tab[i], a) && !same_value(a, b, &tab[i])) return 0;
    return a->image.side == b->image.side && memcmp(a->image.px, b->image.px, sizeof a->image.px) == 0;
}

/* Copies prev's optimum into w (same grid). */
static void copy_theory(world_t *w, const world_t *prev)
{
    w->theory_kind = prev->theory_kind;
    memcpy(w->theory_name, prev->theory_name, sizeof w->theory_name);
    memcpy(w->theory_note, prev->theory_note, sizeof w->theory_note);
    w->theory_ms = prev->theory_ms;
    w->theory_grid = prev->theory_grid;
    w->kl_true_theory = prev->kl_true_theory;
    if (prev->log_theory) {
        memcpy(w->log_theory, prev->log_theory, w->grid.n * sizeof *w->log_theory);
    } else {
        free(w->log_theory);
        w->log_theory = NULL;
    }
}

int world_create(world_t *w, const params_t *p, char *err, size_t errlen)
{
    return world_create_from(w, p, NULL, err, errlen);
}

int world_create_from(world_t *w, const params_t *p, const world_t *prev, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->p = *p;
    if (params_check(p, err, errlen) != 0) return -1;
    if (image_params_density(&w->dens, p, err, errlen) != 0) return -1;
    if (annotator_init(&w->ann, p->annotator, p->rationality, p->annotator_beta, p->flip,
                       &w->dens) != 0) {
        char dn[300];
        params_format(p, params_find("density"), dn, sizeof dn);
        snprintf(err, errlen, "annotator %s does not fit density %s", annotator_name(p->annotator),
                 dn);
        return -1;
    }
    w->obj.kind = (objective_kind)p->objective;
    w->obj.beta = p->beta;
    w->obj.alpha = p->alpha;
    w->obj.tau = p->tau;
    w->obj.delta = p->delta;
    w->obj.lambda = p->lambda;
    w->obj.K = objective_is_mixture(p->objective) ? (int)p->components : 1;
    w->obj.eps = p->smoothing;
    w->obj.kto_desirable = p->desirable_weight;
    w->obj.kto_undesirable = p->undesirable_weight;
    w->obj.z0 = 0;

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

    if (prev && world_same_theory(&prev->p, p)) copy_theory(w, prev);
    else if (make_theory(w) != 0) goto nomem;

    if (annotator_row(w->ann.kind)->pooled) {
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
