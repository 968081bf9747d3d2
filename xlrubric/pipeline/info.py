"""基本信息: the school's own description of itself (name, contact, e-mail, term).

Batch summaries and mail use it; a missing or malformed value is a problem on its cell, never a guess.
"""

from __future__ import annotations

import re

from xlrubric.pipeline.context import Context
from xlrubric.readers.table import find_label_values
from xlrubric.readers.text import period_label
from xlrubric.schemas.contact import EMAIL, PHONE
from xlrubric.schemas.layout import INFO_FIELDS, INFO_SHEET, STAGES
from xlrubric.schemas.validate import Rule


def run(ctx: Context) -> None:
    sheet = ctx.book.sheet(INFO_SHEET)
    info: dict[str, str] = {}
    cells: dict[str, str] = {}
    if sheet is not None:
        found = find_label_values(sheet, INFO_FIELDS)
        cells = {label: cell for label, (_value, cell) in found.items()}
        for label, (value, cell) in found.items():
            text = "" if value is None else str(value).strip()
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            info[label] = text
            if not text:
                continue
            if label == "电子邮箱" and not EMAIL.match(text):
                ctx.problem("bad-email", f"电子邮箱「{text}」格式不对，如 school@example.cn", "错误",
                            sheet.name, cell, value)
            elif label == "联系电话" and not PHONE.match(text.replace(" ", "")):
                ctx.problem("bad-phone", f"联系电话「{text}」格式不对，应为11位手机号或带区号的座机号", "警告",
                            sheet.name, cell, value)
            elif label == "所涉学段":
                parts = [p for p in re.split(r"[、,，/\s]+", text) if p]
                wrong = [p for p in parts if p not in STAGES]
                if wrong:
                    ctx.problem("bad-stage", f"所涉学段只能是{'、'.join(STAGES)}，填的是「{text}」", "错误",
                                sheet.name, cell, value)
    if sheet is not None:
        _team(ctx, sheet)
    school = info.get("学校名称") or ctx.spec.school or ctx.book.name.rsplit(".", 1)[0]
    year, term = info.get("学年", ""), info.get("学期", "")
    if not year and not term:
        term = ctx.spec.term or ""        # the preset's own term only when the school named none
    label, clash = period_label(year, term)
    if clash and sheet is not None:
        ctx.problem("term-year-differs", f"学期「{term}」写的学年与学年「{year}」不同，按学年「{year}」理解",
                    "警告", sheet.name, cells.get("学期", ""), term)
    ctx.summary.update({"school": school, "email": info.get("电子邮箱", ""), "term": term, "year": year,
                        "period": label, "contact": info.get("项目联络人", ""), "info": info})
    ctx.report["school"] = info


AGE_RANGE = (18, 70)


def _team(ctx: Context, sheet) -> None:
    """信息化管理团队 (seed 004): 姓名、年龄、学历、专业、职务 under the form, validated cell by cell."""
    from xlrubric.readers.table import read_table
    from xlrubric.schemas.layout import TEAM
    from xlrubric.schemas.validate import at_most, non_negative, one_of, parse_numbers, run_rules, whole_number

    table = read_table(sheet, TEAM, file=ctx.file)
    if len(table.columns) < 3 or table.frame.empty:
        return          # no team table on this sheet
    ctx.problems.extend(p for p in table.problems if p.code != "no-header")
    ages, probs = parse_numbers(table, ["年龄"], what="年龄（周岁）")
    ctx.problems.extend(probs)
    frame = ages.copy()
    degrees = TEAM.column("学历").choices
    if "学历" in table.frame.columns:
        frame["学历"] = table.frame["学历"].map(lambda v: None if v in (None, "") else str(v).strip())
    young = Rule("年龄", "at-least", lambda s: s >= AGE_RANGE[0],
                 lambda v: f"「年龄」{v:g}岁不在{AGE_RANGE[0]}到{AGE_RANGE[1]}岁之间")
    ctx.problems.extend(run_rules(table, frame, [
        non_negative("年龄"), whole_number("年龄"), young, at_most("年龄", AGE_RANGE[1], "岁"),
        one_of("学历", degrees, f"学历应为{'、'.join(degrees)}，填的是")]))
    ctx.summary["team"] = [
        {k: ("" if v is None else v) for k, v in rec.items()} for rec in table.frame.to_dict("records")]
