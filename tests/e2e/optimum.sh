#!/bin/sh
# The population optimum, the error split and pbde curve, on the real
# binary: the two misspec-vs-estimation demos give their two numbers in
# pbde train --json (thresholds from the measured values in the comments)
# and which of the two dominates in each, the tour that visits both loads,
# pbde curve writes its CSV (and PNG), and pbde list describes the zoo.
PBDE=${PBDE:-build/pbde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }
get() { sed -n "s/.*\"$1\": \([^,}]*\).*/\1/p" "$tmp/out.json"; }
# check "what" VALUE OP BOUND
check() {
    if awk -v v="$2" -v b="$4" -v op="$3" 'BEGIN { exit !((op == "<=" && v <= b) || (op == ">=" && v >= b)) }'; then
        ok "$1: $2 $3 $4"
    else
        bad "$1: $2 not $3 $4"
    fi
}

# dominates "what" BIG SMALL: BIG is more than 5 times SMALL (the demos
# measure ratios of 1000 and 20).
dominates() {
    if awk -v a="$2" -v b="$3" 'BEGIN { exit !(a > 5 * b && b >= 0) }'; then
        ok "$1: $2 > 5 x $3"
    else
        bad "$1: $2 not > 5 x $3"
    fi
}

# Misspecification dominates (measured 1.50 and 0.0015).
if "$PBDE" train --scenario demos/misspec-vs-estimation-misspecified.ini --json >"$tmp/out.json" 2>"$tmp/err"; then
    grep -q '"theory": "numerical optimum"' "$tmp/out.json" && ok "theory: numerical optimum" || bad "theory name"
    check "misspecified: KL(p*||optimum)" "$(get kl_true_optimum)" ">=" 1.0
    check "misspecified: KL(optimum||model)" "$(get kl_optimum_model)" "<=" 0.02
    dominates "misspecified: misspecification > estimation" "$(get kl_true_optimum)" "$(get kl_optimum_model)"
else
    bad "train misspecified: $(cat "$tmp/err")"
fi

# Estimation dominates (measured 0.0047 and 0.097).
if "$PBDE" train --scenario demos/misspec-vs-estimation-data-starved.ini --json >"$tmp/out.json" 2>"$tmp/err"; then
    check "data-starved: KL(p*||optimum)" "$(get kl_true_optimum)" "<=" 0.02
    check "data-starved: KL(optimum||model)" "$(get kl_optimum_model)" ">=" 0.05
    dominates "data-starved: estimation > misspecification" "$(get kl_optimum_model)" "$(get kl_true_optimum)"
else
    bad "train data-starved: $(cat "$tmp/err")"
fi

# Side by side (pbde gui/render --scenario misspec-vs-estimation-data-starved
# --facet annotator=thurstone,mixture): with the same 2048 pairs, the mixture
# annotator's panel is dominated by misspecification (measured 1.50 and 0.071)
# while the thurstone panel above is dominated by estimation.
if "$PBDE" train --scenario demos/misspec-vs-estimation-data-starved.ini --annotator mixture --json \
        >"$tmp/out.json" 2>"$tmp/err"; then
    dominates "side by side, mixture at 2048 pairs: misspecification > estimation" \
        "$(get kl_true_optimum)" "$(get kl_optimum_model)"
else
    bad "train data-starved --annotator mixture: $(cat "$tmp/err")"
fi

# No optimum: null, with the closed-form keys' semantics kept.
"$PBDE" train --objective robust --steps 5 --json >"$tmp/out.json" 2>/dev/null
grep -q '"theory": null' "$tmp/out.json" && grep -q '"kl_true_optimum": null' "$tmp/out.json" \
    && ok "robust on clean labels: no optimum (null)" || bad "robust: expected null theory"

# pbde curve: one row per (pairs, seed), a PNG when asked.
if "$PBDE" curve --objective cdpo --from 8 --to 9 --seeds 2 --steps 20 --grid 24 \
        --out "$tmp/c.csv" --png "$tmp/c.png" >"$tmp/table" 2>"$tmp/err"; then
    [ "$(head -1 "$tmp/c.csv")" = "pairs,seed,kl_true_model,kl_optimum_model,kl_true_optimum,loss_heldout,accuracy_heldout,wall_s" ] \
        && ok "curve: CSV header" || bad "curve: CSV header"
    [ "$(wc -l <"$tmp/c.csv")" -eq 5 ] && ok "curve: 4 runs" || bad "curve: rows"
    [ -s "$tmp/c.png" ] && ok "curve: PNG" || bad "curve: no PNG"
    grep -q "misspecification" "$tmp/table" && ok "curve: table" || bad "curve: table"
else
    bad "curve: $(cat "$tmp/err")"
fi
"$PBDE" curve --out "$tmp/x.csv" --from 9 --to 8 2>/dev/null
[ $? -eq 2 ] && ok "curve: bad range exits 2" || bad "curve: bad range"

# The tour that shows the two side by side: found by name, it loads (only
# the missing terminal stops pbde), and it visits both scenarios.
"$PBDE" --tour misspec-vs-estimation </dev/null >"$tmp/out" 2>"$tmp/err"
grep -qF "needs a terminal" "$tmp/err" && ok "tour misspec-vs-estimation loads" \
    || bad "tour misspec-vs-estimation loads ($(cat "$tmp/err"))"
grep -q '^scenario misspec-vs-estimation-misspecified$' demos/misspec-vs-estimation.tour \
    && grep -q '^scenario misspec-vs-estimation-data-starved$' demos/misspec-vs-estimation.tour \
    && ok "the tour visits both scenarios" || bad "the tour visits both scenarios"

# The zoo in pbde list, one line each with its source.
for o in hinge cdpo robust exo nca bco sppo sft kto; do
    "$PBDE" list objectives | grep -q "^  $o " || bad "list: $o"
done
ok "list: the zoo"

echo "optimum: $fails failure(s)"
[ $fails -eq 0 ]
