"""The batch manifest: what was done to each input, so a re-run skips, redoes or finishes work, and the
mail step knows exactly which outputs are current.

One JSON file, `OUTDIR/xlrubric-manifest.json`, replaced atomically after every finished workbook: a
kill at any moment leaves the previous complete manifest. An entry is current when the input's content
hash, the rules' hash and the program version all match and its output still has the recorded hash.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xlrubric import __version__
from xlrubric.safetext import json_bytes

MANIFEST_NAME = "xlrubric-manifest.json"
FORMAT = 1


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

    @property
    def path(self) -> Path:
        return self.outdir / MANIFEST_NAME

    def save(self) -> None:
        from xlrubric.writers.output import write_bytes

        body = {"format": FORMAT, "program_version": self.program_version, "rules": self.rules,
                "left_out": self.left_out, "entries": {k: asdict(v) for k, v in sorted(self.entries.items())}}
        write_bytes(self.path, json_bytes(body, indent=1))     # keys keep undecodable file-name bytes exactly

    def record(self, entry: Entry) -> None:
        entry.finished_at = entry.finished_at or dt.datetime.now().isoformat(timespec="seconds")
        self.entries[entry.input] = entry


def load_manifest(outdir: Path) -> Manifest:
    """The manifest in OUTDIR, or an empty one when there is none yet (or it is unreadable)."""
    path = outdir / MANIFEST_NAME
    manifest = Manifest(outdir)
    if not path.exists():
        return manifest
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return manifest
    if data.get("format") != FORMAT:
        return manifest
    manifest.rules = data.get("rules", {})
    manifest.program_version = data.get("program_version", "")
    manifest.left_out = [str(n) for n in data.get("left_out", []) if isinstance(n, str)]
    for key, raw in data.get("entries", {}).items():
        try:
            manifest.entries[key] = Entry(**raw)
        except TypeError:
            continue
    return manifest
