"""县汇总's 问题清单 at any scale: a sheet for what a director reads, a linked CSV for everything past it.

A province (20,000 schools) can report a million problems. Excel stops at 1,048,576 rows and at 65,530
hyperlinks per worksheet, and a sheet of a million rows takes minutes to open on a school-office PC. So the
sheet holds at most `SHEET_LIMIT` problems (= MAX_LINKS: every row's 单元格 opens that cell of that school's
result), and when there are more, the complete list is written beside the workbook as `县汇总_问题清单.csv`
(UTF-8 with BOM, which Excel and WPS open as Chinese), the sheet's first rows say so in Chinese and link to
it. Problems are streamed school by school from their side files: memory does not grow with N.

Whether the sheet starts with that note is decided before writing (XlsxWriter's constant-memory mode
writes rows in order), from the listed count each worker records (`problems_listed`); the CSV is written
alongside in any case and kept only when the sheet could not hold everything, so a wrong count can cost the
top note (the last rows then say it) but never a problem.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xlrubric.batch.manifest import Entry
from xlrubric.batch.worker import load_problems
from xlrubric.safetext import CELL_LIMIT, clean

MAX_LINKS = 60_000            # Excel allows 65,530 hyperlinks per worksheet
SHEET_LIMIT = MAX_LINKS       # rows of problems in the sheet: each one's cell is a link
CSV_NAME = "县汇总_问题清单.csv"
COLUMNS = [("学校", 20), ("文件", 24), ("严重程度", 9), ("工作表", 12), ("单元格", 8), ("填写的值", 14),
           ("说明", 44)]
CSV_COLUMNS = [name for name, _ in COLUMNS] + ["结果文件"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def listed(entries: list[Entry]) -> int:
    """Problems the side files hold, from each entry's count (older manifests: the severity counts)."""
    total = 0
    for e in entries:
        if e.status == "unreadable":
            continue
        n = e.summary.get("problems_listed")
        total += n if isinstance(n, int) else sum((e.summary.get("problems") or {}).values())
    return total


def problem_rows(outdir: Path, entries: list[Entry], name_of) -> Iterator[tuple[Entry, list[str], dict]]:
    """(entry, CSV row, problem) for every problem of every readable school, one side file at a time."""
    for e in entries:
        if e.status == "unreadable":
            continue
        school = clean(name_of(e))
        for p in load_problems(outdir, e):
            row = [school, e.input, p.get("severity"), p.get("sheet"), p.get("cell"), p.get("value"),
                   p.get("message"), e.output]
            yield e, ["" if v is None else str(v) for v in row], p


def csv_text(value: str) -> str:
    """A cell of the CSV that Excel will not run: text starting like a formula gets a leading ' (shown)."""
    value = clean(value, CELL_LIMIT, multiline=True)
    return "'" + value if value.startswith(_FORMULA_START) else value


class CsvSink:
    """The complete problem list, streamed to a temp file in OUTDIR; `keep()` publishes it atomically."""

    def __init__(self, outdir: Path) -> None:
        from xlrubric.atomic import TMP_SUFFIX

        self.target = outdir / CSV_NAME
        self.tmp = outdir / f".{CSV_NAME}.{os.getpid()}{TMP_SUFFIX}"
        self.fh = open(self.tmp, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 — closed in keep/drop
        self.writer = csv.writer(self.fh, lineterminator="\r\n")
        self.writer.writerow(CSV_COLUMNS)
        self.rows = 0

    def add(self, row: list[str]) -> None:
        self.writer.writerow([csv_text(v) for v in row])
        self.rows += 1

    def keep(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.target)

    def drop(self) -> None:
        """Not needed (or the summary failed): remove the temp file and any list a bigger run left."""
        self.fh.close()
        for path in (self.tmp, self.target):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def write_problems_sheet(wb, fmt, outdir: Path, entries: list[Entry], name_of, print_setup, header,
                         fit_row) -> int:
    """Fill 问题清单 (and the CSV when needed); return how many problems there are in all."""
    ws = wb.add_worksheet("问题清单")
    expected = listed(entries)
    top = 0
    if expected > SHEET_LIMIT:
        _note(ws, fmt, 0, expected)
        top = 2
    header(ws, fmt, COLUMNS, row=top)
    sink = CsvSink(outdir)
    total = 0
    try:
        for e, row, p in problem_rows(outdir, entries, name_of):
            total += 1
            sink.add(row)
            if total <= SHEET_LIMIT:
                _problem_row(ws, fmt, top + total, e, row, p, fit_row)
        if total > SHEET_LIMIT:
            sink.keep()
            if not top:                      # the counts undercounted: say it on the last row instead
                _note(ws, fmt, SHEET_LIMIT + 1, total)
        else:
            sink.drop()
    except BaseException:
        sink.drop()
        raise
    if total == 0:
        ws.write_string(top + 1, 6, "各校工作簿均未发现问题", fmt["note"])
    else:
        ws.autofilter(top, 0, top + min(total, SHEET_LIMIT), len(COLUMNS) - 1)
    print_setup(ws, "各校工作簿中的问题", COLUMNS, top=top)
    return total


def _problem_row(ws, fmt, r: int, e: Entry, row: list[str], p: dict[str, Any], fit_row) -> None:
    school, rel, sev, sheet, cell, value, message, _ = row
    for c, (text, f) in enumerate([(school, fmt["wrap"]), (rel, fmt["wrap"]),
                                   (sev, {"错误": fmt["bad"], "警告": fmt["warn"]}.get(sev, fmt["text"])),
                                   (sheet, fmt["wrap"])]):
        ws.write_string(r, c, clean(text, CELL_LIMIT, multiline=True), f)
    if cell and sheet and e.output:
        target = clean(f"external:{e.output}#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}", 2000)
        ws.write_url(r, 4, target, fmt["link"], string=clean(cell, 2000))
    else:
        ws.write_string(r, 4, clean(cell, CELL_LIMIT), fmt["text"])
    ws.write_string(r, 5, clean(value, CELL_LIMIT, multiline=True), fmt["wrap"])
    ws.write_string(r, 6, clean(message, CELL_LIMIT, multiline=True), fmt["wrap"])
    # every text a school or path can make long wraps in its column, never cut off at the next cell
    fit_row(ws, r, [(text, width) for text, (_, width) in zip(row, COLUMNS, strict=False) if text])


def _note(ws, fmt, r: int, total: int) -> None:
    """The Chinese statement that the sheet holds part of the list (row r), and the link to all of it (r + 1)."""
    text = (f"共 {total:,} 条问题，本表列出前 {SHEET_LIMIT:,} 条（超过 Excel 每张表的链接上限，表格也会过大难以打开）；"
            f"完整清单见同一文件夹中的「{CSV_NAME}」，可用 Excel 或 WPS 打开、筛选。"
            "CSV 中以 = + - @ 开头的内容前加了 ' ，以免被当作公式。")
    last = len(COLUMNS) - 1
    ws.set_row(r, 34)
    ws.merge_range(r, 0, r, last, text, fmt["wrap"])
    ws.merge_range(r + 1, 0, r + 1, last, "", fmt["link"])
    ws.write_url(r + 1, 0, f"external:{CSV_NAME}", fmt["link"], string=f"打开完整问题清单：{CSV_NAME}")
