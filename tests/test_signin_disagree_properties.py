"""Property test: `register_doubts.disagreeing_rows` (session keys as integers, only repeated keys visited) finds
the same disagreeing 签到 rows, in the same order, with the same problems, as the plain row-by-row rule written
here: walk the register in order; a row with a teacher, a readable 日期 and a known 签到状态 opens its
(teacher, 日期, 活动名称 as normalised) session or, when the session is open already with another kind of status,
disagrees with the session's first row — 缺席 against anything else leaves attendance in doubt, 迟到 against
已签到 only the 迟到/早退/间缺 count."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.codes import Coded, distinct
from xlrubric.engine.derive import ABSENT, ATTENDED, IRREGULAR
from xlrubric.pipeline.register_doubts import disagreeing_rows
from xlrubric.pipeline.registers import _session_names, session_ids
from xlrubric.readers.text import normalize_label

KIND = {**dict.fromkeys(ATTENDED, "签到"), **dict.fromkeys(IRREGULAR, "迟到/早退/间缺"),
        **dict.fromkeys(ABSENT, "缺席")}
DAY = dt.date(2025, 10, 9)


class _Ctx:
    def __init__(self) -> None:
        self.said: list[tuple] = []

    def problem(self, code, message, severity, sheet, cell, value) -> None:
        self.said.append((code, message, severity, sheet, cell, value))


class _Sheet:
    @staticmethod
    def cell(column: str, row: int) -> str:
        return f"{column}{row}"


def reference(rows: list[tuple]) -> list[tuple]:
    """(row, teacher, status, other row, first kind, kind) of each disagreeing row, in order."""
    seen: dict[tuple, tuple[int, str]] = {}
    out = []
    for row, teacher, date, name, status in rows:
        kind = KIND.get("" if status is None else str(status).strip())
        if not teacher or date is None or kind is None:
            continue
        key = (teacher, date, normalize_label(name) if isinstance(name, str) else name)
        if key not in seen:
            seen[key] = (row, kind)
        elif seen[key][1] != kind:
            out.append((row, teacher, status, seen[key][0], seen[key][1], kind))
    return out


ROWS = st.lists(st.tuples(st.sampled_from(["T1", "T2", ""]),
                          st.sampled_from([DAY, dt.date(2025, 10, 16), None]),
                          st.sampled_from(["研修1", "研修１", "研修 1", "研修2", None]),
                          st.sampled_from(["已签到", "", None, "迟到", "缺席", "早退 ", "请假"])), max_size=40)


@given(ROWS)
def test_disagreeing_rows_equal_the_row_by_row_rule(cells) -> None:
    rows = [(i + 3, *c) for i, c in enumerate(cells)]               # data rows from sheet row 3
    if not rows:
        return
    teacher = Coded(*distinct(np.array([r[1] for r in rows], dtype=object)))
    dates = Coded(*distinct(np.array([r[2] for r in rows], dtype=object)))
    names = _session_names(np.array([r[3] for r in rows], dtype=object))
    status = Coded(*distinct(np.array([r[4] for r in rows], dtype=object)))
    reg = {"teacher": teacher.values(), "row": np.array([r[0] for r in rows]), "date": dates.values(),
           "name": names.values(), "status": np.array([r[4] for r in rows], dtype=object)}
    ctx = _Ctx()
    found = disagreeing_rows(ctx, _Sheet(), reg, status, session_ids(teacher, dates, names))
    want = reference(rows)
    assert [(s[4], s[5]) for s in ctx.said] == [(f"签到状态{row}", status) for row, _, status, *_ in want]
    for said, (row, _teacher, _status, first, first_kind, kind) in zip(ctx.said, want, strict=True):
        assert said[1].startswith(f"第{row}行与第{first}行是同一位教师的同一次活动，"
                                  f"签到状态却不同（{first_kind}、{kind}）")
    expected = [(teacher, k) for _row, teacher, _s, _f, first_kind, kind in want
                for k in (("absent", "irregular") if "缺席" in (first_kind, kind) else ("irregular",))]
    assert [(t, k) for t, k, _why in found] == expected
