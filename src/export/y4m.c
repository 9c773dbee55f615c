/* YUV4MPEG2 video, written natively: a text header, then per frame the
   line "FRAME" and the Y, Cb, Cr planes. Chroma is 4:2:0 sited as in JPEG
   ("C420jpeg": each chroma sample averages a 2x2 block), BT.601 limited
   range, in integer arithmetic so a frame always gives the same bytes.
   The reader checks a stream (header, markers, sizes) and converts 4:2:0
   frames back to RGB for tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbde/export.h"

/* ------------------------------------------------------------ colour */

/* Rounded num / den for den > 0, whatever the sign of num. */
static int div_round(long num, long den)
{
    return (int)(num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den));
}

static unsigned char clamp_u8(int v)
{
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* BT.601 limited range, 8-bit fixed point (coefficients x 256). */
static unsigned char luma(int r, int g, int b)
{
    return clamp_u8(16 + div_round(66L * r + 129L * g + 25L * b, 256));
}

/* Chroma of sums of n pixels' r, g, b. */
static unsigned char chroma_b(long r, long g, long b, int n)
{
    return clamp_u8(128 + div_round(-38 * r - 74 * g + 112 * b, 256L * n));
}

static unsigned char chroma_r(long r, long g, long b, int n)
{
    return clamp_u8(128 + div_round(112 * r - 94 * g - 18 * b, 256L * n));
}

/* ------------------------------------------------------------ writer */

int y4m_begin(y4m_writer_t *y, FILE *f, int w, int h, int fps)
{
    memset(y, 0, sizeof *y);
    size_t cw = (size_t)(w + 1) / 2, ch = (size_t)(h + 1) / 2;
    size_t luma_n = pbde_mul_size((size_t)w, (size_t)h);
    if (w <= 0 || h <= 0 || luma_n == 0) return -1;
    y->frame_bytes = luma_n + 2 * cw * ch;
    y->planes = malloc(y->frame_bytes);
    if (!y->planes) return -1;
    y->f = f;
    y->w = w;
    y->h = h;
    if (fprintf(f, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n", w, h, fps) < 0) {
        y4m_end(y);
        return -1;
    }
    return 0;
}

int y4m_frame(y4m_writer_t *y, const unsigned char *rgb)
{
    int w = y->w, h = y->h, cw = (w + 1) / 2, ch = (h + 1) / 2;
    unsigned char *Y = y->planes, *Cb = Y + (size_t)w * h, *Cr = Cb + (size_t)cw * ch;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            const unsigned char *p = rgb + ((size_t)j * w + i) * 3;
            Y[(size_t)j * w + i] = luma(p[0], p[1], p[2]);
        }
    for (int j = 0; j < ch; j++)
        for (int i = 0; i < cw; i++) {
            long r = 0, g = 0, b = 0;
            int n = 0;
            for (int dj = 0; dj < 2; dj++)
                for (int di = 0; di < 2; di++) {
                    int x = 2 * i + di, yy = 2 * j + dj;
                    if (x >= w || yy >= h) continue;
                    const unsigned char *p = rgb + ((size_t)yy * w + x) * 3;
                    r += p[0];
                    g += p[1];
                    b += p[2];
                    n++;
                }
            Cb[(size_t)j * cw + i] = chroma_b(r, g, b, n);
            Cr[(size_t)j * cw + i] = chroma_r(r, g, b, n);
        }
    if (fputs("FRAME\n", y->f) == EOF) return -1;
    if (fwrite(y->planes, 1, y->frame_bytes, y->f) != y->frame_bytes) return -1;
    return 0;
}

void y4m_end(y4m_writer_t *y)
{
    free(y->planes);
    y->planes = NULL;
}

/* ------------------------------------------------------------ reader */

/* Reads one line (without the newline) of at most n - 1 bytes. Returns its
   length, or -1 at EOF before any byte or when the line is too long. */
static long read_line(FILE *f, char *buf, size_t n)
{
    size_t len = 0;
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 1 >= n) return -1;
        buf[len++] = (char)c;
    }
    if (c == EOF && len == 0) return -1;
    buf[len] = '\0';
    return (long)len;
}

static size_t plane_bytes(const y4m_info_t *in)
{
    size_t luma_n = (size_t)in->w * (size_t)in->h;
    if (strncmp(in->chroma, "444", 3) == 0) return 3 * luma_n;
    if (strcmp(in->chroma, "mono") == 0) return luma_n;
    if (strncmp(in->chroma, "422", 3) == 0) return luma_n + 2 * (size_t)((in->w + 1) / 2) * in->h;
    return luma_n + 2 * (size_t)((in->w + 1) / 2) * (size_t)((in->h + 1) / 2); /* 420* */
}

int y4m_read_header(FILE *f, y4m_info_t *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    snprintf(info->chroma, sizeof info->chroma, "420jpeg"); /* the format's default */
    char line[1024];
    if (read_line(f, line, sizeof line) < 0 || strncmp(line, "YUV4MPEG2 ", 10) != 0) {
        snprintf(err, errlen, "not a YUV4MPEG2 stream (no 'YUV4MPEG2 ' header line)");
        return -1;
    }
    for (char *tok = strtok(line + 10, " "); tok; tok = strtok(NULL, " ")) {
        switch (tok[0]) {
        case 'W': info->w = atoi(tok + 1); break;
        case 'H': info->h = atoi(tok + 1); break;
        case 'F':
            if (sscanf(tok + 1, "%d:%d", &info->fps_num, &info->fps_den) != 2) {
                snprintf(err, errlen, "bad frame rate '%s'", tok);
                return -1;
            }
            break;
        case 'C': snprintf(info->chroma, sizeof info->chroma, "%s", tok + 1); break;
        default: break; /* I, A, X: not needed to count frames */
        }
    }
    if (info->w <= 0 || info->h <= 0) {
        snprintf(err, errlen, "header lacks a width or height");
        return -1;
    }
    info->frame_bytes = plane_bytes(info);
    return 0;
}

/* Reads the next "FRAME" line. Returns 1, 0 at a clean end, -1 when
   something else is there. */
static int read_marker(FILE *f)
{
    char line[256];
    long len = read_line(f, line, sizeof line);
    if (len < 0) return feof(f) ? 0 : -1;
    return strncmp(line, "FRAME", 5) == 0 && (line[5] == '\0' || line[5] == ' ') ? 1 : -1;
}

int y4m_read_info(FILE *f, y4m_info_t *info, char *err, size_t errlen)
{
    if (y4m_read_header(f, info, err, errlen) != 0) return -1;
    unsigned char buf[65536];
    for (;;) {
        int m = read_marker(f);
        if (m == 0) return 0;
        if (m < 0) {
            snprintf(err, errlen, "frame %ld: no FRAME marker", info->frames + 1);
            return -1;
        }
        size_t left = info->frame_bytes;
        while (left > 0) {
            size_t want = left < sizeof buf ? left : sizeof buf;
            size_t got = fread(buf, 1, want, f);
            if (got == 0) {
                snprintf(err, errlen, "frame %ld is truncated (%zu of %zu bytes)", info->frames + 1,
                         info->frame_bytes - left, info->frame_bytes);
                return -1;
            }
            left -= got;
        }
        info->frames++;
    }
}

int y4m_read_frame(FILE *f, const y4m_info_t *info, unsigned char *rgb)
{
    if (strncmp(info->chroma, "420", 3) != 0) return -1;
    int m = read_marker(f);
    if (m <= 0) return m;
    int w = info->w, h = info->h, cw = (w + 1) / 2, ch = (h + 1) / 2;
    unsigned char *planes = malloc(info->frame_bytes);
    if (!planes) return -1;
    if (fread(planes, 1, info->frame_bytes, f) != info->frame_bytes) {
        free(planes);
        return -1;
    }
    const unsigned char *Y = planes, *Cb = Y + (size_t)w * h, *Cr = Cb + (size_t)cw * ch;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            /* inverse BT.601 limited range, x 256 fixed point */
            long c = 298L * (Y[(size_t)j * w + i] - 16);
            long d = Cb[(size_t)(j / 2) * cw + i / 2] - 128;
            long e = Cr[(size_t)(j / 2) * cw + i / 2] - 128;
            unsigned char *p = rgb + ((size_t)j * w + i) * 3;
            p[0] = clamp_u8(div_round(c + 409 * e, 256));
            p[1] = clamp_u8(div_round(c - 100 * d - 208 * e, 256));
            p[2] = clamp_u8(div_round(c + 516 * d, 256));
        }
    free(planes);
    return 1;
}
