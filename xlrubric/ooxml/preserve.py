"""The oracle: did writing our results lose anything of the school's workbook?

Why a package inventory diff and not "open it and look": readers see values, but what a careless writer
loses is what readers ignore — a sparkline, a cross-sheet dropdown in an x14 extension, a WPS in-cell
image, a macro. So we compare packages: every original part must still be there, byte-identical unless
it is one of the parts the writer is allowed to change, and inside each changed part every original
relationship, sheet, name, extension, validation, format, merge, drawing, table, protection and cell
must still be there. Messages are Chinese because the CLI shows them to users (`check-preserved`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, tostring

from defusedxml import ElementTree as SafeET

from xlrubric.ooxml.opc import resolve
from xlrubric.ooxml.zipio import SourceZip

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
WORKBOOK_CTS = ("sheet.main+xml", "sheet.macroEnabled.main+xml", "template.main+xml",
                "template.macroEnabledTemplate.main+xml", "addin.macroEnabled.main+xml")
SHEET_ELEMENT_NAMES = {
    "mergeCells": "合并单元格", "dataValidations": "数据验证（下拉列表）",
    "conditionalFormatting": "条件格式",
    "hyperlinks": "超链接", "drawing": "图形/图表/图片引用", "legacyDrawing": "批注/控件绘图引用",
    "picture": "背景图片", "tableParts": "表格（列表）", "sheetProtection": "工作表保护",
    "extLst": "扩展内容（迷你图、数据条、跨表下拉等）", "oleObjects": "OLE 对象", "controls": "控件",
    "AlternateContent": "兼容内容（控件等）", "cols": "列宽/列格式", "sheetPr": "工作表属性",
    "pageSetup": "页面设置", "headerFooter": "页眉页脚", "autoFilter": "自动筛选", "printOptions": "打印选项",
}
STYLE_COLLECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles", "colors", "extLst")
_VML_SHAPE = re.compile(r"<v:shape\b.*?</v:shape>", re.S)


@dataclass
class PreservationReport:
    """What the oracle found: `problems` (Chinese) is empty when nothing was lost."""

    original: str
    output: str
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)     # original parts whose bytes differ (all allowed)
    added: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def allowed_parts(original: Path) -> set[str]:
    """The parts the surgical writer may change: workbook, its rels, content types, styles, worksheets
    (and their rels), comments and VML drawings."""
    with SourceZip(original) as z:
        types = _content_types(z)
        out = {"[Content_Types].xml"}
        for name in z.names():
            ct = types.get(name, "")
            if any(ct.endswith(w) for w in WORKBOOK_CTS):
                out |= {name, _rels_name(name)}
            if ct in (WORKSHEET_CT, COMMENTS_CT, STYLES_CT) or name.lower().endswith(".vml"):
                out |= {name, _rels_name(name) if ct == WORKSHEET_CT else name}
    return out


def check_preserved(original: Path, output: Path, allowed: set[str] | None = None) -> PreservationReport:
    """Compare two packages; see the module docstring for what counts as lost."""
    original, output = Path(original), Path(output)
    report = PreservationReport(str(original), str(output))
    allowed = allowed_parts(original) if allowed is None else allowed
    with SourceZip(original) as a, SourceZip(output) as b:
        names_b = set(b.names())
        report.added = sorted(names_b - set(a.names()))
        for name in a.names():
            if name not in names_b:
                report.problems.append(f"部件丢失：{name}")
                continue
            da, db = _read(a, name), _read(b, name)
            if da == db:
                continue
            report.changed.append(name)
            if name not in allowed:
                report.problems.append(f"不该改动的部件被改动：{name}")
                continue
            try:
                _check_changed(name, da, db, a, b, report.problems)
            except SafeET.ParseError as exc:
                report.problems.append(f"部件 {name} 改动后不是有效的 XML：{exc}")
    return report


def _read(z: SourceZip, name: str) -> bytes:
    return z.read(name)                      # zipread's checks, capped at LIMITS.part_bytes


def _xml(data: bytes) -> Element:
    return SafeET.fromstring(data, forbid_dtd=True)


def _canon(el: Element) -> bytes:
    return tostring(el)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _content_types(z: SourceZip) -> dict[str, str]:
    root = _xml(_read(z, "[Content_Types].xml"))
    defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{CT}Default")}
    overrides = {o.get("PartName", "").lstrip("/").lower(): o.get("ContentType", "")
                 for o in root.iter(f"{CT}Override")}
    return {n: overrides.get(n.lower(), defaults.get(n.rsplit(".", 1)[-1].lower(), "")) for n in z.names()}


def _rels(z: SourceZip, part: str) -> dict[str, tuple[str, str, str]]:
    name = _rels_name(part)
    if name not in z.names():
        return {}
    root = _xml(_read(z, name))
    return {r.get("Id", ""): (r.get("Type", ""), r.get("Target", ""), r.get("TargetMode", "Internal"))
            for r in root.iter(f"{PKG}Relationship")}


def _check_changed(name: str, da: bytes, db: bytes, a: SourceZip, b: SourceZip,
                   problems: list[str]) -> None:
    if name.endswith(".rels"):
        ra, rb = (_xml(da), _xml(db))
        have = {(r.get("Id"), r.get("Type"), r.get("Target"), r.get("TargetMode")) for r in rb}
        for r in ra:
            if (r.get("Id"), r.get("Type"), r.get("Target"), r.get("TargetMode")) not in have:
                problems.append(f"{name}：关系 {r.get('Id')} → {r.get('Target')} 丢失或被改动")
        return
    if name == "[Content_Types].xml":
        ta, tb = _content_types(a), _content_types(b)
        for part, ct in ta.items():
            if tb.get(part) != ct:
                problems.append(f"[Content_Types].xml：部件 {part} 的内容类型 {ct} 丢失或被改动")
        return
    if name.lower().endswith(".vml"):
        text_b = db.decode("utf-8", "replace")
        for shape in _VML_SHAPE.findall(da.decode("utf-8", "replace")):
            if shape not in text_b:
                problems.append(f"{name}：原有的批注框或控件形状丢失或被改动")
        return
    ea, eb = _xml(da), _xml(db)
    kind = _local(ea.tag)
    if kind == "workbook":
        _check_workbook(name, ea, eb, a, b, problems)
    elif kind == "worksheet":
        _check_worksheet(name, ea, eb, a, b, problems)
    elif kind == "styleSheet":
        _check_styles(name, ea, eb, problems)
    elif kind == "comments":
        _check_comments(name, ea, eb, problems)
    else:
        problems.append(f"不该改动的部件被改动：{name}")


def _check_workbook(name: str, ea: Element, eb: Element, a: SourceZip, b: SourceZip,
                    problems: list[str]) -> None:
    rels_a, rels_b = _rels(a, name), _rels(b, name)
    sheets_a = list(ea.iter(f"{MAIN}sheet"))
    sheets_b = {s.get("name"): s for s in eb.iter(f"{MAIN}sheet")}
    for s in sheets_a:
        other = sheets_b.get(s.get("name"))
        if other is None:
            problems.append(f"工作表「{s.get('name')}」丢失")
            continue
        for key in ("sheetId", "state", REL_ID):
            if s.get(key) != other.get(key):
                problems.append(f"工作表「{s.get('name')}」的属性 {_local(key)} 被改动")
        ta = rels_a.get(s.get(REL_ID) or "", ("", "", ""))[1]
        tb = rels_b.get(other.get(REL_ID) or "", ("", "", ""))[1]
        if resolve(name, ta) != resolve(name, tb):
            problems.append(f"工作表「{s.get('name')}」指向的部件被改动")
    index_a = [s.get("name") for s in sheets_a]
    index_b = [s.get("name") for s in eb.iter(f"{MAIN}sheet")]

    def names(root: Element, index: list[str | None]) -> set[tuple]:
        out = set()
        for n in root.iter(f"{MAIN}definedName"):
            local = n.get("localSheetId")
            scope = index[int(local)] if local is not None and local.isdigit() and int(local) < len(index) \
                else None
            out.add((n.get("name"), scope, n.get("hidden"), n.text))
        return out
    have = names(eb, index_b)
    for key in names(ea, index_a) - have:
        problems.append(f"定义的名称「{key[0]}」（{key[1] or '工作簿'}）丢失或被改动")
    _same_children(name, ea, eb, {"sheets", "definedNames"}, problems, "工作簿")


def _same_children(name: str, ea: Element, eb: Element, skip: set[str], problems: list[str], what: str,
                   labels: dict[str, str] | None = None) -> None:
    """Every top-level child of the original (other than `skip`) is still there, unchanged."""
    groups: dict[str, list[bytes]] = {}
    for child in eb:
        groups.setdefault(_local(child.tag), []).append(_canon(child))
    for child in ea:
        local = _local(child.tag)
        if local in skip:
            continue
        if _canon(child) not in groups.get(local, []):
            label = (labels or {}).get(local, local)
            problems.append(f"{name}：{what}中的「{label}」丢失或被改动")


def _check_worksheet(name: str, ea: Element, eb: Element, a: SourceZip, b: SourceZip,
                     problems: list[str]) -> None:
    _same_children(name, ea, eb, {"sheetData"}, problems, "工作表",
                   SHEET_ELEMENT_NAMES)
    rels_a, rels_b = _rels(a, name), _rels(b, name)
    for rid, (typ, target, mode) in rels_a.items():
        if rels_b.get(rid) != (typ, target, mode):
            problems.append(f"{name}：关系 {rid} → {target} 丢失或被改动")
    cells_b = {}
    rows_b = {}
    for row in eb.iter(f"{MAIN}row"):
        rows_b[row.get("r")] = row
        for c in row.iter(f"{MAIN}c"):
            cells_b[c.get("r")] = c
    lost = 0
    for row in ea.iter(f"{MAIN}row"):
        other = rows_b.get(row.get("r"))
        if other is None or {k: v for k, v in row.attrib.items() if k != "spans"} != \
                {k: v for k, v in other.attrib.items() if k != "spans"}:
            problems.append(f"{name}：第 {row.get('r')} 行丢失或行属性被改动")
        for c in row.iter(f"{MAIN}c"):
            o = cells_b.get(c.get("r"))
            if o is None or _cell_key(c) != _cell_key(o):
                lost += 1
                if lost <= 20:
                    problems.append(f"{name}：单元格 {c.get('r')} 的值、公式或类型丢失或被改动")
    if lost > 20:
        problems.append(f"{name}：另有 {lost - 20} 个单元格丢失或被改动")


def _cell_key(c: Element) -> tuple:
    attrs = {k: v for k, v in c.attrib.items() if k != "s"}
    return (tuple(sorted(attrs.items())), tuple(_canon(ch) for ch in c))


def _check_styles(name: str, ea: Element, eb: Element, problems: list[str]) -> None:
    for coll in STYLE_COLLECTIONS:
        ca, cb = ea.find(f"{MAIN}{coll}"), eb.find(f"{MAIN}{coll}")
        if ca is None:
            continue
        items_b = list(cb) if cb is not None else []
        for i, item in enumerate(ca):
            if i >= len(items_b) or _canon(item) != _canon(items_b[i]):
                problems.append(f"{name}：样式 {coll} 第 {i} 项丢失或被改动（单元格格式会错位）")
                break
    _same_children(name, ea, eb, set(STYLE_COLLECTIONS) - {"extLst"}, problems, "样式表")


def _check_comments(name: str, ea: Element, eb: Element, problems: list[str]) -> None:
    def comments(root: Element) -> set[tuple]:
        authors = [x.text for x in root.iter(f"{MAIN}author")]
        out = set()
        for c in root.iter(f"{MAIN}comment"):
            aid = c.get("authorId", "0")
            author = authors[int(aid)] if aid.isdigit() and int(aid) < len(authors) else None
            text = c.find(f"{MAIN}text")
            out.add((c.get("ref"), author, _canon(text) if text is not None else b""))
        return out
    for ref, author, _text in comments(ea) - comments(eb):
        problems.append(f"{name}：单元格 {ref} 上 {author or ''} 的批注丢失或被改动")
