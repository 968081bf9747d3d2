"""Who is who: the 教师名册, and matching every other sheet's rows to a teacher.

A teacher is known by 工号 when the school gives one, else by 姓名. Rows in 考核记录 or a register
whose 工号 is not in the 名册, or whose 姓名 contradicts it, are flagged on their cell.
"""

from __future__ import annotations

import contextlib
import functools
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlrubric.readers.table import Table
from xlrubric.readers.text import cell_text, normalize_label
from xlrubric.results import Problem


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


def _name_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


@dataclass
class Roster:
    """Teachers keyed by 工号 (or 姓名 where a school has no 工号); attributes for selectors."""

    names: dict[str, str] = field(default_factory=dict)          # key -> 姓名
    by_name: dict[str, list[str]] = field(default_factory=dict)   # 姓名 -> keys
    attrs: pd.DataFrame = field(default_factory=pd.DataFrame)     # index key: 学科, 教研组, 组别/角色, dates
    rows: dict[str, int] = field(default_factory=dict)            # key -> Excel row in 教师名册
    present: bool = False

    def groups(self) -> dict[str, set[str]]:
        """Normalized 教研组 / 学科 name -> teacher keys (for 签到登记's 参加范围)."""
        out: dict[str, set[str]] = {}
        for col in ("教研组", "学科"):
            if col in self.attrs.columns:
                for key, value in self.attrs[col].items():
                    if value not in (None, ""):
                        out.setdefault(normalize_label(value), set()).add(key)
        return out


def build_roster(table: Table | None) -> tuple[Roster, list[Problem]]:
    roster = Roster()
    problems: list[Problem] = []
    if table is None or table.frame.empty:
        return roster, problems
    roster.present = True
    frame = table.frame
    attrs: dict[str, dict[str, Any]] = {}
    for row, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        tid = teacher_id(rec.get("工号"))
        name = person_name(rec.get("姓名"))
        key = tid or name
        if not name and "姓名" in table.columns:
            problems.append(table.problem("missing-name", "教师名册中这一行没有姓名", column="姓名", row=row))
        if key in roster.names:
            col = "工号" if tid else "姓名"
            problems.append(table.problem(
                "duplicate-teacher", f"教师重复：{col}「{key}」在教师名册第{roster.rows[key]}行已出现，本行不计",
                column=col, row=row, value=key))
            continue
        roster.names[key] = name
        roster.by_name.setdefault(name, []).append(key)
        roster.rows[key] = row
        attrs[key] = {k: v for k, v in rec.items() if k not in ("工号", "姓名")}
    roster.attrs = pd.DataFrame.from_dict(attrs, orient="index")
    return roster, problems


MatchProblem = tuple[str, str, str, str]    # (code, Chinese message, column it belongs on, severity)


def match_teacher(roster: Roster, tid: str, name: str, what: str) -> tuple[str, MatchProblem | None]:
    """The one rule for who a row is about: 工号 first, else a unique 姓名; a problem when neither works.

    `what` names what is lost when the row cannot be matched ("考核得分", "本行学时" …).
    """
    if not roster.present:
        return tid or name, None
    if tid:
        if tid not in roster.names:
            return "", ("unknown-teacher", f"工号「{tid}」不在教师名册中，{what}未计入", "工号", "错误")
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


def resolve_teachers(table: Table, roster: Roster, *, what: str) -> tuple[pd.Series, list[Problem]]:
    """Teacher key for every row of `table` ("" where the row cannot be matched, with a problem).

    Each distinct (工号, 姓名) pair is matched once: a register repeats the same teachers thousands of times.
    """
    frame = table.frame
    ids = frame["工号"] if "工号" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    names = frame["姓名"] if "姓名" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    cache: dict[tuple[Any, Any], tuple[str, MatchProblem | None]] = {}
    keys: list[str] = []
    problems: list[Problem] = []
    for row, raw_id, raw_name in zip(frame.index, ids, names, strict=True):
        pair = (raw_id, raw_name)
        try:
            key, problem = cache[pair]
        except (KeyError, TypeError):
            key, problem = match_teacher(roster, teacher_id(raw_id), person_name(raw_name), what)
            with contextlib.suppress(TypeError):
                cache[pair] = (key, problem)
        if problem:
            code, msg, column, severity = problem
            if column not in table.columns:
                column = "姓名" if "姓名" in table.columns else "工号"
            value = raw_id if column == "工号" else raw_name
            problems.append(table.problem(code, msg, column=column, row=row, value=value,
                                          severity=severity))  # type: ignore[arg-type]
        keys.append(key)
    return pd.Series(keys, index=frame.index, dtype=object), problems
