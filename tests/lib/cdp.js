// A small driver of Debian's headless Chromium over its DevTools protocol,
// for the browser edition's end-to-end test (tests/e2e/web.js): starts the
// browser on a private profile with the debugging port on 127.0.0.1,
// opens a page, evaluates expressions in it, types keys, and takes
// screenshots. The WebSocket client is Debian's node-ws.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const WebSocket = require("ws");

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// Polls fn (async) every 100 ms until it returns a truthy value or
// seconds pass; returns the value or null.
async function until(seconds, fn) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(100);
  }
}

class Browser {
  static async launch(width, height) {
    const b = new Browser();
    b.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pbde-chromium-"));
    const exe = process.env.CHROMIUM || "chromium";
    b.proc = spawn(exe, [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--no-default-browser-check", "--disable-extensions", "--mute-audio",
      "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
      "--user-data-dir=" + b.dir, "--window-size=" + width + "," + height, "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    b.stderr = "";
    b.proc.stderr.on("data", (d) => { b.stderr += d; });
    const portFile = path.join(b.dir, "DevToolsActivePort");
    const ok = await until(60, async () => fs.existsSync(portFile) && fs.readFileSync(portFile, "utf8").includes("\n"));
    if (!ok) { b.close(); throw new Error("chromium did not start: " + b.stderr.slice(-400)); }
    const port = fs.readFileSync(portFile, "utf8").split("\n")[0].trim();
    const list = await (await fetch("http://127.0.0.1:" + port + "/json/list")).json();
    const page = list.find((t) => t.type === "page");
    if (!page) { b.close(); throw new Error("chromium has no page target"); }
    b.ws = new WebSocket(page.webSocketDebuggerUrl, { perMessageDeflate: false });
    await new Promise((res, rej) => { b.ws.once("open", res); b.ws.once("error", rej); });
    b.id = 0;
    b.pending = new Map();
    b.console = [];
    b.ws.on("message", (m) => {
      const msg = JSON.parse(m);
      if (msg.id && b.pending.has(msg.id)) {
        const { res, rej } = b.pending.get(msg.id);
        b.pending.delete(msg.id);
        if (msg.error) rej(new Error(JSON.stringify(msg.error)));
        else res(msg.result);
      } else if (msg.method === "Runtime.consoleAPICalled") {
        b.console.push(msg.params.args.map((a) => a.value).join(" "));
      } else if (msg.method === "Runtime.exceptionThrown") {
        b.console.push("exception: " + JSON.stringify(msg.params.exceptionDetails).slice(0, 400));
      }
    });
    await b.send("Runtime.enable");
    await b.send("Page.enable");
    await b.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    return b;
  }

  send(method, params) {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params: params || {} }));
    return new Promise((res, rej) => {
      this.pending.set(id, { res, rej });
      setTimeout(() => {
        if (this.pending.has(id)) { this.pending.delete(id); rej(new Error(method + ": no answer in 60 s")); }
      }, 60000);
    });
  }

  async open(url) {
    await this.send("Page.navigate", { url });
  }

  // The value of expression in the page (JSON-serialisable), or undefined.
  async eval(expression) {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) return undefined;
    return r.result.value;
  }

  // Types one key: a character ("o", " ", "=") or a DevTools key name
  // ("ArrowRight", "Escape", "Enter").
  async key(k) {
    const named = { ArrowLeft: 37, ArrowUp: 38, ArrowRight: 39, ArrowDown: 40, Escape: 27, Enter: 13,
                    Backspace: 8, Tab: 9, PageUp: 33, PageDown: 34, Home: 36, End: 35, Delete: 46 };
    if (named[k]) {
      const base = { key: k, code: k, windowsVirtualKeyCode: named[k] };
      await this.send("Input.dispatchKeyEvent", Object.assign({ type: "rawKeyDown" }, base));
      await this.send("Input.dispatchKeyEvent", Object.assign({ type: "keyUp" }, base));
      return;
    }
    const code = k === " " ? "Space" : "Key" + k.toUpperCase();
    await this.send("Input.dispatchKeyEvent", { type: "keyDown", key: k, code, text: k, unmodifiedText: k });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", key: k, code });
  }

  async click(x, y) {
    for (const type of ["mousePressed", "mouseReleased"])
      await this.send("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons: type === "mousePressed" ? 1 : 0, clickCount: 1 });
  }

  // Emulates a phone: width x height CSS pixels of scale device pixels
  // each, a mobile viewport (the page's meta viewport counts) and a touch
  // screen.
  async phone(width, height, scale) {
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: scale, mobile: true,
                                                             screenWidth: width, screenHeight: height });
    await this.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
  }

  // A finger's tap at (x, y) in CSS pixels: a touch that starts and ends
  // there (the page then gets its click, as from a phone).
  async tap(x, y) {
    await this.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y }] });
    await this.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  }

  // Downloads go to dir (the page's save and screenshot buttons).
  async downloadsTo(dir) {
    await this.send("Page.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
  }

  // Chooses files for the file input selected by css, as a user would in
  // the file picker (the input's change event follows).
  async chooseFile(css, file) {
    const doc = await this.send("DOM.getDocument", {});
    const q = await this.send("DOM.querySelector", { nodeId: doc.root.nodeId, selector: css });
    await this.send("DOM.setFileInputFiles", { nodeId: q.nodeId, files: [file] });
  }

  async screenshot(file) {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(file, Buffer.from(r.data, "base64"));
  }

  close() {
    try { if (this.ws) this.ws.close(); } catch (e) { /* closing anyway */ }
    try { if (this.proc) this.proc.kill("SIGKILL"); } catch (e) { /* gone */ }
    try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch (e) { /* left in tmp */ }
  }
}

module.exports = { Browser, until, sleep };
