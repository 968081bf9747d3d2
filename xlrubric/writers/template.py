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
GUIDE_SHEET = "填写说明"
GUIDE_WIDTHS = (24, 7, 26, 40, 50)       # 考核项目 | 满分 | 扣分事项 | 怎样扣分 | 原文


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
    """One table sheet under the layout contract (module docstring)."""
    layout = sheet.layout(spec)
    cols = layout.columns
    ws = wb.add_worksheet(layout.sheet)
    title_row(ws, st, layout.title or layout.sheet, len(cols))
    groups = sheet.groups(spec) if sheet.groups else None
    formats = {"date": st.date, "count": st.count, "number": st.count, "id": st.text}
    for c, col in enumerate(cols):
        ws.set_column(c, c, col.width, formats.get(col.kind))
    if groups:
        _two_row_header(ws, st, cols, groups)
    else:
        for c, col in enumerate(cols):
            ws.write_string(1, c, col.name, st.header)
    first = 3 if groups else 2
    ws.set_row(first - 1, 30 if groups else 22)
    choices = sheet.choices(spec)
    for c, col in enumerate(cols):
        options = column_validation(col, choices.get(col.name, ()), lists)
        if options:
            validate(ws, first, c, first + sheet.rows - 1, options)
    ws.freeze_panes(first, sheet.freeze_cols)
    print_setup(ws, header_rows=first - 1, landscape=sum(c.width for c in cols) > 90)
    return ws


def _two_row_header(ws: Worksheet, st: Styles, cols: tuple[Column, ...], groups: dict[str, str]) -> None:
    """Row 2: group names merged across their columns (ungrouped columns span rows 2–3); row 3: names."""
    c = 0
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
        for j in range(c, end + 1):
            ws.write_string(2, j, cols[j].name, st.header)
        c = end + 1
    ws.set_row(1, 36)


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
    print_setup(ws, header_rows=0, landscape=False)
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


# ---------------------------------------------------------------- 填写说明


def rule_text(d: Any) -> str:
    """A 扣分事项 as a director reads it: 每次扣1分, 每少一项扣1分（应有：…）…"""
    p = f"{d.points:g}"
    text = {"per_event": f"每次扣{p}分", "once": f"扣{p}分（有就扣一次）", "zero": "该项不得分",
            "not_counted": "该项不纳入考核（记0分）", "per_missing": f"每少一项扣{p}分"}[d.kind]
    if d.kind == "per_missing":
        if d.components:
            text += f"（应有：{'、'.join(d.components)}）"
        if d.required:
            text += f"，少于{d.required}项时扣分"
        text += "；填" + ("已有的项目数" if d.input == "present" else "缺少的项目数")
    if d.cap:
        text += f"，最多扣{d.cap:g}分"
    return text


# Paragraphs of 填写说明 ("h" heading, "p" paragraph); {band} is "、等次" when the rubric has bands.
HOW_TO_FILL = [
    ("h", "三、怎样填写"),
    ("p", "1. 每张表第1行是标题，第2行是列名（「考核记录」是第2、3行），从列名下面第一行开始填写。"
          "请不要改动或删除列名，不要合并单元格；中间留有空行没有关系。选中单元格时会显示这一列填什么。"),
    ("p", "2. 「考核记录」中每一列是一个扣分事项，填次数或项数：留空按0处理（没有这项扣分）；"
          "“是否”类事项（如“…未交”“…偏离主题”）有就填1，没有就留空或填0。请填阿拉伯数字；"
          "写成“3次”“三”也能识别，但会在该单元格上标注提示。"),
    ("p", "3. 「签到登记」和「提交登记」是选填的。填了，考核记录中说明“可由登记推算”的列"
          "（缺签到、迟到早退、迟交、未交等）可以留空，由登记自动推算；不填这两张表，"
          "就直接在考核记录中填次数。两处都填而数字不一致时，会在「校验问题」中提示。"),
    ("p", "4. 「人工调整」用于教务主任改动计算结果（某一项的得分，或等次）。每一行都必须写明原因；"
          "调整会保留下来，并在结果中注明。"),
    ("p", "5. 日期请写成 2021-06-03 这样的格式；工号按文本保存，开头的0不会丢失。"),
    ("h", "四、计算与结果"),
    ("p", "填好并保存后，在命令行运行：xlrubric compute 我校.xlsx（把“我校.xlsx”换成本文件的名字）。"
          "它另存一份带结果的副本，不改动原文件；在 Excel 中安装了 xlrubric 加载项的，"
          "也可以点功能区的「计算考核」按钮。"),
    ("p", "结果写在新增的「考核结果」「扣分明细」「校验问题」工作表中：考核结果列出每位教师的"
          "各项得分、总分{band}；扣分明细列出每一次扣分及其依据的规则；校验问题列出发现的每个问题。"
          "有问题的单元格会被标上颜色并加批注，说明哪里不对、怎样改。改好后再计算一次即可。"),
]


def guide_paragraphs(spec: Spec, sheets: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """填写说明 before the rubric summary: what each sheet is, how to fill it in, how to compute."""
    band = "、等次" if spec.rubric and spec.rubric.bands else ""
    where = f"{spec.school}{spec.term}".strip() or "本校"
    out = [("h", "一、这个工作簿做什么"),
           ("p", f"本工作簿用于登记{where}校本研修考核所需的数据。填好后用 xlrubric 计算："
                 f"它按本工作簿「考核细则」表中的规则算出每位教师的各项得分、总分{band}，并把结果写回工作簿。"),
           ("h", "二、各工作表"),
           ("p", f"「{INFO_SHEET}」：必填。学校名称、学段、负责人、联系人和联系方式；"
                 "学校名称和学期已按考核细则预填，请核对。计算结果将发送到这里填写的电子邮箱。")]
    out += [("p", f"「{name}」：{about}") for name, about in sheets]
    if spec.rubric:
        out.append(("p", "「考核细则」：本校的考核规则（项目、分值、扣分事项、等次，以及原文不明确之处的"
                         "处理）。可以按本校实际修改，改后可运行 xlrubric lint 我校.xlsx 检查。"))
    return out + [(style, text.format(band=band)) for style, text in HOW_TO_FILL]


def write_guide(wb: Workbook, st: Styles, spec: Spec, sheets: list[tuple[str, str]]) -> Worksheet:
    """填写说明: plain-Chinese instructions, then the rubric in brief, its bands and its policies."""
    ws = wb.add_worksheet(GUIDE_SHEET)
    width = len(GUIDE_WIDTHS)
    for c, w in enumerate(GUIDE_WIDTHS):
        ws.set_column(c, c, w)
    title_row(ws, st, f"{spec.name} —— 填写说明", width)
    chars_per_line = sum(GUIDE_WIDTHS) // 2          # a Chinese character is two width units
    r = 1
    for style, text in guide_paragraphs(spec, sheets) + _rubric_paragraphs(spec, "head"):
        if style == "h":
            ws.write_string(r, 0, text, st.heading)
            ws.set_row(r, 22)
        else:
            ws.merge_range(r, 0, r, width - 1, text, st.prose)
            ws.set_row(r, 16 * math.ceil(len(text) / chars_per_line) + 4)
        r += 1
    if spec.rubric:
        r = _rubric_table(ws, st, spec, r)
        for style, text in _rubric_paragraphs(spec, "tail"):
            if style == "h":
                ws.write_string(r, 0, text, st.heading)
            else:
                ws.merge_range(r, 0, r, width - 1, text, st.prose)
            r += 1
    print_setup(ws, header_rows=0, landscape=False)
    return ws


def _rubric_paragraphs(spec: Spec, part: str) -> list[tuple[str, str]]:
    r = spec.rubric
    if r is None:
        return []
    if part == "head":
        return [("h", "五、本校考核细则摘要"),
                ("p", f"满分 {r.total:g} 分。「扣分事项」一列就是「考核记录」的列名；"
                      "原文是规则所依据的文件原话。")]
    out: list[tuple[str, str]] = []
    if r.bands:
        other = r.band_scale and r.band_scale != r.total
        scale = f"（等次分值按 {r.band_scale:g} 分制书写）" if other else ""
        out.append(("h", "等次" + scale))
        for b in r.bands:
            lo = "" if b.min is None else f"{b.min:g} 分及以上"
            hi = "" if b.max is None else f"{b.max:g} 分及以下"
            quota = f"；不超过参训教师总数的 {b.quota:.0%}" if b.quota else ""
            out.append(("p", f"{b.name}：{'、'.join(x for x in (lo, hi) if x)}{quota}"))
    if spec.policies:
        out.append(("h", "原文不明确之处，本细则的处理（可在「考核细则」表的「策略」行修改）"))
        out += [("p", f"{p.title}：{p.options[p.choice]}") for p in spec.policies]
    return out


def _rubric_table(ws: Worksheet, st: Styles, spec: Spec, r: int) -> int:
    """Item | 满分 | 扣分事项 | 怎样扣分 | 原文, one row per 扣分事项; returns the next free row."""
    for c, name in enumerate(("考核项目", "满分", "扣分事项（考核记录的列名）", "怎样扣分", "原文")):
        ws.write_string(r, c, name, st.header)
    r += 1
    assert spec.rubric is not None
    for item in spec.rubric.items:
        rows = item.deductions or [None]
        if len(rows) > 1:
            ws.merge_range(r, 0, r + len(rows) - 1, 0, item.name, st.wrap)
            ws.merge_range(r, 1, r + len(rows) - 1, 1, f"{item.full:g}", st.wrap)
        else:
            ws.write_string(r, 0, item.name, st.wrap)
            ws.write_string(r, 1, f"{item.full:g}", st.wrap)
        for d in rows:
            if d is not None:
                ws.write_string(r, 2, d.event, st.wrap)
                ws.write_string(r, 3, rule_text(d), st.wrap)
                ws.write_string(r, 4, d.quote, st.wrap)
            r += 1
    ws.write_string(r, 0, "合计", st.label)
    ws.write_string(r, 1, f"{spec.rubric.total:g}", st.label)
    return r + 2
