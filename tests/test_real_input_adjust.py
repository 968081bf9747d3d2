"""Verify 提交登记 materials and 人工调整 values as directors really type them: a material that looks like an item
but is not its name, 「满分」 as an adjustment, an adjustment out of range or an unknown 等次. Each is read under a
stated interpretation with a 警告, or leaves what it touches 待核实 with the cell — never a silent 0 or a computed
value the director meant to change.

xinghuo (seed 000), 30 分: 研修计划5 参训考勤3 研修记录5 说课材料、课件、教学实录或教学设计7
(alias 实践作业, due 6月5日)
学习心得、感悟或教学反思5 (aliases 心得体会、学习心得…, due 6月5日) 研修总结5. lanxi4 (seed 003), 50 分: 计划5 参与情况5
心得体会10 评课材料10 教学反思10 研修总结10; 「计划未交」 makes 计划 0; 等次 优秀/良好/一般.
"""

from __future__ import annotations

import datetime as dt

from real_input import XINGHUO, compute, lanxi4_record, row_of
from schoolbooks import record_sheet

PENDING = "待核实"
D = dt.date
XH_TOTAL = "总分（30分）"


def xinghuo(submissions):
    rows, merges = record_sheet(XINGHUO, [("A01", "张丽", {}), ("A02", "王强", {}), ("A03", "李娜", {})])
    return ({"教师名册": [["教师名册"], ["工号", "姓名"], ["A01", "张丽"], ["A02", "王强"], ["A03", "李娜"]],
             "考核记录": rows,
             "提交登记": [["提交登记"], ["工号", "姓名", "材料", "提交日期"], *submissions]}, {"考核记录": merges})


def test_a_material_like_an_item_leaves_that_item_pending_not_unsubmitted():
    # Rows 3–5 张丽, 6–8 王强, 9–12 李娜. Everyone hands in on time, so every item is full (30) — except that
    # 王强 wrote 「心得」 (C6): not an item name, but part of 心得体会 / 学习心得, aliases of 学习心得、感悟或教学反思.
    # Without a readable row for that item the policy would make it 未交 (0); since C6 may be it, the item, his 总分
    # (and his 等次, xinghuo has none) are 待核实 on C6. 李娜's 「读书笔记」 (C12) resembles no item: not counted,
    # and nothing of hers waits for it (30).
    r = compute(*xinghuo([
        ["A01", "张丽", "心得体会", D(2021, 6, 1)], ["A01", "张丽", "实践作业", D(2021, 6, 1)],
        ["A01", "张丽", "研修计划", D(2021, 4, 25)],
        ["A02", "王强", "心得", D(2021, 6, 1)], ["A02", "王强", "实践作业", D(2021, 6, 1)],
        ["A02", "王强", "研修计划", D(2021, 4, 25)],
        ["A03", "李娜", "心得体会", D(2021, 6, 1)], ["A03", "李娜", "实践作业", D(2021, 6, 1)],
        ["A03", "李娜", "研修计划", D(2021, 4, 25)], ["A03", "李娜", "读书笔记", D(2021, 6, 1)]]), spec=XINGHUO)
    assert row_of(r, "张丽")[XH_TOTAL] == row_of(r, "李娜")[XH_TOTAL] == 30
    wang = row_of(r, "王强")
    assert wang["学习心得、感悟或教学反思（5分）"] == wang[XH_TOTAL] == PENDING
    assert "提交登记!C6" in wang["待核实（单元格与原因）"]
    assert wang["说课材料、课件、教学实录或教学设计（7分）"] == 7             # his 实践作业 row is readable
    unknown = {p.cell: p.severity for p in r.problems if p.code == "unknown-material"}
    assert unknown == {"C6": "错误", "C12": "错误"}
    assert not [p for p in r.problems if p.code == "absent-material" and "王强" in str(p.value)]


def test_adjustments_full_marks_out_of_range_and_unknown_band():
    # 张丽 (T1): 计划未交 → 计划 0 (不得分); 人工调整 「满分」 with a 原因 → 计划 5 (警告 on D3), 总分 50.
    # 王强 (T2): 心得体会 调整为 12 with a 原因, above the item's 10: not adopted, and 心得体会 / 总分 / 等次 are
    #            待核实 on D4 (he meant to change it; the computed 10 is not shown as final).
    # 李明 (T3): 等次 调整为 「优」 (not 优秀/良好/一般): his 总分 50 stands, his 等次 is 待核实 on D5.
    sheets, merges = lanxi4_record(("T1", "张丽", {"计划未交": 1}), ("T2", "王强", {}), ("T3", "李明", {}))
    sheets["人工调整"] = [["人工调整"], ["工号", "姓名", "项目", "调整为", "原因"],
                      ["T1", "张丽", "计划", "满分", "已补交，领导小组认定"],
                      ["T2", "王强", "心得体会", 12, "获县级奖"],
                      ["T3", "李明", "等次", "优", "县优秀教师"]]
    r = compute(sheets, merges)
    zhang, wang, li = row_of(r, "张丽"), row_of(r, "王强"), row_of(r, "李明")
    assert zhang["计划（5分）"] == 5 and zhang["总分（50分）"] == 50
    [full] = [p for p in r.problems if p.code == "override-full-marks"]
    assert (full.severity, full.cell) == ("警告", "D3")
    assert wang["心得体会（10分）"] == wang["总分（50分）"] == wang["等次"] == PENDING
    assert "人工调整!D4" in wang["待核实（单元格与原因）"]
    assert li["总分（50分）"] == 50 and li["等次"] == PENDING and "人工调整!D5" in li["待核实（单元格与原因）"]
    refused = {p.cell: p.severity for p in r.problems if p.code in ("override-out-of-range", "override-bad-band")}
    assert refused == {"D4": "错误", "D5": "错误"}


def test_a_month_and_day_outside_the_term_is_placed_nearest_it_and_said():
    # lanxi4's term runs 2025-09-01 to 2026-01-31 (its 考核细则). 「9月4日」 falls inside it: 2025-09-04, certain, no
    # problem. 「2月10日」 does not: February 2026 is ten days after the term, February 2025 seven months before it,
    # so 2026-02-10 — said on the cell (警告 A3), since the school may have meant another date. 王强 was 缺席 at
    # 研修1 on row 4: his evidence names the session 2026-02-10 研修1.
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      ["2月10日", "研修1", "全体", "T1", "张丽", "已签到"],
                      ["2月10日", "研修1", "全体", "T2", "王强", "缺席"],
                      ["9月4日", "研修2", "全体", "T1", "张丽", "已签到"],
                      ["9月4日", "研修2", "全体", "T2", "王强", "已签到"]]
    r = compute(sheets, merges)
    said = [(p.code, p.severity, p.cell) for p in r.problems if p.sheet == "签到登记"]
    assert said == [("date-year-guessed", "警告", "A3")]
    assert "按 2026-02-10 计算" in next(p.message for p in r.problems if p.code == "date-year-guessed")
    assert r.report["attendance"]["T2"]["evidence"] == ("2026-02-10 研修1",)
    assert row_of(r, "王强")["参与情况（5分）"] == 4          # one absence: 5 − 1


def test_a_teacher_on_two_rows_waits_only_where_the_rows_differ():
    # 考核记录 rows 4 张丽, 5 王强, 6 张丽 again (record_sheet: title row 1, item and event header rows 2–3).
    # Both 张丽 rows say 计划未交 1, so 计划 is 0 (不得分), certain. Row 4 leaves 心得体会缺项数 blank and row 6
    # says 2: which is right cannot be told, so 心得体会, 总分 and 等次 wait for row 6's cell. 王强: 50.
    # A school that typed the same row twice (both 计划未交 1, nothing else) gets 计划 0 and 总分 45.
    sheets, merges = lanxi4_record(("T1", "张丽", {"计划未交": 1}), ("T2", "王强", {}),
                                   ("T1", "张丽", {"计划未交": 1, "心得体会缺项数": 2}))
    sheets["教师名册"] = [["教师名册"], ["工号", "姓名"], ["T1", "张丽"], ["T2", "王强"]]
    r = compute(sheets, merges)
    zhang = row_of(r, "张丽")
    assert zhang["计划（5分）"] == 0 and zhang["心得体会（10分）"] == zhang["总分（50分）"] == PENDING
    said = zhang["待核实（单元格与原因）"]
    assert said.startswith("心得体会：考核记录!") and "第4行与第6行" in said and "（空、2）" in said
    assert row_of(r, "王强")["总分（50分）"] == 50
    same, merges = lanxi4_record(("T1", "张丽", {"计划未交": 1}), ("T1", "张丽", {"计划未交": 1}))
    same["教师名册"] = [["教师名册"], ["工号", "姓名"], ["T1", "张丽"]]
    r = compute(same, merges)
    assert row_of(r, "张丽")["计划（5分）"] == 0 and row_of(r, "张丽")["总分（50分）"] == 45
    [dup] = [p for p in r.problems if p.code == "duplicate" or "教师重复" in p.message]
    assert dup.severity == "错误" and "各列填的相同时按第一行计算" in dup.message
