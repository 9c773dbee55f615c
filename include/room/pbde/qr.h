/* The QR code of a join URL (libqrencode), as modules a renderer draws. */
#ifndef PBDE_QR_H
#define PBDE_QR_H

#include <stddef.h>

/* Encodes text (error correction level M) into modules: 1 dark, 0 light,
   row-major, side x side without the quiet zone. Returns side, or 0 when
   the code would be wider than max modules or the encoder failed (out
   of memory, text too long). */
int qr_encode(const char *text, unsigned char *modules, int max);

#endif
