"""The 模板 view's import of a school's own 考核细则 (issue 17, step 4), against a real `xlrubric serve`.

What the page gives must be what `xlrubric rules import` gives: the same rules in 本校细则.xlsx, the same
open questions (待确认, never guessed), and a template made from those rules. Checked through the API and by
a real headless chromium uploading a Word file built in code (tests/rubric_tables.py, seed 003's table).
"""

from __future__ import annotations

import time

import browser
import pytest
import rubric_tables as rt

from xlrubric.rulesimport import import_rules
from xlrubric.spec.load import load_rules_file, to_mapping

SESSION = "r" * 24


def post(served, **kw):
    with served.client() as c:
        return c.post("/api/rules/import", headers={**served.page_headers(), "X-Xlrubric-Session": SESSION}, **kw)


def download(served, path: str, target):
    with served.client() as c:
        r = c.get(path)
    assert r.status_code == 200, r.text
    target.write_bytes(r.content)
    return target


def test_pasted_table_imports_like_the_cli(served, tmp_path):
    text = rt.word_paste_text("lanxi4")
    r = post(served, data={"text": text}).json()
    assert r["ok"], r
    # seed 003's table: 计划5 参与情况5 心得体会10 评课材料10 教学反思10 研修总结10 = 50
    assert [(i["name"], i["full"]) for i in r["items"]] == [
        ("计划", 5.0), ("参与情况", 5.0), ("心得体会", 10.0),
        ("评课材料", 10.0), ("教学反思", 10.0), ("研修总结", 10.0)]
    spec, findings = import_rules(text)
    assert r["open"] == sum(not f.resolved for f in findings) > 0      # open questions are shown, not guessed
    assert {f["where"] for f in r["findings"]} == {f.where for f in findings}
    rules = load_rules_file(download(served, r["rules_download"], tmp_path / "本校细则.xlsx"))
    assert to_mapping(rules) == to_mapping(spec)
    template = download(served, r["template_download"], tmp_path / "本校模板.xlsx")
    from python_calamine import CalamineWorkbook
    assert "考核记录" in CalamineWorkbook.from_path(str(template)).sheet_names


def test_word_upload_and_refusals(served, tmp_path):
    docx = rt.write_docx("xinghuo", tmp_path / "星火细则.docx")
    with open(docx, "rb") as fh:
        r = post(served, files={"file": ("星火细则.docx", fh)}).json()
    assert r["ok"] and len(r["items"]) == 6 and r["name"]
    empty = post(served, data={"text": "  "}).json()
    assert not empty["ok"] and "考核细则" in empty["message"]
    nonsense = post(served, data={"text": "今天天气很好。\n明天去春游。"}).json()
    assert not nonsense["ok"] and nonsense["message"]
    with served.client() as c:             # no token: refused before anything is read
        assert c.post("/api/rules/import", data={"text": "x"}, headers={"Origin": served.url}).status_code == 401


@pytest.mark.skipif(not browser.available(), reason="needs Debian's chromium and chromedriver")
def test_page_imports_a_word_file(served, tmp_path):
    docx = rt.write_docx("lanxi4", tmp_path / "兰西四中细则.docx")
    chrome = browser.Browser()
    try:
        d = chrome.driver
        d.get(served.url + "/#template")
        chrome.visible("rules-import-form")
        d.find_element("id", "rules-import-file").send_keys(str(docx))
        d.find_element("css selector", "#rules-import-form button").click()
        deadline = time.monotonic() + 60
        while "读出" not in d.find_element("id", "rules-import-summary").text and time.monotonic() < deadline:
            time.sleep(0.2)
        said = d.find_element("id", "rules-import-summary").text
        assert "读出 6 个项目" in said and "待确认" in said, said
        table = d.find_element("id", "rules-import-table").text
        assert "待确认" in table
        # seed 003's two band gaps share one question: asked once, the (40, 50] row says 同上 (issue 11, part 5)
        assert "（同上）" in table and table.count("按比例折算为40分制时 23 与 24 之间") == 1, table
        assert d.find_element("id", "rules-import-rules").get_attribute("href").endswith("/本校细则.xlsx") or \
            "%E6%9C%AC%E6%A0%A1" in d.find_element("id", "rules-import-rules").get_attribute("href")
    finally:
        chrome.quit()
