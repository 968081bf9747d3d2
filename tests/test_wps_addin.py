"""Verify the WPS 加载项: its JavaScript (Node's own test runner against a fake WPS object model), its
ribbon.xml, and `xlrubric addin install|uninstall [--dry-run]` in a temporary HOME with a WPS folder.

WPS itself cannot run here; macros/README.md has the manual test for WPS on Windows and Linux.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from typer.testing import CliRunner

from xlrubric.adapters import install as inst
from xlrubric.adapters import wps, xlam
from xlrubric.cli import app
from xlrubric.serve import discovery

ROOT = Path(__file__).resolve().parents[1]
WPS_DIR = ROOT / "macros" / "wps"
NS = {"c": xlam.CUSTOM_UI_NS}
NODE = shutil.which("node")


def test_node_suite_passes():
    """Verify the add-in's JavaScript with `node --test` (the flow, the HTTP client, the page's callbacks)."""
    if NODE is None:
        pytest.skip("node is not installed (CI installs Debian's nodejs in .ci/run)")
    files = sorted(str(p) for p in (WPS_DIR / "test").glob("*.test.js"))
    assert len(files) >= 3
    proc = subprocess.run([NODE, "--test", *files], capture_output=True, text=True, timeout=120, cwd=WPS_DIR)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)", proc.stdout, re.M).group(1))
    assert passed >= 30 and "# fail 0" in proc.stdout


def test_ribbon_is_well_formed_and_matches_the_excel_button():
    """Verify ribbon.xml parses, and tab, button, tip and callbacks are those the JS defines."""
    root = fromstring((WPS_DIR / "ribbon.xml").read_bytes())
    assert root.tag == f"{{{xlam.CUSTOM_UI_NS}}}customUI"
    excel = fromstring(xlam.CUSTOM_UI.encode("utf-8"))
    for path in ("c:ribbon/c:tabs/c:tab", "c:ribbon/c:tabs/c:tab/c:group"):
        assert root.find(path, NS).get("label") == excel.find(path, NS).get("label")
    ours = root.find(".//c:button", NS)
    theirs = excel.find(".//c:button", NS)
    for attr in ("label", "size", "screentip", "supertip"):
        assert ours.get(attr) == theirs.get(attr), attr
    assert (ours.get("label"), root.find("c:ribbon/c:tabs/c:tab", NS).get("label")) == ("计算考核", "校本研修")
    callbacks = {v for el in root.iter() for k, v in el.attrib.items() if re.fullmatch(r"(on|get)[A-Z]\w*", k)}
    main_js = (WPS_DIR / "main.js").read_text(encoding="utf-8")
    defined = set(re.findall(r"^function (\w+)\(", main_js, re.M))
    assert callbacks == {"OnAddinLoad", "OnAction", "GetImage"} and callbacks <= defined
    assert f'control.Id !== "{ours.get("id")}"' in main_js


@pytest.fixture(name="home")
def fixture_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user whose machine has WPS (its settings folder exists) and no Excel."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.delenv("XLRUBRIC_HOME", raising=False)
    wps.jsaddons_dir().parent.mkdir(parents=True)
    return tmp_path


OTHERS = """<?xml version="1.0" encoding="UTF-8"?>
<jsplugins>
  <!-- 别家的加载项 -->
  <jspluginonline name="other" type="wps" url="http://127.0.0.1:3889/" debug="" enable="enable_dev" install="null"/>
  <jsplugin name="zotero" type="wps" url="zotero_1.0.0" version="1.0.0" enable="enable_dev" install="null"/>
</jsplugins>
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"") for p in sorted(folder.rglob("*"))}


def config_of(folder: Path) -> dict:
    text = (folder / "config.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"var XLRUBRIC_CONFIG = (\{.*\});", text, re.S).group(1))


@pytest.mark.skipif(inst.excel_installed(), reason="this machine has Excel")
def test_install_copies_configures_and_registers_keeping_other_addins(home: Path):
    """Verify the folder, config.js (port, this install's token, the serve command) and publish.xml."""
    jsaddons = wps.jsaddons_dir()
    jsaddons.mkdir()
    (jsaddons / "publish.xml").write_text(OTHERS, encoding="utf-8")
    (jsaddons / "xlrubric_0.0.9").mkdir()                    # an older version's folder goes
    runner = CliRunner()
    for _ in range(2):                                      # a second install replaces, never duplicates
        result = runner.invoke(app, ["addin", "install"])
        assert result.exit_code == 0, result.output
    assert "已安装 WPS 加载项" in result.output and "没有找到 Microsoft Excel" in result.output
    folder = jsaddons / "xlrubric_0.1.0"
    assert sorted(p.name for p in jsaddons.iterdir()) == ["publish.xml", "xlrubric_0.1.0"]
    for name in ("ribbon.xml", "index.html", "main.js", "js/compute.js", "js/http.js", "images/compute.svg"):
        assert (folder / name).read_bytes() == (WPS_DIR / name).read_bytes(), name
    assert not (folder / "test").exists()
    config = config_of(folder)
    assert config["port"] == discovery.DEFAULT_PORT == 47615
    assert config["token"] == discovery.get_token() == (home / ".xlrubric" / "token").read_text().strip()
    assert config["serveArgs"] == "-m xlrubric serve"
    assert config["command"] == f'"{config["python"]}" -m xlrubric serve'
    assert Path(config["python"]).resolve() == Path(os.sys.executable).resolve()

    root = fromstring((jsaddons / "publish.xml").read_bytes())
    entries = [(el.tag, el.get("name")) for el in root]
    assert entries == [("jspluginonline", "other"), ("jsplugin", "zotero"), ("jsplugin", "xlrubric")]
    ours = root[2].attrib
    assert ours["type"] == "et" and ours["url"] == folder.name and ours["version"] == "0.1.0"
    assert (jsaddons / ours["url"] / "index.html").is_file() and (jsaddons / ours["url"] / "ribbon.xml").is_file()
    assert "<!-- 别家的加载项 -->" in (jsaddons / "publish.xml").read_text(encoding="utf-8")

    result = runner.invoke(app, ["addin", "uninstall"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in jsaddons.iterdir()) == ["publish.xml"]
    root = fromstring((jsaddons / "publish.xml").read_bytes())
    assert [(el.tag, el.get("name")) for el in root] == [("jspluginonline", "other"), ("jsplugin", "zotero")]


def test_a_broken_publish_xml_is_left_alone(home: Path):
    """Verify a publish.xml we cannot parse is named in a Chinese error and nothing is written."""
    jsaddons = wps.jsaddons_dir()
    jsaddons.mkdir()
    (jsaddons / "publish.xml").write_text("<jsplugins><jsplugin name='x'>", encoding="utf-8")
    before = tree(home)
    result = CliRunner().invoke(app, ["addin", "install"])
    assert result.exit_code == 2
    assert "加载项登记文件格式有误" in result.output and "publish.xml" in result.output
    assert {k: v for k, v in tree(home).items() if ".xlrubric" not in k} == before


@pytest.mark.parametrize("command", ["install", "uninstall"])
def test_dry_run_writes_nothing_at_all(command: str, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify --dry-run lists both add-ins' steps and writes no file anywhere — not even a build of the
    .xlam when the shipped one is for another xlwings, and not the token."""
    stale = tmp_path / "stale"
    stale.mkdir()
    xlam.write_xlam([("xl/vbaProject.bin", b"older VBA"), (xlam.CUSTOM_UI_PART, b"<customUI/>")],
                    stale / xlam.ADDIN_NAME)
    monkeypatch.setattr(xlam, "repo_macros_dir", lambda: stale)
    before = tree(home)
    result = CliRunner().invoke(app, ["addin", command, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert tree(home) == before
    out = result.output
    assert "没有做任何改动" in out and "【Excel 加载项】" in out and "【WPS 加载项】" in out
    assert str(wps.jsaddons_dir() / "publish.xml") in out
    if command == "install":
        assert "安装时由 xlwings" in out and "-m xlrubric serve" in out and "xlrubric_0.1.0" in out


def test_without_wps_or_excel_nothing_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify exit code 3 and an empty HOME when neither office suite is found."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XLRUBRIC_HOME", raising=False)
    if inst.excel_installed() or wps.wps_installed():
        pytest.skip("this machine has Excel or WPS")
    result = CliRunner().invoke(app, ["addin", "install"])
    assert result.exit_code == inst.EXIT_NO_EXCEL, result.output
    assert "没有找到 WPS Office" in result.output
    assert list(tmp_path.iterdir()) == []


def test_where_wps_looks_on_each_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify the jsaddons folders WPS's deployment guide names, and pythonw.exe for the button on Windows."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", r"C:\Users\教务处\AppData\Roaming")
    assert str(wps.jsaddons_dir("win")).replace("/", "\\").endswith(r"AppData\Roaming\kingsoft\wps\jsaddons")
    assert wps.jsaddons_dir("linux") == tmp_path / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"
    assert wps.jsaddons_dir("mac") == (tmp_path / "Library" / "Containers" / "com.kingsoft.wpsoffice.mac" / "Data"
                                       / ".kingsoft" / "wps" / "jsaddons")
    exe = tmp_path / "Python311" / "python.exe"
    exe.parent.mkdir()
    exe.touch()
    (exe.parent / "pythonw.exe").touch()
    monkeypatch.setattr(wps, "platform_key", lambda: "win")
    assert wps.serve_program(str(exe)) == str(exe.parent / "pythonw.exe")
    monkeypatch.setattr(wps, "platform_key", lambda: "linux")
    assert wps.serve_program("/usr/bin/python3") == "/usr/bin/python3"


def test_a_folder_wps_holds_gives_a_chinese_message(home: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify an OS error while copying (WPS still running on Windows) is a Chinese message, exit 2."""
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(wps.jsaddons_dir() / "xlrubric_0.1.0" / "main.js"))

    monkeypatch.setattr(wps.shutil, "copy2", denied)
    result = CliRunner().invoke(app, ["addin", "install"])
    assert result.exit_code == 2, result.output
    assert "请先完全退出 WPS" in result.output and "main.js" in result.output
    assert list(wps.jsaddons_dir().iterdir()) == []          # no half-copied folder, nothing registered
