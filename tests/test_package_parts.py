"""Verify how the package inspector finds each sheet's part (xl/workbook.xml + its relationships, read with expat):
any namespace prefix, strict OOXML, absolute and relative targets, chart sheets left out; and a DOCTYPE or entity
refused even if it ever got past the earlier check."""

from __future__ import annotations

import pytest

from xlrubric.errors import UnreadableWorkbook
from xlrubric.readers.package import _sheet_parts

RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet"
 Target="/xl/worksheets/../worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet"
 Target="chartsheets/sheet1.xml"/>
</Relationships>"""
BOOK = """<?xml version="1.0" encoding="UTF-8"?>
<x:workbook xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main" xmlns:rel="http://purl.oclc.org/ooxml/officeDocument/relationships">
<x:sheets><x:sheet name="教师名册" sheetId="1" rel:id="rId1"/><x:sheet name="签到登记" sheetId="2" rel:id="rId2"/>
<x:sheet name="图表" sheetId="3" rel:id="rId3"/><x:sheet name="无关系" sheetId="4" rel:id="rId9"/></x:sheets>
</x:workbook>""".encode()


def test_sheet_parts_by_hand() -> None:
    """Verify by hand: rId1 is relative to xl/ → xl/worksheets/sheet1.xml; rId2 is absolute, normalised →
    xl/worksheets/sheet2.xml (a strict-OOXML worksheet type also ends in /worksheet); rId3 is a chart sheet and
    rId9 has no relationship: both left out."""
    parts = _sheet_parts({"xl/workbook.xml": BOOK, "xl/_rels/workbook.xml.rels": RELS}, "学校.xlsx")
    assert parts == {"教师名册": "xl/worksheets/sheet1.xml", "签到登记": "xl/worksheets/sheet2.xml"}


@pytest.mark.parametrize("book", [
    b'<!DOCTYPE workbook [<!ENTITY a "b">]><workbook/>',
    b'<!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd"><workbook/>',
    b"<workbook><sheets>",                                   # cut short
    b"<workbook/><workbook/>"])                               # two roots
def test_bad_workbook_part_refused(book: bytes) -> None:
    """Verify a DOCTYPE, an entity or broken XML is refused as a damaged workbook naming the part."""
    with pytest.raises(UnreadableWorkbook) as err:
        _sheet_parts({"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": RELS}, "学校.xlsx")
    assert err.value.reason == "corrupt" and "xl/workbook.xml 不是有效的 XML" in str(err.value)


def test_missing_workbook_part() -> None:
    with pytest.raises(UnreadableWorkbook) as err:
        _sheet_parts({"xl/_rels/workbook.xml.rels": RELS}, "学校.xlsx")
    assert err.value.reason == "not-workbook"
