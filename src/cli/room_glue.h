/* What pbde room and the explorers' room share (builds with the room). */
#ifndef PBDE_ROOM_GLUE_H
#define PBDE_ROOM_GLUE_H

#include <stddef.h>

#include "pbde/room.h"

/* Applies a line of options ("personas=2 per-question=5 addr=0.0.0.0
   port=8790 code=ABCD rate=10 timeout=10", words split by spaces or
   commas) to *o; the address and code strings go to addr and code, which
   *o then points at. Returns 0, or -1 with a message in err (*o as it
   was). */
int cli_room_parse(room_opts_t *o, char *addr, size_t addr_n, char *code, size_t code_n,
                   const char *line, char *err, size_t n);

/* The address phones should use for addr: addr itself, or for 0.0.0.0
   (every interface) this machine's first IPv4 address that is not the
   loopback (falls back to addr). */
void cli_room_join_host(const char *addr, char *out, size_t n);

/* A hall's phones hold a connection each: raises the descriptor limit as
   far as the system lets, and lowers o->max_connections to what fits. */
void cli_room_fd_limit(room_opts_t *o);

#endif
