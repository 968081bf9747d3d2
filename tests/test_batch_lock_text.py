"""Verify the refusal names the batch holding OUTDIR even when it is refused in the moment between the holder
taking the lock and writing who it is (seen under load: the second run printed only 「它刚刚开始」)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from xlrubric.batch.lock import _holder


def test_holder_text_written_just_after_the_check_is_still_named(tmp_path: Path) -> None:
    lock = tmp_path / "batch.lock"
    lock.write_text("", encoding="utf-8")                   # locked, text not yet written
    info = {"pid": 4242, "host": "县教研室", "started": "2026-12-02T00:40:00"}
    writer = threading.Timer(0.3, lambda: lock.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8"))
    writer.start()
    try:
        said = _holder(lock)
    finally:
        writer.join()
    assert said == "进程 4242，主机 县教研室，开始于 2026-12-02 00:40:00"


def test_holder_that_never_writes_is_just_starting_after_a_short_wait(tmp_path: Path) -> None:
    lock = tmp_path / "batch.lock"
    lock.write_text('{"pid": 42', encoding="utf-8")         # half written, and it stays so
    began = time.monotonic()
    assert _holder(lock, wait=0.4) == "它刚刚开始"
    assert 0.4 <= time.monotonic() - began < 2.0
