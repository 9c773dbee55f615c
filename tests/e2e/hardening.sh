#!/bin/sh
# Bad input never crashes and never corrupts (issue 7), on the real binary:
#   1. every registry parameter at, just inside and beyond its bounds (and
#      garbage: empty, nan, inf, 1e999, words), from the command line and
#      from a scenario file; accepted values reach the JSON unchanged,
#      rejected ones exit 2 naming the flag (or file:line), the value and
#      what is allowed;
#   2. the pairs cap: --help states it and why; one more is refused;
#   3. every objective on every annotator, two steps each;
#   4. divergence: a huge learning rate exits 3 with "diverged at step N"
#      and "smaller --lr", on every objective it diverges on;
#   5. input files (scenarios and tours) that are missing, unreadable,
#      folders, binary garbage, huge (1 MiB is the limit, exactly), empty,
#      /dev/zero, with NUL bytes;
#   6. output files: missing folder, a folder, a read-only folder, a full
#      file system, /dev/full, a device node, a symbolic link, a failed or
#      interrupted run: an existing file survives intact, no temporary is
#      left behind.
# Run by make test (about 30 s); PBDE names the binary. One line per check,
# exits non-zero when any fails. Checks that need root or a tool that is
# missing say "skip" and why.
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
tmp=$(mktemp -d)
mounts=""
cleanup() {
    for m in $mounts; do umount "$m" 2>/dev/null; done
    chmod -R u+rwx "$tmp" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fails=0
cases=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fails=$((fails + 1)); }
skip() { echo "  skip $1"; }

# A run that is small enough to be instant: the parameter under test comes
# last on the command line, so it overrides these.
SMALL="--steps 2 --pairs 256 --grid 16 --width 8 --depth 1 --batch 64"

# A crash shows as an exit status above 128 (a signal) or a sanitizer's
# status; anything but the expected status is a failure.
died() { [ "$1" -ge 124 ]; }

# ------------------------------------------------------------------ 1. bounds

"$PBDE" list params >"$tmp/params.md" || { bad "pbde list params"; exit 1; }
# One line per case: name section value expect(ok|bad). Values at, just
# inside and beyond each bound; garbage for every parameter.
awk -F'|' 'BEGIN { OFS = "\t" } NR > 2 {
    name = $2; gsub(/[ `]/, "", name); sub(/^--/, "", name)
    sec = $3; gsub(/ /, "", sec)
    al = $5; sub(/^ +/, "", al); sub(/ +$/, "", al)
    if (al !~ /^one of:/ && al !~ /^a (whole )?number (>|>=) [-0-9.e+]+ and <= [-0-9.e+]+$/) {
        # neither a number nor a choice (a file name, say): not covered here
        print name, sec, "OTHER", "other"
        next
    }
    print name, sec, "nonsense", "bad"
    print name, sec, "EMPTY", "bad"
    if (al ~ /^one of:/) {
        n = split(substr(al, 8), v, " ")
        # (a placeholder such as image:FILE is not a value: skipped)
        for (i = 1; i <= n; i++) if (v[i] !~ /[A-Z]/) print name, sec, v[i], "ok"
        print name, sec, toupper(v[1]), "bad"
        print name, sec, v[1] "x", "bad"
        next
    }
    whole = al ~ /whole number/
    sub(/^a (whole )?number /, "", al)
    split(al, w, " ")            # OP MIN and <= MAX
    open = w[1] == ">"; lo = w[2] + 0; hi = w[5] + 0
    print name, sec, "nan", "bad"; print name, sec, "inf", "bad"; print name, sec, "-inf", "bad"
    print name, sec, "1e999", "bad"; print name, sec, "1,5", "bad"; print name, sec, "5 x", "bad"
    if (whole) {
        print name, sec, sprintf("%.0f", lo), "ok"
        print name, sec, sprintf("%.0f", lo + 1), "ok"
        print name, sec, sprintf("%.0f", lo - 1), "bad"
        print name, sec, sprintf("%.0f", hi), "ok"
        print name, sec, sprintf("%.0f", hi - 1), "ok"
        print name, sec, sprintf("%.0f", hi + 1), "bad"
        print name, sec, sprintf("%.1f", lo + 0.5), "bad"
        print name, sec, "99999999999999999999999", "bad"
        print name, sec, "-99999999999999999999999", "bad"
        next
    }
    print name, sec, sprintf("%.17g", lo), open ? "bad" : "ok"
    print name, sec, lo == 0 ? "1e-300" : sprintf("%.17g", lo * (1 + 1e-9)), "ok"
    print name, sec, lo == 0 ? "-1e-300" : sprintf("%.17g", lo * (1 - 1e-9)), "bad"
    print name, sec, sprintf("%.17g", hi), "ok"
    print name, sec, sprintf("%.17g", hi * (1 - 1e-9)), "ok"
    print name, sec, sprintf("%.17g", hi * (1 + 1e-9)), "bad"
}' "$tmp/params.md" >"$tmp/cases"
[ -s "$tmp/cases" ] || { bad "no cases from pbde list params"; exit 1; }

# The section of each parameter, the way a scenario file needs it, and the
# small run as a scenario, minus the parameter under test.
small_ini() { # small_ini NAME SECTION VALUE > file
    for _s in world annotator objective training view; do
        echo "[$_s]"
        case $_s in
        world) [ "$1" = grid ] || echo "grid = 16" ;;
        annotator) [ "$1" = pairs ] || echo "pairs = 256" ;;
        training)
            for _kv in steps=2 width=8 depth=1 batch=64; do
                [ "$1" = "${_kv%=*}" ] || echo "${_kv%=*} = ${_kv#*=}"
            done ;;
        esac
        if [ "$2" = "$_s" ]; then
            if [ "$3" = EMPTY ]; then echo "$1 ="; else echo "$1 = $3"; fi
        fi
    done
}

# The command that runs one accepted case: steps would train for hours at
# its maximum and pairs would take seconds at 4194304, so both are checked
# by pbde sample (which reads every parameter) on a few pairs.
json_value() { # the value of "name": in the JSON on stdin
    sed -n "s/.*\"params\": {.*\"$1\": \"*\([^,\"}]*\)\"*[,}].*/\1/p"
}
same_value() { # same_value GOT WANT: equal as text or within 1e-9 relative
    [ "$1" = "$2" ] && return 0
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1) m = 1
                                    exit !(a ~ /^[-+0-9.eE]+$/ && d <= 1e-9 * m) }'
}

last=
n_cli=0
n_ini=0
report_param() {
    [ -z "$last" ] && return
    if [ "$p_fail" -eq 0 ]; then ok "--$last: $p_ok accepted, $p_bad refused (command line and scenario file)"
    else bad "--$last: $p_fail of $((p_ok + p_bad)) cases wrong (above)"; fi
}
TAB=$(printf '\t')
while IFS=$TAB read -r name sec value expect; do
    if [ "$expect" = other ]; then
        echo "  note --$name: neither a number nor a choice: its bounds are not checked here"
        continue
    fi
    if [ "$name" != "$last" ]; then
        report_param
        last=$name
        p_ok=0
        p_bad=0
        p_fail=0
    fi
    [ "$expect" = ok ] && p_ok=$((p_ok + 1)) || p_bad=$((p_bad + 1))
    v=$value
    [ "$v" = EMPTY ] && v=
    # -- the command line
    n_cli=$((n_cli + 1))
    json=1
    set -- train $SMALL --json --"$name" "$v"
    if [ "$name" = steps ] || [ "$name" = pairs ]; then
        json=0
        set -- sample --pairs 16 --out - --"$name" "$v"
        if [ "$name" = pairs ] && [ "$expect" = ok ] && [ "$v" -gt 100000 ]; then
            set -- train --pairs "$v" --help
        fi
    fi
    "$PBDE" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if died $rc; then
        echo "  FAIL pbde $* died (exit $rc): $(head -c 300 "$tmp/err")"
        p_fail=$((p_fail + 1))
    elif [ "$expect" = bad ]; then
        if [ $rc -ne 2 ] || ! grep -qF -- "--$name: '$v' is not allowed: expected" "$tmp/err" || [ -s "$tmp/out" ]; then
            echo "  FAIL --$name '$v' should be refused with exit 2 (exit $rc: $(head -c 300 "$tmp/err"))"
            p_fail=$((p_fail + 1))
        fi
    elif [ $rc -eq 3 ] && [ "$name" = lr ] && grep -q "diverged at step" "$tmp/err"; then
        : # a learning rate of a million diverges: exit 3 is right
    elif [ $rc -ne 0 ]; then
        echo "  FAIL --$name '$v' should be accepted (exit $rc: $(head -c 300 "$tmp/err"))"
        p_fail=$((p_fail + 1))
    elif [ $json = 1 ]; then
        got=$(json_value "$name" <"$tmp/out")
        if ! same_value "$got" "$v"; then
            echo "  FAIL --$name '$v': the JSON says '$got'"
            p_fail=$((p_fail + 1))
        fi
    fi
    # -- a scenario file
    n_ini=$((n_ini + 1))
    small_ini "$name" "$sec" "$value" >"$tmp/case.ini"
    line=$(grep -n "^$name =" "$tmp/case.ini" | cut -d: -f1)
    json=1
    set -- train --scenario "$tmp/case.ini" --json
    if [ "$name" = steps ] || [ "$name" = pairs ]; then
        json=0
        set -- sample --scenario "$tmp/case.ini" --pairs 16 --out -
        [ "$name" = pairs ] && set -- sample --scenario "$tmp/case.ini" --out -
        if [ "$name" = pairs ] && [ "$expect" = ok ] && [ "$v" -gt 100000 ]; then
            set -- train --scenario "$tmp/case.ini" --help
        fi
    fi
    "$PBDE" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if died $rc; then
        echo "  FAIL scenario $name = '$v' died (exit $rc): $(head -c 300 "$tmp/err")"
        p_fail=$((p_fail + 1))
    elif [ "$expect" = bad ]; then
        if [ $rc -ne 2 ] || ! grep -qF -- "$tmp/case.ini:$line: $name: '$v' is not allowed: expected" "$tmp/err"; then
            echo "  FAIL scenario $name = '$v' should be refused at line $line (exit $rc: $(head -c 300 "$tmp/err"))"
            p_fail=$((p_fail + 1))
        fi
    elif [ $rc -eq 3 ] && [ "$name" = lr ] && grep -q "diverged at step" "$tmp/err"; then
        :
    elif [ $rc -ne 0 ]; then
        echo "  FAIL scenario $name = '$v' should be accepted (exit $rc: $(head -c 300 "$tmp/err"))"
        p_fail=$((p_fail + 1))
    elif [ $json = 1 ]; then
        got=$(json_value "$name" <"$tmp/out")
        if ! same_value "$got" "$v"; then
            echo "  FAIL scenario $name = '$v': the JSON says '$got'"
            p_fail=$((p_fail + 1))
        fi
    fi
done <"$tmp/cases"
report_param
cases=$((cases + n_cli + n_ini))
echo "  ($n_cli command-line cases, $n_ini scenario-file cases)"

# unknown names, missing values, stray arguments
for args in "--frobnicate 1" "--seed" "--seed=" "-x" "stray" "--" "--json=1" "--=3"; do
    "$PBDE" train $args >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^pbde train: " "$tmp/err"; then
        ok "train $args: exit 2, $(cat "$tmp/err")"
    else bad "train $args: exit $rc, $(cat "$tmp/err")"; fi
    cases=$((cases + 1))
done
printf '[world]\nbox = 4\n[world]\nfrobnicate = 1\n' >"$tmp/unknown.ini"
"$PBDE" train --scenario "$tmp/unknown.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/unknown.ini:4: unknown key 'frobnicate' in [world]" "$tmp/err" \
    && ok "scenario: unknown key named with file:line" || bad "scenario unknown key: $(cat "$tmp/err")"
printf '[training]\nbox = 4\n' >"$tmp/wrong.ini"
"$PBDE" train --scenario "$tmp/wrong.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -qF "$tmp/wrong.ini:2: key 'box' belongs in [world], not [training]" "$tmp/err" \
    && ok "scenario: key in the wrong section" || bad "scenario wrong section: $(cat "$tmp/err")"
cases=$((cases + 2))

# ------------------------------------------------------------------ 2. the pairs cap

"$PBDE" train --help | grep -A1 -- "^ *--pairs " >"$tmp/help"
if grep -q "at most 4194304, to bound memory" "$tmp/help" && grep -q "MB" "$tmp/help" && grep -q "<= 4194304" "$tmp/help"; then
    ok "--help states the pairs cap and why: $(head -n 1 "$tmp/help" | sed 's/^ *--pairs *//')"
else bad "--help: the pairs cap ($(cat "$tmp/help"))"; fi
"$PBDE" train --pairs 4194305 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "<= 4194304" "$tmp/err" && ok "--pairs 4194305 refused: $(cat "$tmp/err")" \
    || bad "--pairs 4194305: $(cat "$tmp/err")"
cases=$((cases + 2))

# ------------------------------------------------------------------ 3. every pairing

n=0
nf=0
objectives=$(awk -F'|' '$2 ~ /`--objective`/ { sub(/^ *one of: */, "", $5); print $5 }' "$tmp/params.md")
annotators=$(awk -F'|' '$2 ~ /`--annotator`/ { sub(/^ *one of: */, "", $5); print $5 }' "$tmp/params.md")
for o in $objectives; do
    for an in $annotators; do
        n=$((n + 1))
        "$PBDE" train --steps 2 --pairs 256 --grid 16 --objective "$o" --annotator "$an" --json >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ $rc -ne 0 ] || ! grep -q '"kl_true_model"' "$tmp/out"; then
            nf=$((nf + 1))
            echo "  FAIL --objective $o --annotator $an: exit $rc $(head -c 200 "$tmp/err")"
        fi
    done
done
[ $nf -eq 0 ] && ok "every objective on every annotator trains ($n pairings)" || bad "$nf of $n pairings"
cases=$((cases + n))

# ------------------------------------------------------------------ 4. divergence

"$PBDE" train --lr 1e6 --pairs 1024 --grid 16 --steps 200 --json >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 3 ] && grep -qE "diverged at step [0-9]+" "$tmp/err" && grep -q "smaller --lr" "$tmp/err" && [ ! -s "$tmp/out" ]; then
    ok "--lr 1e6: exit 3, nothing on stdout: $(cat "$tmp/err")"
else bad "--lr 1e6: exit $rc: $(cat "$tmp/err")"; fi
n=0
nd=0
nf=0
for o in $objectives; do
    for th in 1 2; do
        n=$((n + 1))
        "$PBDE" train --lr 1e6 --pairs 1024 --grid 16 --steps 100 --objective "$o" --threads $th >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ $rc -eq 3 ] && grep -qE "diverged at step [0-9]+.*smaller --lr" "$tmp/err"; then nd=$((nd + 1))
        elif [ $rc -ne 0 ]; then
            nf=$((nf + 1))
            echo "  FAIL --lr 1e6 --objective $o --threads $th: exit $rc $(head -c 200 "$tmp/err")"
        fi
    done
done
[ $nf -eq 0 ] && ok "--lr 1e6 on every objective, 1 and 2 threads: $nd of $n diverge (exit 3), the rest finish (exit 0)" \
    || bad "--lr 1e6: $nf of $n runs neither finished nor diverged cleanly"
cases=$((cases + n + 1))

# ------------------------------------------------------------------ 5. input files

# run_in WHAT EXPECTED-TEXT COMMAND...: exit 2, one line naming the problem
expect2() {
    what=$1; want=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    cases=$((cases + 1))
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then ok "$what: exit 2, $(head -n 1 "$tmp/err" | cut -c1-150)"
    else bad "$what: exit $rc, $(head -c 300 "$tmp/err")"; fi
}
chmod 755 "$tmp"
mkdir "$tmp/in"
chmod 755 "$tmp/in"
printf '[objective]\nbeta = 2\n' >"$tmp/in/locked.ini"
chmod 000 "$tmp/in/locked.ini"
printf 'run 10\n' >"$tmp/in/locked.tour"
chmod 000 "$tmp/in/locked.tour"
head -c 65536 "$PBDE" >"$tmp/in/binary"
head -c 4096 /dev/urandom >"$tmp/in/random"
# exactly 1 MiB of comment lines, then one byte more
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "; %061d\n", i }' >"$tmp/in/1mib.ini"
cp "$tmp/in/1mib.ini" "$tmp/in/1mib+1.ini"
printf ';' >>"$tmp/in/1mib+1.ini"
awk 'BEGIN { for (i = 0; i < 16384; i++) printf "# %061d\n", i }' >"$tmp/in/1mib.tour"
printf 'run 1\n' >>"$tmp/in/1mib.tour"
: >"$tmp/in/empty"
printf '[world]\nbox = 4\0\n' >"$tmp/in/nul.ini"
printf 'run 1\ncaption a\0b\n' >"$tmp/in/nul.tour"

# unreadable: chmod 000 does not stop root, so root runs the check as nobody
as_user=
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
        as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
    fi
fi
if [ "$(id -u)" != 0 ] || [ -n "$as_user" ]; then
    if $as_user test -x "$PBDE" 2>/dev/null; then
        expect2 "scenario unreadable (chmod 000${as_user:+, as nobody})" "cannot open: Permission denied" \
            $as_user "$PBDE" train --scenario "$tmp/in/locked.ini"
        expect2 "tour unreadable (chmod 000${as_user:+, as nobody})" "Permission denied" \
            $as_user "$PBDE" tui --tour "$tmp/in/locked.tour"
    else skip "unreadable files: nobody cannot run $PBDE (its folder is not world-readable)"; fi
else skip "unreadable files: running as root without setpriv"; fi

expect2 "scenario missing" "cannot open: No such file or directory" "$PBDE" train --scenario "$tmp/in/none.ini"
expect2 "scenario is a folder" "is it a directory" "$PBDE" train --scenario "$tmp/in"
expect2 "scenario is binary garbage (an ELF file)" "$tmp/in/binary:" "$PBDE" train --scenario "$tmp/in/binary"
expect2 "scenario is random bytes" "$tmp/in/random:" "$PBDE" train --scenario "$tmp/in/random"
expect2 "scenario 1 MiB + 1 byte" "too large for a scenario (more than 1048576 bytes)" "$PBDE" train --scenario "$tmp/in/1mib+1.ini"
expect2 "scenario /dev/zero" "too large for a scenario" "$PBDE" train --scenario /dev/zero
expect2 "scenario with a NUL byte" "$tmp/in/nul.ini:2:" "$PBDE" train --scenario "$tmp/in/nul.ini"
"$PBDE" train --scenario "$tmp/in/1mib.ini" $SMALL >/dev/null 2>"$tmp/err" && ok "scenario of exactly 1 MiB: accepted" \
    || bad "scenario of exactly 1 MiB: $(cat "$tmp/err")"
"$PBDE" train --scenario "$tmp/in/empty" $SMALL >/dev/null 2>"$tmp/err" && ok "empty scenario: the defaults" \
    || bad "empty scenario: $(cat "$tmp/err")"
"$PBDE" train --scenario /dev/null $SMALL >/dev/null 2>"$tmp/err" && ok "scenario /dev/null: the defaults" \
    || bad "scenario /dev/null: $(cat "$tmp/err")"
cases=$((cases + 3))

expect2 "tour missing" "none.tour" "$PBDE" tui --tour "$tmp/in/none.tour"
expect2 "tour is a folder" "is it a directory" "$PBDE" tui --tour "$tmp/in"
expect2 "tour is binary garbage (an ELF file)" "$tmp/in/binary:" "$PBDE" tui --tour "$tmp/in/binary"
expect2 "tour is random bytes" "$tmp/in/random:" "$PBDE" tui --tour "$tmp/in/random"
expect2 "tour of 1 MiB + 6 bytes" "too large for a tour" "$PBDE" tui --tour "$tmp/in/1mib.tour"
expect2 "tour /dev/zero" "too large for a tour" "$PBDE" tui --tour /dev/zero
expect2 "tour empty" "no stops" "$PBDE" tui --tour "$tmp/in/empty"
expect2 "tour with a NUL byte" "$tmp/in/nul.tour:2: not a text line" "$PBDE" tui --tour "$tmp/in/nul.tour"
if "$PBDE" help | grep -q "pbde render"; then
    expect2 "render --tour garbage" "$tmp/in/random:" "$PBDE" render --tour "$tmp/in/random" --out "$tmp/x.y4m"
    expect2 "render --font missing" "cannot open" "$PBDE" render $SMALL --font "$tmp/in/none.ttf" --out "$tmp/x.png"
    expect2 "render --font a folder" "cannot open" "$PBDE" render $SMALL --font "$tmp/in" --out "$tmp/x.png"
    expect2 "render --font binary garbage" "cannot open" "$PBDE" render $SMALL --font "$tmp/in/binary" --out "$tmp/x.png"
fi

# the other file inputs, when this build has them: a pairs file (CSV) and
# a picture as the density; a 2 MiB file of random bytes stands for huge
head -c 2097152 /dev/urandom >"$tmp/in/huge"
if grep -q '`--pairs-file`' "$tmp/params.md"; then
    expect2 "--pairs-file missing" "No such file or directory" "$PBDE" train $SMALL --pairs-file "$tmp/in/none.csv"
    expect2 "--pairs-file a folder" "is a directory" "$PBDE" train $SMALL --pairs-file "$tmp/in"
    expect2 "--pairs-file binary garbage (an ELF file)" "$tmp/in/binary:" "$PBDE" train $SMALL --pairs-file "$tmp/in/binary"
    expect2 "--pairs-file random bytes, 2 MiB" "$tmp/in/huge:" "$PBDE" train $SMALL --pairs-file "$tmp/in/huge"
    expect2 "--pairs-file empty" "empty" "$PBDE" train $SMALL --pairs-file "$tmp/in/empty"
    # no newline ever: read a line at a time, it must stop at the line limit
    # (a timeout guards the machine should it not)
    expect2 "--pairs-file /dev/zero" "/dev/zero:1:" timeout 20 "$PBDE" train $SMALL --pairs-file /dev/zero
else skip "--pairs-file: not in this build"; fi
if "$PBDE" train --help 2>/dev/null | grep -q "image:"; then
    expect2 "--density image: missing" "No such file or directory" "$PBDE" train $SMALL --density "image:$tmp/in/none.png"
    expect2 "--density image: a folder" "directory" "$PBDE" train $SMALL --density "image:$tmp/in"
    expect2 "--density image: binary garbage" "not a PGM" "$PBDE" train $SMALL --density "image:$tmp/in/binary"
    expect2 "--density image: random bytes, 2 MiB" "not a PGM" "$PBDE" train $SMALL --density "image:$tmp/in/huge"
    expect2 "--density image: /dev/zero" "not a regular file" "$PBDE" train $SMALL --density "image:/dev/zero"
else skip "--density image:FILE: not in this build"; fi

# ------------------------------------------------------------------ 6. output files

ORIG="precious: this file must survive"
fresh() { { printf '%s\n' "$ORIG" >"$1"; } 2>/dev/null; }
intact() { printf '%s\n' "$ORIG" | cmp -s - "$1"; }
no_temps() { # no "NAME.tmp.PID" left in folder $1
    for f in "$1"/*.tmp.* "$1"/.*.tmp.*; do [ -e "$f" ] && return 1; done
    return 0
}
# expect_keep WHAT FILE COMMAND...: the command fails (exit 1, 2 or 3, no
# signal), FILE is unchanged and no temporary is left beside it
expect_keep() {
    what=$1; file=$2; shift 2
    intact "$file" || fresh "$file"
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    cases=$((cases + 1))
    if [ $rc -ge 1 ] && [ $rc -le 3 ] && intact "$file" && no_temps "$(dirname "$file")"; then
        ok "$what: exit $rc, existing file intact, no temporary left ($(head -n 1 "$tmp/err" | cut -c1-110))"
    else bad "$what: exit $rc, intact: $(intact "$file" && echo yes || echo no), $(ls -a "$(dirname "$file")" | tr '\n' ' ') $(head -c 200 "$tmp/err")"; fi
}
mkdir -p "$tmp/out.d"
expect_keep "sample: invalid parameters" "$tmp/out.d/s.csv" "$PBDE" sample --pairs 3 --out "$tmp/out.d/s.csv"
expect_keep "train: diverges (exit 3)" "$tmp/out.d/g.csv" "$PBDE" train --lr 1e6 --pairs 1024 --grid 16 --steps 100 --grid-out "$tmp/out.d/g.csv"
expect_keep "train: bad scenario" "$tmp/out.d/g.csv" "$PBDE" train --scenario "$tmp/in/random" --grid-out "$tmp/out.d/g.csv"

# interrupted: SIGINT and SIGTERM during training
for sig in 2 15; do
    fresh "$tmp/out.d/g.csv"
    timeout --preserve-status -s $sig 1 \
        "$PBDE" train --pairs 1024 --grid 16 --steps 10000000 --grid-out "$tmp/out.d/g.csv" >/dev/null 2>"$tmp/err"
    rc=$?
    cases=$((cases + 1))
    want=$((128 + sig))
    if [ $rc -eq $want ] && intact "$tmp/out.d/g.csv" && no_temps "$tmp/out.d" && grep -q "interrupted at step" "$tmp/err"; then
        ok "train --grid-out, signal $sig mid-training: exit $rc, file intact, no temporary ($(cat "$tmp/err"))"
    else bad "train signal $sig: exit $rc (want $want), intact: $(intact "$tmp/out.d/g.csv" && echo yes || echo no), $(cat "$tmp/err")"; fi
done

# a successful write replaces the file and keeps its mode
fresh "$tmp/out.d/m.csv"
chmod 640 "$tmp/out.d/m.csv"
"$PBDE" sample --pairs 16 --out "$tmp/out.d/m.csv" 2>"$tmp/err"
mode=$(stat -c %a "$tmp/out.d/m.csv")
[ "$(head -n 1 "$tmp/out.d/m.csv")" = "ax,ay,bx,by,y,annotator" ] && [ "$mode" = 640 ] && no_temps "$tmp/out.d" \
    && ok "sample over an existing file: replaced, mode 640 kept" || bad "sample over an existing file: mode $mode $(cat "$tmp/err")"
# through a symbolic link: the file it names is written, the link stays
fresh "$tmp/out.d/target.csv"
ln -s target.csv "$tmp/out.d/link.csv"
"$PBDE" sample --pairs 16 --out "$tmp/out.d/link.csv" 2>"$tmp/err"
[ -L "$tmp/out.d/link.csv" ] && [ "$(head -n 1 "$tmp/out.d/target.csv")" = "ax,ay,bx,by,y,annotator" ] \
    && ok "sample through a symbolic link: the link stays, its file is written" || bad "sample through a link: $(ls -l "$tmp/out.d")"
cases=$((cases + 2))

expect_keep "sample --out a missing folder" "$tmp/out.d/keep.csv" "$PBDE" sample --pairs 16 --out "$tmp/out.d/none/x.csv"
mkdir -p "$tmp/out.d/adir"
"$PBDE" sample --pairs 16 --out "$tmp/out.d/adir" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ -d "$tmp/out.d/adir" ] && grep -q "Is a directory" "$tmp/err" && ok "sample --out a folder: exit 1, $(cat "$tmp/err")" \
    || bad "sample --out a folder: exit $rc $(cat "$tmp/err")"
# /dev/full itself only when pbde cannot replace it: as root, a binary
# with the rename-over-a-device bug would turn /dev/full into a file, so
# root writes to a private twin of it (c 1 7) instead
full=/dev/full
if [ "$(id -u)" = 0 ]; then
    full=
    mknod "$tmp/out.d/full" c 1 7 2>/dev/null && full=$tmp/out.d/full
fi
if [ -n "$full" ]; then
    "$PBDE" sample --pairs 16 --out "$full" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] && [ -c "$full" ] && grep -q "No space left on device" "$tmp/err" \
        && ok "sample --out a /dev/full device: exit 1, still a device, $(sed "s|$tmp|\$tmp|" "$tmp/err")" \
        || bad "sample --out $full: exit $rc $(cat "$tmp/err")"
else skip "sample --out /dev/full: root without mknod (not risking the real one)"; fi
"$PBDE" train $SMALL --json >/dev/full 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "No space left on device" "$tmp/err" && ok "train --json >/dev/full: exit 1, $(cat "$tmp/err")" \
    || bad "train >/dev/full: exit $rc $(cat "$tmp/err")"
cases=$((cases + 3))

# a device node is written in place, never replaced by a regular file
if [ "$(id -u)" = 0 ] && mknod "$tmp/out.d/null" c 1 3 2>/dev/null; then
    "$PBDE" sample --pairs 16 --out "$tmp/out.d/null" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] && [ -c "$tmp/out.d/null" ] && ok "sample --out a device node (a /dev/null twin): written in place, still a device" \
        || bad "sample --out a device node: exit $rc, $(ls -l "$tmp/out.d/null")"
    cases=$((cases + 1))
else skip "device node: mknod needs root"; fi

# read-only: a folder pbde may not write into (as nobody when root)
mkdir -p "$tmp/ro"
fresh "$tmp/ro/keep.csv"
chmod 755 "$tmp/ro"
chmod 644 "$tmp/ro/keep.csv"
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$tmp/ro"
    expect_keep "sample --out in a read-only folder" "$tmp/ro/keep.csv" "$PBDE" sample --pairs 16 --out "$tmp/ro/keep.csv"
    chmod 755 "$tmp/ro"
elif [ -n "$as_user" ] && $as_user test -x "$PBDE" 2>/dev/null; then
    expect_keep "sample --out in a folder nobody may write (as nobody)" "$tmp/ro/keep.csv" \
        $as_user "$PBDE" sample --pairs 16 --out "$tmp/ro/keep.csv"
else skip "read-only folder: root without setpriv"; fi

# mount: a read-only file system and a full one (root, or a user namespace)
mnt() { # mnt DIR OPTIONS: mounts a tmpfs, returns 0 when it worked
    mount -t tmpfs -o "$2" tmpfs "$1" 2>/dev/null && mounts="$1 $mounts"
}
mkdir -p "$tmp/rofs" "$tmp/full"
if mnt "$tmp/rofs" size=1m; then
    fresh "$tmp/rofs/keep.csv"
    mount -o remount,ro "$tmp/rofs" 2>/dev/null
    if ! touch "$tmp/rofs/probe" 2>/dev/null; then
        expect_keep "sample --out on a read-only file system" "$tmp/rofs/keep.csv" "$PBDE" sample --pairs 16 --out "$tmp/rofs/keep.csv" 2>/dev/null
        # (fresh cannot write there: the file was made before remount)
    else skip "read-only file system: remount,ro did not take"; fi
else skip "read-only file system: cannot mount a tmpfs (not root)"; fi
if mnt "$tmp/full" size=64k; then
    fresh "$tmp/full/keep.csv"
    head -c 2000000 /dev/zero >"$tmp/full/filler" 2>/dev/null
    expect_keep "sample --out on a full file system (64 KiB tmpfs)" "$tmp/full/keep.csv" \
        "$PBDE" sample --pairs 20000 --out "$tmp/full/keep.csv"
    rm -f "$tmp/full/filler"
    expect_keep "train --grid-out on a nearly full file system" "$tmp/full/keep.csv" \
        "$PBDE" train $SMALL --grid 200 --grid-out "$tmp/full/keep.csv"
    if "$PBDE" help | grep -q "pbde render"; then
        fresh "$tmp/full/keep.png"
        fresh "$tmp/full/keep.y4m"
        head -c 2000000 /dev/zero >"$tmp/full/filler" 2>/dev/null
        expect_keep "render --out .png on a full file system" "$tmp/full/keep.png" \
            "$PBDE" render $SMALL --out "$tmp/full/keep.png"
        expect_keep "render --out .y4m on a full file system" "$tmp/full/keep.y4m" \
            "$PBDE" render $SMALL --frames 3 --out "$tmp/full/keep.y4m"
        rm -f "$tmp/full/filler"
    fi
else skip "full file system: cannot mount a tmpfs (not root); /dev/full checked above"; fi

# renders on devices and through links: a device is written in place
# (never replaced by a file) and its write error reported; a link keeps
# pointing at its file, which is replaced with its mode kept
if "$PBDE" help | grep -q "pbde render"; then
    if [ "$(id -u)" = 0 ]; then
        for ext in png y4m mp4; do
            if [ $ext = mp4 ] && ! command -v ffmpeg >/dev/null 2>&1; then skip "render .mp4 on a device: no ffmpeg"; continue; fi
            frames="--frames 3"
            [ $ext = png ] && frames=
            dev=$tmp/out.d/full.$ext
            rm -f "$dev"
            mknod "$dev" c 1 7 2>/dev/null || { skip "render .$ext on a device: mknod failed"; continue; }
            "$PBDE" render $SMALL $frames --out "$dev" >/dev/null 2>"$tmp/err"
            rc=$?
            cases=$((cases + 1))
            if [ $rc -eq 1 ] && [ -c "$dev" ] && grep -qE "No space left on device|ffmpeg failed writing" "$tmp/err" && no_temps "$tmp/out.d"; then
                ok "render --out .$ext on a /dev/full twin: exit 1, still a device, $(grep -E "No space|ffmpeg failed" "$tmp/err" | head -n 1 | sed "s|$tmp|\$tmp|g" | cut -c1-100)"
            else bad "render --out .$ext on a /dev/full twin: exit $rc, $(ls -l "$dev") $(head -c 300 "$tmp/err")"; fi
            rm -f "$dev"
            mknod "$dev" c 1 3 2>/dev/null || continue
            "$PBDE" render $SMALL $frames --out "$dev" >/dev/null 2>"$tmp/err"
            rc=$?
            cases=$((cases + 1))
            if [ $rc -eq 0 ] && [ -c "$dev" ] && no_temps "$tmp/out.d"; then ok "render --out .$ext on a /dev/null twin: exit 0, still a device"
            else bad "render --out .$ext on a /dev/null twin: exit $rc, $(ls -l "$dev") $(head -c 300 "$tmp/err")"; fi
            rm -f "$dev"
        done
    else skip "render on device nodes: mknod needs root"; fi
    for ext in png y4m; do
        frames="--frames 2"
        [ $ext = png ] && frames=
        fresh "$tmp/out.d/target.$ext"
        chmod 604 "$tmp/out.d/target.$ext"
        rm -f "$tmp/out.d/link.$ext"
        ln -s "target.$ext" "$tmp/out.d/link.$ext"
        "$PBDE" render $SMALL $frames --out "$tmp/out.d/link.$ext" >/dev/null 2>"$tmp/err"
        rc=$?
        cases=$((cases + 1))
        magic=$(head -c 4 "$tmp/out.d/target.$ext" | tr -dc 'A-Z0-9')
        mode=$(stat -c %a "$tmp/out.d/target.$ext")
        if [ $rc -eq 0 ] && [ -L "$tmp/out.d/link.$ext" ] && [ "$magic" != "" ] && ! intact "$tmp/out.d/target.$ext" \
            && [ "$mode" = 604 ] && no_temps "$tmp/out.d"; then
            ok "render --out .$ext through a symbolic link: the link stays, its file replaced (starts '$magic'), mode 604 kept"
        else bad "render .$ext through a link: exit $rc, mode $mode, $(ls -l "$tmp/out.d" | tr '\n' ' ') $(head -c 200 "$tmp/err")"; fi
    done
fi

echo "  ($cases cases)"
[ "$fails" -eq 0 ]
