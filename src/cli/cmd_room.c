/* pbde room: a lecture hall annotates from phones, headless. A live
   session in its room mode trains on the answers that come over HTTP; the
   command prints the join URL and code, runs until SIGINT/SIGTERM or
   --duration, then saves the answers and prints the counts and metrics. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pbde/common.h"
#include "pbde/density.h"
#include "pbde/grid.h"
#include "pbde/image.h"
#include "pbde/live.h"
#include "pbde/room.h"
#include "room_glue.h"

enum {
    F_ADDR, F_PORT, F_PERSONAS, F_PER_Q, F_CODE, F_SAVE, F_DURATION, F_TIMEOUT, F_DRAIN,
    F_PERSONA_GRID, F_RATE, F_MAX_PARTICIPANTS, F_COUNT
};
static const cli_flag_t FLAGS[F_COUNT] = {
    { "addr", 1, "IPv4 address to listen on (default 127.0.0.1; 0.0.0.0: every interface, the URL names the first)" },
    { "port", 1, "port to listen on (default 0: any free port, printed)" },
    { "personas", 1, "K: participants get personas 0..K-1 in turn; own: each sends its own (default 0: none)" },
    { "answers-per-question", 1, "answers that close a question (default 1)" },
    { "code", 1, "the join code, 4 to 6 letters or digits (default: a random one)" },
    { "save-answers", 1, "write every accepted answer to CSV file V at the end (pbde sample's format)" },
    { "duration", 1, "stop after V seconds (default: at SIGINT or SIGTERM)" },
    { "timeout", 1, "drop a connection idle for V seconds (default 10)" },
    { "drain", 1, "at the end, wait up to V seconds for the answers to be trained (default 120)" },
    { "persona-grid", 1, "write each component's log-density on the grid to CSV file V at start" },
    { "rate", 1, "answers per second a participant may send (default 10)" },
    { "max-participants", 1, "participants the room remembers; new ones beyond are refused (default 10000)" },
};

/* Set by the signal handler: the only mutable global (style.md). */
static volatile sig_atomic_t stop_asked;

static void on_signal(int sig)
{
    (void)sig;
    stop_asked = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The integer value of flag i in [lo, hi] into *out (unchanged when
   absent). Returns 0, or prints the problem and returns EXIT_USAGE. */
static int int_flag(const cli_args_t *a, int i, long lo, long hi, long *out)
{
    if (!a->present[i]) return 0;
    char *end;
    errno = 0;
    long v = strtol(a->values[i], &end, 10);
    if (errno || end == a->values[i] || *end || v < lo || v > hi) {
        fprintf(stderr, "pbde room: --%s: '%s' is not an integer from %ld to %ld\n", FLAGS[i].name,
                a->values[i], lo, hi);
        return EXIT_USAGE;
    }
    *out = v;
    return 0;
}

static int num_flag(const cli_args_t *a, int i, double lo, double *out)
{
    if (!a->present[i]) return 0;
    char *end;
    double v = strtod(a->values[i], &end);
    if (end == a->values[i] || *end || !(v >= lo) || !isfinite(v)) {
        fprintf(stderr, "pbde room: --%s: '%s' is not a number of at least %g\n", FLAGS[i].name,
                a->values[i], lo);
        return EXIT_USAGE;
    }
    *out = v;
    return 0;
}

/* The log-density of each component of p's density on the grid (G x G),
   normalised: into lp[k] (n each, allocated). Returns the number of
   components, or -1 with a message printed. */
static int component_grids(const params_t *p, grid_t *g, double **lp)
{
    char err[512];
    density_t *d = malloc(sizeof *d);
    if (!d || grid_init(g, p->grid, p->box) != 0) {
        free(d);
        fprintf(stderr, "pbde room: out of memory\n");
        return -1;
    }
    if (image_params_density(d, p, err, sizeof err) != 0) {
        fprintf(stderr, "pbde room: %s\n", err);
        free(d);
        return -1;
    }
    int K = d->n_comp;
    double area = g->cell * g->cell;
    for (int k = 0; k < K; k++) {
        lp[k] = malloc(pbde_mul_size(g->n, sizeof(double)));
        if (!lp[k]) {
            for (int j = 0; j < k; j++) free(lp[j]);
            free(d);
            fprintf(stderr, "pbde room: out of memory\n");
            return -1;
        }
        density_component_log_prob(d, k, g->xy, g->n, lp[k]);
        grid_normalise(lp[k], g->n, area);
    }
    free(d);
    return K;
}

/* --persona-grid: x,y,log_p_0..log_p_{K-1}, one row per cell centre,
   row-major from (-L, -L), as train --grid-out. */
static int write_persona_grid(const char *path, const grid_t *g, double *const *lp, int K)
{
    char tmp[4096];
    FILE *f = cli_open_out(path, tmp, sizeof tmp);
    if (!f) {
        fprintf(stderr, "pbde room: --persona-grid: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "x,y");
    for (int k = 0; k < K; k++) fprintf(f, ",log_p_%d", k);
    fprintf(f, "\n");
    for (size_t i = 0; i < g->n; i++) {
        fprintf(f, "%.9g,%.9g", (double)g->xy[2 * i], (double)g->xy[2 * i + 1]);
        for (int k = 0; k < K; k++) fprintf(f, ",%.9g", lp[k][i]);
        fprintf(f, "\n");
    }
    if (cli_commit_out(f, path, tmp) != 0) {
        fprintf(stderr, "pbde room: --persona-grid: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* Waits up to drain_s for every answer applied and trained; *s holds the
   newest snapshot. Returns 1 when everything was trained. */
static int drain(live_t *l, live_snapshot_t *s, double drain_s)
{
    double t0 = now_s();
    long want = live_answer_count(l);
    live_snapshot(l, s);
    for (;;) {
        if (s->pending == 0 && s->n_answers == want && (want == 0 || s->waiting)) return 1;
        double left = drain_s - (now_s() - t0);
        if (left <= 0) return 0;
        if (live_wait(l, s, left < 0.5 ? left : 0.5) < 0) return 0;
    }
}

static void usage(void)
{
    cli_usage(stdout, "room",
              "A room of annotators: phones open the printed URL and answer the pair on\n"
              "screen; every answer (with its participant's persona) trains a live session.\n"
              "Prints the join URL and code, runs until SIGINT/SIGTERM or --duration, then\n"
              "saves the answers (--save-answers) and prints the counts and the metrics.\n"
              "The training options (--answer-steps, --objective, ...) are the usual ones.",
              FLAGS, F_COUNT);
}

int cmd_room(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("room", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        usage();
        return 0;
    }
    room_opts_t o;
    room_opts_defaults(&o);
    long port = 0, per_q = 1, timeout = o.timeout_s, personas = 0, max_ps = o.max_participants;
    double duration = -1, drain_s = 120, rate = o.rate_per_s;
    if ((rc = int_flag(&a, F_PORT, 0, 65535, &port)) || (rc = int_flag(&a, F_PER_Q, 1, 1000000, &per_q)) ||
        (rc = int_flag(&a, F_TIMEOUT, 1, 3600, &timeout)) || (rc = num_flag(&a, F_DURATION, 0, &duration)) ||
        (rc = num_flag(&a, F_DRAIN, 0, &drain_s)) || (rc = num_flag(&a, F_RATE, 0.001, &rate)) ||
        (rc = int_flag(&a, F_MAX_PARTICIPANTS, 1, 10000000, &max_ps)))
        return rc;
    if (a.present[F_PERSONAS]) {
        const char *v = a.values[F_PERSONAS];
        char *end;
        personas = strtol(v, &end, 10);
        if (strcmp(v, "own") == 0) {
            personas = ROOM_PERSONAS_OWN;
        } else if (end == v || *end || personas < 0 || personas > LIVE_ROOM_MAX_PERSONA + 1) {
            fprintf(stderr, "pbde room: --personas: '%s' is neither a count K (0 to %d) nor own\n", v,
                    LIVE_ROOM_MAX_PERSONA + 1);
            return EXIT_USAGE;
        }
    }
    if (a.present[F_CODE] && !room_code_valid(a.values[F_CODE])) {
        fprintf(stderr, "pbde room: --code: '%s' is not 4 to 6 letters or digits\n", a.values[F_CODE]);
        return EXIT_USAGE;
    }
    o.addr = a.present[F_ADDR] ? a.values[F_ADDR] : "127.0.0.1";
    o.port = (int)port;
    o.personas = (int)personas;
    o.answers_per_question = (int)per_q;
    o.code = a.present[F_CODE] ? a.values[F_CODE] : NULL;
    o.timeout_s = (int)timeout;
    o.rate_per_s = rate;
    o.max_participants = (int)max_ps;
    cli_room_fd_limit(&o);

    const kernels_t *k = cli_kernels();
    if (!k) return EXIT_USAGE;
    const params_t *p = &a.params;
    grid_t g;
    double *lp[DENSITY_MAX_COMPONENTS] = { 0 };
    int K = component_grids(p, &g, lp);
    if (K < 0) return EXIT_USAGE;
    live_t *l = NULL;
    room_t *r = NULL;
    live_snapshot_t s;
    memset(&s, 0, sizeof s);
    rc = 1;
    if (a.present[F_PERSONA_GRID] && write_persona_grid(a.values[F_PERSONA_GRID], &g, lp, K) != 0)
        goto done;
    char err[512];
    l = live_create(p, k, 0, err, sizeof err);
    if (!l) {
        fprintf(stderr, "pbde room: %s\n", err);
        rc = EXIT_USAGE;
        goto done;
    }
    r = room_start(l, &o, err, sizeof err);
    if (!r) {
        fprintf(stderr, "pbde room: %s\n", err);
        rc = EXIT_USAGE;
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    char host[64];
    cli_room_join_host(o.addr, host, sizeof host);
    char url[160];
    room_join_url(r, host, url, sizeof url);
    printf("url: %s\ncode: %s\nport: %d\n", url, room_code(r), room_port(r));
    fflush(stdout);

    double t0 = now_s();
    while (!stop_asked && (duration < 0 || now_s() - t0 < duration)) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    room_stats_t st;
    room_stats(r, &st);
    room_stop(r); /* no answer comes after the counts */
    r = NULL;
    int drained = drain(l, &s, drain_s);
    if (!drained)
        fprintf(stderr, "pbde room: the answers were not all trained within --drain %g s: "
                        "the metrics are those of the model so far\n", drain_s);
    rc = 0;
    if (a.present[F_SAVE] && live_save_answers(l, a.values[F_SAVE], err, sizeof err) != 0) {
        fprintf(stderr, "pbde room: --save-answers: cannot write '%s': %s\n", a.values[F_SAVE], err);
        rc = 1;
    }
    printf("{\"participants\":%ld,\"answers\":%ld,\"abstained\":%ld,\"rejected\":%ld,"
           "\"session_answers\":%ld,\"questions\":%ld,\"trained\":%ld,\"drained\":%s,\"step\":%ld,",
           st.participants, st.answers, st.abstained, st.rejected, s.n_answers, s.asked, s.trained,
           drained ? "true" : "false", s.step);
    printf("\"kl_true_model\":");
    cli_json_num(stdout, s.metrics.kl_true);
    printf(",\"tv_true_model\":");
    cli_json_num(stdout, s.metrics.tv_true);
    printf(",\"accuracy_heldout\":");
    cli_json_num(stdout, s.metrics.accuracy);
    printf(",\"loss_heldout\":");
    cli_json_num(stdout, s.metrics.loss_heldout);
    printf(",\"answer_ms_p50\":");
    cli_json_num(stdout, st.answer_ms_p50);
    printf(",\"answer_ms_p99\":");
    cli_json_num(stdout, st.answer_ms_p99);
    printf(",\"answer_ms_max\":");
    cli_json_num(stdout, st.answer_ms_max);
    /* how near the room's model is to each persona's density */
    printf(",\"kl_component_model\":[");
    for (int c = 0; c < K; c++) {
        if (c) printf(",");
        double kl = s.log_model && s.n == g.n ? grid_kl(lp[c], s.log_model, g.n, g.cell * g.cell) : (double)NAN;
        cli_json_num(stdout, kl);
    }
    printf("]}\n");
    fflush(stdout);
done:
    room_stop(r);
    if (l) live_destroy(l);
    live_snapshot_free(&s);
    for (int c = 0; c < DENSITY_MAX_COMPONENTS; c++) free(lp[c]);
    grid_free(&g);
    return rc;
}
