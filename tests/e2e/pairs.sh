#!/bin/sh
# End-to-end checks of --pairs-file and the new data options: the CSV
# round trip (pbde sample --out F, then pbde train --pairs-file F gives the
# same JSON as pbde train on the same parameters, timings aside), clear
# errors naming file:line for bad files, the proposals' determinism and
# growth, and image densities from the command line and scenario files.
# Run by make test; PBDE names the binary.
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac # some checks run from another folder
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

# JSON without the keys that may differ: timings and the pairs-file name
strip() {
    sed 's/"wall_s": [0-9.e+-]*//; s/"pairs_per_s": [0-9.e+-]*//; s/"optimum_ms": [0-9.e+-]*//;
         s/"pairs-file": "[^"]*"//' "$1"
}

# ---- the round trip
common="--pairs 3000 --seed 7 --steps 200 --heldout 0.2"
"$PBDE" sample $common --out "$tmp/pairs.csv" || bad "sample"
"$PBDE" train $common --json >"$tmp/a.json" || bad "train"
"$PBDE" train $common --json --pairs-file "$tmp/pairs.csv" >"$tmp/b.json" || bad "train --pairs-file"
if [ "$(strip "$tmp/a.json")" = "$(strip "$tmp/b.json")" ] && grep -q '"pairs": 3000' "$tmp/b.json"; then
    ok "round trip: sample --out F, train --pairs-file F = train"
else
    bad "round trip differs: $(diff "$tmp/a.json" "$tmp/b.json")"
fi
[ "$(wc -l <"$tmp/pairs.csv")" -eq 3001 ] && ok "sample writes pairs + header" || bad "sample row count"
# the mixture annotator's ids survive too
"$PBDE" sample $common --annotator mixture --out "$tmp/mix.csv" &&
"$PBDE" train $common --annotator mixture --objective mixture --json >"$tmp/a.json" &&
"$PBDE" train $common --annotator mixture --objective mixture --json --pairs-file "$tmp/mix.csv" >"$tmp/b.json"
[ "$(strip "$tmp/a.json")" = "$(strip "$tmp/b.json")" ] && ok "round trip with annotator ids" || bad "mixture round trip"
# a file's rows set the data set's size; held-out pairs are drawn
head -n 501 "$tmp/pairs.csv" >"$tmp/500.csv"
"$PBDE" train --pairs-file "$tmp/500.csv" --steps 20 --json >"$tmp/c.json" &&
    grep -q '"pairs": 500' "$tmp/c.json" && ok "500-row file: pairs 500" || bad "500-row file: $(cat "$tmp/c.json")"

# ---- bad files: exit 2, the message names file:line
printf 'ax,ay,bx,by,y,annotator\n1,2,3,4,1,0\n1,2,3,1,0\n' >"$tmp/short.csv"
expect_usage "row with 5 values" "short.csv:3: expected 6 comma-separated values" train --pairs-file "$tmp/short.csv" --steps 1
printf 'ax,ay,bx,by,y,annotator\n1,2,3,4,1,0\n1,abc,3,4,1,0\n' >"$tmp/nan.csv"
expect_usage "not a number" "nan.csv:3: ay 'abc' is not a number" train --pairs-file "$tmp/nan.csv" --steps 1
printf 'ax,ay,bx,by,y,annotator\n1,2,3,4,2,0\n' >"$tmp/y.csv"
expect_usage "y not 0/1" "y.csv:2: y '2' is not allowed" train --pairs-file "$tmp/y.csv" --steps 1
printf 'ax,ay,bx,by,y,annotator\n1,2,3,4,1,0\n7,0,0,0,1,0\n' >"$tmp/out.csv"
expect_usage "point outside the box" "out.csv:3: point a (7, 0) is outside the box [-6, 6]^2" train --pairs-file "$tmp/out.csv" --steps 1
"$PBDE" train --pairs-file "$tmp/out.csv" --box 8 --steps 1 >/dev/null 2>&1 && ok "the same point inside a larger box" || bad "box 8"
printf '1,2,3,4,1,0\n' >"$tmp/nohead.csv"
expect_usage "no header" "nohead.csv:1: expected the header line 'ax,ay,bx,by,y,annotator'" train --pairs-file "$tmp/nohead.csv" --steps 1
printf 'ax,ay,bx,by,y,annotator\n' >"$tmp/empty.csv"
expect_usage "header only" "empty.csv: no pairs after the header line" train --pairs-file "$tmp/empty.csv" --steps 1
expect_usage "missing file" "nothere.csv: cannot open the pairs file: No such file" train --pairs-file "$tmp/nothere.csv" --steps 1
mkdir "$tmp/dir.csv"
expect_usage "directory" "dir.csv: is a directory" train --pairs-file "$tmp/dir.csv" --steps 1
head -c 4000 /dev/urandom >"$tmp/garbage.csv"
expect_usage "binary garbage" "garbage.csv:" train --pairs-file "$tmp/garbage.csv" --steps 1
printf 'ax,ay,bx,by,y,annotator\n0,0,0,0,1,0\0\n' >"$tmp/nul.csv"
expect_usage "NUL byte" "nul.csv:2: not a text line" train --pairs-file "$tmp/nul.csv" --steps 1
# one row more than the memory cap (4194304 pairs)
{ echo "ax,ay,bx,by,y,annotator"; yes 0,0,1,1,1,0 | head -n 4194305; } >"$tmp/big.csv"
expect_usage "too many rows" "big.csv:4194306: more than 4194304 pairs" train --pairs-file "$tmp/big.csv" --steps 1
rm -f "$tmp/big.csv"
expect_usage "sample with a bad pairs file" "short.csv:3:" sample --pairs-file "$tmp/short.csv" --out "$tmp/x.csv"

# ---- a scenario keeps its pairs file, relative to its folder
mkdir "$tmp/sc"
cp "$tmp/500.csv" "$tmp/sc/mine.csv"
printf '[annotator]\npairs-file = mine.csv\n[training]\nsteps = 20\n' >"$tmp/sc/s.ini"
(cd / && "$PBDE" train --scenario "$tmp/sc/s.ini" --json) >"$tmp/d.json" 2>"$tmp/err" &&
    grep -q '"pairs": 500' "$tmp/d.json" && ok "scenario: pairs-file relative to its folder" ||
    bad "scenario pairs-file: $(cat "$tmp/err")"

# ---- proposals: deterministic, growing, named in the JSON
for prop in model active local uniform; do
    rm -f "$tmp/p1.json" "$tmp/p2.json"
    "$PBDE" train --proposal $prop --pairs 4096 --pairs-start 1024 --pairs-add 512 --pairs-every 40 \
        --steps 200 --json >"$tmp/p1.json" &&
    "$PBDE" train --proposal $prop --pairs 4096 --pairs-start 1024 --pairs-add 512 --pairs-every 40 \
        --steps 200 --json >"$tmp/p2.json" &&
    grep -q "\"proposal\": \"$prop\"" "$tmp/p1.json" &&
    [ "$(strip "$tmp/p1.json")" = "$(strip "$tmp/p2.json")" ] && ok "$prop: same params, same JSON" || bad "$prop not deterministic"
done
# model: 1024 + 512 at steps 40, 80, 120, 160 = 3072 pairs in use after 200 steps
"$PBDE" train --proposal model --pairs 4096 --pairs-start 1024 --pairs-add 512 --pairs-every 40 \
    --steps 200 --json | grep -q '"pairs_used": 3072' && ok "model: the data grows to 3072 pairs" || bad "model growth"
"$PBDE" train --help | grep -q "pairs-file" && "$PBDE" train --help | grep -q "active-candidates" &&
    "$PBDE" train --help | grep -q "image:FILE" && ok "train --help names the new knobs" || bad "train --help"
"$PBDE" list params | grep -qF '| `--pairs-every` | annotator |' && ok "list params" || bad "list params"

# ---- image densities from the command line and from scenarios
printf 'P2\n4 2\n255\n0 255 128 0\n0 0 0 26\n' >"$tmp/sc/pic.pgm"
"$PBDE" train --density image:"$tmp/sc/pic.pgm" --steps 50 --pairs 2048 --json >"$tmp/i.json" &&
    grep -q "\"density\": \"image:$tmp/sc/pic.pgm\"" "$tmp/i.json" &&
    grep -q '"theory": "exp(F_a)' "$tmp/i.json" && ok "--density image:F" || bad "--density image: $(cat "$tmp/i.json")"
printf '[world]\ndensity = image:pic.pgm\n[training]\nsteps = 50\n[annotator]\npairs = 2048\n' >"$tmp/sc/img.ini"
(cd / && "$PBDE" train --scenario "$tmp/sc/img.ini" --json) >"$tmp/j.json" &&
    [ "$(strip "$tmp/i.json")" = "$(strip "$tmp/j.json")" ] && ok "scenario: image relative to its folder" ||
    bad "scenario image: $(cat "$tmp/j.json")"
expect_usage "missing image" "cannot read image" train --density image:"$tmp/none.png"
expect_usage "image in a scenario that is missing" "img2.ini:2: density: cannot read image" train --scenario "$(printf '[world]\ndensity = image:gone.pgm\n' >"$tmp/sc/img2.ini"; echo "$tmp/sc/img2.ini")"

echo "pairs.sh: $fails failed"
[ $fails -eq 0 ]
