"""A batch worker (process pool, `--workers 1`) starts warm and settled (issue 16).

Warm: pandera's pandas backends are registered before the first school. A blank template — what the warm-up
computes — has empty tables, which never reach pandera, so without registering them explicitly every worker
paid pandera's registration on its first school (0.44 s under load in the test environment).
Settled: the gen-0 threshold of a one-shot command and the warm objects frozen (batch/warmup.py `settle`).
The same for a LocalCluster's workers (`--scheduler local-cluster`): they fork from that fork server too.
Early: the pool's fork server warms up while the parent still discovers and hashes, and only when some school
will be computed (batch/orchestrate.py, executors.start_warming).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


IMPORTS_OF_A_SCHOOL = """
import sys, tempfile
from pathlib import Path
{prelude}
from xlrubric.process import compute_file
before = set(sys.modules)
with tempfile.TemporaryDirectory() as tmp:
    for name in ("lanxi4", "xinghuo", "baiwanzi"):
        compute_file(Path({samples!r}) / f"{{name}}.xlsx", Path(tmp) / f"{{name}}_结果.xlsx")
ours = ("xlrubric", "pandera", "python_calamine", "yaml", "defusedxml", "xml")
print(sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ours))
"""


def imported_by_schools(prelude: str) -> list[str]:
    """Our modules (and our readers' libraries) that computing three sample schools imports after `prelude`."""
    samples = str(Path(__file__).resolve().parent.parent / "samples")
    code = IMPORTS_OF_A_SCHOOL.format(prelude=prelude, samples=samples)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_one_template_warms_every_module_a_school_needs():
    """Verify the warm-up's single template (batch/warmup.py WARM_PRESET) leaves no reader, writer or rules
    module for a real school of any preset to import — and that without it the schools do import them."""
    assert imported_by_schools("from xlrubric.batch import warmup\nassert warmup.WARM") == []
    cold = imported_by_schools("")
    assert "xlrubric.readers.workbook" in cold and "python_calamine" in cold


def test_pool_warms_up_while_the_parent_plans_and_not_when_nothing_is_to_do(tmp_path: Path, monkeypatch):
    """Verify the fork server is started before discovery on a first run, during planning when a school was
    added, and not at all when every school is current (a re-run then costs no warm-up)."""
    from batchbooks import XINGHUO_TEACHERS, make_county, school_book

    from xlrubric.batch import orchestrate

    events: list[str] = []
    real_discover, real_plan = orchestrate.discover, orchestrate.plan
    monkeypatch.setattr(orchestrate, "start_warming", lambda **_: events.append("warm"))
    monkeypatch.setattr(orchestrate, "discover", lambda *a: events.append("discover") or real_discover(*a))
    monkeypatch.setattr(orchestrate, "plan", lambda *a: events.append("plan") or real_plan(*a))
    county, out = make_county(tmp_path / "县域"), tmp_path / "结果"
    opts = dict(workers=2)

    orchestrate.run_batch(orchestrate.BatchOptions(county, out, **opts))
    assert events[:2] == ["warm", "discover"]
    events.clear()
    orchestrate.run_batch(orchestrate.BatchOptions(county, out, **opts))
    assert events == ["discover", "plan"]                    # every school current: no warm-up started
    events.clear()
    school_book(county / "长岗乡" / "长岗乡中学.xlsx", "xinghuo", "长岗乡中学", XINGHUO_TEACHERS)
    orchestrate.run_batch(orchestrate.BatchOptions(county, out, **opts))
    assert events == ["discover", "warm", "plan"]
    events.clear()
    orchestrate.run_batch(orchestrate.BatchOptions(county, tmp_path / "单进程", workers=1))
    assert "warm" not in events                              # in-process: no fork server to warm


def test_start_warming_starts_the_fork_server_the_pool_then_forks_from():
    """Verify `start_warming` launches the fork server at once and the pool made later forks its workers from
    that same (warm) server instead of starting another."""
    import os
    from multiprocessing import forkserver

    from xlrubric.batch.executors import start_warming

    assert start_warming() is True
    pid = forkserver._forkserver._forkserver_pid
    os.kill(pid, 0)                                     # alive
    with _new_pool(1) as pool:
        state = pool.submit(probe, 0).result()
    assert forkserver._forkserver._forkserver_pid == pid and state["pandera"] is True


def test_local_cluster_workers_fork_warm_from_the_same_server():
    """Verify a LocalCluster's workers (`--scheduler local-cluster`) are children of our fork server and start
    warm and settled like a pool worker, before any task or `_warm_worker` reaches them. Spawned, as by
    distributed's default, each imported and warmed on its own: the first school began 2.3–3.3 s into a batch
    of 200 against the pool's 1.1–1.4 s (issue 16)."""
    import os
    from multiprocessing import forkserver

    from distributed import Client

    from xlrubric.batch.executors import local_cluster

    with local_cluster(2) as cluster, Client(cluster) as client:
        parents = client.run(os.getppid)
        states = client.run(probe, 0)
    assert len(states) == 2
    assert set(parents.values()) == {forkserver._forkserver._forkserver_pid}
    for state in states.values():
        assert state["pandera"] is True
        assert tuple(state["threshold"]) == GC_THRESHOLD
        assert state["frozen"] > 10_000


def test_local_cluster_batch_process_imports_no_pandas(tmp_path: Path):
    """Verify a `--scheduler local-cluster` batch leaves pandas out of the batch process (its workers have it):
    distributed would import it there only to list the preload of a fork server that already runs (0.3 s)."""
    from batchbooks import make_county

    county = make_county(tmp_path / "县域")
    code = ("import sys\nfrom pathlib import Path\nfrom xlrubric.batch.orchestrate import BatchOptions, run_batch\n"
            f"run = run_batch(BatchOptions(Path({str(county)!r}), Path({str(tmp_path / 'out')!r}), workers=1, "
            "scheduler='local-cluster'))\n"
            "print(len(run.done), 'pandas' in sys.modules)\n")
    root = str(Path(__file__).resolve().parent.parent)            # this tree's xlrubric, as the other tests import
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    schools, pandas = done.stdout.split()[-2:]
    assert int(schools) >= 3 and pandas == "False", done.stdout      # the three schools' workbooks were computed
