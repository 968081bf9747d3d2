/*
 * js/http.js over real HTTP against a small stand-in server on 127.0.0.1 (the exchange with the real
 * `xlrubric serve` is tests/test_wps_service.py): headers, body, status handling, timeouts.
 */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { createClient, XLRUBRIC_TOKEN_HEADER } = require("../js/http.js");

async function serve(handler) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => { body += c; });
    req.on("end", () => { seen.push({ method: req.method, url: req.url, headers: req.headers, body }); handler(req, res, body); });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

function json(res, status, data) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(typeof data === "string" ? data : JSON.stringify(data));
}

test("ping is true only for an xlrubric service", async () => {
  const s = await serve((req, res) => json(res, 200, req.url === "/api/ping" ? { app: "xlrubric", version: "0.1.0" } : {}));
  const other = await serve((req, res) => json(res, 200, { app: "something-else" }));
  try {
    assert.equal(await createClient({ port: s.port, token: "x" }).ping(500), true);
    assert.equal(await createClient({ port: other.port, token: "x" }).ping(500), false);
    assert.equal(s.seen[0].method, "GET");
    assert.equal(s.seen[0].headers[XLRUBRIC_TOKEN_HEADER.toLowerCase()], undefined, "ping carries no token");
  } finally {
    await s.close();
    await other.close();
  }
});

test("ping is false when nothing listens", async () => {
  const s = await serve(() => {});
  const port = s.port;
  await s.close();
  assert.equal(await createClient({ port, token: "x" }).ping(500), false);
});

test("compute posts the path (and password) as JSON with the token header", async () => {
  const answer = { ok: true, exit_code: 0, title: "计算完成", message: "好", result_sheet: "考核结果", backup: null, summary: {} };
  const s = await serve((req, res) => json(res, 200, answer));
  try {
    const client = createClient({ port: s.port, token: "tok-123" });
    assert.deepEqual(await client.compute("C:\\学校\\我校.xlsx", null, 2000), answer);
    await client.compute("/a/b.xlsx", "mima", 2000);
    const [first, second] = s.seen;
    assert.equal(first.method, "POST");
    assert.equal(first.url, "/api/wps/compute");
    assert.equal(first.headers["x-xlrubric-token"], "tok-123");
    assert.match(first.headers["content-type"], /^application\/json/);
    assert.deepEqual(JSON.parse(first.body), { path: "C:\\学校\\我校.xlsx" });
    assert.deepEqual(JSON.parse(second.body), { path: "/a/b.xlsx", password: "mima" });
  } finally {
    await s.close();
  }
});

for (const [name, status, body, kind] of [
  ["401", 401, { detail: "bad token" }, "auth"],
  ["500", 500, "Internal Server Error", "http"],
  ["non-JSON", 200, "<html>hello</html>", "bad"],
  ["JSON without ok/message", 200, { hello: 1 }, "bad"],
]) {
  test(`compute rejects a ${name} answer with kind ${kind}`, async () => {
    const s = await serve((req, res) => json(res, status, body));
    try {
      await assert.rejects(createClient({ port: s.port, token: "t" }).compute("/x.xlsx", null, 2000),
        (e) => e.kind === kind && (kind !== "auth" || e.status === 401));
    } finally {
      await s.close();
    }
  });
}

test("compute gives up after its timeout", async () => {
  const s = await serve(() => { /* never answers */ });
  try {
    const started = Date.now();
    await assert.rejects(createClient({ port: s.port, token: "t" }).compute("/x.xlsx", null, 300),
      (e) => e.kind === "timeout");
    assert.ok(Date.now() - started < 2000);
  } finally {
    await s.close();
  }
});

test("compute against a closed port is kind down", async () => {
  const s = await serve(() => {});
  const port = s.port;
  await s.close();
  await assert.rejects(createClient({ port, token: "t" }).compute("/x.xlsx", null, 2000), (e) => e.kind === "down");
});
