"""学时登记, read once for both the 学时 and the 达标 parts: validated cell by cell, cleaned into plain columns.

Every conversion works on the column's *distinct* values (a register of 20,000 rows has a few hundred
distinct dates, names and categories; equal cells of different types — 1 and TRUE — are kept apart), the
answers are spread over the rows as numpy arrays and masks, and the frame is built once at the end: a bad
value costs one message per cell, and the whole register a few array operations, not a Python loop per cell.
A row that cannot be counted (no teacher, no date, unknown category, outside the 学年) keeps its reason and is
still listed.

This module finds the sheet and cuts its body into columns (`_read`); `register_clean.clean` reads what each
cell says; both run inside `register_values.coded_once`, so a column asked for by several readers is coded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import pandas as pd

from xlrubric.pipeline.context import Context
from xlrubric.pipeline.quiet import quiet_gc
from xlrubric.pipeline.register_clean import clean, text
from xlrubric.pipeline.register_values import cell_codes, coded_once, spread
from xlrubric.readers.hidden import hidden_problems
from xlrubric.readers.raw import RawSheet, cell_address
from xlrubric.readers.table import (
    FOOTER,
    HEADER_SCAN_ROWS,
    SUMMARY,
    Table,
    footer_problem,
    is_summary_row,
    key_kind,
    merged_down,
    read_table,
)
from xlrubric.results import Problem
from xlrubric.schemas.layout import Layout, hours_layout, with_spec_synonyms

SHEET = "学时登记"
__all__ = ["SHEET", "Register", "quiet_gc", "read_register", "require_register", "text"]


@dataclass
class Register:
    table: Table
    frame: pd.DataFrame        # clean columns (see engine.hours), index = Excel row; `blocked` reason or ""


def read_register(ctx: Context) -> Register | None:
    """The cleaned register, read once per run and shared by the 学时 and 达标 parts."""
    if "register" in ctx.shared:
        return ctx.shared["register"]
    with coded_once():
        table = _read(ctx, with_spec_synonyms(hours_layout(ctx.spec), ctx.spec))
        reg = None if table is None else Register(table, clean(ctx, table))
    ctx.shared["register"] = reg
    return reg


def require_register(ctx: Context, purpose: str) -> Register | None:
    """The register, or None with a problem saying what could not be done without it.

    A rubric workbook without a register only loses the 学时/达标 checks (提示); a workbook whose rules
    are only about 学时 and 达标 cannot do without it (错误).
    """
    reg = read_register(ctx)
    if reg is not None and reg.frame.empty and ctx.spec.rubric is not None:
        # The template carries the sheet; a school that scores only the rubric leaves it blank. That means
        # "not kept", not "nobody did anything": say so instead of reporting every duty as unmet.
        ctx.problem("empty-register", f"「{SHEET}」是空的，未{purpose}；如需检查，请在该表中登记", "提示", SHEET)
        return None
    if reg is None:
        if ctx.spec.rubric is not None:
            ctx.problem("no-register", f"没有「{SHEET}」工作表，无法{purpose}；如需检查，请按模板添加该表",
                        "提示", SHEET)
        else:
            ctx.problem("missing-sheet", f"缺少工作表「{SHEET}」，无法{purpose}。请用 xlrubric template 生成的模板填写",
                        "错误", SHEET)
    return reg


def _read(ctx: Context, layout: Layout) -> Table | None:
    """The register with the shared reader's header rules, its body sliced column-wise.

    `read_table` finds the header (title rows, merged two-row headers, synonyms) in the first rows; the
    body — tens of thousands of rows — is cut into columns at once, and blank rows, rows without a teacher
    and 合计 rows are recognised per distinct value, as `read_table` does row by row.
    """
    sheet = ctx.book.sheet(layout.sheet)
    if sheet is None:
        return None
    sheet = merged_down(sheet, layout, ctx.file)
    if len(sheet.rows) <= 2 * HEADER_SCAN_ROWS:
        table = read_table(sheet, layout, file=ctx.file)
        ctx.problems.extend(table.problems)
        return table
    head = read_table(RawSheet(sheet.name, sheet.rows[:HEADER_SCAN_ROWS], sheet.merged, sheet.visible), layout,
                      file=ctx.file)
    ctx.problems.extend(p for p in head.problems if p.code in ("no-header", "missing-column"))
    if not head.columns or head.frame.columns.empty and not head.columns:
        return head
    start = head.header_rows[1]
    names = list(head.columns)
    idx = [head.columns[n] for n in names]
    width = max(idx) + 1
    rows = sheet.rows[start:]
    if rows and min(map(len, rows)) < width:      # calamine's rows are rectangular; others may be ragged
        pad = [None] * width
        rows = [r if len(r) >= width else list(r) + pad[len(r):] for r in rows]
    cols = np.empty((len(rows), len(idx)), dtype=object)     # the columns read, cut in C; no frame until the end
    for j, c in enumerate(idx):
        cols[:, j] = np.fromiter(map(itemgetter(c), rows), dtype=object, count=len(rows))
    blank = pd.isna(cols)
    cols[blank] = None
    empty = blank.all(axis=1)
    keys = [k for k in layout.key if k in names]
    key_cols = [cols[:, names.index(k)] for k in keys]       # one object per column: coded once (`coded_once`)
    no_key = np.ones(len(rows), dtype=bool)
    for column in key_cols:
        no_key &= spread(*_blank_codes(column))
    loose = np.flatnonzero(no_key & ~empty)
    if len(loose):      # whitespace-only cells count as blank, as in read_table
        empty[loose] = [all(v is None or (isinstance(v, str) and not v.strip()) for v in cols[i]) for i in loose]
    summary = np.zeros(len(rows), dtype=bool)
    footer = np.zeros(len(rows), dtype=bool)
    for column in key_cols:
        codes, uniques = cell_codes(column)
        kinds = [key_kind(u) if isinstance(u, str) else 0 for u in uniques]
        summary |= spread(codes, [k == SUMMARY for k in kinds], False, bool)
        footer |= spread(codes, [k == FOOTER for k in kinds], False, bool)
    keep = ~empty & ~no_key & ~summary & ~footer
    key_at = [head.columns[k] for k in keys]
    problems = [footer_problem([c[pos] for c in key_cols], key_at, start + int(pos), sheet.name, ctx.file)
                for pos in np.flatnonzero(footer & ~no_key)]
    for pos in np.flatnonzero(~empty & no_key):
        row = start + int(pos) + 1
        if is_summary_row(sheet.rows[row - 1]):
            continue
        problems.append(Problem("row-without-teacher", "这一行没有" + "、".join(layout.key) + "，已跳过", "警告",
                                ctx.file, sheet.name, cell_address(row - 1, head.columns[keys[0]] if keys else 0)))
    frame = pd.DataFrame(cols[keep], columns=names, dtype=object,
                         index=pd.RangeIndex(start + 1, start + 1 + len(rows), name="行")[keep])
    if sheet.hidden or sheet.visible != "visible":
        problems += hidden_problems(sheet, frame.index, head.columns, head.columns[keys[0]] if keys else 0, start,
                                    ctx.file)
    ctx.problems.extend(problems)
    return Table(ctx.file, sheet.name, frame, head.columns, head.header_rows, problems, head.extra_headers)


def _blank_codes(series: pd.Series) -> tuple[np.ndarray, list, bool, type]:
    """(codes, blank per distinct value, blank for empty cells, dtype) for `spread`."""
    codes, uniques = cell_codes(series)
    return codes, [isinstance(u, str) and not u.strip() for u in uniques], True, bool


