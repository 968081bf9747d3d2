"""The `xlrubric` command: one thin module per command, loaded only when that command runs.

Why a lazy group: importing every command module to register it cost about 0.45 s before any work
(openpyxl, the spec loader, pandas through the pipeline) — paid on every click of the Excel button and on
every `--help`. Here `COMMANDS` names each command's module and its one-line help, so `xlrubric --help`
lists them without importing any; the module is imported when its command is invoked (or its own `--help`
is asked for). click's documented LazyGroup pattern imports in `get_command`, which typer's help panel
calls for every command; a small proxy command keeps the listing free. Both the proxy and the real
command use the Chinese command classes of `cli/zh.py`, and `--version` imports nothing heavy.

Commands catch only `XlrubricError` (the Chinese message is printed, exit 2); anything else is a bug.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from xlrubric.cli.zh import ChineseCommand, ChineseGroup

# name -> (module under xlrubric.cli, attribute, kind, one-line help). kind "command" is a function,
# "group" a typer app of sub-commands.
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "compute": ("compute", "compute", "command", "计算一个学校工作簿：写出带结果表的副本，原文件不变。"),
    "lint": ("lint", "lint", "command", "检查考核细则：矛盾、歧义、等次空档，以及本细则的选择。"),
    "template": ("template", "template", "command", "生成学校填写用的空白工作簿。"),
    "check-preserved": ("check_preserved", "check_preserved_cmd", "command",
                        "检查结果文件是否完整保留了原工作簿的全部内容。"),
    "archive": ("archive", "archive", "command", "生成每位教师的培训档案和全校学时统计一览表。"),
    "batch": ("batch", "batch", "command", "批量计算一个县（区）文件夹中所有学校的工作簿，生成县汇总。"),
    "mail": ("mail", "mail", "command", "把每所学校的结果工作簿发回学校，每所学校只发一次。"),
    "serve": ("serve", "serve", "command", "在本机打开校本研修考核页面（不用命令行）；WPS 按钮也用它。"),
    "bundle": ("bundle", "bundle", "command", "生成离线安装包（含加载项和双击安装程序）。"),
    "rules": ("rules", "app", "group", "考核细则：导入学校自己的细则，或导出为表格。"),
    "addin": ("addin", "app", "group", "安装 Excel 与 WPS 的「计算考核」按钮。"),
}


def load_command(name: str):
    """Import the module of one command and build its click command."""
    module, attr, kind, _help = COMMANDS[name]
    obj = getattr(importlib.import_module(f"xlrubric.cli.{module}"), attr)
    if kind == "group":
        return typer.main.get_group(obj)     # a group even when it has one sub-command today
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name, cls=ChineseCommand)(obj)     # usage line, help option and usage errors in Chinese
    return typer.main.get_command(single)


class LazyCommand(ChineseCommand):
    """Stands in for a command in help listings; hands over to the real one when it is invoked."""

    def __init__(self, name: str, short_help: str) -> None:
        super().__init__(name=name, short_help=short_help, help=short_help)
        self._real: Any = None

    def real(self):
        if self._real is None:
            self._real = load_command(self.name)
            self._real.name = self.name
        return self._real

    def make_context(self, info_name, args, parent=None, **extra):
        return self.real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return self.real().invoke(ctx)


class LazyGroup(ChineseGroup):
    """The top-level group: lists `COMMANDS` and resolves each to a `LazyCommand`."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in COMMANDS:
            return None
        cached = self.commands.get(cmd_name)
        if cached is None:
            cached = self.commands[cmd_name] = LazyCommand(cmd_name, COMMANDS[cmd_name][3])
        return cached


app = typer.Typer(
    name="xlrubric",
    cls=LazyGroup,
    help="校本研修考核：在学校自己的 Excel 工作簿里计算扣分、学时、达标与等次。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _show_version(value: bool) -> None:
    if value:
        from xlrubric import __version__

        typer.echo(f"xlrubric {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", "-V", help="显示版本号并退出", callback=_show_version, is_eager=True)] = False) -> None:
    """校本研修考核：在学校自己的 Excel 工作簿里计算扣分、学时、达标与等次。"""


def main() -> None:
    app()
