#!/bin/sh
# How often is a Ctrl-Z lost? Starts the explorer N times (default 12) in a
# job-control shell in tmux, presses Ctrl-Z as soon as the panels are on
# screen (DELAY seconds later, default 0) and counts the presses that did
# not stop it within 5 s. With LOAD=1 two headless trainings keep both
# cores busy meanwhile, which stretches every screen update.
#
#   LOAD=1 sh tests/long/ctrlz.sh [N]        (PBDE names the binary)
#
# Why presses get lost: ncurses' doupdate() sets SIGTSTP to SIG_IGN while it
# writes a frame (_nc_signal_handler(FALSE)), so a Ctrl-Z that lands in an
# update is discarded by the kernel. The first frames are full repaints;
# measured here: 3 of 12 lost with LOAD=1 and DELAY=0, 0 of 16 with
# DELAY=1.5. The fix belongs in the explorer: a SIGTSTP handler of its own,
# installed before newterm() (ncurses then leaves SIGTSTP alone), that sets
# a flag; the event loop then calls endwin(), raises SIGTSTP with the
# default action and repaints on return. Exits 1 when any press was lost.
N=${1:-12}
DELAY=${DELAY:-0}
PBDE=${PBDE:-build/pbde}
case $PBDE in /*) ;; *) PBDE=$(pwd)/$PBDE ;; esac
command -v tmux >/dev/null 2>&1 || { echo "  FAIL tmux is not installed"; exit 1; }
sock=pbde-ctrlz-$$
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
loaders=""
cleanup() {
    for p in $loaders; do kill "$p" 2>/dev/null; done
    tmx kill-server >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
if [ "${LOAD:-0}" = 1 ]; then
    "$PBDE" train --steps 100000000 --threads 2 >/dev/null 2>&1 &
    loaders="$!"
    "$PBDE" train --steps 100000000 >/dev/null 2>&1 &
    loaders="$loaders $!"
fi
term=screen
infocmp tmux-256color >/dev/null 2>&1 && term=tmux-256color
tmx new-session -d -s keep "sleep 100000"
lost=0
for i in $(seq "$N"); do
    tmx new-session -d -s "z$i" -x 150 -y 40 "env -u ENV TERM=$term LANG=C.UTF-8 PS1='$ ' sh -i"
    j=0
    while ! tmx capture-pane -p -t "z$i" | grep -q '\$' && [ $j -lt 600 ]; do sleep 0.1; j=$((j + 1)); done
    sh_pid=$(tmx display-message -p -t "z$i" '#{pane_pid}')
    tmx send-keys -t "z$i" -l "'$PBDE'"
    tmx send-keys -t "z$i" Enter
    j=0
    while ! tmx capture-pane -p -t "z$i" | grep -q "learned" && [ $j -lt 1200 ]; do sleep 0.1; j=$((j + 1)); done
    pid=$(pgrep -P "$sh_pid" | head -n 1)
    sleep "$DELAY"
    tmx send-keys -t "z$i" C-z
    j=0
    while ! tmx capture-pane -p -t "z$i" | grep -q "Stopped" && [ $j -lt 50 ]; do sleep 0.1; j=$((j + 1)); done
    if [ $j -ge 50 ]; then
        lost=$((lost + 1))
        echo "  run $i: Ctrl-Z lost (pbde state $(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null))"
    else echo "  run $i: stopped"; fi
    tmx kill-session -t "z$i"
    sleep 0.3
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
done
echo "  $lost of $N Ctrl-Z presses lost (DELAY=$DELAY, LOAD=${LOAD:-0})"
[ "$lost" -eq 0 ]
