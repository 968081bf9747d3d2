"""Compute time for one school, as a ratio to python-calamine just reading the same workbook.

Workbook: lanxi4 rules, 300 teachers in 教师名册 and 考核记录, a 2,000-row 签到登记 (20 sessions × 100
teachers) and a 300-row 提交登记. Prints medians of 15 runs (--runs), the three taken in turn so that a change of
load hits all alike:
  read   python-calamine reading every sheet as rows (the floor)
  tables open_workbook (every safety check) + locating and reading the four tables compute reads
  calc   open_workbook + rules + validation + engine (what the button and compute both do)
  full   compute_file: the above plus writing the filled copy
and the share of calc spent in pandera validation (every `run_rules` call, timed around it).
Aim (issue 16): calc / read ≤ 3×, full / read ≤ 4×; tables / read as close to 1 as the checks allow.

Run: python benchmarks/bench_compute.py [--teachers 300] [--signin 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import xlsxwriter
from _timing import interleaved_seconds, paired_cpu_seconds
from python_calamine import CalamineWorkbook

from xlrubric.spec.load import load_preset

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def make_workbook(path: Path, teachers: int, signin: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    spec = load_preset("lanxi4")
    wb = xlsxwriter.Workbook(str(path))
    ids = [f"T{1000 + i}" for i in range(teachers)]
    names = [rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) for _ in ids]
    ws = wb.add_worksheet("教师名册")
    ws.write_row(0, 0, ["教师名册"])
    ws.write_row(1, 0, ["工号", "姓名", "性别", "学科", "教研组"])
    for i, (t, n) in enumerate(zip(ids, names, strict=True)):
        ws.write_row(2 + i, 0, [t, n, rnd.choice("男女"), "语文", f"第{i % 6 + 1}组"])
    ws = wb.add_worksheet("考核记录")
    events = [d for _, d in spec.rubric.deductions if not d.derive]
    ws.write_row(0, 0, ["考核记录"])
    ws.write_row(1, 0, ["工号", "姓名", *[d.event for d in events]])
    for i, (t, n) in enumerate(zip(ids, names, strict=True)):
        ws.write_row(2 + i, 0, [t, n, *[rnd.choice([None, None, None, 1]) for _ in events]])
    ws = wb.add_worksheet("签到登记")
    ws.write_row(0, 0, ["签到登记"])
    ws.write_row(1, 0, ["日期", "活动名称", "参加范围", "工号", "姓名", "签到状态"])
    sessions = max(1, signin // min(100, teachers))
    dated = wb.add_format({"num_format": "yyyy-mm-dd"})    # every 签到 date a date cell, as a school's are
    r = 2
    for s in range(sessions):
        day = dt.datetime(2025, 9, 1) + dt.timedelta(days=7 * s)
        for i in rnd.sample(range(teachers), min(100, teachers)):
            if r - 2 >= signin:
                break
            status = rnd.choice(["已签到"] * 8 + ["迟到", "缺席"])
            ws.write_datetime(r, 0, day, dated)
            ws.write_row(r, 1, [f"第{s + 1}次校本研修", "全体", ids[i], names[i], status])
            r += 1
    ws = wb.add_worksheet("提交登记")
    ws.write_row(0, 0, ["提交登记"])
    ws.write_row(1, 0, ["工号", "姓名", "材料", "提交日期"])
    for i, (t, n) in enumerate(zip(ids, names, strict=True)):
        ws.write_row(2 + i, 0, [t, n, "计划", "2025-09-10"])
    wb.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teachers", type=int, default=300)
    ap.add_argument("--signin", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=15, help="runs of each, taken in turn (default 15)")
    args = ap.parse_args()
    from xlrubric.pipeline import compute_book, resolve_spec
    from xlrubric.process import compute_file
    from xlrubric.readers.workbook import open_workbook

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "学校.xlsx"
        make_workbook(src, args.teachers, args.signin)
        settle(src)

        def read() -> None:
            wb = CalamineWorkbook.from_path(str(src))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        def calc() -> None:
            book = open_workbook(src)
            spec, source = resolve_spec(book, preset="lanxi4")
            compute_book(book, spec, source)

        def full() -> None:
            compute_file(src, Path(tmp) / "out.xlsx", preset="lanxi4")

        read_tables = table_reader()

        def tables() -> None:
            read_tables(open_workbook(src))

        calc()      # warm imports
        t = interleaved_seconds({"read": read, "calc": calc, "full": full}, runs=args.runs)
        cpu_read, cpu_tables = paired_cpu_seconds(read, tables)
        t_valid = validation_seconds(calc)
    (t_read, c_read), (t_calc, c_calc), (t_full, c_full) = t["read"], t["calc"], t["full"]
    print(f"workbook: {args.teachers} teachers, {args.signin}-row 签到登记 (medians of {args.runs} runs taken in turn: "
          "read, calc, full)")
    print(f"  read (python-calamine, floor): {t_read:.3f} s   {c_read:.3f} s CPU")
    print(f"  tables (open_workbook + the 4 tables read): {cpu_tables:.3f} s CPU   ratio {cpu_tables / cpu_read:.2f}× "
          f"the floor's {cpu_read:.3f} s CPU (medians of 15 interleaved pairs)")
    print(f"  calc (read+rules+validate+engine): {t_calc:.3f} s   ratio {t_calc / t_read:.1f}×  (aim ≤ 3×)   "
          f"CPU {c_calc:.3f} s = {c_calc / c_read:.1f}×")
    print(f"    of which pandera validation: {t_valid:.3f} s ({t_valid / t_calc:.0%} of calc)")
    print(f"  full (compute_file incl. write): {t_full:.3f} s   ratio {t_full / t_read:.1f}×  (aim ≤ 4×)   "
          f"CPU {c_full:.3f} s = {c_full / c_read:.1f}×")


def settle(path: Path) -> None:
    """Wait until the freshly written workbook looks settled, so no timed run pays the growing-file check.

    `open_workbook` watches a file modified in the last `QUIET_SECONDS` for 20 ms (a copy still running into
    a county folder must not be read half-way); a school's real file is older than that, so the check costs
    it nothing. This file was just written here, so each timed run would sleep 20 ms that no user pays.
    The check itself stays on: this only lets the file age before the timing starts.
    """
    from xlrubric.readers.sniff import QUIET_SECONDS

    st = path.stat()
    time.sleep(max(0.0, QUIET_SECONDS + 0.1 - (time.time() - max(st.st_mtime, st.st_ctime))))


def table_reader():
    """A function reading, from a RawBook, the tables compute reads from this workbook, as `compute_book` does
    (`Context.table`); the rules and their layouts are made once, outside the timing."""
    from xlrubric.pipeline.context import Context
    from xlrubric.pipeline.record import reading_layout
    from xlrubric.schemas.layout import ROSTER, SIGNIN, SUBMISSION

    spec = load_preset("lanxi4")
    layouts = (ROSTER, reading_layout(spec, "考核记录"), SIGNIN, SUBMISSION)

    def read_tables(book) -> None:
        ctx = Context(book, spec, "")
        for layout in layouts:
            assert ctx.table(layout) is not None, layout.sheet
    return read_tables


def validation_seconds(calc, runs: int = 5) -> float:
    """Median time spent inside pandera validation (`run_rules`) per calc, timed around each call."""
    import xlrubric.pipeline.rubric as rubric_part
    from xlrubric.schemas import validate

    spent: list[float] = []
    original = rubric_part.run_rules

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[-1] += time.perf_counter() - start

    rubric_part.run_rules = timed
    try:
        for _ in range(runs):
            spent.append(0.0)
            calc()
    finally:
        rubric_part.run_rules = original
    assert validate.run_rules is original
    return sorted(spent)[len(spent) // 2]


if __name__ == "__main__":
    main()
