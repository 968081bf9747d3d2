"""One fresh `xlrubric compute` process cut into phases: CPU seconds of each, printed as one JSON line.

Run by `bench_startup.py` (in a fresh interpreter each time, with .pyc present) to say what each remaining
piece of a compute costs. It does what `xlrubric compute FILE -o OUT` does, in the CLI's own order, but
imports each heavy library on its own first so that its cost is named: the same modules end up loaded and
the same work is done, only the attribution differs (pandas imported inside `xlrubric.pipeline` would
otherwise count as "ours"). `typer dispatch` is the command line parsed and the compute command called
through the lazy typer group on a missing file (it stops at the file check).

Usage: python benchmarks/startup_phases.py BOOK.xlsx OUT.xlsx
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

MARKS: list[tuple[str, float]] = [("", time.process_time())]


def mark(name: str) -> None:
    MARKS.append((name, time.process_time()))


def main() -> None:
    book_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    import xlrubric.cli

    getattr(xlrubric.cli, "tune_gc", lambda argv: None)(["compute"])    # as `main()` does (older code: no-op)
    mark("cli (light)")
    from xlrubric.cli.group import app
    mark("typer + click + cli.group")
    import xlrubric.cli.compute  # noqa: F401
    mark("cli.compute (rich.table, process)")
    import pydantic.main  # noqa: F401
    mark("pydantic (typer's adapters and our spec)")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit, Exception):
        app(["compute", str(book_path.with_name("不存在.xlsx"))], standalone_mode=False)
    mark("typer dispatch")
    import pandas  # noqa: F401
    mark("pandas")
    import pandera.pandas  # noqa: F401
    mark("pandera")
    import xlrubric.spec.model  # noqa: F401
    mark("spec models (pydantic classes built)")
    from xlrubric.pipeline import compute_book, resolve_spec
    from xlrubric.readers.workbook import open_workbook
    from xlrubric.writers.output import write_output
    mark("pipeline, readers, writers (ours)")
    import xlrubric.ooxml.package  # noqa: F401
    mark("ooxml (the editor)")
    book = open_workbook(book_path)
    mark("open_workbook")
    spec, source = resolve_spec(book)
    mark("resolve_spec")
    results = compute_book(book, spec, source)
    mark("compute_book")
    target = write_output(book_path, book, results, out_path, in_place=False, password=None)
    mark("write_output")
    from xlrubric.cli.compute import show_summary

    with contextlib.redirect_stdout(io.StringIO()):
        show_summary(results, target)
    mark("show_summary")
    print(json.dumps({name: t - MARKS[i][1] for i, (name, t) in enumerate(MARKS[1:])}, ensure_ascii=False))


if __name__ == "__main__":
    main()
