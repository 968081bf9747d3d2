/*
 * The page as WPS loads it: the scripts index.html names, in its order, in one global scope (a vm context
 * standing in for the add-in's page). Every callback ribbon.xml names must be a global function there,
 * and the button's callback must drive the flow through the real WPS globals (Application, wps.OAAssist,
 * alert) — here the fake object model.
 */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { fakeWps } = require("./fake_wps.js");

const ROOT = path.join(__dirname, "..");

function scriptsOfIndex() {
  const html = fs.readFileSync(path.join(ROOT, "index.html"), "utf8");
  return [...html.matchAll(/<script\s+src="([^"]+)"/g)].map((m) => m[1]);
}

function ribbonCallbacks() {
  const xml = fs.readFileSync(path.join(ROOT, "ribbon.xml"), "utf8");
  return [...new Set([...xml.matchAll(/\s(on[A-Z]\w*|get[A-Z]\w*)="([^"]+)"/g)].map((m) => m[2]))];
}

function loadPage(globals) {
  const context = vm.createContext({ setTimeout, clearTimeout, Promise, JSON, Object, console, ...globals });
  context.globalThis = context;
  for (const src of scriptsOfIndex()) {
    vm.runInContext(fs.readFileSync(path.join(ROOT, src), "utf8"), context, { filename: src });
  }
  return context;
}

test("index.html loads the config, the modules and main.js, all present", () => {
  const scripts = scriptsOfIndex();
  assert.deepEqual(scripts, ["config.js", "js/http.js", "js/compute.js", "main.js"]);
  for (const src of scripts) assert.ok(fs.existsSync(path.join(ROOT, src)), src);
});

test("every callback ribbon.xml names is a global function of the page", () => {
  const callbacks = ribbonCallbacks();
  assert.deepEqual(callbacks.sort(), ["GetImage", "OnAction", "OnAddinLoad"]);
  const page = loadPage({});
  for (const name of callbacks) assert.equal(typeof page[name], "function", name);
  const image = page.GetImage({ Id: "xlrubricCompute" });
  assert.ok(fs.existsSync(path.join(ROOT, image)), image);
  assert.equal(page.OnAddinLoad({}), true);
});

test("the button wires WPS's own objects: starts the service through wps.OAAssist.ShellExecute", async () => {
  const wps = fakeWps();
  const alerts = [];
  const shell = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const page = loadPage({
    Application: wps.app,
    wps: { OAAssist: { ShellExecute: (program, args) => shell.push([program, args]) } },
    alert: (m) => { alerts.push(m); done(); },
    prompt: () => null,
    fetch: async () => { throw new TypeError("Failed to fetch"); },   // nothing listens
  });
  page.XLRUBRIC_CONFIG = { token: "t", python: "C:\\Python311\\pythonw.exe", serveArgs: "-m xlrubric serve",
    command: "xlrubric serve", pollMs: 5, startTimeoutMs: 20 };
  assert.equal(page.OnAction({ Id: "xlrubricCompute" }), true);
  assert.equal(page.OnAction({ Id: "xlrubricCompute" }), true, "a second click while busy is ignored");
  await finished;
  assert.deepEqual(shell, [["C:\\Python311\\pythonw.exe", "-m xlrubric serve"]]);
  assert.equal(alerts.length, 1);
  assert.match(alerts[0], /计算服务（xlrubric serve）没有启动/);
  assert.deepEqual(wps.log, []);
});
