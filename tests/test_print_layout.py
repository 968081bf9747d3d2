"""Verify, by printing with LibreOffice (a second program) and reading the PDF back, that the result sheets
are fit to print on A4 (issue 13): headers and wrapped text never cut, legible type, a wide table split into
page groups that repeat 工号/姓名 instead of shrunk to one page, page counts bounded.

What a PDF can tell without eyes, for every output kind (each preset's result sheets, 县汇总, the archive,
the mail a school reads); `benchmarks/render_outputs.py` renders them all to PNG pages for the eyes.
Only the sheets under test are printed: the others are hidden in a copy (LibreOffice prints no hidden
sheet), which keeps the test to under a minute.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xlrubric.process import compute_file

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                reason="needs LibreOffice and poppler-utils")
needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="the mail page prints with chromium")


def printable_copy(src: Path, dst: Path, keep: set[str]) -> None:
    """A copy of `src` whose sheets other than `keep` are hidden (so LibreOffice prints only `keep`)."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = re.findall(r'<sheet [^>]*name="([^"]*)"', text)

                def state(m: re.Match) -> str:
                    tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
                    name = re.search(r'name="([^"]*)"', tag).group(1)
                    return tag if name in keep else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

                text = re.sub(r"<sheet [^>]*/>", state, text)
                first = next(i for i, n in enumerate(names) if n in keep)
                text = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", text)      # the shown sheet must be one kept
                text = text.replace("<workbookView ", f'<workbookView activeTab="{first}" firstSheet="{first}" ', 1)
                data = text.encode("utf-8")
            zo.writestr(info, data)


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def word_heights(pdf: Path) -> list[float]:
    """Height of every word's box in points (about 1.3 × its printed font size)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', out)]


def chars(text: str) -> Counter:
    return Counter(re.sub(r"\s", "", text))


@pytest.fixture(name="printed", scope="module")
def fixture_printed(tmp_path_factory) -> dict[str, Path]:
    """lanxi4's 考核结果 (long 扣分明细 text) and baiwanzi's 学时汇总 (28 columns), printed to PDF."""
    tmp = tmp_path_factory.mktemp("print")
    books = {}
    for preset, sheet in (("lanxi4", "考核结果"), ("baiwanzi", "学时汇总")):
        result = tmp / f"{preset}_结果.xlsx"
        compute_file(SAMPLES / f"{preset}.xlsx", result, preset=preset)
        printable_copy(result, tmp / f"{sheet}.xlsx", {sheet})
        books[sheet] = result
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(tmp / "考核结果.xlsx"), str(tmp / "学时汇总.xlsx")],
                   capture_output=True, check=False, timeout=300)
    for sheet in ("考核结果", "学时汇总"):
        assert (tmp / f"{sheet}.pdf").exists(), f"LibreOffice did not print {sheet}"   # it exits 0 regardless
    return {"考核结果.pdf": tmp / "考核结果.pdf", "学时汇总.pdf": tmp / "学时汇总.pdf", **books}


def rows_of(book: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(book)).get_sheet_by_name(sheet).to_python()


def test_wide_table_prints_in_page_groups_repeating_the_key_columns(printed):
    """Verify baiwanzi's 学时汇总 (80 rows × 28 columns) is not shrunk onto one page width: two page groups
    at ≥ 85 %, every page repeating 工号/姓名/学年 and the header, and a bounded page count.

    By hand: landscape A4 holds about 128 width units at 100 % (measured, pagesetup.py); 28 columns take
    about 220, so at 90 % (142 units a page) they need two groups. 80 rows of at most two lines (≤ 32 pt
    each) on a page about 480 pt high at 90 % fill at least 13 rows a page: ≤ ceil(80 / 13) = 7 pages a
    group, ≤ 14 in all.
    """
    ws = openpyxl.load_workbook(printed["学时汇总"])["学时汇总"]
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    assert int(ws.page_setup.scale) >= 85 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_cols == "$A:$C" and ws.print_title_rows == "$1:$1"
    assert len(ws.col_breaks.brk) == 1
    text = pages(printed["学时汇总.pdf"])
    assert 2 <= len(text) <= 2 * math.ceil(80 / 13)
    for page in text:
        assert "工号" in page and "姓名" in page and "学年" in page


def test_headers_and_wrapped_text_are_never_cut(printed):
    """Verify every character of every header, and of the longest 扣分明细 text on the first page, is on the
    page: a header or a wrapped cell cut by its row height loses its last lines."""
    header = rows_of(printed["考核结果"], "考核结果")[0]
    first = pages(printed["考核结果.pdf"])[0]
    top = first[:first.index("04001")]                 # the header rows: above the first teacher
    assert not chars("".join(header)) - chars(top), "a header is cut"
    body = rows_of(printed["考核结果"], "考核结果")[1:]
    detail = header.index("扣分明细")
    shown = [r for r in body if str(r[0]) in first]
    longest = max((r[detail] for r in shown), key=len)
    assert len(longest) > 40 and not chars(longest) - chars(first), "wrapped text is cut"
    # 学时汇总, page group 1 and 2: each group's headers whole above its first row
    ws = openpyxl.load_workbook(printed["学时汇总"])["学时汇总"]
    split = ws.col_breaks.brk[0].id
    head = rows_of(printed["学时汇总"], "学时汇总")[0]
    text = pages(printed["学时汇总.pdf"])
    groups = [head[:split], head[:3] + head[split:]]
    firsts = [text[0], next(p for p in text if head[split][:4] in p)]
    for names, page in zip(groups, firsts, strict=True):
        top = page[:page.index("BW0")]
        assert not chars("".join(names)) - chars(top), names


def test_type_is_legible(printed):
    """Verify no word prints smaller than 8 pt: pdftotext boxes are about 1.3 × the font size, so ≥ 10.4 pt."""
    for pdf in ("考核结果.pdf", "学时汇总.pdf"):
        heights = word_heights(printed[pdf])
        assert heights and min(heights) >= 8 * 1.3, (pdf, min(heights))


# Every output kind (issue 13, part 4): the result sheets of each preset's compute, 县汇总, the archive and
# the mail a school receives. Each (file, sheet) is printed on its own, all in one LibreOffice call.
RESULT_SHEETS = {"xinghuo": ("考核结果", "扣分明细"), "lanxi4": ("达标情况",),
                 "baiwanzi": ("校验问题",), "weicun": ("达标情况",), "tisheng2": ("学时汇总", "项目考核")}
COUNTY_SCHOOLS = ("兰西镇", "星火乡", "白湾子镇", "魏村镇")
COUNTY_SHEETS = ("学校汇总", "问题清单", "无法读取")
ARCHIVES = ("lanxi4", "tisheng2")


@pytest.fixture(name="every_kind", scope="module")
def fixture_every_kind(tmp_path_factory) -> dict[str, dict]:
    """{print name: {"pdf", "book", "sheet", "header_row"}} for every output kind, printed in one call."""
    from typer.testing import CliRunner

    from xlrubric.cli import app
    from xlrubric.pipeline import resolve_spec
    from xlrubric.pipeline.archive import gather
    from xlrubric.readers.workbook import open_workbook
    from xlrubric.writers.archive import overview_title, write_archive

    tmp = tmp_path_factory.mktemp("kinds")
    jobs: dict[str, dict] = {}

    def add(book: Path, sheet: str, header_row: int = 0) -> None:
        name = f"{book.stem}_{sheet}"
        printable_copy(book, tmp / f"{name}.xlsx", {sheet})
        jobs[name] = {"file": tmp / f"{name}.xlsx", "book": book, "sheet": sheet, "header_row": header_row}

    for preset, sheets in RESULT_SHEETS.items():
        out = tmp / f"{preset}_结果.xlsx"
        compute_file(SAMPLES / f"{preset}.xlsx", out, preset=preset)
        for sheet in sheets:
            add(out, sheet)
    county = tmp / "county"
    for town in COUNTY_SCHOOLS:
        shutil.copytree(SAMPLES / "county" / town, county / town, ignore=shutil.ignore_patterns("~$*"))
    done = CliRunner().invoke(app, ["batch", str(county), "--out", str(tmp / "out"), "--workers", "1"])
    assert done.exit_code == 0, done.output
    for sheet in COUNTY_SHEETS:
        add(tmp / "out" / "县汇总.xlsx", sheet)
    # 发送记录, as `mail --send` adds it: long Message-IDs and SMTP replies (a copy of the batch's folder)
    from xlrubric.batch.manifest import load_manifest
    from xlrubric.batch.summary import write_county_summary

    shutil.copytree(tmp / "out", tmp / "sent")
    send_log = [{"school": "兰西县第三中学", "address": "lanxi3-jiaowuchu@example.cn", "state": "已发送",
                 "time": "2026-12-02 05:50:01", "message_id": "<20261202055001.12345.xlrubric@county.example.cn>",
                 "reply": "250 2.0.0 Ok: queued as 4F2A1B3C5D; message accepted for delivery"},
                {"school": "星火乡中心小学", "address": "xh@example.cn", "state": "失败", "time": "2026-12-02 05:50:03",
                 "message_id": "", "reply": "550 5.1.1 <xh@example.cn>: Recipient address rejected: User unknown"}]
    add(write_county_summary(tmp / "sent", load_manifest(tmp / "sent"), send_log=send_log), "发送记录")
    for preset in ARCHIVES:
        book = open_workbook(SAMPLES / f"{preset}.xlsx")
        arc = gather(book, *resolve_spec(book, preset=preset))
        target = write_archive(arc, tmp / f"档案_{preset}")
        add(target, overview_title(arc), header_row=1)
        add(target, "教师培训档案", header_row=-1)
    sent = CliRunner().invoke(app, ["mail", str(tmp / "out"), "--from", "county@example.cn"])
    assert sent.exit_code in (0, 1) and "邮件已生成" in sent.output, sent.output   # 1: one school has no contact
    import email
    from email.policy import default

    for eml in sorted((tmp / "out" / "邮件预览").glob("*.eml"))[:2]:
        msg = email.message_from_bytes(eml.read_bytes(), policy=default)
        text = (f"主题：{msg['Subject']}\n附件：{'、'.join(a.get_filename() for a in msg.iter_attachments())}"
                f"\n\n{msg.get_body(('plain',)).get_content()}")
        page = tmp / f"邮件_{eml.stem}.html"          # printed as a mail client shows it (chromium)
        page.write_text('<html><head><meta charset="utf-8"></head><body style="font-size:12pt"><pre style='
                        f'"white-space:pre-wrap;font-family:sans-serif">{html.escape(text)}</pre></body></html>',
                        encoding="utf-8")
        jobs[page.stem] = {"file": page, "text": text}
    lo = ["soffice", f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless"]
    out = ["--outdir", str(tmp / "pdf")]
    books = [str(j["file"]) for j in jobs.values() if "text" not in j]
    mails = [str(j["file"]) for j in jobs.values() if "text" in j]
    subprocess.run([*lo, "--convert-to", "pdf", *out, *books], capture_output=True, check=False, timeout=900)
    for page in mails:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={tmp / 'pdf' / (Path(page).stem + '.pdf')}", Path(page).as_uri()],
                       capture_output=True, check=False, timeout=120)
    for name, job in jobs.items():
        job["pdf"] = tmp / "pdf" / f"{name}.pdf"
        assert job["pdf"].exists(), f"LibreOffice did not print {name}"      # it exits 0 regardless
    return jobs


@needs_chromium
def test_every_output_kind_prints_whole_legible_and_bounded(every_kind):
    """Verify, for each preset's result sheets, 县汇总, the archive and the mail body: the header on the
    sheet's first page whole (every character above the first data row), no word under 8 pt, and a page
    count bounded by the content.

    The bound, by hand: an A4 page at ≥ 85 % holds about 480 pt of rows; no row we write is taller than
    6 lines of 15 pt (90 pt), so a page holds at least 5 rows: pages ≤ page groups × ceil(rows / 5) + 1.
    The archive's blocks (one teacher each, with a page break after) are bounded by 3 pages a teacher."""
    assert len(every_kind) >= 15
    for name, job in every_kind.items():
        text = pages(job["pdf"])
        assert text, name
        heights = word_heights(job["pdf"])
        assert heights and min(heights) >= 8 * 1.3, (name, min(heights))
        if "text" in job:                          # the mail: one page, every line of it printed
            assert len(text) == 1 and not chars(job["text"]) - chars(text[0]), name
            continue
        rows = [r for r in rows_of(job["book"], job["sheet"]) if any(str(v).strip() for v in r)]
        if job["header_row"] < 0:                  # archive blocks: bounded per teacher
            teachers = sum(1 for r in rows if "教师个人培训档案" in str(r[0]))
            assert teachers and len(text) <= 3 * teachers, (name, len(text), teachers)
            continue
        header = [str(v) for v in rows[job["header_row"]] if str(v).strip()]
        first_cell = next(str(v) for v in rows[job["header_row"] + 1] if str(v).strip())
        ws = openpyxl.load_workbook(job["book"])[job["sheet"]]
        groups = len(ws.col_breaks.brk) + 1
        body = len(rows) - job["header_row"] - 1
        assert len(text) <= groups * math.ceil(body / 5) + 1, (name, len(text), body, groups)
        # A header row shorter than its wrapped names clips the top line in print, yet the clipped glyphs
        # stay in the PDF's text: so also check the row is as tall as its longest name needs.
        from openpyxl.utils import get_column_letter

        from xlrubric.writers.pagesetup import LINE_POINTS
        from xlrubric.writers.textwidth import display_width

        r = job["header_row"] + 1
        height = ws.row_dimensions[r].height or 15
        for c, cell in enumerate(ws[r], start=1):
            width = ws.column_dimensions[get_column_letter(c)].width or 8.43
            if cell.value and not any(str(m).startswith(f"{get_column_letter(c)}{r}:") for m in
                                      ws.merged_cells.ranges):
                lines = math.ceil(display_width(cell.value) / width)        # at the least, however it breaks
                assert height >= LINE_POINTS * lines - 1, (name, cell.value, height, lines)
        page = text[0]
        top = page[:page.index(first_cell)] if first_cell in page else page
        cut = chars("".join(header if groups == 1 else header[:len(header) // groups])) - chars(top)
        assert not cut, (name, "".join(cut))



def overlapping_rows(pdf: Path) -> list[tuple[str, str]]:
    """Pairs of words below the 工号 header that overlap on a page. A row lower than its text makes LibreOffice
    print each line across the next row (session 7: 扣分明细's one-line rows had no height, and LibreOffice
    gave them 12.8 pt, less than 11-pt Chinese type needs): the words of neighbouring rows then overlap."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for page in out.split("<page ")[1:]:
        boxes = sorted(((*map(float, b[:4]), b[4]) for b in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)),
            key=lambda b: b[1])
        head = next((b[3] for b in boxes if b[4] == "工号"), None)
        body = [b for b in boxes if head is not None and b[1] >= head]
        for i, (x0, _y0, x1, y1, word) in enumerate(body):
            for other in body[i + 1:]:
                if other[1] >= y1:                 # sorted by top: nothing further down reaches this word
                    break
                if x0 < other[2] and other[0] < x1:
                    found.append((word, other[4]))
    return found


ROW_SHEETS = ("xinghuo_结果_扣分明细", "xinghuo_结果_考核结果", "lanxi4_结果_达标情况", "县汇总_问题清单")


def test_every_row_is_as_tall_as_its_text(every_kind):
    """Verify no two printed words of a table's body overlap (every row is at least as tall as its text), and
    every sheet we make states its one-line row height. Fails on session 6's outputs: 198 overlapping pairs
    on one page of lanxi4's 达标情况, whose one-line rows LibreOffice printed 12.8 pt high."""
    for name in ROW_SHEETS:
        assert not overlapping_rows(every_kind[name]["pdf"]), (name, overlapping_rows(every_kind[name]["pdf"])[:5])
    from xlrubric.writers.pagesetup import ONE_LINE_POINTS

    for name, job in every_kind.items():
        if "text" in job:
            continue
        ws = openpyxl.load_workbook(job["book"])[job["sheet"]]
        assert ws.sheet_format.customHeight and ws.sheet_format.defaultRowHeight >= ONE_LINE_POINTS, name
        assert all(d.height is None or d.height >= ONE_LINE_POINTS for d in ws.row_dimensions.values()), name


def cut_off_cells(book: Path, sheet: str) -> list[tuple[str, str]]:
    """(cell, text) of every text wider than its column that neither wraps in a row tall enough for it nor runs
    on into an empty cell to its right: on screen and on paper the program cuts it at the column's edge.

    Widths as pagesetup counts them (display_width); a wrapped text needs at least one line per `width` units
    of each paragraph, however it breaks (the writers allow more: text_lines). A merged cell's width and height
    are its merge's, and it never runs on. openpyxl files a run of equal columns under the run's first letter,
    so widths come from min..max."""
    from xlrubric.writers.pagesetup import LINE_POINTS, PADDING
    from xlrubric.writers.textwidth import display_width

    ws = openpyxl.load_workbook(book)[sheet]
    widths = {c: d.width for d in ws.column_dimensions.values() if d.min and d.max
              for c in range(d.min, d.max + 1)}
    default = ws.sheet_format.defaultRowHeight or 15
    height = {}
    spans = {}                                  # top-left of a merge -> (width, height); its other cells: None
    for m in ws.merged_cells.ranges:
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                spans[(r, c)] = None
        spans[(m.min_row, m.min_col)] = (
            sum(widths.get(c) or 8.43 for c in range(m.min_col, m.max_col + 1)),
            sum(ws.row_dimensions[r].height or default for r in range(m.min_row, m.max_row + 1)))
    cut = []
    for row in ws.iter_rows():
        for cell in row:
            text = cell.value
            span = spans.get((cell.row, cell.column), ())
            if not isinstance(text, str) or span is None:
                continue
            width, tall = span or (widths.get(cell.column) or 8.43,
                                   height.setdefault(cell.row, ws.row_dimensions[cell.row].height or default))
            if display_width(text) <= width - PADDING:
                continue
            if cell.alignment.wrap_text:
                least = sum(max(1, math.ceil(display_width(p) / width)) for p in text.split("\n"))
                if tall >= LINE_POINTS * least - 1:
                    continue
            elif not span and cell.column < ws.max_column and ws.cell(cell.row, cell.column + 1).value in (None, ""):
                continue                           # runs on into the empty cell beside it
            cut.append((cell.coordinate, text))
    return cut


def test_no_text_is_cut_off_at_its_column(every_kind):
    """Verify no text in a sheet we write is cut off at its column's edge: a school's long name or file path,
    or a long value a teacher typed, wraps in a row tall enough for it. Fails on session 7's 县汇总: 文件 in
    学校汇总 (「兰西镇/兰西县第三中学.xlsx」 in 26 units) and 填写的值 in 问题清单 (「刘丽的教学设计2023」 in 14)
    were cut off at the next column; the 培训档案's 未完成的期次 (merged across four columns) kept its one-line row
    and printed the first of 读书笔记's missed weeks only."""
    for name, job in every_kind.items():
        if "text" not in job:
            assert not cut_off_cells(job["book"], job["sheet"]), (name, cut_off_cells(job["book"], job["sheet"])[:5])
