"""Helpers for the mail tests (no tests here): a batch OUTDIR built from real workbooks, and a real
aiosmtpd server on loopback whose faults are switched on from the test.

The OUTDIR is what `xlrubric batch` leaves: one filled workbook per school and `xlrubric-manifest.json`
written through `Manifest.save()` (the batch contract), each summary as `pipeline.info`/`rubric` fill it.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
from dataclasses import dataclass, field
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import xlsxwriter
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from xlrubric import __version__
from xlrubric.batch.manifest import Entry, Manifest, file_sha256

SCHOOLS = [
    # (学校名称, 电子邮箱, output file name) — the long name exercises RFC 2231 continuation lines.
    ("兰西县星火乡第一中学", "xinghuo@school.example.cn", "兰西县星火乡第一中学_考核结果_2023-2024学年第二学期.xlsx"),
    ("兰西四中", "lanxi4@school.example.cn", "兰西四中_考核结果.xlsx"),
    ("白湾子镇学校", "baiwanzi@school.example.cn", "白湾子镇学校_考核结果.xlsm"),
]


def write_book(path: Path, school: str, email_addr: str, teachers: int) -> None:
    """A small filled workbook: 基本信息 form and a 考核结果 table (real XLSX bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    info = wb.add_worksheet("基本信息")
    for r, (label, value) in enumerate([("学校名称", school), ("电子邮箱", email_addr), ("学期", "第二学期")]):
        info.write(r, 0, label)
        info.write(r, 1, value)
    res = wb.add_worksheet("考核结果")
    res.write_row(0, 0, ["工号", "姓名", "总分", "等次"])
    for i in range(teachers):
        res.write_row(i + 1, 0, [f"T{i:03d}", f"教师{i}", 40 - i, "优秀" if i < 2 else "良好"])
    wb.close()


def summary(school: str, email_addr: str, teachers: int, problems: tuple[int, int, int] = (0, 0, 0)) -> dict:
    return {"school": school, "email": email_addr, "term": "第二学期", "year": "2023-2024学年", "contact": "王明",
            "teachers": teachers, "mean_total": 38.5, "full_marks": 50, "bands": {"优秀": 2, "良好": teachers - 2},
            "quota_ok": True, "problems": dict(zip(("错误", "警告", "提示"), problems, strict=True)),
            "status": "problems" if any(problems[:2]) else "ok"}


def make_outdir(root: Path, schools: list[tuple[str, str, str]] = SCHOOLS, teachers: int = 4,
                extra: dict[str, Entry] | None = None) -> Path:
    """OUTDIR with one output per school (+ its input under root/in) and the manifest that vouches for them."""
    outdir, indir = root / "out", root / "in"
    manifest = Manifest(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for n, (school, addr, out_name) in enumerate(schools):
        src = indir / f"{Path(out_name).stem.split('_')[0]}.xlsx"
        write_book(src, school, addr, teachers)
        out = outdir / out_name
        write_book(out, school, addr, teachers)
        manifest.record(Entry(input=src.name, input_sha256=file_sha256(src), rules_hash="r1",
                              program_version=__version__, status="problems" if n == 1 else "ok",
                              output=out_name, output_sha256=file_sha256(out),
                              summary=summary(school, addr, teachers, (1, 2, 0) if n == 1 else (0, 0, 0))))
    for key, entry in (extra or {}).items():
        manifest.record(entry)
        manifest.entries[key] = entry
    manifest.save()
    return outdir


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool = False
    authenticated: bool = False

    @property
    def msg(self) -> email.message.EmailMessage:
        return parse(self.raw)


@dataclass
class Faults:
    """What the server does wrong; each list/set entry is consumed when it fires."""

    refuse_connects: int = 0                                   # 421 greeting for the next N connections
    rcpt: dict[str, list[str]] = field(default_factory=dict)   # address → replies to give before accepting
    drop_after_354: set[str] = field(default_factory=set)      # hang up after "354", before any body
    drop_after_dot: set[str] = field(default_factory=set)      # read the whole message, then hang up silently
    delay: float = 0.0                                          # seconds before answering the final dot
    on_message: Any = None                                      # callback(count) after a message is stored
    on_rcpt: Any = None                                         # callback(address, count) on every RCPT


class Handler:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.connections = 0
        self.faults = Faults()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.faults.on_rcpt:
            self.faults.on_rcpt(address, len(self.messages))
        replies = self.faults.rcpt.get(address)
        if replies:
            reply = replies[0] if replies[0].startswith("5") else replies.pop(0)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        hit = self.faults.drop_after_dot.intersection(envelope.rcpt_tos)
        if hit:
            self.faults.drop_after_dot -= hit
            server.transport.close()
            return "250 never seen"
        transport = server.transport
        tls = session.ssl is not None or (transport is not None and transport.get_extra_info("ssl_object") is not None)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content),
                                      tls=tls, authenticated=bool(session.authenticated)))
        if self.faults.on_message:
            self.faults.on_message(len(self.messages))
        if self.faults.delay:              # committed, but slow to say so (the case that makes duplicates)
            await asyncio.sleep(self.faults.delay)
        return "250 2.0.0 Ok: queued"


class FaultySMTP(SMTP):
    """aiosmtpd's server, plus faults a handler hook cannot produce (greeting, mid-DATA hang-up)."""

    async def _handle_client(self) -> None:
        handler: Handler = self.event_handler
        handler.connections += 1
        if handler.faults.refuse_connects > 0:
            handler.faults.refuse_connects -= 1
            await self.push("421 4.3.2 Service not available, try again later")
            self.transport.close()
            return
        await super()._handle_client()

    async def smtp_DATA(self, arg: str) -> None:
        handler: Handler = self.event_handler
        hit = handler.faults.drop_after_354.intersection(self.envelope.rcpt_tos if self.envelope else [])
        if hit:
            handler.faults.drop_after_354 -= hit
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class FaultyController(Controller):
    def factory(self):
        return FaultySMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real SMTP server on 127.0.0.1 in a thread; `handler.faults` is switched on after start."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, **smtp_kwargs: Any):
        self.handler = Handler()
        self.port = free_port()
        self.controller = FaultyController(self.handler, hostname="127.0.0.1", port=self.port,
                                           ssl_context=ssl_context, **smtp_kwargs)

    def __enter__(self) -> Server:
        self.controller.start()
        self.handler.connections = 0          # start() made one connection of its own to check readiness
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


def authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (getattr(auth_data, "login", b"") == user.encode()
              and getattr(auth_data, "password", b"") == password.encode())
        return AuthResult(success=ok, handled=False)
    return check
