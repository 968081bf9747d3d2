"""Warm a batch worker once, before its first school: every module a computation imports lazily is imported
and pandera's per-process registration is done.

The first `compute_file` in a fresh process costs about 2 s more than the next ones, most of it importing pandas
and pandera, pandera registering its pandas backends on its first `validate`, and the reader and writer modules
imported on first use. The process pool's fork server imports this module once (`executors.PRELOAD`), so
every worker it forks — the pool's, a replacement after a crash, the quarantine's — starts warm: the cost is
paid once per batch instead of once per worker. Dask workers run `warm()` once each (`client.run`).

The warm-up computes the blank template of ONE preset (`WARM_PRESET`, what `xlrubric template` writes, so it
exercises the same code as a school's workbook), then validates a one-row frame with pandera, once clean and
once failing: a blank template has empty tables, which `schemas.validate` never hands to pandera, so without
this every worker paid pandera's registration on its first school (0.44 s after the templates, under load,
with hypothesis installed, which pandera then imports; measured 2026-12-01, issue 16).

Why one preset and not all five (as until session 7): each further template imported nothing new — the
computation's modules are the same whatever the preset (measured: 60–61 modules for each preset alone, the
union 61) — and only filled that preset's own caches (its parsed YAML, its schemas), which a worker fills in
a few milliseconds on its first school of that preset, and only for the presets the county uses. The four
others cost about 0.5 s of CPU in the fork server at the start of every batch, on one core while the other one
waited (`benchmarks/bench_batch.py` prints when the first school started). It never raises: a failed warm-up
only means the first school pays the import cost, as before.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
from pathlib import Path

# The preset whose blank template the warm-up computes: its computation imports every module any preset's does
# (it also reaches pandas' reshape code, which a lanxi4 or xinghuo template does not).
WARM_PRESET = "baiwanzi"

# A batch worker's collector: with Python's default gen-0 threshold (700) a worker collected about 13 times per
# school (515 collections for 40 schools, 5 % of its CPU under cProfile), each walking the young objects of a
# computation that frees nearly everything by reference counting. Workers use the threshold of a one-shot
# command (cli.GC_THRESHOLD, mypy's choice): about one gen-0 collection per school; memory stays bounded (a
# collection still runs after 200,000 new container objects) and a worker's peak < 200 MB (bench_batch prints it).


def warm() -> bool:
    """Compute `WARM_PRESET`'s blank template once and register pandera's backends; True when both ran."""
    try:
        from xlrubric.process import compute_file
        from xlrubric.spec.load import load_preset
        from xlrubric.writers.template import template_bytes

        with tempfile.TemporaryDirectory(prefix="xlrubric-warm-") as tmp:
            src = Path(tmp) / f"{WARM_PRESET}.xlsx"
            src.write_bytes(template_bytes(load_preset(WARM_PRESET)))
            with contextlib.suppress(Exception):            # a blank template may be refused: imports still ran
                compute_file(src, Path(tmp) / f"{WARM_PRESET}_结果.xlsx", preset=WARM_PRESET)
        warm_pandera()
        return True
    except Exception:  # noqa: BLE001 — warming is an optimisation; the batch must start regardless
        return False


def warm_pandera() -> None:
    """Validate a one-row frame that passes and one that fails, as `schemas.validate` does a school's sheet:
    pandera registers its pandas backends on the first `validate` and builds its failure report on the first
    failure, both lazily."""
    import pandas as pd
    import pandera.pandas as pa

    schema = pa.DataFrameSchema({"n": pa.Column(None, pa.Check(lambda s: s >= 0, ignore_na=False), nullable=True,
                                                unique=True, report_duplicates="exclude_first")})
    schema.validate(pd.DataFrame({"n": [1]}), lazy=True)
    with contextlib.suppress(pa.errors.SchemaErrors):
        schema.validate(pd.DataFrame({"n": [-1, -1]}), lazy=True)


def settle() -> None:
    """Make this process a long-lived worker's: collect less often, and freeze what is alive now.

    Everything alive after `warm()` (modules, pandera's backends, parsed presets) lives as long as the worker:
    frozen, the collector never walks it again, and forked workers do not copy its pages by touching its gc
    headers (the gc module's advice for a fork server)."""
    from xlrubric.cli import GC_THRESHOLD

    gc.set_threshold(*GC_THRESHOLD)
    gc.freeze()


WARM = warm()
settle()
