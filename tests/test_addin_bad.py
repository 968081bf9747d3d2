"""Verify the 计算考核 button on bad input: a Chinese message box, and the school's sheets as they were.

A refusal must happen before anything is written, so its only action is the message box.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_addin import OURS, sheet_names_at, values_of
from test_addin_support import (
    apply_actions,
    lanxi4_book,
    payload_from_file,
    payload_from_grids,
    run_button,
    template_grids,
    xlwings_remote,
)


@pytest.fixture(name="xw")
def fixture_xw(monkeypatch: pytest.MonkeyPatch):
    return xlwings_remote(monkeypatch)


@pytest.fixture(name="payload")
def fixture_payload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(tmp_path)
    return payload_from_file(lanxi4_book(tmp_path))


def refused(actions: list[dict]) -> str:
    """The message of a refusal; fails unless the message box is the only action."""
    assert [a["func"] for a in actions] == ["alert"], actions
    text, title, buttons, mode, _ = actions[0]["args"]
    assert (title, buttons, mode) == ("计算考核", "ok", "critical")
    assert "工作簿未改动" in text and "Traceback" not in text
    return text


def test_not_a_school_workbook(xw):
    """Verify a workbook without any of our sheets is refused with a Chinese message."""
    payload = payload_from_grids("成绩单.xlsx", {"Sheet1": [["姓名", "成绩"], ["张三", 90]]})
    results, actions = run_button(xw, payload)
    assert results is None
    assert "这不是校本研修工作簿" in refused(actions) and "Sheet1" in refused(actions)


def test_missing_record_sheet_is_reported_not_guessed(xw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify a workbook without 考核记录 gets the problem in 校验问题 and no change to its own sheets."""
    monkeypatch.chdir(tmp_path)
    grids, merges = template_grids("lanxi4")
    del grids["考核记录"]
    from schoolbooks import write_book

    path = write_book(tmp_path / "缺表.xlsx", grids, merges)
    payload = payload_from_file(path)
    results, actions = run_button(xw, payload)
    assert results is not None
    problems = values_of(apply_actions(payload, actions).payload, "校验问题")
    assert any("缺少工作表「考核记录」" in (row[4] or "") for row in problems[1:])
    for a, name in zip(actions, sheet_names_at(payload, actions), strict=True):
        assert name is None or name in OURS or a["func"] == "setRangeColor"
    assert actions[-1]["func"] == "alert" and "问题" in actions[-1]["args"][0]


def test_rules_sheet_with_an_error(xw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify a 考核细则 sheet that does not describe a rubric is refused, naming the sheet."""
    monkeypatch.chdir(tmp_path)
    grids, merges = template_grids("lanxi4")
    row = next(r for r in grids["考核细则"] if len(r) > 1 and r[1] == "迟到间缺早退次数")
    row[3] = "每隔"          # 方式 of 迟到间缺早退次数: not a known kind
    from schoolbooks import write_book

    results, actions = run_button(xw, payload_from_file(write_book(tmp_path / "细则错.xlsx", grids, merges)))
    assert results is None
    text = refused(actions)
    assert "考核细则" in text and "细则错.xlsx" in text


def test_result_sheet_edited_by_hand(xw, payload: dict):
    """Verify a second click refuses to overwrite a result sheet changed by hand, and says what to do."""
    _, first = run_button(xw, payload)
    after = apply_actions(payload, first).payload
    values_of(after, "考核结果")[1][8] = 50.0          # the director typed over a total
    results, actions = run_button(xw, after)
    assert results is None
    text = refused(actions)
    assert "「考核结果」在上次计算之后被手工修改过" in text and "人工调整" in text


def test_school_sheet_with_our_name(xw, payload: dict):
    """Verify a school's own sheet called 考核结果 is never overwritten."""
    payload["sheets"].append({"name": "考核结果", "pictures": [], "tables": [], "values": [["学校自己的表"]]})
    results, actions = run_button(xw, payload)
    assert results is None
    assert "不是「计算考核」写入的" in refused(actions)


def test_school_sheet_called_like_our_status_sheet(xw, payload: dict):
    """Verify a 计算状态 sheet that is not our record stops the run instead of being trusted."""
    payload["sheets"].append({"name": "计算状态", "pictures": [], "tables": [], "values": [["本周工作状态"]]})
    results, actions = run_button(xw, payload)
    assert results is None
    assert "「计算状态」表无法识别" in refused(actions)


def test_a_bug_is_a_message_box_and_a_log(xw, payload: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify an unexpected error shows a Chinese message with the log's path, never a traceback."""
    import xlrubric.adapters.excel as excel
    import xlrubric.pipeline as pipeline

    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline, "compute_book", broken)
    monkeypatch.setattr(excel, "LOG_DIR", tmp_path / "logs")
    results, actions = run_button(xw, payload)
    assert results is None
    text = refused(actions)
    assert "程序出错" in text and str(tmp_path / "logs") in text
    assert "ZeroDivisionError" in (tmp_path / "logs" / "xlrubric-addin-error.log").read_text(encoding="utf-8")
