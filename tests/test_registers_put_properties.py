"""Property test: `pipeline.registers` puts derived counts, their sources and the rejected cells they decide
exactly as a plain walk over every teacher and event does.

The reference below is the rule as `apply_registers` states it, one teacher at a time: the register's count
replaces the typed one (a typed count that differs is a 警告 on its cell); every teacher gets a source for the
event — the register's first cited row and evidence, or the register with nothing cited; a rejected typed
cell of the scoring sheet is decided by the register (dropped), and a teacher whose register fact is itself
待核实 (rejected on another sheet) keeps the count blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.derive import Derived
from xlrubric.engine.rubric import Pending, Source
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.registers import _put_derived
from xlrubric.pipeline.rubric import RecordSources
from xlrubric.readers.raw import RawBook
from xlrubric.readers.table import Table

TEACHERS = ["T1", "T2", "T3", "T4", "T5"]
EVENTS = ["缺席", "迟到"]
KEYS = {"缺席": "absent", "迟到": "irregular"}


def tables():
    record = Table("f.xlsx", "考核记录", pd.DataFrame({"工号": TEACHERS, "缺席": [0] * 5}, index=range(3, 8)),
                   {"工号": 0, "姓名": 1, "缺席": 2}, (2, 2))
    signin = Table("f.xlsx", "签到登记", pd.DataFrame(), {"工号": 3}, (2, 2))
    return record, signin


def reference(typed, counted, cells, evidence, rejected):
    record, signin = tables()
    counts, sources, problems = typed.copy(), {}, []
    rejected = dict(rejected)
    rows_of = dict(zip(TEACHERS, range(3, 8), strict=True))
    for event in EVENTS:
        key = KEYS[event]
        values = [0.0 if np.isnan(v) else v for v in counted[key]]
        for t, v in zip(TEACHERS, values, strict=True):
            was = typed.loc[t, event]
            if event in record.columns and not np.isnan(was) and was != v:
                problems.append(("register-differs", record.cell(event, rows_of[t])))
        for pos, t in enumerate(TEACHERS):
            row, note = cells.get((t, key)), evidence.get((t, key), "")
            cell = signin.cell("工号", row) if row else ""
            sources[(t, event)] = Source("签到登记", cell, note)
            why = rejected.get((t, event))
            if why is not None:
                if why.sheet == record.sheet:
                    del rejected[(t, event)]
                else:
                    values[pos] = np.nan
        counts[event] = values
    return counts, sources, rejected, problems


count = st.one_of(st.just(np.nan), st.integers(0, 3).map(float))
pending = st.sampled_from([Pending("考核记录", "C4", "不是数字"), Pending("签到登记", "A9", "日期无法识别")])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(count, min_size=10, max_size=10), st.lists(count, min_size=10, max_size=10),
       st.dictionaries(st.tuples(st.sampled_from([*TEACHERS, "外校"]), st.sampled_from(["absent", "irregular"])),
                       st.integers(3, 40), max_size=6),
       st.dictionaries(st.tuples(st.sampled_from([*TEACHERS, "外校"]), st.sampled_from(["absent", "irregular"])),
                       st.sampled_from(["2025-09-01 研修1", "x；y", ""]), max_size=6),
       st.dictionaries(st.tuples(st.sampled_from([*TEACHERS, "外校"]), st.sampled_from([*EVENTS, "未交"])),
                       pending, max_size=6))
def test_put_derived_as_the_walk_over_every_teacher(typed_flat, counted_flat, cells, evidence, rejected):
    index = pd.Index(TEACHERS, dtype=object, name="teacher")
    typed = pd.DataFrame({"缺席": typed_flat[:5], "迟到": typed_flat[5:], "未交": [0.0] * 5}, index=index)
    counted = {"absent": counted_flat[:5], "irregular": counted_flat[5:]}
    derived = Derived(pd.DataFrame(counted, index=index), evidence, cells)
    want_counts, want_sources, want_rejected, want_problems = reference(typed, counted, cells, evidence, rejected)
    record, signin = tables()
    ctx = Context(RawBook("f.xlsx", "xlsx", {}), None, "")  # type: ignore[arg-type]   # the spec is not read here
    rows_of = dict(zip(TEACHERS, range(3, 8), strict=True))
    counts, sources, got_rejected = typed.copy(), RecordSources(record.sheet, record, rows_of, EVENTS), dict(rejected)
    cols = {e: (derived.counts[KEYS[e]], "签到登记", (derived, KEYS[e], signin)) for e in EVENTS}
    _put_derived(ctx, counts, sources, record, rows_of, got_rejected, cols)
    pd.testing.assert_frame_equal(counts, want_counts)
    # the register's sources are made when asked: one teacher at a time, and a rule's teachers at once
    assert {k: sources.get(k) for k in want_sources} == want_sources
    for event in EVENTS:
        who = [t for t in reversed(TEACHERS) if (t, event) in want_sources]
        assert sources.locate(event, who) == tuple(map(list, zip(*(want_sources[(t, event)] for t in who),
                                                                 strict=True)))
    assert got_rejected == want_rejected and list(got_rejected) == list(want_rejected)
    assert [(p.code, p.cell) for p in ctx.problems] == want_problems
