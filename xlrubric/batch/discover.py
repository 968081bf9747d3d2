"""Find the school workbooks in a county folder, and decide where each one's filled copy goes.

A county folder is whatever the schools sent: sub-folders per 乡镇, Excel lock files left open, copies
of earlier results, sometimes the output folder itself. Discovery keeps only real inputs, so a re-run
never processes its own outputs and never writes a result over a school's original.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from xlrubric.atomic import TMP_SUFFIX
from xlrubric.batch.manifest import is_batch_output
from xlrubric.errors import XlrubricError
from xlrubric.readers.sniff import is_lock_file_name

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")      # .et: WPS 表格's own format; the reader decides by content
LEGACY_SUFFIXES = (".xls", ".et")                 # read, never written: their filled copy is a new .xlsx
# What a school may send that is not a workbook we process: said in 县汇总 (never silently dropped).
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
OTHER_SHEETS = (".xlsb", ".ods", ".csv", ".numbers", ".ett", ".xlt", ".xltx", ".xltm", ".dbf", ".wk1", ".fods")
SYSTEM_FILES = ("thumbs.db", "desktop.ini", "ehthumbs.db")
HINT = "\n处理办法："                       # a note's reason, then what to do (县汇总's 无法读取 shows both)
SUMMARY_NAME = "县汇总.xlsx"
RESULT_MARK = "_结果"                     # `compute`'s default output is <name>_结果.xlsx
RECORD_NS = b"urn:xlrubric:record:1"     # ooxml/record.py: the custom XML part every result carries
STATE_DIR = ".xlrubric"


class BatchError(XlrubricError):
    """The batch as a whole cannot do its job (no inputs, unreadable folder, unusable output folder)."""


@dataclass(frozen=True)
class Workbook:
    """One input: its path, its path relative to DIR (the manifest key) and its output relative to OUTDIR."""

    path: Path
    rel: str          # posix, relative to DIR
    out_rel: str      # posix, relative to OUTDIR

    @property
    def folder(self) -> str:
        parent = str(PurePosixPath(self.rel).parent)
        return "" if parent == "." else parent


def output_rel(rel: str) -> str:
    """Where a workbook's filled copy goes: same folders and name; a legacy .xls (or WPS .et) becomes .xlsx."""
    p = PurePosixPath(rel)
    return str(p.with_suffix(".xlsx")) if p.suffix.lower() in LEGACY_SUFFIXES else rel


def not_processed(name: str) -> str:
    """Why a file that is not a workbook we process is left out ("" for one not worth a word: system files).

    A director collects what the schools sent — mail attachments, WeChat files — into the county folder; a
    school whose file was left out without a word simply goes missing from 县汇总. So every such file is named
    there, with what to do when it is a school's submission."""
    low = name.lower()
    if low in SYSTEM_FILES or low.startswith("~") or low.endswith(".tmp"):   # Office's own temp files (~WRL….tmp)
        return ""
    suffix = PurePosixPath(low).suffix
    if suffix in ARCHIVES or low.endswith((".tar.gz", ".tar.bz2", ".tar.xz")):
        return f"这是压缩包，未打开{HINT}如果其中是学校的工作簿，请先解压到县域文件夹中，再重新运行"
    if suffix in OTHER_SHEETS:
        return (f"{suffix} 格式的表格本程序不处理{HINT}如果这是学校的考核工作簿，请在 Excel 或 WPS 中打开，"
                "「另存为」Excel 工作簿（.xlsx）后放回该文件夹，再重新运行")
    return (f"不是 Excel 工作簿（.xlsx / .xlsm / .xls / .et）{HINT}如果这是学校报送的考核表，"
            "请学校改交 Excel 工作簿（可从 xlrubric template 生成的模板填写）")


def check_folders(src: Path, outdir: Path) -> tuple[Path, Path]:
    """Resolve DIR and OUTDIR and refuse the combinations that would lose a school's file.

    OUTDIR equal to DIR would put each filled copy over its original (same name), and OUTDIR above DIR
    could put one school's output over another school's original, so both are refused.
    OUTDIR inside DIR is allowed and simply left out of discovery (it is ours), as is any folder that
    holds a batch manifest.
    """
    if not src.exists():
        raise BatchError(f"输入文件夹不存在：{src}", hint="请检查路径是否写对。")
    if not src.is_dir():
        raise BatchError(f"「{src}」不是文件夹", hint="xlrubric batch 处理一个文件夹；单个文件请用 xlrubric compute。")
    if not os.access(src, os.R_OK | os.X_OK):
        raise BatchError(f"无法读取输入文件夹：{src}（没有读取权限）", hint="请检查文件夹权限，或先把文件复制到本机。")
    src_r, out_r = src.resolve(), outdir.resolve()
    if src_r == out_r:
        raise BatchError("输出文件夹不能与输入文件夹相同：结果文件与原文件同名，会覆盖学校的原文件",
                         hint="请用 --out 指定另一个文件夹，例如 --out 结果。")
    if out_r in src_r.parents:
        raise BatchError(f"输入文件夹「{src}」位于输出文件夹「{outdir}」之内：结果可能覆盖学校的原文件",
                         hint="请把 --out 指到输入文件夹之外（或之内）的一个新文件夹，例如 --out 结果。")
    if is_batch_output(src_r):
        raise BatchError(f"「{src}」是 xlrubric batch 的输出文件夹，其中是计算结果而不是学校的原始工作簿",
                         hint="请指定存放各学校原始工作簿的文件夹。")
    if out_r.exists() and not out_r.is_dir():
        raise BatchError(f"输出位置「{outdir}」已存在且不是文件夹", hint="请用 --out 指定一个文件夹。")
    if out_r.is_relative_to(src_r) and not _dedicated_output_tree(out_r):
        held = next(_workbooks_under(out_r)).relative_to(out_r).as_posix()
        raise BatchError(f"输出文件夹「{outdir}」在输入文件夹之内，里面已有工作簿（如「{held}」），"
                         "而它不是 xlrubric 的输出文件夹：把它当作输出，其中学校的文件会被跳过，别处同名学校的结果"
                         "还会覆盖它们",
                         hint="请用 --out 指定一个新的（或空的）文件夹，例如 --out 结果。")
    return src_r, out_r


def _dedicated_output_tree(folder: Path) -> bool:
    """True when `folder` may receive outputs: new, holding a batch manifest, or holding no workbook at all."""
    if not folder.exists() or is_batch_output(folder):
        return True
    return next(_workbooks_under(folder), None) is None


def _workbooks_under(folder: Path):
    """Workbook files under `folder` that discovery would take as inputs (not ours, not lock files)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".") and not is_batch_output(Path(root) / d)]
        for name in sorted(files):
            low, path = name.lower(), Path(root) / name
            if (low.endswith(SUFFIXES) and not is_lock_file_name(name) and not name.startswith(".")
                    and not low.endswith(TMP_SUFFIX) and path.is_file() and not our_output(path, files)):
                yield path


def refuse_unsafe_targets(books: list[Workbook], outdir: Path) -> None:
    """The last word on output paths: no output may land on an input file or leave OUTDIR (a planted
    link inside OUTDIR pointing back into the county folder, say). Raised before anything is written."""
    inputs = {b.path.resolve() for b in books}
    for b in books:
        target = (outdir / b.out_rel).resolve()
        if target in inputs or not target.is_relative_to(outdir):
            raise BatchError(f"「{b.rel}」的结果会写到「{target}」，那里是学校的原文件或在输出文件夹之外，已停止",
                             hint="请用 --out 指定一个新的（或空的）文件夹，例如 --out 结果。")


def discover(src: Path, outdir: Path) -> tuple[list[Workbook], list[str]]:
    """Every workbook under `src` (sorted), and the notes on what was left out and why.

    Lock files (`~$…`) are skipped silently; OUTDIR, hidden folders and folders holding a batch
    manifest are not entered; our own outputs and temp files are left out. Two inputs that would
    share an output name (学校.xls beside 学校.xlsx) get distinct outputs.
    """
    src, outdir = check_folders(src, outdir)
    found: list[Workbook] = []
    notes: list[str] = []
    unreadable_dirs: list[str] = []

    def on_error(exc: OSError) -> None:
        unreadable_dirs.append(exc.filename or str(exc))

    for root, dirs, files in os.walk(src, onerror=on_error):
        here = Path(root)
        kept = []
        for d in sorted(dirs):
            full = (here / d).resolve()
            if d.startswith(".") or full == outdir or is_batch_output(here / d):
                if full == outdir or is_batch_output(here / d):
                    notes.append(f"跳过输出文件夹「{(here / d).relative_to(src).as_posix()}」")
                continue
            kept.append(d)
        dirs[:] = kept
        for name in sorted(files):
            if is_lock_file_name(name) or name.startswith("."):
                continue
            low = name.lower()
            path = here / name
            rel = path.relative_to(src).as_posix()
            if not low.endswith(SUFFIXES):
                why = not_processed(name)
                if why and not low.endswith(TMP_SUFFIX):
                    notes.append(f"跳过「{rel}」：{why}")
                continue
            if low.endswith(TMP_SUFFIX) or ".bak." in low:
                notes.append(f"跳过本程序的临时文件或备份「{rel}」")
                continue
            refused = _not_a_plain_file(path, src)      # before our_output opens it: a FIFO would block the read
            if refused:
                notes.append(f"跳过「{rel}」：{refused}")
                continue
            why = our_output(path, files)
            if why:
                notes.append(f"跳过「{rel}」：{why}")
                continue
            found.append(Workbook(path, rel, output_rel(rel)))
        for d in dirs:
            if (here / d).is_symlink():
                notes.append(f"跳过链接文件夹「{(here / d).relative_to(src).as_posix()}」"
                             "（不进入链接，以免读到县域文件夹之外的文件）")
    if unreadable_dirs and not found and len(unreadable_dirs) == 1 and Path(unreadable_dirs[0]) == src:
        raise BatchError(f"无法读取输入文件夹：{src}", hint="请检查文件夹权限。")
    for d in unreadable_dirs:
        notes.append(f"无法进入子文件夹「{d}」（没有权限），其中的文件未处理{HINT}请检查该文件夹的权限，或把它复制到本机后再运行")
    books = _distinct_outputs(found)
    refuse_unsafe_targets(books, outdir)
    return books, notes


def _not_a_plain_file(path: Path, src: Path) -> str:
    """Why `path` must not be opened ("" when it is a regular file in the county folder).

    A FIFO or device named .xlsx would block or never end a read (a link to /dev/zero hangs the batch);
    a link leading outside the county folder would mail another folder's workbook without a word.
    """
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_relative_to(src):
                return (f"它是指向县域文件夹之外的链接（→ {target}），为安全起见不读取"
                        f"{HINT}如是学校的工作簿，请把文件本身复制到县域文件夹中，再重新运行")
            return f"它是指向「{target.relative_to(src).as_posix()}」的链接，按原文件处理，不重复计算{HINT}无需处理"
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as exc:          # a dangling or looping link, no permission
        return f"无法访问（{getattr(exc, 'strerror', None) or exc}）{HINT}请检查该文件的权限，或把它复制到本机后再运行"
    if not stat.S_ISREG(mode):
        return f"它不是普通文件（可能是管道、设备或文件夹），不读取{HINT}如是学校的工作簿，请把文件本身复制到该文件夹中"
    return ""


def our_output(path: Path, siblings: list[str]) -> str:
    """Why `path` is one of our outputs rather than a school's input ("" when it is an input).

    Decided by what the file holds, not by its name alone: a school may well send "学校_结果.xlsx".
    A result of `compute` carries our record (a custom XML part in our namespace) and sits beside the
    workbook it was computed from; 县汇总 says in its properties that we made it. A file with our record
    but no original beside it is a school that ran `compute` itself and sent us that file: an input.
    """
    stem = path.stem
    if path.name == SUMMARY_NAME:
        return "这是批处理生成的县汇总" if _holds(path, lambda n: n == "docprops/core.xml", b"xlrubric") else ""
    if not stem.endswith(RESULT_MARK):
        return ""
    original = stem[: -len(RESULT_MARK)]
    if not any(Path(s).stem == original and Path(s).suffix.lower() in SUFFIXES for s in siblings):
        return ""
    if not _holds(path, lambda n: n.startswith("customxml/item") and "props" not in n, RECORD_NS):
        return ""
    return f"这是 xlrubric compute 对「{original}」计算的结果文件（文件内有本程序的记录）"


def _holds(path: Path, member: Callable[[str], bool], needle: bytes, limit: int = 4096) -> bool:
    """Whether a zip member chosen by `member` (lower-case name) starts with `needle` in its first bytes.

    Reads at most `limit` bytes of small members, so a hostile package cannot make discovery slow.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist()[:10_000]:
                if member(info.filename.lower()) and info.file_size <= 64 << 20:
                    with zf.open(info) as fh:
                        if needle in fh.read(limit):
                            return True
    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError, NotImplementedError, EOFError):
        return False
    return False


def _distinct_outputs(books: list[Workbook]) -> list[Workbook]:
    """Give a .xls (.et) whose .xlsx output would clash with a sibling its own name (学校.xls → 学校_xls.xlsx)."""
    taken: dict[str, str] = {}
    out: list[Workbook] = []
    for wb in sorted(books, key=lambda b: (PurePosixPath(b.rel).suffix.lower() in LEGACY_SUFFIXES, b.rel)):
        key = wb.out_rel.casefold()
        if key in taken:
            p = PurePosixPath(wb.rel)
            wb = Workbook(wb.path, wb.rel, str(p.with_name(f"{p.stem}_{p.suffix.lstrip('.').lower()}.xlsx")))
            key = wb.out_rel.casefold()
        taken[key] = wb.rel
        out.append(wb)
    return sorted(out, key=lambda b: b.rel)


def no_workbooks_error(src: Path, notes: list[str]) -> BatchError:
    extra = f"（{notes[0].partition(HINT)[0]}等）" if notes else ""
    return BatchError(f"文件夹「{src}」及其子文件夹中没有找到工作簿（.xlsx / .xlsm / .xls / .et）{extra}",
                      hint="请确认路径是各学校工作簿所在的文件夹。")
