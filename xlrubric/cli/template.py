"""`xlrubric template`: write the blank workbook a school fills in, for a preset or a rules file.

`--all FOLDER` regenerates the checked-in `workbook_templates/<preset>.xlsx` for every built-in preset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlrubric.cli.common import console, fail, run
from xlrubric.cli.rules import load_target
from xlrubric.writers.template import STYLES, write_all_templates, write_template


def template(
    target: Annotated[str | None, typer.Argument(
        help="预设编号（如 lanxi4），或规则文件（YAML / 含「考核细则」表的工作簿）")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出的模板文件（.xlsx）")] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", "-r", help="规则文件：YAML，或含「考核细则」表的工作簿（如 rules import 的输出）")] = None,
    all_to: Annotated[Path | None, typer.Option("--all", help="为每个内置预设生成模板，写到此文件夹")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
    style: Annotated[str, typer.Option("--style", help="评分表的样式：扣分事项（每个扣分事项一列，填次数）"
                                       "或 评分（每个考核项目一列，填打的分）")] = "扣分事项",
) -> None:
    """生成学校填写用的空白工作簿：填写说明、基本信息、教师名册、考核记录、登记表和考核细则。"""

    def go() -> None:
        if all_to is not None:
            for path in write_all_templates(all_to, force=force):
                console.print(f"已生成模板：{path}", highlight=False)
            return
        if target is not None and rules is not None:
            fail("预设编号和 --rules 只能给一个")
        source = str(rules) if rules is not None else target
        if source is None or output is None:
            fail("请给出预设编号（或 --rules 规则文件）和输出文件，如：xlrubric template lanxi4 -o 我校.xlsx、"
                 "xlrubric template --rules 本校细则.xlsx -o 我校.xlsx（或用 --all 文件夹 为全部预设生成模板）")
        assert source is not None and output is not None
        if output.suffix.lower() != ".xlsx":
            fail(f"模板只能保存为 .xlsx 文件：{output}")
        if style not in STYLES:
            fail(f"--style 只能是“扣分事项”或“评分”，填的是「{style}」")
        path = write_template(load_target(source), output, force=force, style=STYLES[style])
        console.print(f"已生成模板：{path}", highlight=False)

    run(go)
