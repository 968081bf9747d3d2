"""The typer side of the `xlrubric` command: the lazy group, its proxy commands and the root options.

Kept apart from `xlrubric/cli/__init__.py` so that `xlrubric --help` and `--version` answer without
importing typer (see `main` there); everything else comes through `app` below.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer

from xlrubric.cli import COMMANDS, ROOT_HELP, VERSION_HELP
from xlrubric.cli.zh import ChineseCommand, ChineseGroup


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
    help=ROOT_HELP,
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
        "--version", "-V", help=VERSION_HELP, callback=_show_version, is_eager=True)] = False) -> None:
    """校本研修考核：在学校自己的 Excel 工作簿里计算扣分、学时、达标与等次。"""
