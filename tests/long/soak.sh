#!/bin/sh
# Soak test of the terminal explorer (issue 7): pbde runs in a tmux pane
# for SECONDS (default 1800) while a parameter changes every CHANGE_EVERY
# seconds (default 3) from a fixed cycle of :set commands and keys (new
# densities, objectives, annotators, pairs, widths, grids, a divergence
# and its reset, :save, panels). Its resident memory (VmRSS) is sampled
# every SAMPLE_EVERY seconds (default 10) into a CSV and summarised as a
# table every TABLE_EVERY seconds (default 300).
#
#   sh tests/long/soak.sh [SECONDS]        (PBDE names the binary)
#
# Passes when pbde is still alive at the end, quits with `q` and exit 0,
# and its memory is flat: the largest RSS in the last third of the run is
# at most SOAK_GROWTH_PCT percent (default 10) above the largest RSS of
# the first third (both after the first full cycle of changes, so every
# grid and data size has been seen). Not run by make test: a long check.
# Needs tmux.
SECONDS_TOTAL=${1:-${SOAK_SECONDS:-1800}}
CHANGE_EVERY=${CHANGE_EVERY:-3}
SAMPLE_EVERY=${SAMPLE_EVERY:-10}
TABLE_EVERY=${TABLE_EVERY:-300}
GROWTH_PCT=${SOAK_GROWTH_PCT:-10}
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
command -v tmux >/dev/null 2>&1 || { echo "  FAIL tmux is not installed"; exit 1; }
[ -x "$PBDE" ] || { echo "  FAIL no binary at $PBDE"; exit 1; }

tmp=$(mktemp -d)
out=${SOAK_OUT:-$tmp}
mkdir -p "$out"
# a private copy: a rebuild of build/pbde during the run must not matter
cp "$PBDE" "$tmp/pbde"
sock=pbde-soak-$$
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    tmx kill-server >/dev/null 2>&1
    rm -rf "$tmp/pbde" "$tmp/saved.ini"
    [ "$out" = "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi

# pbde is the pane's process, so #{pane_pid} is its pid
tmx new-session -d -s soak -x 160 -y 48 \
    "exec env TERM=$term LANG=$lang LC_ALL= '$tmp/pbde'" || { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t soak remain-on-exit on >/dev/null
pid=$(tmx display-message -p -t soak '#{pane_pid}')
i=0
while ! tmx capture-pane -p -t soak | grep -q "learned" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done

# The cycle: one change per CHANGE_EVERY seconds. "k X" sends key X,
# anything else is a prompt command.
cat >"$tmp/cycle" <<EOF
set density ring
k a
set objective dpo
k ]
set beta 8
k d
set annotator thurstone
set pairs 65536
k v
set width 32
k o
set grid 96
k c
set density moons
k l
set annotator mixture
set density eight-gauss
set annotator mixture
set objective mixture
k p
set components 8
set lr 1000
k r
set lr 0.003
k s
set panel slice
k Right
k Up
k +
set pairs 16
k -
save $tmp/saved.ini
set depth 6
set batch 2048
set threads 2
set objective ipo
set tau 0.1
set objective slic
set delta 2
k O
k A
k D
set grid 160
set density two-gauss
set objective reward
set annotator luce
set pairs 32768
set width 64
set depth 3
set batch 512
set threads 1
set grid 128
set panel theory
k v
k l
k c
k p
EOF
cycle_len=$(grep -c . "$tmp/cycle")
cycle_s=$((cycle_len * CHANGE_EVERY))

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
step_now() {
    tmx capture-pane -t soak -p 2>/dev/null | sed -n 's/.*step \([0-9][0-9]*\) \/.*/\1/p' | head -n 1
}

echo "  soak: ${SECONDS_TOTAL} s, a change every ${CHANGE_EVERY} s (cycle of $cycle_len, ${cycle_s} s), RSS every ${SAMPLE_EVERY} s"
echo "t_s,rss_kb,step,last_change" >"$out/soak.csv"
start=$(date +%s)
next_change=$start
next_sample=$start
next_table=$((start + TABLE_EVERY))
line_no=0
last=start
alive=1
while :; do
    now=$(date +%s)
    el=$((now - start))
    [ "$el" -ge "$SECONDS_TOTAL" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then alive=0; break; fi
    if [ "$now" -ge "$next_change" ]; then
        line_no=$((line_no % cycle_len + 1))
        cmd=$(sed -n "${line_no}p" "$tmp/cycle")
        case $cmd in
        "k "*) tmx send-keys -t soak "${cmd#k }" ;;
        *) tmx send-keys -t soak -l ":$cmd"; tmx send-keys -t soak Enter ;;
        esac
        last=$cmd
        next_change=$((next_change + CHANGE_EVERY))
    fi
    if [ "$now" -ge "$next_sample" ]; then
        echo "$el,$(rss_kb "$pid"),$(step_now),$last" >>"$out/soak.csv"
        next_sample=$((next_sample + SAMPLE_EVERY))
    fi
    if [ "$now" -ge "$next_table" ]; then
        tail -n 1 "$out/soak.csv" | awk -F, '{ printf "  t %5d s  RSS %6.1f MB  step %s  (%s)\n", $1, $2 / 1024, $3, $4 }'
        next_table=$((next_table + TABLE_EVERY))
    fi
    sleep 1
done
final_rss=$(rss_kb "$pid")
tmx send-keys -t soak Escape
tmx send-keys -t soak q
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
echo "  quit took $((i / 10)).$((i % 10)) s (a theory computation in progress finishes first)"
status=$(tmx display-message -p -t soak '#{pane_dead_status}' 2>/dev/null)
if [ "$status" != 0 ]; then
    echo "  ---- screen at the end:"
    tmx capture-pane -t soak -p 2>/dev/null | sed 's/^/  | /'
fi

fails=0
if [ "$alive" = 1 ]; then echo "  ok   pbde alive after ${SECONDS_TOTAL} s"
else echo "  FAIL pbde died after $el s"; fails=$((fails + 1)); fi
if [ "$status" = 0 ]; then echo "  ok   q exits 0"
else echo "  FAIL q exits 0 (status '$status')"; fails=$((fails + 1)); fi

# the table: RSS at every tenth of the run, and the flatness check
awk -F, -v total="$SECONDS_TOTAL" -v cyc="$cycle_s" -v pct="$GROWTH_PCT" -v final="$final_rss" '
NR == 1 { next }
{ t[++n] = $1; r[n] = $2 }
END {
    if (n == 0) { print "  FAIL no samples"; exit 1 }
    printf "  %8s  %9s\n  %8s  %9s\n", "t (s)", "RSS (MB)", "--------", "---------"
    step = total / 10; mark = 0
    for (i = 1; i <= n; i++) if (t[i] >= mark) { printf "  %8d  %9.1f\n", t[i], r[i] / 1024; mark += step }
    printf "  %8s  %9.1f\n", "end", final / 1024
    warm = cyc < total / 3 ? cyc : 0
    a = warm; b = warm + (total - warm) / 3; c = total - (total - warm) / 3
    for (i = 1; i <= n; i++) {
        if (t[i] >= a && t[i] < b && r[i] > m1) m1 = r[i]
        if (t[i] >= c && r[i] > m3) m3 = r[i]
        if (r[i] > mx) mx = r[i]
    }
    if (m1 == 0 || m3 == 0) { print "  FAIL too few samples for the flatness check"; exit 1 }
    g = 100 * (m3 - m1) / m1
    msg = sprintf("max RSS %.1f MB in [%d, %d) s, %.1f MB in [%d, %d] s: %+.1f%% (limit %d%%); overall max %.1f MB",
                  m1 / 1024, a, b, m3 / 1024, c, total, g, pct, mx / 1024)
    if (g <= pct) print "  ok   memory flat: " msg
    else { print "  FAIL memory grows: " msg; exit 1 }
}' "$out/soak.csv" || fails=$((fails + 1))
[ "$out" != "$tmp" ] && echo "  samples: $out/soak.csv"
[ "$fails" -eq 0 ]
