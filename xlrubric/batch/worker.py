"""The per-workbook function every batch worker runs (process pool or Dask), and what it hands back.

`process_one` is a plain top-level function of picklable arguments, so a local process pool and a Dask
cluster run exactly the same code as `xlrubric compute`. It never raises: a file that cannot be read,
a rule that does not fit and even a bug in xlrubric become an `Outcome` with a Chinese message, so one
bad file never stops a county's batch. The manifest is written only by the parent, from outcomes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from xlrubric.atomic import deferred_sync
from xlrubric.batch.discover import STATE_DIR
from xlrubric.batch.manifest import Entry, file_sha256
from xlrubric.errors import OutputError, XlrubricError
from xlrubric.safetext import clean, json_bytes

BUG_PREFIX = "程序内部错误"
PASSWORD_REASONS = ("encrypted", "wrong-password")


@dataclass(frozen=True)
class Task:
    """One workbook to process. Paths are absolute: workers on other machines see the same shared folder."""

    src: str
    rel: str              # manifest key: input path relative to DIR (posix)
    outdir: str
    out_rel: str          # output path relative to OUTDIR (posix)
    input_sha256: str
    rules_hash: str
    preset: str | None = None
    rules: str | None = None
    passwords: tuple[str, ...] = ()
    # The batch process fsyncs this school's files before recording it (batch/durable.py): the worker writes them
    # atomically without waiting for the disk. False where the parent may not see the worker's disk (a Dask
    # cluster elsewhere): the worker then fsyncs each file itself, as `compute` does.
    sync_in_parent: bool = False


@dataclass
class Outcome:
    """What happened to one workbook; `entry` goes into the manifest as it is."""

    entry: Entry
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0          # this process's CPU time on the file, every thread (benchmarks/bench_batch.py)
    bug: str | None = None            # traceback text when xlrubric itself failed
    unsynced: tuple[str, ...] = ()    # files written without fsync (`Task.sync_in_parent`): the parent's to sync
    started: float = 0.0              # wall clock (time.time) when the worker began the file (bench_batch.py)


def problems_rel(out_rel: str) -> str:
    """The side file in OUTDIR holding every problem of one output (the county summary lists them)."""
    return str(PurePosixPath(STATE_DIR) / "problems" / f"{out_rel}.json")


def load_problems(outdir: Path, entry: Entry) -> list[dict[str, Any]]:
    """The problems recorded for a finished entry ([] when none or the side file is missing)."""
    rel = entry.summary.get("problems_file")
    if not rel:
        return []
    try:
        return json.loads((outdir / rel).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def _peak_mb() -> float:
    """This process's peak resident memory in MB.

    On Linux VmHWM (/proc/self/status), not ru_maxrss: a process started by fork + exec — a Dask nanny spawns
    its workers so — inherits in ru_maxrss the peak of the process that started it (measured: a worker spawned by
    a 314 MB parent reports 314 MB; its VmHWM is 15 MB), so a Dask worker's figure was the batch process's own.
    """
    with contextlib.suppress(OSError, ValueError, IndexError), \
            open("/proc/self/status", encoding="ascii", errors="replace") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def process_one(task: Task) -> Outcome:
    """Compute one school's workbook into OUTDIR; never raises."""
    started, start, cpu = time.time(), time.perf_counter(), time.process_time()
    entry = Entry(task.rel, task.input_sha256, task.rules_hash, _version(), "unreadable")
    with deferred_sync() if task.sync_in_parent else contextlib.nullcontext([]) as unsynced:
        bug = _process(task, entry)
    entry.finished_at = time.strftime("%Y-%m-%dT%H:%M:%S")
    return Outcome(entry, time.perf_counter() - start, _peak_mb(), time.process_time() - cpu, bug, tuple(unsynced),
                   started)


def _process(task: Task, entry: Entry) -> str | None:
    """Compute `task` into OUTDIR and fill `entry`; the traceback when xlrubric itself failed."""
    from xlrubric.writers.output import write_bytes

    outdir = Path(task.outdir)
    bug = None
    try:
        target = outdir / task.out_rel
        target.parent.mkdir(parents=True, exist_ok=True)
        results, written = _compute(task, target)
        side = problems_rel(written.relative_to(outdir).as_posix())
        (outdir / side).parent.mkdir(parents=True, exist_ok=True)
        problems = [p.as_dict() for p in results.problems]
        write_bytes(outdir / side, json_bytes(problems, default=str))
        summary = _jsonable(dict(results.summary))
        if summary.get("school") is not None:   # one manifest line per school, read by every later step: no 5 MB names
            summary["school"] = clean(summary["school"])
        summary["problems_file"] = side
        summary["problems_listed"] = len(problems)      # lines in the side file (县汇总 plans its pages by it)
        summary["rules_source"] = results.rules_source
        entry.status = summary.get("status") or ("problems" if results.exit_code else "ok")
        entry.output = written.relative_to(outdir).as_posix()
        entry.output_sha256 = file_sha256(written)
        entry.summary = summary
    except OutputError as exc:
        code = getattr(exc.__cause__, "errno", None)
        entry.message = f"结果文件写入失败：{exc}"
        entry.summary = {"reason": "output", "errno": errno.errorcode.get(code, "") if code else ""}
    except XlrubricError as exc:
        reason = getattr(exc, "reason", "")
        entry.message = str(exc)
        if reason in PASSWORD_REASONS:
            entry.message = (f"文件「{Path(task.rel).name}」设有打开密码" +
                             ("，--password-file 中的密码都不对" if task.passwords else "") +
                             "\n处理办法：请向学校要密码，写进一个文本文件（每行一个密码），运行时加 "
                             "--password-file 该文件；或请学校另存为无密码的副本")
        entry.summary = {"reason": reason or type(exc).__name__}
    except MemoryError:
        entry.message = (f"处理文件「{Path(task.rel).name}」需要的内存超过上限，该文件未处理"
                         "\n处理办法：请删除无用的工作表、多余的行列和图片后另存，再重新运行；其他学校不受影响")
        entry.summary = {"reason": "memory"}
    except Exception as exc:  # noqa: BLE001 — one file's bug must not stop the county's batch
        bug = traceback.format_exc()
        entry.message = (f"{BUG_PREFIX}（{type(exc).__name__}: {exc}），该文件未处理。"
                         "\n处理办法：请把此文件和这段说明发给维护人员；其他学校不受影响")
        entry.summary = {"reason": "bug"}
    return bug


def _compute(task: Task, target: Path):
    """`compute_file`, trying each password of --password-file on an encrypted workbook."""
    from xlrubric.process import compute_file

    rules = Path(task.rules) if task.rules else None
    try:
        return compute_file(Path(task.src), target, preset=task.preset, rules=rules)
    except XlrubricError as exc:
        if getattr(exc, "reason", "") not in PASSWORD_REASONS or not task.passwords:
            raise
        last = exc
    for password in task.passwords:
        try:
            return compute_file(Path(task.src), target, preset=task.preset, rules=rules, password=password)
        except XlrubricError as exc:
            if getattr(exc, "reason", "") not in PASSWORD_REASONS:
                raise
            last = exc
    raise last


def _version() -> str:
    from xlrubric import __version__

    return __version__


def _jsonable(value: Any) -> Any:
    """Make a summary safe for the JSON manifest (dates as ISO text, numpy numbers as Python numbers)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
