/* Lecture tours for the window and the renderer: opening a tour (from
   the demos folder too), the parameters a tour leaves to the command
   line, and a stop's caption box. Finding, checking and moving between
   stops is src/core/tour.c's, shared with `pbde tui --tour`. */
#include <stdio.h>
#include <string.h>

#include "pbde/scenario.h"
#include "pbde/export.h"

int export_tour_open(const char *arg, tour_t *t, char *err, size_t errlen)
{
    char demos[4096];
    int have_demos = scenario_demos_dir(demos, sizeof demos) == 0;
    return tour_open(arg, have_demos ? demos : NULL, t, err, errlen);
}

const char *export_tour_extra_param(const params_t *p, const char *const *allowed)
{
    params_t def;
    params_defaults(&def);
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        char va[64], vb[64];
        params_format(p, &tab[i], va, sizeof va);
        params_format(&def, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) == 0) continue;
        int ok = 0;
        for (const char *const *a = allowed; a && *a && !ok; a++) ok = strcmp(*a, tab[i].name) == 0;
        if (!ok) return tab[i].name;
    }
    return NULL;
}

void export_tour_caption(raster_tour_t *rt, const tour_t *t, int stop, int on)
{
    memset(rt, 0, sizeof *rt);
    rt->title = t->title;
    rt->caption = t->stops[stop].caption;
    rt->stop = stop;
    rt->n = t->n;
    rt->steps = t->stops[stop].steps;
    rt->on = on;
}
