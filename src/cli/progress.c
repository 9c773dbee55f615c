/* A progress bar on standard error for long commands (render, curve):
   "pbde render  [##########----------]  50%  frame 45/90  ~3 s left",
   redrawn at most 10 times a second, only when standard error is a
   terminal (nothing at all in scripts and logs), erased at the end. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pbde/common.h"

void progress_begin(progress_t *p, const char *label)
{
    memset(p, 0, sizeof *p);
    p->on = isatty(STDERR_FILENO);
    p->t0 = pbde_now();
    p->last = -1;
    snprintf(p->label, sizeof p->label, "%s", label);
}

void progress_show(progress_t *p, double done, double total, const char *what)
{
    if (!p->on || !(total > 0)) return;
    double now = pbde_now();
    if (p->last >= 0 && now - p->last < 0.1 && done < total) return;
    p->last = now;
    double f = done / total;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    enum { WIDTH = 20 };
    char bar[WIDTH + 1];
    int full = (int)(f * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++) bar[i] = i < full ? '#' : '-';
    bar[WIDTH] = '\0';
    char eta[32] = "";
    double spent = now - p->t0;
    if (f > 0.02 && spent > 0.5) {
        double left = spent * (1 - f) / f;
        if (left >= 90) snprintf(eta, sizeof eta, "  ~%.0f min left", left / 60);
        else snprintf(eta, sizeof eta, "  ~%.0f s left", left);
    }
    fprintf(stderr, "\r%s  [%s] %3.0f%%  %s%s\033[K", p->label, bar, 100 * f, what ? what : "", eta);
    fflush(stderr);
    p->shown = 1;
}

void progress_end(progress_t *p)
{
    if (p->on && p->shown) fprintf(stderr, "\r\033[K");
    p->shown = 0;
}
