"""Start the service: bind 127.0.0.1 ourselves, announce it, run uvicorn, clean up on exit.

The socket is bound here (not by uvicorn from a host option) so no setting can make the service listen
beyond loopback. A busy port is probed with `GET /api/ping`: another xlrubric serve means "already
running" (exit 0, `--open` opens its page); anything else is a Chinese error (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import signal
import socket
import sys
import threading
import urllib.request
import webbrowser
from dataclasses import dataclass

from xlrubric import __version__
from xlrubric.errors import XlrubricError
from xlrubric.serve import discovery

log = logging.getLogger("xlrubric.serve")


class PortBusy(XlrubricError):
    """The port is taken by a program that is not xlrubric serve."""


@dataclass
class Running:
    """Another xlrubric serve already answers on the port."""

    url: str
    version: str


def probe(port: int, timeout: float = 2.0) -> dict | None:
    """`/api/ping`'s answer on the port, or None when nothing (or not xlrubric) answers."""
    try:
        with urllib.request.urlopen(f"http://{discovery.HOST}:{port}/api/ping", timeout=timeout) as resp:
            info = json.loads(resp.read())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("app") == "xlrubric" else None


def bind(port: int) -> socket.socket | Running:
    """A listening loopback socket on `port` (0 = any free port), or the service already there."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":       # on Windows SO_REUSEADDR would let us steal a port in use
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((discovery.HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        busy = {errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", -1),
                getattr(errno, "WSAEACCES", -1)}      # Windows: in use, or in a range Hyper-V reserved
        if exc.errno not in busy:
            raise PortBusy(f"无法在端口 {port} 上启动服务（{exc.strerror or exc}）") from exc
        info = probe(port)
        if info is not None:
            return Running(f"http://{discovery.HOST}:{port}/", str(info.get("version", "")))
        what = ("已被其他程序占用" if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1))
                else "不允许使用（没有权限，或被系统保留）")
        raise PortBusy(f"端口 {port} {what}，校本研修考核服务无法启动",
                       hint=f"关闭占用该端口的程序，或换一个端口：xlrubric serve --port {port + 1}") from exc
    return sock


def ensure_streams() -> None:
    """Under `pythonw` (the Windows shortcut) there is no console: sys.stdout/stderr are None, which uvicorn's
    and our printing do not survive. Send both to `serve.log` in the state folder instead."""
    if sys.stdout is None or sys.stderr is None:
        log_file = open(discovery.state_dir() / "serve.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        sys.stdout = sys.stdout or log_file
        sys.stderr = sys.stderr or log_file


def serve(port: int = discovery.DEFAULT_PORT, open_browser: bool = False, *, say=print) -> int:
    """Run until interrupted; return the exit code."""
    import uvicorn

    from xlrubric.serve.app import Service, create_app

    bound = bind(port)
    if isinstance(bound, Running):
        say(f"校本研修考核服务已在运行：{bound.url}")
        if open_browser:
            webbrowser.open(bound.url)
        return 0
    port = bound.getsockname()[1]
    url = f"http://{discovery.HOST}:{port}/"
    service = Service(token=discovery.get_token())
    config = uvicorn.Config(create_app(service), log_level="warning", lifespan="off", access_log=False,
                            use_colors=False, timeout_graceful_shutdown=3)
    server = _server_class()(config)
    try:
        discovery.write_discovery(port, service.token, version=__version__)
        say(f"校本研修考核服务已启动：{url}\n（关闭这个窗口或按 Ctrl+C 即停止服务）")
        if sys.stdout is not None:
            sys.stdout.flush()
        threading.Thread(target=_warm, daemon=True, name="xlrubric-warm").start()
        if open_browser:
            threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
        server.run(sockets=[bound])
    finally:
        discovery.remove_discovery()
        service.close()
        bound.close()
    return 0


def _server_class():
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that a stop signal (Ctrl+C, closing the window, SIGTERM) ends the
        service normally: uvicorn re-raises the signal after shutting down, which would kill the process
        before the discovery file is removed."""

        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            sigs = [signal.SIGINT, signal.SIGTERM, *([signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])]
            original = {sig: signal.signal(sig, self.handle_exit) for sig in sigs}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    return Server


def _warm() -> None:
    """Import the compute path now (pandas, pandera, the writers: seconds on a school PC), not on the first upload.

    Not more: running batch/warmup.py here as well (then: each preset's template computed, pandera's backends
    registered, then the batch workers' gc threshold and freeze) was measured against this with both services
    warm (`benchmarks/bench_serve.py --against`, 30 requests each, alternating; 2026-12-01, load 4–6): upload of
    a 300-teacher workbook 0.198 vs 0.200 CPU s, the WPS button on lanxi4 0.243 vs 0.245, the first upload 10 s
    after start 0.465 vs 0.484 s wall — no difference beyond noise, so the long-running service keeps
    Python's collector defaults (cli.LONG_RUNNING).
    """
    import importlib

    for name in ("xlrubric.pipeline", "xlrubric.readers.workbook", "xlrubric.writers.output", "xlrubric.process"):
        try:
            importlib.import_module(name)
        except Exception:          # the upload will report it properly
            log.exception("warming %s failed", name)


def _open_when_started(server, url: str) -> None:
    import time

    for _ in range(200):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.05)
