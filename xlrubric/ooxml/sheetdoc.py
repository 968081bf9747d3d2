"""A worksheet part as text, with the locators that marks and notes share: A1 references, rows, cells.

Its own module so that `marks` (cell formats) and `notes` (comments and VML) both build on it and neither
imports the other.
"""

from __future__ import annotations

import hashlib
import re

from xlrubric.ooxml import xmlscan as xs

_ROW_R = re.compile(r"(?:.*?\s)?r\s*=\s*[\"'](\d+)[\"']", re.S)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
# Worksheet children that come after <legacyDrawing> (CT_Worksheet sequence order).
AFTER_LEGACY = frozenset(("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                          "tableParts", "extLst"))


def digest(text: str) -> str:
    """What the record keeps of a text we wrote: enough to know it is still ours, short enough to store."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def parse_ref(ref: str) -> tuple[int, int]:
    """1-based (row, column) of an A1 reference."""
    m = _REF.match(ref.strip())
    if not m:
        raise ValueError(f"不是有效的单元格地址：{ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def ref_of(row: int, col: int) -> str:
    """The A1 reference of a 1-based (row, column)."""
    s, n = "", col
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return f"{s}{row}"


class SheetDoc:
    """A worksheet's text with the locators marks need; sheetData is scanned, never fully tokenized."""

    def __init__(self, doc: str, part: str):
        self.doc, self.part = doc, part
        self.prefix, self.ns = xs.main_prefix(doc, part)
        self.root = xs.parse(doc, skip=frozenset({"sheetData"}))
        self.data = self.root.find("sheetData")
        self._row = re.compile("<" + re.escape(xs.q(self.prefix, "row"))
                               + r"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/?>")

    def rows(self, wanted: set[int]) -> tuple[dict[int, xs.Element], dict[int, int]]:
        """Row elements that exist among `wanted`, and where each missing one would be inserted.

        Only the start tags of the other rows are matched, so a 20,000-row sheet costs one regex pass.
        """
        found: dict[int, xs.Element] = {}
        insert: dict[int, int] = {}
        pending = sorted(wanted)
        if self.data is None or self.data.tag.empty:
            return found, {r: -1 for r in pending}
        index, k, pos, end = 0, 0, self.data.inner_start, self.data.inner_end
        while k < len(pending):
            m = self._row.search(self.doc, pos, end)
            if m is None:
                break
            r = _ROW_R.match(m.group(1) or "")
            index = int(r.group(1)) if r else index + 1
            while k < len(pending) and pending[k] < index:
                insert[pending[k]] = m.start()
                k += 1
            if k < len(pending) and pending[k] == index:
                found[index] = xs.parse(self.doc, m.start())
                k += 1
            pos = m.end()
        for r in pending[k:]:
            insert[r] = end
        return found, insert

    def cells(self, row: xs.Element) -> dict[int, xs.Element]:
        out, col = {}, 0
        for c in row.children:
            if c.local != "c":
                continue
            ref = c.attrs().get("r")
            col = parse_ref(ref)[1] if ref else col + 1
            out[col] = c
        return out

    def column_style(self, col: int) -> int:
        cols = self.root.find("cols")
        for c in cols.children if cols is not None else []:
            a = c.attrs()
            if int(a.get("min", 0)) <= col <= int(a.get("max", 0)):
                return int(a.get("style", 0))
        return 0
