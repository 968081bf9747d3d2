"""Build school workbooks in code, the way schools lay them out (title rows, merged two-row headers)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import xlsxwriter

from xlrubric.spec.model import Spec


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_book(path: Path, sheets: dict[str, list[list[Any]]],
               merges: dict[str, list[tuple[int, int, int, int]]] | None = None) -> Path:
    """Write `sheets` (rows from A1; None = empty) with optional merges (r0, c0, r1, c1)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r0, c0, r1, c1 in (merges or {}).get(name, []):
            ws.merge_range(r0, c0, r1, c1, rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime)
                                      else dt.datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
    wb.close()
    return path


def record_sheet(spec: Spec, teachers: list[tuple[str, str, dict[str, Any]]], *, title: str = "考核记录",
                 col0: int = 0) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """考核记录 as the template lays it out: title, item names merged over their events, event names."""
    events = [(item.name, d.event) for item, d in spec.rubric.deductions]
    pad = [None] * col0
    rows: list[list[Any]] = [pad + [title], pad + ["工号", "姓名"], pad + ["工号", "姓名"]]
    merges = [(1, col0, 2, col0), (1, col0 + 1, 2, col0 + 1)]
    c = col0 + 2
    for item in spec.rubric.items:
        n = len(item.deductions)
        rows[1] += [item.name] + [None] * (n - 1)
        rows[2] += [d.event for d in item.deductions]
        if n > 1:
            merges.append((1, c, 1, c + n - 1))
        c += n
    for tid, name, counts in teachers:
        rows.append(pad + [tid, name] + [counts.get(e) for _, e in events])
    return rows, merges
