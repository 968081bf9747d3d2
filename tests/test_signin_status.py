"""Verify 签到状态 as schools type it: plain words are counted as what they say, anything else (请假、病假 …, on
which the documents do not rule) is rejected and every result that rests on it is 待核实 with the cell — in
考核结果, 扣分明细, the JSON report and the printed 培训档案 — never counted as 已签到.

lanxi4 (seed 003): 参与情况 5 分: "迟到、间缺、早退一次扣0.5分；每少参加一次研修活动扣1分"; the other five items
are full when 考核记录 is blank (计划5 心得体会10 评课材料10 教学反思10 研修总结10), so 总分 = 45 + 参与情况.
"""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from real_input import LANXI4, compute, lanxi4_record, row_of, table, write
from typer.testing import CliRunner

from xlrubric.cli import app

PENDING = "待核实"
D1, D2, D3 = dt.date(2025, 9, 1), dt.date(2025, 9, 8), dt.date(2025, 9, 15)


def sheets():
    """Three 全体 sessions; rows 3–11 of 签到登记 (row 1 the title, row 2 the header), F the 签到状态 column:
         研修1 (9/1)        研修2 (9/8)        研修3 (9/15)
    T1 张丽  F3 已签到         F6 旷              F9 已到
    T2 王强  F4 已签到         F7 病假            F10 已签到
    T3 李明  F5 迟到           F8 已签到          F11 缺
    """
    book, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}), ("T3", "李明", {}))
    said = {("T1", D1): "已签到", ("T2", D1): "已签到", ("T3", D1): "迟到",
            ("T1", D2): "旷", ("T2", D2): "病假", ("T3", D2): "已签到",
            ("T1", D3): "已到", ("T2", D3): "已签到", ("T3", D3): "缺"}
    names = {"T1": "张丽", "T2": "王强", "T3": "李明"}
    rows = [[d, f"研修{n}", "全体", t, names[t], said[(t, d)]]
            for n, d in enumerate((D1, D2, D3), start=1) for t in ("T1", "T2", "T3")]
    book["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"], *rows]
    return book, merges


def test_plain_words_count_and_a_leave_is_pending():
    r = compute(*sheets())
    # 张丽: 旷 is an absence (−1), 已到 is present: 参与情况 5 − 1 = 4, 总分 45 + 4 = 49.
    assert row_of(r, "张丽")["参与情况（5分）"] == 4 and row_of(r, "张丽")["总分（50分）"] == 49
    # 李明: 迟到 once (−0.5) and 缺 once (−1): 5 − 1.5 = 3.5, 总分 48.5.
    assert row_of(r, "李明")["参与情况（5分）"] == 3.5 and row_of(r, "李明")["总分（50分）"] == 48.5
    # 王强: 病假 is neither present nor absent by the documents: 参与情况, 总分 and 等次 wait for F7.
    wang = row_of(r, "王强")
    assert wang["参与情况（5分）"] == wang["总分（50分）"] == wang["等次"] == PENDING
    assert "签到登记!F7" in wang["待核实（单元格与原因）"] and "病假" in wang["待核实（单元格与原因）"]
    assert wang["计划（5分）"] == 5                        # what does not rest on F7 keeps its score
    [bad] = [p for p in r.problems if p.code == "bad-status"]
    assert (bad.severity, bad.sheet, bad.cell, bad.value) == ("错误", "签到登记", "F7", "病假")
    assert "按已签到计" not in bad.message and "待核实" in bad.message
    assert not [p for p in r.problems if p.sheet == "签到登记" and p.cell in ("F6", "F9", "F11")]
    detail = [(d["项目"], d["扣分"]) for d in table(r, "扣分明细") if d["姓名"] == "王强"]
    assert detail == [("参与情况", PENDING)]
    report = next(t for t in r.report["teachers"] if t["name"] == "王强")
    assert report["total"] == PENDING
    assert [(p["sheet"], p["cell"]) for p in report["pending"]["参与情况"]] == [("签到登记", "F7")]   # said once
    att = r.report["attendance"]
    assert [(p["sheet"], p["cell"]) for p in att["T2"]["pending"]] == [("签到登记", "F7")]
    # 张丽: 3 sessions, 旷 absent once; 李明: late once, absent once; both certain.
    assert (att["T1"]["sessions"], att["T1"]["absent"], att["T1"]["pending"]) == (3, 1, ())
    assert (att["T3"]["irregular"], att["T3"]["absent"], att["T3"]["pending"]) == (1, 1, ())


def test_the_printed_archive_shows_the_cell_not_a_count(tmp_path):
    book, merges = sheets()
    src = write(tmp_path / "学校.xlsx", book, merges)
    res = CliRunner().invoke(app, ["archive", str(src), "--preset", LANXI4.id, "--out", str(tmp_path / "档案")])
    assert res.exit_code == 0, res.output
    [path] = (tmp_path / "档案").glob("*_培训档案.xlsx")
    ws = load_workbook(path)["教师培训档案"]
    lines, who = {}, None
    for row in ws.iter_rows(values_only=True):
        text = row[0] if isinstance(row[0], str) else ""
        if "教师个人培训档案" in text:
            who = text.rsplit("— ", 1)[1]
        elif text.startswith(("应到", "考勤待核实")):
            lines.setdefault(who, []).append(text)
    assert lines["张丽"] == ["应到3次；出勤2次；迟到/早退/间缺0次；缺席1次"]
    assert lines["李明"] == ["应到3次；出勤1次；迟到/早退/间缺1次；缺席1次"]
    [wang] = lines["王强"]
    assert wang.startswith("考勤待核实：签到登记!F7：签到状态「病假」无法识别")
