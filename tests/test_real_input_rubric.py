"""Verify the rubric side of issue 11 on scoring sheets as schools really type them.

Every case ends in a number read under a stated interpretation (with its 警告) or in 待核实 with the cell.
lanxi4 (seed 003): 计划5 参与情况5 心得体会10 评课材料10 教学反思10 研修总结10 = 50; 等次 on the 40-point scale
(折算分 = 总分×40/50): 优秀 ≥36 (总分 ≥45, at most 40% of participants, rounded down), 良好 ≥24 (总分 ≥30),
一般 below. xinghuo (seed 000): 30 points, 实践作业 and 心得 due 6月5日.
"""

from __future__ import annotations

import datetime as dt

import pytest
from real_input import (
    DIRECT_TEACHERS,
    LANXI4,
    XINGHUO,
    compute,
    direct_sheet,
    lanxi4_record,
    problems,
    roster,
    row_of,
    table,
    write,
)
from schoolbooks import record_sheet
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.errors import MissingSheet

PENDING = "待核实"


def with_policy(spec, pid: str, choice: str):
    spec = spec.model_copy(deep=True)
    spec.policy_obj(pid).choice = choice
    return spec


# ------------------------------------------------------------------ bounds that follow the policy


def test_two_essays_missing_components_up_to_six():
    """Verify 心得体会缺项数 = 5 is valid under two_essays=total (two essays × 3 items) and deducts 5×2."""
    r = compute(*lanxi4_record(("T1", "张丽", {"心得体会缺项数": 5})))
    row = row_of(r, "张丽")
    assert row["心得体会（10分）"] == 0                  # 10 − 5×2 = 0
    assert row["总分（50分）"] == 40                     # 5+5+0+10+10+10
    assert not [p for p in r.problems if p.severity == "错误"]


def test_missing_components_beyond_two_essays_is_pending():
    """Verify 7 missing components (more than 2×3) is rejected: 心得体会, 总分 and 等次 are 待核实 with the cell."""
    sheets, merges = lanxi4_record(("T1", "张丽", {"心得体会缺项数": 7}), ("T2", "王强", {}))
    r = compute(sheets, merges)
    [bad] = [p for p in r.problems if p.severity == "错误" and p.sheet == "考核记录"]
    assert "最多为 6" in bad.message and bad.value == 7
    row = row_of(r, "张丽")
    assert row["心得体会（10分）"] == row["总分（50分）"] == row["等次"] == PENDING
    assert row["折算分（40分制）"] is None or row["折算分（40分制）"] == PENDING
    assert bad.cell in row["待核实（单元格与原因）"] and "最多为 6" in row["待核实（单元格与原因）"]
    assert row["教学反思（10分）"] == 10                  # items that do not depend on the cell keep their score
    assert row_of(r, "王强")["总分（50分）"] == 50
    detail = [d for d in table(r, "扣分明细") if d["姓名"] == "张丽"]
    assert [(d["项目"], d["扣分"], d["来源"]) for d in detail] == [("心得体会", PENDING, f"考核记录!{bad.cell}")]
    report = next(t for t in r.report["teachers"] if t["name"] == "张丽")
    assert report["items"]["心得体会"] == report["total"] == report["band"] == PENDING
    assert report["pending"]["心得体会"][0]["cell"] == bad.cell
    assert r.summary["pending"] == 1 and r.summary["totals"] == [50.0] and r.summary["bands"][PENDING] == 1


@pytest.mark.parametrize(("value", "expected"), [(2, 6), (3, PENDING)])
def test_essay_off_topic_counts_essays(value, expected):
    """Verify 心得未围绕学校实际 counts essays: 2 of 2 → 10 − 2×2 = 6; 3 essays of 2 is rejected (not −6)."""
    r = compute(*lanxi4_record(("T1", "张丽", {"心得未围绕学校实际": value})))
    assert row_of(r, "张丽")["心得体会（10分）"] == expected


@pytest.mark.parametrize(("value", "expected"), [(1, 4), (3, PENDING), (6, PENDING)])
def test_yes_no_column_above_one(value, expected):
    """Verify a once-only column (计划未围绕研修主题, 扣1分) holds 1 or nothing: 1 → 5 − 1 = 4; 3 or 6 → 待核实."""
    r = compute(*lanxi4_record(("T1", "张丽", {"计划未围绕研修主题": value})))
    assert row_of(r, "张丽")["计划（5分）"] == expected
    if expected == PENDING:
        [p] = problems(r, "yes-no")
        assert p.severity == "错误" and "只能填1" in p.message


def test_words_typed_for_numbers():
    """Verify √ in a yes/no column is 1, — in a count column is 0, 满分 in a score column is full (警告 each).

    计划未围绕研修主题 √ → 5 − 1 = 4; 缺席研修活动次数 — → 0 → 参与情况 5; "好" in a yes/no column → 待核实.
    """
    r = compute(*lanxi4_record(("T1", "张丽", {"计划未围绕研修主题": "√", "缺席研修活动次数": "—"}),
                               ("T2", "王强", {"计划项目不全": "好"})))
    assert (row_of(r, "张丽")["计划（5分）"], row_of(r, "张丽")["参与情况（5分）"]) == (4, 5)
    assert row_of(r, "王强")["计划（5分）"] == PENDING
    assert [p.severity for p in problems(r, "word-as-number")] == ["警告", "警告"]
    r = compute(*direct_sheet([("甲老师", ["满分", 5, 10, 10, 10, 10])]))
    assert row_of(r, "甲老师")["计划（5分）"] == 5 and problems(r, "word-as-number")


def test_certain_zero_decides_item_despite_rejected_cell():
    """Verify 计划未交 = 1 (不得分) decides 计划 = 0 even though 计划未围绕研修主题 = 6 was rejected."""
    r = compute(*lanxi4_record(("T1", "张丽", {"计划未交": 1, "计划未围绕研修主题": 6})))
    row = row_of(r, "张丽")
    assert row["计划（5分）"] == 0 and row["总分（50分）"] == 45       # 0+5+10+10+10+10
    assert problems(r, "yes-no")


def test_text_that_is_no_number_is_pending():
    """Verify "好几次" in a count column is rejected, so 参与情况 is 待核实 rather than a full 5."""
    r = compute(*lanxi4_record(("T1", "张丽", {"缺席研修活动次数": "好几次"})))
    assert row_of(r, "张丽")["参与情况（5分）"] == PENDING
    assert problems(r, "not-a-number")


# ------------------------------------------------------------------ who is who without 工号


def test_names_without_id_column():
    """Verify a sheet without 工号 matches teachers by 姓名 with a 警告; two rows of one name are both refused."""
    rows, merges = record_sheet(LANXI4, [("", "张丽", {}), ("", "王强", {"缺席研修活动次数": 1}),
                                         ("", "王强", {})])
    rows = [[v for j, v in enumerate(row) if j != 0] for row in rows]          # the school deleted 工号
    merges = [(r0, c0 - 1, r1, c1 - 1) for r0, c0, r1, c1 in merges if c0 > 0]
    r = compute({"考核记录": rows}, {"考核记录": merges})
    assert [p.severity for p in problems(r, "no-id-column")] == ["警告"]
    assert not problems(r, "missing-column")
    assert [row["姓名"] for row in table(r, "考核结果")] == ["张丽"]
    same = problems(r, "same-name")
    assert len(same) == 2 and {p.severity for p in same} == {"错误"}


def test_names_without_id_column_resolved_by_roster():
    """Verify a 教师名册 with unique names lets a sheet without 工号 be scored, keyed by the 名册's 工号."""
    sheets, merges = direct_sheet(DIRECT_TEACHERS[:2])
    sheets["教师名册"] = roster(("A1", "甲老师"), ("A2", "乙老师"))
    r = compute(sheets, merges)
    assert [(row["工号"], row["总分（50分）"]) for row in table(r, "考核结果")] == [("A1", 50), ("A2", 47.5)]


# ------------------------------------------------------------------ 直接评分: the director's own sheet


# 甲 50 → 40.0 优秀; 乙 47.5 → 38.0 优秀; 丙 46 → 36.8 reaches 优秀 but 6×40% = 2.4 → 2 places: 良好;
# 丁 40 → 32 良好; 戊 30 → 24 良好 (24 is 良好's lower bound); 己 24 → 19.2 一般.
DIRECT_EXPECTED = {"甲老师": (50, 40, "优秀"), "乙老师": (47.5, 38, "优秀"), "丙老师": (46, 36.8, "良好"),
                   "丁老师": (40, 32, "良好"), "戊老师": (30, 24, "良好"), "己老师": (24, 19.2, "一般")}


@pytest.mark.parametrize(("sheet", "merged"), [("考核评分表", False), ("Sheet1", True)])
def test_direct_scoring_sheet(sheet, merged):
    """Verify a director's own sheet (any name, title row, 序号, merged 考核项目 header) gives hand-worked 等次."""
    r = compute(*direct_sheet(sheet=sheet, merged=merged))
    got = {row["姓名"]: (row["总分（50分）"], row["折算分（40分制）"], row["等次"]) for row in table(r, "考核结果")}
    assert got == DIRECT_EXPECTED
    assert [row["评课材料（10分）"] for row in table(r, "考核结果")] == [s[3] for _, s in DIRECT_TEACHERS]
    assert not [p for p in r.problems if p.severity == "错误"]
    # Seed 003 deducts 心得体会 only in 2s (未紧紧围绕学校实际 扣2分, 每少一项扣2分): 乙's and 丙's 9 and 己's 5 cannot
    # come from the rules, so each is read as typed with a 警告 (session 10); every other score is on its grid.
    warned = [p for p in r.problems if p.severity == "警告"]
    assert sorted(p.code for p in warned) == ["no-id-column", "score-step", "score-step", "score-step"]
    steps = [p for p in warned if p.code == "score-step"]
    assert [(p.cell[0], p.value) for p in steps] == [("E", 9), ("E", 9), ("E", 5)]
    assert table(r, "扣分明细") == []


def test_direct_sheet_typed_total_is_checked():
    """Verify the school's own 总分 column is not read but a slip in it is pointed out: 乙 5+4.5+9+10+9+10 = 47.5."""
    sheets, merges = direct_sheet(DIRECT_TEACHERS[:2])
    sheets["考核评分表"][3][8] = 48                                     # 乙老师's 总分, typed as 48
    r = compute(sheets, merges)
    [p] = problems(r, "typed-total-differs")
    assert (p.cell, p.severity, p.value) == ("I4", "警告", 48) and "47.5" in p.message
    assert row_of(r, "乙老师")["总分（50分）"] == 47.5


def test_direct_score_out_of_range_and_quota_policy():
    """Verify 计划 = 6 (full 5) is 待核实, and the 40% quota under both pending_scores choices.

    Teachers 甲 50, 乙 47.5, 丙 46, 丁 40 and 庚 (待核实). hold: 5 participants × 40% = 2 places → 甲, 乙 优秀;
    exclude: 4 resolved × 40% = 1.6 → 1 place → 甲 优秀, 乙 and 丙 良好.
    """
    teachers = [*DIRECT_TEACHERS[:4], ("庚老师", [6, 5, 10, 10, 10, 10])]
    r = compute(*direct_sheet(teachers))
    row = row_of(r, "庚老师")
    assert row["计划（5分）"] == row["总分（50分）"] == row["等次"] == PENDING
    assert "0到5分之间" in row["待核实（单元格与原因）"]
    assert {x["姓名"]: x["等次"] for x in table(r, "考核结果")} == {
        "甲老师": "优秀", "乙老师": "优秀", "丙老师": "良好", "丁老师": "良好", "庚老师": PENDING}
    assert [p.severity for p in problems(r, "pending-band")] == ["警告"]
    r = compute(*direct_sheet(teachers), spec=with_policy(LANXI4, "pending_scores", "exclude"))
    assert {x["姓名"]: x["等次"] for x in table(r, "考核结果")} == {
        "甲老师": "优秀", "乙老师": "良好", "丙老师": "良好", "丁老师": "良好", "庚老师": PENDING}


def test_direct_blank_and_text_scores_are_pending():
    """Verify a blank score and "优" are not full marks: 待核实 with the cell; the others are untouched."""
    teachers = [("甲老师", [5, None, 10, 10, 10, 10]), ("乙老师", [5, 5, "优", 10, 10, 10]),
                ("丙老师", [5, 5, 10, 10, 10, 10])]
    r = compute(*direct_sheet(teachers))
    assert row_of(r, "甲老师")["参与情况（5分）"] == PENDING
    assert row_of(r, "乙老师")["心得体会（10分）"] == PENDING
    assert row_of(r, "丙老师")["总分（50分）"] == 50
    [blank] = problems(r, "missing-score")
    assert blank.cell == "D3" and blank.severity == "错误"          # 参与情况 of the first teacher (row 3)


def test_direct_sheet_missing_an_item_column():
    """Verify a scoring sheet without a 教学反思 column leaves that item 待核实, never a full 10."""
    sheets, merges = direct_sheet(DIRECT_TEACHERS[:2])
    rows = sheets["考核评分表"]
    sheets["考核评分表"] = [row[:6] + row[7:] for row in rows]
    r = compute(sheets, merges)
    assert [p.severity for p in problems(r, "missing-item-column")] == ["错误"]
    assert {row["教学反思（10分）"] for row in table(r, "考核结果")} == {PENDING}
    assert {row["总分（50分）"] for row in table(r, "考核结果")} == {PENDING}


def test_unscorable_sheet_is_refused(tmp_path):
    """Verify a sheet with no column that is an item or an event: exit 2, a Chinese message, no result file."""
    sheets = {"考核记录": [["考核表"], ["序号", "姓名", "甲项", "乙项"], [1, "张丽", 3, 4]]}
    with pytest.raises(MissingSheet, match="没有一列能识别为"):
        compute(sheets)
    src = write(tmp_path / "学校.xlsx", sheets)
    out = tmp_path / "结果.xlsx"
    result = CliRunner().invoke(app, ["compute", str(src), "-o", str(out), "--preset", "lanxi4"])
    assert result.exit_code == 2, result.output
    assert "没有一列能识别为" in result.output and not out.exists()


def test_counts_only_rules_refuse_a_scores_sheet():
    """Verify rules that declare 录入方式=扣分事项 do not read typed scores, and say how to change that."""
    spec = LANXI4.model_copy(deep=True)
    spec.rubric.input = "counts"
    with pytest.raises(MissingSheet, match="录入方式"):
        compute(*direct_sheet(), spec=spec)


def test_unknown_column_names_closest_match():
    """Verify a typo'd event header is a 警告 naming the closest event, not a silent 提示."""
    rows, merges = record_sheet(LANXI4, [("T1", "张丽", {})])
    rows[2][rows[2].index("心得体会缺项数")] = "心得体会缺少项数"
    r = compute({"教师名册": roster(("T1", "张丽")), "考核记录": rows}, {"考核记录": merges})
    [p] = problems(r, "unknown-column")
    assert p.severity == "警告" and "最接近的是「心得体会缺项数」" in p.message


# ------------------------------------------------------------------ 人工调整 and 提交登记


def test_band_override_without_reason_is_refused():
    """Verify a 等次 adjustment with no 原因 is refused like an item adjustment (no "调整为优秀（nan）")."""
    sheets, merges = lanxi4_record(("T1", "张丽", {"心得体会缺项数": 5}))
    sheets["人工调整"] = [["人工调整"], ["工号", "姓名", "项目", "调整为", "原因"],
                      ["T1", "张丽", "等次", "优秀", None]]
    r = compute(sheets, merges)
    row = row_of(r, "张丽")
    # 5+5+0+10+10+10 = 40 → 32 on the 40-point scale: 良好, and it stays 良好.
    assert row["等次"] == "良好" and row["人工调整"] == "" and "nan" not in str(row)
    assert [p.cell for p in problems(r, "override-no-reason")] == ["E3"]


def test_override_sheet_without_id_column():
    """Verify a 人工调整 sheet with 姓名 but no 工号 column is read by name (警告), not refused as 缺少「工号」."""
    sheets, merges = lanxi4_record(("T1", "张丽", {"心得体会缺项数": 5}), ("T2", "王强", {}))
    sheets["人工调整"] = [["人工调整"], ["姓名", "项目", "调整为", "原因"],
                      ["张丽", "心得体会", 8, "两篇已补齐，复核给8分"]]
    r = compute(sheets, merges)
    assert row_of(r, "张丽")["心得体会（10分）"] == 8 and row_of(r, "张丽")["总分（50分）"] == 48   # 5+5+8+10+10+10
    assert not problems(r, "missing-column")
    assert [(p.sheet, p.severity) for p in problems(r, "no-id-column")] == [("人工调整", "警告")]


XH_DEADLINE = dt.date(2021, 6, 5)


def _xinghuo(submissions, spec=XINGHUO):
    teachers = [("A1", "张丽", {}), ("A2", "王强", {}), ("A3", "李娜", {})]
    rows, merges = record_sheet(spec, teachers)
    sheets = {"教师名册": roster(*[(t, n) for t, n, _ in teachers]), "考核记录": rows,
              "提交登记": [["提交登记"], ["工号", "姓名", "材料", "提交日期"], *submissions]}
    return compute(sheets, {"考核记录": merges}, spec=spec)


PRACTICE = "说课材料、课件、教学实录或教学设计（7分）"


def test_submission_without_date_is_pending():
    """Verify an empty 提交日期 is an error on its cell and leaves 迟交 (so the 7-point item) 待核实."""
    r = _xinghuo([["A1", "张丽", "实践作业", None], ["A2", "王强", "实践作业", XH_DEADLINE],
                  ["A3", "李娜", "实践作业", dt.date(2021, 6, 7)]])
    [p] = problems(r, "no-date")
    assert (p.sheet, p.cell, p.severity) == ("提交登记", "D3", "错误")
    assert row_of(r, "张丽")[PRACTICE] == PENDING
    assert row_of(r, "王强")[PRACTICE] == 7                      # on the deadline: on time
    assert row_of(r, "李娜")[PRACTICE] == 6                      # 6月7日: 资料迟交 1 次 × 1 = 7 − 1


def test_absent_material_policy():
    """Verify a teacher without the 实践作业 row others have: 未交 (不纳入考核 → 0) with a 警告, or 待核实."""
    subs = [["A1", "张丽", "实践作业", XH_DEADLINE], ["A2", "王强", "实践作业", XH_DEADLINE]]
    r = _xinghuo(subs)
    assert row_of(r, "李娜")[PRACTICE] == 0
    [p] = problems(r, "absent-material")
    assert p.severity == "警告" and "说课材料" in p.message and p.cell == "B6"    # 李娜's 姓名 in 考核记录
    assert r.exit_code == 1
    r = _xinghuo(subs, spec=with_policy(XINGHUO, "submission_absent", "pending"))
    assert row_of(r, "李娜")[PRACTICE] == PENDING and row_of(r, "张丽")[PRACTICE] == 7


def test_signin_without_date_is_pending():
    """Verify a 签到登记 row with no 日期 is an error, and the 参与情况 of everyone in that session is 待核实.

    教研活动 (dated) has both teachers signed in; the 专题讲座 row has no date, so whether 王强 missed it is unknown.
    A second, dated school: 王强 has no row for 专题讲座 → 缺席 1 → 参与情况 5 − 1 = 4.
    """
    day = dt.date(2025, 10, 9)
    head = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
            [day, "教研活动", "全体", "T1", "张丽", "已签到"], [day, "教研活动", "全体", "T2", "王强", "已签到"]]
    for date, expected in ((None, PENDING), (dt.date(2025, 10, 16), 4)):
        sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
        sheets["签到登记"] = [*head, [date, "专题讲座", "全体", "T1", "张丽", "已签到"]]
        r = compute(sheets, merges)
        assert row_of(r, "王强")["参与情况（5分）"] == expected
        if date is None:
            assert [(p.sheet, p.cell) for p in problems(r, "no-date")] == [("签到登记", "A5")]
            assert row_of(r, "张丽")["参与情况（5分）"] == PENDING


@pytest.mark.parametrize(("choice", "expected"), [("zero", (0, 25, 30)), ("exclude", ("不纳入考核", 25, 25))])
def test_not_counted_zero_or_left_out(choice, expected):
    """Verify 不纳入考核 under both readings: 心得未交 → 学习心得 (5分) is 0 of 30, or left out of a 25-point total.

    zero: 5+3+5+7+0+5 = 25 of 30. exclude: 5+3+5+7+5 = 25 of 30 − 5 = 25, and the item shows 不纳入考核.
    """
    spec = with_policy(XINGHUO, "not_counted", choice)
    rows, merges = record_sheet(spec, [("A1", "张丽", {"心得未交": 1}), ("A2", "王强", {})])
    r = compute({"教师名册": roster(("A1", "张丽"), ("A2", "王强")), "考核记录": rows}, {"考核记录": merges},
                spec=spec)
    row = row_of(r, "张丽")
    report = next(t for t in r.report["teachers"] if t["name"] == "张丽")
    assert (row["学习心得、感悟或教学反思（5分）"], row["总分（30分）"], report["full_marks"]) == expected
    assert row_of(r, "王强")["总分（30分）"] == 30
    [detail] = [d for d in table(r, "扣分明细") if d["姓名"] == "张丽"]
    assert detail["扣分"] == (-5 if choice == "zero" else 0)
