"""One mailing over a batch OUTDIR: plan from the manifest, preview, send, report.

The batch manifest is the only source of truth for what goes out: each entry's output file, its hash,
and the summary (school, 电子邮箱, term …) read from the school's own 基本信息. Before anything is sent the
plan must be current — every output present with its recorded hash, and (when the original folder is
given with --inputs) every input unchanged — otherwise the whole send is refused, since mailing a stale
workbook is worse than mailing none. The attachment bytes are hashed again as they are read, so what is
attached is exactly what the manifest vouches for. A campaign name (default 默认) separates deliberate
mailings of the same results, e.g. a first round and a reminder.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlrubric import __version__
from xlrubric.atomic import atomic_output, safe_output_name
from xlrubric.batch.manifest import Entry, Manifest, file_sha256
from xlrubric.mail.contacts import Address, choose_address
from xlrubric.mail.errors import MailError, StaleBatch
from xlrubric.mail.ledger import Key, Ledger, Row
from xlrubric.mail.render import Letter, Sender, attachment_name, build_message, message_id, to_bytes
from xlrubric.mail.smtp import Connection, RateLimiter, Settings, check_settings
from xlrubric.readers.text import normalize_label
from xlrubric.safetext import clean

DEFAULT_CAMPAIGN = "默认"
PREVIEW_DIR = "邮件预览"


@dataclass
class Job:
    """One school's workbook and where it would go."""

    input: str
    school: str
    entry: Entry
    address: Address
    attachment: Path | None
    skip: str = ""        # why it cannot be sent at all (no output, no/bad address, duplicate school)
    stale: str = ""       # why the manifest no longer vouches for the output

    @property
    def sha256(self) -> str:
        return self.entry.output_sha256 or ""

    @property
    def size(self) -> int:
        return self.attachment.stat().st_size if self.attachment and self.attachment.exists() else 0

    def key(self, campaign: str) -> Key:
        return Key(campaign, self.school, self.sha256)


@dataclass
class Line:
    """What happened (or would happen) to one job: for the table, the exit code and 发送记录."""

    job: Job
    state: str            # 将发送 / 已发送 / 待确认 / 发送失败 / 跳过 / 过期 / 未发送
    detail: str = ""
    row: Row | None = None
    tried: bool = False   # a transaction was attempted (counts against --limit)

    @property
    def ok(self) -> bool:
        return self.state in ("将发送", "已发送")


def plan(outdir: Path, manifest: Manifest, contacts: dict[str, Address] | None = None,
         inputs: Path | None = None) -> list[Job]:
    """Every manifest entry as a Job, with the reasons it cannot or may not be sent."""
    if not manifest.entries:
        raise MailError(f"「{outdir}」里没有批处理记录（xlrubric-manifest.jsonl）",
                        hint="先运行 xlrubric batch 学校文件夹 --out 结果文件夹，再对结果文件夹运行 mail。")
    jobs = []
    for rel, entry in sorted(manifest.entries.items()):
        school = clean(entry.summary.get("school") or Path(rel).stem).strip()   # reaches headers, names, terminal
        address = choose_address(school, str(entry.summary.get("email") or ""), contacts)
        out = outdir / entry.output if entry.output else None
        job = Job(rel, school, entry, address, out)
        if entry.status == "unreadable" or out is None:
            job.skip = f"工作簿无法读取，没有结果可发（{entry.message or entry.status}）"
        else:
            job.stale = _stale_reason(entry, outdir, inputs)
            if not address.ok:
                job.skip = address.problem
        jobs.append(job)
    _settle_claims(jobs)
    return jobs


def _settle_claims(jobs: list[Job]) -> None:
    """Two workbooks writing one 学校名称: say which file claims what; the 通讯录's 工作簿 column settles it.

    Without that column nothing is guessed — both are held, or a school that copied another's 基本信息
    would receive (or make the other receive) the wrong results.
    """
    names = Counter(normalize_label(j.school) for j in jobs if j.attachment is not None)
    for key, n in names.items():
        if n < 2:
            continue
        claimants = [j for j in jobs if j.attachment is not None and normalize_label(j.school) == key]
        school, pinned = claimants[0].school, claimants[0].address.workbook
        owner = [j for j in claimants if pinned and _is_file(j.input, pinned)]
        files = "、".join(f"「{clean(j.input)}」" for j in claimants)
        for job in claimants:
            if len(owner) == 1 and job is owner[0]:
                continue
            if len(owner) == 1:
                job.skip = (f"「{clean(job.input)}」的学校名称写的是「{school}」，但通讯录中「{school}」对应的工作簿是"
                            f"「{clean(owner[0].input)}」：此工作簿不发送，请核对它「基本信息」表中的学校名称")
            else:
                job.skip = (f"有 {n} 个工作簿都写着「{school}」（{files}），无法确定发哪个：请改正写错的工作簿"
                            f"「基本信息」表中的学校名称后重新批处理，或在通讯录（--contacts）中加一列「工作簿」，"
                            f"写明「{school}」对应哪个文件")


def _is_file(rel: str, pinned: str) -> bool:
    """The 通讯录's 工作簿 cell names this input: its path under the county folder, or its file name."""
    want = pinned.replace("\\", "/").strip().strip("/").casefold()
    return want in (rel.casefold(), Path(rel).name.casefold(), Path(rel).stem.casefold())


def _stale_reason(entry: Entry, outdir: Path, inputs: Path | None) -> str:
    """"" when the manifest still vouches for the output (`Entry.is_current`), else why not, in Chinese."""
    out = outdir / (entry.output or "")
    if not out.exists():
        return f"结果文件「{entry.output}」不见了"
    input_sha = entry.input_sha256
    if inputs is not None:
        src = inputs / entry.input
        if not src.exists():
            return f"原始工作簿「{entry.input}」已不在 {inputs} 中"
        input_sha = file_sha256(src)
    if entry.is_current(input_sha, entry.rules_hash, outdir):
        return ""
    if input_sha != entry.input_sha256:
        return f"原始工作簿「{entry.input}」在批处理之后被修改过"
    if entry.program_version != __version__:
        return f"结果由 xlrubric {entry.program_version} 生成，现在是 {__version__}"
    return f"结果文件「{entry.output}」在批处理之后被改动过"


def refuse_if_stale(jobs: list[Job]) -> None:
    stale = [j for j in jobs if j.stale]
    if stale:
        listed = "\n".join(f"  · {j.school}：{j.stale}" for j in stale[:10])
        more = f"\n  ……另有 {len(stale) - 10} 所" if len(stale) > 10 else ""
        raise StaleBatch(f"批处理结果已过期，不能发送（{len(stale)} 所学校）：\n{listed}{more}",
                         hint="重新运行 xlrubric batch 更新结果后再发送；一所都没有发出。")


def resend_keys(jobs: list[Job], names: list[str]) -> set[str]:
    """The inputs named by --resend (school name or input path); an unknown name is an error, not a no-op."""
    wanted: set[str] = set()
    for name in names:
        hits = [j.input for j in jobs if normalize_label(j.school) == normalize_label(name) or j.input == name]
        if not hits:
            raise MailError(f"--resend「{name}」不是本批结果中的学校", hint="用 --status 查看学校名称。")
        wanted.update(hits)
    return wanted


@dataclass
class Options:
    campaign: str = DEFAULT_CAMPAIGN
    resend: tuple[str, ...] = ()
    limit: int | None = None
    sent_folder: Path | None = None


def _letter(job: Job) -> Letter:
    data = job.attachment.read_bytes() if job.attachment else b""
    if hashlib.sha256(data).hexdigest() != job.sha256:
        raise StaleBatch(f"结果文件「{job.entry.output}」在检查之后被改动了", hint="重新运行 xlrubric batch。")
    return Letter(job.school, job.address.email, clean(attachment_name(job.school, job.attachment.name))
                  if job.attachment else "", data, job.entry.summary)


def _domain(sender: Sender) -> str:
    return sender.address.rpartition("@")[2]


def preview(outdir: Path, jobs: list[Job], template, sender: Sender, ledger: Ledger, opts: Options,
            folder: Path | None = None) -> list[Line]:
    """Dry run: render every sendable message to an .eml file and say what --send would do."""
    folder = folder or outdir / PREVIEW_DIR
    folder.mkdir(parents=True, exist_ok=True)
    resend = resend_keys(jobs, list(opts.resend))
    lines = []
    for job in jobs:
        if job.skip or job.stale:
            lines.append(Line(job, "跳过" if job.skip else "过期", job.skip or job.stale))
            continue
        key = job.key(opts.campaign)
        row = ledger.ensure(key, input=job.input, attachment=job.entry.output or "", recipient=job.address.email,
                            cc=", ".join(sender.cc))
        msg = build_message(template, _letter(job), sender,
                            row.message_id or message_id(opts.campaign, job.school, job.sha256, _domain(sender),
                                                         row.resends))
        target = safe_output_name(folder, f"{job.school}.eml")
        with atomic_output(target) as fh:
            fh.write(to_bytes(msg))
        if row.state in ("sent", "sending") and job.input not in resend:
            lines.append(Line(job, row.label, _row_detail(row), row))
        else:
            lines.append(Line(job, "将发送", str(target.relative_to(outdir) if target.is_relative_to(outdir)
                                                 else target), row))
    return lines


def _row_detail(row: Row) -> str:
    if row.state == "sent":
        return f"{row.sent_at} {row.message_id}"
    if row.state == "sending":
        return (row.reason or "上次发送时中断，不知道对方服务器是否已收到") + "；确认没收到后用 --resend 重发"
    return row.reason or ""


def send(outdir: Path, jobs: list[Job], template, sender: Sender, settings: Settings, ledger: Ledger,
         opts: Options, *, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
         progress: Callable[[Line], None] | None = None) -> list[Line]:
    """Send what is not yet sent, recording every step in the ledger; refuse a stale batch outright."""
    refuse_if_stale(jobs)
    check_settings(settings)
    resend = resend_keys(jobs, list(opts.resend))
    rate = RateLimiter(settings.rate, clock, sleep)
    lines: list[Line] = []
    tried = 0
    with Connection(settings, sleep=sleep) as conn:
        for job in jobs:
            line = _send_one(outdir, job, template, sender, ledger, opts, conn, rate, job.input in resend,
                             limit_reached=opts.limit is not None and tried >= opts.limit)
            tried += line.tried
            lines.append(line)
            if progress:
                progress(line)
    return lines


def _send_one(outdir: Path, job: Job, template, sender: Sender, ledger: Ledger, opts: Options,
              conn: Connection, rate: RateLimiter, resend: bool, limit_reached: bool) -> Line:
    if job.skip:
        return Line(job, "跳过", job.skip)
    key = job.key(opts.campaign)
    cc = list(sender.cc)
    row = ledger.ensure(key, input=job.input, attachment=job.entry.output or "", recipient=job.address.email,
                        cc=", ".join(cc))
    if resend:
        row = ledger.prepare_resend(key)
    elif row.state in ("sent", "sending"):
        return Line(job, row.label, _row_detail(row), row)
    if limit_reached:
        return Line(job, "未发送", "已达到 --limit，下次运行再发", row)
    msg_id = row.message_id or message_id(opts.campaign, job.school, job.sha256, _domain(sender), row.resends)
    msg = build_message(template, _letter(job), sender, msg_id)
    data = to_bytes(msg)
    rate.wait()
    outcome = conn.send(sender.address, job.address.email, cc, data,
                        before_commit=lambda: ledger.mark_sending(key, msg_id, job.address.email))
    if outcome.state == "sent":
        reply = outcome.detail + (f"；抄送被拒：{'、'.join(outcome.refused_cc)}" if outcome.refused_cc else "")
        ledger.mark_sent(key, msg_id, reply)
        if opts.sent_folder is not None:
            _keep_copy(opts.sent_folder, job, row, data)
        line = Line(job, "已发送", f"{msg_id} {reply}", ledger.get(key))
    elif outcome.state == "failed":
        ledger.mark_failed(key, outcome.detail)
        line = Line(job, "发送失败", outcome.detail, ledger.get(key))
    else:
        ledger.note_unconfirmed(key, outcome.detail)
        line = Line(job, "待确认", _row_detail(ledger.get(key)), ledger.get(key))
    line.tried = True
    return line


def _keep_copy(folder: Path, job: Job, row: Row, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"_第{row.resends + 1}次" if row.resends else ""
    with atomic_output(safe_output_name(folder, f"{job.school}_{job.sha256[:8]}{suffix}.eml")) as fh:
        fh.write(data)


def status(jobs: list[Job], ledger: Ledger, campaign: str) -> list[Line]:
    """Every school's state in this campaign, from the ledger (no network)."""
    lines = []
    for job in jobs:
        row = ledger.get(job.key(campaign)) if job.sha256 else None
        if job.skip:
            lines.append(Line(job, "跳过", job.skip, row))
        elif row is None or row.state == "rendered":
            lines.append(Line(job, "过期" if job.stale else "未发送", job.stale, row))
        else:
            lines.append(Line(job, row.label, _row_detail(row), row))
    return lines


def send_log(lines: list[Line]) -> list[dict[str, str]]:
    """Rows for the 发送记录 sheet of 县汇总.xlsx, keyed as `batch.summary.write_county_summary` reads them."""
    out = []
    for line in lines:
        row = line.row
        sent = row is not None and row.state == "sent"
        out.append({"school": line.job.school, "address": line.job.address.email, "state": line.state,
                    "time": (row.sent_at if sent else row.updated_at) or "" if row else "",
                    "message_id": (row.message_id or "") if row else "",
                    "reply": (row.reply or "") if sent else line.detail})
    return out


def exit_code(lines: list[Line]) -> int:
    """0 when every school has (or would get) its workbook, 1 when any needs attention."""
    return 0 if all(line.ok for line in lines) else 1
