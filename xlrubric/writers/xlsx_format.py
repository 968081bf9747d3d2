"""XlsxWriter helpers shared by the blank template and `rules export`: one look, one 考核细则 sheet.

Both write brand-new workbooks (never a school's file), so XlsxWriter is the right tool. The output must be
byte-for-byte reproducible — the templates are checked in and a test regenerates them — so the document
properties carry a fixed date and every string is written as a string (a rule text starting with "=" must
never become a formula).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlrubric.atomic import atomic_output
from xlrubric.errors import OutputError
from xlrubric.spec.model import KIND_LABELS, PENDING, Spec
from xlrubric.spec.sheet import COLUMNS, RULES_SHEET, spec_to_rows
from xlrubric.writers.pagesetup import LINE_POINTS, PageLayout, apply_xlsxwriter, table_layout
from xlrubric.writers.textwidth import text_lines

# Fixed so that regenerating a template gives identical bytes (docProps/core.xml would hold "now").
CREATED = dt.datetime(2024, 1, 1)
RULE_CATEGORIES = ("设置", "项目", "扣分", "等次", "策略", "数据")
RULE_WIDTHS = {"类别": 7, "名称": 24, "所属项目": 16, "方式": 11, "分值": 7, "上限": 7, "参数": 40,
               "原文": 50, "说明": 44}
RULE_BLANK_ROWS = 100          # rows below the rules that keep the 类别 dropdown, for a school's additions
HEADER_FILL = "#DDEBF7"
TITLE_HEIGHT = 26


@dataclass
class Styles:
    """The formats of one workbook (XlsxWriter formats belong to the workbook that made them)."""

    title: Any
    header: Any
    label: Any
    value: Any
    text: Any
    wrap: Any
    date: Any
    count: Any
    prose: Any
    heading: Any
    link: Any


def new_workbook(target: io.BytesIO | str, *, title: str) -> tuple[Workbook, Styles]:
    """A workbook with fixed properties and safe string handling, and its styles.

    The one factory for every new workbook we write (template, 考核细则, 培训档案, a legacy .xls school's
    results), so they share one look and none can turn a school's text into a formula or a link.
    """
    wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": title, "author": "xlrubric", "company": "", "created": CREATED,
                       "comments": "由 xlrubric 生成"})
    border = {"border": 1, "border_color": "#9BA7B4"}
    st = Styles(
        title=wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        header=wb.add_format({"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "align": "center",
                              "valign": "vcenter", **border}),
        label=wb.add_format({"bold": True, "bg_color": HEADER_FILL, "valign": "vcenter", **border}),
        value=wb.add_format({"num_format": "@", "valign": "vcenter", **border}),
        text=wb.add_format({"num_format": "@", "valign": "top"}),
        wrap=wb.add_format({"text_wrap": True, "valign": "top"}),
        date=wb.add_format({"num_format": "yyyy-mm-dd", "align": "center"}),
        count=wb.add_format({"num_format": "0", "align": "center"}),
        prose=wb.add_format({"text_wrap": True, "valign": "top"}),
        heading=wb.add_format({"bold": True, "font_size": 12}),
        link=wb.add_format({"font_color": "#0563C1", "underline": 1}),
    )
    return wb, st


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Any = None, date_fmt: Any = None) -> None:
    """Write by Python type: text stays text (never a formula), numbers stay numbers, None and NaN are a
    blank (XlsxWriter keeps a blank only when it has a format); a date takes `date_fmt` when given."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, date_fmt or fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def title_row(ws: Worksheet, st: Styles, text: str, width: int) -> None:
    """Row 1: the title merged across the table (the readers skip it and find the header below)."""
    if width > 1:
        ws.merge_range(0, 0, 0, width - 1, text, st.title)
    else:
        ws.write_string(0, 0, text, st.title)
    ws.set_row(0, TITLE_HEIGHT)


def print_setup(ws: Worksheet, layout: PageLayout, *, header_rows: int) -> None:
    """A4 as `pagesetup.plan_pages` decided (upright or landscape, readable scale, page groups repeating the
    key columns; never fit to one page wide), rows 1..`header_rows` (0-based last row) repeated on every
    page, sheet name and page numbers on every page."""
    apply_xlsxwriter(ws, layout, header_row=None, result=False)
    if header_rows:
        ws.repeat_rows(0, header_rows)


def row_lines(row: list[Any], widths: list[float], wrap: set[int]) -> int:
    """Lines the tallest wrapped cell of `row` takes (1 when none wraps)."""
    return max((text_lines(row[c], widths[c]) for c in wrap if c < len(row) and isinstance(row[c], str)),
               default=1)


def validate(ws: Worksheet, first_row: int, col: int, last_row: int, options: dict[str, Any]) -> None:
    """Add a data validation, failing loudly where XlsxWriter would only warn and skip it."""
    if ws.data_validation(first_row, col, last_row, col, options) != 0:
        raise ValueError(f"数据验证无效：{ws.name} 第{col + 1}列 {options}")


def write_rules_sheet(wb: Workbook, st: Styles, spec: Spec) -> Worksheet:
    """The 考核细则 sheet: title, header (row 2), one row per setting/item/rule/band/policy."""
    ws = wb.add_worksheet(RULES_SHEET)
    rows = spec_to_rows(spec)
    layout = table_layout(COLUMNS, rows[1:], [RULE_WIDTHS.get(name, 12) for name in COLUMNS])
    wrap = set(range(len(COLUMNS)))       # every cell wraps and sits at the top of its (grown) row
    title_row(ws, st, f"{spec.name}（考核细则：可按本校实际修改，改后可用 xlrubric lint 检查）", len(COLUMNS))
    for c, name in enumerate(COLUMNS):
        ws.set_column(c, c, layout.widths[c], st.wrap if c in wrap else None)
        ws.write_string(1, c, name, st.header)
    ws.set_row(1, layout.header_height)
    first = 2
    for r, row in enumerate(rows[1:], start=first):
        lines = row_lines(row, layout.widths, wrap)
        if lines > 1:                       # neither Excel nor LibreOffice grows a row for wrapped text on load
            ws.set_row(r, LINE_POINTS * lines + 2)
        for c, value in enumerate(row):
            write_value(ws, r, c, value, st.wrap if c in wrap else None)
    kind_col, cat_col = COLUMNS.index("方式"), COLUMNS.index("类别")
    last = first + len(rows) - 2
    validate(ws, first, cat_col, last + RULE_BLANK_ROWS, {
        "validate": "list", "source": list(RULE_CATEGORIES), "input_title": "类别",
        "input_message": "设置 / 项目 / 扣分 / 等次 / 策略：扣分行须写在它所属的项目行之后",
        "error_title": "类别", "error_message": "请从下拉列表中选择：" + "、".join(RULE_CATEGORIES)})
    kinds = list(KIND_LABELS.values())
    for start, end in _runs([r for r, row in enumerate(rows[1:], start=first) if row[cat_col] == "扣分"]):
        validate(ws, start, kind_col, end, {
            "validate": "list", "source": kinds, "input_title": "扣分方式",
            "input_message": "每次：按次数扣；一次：有就扣一次；不得分：该项0分；不纳入考核：该项不计分；"
                             "每少一项：按缺少的项目数扣",
            "error_title": "扣分方式", "error_message": "请从下拉列表中选择：" + "、".join(kinds)})
    _pending_choices(wb, ws, spec, rows, first)
    ws.freeze_panes(first, 2)
    print_setup(ws, layout, header_rows=1)
    return ws


def _pending_choices(wb: Workbook, ws: Worksheet, spec: Spec, rows: list[list[Any]], first: int) -> None:
    """An undecided policy (imported rules) shows 待确认 in red, with its options as a dropdown in 方式."""
    kind_col, id_col = COLUMNS.index("方式"), COLUMNS.index("所属项目")
    red = None                      # made only when needed: a preset's sheet stays byte-identical
    for r, row in enumerate(rows[1:], start=first):
        policy = spec.policy_obj(str(row[id_col])) if row[0] == "策略" else None
        if policy is None or not policy.pending:
            continue
        red = red or wb.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        ws.write_string(r, kind_col, PENDING, red)
        keys = [k for k in policy.options if k != PENDING]
        validate(ws, r, kind_col, r, {
            "validate": "list", "source": keys, "input_title": "请选择本校的做法",
            "input_message": "各选项的说明见同一行的「参数」列（选项编号=说明）"[:255],
            "error_title": "选项", "error_message": "请从下拉列表中选择：" + "、".join(keys)})


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers grouped into (first, last) ranges."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def rules_workbook_bytes(spec: Spec) -> bytes:
    """A workbook holding only the 考核细则 sheet, as `rules export` writes it."""
    buf = io.BytesIO()
    wb, st = new_workbook(buf, title=f"{spec.name} 考核细则")
    write_rules_sheet(wb, st, spec)
    wb.close()
    return buf.getvalue()


def refuse_overwrite(path: Path, force: bool) -> None:
    """Existing files are the user's: replace one only when asked."""
    if path.exists() and not force:
        raise OutputError(f"文件已存在：{path}", hint="换一个文件名，或加 --force 覆盖")


def save(path: Path, data: bytes) -> None:
    """Write a new workbook or rules file atomically (the shared writer keeps half files from appearing)."""
    with atomic_output(path) as fh:
        fh.write(data)
