/* The `:` prompt's line editor. Commands themselves run in command.c. */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

void tui_prompt_open(tui_prompt_t *p)
{
    p->on = 1;
    p->buf[0] = '\0';
    p->len = p->cur = 0;
    p->hist_pos = p->n_hist;
}

static void set_line(tui_prompt_t *p, const char *s)
{
    snprintf(p->buf, sizeof p->buf, "%s", s);
    p->len = p->cur = (int)strlen(p->buf);
}

static void remember(tui_prompt_t *p)
{
    if (p->len == 0) return;
    if (p->n_hist > 0 && strcmp(p->hist[p->n_hist - 1], p->buf) == 0) return;
    if (p->n_hist == TUI_PROMPT_HISTORY) {
        memmove(p->hist[0], p->hist[1], sizeof p->hist[0] * (TUI_PROMPT_HISTORY - 1));
        p->n_hist--;
    }
    snprintf(p->hist[p->n_hist++], sizeof p->hist[0], "%s", p->buf);
}

static void delete_at(tui_prompt_t *p, int i)
{
    if (i < 0 || i >= p->len) return;
    memmove(p->buf + i, p->buf + i + 1, (size_t)(p->len - i));
    p->len--;
}

tui_prompt_event tui_prompt_key(tui_prompt_t *p, int is_code, unsigned ch)
{
    if (is_code) {
        switch (ch) {
        case KEY_LEFT: if (p->cur > 0) p->cur--; break;
        case KEY_RIGHT: if (p->cur < p->len) p->cur++; break;
        case KEY_HOME: p->cur = 0; break;
        case KEY_END: p->cur = p->len; break;
        case KEY_BACKSPACE:
            if (p->cur == 0 && p->len == 0) {
                p->on = 0;
                return PROMPT_CANCEL;
            }
            if (p->cur > 0) delete_at(p, --p->cur);
            break;
        case KEY_DC: delete_at(p, p->cur); break;
        case KEY_UP:
            if (p->hist_pos > 0) set_line(p, p->hist[--p->hist_pos]);
            break;
        case KEY_DOWN:
            if (p->hist_pos < p->n_hist - 1) set_line(p, p->hist[++p->hist_pos]);
            else {
                p->hist_pos = p->n_hist;
                set_line(p, "");
            }
            break;
        case KEY_ENTER:
            remember(p);
            p->on = 0;
            return PROMPT_ENTER;
        default: break;
        }
        return PROMPT_EDITING;
    }
    switch (ch) {
    case 27: /* Escape */
    case 3:  /* Ctrl-C never arrives here (it is SIGINT), Ctrl-G does */
    case 7:
        p->on = 0;
        return PROMPT_CANCEL;
    case '\r':
    case '\n':
        remember(p);
        p->on = 0;
        return PROMPT_ENTER;
    case 127:
    case 8:
        if (p->cur == 0 && p->len == 0) {
            p->on = 0;
            return PROMPT_CANCEL;
        }
        if (p->cur > 0) delete_at(p, --p->cur);
        return PROMPT_EDITING;
    case 21: /* Ctrl-U: clear */
        set_line(p, "");
        return PROMPT_EDITING;
    case 1: p->cur = 0; return PROMPT_EDITING;      /* Ctrl-A */
    case 5: p->cur = p->len; return PROMPT_EDITING; /* Ctrl-E */
    case '\t': {
        char out[TUI_PROMPT_MAX];
        if (p->cur == p->len && tui_complete(p->buf, out, sizeof out) > 0) set_line(p, out);
        return PROMPT_EDITING;
    }
    default: break;
    }
    if (ch >= 0x20 && ch < 0x7f && p->len + 1 < TUI_PROMPT_MAX) {
        memmove(p->buf + p->cur + 1, p->buf + p->cur, (size_t)(p->len - p->cur + 1));
        p->buf[p->cur++] = (char)ch;
        p->len++;
    }
    return PROMPT_EDITING;
}
