"""What the engine hands to every writer: tables, problems and cell marks.

These are plain data so that the surgical file writer, the xlwings adapter and the JSON report write
*the same* values: identity between the ribbon button and `xlrubric compute` follows from both
consuming one `Results`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from xlrubric.engine.verdicts import Outcomes

Severity = Literal["错误", "警告", "提示"]
SEVERITY_ORDER: dict[str, int] = {"错误": 0, "警告": 1, "提示": 2}
# The fill a marked cell gets, the same in every output (the school's file, a new .xlsx, Excel, WPS): red, yellow, blue.
SEVERITY_FILL: dict[str, str] = {"错误": "#FFC7CE", "警告": "#FFEB9C", "提示": "#DDEBF7"}


@dataclass(frozen=True)
class Problem:
    """One problem found in a school's workbook, tied to the cell it is about."""

    code: str            # stable slug, e.g. "unknown-teacher", "number-as-text"
    message: str         # Chinese, says what is wrong and what to do
    severity: Severity = "错误"
    file: str = ""
    sheet: str = ""
    cell: str = ""       # A1 address, "" when the problem is about a whole sheet or file
    value: Any = None    # the value found in the cell, as typed

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "severity": self.severity,
                "file": self.file, "sheet": self.sheet, "cell": self.cell,
                "value": None if self.value is None else shown_value(self.value)}


def shown_value(value: Any) -> str:
    """A cell's value as the school typed it, for 校验问题's 填写的值 and the report: 15, not the 15.0 that
    python-calamine reads every number as; a date cell without a 00:00:00 no one typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"          # as Excel and WPS show a logical cell
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return str(value)


@dataclass(frozen=True)
class CellMark:
    """A problem cell to highlight in the school's own sheet, with its note."""

    sheet: str
    cell: str
    message: str
    severity: Severity = "错误"


@dataclass
class SheetTable:
    """A result sheet: a header row and data rows, written from A1 by every writer.

    `links` maps (row index in `rows`, column index) to an internal target "'Sheet'!B7";
    `number_formats` maps column index to an Excel number format.
    Strings are always written as text, never as formulas.
    """

    name: str
    header: list[str]
    rows: list[list[Any]]
    col_widths: list[float] | None = None
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    number_formats: dict[int, str] = field(default_factory=dict)
    note: str | None = None   # one line shown above nothing; kept for adapters that add a status cell
    fills: dict[tuple[int, int], str] = field(default_factory=dict)   # (row in `rows`, column) -> ARGB (待核实)

    def as_records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.header, row, strict=False)) for row in self.rows]


@dataclass(frozen=True)
class Deferred:
    """A JSON-report entry laid out only when someone reads `Results.report`.

    Most callers (the button, the page, a batch worker) never read the report, and laying it out (a dict per
    teacher, per deduction, per verdict) cost as much as scoring. Whatever it prints was decided by the engine
    before `compute_book` returned: `build` formats, it does not decide. A module-level function and plain
    arguments keep a `Results` picklable."""

    build: Callable[..., Any]
    args: tuple[Any, ...] = ()


RESULT_SHEETS = ("考核结果", "学时汇总", "达标情况", "校验问题")


@dataclass
class Results:
    """Everything computed from one workbook."""

    file: str
    rules_source: str                       # "预设 lanxi4" / "规则文件 x.yaml" / "工作簿中的考核细则表"
    tables: list[SheetTable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)   # per-school figures for batch/mail
    # the JSON report body as the parts left it: a `Deferred` entry is laid out on the first read of `report`
    report_body: dict[str, Any] = field(default_factory=dict, repr=False)
    # the engine's typed per-teacher decisions (verdicts, 项目考核, 考勤) the archive and others print
    outcomes: Outcomes | None = None

    @property
    def report(self) -> dict[str, Any]:
        """The JSON report body (`compute --report`), every entry laid out; the same dict on every read."""
        body = self.report_body
        for key, value in body.items():
            if isinstance(value, Deferred):
                body[key] = value.build(*value.args)
        return body

    @property
    def marks(self) -> list[CellMark]:
        """One mark per problem cell; the most severe problem's severity wins, messages are joined."""
        by_cell: dict[tuple[str, str], list[Problem]] = {}
        for p in self.problems:
            if p.sheet and p.cell and p.sheet not in RESULT_SHEETS:
                by_cell.setdefault((p.sheet, p.cell), []).append(p)
        marks = []
        for (sheet, cell), probs in by_cell.items():
            probs.sort(key=lambda p: SEVERITY_ORDER[p.severity])
            marks.append(CellMark(sheet, cell, "\n".join(dict.fromkeys(p.message for p in probs)),
                                  probs[0].severity))
        return marks

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "错误" for p in self.problems)

    @property
    def exit_code(self) -> int:
        return 1 if any(p.severity in ("错误", "警告") for p in self.problems) else 0
