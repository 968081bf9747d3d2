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
from xlrubric.pipeline.register_doubts import (
    SIGNIN_NEEDS,
    SUBMISSION_NEEDS,
    absent_materials,
    disagreeing_rows,
    lacking_columns,
    refused_register,
    undated_handins,
    undated_sessions,
    unread_materials,
)
from xlrubric.pipeline.register_values import number_dates
from xlrubric.readers.raw import column_letters
from xlrubric.readers.text import cell_text, normalize_label, number_date_hint
from xlrubric.schemas.layout import SIGNIN, SUBMISSION
from xlrubric.schemas.teachers import resolve_codes
from xlrubric.spec.model import Spec


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
        refused_register(ctx, SIGNIN, ("absent", "irregular"), counts.index, rejected)
    submission = ctx.table(SUBMISSION, down=True)
    if submission is not None and submission.frame.empty:
        refused_register(ctx, SUBMISSION, ("late", "missing"), counts.index, rejected)
    if submission is not None and not submission.frame.empty:
        reg = _submissions(ctx, submission)
        known = (reg["teacher"] != "") & (reg["item"] != "")
        counted = {k: v[known] for k, v in reg.items()}
        d = submission_counts(counted, counts.index, {i.name: i.deadline for i in rubric.items})
        for item, ded in rubric.deductions:
            key = f"{item.name}|{ded.derive}"
            if ded.derive in ("late", "missing") and key in d.counts.columns:
                derived_cols[ded.event] = (d.counts[key], SUBMISSION.sheet, (d, key, submission))
        for kind, why in lacking_columns(submission, SUBMISSION_NEEDS).items():
            for item, ded in rubric.deductions:   # 迟交 of an item without a deadline is never derived
                if ded.derive == kind and (kind != "late" or item.deadline is not None):
                    for teacher in counts.index:
                        rejected.setdefault((teacher, ded.event), why)
        undated_handins(ctx, counted, submission, rejected)
        unread = unread_materials(ctx, reg, counted, submission, d, rejected)
        absent_materials(ctx, d, record, rows_of, rejected, unread)
    if derived_cols:
        _put_derived(ctx, counts, sources, record, rows_of, rejected, derived_cols)


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
        ctx.shared["signin_table"] = ctx.table(SIGNIN, down=True)
    signin = ctx.shared["signin_table"]
    if signin is None or signin.frame.empty:
        return None
    frame = signin.frame
    n = len(frame.index)

    def column(name: str, blank: Any) -> np.ndarray:
        return frame[name].to_numpy(dtype=object) if name in frame.columns else np.full(n, blank, dtype=object)

    teacher = teacher_codes(ctx, signin, "签到")
    dates = _dates(ctx, signin, "日期", frame.get("日期"), required=True)
    names = _session_names(column("活动名称", None))
    reg = {"teacher": teacher.values(), "row": frame.index.to_numpy(), "date": dates.values(),
           "name": names.values(), "scope": column("参加范围", ""), "status": column("签到状态", "")}
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
    disagree = disagreeing_rows(ctx, signin, reg, status, session_ids(teacher, dates, names))
    # the engine counts with the columns already coded here (teachers, dates by their cell, statuses)
    counted = {**reg, "teacher": teacher, "date": dates, "status": status}
    matched = reg["teacher"] != ""
    if not matched.all():
        counted = {k: v.take(matched) if isinstance(v, Coded) else v[matched] for k, v in counted.items()}
    d = signin_counts(counted, teachers, RosterGroups(ctx.roster) if ctx.roster.present else {})
    ctx.shared["attendance"] = (d, signin, reg)
    lacking = lacking_columns(signin, SIGNIN_NEEDS)
    ctx.shared["attendance_doubts"] = [*((reg["teacher"][pos], kind, why) for pos, why in unknown
                                         for kind in ("absent", "irregular") if reg["teacher"][pos]),
                                       *disagree, *undated_sessions(ctx, reg, signin, teachers),
                                       *((t, kind, why) for kind, why in lacking.items() for t in teachers)]
    return d, signin, reg


def _session_names(names: np.ndarray) -> Coded:
    """活动名称 as one session knows it: names that differ only in full/half width, spaces or brackets (「研修２」,
    「研修 2」, 「研修2」) are one name, the first typed. A session is its (日期, 活动名称): 「研修２」 and 「研修2」 on
    one day were two sessions, and each teacher who signed one was counted absent from the other."""
    codes, cells = distinct(names)
    first: dict[str, Any] = {}
    return Coded(codes, [v if not isinstance(v, str) else first.setdefault(normalize_label(v), v) for v in cells])


def session_ids(teacher: Coded, dates: Coded, names: Coded) -> np.ndarray:
    """One integer per row for its (teacher, 日期, 活动名称), equal exactly where the three values are: the key
    `disagreeing_rows` groups by, made from each column's ids by value in integer arithmetic (a register holds
    at most LIMITS rows, so the product of the three id counts stays far inside int64)."""
    key = np.zeros(len(teacher), dtype=np.int64)
    for column in (teacher, dates, names):
        ids = column.value_ids()
        key = key * (int(ids.max(initial=0)) + 1) + ids
    return key


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
            why = "无法判断是哪一次活动，出勤待核实" if table.sheet == SIGNIN.sheet else "无法判断是否按时提交"
            ctx.problem("no-date", f"没有填写{column}：{why}", "错误", table.sheet, table.cell(column, row))
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
