"""Choose how to write one result file: the surgical package edit where the source is an OOXML package,
a new .xlsx where it is not (legacy .xls), and for a password-protected workbook decrypt, edit and encrypt
again with the same password.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from xlrubric.atomic import write_atomic
from xlrubric.errors import OutputError
from xlrubric.readers.raw import RawBook
from xlrubric.results import Results

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def write_bytes(path: Path, data: bytes) -> None:
    """Atomic write of a small file (JSON report, manifest)."""
    write_atomic(Path(path), lambda f: f.write(data))


def write_output(src: Path, book: RawBook, results: Results, target: Path, *, in_place: bool = False,
                 password: str | None = None) -> Path:
    """Write `results` for the workbook at `src` to `target`; return the path actually written."""
    from xlrubric.ooxml.package import write_results

    src, target = Path(src), Path(target)
    if book.kind == "xls":
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        if in_place:
            raise OutputError("旧版 .xls（或 WPS 的 .et）格式的工作簿不能把结果写回原文件，原文件未改动",
                              file=src.name,
                              hint="在 Excel 或 WPS 中用「文件 → 另存为」保存为 Excel 工作簿（.xlsx），"
                                   "打开新文件再计算；命令行也可以不加 --in-place，结果另存为一个新的 .xlsx 文件")
        from xlrubric.writers.newbook import write_new_workbook

        def build(f) -> None:
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                tmp_path = Path(tmp) / "out.xlsx"
                write_new_workbook(book, results.tables, results.marks, tmp_path)
                f.write(tmp_path.read_bytes())

        write_atomic(target, build)
        return target
    with open(src, "rb") as fh:
        encrypted = fh.read(8) == OLE_MAGIC
    if encrypted:
        _write_encrypted(src, results, target, password or "", backup=in_place)
        return target
    write_results(src, target, results.tables, results.marks, backup=in_place)
    return target


def _write_encrypted(src: Path, results: Results, target: Path, password: str, *, backup: bool = False) -> None:
    """Decrypt, write our results surgically, encrypt again with the school's own password.

    The school protected its workbook; its results carry the same protection. The plain package exists
    only in a private temporary folder beside the target for the moment of writing. With `backup` (writing
    back into `src`: `--in-place`, the WPS button, which asks the director for the password), the original is
    first copied aside as it was, still encrypted; `src` is read whole before the target is replaced.
    """
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    from xlrubric.ooxml.package import write_results

    plain = io.BytesIO()
    with open(src, "rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        office.load_key(password=password)
        office.decrypt(plain)
    suffix = target.suffix.lower() if target.suffix.lower() in (".xlsx", ".xlsm") else ".xlsx"
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        tmp_src, tmp_out = Path(tmp) / f"in{suffix}", Path(tmp) / f"out{suffix}"
        tmp_src.write_bytes(plain.getvalue())
        write_results(tmp_src, tmp_out, results.tables, results.marks)
        with open(tmp_out, "rb") as fh:
            sealed = io.BytesIO()
            OOXMLFile(fh).encrypt(password, sealed)
    write_atomic(target, lambda f: f.write(sealed.getvalue()), backup=backup)
