"""Resumable and incremental batches: skip what is current, redo what changed, survive `kill -9`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from batchbooks import LANXI4_TEACHERS, make_county, outputs, school_book
from python_calamine import CalamineWorkbook
from sample_schools import School, school_workbook

from xlrubric.atomic import TMP_SUFFIX
from xlrubric.batch.manifest import MANIFEST_NAME, load_manifest
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.spec.load import load_preset


def test_rerun_skips_current_and_redoes_changed(tmp_path: Path):
    """Verify a re-run skips everything current, then redoes only a changed input and a deleted output."""
    src, out = make_county(tmp_path / "县域"), tmp_path / "结果"
    first = run_batch(BatchOptions(src, out, workers=1))
    assert len(first.done) == 4
    again = run_batch(BatchOptions(src, out, workers=1))
    assert (len(again.done), len(again.skipped)) == (0, 4)
    # A school sends a corrected file: L05 no longer missed the essay → 50 − 4×0.5 = 48.
    teachers = [*LANXI4_TEACHERS[:4], ("L05", "陈静", {"迟到间缺早退次数": 4})]
    school_book(src / "兰西镇" / "兰西四中.xlsx", "lanxi4", "兰西四中", teachers)
    (out / "星火乡" / "中心小学.xlsx").unlink()
    third = run_batch(BatchOptions(src, out, workers=1))
    assert sorted(o.entry.input for o in third.done) == ["兰西镇/兰西四中.xlsx", "星火乡/中心小学.xlsx"]
    assert sorted(third.manifest.entries["兰西镇/兰西四中.xlsx"].summary["totals"]) == [40, 47, 48, 49, 50]
    # Other rules on the command line change the rules' hash: everything is redone.
    fourth = run_batch(BatchOptions(src, out, workers=1, preset="lanxi4"))
    assert len(fourth.done) == 4


def test_removed_input_leaves_the_manifest(tmp_path: Path):
    """Verify an input that disappeared is dropped from the manifest (so it is not mailed)."""
    src, out = make_county(tmp_path / "县域"), tmp_path / "结果"
    run_batch(BatchOptions(src, out, workers=1))
    (src / "榆林镇" / "中心小学.xlsx").unlink()
    run = run_batch(BatchOptions(src, out, workers=1))
    assert "榆林镇/中心小学.xlsx" not in load_manifest(out).entries
    assert any("已不存在" in n for n in run.notes)


def test_stale_temp_files_are_removed_on_start(tmp_path: Path):
    """Verify temp files a killed run left (ours only) are removed when the next run starts."""
    src, out = make_county(tmp_path / "县域"), tmp_path / "结果"
    (out / "兰西镇" / "tmpab12cd34").mkdir(parents=True)
    (out / "兰西镇" / "tmpab12cd34" / "out.xlsx").write_bytes(b"half")
    (out / "兰西镇" / f".兰西四中.xlsx.k2j3{TMP_SUFFIX}").write_bytes(b"half")
    (out / "tmp_notes").mkdir()
    (out / "tmp_notes" / "备忘.txt").write_text("not ours")
    run = run_batch(BatchOptions(src, out, workers=1))
    assert run.removed_temps == 2
    assert not list(out.rglob(f"*{TMP_SUFFIX}")) and not (out / "兰西镇" / "tmpab12cd34").exists()
    assert (out / "tmp_notes" / "备忘.txt").exists()


def _busy_county(root: Path, n: int) -> Path:
    """Schools big enough (a 签到登记 to derive from) that a batch takes a few seconds."""
    for i in range(n):
        preset = ("lanxi4", "xinghuo")[i % 2]
        data = school_workbook(load_preset(preset), School(f"第{i + 1}学校", preset, 60, 1500, seed=i))
        path = root / f"乡{i % 3}" / f"第{i + 1}学校.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_kill_9_mid_batch_then_rerun_finishes_with_no_partial_output(tmp_path: Path):
    """Verify SIGKILL in the middle of a batch leaves only complete outputs, and a re-run finishes the rest
    with the same results as an uninterrupted run."""
    src, out, clean = _busy_county(tmp_path / "县域", 10), tmp_path / "结果", tmp_path / "一次完成"
    proc = subprocess.Popen([sys.executable, "-m", "xlrubric", "batch", str(src), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / MANIFEST_NAME
    deadline = time.monotonic() + 60
    recorded: dict = {}
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists():
            recorded = load_manifest(out).entries    # whole lines only: a torn last line is skipped
            if len(recorded) >= 2:
                break
        time.sleep(0.02)
    time.sleep(0.07)                   # land somewhere inside the next file
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    recorded = load_manifest(out).entries
    assert 2 <= len(recorded) < 10, "the batch finished before it could be killed"
    for path in out.rglob("*.xlsx"):   # every output present is a complete workbook
        if not path.name.startswith("."):
            assert "校验问题" in CalamineWorkbook.from_path(str(path)).sheet_names
    rerun = run_batch(BatchOptions(src, out, workers=1))
    assert len(rerun.skipped) == len(recorded) and len(rerun.done) == 10 - len(recorded)
    failed = [f"{e.input}: {e.message}" for e in rerun.entries if e.status == "unreadable"]
    assert not failed, failed[0]            # every school really computed (not quickly refused)
    assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX) or p.name.startswith("tmp")]
    run_batch(BatchOptions(src, clean, workers=2))
    assert outputs(out) == outputs(clean)
