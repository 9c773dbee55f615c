#!/bin/sh
# End-to-end test of pbde room's phone page (web/room.html) in Debian's
# headless Chromium emulating a phone (412 x 860 CSS px, 2 device pixels
# each, touch; env ROOM_PHONE_SIZE=360x740 for another size), on 127.0.0.1
# only. On each page everything visible fits between the side margins.
# Three rooms on two-gauss:
#   assigned  --personas 2: the page draws the participant's persona (the
#             first one: persona 1 of 2) as a heatmap under A and B, read
#             back from its canvas against /api/personas' maps; a tap on A
#             is counted by /api/stats, the page says thanks, and the
#             saved CSV holds the answer with annotator 0
#   own       --personas own: the page shows a picker; A is held back until
#             a persona is picked; a tap on persona 2, then on A: the CSV's
#             annotator column holds 1
#   off       no personas: the points on a blank box, no caption; a tap on
#             A is counted (annotator 0)
# tests/e2e/room-phone.js drives the browser (tests/lib/cdp.js). The
# screenshots are copied from the temporary folder to env ROOM_PHONE_SHOT
# when it is set: a folder, or the assigned room's PNG (the others then
# get -assigned-thanks, -own, -off before .png). PBDE names the binary. One line per check;
# exits non-zero when any check fails. Skips (exit 0) when node, node-ws or
# chromium is missing, or pbde was built without the room. Every wait is
# bounded (it catches hangs, not slowness).
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
here=$(cd "$(dirname "$0")" && pwd)
fails=0
bad() { echo "  FAIL $*"; fails=$((fails + 1)); }
ok() { echo "  ok   $*"; }

for tool in node chromium; do
    command -v "$tool" >/dev/null 2>&1 || { echo "  skip: no $tool"; exit 0; }
done
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
node -e 'require("ws")' 2>/dev/null || { echo "  skip: no node-ws"; exit 0; }
if "$PBDE" room --help 2>&1 | grep -q "built without the room"; then
    echo "  skip: pbde built without the room (libmicrohttpd, json-c)"; exit 0
fi
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# start NAME ARGS...: a room in the background; sets pid_NAME and port_NAME
start() {
    name=$1; shift
    "$PBDE" room --code ROOM42 --density two-gauss --width 16 --depth 2 --grid 32 --seed 3 "$@" \
        --save-answers "$tmp/$name.csv" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    p=$!
    pids="$pids $p"
    eval "pid_$name=$p"
    port=""
    i=0
    while [ $i -lt 300 ] && [ -z "$port" ]; do # 30 s
        port=$(sed -n 's/^port: //p' "$tmp/$name.out")
        kill -0 "$p" 2>/dev/null || break
        [ -z "$port" ] && sleep 0.1
        i=$((i + 1))
    done
    eval "port_$name=${port:--}"
    if [ -z "$port" ]; then bad "$name: pbde room did not start: $(cat "$tmp/$name.err")"; return 1; fi
    ok "$name: pbde room listens on 127.0.0.1:$port"
}

# stop NAME: SIGINT, and the room's exit status checked
stop() {
    eval "p=\$pid_$1"
    [ -n "$p" ] || return
    kill -INT "$p"
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done # 60 s
    if kill -0 "$p" 2>/dev/null; then bad "$1: pbde room did not stop at SIGINT"; kill -9 "$p"; fi
    wait "$p"; rc=$?
    eval "pid_$1="
    [ "$rc" = 0 ] || bad "$1: pbde room exited $rc: $(cat "$tmp/$1.err")"
}

# saved NAME PERSONA: the CSV holds one row, the answer the phone gave (A
# preferred: y = 1, at the question's points) with PERSONA as annotator
saved() {
    res=$(sed -n "s/^result //p" "$tmp/phone.log" | grep "\"name\":\"$1\"")
    if [ -z "$res" ]; then bad "$1: no answer from the phone to look for in the CSV"; return; fi
    got=$(node -e '
        const fs = require("fs");
        const r = JSON.parse(process.argv[2]);
        const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n");
        const rows = lines.slice(1).map((l) => l.split(",").map(Number));
        const pts = r.a.concat(r.b);
        const same = rows.length === 1 && rows[0].slice(0, 4).every((v, i) => Math.abs(v - pts[i]) < 1e-5);
        console.log([lines[0], rows.length, same ? "same" : "other", rows.length ? rows[0][4] : "-", rows.length ? rows[0][5] : "-"].join(" "));
    ' "$tmp/$1.csv" "$res" 2>&1)
    set -- "$1" "$2" $got
    if [ "$3" = "ax,ay,bx,by,y,annotator" ] && [ "$4" = 1 ] && [ "$5" = same ] && [ "$6" = 1 ] && [ "$7" = "$2" ]; then
        ok "$1: the saved CSV holds the answer (A preferred, y 1, at the question's points) with annotator $2"
    else
        bad "$1: the saved CSV: header $3, rows $4, points $5, y $6, annotator $7 (want 1 row, same, 1, $2)"
    fi
}

start assigned --personas 2
start own --personas own
start off
echo "phone"
# node gets SIGTERM (and closes Chromium) if it ever hangs past its waits
if command -v timeout >/dev/null 2>&1; then bound="timeout 120"; else bound=""; fi
$bound node "$here/room-phone.js" ROOM42 "$port_assigned" "$port_own" "$port_off" "$tmp" >"$tmp/phone.log" 2>&1 &
np=$!
pids="$pids $np"
wait "$np"; nrc=$?
sed -n 's/^\(ok\|FAIL\|info\) */\1 /p' "$tmp/phone.log" | sed "s/^ok /  ok   /; s/^FAIL /  FAIL /; s/^info /  info /"
fails=$((fails + $(grep -c '^FAIL' "$tmp/phone.log")))
[ "$nrc" = 0 ] || grep -q '^FAIL' "$tmp/phone.log" || bad "room-phone.js exited $nrc: $(tail -n 5 "$tmp/phone.log")"
stop assigned
stop own
stop off
echo "saved answers"
saved assigned 0
saved own 1
saved off 0

[ -n "$ROOM_PHONE_SHOT" ] || echo "  info the screenshots go with the temporary folder (set ROOM_PHONE_SHOT to keep them)"
if [ -n "$ROOM_PHONE_SHOT" ]; then
    for n in assigned assigned-thanks own off; do
        [ -f "$tmp/room-phone-$n.png" ] || continue
        if [ -d "$ROOM_PHONE_SHOT" ]; then dst="$ROOM_PHONE_SHOT/room-phone-$n.png"
        elif [ "$n" = assigned ]; then dst=$ROOM_PHONE_SHOT
        else dst="${ROOM_PHONE_SHOT%.png}-$n.png"; fi
        cp "$tmp/room-phone-$n.png" "$dst" && echo "  info $n: screenshot copied to $dst"
    done
fi
if [ "$fails" -gt 0 ]; then echo "room-phone: $fails check(s) failed"; exit 1; fi
echo "room-phone: all checks passed"
