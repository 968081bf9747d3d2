"""A Dask worker's memory stays flat over a long batch (issue 16: 189 MB at N = 200, 376 MB at N = 2,000).

The cause was Dask's statistical profiler keeping one profile tree per second of work (batch/executors.py,
LOCAL_CLUSTER_CONFIG). This runs the cluster `--scheduler local-cluster` makes (one worker process, to keep
CI cheap) over a short round and then a longer one, probing the worker after each: what it holds for us
(results, task records) must be gone once the manifest line is written, and what it keeps for itself (Python
objects, resident memory) must not grow with the number of schools.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from batchbooks import LANXI4_TEACHERS, XINGHUO_TEACHERS, school_book
from distributed import Client

from xlrubric.batch.executors import local_cluster
from xlrubric.batch.orchestrate import BatchOptions, run_batch

FIRST, SECOND = 20, 100
# Bounds for the second round. Measured here (one worker, tiny schools, load ~16): with LOCAL_CLUSTER_CONFIG
# +1,316 Python objects over the 100 schools (the worker's own logs, capped at 1,000 entries each) and RSS
# +1.6 MB; with the old cluster (profiler on) +46,791 objects (~430 per second of work), RSS +21 MB, 143 profile
# trees kept. On a quiet machine the old growth is smaller per school (it is per second), hence also the
# direct check that no profile is kept.
OBJECTS_PER_SCHOOL = 25
RSS_GROWTH_MB = 12


def _county(root: Path, n: int, start: int) -> Path:
    """N schools: copies of three small workbooks (each with its own 考核细则) under N names, 15 per town."""
    variants = root / "variants"
    if not variants.exists():
        school_book(variants / "a.xlsx", "lanxi4", "兰西四中", LANXI4_TEACHERS)
        school_book(variants / "b.xlsx", "xinghuo", "星火乡中心小学", XINGHUO_TEACHERS)
        school_book(variants / "c.xlsx", "xinghuo", "榆林镇中心小学", [("Y01", "周杰", {"缺签到次数": "3次"})])
    books = sorted(variants.iterdir())
    src = root / f"县域{start}"
    for i in range(start, start + n):
        target = src / f"第{i // 15}乡镇" / f"第{i}学校.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(books[i % len(books)], target)
    return src


def _probe(dask_worker) -> dict:
    """What the worker holds after a round (run in the worker by `client.run`)."""
    import gc

    import psutil

    from xlrubric.batch.worker import _peak_mb

    gc.collect()
    return {"data": len(dask_worker.data), "tasks": len(dask_worker.state.tasks),
            "objects": len(gc.get_objects()), "rss_mb": psutil.Process().memory_info().rss / 2**20,
            "peak_mb": _peak_mb(),
            "profiles": len(dask_worker.profile_history)}


def _round(root: Path, cluster, client: Client, n: int, start: int) -> dict:
    src = _county(root, n, start)
    run = run_batch(BatchOptions(src, root / f"结果{start}", scheduler=cluster.scheduler_address))
    assert len(run.done) == n and all(e.status != "unreadable" for e in run.entries)
    (probe,) = client.run(_probe).values()
    return probe


def test_dask_worker_memory_is_flat_in_the_number_of_schools(tmp_path: Path):
    """Verify a LocalCluster worker holds no result after the batch and grows by a bounded amount per school
    (the old cluster fails it: its profiler kept ~430 Python objects per second of work)."""
    with local_cluster(1) as cluster, Client(cluster) as client:
        first = _round(tmp_path, cluster, client, FIRST, 0)
        second = _round(tmp_path, cluster, client, SECOND, FIRST)
    for probe in (first, second):            # every result released once its manifest line is written
        assert probe["data"] == 0 and probe["tasks"] == 0, probe
        assert probe["profiles"] == 0, probe     # Dask's profiler keeps nothing
    grown = second["objects"] - first["objects"]
    assert grown < OBJECTS_PER_SCHOOL * SECOND, (grown, first, second)
    assert second["rss_mb"] - first["rss_mb"] < RSS_GROWTH_MB, (first, second)
    assert second["peak_mb"] < 200, second   # issue 16's aim for a worker
