"""Options and error handling shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xlrubric.errors import XlrubricError
from xlrubric.safetext import terminal

# emoji=False: text from a school's file (names, sheets, cells) is shown as written — rich would otherwise turn
# ":smile:" in a file name into an emoji — and rich's emoji table (about 5 ms of import) is never loaded.
console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)

PresetOpt = Annotated[str | None, typer.Option("--preset", "-p", help="内置预设编号，如 lanxi4、xinghuo")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", "-r", help="规则文件（YAML，或含「考核细则」表的工作簿）")]
PasswordOpt = Annotated[str | None, typer.Option("--password", help="工作簿的打开密码")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn our own errors into a Chinese message and exit code; let real bugs surface."""
    try:
        yield
    except XlrubricError as exc:
        err_console.print(f"[bold red]错误[/]：{terminal(exc)}", highlight=False, markup=True)
        raise typer.Exit(exc.exit_code) from exc
    except KeyboardInterrupt:
        err_console.print("已中断。")
        raise typer.Exit(130) from None


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]错误[/]：{terminal(message)}", highlight=False)
    raise typer.Exit(code)


def run(fn: Callable[[], int | None]) -> None:
    with user_errors():
        code = fn() or 0
    if code:
        raise typer.Exit(code)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
