#!/bin/sh
# Hostile terminals and the explorer's bad-input paths (issue 7), on the
# real binary in tmux panes:
#   TERM unset, empty, dumb or unknown, stdout or stdin not a terminal:
#   a clear error, exit 2; 100 resizes in one burst (down to 1x1) and a
#   pane that starts at 1x1: no crash, the panels come back; a non-UTF-8
#   locale: nothing but ASCII on screen; SIGINT, SIGTERM, SIGHUP and
#   SIGTSTP/fg: the terminal is restored every time; :set with values
#   beyond the registry's bounds: the status line says why and nothing
#   changes; a learning rate that diverges: "diverged at step N" with the
#   advice, the metrics stay finite, r resets; :save into a read-only or
#   full location: the message, and the existing file intact; pbde gui
#   without a display names pbde render.
# Run by make test (about 40 s); PBDE names the binary. One line per
# check; exits non-zero when any fails. Needs tmux.
# under make sanitize: ncurses' own allocation when newterm fails is not ours
supp=$(cd "$(dirname "$0")/.." && pwd)/lsan.supp
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$supp"
. "$(dirname "$0")/../lib/tmux.sh"
mounts=""
cleanup_more() {
    for m in $mounts; do umount "$m" 2>/dev/null; done
}
skip() { echo "  skip $1"; }

lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi

titles() { has "p*(x)" && has "learned" && lacks "enlarge the terminal"; }
step_of() { sed -n 's/.* step \([0-9][0-9]*\) \/.*/\1/p' "$tmp/screen" | head -n 1; }
alive() { [ "$(tmx display-message -p -t "$1" '#{pane_dead}' 2>/dev/null)" = 0 ]; }
# a shell pane; its commands report pbde's exit status and whether the
# tty modes came back
shell() { # shell NAME WIDTH HEIGHT
    tmx new-session -d -s "$1" -x "$2" -y "$3" "env -u ENV TERM=$term LANG=$lang LC_ALL= PS1='$ ' sh" || return 1
    tmx set-option -t "$1" status off >/dev/null
    wait_in "$1" 5 has '$'
}
# each command's report carries its own number, so an old one on screen
# never counts
seq=0
run_in() { # run_in PANE COMMAND: runs COMMAND in the pane's shell, reporting rc and tty modes
    seq=$((seq + 1))
    tmx send-keys -t "$1" -l "clear; s0=\$(stty -g); $2; rc=\$?; [ \"\$(stty -g)\" = \"\$s0\" ] && echo tty-restored-$seq; echo pbde-exit-$seq=\$rc"
    tmx send-keys -t "$1" Enter
}
exited() { grep -q "^pbde-exit-$seq=[0-9]" "$tmp/screen"; }
exit_code() { sed -n "s/^pbde-exit-$seq=\([0-9]*\).*/\1/p" "$tmp/screen" | tail -n 1; }
restored() { # restored PANE: tty modes, normal screen, cursor visible
    grep -qx "tty-restored-$seq" "$tmp/screen" &&
        [ "$(tmx display-message -p -t "$1" '#{alternate_on}')" = 0 ] &&
        [ "$(tmx display-message -p -t "$1" '#{cursor_flag}')" = 1 ]
}

# ------------------------------------------------------------------ no terminal

"$PBDE" tui </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "needs a terminal (standard output is not one)" "$tmp/err" \
    && ok "stdout not a terminal: exit 2, $(cat "$tmp/err")" || bad "stdout not a terminal: exit $rc $(cat "$tmp/err")"

if "$PBDE" help | grep -q "pbde gui"; then
    env -u DISPLAY -u WAYLAND_DISPLAY "$PBDE" gui </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q "pbde render" "$tmp/err" \
        && ok "pbde gui without a display: exit 2, names pbde render ($(head -n 1 "$tmp/err"))" \
        || bad "pbde gui without a display: exit $rc $(cat "$tmp/err")"
else skip "pbde gui: not built"; fi

# ------------------------------------------------------------------ TERM and stdio

# a session that outlives the others keeps the server (and its options) up
tmx new-session -d -s keep "sleep 100000" || { bad "tmux new-session"; exit 1; }
tmx set-option -g remain-on-exit on >/dev/null
shell t 150 40 || { bad "tmux shell"; exit 1; }
# expect_msg TEXT COMMAND: in the shell pane, exit 2 and TEXT on screen
expect_msg() {
    want=$1
    run_in t "$2"
    if wait_in t 8 exited && [ "$(exit_code)" = 2 ] && has "$want"; then ok "$2: exit 2, $(grep -F -- "$want" "$tmp/screen" | head -n 1 | cut -c1-120)"
    else bad "$2: exit $(exit_code), want '$want'"; fi
}
expect_msg "TERM is not set" "env -u TERM '$PBDE'"
expect_msg "TERM is not set" "TERM= '$PBDE'"
expect_msg "TERM is 'dumb'" "TERM=dumb '$PBDE'"
expect_msg "cannot use terminal type 'no-such-terminal'" "TERM=no-such-terminal '$PBDE'"
expect_msg "needs a terminal (standard input is not one)" "'$PBDE' </dev/null"
run_in t "'$PBDE' | cat; false"
wait_in t 8 exited && has "needs a terminal (standard output is not one)" \
    && ok "pbde | cat: $(grep -F "needs a terminal" "$tmp/screen" | cut -c1-100)" || bad "pbde | cat"

# ------------------------------------------------------------------ resizes

run_in t "'$PBDE'"
if wait_in t 10 titles; then ok "explorer up at 150x40"; else bad "explorer up at 150x40"; fi
pid=$(pgrep -P "$(tmx display-message -p -t t '#{pane_pid}')" | head -n 1)
# 100 resizes in one tmux call (a command file), microseconds apart
: >"$tmp/resizes"
for i in 1 2 3 4 5 6 7 8 9 10; do
    for wh in 1x1 200x60 80x24 79x23 2x2 300x100 40x10 1x50 50x1 120x40; do
        echo "resize-window -t t -x ${wh%x*} -y ${wh#*x}" >>"$tmp/resizes"
    done
done
t0=$(date +%s%N)
tmx source-file "$tmp/resizes"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
# a key pressed after the burst is answered (the help), so every resize
# before it was handled; any key closes the help and the panels come back
HELP="press any key to close this help"
tmx send-keys -t t '?'
if wait_in t 10 has "$HELP" && tmx send-keys -t t x && wait_in t 10 titles && kill -0 "$pid" 2>/dev/null; then
    ok "100 resizes in $ms ms (down to 1x1, up to 300x100): alive, a key after them answered, panels back at 120x40"
else bad "100 resizes in $ms ms"; fi
# a key pressed while the pane is 1x1 takes effect: its help is there once
# the pane is big again
tmx resize-window -t t -x 1 -y 1
tmx send-keys -t t '?'
tmx resize-window -t t -x 150 -y 40
if wait_in t 10 has "$HELP" && tmx send-keys -t t x && wait_in t 10 titles && kill -0 "$pid" 2>/dev/null; then
    ok "1x1: alive, a key pressed at 1x1 answered, panels back at 150x40"
else bad "1x1"; fi

# ------------------------------------------------------------------ :set beyond the bounds

# prompt LINE: types :LINE and Enter
prompt() {
    tmx send-keys -t t -l ":$1"
    tmx send-keys -t t Enter
}
header() { head -n 2 "$tmp/screen"; }
has_re() { grep -qE -- "$1" "$tmp/screen"; }
expect_status() { # expect_status COMMAND REGEX: the status line (or header) matches
    prompt "$1"
    if wait_in t 5 has_re "$2"; then ok ":$1 -> $(grep -E -- "$2" "$tmp/screen" | head -n 1 | sed 's/^ *//' | cut -c1-110)"
    else bad ":$1 should say '$2'"; fi
}
expect_status "set beta 0" "beta: '0' is not allowed: expected a number > 0 and <= 1000"
expect_status "set pairs 4194305" "pairs: '4194305' is not allowed: expected a whole number >= 16 and <= 4194304"
expect_status "set grid 7" "grid: '7' is not allowed"
expect_status "set lr abc" "lr: 'abc' is not allowed"
expect_status "set lr nan" "lr: 'nan' is not allowed"
expect_status "set seed -1" "seed: '-1' is not allowed"
expect_status "set nonsense 1" "unknown parameter 'nonsense'"
# accepted: the prompt's "name = value", or the restart message that follows it
expect_status "set density ring" "density (= )?ring"
expect_status "set annotator mixture" "needs a density with at least 2 components"
expect_status "set density two-gauss" "density (= )?two-gauss"
expect_status "set grid 512" "grid (= )?512"
expect_status "set grid 128" "grid (= )?128"
expect_status "set pairs 16" "pairs (= )?16|· 16 pairs"
if wait_in t 10 titles && kill -0 "$pid" 2>/dev/null; then ok "after the :set checks: alive, panels on screen"; else bad "after the :set checks"; fi

# Every registry parameter through :set, paused (so no training step runs
# at width 512, depth 16, batch 65536): numbers at each bound, just inside
# and just beyond, garbage, every choice value, then back to the default.
# After each case :save writes the explorer's parameters to a file of its
# own, so what :set did is read back from the files (status messages come
# and go, and a loaded machine may miss them): an accepted value is saved
# as typed (to 2e-10: the bounds are 1e-9 apart), a refused one leaves the value as it was.
# (the header says "paused", or "rebuilding… · paused" while the last
# :set still rebuilds: the pause is shown at once)
header_paused() { sed -n 2p "$tmp/screen" | grep -q "paused"; }
tmx send-keys -t t ' '
wait_in t 5 header_paused || bad "space pauses before the :set loop"
"$PBDE" list params | awk -F'|' 'BEGIN { OFS = "\t" } NR > 2 {
    name = $2; gsub(/[ `]/, "", name); sub(/^--/, "", name)
    def = $4; gsub(/[ `]/, "", def)
    al = $5; sub(/^ +/, "", al); sub(/ +$/, "", al)
    if (al ~ /^one of:/) {
        n = split(substr(al, 8), v, " ")
        for (i = 1; i <= n; i++) if (v[i] !~ /[A-Z]/) print name, v[i], "ok"
        print name, toupper(v[1]) "x", "bad"
    } else if (al ~ /^a (whole )?number (>|>=) [-0-9.e+]+ and <= [-0-9.e+]+$/) {
        whole = al ~ /whole number/
        sub(/^a (whole )?number /, "", al)
        split(al, w, " ")
        open = w[1] == ">"; lo = w[2] + 0; hi = w[5] + 0
        if (whole) {
            print name, sprintf("%.0f", lo), "ok"; print name, sprintf("%.0f", lo - 1), "bad"
            print name, sprintf("%.0f", lo + 1), "ok"; print name, sprintf("%.0f", hi + 1), "bad"
            print name, sprintf("%.0f", hi), "ok"; print name, sprintf("%.1f", lo + 0.5), "bad"
            print name, sprintf("%.0f", hi - 1), "ok"; print name, "nan", "bad"
        } else {
            print name, sprintf("%.17g", lo), open ? "bad" : "ok"
            print name, lo == 0 ? "-1e-300" : sprintf("%.17g", lo * (1 - 1e-9)), "bad"
            print name, lo == 0 ? "1e-300" : sprintf("%.17g", lo * (1 + 1e-9)), "ok"
            print name, sprintf("%.17g", hi * (1 + 1e-9)), "bad"
            print name, sprintf("%.17g", hi), "ok"; print name, "inf", "bad"
            print name, sprintf("%.17g", hi * (1 - 1e-9)), "ok"; print name, "nan", "bad"
        }
    } else next
    print name, def, "ok"
}' >"$tmp/setcases"
mkdir -p "$tmp/set"
saved_value() { # saved_value FILE NAME: NAME's value in a :save file
    sed -n "s/^$2 = //p" "$1" | head -n 1
}
close_to() { # close_to GOT WANT: equal as text, or as numbers to 2e-10 relative
    [ "$1" = "$2" ] && return 0
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1e-300) m = 1e-300
                                    exit !(a ~ /^[-+0-9.eE]+$/ && d <= 2e-10 * m) }'
}
TAB=$(printf '\t')
# type every case, a parameter at a time, waiting for its last file
k=0
last_name=
while IFS=$TAB read -r name value expect; do
    if [ -n "$last_name" ] && [ "$name" != "$last_name" ]; then
        wait_until 30 test -s "$tmp/set/$k.ini"
    fi
    last_name=$name
    k=$((k + 1))
    prompt "set $name $value"
    prompt "save $tmp/set/$k.ini"
done <"$tmp/setcases"
wait_until 30 test -s "$tmp/set/$k.ini"
# read them back
k=0
n_set_ok=0
n_set_bad=0
n_set_fail=0
prev=
while IFS=$TAB read -r name value expect; do
    k=$((k + 1))
    f=$tmp/set/$k.ini
    if [ ! -s "$f" ]; then
        n_set_fail=$((n_set_fail + 1))
        echo "  FAIL :set $name $value: no :save file $k"
        prev=
        continue
    fi
    got=$(saved_value "$f" "$name")
    if [ "$expect" = ok ]; then want=$value
    elif [ -n "$prev" ]; then want=$(saved_value "$prev" "$name")
    else want=$got; fi
    if close_to "$got" "$want"; then
        case $expect in bad) n_set_bad=$((n_set_bad + 1)) ;; *) n_set_ok=$((n_set_ok + 1)) ;; esac
    else
        n_set_fail=$((n_set_fail + 1))
        echo "  FAIL :set $name $value ($expect): the explorer then saved $name = '$got', want '$want'"
    fi
    prev=$f
done <"$tmp/setcases"
if [ $n_set_fail -eq 0 ] && [ $k -gt 100 ] && kill -0 "$pid" 2>/dev/null && wait_in t 10 titles; then
    ok ":set on every parameter at, inside and beyond its bounds ($k cases): $n_set_ok accepted as typed (defaults last), $n_set_bad refused with the value kept; alive"
else
    fails=$((fails + 1))
    echo "  FAIL :set loop: $n_set_fail of $k cases wrong"
fi
tmx send-keys -t t ' '

# ------------------------------------------------------------------ divergence and r

prompt "set lr 1000000"
diverged() { has "diverged at step" && has "try a smaller learning rate"; }
if wait_in t 10 diverged; then
    ok "lr 1e6: $(grep -o 'diverged at step [0-9]*' "$tmp/screen" | head -n 1); $(grep -o 'training diverged at step.*' "$tmp/screen" | head -n 1 | cut -c1-90)"
    if grep -qiE '(^|[^a-z])(nan|inf)([^a-z]|$)' "$tmp/screen"; then bad "diverged: NaN or Inf on screen"
    else ok "diverged: the last model and its metrics stay finite on screen (no nan, no inf)"; fi
else bad "lr 1e6 diverges on screen"; fi
# space, then r: keys are applied in order, so the reset finds the session
# paused and its step count stays at 0 (a diverged header says so, not
# "paused")
tmx send-keys -t t ' '
tmx send-keys -t t r
reset_done() { has "model reset" && ! grep -q "diverged at step" "$tmp/screen" && [ "$(step_of)" = 0 ]; }
if wait_in t 5 reset_done; then ok "space, r: model reset, step 0, no longer diverged"; else bad "r resets after divergence"; fi
prompt "set lr 0.003"
tmx send-keys -t t ' '
moving() { s=$(step_of); [ -n "$s" ] && [ "$s" -gt 5 ] && ! grep -q "diverged at step" "$tmp/screen"; }
if wait_in t 10 moving; then ok ":set lr 0.003, space: training again (step $(step_of))"; else bad "training after the reset"; fi

# ------------------------------------------------------------------ :save into bad places

ORIG="precious: this file must survive"
no_temps() { # no "NAME.tmp.PID" left in folder $1
    for f in "$1"/*.tmp.* "$1"/.*.tmp.*; do [ -e "$f" ] && return 1; done
    return 0
}
save_check() { # save_check WHAT FILE
    prompt "save $2"
    if wait_in t 5 has "could not save" && [ "$(cat "$2")" = "$ORIG" ] && no_temps "$(dirname "$2")"; then
        ok ":save, $1: $(grep -o 'could not save.*' "$tmp/screen" | head -n 1 | sed 's/ *$//' | sed "s|$tmp|\$tmp|" | cut -c1-90); file intact"
    else bad ":save, $1 (file: $(cat "$2"))"; fi
}
mkdir -p "$tmp/ro" "$tmp/full"
printf '%s\n' "$ORIG" >"$tmp/ro/keep.ini"
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$tmp/ro"
    save_check "read-only folder" "$tmp/ro/keep.ini"
    chmod 755 "$tmp/ro"
elif mount -t tmpfs -o size=1m tmpfs "$tmp/ro" 2>/dev/null; then
    mounts="$tmp/ro $mounts"
    printf '%s\n' "$ORIG" >"$tmp/ro/keep.ini"
    mount -o remount,ro "$tmp/ro"
    save_check "read-only file system" "$tmp/ro/keep.ini"
else skip ":save read-only: root without mount"; fi
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
    mounts="$tmp/full $mounts"
    printf '%s\n' "$ORIG" >"$tmp/full/keep.ini"
    head -c 1000000 /dev/zero >"$tmp/full/filler" 2>/dev/null
    save_check "full file system" "$tmp/full/keep.ini"
else skip ":save to a full file system: cannot mount a tmpfs"; fi

# ------------------------------------------------------------------ signals

quit_check() { # quit_check WHAT WANT-EXIT
    if wait_in t 10 exited; then
        if [ "$(exit_code)" = "$2" ] && restored t; then ok "$1: exit $2, terminal restored (tty modes, normal screen, cursor)"
        else bad "$1: exit $(exit_code) (want $2), restored: $(restored t && echo yes || echo no)"; fi
    else bad "$1: pbde did not exit"; fi
}
tmx send-keys -t t C-c
quit_check "Ctrl-C (SIGINT)" 130

run_in t "'$PBDE'"
wait_in t 10 titles
pid=$(pgrep -P "$(tmx display-message -p -t t '#{pane_pid}')" | head -n 1)
kill -TERM "$pid"
quit_check "kill -TERM" 143

# Ctrl-Z needs a shell with job control: sh -i (dash and bash both do it)
tmx kill-session -t t
tmx new-session -d -s z -x 150 -y 40 "env -u ENV TERM=$term LANG=$lang LC_ALL= PS1='$ ' sh -i"
tmx set-option -t z status off >/dev/null
wait_in z 5 has '$'
# --steps far beyond the check's few seconds: training is still running at
# fg however slow the machine (the default 3000 steps can end before it)
tmx send-keys -t z -l "s0=\$(stty -g); '$PBDE' --steps 100000000"
tmx send-keys -t z Enter
# past the first frames (full repaints): the panels and a step count
going() { titles && s=$(step_of) && [ -n "$s" ] && [ "$s" -gt 0 ]; }
wait_in z 10 going
# ncurses sets SIGTSTP to SIG_IGN while doupdate() writes a frame, so a
# Ctrl-Z that lands inside a screen update is lost (the first frames are
# full repaints, and under load an update stretches); a person presses
# again, and so does this check, up to three times, and says so
stopped() { [ "$(tmx display-message -p -t z '#{alternate_on}')" = 0 ] && has "Stopped" && grep -v '^ *$' "$tmp/screen" | tail -n 1 | grep -q '^\$'; }
presses=0
while [ $presses -lt 3 ]; do
    presses=$((presses + 1))
    tmx send-keys -t z C-z
    if wait_in z 3 stopped; then break; fi
done
if stopped; then
    if [ $presses = 1 ]; then ok "Ctrl-Z (SIGTSTP): back at the shell, normal screen"
    else ok "Ctrl-Z (SIGTSTP): back at the shell after $presses presses (a Ctrl-Z during a screen update is lost: ncurses)"; fi
else bad "Ctrl-Z: still running after 3 presses"; fi
tmx send-keys -t z -l "fg"
tmx send-keys -t z Enter
if wait_in z 10 going; then
    s1=$(step_of)
    past_s1() { s2=$(step_of); [ -n "$s2" ] && [ "$s2" -gt "$s1" ]; }
    if wait_in z 10 past_s1; then ok "fg: panels back, training on (step $s1 -> $s2)"; else bad "fg: training stalled ($s1 -> $(step_of))"; fi
else bad "fg: panels back"; fi
tmx send-keys -t z q
back() { [ "$(tmx display-message -p -t z '#{alternate_on}')" = 0 ] && grep -v '^ *$' "$tmp/screen" | tail -n 1 | grep -q '^\$'; }
wait_in z 10 back
seq=$((seq + 1))
tmx send-keys -t z -l "rc=\$?; [ \"\$(stty -g)\" = \"\$s0\" ] && echo tty-restored-$seq; echo pbde-exit-$seq=\$rc"
tmx send-keys -t z Enter
if wait_in z 10 exited && [ "$(exit_code)" = 0 ] && grep -q "tty-restored-$seq\$" "$tmp/screen"; then ok "q after fg: exit 0, tty restored"
else bad "q after fg: exit $(exit_code)"; fi

# The sessions below run pbde under a shell that writes its exit status to
# $tmp/NAME.rc (tmux itself may leave a sanitizer build's exit unreaped).
launch() { # launch NAME WIDTH HEIGHT "ENV" [ARGS]: pbde in a new session
    rm -f "$tmp/$1.rc"
    tmx new-session -d -s "$1" -x "$2" -y "$3" "env TERM=$term LANG=$lang LC_ALL= $4 '$PBDE' $5; echo \$? >'$tmp/$1.rc'"
}
finished() { [ -s "$tmp/$1.rc" ]; }
status_of() { cat "$tmp/$1.rc" 2>/dev/null; }
pbde_pid() { pgrep -P "$(tmx display-message -p -t "$1" '#{pane_pid}')" | head -n 1; }
wait_finished() { # wait_finished NAME SECONDS
    wait_until "$2" finished "$1"
}

# SIGHUP: the pane (its terminal) goes away
launch h 120 40 ""
wait_in h 10 titles
pid=$(pbde_pid h)
tmx kill-pane -t h
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }
if [ -z "$pid" ]; then bad "SIGHUP: no pbde in the pane"
elif wait_until 10 gone "$pid"; then ok "terminal closed (SIGHUP): pbde gone"
else bad "SIGHUP: pbde still running after its terminal closed"; kill -9 "$pid"; fi

# ------------------------------------------------------------------ locales and tiny panes

# non-UTF-8: nothing but ASCII; the same screen in UTF-8 has half blocks
launch a 120 40 "LANG=C LC_ALL=C"
if wait_in a 10 titles; then
    if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$tmp/screen"; then bad "LANG=C: non-ASCII bytes on screen"
    else ok "LANG=C: ASCII only ($(LC_ALL=C grep -o 'pi_theta' "$tmp/screen" | head -n 1) for π_θ, no half blocks)"; fi
else bad "LANG=C: panels"; fi
tmx kill-session -t a
if [ "$lang" = C.UTF-8 ]; then
    launch u 120 40 "LANG=C.UTF-8"
    wait_in u 10 titles && grep -q "▀" "$tmp/screen" && ok "LANG=C.UTF-8: half blocks" || bad "LANG=C.UTF-8: half blocks"
    tmx kill-session -t u
fi

# q while a data set is being built (work that cannot be interrupted):
# pbde quits all the same. The data set is read from a named pipe nobody
# writes to, so the rebuild never ends: pbde can only exit by not waiting
# for it.
mkfifo "$tmp/pairs.fifo"
launch b 120 40 "" "--pairs 1024"
if wait_in b 10 titles; then
    tmx send-keys -t b -l ":set pairs-file $tmp/pairs.fifo"
    tmx send-keys -t b Enter
    building() { sed -n 2p "$tmp/screen" | grep -q "rebuilding"; }
    wait_in b 5 building || bad "the data set from a pipe: the header says rebuilding"
    tmx send-keys -t b q
    if wait_finished b 10 && [ "$(status_of b)" = 0 ]; then ok "q while the data set is being built (read from a pipe that never ends): exit 0"
    else bad "q during a rebuild that never ends: status '$(status_of b)'"; fi
else bad "explorer with 1024 pairs"; fi
tmx kill-session -t b

# poorer terminals: monochrome (vt100) and 8 colours (xterm), if terminfo has them
for tt in vt100 xterm; do
    infocmp "$tt" >/dev/null 2>&1 || { skip "TERM=$tt: not in terminfo"; continue; }
    launch "tt$tt" 120 40 "TERM=$tt"
    if wait_in "tt$tt" 10 titles; then
        tmx send-keys -t "tt$tt" q
        wait_finished "tt$tt" 15
        st=$(status_of "tt$tt")
        [ "$st" = 0 ] && ok "TERM=$tt: panels drawn, q exits 0" || bad "TERM=$tt: q exits '$st'"
    else bad "TERM=$tt: panels"; fi
    tmx kill-session -t "tt$tt"
done

# a pane that starts at 1x1: pbde takes the terminal (the alternate
# screen), answers a key pressed at 1x1 (its help is there once the pane is
# big), and the panels come back
launch one 1 1 ""
took_terminal() { finished one || [ "$(tmx display-message -p -t one '#{alternate_on}' 2>/dev/null)" = 1 ]; }
if wait_until 10 took_terminal && ! finished one; then
    tmx send-keys -t one '?'
    tmx resize-window -t one -x 120 -y 40
    if wait_in one 10 has "$HELP" && tmx send-keys -t one x && wait_in one 10 titles && ! finished one; then
        ok "started in a 1x1 pane: alive, a key pressed at 1x1 answered, panels at 120x40"
    else bad "started at 1x1: the key's help, then panels at 120x40 ($(status_of one))"; fi
else bad "started in a 1x1 pane: exited or never took the terminal ($(status_of one))"; fi

[ "$fails" -eq 0 ]
