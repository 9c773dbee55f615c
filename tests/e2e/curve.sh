#!/bin/sh
# End-to-end test of the error split and the learning-curve panel in the
# terminal explorer (issue 8), driven in a tmux pane like a person would:
#   at 120x40 on the misspecified demo (a small network, so the curve is
#   quick) the third panel says "numerical optimum" and the metrics show
#   "misspecification KL(p*‖optimum) X" and "estimation KL(optimum‖π_θ) Y"
#   with X > Y; L puts the learning-curve panel in the third panel's place,
#   says it computes while training waits, and ends with the axis (256 ..
#   16k pairs), braille curves, the log-log slope, and training going on;
#   L again hides it; a changed annotator marks it stale, and L, L
#   recomputes; at 80x24 the metrics still fit on one row as "miss" / "est"
#   and the panel still draws; q exits 0.
# Run by make test (PBDE names the binary). Needs tmux.
. "$(dirname "$0")/../lib/tmux.sh"
demo=$(pwd)/demos/misspec-vs-estimation-misspecified.ini
[ -f "$demo" ] || { echo "  FAIL no $demo (run from the repository)"; exit 1; }
step() { sed -n 's/.*step \([0-9][0-9]*\) \/.*/\1/p' "$tmp/screen" | head -n 1; }
state() { sed -n '2s/^ *\([a-z]*\).*/\1/p' "$tmp/screen"; }
# the number after a label on the screen (UTF-8 or its ASCII spelling)
num_after() { grep -oE -- "$1 [0-9.]+" "$tmp/screen" | head -n 1 | sed 's/.* //'; }

lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi
tmx new-session -d -s pbde -x 120 -y 40 "env -u ENV TERM=$term LANG=$lang LC_ALL= PS1='$ ' sh" ||
    { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t pbde status off >/dev/null
sockpath=$(tmx display-message -p '#{socket_path}' 2>/dev/null)
wait_for 5 has '$' || { bad "shell prompt"; exit 1; }
# a small network keeps the curve's seven runs short on a busy machine
tmx send-keys -t pbde -l "'$PBDE' --scenario '$demo' --width 16 --depth 2 --grid 48; echo pbde-exit=\$?"
tmx send-keys -t pbde Enter

# 1. the optimum panel and the two labelled numbers
MISS_RE='misspecification KL\(p\*(‖|\|\|)optimum\)'
EST_RE='estimation KL\(optimum(‖|\|\|)(π_θ|pi_theta)\)'
split_shown() { has "numerical optimum" && grep -qE "$MISS_RE [0-9.]+" "$tmp/screen" && grep -qE "$EST_RE [0-9.]+" "$tmp/screen"; }
settled() { split_shown && s=$(step) && [ -n "$s" ] && [ "$s" -ge 300 ]; }
if wait_for 60 settled; then
    miss=$(num_after "$MISS_RE")
    est=$(num_after "$EST_RE")
    ok "third panel: numerical optimum; metrics: misspecification $miss, estimation $est"
    # measured at 300+ steps: misspecification about 1.5, estimation below 0.05
    if awk -v m="$miss" -v e="$est" 'BEGIN { exit !(m >= 1.0 && m > 5 * e) }'; then
        ok "misspecification dominates on this demo ($miss > 5 x $est)"
    else
        bad "misspecification dominates ($miss vs $est)"
    fi
else
    bad "the split labelled on screen after 300 steps"
fi

# 2. L: the learning-curve panel, computing while training waits
tmx send-keys -t pbde L
computing() { has "learning curve" && grep -qE "run [0-9]/7" "$tmp/screen" && lacks "numerical optimum"; }
if wait_for 10 computing; then ok "L: the learning-curve panel replaces the optimum, computing ($(grep -oE 'run [0-9]/7[^│]*' "$tmp/screen" | head -n 1))"
else bad "L: the learning-curve panel, computing"; fi
# (the header says so: training waits for the curve)
waiting() { [ "$(state)" = computing ] && grep -qE "run [0-9]/7" "$tmp/screen"; }
if wait_for 5 waiting; then ok "training waits while the curve computes"
else bad "training waits while the curve computes (state '$(state)')"; fi

# 3. the finished curve: axis, slope, braille dots, training again
done_curve() { has "est. ~ pairs^" || has "estimation ~ pairs^"; }
if wait_for 180 done_curve; then
    ok "the curve finished: $(grep -oE 'est(imation|\.) ~ pairs\^-?[0-9.]+' "$tmp/screen" | head -n 1)"
    has "256" && has "16k" && ok "x axis 256 .. 16k pairs" || bad "x axis 256 .. 16k pairs"
    # braille cells on the panel rows (the heatmaps use half blocks only)
    dots=$(sed -n 4,23p "$tmp/screen" | LC_ALL=C grep -o "$(printf '\342[\240-\243]')" | wc -l)
    [ "$lang" = C ] && dots=20 # no UTF-8 locale: ASCII dots, not counted
    [ "$dots" -ge 20 ] && ok "the curves are drawn ($dots braille cells)" || bad "the curves are drawn ($dots braille cells)"
    s1=$(step)
    # (a machine fast enough to have finished already has nothing left to climb)
    goes_on() { s2=$(step); [ -n "$s1" ] && [ -n "$s2" ] && { [ "$s2" -gt "$s1" ] || [ "$s1" -ge 3000 ]; }; }
    if wait_for 10 goes_on; then ok "training goes on after the curve ($s1 -> $s2)"
    else bad "training goes on after the curve ($s1 -> $(step))"; fi
else
    bad "the curve finished within 180 s"
fi

# 4. L hides it; a changed annotator makes it stale; L, L recomputes
tmx send-keys -t pbde L
if wait_for 5 has "numerical optimum"; then ok "L again: the optimum panel is back"; else bad "L again hides the curve"; fi
tmx send-keys -t pbde L
if wait_for 5 done_curve; then ok "L: the same settings show the finished curve at once"; else bad "L shows the kept curve"; fi
tmx send-keys -t pbde a
if wait_for 10 has "stale"; then ok "a new annotator marks the curve stale"; else bad "a new annotator marks the curve stale"; fi
tmx send-keys -t pbde L
hidden() { lacks "learning curve"; }
wait_for 5 hidden || bad "L hides the stale curve"
tmx send-keys -t pbde L
recomputing() { grep -qE "run [0-9]/7" "$tmp/screen" && lacks "stale"; }
if wait_for 10 recomputing; then ok "L, L recomputes for the new annotator"; else bad "L, L recomputes"; fi

# 5. 80x24: the split on one row as miss / est, the panel still drawn
tmx resize-window -t pbde -x 80 -y 24
narrow() { grep -qE '^ KL [0-9.]+  miss ([0-9.]+|-)  est ([0-9.]+|-)' "$tmp/screen" && has "learning curve"; }
if wait_for 10 narrow; then ok "80x24: $(grep -E '^ KL ' "$tmp/screen" | head -n 1 | sed 's/  */ /g')"
else bad "80x24: metrics with miss / est, and the panel"; fi
tmx send-keys -t pbde L
tmx resize-window -t pbde -x 120 -y 40

# 6. q exits 0 (also while nothing computes)
tmx send-keys -t pbde q
exited() { grep -q '^pbde-exit=[0-9]' "$tmp/screen"; }
if wait_for 10 exited; then
    grep -qx 'pbde-exit=0' "$tmp/screen" && ok "q exits 0" || bad "q exits 0"
else
    bad "q exits"
fi

# 7. the window (Xvfb, xdotool): L draws the curve in the third panel's
#    place; the screenshot holds its two series (KL(p*||model) orange
#    (255,160,64), estimation blue (96,186,255): colours no viridis heatmap
#    has) inside the third panel and not in the other two
if command -v xvfb-run >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1 &&
    command -v ffmpeg >/dev/null 2>&1; then
    cat >"$tmp/win.sh" <<EOF2
#!/bin/sh
"$PBDE" gui --scenario '$demo' --width 16 --depth 2 --grid 48 --screenshot-after 600 \\
    --screenshot-out "$tmp/win.png" >"$tmp/layout" 2>"$tmp/win.err" &
pid=\$!
wid=\$(xdotool search --sync --onlyvisible --name pbde | head -n 1)
xdotool windowfocus --sync "\$wid" 2>/dev/null
xdotool key --window "\$wid" L
wait \$pid
EOF2
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 180 \
        xvfb-run -a -s "-screen 0 1600x900x24" sh "$tmp/win.sh"
    if [ -s "$tmp/win.png" ] && [ "$(grep -c '^panel ' "$tmp/layout")" -ge 3 ]; then
        rects=$(awk '/^panel /{ printf "%s%s %s %s %s", sep, $2, $3, $4, $5; sep=";" }' "$tmp/layout")
        ffmpeg -v error -i "$tmp/win.png" -f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -v -tu1 -w3 |
            awk -v W=1280 -v rects="$rects" '
            BEGIN { n = split(rects, R, ";")
                    for (k = 1; k <= n; k++) { split(R[k], q, " "); X[k] = q[1]; Y[k] = q[2]; RW[k] = q[3]; RH[k] = q[4] } }
            function near(r, g, b) { return ($1 - r)^2 + ($2 - g)^2 + ($3 - b)^2 < 400 }
            { i = NR - 1; x = i % W; y = int(i / W)
              for (k = 1; k <= n; k++)
                  if (x >= X[k] && x < X[k] + RW[k] && y >= Y[k] && y < Y[k] + RH[k]) {
                      if (near(255, 160, 64)) a[k]++
                      if (near(96, 186, 255)) b[k]++
                  } }
            END { for (k = 1; k <= n; k++) printf "%d %d %d\n", k, a[k] + 0, b[k] + 0 }' >"$tmp/px"
        third=$(awk '$1 == 3 { print $2, $3 }' "$tmp/px")
        others=$(awk '$1 < 3 { s += $2 + $3 } END { print s + 0 }' "$tmp/px")
        set -- $third
        if [ "${1:-0}" -ge 100 ] && [ "${2:-0}" -ge 100 ] && [ "$others" -eq 0 ]; then
            ok "window: the learning curve in the third panel ($1 orange, $2 blue pixels; none in the heatmaps)"
        else
            bad "window: the learning curve in the third panel (third: '$third', heatmaps: $others)"
        fi
    else
        bad "window screenshot with the curve ($(cat "$tmp/win.err" 2>/dev/null))"
    fi
else
    echo "  skip window check: needs xvfb-run, xdotool and ffmpeg"
fi

echo "curve: $fails failure(s)"
[ "$fails" -eq 0 ]
