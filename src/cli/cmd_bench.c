/* pbde bench: the core's peak single-precision multiply-add rate, measured
   in-process, then the throughput of grid evaluation and of training steps
   for the default network and a larger one, each the median of several
   repetitions with its spread, as a fraction of that peak; SIMD against
   the scalar reference, one thread against two. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pbde/grid.h"
#include "pbde/mlp.h"
#include "pbde/trainer.h"

enum { F_JSON, F_REPS, F_REP_TIME, F_CPU_TIME, F_COUNT };
static const cli_flag_t FLAGS[F_COUNT] = {
    { "json", 0, "print one JSON object with every measurement" },
    { "reps", 1, "repetitions of each measurement (1 to 101; default 5)" },
    { "rep-time", 1, "seconds one repetition runs, at least (0.01 to 10; default 0.2)" },
    { "cpu-time", 0, "time one-thread work by its CPU time (for busy machines; see below)" },
};

static const char SUMMARY[] =
    "Measures the peak single-precision multiply-add rate of one core (a loop of\n"
    "independent multiply-adds on registers), then, for the network of --width and\n"
    "--depth (default 64 x 3) and a 128 x 4 one: evaluation of the network on the\n"
    "--grid x --grid cell centres and training steps of the scenario (--batch pairs\n"
    "each), with the fastest kernels on one and two threads and with the scalar\n"
    "reference on one. Each rate is the median of --reps repetitions, with [min, max].\n"
    "\n"
    "FLOPs are counted from the network's shape, not from the instructions run:\n"
    "one multiply-add is 2 FLOPs; a point's forward pass through a W-wide, D-deep\n"
    "network is 2 (2W + (D-1) W^2 + W) FLOPs (16.8 k for 64 x 3; biases, tanh and\n"
    "the loss are not counted); its backward pass is twice the forward; a trained\n"
    "pair is two points forward and backward, 6 forward passes (101 k for 64 x 3).\n"
    "% of peak divides GFLOP/s by the measured one-thread peak, or for two threads\n"
    "by twice it (the two-thread peak is shown, but a busy machine skews it).\n"
    "\n"
    "Rates are timed by the wall clock. On a machine busy with other programs the\n"
    "wall clock also counts the time they ran; --cpu-time then times the one-thread\n"
    "measurements by the CPU time of their thread instead, which estimates the\n"
    "rates of an idle machine (the two-thread ones stay on the wall clock, so their\n"
    "speed-ups are only meaningful on an idle machine).";

/* Points per block of a grid evaluation (the trainer's block size). */
#define GRID_BLOCK 256
/* The training benchmark restarts from the initial model after this many
   steps, so a long measurement never drifts far from the scenario. */
#define TRAIN_RESTART 3000

/* ---------------------------------------------------------------------- */
/* Repetitions and their statistics                                        */

typedef struct {
    double med, lo, hi; /* items per second: median, min, max */
} stat_t;

typedef struct {
    const kernels_t *fast, *scalar;
    int reps;
    double rep_s;
    int cpu_time;   /* time one-thread work by its thread's CPU time */
    stat_t peak[2]; /* FLOP/s, one and two threads */
    double load[2]; /* 1-minute load average before and after, or -1 */
} bench_t;

/* Work of n units split over nt threads: part tid of nt does its share and
   returns the items (FLOPs, points, pairs) it processed. */
typedef double (*part_fn)(void *ctx, int tid, int nt, long n);

typedef struct {
    part_fn fn;
    void *ctx;
    int tid, nt;
    long n;
    double items;
} job_t;

static void *job_main(void *arg)
{
    job_t *j = arg;
    j->items = j->fn(j->ctx, j->tid, j->nt, j->n);
    return NULL;
}

/* Runs fn on nt <= 2 threads (the caller is one of them); returns the
   items processed, or -1 when a part failed or a thread could not be
   started. */
static double run_parts(part_fn fn, void *ctx, int nt, long n)
{
    job_t jobs[2];
    pthread_t th[2];
    int started = 0, failed = 0;
    for (int i = 0; i < nt; i++) jobs[i] = (job_t){ fn, ctx, i, nt, n, 0.0 };
    for (int i = 1; i < nt; i++, started++)
        if (pthread_create(&th[i], NULL, job_main, &jobs[i]) != 0) break;
    job_main(&jobs[0]);
    double items = jobs[0].items;
    failed = items < 0;
    for (int i = 1; i <= started; i++) {
        pthread_join(th[i], NULL);
        items += jobs[i].items;
        failed |= jobs[i].items < 0;
    }
    return started == nt - 1 && !failed ? items : -1.0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds on the clock a measurement uses: the wall clock, or with cpu the
   CPU time of the calling thread. */
static double clock_now(int cpu)
{
    if (!cpu) return cli_now();
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Finds n so that one repetition takes about rep_s (doubling from 1, which
   also warms caches and clocks), then times reps repetitions of n units,
   fn split over nt threads; the work runs on `threads` threads in all
   (the trainer runs its own). One-thread work is timed by its CPU time
   when b->cpu_time is set, everything else by the wall clock. Returns 0,
   or -1 when the work failed. */
static int measure(const bench_t *b, part_fn fn, void *ctx, int nt, int threads, stat_t *st)
{
    const int cpu = b->cpu_time && threads == 1;
    long n = 1;
    for (;;) {
        const double t0 = clock_now(cpu);
        if (run_parts(fn, ctx, nt, n) < 0) return -1;
        const double dt = clock_now(cpu) - t0;
        if (dt >= 0.25 * b->rep_s || n > (1L << 40)) {
            const double want = (double)n * b->rep_s / (dt > 1e-9 ? dt : 1e-9);
            n = want < 1.0 ? 1 : (long)want;
            break;
        }
        n *= 2;
    }
    double rate[101];
    for (int r = 0; r < b->reps; r++) {
        const double t0 = clock_now(cpu);
        const double items = run_parts(fn, ctx, nt, n);
        const double dt = clock_now(cpu) - t0;
        if (items < 0) return -1;
        rate[r] = items / dt;
    }
    const int reps = b->reps;
    qsort(rate, (size_t)reps, sizeof rate[0], cmp_double);
    st->lo = rate[0];
    st->hi = rate[reps - 1];
    st->med = reps % 2 ? rate[reps / 2] : 0.5 * (rate[reps / 2 - 1] + rate[reps / 2]);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The three kinds of work                                                  */

/* Peak: each part runs n rounds of the kernels' multiply-add loop. */
typedef struct {
    const kernels_t *k;
    float sink[2];
} peak_ctx;

static double peak_part(void *ctx, int tid, int nt, long n)
{
    (void)nt;
    peak_ctx *c = ctx;
    return c->k->fma_loop(&c->sink[tid], 1000 * n);
}

/* Grid evaluation: n passes over the cell centres, split by rows between
   the threads, each with its own work area. */
typedef struct {
    const kernels_t *k;
    const float *params;
    const float *xy; /* (n_pts, 2) */
    size_t n_pts;
    mlp_work_t *work[2];
    float *out;      /* (n_pts) */
} grid_ctx;

static double grid_part(void *ctx, int tid, int nt, long n)
{
    grid_ctx *c = ctx;
    const size_t a = c->n_pts * (size_t)tid / (size_t)nt;
    const size_t b = c->n_pts * (size_t)(tid + 1) / (size_t)nt;
    for (long r = 0; r < n; r++)
        mlp_eval(c->k, c->work[tid], c->out + a, c->xy + 2 * a, c->params, b - a);
    return (double)n * (double)(b - a);
}

/* Training: n steps of the trainer (which runs its own threads). */
typedef struct {
    trainer_t *t;
    long batch;
} train_ctx;

static double train_part(void *ctx, int tid, int nt, long n)
{
    (void)tid;
    (void)nt;
    train_ctx *c = ctx;
    for (long i = 0; i < n; i++) {
        if (trainer_step_count(c->t) >= TRAIN_RESTART) trainer_reset_model(c->t);
        if (trainer_step(c->t, 1) != 0) return -1.0;
    }
    return (double)n * (double)c->batch;
}

/* ---------------------------------------------------------------------- */
/* One network shape                                                        */

typedef struct {
    const char *kernels;
    int threads;
    stat_t rate;   /* points or pairs per second */
    double gflops; /* at the median */
    double pct;    /* of the peak for this many threads */
} result_t;

typedef struct {
    mlp_shape_t shape;
    double flop_point, flop_pair; /* forward per point; per trained pair */
    int networks;                 /* networks per model (mixture: K) */
    result_t grid[3], train[3];   /* fast 1 thread, fast 2 threads, scalar 1 thread */
} net_result_t;

static double forward_flops(mlp_shape_t s)
{
    const double W = s.width, D = s.depth;
    return 2.0 * (2.0 * W + (D - 1.0) * W * W + W);
}

static void finish_result(result_t *r, const bench_t *b, const kernels_t *k, int nt,
                          double flop_item)
{
    r->kernels = k->name;
    r->threads = nt;
    r->gflops = r->rate.med * flop_item * 1e-9;
    /* two threads are measured against two cores' worth of the one-thread
       peak: a two-thread peak taken while other programs run can come out
       far below the machine's rate and would inflate the share */
    r->pct = 100.0 * r->rate.med * flop_item / (b->peak[0].med * nt);
}

static int bench_grid(const bench_t *b, const params_t *p, net_result_t *nr)
{
    grid_t g = { 0 };
    grid_ctx c = { 0 };
    int rc = -1;
    const size_t n_params = mlp_n_params(nr->shape);
    float *params = malloc(n_params * sizeof(float));
    if (!params || grid_init(&g, (int)p->grid, p->box) != 0) goto out;
    rng_t rng = rng_substream((uint64_t)p->seed, RNG_STREAM_INIT, 0);
    mlp_init(params, nr->shape, &rng, 0, p->box);
    c.params = params;
    c.xy = g.xy;
    c.n_pts = g.n;
    c.out = malloc(g.n * sizeof(float));
    c.work[0] = mlp_work_create(nr->shape, GRID_BLOCK);
    c.work[1] = mlp_work_create(nr->shape, GRID_BLOCK);
    if (!c.out || !c.work[0] || !c.work[1]) goto out;
    const kernels_t *ks[3] = { b->fast, b->fast, b->scalar };
    const int nts[3] = { 1, 2, 1 };
    for (int i = 0; i < 3; i++) {
        c.k = ks[i];
        if (measure(b, grid_part, &c, nts[i], nts[i], &nr->grid[i].rate) != 0) goto out;
        finish_result(&nr->grid[i], b, ks[i], nts[i], nr->flop_point);
    }
    rc = 0;
out:
    mlp_work_destroy(c.work[0]);
    mlp_work_destroy(c.work[1]);
    free(c.out);
    free(params);
    grid_free(&g);
    return rc;
}

static int bench_train(const bench_t *b, const params_t *p0, net_result_t *nr, char *err,
                       size_t errlen)
{
    const kernels_t *ks[3] = { b->fast, b->fast, b->scalar };
    const int nts[3] = { 1, 2, 1 };
    for (int i = 0; i < 3; i++) {
        params_t p = *p0;
        p.width = nr->shape.width;
        p.depth = nr->shape.depth;
        p.threads = nts[i];
        p.steps = 100000000; /* never done; the cosine schedule stays near lr */
        trainer_t *t = trainer_create(&p, ks[i], err, errlen);
        if (!t) return -1;
        nr->networks = trainer_world(t)->obj.K;
        train_ctx c = { t, p.batch };
        int rc = measure(b, train_part, &c, 1, nts[i], &nr->train[i].rate);
        trainer_destroy(t);
        if (rc != 0) {
            snprintf(err, errlen, "training diverged during the benchmark (try a smaller --lr)");
            return -1;
        }
        finish_result(&nr->train[i], b, ks[i], nts[i], nr->flop_pair * nr->networks);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                   */

/* v with an SI prefix, e.g. "  3.52M". */
static void print_si(FILE *f, double v)
{
    const char *unit = "";
    if (v >= 1e9) { v *= 1e-9; unit = "G"; }
    else if (v >= 1e6) { v *= 1e-6; unit = "M"; }
    else if (v >= 1e3) { v *= 1e-3; unit = "k"; }
    fprintf(f, "%6.3g%s", v, unit);
}

static void print_row(FILE *f, const char *what, const char *items, const result_t *r)
{
    fprintf(f, "  %-10s %-6s %d    ", what, r->kernels, r->threads);
    print_si(f, r->rate.med);
    fprintf(f, " %-6s [", items);
    print_si(f, r->rate.lo);
    fprintf(f, ", ");
    print_si(f, r->rate.hi);
    fprintf(f, "]  %7.2f  %5.1f%%\n", r->gflops, r->pct);
}

static void print_text(FILE *f, const bench_t *b, const net_result_t *nr, int n_nets)
{
    fprintf(f, "pbde bench: %s kernels, each rate the median of %d repetitions [min, max]%s\n",
            b->fast->name, b->reps,
            b->cpu_time ? ";\none-thread rates timed by CPU time, two-thread ones by the wall clock" : "");
    if (b->load[0] >= 0 && b->load[1] >= 0)
        fprintf(f, "load average %.2f before, %.2f after%s\n", b->load[0], b->load[1],
                b->load[0] > 0.5 || b->load[1] > 1.5
                    ? ": other programs were running, so rates are lower and spread wider"
                    : "");
    fprintf(f, "\n");
    fprintf(f, "peak multiply-add rate  1 thread  %7.2f GFLOP/s [%.2f, %.2f]\n",
            b->peak[0].med * 1e-9, b->peak[0].lo * 1e-9, b->peak[0].hi * 1e-9);
    fprintf(f, "                        2 threads %7.2f GFLOP/s [%.2f, %.2f]\n",
            b->peak[1].med * 1e-9, b->peak[1].lo * 1e-9, b->peak[1].hi * 1e-9);
    for (int i = 0; i < n_nets; i++) {
        const net_result_t *n = &nr[i];
        fprintf(f, "\nnetwork %d x %d: %.1f kFLOP per point forward, %.1f kFLOP per pair trained\n",
                n->shape.width, n->shape.depth, n->flop_point * 1e-3,
                n->flop_pair * n->networks * 1e-3);
        fprintf(f, "  %-10s %-6s %-4s %-14s %-18s %7s  %6s\n", "", "kernel", "thr", "per second",
                "[min, max]", "GFLOP/s", "% peak");
        for (int j = 0; j < 3; j++) print_row(f, j ? "" : "grid eval", "points", &n->grid[j]);
        for (int j = 0; j < 3; j++) print_row(f, j ? "" : "train step", "pairs", &n->train[j]);
        fprintf(f, "  %s over scalar: grid x%.1f, training x%.1f; two threads over one: "
                   "grid x%.2f, training x%.2f\n",
                b->fast->name, n->grid[0].rate.med / n->grid[2].rate.med,
                n->train[0].rate.med / n->train[2].rate.med,
                n->grid[1].rate.med / n->grid[0].rate.med,
                n->train[1].rate.med / n->train[0].rate.med);
    }
}

static void json_stat(FILE *f, const char *key, stat_t s, double scale)
{
    fprintf(f, "\"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}", key, s.med * scale,
            s.lo * scale, s.hi * scale);
}

static void json_result(FILE *f, const char *key, const result_t *r)
{
    fprintf(f, "\"%s\": {\"kernels\": \"%s\", \"threads\": %d, ", key, r->kernels, r->threads);
    json_stat(f, "per_s", r->rate, 1.0);
    fprintf(f, ", \"gflops\": %.6g, \"pct_peak\": %.4g}", r->gflops, r->pct);
}

static void print_json(FILE *f, const bench_t *b, const net_result_t *nr, int n_nets)
{
    fprintf(f, "{\"kernels\": \"%s\", \"reps\": %d, \"cpu_time\": %s, \"flop_model\": \"forward 2*(2W+(D-1)W^2+W) "
               "per point; backward 2x forward; pair = 2 points forward and backward\", ",
            b->fast->name, b->reps, b->cpu_time ? "true" : "false");
    if (b->load[0] >= 0 && b->load[1] >= 0)
        fprintf(f, "\"load_avg\": [%.2f, %.2f], ", b->load[0], b->load[1]);
    else
        fprintf(f, "\"load_avg\": null, ");
    json_stat(f, "peak_gflops", b->peak[0], 1e-9);
    fprintf(f, ", ");
    json_stat(f, "peak_gflops_2_threads", b->peak[1], 1e-9);
    fprintf(f, ", \"networks\": [");
    for (int i = 0; i < n_nets; i++) {
        const net_result_t *n = &nr[i];
        fprintf(f, "%s{\"width\": %d, \"depth\": %d, \"flop_per_point\": %.0f, "
                   "\"flop_per_pair\": %.0f, \"grid\": {",
                i ? ", " : "", n->shape.width, n->shape.depth, n->flop_point,
                n->flop_pair * n->networks);
        json_result(f, "fast", &n->grid[0]);
        fprintf(f, ", ");
        json_result(f, "fast_2_threads", &n->grid[1]);
        fprintf(f, ", ");
        json_result(f, "scalar", &n->grid[2]);
        fprintf(f, ", \"simd_speedup\": %.4g, \"thread_speedup\": %.4g}, \"train\": {",
                n->grid[0].rate.med / n->grid[2].rate.med,
                n->grid[1].rate.med / n->grid[0].rate.med);
        json_result(f, "fast", &n->train[0]);
        fprintf(f, ", ");
        json_result(f, "fast_2_threads", &n->train[1]);
        fprintf(f, ", ");
        json_result(f, "scalar", &n->train[2]);
        fprintf(f, ", \"simd_speedup\": %.4g, \"thread_speedup\": %.4g}}",
                n->train[0].rate.med / n->train[2].rate.med,
                n->train[1].rate.med / n->train[0].rate.med);
    }
    fprintf(f, "]}\n");
}

/* ---------------------------------------------------------------------- */
/* The command                                                              */

/* The 1-minute load average from /proc/loadavg (Linux), or -1 elsewhere. */
static double load_average(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double v = -1.0;
    if (!f) return v;
    if (fscanf(f, "%lf", &v) != 1) v = -1.0;
    fclose(f);
    return v;
}

/* Parses a flag's number in [lo, hi] into *v; prints and returns
   EXIT_USAGE when it is not one. */
static int flag_number(const char *name, const char *s, double lo, double hi, double *v)
{
    char *end;
    const double x = strtod(s, &end);
    if (end == s || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "pbde bench: --%s: '%s' is not allowed: expected a number from %g to %g\n",
                name, s, lo, hi);
        return EXIT_USAGE;
    }
    *v = x;
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    cli_args_t a;
    int rc = cli_parse("bench", argc, argv, 2, FLAGS, F_COUNT, &a);
    if (rc) return rc;
    if (a.help) {
        cli_usage(stdout, "bench", SUMMARY, FLAGS, F_COUNT);
        return 0;
    }
    double reps = 5, rep_s = 0.2;
    if (a.present[F_REPS] && flag_number("reps", a.values[F_REPS], 1, 101, &reps)) return EXIT_USAGE;
    if (reps != floor(reps)) {
        fprintf(stderr, "pbde bench: --reps: '%s' is not allowed: expected a whole number\n",
                a.values[F_REPS]);
        return EXIT_USAGE;
    }
    if (a.present[F_REP_TIME] && flag_number("rep-time", a.values[F_REP_TIME], 0.01, 10, &rep_s))
        return EXIT_USAGE;
    bench_t b = { cli_kernels(), kernels_scalar(), (int)reps, rep_s, a.present[F_CPU_TIME],
                  { { 0, 0, 0 }, { 0, 0, 0 } }, { -1.0, -1.0 } };
    if (!b.fast) return EXIT_USAGE;
    b.load[0] = load_average();

    peak_ctx pc = { b.fast, { 0 } };
    for (int nt = 1; nt <= 2; nt++)
        if (measure(&b, peak_part, &pc, nt, nt, &b.peak[nt - 1]) != 0) {
            fprintf(stderr, "pbde bench: cannot start a second thread\n");
            return 1;
        }

    const params_t *p = &a.params;
    net_result_t nr[2];
    const mlp_shape_t shapes[2] = { { (int)p->width, (int)p->depth }, { 128, 4 } };
    const int n_nets = shapes[0].width == 128 && shapes[0].depth == 4 ? 1 : 2;
    for (int i = 0; i < n_nets; i++) {
        char err[512];
        memset(&nr[i], 0, sizeof nr[i]);
        nr[i].shape = shapes[i];
        nr[i].flop_point = forward_flops(shapes[i]);
        nr[i].flop_pair = 6.0 * nr[i].flop_point;
        nr[i].networks = 1;
        if (bench_grid(&b, p, &nr[i]) != 0) {
            fprintf(stderr, "pbde bench: out of memory or no second thread (grid evaluation)\n");
            return 1;
        }
        if (bench_train(&b, p, &nr[i], err, sizeof err) != 0) {
            fprintf(stderr, "pbde bench: %s\n", err);
            return 1;
        }
    }
    b.load[1] = load_average();
    if (a.present[F_JSON]) print_json(stdout, &b, nr, n_nets);
    else print_text(stdout, &b, nr, n_nets);
    return 0;
}
