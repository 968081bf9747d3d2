"""Install / uninstall the WPS 加载项 (JS add-in, `macros/wps/`) for the current user, or describe that.

WPS looks for a user's add-ins in its `jsaddons` folder:
- Windows `%APPDATA%\\kingsoft\\wps\\jsaddons`, WPS for Linux `~/.local/share/Kingsoft/wps/jsaddons` — the two
  folders WPS's own deployment guide names for the `publish.xml` it generates (wpsjs「publish 模式」:「本地自动
  生成 publish.xml 文件 window：%appdata%/kingsoft/wps/jsaddons，linux: ~/.local/share/Kingsoft/wps/jsaddons」);
- macOS `~/Library/Containers/com.kingsoft.wpsoffice.mac/Data/.kingsoft/wps/jsaddons` (the public add-in
  tankwyn/WPS-Zotero, install.py).
An offline add-in is a folder `<name>_<version>` in that folder plus one entry in `publish.xml`:
`<jsplugins><jsplugin name="…" type="et" url="<name>_<version>" version="…" enable="enable_dev"
install="null" customDomain=""/></jsplugins>` (`type="et"` = WPS 表格). This is the form public installers
write (WPS-Zotero install.py; WPS-addin Linux installers that copy `<name>_<version>` and add that line),
and WPS reads the file at start-up. Other add-ins' entries in publish.xml are kept as they are.

Next to the add-in's files we write `config.js`: the service's port, this install's token
(`serve.discovery.get_token()`) and the command that starts the service (`"<python>" -m xlrubric serve`),
which the button runs through `wps.OAAssist.ShellExecute` when the service is not answering.

`plan()` computes every path without touching the disk, so `--dry-run` writes nothing at all.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from xlrubric import __version__
from xlrubric.errors import XlrubricError
from xlrubric.serve import discovery

ADDIN_NAME = "xlrubric"
ADDIN_TYPE = "et"                              # WPS 表格
SERVE_ARGS = "-m xlrubric serve"
CONFIG_FILE = "config.js"
PUBLISH_FILE = "publish.xml"
ADDIN_FILES = ("ribbon.xml", "index.html", "main.js", "config.js", "js", "images")


def addins_dir() -> Path | None:
    """Where the add-ins are: `xlrubric/_addins` in an installed wheel, else `macros/` of a checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_addins"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "macros"
    return checkout if (checkout / "wps").is_dir() else None


def source_dir() -> Path:
    base = addins_dir()
    if base is None or not (base / "wps" / "ribbon.xml").is_file():
        raise XlrubricError("找不到 WPS 加载项的文件（macros/wps）。请用安装包重新安装 xlrubric")
    return base / "wps"


def platform_key() -> str:
    if sys.platform.startswith("win"):
        return "win"
    return "mac" if sys.platform == "darwin" else "linux"


def jsaddons_dir(key: str | None = None) -> Path:
    key = key or platform_key()
    if key == "win":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "kingsoft" / "wps" / "jsaddons"
    if key == "mac":
        return (Path.home() / "Library" / "Containers" / "com.kingsoft.wpsoffice.mac" / "Data" / ".kingsoft"
                / "wps" / "jsaddons")
    return Path.home() / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def wps_installed() -> bool:
    """Whether WPS Office is on this machine for this user (its settings folder, program or registry key)."""
    if jsaddons_dir().parent.exists():
        return True
    key = platform_key()
    if key == "win":
        try:
            import winreg

            for hive in (winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE):
                try:
                    with winreg.OpenKey(hive, r"Software\Kingsoft\Office"):
                        return True
                except OSError:
                    continue
        except ImportError:
            pass
        local = os.environ.get("LOCALAPPDATA")
        return bool(local) and (Path(local) / "Kingsoft" / "WPS Office").exists()
    if key == "mac":
        return Path("/Applications/wpsoffice.app").exists()
    return bool(shutil.which("et") or shutil.which("wps")) or Path("/opt/kingsoft/wps-office").exists()


def token_path() -> Path:
    """Where `discovery.get_token()` keeps the token (computed without creating the folder, for --dry-run)."""
    return Path(os.environ.get("XLRUBRIC_HOME") or (Path.home() / ".xlrubric")) / "token"


def serve_program(python: str) -> str:
    """The interpreter the button starts: pythonw.exe on Windows (no console window), else `python`."""
    exe = Path(python)
    if platform_key() == "win" and exe.name.lower() == "python.exe" and exe.with_name("pythonw.exe").exists():
        return str(exe.with_name("pythonw.exe"))
    return python


@dataclass
class Plan:
    """Everything install/uninstall touches, computed without touching the disk."""

    source: Path | None
    jsaddons: Path
    python: str
    version: str = __version__

    @property
    def folder(self) -> Path:
        return self.jsaddons / f"{ADDIN_NAME}_{self.version}"

    @property
    def publish(self) -> Path:
        return self.jsaddons / PUBLISH_FILE

    def entry(self) -> dict[str, str]:
        return {"name": ADDIN_NAME, "type": ADDIN_TYPE, "url": self.folder.name, "version": self.version,
                "enable": "enable_dev", "install": "null", "customDomain": ""}

    def command(self) -> str:
        return f'"{serve_program(self.python)}" {SERVE_ARGS}'

    def config_js(self, token: str) -> str:
        config = {"port": discovery.DEFAULT_PORT, "token": token, "python": serve_program(self.python),
                  "serveArgs": SERVE_ARGS, "command": self.command(), "version": self.version}
        return ("// 由 `xlrubric addin install` 写入：本机计算服务的端口、本机口令和启动服务的命令。勿手改；\n"
                "// 换了 Python 或重装后请再运行一次 xlrubric addin install。\n"
                f"var XLRUBRIC_CONFIG = {json.dumps(config, ensure_ascii=False, indent=2)};\n")

    def describe(self, *, uninstall: bool = False) -> list[str]:
        if uninstall:
            return [f"  1. 删除 WPS 加载项文件夹 {self.jsaddons / (ADDIN_NAME + '_*')}",
                    f"  2. 从 {self.publish} 中删除 name=\"{ADDIN_NAME}\" 的条目（其他加载项的条目保留）"]
        return [f"  1. 把加载项 {self.source or '（安装包里的 WPS 加载项）'}\n     复制到 {self.folder}",
                f"  2. 在其中写入 {CONFIG_FILE}：端口 {discovery.DEFAULT_PORT}、本机口令（{token_path()}）、"
                f"启动计算服务的命令 {self.command()}",
                f"  3. 在 {self.publish} 中登记：<jsplugin {_attrs(self.entry())}/>（其他加载项的条目保留）",
                "  以后打开 WPS 表格，会出现「校本研修」选项卡和「计算考核」按钮。"]


def _attrs(entry: dict[str, str]) -> str:
    return " ".join(f'{k}="{v}"' for k, v in entry.items())


def plan(python: str | None = None, *, with_source: bool = True) -> Plan:
    return Plan(source_dir() if with_source else None, jsaddons_dir(), python or sys.executable)


def read_publish(path: Path) -> ET.Element:
    """The `<jsplugins>` root of publish.xml (a new one if there is none); comments are kept."""
    if not path.exists():
        return ET.Element("jsplugins")
    try:
        root = _parse_keeping_comments(path.read_bytes())
    except ET.ParseError as exc:
        raise XlrubricError(f"WPS 的加载项登记文件格式有误（{exc}），没有改动它。请检查或删除该文件后再运行本命令",
                            file=str(path)) from exc
    if root.tag != "jsplugins":
        raise XlrubricError(f"WPS 的加载项登记文件的根元素是 <{root.tag}>，不是 <jsplugins>，没有改动它",
                            file=str(path))
    return root


def _parse_keeping_comments(data: bytes) -> ET.Element:
    from defusedxml.ElementTree import DefusedXMLParser

    parser = DefusedXMLParser(target=ET.TreeBuilder(insert_comments=True), forbid_dtd=True)
    parser.feed(data)
    return parser.close()


def write_publish(path: Path, root: ET.Element) -> None:
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    text = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _ours(el: ET.Element) -> bool:
    return isinstance(el.tag, str) and el.tag.startswith("jsplugin") and el.get("name") == ADDIN_NAME


def _locked(exc: OSError) -> XlrubricError:
    return XlrubricError(f"无法改动 WPS 的加载项文件夹（{exc.strerror or exc}）。请先完全退出 WPS（包括任务栏右下角的"
                         "图标），再运行一次本命令", file=str(getattr(exc, "filename", "") or ""))


def _folder_errors(fn: Callable[[Plan], list[str]]) -> Callable[[Plan], list[str]]:
    """A folder WPS still holds (or cannot be written) is one Chinese message, for install and uninstall."""
    @functools.wraps(fn)
    def wrapped(p: Plan) -> list[str]:
        try:
            return fn(p)
        except OSError as exc:
            raise _locked(exc) from exc
    return wrapped


@_folder_errors
def install(p: Plan) -> list[str]:
    """Copy the add-in, write its config.js and register it; return the Chinese lines to print."""
    assert p.source is not None
    root = read_publish(p.publish)             # refuse a broken publish.xml before touching anything
    tmp = p.jsaddons / f".{p.folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:                                       # the new copy is complete before anything old is removed
        for name in ADDIN_FILES:
            src = p.source / name
            if src.is_dir():
                shutil.copytree(src, tmp / name)
            elif src.is_file():
                shutil.copy2(src, tmp / name)
        (tmp / CONFIG_FILE).write_text(p.config_js(discovery.get_token()), encoding="utf-8")
        for old in sorted(p.jsaddons.glob(f"{ADDIN_NAME}_*")):
            if old.is_dir():
                shutil.rmtree(old)
        os.replace(tmp, p.folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for el in [el for el in root if _ours(el)]:
        root.remove(el)
    ET.SubElement(root, "jsplugin", p.entry())
    write_publish(p.publish, root)
    return [f"已安装 WPS 加载项：{p.folder}",
            f"已写入设置：{p.folder / CONFIG_FILE}（端口 {discovery.DEFAULT_PORT}，服务命令 {p.command()}）",
            f"已登记到：{p.publish}",
            "请重新打开 WPS 表格，在「校本研修」选项卡上点「计算考核」。"]


@_folder_errors
def uninstall(p: Plan) -> list[str]:
    """Remove the add-in's folder and its publish.xml entry; return the Chinese lines to print."""
    removed = [d for d in sorted(p.jsaddons.glob(f"{ADDIN_NAME}_*")) if d.is_dir()]
    lines = []
    if p.publish.exists():
        root = read_publish(p.publish)
        ours = [el for el in root if _ours(el)]
        for el in ours:
            root.remove(el)
        if ours:
            write_publish(p.publish, root)
            lines.append(f"已从 {p.publish} 删除本加载项的登记。")
    for d in removed:
        shutil.rmtree(d)
        lines.insert(0, f"已删除 WPS 加载项：{d}")
    return lines or ["WPS 里没有安装本加载项，没有改动。"]
