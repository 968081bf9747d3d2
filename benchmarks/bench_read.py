"""Reading time of open_workbook against python-calamine alone and pandas + openpyxl.

Workbook (generated with XlsxWriter): a 20,000-row × 10-column 学时登记 register (text, dates,
numbers, blanks) and a 300-row 教师名册. Prints the median of 5 runs of each reader:
  calamine   python-calamine, every sheet as rows (skip_empty_area=False): the floor
  ours       xlrubric open_workbook: sniff + zip/XML guards + reach/error scan + calamine + None for ''
  openpyxl   pd.read_excel(engine="openpyxl", sheet_name=None, header=None)
and calamine and ours again as CPU time of interleaved pairs (the steadier ratio on a shared machine).
Aim (issue 4): ours / calamine ≤ about 1.3×. The machine is shared: rerun when numbers look noisy.

Run: python benchmarks/bench_read.py [--rows 20000] [--runs 5] [--no-pandas]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from pathlib import Path

import xlsxwriter
from _timing import median_seconds, paired_cpu_seconds
from python_calamine import CalamineWorkbook

from xlrubric.readers.workbook import open_workbook

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def make_workbook(path: Path, rows: int, teachers: int = 300, seed: int = 4) -> None:
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ids = [f"T{1000 + i}" for i in range(teachers)]
    names = [rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) for _ in ids]
    ws = wb.add_worksheet("学时登记")
    ws.write_row(0, 0, ["工号", "姓名", "日期", "类别", "角色", "级别", "学时", "字数", "题目", "审核状态"])
    for r in range(1, rows + 1):
        i = rnd.randrange(teachers)
        ws.write_row(r, 0, [ids[i], names[i]])
        ws.write_datetime(r, 2, dt.datetime(2024, 9, 1) + dt.timedelta(days=rnd.randrange(300)), date_fmt)
        ws.write_row(r, 3, [rnd.choice(["讲座", "教研", "公开课", "教学反思", "论文获奖"]),
                            rnd.choice(["主讲", "参与"]), rnd.choice(["国家级", "省级", "市级", "县级", "校级"]),
                            rnd.choice([1, 2, 4, 8, 12]),
                            rnd.choice([None, rnd.randint(800, 3000)]), f"第{r}项研修活动",
                            rnd.choice(["已认定", "待审核", None])])
    ws = wb.add_worksheet("教师名册")
    ws.write_row(0, 0, ["工号", "姓名", "性别", "出生日期", "入职日期", "学科", "教研组", "组别"])
    for i, (t, n) in enumerate(zip(ids, names, strict=True), start=1):
        ws.write_row(i, 0, [t, n, rnd.choice("男女")])
        ws.write_datetime(i, 3, dt.datetime(1965 + rnd.randrange(35), 1 + rnd.randrange(12), 1), date_fmt)
        ws.write_datetime(i, 4, dt.datetime(1985 + rnd.randrange(38), 9, 1), date_fmt)
        ws.write_row(i, 5, [rnd.choice(["语文", "数学", "英语"]), f"第{i % 6 + 1}组",
                            rnd.choice(["班主任", "骨干", None])])
    wb.close()


def calamine_rows(path: Path) -> list[list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names]


def pandas_openpyxl(path: Path) -> object:
    import pandas as pd

    return pd.read_excel(path, engine="openpyxl", sheet_name=None, header=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-pandas", action="store_true", help="skip the slow openpyxl reader")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.xlsx"
        make_workbook(path, args.rows)
        book = open_workbook(path, settle=0)
        assert [s.n_rows for s in book.sheets.values()] == [len(r) for r in calamine_rows(path)]
        results = {"calamine": median_seconds(lambda: calamine_rows(path), args.runs, warm=True),
                   "ours": median_seconds(lambda: open_workbook(path, settle=0), args.runs, warm=True)}
        if not args.no_pandas:
            results["openpyxl"] = median_seconds(lambda: pandas_openpyxl(path), args.runs, warm=True)
        cpu_floor, cpu_ours = paired_cpu_seconds(lambda: calamine_rows(path), lambda: open_workbook(path, settle=0),
                                                 runs=max(args.runs, 9))
        size = path.stat().st_size
    floor = results["calamine"]
    print(f"{args.rows:,}-row register + 300-row roster, {size / 1e6:.1f} MB, median of {args.runs}")
    for name, seconds in results.items():
        print(f"  {name:<9} {seconds:7.3f} s  {seconds / floor:5.2f}×")
    print(f"  CPU time, interleaved pairs: calamine {cpu_floor:.3f} s, ours {cpu_ours:.3f} s = "
          f"{cpu_ours / cpu_floor:.2f}× (steadier than wall time on a shared machine)")


if __name__ == "__main__":
    main()
