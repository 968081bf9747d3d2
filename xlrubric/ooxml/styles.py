"""Add the few styles we need to a school's styles.xml without renumbering anything that is there.

Every index the school's cells use stays valid because we only append (fonts, fills, number formats,
cell formats) and reuse an entry when an identical one already exists. A mark is the marked cell's own
format with a new fill, so its font, borders, number format and alignment survive. What we appended is
recorded (as text) so that `strip` can take exactly that tail off again, which keeps reruns idempotent.
"""

from __future__ import annotations

from typing import Any

from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.opc import CT_STYLES, RT_STYLES, XML_DECL, Work

COLLECTIONS = ("numFmts", "fonts", "fills", "cellXfs")
# CT_Stylesheet order; a collection we create goes before the first of the later ones that exists.
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
         "tableStyles", "colors", "extLst")
BUILTIN_FORMATS = {
    "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "0.00E+00": 11,
    "# ?/?": 12, "# ??/??": 13, "mm-dd-yy": 14, "d-mmm-yy": 15, "d-mmm": 16, "mmm-yy": 17,
    "h:mm AM/PM": 18, "h:mm:ss AM/PM": 19, "h:mm": 20, "h:mm:ss": 21, "m/d/yy h:mm": 22, "@": 49,
}
MINIMAL_STYLES = (
    XML_DECL + f'<styleSheet xmlns="{xs.NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/>'
    '</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def styles_part(work: Work, workbook: str, record: dict[str, Any]) -> str:
    """The styles part of the workbook, created (and recorded as ours) when the package has none."""
    for _rel, target in work.targets(workbook, RT_STYLES):
        if work.exists(target):
            return target
    part = work.free_name("xl/styles{}.xml") if work.exists("xl/styles.xml") else "xl/styles.xml"
    work.add(part, MINIMAL_STYLES)
    record["styles_part"] = {"part": part, "rel": work.add_rel(workbook, RT_STYLES, part)}
    work.add_override(part, CT_STYLES)
    return part


class StylesPart:
    """Pending additions to one styles part; `finish()` writes them in one splice.

    What a styles part holds is read once per text (`_read`): a county's schools fill in the same template,
    so a batch worker meets the same styles.xml again and again, and a write asks for the same handful of
    formats per table (`_made`). Each collection's entries are found by a dict (`_where`) rather than a
    scan of the list: a workbook re-saved many times can hold thousands of cell formats (issue 16)."""

    def __init__(self, work: Work, part: str):
        self.work, self.part = work, part
        self.doc = work.text(part)
        self.prefix, self.root, items, self.has_parent, formats = _read(self.doc, part)
        self.items: dict[str, list[str]] = {name: list(found) for name, found in items.items()}
        self.base = {k: len(v) for k, v in self.items.items()}
        self.formats = dict(formats)
        self._where: dict[str, dict[str, int]] = {}
        self._made: dict[tuple, int] = {}

    def _q(self, local: str) -> str:
        return xs.q(self.prefix, local)

    def _index(self, collection: str, item: str) -> int:
        """The first entry of `collection` equal to `item`, appended when there is none (`list.index`'s
        answer, from a dict made once per collection and kept as entries are appended)."""
        items = self.items[collection]
        where = self._where.get(collection)
        if where is None:
            where = self._where[collection] = {}
            for k, entry in enumerate(items):
                where.setdefault(entry, k)
        k = where.get(item)
        if k is None:
            items.append(item)
            k = where[item] = len(items) - 1
        return k

    def fill(self, argb: str) -> int:
        made = self._made.get(("fill", argb))
        if made is not None:
            return made
        made = self._made["fill", argb] = self._fill(argb)
        return made

    def _fill(self, argb: str) -> int:
        p = self._q
        return self._index("fills", f'<{p("fill")}><{p("patternFill")} patternType="solid"><{p("fgColor")}'
                                    f' rgb="{argb}"/><{p("bgColor")} indexed="64"/></{p("patternFill")}>'
                                    f'</{p("fill")}>')

    def number_format(self, code: str) -> int:
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        if code not in self.formats:
            used = set(self.formats.values())
            n = max([163, *used]) + 1
            self.formats[code] = n
            self.items["numFmts"].append(f'<{self._q("numFmt")} numFmtId="{n}" formatCode={xs.attr(code)}/>')
            self._where.pop("numFmts", None)
        return self.formats[code]

    def font(self, bold: bool = False, link: bool = False) -> int:
        """Font 0 (the workbook's default) made bold or link-blue, so result sheets match the school's."""
        if not (bold or link):
            return 0
        made = self._made.get(("font", bold, link))
        if made is None:
            made = self._made["font", bold, link] = self._font(bold, link)
        return made

    def _font(self, bold: bool, link: bool) -> int:
        base = self.items["fonts"][0] if self.items["fonts"] else f"<{self._q('font')}/>"
        el = xs.parse(base)
        kept = [base[c.start:c.end] for c in el.children if c.local not in ("b", "i", "u", "strike", "color")]
        colour = f'<{self._q("color")} rgb="FF0563C1"/>' if link else ""
        at = next((i + 1 for i, t in enumerate(kept) if xs.parse(t).local == "sz"), 0)
        kept[at:at] = [colour] if colour else []
        head = (f"<{self._q('b')}/>" if bold else "") + (f"<{self._q('u')}/>" if link else "")
        return self._index("fonts", f"<{self._q('font')}>{head}{''.join(kept)}</{self._q('font')}>")

    def xf(self, *, num_fmt: int = 0, font: int = 0, fill: int = 0, wrap: bool = False,
           vertical: str = "") -> int:
        """A cell format for our result sheets (border 0, parent style 0), optionally wrapping its text."""
        key = ("xf", num_fmt, font, fill, wrap, vertical)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._xf_index(num_fmt, font, fill, wrap, vertical)
        return made

    def _xf_index(self, num_fmt: int, font: int, fill: int, wrap: bool, vertical: str) -> int:
        extra = (' applyNumberFormat="1"' if num_fmt else "") + (' applyFont="1"' if font else "") + \
                (' applyFill="1"' if fill else "")
        parent = ' xfId="0"' if self.has_parent else ""     # only when a cell style 0 exists to point at
        head = (f'<{self._q("xf")} numFmtId="{num_fmt}" fontId="{font}" fillId="{fill}"'
                f' borderId="0"{parent}{extra}')
        if not (wrap or vertical):
            return self._index("cellXfs", head + "/>")
        align = (' wrapText="1"' if wrap else "") + (f' vertical="{vertical}"' if vertical else "")
        return self._index("cellXfs", f'{head} applyAlignment="1"><{self._q("alignment")}{align}/>'
                                      f'</{self._q("xf")}>')

    def _xf(self, s: int) -> str:
        xfs = self.items["cellXfs"]
        return xfs[s] if 0 <= s < len(xfs) else (xfs[0] if xfs else f'<{self._q("xf")}/>')

    def fill_id(self, s: int) -> int:
        value = xs.parse(self._xf(s)).attrs().get("fillId", "0")
        return int(value) if value.isdigit() else 0

    def solid_rgb(self, s: int) -> str | None:
        """The colour of cell format `s`'s fill when it is a plain solid fill, else None."""
        fills, k = self.items["fills"], self.fill_id(s)
        if not 0 <= k < len(fills) or 'patternType="solid"' not in fills[k]:
            return None
        fg = next((c for c in xs.parse(fills[k]).children[0].children if c.local == "fgColor"), None) \
            if xs.parse(fills[k]).children else None
        return fg.attrs().get("rgb", "").upper() if fg is not None else None

    def with_fill(self, s: int, argb: str | None) -> int:
        """The cell format `s` with its fill replaced, or removed when `argb` is None (a marked cell keeps
        everything else it had)."""
        original = self._xf(s)
        tag = xs.parse(original).tag
        start = original[:tag.end - tag.start]
        if argb is None:
            start = xs.set_attr(xs.set_attr(start, "fillId", "0"), "applyFill", None)
        else:
            start = xs.set_attr(xs.set_attr(start, "fillId", str(self.fill(argb))), "applyFill", "1")
        return self._index("cellXfs", start + original[tag.end - tag.start:])

    def finish(self, record: dict[str, Any]) -> None:
        """Splice the appended entries in and note them in `record["styles"]` for strip."""
        edits: list[tuple[int, int, str]] = []
        added: dict[str, list[str]] = {}
        created: list[str] = []
        for name in COLLECTIONS:
            new = self.items[name][self.base[name]:]
            if not new:
                continue
            added[name] = new
            el = self.root.find(name)
            if el is None:
                created.append(name)
                later = [self.root.find(n) for n in ORDER[ORDER.index(name) + 1:]]
                at = next((e.start for e in later if e is not None), self.root.inner_end)
                wrap = self._q(name)
                edits.append((at, at, f'<{wrap} count="{len(new)}">{"".join(new)}</{wrap}>'))
                continue
            start_tag = self.doc[el.tag.start:el.tag.end]
            count = el.attrs().get("count")
            if count is not None and count.isdigit():
                start_tag = xs.set_attr(start_tag, "count", str(int(count) + len(new)))
            if el.tag.empty:
                edits.append((el.tag.start, el.tag.end,
                              start_tag[:-2].rstrip() + ">" + "".join(new) + f"</{el.qname}>"))
            else:
                edits.append((el.tag.start, el.tag.end, start_tag))
                edits.append((el.inner_end, el.inner_end, "".join(new)))
        if edits:
            self.work.set_text(self.part, xs.splice(self.doc, edits))
            record["styles"] = {"part": self.part, "added": added, "created": created}


_READ: dict[str, tuple] = {}
_READ_MAX = 16                       # styles texts kept (a batch worker's schools share a handful)
_READ_LARGEST = 256 * 1024           # characters: a larger styles text is read each time, not kept


def _read(doc: str, part: str) -> tuple[str, Any, dict[str, tuple[str, ...]], bool, dict[str, int]]:
    """What `StylesPart` needs of a styles text: the main prefix, the element tree, each collection's
    entries, whether a cell style 0 exists and the custom number formats; made once per text and kept
    (it is all read-only: a StylesPart copies the lists it appends to)."""
    found = _READ.get(doc)
    if found is not None:
        return found
    prefix, _ns = xs.main_prefix(doc, part)
    root = xs.parse(doc)
    items: dict[str, tuple[str, ...]] = {}
    for name in COLLECTIONS:
        el = root.find(name)
        items[name] = tuple(doc[c.start:c.end] for c in el.children) if el is not None else ()
    parents = root.find("cellStyleXfs")
    formats: dict[str, int] = {}
    el = root.find("numFmts")
    for c in el.children if el is not None else []:
        a = c.attrs()
        formats.setdefault(a.get("formatCode", ""), int(a.get("numFmtId", "0")))
    found = (prefix, root, items, parents is not None and bool(parents.children), formats)
    if len(doc) <= _READ_LARGEST:
        xs.keep(_READ, doc, found, _READ_MAX)
    return found


def strip_styles(work: Work, entry: dict[str, Any]) -> None:
    """Take off the tail entries we appended, if they are still exactly what we wrote."""
    part = entry.get("part", "")
    if not work.exists(part):
        return
    doc = work.text(part)
    root = xs.parse(doc)
    edits = []
    for name, new in entry.get("added", {}).items():
        el = root.find(name)
        if el is None or len(el.children) < len(new):
            continue
        tail = el.children[len(el.children) - len(new):]
        if [doc[c.start:c.end] for c in tail] != new:
            continue
        if name in entry.get("created", []) and len(tail) == len(el.children):
            edits.append((el.start, el.end, ""))
            continue
        count = el.attrs().get("count")
        if count is not None and count.isdigit():
            edits.append((el.tag.start, el.tag.end, xs.set_attr(doc[el.tag.start:el.tag.end], "count",
                                                                   str(max(int(count) - len(new), 0)))))
        edits.append((tail[0].start, tail[-1].end, ""))
    if edits:
        work.set_text(part, xs.splice(doc, edits))
