"""The ASGI application behind `xlrubric serve`: routes, the page, and the state one service owns.

Why Starlette (with uvicorn): it is a small, well-kept ASGI toolkit whose routing, multipart parsing,
file responses and test client are all we need; FastAPI would add pydantic request models and OpenAPI
pages we have no use for on a loopback page. uvicorn is the reference ASGI server and accepts a socket we
bound ourselves, so "127.0.0.1 only" is decided in our code, not by an option a user could change.

Every route calls the same functions the CLI calls (`compute_file`, `run_batch`, the mail campaign, the
template writer and `lint`); what is here is plumbing: sessions, limits, jobs and JSON.

The WPS contract (also in briefs for the add-in):
- `GET /api/ping` → `{"app": "xlrubric", "version"}`, no token, CORS `*`.
- `POST /api/wps/compute` with `X-Xlrubric-Token`, body `{"path", "password"?}` → the reply of
  `serve.wps.compute_in_place`; 401 without the token; CORS for `null` and loopback origins.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from xlrubric import __version__
from xlrubric.serve.guard import Guard
from xlrubric.serve.jobs import Jobs

STATIC = Path(__file__).parent / "static"
MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "")))
    except ValueError:
        return default


@dataclass
class Limits:
    """Upload caps; a county with a bigger folder (or a test) sets XLRUBRIC_UPLOAD_MB / _BATCH_MB / _BATCH_FILES."""

    school_bytes: int = field(default_factory=lambda: _env_int("XLRUBRIC_UPLOAD_MB", 50) * MB)
    batch_bytes: int = field(default_factory=lambda: _env_int("XLRUBRIC_BATCH_MB", 1024) * MB)
    batch_files: int = field(default_factory=lambda: _env_int("XLRUBRIC_BATCH_FILES", 5000))
    batch_unzipped_bytes: int = field(default_factory=lambda: 4 * _env_int("XLRUBRIC_BATCH_MB", 1024) * MB)


@dataclass
class Service:
    """What one running service owns: its token, its private temp root, its jobs."""

    token: str
    limits: Limits = field(default_factory=Limits)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xlrubric-serve-")))
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: Jobs = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = Jobs(self.root)

    def close(self) -> None:
        self.jobs.close()
        shutil.rmtree(self.root, ignore_errors=True)


def ping(request: Request) -> JSONResponse:
    return JSONResponse({"app": "xlrubric", "version": __version__})


async def wps_compute(request: Request) -> JSONResponse:
    from xlrubric.serve.wps import compute_in_place

    service: Service = request.app.state.service
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"ok": False, "exit_code": 2, "title": "无法计算", "result_sheet": None,
                             "backup": None, "summary": {},
                             "message": "请求内容不是有效的 JSON（应为 {\"path\": \"工作簿的完整路径\"}）。"}, 400)

    def go():
        with service.write_lock:       # two clicks on the same book must not write it at once
            return compute_in_place(body.get("path"), body.get("password"))

    return JSONResponse(await run_in_threadpool(go))


def index(request: Request) -> HTMLResponse:
    """The page, with this install's token embedded (another origin cannot read this response)."""
    service: Service = request.app.state.service
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    html = html.replace("{{TOKEN}}", service.token).replace("{{VERSION}}", __version__)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                       "Referrer-Policy": "same-origin",
                                       "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                                                  "frame-ancestors 'none'"})


def create_app(service: Service) -> Guard:
    """The Starlette app wrapped in the guard (token, origin, host, CORS, upload caps)."""
    from xlrubric.serve import routes

    app = Starlette(routes=[
        Route("/", index),
        Route("/api/ping", ping),
        Route("/api/wps/compute", wps_compute, methods=["POST"]),
        *routes.ROUTES,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.service = service
    limits = {"/api/school": service.limits.school_bytes + MB, "/api/batch": service.limits.batch_bytes + MB,
              "/api/mail": MB, "/api/wps": MB}
    return Guard(app, service.token, limits)
