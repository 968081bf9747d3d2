"""A batch worker (process pool, `--workers 1`) starts warm and settled (issue 16).

Warm: pandera's pandas backends are registered before the first school. A blank template — what the warm-up
computes — has empty tables, which never reach pandera, so without registering them explicitly every worker
paid pandera's registration on its first school (0.44 s under load in the test environment).
Settled: the gen-0 threshold of a one-shot command and the warm objects frozen (batch/warmup.py `settle`).
"""

from __future__ import annotations

import json
import subprocess
import sys

from xlrubric.batch.executors import _new_pool
from xlrubric.cli import GC_THRESHOLD

STATE = """
def state():
    import gc

    import pandas as pd
    from pandera.api.base.schema import BaseSchema
    from pandera.api.pandas.container import DataFrameSchema

    return {"pandera": (DataFrameSchema, pd.DataFrame) in BaseSchema.BACKEND_REGISTRY,
            "threshold": list(gc.get_threshold()), "frozen": gc.get_freeze_count()}
"""
exec(STATE)  # noqa: S102 — defines state(), which a fresh interpreter below runs too


def probe(_: int) -> dict:
    """What a pool worker knows before it is handed a school."""
    return state()  # noqa: F821 — defined by STATE


def test_pool_worker_starts_with_pandera_registered_and_gc_settled():
    """Verify each worker the pool forks has pandera's backends registered, the threshold raised and
    the warm objects frozen, before it is handed any school."""
    with _new_pool(2) as pool:
        states = list(pool.map(probe, range(2)))
    for state in states:
        assert state["pandera"] is True
        assert tuple(state["threshold"]) == GC_THRESHOLD
        assert state["frozen"] > 10_000          # modules, pandas, pandera: far more than a bare interpreter


def run_fresh(prelude: str) -> dict:
    """`state()` in a fresh interpreter after `prelude` (this test process keeps its own collector settings)."""
    code = prelude + STATE + "import json\nprint(json.dumps(state()))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_fresh_interpreter_is_neither_warm_nor_settled():
    """Verify the probe can tell: a fresh interpreter has no pandera backend and Python's default threshold."""
    state = run_fresh("")
    assert state["pandera"] is False and tuple(state["threshold"]) == (700, 10, 10)


def test_inline_batch_warms_up_like_a_worker():
    """Verify `--workers 1` (run_inline) leaves its process as a pool worker starts."""
    state = run_fresh("from xlrubric.batch.executors import run_inline\nlist(run_inline([]))\n")
    assert state["pandera"] is True and tuple(state["threshold"]) == GC_THRESHOLD and state["frozen"] > 10_000
