#!/usr/bin/env python3
"""imgcmp.py SHIPPED NEW: does NEW show the same picture as SHIPPED?

Both are decoded with ffmpeg to 8-bit RGB. A .png is compared pixel for
pixel: the kernels chosen from the CPU (scalar, AVX2, AVX-512, NEON) round
differently, which moves a density's colour by at most 3 levels (measured:
36 pixels of 921 600, max 3); a changed text, tick or layout moves pixels by
far more, so any channel differing by more than 16 fails. A .gif or .mp4 is
lossy (a palette, or H.264), so: the same size and frame count, and at the
first, middle and last frame no channel differs by more than 96 (kernel
rounding gave at most 54 through the GIF palette) and the mean difference
is at most 2 levels. Prints one line; exit 0 when the same, 1 when not.
"""
import subprocess
import sys


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
         "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", path],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
    w, h, n = out.split(",")[:3]
    return int(w), int(h), int(n) if n.isdigit() else 1


def frames(path, picks):
    sel = "+".join("eq(n\\,%d)" % k for k in picks)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", path, "-vf", "select='%s'" % sel,
         "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdin=subprocess.DEVNULL, capture_output=True, check=True).stdout
    return raw


def main():
    a, b = sys.argv[1], sys.argv[2]
    wa, ha, na = probe(a)
    wb, hb, nb = probe(b)
    if (wa, ha, na) != (wb, hb, nb):
        print("differs: %dx%d, %d frames against %dx%d, %d frames" % (wa, ha, na, wb, hb, nb))
        return 1
    still = a.endswith(".png")
    picks = [0] if still else sorted({0, na // 2, na - 1})
    ra, rb = frames(a, picks), frames(b, picks)
    size = wa * ha * 3
    if len(ra) != len(rb) or len(ra) != size * len(picks):
        print("differs: could not decode the same frames (%d and %d bytes)" % (len(ra), len(rb)))
        return 1
    limit = 16 if still else 96
    worst = 0
    for f, k in enumerate(picks):
        fa, fb = ra[f * size:(f + 1) * size], rb[f * size:(f + 1) * size]
        diffs = [abs(x - y) for x, y in zip(fa, fb)]
        top, mean = max(diffs), sum(diffs) / size
        worst = max(worst, top)
        if top > limit or (not still and mean > 2):
            bad = sum(1 for i in range(0, size, 3) if max(diffs[i:i + 3]) > limit)
            print("differs at frame %d: %d pixels by more than %d levels, max %d, mean %.2f"
                  % (k, bad, limit, top, mean))
            return 1
    print("same picture (%dx%d, %d frame%s, max difference %d levels)"
          % (wa, ha, na, "" if na == 1 else "s", worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
