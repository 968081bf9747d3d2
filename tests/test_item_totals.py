"""Verify that 总分 added on numpy arrays (`engine.rubric.item_totals`) is bit for bit what the teachers × items
frame's `sum(axis=1, min_count=<all items>)` gave before (the association of a float sum decides its last bits,
and pandas reduces a frame of fewer than 6 rows another way), and that one 待核实 item makes the total NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.engine.rubric import item_totals

# item scores as schools have them (halves, tenths, 0.3 + 0.6 that does not add up exactly) and any float
score = st.one_of(st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 1.5, 2.9, 4.5, 7.3, 10.0, np.nan]),
                  st.floats(min_value=0, max_value=1e6, allow_nan=False), st.floats(min_value=0, max_value=1e-3))


def _frame_sum(items: np.ndarray) -> np.ndarray:
    """The old way: a frame of the item columns on the teachers' index, copied, summed across the row."""
    names = [f"项目{k}" for k in range(len(items))]
    scores = pd.DataFrame(dict(zip(names, items, strict=True)), index=[f"T{i}" for i in range(items.shape[1])])
    summable = scores[names].copy()
    return summable.sum(axis=1, min_count=len(names)).to_numpy()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 8).flatmap(lambda k: st.integers(1, 14).flatmap(
    lambda n: st.lists(score, min_size=k * n, max_size=k * n).map(lambda v: np.array(v).reshape(k, n)))))
def test_totals_equal_the_frame_sum(items):
    got, want = item_totals(items), _frame_sum(items)
    assert np.array_equal(got, want, equal_nan=True)
    assert got.tobytes() == want.tobytes() or np.isnan(want).any()     # the same bits, not merely close
    assert (np.isnan(got) == np.isnan(items).any(axis=0)).all()


def test_a_sum_whose_association_shows():
    """Verify on a case worked by hand: 0.1 + 0.2 + 0.3 added left to right is 0.6000000000000001 (0.1 + 0.2 is
    0.30000000000000004), while 0.1 + (0.2 + 0.3) is 0.6 — both for six teachers and for one."""
    for n in (1, 6):
        items = np.array([[0.1] * n, [0.2] * n, [0.3] * n])
        assert item_totals(items).tolist() == _frame_sum(items).tolist()
    assert item_totals(np.array([[0.1] * 6, [0.2] * 6, [0.3] * 6])).tolist() == [0.6000000000000001] * 6
    # 1e16 + 1 lies halfway between 1e16 and 1e16 + 2 (the spacing of doubles there) and rounds to even, 1e16;
    # adding the second 1 the same way leaves 1e16, where 1e16 + (1 + 1) would be 1e16 + 2
    big = np.array([[1e16] * 7, [1.0] * 7, [1.0] * 7])
    assert item_totals(big).tolist() == _frame_sum(big).tolist() == [1e16] * 7
