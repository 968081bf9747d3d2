"""The cycle collector paused for one computation (`quiet_gc`).

A computation allocates a few hundred thousand short-lived containers (frames, arrays, cell lists) that
reference counting frees; with Python's default gen-0 threshold (700) the collector still ran about 7.5 young
collections per 300-teacher calc (~6% of it) plus a full one now and then that walks every long-lived object
(the workbook's cells, imported modules), finding nearly nothing. Paused for the call and resumed after, the few
cycles pandas leaves (a frame and its cached Series) wait for the next collection: at most one computation's
worth, measured in docs/measured.md (peak memory of a 2,000-teacher book).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Pause the cycle collector inside the block; nested blocks leave it to the outermost one. A process that
    has turned collection off itself keeps it off; one that tuned the thresholds (one-shot CLI, batch workers:
    `cli.GC_THRESHOLD`) keeps its thresholds and frozen objects, and its next collection comes after the block.

    The switch is process-wide: when threads compute at once (`serve`), the block that turned collection off turns
    it back on when it ends, so it is never left off; a block still running then simply runs with it on. Collection
    never changes a result, only when memory is given back."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
