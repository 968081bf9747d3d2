"""The batch's fsyncs off the workers (batch/durable.py): a school's manifest line is written only after the batch
process has fsynced its result, its side file and their folders."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from batchbooks import make_county

from xlrubric import atomic
from xlrubric.atomic import atomic_output, deferred_sync, sync_paths
from xlrubric.batch.manifest import Manifest, load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.batch.worker import problems_rel

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


def test_workers_of_a_remote_dask_cluster_fsync_their_own_files(tmp_path: Path, monkeypatch):
    """Verify a tcp:// cluster (whose workers may write to a disk the batch process cannot fsync) gets tasks that
    fsync in the worker: no outcome hands paths back, and each result's temporary file was fsynced before its
    line (this cluster's worker threads run in this process, so the recorder sees their fsyncs)."""
    from distributed import LocalCluster

    events = _record_order(monkeypatch)
    src = make_county(tmp_path / "县域")
    out = (tmp_path / "结果").resolve()
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        run = run_batch(BatchOptions(src, out, scheduler=cluster.scheduler_address))
    finished = [o for o in run.done if o.entry.output]
    assert len(finished) == 3 and all(o.unsynced == () for o in run.done)
    for outcome in finished:
        line = events.index(("line", outcome.entry.input))
        temps = [p for kind, p in events[:line] if kind == "fsync" and p.endswith(atomic.TMP_SUFFIX)]
        assert any(Path(p).name.startswith(f".{Path(outcome.entry.output).name}.") for p in temps)


def test_ctrl_c_mid_batch_records_every_finished_school_after_its_fsync(tmp_path: Path):
    """Verify Ctrl-C (SIGINT) on a pool batch: the batch process stops, and every school that has a manifest line
    has its complete output with the recorded hash (the recorder's queue is drained, never dropped half-way);
    a re-run computes only the rest."""
    import signal
    import subprocess
    import sys

    from test_batch_resume import _busy_county

    from xlrubric.batch.manifest import MANIFEST_NAME, file_sha256

    src, out = _busy_county(tmp_path / "县域", 8), tmp_path / "结果"
    proc = subprocess.Popen([sys.executable, "-m", "xlrubric", "batch", str(src), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / MANIFEST_NAME).exists() and len(load_manifest(out).entries) >= 2:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) != 0
    recorded = load_manifest(out).entries
    assert 2 <= len(recorded) < 8, "the batch finished before it could be interrupted"
    for entry in recorded.values():   # computed (ok, or 有问题: some generated schools have problems), complete
        assert entry.status in ("ok", "problems") and file_sha256(out / entry.output) == entry.output_sha256
    rerun = run_batch(BatchOptions(src, out, workers=2))
    assert len(rerun.skipped) == len(recorded) and len(rerun.done) == 8 - len(recorded)
