// The phones of tests/e2e/room.sh, simulated with node's own http and net
// modules (no packages): node room-client.js MODE PORT CODE [args]
//   contract            every status of the HTTP contract, the 10 MB body,
//                       slow-loris connections
//   flood               2000 connections at once
//   own                 personas the clients send themselves
//   load N Q [T P]      N participants answer Q questions each, concurrently,
//                       each thinking 0 to T ms before it answers and
//                       polling every P ms +-50% (default 0 0: at once,
//                       polling every 50 ms +-50%)
//   personas N Q GRID [LEAVE]  N participants join in turn (those of the
//                       comma list LEAVE look once and go); the rest answer
//                       Q questions in turn, each voting by its persona's
//                       component (GRID: pbde room --persona-grid's CSV, so
//                       the densities are pbde's own, not written again here)
// One line per check ("ok ..." or "FAIL ..."), info lines ("info ..."), and
// a last line "result {json}" with the counts; exits 1 when a check fails.
"use strict";
const http = require("http");
const net = require("net");
const fs = require("fs");
const { monitorEventLoopDelay } = require("perf_hooks");

const [mode, portArg, code, ...rest] = process.argv.slice(2);
const port = Number(portArg);
const host = "127.0.0.1";
let failed = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed++;
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

// One request: resolves {status, body (parsed JSON when it is), ms}.
function request(method, path, body, opts = {}) {
  return new Promise(resolve => {
    const t0 = process.hrtime.bigint();
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = http.request({ host, port, method, path, agent: opts.agent === undefined ? agent : opts.agent,
      headers: data === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) } },
    res => {
      let s = "";
      res.setEncoding("utf8");
      res.on("data", c => { s += c; });
      res.on("end", () => {
        let j = null;
        try { j = JSON.parse(s); } catch (e) { j = s; }
        resolve({ status: res.statusCode, body: j, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
      });
    });
    req.on("error", e => resolve({ status: 0, body: String(e), ms: 0 }));
    req.setTimeout(60000, () => req.destroy(new Error("timeout")));
    if (data !== undefined) req.write(data);
    req.end();
  });
}
const question = pid => request("GET", `/api/question?code=${code}&pid=${pid}`);
const answer = (pid, id, choice, extra = {}) =>
  request("POST", "/api/answer", Object.assign({ code, pid, id, choice }, extra));

// A small seeded generator, so a run's choices are the same every time.
function lcg(seed) {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 11n) / 2 ** 53;
  };
}

function quantile(xs, q) {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}

// Waits until a question after `after` is open for pid; returns it. Polls
// every pollMs, or with rnd every 0.5 to 1.5 pollMs (phones that joined at
// different moments do not poll in step). The deadline catches a hang only.
async function waitQuestion(pid, after, pollMs = 50, rnd = null) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const r = await question(pid);
    if (r.status === 200 && r.body.id !== null && r.body.id > after) return r.body;
    await sleep(rnd ? pollMs * (0.5 + rnd()) : pollMs);
  }
  throw new Error(`no question after ${after} for ${pid} within 60 s`);
}

// ----------------------------------------------------------------- contract

// A raw connection: resolves when the server closes it, with what it said.
function rawUntilClosed(onConnect, limitMs) {
  return new Promise(resolve => {
    const s = net.connect(port, host);
    let got = "", closed = false;
    const t0 = Date.now();
    const timer = setTimeout(() => { if (!closed) { s.destroy(); resolve({ closedByServer: false, got, ms: Date.now() - t0 }); } }, limitMs);
    s.on("connect", () => onConnect(s));
    s.on("data", d => { got += d.toString("latin1"); });
    s.on("error", () => {});
    s.on("close", () => {
      closed = true;
      clearTimeout(timer);
      resolve({ closedByServer: true, got, ms: Date.now() - t0, written: s.bytesWritten });
    });
  });
}

async function contract(timeoutS) {
  let accepted = 0;
  const page = await request("GET", "/");
  check(page.status === 200 && String(page.body).includes("/api/answer"), "GET / serves the phone page");
  check((await question("p1").then(r => r)).status === 200, "GET /api/question with the code: 200");
  const bad = await request("GET", `/api/question?code=WRONG&pid=p1`);
  check(bad.status === 403, `GET /api/question with a wrong code: 403 (${bad.status})`);
  const q = await waitQuestion("p1", 0);
  check(q.id === 1 && q.a.length === 2 && q.b.length === 2 && q.box > 0, `the first question: id 1, a, b, box (${JSON.stringify(q)})`);
  let r = await answer("p1", q.id, "a");
  check(r.status === 200 && r.body.ok === true && r.body.answers === 1, `an answer: 200 {"ok":true,"answers":1} (${JSON.stringify(r.body)})`);
  if (r.status === 200) accepted++;
  r = await answer("p1", q.id, "b");
  check(r.status === 409, `the same pid again on the same question: 409 (${r.status} ${JSON.stringify(r.body)})`);
  r = await request("POST", "/api/answer", { code: "WRONG", pid: "p2", id: q.id, choice: "a" });
  check(r.status === 403, `a wrong code: 403 (${r.status})`);
  r = await request("POST", "/api/answer", '{"code":"' + code + '","pid":');
  check(r.status === 400, `malformed JSON: 400 (${r.status})`);
  r = await request("POST", "/api/answer", '[1,2]');
  check(r.status === 400, `JSON that is not an object: 400 (${r.status})`);
  r = await request("POST", "/api/answer", { code, pid: "p2", id: q.id, choice: "c" });
  check(r.status === 400, `a bad choice: 400 (${r.status})`);
  r = await request("POST", "/api/answer", { code, pid: "p2", id: "1", choice: "a" });
  check(r.status === 400, `an id that is not an integer: 400 (${r.status})`);
  r = await request("POST", "/api/answer", { code, pid: "bad pid!", id: q.id, choice: "a" });
  check(r.status === 400, `a bad pid: 400 (${r.status})`);
  r = await answer("p2", q.id + 5, "a");
  check(r.status === 409, `a question not open yet: 409 (${r.status})`);
  r = await answer("p2", q.id, "none");
  check(r.status === 200, `no preference: 200 (${r.status})`);
  r = await answer("p3", q.id, "b"); // the third closes question 1
  check(r.status === 200 && r.body.answers === 2, `the third answer: 200, 2 preferences (${JSON.stringify(r.body)})`);
  if (r.status === 200) accepted++;
  r = await answer("p4", q.id, "a");
  check(r.status === 409, `a stale question: 409 (${r.status} ${JSON.stringify(r.body)})`);
  const q2 = await waitQuestion("p4", q.id);
  check(q2.id === 2, `the next question opens: id 2 (${q2.id})`);

  // the rate limit: 30 answers at once from one pid (10/s allowed)
  const burst = await Promise.all(Array.from({ length: 30 }, () => answer("p1", 1, "a")));
  const n429 = burst.filter(x => x.status === 429).length;
  check(n429 > 0 && burst.every(x => x.status === 429 || x.status === 409), `a burst of 30 from one pid: ${n429} refused with 429, the rest 409`);

  // bodies over 1 KB are refused from their Content-Length, unread
  r = await request("POST", "/api/answer", JSON.stringify({ code, pid: "p5", id: 2, choice: "a", pad: "x".repeat(2000) }));
  check(r.status === 413, `a 2 KB body: 413 (${r.status} ${JSON.stringify(r.body)})`);
  const big = 10 * 1024 * 1024;
  const head = `POST /api/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big}\r\n`;
  // as curl sends one: it waits for the server's word before the body
  const asked = await rawUntilClosed(s => s.write(head + "Expect: 100-continue\r\n\r\n"), 60000);
  check(/^HTTP\/1\.1 413/.test(asked.got) && asked.closedByServer && asked.written === Buffer.byteLength(head) + 24,
    `a 10 MB body announced with Expect: 100-continue: 413, the body never sent (${asked.got.split("\r\n")[0]})`);
  // sent blindly: the server closes before it has all (after its 413, which
  // the client may or may not read first: closing on unread data resets)
  const res = await rawUntilClosed(s => {
    s.write(head + "\r\n");
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < big && !s.destroyed) {
        sent += chunk.length;
        if (!s.write(chunk)) { s.once("drain", pump); return; }
      }
    };
    pump();
  }, 60000);
  check(res.closedByServer && res.written < big, `a 10 MB body sent blindly: the server closed after ${res.written} of ${big} bytes`);
  console.log(`info 10 MB body sent blindly: ${(res.written / 1048576).toFixed(2)} MB written before the close; ` +
    `reply read first: ${res.got.split("\r\n")[0] || "none (reset)"}`);

  // slow loris: half a request, then silence; and a trickle slower than the timeout
  const limit = (3 * timeoutS + 10) * 1000; // catches only a hang
  const loris = await Promise.all([
    ...Array.from({ length: 20 }, () => rawUntilClosed(s => s.write("GET /api/stats HTTP/1.1\r\nHost: x\r\n"), limit)),
    rawUntilClosed(s => {
      const text = "GET /api/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      let i = 0;
      const tick = () => { if (i < text.length && !s.destroyed) { s.write(text[i++]); setTimeout(tick, 1500 * timeoutS); } };
      tick();
    }, limit),
  ]);
  check(loris.every(x => x.closedByServer && x.got === ""), `21 slow-loris connections dropped by the timeout, unanswered`);
  console.log(`info slow loris dropped after ${quantile(loris.map(x => x.ms), 0.5)} ms (median; timeout ${timeoutS} s)`);

  const after = await request("GET", "/api/stats", undefined, { agent: false });
  const st = after.body;
  check(st.answers === accepted && st.abstained === 1 && st.participants === 4, `stats count ${st.answers} answers (${accepted} accepted), 1 abstained, 4 participants (${JSON.stringify(st)})`);
  // the room remembers --max-participants 5: the sixth pid is refused
  const fifth = await question("p5"), sixth = await question("p6");
  const late = await answer("p6", 2, "a");
  check(fifth.status === 200 && sixth.status === 503 && late.status === 503,
    `the room full at 5 participants: the 5th joins (${fifth.status}), the 6th is refused (${sixth.status}, answer ${late.status})`);
  return { accepted, stats: st };
}

// 2000 connections at once, left idle: the server still answers meanwhile,
// then each asks for the stats.
async function flood() {
  // 2000 connections at once, left idle: the server still answers meanwhile
  const socks = [];
  let connected = 0, closedEarly = 0;
  await new Promise(resolve => {
    let settled = 0;
    for (let i = 0; i < 2000; i++) {
      const s = net.connect(port, host);
      s.on("connect", () => { connected++; if (++settled === 2000) resolve(); });
      s.on("error", () => { if (++settled === 2000) resolve(); });
      s.on("close", () => { closedEarly++; });
      socks.push(s);
    }
  });
  check(connected === 2000, `2000 connections open at once (${connected} connected, ${closedEarly} closed since)`);
  const during = await request("GET", "/api/stats", undefined, { agent: false });
  check(during.status === 200, `the server answers while they are open (${during.status}, ${during.ms.toFixed(1)} ms)`);
  // each of them asks something: all answered
  const replies = await Promise.all(socks.map(s => new Promise(resolve => {
    if (s.destroyed) return resolve(false);
    let got = "";
    s.on("data", d => { got += d.toString("latin1"); if (got.includes("\r\n\r\n")) resolve(got.startsWith("HTTP/1.1 200")); });
    s.on("close", () => resolve(got.startsWith("HTTP/1.1 200")));
    s.write(`GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n`);
  })));
  const ok200 = replies.filter(Boolean).length;
  check(ok200 === 2000, `each of the 2000 asks for the stats: ${ok200} answered 200`);
  for (const s of socks) s.destroy();
  await sleep(200);
  const after = await request("GET", "/api/stats", undefined, { agent: false });
  check(after.status === 200, `the server answers afterwards (${after.status})`);
  return { connected, answered: ok200 };
}

// --------------------------------------------------------------------- load

// One participant: Q questions, each answered as a person would, thinking
// 0 to pace.thinkMs after it appears (pace.rnd, its own seeded stream, so
// the choices do not depend on the pacing). A 429 ("slow down") is pressed
// again 200 ms later, as on the phone; every attempt's latency is kept.
async function participantLoop(pid, Q, choose, lat, counts, pace) {
  let last = 0;
  for (let k = 0; k < Q; k++) {
    const q = await waitQuestion(pid, last, pace.pollMs, pace.rnd);
    if (pace.thinkMs > 0) await sleep(pace.thinkMs * pace.rnd());
    const c = choose(q);
    let r;
    for (let tries = 0; ; tries++) {
      r = await answer(pid, q.id, c);
      lat.push(r.ms);
      if (r.status !== 429 || tries >= 50) break;
      counts.slowed++;
      await sleep(200);
    }
    if (r.status === 200) counts.ok++;
    else { counts.refused++; console.log(`info ${pid} question ${q.id}: ${r.status} ${JSON.stringify(r.body)}`); }
    last = q.id;
  }
}

// The pacing of a participant: think and poll times, its own stream.
const pacing = (seed, thinkMs, pollMs) => ({ thinkMs, pollMs, rnd: lcg(seed) });

// N participants answer Q questions each, all at once, paced by thinkMs
// and pollMs (0 0: every answer sent the moment its question is seen,
// polling every 50 ms: bursts that measure this one client's own speed).
// Reports the latencies the clients see, this process's event-loop delay
// and CPU time (how much of the latency is the client's own), and the
// server's time per answer from /api/stats.
async function load(N, Q, thinkMs, pollMs) {
  const lat = [], counts = { ok: 0, refused: 0, slowed: 0 };
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const cpu0 = process.cpuUsage(), t0 = Date.now();
  await Promise.all(Array.from({ length: N }, (_, i) => {
    const rnd = lcg(1000 + i);
    return participantLoop(`load${i}`, Q, () => (rnd() < 0.5 ? "a" : "b"), lat, counts,
      pacing(5000 + i, thinkMs, pollMs || 50));
  }));
  const s = (Date.now() - t0) / 1000, cpu = process.cpuUsage(cpu0);
  eld.disable();
  console.log(`info ${counts.ok} answers in ${s.toFixed(2)} s (think 0 to ${thinkMs} ms, poll every ${pollMs || 50} ms` +
    ` +-50%); client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, ` +
    `event-loop delay p99 ${(eld.percentile(99) / 1e6).toFixed(1)} ms`);
  console.log(`info answer latency p50 ${quantile(lat, 0.5).toFixed(2)} ms, p99 ${quantile(lat, 0.99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`);
  check(counts.ok === N * Q && counts.refused === 0 && counts.slowed === 0,
    `${N} participants x ${Q} questions: ${counts.ok} accepted, ${counts.refused} refused, ${counts.slowed} slowed down`);
  const st = (await request("GET", "/api/stats")).body;
  console.log(`info the server's time per answer p50 ${st.answer_ms_p50} ms, p99 ${st.answer_ms_p99} ms, max ${st.answer_ms_max} ms`);
  check(st.answers === counts.ok && st.participants === N, `stats: ${st.answers} answers, ${st.participants} participants`);
  return { accepted: counts.ok, stats: st, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

// ---------------------------------------------------------------------- own

// personas = own: the client says who it is; the room writes it down.
async function own() {
  const q = await waitQuestion("o1", 0);
  check(q.persona === null, `with personas own the room assigns none (${q.persona})`);
  let r = await answer("o1", q.id, "a");
  check(r.status === 400, `an answer without its persona: 400 (${r.status})`);
  r = await answer("o1", q.id, "a", { persona: 70000 });
  check(r.status === 400, `a persona out of range: 400 (${r.status})`);
  r = await answer("o1", q.id, "a", { persona: 7 });
  check(r.status === 200, `persona 7: 200 (${r.status})`);
  r = await answer("o2", q.id, "b", { persona: 3 });
  check(r.status === 200, `persona 3: 200 (${r.status})`);
  return { accepted: 2 };
}

// ----------------------------------------------------------------- personas

// pbde's component log-densities on its grid: lookup by the cell of (x, y).
function readGrid(path) {
  const lines = fs.readFileSync(path, "utf8").trim().split("\n");
  const K = lines[0].split(",").length - 2;
  const rows = lines.slice(1).map(l => l.split(",").map(Number));
  const G = Math.round(Math.sqrt(rows.length));
  const L = -rows[0][0] + (rows[1][0] - rows[0][0]) / 2;
  const cell = 2 * L / G;
  const at = (k, x, y) => {
    const i = Math.min(G - 1, Math.max(0, Math.floor((x + L) / cell)));
    const j = Math.min(G - 1, Math.max(0, Math.floor((y + L) / cell)));
    return rows[j * G + i][2 + k];
  };
  return { K, at };
}

// N participants join one after the other, so the room hands them personas
// 0, 1, 0, 1, ... in that order; those listed in `leave` look at the first
// question and go. The others answer Q questions in turn, one answer each
// (the room closes a question at its first answer): so every question is
// a new pair, labelled by one persona the model is not told, as in the
// paper's pooled data, and each persona's share of the answers is fixed by
// who stayed. A persona votes by Luce on its own component's log-density.
// Turn by turn the CSV comes out the same every run (the question stream
// and each voter's choices are seeded).
async function personas(N, Q, gridPath, leave) {
  const g = readGrid(gridPath);
  const counts = { ok: 0, refused: 0 }, voters = [], handed = [];
  for (let i = 0; i < N; i++) {
    const pid = `voter${i}`;
    const k = (await waitQuestion(pid, 0)).persona;
    handed.push(k);
    if (leave.includes(i)) continue;
    const rnd = lcg(7000 + i);
    // P(a > b) = sigmoid(log p_k(a) - log p_k(b))
    const choose = q => {
      const d = g.at(k, q.a[0], q.a[1]) - g.at(k, q.b[0], q.b[1]);
      return rnd() < 1 / (1 + Math.exp(-d)) ? "a" : "b";
    };
    voters.push({ pid, choose });
  }
  check(handed.every((k, i) => k === i % g.K), `personas handed out in turn: ${JSON.stringify(handed)}`);
  let last = 0;
  for (let t = 0; t < Q; t++) {
    const v = voters[t % voters.length];
    const q = await waitQuestion(v.pid, last, 1);
    const r = await answer(v.pid, q.id, v.choose(q));
    if (r.status === 200) counts.ok++;
    else { counts.refused++; console.log(`info ${v.pid} question ${q.id}: ${r.status} ${JSON.stringify(r.body)}`); }
    last = q.id;
  }
  check(counts.ok === Q && counts.refused === 0,
    `${voters.length} of ${N} stayed and answered ${Q} questions in turn: ${counts.ok} accepted, ${counts.refused} refused`);
  return { accepted: counts.ok, handed };
}

(async () => {
  let result;
  if (mode === "contract") result = await contract(Number(rest[0] || 2));
  else if (mode === "flood") result = await flood();
  else if (mode === "own") result = await own();
  else if (mode === "load") result = await load(Number(rest[0]), Number(rest[1]), Number(rest[2] || 0), Number(rest[3] || 0));
  else if (mode === "personas") result = await personas(Number(rest[0]), Number(rest[1]), rest[2], (rest[3] || "").split(",").filter(x => x).map(Number));
  else { console.log(`FAIL unknown mode ${mode}`); process.exit(2); }
  console.log(`result ${JSON.stringify(result)}`);
  agent.destroy();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log(`FAIL ${e.stack}`); process.exit(1); });
