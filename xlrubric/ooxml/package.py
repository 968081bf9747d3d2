"""Write our results into a school's own .xlsx/.xlsm by editing the package surgically.

Why hand-written: a load-and-save through openpyxl drops text boxes and shapes, sparklines, 2010
extensions (data bars, cross-sheet dropdowns), WPS in-cell images (xl/cellimages.xml), customXml and
rich text, and rewrites charts and comments (measured: docs/measured.md); XlsxWriter cannot open an
existing file at all. Here we touch only the parts we must — workbook.xml and its relationships, [Content_Types].xml,
styles.xml, the marked sheets with their comments/VML, and parts that are wholly ours — and every other
part is copied as its original compressed bytes. `preserve.check_preserved` is the oracle for that.

A run is `strip` (take off everything a previous run added, exactly, using the record stored in the
workbook) followed by `apply`; because strip is the exact inverse of apply, running twice on the same
inputs gives a byte-identical file.

Name clash policy: a sheet that has one of our names but is not listed in our record is the school's. We
never overwrite it: `write_results` raises `OutputError` telling the user to rename it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xlrubric.atomic import write_atomic
from xlrubric.errors import OutputError
from xlrubric.ooxml import opc
from xlrubric.ooxml.marks import mark_sheet, merge_marks, unmark_sheet
from xlrubric.ooxml.record import find_record, remove_record, write_record
from xlrubric.ooxml.sheetxml import filter_range, print_titles, sheet_part
from xlrubric.ooxml.styles import StylesPart, strip_styles, styles_part
from xlrubric.ooxml.workbook import WorkbookPart, check_sheet_name
from xlrubric.ooxml.zipio import SourceZip, write_package
from xlrubric.results import CellMark, SheetTable
from xlrubric.writers.pagesetup import table_layout

WORKSHEET_TYPES = {opc.CT_WORKSHEET, "application/vnd.ms-excel.worksheet"}
MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam"}
PLAIN_SUFFIXES = {".xlsx", ".xltx"}


def write_results(src: Path, dst: Path, tables: list[SheetTable], marks: list[CellMark], *,
                  backup: bool = False) -> None:
    """Write `tables` as our result sheets and `marks` onto the school's cells; `dst` may equal `src`.

    With `backup`, an existing `dst` is first copied to `<name>.<timestamp>.bak<ext>` (for --in-place).
    """
    src, dst = Path(src), Path(dst)
    _check_tables(tables, src)
    with SourceZip(src) as pkg, _malformed(src):
        work = opc.Work(pkg)
        wb = WorkbookPart(work, work.office_document())
        macro = "macroEnabled" in (work.content_type(wb.part) or "")
        _check_suffix(dst, macro)
        _strip(work, wb)
        _apply(work, wb, tables, marks, src, macro)
        _write(pkg, work, dst, backup)


def strip_results(src: Path, dst: Path) -> None:
    """Write a copy of `src` with everything xlrubric added taken off again."""
    with SourceZip(Path(src)) as pkg, _malformed(Path(src)):
        work = opc.Work(pkg)
        wb = WorkbookPart(work, work.office_document())
        _strip(work, wb)
        _write(pkg, work, Path(dst), False)


@contextmanager
def _malformed(src: Path) -> Iterator[None]:
    """A package missing a part it must have, or with an unreadable one, is bad input, not a crash."""
    try:
        yield
    except (KeyError, ValueError, IndexError, UnicodeError, zipfile.BadZipFile) as exc:
        raise OutputError(f"工作簿的结构不完整或已损坏（{type(exc).__name__}: {exc}），无法安全写入结果。",
                          file=src.name, hint="请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试。") from exc


def _write(pkg: SourceZip, work: opc.Work, dst: Path, backup: bool) -> None:
    entries = work.build()

    def write(f) -> None:
        write_package(f, pkg, entries)
        pkg.close()                  # before the rename: Windows cannot replace a file that is open

    write_atomic(dst, write, backup=backup)


def _check_suffix(dst: Path, macro: bool) -> None:
    """Excel refuses a file whose extension disagrees with its content (a macro book saved as .xlsx)."""
    suffix = dst.suffix.lower()
    if macro and suffix in PLAIN_SUFFIXES:
        raise OutputError("原工作簿含有宏，输出文件的扩展名须为 .xlsm，否则 Excel 无法打开。", file=dst.name,
                          hint="请把输出文件名改为 .xlsm。")
    if not macro and suffix in MACRO_SUFFIXES:
        raise OutputError("原工作簿不含宏，输出文件的扩展名须为 .xlsx，否则 Excel 无法打开。", file=dst.name,
                          hint="请把输出文件名改为 .xlsx。")


def _check_tables(tables: list[SheetTable], src: Path) -> None:
    seen: set[str] = set()
    for t in tables:
        why = check_sheet_name(t.name)
        if why:
            raise OutputError(f"结果表名称「{t.name}」不可用：{why}。", file=src.name)
        if t.name.casefold() in seen:
            raise OutputError(f"结果表「{t.name}」重复。", file=src.name)
        seen.add(t.name.casefold())


def _strip(work: opc.Work, wb: WorkbookPart) -> None:
    record, where = find_record(work, wb.part)
    if where is None:
        return
    record = record or {}
    fallback: list[StylesPart] = []

    def styles() -> StylesPart:          # only when a re-saved file needs the fill fallback
        if not fallback:
            fallback.append(StylesPart(work, styles_part(work, wb.part, {})))
        return fallback[0]
    for entry in record.get("marks", []):
        ref = wb.find(entry.get("sheet", ""))
        if ref is not None and ref.part and work.exists(ref.part):
            unmark_sheet(work, ref.part, entry, styles)
    if fallback:
        fallback[0].finish({})
    for name in reversed(record.get("sheets", [])):
        ref = wb.find(name)
        if ref is not None:
            wb.remove_sheet(ref)
    if record.get("defined_names_created"):
        wb.drop_empty_defined_names()
    if record.get("styles"):
        strip_styles(work, record["styles"])
    created = record.get("styles_part")
    if created and work.exists(created["part"]):
        work.remove(created["part"])
        work.remove_override(created["part"])
        work.remove_rel(wb.part, created["rel"])
    remove_record(work, where)


def _apply(work: opc.Work, wb: WorkbookPart, tables: list[SheetTable], marks: list[CellMark], src: Path,
           macro: bool) -> None:
    record: dict[str, Any] = {"format": 1, "generator": "xlrubric", "sheets": [], "marks": []}
    for t in tables:
        clash = wb.find(t.name)
        if clash is not None:
            raise OutputError(
                f"工作簿中已有名为「{clash.name}」的工作表，它不是 xlrubric 写入的；"
                "为免覆盖学校的数据，未写入结果。",
                file=src.name, sheet=clash.name,
                hint=f"请把该工作表改名（如「{clash.name}（原表）」）或删除后再运行。")
    styles = StylesPart(work, styles_part(work, wb.part, record))
    parts, layouts = [], []
    for k, t in enumerate(tables, 1):
        part = work.free_name("xl/worksheets/sheet{}.xml")
        # A macro workbook's sheets carry VBA code names (XlsxWriter sets them for the same reason).
        layout = table_layout(t.header, t.rows, t.col_widths)     # once: the sheet and its print titles
        work.add(part, sheet_part(t, styles, f"xlrubric{k}" if macro else None, layout))
        parts.append((t.name, part))
        layouts.append(layout)
    # the sheets, then their names, each added in one edit (the same text as one at a time: issue 16)
    names: list[tuple[str, int, str, bool]] = []
    for t, ref, layout in zip(tables, wb.add_sheets(parts), layouts, strict=True):
        record["sheets"].append(t.name)
        rng = filter_range(t)
        if rng:
            names.append(("_xlnm._FilterDatabase", ref.index, rng, True))
        titles = print_titles(t, layout)
        if titles:
            names.append(("_xlnm.Print_Titles", ref.index, titles, False))
    wb.add_defined_names(names, record)
    ours = {t.name.casefold() for t in tables}
    by_sheet: dict[str, list[CellMark]] = {}
    for m in marks:
        if m.sheet.casefold() not in ours:
            by_sheet.setdefault(m.sheet, []).append(m)
    for name, sheet_marks in by_sheet.items():
        ref = wb.find(name)
        if ref is None or not ref.part or ref.content_type not in WORKSHEET_TYPES:
            continue        # no such worksheet (or a chart sheet): the problem list still has it
        record["marks"].append(mark_sheet(work, styles, ref.name, ref.part, merge_marks(sheet_marks)))
    styles.finish(record)
    write_record(work, wb.part, record)
