"""The one timing rule every benchmark uses: the median of N runs of a callable, in seconds.

The scripts run as `python benchmarks/<name>.py`, so this folder is on sys.path and they import it directly.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], runs: int = 5, *, warm: bool = False) -> float:
    """Median wall time of `runs` calls; with `warm`, one untimed call first (caches, imports)."""
    if warm:
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
