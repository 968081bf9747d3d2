"""`xlrubric bundle --platform win_amd64|macosx|linux -o DIR`: the offline install bundle (see xlrubric.bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlrubric.cli.common import console, run


def bundle(
    platform: Annotated[str, typer.Option("--platform", help="目标电脑：win_amd64、macosx（Apple 芯片）或 linux")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹（不存在或为空）")],
    python_version: Annotated[str | None, typer.Option("--python-version",
                                                       help="目标电脑的 Python 版本，如 3.11；默认与本机相同")] = None,
) -> None:
    """生成离线安装包：xlrubric 及全部依赖的 wheel、两个加载项、安装说明和双击安装程序。需要能访问 PyPI。"""

    def go() -> int:
        from xlrubric.bundle import PLATFORMS, build

        console.print(f"正在生成 {platform} 的离线安装包（下载依赖可能需要几分钟）……", highlight=False)
        log = build(platform, out, python_version)
        for line in log:
            console.print(f"  {line}", highlight=False, markup=False)
        wheels = sorted((out / "wheels").glob("*.whl"))
        console.print(f"已生成：{out}（{len(wheels)} 个软件包，"
                      f"{sum(w.stat().st_size for w in wheels) / 1e6:.0f} MB）；"
                      f"在目标电脑上运行其中的 {PLATFORMS[platform].installer}，详见 安装说明.txt", highlight=False)
        return 0

    run(go)
