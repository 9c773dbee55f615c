#!/bin/sh
# End-to-end checks of the command line (design §4): exit codes and
# messages for bad input, determinism, JSON keys, the grid CSV and the
# sample CSV. Run by make test; PBDE names the binary.
PBDE=${PBDE:-build/pbde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }

# expect_usage "description" "text the message must contain" args...
expect_usage() {
    desc=$1; want=$2; shift 2
    "$PBDE" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then ok "$desc"
    else bad "$desc (exit $rc: $(cat "$tmp/err"))"; fi
}

expect_usage "--objective nonsense" "--objective: 'nonsense' is not allowed: expected one of: reward dpo" train --objective nonsense
expect_usage "--pairs -5" "--pairs: '-5' is not allowed: expected a whole number >= 16" train --pairs -5
expect_usage "--lr abc" "--lr: 'abc' is not allowed: expected a number > 0" train --lr abc
expect_usage "--beta 0" "--beta: '0' is not allowed: expected a number > 0" train --beta 0
expect_usage "--beta=0 form" "--beta: '0' is not allowed" train --beta=0
expect_usage "unknown flag" "unknown option '--frobnicate'" train --frobnicate 3
expect_usage "missing value" "--seed needs a value" train --seed
expect_usage "pairs not whole" "--pairs: '1.5e3x'" train --pairs 1.5e3x
expect_usage "mixture on one component" "annotator mixture needs a density with at least 2 components" train --density ring --annotator mixture
expect_usage "sample without --out" "--out is required" sample
expect_usage "unknown command" "unknown command 'frob'" frob
PBDE_KERNELS=nonsense "$PBDE" train --steps 1 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "PBDE_KERNELS" "$tmp/err" && ok "bad PBDE_KERNELS" || bad "bad PBDE_KERNELS"

"$PBDE" train --lr 1e6 --objective ipo --pairs 1024 --steps 100 >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q "diverged at step" "$tmp/err" && grep -q "smaller --lr" "$tmp/err" \
    && ok "divergence exits 3" || bad "divergence (exit $rc: $(cat "$tmp/err"))"

"$PBDE" --version | grep -q "^pbde [0-9]" && ok "--version" || bad "--version"
"$PBDE" train --help | grep -q -- "--annotator-beta" && ok "train --help lists parameters" || bad "train --help"
"$PBDE" list | grep -q "eight-gauss" && ok "list" || bad "list"

# determinism: the same command twice, identical apart from timings
args="train --json --steps 300 --pairs 8192 --objective mixture --annotator mixture --threads 2"
"$PBDE" $args >"$tmp/raw.json"
sed 's/"wall_s": [^,}]*//; s/"pairs_per_s": [^,}]*//; s/"optimum_ms": [^,}]*//' "$tmp/raw.json" >"$tmp/a.json"
"$PBDE" $args | sed 's/"wall_s": [^,}]*//; s/"pairs_per_s": [^,}]*//; s/"optimum_ms": [^,}]*//' >"$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" && ok "same command, same JSON" || bad "JSON differs between runs"
for key in density annotator objective pairs steps seed loss_train loss_heldout loss_bayes \
           accuracy_heldout kl_true_model tv_true_model theory kl_theory_model wall_s pairs_per_s \
           components weight kl_to_annotator; do
    grep -q "\"$key\": " "$tmp/raw.json" || missing="$missing $key"
done
[ -z "$missing" ] && ok "JSON keys present" || bad "JSON keys missing:$missing"
"$PBDE" train --json --steps 10 --pairs 1024 --objective mixture | grep -q '"theory": null, "kl_theory_model": null' \
    && ok "no optimum: theory null" || bad "theory null"
"$PBDE" train --json --steps 10 --pairs 1024 --annotator thurstone | grep -q '"theory": "numerical optimum"' \
    && ok "no closed form: the numerical optimum" || bad "theory: numerical optimum"

# grid CSV: header, G^2 rows, every column normalised on the grid
"$PBDE" train --steps 50 --pairs 1024 --grid 40 --objective dpo --grid-out "$tmp/g.csv" >/dev/null
head -1 "$tmp/g.csv" | grep -qx "x,y,log_p_true,log_p_ref,log_p_model,log_p_theory" && ok "grid header" || bad "grid header"
rows=$(($(wc -l <"$tmp/g.csv") - 1))
[ "$rows" -eq 1600 ] && ok "grid rows" || bad "grid rows $rows"
awk -F, 'NR > 1 { for (c = 3; c <= 6; c++) s[c] += exp($c) * 0.09 }
         END { for (c = 3; c <= 6; c++) if (s[c] < 0.999999 || s[c] > 1.000001) { print "column " c ": " s[c]; exit 1 } }' \
    "$tmp/g.csv" && ok "grid columns normalised" || bad "grid columns not normalised"
awk -F, 'function off(v, w) { return v - w > 1e-6 || w - v > 1e-6 }
         NR == 2 && (off($1, -5.85) || off($2, -5.85)) { exit 1 }
         NR == 3 && (off($1, -5.55) || off($2, -5.85)) { exit 1 }' \
    "$tmp/g.csv" && ok "grid row-major from (-L,-L)" || bad "grid order"

# sample CSV
"$PBDE" sample --pairs 1000 --annotator mixture --out "$tmp/s.csv"
head -1 "$tmp/s.csv" | grep -qx "ax,ay,bx,by,y,annotator" && ok "sample header" || bad "sample header"
[ $(($(wc -l <"$tmp/s.csv") - 1)) -eq 1000 ] && ok "sample rows" || bad "sample rows"
awk -F, 'NR > 1 && ($5 != 0 && $5 != 1 || $6 != 0 && $6 != 1) { exit 1 }' "$tmp/s.csv" && ok "sample values" || bad "sample values"
"$PBDE" sample --pairs 1000 --out - | cmp -s - "$tmp/s.csv" && bad "sample ignores annotator" || ok "sample to stdout"
"$PBDE" sample --out /nonexistent/dir/x.csv 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "cannot write" "$tmp/err" && ok "unwritable --out" || bad "unwritable --out"

# the README's parameter table is the registry's
if [ -f README.md ]; then
    "$PBDE" list params >"$tmp/params.md"
    awk '/<!-- params:begin -->/ { on = 1; next } /<!-- params:end -->/ { on = 0 } on' README.md >"$tmp/readme.md"
    cmp -s "$tmp/params.md" "$tmp/readme.md" && ok "README parameter table matches the registry" \
        || bad "README parameter table differs from 'pbde list params' (regenerate it)"
fi

echo "cli: $fails failure(s)"
[ $fails -eq 0 ]
