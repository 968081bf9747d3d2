"""Find a table in a school's sheet and keep every value's absolute cell address.

Schools move things around: a title row or two, a two-row header whose upper row is merged across
several columns (考核项目 over its 扣分事项), leading empty columns, blank rows in the middle, headers
typed with full-width brackets or a synonym (教师编号 for 工号). We locate the header by matching the
layout's column names, read the data below it, and index the frame by Excel row number so a
problem found later points straight at its cell.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.readers.hidden import hidden_problems
from xlrubric.readers.raw import RawSheet, cell_address
from xlrubric.readers.text import normalize_label
from xlrubric.results import Problem
from xlrubric.schemas.layout import Layout

HEADER_SCAN_ROWS = 30
SUMMARY_WORDS = {"合计", "总计", "小计", "平均", "平均分", "备注", "说明"}
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_MARKS = re.compile(r"^[*※]+|[*※:]+$")          # as normalised: ＊ is *, ： is :
# 合计：, 全校合计, 小计（2人）, 平均分: a total or average line however it is worded (as normalised, without its
# trailing note and colon). The whole cell: 「总计划未交」 in a keyless row is no total, and keeps its 警告.
_SUMMARY_FORM = re.compile(r"^(?:全校|全体|本校|本组|本页|本表|总|共)?(?:合计|总计|小计|平均|平均分|平均值)$")
# A template's example row left in under the header (示例 | 张三 | …, 例1, 王老师（示例）): no teacher (as normalised).
_EXAMPLE_FORM = re.compile(r"^(?:填写|填表)?(?:示例|样例|范例|举例|例子|例|示范)(?:\d*|行)$"
                           r"|\((?:填写|填表)?(?:示例|样例|范例|例)\)$")
_EXAMPLE_CHARS = ("例", "范", "\uf9b5")      # every form holds one, as typed (例 U+F9B5 folds to 例 under NFKC)


@dataclass
class Table:
    """A located table: `frame` holds raw cell values, indexed by Excel row number (1-based)."""

    file: str
    sheet: str
    frame: pd.DataFrame
    columns: dict[str, int]                 # layout column name -> 0-based column in the sheet
    header_rows: tuple[int, int]            # 1-based first and last header row
    problems: list[Problem] = field(default_factory=list)
    extra_headers: dict[int, str] = field(default_factory=dict)   # unmatched header text by column

    def cell(self, column: str, excel_row: int) -> str:
        return cell_address(excel_row - 1, self.columns[column])

    def header_cell(self, column: str | None = None) -> str:
        col = self.columns.get(column, 0) if column else 0
        return cell_address(self.header_rows[1] - 1, col)

    def problem(self, code: str, message: str, *, column: str | None = None, row: int | None = None,
                value: Any = None, severity: str = "错误") -> Problem:
        cell = ""
        if column is not None and column in self.columns:
            cell = self.cell(column, row) if row is not None else self.header_cell(column)
        elif row is not None:
            cell = cell_address(row - 1, 0)
        return Problem(code, message, severity, self.file, self.sheet, cell, value)  # type: ignore[arg-type]


def _label_variants(text: Any) -> tuple[str, ...]:
    """The forms a header cell may match: its normalised label, and that label without a trailing (note)."""
    if text is None:
        return ()
    try:
        return _variants_cached(text)
    except TypeError:           # an unhashable value
        return _variants(text)


def _variants(text: Any) -> tuple[str, ...]:
    """The label, without a trailing (note) (工号（必填）), and without the marks forms put on a required field or
    a label (*姓名, 姓名*, ※日期, 姓名：): such a header was not found, and the whole sheet was refused."""
    base = normalize_label(text)
    if not base:
        return ()
    out = [base]
    for form in (_TRAILING_NOTE.sub("", base), _MARKS.sub("", _TRAILING_NOTE.sub("", base))):
        if form and form not in out:
            out.append(form)
    return tuple(out)


# Header words repeat across every sheet of a workbook and every workbook of a batch: each distinct cell
# text is normalised once (typed, so 1 and 1.0 and True stay apart as `normalize_label` keeps them).
_variants_cached = functools.lru_cache(maxsize=1 << 14, typed=True)(_variants)


def _filled_grid(sheet: RawSheet, last_row: int) -> list[list[Any]]:
    """The first rows with every merged range's value copied into all of its cells."""
    grid = [list(sheet.rows[r]) if r < len(sheet.rows) else [] for r in range(last_row)]
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= last_row:
            continue
        value = sheet.value(r0, c0)
        for r in range(r0, min(r1, last_row - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c] = value
    return grid


@functools.lru_cache(maxsize=256)
def _matchers(layout: Layout) -> dict[str, str]:
    """Normalised header word -> layout column name (cached per layout: layouts are frozen values).

    Callers only read the dict."""
    out: dict[str, str] = {}
    for col in layout.columns:
        for word in (col.name, *col.synonyms):
            for v in _label_variants(word):
                out.setdefault(v, col.name)
    return out


def _match_row(row: list[Any], matchers: dict[str, str]) -> dict[str, int]:
    if _no_header_word(row, matchers):
        return {}
    found: dict[str, int] = {}
    for j, value in enumerate(row):
        for v in _label_variants(value):
            name = matchers.get(v)
            if name is not None and name not in found:
                found[name] = j
                break
    return found


def _no_header_word(row: list[Any], matchers: dict[str, str]) -> bool:
    """True when no cell of `row` is one of the layout's header words: most of the rows `read_table` scans are
    data rows, and this answers for a whole row in C (the cached variants, one set test) instead of a Python
    loop over its cells. False (look cell by cell) when a cell is unhashable."""
    try:
        return matchers.keys().isdisjoint(itertools.chain.from_iterable(map(_variants_cached, row)))
    except TypeError:
        return False


def read_table(sheet: RawSheet, layout: Layout, *, file: str) -> Table:
    """Locate `layout`'s header in `sheet` and read the rows below it."""
    scan = min(len(sheet.rows), HEADER_SCAN_ROWS)
    grid = _filled_grid(sheet, scan)
    matchers = _matchers(layout)
    best_row, best = -1, {}
    for r in range(scan):
        found = _match_row(grid[r], matchers)
        if len(found) > len(best):
            best_row, best = r, found
    required = [c.name for c in layout.columns if c.required]
    table = Table(file, sheet.name, None, {}, (1, 1))  # type: ignore[arg-type]  # a frame is set on each path
    if best_row < 0 or not any(k in best for k in layout.key):
        table.frame = pd.DataFrame()
        keys = "、".join(layout.key)
        table.problems.append(Problem(
            "no-header", f"找不到表头：前{HEADER_SCAN_ROWS}行中没有「{keys}」等列名。请使用模板中的表头，"
            f"或在考核细则的「设置」中声明同义列名", "错误", file, sheet.name, "A1"))
        return table
    # A header band: the matched row plus rows above it that belong to a two-row header
    # (a cell merged vertically across them), so item names above event names are known.
    top = best_row
    for r0, _c0, r1, _c1 in sheet.merged:
        if r0 < best_row <= r1:
            top = min(top, r0)
    bottom = best_row
    for r0, _c0, r1, _c1 in sheet.merged:
        if r0 <= best_row <= r1 or top <= r0 <= best_row:
            bottom = max(bottom, r1)
    # Columns matched in any band row (e.g. 备注 merged over two rows, events only in the lower one).
    columns = dict(best)
    for r in range(top, min(bottom, scan - 1) + 1):
        for name, j in _match_row(grid[r], matchers).items():
            if name not in columns and j not in columns.values():
                columns[name] = j
    table.columns = columns
    table.header_rows = (top + 1, bottom + 1)
    for name in required:
        if name not in columns:
            col = layout.column(name)
            words = "、".join(f"「{w}」" for w in (name, *col.synonyms))
            table.problems.append(Problem(
                "missing-column", f"缺少必需的列「{name}」：请在第{bottom + 1}行的表头加上这一列（列名可写{words}）"
                f"并逐行填写" + (f"（{col.hint}）" if col.hint else ""), "错误", file, sheet.name,
                cell_address(bottom, 0), None))
    # Header cells we could not place: schools add columns, old templates name them differently.
    used = set(columns.values())
    for j, value in enumerate(grid[bottom] if bottom < scan else []):
        if j not in used and value not in (None, ""):
            table.extra_headers[j] = str(value)
    names = list(columns)
    block, rownums, problems = _data_rows(sheet, [columns[n] for n in names],
                                          [names.index(k) for k in layout.key if k in columns], layout.key,
                                          file, bottom + 1)
    table.problems.extend(problems)
    # An int64 array makes the index ~4× quicker than a list of ints; an empty table keeps the index an
    # empty list gives (object), as before.
    index = pd.Index(rownums if len(rownums) else [], name="行")
    table.frame = _frame(block, names, index)
    if sheet.hidden or sheet.visible != "visible":
        key_col = next((columns[k] for k in layout.key if k in columns), 0)
        table.problems.extend(hidden_problems(sheet, rownums, columns, key_col, bottom + 1, file))
    return table


def _frame(block: np.ndarray, names: list[str], index: pd.Index) -> pd.DataFrame:
    """The rows as one object block, the same frame `pd.DataFrame(records, dtype=object)` builds.

    Given a list of row tuples, pandas splits it into columns, checks each and stacks them back into one block
    (2,000 × 6 签到登记: 1.4 ms); `block` already holds the columns as rows of one object array, which pandas
    takes as its block as it is (its transpose is the frame, no copy). `dtype=object` keeps pandas from
    inferring its `str` dtype for text columns.
    """
    # the header names as an object Index: given a list, pandas 3 infers its str dtype for them (about 40% of
    # this constructor's time); `frame[name]` and `name in frame.columns` answer alike on either. Handed an
    # object array it skips looking at the list (22 µs against 34).
    columns = pd.Index(np.array(names, dtype=object), dtype=object)
    # A table without data rows takes the same path: its (columns × 0) block gives the frame
    # `pd.DataFrame([], columns=…, dtype=object)` gives (one object block, the same axes), at a tenth of the
    # cost (23 µs against 250: pandas builds that one column by column through its dict path).
    return pd.DataFrame(block.T, columns=columns, index=index, dtype=object, copy=False)


# ordered: a row's kind is the largest of its key cells' kinds. A footer (制表人：…, 注：…) is skipped with a 警告.
_BLANK, _KEY, _SUMMARY, _FOOTER = 0, 1, 2, 3


def _data_rows(sheet: RawSheet, idx: list[int], pick: list[int], key: tuple[str, ...], file: str,
               data_start: int) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """The table's rows below the header: (kept rows' values, one row of `block` per `idx` column; their Excel
    row numbers; problems).

    Kept: rows with a key value (工号 or 姓名) and no 合计/平均 in a key cell. Rows without any key value are
    skipped, silently when the row is blank or a summary line, else with a 警告. This runs over every row of
    every register, so it works on whole columns: the cells are laid into one object array in C
    (`_columns`), each key column's distinct values are classified once (`_column_kinds`), and the kept
    rows are picked by one boolean mask; only the rare keyless rows are looked at one by one.
    """
    rows = sheet.rows[data_start:]
    block = _columns(rows, idx)
    kinds = np.zeros(len(rows), dtype=np.int8)
    for i in pick:
        kinds = np.maximum(kinds, _column_kinds(block[i].tolist()))
    problems: list[Problem] = []
    key_col = idx[pick[0]] if pick else 0
    for n in np.flatnonzero(kinds == _BLANK).tolist():   # no key value: blank, a summary line, or a warning
        if _all_blank(block[:, n]) or is_summary_row(rows[n]):
            continue
        problems.append(Problem(
            "row-without-teacher", "这一行没有" + "、".join(key) + "，已跳过", "警告", file,
            sheet.name, cell_address(data_start + n, key_col), None))
    for n in np.flatnonzero(kinds == _FOOTER).tolist():
        problems.append(footer_problem(block[pick, n], [idx[i] for i in pick], data_start + n, sheet.name, file))
    keep = kinds == _KEY
    rownums = np.flatnonzero(keep) + (data_start + 1)
    return (block if rownums.size == keep.size else np.ascontiguousarray(block[:, keep])), rownums, problems


def _columns(rows: list[list[Any]], idx: list[int]) -> np.ndarray:
    """The values of columns `idx` of `rows` as a C-ordered (len(idx), len(rows)) object array; None past a
    short row's end.

    calamine's grids are rectangular: then every cell is laid out in one `np.fromiter` over the chained rows
    (or one per wanted column when the sheet is much wider than the table) and the wanted columns are
    picked as whole rows of the transpose. A ragged grid (a sheet built by hand, an add-in's) is padded
    row by row.
    """
    n = len(rows)
    widths = set(map(len, rows))
    width = widths.pop() if len(widths) == 1 else -1
    if n and width > max(idx):
        if width <= 2 * len(idx):
            flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=n * width)
            return np.ascontiguousarray(flat.reshape(n, width).T[idx])
        block = np.empty((len(idx), n), dtype=object)
        for k, j in enumerate(idx):
            block[k] = np.fromiter(map(operator.itemgetter(j), rows), dtype=object, count=n)
        return block
    block = np.empty((len(idx), n), dtype=object)
    for k, j in enumerate(idx):
        block[k] = np.fromiter((row[j] if j < len(row) else None for row in rows), dtype=object, count=n)
    return block


def _column_kinds(column: list[Any]) -> np.ndarray | int:
    """Each cell's kind (`key_kind`) in one key column, or the one kind every cell has.

    Each distinct value is classified once, and remembered (`_KINDS`: the same names and 工号 come back in
    every table and every workbook of a batch), so a column costs a set and dictionary look-ups in C. A set
    or dictionary merges values that are equal across types (1, 1.0, True); they are never None nor text, so
    they are all key values alike and one classification holds for all.
    """
    try:
        distinct = set(column)
    except TypeError:                       # an unhashable value (never from calamine): cell by cell
        return np.array(list(map(key_kind, column)), dtype=np.int8)
    found = list(map(_KINDS.get, distinct))
    if None in found:                       # values not seen before (a set iterates in one order while unchanged)
        found = [key_kind(v) if k is None else k for v, k in zip(distinct, found, strict=True)]
        if len(_KINDS) > 1 << 16:
            _KINDS.clear()
        _KINDS.update(zip(distinct, found, strict=True))
    kinds = set(found)
    if len(kinds) == 1:
        return kinds.pop()
    kind_of = dict(zip(distinct, found, strict=True))
    return np.array(list(map(kind_of.__getitem__, column)), dtype=np.int8)


_KINDS: dict[Any, int] = {}


def key_kind(k: Any) -> int:
    """A key cell: blank (None, only spaces), a summary line (合计, 全校合计, 小计（2人）, 合计： in the 姓名
    column), a footer (a label and its value: 制表人：王芳, 注：…, 填表日期：…; no 工号 or name has a colon),
    or a key value. Summary and footer lines were scored as teachers when worded other than one bare word:
    a 「合计：」 row without a 名册 became a teacher with full marks and took an 优秀 place."""
    if k is None:
        return _BLANK
    if isinstance(k, str):
        if not k.strip():
            return _BLANK
        s = normalize_label(k)
        if s in SUMMARY_WORDS:
            return _SUMMARY
        bare = _TRAILING_NOTE.sub("", s).rstrip(":")
        if bare in SUMMARY_WORDS or _SUMMARY_FORM.match(bare):
            return _SUMMARY
        return _FOOTER if ":" in s or is_example(s) else _KEY
    return _KEY if str(k).strip() else _BLANK


SUMMARY, FOOTER = _SUMMARY, _FOOTER            # `key_kind`'s answers, for the long-register path


def is_summary_row(row) -> bool:
    """A row without a key value that says it is a total (合计 in the 序号 column): skipped without a word."""
    return any(isinstance(v, str) and key_kind(v) == _SUMMARY for v in row if v is not None)


def is_example(key: Any) -> bool:
    """A key cell that marks a template's example row (示例, 例1, 样例, 王老师（示例）), kept under the header.

    Such a row was read as a teacher 「示例」 and scored, counted and graded like any other, silently. Every form
    holds 例 or 范 (or a character NFKC turns into one: U+F9B5 is 例), so any other key is answered by a few
    substring tests before it is normalised: this runs on every distinct 工号 and 姓名 of every table."""
    if not isinstance(key, str) or not any(ch in key for ch in _EXAMPLE_CHARS):
        return False
    s = normalize_label(key)
    return bool(_EXAMPLE_FORM.search(s) or _EXAMPLE_FORM.search(_TRAILING_NOTE.sub("", s)))


def footer_problem(keys, cols: list[int], row0: int, sheet: str, file: str) -> Problem:
    """The 警告 for a footer line or an example row skipped as no teacher, on its first key cell that reads as one."""
    at = next((j for v, j in zip(keys, cols, strict=True) if key_kind(v) == _FOOTER), cols[0] if cols else 0)
    said = next((v for v in keys if key_kind(v) == _FOOTER), "")
    if is_example(said):
        return Problem("example-row", f"「{said}」像是模板的示例行，不是工号或姓名，这一行未计入；如是教师，请改正；"
                       "示例行请删除", "警告", file, sheet, cell_address(row0, at), said)
    return Problem("footer-row", f"「{said}」像是表尾的说明（有冒号），不是工号或姓名，这一行未计入；如是教师，请改正",
                   "警告", file, sheet, cell_address(row0, at), said)


def _all_blank(values) -> bool:
    """No value at all (None or only spaces) in a keyless row's table cells."""
    for v in values:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        return False
    return True


def find_label_values(sheet: RawSheet, labels: tuple[str, ...]) -> dict[str, tuple[Any, str]]:
    """Read a form (label cell, value to its right): label -> (value, A1 address of the value cell)."""
    wanted = {normalize_label(lb): lb for lb in labels}
    out: dict[str, tuple[Any, str]] = {}
    for r, row in enumerate(sheet.rows[:200]):
        for j, value in enumerate(row):
            key = normalize_label(value).rstrip(":")
            if key in wanted and wanted[key] not in out:
                v, at = None, cell_address(r, j + 1)
                for k in range(j + 1, min(len(row), j + 6)):
                    if row[k] not in (None, ""):
                        v, at = row[k], cell_address(r, k)
                        break
                out[wanted[key]] = (v, at)
    return out


def merged_down(sheet: RawSheet, layout: Layout, file: str) -> RawSheet:
    """The sheet with each cell merged down one column below the header (a teacher's 工号 and 姓名 merged over
    their rows, one 日期 over a day's activities) written into every row of the merge, as the merge shows it;
    calamine gives the value to the top cell only, and the rows below used to be skipped as rows without a
    teacher. Header merges and merges across columns (a 题目 over two columns) are left as they are. Read so:
    学时登记, 签到登记 and 提交登记 (one 日期 and 活动名称 over a session's teachers), 教师名册 (one 教研组 or
    组别/角色 over several teachers: the rows below were read as having none — 骨干 duties 不适用)."""
    down = [m for m in sheet.merged if m[2] > m[0] and m[1] == m[3]]
    if not down:
        return sheet
    head = read_table(RawSheet(sheet.name, sheet.rows[:HEADER_SCAN_ROWS], sheet.merged, sheet.visible), layout,
                      file=file)
    start = head.header_rows[1] if head.columns else len(sheet.rows)
    down = [m for m in down if m[0] >= start]
    if not down:
        return sheet
    rows = list(sheet.rows)
    for r0, c, r1, _ in down:
        top = rows[r0][c] if r0 < len(rows) and c < len(rows[r0]) else None
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):     # only cells the sheet has: bounded by its size
            if c < len(rows[r]) and rows[r][c] is None and top is not None:
                rows[r] = list(rows[r])
                rows[r][c] = top
    return replace(sheet, rows=rows)
