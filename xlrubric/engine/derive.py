"""Counts derived from raw facts: 签到登记 (who signed in to which session) and 提交登记 (what was
handed in, when). Pure pandas.

The registers are the facts; a count a director also typed in 考核记录 is compared with them by the
pipeline, which keeps the register's figure and says so on the cell.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.codes import coded, distinct
from xlrubric.engine.labels import column_index
from xlrubric.readers.text import normalize_label

__all__ = ["ABSENT", "ATTENDED", "IRREGULAR", "Derived", "distinct", "signin_counts", "submission_counts"]

# 签到状态 as schools write it. Only words whose meaning is plain go here; anything else (请假、病假、公假 … which
# the documents do not rule on) is not counted as anything: the pipeline makes that teacher's attendance 待核实.
ATTENDED = {"已签到", "签到", "已签", "到", "已到", "出席", "出勤", "正常", "", "√", "✓", "是"}
IRREGULAR = {"迟到", "早退", "间缺"}
ABSENT = {"缺席", "缺勤", "缺", "未到", "没到", "未签到", "未签", "旷课", "旷训", "旷会", "旷", "否", "×", "✗"}


@dataclass
class Derived:
    counts: pd.DataFrame                          # teacher x {"absent", "irregular", "sessions"} or x item name
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)   # (teacher, key) -> short text
    cells: dict[tuple[str, str], int] = field(default_factory=dict)      # (teacher, key) -> first Excel row


def signin_counts(register: Mapping[str, Any], teachers: pd.Index, groups: Mapping[str, set[str]]) -> Derived:
    """Absences and irregular attendance per teacher.

    `register` columns (a DataFrame, or a dict of equal-length arrays): teacher, date, name, scope, status,
    row. A session is (date, name); its participants are everyone, or the teachers whose 教研组/学科 equals
    its 参加范围 (`groups` maps a normalized group name to teacher keys). A participant with no row, or only
    缺席 rows, was absent. Any of teacher, date, name, scope and status may come already coded
    (`codes.Coded`): the pipeline codes them to read them, and a date column coded by its typed cell gives
    the same sessions as one coded by the date, because a session is its printed label.

    On whole columns: every cell is read once per distinct value (`distinct`), sessions and teachers
    become codes, and who was expected / signed in / present is a sessions × teachers boolean grid, so the
    counts are column sums. Python loops only over distinct values, over sessions (a few dozen) and over
    what is written out (the evidence text of a teacher who missed something).
    """
    row = np.asarray(register["row"])
    if not len(row):
        return Derived(_frame(teachers, np.zeros((len(teachers), 3))))
    keys = teachers.tolist()
    names = list(dict.fromkeys(keys))                 # the grids' columns: each teacher once
    n = len(names)
    where = dict(zip(names, range(n), strict=True))
    back = None if n == len(keys) else [where[t] for t in keys]   # each of `teachers` -> its grid column
    t_codes, t_cells = coded(register["teacher"])
    tpos = np.append(_positions(where, t_cells), -1)[t_codes]      # per distinct teacher cell, then per row
    mine = tpos >= 0
    # 签到状态 per row: blank is 已签到; 缺席 and 迟到/早退 through the word lists.
    s_codes, s_cells = coded(register["status"])
    said = ["" if v is None or v != v else str(v).strip() for v in s_cells]
    absent_row = np.array([s in ABSENT for s in said], dtype=bool)[s_codes]
    irregular_row = np.array([s in IRREGULAR for s in said], dtype=bool)[s_codes]
    status = np.array(said, dtype=object)[s_codes]
    # Sessions: one label per distinct (date, name), numbered in order of first appearance.
    d_codes, d_cells = coded(register["date"])
    n_codes, n_cells = coded(register["name"])
    p_codes, _ = pd.factorize(d_codes * max(len(n_cells), 1) + n_codes)
    first = np.unique(p_codes, return_index=True)[1]
    pair_label = np.array([_label(d_cells[d_codes[i]], n_cells[n_codes[i]]) for i in first], dtype=object)
    pair_session, labels = pd.factorize(pair_label)    # two (date, name) pairs may print as one label
    session = pair_session[p_codes]
    n_sessions = len(labels)
    expected = np.zeros((n_sessions, n), dtype=bool)
    for k, scope in enumerate(_session_scopes(register["scope"], session, n_sessions)):
        key = normalize_label(scope)
        if key in ("", "全体", "全体教师", "全校"):
            expected[k] = True
        elif key in groups:
            members = _positions(where, list(groups[key]))
            expected[k, members[members >= 0]] = True
    signed = np.zeros((n_sessions, n), dtype=bool)
    signed[session[mine], tpos[mine]] = True
    present = np.zeros((n_sessions, n), dtype=bool)
    here = mine & ~absent_row
    present[session[here], tpos[here]] = True
    first_row = np.zeros((n_sessions, n), dtype=np.int64)       # a teacher's first row for each session
    cell, at = np.unique(session[mine] * n + tpos[mine], return_index=True)
    first_row.flat[cell] = row[mine][at]
    missed = expected & ~present
    texts: dict[tuple[str, str], str] = {}
    rows: dict[tuple[str, str], int] = {}
    labels = np.asarray(labels, dtype=object)
    shown = np.where(signed, labels[:, None], (labels + "（无签到）")[:, None])
    who, which = np.nonzero(missed.T)                        # teacher by teacher, sessions in order
    said = shown.T[who, which].tolist()
    cites = np.where(signed.T[who, which], first_row.T[who, which], -1)   # the (缺席) row a miss has, or -1
    runs = _runs(who)
    # Each teacher's cited row is the first of their run that has one: the first such position at or after
    # the run's start, when it comes before the run's end.
    with_row = np.flatnonzero(cites >= 0)
    firsts = np.append(with_row, len(who))[np.searchsorted(with_row, [a for a, _b in runs])].tolist()
    cites, who_list = cites.tolist(), who.tolist()
    for (a, b), f in zip(runs, firsts, strict=True):
        t = names[who_list[a]]
        texts[(t, "absent")] = "；".join(said[a:b])
        if f < b:
            rows[(t, "absent")] = cites[f]
    late = np.flatnonzero(mine & irregular_row)                # register order
    late = late[np.argsort(tpos[late], kind="stable")]         # teacher by teacher, rows in register order
    said = (labels[session[late]] + " " + status[late]).tolist()
    for a, b in _runs(tpos[late]):
        texts[(names[tpos[late[a]]], "irregular")] = "；".join(said[a:b])
        rows[(names[tpos[late[a]]], "irregular")] = int(row[late[a]])
    grid = np.column_stack([missed.sum(axis=0), np.bincount(tpos[late], minlength=n), expected.sum(axis=0)])
    return Derived(_frame(teachers, grid if back is None else grid[back]), texts, rows)


def _positions(where: dict, cells) -> np.ndarray:
    """Each cell's position in `where` (key -> position), -1 for a cell that is not a key: a dict lookup per
    cell, cheaper than building a pandas hash table for a register of a few thousand rows."""
    return np.fromiter(map(where.get, cells, itertools.repeat(-1)), dtype=np.intp, count=len(cells))


def _cells(column) -> np.ndarray:
    """A register column as an object array of its cells (a Series, an array or a list)."""
    return column.to_numpy(dtype=object) if isinstance(column, pd.Series) else np.asarray(column, dtype=object)


def _runs(sorted_codes: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of equal codes in a sorted code array."""
    cut = [0, *(np.flatnonzero(np.diff(sorted_codes)) + 1).tolist(), len(sorted_codes)]
    return list(zip(cut[:-1], cut[1:], strict=True)) if len(sorted_codes) else []


def _session_scopes(scope, session: np.ndarray, n_sessions: int) -> list[str]:
    """Each session's 参加范围: the first non-blank one its rows give, else "" (everyone)."""
    codes, cells = coded(scope)
    given = np.array([isinstance(v, str) and bool(v.strip()) for v in cells], dtype=bool)[codes]
    out = [""] * n_sessions
    which, at = np.unique(session[given], return_index=True)
    for k, code in zip(which.tolist(), codes[given][at].tolist(), strict=True):
        out[k] = cells[code]              # equal text: the first row's own cell and its code's representative
    return out


def _label(date, name) -> str:
    return f"{_fmt_date(date)} {name}".strip()


_SIGNIN_COLUMNS = pd.Index(["absent", "irregular", "sessions"])    # made once: a list costs 0.1 ms per frame


def _frame(teachers: pd.Index, grid: np.ndarray) -> pd.DataFrame:
    """Teacher × (absent, irregular, sessions) as floats, from one teacher × 3 array (one block)."""
    return pd.DataFrame(grid.astype(float), index=teachers, columns=_SIGNIN_COLUMNS)


def submission_counts(register: Mapping[str, Any], teachers: pd.Index,
                      deadlines: dict[str, dt.date | None]) -> Derived:
    """未交 and 迟交 per teacher and item, for the items the register tracks at all.

    `register` columns (a DataFrame, or a dict of equal-length arrays): teacher, item (already mapped to an
    item name), date, row. An item with no row for anyone is not tracked by this school's register, and
    nothing is derived for it. Columns of the result, items in order of first appearance: "<item>|missing"
    and "<item>|late" (late = rows after the deadline). Plain arrays and dicts: a register names a few
    materials, and a frame per item costs more than the counting.
    """
    teacher, item, date = (_cells(register[c]) for c in ("teacher", "item", "date"))
    row = np.asarray(register["row"])
    keys = teachers.tolist()
    names: list[str] = []
    columns: list[np.ndarray] = []
    ev: dict[tuple[str, str], str] = {}
    rows: dict[tuple[str, str], int] = {}
    for name in dict.fromkeys(item.tolist()):
        at = np.flatnonzero(item == name).tolist()
        handed = set(teacher[at].tolist())
        missing = [t not in handed for t in keys]
        names.append(f"{name}|missing")
        columns.append(np.array(missing, dtype=float))
        for t in itertools.compress(keys, missing):
            ev[(t, f"{name}|missing")] = f"提交登记中没有「{name}」"
        deadline = deadlines.get(name)
        if deadline is not None:
            late = [p for p in at if (d := _as_date(date[p])) is not None and d > deadline]   # register order
            per = Counter(teacher[late].tolist())
            names.append(f"{name}|late")
            columns.append(np.array([per.get(t, 0) for t in keys], dtype=float))
            for p in late:
                key = (teacher[p], f"{name}|late")
                ev[key] = (ev.get(key, "") + "；" if key in ev else "") + \
                    f"{_fmt_date(date[p])} 交（截止 {deadline.month}月{deadline.day}日）"
                rows.setdefault(key, int(row[p]))
    grid = np.column_stack(columns) if columns else np.empty((len(keys), 0))
    return Derived(pd.DataFrame(grid, index=teachers, columns=column_index(tuple(names))), ev, rows)


def _as_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return None


def _fmt_date(v) -> str:
    d = _as_date(v)
    return f"{d.year}-{d.month:02d}-{d.day:02d}" if d else str(v or "")
