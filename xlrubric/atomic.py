"""Write an output so that a crash, a kill or a full disk leaves the old file or the new one, never half.

The content goes to a temporary file in the *target* folder (so the final rename stays on one file
system), is flushed and fsynced, then `os.replace`d over the target, and the folder is fsynced so the
rename itself survives a power cut. Any exception removes the temporary file. A process killed with
SIGKILL cannot clean up: its temporary file (named `.<target>.<random>.xlrubric-tmp`) is left, but the
target is intact; `remove_stale_temps` tidies them.

Deferred durability (`deferred_sync`, the county batch's workers): inside it every atomic write is still a
temporary file + `os.replace` — a crash or kill of the process leaves the old file or the new one, never half —
but its two fsyncs are skipped and the target's path is collected instead; whoever opened the block must
`sync_paths` them before promising anything about those files. Only after a power cut (or kernel crash) before
that sync can such a target be empty or old. The batch hands the paths to its parent, which fsyncs them on a
background thread and only then records the school in its manifest (batch/durable.py): a school whose line is
missing, or whose output no longer has the recorded hash, is computed again by the next run.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from xlrubric.errors import OutputError

TMP_SUFFIX = ".xlrubric-tmp"
MAX_NAME_BYTES = 200           # well under the 255-byte limit of ext4/NTFS, leaves room for ".bak" names
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


# The targets written inside `deferred_sync()` in this context (thread/task); None outside one.
_DEFERRED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("xlrubric_deferred_sync", default=None)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def deferred_sync() -> Iterator[list[str]]:
    """Within the block, atomic writes skip their fsyncs; yields the list their targets are added to (str paths,
    in write order). The caller owes `sync_paths(list)` before it records those files as done (module docstring)."""
    paths: list[str] = []
    token = _DEFERRED.set(paths)
    try:
        yield paths
    finally:
        _DEFERRED.reset(token)


def sync_paths(paths: list[str]) -> None:
    """fsync each file, then each of their folders once (the renames): what `atomic_output` skipped in a
    `deferred_sync()` block. A file or folder gone since is skipped — nothing of it is left to make durable (an
    encrypted output's private temporary folder, removed once the sealed copy was written); any other OSError
    (EIO: the data never reached the disk) is raised."""
    folders: dict[str, None] = {}
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            continue
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        folders[os.path.dirname(path)] = None
    for folder in folders:
        with contextlib.suppress(FileNotFoundError):
            _fsync_dir(Path(folder))


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it atomically becomes `dst`, on an exception it vanishes.

    Inside `deferred_sync()` the fsyncs are left to its opener (module docstring)."""
    dst = Path(dst)
    deferred = _DEFERRED.get()
    folder = dst.parent
    if not folder.is_dir():
        raise OutputError(f"输出文件夹不存在：{folder}", file=dst.name,
                          hint="请先创建该文件夹，或换一个输出位置。")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name[:80]}.", suffix=TMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(f"无法在文件夹 {folder} 中写入（{exc.strerror}）。", file=dst.name,
                          hint="请检查文件夹权限，或换一个输出位置。") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if deferred is None:
                os.fsync(f.fileno())
        if dst.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, dst.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)      # mkstemp makes 0600; an output is meant to be shared
        os.replace(tmp, dst)
        if deferred is None:
            _fsync_dir(folder)
        else:
            deferred.append(os.fspath(dst))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"写入失败（{exc.strerror or exc}），原有文件未改动。", file=dst.name,
                              hint="请检查磁盘空间与文件是否被其他程序（如 Excel）占用。") from exc
        raise


def write_atomic(dst: Path, write: Callable[[BinaryIO], None], *, backup: bool = False) -> Path | None:
    """Run `write` into `dst` atomically; with `backup`, first copy an existing `dst` aside.

    Returns the backup's path when one was made (the `--in-place` case).
    """
    dst = Path(dst)
    made = backup_copy(dst) if backup and dst.exists() else None
    with atomic_output(dst) as f:
        write(f)
    return made


def backup_copy(path: Path, now: datetime | None = None) -> Path:
    """Copy `path` to `<name>.<YYYY-MM-DDTHHMMSS>.bak<suffix>` beside it (atomically, never overwriting)."""
    path = Path(path)
    stamp = (now or datetime.now()).strftime("%Y-%m-%dT%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak{path.suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak{path.suffix}")
    with atomic_output(target) as f, open(path, "rb") as src:
        shutil.copyfileobj(src, f, 1024 * 1024)
    shutil.copystat(path, target)
    return target


def safe_output_name(folder: Path, name: str, *, default: str = "工作簿.xlsx") -> Path:
    """A path inside `folder` for a file named after user data (a school's name), whatever it contains.

    Path separators, `..`, control and Windows-forbidden characters are replaced, reserved device names
    (CON, NUL, COM1 …) are prefixed, trailing dots and spaces dropped, and the name is cut to a length
    every file system accepts, keeping its extension.
    """
    folder = Path(folder)
    name = name or ""
    if len(name) > 4 * MAX_NAME_BYTES:          # the result keeps ≤ MAX_NAME_BYTES: cut first, then O(1) work
        head, dot, ext = name.rpartition(".")
        name = head[:2 * MAX_NAME_BYTES] + dot + ext if dot and len(ext) <= 8 else name[:2 * MAX_NAME_BYTES]
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", name).strip().strip(".").rstrip(" ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 8 or not ext.isalnum():
        stem, ext = name, ""
    stem = re.sub(r"_{2,}", "_", stem.replace("..", "_")).strip(" ._") or Path(default).stem
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    limit = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    stem = stem[:limit]                          # every character takes ≥ 1 byte: the loop below is O(limit²)
    while len(stem.encode("utf-8", "surrogatepass")) > limit:
        stem = stem[:-1]
    stem = stem.rstrip(" .") or "_"
    result = folder / (stem + suffix)
    if result.resolve().parent != folder.resolve():
        raise OutputError(f"文件名「{name}」不安全。", hint="请改用只含文字、数字的文件名。")
    return result


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files a killed run left in `folder`; return what was removed."""
    removed = []
    for p in Path(folder).glob(f".*{TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed
