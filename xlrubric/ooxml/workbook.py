"""The workbook part: the sheet list and defined names, edited in place.

Sheets we add go at the end of `<sheets>`, so no sheet index the school's defined names (`localSheetId`)
or views (`activeTab`) refer to moves; when a sheet of ours is removed from elsewhere (a director dragged
it to the front in Excel), the indices after it are renumbered so that the school's names stay on their
sheets.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlrubric.ooxml import opc
from xlrubric.ooxml import xmlscan as xs

FORBIDDEN = set('[]:*?/\\')
_HIDDEN = ' hidden="1"'


@dataclass
class SheetRef:
    name: str
    index: int
    sheet_id: int
    rid: str
    state: str
    part: str | None
    content_type: str | None
    start: int
    end: int


class WorkbookPart:
    def __init__(self, work: opc.Work, part: str):
        self.work, self.part = work, part
        self.prefix, self.ns = xs.main_prefix(work.text(part), part)
        self._tree: tuple[str, xs.Element] | None = None
        # what the sheet list was made from (_key), where <sheets>' content ends in workbook.xml, the list
        self._sheets: tuple[tuple, int, list[SheetRef]] | None = None

    def _root(self) -> tuple[str, xs.Element]:
        """workbook.xml and its tree, parsed again only after an edit stored a new text."""
        doc = self.work.text(self.part)
        if self._tree is None or self._tree[0] is not doc:
            self._tree = (doc, xs.parse(doc))
        return self._tree

    def _key(self) -> tuple:
        """What the sheet list is made from: workbook.xml, its relationships, the content types (the
        texts, compared by identity first) and which parts exist."""
        rels = opc.rels_name(self.part)
        return (self.work.text(self.part), self.work.text(rels) if self.work.exists(rels) else None,
                self.work.text("[Content_Types].xml"), self.work.parts_version)

    def sheets(self) -> list[SheetRef]:
        """The sheet list, made again only when what it is made from changed (each lookup asks for it)."""
        key = self._key()
        if self._sheets is not None and self._sheets[0] == key:
            return list(self._sheets[2])
        doc, root = self._root()
        el = root.find("sheets")
        rels = {r.id: r for r in self.work.rels(self.part)}
        out = []
        for i, s in enumerate(el.children if el is not None else []):
            a = s.attrs()
            rid = next((v for k, v in a.items() if k.endswith(":id")), "")
            rel = rels.get(rid)
            target = opc.resolve(self.part, rel.target) if rel is not None and not rel.external else None
            out.append(SheetRef(a.get("name", ""), i, int(a.get("sheetId", "0") or 0), rid,
                                a.get("state", "visible"), target, self._type_of(target), s.start, s.end))
        self._sheets = (key, el.inner_end if el is not None else len(doc), out)
        return list(out)

    def _type_of(self, target: str | None) -> str | None:
        return self.work.content_type(target) if target and self.work.exists(target) else None

    def _store(self, doc: str, edits: list[tuple[int, int, str]], added: list[SheetRef] | None = None) -> None:
        """Store workbook.xml with `edits` made. An edit after every <sheet> moves none of them, so a
        sheet list made before it stays true (with `added`, the sheets just appended, at its end): the
        list is not made again after each sheet and name a write adds (issue 16)."""
        known = self._sheets is not None and self._sheets[0] == self._key()
        self.work.set_text(self.part, xs.splice(doc, edits))
        if known and self._sheets is not None and all(start >= self._sheets[1] for start, _end, _text in edits):
            _key, end, listed = self._sheets
            growth = sum(len(text) for s, _e, text in edits if s == end)       # a sheet appended at the end
            self._sheets = (self._key(), end + growth, listed + (added or []))
        else:
            self._sheets = None

    def find(self, name: str) -> SheetRef | None:
        sheets = self.sheets()
        return next((s for s in sheets if s.name == name), None) or \
            next((s for s in sheets if s.name.casefold() == name.casefold()), None)

    def add_sheet(self, name: str, part: str) -> SheetRef:
        return self.add_sheets([(name, part)])[0]

    def add_sheets(self, items: list[tuple[str, str]]) -> list[SheetRef]:
        """Append sheets (name, part) in one edit each of workbook.xml, its relationships and the content
        types (issue 16, session 7: each was edited and parsed again once per sheet); the same text as
        adding them one at a time, each sheetId and rId the next."""
        if not items:
            return []
        before = self.sheets()
        doc, root = self._root()
        sheets = root.find("sheets")
        targets = [opc.resolve(self.part, opc.relative(self.part, part)) for _name, part in items]
        listed = {s.part.lower() for s in before if s.part}
        if sheets is None or sheets.tag.empty or len(listed | {t.lower() for t in targets}) < len(listed) + len(items):
            return [self._add_apart(name, part) for name, part in items]
        rids = self.work.add_rels(self.part, [(opc.RT_WORKSHEET, part) for _name, part in items])
        self.work.add_overrides([(part, opc.CT_WORKSHEET) for _name, part in items])
        sid = max((s.sheet_id for s in before), default=0)
        els: list[str] = []
        refs: list[SheetRef] = []
        at = sheets.inner_end
        for k, ((name, _part), rid, target) in enumerate(zip(items, rids, targets, strict=True), 1):
            el = self._sheet_el(name, sid + k, rid)
            refs.append(SheetRef(name, len(before) + k - 1, sid + k, rid, "visible", target, self._type_of(target),
                                 at, at + len(el)))
            els.append(el)
            at += len(el)
        self._sheets = (self._key(), self._sheets[1], before) if self._sheets is not None else None
        self._store(doc, xs.append_children(doc, sheets, "".join(els)), refs)
        return refs

    def _sheet_el(self, name: str, sid: int, rid: str) -> str:
        rp = xs.prefix_for(self.ns, xs.NS_REL)
        rattr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{xs.NS_REL}" r:id="{rid}"'
        return f'<{xs.q(self.prefix, "sheet")} name={xs.attr(name)} sheetId="{sid}" {rattr}/>'

    def _add_apart(self, name: str, part: str) -> SheetRef:
        """One sheet into an empty or missing <sheets>, or onto a part already listed: the list is then
        made again from the text."""
        sid = 1 + max((s.sheet_id for s in self.sheets()), default=0)
        rid = self.work.add_rel(self.part, opc.RT_WORKSHEET, part)
        self.work.add_override(part, opc.CT_WORKSHEET)
        doc, root = self._root()
        self._store(doc, xs.append_children(doc, root.find("sheets"), self._sheet_el(name, sid, rid)))
        return self.find(name)  # type: ignore[return-value]

    def remove_sheet(self, ref: SheetRef) -> None:
        """Remove a sheet of ours with its part, relationship, content type and sheet-scoped names."""
        doc, root = self._root()
        edits = [(ref.start, ref.end, "")]
        names = root.find("definedNames")
        for n in names.children if names is not None else []:
            local = n.attrs().get("localSheetId")
            if local is None or not local.isdigit():
                continue
            k = int(local)
            if k == ref.index:
                edits.append((n.start, n.end, ""))
            elif k > ref.index:
                tag = doc[n.tag.start:n.tag.end]
                edits.append((n.tag.start, n.tag.end, xs.set_attr(tag, "localSheetId", str(k - 1))))
        views = root.find("bookViews")
        for v in views.children if views is not None else []:
            tag, a = doc[v.tag.start:v.tag.end], v.attrs()
            for key in ("activeTab", "firstSheet"):
                if a.get(key, "").isdigit() and int(a[key]) >= ref.index and int(a[key]) > 0:
                    tag = xs.set_attr(tag, key, str(int(a[key]) - 1 if int(a[key]) > ref.index else 0))
            if tag != doc[v.tag.start:v.tag.end]:
                edits.append((v.tag.start, v.tag.end, tag))
        self.work.set_text(self.part, xs.splice(doc, edits))
        self.work.remove_rel(self.part, ref.rid)
        if ref.part:
            for rel in self.work.rels(ref.part):
                target = opc.resolve(ref.part, rel.target)
                if not rel.external and self.work.exists(target):
                    self.work.remove(target)
                    self.work.remove_override(target)
            self.work.remove(opc.rels_name(ref.part))
            self.work.remove(ref.part)
            self.work.remove_override(ref.part)

    def add_defined_name(self, name: str, local: int, value: str, record: dict, *, hidden: bool = True) -> None:
        """A name scoped to one of our sheets (removed with the sheet by `remove_sheet`)."""
        self.add_defined_names([(name, local, value, hidden)], record)

    def add_defined_names(self, items: list[tuple[str, int, str, bool]], record: dict) -> None:
        """Names (name, sheet index, value, hidden) scoped to our sheets, appended in one edit: the same
        text as adding them one at a time."""
        if not items:
            return
        doc, root = self._root()
        tag = xs.q(self.prefix, "definedName")
        el = "".join(f'<{tag} name={xs.attr(name)} localSheetId="{local}"{_HIDDEN if hidden else ""}>'
                     f'{xs.text(value)}</{tag}>' for name, local, value, hidden in items)
        names = root.find("definedNames")
        if names is not None:
            self._store(doc, xs.append_children(doc, names, el))
            return
        record["defined_names_created"] = True
        after = [root.find(n) for n in ("externalReferences", "functionGroups", "sheets")]
        at = next(e.end for e in after if e is not None)
        wrap = xs.q(self.prefix, "definedNames")
        self._store(doc, [(at, at, f"<{wrap}>{el}</{wrap}>")])

    def drop_empty_defined_names(self) -> None:
        doc, root = self._root()
        names = root.find("definedNames")
        if names is not None and not names.children:
            self.work.set_text(self.part, doc[:names.start] + doc[names.end:])


def check_sheet_name(name: str) -> str | None:
    """Why Excel would refuse `name` as a sheet name, or None when it is fine."""
    if not name or len(name) > 31:
        return "工作表名称须为 1–31 个字符"
    if FORBIDDEN & set(name):
        return "工作表名称不能包含 [ ] : * ? / \\"
    if name.startswith("'") or name.endswith("'"):
        return "工作表名称不能以单引号开头或结尾"
    if name.casefold() == "history":
        return "History 是 Excel 保留的名称"
    return None
