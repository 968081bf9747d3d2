"""The words of the offline bundle: 安装说明.txt and the double-click installers (install.bat / install.sh,
the latter also written as install.command for macOS Finder).

Every installer does the same three steps with the machine's own Python and prints each one:
1. `python -m pip install --no-index --find-links wheels "xlrubric[excel]"` — nothing from the internet;
2. `python -m xlrubric addin install` — the Excel and WPS add-ins (exit code 3, "neither Excel nor WPS here",
   is reported and is not a failure);
3. `python -m xlrubric serve --install-shortcut` — the desktop shortcut of the local service.
`python -m xlrubric` is used rather than the `xlrubric` script, which may not be on PATH.
"""

from __future__ import annotations

from xlrubric import __version__


def readme(platform: str, python_version: str, wheel_name: str, installer: str) -> str:
    how = {
        "install.bat": "双击 install.bat（出现“Windows 已保护你的电脑”时，点“更多信息 → 仍要运行”）",
        "install.command": "在访达中按住 Control 点按 install.command，选“打开”（第一次需要这样确认）",
        "install.sh": "在终端中进入本文件夹，运行 ./install.sh",
    }[installer]
    return f"""校本研修考核（xlrubric {__version__}）离线安装包 · 平台 {platform} · Python {python_version}
=====================================================================

这个文件夹里有在没有网络的电脑上安装「计算考核」所需的全部文件：

  wheels/           xlrubric 和它用到的全部软件包（{wheel_name} 及其依赖）
  addins/           Excel 加载项 xlrubric.xlam 和 WPS 加载项 wps/（安装程序会自动登记，无需手动复制）
  {installer:<17} 安装程序
  安装说明.txt      本说明

一、安装前
  1. 电脑上要有 Python {python_version}（python.org 下载的安装程序，安装时勾选 “Add python.exe to PATH”）。
     版本必须是 {python_version}：本安装包里的软件包是为这个版本准备的。
  2. 完全退出 Excel 和 WPS（包括任务栏右下角的 WPS 图标）。

二、安装
  {how}。
  窗口中会依次显示三步，每一步都写明做了什么：
    [1/3] 安装 xlrubric 及其依赖（只用 wheels 文件夹，不联网）
    [2/3] 登记加载项：本机有 Excel 就装 Excel 加载项，有 WPS 就装 WPS 加载项
    [3/3] 在桌面创建「校本研修考核」快捷方式
  最后显示“安装完成”。如果某一步出错，窗口里有中文说明，请拍照发给技术支持。

三、使用
  打开学校的校本研修工作簿，在「校本研修」选项卡上点「计算考核」。
  - Excel：加载项直接计算并写回打开的工作簿。
  - WPS：加载项先保存工作簿，交给本机的计算服务（需要时自动启动），服务把结果写入文件
    （先备份原文件），然后重新打开工作簿并显示「考核结果」表和一个提示框。
  新版 WPS 第一次载入加载项时可能询问是否信任该加载项，请选“信任/启用”。

四、卸载
  在命令提示符（终端）中运行：python -m xlrubric addin uninstall
  再运行：python -m pip uninstall xlrubric

详细的逐步检查（Windows 上的 WPS 2019 及以上、WPS for Linux、Excel）见 xlrubric 源代码中的 macros/README.md。
"""


_STEPS_SH = """\
echo "[1/3] 安装 xlrubric 及其依赖（只用 wheels 文件夹，不联网）……"
if ! "$PY" -m pip install --no-index --find-links wheels "xlrubric[excel]"; then
  echo "安装失败（见上面的提示）。"
  echo "如果提示 externally-managed-environment（系统自带的 Python 不允许直接安装），请先建一个独立环境："
  echo "  $PY -m venv \\"$HOME/xlrubric-env\\" && PYTHON=\\"$HOME/xlrubric-env/bin/python\\" ./$(basename "$0")"
  finish 1
fi
echo "已安装：$("$PY" -c 'import sys, xlrubric; print("xlrubric", xlrubric.__version__, "→", sys.executable)')"
echo "[2/3] 登记 Excel / WPS 加载项……"
"$PY" -m xlrubric addin install
case $? in
  0) ;;
  3) echo "（本机没有找到 Excel 或 WPS，没有登记加载项；装好 Excel 或 WPS 后再运行一次本程序即可。）" ;;
  *) echo "登记加载项时出错（见上面的提示）。" ;;
esac
echo "[3/3] 创建「校本研修考核」桌面快捷方式……"
if ! "$PY" -m xlrubric serve --install-shortcut; then
  echo "没能创建快捷方式（见上面的提示）；也可以在终端运行：$PY -m xlrubric serve"
fi
echo "安装完成。"
finish 0
"""


def install_sh(python_version: str) -> str:
    version_tuple = python_version.replace(".", ", ")
    return f"""#!/bin/sh
# 校本研修考核（xlrubric）离线安装：在终端运行 ./install.sh（macOS 上双击 install.command）。
# 用另一个 Python：PYTHON=/路径/python3 ./install.sh
cd "$(dirname "$0")" || exit 1
PY="${{PYTHON:-python{python_version}}}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
finish() {{
  if [ -t 0 ] && [ -z "$XLRUBRIC_NO_PAUSE" ]; then printf "按回车键关闭窗口……"; read -r _; fi
  exit "$1"
}}
echo "== 校本研修考核 离线安装（需要 Python {python_version}）=="
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != ({version_tuple}))' 2>/dev/null; then
  echo "没有找到 Python {python_version}（当前：$("$PY" --version 2>&1)）。"
  echo "本安装包里的软件包是为 Python {python_version} 准备的。"
  echo "请先安装 Python {python_version}，或用 PYTHON=/路径/python{python_version} ./$(basename "$0") 指定。"
  finish 1
fi
{_STEPS_SH}"""


def install_bat(python_version: str) -> str:
    version_tuple = python_version.replace(".", ", ")
    return f"""@echo off
chcp 65001 >nul
rem 校本研修考核（xlrubric）离线安装：双击运行。用另一个 Python：set PYTHON=C:\\路径\\python.exe 后运行。
cd /d "%~dp0"
echo == 校本研修考核 离线安装（需要 Python {python_version}）==
if defined PYTHON (set "PY=%PYTHON%") else (
  where py >nul 2>nul && (set "PY=py -{python_version}") || (set "PY=python")
)
%PY% -c "import sys; sys.exit(sys.version_info[:2] != ({version_tuple}))" 2>nul
if errorlevel 1 (
  echo 没有找到 Python {python_version}。本安装包里的软件包是为 Python {python_version} 准备的。
  echo 请先从 python.org 安装 Python {python_version}（勾选 Add python.exe to PATH），再双击本程序。
  goto :end
)
echo [1/3] 安装 xlrubric 及其依赖（只用 wheels 文件夹，不联网）……
%PY% -m pip install --no-index --find-links wheels "xlrubric[excel]"
if errorlevel 1 (
  echo 安装失败（见上面的提示）。
  goto :end
)
%PY% -c "import sys, xlrubric; print('已安装：xlrubric', xlrubric.__version__, '->', sys.executable)"
echo [2/3] 登记 Excel / WPS 加载项……
%PY% -m xlrubric addin install
if errorlevel 3 (
  echo （本机没有找到 Excel 或 WPS，没有登记加载项；装好 Excel 或 WPS 后再双击本程序即可。）
) else if errorlevel 1 (
  echo 登记加载项时出错（见上面的提示）。
)
echo [3/3] 创建「校本研修考核」桌面快捷方式……
%PY% -m xlrubric serve --install-shortcut
if errorlevel 1 echo 没能创建快捷方式（见上面的提示）；也可以在命令提示符运行：%PY% -m xlrubric serve
echo 安装完成。
:end
pause
"""
