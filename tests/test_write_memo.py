"""What the write remembers between calls (issue 16, session 9) must never change a byte: a styles text read
once and kept, the formats a write asks for made once, the first equal entry of a styles collection found
by a dict, a small part's tree kept by its text. Each memo is compared with the plain computation it
replaces, on styles parts that already hold duplicate entries (a school's re-saved workbook does)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xlrubric.ooxml import styles as styles_module
from xlrubric.ooxml import xmlscan as xs
from xlrubric.ooxml.opc import Work
from xlrubric.ooxml.styles import MINIMAL_STYLES, StylesPart
from xlrubric.ooxml.zipio import SourceZip

# A school's styles part with duplicates: cell formats 1 and 3 are the same text, and so are fills 2 and 3
# (gray125 written twice), so "the first equal entry" is 1 (not 3) and 2 (not 3).
XF_PLAIN = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
XF_TOP = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
          '<alignment vertical="top"/></xf>')
SOLID = ('<fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/>'
         '</patternFill></fill>')
DUPLICATES = MINIMAL_STYLES.replace(
    '<fill><patternFill patternType="gray125"/></fill></fills>',
    f'<fill><patternFill patternType="gray125"/></fill>{SOLID}{SOLID}</fills>').replace(
    '<fills count="2">', '<fills count="4">').replace(
    f'<cellXfs count="1">{XF_PLAIN}</cellXfs>',
    f'<cellXfs count="4">{XF_PLAIN}{XF_TOP}{XF_PLAIN}{XF_TOP}</cellXfs>')


class Plain(StylesPart):
    """The computation before the memos: `list.index` over the collection, every format made anew."""

    def _index(self, collection: str, item: str) -> int:
        items = self.items[collection]
        try:
            return items.index(item)
        except ValueError:
            items.append(item)
            return len(items) - 1

    def fill(self, argb: str) -> int:
        return self._fill(argb)

    def font(self, bold: bool = False, link: bool = False) -> int:
        return self._font(bold, link) if bold or link else 0

    def xf(self, *, num_fmt: int = 0, font: int = 0, fill: int = 0, wrap: bool = False, vertical: str = "") -> int:
        return self._xf_index(num_fmt, font, fill, wrap, vertical)


def _styles_zip(path: Path, doc: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/styles.xml", doc)
    return path


def _run(cls: type[StylesPart], path: Path, ops: list[tuple]) -> tuple[list[int], str, dict]:
    """The answers to `ops` and the styles text and record `finish` makes."""
    with SourceZip(path) as pkg:
        work = Work(pkg)
        styles = cls(work, "xl/styles.xml")
        out = []
        for op, *args in ops:
            if op == "xf":
                num_fmt, font, fill, wrap, vertical = args
                out.append(styles.xf(num_fmt=num_fmt, font=font, fill=fill, wrap=wrap, vertical=vertical))
            elif op == "font":
                out.append(styles.font(bold=args[0], link=args[1]))
            elif op == "fill":
                out.append(styles.fill(args[0]))
            elif op == "num":
                out.append(styles.number_format(args[0]))
            else:
                out.append(styles.with_fill(args[0], args[1]))
        record: dict = {}
        styles.finish(record)
        return out, work.text("xl/styles.xml"), record


def test_the_first_equal_entry_is_found(tmp_path: Path) -> None:
    # Worked by hand from DUPLICATES: the plain top-aligned format is cellXfs 1 (3 is its twin); the fill
    # FFFFC7CE is fills 2 (3 is its twin); the plain format with that fill is new: cellXfs 4, and asked for
    # again it is 4 again. Nothing else is appended, so only cellXfs grows, by one entry.
    path = _styles_zip(tmp_path / "s.xlsx", DUPLICATES)
    ops = [("xf", 0, 0, 0, False, "top"), ("fill", "FFFFC7CE"), ("xf", 0, 0, 2, False, ""),
           ("xf", 0, 0, 2, False, ""), ("xf", 0, 0, 0, False, "top")]
    answers, doc, record = _run(StylesPart, path, ops)
    assert answers == [1, 2, 4, 4, 1]
    assert list(record["styles"]["added"]) == ["cellXfs"] and len(record["styles"]["added"]["cellXfs"]) == 1
    assert '<cellXfs count="5">' in doc


OPS = st.one_of(
    st.tuples(st.just("xf"), st.integers(0, 3), st.integers(0, 2), st.integers(0, 4), st.booleans(),
              st.sampled_from(["", "top", "center"])),
    st.tuples(st.just("font"), st.booleans(), st.booleans()),
    st.tuples(st.just("fill"), st.sampled_from(["FFFFC7CE", "FFFFEB9C", "FFD9E1F2"])),
    st.tuples(st.just("num"), st.sampled_from(["0.0", "yyyy-mm-dd", "0.00", "hh:mm:ss", "0.0%"])),
    st.tuples(st.just("with"), st.integers(0, 6), st.sampled_from([None, "FFFFC7CE", "FFFFEB9C"])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(OPS, max_size=25), st.sampled_from([DUPLICATES, MINIMAL_STYLES]))
def test_remembered_formats_equal_formats_made_each_time(tmp_path_factory, ops, doc) -> None:
    """Two writes in turn on the same styles text (the second reads it from the memo) answer and splice
    exactly as the plain computation does."""
    path = _styles_zip(tmp_path_factory.mktemp("s") / "s.xlsx", doc)
    plain = _run(Plain, path, ops)
    assert _run(StylesPart, path, ops) == plain
    assert _run(StylesPart, path, ops) == plain          # the styles text now kept: no answer leaks across


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "x:c"]), st.sampled_from(["", ' k="1"', " k='2'"]),
                          st.integers(0, 2)), max_size=8))
def test_kept_trees_equal_trees_parsed_anew(children) -> None:
    """A small text's tree, given again from the memo, is the tree a fresh parse makes — also for another
    text of the same length met in between."""
    def doc(kids: list[tuple[str, str, int]]) -> str:
        inner = "".join(f"<{n}{a}/>" if k == 0 else f"<{n}{a}>{'<i/>' * k}</{n}>" for n, a, k in kids)
        return f'<?xml version="1.0"?><r xmlns="urn:t">{inner}</r>'

    def shape(el: xs.Element) -> tuple:
        return (el.start, el.end, el.inner_start, el.inner_end, el.qname, el.tag.attrs_text, el.depth,
                tuple(map(shape, el.children)))

    first, other = doc(children), doc(list(reversed(children)))
    for text in (first, other, first, other):
        assert shape(xs.parse(text)) == shape(xs._parse(text, 0, frozenset()))


def test_a_large_styles_text_is_not_kept(tmp_path: Path) -> None:
    # A styles text over _READ_LARGEST characters (padding in an extLst) is read each time and never kept.
    big = DUPLICATES.replace("</styleSheet>", "<extLst>" + " " * (styles_module._READ_LARGEST + 1)
                             + "</extLst></styleSheet>")
    path = _styles_zip(tmp_path / "big.xlsx", big)
    assert _run(StylesPart, path, [("xf", 0, 0, 0, False, "top")])[0] == [1]
    assert big not in styles_module._READ


NAMES = st.sampled_from(["/xl/workbook.xml", "/XL/Workbook.xml", "/xl/styles.xml", "/customXml/item1.xml"])
TYPES = st.sampled_from(["application/xml", "text/xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.tuples(st.just("Override"), NAMES, TYPES),
                          st.tuples(st.just("Default"), st.sampled_from(["xml", "XML", "rels", "vml"]), TYPES)),
                max_size=8),
       st.lists(st.tuples(st.sampled_from(["rId1", "rId2", "rId10"]), TYPES, NAMES, st.booleans()), max_size=6))
def test_kept_indexes_equal_indexes_made_anew(tmp_path_factory, types, rels) -> None:
    """Content types and relationships read through a Work (from the memo after the first package) answer as
    the plain reading of the same text does: the first Override of a part name (any case), else the first
    Default of its extension; every relationship with its id, type, target and mode."""
    ct = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          + "".join(f'<Override PartName="{a}" ContentType="{b}"/>' if kind == "Override"
                    else f'<Default Extension="{a}" ContentType="{b}"/>' for kind, a, b in types) + "</Types>")
    rel_doc = (f'<Relationships xmlns="{xs.NS_PKG_REL}">'
               + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{n}"'
                         + (' TargetMode="External"' if ext else "") + "/>" for i, t, n, ext in rels)
               + "</Relationships>")
    expected_types = {}
    for part in ("xl/workbook.xml", "xl/styles.xml", "customXml/item1.xml", "a/b.vml", "x.rels"):
        found = next((b for kind, a, b in types if kind == "Override" and a.lstrip("/").lower() == part.lower()),
                     None)
        if found is None:
            found = next((b for kind, a, b in types if kind == "Default"
                          and a.lower() == part.rsplit(".", 1)[-1].lower()), None)
        expected_types[part] = found
    expected_rels = [(i, t, n, ext) for i, t, n, ext in rels]
    path = tmp_path_factory.mktemp("p") / "p.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rel_doc)
    for _ in range(2):                       # the second package's texts come from the memo
        with SourceZip(path) as pkg:
            work = Work(pkg)
            assert {p: work.content_type(p) for p in expected_types} == expected_types
            got = work.rels("")
            assert [(r.id, r.type, r.target, r.external) for r in got] == expected_rels
            got.clear()                      # a caller's copy: the next reader still sees every one
            assert len(work.rels("")) == len(rels)
