# Shared by the end-to-end scripts that drive the explorer in tmux (sourced:
# . tests/lib/tmux.sh). Resolves the binary ($PBDE, default build/pbde),
# checks tmux is there, and gives each script a private tmux server (tmx),
# a temporary folder ($tmp, removed on exit with the server), the check
# counters (ok, bad, $fails) and the screen readers: screen captures the
# pane of session "pbde" (or the one named: screen NAME) into $tmp/screen,
# wait_for SECONDS COMMAND... polls it until COMMAND succeeds (wait_in NAME
# SECONDS COMMAND... another session's), has / lacks / has_line test it;
# wait_until SECONDS COMMAND... polls COMMAND alone (a file, a process). A
# script that needs more on exit defines cleanup_more. Scripts wait for
# what the screen shows, never for the clock: the SECONDS are the time a
# fast machine needs, multiplied by PBDE_WAIT_SCALE (default 12), so the
# bound fires only on a real hang, not on a loaded or sanitized run.
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
if ! command -v tmux >/dev/null 2>&1; then
    echo "  FAIL tmux is not installed (make deps installs it)"
    exit 1
fi
if [ ! -x "$PBDE" ]; then
    echo "  FAIL no binary at $PBDE"
    exit 1
fi

sock=pbde-$(basename "$0" .sh)-$$
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
tmp=$(mktemp -d)
sockpath=
cleanup() {
    command -v cleanup_more >/dev/null 2>&1 && cleanup_more
    tmx kill-session -t pbde >/dev/null 2>&1
    tmx kill-server >/dev/null 2>&1
    [ -n "$sockpath" ] && rm -f "$sockpath"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fails=0
ok() { echo "  ok   $1"; }
bad() {
    echo "  FAIL $1"
    fails=$((fails + 1))
    if [ -f "$tmp/screen" ]; then
        echo "  ---- screen:"
        sed 's/^/  | /' "$tmp/screen"
    fi
}
PANE=pbde
screen() { tmx capture-pane -t "${1:-$PANE}" -p >"$tmp/screen" 2>/dev/null; }
wait_until() {
    _wait_n=$(($1 * 10 * ${PBDE_WAIT_SCALE:-12}))
    shift
    _wait_i=0
    while [ $_wait_i -lt "$_wait_n" ]; do
        if "$@"; then return 0; fi
        sleep 0.1
        _wait_i=$((_wait_i + 1))
    done
    return 1
}
captured() { screen && "$@"; }
wait_for() {
    _wait_s=$1
    shift
    wait_until "$_wait_s" captured "$@"
}
wait_in() {
    PANE=$1
    shift
    wait_for "$@"
    _wait_rc=$?
    PANE=pbde
    return $_wait_rc
}
has() { grep -qF -- "$1" "$tmp/screen"; }
has_line() { grep -qx -- "$1" "$tmp/screen"; } # a whole line (not the echoed command)
lacks() { ! grep -qF -- "$1" "$tmp/screen"; }
# stable COMMAND...: COMMAND holds on two captures in a row whose lines
# matching $STABLE_RE (default: every line) are the same, so a frame the
# terminal was still drawing is never read
stable() {
    "$@" || return 1
    grep -E -- "${STABLE_RE:-.}" "$tmp/screen" >"$tmp/stable.1"
    screen
    "$@" || return 1
    grep -E -- "${STABLE_RE:-.}" "$tmp/screen" >"$tmp/stable.2"
    cmp -s "$tmp/stable.1" "$tmp/stable.2"
}
