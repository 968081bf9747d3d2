"""Mail throughput and resume time against a real aiosmtpd server on loopback.

200 schools, each with its own small filled workbook (~6 KB) in a batch OUTDIR with a manifest. Prints:
  reuse        messages/second over one reused connection (what `xlrubric mail --send` does)
  per-message  messages/second opening one connection per message (the baseline)
  ratio        reuse / per-message
  resume       a `python -m xlrubric mail --send` subprocess is SIGKILLed by the server's handler at
               message 100 (inside the ambiguous window: stored, 250 not yet read); then the wall time of
               the resumed run (a fresh subprocess, Python start-up included) that sends the other 100,
               next to the wall time of a run that finds nothing left to send (start-up + planning floor).
Every message costs one fsync (the ledger's durable 'sending' commit, see mail/ledger.py); that cost is
in every figure and dominates on a slow disk. Loopback: real networks add latency (and TLS handshakes),
which favour connection reuse far more than this does.

Run: python benchmarks/bench_mail.py [--schools 200] [--kill-at 100]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from aiosmtpd.controller import Controller

from xlrubric import __version__
from xlrubric.batch.manifest import Entry, Manifest, file_sha256, load_manifest
from xlrubric.mail import campaign as cp
from xlrubric.mail.ledger import Ledger
from xlrubric.mail.render import Sender, load_template
from xlrubric.mail.smtp import Settings


def make_outdir(root: Path, n: int) -> Path:
    outdir = root / "out"
    outdir.mkdir(parents=True)
    manifest = Manifest(outdir)
    for i in range(n):
        school = f"第{i + 1:03d}学校"
        out = outdir / f"{school}_考核结果.xlsx"
        wb = xlsxwriter.Workbook(str(out))
        ws = wb.add_worksheet("考核结果")
        ws.write_row(0, 0, ["工号", "姓名", "总分", "等次"])
        for r in range(30):
            ws.write_row(r + 1, 0, [f"T{r:03d}", f"教师{r}", 40 - r % 10, "良好"])
        wb.close()
        manifest.record(Entry(input=f"{school}.xlsx", input_sha256="0" * 64, rules_hash="r",
                              program_version=__version__, status="ok", output=out.name, output_sha256=file_sha256(out),
                              summary={"school": school, "email": f"s{i:03d}@school.example.cn", "term": "第二学期",
                                       "teachers": 30, "bands": {"良好": 30},
                                       "problems": {"错误": 0, "警告": 0, "提示": 0}}))
    manifest.save()
    return outdir


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.kill_at: int | None = None
        self.pid: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.kill_at is not None and self.count == self.kill_at and self.pid:
            os.kill(self.pid, signal.SIGKILL)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_send(outdir: Path, port: int, campaign: str, reuse: bool) -> float:
    jobs = cp.plan(outdir, load_manifest(outdir))
    ledger = Ledger(outdir)
    settings = Settings("127.0.0.1", port, reuse=reuse, retry_delay=0, local_hostname="localhost")
    t0 = time.perf_counter()
    lines = cp.send(outdir, jobs, load_template(None), Sender("county@example.cn"), settings, ledger,
                    cp.Options(campaign=campaign))
    elapsed = time.perf_counter() - t0
    ledger.close()
    assert all(line.state == "已发送" for line in lines), {line.state for line in lines}
    return elapsed


def cli(outdir: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "xlrubric", "mail", str(outdir), "--send", "--smtp", f"127.0.0.1:{port}",
            "--from", "county@example.cn", "--retry-delay", "0", "--campaign", "resume"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--kill-at", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        outdir = make_outdir(Path(tmp), args.schools)
        handler = Counter()
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            reuse = timed_send(outdir, port, "reuse", True)
            per = timed_send(outdir, port, "per-message", False)
            n = args.schools
            print(f"schools            {n}")
            print(f"reuse              {n / reuse:8.1f} msg/s  ({reuse:.2f} s)")
            print(f"per-message        {n / per:8.1f} msg/s  ({per:.2f} s)")
            print(f"ratio              {per / reuse:8.2f}x  (reuse vs one connection per message)")

            handler.count, handler.kill_at = 0, args.kill_at
            proc = subprocess.Popen(cli(outdir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            handler.pid = proc.pid
            proc.wait()
            killed_at = handler.count
            handler.kill_at = None
            t0 = time.perf_counter()
            rc = subprocess.run(cli(outdir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            resume = time.perf_counter() - t0
            sent_by_resume = handler.count - killed_at
            t0 = time.perf_counter()
            subprocess.run(cli(outdir, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            nothing = time.perf_counter() - t0
            print(f"killed at message  {killed_at} (exit {proc.returncode}); resume sent {sent_by_resume}, "
                  f"exit {rc} (1 = one school 待确认)")
            print(f"resume             {resume:8.2f} s  for {sent_by_resume} messages, start-up included")
            print(f"nothing-left run   {nothing:8.2f} s  (start-up + planning floor)")
            print(f"total received     {handler.count} for {n} schools (must equal {n})")
        finally:
            controller.stop()


if __name__ == "__main__":
    main()
