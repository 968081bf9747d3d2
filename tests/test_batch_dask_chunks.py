"""`--scheduler local-cluster` runs schools in chunks (batch/chunks.py) and keeps every guarantee of one school per
task: the pool's results, each school recorded as it finishes, a worker killed mid-file costing only that school."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from batchbooks import XINGHUO_TEACHERS, make_county, outputs, school_book
from hypothesis import given
from hypothesis import strategies as st
from test_batch_hostile import _kill_workers_writing

from xlrubric.batch import chunks
from xlrubric.batch.executors import LOCAL_CLUSTER
from xlrubric.batch.manifest import load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch


@given(n=st.integers(0, 3000), workers=st.integers(1, 8), most=st.integers(1, 16))
def test_chunks_keep_every_school_once_in_order_and_end_one_per_task(n: int, workers: int, most: int):
    """Verify the chunks are the schools in order, each once, at most `most` per chunk, and, when any chunk holds
    more than one, the last 2 × workers schools run one per task (the tail balances across workers)."""
    cut = chunks.plan_chunks(list(range(n)), workers, most)
    assert [t for c in cut for t in c] == list(range(n))
    assert all(1 <= len(c) <= most for c in cut)
    if any(len(c) > 1 for c in cut):
        assert all(len(c) == 1 for c in cut[-2 * workers:])
        assert len(cut) >= workers * chunks.PER_WORKER // 2       # enough chunks to share between the workers


def test_small_county_keeps_one_school_per_task():
    """Verify a county too small to give every worker PER_WORKER chunks runs one school per task."""
    assert chunks.plan_chunks(list(range(15)), 2) == [(i,) for i in range(15)]      # 15 // (2 × 8) = 0 → 1
    assert {len(c) for c in chunks.plan_chunks(list(range(200)), 2)} == {8, 4, 1}   # 196 = 24 × 8 + 4, then 4 alone


def _county(root: Path, n: int) -> Path:
    """`n` xinghuo schools; 学校2 is big (1,500 teachers) so that writing its result takes a while, and, biggest,
    it is planned first: into the first chunk, with others."""
    src = root / "县"
    big = [(f"X{k:04d}", f"教师{k}", {}) for k in range(1500)]
    for i in range(n):
        school_book(src / f"镇{i}" / f"学校{i}.xlsx", "xinghuo", f"学校{i}", big if i == 2 else XINGHUO_TEACHERS)
    return src


@pytest.fixture(name="small_chunks")
def fixture_small_chunks(monkeypatch):
    """Chunks of up to 3 even for a small county (the real sizes need hundreds of schools)."""
    monkeypatch.setattr(chunks, "PER_WORKER", 1)
    monkeypatch.setattr(chunks, "MOST", 3)
    submitted: list[tuple] = []
    real = chunks.plan_chunks

    def spy(tasks, workers, most=3):
        cut = real(tasks, workers, most)
        submitted.extend(cut)
        return cut

    monkeypatch.setattr(chunks, "plan_chunks", spy)
    return submitted


def test_local_cluster_in_chunks_gives_the_pool_results_and_records_each_school_on_arrival(tmp_path: Path,
                                                                                            small_chunks):
    """Verify a LocalCluster batch in chunks writes the pool's outputs, manifest entries and 县汇总, and records a
    chunk's first school before the chunk's last one has finished (each outcome arrives on its own)."""
    src = make_county(tmp_path / "县域")
    for i in range(6):                    # 4 + 6 = 10 schools: chunks of 3, 3, then 4 alone
        school_book(src / "新镇" / f"小学{i}.xlsx", "xinghuo", f"新镇小学{i}", XINGHUO_TEACHERS)
    pool_out, dask_out = tmp_path / "进程池", tmp_path / "dask"
    pool = run_batch(BatchOptions(src, pool_out, workers=2))
    arrived: dict[str, float] = {}
    dask = run_batch(BatchOptions(src, dask_out, workers=2, scheduler=LOCAL_CLUSTER),
                     on_outcome=lambda o: arrived.setdefault(o.entry.input, time.time()))
    assert [len(c) for c in small_chunks] == [3, 3, 1, 1, 1, 1]          # 10 schools in 6 tasks
    assert pool.exit_code == dask.exit_code
    assert outputs(pool_out) == outputs(dask_out)
    a, b = load_manifest(pool_out).entries, load_manifest(dask_out).entries
    assert a.keys() == b.keys() and len(a) == 10
    for key in a:                      # equal up to when each was finished (and so the zip's timestamps)
        x, y = a[key], b[key]
        assert (x.status, x.output, x.message, x.summary) == (y.status, y.output, y.message, y.summary), key
    summaries = sorted(p.name for p in pool_out.glob("*.xlsx"))
    assert summaries and summaries == sorted(p.name for p in dask_out.glob("*.xlsx"))
    done = {o.entry.input: o for o in dask.done}
    assert len(done) == 10 and all(o.seconds > 0 for o in done.values())         # every school ran on a worker
    for chunk in small_chunks[:2]:     # a chunk's first school reached the batch process before its last finished
        first, last = done[chunk[0].rel], done[chunk[-1].rel]
        assert arrived[chunk[0].rel] < last.started + last.seconds, (first.started, arrived[chunk[0].rel])


@pytest.mark.parametrize("times, expect", [(1, "ok"), (2, "unreadable")])
def test_local_cluster_worker_killed_mid_file_costs_only_that_school(tmp_path: Path, small_chunks, times: int,
                                                                     expect: str):
    """Verify a LocalCluster worker killed while writing one school of a chunk: killed once, the chunk's schools not
    yet recorded are redone one per task and all end ok; killed again, alone, the school is recorded unreadable
    with a Chinese reason (the pool's rule) and every other school is ok. Before chunks, Dask reran a killed task
    up to three more times, so a school that kills its worker every time was never recorded as the culprit."""
    import os

    src = _county(tmp_path, 10)
    out = tmp_path / "结果"
    stop = threading.Event()
    killed: list[int] = []
    watcher = threading.Thread(target=lambda: killed.extend(_kill_workers_writing(os.getpid(), "学校2", times, stop)))
    watcher.start()
    try:
        run = run_batch(BatchOptions(src, out, workers=2, scheduler=LOCAL_CLUSTER))
    finally:
        stop.set()
        watcher.join()
    assert len(killed) == times, killed
    assert [t.rel for t in small_chunks[0]][0] == "镇2/学校2.xlsx"          # 学校2 ran first in a chunk of three
    assert len(small_chunks[0]) == 3
    entries = load_manifest(out).entries
    assert len(entries) == 10 and len(run.done) == 10
    assert {k: e.status for k, e in entries.items() if k != "镇2/学校2.xlsx"} == \
        {f"镇{i}/学校{i}.xlsx": "ok" for i in range(10) if i != 2}
    victim = entries["镇2/学校2.xlsx"]
    assert victim.status == expect
    if expect == "unreadable":
        assert victim.summary["reason"] == "crashed" and "异常终止" in victim.message and "程序内部错误" not in \
            victim.message


def test_local_cluster_stopped_mid_chunk_keeps_what_finished_and_resumes(tmp_path: Path, small_chunks):
    """Verify Ctrl-C while chunks are running: every school recorded so far stays in the manifest with its output,
    nothing else is recorded, and the next run skips exactly those and computes the rest."""
    src = _county(tmp_path, 10)
    out = tmp_path / "结果"
    seen: list[str] = []

    def stop_after_two(outcome) -> None:
        seen.append(outcome.entry.input)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(BatchOptions(src, out, workers=2, scheduler=LOCAL_CLUSTER), on_outcome=stop_after_two)
    entries = load_manifest(out).entries
    assert sorted(entries) == sorted(seen)
    assert all((out / e.output).exists() for e in entries.values())
    again = run_batch(BatchOptions(src, out, workers=2, scheduler=LOCAL_CLUSTER))
    assert sorted(e.input for e in again.skipped) == sorted(seen)
    assert len(again.done) == 8 and len(load_manifest(out).entries) == 10
    assert all(e.status == "ok" for e in load_manifest(out).entries.values())


class _Killed(Exception):
    """Stands for distributed's KilledWorker in the model below."""


class _Future:
    def __init__(self, key: str, chunk: tuple) -> None:
        self.key, self.chunk, self.error, self.value, self.callbacks = key, chunk, None, None, []

    def add_done_callback(self, fn) -> None:
        self.callbacks.append(fn)

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value

    def release(self) -> None:
        pass


class _OneWorkerCluster:
    """A model of the cluster's failure rule, not of Dask: every task submitted runs on one worker in order, and a
    culprit school kills the worker, which fails every task then placed on it (as a worker's death fails every task
    the scheduler had given it). Each finished school is published on the topic, as `process_chunk` does."""

    def __init__(self, culprits: set[str]) -> None:
        self.culprits, self.placed, self.topic_fn, self.n = culprits, [], None, 0

    def subscribe_topic(self, topic, fn) -> None:
        self.topic_fn = fn

    def unsubscribe_topic(self, topic) -> None:
        pass

    def cancel(self, futures) -> None:
        pass

    def map(self, fn, chunks, topic, pure):
        futures = []
        for chunk in chunks:
            self.n += 1
            futures.append(_Future(f"k{self.n}", chunk))
        self.placed += futures
        threading.Timer(0.01, self._run).start()
        return futures

    def _run(self) -> None:
        import pickle

        from xlrubric.batch.executors import crashed

        while self.placed:
            fut = self.placed[0]
            for task in fut.chunk:
                if task.rel in self.culprits:          # the worker dies: every task on it fails
                    dead, self.placed = self.placed, []
                    for f in dead:
                        f.error = _Killed(task.rel)
                        for cb in f.callbacks:
                            cb(f)
                    return
                self.topic_fn((0, pickle.dumps(crashed(task, "ok"))))      # any outcome naming the school
            self.placed.pop(0)
            fut.value = []
            for cb in fut.callbacks:
                cb(fut)


def test_a_retried_school_is_blamed_only_for_its_own_death():
    """Verify, on a model cluster where a worker's death fails every task placed on it, that a chunk killed by one
    school gets its other unrecorded schools retried and recorded, and only the culprit (killed again alone) is
    recorded unreadable — retries submitted side by side would all have died with it, innocents blamed."""
    from xlrubric.batch.executors import crashed
    from xlrubric.batch.worker import Task

    tasks = [Task(f"/县/{i}.xlsx", f"{i}.xlsx", "/out", f"{i}.xlsx", "sha", "rules") for i in range(6)]
    cluster = _OneWorkerCluster(culprits={"1.xlsx"})
    got = list(chunks.run_chunks(cluster, tasks, 1, crashed=crashed, killed=_Killed))
    by = {o.entry.input: o for o in got}
    assert sorted(by) == [t.rel for t in tasks] and len(got) == 6           # each school once
    assert by["1.xlsx"].entry.summary["reason"] == "crashed"                 # the culprit: unreadable, its own death
    assert all(by[t.rel].bug == "ok" for t in tasks if t.rel != "1.xlsx")   # every other school ran
