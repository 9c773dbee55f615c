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

static const struct {
    const char *name, *symbol, *ascii;
} SYMBOLS[] = {
    { "beta", "\xCE\xB2", "beta" },
    { "alpha", "\xCE\xB1", "alpha" },
    { "tau", "\xCF\x84", "tau" },
    { "delta", "\xCE\xB4", "delta" },
    { "lambda", "\xCE\xBB", "lambda" },
    { "rationality", "s", "s" },
    { "annotator-beta", "\xCE\xB2\xE2\x82\x90", "beta_a" }, /* β with subscript a */
    { "flip", "\xCE\xB5", "eps" },
    { "components", "K", "K" },
};

const char *tui_param_symbol(const char *name, int ascii)
{
    for (size_t i = 0; i < sizeof SYMBOLS / sizeof SYMBOLS[0]; i++)
        if (strcmp(SYMBOLS[i].name, name) == 0) return ascii ? SYMBOLS[i].ascii : SYMBOLS[i].symbol;
    return name;
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
