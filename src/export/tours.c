/* Lecture tours for the window and the renderer: finding and checking a
   tour file, the parameters a tour leaves to the command line, and a
   stop's caption box. Both follow `pbde tui --tour` (src/tui/tour_ui.c),
   so the three front ends read the same files the same way. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../cli/cli.h"
#include "export.h"

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Writes dir/name+ext (dir NULL: name+ext) into out; 1 when it fits and
   names a file. */
static int try_path(char *out, size_t len, const char *dir, const char *name, const char *ext)
{
    int n = dir ? snprintf(out, len, "%s/%s%s", dir, name, ext)
                : snprintf(out, len, "%s%s", name, ext);
    return n > 0 && (size_t)n < len && is_file(out);
}

/* The file a --tour argument names: the path as given when it is a file,
   else "NAME.tour", else NAME or NAME.tour in the demos folder (for names
   without a '/'); else the argument itself, so the error names it. */
static void resolve(const char *arg, const char *demos_dir, char *out, size_t len)
{
    size_t n = strlen(arg);
    const char *ext = n > 5 && strcmp(arg + n - 5, ".tour") == 0 ? "" : ".tour";
    if (try_path(out, len, NULL, arg, "")) return;
    if (*ext && try_path(out, len, NULL, arg, ext)) return;
    if (demos_dir && !strchr(arg, '/')) {
        if (try_path(out, len, demos_dir, arg, "")) return;
        if (*ext && try_path(out, len, demos_dir, arg, ext)) return;
    }
    snprintf(out, len, "%s", arg);
}

int export_tour_open(const char *arg, tour_t *t, char *err, size_t errlen)
{
    char demos[4096], path[4096];
    int have_demos = cli_demos_dir(demos, sizeof demos) == 0;
    resolve(arg, have_demos ? demos : NULL, path, sizeof path);
    if (tour_load(path, have_demos ? demos : NULL, t, err, errlen) != 0) return -1;
    for (int i = 0; i < t->n; i++) {
        const tour_stop_t *s = &t->stops[i];
        if (s->steps > s->params.steps) {
            snprintf(err, errlen,
                     "%s:%d: stop %d runs to step %ld, past its training length (steps = %ld)",
                     path, s->line, i + 1, s->steps, s->params.steps);
            tour_free(t);
            return -1;
        }
    }
    return 0;
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

int export_same_training(const params_t *a, const params_t *b)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        if ((tab[i].affects & ~(unsigned)PARAM_AFFECTS_VIEW) == 0) continue;
        char va[64], vb[64];
        params_format(a, &tab[i], va, sizeof va);
        params_format(b, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) != 0) return 0;
    }
    return 1;
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
