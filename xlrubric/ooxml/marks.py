"""Mark problem cells in a school's own sheet, and take the marks off again on the next run.

A mark is (1) the cell's own cell format cloned with a severity fill, and (2) a note (legacy comment +
VML shape) authored "xlrubric" carrying the message. Every edit is a splice whose before/after we record
(the old text where it is small, a digest of the new text otherwise), so `unmark_sheet` restores the
exact bytes when nobody touched the cell in between, and leaves the cell alone when somebody did.

A cell that already has the school's own note keeps it untouched: we colour the cell but add no note of
ours (a sheet cell holds one note, and merging texts would make theirs ours to edit); the message is
still listed, with a link, in the 校验问题 sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlrubric.ooxml import opc
from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.notes import Notes, strip_notes
from xlrubric.ooxml.sheetdoc import SheetDoc, digest, parse_ref, ref_of
from xlrubric.ooxml.styles import StylesPart
from xlrubric.results import SEVERITY_FILL as FILLS
from xlrubric.results import CellMark

SEVERITY_FILL = {k: "FF" + v.lstrip("#") for k, v in FILLS.items()}     # styles.xml spells colours ARGB
SEVERITY_RANK = {"错误": 0, "警告": 1, "提示": 2}


def merge_marks(marks: list[CellMark]) -> dict[tuple[int, int], CellMark]:
    """One mark per cell: the most severe wins, messages are joined once each."""
    out: dict[tuple[int, int], CellMark] = {}
    for m in marks:
        try:
            key = parse_ref(m.cell.split(":", 1)[0])     # a range is marked on its first cell
        except ValueError:
            continue                                    # not a cell address: the problem list still has it
        if key in out:
            old = out[key]
            sev = min(old.severity, m.severity, key=lambda s: SEVERITY_RANK.get(s, 0))
            msg = "\n".join(dict.fromkeys([*old.message.split("\n"), *m.message.split("\n")]))
            m = CellMark(m.sheet, old.cell, msg, sev)
        out[key] = m
    return out


def _style_of_missing(sd: SheetDoc, row: xs.Element | None, col: int) -> int:
    if row is not None:
        a = row.attrs()
        if a.get("customFormat") in ("1", "true") and a.get("s", "").isdigit():
            return int(a["s"])
    return sd.column_style(col)


def mark_sheet(work: opc.Work, styles: StylesPart, name: str, part: str,
               marks: dict[tuple[int, int], CellMark]) -> dict[str, Any]:
    """Colour and annotate `marks` in the sheet `part`; return the record entry that undoes it."""
    sd = SheetDoc(work.text(part), part)
    doc, p = sd.doc, sd.prefix
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(marks):
        by_row.setdefault(r, []).append(c)
    rows, inserts = sd.rows(set(by_row))
    edits: list[tuple[int, int, str]] = []
    cells_rec: list[dict[str, Any]] = []

    def new_cell(r: int, c: int, row: xs.Element | None) -> str:
        s = styles.with_fill(_style_of_missing(sd, row, c), SEVERITY_FILL[marks[(r, c)].severity])
        return f'<{xs.q(p, "c")} r="{ref_of(r, c)}" s="{s}"/>'

    new_rows: dict[int, str] = {}
    for r, cols in by_row.items():
        row = rows.get(r)
        if row is None:
            new_rows[r] = f'<{xs.q(p, "row")} r="{r}">' + "".join(new_cell(r, c, None) for c in cols) + \
                          f'</{xs.q(p, "row")}>'
            continue
        if row.tag.empty:
            old = doc[row.start:row.end]
            new = old[:-2].rstrip() + ">" + "".join(new_cell(r, c, row) for c in cols) + f"</{row.qname}>"
            edits.append((row.start, row.end, new))
            cells_rec.append({"kind": "row", "ref": str(r), "old": old, "new": digest(new)})
            continue
        existing = sd.cells(row)
        tail = next((ch.start for ch in row.children if ch.local == "extLst"), row.inner_end)
        for c in cols:
            if c in existing:
                cell = existing[c]
                old = doc[cell.tag.start:cell.tag.end]
                orig = cell.attrs().get("s")
                s = styles.with_fill(int(orig) if orig and orig.isdigit() else 0,
                                     SEVERITY_FILL[marks[(r, c)].severity])
                new = xs.set_attr(old, "s", str(s))
                edits.append((cell.tag.start, cell.tag.end, new))
                cells_rec.append({"kind": "tag", "ref": ref_of(r, c), "old": old, "new": digest(new),
                                  "s": s, "orig": orig})
            else:
                at = next((e.start for col, e in sorted(existing.items()) if col > c), tail)
                text = new_cell(r, c, row)
                edits.append((at, at, text))
                cells_rec.append({"kind": "cell", "ref": ref_of(r, c), "new": digest(text)})
    if new_rows:
        if sd.data is None or sd.data.tag.empty:
            raise_empty = sd.data is None
            if raise_empty:
                new_rows.clear()       # a worksheet without sheetData is not one we can mark safely
            else:
                old = doc[sd.data.start:sd.data.end]
                new = old[:-2].rstrip() + ">" + "".join(new_rows.values()) + f"</{sd.data.qname}>"
                edits.append((sd.data.start, sd.data.end, new))
                cells_rec.append({"kind": "sheetData", "ref": "", "old": old, "new": digest(new)})
        else:
            for r, text in new_rows.items():
                edits.append((inserts[r], inserts[r], text))
                cells_rec.append({"kind": "row", "ref": str(r), "old": "", "new": digest(text)})
    plain = []
    for (r, c) in sorted(marks):
        cell = sd.cells(rows[r]).get(c) if r in rows else None
        s = cell.attrs().get("s", "0") if cell is not None else str(_style_of_missing(sd, rows.get(r), c))
        if styles.fill_id(int(s) if s.isdigit() else 0) == 0:
            plain.append(ref_of(r, c))
    entry: dict[str, Any] = {"sheet": name, "cells": cells_rec, "plain": plain}
    notes = Notes(work, part, sd)
    edits += notes.add({ref_of(r, c): m for (r, c), m in sorted(marks.items())}, entry)
    work.set_text(part, xs.splice(work.text(part), edits))
    return entry


def _locate(sd: SheetDoc, rows: dict[int, xs.Element], item: dict[str, Any]) -> tuple[int, int] | None:
    """Span of the element a recorded edit changed, if it still exists."""
    kind, ref = item["kind"], item["ref"]
    if kind == "sheetData":
        return (sd.data.start, sd.data.end) if sd.data is not None else None
    if kind == "row":
        row = rows.get(int(ref))
        return (row.start, row.end) if row is not None else None
    r, c = parse_ref(ref)
    cell = sd.cells(rows[r]).get(c) if r in rows else None
    if cell is None:
        return None
    return (cell.tag.start, cell.tag.end) if kind == "tag" else (cell.start, cell.end)


def unmark_sheet(work: opc.Work, part: str, entry: dict[str, Any], styles: Callable[[], StylesPart]) -> None:
    """Undo one sheet's marks where the marked text is still exactly what we wrote.

    When another program re-saved the file, its text differs: a cell that had no fill of its own and
    now shows one of our severity colours loses that fill, and our notes go by author or signature.
    """
    doc = work.text(part)
    sd = SheetDoc(doc, part)
    items = entry.get("cells", [])
    wanted = {int(i["ref"]) if i["kind"] == "row" else parse_ref(i["ref"])[0]
              for i in items if i["kind"] != "sheetData"}
    rows = sd.rows(wanted)[0]
    edits = []
    for item in items:
        span = _locate(sd, rows, item)
        if span is None:
            continue
        current = doc[span[0]:span[1]]
        if digest(current) == item["new"]:
            edits.append((span[0], span[1], item.get("old", "")))
        elif item["kind"] == "tag" and next(xs.tags(current)).attrs().get("s") == str(item["s"]):
            edits.append((span[0], span[1], xs.set_attr(current, "s", item["orig"])))
    edits += strip_notes(work, part, sd, entry)
    work.set_text(part, xs.splice(doc, edits))
    _unfill(work, part, entry.get("plain", []), styles)


def _unfill(work: opc.Work, part: str, refs: list[str], styles: Callable[[], StylesPart]) -> None:
    ours = set(SEVERITY_FILL.values())
    sd = SheetDoc(work.text(part), part)
    cells = {parse_ref(ref) for ref in refs}
    rows = sd.rows({r for r, _c in cells})[0]
    edits = []
    for r, c in sorted(cells):
        cell = sd.cells(rows[r]).get(c) if r in rows else None
        s = cell.attrs().get("s", "") if cell is not None else ""
        if cell is None or not s.isdigit() or styles().solid_rgb(int(s)) not in ours:
            continue
        tag = sd.doc[cell.tag.start:cell.tag.end]
        edits.append((cell.tag.start, cell.tag.end, xs.set_attr(tag, "s", str(styles().with_fill(int(s), None)))))
    if edits:
        work.set_text(part, xs.splice(sd.doc, edits))
