"""Hidden rows and columns of a worksheet, and the 警告 when a table reads them.

Policy (README 表格格式): a hidden row still counts — hiding is how people look at part of a sheet (a filter
left on hides every row it leaves out), and a row that must not count is deleted, not hidden. Counting it
silently would still be a reading the director did not see, so each table says, once per sheet, which of its
rows are hidden and that they were counted; likewise for a hidden column the table reads. One 警告 per sheet
(naming the rows, e.g. 第5、8-12行) and not one per row: a filter can hide hundreds of rows, and as many
warnings would bury every other message in 校验问题.

Found in the worksheet XML calamine does not report: `<row … hidden="1">`, `<col min max … hidden="1">` and
`<autoFilter>`. Not a second parse of the sheet: one byte search for `hidden` (absent from almost every
sheet; about 0.3 ms on the benchmark's 444 KB 签到登记, under 0.5% of computing it), then only the tags around
its few hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xlrubric.readers.raw import NOTHING_HIDDEN, HiddenLines, RawSheet, cell_address, column_letters, row_spans
from xlrubric.results import Problem

_TRUE = re.compile(rb"""(?<![\w.:\-])hidden\s*=\s*["'](?:1|true)["']""")
_ATTR = re.compile(rb"""(?<![\w.:\-])(r|min|max)\s*=\s*["']\s*([0-9]{1,7})\s*["']""")
_TAG_NAME = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(row|col)(?=[\s/>])")
_FILTER = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?autoFilter(?=[\s/>])")


def hidden_lines(data: bytes) -> HiddenLines:
    """The hidden rows and columns a worksheet part declares, and whether it has an autoFilter."""
    if b"hidden" not in data:         # a filter hides rows by marking them hidden: nothing hidden, nothing to say
        return NOTHING_HIDDEN
    filtered = _FILTER.search(data) is not None
    rows: set[int] = set()
    cols: list[tuple[int, int]] = []
    pos = data.find(b"hidden")
    while pos >= 0:
        start = data.rfind(b"<", 0, pos)
        end = data.find(b">", pos)
        tag = data[start:end + 1] if start >= 0 and end >= 0 else b""
        name = _TAG_NAME.match(tag)
        if name and _TRUE.search(tag):
            found = {k: int(v) for k, v in _ATTR.findall(tag)}
            if name.group(1) == b"row" and found.get(b"r", 0) >= 1:
                rows.add(found[b"r"] - 1)
            elif name.group(1) == b"col" and found.get(b"min", 0) >= 1:
                cols.append((found[b"min"] - 1, max(found.get(b"max", found[b"min"]), found[b"min"]) - 1))
        pos = data.find(b"hidden", max(end, pos + 6))
    return HiddenLines(frozenset(rows), tuple(cols), filtered)


def hidden_problems(sheet: RawSheet, rownums: Iterable[int], columns: dict[str, int], key_col: int,
                    header_row: int, file: str) -> list[Problem]:
    """The 警告 for a table of `sheet` whose kept rows (1-based `rownums`) or read `columns` are hidden."""
    hidden = sheet.hidden
    out: list[Problem] = []
    rownums = [int(r) for r in rownums]
    if sheet.visible != "visible" and rownums:      # the whole sheet hidden: read all the same, and said
        out.append(Problem(
            "hidden-sheet", f"工作表「{sheet.name}」是隐藏的，其中第{row_spans(rownums)}行仍然计入；不用的表请删除，"
            "而不是隐藏", "警告", file, sheet.name, cell_address(rownums[0] - 1, key_col), None))  # type: ignore[arg-type]
    if hidden.rows:
        counted = [r for r in rownums if r - 1 in hidden.rows]
        if counted:
            why = "被筛选隐藏或手动隐藏" if hidden.filtered else "是隐藏的"
            out.append(Problem(
                "hidden-rows", f"第{row_spans(counted)}行{why}，仍然计入；不应计入的行请删除，而不是隐藏"
                + ("（也请清除筛选后核对）" if hidden.filtered else ""),
                "警告", file, sheet.name, cell_address(counted[0] - 1, key_col), None))  # type: ignore[arg-type]
    if hidden.cols:
        read = sorted((c, name) for name, c in columns.items() if hidden.col_hidden(c))
        if read:
            named = "、".join(f"{column_letters(c)}列（{name}）" for c, name in read[:6])
            named += f"等{len(read)}列" if len(read) > 6 else ""
            out.append(Problem(
                "hidden-columns", f"{named}是隐藏的，仍然读取；不用的列请删除或清空，而不是隐藏", "警告", file,
                sheet.name, cell_address(header_row - 1, read[0][0]), None))  # type: ignore[arg-type]
    return out
