"""Verify the offline install bundle: the dependency closure for another platform (no network), and — marked
`network`, it downloads from PyPI — the linux bundle built for real, installed into a fresh venv by its own
install.sh with `pip --no-index`, and the installed `xlrubric` run on a school workbook.

Expected totals are seed 003's, worked out by hand in test_addin_support.LANXI4_TEACHERS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from test_addin_support import lanxi4_book
from typer.testing import CliRunner

from xlrubric import bundle, bundle_text
from xlrubric.cli import app

ROOT = Path(__file__).resolve().parents[1]


def fake_wheel(folder: Path, name: str, requires: list[str]) -> None:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{name}-1.0.dist-info/METADATA", meta)


def test_closure_follows_the_target_platforms_markers_and_extras(tmp_path: Path):
    """Verify a Windows-only dependency is required for win_amd64 (pip would judge it by this Linux machine),
    dropped for linux, and that extras are followed (app[excel] -> xl; dask[distributed] -> distributed)."""
    fake_wheel(tmp_path, "app", ["click>=8", 'xl; extra == "excel"', "dask[distributed]",
                                 'old; python_version < "3.8"'])
    fake_wheel(tmp_path, "click", ['colorama; platform_system == "Windows"'])
    fake_wheel(tmp_path, "dask", ['distributed>=1; extra == "distributed"'])
    roots = [Requirement("app[excel]")]

    def missing(platform: str) -> list[str]:
        env = bundle._env(bundle.PLATFORMS[platform], "3.11")
        return [bundle._without_marker(r) for r in bundle.missing_requirements(tmp_path, roots, env)]

    assert missing("win_amd64") == ["colorama", "distributed>=1", "xl"]
    assert missing("linux") == ["distributed>=1", "xl"]
    assert missing("macosx") == ["distributed>=1", "xl"]


def test_installers_check_the_python_version_they_were_built_for():
    """Verify each installer refuses another Python and runs the three steps with `python -m xlrubric`."""
    sh = bundle_text.install_sh("3.12")
    bat = bundle_text.install_bat("3.12")
    for text in (sh, bat):
        assert "sys.version_info[:2] != (3, 12)" in text
        assert '-m pip install --no-index --find-links wheels "xlrubric[excel]"' in text
        assert "-m xlrubric addin install" in text and "-m xlrubric serve --install-shortcut" in text
    assert "py -3.12" in bat and "chcp 65001" in bat
    proc = subprocess.run(["sh", "-n"], input=sh, text=True, capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    """Verify the bundle never writes into a folder that already holds something."""
    (tmp_path / "keep.txt").write_text("x")
    result = CliRunner().invoke(app, ["bundle", "--platform", "linux", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "不是空的" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    result = CliRunner().invoke(app, ["bundle", "--platform", "win32", "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and "不认识的平台" in result.output
    result = CliRunner().invoke(app, ["bundle", "--platform", "linux", "--python-version", "311", "-o",
                                      str(tmp_path / "b")])
    assert result.exit_code == 2 and "3.11" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.network
def test_linux_bundle_installs_offline_and_computes(tmp_path: Path):
    """Verify: build the linux bundle, install it into a fresh venv with its install.sh (pip --no-index),
    and run the installed xlrubric on a school workbook."""
    out = tmp_path / "bundle"
    result = CliRunner().invoke(app, ["bundle", "--platform", "linux", "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["addins", "install.sh", "wheels", "安装说明.txt"])
    assert (out / "addins" / "xlrubric.xlam").read_bytes() == (ROOT / "macros" / "xlrubric.xlam").read_bytes()
    assert (out / "addins" / "wps" / "js" / "compute.js").is_file() and not (out / "addins" / "wps" / "test").exists()
    readme = (out / "安装说明.txt").read_bytes().decode("utf-8-sig")
    assert "install.sh" in readme and f"Python {sys.version_info.major}.{sys.version_info.minor}" in readme

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PYTHON": str(python), "XLRUBRIC_NO_PAUSE": "1",
           "PIP_NO_COMPILE": "1", "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": "", "PIP_INDEX_URL": "http://127.0.0.1:9/"}
    env.pop("XLRUBRIC_HOME", None)
    proc = subprocess.run(["sh", str(out / "install.sh")], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"已安装：xlrubric 0.1.0 → {python}" in proc.stdout
    assert "[2/3]" in proc.stdout and "[3/3]" in proc.stdout and "安装完成。" in proc.stdout

    xlrubric = venv / "bin" / "xlrubric"
    book = lanxi4_book(tmp_path)
    report = tmp_path / "r.json"
    run = subprocess.run([str(xlrubric), "compute", str(book), "-o", str(tmp_path / "out.xlsx"), "--report",
                          str(report)], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr          # 1: problems found (−1, "3次"), results written
    totals = {t["name"]: t["total"] for t in json.loads(report.read_text(encoding="utf-8"))["teachers"]}
    assert set(totals) == {"张丽", "王强", "=李娜"}
    assert (totals["张丽"], totals["王强"]) == (49.5, 47.0)     # =李娜's −1 is rejected: see test_addin
    where = subprocess.run([str(python), "-c", "import xlrubric; print(xlrubric.__file__)"], capture_output=True,
                           text=True, check=True, cwd=tmp_path).stdout.strip()
    assert where.startswith(str(venv))                           # the installed copy, not this checkout
    shipped = Path(where).parent / "_addins"
    assert (shipped / "wps" / "ribbon.xml").read_bytes() == (ROOT / "macros" / "wps" / "ribbon.xml").read_bytes()
    assert (shipped / "xlrubric.xlam").read_bytes() == (ROOT / "macros" / "xlrubric.xlam").read_bytes()
    plan = subprocess.run([str(xlrubric), "addin", "install", "--dry-run"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert str(shipped / "xlrubric.xlam") in plan.stdout and str(shipped / "wps") in plan.stdout
    assert f'"{python}" -m xlrubric serve' in plan.stdout
