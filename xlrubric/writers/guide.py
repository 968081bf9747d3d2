"""填写说明, the first sheet of a template: what the workbook is for, each sheet, how to fill it in and compute,
then the school's rubric in brief (items, 扣分事项 in plain words, 等次, how unclear rules are handled).

Apart from `template.py` because it is prose for a director, not the layout contract the readers rely on.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlrubric.schemas.layout import INFO_SHEET
from xlrubric.spec.model import Spec
from xlrubric.writers.pagesetup import LINE_POINTS, PADDING, plan_pages
from xlrubric.writers.textwidth import text_lines
from xlrubric.writers.xlsx_format import Styles, print_setup, row_lines, title_row

GUIDE_SHEET = "填写说明"
# 考核项目 | 满分 | 扣分事项 | 怎样扣分 | 原文: together an upright A4 page at 100 % (pagesetup.PORTRAIT_CHARS),
# so a director reads the guide at full size; longer text wraps and its row grows.
GUIDE_WIDTHS = (11.0, 5.0, 18.0, 23.0, 25.0)


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
    line = sum(GUIDE_WIDTHS) + PADDING * (width - 1)      # a paragraph is merged across the whole page
    r = 1
    for style, text in guide_paragraphs(spec, sheets) + _rubric_paragraphs(spec, "head"):
        r = _paragraph(ws, st, r, style, text, line)
    if spec.rubric:
        r = _rubric_table(ws, st, spec, r)
        for style, text in _rubric_paragraphs(spec, "tail"):
            r = _paragraph(ws, st, r, style, text, line)
    print_setup(ws, plan_pages([""] * width, list(GUIDE_WIDTHS)), header_rows=0)
    ws.hide_gridlines(1)                  # prose, not a table: no grid on paper
    return ws


def _paragraph(ws: Worksheet, st: Styles, r: int, style: str, text: str, line: float) -> int:
    """A heading, or a paragraph merged across the page in a row tall enough for its lines; the next row."""
    if style == "h":
        ws.write_string(r, 0, text, st.heading)
        ws.set_row(r, 22)
    else:
        ws.merge_range(r, 0, r, len(GUIDE_WIDTHS) - 1, text, st.prose)
        ws.set_row(r, LINE_POINTS * text_lines(text, line) + 4)
    return r + 1


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
    head = ["考核项目", "满分", "扣分事项（考核记录的列名）", "怎样扣分", "原文"]
    for c, name in enumerate(head):
        ws.write_string(r, c, name, st.header)
    ws.set_row(r, LINE_POINTS * row_lines(head, list(GUIDE_WIDTHS), set(range(len(head)))) + 4)
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
                cells = [item.name if len(rows) == 1 else "", f"{item.full:g}", d.event, rule_text(d), d.quote]
                ws.write_string(r, 2, d.event, st.wrap)
                ws.write_string(r, 3, rule_text(d), st.wrap)
                ws.write_string(r, 4, d.quote, st.wrap)
                lines = row_lines(cells, list(GUIDE_WIDTHS), set(range(len(cells))))
                if lines > 1:
                    ws.set_row(r, LINE_POINTS * lines + 2)
            r += 1
    ws.write_string(r, 0, "合计", st.label)
    ws.write_string(r, 1, f"{spec.rubric.total:g}", st.label)
    return r + 2
