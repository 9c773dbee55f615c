/* pbde list: the catalogues (densities, annotators, objectives), the
   parameter table and the terminal explorer's keys. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"
#include "pbde/scenario.h"
#include "pbde/session.h"
#include "pbde/tour.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The built-in files with extension ext in the demos folder, sorted by
   name, each with its description: a scenario's first comment line, a
   tour's title. */
static void demo_files(const char *heading, const char *ext)
{
    char dir[4096];
    printf("%s\n", heading);
    if (scenario_demos_dir(dir, sizeof dir) != 0) {
        printf("  (the demos folder was not found; set PBDE_DEMOS)\n");
        return;
    }
    DIR *d = opendir(dir);
    if (!d) return;
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name), el = strlen(ext);
        if (len > el && strcmp(e->d_name + len - el, ext) == 0) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char path[8192], desc[256] = "";
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (strcmp(ext, ".ini") == 0) {
            scenario_describe(path, desc, sizeof desc);
            names[i][strlen(names[i]) - strlen(ext)] = '\0';
            printf("  %-30s %s\n", names[i], desc);
        } else {
            tour_t t;
            char err[256];
            if (tour_load(path, dir, &t, err, sizeof err) == 0) {
                snprintf(desc, sizeof desc, "%s (%d stops)", t.title, t.n);
                tour_free(&t);
            }
            printf("  %-44s %s\n", path, desc);
        }
        free(names[i]);
    }
}

static void catalogue(const char *title, int n, const char *(*name)(int), const char *(*desc)(int))
{
    printf("%s:\n", title);
    for (int i = 0; i < n; i++) printf("  %-14s %s\n", name(i), desc(i));
}

/* The registry as a Markdown table (the README embeds this output). */
static void params_markdown(void)
{
    size_t n;
    const param_def_t *t = params_table(&n);
    params_t def;
    params_defaults(&def);
    printf("| parameter | section | default | allowed | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        char dv[64], allowed[256];
        params_format(&def, &t[i], dv, sizeof dv);
        params_allowed(&t[i], allowed, sizeof allowed);
        printf("| `--%s` | %s | `%s` | %s | %s |\n", t[i].name, t[i].section, dv, allowed, t[i].help);
    }
}

/* The terminal explorer's help list (its ? overlay), one entry a line:
   the key in the first 18 columns after the indent, then what it does.
   The list is the session's for a terminal with no tour open (the
   builder reads only the front end, the mode and the tour). */
static void keys_list(void)
{
    session_t *s = calloc(1, sizeof *s);
    view_item_t *items = calloc(128, sizeof *items);
    if (s && items) {
        s->fe = VIEW_FE_TUI;
        s->stop = -1;
        int n_keys, n = session_help(s, items, 128, &n_keys);
        printf("terminal keys, prompt commands and mouse (the help, ? in pbde tui):\n");
        for (int i = 0; i < n; i++) printf("  %-17s %s\n", items[i].key, items[i].text);
    }
    free(items);
    free(s);
}

int cmd_list(int argc, char **argv)
{
    const char *what = argc > 2 ? argv[2] : "all";
    if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0) {
        printf("usage: pbde list [densities|annotators|objectives|scenarios|tours|params|keys]\n"
               "Lists what pbde knows; params prints the parameter table as Markdown, keys the\n"
               "terminal explorer's help list.\n");
        return 0;
    }
    int all = strcmp(what, "all") == 0, any = 0;
    if (all || strcmp(what, "densities") == 0) {
        catalogue("densities", density_count(), density_name, density_describe);
        any = 1;
    }
    if (all || strcmp(what, "annotators") == 0) {
        catalogue("annotators", annotator_count(), annotator_name, annotator_describe);
        any = 1;
    }
    if (all || strcmp(what, "objectives") == 0) {
        /* each with its implicit reward r^ (what pbde overopt optimises) */
        printf("objectives (name, implicit reward r^, description):\n");
        for (int i = 0; i < objective_count(); i++)
            printf("  %-14s r^ = %-34s %s\n", objective_name(i), objective_reward(i),
                   objective_describe(i));
        any = 1;
    }
    if (all || strcmp(what, "scenarios") == 0) {
        demo_files("scenarios (pbde --scenario NAME):", ".ini");
        any = 1;
    }
    if (all || strcmp(what, "tours") == 0) {
        demo_files("lecture tours (pbde --tour FILE):", ".tour");
        any = 1;
    }
    if (strcmp(what, "params") == 0) {
        params_markdown();
        any = 1;
    }
    if (strcmp(what, "keys") == 0) {
        keys_list();
        any = 1;
    }
    if (!any) {
        fprintf(stderr, "pbde list: '%s' is not allowed: expected densities, annotators, objectives, scenarios, tours, params or keys\n", what);
        return EXIT_USAGE;
    }
    return 0;
}
