"""What we added to a workbook, stored inside it as a custom XML part we own.

Why custom XML: it is the package's own place for an add-in's data, and Excel keeps custom XML parts
when it saves (a bare part with no relationship would be dropped, and a hidden sheet would show up in
the VBA project and in sheet indices). The part's root is in our namespace, so we recognise it whatever
Excel renames it to; its content is a JSON document (sorted keys, no timestamps, so the same run writes
the same bytes).

Shape of the JSON (format 1)::

    {"format": 1, "generator": "xlrubric",
     "sheets": ["考核结果", "校验问题"],               # result sheets we own (by name)
     "defined_names_created": false,
     "styles": {"part": "xl/styles.xml", "added": {"fills": ["<fill>…</fill>"], …}, "created": []},
     "marks": [{"sheet": "教师名册",
                "cells": [{"kind": "tag", "ref": "B7", "old": "<c r=\\"B7\\" s=\\"3\\">", "new": "<sha1>",
                           "s": 45, "orig": "3"}, {"kind": "cell"|"row"|"sheetData", …}],
                "kept_school_notes": ["C9"],
                "notes": {"rels_created": false,
                          "comments": {"part": …, "created": true, "rel": "rId3", "author": …,
                                       "items": [sha1…]},
                          "vml": {"part": …, "created": true, "rel": "rId4", "legacy": "<legacyDrawing …/>",
                                  "shapetype": null, "items": [sha1…]}}}]}
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from xlrubric.ooxml import opc
from xlrubric.ooxml import xmlscan as xs

NS_RECORD = "urn:xlrubric:record:1"
NS_DS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
ITEM_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, NS_RECORD)).upper() + "}"
MAX_RECORD = 64 * 1024 * 1024


def _candidates(work: opc.Work, workbook: str) -> list[tuple[str, str | None, str]]:
    """(item part, relationship source, relationship id) of every custom XML item, however it is linked.

    Excel relates custom XML from the workbook part; LibreOffice re-saves it from the package root (with a
    target that climbs out of the package, "../customXml/item1.xml"); an item may also be unlinked.
    """
    out: list[tuple[str, str | None, str]] = []
    for source in (workbook, ""):
        for rel in work.rels(source):
            if rel.type == opc.RT_CUSTOM_XML and not rel.external:
                target = opc.resolve(source, rel.target)
                while target.startswith("../"):
                    target = target[3:]
                out.append((target, source, rel.id))
    seen = {t.lower() for t, _s, _r in out}
    for info in work.src.infos:
        name = info.filename
        if name.lower().startswith("customxml/item") and "props" not in name.lower() \
                and name.lower().endswith(".xml") and name.lower() not in seen:
            out.append((name, None, ""))
    return out


def find_record(work: opc.Work, workbook: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Our record and where it lives (item part, its properties part, the relationship to it)."""
    for target, source, rid in _candidates(work, workbook):
        if not work.exists(target):
            continue
        info = work.src.info(target)
        if info is not None and info.file_size > MAX_RECORD:
            continue
        doc = work.text(target)
        root = xs.root_of(doc)
        if xs.namespaces(root).get(root.prefix) != NS_RECORD:
            continue
        el = xs.parse(doc)
        try:
            data = json.loads(xs.unescape(doc[el.inner_start:el.inner_end]))
        except ValueError:
            data = None
        props = next((t for _r, t in work.targets(target, opc.RT_CUSTOM_XML_PROPS)), "")
        where = {"item": target, "props": props, "source": source, "rel": rid}
        return (data if isinstance(data, dict) else None), where
    return None, None


def remove_record(work: opc.Work, where: dict[str, Any]) -> None:
    for part in (where["props"], where["item"]):
        if part:
            work.remove(part)
            work.remove_override(part)
    work.remove(opc.rels_name(where["item"]))
    if where["source"] is not None:
        work.remove_rel(where["source"], where["rel"])


def write_record(work: opc.Work, workbook: str, record: dict[str, Any]) -> None:
    body = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    item = work.free_name("customXml/item{}.xml")
    number = item[len("customXml/item"):-len(".xml")]
    props = f"customXml/itemProps{number}.xml"
    work.add(item, opc.XML_DECL + f'<xlrubric xmlns="{NS_RECORD}" format="1">{xs.text(body)}</xlrubric>')
    work.add(props, opc.XML_DECL + f'<ds:datastoreItem ds:itemID="{ITEM_ID}" xmlns:ds="{NS_DS}">'
                                   f'<ds:schemaRefs><ds:schemaRef ds:uri="{NS_RECORD}"/></ds:schemaRefs>'
                                   "</ds:datastoreItem>")
    work.add_rel(item, opc.RT_CUSTOM_XML_PROPS, props)
    work.add_override(props, opc.CT_CUSTOM_XML_PROPS)
    if work.content_type(item) is None:
        work.add_override(item, opc.CT_XML)
    work.add_rel(workbook, opc.RT_CUSTOM_XML, item)
