"""The batch's fsyncs off the workers (batch/durable.py): a school's manifest line is written only after the batch
process has fsynced its result, its side file and their folders; and the Dask tasks that carry several schools."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from batchbooks import make_county
from distributed import LocalCluster

from xlrubric import atomic
from xlrubric.atomic import atomic_output, deferred_sync, sync_paths
from xlrubric.batch import executors, worker
from xlrubric.batch.manifest import Manifest, load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.batch.worker import Task, problems_rel

FSYNC_DELAY = 0.03      # each recorded fsync takes this long: a line appended before it returned would show


def test_deferred_sync_writes_atomically_without_fsync_then_sync_paths_does_them(tmp_path: Path, monkeypatch):
    """Verify inside `deferred_sync` an atomic write renames a complete file but calls no fsync and hands back its
    path; `sync_paths` then fsyncs the file and its folder (each once), and skips a file gone since."""
    synced: list[str] = []
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")))
    (tmp_path / "子").mkdir()
    with deferred_sync() as paths:
        for name in ("a.xlsx", "子/b.json", "子/gone.json"):
            with atomic_output(tmp_path / name) as f:
                f.write(name.encode())
    assert synced == []                                     # nothing waited for the disk
    assert paths == [str(tmp_path / "a.xlsx"), str(tmp_path / "子/b.json"), str(tmp_path / "子/gone.json")]
    assert (tmp_path / "子/b.json").read_bytes() == b"\xe5\xad\x90/b.json"   # "子/b.json" in UTF-8: complete, renamed
    assert not list(tmp_path.rglob(f"*{atomic.TMP_SUFFIX}"))
    (tmp_path / "子/gone.json").unlink()
    sync_paths(paths)
    assert synced == [str(tmp_path / "a.xlsx"), str(tmp_path / "子/b.json"), str(tmp_path), str(tmp_path / "子")]
    with atomic_output(tmp_path / "c.xlsx") as f:           # outside the block: fsynced as always
        f.write(b"c")
    assert synced[-2].endswith(atomic.TMP_SUFFIX) and synced[-1] == str(tmp_path)   # the temp file, then the rename


def _record_order(monkeypatch) -> list[tuple[str, str]]:
    """Log, in this (the batch) process, every fsync — slowed down — and every manifest line appended."""
    events: list[tuple[str, str]] = []
    lock = threading.Lock()
    real_append = Manifest.append

    def fsync(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        time.sleep(FSYNC_DELAY)
        with lock:
            events.append(("fsync", path))

    def append(self: Manifest, entry) -> None:
        with lock:
            events.append(("line", entry.input))
        real_append(self, entry)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(Manifest, "append", append)
    return events


@pytest.mark.parametrize("workers", [2, 1])
def test_manifest_line_only_after_the_schools_files_and_folders_are_fsynced(tmp_path: Path, monkeypatch, workers):
    """Verify on the real process pool (and in-process) that the workers write without fsync and hand the paths
    back, and that the batch process appends each school's line only after fsync returned for its result, its
    problems file and both folders. The old code fsynced in the worker and fails this (no parent fsync at all)."""
    events = _record_order(monkeypatch)
    src = make_county(tmp_path / "县域")
    out = (tmp_path / "结果").resolve()
    run = run_batch(BatchOptions(src, out, workers=workers))
    entries = load_manifest(out).entries
    finished = [o for o in run.done if o.entry.output]
    assert len(finished) == 3 and len(entries) == 4          # 3 schools with results, the .xls web page unreadable
    for outcome in finished:
        entry = outcome.entry
        result, side = str(out / entry.output), str(out / problems_rel(entry.output))
        assert set(outcome.unsynced) == {result, side}      # written by the worker without fsync
        line = events.index(("line", entry.input))
        before = {path for kind, path in events[:line] if kind == "fsync"}
        assert {result, side, os.path.dirname(result), os.path.dirname(side)} <= before, entry.input
        assert entries[entry.input].output_sha256 == entry.output_sha256


def test_dask_chunks_shrink_to_single_schools() -> None:
    """Verify the guided chunks: every task once and in order, ≤ DASK_CHUNK each, single schools at the end.
    200 tasks, 2 workers: 200 // 8 = 25 → 8 per chunk while ≥ 64 are left (64 // 8 = 8), then 7, 6 … down to 1
    once fewer than 16 are left."""
    tasks = [Task(f"s{i}", f"r{i}", "o", f"o{i}", "", "") for i in range(200)]
    chunks = executors.dask_chunks(tasks, 2)
    assert [t for c in chunks for t in c] == tasks
    sizes = [len(c) for c in chunks]
    assert max(sizes) == executors.DASK_CHUNK and sizes[0] == 8
    assert sizes[-8:] == [1] * 8                             # the last 8 tasks (fewer than 2×4×1 left) go singly
    assert sizes == sorted(sizes, reverse=True)
    assert executors.dask_chunks(tasks[:3], 2) == [[t] for t in tasks[:3]]


def test_dask_chunk_whose_worker_died_is_redone_school_by_school(tmp_path: Path, monkeypatch):
    """Verify on a real (in-process) Dask cluster: a task of several schools that fails as a dead worker does is
    split, each school submitted alone; the innocent schools of that task end ok, only the school that fails
    alone is recorded (程序内部错误, the outcome `crashed` gives), and every school has one manifest line."""
    real = worker.process_many
    victim = "兰西镇/兰西四中.xlsx"

    def dying(tasks):
        if any(t.rel == victim for t in tasks):
            raise RuntimeError("worker died")               # what as_completed hands back for a KilledWorker
        return real(tasks)

    monkeypatch.setattr(executors, "process_many", dying)
    monkeypatch.setattr(executors, "DASK_CHUNK", 4)
    monkeypatch.setattr(executors, "dask_chunks", lambda tasks, workers: [list(tasks)])   # all in one task
    src = make_county(tmp_path / "县域")
    out = tmp_path / "结果"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        run = run_batch(BatchOptions(src, out, scheduler=cluster.scheduler_address))
    entries = load_manifest(out).entries
    assert len(entries) == 4
    assert entries[victim].status == "unreadable" and "RuntimeError: worker died" in entries[victim].message
    others = {k: e.status for k, e in entries.items() if k != victim}
    assert sorted(others.values()).count("unreadable") == 1   # batchbooks' one unreadable school, as on the pool
    assert all(o.unsynced == () for o in run.done)          # a tcp:// cluster's workers fsync themselves
