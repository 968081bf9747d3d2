"""Province scale without computing a workbook: 20,000 manifest entries and 62,000 problems built in code.

What must hold at that size: the manifest records each school by appending one line (it never rewrites the
file during a run) and reads every entry back, also after a kill tore its last line; 县汇总 lists every
school, and the problems past what one sheet holds go to a CSV that is complete, linked from the sheet and
announced there in Chinese.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from xlrubric.batch import problem_list
from xlrubric.batch.manifest import MANIFEST_NAME, Entry, Manifest, load_manifest
from xlrubric.batch.summary import write_county_summary

N = 20_000
EVERY = 10                     # every 10th school has a problem file …
PER_FILE = 31                  # … of 31 problems: 2,000 × 31 = 62,000 > MAX_LINKS = 60,000 links a sheet may hold


def _entry(i: int) -> Entry:
    rel = f"乡{i % 50:02d}/第{i:05d}学校.xlsx"
    summary = {"school": f"第{i:05d}学校", "teachers": 40, "full_marks": 50, "mean_total": 45.0, "max_total": 50,
               "median_total": 45, "min_total": 40, "stdev_total": 2.0, "bands": {"优秀": 10, "合格": 30},
               "quota_ok": True, "problems": {"错误": 0, "警告": 0, "提示": 0}, "status": "ok"}
    return Entry(rel, f"{i:064x}", "preset:lanxi4:x", "0.1.0", "ok", output=rel, output_sha256="1" * 64,
                 summary=summary)


def _problems(i: int) -> list[dict]:
    return [{"code": "x", "severity": "警告", "sheet": "考核记录", "cell": f"C{r + 2}",
             "value": "=2*3" if r == 0 else f"{r}次", "message": f"第{i}校第{r}条"} for r in range(PER_FILE)]


@pytest.fixture(name="county", scope="module")
def fixture_county(tmp_path_factory) -> tuple[Path, list[Entry]]:
    out = tmp_path_factory.mktemp("province")
    entries = [_entry(i) for i in range(N)]
    for i in range(0, N, EVERY):
        side = f".xlrubric/problems/{entries[i].output}.json"
        (out / side).parent.mkdir(parents=True, exist_ok=True)
        (out / side).write_text(json.dumps(_problems(i), ensure_ascii=False), encoding="utf-8")
        entries[i].summary |= {"problems_file": side, "problems_listed": PER_FILE, "status": "problems",
                               "problems": {"错误": 0, "警告": PER_FILE, "提示": 0}}
        entries[i].status = "problems"
    return out, entries


def test_manifest_appends_one_line_per_school_and_reads_back(county):
    """Verify 20,000 appends grow the file line by line (never rewritten), and every entry reads back,
    also with a torn last line; the next run's compaction leaves one line per entry."""
    out, entries = county
    manifest = Manifest(out, rules={"hash": "preset:lanxi4:x"})
    manifest.save()
    inode = (out / MANIFEST_NAME).stat().st_ino
    for e in entries:
        manifest.append(e)
    manifest.append(entries[7])          # recorded again (a redone school): the last line wins
    manifest.close()
    assert (out / MANIFEST_NAME).stat().st_ino == inode          # appended in place, not replaced
    assert (out / MANIFEST_NAME).read_bytes().count(b"\n") == 1 + N + 1
    with open(out / MANIFEST_NAME, "ab") as fh:                  # a kill in the middle of a line
        fh.write(b'{"entry":{"input":"half')
    back = load_manifest(out)
    assert len(back.entries) == N and back.rules == {"hash": "preset:lanxi4:x"}
    assert back.entries[entries[123].input] == entries[123]
    back.save()                                                  # what the next batch does first
    assert (out / MANIFEST_NAME).read_bytes().count(b"\n") == 1 + N
    assert load_manifest(out).entries == back.entries


def test_summary_lists_every_school_and_links_the_complete_problem_csv(county, monkeypatch):
    """Verify 县汇总 at 20,000 schools: every school a row; 问题清单 holds what the sheet may under a Chinese
    note linking the CSV; the CSV holds all 62,000 problems, with formula-like text defused.

    The sheet's cap is lowered from MAX_LINKS (60,000) to 6,000 here: XlsxWriter needs ~15 s for 60,000 rows
    on this machine, which benchmarks/bench_summary.py measures at the real cap; the logic is the same.
    """
    monkeypatch.setattr(problem_list, "SHEET_LIMIT", 6_000)
    out, entries = county
    manifest = Manifest(out, entries={e.input: e for e in entries})
    path = write_county_summary(out, manifest)
    wb = CalamineWorkbook.from_path(str(path))
    schools = wb.get_sheet_by_name("学校汇总").to_python()
    assert len(schools) == 1 + N
    assert {r[2] for r in schools[1:]} == {e.input for e in entries}
    listed = wb.get_sheet_by_name("问题清单").to_python()
    note, link, head = listed[0][0], listed[1][0], listed[2]
    assert head[:3] == ["学校", "文件", "严重程度"]
    # 2,000 files × 31 = 62,000 problems; the sheet stops at its cap and says where all of them are
    assert "共 62,000 条问题" in note and "前 6,000 条" in note and problem_list.CSV_NAME in note
    assert problem_list.CSV_NAME in link
    assert len(listed) == 3 + 6_000
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/worksheets/_rels/sheet2.xml.rels").decode("utf-8")
        sheet = z.read("xl/worksheets/sheet2.xml").decode("utf-8")
    assert f'Target="{problem_list.CSV_NAME}" TargetMode="External"' in rels
    assert len(re.findall(r"<hyperlink ", sheet)) == 6_000 + 1          # the note + each listed cell
    with open(out / problem_list.CSV_NAME, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == problem_list.CSV_COLUMNS
    got = {(r[1], r[4]) for r in rows[1:]}
    assert len(rows) - 1 == len(got) == N // EVERY * PER_FILE
    assert got == {(entries[i].input, f"C{r + 2}") for i in range(0, N, EVERY) for r in range(PER_FILE)}
    assert {r[5] for r in rows[1:] if r[4] == "C2"} == {"'=2*3"}
    assert not list(out.glob(".*.xlrubric-tmp")) and not list(out.glob("*.tmp"))


def test_small_list_stays_in_the_sheet_and_a_stale_csv_goes(county, tmp_path: Path):
    """Verify a county whose problems fit keeps the usual sheet (header first) and no CSV, removing a list
    that an earlier, bigger run left."""
    src, entries = county
    out = tmp_path / "县"
    side = entries[0].summary["problems_file"]
    (out / side).parent.mkdir(parents=True)
    (out / side).write_bytes((src / side).read_bytes())
    (out / problem_list.CSV_NAME).write_text("old")
    manifest = Manifest(out, entries={e.input: e for e in entries[:EVERY]})
    wb = CalamineWorkbook.from_path(str(write_county_summary(out, manifest)))
    listed = wb.get_sheet_by_name("问题清单").to_python()
    assert listed[0][:3] == ["学校", "文件", "严重程度"] and len(listed) == 1 + PER_FILE
    assert not (out / problem_list.CSV_NAME).exists()
