"""What a rules sheet hides — rule rows, rule columns, the whole sheet — is read all the same, and said.

The data tables' policy (`readers.hidden`, README 表格格式), completed for the school's own rules: hiding is
not deleting. A director editing the 考核细则 sheet may hide a row, a column (an old 分值, a 备注) or the whole
sheet meaning "we don't use this"; using it silently would be a reading she did not see, and dropping it would
make hiding mean something here that it means nowhere else. So the rules are read exactly as if nothing were
hidden, and one 警告 per kind says what was hidden and used: `hidden_rules` gives them for a workbook's own
考核细则 (校验问题 from `compute`, and `xlrubric lint FILE`), and `xlrubric rules import` (`rulesimport`)
words its own notes from the same searches (`hidden_rows_below`, `hidden_columns_below`, `sheet_hidden`).

Only the workbook reader knows what is hidden (sheet XML, .xls ROW/COLINFO, the sheet's state); the
rules-only install reads with calamine and says nothing of it, as for rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from xlrubric.readers.raw import RawSheet, cell_address, column_letters, row_spans
from xlrubric.readers.text import cell_text, normalize_label
from xlrubric.results import Problem

HIDDEN_CHECKS = {"hidden-sheet": "hidden_sheet", "hidden-rows": "hidden_rows", "hidden-columns": "hidden_columns"}


def _filled(value: Any) -> bool:
    return value not in (None, "") and bool(str(value).strip())


def sheet_hidden(sheet: RawSheet) -> str:
    """How the sheet itself is hidden, in words ("" when it is not): Excel's 隐藏, or 深度隐藏 (veryHidden,
    which Excel's 取消隐藏 does not even list; only the VBA editor shows it)."""
    state = sheet.visible.lower()
    return "" if state == "visible" else "深度隐藏" if state == "veryhidden" else "隐藏"


def hidden_rows_below(sheet: RawSheet, header_at: int) -> list[int]:
    """The hidden rows below the header (0-based `header_at`) that hold something (1-based): a blank row holds
    no rule, and the rows above the header are titles."""
    rows = sheet.rows
    return [i + 1 for i in sorted(sheet.hidden.rows) if header_at < i < len(rows) and any(_filled(c) for c in rows[i])]


def hidden_columns_below(sheet: RawSheet, header_at: int, read: Iterable[int] | None = None,
                         keep: Callable[[list[Any]], bool] | None = None) -> list[tuple[int, str]]:
    """The hidden columns (0-based, with their header text) that hold something below the header: in the rows
    `keep` takes (all when None), among the columns `read` (all when None). A column empty there gives nothing
    to read, so it is not named, hidden or not. A header written on two lines ("权重\n（30分）") is named on one."""
    hidden = sheet.hidden
    if not hidden.cols:
        return []
    body = [r for r in sheet.rows[header_at + 1:] if keep is None or keep(r)]
    width = max((len(r) for r in body), default=0)
    columns = range(width) if read is None else sorted(set(read))
    header = sheet.rows[header_at] if header_at < len(sheet.rows) else []
    return [(j, "".join(cell_text(header[j]).split()) if j < len(header) else "") for j in columns
            if hidden.col_hidden(j) and any(j < len(r) and _filled(r[j]) for r in body)]


def columns_named(found: list[tuple[int, str]]) -> str:
    """第E列（分值）、第I列（说明）; at most six, then 等N列."""
    named = "、".join(f"第{column_letters(j)}列" + (f"（{h}）" if h else "") for j, h in found[:6])
    return named + (f"等{len(found)}列" if len(found) > 6 else "")


def hidden_rules(sheet: RawSheet | None, file: str) -> list[Problem]:
    """The 警告 for what a workbook's own 考核细则 sheet hides, each kind once: the sheet (hidden-sheet), rule
    rows (hidden-rows; with a filter left on, the same 警告 says the filter may be what hid them) and rule
    columns (hidden-columns). Says nothing of how the rules are read: they are read as if nothing were hidden.

    Rows: those below the 类别 header that hold anything (as since session 11: a row half filled in is
    still the director's to check). Columns: only the columns the rules reader reads (`spec.sheet.COLUMNS`:
    类别 … 说明) that hold something on a rule row (one with a 类别 or 名称). A hidden column under another
    header (a school's own 备注) is not read at all, so "其中的内容仍然使用" would be false of it; a read column
    empty on every rule row feeds nothing. A sheet without a 类别 header is no rules sheet (reading it fails on
    its own)."""
    from xlrubric.spec.sheet import COLUMNS, header_row

    if sheet is None:
        return []
    how = sheet_hidden(sheet)
    if not (sheet.hidden or how):
        return []
    header_at = header_row(sheet.rows)
    if header_at is None:
        return []
    cols = {normalize_label(c): j for j, c in enumerate(sheet.rows[header_at]) if _filled(c)}
    key = cols.get(normalize_label("类别"), 0)
    keys = [cols[k] for k in (normalize_label("类别"), normalize_label("名称")) if k in cols]

    def is_rule(row: list[Any]) -> bool:
        return any(j < len(row) and _filled(row[j]) for j in keys)

    out: list[Problem] = []
    here = sheet.name
    if how:
        first = next((i for i in range(header_at + 1, len(sheet.rows)) if is_rule(sheet.rows[i])), header_at)
        deep = "（深度隐藏的表在“取消隐藏”里看不到，可在 VBA 编辑器的属性窗口中把 Visible 改回可见）"
        out.append(Problem(
            "hidden-sheet", f"工作表「{here}」是{how}的，其中的规则仍然使用（本工作簿按这张表计算）；"
            "不用这些规则请删除这张表，而不是隐藏；要用请取消隐藏后核对" + (deep if how == "深度隐藏" else ""),
            "警告", file, here, cell_address(first, key), None))  # type: ignore[arg-type]
    rows = hidden_rows_below(sheet, header_at)
    if rows:
        filtered = sheet.hidden.filtered
        out.append(Problem(
            "hidden-rows", f"考核细则第{row_spans(rows)}行{'被筛选隐藏或手动隐藏' if filtered else '是隐藏的'}，"
            "其中的规则仍然使用；不用的规则请删除这一行（或清空这一行），而不是隐藏"
            + ("（表上有筛选：也请清除筛选后核对）" if filtered else ""),
            "警告", file, here, cell_address(rows[0] - 1, key), None))  # type: ignore[arg-type]
    read = [j for name, j in cols.items() if name in {normalize_label(c) for c in COLUMNS}]
    found = hidden_columns_below(sheet, header_at, read, is_rule)
    if found:
        out.append(Problem(
            "hidden-columns", f"考核细则{columns_named(found)}是隐藏的，其中的内容仍然使用；"
            "请取消隐藏后核对，不用的内容请清空，而不是隐藏",
            "警告", file, here, cell_address(header_at, found[0][0]), None))  # type: ignore[arg-type]
    return out

