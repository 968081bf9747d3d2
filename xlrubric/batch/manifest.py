"""The batch manifest: what was done to each input, so a re-run skips, redoes or finishes work, and the
mail step knows exactly which outputs are current.

`OUTDIR/xlrubric-manifest.jsonl`, JSON lines: a header line (format, program version, rules, what discovery
left out), then one line per finished workbook. A batch appends one line per school as it finishes, so
recording costs the same at the 20,000th school as at the first (the earlier format rewrote the whole file
each time, quadratic in N). Loading replays the lines, the last line for a key winning; `save()` writes the
compacted file (header + one line per entry) atomically, which the batch does once at its start.

Atomicity: each line is one `write()` of complete JSON ending in a newline, flushed before the next school is
handed out. A kill at any moment leaves at most a torn last line, which `load_manifest` ignores (that school
is simply redone: its output is written atomically, so it is complete or absent). A line is never split
by a newline inside it: JSON escapes those; reading splits on b"\\n" only (not on U+2028).
Durability: appends are fdatasync'ed at most every `SYNC_EVERY` seconds and at the end (a power cut can cost
the records of the last second, never a record's correctness); `save()` is fsynced like every output.

An entry is current when the input's content hash, the rules' hash and the program version all match and its
output still has the recorded hash. A manifest of the earlier single-JSON format (`xlrubric-manifest.json`)
is read, and replaced by the JSON-lines file at the next batch.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlrubric import __version__
from xlrubric.safetext import json_bytes

MANIFEST_NAME = "xlrubric-manifest.jsonl"
LEGACY_NAME = "xlrubric-manifest.json"        # format 1: one JSON object, rewritten whole
FORMAT = 2
SYNC_EVERY = 1.0


def is_batch_output(folder: Path) -> bool:
    """True when `folder` holds a batch manifest (of either format): its workbooks are results, not inputs."""
    return (folder / MANIFEST_NAME).exists() or (folder / LEGACY_NAME).exists()


def file_sha256(path: Path) -> str:
    """SHA-256 of a regular file; anything else (a FIFO swapped in after discovery) is an OSError, not a hang."""
    h = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)),
                   "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件", str(path))
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Entry:
    input: str                          # input path relative to the batch's DIR (posix)
    input_sha256: str
    rules_hash: str
    program_version: str
    status: str                         # ok / problems / unreadable
    output: str | None = None           # output path relative to OUTDIR (posix)
    output_sha256: str | None = None
    message: str | None = None          # Chinese message when unreadable
    summary: dict[str, Any] = field(default_factory=dict)   # Results.summary (school, email, term, bands …)
    finished_at: str = ""

    def is_current(self, input_sha256: str, rules_hash: str, outdir: Path) -> bool:
        if (self.input_sha256, self.rules_hash, self.program_version) != (input_sha256, rules_hash, __version__):
            return False
        if self.output is None:
            return self.status == "unreadable"
        out = outdir / self.output
        return out.exists() and file_sha256(out) == self.output_sha256


@dataclass
class Manifest:
    outdir: Path
    rules: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    program_version: str = __version__
    left_out: list[str] = field(default_factory=list)     # what discovery skipped, and why (for 县汇总)
    _log: Any = field(default=None, repr=False, compare=False)       # the open append handle
    _synced: float = field(default=0.0, repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.outdir / MANIFEST_NAME

    def _header(self) -> bytes:
        return _line({"format": FORMAT, "program_version": self.program_version, "rules": self.rules,
                      "left_out": self.left_out})

    def save(self) -> None:
        """Write the compacted manifest atomically (header + one line per entry); appends go on after it."""
        from xlrubric.atomic import write_atomic

        self.close()

        def write(f) -> None:
            f.write(self._header())
            for key in sorted(self.entries):
                f.write(_line({"entry": vars(self.entries[key])}))

        write_atomic(self.path, write)
        legacy = self.outdir / LEGACY_NAME
        if legacy.exists():
            legacy.unlink()

    def record(self, entry: Entry) -> None:
        entry.finished_at = entry.finished_at or dt.datetime.now().isoformat(timespec="seconds")
        self.entries[entry.input] = entry

    def append(self, entry: Entry) -> None:
        """Record `entry` and add its line to the file (after a `save()`): constant time whatever N is."""
        self.record(entry)
        if self._log is None:
            self._log = open(self.path, "ab")  # noqa: SIM115 — held for the run, closed by close()
            self._synced = time.monotonic()
        self._log.write(_line({"entry": vars(entry)}))
        self._log.flush()                      # in the kernel now: a kill of this process loses nothing
        if time.monotonic() - self._synced >= SYNC_EVERY:
            self.sync()

    def sync(self) -> None:
        if self._log is not None:
            os.fdatasync(self._log.fileno()) if hasattr(os, "fdatasync") else os.fsync(self._log.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        if self._log is not None:
            try:
                self.sync()
            finally:
                self._log.close()
                self._log = None


def _line(value: dict[str, Any]) -> bytes:
    return json_bytes(value, separators=(",", ":")) + b"\n"   # keys keep undecodable file-name bytes exactly


def load_manifest(outdir: Path) -> Manifest:
    """The manifest in OUTDIR, or an empty one when there is none yet (or it is unreadable).

    Lines are replayed in order, the last one for an input winning; a line that is not complete JSON (a
    torn last line after a kill) is skipped. Read-only: the batch compacts with `save()`.
    """
    manifest = Manifest(outdir)
    try:
        data = (outdir / MANIFEST_NAME).read_bytes()
    except OSError:
        return _load_legacy(manifest)
    lines = iter(data.split(b"\n"))
    head = _parse(next(lines, b""))
    if head is None or head.get("format") != FORMAT:
        return manifest
    _header_into(manifest, head)
    for raw in lines:
        item = _parse(raw)
        if item is None:
            continue
        if isinstance(item.get("entry"), dict):
            _entry_into(manifest, item["entry"])
    return manifest


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        item = json.loads(raw)
    except ValueError:
        return None
    return item if isinstance(item, dict) else None


def _header_into(manifest: Manifest, head: dict[str, Any]) -> None:
    manifest.rules = head.get("rules", {}) if isinstance(head.get("rules"), dict) else {}
    manifest.program_version = str(head.get("program_version", ""))
    manifest.left_out = [str(n) for n in head.get("left_out", []) if isinstance(n, str)]


def _entry_into(manifest: Manifest, raw: dict[str, Any]) -> None:
    try:
        entry = Entry(**raw)
    except TypeError:
        return
    manifest.entries[entry.input] = entry


def _load_legacy(manifest: Manifest) -> Manifest:
    """Format 1 (one JSON object), as batches before the JSON-lines manifest left it."""
    try:
        data = json.loads((manifest.outdir / LEGACY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return manifest
    if not isinstance(data, dict) or data.get("format") != 1:
        return manifest
    _header_into(manifest, data)
    for raw in (data.get("entries") or {}).values():
        if isinstance(raw, dict):
            _entry_into(manifest, raw)
    return manifest
