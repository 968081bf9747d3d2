"""Who may drive the service: loopback Host, the install token, the service's own origin, CORS for the add-in.

A local service is reachable from every web page the director opens, so "it only listens on 127.0.0.1" is
not enough. Four checks, in one pure ASGI middleware so that no route can forget them:

1. Host must be 127.0.0.1 or localhost (with any port): a DNS-rebinding page reaches us under its own host
   name and is refused before anything runs.
2. `/api/ping` answers anyone (CORS `*`): the WPS 加载项 and the shortcut use it to find the service.
3. `/api/wps/compute` needs the token; its CORS preflight is answered for origin `null` (WPS loads a local
   add-in from file://) and for http://127.0.0.1:* / http://localhost:* pages, allowing our two headers.
4. Every other state-changing request needs the token AND the service's own origin (Origin, else Referer;
   Sec-Fetch-Site when present must be same-origin). Our page gets the token embedded in its HTML, which
   another origin cannot read.

Uploads are capped here too, on the declared Content-Length, before a byte is read.
"""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlsplit

from xlrubric.serve.discovery import TOKEN_HEADER

SAFE_METHODS = {"GET", "HEAD"}
PUBLIC_CORS = {"/api/ping"}
ADDIN_CORS = {"/api/wps/compute"}
_LOCAL_ORIGIN = re.compile(r"^http://(127\.0\.0\.1|localhost)(:\d{1,5})?$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def addin_origin_allowed(origin: str) -> bool:
    """Origins the WPS add-in may call from: a file:// page (`null`) or a loopback http page."""
    return origin == "null" or bool(_LOCAL_ORIGIN.match(origin))


def _host_name(host: str) -> str:
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def token_ok(given: str | None, token: str) -> bool:
    return bool(given) and secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def same_origin(headers: dict[str, str], host: str) -> bool:
    """The request comes from a page the service itself served (http://<our host:port>)."""
    own = f"http://{host}"
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = headers.get("origin")
    if origin is not None:
        return origin == own
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == own
    return False


async def _send_json(send, status: int, body: dict, extra: list[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json; charset=utf-8"),
               (b"content-length", str(len(data)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class Guard:
    """ASGI middleware applying the checks above; `limits` maps a path prefix to its byte cap."""

    def __init__(self, app, token: str, limits: dict[str, int]):
        self.app, self.token, self.limits = app, token, limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if _host_name(host) not in _LOCAL_HOSTS:
            return await _send_json(send, 421, {"ok": False, "message": "只接受本机地址（127.0.0.1）的访问。"})
        path, method = scope["path"], scope["method"]
        origin = headers.get("origin")
        cors: list[tuple[bytes, bytes]] = []
        if path in PUBLIC_CORS:
            cors = [(b"access-control-allow-origin", b"*")]
        elif path in ADDIN_CORS and origin and addin_origin_allowed(origin):
            cors = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
        if method == "OPTIONS":
            return await self._preflight(send, path, cors, headers)
        if path in PUBLIC_CORS:
            return await self.app(scope, receive, _with_headers(send, cors))
        if path in ADDIN_CORS:
            if not token_ok(headers.get(TOKEN_HEADER.lower()), self.token):
                return await _send_json(send, 401, {"ok": False, "message": "缺少或错误的访问口令，请求被拒绝。"
                                                    "请重新安装加载项（xlrubric addin install）。"}, cors)
            return await self.app(scope, receive, _with_headers(send, cors))
        if method not in SAFE_METHODS:
            if not token_ok(headers.get(TOKEN_HEADER.lower()), self.token):
                return await _send_json(send, 401, {"ok": False, "message": "缺少或错误的访问口令，请求被拒绝。"})
            if not same_origin(headers, host):
                return await _send_json(send, 403, {"ok": False, "message": "只接受本服务自己页面的请求，"
                                                    "来自其他网页的请求已拒绝。"})
            refused = self._too_big(path, headers)
            if refused:
                return await _send_json(send, refused[0], {"ok": False, "message": refused[1]})
        return await self.app(scope, receive, send)

    def _too_big(self, path: str, headers: dict[str, str]) -> tuple[int, str] | None:
        cap = next((v for k, v in self.limits.items() if path.startswith(k)), None)
        if cap is None:
            return None
        length = headers.get("content-length")
        if length is None or not length.isdigit():
            return 411, "上传请求缺少大小信息，请用本页面上传。"
        if int(length) > cap:
            return 413, f"上传的内容太大（{_mb(int(length))}），上限是 {_mb(cap)}。请分批上传，或删去无关的文件。"
        return None

    async def _preflight(self, send, path: str, cors, headers: dict[str, str]) -> None:
        if not cors:
            return await _send_json(send, 403, {"ok": False, "message": "不允许跨站请求。"})
        extra = [*cors, (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                 (b"access-control-allow-headers", f"{TOKEN_HEADER}, Content-Type".encode()),
                 (b"access-control-max-age", b"600")]
        if headers.get("access-control-request-private-network") == "true":
            extra.append((b"access-control-allow-private-network", b"true"))
        await send({"type": "http.response.start", "status": 204, "headers": extra})
        await send({"type": "http.response.body", "body": b""})


def _with_headers(send, extra: list[tuple[bytes, bytes]]):
    if not extra:
        return send

    async def wrapped(message):
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
