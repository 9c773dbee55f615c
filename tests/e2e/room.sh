#!/bin/sh
# End-to-end test of pbde room, the lecture hall as the annotator, on
# 127.0.0.1 only. Five servers, each driven by tests/e2e/room-client.js
# (node's own http and net modules):
#   contract  every status of the HTTP contract (403, 409, 400, 413, 429, 503),
#             a 10 MB body refused unread, slow-loris connections dropped
#             by the timeout; the saved CSV holds exactly the accepted answers
#   flood     2000 connections open at once: the server answers meanwhile
#             and afterwards
#   own       personas sent by the clients, written in the CSV
#   load      200 participants answer 20 questions each concurrently (a
#             question closes when all 200 answered), each thinking 0 to
#             250 ms before it answers and polling every 150 ms +-50%:
#             every accepted answer counted once by the client, the room's
#             stats, the session and the saved CSV; the latencies the
#             clients see and the server's own time per answer as info lines
#   personas  two personas on two-gauss, each voting by its own component
#             (pbde writes the components' log-densities: --persona-grid);
#             the model's KL to each component as info lines; pbde train
#             --replay of the saved CSV gives the room's model exactly
# PBDE names the binary; ROOM_SECTIONS="load personas" runs only those.
# One line per check; exits non-zero when any check fails. Skips (exit 0)
# when this pbde was built without the room or node is missing. Every wait
# is bounded (it catches hangs, not slowness).
PBDE=${PBDE:-build/pbde}
here=$(cd "$(dirname "$0")" && pwd)
client="$here/room-client.js"
fails=0
bad() { echo "  FAIL $*"; fails=$((fails + 1)); }
ok() { echo "  ok   $*"; }

if ! command -v node >/dev/null 2>&1; then echo "  skip: no node"; exit 0; fi
if "$PBDE" room --help 2>&1 | grep -q "built without the room"; then
    echo "  skip: pbde built without the room (libmicrohttpd, json-c)"; exit 0
fi
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# start NAME ARGS...: a server in the background; sets pid and port
start() {
    name=$1; shift
    "$PBDE" room --code ROOM42 --width 16 --depth 2 --grid 32 --seed 3 "$@" \
        --save-answers "$tmp/$name.csv" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    port=""
    i=0
    while [ $i -lt 300 ] && [ -z "$port" ]; do # 30 s
        port=$(sed -n 's/^port: //p' "$tmp/$name.out")
        kill -0 "$pid" 2>/dev/null || break
        [ -z "$port" ] && sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$port" ]; then bad "$name: pbde room did not start: $(cat "$tmp/$name.err")"; return 1; fi
    url=$(sed -n 's/^url: //p' "$tmp/$name.out")
    case $url in "http://127.0.0.1:$port/?code=ROOM42") ok "$name: prints the join URL $url" ;;
        *) bad "$name: join URL '$url'" ;; esac
}

# stop NAME: SIGINT, then the final JSON line into $tmp/NAME.json
stop() {
    kill -INT "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done # 180 s
    if kill -0 "$pid" 2>/dev/null; then bad "$1: pbde room did not stop at SIGINT"; kill -9 "$pid"; fi
    wait "$pid"; rc=$?
    pid=""
    [ "$rc" = 0 ] || bad "$1: pbde room exited $rc: $(cat "$tmp/$1.err")"
    grep '^{' "$tmp/$1.out" | tail -n 1 >"$tmp/$1.json"
    [ -s "$tmp/$1.json" ] || bad "$1: no final JSON line"
}

# field FILE KEY: a value from the JSON of FILE; KEY may be a path such
# as components.0.weight
field() {
    node -e 'let j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        for (const k of process.argv[2].split(".")) j = j == null ? j : j[k];
        console.log(JSON.stringify(j))' "$1" "$2"
}

# below A B: succeeds when the number A is below B
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

# section NAME: succeeds (and prints NAME) when NAME is to run (ROOM_SECTIONS, default all)
section() {
    case " ${ROOM_SECTIONS:-contract flood own load personas} " in *" $1 "*) echo "$1" ;; *) return 1 ;; esac
}

# client NAME ARGS...: runs the client, shows its lines, keeps its result
client() {
    name=$1; shift
    node "$client" "$@" >"$tmp/$name.client" 2>&1
    crc=$?
    sed -n 's/^\(ok\|FAIL\|info\) */\1 /p' "$tmp/$name.client" | sed "s/^ok /  ok   $name: /; s/^FAIL /  FAIL $name: /; s/^info /  info $name: /"
    grep -q '^FAIL' "$tmp/$name.client" && fails=$((fails + $(grep -c '^FAIL' "$tmp/$name.client")))
    [ "$crc" = 0 ] || grep -q '^FAIL' "$tmp/$name.client" || bad "$name: client exited $crc: $(tail -n 3 "$tmp/$name.client")"
    sed -n 's/^result //p' "$tmp/$name.client" >"$tmp/$name.result"
}

# agree NAME N: the room's stats, the session and the CSV all hold N answers
agree() {
    rows=$(($(wc -l <"$tmp/$1.csv") - 1))
    a=$(field "$tmp/$1.json" answers) s=$(field "$tmp/$1.json" session_answers)
    t=$(field "$tmp/$1.json" trained) d=$(field "$tmp/$1.json" drained)
    if [ "$a" = "$2" ] && [ "$s" = "$2" ] && [ "$rows" = "$2" ] && [ "$d" = true ] && [ "$t" = "$2" ]; then
        ok "$1: every accepted answer counted once: $2 (stats $a, session $s, CSV rows $rows, trained $t)"
    else
        bad "$1: accepted $2, stats $a, session $s, CSV rows $rows, trained $t, drained $d"
    fi
}

if section contract && start contract --answers-per-question 3 --timeout 2 --answer-steps 2 --max-participants 5; then
    client contract contract "$port" ROOM42 2
    stop contract
    agree contract "$(field "$tmp/contract.result" accepted)"
    head -n 1 "$tmp/contract.csv" | grep -qx 'ax,ay,bx,by,y,annotator' && ok "contract: the CSV has pbde sample's header" ||
        bad "contract: CSV header $(head -n 1 "$tmp/contract.csv")"
fi

if section flood && start flood --answer-steps 2; then
    client flood flood "$port" ROOM42
    stop flood
fi

if section own && start own --personas own --answers-per-question 2 --answer-steps 2; then
    client own own "$port" ROOM42
    stop own
    agree own 2
    w=$(awk -F, 'NR > 1 { printf "%s ", $6 }' "$tmp/own.csv")
    [ "$w" = "7 3 " ] && ok "own: the CSV's annotator column holds the personas sent, in order" ||
        bad "own: annotator column '$w' (want 7 3)"
fi

if section load && start load --answers-per-question 200 --answer-steps 1 --rate 50; then
    client load load "$port" ROOM42 200 20 250 150
    stop load
    agree load "$(field "$tmp/load.result" accepted)"
    q=$(field "$tmp/load.json" questions)
    [ "$q" -ge 20 ] 2>/dev/null && ok "load: $q questions shown (20 answered)" || bad "load: questions $q"
fi

if section personas && start personas --density two-gauss --personas 2 --answers-per-question 40 --answer-steps 20 \
    --persona-grid "$tmp/grid.csv"; then
    client personas personas "$port" ROOM42 40 25 "$tmp/grid.csv" 100 100
    stop personas
    agree personas "$(field "$tmp/personas.result" accepted)"
    n0=$(awk -F, 'NR > 1 && $6 == 0' "$tmp/personas.csv" | wc -l)
    n1=$(awk -F, 'NR > 1 && $6 == 1' "$tmp/personas.csv" | wc -l)
    [ "$n0" = 500 ] && [ "$n1" = 500 ] && ok "personas: the CSV's annotator column holds each persona's 500 answers" ||
        bad "personas: persona 0: $n0 rows, persona 1: $n1 (want 500 each)"
    echo "  info personas: KL(p* || model) $(field "$tmp/personas.json" kl_true_model)," \
        "KL(component k || model) $(field "$tmp/personas.json" kl_component_model)"
    # the saved answers rebuild the room's model exactly
    "$PBDE" train --replay "$tmp/personas.csv" --width 16 --depth 2 --grid 32 --seed 3 --density two-gauss \
        --answer-steps 20 --json >"$tmp/replay.json" 2>"$tmp/replay.err" || bad "personas: train --replay: $(cat "$tmp/replay.err")"
    a=$(field "$tmp/personas.json" kl_true_model) b=$(field "$tmp/replay.json" kl_true_model)
    [ "$a" = "$b" ] && ok "personas: pbde train --replay of the saved answers gives the room's model (KL $a)" ||
        bad "personas: the room's KL $a, train --replay's $b"
fi

if [ "$fails" -gt 0 ]; then echo "room: $fails check(s) failed"; exit 1; fi
echo "room: all checks passed"
