/* The join URL's QR code through libqrencode. */
#include "pbde/qr.h"

#include <qrencode.h>
#include <string.h>

int qr_encode(const char *text, unsigned char *modules, int max)
{
    /* version 0: the smallest that holds the text; 8-bit mode keeps a
       URL's case */
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) return 0;
    int side = q->width;
    if (side > max) {
        QRcode_free(q);
        return 0;
    }
    /* bit 0 of each byte: 1 is a dark module (the others say what kind) */
    for (int i = 0; i < side * side; i++) modules[i] = q->data[i] & 1;
    QRcode_free(q);
    return side;
}
