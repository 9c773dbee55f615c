/* pbde list: the catalogues (densities, annotators, objectives) and the
   parameter table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/objective.h"

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

int cmd_list(int argc, char **argv)
{
    const char *what = argc > 2 ? argv[2] : "all";
    if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0) {
        printf("usage: pbde list [densities|annotators|objectives|params]\n"
               "Lists what pbde knows; params prints the parameter table as Markdown.\n");
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
        catalogue("objectives", objective_count(), objective_name, objective_describe);
        any = 1;
    }
    if (strcmp(what, "params") == 0) {
        params_markdown();
        any = 1;
    }
    if (!any) {
        fprintf(stderr, "pbde list: '%s' is not allowed: expected densities, annotators, objectives or params\n", what);
        return EXIT_USAGE;
    }
    return 0;
}
