"""Record each finished school in the manifest only once its files are on disk, without the workers waiting for it.

A school's two files (its result workbook and its problems side file) are written by the worker atomically —
temporary file + `os.replace`, so a kill leaves the old file or the new one — but without fsync
(`Task.sync_in_parent`, `atomic.deferred_sync`): four fsyncs per school cost a worker 0–16 ms of idle wall time
here and 10–30 ms each on a county PC's hard disk, time in which it could compute the next school. This
recorder does them instead, on one background thread of the batch process, while both workers go on computing:

    for each outcome, in the order the batch receives them:
        fsync the school's files, then their folders (`atomic.sync_paths`)   — only then
        append the school's manifest line (`Manifest.append`)

The guarantee is the one the manifest always gave: **a school with a manifest line has its output and side file on
disk with the recorded hash.** A power cut before the fsync returned leaves that school without a new line (its
files may be empty or old): the next run finds no entry, or an entry whose output hash no longer matches, and
computes the school again. A kill of the batch process alone (Ctrl-C, `kill -9`) loses nothing written: the
files are complete in the page cache and are either recorded or redone.

One thread and FIFO order keep the manifest lines in completion order and the manifest's file handle used by
one thread at a time. A failure there (a full disk while appending, EIO on fsync) is raised in the batch's own
thread at the next outcome or at `close()`, as a write in the loop would have been.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from xlrubric.atomic import sync_paths
from xlrubric.batch.manifest import Manifest
from xlrubric.batch.worker import Outcome


class Recorder:
    """Sync, then append — in the background, in order; `close()` waits for every outcome handed in."""

    def __init__(self, manifest: Manifest, saving: Callable[[Callable[[], None]], None]) -> None:
        self._manifest = manifest
        self._saving = saving              # turns an OSError into the batch's Chinese BatchError
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlrubric-manifest")
        self._pending: list[Future] = []

    def add(self, outcome: Outcome) -> None:
        """Queue `outcome`: its files synced, then its line appended. Raises an earlier outcome's failure."""
        self._raise_failed()
        self._pending.append(self._thread.submit(self._settle, outcome))

    def _settle(self, outcome: Outcome) -> None:
        if outcome.unsynced:
            self._saving(lambda: sync_paths(list(outcome.unsynced)))
        self._saving(lambda: self._manifest.append(outcome.entry))

    def _raise_failed(self) -> None:
        still = []
        for fut in self._pending:
            if not fut.done():
                still.append(fut)
            elif fut.exception() is not None:
                raise fut.exception()
        self._pending = still

    def close(self) -> None:
        """Wait until every outcome handed in is synced and recorded (also after Ctrl-C: what finished is kept);
        then raise the first failure, if any."""
        self._thread.shutdown(wait=True)
        self._raise_failed()
