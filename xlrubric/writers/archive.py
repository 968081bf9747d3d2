"""培训档案: a NEW printable workbook — each teacher's training record and the school's 学时统计一览表 (or,
for a preset without 学时, its 达标情况一览表) — printed from `pipeline.archive.Archive`; nothing here computes.
A4, repeated headers, page numbers; one teacher per printed page block, sections numbered as they appear.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from xlrubric.atomic import safe_output_name, write_atomic
from xlrubric.writers.pagesetup import LINE_POINTS, apply_xlsxwriter, plan_pages
from xlrubric.writers.textwidth import text_lines
from xlrubric.writers.xlsx_format import HEADER_FILL, Styles, new_workbook

if TYPE_CHECKING:
    from xlrubric.engine.verdicts import YearLine
    from xlrubric.pipeline.archive import Archive

RECORD_HEADER = ["参培教师", "培训内容", "培训形式", "培训时间", "授课教师", "培训结果", "认定学时", "材料/备注"]
# upright A4 at about 90 %; the profile's labels sit in columns 0/2/4/6, so each holds "出生日期" whole as
# pagesetup counts it (4 × 2.2 units)
RECORD_WIDTHS = [10, 19, 10, 10, 9, 11, 9, 10]
PROFILE = ("工号", "性别", "学科", "教研组", "组别/角色", "出生日期", "入职日期")
NUMERALS = "一二三四五六七八九十"


def archive_bytes(arc: Archive) -> bytes:
    buf = io.BytesIO()
    wb, st = new_workbook(buf, title=f"{arc.school} 培训档案")
    cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#9BA7B4"})
    num = wb.add_format({"num_format": "0.##", "align": "center", "valign": "top", "border": 1,
                         "border_color": "#9BA7B4"})
    # the profile's labels and values wrap, in rows as tall as they need (a 学科 like 道德与法治 is never cut)
    border = {"valign": "vcenter", "text_wrap": True, "border": 1, "border_color": "#9BA7B4"}
    st = replace(st, label=wb.add_format({"bold": True, "bg_color": HEADER_FILL, **border}),
                 value=wb.add_format({"num_format": "@", **border}))
    _overview_sheet(wb.add_worksheet(overview_title(arc)), st, arc, cell, num)
    _teacher_sheet(wb.add_worksheet("教师培训档案"), st, arc, cell, num)
    wb.close()
    return buf.getvalue()


def overview_title(arc: Archive) -> str:
    """学时统计一览表 where there are 学时; a preset with duties only (lanxi4) gets a 达标情况一览表."""
    return "学时统计一览表" if arc.has_hours else "达标情况一览表"


def _overview_sheet(ws: Worksheet, st: Styles, arc: Archive, cell, num) -> None:
    width = len(arc.overview_header)
    what = "教师校本研修学时统计一览表" if arc.has_hours else "教师校本研修达标情况一览表"
    ws.merge_range(0, 0, 0, width - 1, f"{arc.school} {what}", st.title)
    ws.set_row(0, 26)
    wide = not arc.has_hours or arc.overview_header[-1].startswith("总体")    # a list, or a verdict with why
    widths = [5, 9, 9, 10] + [10] * (width - 5) + [26 if wide else 10]
    heads = max(2, *(text_lines(h, w) for h, w in zip(arc.overview_header, widths, strict=True)))
    ws.set_row(1, LINE_POINTS * heads + 2)         # "总体达标（学时及各项要求）" wraps to three lines
    ws.write_row(1, 0, arc.overview_header, st.header)
    for r, row in enumerate(arc.overview, 2):
        row = [_known(v) for v in row]           # a 学时 figure a 待核实 row could change is None
        for c, v in enumerate(row):
            ws.write(r, c, v, num if isinstance(v, (int, float)) else cell)
        lines = max((text_lines(v, w) for v, w in zip(row, widths, strict=False) if isinstance(v, str)), default=1)
        if lines > 1:                  # "听课、教学反思、教科研论文、读书笔记" wraps: the row shows every line
            ws.set_row(r, LINE_POINTS * lines + 2)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    apply_xlsxwriter(ws, plan_pages(arc.overview_header, widths, header_lines=2), header_row=1)
    ws.set_header(f"&C{arc.school} {overview_title(arc)}")


def _teacher_sheet(ws: Worksheet, st: Styles, arc: Archive, cell, num) -> None:
    """Each teacher's block: profile, training records, attendance, 学时 and 达标; a page break after each."""
    ws.set_column(0, len(RECORD_WIDTHS) - 1, None)
    for c, w in enumerate(RECORD_WIDTHS):
        ws.set_column(c, c, w)
    last = len(RECORD_HEADER) - 1
    breaks, r = [], 0
    for t in arc.teachers:
        sections = iter(NUMERALS)
        p = arc.profile[t]
        ws.merge_range(r, 0, r, last, f"{arc.school} 教师个人培训档案 — {arc.names[t]}", st.title)
        r += 1
        pairs = [("姓名", arc.names[t])] + [(k, p.get(k, "")) for k in PROFILE]
        for k in range(0, len(pairs), 4):
            for j, (label, value) in enumerate(pairs[k:k + 4]):
                ws.write(r, 2 * j, label, st.label)
                ws.write(r, 2 * j + 1, value, st.value)
            _fit(ws, r, [x for pair in pairs[k:k + 4] for x in pair])
            r += 1
        r += 1
        ws.write(r, 0, f"{next(sections)}、培训记录", st.heading)
        r += 1
        ws.write_row(r, 0, RECORD_HEADER, st.header)
        _fit(ws, r, RECORD_HEADER)
        r += 1
        for rec in arc.records.get(t, []) or [["", "（本期没有登记培训活动）", "", "", "", "", None, ""]]:
            for c, v in enumerate(rec):
                ws.write(r, c, v, num if isinstance(v, (int, float)) else cell)
            _fit(ws, r, rec)
            r += 1
        r += 1
        ws.write(r, 0, f"{next(sections)}、考勤", st.heading)
        r += 1
        att = arc.attendance.get(t)
        if att and att.pending:        # a rejected register cell: the counts are not printed, the cells are
            for why in att.pending:
                line = f"考勤待核实：{why.text()}"
                ws.merge_range(r, 0, r, last, line, st.wrap)
                _fit(ws, r, [], [(line, sum(RECORD_WIDTHS))])
                r += 1
        elif att:                      # across the whole block: "应到12次；出勤8次；…" never cut by a column
            line = f"应到{att.sessions}次；出勤{att.present}次；迟到/早退/间缺{att.irregular}次；缺席{att.absent}次"
            ws.merge_range(r, 0, r, last, line, st.wrap)
            r += 1
            for line in att.evidence:
                ws.merge_range(r, 1, r, last, line, st.wrap)
                _fit(ws, r, [], [(line, sum(RECORD_WIDTHS[1:]))])
                r += 1
        else:
            ws.merge_range(r, 0, r, last, "没有签到登记", st.wrap)
            r += 1
        r += 1
        if arc.years.get(t):
            ws.write(r, 0, f"{next(sections)}、学时", st.heading)
            r += 1
            v = arc.verdicts.get(t)
            head = ["学年", "学年合计", "人工认定", "学年达标", "周期累计", "周期达标",
                    "总体达标" if v is not None and v.duties is not None else "学时总体达标"]
            ws.write_row(r, 0, head, st.header)
            _fit(ws, r, head)
            r += 1
            lines = arc.years[t]
            for n, y in enumerate(lines):
                values = [y.year, _known(y.total), _known(y.manual), _year_state(y), _known(y.cum), _cycle_state(y),
                          (v.printed if v is not None and n == len(lines) - 1 else "")]
                ws.write_row(r, 0, values, cell)
                _fit(ws, r, values)
                r += 1
            r += 1
        duties = [d for d in arc.duties.get(t, []) if d.state != "不适用"]
        if duties:
            ws.write(r, 0, f"{next(sections)}、达标要求", st.heading)
            r += 1
            ws.write_row(r, 0, ["要求", "应完成", "已完成", "达标", "未完成的期次"], st.header)
            ws.merge_range(r, 4, r, last, "未完成的期次", st.header)
            r += 1
            for d in duties:            # a long 要求 name or list of missed 期次 wraps in a row tall enough
                ws.write_row(r, 0, [d.name, d.required, d.actual, d.state], cell)
                ws.merge_range(r, 4, r, last, d.missing_text, cell)
                _fit(ws, r, [d.name, d.required, d.actual, d.state], [(d.missing_text, sum(RECORD_WIDTHS[4:]))])
                r += 1
        breaks.append(r + 1)
        r += 2
    ws.set_h_pagebreaks(breaks[:-1][:1023])
    # legible, not shrunk to one page wide: the block is as wide as its 培训记录 table
    apply_xlsxwriter(ws, plan_pages(RECORD_HEADER, RECORD_WIDTHS), header_row=None)
    ws.set_header(f"&C{arc.school} 教师培训档案")
    ws.set_footer("&C第 &P 页，共 &N 页")


def _known(value: float | None) -> float | str:
    return "待核实" if value is None else value


def _year_state(y: YearLine) -> str:
    """学年达标 as 学时汇总 words it: a shortfall says by how much."""
    if y.state == "未达标" and y.gap > 1e-9:
        return f"未达标（差{y.gap:g}学时）"
    return y.state or ""


def _cycle_state(y: YearLine) -> str:
    """周期达标 as 学时汇总 words it: on the latest 学年 an unfinished cycle says how much is left."""
    if y.cycle == "进行中" and y.latest:
        return f"进行中（还差{y.cycle_gap:g}）"
    return y.cycle or ""


def _fit(ws: Worksheet, r: int, values: list, merged: list[tuple[str, float]] | None = None) -> None:
    """Give row `r` the height its wrapped text needs in the RECORD_WIDTHS columns, and in `merged` cells (text,
    the merge's width) (XlsxWriter cannot autofit, and LibreOffice and WPS keep the default height: a long
    培训结果 would be cut)."""
    cells = [*zip(values, RECORD_WIDTHS, strict=False), *(merged or [])]
    lines = max((text_lines(v, w) for v, w in cells if isinstance(v, str)), default=1)
    if lines > 1:
        ws.set_row(r, LINE_POINTS * lines + 2)


def write_archive(arc: Archive, out_dir: Path) -> Path:
    """Write `<out_dir>/<学校>_培训档案.xlsx` atomically; the school's workbook is only read."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = safe_output_name(out_dir, f"{arc.school}_培训档案.xlsx")
    data = archive_bytes(arc)
    write_atomic(target, lambda f: f.write(data))
    return target
