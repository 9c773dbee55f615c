/* "Did you mean …": optimal string alignment distance over lower-cased
   letters, on names of at most SUGGEST_MAX bytes. */
#include "pbde/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX 64

static int lower(int c)
{
    return tolower((unsigned char)c);
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

/* Edits from a to b (case ignored), or a large number for names too long. */
static int distance(const char *a, const char *b)
{
    int n = (int)strlen(a), m = (int)strlen(b);
    if (n > SUGGEST_MAX || m > SUGGEST_MAX) return 1 << 20;
    int d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
    for (int i = 0; i <= n; i++) d[i][0] = i;
    for (int j = 0; j <= m; j++) d[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int cost = lower(a[i - 1]) != lower(b[j - 1]);
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]) &&
                d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    return d[n][m];
}

const char *suggest_nearest(const char *word, const char *const *cands, size_t n)
{
    if (!word || !*word) return NULL;
    int len = (int)strlen(word);
    int limit = len / 3 > 1 ? len / 3 : 1;
    for (size_t i = 0; i < n; i++)
        if (cands[i] && strcmp(cands[i], word) == 0) return NULL; /* a known name */
    const char *best = NULL;
    int best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || !*cands[i]) continue;
        int dd = distance(word, cands[i]);
        if (dd < best_d) {
            best_d = dd;
            best = cands[i];
        }
    }
    return best;
}

void suggest_append(char *buf, size_t n, const char *word, const char *const *cands, size_t nc,
                    const char *prefix)
{
    const char *s = suggest_nearest(word, cands, nc);
    size_t used = strlen(buf);
    if (s && used < n) snprintf(buf + used, n - used, " (did you mean '%s%s'?)", prefix ? prefix : "", s);
}
