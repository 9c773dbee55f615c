/* The view state (third panel, scale, colour map, cursor) and the view
   model built from a live snapshot: the panels, their titles and the
   shared colour scale. Both front ends and the exporters draw from it. */
#include "pbde/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/common.h"

/* Log scale: the colour bar spans this many nats below the peak. */
#define LOG_RANGE 12.0
/* Log-ratio panel: the symmetric range is max |log ratio|, clamped here. */
#define RATIO_MIN 0.5
#define RATIO_MAX 5.0

/* ------------------------------------------------------------ state */

void view_state_init(view_state_t *vs)
{
    memset(vs, 0, sizeof *vs);
    vs->third = THIRD_THEORY;
    vs->overopt_kl = -1.0;
    vs->log_scale = 0;
    vs->colormap = CMAP_VIRIDIS;
    vs->cursor_x = 0.0;
    vs->cursor_y = 0.0;
}

void view_state_from_params(view_state_t *vs, const params_t *p)
{
    view_state_init(vs);
    vs->third = p->panel;
    vs->colormap = p->colormap;
    vs->log_scale = (int)p->log_scale;
    vs->overlay = (int)p->overlay;
}

void view_state_to_params(const view_state_t *vs, params_t *p)
{
    p->panel = vs->third;
    p->colormap = vs->colormap;
    p->log_scale = vs->log_scale;
    p->overlay = vs->overlay;
}

double view_overopt_step(double kl, double peak_kl, int dir)
{
    if (kl < 0) kl = peak_kl >= 0 ? peak_kl : 0;
    double d = sqrt(kl), top = sqrt(VIEW_OVEROPT_KL_MAX);
    /* the next rung strictly beyond d (a budget between rungs moves to the
       rung on its side) */
    double r = dir > 0 ? floor(d / VIEW_OVEROPT_STEP + 1e-9) + 1 : ceil(d / VIEW_OVEROPT_STEP - 1e-9) - 1;
    double nd = r * VIEW_OVEROPT_STEP;
    if (nd <= 0) return 0;
    if (nd >= top) return VIEW_OVEROPT_KL_MAX;
    return nd * nd;
}

int view_move_cursor(view_state_t *vs, view_action a, double L)
{
    double step = 2.0 * L / 32.0;
    switch (a) {
    case ACT_CURSOR_LEFT: vs->cursor_x -= step; break;
    case ACT_CURSOR_RIGHT: vs->cursor_x += step; break;
    case ACT_CURSOR_UP: vs->cursor_y += step; break; /* world y grows upwards */
    case ACT_CURSOR_DOWN: vs->cursor_y -= step; break;
    default: return 0;
    }
    if (vs->cursor_x < -L) vs->cursor_x = -L;
    if (vs->cursor_x > L) vs->cursor_x = L;
    if (vs->cursor_y < -L) vs->cursor_y = -L;
    if (vs->cursor_y > L) vs->cursor_y = L;
    return 1;
}

/* ------------------------------------------------------------ panels */

/* Copies src into dst (size n bytes, NUL-terminated), cutting at a UTF-8
   character boundary. */
static void copy_utf8(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80) len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static view_panel_t *add_panel(view_model_t *vm, view_panel_kind kind, const char *title)
{
    if (vm->n_panels >= VIEW_MAX_PANELS) return NULL;
    view_panel_t *p = &vm->panels[vm->n_panels++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    copy_utf8(p->title, sizeof p->title, title);
    return p;
}

static void add_message(view_model_t *vm, const char *title, const char *message)
{
    view_panel_t *p = add_panel(vm, PANEL_MESSAGE, title);
    if (p) copy_utf8(p->message, sizeof p->message, message);
}

/* The next free slot of n values in vm->buf. */
static double *slot(view_model_t *vm, size_t *used)
{
    double *out = vm->buf + *used * vm->n;
    (*used)++;
    return out;
}

/* A density panel on the shared scale: densities, or log-densities
   floored at the bottom of the scale. */
static void add_density(view_model_t *vm, size_t *used, const char *title, const double *src)
{
    if (!src) {
        add_message(vm, title, "no data yet");
        return;
    }
    view_panel_t *p = add_panel(vm, PANEL_DENSITY, title);
    if (!p) return;
    double *v = slot(vm, used);
    for (size_t i = 0; i < vm->n; i++) {
        if (vm->log_scale) v[i] = src[i] < vm->scale_lo ? vm->scale_lo : src[i]; /* NaN stays */
        else v[i] = exp(src[i]);
    }
    p->values = v;
    p->lo = vm->scale_lo;
    p->hi = vm->scale_hi;
}

static void max_finite(const double *v, size_t n, double *m)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > *m) *m = v[i];
}

/* The shared density scale: over p*, the model, (when shown) the optimum
   and the mixture's components, so no density panel clips. */
static void density_scale(view_model_t *vm, const live_snapshot_t *s, int theory_shown)
{
    double m = -HUGE_VAL;
    max_finite(s->log_true, vm->n, &m);
    max_finite(s->log_model, vm->n, &m);
    if (theory_shown) max_finite(s->log_theory, vm->n, &m);
    for (int k = 0; s->K > 1 && k < s->K && k < DENSITY_MAX_COMPONENTS; k++)
        if (s->log_comp[k]) max_finite(s->log_comp[k], vm->n, &m);
    if (!isfinite(m)) m = 0.0; /* nothing to show: density 1 on the scale */
    if (vm->log_scale) {
        vm->scale_hi = m;
        vm->scale_lo = m - LOG_RANGE;
    } else {
        vm->scale_hi = exp(m);
        vm->scale_lo = 0.0;
        if (!(vm->scale_hi > 0) || !isfinite(vm->scale_hi)) vm->scale_hi = 1.0;
    }
}

/* "optimum - <formula>", the formula in the screen's notation, cut
   before its first comma. */
static void theory_title(char *out, size_t n, const char *name)
{
    char formula[160];
    view_formula(formula, sizeof formula, name);
    char *comma = strchr(formula, ',');
    if (comma) *comma = '\0';
    char full[200];
    snprintf(full, sizeof full, "optimum \xE2\x80\x94 %s", formula);
    if (strlen(full) >= n) {
        /* keep room for the ellipsis */
        copy_utf8(out, n - 3, full);
        strcat(out, "\xE2\x80\xA6");
    } else {
        copy_utf8(out, n, full);
    }
}

static void add_log_ratio(view_model_t *vm, size_t *used, const live_snapshot_t *s)
{
    const char *title = "log(\xCF\x80_\xCE\xB8/p*) \xE2\x80\x94 log ratio";
    if (!s->log_model || !s->log_true) {
        add_message(vm, title, "no data yet");
        return;
    }
    view_panel_t *p = add_panel(vm, PANEL_DIVERGING, title);
    if (!p) return;
    double *v = slot(vm, used);
    double m = 0.0;
    for (size_t i = 0; i < vm->n; i++) {
        v[i] = s->log_model[i] - s->log_true[i];
        if (isfinite(v[i]) && fabs(v[i]) > m) m = fabs(v[i]);
    }
    if (m < RATIO_MIN) m = RATIO_MIN;
    if (m > RATIO_MAX) m = RATIO_MAX;
    /* as drawn: clamped to the scale; undefined (both densities 0) is 0 */
    for (size_t i = 0; i < vm->n; i++) {
        if (isnan(v[i])) v[i] = 0.0;
        else if (v[i] > m) v[i] = m;
        else if (v[i] < -m) v[i] = -m;
    }
    p->values = v;
    p->lo = -m;
    p->hi = m;
}

static void add_probability(view_model_t *vm, size_t *used, const char *title,
                            const double *src)
{
    view_panel_t *p = add_panel(vm, PANEL_PROBABILITY, title);
    if (!p) return;
    double *v = slot(vm, used);
    memcpy(v, src, vm->n * sizeof *v);
    p->values = v;
    p->lo = 0.0;
    p->hi = 1.0;
}

static void add_third(view_model_t *vm, size_t *used, const live_snapshot_t *s, int third)
{
    char title[64];
    switch (third) {
    case THIRD_LOG_RATIO:
        add_log_ratio(vm, used, s);
        break;
    case THIRD_PROPOSAL:
        add_density(vm, used, "\xCE\xBC(x) \xE2\x80\x94 proposal", s->log_prop);
        break;
    case THIRD_OVEROPT:
        if (s->have_overopt && s->overopt_pi) {
            snprintf(title, sizeof title, "RL policy, KL %.2f%s", s->overopt_at.kl,
                     s->overopt_budget < 0 ? " (gold peak)" : "");
            add_density(vm, used, title, s->overopt_pi);
        } else {
            add_message(vm, "RL policy", "computing\xE2\x80\xA6");
        }
        break;
    case THIRD_SLICE:
        if (s->have_slice && s->slice_annot && s->slice_model) {
            add_probability(vm, used, "P(x \xE2\x89\xBB cursor) \xE2\x80\x94 annotator",
                            s->slice_annot);
            add_probability(vm, used, "P(x \xE2\x89\xBB cursor) \xE2\x80\x94 model",
                            s->slice_model);
        } else {
            add_message(vm, "P(x \xE2\x89\xBB cursor)", "computing\xE2\x80\xA6");
        }
        break;
    case THIRD_BORDA:
        if (s->have_borda && s->borda_annot && s->borda_model) {
            add_probability(vm, used, "Borda count BC(x) \xE2\x80\x94 annotators", s->borda_annot);
            add_probability(vm, used, "BC(x) \xE2\x80\x94 model r_\xCE\xB8", s->borda_model);
        } else {
            add_message(vm, "Borda count BC(x)", "computing\xE2\x80\xA6");
        }
        break;
    default: /* THIRD_THEORY */
        if (s->log_theory) {
            theory_title(title, sizeof title, s->theory_name);
            add_density(vm, used, title, s->log_theory);
        } else {
            add_message(vm, "optimum", "no closed form");
        }
        break;
    }
}

/* ------------------------------------------------------------ build */

int view_build(view_model_t *vm, const live_snapshot_t *s, const view_state_t *vs)
{
    int third = vs->third >= 0 && vs->third < THIRD_COUNT ? vs->third : THIRD_THEORY;
    int K = s->K > 1 ? s->K : 0;
    if (K > DENSITY_MAX_COMPONENTS) K = DENSITY_MAX_COMPONENTS;

    /* p*, model, up to two third panels, the components */
    size_t slots = (size_t)(2 + 2 + K);
    size_t need = pbde_mul_size(s->n, slots);
    if (s->n > 0 && need == 0) return -1;
    if (need > vm->buf_len) {
        double *b = realloc(vm->buf, pbde_mul_size(need, sizeof *b));
        if (!b) return -1;
        vm->buf = b;
        vm->buf_len = need;
    }

    vm->G = s->G;
    vm->L = s->L;
    vm->n = s->n;
    vm->n_panels = 0;
    vm->colormap = vs->colormap >= 0 && vs->colormap < CMAP_COUNT ? vs->colormap : CMAP_VIRIDIS;
    vm->log_scale = vs->log_scale != 0;
    vm->cursor_x = vs->cursor_x;
    vm->cursor_y = vs->cursor_y;
    vm->overlay = vs->overlay;
    density_scale(vm, s, third == THIRD_THEORY);

    size_t used = 0;
    add_density(vm, &used, "p*(x) \xE2\x80\x94 annotator", s->log_true);
    add_density(vm, &used, "\xCF\x80_\xCE\xB8(x) \xE2\x80\x94 learned", s->log_model);
    add_third(vm, &used, s, third);
    for (int k = 0; k < K; k++) {
        char title[64];
        snprintf(title, sizeof title, "component %d (\xCF\x89=%.2f)", k + 1,
                 s->metrics.weight[k]);
        add_density(vm, &used, title, s->log_comp[k]);
    }
    return 0;
}

void view_model_free(view_model_t *vm)
{
    free(vm->buf);
    memset(vm, 0, sizeof *vm);
}

/* ------------------------------------------------------------ colours */

double view_panel_t01(const view_panel_t *p, double v)
{
    if (isnan(v) || !(p->hi > p->lo)) return 0.0;
    double t = (v - p->lo) / (p->hi - p->lo);
    if (t < 0) t = 0;
    if (t > 1) t = 1;
    return t;
}

view_rgb_t view_panel_color(const view_model_t *vm, const view_panel_t *p, double v)
{
    if (p->kind == PANEL_DIVERGING) {
        if (isnan(v)) return view_cmap_diverging(0.0);
        return view_cmap_diverging(2.0 * view_panel_t01(p, v) - 1.0);
    }
    return view_cmap(vm->colormap, view_panel_t01(p, v));
}
