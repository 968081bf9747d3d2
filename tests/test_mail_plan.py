"""Verify the mail step's offline half: addresses, templates, the attachment's encoding, the staleness
check and the dry run (no server: a dry run must never connect)."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_mail_support import SCHOOLS, make_outdir, parse, write_book
from typer.testing import CliRunner

from xlrubric.batch.manifest import Entry, load_manifest
from xlrubric.cli import app
from xlrubric.mail import campaign as cp
from xlrubric.mail.contacts import load_contacts
from xlrubric.mail.errors import MailError, StaleBatch
from xlrubric.mail.ledger import Ledger
from xlrubric.mail.render import Letter, Sender, build_message, load_template, message_id, render_text, to_bytes
from xlrubric.mail.smtp import RateLimiter, Settings, check_settings, parse_server

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(name="outdir")
def fixture_outdir(tmp_path):
    return make_outdir(tmp_path)


def letter(name="兰西四中_考核结果.xlsx", **summary):
    base = {"term": "第二学期", "year": "2023-2024学年", "contact": "王明", "teachers": 12,
            "bands": {"优秀": 4, "良好": 6, "一般": 2}, "mean_total": 37.5, "full_marks": 50,
            "problems": {"错误": 1, "警告": 2, "提示": 3}}
    return Letter("兰西四中", "lanxi4@school.example.cn", name, b"PK\x03\x04 workbook bytes", {**base, **summary})


def test_attachment_name_is_rfc2231_and_type_follows_extension():
    """Verify the Chinese filename goes out as RFC 2231 (not RFC 2047) and decodes back; .xlsm gets its type."""
    name = "兰西县星火乡第一中学_考核结果_2023-2024学年第二学期.xlsx"
    raw = to_bytes(build_message(load_template(None), letter(name), Sender("county@example.cn"), "<a@b>"))
    assert b"filename*0*=utf-8''" in raw and b"filename*1*=" in raw      # long: continued
    head = raw[raw.index(b"Content-Type: application/"):].split(b"\r\n\r\n")[0]
    content_type = head.split(b"\r\n")[0]
    assert b"=?utf-8?" not in content_type                               # no RFC 2047 inside the MIME type
    # and beside it, for clients that know no RFC 2231, the quoted `filename=` (RFC 2047 words inside)
    assert b'\r\n filename="=?utf-8?b?' in head
    assert b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n" in head
    part = next(parse(raw).iter_attachments())
    assert part.get_filename() == name
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert part.get_content() == b"PK\x03\x04 workbook bytes"
    raw = to_bytes(build_message(load_template(None), letter("a.xlsm"), Sender("c@example.cn"), "<a@b>"))
    assert b"Content-Type: application/vnd.ms-excel.sheet.macroEnabled.12\r\n" in raw


def test_default_template_says_what_the_school_needs():
    """Verify subject and body carry school, term, teachers, 等次 counts, 学时 rate, problems and signature."""
    subject, body = render_text(load_template(None), letter(hours_met_rate=0.75),
                                Sender("c@example.cn", "兰西县教师进修学校", "兰西县教师进修学校 培训科"))
    assert subject == "兰西四中2023-2024学年第二学期校本研修考核结果"
    assert body.startswith("王明老师：")
    assert "参加考核教师 12 人" in body and "优秀 4 人，良好 6 人，一般 2 人" in body
    assert "学时达标率：75.0%" in body                                  # 0.75 × 100
    assert "错误 1 条，警告 2 条" in body and "校验问题" in body
    assert body.rstrip().endswith("兰西县教师进修学校 培训科")
    _, body = render_text(load_template(None), letter(problems={}), Sender("c@example.cn"))
    assert "学时达标率" not in body and "没有需要处理的错误或警告" in body


def test_county_template_and_its_mistakes(tmp_path):
    """Verify a county template is used, and a typo in it stops everything with a Chinese message."""
    own = tmp_path / "通知.j2"
    own.write_text("主题：请查收 {{ school }} 的结果\n\n{{ contact }}：附件是 {{ attachment }}。\n", encoding="utf-8")
    assert render_text(load_template(own), letter(), Sender("c@example.cn")) == (
        "请查收 兰西四中 的结果", "王明：附件是 兰西四中_考核结果.xlsx。\n")
    own.write_text("主题：{{ schol }}\n\n正文\n", encoding="utf-8")
    with pytest.raises(MailError, match="不存在的变量"):
        render_text(load_template(own), letter(), Sender("c@example.cn"))
    own.write_text("主题：{% if %}\n", encoding="utf-8")
    with pytest.raises(MailError, match="第 1 行有语法错误"):
        load_template(own)
    own.write_text("您好\n", encoding="utf-8")
    with pytest.raises(MailError, match="第一行应是“主题"):
        render_text(load_template(own), letter(), Sender("c@example.cn"))


def test_message_id_is_deterministic_per_campaign_school_and_workbook():
    """Verify the id repeats for the same key, differs otherwise, and a deliberate resend gets a suffix."""
    a = message_id("默认", "兰西四中", "ab12", "example.cn")
    assert a == message_id("默认", "兰西四中", "ab12", "example.cn")
    assert re.fullmatch(r"<xlrubric\.[0-9a-f]{32}@example\.cn>", a)
    others = {message_id("提醒", "兰西四中", "ab12", "example.cn"),
              message_id("默认", "兰西四中", "cd34", "example.cn"),
              message_id("默认", "兰西四中", "ab12", "example.cn", resend=1)}
    assert len(others | {a}) == 4


def test_contacts_csv_gbk_and_xlsx(tmp_path):
    """Verify 通讯录 from a GBK CSV (what Chinese Excel saves) and from a workbook, with bad rows reported."""
    csv_path = tmp_path / "通讯录.csv"
    csv_path.write_bytes("序号,学校名称,电子邮箱\n1,兰西四中,new4@school.example.cn\n2,星火一中,bad＠mail\n"
                         "3,重复学校,a@example.cn\n4,重复学校,b@example.cn\n".encode("gbk"))
    book = load_contacts(csv_path)
    assert book["兰西四中"].email == "new4@school.example.cn" and book["兰西四中"].ok
    assert "格式不对" in book["星火一中"].problem
    assert "两个不同的邮箱" in book["重复学校"].problem
    import xlsxwriter

    xlsx = tmp_path / "通讯录.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    ws = wb.add_worksheet("通讯录")
    ws.write_row(0, 0, ["县教师进修学校 通讯录"])
    ws.write_row(2, 0, ["学校名称", "联系人", "电子邮箱"])
    ws.write_row(3, 0, ["兰西四中", "王明", " lanxi4@school.example.cn "])
    wb.close()
    assert load_contacts(xlsx)["兰西四中"].email == "lanxi4@school.example.cn"
    wrong = tmp_path / "x.csv"
    wrong.write_text("名称,电话\n", encoding="utf-8")
    with pytest.raises(MailError, match="学校名称"):
        load_contacts(wrong)


def test_plan_skips_what_it_cannot_send_and_never_guesses(tmp_path):
    """Verify no address, a bad address, two workbooks claiming one school and an unreadable input are skipped."""
    schools = [("甲校", "", "甲校.xlsx"), ("乙校", "yi@school,cn", "乙校.xlsx"),
               ("丙校", "bing@school.example.cn", "丙1.xlsx"),
               ("丙校", "bing@school.example.cn", "丙2.xlsx"), ("丁校", "ding@school.example.cn", "丁校.xlsx")]
    outdir = make_outdir(tmp_path, schools)
    manifest = load_manifest(outdir)
    manifest.record(Entry("坏.xls", "00", "r1", manifest.program_version, "unreadable", message="文件已加密"))
    manifest.save()
    jobs = {j.input: j for j in cp.plan(outdir, load_manifest(outdir))}
    assert jobs["甲校.xlsx"].skip == "没有电子邮箱"
    assert jobs["乙校.xlsx"].skip == "电子邮箱「yi@school,cn」格式不对"
    assert "2 个工作簿都写着「丙校」" in jobs["丙1.xlsx"].skip == jobs["丙2.xlsx"].skip
    assert "文件已加密" in jobs["坏.xls"].skip
    assert jobs["丁校.xlsx"].skip == "" and jobs["丁校.xlsx"].stale == ""


def test_stale_outputs_are_named(outdir, tmp_path):
    """Verify a changed output, a missing output and (with --inputs) a changed input make the plan stale."""
    changed = outdir / "兰西四中_考核结果.xlsx"
    changed.write_bytes(changed.read_bytes() + b"\0")
    (outdir / SCHOOLS[0][2]).unlink()
    write_book(tmp_path / "in" / "白湾子镇学校.xlsx", "白湾子镇学校", "new@school.example.cn", 5)
    jobs = cp.plan(outdir, load_manifest(outdir), inputs=tmp_path / "in")
    reasons = {j.school: j.stale for j in jobs}
    assert reasons["兰西四中"] == "结果文件「兰西四中_考核结果.xlsx」在批处理之后被改动过"
    assert reasons["兰西县星火乡第一中学"].endswith("不见了")
    assert reasons["白湾子镇学校"] == "原始工作簿「白湾子镇学校.xlsx」在批处理之后被修改过"
    with pytest.raises(StaleBatch, match="3 所学校"):
        cp.refuse_if_stale(jobs)


def test_dry_run_renders_eml_files_and_a_table(outdir):
    """Verify the default dry run writes one .eml per school to 邮件预览 and lists school → address → size."""
    result = runner.invoke(app, ["mail", str(outdir), "--from", "county@example.cn"])
    assert result.exit_code == 0, result.output
    emls = sorted((outdir / "邮件预览").glob("*.eml"))
    assert [p.stem for p in emls] == sorted(s for s, _, _ in SCHOOLS)
    msg = parse((outdir / "邮件预览" / "兰西四中.eml").read_bytes())
    assert msg["To"] == "lanxi4@school.example.cn"
    assert next(msg.iter_attachments()).get_content() == (outdir / "兰西四中_考核结果.xlsx").read_bytes()
    assert "邮件预览（没有发送）" in result.output and "将发送" in result.output
    assert "lanxi4@school.example.cn" in result.output
    ledger = Ledger(outdir)
    assert {r.state for r in ledger.rows()} == {"rendered"}
    ledger.close()


def test_contacts_win_and_the_table_says_so(outdir, tmp_path):
    """Verify a 通讯录 address replaces the workbook's and is marked as coming from the 通讯录."""
    book = tmp_path / "通讯录.csv"
    book.write_text("学校名称,电子邮箱\n兰西四中,office4@school.example.cn\n", encoding="utf-8-sig")
    result = runner.invoke(app, ["mail", str(outdir), "--contacts", str(book), "--status"])
    assert result.exit_code == 1          # nothing sent yet
    assert "office4@school.example.cn" in result.output and "通讯录（通讯录优先）" in result.output
    assert "lanxi4@school.example.cn" not in result.output


def test_send_refuses_a_stale_batch_before_connecting(outdir):
    """Verify --send exits 2 with a Chinese message when an output changed (no server is even needed)."""
    out = outdir / "兰西四中_考核结果.xlsx"
    out.write_bytes(out.read_bytes() + b"\0")
    result = runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", "127.0.0.1:9", "--from", "c@example.cn"])
    assert result.exit_code == 2
    assert "批处理结果已过期，不能发送" in result.output and "一所都没有发出" in result.output


def test_no_manifest_is_explained(tmp_path):
    """Verify an OUTDIR without a manifest says to run batch first."""
    result = runner.invoke(app, ["mail", str(tmp_path)])
    assert result.exit_code == 2 and "先运行 xlrubric batch" in result.output


def test_credentials_are_never_sent_in_clear_text_off_loopback():
    """Verify AUTH without TLS is refused for a remote host, allowed for loopback."""
    with pytest.raises(MailError, match="拒绝把用户名和密码明文发送"):
        check_settings(Settings("smtp.example.cn", 25, user="u", password="p"))
    check_settings(Settings("127.0.0.1", 25, user="u", password="p"))
    check_settings(Settings("smtp.example.cn", 587, "starttls", user="u", password="p"))
    assert parse_server("[::1]:2525", "plain") == ("::1", 2525)
    assert parse_server("smtp.example.cn", "ssl") == ("smtp.example.cn", 465)


def test_rate_limit_spaces_messages_evenly():
    """Verify 30/min means one start every 2 s on an injected clock (no real waiting)."""
    now, slept = [100.0], []

    def sleep(s):
        slept.append(s)
        now[0] += s

    rate = RateLimiter(30, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        rate.wait()
        now[0] += 0.5          # the send itself takes 0.5 s
    assert slept == [1.5, 1.5]  # 2 s interval − 0.5 s already spent
    assert RateLimiter(None).interval == 0


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
               max_size=80))
def test_any_attachment_name_survives_both_forms(stem):
    """Verify any name comes back from the RFC 2231 form and the header stays as written (no refolding)."""
    # email.message.get_filename() strips surrounding whitespace whatever the header says, so a name
    # that starts with a space cannot round-trip through any form (hypothesis found stem=" ").
    assume(stem == stem.lstrip())
    name = stem + ".xlsx"
    raw = to_bytes(build_message(load_template(None), letter(name), Sender("c@example.cn"), "<a@b>"))
    head = raw[raw.index(b"Content-Disposition:"):].split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert next(parse(raw).iter_attachments()).get_filename() == name


def test_period_says_the_school_year_once():
    """Verify 学年 + 学期 read as one label: no doubled year, and a 学期 naming another year is flagged."""
    from xlrubric.readers.text import period_label

    assert period_label("2025-2026学年度", "2025-2026学年度上学期") == ("2025-2026学年度上学期", False)
    assert period_label("2025-2026学年度", "2020-2021学年度下学期") == ("2025-2026学年度下学期", True)
    assert period_label("2023-2024学年", "第二学期") == ("2023-2024学年第二学期", False)
    assert period_label("", "2020—2021学年（能力提升工程2.0）") == ("2020—2021学年（能力提升工程2.0）", False)
    assert period_label("2025-2026学年度", "") == ("2025-2026学年度", False)
