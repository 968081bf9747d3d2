"""Verify sending against a real aiosmtpd server on loopback: what arrives, TLS, AUTH, and the faults a
county will meet (421 greeting, 451/550 on RCPT, a hang-up mid-DATA, no reply after the dot, a slow
server) — each school receives its workbook exactly once or is reported, never twice, never lost."""

from __future__ import annotations

import ssl
from email.header import decode_header, make_header

import pytest
import trustme
from test_mail_support import SCHOOLS, Server, authenticator, make_outdir, parse
from typer.testing import CliRunner

from xlrubric.batch.manifest import load_manifest
from xlrubric.cli import app
from xlrubric.mail import campaign as cp
from xlrubric.mail.ledger import Ledger
from xlrubric.mail.render import Sender, load_template
from xlrubric.mail.smtp import Settings

runner = CliRunner(env={"COLUMNS": "250"})
XINGHUO, LANXI4, BAIWANZI = (addr for _, addr, _ in SCHOOLS)


@pytest.fixture(name="outdir")
def fixture_outdir(tmp_path):
    return make_outdir(tmp_path)


@pytest.fixture(name="server")
def fixture_server():
    with Server() as server:
        yield server


def send(outdir, server, *args, env=None):
    return runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", server.address, "--from", "county@example.cn",
                               "--from-name", "兰西县教师进修学校", "--retry-delay", "0", "--timeout", "5", *args],
                         env=env)


def states(outdir) -> dict[str, str]:
    ledger = Ledger(outdir)
    try:
        return {row.school: row.state for row in ledger.rows()}
    finally:
        ledger.close()


def counts(server) -> dict[str, int]:
    return {addr: len(server.to(addr)) for _, addr, _ in SCHOOLS}


def test_each_school_gets_its_own_workbook_once_over_one_connection(outdir, server):
    """Verify recipient, subject, body, attachment bytes and Chinese filename as received; re-run sends nothing."""
    result = send(outdir, server)
    assert result.exit_code == 0, result.output
    assert server.handler.connections == 1
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}
    for school, addr, out_name in SCHOOLS:
        got = server.to(addr)[0]
        msg = got.msg
        assert got.rcpt_tos == [addr] and got.mail_from == "county@example.cn"
        assert msg["To"] == addr
        assert msg["Subject"] == f"{school}2023-2024学年第二学期校本研修考核结果"
        body = msg.get_body(("plain",)).get_content()
        assert "参加考核教师 4 人" in body and "优秀 2 人，良好 2 人" in body     # 4 teachers: 2 优秀 + 2 良好
        part = next(msg.iter_attachments())
        assert part.get_filename() == out_name
        assert part.get_content() == (outdir / out_name).read_bytes()
    lanxi4 = server.to(LANXI4)[0].msg.get_body(("plain",)).get_content()
    assert "错误 1 条，警告 2 条" in lanxi4                                     # its summary's problems
    ledger = Ledger(outdir)
    ids = {row.school: row.message_id for row in ledger.rows()}
    assert {row.state for row in ledger.rows()} == {"sent"}
    assert all(row.reply.startswith("250") for row in ledger.rows())
    ledger.close()
    assert ids["兰西四中"] == server.to(LANXI4)[0].msg["Message-ID"]

    again = send(outdir, server)
    assert again.exit_code == 0 and len(server.messages) == 3
    status = runner.invoke(app, ["mail", str(outdir), "--status"])
    assert status.exit_code == 0 and status.output.count("已发送") >= 3


def test_limit_then_resume(outdir, server):
    """Verify --limit 1 sends one, exits 1 with the rest 未发送, and the next run sends only the rest."""
    first = send(outdir, server, "--limit", "1")
    assert first.exit_code == 1 and len(server.messages) == 1 and "已达到 --limit" in first.output
    second = send(outdir, server)
    assert second.exit_code == 0
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}


def test_resend_on_purpose_gets_a_new_message_id(outdir, server):
    """Verify --resend sends one school again (new Message-ID, so no receiver drops it) and nobody else."""
    send(outdir, server)
    first_id = server.to(LANXI4)[0].msg["Message-ID"]
    result = send(outdir, server, "--resend", "兰西四中")
    assert result.exit_code == 0
    assert counts(server) == {XINGHUO: 1, LANXI4: 2, BAIWANZI: 1}
    assert server.to(LANXI4)[1].msg["Message-ID"] not in (first_id, None)
    assert send(outdir, server, "--resend", "不存在的学校").exit_code == 2


def test_cc_and_sent_folder(outdir, server, tmp_path):
    """Verify --cc reaches the county archive on every message and --sent-folder keeps what was sent."""
    folder = tmp_path / "已发送"
    result = send(outdir, server, "--cc", "archive@county.example.cn", "--sent-folder", str(folder))
    assert result.exit_code == 0
    assert all(m.rcpt_tos[1:] == ["archive@county.example.cn"] for m in server.messages)
    assert all(m.msg["Cc"] == "archive@county.example.cn" for m in server.messages)
    kept = {parse(p.read_bytes())["Message-ID"] for p in folder.glob("*.eml")}
    assert kept == {m.msg["Message-ID"] for m in server.messages}


@pytest.fixture(name="tls", scope="module")
def fixture_tls(tmp_path_factory):
    """A throwaway CA and a certificate for 127.0.0.1 (generated now; nothing checked in)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    cafile = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return ctx, cafile


def test_starttls_with_auth(outdir, tls):
    """Verify STARTTLS to a server that requires it, then AUTH; the password comes from the environment only."""
    ctx, cafile = tls
    with Server(tls_context=ctx, require_starttls=True, authenticator=authenticator("county", "s3cret-密码"),
                auth_required=True) as server:
        result = send(outdir, server, "--starttls", "--cafile", str(cafile), "--user", "county",
                      env={"XLRUBRIC_SMTP_PASSWORD": "s3cret-密码"})
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 3 and all(m.tls and m.authenticated for m in server.messages)


def test_wrong_password_and_untrusted_certificate_stop_with_exit_2(outdir, tls):
    """Verify a refused login and an unverifiable certificate end the run (exit 2) and never echo the password."""
    ctx, cafile = tls
    with Server(tls_context=ctx, require_starttls=True, authenticator=authenticator("county", "right"),
                auth_required=True) as server:
        bad = send(outdir, server, "--starttls", "--cafile", str(cafile), "--user", "county",
                   env={"XLRUBRIC_SMTP_PASSWORD": "wrong-pass-123"})
        assert bad.exit_code == 2 and "拒绝了用户「county」的登录" in bad.output
        assert "wrong-pass-123" not in bad.output
        untrusted = send(outdir, server, "--starttls", "--user", "county", env={"XLRUBRIC_SMTP_PASSWORD": "right"})
        assert untrusted.exit_code == 2 and "证书无法验证" in untrusted.output
        assert server.messages == [] and set(states(outdir).values()) == {"rendered"}


def test_implicit_tls(outdir, tls):
    """Verify --ssl (implicit TLS, the port-465 style) delivers everything."""
    ctx, cafile = tls
    with Server(ssl_context=ctx) as server:
        result = send(outdir, server, "--ssl", "--cafile", str(cafile))
        assert result.exit_code == 0, result.output
        assert len(server.messages) == 3 and all(m.tls for m in server.messages)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_plain_auth_is_allowed_on_loopback_only(outdir):
    """Verify AUTH without TLS works against 127.0.0.1, and is refused for a remote host before connecting."""
    with Server(authenticator=authenticator("u", "p"), auth_require_tls=False, auth_required=True) as server:
        assert send(outdir, server, "--user", "u", env={"XLRUBRIC_SMTP_PASSWORD": "p"}).exit_code == 0
        assert all(m.authenticated for m in server.messages)
    remote = runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", "smtp.example.cn:25",
                                 "--from", "c@example.cn", "--user", "u", "--resend", "兰西四中"],
                           env={"XLRUBRIC_SMTP_PASSWORD": "p"})
    assert remote.exit_code == 2 and "拒绝把用户名和密码明文发送" in remote.output


def test_421_greeting_is_retried(outdir, server):
    """Verify two 421 greetings are waited out and everything then goes over the third connection."""
    server.handler.faults.refuse_connects = 2
    result = send(outdir, server)
    assert result.exit_code == 0, result.output
    assert server.handler.connections == 3
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}


def test_451_is_retried_and_550_is_recorded_while_the_rest_go_on(outdir, server):
    """Verify a 451 on RCPT is retried (delivered once), a 550 fails that school only, and re-runs retry only it."""
    server.handler.faults.rcpt = {LANXI4: ["451 4.7.1 Greylisted, try again"],
                                  BAIWANZI: ["550 5.1.1 Mailbox unavailable"]}
    result = send(outdir, server)
    assert result.exit_code == 1
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 0}
    assert states(outdir) == {"兰西县星火乡第一中学": "sent", "兰西四中": "sent", "白湾子镇学校": "failed"}
    assert "550 5.1.1 Mailbox unavailable" in result.output and "发送失败" in result.output
    ledger = Ledger(outdir)
    assert {r.school: r.attempts for r in ledger.rows()}["兰西四中"] == 1    # 'sending' only once: 451 came at RCPT
    ledger.close()
    server.handler.faults.rcpt = {}
    again = send(outdir, server)
    assert again.exit_code == 0
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}


def test_backoff_doubles_on_an_injected_sleep(outdir, server):
    """Verify 4xx retries pause retry_delay, then twice that (no real waiting), and give up after --retries."""
    server.handler.faults.rcpt = {LANXI4: ["451 busy", "451 busy", "451 busy", "451 busy"]}
    slept = []
    jobs = cp.plan(outdir, load_manifest(outdir))
    ledger = Ledger(outdir)
    lines = cp.send(outdir, jobs, load_template(None), Sender("county@example.cn"),
                    Settings("127.0.0.1", server.port, retries=2, retry_delay=0.5), ledger, cp.Options(),
                    sleep=slept.append)
    ledger.close()
    assert slept == [0.5, 1.0]                       # 0.5, then 0.5 × 2; a third failure gives up
    failed = [line for line in lines if line.state == "发送失败"]
    assert [line.job.school for line in failed] == ["兰西四中"] and "已重试 2 次" in failed[0].detail
    assert counts(server) == {XINGHUO: 1, LANXI4: 0, BAIWANZI: 1}


def test_hang_up_mid_data_is_retried_once(outdir, server):
    """Verify a server that hangs up after 354 (before the dot) gets the message again, on a new connection."""
    server.handler.faults.drop_after_354 = {LANXI4}
    result = send(outdir, server)
    assert result.exit_code == 0, result.output
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}
    assert server.handler.connections == 2


def test_no_reply_after_the_dot_is_unconfirmed_not_resent(outdir, server):
    """Verify the one ambiguous window: no reply after the dot → 待确认, skipped by re-runs, --resend keeps the id."""
    server.handler.faults.drop_after_dot = {LANXI4}     # the server read it all, then vanished without a reply
    result = send(outdir, server)
    assert result.exit_code == 1 and "待确认" in result.output
    assert states(outdir)["兰西四中"] == "sending"
    assert counts(server) == {XINGHUO: 1, LANXI4: 0, BAIWANZI: 1}
    again = send(outdir, server)
    assert again.exit_code == 1 and len(server.messages) == 2         # not sent again by a plain re-run
    status = runner.invoke(app, ["mail", str(outdir), "--status"])
    assert "待确认" in status.output and "--resend" in status.output
    ledger = Ledger(outdir)
    pending_id = {r.school: r.message_id for r in ledger.rows()}["兰西四中"]
    ledger.close()
    resent = send(outdir, server, "--resend", "兰西四中")
    assert resent.exit_code == 0
    assert server.to(LANXI4)[0].msg["Message-ID"] == pending_id      # same id: a deduplicating receiver drops a copy


def test_slow_server_past_the_timeout_is_never_sent_twice(outdir, server):
    """Verify a server slower than --timeout: each message is marked 待确认, arrives once, and is not resent."""
    server.handler.faults.delay = 1.0
    result = runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", server.address, "--from", "c@example.cn",
                                 "--timeout", "0.3", "--retry-delay", "0", "--limit", "1"])
    # --limit 1 keeps the test short; the kill/resume test covers many schools.
    assert result.exit_code == 1 and "待确认" in result.output
    server.handler.faults.delay = 0.0
    first = [s for s, state in states(outdir).items() if state == "sending"]
    assert len(first) == 1 and len(server.messages) == 1              # the server did deliver it, late
    again = send(outdir, server)
    assert again.exit_code == 1
    assert len(server.messages) == 3 and all(n == 1 for n in counts(server).values())


def test_slow_server_within_the_timeout_is_fine(outdir, server):
    """Verify a server that takes its time (but less than --timeout) gets everything once."""
    server.handler.faults.delay = 0.3
    assert send(outdir, server).exit_code == 0
    assert counts(server) == {XINGHUO: 1, LANXI4: 1, BAIWANZI: 1}


def test_county_summary_gets_a_send_sheet(outdir, server):
    """Verify 县汇总.xlsx gains a 发送记录 sheet with each school's state after a send (one 550 among them)."""
    from python_calamine import CalamineWorkbook

    server.handler.faults.rcpt = {BAIWANZI: ["550 5.1.1 Mailbox unavailable"]}
    assert send(outdir, server).exit_code == 1
    rows = CalamineWorkbook.from_path(str(outdir / "县汇总.xlsx")).get_sheet_by_name("发送记录").to_python()
    assert rows[0][:3] == ["学校", "地址", "状态"]
    got = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert got == {"兰西县星火乡第一中学": (XINGHUO, "已发送"), "兰西四中": (LANXI4, "已发送"),
                   "白湾子镇学校": (BAIWANZI, "发送失败")}
    assert any("550 5.1.1" in str(r[5]) for r in rows[1:])


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_password_prompt_and_one_run_at_a_time(outdir):
    """Verify the password is prompted for when not in the environment, and a second concurrent run is refused."""
    from xlrubric.mail.ledger import run_lock

    with Server(authenticator=authenticator("u", "p"), auth_require_tls=False, auth_required=True) as server:
        with run_lock(outdir):
            busy = send(outdir, server)
        assert busy.exit_code == 2 and "另一个 xlrubric mail 正在" in busy.output and server.messages == []
        prompted = runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", server.address,
                                       "--from", "c@example.cn", "--user", "u"], input="p\n")
        assert prompted.exit_code == 0, prompted.output
        assert len(server.messages) == 3


def test_what_a_school_receives_reads_as_its_result(tmp_path, server):
    """Verify, as received: one school year in the subject, the attachment renamed to 学校_考核结果 with
    both RFC 2231 `filename*` and a quoted `filename=` for old clients (issue 13)."""
    outdir = make_outdir(tmp_path, [("平山镇中学", "ps@school.example.cn", "中心小学.xlsx")])
    manifest = load_manifest(outdir)
    (entry,) = manifest.entries.values()
    entry.summary.update(year="2025-2026学年度", term="2025-2026学年度上学期", period="")
    manifest.save()
    assert send(outdir, server).exit_code == 0
    (got,) = server.to("ps@school.example.cn")
    assert got.msg["Subject"] == "平山镇中学2025-2026学年度上学期校本研修考核结果"     # the year once
    part = next(got.msg.iter_attachments())
    assert part.get_filename() == "平山镇中学_考核结果.xlsx"
    disposition = got.raw[got.raw.index(b"Content-Disposition:"):].split(b"\r\n\r\n")[0].decode("ascii")
    assert "filename*0*=utf-8''%E5%B9%B3" in disposition                   # 平 = E5 B9 B3
    fallback = disposition[disposition.index('filename="') + 10:].rsplit('"', 1)[0]
    assert str(make_header(decode_header(fallback.replace("\r\n", "")))) == "平山镇中学_考核结果.xlsx"
    body = got.msg.get_body(("plain",)).get_content()
    assert "附件「平山镇中学_考核结果.xlsx」" in body and "2025-2026学年度2025-2026" not in body
