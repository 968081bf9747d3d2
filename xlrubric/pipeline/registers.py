"""The registers behind the rubric's deductions: 签到登记 (attendance) and 提交登记 (hand-ins), read and
handed to the engine (`engine.derive`), whose counts replace the typed ones; and 考勤 as a typed outcome
(`engine.verdicts.attendance`) that the archive prints, so the archive and 扣分明细 read one count.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.codes import Coded, distinct
from xlrubric.engine.derive import ABSENT, ATTENDED, IRREGULAR, signin_counts, submission_counts
from xlrubric.engine.rubric import Pending, Source
from xlrubric.engine.verdicts import attendance
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register_values import number_dates
from xlrubric.readers.raw import column_letters
from xlrubric.readers.text import cell_text, normalize_label, number_date_hint
from xlrubric.schemas.layout import SIGNIN, SUBMISSION
from xlrubric.schemas.teachers import resolve_codes
from xlrubric.spec.model import KIND_LABELS, Spec


def record_attendance(ctx: Context) -> None:
    """考勤 per teacher as the deductions counted it; a workbook whose 签到登记 no rubric counted (no 考核细则
    item derives from it) is counted here for the roster, so the archive never says 没有签到登记 wrongly."""
    found = ctx.shared.get("attendance")
    if found is None and ctx.roster.present and ctx.book.sheet(SIGNIN.sheet) is not None:
        found = signin_attendance(ctx, pd.Index(list(ctx.roster.names), name="teacher"))
    if found is not None:
        doubts: dict[str, list[Pending]] = {}
        for teacher, _kind, why in ctx.shared.get("attendance_doubts", ()):
            if why not in doubts.setdefault(teacher, []):
                doubts[teacher].append(why)
        ctx.outcomes.attendance = attendance(found[0], found[0].counts.index, doubts)


def teachers_of(ctx: Context, table, what: str) -> pd.Series:
    """The teacher of every row; a sheet without 工号 is read by 姓名, which the user is told (警告).

    Resolved once per table and calc (`ctx.teachers`, by the table's identity, which it keeps alive):
    a later part asking again gets the same keys, and the problems are not said twice."""
    return pd.Series(teacher_codes(ctx, table, what).values(), index=table.frame.index, dtype=object)


def teacher_codes(ctx: Context, table, what: str) -> Coded:
    """`teachers_of` as codes (one per distinct (工号, 姓名) pair), for a reader that counts with codes."""
    memo = ctx.teachers.get(id(table))
    if memo is not None and memo[0] is table:
        return memo[1]
    if "工号" not in table.columns and "姓名" in table.columns:
        ctx.problem("no-id-column", f"「{table.sheet}」没有「工号」列，按姓名识别教师"
                    "（同名的教师无法区分，须补上工号）", "警告", table.sheet, table.header_cell("姓名"))
    keys, probs = resolve_codes(table, ctx.roster, what=what)
    ctx.problems.extend(probs)
    ctx.teachers[id(table)] = (table, keys)
    return keys


def apply_registers(ctx: Context, counts: pd.DataFrame, sources: dict, record, rows_of,
                     rejected: dict[tuple[str, str], Pending]) -> None:
    """Replace typed counts with counts derived from 签到登记 / 提交登记, where those registers exist.

    A derived count replaces the typed cell, rejected or not; a register row whose 提交日期 is blank or
    unreadable leaves that teacher's 迟交 count 待核实, and a teacher without any row for a material the
    register tracks follows the `submission_absent` policy (未交 with a 警告, or 待核实).
    """
    spec: Spec = ctx.spec
    rubric = spec.rubric
    derived_cols: dict[str, tuple[pd.Series, str, Any]] = {}
    signin = signin_attendance(ctx, counts.index)
    if signin is not None:
        d, table, reg = signin
        for _item, ded in rubric.deductions:
            if ded.derive in ("absent", "irregular"):
                derived_cols[ded.event] = (d.counts[ded.derive], SIGNIN.sheet, (d, ded.derive, table))
        events = {kind: [d.event for _, d in rubric.deductions if d.derive == kind] for kind in ("absent", "irregular")}
        for teacher, kind, why in ctx.shared.get("attendance_doubts", ()):
            for event in events[kind]:
                rejected.setdefault((teacher, event), why)
    else:
        _refused_register(ctx, SIGNIN, ("absent", "irregular"), counts.index, rejected)
    submission = ctx.table(SUBMISSION)
    if submission is not None and submission.frame.empty:
        _refused_register(ctx, SUBMISSION, ("late", "missing"), counts.index, rejected)
    if submission is not None and not submission.frame.empty:
        reg = _submissions(ctx, submission)
        known = (reg["teacher"] != "") & (reg["item"] != "")
        counted = {k: v[known] for k, v in reg.items()}
        d = submission_counts(counted, counts.index, {i.name: i.deadline for i in rubric.items})
        for item, ded in rubric.deductions:
            key = f"{item.name}|{ded.derive}"
            if ded.derive in ("late", "missing") and key in d.counts.columns:
                derived_cols[ded.event] = (d.counts[key], SUBMISSION.sheet, (d, key, submission))
        for kind, why in _lacking(submission, SUBMISSION_NEEDS).items():
            for item, ded in rubric.deductions:   # 迟交 of an item without a deadline is never derived
                if ded.derive == kind and (kind != "late" or item.deadline is not None):
                    for teacher in counts.index:
                        rejected.setdefault((teacher, ded.event), why)
        _undated(ctx, counted, submission, rejected)
        unread = _unread_materials(ctx, reg, counted, submission, d, rejected)
        _absent_materials(ctx, d, record, rows_of, rejected, unread)
    if derived_cols:
        _put_derived(ctx, counts, sources, record, rows_of, rejected, derived_cols)


def _refused_register(ctx: Context, layout, derives: tuple[str, ...], teachers: pd.Index,
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


def _lacking(table, needs: dict[str, tuple[str, ...]]) -> dict[str, Pending]:
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


def _put_derived(ctx: Context, counts: pd.DataFrame, sources: dict, record, rows_of, rejected: dict,
                 derived_cols: dict[str, tuple[pd.Series, str, Any]]) -> None:
    """Each derived count into `counts`, the register as the source of every teacher's count (`Cited`, read
    when 扣分明细 asks), and the typed cells it overrides said on the cell.

    Every teacher's count of a derived event comes from the register, even where it cites no row (a teacher
    without one must not fall back to the typed cell); only the typed cells that differ and the rejected
    cells are visited one by one, and the counts go into `counts` in one step.
    """
    teachers = counts.index.tolist()
    at = dict(zip(teachers, range(len(teachers)), strict=True))   # one row per teacher: the index is unique
    put: dict[str, np.ndarray] = {}
    for event, (series, sheet, (derived, key, reg_table)) in derived_cols.items():
        same = series.index.equals(counts.index)
        values = (series if same else series.reindex(counts.index)).to_numpy(dtype=float, copy=True)
        values[np.isnan(values)] = 0.0
        if event in counts.columns and event in record.columns:
            typed = counts[event].to_numpy()
            cells = record.frame[event] if event in record.frame.columns else None     # as typed: 「2次」, not 2
            for pos in np.flatnonzero(pd.notna(typed) & (typed != values)).tolist():
                t = teachers[pos]
                ctx.problem("register-differs",
                            f"「{event}」填的是 {typed[pos]:g}，{sheet}推算为 {values[pos]:g}，按{sheet}计算",
                            "警告", record.sheet, record.cell(event, rows_of[t]),
                            typed[pos] if cells is None else cells.get(rows_of[t], typed[pos]))
        sources.cite(event, Cited(sheet, key, derived.cells, derived.evidence, reg_table, at))
        unsure = []
        for t, e in [k for k in rejected if k[1] == event and k[0] in at]:
            if rejected[(t, e)].sheet == record.sheet:
                del rejected[(t, e)]              # the register decides, not the rejected typed cell
            else:
                unsure.append(at[t])
        values[unsure] = np.nan                   # a register fact that is itself 待核实 decides nothing
        put[event] = values
    _put_columns(counts, put)


def _put_columns(counts: pd.DataFrame, columns: dict[str, np.ndarray]) -> None:
    """`counts[name] = values` for each column, in place; where `counts` has them all as floats (always, from
    `_read_record`), written into its float block at once (a column at a time would split the block)."""
    # positions by `get_loc` and dtypes column by column: `get_indexer(list)` builds a str Index from the list
    # and `counts.dtypes` a Series, ~10x what the look-ups cost (pandas 3.1)
    have = counts.columns
    if have.is_unique and all(name in have and counts[name].dtype == np.float64 for name in columns):
        counts.iloc[:, [have.get_loc(name) for name in columns]] = np.column_stack(list(columns.values()))
        return
    for name, values in columns.items():
        counts[name] = values


class Cited:
    """A register that decides one event for `teachers` (any container of keys): each teacher's source is the
    register's first row it cites for them under `key` (the row's teacher cell) and its evidence, or the
    register with neither (a count the register decides never falls back to the typed cell). Made for the
    teachers 扣分明细 shows, when it asks (`RecordSources.locate`), not for every teacher."""

    __slots__ = ("cells", "evidence", "key", "letters", "sheet", "teachers")

    def __init__(self, sheet: str, key: str, cells: dict, evidence: dict, table, teachers) -> None:
        self.sheet, self.key, self.cells, self.evidence, self.teachers = sheet, key, cells, evidence, teachers
        # the cell of a cited row: its 工号 cell, or column A of a register without 工号 (`Table.cell`)
        self.letters = column_letters(table.columns.get("工号", 0))

    def source(self, teacher) -> Source:
        row = self.cells.get((teacher, self.key))
        return Source(self.sheet, f"{self.letters}{row}" if row else "", self.evidence.get((teacher, self.key), ""))

    def locate(self, teachers: list) -> tuple[list[str], list[str], list[str]]:
        """`source`'s sheet, cell and note for each of `teachers`, as three lists."""
        pairs = list(zip(teachers, repeat(self.key)))
        letters = self.letters
        cells = [f"{letters}{row}" if row else "" for row in map(self.cells.get, pairs)]
        return [self.sheet] * len(teachers), cells, list(map(self.evidence.get, pairs, repeat("")))


def signin_attendance(ctx: Context, teachers: pd.Index):
    """签到登记 counted by the engine (sessions in scope, absences, late/left early) for `teachers`, with
    the sheet it came from and its rows (teacher, row, date, name, scope, status: equal-length arrays);
    None when there is no register. The archive's 考勤 and 扣分明细's deductions both come from here, so
    they cannot disagree."""
    if "attendance" in ctx.shared and ctx.shared["attendance"][0].counts.index.equals(teachers):
        return ctx.shared["attendance"]
    if "signin_table" not in ctx.shared:       # read once: a second read said its problems (no-header) twice
        ctx.shared["signin_table"] = ctx.table(SIGNIN)
    signin = ctx.shared["signin_table"]
    if signin is None or signin.frame.empty:
        return None
    frame = signin.frame
    n = len(frame.index)

    def column(name: str, blank: Any) -> np.ndarray:
        return frame[name].to_numpy(dtype=object) if name in frame.columns else np.full(n, blank, dtype=object)

    teacher = teacher_codes(ctx, signin, "签到")
    dates = _dates(ctx, signin, "日期", frame.get("日期"), required=True)
    reg = {"teacher": teacher.values(), "row": frame.index.to_numpy(), "date": dates.values(),
           "name": column("活动名称", None), "scope": column("参加范围", ""), "status": column("签到状态", "")}
    known = ATTENDED | IRREGULAR | ABSENT
    status = Coded(*distinct(reg["status"]))
    codes, statuses = status.codes, status.cells
    bad = np.array([s not in (None, "") and str(s).strip() not in known for s in statuses], dtype=bool)
    unknown: list[tuple[int, Pending]] = []        # (row position, why) of each row whose status is not known
    for pos in np.flatnonzero(bad[codes]).tolist():
        row, said = int(reg["row"][pos]), statuses[codes[pos]]
        why = (f"签到状态「{said}」无法识别（应为：已签到/迟到/早退/间缺/缺席），这位教师的出勤待核实；"
               "如是请假，请按学校的规定改为其中之一")
        cell = signin.cell("签到状态", row)
        ctx.problem("bad-status", why, "错误", SIGNIN.sheet, cell, said)
        unknown.append((pos, Pending(SIGNIN.sheet, cell, why)))
    # the engine counts with the columns already coded here (teachers, dates by their cell, statuses)
    counted = {**reg, "teacher": teacher, "date": dates, "status": status}
    matched = reg["teacher"] != ""
    if not matched.all():
        counted = {k: v.take(matched) if isinstance(v, Coded) else v[matched] for k, v in counted.items()}
    d = signin_counts(counted, teachers, RosterGroups(ctx.roster) if ctx.roster.present else {})
    ctx.shared["attendance"] = (d, signin, reg)
    lacking = _lacking(signin, SIGNIN_NEEDS)
    ctx.shared["attendance_doubts"] = [*((reg["teacher"][pos], kind, why) for pos, why in unknown
                                         for kind in ("absent", "irregular") if reg["teacher"][pos]),
                                       *_undated_sessions(ctx, reg, signin, teachers),
                                       *((t, kind, why) for kind, why in lacking.items() for t in teachers)]
    return d, signin, reg


class RosterGroups(Mapping):
    """The roster's groups (`Roster.groups`: normalized 教研组/学科 -> teacher keys), worked out on the first
    look-up: the engine looks a 参加范围 up only when it names a group, and most registers say 全体."""

    def __init__(self, roster) -> None:
        self.roster = roster

    def __getitem__(self, key: str) -> set[str]:
        return self.roster.groups()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.roster.groups()

    def __iter__(self):
        return iter(self.roster.groups())

    def __len__(self) -> int:
        return len(self.roster.groups())


def _dates(ctx: Context, table, column: str, values: pd.Series | None, required: bool = False) -> Coded:
    """The date of every row of `column` (None where blank or unreadable), read once per distinct cell value:
    coded by the cell (`values()` gives the dates per row).

    An unreadable cell is an 错误 on its cell; a blank one too when the date is `required` (the register
    cannot say whether it was on time). A sheet without the column gives no dates and no problems.
    """
    n = len(table.frame.index)
    if values is None:
        return Coded(np.zeros(n, dtype=np.intp), [None])
    codes, cells = distinct(values)
    found = [ctx.date(v)[0] for v in cells]
    blank = [v is None or (isinstance(v, float) and v != v) or not str(v).strip() for v in cells]
    # per distinct value: 0 fine, 1 unreadable, 2 blank but required
    verdict = np.array([1 if d is None and not b else 2 if b and required and column in table.columns else 0
                        for d, b in zip(found, blank, strict=True)] + [0], dtype=np.int8)
    period = ctx.spec.period
    for k, (value, d) in enumerate(zip(cells, found, strict=True)):     # per distinct cell, on its first row
        if d is not None and ctx.outside_period(value):
            row = int(values.index[int(np.flatnonzero(codes == k)[0])])
            ctx.problem("date-year-guessed", f"「{value}」只写了月日，按 {d.isoformat()} 计算，不在考核期"
                        f"（{period.start.isoformat()} 至 {period.end.isoformat()}）内，请核对并写完整日期", "警告",
                        table.sheet, table.cell(column, row), value)
    index = values.index
    for pos, said in number_dates(codes, cells, found, index):   # a number read as a date: once per number
        ctx.problem("date-number", said, "警告", table.sheet, table.cell(column, int(index[pos])), cells[codes[pos]])
    for pos in np.flatnonzero(verdict[codes]):
        row, value = int(index[pos]), cells[codes[pos]]
        if verdict[codes[pos]] == 1:
            ctx.problem("bad-date", f"「{cell_text(value)}」不是可识别的日期{number_date_hint(value)}，如 2021-06-03",
                        "错误", table.sheet, table.cell(column, row), value)
        else:
            ctx.problem("no-date", f"没有填写{column}：无法判断是否按时提交", "错误", table.sheet,
                        table.cell(column, row))
    return Coded(codes, found)


def _submissions(ctx: Context, table) -> dict[str, np.ndarray]:
    """提交登记 as equal-length arrays: teacher, item (the rubric item its 材料 names, "" if none), row, date.

    A 材料 no rubric item is called is an 错误 on its cell (read once per distinct value); a sheet without a
    材料 column (already an 错误 from the reader) names no item, so nothing is derived from it."""
    frame = table.frame
    n = len(frame.index)
    teachers = teachers_of(ctx, table, "提交记录").to_numpy(dtype=object)     # its problems first, as before
    items = np.full(n, "", dtype=object)
    if "材料" in frame.columns:
        lookup = {}
        for item in ctx.spec.rubric.items:
            for word in (item.name, *item.aliases):
                lookup[normalize_label(word)] = item.name
        raw = frame["材料"].to_numpy(dtype=object)
        codes, cells = distinct(raw)
        named = [lookup.get(normalize_label(v)) for v in cells]
        unknown = np.array([name is None and v not in (None, "") for name, v in zip(named, cells, strict=True)])
        for pos in np.flatnonzero(unknown[codes]).tolist():
            value = raw[pos]
            ctx.problem("unknown-material", f"材料「{value}」不是考核细则中的项目，未计入", "错误",
                        SUBMISSION.sheet, table.cell("材料", int(frame.index[pos])), value)
        items = np.array([name or "" for name in named], dtype=object)[codes]
    return {"teacher": teachers, "item": items,
            "row": frame.index.to_numpy(),
            "date": _dates(ctx, table, "提交日期", frame.get("提交日期"), required=True).values()}


def _undated(ctx: Context, reg: dict[str, np.ndarray], table, rejected: dict[tuple[str, str], Pending]) -> None:
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


def _undated_sessions(ctx: Context, reg: dict[str, np.ndarray], table, teachers: pd.Index):
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


def _unread_materials(ctx: Context, reg: dict[str, np.ndarray], counted: dict[str, np.ndarray], table, derived,
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


def _absent_materials(ctx: Context, derived, record, rows_of, rejected: dict[tuple[str, str], Pending],
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
