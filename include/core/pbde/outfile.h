/* Writing a file that must never be left half written or corrupted: the
   output goes to a temporary file beside the target, synced and renamed
   over it only when complete, so a failure (a full disk, a read-only
   folder) leaves an existing file intact. A symbolic link keeps pointing
   at its target, which is what gets replaced (with its mode kept). A
   target that exists and is not a regular file (a device such as
   /dev/null or /dev/full, a FIFO) is written in place instead, since
   renaming over it would replace the node itself; its write errors are
   reported like any other. */
#ifndef PBDE_OUTFILE_H
#define PBDE_OUTFILE_H

#include <stdio.h>

typedef struct {
    FILE *f;            /* write here */
    int in_place;       /* 1: f is the target itself (not a regular file) */
    char target[4096];  /* the file that ends up written (links resolved) */
    char tmp[4128];     /* the temporary file ("" when in place) */
} outfile_t;

/* Opens path for writing as described above. Returns 0, or -1 with errno
   set and nothing created. */
int outfile_open(outfile_t *o, const char *path, const char *mode);

/* Flushes, syncs and closes, then renames the temporary file into place.
   Returns 0, or -1 with errno set (the temporary file removed, an existing
   target untouched). */
int outfile_commit(outfile_t *o);

/* Closes and removes the temporary file: the target stays as it was. */
void outfile_abort(outfile_t *o);

#endif
