"""The Python side of the ribbon button 计算考核: compute the workbook open in Excel and write the results
back into it.

`main()` is what `RunPython "import xlrubric; xlrubric.main()"` ends in. It takes `xw.Book.caller()`
and hands it to `run()`, which works on any xlwings Book (Excel on Windows/macOS through the classic
add-in; the remote engine in the tests). Two phases:

1. Read and compute, writing nothing: the 计算状态 record of the previous click (xlrecord), the sheets
   as a RawBook (xlread), the rules exactly as `compute` resolves them (`pipeline.resolve_spec`: the
   workbook's own 考核细则 sheet; else the preset named by the defined name `xlrubric_preset` or the
   environment variable XLRUBRIC_PRESET), `pipeline.compute_book`. Every refusal happens here — not a
   school workbook, rules with an error, a sheet with one of our names that is not ours, a result sheet
   edited by hand — so a refusal leaves the workbook exactly as it was and says why in a message box.
2. Write: take the previous marks off, replace each result sheet (clear_contents, then one write of its
   values; never a second sheet of the same name), colour the problem cells, write the status sheet.

Only the API all xlwings engines share is used: `sheets[...]`, `sheets.add`, `range.value`,
`.options`, `.color`, `.number_format`, `clear_contents`, `app.alert`. Nothing written is read back.
Cell notes are not part of that API (the remote engine's VBA client has none), so a problem's text is
in 校验问题 (sheet, cell, message) and in the cell's colour, not in a note on the cell.

Strings are written with a leading apostrophe, Excel's own "this is text" prefix, which is not part of
the cell's value: Excel would otherwise turn "=SUM(A1)" into a formula and "001", "2021-4-19" or "3/4"
into numbers and dates when they are assigned through `Range.Value`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from xlrubric.adapters import xlread
from xlrubric.adapters.xlrecord import STATUS_SHEET, Record, RecordUnreadable, fingerprint, parse_status, status_grid
from xlrubric.errors import MissingSheet, OutputError, RulesError, XlrubricError
from xlrubric.results import SEVERITY_FILL as FILLS
from xlrubric.results import SEVERITY_ORDER, CellMark, Results, SheetTable

TITLE = "计算考核"
HEADER_FILL = "#D9E1F2"
MAX_TEXT = 32767
LOG_DIR = Path.home() / ".xlrubric"


def main() -> None:
    """Entry point of the ribbon button: compute `xw.Book.caller()` in place."""
    import xlwings as xw

    try:
        book = xw.Book.caller()
    except Exception:   # not started from Excel
        print("请在 Excel 中点「校本研修」选项卡上的「计算考核」按钮运行；"
              "没有 Excel 时请用 xlrubric compute 工作簿.xlsx")
        return
    run(book)


@dataclass
class Plan:
    """Everything phase 1 decided; phase 2 only writes it."""

    results: Results
    tables: list[SheetTable]
    record: Record                                  # the previous click's
    existing: dict[str, str]                        # casefolded sheet name -> name
    marks: list[CellMark] = field(default_factory=list)
    fills: dict[tuple[str, str], str] = field(default_factory=dict)   # original fill of each mark cell


def run(book, *, now: dt.datetime | None = None, env: dict[str, str] | None = None) -> Results | None:
    """Compute `book` and write the results into it; a Chinese message box instead of any traceback."""
    try:
        plan = prepare(book, env=os.environ if env is None else env)
    except XlrubricError as exc:
        _alert(book, f"没有计算，工作簿未改动。\n\n{exc}", "critical")
        return None
    except Exception:
        log = _log_bug()
        _alert(book, f"计算时程序出错，工作簿未改动。\n错误详情已保存到：{log}\n请把这个文件发给技术支持。", "critical")
        return None
    try:
        write(book, plan, now or dt.datetime.now())
    except Exception:
        log = _log_bug()
        _alert(book, "写入结果时出错，结果可能不完整；学校自己的数据没有被修改。\n"
               f"请关闭其他正在编辑本工作簿的窗口后再点一次「计算考核」。错误详情：{log}", "critical")
        return None
    _alert(book, _done_message(plan.results), "info")
    return plan.results


def prepare(book, *, env: dict[str, str]) -> Plan:
    from xlrubric.pipeline import KNOWN_SHEETS, compute_book, resolve_spec

    existing = {s.name.casefold(): s.name for s in book.sheets}
    record = _previous_record(book, existing)
    _check_not_edited(book, record, existing)
    ours = {n.casefold() for n in record.sheets} | {STATUS_SHEET.casefold()}
    raw = xlread.read_book(book, skip=ours)
    if not any(raw.sheet(n) for n in KNOWN_SHEETS):
        raise MissingSheet(f"这不是校本研修工作簿：没有找到{'、'.join(KNOWN_SHEETS[:6])}等工作表"
                           f"（现有：{'、'.join(list(raw.sheets)[:8])}）", file=raw.name,
                           hint="用 xlrubric template 生成的模板填写数据，再在模板中点「计算考核」")
    preset = xlread.preset_setting(book, env)
    if raw.sheet("考核细则") is None and preset is None:
        raise RulesError("工作簿中没有「考核细则」表，也没有指定内置预设", file=raw.name,
                         hint="使用 xlrubric template 生成的模板（自带「考核细则」表）；或定义名称 xlrubric_preset，"
                              "指向写有预设编号（如 lanxi4）的单元格")
    spec, source = resolve_spec(raw, preset=preset)
    results = compute_book(raw, spec, source)
    tables = list(results.tables)
    for t in tables:
        if t.name.casefold() in existing and existing[t.name.casefold()] not in record.sheets:
            raise OutputError(f"工作簿中已有名为「{existing[t.name.casefold()]}」的工作表，它不是「计算考核」写入的；"
                              "为免覆盖学校的数据，没有写入结果。", file=raw.name, sheet=existing[t.name.casefold()],
                              hint=f"请把该工作表改名（如「{t.name}（原表）」）或删除后，再点「计算考核」")
    plan = Plan(results, tables, record, existing)
    result_names = {t.name.casefold() for t in tables} | ours
    for m in results.marks:
        sheet = raw.sheet(m.sheet)
        if sheet is None or sheet.name.casefold() in result_names or not _valid_cell(m.cell):
            continue
        plan.marks.append(CellMark(sheet.name, m.cell, m.message, m.severity))
    plan.fills = _original_fills(book, plan)
    return plan


def _previous_record(book, existing: dict[str, str]) -> Record:
    name = existing.get(STATUS_SHEET.casefold())
    if name is None:
        return Record()
    grid = xlread.sheet_grid(book.sheets[name])
    try:
        return parse_status(grid)
    except RecordUnreadable as exc:
        raise OutputError(f"「{name}」表无法识别（{exc}），无法确定上次写入了哪些结果表、标记了哪些单元格。",
                          file=book.name, sheet=name,
                          hint=f"如果这是学校自己的表，请改名；如果是上次计算留下的，请删除「{name}」和上次的结果表"
                               "（考核结果、扣分明细、校验问题等）后再点「计算考核」") from exc


def _check_not_edited(book, record: Record, existing: dict[str, str]) -> None:
    for name, (_rows, _cols, fp) in record.sheets.items():
        actual = existing.get(name.casefold())
        if actual is None:
            continue            # deleted by hand: it is simply written again
        if fingerprint(xlread.sheet_grid(book.sheets[actual])) != fp:
            raise OutputError(f"结果表「{actual}」在上次计算之后被手工修改过；再计算会覆盖这些修改，所以没有计算。",
                              file=book.name, sheet=actual,
                              hint="分数需要调整时，请填在「人工调整」表（写明原因），计算时会采用并显示；"
                                   f"如不需要保留这些修改，请删除「{actual}」表后再点「计算考核」")


def _valid_cell(cell: str) -> bool:
    letters = cell.rstrip("0123456789")
    return bool(letters) and letters.isalpha() and letters.isupper() and cell[len(letters):].isdigit()


def _original_fills(book, plan: Plan) -> dict[tuple[str, str], str]:
    """The fill each mark cell has before our first mark on it: from the record, else asked of Excel
    (before anything is written). Engines that cannot say (remote) leave it unknown ("")."""
    fills: dict[tuple[str, str], str] = {}
    can_ask = True
    for m in plan.marks:
        key = (m.sheet, m.cell)
        if key in plan.record.marks:
            fills[key] = plan.record.marks[key]
            continue
        color = None
        if can_ask:
            try:
                color = book.sheets[m.sheet].range(m.cell).color
            except NotImplementedError:
                can_ask = False
        fills[key] = _hex(color)
    return fills


def _hex(color: Any) -> str:
    if isinstance(color, tuple) and len(color) == 3:
        return "#{:02X}{:02X}{:02X}".format(*color)
    if isinstance(color, str) and color.startswith("#"):
        return color.upper()
    return ""


def cell_out(v: Any) -> Any:
    """A result value as it is written through xlwings: what the file writer stores, text as text."""
    if v is None:
        return None
    t = type(v)
    if t is str:
        if not v:
            return None
        if len(v) > MAX_TEXT:
            v = v[:MAX_TEXT - 1] + "…"
        return "'" + v
    if t is float:
        if v != v:
            return None
        return v if not math.isinf(v) else "'" + ("∞" if v > 0 else "-∞")
    if t is int or t is bool:
        return v
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return bool(v)
    try:
        if v != v:                                   # NaN, NaT
            return None
    except TypeError:                                # pd.NA
        return None
    if isinstance(v, Integral):
        return int(v)
    if isinstance(v, Real | Decimal):
        f = float(v)
        return f if math.isfinite(f) else "'" + str(v)
    if isinstance(v, dt.date):
        if (v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)) < dt.datetime(1900, 3, 1):
            return "'" + v.isoformat()
        return v
    return "'" + str(v)


def table_grid(t: SheetTable) -> list[list[Any]]:
    """Header and rows, padded to one width, as written (apostrophe-prefixed text)."""
    width = max([len(t.header), *(len(r) for r in t.rows)])
    grid = [[cell_out(v) for v in t.header] + [None] * (width - len(t.header))]
    for row in t.rows:
        grid.append([cell_out(v) for v in row] + [None] * (width - len(row)))
    return grid


def as_excel_holds(grid: list[list[Any]]) -> list[list[Any]]:
    """What Excel hands back for a written grid: the text prefix is not part of the value."""
    return [[v[1:] if isinstance(v, str) and v.startswith("'") else v for v in row] for row in grid]


def write(book, plan: Plan, now: dt.datetime) -> None:
    new_marks = {(m.sheet, m.cell) for m in plan.marks}
    ours = {n.casefold() for n in plan.record.sheets}
    for (sheet, cell), fill in plan.record.marks.items():
        actual = plan.existing.get(sheet.casefold())
        if actual is None or actual.casefold() in ours or (actual, cell) in new_marks or not _valid_cell(cell):
            continue
        book.sheets[actual].range(cell).color = fill or None
    record = Record()
    for t in plan.tables:
        grid = table_grid(t)
        sheet = _result_sheet(book, plan, t.name)
        sheet.range("A1").value = grid
        width = len(grid[0])
        sheet.range((1, 1), (1, width)).color = HEADER_FILL
        for col, code in t.number_formats.items():
            if t.rows:
                sheet.range((2, col + 1), (len(t.rows) + 1, col + 1)).number_format = code
        for (r, c), argb in t.fills.items():
            sheet.range((r + 2, c + 1)).color = "#" + argb[-6:]
        record.sheets[t.name] = (len(grid), width, fingerprint(as_excel_holds(grid)))
    written = {t.name.casefold() for t in plan.tables}
    for name in plan.record.sheets:
        actual = plan.existing.get(name.casefold())
        if actual is not None and name.casefold() not in written:      # a table this run does not produce
            sheet = book.sheets[actual]
            sheet.clear_contents()
            grid = [["'（本次计算没有生成此表，可以删除）"]]
            sheet.range("A1").value = grid
            record.sheets[actual] = (1, 1, fingerprint(as_excel_holds(grid)))
    severities = {}
    for m in sorted(plan.marks, key=lambda m: SEVERITY_ORDER[m.severity]):
        book.sheets[m.sheet].range(m.cell).color = FILLS[m.severity]
        record.marks[(m.sheet, m.cell)] = plan.fills.get((m.sheet, m.cell), "")
        severities[(m.sheet, m.cell)] = m.severity
    counts = _counts(plan.results)
    status = f"{now:%Y-%m-%d %H:%M} 计算完成；规则：{plan.results.rules_source}；问题：{counts}"
    if any(p.severity in ("错误", "警告") for p in plan.results.problems):
        status += "（详见「校验问题」表，有问题的单元格已标色）"
    grid = status_grid(status, f"{now:%Y-%m-%d %H:%M:%S}", plan.results.rules_source, counts, record, severities)
    width = max(len(r) for r in grid)
    out = [[cell_out(v) for v in row] + [None] * (width - len(row)) for row in grid]
    _result_sheet(book, plan, STATUS_SHEET).range("A1").value = out


def _result_sheet(book, plan: Plan, name: str):
    """Our sheet `name`, emptied if it exists (only ever ours: phase 1 checked), else added at the end."""
    actual = plan.existing.get(name.casefold())
    if actual is not None:
        sheet = book.sheets[actual]
        sheet.clear_contents()
        return sheet
    sheet = book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])
    plan.existing[name.casefold()] = name
    return sheet


def _counts(results: Results) -> str:
    c = results.summary.get("problems") or {s: sum(1 for p in results.problems if p.severity == s)
                                           for s in SEVERITY_ORDER}
    return f"错误 {c.get('错误', 0)}，警告 {c.get('警告', 0)}，提示 {c.get('提示', 0)}"


def _done_message(results: Results) -> str:
    s = results.summary
    lines = ["计算完成。", f"规则：{results.rules_source}"]
    if "teachers" in s:
        lines.append(f"教师：{s['teachers']} 人")
    lines.append(f"问题：{_counts(results)}")
    if any(p.severity in ("错误", "警告") for p in results.problems):
        lines.append("请查看「校验问题」表；有问题的单元格已标色（红：错误，黄：警告，蓝：提示）。")
    return "\n".join(lines)


def _alert(book, message: str, mode: str) -> None:
    try:
        book.app.alert(message, title=TITLE, buttons="ok", mode=mode)
    except Exception:
        print(message)


def _log_bug() -> Path:
    """Keep the traceback for support, out of the director's sight."""
    text = traceback.format_exc()
    for folder in (LOG_DIR, Path(os.environ.get("TEMP") or os.environ.get("TMPDIR") or "/tmp")):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "xlrubric-addin-error.log"
            with path.open("a", encoding="utf-8") as f:
                f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S}\n{text}\n")
            return path
        except OSError:
            continue
    return Path("（无法保存日志）")
