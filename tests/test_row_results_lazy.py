"""`engine.rowstate.RowResults`: 学时明细's per-row results, made on the first lookup, behave as the dict they
replace (the archive looks rows up by Excel row; a Results may be pickled between processes)."""

from __future__ import annotations

import pickle

import numpy as np

from xlrubric.engine.rowstate import RowResult, row_results


def test_row_results_look_up_like_a_dict() -> None:
    """Verify lookups, membership, length, order and pickling against the rows written out by hand."""
    states = {"state": np.array(["有效", "无效学时", "待核实"], dtype=object),
              "counted": np.array([2.0, 0.0, None], dtype=object),
              "text": np.array(["", "远程培训无证书", "待核实：学时登记 H9"], dtype=object)}
    got = row_results([7, 8, 9], states)
    expected = {7: RowResult("有效", 2.0, ""), 8: RowResult("无效学时", 0.0, "远程培训无证书"),
                9: RowResult("待核实", None, "待核实：学时登记 H9")}
    assert len(got) == 3                               # known before anything is made
    assert got.get(8) == expected[8] and got.get(10) is None and 9 in got and 6 not in got
    assert list(got) == [7, 8, 9] and dict(got) == expected
    assert dict(pickle.loads(pickle.dumps(got))) == expected
    assert type(got[7].counted) is float             # plain Python numbers, as the archive prints them
