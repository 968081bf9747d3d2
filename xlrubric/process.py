"""Process one workbook file end to end: read, resolve rules, compute, write the filled copy.

`xlrubric compute` and every batch worker (process pool or Dask) call `compute_file`, so a county
batch gives exactly what a director gets for her own school.
"""

from __future__ import annotations

from pathlib import Path

from xlrubric.errors import OutputError
from xlrubric.results import Results


def default_output(path: Path, kind: str | None = None) -> Path:
    """`学校_结果.xlsx` beside the input; a macro workbook keeps .xlsm whatever its name says."""
    macro = kind == "xlsm" if kind else path.suffix.lower() == ".xlsm"
    return path.with_name(f"{path.stem}_结果{'.xlsm' if macro else '.xlsx'}")


def refuse_stray_book(book) -> None:
    """A workbook with none of our sheets and no rules given is not a 校本研修 workbook: say so first, as the Excel
    and WPS buttons do, rather than ask for --preset (a school's own scoring sheet under another name still
    computes when --preset/--rules is given: compute_book looks for it then)."""
    from xlrubric.errors import MissingSheet
    from xlrubric.pipeline import KNOWN_SHEETS

    if not any(book.sheet(name) for name in KNOWN_SHEETS):
        raise MissingSheet(f"这不是校本研修工作簿：没有找到{'、'.join(KNOWN_SHEETS[:6])}等工作表"
                           f"（现有：{'、'.join(list(book.sheets)[:8])}）", file=book.name,
                           hint="用 xlrubric template 生成的模板填写数据；如果这是学校自己的评分表，"
                                "用 --preset 指定内置预设（如 --preset lanxi4）")


def compute_file(path: Path, out: Path | None = None, *, preset: str | None = None, rules: Path | None = None,
                 password: str | None = None, in_place: bool = False) -> tuple[Results, Path]:
    """Read, compute and write one workbook; the function `batch`, the CLI, `serve` and the add-in share. The
    cycle collector is paused for the whole call (`pipeline.quiet.quiet_gc`: the read, the engine and the write
    free what they make by reference counting)."""
    from xlrubric.pipeline.quiet import quiet_gc

    with quiet_gc():
        return _compute_file(path, out, preset=preset, rules=rules, password=password, in_place=in_place)


def _compute_file(path: Path, out: Path | None, *, preset: str | None, rules: Path | None, password: str | None,
                  in_place: bool) -> tuple[Results, Path]:
    from xlrubric.pipeline import compute_book, resolve_spec
    from xlrubric.readers.workbook import open_workbook
    from xlrubric.writers.output import write_output

    book = open_workbook(path, password=password)
    if preset is None and rules is None:
        refuse_stray_book(book)
    spec, source = resolve_spec(book, preset=preset, rules=rules)
    results = compute_book(book, spec, source)
    if in_place:
        target = path
    else:
        target = out or default_output(path, book.kind)
        if target.resolve() == path.resolve():
            raise OutputError("输出文件不能与原文件相同；如确要写回原文件，请使用 --in-place（会先备份）",
                              file=path.name)
    target = write_output(path, book, results, target, in_place=in_place, password=password)
    return results, target
