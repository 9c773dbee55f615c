#!/bin/sh
# Every image the README draws with a pbde command: each line of README.md
# of the form `pbde render|overopt ... --out assets/NAME` is run again.
#   sh tests/lib/readme-images.sh          writes the images into assets/
#                                          (make assets)
#   sh tests/lib/readme-images.sh --check  writes them into a temporary
#                                          folder and compares each with the
#                                          shipped file (tests/lib/imgcmp.py)
# The images are drawn with the AVX2 kernels (PBDE_KERNELS=avx2 unless
# PBDE_KERNELS says otherwise), which every x86-64 machine since 2013 runs:
# kernel sets round differently, which a render shows as at most 3 colour
# levels but an over-optimisation figure, whose RL sweep amplifies it, as
# other curves.
# PBDE names the binary (default build/pbde). Prints one line per image
# and, with --check, "N passed, N failed"; exits non-zero when an image
# differs, is missing, or its command fails.
PBDE=${PBDE:-build/pbde}
check=0
PBDE_KERNELS=${PBDE_KERNELS:-avx2}
export PBDE_KERNELS
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -o '`pbde \(render\|overopt\) [^`]*--out assets/[^ `]*`' README.md | tr -d '`' >"$tmp/commands"
total=$(wc -l <"$tmp/commands")
if [ "$total" -eq 0 ]; then
    echo "  FAIL README.md names no image commands"
    exit 1
fi
passed=0 failed=0 i=0
while IFS= read -r cmd; do
    i=$((i + 1))
    name=${cmd##*--out assets/}
    out=assets/$name
    [ $check -eq 1 ] && out=$tmp/$name
    # the command as the README gives it, with this binary and this output
    args=${cmd#pbde }
    args=${args% --out assets/*}
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the README's words, split as a shell would
    "$PBDE" $args --out "$out" </dev/null >"$tmp/log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "  FAIL [$i/$total] $cmd: exit $rc ($(tail -n 1 "$tmp/log"))"
        failed=$((failed + 1))
        continue
    fi
    secs=$(($(date +%s) - t0))
    if [ $check -eq 0 ]; then
        echo "  wrote [$i/$total] assets/$name (${secs} s)"
        passed=$((passed + 1))
    elif [ ! -f "assets/$name" ]; then
        echo "  FAIL [$i/$total] assets/$name is not in the repository ($cmd)"
        failed=$((failed + 1))
    elif verdict=$(python3 tests/lib/imgcmp.py "assets/$name" "$out" </dev/null); then
        echo "  ok   [$i/$total] assets/$name: $verdict (${secs} s)"
        passed=$((passed + 1))
    else
        echo "  FAIL [$i/$total] assets/$name is stale: $verdict; make assets redraws it ($cmd)"
        failed=$((failed + 1))
    fi
done <"$tmp/commands"
[ $check -eq 1 ] && echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
