/*
 * What the 计算考核 button does in WPS 表格 (the Python side is `xlrubric compute --in-place`, run by
 * `xlrubric serve`; nothing is computed here).
 *
 *   check the active workbook (saved to disk, not read-only, a spreadsheet format the service reads)
 *   -> make sure the service answers (start it with wps.OAAssist.ShellExecute and poll /api/ping:
 *   ShellExecute's return says nothing about the service being ready, so we poll; the public add-in
 *   WPS-Zotero starts its long-running proxy.py with it from OnAddinLoad, so it does not wait for the
 *   program to end) -> Save()
 *   -> POST /api/wps/compute -> close and reopen the workbook so WPS shows what the service wrote
 *   -> activate the result sheet -> one Chinese message box.
 * Every failure before the service writes is a Chinese message and leaves the workbook as it was.
 *
 * WPS object model used (the ET JS API mirrors Excel's; WPS 开放平台「WPS加载项」文档 and the public add-in
 * tankwyn/WPS-Zotero js/ribbon.js for wps.OAAssist.ShellExecute(program, arguments)):
 *   Application.ActiveWorkbook; Workbook.FullName/.Path/.Name/.ReadOnly/.Saved/.HasPassword;
 *   Workbook.Save(); Workbook.Close(SaveChanges); Application.Workbooks.Open(FileName, UpdateLinks,
 *   ReadOnly, Format, Password); Workbook.Worksheets.Item(name).Activate().
 * The fake in test/fake_wps.js implements exactly these.
 */

var XLRUBRIC_FORMATS = ["xlsx", "xlsm"];
// Formats the service reads but cannot write the results back into (the button writes into the open file).
var XLRUBRIC_LEGACY = ["xls", "et"];

var XLRUBRIC_TEXT = {
  noBook: "请先打开要计算的校本研修工作簿，再点「计算考核」。",
  unsaved: "这个工作簿还没有保存过。请先「另存为」Excel 工作簿（.xlsx），再点「计算考核」。",
  readOnly: "这个工作簿是以只读方式打开的（可能别人正在用它，或文件被设为只读），计算结果无法写回。\n" +
    "请关闭后以可编辑方式打开（或另存一份），再点「计算考核」。",
  format: "「{name}」不是 Excel 工作簿（.xlsx / .xlsm），计算服务读不了它。\n" +
    "请用「文件 → 另存为」保存为 Excel 工作簿（.xlsx），再点「计算考核」。",
  legacy: "「{name}」是旧版 .xls 或 WPS 的 .et 格式，计算结果不能写回这种格式的文件，工作簿没有改动。\n" +
    "请用「文件 → 另存为」保存为 Excel 工作簿（.xlsx），打开新文件后再点「计算考核」。",
  saveFailed: "保存工作簿时出错，没有计算：{error}\n请先手动保存（Ctrl+S），再点「计算考核」。",
  notInstalled: "「计算考核」加载项还没有安装完成（缺少本机计算服务的设置）。\n" +
    "请在装有 xlrubric 的电脑上运行安装包里的 install，或在命令行运行：xlrubric addin install",
  startFailed: "本机的计算服务（xlrubric serve）没有启动，工作簿没有改动。\n" +
    "请双击桌面上的「校本研修考核」图标，或在命令行运行：{command}\n然后再点「计算考核」。",
  noAnswer: "本机的计算服务（xlrubric serve）没有回应，工作簿没有改动。\n" +
    "请稍后再试；如果一直这样，请关闭计算服务的窗口后重新启动它：{command}",
  auth: "本机的计算服务拒绝了这次请求（加载项的口令与服务不一致），工作簿没有改动。\n" +
    "请重新运行 xlrubric addin install，然后重启 WPS。",
  httpError: "本机的计算服务出错（HTTP {status}），工作簿没有改动。\n详情见 ~/.xlrubric 文件夹中的日志。",
  badAnswer: "本机的计算服务的回答看不懂（版本不一致？），工作簿没有改动。\n请重新运行安装包里的 install。",
  passwordCancelled: "没有输入打开密码，没有计算。",
  passwordPrompt: "这个工作簿设有打开密码。请输入密码（只交给本机的计算服务，用来读取并按原密码写回）：",
  editedMeanwhile: "{message}\n\n注意：计算期间工作簿又被修改过，为了不丢失这些修改，没有重新打开它。\n" +
    "结果已写入文件「{path}」；请先另存您的修改，再重新打开该文件查看结果。",
  reopenFailed: "{message}\n\n结果已写入文件「{path}」，但 WPS 没能重新打开它：{error}\n请手动打开该文件查看结果。",
  backup: "原文件已备份为：{backup}"
};

function xlrubricFormat(template, values) {
  return template.replace(/\{(\w+)\}/g, function (m, key) {
    return values[key] === undefined || values[key] === null ? m : String(values[key]);
  });
}

function xlrubricExtension(name) {
  var dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/** Make sure the service answers; start it once if it does not. Resolves true when it answers. */
async function xlrubricEnsureService(env) {
  var config = env.config;
  if (await env.client.ping(config.pingTimeoutMs)) return true;
  try {
    env.shell(config.python, config.serveArgs);
  } catch (e) {
    return false;
  }
  var waited = 0;
  while (waited < config.startTimeoutMs) {
    await env.sleep(config.pollMs);
    waited += config.pollMs;
    if (await env.client.ping(config.pingTimeoutMs)) return true;
  }
  return false;
}

/**
 * Run the button once. `env`: {app, client, shell, sleep, alert, prompt, config}.
 * Resolves with {changed, kind, message}; the message has already been shown with env.alert.
 */
async function xlrubricCompute(env) {
  var outcome = await xlrubricComputeQuiet(env);
  env.alert(outcome.message);
  return outcome;
}

function xlrubricStop(kind, message) {
  return { changed: false, kind: kind, message: message };
}

async function xlrubricComputeQuiet(env) {
  var config = env.config;
  var text = XLRUBRIC_TEXT;
  var command = config.command || "xlrubric serve";
  if (!config.token) return xlrubricStop("not-installed", text.notInstalled);
  var book = env.app.ActiveWorkbook;
  if (!book) return xlrubricStop("no-book", text.noBook);
  if (!book.Path) return xlrubricStop("unsaved", text.unsaved);
  if (book.ReadOnly) return xlrubricStop("read-only", text.readOnly);
  var path = book.FullName;
  var extension = xlrubricExtension(book.Name);
  if (XLRUBRIC_LEGACY.indexOf(extension) >= 0) {
    return xlrubricStop("legacy", xlrubricFormat(text.legacy, { name: book.Name }));
  }
  if (XLRUBRIC_FORMATS.indexOf(extension) < 0) {
    return xlrubricStop("format", xlrubricFormat(text.format, { name: book.Name }));
  }
  var password = null;
  if (book.HasPassword) {
    password = env.prompt(text.passwordPrompt, "");
    if (!password) return xlrubricStop("password-cancelled", text.passwordCancelled);
  }
  // The service first: when it cannot be reached, not even Save() has touched the file.
  if (!(await xlrubricEnsureService(env))) {
    return xlrubricStop("service-down", xlrubricFormat(text.startFailed, { command: command }));
  }
  try {
    book.Save();
  } catch (e) {
    return xlrubricStop("save-failed", xlrubricFormat(text.saveFailed, { error: e && e.message }));
  }
  var answer;
  try {
    answer = await env.client.compute(path, password, config.computeTimeoutMs);
  } catch (e) {
    if (e.kind === "auth") return xlrubricStop("auth", text.auth);
    if (e.kind === "http") return xlrubricStop("http", xlrubricFormat(text.httpError, { status: e.status }));
    if (e.kind === "bad") return xlrubricStop("bad-answer", text.badAnswer);
    return xlrubricStop("no-answer", xlrubricFormat(text.noAnswer, { command: command }));
  }
  var message = (answer.title ? answer.title + "\n\n" : "") + answer.message;
  if (!answer.ok) return xlrubricStop("refused", message);
  if (answer.backup) message += "\n\n" + xlrubricFormat(text.backup, { backup: answer.backup });
  return xlrubricReopen(env, book, path, password, answer, message);
}

/** Close the (saved) workbook and open it again from disk, so WPS shows what the service wrote. */
function xlrubricReopen(env, book, path, password, answer, message) {
  if (!book.Saved) {
    return { changed: true, kind: "edited-meanwhile",
      message: xlrubricFormat(XLRUBRIC_TEXT.editedMeanwhile, { message: message, path: path }) };
  }
  var reopened;
  try {
    book.Close(false);
    reopened = password ? env.app.Workbooks.Open(path, undefined, false, undefined, password)
      : env.app.Workbooks.Open(path);
  } catch (e) {
    return { changed: true, kind: "reopen-failed",
      message: xlrubricFormat(XLRUBRIC_TEXT.reopenFailed, { message: message, path: path, error: e && e.message }) };
  }
  if (answer.result_sheet) {
    try {
      reopened.Worksheets.Item(answer.result_sheet).Activate();
    } catch (e) {
      // The sheet is named in the message anyway; a missing sheet must not hide the summary.
    }
  }
  return { changed: true, kind: "done", message: message };
}

if (typeof module === "object" && module.exports) {
  module.exports = { xlrubricCompute: xlrubricCompute, xlrubricEnsureService: xlrubricEnsureService,
    XLRUBRIC_TEXT: XLRUBRIC_TEXT };
}
