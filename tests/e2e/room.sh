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
#             (pbde writes the components' log-densities: --persona-grid),
#             in the shares of two-gauss's weights: the room's single model
#             matches neither persona, a mixture model fitted to the saved
#             answers (without the personas) finds both and their shares,
#             and the single model ranks the cells as the personas' pooled
#             Borda count does; pbde train --replay of the saved CSV gives
#             the room's model exactly
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
    case $url in "http://127.0.0.1:$port/ROOM42") ok "$name: prints the join URL $url" ;;
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

# Six phones join one after the other and get personas 0 1 0 1 0 1 in
# turn; the fifth looks once and goes, so of the five who answer, two are
# persona 0: shares 0.4 and 0.6, two-gauss's own weights, so that
# --annotator mixture (the density's components with its weights) is
# these pooled annotators. They answer 2000 questions in turn, one answer
# each: 2000 pairs, each labelled by one persona the room is not told
# (with the whole hall on each question, 25 questions give 25 pairs, too
# few to learn a density). One training step per answer, at a third of
# pbde train's peak lr: annotate mode never decays its lr, and the last
# steps at the peak leave the reward's ranking jittering.
world="--width 16 --depth 2 --grid 32 --seed 3 --density two-gauss"
if section personas && start personas --density two-gauss --personas 2 --answers-per-question 1 \
    --answer-steps 1 --lr 0.001 --rate 1000 --persona-grid "$tmp/grid.csv"; then
    client personas personas "$port" ROOM42 6 2000 "$tmp/grid.csv" 4
    stop personas
    agree personas "$(field "$tmp/personas.result" accepted)"
    csv=$tmp/personas.csv
    n=$(($(wc -l <"$csv") - 1))
    n0=$(awk -F, 'NR > 1 && $6 == 0' "$csv" | wc -l)
    n1=$(awk -F, 'NR > 1 && $6 == 1' "$csv" | wc -l)
    set -- $("$PBDE" list | sed -n 's/^  two-gauss *\([0-9.]*\) N.* + \([0-9.]*\) N.*/\1 \2/p')
    w0=$1 w1=$2
    s0=$(awk -v a="$n0" -v n="$n" 'BEGIN { print a / n }') s1=$(awk -v a="$n1" -v n="$n" 'BEGIN { print a / n }')
    [ "$n0" = 800 ] && [ "$n1" = 1200 ] && [ "$s0" = "$w0" ] && [ "$s1" = "$w1" ] &&
        ok "personas: the CSV's annotator column: persona 0 $n0, persona 1 $n1 answers, shares $s0 and $s1 as two-gauss's weights ($w0, $w1)" ||
        bad "personas: persona 0 $n0, persona 1 $n1 answers of $n (want 800 and 1200: shares $w0 and $w1)"

    # The yardstick: D_k = KL(p_k || (p_0 + p_1) / 2), the distance from
    # persona k to the blend of both, log 2 when they do not overlap; then
    # no single density is nearer than log 2 to both (min over q of
    # max_k KL(p_k || q) is the capacity of the channel k -> x: one bit),
    # and a mixture component that did not separate would sit at the blend.
    set -- $(node -e 'const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").slice(1)
        .map(l => l.split(",").slice(2).map(Number));
        const norm = k => { const m = Math.max(...rows.map(r => r[k]));
            const z = m + Math.log(rows.reduce((s, r) => s + Math.exp(r[k] - m), 0)); return rows.map(r => r[k] - z); };
        const l0 = norm(0), l1 = norm(1), mix = l0.map((v, i) => Math.log((Math.exp(v) + Math.exp(l1[i])) / 2));
        const kl = l => l.reduce((s, v, i) => s + Math.exp(v) * (v - mix[i]), 0);
        console.log(kl(l0).toFixed(4), kl(l1).toFixed(4))' "$tmp/grid.csv")
    d0=$1 d1=$2
    echo "  info personas: each persona's KL to the blend of both: $d0, $d1 (log 2 = 0.6931)"

    # the room's single model, trained on the pooled answers
    k0=$(field "$tmp/personas.json" kl_component_model.0) k1=$(field "$tmp/personas.json" kl_component_model.1)
    below "$d0" "$k0" && below "$d1" "$k1" &&
        ok "personas: the room's single model matches neither persona: KL(p_0 || model) $k0 > $d0, KL(p_1 || model) $k1 > $d1" ||
        bad "personas: the room's single model is as near a persona as the blend: KL(p_0 || model) $k0 (blend $d0), KL(p_1 || model) $k1 (blend $d1)"

    # the saved answers rebuild the room's model exactly; under --annotator
    # mixture (the personas pooled in their shares) its Borda figure
    "$PBDE" train --replay "$csv" $world --answer-steps 1 --lr 0.001 --annotator mixture \
        --json >"$tmp/replay.json" 2>"$tmp/replay.err" || bad "personas: train --replay: $(cat "$tmp/replay.err")"
    a=$(field "$tmp/personas.json" kl_true_model) b=$(field "$tmp/replay.json" kl_true_model)
    [ "$a" = "$b" ] && ok "personas: pbde train --replay of the saved answers gives the room's model (KL $a)" ||
        bad "personas: the room's KL $a, train --replay's $b"
    r=$(field "$tmp/replay.json" borda_rank_corr)
    below 0.95 "$r" && ok "personas: the room's reward ranks the cells as the personas' pooled Borda count: rank correlation $r > 0.95" ||
        bad "personas: rank correlation of the room's reward with the pooled Borda count $r (want > 0.95)"

    # a mixture of two on the same answers, pbde train's own schedule; the
    # personas' column zeroed gives the same fit: the model never reads it
    "$PBDE" train --pairs-file "$csv" $world --annotator mixture --objective mixture --components 2 \
        --json >"$tmp/mixture.json" 2>"$tmp/mixture.err" || bad "personas: the mixture fit: $(cat "$tmp/mixture.err")"
    awk -F, 'BEGIN { OFS = "," } NR > 1 { $6 = 0 } { print }' "$csv" >"$tmp/blind.csv"
    "$PBDE" train --pairs-file "$tmp/blind.csv" $world --annotator mixture --objective mixture --components 2 \
        --json >"$tmp/blind.json" 2>"$tmp/blind.err" || bad "personas: the mixture fit, personas zeroed: $(cat "$tmp/blind.err")"
    a=$(field "$tmp/mixture.json" components) b=$(field "$tmp/blind.json" components)
    [ "$a" = "$b" ] && ok "personas: the mixture fit is the same with the annotator column zeroed (it never reads the personas)" ||
        bad "personas: the mixture fit changes with the annotator column: $a, zeroed $b"
    c0=$(field "$tmp/mixture.json" components.0.kl_to_annotator) c1=$(field "$tmp/mixture.json" components.1.kl_to_annotator)
    below "$c0" "$d0" && below "$c1" "$d1" &&
        ok "personas: the mixture's components match the personas: KL(p_0 || component) $c0 < $d0, KL(p_1 || component) $c1 < $d1" ||
        bad "personas: the mixture's components: KL(p_0 || component) $c0 (blend $d0), KL(p_1 || component) $c1 (blend $d1)"
    # a share estimated from n answers has standard error sqrt(s (1 - s) / n)
    # (0.011 for 0.4 of 2000); the weights must be within 5 of them
    m0=$(field "$tmp/mixture.json" components.0.weight) m1=$(field "$tmp/mixture.json" components.1.weight)
    tol=$(awk -v s="$s0" -v n="$n" 'BEGIN { printf "%.4f", 5 * sqrt(s * (1 - s) / n) }')
    e0=$(awk -v a="$m0" -v b="$s0" 'BEGIN { d = a - b; printf "%.4f", d < 0 ? -d : d }')
    e1=$(awk -v a="$m1" -v b="$s1" 'BEGIN { d = a - b; printf "%.4f", d < 0 ? -d : d }')
    below "$e0" "$tol" && below "$e1" "$tol" &&
        ok "personas: the mixture's weights $m0, $m1 are the personas' shares $s0, $s1 within 5 standard errors ($e0, $e1 < $tol)" ||
        bad "personas: the mixture's weights $m0, $m1, shares $s0, $s1: off by $e0, $e1 (5 standard errors: $tol)"
fi

if [ "$fails" -gt 0 ]; then echo "room: $fails check(s) failed"; exit 1; fi
echo "room: all checks passed"
