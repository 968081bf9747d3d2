"""Who is who: the 教师名册, and matching every other sheet's rows to a teacher.

A teacher is known by 工号 when the school gives one, else by 姓名. Rows in 考核记录 or a register
whose 工号 is not in the 名册, or whose 姓名 contradicts it, are flagged on their cell.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.codes import Coded, distinct
from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, normalize_label
from xlrubric.results import Problem
from xlrubric.schemas.cells import column_lists


def teacher_id(value: Any) -> str:
    """工号 as text: 1001.0 -> "1001", "１００１ " -> "1001"."""
    if isinstance(value, float) and value != value:
        return cell_text(value, nfkc=True)
    try:
        return _teacher_id(value)
    except TypeError:           # an unhashable cell value: not remembered
        return cell_text(value, nfkc=True)


def person_name(value: Any) -> str:
    if isinstance(value, float) and value != value:      # NaN: never equal to itself, so never remembered
        return ""
    try:
        return _person_name(value)
    except TypeError:
        return _name_text(value)


# Every sheet names the same few hundred teachers again (名册, 考核记录, each register, the result tables):
# each distinct cell value is normalised once. `typed`: 1001 and 1001.0 (and True) stay apart.
@functools.lru_cache(maxsize=16384, typed=True)
def _teacher_id(value: Any) -> str:
    return cell_text(value, nfkc=True)


@functools.lru_cache(maxsize=16384, typed=True)
def _person_name(value: Any) -> str:
    return _name_text(value)


# Text cells, the usual case, also in plain dicts keyed by the text itself: a dict look-up is ~8× quicker than a
# typed `lru_cache` hit (which builds a key tuple with the type), and a text key can never be equal to a cell of
# another type, so the typed distinction holds. Every other cell goes through the safe functions above.
_TEXT_IDS: dict[str, str] = {}
_TEXT_NAMES: dict[str, str] = {}
_TEXT_MEMO_MAX = 1 << 16


def teacher_ids(cells: list) -> list[str]:
    """`teacher_id` of each cell (a list), text cells by a plain dict."""
    return _normalised(cells, _TEXT_IDS, teacher_id)


def person_names(cells: list) -> list[str]:
    """`person_name` of each cell (a list), text cells by a plain dict."""
    return _normalised(cells, _TEXT_NAMES, person_name)


def _normalised(cells: list, memo: dict[str, str], slow) -> list[str]:
    try:
        out = list(map(memo.get, cells))
    except TypeError:                     # an unhashable cell (never from calamine): one by one
        return list(map(slow, cells))
    if None in out:
        if len(memo) > _TEXT_MEMO_MAX:
            memo.clear()
        for i in [i for i, v in enumerate(out) if v is None]:
            value = cells[i]
            out[i] = found = slow(value)
            if type(value) is str:
                memo[value] = found
    return out


def _name_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


@dataclass
class Roster:
    """Teachers keyed by 工号 (or 姓名 where a school has no 工号); attributes for selectors.

    `columns` holds the 名册's other columns as plain lists in key order, which is all `groups` needs;
    the `attrs` frame (for the 达标 selectors and the archive) is built from them only when asked for.
    """

    names: dict[str, str] = field(default_factory=dict)          # key -> 姓名
    by_name: dict[str, list[str]] = field(default_factory=dict)   # 姓名 -> keys
    rows: dict[str, int] = field(default_factory=dict)            # key -> Excel row in 教师名册
    present: bool = False
    columns: dict[str, list[Any]] = field(default_factory=dict)   # 学科, 教研组, 组别/角色, dates: per key
    # A teacher listed twice whose rows disagree: key -> column -> why (the later row's cell and both values).
    conflicts: dict[str, dict[str, str]] = field(default_factory=dict)
    _attrs: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    _groups: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def attrs(self) -> pd.DataFrame:
        """The attribute columns as a frame indexed by key, made on first use. Each column goes in as a
        key -> cell dict, the way `DataFrame.from_dict(records, orient="index")` builds it, so pandas infers the
        same dtypes (a column of blanks is float NaN, datetimes datetime64) the later steps were written for."""
        if self._attrs is None:
            keys = list(self.names)
            self._attrs = pd.DataFrame({col: dict(zip(keys, values, strict=True))
                                        for col, values in self.columns.items()},
                                       index=pd.Index(keys)) if keys else pd.DataFrame()
        return self._attrs

    def groups(self) -> dict[str, set[str]]:
        """Normalized 教研组 / 学科 name -> teacher keys (for 签到登记's 参加范围); worked out once per roster."""
        if self._groups is None:
            out: dict[str, set[str]] = {}
            for col in ("教研组", "学科"):
                for key, value in zip(self.names, self.columns.get(col, ()), strict=False):
                    if value not in (None, ""):
                        out.setdefault(normalize_label(value), set()).add(key)
            self._groups = out
        return self._groups


def build_roster(table: Table | None) -> tuple[Roster, list[Problem]]:
    """The 名册 read row by row (a few hundred rows; each distinct value normalised once by the caches above)
    straight into the roster's dicts and column lists: no per-row records or frame in between."""
    roster = Roster()
    problems: list[Problem] = []
    if table is None or table.frame.empty:
        return roster, problems
    roster.present = True
    frame = table.frame
    n = len(frame.index)
    cells = column_lists(frame, frame.columns)           # every column as a list, taken out of the frame once
    ids = cells["工号"] if "工号" in cells else [None] * n
    given = cells["姓名"] if "姓名" in cells else [None] * n
    named = "姓名" in table.columns
    kept: list[int] = []
    for pos, (row, tid, name) in enumerate(zip(frame.index.tolist(), teacher_ids(ids), person_names(given),
                                               strict=True)):
        key = tid or name
        if not name and named:
            problems.append(table.problem("missing-name", "教师名册中这一行没有姓名", column="姓名", row=row))
        if key in roster.names:
            col = "工号" if tid else "姓名"
            first = frame.index.get_loc(roster.rows[key])
            differ = _differing(cells, first, pos)
            problems.append(table.problem(
                "duplicate-teacher", f"教师重复：{col}「{key}」在教师名册第{roster.rows[key]}行已出现，本行不计"
                + (f"；两行的{'、'.join(differ)}不同，无法判断按哪一行，依赖它们的达标要求待核实" if differ else ""),
                column=col, row=row, value=key))
            for c, (a, b) in differ.items():
                roster.conflicts.setdefault(key, {})[c] = (
                    f"教师名册 {table.cell(c, row)}：与第{roster.rows[key]}行的{c}不同（{a or '空'}、{b or '空'}）")
            continue
        roster.names[key] = name
        roster.by_name.setdefault(name, []).append(key)
        roster.rows[key] = row
        kept.append(pos)
    every = len(kept) == n
    for col, values in cells.items():
        if col not in ("工号", "姓名"):
            roster.columns[col] = values if every else [values[i] for i in kept]
    return roster, problems


_COMPARED = ("组别/角色", "出生日期", "入职日期")      # the 名册 cells a 达标 selector reads


def _differing(cells: dict[str, list[Any]], first: int, later: int) -> dict[str, tuple[str, str]]:
    """The selector columns where a teacher's two 名册 rows say different things (one blank counts)."""
    out = {}
    for col in _COMPARED:
        if col in cells:
            a, b = cell_text(cells[col][first]), cell_text(cells[col][later])
            if a != b:
                out[col] = (a, b)
    return out


MatchProblem = tuple[str, str, str, str]    # (code, Chinese message, column it belongs on, severity)


def match_teacher(roster: Roster, tid: str, name: str, what: str) -> tuple[str, MatchProblem | None]:
    """The one rule for who a row is about: 工号 first, else a unique 姓名; a problem when neither works.

    `what` names what is lost when the row cannot be matched ("考核得分", "本行学时" …).
    """
    if not roster.present:
        return tid or name, None
    if tid:
        if tid not in roster.names:
            return _unlisted_id(roster, tid, name, what)
        if name and roster.names[tid] and name != roster.names[tid]:
            return tid, ("name-mismatch", f"工号 {tid} 在教师名册中是「{roster.names[tid]}」，这里写的是「{name}」；"
                         f"按工号计算", "姓名", "警告")
        return tid, None
    if name:
        matches = roster.by_name.get(name, [])
        if len(matches) == 1:
            return matches[0], None
        if not matches:
            return "", ("unknown-teacher", f"教师「{name}」不在教师名册中，{what}未计入", "姓名", "错误")
        return "", ("ambiguous-name", f"教师名册中有{len(matches)}位「{name}」，请填写工号", "姓名", "错误")
    return "", None


def _unlisted_id(roster: Roster, tid: str, name: str, what: str) -> tuple[str, MatchProblem]:
    """A 工号 the 名册 does not have. Read as a 名册 teacher (with a 警告 on the cell) only when the row's own 姓名
    confirms who it is; otherwise nobody (an 错误: what it carried is not counted).

    - Digits whose leading zeros Excel dropped (a 工号 04005 typed into a number cell is stored as 4005): the one
      名册 工号 that is these digits with zeros in front, when the row's 姓名 is that teacher's or blank.
    - Any other 工号 (a slip of the keyboard): the one 名册 teacher with the row's 姓名.
    Two teachers with the same 姓名, or a 姓名 that contradicts the zero-padded 工号, decide nothing.
    """
    padded = _zero_padded(roster, tid)
    if padded and (not name or roster.names[padded] in ("", name)):
        return padded, ("id-leading-zero", f"工号「{tid}」按教师名册中的「{padded}」（{roster.names[padded]}）计算："
                        f"开头的 0 可能被 Excel 去掉了，请把该单元格设为文本后填写 {padded}", "工号", "警告")
    matches = roster.by_name.get(name, []) if name else []
    if len(matches) == 1:
        key = matches[0]
        listed = f"工号 {key}" if key != name else "没有工号"
        return key, ("id-by-name", f"工号「{tid}」不在教师名册中；按姓名「{name}」（名册中{listed}）计算，"
                     "请核对工号", "工号", "警告")
    return "", ("unknown-teacher", f"工号「{tid}」不在教师名册中，{what}未计入", "工号", "错误")


def _zero_padded(roster: Roster, tid: str) -> str:
    """The one 名册 工号 that is `tid` (all digits) with leading zeros added; "" when none or several."""
    if not tid.isascii() or not tid.isdigit():
        return ""
    found = [key for key in roster.names if len(key) > len(tid) and key.endswith(tid)
             and key[:len(key) - len(tid)].strip("0") == ""]
    return found[0] if len(found) == 1 else ""


def resolve_teachers(table: Table, roster: Roster, *, what: str) -> tuple[pd.Series, list[Problem]]:
    """Teacher key for every row of `table` ("" where the row cannot be matched, with a problem), as a Series
    on the table's rows (`resolve_codes` gives the same keys as codes)."""
    keys, problems = resolve_codes(table, roster, what=what)
    return pd.Series(keys.values(), index=table.frame.index, dtype=object), problems


def resolve_codes(table: Table, roster: Roster, *, what: str) -> tuple[Coded, list[Problem]]:
    """Teacher key for every row of `table` as codes: one code per distinct (工号, 姓名) pair, its key ("" where
    the pair cannot be matched, with a problem on every row that has it).

    On whole columns: a register repeats the same few hundred teachers thousands of times, so the 工号 and
    姓名 columns become codes (`distinct`: equal values of one type share one; 1001 and TRUE stay apart),
    each distinct (工号, 姓名) pair is matched once (`match_teacher`), every row's key is an array lookup,
    and only rows whose pair has a problem are visited one by one.
    """
    frame = table.frame
    n = len(frame.index)
    ids = frame["工号"] if "工号" in frame.columns else None
    names = frame["姓名"] if "姓名" in frame.columns else None
    try:
        id_codes, id_cells = distinct(ids) if ids is not None else (np.zeros(n, dtype=np.intp), [None])
        name_codes, name_cells = distinct(names) if names is not None else (np.zeros(n, dtype=np.intp), [None])
    except TypeError:           # an unhashable cell value (never from calamine): each row is its own pair
        id_codes = name_codes = np.arange(n)
        id_cells = ids.tolist() if ids is not None else [None] * n
        name_cells = names.tolist() if names is not None else [None] * n
    width = max(len(name_cells), 1)
    pair_codes, pairs = pd.factorize(id_codes * width + name_codes)
    tids, given = teacher_ids(id_cells), person_names(name_cells)
    names_of = roster.names if roster.present else {}
    pair_ids = np.array(tids, dtype=object)[pairs // width]
    pair_names = np.array(given, dtype=object)[pairs % width]
    # the usual pair, a 名册 工号 with its own 姓名, is matched as `match_teacher` would, without the call: its key
    # is the 工号; the other pairs go through `match_teacher` one by one
    known = np.array(list(map(names_of.get, pair_ids.tolist())), dtype=object)
    usual = (pair_ids != "") & (known == pair_names)
    key_of, problem_of = pair_ids.tolist(), [None] * len(pairs)
    for p in np.flatnonzero(~usual).tolist():
        key_of[p], problem_of[p] = match_teacher(roster, key_of[p], pair_names[p], what)
    keys = Coded(pair_codes, key_of)
    problems: list[Problem] = []
    answers = list(zip(key_of, problem_of, strict=True))
    bad = [code for code, problem in enumerate(problem_of) if problem]
    if bad:
        raw_ids = ids.tolist() if ids is not None else [None] * n
        raw_names = names.tolist() if names is not None else [None] * n
        rows = frame.index.tolist()
        for pos in np.flatnonzero(np.isin(pair_codes, bad)).tolist():
            code, msg, column, severity = answers[pair_codes[pos]][1]  # type: ignore[misc]
            if column not in table.columns:
                column = "姓名" if "姓名" in table.columns else "工号"
            value = raw_ids[pos] if column == "工号" else raw_names[pos]
            problems.append(table.problem(code, msg, column=column, row=rows[pos], value=value,
                                          severity=severity))  # type: ignore[arg-type]
    return keys, problems
