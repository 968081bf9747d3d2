"""Warm a batch worker once, before its first school: every module a computation imports lazily is imported
and every per-process cache (pandera's backends, parsed presets) is filled.

The first `compute_file` in a fresh process costs about 2 s more than the next ones, most of it pandera
registering its pandas backends (which imports its hypothesis strategies) and the reader and writer modules
imported on first use. The process pool's fork server imports this module once (`executors.PRELOAD`), so
every worker it forks — the pool's, a replacement after a crash, the quarantine's — starts warm: the cost is
paid once per batch instead of once per worker. Dask workers run `warm()` once each (`client.run`).

The warm-up computes the blank template of each built-in preset in a temporary folder (what `xlrubric
template` writes, so it exercises the same code as a school's workbook). It never raises: a failed warm-up
only means the first school pays the import cost, as before.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
from pathlib import Path


def warm() -> bool:
    """Compute each built-in preset's blank template once; True when all of them ran."""
    try:
        from xlrubric.process import compute_file
        from xlrubric.spec.load import load_preset, preset_ids
        from xlrubric.writers.template import template_bytes

        with tempfile.TemporaryDirectory(prefix="xlrubric-warm-") as tmp:
            for preset in preset_ids():
                src = Path(tmp) / f"{preset}.xlsx"
                src.write_bytes(template_bytes(load_preset(preset)))
                with contextlib.suppress(Exception):        # a blank template may be refused: imports still ran
                    compute_file(src, Path(tmp) / f"{preset}_结果.xlsx", preset=preset)
        # Everything alive now (modules, pandera's backends, parsed presets) lives as long as the worker:
        # frozen, the collector never walks it again, and forked workers do not copy its pages by touching
        # its gc headers (the gc module's advice for a fork server).
        gc.freeze()
        return True
    except Exception:  # noqa: BLE001 — warming is an optimisation; the batch must start regardless
        return False


WARM = warm()
