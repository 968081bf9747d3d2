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
    Vectorised: one join of expected (session, teacher) pairs against the register.
    """
    out = pd.DataFrame(0.0, index=teachers, columns=["absent", "irregular", "sessions"])
    if register.empty:
        return Derived(out)
    reg = register.copy()
    reg["status"] = reg["status"].map(lambda v: "" if v is None or v != v else str(v).strip())
    reg["label"] = [f"{_fmt_date(d)} {n}".strip() for d, n in zip(reg["date"], reg["name"], strict=True)]
    sessions = reg.groupby("label", sort=False).agg(
        scope=("scope", lambda s: next((x for x in s if isinstance(x, str) and x.strip()), "")))
    pairs = []
    everyone = list(teachers)
    for label, scope in sessions["scope"].items():
        key = normalize_label(scope)
        members = everyone if key in ("", "全体", "全体教师", "全校") else sorted(groups.get(key, set()))
        pairs.append(pd.DataFrame({"label": label, "teacher": members}))
    expected = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(columns=["label", "teacher"])
    reg["absent_row"] = reg["status"].isin(ABSENT)
    seen = reg.groupby(["label", "teacher"], sort=False).agg(all_absent=("absent_row", "all"),
                                                            first_row=("row", "first")).reset_index()
    merged = expected.merge(seen, on=["label", "teacher"], how="left")
    out["sessions"] = merged.groupby("teacher").size().reindex(teachers, fill_value=0).astype(float)
    merged["absent"] = merged["all_absent"].isna() | (merged["all_absent"] == True)  # noqa: E712
    absent = merged[merged["absent"]]
    out["absent"] = absent.groupby("teacher").size().reindex(teachers, fill_value=0).astype(float)
    texts: dict[tuple[str, str], list[str]] = {}
    rows: dict[tuple[str, str], int] = {}
    for t, label, all_absent, first in zip(absent["teacher"], absent["label"], absent["all_absent"],
                                           absent["first_row"], strict=True):
        no_row = all_absent is None or all_absent != all_absent       # NaN: no row at all
        texts.setdefault((t, "absent"), []).append(label + ("（无签到）" if no_row else ""))
        if not no_row:
            rows.setdefault((t, "absent"), int(first))
    irregular = reg[reg["status"].isin(IRREGULAR) & reg["teacher"].isin(set(teachers))]
    out["irregular"] = irregular.groupby("teacher").size().reindex(teachers, fill_value=0).astype(float)
    for t, label, status, row in zip(irregular["teacher"], irregular["label"], irregular["status"],
                                     irregular["row"], strict=True):
        texts.setdefault((t, "irregular"), []).append(f"{label} {status}")
        rows.setdefault((t, "irregular"), int(row))
    evidence = {k: "；".join(v) for k, v in texts.items()}
    return Derived(out, evidence, rows)


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
