"""Verify `register_values.coded_once`: a column asked for by several readers is coded once, and the codes are
those `distinct` gives it on its own (the memo changes the work, never an answer)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlrubric.codes import distinct
from xlrubric.pipeline.register_values import cell_codes, coded_once, each


def test_same_column_coded_once_inside_and_afresh_outside():
    col = pd.Series(["已认定", None, "待审核", True, 1, "已认定"], dtype=object)
    with coded_once():
        first = cell_codes(col)
        assert cell_codes(col) is first                  # the second reader gets the same answer object
        other = col.copy()                              # an equal column is another object: coded on its own
        assert cell_codes(other) is not first
    assert cell_codes(col) is not first                 # the memo ends with the block
    codes, reps = distinct(col, blanks=False)
    # by hand: 已认定 0, None blank (-1), 待审核 1, True 2 and 1 3 (equal, but of two types), 已认定 0 again
    assert codes.tolist() == [0, -1, 1, 2, 3, 0] and reps == ["已认定", "待审核", True, 1]
    assert first[0].tolist() == codes.tolist() and first[1] == reps


def test_each_inside_the_memo_answers_as_outside():
    col = pd.Series(["a", "b", None, "a", 2.0, 2], dtype=object)
    plain = each(col, lambda v: f"{type(v).__name__}:{v}")
    with coded_once():
        each(col, str)                                   # another reader of the same column first
        memo = each(col, lambda v: f"{type(v).__name__}:{v}")
    assert memo.tolist() == plain.tolist() == ["str:a", "str:b", "NoneType:None", "str:a", "float:2.0", "int:2"]
    assert isinstance(plain, np.ndarray)
