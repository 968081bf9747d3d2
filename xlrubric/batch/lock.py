"""One batch at a time per output folder, and a second one told who holds it.

Two batches on one OUTDIR destroy each other's work: the second one's start-up cleanup deletes the
first's in-flight temp files, and both write the manifest. The lock is an OS file lock on
`OUTDIR/.xlrubric/batch.lock` (`fcntl.flock`, `msvcrt.locking` on Windows): the kernel drops it when
its process dies, so a lock left by a killed run is simply taken over — no stale-pid guessing. The file's
text (pid, host, start time) is only for the message the second run prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from xlrubric.batch.discover import STATE_DIR, BatchError

LOCK_NAME = "batch.lock"


@contextlib.contextmanager
def outdir_lock(outdir: Path) -> Iterator[None]:
    """Hold OUTDIR's batch lock for the block; raise BatchError at once if another run holds it."""
    path = Path(outdir) / STATE_DIR / LOCK_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        from xlrubric.batch.orchestrate import os_reason

        raise BatchError(f"输出文件夹「{outdir}」无法写入（{os_reason(exc)}）",
                         hint="请检查文件夹是否只读、磁盘是否已满，或换一个输出位置。") from exc
    try:
        if not _try_lock(fd):
            raise BatchError(f"另一个 xlrubric batch 正在使用输出文件夹「{outdir}」（{_holder(path)}）",
                             hint="等它结束后再运行；同时运行两个会互相删掉对方正在写的文件。"
                                  "若那个进程已经不在了，重新运行即可（锁会自动释放）。")
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)                         # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:                      # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path, wait: float = 2.0) -> str:
    """Who holds the lock, from the text it wrote ("进程 123，主机 x，开始于 …").

    The holder takes the lock first and writes its text just after, so a run refused in between finds the
    file empty (or half written): it looks again for up to `wait` seconds before saying only 「它刚刚开始」.
    Seen under load in CI's two-batches test; a refusal costing a moment more names the holder."""
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if info or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if not info:
        return "它刚刚开始"
    started = str(info.get("started", "?")).replace("T", " ")
    return f"进程 {info.get('pid', '?')}，主机 {info.get('host', '?')}，开始于 {started}"
