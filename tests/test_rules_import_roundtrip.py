"""Verify the imported rules on real workbooks: the sample schools compute the same as under the presets,
and the director's round trip (import → decide in the sheet → template --rules → fill → compute) works.

The director's decisions (RESOLVE) and the plan's additions (PLAN_EDITS) are those of test_rules_import.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rubric_tables as rt
from test_rules_import import RESOLVE, event_map, resolved

from xlrubric.rulesimport import import_rules
from xlrubric.rulesimport.build import PROGRAM_POLICIES
from xlrubric.spec.load import load_preset, to_mapping
from xlrubric.spec.model import PENDING, Spec

# ---------------------------------------------------------------- the sample workbooks, and the round trip

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RUBRIC_SHEETS = {"考核记录", "签到登记", "提交登记", "人工调整"}


def with_rules(book: Path, spec: Spec, mapping: dict[str, str], out: Path) -> Path:
    """A copy of a school's workbook whose 考核细则 sheet holds `spec` and whose 考核记录 columns carry the
    imported rules' names (openpyxl is fine for a test copy; the school's own file is never touched)."""
    import openpyxl

    from xlrubric.spec.sheet import RULES_SHEET, spec_to_rows

    wb = openpyxl.load_workbook(book)
    del wb[RULES_SHEET]
    ws = wb.create_sheet(RULES_SHEET)
    for row in spec_to_rows(spec):
        ws.append(row)
    for row in wb["考核记录"].iter_rows(max_row=4):
        for cell in row:
            if cell.value in mapping:
                cell.value = mapping[cell.value]
    wb.save(out)
    return out


def rubric_results(results) -> tuple[list, list]:
    teachers = [(t["id"], t["name"], list(t["items"].values()), t["total"], t.get("band"))
                for t in results.report["teachers"]]
    problems = sorted((p.code, p.sheet, p.cell, p.severity) for p in results.problems if p.sheet in RUBRIC_SHEETS)
    return teachers, problems


@pytest.mark.parametrize("book,preset", [
    ("xinghuo.xlsx", "xinghuo"), ("lanxi4.xlsx", "lanxi4"),
    ("county/星火乡/星火乡第一中学.xlsx", "xinghuo"), ("county/兰西镇/兰西四中.xlsx", "lanxi4")])
def test_sample_workbooks_compute_the_same(rubric_sources, tmp_path: Path, book: str, preset: str):
    """Verify every sample workbook of these schools (registers, typed counts, mistakes, 人工调整) computes
    the same scores, 等次 and rubric problems under the imported rules as under the preset."""
    from xlrubric.process import compute_file

    imported = resolved(import_rules(rubric_sources[(preset, "docx")])[0], preset)
    mapping = event_map(load_preset(preset), imported)
    ref, _ = compute_file(SAMPLES / book, tmp_path / "ref.xlsx")
    copy = with_rules(SAMPLES / book, imported, mapping, tmp_path / "imported_in.xlsx")
    got, _ = compute_file(copy, tmp_path / "imported_out.xlsx")
    assert rubric_results(got) == rubric_results(ref)
    assert len(ref.report["teachers"]) > 10


def decide(rules_book: Path, choices: dict[str, str]) -> None:
    """The director's edit: in each 策略 row of the 考核细则 sheet, 方式 from 待确认 to an option."""
    import openpyxl

    wb = openpyxl.load_workbook(rules_book)
    ws = wb["考核细则"]
    rows = list(ws.iter_rows())
    at = next(i for i, r in enumerate(rows) if r[0].value == "类别")
    col = {c.value: j for j, c in enumerate(rows[at])}
    for r in rows[at + 1:]:
        if r[col["类别"]].value == "策略" and r[col["所属项目"]].value not in PROGRAM_POLICIES:
            assert r[col["方式"]].value == PENDING     # program policies come decided (their default)
            r[col["方式"]].value = choices[r[col["所属项目"]].value]
    wb.save(rules_book)


def fill_school(template: Path, target: Path, mapping: dict[str, str]) -> Path:
    """test_template_fill's five teachers, typed into the template made from the imported rules."""
    import openpyxl
    from test_template_fill import TEACHERS

    wb = openpyxl.load_workbook(template)
    roster, record = wb["教师名册"], wb["考核记录"]
    events = {record.cell(3, c).value: c for c in range(1, record.max_column + 1)}
    for i, (tid, name, counts) in enumerate(TEACHERS):
        for ws, row in ((roster, 3 + i), (record, 4 + i)):
            ws.cell(row, 1, tid)
            ws.cell(row, 2, name)
        for event, n in counts.items():
            record.cell(4 + i, events[mapping[event]], n)
    wb.save(target)
    return target


def test_director_round_trip(rubric_sources, tmp_path: Path):
    """Verify import → 考核细则 sheet with its open questions → decide them in the sheet → template --rules →
    fill → compute gives test_template_fill's hand-computed lanxi4 results; before deciding, the touched
    items compute as 待核实."""
    from python_calamine import CalamineWorkbook
    from test_template_fill import EXPECTED, totals
    from typer.testing import CliRunner

    from xlrubric.cli import app
    from xlrubric.spec.load import load_rules_file

    runner = CliRunner()
    docx, rules = rubric_sources[("lanxi4", "docx")], tmp_path / "本校细则.xlsx"
    result = runner.invoke(app, ["rules", "import", str(docx), "-o", str(rules)])
    assert result.exit_code == 1, result.output                   # open questions: exit 1, file written
    assert "待确认" in result.output and "已导入 6 个项目、17 条扣分规则" in result.output
    assert runner.invoke(app, ["rules", "import", str(docx), "-o", str(rules)]).exit_code == 2   # exists
    spec, _ = import_rules(docx)
    assert to_mapping(load_rules_file(rules)) == to_mapping(spec)  # the sheet holds exactly the import
    mapping = event_map(load_preset("lanxi4"), resolved(spec, "lanxi4"))

    template = tmp_path / "模板.xlsx"
    assert runner.invoke(app, ["template", "--rules", str(rules), "-o", str(template)]).exit_code == 0
    school = fill_school(template, tmp_path / "我校.xlsx", mapping)
    result = runner.invoke(app, ["compute", str(school)])
    assert result.exit_code == 1, result.output
    sheet = CalamineWorkbook.from_path(str(tmp_path / "我校_结果.xlsx")).get_sheet_by_name("考核结果").to_python()
    head = sheet[0]
    wang = next(r for r in sheet if r[1] == "王强")
    assert wang[head.index("参与情况（5分）")] == 4.0             # 5 − 2×0.5: 参与情况 has no open question
    assert {wang[head.index(h)] for h in ("计划（5分）", "总分（50分）", "等次")} == {"待核实"}

    lint = runner.invoke(app, ["lint", str(rules)])
    assert lint.exit_code == 1 and "待确认" in lint.output
    decide(rules, RESOLVE["lanxi4"])
    lint = runner.invoke(app, ["lint", str(rules)])
    assert lint.exit_code == 0, lint.output
    template2 = tmp_path / "模板2.xlsx"
    assert runner.invoke(app, ["template", "--rules", str(rules), "-o", str(template2)]).exit_code == 0
    school2 = fill_school(template2, tmp_path / "我校2.xlsx", mapping)
    result = runner.invoke(app, ["compute", str(school2)])
    assert result.exit_code == 0, result.output
    assert totals(tmp_path / "我校2_结果.xlsx") == {k: (float(a), float(b), c) for k, (a, b, c) in EXPECTED.items()}


def test_import_from_stdin_and_refusals(tmp_path: Path):
    """Verify pasted text on standard input imports to YAML, and what cannot be read is said in Chinese."""
    from typer.testing import CliRunner

    from xlrubric.cli import app
    from xlrubric.spec.load import load_rules_file

    runner = CliRunner()
    out = tmp_path / "本校细则.yaml"
    result = runner.invoke(app, ["rules", "import", "-", "-o", str(out)], input=rt.word_paste_text("xinghuo"))
    assert result.exit_code == 1, result.output
    spec = load_rules_file(out)
    assert [i.full for i in spec.rubric.items] == [5, 3, 5, 7, 5, 5] and spec.rubric.total == 30
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    result = runner.invoke(app, ["rules", "import", str(tmp_path / "旧.doc"), "-o", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 2 and "另存为" in result.output
    (tmp_path / "无表.txt").write_text("本校考核办法：每次扣1分。\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "import", str(tmp_path / "无表.txt"), "-o", str(tmp_path / "b.xlsx")])
    assert result.exit_code == 2 and "表头" in result.output
    assert not (tmp_path / "a.xlsx").exists() and not (tmp_path / "b.xlsx").exists()


def test_uploaded_bytes_are_recognised_by_content(rubric_sources):
    """Verify the bytes of an upload (the 模板 page's import) read the same as the file, with or without a name."""
    for form in ("docx", "xlsx"):
        path = rubric_sources[("lanxi4", form)]
        by_path, _ = import_rules(path)
        for name in (path.name, "", "上传.bin"):
            spec, _ = import_rules(path.read_bytes(), name=name)
            assert to_mapping(spec)["rubric"] == to_mapping(by_path)["rubric"]
    text, _ = import_rules(rt.word_paste_text("lanxi4").encode("gb18030"), name="细则.txt")
    assert to_mapping(text)["rubric"] == to_mapping(by_path)["rubric"]
