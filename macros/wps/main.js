/*
 * Ribbon callbacks named in ribbon.xml (WPS calls them as globals of this page, like the public add-in
 * tankwyn/WPS-Zotero does): OnAddinLoad (onLoad), OnAction (onAction), GetImage (getImage).
 * Wires the real WPS objects into js/compute.js; everything that decides is there and is tested with Node.
 */

var XLRUBRIC_DEFAULTS = {
  port: 47615, token: "", python: "python", serveArgs: "-m xlrubric serve", command: "python -m xlrubric serve",
  pingTimeoutMs: 1500, pollMs: 500, startTimeoutMs: 30000, computeTimeoutMs: 600000
};

function xlrubricConfig() {
  var given = typeof XLRUBRIC_CONFIG === "object" && XLRUBRIC_CONFIG ? XLRUBRIC_CONFIG : {};
  var merged = {};
  Object.keys(XLRUBRIC_DEFAULTS).forEach(function (k) { merged[k] = XLRUBRIC_DEFAULTS[k]; });
  Object.keys(given).forEach(function (k) { merged[k] = given[k]; });
  return merged;
}

function xlrubricEnv(host) {
  var config = xlrubricConfig();
  return {
    config: config,
    app: host.Application,
    client: createClient({ port: config.port, token: config.token }),
    shell: function (program, args) { host.wps.OAAssist.ShellExecute(program, args); },
    sleep: function (ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); },
    alert: function (message) { host.alert(message); },
    prompt: function (message, value) { return host.prompt(message, value); }
  };
}

var xlrubricBusy = false;

function OnAddinLoad(ribbonUI) {
  if (typeof wps === "object" && wps && typeof wps.ribbonUI !== "object") wps.ribbonUI = ribbonUI;
  return true;
}

/** The 计算考核 button. A second click while one runs is ignored (the first one's message will come). */
function OnAction(control) {
  if (control.Id !== "xlrubricCompute" || xlrubricBusy) return true;
  xlrubricBusy = true;
  xlrubricCompute(xlrubricEnv(globalThis)).catch(function (e) {
    globalThis.alert("「计算考核」出错：" + (e && e.message) + "\n工作簿没有改动。");
  }).then(function () {
    xlrubricBusy = false;
  });
  return true;
}

function GetImage(control) {
  return "images/compute.svg";
}
