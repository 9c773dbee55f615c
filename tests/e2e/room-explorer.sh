#!/bin/sh
# End-to-end test of the room in the explorers, on 127.0.0.1 only: the
# terminal explorer opened with --room in a 120x40 tmux pane, read back
# with capture-pane the way a person reads it, and the window under Xvfb.
#   terminal  the join URL and code on the mode line and in the third
#             panel's place, the QR code drawn in half blocks; 200
#             participants answer 20 questions each, paced like people
#             (room-client.js load, as room.sh)
#             while the explorer draws: the panel counts them all ("200
#             joined · 4000 answers"); 2000 idle connections, a wrong
#             code, malformed JSON and a 10 MB body refused while the
#             explorer draws on; n closes a question; Esc closes the
#             room; :room personas=2 opens it again; H closes it; the
#             header's frame rate while the room answered as an info line
#   80x24     the join URL still on the mode line
#   window    pbde gui --room: a screenshot whose QR code decodes
#             (zbarimg, when installed) to the join URL in capitals
# PBDE names the binary. One line per check; exits non-zero when any
# check fails. Skips (exit 0) when this pbde was built without the room or
# node is missing. Every wait is bounded (it catches hangs, not slowness).
. "$(dirname "$0")/../lib/tmux.sh"
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then echo "  skip: no node"; exit 0; fi
if "$PBDE" room --help 2>&1 | grep -q "built without the room"; then
    echo "  skip: pbde built without the room (libmicrohttpd, json-c, libqrencode)"; exit 0
fi
lang=C
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then lang=C.UTF-8; fi
term=screen
if infocmp tmux-256color >/dev/null 2>&1; then term=tmux-256color; fi
world="--width 16 --depth 2 --grid 32 --seed 3"

# join URL on screen: its port
port_on_screen() { sed -n 's|.*join http://127\.0\.0\.1:\([0-9]*\)/ROOM42.*|\1|p' "$tmp/screen" | head -n 1; }
joined() { has "join http://127.0.0.1:" && [ -n "$(port_on_screen)" ]; }
# the QR code: rows of the right-hand third made of half blocks
qr_rows() { cut -c 81- "$tmp/screen" | grep -c '[█▀▄].*[█▀▄].*[█▀▄].*[█▀▄]'; }

echo "options"
out=$("$PBDE" tui --room-options "personas=2 bogus" 2>&1); rc=$?
case "$rc:$out" in "2:pbde tui: --room-options: room options: 'bogus' is not NAME=VALUE"*) ok "a bad --room-options word: exit 2, named" ;;
    *) bad "bad --room-options: exit $rc: $out" ;; esac
out=$("$PBDE" tui --room-options "port=70000" 2>&1); rc=$?
case "$rc:$out" in *"2:pbde tui: --room-options: room option port: '70000' is not an integer from 0 to 65535"*) ok "a port out of range: exit 2, named" ;;
    *) bad "port out of range: exit $rc: $out" ;; esac
out=$("$PBDE" gui --room --facet beta=1,4 2>&1); rc=$?
[ "$rc" = 2 ] && ok "pbde gui --room --facet: exit 2 ($out)" || bad "gui --room --facet: exit $rc: $out"

echo "terminal"
tmx new-session -d -s pbde -x 120 -y 40 \
    "env TERM=$term LANG=$lang LC_ALL= '$PBDE' --room --room-options 'code=ROOM42 per-question=200 rate=50' $world --answer-steps 1; echo pbde-exit=\$?; sleep 600" ||
    { echo "  FAIL tmux new-session"; exit 1; }
tmx set-option -t pbde status off >/dev/null
if wait_for 10 joined; then
    port=$(port_on_screen)
    ok "--room: the mode line says where to join (http://127.0.0.1:$port/ROOM42)"
else
    bad "--room: no join URL on screen"; exit 1
fi
if wait_for 5 has "code ROOM42"; then ok "the room's panel shows the code"; else bad "the room's panel shows the code"; fi
if [ "$lang" = C.UTF-8 ]; then
    n=$(qr_rows)
    [ "$n" -ge 12 ] && ok "the QR code is drawn in half blocks ($n rows)" || bad "QR code rows: $n"
fi
if has "the room is open: phones join at http://127.0.0.1:$port/ROOM42"; then
    ok "the status line says the room is open and where"
else
    bad "status line: the room is open"
fi

# 200 participants x 20 questions while the explorer draws
# (the header's frame rate is read while they answer: what the room sees)
node "$here/room-client.js" load "$port" ROOM42 200 20 250 150 >"$tmp/load.client" 2>&1 &
client=$!
: >"$tmp/fps"
i=0
while kill -0 "$client" 2>/dev/null && [ $i -lt 1200 ]; do # 120 s
    screen && sed -n '2s/.* \([0-9][0-9]*\) fps.*/\1/p' "$tmp/screen" >>"$tmp/fps"
    sleep 0.1
    i=$((i + 1))
done
wait "$client"
readings=$(sort -n "$tmp/fps" | tr '\n' ' ')
echo "  info the header's frame rate while the room answered (fps, sorted): ${readings:-none}"
sed -n 's/^\(ok\|FAIL\|info\) */\1 /p' "$tmp/load.client" | sed "s/^ok /  ok   load: /; s/^FAIL /  FAIL load: /; s/^info /  info load: /"
fails=$((fails + $(grep -c '^FAIL' "$tmp/load.client")))
accepted=$(sed -n 's/^result .*"accepted":\([0-9]*\).*/\1/p' "$tmp/load.client")
if wait_for 20 has "200 joined · 4000 answers"; then
    ok "the panel counts every participant and answer (200 joined · 4000 answers; the clients: $accepted)"
else
    bad "the panel's counts after the load (the clients: $accepted accepted)"
fi
stable has "200 joined"

# hostile clients against the explorer's room: 2000 idle connections, a
# wrong code, malformed JSON and a 10 MB body are refused, the explorer
# draws on, and no answer is lost or added
node "$here/room-client.js" flood "$port" ROOM42 >"$tmp/flood.client" 2>&1
sed -n 's/^\(ok\|FAIL\) */\1 /p' "$tmp/flood.client" | sed "s/^ok /  ok   flood: /; s/^FAIL /  FAIL flood: /"
fails=$((fails + $(grep -c '^FAIL' "$tmp/flood.client")))
statuses=$(node -e '
const http = require("http"), [port] = process.argv.slice(1);
const post = (body, headers) => new Promise(res => {
  const r = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/answer", headers },
    x => { x.resume(); res(x.statusCode); });
  r.on("error", () => res("reset"));
  if (headers["Expect"]) r.on("continue", () => r.end(body)); else r.end(body);
  r.on("response", () => {});
});
(async () => {
  const a = await post(JSON.stringify({ code: "WRONG1", pid: "h1", id: 1, choice: "a" }), { "Content-Type": "application/json" });
  const b = await post("{\"code\": \"ROOM42\", \"pid\": ", { "Content-Type": "application/json" });
  const c = await post(Buffer.alloc(10 << 20, 32), { "Content-Type": "application/json", "Content-Length": 10 << 20, "Expect": "100-continue" });
  console.log(a, b, c);
})();' "$port")
[ "$statuses" = "403 400 413" ] && ok "wrong code, malformed JSON, a 10 MB body: $statuses" || bad "hostile requests: $statuses (want 403 400 413)"
if wait_for 10 has "200 joined · 4000 answers"; then
    ok "the explorer draws on after them, and counts the same 4000 answers"
else
    bad "the explorer's counts after the hostile clients"
fi

tmx send-keys -t pbde n
if wait_for 5 has "closed with"; then ok "n closes the question"; else bad "n closes the question"; fi
tmx send-keys -t pbde Escape
if wait_for 5 has "closed the room after 4000 answers from 200 phones"; then
    ok "Esc closes the room (4000 answers from 200 phones)"
else
    bad "Esc closes the room"
fi
if wait_for 5 lacks "join http://"; then ok "the join URL is gone once the room is closed"; else bad "join URL gone"; fi
# the closed room takes no answer
code=$(node -e 'require("http").get(process.argv[1], r => { console.log(r.statusCode); }).on("error", () => console.log("refused"))' "http://127.0.0.1:$port/api/stats")
[ "$code" = refused ] && ok "the closed room's port refuses connections" || bad "closed room answered: $code"

tmx send-keys -t pbde -l ":room personas=2 per-question=3"
tmx send-keys -t pbde Enter
if wait_for 10 joined; then ok ":room personas=2 opens the room again (port $(port_on_screen))"; else bad ":room personas=2"; fi
if wait_for 5 has "of 3 answers"; then ok "per-question=3 holds each question for 3 answers"; else bad "per-question=3 on screen"; fi
tmx send-keys -t pbde H
if wait_for 5 has "closed the room after"; then ok "H closes the room"; else bad "H closes the room"; fi

tmx send-keys -t pbde q
if wait_for 10 has "pbde-exit=0"; then ok "q quits, exit 0"; else bad "q quits, exit 0"; fi

echo "80x24"
tmx new-session -d -s small -x 80 -y 24 \
    "env TERM=$term LANG=$lang LC_ALL= '$PBDE' --room --room-options code=ROOM42 $world; sleep 600"
if wait_in small 10 joined; then ok "80x24: the mode line says where to join"; else bad "80x24: join URL"; fi
tmx send-keys -t small q

echo "window"
if command -v xvfb-run >/dev/null 2>&1; then
    xvfb-run -a -s "-screen 0 1400x900x24" "$PBDE" gui --room --room-options code=ROOM42 $world --density two-gauss \
        --screenshot-after 30 --screenshot-out "$tmp/gui.png" >"$tmp/gui.out" 2>&1
    if [ -s "$tmp/gui.png" ]; then
        ok "pbde gui --room: a screenshot"
        if command -v zbarimg >/dev/null 2>&1; then
            qr=$(zbarimg --raw -q "$tmp/gui.png" 2>/dev/null | head -n 1)
            case $qr in HTTP://127.0.0.1:[0-9]*/ROOM42) ok "the window's QR code decodes to $qr" ;;
                *) bad "the window's QR code decodes to '$qr'" ;; esac
        else
            echo "  skip: no zbarimg (make deps installs zbar-tools): the QR code is not decoded"
        fi
    else
        bad "pbde gui --room: no screenshot ($(tail -n 2 "$tmp/gui.out"))"
    fi
else
    echo "  skip: no xvfb-run"
fi

if [ "$fails" -gt 0 ]; then echo "room-explorer: $fails check(s) failed"; exit 1; fi
echo "room-explorer: all checks passed"
