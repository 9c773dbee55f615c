#!/bin/sh
# End-to-end check of the SDL2 window (issue 4) under a virtual X display:
# `pbde gui --screenshot-after N` opens the window, renders, saves a
# screenshot and quits by itself. The screenshot must be a PNG of the
# window's size, not blank, and show the panels (heatmaps with many
# colours where the window says its panels are). Also: without a display
# the window refuses with a message naming `pbde render`, exit 2.
# Run by make test; PBDE names the binary. Needs xvfb-run (make deps);
# the pixel checks decode the PNG with ffmpeg when it is installed.
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

[ $fails -eq 0 ]
