"""The WPS contract, against a real `xlrubric serve` process: ping, compute in place, token, CORS, port.

The oracle for the computed workbook is `xlrubric compute --in-place` itself, run on a second copy of the
same file: every sheet of both results must hold the same values, cell by cell.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import servekit
from python_calamine import CalamineWorkbook
from schoolbooks import sha256
from typer.testing import CliRunner

from xlrubric import __version__
from xlrubric.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def all_values(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def post_compute(served, body, **headers):
    with served.client() as c:
        return c.post("/api/wps/compute", content=json.dumps(body), headers=headers)


def test_ping_needs_no_token_and_allows_any_origin(served):
    with served.client() as c:
        r = c.get("/api/ping", headers={"Origin": "https://example.com"})
    assert r.status_code == 200
    assert r.json() == {"app": "xlrubric", "version": __version__}
    assert r.headers["access-control-allow-origin"] == "*"


def test_discovery_file_names_the_running_service(served):
    info = json.loads((served.home / "serve.json").read_text(encoding="utf-8"))
    assert info["pid"] == served.proc.pid and info["url"] == served.url + "/"
    assert info["token"] == (served.home / "token").read_text(encoding="utf-8").strip()
    assert (served.home / "token").stat().st_mode & 0o077 == 0


def test_compute_in_place_equals_the_cli(served, tmp_path):
    via_wps, via_cli = tmp_path / "wps" / "兰西四中.xlsx", tmp_path / "cli" / "兰西四中.xlsx"
    for p in (via_wps, via_cli):
        p.parent.mkdir()
        shutil.copy(SAMPLES / "lanxi4.xlsx", p)
    r = post_compute(served, {"path": str(via_wps)}, **{"X-Xlrubric-Token": served.token, "Origin": "null"})
    assert r.status_code == 200
    reply = r.json()
    cli = CliRunner().invoke(app, ["compute", "--in-place", str(via_cli)])
    assert reply["exit_code"] == cli.exit_code == 1          # the sample has deliberate mistakes
    assert reply["ok"] is True and reply["title"] == "计算完成" and reply["result_sheet"] == "考核结果"
    assert r.headers["access-control-allow-origin"] == "null"
    assert all_values(via_wps) == all_values(via_cli)
    # The backup is the school's file as it was before the click.
    backup = Path(reply["backup"])
    assert backup.parent == via_wps.parent and sha256(backup) == sha256(SAMPLES / "lanxi4.xlsx")
    # The reply restates compute's summary: the sample's 60 teachers (samples/lanxi4_结果摘要.json lists 60).
    expected = json.loads((SAMPLES / "lanxi4_结果摘要.json").read_text(encoding="utf-8"))
    assert reply["summary"]["teachers"] == len(expected["teachers"]) == 60
    assert "教师 60 人" in reply["message"] and str(backup) in reply["message"]
    assert "错误 " in reply["message"] and "学时达标" in reply["message"]


@pytest.mark.parametrize("case", ["missing", "folder", "relative", "not-workbook", "not-ours", "read-only"])
def test_refusals_leave_the_file_unchanged(served, tmp_path, case):
    path = tmp_path / "学校.xlsx"
    if case == "folder":
        path.mkdir()
    elif case == "not-workbook":
        path.write_text("姓名,分数\n张三,5\n", encoding="utf-8")
    elif case == "not-ours":               # a real workbook, but no 校本研修 sheets in it
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path))
        wb.add_worksheet("工资表").write_row(0, 0, ["姓名", "工资"])
        wb.close()
    elif case == "read-only":
        shutil.copy(SAMPLES / "lanxi4.xlsx", path)
        path.chmod(0o444)
        if os.access(path, os.W_OK):
            pytest.skip("running as root: read-only files are writable")
    before = sha256(path) if path.is_file() else None
    body = {"path": "学校.xlsx" if case == "relative" else str(path)}
    r = post_compute(served, body, **{"X-Xlrubric-Token": served.token})
    reply = r.json()
    assert r.status_code == 200 and reply["ok"] is False and reply["exit_code"] == 2
    assert reply["title"] == "无法计算" and reply["result_sheet"] is None and reply["backup"] is None
    hints = {"missing": "不存在", "folder": "文件夹", "relative": "完整路径", "not-workbook": "不是 Excel 工作簿",
             "not-ours": "学校.xlsx", "read-only": "只读"}
    assert hints[case] in reply["message"]
    if before is not None:
        assert sha256(path) == before
    assert not list(tmp_path.glob("*.bak*"))


def test_token_is_required(served, tmp_path):
    path = tmp_path / "兰西四中.xlsx"
    shutil.copy(SAMPLES / "lanxi4.xlsx", path)
    before = sha256(path)
    for headers in ({}, {"X-Xlrubric-Token": "wrong"}, {"X-Xlrubric-Token": served.token[:-1]}):
        r = post_compute(served, {"path": str(path)}, **headers)
        assert r.status_code == 401 and r.json()["ok"] is False and "口令" in r.json()["message"]
    assert sha256(path) == before


@pytest.mark.parametrize("origin", ["null", "http://127.0.0.1:3889", "http://localhost:8080"])
def test_preflight_for_the_addin(served, origin):
    with served.client() as c:
        r = c.options("/api/wps/compute", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-xlrubric-token, content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == origin
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"x-xlrubric-token", "content-type"} <= allowed


def test_no_preflight_for_a_foreign_site(served):
    with served.client() as c:
        r = c.options("/api/wps/compute", headers={"Origin": "https://evil.example",
                                                  "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers


def test_foreign_host_header_is_refused(served):
    """A DNS-rebinding page reaches us under its own name: refused before any route runs."""
    with served.client() as c:
        r = c.get("/api/ping", headers={"Host": f"evil.example:{served.port}"})
    assert r.status_code == 421


def test_second_serve_on_the_same_port_says_so(served):
    env = {**os.environ, "XLRUBRIC_HOME": str(served.home)}
    done = subprocess.run([sys.executable, "-m", "xlrubric", "serve", "--port", str(served.port)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "已在运行" in done.stdout
    assert json.loads((served.home / "serve.json").read_text(encoding="utf-8"))["pid"] == served.proc.pid


def test_port_taken_by_another_program(tmp_path):
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(1)
    try:
        env = {**os.environ, "XLRUBRIC_HOME": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "xlrubric", "serve", "--port", str(other.getsockname()[1])],
                              env=env, capture_output=True, text=True, timeout=60)
    finally:
        other.close()
    assert done.returncode == 2 and "已被其他程序占用" in done.stderr
    assert not (tmp_path / "serve.json").exists()


def test_no_option_can_widen_the_address(tmp_path):
    """There is no --host: the socket is bound to 127.0.0.1 in code."""
    for args in (["--host", "0.0.0.0"], ["--bind", "0.0.0.0"]):
        result = CliRunner().invoke(app, ["serve", *args], env={"XLRUBRIC_HOME": str(tmp_path)})
        assert result.exit_code == 2 and "没有这个选项" in result.output      # usage errors are in Chinese (i13)
    assert not (tmp_path / "serve.json").exists()


def test_listens_on_loopback_only(served):
    out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
    mine = [line for line in out.splitlines() if f"pid={served.proc.pid}," in line]
    if mine:
        assert all(f"127.0.0.1:{served.port}" in line for line in mine)
    # Whatever `ss` says: the machine's other addresses do not answer.
    for addr in _other_addresses():
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((addr, served.port))


def _other_addresses() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({i[4][0] for i in infos} - {"127.0.0.1"})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_removes_the_discovery_file(tmp_path, sig):
    served = servekit.start(tmp_path / "home")
    assert (served.home / "serve.json").exists()
    served.proc.send_signal(sig)
    assert served.proc.wait(30) == 0
    assert not (served.home / "serve.json").exists()


def test_runs_without_a_console(tmp_path):
    """The Windows shortcut starts `pythonw`, where sys.stdout and sys.stderr are None."""
    code = ("import sys; sys.stdout = None; sys.stderr = None; sys.argv = ['xlrubric', 'serve', '--port', '0']; "
            "from xlrubric.cli import main; main()")
    env = {**os.environ, "XLRUBRIC_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        for _ in range(600):
            if (tmp_path / "serve.json").exists():
                break
            assert proc.poll() is None, "the service died without a console"
            time.sleep(0.1)
        port = json.loads((tmp_path / "serve.json").read_text(encoding="utf-8"))["port"]
        assert httpx.get(f"http://127.0.0.1:{port}/api/ping", timeout=10).json()["app"] == "xlrubric"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    assert "校本研修考核服务已启动" in (tmp_path / "serve.log").read_text(encoding="utf-8")


def test_password_protected_book_is_written_back_under_its_password(served, tmp_path):
    """Verify the button's password flow end to end: the add-in asks the director for the open password and sends
    it; the service reads the book with it, writes the results back into the same file encrypted with the same
    password, and keeps the original (still encrypted) as the backup. Until session 10 the service refused with
    「请去掉 --in-place」, a command-line instruction in a message box, after the add-in had asked for the password.
    Oracle: `compute --in-place` on an unencrypted copy of the same workbook."""
    import io

    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    locked, plain = tmp_path / "wps" / "兰西四中.xlsx", tmp_path / "cli" / "兰西四中.xlsx"
    for p in (locked, plain):
        p.parent.mkdir()
    shutil.copy(SAMPLES / "lanxi4.xlsx", plain)
    with (SAMPLES / "lanxi4.xlsx").open("rb") as fh, locked.open("wb") as out:
        OOXMLFile(fh).encrypt("mima2026", out)
    original = sha256(locked)
    wrong = post_compute(served, {"path": str(locked), "password": "nope"}, **{"X-Xlrubric-Token": served.token})
    assert wrong.json()["ok"] is False and sha256(locked) == original and not list(locked.parent.glob("*.bak*"))
    reply = post_compute(served, {"path": str(locked), "password": "mima2026"},
                         **{"X-Xlrubric-Token": served.token}).json()
    cli = CliRunner().invoke(app, ["compute", "--in-place", str(plain)])
    assert reply["ok"] is True and reply["exit_code"] == cli.exit_code == 1, reply["message"]
    assert sha256(Path(reply["backup"])) == original                # the school's file as it was, still locked
    office = msoffcrypto.OfficeFile(locked.open("rb"))
    assert office.is_encrypted()
    office.load_key(password="mima2026")
    opened = tmp_path / "opened.xlsx"
    buf = io.BytesIO()
    office.decrypt(buf)
    opened.write_bytes(buf.getvalue())
    got, want = all_values(opened), all_values(plain)
    assert "考核结果" in got and set(got) == set(want)
    assert {k: v for k, v in got.items() if k != "校验问题"} == {k: v for k, v in want.items() if k != "校验问题"}
    extra = [row for row in got["校验问题"] if row not in want["校验问题"]]
    assert [row for row in want["校验问题"] if row not in got["校验问题"]] == [] and len(extra) == 1, extra
    assert "密码" in extra[0][-1]                                 # the one more line: read with the password


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_legacy_format_is_refused_with_what_to_do_in_wps(served, tmp_path, suffix):
    """Verify a .xls (or a WPS .et holding the same format) is left unchanged, with the way out a director can
    take in WPS (另存为 .xlsx), not a command-line flag."""
    from badfiles import soffice_convert

    xls = soffice_convert(SAMPLES / "lanxi4.xlsx", tmp_path / "lo", "xls")   # a real BIFF8 file, by LibreOffice
    if xls is None:
        pytest.skip("LibreOffice is not installed")
    path = xls.rename(tmp_path / f"学校{suffix}")
    before = sha256(path)
    reply = post_compute(served, {"path": str(path)}, **{"X-Xlrubric-Token": served.token}).json()
    assert reply["ok"] is False and reply["exit_code"] == 2
    assert "另存为" in reply["message"] and ".xlsx" in reply["message"] and "不能把结果写回原文件" in reply["message"]
    assert sha256(path) == before and not list(tmp_path.glob("*.bak*"))
