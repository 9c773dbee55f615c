#!/bin/sh
# End-to-end test of the interactive-data modes of the terminal explorer
# (issue 9): drives the real binary in a tmux pane and reads the screen.
#   Be the annotator: start paused with a fixed seed (the model as
#   initialised; its KL(p*||pi_theta) read off the screen), press h, answer
#   50 questions with scripted keys following a hidden density (two-gauss,
#   the p* on screen: the script reads A's and B's coordinates off the
#   prompt line and answers for the likelier one under the density it
#   computes itself, in awk), with an undo and a skip on the way; once
#   the steps the answers bought are taken (the step count stands still),
#   the on-screen KL(p*||pi_theta) must have fallen to under two thirds of
#   its starting value and the held-out accuracy risen, :save-pairs must write the 50 answers in pbde sample's CSV
#   format (each one right under the hidden density), and pbde train on
#   that file must end with a lower KL than the untrained model.
#   Draw the density: b, paint two spots (pen down, moves), p* at the
#   brush must rise for each; :save writes a scenario with a PGM beside
#   it that pbde train loads.
# PBDE names the binary. One line per check; exits non-zero when any
# check fails. Needs tmux and awk (no python).
. "$(dirname "$0")/../lib/tmux.sh"
cleanup_more() { [ -n "$KEEP" ] && cp "$tmp/answers.csv" "$KEEP" 2>/dev/null; }
# the numbers on screen
kl() { sed -n 's/^ *KL(p\*[^)]*) *\([0-9.][0-9.]*\).*/\1/p' "$tmp/screen" | head -n 1; }
accuracy() { sed -n 's/.*accuracy \([0-9.][0-9.]*\)%.*/\1/p' "$tmp/screen" | head -n 1; }
question() { sed -n 's/.*question \([0-9][0-9]*\) .*/\1/p' "$tmp/screen" | head -n 1; }
answers() { sed -n 's/.*question [0-9][0-9]* [^0-9]* \([0-9][0-9]*\) answer.*/\1/p' "$tmp/screen" | head -n 1; }
point() { # A or B: "x y" of that point on the prompt line
    sed -n "s/.*$1 (\([-0-9.]*\), \([-0-9.]*\)).*/\1 \2/p" "$tmp/screen" | head -n 1
}
brush_p() { sed -n 's/.*brush at ([^)]*) *p\*(x) \([-0-9.e+]*\).*/\1/p' "$tmp/screen" | head -n 1; }
brush_at() { sed -n 's/.*brush at (\([^)]*\)).*/\1/p' "$tmp/screen" | head -n 1; }
step() { sed -n 's/.*· step \([0-9][0-9]*\)[ ·].*/\1/p' "$tmp/screen" | head -n 1; }

# The hidden density: two-gauss, 0.4 N((-2,-2), 0.5^2 I) + 0.6 N((2,1.5),
# diag(1.0^2, 0.6^2)). Prints 1 when (ax, ay) is likelier than (bx, by).
prefer_a() {
    awk -v ax="$1" -v ay="$2" -v bx="$3" -v by="$4" '
        function p(x, y,   d1, d2) {
            d1 = 0.4 / (2 * 3.14159265 * 0.25) * exp(-((x + 2)^2 + (y + 2)^2) / (2 * 0.25))
            d2 = 0.6 / (2 * 3.14159265 * 0.6) * exp(-(x - 2)^2 / 2 - (y - 1.5)^2 / (2 * 0.36))
            return d1 + d2
        }
        BEGIN { print (p(ax, ay) > p(bx, by)) ? 1 : 0 }'
}

lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi

cd "$tmp" || exit 1
tmx new-session -d -s pbde -x 120 -y 40 \
    "env -u ENV TERM=$term LANG=$lang LC_ALL= '$PBDE' tui --seed 7 --density two-gauss --paused --speed 500; echo pbde-exit=\$?; sleep 30" ||
    { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t pbde status off >/dev/null
sockpath=$(tmx display-message -p '#{socket_path}' 2>/dev/null)

# ---------------------------------------------------------------- annotate

have_kl() { [ -n "$(kl)" ]; }
if ! wait_for 10 have_kl; then bad "the explorer starts and shows KL(p*||pi_theta)"; exit 1; fi
kl0=$(kl)
acc0=$(accuracy)
ok "paused at step $(step): the untrained model has KL(p*||pi_theta) $kl0, held-out accuracy $acc0%"

tmx send-keys -t pbde h
asking() { has "Which is better?" && [ "$(question)" = 1 ]; }
if wait_for 20 asking; then ok "h: the first question ($(point A | tr ' ' ,) vs $(point B | tr ' ' ,))"
else bad "h shows the first question"; exit 1; fi
tmx send-keys -t pbde ' ' # training runs on the answers as they come

# answer_one: answers the question on screen as the hidden density says,
# then waits for the next one
answer_one() {
    q=$(question)
    last_q=$q
    last_ab="$(point A) $(point B)"
    set -- $last_ab
    if [ "$(prefer_a "$1" "$2" "$3" "$4")" = 1 ]; then tmx send-keys -t pbde Left
    else tmx send-keys -t pbde Right; fi
    next_q() { [ "$(question)" = $((q + 1)) ]; }
    wait_for 30 next_q && return 0
    echo "  (no question $((q + 1)) after answering question $q: the screen shows question '$(question)')"
    return 1
}
n=0
while [ $n -lt 10 ]; do answer_one || break; n=$((n + 1)); done
if [ "$(answers)" = 10 ]; then ok "10 answers counted"; else bad "10 answers counted (screen says '$(answers)')"; fi

# undo: the count goes back to 9 and the last question answered comes back
tmx send-keys -t pbde u
undone() {
    [ "$(answers)" = 9 ] && [ "$(question)" = "$last_q" ] &&
        [ "$(point A) $(point B)" = "$last_ab" ] && has "took the last answer back"
}
if wait_for 20 undone; then ok "u: back to 9 answers, question $last_q ($last_ab) shown again"
else bad "u takes the last answer back and shows question $last_q ($last_ab) again"; fi
answer_one
# skip: a new question, no new answer
q=$(question)
tmx send-keys -t pbde '='
skipped() { [ "$(question)" = $((q + 1)) ] && [ "$(answers)" = 10 ] && has "1 skipped"; }
q=$(question)
if wait_for 20 skipped; then ok "=: no preference skips to question $((q + 1)), still 10 answers"
else bad "= skips the question"; fi

n=10
while [ $n -lt 50 ]; do answer_one || break; n=$((n + 1)); done
if [ "$(answers)" = 50 ]; then ok "50 answers after $(question) questions"; else bad "50 answers (screen says '$(answers)')"; fi

# training runs on the answers in order: each answer joins the data once
# the one before has had its answer-steps (20) steps, and is trained for
# 20 steps itself; then the header says it waits. The model is then a
# function of the answers alone (tests/e2e/replay.sh checks that exactly),
# so the numbers below are the same on every run and machine speed:
# measured with this seed and these answers, KL(p*||pi_theta) 2.3570 ->
# 0.6281 and held-out accuracy 46.6% -> 87.2% (these two lines print
# them). The bounds ask for what shows the answers were learned: accuracy
# 75% or more and 10 points up (a standard error on 1000+ held-out pairs
# is under 1.6 points), KL below two thirds of the untrained model's.
trained() { has "waiting for an answer" && [ "$(answers)" = 50 ]; }
STABLE_RE='KL\(p\*|accuracy|waiting for an answer'
if wait_for 60 stable trained; then ok "the 50 answers' steps are taken: training waits at step $(step)"
else bad "training takes 20 steps an answer and then waits (step '$(step)')"; fi
screen
kl1=$(kl)
acc1=$(accuracy)
if [ -n "$acc1" ] && awk -v a="$acc1" -v b="$acc0" 'BEGIN { exit !(a >= 75 && a >= b + 10) }'; then
    ok "after 50 answers (step $(step)) held-out accuracy $acc0% -> $acc1%"
else
    bad "held-out accuracy rises to 75% or more after 50 answers ($acc0% -> $acc1%)"
fi
if [ -n "$kl1" ] && awk -v a="$kl1" -v b="$kl0" 'BEGIN { exit !(a < 0.67 * b) }'; then
    ok "after 50 answers KL(p*||pi_theta) $kl0 -> $kl1"
else
    bad "KL(p*||pi_theta) falls by a third after 50 answers ($kl0 -> $kl1)"
fi


# :save-pairs: the answers in pbde sample's CSV format, each one right
tmx send-keys -t pbde -l ":save-pairs $tmp/answers.csv"
tmx send-keys -t pbde Enter
saved() { [ -s "$tmp/answers.csv" ] && has "saved 50 answers"; }
if wait_for 20 saved; then ok ":save-pairs wrote $tmp/answers.csv"; else bad ":save-pairs writes the answers"; fi
rows=$(awk 'NR > 1' "$tmp/answers.csv" | wc -l | tr -d ' ')
header=$(head -n 1 "$tmp/answers.csv")
wrong=$(awk -F, 'NR > 1 {
        pa = 0.4 / (2 * 3.14159265 * 0.25) * exp(-(($1 + 2)^2 + ($2 + 2)^2) / 0.5) + 0.6 / (2 * 3.14159265 * 0.6) * exp(-($1 - 2)^2 / 2 - ($2 - 1.5)^2 / 0.72)
        pb = 0.4 / (2 * 3.14159265 * 0.25) * exp(-(($3 + 2)^2 + ($4 + 2)^2) / 0.5) + 0.6 / (2 * 3.14159265 * 0.6) * exp(-($3 - 2)^2 / 2 - ($4 - 1.5)^2 / 0.72)
        if (($5 == 1) != (pa > pb)) w++ }
        END { print w + 0 }' "$tmp/answers.csv")
if [ "$rows" = 50 ] && [ "$header" = "ax,ay,bx,by,y,annotator" ] && [ "$wrong" -le 2 ]; then
    ok "answers.csv: header '$header', 50 rows, $wrong answers against the hidden density (rounding of the shown coordinates)"
else
    bad "answers.csv: 50 rows under 'ax,ay,bx,by,y,annotator' ($rows rows, header '$header', $wrong wrong)"
fi

# pbde train on the answers: the same seed's model before and after
json_kl() { sed -n 's/.*"kl_true_model": \([-0-9.e+]*\).*/\1/p'; }
k0=$("$PBDE" train --density two-gauss --seed 7 --pairs-file "$tmp/answers.csv" --steps 0 --json | json_kl)
k1=$("$PBDE" train --density two-gauss --seed 7 --pairs-file "$tmp/answers.csv" --steps 400 --schedule constant --json | json_kl)
if [ -n "$k1" ] && awk -v a="$k1" -v b="$k0" 'BEGIN { exit !(a < 0.67 * b) }'; then
    ok "pbde train --pairs-file answers.csv: KL(p*||pi_theta) $k0 at step 0 -> $k1 after 400 steps"
else
    bad "pbde train --pairs-file answers.csv lowers KL by a third ($k0 -> $k1)"
fi

tmx send-keys -t pbde Escape
left() { ! has "Which is better?" && has "h annotate"; }
if wait_for 20 left; then ok "Esc leaves the annotate mode"; else bad "Esc leaves the annotate mode"; fi

# ---------------------------------------------------------------- brush

tmx send-keys -t pbde b
brushing() { [ -n "$(brush_p)" ]; }
if wait_for 20 brushing; then ok "b: the brush at the cursor, p*(x) there $(brush_p)"; else bad "b shows the brush"; fi
# two spots where two-gauss has next to nothing: (0, 3.75) and (3.75, -3.75)
for k in 1 2 3 4 5 6 7 8 9 10; do tmx send-keys -t pbde Up; done
at() { [ "$(brush_at)" = "$1" ] && [ -n "$(brush_p)" ]; } # the brush at "x, y"
wait_for 10 at "0.00, 3.75" || bad "ten cursor moves up take the brush to (0, 3.75) (it is at $(brush_at))"
p_before=$(brush_p)
tmx send-keys -t pbde ' '
risen() { b=$(brush_p); [ -n "$b" ] && awk -v a="$b" -v b0="$p_before" 'BEGIN { exit !(a > 100 * b0 + 0.005) }'; }
if wait_for 20 risen; then ok "space paints: p*(x) at the brush $p_before -> $(brush_p)"
else bad "space paints: p*(x) at the brush rises from $p_before"; fi
tmx send-keys -t pbde ' ' # pen up, then away and down again
for k in 1 2 3 4 5 6 7 8 9 10; do tmx send-keys -t pbde Right; done
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do tmx send-keys -t pbde Down; done
wait_for 10 at "3.75, -3.75" || bad "the brush moves to (3.75, -3.75) (it is at $(brush_at))"
p_before=$(brush_p)
tmx send-keys -t pbde ' '
if wait_for 20 risen; then ok "a second spot: p*(x) $p_before -> $(brush_p)"
else bad "a second spot reaches p* ($p_before -> $(brush_p))"; fi
tmx send-keys -t pbde ' '

tmx send-keys -t pbde -l ":save $tmp/painted.ini"
tmx send-keys -t pbde Enter
saved_ini() { [ -s "$tmp/painted.ini" ] && [ -s "$tmp/painted.pgm" ]; }
if wait_for 20 saved_ini && grep -q '^density = image:painted.pgm' "$tmp/painted.ini"; then
    ok ":save wrote painted.ini (density = image:painted.pgm) and painted.pgm"
else
    bad ":save writes painted.ini with the PGM beside it ($(grep density "$tmp/painted.ini" 2>/dev/null))"
fi
mkdir -p "$tmp/elsewhere"
if (cd "$tmp/elsewhere" && "$PBDE" train --scenario "$tmp/painted.ini" --steps 5 --json >"$tmp/p.json") &&
    grep -q '"density": "image:' "$tmp/p.json"; then
    ok "pbde train --scenario painted.ini loads it from another folder"
else
    bad "pbde train loads the painted scenario ($(head -c 200 "$tmp/p.json"))"
fi

tmx send-keys -t pbde q
exited() { has "pbde-exit=0"; }
if wait_for 20 exited; then ok "q exits 0"; else bad "q exits 0"; fi

[ $fails -eq 0 ]
