/* Lecture tours in the terminal explorer: finding the tour file, checking
   that every stop can be reached, and planning each move between stops so
   that a stop is rebuilt exactly when the audience goes back to it. The
   event loop (cmd_tui.c) carries the plans out on the live session; the
   caption is drawn by draw.c. Pure: no terminal. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tui.h"

/* ------------------------------------------------------------ finding */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n > m && strcmp(s + n - m, tail) == 0;
}

/* The file a --tour argument names: the path as given when it is a file,
   else "NAME.tour" here, else NAME or NAME.tour in the demos folder (for
   names without a '/'); else the argument itself, so the error names it. */
static void resolve(const char *arg, const char *demos_dir, char *out, size_t len)
{
    const char *ext = ends_with(arg, ".tour") ? "" : ".tour";
    snprintf(out, len, "%s", arg);
    if (is_file(out)) return;
    snprintf(out, len, "%s%s", arg, ext);
    if (*ext && is_file(out)) return;
    if (demos_dir && !strchr(arg, '/')) {
        snprintf(out, len, "%s/%s", demos_dir, arg);
        if (is_file(out)) return;
        snprintf(out, len, "%s/%s%s", demos_dir, arg, ext);
        if (is_file(out)) return;
    }
    snprintf(out, len, "%s", arg);
}

int tui_tour_open(const char *arg, const char *demos_dir, tour_t *t, char *err, size_t errlen)
{
    char path[4096];
    resolve(arg, demos_dir, path, sizeof path);
    if (tour_load(path, demos_dir, t, err, errlen) != 0) return -1;
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

/* ------------------------------------------------------------ moving */

int tui_tour_same_training(const params_t *a, const params_t *b)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    for (size_t i = 0; i < n; i++) {
        if ((tab[i].affects & ~(unsigned)PARAM_AFFECTS_VIEW) == 0) continue; /* as live_set_params */
        char va[64], vb[64];
        params_format(a, &tab[i], va, sizeof va);
        params_format(b, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) != 0) return 0;
    }
    return 1;
}

void tui_tour_plan(const tour_t *t, int from, int to, const params_t *cur, long step,
                   int disturbed, tui_tour_move_t *m)
{
    const tour_stop_t *s = &t->stops[to];
    int same = tui_tour_same_training(cur, &s->params);
    m->params = s->params;
    m->run_to = s->steps;
    if (from < 0) { /* the session was just created for this stop */
        m->reset = 0;
        return;
    }
    /* training goes on only along the stop's own trajectory */
    int onward = to == from || (to == from + 1 && s->continues);
    if (onward && !disturbed && same && step <= s->steps) {
        m->reset = 0;
        return;
    }
    /* from step 0: new parameters rebuild the session by themselves, the
       same ones need the model reset */
    m->reset = same;
}
