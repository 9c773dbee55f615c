/* "Did you mean …": the nearest of a list of names to a mistyped one, for
   the messages that refuse an unknown flag, command, parameter, value or
   file name. */
#ifndef PBDE_SUGGEST_H
#define PBDE_SUGGEST_H

#include <stddef.h>

/* The candidate nearest to word, when it is near enough to be what was
   meant: equal but for letter case, or at most max(1, len/3) edits away
   (insertions, deletions, substitutions and swaps of two neighbours,
   ignoring case), the fewest edits winning and the earlier candidate on a
   tie. NULL when none is, when word is one of the candidates, or empty. */
const char *suggest_nearest(const char *word, const char *const *cands, size_t n);

/* Appends " (did you mean 'X'?)" to the message in buf (n bytes) when
   suggest_nearest finds an X; prefix is put before X (e.g. "--"). */
void suggest_append(char *buf, size_t n, const char *word, const char *const *cands, size_t nc,
                    const char *prefix);

#endif
