/* Scenario files, parsed with inih through a line-counting reader so every
   message names file:line. */
#include "pbde/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/stat.h>

#include "pbde/outfile.h"
#include "pbde/suggest.h"

static const char *const SECTIONS[] = { "world", "annotator", "objective", "training", "view" };

/* inih reads through this: it counts lines and refuses overlong ones, which
   inih would otherwise silently split. */
typedef struct {
    const char *text;
    size_t len, pos;
    int line;
    int overlong;      /* line number of the first overlong line, 0: none */
    int nul;           /* line number of the first line holding a NUL byte, 0: none */
    int bad_section;   /* line number of the first unknown [section], 0: none */
    char section[64];  /* its name */
} reader_t;

static int known_section(const char *s);

/* Checks a "[name]" line here: inih does not report a section that has no
   keys, and an unknown one is an error even when empty. */
static void check_section(reader_t *r, const char *line, size_t n)
{
    size_t a = 0;
    while (a < n && (line[a] == ' ' || line[a] == '\t')) a++;
    if (a >= n || line[a] != '[') return;
    size_t b = a + 1;
    while (b < n && line[b] != ']') b++;
    if (b >= n) return; /* no closing bracket: inih reports the line */
    char name[64];
    size_t len = b - a - 1 < sizeof name - 1 ? b - a - 1 : sizeof name - 1;
    memcpy(name, line + a + 1, len);
    name[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 32 || (unsigned char)name[i] > 126) name[i] = '?';
    if (!known_section(name) && !r->bad_section) {
        r->bad_section = r->line;
        snprintf(r->section, sizeof r->section, "%s", name);
    }
}

/* inih's stack buffer per line (Debian builds it with INI_MAX_LINE 200) */
#define LINE_MAX_CHARS 198

typedef struct {
    reader_t *rd;
    const char *name;
    params_t p;
    char err[512];
    int failed;        /* line of the handler's first error, 0: none */
} load_t;

static char *read_line(char *str, int num, void *stream)
{
    reader_t *r = stream;
    if (r->pos >= r->len) return NULL;
    size_t end = r->pos;
    while (end < r->len && r->text[end] != '\n') end++;
    size_t n = end - r->pos;
    r->line++;
    if (n > LINE_MAX_CHARS || n + 2 > (size_t)num) {
        if (!r->overlong) r->overlong = r->line;
        n = 0; /* hand inih an empty line; the error is reported afterwards */
    }
    if (memchr(r->text + r->pos, '\0', n)) {
        if (!r->nul) r->nul = r->line;
        n = 0; /* binary, not text: reported afterwards */
    }
    memcpy(str, r->text + r->pos, n);
    check_section(r, str, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    r->pos = end < r->len ? end + 1 : end;
    return str;
}

static int known_section(const char *s)
{
    for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
        if (strcmp(SECTIONS[i], s) == 0) return 1;
    return 0;
}

/* Records the first error (msg) at the reader's current line; returns 0 so
   inih counts the line as an error. */
static int fail(load_t *ld, const char *msg)
{
    if (!ld->failed) {
        snprintf(ld->err, sizeof ld->err, "%s:%d: %s", ld->name, ld->rd->line, msg);
        ld->failed = ld->rd->line;
    }
    return 0;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    load_t *ld = user;
    char msg[400];
    if (ld->failed) return 0;
    if (!known_section(section)) {
        snprintf(msg, sizeof msg, "unknown section [%s]: expected one of [world] [annotator] "
                                  "[objective] [training] [view]", section);
        return fail(ld, msg);
    }
    const param_def_t *def = params_find(name);
    if (!def) {
        snprintf(msg, sizeof msg, "unknown key '%s' in [%s] (see pbde train --help)", name, section);
        return fail(ld, msg);
    }
    if (strcmp(def->section, section) != 0) {
        snprintf(msg, sizeof msg, "key '%s' belongs in [%s], not [%s]", name, def->section, section);
        return fail(ld, msg);
    }
    /* file names inside a scenario are relative to its folder */
    char resolved[PARAMS_PATH_MAX + 8];
    int is_image = strcmp(name, "density") == 0 && strncmp(value, "image:", 6) == 0;
    int is_file = def->type == PARAM_STRING && value[0];
    if (is_image && strcmp(value, "image:painted") == 0)
        return fail(ld, "density: image:painted names no file (save the scenario from an explorer "
                        "with :save: it writes the picture beside it as a .pgm)");
    if (is_image || is_file) {
        const char *file = is_image ? value + 6 : value;
        const char *slash = strrchr(ld->name, '/');
        if (file[0] != '/' && slash) {
            int dl = (int)(slash - ld->name);
            int n = snprintf(resolved, sizeof resolved, "%s%.*s/%s", is_image ? "image:" : "", dl,
                             ld->name, file);
            if (n < 0 || (size_t)n >= sizeof resolved || (size_t)n - (is_image ? 6 : 0) >= PARAMS_PATH_MAX) {
                snprintf(msg, sizeof msg, "%s: the file name with the scenario's folder is too long "
                         "(at most %d bytes)", name, PARAMS_PATH_MAX - 1);
                return fail(ld, msg);
            }
            value = resolved;
        }
    }
    char e[300];
    if (params_set(&ld->p, name, value, e, sizeof e) != 0) {
        snprintf(msg, sizeof msg, "%s: %s", name, e);
        return fail(ld, msg);
    }
    return 1;
}

int scenario_load_text(const char *text, size_t len, const char *name, params_t *p, char *err,
                       size_t errlen)
{
    reader_t rd;
    memset(&rd, 0, sizeof rd);
    rd.text = text;
    rd.len = len;
    load_t ld;
    memset(&ld, 0, sizeof ld);
    ld.rd = &rd;
    ld.name = name;
    ld.p = *p;
    int rc = ini_parse_stream(read_line, &rd, on_pair, &ld);
    /* report the earliest problem: an overlong line, an unknown section, a
       bad key or value, a line inih could not parse, or a NUL byte */
    int lines[5] = { rd.overlong, rd.bad_section, ld.failed, rc > 0 ? rc : 0, rd.nul };
    int first = -1;
    for (int i = 0; i < 5; i++)
        if (lines[i] > 0 && (first < 0 || lines[i] < lines[first])) first = i;
    switch (first) {
    case 0:
        snprintf(err, errlen, "%s:%d: line too long (at most %d characters)", name, rd.overlong,
                 LINE_MAX_CHARS);
        return -1;
    case 1:
        snprintf(err, errlen, "%s:%d: unknown section [%s]: expected one of [world] [annotator] "
                 "[objective] [training] [view]", name, rd.bad_section, rd.section);
        return -1;
    case 2:
        snprintf(err, errlen, "%s", ld.err);
        return -1;
    case 3:
        snprintf(err, errlen, "%s:%d: not a scenario line: expected [section] or name = value", name,
                 rc);
        return -1;
    case 4:
        snprintf(err, errlen, "%s:%d: not a text line (it holds a NUL byte)", name, rd.nul);
        return -1;
    default:
        break;
    }
    char e[400];
    if (params_check(&ld.p, e, sizeof e) != 0) {
        snprintf(err, errlen, "%s: %s", name, e);
        return -1;
    }
    *p = ld.p;
    return 0;
}

/* Reads a whole file of at most SCENARIO_MAX_BYTES into a new buffer. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SCENARIO_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, SCENARIO_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: cannot read%s", path, buf ? " (is it a directory?)" : ": out of memory");
        free(buf);
        return NULL;
    }
    if (n > SCENARIO_MAX_BYTES) {
        snprintf(err, errlen, "%s: too large for a scenario (more than %d bytes)", path, SCENARIO_MAX_BYTES);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int scenario_load(const char *path, params_t *p, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len, err, errlen);
    if (!text) return -1;
    int rc = scenario_load_text(text, len, path, p, err, errlen);
    free(text);
    return rc;
}

int scenario_write(FILE *f, const params_t *p, const char *description)
{
    size_t n;
    const param_def_t *tab = params_table(&n);
    fprintf(f, "; %s\n", description && *description ? description : "pbde scenario");
    for (size_t s = 0; s < sizeof SECTIONS / sizeof SECTIONS[0]; s++) {
        fprintf(f, "\n[%s]\n", SECTIONS[s]);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(tab[i].section, SECTIONS[s]) != 0) continue;
            char v[PARAMS_PATH_MAX + 16];
            params_format(p, &tab[i], v, sizeof v);
            fprintf(f, "%s = %s\n", tab[i].name, v);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* Writes text through path.tmp.PID and a rename. Returns 0, or -1 with
   errno set. */
static int write_scenario_file(const char *path, const params_t *p, const char *description)
{
    outfile_t o;
    if (outfile_open(&o, path, "w") != 0) return -1;
    if (scenario_write(o.f, p, description) != 0) {
        int saved = errno;
        outfile_abort(&o);
        errno = saved ? saved : EIO;
        return -1;
    }
    return outfile_commit(&o);
}

int scenario_save(const char *path, const params_t *p, const char *description, char *err,
                  size_t errlen)
{
    if (!path[0]) {
        snprintf(err, errlen, "empty file name");
        return -1;
    }
    params_t *q = malloc(sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *q = *p;
    int rc = -1;
    if (q->image.side > 0) {
        /* the picture goes beside the scenario: NAME.ini -> NAME.pgm */
        char pgm[PATH_MAX];
        size_t n = strlen(path);
        int has_ini = n > 4 && strcmp(path + n - 4, ".ini") == 0;
        int w = snprintf(pgm, sizeof pgm, "%.*s.pgm", (int)(has_ini ? n - 4 : n), path);
        const char *base = strrchr(pgm, '/');
        base = base ? base + 1 : pgm;
        if (w < 0 || (size_t)w >= sizeof pgm || strlen(base) >= sizeof q->image.src) {
            snprintf(err, errlen, "file name too long");
            goto done;
        }
        if (params_image_save_pgm(q, pgm) != 0) {
            snprintf(err, errlen, "cannot write the image %s: %s", pgm, strerror(errno));
            goto done;
        }
        memcpy(q->image.src, base, strlen(base) + 1); /* fits: checked above */
    }
    if (q->pairs_file[0] && q->pairs_file[0] != '/') {
        /* relative to where we run now; the scenario reads it relative to
           its own folder, so it keeps the absolute name */
        char real[PATH_MAX];
        if (realpath(q->pairs_file, real) && strlen(real) < sizeof q->pairs_file)
            memcpy(q->pairs_file, real, strlen(real) + 1);
    }
    if (write_scenario_file(path, q, description) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(q);
    return rc;
}

int scenario_describe(const char *path, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    if (fgets(line, sizeof line, f) && (line[0] == ';' || line[0] == '#')) {
        char *s = line + 1;
        while (*s == ' ' || *s == ';' || *s == '#') s++;
        s[strcspn(s, "\r\n")] = '\0';
        snprintf(out, outlen, "%s", s);
    }
    fclose(f);
    return 0;
}

/* ------------------------------------------------ the demos folder */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int scenario_demos_dir(char *out, size_t len)
{
    const char *env = getenv("PBDE_DEMOS");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return is_dir(out) ? 0 : -1;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    const char *rel[] = { "../demos", "../share/pbde/demos" };
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char path[8192], real[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", exe, rel[i]);
        if (is_dir(path) && realpath(path, real)) {
            snprintf(out, len, "%s", real);
            return 0;
        }
    }
    return -1;
}

void scenario_resolve(const char *arg, char *out, size_t len)
{
    struct stat st;
    char dir[4096];
    snprintf(out, len, "%s", arg);
    if (stat(arg, &st) == 0 || strchr(arg, '/') || scenario_demos_dir(dir, sizeof dir) != 0) return;
    size_t n = strlen(arg);
    int has_ext = n > 4 && strcmp(arg + n - 4, ".ini") == 0;
    snprintf(out, len, "%s/%s%s", dir, arg, has_ext ? "" : ".ini");
    if (stat(out, &st) != 0) snprintf(out, len, "%s", arg); /* report the name as given */
}

void scenario_suggest_file(const char *arg, const char *ext, char *err, size_t errlen)
{
    char dir[4096];
    if (strchr(arg, '/') || scenario_demos_dir(dir, sizeof dir) != 0) return;
    DIR *d = opendir(dir);
    if (!d) return;
    char names[256][64];
    const char *cands[256];
    size_t n = 0, el = strlen(ext);
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t len = strlen(e->d_name);
        if (len <= el || len - el >= sizeof names[0] || strcmp(e->d_name + len - el, ext) != 0) continue;
        memcpy(names[n], e->d_name, len - el);
        names[n][len - el] = '\0';
        cands[n] = names[n];
        n++;
    }
    closedir(d);
    char word[256];
    snprintf(word, sizeof word, "%s", arg);
    size_t wl = strlen(word);
    if (wl > el && strcmp(word + wl - el, ext) == 0) word[wl - el] = '\0';
    suggest_append(err, errlen, word, cands, n, "");
}
