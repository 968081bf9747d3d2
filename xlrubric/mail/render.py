"""Turn one school's batch result into the e-mail it receives.

The county edits the wording, not Python: a Jinja2 template (`--template`, else the built-in
`templates/default.j2`) whose first line is `主题：…` and whose body follows a blank line. Undefined
names fail loudly (StrictUndefined) so a typo in the county's template stops the dry run instead of
mailing 200 schools a blank. The attachment's Chinese name goes out twice (`disposition`): as RFC 2231
`filename*=utf-8''…`, which is all `EmailMessage.add_attachment` writes (docs/measured.md, Mail), and as a
quoted `filename=` for older clients; with the Excel MIME type for its extension. The Message-ID is
deterministic (see `message_id`), which is what lets a recipient's system recognise a resend of the same
message.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, formataddr
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from xlrubric.mail.errors import MailError
from xlrubric.readers.text import period_label

MIME_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xlsm": ("application", "vnd.ms-excel.sheet.macroEnabled.12"),
    ".xls": ("application", "vnd.ms-excel"),
}
UTF8_PREFIX = "utf-8''"
_SUBJECT = re.compile(r"^\s*(主题|subject)\s*[:：]\s*(.*)$", re.IGNORECASE)


@dataclass
class Letter:
    """What the template fills in for one school (also what the dry-run table shows)."""

    school: str
    to: str
    attachment_name: str
    attachment: bytes
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sender:
    address: str
    name: str = ""
    signature: str = ""
    cc: tuple[str, ...] = ()


def message_id(campaign: str, school: str, sha256: str, domain: str, resend: int = 0) -> str:
    """The same (campaign, school, attachment) always gets the same id; a deliberate resend gets `.rN`.

    A resend of a message whose delivery is unknown keeps the id (the recipient's system may drop the
    duplicate); a resend on purpose of a delivered one must not be dropped, so it gets a new suffix.
    """
    digest = hashlib.sha256(f"{campaign}\x1f{school}\x1f{sha256}".encode()).hexdigest()[:32]
    suffix = f".r{resend}" if resend else ""
    return f"<xlrubric.{digest}{suffix}@{domain or 'xlrubric.localhost'}>"


def load_template(path: Path | None) -> jinja2.Template:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    if path is None:
        source = resources.files("xlrubric.mail").joinpath("templates/default.j2").read_text(encoding="utf-8")
        name = "default.j2"
    else:
        path = Path(path)
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise MailError(f"邮件模板无法读取（{exc}）", file=str(path),
                            hint="模板应是 UTF-8 编码的文本文件；不写 --template 就用内置模板。") from exc
        name = path.name
    try:
        return env.from_string(source, globals={"_name": name})
    except jinja2.TemplateSyntaxError as exc:
        raise MailError(f"邮件模板第 {exc.lineno} 行有语法错误：{exc.message}", file=name) from exc


def template_context(letter: Letter, sender: Sender) -> dict[str, Any]:
    s = letter.summary
    problems = {k: int((s.get("problems") or {}).get(k, 0)) for k in ("错误", "警告", "提示")}
    return {
        "school": letter.school, "term": s.get("term") or "", "year": s.get("year") or "",
        "period": s.get("period") or period_label(str(s.get("year") or ""), str(s.get("term") or ""))[0],
        "contact": s.get("contact") or "", "teachers": s.get("teachers") or 0, "bands": s.get("bands") or {},
        "mean_total": s.get("mean_total"), "full_marks": _whole(s.get("full_marks")),
        "hours_met_rate": s.get("hours_met_rate"), "met_label": s.get("met_label") or "学时达标率",
        "hours_pending": int(s.get("hours_pending") or 0),
        "problems": problems, "status": s.get("status") or "",
        "quota_ok": s.get("quota_ok"), "attachment": letter.attachment_name,
        "signature": sender.signature, "from_name": sender.name, "email": letter.to,
    }


def _whole(value: Any) -> Any:
    """30.0 → 30: a score scale reads as a whole number in a letter."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def render_text(template: jinja2.Template, letter: Letter, sender: Sender) -> tuple[str, str]:
    """(subject, body) for one school; a template error names the template and the school."""
    name = template.globals.get("_name", "模板")
    try:
        text = template.render(template_context(letter, sender))
    except jinja2.UndefinedError as exc:
        raise MailError(f"邮件模板用了不存在的变量（{exc.message}）", file=name,
                        hint="可用的变量列在内置模板 xlrubric/mail/templates/default.j2 的开头。") from exc
    except jinja2.TemplateError as exc:
        raise MailError(f"为「{letter.school}」生成邮件时模板出错：{exc}", file=name) from exc
    lines = text.lstrip("\n").splitlines()
    match = _SUBJECT.match(lines[0]) if lines else None
    if not match or not match.group(2).strip():
        raise MailError("邮件模板的第一行应是“主题：……”", file=name, hint="例如：主题：{{ school }}校本研修考核结果")
    body = "\n".join(lines[1:]).strip("\n") + "\n"
    return match.group(2).strip(), body


def build_message(template: jinja2.Template, letter: Letter, sender: Sender, msg_id: str,
                  when: datetime | None = None) -> EmailMessage:
    subject, body = render_text(template, letter, sender)
    msg = EmailMessage(policy=default)
    msg["From"] = formataddr((sender.name, sender.address)) if sender.name else sender.address
    msg["To"] = letter.to
    if sender.cc:
        msg["Cc"] = ", ".join(sender.cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime((when or datetime.now()).astimezone())
    msg["Message-ID"] = msg_id
    # base64 keeps the message 7-bit clean: smtplib does not ask for 8BITMIME, and some servers lack it.
    msg.set_content(body, cte="base64")
    maintype, subtype = MIME_TYPES.get(Path(letter.attachment_name).suffix.lower(),
                                       ("application", "octet-stream"))
    # The name goes only in Content-Disposition (RFC 2231). Adding it as Content-Type's `name` too makes the
    # email package fold that header with RFC 2047 words inside the MIME type itself (seen: "application/
    # =?utf-8?q?vnd=2Eopenxml…?="), which breaks the type for every client.
    msg.add_attachment(letter.attachment, maintype=maintype, subtype=subtype, filename=letter.attachment_name)
    part = next(msg.iter_attachments())
    del part["Content-Disposition"]
    part.set_raw("Content-Disposition", disposition(letter.attachment_name))
    return msg


def attachment_name(school: str, output_name: str) -> str:
    """The name the school sees: "<学校>_考核结果.xlsx" unless the file's own name already says 结果.

    A batch output keeps the name the school sent (中心小学.xlsx), which in a mailbox reads like the
    school's own file coming back unchanged.
    """
    path = Path(output_name)
    if "结果" in path.stem:
        return path.name
    from xlrubric.atomic import safe_output_name

    return safe_output_name(Path("."), f"{school}_考核结果{path.suffix}", default=path.name).name


def disposition(name: str) -> str:
    """`attachment` with the name twice: RFC 2231 `filename*` first, then a quoted `filename=` for old clients.

    The email package writes only the RFC 2231 form and drops a second `filename` when parsing a
    hand-written header, so the header is stored pre-folded (`set_raw`, every line under 78 characters:
    the SMTP policy keeps such a header as it is). Clients that know RFC 2231 take `filename*`; the old
    Outlook and Foxmail versions many schools still run read only `filename=`, and they decode RFC 2047
    words inside it, so the fallback keeps the Chinese name instead of a placeholder.
    """
    if name.isascii() and len(name) < 50 and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    chunks, current = [], ""
    for ch in name:
        quoted = quote(ch, safe="")          # whole characters: a chunk never splits a %XX sequence
        if len(current) + len(quoted) > 54:
            chunks.append(current)
            current = ""
        current += quoted
    chunks.append(current)
    lines = ["attachment;"]
    lines += [f" filename*{i}*={UTF8_PREFIX if i == 0 else ''}{c};" for i, c in enumerate(chunks)]
    words = Header(name, "utf-8").encode(maxlinelen=60).split("\n")
    lines += [f' filename="{words[0].strip()}'] + [f" {w.strip()}" for w in words[1:]]
    lines[-1] += '"'
    return "\n".join(lines)


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF line ends)."""
    return msg.as_bytes(policy=SMTP)
