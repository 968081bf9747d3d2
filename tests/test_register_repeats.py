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
# Seed 001: 论文 一篇字数2000以上，在县级以上获奖 一、二、三等奖计12、8、4学时; 同篇只计一次最高等次.
PAPER = {"日期": D(2023, 12, 1), "类别": "论文获奖", "级别": "县级", "等次": "一等奖", "字数": 2500, "题目": "阅读教学"}
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
    {"工号": "B03", **PAPER},                                              # 12: 县级一等奖 12
    {"工号": "B03", **PAPER},                                              # 13: 同篇只计一次: 无效, no 错误
]


def test_a_titled_row_typed_twice_is_pending(tmp_path):
    """Verify rows 4 and 5 (copies of row 3) are 待核实 with an 错误 on their 题目 cell naming row 3; B01 has
    2 (row 3) + 2 (row 6) = 4 confirmed and a 学年合计 of 待核实 (4 < 40, so the copies could matter); B02 has
    2 + 40 = 42 confirmed ≥ 40, so 达标 stands although row 9 is 待核实; B03's two untitled 教研活动 are
    1 + 1 = 2, no problem on them; B03's paper typed twice (rows 12, 13) needs no 错误 — 同篇只计一次 counts it
    once whichever it was: 2 + 12 = 14. Before this check rows 4 and 5 silently counted: B01 = 8."""
    res = compute(write_book(tmp_path / "白湾子.xlsx", ROSTER, REGISTER), "baiwanzi")
    probs = {p.cell: p for p in res.problems if p.sheet == "学时登记"}
    for cell in ("N4", "N5", "N9"):
        assert probs[cell].code == "duplicate-row" and probs[cell].severity == "错误", cell
    assert "与第3行完全相同" in probs["N4"].message and "与第3行完全相同" in probs["N5"].message
    assert "与第8行完全相同" in probs["N9"].message
    assert {c for c, p in probs.items() if p.code == "duplicate-row"} == {"N4", "N5", "N9"}
    assert probs["N13"].code == "hours-limited"          # the existing 提示: 同一成果只计一次
    for n in (4, 5, 9):
        assert register_row(res, n)["状态"] == "待核实", n
    rows = {r["工号"]: r for r in table(res, "学时汇总")}
    b01, b02, b03 = rows["B01"], rows["B02"], rows["B03"]
    assert (b01["学年合计"], b01["已确认学时"], b01["学年达标"], b01[OVERALL]) == ("待核实", 4, "待核实", "待核实")
    assert b01["待核实"] == "学时登记 N4、N5"
    assert (b02["学年合计"], b02["已确认学时"], b02["学年达标"]) == ("待核实", 42, "达标")
    assert b03["学年合计"] == 14 and not b03.get("待核实")
    assert register_row(res, 13)["状态"] == "无效学时"


# Columns (hours_books.REGISTER_HEADER): H 时长, I 天数, J 证书学时, K 字数, P 审核状态, Q 认定学时.
BLANKS = [
    # 3: 时长? 待核实
    {"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题培训", "题目": "讲座A"},
    # 4: 5×8 = 40
    {"工号": "B01", "日期": D(2023, 10, 20), "类别": "集中培训", "天数": 5, "题目": "县培"},
    # 5: 2
    {"工号": "B02", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2, "题目": "讲座A"},
    # 6: 字数? 待核实
    {"工号": "B02", "日期": D(2023, 11, 1), "类别": "反思成果", "审核状态": "已认定", "题目": "反思"},
    # 7: 证书/天数? 待核实
    {"工号": "B02", "日期": D(2023, 11, 2), "类别": "集中培训", "题目": "市培"},
    # 8: 无效 (not 已认定)
    {"工号": "B02", "日期": D(2023, 11, 3), "类别": "教学设计", "审核状态": "待审核", "题目": "设计"},
    # 9: 无效 (no certificate)
    {"工号": "B03", "日期": D(2023, 11, 4), "类别": "远程培训", "题目": "国培"},
    # 10: manual 3
    {"工号": "B03", "日期": D(2023, 11, 5), "类别": "专题培训", "认定学时": 3, "题目": "讲座B"},
]


def test_a_blank_amount_is_pending_not_zero(tmp_path):
    """Verify an amount the rule needs left blank is an 错误 on that cell and the row 待核实, never 0 hours:
    B01's lecture without 时长 (H3) — but 40 from the 集中培训 already reaches 40, so 达标 stands; B02's 反思
    without 字数 (K6, seed: 一篇字数1000以上) and 集中培训 with neither 证书学时 nor 天数 (J7) leave 2 confirmed,
    so B02 is 待核实. Rows another cell already makes 无效 stay 无效 with no 错误: 教学设计 待审核 (row 8, seed:
    须学校认定) and a 远程培训 without 证书学时 (row 9, seed: 按培训机构的证件登记学时). B03's lecture has no 时长
    but 认定学时 3, which counts: 3 < 40 → 未达标（差37学时）. Before, rows 3, 6 and 7 were 无效 with no 错误."""
    res = compute(write_book(tmp_path / "白湾子.xlsx", ROSTER, BLANKS), "baiwanzi")
    probs = {p.cell: p for p in res.problems if p.sheet == "学时登记" and p.severity == "错误"}
    assert sorted(probs) == ["H3", "J7", "K6"]
    assert all(p.code == "missing-amount" for p in probs.values())
    assert "未填写时长" in probs["H3"].message and "未填写字数（须1000字以上）" in probs["K6"].message
    assert "未填写证书学时，也未填写天数" in probs["J7"].message
    for n in (3, 6, 7):
        assert register_row(res, n)["状态"] == "待核实", n
    for n in (8, 9):
        assert register_row(res, n)["状态"] == "无效学时", n
    rows = {r["工号"]: r for r in table(res, "学时汇总")}
    b01, b02, b03 = rows["B01"], rows["B02"], rows["B03"]
    assert (b01["学年合计"], b01["已确认学时"], b01["学年达标"]) == ("待核实", 40, "达标")
    assert (b02["学年合计"], b02["已确认学时"], b02["学年达标"]) == ("待核实", 2, "待核实")
    assert b02["待核实"] == "学时登记 K6、J7"
    assert (b03["学年合计"], b03["学年达标"]) == (3, "未达标（差37学时）")


def test_merged_teacher_and_date_cells_apply_to_every_row(tmp_path):
    """Verify a director's merges in 学时登记 read as they show: B01's 工号/姓名 merged over rows 3–4 and one
    日期 merged over rows 3–5 give B01 2 (讲座, 时长 2) + 1 (教研活动) = 3 and B02 1 (教研活动) = 1 — before,
    rows 4 and 5 were skipped (no teacher) or 待核实 (no 日期). A 题目 merged across two columns is not spread."""
    from openpyxl import load_workbook
    rows = [{"工号": "B01", "姓名": "王芳", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2, "题目": "讲座A"},
            {"类别": "教研活动"},                                         # 4: 工号/姓名/日期 from the merges
            {"工号": "B02", "姓名": "李强", "类别": "教研活动"}]          # 5: 日期 from the merge
    path = write_book(tmp_path / "白湾子.xlsx", ROSTER, rows)
    wb = load_workbook(path)
    ws = wb["学时登记"]
    for rng in ("A3:A4", "B3:B4", "C3:C5", "N3:O3"):
        ws.merge_cells(rng)
    wb.save(path)
    res = compute(path, "baiwanzi")
    assert not [p for p in res.problems if p.sheet == "学时登记" and p.severity != "提示"]
    got = {r["工号"]: r["学年合计"] for r in table(res, "学时汇总")}
    assert got["B01"] == 3 and got["B02"] == 1
