"""The send ledger: one SQLite row per (campaign, school, attachment sha256), so mail resumes and never
sends a school the same workbook twice.

States and what a re-run does with each:

    rendered ─► sending ─► sent      (Message-ID, the server's 250 reply)   → skipped (`--resend` to repeat)
                   │   └─► failed    (reason: 5xx, or 4xx/drops after the retries)  → tried again
                   └─ still 'sending' when a run starts                       → 待确认: skipped unless --resend

Exactly-once. A message is delivered when the server has the final "<CRLF>.<CRLF>" of DATA and answers
250; before the dot arrives a server discards the transaction, whatever happens. So `smtp.Connection`
sends MAIL, RCPT, DATA and the whole body *without* the dot, checks the server has not hung up, then has
the ledger durably record 'sending' (SQLite WAL, fsynced: synchronous=FULL for that commit), and only then
sends the dot and reads the reply, which is recorded as 'sent' or 'failed'. Therefore:

* killed (or dropped) before the 'sending' write: the server has no message; the row is 'rendered' or
  'failed' and the re-run sends it — once;
* killed after the 'sent' write: the re-run skips it;
* **the one window**: after 'sending' is written and before the reply is recorded — the dot may or may
  not have reached the server, and a server that got it may have delivered it even though we never saw
  its 250 (killed between the 250 and our write, a connection dropped after the dot, a reply slower than
  `--timeout`). Nothing on our side can tell (no IMAP/sent folder of the server is available), so the
  re-run does not guess: the row stays 'sending', is shown as 待确认, and is skipped; the user checks
  with the school (or the server's log) and sends it again with `--resend SCHOOL` if it did not arrive.
  Such a resend carries the same deterministic Message-ID, so a receiving system that deduplicates by
  Message-ID still drops the copy; a resend of a *confirmed* message gets a new id (`render.message_id`).

Only the 'sending' commit is fsynced. Every other commit (rendered, sent, failed) survives a killed
process anyway (WAL, synchronous=NORMAL) and is fsynced by the next 'sending' commit; a power cut can at
worst turn the last 'sent' back into 'sending' — 待确认, the safe direction — never into a resend. One
fsync per message instead of three is most of the send rate (benchmarks/bench_mail.py).

A second `xlrubric mail --send` on the same OUTDIR while one runs would break all of this; `run_lock`
holds an exclusive SQLite lock on a side file for the whole run (released by the OS if the process dies,
on Windows too).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xlrubric.mail.errors import MailError
from xlrubric.safetext import exact

LEDGER_NAME = "发送记录.sqlite"
LOCK_NAME = ".发送记录.lock"
STATE_LABELS = {"rendered": "未发送", "sending": "待确认", "sent": "已发送", "failed": "发送失败"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    campaign TEXT NOT NULL, school TEXT NOT NULL, sha256 TEXT NOT NULL,
    input TEXT, attachment TEXT, recipient TEXT, cc TEXT,
    state TEXT NOT NULL CHECK (state IN ('rendered', 'sending', 'sent', 'failed')),
    message_id TEXT, reply TEXT, reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, resends INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT, sent_at TEXT,
    PRIMARY KEY (campaign, school, sha256));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, campaign TEXT, school TEXT, sha256 TEXT,
    state TEXT, detail TEXT);
"""


@dataclass(frozen=True)
class Key:
    campaign: str
    school: str
    sha256: str


@dataclass
class Row:
    campaign: str
    school: str
    sha256: str
    input: str | None
    attachment: str | None
    recipient: str | None
    cc: str | None
    state: str
    message_id: str | None
    reply: str | None
    reason: str | None
    attempts: int
    resends: int
    updated_at: str | None
    sent_at: str | None

    @property
    def key(self) -> Key:
        return Key(self.campaign, self.school, self.sha256)

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Ledger:
    """The SQLite file in OUTDIR; every state change is its own durable transaction."""

    def __init__(self, outdir: Path):
        self.path = Path(outdir) / LEDGER_NAME
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise MailError(f"发送记录无法打开（{exc}）", file=str(self.path),
                            hint="检查结果文件夹是否可写；不要手动编辑这个文件。") from exc
        self.db.row_factory = lambda cur, values: Row(*values)

    def close(self) -> None:
        self.db.close()

    def get(self, key: Key) -> Row | None:
        return self.db.execute("SELECT * FROM messages WHERE campaign=? AND school=? AND sha256=?",
                               (key.campaign, key.school, key.sha256)).fetchone()

    def rows(self, campaign: str | None = None) -> list[Row]:
        if campaign is None:
            return self.db.execute("SELECT * FROM messages ORDER BY campaign, school, updated_at").fetchall()
        return self.db.execute("SELECT * FROM messages WHERE campaign=? ORDER BY school, updated_at",
                               (campaign,)).fetchall()

    def _write(self, sql: str, args: tuple, key: Key, state: str, detail: str = "", durable: bool = False) -> None:
        try:
            if durable:
                self.db.execute("PRAGMA synchronous=FULL")     # this commit is fsynced before it returns
            try:
                self._commit(sql, args, key, state, detail)
            finally:
                if durable:
                    self.db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            # Stop the run: sending on without a record is exactly how a school gets two copies.
            raise MailError(f"发送记录无法写入（{exc}），已停止发送", file=str(self.path),
                            hint="检查磁盘空间和文件夹权限后重新运行；已记录为已发送的不会重发。") from exc

    def _commit(self, sql: str, args: tuple, key: Key, state: str, detail: str) -> None:
        with self._tx():     # a file name with undecodable bytes is stored with them escaped (sqlite wants UTF-8)
            self.db.execute(sql, tuple(exact(a) if isinstance(a, str) else a for a in args))
            self.db.execute("INSERT INTO events (at, campaign, school, sha256, state, detail) VALUES (?,?,?,?,?,?)",
                            (_now(), key.campaign, key.school, key.sha256, state, detail))

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def ensure(self, key: Key, *, input: str, attachment: str, recipient: str, cc: str) -> Row:
        """The row for `key`, created as 'rendered'; an unsent row follows a changed address or Cc."""
        row = self.get(key)
        if row is None:
            self._write("INSERT INTO messages (campaign, school, sha256, input, attachment, recipient, cc, state,"
                        " updated_at) VALUES (?,?,?,?,?,?,?, 'rendered', ?)",
                        (key.campaign, key.school, key.sha256, input, attachment, recipient, cc, _now()),
                        key, "rendered", recipient)
        elif row.state in ("rendered", "failed") and (row.recipient, row.cc) != (recipient, cc):
            self._write("UPDATE messages SET recipient=?, cc=?, updated_at=? WHERE campaign=? AND school=? AND "
                        "sha256=?", (recipient, cc, _now(), *_k(key)), key, row.state, f"地址改为 {recipient}")
        return self.get(key)

    def mark_sending(self, key: Key, message_id: str, recipient: str) -> None:
        """Durably note that the final dot is about to go: from here on, delivery is possible."""
        self._write("UPDATE messages SET state='sending', message_id=?, recipient=?, reason=NULL, "
                    "attempts=attempts+1, updated_at=? WHERE campaign=? AND school=? AND sha256=?",
                    (message_id, recipient, _now(), *_k(key)), key, "sending", message_id, durable=True)

    def mark_sent(self, key: Key, message_id: str, reply: str) -> None:
        now = _now()
        self._write("UPDATE messages SET state='sent', message_id=?, reply=?, reason=NULL, updated_at=?, "
                    "sent_at=? WHERE campaign=? AND school=? AND sha256=?",
                    (message_id, reply, now, now, *_k(key)), key, "sent", reply)

    def mark_failed(self, key: Key, reason: str) -> None:
        self._write("UPDATE messages SET state='failed', reason=?, updated_at=? WHERE campaign=? AND school=? "
                    "AND sha256=?", (reason, _now(), *_k(key)), key, "failed", reason)

    def note_unconfirmed(self, key: Key, reason: str) -> None:
        """Keep 'sending' (delivery unknown) and say why, for the status table."""
        self._write("UPDATE messages SET reason=?, updated_at=? WHERE campaign=? AND school=? AND sha256=?",
                    (reason, _now(), *_k(key)), key, "sending", reason)

    def prepare_resend(self, key: Key) -> Row:
        """`--resend`: a delivered message gets a new Message-ID suffix; an unconfirmed one keeps its id."""
        row = self.get(key)
        if row is not None and row.state == "sent":
            self._write("UPDATE messages SET state='rendered', resends=resends+1, message_id=NULL, updated_at=? "
                        "WHERE campaign=? AND school=? AND sha256=?", (_now(), *_k(key)), key, "rendered",
                        "再次发送（--resend）")
        return self.get(key)


def _k(key: Key) -> tuple[str, str, str]:
    return key.campaign, key.school, key.sha256


@contextlib.contextmanager
def run_lock(outdir: Path) -> Iterator[None]:
    """Hold an exclusive lock for one sending run; refuse at once when another run holds it."""
    path = Path(outdir) / LOCK_NAME
    db = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        try:
            db.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            raise MailError("另一个 xlrubric mail 正在向这个结果文件夹发送邮件", file=str(outdir),
                            hint="等它结束后再运行；同时运行两个会重复发送。") from exc
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()
