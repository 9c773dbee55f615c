// The phone page of pbde room in headless Chromium emulating a phone (run
// by tests/e2e/room-phone.sh, which starts the rooms and reads their CSVs):
//   node room-phone.js CODE ASSIGNED_PORT OWN_PORT OFF_PORT SHOT_DIR
// ASSIGNED_PORT is a room with --personas 2 on two-gauss, OWN_PORT one with
// --personas own, OFF_PORT one without personas (each may be "-" to leave
// it out). For each it checks
// what the page draws (read back from its canvas, compared with
// /api/personas' maps), votes A by tapping the button where it is on
// screen, and checks the room counted it. Screenshots go to SHOT_DIR.
// One line per check ("ok ..." or "FAIL ..."), then one line
// "result {json}" per room with the question answered; exits 1 when a
// check fails. Every wait is for what the page or the room reports, with a
// bound that fires only on a hang.
"use strict";
const http = require("http");
const path = require("path");
const { Browser, until } = require("../lib/cdp.js");

const [code, assignedPort, ownPort, offPort, shotDir] = process.argv.slice(2);
let failed = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed++;
  return ok;
}

// GET path of the room on port: the parsed JSON body and the status.
function get(port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: p }, (res) => {
      let s = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { s += c; });
      res.on("end", () => {
        let j = null;
        try { j = JSON.parse(s); } catch (e) { j = s; }
        resolve({ status: res.statusCode, body: j });
      });
    });
    req.on("error", (e) => resolve({ status: 0, body: String(e) }));
    req.setTimeout(10000, () => req.destroy(new Error("timeout")));
  });
}

const state = (b) => b.eval("window.pbdeRoom && window.pbdeRoom.state()");

// The centre of the element css in CSS pixels, its size, and whether it
// is enabled.
function where(b, css) {
  return b.eval(`(() => {
    const e = document.querySelector(${JSON.stringify(css)});
    if (!e) return null;
    const r = e.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height,
             bottom: r.bottom, enabled: !e.disabled };
  })()`);
}

// What the canvas shows: its side in device pixels, the colour at each
// map cell's centre (side x side cells, row 0 at the top), the pixels near
// the colours of A and B, and the number of distinct colours.
function canvasFacts(b, side) {
  return b.eval(`(() => {
    const c = document.getElementById("map"), g = c.getContext("2d");
    const d = g.getImageData(0, 0, c.width, c.height).data, n = ${side};
    const near = (i, r, gr, bl) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - gr) + Math.abs(d[i + 2] - bl) < 40;
    let a = 0, bb = 0;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (near(i, 232, 89, 12)) a++;
      if (near(i, 28, 100, 209)) bb++;
      seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    const cells = [];
    for (let row = 0; row < n; row++)
      for (let col = 0; col < n; col++) {
        const x = Math.floor((col + 0.5) * c.width / n), y = Math.floor((row + 0.5) * c.height / n);
        const i = 4 * (y * c.width + x);
        cells.push([d[i], d[i + 1], d[i + 2]]);
      }
    return { side: c.width, a, b: bb, colours: seen.size, cells };
  })()`);
}

const luma = (c) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];

// Of the pairs of cells whose map values differ by more than 2 (of 255),
// the share in which the higher one is drawn darker too: 1 when the
// darkness follows the map. Also the number of such pairs.
function agreement(map, dark) {
  let pairs = 0, agree = 0;
  for (let i = 0; i < map.length; i++)
    for (let j = 0; j < map.length; j++)
      if (map[i] > map[j] + 2) {
        pairs++;
        if (dark[i] > dark[j]) agree++;
      }
  return [pairs ? agree / pairs : NaN, pairs];
}

// The page of the room on port, checked and voted on. persona: the one the
// participant has (assigned) or picks (own), 0-based.
async function room(b, name, port, mode, persona) {
  const P = await get(port, `/api/personas?code=${code}`);
  const pm = P.body;
  const wrong = await get(port, "/api/personas?code=NOPE1");
  check(wrong.status === 403, `${name}: /api/personas with a wrong code is 403 (${wrong.status})`);
  const on = mode !== "off";
  const shape = P.status === 200 && pm.mode === mode && pm.side === 32 && Array.isArray(pm.maps) &&
    (on ? pm.count === 2 && pm.maps.length === 2 : pm.count === 0 && pm.maps.length === 0) &&
    pm.maps.every((m) => m.length === 32 * 32 && m.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) &&
    Math.max(...m) === 255);
  if (!check(shape, `${name}: /api/personas: mode ${pm.mode}, ${pm.count} personas, box ${pm.box}, ` +
    (on ? "two 32 x 32 maps of 0..255 peaking at 255" : "no maps"))) return null;

  // the join URL the explorers show and their QR codes hold (/CODE); the
  // query form (/?code=CODE) in the room without personas
  await b.open(mode === "off" ? `http://127.0.0.1:${port}/?code=${code}` : `http://127.0.0.1:${port}/${code}`);
  const wantMode = (s) => s && s.mode === mode && s.question !== null && s.drawn === s.question;
  let s = await until(20, async () => { const v = await state(b); return wantMode(v) ? v : null; });
  if (!check(s, `${name}: the page joins and draws question ${s ? s.question : "?"}` + (s ? "" : ` (${JSON.stringify(await state(b))})`))) return null;

  if (mode === "own") {
    // the picker: one button per persona; A refused by the page until one is picked
    const picks = await b.eval(`document.querySelectorAll("#picker button").length`);
    check(picks === 2 && s.persona === null, `${name}: a picker of ${picks} personas, none picked yet`);
    const a0 = await where(b, "#a");
    await b.tap(a0.x, a0.y);
    const asked = await until(5, async () => { const v = await state(b); return /pick your persona/.test(v.message) ? v : null; });
    const st = await get(port, "/api/stats");
    check(asked && st.body.answers === 0 && st.body.rejected === 0,
      `${name}: A before picking a persona asks for one ("${asked ? asked.message : ""}") and sends nothing (answers ${st.body.answers}, rejected ${st.body.rejected})`);
    const pb = await where(b, `#picker button[data-k="${persona}"]`);
    check(pb && pb.h >= 44, `${name}: the picker's button ${persona + 1} is a thumb's size (${pb ? pb.w.toFixed(0) + " x " + pb.h.toFixed(0) : "?"} CSS px)`);
    await b.tap(pb.x, pb.y);
    s = await until(5, async () => { const v = await state(b); return v.persona === persona ? v : null; });
    check(s, `${name}: tapping persona ${persona + 1} picks it`);
    if (!s) return null;
    const kept = await b.eval(`localStorage.getItem("pbde-persona:${code}")`);
    check(kept === String(persona), `${name}: the pick is kept in localStorage (${kept})`);
  } else if (on) {
    check(s.persona === persona, `${name}: the first participant is given persona ${persona + 1} (page: ${s.persona === null ? "none" : s.persona + 1})`);
  }
  const shown = await b.eval(`[document.getElementById("taste").offsetParent !== null, document.getElementById("picker").offsetParent !== null,
                               document.getElementById("who").textContent]`);
  if (on) check(shown[0] && shown[1] === (mode === "own") && shown[2] === `your taste: persona ${persona + 1} of 2`,
    `${name}: the caption says "${shown[2]}"${mode === "own" ? " above the picker" : ", and no picker"}`);
  else check(!shown[0] && !shown[1], `${name}: no caption, no picker (personas off)`);

  // the canvas: A and B drawn in their buttons' colours, over the persona's map
  const q = await state(b);
  const f = await canvasFacts(b, 32);
  const minPts = f.side * f.side * 0.004;
  check(f.a > minPts && f.b > minPts, `${name}: A and B are drawn (${f.a} and ${f.b} of ${f.side} x ${f.side} pixels in their colours)`);
  // the cells clear of the points' marks (the discs the page says they
  // cover, and 3 pixels more): their darkness follows the persona's map,
  // not the other persona's
  const keep = [];
  for (let i = 0; i < 32 * 32; i++) {
    const x = Math.floor((i % 32 + 0.5) * f.side / 32), y = Math.floor((Math.floor(i / 32) + 0.5) * f.side / 32);
    if (!q.marks.some(([mx, my, mr]) => Math.hypot(x - mx, y - my) < mr + 3)) keep.push(i);
  }
  const dark = keep.map((i) => -luma(f.cells[i]));
  const darkest = Math.min(...keep.map((i) => luma(f.cells[i])));
  if (on) {
    check(f.colours >= 40, `${name}: the heatmap is drawn (${f.colours} distinct colours)`);
    const [mine, n] = agreement(keep.map((i) => pm.maps[persona][i]), dark);
    const [other] = agreement(keep.map((i) => pm.maps[1 - persona][i]), dark);
    check(mine > 0.95 && other < 0.5 && darkest < 200,
      `${name}: the heatmap is persona ${persona + 1}'s: over ${keep.length} cells clear of A and B, where its map is higher the canvas is darker in ${(100 * mine).toFixed(1)} % of ${n} pairs (the other persona's map: ${(100 * other).toFixed(1)} %); darkest luma ${darkest.toFixed(0)}`);
  } else {
    check(darkest > 240, `${name}: no heatmap: the ${keep.length} cells clear of A and B are all blank (darkest luma ${darkest.toFixed(0)})`);
  }

  // the buttons: big, below the map, inside the screen
  const btn = await Promise.all(["#a", "#b", "#none"].map((c) => where(b, c)));
  const vh = await b.eval("window.innerHeight");
  check(btn.every((r) => r && r.h >= 48 && r.w >= 120 && r.bottom <= vh && r.enabled),
    `${name}: A, B and no preference are big and on screen (${btn.map((r) => r ? r.w.toFixed(0) + "x" + r.h.toFixed(0) : "?").join(", ")} CSS px; screen ${vh} high)`);
  // nothing visible reaches past the page's side margins (main's padding
  // box): the element that comes nearest to either margin, or furthest past
  const fit = await b.eval(`(() => {
    const m = document.querySelector("main"), cs = getComputedStyle(m), mr = m.getBoundingClientRect();
    const lo = mr.left + parseFloat(cs.paddingLeft), hi = mr.right - parseFloat(cs.paddingRight);
    let worst = null;
    for (const e of m.querySelectorAll("*")) {
      const r = e.getBoundingClientRect(), st = getComputedStyle(e);
      if (r.width === 0 || st.visibility === "hidden" || st.display === "none") continue;
      const over = Math.max(lo - r.left, r.right - hi);
      if (!worst || over > worst.over) worst = { over, id: e.id || e.tagName.toLowerCase() };
    }
    return { worst, lo, hi, scroll: document.documentElement.scrollWidth, vw: innerWidth };
  })()`);
  const w = fit.worst;
  const nearest = !w ? "none visible" : Math.abs(w.over) < 0.05 ? `${w.id}, at the margin`
    : w.over > 0 ? `${w.id}, ${w.over.toFixed(1)} px past it` : `${w.id}, ${(-w.over).toFixed(1)} px inside`;
  check(w && w.over <= 0.5 && fit.scroll <= fit.vw,
    `${name}: everything fits between the side margins (${fit.lo.toFixed(1)} to ${fit.hi.toFixed(1)} CSS px; the nearest to an edge: ${nearest}; page ${fit.scroll} wide)`);
  await b.screenshot(path.join(shotDir, `room-phone-${name}.png`));

  // the vote: a tap on A
  const qid = s.question;
  await b.tap(btn[0].x, btn[0].y);
  const thanked = await until(10, async () => { const v = await state(b); return v.answered === qid && /thanks/.test(v.thanks) ? v : null; });
  check(thanked, `${name}: tapping A answers question ${qid} and the page says "${thanked ? thanked.thanks : (await state(b)).thanks}"`);
  const st = await until(10, async () => { const r = await get(port, "/api/stats"); return r.body.answers === 1 ? r.body : null; });
  check(st && st.rejected === 0, `${name}: /api/stats counts the answer (${JSON.stringify(st || (await get(port, "/api/stats")).body)})`);
  if (name === "assigned") await b.screenshot(path.join(shotDir, `room-phone-${name}-thanks.png`));
  console.log("result " + JSON.stringify({ name, question: qid, a: q.a, b: q.b, persona }));
  return true;
}

async function main() {
  // the phone's size in CSS px: env ROOM_PHONE_SIZE (WxH), 412x860 unless set
  const m = /^(\d+)x(\d+)$/.exec(process.env.ROOM_PHONE_SIZE || "412x860");
  if (!m) throw new Error("ROOM_PHONE_SIZE: WxH in CSS px, as 360x740");
  const [pw, ph] = [Number(m[1]), Number(m[2])];
  const b = await Browser.launch(pw, ph);
  try {
    await b.phone(pw, ph, 2);
    const touch = await b.eval("navigator.maxTouchPoints > 0 && matchMedia('(pointer: coarse)').matches");
    check(touch, `Chromium emulates a phone: ${pw} x ${ph} CSS px at 2 device pixels each, a touch screen`);
    if (assignedPort !== "-") await room(b, "assigned", assignedPort, "assigned", 0);
    if (ownPort !== "-") await room(b, "own", ownPort, "own", 1);
    if (offPort !== "-") await room(b, "off", offPort, "off", null);
  } catch (e) {
    check(false, String(e && e.stack || e));
    console.log(b.console.slice(-10).join("\n"));
  } finally {
    b.close();
  }
  process.exit(failed ? 1 : 0);
}
main();
