/* Lecture tours: parsing a tour file into stops. */
#include "pbde/tour.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pbde/scenario.h"

#define TOUR_MAX_BYTES (1 << 20)
#define TOUR_LINE_MAX 1024

typedef struct {
    const char *name, *base_dir, *demos_dir;
    tour_t *t;
    params_t cur;      /* parameters so far */
    tour_stop_t stop;  /* the stop being built */
    int open;          /* a stop has content */
    char *err;
    size_t errlen;
    int line;
} parser_t;

static int failf(parser_t *ps, const char *msg, const char *arg)
{
    snprintf(ps->err, ps->errlen, "%s:%d: %s%s%s%s", ps->name, ps->line, msg, arg ? " '" : "",
             arg ? arg : "", arg ? "'" : "");
    return -1;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds a scenario: beside the tour, then among the demos; a path with a
   '/' is taken relative to the tour's folder unless absolute. */
static void resolve(const parser_t *ps, const char *arg, char *out, size_t len)
{
    size_t n = strlen(arg);
    const char *ext = n > 4 && strcmp(arg + n - 4, ".ini") == 0 ? "" : ".ini";
    if (arg[0] == '/') {
        snprintf(out, len, "%s", arg);
        return;
    }
    if (ps->base_dir) {
        snprintf(out, len, "%s/%s", ps->base_dir, arg);
        if (file_exists(out)) return;
        snprintf(out, len, "%s/%s%s", ps->base_dir, arg, ext);
        if (file_exists(out)) return;
    }
    if (ps->demos_dir && !strchr(arg, '/')) {
        snprintf(out, len, "%s/%s%s", ps->demos_dir, arg, ext);
        if (file_exists(out)) return;
    }
    snprintf(out, len, "%s", arg);
}

/* Closes the stop being built (when it has content) and appends it. */
static int close_stop(parser_t *ps)
{
    if (!ps->open) return 0;
    tour_t *t = ps->t;
    if (t->n >= TOUR_MAX_STOPS) return failf(ps, "too many stops (at most 256)", NULL);
    char e[400];
    if (params_check(&ps->cur, e, sizeof e) != 0) return failf(ps, e, NULL);
    tour_stop_t *s = &ps->stop;
    s->params = ps->cur;
    if (t->n > 0 && tour_same_training(&t->stops[t->n - 1].params, &s->params)) {
        s->continues = 1;
        s->steps += t->stops[t->n - 1].steps;
    }
    t->stops[t->n++] = *s;
    memset(s, 0, sizeof *s);
    ps->open = 0;
    return 0;
}

static void begin(parser_t *ps)
{
    if (!ps->open) {
        memset(&ps->stop, 0, sizeof ps->stop);
        ps->stop.line = ps->line;
        ps->open = 1;
    }
}

static int command(parser_t *ps, char *cmd, char *arg)
{
    char e[600];
    if (strcmp(cmd, "title") == 0) {
        size_t n = strlen(arg);
        if (n >= sizeof ps->t->title) return failf(ps, "title too long (at most 127 characters)", NULL);
        memcpy(ps->t->title, arg, n + 1);
        return 0;
    }
    if (strcmp(cmd, "scenario") == 0) {
        if (!*arg) return failf(ps, "scenario needs a name or a path", NULL);
        char path[4096];
        resolve(ps, arg, path, sizeof path);
        begin(ps);
        params_defaults(&ps->cur);
        if (scenario_load(path, &ps->cur, e, sizeof e) != 0) return failf(ps, e, NULL);
        return 0;
    }
    if (strcmp(cmd, "set") == 0) {
        char *value = arg;
        while (*value && !isspace((unsigned char)*value)) value++;
        if (!*value) return failf(ps, "usage: set NAME VALUE", NULL);
        *value++ = '\0';
        while (isspace((unsigned char)*value)) value++;
        begin(ps);
        if (params_set(&ps->cur, arg, value, e, sizeof e) != 0) {
            char msg[700];
            snprintf(msg, sizeof msg, "%.64s: %s", arg, e);
            return failf(ps, msg, NULL);
        }
        return 0;
    }
    if (strcmp(cmd, "run") == 0) {
        char *end;
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (end == arg || *end || errno || n < 0 || n > 100000000)
            return failf(ps, "run takes a whole number of steps from 0 to 100000000, not", arg);
        begin(ps);
        ps->stop.steps += n;
        return 0;
    }
    if (strcmp(cmd, "caption") == 0) {
        begin(ps);
        size_t used = strlen(ps->stop.caption), n = strlen(arg);
        if (used + n + 2 > TOUR_CAPTION_MAX)
            return failf(ps, "caption too long for one stop (at most 640 characters)", NULL);
        if (used) ps->stop.caption[used++] = '\n';
        memcpy(ps->stop.caption + used, arg, n + 1);
        return 0;
    }
    if (strcmp(cmd, "pause") == 0) {
        if (!ps->open) return failf(ps, "pause with nothing to show since the last pause", NULL);
        return close_stop(ps);
    }
    return failf(ps, "unknown command: expected title, scenario, set, run, caption or pause, not", cmd);
}

int tour_load_text(const char *text, size_t len, const char *name, const char *base_dir,
                   const char *demos_dir, tour_t *t, char *err, size_t errlen)
{
    parser_t ps;
    memset(&ps, 0, sizeof ps);
    memset(t, 0, sizeof *t);
    ps.name = name;
    ps.base_dir = base_dir;
    ps.demos_dir = demos_dir;
    ps.t = t;
    ps.err = err;
    ps.errlen = errlen;
    params_defaults(&ps.cur);
    t->stops = calloc(TOUR_MAX_STOPS, sizeof *t->stops);
    if (!t->stops) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    size_t pos = 0;
    char line[TOUR_LINE_MAX + 1];
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n') end++;
        ps.line++;
        size_t n = end - pos;
        if (n > TOUR_LINE_MAX) {
            failf(&ps, "line too long (at most 1024 characters)", NULL);
            goto fail;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (memchr(line, '\0', n)) {
            failf(&ps, "not a text line (it holds a NUL byte)", NULL);
            goto fail;
        }
        char *s = line;
        while (isspace((unsigned char)*s)) s++;
        char *e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
        if (!*s || *s == '#') continue;
        char *arg = s;
        while (*arg && !isspace((unsigned char)*arg)) arg++;
        if (*arg) {
            *arg++ = '\0';
            while (isspace((unsigned char)*arg)) arg++;
        }
        if (command(&ps, s, arg) != 0) goto fail;
    }
    if (close_stop(&ps) != 0) goto fail;
    if (t->n == 0) {
        snprintf(err, errlen, "%s: the tour has no stops (no run, caption or pause)", name);
        goto fail;
    }
    return 0;
fail:
    tour_free(t);
    return -1;
}

int tour_load(const char *path, const char *demos_dir, tour_t *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(TOUR_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, TOUR_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > TOUR_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf ? "out of memory" : bad ? "cannot read (is it a directory?)" : "too large for a tour (more than 1 MiB)");
        free(buf);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    int rc = tour_load_text(buf, n, path, dir, demos_dir, t, err, errlen);
    free(buf);
    return rc;
}

void tour_free(tour_t *t)
{
    free(t->stops);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ opening */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n > m && strcmp(s + n - m, tail) == 0;
}

/* Writes dir/name+ext (dir NULL: name+ext) into out; 1 when it fits and
   names a file. */
static int try_path(char *out, size_t len, const char *dir, const char *name, const char *ext)
{
    int n = dir ? snprintf(out, len, "%s/%s%s", dir, name, ext) : snprintf(out, len, "%s%s", name, ext);
    return n > 0 && (size_t)n < len && file_exists(out);
}

/* The file a tour argument names: the path as given when it is a file,
   else "NAME.tour" here, else NAME or NAME.tour in the demos folder (for
   names without a '/'); else the argument itself, so the error names it. */
static void resolve_tour(const char *arg, const char *demos_dir, char *out, size_t len)
{
    const char *ext = ends_with(arg, ".tour") ? "" : ".tour";
    if (try_path(out, len, NULL, arg, "")) return;
    if (*ext && try_path(out, len, NULL, arg, ext)) return;
    if (demos_dir && !strchr(arg, '/')) {
        if (try_path(out, len, demos_dir, arg, "")) return;
        if (*ext && try_path(out, len, demos_dir, arg, ext)) return;
    }
    snprintf(out, len, "%s", arg);
}

int tour_open(const char *arg, const char *demos_dir, tour_t *t, char *err, size_t errlen)
{
    char path[4096];
    size_t al = strlen(arg);
    if (al > 4 && strcmp(arg + al - 4, ".ini") == 0) {
        snprintf(err, errlen, "%s is a scenario (.ini), not a tour: open it with --scenario %s "
                              "(a tour is a .tour file: pbde list tours)", arg, arg);
        memset(t, 0, sizeof *t);
        return -1;
    }
    resolve_tour(arg, demos_dir, path, sizeof path);
    if (tour_load(path, demos_dir, t, err, errlen) != 0) {
        struct stat st;
        if (!strchr(arg, '/') && stat(path, &st) != 0) scenario_suggest_file(arg, ".tour", err, errlen);
        return -1;
    }
    for (int i = 0; i < t->n; i++) {
        const tour_stop_t *s = &t->stops[i];
        if (s->steps > s->params.steps) {
            snprintf(err, errlen, "%s:%d: stop %d runs to step %ld, past its training length (steps = %ld)",
                     path, s->line, i + 1, s->steps, s->params.steps);
            tour_free(t);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ moving */

int tour_same_training(const params_t *a, const params_t *b)
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

void tour_plan(const tour_t *t, int from, int to, const params_t *cur, long step, int disturbed,
               tour_move_t *m)
{
    const tour_stop_t *s = &t->stops[to];
    int same = tour_same_training(cur, &s->params);
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
