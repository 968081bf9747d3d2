/*
 * The add-in's side of the HTTP contract with `xlrubric serve` (xlrubric/serve/discovery.py):
 *   GET  http://127.0.0.1:<port>/api/ping         -> {"app": "xlrubric", "version": ...}   (no token)
 *   POST http://127.0.0.1:<port>/api/wps/compute  header X-Xlrubric-Token, JSON {"path", "password"?}
 *        -> 200 {"ok", "exit_code", "title", "message", "result_sheet", "backup", "summary"}; 401 bad token.
 *
 * Uses `fetch`, which the Chromium inside WPS 2019+ provides (the page is loaded from file://, so the service
 * answers CORS for origin `null`); Node 20 has the same `fetch`, so the tests run this exact code against the
 * real service. Plain script (no build step): a global in WPS, a CommonJS export under Node.
 */

var XLRUBRIC_TOKEN_HEADER = "X-Xlrubric-Token";

/** A failed exchange, with `kind`: "down" (nothing listening / network), "timeout", "auth" (401),
 *  "http" (another status) or "bad" (an answer that is not the contract's JSON). */
function XlrubricHttpError(kind, status, detail) {
  var err = new Error(kind + (status ? " " + status : "") + (detail ? ": " + detail : ""));
  err.kind = kind;
  err.status = status || 0;
  return err;
}

function createClient(options) {
  var base = "http://127.0.0.1:" + options.port;
  var fetchImpl = options.fetch || (typeof fetch === "function" ? fetch : null);

  async function exchange(method, path, headers, body, timeoutMs) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = null;
    var timedOut = false;
    var expiry = new Promise(function (_, reject) {
      timer = setTimeout(function () {
        timedOut = true;
        if (controller) controller.abort();
        reject(XlrubricHttpError("timeout"));
      }, timeoutMs);
    });
    try {
      var init = { method: method, headers: headers, body: body, cache: "no-store" };
      if (controller) init.signal = controller.signal;
      var response;
      try {
        response = await Promise.race([fetchImpl(base + path, init), expiry]);
      } catch (e) {
        if (e && e.kind) throw e;
        throw XlrubricHttpError(timedOut ? "timeout" : "down", 0, String(e && e.message));
      }
      var text = await Promise.race([response.text(), expiry]);
      return { status: response.status, text: text };
    } finally {
      clearTimeout(timer);
      expiry.catch(function () {});
    }
  }

  /** True when an xlrubric service answers on the port (any failure, including a stranger, is false). */
  async function ping(timeoutMs) {
    try {
      var r = await exchange("GET", "/api/ping", {}, undefined, timeoutMs || 1500);
      return r.status === 200 && JSON.parse(r.text).app === "xlrubric";
    } catch (e) {
      return false;
    }
  }

  /** Ask the service to compute the saved workbook at `path` in place; resolves with its JSON answer. */
  async function compute(path, password, timeoutMs) {
    var body = { path: path };
    if (password) body.password = password;
    var headers = { "Content-Type": "application/json" };
    headers[XLRUBRIC_TOKEN_HEADER] = options.token;
    var r = await exchange("POST", "/api/wps/compute", headers, JSON.stringify(body), timeoutMs);
    if (r.status === 401) throw XlrubricHttpError("auth", 401);
    if (r.status !== 200) throw XlrubricHttpError("http", r.status, r.text.slice(0, 200));
    var data;
    try {
      data = JSON.parse(r.text);
    } catch (e) {
      throw XlrubricHttpError("bad", 200, r.text.slice(0, 200));
    }
    if (!data || typeof data.ok !== "boolean" || typeof data.message !== "string") {
      throw XlrubricHttpError("bad", 200, r.text.slice(0, 200));
    }
    return data;
  }

  return { ping: ping, compute: compute, base: base };
}

if (typeof module === "object" && module.exports) {
  module.exports = { createClient: createClient, XLRUBRIC_TOKEN_HEADER: XLRUBRIC_TOKEN_HEADER };
}
