#!/bin/sh
# The browser edition (issue: the explorer in a browser): tests/e2e/web.js
# drives build/web (make web) in Debian's headless Chromium over its
# DevTools protocol, served on 127.0.0.1. Needs chromium, node and
# node-ws (make deps installs them) and the built page; PBDE names the
# native binary it compares with (pbde train).
cd "$(dirname "$0")/../.." || exit 1
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
export PBDE
for tool in chromium node; do
    command -v "$tool" >/dev/null 2>&1 || { echo "  FAIL $tool is not installed (make deps installs it)"; exit 1; }
done
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
node -e 'require("ws")' 2>/dev/null || { echo "  FAIL node-ws is not installed (make deps installs it)"; exit 1; }
[ -f build/web/pbde-wasm.wasm ] || { echo "  FAIL build/web is not built (make web; make test builds it)"; exit 1; }
exec node tests/e2e/web.js
