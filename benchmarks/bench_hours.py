"""学时 computation for one school, as a ratio to python-calamine just reading the same workbook.

Workbook: baiwanzi rules, 300 teachers in 教师名册, a 20,000-row 学时登记 over two 学年 with every category
(lectures, certificates, achievements with limits and duplicate titles, an exam for everyone), dates typed as
dates, "2023.10.12" text and Excel serials, a few "3小时" and unknown teachers. Prints medians of 7 runs taken in turn:
  read   python-calamine reading every sheet as rows (the floor)
  calc   what `compute` does after opening the file: validation + 学时 engine + result tables
  open   open_workbook (our reader: calamine + sniffing + merged ranges)
  register  学时登记 alone, from the opened book to the clean columns
            (`register._read` + `register_clean.clean`, issue 16)
Aim (issue 5): calc / read ≤ 2×.

Run: python benchmarks/bench_hours.py [--teachers 300] [--rows 20000]   (issue 16 quotes --rows 3000: 300 × 10)
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from pathlib import Path

from _timing import interleaved_seconds, median_seconds
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from xlrubric.pipeline import build_roster, compute_book
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.register import read_register
from xlrubric.readers.workbook import open_workbook
from xlrubric.schemas.layout import ROSTER
from xlrubric.spec.load import load_preset

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
HEADER = ["工号", "姓名", "日期", "类别", "角色", "级别", "等次", "时长", "天数", "证书学时", "字数", "数量", "成绩",
          "题目", "学年", "审核状态", "认定学时", "备注"]


def activity(rnd: random.Random, day: dt.date) -> dict:
    kind = rnd.randrange(12)
    if kind < 3:
        return {"类别": "专题培训", "角色": rnd.choice(["参培者"] * 9 + ["主讲人"]), "时长": rnd.choice([1, 1.5, 2, 3])}
    if kind == 3:
        return {"类别": "集中培训", "天数": rnd.randint(1, 5), "证书学时": rnd.choice([None, 16, 24])}
    if kind == 4:
        return {"类别": "远程培训", "证书学时": rnd.choice([10, 20, 30, None])}
    if kind < 7:
        return {"类别": "教研活动", "角色": rnd.choice(["组织者", "参加者"])}
    if kind == 7:
        return {"类别": "公开课", "题目": f"第{rnd.randint(1, 30)}课"}
    if kind == 8:
        return {"类别": rnd.choice(["反思成果", "教学设计", "单元整体教学设计"]), "字数": rnd.randint(600, 3000),
                "审核状态": rnd.choice(["已认定", "已认定", "待审核"]), "题目": f"成果{rnd.randint(1, 50)}"}
    if kind == 9:
        return {"类别": rnd.choice(["论文获奖", "论文发表"]),
                "级别": rnd.choice(["国家级", "省级", "市级", "县级", "校级"]),
                "等次": rnd.choice(["一等奖", "二等奖", "三等奖"]), "字数": rnd.randint(1500, 5000),
                "题目": f"论文{rnd.randint(1, 40)}"}
    if kind == 10:
        return {"类别": "课题", "角色": rnd.choice(["主持人", "主要参与者"]),
                "级别": rnd.choice(["省级", "市级", "县级"]),
                "等次": rnd.choice(["结题", "在研"]), "题目": f"课题{rnd.randint(1, 20)}"}
    return {"类别": "专题培训", "时长": rnd.choice(["3小时", 2])}


def make_workbook(path: Path, teachers: int, rows: int, seed: int = 5) -> None:
    """Written with openpyxl (write-only): XlsxWriter's sharedStrings `count` (total references) trips the
    reader's corrupt-count guard on registers with many repeated strings — reported, not worked around here."""
    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ids = [f"T{1000 + i}" for i in range(teachers)]
    names = [rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) for _ in ids]
    ws = wb.create_sheet("教师名册")
    ws.append(["教师名册"])
    ws.append(["工号", "姓名", "性别", "出生日期", "入职日期", "教研组"])
    for i, (t, n) in enumerate(zip(ids, names, strict=True)):
        ws.append([t, n, rnd.choice("男女"), dt.date(rnd.randint(1965, 1998), rnd.randint(1, 12), rnd.randint(1, 28)),
                   dt.date(rnd.randint(1988, 2022), 9, 1), f"第{i % 6 + 1}组"])
    ws = wb.create_sheet("学时登记")
    ws.append(["学时登记"])
    ws.append(HEADER)
    start = dt.date(2023, 9, 1)
    for r in range(rows):
        k = r if r < teachers else rnd.randrange(teachers)
        day = start + dt.timedelta(days=rnd.randrange(700))
        rec = {"类别": "专业知识考试", "成绩": rnd.randint(50, 100)} if r < teachers else activity(rnd, day)
        form = rnd.randrange(10)
        date = day if form < 7 else (f"{day.year}.{day.month}.{day.day}" if form < 9
                                     else (day - dt.date(1899, 12, 30)).days)
        tid = ids[k] if rnd.random() > 0.001 else "T9999"
        ws.append([tid, names[k], date, *[rec.get(col) for col in HEADER[3:]]])
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--teachers", type=int, default=300)
    ap.add_argument("--rows", type=int, default=20_000)
    args = ap.parse_args()
    spec = load_preset("baiwanzi")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "学时.xlsx"
        make_workbook(path, args.teachers, args.rows)

        def read() -> None:
            wb = CalamineWorkbook.from_path(str(path))
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python()

        book = open_workbook(path)
        # taken in turn (as bench_compute does): measured one after another, the floor alone moved 0.20 → 0.32 s
        # between runs of this script (2026-12-02), which moved the ratio more than any change of the code
        taken = interleaved_seconds({"read": read, "open": lambda: open_workbook(path),
                                     "calc": lambda: compute_book(book, spec, "bench")}, runs=7)
        read_s, open_s, calc_s = (taken[name][0] for name in ("read", "open", "calc"))
        ctx = Context(book, spec, "bench")
        ctx.roster, _ = build_roster(ctx.table(ROSTER))

        def register() -> None:
            ctx.shared.clear()
            ctx.problems.clear()
            read_register(ctx)

        reg_s = median_seconds(register, 9, warm=True)
        res = compute_book(book, spec, "bench")
    print(f"学时登记 {args.rows} 行, {args.teachers} 位教师; 问题 {len(res.problems)} 条; "
          f"达标率 {res.summary['hours_met_rate']:.2%}")
    print(f"read  {read_s:.3f} s   (python-calamine, the floor)")
    print(f"open  {open_s:.3f} s   ({open_s / read_s:.2f}× read)")
    print(f"calc  {calc_s:.3f} s   ({calc_s / read_s:.2f}× read; aim ≤ 2×)")
    print(f"register  {reg_s:.3f} s   ({reg_s / read_s:.2f}× read: 学时登记 read + cleaned)")


if __name__ == "__main__":
    main()
