"""Find elements in an XML part by their character offsets, so that an edit can splice text in place.

Why not ElementTree/lxml for editing: a re-serialised part loses its namespace prefixes, its `mc:Ignorable`
declarations and its formatting, and Excel refuses a part whose ignorable prefixes are no longer declared.
We therefore *locate* with a tokenizer and *edit* by splicing strings; every byte we did not mean to change
stays put.

Safety: before we tokenize a part we let expat check it is well-formed, with the same refusals as
defusedxml (no DOCTYPE, no entity declarations, no external entities), so a hostile part can neither expand
entities nor make us fetch anything. VML is the exception (Excel writes VML that is not always well-formed);
it is only ever searched as text, never parsed for entities.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from contextlib import suppress
from dataclasses import dataclass

from xlrubric.errors import OutputError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!.*?>"
    r"|<(/?)([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>",
    re.S,
)
_ATTR = re.compile(r"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ATTR_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _Refused(Exception):
    pass


def _refuse(*_args) -> None:
    raise _Refused


# Small parts checked or parsed already, by their text: a batch worker writes one county's schools, whose
# workbook.xml, relationships, content types and styles.xml come from the same template and differ little,
# and the write parses the same small texts more than once (issue 16). Kept: the most recent few; a large
# part (a worksheet) is never kept. The trees are read-only (nothing edits an Element: edits splice text).
KEEP_LARGEST = 64 * 1024
_KEEP = 64
_checked: dict[bytes, None] = {}
_parsed: dict[str, Element] = {}


def keep(memo: dict, key: object, value: object, most: int = _KEEP) -> None:
    """Store `value` in `memo`, first dropping its oldest entry when it holds `most`. Safe when another
    thread (`serve`'s) stores or drops at the same time: losing a kept entry only costs its recomputation."""
    if len(memo) >= most:
        with suppress(RuntimeError, StopIteration):      # changed meanwhile by another thread
            memo.pop(next(iter(memo)), None)
    memo[key] = value


def check_xml(data: bytes, part: str) -> None:
    """Raise OutputError unless `data` is well-formed XML without any DTD (defusedxml's forbid_dtd rules)."""
    if data in _checked:
        return
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(data, True)
    except _Refused:
        raise OutputError(f"部件 {part} 含有 DTD 或实体声明，出于安全原因不予处理。",
                          hint="请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试。") from None
    except xml.parsers.expat.ExpatError as exc:
        raise OutputError(f"部件 {part} 不是格式正确的 XML（{exc}），无法安全写入结果。",
                          hint="请在 Excel 或 WPS 中打开并另存为 .xlsx 后再试。") from None
    if len(data) <= KEEP_LARGEST:
        keep(_checked, data, None)


def decode(data: bytes) -> tuple[str, str]:
    """Text of a part and the codec to write it back with (UTF-8 with or without BOM, or UTF-16)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8"), "utf-8"


def encode(text: str, codec: str) -> bytes:
    return text.encode(codec)


def unescape(value: str) -> str:
    """Resolve the predefined entities and character references (nothing else exists without a DTD)."""
    if "&" not in value:
        return value

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("#x"):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return _NAMED[ref]
    return _ENTITY.sub(one, value)


def attr(value: str) -> str:
    """A quoted attribute value, escaped for XML (newlines and tabs kept as character references).

    The same text `xml.sax.saxutils.quoteattr` gives (a test compares them), written here because
    importing xml.sax pulls in urllib.request and http.client: a third of the write path's import time.
    A value with nothing to escape (most: a result sheet's hyperlinks call this once per link) is just
    put in double quotes."""
    if _ATTR_SPECIAL.search(value) is None:
        return f'"{value}"'
    value = text(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


def needs_no_escape(value: str) -> bool:
    """Whether `attr(value)` is `value` in double quotes (nothing in it to escape)."""
    return _ATTR_SPECIAL.search(value) is None


def text(value: str) -> str:
    """Character data escaped for XML (`xml.sax.saxutils.escape`, see `attr` for why not imported)."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


@dataclass(slots=True)
class Tag:
    """One start, end or empty tag (comments, PIs and CDATA are skipped)."""

    start: int
    end: int
    qname: str
    attrs_text: str
    closing: bool
    empty: bool
    known: dict[str, str] | None = None        # attrs(), once worked out (a kept tree's tags are met again)

    @property
    def prefix(self) -> str:
        return self.qname.split(":", 1)[0] if ":" in self.qname else ""

    @property
    def local(self) -> str:
        return self.qname.rsplit(":", 1)[-1]

    def attrs(self) -> dict[str, str]:
        """The tag's attributes (a new dict each time: the caller may change it)."""
        if self.known is None:
            self.known = {k: unescape(v[1:-1]) for k, v in _ATTR.findall(self.attrs_text)}
        return dict(self.known)


def tags(doc: str, pos: int = 0, endpos: int | None = None):
    """Yield the tags of `doc[pos:endpos]` in document order."""
    for m in _TOKEN.finditer(doc, pos, len(doc) if endpos is None else endpos):
        if m.group(2) is None:
            continue
        yield Tag(m.start(), m.end(), m.group(2), m.group(3) or "", m.group(1) == "/", m.group(4) == "/")


@dataclass(slots=True)
class Element:
    """An element's span: `start`..`end` covers the whole element, `inner_start`..`inner_end` its content."""

    tag: Tag
    end: int
    inner_start: int
    inner_end: int
    children: list[Element]
    depth: int

    @property
    def start(self) -> int:
        return self.tag.start

    @property
    def local(self) -> str:
        return self.tag.local

    @property
    def qname(self) -> str:
        return self.tag.qname

    def attrs(self) -> dict[str, str]:
        return self.tag.attrs()

    def find(self, local: str) -> Element | None:
        return next((c for c in self.children if c.local == local), None)

    def findall(self, local: str) -> list[Element]:
        return [c for c in self.children if c.local == local]


def parse(doc: str, pos: int = 0, skip: frozenset[str] = frozenset()) -> Element:
    """Build the element tree of the root element found from `pos`.

    The content of elements whose local name is in `skip` (a worksheet's `sheetData`) is jumped over
    without tokenizing: it is the bulk of a large part and is searched separately when needed. A small
    whole text's tree is kept (see `_parsed`) and given again for the same text.
    """
    if pos or skip or len(doc) > KEEP_LARGEST:
        return _parse(doc, pos, skip)
    found = _parsed.get(doc)
    if found is None:
        found = _parse(doc, 0, skip)
        keep(_parsed, doc, found)
    return found


def _parse(doc: str, pos: int, skip: frozenset[str]) -> Element:
    stack: list[Element] = []
    root: Element | None = None
    search = _TOKEN.search
    while True:
        m = search(doc, pos)
        if m is None:
            break
        start, pos = m.span()
        closing, qname, attrs_text, empty = m.groups()
        if qname is None:
            continue
        if closing:                       # an end tag: no Tag object needed
            el = stack.pop()
            if el.tag.qname != qname:
                raise OutputError(f"XML 结构异常：<{el.tag.qname}> 与 </{qname}> 不匹配。")
            el.end, el.inner_end = pos, start
            if not stack:
                return el
            continue
        t = Tag(start, pos, qname, attrs_text or "", False, empty == "/")
        el = Element(t, pos, pos, pos, [], len(stack))
        if stack:
            stack[-1].children.append(el)
        if root is None:
            root = el
        if t.empty:
            if not stack:
                return el
            continue
        if skip and t.local in skip:
            close = doc.find(f"</{t.qname}>", t.end)
            if close < 0:
                raise OutputError(f"XML 结构异常：<{t.qname}> 未闭合。")
            el.inner_end, el.end = close, close + len(t.qname) + 3
            pos = el.end
            continue
        stack.append(el)
    raise OutputError("XML 结构异常：元素未闭合。")


def namespaces(tag: Tag) -> dict[str, str]:
    """Prefix -> URI declared on one tag ("" is the default namespace)."""
    out = {}
    for k, v in tag.attrs().items():
        if k == "xmlns":
            out[""] = v
        elif k.startswith("xmlns:"):
            out[k[6:]] = v
    return out


def prefix_for(ns: dict[str, str], uri: str) -> str | None:
    """The prefix bound to `uri` ("" for the default namespace), or None when it is not declared."""
    for p, u in ns.items():
        if u == uri and p:
            return p
    return "" if ns.get("") == uri else None


def q(prefix: str, local: str) -> str:
    return f"{prefix}:{local}" if prefix else local


def set_attr(start_tag: str, name: str, value: str | None) -> str:
    """Return `start_tag` with attribute `name` set to `value` (added at the end), or removed when None."""
    pat = re.compile(r"\s+" + re.escape(name) + r"\s*=\s*(\"[^\"]*\"|'[^']*')")
    m = pat.search(start_tag)
    if value is None:
        return start_tag if m is None else start_tag[:m.start()] + start_tag[m.end():]
    if m:
        return start_tag[:m.start()] + f" {name}={attr(value)}" + start_tag[m.end():]
    cut = len(start_tag) - (2 if start_tag.endswith("/>") else 1)
    while start_tag[cut - 1].isspace():
        cut -= 1
    return start_tag[:cut] + f" {name}={attr(value)}" + start_tag[cut:]


def splice(doc: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start, end, replacement) edits in one pass."""
    out, last = [], 0
    for s, e, r in sorted(edits, key=lambda x: (x[0], x[1])):
        if s < last:
            raise OutputError("内部错误：XML 编辑区间重叠。")
        out.append(doc[last:s])
        out.append(r)
        last = e
    out.append(doc[last:])
    return "".join(out)


def append_children(doc: str, el: Element, xml_text: str) -> list[tuple[int, int, str]]:
    """Edits that add `xml_text` as the last children of `el`."""
    if not el.tag.empty:
        return [(el.inner_end, el.inner_end, xml_text)]
    start_tag = doc[el.tag.start:el.tag.end]
    return [(el.tag.start, el.tag.end, start_tag[:-2].rstrip() + ">" + xml_text + f"</{el.qname}>")]


def root_of(doc: str) -> Tag:
    for t in tags(doc):
        return t
    raise OutputError("XML 部件为空。")


def main_prefix(doc: str, part: str) -> tuple[str, dict[str, str]]:
    """Prefix of SpreadsheetML's main namespace on the root and the root's declarations; refuse Strict."""
    root = root_of(doc)
    ns = namespaces(root)
    uri = ns.get(root.prefix, "")
    if uri == NS_STRICT:
        raise OutputError(f"部件 {part} 使用「严格 Open XML」格式，暂不支持写入。",
                          hint="请在 Excel 中另存为「Excel 工作簿 (*.xlsx)」后再试。")
    return root.prefix, ns
