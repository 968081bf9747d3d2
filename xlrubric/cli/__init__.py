"""The `xlrubric` command: one thin module per command, all registered on one typer app.

Commands catch only `XlrubricError` (the Chinese message is printed, exit 2); anything else is a bug.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from xlrubric.cli.zh import ChineseCommand, ChineseGroup

app = typer.Typer(
    name="xlrubric",
    cls=ChineseGroup,
    help="校本研修考核：在学校自己的 Excel 工作簿里计算扣分、学时、达标与等次。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, function, command name). Modules are imported here, not lazily per call, so `--help` lists all.
COMMANDS = [
    ("compute", "compute", "compute"),
    ("lint", "lint", "lint"),
    ("template", "template", "template"),
    ("check_preserved", "check_preserved_cmd", "check-preserved"),
    ("archive", "archive", "archive"),
    ("batch", "batch", "batch"),
    ("mail", "mail", "mail"),
]
SUBAPPS = [("rules", "app", "rules"), ("addin", "app", "addin")]


def _load(module: str):
    try:
        return importlib.import_module(f"xlrubric.cli.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"xlrubric.cli.{module}":
            return None      # a command still being built
        raise


for _module, _func, _name in COMMANDS:
    _mod = _load(_module)
    if _mod is not None:
        app.command(_name, cls=ChineseCommand)(getattr(_mod, _func))
for _module, _attr, _name in SUBAPPS:
    _mod = _load(_module)
    if _mod is not None:
        app.add_typer(getattr(_mod, _attr), name=_name)


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
