#!/bin/sh
# The test runner of make test and make sanitize: every unit-test program
# given as arguments, then every end-to-end script in tests/e2e, JOBS at a
# time (default 2: the machine's cores; the scripts poll the screen, so
# they do not depend on having the machine to themselves), each with its
# output in a log that is shown when it fails. One line per test with its
# time, then the summary line "N passed, N failed" last.
#
#   BUILD=build JOBS=2 sh tests/run_all.sh build/tests/test_*
JOBS=${JOBS:-2}
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# the queue: the longest first (demos.sh trains every demo), so that the
# workers finish together, then the unit tests, then the other scripts
n=0
for t in tests/e2e/demos.sh "$@" $(ls tests/e2e/*.sh | grep -v '/demos\.sh$'); do
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
        # progress as each one ends (the full list and any logs come last)
        if [ "$rc" = 0 ]; then echo "  [$i/$n] ok   $t"; else echo "  [$i/$n] FAIL $t"; fi
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
        # its failed checks first (a screen dump after one can be longer
        # than the tail), then the end of its log
        grep -E '^ *FAIL ' "$tmp/log.$i" | head -n 20 | sed 's/^/  | /'
        echo "  | ...."
        tail -n 40 "$tmp/log.$i" | sed 's/^/  | /'
    fi
    i=$((i + 1))
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
