/* pbde bench: the core's peak single-precision multiply-add rate with the
   widest vectors the CPU offers, measured in-process (and the AVX2 peak
   where that differs), whether the wide code lowers the clock, every
   kernel alone, then the throughput of grid evaluation and of training
   steps for the default network and a larger one, each the median of
   several repetitions with its spread, as a fraction of that peak; SIMD
   against the scalar reference, one thread against two. */
#include <math.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pbde/grid.h"
#include "pbde/mlp.h"
#include "pbde/overopt.h"
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
    "independent multiply-adds on registers) with the widest vectors this CPU offers\n"
    "(AVX-512 where cpuid reports it, else AVX2+FMA, NEON on AArch64), and the AVX2\n"
    "peak too where that differs; the clock, as the rate of a chain of dependent\n"
    "integer additions (one per cycle) run alone and right after bursts of each\n"
    "set's multiply-adds, to see whether wide vectors lower it; each kernel alone on\n"
    "one --width x --width layer of 256 points, for every SIMD set this CPU runs\n"
    "(tanh counted as 19 FLOPs per value: its rational's 8 multiply-adds, two\n"
    "multiplies and a division; Adam as 14 per parameter); then, for the network of --width and\n"
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
    "% of peak divides GFLOP/s by the measured one-thread peak of the widest\n"
    "vectors, whatever kernels run (PBDE_KERNELS=avx2 on an AVX-512 machine is\n"
    "measured against the AVX-512 peak, with its share of the AVX2 peak beside\n"
    "it), or for two threads by twice it (the two-thread peak is shown, but a busy\n"
    "machine skews it).\n"
    "\n"
    "Then the explorers' over-optimisation refresh (overopt_refresh: the sweep of\n"
    "--points policies of RL and of best-of-n on the model's implicit reward and the\n"
    "policy at the gold peak) on the scenario's grid, for the model after 200 steps:\n"
    "its time per call and that time's share of one second (what one refresh a\n"
    "second costs the training when both share a core), and the gold table it\n"
    "needs once per world.\n"
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
    const kernels_t *wide; /* the widest set, whose loop measures the peak */
    const kernels_t *avx2; /* the AVX2 set when it is not the widest, else NULL */
    int reps;
    double rep_s;
    int cpu_time;   /* time one-thread work by its thread's CPU time */
    stat_t peak[2]; /* FLOP/s of the widest set, one and two threads */
    stat_t peak_avx2; /* FLOP/s of the AVX2 set, one thread (when avx2 is set) */
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
    if (!cpu) return pbde_now();
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

/* Each kernel alone on one W x W layer of P points: n calls, returning the
   FLOPs counted for them (2 per multiply-add of the product; tanh and Adam
   by the operations of their formulas, see SUMMARY). */
enum { KB_FWD, KB_BWD_DATA, KB_BWD_WEIGHT, KB_TANH, KB_ADAM, KB_FMA, KB_COUNT };
static const char *const KB_NAMES[KB_COUNT] = {
    "dense_fwd+tanh", "dense_bwd_data", "dense_bwd_weight", "tanh", "adam", "fma_loop",
};
#define TANH_FLOPS 19.0
#define ADAM_FLOPS 14.0

typedef struct {
    const kernels_t *k;
    int kind;
    int W, P, ld;
    float *buf;                     /* the one allocation holding the arrays below */
    float *in, *out, *h;            /* (W, ld) each */
    float *w, *b, *dw, *db;         /* (W, W), (W), (W, W), (W) */
    float *p, *m, *v, *g;           /* (n_params) each, Adam's */
    size_t n_params;
    float sink;
} kern_ctx;

static double kern_part(void *ctx, int tid, int nt, long n)
{
    (void)tid;
    (void)nt;
    kern_ctx *c = ctx;
    const kernels_t *k = c->k;
    const double prod = 2.0 * c->W * c->W * c->P;
    switch (c->kind) {
    case KB_FWD:
        for (long i = 0; i < n; i++) k->dense_fwd(c->out, c->in, c->w, c->b, c->W, c->W, c->P, c->ld, 1);
        return prod * (double)n;
    case KB_BWD_DATA:
        for (long i = 0; i < n; i++) k->dense_bwd_data(c->out, c->in, c->w, c->h, c->W, c->W, c->P, c->ld);
        return prod * (double)n;
    case KB_BWD_WEIGHT:
        for (long i = 0; i < n; i++) k->dense_bwd_weight(c->dw, c->db, c->in, c->h, c->W, c->W, c->P, c->ld);
        return prod * (double)n;
    case KB_TANH:
        for (long i = 0; i < n; i++) k->tanh_vec(c->out, c->in, (size_t)c->W * (size_t)c->ld);
        return TANH_FLOPS * (double)c->W * (double)c->ld * (double)n;
    case KB_ADAM:
        for (long i = 0; i < n; i++)
            k->adam(c->p, c->m, c->v, c->g, c->n_params, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.5f, 0.5f);
        return ADAM_FLOPS * (double)c->n_params * (double)n;
    default:
        return k->fma_loop(&c->sink, 1000 * n);
    }
}

typedef struct {
    const char *kernels;
    stat_t rate;   /* FLOP/s */
    double pct;    /* of the widest one-thread peak */
    double pct_avx2; /* of the AVX2 peak, or -1 when it was not measured apart */
} kern_result_t;

/* Every SIMD set this CPU runs (at most KERNELS_MAX - 1), the widest first. */
typedef struct {
    int W, P;
    size_t n_params;
    int n_sets;
    kern_result_t r[KERNELS_MAX - 1][KB_COUNT];
} kern_table_t;

static int bench_kernels(const bench_t *b, mlp_shape_t shape, kern_table_t *kt)
{
    kern_ctx c = { 0 };
    c.W = shape.width;
    c.P = GRID_BLOCK;
    c.ld = (int)kernels_stride(GRID_BLOCK); /* as the network's work areas */
    c.n_params = mlp_n_params(shape);
    const size_t wl = (size_t)c.W * (size_t)c.ld, ww = (size_t)c.W * (size_t)c.W;
    const size_t wb = ((size_t)c.W + KERNELS_ALIGN - 1) / KERNELS_ALIGN * KERNELS_ALIGN;
    const size_t np = (c.n_params + KERNELS_ALIGN - 1) / KERNELS_ALIGN * KERNELS_ALIGN;
    const size_t n = 3 * wl + 2 * ww + 2 * wb + 4 * np;
    if (!(c.buf = aligned_alloc(KERNELS_ALIGN_BYTES, n * sizeof(float)))) return -1;
    float *q = c.buf;
    c.in = q, q += wl;
    c.out = q, q += wl;
    c.h = q, q += wl;
    c.w = q, q += ww;
    c.dw = q, q += ww;
    c.b = q, q += wb;
    c.db = q, q += wb;
    c.p = q, q += np;
    c.m = q, q += np;
    c.v = q, q += np;
    c.g = q;
    rng_t rng = rng_substream(1, RNG_STREAM_INIT, 7);
    for (size_t j = 0; j < n; j++) c.buf[j] = (float)(2.0 * rng_uniform(&rng) - 1.0);
    const float scale = 1.0f / sqrtf((float)c.W);
    for (size_t j = 0; j < ww; j++) c.w[j] *= scale;
    for (size_t j = 0; j < np; j++) c.v[j] = c.v[j] * c.v[j]; /* Adam's v >= 0 */
    kt->W = c.W;
    kt->P = c.P;
    kt->n_params = c.n_params;
    const kernels_t *sets[KERNELS_MAX];
    kt->n_sets = kernels_available(sets) - 1; /* all but the scalar reference, last */
    bench_t quick = *b;
    quick.rep_s = 0.5 * b->rep_s;
    int rc = 0;
    for (int s = 0; s < kt->n_sets && !rc; s++)
        for (int kind = 0; kind < KB_COUNT && !rc; kind++) {
            kern_result_t *r = &kt->r[s][kind];
            c.k = sets[s];
            c.kind = kind;
            r->kernels = sets[s]->name;
            rc = measure(&quick, kern_part, &c, 1, 1, &r->rate);
            r->pct = 100.0 * r->rate.med / b->peak[0].med;
            r->pct_avx2 = b->avx2 ? 100.0 * r->rate.med / b->peak_avx2.med : -1.0;
        }
    free(c.buf);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The clock                                                                */

/* Runs 8 n dependent integer additions and returns their count, which is
   also the cycles they take: an addition's result is ready the next cycle
   on every x86-64 and AArch64 core, and nothing else is on the chain's
   critical path. Returns -1 on other targets. */
static double add_chain(long n)
{
#if (defined(__x86_64__) || defined(__aarch64__)) && (defined(__GNUC__) || defined(__clang__))
    uint64_t x = 0;
    const uint64_t one = 1;
    for (long i = 0; i < n; i++) {
#if defined(__x86_64__)
#define ADD1 "add %1, %0\n\t"
#else
#define ADD1 "add %0, %0, %1\n\t"
#endif
        __asm__ volatile(ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 : "+r"(x) : "r"(one));
#undef ADD1
    }
    return x == (uint64_t)8 * (uint64_t)n ? 8.0 * (double)n : -1.0;
#else
    (void)n;
    return -1.0;
#endif
}

typedef struct {
    const char *after; /* "" alone, else the set whose multiply-adds ran before */
    stat_t ghz;
} clock_result_t;

/* The clock in GHz, as the rate of the add chain: bursts rounds of about
   20 ms of k's multiply-add loop (none when k is NULL), each followed at
   once by about 2 ms of the chain, whose cycles over its time give the
   clock the core ran at just after the burst (a core that lowers its clock
   for wide vectors keeps it lowered for a while after them). Returns -1
   on targets without the chain. */
static double clock_once(const bench_t *b, const kernels_t *k, double k_rate, long chain_n,
                         int bursts)
{
    const int cpu = b->cpu_time;
    double cycles = 0.0, secs = 0.0;
    long rounds = 0;
    if (k) {
        float s;
        const double per_round = k->fma_loop(&s, 1);
        rounds = (long)(0.02 * k_rate / per_round) + 1;
    }
    for (int i = 0; i < bursts; i++) {
        float s;
        if (k) k->fma_loop(&s, rounds);
        const double t0 = clock_now(cpu);
        const double c = add_chain(chain_n);
        const double dt = clock_now(cpu) - t0;
        if (c < 0) return -1.0;
        cycles += c;
        secs += dt;
    }
    return secs > 0 ? 1e-9 * cycles / secs : -1.0;
}

static int bench_clock(const bench_t *b, clock_result_t cr[3], int *n_cr)
{
    /* the chain's length for about 2 ms */
    const double t0 = clock_now(b->cpu_time);
    if (add_chain(100000) < 0) return -1;
    const double dt = clock_now(b->cpu_time) - t0;
    const long chain_n = (long)(100000.0 * 0.002 / (dt > 1e-7 ? dt : 1e-7)) + 1;
    const kernels_t *ks[3] = { NULL, b->wide, b->avx2 };
    const double rates[3] = { 0.0, b->peak[0].med, b->avx2 ? b->peak_avx2.med : 0.0 };
    *n_cr = b->avx2 ? 3 : 2;
    for (int i = 0; i < *n_cr; i++) {
        double g[101];
        for (int r = 0; r < b->reps; r++) {
            g[r] = clock_once(b, ks[i], rates[i], chain_n, 10);
            if (g[r] < 0) return -1;
        }
        qsort(g, (size_t)b->reps, sizeof g[0], cmp_double);
        cr[i].after = ks[i] ? ks[i]->name : "";
        cr[i].ghz.lo = g[0];
        cr[i].ghz.hi = g[b->reps - 1];
        cr[i].ghz.med = b->reps % 2 ? g[b->reps / 2] : 0.5 * (g[b->reps / 2 - 1] + g[b->reps / 2]);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* One network shape                                                        */

typedef struct {
    const char *kernels;
    int threads;
    stat_t rate;   /* points or pairs per second */
    double gflops; /* at the median */
    double pct;    /* of the peak for this many threads */
    double pct_avx2; /* of the AVX2 peak as pct, or -1 when not measured apart */
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
    r->pct_avx2 = b->avx2 ? 100.0 * r->rate.med * flop_item / (b->peak_avx2.med * nt) : -1.0;
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
/* The over-optimisation refresh                                           */

typedef struct {
    int grid, points;
    stat_t refresh[OVEROPT_METHOD_COUNT]; /* calls per second */
    stat_t gold;                          /* gold tables per second */
} overopt_result_t;

typedef struct {
    overopt_t *o;
    overopt_gold_t *g;
    const world_t *w;
    const double *log_model; /* (n) */
    overopt_sweep_t s;
    overopt_curve_t c;
    double *log_pi;          /* (n) */
    int failed;
} refresh_ctx;

static double refresh_part(void *ctx, int tid, int nt, long n)
{
    (void)tid;
    (void)nt;
    refresh_ctx *c = ctx;
    for (long i = 0; i < n; i++)
        if (overopt_refresh(c->o, c->g, &c->w->obj, c->log_model, c->w->log_ref, c->w->cell_area,
                            &c->s, -1, &c->c, c->log_pi) != 0)
            return -1.0;
    return (double)n;
}

static double gold_part(void *ctx, int tid, int nt, long n)
{
    (void)tid;
    (void)nt;
    refresh_ctx *c = ctx;
    for (long i = 0; i < n; i++) {
        overopt_gold_t g;
        if (overopt_gold_init_world(&g, c->w) != 0) return -1.0;
        overopt_gold_free(&g);
    }
    return (double)n;
}

static int bench_overopt(const bench_t *b, const params_t *p0, overopt_result_t *r, char *err,
                         size_t errlen)
{
    params_t p = *p0;
    p.threads = 1;
    trainer_t *t = trainer_create(&p, b->fast, err, errlen);
    if (!t) return -1;
    const world_t *w = trainer_world(t);
    size_t n = w->grid.n;
    refresh_ctx c;
    memset(&c, 0, sizeof c);
    overopt_gold_t g;
    int rc = -1, have_gold = 0;
    double *lm = malloc(n * sizeof *lm), *lp = malloc(n * sizeof *lp);
    c.o = overopt_create(n);
    if (!lm || !lp || !c.o || overopt_gold_init_world(&g, w) != 0) {
        snprintf(err, errlen, "out of memory (over-optimisation refresh)");
        goto out;
    }
    have_gold = 1;
    trainer_step(t, 200);
    trainer_model_grid(t, lm, NULL);
    c.g = &g;
    c.w = w;
    c.log_model = lm;
    c.log_pi = lp;
    overopt_sweep_defaults(&c.s);
    r->grid = w->grid.G;
    r->points = c.s.points;
    for (int m = 0; m < OVEROPT_METHOD_COUNT; m++) {
        c.s.method = m;
        if (measure(b, refresh_part, &c, 1, 1, &r->refresh[m]) != 0) {
            snprintf(err, errlen, "the over-optimisation refresh failed");
            goto out;
        }
    }
    if (measure(b, gold_part, &c, 1, 1, &r->gold) != 0) {
        snprintf(err, errlen, "out of memory (gold table)");
        goto out;
    }
    rc = 0;
out:
    if (have_gold) overopt_gold_free(&g);
    overopt_destroy(c.o);
    free(lm);
    free(lp);
    trainer_destroy(t);
    return rc;
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
    fprintf(f, "]  %7.2f  %5.1f%%", r->gflops, r->pct);
    if (r->pct_avx2 >= 0) fprintf(f, "  %5.1f%%", r->pct_avx2);
    fprintf(f, "\n");
}

/* Seconds per call at the median rate, and the [min, max] of it. */
static void print_overopt(FILE *f, const overopt_result_t *o)
{
    fprintf(f, "\nover-optimisation on the %d x %d grid (%d policies per sweep, model after 200 steps)\n",
            o->grid, o->grid, o->points);
    fprintf(f, "  %-26s %10s  %-20s %s\n", "", "ms/call", "[min, max]", "share of a second");
    for (int m = 0; m < OVEROPT_METHOD_COUNT; m++) {
        char what[64];
        snprintf(what, sizeof what, "overopt refresh (%s)", overopt_method_name(m));
        const stat_t *s = &o->refresh[m];
        fprintf(f, "  %-26s %10.2f  [%.2f, %.2f]   %10.1f%%\n", what, 1e3 / s->med, 1e3 / s->hi,
                1e3 / s->lo, 100.0 / s->med);
    }
    fprintf(f, "  %-26s %10.1f  [%.1f, %.1f]   (once per world)\n", "overopt gold table",
            1e3 / o->gold.med, 1e3 / o->gold.hi, 1e3 / o->gold.lo);
}

static void print_text(FILE *f, const bench_t *b, const kern_table_t *kt,
                       const clock_result_t *cr, int n_cr, const net_result_t *nr, int n_nets,
                       const overopt_result_t *oo)
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
    fprintf(f, "peak multiply-add rate, %s (the widest vectors here)\n", b->wide->name);
    fprintf(f, "                        1 thread  %7.2f GFLOP/s [%.2f, %.2f]\n",
            b->peak[0].med * 1e-9, b->peak[0].lo * 1e-9, b->peak[0].hi * 1e-9);
    fprintf(f, "                        2 threads %7.2f GFLOP/s [%.2f, %.2f]\n",
            b->peak[1].med * 1e-9, b->peak[1].lo * 1e-9, b->peak[1].hi * 1e-9);
    if (b->avx2)
        fprintf(f, "peak multiply-add rate, avx2\n"
                   "                        1 thread  %7.2f GFLOP/s [%.2f, %.2f], %.1f%% of the %s peak\n",
                b->peak_avx2.med * 1e-9, b->peak_avx2.lo * 1e-9, b->peak_avx2.hi * 1e-9,
                100.0 * b->peak_avx2.med / b->peak[0].med, b->wide->name);
    if (n_cr > 0) {
        fprintf(f, "\nclock, by a chain of dependent additions (one per cycle):\n");
        for (int i = 0; i < n_cr; i++) {
            const double ghz = cr[i].ghz.med;
            fprintf(f, "  %-30s %5.2f GHz [%.2f, %.2f]", i ? "" : "alone", ghz, cr[i].ghz.lo,
                    cr[i].ghz.hi);
            if (i) fprintf(f, "  right after %s multiply-adds: %+.1f%%", cr[i].after,
                           100.0 * (ghz / cr[0].ghz.med - 1.0));
            fprintf(f, "\n");
        }
        fprintf(f, "  peak per cycle at the clock measured alone: %s %.1f FLOP", b->wide->name,
                b->peak[0].med * 1e-9 / cr[0].ghz.med);
        if (b->avx2) fprintf(f, ", avx2 %.1f FLOP", b->peak_avx2.med * 1e-9 / cr[0].ghz.med);
        fprintf(f, "\n");
    }
    fprintf(f, "\nkernels alone: one %d x %d layer of %d points (tanh over %d x %d values, "
               "Adam over %zu parameters)\n",
            kt->W, kt->W, kt->P, kt->W, kt->P, kt->n_params);
    fprintf(f, "  %-18s %-6s %7s  %-17s %6s%s\n", "kernel", "set", "GFLOP/s", "[min, max]",
            "% peak", b->avx2 ? "  % avx2 peak" : "");
    for (int s = 0; s < kt->n_sets; s++)
        for (int k = 0; k < KB_COUNT; k++) {
            const kern_result_t *r = &kt->r[s][k];
            fprintf(f, "  %-18s %-6s %7.2f  [%6.2f, %6.2f]  %5.1f%%", KB_NAMES[k], r->kernels,
                    r->rate.med * 1e-9, r->rate.lo * 1e-9, r->rate.hi * 1e-9, r->pct);
            if (r->pct_avx2 >= 0) fprintf(f, "  %5.1f%%", r->pct_avx2);
            fprintf(f, "\n");
        }
    for (int i = 0; i < n_nets; i++) {
        const net_result_t *n = &nr[i];
        fprintf(f, "\nnetwork %d x %d: %.1f kFLOP per point forward, %.1f kFLOP per pair trained\n",
                n->shape.width, n->shape.depth, n->flop_point * 1e-3,
                n->flop_pair * n->networks * 1e-3);
        fprintf(f, "  %-10s %-6s %-4s %-14s %-18s %7s  %6s%s\n", "", "kernel", "thr", "per second",
                "[min, max]", "GFLOP/s", "% peak", b->avx2 ? "  % avx2" : "");
        for (int j = 0; j < 3; j++) print_row(f, j ? "" : "grid eval", "points", &n->grid[j]);
        for (int j = 0; j < 3; j++) print_row(f, j ? "" : "train step", "pairs", &n->train[j]);
        fprintf(f, "  %s over scalar: grid x%.1f, training x%.1f; two threads over one: "
                   "grid x%.2f, training x%.2f\n",
                b->fast->name, n->grid[0].rate.med / n->grid[2].rate.med,
                n->train[0].rate.med / n->train[2].rate.med,
                n->grid[1].rate.med / n->grid[0].rate.med,
                n->train[1].rate.med / n->train[0].rate.med);
    }
    print_overopt(f, oo);
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
    fprintf(f, ", \"gflops\": %.6g, \"pct_peak\": %.4g", r->gflops, r->pct);
    if (r->pct_avx2 >= 0) fprintf(f, ", \"pct_avx2_peak\": %.4g", r->pct_avx2);
    fprintf(f, "}");
}

static void print_json(FILE *f, const bench_t *b, const kern_table_t *kt,
                       const clock_result_t *cr, int n_cr, const net_result_t *nr, int n_nets,
                       const overopt_result_t *oo)
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
    fprintf(f, ", \"peak_kernels\": \"%s\", ", b->wide->name);
    if (b->avx2) json_stat(f, "peak_avx2_gflops", b->peak_avx2, 1e-9);
    else fprintf(f, "\"peak_avx2_gflops\": null");
    fprintf(f, ", \"clock_ghz\": {");
    for (int i = 0; i < n_cr; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s%s", i ? "after_" : "alone", cr[i].after);
        if (i) fprintf(f, ", ");
        json_stat(f, key, cr[i].ghz, 1.0);
    }
    fprintf(f, "}, \"kernels_alone\": {\"width\": %d, \"points\": %d, \"adam_params\": %zu, "
               "\"rows\": [", kt->W, kt->P, kt->n_params);
    for (int s = 0; s < kt->n_sets; s++)
        for (int k = 0; k < KB_COUNT; k++) {
            const kern_result_t *r = &kt->r[s][k];
            fprintf(f, "%s{\"kernel\": \"%s\", \"kernels\": \"%s\", ", s || k ? ", " : "",
                    KB_NAMES[k], r->kernels);
            json_stat(f, "gflops", r->rate, 1e-9);
            fprintf(f, ", \"pct_peak\": %.4g", r->pct);
            if (r->pct_avx2 >= 0) fprintf(f, ", \"pct_avx2_peak\": %.4g", r->pct_avx2);
            fprintf(f, "}");
        }
    fprintf(f, "]}, \"networks\": [");
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
    fprintf(f, "], \"overopt\": {\"grid\": %d, \"points\": %d", oo->grid, oo->points);
    for (int m = 0; m < OVEROPT_METHOD_COUNT; m++)
        fprintf(f, ", \"refresh_%s\": {\"ms_per_call\": %.4g, \"min_ms\": %.4g, \"max_ms\": %.4g, "
                   "\"share_of_second\": %.4g}",
                overopt_method_name(m), 1e3 / oo->refresh[m].med, 1e3 / oo->refresh[m].hi,
                1e3 / oo->refresh[m].lo, 1.0 / oo->refresh[m].med);
    fprintf(f, ", \"gold_table_ms\": %.4g}}\n", 1e3 / oo->gold.med);
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
    bench_t b = { 0 };
    b.fast = cli_kernels();
    if (!b.fast) return EXIT_USAGE;
    b.scalar = kernels_scalar();
    b.wide = kernels_select(NULL);
    b.avx2 = kernels_avx2() != b.wide ? kernels_avx2() : NULL;
    b.reps = (int)reps;
    b.rep_s = rep_s;
    b.cpu_time = a.present[F_CPU_TIME];
    b.load[0] = load_average();

    peak_ctx pc = { b.wide, { 0 } };
    for (int nt = 1; nt <= 2; nt++)
        if (measure(&b, peak_part, &pc, nt, nt, &b.peak[nt - 1]) != 0) {
            fprintf(stderr, "pbde bench: cannot start a second thread\n");
            return 1;
        }
    if (b.avx2) {
        pc.k = b.avx2;
        if (measure(&b, peak_part, &pc, 1, 1, &b.peak_avx2) != 0) return 1;
    }
    clock_result_t cr[3];
    int n_cr = 0;
    if (bench_clock(&b, cr, &n_cr) != 0) n_cr = 0; /* no add chain on this target */

    const params_t *p = &a.params;
    kern_table_t kt;
    memset(&kt, 0, sizeof kt);
    if (bench_kernels(&b, (mlp_shape_t){ (int)p->width, (int)p->depth }, &kt) != 0) {
        fprintf(stderr, "pbde bench: out of memory (kernels alone)\n");
        return 1;
    }
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
    overopt_result_t oo;
    memset(&oo, 0, sizeof oo);
    char oerr[512];
    if (bench_overopt(&b, p, &oo, oerr, sizeof oerr) != 0) {
        fprintf(stderr, "pbde bench: %s\n", oerr);
        return 1;
    }
    b.load[1] = load_average();
    if (a.present[F_JSON]) print_json(stdout, &b, &kt, cr, n_cr, nr, n_nets, &oo);
    else print_text(stdout, &b, &kt, cr, n_cr, nr, n_nets, &oo);
    return 0;
}
