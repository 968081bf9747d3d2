"""校验问题's 填写的值 (and the report's `value`) shows a cell as the school typed it: python-calamine reads every
number as a float, so a 15 typed in a date cell was shown as 「15.0」 and a date cell as 「2025-10-09 00:00:00」."""

from __future__ import annotations

import datetime as dt

import pytest
from real_input import compute, lanxi4_record

from xlrubric.results import shown_value


@pytest.mark.parametrize(("value", "shown"), [
    (None, ""), (15.0, "15"), (45946.0, "45946"), (-2.0, "-2"), (4.25, "4.25"), (0.5, "0.5"), (3, "3"),
    ("2次", "2次"), ("", ""), (True, "TRUE"), (False, "FALSE"),
    (dt.datetime(2025, 10, 9), "2025-10-09"), (dt.datetime(2025, 10, 9, 14, 30), "2025-10-09 14:30:00"),
    (dt.date(2025, 10, 9), "2025-10-09"), (1e20, "1e+20"),
])
def test_shown_value(value, shown) -> None:
    """Verify each kind of cell value as 填写的值 shows it (worked by hand: as Excel displays the cell)."""
    assert shown_value(value) == shown


def test_problem_list_shows_the_number_typed() -> None:
    """Verify a 签到 日期 typed as 15 (refused: no date) reads 「15」 in 校验问题 and in the report."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [dt.date(2025, 10, 9), "教研活动", "全体", "T1", "张丽", "已签到"],
                      [15, "专题讲座", "全体", "T1", "张丽", "已签到"]]
    r = compute(sheets, merges)
    table = next(t for t in r.tables if t.name == "校验问题")
    [row] = [row for row in table.rows if row[1] == "签到登记" and row[2] == "A4"]
    assert row[3] == "15"
    [said] = [p for p in r.report["problems"] if p["sheet"] == "签到登记" and p["cell"] == "A4"]
    assert said["value"] == "15"


def test_a_count_the_register_overrides_shows_what_was_typed() -> None:
    """Verify 考核记录's 「2次」 in 迟到间缺早退次数, which 签到登记 overrides (张丽 came late once: 1), is listed with
    填写的值 「2次」 — the cell as typed — not the number 2 read from it."""
    sheets, merges = lanxi4_record(("T1", "张丽", {"迟到间缺早退次数": "2次"}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [dt.date(2025, 10, 9), "教研活动", "全体", "T1", "张丽", "迟到"],
                      [dt.date(2025, 10, 9), "教研活动", "全体", "T2", "王强", "已签到"]]
    r = compute(sheets, merges)
    [said] = [p for p in r.problems if p.code == "register-differs"]
    assert "填的是 2，签到登记推算为 1" in said.message
    assert shown_value(said.value) == "2次"
