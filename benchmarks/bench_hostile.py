"""A hostile county folder (issue 12): memory per school at and past the limits, a poisoned batch, a 5 MB name.

Prints, in one run:
  (1) peak memory (the process's max RSS, from wait4) and time of `xlrubric compute` on one school
      at each limit: 39,999 junk rows in 签到登记 (just under the row limit, 120,000 problems before the
      cap), a sheet of 760,000 cells (just under the cell limit), a 48 MB file (pictures); and past
      them: the issue's 100,000 junk rows, 900,000 cells, a 55 MB file — each must be refused with a
      message, fast and small;
  (2) a county batch of N good schools plus poisoned files (a case-renamed shared-strings bomb that
      aborts calamine, the 100,000-row junk school, a FIFO named .xlsx, a link to /dev/zero): how many
      good schools are lost (aim: 0);
  (3) a 5 MB school name through every place a name goes: the safe-text layer, the .eml file name, a
      mail message, the manifest and 县汇总.xlsx (aim: < 1 s each).
Aims: peak ≤ 300 MB for one school whatever its size; excess refused with a message; nothing lost.

Run: python benchmarks/bench_hostile.py [--n 20]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

from xlrubric.spec.load import load_preset
from xlrubric.spec.sheet import spec_to_rows

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))  # the sample-school generator
from sample_schools import School, school_workbook  # noqa: E402


def junk_school(path: Path, junk_rows: int = 0, extra_cells: tuple[int, int] = (0, 0), media_mb: int = 0) -> Path:
    """A lanxi4 school (5 teachers) with `junk_rows` junk rows in 签到登记, an extra sheet of rows × cols
    distinct strings, and `media_mb` of incompressible picture data."""
    spec = load_preset("lanxi4")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("基本信息")
    ws.write_row(0, 0, ["学校名称", "兰西四中"])
    ws = wb.add_worksheet("教师名册")
    for r, row in enumerate([["工号", "姓名"], *[[f"T{i}", f"教师{i}"] for i in range(5)]]):
        ws.write_row(r, 0, row)
    ws = wb.add_worksheet("考核记录")
    ws.write_row(0, 0, ["工号", "姓名"])
    for i in range(5):
        ws.write_row(i + 1, 0, [f"T{i}", f"教师{i}"])
    ws = wb.add_worksheet("签到登记")
    ws.write_row(0, 0, ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"])
    rnd = random.Random(12)
    for r in range(1, junk_rows + 1):
        ws.write_row(r, 0, [f"垃圾{rnd.randrange(10**6)}", f"活动{r}", "全体?", f"X{r}", f"某{r % 97}", "签了"])
    rows, cols = extra_cells
    if rows:
        ws = wb.add_worksheet("附件")
        for r in range(rows):
            ws.write_row(r, 0, [f"附{r}-{c}" for c in range(cols)])
    ws = wb.add_worksheet("考核细则")
    for r, row in enumerate([["考核细则"], *spec_to_rows(spec)]):
        ws.write_row(r, 0, ["" if v is None else v for v in row])
    wb.close()
    if media_mb:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as z:
            z.writestr("xl/media/image1.png", os.urandom(media_mb * 1024 * 1024))
    return path


def run_child(args: list[str], timeout: float = 600) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB of that process alone, stderr) of one xlrubric command."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "xlrubric", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read()
    proc.stdout.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_maxrss / 1024, err


def memory(root: Path) -> bool:
    print("(1) one school at and past the limits: `xlrubric compute`, peak RSS of the process")
    cases = [
        ("39,999 行无效签到（行数上限以内）", dict(junk_rows=39_999), 1),
        ("附件表 760,000 格（单元格上限以内）", dict(extra_cells=(38_000, 20)), 1),
        ("48 MB 文件（图片，文件上限以内）", dict(media_mb=48), 0),
        ("100,000 行无效签到（issue 原例）", dict(junk_rows=100_000), 2),
        ("附件表 900,000 格", dict(extra_cells=(30_000, 30)), 2),
        ("55 MB 文件", dict(media_mb=55), 2),
    ]
    ok = True
    for i, (label, kwargs, want) in enumerate(cases):
        path = junk_school(root / f"学校{i}.xlsx", **kwargs)
        code, seconds, peak, err = run_child(["compute", str(path), "-o", str(root / "out.xlsx")])
        size = path.stat().st_size / 1e6
        message = err.strip().splitlines()[0][:90] if code == 2 else ""
        good = peak <= 300 and (code == 2) == (want == 2)
        ok &= good
        print(f"  {label:28s} {size:6.1f} MB  exit {code}  {seconds:5.1f} s  peak {peak:6.1f} MB  "
              f"{'OK' if good else 'FAIL'}  {message}")
    return ok


def poisoned_batch(root: Path, n: int) -> bool:
    print(f"(2) county batch: {n} good schools + poisoned files, default pool")
    src = root / "县"
    specs = {p: load_preset(p) for p in ("lanxi4", "xinghuo")}
    for i in range(n):
        preset = ("lanxi4", "xinghuo")[i % 2]
        path = src / f"镇{i % 4}" / f"学校{i}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(school_workbook(specs[preset], School(f"学校{i}", preset, 60, 1000, seed=i)))
    bomb = src / "坏" / "字符串炸弹.xlsx"
    bomb.parent.mkdir()
    with zipfile.ZipFile(src / "镇0" / "学校0.xlsx") as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.lower() == "xl/sharedstrings.xml":
                z.writestr("xl/SharedStrings.XML", data.replace(b'uniqueCount="', b'uniqueCount="4000000000" x="'))
            else:
                z.writestr(info, data)
    junk_school(src / "坏" / "十万行.xlsx", junk_rows=100_000)
    os.mkfifo(src / "坏" / "管道.xlsx")
    (src / "坏" / "零.xlsx").symlink_to("/dev/zero")
    code, seconds, _, err = run_child(["batch", str(src), "--out", str(root / "结果")], timeout=1800)
    from xlrubric.batch.manifest import load_manifest

    entries = load_manifest(root / "结果").entries
    lost = [k for k, e in entries.items() if not k.startswith("坏/") and e.status == "unreadable"]
    lost += [f"镇{i % 4}/学校{i}.xlsx" for i in range(n) if f"镇{i % 4}/学校{i}.xlsx" not in entries]
    bad = {k: e.summary.get("reason") for k, e in entries.items() if k.startswith("坏/")}
    print(f"  exit {code} in {seconds:.1f} s; good schools lost: {len(lost)}; poisoned recorded: {bad}; "
          f"FIFO/link left out: {'坏/管道.xlsx' not in entries and '坏/零.xlsx' not in entries}")
    return not lost and code == 1


def long_name(root: Path) -> bool:
    print("(3) a 5 MB school name (5,000,000 characters)")
    from xlrubric import safetext
    from xlrubric.atomic import safe_output_name
    from xlrubric.batch.manifest import Entry, Manifest
    from xlrubric.batch.summary import write_county_summary
    from xlrubric.mail.render import Letter, Sender, build_message, load_template, to_bytes

    name = "[/]长" * 1_250_000
    out = root / "名"
    out.mkdir()
    manifest = Manifest(out)
    manifest.record(Entry(name[:100] + ".xlsx", "0", "r", manifest.program_version, "ok",
                          summary={"school": name, "teachers": 1, "problems": {}}))
    steps = {
        "safetext.clean / terminal": lambda: (safetext.clean(name), safetext.terminal(name)),
        ".eml file name": lambda: safe_output_name(out, name + ".eml"),
        "mail message": lambda: to_bytes(build_message(load_template(None), Letter(
            safetext.clean(name), "a@b.cn", safetext.clean(name) + ".xlsx", b"x", {}), Sender("c@d.cn"), "<id@x>")),
        "manifest save": manifest.save,
        "县汇总.xlsx": lambda: write_county_summary(out, manifest),
    }
    ok = True
    for label, fn in steps.items():
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
        ok &= seconds < 1
        print(f"  {label:28s} {seconds * 1000:7.1f} ms  {'OK' if seconds < 1 else 'FAIL'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20, help="good schools in the poisoned county")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = [memory(root), poisoned_batch(root, args.n), long_name(root)]
    print("all aims met" if all(results) else "SOME AIMS NOT MET")


if __name__ == "__main__":
    main()
