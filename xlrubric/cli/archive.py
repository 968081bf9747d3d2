"""`xlrubric archive FILE --out DIR`: each teacher's printable 培训档案 and the school's 学时统计一览表."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlrubric.cli.common import PasswordOpt, PresetOpt, RulesOpt, console, run
from xlrubric.errors import XlrubricError
from xlrubric.safetext import terminal


def archive(
    file: Annotated[Path, typer.Argument(help="学校的工作簿（含教师名册、学时登记，可含签到登记）")],
    out: Annotated[Path, typer.Option("--out", "-o", help="档案输出文件夹")] = Path("培训档案"),
    preset: PresetOpt = None,
    rules: RulesOpt = None,
    password: PasswordOpt = None,
) -> None:
    """生成培训档案：每位教师的培训记录（参培教师、培训内容、培训形式、培训时间、授课教师、培训结果）、考勤、
    学时与达标情况，以及全校学时统计一览表；A4 打印，带页眉页码。原工作簿不变。"""

    def go() -> int:
        from xlrubric.pipeline import resolve_spec
        from xlrubric.pipeline.archive import gather
        from xlrubric.readers.workbook import open_workbook
        from xlrubric.writers.archive import write_archive

        if not file.exists():
            raise XlrubricError("文件不存在", file=str(file))
        book = open_workbook(file, password=password)
        spec, source = resolve_spec(book, preset=preset, rules=rules)
        arc = gather(book, spec, source)
        target = write_archive(arc, out)
        console.print(f"已生成 {len(arc.teachers)} 位教师的培训档案：{terminal(target)}", highlight=False)
        return 0

    run(go)
