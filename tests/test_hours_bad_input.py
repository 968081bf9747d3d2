"""Verify bad 学时登记 input: each mistake is a Chinese message on its own cell, the rest still counts, every
date form schools type is read, and the school's file is never changed (hash before and after)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hours_books import register_row, table, write_book

from xlrubric.pipeline.hours import OVERALL
from xlrubric.process import compute_file

D = dt.date
ROSTER = [
    ["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""],
    ["B02", "李强", "男", D(1980, 5, 2), D(2003, 9, 1), "数学", "数学组", ""],
]
# Columns: A 工号, B 姓名, C 日期, D 类别, E 角色, F 级别, G 等次, H 时长, ..., K 字数, N 题目, O 学年.
REGISTER = [
    {"工号": "B01", "日期": D(2023, 10, 12), "类别": "专题培训", "时长": 2},                  # 3: 2 (date cell)
    {"工号": "B01", "日期": "2023.10.13", "类别": "专题培训", "时长": 1},                      # 4: 1 (2023.10.13)
    {"工号": "B01", "日期": "2023/10/14", "类别": "专题培训", "时长": 1},                      # 5: 1
    {"工号": "B01", "日期": "10月15日", "学年": "2023-2024", "类别": "专题培训", "时长": 1},   # 6: 1, year from 学年
    {"工号": "B01", "日期": 45211, "类别": "专题培训", "时长": 1},            # 7: serial = 2023-10-12, 警告 C7
    {"工号": "B01", "日期": "3月5日", "学年": "2023-2024学年", "类别": "专题培训", "时长": 1},  # 8: March → 2024-03-05
    {"工号": "B01", "日期": D(2023, 10, 16), "类别": "读书心得", "时长": 2},                  # 9: unknown 类别 D9
    {"工号": "B01", "日期": D(2023, 10, 17), "类别": "论文获奖", "级别": "区级", "等次": "一等奖",
     "字数": 3000, "题目": "甲"},                                                              # 10: unknown 级别 F10
    {"工号": "B01", "日期": D(2022, 5, 1), "学年": "2023-2024", "类别": "专题培训", "时长": 3},  # 11: not in 学年 C11
    {"工号": "B01", "日期": D(2019, 10, 1), "类别": "专题培训", "时长": 3},                   # 12: before the cycle C12
    {"工号": "B01", "日期": D(2023, 10, 18), "类别": "专题培训", "时长": "3小时"},            # 13: 3, 警告 H13
    {"工号": "B01", "日期": D(2023, 10, 19), "类别": "专题培训", "时长": "记不清"},           # 14: not a number H14
    {"工号": "B02", "日期": D(2023, 11, 1), "类别": "反思成果", "字数": 1500, "审核状态": "已认定",
     "题目": "我的课堂"},                                                                      # 15: 4
    {"工号": "B02", "日期": D(2023, 11, 2), "类别": "反思成果", "字数": 1500, "审核状态": "已认定",
     "题目": "我的课堂"},                                                                      # 16: claimed twice N16
    {"工号": "B99", "姓名": "赵六", "日期": D(2023, 11, 3), "类别": "专题培训", "时长": 5},   # 17: not in 名册 A17
    {"工号": "B02", "日期": "下周一", "类别": "专题培训", "时长": 1},                          # 18: bad date C18
    {"工号": "B02", "日期": D(2023, 11, 5), "类别": "专题培训", "时长": 2, "审核状态": "审核中"},  # 19: 审核中=待审核
    {"工号": "B02", "日期": D(2023, 11, 9), "结束日期": D(2023, 11, 7), "类别": "集中培训"},  # 20: end < start S20
]


@pytest.fixture(name="run", scope="module")
def fixture_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    path = write_book(folder / "有错.xlsx", ROSTER, REGISTER)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    results, out = compute_file(path, folder / "有错_结果.xlsx", preset="baiwanzi")
    return results, out, before, hashlib.sha256(path.read_bytes()).hexdigest()


def test_messages_on_cells(run):
    """Verify each mistake is reported on its own cell with a Chinese message."""
    results = run[0]
    got = {(p.code, p.cell, p.severity) for p in results.problems if p.sheet == "学时登记"}
    assert got == {
        ("unknown-category", "D9", "错误"), ("unknown-level", "F10", "错误"), ("date-outside-year", "C11", "错误"),
        ("date-outside-year", "C12", "错误"), ("number-as-text", "H13", "警告"), ("not-a-number", "H14", "错误"),
        ("hours-limited", "N16", "提示"), ("unknown-teacher", "A17", "错误"), ("bad-date", "C18", "错误"),
        ("status-synonym", "P19", "提示"), ("end-before-start", "S20", "错误"), ("date-number", "C7", "警告")}
    msg = {p.cell: p.message for p in results.problems if p.sheet == "学时登记"}
    assert msg["C11"] == "日期2022-05-01不在所填的2023-2024学年内，本行学时待核实"
    assert msg["C12"] == "2019-2020学年不在本轮周期（2023-2024至2027-2028学年）内，本行未计入"
    assert msg["A17"] == "工号「B99」不在教师名册中，本行学时未计入"
    assert msg["D9"].startswith("类别「读书心得」不是细则中的类别，本行学时待核实")


def test_rest_still_counts(run):
    """Verify the good rows count and nothing rejected becomes a number (issue 11): B01's confirmed rows are
    2+1+1+1+1+1 (six date forms) + 3 ("3小时") = 10, B02's 4 + 2 = 6 (审核中 read as 待审核; row 16 has the same
    题目); rows 9, 10, 11, 14 (B01) and 18, 20 (B02) were rejected, so both 学年合计 are 待核实, citing the cells."""
    results = run[0]
    rows = {x["工号"]: x for x in table(results, "学时汇总")}
    assert rows["B01"]["已确认学时"] == 10 and rows["B01"]["学年合计"] == "待核实"
    assert rows["B02"]["已确认学时"] == 6 and rows["B02"]["学年合计"] == "待核实"
    assert rows["B01"][OVERALL] == "待核实"          # 10 < 40: the four rejected rows could still make up 30
    assert rows["B01"]["待核实"] == "学时登记 D9、F10、H14、C11"     # C11: its 学年 is unknown, listed last
    assert register_row(results, 8)["日期"] == "2024-03-05"
    assert register_row(results, 7)["日期"] == "2023-10-12"
    for row in (12, 16, 17):
        assert register_row(results, row)["状态"] == "无效学时", row
    for row in (9, 10, 11, 14, 18, 20):     # 20: no 天数 and a backwards 结束日期
        detail = register_row(results, row)
        assert (detail["状态"], detail["认定学时"]) == ("待核实", None), row


def test_original_unchanged_and_output_written(run):
    """Verify the school's file is byte-identical and the result workbook holds the new sheets."""
    results, out, before, after = run
    assert before == after
    from openpyxl import load_workbook
    wb = load_workbook(out, read_only=True)
    assert {"学时汇总", "学时明细", "校验问题", "学时登记", "教师名册"} <= set(wb.sheetnames)
