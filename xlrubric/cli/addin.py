"""`xlrubric addin build|install|uninstall`: the Excel add-in with the 计算考核 button.

Exit codes: 0 done; 2 error (file missing, Excel kept the file open, …); 3 no Excel on this machine —
nothing was changed and the steps that would have run are printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xlrubric.adapters import install as inst
from xlrubric.adapters import xlam
from xlrubric.cli.common import console, fail, run
from xlrubric.cli.zh import ChineseCommand, ChineseGroup

app = typer.Typer(name="addin", cls=ChineseGroup,
                  help="Excel 加载项（「校本研修」选项卡上的「计算考核」按钮）。", no_args_is_help=True)

DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="只列出将要做的事，不做任何改动")]


@app.command(cls=ChineseCommand, name="build")
def build_cmd(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出文件夹，默认是仓库的 macros/")] = None,
) -> None:
    """由 xlwings 自带的功能区加载项重新生成 xlrubric.xlam（只替换 customUI.xml），并导出 VBA 源码。"""

    def go() -> None:
        target = out or xlam.repo_macros_dir()
        if target is None:
            fail("找不到仓库的 macros/ 文件夹，请用 --out 指定输出文件夹")
        assert target is not None
        result = xlam.build(target)
        console.print(f"已生成加载项：{result.xlam}（xlwings {xlam.xlwings_version()}）", highlight=False)
        for f in result.vba_files:
            console.print(f"  VBA 源码：{f}", highlight=False)

    run(go)


@app.command(cls=ChineseCommand, name="install")
def install_cmd(
    file: Annotated[Path | None, typer.Option("--file", help="要安装的 .xlam，默认是 macros/xlrubric.xlam")] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """为当前用户安装加载项，并写入加载项要用的 Python 路径。退出码：0 完成；2 出错；3 本机没有 Excel（未做改动）。"""

    def go() -> int:
        plan = inst.Plan(inst.find_source(file), sys.executable)
        if dry_run or not inst.excel_installed():
            if not dry_run:
                console.print(inst.no_excel_message(), highlight=False)
            console.print("在装有 Excel 的电脑上，安装会：", highlight=False)
            console.print(f"（本机运行本命令的 Python 是 {plan.interpreter}）", highlight=False, markup=False)
            for line in plan.describe():
                console.print(line, highlight=False, markup=False)
            return 0 if dry_run else inst.EXIT_NO_EXCEL
        for line in inst.install(plan.source, plan.interpreter):
            console.print(line, highlight=False, markup=False)
        return 0

    run(go)


@app.command(cls=ChineseCommand, name="uninstall")
def uninstall_cmd(dry_run: DryRunOpt = False) -> None:
    """删除加载项和它的 Python 设置。退出码：0 完成；2 出错；3 本机没有 Excel（未做改动）。"""

    def go() -> int:
        plan = inst.Plan(None, sys.executable)
        if dry_run or not inst.excel_installed():
            if not dry_run:
                console.print(inst.no_excel_message(), highlight=False)
            console.print("在装有 Excel 的电脑上，卸载会：", highlight=False)
            for line in plan.describe(uninstall=True):
                console.print(line, highlight=False, markup=False)
            return 0 if dry_run else inst.EXIT_NO_EXCEL
        for line in inst.uninstall():
            console.print(line, highlight=False, markup=False)
        return 0

    run(go)
