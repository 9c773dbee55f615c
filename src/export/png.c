/* PNG files through SDL2_image: the same pixels give the same bytes (it
   writes no timestamp or other chunk that changes between runs). The
   image is encoded into memory first, then written through a temporary
   file that is checked (every write, fsync, close) before it is renamed
   into place, so a full disk never leaves a truncated PNG under the
   asked-for name or destroys the file already there. */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/outfile.h"
#include "pbde/export.h"

/* ------------------------------------------------------------ memory */

/* A growing buffer behind an SDL_RWops, for the encoder to write into. */
typedef struct {
    unsigned char *p; /* (cap) */
    size_t len, cap, pos;
    int failed;       /* out of memory: the encoding is lost */
} membuf_t;

static size_t SDLCALL mem_write(SDL_RWops *rw, const void *src, size_t size, size_t num)
{
    membuf_t *m = rw->hidden.unknown.data1;
    if (size == 0 || num == 0) return 0;
    if (num > SIZE_MAX / size || m->pos > SIZE_MAX - size * num) {
        m->failed = 1;
        return 0;
    }
    size_t n = size * num, need = m->pos + n;
    if (need > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 16;
        while (cap < need) cap = cap > SIZE_MAX / 2 ? need : 2 * cap;
        unsigned char *p = realloc(m->p, cap);
        if (!p) {
            m->failed = 1;
            return 0;
        }
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->pos, src, n);
    m->pos = need;
    if (m->pos > m->len) m->len = m->pos;
    return num;
}

static Sint64 SDLCALL mem_seek(SDL_RWops *rw, Sint64 offset, int whence)
{
    membuf_t *m = rw->hidden.unknown.data1;
    Sint64 base = whence == RW_SEEK_SET ? 0 : whence == RW_SEEK_CUR ? (Sint64)m->pos : (Sint64)m->len;
    Sint64 to = base + offset;
    if (to < 0 || (Uint64)to > m->len) return -1;
    m->pos = (size_t)to;
    return to;
}

static Sint64 SDLCALL mem_size(SDL_RWops *rw)
{
    membuf_t *m = rw->hidden.unknown.data1;
    return (Sint64)m->len;
}

static size_t SDLCALL mem_read(SDL_RWops *rw, void *dst, size_t size, size_t num)
{
    (void)rw;
    (void)dst;
    (void)size;
    (void)num;
    return 0; /* write-only */
}

static int SDLCALL mem_close(SDL_RWops *rw)
{
    SDL_FreeRW(rw); /* the buffer belongs to the caller */
    return 0;
}

/* Encodes s as a PNG into *m. Returns 0, or -1 with a message in err. */
static int encode(SDL_Surface *s, membuf_t *m, char *err, size_t errlen)
{
    SDL_RWops *rw = SDL_AllocRW();
    if (!rw) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rw->type = SDL_RWOPS_UNKNOWN;
    rw->size = mem_size;
    rw->seek = mem_seek;
    rw->read = mem_read;
    rw->write = mem_write;
    rw->close = mem_close;
    rw->hidden.unknown.data1 = m;
    int rc = IMG_SavePNG_RW(s, rw, 1);
    if (rc != 0 || m->failed || m->len == 0) {
        snprintf(err, errlen, "cannot encode the PNG: %s", m->failed ? "out of memory" : IMG_GetError());
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ files */

int png_write(const char *path, const raster_image_t *img, char *err, size_t errlen)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom(img->px, img->w, img->h, 24, img->w * 3,
                                                        SDL_PIXELFORMAT_RGB24);
    if (!s) {
        snprintf(err, errlen, "cannot make a %dx%d image: %s", img->w, img->h, SDL_GetError());
        return -1;
    }
    membuf_t m = { NULL, 0, 0, 0, 0 };
    int rc = encode(s, &m, err, errlen);
    SDL_FreeSurface(s);
    if (rc == 0) {
        int to_stdout = strcmp(path, "-") == 0;
        outfile_t o;
        if (to_stdout) {
            if (fwrite(m.p, 1, m.len, stdout) != m.len || fflush(stdout) != 0) {
                snprintf(err, errlen, "cannot write the PNG to standard output: %s", strerror(errno));
                rc = -1;
            }
        } else if (outfile_open(&o, path, "wb") != 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            rc = -1;
        } else {
            /* a failed write leaves the stream in error: the commit then
               removes the temporary and keeps the file already there */
            fwrite(m.p, 1, m.len, o.f);
            if (outfile_commit(&o) != 0) {
                snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
                rc = -1;
            }
        }
    }
    free(m.p);
    return rc;
}
