"""`xlrubric serve --install-shortcut` on Linux: where the .desktop file goes, what it says, and that its
command really starts the service and opens the page (BROWSER points at a script that records the URL)."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time

import httpx
import pytest

from xlrubric.serve import shortcut

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the .desktop shortcut is Linux's")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exec_args(entry: str) -> list[str]:
    line = next(x for x in entry.splitlines() if x.startswith("Exec="))[5:]
    return shlex.split(line.replace("%%", "%"))


def test_desktop_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DESKTOP_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert shortcut.desktop_dir() == tmp_path / "Desktop"          # nothing exists yet
    (tmp_path / "桌面").mkdir()
    assert shortcut.desktop_dir() == tmp_path / "桌面"              # a Chinese desktop
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "user-dirs.dirs").write_text('XDG_DESKTOP_DIR="$HOME/我的桌面"\n', encoding="utf-8")
    assert shortcut.desktop_dir() == tmp_path / "我的桌面"
    monkeypatch.setenv("XDG_DESKTOP_DIR", str(tmp_path / "env"))
    assert shortcut.desktop_dir() == tmp_path / "env"


def test_exec_quoting_survives_spaces_and_percent():
    cmd = ["/opt/my python/bin/python3", "-m", "xlrubric", "serve", "--open", "--port", "5000", "100%"]
    assert exec_args(shortcut.desktop_entry(cmd)) == cmd


def test_windows_and_mac_shortcuts_run_the_same_command():
    cmd = [r"C:\Program Files\Python311\pythonw.exe", "-m", "xlrubric", "serve", "--open"]
    vbs = shortcut.windows_vbs(cmd)
    assert '"""C:\\Program Files\\Python311\\pythonw.exe"" -m xlrubric serve --open", 0, False' in vbs
    mac_cmd = ["/Users/张 老师/venv/bin/python", "-m", "xlrubric", "serve", "--open"]
    mac = shortcut.mac_command(mac_cmd)
    exec_line = next(x for x in mac.splitlines() if x.startswith("exec "))
    assert mac.startswith("#!/bin/bash\n") and shlex.split(exec_line)[1:] == mac_cmd


def test_installed_shortcut_starts_the_service_and_opens_the_page(tmp_path):
    desktop, home = tmp_path / "桌面", tmp_path / "state"
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "XDG_DESKTOP_DIR": str(desktop), "XLRUBRIC_HOME": str(home), "BROWSER": str(browser)}
    env.pop("DISPLAY", None)
    port = free_port()
    done = subprocess.run([sys.executable, "-m", "xlrubric", "serve", "--install-shortcut", "--port", str(port)],
                          env=env, capture_output=True, text=True, timeout=60)
    path = desktop / "校本研修考核.desktop"
    assert done.returncode == 0 and str(path) in done.stdout
    entry = path.read_text(encoding="utf-8")
    assert "Name=校本研修考核" in entry and "Terminal=false" in entry and os.access(path, os.X_OK)
    args = exec_args(entry)
    assert args == [sys.executable, "-m", "xlrubric", "serve", "--open", "--port", str(port)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        page = _wait_for(url)
        assert page.status_code == 200 and "校本研修考核" in page.text
        _wait_until(lambda: opened.exists() and url in opened.read_text(encoding="utf-8"))
        # Double-clicking again while it runs: no second service, the page opens again.
        again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0 and "已在运行" in again.stdout
        _wait_until(lambda: opened.read_text(encoding="utf-8").count(url) == 2)
    finally:
        proc.terminate()
        proc.wait(30)
    assert not (home / "serve.json").exists()


def _wait_for(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _wait_until(cond, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
