# Shared by the end-to-end scripts that drive the explorer in tmux (sourced:
# . tests/lib/tmux.sh). Resolves the binary ($PBDE, default build/pbde),
# checks tmux is there, and gives each script a private tmux server (tmx),
# a temporary folder ($tmp, removed on exit with the server), the check
# counters (ok, bad, $fails) and the screen readers: screen captures the
# pane of session "pbde" into $tmp/screen, wait_for SECONDS COMMAND... polls
# it until COMMAND succeeds, has / lacks / has_line test it. A script that
# needs more on exit defines cleanup_more.
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
screen() { tmx capture-pane -t pbde -p >"$tmp/screen" 2>/dev/null; }
wait_for() {
    limit=$(($1 * 10))
    shift
    i=0
    while [ $i -lt "$limit" ]; do
        screen
        if "$@"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
has() { grep -qF -- "$1" "$tmp/screen"; }
has_line() { grep -qx -- "$1" "$tmp/screen"; } # a whole line (not the echoed command)
lacks() { ! grep -qF -- "$1" "$tmp/screen"; }
