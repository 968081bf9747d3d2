"""Scoring sheets as schools really type them (issue 11), built in code.

Each builder returns the sheets of a workbook; `book()` turns them into the in-memory `RawBook` the
pipeline reads (the same object the file reader and the Excel add-in produce), `write()` into a real .xlsx
for the command-line tests. The people and schools are made up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schoolbooks import record_sheet, write_book

from xlrubric.pipeline import compute_book
from xlrubric.readers.raw import RawBook, RawSheet
from xlrubric.results import Results
from xlrubric.spec.load import load_preset

LANXI4 = load_preset("lanxi4")
XINGHUO = load_preset("xinghuo")
LX_ITEMS = ["计划", "参与情况", "心得体会", "评课材料", "教学反思", "研修总结"]
Sheets = dict[str, list[list[Any]]]
Merges = dict[str, list[tuple[int, int, int, int]]]


def book(sheets: Sheets, merges: Merges | None = None, name: str = "学校.xlsx") -> RawBook:
    return RawBook(name, "xlsx", {n: RawSheet(n, rows, (merges or {}).get(n, [])) for n, rows in sheets.items()})


def compute(sheets: Sheets, merges: Merges | None = None, spec=LANXI4) -> Results:
    return compute_book(book(sheets, merges), spec, f"预设 {spec.id}")


def write(path: Path, sheets: Sheets, merges: Merges | None = None) -> Path:
    return write_book(path, sheets, merges)


def table(results: Results, name: str) -> list[dict[str, Any]]:
    return next(t for t in results.tables if t.name == name).as_records()


def row_of(results: Results, teacher: str) -> dict[str, Any]:
    return next(r for r in table(results, "考核结果") if r["姓名"] == teacher)


def problems(results: Results, code: str) -> list:
    return [p for p in results.problems if p.code == code]


def roster(*teachers: tuple[str, str]) -> list[list[Any]]:
    return [["教师名册"], ["工号", "姓名"], *[[tid, name] for tid, name in teachers]]


def lanxi4_record(*teachers: tuple[str, str, dict[str, Any]]) -> tuple[Sheets, Merges]:
    """The template's 考核记录 (title, items merged over their events) with a matching 教师名册."""
    rows, merges = record_sheet(LANXI4, list(teachers))
    return ({"教师名册": roster(*[(t, n) for t, n, _ in teachers]), "考核记录": rows}, {"考核记录": merges})


# 兰西四中's own scoring sheet (直接评分): a title row, then 序号 | 教师姓名 | the six items (评课 for 评课材料,
# "计划（5分）" with its full marks in the header) | 总分 | 备注; no 工号 and no 教师名册, as directors keep it.
DIRECT_HEADER = ["序号", "教师姓名", "计划（5分）", "参与情况", "心得体会", "评课", "教学反思", "研修总结", "总分",
                 "备注"]
DIRECT_TEACHERS = [
    ("甲老师", [5, 5, 10, 10, 10, 10]),
    ("乙老师", [5, 4.5, 9, 10, 9, 10]),
    ("丙老师", [4, 5, 9, 9, 9, 10]),
    ("丁老师", [4, 4, 8, 8, 8, 8]),
    ("戊老师", [3, 3, 6, 6, 6, 6]),
    ("己老师", [2, 2, 5, 5, 5, 5]),
]


def direct_sheet(teachers=DIRECT_TEACHERS, *, sheet: str = "考核评分表", merged: bool = False) -> tuple[Sheets, Merges]:
    """The director's own sheet; `merged` puts 考核项目 over the six items (a two-row header)."""
    title = [["兰西四中2025-2026学年度上学期校本研修考核评分表"]]
    if merged:
        top = ["序号", "教师姓名", "考核项目", None, None, None, None, None, "总分", "备注"]
        low = ["序号", "教师姓名", "计划", "参与情况", "心得体会", "评课材料", "教学反思", "研修总结", "总分", "备注"]
        head, merges = [top, low], [(1, 2, 1, 7), (1, 0, 2, 0), (1, 1, 2, 1), (1, 8, 2, 8), (1, 9, 2, 9)]
    else:
        head, merges = [DIRECT_HEADER], []
    body = [[n + 1, name, *scores, sum(s for s in scores if isinstance(s, int | float)), None]
            for n, (name, scores) in enumerate(teachers)]
    return {sheet: title + head + body}, {sheet: merges}
