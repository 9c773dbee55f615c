/* Complete-or-nothing file writes: temporary file, sync, rename. */
#include "pbde/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(outfile_t *o, const char *path, const char *mode)
{
    memset(o, 0, sizeof *o);
    if (!path[0]) {
        errno = ENOENT;
        return -1;
    }
    /* a link: write what it points at (a dangling one: its name) */
    struct stat ls;
    char real[PATH_MAX];
    const char *target = path;
    if (lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode) && realpath(path, real)) target = real;
    if (strlen(target) >= sizeof o->target) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(o->target, target, strlen(target) + 1);

    struct stat st;
    int exists = stat(o->target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        o->f = fopen(o->target, mode);
        if (!o->f) return -1;
        o->in_place = 1;
        return 0;
    }
    int n = snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", o->target, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof o->tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0) return -1;
    /* the replacement keeps an existing file's permissions */
    if (exists && fchmod(fd, st.st_mode & 07777) != 0) {
        int saved = errno;
        close(fd);
        remove(o->tmp);
        errno = saved;
        return -1;
    }
    o->f = fdopen(fd, mode);
    if (!o->f) {
        int saved = errno;
        close(fd);
        remove(o->tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

int outfile_commit(outfile_t *o)
{
    int bad = fflush(o->f) != 0 || ferror(o->f);
    int saved = bad ? errno : 0;
    if (!bad && !o->in_place && fsync(fileno(o->f)) != 0) {
        bad = 1;
        saved = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    o->f = NULL;
    if (o->in_place) {
        if (bad) errno = saved ? saved : EIO;
        return bad ? -1 : 0;
    }
    if (!bad && rename(o->tmp, o->target) != 0) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        remove(o->tmp);
        errno = saved ? saved : EIO;
        return -1;
    }
    return 0;
}

void outfile_abort(outfile_t *o)
{
    if (o->f) fclose(o->f);
    o->f = NULL;
    if (!o->in_place && o->tmp[0]) remove(o->tmp);
}
