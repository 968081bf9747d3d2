"""Verify the 计算考核 button's Python side with real xlwings: the remote engine runs the adapter on a
payload built like Excel's client builds it, and we check the actions it answers with.

Expected scores are worked out by hand from seed 003 (兰西四中), see LANXI4_TEACHERS.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_addin_support import (
    apply_actions,
    lanxi4_book,
    payload_from_file,
    payload_from_grids,
    read_grids,
    run_button,
    xlwings_remote,
)

from xlrubric.adapters.excel import FILLS, cell_out
from xlrubric.process import compute_file

STATUS = "计算状态"
# Result sheets the rubric part always writes; parts being added (学时汇总, 达标情况) may add more.
RESULT_SHEETS = ["考核结果", "扣分明细", "校验问题"]
OURS = {*RESULT_SHEETS, "学时汇总", "达标情况", STATUS}


@pytest.fixture(name="xw")
def fixture_xw(monkeypatch: pytest.MonkeyPatch):
    return xlwings_remote(monkeypatch)


@pytest.fixture(name="book_path")
def fixture_book_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The remote engine cannot report merged cells; the adapter then reads them from the saved file,
    # found by the book's name as Excel's client sends it (relative to the working folder here).
    monkeypatch.chdir(tmp_path)
    return lanxi4_book(tmp_path)


def sheet_names_at(payload: dict, actions: list[dict]) -> list[str | None]:
    """For each action, the name of the sheet it targets (None for book-level actions)."""
    names = [s["name"] for s in payload["sheets"]]
    out = []
    for a in actions:
        if a["func"] == "addSheet":
            names.insert(a["args"][0], a["args"][1])
            out.append(None)
        else:
            out.append(None if a["sheet_position"] is None else names[a["sheet_position"]])
    return out


def values_of(payload: dict, name: str) -> list[list]:
    return next(s["values"] for s in payload["sheets"] if s["name"] == name)


def record_cell(payload: dict, event: str, teacher: int) -> tuple[int, int, str]:
    """(row0, col0, A1) of `event` for the teacher-th teacher in 考核记录 (data starts on row 4)."""
    from test_addin_support import a1

    col = values_of(payload, "考核记录")[2].index(event)
    return 3 + teacher, col, a1(3 + teacher, col)


def counts_of(results) -> str:
    c = {s: sum(1 for p in results.problems if p.severity == s) for s in ("错误", "警告", "提示")}
    return f"错误 {c['错误']}，警告 {c['警告']}，提示 {c['提示']}"


def test_button_writes_results_marks_and_status(xw, book_path: Path):
    """Verify hand-computed scores, text kept as text, problem cells coloured and a status sheet."""
    payload = payload_from_file(book_path)
    results, actions = run_button(xw, payload)
    assert results is not None
    added = [a["args"][1] for a in actions if a["func"] == "addSheet"]
    assert added == [*(t.name for t in results.tables), STATUS]
    assert added[0] == "考核结果" and added[-2] == "校验问题" and set(added) <= OURS
    applied = apply_actions(payload, actions)
    scores = {r[1]: r for r in values_of(applied.payload, "考核结果")[1:]}
    header = values_of(applied.payload, "考核结果")[0]
    col = {h: i for i, h in enumerate(header)}
    assert header[:2] == ["工号", "姓名"]
    assert scores["张丽"][col["参与情况（5分）"]] == 4.5
    assert scores["王强"][col["参与情况（5分）"]] == 2
    assert scores["=李娜"][col["心得体会（10分）"]] == "待核实" and scores["=李娜"][col["教学反思（10分）"]] == 9
    assert {n: r[col["总分（50分）"]] for n, r in scores.items()} == {"张丽": 49.5, "王强": 47, "=李娜": "待核实"}
    # 40% of 3 participants → one 优秀 (39.6 on the 40-point scale); 37.6 would be 优秀 but the quota is full;
    # 李娜's total is 待核实, so she has no 等次 yet (policy pending_scores=hold).
    assert {n: r[col["等次"]] for n, r in scores.items()} == {"张丽": "优秀", "王强": "良好", "=李娜": "待核实"}
    # The name "=李娜" goes out with Excel's text prefix, never as a formula.
    written = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert "'=李娜" in written and "=李娜" not in written
    # Problem cells: 考核记录 row 4 = T01 … row 6 = T03 (J6 = T03's −1, H5 = T02's "3次").
    assert applied.colors[("考核记录", record_cell(payload, "心得体会缺项数", 2)[2])] == FILLS["错误"]
    assert applied.colors[("考核记录", record_cell(payload, "缺席研修活动次数", 1)[2])] == FILLS["警告"]
    status = values_of(applied.payload, STATUS)
    assert status[1][0] == "状态" and "2025-06-01 10:30 计算完成" in status[1][1]
    assert "工作簿中的考核细则表" in status[1][1] and counts_of(results) in status[1][1]
    assert [m for m, _ in applied.alerts] == ["info"] and "计算完成" in applied.alerts[0][1]


def test_school_sheets_get_only_colours(xw, book_path: Path):
    """Verify the only actions on the school's own sheets are fills of problem cells."""
    payload = payload_from_file(book_path)
    _, actions = run_button(xw, payload)
    for a, name in zip(actions, sheet_names_at(payload, actions), strict=True):
        if name is not None and name not in OURS:
            assert a["func"] == "setRangeColor" and a["row_count"] == a["column_count"] == 1, (name, a)


def test_same_values_as_compute(xw, book_path: Path, tmp_path: Path):
    """Verify every result sheet holds the same values, cell by cell, as `xlrubric compute` writes."""
    payload = payload_from_file(book_path)
    results, actions = run_button(xw, payload)
    applied = apply_actions(payload, actions)
    _, out = compute_file(book_path, tmp_path / "out.xlsx")
    filed = read_grids(out)
    computed = [n for n in filed if n not in read_grids(book_path)]
    assert computed == [t.name for t in results.tables] and set(RESULT_SHEETS) <= set(computed)
    for name in computed:
        mine = values_of(applied.payload, name)
        theirs = [[None if v == "" else v for v in row] for row in filed[name]]
        width = max(len(theirs[0]), len(mine[0]))
        pad = [r + [None] * (width - len(r)) for r in theirs]
        assert len(mine) == len(pad), name
        for r, (a, b) in enumerate(zip(mine, pad, strict=True)):
            assert a + [None] * (width - len(a)) == b, (name, r + 1)


def test_click_twice_replaces_never_duplicates(xw, book_path: Path):
    """Verify a second click empties and rewrites our sheets, and un-colours a fixed problem cell."""
    payload = payload_from_file(book_path)
    _, first = run_button(xw, payload)
    after1 = apply_actions(payload, first)
    _, second = run_button(xw, after1.payload)
    assert not [a for a in second if a["func"] == "addSheet"]
    after2 = apply_actions(after1.payload, second, after1)
    assert after2.payload == after1.payload                      # same inputs, same workbook
    names = sheet_names_at(after1.payload, second)
    for sheet in {*RESULT_SHEETS, STATUS}:
        funcs = [a["func"] for a, n in zip(second, names, strict=True) if n == sheet]
        assert funcs[0] == "sheetClearContents" and "setValues" in funcs
    # T03 corrects −1 to 0: J6 loses its mark (its original fill was unknown → no fill).
    r, c, j6 = record_cell(payload, "心得体会缺项数", 2)
    values_of(after2.payload, "考核记录")[r][c] = 0
    results, third = run_button(xw, after2.payload)
    after3 = apply_actions(after2.payload, third, after2)
    assert after3.colors[("考核记录", j6)] is None
    assert after3.colors[("考核记录", record_cell(payload, "缺席研修活动次数", 1)[2])] == FILLS["警告"]
    assert not any(p.cell == j6 for p in results.problems)
    assert counts_of(results) in values_of(after3.payload, STATUS)[1][1]


def test_a_deleted_result_sheet_is_written_again(xw, book_path: Path):
    """Verify deleting 考核结果 by hand is not an error: the next click adds it again."""
    payload = payload_from_file(book_path)
    _, first = run_button(xw, payload)
    after = apply_actions(payload, first).payload
    after["sheets"] = [s for s in after["sheets"] if s["name"] != "考核结果"]
    _, second = run_button(xw, after)
    assert [a["args"][1] for a in second if a["func"] == "addSheet"] == ["考核结果"]


@pytest.mark.parametrize(("value", "written"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("'abc", "''abc"),
    ("001", "'001"), ("2021-4-19", "'2021-4-19"), ("", None), (3.5, 3.5), (float("nan"), None),
    (float("inf"), "'∞"), (True, True), (dt.date(2021, 4, 19), dt.date(2021, 4, 19)),
])
def test_text_is_written_as_text(value, written):
    """Verify every string gets Excel's text prefix, so nothing typed becomes a formula, number or date."""
    assert cell_out(value) == written


def test_preset_from_defined_name_or_environment(xw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify a workbook without 考核细则 uses the preset named by `xlrubric_preset`, else XLRUBRIC_PRESET."""
    from schoolbooks import record_sheet

    from xlrubric.spec.load import load_preset

    # 星火一中 (seed 000): 缺签到次数 1 → 参训考勤 3 − 1 = 2 of 30 points → total 29.
    record, merges = record_sheet(load_preset("xinghuo"), [("A01", "张丽", {"缺签到次数": 1})])
    grids = {"基本信息": [["学校名称", "星火一中"], ["预设", "xinghuo"]], "考核记录": record}
    monkeypatch.chdir(tmp_path)
    from schoolbooks import write_book

    write_book(tmp_path / "星火.xlsx", grids, {"考核记录": merges})
    name = {"name": "xlrubric_preset", "sheet_index": 0, "address": "B2", "book_scope": True,
            "scope_sheet_name": None, "scope_sheet_index": None}
    results, _ = run_button(xw, payload_from_file(tmp_path / "星火.xlsx", [name]))
    assert results is not None and results.rules_source.startswith("预设 xinghuo")
    assert {r[1]: r[8] for r in results.tables[0].rows} == {"张丽": 29}
    results, _ = run_button(xw, payload_from_file(tmp_path / "星火.xlsx"), env={"XLRUBRIC_PRESET": "xinghuo"})
    assert results is not None and results.rules_source.startswith("预设 xinghuo")
    results, actions = run_button(xw, payload_from_file(tmp_path / "星火.xlsx"))
    assert results is None and [a["func"] for a in actions] == ["alert"]
    assert "xlrubric_preset" in actions[0]["args"][0]


def test_main_outside_excel_says_so(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Verify `xlrubric.main()` run outside Excel prints a Chinese hint instead of a traceback."""
    xlwings_remote(monkeypatch)
    import xlrubric

    xlrubric.main()
    assert "计算考核" in capsys.readouterr().out


def test_payload_is_what_the_client_sends(xw):
    """Verify the test payload passes xlwings' own version check (the client's version must match)."""
    from xlwings import XlwingsError

    bad = payload_from_grids("x.xlsx", {"Sheet1": [[1]]}, version="0.0.1")
    with pytest.raises(XlwingsError):
        xw.Book(json=bad)
