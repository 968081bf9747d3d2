"""The `xlrubric` command: one thin module per command, loaded only when that command runs.

Why a lazy group: importing every command module to register it cost about 0.45 s before any work
(openpyxl, the spec loader, pandas through the pipeline) — paid on every click of the Excel button and on
every `--help`. Here `COMMANDS` names each command's module and its one-line help, so `xlrubric --help`
lists them without importing any; the module is imported when its command is invoked (or its own `--help`
is asked for). click's documented LazyGroup pattern imports in `get_command`, which typer's help panel
calls for every command; a small proxy command keeps the listing free. Both the proxy and the real
command use the Chinese command classes of `cli/zh.py`, and `--version` imports nothing heavy.

`xlrubric --help` and `xlrubric --version` are answered here without importing typer at all (typer,
click and rich cost about 0.2 s, four times the interpreter's own start): the listing is printed from
`COMMANDS` in plain text. Any other argument line, including a command's own `--help`, goes to typer
(`cli/group.py`), which prints the same listing in its panels when asked through it.

Commands catch only `XlrubricError` (the Chinese message is printed, exit 2); anything else is a bug.
"""

from __future__ import annotations

import sys
from typing import Any

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


ROOT_HELP = "校本研修考核：在学校自己的 Excel 工作簿里计算扣分、学时、达标与等次。"
VERSION_HELP = "显示版本号并退出"
HELP_OPTION_HELP = "显示本帮助并退出"
_TYPER_NAMES = ("app", "load_command", "LazyCommand", "LazyGroup")


def __getattr__(name: str) -> Any:
    """`app` and the group classes, built on first use (importing typer only then)."""
    if name in _TYPER_NAMES:
        from xlrubric.cli import group

        return getattr(group, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def root_help() -> str:
    """The top-level help as plain text, from the same table and words typer's panels use."""
    width = max(len(n) for n in COMMANDS) + 2
    lines = ["用法： xlrubric [选项] 命令 [参数]...", "", f"  {ROOT_HELP}", "", "选项：",
             f"  {'--version, -V':<{width}} {VERSION_HELP}", f"  {'--help':<{width}} {HELP_OPTION_HELP}", "", "命令："]
    lines += [f"  {name:<{width}} {entry[3]}" for name, entry in COMMANDS.items()]
    lines += ["", "每个命令的用法：xlrubric 命令 --help"]
    return "\n".join(lines) + "\n"


def quick_answer(argv: list[str]) -> str | None:
    """What `xlrubric ARGV` prints when typer is not needed for it (top-level help, version); else None."""
    if argv == ["--help"]:
        return root_help()
    if argv in (["--version"], ["-V"]):
        from xlrubric import __version__

        return f"xlrubric {__version__}\n"
    return None


# Python's cyclic garbage collector runs after every 700 new container objects. Importing pandas, pandera and
# pydantic and computing one workbook creates a few hundred thousand, so `xlrubric compute samples/lanxi4.xlsx`
# spent about a tenth of its CPU (0.25 s of 2.3 s, measured under load) in 260 collections that re-scanned the
# long-lived module objects and freed 1,950 objects in all. A command that ends when its work is done raises
# the first threshold, as mypy does for the same reason: no collection at all on lanxi4, peak memory +1–2 MB
# (measured up to a 2,000-teacher, 20,000-row workbook). When such a command is done, everything still alive is
# frozen: the interpreter's exit then skips one last full collection over ~100,000 objects (0.13 s under load),
# which could only find cycles among objects the process is about to drop anyway (non-cyclic ones are still
# released, and atexit handlers and finalizers registered with weakref.finalize still run). `serve` runs for
# hours and keeps Python's defaults.
GC_THRESHOLD = (200_000, 30, 30)
LONG_RUNNING = frozenset({"serve"})


def tune_gc(argv: list[str]) -> bool:
    """Collect garbage less often in a command that ends when its work is done (see GC_THRESHOLD)."""
    if argv and argv[0] not in LONG_RUNNING:
        import gc

        gc.set_threshold(*GC_THRESHOLD)
        return True
    return False


def main() -> None:
    text = quick_answer(sys.argv[1:])
    if text is not None:
        sys.stdout.write(text)
        return
    one_shot = tune_gc(sys.argv[1:])
    from xlrubric.cli.group import app

    try:
        app()
    finally:
        if one_shot:
            import gc

            gc.freeze()
