"""Verify the 考核细则 sheet carries 学时/要求 as director-friendly rows: every preset round-trips through a real
workbook, a director's edit of one cell changes the result, and a bad cell is named in the error."""

from __future__ import annotations

import pytest
import test_hours_baiwanzi as bwz  # noqa: I001
from hours_books import compute, table, write_book
from openpyxl import load_workbook

from xlrubric.errors import RulesError
from xlrubric.readers.workbook import open_workbook
from xlrubric.spec.load import load_preset, preset_ids
from xlrubric.spec.sheet import RULES_SHEET, spec_from_book, spec_to_rows


def with_rules(path, spec, edit=None):
    """Add a 考核细则 sheet for `spec` to the workbook at `path`, optionally editing a cell first."""
    wb = load_workbook(path)
    ws = wb.create_sheet(RULES_SHEET)
    for row in spec_to_rows(spec):
        ws.append(row)
    if edit:
        edit(ws)
    wb.save(path)
    return path


@pytest.mark.parametrize("preset", preset_ids())
def test_round_trip_through_workbook(preset, tmp_path):
    """Verify spec → 考核细则 sheet → .xlsx → calamine → spec is the identity, with no YAML in any cell."""
    spec = load_preset(preset)
    path = with_rules(write_book(tmp_path / "r.xlsx", [], []), spec)
    assert spec_from_book(open_workbook(path)) == spec
    cells = [c.value for row in load_workbook(path)[RULES_SHEET].iter_rows() for c in row if c.value]
    assert not any(isinstance(v, str) and v.startswith(("rules:", "- id:")) for v in cells)


def _row_of(ws, category, name):
    return next(r for r in ws.iter_rows(min_row=2) if r[0].value == category and r[1].value == name)


def test_director_edits_a_row(tmp_path):
    """Verify changing 每学年学时 from 40 to 36 in the sheet changes 学年达标 (T05 has 16, T01 59)."""
    spec = load_preset("baiwanzi")

    def edit(ws):
        _row_of(ws, "学时要求", "每学年学时")[4].value = 36

    path = with_rules(write_book(tmp_path / "e.xlsx", bwz.ROSTER, bwz.REGISTER), spec, edit)
    own = spec_from_book(open_workbook(path))
    assert next(t for t in own.hours.targets if t.id == "per_year").hours == 36
    rows = {(x["工号"], x["学年"]): x for x in table(compute(path, own), "学时汇总")}
    assert rows[("T01", "2023-2024学年")]["学年要求"] == "≥36"


def test_bad_cell_is_named(tmp_path):
    """Verify an unreadable 分值 in a 学时 row is reported on its cell."""
    spec = load_preset("baiwanzi")

    def edit(ws):
        _row_of(ws, "学时", "公开课")[4].value = "四学时左右"

    path = with_rules(write_book(tmp_path / "b.xlsx", [], []), spec, edit)
    with pytest.raises(RulesError) as exc:
        spec_from_book(open_workbook(path))
    assert exc.value.cell and exc.value.cell.startswith("E")
