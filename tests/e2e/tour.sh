#!/bin/sh
# End-to-end test of lecture tours in the terminal explorer (issue 5):
# drives the real binary in a tmux pane and reads the screen back.
#   start pbde --tour demos/preferences-to-densities.tour at 120x40: the
#   first caption and "1/8" are on screen; space: stop 2's caption, the
#   step counter reaches 200 and stays there (one step, n, lands on 201); ->: stop 3's caption and the
#   counter climbs past 200 (the panels train live); <-: stop 2's caption
#   again, rebuilt at step 200 with the same metrics as before; `q`
#   exits 0. A two-stop tour: -> at its last stop says "end of tour".
#   Load errors come before the terminal: a bad tour file gives exit 2 and
#   file:line, a missing tour names itself, a tour's bare name is found
#   in the demos folder.
# Run by make test (PBDE names the binary). One line per check; exits
# non-zero when any check fails. Needs tmux (make deps installs it).
. "$(dirname "$0")/../lib/tmux.sh"
TOUR=$(pwd)/demos/preferences-to-densities.tour
step() { sed -n 's/.*step \([0-9][0-9]*\) \/.*/\1/p' "$tmp/screen" | head -n 1; }
state() { sed -n '2s/^ *\([a-z]*\).*/\1/p' "$tmp/screen"; }
metrics() { grep -E '^ KL' "$tmp/screen" | head -n 1; }
# settled_at200: at200 holds in two captures in a row that show the same
# metrics line (a capture can catch the terminal half way through drawing
# a frame: the step line already new, the metrics line not yet).
settled_at200() { STABLE_RE='^ KL' stable at200; }

CAP1="An annotator holds an implicit density p*"
CAP2="A reward model r(x) is trained by Bradley-Terry"
CAP3="Theorem: r = log p* + C on the proposal's support"

# ------------------------------------------------------------ load errors
# (no terminal needed: a tour is read before the terminal is touched)
printf 'title broken\n# a comment\nset beta 0\npause\n' >"$tmp/bad.tour"
"$PBDE" --tour "$tmp/bad.tour" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -qF "$tmp/bad.tour:3: beta" "$tmp/err"; then
    ok "bad tour: exit 2, $(cat "$tmp/err")"
else
    bad "bad tour: exit 2 with file:line (rc=$rc, stderr: $(cat "$tmp/err"))"
fi
"$PBDE" tui --tour no-such-tour </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 2 ] && grep -qF "no-such-tour: cannot open" "$tmp/err"; then ok "missing tour: exit 2 naming it"
else bad "missing tour: exit 2 naming it (rc=$rc, stderr: $(cat "$tmp/err"))"; fi
# a bare name is found in the demos folder: the tour loads and only the
# missing terminal stops pbde
"$PBDE" --tour preferences-to-densities </dev/null >"$tmp/out" 2>"$tmp/err"
if grep -qF "needs a terminal" "$tmp/err" && ! grep -qF -- "--tour" "$tmp/err"; then
    ok "a tour's name is found in the demos folder"
else
    bad "a tour's name is found in the demos folder (stderr: $(cat "$tmp/err"))"
fi

# ------------------------------------------------------------ the tour
lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi

tmx new-session -d -s pbde -x 120 -y 40 "env -u ENV TERM=$term LANG=$lang LC_ALL= PS1='$ ' sh" ||
    { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t pbde status off >/dev/null
sockpath=$(tmx display-message -p '#{socket_path}' 2>/dev/null)
wait_for 5 has '$' || { bad "shell prompt"; exit 1; }
tmx send-keys -t pbde -l "'$PBDE' --tour '$TOUR'; echo pbde-exit=\$?"
tmx send-keys -t pbde Enter

# 1. the first stop: its caption and "1/8"
first() { has "$CAP1" && has "1/8"; }
if wait_for 10 first; then ok "stop 1: caption and 1/8 on screen"; else bad "stop 1: caption and 1/8 on screen"; fi

# 2. space: stop 2's caption; the counter reaches 200 and stays there
tmx send-keys -t pbde Space
at200() { has "$CAP2" && has "2/8" && [ "$(step)" = 200 ] && [ "$(state)" = paused ]; }
if wait_for 60 settled_at200; then
    ok "space: stop 2's caption, step 200, paused"
    m2=$(metrics)
    # nothing runs at the stop: one step (n) lands on exactly 201, paused
    tmx send-keys -t pbde n
    at201() { has "$CAP2" && [ "$(step)" = 201 ] && [ "$(state)" = paused ]; }
    stepped() { s=$(step); [ -n "$s" ] && [ "$s" -gt 200 ]; }
    if wait_for 10 stepped && STABLE_RE='step' stable at201; then ok "stop 2 stays at step 200 (n: step 201, paused)"
    else bad "stop 2 stays at step 200 (after n: step $(step), state $(state))"; fi
else
    bad "space: stop 2's caption, step 200, paused (step $(step), state $(state))"
    m2=
fi

# 3. ->: stop 3's caption, and training goes on live past 200 (and past
#    the 201 of the single step)
tmx send-keys -t pbde Right
past200() { s=$(step); has "$CAP3" && has "3/8" && [ -n "$s" ] && [ "$s" -gt 201 ]; }
if wait_for 40 past200; then ok "->: stop 3's caption, training on (step $(step))"
else bad "->: stop 3's caption, training past step 200"; fi
s1=$(step)
# (a machine fast enough to have finished already has nothing left to climb)
climbs() { s=$(step); [ -n "$s" ] && [ -n "$s1" ] && { [ "$s" -gt "$s1" ] || [ "$s1" -ge 3000 ]; }; }
if wait_for 10 climbs; then ok "the step counter climbs while the stop trains ($s1 -> $(step))"
else bad "the step counter climbs while the stop trains (stuck at $s1)"; fi

# 4. <-: stop 2 again, rebuilt: step 200 and the same metrics as before
tmx send-keys -t pbde Left
if wait_for 60 settled_at200; then
    ok "<-: stop 2's caption again, step 200"
    if [ -n "$m2" ] && [ "$(metrics)" = "$m2" ]; then ok "stop 2 rebuilt exactly:$(metrics)"
    else bad "stop 2 rebuilt exactly (before: '$m2', now: '$(metrics)')"; fi
else
    bad "<-: stop 2's caption again, step 200 (step $(step), state $(state))"
fi

# 5. q: exit status 0
tmx send-keys -t pbde q
exited() { grep -q '^pbde-exit=[0-9]' "$tmp/screen"; }
if wait_for 8 exited; then
    if has_line "pbde-exit=0"; then ok "q exits 0"; else bad "q exits 0 ($(grep '^pbde-exit=' "$tmp/screen"))"; fi
else
    bad "q exits"
fi

# 6. a short tour: -> at the last stop says "end of tour"
printf 'title Short\nscenario reward-recovers-density\ncaption first stop\npause\nrun 20\ncaption last stop\npause\n' >"$tmp/short.tour"
tmx send-keys -t pbde -l "clear; '$PBDE' --tour '$tmp/short.tour'; echo pbde-exit=\$?"
tmx send-keys -t pbde Enter
if wait_for 10 has "first stop"; then
    tmx send-keys -t pbde Right
    last() { has "last stop" && has "2/2" && [ "$(step)" = 20 ]; }
    if wait_for 20 last; then
        tmx send-keys -t pbde Right
        if wait_for 5 has "end of tour"; then ok "-> at the last stop: end of tour"; else bad "-> at the last stop: end of tour"; fi
    else
        bad "short tour: the last stop at step 20"
    fi
else
    bad "short tour: the first stop"
fi
tmx send-keys -t pbde q
if wait_for 8 exited && has_line "pbde-exit=0"; then ok "q exits 0 (short tour)"; else bad "q exits 0 (short tour)"; fi

[ "$fails" -eq 0 ]
