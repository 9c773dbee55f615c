#!/bin/sh
# KL at the gold peak against the number of pairs: pbde overopt (RL) on the
# two over-optimisation demos for each number of pairs and seed, one line
# each: the scenario, pairs, seed, the KL at which gold peaks ("none" when
# gold still rises at the last policy), the KL of the last policy, and how
# far gold falls from its peak by then.
#   sh demos/overopt-sweep.sh            (PBDE names the binary, default build/pbde)
#   PAIRS="64 1024" SEEDS="1 2" sh demos/overopt-sweep.sh
PBDE=${PBDE:-build/pbde}
PAIRS=${PAIRS:-64 256 1024 4096 32768}
SEEDS=${SEEDS:-1 2 3}
dir=$(dirname "$0")
printf '%-24s %6s %4s %12s %8s %10s\n' scenario pairs seed kl_gold_peak kl_last gold_drop
for sc in overopt-few-pairs overopt-covering-pairs; do
    for n in $PAIRS; do
        for s in $SEEDS; do
            "$PBDE" overopt --scenario "$dir/$sc.ini" --pairs "$n" --seed "$s" --json |
                python3 -c '
import json, sys
j = json.load(sys.stdin)
k, last = j["gold_peak_index"], j["n_points"] - 1
peak = "%.2f" % j["kl_at_gold_peak"] if k < last else "none"
print("%-24s %6d %4d %12s %8.2f %10.2f" % (sys.argv[1], j["pairs"], j["seed"], peak, j["kl"][last],
      j["gold_peak"] - j["gold_final"]))' "$sc" || exit 1
        done
    done
done
