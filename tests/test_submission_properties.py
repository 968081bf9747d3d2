"""提交登记: the engine's 未交/迟交 counts equal a plain row-by-row count, and a 提交登记 without its 材料 column
is an 错误 on the sheet, not a crash.

The reference walks the register one row at a time with the rule as `engine.derive.submission_counts` states it
(an item is tracked when any row names it; a teacher with no row for a tracked item has not handed it in; a row
dated after the item's deadline is one 迟交, cited by its date and the deadline), so any shortcut in the
whole-column version that changes a count, an evidence text or a cited row fails on a random register.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from xlrubric.engine.derive import submission_counts
from xlrubric.pipeline import compute_book, resolve_spec
from xlrubric.readers.workbook import open_workbook

TEACHERS = ["T1", "T2", "T3"]
DEADLINES = {"计划": dt.date(2025, 9, 10), "总结": dt.date(2026, 1, 15), "心得": None}


def reference(rows: list[dict], teachers: list[str], deadlines: dict):
    def day(v):
        return v.date() if isinstance(v, dt.datetime) else v if isinstance(v, dt.date) else None

    counts: dict[str, dict[str, float]] = {t: {} for t in teachers}
    evidence: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str], int] = {}
    columns: list[str] = []
    for item in dict.fromkeys(r["item"] for r in rows):
        columns.append(f"{item}|missing")
        handed = {r["teacher"] for r in rows if r["item"] == item}
        for t in teachers:
            counts[t][f"{item}|missing"] = 0.0 if t in handed else 1.0
            if t not in handed:
                evidence[(t, f"{item}|missing")] = f"提交登记中没有「{item}」"
        deadline = deadlines.get(item)
        if deadline is None:
            continue
        columns.append(f"{item}|late")
        for t in teachers:
            counts[t][f"{item}|late"] = 0.0
        for r in rows:
            d = day(r["date"])
            if r["item"] != item or d is None or d <= deadline:
                continue
            key = (r["teacher"], f"{item}|late")
            if r["teacher"] in counts:
                counts[r["teacher"]][key[1]] += 1.0
            text = f"{d.year}-{d.month:02d}-{d.day:02d} 交（截止 {deadline.month}月{deadline.day}日）"
            evidence[key] = evidence[key] + "；" + text if key in evidence else text
            cells.setdefault(key, r["row"])
    return counts, evidence, cells, columns


hand_in = st.fixed_dictionaries({
    "teacher": st.sampled_from([*TEACHERS, "外校"]),
    "item": st.sampled_from(list(DEADLINES)),
    "date": st.sampled_from([dt.date(2025, 9, 1), dt.date(2025, 9, 10), dt.date(2025, 9, 11),
                             dt.datetime(2025, 9, 12, 8, 30), dt.date(2026, 1, 20), None]),
})


@given(st.lists(hand_in, max_size=25), st.booleans())
def test_whole_column_counts_equal_row_by_row_reference(rows, as_frame):
    for i, r in enumerate(rows):
        r["row"] = i + 3
    register = {k: [r[k] for r in rows] for k in ("teacher", "item", "date", "row")}
    if as_frame:
        register = pd.DataFrame(register, columns=["teacher", "item", "date", "row"], dtype=object)
        register["row"] = register["row"].astype("int64")
    got = submission_counts(register, pd.Index(TEACHERS, dtype=object), DEADLINES)
    counts, evidence, cells, columns = reference(rows, TEACHERS, DEADLINES)
    assert list(got.counts.columns) == columns
    assert got.counts.to_dict("index") == counts
    assert got.evidence == evidence
    assert got.cells == cells


def test_register_without_material_column_is_an_error_not_a_crash(tmp_path):
    # Worked by hand: 提交登记 has 工号/姓名/提交日期 but no 材料 column. The reader says the required column is
    # missing; no row names a material, so the register decides nothing: lanxi4's 计划 (its 未交 comes from
    # the register) is 待核实, not the typed 计划未及时提交 (it was 5 − 0.5 = 4.5, from 考核记录!C2).
    path = tmp_path / "无材料列.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("教师名册")
    ws.write_row(0, 0, ["工号", "姓名"])
    ws.write_row(1, 0, ["T1", "王芳"])
    ws = wb.add_worksheet("考核记录")
    ws.write_row(0, 0, ["工号", "姓名", "计划未及时提交"])
    ws.write_row(1, 0, ["T1", "王芳", 1])
    ws = wb.add_worksheet("提交登记")
    ws.write_row(0, 0, ["工号", "姓名", "提交日期"])
    ws.write_row(1, 0, ["T1", "王芳", "2025-09-10"])
    wb.close()
    book = open_workbook(path, settle=0)
    spec, source = resolve_spec(book, preset="lanxi4")
    results = compute_book(book, spec, source)
    missing = [p for p in results.problems if p.code == "missing-column" and p.sheet == "提交登记"]
    assert missing and "材料" in missing[0].message and missing[0].severity == "错误"
    assert not [p for p in results.problems if p.code in ("register-differs", "absent-material")]
    [row] = next(t for t in results.tables if t.name == "考核结果").as_records()
    assert row["计划（5分）"] == "待核实" and "提交登记!A1：提交登记缺少「材料」列" in row["待核实（单元格与原因）"]
