"""What every part of a computation shares: the book, the spec, the roster, and the problems found."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from xlrubric.engine.verdicts import Outcomes
from xlrubric.readers.raw import RawBook
from xlrubric.readers.table import Table, merged_down, read_table
from xlrubric.readers.text import parse_date
from xlrubric.results import Problem, SheetTable
from xlrubric.schemas.layout import Layout, with_spec_synonyms
from xlrubric.schemas.teachers import Roster
from xlrubric.spec.model import Spec

# A month and day without a year at the start of a text: 「4月19日」, 「4.19」, 「4-19」 (group 1: the month).
BARE_MONTH = re.compile(r"^\s*(\d{1,2})\s*[-./月]")
FOUR_DIGITS = re.compile(r"\d{4}")


@dataclass
class Context:
    book: RawBook
    spec: Spec
    rules_source: str
    roster: Roster = field(default_factory=Roster)
    problems: list[Problem] = field(default_factory=list)
    tables: list[SheetTable] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    outcomes: Outcomes = field(default_factory=Outcomes)   # the engine's typed per-teacher decisions
    shared: dict[str, Any] = field(default_factory=dict)   # what one part hands a later one (register, 学时)
    # date cell value -> `date()`'s answer: a 2,000-row register holds a few dozen distinct dates
    _dates: dict[tuple[type, Any], tuple[dt.date | None, bool]] = field(default_factory=dict, repr=False)
    # id(table) -> (table, its rows' teacher keys): each table is resolved against the roster once per calc
    teachers: dict[int, tuple[Table, Any]] = field(default_factory=dict, repr=False)

    @property
    def file(self) -> str:
        return self.book.name

    def table(self, layout: Layout, *, down: bool = False) -> Table | None:
        """The sheet read with `layout`, or None when the workbook does not have it; `down` reads a cell merged
        down over several rows below the header into every row it covers (`merged_down`)."""
        sheet = self.book.sheet(layout.sheet)
        if sheet is None:
            return None
        layout = with_spec_synonyms(layout, self.spec)
        if down:
            sheet = merged_down(sheet, layout, self.file)
        table = read_table(sheet, layout, file=self.file)
        self.problems.extend(table.problems)
        return table

    def problem(self, code: str, message: str, severity: str = "错误", sheet: str = "", cell: str = "",
                value: Any = None) -> None:
        self.problems.append(Problem(code, message, severity, self.file, sheet, cell, value))  # type: ignore[arg-type]

    def year_for(self, month: int) -> int | None:
        """The year a bare "4月19日" belongs to, from the training period: the year that puts the month inside it,
        else the year that puts it nearest to it ("2月10日" after a 9月–1月 term is the February after it, not
        the one seven months before). `outside_period` says which months fall outside."""
        period = self.spec.period
        if period is None or not 1 <= month <= 12:
            return None
        first = dt.date(period.start.year, period.start.month, 1)
        for year in range(period.start.year, period.end.year + 1):
            if first <= dt.date(year, month, 1) <= period.end:
                return year

        def distance(year: int) -> int:
            day = dt.date(year, month, 15)
            return max((first - day).days, (day - period.end).days, 0)
        return min(range(period.start.year - 1, period.end.year + 2), key=distance)

    def outside_period(self, value: Any) -> bool:
        """True when `value` is a month and day without a year (「2月10日」) that `date()` placed in a year outside
        the training period: a reading to state on the cell (警告), not a certainty."""
        found = self._dates.get((type(value), value))
        period = self.spec.period
        if not found or found[0] is None or period is None or not isinstance(value, str):
            return False
        return (BARE_MONTH.match(value) is not None and not FOUR_DIGITS.search(value)
                and not period.start <= found[0] <= period.end)

    def date(self, value: Any) -> tuple[dt.date | None, bool]:
        key = (type(value), value)        # typed: True == 1 == 1.0 must not share an answer
        try:
            return self._dates[key]
        except KeyError:
            found = self._dates[key] = self._parse_date(value)
            return found
        except TypeError:         # an unhashable value
            return self._parse_date(value)

    def _parse_date(self, value: Any) -> tuple[dt.date | None, bool]:
        d, was_text = parse_date(value)
        if d is None and was_text and isinstance(value, str):
            m = BARE_MONTH.match(value)
            if m:
                return parse_date(value, year_hint=self.year_for(int(m[1])))
        return d, was_text
