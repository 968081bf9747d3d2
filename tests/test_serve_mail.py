"""发回学校 through the service: settings kept (password only in a keyring), preview, exactly-once send
to a real aiosmtpd server on loopback, and a machine without a keyring asking for the password each time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import servekit
from test_mail_support import Server, authenticator
from test_serve_api import _gbk_zip, wait_job

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TESTS = Path(__file__).resolve().parent
# The two samples' 基本信息 give these addresses (samples/make_samples.py).
SCHOOLS = {"兰西四中": "lxsz@example.cn", "兰西县星火乡第一中学": "xhyz@example.cn"}
SECRET = "县里的-密码"


def start_batch(served) -> str:
    data = _gbk_zip({"兰西镇/兰西四中.xlsx": (SAMPLES / "lanxi4.xlsx").read_bytes(),
                     "星火乡/星火一中.xlsx": (SAMPLES / "xinghuo.xlsx").read_bytes()})
    with served.client() as c:
        job = c.post("/api/batch", files={"files": ("全县.zip", data)}, headers=served.page_headers()).json()["job"]
    assert wait_job(served, job)["state"] == "done"
    return job


def settings(server, **extra) -> dict:
    return {"smtp": server.address, "security": "plain", "user": "county", "from_addr": "county@example.cn",
            "from_name": "兰西县教师进修学校", "signature": "", "cc": [], **extra}


def wait_mail(served, job: str) -> dict:
    with served.client() as c:
        for _ in range(600):
            st = c.get(f"/api/jobs/{job}/mail").json()
            if st["state"] != "sending":
                return st
            time.sleep(0.1)
    raise AssertionError("sending did not finish")


@pytest.fixture(name="smtp")
def fixture_smtp():
    with Server(authenticator=authenticator("county", SECRET), auth_require_tls=False, auth_required=True) as s:
        yield s


def test_with_a_keyring(tmp_path, smtp):
    served = servekit.start(tmp_path / "home", env={"PYTHON_KEYRING_BACKEND": "memkeyring.MemoryKeyring",
                                                     "PYTHONPATH": str(TESTS)})
    try:
        job = start_batch(served)
        with served.client() as c:
            saved = c.post("/api/mail/settings", json=settings(smtp, password=SECRET),
                           headers=served.page_headers()).json()
            assert saved["ok"] and saved["keyring"] and saved["has_password"]
            config = (served.home / "config").read_text(encoding="utf-8")
            assert SECRET not in config and json.loads(config)["mail"]["smtp"] == smtp.address
            preview = c.post(f"/api/jobs/{job}/mail/preview", json={}, headers=served.page_headers()).json()
            assert {(x["school"], x["email"], x["state"]) for x in preview["lines"]} == \
                {(s, a, "将发送") for s, a in SCHOOLS.items()}
            assert smtp.messages == []                                  # a preview sends nothing
            line = next(x for x in preview["lines"] if x["school"] == "兰西四中")
            eml = c.get(f"/api/jobs/{job}/mail/eml/{line['preview']}")
            assert eml.status_code == 200 and b"lxsz@example.cn" in eml.content
            assert c.get(f"/api/jobs/{job}/mail/eml/..%2Fxlrubric-manifest.jsonl").status_code == 404
            assert c.post(f"/api/jobs/{job}/mail/send", json={}, headers=served.page_headers()).json()["ok"]
        done = wait_mail(served, job)
        assert done["state"] == "done", done
        assert {x["school"]: x["state"] for x in done["lines"]} == dict.fromkeys(SCHOOLS, "已发送")
        assert sorted(a for m in smtp.messages for a in m.rcpt_tos) == sorted(SCHOOLS.values())
        # Exactly once: a second click sends nothing new.
        with served.client() as c:
            assert c.post(f"/api/jobs/{job}/mail/send", json={}, headers=served.page_headers()).json()["ok"]
        again = wait_mail(served, job)
        assert {x["state"] for x in again["lines"]} == {"已发送"} and len(smtp.messages) == 2
    finally:
        served.stop()


def test_without_a_keyring_the_password_is_asked_each_time(tmp_path, smtp):
    served = servekit.start(tmp_path / "home", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    try:
        job = start_batch(served)
        with served.client() as c:
            saved = c.post("/api/mail/settings", json=settings(smtp, password=SECRET),
                           headers=served.page_headers()).json()
            assert saved["ok"] and not saved["keyring"] and not saved["has_password"]
            assert SECRET not in (served.home / "config").read_text(encoding="utf-8")
            asked = c.post(f"/api/jobs/{job}/mail/send", json={}, headers=served.page_headers()).json()
            assert asked["ok"] is False and asked["need_password"] and smtp.messages == []
            wrong = c.post(f"/api/jobs/{job}/mail/send", json={"password": "错的"}, headers=served.page_headers())
            assert wrong.json()["ok"]
        failed = wait_mail(served, job)
        assert failed["state"] == "failed" and failed["message"] and smtp.messages == []
        with served.client() as c:
            assert c.post(f"/api/jobs/{job}/mail/send", json={"password": SECRET},
                          headers=served.page_headers()).json()["ok"]
        assert wait_mail(served, job)["state"] == "done"
        assert sorted(a for m in smtp.messages for a in m.rcpt_tos) == sorted(SCHOOLS.values())
    finally:
        served.stop()
