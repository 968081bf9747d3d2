"""`xlrubric serve`: the local page (and the service the WPS button and the desktop shortcut use)."""

from __future__ import annotations

from typing import Annotated

import typer

from xlrubric.cli.common import console, run
from xlrubric.serve.discovery import DEFAULT_PORT


def serve(
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help=f"端口（默认 {DEFAULT_PORT}；只在本机 127.0.0.1 上监听）")] = DEFAULT_PORT,
    open_page: Annotated[bool, typer.Option("--open", help="启动后在浏览器中打开页面")] = False,
    install_shortcut: Annotated[bool, typer.Option(
        "--install-shortcut", help="在桌面放一个「校本研修考核」快捷方式（双击即启动服务并打开页面）")] = False,
) -> None:
    """在本机启动校本研修考核页面：一所学校、模板、全县批量、发回学校；WPS 的「计算考核」按钮也用它。

    服务只在本机 127.0.0.1 上监听，数据不离开这台电脑。已在运行时直接提示（加 --open 则打开页面）。
    """

    from xlrubric.serve.server import ensure_streams

    ensure_streams()

    def go() -> int:
        if install_shortcut:
            from xlrubric.serve.shortcut import install_shortcut as install

            path = install(port)
            console.print(f"已在桌面放好快捷方式：{path}", highlight=False)
            if not open_page:
                return 0
        from xlrubric.serve.server import serve as run_service

        return run_service(port, open_page, say=lambda text: console.print(text, highlight=False))

    run(go)
