#!/bin/sh
# The runner of make sanitize: every unit-test program given as arguments
# and every end-to-end script in tests/e2e (the same set as tests/run_all.sh),
# JOBS at a time (default 2), each with its output in a log that is shown
# when it fails. One line per test with its time, then the summary line
# "N passed, N failed" last.
#
#   BUILD=build-san/suite JOBS=2 sh tests/long/sanitize.sh build-san/suite/tests/test_*
JOBS=${JOBS:-2}
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# the queue: unit tests first (the longest among them are statistical), then
# the scripts
n=0
for t in "$@" tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    n=$((n + 1))
    echo "$t" >"$tmp/q.$n"
done

# each worker takes the next test nobody has taken (mkdir is atomic)
worker() {
    i=0
    while [ "$i" -lt "$n" ]; do
        i=$((i + 1))
        mkdir "$tmp/claim.$i" 2>/dev/null || continue
        t=$(cat "$tmp/q.$i")
        s=$(date +%s)
        case $t in
        *.sh) PBDE="$BUILD/pbde" sh "$t" >"$tmp/log.$i" 2>&1 ;;
        *) "$t" >"$tmp/log.$i" 2>&1 ;;
        esac
        rc=$?
        echo "$rc $(($(date +%s) - s)) $t" >"$tmp/done.$i"
    done
}
k=1
while [ $k -le "$JOBS" ]; do
    worker &
    k=$((k + 1))
done
wait

passed=0
failed=0
failures=""
i=1
while [ $i -le "$n" ]; do
    if [ -f "$tmp/done.$i" ]; then
        read -r rc secs t <"$tmp/done.$i"
    else
        rc=99; secs=?; t=$(cat "$tmp/q.$i")
    fi
    if [ "$rc" = 0 ]; then
        passed=$((passed + 1))
        echo "  ok   $t ($secs s)"
    else
        failed=$((failed + 1))
        failures="$failures $t"
        echo "  FAIL $t (exit $rc, $secs s):"
        tail -n 40 "$tmp/log.$i" | sed 's/^/  | /'
    fi
    i=$((i + 1))
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
