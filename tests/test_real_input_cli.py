"""Verify issue 11's rubric side through the front doors: `compute` on a director's own sheet (exit code, the
written 考核结果 with its 待核实 fill, --report), `template --style 评分`, and `lint`'s wording.

lanxi4 (seed 003): 6 items = 50; 等次 on the 40-point scale (折算分 = 总分×40/50): 优秀 ≥36 at most 40% of
participants (rounded down), 良好 ≥24, 一般 below.
"""

from __future__ import annotations

import json

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from real_input import DIRECT_TEACHERS, direct_sheet, table, write
from test_real_input_rubric import DIRECT_EXPECTED, PENDING
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.pipeline import compute_book, resolve_spec
from xlrubric.readers.raw import RawBook, RawSheet


def test_cli_direct_sheet_report_and_fill(tmp_path):
    """Verify compute on a director's sheet: exit 1 (a 警告), hand-worked totals in the file and --report,
    and a 待核实 cell on its own fill in 考核结果."""
    teachers = [*DIRECT_TEACHERS, ("庚老师", [6, 5, 10, 10, 10, 10])]
    src = write(tmp_path / "兰西四中.xlsx", *direct_sheet(teachers, sheet="Sheet1"))
    out, report = tmp_path / "结果.xlsx", tmp_path / "r.json"
    result = CliRunner().invoke(app, ["compute", str(src), "-o", str(out), "--preset", "lanxi4",
                                      "--report", str(report)])
    assert result.exit_code == 1, result.output
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("考核结果").to_python()
    header = rows[0]
    totals = {r[1]: r[header.index("总分（50分）")] for r in rows[1:]}
    assert totals == {**{k: v[0] for k, v in DIRECT_EXPECTED.items()}, "庚老师": PENDING}
    body = json.loads(report.read_text(encoding="utf-8"))
    assert {t["name"]: t["total"] for t in body["teachers"]} == totals
    ws = load_workbook(out)["考核结果"]
    col = header.index("总分（50分）") + 1
    cell = next(ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "庚老师")
    assert cell.value == PENDING and cell.fill.fgColor.rgb == "FFF4B183"


def test_template_scores_style_round_trip(tmp_path):
    """Verify `template --style 评分` gives one column per item, and filling it in scores by hand arithmetic."""
    path = tmp_path / "评分模板.xlsx"
    result = CliRunner().invoke(app, ["template", "lanxi4", "-o", str(path), "--style", "评分"])
    assert result.exit_code == 0, result.output
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name("考核记录").to_python()
    assert rows[1][:8] == ["工号", "姓名", *["计划", "参与情况", "心得体会", "评课材料", "教学反思", "研修总结"]]
    rules = wb.get_sheet_by_name("考核细则").to_python()
    assert rules[next(i for i, r in enumerate(rules) if r[1] == "录入方式")][:2] == ["设置", "录入方式"]
    sheets = {n: RawSheet(n, wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names}
    sheets["考核记录"].rows[2:] = [["A1", "甲老师", 5, 5, 10, 10, 10, 10], ["A2", "乙老师", 4, 5, 9, 9, 9, 10]]
    sheets["教师名册"].rows[2:] = [["A1", "甲老师"], ["A2", "乙老师"]]
    book = RawBook("模板.xlsx", "xlsx", sheets)
    spec, source = resolve_spec(book)
    assert spec.rubric.input == "scores"
    r = compute_book(book, spec, source)
    # 甲 50 → 40 优秀; 乙 46 → 36.8 reaches 优秀, but 2×40% = 0.8 → 0 places: 良好 (and 甲 too).
    assert {x["姓名"]: (x["总分（50分）"], x["等次"]) for x in table(r, "考核结果")} == {
        "甲老师": (50, "良好"), "乙老师": (46, "良好")}


def test_lint_shows_band_gap_question_once():
    """Verify `lint lanxi4` states the band_gaps question once, not again under the (40, 50] finding."""
    result = CliRunner().invoke(app, ["lint", "lanxi4"], env={"COLUMNS": "400"})
    assert result.output.count("策略的问题：良好到24分") == 1
    assert "band_gaps = lower_bound（同上）" in result.output
