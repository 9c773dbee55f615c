/* pbde sample: the preference data set as CSV. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pbde/dataset.h"

enum { F_OUT, F_HELDOUT, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "out", 1, "write the pairs to file V (- for standard output)" },
    { "with-heldout", 0, "also write the held-out pairs, after the training pairs" },
};

int cmd_sample(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("sample", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "sample",
                  "Writes the preference data set as CSV: ax,ay,bx,by,y,annotator\n"
                  "(y = 1 when a was preferred; annotator = who answered, 0 unless mixture).",
                  FLAGS, F_COUNT);
        return 0;
    }
    if (!a.present[F_OUT]) {
        fprintf(stderr, "pbde sample: --out is required (a file name, or - for standard output)\n");
        return EXIT_USAGE;
    }
    const char *path = a.values[F_OUT];
    char tmp[4096];
    FILE *f = cli_open_out(path, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "pbde sample: --out: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    char err[512];
    world_t w;
    /* the data set needs no grid: keep the world's grid small */
    params_t p = a.params;
    p.grid = 8;
    if (world_create(&w, &p, err, sizeof err) != 0) {
        fprintf(stderr, "pbde sample: %s\n", err);
        cli_abort_out(f, tmp);
        return EXIT_USAGE;
    }
    dataset_t d;
    if (dataset_create_err(&d, &w, err, sizeof err) != 0) {
        fprintf(stderr, "pbde sample: %s\n", err);
        cli_abort_out(f, tmp);
        world_destroy(&w);
        return p.pairs_file[0] ? EXIT_USAGE : 1;
    }
    if (params_proposal_grows(p.proposal) && d.n_train < d.n_cap)
        fprintf(stderr,
                "pbde sample: the %s proposal draws its pairs from the model as it trains; "
                "writing the %zu pairs drawn before training (pairs-start)\n",
                params_proposal_name(p.proposal), d.n_train);
    /* training pairs [0, n_train), then (with-heldout) the held-out ones */
    size_t n = d.n_train + (a.present[F_HELDOUT] ? d.n_held : 0);
    fprintf(f, "ax,ay,bx,by,y,annotator\n");
    for (size_t j = 0; j < n; j++) {
        size_t i = j < d.n_train ? j : d.n_cap + (j - d.n_train);
        const float *q = d.pts + 4 * i;
        fprintf(f, "%.9g,%.9g,%.9g,%.9g,%d,%d\n", (double)q[0], (double)q[1], (double)q[2],
                (double)q[3], d.y[i], d.who[i]);
    }
    rc = 0;
    if (cli_commit_out(f, path, tmp) != 0) {
        fprintf(stderr, "pbde sample: --out: cannot write '%s': %s\n", path, strerror(errno));
        rc = 1;
    }
    dataset_destroy(&d);
    world_destroy(&w);
    return rc;
}
