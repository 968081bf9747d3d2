"""The cycle collector is paused for one computation and left as the caller had it (issue 16).

`compute_file` and `compute_book` run under `pipeline.quiet.quiet_gc`: no collection runs inside them (a
collection there walks the workbook's cells and the modules and finds nearly nothing), and afterwards the
collector is on again exactly when it was on before, even when the computation raises.
"""

from __future__ import annotations

import gc
import shutil
import sys
from pathlib import Path

import pytest

from xlrubric.errors import MissingSheet
from xlrubric.pipeline.quiet import quiet_gc
from xlrubric.process import compute_file

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


INSIDE = frozenset({"_compute_file", "_compute_book"})


def _inside() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in INSIDE:
            return True
        frame = frame.f_back
    return False


@pytest.fixture
def collections():
    """Collections started while the test runs: True for one started inside a computation."""
    runs: list[bool] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            runs.append(_inside())

    gc.callbacks.append(seen)
    yield runs
    gc.callbacks.remove(seen)


def test_no_collection_inside_compute_file(tmp_path: Path, collections: list[bool]):
    before = gc.get_threshold()
    gc.set_threshold(50, 1000, 1000)    # young collections every 50 new containers, if the collector were on
    try:
        assert gc.isenabled()
        compute_file(SAMPLES / "lanxi4.xlsx", tmp_path / "out.xlsx", preset="lanxi4")
        assert not any(collections)
        assert gc.isenabled()
        del collections[:]
        [[] for _ in range(200)]      # resumed: new containers are collected again
        assert collections
    finally:
        gc.set_threshold(*before)


def test_collector_restored_after_an_error(tmp_path: Path):
    stray = tmp_path / "别的.xlsx"
    shutil.copy(SAMPLES / "lanxi4.xlsx", stray)
    empty = tmp_path / "空.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(empty))
    wb.add_worksheet("别的表").write(0, 0, "x")
    wb.close()
    assert gc.isenabled()
    with pytest.raises(MissingSheet):
        compute_file(empty, tmp_path / "out.xlsx", preset="lanxi4")
    assert gc.isenabled()


def test_caller_who_disabled_the_collector_keeps_it_off(tmp_path: Path):
    gc.disable()
    try:
        with quiet_gc():
            with quiet_gc():
                assert not gc.isenabled()
            assert not gc.isenabled()
        compute_file(SAMPLES / "lanxi4.xlsx", tmp_path / "out.xlsx", preset="lanxi4")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_blocks_resume_only_at_the_outermost():
    assert gc.isenabled()
    with quiet_gc():
        with quiet_gc():
            pass
        assert not gc.isenabled()           # the inner block does not turn it back on
    assert gc.isenabled()
