/*
 * A small fake of the WPS 表格 object model: exactly the members js/compute.js uses, nothing more.
 * Every object is wrapped in a Proxy that throws on any other member, so the add-in cannot start using a
 * call the fake (and macros/README.md's manual test) does not cover without a test failing.
 * `log` records every call in order, so tests can assert "no change" (no Save/Close/Open) precisely.
 * Open() shows the sheets the file holds: `disk.sheets` (which scripted services add to), or, against the real
 * service, `sheetsOnDisk(path)` reading the file itself.
 */
"use strict";

function strict(name, target) {
  return new Proxy(target, {
    get(obj, key) {
      if (typeof key === "symbol" || key === "then" || key === "toJSON") return obj[key];
      if (!(key in obj)) throw new Error(`fake WPS: ${name}.${String(key)} is not part of the fake object model`);
      return obj[key];
    },
  });
}

function fakeWps({ path = "/学校/我校.xlsx", readOnly = false, hasPassword = false, noBook = false,
                   saveError = null, openError = null, sheets = ["教师名册", "考核记录"], sheetsOnDisk = null } = {}) {
  const log = [];
  const disk = { sheets: [...sheets] };           // what the file on disk holds (the service writes here)
  const sep = path.includes("\\") ? "\\" : "/";
  const cut = path.lastIndexOf(sep);

  function workbook(fullName, opened) {
    const state = { open: true, activeSheet: opened[0] };
    const book = {
      Name: fullName.slice(cut + 1),
      Path: cut > 0 ? fullName.slice(0, cut) : "",
      FullName: fullName,
      ReadOnly: readOnly,
      Saved: true,
      HasPassword: hasPassword,
      Save() {
        log.push(["Save", fullName]);
        if (saveError) throw new Error(saveError);
        book.Saved = true;
      },
      Close(saveChanges) {
        log.push(["Close", saveChanges]);
        state.open = false;
        app.ActiveWorkbook = null;
      },
      Worksheets: strict("Worksheets", {
        Item(name) {
          if (!opened.includes(name)) throw new Error(`没有工作表 ${name}`);
          return strict("Worksheet", { Activate() { log.push(["Activate", name]); state.activeSheet = name; } });
        },
      }),
    };
    book.state = state;
    return strict("Workbook", book);
  }

  const app = {
    ActiveWorkbook: null,
    Workbooks: strict("Workbooks", {
      Open(fileName, updateLinks, readOnlyArg, format, password) {
        log.push(["Open", fileName, password]);
        if (openError) throw new Error(openError);
        app.ActiveWorkbook = workbook(fileName, sheetsOnDisk ? sheetsOnDisk(fileName) : [...disk.sheets]);
        return app.ActiveWorkbook;
      },
    }),
  };
  if (!noBook) app.ActiveWorkbook = workbook(path, [...disk.sheets]);
  return { app: strict("Application", app), raw: app, log, disk };
}

module.exports = { fakeWps };
