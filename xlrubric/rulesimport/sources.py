"""Read a school's 考核细则 — a Word table, an Excel sheet, or text pasted from either — into one grid.

The grid is a list of rows of cell texts, in reading order: text around the table comes as one-cell
rows, table rows as their cells (merged cells give their text once, in their first row and column), so
`table.parse_grid` sees the same thing whatever the school's file was.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from xlrubric.errors import RulesError
from xlrubric.readers.text import cell_text

Grid = list[list[str]]


def read_source(source: str | Path | bytes, is_header: Callable[[str], bool], *,
                name: str = "") -> tuple[Grid, str]:
    """(grid, name of the source) for a path (.docx, .xlsx/.xls/.xlsm, .txt), `-` (stdin), pasted text, or
    the bytes of an uploaded file (`name` gives its file name, when known)."""
    if isinstance(source, bytes):
        name = name or "上传的文件"
        return read_bytes(source, name, is_header), name
    if isinstance(source, str) and source == "-":
        return text_grid(sys.stdin.read(), is_header), "标准输入"
    if isinstance(source, str) and ("\n" in source or len(source) > 260):
        return text_grid(source, is_header), "粘贴的文本"
    path = Path(source)
    if not path.is_file():
        raise RulesError("找不到要导入的考核细则文件", file=str(path),
                         hint="给出 Word（.docx）、Excel（.xlsx）或文本（.txt）文件；用 - 从标准输入读取粘贴的文本")
    return read_bytes(path.read_bytes(), path.name, is_header), path.name


def _kind(data: bytes, suffix: str) -> str:
    """docx / sheet / doc / text, by the bytes first (an upload may have no name), then the extension."""
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "sheet"
    if data[:4] == b"\xd0\xcf\x11\xe0":             # OLE: a legacy .xls, or a legacy .doc
        return "doc" if suffix == ".doc" else "sheet"
    if suffix in (".docx", ".doc"):
        return suffix[1:]
    return "sheet" if suffix in (".xlsx", ".xlsm", ".xls", ".et") else "text"


def read_bytes(data: bytes, name: str, is_header: Callable[[str], bool]) -> Grid:
    kind = _kind(data, Path(name).suffix.lower())
    if kind == "docx":
        return docx_grid(data, name)
    if kind == "sheet":
        return sheet_grid(data, name, is_header)
    if kind == "doc":
        raise RulesError("不能读取旧版 Word（.doc）文件", file=name,
                         hint="在 Word 或 WPS 中“另存为”.docx 后再导入，或把表格复制粘贴到 .txt 文件中")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return text_grid(data.decode(encoding), is_header)
        except UnicodeDecodeError:
            continue
    raise RulesError("文本文件既不是 UTF-8 也不是 GBK 编码", file=name)


def _clean(text: str) -> str:
    return "\n".join(line.strip() for line in str(text).replace("\r", "").split("\n")).strip()


def docx_grid(data: bytes, name: str) -> Grid:
    """Paragraphs and table rows of a .docx in document order; a vertically merged cell only once."""
    try:
        import docx
        from docx.table import Table
    except ModuleNotFoundError as exc:       # pragma: no cover - a main dependency
        raise RulesError("读取 Word 文件需要 python-docx", hint='pip install "python-docx"') from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:                 # python-docx raises zip/XML/KeyError variants on bad files
        raise RulesError(f"无法作为 Word 文档打开：{exc}", file=name,
                         hint="确认文件是 .docx（不是改了扩展名的 .doc 或 .wps）") from exc
    grid: Grid = []
    for block in document.iter_inner_content():
        if not isinstance(block, Table):
            if block.text.strip():
                grid.append([_clean(block.text)])
            continue
        above: list = []
        for row in block.rows:
            cells, seen = [], set()
            for j, cell in enumerate(row.cells):
                tc = cell._tc
                repeat = tc in seen or (j < len(above) and above[j] is tc)
                seen.add(tc)
                cells.append("" if repeat else _clean(cell.text))
            above = [c._tc for c in row.cells]
            grid.append(cells)
    return grid


def sheet_grid(data: bytes, name: str, is_header: Callable[[str], bool]) -> Grid:
    """The sheet of a workbook that holds the table's header (calamine gives a merged cell once): the first
    visible one, else the first hidden one. A school's rules workbook may keep last year's table on a hidden
    sheet in front of this year's: taking the first sheet in order imported the old rules (said only as a
    hidden sheet). The other sheets that also look like a rules table are named (`others`), so the director
    sees which one was imported."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
                  for name in book.sheet_names]
        shown = {m.name for m in book.sheets_metadata if str(m.visible) == "SheetVisibleEnum.Visible"}
    except Exception as exc:                 # calamine's own errors: not a workbook, corrupt, encrypted
        raise RulesError(f"无法读取工作簿：{exc}", file=name) from exc
    grids = [(sheet, [[_cell(v) for v in row] for row in rows]) for sheet, rows in sheets]
    tables = [(sheet, grid) for sheet, grid in grids if any(is_header(c) for row in grid for c in row)]
    if not tables:
        raise RulesError("工作簿中没有找到考核细则表（表头应有「项目」「考核标准」等列）", file=name,
                         hint=f"各工作表：{'、'.join(n for n, _ in sheets)}")
    sheet, grid = next((t for t in tables if t[0] in shown), tables[0])
    found = _hidden_grid(grid, data, name, sheet, is_header)
    found.others = [other for other, _ in tables if other != sheet]
    return found


class HiddenRowsGrid(list):
    """A sheet's grid that also knows what of it is hidden: its rows below the header that hold text (1-based
    `hidden`), its columns that hold text below the header (`hidden_columns`: 0-based, with header text), how
    the sheet itself is hidden (`hidden_sheet`: "", 隐藏 or 深度隐藏) and whether a filter is on (`filtered`).
    All of it is imported like the rest (hiding is no deletion, the data tables' policy), and `import_rules`
    says so, since a school may hide a clause, a column or the whole sheet it no longer uses."""

    def __init__(self, grid: Grid, hidden: list[int], *, sheet: str = "", hidden_columns: list[tuple[int, str]] = (),
                 hidden_sheet: str = "", filtered: bool = False) -> None:
        super().__init__(grid)
        self.hidden = hidden
        self.sheet = sheet
        self.hidden_columns = list(hidden_columns)
        self.hidden_sheet = hidden_sheet
        self.filtered = filtered
        self.others: list[str] = []          # other sheets that look like a rules table too (`sheet_grid`)


def _hidden_grid(grid: Grid, data: bytes, name: str, sheet: str, is_header: Callable[[str], bool]) -> HiddenRowsGrid:
    """`grid` with what the workbook reader finds hidden in `sheet` (calamine does not say), through the same
    searches as a workbook's own 考核细则 (`spec.hidden`). Columns: any that holds text below the header, not
    only the header's known columns, since the importer also reads the text rows under the table from every
    cell (the 等次 line, a note). Only a note: a file it cannot read (calamine could), or the rules-only
    install without the workbook reader, has none to say."""
    try:
        from xlrubric.readers.workbook import read_workbook_bytes
        from xlrubric.spec.hidden import hidden_columns_below, hidden_rows_below, sheet_hidden

        found = read_workbook_bytes(data, name=name).sheet(sheet)
    except Exception:                        # the grid was read; the note on what is hidden is not worth a refusal
        found = None
    if found is None or not (found.hidden or sheet_hidden(found)):
        return HiddenRowsGrid(grid, [], sheet=sheet)
    top = next(i for i, row in enumerate(grid) if any(is_header(c) for c in row))
    return HiddenRowsGrid(grid, hidden_rows_below(found, top), sheet=sheet,
                          hidden_columns=hidden_columns_below(found, top), hidden_sheet=sheet_hidden(found),
                          filtered=found.hidden.filtered)


def _cell(v: object) -> str:
    return _clean(cell_text(v))


def text_grid(text: str, is_header: Callable[[str], bool]) -> Grid:
    """Text pasted from Excel (tab-separated rows) or from a Word table (one tab-led line per cell)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    if any(len([c for c in line.split("\t") if c.strip()]) >= 3 and sum(is_header(c) for c in line.split("\t")) >= 2
           for line in lines):
        return [[_clean(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter="\t")]
    return _word_paste(lines, is_header)


def _word_paste(lines: list[str], is_header: Callable[[str], bool]) -> Grid:
    """Word puts each table cell on its own line led by a tab; a cell's further paragraphs come untabbed.

    The header row is the run of tab-led cells from the first header word up to the first blank line; its
    length is the width of every row after it. An untabbed line once a row is complete ends the table,
    unless it reads as a rule (contains 扣…分), which Word wrapped out of the last cell.
    """
    before: Grid = []
    after: Grid = []
    cells: list[str] = []
    width = 0
    state = "before"
    for line in lines:
        tabbed = line.startswith("\t")
        body = line.strip()
        if state == "before" and tabbed and is_header(body):
            state = "table"
        if state != "table":
            if body:
                (before if state == "before" else after).append([body])
            continue
        if not width and not body and not tabbed and len(cells) >= 2:
            width = len(cells)                      # the blank line that ends the header row
        elif tabbed:
            cells.append(body)
        elif body:
            if width and len(cells) % width == 0 and not ("扣" in body and "分" in body):
                state = "after"
                after.append([body])
            elif cells:
                cells[-1] = f"{cells[-1]}\n{body}" if cells[-1] else body
    width = width or len(cells)
    table = [cells[i:i + width] for i in range(0, len(cells), width)] if width else []
    return before + table + after
