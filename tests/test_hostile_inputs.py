"""Hostile single workbooks (issue 12, cases 8, 9, 11 and the reader's class of limits): parts named in any
case, text that is not UTF-8, a sheet of 100,000 junk rows, problems capped per sheet without changing a
result, the archive of a shipped sample, and a school writing another school's 学校名称."""

from __future__ import annotations

import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from batchbooks import LANXI4_TEACHERS, school_book
from python_calamine import CalamineWorkbook
from schoolbooks import record_sheet, write_book
from test_mail_support import make_outdir

import xlrubric.pipeline as pipeline
from xlrubric.batch.manifest import load_manifest
from xlrubric.errors import UnreadableWorkbook
from xlrubric.mail import campaign as cp
from xlrubric.mail.contacts import load_contacts
from xlrubric.pipeline import compute_book, resolve_spec
from xlrubric.readers.limits import LIMITS
from xlrubric.readers.workbook import open_workbook
from xlrubric.spec.load import load_preset
from xlrubric.spec.sheet import spec_to_rows

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def rezip(src: Path, dst: Path, edit) -> Path:
    """Copy a package, letting `edit(name, data)` return a new (name, data) for each part."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name, data = edit(info.filename, zin.read(info))
            zout.writestr(name, data)
    return dst


@pytest.fixture(name="good")
def fixture_good(tmp_path: Path) -> Path:
    return school_book(tmp_path / "兰西四中.xlsx", "lanxi4", "兰西四中", LANXI4_TEACHERS)


def test_invalid_utf8_names_the_part(good: Path, tmp_path: Path) -> None:
    """Verify a shared-strings part with a byte sequence that is not UTF-8 is refused naming that part
    (calamine says only "Cannot detect file format")."""
    bad = rezip(good, tmp_path / "坏.xlsx", lambda n, d: (n, d.replace("王芳".encode(), b"\xc3\x28\xff", 1)
                                                            if n == "xl/sharedStrings.xml" else d))
    with pytest.raises(UnreadableWorkbook) as err:
        open_workbook(bad, settle=0)
    assert err.value.reason == "bad-text" and "xl/sharedStrings.xml" in str(err.value)
    assert "UTF-8" in str(err.value) and err.value.file == "坏.xlsx"


def test_part_names_in_any_case_are_one_part(good: Path, tmp_path: Path) -> None:
    """Verify two parts whose names differ only in case (calamine cannot tell them apart) are refused, and
    a worksheet part spelled in capitals is still scanned and read like calamine reads it."""
    def twin(name: str, data: bytes):
        return name, data
    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    twins = rezip(good, tmp_path / "双.xlsx", twin)
    with zipfile.ZipFile(twins, "a") as z:
        z.writestr("XL/Worksheets/Sheet1.xml", sheet)
    with pytest.raises(UnreadableWorkbook, match="只差大小写"):
        open_workbook(twins, settle=0)
    upper = rezip(good, tmp_path / "大写.xlsx", lambda n, d: (n.upper() if n.startswith("xl/worksheets/") else n, d))
    book = open_workbook(upper, settle=0)
    assert book.sheets["教师名册"].rows[2][:2] == ["L01", "王芳"]


def _junk_school(path: Path, rows: int) -> Path:
    """A lanxi4 school whose 签到登记 holds `rows` rows of junk, streamed (constant memory)."""
    spec = load_preset("lanxi4")
    record, merges = record_sheet(spec, LANXI4_TEACHERS)
    write_book(path, {"基本信息": [["学校名称", "兰西四中"]], "教师名册": [["工号", "姓名"], *[[t, n] for t, n, _ in
                                                                                        LANXI4_TEACHERS]],
                      "考核记录": record, "考核细则": [["考核细则"], *spec_to_rows(spec)]}, {"考核记录": merges})
    wb = xlsxwriter.Workbook(str(path.with_suffix(".junk.xlsx")), {"constant_memory": True})
    ws = wb.add_worksheet("签到登记")
    ws.write_row(0, 0, ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"])
    rnd = random.Random(12)
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [f"垃圾{rnd.randrange(10**6)}", f"活动{r}", "全体?", f"X{r}", f"某{r % 97}", "签了"])
    wb.close()
    # Put the streamed sheet into the school's package as its 5th sheet.
    with zipfile.ZipFile(path.with_suffix(".junk.xlsx")) as junk:
        sheet, strings = junk.read("xl/worksheets/sheet1.xml"), None
        strings = junk.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in junk.namelist() else None
    assert strings is None                                           # constant_memory writes inline strings
    def add(name: str, data: bytes):
        if name == "xl/workbook.xml":
            data = data.replace(b"</sheets>", b'<sheet name="\xe7\xad\xbe\xe5\x88\xb0\xe7\x99\xbb\xe8\xae\xb0" '
                                b'sheetId="99" r:id="rIdJunk"/></sheets>')
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdJunk" Type="http://schemas.openxml'
                                b'formats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
                                b'junk.xml"/></Relationships>')
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/worksheets/junk.xml" ContentType="application'
                                b'/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        return name, data
    out = rezip(path, path.with_name("junk_" + path.name), add)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/junk.xml", sheet)
    return out


# RUSAGE_CHILDREN in the test process is the largest child it ever waited for (a browser or a service from
# another test counts too): measure in a fresh process whose only child is the command.
PEAK_OF_CHILD = ("import resource, subprocess, sys; r = subprocess.run([sys.executable, *sys.argv[1:]]); "
                 "print(f'PEAK_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
                 "sys.exit(r.returncode)")


def test_hundred_thousand_junk_rows_are_refused_fast_and_small(tmp_path: Path) -> None:
    """Verify the issue's 签到登记 with 100,000 junk rows is refused before it is parsed: in seconds, not 45 s,
    under 300 MB, not 2.6 GB, with a message naming the sheet and its true row count (header + 100,000)."""
    school = _junk_school(tmp_path / "学校.xlsx", 100_000)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, "-m", "xlrubric", "compute", str(school)],
                          capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - start
    peak_mb = float(done.stderr.rsplit("PEAK_KB=", 1)[1]) / 1024
    assert done.returncode == 2, done.stdout + done.stderr
    assert "签到登记" in done.stderr and "100,001 行" in done.stderr and "40,000" in done.stderr
    assert seconds < 20 and peak_mb < 300, (seconds, peak_mb)
    assert not list(tmp_path.glob("*_结果.xlsx"))


def test_problems_are_capped_per_sheet_without_changing_any_result(tmp_path: Path, monkeypatch) -> None:
    """Verify the cap lists at most N problems per sheet and severity, adds one line with the count of the
    rest, keeps the summary's counts whole, and leaves every result table exactly as without the cap."""
    book = open_workbook(_junk_school(tmp_path / "学校.xlsx", 300), settle=0)
    spec, source = resolve_spec(book)
    monkeypatch.setattr(pipeline, "LIMITS", LIMITS.__class__(problems_per_sheet=1_000_000))
    whole = compute_book(book, spec, source)
    monkeypatch.setattr(pipeline, "LIMITS", LIMITS.__class__(problems_per_sheet=40))
    capped = compute_book(book, spec, source)
    junk_errors = [p for p in whole.problems if p.sheet == "签到登记" and p.severity == "错误"]
    assert len(junk_errors) > 40                                     # 300 junk rows: well past the cap
    listed = [p for p in capped.problems if p.sheet == "签到登记" and p.severity == "错误"]
    assert len(listed) == 41 and listed[-1].code == "more-problems"
    assert f"另有 {len(junk_errors) - 40:,} 个错误未逐条列出" in listed[-1].message
    assert listed[:40] == junk_errors[:40]
    assert capped.summary["problems"] == whole.summary["problems"]
    for a, b in zip(whole.tables, capped.tables, strict=True):
        if a.name != "校验问题":
            assert (a.name, a.rows) == (b.name, b.rows)


def test_archive_of_the_shipped_xinghuo_sample(tmp_path: Path) -> None:
    """Verify `xlrubric archive samples/xinghuo.xlsx` (no 学时登记) writes one block per rostered teacher
    instead of ending in KeyError: 'date'."""
    done = subprocess.run([sys.executable, "-m", "xlrubric", "archive", str(SAMPLES / "xinghuo.xlsx"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    roster = CalamineWorkbook.from_path(str(SAMPLES / "xinghuo.xlsx")).get_sheet_by_name("教师名册").to_python()
    assert roster[1][:2] == ["工号", "姓名"]                          # title row, header row, then teachers
    n_teachers = sum(1 for row in roster[2:] if row[1])              # 45 named teachers in the sample
    assert n_teachers == 45 and f"已生成 {n_teachers} 位教师" in done.stdout, done.stdout
    assert list(tmp_path.glob("*培训档案.xlsx"))


def test_a_school_claiming_another_schools_name(tmp_path: Path) -> None:
    """Verify two workbooks writing 丙校: without a 通讯录 both are held and the message names both files
    and how to settle it; the 通讯录's 工作簿 column settles it: the named file is sent, the other held."""
    schools = [("丙校", "bing@school.example.cn", "丙1.xlsx"), ("丙校", "bing@school.example.cn", "丙2.xlsx"),
               ("丁校", "ding@school.example.cn", "丁校.xlsx")]
    outdir = make_outdir(tmp_path, schools)
    jobs = {j.input: j for j in cp.plan(outdir, load_manifest(outdir))}
    for name in ("丙1.xlsx", "丙2.xlsx"):
        assert "「丙1.xlsx」、「丙2.xlsx」" in jobs[name].skip and "工作簿" in jobs[name].skip
    contacts = tmp_path / "通讯录.csv"
    contacts.write_text("学校名称,电子邮箱,工作簿\n丙校,bing@school.example.cn,丙2.xlsx\n"
                        "丁校,ding@school.example.cn,\n", encoding="utf-8")
    jobs = {j.input: j for j in cp.plan(outdir, load_manifest(outdir), load_contacts(contacts))}
    assert jobs["丙2.xlsx"].skip == "" and jobs["丁校.xlsx"].skip == ""
    assert "「丙1.xlsx」的学校名称写的是「丙校」" in jobs["丙1.xlsx"].skip and "「丙2.xlsx」" in jobs["丙1.xlsx"].skip


def test_markup_school_name_is_sent_and_recorded(tmp_path: Path) -> None:
    """Verify a school named `[/]第一中学` is sent like any other over a real loopback SMTP server (the send
    used to stop at it), `--status` lists it, and its row reaches 县汇总's 发送记录."""
    from test_mail_support import Server
    from typer.testing import CliRunner

    from xlrubric.cli import app

    schools = [("[/]第一中学", "yi@school.example.cn", "第一中学.xlsx"),
               ("兰西四中", "lanxi4@school.example.cn", "兰西四中.xlsx")]
    outdir = make_outdir(tmp_path, schools)
    runner = CliRunner(env={"COLUMNS": "200"})
    with Server() as server:
        sent = runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", server.address, "--from",
                                   "county@example.cn", "--retry-delay", "0", "--timeout", "5"])
        assert sent.exit_code == 0, sent.output
        assert [len(server.to(addr)) for _, addr, _ in schools] == [1, 1]
        assert server.to("yi@school.example.cn")[0].msg["Subject"].startswith("[/]第一中学")
    status = runner.invoke(app, ["mail", str(outdir), "--status"])
    assert status.exit_code == 0 and "[/]第一中学" in status.output, status.output
    log = CalamineWorkbook.from_path(str(outdir / "县汇总.xlsx")).get_sheet_by_name("发送记录").to_python()
    assert any(row[0] == "[/]第一中学" and row[2] == "已发送" for row in log), log
