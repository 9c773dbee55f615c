/* A room of annotators: an HTTP server that a lecture hall's phones join
   with a code, each answering the pair the projector shows. Every answer
   goes to a live session in its room mode (live_set_room), with the
   participant's persona, so the model trains on the room's answers.

   HTTP contract (JSON bodies):
     GET  /CODE, or /?code=CODE      the phone page (any other path: 404)
     GET  /api/question?code=C&pid=P {"id":n,"a":[x,y],"b":[x,y],"persona":k,"box":L}
                                     ("id":null while the next question is drawn;
                                     "persona":null when personas are off or the
                                     participant's own)
     POST /api/answer                {"code","pid","id","choice":"a"|"b"|"none"}
                                     (+ "persona":k with personas = own)
                                     200 {"ok":true,"answers":n}, or 4xx {"error":"..."}:
                                     403 wrong code, 409 not the open question or a
                                     second vote of that pid on it, 400 malformed JSON
                                     or fields, 413 body over ROOM_MAX_BODY bytes, 429
                                     over the rate limit, 503 room full
     GET  /api/stats                 {"participants","answers","abstained","rejected",
                                     "answer_ms_p50","answer_ms_p99","answer_ms_max"}
                                     (the answers' time in the server, from their
                                     headers read to their reply queued)
     GET  /api/personas?code=C       {"mode":"off"|"assigned"|"own","count":K,"box":L,
                                     "side":N,"maps":[[v,...],...]} (403 wrong code):
                                     what each persona likes, for the page to draw.
                                     K is --personas (assigned: persona k = the k-th
                                     participant mod K) or the density's components
                                     (own: the personas to choose from); 0 when off.
                                     maps[k] is component k of p*, the persona's
                                     taste, on the N x N (N = ROOM_MAP_SIDE) cell
                                     centres of [-L, L]^2, row-major from the
                                     top-left (y = +L first, x = -L first), each an
                                     integer 0..255: the density over its own
                                     maximum, rounded. One map per persona that has
                                     a component (min(K, components) maps; none when
                                     off). Computed once when the room starts.
   A pid is what the page makes up and keeps (1 to ROOM_MAX_PID characters
   of [A-Za-z0-9_-]); a new pid is a new participant. */
#ifndef PBDE_ROOM_H
#define PBDE_ROOM_H

#include <stddef.h>

#include "pbde/live.h"

#define ROOM_MAX_BODY 1024
#define ROOM_MAX_PID 64
#define ROOM_PERSONAS_OWN (-1) /* each client sends its own persona */
#define ROOM_MAP_SIDE 32       /* cells per side of /api/personas' maps */

typedef struct {
    const char *addr;         /* IPv4 address to bind (NULL: 127.0.0.1) */
    int port;                 /* 0: any free port (room_port tells which) */
    int personas;             /* 0 none (all 0); K: round-robin over K; ROOM_PERSONAS_OWN */
    int answers_per_question; /* answers that close a question (>= 1) */
    const char *code;         /* the join code (NULL: a random one) */
    int timeout_s;            /* an idle connection is dropped after this */
    int max_connections;      /* connections open at once */
    int max_participants;     /* pids remembered; new ones beyond get 503 */
    double rate_per_s;        /* answers per second per pid (burst of as many) */
} room_opts_t;

typedef struct {
    long participants;
    long answers;    /* accepted preferences: the rows of the saved answers */
    long abstained;  /* accepted "none" */
    long rejected;   /* answers refused with a 4xx */
    /* every answer request's time in the server, headers read to reply
       queued (ms; quantiles to within 9%) */
    double answer_ms_p50, answer_ms_p99, answer_ms_max;
} room_stats_t;

typedef struct room room_t;

/* Defaults: 127.0.0.1, any port, no personas, 1 answer per question, a
   random code, 10 s timeout, 4000 connections, 10 000 participants, 10
   answers/s. */
void room_opts_defaults(room_opts_t *o);

/* 1 when code is a valid join code (4 to 6 characters of [A-Za-z0-9]). */
int room_code_valid(const char *code);

/* Puts l in its room mode and starts serving; the personas' maps are
   drawn from l's parameters now. Returns the room, or NULL with a message
   in err (bad options, the address taken, no density, out of memory);
   then l is left as it was. l must outlive the room. */
room_t *room_start(live_t *l, const room_opts_t *o, char *err, size_t n);

/* The port the room listens on, and its join code. */
int room_port(const room_t *r);
const char *room_code(const room_t *r);

/* The URL phones join at, on host (the address they reach this machine
   by): "http://HOST:PORT/CODE", the page there taking its code from the
   path (short, so its QR code stays small; "/?code=CODE" works too). */
void room_join_url(const room_t *r, const char *host, char *out, size_t n);

/* The counts so far. */
void room_stats(room_t *r, room_stats_t *out);

/* Stops serving (the open connections are closed) and frees the room; the
   live session keeps every accepted answer. */
void room_stop(room_t *r);

#endif
