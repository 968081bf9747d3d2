// 校本研修考核 — the local page. No framework, no build step, nothing from the network but this service.
// Every number shown comes from the service's JSON (which comes from the engine); this file only displays.
"use strict";

const TOKEN = document.querySelector('meta[name="xlrubric-token"]').content;
const SESSION = sessionStorage.getItem("xlrubric.session") || (() => {
  // One id per tab: two tabs never share uploads or results.
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  sessionStorage.setItem("xlrubric.session", id);
  return id;
})();
const $ = (id) => document.getElementById(id);
const show = (node, on = true) => node.classList.toggle("hidden", !on);

async function api(path, { method = "GET", form = null, json = null } = {}) {
  const headers = { "X-Xlrubric-Token": TOKEN, "X-Xlrubric-Session": SESSION };
  let body = null;
  if (form) body = form;
  if (json) { body = JSON.stringify(json); headers["Content-Type"] = "application/json"; }
  let resp;
  try {
    resp = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch (e) {
    return { ok: false, message: "无法连接校本研修考核服务：请确认它仍在运行（双击桌面上的快捷方式可重新启动）。" };
  }
  try { return await resp.json(); } catch (e) { return { ok: false, message: `服务返回了意外的内容（${resp.status}）` }; }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function fillTable(table, header, rows, cellClass = () => "") {
  table.replaceChildren(el("thead", {}, el("tr", {}, ...header.map((h) => el("th", { text: h })))));
  const body = el("tbody");
  for (const row of rows) {
    body.append(el("tr", {}, ...row.map((v, i) => {
      const td = el("td", { class: (typeof v === "number" ? "num " : "") + cellClass(i, v) });
      if (v instanceof Node) td.append(v); else td.textContent = v === null || v === undefined ? "" : fmt(v);
      return td;
    })));
  }
  table.append(body);
}

const fmt = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100)) : String(v));
const pct = (v) => (v === null || v === undefined ? "" : `${Math.round(v * 100)}%`);
const card = (k, v, sub = "", cls = "") => el("div", { class: `card ${cls}` }, el("div", { class: "k", text: k }),
  el("div", { class: "v" }, v, sub ? el("small", { text: ` ${sub}` }) : null));
function setError(node, message) { node.textContent = message || ""; show(node, !!message); }

// ---------------------------------------------------------------- views
const VIEWS = ["school", "template", "county", "mail"];
function route() {
  const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "school";
  for (const v of VIEWS) show($(`view-${v}`), v === view);
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.view === view);
  if (view === "template") loadPresets();
  if (view === "mail") openMail();
}
window.addEventListener("hashchange", route);

// ---------------------------------------------------------------- 一所学校
let schoolFile = null;
async function computeSchool(file, password = "") {
  schoolFile = file;
  window.xlrubricTiming = { start: performance.now(), shown: null };
  setError($("school-error"), "");
  show($("school-result"), false);
  show($("school-busy"), true);
  const form = new FormData();
  form.append("file", file, file.name);
  if (password) form.append("password", password);
  form.append("preset", $("school-preset").value);
  const r = await api("/api/school", { method: "POST", form });
  show($("school-busy"), false);
  show($("school-password"), !!r.need_password);
  if (r.need_password) {
    $("school-password-msg").textContent = r.wrong_password ? "密码不正确，请重新输入：" : "这个工作簿设置了打开密码。";
    $("school-password-input").value = "";
    $("school-password-input").focus();
    return;
  }
  if (!r.ok) { setError($("school-error"), r.message); return; }
  renderSchool(r);
  window.xlrubricTiming.shown = performance.now();
}

function renderSchool(r) {
  const s = r.summary;
  $("school-name").textContent = r.school || r.file;
  $("school-meta").textContent = `文件：${r.file}　规则：${r.rules}`;
  $("school-download").href = r.download;
  $("school-download").setAttribute("download", r.output_name);
  const probs = s.problems || {};
  const cards = [];
  if (s.teachers !== undefined) cards.push(card("教师人数", s.teachers, "人"));
  if (s.mean_total !== undefined) cards.push(card("平均总分", fmt(s.mean_total), s.full_marks ? `满分 ${fmt(s.full_marks)}` : ""));
  if (s.bands) cards.push(card("各等次", Object.entries(s.bands).map(([k, v]) => `${k} ${v}`).join("　"), "人"));
  if (s.hours_met_rate !== undefined && s.hours_met_rate !== null) {
    cards.push(card("学时达标", pct(s.hours_met_rate), s.hours_met !== undefined ? `${s.hours_met} 人` : ""));
  }
  cards.push(card("问题", `错误 ${probs["错误"] || 0}　警告 ${probs["警告"] || 0}　提示 ${probs["提示"] || 0}`, "",
    probs["错误"] ? "bad" : ""));
  $("school-cards").replaceChildren(...cards);
  $("school-problems-title").textContent = `校验问题（${r.problems.length} 条）`;
  fillTable($("school-problems"), ["严重程度", "工作表", "单元格", "填写的值", "说明"],
    r.problems.map((p) => [p.severity, p.sheet, p.cell, p.value ?? "", p.message]),
    (i, v) => (i === 0 ? `sev-${v}` : i === 4 ? "wrap" : ""));
  const t = r.tables["考核结果"];
  if (t) fillTable($("school-table"), t.header, t.rows, (i) => (t.header[i] === "扣分明细" ? "wrap" : ""));
  show($("school-result"), true);
}

function setupSchool() {
  const drop = $("drop");
  $("school-file").addEventListener("change", (e) => e.target.files[0] && computeSchool(e.target.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    if (e.dataTransfer.files[0]) computeSchool(e.dataTransfer.files[0]);
  });
  $("school-password").addEventListener("submit", (e) => {
    e.preventDefault();
    if (schoolFile) computeSchool(schoolFile, $("school-password-input").value);
  });
}

// ---------------------------------------------------------------- 模板
let presetsLoading = null;
function loadPresets() {
  presetsLoading ||= (async () => {
    const presets = await api("/api/presets");
    for (const select of [$("preset"), $("county-preset"), $("school-preset")]) {
      for (const p of presets) select.append(el("option", { value: p.id, text: `${p.school || p.name}（${p.id}）` }));
    }
    if (presets.length) showLint(presets[0].id);
    return presets;
  })();
  return presetsLoading;
}

async function showLint(id) {
  $("template-download").href = `/api/template/${encodeURIComponent(id)}`;
  const r = await api(`/api/lint/${encodeURIComponent(id)}`);
  if (!r.ok) { $("lint-summary").textContent = r.message; return; }
  $("lint-summary").textContent = `${r.name}：${r.summary}`;
  showFindings($("lint-table"), r.findings);
}

// One policy can decide several findings (the gaps (23, 24) and (40, 50] share one): its question and
// choice are shown once, later rows say 同上, as `xlrubric lint` prints them.
function showFindings(table, findings) {
  const seen = new Set();
  fillTable(table, ["类型", "位置", "说明", "原文", "本细则的选择"], findings.map((f) => {
    const again = f.policy && seen.has(f.policy);
    if (f.policy) seen.add(f.policy);
    const asked = f.question && f.question !== f.message && !again ? `\n（${f.question}）` : "";
    const chosen = !f.policy ? (f.resolved ? "—" : "未决定")
      : again ? `${f.option}（同上）` : (f.option ? `${f.option}：${f.choice}` : f.choice);
    return [f.kind, f.where, f.message + asked, (f.quotes || []).join("\n"), chosen];
  }), (i, v) => (i === 0 ? `nowrap sev-${v}` : i >= 2 ? "wrap" : ""));
}

// ---------------------------------------------------------------- 模板：导入本校考核细则
function setupRulesImport() {
  $("rules-import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData();
    const file = $("rules-import-file").files[0];
    if (file) form.append("file", file);
    form.append("text", $("rules-import-text").value);
    $("rules-import").classList.remove("hidden");
    $("rules-import-summary").textContent = "正在读取考核细则……";
    const r = await api("/api/rules/import", { method: "POST", form });
    if (!r.ok) {
      $("rules-import-summary").textContent = r.message;
      $("rules-import-table").replaceChildren();
      for (const id of ["rules-import-rules", "rules-import-template"]) $(id).classList.add("hidden");
      return;
    }
    const items = r.items.map((i) => `${i.name}（${i.full}分）`).join("、");
    $("rules-import-summary").textContent = `${r.name}：读出 ${r.items.length} 个项目：${items}。${r.summary}` +
      (r.open ? `请下载本校细则.xlsx，在「策略」行把“待确认”改为一个选项；确定之前，相关项目的得分显示为待核实。` : "");
    $("rules-import-rules").href = r.rules_download;
    $("rules-import-template").href = r.template_download;
    for (const id of ["rules-import-rules", "rules-import-template"]) $(id).classList.remove("hidden");
    showFindings($("rules-import-table"), r.findings);
  });
}

// ---------------------------------------------------------------- 全县
let suffixes = [".xlsx", ".xlsm", ".xls", ".et"];
// What a folder holds besides the schools' workbooks and is not worth a word (system and lock files).
const quietFile = (name) => name.startsWith(".") || name.startsWith("~$") || ["thumbs.db", "desktop.ini"].includes(name.toLowerCase());

// The files of a chosen folder that are not uploaded, said on the page: a school whose file is a .rar or a .pdf
// must not just be missing from 县汇总 (batch/discover.py says the same for a folder given to the CLI).
function showLeftOut(names) {
  const box = $("county-left-out");
  box.textContent = names.length ? `另有 ${names.length} 个文件不是 Excel 工作簿（.xlsx / .xlsm / .xls / .et），没有上传：`
    + names.slice(0, 20).join("、") + (names.length > 20 ? " 等" : "")
    + "。如其中有学校的工作簿：压缩包请先解压，其他格式请在 Excel 或 WPS 中另存为 .xlsx，再重新选择文件夹。" : "";
  show(box, names.length > 0);
}
let pollTimer = null;
const jobId = () => new URLSearchParams(location.search).get("job") || localStorage.getItem("xlrubric.job");

function rememberJob(id) {
  localStorage.setItem("xlrubric.job", id);
  const url = new URL(location.href);
  url.searchParams.set("job", id);
  history.replaceState(null, "", url);
}

function forgetJob() {
  localStorage.removeItem("xlrubric.job");
  const url = new URL(location.href);
  url.searchParams.delete("job");
  history.replaceState(null, "", url);
}

async function startBatch(files, isZip) {
  setError($("county-error"), "");
  const form = new FormData();
  let n = 0;
  const leftOut = [];
  for (const f of files) {
    const rel = f.webkitRelativePath || f.name;
    if (!isZip && !suffixes.some((s) => rel.toLowerCase().endsWith(s))) {
      if (!quietFile(f.name)) leftOut.push(rel);
      continue;
    }
    form.append("files", f, f.name);
    form.append("paths", rel);
    n += 1;
  }
  showLeftOut(leftOut);
  if (!n) { setError($("county-error"), "所选文件夹里没有 Excel 工作簿（.xlsx / .xlsm / .xls / .et）。"); return; }
  form.append("preset", $("county-preset").value);
  form.append("passwords", $("county-passwords").value);
  show($("county-start"), false);
  show($("county-progress"), true);
  $("county-count").textContent = `正在上传 ${n} 个文件……`;
  const r = await api("/api/batch", { method: "POST", form });
  if (!r.ok) { setError($("county-error"), r.message); show($("county-start"), true); show($("county-progress"), false); return; }
  rememberJob(r.job);
  pollJob(r.job);
}

async function pollJob(id) {
  clearTimeout(pollTimer);
  const r = await api(`/api/jobs/${id}`);
  if (!r.ok) {
    forgetJob();
    show($("county-start"), true); show($("county-progress"), false);
    setError($("county-error"), r.message);
    return;
  }
  show($("county-start"), false);
  show($("county-progress"), r.state !== "done");
  const frac = r.total ? r.done / r.total : r.state === "done" ? 1 : 0;
  $("county-bar").style.width = `${Math.round(frac * 100)}%`;
  $("county-count").textContent = r.state === "queued" ? "排队中（另一批正在处理）……"
    : `已处理 ${r.done} / ${r.total} 个工作簿` + (r.skipped ? `（另有 ${r.skipped} 个未改动，跳过）` : "")
      + (r.failed ? `，无法读取 ${r.failed} 个` : "") + `　用时 ${r.elapsed} 秒`;
  if (r.state === "failed") { setError($("county-error"), r.message); show($("county-start"), true); return; }
  if (r.state !== "done") { pollTimer = setTimeout(() => pollJob(id), 400); return; }
  renderCounty(r);
}

function bandStack(bands, names, total) {
  const colors = ["#2f855a", "#4a90d9", "#f0b429", "#e67e22", "#c0392b", "#8e44ad"];
  const stack = el("span", { class: "stack", title: names.map((b) => `${b} ${bands[b] || 0}`).join("，") });
  names.forEach((b, i) => {
    const part = el("span");
    part.style.width = `${total ? (100 * (bands[b] || 0)) / total : 0}%`;
    part.style.background = colors[i % colors.length];
    stack.append(part);
  });
  return stack;
}

function renderCounty(r) {
  show($("county-result"), true);
  $("county-meta").textContent = `共 ${r.schools.length} 个工作簿，本次处理 ${r.processed} 个，用时 ${r.elapsed} 秒`
    + (r.notes.length ? `；${r.notes.join("；")}` : "");
  $("county-xlsx").href = `/api/jobs/${r.id}/county.xlsx`;
  $("county-zip-dl").href = `/api/jobs/${r.id}/results.zip`;
  $("county-cards").replaceChildren(...Object.entries(r.counts).map(([k, v]) =>
    card(k, v, "所", k === "无法读取" && v ? "bad" : "")));
  const header = ["学校", "文件", "教师", "平均总分", ...r.bands.map((b) => `${b}`), "等次分布", "学时达标率", "错/警/提", "状态"];
  fillTable($("county-table"), header, r.schools.map((s) => {
    const p = s.problems;
    const total = Object.values(s.bands).reduce((a, b) => a + b, 0);
    const rate = el("span");
    if (s.hours_met_rate !== null && s.hours_met_rate !== undefined) {
      const bar = el("span", { class: "bar" });
      bar.style.width = `${Math.round(s.hours_met_rate * 80)}px`;
      rate.append(bar, pct(s.hours_met_rate));
    }
    return [s.school, s.input, s.teachers ?? "", s.mean_total ?? "", ...r.bands.map((b) => s.bands[b] ?? ""),
      total ? bandStack(s.bands, r.bands, total) : "", rate,
      s.status === "无法读取" ? "" : `${p["错误"] || 0}/${p["警告"] || 0}/${p["提示"] || 0}`, s.status];
  }), (i, v) => (i === header.length - 1 ? `st-${v}` : ""));
  show($("county-bad-title"), r.unreadable.length > 0);
  show($("county-bad").parentElement, r.unreadable.length > 0);
  fillTable($("county-bad"), ["文件", "原因"], r.unreadable.map((u) => [u.input, u.message]), (i) => (i === 1 ? "wrap" : ""));
}

function setupCounty() {
  $("county-folder").addEventListener("change", (e) => e.target.files.length && startBatch(e.target.files, false));
  $("county-zip").addEventListener("change", (e) => e.target.files.length && startBatch(e.target.files, true));
  $("county-new").addEventListener("click", () => {
    forgetJob();
    show($("county-result"), false); show($("county-start"), true);
    $("county-folder").value = ""; $("county-zip").value = "";
  });
}

// ---------------------------------------------------------------- 发回学校
let mailTimer = null;
const MAIL_HEADER = ["学校", "电子邮箱", "地址来源", "附件", "大小", "状态", "说明"];
const size = (n) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
function fillMail(lines) {
  const detail = (l) => (l.preview
    ? el("a", { href: `/api/jobs/${jobId()}/mail/eml/${encodeURIComponent(l.preview)}`, download: l.preview, text: "查看预览邮件" })
    : l.detail);
  fillTable($("mail-table"), MAIL_HEADER, lines.map((l) => [l.school, l.email || "—", l.source || "—",
    l.attachment || "—", l.attachment ? size(l.size) : "—", l.state, detail(l)]),
  (i, v) => (i === 5 ? `nowrap st-${v}` : i === 4 ? "nowrap" : i === 6 ? "wrap" : ""));
  const counts = {};
  for (const l of lines) counts[l.state] = (counts[l.state] || 0) + 1;
  $("mail-state").textContent = `共 ${lines.length} 所学校：` + Object.entries(counts).map(([k, v]) => `${k} ${v}`).join("，");
}

async function openMail() {
  const id = jobId();
  const job = id ? await api(`/api/jobs/${id}`) : null;
  const ready = job && job.ok && job.state === "done";
  show($("mail-nojob"), !ready);
  show($("mail-main"), !!ready);
  if (!ready) return;
  const s = await api("/api/mail/settings");
  const f = $("mail-settings");
  for (const k of ["smtp", "security", "user", "from_addr", "from_name", "signature"]) f.elements[k].value = s[k] || (k === "security" ? "starttls" : "");
  f.elements.cc.value = (s.cc || []).join(", ");
  f.elements.password.value = "";
  f.elements.password.placeholder = s.has_password ? "已保存在系统钥匙串中" : s.keyring ? "保存到系统钥匙串" : "本机没有钥匙串：不保存";
  $("mail-keyring").textContent = s.keyring ? "密码保存在系统钥匙串中，不写入任何文件。" : "本机没有系统钥匙串：密码不保存，每次发送时输入。";
  $("mail-settings-box").open = !s.smtp;
  show($("mail-password"), !s.keyring && !!s.user);
  const st = await api(`/api/jobs/${id}/mail`);
  if (st.state !== "idle") followMail(id, st); else fillMail([]);
}

function followMail(id, st) {
  clearTimeout(mailTimer);
  fillMail(st.lines);
  setError($("mail-error"), st.state === "failed" ? st.message : "");
  $("mail-send").disabled = st.state === "sending";
  if (st.state === "sending") {
    $("mail-state").textContent = `正在发送……已处理 ${st.lines.length} 所`;
    mailTimer = setTimeout(async () => followMail(id, await api(`/api/jobs/${id}/mail`)), 500);
  } else if (st.state === "done" && st.message) setError($("mail-error"), st.message);
}

function setupMail() {
  $("mail-settings").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { smtp: f.smtp.value.trim(), security: f.security.value, user: f.user.value.trim(),
      from_addr: f.from_addr.value.trim(), from_name: f.from_name.value.trim(), signature: f.signature.value,
      cc: f.cc.value.split(/[,，;；\s]+/).filter(Boolean), password: f.password.value };
    const r = await api("/api/mail/settings", { method: "POST", json: body });
    setError($("mail-error"), r.ok ? "" : r.message);
    if (r.ok) openMail();
  });
  $("mail-preview").addEventListener("click", async () => {
    const r = await api(`/api/jobs/${jobId()}/mail/preview`, { method: "POST", json: {} });
    setError($("mail-error"), r.ok ? "" : r.message);
    if (r.ok) fillMail(r.lines);
  });
  $("mail-send").addEventListener("click", async () => {
    if (!confirm("把结果工作簿发回各学校？已经发出的不会重复发送。")) return;
    const pw = $("mail-password").value || $("mail-settings").elements.password.value;
    const r = await api(`/api/jobs/${jobId()}/mail/send`, { method: "POST", json: pw ? { password: pw } : {} });
    if (r.need_password) show($("mail-password"), true);
    setError($("mail-error"), r.ok ? "" : r.message);
    if (r.ok) followMail(jobId(), { state: "sending", lines: [] });
  });
}

// ---------------------------------------------------------------- start
document.addEventListener("DOMContentLoaded", async () => {
  setupSchool();
  setupRulesImport();
  setupCounty();
  setupMail();
  $("preset").addEventListener("change", (e) => showLint(e.target.value));
  route();
  const info = await api("/api/info");
  if (info.suffixes) suffixes = info.suffixes;
  loadPresets();
  const id = jobId();
  if (id) { rememberJob(id); pollJob(id); }   // a batch started earlier (even in a closed tab) picks up where it is
});
