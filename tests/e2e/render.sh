#!/bin/sh
# End-to-end checks of pbde render (issue 4): the same command writes the
# same bytes; images have the asked size; facets render; a 30-frame .y4m
# holds 30 frames (checked by size here, by the built-in reader in
# test_export, and by ffprobe when installed); .mp4 and .gif go through
# ffmpeg, or fail with a clear message without it; bad usage exits 2.
# Lecture tours (issue 5): `render --tour` records every stop (a frame
# every --steps-per-frame steps, then the finished stop held --hold
# seconds) with the frame count that follows from the stops, the same
# bytes twice, and the caption box on screen; a tour's usage errors exit 2.
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
# the overopt panel: the sweep of the final model, whatever the clock (it
# is refreshed by the clock while training runs, so the default scenario,
# whose training lasts over a second, not the small world)
for k in 1 2; do
    "$PBDE" render --panel overopt --out "$tmp/oo$k.png" 2>"$tmp/err"
done
[ -s "$tmp/oo1.png" ] && cmp -s "$tmp/oo1.png" "$tmp/oo2.png" && ok "overopt panel twice: identical bytes" \
    || bad "overopt panel render differs or failed: $(cat "$tmp/err")"
# the borda panel likewise: the count of the final model
for k in 1 2; do
    "$PBDE" render --panel borda --annotator mixture --out "$tmp/bc$k.png" 2>"$tmp/err"
done
[ -s "$tmp/bc1.png" ] && cmp -s "$tmp/bc1.png" "$tmp/bc2.png" && ok "borda panel twice: identical bytes" \
    || bad "borda panel render differs or failed: $(cat "$tmp/err")"
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

# --- a lecture tour: a tiny tour written here, small and quick
cat >"$tmp/t.tour" <<'EOF2'
title A test tour
set pairs 2048
set grid 64
set width 16
set depth 2
set steps 60
caption Stop one: before training.
pause
run 20
caption Stop two: twenty steps.
pause
run 40
caption Stop three: the same training goes on to sixty.
pause
set panel slice
caption Stop four: the slice, same training, no new steps.
pause
set objective dpo
run 30
caption Stop five: DPO, trained from scratch.
pause
EOF2
# stops of 0, 20, 40 (continued), 0 and 30 steps: at 10 steps a frame
# 0 + 2 + 4 + 0 + 3 training frames, and 5 held frames (0.5 s at 10 fps)
# after each of the 5 stops
TOUR_OPTS="--tour $tmp/t.tour --steps-per-frame 10 --fps 10 --hold 0.5 --size 320x180"
# shellcheck disable=SC2086
"$PBDE" render $TOUR_OPTS --out "$tmp/t.y4m" 2>"$tmp/err"
rc=$?
head=$(head -n 1 "$tmp/t.y4m" 2>/dev/null)
want=$(( ${#head} + 1 + 34 * (6 + 320 * 180 + 2 * 160 * 90) ))
got=$(wc -c <"$tmp/t.y4m" 2>/dev/null || echo 0)
[ $rc -eq 0 ] && [ "$got" -eq "$want" ] && ok "tour: 34 frames by size (9 training, 25 held)" \
    || bad "tour y4m: exit $rc, size $got, expected $want ($(cat "$tmp/err"))"
# shellcheck disable=SC2086
"$PBDE" render $TOUR_OPTS --out "$tmp/t2.y4m" 2>/dev/null
cmp -s "$tmp/t.y4m" "$tmp/t2.y4m" && ok "tour twice: identical bytes" || bad "tour y4m differs between runs"
# the default pace: each stop's training over 4 s, here 1 step a frame
"$PBDE" render --tour "$tmp/t.tour" --fps 10 --hold 0.5 --size 160x90 --out "$tmp/t3.y4m" 2>"$tmp/err"
got=$(wc -c <"$tmp/t3.y4m" 2>/dev/null || echo 0)
head=$(head -n 1 "$tmp/t3.y4m" 2>/dev/null)
want=$(( ${#head} + 1 + 115 * (6 + 160 * 90 + 2 * 80 * 45) ))
[ "$got" -eq "$want" ] && ok "tour at the default pace: 115 frames" || bad "tour default pace: size $got, expected $want ($(cat "$tmp/err"))"
if command -v ffprobe >/dev/null 2>&1; then
    n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
        -of csv=p=0 "$tmp/t.y4m")
    [ "$n" = "34" ] && ok "ffprobe reads 34 frames from the tour" || bad "ffprobe counted '$n' tour frames"
    # the caption box: its background (28, 30, 42; a few units off after
    # 4:2:0) fills most of the bottom quarter of the last frame, where a
    # render without a tour has almost none of it (curves and metrics)
    ffmpeg -v error -i "$tmp/t.y4m" -vf "select=eq(n\,33)" -frames:v 1 -f rawvideo -pix_fmt rgb24 - \
        2>/dev/null | od -An -v -tu1 -w3 | awk -v W=320 -v H=180 '
        { i = NR - 1; y = int(i / W)
          box = $1 >= 22 && $1 <= 34 && $2 >= 24 && $2 <= 36 && $3 >= 36 && $3 <= 48
          if (y >= H * 3 / 4) { n++; b += box } }
        END { printf "%d\n", n ? 100 * b / n : 0 }' >"$tmp/cap"
    share=$(cat "$tmp/cap")
    [ "${share:-0}" -ge 40 ] && ok "the tour's last frame shows the caption box ($share % of the bottom quarter)" \
        || bad "no caption box in the tour's last frame (${share:-0} % of the bottom quarter)"
else
    echo "  skip ffprobe checks of the tour: ffmpeg is not installed (apt-get install ffmpeg)"
fi
printf 'title broken\nset width 8\nset beta 0\npause\n' >"$tmp/bad.tour"
printf 'set steps 10\nrun 20\npause\n' >"$tmp/long.tour"
expect_usage "tour: bad value names file:line" "$tmp/bad.tour:3: beta" render --tour "$tmp/bad.tour" --out "$tmp/x.y4m"
expect_usage "tour: past its training length" "runs to step 20, past its training length" \
    render --tour "$tmp/long.tour" --out "$tmp/x.y4m"
expect_usage "tour: missing file" "cannot open" render --tour "$tmp/none.tour" --out "$tmp/x.y4m"
expect_usage "tour to a png" "a tour is recorded as a video" render --tour "$tmp/t.tour" --out x.png
expect_usage "tour with --frames" "--frames: a tour's frames follow its stops" \
    render --tour "$tmp/t.tour" --frames 5 --out x.y4m
expect_usage "tour with --facet" "--facet: a tour shows one training run per stop" \
    render --tour "$tmp/t.tour" --facet beta=1,2 --out x.y4m
expect_usage "tour with a parameter" "--beta: a tour sets the parameters at every stop" \
    render --tour "$tmp/t.tour" --beta 2 --out x.y4m
expect_usage "--hold without a tour" "--hold is for --tour" render --hold 2 --out x.y4m
expect_usage "bad --hold" "--hold: 'x' is not allowed" render --tour "$tmp/t.tour" --hold x --out x.y4m

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
