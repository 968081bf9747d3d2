"""Property test: `run_rules`' clean pass (`_clean_schema`: the float columns checked as one array, issue 16)
answers exactly as validating every sheet cell by cell would.

The clean pass only decides whether the cell-by-cell pass (`_schema`) runs; a wrong "clean" would drop
problems, a wrong "not clean" costs time only. So `run_rules` must give the same problems as when the clean
pass always says "not clean", for frames mixing float columns (blanks, negatives, fractions, values over a
limit), an object column, repeated keys, and rules that cannot run on numpy values (`one_of` needs a Series)
or on text at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.readers.table import Table
from xlrubric.schemas import validate
from xlrubric.schemas.validate import at_most, non_negative, one_of, run_rules, whole_number

# mostly cells every rule accepts, so a sheet is often clean or off by one cell
CLEAN = st.sampled_from([0.0, 1.0, np.nan])
BAD = st.sampled_from([2.0, 3.0, 12.0, -1.0, 0.5])          # each fails some rule of a, b or c (c allows 0, 1)
TEXTS = st.sampled_from(["本科", None, "3", "小学"])
KEYS = st.sampled_from(["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", None])
CELLS = st.tuples(CLEAN, CLEAN, CLEAN, TEXTS, KEYS)
RULES = [non_negative("a"), whole_number("a"), at_most("b", 10), non_negative("b"), one_of("c", [0.0, 1.0], "只能"),
         one_of("t", ["本科"], "学历"), whole_number("t")]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    a, b, c, t, k = (list(col) for col in zip(*rows, strict=True))
    return pd.DataFrame({"a": np.array(a, dtype=float), "b": np.array(b, dtype=float),
                         "c": np.array(c, dtype=float), "t": pd.Series(t, dtype=object),
                         "工号": pd.Series(k, dtype=object)}).set_axis(pd.Index(range(3, 3 + len(rows))))


def _problems(frame: pd.DataFrame) -> list[tuple]:
    table = Table("学校.xlsx", "考核记录", frame, {c: j for j, c in enumerate(frame.columns)}, (2, 2))
    return [(p.code, p.cell, p.value if p.value == p.value else "nan", p.message)
            for p in run_rules(table, frame, RULES, unique="工号")]


# sheets of clean cells with up to two spoilt ones (row, column a/b/c, a bad value)
def sheets(test):
    return settings(max_examples=200, deadline=None)(given(
        st.lists(CELLS, min_size=1, max_size=8),
        st.lists(st.tuples(st.integers(0, 7), st.integers(0, 2), BAD), max_size=2))(test))


def _spoilt(rows: list[tuple], spoilt: list[tuple]) -> pd.DataFrame:
    rows = [list(r) for r in rows]
    for at, col, value in spoilt:
        rows[at % len(rows)][col] = value
    return _frame(rows)


def _never_clean(*_layout) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(checks=[pa.Check(lambda frame: False, name=validate.RULES_CHECK)])


@sheets
def test_clean_pass_agrees_with_cell_by_cell(rows: list[tuple], spoilt: list[tuple]):
    frame = _spoilt(rows, spoilt)
    got = _problems(frame)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(validate, "_clean_schema", _never_clean)
        expected = _problems(frame)
    assert got == expected


def test_a_clean_sheet_is_told_clean_by_the_first_pass(monkeypatch: pytest.MonkeyPatch):
    # by hand: a = 0, 2 (whole, not negative), b = 3, blank (≤ 10), c = 1, 0 (allowed), t blank, keys distinct:
    # every rule passes, so the cell-by-cell schema is never built
    frame = _frame([(0.0, 3.0, 1.0, None, "T1"), (2.0, np.nan, 0.0, None, "T2")])
    monkeypatch.setattr(validate, "_schema", None)        # calling it would raise TypeError
    assert _problems(frame) == []


def _arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The frame's float columns as the arrays a caller built it from (`_read_record` passes its parsed columns)."""
    return {c: frame[c].to_numpy(copy=True) for c in ("a", "b", "c")}


@sheets
def test_clean_pass_on_the_callers_arrays_agrees_with_the_frame(rows: list[tuple], spoilt: list[tuple]):
    # the fast path (`arrays`: the float columns read from the caller's arrays, not taken out of the frame)
    # must answer as the plain clean pass does, and that as cell by cell (test above)
    frame = _spoilt(rows, spoilt)
    table = Table("学校.xlsx", "考核记录", frame, {c: j for j, c in enumerate(frame.columns)}, (2, 2))
    calls: list[int] = []
    plain_every = validate._every_array

    def counted(*args):
        calls.append(1)
        return plain_every(*args)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(validate, "_every_array", counted)
        got = run_rules(table, frame, RULES, unique="工号", arrays=_arrays(frame))
    expected = run_rules(table, frame, RULES, unique="工号")
    assert calls == [1]                   # the fast path ran, once, on this frame
    assert [(p.code, p.cell, p.message) for p in got] == [(p.code, p.cell, p.message) for p in expected]


def test_arrays_of_another_frame_are_not_read():
    # by hand: a = -1 fails non-negative on row 3; arrays claiming a = 0 given with another frame (as if pandera
    # checked a copy) must not hide the failure: the clean pass says "not clean"
    frame = _frame([(-1.0, 0.0, 0.0, None, "T1")])
    layout = (("a", "b", "c"), "工号")
    rules = {"a": [non_negative("a")], "b": [], "c": []}
    wrong = {c: np.zeros(1) for c in ("a", "b", "c")}
    rules_token = validate._RULES.set(rules)
    token = validate._ARRAYS.set((frame.copy(), wrong))
    try:
        with pytest.raises(pa.errors.SchemaErrors):
            validate._clean_schema(*layout).validate(frame, lazy=True, inplace=True)
        validate._ARRAYS.set((frame, wrong))       # the same arrays with this frame are believed (the contract)
        validate._clean_schema(*layout).validate(frame, lazy=True, inplace=True)
    finally:
        validate._ARRAYS.reset(token)
        validate._RULES.reset(rules_token)
