#!/bin/sh
# Runs every unit-test binary given as arguments, then every end-to-end
# script in tests/e2e, and prints one summary line "N passed, N failed".
passed=0; failed=0; failures=""
for t in "$@"; do
    echo "== $t"
    if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $t"; fi
done
for s in tests/e2e/*.sh; do
    [ -f "$s" ] || continue
    echo "== $s"
    if PBDE="${BUILD:-build}/pbde" sh "$s"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $s"; fi
done
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
