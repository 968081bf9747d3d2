"""Debian's headless chromium through selenium, with the driver from /usr/bin (nothing is downloaded).

Shared by the page tests and `benchmarks/screenshots.py` / `benchmarks/bench_serve.py`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN"]


def available() -> bool:
    return CHROMIUM is not None and Path(DRIVER).exists()


class Browser:
    """One chromium with its own fresh profile and download folder; `quit()` removes both."""

    def __init__(self, width: int = 1366, height: int = 768):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = Path(tempfile.mkdtemp(prefix="xlrubric-chromium-"))
        self.downloads = self.profile / "downloads"
        self.downloads.mkdir()
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in FLAGS:
            opts.add_argument(flag)
        opts.add_argument(f"--user-data-dir={self.profile / 'profile'}")
        opts.add_argument(f"--window-size={width},{height}")
        opts.add_experimental_option("prefs", {"download.default_directory": str(self.downloads),
                                               "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        # The window size includes the (invisible) browser frame: pin the page's viewport itself.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(self.downloads)})

    def wait(self, condition, timeout: float = 60):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)

    def visible(self, element_id: str, timeout: float = 60):
        return self.wait(lambda d: d.find_element("id", element_id).is_displayed() and
                         d.find_element("id", element_id), timeout)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
