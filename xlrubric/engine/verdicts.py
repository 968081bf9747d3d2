"""Per-teacher decisions that join parts: the verdict over 学时 and every obligation, the 项目考核 等次
(能力提升工程2.0: 合格/良好/优秀 → +1/+2/+3 年终考核, 10 学分, seed 004) and 考勤 as the deductions counted it.

Pure: frames and spec in, typed outcomes out. Every renderer (学时汇总's last column, 项目考核, the archive,
the JSON report, 县汇总 through the summary, the mail body) prints these and decides nothing, so 学时汇总
can no longer say 达标 for a teacher 项目考核 grades 不合格, and the archive's 考勤 is 扣分明细's count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.engine.derive import Derived
from xlrubric.engine.pending import MET, NOT_MET, PENDING, combine, worst
from xlrubric.spec.hours import HoursSpec


@dataclass(frozen=True)
class Verdict:
    """达标 / 未达标 / 待核实 of one teacher: `hours` over every 学时 target (None: the spec has none),
    `duties` over every obligation that binds them (None: none binds), `overall` over both."""

    hours: str | None
    duties: str | None
    overall: str

    @property
    def text(self) -> str:
        """The overall verdict, saying which part fails when 学时 alone would read 达标."""
        if self.overall == NOT_MET and self.hours == MET:
            return f"{NOT_MET}（学时已达标，达标要求未达标）"
        if self.overall == PENDING and self.hours == MET:
            return f"{PENDING}（学时已达标，达标要求待核实）"
        return self.overall

    @property
    def printed(self) -> str:
        """What a teacher-level 达标 cell shows: the whole verdict where obligations bind, else 学时's."""
        return self.text if self.duties is not None else (self.hours or self.overall)


@dataclass(frozen=True)
class ProjectGrade:
    """A teacher's 项目考核 等次 and what it brings; `basis` is the verdict it rests on."""

    grade: str             # a spec grade name, 不合格, or 待核实
    bonus: float | None
    credits: float | None
    basis: str             # 达标 / 未达标 / 待核实 (学时 and every obligation)
    note: str = ""
    refused: str = ""      # a typed 等次 that could not stand (the teacher did not meet everything)


@dataclass(frozen=True)
class Attendance:
    """考勤 as the engine counted it for the deductions: sessions in scope, present, late/left early/away,
    absent (no sign-in at all included), with the evidence 扣分明细 cites."""

    sessions: int
    present: int
    irregular: int
    absent: int
    evidence: tuple[str, ...] = ()
    # why these counts are 待核实 (`engine.rubric.Pending`: a register row whose 日期 or 签到状态 was rejected);
    # empty when they are certain. A printed 考勤 with a reason here shows the reason, never the counts.
    pending: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Duty:
    """One obligation for one teacher as the engine judged it (达标情况's row)."""

    name: str
    state: str                     # 达标 / 未达标 / 待核实 / 不适用
    required: float | None = None
    actual: float | None = None
    missing: tuple[str, ...] = ()  # the periods not done, by name

    @property
    def missing_text(self) -> str:
        shown = "；".join(self.missing[:40])
        return shown + (f"……共{len(self.missing)}项" if len(self.missing) > 40 else "")


@dataclass(frozen=True)
class DutyTally:
    """One teacher's obligations counted for the archive's 达标情况一览表: those that apply (不适用 left out),
    how many are met, and the names of the others (未达标 or 待核实)."""

    applicable: int
    met: int
    open: tuple[str, ...]


def duty_tally(duties: list[Duty]) -> DutyTally:
    """Count one teacher's `Duty` lines (as `duty_lines` made them)."""
    applies = [d for d in duties if d.state != "不适用"]
    return DutyTally(len(applies), sum(d.state == MET for d in applies),
                     tuple(d.name for d in applies if d.state != MET))


@dataclass(frozen=True)
class YearLine:
    """One teacher's 学年 in the 学时 cycle, as the engine decided it (学时汇总's row, without layout);
    None where a 待核实 row could change the figure."""

    year: str
    total: float | None
    manual: float | None
    state: str | None              # 学年达标 (None: the rules set no yearly target)
    gap: float                     # how far below the yearly target
    cum: float | None
    cycle: str | None              # 周期达标 (None: no cycle target)
    cycle_gap: float
    latest: bool                   # the latest 学年 on record (a cycle shortfall is shown there)


@dataclass
class Outcomes:
    """The typed per-teacher decisions a `Results` carries beside its tables."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    grades: dict[str, ProjectGrade] = field(default_factory=dict)
    attendance: dict[str, Attendance] = field(default_factory=dict)
    duties: dict[str, list[Duty]] = field(default_factory=dict)
    years: dict[str, list[YearLine]] = field(default_factory=dict)
    tallies: dict[str, DutyTally] = field(default_factory=dict)   # per subject, from `duties`
    rows: Mapping[int, Any] = field(default_factory=dict)   # 学时登记 Excel row -> engine.rowstate.RowResult

    def as_report(self) -> dict[str, Any]:
        """The per-teacher verdicts, 项目考核 and 考勤 for the JSON report (only those this workbook has)."""
        return {key: as_dicts(got) for key, got in self.report_parts().items()}

    def report_parts(self) -> dict[str, dict[str, Any]]:
        """The decisions the JSON report lists, by report key (only those this workbook has)."""
        parts = {"verdicts": self.verdicts, "grades": self.grades, "attendance": self.attendance}
        return {key: got for key, got in parts.items() if got}


def as_dicts(decided: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Teacher -> one of the dataclasses above as a plain dict (a JSON report entry)."""
    return {t: asdict(v) for t, v in decided.items()}


def duty_states(table: pd.DataFrame, teachers: pd.Index) -> pd.Series:
    """Per teacher, the worst verdict over the obligations that bind them (达标 when none binds).

    `table` is `engine.requirements.evaluate(...).table` (subject, bound, met, pending per obligation). Walked
    once as arrays: a groupby with a Python aggregate cost more than the few hundred rows it looks at."""
    if not len(table):
        return pd.Series(MET, index=teachers, dtype=object)
    who = set(teachers)
    waits = (table["pending"] != "").to_numpy(dtype=bool)
    decided = table["bound"].to_numpy(dtype=bool) | waits
    met = table["met"].fillna(False).astype(bool).to_numpy()
    found: dict[str, set[str]] = {}
    for subject, counts, wait, ok in zip(table["subject"].tolist(), decided.tolist(), waits.tolist(), met.tolist(),
                                         strict=True):
        if counts and subject in who:
            found.setdefault(subject, set()).add(PENDING if wait else MET if ok else NOT_MET)
    state = {t: worst(got) for t, got in found.items()}
    return pd.Series([state.get(t, MET) for t in teachers], index=teachers, dtype=object)


def teacher_verdicts(teachers: pd.Index, hours: pd.Series | None, duties: pd.Series | None,
                     bound: set[str] | None = None) -> dict[str, Verdict]:
    """One `Verdict` per teacher from the 学时 states and the obligation states (either may be absent);
    `bound` names the teachers some obligation binds (others have `duties` None)."""
    overall = combine([s for s in (hours, duties) if s is not None], teachers).tolist()
    hours_of = {} if hours is None else dict(zip(hours.index.tolist(), hours.tolist(), strict=True))
    duties_of = {} if duties is None else dict(zip(duties.index.tolist(), duties.tolist(), strict=True))
    out = {}
    for t, v in zip(teachers, overall, strict=True):
        h = str(hours_of[t]) if t in hours_of else None
        d = None if duties is None or (bound is not None and t not in bound) else str(duties_of[t])
        out[t] = Verdict(h, d, str(v))
    return out


def grade_project(spec: HoursSpec, verdicts: dict[str, Verdict], typed: dict[str, tuple[str, int]],
                  unsure: dict[str, str]) -> dict[str, ProjectGrade]:
    """项目考核 per teacher: the lowest passing grade (合格) when everything is met; a director's typed
    良好/优秀 (`typed`: teacher -> (grade, register row)) raises it only then; a teacher whose verdict is
    待核实, or whose 项目考核 row was rejected (`unsure`: teacher -> why), is 待核实 with no bonus or credits."""
    order = [g.name for g in spec.grades]          # highest first
    by_name = {g.name: g for g in spec.grades}
    out = {}
    for t, v in verdicts.items():
        if v.overall == PENDING or t in unsure:
            out[t] = ProjectGrade(PENDING, None, None, v.overall,
                                  unsure.get(t, "学时或达标要求待核实（见学时汇总、达标情况）"))
            continue
        met = v.overall == MET
        grade, note, refused = (order[-1] if met else "不合格"), "", ""
        if t in typed:
            want, row = typed[t]
            if met:
                grade, note = want, f"等次由学时登记第{row}行评定"
            else:
                note, refused = f"学时登记第{row}行评为{want}，但未达到全部要求，按不合格计", want
        g = by_name.get(grade)
        out[t] = ProjectGrade(grade, g.bonus if g else 0.0, g.credits if g else 0.0, v.overall, note, refused)
    return out


def grade_counts(grades: dict[str, ProjectGrade], spec: HoursSpec) -> dict[str, int]:
    """Teachers per 项目考核 等次, highest first, then 不合格, then 待核实 (only when some are)."""
    counts = pd.Series([g.grade for g in grades.values()], dtype=object).value_counts().to_dict()
    return {name: int(counts.get(name, 0)) for name in [*(g.name for g in spec.grades), "不合格", PENDING]
            if name != PENDING or counts.get(PENDING)}


def duty_lines(table: pd.DataFrame, names: dict[str, str]) -> dict[str, list[Duty]]:
    """Per subject (a teacher, or a 教研组 for a group duty), each obligation's `Duty`, in table order.
    `table` is `evaluate(...).table`; `names` maps requirement id -> its name."""
    out: dict[str, list[Duty]] = {}
    for r in table.itertuples(index=False):
        if r.pending:
            d = Duty(names[r.requirement], PENDING)
        elif not r.bound:
            d = Duty(names[r.requirement], "不适用")
        else:
            d = Duty(names[r.requirement], MET if r.met else NOT_MET, float(r.required), float(r.actual),
                     tuple(r.missing))
        out.setdefault(r.subject, []).append(d)
    return out


def attendance(derived: Derived, teachers: pd.Index, doubts: dict[str, list[Any]] | None = None
               ) -> dict[str, Attendance]:
    """考勤 per teacher with at least one session in scope, from the counts the deductions use; `doubts` gives
    the teachers whose counts rest on a rejected register cell, with why (their `Attendance.pending`).

    The three count columns are taken out once as one integer array (the frame's one float block, its columns
    picked by position; no reindexing when `teachers` are the counts' own index, the usual call); the loop only
    builds the records."""
    counts = derived.counts
    at = counts.columns.get_loc        # per name: a list look-up builds an Index of the list first
    grid = counts.to_numpy(dtype=float)[:, [at("sessions"), at("absent"), at("irregular")]].astype(np.int64)
    if teachers.equals(counts.index):
        keep = grid[:, 0] != 0
    else:
        pos = counts.index.get_indexer(teachers)
        grid = grid[pos]
        keep = (pos >= 0) & (grid[:, 0] != 0)
    if doubts:                    # a teacher whose only session is the doubtful one still gets a 待核实 考勤
        keep = keep | teachers.isin(list(doubts)) & (counts.index.get_indexer(teachers) >= 0)
    ev = derived.evidence
    out = {}
    for t, (sessions, absent, irregular) in zip(teachers[keep].tolist(), grid[keep].tolist(), strict=True):
        out[t] = Attendance(sessions, sessions - absent - irregular, irregular, absent,
                            _pieces(ev.get((t, "absent")), ev.get((t, "irregular"))),
                            tuple(doubts.get(t, ())) if doubts else ())
    return out


def _pieces(missed: str | None, late: str | None) -> tuple[str, ...]:
    """The evidence texts' "；"-separated pieces, absences then late, blank pieces dropped."""
    if late is None:
        if missed is None:
            return ()
        said = missed.split("；")
    else:
        said = late.split("；") if missed is None else [*missed.split("；"), *late.split("；")]
    return tuple(said) if "" not in said else tuple(filter(None, said))
