"""Time our surgical write against an openpyxl load-and-save of the same school workbook, and against
the read floor (python-calamine reading every sheet of it) in the same run.

    python benchmarks/bench_write.py [--rows 20000] [--repeat 3]

The school workbook: a 20,000-row x 10-column 学时登记 register and a 300-row 教师名册, made with
XlsxWriter. Our step: `write_results` with a 20,000-row 学时汇总, a 300-row 考核结果 and 50 marks on
the register. The baseline: `openpyxl.load_workbook` + `save` (what a naive writer would do, and lossy).
Peak memory is the max RSS of a fresh child process per measurement.

Then the write inside `compute_file` (issue 16) for bench_compute's 300-teacher workbook and
samples/lanxi4.xlsx, in a fresh process: the first write (it imports the write path) and the median of
later ones taken in turn with the calamine read of that workbook, wall and CPU, each as a ratio to the read.
Prints plainly; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter


def make_school(path: Path, rows: int) -> None:
    wb = xlsxwriter.Workbook(str(path))
    reg = wb.add_worksheet("学时登记")
    reg.write_row(0, 0, ["工号", "姓名", "日期", "类别", "角色", "级别", "获奖", "学时", "字数", "审核状态"])
    start = date(2026, 3, 1)
    for i in range(rows):
        reg.write_row(i + 1, 0, [f"T{i % 300:03d}", f"教师{i % 300}", (start + timedelta(days=i % 120)).isoformat(),
                                 "公开课", "主讲", "校级", "", 4 + i % 3, 1200, "已审核"])
    roster = wb.add_worksheet("教师名册")
    roster.write_row(0, 0, ["工号", "姓名", "性别", "学科", "教研组"])
    for i in range(300):
        roster.write_row(i + 1, 0, [f"T{i:03d}", f"教师{i}", "女", "语文", "语文组"])
    wb.close()


def ours(src: Path, dst: Path, rows: int) -> None:
    from xlrubric.ooxml.package import write_results
    from xlrubric.results import CellMark, SheetTable
    hours = SheetTable("学时汇总", ["工号", "姓名", "年度", "讲座", "教研", "公开课", "论文", "课题", "合计", "达标"],
                       [[f"T{i:03d}", f"教师{i}", 2026, 10, 4, 8, 12, 0, 34 + i % 9, "达标" if i % 4 else "未达标"]
                        for i in range(rows)])
    results = SheetTable("考核结果", ["工号", "姓名", "总分", "等次", "扣分明细"],
                         [[f"T{i:03d}", f"教师{i}", 40 - i % 17, "优秀", "=缺签到×1"] for i in range(300)])
    marks = [CellMark("学时登记", f"H{2 + i * 397}", "学时超出上限", "警告") for i in range(50)]
    write_results(src, dst, [results, hours], marks)


def baseline(src: Path, dst: Path, _rows: int) -> None:
    import openpyxl
    openpyxl.load_workbook(src).save(dst)


def read_floor(src: Path, _dst: Path = Path(), _rows: int = 0) -> None:
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(str(src))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()


STEPS = {"read": read_floor, "ours": ours, "openpyxl": baseline}


def compute_write(src: Path, preset: str) -> None:
    """In this fresh process: compute `src`, then time the first write, and later writes and the read taken
    in turn (wall and CPU seconds, medians of 9)."""
    from _timing import interleaved_seconds

    from xlrubric.pipeline import compute_book, resolve_spec
    from xlrubric.readers.workbook import open_workbook
    book = open_workbook(src)
    spec, source = resolve_spec(book, preset=preset or None)
    results = compute_book(book, spec, source)
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        from xlrubric.writers.output import write_output
        write_output(src, book, results, Path(tmp) / "out.xlsx")
        first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        t = interleaved_seconds({"write": lambda: write_output(src, book, results, Path(tmp) / "out.xlsx"),
                                 "read": lambda: read_floor(src)}, runs=9)
    print(f"{first:.6f} {t['write'][0]:.6f} {t['read'][0]:.6f} {first_cpu:.6f} {t['write'][1]:.6f} {t['read'][1]:.6f}")


def compute_writes(tmp: Path, repeat: int) -> None:
    from bench_compute import make_workbook
    school = tmp / "学校300.xlsx"
    make_workbook(school, 300, 2000)
    sample = Path(__file__).resolve().parent.parent / "samples" / "lanxi4.xlsx"
    print("write inside compute_file (fresh process each; write and read taken in turn; medians; ratio to the "
          "calamine read of the same file):")
    for label, src, preset in (("300 位教师（bench_compute）", school, "lanxi4"), ("samples/lanxi4.xlsx", sample, "")):
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, __file__, "--compute-child", str(src), preset],
                                 capture_output=True, text=True, check=True).stdout.split()
            runs.append([float(x) for x in out])
        first, steady, read, first_cpu, steady_cpu, read_cpu = (statistics.median(r[k] for r in runs) for k in range(6))
        print(f"  {label}: read {read * 1e3:.1f} ms ({read_cpu * 1e3:.1f} ms CPU); write {steady * 1e3:.1f} ms = "
              f"{steady / read:.2f}× read, CPU {steady_cpu * 1e3:.1f} ms = {steady_cpu / read_cpu:.2f}×; "
              f"first write in a process {first * 1e3:.1f} ms = {first / read:.2f}× (CPU {first_cpu * 1e3:.1f} ms)")


def child(step: str, src: Path, dst: Path, rows: int) -> None:
    """Run one step in this (fresh) process and print its wall time."""
    start = time.perf_counter()
    STEPS[step](src, dst, rows)
    print(f"{time.perf_counter() - start:.6f}")


def measure(step: str, src: Path, dst: Path, rows: int) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of `step` in a fresh child process."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(src), str(dst), str(rows)],
                            stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"{step} failed: {out}")
    return float(out.strip()), usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--compute-child", nargs=2)
    args = ap.parse_args()
    if args.child:
        step, src, dst, rows = args.child
        child(step, Path(src), Path(dst), int(rows))
        return
    if args.compute_child:
        compute_write(Path(args.compute_child[0]), args.compute_child[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "school.xlsx"
        make_school(src, args.rows)
        print(f"school workbook: {args.rows} register rows + 300 roster rows, {src.stat().st_size / 1e6:.1f} MB")
        results = {}
        for step in STEPS:
            runs = [measure(step, src, Path(tmp) / f"{step}.xlsx", args.rows) for _ in range(args.repeat)]
            secs = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            results[step] = secs
            print(f"{step:9s} median {secs:.3f} s of {args.repeat}  (runs: "
                  f"{', '.join(f'{r[0]:.3f}' for r in runs)})  peak RSS {peak:.0f} MB")
        print(f"ratio openpyxl / ours: {results['openpyxl'] / results['ours']:.1f}x; "
              f"ours / read floor: {results['ours'] / results['read']:.2f}x")
        compute_writes(Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
