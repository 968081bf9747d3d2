"""Verify `xlrubric compute` end to end on real workbooks: registers, overrides, problems on their cells.

Expected scores are worked out by hand from seed 000 (xinghuo); see the comments on each teacher.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from schoolbooks import record_sheet, sha256, write_book
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.spec.load import load_preset

D = dt.date
XH = load_preset("xinghuo")


def read_sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@pytest.fixture(name="xinghuo_book")
def fixture_xinghuo_book(tmp_path: Path) -> Path:
    roster = [["教师名册"], ["工号", "姓名", "性别", "学科", "教研组"],
              ["A01", "张丽", "女", "语文", "语文组"], ["A02", "王强", "男", "语文", "语文组"],
              ["A03", "李娜", "女", "数学", "数学组"], ["A04", "赵敏", "女", "数学", "数学组"],
              ["A05", "刘洋", "男", "语文", "语文组"]]
    record, merges = record_sheet(XH, [
        ("A01", "张丽", {"研修总结项目数": 2}),
        ("A02", "王强", {"旷训次数": 1}),
        ("A03", "李娜", {"缺心得次数": "1次"}),
        ("A04", "赵敏", {}),
        ("A05", "刘洋", {"缺签到次数": 1}),
    ])
    signin = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
              [D(2021, 4, 20), "通识培训", "全体", "A01", "张丽", "已签到"],
              [D(2021, 4, 20), "通识培训", "全体", "A02", "王强", "已签到"],
              [D(2021, 4, 20), "通识培训", "全体", "A03", "李娜", None],
              [D(2021, 4, 20), "通识培训", "全体", "A04", "赵敏", "缺席"],
              [D(2021, 5, 11), "语文教研", "语文组", "A01", "张丽", "已签到"],
              [D(2021, 5, 11), "语文教研", "语文组", "A02", "王强", "迟到"],
              [D(2021, 5, 11), "语文教研", "语文组", "A05", "刘洋", "已签到"],
              [D(2021, 5, 11), "语文教研", "语文组", "A03", "李娜", "已签到"],
              [D(2021, 5, 25), "专题讲座", None, "A01", "张丽", None],
              [D(2021, 5, 25), "专题讲座", None, "A02", "王强", None],
              [D(2021, 5, 25), "专题讲座", None, "A03", "李娜", None],
              [D(2021, 5, 25), "专题讲座", None, "A04", "赵敏", None],
              [D(2021, 5, 25), "专题讲座", None, "9999", "无名", None]]
    submission = [["提交登记"], ["工号", "姓名", "材料", "提交日期"],
                  ["A01", "张丽", "心得体会", D(2021, 6, 1)], ["A01", "张丽", "实践作业", D(2021, 6, 5)],
                  ["A01", "张丽", "研修计划", D(2021, 4, 25)],
                  ["A02", "王强", "心得体会", D(2021, 6, 8)], ["A02", "王强", "说课材料", D(2021, 6, 3)],
                  ["A02", "王强", "研修计划", D(2021, 4, 26)],
                  ["A03", "李娜", "学习心得", D(2021, 6, 2)], ["A03", "李娜", "实践作业", "2021.6.10"],
                  ["A03", "李娜", "研修计划", "4月30日"],
                  ["A04", "赵敏", "心得体会", D(2021, 6, 4)], ["A04", "赵敏", "研修计划", D(2021, 4, 28)],
                  ["A05", "刘洋", "实践作业", D(2021, 6, 1)], ["A05", "刘洋", "读书笔记", D(2021, 6, 1)]]
    overrides = [["人工调整"], ["工号", "姓名", "项目", "调整为", "原因"],
                 ["A04", "赵敏", "实践作业", 6, "6月9日补交，经领导小组认定给6分"],
                 ["A01", "张丽", "研修总结", 5, None]]
    return write_book(tmp_path / "星火一中.xlsx",
                      {"教师名册": roster, "考核记录": record, "签到登记": signin, "提交登记": submission,
                       "人工调整": overrides},
                      {"考核记录": merges})


# 研修计划 | 参训考勤 | 研修记录 | 说课材料… | 学习心得… | 研修总结
EXPECTED = {
    # 张丽: 研修总结 2 items, fewer than three: 5-(3-2)×1 = 4. Her override has no reason: not applied.
    "张丽": [5, 3, 5, 7, 5, 4],
    # 王强: 旷训 1 → 3-0.5; 心得 handed in 6/8 after 6/5: 迟交 -0.5; 迟到 is not a xinghuo deduction.
    "王强": [5, 2.5, 5, 7, 4.5, 5],
    # 李娜: "1次" read as 1 → 心得 5-1; 实践作业 6/10 late → 资料迟交 1 × -1 → 6; "4月30日" is 2021-04-30.
    "李娜": [5, 3, 5, 6, 4, 5],
    # 赵敏: 缺席 通识培训 → 3-1; no 实践作业 → 不纳入考核 (0), then 人工调整 to 6.
    "赵敏": [5, 2, 5, 6, 5, 5],
    # 刘洋: no row for 通识培训 and 专题讲座 (全体) → 2 absences (typed 1 is overridden by the register);
    # no 心得 → 不纳入考核 0; no 研修计划 → 不上交的不得分 0.
    "刘洋": [0, 1, 5, 7, 0, 5],
}


def test_xinghuo_school_end_to_end(xinghuo_book: Path, tmp_path: Path):
    """Verify scores, 扣分明细 sources, problems on their cells, exit code 1 and an untouched original."""
    before = sha256(xinghuo_book)
    out = tmp_path / "结果.xlsx"
    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["compute", str(xinghuo_book), "-o", str(out), "--preset", "xinghuo",
                                      "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert sha256(xinghuo_book) == before
    rows = read_sheet(out, "考核结果")
    header = rows[0]
    assert header[:2] == ["工号", "姓名"] and header[8] == "总分（30分）"
    got = {r[1]: r[2:8] for r in rows[1:]}
    assert got == {name: [float(x) for x in v] for name, v in EXPECTED.items()}
    totals = {r[1]: r[8] for r in rows[1:]}
    assert totals == {"张丽": 29, "王强": 29, "李娜": 28, "赵敏": 28, "刘洋": 18}
    problems = {(r[1], r[2]): r[4] for r in read_sheet(out, "校验问题")[1:]}
    assert "不在教师名册" in problems[("签到登记", "D15")]          # 工号 9999
    assert "读书笔记" in problems[("提交登记", "C15")]               # not an item of the rubric
    assert "原因" in problems[("人工调整", "E4")]                     # override without a reason
    assert "按 1 计算" in problems[("考核记录", "O6")]               # "1次" read as a number
    assert "签到登记推算为 2" in problems[("考核记录", "F8")]       # typed 1, the register says 2
    details = read_sheet(out, "扣分明细")[1:]
    liu = [d for d in details if d[1] == "刘洋" and d[3] == "缺签到次数"][0]
    assert liu[6] == -2 and liu[8].startswith("签到登记") and "通识培训" in liu[9]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {t["name"]: t["total"] for t in data["teachers"]} == totals
    assert any(p["cell"] == "D15" and p["sheet"] == "签到登记" for p in data["problems"])


def test_clean_workbook_exits_zero(tmp_path: Path):
    record, merges = record_sheet(XH, [("1", "张丽", {}), ("2", "王强", {"缺签到次数": 1})])
    book = write_book(tmp_path / "a.xlsx", {"考核记录": record}, {"考核记录": merges})
    result = CliRunner().invoke(app, ["compute", str(book), "--preset", "xinghuo"])
    assert result.exit_code == 0, result.output
    rows = read_sheet(tmp_path / "a_结果.xlsx", "考核结果")
    assert [r[8] for r in rows[1:]] == [30, 29]
    # Printable as it is: A4 landscape, legible (not shrunk to one page wide: issue 13), header row repeated.
    ws = openpyxl.load_workbook(tmp_path / "a_结果.xlsx")["考核结果"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    assert int(ws.page_setup.scale) >= 85
    assert ws.print_title_rows == "$1:$1"


def test_reader_tolerates_layouts(tmp_path: Path):
    """Title rows, a leading empty column, blank rows, 全角 and synonym headers, numbers as text."""
    record, merges = record_sheet(XH, [("1", "张丽", {"缺签到次数": "２"}), ("2", "王强", {"旷训次数": "三次"})],
                                  title="星火一中 2021 考核记录", col0=1)
    record[1][1] = record[2][1] = "教师编号"            # a synonym for 工号
    record[2][3 + 1] = "研修计划 迟交"                   # stray space inside a header
    record.insert(4, [None])                             # a blank row between two teachers
    merges = [(r0 + (1 if r0 >= 4 else 0), c0, r1 + (1 if r1 >= 4 else 0), c1) for r0, c0, r1, c1 in merges]
    book = write_book(tmp_path / "b.xlsx", {"说明": [["本表由教务处填写"]], "考核记录": record}, {"考核记录": merges})
    result = CliRunner().invoke(app, ["compute", str(book), "--preset", "xinghuo"])
    assert result.exit_code == 1, result.output        # warnings for the numbers typed as text
    rows = read_sheet(tmp_path / "b_结果.xlsx", "考核结果")
    assert {r[1]: r[8] for r in rows[1:]} == {"张丽": 28, "王强": 28.5}     # 30-2×1; 30-3×0.5


def test_bad_input_messages(tmp_path: Path):
    record, merges = record_sheet(XH, [("1", "张丽", {"缺签到次数": -1}), ("1", "张丽", {}),
                                       ("2", "王强", {"研修总结项目数": 7, "旷训次数": 1.5})])
    book = write_book(tmp_path / "c.xlsx", {"考核记录": record}, {"考核记录": merges})
    before = sha256(book)
    result = CliRunner().invoke(app, ["compute", str(book), "--preset", "xinghuo"])
    assert result.exit_code == 1
    assert sha256(book) == before
    problems = {(r[1], r[2]): r[4] for r in read_sheet(tmp_path / "c_结果.xlsx", "校验问题")[1:]}
    assert "不能为负数" in problems[("考核记录", "F4")]
    assert "重复" in problems[("考核记录", "A5")]
    assert "最多为 4" in problems[("考核记录", "S6")]
    assert "整数" in problems[("考核记录", "G6")]


def test_unusable_input_exit_two(tmp_path: Path):
    other = write_book(tmp_path / "d.xlsx", {"Sheet1": [["随便什么"]]})
    result = CliRunner().invoke(app, ["compute", str(other), "--preset", "xinghuo"])
    assert result.exit_code == 2
    assert "d.xlsx" in result.output and "不是校本研修工作簿" in result.output
    record, merges = record_sheet(XH, [("1", "张丽", {})])
    book = write_book(tmp_path / "e.xlsx", {"考核记录": record}, {"考核记录": merges})
    result = CliRunner().invoke(app, ["compute", str(book)])
    assert result.exit_code == 2 and "--preset" in result.output
    missing = CliRunner().invoke(app, ["compute", str(tmp_path / "nope.xlsx"), "--preset", "xinghuo"])
    assert missing.exit_code == 2 and "不存在" in missing.output


def test_password_protected_workbook_keeps_its_password(tmp_path: Path):
    """Verify a protected workbook is read with --password and its result file has the same password."""
    import io

    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    record, merges = record_sheet(XH, [("1", "张丽", {"缺签到次数": 1})])
    plain = write_book(tmp_path / "plain.xlsx", {"考核记录": record}, {"考核记录": merges})
    locked = tmp_path / "加密.xlsx"
    with open(plain, "rb") as fh, open(locked, "wb") as out:
        OOXMLFile(fh).encrypt("abc123", out)
    before = sha256(locked)
    refused = CliRunner().invoke(app, ["compute", str(locked), "--preset", "xinghuo"])
    assert refused.exit_code == 2 and "--password" in refused.output
    wrong = CliRunner().invoke(app, ["compute", str(locked), "--preset", "xinghuo", "--password", "nope"])
    assert wrong.exit_code == 2 and "密码不正确" in wrong.output
    ok = CliRunner().invoke(app, ["compute", str(locked), "--preset", "xinghuo", "--password", "abc123"])
    assert ok.exit_code == 0, ok.output
    assert sha256(locked) == before
    result = tmp_path / "加密_结果.xlsx"
    office = msoffcrypto.OfficeFile(io.BytesIO(result.read_bytes()))
    assert office.is_encrypted()
    decrypted = io.BytesIO()
    office.load_key(password="abc123")
    office.decrypt(decrypted)
    decrypted.seek(0)
    rows = CalamineWorkbook.from_filelike(decrypted).get_sheet_by_name("考核结果").to_python()
    assert rows[1][8] == 29                                   # 30 - 1 missed sign-in

