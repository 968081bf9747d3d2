"""Build, in code, every kind of file a county folder really contains: good, odd, broken and hostile.

Each builder takes a folder and writes one file into it, returning its path (or None when it needs a
program that is missing, e.g. LibreOffice for an .xls). Nothing binary is checked in. Reuse them from
any test: `badfiles.far_cell(tmp_path)`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

LONG_TEXT = "长" * 10_000
HIDDEN_NAME = "隐藏\u3000表"            # a full-width space, kept exactly
PASSWORD = "校本研修2021"
_STAMP = (1980, 1, 1, 0, 0, 0)


def good_xlsx(folder: Path, name: str = "good.xlsx") -> Path:
    """A register with everything a reader must keep: merges, dates, errors, hidden sheets, offsets."""
    path = folder / name
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("教师名册")
    ws.merge_range("A1:D1", "教师名册")
    ws.write_row(1, 0, ["工号", "姓名", "出生日期", "学时"])
    ws.write_row(2, 0, ["T001", "张三"])
    ws.write_datetime(2, 2, dt.datetime(1980, 5, 6), date_fmt)
    ws.write_number(2, 3, 12)
    ws.write_row(3, 0, ["T002", "李四"])
    ws.write_datetime(3, 2, dt.datetime(1990, 9, 1), date_fmt)
    ws.write_number(3, 3, 3.5)
    ws.write_string(5, 2, "备注")
    ws.write_formula(6, 3, "=1/0", None, "#DIV/0!")
    ws.write_formula(7, 3, "=#REF!", None, "#REF!")
    ws.write_formula(8, 3, "=SUM(D3:D4)", None, "UNCACHED")
    ws.write_string(9, 0, LONG_TEXT)
    ws.write_boolean(10, 0, True)
    offset = wb.add_worksheet("偏移")
    offset.write("C3", "x")
    offset.write("E5", 5)
    hidden = wb.add_worksheet(HIDDEN_NAME)
    hidden.write("A1", "藏")
    hidden.hide()
    very = wb.add_worksheet("vh")
    very.write("B2", 2)
    very.very_hidden()
    wb.add_worksheet("空表")
    wb.close()
    # XlsxWriter always caches a value; drop it to get the "formula never calculated" case
    return rewrite(path, path, {"xl/worksheets/sheet1.xml":
                                lambda b: b.replace(b"<v>UNCACHED</v>", b"").replace(b' t="str"><f>SUM', b"><f>SUM")})


def rewrite(src: Path, dst: Path, edits: dict[str, Callable[[bytes], bytes | None]],
            extra: dict[str, bytes] | None = None) -> Path:
    """Copy a package member by member; an edit returning None drops the member, `extra` adds members."""
    members: list[tuple[zipfile.ZipInfo, bytes]] = []
    with zipfile.ZipFile(src) as zin:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
                if data is None:
                    continue
            members.append((info, data))
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            zout.writestr(info, data, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    return dst


def _with_sheet(folder: Path, name: str, sheet_data: bytes, head: bytes = b"") -> Path:
    """The good workbook with its first sheet's cells replaced by `sheet_data` (raw XML)."""
    src = good_xlsx(folder, f".src_{name}")
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main">' + head + b"<sheetData>" + sheet_data
           + b"</sheetData></worksheet>")
    out = rewrite(src, folder / name, {"xl/worksheets/sheet1.xml": lambda _: xml})
    src.unlink()
    return out


def xlsm_content(folder: Path, name: str = "macro.xlsm") -> Path:
    """A macro-enabled package (content type only: no VBA binary needs to be checked in)."""
    src = good_xlsx(folder, f".src_{name}")
    sheet_type = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro_type = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    out = rewrite(src, folder / name, {"[Content_Types].xml": lambda b: b.replace(sheet_type, macro_type)})
    src.unlink()
    return out


def date1904(folder: Path) -> Path:
    """A 1904-date-system book whose serial 42843 means 2021-04-19 (it means 2017-04-18 under 1900)."""
    path = folder / "mac1904.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("日期")
    ws.write_number("A1", 42843, wb.add_format({"num_format": "yyyy-mm-dd"}))
    wb.close()
    return rewrite(path, path, {"xl/workbook.xml": lambda b: b.replace(b"<workbookPr ", b'<workbookPr date1904="1" ')})


def encrypted_xlsx(folder: Path, password: str = PASSWORD) -> Path:
    """The good workbook with an open password (agile encryption, as Excel 2010+ writes)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    src = good_xlsx(folder, ".src_encrypted.xlsx")
    out = folder / "encrypted.xlsx"
    with src.open("rb") as f, out.open("wb") as g:
        OOXMLFile(f).encrypt(password, g)
    src.unlink()
    return out


def soffice_convert(src: Path, outdir: Path, fmt: str) -> Path | None:
    """Convert with LibreOffice (own profile so parallel runs cannot collide); None when unavailable."""
    exe = shutil.which("soffice")
    if exe is None:
        return None
    outdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(outdir)}
    subprocess.run([exe, f"-env:UserInstallation=file://{outdir / 'lo-profile'}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                   env=env, timeout=180, capture_output=True, check=False)
    out = outdir / f"{src.stem}.{fmt}"
    return out if out.exists() else None          # soffice exits 0 even when it failed


def legacy_xls(folder: Path) -> Path | None:
    """The good workbook saved by LibreOffice as a real BIFF8 .xls."""
    src = good_xlsx(folder, "legacy.xlsx")
    out = soffice_convert(src, folder / ".lo", "xls")
    src.unlink()
    if out is None:
        return None
    return Path(shutil.move(out, folder / "legacy.xls"))


def renamed(path: Path | None, new_name: str) -> Path | None:
    """A copy of `path` under another name (a school renaming .xls to .xlsx and back)."""
    if path is None:
        return None
    return Path(shutil.copyfile(path, path.with_name(new_name)))


def html_as_xls(folder: Path) -> Path:
    path = folder / "网页.xls"
    path.write_text('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
                    'xmlns:x="urn:schemas-microsoft-com:office:excel">\n<head><meta charset="utf-8"></head>'
                    "<body><table><tr><td>工号</td><td>姓名</td></tr><tr><td>T001</td><td>张三</td></tr>"
                    "</table></body></html>\n", encoding="utf-8")
    return path


def xml2003_as_xls(folder: Path) -> Path:
    path = folder / "xml2003.xls"
    path.write_text('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook '
                    'xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"/></Workbook>\n',
                    encoding="utf-8")
    return path


def csv_as_xlsx(folder: Path) -> Path:
    path = folder / "名册.xlsx"
    path.write_bytes("工号,姓名,学时\nT001,张三,12\nT002,李四,3.5\n".encode("gb18030"))
    return path


def png_as_xlsx(folder: Path) -> Path:
    path = folder / "图片.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return path


def empty_file(folder: Path) -> Path:
    path = folder / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def lock_file(folder: Path) -> Path:
    """Excel's 165-byte owner file: user name (length byte + padded Latin-1), then again in UTF-16."""
    user = "teacher"
    data = bytes([len(user)]) + user.encode("latin-1").ljust(53, b" ") + b"\x00" + bytes([len(user), 0])
    data += user.ljust(54).encode("utf-16-le")
    path = folder / "~$good.xlsx"
    path.write_bytes(data[:165].ljust(165, b"\x00"))
    return path


def truncated_xlsx(folder: Path) -> Path:
    """The first 60 % of a good workbook: what a copy interrupted half-way leaves."""
    src = good_xlsx(folder, ".src_truncated.xlsx")
    data = src.read_bytes()
    src.unlink()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def broken_directory(folder: Path) -> Path:
    """A zip whose end record is present but whose central directory is overwritten."""
    src = good_xlsx(folder, ".src_broken.xlsx")
    data = bytearray(src.read_bytes())
    src.unlink()
    start = data.rfind(b"PK\x01\x02")
    data[start:start + 4] = b"XXXX"
    path = folder / "broken_directory.xlsx"
    path.write_bytes(bytes(data))
    return path


def corrupt_member(folder: Path) -> Path:
    """Directory intact, but the compressed bytes of the first sheet are damaged (a bad sector)."""
    src = good_xlsx(folder, ".src_corrupt.xlsx")
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    src.unlink()
    body = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(body + 10, body + min(info.compress_size - 2, 60)):
        data[i] ^= 0x5A
    path = folder / "corrupt_member.xlsx"
    path.write_bytes(bytes(data))
    return path


def understated_size(folder: Path, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A package whose headers say a member inflates to 100 bytes when it inflates to more."""
    src = good_xlsx(folder, ".src_understated.xlsx")
    data = bytearray(src.read_bytes())
    src.unlink()
    for sig, size_at, name_len_at, header in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        pos = data.find(sig)
        while pos >= 0:
            name_len = int.from_bytes(data[pos + name_len_at:pos + name_len_at + 2], "little")
            if data[pos + header:pos + header + name_len] == member.encode():
                data[pos + size_at:pos + size_at + 4] = (100).to_bytes(4, "little")
            pos = data.find(sig, pos + 4)
    path = folder / "understated.xlsx"
    path.write_bytes(bytes(data))
    return path


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    return path


def docx_as_xlsx(folder: Path) -> Path:
    return _zip(folder / "文档.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def ods_as_xlsx(folder: Path) -> Path:
    return _zip(folder / "表格.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                       "content.xml": b"<office:document-content/>"})


def xlsb_as_xlsx(folder: Path) -> Path:
    return _zip(folder / "二进制.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})


def ole_other(xls: Path | None, folder: Path) -> Path | None:
    """An OLE file that is not a workbook: an .xls with its Workbook stream renamed (a .doc stand-in)."""
    if xls is None:
        return None
    data = xls.read_bytes().replace("Workbook".encode("utf-16-le"), "WordDocs".encode("utf-16-le"))
    path = folder / "文档.xls"
    path.write_bytes(data)
    return path


def zip_bomb(folder: Path, megabytes: int = 24) -> Path:
    """The good workbook plus one member of zeros that inflates about 1000:1."""
    src = good_xlsx(folder, ".src_bomb.xlsx")
    path = rewrite(src, folder / "bomb.xlsx", {})
    src.unlink()
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/zeros.bin", "w") as member:
        chunk = b"\0" * (1 << 20)
        for _ in range(megabytes):
            member.write(chunk)
    return path


_LAUGHS = (b'<!DOCTYPE sst [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10)) + b"]>")


def billion_laughs(folder: Path) -> Path:
    """sharedStrings.xml with nested entities that would expand to 3 GB if anything resolved them."""
    src = good_xlsx(folder, ".src_laughs.xlsx")

    def edit(b: bytes) -> bytes:
        return b.replace(b"<sst ", _LAUGHS + b"<sst ", 1).replace(b"<t>T001</t>", b"<t>&lol9;</t>")
    out = rewrite(src, folder / "laughs.xlsx", {"xl/sharedStrings.xml": edit})
    src.unlink()
    return out


def external_entity(folder: Path, target: str = "/etc/passwd") -> Path:
    """sharedStrings.xml with an external entity pointing at a local file."""
    src = good_xlsx(folder, ".src_xxe.xlsx")

    def edit(b: bytes) -> bytes:
        doctype = b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://' + target.encode() + b'">]>'
        return b.replace(b"<sst ", doctype + b"<sst ", 1).replace(b"<t>T001</t>", b"<t>&xxe;</t>")
    out = rewrite(src, folder / "xxe.xlsx", {"xl/sharedStrings.xml": edit})
    src.unlink()
    return out


def string_count_bomb(folder: Path) -> Path:
    """sharedStrings.xml declaring four billion strings (calamine reserves memory for them up front)."""
    import re

    src = good_xlsx(folder, ".src_sst.xlsx")
    out = rewrite(src, folder / "sst_count.xlsx", {"xl/sharedStrings.xml": lambda b: re.sub(
        rb'count="\d+" uniqueCount="\d+"', b'count="8" uniqueCount="4000000000"', b)})
    src.unlink()
    return out


def patched_xls(xls: Path | None, folder: Path, name: str, record: int, offset: int, value: bytes) -> Path | None:
    """The .xls with bytes at `offset` in the body of its first `record` replaced, in place in the file."""
    import olefile

    if xls is None:
        return None
    data = bytearray(xls.read_bytes())
    with olefile.OleFileIO(bytes(data)) as ole:
        stream = ole.openstream("Workbook").read()
        entry = ole.direntries[ole._find("Workbook")]
        chain, sector = [], entry.isectStart
        while 0 <= sector < len(ole.fat) and len(chain) * ole.sectorsize < entry.size:
            chain.append(sector)
            sector = ole.fat[sector]
        size = ole.sectorsize
    pos = 0
    while int.from_bytes(stream[pos:pos + 2], "little") != record:
        pos += 4 + int.from_bytes(stream[pos + 2:pos + 4], "little")
    for i, byte in enumerate(value):                       # the stream's sectors need not be contiguous
        at = pos + 4 + offset + i
        data[(chain[at // size] + 1) * size + at % size] = byte
    path = folder / name
    path.write_bytes(bytes(data))
    return path


def huge_dimension(folder: Path) -> Path:
    """A sheet that claims A1:XFD1048576 but holds two cells (the claim must not matter)."""
    return _with_sheet(folder, "huge_dimension.xlsx",
                       b'<row r="1"><c r="A1"><v>1</v></c></row><row r="3"><c r="B3"><v>2</v></c></row>',
                       head=b'<dimension ref="A1:XFD1048576"/>')


def far_cell(folder: Path) -> Path:
    """A1 and XFD1048576: 17 billion cells between them for a dense reader."""
    return _with_sheet(folder, "far_cell.xlsx", b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                                b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>')


def far_styled_blank(folder: Path) -> Path:
    """A formatted but empty cell at XFD1048576 (Excel writes these): no value, so nothing to refuse."""
    return _with_sheet(folder, "far_blank.xlsx", b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                                 b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')


HOSTILE_SHEETS: dict[str, bytes] = {
    # each places a value far away in a way a naive scan of `<c r="` would miss
    "prefixed": b'<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="urn:x" r="XFD1048576"><x:v>2</x:v></x:c></row>',
    "duplicate_r": b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" r="XFD1048576"><v>2</v></c></row>',
    "single_quotes": b"<row r='1'><c r='A1'><v>1</v></c><c r = 'XFD1048576'><v>2</v></c></row>",
    "lower_case": b'<row r="1"><c r="a1"><v>1</v></c><c r="xfd1048576"><v>2</v></c></row>',
    "newline_attr": b'<row r="1"><c r="A1"><v>1</v></c><c\nr="XFD1048576"><v>2</v></c></row>',
    "rless_wide_row": (b'<row r="1">' + b"<c><v>1</v></c>" * 3000 + b'</row><row r="99999"><c><v>2</v></c></row>'),
    "eight_digit_row": b'<row r="1"><c r="A1"><v>1</v></c><c r="B99999999"><v>2</v></c></row>',
}


def hostile_sheet(folder: Path, kind: str) -> Path:
    return _with_sheet(folder, f"hostile_{kind}.xlsx", HOSTILE_SHEETS[kind])


def growing_file(folder: Path, seconds: float = 1.0) -> tuple[Path, Callable[[], None]]:
    """A workbook still being copied: returns its path and a function that waits for the copy to end."""
    import threading
    import time

    src = good_xlsx(folder, ".src_growing.xlsx").read_bytes()
    path = folder / "growing.xlsx"
    path.write_bytes(src[:100])
    steps = 50

    def copy() -> None:
        with path.open("ab") as f:
            for i in range(1, steps + 1):
                f.write(src[100 + (len(src) - 100) * (i - 1) // steps:100 + (len(src) - 100) * i // steps])
                f.flush()
                time.sleep(seconds / steps)
    thread = threading.Thread(target=copy, daemon=True)
    thread.start()
    return path, thread.join


# name → builder; the expected kind and reason live in the tests
BUILDERS: dict[str, Callable[[Path], Path | None]] = {
    "good": good_xlsx, "xlsm": xlsm_content, "date1904": date1904, "encrypted": encrypted_xlsx,
    "html": html_as_xls, "xml2003": xml2003_as_xls, "csv": csv_as_xlsx, "png": png_as_xlsx,
    "empty": empty_file, "lock": lock_file, "truncated": truncated_xlsx, "broken_directory": broken_directory,
    "corrupt_member": corrupt_member, "docx": docx_as_xlsx, "ods": ods_as_xlsx, "xlsb": xlsb_as_xlsx,
    "zip_bomb": zip_bomb, "billion_laughs": billion_laughs, "external_entity": external_entity,
    "string_count": string_count_bomb,
    "huge_dimension": huge_dimension, "far_cell": far_cell, "far_blank": far_styled_blank,
}


def build_all(folder: Path, *, with_soffice: bool = True) -> dict[str, Path]:
    """Every builder into `folder` (xls-based ones only when LibreOffice is there and asked for)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {name: build(folder) for name, build in BUILDERS.items()}
    for kind in HOSTILE_SHEETS:
        out[f"hostile_{kind}"] = hostile_sheet(folder, kind)
    if with_soffice:
        xls = legacy_xls(folder)
        out["xls"] = xls
        out["xls_as_xlsx"] = renamed(xls, "旧格式.xlsx")
        out["xlsx_as_xls"] = renamed(out["good"], "新格式.xls")
        out["ole_other"] = ole_other(xls, folder)
        # DIMENSIONS with first row > last row, SST declaring four billion strings (both abort calamine)
        out["xls_dimensions"] = patched_xls(xls, folder, "dimensions.xls", 0x0200, 0, b"\x00\x00\x09\x00")
        out["xls_sst_count"] = patched_xls(xls, folder, "sst_count.xls", 0x00FC, 4,
                                           (4_000_000_000).to_bytes(4, "little"))
    return {k: v for k, v in out.items() if v is not None}
