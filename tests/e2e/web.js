// The browser edition end to end (run by tests/e2e/web.sh): serves
// build/web on 127.0.0.1, opens it in headless Chromium and checks
//   - the page with the scalar kernels trains like `pbde train` with
//     PBDE_KERNELS=scalar: the same KL after the same steps (within 2 %
//     relative; the two differ only in libm's last bits), and with the
//     wasm SIMD kernels (the relative difference is printed);
//   - the picture: three heatmap panels, each of many colours, and KL
//     falling while it trains (a screenshot is saved);
//   - keys: space pauses, o changes the objective, h asks questions and
//     the arrow keys answer them, ? opens the help; and a link holds the
//     parameters (the address after :set, opened again, keeps them).
// Prints one line per check; exits non-zero when any fails. Every wait
// is for what the page reports, with a bound that fires only on a hang.
"use strict";
const http = require("http");
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { Browser, until } = require("../lib/cdp.js");

const root = path.resolve(__dirname, "../..");
const webDir = process.env.PBDE_WEB || path.join(root, "build/web");
const pbde = process.env.PBDE || path.join(root, "build/pbde");
const shotDir = process.env.PBDE_WEB_SHOTS || fs.mkdtempSync("/tmp/pbde-web-");
const scale = Number(process.env.PBDE_WAIT_SCALE || 12);
let fails = 0;
function ok(m) { console.log("  ok   " + m); }
function bad(m) { console.log("  FAIL " + m); fails++; }

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
                ".png": "image/png" };
function serve() {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, "http://127.0.0.1");
    let p = decodeURIComponent(u.pathname);
    if (p === "/") p = "/index.html";
    const file = path.join(webDir, path.normalize(p));
    if (!file.startsWith(webDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404);
      res.end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r(server)));
}

// KL(p*||pi_theta) of `pbde train` with these settings
function trainKL(args, kernels) {
  const out = execFileSync(pbde, ["train", "--threads", "1", "--json", ...args], {
    env: Object.assign({}, process.env, { PBDE_KERNELS: kernels }), encoding: "utf8" });
  return Number(JSON.parse(out).kl_true_model);
}

async function openPage(b, base, query) {
  await b.open(base + "/?" + query);
  const ready = await until(30 * scale / 12 + 60, () => b.eval("window.pbde && (window.pbde.ready || window.pbde.error)"));
  const err = await b.eval("window.pbde && window.pbde.error");
  if (!ready || err) throw new Error("the page did not start: " + (err || "no answer") + " " + b.console.slice(-3).join(" | "));
}
const state = (b) => b.eval("window.pbde.state()");

// distinct colours in each panel of the canvas
function panelColours(b) {
  return b.eval(`(() => {
    const c = document.getElementById("screen"), g = c.getContext("2d");
    return window.pbde.state().layout.map(([x, y, w, h]) => {
      const d = g.getImageData(x, y, w, h).data, seen = new Set();
      for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
  })()`);
}

async function trainedLike(b, base, kernels, steps, seed) {
  const args = ["--steps", String(steps), "--seed", String(seed)];
  await openPage(b, base, `kernels=${kernels}&steps=${steps}&seed=${seed}`);
  const first = await until(60 * scale, async () => { const s = await state(b); return s.step > 0 && isFinite(s.kl) ? s : null; });
  const done = await until(60 * scale, async () => { const s = await state(b); return s.state === "done" ? s : null; });
  if (!first || !done) { bad(`${kernels}: training to step ${steps} ends (done)`); return null; }
  const want = trainKL(args, kernels === "wasm-simd" ? "scalar" : kernels);
  const rel = Math.abs(done.kl - want) / want;
  return { first, done, want, rel };
}

async function main() {
  for (const f of ["index.html", "pbde.js", "pbde-wasm.js", "pbde-wasm.wasm"])
    if (!fs.existsSync(path.join(webDir, f))) { bad(`${webDir}/${f} is missing (make web builds it)`); process.exit(1); }
  const server = await serve();
  const base = "http://127.0.0.1:" + server.address().port;
  const b = await Browser.launch(1280, 760);
  try {
    // 1. scalar kernels against pbde train
    const steps = 60, seed = 5;
    const sc = await trainedLike(b, base, "scalar", steps, seed);
    if (sc) {
      const msg = `${sc.done.kernels} kernels: KL after ${steps} steps ${sc.done.kl.toPrecision(8)} in the page, ${sc.want.toPrecision(8)} by PBDE_KERNELS=scalar pbde train (${(100 * sc.rel).toPrecision(2)} % apart)`;
      if (sc.rel <= 0.02) ok(msg); else bad(msg + ": more than 2 %");
    }
    // 2. the SIMD kernels, and the picture
    const kern = (await state(b)).kernels;
    const sm = await trainedLike(b, base, "wasm-simd", steps, seed);
    if (sm) {
      const k = sm.done.kernels;
      const msg = `${k} kernels: KL after ${steps} steps ${sm.done.kl.toPrecision(8)}, scalar pbde train ${sm.want.toPrecision(8)} (${(100 * sm.rel).toPrecision(2)} % apart)`;
      if (k !== "wasm-simd") bad(`the page runs the wasm SIMD kernels when asked (it runs ${k}; scalar ran ${kern})`);
      else if (sm.rel <= 0.05) ok(msg); else bad(msg + ": more than 5 %");
      if (sm.done.kl < sm.first.kl) ok(`KL falls while it trains: ${sm.first.kl.toFixed(3)} at step ${sm.first.step}, ${sm.done.kl.toFixed(3)} at step ${sm.done.step}`);
      else bad(`KL falls while it trains: ${sm.first.kl} at step ${sm.first.step}, ${sm.done.kl} at the end`);
      await until(10 * scale, async () => (await state(b)).frames > 2);
      const cols = await panelColours(b);
      if (cols && cols.length >= 3 && cols.slice(0, 3).every((n) => n >= 24)) ok(`three heatmap panels, ${cols.slice(0, 3).join(", ")} colours`);
      else bad(`three heatmap panels of many colours (got ${JSON.stringify(cols)})`);
      await b.screenshot(path.join(shotDir, "web-trained.png"));
    }

    // 3. keys on the default scenario
    await openPage(b, base, "seed=1");
    let s = await until(60 * scale, async () => { const v = await state(b); return v.step > 0 && v.state === "training" ? v : null; });
    if (!s) bad("the default scenario trains (step > 0, training)");
    const fps = await until(10 * scale, () => b.eval("window.pbde.fps()"));
    console.log(`  info the page draws ${fps ? fps.toFixed(0) : "?"} frames per second while it trains`);
    await b.key(" ");
    s = await until(10 * scale, async () => { const v = await state(b); return v.state === "paused" ? v : null; });
    if (s) ok(`space pauses (step ${s.step}, paused)`); else bad("space pauses");
    const obj0 = (await state(b)).objective;
    await b.key("o");
    s = await until(10 * scale, async () => { const v = await state(b); return v.objective !== obj0 ? v : null; });
    if (s) ok(`o changes the objective: ${obj0} -> ${s.objective}`); else bad(`o changes the objective (still ${obj0})`);
    await b.key("?");
    s = await until(10 * scale, async () => { const v = await state(b); return v.help ? v : null; });
    if (s) ok("? opens the help"); else bad("? opens the help");
    await b.key("x");
    await until(10 * scale, async () => !(await state(b)).help);
    await b.key("h");
    s = await until(30 * scale, async () => { const v = await state(b); return v.question > 0 ? v : null; });
    if (s) ok(`h asks question ${s.question}`); else bad("h asks a question");
    for (const k of ["ArrowLeft", "ArrowRight", "ArrowLeft"]) {
      const n0 = (await state(b)).answers;
      await b.key(k);
      await until(30 * scale, async () => { const v = await state(b); return v.answers > n0 && v.question > 0; });
    }
    s = await state(b);
    if (s.answers === 3) ok(`three answers with the arrow keys (${s.answers} answers, question ${s.question})`);
    else bad(`three answers with the arrow keys (${s.answers} answers)`);
    await b.screenshot(path.join(shotDir, "web-annotate.png"));

    // 4. a link holds the parameters
    await openPage(b, base, "seed=2&paused=1");
    for (const line of [":set beta 8", ":set objective dpo"]) {
      for (const k of line) await b.key(k);
      await b.key("Enter");
    }
    const want = (v) => v.includes("beta=8") && v.includes("objective=dpo");
    const link = await until(10 * scale, async () => { const v = await b.eval("location.search"); return want(v) ? v : null; });
    if (link) {
      await openPage(b, base, link.slice(1));
      s = await until(30 * scale, async () => { const v = await state(b); return v.objective === "dpo" ? v : null; });
      const q = await b.eval("location.search");
      if (s && want(q)) ok(`the address holds :set beta 8 and :set objective dpo (${link}); opened again it runs dpo`);
      else bad(`the link ${link} opened again runs ${s ? s.objective : "?"} at ${q}`);
    } else bad(`:set beta 8 and :set objective dpo show in the address (${await b.eval("location.search")})`);

    // 5. files: a scenario and a pairs file by the file picker, the
    // answers and a screenshot by download
    const dl = fs.mkdtempSync(path.join(shotDir, "downloads-"));
    await b.downloadsTo(dl);
    await openPage(b, base, "seed=3&paused=1");
    const ini = path.join(dl, "ring.ini");
    fs.writeFileSync(ini, "[world]\ndensity = ring\n\n[objective]\nobjective = dpo\n");
    await b.chooseFile("#ini", ini);
    s = await until(30 * scale, async () => { const v = await state(b); return v.density === "ring" && v.objective === "dpo" ? v : null; });
    if (s) ok(`a scenario file from the picker runs (density ${s.density}, objective ${s.objective})`);
    else bad(`a scenario file from the picker runs (${JSON.stringify(await state(b)).slice(0, 200)})`);
    const csv = path.join(dl, "pairs.csv");
    execFileSync(pbde, ["sample", "--pairs", "400", "--seed", "3", "--out", csv]);
    await b.chooseFile("#csv", csv);
    s = await until(30 * scale, async () => { const v = await state(b); return v.pairs_file ? v : null; });
    if (s) ok(`a pairs file from the picker is trained on (pairs-file ${s.pairs_file}: ${(await b.eval("window.pbde.state().status"))})`);
    else bad(`a pairs file from the picker is trained on (${JSON.stringify(await state(b)).slice(0, 300)})`);
    await b.key("h");
    await until(30 * scale, async () => (await state(b)).question > 0);
    for (const k of ["ArrowLeft", "ArrowRight"]) {
      const n0 = (await state(b)).answers;
      await b.key(k);
      await until(30 * scale, async () => (await state(b)).answers > n0);
    }
    await b.eval("document.getElementById('answers').click()");
    await b.eval("document.getElementById('shot').click()");
    const files = await until(30 * scale, () => {
      const f = fs.readdirSync(dl).filter((n) => !n.endsWith(".crdownload"));
      const a = f.find((n) => n.endsWith(".answers.csv")), p = f.find((n) => n.endsWith(".png"));
      return a && p ? { a, p } : null;
    });
    if (files) {
      const rows = fs.readFileSync(path.join(dl, files.a), "utf8").trim().split("\n").filter((l) => /^-?[0-9]/.test(l));
      const sig = fs.readFileSync(path.join(dl, files.p)).subarray(0, 8).toString("hex");
      if (rows.length === 2) ok(`save answers downloads ${files.a} with the 2 answers`);
      else bad(`save answers downloads ${files.a} with the 2 answers (${rows.length} rows)`);
      if (sig === "89504e470d0a1a0a") ok(`screenshot downloads ${files.p}, a PNG`);
      else bad(`screenshot downloads a PNG (${files.p} starts ${sig})`);
    } else bad(`save answers and screenshot download files (${fs.readdirSync(dl).join(", ")})`);

    // 6. the page's bench (figures printed, not judged: speed is measured, not tested)
    await b.eval("document.getElementById('bench').click()");
    const j = await until(60 * scale, () => b.eval("window.pbde.bench"));
    if (j) {
      ok(`the bench button times the kernels (${j.seconds} s)`);
      console.log(`  info bench in Chromium: ${j.network} training ${j.train_pairs_per_s.simd} pairs/s with ${j.simd}, ${j.train_pairs_per_s.scalar} scalar (${j.pct_of_scalar} % of scalar); kernels alone, simd/scalar time: ` +
        Object.entries(j.kernels).map(([k, v]) => `${k} ${v.time_ratio}`).join(", "));
    } else bad("the bench button times the kernels");
  } catch (e) {
    bad(String(e && e.stack || e));
    console.log(b.console.slice(-10).join("\n"));
  } finally {
    b.close();
    server.close();
  }
  console.log(`  info screenshots in ${shotDir}`);
  process.exit(fails ? 1 : 0);
}
main();
