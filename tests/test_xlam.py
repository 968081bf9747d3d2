"""Verify the add-in file macros/xlrubric.xlam: a sound zip, our ribbon in the customUI part, the callback
in its VBA project, the module name it imports equal to its stem, and no drift from a fresh build.
"""

from __future__ import annotations

import importlib
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlrubric.adapters import install as inst
from xlrubric.adapters import xlam
from xlrubric.cli import app

MACROS = Path(__file__).resolve().parents[1] / "macros"
XLAM = MACROS / xlam.ADDIN_NAME
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS = {"ui": xlam.CUSTOM_UI_NS}


def parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


@pytest.fixture(name="fresh", scope="module")
def fixture_fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return xlam.build(tmp_path_factory.mktemp("addin")).xlam


def test_zip_is_sound():
    """Verify every entry's CRC and that the package starts like an Excel add-in."""
    with zipfile.ZipFile(XLAM) as zf:
        assert zf.testzip() is None
        types = ET.fromstring(zf.read("[Content_Types].xml"))
    main = [o for o in types.iter(f"{{{CT}}}Override") if o.get("PartName") == "/xl/workbook.xml"]
    assert main[0].get("ContentType") == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    defaults = {d.get("Extension"): d.get("ContentType") for d in types.iter(f"{{{CT}}}Default")}
    assert defaults["xml"] == "application/xml"          # what the customUI part is served as


def test_checked_in_addin_matches_a_fresh_build(fresh: Path):
    """Verify the checked-in .xlam has the same parts, in the same order, as `xlrubric addin build`."""
    assert parts(XLAM) == parts(fresh)


def test_only_the_ribbon_differs_from_the_xlwings_template():
    """Verify every part but customUI.xml is the xlwings wheel's own, byte for byte."""
    ours, theirs = dict(parts(XLAM)), dict(parts(xlam.template_path()))
    assert ours.keys() == theirs.keys()
    assert [n for n in ours if ours[n] != theirs[n]] == [xlam.CUSTOM_UI_PART]


def test_ribbon_part_and_relationship():
    """Verify the package relationship points at the customUI part with the ribbon extensibility type."""
    with zipfile.ZipFile(XLAM) as zf:
        rels = ET.fromstring(zf.read("_rels/.rels"))
        ui = zf.read(xlam.CUSTOM_UI_PART)
    targets = {r.get("Type"): r.get("Target") for r in rels.iter(f"{{{PKG_REL}}}Relationship")}
    assert targets[xlam.CUSTOM_UI_REL] == xlam.CUSTOM_UI_PART
    root = ET.fromstring(ui)
    assert root.tag == f"{{{xlam.CUSTOM_UI_NS}}}customUI"
    tabs = root.findall("ui:ribbon/ui:tabs/ui:tab", NS)
    assert [t.get("label") for t in tabs] == ["校本研修"]
    buttons = tabs[0].findall("ui:group/ui:button", NS)
    assert [b.get("label") for b in buttons] == ["计算考核"]
    button = buttons[0]
    assert button.get("onAction") == "RibbonMyAddin.RunMain"
    assert button.get("imageMso") and button.get("size") == "large"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    # every element is in the customUI namespace
    assert all(e.tag.startswith(f"{{{xlam.CUSTOM_UI_NS}}}") for e in root.iter())


def test_callback_is_in_the_vba_project():
    """Verify (with oletools) that RibbonMyAddin.RunMain exists and runs `import <stem>; <stem>.main()`."""
    modules = xlam.vba_modules(XLAM)
    ribbon = modules["RibbonMyAddin.bas"]
    assert re.search(r"^Sub RunMain\(control As IRibbonControl\)", ribbon, re.M)
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in ribbon
    assert "mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, \".\"" in ribbon
    assert "Public Function RunPython(" in modules["xlwings.bas"]
    assert f"'Version: {xlam.xlwings_version()}" in modules["xlwings.bas"]


def test_module_name_is_the_addin_stem():
    """Verify the file's stem is the package the VBA imports, and that it has main()."""
    assert XLAM.stem == xlam.ADDIN_STEM == "xlrubric"
    module = importlib.import_module(XLAM.stem)
    assert callable(module.main)


def test_vba_source_is_checked_in_as_text():
    """Verify macros/vba/ holds exactly the VBA the add-in contains."""
    modules = xlam.vba_modules(XLAM)
    files = {p.name: p.read_text(encoding="utf-8") for p in (MACROS / "vba").iterdir()}
    assert files == modules


def test_build_command_writes_the_same_file(tmp_path: Path):
    """Verify `xlrubric addin build -o DIR` writes byte-identical output twice."""
    runner = CliRunner()
    for folder in ("a", "b"):
        result = runner.invoke(app, ["addin", "build", "-o", str(tmp_path / folder)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "xlrubric.xlam").read_bytes() == (tmp_path / "b" / "xlrubric.xlam").read_bytes()
    assert parts(tmp_path / "a" / "xlrubric.xlam") == parts(XLAM)


@pytest.mark.skipif(inst.excel_installed(), reason="this machine has Excel")
@pytest.mark.parametrize("command", ["install", "uninstall"])
def test_without_excel_nothing_changes_and_the_plan_is_printed(command: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    """Verify exit code 3, a Chinese explanation, and the paths and setting it would write."""
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["addin", command])
    assert result.exit_code == inst.EXIT_NO_EXCEL, result.output
    out = result.output
    assert "没有找到 Microsoft Excel" in out and "没有做任何改动" in out
    assert "XLSTART" in out and r"%USERPROFILE%\.myaddin\myaddin.conf" in out
    assert '"INTERPRETER_WIN"' in out and '"INTERPRETER_MAC"' in out
    if command == "install":
        assert str(XLAM) in out
    assert list(tmp_path.iterdir()) == []


def test_dry_run_exits_zero():
    """Verify --dry-run only lists the steps."""
    result = CliRunner().invoke(app, ["addin", "install", "--dry-run"])
    assert result.exit_code == 0 and "xlwings addin install" in result.output


def test_interpreter_setting_keeps_other_lines(tmp_path: Path):
    """Verify writing and removing our line leaves the add-in's other settings alone."""
    conf = tmp_path / ".myaddin" / "myaddin.conf"
    conf.parent.mkdir()
    conf.write_text('"SHOW CONSOLE","False"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n', encoding="utf-8")
    inst.set_interpreter(conf, "win", sys.executable)
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert lines == ['"SHOW CONSOLE","False"', f'"INTERPRETER_WIN","{sys.executable}"']
    inst.set_interpreter(conf, "win", None)
    assert conf.read_text(encoding="utf-8").splitlines() == ['"SHOW CONSOLE","False"']
    conf.write_text(f'"INTERPRETER_WIN","{sys.executable}"\n', encoding="utf-8")
    inst.set_interpreter(conf, "win", None)
    assert not conf.exists()


def test_install_builds_afresh_when_the_checked_in_addin_is_for_another_xlwings(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch):
    """Verify install never copies an add-in whose VBA differs from the installed xlwings' own."""
    stale = tmp_path / "macros"
    stale.mkdir()
    xlam.write_xlam([("xl/vbaProject.bin", b"older VBA"), (xlam.CUSTOM_UI_PART, b"<customUI/>")],
                    stale / xlam.ADDIN_NAME)
    monkeypatch.setattr(xlam, "repo_macros_dir", lambda: stale)
    monkeypatch.setenv("HOME", str(tmp_path))
    source = inst.find_source(None)
    assert source == tmp_path / ".xlrubric" / "addin" / xlam.ADDIN_NAME
    assert parts(source) == parts(XLAM)
    monkeypatch.setattr(xlam, "repo_macros_dir", lambda: MACROS)
    assert inst.find_source(None) == XLAM
