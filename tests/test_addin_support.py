"""Helpers for the add-in tests (no tests here): payloads as Excel's client sends them, and a small
client that applies the returned actions to the payload the way Excel would, so that a second click
sees what the first one wrote.

The payload follows the classic add-in's VBA client (xlwings/addin/Remote.bas in the installed wheel):
client "VBA", version = the installed xlwings version, book {name, active_sheet_index, selection},
names [{name, sheet_index, address, book_scope, scope_sheet_name, scope_sheet_index}] (only names that
refer to a range), sheets [{name, pictures, tables, values}] with values from A1 to the end of the used
range, dates as "yyyy-mm-ddTHH:MM:SS.000Z", empty cells null.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

LICENSE = "noncommercial"   # xlwings documents this key for non-commercial use; this project is for schools


def xlwings_remote(monkeypatch: pytest.MonkeyPatch):
    """xlwings with its remote engine; the key must be set before xlwings is first imported."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", LICENSE)
    import xlwings as xw

    if "remote" not in [e.name for e in xw.engines]:
        # Another test imported xlwings before the key was set, so its __init__ skipped the engine:
        # register it the way xlwings/__init__.py does (the licence check runs again on import).
        from xlwings.pro import _xlremote

        xw.engines.add(xw.Engine(impl=_xlremote.engine))
    return xw


def _json_value(v: Any) -> Any:
    if v == "" or v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(v, dt.date):
        return f"{v.isoformat()}T00:00:00.000Z"
    return v


def payload_from_grids(name: str, sheets: dict[str, list[list[Any]]], names: list[dict] | None = None,
                       version: str | None = None) -> dict:
    import xlwings as xw

    out_sheets = []
    for sheet, rows in sheets.items():
        width = max((len(r) for r in rows), default=0)
        values = [[_json_value(v) for v in r] + [None] * (width - len(r)) for r in rows]
        while values and all(v is None for v in values[-1]):
            values.pop()
        out_sheets.append({"name": sheet, "pictures": [], "tables": [], "values": values or [[]]})
    return {"client": "VBA", "version": version or xw.__version__,
            "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
            "names": names or [], "sheets": out_sheets}


def read_grids(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


def payload_from_file(path: Path, names: list[dict] | None = None) -> dict:
    return payload_from_grids(Path(path).name, read_grids(path), names)


@dataclass
class Applied:
    """The workbook after the actions, as the next click's payload, plus what Excel showed."""

    payload: dict
    colors: dict[tuple[str, str], str | None] = field(default_factory=dict)     # (sheet, A1) -> fill
    formats: dict[tuple[str, str], str] = field(default_factory=dict)
    alerts: list[tuple[str, str]] = field(default_factory=list)                 # (mode, text)


def a1(row0: int, col0: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"{get_column_letter(col0 + 1)}{row0 + 1}"


def _cells(a: dict):
    for r in range(a["start_row"], a["start_row"] + a["row_count"]):
        for c in range(a["start_column"], a["start_column"] + a["column_count"]):
            yield r, c


def _put(values: list[list[Any]], r: int, c: int, v: Any) -> None:
    while len(values) <= r:
        values.append([])
    row = values[r]
    if len(row) <= c:
        row.extend([None] * (c + 1 - len(row)))
    row[c] = v


def apply_actions(payload: dict, actions: list[dict], previous: Applied | None = None) -> Applied:
    """Apply `actions` as Excel would: "'text" is stored as text without its prefix, "" is empty."""
    out = Applied(copy.deepcopy(payload), dict(previous.colors) if previous else {},
                  dict(previous.formats) if previous else {})
    sheets = out.payload["sheets"]
    for a in actions:
        f = a["func"]
        if f == "addSheet":
            sheets.insert(a["args"][0], {"name": a["args"][1], "pictures": [], "tables": [], "values": [[]]})
        elif f == "alert":
            out.alerts.append((a["args"][3], a["args"][0]))
        else:
            sheet = sheets[a["sheet_position"]]
            if f == "setValues":
                for i, row in enumerate(a["values"]):
                    for j, v in enumerate(row):
                        if isinstance(v, str) and v.startswith("'"):
                            v = v[1:]
                        _put(sheet["values"], a["start_row"] + i, a["start_column"] + j, None if v == "" else v)
            elif f == "sheetClearContents":
                sheet["values"] = [[]]
            elif f == "rangeClearContents":
                for r, c in _cells(a):
                    if r < len(sheet["values"]) and c < len(sheet["values"][r]):
                        sheet["values"][r][c] = None
            elif f == "setRangeColor":
                for r, c in _cells(a):
                    out.colors[(sheet["name"], a1(r, c))] = a["args"][0]
            elif f == "setNumberFormat":
                for r, c in _cells(a):
                    out.formats[(sheet["name"], a1(r, c))] = a["args"][0]
            else:
                raise AssertionError(f"action the classic add-in's client would have to handle: {f}")
    for sheet in sheets:
        width = max((len(r) for r in sheet["values"]), default=0)
        sheet["values"] = [r + [None] * (width - len(r)) for r in sheet["values"]] or [[]]
    return out


def run_button(xw, payload: dict, **kwargs):
    """The button's Python side on a remote-engine book: returns (results, actions)."""
    from xlrubric.adapters.excel import run

    book = xw.Book(json=payload)
    results = run(book, now=dt.datetime(2025, 6, 1, 10, 30), env=kwargs.pop("env", {}), **kwargs)
    actions = book.json()["actions"]
    book.close()
    return results, actions


TEMPLATES = Path(__file__).resolve().parents[1] / "workbook_templates"


def template_grids(preset: str) -> tuple[dict[str, list[list[Any]]], dict[str, list[tuple[int, int, int, int]]]]:
    """The checked-in blank template's values and merges (rows from A1, None for empty)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(TEMPLATES / f"{preset}.xlsx"))
    grids, merges = {}, {}
    for n in book.sheet_names:
        sheet = book.get_sheet_by_name(n)
        grids[n] = [[None if v == "" else v for v in r] for r in sheet.to_python(skip_empty_area=False)]
        merges[n] = [(a, b, c, d) for (a, b), (c, d) in (sheet.merged_cell_ranges or [])]
    return grids, merges


def fill_record(grids: dict[str, list[list[Any]]], teachers: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Add teachers to 教师名册 and 考核记录 of a template's grids (events by their column name)."""
    record = grids["考核记录"]
    events = record[2]
    for tid, name, counts in teachers:
        grids["教师名册"].append([tid, name, "女", None, None, "语文", "语文组", None])
        row: list[Any] = [tid, name] + [None] * (len(events) - 2)
        for event, value in counts.items():
            row[events.index(event)] = value
        record.append(row)


def lanxi4_book(folder: Path, teachers: list[tuple[str, str, dict[str, Any]]] | None = None,
                name: str = "兰西四中.xlsx") -> Path:
    """The lanxi4 template filled in, written with XlsxWriter (values and merges as the template has)."""
    from schoolbooks import write_book

    grids, merges = template_grids("lanxi4")
    fill_record(grids, LANXI4_TEACHERS if teachers is None else teachers)
    return write_book(Path(folder) / name, grids, merges)


# Seed 003 (兰西四中): 计划5 参与情况5 心得体会10 评课材料10 教学反思10 研修总结10 = 50.
LANXI4_TEACHERS = [
    # 迟到间缺早退 1 → 参与情况 5 − 0.5 = 4.5; total 49.5.
    ("T01", "张丽", {"迟到间缺早退次数": 1}),
    # 缺席 "3次" (text, read as 3 with a warning) → 参与情况 5 − 3×1 = 2; total 47.
    ("T02", "王强", {"缺席研修活动次数": "3次"}),
    # name typed as "=李娜" must stay text; 心得体会缺项数 −1 is an error: the item, the total and the 等次
    # are 待核实 (issue 11: a rejected cell never becomes a number); 教学反思缺项数 1 → 10 − 1 = 9.
    ("T03", "=李娜", {"心得体会缺项数": -1, "教学反思缺项数": 1}),
]
