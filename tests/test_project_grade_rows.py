"""Verify a 项目考核 row in 学时登记 (tisheng2, seed 004: 合格/良好/优秀 → +1/+2/+3 and 10 学分) whose 等次 says
nothing a director meant — left blank, or a word of another category (一等奖 is 论文获奖's) — is an 错误 and that
teacher's 项目考核 is 待核实, not the default 合格 (session 10: both were silently ignored).

The teachers and their rows are test_hours_tisheng2's, worked by hand there: K01 meets everything and is typed
优秀 (+3), K05 meets everything and is typed 良好 (+2), K09 meets everything with no 项目考核 row (合格 +1).
"""

from __future__ import annotations

import datetime as dt

from hours_books import compute, table, write_book
from test_hours_tisheng2 import INFO, ROSTER, build


def test_grade_row_without_a_grade_is_pending(tmp_path):
    """Verify K05's 良好 typed as 一等奖 and K09 given a 项目考核 row with a blank 等次 are each an 错误 on the
    等次 cell and 待核实 with no bonus or 学分; before, both silently came out 合格 +1. K01 stays 优秀 +3."""
    rows = build()
    for r in rows:
        if r["工号"] == "K05" and r["类别"] == "项目考核":
            r["等次"] = "一等奖"
    rows.append({"工号": "K09", "日期": dt.date(2021, 7, 20), "类别": "项目考核"})
    res = compute(write_book(tmp_path / "提升工程.xlsx", ROSTER, rows, INFO), "tisheng2")
    g = {x["工号"]: (x["项目考核等次"], x["年终考核加分"], x["校本研修学分"], x["说明"])
         for x in table(res, "项目考核")}
    assert g["K01"][:3] == ("优秀", 3, 10)
    for t in ("K05", "K09"):
        assert g[t][:3] == ("待核实", None, None), t
    bad = {p.cell: p for p in res.problems if p.code == "grade-unknown"}
    assert len(bad) == 2 and all(p.severity == "错误" and p.cell.startswith("G") for p in bad.values())
    k05 = next(p for p in bad.values() if p.value == "一等奖")
    assert "不是项目考核的等次（应为：优秀、良好、合格）" in k05.message and k05.cell in g["K05"][3]
    k09 = next(p for p in bad.values() if p.value is None)
    assert "没有填写等次" in k09.message and k09.cell in g["K09"][3]
