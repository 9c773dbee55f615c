/* Text helpers of the terminal explorer: UTF-8 widths, the ASCII fallback
   and number formatting. Pure: no terminal. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

int tui_utf8_cols(const char *s)
{
    int cols = 0;
    for (; *s; s++)
        if (!is_cont((unsigned char)*s)) cols++;
    return cols;
}

size_t tui_utf8_fit(const char *s, int cols)
{
    size_t i = 0;
    int used = 0;
    while (s[i]) {
        if (used == cols) break;
        i++;
        while (s[i] && is_cont((unsigned char)s[i])) i++;
        used++;
    }
    return i;
}

/* ASCII spellings of the non-ASCII characters pbde writes. */
static const struct {
    const char *utf8, *ascii;
} SPELL[] = {
    { "\xCF\x80", "pi" },       /* π */
    { "\xCE\xB8", "theta" },    /* θ */
    { "\xCE\xB2", "beta" },     /* β */
    { "\xCE\xB1", "alpha" },    /* α */
    { "\xCF\x84", "tau" },      /* τ */
    { "\xCE\xB4", "delta" },    /* δ */
    { "\xCE\xBB", "lambda" },   /* λ */
    { "\xCE\xBC", "mu" },       /* μ */
    { "\xCE\xB5", "eps" },      /* ε */
    { "\xCF\x83", "sigma" },    /* σ */
    { "\xCF\x89", "w" },        /* ω */
    { "\xCE\xA6", "Phi" },      /* Φ */
    { "\xE2\x80\x96", "||" },   /* ‖ */
    { "\xE2\x80\x94", "-" },    /* — */
    { "\xE2\x80\x93", "-" },    /* – */
    { "\xE2\x88\x92", "-" },    /* − */
    { "\xE2\x89\xBB", ">" },    /* ≻ */
    { "\xC2\xB7", "|" },        /* · */
    { "\xE2\x80\xA6", "..." },  /* … */
    { "\xC3\x97", "x" },        /* × */
    { "\xE2\x89\xA5", ">=" },   /* ≥ */
    { "\xE2\x89\xA4", "<=" },   /* ≤ */
    { "\xE2\x89\x88", "~" },    /* ≈ */
    { "\xE2\x86\x92", "->" },   /* → */
    { "\xE2\x86\x90", "<-" },   /* ← */
    { "\xE2\x86\x91", "^" },    /* ↑ */
    { "\xE2\x86\x93", "v" },    /* ↓ */
    { "\xE2\x88\x9E", "inf" },  /* ∞ */
    { "\xC2\xB2", "^2" },       /* ² */
    { "\xE2\x82\x90", "_a" },   /* ₐ */
    { "\xE2\x88\x9D", "~" },    /* ∝ */
    { "\xE2\x88\x9A", "sqrt" }, /* √ */
    { "\xE2\x88\x91", "sum" },  /* ∑ */
    { "\xE2\x80\x98", "'" },    /* ‘ */
    { "\xE2\x80\x99", "'" },    /* ’ */
    { "\xE2\x80\x9C", "\"" },   /* “ */
    { "\xE2\x80\x9D", "\"" },   /* ” */
};

void tui_ascii(char *dst, size_t n, const char *src)
{
    size_t o = 0;
    if (n == 0) return;
    while (*src && o + 1 < n) {
        unsigned char c = (unsigned char)*src;
        if (c < 0x80) {
            dst[o++] = *src++;
            continue;
        }
        const char *rep = "?";
        size_t len = 1;
        for (size_t i = 0; i < sizeof SPELL / sizeof SPELL[0]; i++) {
            size_t l = strlen(SPELL[i].utf8);
            if (strncmp(src, SPELL[i].utf8, l) == 0) {
                rep = SPELL[i].ascii;
                len = l;
                break;
            }
        }
        if (len == 1) /* unknown: skip the whole character */
            while (src[len] && is_cont((unsigned char)src[len])) len++;
        for (const char *r = rep; *r && o + 1 < n; r++) dst[o++] = *r;
        src += len;
    }
    dst[o] = '\0';
}

const char *tui_param_symbol(const char *name, int ascii)
{
    return params_symbol(name, ascii);
}

void tui_fmt_si(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v)) snprintf(buf, n, "-");
    else if (a < 999.5) snprintf(buf, n, "%.3g", v);
    else if (a < 999.5e3) snprintf(buf, n, "%.3gk", v / 1e3);
    else if (a < 999.5e6) snprintf(buf, n, "%.3gM", v / 1e6);
    else snprintf(buf, n, "%.3gG", v / 1e9);
}

/* One line of wrapped text: skips the spaces that start it, then takes
   as many columns as fit, ending after the last whole word when the rest
   does not fit (or inside a word longer than the line). Returns where the
   next line starts; *b and *e receive the line's byte range. */
static size_t wrap_line(const char *s, size_t p, size_t end, int cols, size_t *b, size_t *e)
{
    while (p < end && s[p] == ' ') p++;
    size_t q = p, cut = p;
    int c = 0;
    while (q < end && c < cols) {
        if (s[q] == ' ') cut = q;
        q++;
        while (q < end && is_cont((unsigned char)s[q])) q++;
        c++;
    }
    size_t stop = q;
    if (q < end && s[q] != ' ' && cut > p) stop = cut; /* break before the word that overflows */
    *b = p;
    *e = stop;
    while (*e > *b && s[*e - 1] == ' ') (*e)--;
    return stop;
}

int tui_wrap(const char *s, int cols, int *start, int *len, int max)
{
    int n = 0;
    size_t i = 0;
    if (cols < 1) cols = 1;
    for (;;) {
        size_t end = i;
        while (s[end] && s[end] != '\n') end++;
        size_t p = i;
        do { /* an empty paragraph still takes a line */
            size_t b, e;
            p = wrap_line(s, p, end, cols, &b, &e);
            if (n < max) {
                start[n] = (int)b;
                len[n] = (int)(e - b);
            }
            n++;
            while (p < end && s[p] == ' ') p++;
        } while (p < end);
        if (!s[end]) break;
        i = end + 1;
    }
    return n;
}

/* ------------------------------------------------------------ fitting */

/* 1 when s ends with separator sep. */
static int ends_with(const char *s, size_t len, const char *sep)
{
    size_t k = strlen(sep);
    return len >= k && memcmp(s + len - k, sep, k) == 0;
}

/* Cuts UTF-8 s back to the words that fit in w columns (at a space),
   without trailing spaces or a dangling separator (, ; : - | em dash,
   middle dot). Returns its columns; 0 when not even the first word fits
   (s is then empty). */
int tui_fit_words(char *s, int w)
{
    static const char *const SEPS[] = { " ", ",", ";", ":", "-", "|", "\xE2\x80\x94", "\xE2\x80\x93",
                                        "\xC2\xB7" };
    if (tui_utf8_cols(s) <= w) return tui_utf8_cols(s);
    size_t len = tui_utf8_fit(s, w);
    if (s[len] != ' ')
        while (len > 0 && s[len - 1] != ' ') len--; /* back to the start of the cut word */
    for (int again = 1; again && len > 0;) {
        again = 0;
        for (size_t i = 0; i < sizeof SEPS / sizeof SEPS[0]; i++)
            if (ends_with(s, len, SEPS[i])) {
                len -= strlen(SEPS[i]);
                again = 1;
            }
    }
    s[len] = '\0';
    return tui_utf8_cols(s);
}

/* Cuts s (n bytes) to w columns at a clause: the last ", " or "; "
   outside parentheses that leaves a fitting prefix; when none does, to
   whole words with an ellipsis. Returns its columns (0: nothing fits). */
int tui_fit_clauses(char *s, size_t n, int w)
{
    if (tui_utf8_cols(s) <= w) return tui_utf8_cols(s);
    size_t best = 0;
    int depth = 0; /* a comma inside parentheses, (1.00, 2.00), ends no clause */
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '(') depth++;
        else if (s[i] == ')' && depth > 0) depth--;
        else if (depth == 0 && (s[i] == ',' || s[i] == ';') && s[i + 1] == ' ') {
            char c = s[i];
            s[i] = '\0';
            int fits = tui_utf8_cols(s) <= w;
            s[i] = c;
            if (!fits) break;
            best = i;
        }
    }
    if (best > 0) {
        s[best] = '\0';
        return tui_utf8_cols(s);
    }
    if (w < 2) {
        s[0] = '\0';
        return 0;
    }
    if (tui_fit_words(s, w - 1) == 0) return 0;
    size_t end = strlen(s);
    while (end > 0 && end + 4 > n) end--; /* room for the ellipsis, on a character boundary */
    while (end > 0 && ((unsigned char)s[end] & 0xC0) == 0x80) end--;
    memcpy(s + end, "\xE2\x80\xA6", 4);
    return tui_utf8_cols(s);
}

/* Cuts s to w columns at its last separators sep (whole items left out
   from the end). Returns its columns (0: not even the first item fits). */
int tui_fit_items(char *s, int w, const char *sep)
{
    while (tui_utf8_cols(s) > w) {
        char *last = NULL, *p = s;
        while ((p = strstr(p, sep)) != NULL) last = p++;
        if (!last) {
            s[0] = '\0';
            return 0;
        }
        *last = '\0';
    }
    return tui_utf8_cols(s);
}
