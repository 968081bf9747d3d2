"""Where local programs find `xlrubric serve`: a per-install token and a discovery file.

This is the one contract between the service, the WPS 加载项 (whose installed copy carries the port and
token in its `config.js`, written by `xlrubric addin install`), the desktop shortcut and the tests:

- the state folder is `~/.xlrubric/` (tests and portable installs set `XLRUBRIC_HOME` to move it);
- `token` in that folder is created once per install (random, 0600) and never changes on its own: a web page
  in the director's browser cannot read it, so it cannot drive the service;
- while the service runs, `serve.json` in that folder says `{"port", "token", "pid", "version", "url"}`;
  it is written atomically and removed when the service stops (a stale one is recognised by its dead pid);
- the service listens on `DEFAULT_PORT` unless `--port` says otherwise, on 127.0.0.1 only.

Kept free of heavy imports: the CLI's `addin install` and the shortcut use it without pandas.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

DEFAULT_PORT = 47615
HOST = "127.0.0.1"
TOKEN_HEADER = "X-Xlrubric-Token"


def state_dir() -> Path:
    """The per-user folder for the token, discovery file, config and logs (created on demand)."""
    base = Path(os.environ.get("XLRUBRIC_HOME") or (Path.home() / ".xlrubric"))
    base.mkdir(parents=True, exist_ok=True)
    return base


def _write_private(path: Path, text: str) -> None:
    """Write atomically with owner-only permissions (the token must not be readable by others)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_private(path: Path, text: str) -> None:
    """Public name for the atomic owner-only write (the service keeps its config with it)."""
    _write_private(path, text)


def get_token() -> str:
    """The install's token: read it, or create it once."""
    path = state_dir() / "token"
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if len(token) < 32:
        token = secrets.token_urlsafe(32)
        _write_private(path, token + "\n")
    return token


def discovery_path() -> Path:
    return state_dir() / "serve.json"


def write_discovery(port: int, token: str, pid: int | None = None, version: str = "") -> Path:
    """Announce a running service (called by `xlrubric serve` once it is listening)."""
    pid = os.getpid() if pid is None else pid
    info = {"port": port, "token": token, "pid": pid, "version": version, "url": f"http://{HOST}:{port}/"}
    path = discovery_path()
    _write_private(path, json.dumps(info, ensure_ascii=False))
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def read_discovery() -> dict | None:
    """The running service's `{"port", "token", "pid", "version", "url"}`, or None (none or stale)."""
    try:
        info = json.loads(discovery_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return None
    if not isinstance(info, dict) or not isinstance(info.get("pid"), int) or not _alive(info["pid"]):
        return None
    return info


def remove_discovery(pid: int | None = None) -> None:
    """Remove the discovery file if it is ours (a newer service's file is left alone)."""
    path = discovery_path()
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return
    if info.get("pid") == (os.getpid() if pid is None else pid):
        path.unlink(missing_ok=True)
