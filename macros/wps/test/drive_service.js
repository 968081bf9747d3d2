/*
 * Drives the add-in's own code against a REAL `xlrubric serve` (started by tests/test_wps_service.py, which
 * reads the JSON this prints). Not a *.test.js file: it needs that service.
 *
 *   node drive_service.js exchange <book> <not-a-school-book>   js/http.js: ping, CORS preflight, compute, 401
 *   node drive_service.js button <book>                         the whole button (js/compute.js) with the fake
 *                                                               WPS object model and the real service
 * Environment: XLRUBRIC_PORT, XLRUBRIC_TOKEN, XLRUBRIC_PYTHON (reads the reopened file's sheet names).
 */
"use strict";
const http = require("node:http");
const { execFileSync } = require("node:child_process");
const { createClient } = require("../js/http.js");
const { xlrubricCompute } = require("../js/compute.js");
const { fakeWps } = require("./fake_wps.js");

const port = Number(process.env.XLRUBRIC_PORT);
const token = process.env.XLRUBRIC_TOKEN;

function preflight() {
  // What WPS's Chromium sends before the POST from the add-in's file:// page (origin "null").
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/api/wps/compute", method: "OPTIONS", headers: {
      Origin: "null", "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type,x-xlrubric-token" } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, allowOrigin: res.headers["access-control-allow-origin"] || null,
        allowHeaders: (res.headers["access-control-allow-headers"] || "").toLowerCase() });
    });
    req.on("error", reject);
    req.end();
  });
}

async function kindOf(promise) {
  try {
    return { answer: await promise };
  } catch (e) {
    return { kind: e.kind, status: e.status };
  }
}

async function exchange(book, other) {
  const client = createClient({ port, token });
  return {
    ping: await client.ping(2000),
    preflight: await preflight(),
    badToken: await kindOf(createClient({ port, token: token + "x" }).compute(book, null, 60000)),
    noToken: await kindOf(createClient({ port, token: "" }).compute(book, null, 60000)),
    other: await kindOf(client.compute(other, null, 120000)),
    book: await kindOf(client.compute(book, null, 120000)),
  };
}

/** The sheet names the workbook file really holds (read by the Python that runs the tests). */
function sheetsOnDisk(file) {
  const code = "import sys, json; from python_calamine import CalamineWorkbook as W; "
    + "print(json.dumps(W.from_path(sys.argv[1]).sheet_names))";
  return JSON.parse(execFileSync(process.env.XLRUBRIC_PYTHON, ["-c", code, file], { encoding: "utf8" }));
}

async function button(book) {
  const wps = fakeWps({ path: book, sheetsOnDisk });
  const alerts = [];
  const shell = [];
  const outcome = await xlrubricCompute({
    config: { port, token, python: process.execPath, serveArgs: "-e 0", command: "xlrubric serve",
      pingTimeoutMs: 2000, pollMs: 200, startTimeoutMs: 2000, computeTimeoutMs: 120000 },
    app: wps.app,
    client: createClient({ port, token }),
    shell: (program, args) => shell.push([program, args]),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    alert: (m) => alerts.push(m),
    prompt: () => null,
  });
  return { outcome, alerts, shell, log: wps.log };
}

(async () => {
  const [mode, ...args] = process.argv.slice(2);
  const result = mode === "exchange" ? await exchange(...args) : await button(...args);
  process.stdout.write(JSON.stringify(result));
})().catch((e) => {
  process.stderr.write(String(e && e.stack));
  process.exit(1);
});
