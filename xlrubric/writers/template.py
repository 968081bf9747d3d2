"""The blank workbook a school fills in, one per preset, built from the sheet layouts.

The readers locate tables by their layouts, so the template is generated from the same `Layout`s and the
two cannot disagree. Contract the readers rely on (every table sheet):
  row 1  the title, merged across the table;
  row 2  the header (bold, filled, bordered, wrapped); data from row 3.
  考核记录 only: row 2 holds the item names (each merged across its 扣分事项 columns; 工号, 姓名, 备注
  merged over rows 2–3), row 3 the 扣分事项 names exactly as `Deduction.event`; data from row 4.
基本信息 is a form: labels in column A, values in column B, title in row 1, fields from row 2.
Dropdown lists too long for Excel's 255-character inline limit live on a hidden sheet `_lists` behind
defined names `xlr_list_<n>`.

Adding a sheet (e.g. 学时登记) is one `TableSheet` entry in `TABLES`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlrubric.schemas.layout import (
    INFO_FIELDS,
    INFO_SHEET,
    OVERRIDE,
    ROSTER,
    SIGNIN,
    STAGES,
    SUBMISSION,
    Column,
    Layout,
    hours_layout,
    record_layout,
    scores_layout,
)
from xlrubric.spec.load import load_preset, preset_ids
from xlrubric.spec.model import Spec
from xlrubric.writers.guide import write_guide
from xlrubric.writers.pagesetup import (
    LINE_POINTS,
    PADDING,
    PageLayout,
    content_widths,
    plan_pages,
)
from xlrubric.writers.textwidth import display_width
from xlrubric.writers.xlsx_format import (
    Styles,
    new_workbook,
    print_setup,
    refuse_overwrite,
    save,
    title_row,
    validate,
    write_rules_sheet,
    write_value,
)

LISTS_SHEET = "_lists"
INLINE_LIST_MAX = 255
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2099, 12, 31)


def _has_rubric(spec: Spec) -> bool:
    return spec.rubric is not None


def item_names(spec: Spec) -> tuple[str, ...]:
    return tuple(i.name for i in spec.rubric.items) if spec.rubric else ()


def record_groups(spec: Spec) -> dict[str, str]:
    """考核记录's upper header: each 扣分事项 column under its item."""
    return {d.event: item.name for item, d in spec.rubric.deductions} if spec.rubric else {}


@dataclass(frozen=True)
class TableSheet:
    """One input table of the template: its layout and what the spec adds to it."""

    layout: Callable[[Spec], Layout]
    about: str                                      # one line for 填写说明: what the sheet is for
    rows: int = 500                                 # data rows that get validation
    when: Callable[[Spec], bool] = lambda spec: True
    choices: Callable[[Spec], dict[str, tuple[str, ...]]] = lambda spec: {}   # column -> dropdown values
    groups: Callable[[Spec], dict[str, str]] | None = None   # column -> upper header (two header rows)
    freeze_cols: int = 0


TABLES: list[TableSheet] = [
    TableSheet(lambda spec: ROSTER, rows=300,
               about="必填。每位参训教师一行：工号、姓名、性别、出生日期、入职日期、学科、教研组、组别/角色。"
                     "其他表用工号（或姓名）对应到这里的教师。"),
    TableSheet(record_layout, when=_has_rubric, groups=record_groups, freeze_cols=2,
               about="必填。每位教师一行，按考核细则的扣分事项逐列填写次数或项数（第2行是考核项目，第3行是扣分事项）。"),
    TableSheet(lambda spec: SIGNIN,
               about="选填。每位教师每次活动一行，填写签到状态；填了它，缺签到、迟到/早退/间缺的次数由它推算。"),
    TableSheet(lambda spec: SUBMISSION, when=_has_rubric, choices=lambda spec: {"材料": item_names(spec)},
               about="选填。每位教师每份材料一行，填写提交日期；填了它，迟交和未交由它推算。"),
    TableSheet(lambda spec: OVERRIDE, choices=lambda spec: {"项目": item_names(spec) + ("等次",)},
               about="选填。教务主任对计算结果的调整：写明教师、项目（考核项目或“等次”）、调整为多少，"
                     "并必须写明原因；调整会保留并显示在结果中。"),
    TableSheet(hours_layout, rows=2000, when=lambda spec: spec.hours is not None or bool(spec.requirements),
               about="每项研修活动一行：日期、类别、角色、级别、等次、时长/天数/证书学时、字数、数量（节数、页数）、"
                     "题目、审核状态。学时和达标要求由它计算；「认定学时」留空按细则计算，填了按人工认定并单独列出。"),
]


@dataclass
class Lists:
    """Dropdown sources: inline when Excel allows, else a column of the hidden `_lists` sheet."""

    columns: list[tuple[str, ...]] = field(default_factory=list)

    def source(self, values: tuple[str, ...]) -> list[str] | str:
        if len(",".join(values)) <= INLINE_LIST_MAX and not any("," in v or '"' in v for v in values):
            return list(values)
        if values not in self.columns:
            self.columns.append(values)
        return f"=xlr_list_{self.columns.index(values) + 1}"

    def write(self, wb: Workbook) -> None:
        if not self.columns:
            return
        ws = wb.add_worksheet(LISTS_SHEET)
        for c, values in enumerate(self.columns):
            for r, value in enumerate(values):
                ws.write_string(r, c, value)
            col = chr(ord("A") + c)
            wb.define_name(f"xlr_list_{c + 1}", f"='{LISTS_SHEET}'!${col}$1:${col}${len(values)}")
        ws.hide()


def column_validation(col: Column, values: tuple[str, ...], lists: Lists) -> dict[str, Any] | None:
    """The data validation of a column: dropdown, whole number, date, or only an input message."""
    hint = {"input_title": col.name[:32], "input_message": col.hint[:255]} if col.hint else {}
    error = {"error_title": col.name[:32]}
    if col.kind == "choice" and (values or col.choices):
        values = values or col.choices
        return {"validate": "list", "source": lists.source(values), **hint, **error,
                "error_message": ("请从下拉列表中选择：" + "、".join(values))[:255]}
    if col.kind in ("count", "number"):
        kind = "integer" if col.kind == "count" else "decimal"
        word = "整数" if col.kind == "count" else "数"
        if col.max_value is not None:
            rule = {"criteria": "between", "minimum": 0, "maximum": col.max_value}
            message = f"请填写 0 到 {col.max_value:g} 之间的{word}"
        else:
            rule = {"criteria": ">=", "value": 0}
            message = f"请填写 0 或正{word}（次数、项数）；没有就留空或填 0"
        return {"validate": kind, **rule, **hint, **error, "error_message": message}
    if col.kind == "date":
        return {"validate": "date", "criteria": "between", "minimum": DATE_MIN, "maximum": DATE_MAX,
                "input_title": col.name[:32], "input_message": (col.hint or "填写日期，如 2021-06-03")[:255],
                **error, "error_message": "请填写日期，如 2021-06-03"}
    return {"validate": "any", **hint} if hint else None


def write_table(wb: Workbook, st: Styles, sheet: TableSheet, spec: Spec, lists: Lists) -> Worksheet:
    """One table sheet under the layout contract (module docstring), laid out for A4 by `pagesetup`."""
    layout = sheet.layout(spec)
    cols = layout.columns
    ws = wb.add_worksheet(layout.sheet)
    groups = sheet.groups(spec) if sheet.groups else None
    page = print_plan(cols, groups)
    last_title = page.col_breaks[0] if page.col_breaks else len(cols)     # a title cut by a page edge
    title_row(ws, st, layout.title or layout.sheet, last_title)            # is no title: first page group
    formats = {"date": st.date, "count": st.count, "number": st.count, "id": st.text}
    for c, col in enumerate(cols):
        ws.set_column(c, c, page.widths[c], formats.get(col.kind, st.wrap if c in page.wrap else None))
    if groups:
        _two_row_header(ws, st, cols, groups, page.widths)
    else:
        for c, col in enumerate(cols):
            ws.write_string(1, c, col.name, st.header)
    first = 3 if groups else 2
    ws.set_row(first - 1, header_height([c.name for c in cols], page.widths))
    choices = sheet.choices(spec)
    for c, col in enumerate(cols):
        options = column_validation(col, choices.get(col.name, ()), lists)
        if options:
            validate(ws, first, c, first + sheet.rows - 1, options)
    ws.freeze_panes(first, sheet.freeze_cols)
    print_setup(ws, page, header_rows=first - 1)
    return ws


def print_plan(cols: tuple[Column, ...], groups: dict[str, str] | None = None) -> PageLayout:
    """The layout's widths, widened where a header would not show whole in HEADER_LINES lines (a blank
    template has no content to measure: the layout's width is what a filled-in value needs), then
    `plan_pages`: upright, landscape, or page groups repeating 工号/姓名 that never split an item's
    扣分事项 (`groups`) across two pages."""
    names = [c.name for c in cols]
    need, _, _ = content_widths(names, [])
    owner = [(groups or {}).get(n) for n in names]
    starts = {c for c in range(len(names)) if c == 0 or owner[c] is None or owner[c] != owner[c - 1]}
    return plan_pages(names, [max(float(c.width), n) for c, n in zip(cols, need, strict=True)], starts=starts)


def header_height(names: list[str], widths: list[float]) -> float:
    """Points a header row needs for its longest wrapped name (never cut)."""
    lines = max(math.ceil(display_width(n) / max(w - 1.5, 1.0)) for n, w in zip(names, widths, strict=True))
    return LINE_POINTS * max(lines, 1) + 4


def _two_row_header(ws: Worksheet, st: Styles, cols: tuple[Column, ...], groups: dict[str, str],
                    widths: list[float]) -> None:
    """Row 2: group names merged across their columns (ungrouped columns span rows 2–3); row 3: names."""
    c = 0
    spans: list[tuple[str, float]] = []
    while c < len(cols):
        group = groups.get(cols[c].name)
        if group is None:
            ws.merge_range(1, c, 2, c, cols[c].name, st.header)
            c += 1
            continue
        end = c
        while end + 1 < len(cols) and groups.get(cols[end + 1].name) == group:
            end += 1
        if end > c:
            ws.merge_range(1, c, 1, end, group, st.header)
        else:
            ws.write_string(1, c, group, st.header)
        spans.append((group, sum(widths[c:end + 1]) + PADDING * (end - c)))
        for j in range(c, end + 1):
            ws.write_string(2, j, cols[j].name, st.header)
        c = end + 1
    ws.set_row(1, header_height([g for g, _ in spans], [w for _, w in spans]) if spans else 22)


def write_info(wb: Workbook, st: Styles, spec: Spec) -> Worksheet:
    """基本信息: a two-column form, 学校名称 and 学期 prefilled from the preset."""
    ws = wb.add_worksheet(INFO_SHEET)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 44)
    title_row(ws, st, "一、基本信息", 2)
    prefill = {"学校名称": spec.school, "学期": spec.term}
    hints = {"所涉学段": "从下拉列表选择；涉及多个学段时用顿号分隔，如：小学、初中",
             "联系电话": "手机号或带区号的座机号", "电子邮箱": "计算结果将发送到这个邮箱",
             "学年": "如 2025-2026学年度", "学期": "如 2025-2026学年度上学期"}
    for r, label in enumerate(INFO_FIELDS, start=1):
        ws.write_string(r, 0, label, st.label)
        write_value(ws, r, 1, prefill.get(label), st.value)
        ws.set_row(r, 22)
        if label == "所涉学段":       # a 九年一贯制 school has two: warn, do not refuse
            stop = f"不在下拉列表中（{'、'.join(STAGES)}）。仍要使用请点“是”"
            validate(ws, r, 1, r, {"validate": "list", "source": list(STAGES), "error_type": "warning",
                                   "input_title": label, "input_message": hints[label], "error_title": label,
                                   "error_message": stop})
        elif label in hints:
            validate(ws, r, 1, r, {"validate": "any", "input_title": label, "input_message": hints[label]})
    print_setup(ws, plan_pages(["", ""], [14, 44]), header_rows=0)
    return ws


def applicable_tables(spec: Spec) -> list[TableSheet]:
    return [t for t in TABLES if t.when(spec)]


SCORES_TABLE = TableSheet(scores_layout, when=_has_rubric, freeze_cols=2,
                          about="必填。每位教师一行，每个考核项目一列，填教务主任打的分（0到该项满分）；"
                                "不会的项目不要空着，空着的项目“待核实”，不计总分。")
STYLES = {"扣分事项": "counts", "评分": "scores", "counts": "counts", "scores": "scores"}


def template_bytes(spec: Spec, style: str = "counts") -> bytes:
    """The whole template workbook for `spec`, reproducibly (same spec, same bytes).

    `style` is the scoring sheet the school fills in: "counts" (one column per 扣分事项, the default) or
    "scores" (直接评分: one column per item); a 评分 template's 考核细则 says 录入方式=评分.
    """
    buf = io.BytesIO()
    wb, st = new_workbook(buf, title=f"{spec.name} 填报模板")
    tables = applicable_tables(spec)
    if style == "scores" and spec.rubric is not None:
        spec = spec.model_copy(deep=True)
        spec.rubric.input = "scores"
        tables = [SCORES_TABLE if t.layout is record_layout else t for t in tables]
    guide = write_guide(wb, st, spec, [(t.layout(spec).sheet, t.about) for t in tables])
    write_info(wb, st, spec)
    lists = Lists()
    for table in tables:
        write_table(wb, st, table, spec, lists)
    if spec.rubric or spec.hours or spec.requirements:
        write_rules_sheet(wb, st, spec)
    lists.write(wb)
    guide.activate()
    wb.close()
    return buf.getvalue()


def write_template(spec: Spec, path: Path, *, force: bool = False, style: str = "counts") -> Path:
    """Write the template for `spec` to `path`; an existing file is replaced only with `force`."""
    refuse_overwrite(path, force)
    save(path, template_bytes(spec, style))
    return path


def write_all_templates(folder: Path, *, force: bool = False) -> list[Path]:
    """Regenerate `<folder>/<preset>.xlsx` for every built-in preset (the checked-in templates)."""
    targets = [(load_preset(pid), folder / f"{pid}.xlsx") for pid in preset_ids()]   # every preset loads first
    for _, path in targets:
        refuse_overwrite(path, force)
    return [write_template(spec, path, force=True) for spec, path in targets]
