#!/bin/sh
# The README's images cannot go stale (issue 16): every image it draws with
# a pbde command (`pbde render ... --out assets/X`, `pbde overopt ...`) is
# drawn again from that command and compared with the shipped file: a PNG
# pixel for pixel (within the kernels' rounding), a GIF or MP4 at its first,
# middle and last frame (tests/lib/imgcmp.py says how). `make assets`
# redraws them. Run by make test; PBDE names the binary; needs ffmpeg and
# python3 (make deps).
PBDE=${PBDE:-build/pbde}
for tool in ffmpeg ffprobe python3; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "  FAIL $tool is not installed (make deps installs it)"
        exit 1
    fi
done
PBDE=$PBDE sh tests/lib/readme-images.sh --check
