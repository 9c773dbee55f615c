/* The parameter registry (design §3): every user-settable parameter in one
   table. */
#include "pbde/params.h"
#include "pbde/suggest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/annotator.h"
#include "pbde/density.h"
#include "pbde/image.h"
#include "pbde/objective.h"

static const char *const PROPOSALS[PROPOSAL_COUNT] = { "reference", "uniform", "model", "active",
                                                       "local" };
static const char *const SCHEDULES[SCHEDULE_COUNT] = { "cosine", "constant" };

static const char *const COLORMAPS[] = { "viridis", "magma", "cividis", "grey" };
static const char *const PANELS[] = { "theory", "log-ratio", "proposal", "slice", "overopt",
                                      "borda" };
#define COUNT(a) ((int)(sizeof a / sizeof a[0]))

int params_colormap_count(void) { return COUNT(COLORMAPS); }
const char *params_colormap_name(int i) { return i >= 0 && i < COUNT(COLORMAPS) ? COLORMAPS[i] : NULL; }
int params_panel_count(void) { return COUNT(PANELS); }
const char *params_panel_name(int i) { return i >= 0 && i < COUNT(PANELS) ? PANELS[i] : NULL; }

int params_proposal_count(void) { return PROPOSAL_COUNT; }
const char *params_proposal_name(int i) { return i >= 0 && i < PROPOSAL_COUNT ? PROPOSALS[i] : NULL; }
int params_proposal_base_is_ref(int proposal) { return proposal != PROPOSAL_UNIFORM; }
int params_proposal_grows(int proposal)
{
    return proposal == PROPOSAL_MODEL || proposal == PROPOSAL_ACTIVE;
}
int params_schedule_count(void) { return SCHEDULE_COUNT; }
const char *params_schedule_name(int i) { return i >= 0 && i < SCHEDULE_COUNT ? SCHEDULES[i] : NULL; }

#define OFF(field) offsetof(params_t, field)
#define W PARAM_AFFECTS_WORLD
#define D PARAM_AFFECTS_DATA
#define M PARAM_AFFECTS_MODEL
#define T PARAM_AFFECTS_TRAIN
#define V PARAM_AFFECTS_VIEW
#define NO_STEP PARAM_STEP_NONE, 0, 0 /* not stepped by a key */

/* Largest data set: 2^22 pairs. A pair costs 26 bytes (points, dref,
   P, label, annotator) plus 8 for the shuffle, held-out pairs 26: about
   160 MB with the default held-out share, 250 MB with heldout 1 (measured
   with tests/long/limits.sh), so a laptop never swaps. */
#define PAIRS_MAX 4194304.0

static const param_def_t TABLE[] = {
    { "density", "world", PARAM_CHOICE, OFF(density), 0, 0, 0, 0, density_count, density_name,
      W | D | M, "the annotator's implicit preference density p*, or image:FILE (.pgm or .png, "
                 "grey value = relative density over the box, 64x64)",
      NULL, NULL, NO_STEP },
    { "box", "world", PARAM_REAL, OFF(box), 6, 3, 50, 0, NULL, NULL,
      W | D | M, "half-width L of the box [-L, L]^2",
      NULL, NULL, NO_STEP },
    { "grid", "world", PARAM_INT, OFF(grid), 128, 8, 512, 0, NULL, NULL,
      W, "evaluation grid: G x G cell centres",
      NULL, NULL, NO_STEP },
    { "ref-scale", "world", PARAM_REAL, OFF(ref_scale), 3, 0, 100, 1, NULL, NULL,
      W | D | M, "scale s_ref of the reference model pi_ref = N(0, s_ref^2 I)",
      NULL, NULL, NO_STEP },
    { "proposal", "world", PARAM_CHOICE, OFF(proposal), 0, 0, 0, 0, params_proposal_count,
      params_proposal_name, W | D | M,
      "how pairs are asked: reference (pi_ref), uniform, model (from the current pi_theta, "
      "on-policy), active (of active-candidates pairs from pi_ref, the one the model is least "
      "sure about), local (b = a + N(0, local-radius^2)); model and active grow the data as the "
      "model trains (pairs-start, pairs-add, pairs-every); for model, active and local the "
      "optimum panel and the held-out pairs use pi_ref (the optimum is defined for a fixed mu)",
      NULL, NULL, NO_STEP },
    { "local-radius", "world", PARAM_REAL, OFF(local_radius), 1, 0, 100, 1, NULL, NULL,
      D | M, "local proposal: sd of the second item's offset from the first (truncated to the box)",
      NULL, NULL, NO_STEP },
    { "active-candidates", "world", PARAM_INT, OFF(active_candidates), 8, 1, 1024, 0, NULL, NULL,
      D | M, "active proposal: candidate pairs drawn from pi_ref for each pair kept (M)",
      NULL, NULL, NO_STEP },
    { "annotator", "annotator", PARAM_CHOICE, OFF(annotator), 0, 0, 0, 0, annotator_count,
      annotator_name, W | D | M, "the annotator model that labels pairs",
      NULL, NULL, NO_STEP },
    { "rationality", "annotator", PARAM_REAL, OFF(rationality), 1, 0, 100, 0, NULL, NULL,
      W | D | M, "rationality s of luce, thurstone, noisy and mixture (1 = Luce)",
      "s", "s", PARAM_STEP_DOUBLE, 0, 1.0 / 1024 },
    { "annotator-beta", "annotator", PARAM_REAL, OFF(annotator_beta), 4, 0, 100, 1, NULL, NULL,
      W | D | M, "beta_a of the dpo annotator",
      "\xCE\xB2\xE2\x82\x90", "beta_a", PARAM_STEP_DOUBLE, 0, 1.0 / 1024 },
    { "flip", "annotator", PARAM_REAL, OFF(flip), 0.1, 0, 0.5, 0, NULL, NULL,
      W | D | M, "label-flip probability of the noisy annotator",
      "\xCE\xB5", "eps", PARAM_STEP_ADD, 0.05, 0 },
    { "pairs", "annotator", PARAM_INT, OFF(pairs), 32768, 16, PAIRS_MAX, 0, NULL, NULL,
      D | M, "training pairs (at most 4194304, to bound memory: about 160 MB there, "
             "250 MB with heldout 1)",
      NULL, NULL, PARAM_STEP_DOUBLE, 0, 0 },
    { "pairs-start", "annotator", PARAM_INT, OFF(pairs_start), 2048, 1, PAIRS_MAX, 0, NULL, NULL,
      D | M, "model and active proposals: pairs drawn from pi_ref before training (capped at pairs)",
      NULL, NULL, NO_STEP },
    { "pairs-add", "annotator", PARAM_INT, OFF(pairs_add), 1024, 1, PAIRS_MAX, 0, NULL, NULL,
      D | M, "model and active proposals: pairs added every pairs-every steps, up to pairs",
      NULL, NULL, NO_STEP },
    { "pairs-every", "annotator", PARAM_INT, OFF(pairs_every), 100, 1, 100000000, 0, NULL, NULL,
      D | M, "model and active proposals: steps between additions of pairs-add pairs",
      NULL, NULL, NO_STEP },
    { "pairs-file", "annotator", PARAM_STRING, OFF(pairs_file), 0, 0, 0, 0, NULL, NULL,
      D | M, "CSV of training pairs in pbde sample's format (ax,ay,bx,by,y,annotator) used "
             "instead of drawing them; held-out pairs are still drawn; empty: none",
      NULL, NULL, NO_STEP },
    { "heldout", "annotator", PARAM_REAL, OFF(heldout), 0.1, 0.01, 1, 0, NULL, NULL,
      D | M, "held-out pairs for the metrics, as a fraction of pairs",
      NULL, NULL, NO_STEP },
    { "seed", "annotator", PARAM_INT, OFF(seed), 1, 0, 4294967295.0, 0, NULL, NULL,
      D | M, "seed of the data and the model's initialisation",
      NULL, NULL, NO_STEP },
    { "objective", "objective", PARAM_CHOICE, OFF(objective), 0, 0, 0, 0, objective_count,
      objective_name, W | M, "the preference-learning objective",
      NULL, NULL, NO_STEP },
    { "beta", "objective", PARAM_REAL, OFF(beta), 4, 0, 1000, 1, NULL, NULL,
      W | M, "beta of dpo and of the zoo objectives built on its log-ratio (the [ ] keys show which)",
      "\xCE\xB2", "beta", PARAM_STEP_DOUBLE, 0, 1.0 / 1024 },
    { "alpha", "objective", PARAM_REAL, OFF(alpha), 0.25, 0, 100, 1, NULL, NULL,
      W | M, "alpha of geometric averaging",
      "\xCE\xB1", "alpha", PARAM_STEP_DOUBLE, 0, 1.0 / 1024 },
    { "tau", "objective", PARAM_REAL, OFF(tau), 0.5, 0, 100, 1, NULL, NULL,
      W | M, "tau of ipo",
      "\xCF\x84", "tau", PARAM_STEP_DOUBLE, 0, 1.0 / 1024 },
    { "delta", "objective", PARAM_REAL, OFF(delta), 1, 0, 100, 0, NULL, NULL,
      W | M, "margin delta of slic",
      "\xCE\xB4", "delta", PARAM_STEP_ADD, 0.25, 0 },
    { "lambda", "objective", PARAM_REAL, OFF(lambda), 1, 0, 100, 0, NULL, NULL,
      W | M, "weight lambda of slic's regulariser -E_ref log pi",
      "\xCE\xBB", "lambda", NO_STEP },
    { "components", "objective", PARAM_INT, OFF(components), 2, 1, DENSITY_MAX_COMPONENTS, 0,
      NULL, NULL, W | M, "K, the number of networks of the mixture objective",
      "K", "K", PARAM_STEP_ADD, 1, 0 },
    { "smoothing", "objective", PARAM_REAL, OFF(smoothing), 0.1, 0, 0.49, 1, NULL, NULL,
      W | M, "label smoothing eps of cdpo, robust and exo (TRL label_smoothing)",
      NULL, NULL, NO_STEP },
    { "desirable-weight", "objective", PARAM_REAL, OFF(desirable_weight), 1, 0, 100, 0, NULL, NULL,
      W | M, "kto: weight lambda_D of the preferred (desirable) items",
      NULL, NULL, NO_STEP },
    { "undesirable-weight", "objective", PARAM_REAL, OFF(undesirable_weight), 1, 0, 100, 0, NULL,
      NULL, W | M, "kto: weight lambda_U of the other (undesirable) items",
      NULL, NULL, NO_STEP },
    { "width", "training", PARAM_INT, OFF(width), 64, 1, 512, 0, NULL, NULL,
      M, "hidden units per layer",
      NULL, NULL, NO_STEP },
    { "depth", "training", PARAM_INT, OFF(depth), 3, 1, 16, 0, NULL, NULL,
      M, "hidden layers",
      NULL, NULL, NO_STEP },
    { "lr", "training", PARAM_REAL, OFF(lr), 3e-3, 0, 1e6, 1, NULL, NULL,
      M, "Adam's learning rate",
      NULL, NULL, NO_STEP },
    { "batch", "training", PARAM_INT, OFF(batch), 512, 1, 65536, 0, NULL, NULL,
      M, "pairs per step",
      NULL, NULL, NO_STEP },
    { "steps", "training", PARAM_INT, OFF(steps), 3000, 0, 100000000, 0, NULL, NULL,
      T, "training steps (the cosine schedule decays over them)",
      NULL, NULL, NO_STEP },
    { "schedule", "training", PARAM_CHOICE, OFF(schedule), 0, 0, 0, 0, params_schedule_count,
      params_schedule_name, T, "learning-rate schedule: cosine or constant",
      NULL, NULL, NO_STEP },
    { "threads", "training", PARAM_INT, OFF(threads), 1, 1, 16, 0, NULL, NULL,
      T, "worker threads of a training step (results depend on it, deterministically)",
      NULL, NULL, NO_STEP },
    { "answer-steps", "training", PARAM_INT, OFF(answer_steps), 20, 1, 100000000, 0, NULL, NULL,
      T, "be the annotator (h): training steps each answer (or undo) buys at the constant lr; "
         "then training waits for the next answer (a few answers that always pick one side "
         "have no best fit: trained on for long, the density only sharpens)",
      NULL, NULL, NO_STEP },
    { "answer-prior", "training", PARAM_REAL, OFF(answer_prior), 0.01, 0, 1000, 0, NULL, NULL,
      T, "be the annotator (h): weight lambda of the pull to pi_ref, (lambda / answers) times "
         "the variance of log(pi_theta / pi_ref) over the box, which keeps pi_theta near pi_ref "
         "where no question was asked (0: none; not used outside the annotate mode)",
      NULL, NULL, NO_STEP },
    { "colormap", "view", PARAM_CHOICE, OFF(colormap), 0, 0, 0, 0, params_colormap_count,
      params_colormap_name, V, "colour map of the density panels",
      NULL, NULL, NO_STEP },
    { "panel", "view", PARAM_CHOICE, OFF(panel), 0, 0, 0, 0, params_panel_count,
      params_panel_name, V, "third panel: theory, log-ratio log(pi/p*), proposal, slice P(x > cursor), overopt "
         "(RL on the model's implicit reward at a KL budget, k/K; proxy and gold against sqrt(KL)) or borda "
         "(Borda count E_mu P(x > x') under the annotators and the model; rank corr of the reward with it)",
      NULL, NULL, NO_STEP },
    { "log-scale", "view", PARAM_INT, OFF(log_scale), 0, 0, 1, 0, NULL, NULL,
      V, "1: density panels in log scale",
      NULL, NULL, NO_STEP },
    { "overlay", "view", PARAM_INT, OFF(overlay), 0, 0, 1, 0, NULL, NULL,
      V, "1: draw a sample of pairs, loser to winner",
      NULL, NULL, NO_STEP },
    { "speed", "view", PARAM_REAL, OFF(speed), 0, 0, 100000, 0, NULL, NULL,
      V, "explorers: training steps per second at most (0: as fast as possible)",
      NULL, NULL, NO_STEP },
    { "pace", "view", PARAM_REAL, OFF(pace), 0, 0, 3600, 0, NULL, NULL,
      V, "explorers: seconds the run's steps take on screen, e.g. 20, the lecture pace "
         "(0: the speed cap alone; tours use 20 unless --speed or --pace is given)",
      NULL, NULL, NO_STEP },
};

double params_step_rate(const params_t *p)
{
    if (p->pace > 0 && p->steps > 0) return (double)p->steps / p->pace;
    return p->speed > 0 ? p->speed : 0;
}

const param_def_t *params_table(size_t *n)
{
    *n = sizeof TABLE / sizeof TABLE[0];
    return TABLE;
}

const param_def_t *params_find(const char *name)
{
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (strcmp(TABLE[i].name, name) == 0) return &TABLE[i];
    return NULL;
}

const char *params_symbol(const char *name, int ascii)
{
    const param_def_t *def = params_find(name);
    const char *sym = def ? (ascii ? def->ascii : def->symbol) : NULL;
    return sym ? sym : name;
}

void params_defaults(params_t *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        char *field = (char *)p + TABLE[i].offset;
        switch (TABLE[i].type) {
        case PARAM_INT: *(long *)field = (long)TABLE[i].def; break;
        case PARAM_REAL: *(double *)field = TABLE[i].def; break;
        case PARAM_CHOICE: *(int *)field = (int)TABLE[i].def; break;
        case PARAM_STRING: field[0] = '\0'; break;
        }
    }
}

static void fmt_num(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.10g", v);
}

void params_allowed(const param_def_t *def, char *buf, size_t n)
{
    if (def->type == PARAM_STRING) {
        snprintf(buf, n, "a file name (at most %d bytes), or empty", PARAMS_PATH_MAX - 1);
        return;
    }
    if (def->type == PARAM_CHOICE) {
        size_t used = (size_t)snprintf(buf, n, "one of:");
        for (int i = 0; i < def->count() && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, " %s", def->label(i));
        if (def->offset == OFF(density) && used < n)
            snprintf(buf + used, n - used, " image:FILE");
        return;
    }
    char lo[32], hi[32];
    fmt_num(lo, sizeof lo, def->min);
    fmt_num(hi, sizeof hi, def->max);
    snprintf(buf, n, "%s %s %s and <= %s", def->type == PARAM_INT ? "a whole number" : "a number",
             def->min_open ? ">" : ">=", lo, hi);
}

static int fail(char *err, size_t errlen, const param_def_t *def, const char *value)
{
    char allowed[256];
    params_allowed(def, allowed, sizeof allowed);
    snprintf(err, errlen, "'%s' is not allowed: expected %s", value, allowed);
    if (def->type == PARAM_CHOICE) {
        const char *labels[64];
        int n = def->count() < 64 ? def->count() : 64;
        for (int i = 0; i < n; i++) labels[i] = def->label(i);
        suggest_append(err, errlen, value, labels, (size_t)n, "");
    }
    return -1;
}

void params_unknown(const char *name, char *err, size_t errlen)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    const char *names[128];
    size_t k = n < 128 ? n : 128;
    for (size_t i = 0; i < k; i++) names[i] = tab[i].name;
    snprintf(err, errlen, "unknown parameter '%s'", name);
    suggest_append(err, errlen, name, names, k, "");
}

int params_set(params_t *p, const char *name, const char *value, char *err, size_t errlen)
{
    const param_def_t *def = params_find(name);
    if (!def) {
        params_unknown(name, err, errlen);
        return -1;
    }
    char *field = (char *)p + def->offset;
    if (def->type == PARAM_STRING) {
        if (strlen(value) >= PARAMS_PATH_MAX) {
            snprintf(err, errlen, "'%.40s...' is not allowed: expected a file name of at most %d bytes",
                     value, PARAMS_PATH_MAX - 1);
            return -1;
        }
        snprintf(field, PARAMS_PATH_MAX, "%s", value);
        return 0;
    }
    if (def->offset == OFF(density) && strncmp(value, "image:", 6) == 0)
        return params_image_load(p, value + 6, err, errlen);
    if (def->type == PARAM_CHOICE) {
        for (int i = 0; i < def->count(); i++)
            if (strcmp(def->label(i), value) == 0) {
                *(int *)field = i;
                if (def->offset == OFF(density)) p->image.side = 0;
                return 0;
            }
        return fail(err, errlen, def, value);
    }
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || errno == ERANGE || !isfinite(v))
        return fail(err, errlen, def, value);
    if (v < def->min || v > def->max || (def->min_open && v == def->min))
        return fail(err, errlen, def, value);
    if (def->type == PARAM_INT) {
        if (v != floor(v)) return fail(err, errlen, def, value);
        *(long *)field = (long)v;
    } else {
        *(double *)field = v;
    }
    return 0;
}

void params_format(const params_t *p, const param_def_t *def, char *buf, size_t n)
{
    const char *field = (const char *)p + def->offset;
    switch (def->type) {
    case PARAM_INT: snprintf(buf, n, "%ld", *(const long *)field); break;
    case PARAM_REAL: fmt_num(buf, n, *(const double *)field); break;
    case PARAM_CHOICE:
        if (def->offset == OFF(density) && p->image.side > 0)
            snprintf(buf, n, "image:%s", p->image.src[0] ? p->image.src : "painted");
        else
            snprintf(buf, n, "%s", def->label(*(const int *)field));
        break;
    case PARAM_STRING: snprintf(buf, n, "%s", field); break;
    }
}

int params_check(const params_t *p, char *err, size_t errlen)
{
    int n_comp;
    if (p->image.side > 0) {
        if (p->image.side > PARAMS_IMAGE_SIDE) {
            snprintf(err, errlen, "image density: side %d is more than %d", p->image.side,
                     PARAMS_IMAGE_SIDE);
            return -1;
        }
        size_t cells = (size_t)p->image.side * (size_t)p->image.side, lit = 0;
        for (size_t i = 0; i < cells; i++) lit += p->image.px[i] != 0;
        if (!lit) {
            snprintf(err, errlen, "image density%s%s is all black: it needs some grey (density) "
                     "somewhere", p->image.src[0] ? " " : "", p->image.src);
            return -1;
        }
        n_comp = 1;
    } else {
        if (p->density < 0 || p->density >= density_count()) {
            snprintf(err, errlen, "unknown density id %d", p->density);
            return -1;
        }
        n_comp = 0;
    }
    const annotator_row_t *ann = annotator_row(p->annotator);
    if (ann && ann->pooled) {
        if (!n_comp) {
            density_t *dd = malloc(sizeof *dd); /* big: not on a worker's stack */
            if (!dd) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            density_init(dd, p->density);
            n_comp = dd->n_comp;
            free(dd);
        }
        if (n_comp < 2) {
            char name[300];
            params_format(p, params_find("density"), name, sizeof name);
            snprintf(err, errlen,
                     "annotator mixture needs a density with at least 2 components, and %s has %d; "
                     "pick one of the mixtures (e.g. two-gauss, eight-gauss)",
                     name, n_comp);
            return -1;
        }
    }
    return 0;
}
