"""Notes on marked cells: the legacy comments part and the VML drawing that Excel shows them with.

A sheet has at most one comments part and one VML drawing, and the VML may already hold the school's
own notes or form-control buttons (an .xlsm with a macro button). So we add our comments and shapes to
theirs when they exist, and create both parts only when they do not. Each thing we add is recorded by a
digest of its text, so the next run removes precisely what we added and nothing of theirs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from xlrubric.ooxml import opc
from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.cellxml import escape_cell_text
from xlrubric.ooxml.sheetdoc import AFTER_LEGACY, SheetDoc, digest, parse_ref, ref_of

if TYPE_CHECKING:
    from xlrubric.results import CellMark

AUTHOR = "xlrubric"
NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"
SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202"'
             ' path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
             '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
_SHAPE_ID = re.compile(r"""\bid\s*=\s*["']_x0000_s(\d+)["']""")
_IDMAP = re.compile(r"""<o:idmap\b[^>]*\bdata\s*=\s*["']([\d,\s]+)["']""")
_RUN_PR = '<rPr><sz val="9"/><rFont val="宋体"/><family val="3"/><charset val="134"/></rPr>'


def _vml_ns_decl(doc: str) -> str:
    """Declarations our shapes need locally when the VML root does not bind v/o/x the usual way."""
    root = next(xs.tags(doc), None)
    ns = xs.namespaces(root) if root is not None else {}
    if ns.get("v") == NS_V and ns.get("o") == NS_O and ns.get("x") == NS_X:
        return ""
    return f' xmlns:v="{NS_V}" xmlns:o="{NS_O}" xmlns:x="{NS_X}"'


def _shape(ref: str, shape_id: int, z: int, message: str, decl: str) -> str:
    r, c = parse_ref(ref)
    r0, c0 = r - 1, c - 1
    top = max(r0 - 1, 0)
    height = 4 + min(len(message) // 16, 10)
    return (f'<v:shape{decl} id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:80pt;margin-top:2pt;width:180pt;height:{height * 15}pt;z-index:{z};'
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f'<x:Anchor>{c0 + 1}, 15, {top}, 2, {c0 + 4}, 15, {top + height}, 2</x:Anchor>'
            f'<x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column></x:ClientData>'
            "</v:shape>")


def _comment(p: str, ref: str, author: int, mark: CellMark) -> str:
    rpr = _RUN_PR if not p else re.sub(r"<(/?)(\w)", rf"<\1{p}:\2", _RUN_PR)
    bold = rpr.replace(f"<{xs.q(p, 'rPr')}>", f"<{xs.q(p, 'rPr')}><{xs.q(p, 'b')}/>", 1)
    t, r, text = xs.q(p, "t"), xs.q(p, "r"), xs.q(p, "text")
    return (f'<{xs.q(p, "comment")} ref="{ref}" authorId="{author}"><{text}>'
            f"<{r}>{bold}<{t}>{AUTHOR}（{mark.severity}）：</{t}></{r}>"
            f'<{r}>{rpr}<{t} xml:space="preserve">\n{escape_cell_text(mark.message)}</{t}></{r}>'
            f"</{text}></{xs.q(p, 'comment')}>")


class Notes:
    """Adds our notes to one worksheet's comments and VML parts (creating them when absent)."""

    def __init__(self, work: opc.Work, part: str, sd: SheetDoc):
        self.work, self.part, self.sd = work, part, sd
        self.comments = next((t for _r, t in work.targets(part, opc.RT_COMMENTS) if work.exists(t)), None)
        legacy = sd.root.find("legacyDrawing")
        self.legacy = legacy
        self.vml = None
        if legacy is not None:
            rid = next((v for k, v in legacy.attrs().items() if k.endswith(":id") or k == "id"), "")
            self.vml = next((opc.resolve(part, r.target) for r in work.rels(part) if r.id == rid), None)

    def school_refs(self) -> set[str]:
        if self.comments is None:
            return set()
        root = xs.parse(self.work.text(self.comments))
        lst = root.find("commentList")
        return {c.attrs().get("ref", "").upper() for c in (lst.children if lst is not None else [])}

    def add(self, marks: dict[str, CellMark], entry: dict[str, Any]) -> list[tuple[int, int, str]]:
        """Add notes for `marks` (ref -> mark) not already noted by the school; return sheet edits."""
        theirs = self.school_refs()
        todo = {ref: m for ref, m in marks.items() if ref not in theirs}
        entry["kept_school_notes"] = sorted(ref for ref in marks if ref in theirs)
        if not todo or (self.legacy is not None and (self.vml is None or not self.work.exists(self.vml))):
            return []
        rec: dict[str, Any] = {"rels_created": not self.work.exists(opc.rels_name(self.part)),
                               "refs": sorted(todo)}
        rec["comments"] = self._add_comments(todo)
        edits, rec["vml"] = self._add_vml(todo)
        entry["notes"] = rec
        return edits

    def _add_comments(self, todo: dict[str, CellMark]) -> dict[str, Any]:
        work = self.work
        rec: dict[str, Any] = {"created": self.comments is None, "author": None}
        if self.comments is None:
            part = work.free_name("xl/comments{}.xml")
            work.add(part, opc.XML_DECL + f'<comments xmlns="{xs.NS_MAIN}"><authors><author>{AUTHOR}</author>'
                                          "</authors><commentList></commentList></comments>")
            rec["rel"] = work.add_rel(self.part, opc.RT_COMMENTS, part)
            work.add_override(part, opc.CT_COMMENTS)
            self.comments = part
        doc = work.text(self.comments)
        p, _ns = xs.main_prefix(doc, self.comments)
        root = xs.parse(doc)
        authors = root.find("authors")
        names = [xs.unescape(doc[a.inner_start:a.inner_end]) for a in authors.children] if authors else []
        edits = []
        if AUTHOR in names:
            author = names.index(AUTHOR)
        else:
            author = len(names)
            rec["author"] = f"<{xs.q(p, 'author')}>{AUTHOR}</{xs.q(p, 'author')}>"
            if authors is None:
                at = root.inner_start
                edits.append((at, at, f"<{xs.q(p, 'authors')}>{rec['author']}</{xs.q(p, 'authors')}>"))
            else:
                edits += xs.append_children(doc, authors, rec["author"])
        items = [_comment(p, ref, author, m) for ref, m in todo.items()]
        lst = root.find("commentList")
        if lst is None:
            at = authors.end if authors is not None else root.inner_start
            edits.append((at, at, f"<{xs.q(p, 'commentList')}>{''.join(items)}</{xs.q(p, 'commentList')}>"))
        else:
            edits += xs.append_children(doc, lst, "".join(items))
        work.set_text(self.comments, xs.splice(doc, edits))
        rec.update(part=self.comments, items=[digest(i) for i in items])
        return rec

    def _add_vml(self, todo: dict[str, CellMark]) -> tuple[list[tuple[int, int, str]], dict[str, Any]]:
        work, sd = self.work, self.sd
        rec: dict[str, Any] = {"created": self.vml is None, "shapetype": None, "legacy": None}
        edits: list[tuple[int, int, str]] = []
        if self.vml is None:
            block = 1 + max((int(n) for v in self._all_vml() for m in _IDMAP.finditer(work.text(v))
                             for n in re.findall(r"\d+", m.group(1))), default=0)
            part = work.free_name("xl/drawings/vmlDrawing{}.vml")
            work.add(part, f'<xml xmlns:v="{NS_V}" xmlns:o="{NS_O}" xmlns:x="{NS_X}">'
                           f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
                           "</o:shapelayout></xml>")
            rid = work.add_rel(self.part, opc.RT_VML, part)
            work.add_override(part, opc.CT_VML)
            rec["rel"], self.vml = rid, part
            rp = xs.prefix_for(sd.ns, xs.NS_REL)
            rattr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{xs.NS_REL}" r:id="{rid}"'
            legacy = f"<{xs.q(sd.prefix, 'legacyDrawing')} {rattr}/>"
            kinds = [(self._kind(ch), ch) for ch in sd.root.children]
            at = next((ch.start for k, ch in kinds if k in AFTER_LEGACY), sd.root.inner_end)
            edits.append((at, at, legacy))
            rec["legacy"] = legacy
            first = 1024 * block + 1
        doc = work.text(self.vml)
        if rec["created"] is False:
            m = _IDMAP.search(doc)
            first = 1024 * int(re.findall(r"\d+", m.group(1))[0]) + 1 if m else 1025
        decl = _vml_ns_decl(doc)
        ids = [int(n) for n in _SHAPE_ID.findall(doc)]
        next_id = max([first - 1, *ids, 1024]) + 1
        block_text = ""
        if 'id="_x0000_t202"' not in doc and "id='_x0000_t202'" not in doc:
            rec["shapetype"] = SHAPETYPE.replace("<v:shapetype", f"<v:shapetype{decl}", 1)
            block_text = rec["shapetype"]
        shapes = [_shape(ref, next_id + i, 1000 + next_id + i, m.message, decl) for i, (ref, m) in
                  enumerate(todo.items())]
        close = doc.rfind("</xml>")
        at = close if close >= 0 else len(doc)
        work.set_text(self.vml, doc[:at] + block_text + "".join(shapes) + doc[at:])
        rec.update(part=self.vml, items=[digest(s) for s in shapes])
        return edits, rec

    def _all_vml(self) -> list[str]:
        return [i.filename for i in self.work.src.infos
                if i.filename.lower().endswith(".vml") and self.work.exists(i.filename)] + \
               [n for n in self.work.added if n.lower().endswith(".vml")]

    @staticmethod
    def _kind(el: xs.Element) -> str:
        while el.local in ("AlternateContent", "Choice") and el.children:
            el = el.children[0]
        return el.local


# Our notes open with "xlrubric（错误）：" — a signature that survives programs that drop comment authors.
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_SHAPE_SPAN = re.compile(r"<v:shape\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</v:shape>", re.S)


def strip_notes(work: opc.Work, part: str, sd: SheetDoc, entry: dict[str, Any]) -> list[tuple[int, int, str]]:
    """Remove the comments and shapes `entry` recorded; return the sheet edits (legacyDrawing).

    Exact digests find what we wrote when nobody re-saved the file. When another program re-saved it
    (its own serialisation, maybe renamed parts, maybe authors dropped as LibreOffice does), a note on
    one of our cells that is authored "xlrubric" or opens with our signature is still ours, and so is
    the Note shape anchored on that cell.
    """
    rec = entry.get("notes")
    if not rec:
        return []
    edits: list[tuple[int, int, str]] = []
    refs = {r.upper() for r in rec.get("refs", [])}
    com, vml = rec.get("comments", {}), rec.get("vml", {})
    com_part = next((t for _r, t in work.targets(part, opc.RT_COMMENTS) if work.exists(t)), None)
    removed: set[str] = set()
    if com_part is not None:
        left, removed = _strip_comments(work, com_part, com, refs)
        if com.get("created") and left == 0:
            _drop(work, part, com_part)
    legacy = sd.root.find("legacyDrawing")
    rid = next((v for k, v in legacy.attrs().items() if k.endswith(":id")), "") if legacy is not None else ""
    vml_part = next((opc.resolve(part, r.target) for r in work.rels(part) if r.id == rid), None)
    if vml_part is not None and work.exists(vml_part):
        doc = work.text(vml_part)
        mine = set(vml.get("items", []))
        for m in reversed(list(_SHAPE_SPAN.finditer(doc))):
            if digest(m.group(0)) in mine or _note_ref(m.group(0)) in removed:
                doc = doc[:m.start()] + doc[m.end():]
        if vml.get("shapetype"):
            doc = doc.replace(vml["shapetype"], "", 1)
        work.set_text(vml_part, doc)
        if vml.get("created") and _SHAPE_SPAN.search(doc) is None:
            _drop(work, part, vml_part)
            edits.append((legacy.start, legacy.end, ""))
    rels = opc.rels_name(part)
    if rec.get("rels_created") and work.exists(rels) and not work.rels(part):
        work.remove(rels)
    return edits


def _plain(comment: str) -> str:
    """A comment's text without its runs (LibreOffice splits runs wherever the font changes)."""
    return xs.unescape("".join(_T.findall(comment)))


def _note_ref(shape: str) -> str | None:
    """The cell a VML Note shape is anchored on (Row/Column are 0-based)."""
    if 'ObjectType="Note"' not in shape:
        return None
    row, col = re.search(r"<x:Row>\s*(\d+)", shape), re.search(r"<x:Column>\s*(\d+)", shape)
    if not (row and col):
        return None
    return ref_of(int(row.group(1)) + 1, int(col.group(1)) + 1)


def _strip_comments(work: opc.Work, part: str, com: dict[str, Any], refs: set[str]) -> tuple[int, set[str]]:
    """Remove our comments (and our author when we added it); return comments left and refs removed."""
    doc = work.text(part)
    root = xs.parse(doc)
    lst = root.find("commentList")
    authors = root.find("authors")
    names = [xs.unescape(doc[a.inner_start:a.inner_end]) for a in authors.children] if authors else []
    ours = str(names.index(AUTHOR)) if AUTHOR in names else None
    mine = set(com.get("items", []))
    edits, removed = [], set()
    comments = lst.children if lst is not None else []
    for c in comments:
        a = c.attrs()
        ref = a.get("ref", "").upper()
        text = doc[c.start:c.end]
        signed = a.get("authorId", "0") == ours or _plain(text).startswith(AUTHOR + "（")
        if digest(text) in mine or (ref in refs and signed):
            edits.append((c.start, c.end, ""))
            removed.add(ref)
    left = len(comments) - len(edits)
    if com.get("author") and authors is not None and authors.children and ours == str(len(names) - 1):
        used = any(c.attrs().get("authorId", "0") == ours for c in comments
                   if c.attrs().get("ref", "").upper() not in removed)
        if not used:
            last = authors.children[-1]
            edits.append((last.start, last.end, ""))
    work.set_text(part, xs.splice(doc, edits))
    return left, removed


def _drop(work: opc.Work, sheet: str, part: str) -> None:
    work.remove(part)
    work.remove_override(part)
    for r in work.rels(sheet):
        if not r.external and opc.resolve(sheet, r.target) == part:
            work.remove_rel(sheet, r.id)
