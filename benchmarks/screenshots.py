"""Screenshots of each view of the `xlrubric serve` page at 1366×768, for a person to look at.

Starts a real service (own XLRUBRIC_HOME), drives Debian's headless chromium and writes
  1-一所学校.png  2-一所学校-密码.png  3-模板.png  4-全县-进行中.png  5-全县.png  6-发回学校.png
to --out (default /tmp/xlrubric-screenshots). The 全县 views use samples/county with its password file;
the 发回学校 view shows the mail preview (nothing is sent).

Run: python benchmarks/screenshots.py [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser  # noqa: E402
import servekit  # noqa: E402

SAMPLES = ROOT / "samples"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "xlrubric-screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xlrubric-shots-"))
    served = servekit.start(work / "home")
    chrome = browser.Browser(1366, 768)
    d = chrome.driver
    try:
        d.get(served.url + "/")
        d.find_element("id", "school-file").send_keys(str(SAMPLES / "lanxi4.xlsx"))
        chrome.visible("school-result")
        d.save_screenshot(str(out / "1-一所学校.png"))

        from batchbooks import encrypt

        locked = work / "设了密码的学校.xlsx"
        shutil.copy(SAMPLES / "xinghuo.xlsx", locked)
        encrypt(locked)
        d.get(served.url + "/")
        d.find_element("id", "school-file").send_keys(str(locked))
        chrome.visible("school-password-input")
        d.save_screenshot(str(out / "2-一所学校-密码.png"))

        d.get(served.url + "/#template")
        chrome.wait(lambda d: d.find_elements("css selector", "#lint-table tbody tr"))
        d.save_screenshot(str(out / "3-模板.png"))

        d.get(served.url + "/#county")
        d.find_element("css selector", "#county-start details summary").click()
        d.find_element("id", "county-passwords").send_keys((SAMPLES / "county-passwords.txt").read_text("utf-8"))
        d.find_element("id", "county-folder").send_keys(str(SAMPLES / "county"))
        chrome.wait(lambda d: "已处理" in d.find_element("id", "county-count").text and
                    not d.find_element("id", "county-count").text.startswith("已处理 0 "), 120)
        d.save_screenshot(str(out / "4-全县-进行中.png"))
        chrome.visible("county-result", 300)
        time.sleep(0.3)
        d.save_screenshot(str(out / "5-全县.png"))

        d.get(served.url + "/#mail")
        chrome.visible("mail-main")
        chrome.wait(lambda d: d.find_element("id", "mail-settings-box").get_attribute("open") is not None)
        form = d.find_element("id", "mail-settings")
        for name, value in (("smtp", "smtp.example.cn:587"), ("user", "jsxx@example.cn"),
                            ("from_addr", "jsxx@example.cn"), ("from_name", "兰西县教师进修学校")):
            form.find_element("name", name).send_keys(value)
        form.find_element("css selector", "button[type=submit]").click()
        time.sleep(0.5)
        d.find_element("id", "mail-preview").click()
        chrome.wait(lambda d: d.find_elements("css selector", "#mail-table tbody tr"), 60)
        d.save_screenshot(str(out / "6-发回学校.png"))
    finally:
        chrome.quit()
        served.stop()
        shutil.rmtree(work, ignore_errors=True)
    for path in sorted(out.glob("*.png")):
        print(path)


if __name__ == "__main__":
    main()
