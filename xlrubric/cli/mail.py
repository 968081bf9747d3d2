"""`xlrubric mail OUTDIR`: send each school its filled workbook, exactly once (dry run unless --send)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xlrubric.cli.common import console, err_console, run
from xlrubric.errors import XlrubricError
from xlrubric.mail import campaign as cp
from xlrubric.mail.contacts import load_contacts
from xlrubric.mail.errors import MailError
from xlrubric.mail.ledger import Ledger, run_lock
from xlrubric.mail.render import Sender, load_template
from xlrubric.mail.smtp import Settings, parse_server
from xlrubric.safetext import name as safe_name
from xlrubric.safetext import terminal

PASSWORD_ENV = "XLRUBRIC_SMTP_PASSWORD"
STYLES = {"已发送": "green", "将发送": "cyan", "待确认": "yellow", "发送失败": "red", "跳过": "red", "过期": "red",
          "未发送": "yellow"}


def mail(
    outdir: Annotated[Path, typer.Argument(help="xlrubric batch 的结果文件夹")],
    send: Annotated[bool, typer.Option("--send",
        help="真正发送（不加时只生成邮件预览）")] = False,
    show_status: Annotated[bool, typer.Option("--status",
        help="只显示每所学校的发送状态")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=0,
        help="本次最多发送几封")] = None,
    contacts: Annotated[Path | None, typer.Option("--contacts",
        help="通讯录（.xlsx 或 .csv，列：学校名称、电子邮箱），优先于工作簿里的邮箱")] = None,
    template: Annotated[Path | None, typer.Option("--template",
        help="邮件模板（Jinja2，第一行“主题：…”），默认用内置模板")] = None,
    preview_dir: Annotated[Path | None, typer.Option("--preview-dir",
        help="邮件预览（.eml）放在哪里，默认 OUTDIR/邮件预览")] = None,
    inputs: Annotated[Path | None, typer.Option("--inputs",
        help="批处理时的原始文件夹：发送前核对原始工作簿没有改过")] = None,
    campaign: Annotated[str, typer.Option("--campaign",
        help="本轮发送的名称（同一结果再发一轮时换个名称）")] = cp.DEFAULT_CAMPAIGN,
    resend: Annotated[list[str] | None, typer.Option("--resend",
        help="再次发送给这所学校（可重复）")] = None,
    from_addr: Annotated[str | None, typer.Option("--from",
        help="发件人邮箱")] = None,
    from_name: Annotated[str, typer.Option("--from-name",
        help="发件人名称，如 兰西县教师进修学校")] = "",
    signature: Annotated[str, typer.Option("--signature", help="正文落款")] = "",
    cc: Annotated[list[str] | None, typer.Option("--cc",
        help="抄送（可重复），如县里的存档邮箱")] = None,
    sent_folder: Annotated[Path | None, typer.Option("--sent-folder",
        help="每封发出的邮件另存一份 .eml 到这里")] = None,
    smtp: Annotated[str | None, typer.Option("--smtp",
        help="邮件服务器 主机:端口")] = None,
    starttls: Annotated[bool, typer.Option("--starttls",
        help="用 STARTTLS 加密（常用端口 587）")] = False,
    use_ssl: Annotated[bool, typer.Option("--ssl",
        help="用 SSL/TLS 直接加密连接（常用端口 465）")] = False,
    user: Annotated[str | None, typer.Option("--user",
        help=f"登录用户名；密码取环境变量 {PASSWORD_ENV}，没有时提示输入")] = None,
    cafile: Annotated[Path | None, typer.Option("--cafile",
        help="信任这个 CA 证书（县里自建的服务器）")] = None,
    rate: Annotated[float | None, typer.Option("--rate", min=0.1,
        help="每分钟最多发送几封")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1,
        help="等待服务器回复的秒数")] = 60.0,
    retries: Annotated[int, typer.Option("--retries", min=0,
        help="临时失败（4xx、断线）时重试几次")] = 3,
    retry_delay: Annotated[float, typer.Option("--retry-delay", min=0,
        help="第一次重试前等几秒（之后每次加倍）")] = 5.0,
) -> None:
    """把每所学校的结果工作簿发回学校的电子邮箱，每所学校只发一次。

    不加 --send 时只生成邮件预览（.eml）并列表显示；加 --send 才真正发送。发送记录保存在
    OUTDIR/发送记录.sqlite，重新运行只发还没发出的；--status 查看每所学校的状态。
    退出码：0 全部已发（或预览中全部可发）；1 有学校跳过、失败或待确认；2 无法发送（结果过期、服务器拒绝登录等）。
    """

    def go() -> int:
        from xlrubric.batch.manifest import load_manifest

        if starttls and use_ssl:
            raise MailError("--starttls 和 --ssl 只能选一个")
        if not outdir.is_dir():
            raise MailError("结果文件夹不存在", file=str(outdir), hint="先运行 xlrubric batch。")
        manifest = load_manifest(outdir)
        book = load_contacts(contacts) if contacts else None
        jobs = cp.plan(outdir, manifest, book, inputs)
        opts = cp.Options(campaign, tuple(resend or ()), limit, sent_folder)
        ledger = Ledger(outdir)
        try:
            if show_status:
                lines = cp.status(jobs, ledger, campaign)
                show(lines, f"发送状态（{campaign}）", book is not None)
                return cp.exit_code(lines)
            tmpl = load_template(template)
            sender = Sender(from_addr or _default_from(user, send), from_name, signature, tuple(cc or ()))
            if not send:
                lines = cp.preview(outdir, jobs, tmpl, sender, ledger, opts, preview_dir)
                show(lines, "邮件预览（没有发送）", book is not None)
                folder = preview_dir or outdir / cp.PREVIEW_DIR
                console.print(f"邮件已生成到「{terminal(folder)}」，可以用邮件程序打开检查；确认无误后加 --send 发送。")
                if any(line.state == "过期" for line in lines):
                    err_console.print("有结果已过期：--send 会拒绝发送，请先重新运行 xlrubric batch。")
                return cp.exit_code(lines)
            settings = _settings(smtp, starttls, use_ssl, user, cafile, rate, timeout, retries, retry_delay)
            with run_lock(outdir):
                cp.refuse_if_stale(jobs)
                lines = cp.send(outdir, jobs, tmpl, sender, settings, ledger, opts, progress=_progress)
            show(lines, f"发送结果（{campaign}）", book is not None)
            _county_summary(outdir, manifest, lines)
            return cp.exit_code(lines)
        finally:
            ledger.close()

    run(go)


def _default_from(user: str | None, send: bool) -> str:
    if user and "@" in user:
        return user
    if send:
        raise MailError("发送需要发件人邮箱", hint="加 --from 县里的邮箱地址。")
    return "preview@localhost"


def _settings(smtp: str | None, starttls: bool, use_ssl: bool, user: str | None, cafile: Path | None,
              rate: float | None, timeout: float, retries: int, retry_delay: float) -> Settings:
    if not smtp:
        raise MailError("发送需要邮件服务器", hint="加 --smtp 主机:端口，如 --smtp smtp.example.cn:587 --starttls。")
    security = "ssl" if use_ssl else "starttls" if starttls else "plain"
    host, port = parse_server(smtp, security)
    password = None
    if user:
        # Never an option: command lines end up in shell history and in `ps` output.
        password = os.environ.get(PASSWORD_ENV) or typer.prompt(f"{user} 的 SMTP 密码", hide_input=True)
    return Settings(host, port, security, user, password, str(cafile) if cafile else None, timeout, retries,
                    retry_delay, rate)


def _progress(line: cp.Line) -> None:
    if line.tried:
        style = STYLES.get(line.state, "")
        job = line.job
        err_console.print(f"[{style}]{line.state}[/] {safe_name(job.school)} → {safe_name(job.address.email)}",
                          highlight=False)


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def show(lines: list[cp.Line], title: str, with_contacts: bool) -> None:
    table = Table(title=title, title_justify="left")
    for heading in ("学校", "电子邮箱", "地址来源", "附件", "大小", "状态", "说明"):
        table.add_column(heading, overflow="fold")
    for line in lines:
        job = line.job
        source = job.address.source + ("（通讯录优先）" if with_contacts and job.address.source == "通讯录" else "")
        style = STYLES.get(line.state, "")
        # A message already out went where the ledger says, even if the address has changed since.
        gone = line.row is not None and line.row.state in ("sent", "sending") and line.row.recipient
        table.add_row(safe_name(job.school), safe_name((line.row.recipient if gone else job.address.email) or "—"),
                      safe_name(source or "—"), safe_name(job.attachment.name if job.attachment else "—"),
                      _size(job.size) if job.attachment else "—", f"[{style}]{line.state}[/]", terminal(line.detail))
    console.print(table)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.state] = counts.get(line.state, 0) + 1
    console.print(f"共 {len(lines)} 所学校：" + "，".join(f"{k} {v}" for k, v in counts.items()))


def _county_summary(outdir: Path, manifest, lines: list[cp.Line]) -> None:
    """Rebuild 县汇总.xlsx with its 发送记录 sheet; a failure here must not undo a send, so it only warns."""
    try:
        from xlrubric.batch.summary import write_county_summary
    except ImportError:
        err_console.print("（这个版本的 xlrubric batch 不能写「发送记录」表；发送状态见 --status。）")
        return
    try:
        target = write_county_summary(outdir, manifest, send_log=cp.send_log(lines))
    except (XlrubricError, OSError) as exc:
        err_console.print(f"[yellow]县汇总.xlsx 未能更新[/]：{terminal(exc)}（邮件发送不受影响；发送状态见 --status）")
        return
    console.print(f"发送记录已写入「{terminal(target)}」的「发送记录」表。")
