"""Filled-in school workbooks for a made-up county: the samples, the batch tests and the benchmark.

Each workbook is the blank template of its preset (built by `writers/template.py`, so it follows the
layout contract) with plausible data typed in, plus, on request, the mistakes schools really make:
numbers typed as text, a teacher entered twice, a missing sheet, an old template with a renamed and a
missing column, a teacher not in the roster, a malformed e-mail. Seeded: the same arguments give the
same content.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass, field, replace
from typing import Any

from xlrubric.schemas.layout import INFO_FIELDS, ROSTER, SIGNIN, Column, Layout, record_layout
from xlrubric.spec.model import Spec

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鑫波宇浩凯健俊帆帅旭宁颖晶欣怡佳雪琳"
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "道德与法治", "历史", "地理", "音乐", "体育", "美术",
            "信息技术")
ACTIVITIES = ("集体备课", "专题讲座：新课标解读", "听评课活动", "法治培训讲座", "信息技术应用培训", "读书交流会",
              "教学反思研讨", "课题研究推进会", "青年教师汇报课", "期中质量分析会")
MISTAKES = ("text_numbers", "dup_teacher", "missing_record", "old_template", "unknown_teacher", "bad_email")


@dataclass
class School:
    """One school of the sample county and what its director got wrong."""

    name: str
    preset: str
    teachers: int
    signin_rows: int = 0
    stage: str = "初中"
    email: str = ""
    mistakes: tuple[str, ...] = ()
    seed: int = 0
    extra_info: dict[str, str] = field(default_factory=dict)


def person(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2, 2))))


def _names(rnd: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = person(rnd)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _count(rnd: random.Random, kind: str, components: int, limit: int | None = None) -> Any:
    """A plausible count for one 扣分事项: most teachers have none, and none above what the rule allows."""
    if kind in ("once", "zero", "not_counted"):
        return 1 if rnd.random() < 0.06 else None
    if kind == "per_missing":
        return rnd.choice([None] * 8 + list(range(1, max(2, components))))
    value = rnd.choice([None] * 10 + [1, 1, 2, 3])
    return value if value is None or limit is None else min(value, limit)


def school_workbook(spec: Spec, school: School) -> bytes:
    """The school's filled workbook as .xlsx bytes."""
    from xlrubric.writers.guide import write_guide
    from xlrubric.writers.template import (
        Lists,
        TableSheet,
        applicable_tables,
        write_info,
        write_table,
    )
    from xlrubric.writers.xlsx_format import new_workbook, write_rules_sheet, write_value

    rnd = random.Random(school.seed)
    buf = io.BytesIO()
    wb, st = new_workbook(buf, title=f"{school.name} 校本研修考核")
    tables = applicable_tables(spec)
    if "missing_record" in school.mistakes:
        tables = [t for t in tables if t.layout(spec).sheet != "考核记录"]
    if "old_template" in school.mistakes:
        tables = [TableSheet(lambda s: _old_record_layout(s), t.about) if t.layout(spec).sheet == "考核记录" else t
                  for t in tables]
    if not school.signin_rows:
        tables = [t for t in tables if t.layout(spec).sheet != SIGNIN.sheet]
    needs_hours = getattr(spec, "hours", None) or getattr(spec, "requirements", None)
    if needs_hours and not any(t.layout(spec).sheet == "学时登记" for t in tables):
        from xlrubric.schemas.layout import hours_layout

        tables.append(TableSheet(hours_layout, "每位教师每项研修活动一行，学时按考核细则认定。"))
    write_guide(wb, st, spec, [(t.layout(spec).sheet, t.about) for t in tables])
    ws = write_info(wb, st, spec)
    info = {"学校名称": school.name, "所涉学段": school.stage, "学校负责人": person(rnd),
            "项目联络人": person(rnd), "联系电话": f"13{rnd.randint(0, 9)}{rnd.randint(10_000_000, 99_999_999)}",
            "电子邮箱": school.email or f"school{school.seed % 1000:03d}@example.cn",
            "学年": _school_year(spec.term), "学期": spec.term or "", **school.extra_info}
    if "bad_email" in school.mistakes:
        info["电子邮箱"] = info["电子邮箱"].replace("@", "#")
    for r, label in enumerate(INFO_FIELDS, start=1):
        ws.write_string(r, 1, info.get(label, ""), st.value)
    ids = [f"{school.seed % 100:02d}{i + 1:03d}" for i in range(school.teachers)]
    names = _names(rnd, school.teachers)
    lists = Lists()
    for table in tables:
        layout = table.layout(spec)
        ws = write_table(wb, st, table, spec, lists)
        first = 3 if table.groups else 2
        rows = _rows(rnd, spec, school, layout, ids, names)
        for r, row in enumerate(rows, start=first):
            for c, value in enumerate(row):
                fmt = st.date if isinstance(value, dt.date) else None
                write_value(ws, r, c, value, fmt)
    write_rules_sheet(wb, st, spec)        # every school carries its rules, so batch needs no --preset
    lists.write(wb)
    wb.close()
    return buf.getvalue()


def _old_record_layout(spec: Spec) -> Layout:
    """Last year's 考核记录: one header row, the second 扣分事项 headed by its item (as the old template
    did), the last one missing."""
    layout = record_layout(spec)
    items = {d.event: item.name for item, d in spec.rubric.deductions} if spec.rubric else {}
    cols = list(layout.columns)
    events = [i for i, c in enumerate(cols) if c.kind == "count"]
    if len(events) >= 2:
        c = cols[events[1]]
        cols[events[1]] = replace(c, name=f"{items.get(c.name, c.name)}扣分")
        del cols[events[-1]]
    return Layout(layout.sheet, tuple(cols), title=layout.title)


def _rows(rnd: random.Random, spec: Spec, school: School, layout: Layout, ids: list[str], names: list[str]
          ) -> list[list[Any]]:
    if layout.sheet == ROSTER.sheet:
        return _roster(rnd, ids, names)
    if layout.sheet == "考核记录":
        return _record(rnd, spec, school, layout, ids, names)
    if layout.sheet == SIGNIN.sheet:
        return _signin(rnd, spec, school, ids, names)
    if layout.sheet == "学时登记":
        return _hours(rnd, spec, layout, ids, names)
    return []


def _hours(rnd: random.Random, spec: Spec, layout: Layout, ids: list[str], names: list[str]) -> list[list[Any]]:
    """学时登记: per teacher, lectures by the hour (most teachers reach the yearly hours, some do not) and the
    periodic items the 达标要求 ask for (most months handed in, a few missed)."""
    rules = [r for r in spec.hours.rules if r.compute == "per_hour" and not r.roles and not r.levels] \
        if spec.hours else []
    start = spec.period.start if spec.period else dt.date(2025, 9, 1)
    span = (spec.period.end - start).days if spec.period else 150
    rows = []

    def row(**values: Any) -> list[Any]:
        return [values.get(c.name) for c in layout.columns]

    for t, n in zip(ids, names, strict=True):
        diligent = rnd.random() < 0.75
        for _ in range(rnd.randint(12, 16) if diligent else rnd.randint(3, 8)) if rules else ():
            r = rnd.choice(rules)
            day = start + dt.timedelta(days=rnd.randint(0, min(span, 300)))
            rows.append(row(工号=t, 姓名=n, 日期=day, 类别=r.category,
                            角色="参培者", 时长=rnd.choice((3, 4)), 题目=ACTIVITIES[rnd.randrange(len(ACTIVITIES))],
                            审核状态="已认定"))
        for q in getattr(spec, "requirements", []) or []:
            if q.trigger is not None or q.per not in ("month", "week", "term", "semester", "year"):
                continue
            if q.per == "month":
                days = [dt.date(start.year + (start.month + m - 1) // 12, (start.month + m - 1) % 12 + 1, 10)
                        for m in range(span // 28 + 1)]
            elif q.per == "week":
                days = [start + dt.timedelta(days=7 * w + 2) for w in range(span // 7 + 1)]
            else:
                days = [start + dt.timedelta(days=span // 2)]
            days = [d for d in days if start <= d <= start + dt.timedelta(days=span)]
            for k, day in enumerate(days):
                if rnd.random() < (0.97 if diligent else 0.6):
                    rows.append(row(工号=t, 姓名=n, 日期=day, 类别=q.categories[0], 字数=1200,
                                    数量=max(1, math.ceil(q.count)), 题目=f"{q.name}（第{k + 1}次）",
                                    审核状态="已认定"))
    return rows


def _roster(rnd: random.Random, ids: list[str], names: list[str]) -> list[list[Any]]:
    rows = []
    for t, n in zip(ids, names, strict=True):
        born = dt.date(rnd.randint(1966, 1999), rnd.randint(1, 12), rnd.randint(1, 28))
        hired = dt.date(min(2025, born.year + rnd.randint(21, 26)), rnd.choice((8, 9)), rnd.randint(1, 28))
        subject = rnd.choice(SUBJECTS)
        roles = "、".join(rnd.sample(("骨干", "班主任", "教研组长"), rnd.choice((0, 0, 1, 1, 2))))
        if hired.year >= 2023:
            roles = "新教师"
        rows.append([t, n, rnd.choice("男女"), born, hired, subject, f"{subject}组", roles or None])
    return rows


def _record(rnd: random.Random, spec: Spec, school: School, layout: Layout, ids: list[str], names: list[str]
            ) -> list[list[Any]]:
    deductions = {d.event: d for _, d in spec.rubric.deductions} if spec.rubric else {}
    cols: list[Column] = list(layout.columns)
    rows = []
    for t, n in zip(ids, names, strict=True):
        row: list[Any] = []
        for c in cols:
            if c.name == "工号":
                row.append(t)
            elif c.name == "姓名":
                row.append(n)
            elif c.name == "备注":
                row.append(None)
            else:
                d = deductions.get(c.name)
                derived = d is not None and d.derive in ("absent", "irregular") and school.signin_rows
                row.append(None if derived else _count(rnd, d.kind if d else "per_event",
                                                       len(d.components) if d else 0, d.max_count if d else None))
        rows.append(row)
    counts = [j for j, c in enumerate(cols) if c.kind == "count"]
    if "text_numbers" in school.mistakes and counts and rows:
        for k, (text, value) in enumerate((("3次", 3), ("５", 5), ("二", 2))):
            # in a column that can hold the number (not a yes/no column): the mistake is the text, not the value
            fits = [j for j in counts if (d := deductions.get(cols[j].name)) is None or (
                    (d.max_count is None or d.max_count >= value) and d.derive not in ("absent", "irregular"))]
            rows[(k * 7 + 2) % len(rows)][fits[k % len(fits)]] = text
    if "dup_teacher" in school.mistakes and len(rows) > 3:
        rows.insert(4, list(rows[2]))
    if "unknown_teacher" in school.mistakes:
        rows.append([f"{school.seed % 100:02d}999", person(rnd), *[None] * (len(cols) - 2)])
    return rows


def _signin(rnd: random.Random, spec: Spec, school: School, ids: list[str], names: list[str]) -> list[list[Any]]:
    start = spec.period.start if spec.period else dt.date(2025, 9, 1)
    end = spec.period.end if spec.period else start + dt.timedelta(days=120)
    per = max(1, len(ids))
    sessions = max(1, school.signin_rows // per)
    span = max(1, (end - start).days - 7)
    rows = []
    for s in range(sessions):
        day = start + dt.timedelta(days=min(span, 3 + s * span // sessions))
        name = ACTIVITIES[s % len(ACTIVITIES)]
        for t, n in zip(ids, names, strict=True):
            status = rnd.choices(("已签到", "迟到", "早退", "缺席"), (92, 4, 1, 3))[0]
            rows.append([day, name, "全体", t, n, status])
    return rows[: max(school.signin_rows, per)]


def _school_year(term: str | None) -> str:
    """The 学年 a sample school types: the one its preset's term names, so the two never disagree."""
    from xlrubric.readers.text import school_year_span

    span = school_year_span(term or "")
    return span.group(0) if span and span.group(3) else "2025-2026学年度"
