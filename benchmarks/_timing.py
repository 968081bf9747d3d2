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


def paired_cpu_seconds(floor: Callable[[], object], ours: Callable[[], object], runs: int = 15) -> tuple[float, float]:
    """Median CPU seconds of `floor` and `ours`, run alternately (one untimed call of each first).

    On a shared machine wall times of tens of milliseconds swing by 2× between neighbouring runs; this
    process's CPU time of runs taken side by side gives a ratio that holds, for code that is
    single-threaded (python-calamine and our readers are)."""
    spent: tuple[list[float], list[float]] = ([], [])
    floor(), ours()
    for _ in range(runs):
        for fn, out in zip((floor, ours), spent, strict=True):
            start = time.process_time()
            fn()
            out.append(time.process_time() - start)
    return statistics.median(spent[0]), statistics.median(spent[1])


def interleaved_seconds(fns: dict[str, Callable[[], object]], runs: int = 15) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each callable, all run in turn `runs` times (one untimed call each first).

    Timing one callable's runs after another's lets a change of machine load between them pass for a change of
    speed (the calamine floor alone swings from 16 to 29 ms over a minute here); taken in turn, every ratio
    compares runs made within the same second. CPU time counts every thread of this process."""
    spent: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(runs):
        for name, fn in fns.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            spent[name][0].append(time.perf_counter() - wall)
            spent[name][1].append(time.process_time() - cpu)
    return {name: (statistics.median(w), statistics.median(c)) for name, (w, c) in spent.items()}
