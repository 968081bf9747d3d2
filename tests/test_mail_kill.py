"""Verify a `xlrubric mail --send` process killed with SIGKILL mid-run, then resumed, sends every school
its workbook exactly once — including a kill inside the one ambiguous window (after the server stored
the message, before its 250 reached the ledger), which the resumed run reports as 待确认 and never resends.

The sender runs as a real subprocess (`python -m xlrubric mail …`); the server is aiosmtpd on loopback in
this process, and the kill comes from the server's own handler, so its timing is exact.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from test_mail_support import Server, make_outdir
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.mail.ledger import Ledger

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
SCHOOLS = [(f"第{n}小学", f"school{n}@school.example.cn", f"第{n}小学_考核结果.xlsx") for n in range(1, 9)]
runner = CliRunner(env={"COLUMNS": "250"})


def start_sender(outdir, server) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "xlrubric", "mail", str(outdir), "--send", "--smtp", server.address,
         "--from", "county@example.cn", "--retry-delay", "0", "--timeout", "10"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def resume(outdir, server):
    return runner.invoke(app, ["mail", str(outdir), "--send", "--smtp", server.address, "--from", "county@example.cn",
                               "--retry-delay", "0"])


def received(server) -> dict[str, int]:
    return {addr: len(server.to(addr)) for _, addr, _ in SCHOOLS}


def ledger_states(outdir) -> dict[str, str]:
    ledger = Ledger(outdir)
    try:
        return {row.school: row.state for row in ledger.rows()}
    finally:
        ledger.close()


@pytest.fixture(name="outdir")
def fixture_outdir(tmp_path):
    return make_outdir(tmp_path, SCHOOLS, teachers=3)


def test_killed_between_the_servers_250_and_the_ledger_write(outdir):
    """Verify the worst moment: message 3 stored by the server, sender killed before reading the 250."""
    with Server() as server:
        holder = {}

        def kill_at(count):
            if count == 3:
                os.kill(holder["proc"].pid, signal.SIGKILL)     # the 250 for message 3 is never read

        server.handler.faults.on_message = kill_at
        holder["proc"] = start_sender(outdir, server)
        assert holder["proc"].wait(timeout=60) == -signal.SIGKILL
        assert len(server.messages) == 3
        assert ledger_states(outdir)["第3小学"] == "sending"

        result = resume(outdir, server)
        assert result.exit_code == 1                       # one school needs a human to confirm
        assert all(n == 1 for n in received(server).values())
        states = ledger_states(outdir)
        assert states.pop("第3小学") == "sending" and set(states.values()) == {"sent"}
        assert "待确认" in result.output and "--resend" in result.output


def test_killed_between_messages(outdir):
    """Verify a kill while message 4's RCPT is pending: 1–3 are recorded as sent, the resume sends 4–8 once."""
    with Server() as server:
        holder = {}

        def kill_on_rcpt(address, stored):
            if stored == 3 and "proc" in holder:
                os.kill(holder.pop("proc").pid, signal.SIGKILL)

        server.handler.faults.on_rcpt = kill_on_rcpt
        proc = holder["proc"] = start_sender(outdir, server)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        assert len(server.messages) == 3
        result = resume(outdir, server)
        assert result.exit_code == 0, result.output
        assert all(n == 1 for n in received(server).values())
        assert set(ledger_states(outdir).values()) == {"sent"}


@pytest.mark.parametrize("delay", [0.0, 0.008])
def test_killed_at_an_arbitrary_moment(outdir, delay):
    """Verify, for kills landing anywhere in a message, that no school gets two and every missing one is 待确认."""
    with Server() as server:
        proc = start_sender(outdir, server)

        def killer():
            while len(server.messages) < 2 and proc.poll() is None:
                time.sleep(0.001)
            time.sleep(delay)
            proc.kill()

        thread = threading.Thread(target=killer)
        thread.start()
        proc.wait(timeout=60)
        thread.join()
        resume(outdir, server)
        counts = received(server)
        states = ledger_states(outdir)
        for school, addr, _ in SCHOOLS:
            assert counts[addr] <= 1, f"{school} received {counts[addr]} copies"
            if states[school] == "sent":
                assert counts[addr] == 1
            else:           # lost nothing silently: what did not arrive is reported for a human to confirm
                assert states[school] == "sending"
