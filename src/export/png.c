/* PNG files through SDL2_image: the same pixels give the same bytes (it
   writes no timestamp or other chunk that changes between runs). */
#include <SDL.h>
#include <SDL_image.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

int png_write(const char *path, const raster_image_t *img, char *err, size_t errlen)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormatFrom(img->px, img->w, img->h, 24, img->w * 3,
                                                        SDL_PIXELFORMAT_RGB24);
    if (!s) {
        snprintf(err, errlen, "cannot make a %dx%d image: %s", img->w, img->h, SDL_GetError());
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.png", path, (long)getpid());
    int rc = IMG_SavePNG(s, tmp);
    SDL_FreeSurface(s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, IMG_GetError());
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
