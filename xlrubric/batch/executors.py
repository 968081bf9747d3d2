"""Run `process_one` over many workbooks: a local process pool by default, Dask distributed on request.

Both executors are generators of `Outcome`s in completion order, so the caller records each one in the
manifest the moment it finishes. No home-made scheduling: `concurrent.futures` and `distributed` do
the work; this module only turns their failures into per-file outcomes and Chinese messages.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from xlrubric.batch.discover import BatchError
from xlrubric.batch.manifest import Entry
from xlrubric.batch.worker import BUG_PREFIX, Outcome, Task, process_one

LOCAL_CLUSTER = "local-cluster"
# Imported once in the fork server, so each worker starts with pandas & co. loaded, its caches warm and its
# collector set for a long-lived worker (batch/warmup.py, on import).
PRELOAD = ["xlrubric.batch.worker", "xlrubric.process", "xlrubric.pipeline", "xlrubric.writers.output",
           "xlrubric.batch.warmup"]
# A LocalCluster's workers fork from the same server (LOCAL_CLUSTER_CONFIG's multiprocessing-method), so it also
# imports what a Dask worker runs on.
DASK_PRELOAD = ["distributed", *PRELOAD]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def crashed(task: Task, detail: str, *, unreadable: bool = False) -> Outcome:
    """The outcome of a task whose worker died or could not run it at all.

    `unreadable`: the file killed its worker twice, the second time alone — the file is the cause (a
    crafted or damaged workbook that crashes the reader, or one too big for memory), not a bug of ours.
    """
    if unreadable:
        message = (f"读取文件「{Path(task.rel).name}」时读取程序异常终止（{detail}），"
                   "文件可能已损坏、被恶意构造，或大到超出内存，该文件未处理"
                   "\n处理办法：请在 Excel 或 WPS 中打开该文件确认内容正常，另存为新的 .xlsx 后重新运行；"
                   "若仍如此，请把文件发给维护人员。其他学校不受影响")
        summary = {"reason": "crashed"}
    else:
        message = (f"{BUG_PREFIX}：处理该文件时工作进程异常退出（{detail}），该文件未处理。"
                   "\n处理办法：请把此文件发给维护人员；其他学校不受影响")
        summary = {"reason": "bug"}
    entry = Entry(task.rel, task.input_sha256, task.rules_hash, "", "unreadable", message=message, summary=summary)
    from xlrubric import __version__

    entry.program_version = __version__
    return Outcome(entry, bug=detail)


def run_inline(tasks: Sequence[Task]) -> Iterator[Outcome]:
    """One worker: run in this process (what `--workers 1` means), warmed and settled as a pool worker is."""
    from xlrubric.batch import warmup  # noqa: F401 — warms on import (once per process)

    for task in tasks:
        yield process_one(task)


# A backstop, not the budget: the reader's limits keep one school under 300 MB (benchmarks/bench_hostile.py);
# this cap turns whatever they did not foresee into a MemoryError (recorded for that file) or a worker's death
# (quarantined, then recorded), instead of a county PC swapping to a halt with two such schools at once.
WORKER_DATA_LIMIT = 1024 * 1024 * 1024


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out files and records what finished; and
    cap the worker's data memory (Linux counts the heap and anonymous maps: what a reader allocates)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard == resource.RLIM_INFINITY or hard > WORKER_DATA_LIMIT:
            resource.setrlimit(resource.RLIMIT_DATA, (WORKER_DATA_LIMIT, hard))
    except (ImportError, AttributeError, ValueError, OSError):   # Windows, or a platform without RLIMIT_DATA
        pass


def has_forkserver() -> bool:
    return "forkserver" in mp.get_all_start_methods()


def _forkserver(preload: list[str] = PRELOAD):
    """The fork server's context with `preload` set, or None where there is no fork server (Windows).

    The preload only matters for the server's start: one server serves the whole process, so a Dask run after
    a pool run in the same process (the tests do that) forks from the pool's server and its workers import
    `distributed` themselves."""
    if not has_forkserver():
        return None
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(preload)
    return ctx


def start_warming(*, dask: bool = False) -> bool:
    """Start the fork server now, so it imports and warms up (batch/warmup.py) while this process is still
    discovering, hashing and planning; True when it was started (or already ran). `dask`: for a LocalCluster,
    whose workers fork from this server too (`local_cluster`).

    `ensure_running` launches the server and returns at once; the server imports PRELOAD before it accepts its
    first request, so the pool's first fork simply waits for what is left of the warm-up. Without this the
    warm-up (≈ 1.5 s of CPU) only began once planning had finished. Idempotent: a running server is reused
    (the server lives as long as this process). Never raises: if the server cannot start now, the pool tries
    again when it is made and reports what fails there, as before."""
    if _forkserver(DASK_PRELOAD if dask else PRELOAD) is None:
        return False
    from multiprocessing import forkserver

    try:
        forkserver.ensure_running()
    except OSError:
        return False
    return True


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver(), initializer=_ignore_sigint)


def run_pool(tasks: Sequence[Task], workers: int) -> Iterator[Outcome]:
    """A local process pool where no school's crash costs another school its result.

    A worker that dies (a native reader aborting on a crafted file, the kernel's OOM killer) breaks the
    whole `ProcessPoolExecutor`: every future still pending fails with BrokenProcessPool, and nobody
    knows which file did it. So at most `workers` files are in flight (the suspects of a break are only
    those), the pool is replaced, and each suspect is retried once alone in a one-worker "quarantine"
    pool beside it: the innocent ones finish there, the file that kills its worker again is recorded
    as unreadable with a Chinese reason. The other schools carry on in the main pool meanwhile.
    """
    queue = deque(tasks)
    suspects: deque[Task] = deque()
    main: ProcessPoolExecutor | None = None
    quarantine: ProcessPoolExecutor | None = None
    running: dict = {}                       # future -> (task, alone)
    finished = False
    try:
        while queue or suspects or running:
            if main is None and queue:
                main = _new_pool(min(workers, len(queue)))
            while main is not None and queue and sum(1 for _, alone in running.values() if not alone) < workers:
                try:                         # a worker may die between two submits: the pool refuses the next
                    fut = main.submit(process_one, queue[0])
                except BrokenProcessPool:
                    main = _discard(main)    # queue[0] was never started: it stays first in the queue
                    break
                running[fut] = (queue.popleft(), False)
            if suspects and not any(alone for _, alone in running.values()):
                quarantine = quarantine or _new_pool(1)
                try:
                    fut = quarantine.submit(process_one, suspects[0])
                except BrokenProcessPool:
                    quarantine = _discard(quarantine)
                else:
                    running[fut] = (suspects.popleft(), True)
            if main is None:                 # the main pool broke: every file it had in flight is a suspect
                for fut in [f for f, (_, alone) in running.items() if not alone]:
                    suspects.append(running.pop(fut)[0])
            if not running:
                continue
            done, _ = wait(set(running), return_when=FIRST_COMPLETED)
            for fut in done:
                task, alone = running.pop(fut)
                try:
                    outcome = fut.result()
                except BrokenProcessPool:
                    if alone:
                        quarantine = _discard(quarantine)
                        yield crashed(task, "单独重试时工作进程仍然异常终止", unreadable=True)
                    else:
                        suspects.append(task)
                        main = _discard(main)
                    continue
                except Exception as exc:  # noqa: BLE001 — e.g. an unpicklable result
                    outcome = crashed(task, f"{type(exc).__name__}: {exc}")
                yield outcome
            if main is None:                 # the main pool broke: every file it had in flight is a suspect
                for fut in [f for f, (_, alone) in running.items() if not alone]:
                    suspects.append(running.pop(fut)[0])
        finished = True
    finally:
        # Interrupted (Ctrl-C, or the caller stopped on a full disk): drop the queue, do not wait.
        for pool in (main, quarantine):
            if pool is not None:
                pool.shutdown(wait=finished, cancel_futures=True)


def _discard(pool: ProcessPoolExecutor | None) -> None:
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def run_dask(tasks: Sequence[Task], scheduler: str, workers: int) -> Iterator[Outcome]:
    """The same function on Dask distributed: `tcp://host:port` of a running scheduler, or a
    LocalCluster of `workers` single-threaded worker processes."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a dependency
        raise BatchError("未安装 dask.distributed，无法使用 --scheduler",
                         hint='请安装：pip install "dask[distributed]"') from exc
    cluster = None
    try:
        if scheduler == LOCAL_CLUSTER:
            cluster = local_cluster(workers)
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
        with contextlib.suppress(Exception):     # a worker without xlrubric: each task then says so
            client.run(_warm_worker)             # once per worker, before its first school
        if cluster is not None:                  # ours: chunks of schools, each recorded as it finishes
            from distributed import KilledWorker

            from xlrubric.batch.chunks import run_chunks

            yield from run_chunks(client, tasks, workers, crashed=crashed, killed=KilledWorker)
            return
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


# What a long batch's worker must not do (issue 16, measured on N = 100 → 500 schools, benchmarks/bench_batch.py):
# - Dask's statistical profiler samples the running task's stack every 10 ms and keeps one profile tree per second
#   (two: per worker and per task prefix) for the last 1,000 s (`distributed.admin.low-level-log-length`). Nobody
#   reads it (no dashboard), yet it grew each worker by about 0.3 MB per second of work — 189 MB at N = 200, 376 MB
#   at N = 2,000, where the pool's workers stay at 125 MB — and cost about 10% of the worker's CPU. Off, the
#   worker's memory is flat in N (tests/test_batch_dask_memory.py).
# - The nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand freed memory back to the
#   system at once (and fixes its mmap threshold): every school then faults its pages in again, 5× the page faults
#   of a pool worker and +10–15 ms of system time per school. The pool's workers run with glibc's defaults and
#   stay flat at 125 MB, so ours do too.
# - The batch process hosts the scheduler and both nannies, on the cores the workers need. Their periodic callbacks
#   cost it 68–70 ms of CPU per second of an IDLE cluster (2 workers, measured session 8, twice each): per second,
#   not per task — a batch's 29–35 ms per school did not change with 8 schools per task. Most of it is the event-
#   loop tick every 20 ms of each server (only a diagnostic: it warns when the loop was blocked for 3 s); then the
#   nanny's and worker's memory monitor every 100 ms and the system monitor every 500 ms (dashboard figures). With
#   the tick at 1 s, the system monitor at 5 s and the memory monitor at 1 s the idle cluster costs 10–11 ms per
#   second; turning work stealing off as well changed nothing (10.1–10.2), so it stays on. The memory monitor
#   still stops a worker past its limit, within a second instead of 0.1 s (the worker's RLIMIT_DATA is not set
#   on Dask; a school's reader stays under 300 MB).
# - A task whose worker dies fails at once (`allowed-failures: 0`) instead of being rerun up to three times: our tasks
#   are chunks of schools (batch/chunks.py), which retries the chunk's unrecorded schools one per task itself, as the
#   pool retries its suspects alone, so a rerun never rewrites an output already recorded. And a worker holds only
#   the task it runs (`worker-saturation: 1.0`), so its death blames no other (batch/chunks.py).
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False,
                        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                        "distributed.admin.tick.interval": "1s",
                        "distributed.admin.system-monitor.interval": "5s",
                        "distributed.worker.memory.monitor-interval": "1s",
                        "distributed.scheduler.allowed-failures": 0,
                        "distributed.scheduler.worker-saturation": 1.0}


def local_cluster(workers: int):
    """The LocalCluster `--scheduler local-cluster` runs on: `workers` single-threaded worker processes, no
    dashboard, configured by LOCAL_CLUSTER_CONFIG (the nannies copy the configuration when they are made, so
    it holds for a worker restarted later too). A cluster of the user's own is configured by its workers (README).

    Its workers fork from our warm fork server (`start_warming(dask=True)`), as the pool's do, instead of
    distributed's default, spawning: a spawned worker started a fresh interpreter, imported distributed,
    pandas and pandera and computed the warm-up template on its own — each worker at once, on the same two
    cores as the scheduler — so the first school started 2.3–3.3 s into a batch against the pool's 1.1–1.4 s
    (issue 16, N = 200). The start method is read when a nanny starts its worker, so one restarted after a
    crash, outside this call, is spawned: slower, the same result."""
    import dask
    from distributed import LocalCluster

    config = dict(LOCAL_CLUSTER_CONFIG)
    if start_warming(dask=True):
        config["distributed.worker.multiprocessing-method"] = "forkserver"
        _skip_distributeds_preload()
    with dask.config.set(config):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            silence_logs=40)


def _skip_distributeds_preload() -> None:
    """Tell distributed that the fork server's preload is settled (it is: ours runs already, `distributed` in it).

    Otherwise, on a nanny's first start, distributed imports numpy, pandas and lz4 into the batch process — on
    the cluster's event loop, while the workers wait to be started — only to name them as the preload of a
    server that is already running; the batch process needs none of them (pandas: 0.3 s of CPU). The flag is
    distributed's own private one; if a later release drops it, this does nothing and the cost comes back
    (tests/test_batch_warm.py notices: the batch process then imports pandas)."""
    from distributed import utils as dutils

    if hasattr(dutils, "_forkserver_preload_set"):
        dutils._forkserver_preload_set = True


def _warm_worker() -> bool:
    """Import (and so run) the warm-up in a Dask worker; a second call costs nothing."""
    from xlrubric.batch import warmup

    return warmup.WARM
