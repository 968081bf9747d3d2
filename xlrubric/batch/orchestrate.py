"""One county batch from start to finish: discover, decide what is current, map, record, summarise.

Resumable by construction: the manifest gets one appended line per finished workbook (batch/manifest.py)
and every output is written atomically, so after Ctrl-C or `kill -9` at any moment the next run finds complete
outputs with current entries (skipped), complete outputs without an entry (redone) and temp files
(removed on start) — never a half-written result.

The pool's workers warm up (batch/warmup.py, ≈ 1.5 s of CPU) in its fork server, which is started as soon as
some school is known to be work — before discovery on a first run — so the warm-up runs while this process
discovers, hashes and plans (`executors.start_warming`).
"""

from __future__ import annotations

import contextlib
import errno
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlrubric import __version__
from xlrubric.atomic import TMP_SUFFIX, atomic_output
from xlrubric.batch.discover import BatchError, Workbook, discover, no_workbooks_error
from xlrubric.batch.durable import Recorder
from xlrubric.batch.executors import LOCAL_CLUSTER, default_workers, run_dask, run_inline, run_pool, start_warming
from xlrubric.batch.lock import outdir_lock
from xlrubric.batch.manifest import MANIFEST_NAME, Entry, Manifest, file_sha256, load_manifest
from xlrubric.batch.worker import BUG_PREFIX, Outcome, Task
from xlrubric.errors import OutputError

# `writers/output.py` builds .xls and decrypted outputs in a TemporaryDirectory beside the target.
_OUR_TMP_DIR = re.compile(r"^tmp[a-z0-9_]{6,12}$")
_OUR_TMP_FILES = {"out.xlsx", "plain.xlsx", "plain.xlsm"}
FATAL_ERRNO = {"ENOSPC": "所在磁盘已满", "EDQUOT": "超出磁盘配额", "EROFS": "是只读的"}


@dataclass
class BatchOptions:
    src: Path
    outdir: Path
    preset: str | None = None
    rules: Path | None = None
    workers: int | None = None
    scheduler: str | None = None
    passwords: tuple[str, ...] = ()


@dataclass
class BatchRun:
    """What a run found and did; `entries` are the manifest entries of every discovered input."""

    books: list[Workbook]
    skipped: list[Entry] = field(default_factory=list)
    done: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed_temps: int = 0
    manifest: Manifest | None = None
    summary_path: Path | None = None

    @property
    def entries(self) -> list[Entry]:
        assert self.manifest is not None
        return [self.manifest.entries[b.rel] for b in self.books if b.rel in self.manifest.entries]

    @property
    def exit_code(self) -> int:
        """0 every school ok; 1 some school had problems or could not be read (`batch --strict` exits with it)."""
        return 0 if all(e.status == "ok" for e in self.entries) else 1


def rules_identity(preset: str | None, rules: Path | None) -> tuple[str, dict]:
    """The rules' hash for the manifest, checked once here so a bad --preset/--rules stops the batch
    before any work (exit 2) instead of failing every school the same way."""
    from xlrubric.spec.load import load_preset, load_rules_file, spec_hash

    parts, info = [], {}
    if rules is not None:
        spec = load_rules_file(rules)
        parts.append(f"rules:{spec_hash(spec)}")
        info["rules"] = str(rules)
    if preset is not None:
        spec = load_preset(preset)
        parts.append(f"preset:{preset}:{spec_hash(spec)}")
        info["preset"] = preset
    info["hash"] = "|".join(parts)
    return info["hash"], info


OS_REASONS = {errno.EROFS: "所在磁盘是只读的", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
              errno.ENOSPC: "磁盘已满", errno.ENOENT: "上级文件夹不存在", errno.ENOTDIR: "路径中有一段不是文件夹"}


def os_reason(exc: OSError) -> str:
    return OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def make_outdir(outdir: Path) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"无法创建输出文件夹「{outdir}」（{os_reason(exc)}）",
                         hint="请检查上级文件夹是否存在、是否有写入权限，或换一个输出位置。") from exc


def prepare_outdir(outdir: Path) -> int:
    """Create OUTDIR, prove it is writable, and remove temp files a killed run left; return how many."""
    make_outdir(outdir)
    try:
        with atomic_output(outdir / ".xlrubric-写入测试") as f:
            f.write(b"ok")
        (outdir / ".xlrubric-写入测试").unlink()
    except (OSError, OutputError) as exc:
        raise BatchError(f"输出文件夹「{outdir}」无法写入（{exc}）",
                         hint="请检查文件夹是否只读、磁盘是否已满，或换一个输出位置。") from exc
    return clean_stale(outdir)


def clean_stale(outdir: Path) -> int:
    """Delete our temp files (and temp folders) anywhere under OUTDIR; nothing else is touched."""
    removed = 0
    for path in sorted(outdir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            if path.is_file() and path.name.startswith(".") and path.name.endswith(TMP_SUFFIX):
                path.unlink()
                removed += 1
            elif path.is_dir() and _OUR_TMP_DIR.match(path.name) and \
                    {p.name for p in path.iterdir()} <= _OUR_TMP_FILES:
                shutil.rmtree(path)
                removed += 1
    return removed


def plan(opts: BatchOptions, manifest: Manifest, books: list[Workbook], rules_hash: str
         ) -> tuple[list[Task], list[Entry], list[Outcome]]:
    """Split the inputs into work to do and entries that are current; unreadable inputs fail here."""
    tasks, skipped, failed = [], [], []
    for book in books:
        try:
            sha = file_sha256(book.path)
        except OSError as exc:
            entry = Entry(book.rel, "", rules_hash, manifest.program_version, "unreadable",
                          message=f"文件「{book.rel}」无法读取（{exc.strerror or exc}）\n处理办法：请检查文件权限，"
                                  "或确认文件没有被其他程序独占打开", summary={"reason": "missing"})
            failed.append(Outcome(entry))
            continue
        old = manifest.entries.get(book.rel)
        if old is not None and _still_good(old, sha, rules_hash, opts, book):
            skipped.append(old)
            continue
        tasks.append(Task(str(book.path), book.rel, str(opts.outdir), book.out_rel, sha, rules_hash,
                          opts.preset, str(opts.rules) if opts.rules else None, opts.passwords,
                          sync_in_parent=opts.scheduler in (None, LOCAL_CLUSTER)))
    tasks.sort(key=lambda t: -_size(t.src))     # biggest first: fewer stragglers at the end
    return tasks, skipped, failed


def _surely_work(entry: Entry | None, rules_hash: str) -> bool:
    """True when a workbook will be computed whatever its hash (no entry, other rules or program); the cheap
    test that lets the pool warm up during planning (`executors.start_warming`) without hashing first."""
    return entry is None or entry.rules_hash != rules_hash or entry.program_version != __version__


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _still_good(entry: Entry, sha: str, rules_hash: str, opts: BatchOptions, book: Workbook) -> bool:
    reason = entry.summary.get("reason")
    if reason == "bug" or (entry.message or "").startswith(BUG_PREFIX):
        return False                 # retry: the bug may be fixed, or the crash was the machine's
    if reason in ("encrypted", "wrong-password") and opts.passwords:
        return False                 # passwords were supplied since
    if reason == "output":
        return False
    if entry.output is not None and entry.output != book.out_rel:
        return False
    return entry.is_current(sha, rules_hash, opts.outdir)


def _forks_workers(opts: BatchOptions) -> bool:
    """True when the schools will run in processes forked from our fork server: the local process pool, or a
    LocalCluster (not in-process, not on a Dask scheduler of the user's own)."""
    return opts.scheduler == LOCAL_CLUSTER or (not opts.scheduler and (opts.workers or default_workers()) > 1)


def execute(opts: BatchOptions, tasks: list[Task]) -> Iterator[Outcome]:
    """Outcomes in completion order from the executor the options ask for."""
    workers = opts.workers or default_workers()
    if opts.scheduler:
        return run_dask(tasks, opts.scheduler, workers)
    if workers <= 1:                 # asked for in-process: no isolation (a native crash ends the batch)
        return run_inline(tasks)
    return run_pool(tasks, workers)


def run_batch(opts: BatchOptions, *, on_plan: Callable[[BatchRun, int], None] | None = None,
              on_outcome: Callable[[Outcome], None] | None = None) -> BatchRun:
    """Process DIR into OUTDIR; `on_plan(run, n_tasks)` and `on_outcome` drive the progress display."""
    if opts.workers is not None and opts.workers < 1:
        raise BatchError("--workers 至少为 1")
    if opts.scheduler and opts.scheduler != LOCAL_CLUSTER and "://" not in opts.scheduler:
        raise BatchError(f"--scheduler「{opts.scheduler}」格式不对",
                         hint="应为 tcp://主机:端口（Dask 调度器地址），或 local-cluster。")
    if _forks_workers(opts) and not (opts.outdir / MANIFEST_NAME).exists():
        start_warming(dask=bool(opts.scheduler))     # a first run: every school is work; warm meanwhile
    books, notes = discover(opts.src, opts.outdir)
    if not books:
        raise no_workbooks_error(opts.src, notes)
    rules_hash, rules_info = rules_identity(opts.preset, opts.rules)
    opts.outdir = opts.outdir.resolve()
    make_outdir(opts.outdir)
    with outdir_lock(opts.outdir):           # before the cleanup: it must not delete another run's temp files
        return _run_locked(opts, books, notes, rules_hash, rules_info, on_plan, on_outcome)


def _run_locked(opts: BatchOptions, books: list[Workbook], notes: list[str], rules_hash: str, rules_info: dict,
                on_plan: Callable[[BatchRun, int], None] | None,
                on_outcome: Callable[[Outcome], None] | None) -> BatchRun:
    removed = prepare_outdir(opts.outdir)
    manifest = load_manifest(opts.outdir)
    gone = set(manifest.entries) - {b.rel for b in books}
    for rel in gone:
        del manifest.entries[rel]
    if gone:
        notes.append(f"清单中 {len(gone)} 个文件在输入文件夹中已不存在，已从清单移除（其结果文件保留）")
    manifest.rules = rules_info
    manifest.left_out = [n for n in notes if n.startswith(("跳过", "无法进入"))]
    run = BatchRun(books, notes=notes, removed_temps=removed, manifest=manifest)
    if _forks_workers(opts) and any(_surely_work(manifest.entries.get(b.rel), rules_hash) for b in books):
        start_warming(dask=bool(opts.scheduler))     # some school will be computed: warm while hashing
    tasks, run.skipped, failed = plan(opts, manifest, books, rules_hash)
    if on_plan:
        on_plan(run, len(tasks) + len(failed))
    _saving(manifest.save)               # compacted once per run (rules, removed entries); then appends
    outcomes = _chain(failed, execute(opts, tasks)) if tasks else iter(failed)
    recorder = Recorder(manifest, _saving)   # each line once the school's files are fsynced (batch/durable.py)
    try:
        for outcome in outcomes:
            recorder.add(outcome)
            run.done.append(outcome)
            if on_outcome:
                on_outcome(outcome)
            if outcome.entry.summary.get("errno") in FATAL_ERRNO:
                raise BatchError(f"输出文件夹「{opts.outdir}」{FATAL_ERRNO[outcome.entry.summary['errno']]}，"
                                 f"批处理已停止（已完成 {len(run.done) - 1} 个文件）",
                                 hint="腾出磁盘空间或换一个可写的输出位置后，重新运行同一命令即可继续。")
    finally:
        try:
            recorder.close()             # Ctrl-C or a stop: what did finish is synced and recorded first
        finally:
            with contextlib.suppress(OSError):
                manifest.close()
    from xlrubric.batch.summary import write_county_summary

    try:
        run.summary_path = write_county_summary(opts.outdir, manifest)
    except OutputError as exc:
        raise BatchError(f"无法写出县汇总：{exc}",
                         hint="各校结果已写出并记录；腾出空间后重新运行即可生成汇总。") from exc
    return run


def _saving(write: Callable[[], None]) -> None:
    """Run one manifest write; a full disk or a folder turned read-only stops the batch in Chinese."""
    try:
        write()
    except (OSError, OutputError) as exc:
        raise BatchError(f"无法保存处理清单（{exc}）",
                         hint="可能是磁盘已满或输出文件夹变为只读；腾出空间后重新运行同一命令即可继续。") from exc


def _chain(first: list[Outcome], rest: Iterator[Outcome]) -> Iterator[Outcome]:
    yield from first
    yield from rest

