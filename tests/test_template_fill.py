"""Verify the new user's path: template → fill in five teachers → compute, rules from the 考核细则 sheet.

Expected values by hand from seed 003 (lanxi4): items 计划5 参与5 心得10 评课10 教学反思10 总结10; 折算分 =
总分×40/50; 优秀 ≥36 limited to floor(5×40%) = 2 teachers; 良好 ≥24; 一般 below.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xlrubric.cli import app

TEACHERS = [  # 工号, 姓名, {event: count}
    ("101", "张丽", {}),                                               # 50 → 40
    ("102", "王强", {"计划未及时提交": 1, "迟到间缺早退次数": 2}),     # 5-0.5, 5-1 → 48.5 → 38.8
    ("103", "李娜", {"心得体会缺项数": 1}),                             # 10-2 → 48 → 38.4: third, quota full
    ("104", "赵敏", {"研修总结未交": 1, "评课材料缺项数": 2}),          # 0 and 8 → 38 → 30.4
    ("105", "刘洋", {"缺席研修活动次数": 5, "心得体会未交": 1, "教学反思未交": 1}),   # 0,0,0 → 25 → 20
]
EXPECTED = {"张丽": (50, 40, "优秀"), "王强": (48.5, 38.8, "优秀"), "李娜": (48, 38.4, "良好"),
            "赵敏": (38, 30.4, "良好"), "刘洋": (25, 20, "一般")}


def fill(template: Path, target: Path, rule_change: tuple[str, float] | None = None) -> Path:
    wb = openpyxl.load_workbook(template)
    roster, record = wb["教师名册"], wb["考核记录"]
    events = {record.cell(3, c).value: c for c in range(1, record.max_column + 1)}
    for i, (tid, name, counts) in enumerate(TEACHERS):
        roster.cell(3 + i, 1, tid)
        roster.cell(3 + i, 2, name)
        record.cell(4 + i, 1, tid)
        record.cell(4 + i, 2, name)
        for event, n in counts.items():
            record.cell(4 + i, events[event], n)
    if rule_change:
        rules = wb["考核细则"]
        for row in rules.iter_rows(min_row=3):
            if row[0].value == "扣分" and row[1].value == rule_change[0]:
                row[4].value = rule_change[1]
    wb.save(target)
    return target


def totals(path: Path) -> dict[str, tuple]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("考核结果").to_python()
    head = rows[0]
    return {r[1]: (r[head.index("总分（50分）")], r[head.index("折算分（40分制）")], r[head.index("等次")])
            for r in rows[1:]}


def test_fill_template_and_compute(tmp_path: Path):
    template = tmp_path / "模板.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["template", "lanxi4", "-o", str(template)]).exit_code == 0
    again = runner.invoke(app, ["template", "lanxi4", "-o", str(template)])
    assert again.exit_code == 2 and "已存在" in again.output            # refuses to overwrite
    school = fill(template, tmp_path / "我校.xlsx")
    result = runner.invoke(app, ["compute", str(school)])               # no --preset: the sheet's rules
    assert result.exit_code == 0, result.output
    assert "工作簿中的考核细则表" in result.output
    got = totals(tmp_path / "我校_结果.xlsx")
    assert got == {k: (float(a), float(b), c) for k, (a, b, c) in EXPECTED.items()}
    # The template's 学时登记 was left blank: the duties are "not checked", not "nobody met them".
    assert "学时达标" not in result.output
    problems = CalamineWorkbook.from_path(str(tmp_path / "我校_结果.xlsx")).get_sheet_by_name("校验问题").to_python()
    assert any(r[0] == "提示" and r[1] == "学时登记" and "是空的" in r[4] for r in problems[1:])


def test_school_edits_its_own_rules_sheet(tmp_path: Path):
    template = tmp_path / "模板.xlsx"
    CliRunner().invoke(app, ["template", "lanxi4", "-o", str(template)])
    # The school decides 迟到/间缺/早退 costs 1 point each: 王强 loses 0.5 + 2 → 47.5 → 38.0, now below
    # 李娜's 38.4, so the two 优秀 places go to 张丽 and 李娜.
    school = fill(template, tmp_path / "我校.xlsx", ("迟到间缺早退次数", 1))
    result = CliRunner().invoke(app, ["compute", str(school), "--preset", "xinghuo"])
    assert result.exit_code == 0, result.output
    got = totals(tmp_path / "我校_结果.xlsx")
    assert got["王强"] == (47.5, 38.0, "良好")
    assert got["李娜"] == (48.0, 38.4, "优秀")
