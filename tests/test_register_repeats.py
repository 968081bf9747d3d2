"""Verify 学时登记 as schools really type it (session 10): a row typed twice, and register cells left blank.

Seed 001 (白湾子镇学校): 专题培训 "按1小时计1学时"; 教研活动 "组织者和参加者每次均计1学时"; 每年至少完成40学时.
A titled row repeated in every cell is either the same activity entered twice or a second one the row cannot
tell apart — only the school knows, so the later row is 待核实 (never counted twice, never silently dropped).
"""

from __future__ import annotations

import datetime as dt

from hours_books import compute, register_row, table, write_book

from xlrubric.pipeline.hours import OVERALL

D = dt.date
ROSTER = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""],
          ["B02", "李强", "男", D(1980, 5, 2), D(2003, 9, 1), "数学", "数学组", ""],
          ["B03", "张伟", "男", D(1982, 6, 3), D(2005, 9, 1), "英语", "英语组", ""]]
LECTURE = {"日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2, "题目": "专题讲座1"}
REGISTER = [
    {"工号": "B01", **LECTURE},                                            # 3: 2
    {"工号": "B01", **LECTURE},                                            # 4: = row 3 → 待核实
    {"工号": "B01", **LECTURE},                                            # 5: = row 3 → 待核实
    {"工号": "B01", **LECTURE, "备注": "下午第二场"},                       # 6: told apart by 备注: 2
    {"工号": "B02", **LECTURE},                                            # 7: another teacher: 2
    {"工号": "B02", "日期": D(2023, 10, 13), "类别": "集中培训", "天数": 5, "题目": "县级培训"},   # 8: 5×8 = 40
    {"工号": "B02", "日期": D(2023, 10, 13), "类别": "集中培训", "天数": 5, "题目": "县级培训"},   # 9: 待核实
    {"工号": "B03", "日期": D(2023, 11, 1), "类别": "教研活动"},           # 10: no 题目: 1
    {"工号": "B03", "日期": D(2023, 11, 1), "类别": "教研活动"},           # 11: identical by nature: 1
]


def test_a_titled_row_typed_twice_is_pending(tmp_path):
    """Verify rows 4 and 5 (copies of row 3) are 待核实 with an 错误 on their 题目 cell naming row 3; B01 has
    2 (row 3) + 2 (row 6) = 4 confirmed and a 学年合计 of 待核实 (4 < 40, so the copies could matter); B02 has
    2 + 40 = 42 confirmed ≥ 40, so 达标 stands although row 9 is 待核实; B03's two untitled 教研活动 are
    1 + 1 = 2, no problem on them. Before this check rows 4 and 5 silently counted: B01 = 8."""
    res = compute(write_book(tmp_path / "白湾子.xlsx", ROSTER, REGISTER), "baiwanzi")
    probs = {p.cell: p for p in res.problems if p.sheet == "学时登记"}
    for cell in ("N4", "N5", "N9"):
        assert probs[cell].code == "duplicate-row" and probs[cell].severity == "错误", cell
    assert "与第3行完全相同" in probs["N4"].message and "与第3行完全相同" in probs["N5"].message
    assert "与第8行完全相同" in probs["N9"].message
    assert not {"N6", "N7", "N10", "N11"} & probs.keys()
    for n in (4, 5, 9):
        assert register_row(res, n)["状态"] == "待核实", n
    rows = {r["工号"]: r for r in table(res, "学时汇总")}
    b01, b02, b03 = rows["B01"], rows["B02"], rows["B03"]
    assert (b01["学年合计"], b01["已确认学时"], b01["学年达标"], b01[OVERALL]) == ("待核实", 4, "待核实", "待核实")
    assert b01["待核实"] == "学时登记 N4、N5"
    assert (b02["学年合计"], b02["已确认学时"], b02["学年达标"]) == ("待核实", 42, "达标")
    assert b03["学年合计"] == 2 and not b03.get("待核实")
