"""Verify the WPS add-in's own JavaScript against a REAL `xlrubric serve` (the `served` fixture), and that one
workbook gets the same sheets, marks and messages whichever way 计算考核 is reached:

- the Excel add-in (its Python side on xlwings' remote engine, tests/test_addin_support.py),
- `xlrubric compute --in-place`,
- the WPS add-in: js/compute.js with the fake WPS object model, its HTTP client talking to the real service.

Expected totals are seed 003's, worked out by hand in test_addin_support.LANXI4_TEACHERS; the three paths are
then compared with each other cell by cell.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_addin_support import apply_actions, lanxi4_book, payload_from_file, read_grids, run_button, xlwings_remote
from typer.testing import CliRunner

from xlrubric.adapters.excel import FILLS
from xlrubric.cli import app

NODE = shutil.which("node")
DRIVER = Path(__file__).resolve().parents[1] / "macros" / "wps" / "test" / "drive_service.js"
STATUS = "计算状态"          # the Excel add-in's record of its last click (the button's own, see adapters/xlrecord)
# 张丽 and 王强 (LANXI4_TEACHERS' working); =李娜's −1 cell is rejected, and what her total shows then is the
# pipeline's policy (test_addin checks it) — here her row is compared across the three paths like every cell.
HAND_TOTALS = {"张丽": 49.5, "王强": 47.0}

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (CI installs Debian's nodejs)")


def drive(served, *args: str) -> dict:
    env = {**os.environ, "XLRUBRIC_PORT": str(served.port), "XLRUBRIC_TOKEN": served.token,
           "XLRUBRIC_PYTHON": sys.executable}
    proc = subprocess.run([NODE, str(DRIVER), *args], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_addins_http_exchange_with_the_real_service(served, tmp_path: Path):
    """Verify ping, the CORS preflight WPS's page needs, 401 for a wrong or missing token (nothing written),
    a refusal for a workbook that is not a 校本研修 workbook, and a computed answer."""
    book = lanxi4_book(tmp_path)
    other = tmp_path / "通讯录.xlsx"
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(other)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    out = drive(served, "exchange", str(book), str(other))
    assert out["ping"] is True
    assert out["preflight"]["status"] in (200, 204) and out["preflight"]["allowOrigin"] == "null"
    assert "x-xlrubric-token" in out["preflight"]["allowHeaders"]
    assert out["badToken"] == {"kind": "auth", "status": 401} == out["noToken"]
    refusal = out["other"]["answer"]
    assert refusal["ok"] is False and refusal["result_sheet"] is None
    assert "这不是校本研修工作簿" in refusal["message"]
    assert (tmp_path / "通讯录.xlsx").read_bytes() == before["通讯录.xlsx"]
    answer = out["book"]["answer"]
    assert answer["ok"] is True and answer["exit_code"] == 1 and answer["result_sheet"] == "考核结果"
    assert answer["backup"] and Path(answer["backup"]).read_bytes() == before[book.name]
    assert "问题：错误 1，" in answer["message"]                # the −1 cell


def school_marks(path: Path, school_sheets: set[str]) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> severity for every problem fill on the school's own sheets."""
    by_colour = {v.lstrip("#").upper(): k for k, v in FILLS.items()}
    marks = {}
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.title not in school_sheets:
            continue
        for row in ws.iter_rows():
            for cell in row:
                fill = cell.fill
                rgb = (fill.fgColor.rgb or "") if fill is not None and fill.fill_type == "solid" else ""
                if isinstance(rgb, str) and rgb[-6:].upper() in by_colour:
                    marks[(ws.title, cell.coordinate)] = by_colour[rgb[-6:].upper()]
    return marks


def padded(grid: list[list]) -> list[list]:
    rows = [[None if v == "" else v for v in row] for row in grid]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def counts_line(text: str) -> str:
    return re.search(r"错误 \d+，警告 \d+，提示 \d+", text).group(0)


def test_one_behaviour_excel_cli_and_wps(served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Verify the Excel button, `compute --in-place` and the WPS button leave the same result sheets (cell by
    cell), the same coloured cells on the school's sheets, and report the same problem counts."""
    books = {}
    for way in ("excel", "cli", "wps"):
        (tmp_path / way).mkdir()
        books[way] = lanxi4_book(tmp_path / way)
    school = set(read_grids(books["cli"]))

    # Excel: the add-in's Python side on the remote engine (its actions applied as Excel would).
    monkeypatch.chdir(tmp_path / "excel")
    xw = xlwings_remote(monkeypatch)
    payload = payload_from_file(books["excel"])
    results, actions = run_button(xw, payload)
    applied = apply_actions(payload, actions)
    excel_sheets: dict[str, list[list]] = {}
    for s in applied.payload["sheets"]:          # the first sheet of each name, as test_addin.values_of reads it
        if s["name"] not in school:
            excel_sheets.setdefault(s["name"], padded(s["values"]))
    excel_marks = {(sheet, cell): next(k for k, v in FILLS.items() if v == colour)
                   for (sheet, cell), colour in applied.colors.items() if sheet in school}
    excel_message = applied.alerts[-1][1]

    # compute --in-place, as a director would type it.
    cli = CliRunner().invoke(app, ["compute", "--in-place", str(books["cli"])])
    assert cli.exit_code == 1, cli.output

    # WPS: the add-in's JavaScript, the real service.
    wps = drive(served, "button", str(books["wps"]))
    assert wps["outcome"]["kind"] == "done" and wps["shell"] == []
    assert [c[0] for c in wps["log"]] == ["Save", "Close", "Open", "Activate"] and wps["log"][-1][1] == "考核结果"
    assert len(wps["alerts"]) == 1

    grids = {way: read_grids(books[way]) for way in ("cli", "wps")}
    sheets = {way: {n: padded(g) for n, g in grids[way].items() if n not in school} for way in grids}
    assert list(sheets["cli"]) == list(sheets["wps"]) == [n for n in excel_sheets if n != STATUS]
    assert {"考核结果", "扣分明细", "校验问题"} <= set(sheets["cli"])
    for name in sheets["cli"]:
        assert sheets["cli"][name] == sheets["wps"][name] == excel_sheets[name], name

    marks = {way: school_marks(books[way], school) for way in ("cli", "wps")}
    assert marks["cli"] == marks["wps"] == excel_marks
    assert sorted(excel_marks.values()) == ["警告", "错误"]          # "3次" and −1

    scores = sheets["wps"]["考核结果"]
    name, total = scores[0].index("姓名"), next(i for i, h in enumerate(scores[0]) if str(h).startswith("总分"))
    totals = {r[name]: r[total] for r in scores[1:]}
    assert set(totals) == {"张丽", "王强", "=李娜"} and {n: totals[n] for n in HAND_TOTALS} == HAND_TOTALS
    assert counts_line(excel_message) == counts_line(wps["alerts"][0]) == counts_line(cli.output)
