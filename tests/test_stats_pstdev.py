"""Verify that the school's 总分 standard deviation (`engine.stats.pstdev`, exact sums over distinct values) is
the very float `statistics.pstdev` gives, for any totals: repeated, spread over magnitudes, negative, or one."""

from __future__ import annotations

import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.engine.stats import pstdev

totals = st.one_of(st.sampled_from([0.0, 23.5, 24.0, 35.9, 36.0, 40.0, 43.7, 50.0]),
                   st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
                   st.floats(min_value=0, max_value=1e-6), st.integers(-100, 100))


@settings(max_examples=300, deadline=None)
@given(st.lists(totals, min_size=1, max_size=60).flatmap(lambda xs: st.permutations(xs * 3)))
def test_pstdev_is_statistics_pstdev(values):
    assert pstdev(values).hex() == statistics.pstdev(values).hex()


def test_worked_by_hand():
    """Verify on totals worked by hand: 40, 40, 43 have mean 41 and squared deviations 1 + 1 + 4 = 6, so the
    population variance is 6/3 = 2 and the deviation √2; one total deviates by nothing."""
    assert pstdev([40.0, 40.0, 43.0]) == 2 ** 0.5 == statistics.pstdev([40.0, 40.0, 43.0])
    assert pstdev([37.5]) == 0.0
