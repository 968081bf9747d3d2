/*
 * The 计算考核 flow (js/compute.js) against the fake WPS object model and a scripted service client.
 * "No change" is asserted on the fake's call log: no Save, Close or Open.
 */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { fakeWps } = require("./fake_wps.js");
const { xlrubricCompute, XLRUBRIC_TEXT } = require("../js/compute.js");

const CONFIG = { port: 47615, token: "t0ken", python: "/usr/bin/python3", serveArgs: "-m xlrubric serve",
  command: '"/usr/bin/python3" -m xlrubric serve', pingTimeoutMs: 50, pollMs: 500, startTimeoutMs: 3000,
  computeTimeoutMs: 1000 };

const DONE = { ok: true, exit_code: 1, title: "计算完成", message: "教师 3 人；问题：错误 1，警告 1，提示 0",
  result_sheet: "考核结果", backup: "/学校/我校.备份-20261201-1200.xlsx", summary: { teachers: 3 } };

/** A scripted service: `up` says from which ping on it answers (Infinity: never); `answer` is what
 *  compute resolves with, or an Error with .kind to reject with; `onCompute` runs when it is called. */
function harness({ wps = fakeWps(), up = 0, answer = DONE, onCompute = null, shellError = null,
                   promptAnswer = null, config = CONFIG } = {}) {
  const calls = { pings: 0, shell: [], compute: [], alerts: [], prompts: 0, slept: 0 };
  const env = {
    config,
    app: wps.app,
    client: {
      async ping() { calls.pings += 1; return calls.pings > up; },
      async compute(path, password, timeoutMs) {
        calls.compute.push({ path, password, timeoutMs });
        if (onCompute) onCompute(wps);
        if (answer instanceof Error) throw answer;
        if (answer.ok && answer.result_sheet) wps.disk.sheets.push(answer.result_sheet, "扣分明细", "校验问题");
        return answer;
      },
    },
    shell(program, args) { calls.shell.push([program, args]); if (shellError) throw new Error(shellError); },
    async sleep(ms) { calls.slept += ms; },
    alert(message) { calls.alerts.push(message); },
    prompt() { calls.prompts += 1; return promptAnswer; },
  };
  return { env, wps, calls };
}

function kindError(kind, status) {
  const e = new Error(kind);
  e.kind = kind;
  e.status = status || 0;
  return e;
}

test("computes, reopens the workbook from disk, shows 考核结果 and one message", async () => {
  const { env, wps, calls } = harness();
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "done");
  assert.equal(out.changed, true);
  assert.deepEqual(calls.compute, [{ path: "/学校/我校.xlsx", password: null, timeoutMs: 1000 }]);
  assert.deepEqual(wps.log, [["Save", "/学校/我校.xlsx"], ["Close", false], ["Open", "/学校/我校.xlsx", undefined],
    ["Activate", "考核结果"]]);
  assert.equal(calls.shell.length, 0, "a running service is not started again");
  assert.equal(calls.alerts.length, 1);
  assert.match(calls.alerts[0], /^计算完成\n\n教师 3 人；问题：错误 1，警告 1，提示 0\n\n原文件已备份为：\/学校\/我校\.备份/);
  assert.equal(wps.raw.ActiveWorkbook.state.activeSheet, "考核结果");
});

test("a Windows path is handed over as WPS reports it", async () => {
  const { env, calls } = harness({ wps: fakeWps({ path: "C:\\Users\\教务处\\我校.xlsx" }) });
  await xlrubricCompute(env);
  assert.equal(calls.compute[0].path, "C:\\Users\\教务处\\我校.xlsx");
});

test("a service that is not running is started once and polled until it answers", async () => {
  const { env, wps, calls } = harness({ up: 3 });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "done");
  assert.deepEqual(calls.shell, [["/usr/bin/python3", "-m xlrubric serve"]]);
  assert.equal(calls.pings, 4);          // one before starting, then every 500 ms until the 4th answers
  assert.equal(calls.slept, 1500);
  assert.equal(wps.log[0][0], "Save");
});

test("a service that never answers: Chinese message with the command, workbook untouched", async () => {
  const { env, wps, calls } = harness({ up: Infinity });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "service-down");
  assert.equal(calls.slept, 3000);       // gave up after startTimeoutMs
  assert.deepEqual(wps.log, []);
  assert.equal(calls.compute.length, 0);
  assert.match(calls.alerts[0], /计算服务（xlrubric serve）没有启动，工作簿没有改动/);
  assert.ok(calls.alerts[0].includes('"/usr/bin/python3" -m xlrubric serve'));
});

test("ShellExecute failing is the same message, not an exception", async () => {
  const { env, wps, calls } = harness({ up: Infinity, shellError: "找不到程序" });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "service-down");
  assert.equal(calls.slept, 0);
  assert.deepEqual(wps.log, []);
});

for (const [name, options, kind, text] of [
  ["an unsaved new book", { path: "工作簿1" }, "unsaved", XLRUBRIC_TEXT.unsaved],
  ["a read-only book", { readOnly: true }, "read-only", XLRUBRIC_TEXT.readOnly],
  ["no open book", { noBook: true }, "no-book", XLRUBRIC_TEXT.noBook],
]) {
  test(`${name}: Chinese message, no service call, no change`, async () => {
    const { env, wps, calls } = harness({ wps: fakeWps(options) });
    const out = await xlrubricCompute(env);
    assert.equal(out.kind, kind);
    assert.deepEqual(calls.alerts, [text]);
    assert.deepEqual(wps.log, []);
    assert.equal(calls.pings + calls.compute.length + calls.shell.length, 0);
  });
}

for (const name of ["我校.et", "我校.xls", "我校.XLS"]) {
  test(`${name}: results cannot be written back into it, so it is refused before any save, with 另存为 .xlsx`, async () => {
    const { env, wps, calls } = harness({ wps: fakeWps({ path: `/学校/${name}` }) });
    const out = await xlrubricCompute(env);
    assert.equal(out.kind, "legacy");
    assert.match(calls.alerts[0], new RegExp(`^「${name.replace(".", "\\.")}」是旧版 \\.xls 或 WPS 的 \\.et 格式`));
    assert.match(calls.alerts[0], /另存为」保存为 Excel 工作簿（\.xlsx）/);
    assert.deepEqual(wps.log, []);
    assert.equal(calls.pings + calls.compute.length + calls.shell.length, 0);
  });
}

test("a file that is no workbook at all is refused by name", async () => {
  const { env, wps, calls } = harness({ wps: fakeWps({ path: "/学校/我校.csv" }) });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "format");
  assert.match(calls.alerts[0], /^「我校\.csv」不是 Excel 工作簿/);
  assert.deepEqual(wps.log, []);
});

test("an install without a token says to run the installer", async () => {
  const { env, wps, calls } = harness({ config: { ...CONFIG, token: "" } });
  assert.equal((await xlrubricCompute(env)).kind, "not-installed");
  assert.match(calls.alerts[0], /xlrubric addin install/);
  assert.deepEqual(wps.log, []);
});

for (const [name, error, kind, pattern] of [
  ["401", kindError("auth", 401), "auth", /口令与服务不一致/],
  ["no answer", kindError("timeout"), "no-answer", /没有回应，工作簿没有改动/],
  ["connection lost", kindError("down"), "no-answer", /没有回应/],
  ["HTTP 500", kindError("http", 500), "http", /HTTP 500/],
  ["not the contract's JSON", kindError("bad", 200), "bad-answer", /看不懂/],
]) {
  test(`service ${name}: Chinese message, not reopened`, async () => {
    const { env, wps, calls } = harness({ answer: error });
    const out = await xlrubricCompute(env);
    assert.equal(out.kind, kind);
    assert.equal(out.changed, false);
    assert.match(calls.alerts[0], pattern);
    assert.deepEqual(wps.log, [["Save", "/学校/我校.xlsx"]]);
  });
}

test("the service refusing (not a 校本研修 workbook) shows its message and reopens nothing", async () => {
  const refusal = { ok: false, exit_code: 2, title: "无法计算", result_sheet: null, backup: null, summary: null,
    message: "这不是校本研修工作簿：没有找到教师名册、考核记录等工作表" };
  const { env, wps, calls } = harness({ answer: refusal });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "refused");
  assert.deepEqual(calls.alerts, ["无法计算\n\n这不是校本研修工作簿：没有找到教师名册、考核记录等工作表"]);
  assert.deepEqual(wps.log, [["Save", "/学校/我校.xlsx"]]);
});

test("a password-protected book: the password goes to the service and into Open", async () => {
  const { env, wps, calls } = harness({ wps: fakeWps({ hasPassword: true }), promptAnswer: "mima" });
  await xlrubricCompute(env);
  assert.equal(calls.compute[0].password, "mima");
  assert.deepEqual(wps.log[2], ["Open", "/学校/我校.xlsx", "mima"]);
});

test("a cancelled password prompt changes nothing", async () => {
  const { env, wps, calls } = harness({ wps: fakeWps({ hasPassword: true }), promptAnswer: null });
  assert.equal((await xlrubricCompute(env)).kind, "password-cancelled");
  assert.deepEqual(wps.log, []);
  assert.equal(calls.pings, 0);
});

test("edits typed while the service works are not thrown away by the reopen", async () => {
  const { env, wps, calls } = harness({ onCompute: (w) => { w.raw.ActiveWorkbook.Saved = false; } });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "edited-meanwhile");
  assert.deepEqual(wps.log, [["Save", "/学校/我校.xlsx"]]);
  assert.match(calls.alerts[0], /计算期间工作簿又被修改过/);
});

test("a failed Save stops before the service is asked", async () => {
  const { env, wps, calls } = harness({ wps: fakeWps({ saveError: "磁盘已满" }) });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "save-failed");
  assert.match(calls.alerts[0], /磁盘已满/);
  assert.equal(calls.compute.length, 0);
  assert.deepEqual(wps.log, [["Save", "/学校/我校.xlsx"]]);
});

test("a failed reopen still reports the result and where it is", async () => {
  const { env, calls } = harness({ wps: fakeWps({ openError: "文件被占用" }) });
  const out = await xlrubricCompute(env);
  assert.equal(out.kind, "reopen-failed");
  assert.match(calls.alerts[0], /^计算完成[\s\S]*结果已写入文件「\/学校\/我校\.xlsx」，但 WPS 没能重新打开它：文件被占用/);
});
