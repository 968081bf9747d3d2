"""The page in a real headless chromium (Debian's, through its chromedriver) against a real service.

One school: pick a sample → the summary and a problem's cell are shown → the downloaded workbook equals
`xlrubric compute`'s output cell by cell. A protected workbook asks for its password. 全县: the county
sample folder as a directory upload → the progress reaches the end even though the tab was closed and
reopened meanwhile. A page from another origin cannot read the token.
"""

from __future__ import annotations

import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import browser
import pytest
from typer.testing import CliRunner

from xlrubric.cli import app

pytestmark = pytest.mark.skipif(not browser.available(), reason="needs Debian's chromium and chromedriver")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(name="chrome")
def fixture_chrome():
    b = browser.Browser()
    yield b
    b.quit()


def wait_download(folder: Path, name: str, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = folder / name
        if path.exists() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded; folder has {list(folder.iterdir())}")


def test_one_school(served, chrome, tmp_path):
    d = chrome.driver
    d.get(served.url + "/")
    d.find_element("id", "school-file").send_keys(str(SAMPLES / "lanxi4.xlsx"))
    chrome.visible("school-result")
    cards = d.find_element("id", "school-cards").text
    # samples/lanxi4.xlsx: 60 teachers in 教师名册 (samples/lanxi4_结果摘要.json lists 60).
    assert "教师人数\n60 人" in cards and "平均总分" in cards and "各等次" in cards and "学时达标" in cards
    problems = d.find_element("id", "school-problems").text
    assert "考核记录 A65 04999" in problems                 # the planted unknown 工号, on its cell
    assert d.find_element("id", "school-name").text == "兰西四中"
    d.find_element("id", "school-download").click()
    got = wait_download(chrome.downloads, "lanxi4_结果.xlsx")
    src = tmp_path / "lanxi4.xlsx"
    shutil.copy(SAMPLES / "lanxi4.xlsx", src)
    assert CliRunner().invoke(app, ["compute", str(src)]).exit_code == 1
    from test_serve_wps import all_values

    assert all_values(got) == all_values(tmp_path / "lanxi4_结果.xlsx")


def test_password_is_asked(served, chrome, tmp_path):
    from batchbooks import PASSWORD, encrypt

    locked = tmp_path / "加密的学校.xlsx"
    shutil.copy(SAMPLES / "xinghuo.xlsx", locked)
    encrypt(locked)
    d = chrome.driver
    d.get(served.url + "/")
    d.find_element("id", "school-file").send_keys(str(locked))
    field = chrome.visible("school-password-input")
    field.send_keys("不对")
    d.find_element("css selector", "#school-password button").click()
    chrome.wait(lambda d: "密码不正确" in d.find_element("id", "school-password-msg").text)
    d.find_element("id", "school-password-input").send_keys(PASSWORD)
    d.find_element("css selector", "#school-password button").click()
    chrome.visible("school-result")
    assert d.find_element("id", "school-name").text == "兰西县星火乡第一中学"


def test_county_batch_survives_closing_the_page(served, chrome, tmp_path):
    county = tmp_path / "county"
    shutil.copytree(SAMPLES / "county", county)
    books = [p for p in county.rglob("*") if p.suffix in (".xlsx", ".xls") and not p.name.startswith("~$")]
    (county / "兰西镇" / "兰西县第二中学材料.rar").write_bytes(b"Rar!\x1a\x07\x00")   # what schools also send
    (county / "兰西镇" / "Thumbs.db").write_bytes(b"\0")                              # and what Windows leaves
    d = chrome.driver
    d.get(served.url + "/#county")
    passwords = (SAMPLES / "county-passwords.txt").read_text(encoding="utf-8")
    d.find_element("css selector", "#county-start details summary").click()
    d.find_element("id", "county-passwords").send_keys(passwords)
    d.find_element("id", "county-folder").send_keys(str(county))
    chrome.wait(lambda d: "job=" in d.current_url)
    left_out = d.find_element("id", "county-left-out").text      # named on the page, not silently dropped
    assert "另有 1 个文件不是 Excel 工作簿" in left_out and "兰西镇/兰西县第二中学材料.rar" in left_out
    assert "Thumbs.db" not in left_out and "压缩包请先解压" in left_out
    job = d.current_url.split("job=")[1].split("#")[0]
    d.get("about:blank")                                     # the director closes the page …
    time.sleep(1)
    d.get(served.url + "/#county")                           # … and opens it again, without the job in the URL
    chrome.visible("county-result", timeout=180)
    assert d.current_url.split("job=")[1].split("#")[0] == job
    assert d.find_element("id", "county-bar").get_attribute("style").replace(" ", "") == "width:100%;"
    table = d.find_element("id", "county-table").text
    for school in ("兰西四中", "星火乡第一中学", "魏村小学"):
        assert school in table
    bad = d.find_element("id", "county-bad").text
    assert "红星乡/红星乡小学.xls" in bad and "网页格式" in bad          # the HTML-as-.xls sample, named
    rows = len(d.find_elements("css selector", "#county-table tbody tr"))
    assert rows == len(books) == 17          # 兰西镇's ~$兰西县第三中学.xlsx is a lock file: not a school
    d.find_element("id", "county-xlsx").click()
    assert wait_download(chrome.downloads, "县汇总.xlsx").read_bytes()[:2] == b"PK"


def test_another_origin_cannot_read_the_token(served, chrome, tmp_path):
    (tmp_path / "evil.html").write_text(f"""<!doctype html><script>
      fetch("{served.url}/").then(r => r.text()).then(t => document.title = "READ " + t.length,
                                                        e => document.title = "BLOCKED");
      fetch("{served.url}/api/batch", {{method: "POST", mode: "no-cors", body: "x"}});
    </script>""", encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        chrome.driver.get(f"http://127.0.0.1:{httpd.server_address[1]}/evil.html")
        chrome.wait(lambda d: d.title in ("BLOCKED",) or d.title.startswith("READ"))
        assert chrome.driver.title == "BLOCKED"
    finally:
        httpd.shutdown()
        httpd.server_close()
