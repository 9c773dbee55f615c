/* The screen's notation (see view.h, "notation"): the core's ASCII
   formulas ("pi_ref * exp(F_a/beta)") in the symbols every panel, plot
   and caption uses ("π_ref exp(F_a/β)"). */
#include "pbde/view.h"

#include <ctype.h>
#include <string.h>

/* Greek letters and operators by their ASCII names. Only symbols the
   terminal's ASCII fallback spells back are used, so an ASCII terminal
   still reads "pi_ref exp(F_a/beta)". */
static const struct {
    const char *ascii, *utf8;
} WORD[] = {
    { "pi", "\xCF\x80" },     { "theta", "\xCE\xB8" }, { "beta", "\xCE\xB2" },
    { "alpha", "\xCE\xB1" },  { "tau", "\xCF\x84" },   { "delta", "\xCE\xB4" },
    { "lambda", "\xCE\xBB" }, { "mu", "\xCE\xBC" },    { "eps", "\xCE\xB5" },
    { "sigma", "\xCF\x83" },  { "omega", "\xCF\x89" }, { "Phi", "\xCE\xA6" },
    { "sum", "\xE2\x88\x91" },
};

static const struct {
    const char *ascii, *utf8;
} OPERATOR[] = {
    { " * ", " " },            /* a product is written as juxtaposition */
    { " > ", " \xE2\x89\xBB " }, /* preferred to */
    { "||", "\xE2\x80\x96" },
    { "-", "\xE2\x88\x92" },    /* minus (formulas have no hyphenated words) */
};

static int ident_char(char c)
{
    return isalnum((unsigned char)c) != 0;
}

/* Appends len bytes of s to out(n) at *o, keeping room for the NUL. */
static void put(char *out, size_t n, size_t *o, const char *s, size_t len)
{
    if (*o + len + 1 > n) len = *o + 1 < n ? n - 1 - *o : 0;
    memcpy(out + *o, s, len);
    *o += len;
}

void view_formula(char *out, size_t n, const char *ascii)
{
    if (n == 0) return;
    size_t o = 0;
    const char *s = ascii ? ascii : "";
    while (*s && o + 1 < n) {
        /* a word: its parts between underscores are looked up alone
           ("pi_ref" -> pi, ref) */
        if (ident_char(*s) && (s == ascii || !ident_char(s[-1]))) {
            size_t len = 0;
            while (ident_char(s[len])) len++;
            const char *rep = NULL;
            for (size_t i = 0; i < sizeof WORD / sizeof WORD[0]; i++)
                if (strlen(WORD[i].ascii) == len && strncmp(s, WORD[i].ascii, len) == 0)
                    rep = WORD[i].utf8;
            if (rep) put(out, n, &o, rep, strlen(rep));
            else put(out, n, &o, s, len);
            s += len;
            continue;
        }
        size_t i = 0;
        for (; i < sizeof OPERATOR / sizeof OPERATOR[0]; i++) {
            size_t len = strlen(OPERATOR[i].ascii);
            if (strncmp(s, OPERATOR[i].ascii, len) == 0) {
                put(out, n, &o, OPERATOR[i].utf8, strlen(OPERATOR[i].utf8));
                s += len;
                break;
            }
        }
        if (i == sizeof OPERATOR / sizeof OPERATOR[0]) put(out, n, &o, s++, 1);
    }
    /* never end inside a character */
    if (o > 0) {
        size_t b = o - 1;
        while (b > 0 && ((unsigned char)out[b] & 0xC0) == 0x80) b--;
        unsigned char lead = (unsigned char)out[b];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (o - b < need) o = b;
    }
    out[o] = '\0';
}
