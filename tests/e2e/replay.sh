#!/bin/sh
# End-to-end test of exact replay in the terminal explorer's annotate mode:
# the same keys, sent once in one burst (as fast as tmux types) and once
# one at a time (each after the screen says the last one is trained),
# give the same screen: the same question, the same answer count and the
# same metrics to every printed digit. For the reference proposal (the
# questions do not depend on the model) and the model proposal (they are
# drawn from it). The answers saved by :save-pairs, given to pbde train
# --replay with the same settings, give the same metrics again.
# PBDE names the binary. One line per check; exits non-zero when any
# check fails. Needs tmux and awk.
. "$(dirname "$0")/../lib/tmux.sh"

lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi
cd "$tmp" || exit 1
# a session that outlives each run's: killing the last session would end
# the private tmux server, and the next run's new-session would race it
tmx new-session -d -s keep "sleep 100000" || { echo "  FAIL tmux new-session"; exit 1; }

# 16 answers, two skips, two undos (the second undo goes two back)
KEYS="Left Right Left Left = Right Left u Right Right Left = Left Right Right u u Left Left Right Left Right"
N=14
# the numbers on screen: KL, TV, held-out loss, its floor, accuracy
metrics() { grep -E '^ *KL\(p\*[^)]*\) [0-9]' "$tmp/screen" | head -n 1 | sed 's/^ *//'; }
prompt_line() { grep -E 'Which is better\?' "$tmp/screen" | head -n 1 | sed 's/^ *//'; }
answers() { sed -n 's/.*question [0-9][0-9]* [^0-9]* \([0-9][0-9]*\) answer.*/\1/p' "$tmp/screen" | head -n 1; }
waiting_at() { has "waiting for an answer" && [ "$(answers)" = "$1" ] && [ -n "$(metrics)" ]; }
STABLE_RE='KL\(p\*|Which is better|waiting for an answer'

# run PROPOSAL MODE: drives a fresh explorer, writes the metrics and the
# prompt to $tmp/MODE-PROPOSAL.txt and the answers to $tmp/MODE-PROPOSAL.csv
run() {
    prop=$1 mode=$2
    tmx kill-session -t pbde >/dev/null 2>&1
    tmx new-session -d -s pbde -x 120 -y 40 \
        "env -u ENV TERM=$term LANG=$lang LC_ALL= '$PBDE' tui --seed 7 --proposal $prop; echo pbde-exit=\$?; sleep 30" ||
        { bad "tmux new-session"; return 1; }
    tmx set-option -t pbde status off >/dev/null
    up() { [ -n "$(metrics)" ]; }
    wait_for 10 up || { bad "$prop: the explorer starts"; return 1; }
    tmx send-keys -t pbde h
    wait_for 10 stable waiting_at 0 || { bad "$prop: h asks the first question"; return 1; }
    if [ "$mode" = burst ]; then
        tmx send-keys -t pbde $KEYS
    else
        n=0
        for k in $KEYS; do
            case $k in u) n=$((n - 1)) ;; =) ;; *) n=$((n + 1)) ;; esac
            tmx send-keys -t pbde "$k"
            wait_for 10 stable waiting_at $n || { bad "$prop: after '$k' the screen waits with $n answers"; return 1; }
        done
    fi
    if wait_for 20 stable waiting_at $N; then
        { metrics; prompt_line; } >"$tmp/$mode-$prop.txt"
        ok "$prop, $mode: $N answers trained: $(metrics | cut -c1-90)"
    else
        bad "$prop, $mode: the screen settles at $N answers"
        return 1
    fi
    tmx send-keys -t pbde -l ":save-pairs $tmp/$mode-$prop.csv"
    tmx send-keys -t pbde Enter
    saved() { [ -s "$tmp/$mode-$prop.csv" ] && has "saved $N answers"; }
    wait_for 10 saved || bad "$prop, $mode: :save-pairs writes the answers"
    tmx send-keys -t pbde q
    gone() { has "pbde-exit=0"; }
    wait_for 10 gone || bad "$prop, $mode: q exits 0"
}

for prop in reference model; do
    run $prop burst
    run $prop paced
    if [ -s "$tmp/burst-$prop.txt" ] && cmp -s "$tmp/burst-$prop.txt" "$tmp/paced-$prop.txt"; then
        ok "$prop: a burst and one key at a time show the same metrics and question"
    else
        bad "$prop: burst and paced screens differ:
$(cat "$tmp/burst-$prop.txt" 2>/dev/null)
$(cat "$tmp/paced-$prop.txt" 2>/dev/null)"
    fi
    if cmp -s "$tmp/burst-$prop.csv" "$tmp/paced-$prop.csv"; then ok "$prop: the same answers saved, in order"
    else bad "$prop: the saved answers differ"; fi
    # pbde train --replay: the same numbers as the screen, to its digits
    "$PBDE" train --seed 7 --proposal $prop --replay "$tmp/burst-$prop.csv" --json >"$tmp/r.json" ||
        bad "$prop: pbde train --replay runs"
    want=$(awk '{ print; exit }' "$tmp/burst-$prop.txt")
    got=$(awk '{
        kl = $0; sub(/.*"kl_true_model": /, "", kl); sub(/,.*/, "", kl)
        tv = $0; sub(/.*"tv_true_model": /, "", tv); sub(/,.*/, "", tv)
        lh = $0; sub(/.*"loss_heldout": /, "", lh); sub(/,.*/, "", lh)
        lb = $0; sub(/.*"loss_bayes": /, "", lb); sub(/,.*/, "", lb)
        ac = $0; sub(/.*"accuracy_heldout": /, "", ac); sub(/,.*/, "", ac)
        printf "%.4f %.3f %.4f %.4f %.1f", kl, tv, lh, lb, 100 * ac }' "$tmp/r.json")
    shown=$(printf '%s\n' "$want" | awk '{
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+%?\)?$/) { v = $i; gsub(/[%)]/, "", v); printf "%s%s", n++ ? " " : "", v } }')
    if [ -n "$got" ] && [ "$got" = "$shown" ]; then
        ok "$prop: pbde train --replay gives the screen's numbers ($got)"
    else
        bad "$prop: pbde train --replay gives '$got', the screen showed '$shown'"
    fi
done

[ $fails -eq 0 ]
