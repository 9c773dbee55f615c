/* Video files: .y4m written natively, .mp4 and .gif by piping raw RGB
   frames into ffmpeg (a child process reading its standard input). Each
   goes to a temporary file beside the target (beside the file a symbolic
   link names) and is renamed into place when complete and synced, so a
   failed run never leaves half a video under the asked-for name and an
   existing file survives a full disk. A device, FIFO or socket (/dev/null,
   a pipe) is written in place instead: renaming over it would replace the
   node itself, and its write errors are reported like any other. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pbde/export.h"

struct video {
    int kind;            /* OUT_Y4M or OUT_FFMPEG */
    char path[4096];     /* as asked for: the messages name it */
    char target[PATH_MAX]; /* what is replaced: path, or the file its link names */
    char tmp[PATH_MAX + 64]; /* empty when written in place */
    int in_place;        /* 1: a device, FIFO or socket, written directly */
    int keep_mode;       /* 1: target exists; the new file gets its mode */
    mode_t mode;
    int w, h;
    FILE *f;             /* y4m: the file; ffmpeg: the pipe */
    y4m_writer_t y4m;
    pid_t child;
};

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) return "";
    return dot + 1;
}

int out_kind_of(const char *path)
{
    const char *e = extension(path);
    if (strcasecmp(e, "png") == 0) return OUT_PNG;
    if (strcasecmp(e, "y4m") == 0) return OUT_Y4M;
    if (strcasecmp(e, "mp4") == 0 || strcasecmp(e, "gif") == 0) return OUT_FFMPEG;
    return -1;
}

int export_on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char dir[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len == 0) snprintf(dir, sizeof dir, ".");
        else snprintf(dir, sizeof dir, "%.*s", (int)len, path);
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", dir, name);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) return 1;
        path += len;
        if (*path == ':') path++;
    }
    return 0;
}

/* ------------------------------------------------------------ ffmpeg */

/* Starts ffmpeg reading w x h RGB frames at fps from a pipe and writing
   v->tmp in the format of v->path. Returns 0, or -1 with a message. */
static int start_ffmpeg(video_t *v, int fps, char *err, size_t errlen)
{
    char size[32], rate[16];
    snprintf(size, sizeof size, "%dx%d", v->w, v->h);
    snprintf(rate, sizeof rate, "%d", fps);
    int gif = strcasecmp(extension(v->path), "gif") == 0;
    const char *argv[64];
    int n = 0;
    const char *head[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-framerate", rate,
                           "-i", "pipe:0" };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) argv[n++] = head[i];
    if (gif) {
        /* one palette for the whole clip, ordered dither: stable frames */
        const char *tail[] = { "-vf",
                               "split[a][b];[a]palettegen=max_colors=256:stats_mode=full[p];"
                               "[b][p]paletteuse=dither=bayer:bayer_scale=4",
                               "-loop", "0", "-f", "gif" };
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) argv[n++] = tail[i];
    } else {
        const char *tail[] = { "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264",
                               "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p",
                               "-movflags", "+faststart", "-map_metadata", "-1",
                               "-fflags", "+bitexact", "-flags:v", "+bitexact", "-f", "mp4" };
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) argv[n++] = tail[i];
    }
    argv[n++] = v->in_place ? v->path : v->tmp;
    argv[n] = NULL;

    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "cannot start ffmpeg: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start ffmpeg: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execvp("ffmpeg", (char *const *)argv);
        _exit(127);
    }
    close(fd[0]);
    v->f = fdopen(fd[1], "w");
    if (!v->f) {
        snprintf(err, errlen, "cannot start ffmpeg: %s", strerror(errno));
        close(fd[1]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    v->child = pid;
    return 0;
}

/* ------------------------------------------------------------ where to */

/* Decides where v's bytes go (see the top of the file): sets in_place,
   target, tmp and the mode to keep. Returns 0, or -1 with errno set. */
static int plan_output(video_t *v, const char *path)
{
    struct stat st, lst;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    snprintf(v->target, sizeof v->target, "%s", path);
    if (exists && !S_ISREG(st.st_mode)) {
        v->in_place = 1;
        v->tmp[0] = '\0';
        return 0;
    }
    char real[PATH_MAX];
    if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(path, real))
        snprintf(v->target, sizeof v->target, "%s", real);
    v->keep_mode = exists;
    v->mode = exists ? (mode_t)(st.st_mode & 0777) : 0;
    int n = snprintf(v->tmp, sizeof v->tmp, "%s.tmp.%ld.%s", v->target, (long)getpid(), extension(path));
    if (strlen(path) >= sizeof v->path || n < 0 || (size_t)n >= sizeof v->tmp) {
        v->tmp[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* Opens the y4m output: in place, or a new temporary (O_EXCL: never
   through something already there under that name). */
static FILE *open_y4m(video_t *v)
{
    if (v->in_place) return fopen(v->path, "wb");
    int fd = open(v->tmp, O_WRONLY | O_CREAT | O_EXCL, v->keep_mode ? v->mode : (mode_t)0666);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int saved = errno;
        close(fd);
        remove(v->tmp);
        errno = saved;
    }
    return f;
}

/* Syncs the finished temporary to disk (a full disk may only say so
   here) and gives it the mode of the file it replaces. Returns 0, or -1
   with errno set. */
static int settle_tmp(const video_t *v)
{
    int fd = open(v->tmp, O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    if (rc != 0) {
        errno = saved;
        return -1;
    }
    if (v->keep_mode && chmod(v->tmp, v->mode) != 0) return -1;
    return 0;
}

/* ------------------------------------------------------------ interface */

video_t *video_open(const char *path, int w, int h, int fps, char *err, size_t errlen)
{
    int kind = out_kind_of(path);
    if (kind != OUT_Y4M && kind != OUT_FFMPEG) {
        snprintf(err, errlen, "'%s' is not a video: expected .y4m, .mp4 or .gif", path);
        return NULL;
    }
    if (kind == OUT_FFMPEG && !export_on_path("ffmpeg")) {
        snprintf(err, errlen, "ffmpeg not found: install it (e.g. apt-get install ffmpeg), "
                              "or write .y4m / .png");
        return NULL;
    }
    video_t *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->kind = kind;
    v->w = w;
    v->h = h;
    snprintf(v->path, sizeof v->path, "%s", path);
    if (plan_output(v, path) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        free(v);
        return NULL;
    }
    if (kind == OUT_Y4M) {
        v->f = open_y4m(v);
        if (!v->f || y4m_begin(&v->y4m, v->f, w, h, fps) != 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
            if (v->f) fclose(v->f);
            if (v->tmp[0]) remove(v->tmp);
            free(v);
            return NULL;
        }
        return v;
    }
    /* a dead ffmpeg must show as a write error, not kill us */
    signal(SIGPIPE, SIG_IGN);
    if (start_ffmpeg(v, fps, err, errlen) != 0) {
        free(v);
        return NULL;
    }
    return v;
}

int video_frame(video_t *v, const raster_image_t *img, char *err, size_t errlen)
{
    if (img->w != v->w || img->h != v->h) {
        snprintf(err, errlen, "frame is %dx%d, the video %dx%d", img->w, img->h, v->w, v->h);
        return -1;
    }
    int rc;
    if (v->kind == OUT_Y4M) {
        rc = y4m_frame(&v->y4m, img->px);
    } else {
        size_t n = (size_t)img->w * (size_t)img->h * 3;
        rc = fwrite(img->px, 1, n, v->f) == n ? 0 : -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot write '%s': %s%s", v->path, strerror(errno),
                 v->kind == OUT_FFMPEG ? " (ffmpeg stopped: see its message above)" : "");
    return rc;
}

int video_close(video_t *v, int commit, char *err, size_t errlen)
{
    int rc = 0;
    if (v->kind == OUT_Y4M) {
        y4m_end(&v->y4m);
        errno = 0;
        int bad = fflush(v->f) != 0 || ferror(v->f);
        int saved = errno;
        if (!bad && commit && !v->in_place && fsync(fileno(v->f)) != 0) {
            bad = 1;
            saved = errno;
        }
        if (fclose(v->f) != 0 && !bad) {
            bad = 1;
            saved = errno;
        }
        if (bad && commit) {
            snprintf(err, errlen, "cannot write '%s': %s", v->path, strerror(saved ? saved : EIO));
            rc = -1;
        }
    } else {
        fclose(v->f);
        int status = 0;
        while (waitpid(v->child, &status, 0) < 0 && errno == EINTR) {}
        if (commit && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                snprintf(err, errlen, "ffmpeg could not be run");
            else
                snprintf(err, errlen, "ffmpeg failed writing '%s' (exit status %d)", v->path,
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            rc = -1;
        }
    }
    if (commit && rc == 0 && v->kind == OUT_FFMPEG && !v->in_place && settle_tmp(v) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", v->path, strerror(errno));
        rc = -1;
    }
    if (commit && rc == 0 && !v->in_place && rename(v->tmp, v->target) != 0) {
        snprintf(err, errlen, "cannot write '%s': %s", v->path, strerror(errno));
        rc = -1;
    }
    if ((!commit || rc != 0) && v->tmp[0]) remove(v->tmp);
    free(v);
    return rc;
}
