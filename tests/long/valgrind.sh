#!/bin/sh
# valgrind memcheck on short runs of the real binary (issue 7): train (every
# objective family, two threads, divergence, --grid-out, a bad scenario),
# sample, render (PNG and y4m, when built), and the terminal explorer in a
# tmux pane for a few seconds with a parameter change and a quit, and once
# with a room that phones answer. Each run
# must have 0 errors and 0 bytes definitely or indirectly lost; "possibly
# lost" and "still reachable" are listed per run (ncurses, fontconfig and
# SDL keep caches until exit by design) but do not fail the check.
#
#   sh tests/long/valgrind.sh          (PBDE names the binary; make valgrind)
#
# Not run by make test: about 5 minutes. Needs valgrind (apt-get install
# valgrind); tmux for the explorer run.
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
command -v valgrind >/dev/null 2>&1 || { echo "  FAIL valgrind is not installed (apt-get install valgrind)"; exit 1; }
[ -x "$PBDE" ] || { echo "  FAIL no binary at $PBDE"; exit 1; }
tmp=$(mktemp -d)
# a private copy: a rebuild of the binary during the run must not matter
cp "$PBDE" "$tmp/pbde"
DEMOS=$(cd "$(dirname "$0")/../../demos" && pwd)
PBDE=$tmp/pbde
sock=pbde-vg-$$
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fails=0
n=0
VG="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no --num-callers=30"

# vg WANT-EXIT NAME ARGS...: runs pbde ARGS under memcheck and reports
vg() {
    want=$1
    name=$2
    shift 2
    n=$((n + 1))
    log=$tmp/vg-$n.log
    $VG --log-file="$log" "$PBDE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    summarise "$want" "$rc" "$name" "$log"
}
summarise() { # summarise WANT RC NAME LOG
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$4" | tail -n 1 | tr -d ,)
    def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$4" | tail -n 1 | tr -d ,)
    ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$4" | tail -n 1 | tr -d ,)
    pos=$(sed -n 's/.*possibly lost: \([0-9,]*\) bytes.*/\1/p' "$4" | tail -n 1 | tr -d ,)
    rea=$(sed -n 's/.*still reachable: \([0-9,]*\) bytes.*/\1/p' "$4" | tail -n 1 | tr -d ,)
    grep -q "All heap blocks were freed" "$4" && { def=0; ind=0; pos=0; rea=0; }
    line=$(printf '%-44s exit %-3s errors %s, definitely lost %s B, indirectly %s B, possibly %s B, still reachable %s B' \
        "$3" "$2" "${errors:-?}" "${def:-?}" "${ind:-?}" "${pos:-?}" "${rea:-?}")
    if [ "$2" = "$1" ] && [ "${errors:-x}" = 0 ] && [ "${def:-x}" = 0 ] && [ "${ind:-x}" = 0 ]; then
        echo "  ok   $line"
    else
        echo "  FAIL $line (want exit $1)"
        fails=$((fails + 1))
        grep -E "^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|.* are (definitely|indirectly) lost)" -A 12 "$4" | head -n 60 | sed 's/^/  | /'
        head -c 400 "$tmp/err" | sed 's/^/  | /'
    fi
    # where the reachable memory lives, by library (the last pbde-free frame)
    if [ "${rea:-0}" != 0 ] && [ -n "$VG_DETAIL" ]; then
        grep -A 20 "still reachable in loss record" "$4" | grep -oE 'in /[^ )]*' | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/       /'
    fi
}

SMALL="--pairs 1024 --grid 24 --width 16 --depth 2 --steps 20"
vg 0 "train (reward)" train $SMALL
vg 0 "train --json (dpo, 2 threads)" train $SMALL --objective dpo --threads 2 --json
vg 0 "train (mixture on mixture)" train $SMALL --objective mixture --annotator mixture
vg 0 "train (slic)" train $SMALL --objective slic
vg 0 "train (ipo, thurstone: numerical optimum)" train $SMALL --objective ipo --annotator thurstone
vg 0 "train --grid-out" train $SMALL --grid-out "$tmp/grid.csv"
vg 0 "train --scenario (a demo)" train --scenario "$DEMOS/dpo-beta-sweep.ini" $SMALL
vg 3 "train diverging (--lr 1e6)" train --pairs 1024 --grid 24 --steps 100 --lr 1e6 --grid-out "$tmp/grid.csv"
vg 2 "train, bad scenario" train --scenario "$PBDE"
vg 2 "train, bad flag" train --beta 0
vg 1 "train --grid-out a folder" train $SMALL --grid-out "$tmp"
vg 0 "sample" sample --pairs 2000 --out "$tmp/s.csv"
vg 0 "sample --with-heldout, mixture" sample --pairs 2000 --annotator mixture --with-heldout --out "$tmp/s.csv"
# a full device: as root a private twin of /dev/full (c 1 7), so that a
# binary that renames over devices cannot replace the real one
full=/dev/full
if [ "$(id -u)" = 0 ]; then
    full=
    mknod "$tmp/full" c 1 7 2>/dev/null && full=$tmp/full
fi
[ -n "$full" ] && vg 1 "sample --out a /dev/full device" sample --pairs 2000 --out "$full"
if "$PBDE" help | grep -q "pbde render"; then
    vg 0 "render --out png" render $SMALL --out "$tmp/r.png"
    vg 0 "render --out y4m (4 frames)" render $SMALL --frames 4 --out "$tmp/r.y4m"
    vg 2 "render, bad --out" render --out "$tmp/r.txt"
fi

# the explorer: a few seconds, a parameter change, then q
if command -v tmux >/dev/null 2>&1; then
    n=$((n + 1))
    log=$tmp/vg-$n.log
    term=screen
    infocmp tmux-256color >/dev/null 2>&1 && term=tmux-256color
    tmux -L "$sock" -f /dev/null new-session -d -s vg -x 120 -y 40 \
        "env TERM=$term LANG=C.UTF-8 $VG --log-file=$log '$PBDE' $SMALL; echo \$? >$tmp/tui.rc"
    # each change once the screen shows the one before (valgrind is slow:
    # the bounds, 10 minutes, only catch a hang)
    vg_shows() { tmux -L "$sock" capture-pane -p -t vg >"$tmp/vg.screen" 2>/dev/null && "$@"; }
    vg_wait() { # vg_wait COMMAND...: polls the pane into $tmp/vg.screen until COMMAND holds
        i=0
        while ! vg_shows "$@" && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
    }
    annotator() { sed -n '1s/.*annotator \([a-z]*\).*/\1/p' "$tmp/vg.screen"; }
    vg_wait grep -q "learned" "$tmp/vg.screen"
    tmux -L "$sock" send-keys -t vg -l ":set objective dpo"
    tmux -L "$sock" send-keys -t vg Enter
    vg_wait grep -q "objective dpo" "$tmp/vg.screen"
    was=$(annotator)
    changed() { a=$(annotator); [ -n "$a" ] && [ "$a" != "$was" ]; }
    tmux -L "$sock" send-keys -t vg a
    vg_wait changed
    tmux -L "$sock" send-keys -t vg q
    i=0
    while [ ! -s "$tmp/tui.rc" ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
    summarise 0 "$(cat "$tmp/tui.rc" 2>/dev/null)" "tui (:set objective dpo, a, q)" "$log"

    # the room in the explorer: opened with --room, a few answers from
    # room-client.js (200 participants would take valgrind minutes: 5 x 4),
    # :room again with other options, Esc, q
    if command -v node >/dev/null 2>&1 && ! "$PBDE" room --help 2>&1 | grep -q "built without the room"; then
        n=$((n + 1))
        log=$tmp/vg-$n.log
        rm -f "$tmp/tui.rc"
        tmux -L "$sock" -f /dev/null new-session -d -s vgroom -x 120 -y 40 \
            "env TERM=$term LANG=C.UTF-8 $VG --log-file=$log '$PBDE' $SMALL --room --room-options 'code=ROOM42 per-question=5 rate=50'; echo \$? >$tmp/tui.rc"
        room_port() { sed -n 's|.*join http://127\.0\.0\.1:\([0-9]*\)/ROOM42.*|\1|p' "$tmp/vg.screen" | head -n 1; }
        has_port() { [ -n "$(room_port)" ]; }
        vg_room() { tmux -L "$sock" capture-pane -p -t vgroom >"$tmp/vg.screen" 2>/dev/null && "$@"; }
        i=0
        while ! vg_room has_port && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
        node "$(dirname "$0")/../e2e/room-client.js" load "$(room_port)" ROOM42 5 4 100 150 >"$tmp/vgroom.client" 2>&1 ||
            { echo "  FAIL room-client under valgrind: $(tail -n 2 "$tmp/vgroom.client")"; fails=$((fails + 1)); }
        tmux -L "$sock" send-keys -t vgroom -l ":room personas=2 per-question=3"
        tmux -L "$sock" send-keys -t vgroom Enter
        i=0
        while ! vg_room grep -q "of 3 answers" "$tmp/vg.screen" && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
        tmux -L "$sock" send-keys -t vgroom Escape
        i=0
        while ! vg_room grep -q "closed the room" "$tmp/vg.screen" && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
        tmux -L "$sock" send-keys -t vgroom q
        i=0
        while [ ! -s "$tmp/tui.rc" ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
        summarise 0 "$(cat "$tmp/tui.rc" 2>/dev/null)" "tui --room (20 answers, :room, Esc, q)" "$log"
    fi
fi

[ "$fails" -eq 0 ]
