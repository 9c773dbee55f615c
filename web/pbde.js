// pbde in the browser: the page's glue. The WebAssembly module (src/web/web.c)
// holds the whole explorer — the session layer's keys, prompt, tours, modes
// and texts, the live training runs, the rasteriser — and this script only
// hands it the canvas size, keys, pointer and touch events and files, and
// puts the pixels it returns on the canvas once per animation frame.
"use strict";

(function () {
  const canvas = document.getElementById("screen");
  const ctx2d = canvas.getContext("2d");
  const info = document.getElementById("info");
  const loading = document.getElementById("loading");
  let M = null;          // the module
  let recorder = null;   // R: a MediaRecorder on the canvas
  let lastLink = "";
  let fps = 0, frameCount = 0, fpsSince = performance.now();

  // VIEW_KEY_* of include/view/pbde/view.h, in order from 0x110000
  const SPECIAL = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Escape", "Enter",
                   "PageUp", "PageDown", "Home", "End", "Backspace", "Delete"];

  function str(ptr) { return M.UTF8ToString(ptr); }
  function state() { return JSON.parse(str(M._pbde_web_state())); }
  function say(msg, bad) { M.ccall("pbde_web_say", null, ["string", "number"], [msg, bad ? 1 : 0]); }

  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
  function fileName(ext) { return "pbde-" + str(M._pbde_web_name()) + "." + ext; }

  function screenshot() {
    canvas.toBlob((b) => {
      if (!b) { say("screenshot failed: the browser gave no PNG", true); return; }
      const name = fileName("png");
      download(b, name);
      say("screenshot saved: " + name, false);
    }, "image/png");
  }

  function record() {
    if (recorder) { recorder.stop(); return; }
    if (!canvas.captureStream || typeof MediaRecorder === "undefined") {
      say("cannot record: this browser has no MediaRecorder", true);
      return;
    }
    const chunks = [];
    const name = fileName("webm");
    recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: "video/webm" });
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = () => {
      download(new Blob(chunks, { type: "video/webm" }), name);
      say("recorded to " + name, false);
      recorder = null;
    };
    recorder.start();
    say("recording to " + name + " (R stops)", false);
  }

  function ownAction(a) {
    if (a === 1) {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => say("fullscreen refused by the browser", true));
    } else if (a === 2) screenshot();
    else if (a === 3) record();
  }

  function key(k) { ownAction(M._pbde_web_key(k)); }

  function keyOf(e) {
    if (e.ctrlKey && !e.altKey && e.key.length === 1) {
      const c = e.key.toLowerCase().charCodeAt(0);
      if (c >= 97 && c <= 122) return c - 96;
      return -1;
    }
    if (e.altKey || e.metaKey) return -1;
    const i = SPECIAL.indexOf(e.key);
    if (i >= 0) return 0x110000 + i;
    if (e.key === "Tab") return 9;
    if ([...e.key].length === 1) return e.key.codePointAt(0);
    return -1;
  }

  function onKey(e) {
    if (!M) return;
    if (e.target && e.target.tagName === "INPUT") return;
    const k = keyOf(e);
    if (k < 0) return;
    e.preventDefault();
    key(k);
  }

  // pointer events: canvas pixels, in device pixels like the picture
  function at(e) {
    const r = canvas.getBoundingClientRect();
    return [Math.round((e.clientX - r.left) * canvas.width / r.width),
            Math.round((e.clientY - r.top) * canvas.height / r.height)];
  }
  function buttonsOf(e) {
    if (e.pointerType === "touch") return 1;
    return (e.buttons & 1 ? 1 : 0) | (e.buttons & 2 ? 2 : 0);
  }
  function pointer(kind, e) {
    if (!M) return;
    const [x, y] = at(e);
    M._pbde_web_pointer(kind, x, y, kind === 0 && e.button === 2 ? 2 : buttonsOf(e));
  }

  function fit() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(16, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(16, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  }

  function frame() {
    fit();
    const w = canvas.width, h = canvas.height;
    const ptr = M._pbde_web_frame(w, h);
    if (ptr) {
      const px = new Uint8ClampedArray(M.HEAPU8.buffer, ptr, w * h * 4);
      ctx2d.putImageData(new ImageData(px, w, h), 0, 0);
    }
    frameCount++;
    const now = performance.now();
    if (now - fpsSince >= 1000) {
      fps = frameCount * 1000 / (now - fpsSince);
      frameCount = 0;
      fpsSince = now;
      const s = state();
      info.textContent = s.kernels + " kernels · " + fps.toFixed(0) + " fps · ? lists every key";
      const link = str(M._pbde_web_link());
      if (link !== lastLink) {
        lastLink = link;
        history.replaceState(null, "", link ? "?" + link : location.pathname);
      }
    }
    requestAnimationFrame(frame);
  }

  function readInto(input, path, then) {
    const f = input.files && input.files[0];
    if (!f) return;
    f.arrayBuffer().then((buf) => {
      M.FS.writeFile(path, new Uint8Array(buf));
      then(path);
      input.value = "";
      canvas.focus();
    });
  }

  function wire() {
    window.addEventListener("keydown", onKey);
    canvas.addEventListener("pointerdown", (e) => { canvas.focus(); canvas.setPointerCapture(e.pointerId); pointer(0, e); });
    canvas.addEventListener("pointermove", (e) => pointer(1, e));
    canvas.addEventListener("pointerup", (e) => pointer(2, e));
    canvas.addEventListener("pointercancel", (e) => pointer(2, e));
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    document.getElementById("link").onclick = () => {
      const url = location.href;
      const done = () => say("link copied: " + url, false);
      if (navigator.clipboard && navigator.clipboard.writeText)
        navigator.clipboard.writeText(url).then(done, () => say("link: " + url, false));
      else say("link: " + url, false);
      canvas.focus();
    };
    const ini = document.getElementById("ini");
    ini.onchange = () => readInto(ini, "/tmp/scenario.ini", (p) => M.ccall("pbde_web_load_scenario", "number", ["string"], [p]));
    const csv = document.getElementById("csv");
    csv.onchange = () => readInto(csv, "/tmp/pairs.csv", (p) => M.ccall("pbde_web_load_pairs", "number", ["string"], [p]));
    document.getElementById("answers").onclick = () => {
      const n = M.ccall("pbde_web_save_answers", "number", ["string"], ["/tmp/answers.csv"]);
      if (n >= 0) {
        const name = fileName("answers.csv");
        download(new Blob([M.FS.readFile("/tmp/answers.csv")], { type: "text/csv" }), name);
        say(n + " answers saved: " + name, false);
      }
      canvas.focus();
    };
    document.getElementById("shot").onclick = () => { screenshot(); canvas.focus(); };
    document.getElementById("bench").onclick = () => {
      if (!M._pbde_web_bench) { say("bench: not in this build", true); return; }
      say("bench: timing the kernels…", false);
      setTimeout(() => {
        const out = M._malloc(4096);
        M._pbde_web_bench(out, 4096);
        const r = str(out);
        M._free(out);
        const j = JSON.parse(r);
        window.pbde.bench = j;
        const k = (n) => (n / 1000).toFixed(n >= 100000 ? 0 : 1) + " k";
        const t = j.train_pairs_per_s, kr = j.kernels;
        const x = (v) => "\u00d7" + (1 / v.time_ratio).toFixed(1);
        say(`bench (${j.network}, batch ${j.batch}): training ${k(t.simd)} pairs/s with ${j.simd}, ` +
            `${k(t.scalar)} scalar, ${j.pct_of_scalar.toFixed(0)} % of it; kernels ${x(kr["dense_fwd+tanh"])} forward, ` +
            `${x(kr.dense_bwd_data)} backward, ${x(kr.dense_bwd_weight)} weights`, false);
        console.log("pbde bench " + r);
      }, 50);
      canvas.focus();
    };
  }

  // the address's parameters, one "name=value" a line
  function args() {
    const q = new URLSearchParams(location.search);
    let s = "";
    for (const [k, v] of q) s += k + "=" + v.replace(/\n/g, " ") + "\n";
    return s;
  }

  window.pbde = { ready: false, error: null, state: () => state(), key: (k) => key(k), fps: () => fps };
  const opts = {};
  const kern = new URLSearchParams(location.search).get("kernels");
  if (kern) opts.preRun = [(mod) => { mod.ENV.PBDE_KERNELS = kern; }];
  createPbde(opts).then((mod) => {
    M = mod;
    const rc = M.ccall("pbde_web_start", "number", ["string"], [args()]);
    if (rc !== 0) {
      const msg = str(M._pbde_web_error());
      loading.textContent = "pbde: " + msg;
      window.pbde.error = msg;
      console.log("pbde error " + msg);
      return;
    }
    loading.remove();
    wire();
    canvas.focus();
    window.pbde.ready = true;
    requestAnimationFrame(frame);
  });
})();
