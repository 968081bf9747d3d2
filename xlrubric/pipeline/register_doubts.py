"""Why a count that a register decides is 待核实 instead: the register cannot be read (no header, or a column it
needs is missing), a row lacks a readable date, a 材料 names no item but looks like one, or a teacher has no row
for a material (the `submission_absent` policy). `registers` reads the registers and asks these; each returns or
fills the (teacher, event) -> `Pending` reasons that the engine shows as 待核实 with the cell.

Kept apart from `registers` because these are the doubts, one rule each, while `registers` is the counting: a
reviewer of "when is a register's count not trusted" reads this file alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlrubric.codes import Coded
from xlrubric.engine.derive import ABSENT, ATTENDED, IRREGULAR
from xlrubric.engine.rubric import Pending
from xlrubric.pipeline.context import Context
from xlrubric.readers.text import normalize_label
from xlrubric.schemas.layout import SIGNIN, SUBMISSION
from xlrubric.spec.model import KIND_LABELS


def refused_register(ctx: Context, layout, derives: tuple[str, ...], teachers: pd.Index,
                     rejected: dict[tuple[str, str], Pending]) -> None:
    """A register that holds something but whose header was not found (no-header, an 错误 on the sheet) decides
    nothing: every count it would derive is 待核实, never the typed cell (a 签到登记 headed 「*工号」 used to
    leave 王强's absences uncounted, 参与情况 5 with no doubt). A sheet with no value at all is no register."""
    sheet = ctx.book.sheet(layout.sheet)
    if sheet is None or not any(v not in (None, "") for row in sheet.rows for v in row):
        return
    refusal = next((p for p in ctx.problems if p.code == "no-header" and p.sheet == sheet.name), None)
    if refusal is None:
        return
    why = Pending(sheet.name, refusal.cell, f"{sheet.name}找不到表头，无法从中计数")
    for _item, ded in ctx.spec.rubric.deductions:
        if ded.derive in derives:
            for teacher in teachers:
                rejected.setdefault((teacher, ded.event), why)


# The columns a register cannot count without, and the counts each one decides: 日期 and 活动名称 tell the
# sessions apart (without 日期 two 研修1 on different days are one session, so a teacher missing one is not
# absent); 签到状态 tells a 缺席 row from a sign-in, and 迟到/早退 from neither; 材料 says what was handed in;
# 提交日期 whether it was late (未交 is still known from 材料).
SIGNIN_NEEDS = {"日期": ("absent",), "活动名称": ("absent",), "签到状态": ("absent", "irregular")}
SUBMISSION_NEEDS = {"材料": ("late", "missing"), "提交日期": ("late",)}
_KIND_WORDS = {"absent": "缺席", "irregular": "迟到/早退/间缺", "late": "迟交", "missing": "未交"}
# A sign-in list that records only who came (no status at all) is one column short of being read: its fix is
# that empty column, since a blank 签到状态 is 已签到 (README).
_HOW_TO_ADD = {"签到状态": "（只记签到了的教师的表，加上这一列、留空即可：留空按已签到计）"}


def lacking_columns(table, needs: dict[str, tuple[str, ...]]) -> dict[str, Pending]:
    """For each count kind the register cannot decide because its header lacks a column it needs (the reader
    already said missing-column, an 错误 on the header row): why that count is 待核实 for every teacher. A
    count worked out from the columns that are there would be a confident wrong number (a 签到登记 without
    日期 made 王强's two missed 研修1 one absence)."""
    out: dict[str, Pending] = {}
    cell = f"A{table.header_rows[1]}"
    for name, kinds in needs.items():
        if name not in table.columns:
            why = Pending(table.sheet, cell, f"{table.sheet}缺少「{name}」列，无法从中计算"
                                             f"{'、'.join(_KIND_WORDS[k] for k in kinds)}次数，请补上这一列"
                                             f"{_HOW_TO_ADD.get(name, '')}")
            for kind in kinds:
                out.setdefault(kind, why)
    return out


def undated_handins(ctx: Context, reg: dict[str, np.ndarray], table,
                    rejected: dict[tuple[str, str], Pending]) -> None:
    """A hand-in without a readable date: whether it was late is unknown, so the 迟交 rule is 待核实."""
    rubric = ctx.spec.rubric
    for pos in np.flatnonzero(pd.isna(reg["date"])).tolist():
        item = rubric.item(reg["item"][pos])
        if item.deadline is None or "提交日期" not in table.columns:
            continue
        cell = table.cell("提交日期", int(reg["row"][pos]))
        for d in item.deductions:
            if d.derive == "late":
                rejected.setdefault((reg["teacher"][pos], d.event),
                                    Pending(table.sheet, cell, "提交日期没有填写或无法识别，无法判断是否迟交"))


def undated_sessions(ctx: Context, reg: dict[str, np.ndarray], table, teachers: pd.Index):
    """A 签到登记 row without a readable 日期 belongs to no known session: who missed that session is unknown,
    so every participant's 缺席 count (and the row's own teacher's 迟到/早退 count) is 待核实. Yields
    (teacher, "absent" or "irregular", why)."""
    undated = np.flatnonzero(pd.isna(reg["date"])).tolist()
    if not undated or "日期" not in table.columns:
        return
    groups = ctx.roster.groups() if ctx.roster.present else {}
    for pos in undated:
        teacher, scope, name = reg["teacher"][pos], reg["scope"][pos], reg["name"][pos]
        cell = table.cell("日期", int(reg["row"][pos]))
        scope = normalize_label(scope) if isinstance(scope, str) else ""
        members = teachers if scope in ("", "全体", "全体教师", "全校") else groups.get(scope, set())
        why = Pending(table.sheet, cell, f"签到日期没有填写或无法识别，「{name}」这次活动的出勤待核实")
        for t in members:
            yield t, "absent", why
        if teacher:
            yield teacher, "irregular", why


def unread_materials(ctx: Context, reg: dict[str, np.ndarray], counted: dict[str, np.ndarray], table, derived,
                     rejected: dict[tuple[str, str], Pending]) -> set[tuple[str, str]]:
    """A teacher's 提交登记 row whose 材料 names no rubric item (an 错误 on its cell) but looks like one — its text
    is part of the item's name or of one of its aliases, or holds one (「心得」 and 学习心得、感悟或教学反思 / 心得体会,
    「作业」 and 实践作业) — may be that item: if the teacher has no readable row for it, it is 待核实 on that cell,
    not 未交, which the `submission_absent` policy would otherwise make it. A material like none of them (读书笔记
    in a rubric without one) is simply not counted. Returns the (teacher, item name) pairs made 待核实."""
    unread: set[tuple[str, str]] = set()
    if "材料" not in table.columns:
        return unread
    rows = np.flatnonzero((reg["teacher"] != "") & (reg["item"] == "")).tolist()
    raw = table.frame["材料"].to_numpy(dtype=object)
    rows = [pos for pos in rows if raw[pos] is not None and raw[pos] == raw[pos] and str(raw[pos]).strip()]
    if not rows:
        return unread
    tracked = {key.split("|", 1)[0] for key in derived.counts.columns}
    have = set(zip(counted["teacher"].tolist(), counted["item"].tolist(), strict=True))
    for pos in rows:
        teacher, value = reg["teacher"][pos], raw[pos]
        cell = table.cell("材料", int(reg["row"][pos]))
        said = normalize_label(value)
        for item in ctx.spec.rubric.items:
            if item.name not in tracked or (teacher, item.name) in have:
                continue
            words = [normalize_label(w) for w in (item.name, *item.aliases)]
            if len(said) < 2 or not any(said in w or w in said for w in words if w):
                continue
            why = Pending(table.sheet, cell, f"材料「{value}」不是考核细则中的项目，无法判断这位教师是否交了"
                                             f"「{item.name}」、是否迟交")
            for d in item.deductions:
                if d.derive in ("missing", "late"):
                    rejected.setdefault((teacher, d.event), why)
            unread.add((teacher, item.name))
    return unread


def absent_materials(ctx: Context, derived, record, rows_of, rejected: dict[tuple[str, str], Pending],
                     unread: set[tuple[str, str]] = frozenset()) -> None:
    """Teachers with no 提交登记 row for a material other teachers have rows for: the named policy decides
    (unless the teacher has a row whose 材料 could not be read: that material is already 待核实)."""
    spec = ctx.spec
    choice = spec.policy("submission_absent", "missing")
    for item, ded in spec.rubric.deductions:
        key = f"{item.name}|missing"
        if ded.derive != "missing" or key not in derived.counts.columns:
            continue
        for t in derived.counts.index[derived.counts[key] == 1.0]:
            if (t, item.name) in unread:
                continue
            name_cell = record.cell("姓名", rows_of[t]) if "姓名" in record.columns else \
                record.cell("工号", rows_of[t])
            if choice == "pending":
                rejected[(t, ded.event)] = Pending(SUBMISSION.sheet, "", f"提交登记中没有这位教师的「{item.name}」，"
                                                                         "是否未交待核实")
                ctx.problem("absent-material", f"提交登记中有其他教师的「{item.name}」，没有这位教师的；"
                            "按策略「提交登记缺行」本项待核实", "警告", record.sheet, name_cell)
            else:
                ctx.problem("absent-material", f"提交登记中有其他教师的「{item.name}」，没有这位教师的；"
                            f"按策略「提交登记缺行」视为未交（{KIND_LABELS[ded.kind]}），本项0分", "警告",
                            record.sheet, name_cell)


def disagreeing_rows(ctx: Context, signin, reg: dict[str, np.ndarray], status: Coded,
                     session: np.ndarray) -> list[tuple[str, str, Pending]]:
    """Rows of one teacher for one session (日期, 活动名称) whose 签到状态 disagree — 已签到 on one, 缺席 or 迟到 on
    another — cannot both be right: an 错误 on the later row's 签到状态, and the teacher's attendance 待核实. Any
    row not 缺席 used to count as signed in, so 已签到 + 缺席 was a silent full 参训考勤. Rows that agree (two
    已签到) are one sign-in, as before. Returns (teacher, "absent" or "irregular", why): a 缺席 row in doubt leaves
    both counts unknown, 迟到 against 已签到 only the 迟到/早退/间缺 count.

    `status` is the 签到状态 column coded, `session` each row's (teacher, 日期, 活动名称) as one integer
    (`registers.session_ids`). Only the rows whose session key occurs more than once are visited one by one,
    found with one sort of integers: a register has one row per teacher and session almost always, and a Python
    pass over all 2,000 rows of one cost more than counting the whole register (issue 16)."""
    kind_of = {**dict.fromkeys(ATTENDED, "签到"), **dict.fromkeys(IRREGULAR, "迟到/早退/间缺"),
               **dict.fromkeys(ABSENT, "缺席")}
    kinds = [kind_of.get("" if s is None or s != s else str(s).strip()) for s in status.cells]
    known = np.array([k is not None for k in kinds] + [False], dtype=bool)[status.codes]
    known &= (reg["teacher"] != "") & pd.notna(reg["date"])   # no teacher, no date (said elsewhere), unknown status
    at = np.flatnonzero(known)
    if at.size < 2:
        return []
    _, inverse, counts = np.unique(session[at], return_inverse=True, return_counts=True)
    seen: dict[int, tuple[int, str]] = {}
    found: list[tuple[str, str, Pending]] = []
    for pos in at[counts[inverse] > 1].tolist():
        teacher, kind, key = reg["teacher"][pos], kinds[status.codes[pos]], int(session[pos])
        if key not in seen:
            seen[key] = (pos, kind)
            continue
        first, first_kind = seen[key]
        if kind == first_kind:
            continue
        row = int(reg["row"][pos])
        cell = signin.cell("签到状态", row)
        absent = "缺席" in (kind, first_kind)
        why = (f"第{row}行与第{int(reg['row'][first])}行是同一位教师的同一次活动，签到状态却不同"
               f"（{first_kind}、{kind}），这位教师的{'出勤' if absent else '迟到/早退/间缺次数'}待核实；"
               "请删除错误的一行")
        ctx.problem("signin-disagrees", why, "错误", SIGNIN.sheet, cell, reg["status"][pos])
        found += [(teacher, k, Pending(SIGNIN.sheet, cell, why)) for k in (("absent", "irregular") if absent
                                                                           else ("irregular",))]
    return found
