"""The command line's own frame in Chinese: help panels, the usage line and click's usage errors.

Typer and click write "Usage:", "Options", "Show this message and exit." and "Missing option" through
gettext, which picks a language from environment variables a Chinese Windows machine does not set, and
reads only compiled catalogues from disk. So the frame is set where the libraries let us set it: typer's
`rich_utils` panel texts (module settings it documents for customising), and command classes (`cls=`)
whose usage line, help option and usage errors speak Chinese. Our own messages were Chinese already.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from xlrubric.cli import HELP_OPTION_HELP

# The click typer runs on: click itself up to typer 0.2x, a copy inside typer since. Found through the
# public `typer.BadParameter`, so this module works with either.
UsageError: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")

USAGE = "用法："
HELP_TEXT = HELP_OPTION_HELP

PANEL_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "用法错误", "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。", "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]", "ENVVAR_STRING": "[环境变量：{}]", "DEPRECATED_STRING": "（已停用）",
}


def panel_texts() -> None:
    """Set typer's panel texts, only when help or an error is about to be printed.

    Importing `typer.rich_utils` costs about 0.15 s (rich's markdown and more): a command that just runs,
    like every click of the 计算考核 button, should not pay it.
    """
    import typer.rich_utils as ru

    for name, text in PANEL_TEXTS.items():
        setattr(ru, name, text)


# The value errors people meet (click's and pydantic's wording), in Chinese.
VALUE_ERRORS = (("valid integer", "应为整数"), ("valid number", "应为数字"), ("valid float", "应为数字"),
                ("does not exist", "文件或文件夹不存在"), ("is a directory", "这是文件夹，应为文件"),
                ("is a file", "这是文件，应为文件夹"), ("not in the range", "超出允许的范围"),
                ("is not one of", "不是可选的值之一"), ("greater than or equal", "太小"))


def _usage(text: str) -> str:
    return USAGE + text[len("Usage:"):] if text.startswith("Usage:") else text


def _hint(exc: Any) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    if hint:
        return hint if isinstance(hint, str) else " / ".join(hint)
    if param is not None:
        if getattr(param, "param_type_name", "") == "option":
            return " / ".join(param.opts)
        return (getattr(param, "metavar", None) or param.name or "").upper()
    return ""


def chinese_error(exc: Any) -> Any:
    """The same error with a Chinese message (the original is kept as its cause)."""
    panel_texts()
    kind_of = {c.__name__ for c in type(exc).__mro__}
    if "MissingParameter" in kind_of:
        kind = {"argument": "参数", "option": "选项"}.get(getattr(exc.param, "param_type_name", ""), "参数")
        message = f"缺少{kind} {_hint(exc)}"
    elif "NoSuchOption" in kind_of:
        message = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            message += f"（是不是：{'、'.join(sorted(exc.possibilities))}？）"
    elif "BadOptionUsage" in kind_of:
        message = f"选项 {exc.option_name} 用法不对：{exc.message}"
    elif "BadParameter" in kind_of:
        why = next((zh for en, zh in VALUE_ERRORS if en in exc.message), exc.message)
        message = f"{_hint(exc)} 的值不对：{why}"
    elif exc.message.startswith("No such command"):
        message = f"没有这个命令：{exc.message.partition(' command ')[2].rstrip('.')}"
    elif exc.message.startswith("Got unexpected extra argument"):
        message = f"多出了参数：{exc.message.partition('(')[2].rstrip(')')}"
    elif exc.message == "Missing command.":
        message = "缺少命令"
    else:
        return exc
    out = UsageError(message, ctx=exc.ctx)
    out.__cause__ = exc
    return out


class _Chinese:
    """What both command classes share: the usage line, the help option, usage errors."""

    def get_usage(self, ctx: Any) -> str:
        return _usage(super().get_usage(ctx))  # type: ignore[misc]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        panel_texts()
        return super().format_help(ctx, formatter)  # type: ignore[misc]

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc]
        except UsageError as exc:
            raise chinese_error(exc) from exc


class ChineseCommand(_Chinese, TyperCommand):
    """A typer command whose frame speaks Chinese."""


class ChineseGroup(_Chinese, TyperGroup):
    """A typer group whose frame speaks Chinese (also for an unknown command name)."""

    def resolve_command(self, ctx: Any, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            raise chinese_error(exc) from exc
