"""The local page with the service warm: one 300-teacher workbook from upload to summary shown.

Workbook: bench_compute's (lanxi4 rules, 300 teachers, a 2,000-row 签到登记, a 300-row 提交登记).
Prints medians of --runs:
  page    headless chromium: file picked → uploaded → computed → summary and tables drawn (timed in the page)
  http    the same upload through an HTTP client (no browser)
  fresh   `xlrubric compute FILE` in a fresh process (imports included), as a director's double-click costs
and the ratio page / fresh. Aim (issue 14): page < 0.5 s.
The button (issue 16, item 4): the WPS add-in's `POST /api/wps/compute` on samples/lanxi4.xlsx (60 teachers,
its own 考核细则 sheet; the result written into the book, with a backup) against `xlrubric compute --in-place`
on the same file in a fresh process — what a click costs with and without the warm service.

With --against DIR (another checkout of xlrubric, e.g. `git archive OLD | tar -x -C DIR`), no browser: two
services run side by side, ours and DIR's (PYTHONPATH=DIR), and the same requests go to each in turn —
  first   the first upload, 10 s after the service answers (what its warm-up thread did by then counts)
  upload  /api/school with the 300-teacher workbook, and
  button  /api/wps/compute on samples/lanxi4.xlsx, each --runs times in a long-lived service —
printing the median wall time and the mean CPU time of the service process per request (Linux /proc; counted
in 10 ms ticks, so a mean over the runs and not a median), so a change to
the service's warm-up or its garbage collector is measured against the old code in the same minutes.

Run: python benchmarks/bench_serve.py [--teachers 300] [--runs 5] [--against DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "lanxi4.xlsx"
sys.path.insert(0, str(ROOT / "tests"))

import browser  # noqa: E402
import servekit  # noqa: E402
from _timing import median_seconds  # noqa: E402
from bench_compute import make_workbook  # noqa: E402


def page_seconds(chrome, url: str, book: Path) -> float:
    d = chrome.driver
    d.get(url + "/")
    chrome.wait(lambda d: d.execute_script("return document.readyState") == "complete")
    chrome.wait(lambda d: d.find_elements("css selector", "#school-preset option[value=lanxi4]"))
    d.find_element("css selector", "#school-preset option[value=lanxi4]").click()
    d.find_element("id", "school-file").send_keys(str(book))
    chrome.wait(lambda d: d.execute_script("return window.xlrubricTiming && window.xlrubricTiming.shown"), 120)
    t = d.execute_script("return window.xlrubricTiming")
    return (t["shown"] - t["start"]) / 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def against(book: Path, tmp: Path, other: Path, runs: int) -> None:
    """Ours and `other`'s service side by side, the same requests to each in turn (see the docstring)."""
    services = {"ours": servekit.start(tmp / "home-ours"),
                "other": servekit.start(tmp / "home-other", env={"PYTHONPATH": str(other)})}
    copies = iter(range(100_000))
    spent: dict[tuple[str, str], list[tuple[float, float]]] = {}

    def timed(name: str, kind: str, served, client) -> None:
        if kind == "upload":
            with open(book, "rb") as fh:
                req = {"url": "/api/school", "files": {"file": (book.name, fh)}, "data": {"preset": "lanxi4"},
                       "headers": {**served.page_headers(), "X-Xlrubric-Session": "bench" * 4}}
                cpu, start = cpu_seconds(served.proc.pid), time.perf_counter()
                r = client.post(**req)
        else:
            target = tmp / "button" / f"{next(copies)}" / SAMPLE.name
            target.parent.mkdir(parents=True)
            shutil.copy(SAMPLE, target)
            cpu, start = cpu_seconds(served.proc.pid), time.perf_counter()
            r = client.post("/api/wps/compute", content=json.dumps({"path": str(target)}),
                            headers={"X-Xlrubric-Token": served.token, "Origin": "null"})
        wall = time.perf_counter() - start
        assert r.json()["ok"], r.text
        spent.setdefault((name, kind), []).append((wall, cpu_seconds(served.proc.pid) - cpu))

    try:
        clients = {name: served.client() for name, served in services.items()}
        time.sleep(10)
        for name, served in services.items():
            timed(name, "upload", served, clients[name])             # the first upload, 10 s after start
            spent[(name, "first")] = spent.pop((name, "upload"))
            timed(name, "button", served, clients[name])             # the route's own first call, untimed
            spent.pop((name, "button"))
        for _ in range(runs):
            for kind in ("upload", "button"):
                for name, served in services.items():
                    timed(name, kind, served, clients[name])
        for client in clients.values():
            client.close()
    finally:
        for served in services.values():
            served.stop()
    print(f"ours = this tree, other = {other}; {runs} runs: median wall / mean service CPU seconds per request; "
          f"load average {os.getloadavg()[0]:.1f}")
    for kind in ("first", "upload", "button"):
        cells = []
        for name in services:
            walls, cpus = zip(*spent[(name, kind)], strict=True)
            cells.append(f"{name} {statistics.median(walls):.3f} / {statistics.mean(cpus):.3f}")
        print(f"  {kind:<7} " + "   ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teachers", type=int, default=300)
    ap.add_argument("--signin", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--against", type=Path, help="another xlrubric checkout: compare two services, no browser")
    args = ap.parse_args()
    if args.against:
        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "学校300人.xlsx"
            make_workbook(book, args.teachers, args.signin)
            against(book, Path(tmp), args.against.resolve(), args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        book = tmp / "学校300人.xlsx"
        make_workbook(book, args.teachers, args.signin)
        served = servekit.start(tmp / "home")
        chrome = browser.Browser()
        try:
            page_seconds(chrome, served.url, book)                      # warm: imports, first compute
            page = statistics.median(page_seconds(chrome, served.url, book) for _ in range(args.runs))

            client = served.client()       # one keep-alive connection, as the browser has

            def http() -> None:
                with open(book, "rb") as fh:
                    r = client.post("/api/school", files={"file": (book.name, fh)}, data={"preset": "lanxi4"},
                               headers={**served.page_headers(), "X-Xlrubric-Session": "bench" * 4})
                    assert r.json()["ok"], r.text

            over_http = median_seconds(http, args.runs, warm=True)
            copies = iter(range(10_000))

            def click() -> None:            # a fresh copy each time: the route writes into the book
                target = tmp / "button" / f"{next(copies)}" / SAMPLE.name
                target.parent.mkdir(parents=True)
                shutil.copy(SAMPLE, target)
                start = time.perf_counter()
                r = client.post("/api/wps/compute", content=json.dumps({"path": str(target)}),
                                headers={"X-Xlrubric-Token": served.token, "Origin": "null"})
                clicks.append(time.perf_counter() - start)
                assert r.json()["ok"], r.text

            clicks: list[float] = []
            for _ in range(args.runs + 1):
                click()
            button = statistics.median(clicks[1:])      # the first click warms the route
            client.close()
        finally:
            chrome.quit()
            served.stop()

        def fresh() -> None:
            subprocess.run([sys.executable, "-m", "xlrubric", "compute", str(book), "-p", "lanxi4",
                            "-o", str(tmp / "out.xlsx")],
                           check=False, capture_output=True)

        fresh_s = median_seconds(fresh, max(3, args.runs // 2))

        def fresh_in_place() -> None:
            target = tmp / "cli" / SAMPLE.name
            target.parent.mkdir(exist_ok=True)
            shutil.copy(SAMPLE, target)
            subprocess.run([sys.executable, "-m", "xlrubric", "compute", "--in-place", str(target)],
                           check=False, capture_output=True)

        fresh_button = median_seconds(fresh_in_place, max(3, args.runs // 2))
    print(f"{args.teachers} teachers, {args.signin} sign-in rows; medians of {args.runs}")
    print(f"page   upload → summary shown (warm service)  {page:.3f} s   aim < 0.5 s")
    print(f"http   upload → JSON reply (warm service)     {over_http:.3f} s")
    print(f"fresh  xlrubric compute in a new process      {fresh_s:.3f} s")
    print(f"ratio  page / fresh                           {page / fresh_s:.2f}×  ({fresh_s / page:.1f}× faster)")
    print(f"button /api/wps/compute on {SAMPLE.name} (warm)  {button:.3f} s")
    print(f"fresh  xlrubric compute --in-place, same file  {fresh_button:.3f} s   "
          f"({fresh_button / button:.1f}× the warm click)")


if __name__ == "__main__":
    main()
