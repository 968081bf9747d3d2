"""Validate a school's tables with pandera, and turn every failure into a Chinese problem on its cell.

The frames are indexed by Excel row number, so pandera's `failure_cases["index"]` is the row and the
table's column map gives the column: each failure lands on its own cell. pandera reports a failed
coercion twice and custom checks after a failed coercion with index None; we parse numbers ourselves
first (pandera cannot read "三次") and de-duplicate what is left.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, number_unit, parse_number
from xlrubric.results import Problem


@dataclass(frozen=True)
class Rule:
    """One named check on one column, with the message its failures get."""

    column: str
    name: str
    test: Callable[[pd.Series], pd.Series]
    message: Callable[[Any], str]
    severity: str = "错误"


def non_negative(column: str) -> Rule:
    return Rule(column, "non-negative", lambda s: s >= 0, lambda v: f"「{column}」不能为负数（填的是 {cell_text(v)}）")


def whole_number(column: str) -> Rule:
    return Rule(column, "whole-number", lambda s: (s % 1) == 0,
                lambda v: f"「{column}」应填整数次数，填的是 {cell_text(v)}")


def at_most(column: str, limit: float, what: str = "") -> Rule:
    return Rule(column, "at-most", lambda s: s <= limit,
                lambda v: f"「{column}」最多为 {cell_text(limit)}{what}，填的是 {cell_text(v)}")


def one_of(column: str, allowed: Iterable[Any], what: str) -> Rule:
    allowed_set = set(allowed)
    return Rule(column, "one-of", lambda s: s.isin(allowed_set), lambda v: f"{what}「{v}」")


def _absent_once(name: str) -> None:
    """Record an optional package that is not installed as absent (None in `sys.modules`), so importing it fails
    at once instead of searching every path entry again.

    pandera 0.35 tries `from geopandas.array import GeometryDtype` inside every `validate` (`Engine.dtype` of the
    schema's dtype, None here, falls through to `is_geopandas_dtype`) and catches the ImportError: without
    geopandas that is a fresh search of sys.path per validation (about a fifth of validating a clean sheet).
    The import still fails with ImportError, as pandera expects; an installed geopandas is left alone."""
    if name not in sys.modules and importlib.util.find_spec(name) is None:
        sys.modules[name] = None  # type: ignore[assignment]


_absent_once("geopandas")
RULES_CHECK = "xlrubric-rules"
# The rules of the `run_rules` call under way, by column: the cached schemas' checks read them from here, so
# a schema is built once per layout (the columns checked and the key column), not once per call.
_RULES: ContextVar[dict[str, list[Rule]]] = ContextVar("xlrubric_rules")
# The frame of the `run_rules` call under way and its columns as the caller built them (`arrays`), if given:
# the clean pass reads a float column from there instead of taking it out of the frame again.
_ARRAYS: ContextVar[tuple[pd.DataFrame, Mapping[str, np.ndarray]] | None] = ContextVar("xlrubric_arrays",
                                                                                       default=None)


def _column_check(column: str) -> Callable[[pd.Series], Any]:
    """All of one column's rules (those of the `run_rules` call under way) as one vectorised test.

    On a numeric column the rules' element-wise tests run on its numpy values (a pandas operation costs
    tens of µs whatever the length; the numpy one a few). Blank cells are not tested, as pandera's
    `ignore_na` left them out, but without its per-check `dropna` (most of a check's cost): the tests run on
    the non-blank values and the result is spread back. A column that passes answers one `True`, so pandera
    skips its per-element bookkeeping; one that fails answers the per-cell Series, whose False cells pandera
    reports. A rule whose test cannot run on this column passes here, as it did when each rule was its own
    check: pandera reported such an error with no row, and no cell was ever rejected for it."""
    def test(s: pd.Series) -> Any:
        numeric = pd.api.types.is_numeric_dtype(s.dtype)
        ok, blank = _tested(column, s.to_numpy() if numeric else s, numeric, lambda: s)
        if ok.all():
            return True
        if blank is not None:
            whole = np.ones(len(s), dtype=bool)
            whole[~blank] = ok
            ok = whole
        return pd.Series(ok, index=s.index)
    return test


def _tested(column: str, values: Any, numeric: bool, series: Callable[[], pd.Series]) -> tuple[np.ndarray, Any]:
    """`_column_check`'s work on one column's values (numpy values of a numeric column, else the Series itself):
    (pass per non-blank cell, the blank mask or None when no cell is blank). `series` gives the column as a
    Series, asked for only when a rule cannot run on the numpy values."""
    floats = numeric and values.dtype.kind in "fc"        # ints and bools have no blanks
    blank = np.isnan(values) if floats else None if numeric else series().isna().to_numpy()
    if blank is not None and blank.any():
        values = values[~blank]
    else:
        blank = None
    ok = np.ones(len(values), dtype=bool)
    for rule in _RULES.get()[column]:
        try:
            result = rule.test(values)
        except (TypeError, ValueError, AttributeError):
            s = series()
            try:        # the non-blank cells as a Series (made only now: a numeric column never needs it)
                result = rule.test(s if blank is None else values if not numeric else s[~blank])
            except (TypeError, ValueError):
                continue
        ok &= np.asarray(result, dtype=bool)
    return ok, blank


@lru_cache(maxsize=64)
def _schema(checked: tuple[str, ...], unique: str | None) -> pa.DataFrameSchema:
    """The pandera schema of one layout: one check per checked column (see `_column_check`), and the key
    column unique. Built once per layout: building one cost as much as a third of validating with it."""
    columns = {
        col: pa.Column(None, nullable=True, unique=(col == unique), report_duplicates="exclude_first",
                       checks=[pa.Check(_column_check(col), name=RULES_CHECK, ignore_na=False)])
        for col in checked
    }
    if unique and unique not in columns:
        columns[unique] = pa.Column(None, nullable=True, unique=True, report_duplicates="exclude_first")
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


@lru_cache(maxsize=64)
def _clean_schema(checked: tuple[str, ...], unique: str | None) -> pa.DataFrameSchema:
    """The same checks as `_schema` in one pass over the frame: every checked column's test, and the key
    column unique. It answers only whether the whole sheet is clean (the usual case), at about a third of
    `_schema`'s cost (pandera's fixed cost is per column); a sheet that is not is validated again with
    `_schema`, which reports each failing cell."""
    tests = [(col, _column_check(col)) for col in checked]

    def every_column(frame: pd.DataFrame) -> bool:
        given = _ARRAYS.get()
        if given is not None and given[0] is frame:
            return _every_array(frame, given[1], tests)
        if not frame.columns.is_unique:
            return all(test(frame[col]) is True for col, test in tests)
        # the float columns (every parsed count and score) taken out as one array, not a Series each
        kinds = dict(zip(frame.columns.tolist(), frame.dtypes.tolist(), strict=True))
        floats = [col for col, _test in tests if kinds[col] == np.float64]
        block = frame[floats].to_numpy(dtype=np.float64).T if floats else None
        at = {col: j for j, col in enumerate(floats)}
        for col, test in tests:
            if col in at:
                if not _tested(col, block[at[col]], True, lambda col=col: frame[col])[0].all():
                    return False
            elif test(frame[col]) is not True:
                return False
        return True
    columns = {unique: pa.Column(None, nullable=True, unique=True, report_duplicates="exclude_first")} \
        if unique else {}
    return pa.DataFrameSchema(columns, checks=[pa.Check(every_column, name=RULES_CHECK, ignore_na=False)],
                              strict=False, coerce=False)


def _every_array(frame: pd.DataFrame, arrays: Mapping[str, np.ndarray],
                 tests: list[tuple[str, Callable[[pd.Series], Any]]]) -> bool:
    """`every_column` on the frame's columns as the caller built it from (`run_rules`' `arrays`): a float
    column is tested on its array as the block path tests it, any other through the frame. Taking the float
    columns out of the frame (`frame[list]` resolves the names, then copies the block) was about two thirds
    of the clean pass on a small sheet."""
    for col, test in tests:
        values = arrays.get(col)
        if values is not None and values.dtype == np.float64:
            if not _tested(col, values, True, lambda col=col: frame[col])[0].all():
                return False
        elif test(frame[col]) is not True:
            return False
    return True


def _failed(rule: Rule, value: Any) -> bool:
    """Whether `rule` rejects this one value (run only on the cells pandera reported)."""
    try:
        return not bool(rule.test(pd.Series([value])).iloc[0])
    except (TypeError, ValueError):
        return False


def run_rules(table: Table, frame: pd.DataFrame, rules: list[Rule], *, unique: str | None = None,
              unique_message: Callable[[Any], str] | None = None,
              arrays: Mapping[str, np.ndarray] | None = None) -> list[Problem]:
    """Run pandera lazily over `frame` (indexed by Excel row) and map each failure to a Problem.

    One pandera check per column rather than one per rule: pandera's fixed cost per check (about 0.7 ms,
    whatever the column's length) was most of the validation time. The cells it reports are then told
    apart by rule in plain Python, in the rules' order, so each failed rule still gets its own message.
    A clean sheet (the usual case) is told by one cheaper pass first (`_clean_schema`); the schemas are
    built once per layout and read this call's rules from `_RULES`. `arrays` may hold columns `frame` was
    built from (name -> the same values, not changed since), which the clean pass then reads instead of the
    frame's copies; pandera still validates `frame`, and only while it is the frame checked.
    """
    if frame.empty:
        return []
    by_col: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.column in frame.columns:
            by_col.setdefault(rule.column, []).append(rule)
    layout = (tuple(by_col), unique if unique in by_col or unique in frame.columns else None)
    token = _RULES.set(by_col)
    given = _ARRAYS.set((frame, arrays) if arrays is not None and frame.columns.is_unique else None)
    try:
        # inplace: no copy of `frame` (no schema here coerces, fills or drops; only problems are read back)
        _clean_schema(*layout).validate(frame, lazy=True, inplace=True)
        return []
    except pa.errors.SchemaErrors:
        pass                               # not clean: validated again, cell by cell
    finally:
        _RULES.reset(token)
        _ARRAYS.reset(given)
    token = _RULES.set(by_col)
    try:
        _schema(*layout).validate(frame, lazy=True, inplace=True)
        return []                          # clean cell by cell after all
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    finally:
        _RULES.reset(token)
    problems: list[Problem] = []
    seen: set[tuple[str, Any, str]] = set()
    for case in cases.itertuples(index=False):
        row, col, check, value = case.index, case.column, str(case.check), case.failure_case
        if row is None or (isinstance(row, float) and math.isnan(row)) or col not in table.columns:
            continue
        key = (col, row, check)
        if key in seen:
            continue
        seen.add(key)
        if check == "field_uniqueness":
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            msg = unique_message(value) if unique_message else f"「{col}」重复：{value}"
            problems.append(table.problem("duplicate", msg, column=col, row=int(row), value=value))
            continue
        if check != RULES_CHECK:
            continue
        for rule in by_col.get(col, []):
            if _failed(rule, value):
                problems.append(table.problem(rule.name, rule.message(value), column=col, row=int(row),
                                              value=value, severity=rule.severity))
    return problems


def parse_numbers(table: Table, columns: Iterable[str], *, what: str = "数字",
                  unread: str = "按空白处理") -> tuple[pd.DataFrame, list[Problem]]:
    """Numbers as the school meant them: "3次", "５", "三" are read (with a warning on the cell).

    `unread` says what becomes of a cell that is no number (a score that depends on it is 待核实)."""
    out, problems = parse_columns(table, columns, what=what, unread=unread)
    return pd.DataFrame(out, index=table.frame.index, dtype=float), problems


def parse_columns(table: Table, columns: Iterable[str], *, what: str = "数字", unread: str = "按空白处理",
                  cells: dict[str, list[Any]] | None = None, units: frozenset[str] | None = None
                  ) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """`parse_numbers` as plain columns (column -> one float per row of the table, NaN = blank or unread),
    for a caller that lays several parts out as one frame. A column of numbers and blanks only (the usual
    case) is taken whole; in any other the cells are read one by one. `cells` may hold the columns already
    taken out of the frame (`column_lists`). `units`, when given, are the only unit words the column's numbers
    may carry: "1分" in a count column is a deduction, not one event — refused (wrong-unit), never read as 1."""
    out: dict[str, np.ndarray] = {}
    problems: list[Problem] = []
    frame = table.frame
    for col in columns:
        if col not in frame.columns:
            continue
        cells_of = cells.get(col) if cells is not None else None
        cells_of = frame[col].tolist() if cells_of is None else cells_of
        if set(map(type, cells_of)) <= _BLANK_OR_FLOAT:     # most columns: numbers and blanks (NaN stays NaN)
            out[col] = np.array(cells_of, dtype=float)
            continue
        values = np.full(len(cells_of), np.nan)
        for i, (row, raw) in enumerate(zip(frame.index.tolist(), cells_of, strict=True)):
            kind = type(raw)
            if raw is None:
                continue
            if kind is float or kind is int:
                values[i] = float(raw)
                continue
            number, was_text = parse_number(raw)
            unit = number_unit(raw) if number is not None and units is not None else ""
            if unit and unit not in units:
                kind, example = what.split("（")[0], "次" if "次" in units else min(units)
                problems.append(table.problem(
                    "wrong-unit", f"「{col}」应填{what}，「{raw}」的单位「{unit}」不是{kind}的单位（可写如 2、"
                    f"2{example}）；{unread}", column=col, row=int(row), value=raw))
                continue
            if was_text and number is None:
                problems.append(table.problem("not-a-number", f"「{col}」应填{what}，无法识别「{raw}」，{unread}",
                                              column=col, row=int(row), value=raw))
            elif was_text and not isinstance(raw, bool):
                problems.append(table.problem(
                    "number-as-text", f"「{raw}」是文字，已按 {cell_text(number)} 计算；请改为填数字",
                    column=col, row=int(row), value=raw, severity="警告"))
            if number is not None:
                values[i] = number
        out[col] = values
    return out, problems


_BLANK_OR_FLOAT = {float, type(None)}
