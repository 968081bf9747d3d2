"""Verify, by printing with LibreOffice (a second program) and reading the PDF back, that the blank templates
are fit to print on A4 (issue 13): every sheet of every preset's template in both styles, with headers and
wrapped text never cut, legible type, wide tables in page groups (one item's 扣分事项 never split), and a
bounded page count. A template is also what a school prints blank and fills in by hand.

One soffice call prints all seven workbooks. The helpers come from tests/test_print_layout.py (the result
sheets' print test). `benchmarks/render_outputs.py` renders the same templates to PNG pages for the eyes.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from test_print_layout import chars, word_heights

from xlrubric.spec.load import load_preset, preset_ids
from xlrubric.writers.guide import GUIDE_SHEET
from xlrubric.writers.template import template_bytes

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                reason="needs LibreOffice and poppler-utils")


def template_names() -> list[str]:
    """`<preset>_<style>` for each preset and style it has (评分 only where the preset has a rubric)."""
    return [f"{pid}_{style}" for pid in preset_ids() for style in ("counts", "scores")
            if style == "counts" or load_preset(pid).rubric is not None]


@pytest.fixture(name="printed", scope="module")
def fixture_printed(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Every template, written and printed to PDF: name -> (xlsx, pdf)."""
    tmp = tmp_path_factory.mktemp("templates")
    books = {}
    for name in template_names():
        pid, style = name.split("_")
        books[name] = tmp / f"{name}.xlsx"
        books[name].write_bytes(template_bytes(load_preset(pid), style))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp / 'lo'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), *map(str, books.values())], capture_output=True, check=False, timeout=600)
    for name in books:       # LibreOffice exits 0 even when it prints nothing
        assert (tmp / f"{name}.pdf").exists(), f"LibreOffice did not print {name}"
    return {name: (book, tmp / f"{name}.pdf") for name, book in books.items()}


def sheet_pages(pdf: Path, names: list[str]) -> dict[str, list[str]]:
    """The printed pages of each sheet, in order, told apart by their running head (&A, the sheet's name,
    in the top margin; found by position because a merged cell cut by a page break may print text above
    the first row)."""
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout.split("\f")
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("<page ")[1:]
    out: dict[str, list[str]] = {}
    for text, box in zip(layout, boxes, strict=False):
        top = re.findall(r'yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', box)
        sheet = next(word for y, word in top if float(y) < 45 and word in names)
        out.setdefault(sheet, []).append(text)
    return out


def words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words as (xMin, yMin, xMax, yMax, text) in points."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(*map(float, w[:4]), w[4]) for w in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page)]
        for page in out.split("<page ")[1:]]


def header_bottom(ws) -> float:
    """Where on the page (points from the top) the last header row ends: top margin plus the title and
    header rows' heights at the print scale."""
    last = header_rows(ws)
    rows = sum(ws.row_dimensions[r].height or 15 for r in range(1, last + 1))
    return ws.page_margins.top * 72 + rows * int(ws.page_setup.scale or 100) / 100


def header_rows(ws) -> int:
    """The last row repeated on every page (the title and header rows), from the print titles."""
    return int(re.fullmatch(r"\$1:\$(\d+)", ws.print_title_rows).group(1)) if ws.print_title_rows else 0


def page_groups(ws) -> list[list[int]]:
    """The 1-based columns printed on each page group: the repeated key columns, then the group's own."""
    last = ws.max_column
    breaks = sorted(b.id for b in ws.col_breaks.brk)          # openpyxl: break after column `id`
    keys = openpyxl.utils.column_index_from_string(ws.print_title_cols.split(":")[1].strip("$")) \
        if ws.print_title_cols else 0
    edges = [0, *breaks, last]
    return [sorted(set(range(1, keys + 1)) | set(range(a + 1, b + 1))) for a, b in itertools.pairwise(edges)]


def test_every_header_prints_whole_on_its_page(printed):
    """Verify each page group of each table sheet shows every header of its columns whole (all characters of
    the names, including 考核记录's item names over their 扣分事项), and no group splits an item."""
    for name, (book, pdf) in printed.items():
        wb = openpyxl.load_workbook(book)
        printed_pages = sheet_pages(pdf, wb.sheetnames)
        for ws in wb.worksheets:
            last_head = header_rows(ws)
            if ws.sheet_state == "hidden" or last_head < 2:     # not a table sheet (基本信息, 填写说明)
                continue
            groups = page_groups(ws)
            sheet_pages_ = printed_pages[ws.title]
            per_group, rest = divmod(len(sheet_pages_), len(groups))   # LibreOffice: down, then across
            assert per_group and not rest, (name, ws.title, len(sheet_pages_), len(groups))
            merged_inside = {(m.min_row, c) for m in ws.merged_cells.ranges for c in range(m.min_col + 1,
                                                                                             m.max_col + 1)}
            for i, page in enumerate(sheet_pages_):
                cols = groups[i // per_group]
                heads = [str(ws.cell(r, c).value) for r in range(2, last_head + 1) for c in cols
                         if ws.cell(r, c).value is not None]
                missing = chars("".join(heads)) - chars(page)
                assert not missing, (name, ws.title, cols, "".join(missing))
                assert (2, cols[-1] + 1) not in merged_inside or cols[-1] == ws.max_column, \
                    (name, ws.title, "a page group ends inside an item's 扣分事项")


def test_header_rows_are_tall_enough(printed):
    """Verify no header text runs below the header rows: LibreOffice puts a clipped cell's text into the
    PDF all the same, so a row too short for its wrapped name shows in the words' boxes, not the text.
    A blank table page holds only the running head, the title and header rows, and the footer."""
    for name, (book, pdf) in printed.items():
        wb = openpyxl.load_workbook(book)
        by_page = words(pdf)
        names = sheet_pages(pdf, wb.sheetnames)
        index = 0
        for sheet, sheet_pages_ in names.items():
            ws = wb[sheet]
            if header_rows(ws) >= 2 and sheet != "考核细则":
                for page in by_page[index:index + len(sheet_pages_)]:
                    body = [w for w in page if 45 < w[1] < 500]      # below the running head, above the footer
                    low = max(body, key=lambda w: w[3])
                    assert low[3] <= header_bottom(ws) + 1, (name, sheet, low, header_bottom(ws))
            index += len(sheet_pages_)


def test_guide_and_rules_text_is_never_cut(printed):
    """Verify every character written in 填写说明, 基本信息 and 考核细则 is on their printed pages: a row too
    short for its wrapped text loses its last lines, a column too narrow its ends."""
    for name, (book, pdf) in printed.items():
        wb = openpyxl.load_workbook(book)
        printed_pages = sheet_pages(pdf, wb.sheetnames)
        for sheet in (GUIDE_SHEET, "基本信息", "考核细则"):
            if sheet not in wb.sheetnames:
                continue
            written = "".join(str(v) for row in wb[sheet].iter_rows(values_only=True) for v in row
                              if v is not None)
            on_paper = Counter()
            for page in printed_pages[sheet]:
                on_paper += chars(page)
            missing = chars(written) - on_paper
            assert not missing, (name, sheet, "".join(sorted(missing))[:80])


def test_no_sheet_is_shrunk_to_one_page_wide(printed):
    """Verify no template sheet is fit to a page width and none prints below 85 %; 填写说明 is upright at
    100 %. By hand: its five columns are 11 + 5 + 18 + 23 + 25 = 82 units plus 4 × 0.7 padding = 84.8,
    within the 86 an upright A4 page holds (pagesetup.PORTRAIT_CHARS)."""
    for name, (book, _) in printed.items():
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            if ws.sheet_state == "hidden":
                continue
            assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage), \
                (name, ws.title)
            assert int(ws.page_setup.scale or 100) >= 85, (name, ws.title)
        guide = wb[GUIDE_SHEET].page_setup
        assert guide.orientation == "portrait" and int(guide.scale or 100) == 100


def test_lanxi4_record_sheet_groups(printed):
    """Verify lanxi4's 考核记录 (工号, 姓名, 17 扣分事项 under 6 items, 备注) prints landscape in page groups
    that repeat 工号/姓名 and the three title/header rows, breaking only between items.

    By hand: each 扣分事项 column is at least its name's width in three lines (e.g. 计划未围绕研修主题, 9 CJK
    × 2.2 = 19.8 → 8.1 units) or the layout's 10, so the 21 columns need well over the 128 × 100 / 85 ≈ 150
    units a landscape page holds at 85 %: page groups at 90 % (142 units each), at least two."""
    book, pdf = printed["lanxi4_counts"]
    wb = openpyxl.load_workbook(book)
    ws = wb["考核记录"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.scale) == 90
    assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$1:$3"
    starts = {m.min_col for m in ws.merged_cells.ranges if m.min_row == 2} | {
        c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value is not None}
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks and all(b + 1 in starts for b in breaks)
    for page in sheet_pages(pdf, wb.sheetnames)["考核记录"]:
        assert "工号" in page and "姓名" in page


def test_page_count_is_bounded(printed):
    """Verify no template runs long. By hand: a blank table sheet is one page per page group (≤ 3 here);
    填写说明 holds about 45 rows of text a page and the longest (lanxi4: 17 扣分事项, about 60 text rows
    of up to 4 lines) needs at most 4 pages; 考核细则 is at most 90 rows of at most 8 lines, about 25
    short rows a landscape page: ≤ 10. Seven sheets of one page each besides: ≤ 4 + 10 + 7 × 3 = 35."""
    for name, (book, pdf) in printed.items():
        by_sheet = sheet_pages(pdf, openpyxl.load_workbook(book).sheetnames)
        assert len(by_sheet.get(GUIDE_SHEET, [])) <= 4, name
        assert len(by_sheet.get("考核细则", [])) <= 10, name
        assert sum(map(len, by_sheet.values())) <= 35, name


def test_type_is_legible(printed):
    """Verify no word prints smaller than 8 pt: pdftotext boxes are about 1.3 × the font size, so ≥ 10.4 pt."""
    for name, (_, pdf) in printed.items():
        heights = word_heights(pdf)
        assert heights and min(heights) >= 8 * 1.3, (name, min(heights))


def test_no_text_is_cut_off_at_its_column(printed):
    """Verify no text of any template sheet (填写说明, 基本信息, the tables' headers, 考核细则) is cut off at its
    column's edge: it wraps in a row tall enough for it or runs on into an empty cell (the check is
    test_print_layout's, over our outputs)."""
    import openpyxl
    from test_print_layout import cut_off_cells

    for name, (book, _pdf) in printed.items():
        for sheet in openpyxl.load_workbook(book, read_only=True).sheetnames:
            assert not cut_off_cells(book, sheet), (name, sheet, cut_off_cells(book, sheet)[:5])
