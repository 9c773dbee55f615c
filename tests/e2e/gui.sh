#!/bin/sh
# End-to-end check of the SDL2 window (issue 4) under a virtual X display:
# `pbde gui --screenshot-after N` opens the window, renders, saves a
# screenshot and quits by itself. The screenshot must be a PNG of the
# window's size, not blank, and show the panels (heatmaps with many
# colours where the window says its panels are). Also: without a display
# the window refuses with a message naming `pbde render`, exit 2.
# Run by make test; PBDE names the binary. Needs xvfb-run (make deps);
# the pixel checks decode the PNG with ffmpeg when it is installed.
# Lecture tours (issue 5): `gui --tour` shows the first stop's caption box
# (the window reports it; its pixels hold large text on the box's colour,
# below every panel), and with xdotool the tour's keys are driven for real:
# space and -> train to the next stop's step count, <- rebuilds the
# previous stop at exactly its step count (read from the screenshots' file
# names), t leaves the tour.
PBDE=${PBDE:-build/pbde}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }

# width x height from a PNG's IHDR chunk
png_size() {
    od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216 + $2*65536 + $3*256 + $4,
                                              $5*16777216 + $6*65536 + $7*256 + $8 }'
}
is_png() { [ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = "89504e470d0a1a0a" ]; }

# --- no display: a clear message and the headless path
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$PBDE" gui >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "pbde render" "$tmp/err" && grep -q "no display" "$tmp/err"; then
    ok "no display: exit 2, names pbde render"
else
    bad "no display (exit $rc: $(cat "$tmp/err"))"
fi

if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "  skip window checks: xvfb-run is not installed (make deps installs it)"
    [ $fails -eq 0 ]
    exit
fi

# --- the window under Xvfb: 30 frames, a screenshot, exit by itself
# (under `make sanitize`, leak checks are off for this run only: the X,
# D-Bus and GL libraries the window loads keep allocations of their own;
# render.sh checks our code for leaks through the same drawing paths)
shot="$tmp/shot.png"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 xvfb-run -a -s "-screen 0 1600x900x24" \
    "$PBDE" gui --pairs 4096 --grid 64 --screenshot-after 30 --screenshot-out "$shot" \
    >"$tmp/layout" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$shot" ]; then ok "window opened, screenshot saved, quit by itself"
else bad "gui under xvfb-run (exit $rc: $(cat "$tmp/err"))"; fi

if [ -s "$shot" ] && is_png "$shot"; then ok "screenshot is a PNG"; else bad "screenshot is not a PNG"; fi
size=$(png_size "$shot" 2>/dev/null)
[ "$size" = "1280x720" ] && ok "screenshot is 1280x720 (the default window)" \
    || bad "screenshot size '$size', expected 1280x720"
n_panels=$(grep -c '^panel ' "$tmp/layout")
[ "$n_panels" -ge 3 ] && ok "window reports $n_panels panels" || bad "panels reported: $n_panels"
# a blank 1280x720 PNG compresses to a few kB; panels, text and curves do not
bytes=$(wc -c <"$shot")
[ "$bytes" -gt 30000 ] && ok "screenshot holds detail ($bytes bytes)" || bad "screenshot too small to hold the panels ($bytes bytes)"

# --- pixels: distinct colours overall and inside every panel
if command -v ffmpeg >/dev/null 2>&1; then
    rects=$(awk '/^panel /{ printf "%s%s %s %s %s", sep, $2, $3, $4, $5; sep=";" }' "$tmp/layout")
    ffmpeg -v error -i "$shot" -f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -v -tu1 -w3 |
        awk -v W=1280 -v rects="$rects" '
        BEGIN {
            n = split(rects, R, ";")
            for (k = 1; k <= n; k++) { split(R[k], q, " "); X[k] = q[1]; Y[k] = q[2]; RW[k] = q[3]; RH[k] = q[4] }
        }
        {
            i = NR - 1; x = i % W; y = int(i / W); c = $1 "," $2 "," $3
            if (!(c in all)) { all[c] = 1; n_all++ }
            lum = 0.2126 * $1 + 0.7152 * $2 + 0.0722 * $3
            for (k = 1; k <= n; k++)
                if (x >= X[k] + 2 && x < X[k] + RW[k] - 2 && y >= Y[k] + 2 && y < Y[k] + RH[k] - 2) {
                    key = k SUBSEP c
                    if (!(key in seen)) { seen[key] = 1; distinct[k]++ }
                    if (!(k in lo) || lum < lo[k]) lo[k] = lum
                    if (!(k in hi) || lum > hi[k]) hi[k] = lum
                }
        }
        END {
            printf "distinct colours: %d\n", n_all
            for (k = 1; k <= n; k++) printf "panel %d: %d colours, luminance %.0f to %.0f\n", k, distinct[k], lo[k], hi[k]
        }' >"$tmp/stats" 2>"$tmp/awkerr"
    if [ ! -s "$tmp/stats" ]; then
        bad "pixel statistics failed: $(cat "$tmp/awkerr")"
    else
        total=$(awk '/^distinct/{ print $3 }' "$tmp/stats")
        [ "${total:-0}" -gt 200 ] && ok "not blank: $total distinct colours" || bad "blank-looking screenshot: ${total:-0} colours"
        # each heatmap: a gradient of many colours with a visible range
        awk '/^panel/{ if ($3 < 12 || $8 - $6 < 40) bad = 1 } END { exit bad }' "$tmp/stats" \
            && ok "every panel shows a heatmap ($(awk '/^panel/{ printf "%s ", $3 }' "$tmp/stats")colours)" \
            || bad "a panel looks empty: $(tr '\n' ';' <"$tmp/stats")"
    fi
else
    echo "  skip pixel checks: ffmpeg is not installed (apt-get install ffmpeg)"
fi

# --- a lecture tour: the caption box, reported and on screen
# (a missing tour is an error before any display is needed)
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$PBDE" gui --tour "$tmp/none.tour" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "none.tour: cannot open" "$tmp/err" && ok "missing tour: exit 2 before the display" \
    || bad "missing tour (exit $rc: $(cat "$tmp/err"))"
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$PBDE" gui --tour demos/preferences-to-densities.tour \
    --beta 2 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--beta: a tour sets the parameters at every stop" "$tmp/err" \
    && ok "tour with a parameter: exit 2 (only --speed, --pace and --colormap apply to a tour)" \
    || bad "tour with --beta (exit $rc: $(cat "$tmp/err"))"
tshot="$tmp/tour.png"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 xvfb-run -a -s "-screen 0 1600x900x24" \
    "$PBDE" gui --tour demos/preferences-to-densities.tour --screenshot-after 20 --screenshot-out "$tshot" \
    >"$tmp/tlayout" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^tour stop 1/[0-9]* step 0$' "$tmp/tlayout"; then ok "tour: the window shows stop 1 at step 0"
else bad "gui --tour (exit $rc: $(cat "$tmp/err"; cat "$tmp/tlayout"))"; fi
cap=$(awk '/^caption /{ print $2, $3, $4, $5, $6 + 0 }' "$tmp/tlayout")
# shellcheck disable=SC2086
set -- $cap
if [ $# -eq 5 ]; then
    cx=$1; cy=$2; cw=$3; ch=$4; cpx=$5
    # projector-sized: at 1280x720 the base text is 16 px, the caption at least 24
    [ "$cpx" -ge 24 ] && ok "caption text at $cpx px" || bad "caption text only $cpx px"
    [ "$cw" -ge 900 ] && [ $((cy + ch)) -le 720 ] && ok "caption box ${cw}x$ch at ($cx, $cy), inside the window" \
        || bad "caption box ${cw}x$ch at ($cx, $cy)"
    below=$(awk -v cy="$cy" '/^panel /{ if ($3 + $5 > cy) n++ } END { print n + 0 }' "$tmp/tlayout")
    [ "$below" -eq 0 ] && ok "every panel ends above the caption box" || bad "$below panels reach into the caption box"
    if command -v ffmpeg >/dev/null 2>&1; then
        # inside the box: mostly its background (28, 30, 42), and text: many
        # bright pixels (the caption) and accent ones (title, stop i/n)
        ffmpeg -v error -i "$tshot" -f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -v -tu1 -w3 |
            awk -v W=1280 -v X="$cx" -v Y="$cy" -v BW="$cw" -v BH="$ch" '
            { i = NR - 1; x = i % W; y = int(i / W)
              if (x < X + 2 || x >= X + BW - 2 || y < Y + 2 || y >= Y + BH - 2) next
              n++
              if ($1 == 28 && $2 == 30 && $3 == 42) bg++
              else if ($1 > 200 && $2 > 200 && $3 > 200) text++
              else if ($1 > 230 && $2 > 170 && $2 < 220 && $3 < 120) accent++ }
            END { printf "%d %d %d %d\n", n, bg, text, accent }' >"$tmp/capstats"
        read -r n bg text accent <"$tmp/capstats"
        if [ "${n:-0}" -gt 0 ] && [ $((100 * bg / n)) -ge 60 ] && [ "$text" -ge 3000 ] && [ "$accent" -ge 300 ]; then
            ok "caption box pixels: $((100 * bg / n)) % background, $text text, $accent accent"
        else
            bad "caption box pixels: $n in the box, $bg background, $text text, $accent accent"
        fi
    fi
else
    bad "the window did not report its caption box: $(cat "$tmp/tlayout")"
fi

# --- the tour's keys, pressed for real (xdotool): a tiny tour written here
if command -v xdotool >/dev/null 2>&1; then
    cat >"$tmp/k.tour" <<'EOF2'
title Keys
set pairs 2048
set grid 64
set width 16
set depth 2
set steps 60
caption One.
pause
run 20
caption Two: twenty steps.
pause
run 40
caption Three: on to sixty.
pause
EOF2
    cat >"$tmp/keys.sh" <<'EOF2'
# inside xvfb-run: start the window, press keys, take screenshots (S),
# each named after the step it shows. shown STEP waits for the window to
# show STEP: it takes screenshots, each once the one before is written,
# until two in a row are named after STEP (the bounds only catch a hang),
# keeps the last in kept/ and notes STEP in order in kept/steps
cd "$1" || exit 1
"$2" gui --tour k.tour >gui.out 2>gui.err &
pid=$!
wid=$(xdotool search --sync --onlyvisible --name 'pbde' | head -n 1)
xdotool windowfocus --sync "$wid" 2>/dev/null
mkdir -p kept
scale=${PBDE_WAIT_SCALE:-12}
shown() {
    same=0 tries=0
    while [ $same -lt 2 ] && [ $tries -lt $((20 * scale)) ]; do
        tries=$((tries + 1))
        xdotool key --window "$wid" S
        # no file yet: the key may have come before the first frame (the
        # window then says "nothing drawn yet") or been lost; ask again
        # every 2 s, within the same bound
        i=0; while ! ls pbde-*.png >/dev/null 2>&1 && [ $i -lt $((50 * scale)) ]; do
            sleep 0.1; i=$((i + 1))
            [ $((i % 20)) -eq 0 ] && xdotool key --window "$wid" S
        done
        f=$(ls pbde-*.png 2>/dev/null | head -n 1)
        [ -n "$f" ] || return 1
        s=$(echo "$f" | sed 's/.*-step\([0-9]*\).*/\1/')
        if [ "$s" = "$1" ]; then same=$((same + 1)); else same=0; fi
        mv "$f" "kept/last.png"
    done
    echo "$s" >>kept/steps
}
shown 0
xdotool key --window "$wid" space; shown 20
xdotool key --window "$wid" Right; shown 60
xdotool key --window "$wid" Left; shown 20
xdotool key --window "$wid" t space q
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt $((50 * scale)) ]; do sleep 0.1; i=$((i + 1)); done
kill $pid 2>/dev/null
wait $pid
echo "exit $?" >>gui.out
EOF2
    mkdir -p "$tmp/keys"
    cp "$tmp/k.tour" "$tmp/keys/"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 xvfb-run -a -s "-screen 0 1600x900x24" \
        sh "$tmp/keys.sh" "$tmp/keys" "$(cd "$(dirname "$PBDE")" && pwd)/$(basename "$PBDE")" >/dev/null 2>&1
    steps=$(tr '\n' ' ' <"$tmp/keys/kept/steps" 2>/dev/null)
    [ "$steps" = "0 20 60 20 " ] && ok "keys: stops at steps 0, space 20, -> 60, <- rebuilt at 20" \
        || bad "keys: screenshots at steps '$steps' (expected 0 20 60 20): $(cat "$tmp/keys/gui.err" 2>/dev/null)"
    grep -q '^exit 0$' "$tmp/keys/gui.out" 2>/dev/null && ok "keys: t leaves the tour, q quits (exit 0)" \
        || bad "keys: the window did not quit cleanly: $(cat "$tmp/keys/gui.out" "$tmp/keys/gui.err" 2>/dev/null)"
else
    echo "  skip the tour's keys: xdotool is not installed (apt-get install xdotool)"
fi

[ $fails -eq 0 ]
