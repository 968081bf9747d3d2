"""Build, in code, the preservation corpus: workbooks holding everything a writer could lose.

Each builder returns the path it wrote. XlsxWriter makes what it can (charts, a chart sheet, an image,
a text box, sparklines, 2010 data bars, rich text, comments, names, merges, a table, protection, a VBA
project with a button); raw zip edits add what no Python library writes (a cross-sheet dropdown in the
x14 extension, a WPS `xl/cellimages.xml` in-cell image, customXml). Other generators: openpyxl, a
hand-written package with `x:`-prefixed SpreadsheetML (as the OpenXML SDK writes), and LibreOffice
(when `soffice` is installed).

The VBA project comes from the xlwings package installed with the test extras: its `quickstart.xlsm`
holds a real `xl/vbaProject.bin`, which is what `add_vba_project` needs; generating a valid OLE/VBA
project by hand would be far more code than this corpus deserves.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import xlsxwriter

WPS_IMAGE_ID = "ID_0F1E2D3C4B5A69788796A5B4C3D2E1F0"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
X14_DROPDOWN = (
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>名单!$A$2:$A$10</xm:f></x14:formula1><xm:sqref>A2:A12</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext>"
)


def png_bytes(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid RGB PNG, made with zlib and struct (no Pillow)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def vba_project() -> bytes | None:
    """`xl/vbaProject.bin` from the xlwings quickstart workbook, or None without xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.origin:
        return None
    book = Path(spec.origin).parent / "quickstart.xlsm"
    if not book.exists():
        return None
    with zipfile.ZipFile(book) as z:
        return z.read("xl/vbaProject.bin")


def rezip(path: Path, edit: Callable[[dict[str, bytes]], None]) -> None:
    """Rewrite the package at `path` after `edit` changed its {name: bytes} map (order kept)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def sheet_part(parts: dict[str, bytes], name: str) -> str:
    """Zip name of the worksheet called `name`."""
    wb = parts["xl/workbook.xml"].decode()
    rid = re.search(r'<sheet [^>]*name="' + re.escape(name) + r'"[^>]*r:id="([^"]+)"', wb).group(1)
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(r'Id="' + rid + r'"[^>]*Target="([^"]+)"', rels) or \
        re.search(r'Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def _add_rel(parts: dict[str, bytes], rels: str, rid: str, typ: str, target: str) -> None:
    text = parts[rels].decode()
    rel = f'<Relationship Id="{rid}" Type="{typ}" Target="{target}"/>'
    parts[rels] = text.replace("</Relationships>", rel + "</Relationships>").encode()


def _add_override(parts: dict[str, bytes], part: str, ctype: str) -> None:
    text = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = text.replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="{ctype}"/></Types>').encode()


def _raw_extras(parts: dict[str, bytes]) -> None:
    """Add the x14 cross-sheet dropdown, the WPS cell image and a customXml part."""
    rec = sheet_part(parts, "考核记录")
    text = parts[rec].decode()
    at = text.rindex("<extLst>") + len("<extLst>")     # the worksheet's own, not a data bar's inner one
    parts[rec] = (text[:at] + X14_DROPDOWN + text[at:]).encode()
    parts["xl/media/wps_image1.png"] = png_bytes(rgb=(30, 160, 60))
    parts["xl/cellimages.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<etc:cellImages xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:r="{NS_REL}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"><etc:cellImage><xdr:pic><xdr:nvPicPr>'
        f'<xdr:cNvPr id="2" name="{WPS_IMAGE_ID}"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
        '<a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr>'
        '<a:xfrm><a:off x="0" y="0"/><a:ext cx="95250" cy="95250"/></a:xfrm><a:prstGeom prst="rect">'
        "<a:avLst/></a:prstGeom></xdr:spPr></xdr:pic></etc:cellImage></etc:cellImages>").encode()
    parts["xl/_rels/cellimages.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS_REL}/image" Target="media/wps_image1.png"/>'
        "</Relationships>").encode()
    _add_rel(parts, "xl/_rels/workbook.xml.rels", "rId900", "http://www.wps.cn/officeDocument/2020/cellImage",
             "cellimages.xml")
    _add_override(parts, "xl/cellimages.xml", "application/vnd.wps-officedocument.cellimage+xml")
    parts["customXml/item1.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                    '<学校 xmlns="urn:example:school"><名称>兰西四中</名称></学校>').encode()
    parts["customXml/itemProps1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<ds:datastoreItem '
        b'ds:itemID="{5C1F3E0A-0000-4000-8000-000000000001}" '
        b'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/>'
        b"</ds:datastoreItem>")
    parts["customXml/_rels/item1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS_REL}/customXmlProps" Target="itemProps1.xml"/>'
        "</Relationships>").encode()
    _add_rel(parts, "xl/_rels/workbook.xml.rels", "rId901", f"{NS_REL}/customXml", "../customXml/item1.xml")
    _add_override(parts, "customXml/itemProps1.xml",
                  "application/vnd.openxmlformats-officedocument.customXmlProperties+xml")


def build_full(path: Path) -> Path:
    """An XlsxWriter workbook with every feature docs/measured.md says openpyxl loses, plus raw extras."""
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "bg_color": "#DDEEFF", "border": 1})
    red = wb.add_format({"color": "red"})
    title = wb.add_format({"bold": True, "align": "center", "font_size": 14})
    roster = wb.add_worksheet("教师名册")
    roster.merge_range("A1:F1", "兰西四中教师名册", title)
    roster.write_row(1, 0, ["工号", "姓名", "性别", "学科", "入职日期", "备注"], bold)
    for i in range(40):
        roster.write_row(i + 2, 0, [f"T{i:03d}", f"教师{i}", "女" if i % 2 else "男", "语文"])
    roster.write_rich_string("F3", red, "请注意", "：", bold, "试用期")
    roster.write_comment("B4", "学校批注：姓名待核实", {"author": "教务处"})
    roster.write_comment("C5", "学校批注：性别", {"author": "教务处"})
    roster.data_validation("D3:D42", {"validate": "list", "source": ["语文", "数学", "英语"]})
    roster.write_formula("G3", f'_xlfn.DISPIMG("{WPS_IMAGE_ID}",1)', None, f'=DISPIMG("{WPS_IMAGE_ID}",1)')
    roster.conditional_format("A3:A42", {"type": "duplicate", "format": red})
    roster.freeze_panes(2, 0)

    record = wb.add_worksheet("考核记录")
    record.write_row(0, 0, ["姓名", "缺签到", "迟交", "缺反思", "听课"], bold)
    for i in range(20):
        record.write_row(i + 1, 0, [f"教师{i}", i % 3, i % 2, (i * 7) % 4, 8 + i % 5])
        record.add_sparkline(i + 1, 5, {"range": f"'考核记录'!B{i + 2}:E{i + 2}"})
    record.conditional_format("E2:E21", {"type": "data_bar", "data_bar_2010": True})
    record.add_table("H1:J4", {"columns": [{"header": "项目"}, {"header": "分值"}, {"header": "说明"}],
                               "data": [["签到", 5, "每缺一次扣1分"], ["反思", 5, "每月一篇"], ["听课", 10, "8节"]]})
    record.write_url("L1", "internal:'名单'!A1", string="到名单")

    names = wb.add_worksheet("名单")
    names.write_column(0, 0, ["姓名", *[f"教师{i}" for i in range(9)]])
    names.protect("", {"select_locked_cells": True})

    charts = wb.add_worksheet("图表")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "缺签到", "categories": "='考核记录'!$A$2:$A$11",
                      "values": "='考核记录'!$B$2:$B$11"})
    charts.insert_chart("B2", chart)
    charts.insert_image("K2", "red.png", {"image_data": io.BytesIO(png_bytes())})
    charts.insert_textbox("K10", "文本框：本页由学校制作", {"width": 200, "height": 60})
    sheet_chart = wb.add_chart({"type": "line"})
    sheet_chart.add_series({"values": "='考核记录'!$E$2:$E$21"})
    chartsheet = wb.add_chartsheet("图表页")
    chartsheet.set_chart(sheet_chart)

    wb.define_name("教师列表", "='名单'!$A$2:$A$10")
    wb.define_name("'考核记录'!本表范围", "='考核记录'!$A$1:$E$21")
    wb.close()
    rezip(path, _raw_extras)
    return path


def build_macro(path: Path) -> Path | None:
    """An .xlsm with a VBA project, a button next to a school note, and a sheet with only a button."""
    vba = vba_project()
    if vba is None:
        return None
    vba_file = path.with_name("vbaProject.bin")
    vba_file.write_bytes(vba)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_vba_name("ThisWorkbook")
    wb.add_vba_project(str(vba_file))
    ws = wb.add_worksheet("考核记录")
    ws.set_vba_name("Sheet1")
    ws.write_row(0, 0, ["姓名", "缺签到", "迟交"])
    for i in range(10):
        ws.write_row(i + 1, 0, [f"教师{i}", i % 3, i % 2])
    ws.insert_button("F2", {"macro": "SampleCall", "caption": "计算考核", "width": 100, "height": 30})
    ws.write_comment("A3", "学校批注：已调动", {"author": "教务处"})
    only_button = wb.add_worksheet("按钮页")
    only_button.set_vba_name("Sheet2")
    only_button.write("A1", "点击按钮")
    only_button.insert_button("B3", {"macro": "SampleCall", "caption": "运行"})
    wb.close()
    vba_file.unlink()
    return path


def build_openpyxl(path: Path) -> Path:
    """A workbook saved by openpyxl (absolute relationship targets, its own styles and comments)."""
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "教师名册"
    ws.append(["工号", "姓名", "学科", "入职日期"])
    for i in range(30):
        ws.append([f"T{i:03d}", f"教师{i}", "数学", None])
    ws.merge_cells("F1:G2")
    ws["F1"] = "合并"
    ws["B5"].comment = Comment("学校批注", "教务处")
    dv = DataValidation(type="list", formula1='"语文,数学"')
    ws.add_data_validation(dv)
    dv.add("C2:C31")
    wb.defined_names["名册"] = DefinedName("名册", attr_text="'教师名册'!$A$1:$D$31")
    wb.create_sheet("学时登记").append(["姓名", "学时"])
    wb.save(path)
    return path


def build_school_comment(path: Path) -> Path:
    """A small workbook whose cell B3 already carries the school's own note (the one we will mark)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("考核记录")
    ws.write_row(0, 0, ["姓名", "缺签到"])
    ws.write_row(1, 0, ["教师甲", 1])
    ws.write_row(2, 0, ["教师乙", "三"])
    ws.write_comment("B3", "学校批注：补签过", {"author": "教务处"})
    wb.close()
    return path


def build_prefixed(path: Path) -> Path:
    """A hand-written package using `x:`-prefixed SpreadsheetML and inline strings (OpenXML SDK style)."""
    decl = '<?xml version="1.0" encoding="utf-8"?>\n'
    rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": decl + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": decl + f'<Relationships xmlns="{rels_ns}"><Relationship Id="R1" '
        f'Type="{NS_REL}/officeDocument" Target="/xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": decl + f'<x:workbook xmlns:x="{NS_MAIN}" xmlns:rel="{NS_REL}"><x:sheets>'
        '<x:sheet name="教师名册" sheetId="1" rel:id="R7"/></x:sheets></x:workbook>',
        "xl/_rels/workbook.xml.rels": decl + f'<Relationships xmlns="{rels_ns}">'
        f'<Relationship Id="R7" Type="{NS_REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/>'
        f'<Relationship Id="R8" Type="{NS_REL}/styles" Target="/xl/styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": decl + f'<x:worksheet xmlns:x="{NS_MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>学时</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>教师甲</x:t></x:is></x:c><x:c r="B2"><x:v>12</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>",
        "xl/styles.xml": decl + f'<x:styleSheet xmlns:x="{NS_MAIN}"><x:fonts count="1"><x:font><x:sz val="11"/>'
        '<x:name val="宋体"/></x:font></x:fonts><x:fills count="2"><x:fill><x:patternFill patternType="none"/>'
        '</x:fill><x:fill><x:patternFill patternType="gray125"/></x:fill></x:fills><x:borders count="1">'
        "<x:border/></x:borders><x:cellXfs count=\"1\"><x:xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
        'borderId="0"/></x:cellXfs></x:styleSheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text.encode(), zipfile.ZIP_DEFLATED)
    return path


def soffice_convert(inputs: list[Path], outdir: Path, fmt: str = "xlsx", timeout: int = 180) -> list[Path]:
    """Convert with LibreOffice in one process (its own profile, so parallel runs cannot collide).

    soffice exits 0 even when it could not load a file, so callers must check the returned paths exist.
    """
    exe = shutil.which("soffice")
    if exe is None:
        raise FileNotFoundError("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    env = {**os.environ, "HOME": str(outdir)}
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(outdir), *map(str, inputs)],
                   env=env, timeout=timeout, capture_output=True, check=False)
    return [outdir / (p.stem + "." + fmt.split(":")[0]) for p in inputs]


def build_libreoffice(path: Path, work: Path) -> Path | None:
    """A workbook written by LibreOffice (its own namespaces, comments and VML), or None without soffice."""
    if shutil.which("soffice") is None:
        return None
    src = build_school_comment(work / "lo_source.xlsx")
    wb_src = openpyxl.load_workbook(src)
    wb_src["考核记录"].merge_cells("D1:E1")
    wb_src.save(src)
    out = soffice_convert([src], work / "lo")[0]
    if not out.exists():
        return None
    shutil.move(out, path)
    return path


BUILDERS: dict[str, Callable[[Path], Path | None]] = {
    "full.xlsx": build_full,
    "macro.xlsm": build_macro,
    "openpyxl.xlsx": build_openpyxl,
    "school_comment.xlsx": build_school_comment,
    "prefixed.xlsx": build_prefixed,
}


def build_corpus(folder: Path) -> dict[str, Path]:
    """Every builder's workbook in `folder` (LibreOffice's is built separately: it is slow)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, build in BUILDERS.items():
        path = build(folder / name)
        if path is not None:
            out[name] = path
    return out
