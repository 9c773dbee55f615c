#!/bin/sh
# The browser edition's kernels under node: tests/test_kernels.c and
# tests/test_mlp.c compiled with emcc (wasm SIMD128 and the scalar
# reference, every set the build has), built by make web-tests (make test
# builds them). One line per test program; exits non-zero when one fails.
cd "$(dirname "$0")/../.." || exit 1
command -v node >/dev/null 2>&1 || { echo "  FAIL node is not installed (make deps installs it)"; exit 1; }
fails=0
for t in test_kernels test_mlp; do
    js=build/web-test/$t.js
    if [ ! -f "$js" ]; then echo "  FAIL $js is not built (make web-tests)"; fails=$((fails + 1)); continue; fi
    if node "$js" >"build/web-test/$t.log" 2>&1; then
        sets=$(sed -n 's/^kernels available here: //p; s/^forward [0-9x]*, \([a-z0-9-]*\):.*/\1/p' "build/web-test/$t.log" | sort -u | tr '\n' ' ')
        echo "  ok   $t under node: $(grep -E '^\[  PASSED  \]' "build/web-test/$t.log") (kernel sets: ${sets% })"
    else
        echo "  FAIL $t under node:"
        tail -n 30 "build/web-test/$t.log" | sed 's/^/  | /'
        fails=$((fails + 1))
    fi
done
[ "$fails" -eq 0 ]
