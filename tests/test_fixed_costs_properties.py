"""Property tests: the per-book fast paths of issue 16 (session 9) answer exactly as the plain code they replace.

Each plain version below is the code as it stood before (written out again here as the reference): a small
book pays every call's fixed cost in full, so these paths skip pandas look-ups, not any decision.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.engine.derive import Derived
from xlrubric.engine.verdicts import Attendance, _pieces, attendance
from xlrubric.schemas.layout import Column, Layout, with_spec_synonyms

WORDS = st.sampled_from(["编号", "工号", "教师", "名字", "姓名", "学科", "次数"])
NAMES = ["工号", "姓名", "缺席", "迟到", "备注"]


def plain_synonyms(layout: Layout, spec) -> Layout:
    """`with_spec_synonyms` before: every column made again."""
    if not spec.synonyms:
        return layout
    cols = tuple(
        Column(c.name, c.kind, c.required, tuple(dict.fromkeys(c.synonyms + tuple(spec.synonyms.get(c.name, ())))),
               c.choices, c.hint, c.width, c.max_value)
        for c in layout.columns)
    return Layout(layout.sheet, cols, layout.title, layout.optional, layout.key)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.lists(WORDS, max_size=4)), min_size=1, max_size=6),
       st.dictionaries(st.sampled_from([*NAMES, "学时"]), st.lists(WORDS, max_size=3), max_size=4))
def test_spec_synonyms_as_when_every_column_was_made_again(columns, extra):
    # columns may repeat a synonym (the plain code dropped the repeat) and the spec may name columns the layout
    # lacks; the layout's sheet synonyms are left out as before
    layout = Layout("考核记录", tuple(Column(n, "count", i == 0, tuple(s), hint=f"h{i}", width=8 + i)
                                      for i, (n, s) in enumerate(columns)), "标题", True, ("工号",), ("记录",))
    spec = SimpleNamespace(synonyms=extra)
    assert with_spec_synonyms(layout, spec) == plain_synonyms(layout, spec)


def plain_attendance(derived: Derived, teachers: pd.Index) -> dict[str, Attendance]:
    """`verdicts.attendance` one teacher at a time: every teacher counted with a session in scope."""
    counts, ev, out = derived.counts, derived.evidence, {}
    for t in teachers:
        if t not in counts.index or counts.loc[t, "sessions"] == 0:
            continue
        s, a, i = (int(counts.loc[t, c]) for c in ("sessions", "absent", "irregular"))
        out[t] = Attendance(s, s - a - i, i, a, _pieces(ev.get((t, "absent")), ev.get((t, "irregular"))))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=8),
       st.permutations(["absent", "irregular", "sessions"]), st.booleans(), st.lists(st.integers(0, 9), max_size=5))
def test_attendance_as_when_taken_by_name(rows, order, own, asked):
    teachers = [f"T{i}" for i in range(len(rows))]
    counts = pd.DataFrame({"sessions": [float(s) for s, _a, _i in rows], "absent": [float(a) for _s, a, _i in rows],
                           "irregular": [float(i) for _s, _a, i in rows]}, index=pd.Index(teachers, dtype=object))
    counts = counts[order]                # any column order: the fast path picks the columns by name too
    evidence = {(t, "absent"): "第1次；第2次" for t in teachers[::2]}
    derived = Derived(counts, evidence)
    index = counts.index if own else pd.Index([f"T{i}" for i in asked], dtype=object)   # some not counted
    assert attendance(derived, index) == plain_attendance(derived, index)


def plain_reading_layout(spec, sheet: str, style: str | None) -> Layout:
    """`record.reading_layout` before: its key and note columns made on every call."""
    from dataclasses import replace

    from xlrubric.schemas.layout import ID, NAME, record_layout, scores_layout

    style = style or (spec.rubric.input if spec.rubric else "counts")
    cols = [replace(ID, required=False), replace(NAME, required=False, synonyms=(*NAME.synonyms, "教师"))]
    if style in ("counts", "both"):
        cols += [c for c in record_layout(spec).columns if c.name not in ("工号", "姓名", "备注")]
    if style in ("scores", "both"):
        cols += [c for c in scores_layout(spec).columns if c.name not in ("工号", "姓名", "备注")]
    cols.append(Column("备注", "text"))
    return plain_synonyms(Layout(sheet, tuple(cols)), spec)


def test_reading_layout_of_every_preset_as_before():
    from xlrubric.pipeline.record import reading_layout
    from xlrubric.spec.load import load_preset, preset_ids

    for pid in preset_ids():
        spec = load_preset(pid)
        for style in (None, "counts", "scores", "both"):
            assert reading_layout(spec, "评分表", style) == plain_reading_layout(spec, "评分表", style), (pid, style)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["缺席", "迟到", "1", "总分", "计划|late", "", "nan"]), max_size=6), st.integers(0, 4))
def test_shared_column_labels_as_a_list_makes_them(names, rows):
    from xlrubric.engine.labels import column_index

    grid = np.arange(rows * len(names), dtype=float).reshape(rows, len(names))
    index = pd.Index([f"T{i}" for i in range(rows)], dtype=object)
    plain = pd.DataFrame(grid, index=index, columns=names)
    shared = pd.DataFrame(grid, index=index, columns=column_index(tuple(names)))
    pd.testing.assert_frame_equal(shared, plain)
    assert shared.columns.dtype == plain.columns.dtype and shared.columns.tolist() == names
    shared["等次"] = 1.0                       # a column added later leaves the shared labels as they were
    assert column_index(tuple(names)).tolist() == names


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "T1", "T2", "王芳", "T10", "t1"]), max_size=12))
def test_first_rows_as_pandas_marks_them(keys):
    from xlrubric.pipeline.rubric import _first_rows

    assert _first_rows(keys).tolist() == (~pd.Series(keys, dtype=object).duplicated()).tolist()
