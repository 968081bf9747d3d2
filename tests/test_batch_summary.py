"""县汇总.xlsx: school text stays text, charts are native, pages print, the send log becomes a sheet."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlrubric.batch.manifest import Entry, Manifest
from xlrubric.batch.summary import write_county_summary

HOSTILE = ['=HYPERLINK("http://evil.example/","点我")', "+1", "-2+3", "@SUM(A1:A3)", "=1+1", "http://x.example/"]


def _entry(rel: str, school: str, status: str = "ok", **summary) -> Entry:
    base = {"school": school, "email": "s@example.cn", "teachers": 3, "mean_total": 26.0, "totals": [30, 28, 20],
            "max_total": 30, "median_total": 28, "min_total": 20, "stdev_total": 4.3205,   # engine/stats.py
            "full_marks": 30, "bands": {"优秀": 1, "良好": 2}, "quota_ok": True,
            "problems": {"错误": 0, "警告": 0, "提示": 0}, "status": status}
    return Entry(rel, "0" * 64, "", "0.1.0", status, output=rel, output_sha256="1" * 64, summary=base | summary)


@pytest.fixture(name="manifest")
def fixture_manifest(tmp_path: Path) -> Manifest:
    out = tmp_path / "结果"
    out.mkdir()
    m = Manifest(out)
    for n, name in enumerate(HOSTILE):
        m.record(_entry(f"乡{n}/学校{n}.xlsx", name, hours_met_rate=0.5 + n / 20))
    side = out / ".xlrubric" / "problems" / "乡0" / "学校0.xlsx.json"
    side.parent.mkdir(parents=True)
    side.write_text(json.dumps([{"code": "x", "message": "=cmd|' /C calc'!A0", "severity": "警告", "file": "学校0.xlsx",
                                 "sheet": "考核记录", "cell": "C7", "value": "=2*3"}], ensure_ascii=False),
                    encoding="utf-8")
    m.entries["乡0/学校0.xlsx"].summary["problems_file"] = ".xlrubric/problems/乡0/学校0.xlsx.json"
    m.entries["乡0/学校0.xlsx"].summary["problems"] = {"错误": 0, "警告": 1, "提示": 0}
    m.record(Entry("乡9/坏.xls", "0" * 64, "", "0.1.0", "unreadable",
                   message="文件「坏.xls」：这是网页格式（HTML）另存的文件\n处理办法：请在 Excel 中打开后另存为 .xlsx"))
    return m


def test_school_text_is_never_a_formula(manifest: Manifest):
    """Verify names and values a school typed are stored as strings, with no formula anywhere."""
    path = write_county_summary(manifest.outdir, manifest)
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in sheets)
    wb = openpyxl.load_workbook(path)
    ws = wb["学校汇总"]
    names = [ws.cell(r, 2) for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value is not None]   # not the key
    assert [c.value for c in names][:len(HOSTILE)] == HOSTILE
    assert all(c.data_type == "s" for c in names)
    problem = [list(r) for r in wb["问题清单"].iter_rows(min_row=2, values_only=True)]
    assert problem == [[HOSTILE[0], "乡0/学校0.xlsx", "警告", "考核记录", "C7", "=2*3", "=cmd|' /C calc'!A0"]]
    # Opens the school's output at the cell (XlsxWriter stores relative links with Windows separators).
    assert wb["问题清单"]["E2"].hyperlink.target == "乡0\\学校0.xlsx"
    assert wb["问题清单"]["E2"].hyperlink.location == "'考核记录'!C7"


def test_summary_columns_status_and_unreadable_sheet(manifest: Manifest):
    """Verify the per-school row and the unreadable sheet with its advice."""
    wb = openpyxl.load_workbook(write_county_summary(manifest.outdir, manifest))
    ws = wb["学校汇总"]
    head = [c.value for c in ws[1]]
    row = dict(zip(head, [c.value for c in ws[2]], strict=True))
    # the figures the engine made (engine/stats.py, tested in test_engine_properties), shown as they are
    got = (row["教师人数"], row["平均总分（30分制）"], row["最高分"], row["中位数"], row["最低分"])
    assert got == (3, 26, 30, 28, 20)
    assert row["标准差"] == pytest.approx(4.3205, abs=1e-3)
    assert (row["优秀（人）"], row["良好（人）"], row["等次名额是否符合"], row["学时达标率"]) == (1, 2, "符合", 0.5)
    assert (row["警告"], row["状态"]) == (1, "正常")
    # the engine's quota_ok is None when the rules set no 名额 (engine/bands.quota_ok): not a vacuous 符合
    manifest.entries["乡1/学校1.xlsx"].summary["quota_ok"] = None
    ws = openpyxl.load_workbook(write_county_summary(manifest.outdir, manifest))["学校汇总"]
    assert ws.cell(3, head.index("等次名额是否符合") + 1).value == "不限名额"
    end = max(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value is not None)   # the key lines follow
    last = dict(zip(head, [c.value for c in ws[end]], strict=True))
    assert (last["文件"], last["状态"]) == ("乡9/坏.xls", "无法读取")
    bad = [list(r) for r in wb["无法读取"].iter_rows(min_row=2, values_only=True)]
    assert bad == [["乡9/坏.xls", "文件「坏.xls」：这是网页格式（HTML）另存的文件", "请在 Excel 中打开后另存为 .xlsx"]]


def test_native_charts_and_print_setup(manifest: Manifest):
    """Verify the two native charts (stacked 等次 column, 达标率) and A4 landscape pages at a legible scale
    (not shrunk to one page wide, issue 13), the wide 学校汇总 split into page groups repeating 序号/学校."""
    path = write_county_summary(manifest.outdir, manifest)
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        first = z.read(charts[0]).decode()
        # each chart reads its own table of the schools it is about (no empty bars for schools without 等次)
        assert '<c:grouping val="stacked"/>' in first and "图表!$A$44" in first
        assert "<c:barChart>" in z.read(charts[1]).decode()
    wb = openpyxl.load_workbook(path)
    for name in ("学校汇总", "问题清单", "无法读取"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert not ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.scale or 100) >= 85
        assert ws.print_title_rows == "$1:$1"
    # 22 columns, about 200 character widths: more than a landscape page at 85 %, so page groups
    assert wb["学校汇总"].print_title_cols == "$A:$B" and wb["学校汇总"].col_breaks.count >= 1


def test_send_log_sheet_for_mail(manifest: Manifest):
    """Verify `send_log` adds 发送记录 with the mail step's columns, as text."""
    log = [{"school": "+兰西四中", "address": "a@example.cn", "state": "已发送", "time": "2026-01-05 10:00",
            "message_id": "<1@x>", "reply": "=收到"}]
    wb = openpyxl.load_workbook(write_county_summary(manifest.outdir, manifest, log))
    rows = [list(r) for r in wb["发送记录"].iter_rows(values_only=True)]
    assert rows == [["学校", "地址", "状态", "时间", "Message-ID", "回复"],
                    ["+兰西四中", "a@example.cn", "已发送", "2026-01-05 10:00", "<1@x>", "=收到"]]
    assert "发送记录" not in openpyxl.load_workbook(write_county_summary(manifest.outdir, manifest)).sheetnames


def test_labels_say_what_each_figure_is(manifest: Manifest):
    """Verify 平均 per scale, "不打分" for a school whose rules give no score (never a blank that could also
    mean "unreadable"), a 等次 chart of only the schools with 等次, and 达标率 named by what it covers."""
    manifest.record(_entry("乡7/四中.xlsx", "四中", full_marks=50, mean_total=40.0, hours_met_rate=0.25,
                           met_label="达标率（各项达标要求）"))
    manifest.record(_entry("乡8/白湾子.xlsx", "白湾子", full_marks=None, mean_total=None, bands={}, totals=[],
                           hours_met_rate=0.75, met_label="学时达标率"))
    wb = openpyxl.load_workbook(write_county_summary(manifest.outdir, manifest))
    ws = wb["学校汇总"]
    head = [c.value for c in ws[1]]
    rows = {r[1]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "平均总分（30分制）" in head and "平均总分（50分制）" in head and "平均总分" not in head
    assert (rows["四中"]["平均总分（50分制）"], rows["四中"]["平均总分（30分制）"]) == (40, "—")
    assert rows["白湾子"]["平均总分（30分制）"] == "不打分" and rows["白湾子"]["最高分"] == "不打分"
    assert rows["坏"]["平均总分（30分制）"] is None                       # unreadable: the status says why
    assert "达标率（学时或各项达标要求）" in head                               # two kinds in one county
    band_table = []                                   # the 等次 chart's data: row 43 header, then schools
    for r in wb["图表"].iter_rows(min_row=44, values_only=True):
        if not r[0]:
            break
        band_table.append(r[0])
    assert "四中" in band_table and "白湾子" not in band_table
