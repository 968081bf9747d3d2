"""Build 学时 workbooks in code (教师名册 + 学时登记 + optional 基本信息) for the 学时/达标 tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xlrubric.pipeline import compute_book
from xlrubric.readers.workbook import open_workbook
from xlrubric.results import Results
from xlrubric.spec.load import load_preset
from xlrubric.spec.model import Spec

ROSTER_HEADER = ["工号", "姓名", "性别", "出生日期", "入职日期", "学科", "教研组", "组别/角色"]
REGISTER_HEADER = ["工号", "姓名", "日期", "类别", "角色", "级别", "等次", "时长", "天数", "证书学时", "字数", "数量",
                   "成绩", "题目", "学年", "审核状态", "认定学时", "备注", "结束日期"]


def write_book(path: Path, roster: list[list[Any]], register: list[dict[str, Any]],
               info: list[list[Any]] | None = None) -> Path:
    """教师名册 rows as lists (ROSTER_HEADER order); 学时登记 rows as dicts keyed by REGISTER_HEADER names."""
    wb = Workbook()
    ws = wb.active
    ws.title = "教师名册"
    ws.append(["教师名册"])
    ws.append(ROSTER_HEADER)
    for r in roster:
        ws.append(r)
    reg = wb.create_sheet("学时登记")
    reg.append(["学时登记"])
    reg.append(REGISTER_HEADER)
    for r in register:
        reg.append([r.get(c) for c in REGISTER_HEADER])
    if info is not None:
        sheet = wb.create_sheet("基本信息")
        for r in info:
            sheet.append(r)
    wb.save(path)
    return path


def compute(path: Path, spec: Spec | str) -> Results:
    spec = load_preset(spec) if isinstance(spec, str) else spec
    return compute_book(open_workbook(path), spec, f"预设 {spec.id}")


def table(results: Results, name: str) -> list[dict[str, Any]]:
    return next(t for t in results.tables if t.name == name).as_records()


def register_row(results: Results, excel_row: int) -> dict[str, Any]:
    """The 学时明细 row for one 学时登记 row (data starts at Excel row 3)."""
    return next(r for r in table(results, "学时明细") if r["行"] == excel_row)
