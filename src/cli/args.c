/* Command-line parsing driven by the parameter registry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pbde/outfile.h"
#include "pbde/scenario.h"
#include "pbde/suggest.h"
#include "pbde/tour.h"

static int find_flag(const cli_flag_t *flags, int n, const char *name, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0) return i;
    return -1;
}

int cli_parse(const char *cmd, int argc, char **argv, int first, const cli_flag_t *flags,
              int n_flags, cli_args_t *a)
{
    memset(a, 0, sizeof *a);
    params_defaults(&a->params);
    /* a scenario file applies first, wherever it stands: flags override it */
    for (int i = first; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--scenario") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "pbde %s: --scenario needs a value (a .ini file)\n", cmd);
                return EXIT_USAGE;
            }
            path = argv[i + 1];
        } else if (strncmp(argv[i], "--scenario=", 11) == 0) {
            path = argv[i] + 11;
        }
        if (!path) continue;
        if (!*path || strncmp(path, "--", 2) == 0) {
            fprintf(stderr, "pbde %s: --scenario needs a value (a .ini file or a scenario's name)\n",
                    cmd);
            return EXIT_USAGE;
        }
        char err[1024];
        const char *arg = path;
        scenario_resolve(arg, a->scenario_path, sizeof a->scenario_path);
        path = a->scenario_path;
        if (scenario_load(path, &a->params, err, sizeof err) != 0) {
            struct stat st;
            int unknown_name = !strchr(arg, '/') && stat(path, &st) != 0;
            if (unknown_name) {
                size_t used = strlen(err);
                snprintf(err + used, sizeof err - used, " (nor is it a built-in scenario: pbde list scenarios)");
                scenario_suggest_file(arg, ".ini", err, sizeof err);
            }
            fprintf(stderr, "pbde %s: --scenario: %s\n", cmd, err);
            return EXIT_USAGE;
        }
        a->scenario = path;
    }
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--scenario") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--scenario=", 11) == 0) continue;
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            a->help = 1;
            continue;
        }
        if (strcmp(arg, "--version") == 0) {
            a->version = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            fprintf(stderr, "pbde %s: unexpected argument '%s' (options are --name value; see pbde %s --help)\n",
                    cmd, arg, cmd);
            return EXIT_USAGE;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        char key[64];
        if (len >= sizeof key) len = sizeof key - 1;
        memcpy(key, name, len);
        key[len] = '\0';
        int fi = find_flag(flags, n_flags, name, len);
        int is_param = params_find(key) != NULL;
        if (fi < 0 && !is_param) {
            /* did you mean: the subcommand's flags, the registry, the common ones */
            const char *cands[192];
            size_t nc = 0, np;
            const param_def_t *tab = params_table(&np);
            for (int f = 0; f < n_flags && nc < 192; f++) cands[nc++] = flags[f].name;
            for (size_t p = 0; p < np && nc < 189; p++) cands[nc++] = tab[p].name;
            cands[nc++] = "scenario";
            cands[nc++] = "help";
            cands[nc++] = "version";
            char msg[256];
            snprintf(msg, sizeof msg, "unknown option '--%s'", key);
            suggest_append(msg, sizeof msg, key, cands, nc, "--");
            fprintf(stderr, "pbde %s: %s (see pbde %s --help)\n", cmd, msg, cmd);
            return EXIT_USAGE;
        }
        const char *value = NULL;
        if (fi >= 0 && !flags[fi].takes_value) {
            if (eq) {
                fprintf(stderr, "pbde %s: --%s takes no value\n", cmd, key);
                return EXIT_USAGE;
            }
            a->present[fi] = 1;
            continue;
        }
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            fprintf(stderr, "pbde %s: --%s needs a value\n", cmd, key);
            return EXIT_USAGE;
        }
        if (fi >= 0) {
            a->present[fi] = 1;
            a->values[fi] = value;
            continue;
        }
        char err[512];
        if (params_set(&a->params, key, value, err, sizeof err) != 0) {
            fprintf(stderr, "pbde %s: --%s: %s\n", cmd, key, err);
            return EXIT_USAGE;
        }
    }
    char err[512];
    if (!a->help && !a->version && params_check(&a->params, err, sizeof err) != 0) {
        fprintf(stderr, "pbde %s: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    return 0;
}

void cli_usage(FILE *f, const char *cmd, const char *summary, const cli_flag_t *flags,
               int n_flags)
{
    fprintf(f, "usage: pbde %s [options]\n%s\n\n", cmd, summary);
    if (n_flags > 0) {
        fprintf(f, "options:\n");
        for (int i = 0; i < n_flags; i++) {
            char lhs[64];
            snprintf(lhs, sizeof lhs, "--%s%s", flags[i].name, flags[i].takes_value ? " V" : "");
            fprintf(f, "  %-22s %s\n", lhs, flags[i].help);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "  %-22s %s\n\n", "--scenario F", "load a scenario file (.ini) first; flags override it");
    fprintf(f, "parameters (--name value or --name=value):\n");
    size_t n;
    const param_def_t *t = params_table(&n);
    params_t def;
    params_defaults(&def);
    const char *section = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(section, t[i].section) != 0) {
            section = t[i].section;
            fprintf(f, " [%s]\n", section);
        }
        char dv[64], allowed[256];
        params_format(&def, &t[i], dv, sizeof dv);
        params_allowed(&t[i], allowed, sizeof allowed);
        fprintf(f, "  --%-16s %s\n  %-18s default %s; %s\n", t[i].name, t[i].help, "", dv, allowed);
    }
    fprintf(f, "\nenvironment: PBDE_KERNELS=scalar forces the reference kernels; avx2, avx512 or neon\n"
               "asks for that set (the fastest one this CPU runs is the default).\n");
}

const kernels_t *cli_kernels(void)
{
    const char *want = getenv("PBDE_KERNELS");
    const kernels_t *k = kernels_select(want);
    if (!k) fprintf(stderr, "pbde: PBDE_KERNELS: '%s' is not allowed: expected scalar, avx2, avx512, neon or empty\n", want);
    return k;
}

FILE *cli_open_out(const char *path, char *tmp, size_t tmplen)
{
    tmp[0] = '\0';
    if (strcmp(path, "-") == 0) return stdout;
    outfile_t o;
    if (outfile_open(&o, path, "w") != 0) return NULL;
    if (strlen(o.tmp) >= tmplen) {
        outfile_abort(&o);
        errno = ENAMETOOLONG;
        return NULL;
    }
    memcpy(tmp, o.tmp, strlen(o.tmp) + 1);
    return o.f;
}

/* The outfile a (stream, temporary) pair from cli_open_out stands for: in
   place when there is no temporary, else the target is the temporary's
   name without its ".tmp.PID" suffix. */
static int outfile_of(FILE *f, const char *tmp, outfile_t *o)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->in_place = !tmp[0];
    if (o->in_place) return 0;
    size_t n = strlen(tmp);
    if (n >= sizeof o->tmp) return -1;
    memcpy(o->tmp, tmp, n + 1);
    const char *dot = strrchr(tmp, '.');
    if (!dot || dot - tmp < 4 || strncmp(dot - 4, ".tmp", 4) != 0) return -1;
    size_t t = (size_t)(dot - 4 - tmp);
    if (t >= sizeof o->target) return -1;
    memcpy(o->target, tmp, t);
    o->target[t] = '\0';
    return 0;
}

int cli_commit_out(FILE *f, const char *path, const char *tmp)
{
    (void)path;
    if (f == stdout) return fflush(f) == 0 && !ferror(f) ? 0 : -1;
    outfile_t o;
    if (outfile_of(f, tmp, &o) != 0) { /* not from cli_open_out: cannot happen */
        fclose(f);
        errno = EINVAL;
        return -1;
    }
    return outfile_commit(&o);
}

void cli_abort_out(FILE *f, const char *tmp)
{
    if (!f || f == stdout) return;
    outfile_t o;
    if (outfile_of(f, tmp, &o) != 0) {
        fclose(f);
        return;
    }
    outfile_abort(&o);
}

int cli_load_tour(const char *cmd, const cli_args_t *args, const char *arg, tour_t *t,
                  int *speed_set, int *cmap_set)
{
    if (args->scenario) {
        fprintf(stderr, "pbde %s: --tour and --scenario: a tour loads its own scenarios; give one "
                        "of them\n", cmd);
        return EXIT_USAGE;
    }
    params_t def;
    params_defaults(&def);
    size_t n;
    const param_def_t *tab = params_table(&n);
    *speed_set = *cmap_set = 0;
    for (size_t i = 0; i < n; i++) {
        char va[PARAMS_PATH_MAX + 16], vb[PARAMS_PATH_MAX + 16];
        params_format(&args->params, &tab[i], va, sizeof va);
        params_format(&def, &tab[i], vb, sizeof vb);
        if (strcmp(va, vb) == 0) continue;
        if (strcmp(tab[i].name, "speed") == 0 || strcmp(tab[i].name, "pace") == 0) *speed_set = 1;
        else if (strcmp(tab[i].name, "colormap") == 0) *cmap_set = 1;
        else {
            fprintf(stderr,
                    "pbde %s: --%s: a tour sets the parameters at every stop; only --speed, --pace "
                    "and --colormap apply to a whole tour\n",
                    cmd, tab[i].name);
            return EXIT_USAGE;
        }
    }
    char demos[4096], err[1024];
    int have_demos = scenario_demos_dir(demos, sizeof demos) == 0;
    if (tour_open(arg, have_demos ? demos : NULL, t, err, sizeof err) != 0) {
        fprintf(stderr, "pbde %s: --tour: %s\n", cmd, err);
        return EXIT_USAGE;
    }
    return 0;
}
