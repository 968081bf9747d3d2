"""Verify, by printing with LibreOffice (a second program) and reading the PDF back, that the result sheets
are fit to print on A4 (issue 13): headers and wrapped text never cut, legible type, a wide table split into
page groups that repeat 工号/姓名 instead of shrunk to one page, page counts bounded.

What a PDF can tell without eyes; `benchmarks/render_outputs.py` renders every output kind to PNG pages for
the eyes. Only the sheets under test are printed: the others are hidden in a copy (LibreOffice prints no
hidden sheet), which keeps the test to seconds.
"""

from __future__ import annotations

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
