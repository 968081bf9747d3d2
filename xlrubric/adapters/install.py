"""Install / uninstall the 计算考核 add-in for the current user, or say what that would do.

Copying the .xlam into Excel's startup folder (XLSTART) is xlwings' own add-in installer
(`xlwings addin install --file …`, called in-process): it asks Excel where that folder is, closes an
open copy first and, on macOS, also installs the AppleScript that RunPython needs. Our part is the
one setting the add-in cannot guess — which Python to start — written to the add-in's user config file
(see `xlam.CONFIG_PATHS`) as a line `"INTERPRETER_WIN","C:\\…\\python.exe"`, the format its VBA reads
with `Input #`. Other lines in that file are kept.

Without Excel (Linux, or a Windows/macOS machine without Office) nothing is changed: `Plan.describe()`
is printed instead, in Chinese, with the real paths.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from xlrubric.adapters import xlam
from xlrubric.errors import XlrubricError

EXIT_OK, EXIT_ERROR, EXIT_NO_EXCEL = 0, 2, 3       # 3: neither Excel nor WPS here, nothing changed
STARTUP_HINT = {
    "win": r"%APPDATA%\Microsoft\Excel\XLSTART",
    "mac": "~/Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel",
}


def platform_key() -> str | None:
    if sys.platform.startswith("win"):
        return "win"
    if sys.platform == "darwin":
        return "mac"
    return None


def excel_installed() -> bool:
    """Whether Microsoft Excel is installed for this user (never starts it)."""
    key = platform_key()
    if key == "win":
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application\CurVer"):
                return True
        except OSError:
            return False
    if key == "mac":
        return any(Path(p).exists() for p in ("/Applications/Microsoft Excel.app",
                                              str(Path.home() / "Applications/Microsoft Excel.app")))
    return False


def config_path(key: str) -> Path:
    if key == "win":
        return Path(os.environ.get("USERPROFILE", str(Path.home()))) / ".myaddin" / "myaddin.conf"
    return Path.home() / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "myaddin.conf"


def config_line(key: str, interpreter: str) -> str:
    return f'"{xlam.INTERPRETER_KEYS[key]}","{interpreter}"'


@dataclass
class Plan:
    """What install/uninstall does on this machine."""

    source: Path | None            # the .xlam to copy (install only)
    interpreter: str

    def describe(self, *, uninstall: bool = False) -> list[str]:
        lines = []
        n = 1
        for key, system in (("win", "Windows"), ("mac", "macOS")):
            here = platform_key() == key
            conf = config_path(key) if here else xlam.CONFIG_PATHS[key]
            interp = self.interpreter if here else "<在那台电脑上运行本命令的 Python 的完整路径>"
            if platform_key() and not here:
                continue
            lines.append(f"【{system}】")
            if uninstall:
                lines.append(f"  {n}. 用 xlwings 的加载项安装程序（xlwings addin remove --file {xlam.ADDIN_NAME}）"
                             f"从 Excel 的启动文件夹删除 {xlam.ADDIN_NAME}（通常是 {STARTUP_HINT[key]}）")
                lines.append(f"  {n + 1}. 从设置文件 {conf} 中删除这一行：{config_line(key, interp)}")
            else:
                source = self.source or f"（安装时由 xlwings {xlam.xlwings_version()} 自带的功能区加载项生成）"
                lines.append(f"  {n}. 用 xlwings 的加载项安装程序（xlwings addin install --file …）把加载项\n"
                             f"     {source}\n"
                             f"     复制到 Excel 的启动文件夹（由 Excel 报告，通常是 {STARTUP_HINT[key]}），"
                             "以后每次打开 Excel 都会出现「校本研修」选项卡")
                if key == "mac":
                    lines.append("     （macOS 上同时安装 RunPython 需要的 AppleScript："
                                 f"~/Library/Application Scripts/com.microsoft.Excel/xlwings-{xlam.xlwings_version()}"
                                 ".applescript）")
                lines.append(f"  {n + 1}. 在设置文件 {conf} 中写入这一行（告诉加载项用哪个 Python）：\n"
                             f"     {config_line(key, interp)}")
        return lines


def find_source(file: Path | None, *, build: bool = True) -> Path | None:
    """The add-in to install: `--file`, else the one shipped in the wheel (xlrubric/_addins) or checked in
    (macros/) when it carries the installed xlwings' VBA, else a fresh build from the installed xlwings (in
    ~/.xlrubric/addin) — or None with `build=False` (--dry-run writes nothing, so it builds nothing)."""
    if file is not None:
        if not file.is_file():
            raise XlrubricError("加载项文件不存在", file=str(file))
        return file
    packaged = Path(__file__).resolve().parents[1] / "_addins"
    for folder in (packaged, xlam.repo_macros_dir()):
        if folder is not None and xlam.matches_installed_xlwings(folder / xlam.ADDIN_NAME):
            return folder / xlam.ADDIN_NAME
    if not build:
        return None
    return xlam.build(Path.home() / ".xlrubric" / "addin", vba=False).xlam


def set_interpreter(path: Path, key: str, interpreter: str | None) -> None:
    """Write (or, with None, remove) our interpreter line, keeping every other line of the file."""
    name = xlam.INTERPRETER_KEYS[key]
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    kept = [ln for ln in lines if not ln.strip().strip('"').upper().startswith(name + '"')]
    if interpreter is not None:
        kept.append(config_line(key, interpreter))
    if kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    elif path.exists():
        path.unlink()


def _xlwings_args(file: str) -> argparse.Namespace:
    return argparse.Namespace(file=file, dir=None, glob=False)


def install(source: Path, interpreter: str) -> list[str]:
    """Install for real (Excel present); return the Chinese lines to print."""
    import xlwings.cli as xwcli

    key = platform_key()
    assert key is not None
    target = Path(xwcli.get_addin_dir()) / xlam.ADDIN_NAME
    xwcli.addin_install(_xlwings_args(str(source)))
    if not target.is_file():
        raise XlrubricError(f"没能把加载项复制到 {target}。请先完全退出 Excel，再运行一次本命令", file=source.name)
    set_interpreter(config_path(key), key, interpreter)
    return [f"已安装加载项：{target}",
            f"已写入设置：{config_path(key)}：{config_line(key, interpreter)}",
            "请重新打开 Excel，在「校本研修」选项卡上点「计算考核」。"]


def uninstall() -> list[str]:
    import xlwings.cli as xwcli

    key = platform_key()
    assert key is not None
    target = Path(xwcli.get_addin_dir()) / xlam.ADDIN_NAME
    if target.exists():
        xwcli.addin_remove(_xlwings_args(xlam.ADDIN_NAME))
    if target.exists():
        raise XlrubricError(f"没能删除 {target}。请先完全退出 Excel，再运行一次本命令")
    set_interpreter(config_path(key), key, None)
    return [f"已删除加载项：{target}", f"已从 {config_path(key)} 删除 Python 设置。"]


def no_excel_message() -> str:
    system = {"win": "Windows", "mac": "macOS"}.get(platform_key() or "", sys.platform.capitalize())
    return f"这台电脑上没有找到 Microsoft Excel（当前系统：{system}），没有做任何改动。"
