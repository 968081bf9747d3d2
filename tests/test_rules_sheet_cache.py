"""Verify the parsed-rules cache of the 考核细则 sheet: the same rows give an equal Spec, any changed cell (value
or type) misses, a caller's changes never reach the cache, a bad sheet raises its error every time, and the cache
stays bounded."""

from __future__ import annotations

import pytest

from xlrubric.errors import RulesError
from xlrubric.readers.raw import RawSheet
from xlrubric.spec import sheet as rules_sheet
from xlrubric.spec.load import load_preset
from xlrubric.spec.sheet import RULES_SHEET, spec_from_sheet, spec_to_rows


def _sheet(rows) -> RawSheet:
    return RawSheet(RULES_SHEET, [list(r) for r in rows], [])


def _row(rows, category, name) -> int:
    return next(i for i, r in enumerate(rows) if r[0] == category and r[1] == name)


@pytest.fixture(autouse=True)
def _empty_cache():
    rules_sheet._SPEC_CACHE.clear()
    yield
    rules_sheet._SPEC_CACHE.clear()


def test_same_rows_equal_spec_and_fresh_copies():
    """Two books with the same sheet get equal specs that are separate objects; editing one (as --policy does)
    changes neither the other nor what the next book gets."""
    rows = spec_to_rows(load_preset("lanxi4"))
    first = spec_from_sheet(_sheet(rows), origin="a.xlsx")
    second = spec_from_sheet(_sheet(rows), origin="b.xlsx")
    assert first == second == load_preset("lanxi4")
    assert len(rules_sheet._SPEC_CACHE) == 1                  # the second was a hit
    assert first is not second and first.policies[0] is not second.policies[0]
    old = second.policies[0].choice
    first.policies[0].choice = "changed by a caller"
    first.rubric.items[0].deductions[0].points = 99.0
    third = spec_from_sheet(_sheet(rows), origin="c.xlsx")
    assert second.policies[0].choice == third.policies[0].choice == old
    assert third == second


@pytest.mark.parametrize("new", ["3.5", 3, 3.0, True, " 3"])
def test_any_changed_cell_misses(new):
    """A changed 分值 (text, int, float, bool, a leading space: values Python calls equal included) is parsed anew."""
    rows = spec_to_rows(load_preset("lanxi4"))
    base = spec_from_sheet(_sheet(rows))
    r = _row(rows, "扣分", base.rubric.items[0].deductions[0].event)
    edited = [list(x) for x in rows]
    edited[r][4] = new
    spec_from_sheet(_sheet(edited))
    assert len(rules_sheet._SPEC_CACHE) == 2
    # 3 and True are the same number to the rules, but the cells differ, so both are separate entries
    spec_from_sheet(_sheet(rows))
    assert len(rules_sheet._SPEC_CACHE) == 2


def test_cells_python_calls_equal_are_told_apart():
    """1 and True are equal as dictionary keys, yet the cells differ: 细则名称 1 reads as "1", True as "True"
    (cell_text), so a cache keyed on the values themselves would hand the second book the first one's name."""
    rows = spec_to_rows(load_preset("lanxi4"))
    at = _row(rows, "设置", "细则名称")
    names = []
    for value in (1, True, 1.0):
        edited = [list(x) for x in rows]
        edited[at][6] = value
        names.append(spec_from_sheet(_sheet(edited)).name)
    assert names == ["1", "True", "1"]


def test_changed_points_change_the_spec():
    """A hit must not hand back the old rules: 分值 2 → 3.5 on the first 扣分 row gives points 3.5."""
    rows = spec_to_rows(load_preset("lanxi4"))
    spec_from_sheet(_sheet(rows))
    event = load_preset("lanxi4").rubric.items[0].deductions[0].event
    edited = [list(x) for x in rows]
    edited[_row(rows, "扣分", event)][4] = 3.5
    assert spec_from_sheet(_sheet(edited)).rubric.items[0].deductions[0].points == 3.5
    assert spec_from_sheet(_sheet(rows)).rubric.items[0].deductions[0].points == \
        load_preset("lanxi4").rubric.items[0].deductions[0].points


def test_bad_sheet_raises_every_time_naming_the_file():
    """A sheet with a mistake is never cached: each book gets its own error, naming its own file and cell."""
    rows = [list(r) for r in spec_to_rows(load_preset("lanxi4"))]
    r = _row(rows, "项目", load_preset("lanxi4").rubric.items[0].name)
    rows[r][4] = "很多"
    for name in ("a.xlsx", "b.xlsx"):
        with pytest.raises(RulesError) as err:
            spec_from_sheet(_sheet(rows), origin=name)
        assert err.value.file == name and err.value.cell == f"E{r + 1}"
    assert rules_sheet._SPEC_CACHE == {}


def test_bounded():
    """More distinct sheets than the cache holds: the oldest go, the size never passes the bound."""
    rows = spec_to_rows(load_preset("lanxi4"))
    at = _row(rows, "设置", "细则名称")
    for k in range(rules_sheet.SPEC_CACHE_SIZE + 5):
        edited = [list(x) for x in rows]
        edited[at][6] = f"细则{k}"
        assert spec_from_sheet(_sheet(edited)).name == f"细则{k}"
        assert len(rules_sheet._SPEC_CACHE) <= rules_sheet.SPEC_CACHE_SIZE
