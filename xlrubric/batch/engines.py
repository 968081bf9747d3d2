"""Run `process_one` over many workbooks: a local process pool by default, Dask distributed on request.

Both engines are generators of `Outcome`s in completion order, so the caller records each one in the
manifest the moment it finishes. No home-made scheduling: `concurrent.futures` and `distributed` do
the work; this module only turns their failures into per-file outcomes and Chinese messages.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from xlrubric.batch.discover import BatchError
from xlrubric.batch.manifest import Entry
from xlrubric.batch.runner import BUG_PREFIX, Outcome, Task, process_one

LOCAL_CLUSTER = "local-cluster"
# Imported once in the fork server, so each worker starts with pandas & co. already loaded.
PRELOAD = ["xlrubric.batch.runner", "xlrubric.process", "xlrubric.pipeline", "xlrubric.writers.output"]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def crashed(task: Task, detail: str) -> Outcome:
    """The outcome of a task whose worker died or could not run it at all."""
    entry = Entry(task.rel, task.input_sha256, task.rules_hash, "", "unreadable",
                  message=f"{BUG_PREFIX}：处理该文件时工作进程异常退出（{detail}），该文件未处理。"
                          "\n处理办法：请把此文件发给维护人员；其他学校不受影响",
                  summary={"reason": "bug"})
    from xlrubric import __version__

    entry.program_version = __version__
    return Outcome(entry, bug=detail)


def run_inline(tasks: Sequence[Task]) -> Iterator[Outcome]:
    """One worker: run in this process (no start-up cost; what `--workers 1` means)."""
    for task in tasks:
        yield process_one(task)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out files and records what finished."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_pool(tasks: Sequence[Task], workers: int) -> Iterator[Outcome]:
    """A local process pool. A worker that dies (out of memory, a crash in a native reader) breaks the
    pool; the pool is restarted and the files in flight are retried once, then recorded as failed."""
    pending = list(tasks)
    attempts: dict[str, int] = {}
    while pending:
        ctx = mp.get_context("forkserver") if "forkserver" in mp.get_all_start_methods() else None
        if ctx is not None:
            ctx.set_forkserver_preload(PRELOAD)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx,
                                   initializer=_ignore_sigint)
        broken: list[Task] = []
        finished = False
        try:
            futures = {pool.submit(process_one, t): t for t in pending}
            pending = []
            not_done = set(futures)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = futures[fut]
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        broken.append(task)
                        continue
                    except Exception as exc:  # noqa: BLE001 — e.g. an unpicklable result
                        outcome = crashed(task, f"{type(exc).__name__}: {exc}")
                    yield outcome
            finished = True
        finally:
            # Interrupted (Ctrl-C, or the caller stopped on a full disk): drop the queue, do not wait.
            pool.shutdown(wait=finished and not broken, cancel_futures=True)
        for task in broken:
            attempts[task.rel] = attempts.get(task.rel, 0) + 1
            if attempts[task.rel] >= 2:
                yield crashed(task, "进程被终止，可能是内存不足")
            else:
                pending.append(task)


def run_dask(tasks: Sequence[Task], scheduler: str, workers: int) -> Iterator[Outcome]:
    """The same function on Dask distributed: `tcp://host:port` of a running scheduler, or a
    LocalCluster of `workers` single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise BatchError("未安装 dask.distributed，无法使用 --scheduler",
                         hint='请安装：pip install "dask[distributed]"') from exc
    cluster = None
    try:
        if scheduler == LOCAL_CLUSTER:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="15s")
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise BatchError(f"无法连接 Dask 调度器「{scheduler}」（{exc}）",
                         hint="请确认调度器已启动（dask scheduler）、地址和端口正确、防火墙放行；"
                              "或去掉 --scheduler 在本机处理。") from exc
    futures = []
    try:
        futures = client.map(process_one, list(tasks), pure=False)
        task_of = dict(zip((f.key for f in futures), tasks, strict=True))
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001 — a lost worker, or xlrubric missing on a worker
                yield crashed(task_of[fut.key], f"{type(exc).__name__}: {exc}")
            finally:
                fut.release()
    finally:
        try:
            client.cancel(futures)      # after Ctrl-C: stop the files not started yet
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
