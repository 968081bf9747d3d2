"""Hidden rows, a filter left on, and hidden columns (readers/hidden.py; README 表格格式).

Policy: a hidden or filtered-out row still counts — one 警告 per sheet names the hidden rows its table read
and says to delete a row that must not count; a hidden column the table reads is said the same way. Found in
the sheet XML (`<row hidden="1">`, `<col hidden="1">`, `<autoFilter>`) and in an .xls's ROW/COLINFO records.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from badfiles import soffice_convert
from hours_books import compute as compute_file
from hours_books import table, write_book
from openpyxl import load_workbook
from real_input import LANXI4, XINGHUO, book, direct_sheet, lanxi4_record, record_sheet, roster, row_of

from xlrubric.pipeline import compute_book
from xlrubric.readers.hidden import hidden_lines
from xlrubric.readers.raw import HiddenLines, row_spans

D = dt.date
ROSTER = [["B01", "王芳", "女", D(1985, 3, 1), D(2008, 9, 1), "语文", "语文组", ""]]


def test_hidden_lines_from_sheet_xml():
    """Verify which tags count as hidden: hidden="1"/"true" on a row (any attribute order, a prefix), not "0";
    a <col> range; the word in a cell's text is no tag; an autoFilter is seen."""
    data = (b'<worksheet><cols><col min="3" max="5" width="9" hidden="1"/><col min="7" max="7" hidden="0"/></cols>'
            b'<sheetData><row r="2" spans="1:3"><c r="A2" t="inlineStr"><is><t>hidden="1"</t></is></c></row>'
            b'<row r="4" spans="1:3" hidden="1" x14ac:dyDescent="0.25"><c r="A4"><v>1</v></c></row>'
            b"<x:row hidden='true' r=\"9\"><c r=\"A9\"><v>1</v></c></x:row>"
            b'<row r="10" hidden="0"><c r="A10"><v>1</v></c></row></sheetData>'
            b'<autoFilter ref="A1:C10"/></worksheet>')
    # rows 4 and 9 (0-based 3 and 8); columns C..E (0-based 2..4)
    assert hidden_lines(data) == HiddenLines(frozenset({3, 8}), ((2, 4),), True)
    assert not hidden_lines(b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>')
    assert row_spans([5, 8, 9, 10, 11, 12, 20]) == "5、8-12、20"


def _hide(path: Path, sheet: str, rows: list[int], cols: list[str] = (), filter_ref: str = "") -> Path:
    wb = load_workbook(path)
    ws = wb[sheet]
    for r in rows:
        ws.row_dimensions[r].hidden = True
    for c in cols:
        ws.column_dimensions[c].hidden = True
    if filter_ref:
        ws.auto_filter.ref = filter_ref
    wb.save(path)
    return path


def _register(n: int) -> list[dict]:
    return [{"工号": "B01", "日期": D(2023, 10, 1) + dt.timedelta(days=k), "类别": "专题培训", "时长": 1}
            for k in range(n)]


def test_register_hidden_rows_still_count(tmp_path):
    """Verify 学时登记 (baiwanzi) with rows 4-5 filtered out and 时长 (H) hidden: all five 1-hour rows still count
    (学年合计 5 × 1 = 5), with one 警告 on A4 naming rows 4-5 and the filter, and one on H2 for the column."""
    path = _hide(write_book(tmp_path / "a.xlsx", ROSTER, _register(5)), "学时登记", [4, 5], ["H"], "A2:S7")
    res = compute_file(path, "baiwanzi")
    said = {p.code: p for p in res.problems if p.sheet == "学时登记"}
    rows, cols = said["hidden-rows"], said["hidden-columns"]
    assert (rows.severity, rows.cell, cols.severity, cols.cell) == ("警告", "A4", "警告", "H2")
    assert "第4-5行被筛选隐藏或手动隐藏，仍然计入" in rows.message and "请删除" in rows.message
    assert "H列（时长）" in cols.message
    assert table(res, "学时汇总")[0]["学年合计"] == 5


def test_long_register_hidden_row(tmp_path):
    """Verify a register past the short-sheet path (80 rows, data from row 3) says its hidden row 50 too:
    80 × 1 = 80 hours counted, the 警告 on A50 without the filter wording."""
    path = _hide(write_book(tmp_path / "b.xlsx", ROSTER, _register(80)), "学时登记", [50])
    res = compute_file(path, "baiwanzi")
    [p] = [p for p in res.problems if p.code == "hidden-rows"]
    assert (p.sheet, p.cell) == ("学时登记", "A50") and p.message.startswith("第50行是隐藏的，仍然计入")
    assert table(res, "学时汇总")[0]["学年合计"] == 80


def test_roster_hidden_row_in_a_file(tmp_path):
    """Verify 教师名册's hidden row (row 3, 王芳) is said on A3 through a real file."""
    path = _hide(write_book(tmp_path / "c.xlsx", ROSTER, _register(1)), "教师名册", [3])
    res = compute_file(path, "baiwanzi")
    assert [(p.sheet, p.cell) for p in res.problems if p.code == "hidden-rows"] == [("教师名册", "A3")]


def _hidden_in(b, sheet: str, rows0: set[int]):
    b.sheets[sheet].hidden = HiddenLines(frozenset(rows0))
    return b


def test_every_rubric_sheet_says_its_hidden_rows():
    """Verify 教师名册, 考核记录, 签到登记 and 人工调整 (lanxi4) each say their hidden data row, and nothing changes
    the scores: 王强 计划未交 → 计划 0, 总分 50 − 5 = 45; 张丽 full marks, 计划 满分 by 人工调整 → 50."""
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {"计划未交": 1}))
    day = D(2025, 10, 9)
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [day, "教研活动", "全体", "T1", "张丽", "已签到"],
                      [day, "教研活动", "全体", "T2", "王强", "已签到"]]
    sheets["人工调整"] = [["人工调整"], ["工号", "姓名", "项目", "调整为", "原因"], ["T1", "张丽", "计划", 5, "已补交"]]
    b = book(sheets, merges)
    # 0-based rows: 名册 row 4 (王强), 考核记录 row 5 (王强; title + two header rows), 签到 row 3, 人工调整 row 3
    for sheet, row0 in (("教师名册", 3), ("考核记录", 4), ("签到登记", 2), ("人工调整", 2)):
        _hidden_in(b, sheet, {row0, 40})          # row 41 is past the data: not said
    r = compute_book(b, LANXI4, "预设 lanxi4")
    said = sorted((p.sheet, p.cell, p.severity) for p in r.problems if p.code == "hidden-rows")
    assert said == [("人工调整", "A3", "警告"), ("教师名册", "A4", "警告"), ("签到登记", "D3", "警告"),
                    ("考核记录", "A5", "警告")]
    assert row_of(r, "王强")["总分（50分）"] == 45 and row_of(r, "张丽")["总分（50分）"] == 50


def test_submissions_and_a_directors_own_sheet():
    """Verify 提交登记 (xinghuo) and a director's own scoring sheet (lanxi4 直接评分, data from row 3) say their
    hidden rows: 提交登记 row 4 → A4; 评分表 row 4 (乙老师) → B4 (its key column is 教师姓名)."""
    teachers = [("A1", "张丽", {}), ("A2", "王强", {})]
    rows, merges = record_sheet(XINGHUO, teachers)
    sheets = {"教师名册": roster(("A1", "张丽"), ("A2", "王强")), "考核记录": rows,
              "提交登记": [["提交登记"], ["工号", "姓名", "材料", "提交日期"],
                       ["A1", "张丽", "实践作业", D(2021, 6, 5)], ["A2", "王强", "实践作业", D(2021, 6, 5)]]}
    r = compute_book(_hidden_in(book(sheets, {"考核记录": merges}), "提交登记", {3}), XINGHUO, "预设 xinghuo")
    assert [(p.sheet, p.cell) for p in r.problems if p.code == "hidden-rows"] == [("提交登记", "A4")]
    direct, merges = direct_sheet()
    r = compute_book(_hidden_in(book(direct, merges), "考核评分表", {3}), LANXI4, "预设 lanxi4")
    assert [(p.sheet, p.cell) for p in r.problems if p.code == "hidden-rows"] == [("考核评分表", "B4")]


def test_xls_hidden_rows(tmp_path):
    """Verify an .xls (saved by LibreOffice) says its hidden rows and columns as the .xlsx does (ROW/COLINFO)."""
    path = _hide(write_book(tmp_path / "d.xlsx", ROSTER, _register(5)), "学时登记", [4, 5], ["H"])
    xls = soffice_convert(path, tmp_path / "lo", "xls")
    if xls is None:
        pytest.skip("LibreOffice is not installed")
    res = compute_file(xls, "baiwanzi")
    said = sorted((p.code, p.cell) for p in res.problems if p.sheet == "学时登记" and p.code.startswith("hidden"))
    assert said == [("hidden-columns", "H2"), ("hidden-rows", "A4")]
    assert table(res, "学时汇总")[0]["学年合计"] == 5


def test_a_hidden_sheet_is_read_and_said(tmp_path):
    """Verify a hidden 学时登记 sheet (baiwanzi, through a file) still counts, 5 × 1 = 5 学时, with one 警告 naming
    its rows 3-7 on A3; and a hidden 签到登记 (lanxi4) still counts 王强's absence: 参与情况 5 − 1 = 4."""
    path = write_book(tmp_path / "e.xlsx", ROSTER, _register(5))
    wb = load_workbook(path)
    wb["学时登记"].sheet_state = "hidden"
    wb.save(path)
    res = compute_file(path, "baiwanzi")
    [p] = [p for p in res.problems if p.code == "hidden-sheet"]
    assert (p.sheet, p.cell, p.severity) == ("学时登记", "A3", "警告") and "第3-7行仍然计入" in p.message
    assert table(res, "学时汇总")[0]["学年合计"] == 5
    sheets, merges = lanxi4_record(("T1", "张丽", {}), ("T2", "王强", {}))
    sheets["签到登记"] = [["签到登记"], ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"],
                      [D(2025, 10, 9), "研修1", "全体", "T1", "张丽", "已签到"]]
    b = book(sheets, merges)
    b.sheets["签到登记"].visible = "hidden"
    r = compute_book(b, LANXI4, "预设 lanxi4")
    assert [(p.sheet, p.cell) for p in r.problems if p.code == "hidden-sheet"] == [("签到登记", "D3")]
    assert row_of(r, "王强")["参与情况（5分）"] == 4


def test_hidden_rule_rows_still_count_and_are_said(tmp_path: Path):
    """Verify a 考核细则 row hidden by the school (meaning, perhaps, "we don't use this") is still a rule — 李娜's 2
    迟到 cost 2 × 0.5 (lanxi4 seed 003: "迟到、间缺、早退一次扣0.5分"), 总分 50 − 1 = 49 — and that 校验问题 and
    `xlrubric lint FILE` say so once, naming the row and saying to delete it; lanxi4's lint is otherwise all
    decided (exit 0), so the hidden row alone makes it exit 1. Without the hidden row neither says anything."""
    from batchbooks import LANXI4_TEACHERS, school_book
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from xlrubric.cli import app
    from xlrubric.pipeline import resolve_spec
    from xlrubric.readers.workbook import open_workbook

    def run(path: Path):
        raw = open_workbook(path, settle=0)
        spec, source = resolve_spec(raw, preset="lanxi4")
        results = compute_book(raw, spec, source)
        lint = CliRunner().invoke(app, ["lint", str(path), "--json"])
        return results, lint

    plain = school_book(tmp_path / "plain.xlsx", "lanxi4", "兰西四中", LANXI4_TEACHERS[:2])
    results, lint = run(plain)
    assert [p for p in results.problems if p.sheet == "考核细则"] == []
    assert lint.exit_code == 0 and "hidden_rows" not in lint.stdout
    ws = load_workbook(plain)["考核细则"]
    [row] = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "迟到间缺早退次数"]
    hidden = _hide(school_book(tmp_path / "hidden.xlsx", "lanxi4", "兰西四中", LANXI4_TEACHERS[:2]), "考核细则",
                   [row, ws.max_row + 3])                  # a blank hidden row below the rules is no rule
    results, lint = run(hidden)
    [said] = [p for p in results.problems if p.sheet == "考核细则"]
    assert (said.code, said.severity, said.cell) == ("hidden-rows", "警告", f"A{row}")
    assert f"考核细则第{row}行是隐藏的，其中的规则仍然使用" in said.message and "删除" in said.message
    assert row_of(results, "李娜")["总分（50分）"] == 49
    assert lint.exit_code == 1
    [finding] = [f for f in json.loads(lint.stdout) if f["check"] == "hidden_rows"]
    assert (finding["kind"], finding["where"], finding["message"]) == ("警告", f"考核细则!A{row}", said.message)


def _own_rules_book(path: Path, *, sheet_state: str = "visible", rows: list[int] = (), cols: list[str] = (),
                    filter_ref: str = "", extra: dict[str, str] | None = None) -> Path:
    """兰西四中's workbook with its own 考核细则 (lanxi4: header on row 2; 李娜 has 2 迟到间缺早退), then hidden as
    asked; `extra` writes cells first (a column the rules reader does not read)."""
    from batchbooks import LANXI4_TEACHERS, school_book

    school_book(path, "lanxi4", "兰西四中", LANXI4_TEACHERS[:2])
    wb = load_workbook(path)
    ws = wb["考核细则"]
    for ref, value in (extra or {}).items():
        ws[ref] = value
    ws.sheet_state = sheet_state
    wb.save(path)
    return _hide(path, "考核细则", list(rows), list(cols), filter_ref)


def _compute_and_lint(path: Path):
    """The results of computing the workbook by its own rules, its 考核细则 problems, and `xlrubric lint FILE
    --json` (exit code, findings)."""
    from typer.testing import CliRunner

    from xlrubric.cli import app
    from xlrubric.pipeline import resolve_spec
    from xlrubric.readers.workbook import open_workbook

    raw = open_workbook(path, settle=0)
    spec, source = resolve_spec(raw, preset="lanxi4")
    results = compute_book(raw, spec, source)
    lint = CliRunner().invoke(app, ["lint", str(path), "--json"])
    return results, [p for p in results.problems if p.sheet == "考核细则"], lint.exit_code, json.loads(lint.stdout)


def _totals(results) -> dict[str, object]:
    return {r["姓名"]: r["总分（50分）"] for r in table(results, "考核结果")}


def test_hidden_rule_columns_still_count_and_are_said(tmp_path: Path):
    """Verify hidden columns of the school's own 考核细则 are still read, and said once, by letter and header:
    分值 (E) hidden, 李娜's 2 迟到 still cost 2 × 0.5 (E22, seed 003 "迟到、间缺、早退一次扣0.5分"): 总分
    50 − 1 = 49, every total as unhidden. 说明 (I: text on the 策略 rows) is named too; an empty hidden column (J)
    and a hidden column the rules reader does not read (K, 备注, with text) are not. lint says the same (exit 1);
    the unhidden workbook says nothing of hidden columns (and lint exits 0)."""
    plain, plain_said, plain_exit, plain_lint = _compute_and_lint(_own_rules_book(tmp_path / "plain.xlsx"))
    assert plain_said == [] and plain_exit == 0 and not [f for f in plain_lint if f["check"].startswith("hidden")]
    path = _own_rules_book(tmp_path / "cols.xlsx", cols=["E", "I", "J", "K"], extra={"K2": "备注", "K16": "旧分值"})
    results, said, exit_code, findings = _compute_and_lint(path)
    [p] = said
    assert (p.code, p.severity, p.cell) == ("hidden-columns", "警告", "E2")
    assert p.message == ("考核细则第E列（分值）、第I列（说明）是隐藏的，其中的内容仍然使用；"
                         "请取消隐藏后核对，不用的内容请清空，而不是隐藏")
    assert _totals(results) == _totals(plain) and row_of(results, "李娜")["总分（50分）"] == 49
    assert exit_code == 1
    [finding] = [f for f in findings if f["check"] == "hidden_columns"]
    assert (finding["kind"], finding["where"], finding["message"]) == ("警告", "考核细则!E2", p.message)


@pytest.mark.parametrize(("state", "how"), [("hidden", "隐藏"), ("veryHidden", "深度隐藏")])
def test_hidden_rules_sheet_still_counts_and_is_said(tmp_path: Path, state: str, how: str):
    """Verify a 考核细则 sheet hidden (or veryHidden) as a whole — a director may hide it meaning "not in use" —
    is still the workbook's rules, said once on its first rule (A3): 李娜 2 × 0.5 → 49, every total as with the
    sheet shown; lint says the same (exit 1). The veryHidden wording says where to unhide it."""
    plain, *_ = _compute_and_lint(_own_rules_book(tmp_path / "plain.xlsx"))
    results, said, exit_code, findings = _compute_and_lint(_own_rules_book(tmp_path / "h.xlsx", sheet_state=state))
    [p] = said
    assert (p.code, p.severity, p.cell) == ("hidden-sheet", "警告", "A3")
    assert p.message.startswith(f"工作表「考核细则」是{how}的，其中的规则仍然使用（本工作簿按这张表计算）；"
                                "不用这些规则请删除这张表，而不是隐藏；要用请取消隐藏后核对")
    assert ("VBA" in p.message) == (state == "veryHidden")
    assert results.rules_source.startswith("工作簿中的考核细则表")
    assert _totals(results) == _totals(plain) and row_of(results, "李娜")["总分（50分）"] == 49
    assert exit_code == 1
    [finding] = [f for f in findings if f["check"] == "hidden_sheet"]
    assert (finding["kind"], finding["where"], finding["message"]) == ("警告", "考核细则!A3", p.message)


def test_rule_rows_hidden_by_a_filter_are_said_with_the_filter(tmp_path: Path):
    """Verify a filter left on 考核细则 that hides the 迟到 rule (row 22) is said in the one hidden-rows 警告 —
    no second one — with the filter wording, like the data tables: 李娜 2 × 0.5 → 49 all the same; lint the
    same. A filter that hides nothing says nothing."""
    plain, plain_said, *_ = _compute_and_lint(_own_rules_book(tmp_path / "f0.xlsx", filter_ref="A2:I57"))
    assert plain_said == []
    results, said, exit_code, findings = _compute_and_lint(
        _own_rules_book(tmp_path / "f.xlsx", rows=[22], filter_ref="A2:I57"))
    [p] = said
    assert (p.code, p.severity, p.cell) == ("hidden-rows", "警告", "A22")
    assert p.message == ("考核细则第22行被筛选隐藏或手动隐藏，其中的规则仍然使用；"
                         "不用的规则请删除这一行（或清空这一行），而不是隐藏（表上有筛选：也请清除筛选后核对）")
    assert _totals(results) == _totals(plain) and row_of(results, "李娜")["总分（50分）"] == 49
    assert exit_code == 1
    [finding] = [f for f in findings if f["check"] == "hidden_rows"]
    assert finding["message"] == p.message


def test_hidden_rules_sheet_columns_and_rows_in_an_xls(tmp_path: Path):
    """Verify the same three 警告 from an .xls (LibreOffice's conversion: the sheet's state from the BOUNDSHEET,
    rows and columns from ROW/COLINFO): the sheet hidden, the 迟到 rule row 22, 分值 (E) and 说明 (I)."""
    from xlrubric.readers.workbook import open_workbook
    from xlrubric.spec.hidden import hidden_rules

    src = _own_rules_book(tmp_path / "rules.xlsx", sheet_state="hidden", rows=[22], cols=["E", "I"])
    xls = soffice_convert(src, tmp_path / "out", "xls")
    if xls is None:
        pytest.skip("LibreOffice is not installed")
    said = hidden_rules(open_workbook(xls, settle=0).sheet("考核细则"), xls.name)
    assert [(p.code, p.cell) for p in said] == [("hidden-sheet", "A3"), ("hidden-rows", "A22"),
                                                 ("hidden-columns", "E2")]
    assert "第E列（分值）、第I列（说明）" in said[2].message
