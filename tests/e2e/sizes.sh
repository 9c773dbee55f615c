#!/bin/sh
# Every size fits (issue 16): the terminal explorer at 80x24, 100x30,
# 120x40 and 200x60, with TERM tmux-256color, screen, xterm,
# xterm-256color and xterm-direct, each with and without
# COLORTERM=truecolor, all in one tmux server. For each:
#   no word is cut: every token on the text rows (header, titles, axis
#   values, readout, metrics, curve titles, status, footer) is a whole
#   word of a text pbde shows (the help list from pbde list keys, the
#   catalogue names from pbde list, the fixed texts below) or a number,
#   paused, then trained to the end;
#   the help: every entry of pbde list keys is on one of its pages,
#   turned with space until "page n/n", and x closes it;
#   a flat corner of p* is one colour (the SGR of its cells, read with
#   capture-pane -e) and no attribute (bold, dim, underline, blink,
#   italic) leaks past the cursor '+' on its row;
#   the header says paused after --paused, training or done after space.
# And per size, a tour: its caption flows as a paragraph (no line that
# the next word would still have fitted), of whole words.
# Run by make test; PBDE names the binary. One line per check; exits
# non-zero when any fails. Needs tmux and a UTF-8 locale.
. "$(dirname "$0")/../lib/tmux.sh"
skip() { echo "  skip $1"; }

lang=
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
if [ -z "$lang" ]; then
    skip "no C.UTF-8 locale: the texts are checked as UTF-8"
    exit 0
fi
terms=
for tt in tmux-256color screen xterm xterm-256color xterm-direct; do
    if infocmp "$tt" >/dev/null 2>&1; then terms="$terms $tt"; else skip "TERM=$tt: not in terminfo"; fi
done
SIZES="80x24 100x30 120x40 200x60"
TOUR=$(cd "$(dirname "$0")/../.." && pwd)/demos/preferences-to-densities.tour
# short runs on one thread: forty explorers train at once on two cores
RUN="--paused --threads 1 --steps 300"

# a session that outlives the others keeps the server and its options up
tmx new-session -d -s keep "sleep 100000" || { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -g status off >/dev/null

# ------------------------------------------------------------------ what pbde shows

# the help list, one entry a line: key (18 columns), text
"$PBDE" list keys | tail -n +2 | sed 's/^  //' >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -gt 40 ] || { bad "pbde list keys lists the help ($(wc -l <"$tmp/keys") lines)"; exit 1; }
# The vocabulary: the words of every text on the default scenario's
# screens (the terminal's fixed texts, its help list, the catalogues'
# names, the tour's captions and title)
{
    cat "$tmp/keys"
    "$PBDE" list | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p'
    sed -n 's/^caption //p; s/^title //p' "$TOUR"
    cat <<'EOF'
pbde p* · annotator objective pairs = / — ≥ + (s = 1)
paused training done rebuilding… step speed max steps/s pairs/s evals/s fps idle
256 colours 8 colours direct colour monochrome (palette redefined), half blocks, UTF-8 ASCII via tmux-direct xterm-direct
p*(x) — annotator π_θ(x) — learned optimum — exp(F_a) log(π_θ/p*) — log ratio μ(x) — proposal
density log density (linear, viridis) log ratio P
cursor p*(x) π_θ(x) optimum(x) no closed form slice at
KL(p*‖π_θ) TV held-out loss (Bayes floor) accuracy KL miss est acc
misspecification KL(p*‖optimum) (infinite data would keep it) estimation KL(optimum‖π_θ) (more pairs and steps shrink it)
misspec. KL(p*‖opt) estim. KL(opt‖π_θ)
held-out loss and its Bayes floor steps loss and Bayes floor KL(p*‖π_θ) and KL(optimum‖π_θ), log axis
paused: space resumes, n takes one step
? lists every key; : opens the prompt (:set beta 8, :help beta)
done: r trains again, s resamples the data, a/o/d change the setup, : sets any parameter
space pause n step r reset s resample a/A annotator o/O objective d/D density h annotate b brush
+/- pairs [/] obj. param {/} ann. param </> speed p pairs shown v panel l log c colours L curve : command ? help q quit
space/→ next stop ← back t explore stop before training at step end of tour exploring training to step
space or →: next stop, ←: previous stop; t leaves the tour to explore
EOF
} >"$tmp/texts"

# tokens: split at spaces, an opening "(" and closing ) , ; : . … dropped
# (a text cut at a word keeps them or not), empty ones left out
cat >"$tmp/tokens.awk" <<'EOF'
function norm(w) {
    for (;;) {
        if (w ~ /^\(/) { w = substr(w, 2); continue }
        if (w ~ /[),;:.]$/) { w = substr(w, 1, length(w) - 1); continue }
        if (w ~ /…$/) { w = substr(w, 1, length(w) - length("…")); continue }
        return w
    }
}
{ for (i = 1; i <= NF; i++) { w = norm($i); if (w != "") print w } }
EOF
LC_ALL=C awk -f "$tmp/tokens.awk" "$tmp/texts" | sort -u >"$tmp/vocab"

# The glyphs of heatmaps, plots and frames, left out before the words
# are read: half and full blocks, shades, braille, box drawing
glyphs=$(printf '\342\226[\200-\237]|\342\240[\200-\277]|\342\241[\200-\277]|\342\242[\200-\277]|\342\243[\200-\277]|\342\224[\200-\277]|\342\225[\200-\277]')
# words_cut FILE: prints the tokens of screen FILE that are neither a
# word of the vocabulary nor a number
words_cut() {
    LC_ALL=C sed -E "s/$glyphs/ /g" "$1" | LC_ALL=C awk -f "$tmp/tokens.awk" |
        LC_ALL=C grep -vE '^(−|-|\+)?[0-9]([-+0-9.,e%kM/]|−|–)*$' | sort -u | LC_ALL=C comm -23 - "$tmp/vocab"
}

# cells.awk: a capture-pane -e screen as one line per cell: row, column,
# foreground, background, attributes (b bold, d dim, i italic, u
# underline, k blink, r reverse) and the character
cat >"$tmp/cells.awk" <<'EOF'
function reset() { fg = "-"; bg = "-"; split("", at) }
function sgr(seq,    p, n, i, v) {
    if (seq == "") { reset(); return }
    n = split(seq, p, /[;:]/)
    for (i = 1; i <= n; i++) {
        v = p[i] + 0
        if (v == 0) reset()
        else if (v == 1) at["b"] = 1
        else if (v == 2) at["d"] = 1
        else if (v == 3) at["i"] = 1
        else if (v == 4) at["u"] = 1
        else if (v == 5) at["k"] = 1
        else if (v == 7) at["r"] = 1
        else if (v == 22) { delete at["b"]; delete at["d"] }
        else if (v == 23) delete at["i"]
        else if (v == 24) delete at["u"]
        else if (v == 25) delete at["k"]
        else if (v == 27) delete at["r"]
        else if ((v >= 30 && v <= 37) || (v >= 90 && v <= 97)) fg = v
        else if (v == 39) fg = "-"
        else if ((v >= 40 && v <= 47) || (v >= 100 && v <= 107)) bg = v
        else if (v == 49) bg = "-"
        else if (v == 38 || v == 48) {
            c = p[i + 1] == 5 ? "5:" p[i + 2] : "2:" p[i + 2] "," p[i + 3] "," p[i + 4]
            i += p[i + 1] == 5 ? 2 : 4
            if (v == 38) fg = c; else bg = c
        }
    }
}
function attrs(    s) {
    s = ("b" in at ? "b" : "") ("d" in at ? "d" : "") ("i" in at ? "i" : "") ("u" in at ? "u" : "") \
        ("k" in at ? "k" : "") ("r" in at ? "r" : "")
    return s == "" ? "-" : s
}
BEGIN { reset() }
{
    line = $0; col = 0
    while (length(line) > 0) {
        if (line ~ /^\033/) {
            if (match(line, /^\033\[[0-9;:]*[A-Za-z]/)) {
                if (substr(line, RLENGTH, 1) == "m") sgr(substr(line, 3, RLENGTH - 3))
                line = substr(line, RLENGTH + 1)
            } else line = substr(line, 2)
            continue
        }
        n = 1
        while (n < length(line) && substr(line, n + 1, 1) ~ /[\200-\277]/) n++
        print NR - 1, col, fg, bg, attrs(), substr(line, 1, n)
        line = substr(line, n + 1)
        col++
    }
}
EOF

# ------------------------------------------------------------------ the sessions

# a session per size, TERM and COLORTERM, named s<W>x<H>-<TERM>-<tc|no>
launch() { # launch NAME W H TERM COLORTERM [ARGS]
    ctenv="-u COLORTERM"
    [ -n "$5" ] && ctenv="COLORTERM=$5"
    rm -f "$tmp/$1.rc"
    tmx new-session -d -s "$1" -x "$2" -y "$3" \
        "env $ctenv TERM=$4 LANG=$lang LC_ALL= '$PBDE' tui $6; echo \$? >'$tmp/$1.rc'"
}
titles() { has "p*(x)" && has "learned" && lacks "enlarge the terminal"; }
status_is() { sed -n 2p "$tmp/screen" | grep -qE "^ ($1)"; }
up_paused() { titles && status_is paused; }
cells() { # cells NAME: the pane's cells into $tmp/cells, from two
    # captures with colours in a row that agree (a repaint changes
    # colours under the same characters)
    tmx capture-pane -e -p -t "$1" >"$tmp/cells.1"
    wait_until 10 cells_again "$1"
    LC_ALL=C awk -f "$tmp/cells.awk" "$tmp/cells.1" >"$tmp/cells"
}
cells_again() {
    tmx capture-pane -e -p -t "$1" >"$tmp/cells.2"
    cmp -s "$tmp/cells.1" "$tmp/cells.2" && return 0
    mv "$tmp/cells.2" "$tmp/cells.1"
    return 1
}

# flat_corner: the top-left 4x3 cells of p* (world (-L, L): p* is 0
# there) carry one colour, attribute and character. p*'s first row is
# the row under its title; its first column, the first coloured cell.
flat_corner() {
    r=$(grep -n "p\*(x)" "$tmp/screen" | head -n 1 | cut -d: -f1)
    [ -n "$r" ] || return 1
    awk -v r="$r" '$1 == r && ($4 != "-" || $5 ~ /r/) { print $2; exit }' "$tmp/cells" >"$tmp/x0"
    x0=$(cat "$tmp/x0")
    [ -n "$x0" ] || return 1
    n=$(awk -v r="$r" -v x="$x0" '$1 >= r && $1 < r + 3 && $2 >= x && $2 < x + 4 { print $3, $4, $5, $6 }' \
        "$tmp/cells" | sort -u | wc -l)
    corner_desc=$(awk -v r="$r" -v x="$x0" '$1 == r && $2 == x { print "fg " $3 " bg " $4 " attr " $5 }' "$tmp/cells")
    [ "$n" = 1 ]
}
# no_leak: on each row with a cursor (a '+' over a coloured cell), no
# cell after the first cursor carries bold, dim, italic, underline or
# blink (the axis values and the other cursors aside)
no_leak() {
    awk '$6 == "+" && $4 != "-" && !($1 in first) { first[$1] = $2 }
         ($1 in first) && $2 > first[$1] && $6 !~ /^[-+0-9A-Za-z.]$/ && $6 !~ /^\342\210\222/ && $5 ~ /[bdiuk]/ { bad++ }
         END { exit !(length(first) > 0 && bad == 0) }' "$tmp/cells"
}

# help_pages NAME: opens the help, collects every page (space until
# page n/n) into $tmp/help, closes it with x
help_pages() {
    : >"$tmp/help"
    tmx send-keys -t "$1" '?'
    # stable: a page the terminal is still drawing (the paging line new,
    # the entries old) is never read
    wait_in "$1" 5 stable has "pbde keys" || return 1
    pages=$(grep -o 'page [0-9]*/[0-9]*' "$tmp/screen" | head -n 1 | sed 's|.*/||')
    pages=${pages:-1}
    k=1
    while :; do
        LC_ALL=$lang sed -n 's/^[^│]*│ \(.*\) │[^│]*$/\1/p' "$tmp/screen" >>"$tmp/help"
        [ "$k" -ge "$pages" ] && break
        k=$((k + 1))
        tmx send-keys -t "$1" ' '
        wait_in "$1" 5 stable has "page $k/$pages" || return 1
    done
    tmx send-keys -t "$1" x
    wait_in "$1" 5 lacks "pbde keys"
}
# help_missing: the entries of pbde list keys found on no page: "key
# text" within one line, or within the pages read as one text (an entry
# wrapped onto the next line)
help_missing() {
    LC_ALL=C awk '
        function squeeze(s) { gsub(/ +/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
        FNR == NR { line[++n] = squeeze($0); all = all " " line[n]; next }
        {
            key = squeeze(substr($0, 1, 17)); want = key " " squeeze(substr($0, 19))
            found = index(all, want) > 0
            for (i = 1; i <= n && !found; i++) found = index(line[i], want) > 0
            if (!found) print want
        }' "$tmp/help" "$tmp/keys"
}

# caption_ragged: lines of the tour's caption box that end while the next
# line's first word would still have fitted (inner width COLS - 6)
caption_ragged() {
    sed -n '/┌─/,/└─/p' "$tmp/screen" | sed '1d;$d' | sed 's/^ *│ //; s/ *│ *$//' >"$tmp/caption"
    LC_ALL=C awk -v w="$(($1 - 6))" '
        function cols(s,   t, n) { t = s; n = gsub(/[\200-\277]/, "", t); return length(s) - n }
        NR > 1 && prev != "" { split($0, f, " "); if (cols(prev) + 1 + cols(f[1]) <= w) print "ragged: " prev }
        { prev = $0 }' "$tmp/caption"
}

check_words() { # check_words WHAT
    words_cut "$tmp/screen" >"$tmp/cut"
    if [ -s "$tmp/cut" ]; then bad "$1: words not whole: $(tr '\n' ' ' <"$tmp/cut")"; return 1; fi
    return 0
}

for wh in $SIZES; do
    W=${wh%x*}
    H=${wh#*x}
    names=
    for tt in $terms; do
        for ct in no tc; do
            name="s$wh-$tt-$ct"
            names="$names $name"
            launch "$name" "$W" "$H" "$tt" "$([ $ct = tc ] && echo truecolor)" "$RUN"
        done
    done
    launch "tour$wh" "$W" "$H" tmux-256color "" "--tour '$TOUR' --threads 1"

    : >"$tmp/failed"
    for name in $names; do
        what="$wh ${name#s$wh-}"
        fail0=$fails
        # stable: two captures in a row agree, so no check reads a frame
        # the terminal was still drawing (a word half written, a
        # heatmap half painted)
        if ! wait_in "$name" 10 stable up_paused; then bad "$what: panels and 'paused' in the header"; continue; fi
        check_words "$what paused"
        cells "$name"
        if flat_corner; then :; else bad "$what: the flat corner of p* is not one colour ($corner_desc)"; fi
        if no_leak; then :; else bad "$what: an attribute leaks past the cursor"; fi
        if help_pages "$name"; then
            help_missing >"$tmp/missing"
            if [ -s "$tmp/missing" ]; then bad "$what: help entries on no page ($pages pages): $(head -n 3 "$tmp/missing" | tr '\n' ';')"; fi
        else bad "$what: help pages ($pages pages, at page $k)"; fi
        tmx send-keys -t "$name" ' '
        if wait_in "$name" 10 status_is "training|done"; then :; else bad "$what: space: training or done in the header"; fi
        [ "$fails" = "$fail0" ] || echo "$name" >>"$tmp/failed"
    done
    # trained to the end: the done header and the longest status line
    for name in $names; do
        what="$wh ${name#s$wh-}"
        if wait_in "$name" 30 stable status_is done; then check_words "$what done" || echo "$name" >>"$tmp/failed"
        else bad "$what: training ends (done in the header)"; echo "$name" >>"$tmp/failed"; fi
    done
    n=$(echo $names | wc -w)
    n_ok=$((n - $(sort -u "$tmp/failed" | wc -l)))
    ok "$wh: $n_ok of $n terminals: whole words paused and done, every help entry on its pages, flat corner one colour, no attribute past the cursor, paused then training/done"

    # the tour's caption: a paragraph of whole words
    if wait_in "tour$wh" 10 stable has "stop 1/"; then
        ragged=$(caption_ragged "$W")
        if [ -n "$ragged" ]; then bad "$wh tour: caption ragged: $ragged"
        elif check_words "$wh tour"; then ok "$wh tour: caption flows as a paragraph of whole words ($(wc -l <"$tmp/caption") lines)"; fi
    else bad "$wh tour: caption box"; fi

    for name in $names "tour$wh"; do tmx kill-session -t "$name"; done
done

[ "$fails" -eq 0 ]
