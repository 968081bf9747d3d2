"""The page's API against a real service: who may call it, upload caps, sessions, zips, bad files.

The service runs with small caps (XLRUBRIC_UPLOAD_MB=1, XLRUBRIC_BATCH_FILES=5) and its own TMPDIR, so the
tests can see that uploads stay in per-tab folders that are gone when the service stops.
"""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest
import servekit
from typer.testing import CliRunner

from xlrubric.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SESSION_A, SESSION_B = "a" * 24, "b" * 24


@pytest.fixture(name="served", scope="module")
def fixture_served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tmp")
    served = servekit.start(tmp_path_factory.mktemp("home"), env={
        "XLRUBRIC_UPLOAD_MB": "1", "XLRUBRIC_BATCH_FILES": "5", "TMPDIR": str(tmp)})
    served.tmp = tmp
    yield served
    served.stop()


def upload(served, path: Path, session: str = SESSION_A, name: str | None = None, **headers):
    with served.client() as c, open(path, "rb") as fh:
        return c.post("/api/school", files={"file": (name or path.name, fh)},
                      headers={**served.page_headers(), "X-Xlrubric-Session": session, **headers})


def test_page_embeds_the_token_and_forbids_framing(served):
    with served.client() as c:
        r = c.get("/")
    assert r.status_code == 200 and served.token in r.text and "校本研修考核" in r.text
    assert r.headers["x-frame-options"] == "DENY" and "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("path", ["/api/school", "/api/batch", "/api/mail/settings"])
def test_state_changes_need_token_and_own_origin(served, path):
    with served.client() as c:
        no_token = c.post(path, headers={"Origin": served.url}, content=b"{}")
        foreign = c.post(path, headers={"X-Xlrubric-Token": served.token, "Origin": "http://evil.example"},
                         content=b"{}")
        cross_site = c.post(path, headers={**served.page_headers(), "Sec-Fetch-Site": "cross-site"}, content=b"{}")
        no_origin = c.post(path, headers={"X-Xlrubric-Token": served.token}, content=b"{}")
        other_port = c.post(path, headers={"X-Xlrubric-Token": served.token, "Origin": "http://127.0.0.1:1"},
                            content=b"{}")
    assert no_token.status_code == 401 and "口令" in no_token.json()["message"]
    for r in (foreign, cross_site, no_origin, other_port):
        assert r.status_code == 403 and "其他网页" in r.json()["message"]


def test_one_school_matches_compute(served, tmp_path):
    r = upload(served, SAMPLES / "lanxi4.xlsx")
    reply = r.json()
    assert r.status_code == 200 and reply["ok"] and reply["school"] == "兰西四中"
    cells = {(p["sheet"], p["cell"]) for p in reply["problems"]}
    # samples/make_samples.py plants 工号 04999 (not in 教师名册) in 考核记录 row 65.
    assert ("考核记录", "A65") in cells
    with served.client() as c:
        got = c.get(reply["download"])
    assert got.status_code == 200
    (tmp_path / "from_page.xlsx").write_bytes(got.content)
    src = tmp_path / "lanxi4.xlsx"
    shutil.copy(SAMPLES / "lanxi4.xlsx", src)
    CliRunner().invoke(app, ["compute", str(src)])
    from test_serve_wps import all_values

    assert all_values(tmp_path / "from_page.xlsx") == all_values(tmp_path / "lanxi4_结果.xlsx")


def test_two_tabs_do_not_mix(served):
    a = upload(served, SAMPLES / "lanxi4.xlsx", SESSION_A).json()
    b = upload(served, SAMPLES / "xinghuo.xlsx", SESSION_B).json()
    assert a["school"] != b["school"]
    assert f"/{SESSION_A}/" in a["download"] and f"/{SESSION_B}/" in b["download"]
    with served.client() as c:
        assert c.get(a["download"].replace(SESSION_A, SESSION_B)).status_code == 404
        assert c.get(a["download"].replace(a["output_name"], "../../token")).status_code == 404


def test_bad_file_gets_the_cli_message(served, tmp_path):
    bad = tmp_path / "假的.xlsx"
    bad.write_text("工号,姓名\n1,张三\n", encoding="utf-8")
    reply = upload(served, bad).json()
    cli = CliRunner().invoke(app, ["compute", str(bad)])
    assert reply["ok"] is False and reply["exit_code"] == cli.exit_code == 2
    assert reply["message"] and reply["message"] in cli.output
    assert "假的.xlsx" in reply["message"]


def test_password_is_asked_for(served, tmp_path):
    from batchbooks import PASSWORD, encrypt
    from schoolbooks import sha256

    locked = tmp_path / "加密.xlsx"
    shutil.copy(SAMPLES / "lanxi4.xlsx", locked)
    encrypt(locked)
    before = sha256(locked)
    first = upload(served, locked).json()
    assert first["ok"] is False and first["need_password"] and not first["wrong_password"]
    with served.client() as c, open(locked, "rb") as fh:
        wrong = c.post("/api/school", files={"file": (locked.name, fh)}, data={"password": "nope"},
                       headers={**served.page_headers(), "X-Xlrubric-Session": SESSION_A}).json()
    assert wrong["need_password"] and wrong["wrong_password"]
    with served.client() as c, open(locked, "rb") as fh:
        right = c.post("/api/school", files={"file": (locked.name, fh)}, data={"password": PASSWORD},
                       headers={**served.page_headers(), "X-Xlrubric-Session": SESSION_A}).json()
    assert right["ok"] and right["school"] == "兰西四中"
    assert sha256(locked) == before


def test_upload_cap(served, tmp_path):
    big = tmp_path / "大.xlsx"
    big.write_bytes(b"\0" * (3 * 1024 * 1024))
    r = upload(served, big)
    assert r.status_code == 413 and "太大" in r.json()["message"] and "上限" in r.json()["message"]


def test_batch_file_count_cap(served, tmp_path):
    files = [("files", (f"x{i}.xlsx", b"PK")) for i in range(9)]
    with served.client() as c:
        r = c.post("/api/batch", files=files, headers=served.page_headers())
    assert r.json()["ok"] is False and "一次最多上传 5 个文件" in r.json()["message"]


def _gbk_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows' 'send to compressed folder' writes it: GBK names, no UTF-8 flag."""
    buf = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buf, "w") as zf:
        for i, (name, data) in enumerate(members.items()):
            raw = name.encode("gbk")
            placeholder = f"{i:0{len(raw)}d}".encode("ascii")     # zipfile would flag a non-ASCII name UTF-8
            zf.writestr(placeholder.decode("ascii"), data)
            swaps.append((placeholder, raw))
    out = buf.getvalue()
    for placeholder, raw in swaps:                                 # same length: offsets stay valid
        out = out.replace(placeholder, raw)
    return out


def wait_job(served, job: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    with served.client() as c:
        while time.monotonic() < deadline:
            view = c.get(f"/api/jobs/{job}").json()
            if view["state"] in ("done", "failed"):
                return view
            time.sleep(0.2)
    raise AssertionError("batch did not finish")


def test_zip_batch_with_gbk_names(served):
    data = _gbk_zip({"兰西镇/兰西四中.xlsx": (SAMPLES / "lanxi4.xlsx").read_bytes(),
                     "../逃出去.xlsx": (SAMPLES / "xinghuo.xlsx").read_bytes()})
    with served.client() as c:
        r = c.post("/api/batch", files={"files": ("全县.zip", data)}, headers=served.page_headers()).json()
    assert r["ok"], r
    view = wait_job(served, r["job"])
    assert view["state"] == "done"
    assert sorted(s["input"] for s in view["schools"]) == ["兰西镇/兰西四中.xlsx"]      # `..` member skipped
    assert view["schools"][0]["school"] == "兰西四中" and view["schools"][0]["teachers"] == 60
    with served.client() as c:
        county = c.get(f"/api/jobs/{r['job']}/county.xlsx")
        bundle = c.get(f"/api/jobs/{r['job']}/results.zip")
    assert county.status_code == 200 and county.content[:2] == b"PK"
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert set(names) == {"县汇总.xlsx", "兰西镇/兰西四中.xlsx"}


def test_unknown_job_is_a_clear_404(served):
    with served.client() as c:
        r = c.get("/api/jobs/0123456789abcdef01234567")
    assert r.status_code == 404 and "重新上传" in r.json()["message"]


def test_temp_folder_is_removed_on_stop(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    served = servekit.start(tmp_path / "home", env={"TMPDIR": str(tmp)})
    try:
        assert upload(served, SAMPLES / "lanxi4.xlsx").json()["ok"]
        assert list(tmp.glob("xlrubric-serve-*/sessions/*/*/兰西四中_结果.xlsx")) or \
            list(tmp.glob("xlrubric-serve-*/sessions/*/*/lanxi4_结果.xlsx"))
    finally:
        assert served.stop() == 0
    assert not list(tmp.glob("xlrubric-serve-*"))


def test_results_zip_carries_the_problem_list_csv_when_there_is_one(tmp_path):
    """Verify 结果.zip holds what 县汇总 refers to: past 60,000 problems 县汇总's 问题清单 says the complete list is
    in 县汇总_问题清单.csv "in the same folder" — the downloaded zip must then have it (it had only .xlsx files)."""
    from xlrubric.batch.problem_list import CSV_NAME
    from xlrubric.serve.jobs import bundle_members

    for rel in ("县汇总.xlsx", CSV_NAME, "兰西镇/兰西四中.xlsx", "兰西镇/宏.xlsm", ".xlrubric/manifest.jsonl",
                f".{CSV_NAME}.123.xlrubric-tmp", "兰西镇/说明.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    assert bundle_members(tmp_path) == sorted([CSV_NAME, "兰西镇/兰西四中.xlsx", "兰西镇/宏.xlsm", "县汇总.xlsx"])


def test_page_says_where_to_give_passwords(served, tmp_path):
    """Verify an encrypted school uploaded without its password is explained the page's way (its password box),
    with and without wrong passwords — not with the CLI's --password-file, which the page has no use for."""
    from batchbooks import encrypt

    locked = tmp_path / "加密.xlsx"
    locked.write_bytes((SAMPLES / "xinghuo.xlsx").read_bytes())
    encrypt(locked)
    for passwords, said in (("", "设有打开密码"), ("不对\n也不对", "填写的密码都不对")):
        data = _gbk_zip({"星火乡/加密.xlsx": locked.read_bytes()})
        with served.client() as c:
            r = c.post("/api/batch", files={"files": ("全县.zip", data)}, data={"passwords": passwords},
                       headers=served.page_headers()).json()
        assert r["ok"], r
        view = wait_job(served, r["job"])
        [bad] = view["unreadable"]
        assert said in bad["message"] and "在本页「有设了打开密码的工作簿？」中填写密码" in bad["message"]
        assert "--password-file" not in bad["message"] and view["schools"][0]["message"] == bad["message"]


def test_one_school_in_wps_et_format(served, tmp_path):
    """Verify the page computes a school's WPS .et file (read by content: here LibreOffice's BIFF8 named .et) and
    hands back a .xlsx with the same results as the .xlsx original, plus the one note saying what it read."""
    from badfiles import soffice_convert

    xls = soffice_convert(SAMPLES / "xinghuo.xlsx", tmp_path / "lo", "xls")
    if xls is None:
        pytest.skip("LibreOffice is not installed")
    reply = upload(served, xls, name="星火中学.et").json()
    assert reply["ok"] and reply["school"] == "兰西县星火乡第一中学", reply
    assert any("WPS 的 .et 文件" in p["message"] for p in reply["problems"])
    with served.client() as c:
        got = c.get(reply["download"])
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert ".xlsx" in got.headers["content-disposition"]
