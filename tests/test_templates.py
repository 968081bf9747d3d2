"""Verify the blank templates: the checked-in files are current, and the layout contract the readers rely on.

Contract: row 1 title; row 2 header, data from row 3 — except 考核记录: row 2 item names (merged across
their events; 工号/姓名/备注 merged over rows 2–3), row 3 the events exactly as in the rubric, data from row 4.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.schemas.layout import INFO_FIELDS, Column, Layout
from xlrubric.spec.load import deserialize, load_preset, preset_ids
from xlrubric.spec.model import Spec
from xlrubric.spec.sheet import RULES_SHEET, rows_to_mapping
from xlrubric.writers import template as tpl

TEMPLATES = Path(__file__).resolve().parents[1] / "workbook_templates"
REGENERATE = "xlrubric template --all workbook_templates/ --force"
SHEETS = ["填写说明", "基本信息", "教师名册", "考核记录", "签到登记", "提交登记", "人工调整", "考核细则"]


@pytest.fixture(name="books", scope="module")
def fixture_books() -> dict[str, bytes]:
    return {pid: tpl.template_bytes(load_preset(pid)) for pid in ("xinghuo", "lanxi4")}


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def calamine(data: bytes, tmp_path: Path, name: str = "t.xlsx") -> CalamineWorkbook:
    path = tmp_path / name
    path.write_bytes(data)
    return CalamineWorkbook.from_path(str(path))


@pytest.mark.parametrize("preset", preset_ids())
def test_checked_in_template_is_current(preset: str):
    """Verify workbook_templates/<preset>.xlsx equals a fresh generation, part by part."""
    checked = TEMPLATES / f"{preset}.xlsx"
    assert checked.exists(), f"缺少 {checked.name}；请运行：{REGENERATE}"
    fresh, old = parts(tpl.template_bytes(load_preset(preset))), parts(checked.read_bytes())
    assert sorted(fresh) == sorted(old), f"{checked.name} 的部件不同；请运行：{REGENERATE}"
    stale = [name for name in fresh if fresh[name] != old[name]]
    assert not stale, f"{checked.name} 已过期（{', '.join(stale)}）；请运行：{REGENERATE}"


def test_generation_is_deterministic(books: dict[str, bytes]):
    """Verify two generations give the same bytes (fixed created date, fixed zip timestamps)."""
    assert tpl.template_bytes(load_preset("xinghuo")) == books["xinghuo"]


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
def test_opens_with_calamine_in_order(books: dict[str, bytes], tmp_path: Path, preset: str):
    """Verify the sheets, in order, and that 考核细则 reads back to an equal Spec."""
    book = calamine(books[preset], tmp_path)
    # lanxi4's duties (每月听课、反思…) are checked from 学时登记, so its template has that sheet too.
    assert book.sheet_names == (SHEETS if preset == "xinghuo" else [*SHEETS[:-1], "学时登记", SHEETS[-1]])
    rows = book.get_sheet_by_name(RULES_SHEET).to_python()
    assert deserialize(rows_to_mapping(rows)) == load_preset(preset)


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
def test_record_sheet_headers(books: dict[str, bytes], tmp_path: Path, preset: str):
    """Verify 考核记录: row 3 holds exactly the events in rubric order, row 2 the items over them."""
    spec = load_preset(preset)
    rows = calamine(books[preset], tmp_path).get_sheet_by_name("考核记录").to_python()
    events = [d.event for _, d in spec.rubric.deductions]
    assert rows[0][0] == f"{spec.name} 考核记录"
    assert rows[1][:2] == ["工号", "姓名"] and rows[1][-1] == "备注"
    assert [v for v in rows[2][2:-1]] == events
    assert [v for v in rows[1][2:-1] if v] == [i.name for i in spec.rubric.items]
    ws = openpyxl.load_workbook(io.BytesIO(books[preset]))["考核记录"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    last = openpyxl.utils.get_column_letter(len(events) + 3)
    assert {"A2:A3", "B2:B3", f"{last}2:{last}3"} <= merged
    assert "C2:E2" in merged if preset == "xinghuo" else "C2:F2" in merged    # 研修计划 3 events / 计划 4
    assert ws.freeze_panes == "C4"


def test_table_sheets_and_validations(books: dict[str, bytes]):
    """Verify title/header rows, freeze panes and the dropdowns and number rules on data rows."""
    wb = openpyxl.load_workbook(io.BytesIO(books["lanxi4"]))
    for name in ("教师名册", "签到登记", "提交登记", "人工调整"):
        ws = wb[name]
        assert ws.freeze_panes == "A3", name
        assert ws["A2"].font.b and ws["A1"].value
    dvs = {(ws.title, str(dv.sqref)): dv for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    items = [i.name for i in load_preset("lanxi4").rubric.items]
    assert dvs["提交登记", "C3:C502"].formula1 == '"' + ",".join(items) + '"'
    assert dvs["人工调整", "C3:C502"].formula1 == '"' + ",".join(items + ["等次"]) + '"'
    assert dvs["教师名册", "H3:H302"].type is None and "顿号" in dvs["教师名册", "H3:H302"].prompt   # multi
    assert dvs["教师名册", "D3:D302"].type == "date"
    count = dvs["考核记录", "G4:G503"]                 # 迟到间缺早退次数: any number of times
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    once = dvs["考核记录", "C4:C503"]                  # 计划未及时提交: a yes/no column holds 0 or 1 (issue 11)
    assert (once.type, once.formula1, once.formula2) == ("whole", "0", "1")


def test_present_count_is_bounded(books: dict[str, bytes]):
    """Verify a per_missing column with the present count is limited to 0..len(components)."""
    ws = openpyxl.load_workbook(io.BytesIO(books["xinghuo"]))["考核记录"]
    col = [c.value for c in ws[3]].index("研修总结项目数") + 1
    letter = openpyxl.utils.get_column_letter(col)
    dv = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == f"{letter}4:{letter}503")
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "0", "4")


def test_info_form(books: dict[str, bytes], tmp_path: Path):
    """Verify 基本信息: title in A1, labels in column A from row 2, 学校名称 and 学期 prefilled."""
    rows = calamine(books["xinghuo"], tmp_path).get_sheet_by_name("基本信息").to_python()
    assert rows[0][0] == "一、基本信息"
    assert [r[0] for r in rows[1:]] == list(INFO_FIELDS)
    values = {r[0]: r[1] for r in rows[1:]}
    assert values["学校名称"] == "兰西县星火乡第一中学" and values["学期"] == "2020-2021学年度下学期"


def test_guide_mentions_compute_and_rules(books: dict[str, bytes], tmp_path: Path):
    """Verify 填写说明 tells how to compute and lists every deduction with its rule text."""
    rows = calamine(books["lanxi4"], tmp_path).get_sheet_by_name("填写说明").to_python()
    text = "\n".join(str(v) for r in rows for v in r if v not in (None, ""))
    assert "xlrubric compute 我校.xlsx" in text and "人工调整" in text and "校验问题" in text
    for _, d in load_preset("lanxi4").rubric.deductions:
        assert d.event in text
    assert "每少一项扣1分（应有：优点、缺点、整改措施）" in text


def test_long_dropdown_goes_to_hidden_list(tmp_path: Path):
    """Verify a dropdown over 255 characters uses a defined name on the hidden `_lists` sheet."""
    items = [{"name": f"第{i}项很长的考核项目名称用来超过内联列表上限", "full": 1} for i in range(12)]
    spec = deserialize({"id": "t", "name": "长", "rubric": {"total": 12, "items": items}})
    data = tpl.template_bytes(spec)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[-1] == "_lists" and wb["_lists"].sheet_state == "hidden"
    dv = next(dv for dv in wb["提交登记"].data_validations.dataValidation if str(dv.sqref) == "C3:C502")
    assert dv.formula1 == "xlr_list_1"
    assert "xlr_list_1" in wb.defined_names


def test_data_driven_sheets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Verify one TABLES entry adds a sheet, and a spec without a rubric gets no 考核记录."""
    hours = Layout("学时登记", (Column("工号", "id"), Column("学时", "number", hint="学时数")), title="学时登记")
    monkeypatch.setattr(tpl, "TABLES", [*tpl.TABLES, tpl.TableSheet(lambda spec: hours, about="测试")])
    book = calamine(tpl.template_bytes(Spec(id="h", name="只有学时")), tmp_path)
    assert book.sheet_names == ["填写说明", "基本信息", "教师名册", "签到登记", "人工调整", "学时登记"]
    assert book.get_sheet_by_name("学时登记").to_python()[1] == ["工号", "学时"]


def test_cli_refuses_to_overwrite(tmp_path: Path):
    """Verify `template` writes a new file, refuses an existing one, and replaces it with --force."""
    runner = CliRunner()
    out = tmp_path / "我校.xlsx"
    assert runner.invoke(app, ["template", "lanxi4", "-o", str(out)]).exit_code == 0
    out.write_bytes(b"mine")
    result = runner.invoke(app, ["template", "lanxi4", "-o", str(out)])
    # rich wraps long paths at the console width; the message is one line to the user.
    assert result.exit_code == 2 and f"错误：文件已存在：{out}" in result.stderr.replace("\n", "")
    assert out.read_bytes() == b"mine"
    assert runner.invoke(app, ["template", "lanxi4", "-o", str(out), "--force"]).exit_code == 0
    assert zipfile.is_zipfile(out)
    result = runner.invoke(app, ["template", "--all", str(tmp_path)])
    assert result.exit_code == 0 and sorted(p.name for p in tmp_path.glob("*.xlsx")) == sorted(
        [f"{pid}.xlsx" for pid in preset_ids()] + ["我校.xlsx"])
    assert runner.invoke(app, ["template", "--all", str(tmp_path)]).exit_code == 2
