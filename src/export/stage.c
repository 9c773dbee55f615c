/* The stage shared by `pbde render` and `pbde gui`: one live session per
   facet value, their snapshots and view models, the scene they make, and
   the options both commands parse the same way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/export.h"
#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"

/* ------------------------------------------------------------ facets */

int stage_parse_facet(const char *spec, const params_t *base, params_t *out, int *n,
                      char *name, size_t namelen, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || eq[1] == '\0') {
        snprintf(err, errlen, "--facet: '%s' is not allowed: expected NAME=v1,v2,... "
                              "(e.g. beta=1,4,16)", spec);
        return -1;
    }
    size_t len = (size_t)(eq - spec);
    if (len >= namelen) len = namelen - 1;
    memcpy(name, spec, len);
    name[len] = '\0';
    if (!params_find(name)) {
        snprintf(err, errlen, "--facet: '%s' is not a parameter (pbde render --help lists them)",
                 name);
        return -1;
    }
    *n = 0;
    const char *v = eq + 1;
    while (*v) {
        size_t vl = strcspn(v, ",");
        char val[64];
        if (vl == 0 || vl >= sizeof val) {
            snprintf(err, errlen, "--facet: empty or overlong value in '%s'", spec);
            return -1;
        }
        if (*n >= STAGE_MAX) {
            snprintf(err, errlen, "--facet: at most %d values", STAGE_MAX);
            return -1;
        }
        memcpy(val, v, vl);
        val[vl] = '\0';
        params_t p = *base;
        char e2[512];
        if (params_set(&p, name, val, e2, sizeof e2) != 0) {
            snprintf(err, errlen, "--facet: %s: %s", name, e2);
            return -1;
        }
        if (params_check(&p, e2, sizeof e2) != 0) {
            snprintf(err, errlen, "--facet: %s = %s: %s", name, val, e2);
            return -1;
        }
        out[(*n)++] = p;
        v += vl;
        if (*v == ',') v++;
    }
    if (*n == 0) {
        snprintf(err, errlen, "--facet: '%s' has no values", spec);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ sessions */

int stage_create(stage_t *st, const params_t *ps, int n, const char *facet, const kernels_t *k,
                 int paused, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (n < 1 || n > STAGE_MAX) {
        snprintf(err, errlen, "between 1 and %d sessions", STAGE_MAX);
        return -1;
    }
    snprintf(st->facet, sizeof st->facet, "%s", facet ? facet : "");
    for (int i = 0; i < n; i++) {
        st->live[i] = live_create(&ps[i], k, paused, err, errlen);
        if (!st->live[i]) {
            stage_destroy(st);
            return -1;
        }
        st->n = i + 1;
    }
    if (stage_poll(st) < 0) {
        snprintf(err, errlen, "out of memory");
        stage_destroy(st);
        return -1;
    }
    return 0;
}

void stage_destroy(stage_t *st)
{
    for (int i = 0; i < st->n; i++) {
        live_destroy(st->live[i]);
        live_snapshot_free(&st->snap[i]);
        view_model_free(&st->vm[i]);
    }
    memset(st, 0, sizeof *st);
}

int stage_poll(stage_t *st)
{
    int changed = 0;
    for (int i = 0; i < st->n; i++) {
#ifdef PBDE_NO_THREADS
        /* no workers: each session trains for its share of the budget */
        double budget = st->pump_s > 0 ? st->pump_s : STAGE_PUMP_S;
        if (live_pump(st->live[i], budget / st->n) < 0) return -1;
#endif
        int rc = live_snapshot(st->live[i], &st->snap[i]);
        if (rc < 0) return -1;
        changed |= rc;
    }
    return changed;
}

int stage_scene(stage_t *st, const view_state_t *vs, raster_scene_t *sc)
{
    for (int i = 0; i < st->n; i++)
        if (view_build(&st->vm[i], &st->snap[i], vs) != 0) return -1;
    if (!st->facet[0]) {
        raster_scene_init(sc, &st->vm[0], &st->snap[0]);
        return 0;
    }
    const char *labels[STAGE_MAX];
    for (int i = 0; i < st->n; i++) {
        raster_param_label(&st->snap[i].params, st->facet, st->labels[i], sizeof st->labels[i]);
        labels[i] = st->labels[i];
    }
    if (raster_facet_model(&st->facet_vm, st->vm, st->n, labels) != 0) return -1;
    raster_scene_init(sc, &st->facet_vm, &st->snap[0]);
    sc->n_runs = st->n;
    sc->facet = st->facet;
    for (int i = 0; i < st->n; i++) {
        sc->runs[i].snap = &st->snap[i];
        snprintf(sc->runs[i].label, sizeof sc->runs[i].label, "%s", st->labels[i]);
        sc->panel_run[1 + i] = i;
    }
    return 0;
}

/* ------------------------------------------------------------ options */

int export_parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X')) return -1;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end != '\0') return -1;
    if (a < 16 || a > 8192 || b < 16 || b > 8192) return -1;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

int export_parse_cursor(view_state_t *vs, const char *value, char *err, size_t errlen)
{
    double x, y;
    char tail;
    if (sscanf(value, "%lf,%lf%c", &x, &y, &tail) != 2 || !isfinite(x) || !isfinite(y)) {
        snprintf(err, errlen, "--cursor: '%s' is not allowed: expected X,Y (e.g. -2,-2)", value);
        return -1;
    }
    vs->cursor_x = x;
    vs->cursor_y = y;
    return 0;
}

int export_parse_interpolate(const char *value, int *bilinear, char *err, size_t errlen)
{
    if (strcmp(value, "bilinear") == 0) *bilinear = 1;
    else if (strcmp(value, "nearest") == 0) *bilinear = 0;
    else {
        snprintf(err, errlen, "--interpolate: '%s' is not allowed: expected nearest or bilinear",
                 value);
        return -1;
    }
    return 0;
}

void export_scenario_name(const live_snapshot_t *s, char *buf, size_t n)
{
    const params_t *p = &s->params;
    /* image:FILE or image:painted over an image; a file name keeps only
       letters, digits, '.', '_' and '-' of it */
    char dens[PARAMS_PATH_MAX + 16];
    params_format(p, params_find("density"), dens, sizeof dens);
    if (p->image.side > 0) {
        const char *base = strrchr(dens, '/');
        char tmp[sizeof dens];
        snprintf(tmp, sizeof tmp, "image-%s", base ? base + 1 : dens + 6);
        char *dot = strrchr(tmp, '.');
        if (dot && dot > tmp + 6) *dot = '\0';
        for (char *c = tmp; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                  *c == '.' || *c == '_' || *c == '-'))
                *c = '-';
        snprintf(dens, sizeof dens, "%s", tmp);
    }
    snprintf(buf, n, "%s-%s-%s-step%ld", dens, annotator_name(p->annotator),
             objective_name(p->objective), s->step);
}
