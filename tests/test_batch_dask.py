"""The same batch on Dask distributed: a real LocalCluster on loopback gives the process pool's results."""

from __future__ import annotations

from pathlib import Path

import pytest
from batchbooks import PASSWORD, make_county, outputs
from distributed import LocalCluster

from xlrubric.batch.discover import BatchError
from xlrubric.batch.manifest import load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch


@pytest.fixture(name="cluster", scope="module")
def fixture_cluster():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster


def _entries(out: Path) -> dict:
    data = load_manifest(out).entries
    return {k: {f: getattr(v, f) for f in ("status", "output", "output_sha256", "message")} | {"summary": v.summary}
            for k, v in data.items()}


def test_dask_results_equal_process_pool_file_by_file(tmp_path: Path, cluster):
    """Verify a tcp:// scheduler run writes the same outputs, manifest entries and summary as the pool."""
    src = make_county(tmp_path / "县域", encrypted=True)
    pool_out, dask_out = tmp_path / "进程池", tmp_path / "dask"
    pool = run_batch(BatchOptions(src, pool_out, workers=2, passwords=(PASSWORD,)))
    dask = run_batch(BatchOptions(src, dask_out, scheduler=cluster.scheduler_address, passwords=(PASSWORD,)))
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert pool.exit_code == dask.exit_code == 1
    pool_files, dask_files = outputs(pool_out), outputs(dask_out)
    assert sorted(pool_files) == sorted(dask_files) == ["兰西镇/兰西四中.xlsx", "星火乡/中心小学.xlsx",
                                                         "榆林镇/中心小学.xlsx", "长岗乡/长岗乡中学.xlsx"]
    for rel in pool_files:
        assert dask_files[rel] == pool_files[rel], rel
    pool_entries, dask_entries = _entries(pool_out), _entries(dask_out)
    for key in pool_entries:       # same status, message and figures; output bytes equal up to the zip timestamps
        a, b = pool_entries[key], dask_entries[key]
        assert (a["status"], a["output"], a["message"], a["summary"]) == \
            (b["status"], b["output"], b["message"], b["summary"]), key


def test_dask_rerun_skips_like_the_pool(tmp_path: Path, cluster):
    """Verify the manifest written by a pool run is honoured by a Dask run (and vice versa)."""
    src = make_county(tmp_path / "县域")
    out = tmp_path / "结果"
    run_batch(BatchOptions(src, out, workers=1))
    again = run_batch(BatchOptions(src, out, scheduler=cluster.scheduler_address))
    assert not again.done and len(again.skipped) == 4


def test_bad_scheduler_address_is_refused(tmp_path: Path):
    """Verify a malformed --scheduler is a clear Chinese error before any work."""
    src = make_county(tmp_path / "县域")
    with pytest.raises(BatchError, match="tcp://主机:端口"):
        run_batch(BatchOptions(src, tmp_path / "结果", scheduler="127.0.0.1:8786"))
