#!/bin/sh
# make test-loaded: the whole suite RUNS times in a row (default 5), then
# once more while two busy loops keep both cores of the machine busy, so a
# check that depends on timing shows up. SUITE names the make target that
# runs the suite (check: the native build; sanitize: under ASan and UBSan).
# One line per run with its time and summary; exits non-zero when any run
# failed, and closes with "N passed, N failed" over the runs.
RUNS=${RUNS:-5}
SUITE=${SUITE:-check}
log=$(mktemp -d)
busy=
cleanup() { [ -n "$busy" ] && kill $busy 2>/dev/null; rm -rf "$log"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
passed=0
failed=0
run() { # run LABEL
    s=$(date +%s)
    if make --no-print-directory "$SUITE" >"$log/run.log" 2>&1; then rc=0; else rc=1; fi
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/run.log" | tail -n 1)
    echo "test-loaded: $1: $(($(date +%s) - s)) s, ${line:-no summary}"
    if [ $rc = 0 ] && [ -n "$line" ]; then passed=$((passed + 1))
    else failed=$((failed + 1)); grep -E 'FAIL' "$log/run.log" | sed 's/^/    /' | head -n 20; fi
}
i=1
while [ $i -le "$RUNS" ]; do run "run $i of $RUNS"; i=$((i + 1)); done
# two processes that never sleep, one a core, for the last run
sh -c 'while :; do :; done' & busy=$!
sh -c 'while :; do :; done' & busy="$busy $!"
run "with both cores kept busy"
kill $busy 2>/dev/null
busy=
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
