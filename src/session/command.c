/* The `:` prompt's commands (set, save, help, quit), the scenario writer
   behind :save, and name completion, for every front end. Pure: no
   terminal, no window, no session. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pbde/scenario.h"
#include "pbde/suggest.h"
#include "pbde/session.h"

#define MAX_TOKENS 4

/* Splits line into at most MAX_TOKENS whitespace-separated tokens (the
   last one keeps the rest of the line, so a file name may hold spaces).
   Returns the token count; buf holds the copies. */
static int tokenise(const char *line, char *buf, size_t n, char *tok[MAX_TOKENS])
{
    snprintf(buf, n, "%s", line);
    int nt = 0;
    char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == ':') s++;
    while (*s && nt < MAX_TOKENS) {
        tok[nt++] = s;
        if (nt == MAX_TOKENS) break;
        while (*s && *s != ' ' && *s != '\t') s++;
        if (!*s) break;
        *s++ = '\0';
        while (*s == ' ' || *s == '\t') s++;
    }
    if (nt > 0) { /* trim the last token's trailing blanks */
        char *e = tok[nt - 1] + strlen(tok[nt - 1]);
        while (e > tok[nt - 1] && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
    }
    return nt;
}

static session_cmd_result cmd_set(int nt, char **tok, params_t *p, char *msg, size_t msglen)
{
    const char *name = nt > 1 ? tok[1] : NULL, *value = nt > 2 ? tok[2] : NULL;
    char namebuf[64];
    if (name && !value) { /* set name=value */
        const char *eq = strchr(name, '=');
        if (eq) {
            snprintf(namebuf, sizeof namebuf, "%.*s", (int)(eq - name), name);
            name = namebuf;
            value = eq + 1;
        }
    }
    if (!name || !value || !*value) {
        snprintf(msg, msglen, "usage: set NAME VALUE (Tab completes names; :help NAME explains one)");
        return SESSION_CMD_ERROR;
    }
    if (nt > 3) {
        snprintf(msg, msglen, "set takes one value: set %s VALUE", name);
        return SESSION_CMD_ERROR;
    }
    const param_def_t *def = params_find(name);
    if (!def) {
        params_unknown(name, msg, msglen);
        size_t used = strlen(msg);
        if (used < msglen) snprintf(msg + used, msglen - used, "; pbde list params names them all");
        return SESSION_CMD_ERROR;
    }
    params_t q = *p;
    char err[400];
    if (params_set(&q, name, value, err, sizeof err) != 0) {
        snprintf(msg, msglen, "%s: %s", name, err);
        return SESSION_CMD_ERROR;
    }
    if (params_check(&q, err, sizeof err) != 0) {
        snprintf(msg, msglen, "%s %s: %s", name, value, err);
        return SESSION_CMD_ERROR;
    }
    char now[64];
    params_format(&q, def, now, sizeof now);
    if (memcmp(&q, p, sizeof q) == 0) {
        snprintf(msg, msglen, "%s is already %s", name, now);
        return SESSION_CMD_NOTHING;
    }
    *p = q;
    snprintf(msg, msglen, "%s = %s", name, now);
    return SESSION_CMD_SET;
}

static session_cmd_result cmd_help(int nt, char **tok, const params_t *p, char *msg, size_t msglen)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    if (nt < 2) {
        size_t used = (size_t)snprintf(msg, msglen, "parameters:");
        for (size_t i = 0; i < n && used < msglen; i++)
            used += (size_t)snprintf(msg + used, msglen - used, " %s", tab[i].name);
        return SESSION_CMD_NOTHING;
    }
    const param_def_t *def = params_find(tok[1]);
    if (!def) {
        params_unknown(tok[1], msg, msglen);
        return SESSION_CMD_ERROR;
    }
    char now[64], allowed[256];
    params_format(p, def, now, sizeof now);
    params_allowed(def, allowed, sizeof allowed);
    snprintf(msg, msglen, "%s: %s; now %s; allowed: %s", def->name, def->help, now, allowed);
    return SESSION_CMD_NOTHING;
}

session_cmd_result session_command(const char *line, params_t *p, char *msg, size_t msglen)
{
    char buf[512], *tok[MAX_TOKENS];
    int nt = tokenise(line, buf, sizeof buf, tok);
    msg[0] = '\0';
    if (nt == 0) return SESSION_CMD_NOTHING;
    const char *c = tok[0];
    if (strcmp(c, "set") == 0) return cmd_set(nt, tok, p, msg, msglen);
    if (strcmp(c, "help") == 0 || strcmp(c, "h") == 0) return cmd_help(nt, tok, p, msg, msglen);
    if (strcmp(c, "q") == 0 || strcmp(c, "quit") == 0) return SESSION_CMD_QUIT;
    if (strcmp(c, "save") == 0 || strcmp(c, "w") == 0) {
        if (nt < 2) {
            snprintf(msg, msglen, "usage: save FILE (a scenario file, e.g. mine.ini)");
            return SESSION_CMD_ERROR;
        }
        char path[400], err[300];
        /* the path is everything after the command (words rejoined) */
        snprintf(path, sizeof path, "%s", tok[1]);
        for (int i = 2; i < nt; i++) {
            size_t l = strlen(path);
            snprintf(path + l, sizeof path - l, " %s", tok[i]);
        }
        if (session_save_ini(p, path, err, sizeof err) != 0) {
            snprintf(msg, msglen, "could not save %s: %s", path, err);
            return SESSION_CMD_ERROR;
        }
        snprintf(msg, msglen, "saved the parameters to %s", path);
        return SESSION_CMD_NOTHING;
    }
    /* "NAME VALUE" and "NAME=VALUE" set a parameter too */
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(c, "="), c);
    if (params_find(name)) {
        char *set[MAX_TOKENS + 1] = { "set" };
        for (int i = 0; i < nt; i++) set[i + 1] = tok[i];
        return cmd_set(nt + 1, set, p, msg, msglen);
    }
    /* a typo of a command or of a parameter's name */
    const char *cands[160] = { "set", "save", "save-pairs", "help", "quit" };
    size_t nc = 5, np;
    const param_def_t *tab = params_table(&np);
    for (size_t i = 0; i < np && nc < 160; i++) cands[nc++] = tab[i].name;
    snprintf(msg, msglen, "unknown command '%s'", name);
    suggest_append(msg, msglen, name, cands, nc, "");
    size_t used = strlen(msg);
    if (used < msglen) snprintf(msg + used, msglen - used, ": try set NAME VALUE, save FILE, help NAME, quit");
    return SESSION_CMD_ERROR;
}

static const view_item_t COMMANDS[] = {
    { ":set NAME VALUE", "set any parameter (Tab completes)" },
    { ":save FILE", "save the parameters as a scenario" },
    { ":save-pairs FILE", "save the answers as CSV (--pairs-file)" },
    { ":room [OPTIONS]", "phones answer: off, next, NAME=V" },
    { ":help NAME", "what a parameter means and allows" },
    { ":quit", "quit" },
};

const view_item_t *session_commands(size_t *n)
{
    *n = sizeof COMMANDS / sizeof COMMANDS[0];
    return COMMANDS;
}

/* ------------------------------------------------------------ :save */

int session_save_ini(const params_t *p, const char *path, char *err, size_t errlen)
{
    if (!path[0]) {
        snprintf(err, errlen, "empty file name");
        return -1;
    }
    /* scenario_save also writes a painted or loaded image density as a PGM
       beside the file, so the scenario keeps it */
    return scenario_save(path, p, "saved from the explorer", err, errlen);
}

/* ------------------------------------------------------------ completion */

/* Completes the last word of line (which starts at `word`) from the
   candidates given by name(i), i < count; returns how many matched. */
static int complete_from(const char *line, size_t word, int count, const char *(*name)(int),
                         char *out, size_t n)
{
    const char *w = line + word;
    size_t wl = strlen(w);
    int matches = 0;
    char common[128] = "";
    for (int i = 0; i < count; i++) {
        const char *c = name(i);
        if (!c || strncmp(c, w, wl) != 0) continue;
        if (matches++ == 0) {
            snprintf(common, sizeof common, "%s", c);
        } else {
            size_t k = 0;
            while (common[k] && common[k] == c[k]) k++;
            common[k] = '\0';
        }
    }
    if (matches == 0) {
        snprintf(out, n, "%s", line);
        return 0;
    }
    snprintf(out, n, "%.*s%s%s", (int)word, line, common, matches == 1 ? " " : "");
    return matches;
}

static const char *param_name(int i)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    return i >= 0 && (size_t)i < n ? tab[i].name : NULL;
}

int session_complete(const char *line, char *out, size_t n)
{
    /* words: command, name, value */
    const char *s = line;
    while (*s == ' ' || *s == ':') s++;
    const char *cmd = s;
    while (*s && *s != ' ') s++;
    size_t cmdlen = (size_t)(s - cmd);
    if (!*s) { /* completing the command itself */
        static const char *const CMDS[] = { "set", "save", "help", "quit" };
        int m = 0;
        const char *hit = NULL;
        for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
            if (strncmp(CMDS[i], cmd, cmdlen) == 0) {
                m++;
                hit = CMDS[i];
            }
        if (m == 1) snprintf(out, n, "%.*s%s ", (int)(cmd - line), line, hit);
        else snprintf(out, n, "%s", line);
        return m;
    }
    int is_set = cmdlen == 3 && strncmp(cmd, "set", 3) == 0;
    int is_help = cmdlen == 4 && strncmp(cmd, "help", 4) == 0;
    if (!is_set && !is_help) {
        snprintf(out, n, "%s", line);
        return 0;
    }
    while (*s == ' ') s++;
    const char *name = s;
    while (*s && *s != ' ') s++;
    size_t count;
    params_table(&count);
    if (!*s) return complete_from(line, (size_t)(name - line), (int)count, param_name, out, n);
    if (!is_set) {
        snprintf(out, n, "%s", line);
        return 0;
    }
    char pname[64];
    snprintf(pname, sizeof pname, "%.*s", (int)(s - name), name);
    const param_def_t *def = params_find(pname);
    while (*s == ' ') s++;
    if (!def || def->type != PARAM_CHOICE || strchr(s, ' ')) {
        snprintf(out, n, "%s", line);
        return 0;
    }
    return complete_from(line, (size_t)(s - line), def->count(), def->label, out, n);
}
