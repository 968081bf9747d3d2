"""The 校本研修考核 desktop shortcut: double-click → the service starts if needed → the page opens.

Every platform's shortcut runs the same command, `<this python> -m xlrubric serve --open`, which opens
the running service's page or starts one (see `server.serve`). Hand-written because each format is a
few lines and no maintained library writes all three: a freedesktop `.desktop` entry on Linux, a
`.command` script on macOS, and on Windows a `.vbs` launched by Windows Script Host, which starts
`pythonw` without a console window (a `.lnk` needs COM, a `.url` cannot start a program).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from xlrubric.serve.discovery import DEFAULT_PORT

NAME = "校本研修考核"
_USER_DIRS_LINE = re.compile(r'^\s*XDG_DESKTOP_DIR\s*=\s*"?(.*?)"?\s*$')


def _expand(value: str) -> Path:
    return Path(os.path.expandvars(value.replace("$HOME", str(Path.home())))).expanduser()


def desktop_dir() -> Path:
    """The user's desktop: XDG_DESKTOP_DIR (env, then ~/.config/user-dirs.dirs), ~/桌面, ~/Desktop."""
    home = Path.home()
    if os.environ.get("XDG_DESKTOP_DIR"):
        return _expand(os.environ["XDG_DESKTOP_DIR"])
    if sys.platform.startswith("linux"):
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
        try:
            for line in config.read_text(encoding="utf-8").splitlines():
                m = _USER_DIRS_LINE.match(line)
                if m and m.group(1):
                    return _expand(m.group(1))
        except OSError:
            pass
    if os.name == "nt":
        for base in (os.environ.get("ONEDRIVE"), os.environ.get("USERPROFILE")):
            if base and (Path(base) / "Desktop").is_dir():
                return Path(base) / "Desktop"
    for name in ("桌面", "Desktop"):
        if (home / name).is_dir():
            return home / name
    return home / "Desktop"


def command(port: int = DEFAULT_PORT, python: str | None = None) -> list[str]:
    """The command every shortcut runs."""
    python = python or sys.executable
    if os.name == "nt":
        windowless = Path(python).with_name("pythonw.exe")
        python = str(windowless) if windowless.exists() else python
    args = [python, "-m", "xlrubric", "serve", "--open"]
    return args + (["--port", str(port)] if port != DEFAULT_PORT else [])


def _desktop_quote(arg: str) -> str:
    """Quote one argument for a .desktop Exec line (freedesktop Desktop Entry spec, "The Exec key")."""
    if arg and not re.search(r'[\s"\'\\><~|&;$*?#()`%=]', arg):
        return arg
    escaped = re.sub(r'(["`$\\])', r"\\\1", arg)
    return f'"{escaped}"'.replace("%", "%%")


def desktop_entry(cmd: list[str]) -> str:
    exec_line = " ".join(_desktop_quote(a) for a in cmd)
    return ("[Desktop Entry]\nType=Application\nVersion=1.0\n"
            f"Name={NAME}\nComment=在本机打开校本研修考核页面（数据不离开这台电脑）\n"
            f"Exec={exec_line}\nIcon=x-office-spreadsheet\nTerminal=false\nCategories=Office;Education;\n")


def mac_command(cmd: list[str]) -> str:
    import shlex

    return f"#!/bin/bash\n# {NAME}：启动服务（如未运行）并打开页面\nexec {shlex.join(cmd)}\n"


def windows_vbs(cmd: list[str]) -> str:
    line = " ".join(f'""{a}""' if (" " in a or not a) else a for a in cmd)
    return (f"' {NAME}：启动服务（如未运行）并打开页面；没有黑色命令窗口\r\n"
            f'CreateObject("WScript.Shell").Run "{line}", 0, False\r\n')


def install_shortcut(port: int = DEFAULT_PORT, folder: Path | None = None) -> Path:
    """Write the platform's shortcut on the desktop (replacing an older one) and return its path."""
    folder = folder or desktop_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cmd = command(port)
    if os.name == "nt":
        path, data = folder / f"{NAME}.vbs", windows_vbs(cmd).encode("utf-16")   # WSH reads UTF-16 with BOM
    elif sys.platform == "darwin":
        path, data = folder / f"{NAME}.command", mac_command(cmd).encode("utf-8")
    else:
        path, data = folder / f"{NAME}.desktop", desktop_entry(cmd).encode("utf-8")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    if os.name != "nt":
        tmp.chmod(0o755)            # GNOME and macOS run only executable launchers
    os.replace(tmp, path)
    return path
