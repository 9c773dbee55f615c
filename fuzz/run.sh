#!/bin/sh
# Builds the libFuzzer targets (make fuzz: clang, ASan, UBSan) and runs each
# for SECONDS (default 60):
#   fuzz_scenario  scenario_load_text: scenario files
#   fuzz_cli       cli_parse: command lines, with the registry
#   fuzz_tour      tour_load_text: lecture tours
#
#   sh fuzz/run.sh [SECONDS] [TARGET...]
#   FUZZ_PARALLEL=1 sh fuzz/run.sh 60     (every target at once; CI)
#
# Each target starts from its committed seeds (fuzz/corpus/TARGET: a few
# dozen hand-written files, never written to) plus what earlier runs found
# in the scratch folder build/fuzz/corpus/TARGET (libFuzzer writes new
# inputs to the first folder it is given, this one; not committed), with
# the words of fuzz/TARGET.dict (section, parameter and command names) as
# hints; a crash, leak, sanitizer report or broken invariant stops the target, is
# saved under build/fuzz/artifacts/ and makes the script exit 1. One
# summary line per target: runs, executions per second, corpus size.
# Runs from the repository's root, in a new session without a controlling
# terminal and with standard input from /dev/null, so no input can make a
# target wait on a terminal.
set -u
cd "$(dirname "$0")/.." || exit 1
SECONDS_EACH=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=${*:-scenario cli tour}

mkdir -p build/fuzz/artifacts
if ! make --no-print-directory -j2 fuzz >build/fuzz/build.log 2>&1; then
    cat build/fuzz/build.log
    echo "fuzz: build failed"
    exit 1
fi

export PBDE_DEMOS=demos FUZZ_BASE_DIR=fuzz/files
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
session=
command -v setsid >/dev/null 2>&1 && session="setsid -w"

# run_one TARGET: runs it, prints its summary line; 0 when no crash
run_one() {
    t=$1
    bin=build/fuzz/fuzz/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz_$t: no such target"; return 1; }
    work=build/fuzz/corpus/$t
    log=build/fuzz/fuzz_$t.log
    mkdir -p "$work"
    dict=
    [ -f "fuzz/$t.dict" ] && dict=-dict=fuzz/$t.dict
    $session "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -max_len=8192 $dict \
        -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t-" \
        "$work" "fuzz/corpus/$t" </dev/null >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(ls "$work" | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz_$t: ${runs:-?} runs in ${SECONDS_EACH} s (${speed:-?}/s), $corpus found inputs, no crash"
        return 0
    fi
    echo "fuzz_$t: FAILED (exit $rc) after ${runs:-?} runs; log $log, input:"
    ls -t build/fuzz/artifacts/"$t"-* 2>/dev/null | head -n 1
    grep -E "ERROR|invariant|SUMMARY|runtime error" "$log" | head -n 5
    return 1
}

failed=0
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
    # every target at once (CI: three targets of SECONDS each in SECONDS)
    for t in $TARGETS; do
        (run_one "$t" >"build/fuzz/result_$t" 2>&1; echo $? >"build/fuzz/rc_$t") &
    done
    wait
    for t in $TARGETS; do
        cat "build/fuzz/result_$t"
        [ "$(cat "build/fuzz/rc_$t" 2>/dev/null)" = 0 ] || failed=1
    done
else
    for t in $TARGETS; do run_one "$t" || failed=1; done
fi
exit $failed
