#!/bin/sh
# Portability check of the kernels on AArch64: cross-compiles the kernel
# and MLP tests (tests/test_kernels.c, tests/test_mlp.c) with Debian's
# gcc-aarch64-linux-gnu and runs them under qemu-user, where the NEON
# kernels are checked against the scalar reference (and the MLP's gradient
# against finite differences) exactly as on x86-64. No cmocka package
# exists for arm64 cross builds, so the tests compile against
# .ci/cmocka-lite/cmocka.h, a small stand-in with the same contract.
#
# Usage: sh .ci/aarch64.sh   (or make aarch64-test)
# Needs: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user, installed
# here with apt-get when missing and allowed (root or password-less sudo).
# Environment: AARCH64_CC (default aarch64-linux-gnu-gcc), QEMU (default
# qemu-aarch64), BUILD (default build; output goes to $BUILD/aarch64).
# Exits non-zero when a test fails or the tools cannot be found.
set -eu
cd "$(dirname "$0")/.."

CC_A64=${AARCH64_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
OUT=${BUILD:-build}/aarch64
PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"

have_tools() {
    command -v "$CC_A64" >/dev/null 2>&1 && command -v "$QEMU" >/dev/null 2>&1
}

if ! have_tools; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "aarch64: installing $PKGS"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS
    elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "aarch64: installing $PKGS with sudo"
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKGS
    fi
fi
if ! have_tools; then
    echo "aarch64: need $CC_A64 and $QEMU (Debian/Ubuntu: apt-get install $PKGS)" >&2
    exit 1
fi

# The Makefile's warning flags, with warnings as errors: the NEON file is
# only ever compiled here.
WARN="-Wall -Wextra -Wshadow -Wdouble-promotion -Wstrict-prototypes \
      -Wmissing-prototypes -Wformat=2 -Wvla -Werror"
CFLAGS_A64="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -g $WARN -Iinclude/core -pthread"
# every kernel set (the ones for other architectures compile to a NULL
# accessor), the MLP and its random numbers
CORE="$(ls src/core/kernels*.c) src/core/mlp.c src/core/rng.c"

mkdir -p "$OUT"
echo "aarch64: $($CC_A64 --version | head -n 1)"
for t in test_kernels test_mlp; do
    echo "aarch64: building $OUT/$t"
    # static, so qemu needs no sysroot at run time
    # shellcheck disable=SC2086
    $CC_A64 $CFLAGS_A64 -I.ci/cmocka-lite -static -o "$OUT/$t" "tests/$t.c" $CORE -lm
done

status=0
for t in test_kernels test_mlp; do
    echo "== aarch64 $t (under $QEMU)"
    if "$QEMU" "$OUT/$t" >"$OUT/$t.log" 2>&1; then
        cat "$OUT/$t.log"
    else
        cat "$OUT/$t.log"
        echo "aarch64: $t FAILED" >&2
        status=1
    fi
done
# The NEON set must have been tested, not skipped: it is what AArch64
# machines run.
if ! grep -q "kernels chosen here: neon" "$OUT/test_kernels.log"; then
    echo "aarch64: the NEON kernels were not chosen on AArch64" >&2
    status=1
fi
if grep -q "SKIPPED.*neon" "$OUT/test_kernels.log"; then
    echo "aarch64: NEON tests were skipped" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "aarch64: kernel and MLP tests passed (NEON against scalar)"
exit "$status"
