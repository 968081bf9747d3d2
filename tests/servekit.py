"""Start a real `xlrubric serve` process on a free loopback port for the tests, and talk to it.

The service runs as the CLI runs it (`python -m xlrubric serve --port 0`) with its own XLRUBRIC_HOME,
so the token and the discovery file are the real ones; `Served.stop()` ends exactly that process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Served:
    proc: subprocess.Popen
    home: Path
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120, **kw)

    def page_headers(self) -> dict[str, str]:
        """What our own page sends with a state-changing request."""
        return {"X-Xlrubric-Token": self.token, "Origin": self.url}

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start(home: Path, *args: str, port: int = 0, env: dict | None = None) -> Served:
    home.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "XLRUBRIC_HOME": str(home), "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "xlrubric", "serve", "--port", str(port), *args],
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    serve_json = home / "serve.json"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {proc.stdout.read()} {proc.stderr.read()}")
        if serve_json.exists():
            info = json.loads(serve_json.read_text(encoding="utf-8"))
            if info["pid"] == proc.pid:
                served = Served(proc, home, info["port"], info["token"])
                if _answers(served):
                    return served
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("serve did not start within 60 s")


def _answers(served: Served) -> bool:
    try:
        return httpx.get(served.url + "/api/ping", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
