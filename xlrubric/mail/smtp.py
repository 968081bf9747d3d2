"""SMTP done properly: one reused connection, TLS, AUTH, retries with back-off, a rate limit, and a DATA
phase split around the ledger write (see `ledger` for why).

smtplib does the protocol; we only drive DATA by hand (`docmd("DATA")`, body, dot, reply) because
`sendmail` sends body and dot in one call and so leaves no place to record 'sending' between them.
Replies are classified the way RFC 5321 means them: 4xx (and a dropped connection before the dot) is
worth another try after a pause; 5xx is final for that recipient and the run goes on; no reply after the
dot is neither (`unconfirmed`). Waiting goes through injected `clock`/`sleep` so tests can drive the rate
limit and the back-off without real pauses. The password lives only in `Settings` and is handed to
`smtplib.SMTP.login`; no message, log line or ledger row ever contains it.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from xlrubric.mail.errors import MailError

Security = Literal["plain", "starttls", "ssl"]
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


@dataclass
class Settings:
    host: str
    port: int
    security: Security = "plain"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    timeout: float = 60.0
    retries: int = 3
    retry_delay: float = 5.0          # first pause; doubled after every further failure
    rate: float | None = None         # messages per minute
    reuse: bool = True                # one connection for the whole run (False: one per message)
    local_hostname: str | None = None

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


def parse_server(text: str, security: Security) -> tuple[str, int]:
    """"host", "host:port" or "[::1]:port" → (host, port), the port defaulting by security."""
    text = text.strip()
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or (port and not port.isdigit()):
        raise MailError(f"--smtp「{text}」格式不对", hint="写成 主机:端口，如 smtp.example.cn:587。")
    return host, int(port) if port else DEFAULT_PORTS[security]


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(settings: Settings) -> None:
    """Refuse to send a password in clear text over the network."""
    if settings.user and settings.security == "plain" and not is_loopback(settings.host):
        raise MailError(f"拒绝把用户名和密码明文发送到 {settings.describe()}",
                        hint="加 --starttls（常用端口 587）或 --ssl（常用端口 465）；只有本机服务器允许明文登录。")
    if settings.user and not settings.password:
        raise MailError("给了 --user 却没有密码", hint="把密码放在环境变量 XLRUBRIC_SMTP_PASSWORD 里，或按提示输入。")


class RateLimiter:
    """At most `per_minute` message starts per minute (evenly spaced, so no burst trips a provider)."""

    def __init__(self, per_minute: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.clock, self.sleep = clock, sleep
        self._next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


@dataclass
class Outcome:
    state: Literal["sent", "failed", "unconfirmed"]
    detail: str                      # the server's reply, or the Chinese reason
    attempts: int = 1
    refused_cc: list[str] = field(default_factory=list)


class _Retry(Exception):
    """Not delivered, worth another try (4xx, dropped before the dot)."""

    def __init__(self, reason: str, drop: bool):
        super().__init__(reason)
        self.reason, self.drop = reason, drop


class _Final(Exception):
    """Not delivered, and trying again will not help (5xx)."""


class _Unknown(Exception):
    """The dot may have reached the server; we have no reply."""


def _reply(code: int, resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return f"{code} {text}".strip()


def _classify(code: int, resp: bytes, what: str) -> Exception:
    text = f"{what}：{_reply(code, resp)}"
    if 400 <= code < 500:
        return _Retry(text, drop=code == 421)
    return _Final(text)


class Connection:
    """One SMTP session reused across messages, reopened when it drops."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep):
        self.settings, self.sleep = settings, sleep
        self.smtp: smtplib.SMTP | None = None
        self.connections = 0
        self._local = settings.local_hostname or socket.getfqdn()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
        self.smtp = None

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
        self.smtp = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context(),
                                    local_hostname=self._local)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout, local_hostname=self._local)
        try:
            # The dot goes out as its own small write after the body; with Nagle's algorithm it would wait
            # for the server's delayed ACK (~40 ms a message). Commands are whole lines: no small-write cost.
            with contextlib.suppress(OSError):
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{s.describe()} 不支持 STARTTLS", hint="改用 --ssl，或向邮件服务商确认端口。")
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.user:
                _login(smtp, s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def connect(self) -> None:
        """Open the session, retrying a 421 greeting or a refused connection with back-off."""
        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                self.smtp = self._open()
                self.connections += 1
                return
            except ssl.SSLCertVerificationError as exc:
                raise MailError(f"{s.describe()} 的证书无法验证（{exc.verify_message}）",
                                hint="确认服务器地址；县里自建的服务器请用 --cafile 指定它的 CA 证书。") from exc
            except smtplib.SMTPAuthenticationError as exc:
                reply = _reply(exc.smtp_code, exc.smtp_error)
                raise MailError(f"{s.describe()} 拒绝了用户「{s.user}」的登录：{reply}",
                                hint="检查 --user 和密码（环境变量 XLRUBRIC_SMTP_PASSWORD）；"
                                     "有的邮箱要用“授权码”。") from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise MailError(f"{s.describe()} 不支持登录（AUTH）", hint="检查端口和 --starttls/--ssl。") from exc
            except smtplib.SMTPConnectError as exc:
                if not 400 <= exc.smtp_code < 500:
                    raise MailError(f"{s.describe()} 拒绝连接：{_reply(exc.smtp_code, exc.smtp_error)}") from exc
                reason = _reply(exc.smtp_code, exc.smtp_error)
            except (smtplib.SMTPException, OSError) as exc:
                reason = str(exc) or type(exc).__name__
            if attempt < s.retries:
                self.sleep(s.retry_delay * 2 ** attempt)
        raise MailError(f"连不上邮件服务器 {s.describe()}（试了 {s.retries + 1} 次，最后一次：{reason}）",
                        hint="检查 --smtp 的主机和端口、网络，稍后再运行；已发送的不会重发。")

    def send(self, sender: str, to: str, cc: list[str], data: bytes,
             before_commit: Callable[[], None]) -> Outcome:
        """Deliver `data` to `to` (+ `cc`); `before_commit` runs right before the final dot."""
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            if self.smtp is None:
                self.connect()
            try:
                reply, refused = self._transaction(sender, to, cc, data, before_commit)
                if not s.reuse:
                    self.close()
                return Outcome("sent", reply, attempt, refused)
            except _Final as exc:
                self._reset()
                return Outcome("failed", str(exc), attempt)
            except _Unknown as exc:
                self._drop()
                return Outcome("unconfirmed", str(exc), attempt)
            except _Retry as exc:
                if exc.drop:
                    self._drop()
                else:
                    self._reset()
                if attempt > s.retries:
                    return Outcome("failed", f"{exc.reason}（已重试 {s.retries} 次）", attempt)
                self.sleep(s.retry_delay * 2 ** (attempt - 1))

    def _reset(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
            if not self.settings.reuse:
                self.close()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _transaction(self, sender: str, to: str, cc: list[str], data: bytes,
                     before_commit: Callable[[], None]) -> tuple[str, list[str]]:
        smtp = self.smtp
        assert smtp is not None
        try:
            code, resp = smtp.mail(sender)
            if code != 250:
                raise _classify(code, resp, "发件人被拒绝")
            code, resp = smtp.rcpt(to)
            if code not in (250, 251):
                raise _classify(code, resp, f"收件人 {to} 被拒绝")
            refused = []
            for addr in cc:
                code, resp = smtp.rcpt(addr)
                if code not in (250, 251):
                    refused.append(f"{addr}（{_reply(code, resp)}）")
            code, resp = smtp.docmd("DATA")
            if code != 354:
                raise _classify(code, resp, "服务器不接受邮件内容")
            smtp.send(_dot_stuff(data))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Retry(f"连接中断（{exc or type(exc).__name__}），邮件未送出", drop=True) from exc
        if self._peer_spoke():
            raise _Retry("服务器在接收邮件内容时断开了连接，邮件未送出", drop=True)
        try:
            before_commit()
        except BaseException:
            self._drop()          # without the dot the server discards the transaction
            raise
        try:
            smtp.send(b".\r\n")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Retry(f"连接中断（{exc}），邮件结束符未送出", drop=True) from exc
        try:
            code, resp = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Unknown(f"邮件已发出但没有收到服务器的确认（{exc or type(exc).__name__}）") from exc
        if code != 250:
            raise _classify(code, resp, "服务器拒收")
        return _reply(code, resp), refused

    def _peer_spoke(self) -> bool:
        """True when the server wrote or hung up during DATA: it will not take the dot as ours."""
        sock = self.smtp.sock if self.smtp is not None else None
        if sock is None:
            return True
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login, except that a non-ASCII user or password goes as UTF-8 AUTH PLAIN (RFC 4616).

    smtplib encodes credentials as ASCII and raises UnicodeEncodeError on "密码123"; PLAIN is defined
    over UTF-8, so send it ourselves in that one case.
    """
    if (user + password).isascii():
        smtp.login(user, password)
        return
    if not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN not offered")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, resp = smtp.docmd("AUTH", "PLAIN " + token)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, resp)


def _dot_stuff(data: bytes) -> bytes:
    """Body for DATA without its terminator: CRLF line ends, leading dots doubled, ending in CRLF."""
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data
