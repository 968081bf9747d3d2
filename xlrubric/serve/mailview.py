"""发回学校: the mail preview and the exactly-once send over a finished batch, with SMTP settings kept.

The same campaign functions `xlrubric mail` uses (plan → preview / refuse_if_stale → send under the run
lock, the ledger in the batch's OUTDIR, 县汇总's 发送记录 sheet) — only the options come from a form.
SMTP settings are entered once and kept in `state_dir()/config` (JSON, no secret in it); the password
goes to the OS keyring through `keyring` when a real backend exists, and otherwise is asked for at each
send and kept nowhere.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from xlrubric.errors import XlrubricError
from xlrubric.serve import discovery
from xlrubric.serve.jobs import Job, _job_or_404

KEYRING_SERVICE = "xlrubric-smtp"
PREVIEW_PREFIX = "邮件预览/"          # campaign.PREVIEW_DIR, as `preview` reports each .eml
FIELDS = ("smtp", "security", "user", "from_addr", "from_name", "signature", "cc")


async def _body(request: Request) -> dict:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def config_path():
    return discovery.state_dir() / "config"


def load_config() -> dict[str, Any]:
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


def _keyring():
    """The OS keyring, or None when only a fail/null/plaintext backend exists (never a clear-text file)."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:
        return None
    kr = keyring.get_keyring()
    if isinstance(kr, fail.Keyring | null.Keyring) or (isinstance(kr, chainer.ChainerBackend) and not kr.backends):
        return None
    if "plaintext" in type(kr).__name__.lower() or getattr(kr, "priority", 1) <= 0:
        return None
    return kr


def _account(mail: dict) -> str:
    return f"{mail.get('user') or ''}@{mail.get('smtp') or ''}"


def settings_view() -> dict[str, Any]:
    mail = load_config().get("mail") or {}
    kr = _keyring()
    stored = False
    if kr is not None and mail.get("user"):
        try:
            stored = kr.get_password(KEYRING_SERVICE, _account(mail)) is not None
        except Exception:        # a locked or broken keyring: ask for the password instead
            stored = False
    return {"ok": True, **{k: mail.get(k, "" if k != "cc" else []) for k in FIELDS},
            "keyring": kr is not None, "has_password": stored}


async def save_settings(request: Request) -> JSONResponse:
    from xlrubric.mail.smtp import parse_server

    body = await _body(request)
    mail = {k: body.get(k) for k in FIELDS}
    mail["security"] = mail["security"] if mail["security"] in ("plain", "starttls", "ssl") else "starttls"
    mail["cc"] = [c.strip() for c in (mail["cc"] or []) if isinstance(c, str) and c.strip()]
    try:
        if mail["smtp"]:
            parse_server(str(mail["smtp"]), mail["security"])
    except XlrubricError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    config = load_config()
    config["mail"] = mail
    discovery.write_private(config_path(), json.dumps(config, ensure_ascii=False, indent=1))
    password, kr = body.get("password"), _keyring()
    if password and kr is not None and mail.get("user"):
        try:
            kr.set_password(KEYRING_SERVICE, _account(mail), password)
        except Exception as exc:    # never fall back to a file: the password is asked at sending instead
            return JSONResponse({**settings_view(), "message": f"设置已保存，但密码未能存入系统钥匙串（{exc}），"
                                                             "发送时请输入密码。"})
    return JSONResponse(settings_view())


def get_settings(request: Request) -> JSONResponse:
    return JSONResponse(settings_view())


@dataclass
class MailRun:
    state: str = "sending"           # sending → done | failed
    lines: list[dict] = field(default_factory=list)
    message: str = ""


def _line(line) -> dict[str, Any]:
    job = line.job
    gone = line.row is not None and line.row.state in ("sent", "sending") and line.row.recipient
    where = line.detail.replace("\\", "/")          # Windows reports 邮件预览\学校.eml
    eml = line.state == "将发送" and where.startswith(PREVIEW_PREFIX) and where.endswith(".eml")
    return {"school": job.school, "email": (line.row.recipient if gone else job.address.email) or "",
            "source": job.address.source or "", "attachment": job.attachment.name if job.attachment else "",
            "size": job.size if job.attachment else 0, "state": line.state,
            "detail": "" if eml else line.detail, "preview": where[len(PREVIEW_PREFIX):] if eml else ""}


def _sender(mail: dict, sending: bool):
    from xlrubric.mail.errors import MailError
    from xlrubric.mail.render import Sender

    address = mail.get("from_addr") or (mail.get("user") if "@" in (mail.get("user") or "") else "")
    if not address:
        if sending:
            raise MailError("发送需要发件人邮箱", hint="在「邮件设置」里填写县里的发件邮箱。")
        address = "preview@localhost"
    return Sender(address, mail.get("from_name") or "", mail.get("signature") or "", tuple(mail.get("cc") or ()))


def _plan(job: Job):
    from xlrubric.batch.manifest import load_manifest
    from xlrubric.mail import campaign as cp

    return cp.plan(job.outdir, load_manifest(job.outdir), None, job.inputs)


def _preview(job: Job) -> list[dict]:
    from xlrubric.mail import campaign as cp
    from xlrubric.mail.ledger import Ledger
    from xlrubric.mail.render import load_template

    ledger = Ledger(job.outdir)
    try:
        lines = cp.preview(job.outdir, _plan(job), load_template(None), _sender(load_config().get("mail") or {},
                           False), ledger, cp.Options())
    finally:
        ledger.close()
    return [_line(x) for x in lines]


def _ready(request: Request) -> Job | JSONResponse:
    job = _job_or_404(request)
    if not isinstance(job, JSONResponse) and job.state != "done":
        return JSONResponse({"ok": False, "message": "批处理完成后才能发送。"}, 409)
    return job


async def preview(request: Request) -> JSONResponse:
    job = _ready(request)
    if isinstance(job, JSONResponse):
        return job
    try:
        lines = await run_in_threadpool(_preview, job)
    except XlrubricError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    return JSONResponse({"ok": True, "lines": lines})


def _settings(mail: dict, password: str | None):
    from xlrubric.mail.errors import MailError
    from xlrubric.mail.smtp import Settings, parse_server

    if not mail.get("smtp"):
        raise MailError("发送需要邮件服务器", hint="在「邮件设置」里填写 服务器:端口，如 smtp.example.cn:587。")
    host, port = parse_server(mail["smtp"], mail.get("security") or "starttls")
    return Settings(host, port, mail.get("security") or "starttls", mail.get("user") or None, password)


def _send(job: Job, run: MailRun, password: str | None) -> None:
    from xlrubric.batch.manifest import load_manifest
    from xlrubric.batch.summary import write_county_summary
    from xlrubric.mail import campaign as cp
    from xlrubric.mail.ledger import Ledger, run_lock
    from xlrubric.mail.render import load_template

    mail = load_config().get("mail") or {}
    ledger = Ledger(job.outdir)
    try:
        settings = _settings(mail, password)
        sender = _sender(mail, True)
        jobs = _plan(job)
        with run_lock(job.outdir):
            cp.refuse_if_stale(jobs)
            lines = cp.send(job.outdir, jobs, load_template(None), sender, settings, ledger, cp.Options(),
                            progress=lambda line: run.lines.append(_line(line)))
        run.lines = [_line(x) for x in lines]
        try:
            write_county_summary(job.outdir, load_manifest(job.outdir), send_log=cp.send_log(lines))
        except (XlrubricError, OSError) as exc:
            run.message = f"县汇总.xlsx 未能更新：{exc}（邮件发送不受影响）"
        run.state = "done"
    except XlrubricError as exc:
        run.message, run.state = str(exc), "failed"
    except Exception as exc:
        run.message, run.state = f"程序内部错误：{exc!r}", "failed"
    finally:
        ledger.close()


async def send(request: Request) -> JSONResponse:
    job = _ready(request)
    if isinstance(job, JSONResponse):
        return job
    if job.mail is not None and job.mail.state == "sending":
        return JSONResponse({"ok": False, "message": "正在发送，请等这一轮结束。"}, 409)
    body = await _body(request)
    mail = load_config().get("mail") or {}
    password = body.get("password") or None
    kr = _keyring()
    if password is None and kr is not None and mail.get("user"):
        try:
            password = kr.get_password(KEYRING_SERVICE, _account(mail))
        except Exception:          # a locked or broken keyring: ask for the password instead
            password = None
    if mail.get("user") and not password:
        return JSONResponse({"ok": False, "need_password": True, "message": "请输入邮箱密码（本机没有系统钥匙串，"
                                                                          "密码不会保存）。"})
    job.mail = MailRun()
    threading.Thread(target=_send, args=(job, job.mail, password), daemon=True, name="xlrubric-mail").start()
    return JSONResponse({"ok": True})


def preview_file(request: Request):
    """One rendered .eml from the preview, for the director to open in her mail program."""
    from starlette.responses import FileResponse

    from xlrubric.mail.campaign import PREVIEW_DIR

    job = _job_or_404(request)
    if isinstance(job, JSONResponse):
        return job
    folder = (job.outdir / PREVIEW_DIR).resolve()
    path = (folder / request.path_params["name"]).resolve()
    if path.parent != folder or path.suffix != ".eml" or not path.is_file():
        return JSONResponse({"ok": False, "message": "预览邮件不存在，请重新生成预览。"}, 404)
    return FileResponse(path, filename=path.name, media_type="message/rfc822")


def mail_status(request: Request) -> JSONResponse:
    job = _job_or_404(request)
    if isinstance(job, JSONResponse):
        return job
    run = job.mail
    if run is None:
        return JSONResponse({"ok": True, "state": "idle", "lines": [], "message": ""})
    return JSONResponse({"ok": True, "state": run.state, "lines": list(run.lines), "message": run.message})
