"""The package layer: parts being edited, relationships and content types, all edited in place.

`Work` is the one place that knows which parts were read, changed, added or removed; `build()` turns it
into the ordered entry list for `zipio.write_package`. Parts we never touched are copied raw; a part we
read and left textually unchanged is copied raw too, so reading something to look at it costs nothing.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote

from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.zipio import OutPart, SourceZip

RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_OFFICE_DOC = RT + "officeDocument"
RT_WORKSHEET = RT + "worksheet"
RT_STYLES = RT + "styles"
RT_COMMENTS = RT + "comments"
RT_VML = RT + "vmlDrawing"
RT_CUSTOM_XML = RT + "customXml"
RT_CUSTOM_XML_PROPS = RT + "customXmlProps"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_CUSTOM_XML_PROPS = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
CT_XML = "application/xml"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@lru_cache(maxsize=4096)         # a pure function of names a write asks about again and again
def rels_name(part: str) -> str:
    """The relationships part that belongs to `part` ("" is the package itself)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


@lru_cache(maxsize=4096)         # a pure function of names a write asks about again and again
def resolve(source: str, target: str) -> str:
    """Zip name of a relationship target seen from part `source`."""
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


@lru_cache(maxsize=4096)         # a pure function of names a write asks about again and again
def relative(source: str, part: str) -> str:
    """The relationship target naming `part` from part `source`. Both are package names, so they are
    made absolute from the package root: posixpath.relpath then has no working directory to ask for
    (os.getcwd was half the cost of adding a relationship)."""
    return quote(posixpath.relpath("/" + part, "/" + posixpath.dirname(source)), safe="/._-~")


# The relationships and content types of a small part's text, worked out once per text: a batch worker's
# schools share their template's packaging, and a write indexes the same texts again after each edit
# (issue 16). The lists and dicts are read-only to their users (`Work.rels` hands out a copy of the list).
_KEEP = 64
_rels_by_text: dict[str, tuple[xs.Element, list[Rel]]] = {}
_types_by_text: dict[str, tuple[dict[str, str | None], dict[str, str | None]]] = {}


def _kept(memo: dict, doc: str, value: object) -> None:
    if len(doc) <= xs.KEEP_LARGEST:
        xs.keep(memo, doc, value, _KEEP)


def _rels_of(doc: str) -> tuple[xs.Element, list[Rel]]:
    found = _rels_by_text.get(doc)
    if found is None:
        root = xs.parse(doc)
        out = []
        for el in root.findall("Relationship"):
            a = el.attrs()
            out.append(Rel(a.get("Id", ""), a.get("Type", ""), a.get("Target", ""),
                           a.get("TargetMode") == "External", el.start, el.end))
        found = (root, out)
        _kept(_rels_by_text, doc, found)
    return found


def _types_of(doc: str, root: xs.Element) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Overrides by lower-case part name and Defaults by lower-case extension (the first of each)."""
    found = _types_by_text.get(doc)
    if found is None:
        overrides: dict[str, str | None] = {}
        defaults: dict[str, str | None] = {}
        for el in root.findall("Override"):
            a = el.attrs()
            overrides.setdefault(a.get("PartName", "").lstrip("/").lower(), a.get("ContentType"))
        for el in root.findall("Default"):
            a = el.attrs()
            defaults.setdefault(a.get("Extension", "").lower(), a.get("ContentType"))
        found = (overrides, defaults)
        _kept(_types_by_text, doc, found)
    return found


@dataclass
class Rel:
    id: str
    type: str
    target: str          # as written
    external: bool
    start: int
    end: int


class Work:
    """Edits in progress on one package."""

    def __init__(self, src: SourceZip):
        self.src = src
        self.texts: dict[str, tuple[str, str]] = {}     # part -> (text, codec), parts read for editing
        self.original: dict[str, str] = {}
        self.added: dict[str, bytes] = {}               # new parts, in creation order
        self.removed: set[str] = set()
        self._ct_tree: tuple[str, xs.Element] | None = None   # [Content_Types].xml parsed, for its text
        self._ct_index: tuple[str, dict[str, str | None], dict[str, str | None]] | None = None
        self._rels: dict[str, tuple[str, xs.Element, list[Rel]]] = {}   # rels part -> text, root, rels
        self.version = 0                                # bumped by every edit: lets readers cache views
        self.parts_version = 0                          # bumped when a part is added or removed

    # -- parts -----------------------------------------------------------------------------------
    def canon(self, part: str) -> str:
        """The zip's own spelling of a part name (OPC names are case-insensitive)."""
        if part in self.added:
            return part
        info = self.src.info(part)
        return info.filename if info is not None else part

    def exists(self, part: str) -> bool:
        part = self.canon(part)
        if part in self.added:
            return True
        return part not in self.removed and self.src.has(part)

    def text(self, part: str) -> str:
        part = self.canon(part)
        if part in self.texts:
            return self.texts[part][0]
        if part in self.added:
            doc, codec = xs.decode(self.added[part])
        else:
            data = self.src.read(part)
            if not part.lower().endswith(".vml"):
                xs.check_xml(data, part)
            doc, codec = xs.decode(data)
            self.original[part] = doc
        self.texts[part] = (doc, codec)
        return doc

    def set_text(self, part: str, doc: str) -> None:
        part = self.canon(part)
        codec = self.texts[part][1] if part in self.texts else "utf-8"
        self.texts[part] = (doc, codec)
        self.version += 1
        if part in self.added:
            self.added[part] = xs.encode(doc, codec)

    def add(self, part: str, data: bytes | str) -> None:
        """A new part."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.removed.discard(self.canon(part))
        self.added[part] = data
        self.texts.pop(part, None)
        self.version += 1
        self.parts_version += 1

    def remove(self, part: str) -> None:
        part = self.canon(part)
        self.added.pop(part, None)
        self.texts.pop(part, None)
        self.version += 1
        self.parts_version += 1
        if self.src.has(part):
            self.removed.add(part)

    def free_name(self, pattern: str, start: int = 1) -> str:
        """First `pattern.format(n)` that names no part (case-insensitive)."""
        n = start
        while self.exists(pattern.format(n)) or any(p.lower() == pattern.format(n).lower()
                                                    for p in self.added):
            n += 1
        return pattern.format(n)

    def build(self) -> list[OutPart]:
        entries = []
        for info in self.src.infos:
            name = info.filename
            if name in self.removed or name in self.added:
                continue
            if name in self.texts and self.texts[name][0] != self.original.get(name):
                doc, codec = self.texts[name]
                entries.append(OutPart(name, xs.encode(doc, codec), info))
            else:
                entries.append(OutPart(name, None, info))
        entries.extend(OutPart(name, data) for name, data in self.added.items())
        return entries

    # -- relationships ---------------------------------------------------------------------------
    def rels(self, part: str) -> list[Rel]:
        """The part's relationships, parsed again only after an edit stored a new text (a write asks for
        the workbook's relationships once per sheet it looks up)."""
        name = rels_name(part)
        if not self.exists(name):
            return []
        return list(self._rels_parsed(name)[1])

    def _rels_parsed(self, name: str) -> tuple[xs.Element, list[Rel]]:
        """The relationships part `name` parsed: its root and its relationships, kept until it is edited."""
        doc = self.text(name)
        cached = self._rels.get(name)
        if cached is None or cached[0] is not doc:
            cached = self._rels[name] = (doc, *_rels_of(doc))
        return cached[1], cached[2]

    def targets(self, part: str, rel_type: str) -> list[tuple[Rel, str]]:
        return [(r, resolve(part, r.target)) for r in self.rels(part)
                if r.type == rel_type and not r.external]

    def add_rel(self, part: str, rel_type: str, target_part: str) -> str:
        return self.add_rels(part, [(rel_type, target_part)])[0]

    def add_rels(self, part: str, items: list[tuple[str, str]]) -> list[str]:
        """Relationships (type, target part) appended to `part`'s, in one edit (a write adds a sheet at a
        time, and the part was parsed again after each); their ids in order, each the next free rIdN as
        one call per relationship would have given."""
        if not items:
            return []
        name = rels_name(part)
        if not self.exists(name):
            self.add(name, XML_DECL + f'<Relationships xmlns="{xs.NS_PKG_REL}"></Relationships>')
        doc = self.text(name)
        root, rels = self._rels_parsed(name)
        taken = {r.id for r in rels}
        n = 1 + max((int(m.group(1)) for i in taken if (m := re.fullmatch(r"rId(\d+)", i))), default=0)
        rids, els = [], []
        for rel_type, target_part in items:
            while f"rId{n}" in taken:
                n += 1
            rid = f"rId{n}"
            taken.add(rid)
            rids.append(rid)
            els.append(f"<{xs.q(root.tag.prefix, 'Relationship')} Id={xs.attr(rid)} Type={xs.attr(rel_type)}"
                       f" Target={xs.attr(relative(part, target_part))}/>")
        self.set_text(name, xs.splice(doc, xs.append_children(doc, root, "".join(els))))
        return rids

    def remove_rel(self, part: str, rid: str) -> None:
        name = rels_name(part)
        for r in self.rels(part):
            if r.id == rid:
                doc = self.text(name)
                self.set_text(name, doc[:r.start] + doc[r.end:])
                return

    # -- content types ---------------------------------------------------------------------------
    def _ct(self) -> tuple[str, xs.Element]:
        """The content types and their tree, parsed again only after an edit (`set_text` stores a new
        string): a write asks for content types hundreds of times."""
        doc = self.text("[Content_Types].xml")
        if self._ct_tree is None or self._ct_tree[0] is not doc:
            self._ct_tree = (doc, xs.parse(doc))
        return self._ct_tree

    def content_type(self, part: str) -> str | None:
        """The part's Override, else its extension's Default (the first of each that matches)."""
        doc, root = self._ct()
        if self._ct_index is None or self._ct_index[0] is not doc:     # indexed once per text
            self._ct_index = (doc, *_types_of(doc, root))
        _, overrides, defaults = self._ct_index
        low = part.lower()
        if low in overrides:
            return overrides[low]
        return defaults.get(part.rsplit(".", 1)[-1].lower())

    def add_override(self, part: str, content_type: str) -> None:
        self.add_overrides([(part, content_type)])

    def add_overrides(self, items: list[tuple[str, str]]) -> None:
        """Override entries (part, content type) appended in one edit, each only where the part does not
        have that type already (an earlier item counting, as it would one call at a time)."""
        added: dict[str, str] = {}
        new = []
        for part, content_type in items:
            low, current = part.lower(), self.content_type(part)
            if low in added and self._ct_index is not None and low not in self._ct_index[1]:
                current = added[low]                      # the first Override of a name is the one read
            if current == content_type:
                continue
            added.setdefault(low, content_type)
            new.append((part, content_type))
        if not new:
            return
        doc, root = self._ct()
        els = "".join(f"<{xs.q(root.tag.prefix, 'Override')} PartName={xs.attr('/' + part)}"
                      f" ContentType={xs.attr(content_type)}/>" for part, content_type in new)
        self.set_text("[Content_Types].xml", xs.splice(doc, xs.append_children(doc, root, els)))

    def remove_override(self, part: str) -> None:
        doc, root = self._ct()
        for el in root.findall("Override"):
            if el.attrs().get("PartName", "").lstrip("/").lower() == part.lower():
                self.set_text("[Content_Types].xml", doc[:el.start] + doc[el.end:])
                return

    def office_document(self) -> str:
        for _rel, target in self.targets("", RT_OFFICE_DOC):
            return target
        from xlrubric.errors import UnreadableWorkbook
        raise UnreadableWorkbook("zip 包中找不到工作簿主部件（_rels/.rels 未指向 workbook.xml）。",
                                 file=self.src.path.name)
