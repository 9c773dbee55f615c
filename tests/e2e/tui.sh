#!/bin/sh
# End-to-end test of the terminal explorer (issue 3's acceptance): drives
# the real binary in a tmux pane the way a person would and reads the
# screen back with capture-pane.
#   start pbde at 120x40; the panel titles come on screen and the step
#   counter goes above 0; `a` changes the annotator in the header; `?`
#   shows the help and any key closes it; `:set objective dpo` then
#   `:set beta 8` shows beta = 8; at 60x20 the "enlarge the terminal"
#   message, back at 120x40 the panels; `q` exits 0 and the terminal is
#   restored.
# Run by make test (PBDE names the binary). One line per check; exits
# non-zero when any check fails. Needs tmux (make deps installs it).
. "$(dirname "$0")/../lib/tmux.sh"
titles() { has "p*(x)" && has "learned" && lacks "enlarge the terminal"; }
step() { sed -n 's/.*step \([0-9][0-9]*\) \/.*/\1/p' "$tmp/screen" | head -n 1; }
step_above_0() { s=$(step); [ -n "$s" ] && [ "$s" -gt 0 ]; }
annotator() { sed -n '1s/.*annotator \([a-z]*\).*/\1/p' "$tmp/screen"; }

# A UTF-8 locale when the system has one (else pbde falls back to ASCII,
# and the checks accept both spellings). Colours as tmux offers them.
lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi

# An interactive shell in a 120x40 pane (no status line: the pane is the
# whole window). pbde runs from it; afterwards the shell reports the exit
# status and whether the tty settings came back.
tmx new-session -d -s pbde -x 120 -y 40 "env -u ENV TERM=$term LANG=$lang LC_ALL= PS1='$ ' sh" ||
    { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t pbde status off >/dev/null
sockpath=$(tmx display-message -p '#{socket_path}' 2>/dev/null)
wait_for 5 has '$' || { bad "shell prompt"; exit 1; }
tmx send-keys -t pbde -l "s0=\$(stty -g); '$PBDE'; rc=\$?; [ \"\$(stty -g)\" = \"\$s0\" ] && echo tty-restored; echo pbde-exit=\$rc"
tmx send-keys -t pbde Enter

# 1. the panel titles, and a step counter above 0
if wait_for 8 titles; then ok "panel titles on screen at 120x40"; else bad "panel titles on screen"; fi
if wait_for 8 step_above_0; then ok "step counter above 0 (step $(step))"; else bad "step counter above 0"; fi

# 2. a: the annotator in the header changes
before=$(annotator)
tmx send-keys -t pbde a
changed() { a=$(annotator); [ -n "$a" ] && [ "$a" != "$before" ]; }
if wait_for 5 changed; then ok "a: annotator $before -> $(annotator)"; else bad "a changes the annotator (was '$before')"; fi

# 3. ?: the help, and any key closes it
tmx send-keys -t pbde '?'
if wait_for 5 has "press any key to close this help"; then ok "?: help shown"; else bad "?: help shown"; fi
tmx send-keys -t pbde x
if wait_for 5 lacks "press any key to close this help"; then ok "any key closes the help"; else bad "any key closes the help"; fi

# 4. :set objective dpo, :set beta 8 -> beta = 8 in the header
tmx send-keys -t pbde -l ":set objective dpo"
tmx send-keys -t pbde Enter
tmx send-keys -t pbde -l ":set beta 8"
tmx send-keys -t pbde Enter
beta8() { head -n 1 "$tmp/screen" | grep -qE "objective dpo \((β|beta) = 8\)"; }
if wait_for 5 beta8; then ok ":set objective dpo, :set beta 8: header shows $(head -n 1 "$tmp/screen" | grep -oE '(β|beta) = 8')"
else bad ":set beta 8 shows beta = 8"; fi

# 4b. :save writes the explorer's state as a scenario that loads back to it:
#     the same pbde train --json as the flags of that state (timings aside)
annot_now=$(annotator)
tmx send-keys -t pbde -l ":save $tmp/saved.ini"
tmx send-keys -t pbde Enter
saved() { [ -s "$tmp/saved.ini" ]; }
if wait_for 5 saved; then
    quick="--steps 40 --pairs 2048 --json"
    "$PBDE" train --scenario "$tmp/saved.ini" $quick | sed 's/"wall_s": [^,}]*//; s/"pairs_per_s": [^,}]*//; s/"optimum_ms": [^,}]*//' >"$tmp/a.json"
    "$PBDE" train --annotator "$annot_now" --objective dpo --beta 8 $quick | sed 's/"wall_s": [^,}]*//; s/"pairs_per_s": [^,}]*//; s/"optimum_ms": [^,}]*//' >"$tmp/b.json"
    if [ -s "$tmp/a.json" ] && cmp -s "$tmp/a.json" "$tmp/b.json"; then ok ":save then --scenario: the same train --json as the explorer's state"
    else bad ":save then --scenario differs from the state ($(diff "$tmp/a.json" "$tmp/b.json" | head -c 300))"; fi
else
    bad ":save wrote no file"
fi

# 5. resize to 60x20: the message; back to 120x40: the panels
tmx resize-window -t pbde -x 60 -y 20
if wait_for 5 has "enlarge the terminal (need 80x24, have 60x20)"; then ok "60x20: enlarge-the-terminal message"
else bad "60x20: enlarge-the-terminal message"; fi
tmx resize-window -t pbde -x 120 -y 40
if wait_for 5 titles; then ok "120x40 again: panels back"; else bad "120x40 again: panels back"; fi

# 6. q: exit status 0, terminal restored (tty modes, normal screen, cursor)
tmx send-keys -t pbde q
exited() { grep -q '^pbde-exit=[0-9]' "$tmp/screen"; }
if wait_for 8 exited; then
    if has_line "pbde-exit=0"; then ok "q exits 0"; else bad "q exits 0 ($(grep '^pbde-exit=' "$tmp/screen"))"; fi
    if has_line "tty-restored"; then ok "tty modes restored"; else bad "tty modes restored"; fi
else
    bad "q exits"
fi
alt=$(tmx display-message -p -t pbde '#{alternate_on}')
cur=$(tmx display-message -p -t pbde '#{cursor_flag}')
if [ "$alt" = 0 ] && [ "$cur" = 1 ]; then ok "alternate screen left, cursor visible"
else bad "alternate screen left (alternate_on=$alt), cursor visible (cursor_flag=$cur)"; fi
last=$(grep -v '^[[:space:]]*$' "$tmp/screen" | tail -n 1)
if [ "$last" = '$' ] && lacks "learned"; then ok "shell prompt back, explorer gone"
else bad "shell prompt back (last line '$last')"; fi

[ "$fails" -eq 0 ]
