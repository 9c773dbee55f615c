/* Preference data: pairs, labels, annotator ids, held-out split; the
   proposals that choose which pairs are asked; the pairs-file reader. */
#include "pbde/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pbde/common.h"

/* Truncating the local proposal's offset to the box redraws it; after
   this many draws of one coordinate the last one is clamped. The first
   item lies in the box, so each draw lands inside with probability at
   least about 1/2: the cap is never reached in practice. */
#define LOCAL_MAX_TRIES 1000000L

/* The active proposal scores candidates in chunks of at most this many
   pairs, to bound its memory whatever M. */
#define ACTIVE_CHUNK 65536

/* Longest line of a pairs file. */
#define CSV_LINE_MAX 1024

size_t dataset_size(const dataset_t *d)
{
    return d->n_train + d->n_held;
}

/* ---------------------------------------------------------------------- */
/* Labels                                                                   */

void dataset_label(dataset_t *d, const world_t *w, uint64_t label_stream, uint64_t i, size_t slot)
{
    rng_t rl = rng_substream((uint64_t)w->p.seed, label_stream, i);
    const float *xy = d->pts + 4 * slot;
    annotator_point_t pp[2];
    annotator_points(&w->dens, w->p.ref_scale, xy, 2, pp);
    int who = 0;
    d->y[slot] = (uint8_t)annotator_label(&w->ann, &pp[0], &pp[1], &rl, &who);
    d->who[slot] = (uint8_t)who;
    d->prob[slot] = (float)annotator_prob(&w->ann, &pp[0], &pp[1]);
    d->dref[slot] = (float)(pp[0].lr - pp[1].lr);
}

/* ---------------------------------------------------------------------- */
/* Proposals                                                                */

/* Pair i of the fixed proposal (pi_ref or uniform): both points from the
   pair's own sub-stream. */
static void fixed_pair(const world_t *w, uint64_t stream, uint64_t i, float *xy)
{
    rng_t rp = rng_substream((uint64_t)w->p.seed, stream, i);
    world_sample_proposal(w, &rp, xy, 2);
}

/* One coordinate of local's second item: a + N(0, r^2) truncated to
   [-L, L] by redrawing. */
static float local_coord(double a, double r, double L, rng_t *rng)
{
    double v = a;
    for (long t = 0; t < LOCAL_MAX_TRIES; t++) {
        v = a + r * rng_normal(rng);
        float f = (float)v;
        if (fabs((double)f) <= L) return f;
    }
    return (float)(v < -L ? -L : v > L ? L : v);
}

static void local_pair(const world_t *w, uint64_t stream, uint64_t i, float *xy)
{
    rng_t rp = rng_substream((uint64_t)w->p.seed, stream, i);
    world_sample_proposal(w, &rp, xy, 1);
    xy[2] = local_coord((double)xy[0], w->p.local_radius, w->p.box, &rp);
    xy[3] = local_coord((double)xy[1], w->p.local_radius, w->p.box, &rp);
}

/* The model's grid density as cumulative cell masses cdf(n). Returns it,
   or NULL on allocation failure. */
static double *model_cdf(const world_t *w, const double *log_model)
{
    size_t n = w->grid.n;
    size_t bytes = pbde_mul_size(n, sizeof(double));
    double *cdf = bytes ? malloc(bytes) : NULL;
    if (!cdf) return NULL;
    double acc = 0;
    for (size_t k = 0; k < n; k++) {
        double m = exp(log_model[k]);
        if (!(m > 0) || !isfinite(m)) m = 0; /* NaN or -inf cells hold no mass */
        acc += m;
        cdf[k] = acc;
    }
    return cdf;
}

/* A point of the model's grid density: the cell by inverse CDF, then
   uniform inside it. */
static void model_point(const world_t *w, const double *cdf, rng_t *rng, float *xy)
{
    size_t n = w->grid.n;
    double u = rng_uniform(rng) * cdf[n - 1];
    size_t lo = 0, hi = n - 1; /* first cell with cdf > u */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    int G = w->grid.G;
    double L = w->p.box, c = w->grid.cell;
    size_t ix = lo % (size_t)G, iy = lo / (size_t)G;
    double x = -L + ((double)ix + rng_uniform(rng)) * c, y = -L + ((double)iy + rng_uniform(rng)) * c;
    xy[0] = (float)(x > L ? L : x);
    xy[1] = (float)(y > L ? L : y);
}

/* Active: pair i keeps, of its M candidates (candidate 0 is the fixed
   proposal's pair i, the rest follow in the same sub-stream), the first
   one whose model logit is smallest in magnitude. */
static int active_pairs(const world_t *w, const dataset_model_t *m, uint64_t stream,
                        uint64_t first, size_t n, float *pts)
{
    size_t M = (size_t)w->p.active_candidates;
    size_t chunk = ACTIVE_CHUNK / M ? ACTIVE_CHUNK / M : 1;
    size_t cap = chunk * M;
    float *cand = malloc(pbde_mul_size(cap, 4 * sizeof(float)));
    float *dref = malloc(pbde_mul_size(cap, sizeof(float)));
    double *lr = malloc(pbde_mul_size(2 * cap, sizeof(double)));
    double *lg = malloc(pbde_mul_size(cap, sizeof(double)));
    int rc = -1;
    if (!cand || !dref || !lr || !lg) goto done;
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t k = n - i0 < chunk ? n - i0 : chunk;
        for (size_t i = 0; i < k; i++) {
            rng_t rp = rng_substream((uint64_t)w->p.seed, stream, first + i0 + i);
            for (size_t j = 0; j < M; j++) world_sample_proposal(w, &rp, cand + 4 * (i * M + j), 2);
        }
        density_ref_log_prob(w->p.ref_scale, cand, 2 * k * M, lr);
        for (size_t c = 0; c < k * M; c++) dref[c] = (float)(lr[2 * c] - lr[2 * c + 1]);
        m->logits(m->ctx, cand, dref, k * M, lg);
        for (size_t i = 0; i < k; i++) {
            size_t best = 0;
            double bv = HUGE_VAL;
            for (size_t j = 0; j < M; j++) {
                double v = fabs(lg[i * M + j]);
                if (v < bv) { /* NaN never wins */
                    bv = v;
                    best = j;
                }
            }
            memcpy(pts + 4 * (i0 + i), cand + 4 * (i * M + best), 4 * sizeof(float));
        }
    }
    rc = 0;
done:
    free(cand);
    free(dref);
    free(lr);
    free(lg);
    return rc;
}

int dataset_propose(const world_t *w, const dataset_model_t *m, uint64_t stream, uint64_t first,
                    size_t n, float *pts)
{
    int prop = w->p.proposal;
    if (prop == PROPOSAL_MODEL && m && m->log_model) {
        double *cdf = model_cdf(w, m->log_model);
        if (!cdf) return -1;
        if (!(cdf[w->grid.n - 1] > 0)) { /* no mass anywhere: fall back to pi_ref */
            free(cdf);
            for (size_t i = 0; i < n; i++) fixed_pair(w, stream, first + i, pts + 4 * i);
            return 0;
        }
        for (size_t i = 0; i < n; i++) {
            rng_t rp = rng_substream((uint64_t)w->p.seed, stream, first + i);
            model_point(w, cdf, &rp, pts + 4 * i);
            model_point(w, cdf, &rp, pts + 4 * i + 2);
        }
        free(cdf);
        return 0;
    }
    if (prop == PROPOSAL_ACTIVE && m && m->logits && w->p.active_candidates > 1)
        return active_pairs(w, m, stream, first, n, pts);
    for (size_t i = 0; i < n; i++) {
        if (prop == PROPOSAL_LOCAL) local_pair(w, stream, first + i, pts + 4 * i);
        else fixed_pair(w, stream, first + i, pts + 4 * i);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Creation                                                                 */

/* Allocates room for n_cap training and n_held held-out pairs. */
static int allocate(dataset_t *d, size_t n_cap, size_t n_held)
{
    memset(d, 0, sizeof *d);
    size_t n = n_cap + n_held;
    size_t b4 = pbde_mul_size(n, 4 * sizeof(float)), b1 = pbde_mul_size(n, sizeof(float));
    if (!b4 || !b1) return -1;
    d->pts = malloc(b4);
    d->dref = malloc(b1);
    d->prob = malloc(b1);
    d->y = malloc(n);
    d->who = malloc(n);
    if (!d->pts || !d->dref || !d->prob || !d->y || !d->who) {
        dataset_destroy(d);
        return -1;
    }
    d->n_cap = n_cap;
    d->n_held = n_held;
    return 0;
}

static size_t held_count(double heldout, size_t pairs)
{
    size_t n_held = (size_t)llround(heldout * (double)pairs);
    return n_held < 1 ? 1 : n_held;
}

static void draw_heldout(dataset_t *d, const world_t *w)
{
    for (size_t i = 0; i < d->n_held; i++) {
        size_t slot = d->n_cap + i;
        fixed_pair(w, RNG_STREAM_HELDOUT, i, d->pts + 4 * slot);
        dataset_label(d, w, RNG_STREAM_HELDOUT_LABELS, i, slot);
    }
}

int dataset_create(dataset_t *d, const world_t *w)
{
    size_t n_cap = (size_t)w->p.pairs;
    if (allocate(d, n_cap, held_count(w->p.heldout, (size_t)w->p.pairs)) != 0) return -1;
    size_t n_train = n_cap;
    if (params_proposal_grows(w->p.proposal) && (size_t)w->p.pairs_start < n_cap)
        n_train = (size_t)w->p.pairs_start;
    /* the first pairs of model and active come from pi_ref (no model yet) */
    if (dataset_propose(w, NULL, RNG_STREAM_POINTS, 0, n_train, d->pts) != 0) {
        dataset_destroy(d);
        return -1;
    }
    for (size_t i = 0; i < n_train; i++) dataset_label(d, w, RNG_STREAM_LABELS, i, i);
    d->n_train = n_train;
    draw_heldout(d, w);
    return 0;
}

long dataset_grow(dataset_t *d, const world_t *w, const dataset_model_t *m, size_t count)
{
    size_t room = d->n_cap - d->n_train, k = count < room ? count : room;
    if (k == 0) return 0;
    if (dataset_propose(w, m, RNG_STREAM_POINTS, d->n_train, k, d->pts + 4 * d->n_train) != 0)
        return -1;
    for (size_t i = d->n_train; i < d->n_train + k; i++)
        dataset_label(d, w, RNG_STREAM_LABELS, i, i);
    d->n_train += k;
    return (long)k;
}

int dataset_create_err(dataset_t *d, const world_t *w, char *err, size_t errlen)
{
    if (!w->p.pairs_file[0]) {
        if (dataset_create(d, w) == 0) return 0;
        snprintf(err, errlen, "out of memory for %ld pairs", w->p.pairs);
        return -1;
    }
    float *pts = NULL;
    uint8_t *y = NULL, *who = NULL;
    size_t n = 0;
    /* the registry's largest data set bounds the file too */
    const param_def_t *def = params_find("pairs");
    size_t max_rows = def ? (size_t)def->max : 4194304;
    if (dataset_read_csv(w->p.pairs_file, w->p.box, max_rows, &pts, &y, &who, &n, err, errlen) != 0)
        return -1;
    int rc = -1;
    if (allocate(d, n, held_count(w->p.heldout, n)) != 0) {
        snprintf(err, errlen, "%s: out of memory for %zu pairs", w->p.pairs_file, n);
        goto done;
    }
    memcpy(d->pts, pts, n * 4 * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        annotator_point_t pp[2];
        annotator_points(&w->dens, w->p.ref_scale, d->pts + 4 * i, 2, pp);
        d->y[i] = y[i];
        d->who[i] = who[i];
        d->prob[i] = (float)annotator_prob(&w->ann, &pp[0], &pp[1]);
        d->dref[i] = (float)(pp[0].lr - pp[1].lr);
    }
    d->n_train = n;
    draw_heldout(d, w);
    rc = 0;
done:
    free(pts);
    free(y);
    free(who);
    return rc;
}

int dataset_set_train(dataset_t *d, const world_t *w, const float *pts, const uint8_t *y,
                      const uint8_t *who, size_t n)
{
    if (n > d->n_cap) {
        /* more room: the held-out block moves up behind the new capacity */
        size_t cap = d->n_cap ? d->n_cap : 64;
        while (cap < n) cap *= 2;
        size_t total = cap + d->n_held;
        size_t b4 = pbde_mul_size(total, 4 * sizeof(float)), b1 = pbde_mul_size(total, sizeof(float));
        if (!b4 || !b1) return -1;
        float *np = malloc(b4), *nd = malloc(b1), *nq = malloc(b1);
        uint8_t *ny = malloc(total), *nw = malloc(total);
        if (!np || !nd || !nq || !ny || !nw) {
            free(np);
            free(nd);
            free(nq);
            free(ny);
            free(nw);
            return -1;
        }
        size_t h = d->n_held, o = d->n_cap;
        memcpy(np + 4 * cap, d->pts + 4 * o, h * 4 * sizeof(float));
        memcpy(nd + cap, d->dref + o, h * sizeof(float));
        memcpy(nq + cap, d->prob + o, h * sizeof(float));
        memcpy(ny + cap, d->y + o, h);
        memcpy(nw + cap, d->who + o, h);
        free(d->pts);
        free(d->dref);
        free(d->prob);
        free(d->y);
        free(d->who);
        d->pts = np;
        d->dref = nd;
        d->prob = nq;
        d->y = ny;
        d->who = nw;
        d->n_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(d->pts + 4 * i, pts + 4 * i, 4 * sizeof(float));
        annotator_point_t pp[2];
        annotator_points(&w->dens, w->p.ref_scale, d->pts + 4 * i, 2, pp);
        d->y[i] = y[i] ? 1 : 0;
        d->who[i] = who ? who[i] : 0;
        d->prob[i] = (float)annotator_prob(&w->ann, &pp[0], &pp[1]);
        d->dref[i] = (float)(pp[0].lr - pp[1].lr);
    }
    d->n_train = n;
    return 0;
}

void dataset_destroy(dataset_t *d)
{
    free(d->pts);
    free(d->dref);
    free(d->prob);
    free(d->y);
    free(d->who);
    memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------------- */
/* Pairs files                                                              */

static const char *const CSV_HEADER = "ax,ay,bx,by,y,annotator";
static const char *const CSV_NAMES[6] = { "ax", "ay", "bx", "by", "y", "annotator" };

/* Splits line (without its newline) at commas into at most 7 fields. */
static int split(char *line, char **f)
{
    int n = 0;
    char *s = line;
    for (;;) {
        if (n < 7) f[n] = s;
        n++;
        char *c = strchr(s, ',');
        if (!c) break;
        *c = '\0';
        s = c + 1;
    }
    return n;
}

/* Copies at most 40 characters of s into out (n >= 41) with bytes that
   are not printable ASCII shown as '?', for messages about binary data. */
static const char *shown(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s[i] && i < 40 && i + 1 < n; i++)
        out[i] = (unsigned char)s[i] >= 32 && (unsigned char)s[i] < 127 ? s[i] : '?';
    out[i] = '\0';
    return out;
}

/* Trims spaces around a field in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

/* Parses one data row into p(4), *y, *who. Returns 0, or -1 with the
   problem (without the location) in msg. */
static int parse_row(char *line, double box, float *p, uint8_t *y, uint8_t *who, char *msg,
                     size_t msglen)
{
    char *f[7];
    int nf = split(line, f);
    if (nf != 6) {
        snprintf(msg, msglen, "expected 6 comma-separated values (%s), found %d", CSV_HEADER, nf);
        return -1;
    }
    for (int k = 0; k < 4; k++) {
        char *s = trim(f[k]), *end;
        errno = 0;
        float v = strtof(s, &end);
        if (end == s || *end != '\0' || !isfinite(v)) {
            char b[48];
            snprintf(msg, msglen, "%s '%s' is not a number", CSV_NAMES[k], shown(s, b, sizeof b));
            return -1;
        }
        p[k] = v;
    }
    for (int k = 0; k < 2; k++)
        if (!(fabs((double)p[2 * k]) <= box && fabs((double)p[2 * k + 1]) <= box)) {
            snprintf(msg, msglen, "point %c (%.9g, %.9g) is outside the box [-%g, %g]^2", 'a' + k,
                     (double)p[2 * k], (double)p[2 * k + 1], box, box);
            return -1;
        }
    char *ys = trim(f[4]), *ws = trim(f[5]), *end, b[48];
    if (strcmp(ys, "0") != 0 && strcmp(ys, "1") != 0) {
        snprintf(msg, msglen, "y '%s' is not allowed: expected 1 (a preferred) or 0 (b preferred)",
                 shown(ys, b, sizeof b));
        return -1;
    }
    long a = strtol(ws, &end, 10);
    if (end == ws || *end != '\0' || a < 0 || a >= DENSITY_MAX_COMPONENTS) {
        snprintf(msg, msglen, "annotator '%s' is not allowed: expected a whole number 0..%d",
                 shown(ws, b, sizeof b), DENSITY_MAX_COMPONENTS - 1);
        return -1;
    }
    *y = (uint8_t)(ys[0] == '1');
    *who = (uint8_t)a;
    return 0;
}

/* Grows the three arrays to hold at least need rows. */
static int reserve(float **pts, uint8_t **y, uint8_t **who, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    size_t b4 = pbde_mul_size(c, 4 * sizeof(float));
    if (!b4) return -1;
    float *p = realloc(*pts, b4);
    if (!p) return -1;
    *pts = p;
    uint8_t *a = realloc(*y, c);
    if (!a) return -1;
    *y = a;
    uint8_t *b = realloc(*who, c);
    if (!b) return -1;
    *who = b;
    *cap = c;
    return 0;
}

/* Reads one line (with its newline, if any) into buf, at most cap bytes
   and a NUL: a longer line is cut at cap bytes (the caller sees it is too
   long), so a file without newlines (/dev/zero) costs no more memory than
   one line. Returns its length, or -1 at the end of the file. */
static ssize_t read_line(FILE *f, char *buf, size_t cap)
{
    size_t n = 0;
    int c = EOF;
    while (n < cap && (c = getc(f)) != EOF) {
        buf[n++] = (char)c;
        if (c == '\n') break;
    }
    buf[n] = '\0';
    return n == 0 && c == EOF ? -1 : (ssize_t)n;
}

int dataset_read_csv(const char *path, double box, size_t max_rows, float **pts_out,
                     uint8_t **y_out, uint8_t **who_out, size_t *n_out, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open the pairs file: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a pairs file (CSV: %s)", path, CSV_HEADER);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the pairs file: %s", path, strerror(errno));
        return -1;
    }
    float *pts = NULL;
    uint8_t *y = NULL, *who = NULL;
    size_t n = 0, cap = 0;
    char *line = malloc(CSV_LINE_MAX + 3);
    long lineno = 0;
    int rc = -1, header = 0;
    ssize_t len;
    char msg[256];
    if (!line) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    while ((len = read_line(f, line, CSV_LINE_MAX + 2)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len)) {
            snprintf(err, errlen, "%s:%ld: not a text line (it holds a NUL byte): not a CSV file?",
                     path, lineno);
            goto done;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len > CSV_LINE_MAX) {
            snprintf(err, errlen, "%s:%ld: line too long (at most %d characters)", path, lineno,
                     CSV_LINE_MAX);
            goto done;
        }
        if (!header) {
            char *h = trim(line), b[48];
            if (strcmp(h, CSV_HEADER) != 0) {
                snprintf(err, errlen, "%s:%ld: expected the header line '%s' (pbde sample's format), "
                         "found '%s'", path, lineno, CSV_HEADER, shown(h, b, sizeof b));
                goto done;
            }
            header = 1;
            continue;
        }
        if (trim(line)[0] == '\0') continue; /* blank lines are allowed */
        if (n >= max_rows) {
            snprintf(err, errlen, "%s:%ld: more than %zu pairs: the memory cap of the data set "
                     "(as the pairs parameter)", path, lineno, max_rows);
            goto done;
        }
        if (reserve(&pts, &y, &who, &cap, n + 1) != 0) {
            snprintf(err, errlen, "%s:%ld: out of memory after %zu pairs", path, lineno, n);
            goto done;
        }
        if (parse_row(line, box, pts + 4 * n, y + n, who + n, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "%s:%ld: %s", path, lineno, msg);
            goto done;
        }
        n++;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if (!header) {
        snprintf(err, errlen, "%s: empty file: expected the header line '%s' and pairs", path,
                 CSV_HEADER);
        goto done;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: no pairs after the header line", path);
        goto done;
    }
    rc = 0;
done:
    free(line);
    fclose(f);
    if (rc != 0) {
        free(pts);
        free(y);
        free(who);
        return -1;
    }
    *pts_out = pts;
    *y_out = y;
    *who_out = who;
    *n_out = n;
    return 0;
}
