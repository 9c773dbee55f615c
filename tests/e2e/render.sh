#!/bin/sh
# End-to-end checks of pbde render (issue 4): the same command writes the
# same bytes; images have the asked size; facets render; a 30-frame .y4m
# holds 30 frames (checked by size here, by the built-in reader in
# test_export, and by ffprobe when installed); .mp4 and .gif go through
# ffmpeg, or fail with a clear message without it; bad usage exits 2.
# Run by make test; PBDE names the binary.
PBDE=${PBDE:-build/pbde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }

# a small, quick world
SMALL="--pairs 2048 --grid 64 --width 16 --depth 2 --steps 120"

png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216 + $2*65536 + $3*256 + $4,
                                              $5*16777216 + $6*65536 + $7*256 + $8 }'
}
is_png() { [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = "89504e470d0a1a0a" ]; }

# expect_usage "description" "text the message must contain" args...
expect_usage() {
    desc=$1; want=$2; shift 2
    "$PBDE" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then ok "$desc"
    else bad "$desc (exit $rc: $(cat "$tmp/err"))"; fi
}

# --- PNG: same bytes twice, the asked size
# shellcheck disable=SC2086
"$PBDE" render $SMALL --out "$tmp/a.png" 2>"$tmp/err" && "$PBDE" render $SMALL --out "$tmp/b.png" 2>>"$tmp/err"
if [ -s "$tmp/a.png" ] && cmp -s "$tmp/a.png" "$tmp/b.png"; then ok "render twice: identical PNG bytes"
else bad "render twice differs or failed: $(cat "$tmp/err")"; fi
is_png "$tmp/a.png" && ok "output is a PNG" || bad "output is not a PNG"
[ "$(png_size "$tmp/a.png")" = "1280x720" ] && ok "default size 1280x720" || bad "default size: $(png_size "$tmp/a.png")"
# shellcheck disable=SC2086
"$PBDE" render $SMALL --size 333x201 --overlay 1 --log-scale 1 --panel log-ratio --colormap magma \
    --cursor -2,-2 --interpolate bilinear --out "$tmp/c.png" 2>"$tmp/err"
[ "$(png_size "$tmp/c.png" 2>/dev/null)" = "333x201" ] && ok "--size 333x201 with view options" \
    || bad "--size 333x201: $(cat "$tmp/err")"
# shellcheck disable=SC2086
"$PBDE" render $SMALL --objective dpo --facet beta=1,4,16 --size 960x540 --out "$tmp/f.png" 2>"$tmp/err"
[ "$(png_size "$tmp/f.png" 2>/dev/null)" = "960x540" ] && ok "--facet beta=1,4,16" || bad "--facet: $(cat "$tmp/err")"
# shellcheck disable=SC2086
"$PBDE" render $SMALL --objective dpo --facet beta=1,4,16 --size 960x540 --out "$tmp/g.png" 2>"$tmp/err"
cmp -s "$tmp/f.png" "$tmp/g.png" && ok "facet render twice: identical bytes" || bad "facet render differs"
# the image changes with training (the picture is not a constant)
# shellcheck disable=SC2086
"$PBDE" render $SMALL --steps 0 --out "$tmp/s0.png" 2>"$tmp/err"
cmp -s "$tmp/a.png" "$tmp/s0.png" && bad "step 0 and step 120 look identical" || ok "the picture follows training"

# --- y4m: 30 frames, same bytes twice
# shellcheck disable=SC2086
"$PBDE" render $SMALL --frames 30 --size 240x136 --out "$tmp/v.y4m" 2>"$tmp/err"
rc=$?
head=$(head -n 1 "$tmp/v.y4m" 2>/dev/null)
case "$head" in
    "YUV4MPEG2 W240 H136 F30:1"*) ok "y4m header: $head" ;;
    *) bad "y4m header '$head' (exit $rc: $(cat "$tmp/err"))" ;;
esac
# header + 30 x ("FRAME\n" + Y + Cb + Cr)
want=$(( ${#head} + 1 + 30 * (6 + 240 * 136 + 2 * 120 * 68) ))
got=$(wc -c <"$tmp/v.y4m" 2>/dev/null || echo 0)
[ "$got" -eq "$want" ] && ok "y4m holds exactly 30 frames by size" || bad "y4m size $got, expected $want"
# shellcheck disable=SC2086
"$PBDE" render $SMALL --frames 30 --size 240x136 --out "$tmp/w.y4m" 2>/dev/null
cmp -s "$tmp/v.y4m" "$tmp/w.y4m" && ok "y4m twice: identical bytes" || bad "y4m differs between runs"

if command -v ffprobe >/dev/null 2>&1; then
    n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
        -of csv=p=0 "$tmp/v.y4m")
    [ "$n" = "30" ] && ok "ffprobe reads 30 frames from the .y4m" || bad "ffprobe counted '$n' frames"
else
    echo "  skip ffprobe check of the .y4m: ffmpeg is not installed (apt-get install ffmpeg)"
fi

# --- mp4 and gif through ffmpeg
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
    for ext in mp4 gif; do
        # shellcheck disable=SC2086
        "$PBDE" render $SMALL --frames 12 --size 320x180 --out "$tmp/v.$ext" 2>"$tmp/err"
        n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
            -of csv=p=0 "$tmp/v.$ext" 2>/dev/null)
        [ "$n" = "12" ] && ok ".$ext through ffmpeg: 12 frames" || bad ".$ext: '$n' frames ($(cat "$tmp/err"))"
        # shellcheck disable=SC2086
        "$PBDE" render $SMALL --frames 12 --size 320x180 --out "$tmp/w.$ext" 2>/dev/null
        cmp -s "$tmp/v.$ext" "$tmp/w.$ext" && ok ".$ext twice: identical bytes" || bad ".$ext differs between runs"
    done
    ls "$tmp"/*.tmp.* >/dev/null 2>&1 && bad "temporary files left behind" || ok "no temporary files left"
else
    echo "  skip .mp4/.gif: ffmpeg is not installed (apt-get install ffmpeg)"
fi
# without ffmpeg on PATH: a clear message, nothing written
PATH="$tmp/nothing" "$PBDE" render --frames 3 --out "$tmp/x.mp4" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "ffmpeg not found" "$tmp/err" && [ ! -e "$tmp/x.mp4" ]; then
    ok "no ffmpeg: exit 2, 'ffmpeg not found'"
else
    bad "no ffmpeg (exit $rc: $(cat "$tmp/err"))"
fi

# --- bad usage
expect_usage "no --out" "--out is required" render
expect_usage "unknown extension" "expected a file ending in .png, .y4m, .mp4 or .gif" render --out x.avi
expect_usage "bad --size" "--size: '10x10' is not allowed" render --size 10x10 --out x.png
expect_usage "bad --frames" "--frames: 'many' is not allowed" render --frames many --out x.y4m
expect_usage "frames with a png" "a .png holds one frame" render --frames 5 --out x.png
expect_usage "bad facet value" "--facet: beta: '0' is not allowed" render --facet beta=1,0 --out x.png
expect_usage "unknown facet" "'nope' is not a parameter" render --facet nope=1 --out x.png
expect_usage "bad --panel" "--panel: 'x' is not allowed" render --panel x --out x.png
expect_usage "bad --cursor" "--cursor: '1' is not allowed: expected X,Y" render --cursor 1 --out x.png
expect_usage "missing font" "--font: cannot open" render --font "$tmp/none.ttf" --out "$tmp/x.png"
expect_usage "registry flags still checked" "--beta: '0' is not allowed" render --beta 0 --out x.png
[ -e "$tmp/x.png" ] && bad "a failed render left a file" || ok "failed renders leave no file"

[ $fails -eq 0 ]
