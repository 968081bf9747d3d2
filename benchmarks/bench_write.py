"""Time our surgical write against an openpyxl load-and-save of the same school workbook.

    python benchmarks/bench_write.py [--rows 20000] [--repeat 3]

The school workbook: a 20,000-row x 10-column 学时登记 register and a 300-row 教师名册, made with
XlsxWriter. Our step: `write_results` with a 20,000-row 学时汇总, a 300-row 考核结果 and 50 marks on
the register. The baseline: `openpyxl.load_workbook` + `save` (what a naive writer would do, and lossy).
Peak memory is the max RSS of a fresh child process per measurement. Prints plainly; asserts nothing.
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


STEPS = {"ours": ours, "openpyxl": baseline}


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
    args = ap.parse_args()
    if args.child:
        step, src, dst, rows = args.child
        child(step, Path(src), Path(dst), int(rows))
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
        print(f"ratio openpyxl / ours: {results['openpyxl'] / results['ours']:.1f}x")


if __name__ == "__main__":
    main()
