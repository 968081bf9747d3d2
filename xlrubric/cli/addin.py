"""`xlrubric addin build|install|uninstall`: the 计算考核 button in Excel (xlwings .xlam) and in WPS (JS 加载项).

install/uninstall handle both add-ins, each where its office suite is found. Exit codes: 0 done; 2 error
(file missing, Excel kept the file open, a broken publish.xml, …); 3 neither Excel nor WPS on this machine —
nothing was changed and the steps that would have run are printed. `--dry-run` writes nothing at all.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xlrubric.adapters import install as inst
from xlrubric.adapters import wps, xlam
from xlrubric.cli.common import console, fail, run
from xlrubric.cli.zh import ChineseCommand, ChineseGroup

app = typer.Typer(name="addin", cls=ChineseGroup,
                  help="Excel 与 WPS 加载项（「校本研修」选项卡上的「计算考核」按钮）。", no_args_is_help=True)

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


def _print(lines: list[str]) -> None:
    for line in lines:
        console.print(line, highlight=False, markup=False)


def _excel_part(file: Path | None, *, uninstall: bool, dry_run: bool) -> tuple[list[str], bool]:
    """The Excel add-in's lines and whether it was changed (xlwings' installer into XLSTART)."""
    lines = ["【Excel 加载项】"]
    present = inst.excel_installed()
    if dry_run or not present:
        if not present:
            lines.append(inst.no_excel_message())
        plan = inst.Plan(None if uninstall else inst.find_source(file, build=False), sys.executable)
        lines.append(f"在装有 Excel 的电脑上，{'卸载' if uninstall else '安装'}会："
                     + ("" if uninstall else f"（本机运行本命令的 Python 是 {plan.interpreter}）"))
        lines += plan.describe(uninstall=uninstall)
        return lines, False
    if uninstall:
        return lines + inst.uninstall(), True
    source = inst.find_source(file)
    assert source is not None
    return lines + inst.install(source, sys.executable), True


def _wps_part(*, uninstall: bool, dry_run: bool) -> tuple[list[str], bool]:
    """The WPS 加载项's lines and whether it was changed (a folder and an entry in publish.xml)."""
    lines = ["【WPS 加载项】"]
    plan = wps.plan(with_source=not uninstall)
    present = wps.wps_installed()
    if dry_run or not present:
        if not present:
            lines.append(f"这台电脑上没有找到 WPS Office（没有 {plan.jsaddons.parent}），没有做任何改动。")
        lines.append(f"在装有 WPS 的电脑上，{'卸载' if uninstall else '安装'}会：")
        return lines + plan.describe(uninstall=uninstall), False
    return lines + (wps.uninstall(plan) if uninstall else wps.install(plan)), True


def _both(file: Path | None, *, uninstall: bool, dry_run: bool) -> int:
    if dry_run:
        console.print("只列出将要做的事（--dry-run），没有做任何改动。", highlight=False)
    excel_lines, excel_done = _excel_part(file, uninstall=uninstall, dry_run=dry_run)
    _print(excel_lines)                     # before WPS's part, which may still fail
    wps_lines, wps_done = _wps_part(uninstall=uninstall, dry_run=dry_run)
    _print(wps_lines)
    if dry_run or excel_done or wps_done:
        return 0
    return inst.EXIT_NO_EXCEL


@app.command(cls=ChineseCommand, name="install")
def install_cmd(
    file: Annotated[Path | None, typer.Option("--file", help="要安装的 .xlam，默认是随 xlrubric 安装的那一个")] = None,
    dry_run: DryRunOpt = False,
) -> None:
    """为当前用户安装 Excel 加载项和 WPS 加载项（本机有哪个装哪个），并写入它们要用的 Python 和本机服务设置。

    退出码：0 完成；2 出错；3 本机既没有 Excel 也没有 WPS（未做改动）。
    """
    run(lambda: _both(file, uninstall=False, dry_run=dry_run))


@app.command(cls=ChineseCommand, name="uninstall")
def uninstall_cmd(dry_run: DryRunOpt = False) -> None:
    """删除 Excel 加载项和 WPS 加载项及其设置。退出码：0 完成；2 出错；3 本机既没有 Excel 也没有 WPS（未做改动）。"""
    run(lambda: _both(None, uninstall=True, dry_run=dry_run))
