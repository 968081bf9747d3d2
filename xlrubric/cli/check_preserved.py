"""`xlrubric check-preserved ORIGINAL OUTPUT`: show what (if anything) an output lost of the original.

Thin on purpose: the oracle is `xlrubric.ooxml.preserve.check_preserved`; this prints its report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xlrubric.ooxml.preserve import check_preserved
from xlrubric.safetext import terminal


def check_preserved_cmd(
    original: Annotated[Path, typer.Argument(help="学校的原始工作簿", exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Argument(help="写入结果后的工作簿", exists=True, dir_okay=False)],
) -> None:
    """检查输出的工作簿是否完整保留了原工作簿的全部内容（部件、关系、工作表、格式、宏、图片等）。"""
    console = Console(emoji=False)      # part names come from the school's file: shown as written
    try:
        report = check_preserved(original, output)
    except Exception as exc:      # a corrupt zip or XML is a finding, not a crash
        console.print(f"[bold red]无法比较[/]：{terminal(exc)}", highlight=False)
        raise typer.Exit(2) from exc
    table = Table(title=terminal(f"保留检查：{original.name} → {output.name}"), show_lines=False)
    table.add_column("结果")
    table.add_column("说明")
    for problem in report.problems:
        table.add_row("[red]丢失[/]", terminal(problem))        # part and sheet names come from the school's file
    for name in report.changed:
        table.add_row("改动（允许）", terminal(name))
    for name in report.added:
        table.add_row("新增", terminal(name))
    console.print(table)
    if report.ok:
        console.print("[green]未发现丢失：原工作簿的全部部件都在，未允许改动的部件逐字节相同。[/]")
        return
    console.print(f"[bold red]发现 {len(report.problems)} 处丢失或改动。[/]")
    raise typer.Exit(1)
