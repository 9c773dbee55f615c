/* The explorers' room: the session's view of a room of annotators
   (session_room_ops_t) over pbde/room.h's server, its options as a line
   of key=value words, and what pbde room shares with it (the address
   phones use, the descriptors a hall needs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pbde/session.h"

#ifdef PBDE_HAVE_ROOM
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include "pbde/qr.h"
#include "pbde/room.h"
#include "room_glue.h"

typedef struct {
    session_room_ops_t ops; /* first: ops.ctx is this */
    room_opts_t o;
    char addr[64], code[8];
    room_t *r;
} cli_room_t;

/* One option's value: an integer in [lo, hi]. */
static int opt_int(const char *key, const char *v, long lo, long hi, long *out, char *err, size_t n)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        snprintf(err, n, "room option %s: '%s' is not an integer from %ld to %ld", key, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

int cli_room_parse(room_opts_t *o, char *addr, size_t addr_n, char *code, size_t code_n,
                   const char *line, char *err, size_t n)
{
    room_opts_t t = *o;
    char buf[512], a[64], c[8];
    snprintf(a, sizeof a, "%s", t.addr ? t.addr : "127.0.0.1");
    snprintf(c, sizeof c, "%s", t.code ? t.code : "");
    if (strlen(line) >= sizeof buf) {
        snprintf(err, n, "room options: the line is too long");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", line);
    char *save = NULL;
    for (char *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        char *v = strchr(w, '=');
        if (!v || v == w || !v[1]) {
            snprintf(err, n, "room options: '%s' is not NAME=VALUE (addr, port, personas, per-question, "
                             "code, rate, timeout)", w);
            return -1;
        }
        *v++ = '\0';
        long x;
        if (strcmp(w, "addr") == 0) {
            if (strlen(v) >= sizeof a) {
                snprintf(err, n, "room option addr: '%s' is too long", v);
                return -1;
            }
            snprintf(a, sizeof a, "%s", v);
        } else if (strcmp(w, "port") == 0) {
            if (opt_int(w, v, 0, 65535, &x, err, n)) return -1;
            t.port = (int)x;
        } else if (strcmp(w, "personas") == 0) {
            if (strcmp(v, "own") == 0) t.personas = ROOM_PERSONAS_OWN;
            else if (opt_int(w, v, 0, LIVE_ROOM_MAX_PERSONA + 1, &x, err, n)) return -1;
            else t.personas = (int)x;
        } else if (strcmp(w, "per-question") == 0) {
            if (opt_int(w, v, 1, 1000000, &x, err, n)) return -1;
            t.answers_per_question = (int)x;
        } else if (strcmp(w, "code") == 0) {
            if (!room_code_valid(v)) {
                snprintf(err, n, "room option code: '%s' is not 4 to 6 letters or digits", v);
                return -1;
            }
            snprintf(c, sizeof c, "%s", v);
        } else if (strcmp(w, "rate") == 0) {
            char *end;
            double r = strtod(v, &end);
            if (end == v || *end || !(r >= 0.001) || !isfinite(r)) {
                snprintf(err, n, "room option rate: '%s' is not a number of at least 0.001", v);
                return -1;
            }
            t.rate_per_s = r;
        } else if (strcmp(w, "timeout") == 0) {
            if (opt_int(w, v, 1, 3600, &x, err, n)) return -1;
            t.timeout_s = (int)x;
        } else {
            snprintf(err, n, "room options: no option '%s' (addr, port, personas, per-question, code, "
                             "rate, timeout)", w);
            return -1;
        }
    }
    snprintf(addr, addr_n, "%s", a);
    snprintf(code, code_n, "%s", c);
    t.addr = addr;
    t.code = code[0] ? code : NULL;
    *o = t;
    return 0;
}

/* ------------------------------------------------------------ shared with pbde room */

void cli_room_join_host(const char *addr, char *out, size_t n)
{
    snprintf(out, n, "%s", addr);
    if (strcmp(addr, "0.0.0.0") != 0) return;
    struct ifaddrs *ifs, *i;
    if (getifaddrs(&ifs) != 0) return;
    for (i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
        if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127) continue;
        char buf[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf)) {
            snprintf(out, n, "%s", buf);
            break;
        }
    }
    freeifaddrs(ifs);
}

void cli_room_fd_limit(room_opts_t *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)o->max_connections + 64)
        o->max_connections = rl.rlim_cur > 128 ? (int)rl.rlim_cur - 64 : 64;
}

/* ------------------------------------------------------------ the ops */

static int glue_configure(void *ctx, const char *opts, char *err, size_t n)
{
    cli_room_t *c = ctx;
    return cli_room_parse(&c->o, c->addr, sizeof c->addr, c->code, sizeof c->code, opts, err, n);
}

static int glue_start(void *ctx, live_t *l, view_room_t *info, char *err, size_t n)
{
    cli_room_t *c = ctx;
    if (c->r) room_stop(c->r);
    c->r = room_start(l, &c->o, err, n);
    if (!c->r) return -1;
    char host[64];
    cli_room_join_host(c->o.addr, host, sizeof host);
    room_join_url(c->r, host, info->url, sizeof info->url);
    snprintf(info->code, sizeof info->code, "%s", room_code(c->r));
    /* in capitals the URL is all of QR's alphanumeric set (scheme and host
       are not case-sensitive, the code is matched without case): a
       smaller code than the same URL in bytes */
    char upper[sizeof info->url];
    size_t i = 0;
    for (; info->url[i] && i + 1 < sizeof upper; i++) upper[i] = (char)toupper((unsigned char)info->url[i]);
    upper[i] = '\0';
    info->qr_side = qr_encode(upper, info->qr, VIEW_QR_MAX);
    info->personas = c->o.personas;
    return 0;
}

static void glue_poll(void *ctx, view_room_t *info)
{
    cli_room_t *c = ctx;
    if (!c->r) return;
    room_stats_t st;
    room_stats(c->r, &st);
    info->participants = st.participants;
    info->answers = st.answers + st.abstained;
    info->rejected = st.rejected;
}

static void glue_stop(void *ctx)
{
    cli_room_t *c = ctx;
    room_stop(c->r);
    c->r = NULL;
}

int cli_room_open(const char *cmd, const char *opts, const struct session_room_ops **ops)
{
    *ops = NULL;
    cli_room_t *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "pbde %s: out of memory\n", cmd);
        return 1;
    }
    room_opts_defaults(&c->o);
    snprintf(c->addr, sizeof c->addr, "127.0.0.1");
    c->o.addr = c->addr;
    char err[512];
    if (opts && cli_room_parse(&c->o, c->addr, sizeof c->addr, c->code, sizeof c->code, opts, err,
                               sizeof err) != 0) {
        fprintf(stderr, "pbde %s: --room-options: %s\n", cmd, err);
        free(c);
        return EXIT_USAGE;
    }
    cli_room_fd_limit(&c->o);
    c->ops = (session_room_ops_t){ c, glue_configure, glue_start, glue_poll, glue_stop };
    *ops = &c->ops;
    return 0;
}

void cli_room_close(const struct session_room_ops *ops)
{
    if (!ops) return;
    cli_room_t *c = ops->ctx;
    room_stop(c->r);
    free(c);
}

#else /* a build without the room: the session says how to get one */

int cli_room_open(const char *cmd, const char *opts, const struct session_room_ops **ops)
{
    (void)cmd;
    (void)opts;
    *ops = NULL;
    return 0;
}

void cli_room_close(const struct session_room_ops *ops)
{
    (void)ops;
}

#endif
