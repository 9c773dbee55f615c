#!/bin/sh
# CI's hardening checks beyond make test and make sanitize (issue 7):
#   1. each libFuzzer target (scenario, command line, tour) for
#      FUZZ_SECONDS (default 60) from the committed seeds: fuzz/run.sh;
#   2. valgrind memcheck on short train, sample, render and explorer runs:
#      0 errors, 0 bytes definitely or indirectly lost (make valgrind);
#   3. a short soak: the explorer under a change every second for
#      SOAK_SECONDS (default 60; 0 skips it).
# Installs clang, its fuzzing runtime and valgrind with apt-get when they
# are missing (as root). About 6 minutes on 2 cores with the defaults.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

fuzzer_ok() {
    command -v clang >/dev/null 2>&1 || return 1
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' |
        clang -fsanitize=fuzzer,address,undefined -x c - -o /tmp/pbde-fuzz-probe.$$ 2>/dev/null
    rc=$?
    rm -f /tmp/pbde-fuzz-probe.$$
    return $rc
}
if ! fuzzer_ok || ! command -v valgrind >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
    pkgs="clang valgrind tmux"
    apt-get update -qq
    # Debian ships libFuzzer in libclang-rt-dev; Ubuntu inside clang itself
    apt-cache show libclang-rt-dev >/dev/null 2>&1 && pkgs="$pkgs libclang-rt-dev"
    apt-get install -y -qq $pkgs
fi

t0=$(date +%s)
echo "== fuzz/run.sh ${FUZZ_SECONDS:-60}"
sh fuzz/run.sh "${FUZZ_SECONDS:-60}"
t1=$(date +%s)
echo "== make valgrind"
make --no-print-directory valgrind
t2=$(date +%s)
if [ "${SOAK_SECONDS:-60}" -gt 0 ]; then
    echo "== tests/long/soak.sh ${SOAK_SECONDS:-60}"
    CHANGE_EVERY=1 SAMPLE_EVERY=2 TABLE_EVERY=1000 SOAK_GROWTH_PCT=50 \
        PBDE=build/pbde sh tests/long/soak.sh "${SOAK_SECONDS:-60}"
fi
t3=$(date +%s)
echo "hardening: fuzz $((t1 - t0)) s, valgrind $((t2 - t1)) s, soak $((t3 - t2)) s"
