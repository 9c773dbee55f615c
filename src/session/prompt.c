/* The `:` prompt's line editor, over the key codes of pbde/view.h (every
   front end maps its keys onto them). Commands run in command.c. */
#include <stdio.h>
#include <string.h>

#include "pbde/session.h"

void session_prompt_open(session_prompt_t *p)
{
    p->on = 1;
    p->buf[0] = '\0';
    p->len = p->cur = 0;
    p->hist_pos = p->n_hist;
}

static void set_line(session_prompt_t *p, const char *s)
{
    snprintf(p->buf, sizeof p->buf, "%s", s);
    p->len = p->cur = (int)strlen(p->buf);
}

static void remember(session_prompt_t *p)
{
    if (p->len == 0) return;
    if (p->n_hist > 0 && strcmp(p->hist[p->n_hist - 1], p->buf) == 0) return;
    if (p->n_hist == SESSION_PROMPT_HISTORY) {
        memmove(p->hist[0], p->hist[1], sizeof p->hist[0] * (SESSION_PROMPT_HISTORY - 1));
        p->n_hist--;
    }
    snprintf(p->hist[p->n_hist++], sizeof p->hist[0], "%s", p->buf);
}

static void delete_at(session_prompt_t *p, int i)
{
    if (i < 0 || i >= p->len) return;
    memmove(p->buf + i, p->buf + i + 1, (size_t)(p->len - i));
    p->len--;
}

static session_prompt_event backspace(session_prompt_t *p)
{
    if (p->cur == 0 && p->len == 0) {
        p->on = 0;
        return PROMPT_CANCEL;
    }
    if (p->cur > 0) delete_at(p, --p->cur);
    return PROMPT_EDITING;
}

session_prompt_event session_prompt_key(session_prompt_t *p, int key)
{
    switch (key) {
    case VIEW_KEY_LEFT: if (p->cur > 0) p->cur--; return PROMPT_EDITING;
    case VIEW_KEY_RIGHT: if (p->cur < p->len) p->cur++; return PROMPT_EDITING;
    case VIEW_KEY_HOME:
    case 1: /* Ctrl-A */
        p->cur = 0;
        return PROMPT_EDITING;
    case VIEW_KEY_END:
    case 5: /* Ctrl-E */
        p->cur = p->len;
        return PROMPT_EDITING;
    case VIEW_KEY_DELETE: delete_at(p, p->cur); return PROMPT_EDITING;
    case VIEW_KEY_UP:
        if (p->hist_pos > 0) set_line(p, p->hist[--p->hist_pos]);
        return PROMPT_EDITING;
    case VIEW_KEY_DOWN:
        if (p->hist_pos < p->n_hist - 1) set_line(p, p->hist[++p->hist_pos]);
        else {
            p->hist_pos = p->n_hist;
            set_line(p, "");
        }
        return PROMPT_EDITING;
    case VIEW_KEY_ESCAPE:
    case 27:
    case 3: /* Ctrl-C (in a terminal it is SIGINT), Ctrl-G */
    case 7:
        p->on = 0;
        return PROMPT_CANCEL;
    case VIEW_KEY_ENTER:
    case '\r':
    case '\n':
        remember(p);
        p->on = 0;
        return PROMPT_ENTER;
    case VIEW_KEY_BACKSPACE:
    case 127:
    case 8: return backspace(p);
    case 21: /* Ctrl-U: clear */
        set_line(p, "");
        return PROMPT_EDITING;
    case '\t': {
        char out[SESSION_PROMPT_MAX];
        if (p->cur == p->len && session_complete(p->buf, out, sizeof out) > 0) set_line(p, out);
        return PROMPT_EDITING;
    }
    default: break;
    }
    if (key >= 0x20 && key < 0x7f && p->len + 1 < SESSION_PROMPT_MAX) {
        memmove(p->buf + p->cur + 1, p->buf + p->cur, (size_t)(p->len - p->cur + 1));
        p->buf[p->cur++] = (char)key;
        p->len++;
    }
    return PROMPT_EDITING;
}
