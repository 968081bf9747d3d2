"""Counts derived from raw facts: 签到登记 (who signed in to which session) and 提交登记 (what was
handed in, when). Pure pandas.

The registers are the facts; a count a director also typed in 考核记录 is compared with them by the
pipeline, which keeps the register's figure and says so on the cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from xlrubric.readers.text import normalize_label

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

    Plain dicts, one pass over the register and one over the expected (session, teacher) pairs: a school's
    register is a few thousand rows, where pandas' groupby/merge cost more in fixed overhead (about 50 ms)
    than the counting itself (about 3 ms).
    """
    keys = teachers.tolist()
    absent = dict.fromkeys(keys, 0.0)
    irregular = dict.fromkeys(keys, 0.0)
    sessions = dict.fromkeys(keys, 0.0)
    texts: dict[tuple[str, str], list[str]] = {}
    rows: dict[tuple[str, str], int] = {}
    if register.empty:
        return Derived(_frame(keys, teachers, absent, irregular, sessions))
    cols = [register[c].tolist() for c in ("teacher", "date", "name", "scope", "status", "row")]
    scope_of: dict[str, str] = {}                      # session label -> its 参加范围 (first one given)
    seen: dict[tuple[str, str], list] = {}             # (label, teacher) -> [all rows 缺席, first row]
    irregular_rows = []
    labels: dict[tuple, str] = {}            # (type, date, name) -> label: a session repeats per teacher
    for teacher, date, name, scope, status, row in zip(*cols, strict=True):
        status = "" if status is None or status != status else str(status).strip()
        try:
            label = labels[(type(date), date, name)]
        except KeyError:
            label = labels[(type(date), date, name)] = _label(date, name)
        except TypeError:                              # an unhashable cell value
            label = _label(date, name)
        if label not in scope_of or (not scope_of[label] and isinstance(scope, str) and scope.strip()):
            scope_of[label] = scope if isinstance(scope, str) and scope.strip() else ""
        state = seen.setdefault((label, teacher), [True, row])
        state[0] = state[0] and status in ABSENT
        if status in IRREGULAR and teacher in irregular:
            irregular_rows.append((teacher, label, status, row))
    for label, scope in scope_of.items():
        key = normalize_label(scope)
        members = keys if key in ("", "全体", "全体教师", "全校") else sorted(groups.get(key, set()))
        for t in members:
            if t in sessions:
                sessions[t] += 1
            state = seen.get((label, t))
            if state is not None and not state[0]:
                continue
            if t in absent:
                absent[t] += 1
            texts.setdefault((t, "absent"), []).append(label + ("（无签到）" if state is None else ""))
            if state is not None:
                rows.setdefault((t, "absent"), int(state[1]))
    for t, label, status, row in irregular_rows:
        irregular[t] += 1
        texts.setdefault((t, "irregular"), []).append(f"{label} {status}")
        rows.setdefault((t, "irregular"), int(row))
    evidence = {k: "；".join(v) for k, v in texts.items()}
    return Derived(_frame(keys, teachers, absent, irregular, sessions), evidence, rows)


def _label(date, name) -> str:
    return f"{_fmt_date(date)} {name}".strip()


def _frame(keys: list, teachers: pd.Index, absent: dict, irregular: dict, sessions: dict) -> pd.DataFrame:
    return pd.DataFrame({"absent": [absent[t] for t in keys], "irregular": [irregular[t] for t in keys],
                         "sessions": [sessions[t] for t in keys]}, index=teachers, dtype=float)


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
