"""What the button remembers between clicks, kept in the workbook itself: the 计算状态 sheet.

The shared xlwings API has no hidden sheets, custom XML or cell notes (the VBA client of the remote
engine has no handler for them), and a defined name holding a constant is not even sent by that
client. So the record is a plain, visible sheet the director can read: the status cell (time, rule
source, problem count), the result sheets we wrote with a fingerprint of their values, and the cells we
coloured with the fill they had before. On the next click it tells us
  * which sheets are ours to replace (a sheet with one of our names that is not listed is the school's:
    we never overwrite it);
  * whether a result sheet was edited by hand since (its values no longer match the fingerprint: we
    stop and say so, rather than silently throwing the edits away);
  * which cells to un-colour before marking again.
The fingerprint is computed from the values we write, never read back from Excel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from xlrubric.readers.raw import CellError

STATUS_SHEET = "计算状态"
TITLE = "「计算考核」运行记录（由 Excel 加载项写入，请勿修改；删除本表即清除记录）"
FORMAT = 1
SHEETS_HEADER = ["结果表", "行数", "列数", "校验码"]
MARKS_HEADER = ["标记的工作表", "单元格", "原来的填充色", "严重程度"]


def canon(v: Any) -> str:
    """A value as Excel will hand it back, in a form that survives the round trip."""
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "b1" if v else "b0"
    if isinstance(v, int | float):
        return "n" + format(float(v), ".15g")
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None)
        return "d" + (v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(timespec="seconds"))
    if isinstance(v, dt.date):
        return "d" + v.isoformat()
    if isinstance(v, CellError):
        return "e" + v.code
    return "s" + str(v)


def _fast(v: Any) -> str:
    t = type(v)
    if t is str:
        return "s" + v if v else ""
    if t is float:
        return "n" + format(v, ".15g")
    return "" if v is None else canon(v)


def fingerprint(grid: list[list[Any]]) -> str:
    """sha256 of the grid's values, ignoring trailing empty cells and rows."""
    h = hashlib.sha256()
    lines = []
    for row in grid:
        cells = [_fast(v) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        lines.append("\x1f".join(cells))
    while lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        h.update(line.encode("utf-8", "surrogatepass") + b"\x1e")
    return h.hexdigest()[:32]


@dataclass
class Record:
    sheets: dict[str, tuple[int, int, str]] = field(default_factory=dict)   # name -> (rows, cols, fingerprint)
    marks: dict[tuple[str, str], str] = field(default_factory=dict)        # (sheet, cell) -> original fill ("" none)


class RecordUnreadable(Exception):
    """The 计算状态 sheet is not ours, or was changed so that it cannot be trusted."""


def status_grid(status: str, when: str, source: str, counts: str, record: Record,
                severities: dict[tuple[str, str], str]) -> list[list[Any]]:
    grid: list[list[Any]] = [[TITLE], ["状态", status], ["计算时间", when], ["规则来源", source],
                             ["问题数", counts], ["记录格式", FORMAT], [], SHEETS_HEADER]
    grid += [[name, rows, cols, fp] for name, (rows, cols, fp) in record.sheets.items()]
    grid += [[], MARKS_HEADER]
    grid += [[sheet, cell, fill, severities.get((sheet, cell), "")] for (sheet, cell), fill in record.marks.items()]
    return grid


def _section(grid: list[list[Any]], header: list[str]) -> list[list[Any]]:
    for i, row in enumerate(grid):
        if [v for v in row[:len(header)]] == header:
            out = []
            for row2 in grid[i + 1:]:
                if not row2 or row2[0] in (None, ""):
                    break
                out.append(row2 + [None] * (len(header) - len(row2)))
            return out
    raise RecordUnreadable(f"找不到「{header[0]}」一栏")


def parse_status(grid: list[list[Any]]) -> Record:
    """Read the record back from the 计算状态 sheet's values (as the next click sees them)."""
    if not grid or not grid[0] or grid[0][0] != TITLE:
        raise RecordUnreadable("不是「计算考核」写入的工作表")
    record = Record()
    for name, rows, cols, fp in (r[:4] for r in _section(grid, SHEETS_HEADER)):
        if not isinstance(rows, float | int) or not isinstance(cols, float | int) or not isinstance(fp, str):
            raise RecordUnreadable(f"「{name}」一行不完整")
        record.sheets[str(name)] = (int(rows), int(cols), fp)
    for sheet, cell, fill, _sev in (r[:4] for r in _section(grid, MARKS_HEADER)):
        if not isinstance(cell, str) or not cell:
            raise RecordUnreadable(f"「{sheet}」一行缺少单元格")
        record.marks[(str(sheet), cell)] = fill if isinstance(fill, str) else ""
    return record
