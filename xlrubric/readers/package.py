"""Inspect an .xlsx/.xlsm zip package before calamine reads it.

calamine trusts the package: it will inflate a member of any size, and builds each sheet as a dense
grid (see sheetscan). So the zip directory is checked first (total inflated size, compression ratio,
duplicate names), every XML part is inflated by us with a hard limit (both through `zipread`, which the
editor and the preservation check use too) and refused if it declares a DOCTYPE or entities, and each
worksheet part is scanned for its reach and error cells while it is in memory. Only then does calamine
get the bytes: the checked parts themselves, as a zip of stored entries (`zipread.stored_zip`), so it
neither inflates them a second time nor reads anything the checks did not see; each worksheet with its merged
cells moved to the front (`mergefirst`), so calamine parses it once.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from xlrubric.readers.hidden import hidden_lines
from xlrubric.readers.limits import LIMITS, Limits
from xlrubric.readers.mergefirst import handed_over
from xlrubric.readers.problems import human_size, unreadable
from xlrubric.readers.sheetscan import SheetScan, exact_scan, far_address, scan_sheet, unsafe_declaration
from xlrubric.readers.zipread import check_directory, read_member, stored_zip

_WORKSHEET_TYPE = "/worksheet"


@dataclass
class Package:
    """What the package holds that the reader needs: each worksheet's scan, by sheet name, and the checked
    XML parts as calamine is to read them."""

    scans: dict[str, SheetScan] = field(default_factory=dict)
    orphan_scans: list[SheetScan] = field(default_factory=list)   # worksheet parts no sheet entry names
    checked: bytes | None = None                 # every XML part as stored zip entries (None: use the original)


def inspect_package(zf: zipfile.ZipFile, file: str, *, max_unzipped_bytes: int, max_cells: int,
                    raw: bytes | None = None, limits: Limits = LIMITS) -> Package:
    """Check limits and safety of every part; scan worksheets. Raises UnreadableWorkbook on any problem.

    Part names are compared case-insensitively, as calamine finds them (`xl/SharedStrings.XML` is the
    shared-strings part to calamine, so it is to every check here too).
    """
    infos = zf.infolist()
    check_directory(infos, file, max_unzipped_bytes)
    xml_parts: dict[str, bytes] = {}             # by lower-case name
    members: list[tuple[zipfile.ZipInfo, bytes]] = []
    xml_total = 0
    for info in infos:
        low = info.filename.lower()
        if low.endswith((".xml", ".rels", ".vml")) and not info.is_dir():
            xml_total += info.file_size
            if xml_total > limits.xml_bytes:
                raise unreadable("too-big", file, size=f"{human_size(xml_total)}以上（XML 部件）",
                                 limit=human_size(limits.xml_bytes))
            data = read_member(zf, info, file, raw)
            if unsafe_declaration(data):
                raise unreadable("unsafe-xml", file, member=info.filename)
            _check_text(data, file, info.filename)
            if "sharedstrings" in low:
                _check_string_count(data, file, info.filename, limits.strings)
            xml_parts[low] = data
            members.append((info, data))
    sheet_parts = _sheet_parts(xml_parts, file)
    package = Package()
    claimed: set[str] = set()
    for sheet, part in sheet_parts.items():
        if part.lower() not in xml_parts:
            raise unreadable("corrupt", file, detail=f"工作表「{sheet}」的内容 {part} 不存在")
        package.scans[sheet] = _scan(xml_parts[part.lower()], file, sheet, max_cells, limits)
        claimed.add(part.lower())
    for part, data in xml_parts.items():         # a worksheet calamine might reach by another path
        if part.startswith("xl/worksheets/") and part.count("/") == 2 and part not in claimed:
            package.orphan_scans.append(_scan(data, file, None, max_cells, limits))
    check_book_cells([*package.scans.values(), *package.orphan_scans], file, limits)
    package.checked = stored_zip([handed_over(info, data) if info.filename.lower() in claimed else (info, data)
                                  for info, data in members])
    return package


def _scan(data: bytes, file: str, sheet: str | None, max_cells: int, limits: Limits = LIMITS) -> SheetScan:
    rows = _last_value_row(data)
    # Past the row limit: refuse at once, no scan of a long sheet. (A reach past the cell limit by its rows
    # alone, a stray far cell, goes to the scan, which names that cell; such a sheet is sparse, so quick.)
    if limits.sheet_rows < rows <= max_cells:
        raise unreadable("too-many-rows", file, sheet=sheet, rows=f"{rows:,}", limit=f"{limits.sheet_rows:,}")
    scan = scan_sheet(data, max_cells=max_cells)
    if not scan.exact and scan.n_rows > limits.sheet_rows:
        scan = exact_scan(data)                  # the quick bound over-counts rows (leading digit only)
    check_sheet(scan, file, sheet, max_cells, limits)
    scan.hidden = hidden_lines(data)
    return scan


def check_sheet(scan: SheetScan, file: str, sheet: str | None, max_cells: int, limits: Limits = LIMITS) -> None:
    """Refuse a sheet whose reach (what calamine will allocate) or row count is past the limits."""
    if scan.cells > max_cells:
        raise unreadable("sheet-too-large", file, sheet=sheet, cell=scan.far_cell or far_address(
            scan.n_rows, scan.n_cols), cells=f"{scan.cells:,}", limit=f"{max_cells:,}")
    if scan.n_rows > limits.sheet_rows:
        raise unreadable("too-many-rows", file, sheet=sheet, rows=f"{scan.n_rows:,}", limit=f"{limits.sheet_rows:,}")


def check_book_cells(scans: list[SheetScan], file: str, limits: Limits = LIMITS) -> None:
    total = sum(s.cells for s in scans)
    if total > limits.book_cells:
        raise unreadable("book-too-large", file, cells=f"{total:,}", limit=f"{limits.book_cells:,}")


def _check_text(data: bytes, file: str, member: str) -> None:
    """Refuse a part that is not valid UTF-8 where it says (or implies) it is, naming the part: calamine
    reports only "Cannot detect file format". UTF-16 parts (with their BOM) and other declared encodings
    are left to the parser."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data.isascii():
        return
    head = data[:200].lower()
    if b"encoding=" in head and not re.search(rb"encoding\s*=\s*[\"']utf-?8[\"']", head):
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20                               # in pieces: a whole-part str would cost 2-4× the part
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step], final=start + step >= len(data))
    except UnicodeDecodeError as exc:
        raise unreadable("bad-text", file, member=member, offset=start + max(0, exc.start)) from exc


_LAST_ROW = re.compile(rb'<row r="([0-9]{1,7})"')


def _last_value_row(data: bytes) -> int:
    """The number of the sheet's last row when that row holds a value (0 when unsure): writers put rows in
    order, so this is the sheet's row reach without a scan. A styled but empty last row proves nothing."""
    tail = data[-(1 << 16):]
    pos = tail.rfind(b'<row r="')              # the last row tag, found from the end (not every row's)
    found = None
    while pos >= 0 and found is None:
        found = _LAST_ROW.match(tail, pos)
        pos = tail.rfind(b'<row r="', 0, pos)
    last = tail[found.end():] if found else b""
    if not re.search(rb'<c r="[A-Z]{1,3}[0-9]', last) or not re.search(rb"<(?:v|is)\b", last):
        return 0                                 # not the canonical form every writer uses: let the scan decide
    return int(found.group(1))
_SST_TAG = re.compile(rb"<(?:[\w.\-]+:)?sst\b([^>]*)>")
_COUNT = re.compile(rb"(?<![\w.:\-])uniqueCount\s*=\s*[\"']\s*([0-9]+)")   # `count` counts uses, not entries


def _check_string_count(data: bytes, file: str, member: str, limit: int) -> None:
    """Refuse a string count the part cannot hold, or past the limit: calamine reserves memory for it up
    front (measured: uniqueCount="4000000000" aborts the process)."""
    tag = _SST_TAG.search(data)
    for count in _COUNT.findall(tag.group(1)) if tag else ():
        if int(count) > len(data) // 4 + 1024:      # every <si> takes at least `<si/>`
            raise unreadable("corrupt", file, detail=f"{member} 声明了 {int(count):,} 个字符串，与内容不符")
        if int(count) > limit:
            raise unreadable("corrupt", file, detail=f"{member} 有 {int(count):,} 个不同的字符串，超过上限 {limit:,}")


def _sheet_parts(xml_parts: dict[str, bytes], file: str) -> dict[str, str]:
    """Sheet name → worksheet part, from xl/workbook.xml and its relationships (chart sheets left out);
    `xml_parts` is keyed by lower-case name."""
    workbook = _elements(xml_parts, "xl/workbook.xml", file)
    rels = _elements(xml_parts, "xl/_rels/workbook.xml.rels", file) if "xl/_rels/workbook.xml.rels" in xml_parts \
        else []
    targets: dict[str, str] = {}
    for tag, attrib in rels:
        if _local(tag) == "Relationship" and attrib.get("Type", "").endswith(_WORKSHEET_TYPE):
            target = attrib.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[attrib.get("Id", "")] = posixpath.normpath(path)
    parts: dict[str, str] = {}
    for tag, attrib in workbook:                 # by local name: strict OOXML uses other namespaces
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrib.items() if _local(k) == "id"), "")
            if rid in targets:
                parts[attrib.get("name", "")] = targets[rid]
    return parts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _elements(xml_parts: dict[str, bytes], name: str, file: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of a part as (tag, attributes), in document order; tags and attribute names as
    `namespace}local` (ElementTree's `{namespace}local` without the brace, which `_local` does not need).

    Why expat itself and not `defusedxml.ElementTree.fromstring`: only the tags and attributes are wanted, and
    building the tree through defusedxml's parser cost 0.2-0.3 ms per part, twice per workbook (more than the
    rest of this module's checks on a small book). The safety is the same: every part has already been refused
    if it declares a DOCTYPE or entities (`unsafe_declaration`), and this parser refuses them too (a DOCTYPE
    handler that raises, as defusedxml's entity handlers do); expat never fetches anything external.
    """
    try:
        data = xml_parts[name]
    except KeyError as exc:
        raise unreadable("not-workbook", file) from exc
    found: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = lambda tag, attrib: found.append((tag, attrib))
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    try:
        parser.Parse(data, True)
    except Exception as exc:                     # ExpatError, and the refusals above
        raise unreadable("corrupt", file, detail=f"{name} 不是有效的 XML：{exc}") from exc
    return found


class _Forbidden(ValueError):
    pass


def _refuse_doctype(name, *_args) -> None:
    raise _Forbidden(f"DTDForbidden(name='{name}')")


def _refuse_entity(name, *_args) -> None:
    raise _Forbidden(f"EntitiesForbidden(name='{name}')")
