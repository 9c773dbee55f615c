#!/bin/sh
# End-to-end check of pbde overopt: the curves of the demo overopt-few-pairs
# (on a 32 x 32 grid, so the check's double sum stays quick) recomputed from
# the grid CSV alone, with python3's standard library: the implicit reward
# r^ = log p_model (the reward objective), the gold utility s log p*, each
# policy (RL: pi_ref exp(r^/kappa) at the JSON's kappas; best-of-n: the best
# of n draws at its n's, ties sharing), and per policy KL(pi||pi_ref), the
# proxy and gold gains and the gold win rate (the double sum over cells of
# sigma(s (log p*(x) - log p*(x')))), then the gold peak and the two fits;
# all must match the JSON. Then the CSV and PNG outputs and bad flags.
# Run by make test; PBDE names the binary. Needs python3.
PBDE=${PBDE:-build/pbde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }
command -v python3 >/dev/null || { echo "  FAIL python3 is needed"; exit 1; }

demo="--scenario demos/overopt-few-pairs.ini --grid 32"
for m in rl bon; do
    if "$PBDE" overopt $demo --method $m --json --grid-out "$tmp/grid-$m.csv" >"$tmp/$m.json" 2>"$tmp/err"; then
        ok "overopt --method $m --json --grid-out"
    else
        bad "overopt --method $m: $(cat "$tmp/err")"
    fi
done
cmp -s "$tmp/grid-rl.csv" "$tmp/grid-bon.csv" && ok "both methods train the same model (same grid CSV)" ||
    bad "the grid CSVs of the two methods differ"
head -n 1 "$tmp/grid-rl.csv" | grep -qx 'x,y,log_p_true,log_p_ref,log_p_model,log_p_theory' &&
    ok "grid CSV header is pbde train's" || bad "grid CSV header: $(head -n 1 "$tmp/grid-rl.csv")"

cat >"$tmp/check.py" <<'EOF'
import csv, json, math, sys

grid_path, json_path = sys.argv[1], sys.argv[2]
j = json.load(open(json_path))
assert j["objective"] == "reward" and j["annotator"] == "luce", "the check knows reward on luce"
s = float(j["params"]["rationality"])
rows = list(csv.DictReader(open(grid_path)))
lp = [float(r["log_p_true"]) for r in rows]
lr = [float(r["log_p_ref"]) for r in rows]
rh = [float(r["log_p_model"]) for r in rows]   # r^ = log pi_theta
n = len(rows)
m = max(lr)
ref = [math.exp(v - m) for v in lr]
z = sum(ref)
ref = [v / z for v in ref]
gold = [s * v for v in lp]

def sig(t):
    return 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))

win = [sum(ref[k] * sig(gold[i] - gold[k]) for k in range(n)) for i in range(n)]

def rl(kappa):
    if kappa is None:
        return ref[:]
    a = [math.log(ref[i]) + rh[i] / kappa for i in range(n)]
    mx = max(a)
    e = [math.exp(v - mx) for v in a]
    t = sum(e)
    return [v / t for v in e]

def bon(nd):
    order = sorted(range(n), key=lambda i: rh[i])
    pi = [0.0] * n
    below = 0.0
    p = 0
    while p < n:
        e = p + 1
        while e < n and rh[order[e]] == rh[order[p]]:
            e += 1
        q = sum(ref[order[k]] for k in range(p, e))
        P = (below + q) ** nd - below ** nd
        for k in range(p, e):
            pi[order[k]] = P * ref[order[k]] / q
        below += q
        p = e
    return pi

def score(pi):
    kl = sum(pi[i] * math.log(pi[i] / ref[i]) for i in range(n) if pi[i] > 0)
    proxy = sum((pi[i] - ref[i]) * rh[i] for i in range(n))
    g = sum((pi[i] - ref[i]) * gold[i] for i in range(n))
    w = sum(pi[i] * win[i] for i in range(n))
    return max(kl, 0.0), proxy, g, w

def close(a, b, tol=2e-4):
    return abs(a - b) <= tol * (1 + abs(b))

worst = 0
bad = []
curve = {"kl": [], "gold": []}
for i, t in enumerate(j["param"]):
    pi = rl(t) if j["method"] == "rl" else bon(t)
    got = score(pi)
    for key, v in zip(("kl", "proxy", "gold", "winrate"), got):
        if not close(v, j[key][i]):
            bad.append("%s[%d] = %.9g, JSON %.9g" % (key, i, v, j[key][i]))
        worst = max(worst, abs(v - j[key][i]) / (1 + abs(j[key][i])))
    curve["kl"].append(got[0])
    curve["gold"].append(got[2])

peak = max(range(len(curve["gold"])), key=lambda i: curve["gold"][i])
if peak != j["gold_peak_index"] or not close(curve["kl"][peak], j["kl_at_gold_peak"]):
    bad.append("gold peak %d at KL %.6g, JSON %d at %.6g" % (peak, curve["kl"][peak],
               j["gold_peak_index"], j["kl_at_gold_peak"]))

# least squares gold = d (alpha - beta h(d)), h = d (bon) or log d (rl)
for form in ("bon", "rl"):
    a11 = a12 = a22 = b1 = b2 = 0.0
    for kl, g in zip(curve["kl"], curve["gold"]):
        d = math.sqrt(kl)
        f1 = d
        f2 = -d * (d if form == "bon" else math.log(d)) if d > 0 else 0.0
        a11 += f1 * f1; a12 += f1 * f2; a22 += f2 * f2; b1 += f1 * g; b2 += f2 * g
    det = a11 * a22 - a12 * a12
    alpha = (b1 * a22 - b2 * a12) / det
    beta = (a11 * b2 - a12 * b1) / det
    jf = j["fit"][form]
    if not (close(alpha, jf["alpha"], 1e-3) and close(beta, jf["beta"], 1e-3)):
        bad.append("fit %s: alpha %.6g beta %.6g, JSON %.6g %.6g" % (form, alpha, beta, jf["alpha"], jf["beta"]))

if bad:
    print("\n".join(bad[:10]))
    sys.exit(1)
print("%d policies, worst relative difference %.2g; gold peak %d at KL %.4g" %
      (len(j["param"]), worst, peak, curve["kl"][peak]))
EOF
for m in rl bon; do
    if out=$(python3 "$tmp/check.py" "$tmp/grid-$m.csv" "$tmp/$m.json" 2>&1); then
        ok "$m: the curves recomputed from the grid CSV match the JSON ($out)"
    else
        bad "$m: recomputed from the grid CSV: $out"
    fi
done

# the demo's shape on this grid too: gold peaks before the last policy and
# ends below its peak while the proxy is still rising
shape=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
k, g, p = j["gold_peak_index"], j["gold"], j["proxy"]
print(int(k < len(g) - 1 and g[-1] < g[k] - 1 and p[-1] > p[-2]))' "$tmp/rl.json")
[ "$shape" = 1 ] && ok "few pairs: gold peaks and falls while the proxy rises" ||
    bad "few pairs: gold peaks and falls while the proxy rises"

# --out: the CSV holds the JSON's curves; the PNG is a PNG
"$PBDE" overopt $demo --out "$tmp/curve.csv" >/dev/null 2>"$tmp/err" || bad "--out F.csv: $(cat "$tmp/err")"
if python3 -c '
import csv, json, sys
j = json.load(open(sys.argv[1]))
r = list(csv.DictReader(open(sys.argv[2])))
assert len(r) == j["n_points"]
for i, row in enumerate(r):
    for k in ("kl", "proxy", "gold", "winrate"):
        assert abs(float(row[k]) - j[k][i]) <= 1e-7 * (1 + abs(j[k][i])), (k, i)
' "$tmp/rl.json" "$tmp/curve.csv" 2>"$tmp/err"; then ok "--out F.csv: one row per policy, the JSON's values"
else bad "--out F.csv: $(cat "$tmp/err")"; fi
"$PBDE" overopt $demo --method bon --out "$tmp/curve.png" >/dev/null 2>"$tmp/err" || bad "--out F.png: $(cat "$tmp/err")"
[ "$(head -c 8 "$tmp/curve.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
    ok "--out F.png writes a PNG" || bad "--out F.png writes a PNG"

# bad flags: exit 2, naming the flag and what is allowed
for args in "--method sgd|expected rl or bon" "--points 1|--points: '1'" "--kl-max 0|--kl-max: '0'" \
            "--out f.txt|expected a .csv or .png"; do
    flag=${args%%|*}; want=${args#*|}
    "$PBDE" overopt $flag --steps 1 >/dev/null 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then ok "$flag: exit 2 ($want)"
    else bad "$flag: exit $rc: $(cat "$tmp/err")"; fi
done

echo "overopt.sh: $fails failed"
[ $fails -eq 0 ]
