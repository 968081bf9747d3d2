"""Counts derived from raw facts: 签到登记 (who signed in to which session) and 提交登记 (what was
handed in, when). Pure pandas.

The registers are the facts; a count a director also typed in 考核记录 is compared with them by the
pipeline, which keeps the register's figure and says so on the cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlrubric.codes import distinct
from xlrubric.readers.text import normalize_label

__all__ = ["ABSENT", "ATTENDED", "IRREGULAR", "Derived", "distinct", "signin_counts", "submission_counts"]

ATTENDED = {"已签到", "签到", "到", "出席", "", "√", "✓", "是"}
IRREGULAR = {"迟到", "早退", "间缺"}
ABSENT = {"缺席", "缺勤", "未到", "旷课", "旷训", "否", "×"}


@dataclass
class Derived:
    counts: pd.DataFrame                          # teacher x {"absent", "irregular", "sessions"} or x item name
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)   # (teacher, key) -> short text
    cells: dict[tuple[str, str], int] = field(default_factory=dict)      # (teacher, key) -> first Excel row


def signin_counts(register: pd.DataFrame, teachers: pd.Index, groups: dict[str, set[str]]) -> Derived:
    """Absences and irregular attendance per teacher.

    `register` columns: teacher, date, name, scope, status, row. A session is (date, name); its
    participants are everyone, or the teachers whose 教研组/学科 equals its 参加范围 (`groups` maps a
    normalized group name to teacher keys). A participant with no row, or only 缺席 rows, was absent.

    On whole columns: every cell is read once per distinct value (`distinct`), sessions and teachers
    become codes, and who was expected / signed in / present is a sessions × teachers boolean grid, so the
    counts are column sums. Python loops only over sessions (a few dozen) and over what is written out
    (the evidence text of a teacher who missed something).
    """
    keys = teachers.tolist()
    if register.empty:
        return Derived(_frame(teachers, *([np.zeros(len(keys))] * 3)))
    uniq = pd.Index(list(dict.fromkeys(keys)), dtype=object)
    n = len(uniq)
    tpos = uniq.get_indexer(register["teacher"].to_numpy(dtype=object))
    mine = tpos >= 0
    row = register["row"].to_numpy()
    # 签到状态 per row: blank is 已签到; 缺席 and 迟到/早退 through the word lists.
    s_codes, s_cells = distinct(register["status"])
    status = np.array(["" if v is None or v != v else str(v).strip() for v in s_cells], dtype=object)
    absent_row = np.isin(status, list(ABSENT))[s_codes]
    irregular_row = np.isin(status, list(IRREGULAR))[s_codes]
    status = status[s_codes]
    # Sessions: one label per distinct (date, name), numbered in order of first appearance.
    d_codes, d_cells = distinct(register["date"])
    n_codes, n_cells = distinct(register["name"])
    p_codes, _ = pd.factorize(d_codes * max(len(n_cells), 1) + n_codes)
    first = np.unique(p_codes, return_index=True)[1]
    pair_label = np.array([_label(d_cells[d_codes[i]], n_cells[n_codes[i]]) for i in first], dtype=object)
    session, labels = pd.factorize(pair_label[p_codes])
    n_sessions = len(labels)
    expected = np.zeros((n_sessions, n), dtype=bool)
    for k, scope in enumerate(_session_scopes(register["scope"], session, n_sessions)):
        key = normalize_label(scope)
        if key in ("", "全体", "全体教师", "全校"):
            expected[k] = True
        else:
            members = uniq.get_indexer(list(groups.get(key, ())))
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
    names = uniq.tolist()
    who, which = np.nonzero(missed.T)                        # teacher by teacher, sessions in order
    said, with_row = shown.T[who, which].tolist(), np.where(signed.T[who, which], first_row.T[who, which], -1)
    for a, b in _runs(who):
        t = names[who[a]]
        texts[(t, "absent")] = "；".join(said[a:b])
        first = with_row[a:b][with_row[a:b] >= 0]
        if len(first):
            rows[(t, "absent")] = int(first[0])
    late = np.flatnonzero(mine & irregular_row)                # register order
    late = late[np.argsort(tpos[late], kind="stable")]         # teacher by teacher, rows in register order
    said = (labels[session[late]] + " " + status[late]).tolist()
    for a, b in _runs(tpos[late]):
        texts[(names[tpos[late[a]]], "irregular")] = "；".join(said[a:b])
        rows[(names[tpos[late[a]]], "irregular")] = int(row[late[a]])
    counts = [c[uniq.get_indexer(teachers)] for c in (missed.sum(axis=0), np.bincount(tpos[late], minlength=n),
                                                      expected.sum(axis=0))]
    return Derived(_frame(teachers, *counts), texts, rows)


def _runs(sorted_codes: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of equal codes in a sorted code array."""
    cut = [0, *(np.flatnonzero(np.diff(sorted_codes)) + 1).tolist(), len(sorted_codes)]
    return list(zip(cut[:-1], cut[1:], strict=True)) if len(sorted_codes) else []


def _session_scopes(scope: pd.Series, session: np.ndarray, n_sessions: int) -> list[str]:
    """Each session's 参加范围: the first non-blank one its rows give, else "" (everyone)."""
    codes, cells = distinct(scope)
    given = np.array([isinstance(v, str) and bool(v.strip()) for v in cells], dtype=bool)[codes]
    out = [""] * n_sessions
    which, at = np.unique(session[given], return_index=True)
    for k, text in zip(which.tolist(), scope.to_numpy(dtype=object)[given][at], strict=True):
        out[k] = text
    return out


def _label(date, name) -> str:
    return f"{_fmt_date(date)} {name}".strip()


def _frame(teachers: pd.Index, absent, irregular, sessions) -> pd.DataFrame:
    return pd.DataFrame({"absent": absent, "irregular": irregular, "sessions": sessions}, index=teachers,
                        dtype=float)


def submission_counts(register: pd.DataFrame, teachers: pd.Index,
                      deadlines: dict[str, dt.date | None]) -> Derived:
    """未交 and 迟交 per teacher and item, for the items the register tracks at all.

    `register` columns: teacher, item (already mapped to an item name), date, row. An item with no
    row for anyone is not tracked by this school's register, and nothing is derived for it.
    Columns of the result: "<item>|missing" and "<item>|late" (late = rows after the deadline).
    """
    cols: dict[str, pd.Series] = {}
    ev: dict[tuple[str, str], str] = {}
    rows: dict[tuple[str, str], int] = {}
    for item, group in register.groupby("item", sort=False):
        deadline = deadlines.get(item)
        handed = set(group["teacher"])
        missing = pd.Series([0.0 if t in handed else 1.0 for t in teachers], index=teachers)
        cols[f"{item}|missing"] = missing
        for t in teachers[missing.to_numpy() == 1.0]:
            ev[(t, f"{item}|missing")] = f"提交登记中没有「{item}」"
        if deadline is not None:
            dates = group["date"].map(_as_date)
            late_rows = group[dates.map(lambda d, dl=deadline: d is not None and d > dl)]
            late = late_rows.groupby("teacher").size().reindex(teachers, fill_value=0).astype(float)
            cols[f"{item}|late"] = late
            for row in late_rows.itertuples(index=False):
                key = (row.teacher, f"{item}|late")
                ev[key] = (ev.get(key, "") + "；" if key in ev else "") + \
                    f"{_fmt_date(row.date)} 交（截止 {deadline.month}月{deadline.day}日）"
                rows.setdefault(key, int(row.row))
    return Derived(pd.DataFrame(cols, index=teachers), ev, rows)


def _as_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return None


def _fmt_date(v) -> str:
    d = _as_date(v)
    return f"{d.year}-{d.month:02d}-{d.day:02d}" if d else str(v or "")
