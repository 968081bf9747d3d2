"""Verify `xlrubric rules export`: YAML and 考核细则 workbooks read back to the same Spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.spec.lint import lint
from xlrubric.spec.load import deserialize, load_preset, load_rules_file
from xlrubric.spec.sheet import RULES_SHEET, rows_to_mapping

PRESETS = ["xinghuo", "lanxi4"]


@pytest.fixture(name="runner")
def fixture_runner() -> CliRunner:
    return CliRunner()


def read_rules_sheet(path: Path):
    """The workbook's 考核细则 sheet as a Spec, read with calamine as the readers do."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(RULES_SHEET).to_python()
    return deserialize(rows_to_mapping(rows, origin=path.name), origin=path.name)


@pytest.mark.parametrize("preset", PRESETS)
def test_yaml_round_trip(runner: CliRunner, tmp_path: Path, preset: str):
    """Verify preset → YAML → load gives an equal Spec, with a header naming the seed."""
    out = tmp_path / f"{preset}.yaml"
    result = runner.invoke(app, ["rules", "export", preset, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    spec = load_preset(preset)
    assert text.startswith(f"# {spec.name}\n# 出处：{spec.seed}\n")
    assert load_rules_file(out) == spec


@pytest.mark.parametrize("preset", PRESETS)
def test_xlsx_round_trip(runner: CliRunner, tmp_path: Path, preset: str):
    """Verify preset → xlsx (only the 考核细则 sheet) → calamine → deserialize gives an equal Spec."""
    out = tmp_path / f"{preset}.xlsx"
    result = runner.invoke(app, ["rules", "export", preset, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert CalamineWorkbook.from_path(str(out)).sheet_names == [RULES_SHEET]
    assert read_rules_sheet(out) == load_preset(preset)


def test_workbook_and_yaml_are_lint_targets(runner: CliRunner, tmp_path: Path):
    """Verify an exported workbook or YAML lints exactly like the preset it came from."""
    expected = [f.as_dict() for f in lint(load_preset("lanxi4"))]
    for name in ("r.xlsx", "r.yaml"):
        out = tmp_path / name
        assert runner.invoke(app, ["rules", "export", "lanxi4", "-o", str(out)]).exit_code == 0
        result = runner.invoke(app, ["lint", str(out), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected


def test_refuses_to_overwrite(runner: CliRunner, tmp_path: Path):
    """Verify an existing file is kept unless --force is given."""
    out = tmp_path / "r.yaml"
    out.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["rules", "export", "xinghuo", "-o", str(out)])
    assert result.exit_code == 2
    # rich wraps long paths at the console width; the message is one line to the user.
    assert f"错误：文件已存在：{out}" in result.stderr.replace("\n", "")
    assert out.read_text(encoding="utf-8") == "mine"
    assert runner.invoke(app, ["rules", "export", "xinghuo", "-o", str(out), "--force"]).exit_code == 0
    assert load_rules_file(out) == load_preset("xinghuo")


def test_export_errors(runner: CliRunner, tmp_path: Path):
    """Verify an unknown suffix and an unknown preset end in a Chinese message and exit 2."""
    result = runner.invoke(app, ["rules", "export", "xinghuo", "-o", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and ".yaml 或 .xlsx" in result.stderr
    result = runner.invoke(app, ["rules", "export", "nope", "-o", str(tmp_path / "r.yaml")])
    assert result.exit_code == 2 and "找不到预设或文件「nope」" in result.stderr
