"""`engine.hours._combos`: the (类别, 角色, 级别) of every 学时登记 row coded at once, the same grouping and
texts as joining the three cells' texts per row (how it was done before, and what the rule matching reads)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.engine.hours import _combos

CELL = st.sampled_from(["", "专题培训", "主讲人", "参培者", "省级", "县级"])      # the pipeline's texts: "" when blank


def _joined(reg: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    combo = reg["category"].astype(str) + "\x1f" + reg["role"].astype(str) + "\x1f" + reg["level"].astype(str)
    codes, uniques = pd.factorize(combo)
    return codes, [tuple(u.split("\x1f")) for u in uniques]


@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=40))
def test_combos_group_rows_as_their_joined_texts(rows: list[tuple]) -> None:
    """Verify each row's combination, and the order combinations are first met, equal the joined-text coding."""
    reg = pd.DataFrame(rows, columns=["category", "role", "level"], dtype=object)
    codes, combos = _combos(reg)
    want_codes, want = _joined(reg)
    assert codes.tolist() == want_codes.tolist()
    assert combos == want


def test_combos_worked_by_hand() -> None:
    """Verify a small register: rows 1 and 3 are one combination; a stray None or NaN is a blank ("", the
    pipeline's blank), so row 5 joins row 2's combination rather than making a "None" one."""
    reg = pd.DataFrame({"category": ["专题培训", "课题", "专题培训", "课题", "课题"],
                        "role": ["主讲人", "", "主讲人", "主持人", None],
                        "level": ["", "省级", "", "县级", "省级"]}, dtype=object)
    codes, combos = _combos(reg)
    assert codes.tolist() == [0, 1, 0, 2, 1]
    assert combos == [("专题培训", "主讲人", ""), ("课题", "", "省级"), ("课题", "主持人", "县级")]
    reg.loc[0, "level"] = float("nan")
    assert _combos(reg)[0].tolist() == [0, 1, 0, 2, 1]
