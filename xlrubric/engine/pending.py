"""待核实: which register rows cannot be valued because a cell they need was rejected, and which results
(学年/周期 学时, 达标) depend on them.

The pipeline says why each cell was rejected (`pending` for the date/学年/类别 that place a row, `unread_<key>`
for the others); only the engine knows which cells a row's rule needs — an unreadable 成绩 does not matter
to a lecture, an unreadable 角色 does when the category pays 主讲人 and 参培者 differently. A pending row is never
turned into a number: it earns nothing known, and every total and verdict it could change says 待核实.
Hours only add up (a row can earn 0 or more; limits keep the best rows), so a threshold already reached by
the confirmed rows stays 达标 — except a share (实践学时不少于50%), which one more row can break.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from xlrubric.spec.hours import HourRule, HoursSpec

MET, NOT_MET, PENDING = "达标", "未达标", "待核实"
_AMOUNT = {"per_hour": ("duration",), "per_day": ("days",), "certificate": ("cert",),
           "certificate_or_days": ("cert", "days"), "fixed": (), "tercile": ("score",)}


def needed(rule: HourRule, same_category: list[HourRule]) -> set[str]:
    """The register cells (by key) a row of `rule` needs to be valued; choosing among the category's rules
    needs 角色/级别 when any of them depends on it."""
    keys = {"status", "manual", *_AMOUNT.get(rule.compute, ())}
    if rule.compute == "table":
        keys.add("level" if rule.table_by == "级别" else "award")
    if rule.min_words is not None:
        keys.add("words")
    if rule.awards:
        keys.add("award")
    return keys | _choosing(same_category)


def _choosing(rules: list[HourRule]) -> set[str]:
    keys = set()
    if any(r.roles for r in rules):
        keys.add("role")
    if any(r.levels for r in rules):
        keys.add("level")
    return keys


def row_pending(reg: pd.DataFrame, spec: HoursSpec, rule_idx: np.ndarray) -> np.ndarray:
    """Per row: "" or why its hours cannot be known (the rejected cell and its message)."""
    n = len(reg)
    why = (reg["pending"].to_numpy(dtype=object).copy() if "pending" in reg.columns
           else np.full(n, "", dtype=object))
    manual = reg["manual"].notna().to_numpy() if "manual" in reg.columns else np.zeros(n, bool)
    cats = reg["category"].to_numpy(dtype=object)
    by_cat: dict[str, list[HourRule]] = {}
    for r in spec.rules:
        by_cat.setdefault(r.category, []).append(r)
    groups: list[tuple[np.ndarray, set[str]]] = []
    for i, rule in enumerate(spec.rules):
        groups.append((rule_idx == i, needed(rule, by_cat[rule.category])))
    for cat, rules in by_cat.items():
        groups.append(((rule_idx == -1) & (cats == cat), {"status", "manual"} | _choosing(rules)))
    said_by = {c[len("unread_"):]: reg[c].to_numpy(dtype=object) for c in reg.columns if c.startswith("unread_")}
    said_at = {k: v != "" for k, v in said_by.items()}
    said_at = {k: v for k, v in said_at.items() if v.any()}       # most registers: nothing rejected
    # Each text column is compared with "" once (an object comparison costs per row); a row's reason is
    # only ever set where it was blank, so `open` follows `why == ""` by clearing the rows given one.
    open_ = why == "" if said_at else None
    for m, keys in groups:
        for typed_by_hand, ks in ((False, keys), (True, {"status", "manual"})):
            wanted = sorted(ks & said_at.keys())
            if not wanted:
                continue
            rows = m & (manual == typed_by_hand) & open_
            for key in wanted:
                if not rows.any():
                    break
                hit = rows & said_at[key]
                why[hit] = said_by[key][hit]
                open_ &= ~hit
                rows &= ~hit
    return why


def pending_map(reg: pd.DataFrame, rows: pd.DataFrame) -> dict[tuple[str, int], list[str]]:
    """(teacher, 学年) -> reasons; 学年 -1 when the row's year itself is unknown (it may be any)."""
    m = rows["pending"] != ""
    out: dict[tuple[str, int], list[str]] = {}
    for t, y, why in zip(reg.loc[m, "teacher"], reg.loc[m, "year"], rows.loc[m, "pending"], strict=True):
        out.setdefault((t, int(y)), []).append(why)
    return out


def pending_mask(index: pd.MultiIndex, pend: dict[tuple[str, int], list]) -> pd.Series:
    """True for (teacher, year) rows a pending row may belong to."""
    teachers = index.get_level_values("teacher")
    years = index.get_level_values("year")
    hit = [(t, int(y)) in pend or (t, -1) in pend for t, y in zip(teachers, years, strict=True)]
    return pd.Series(hit, index=index, dtype=bool)


def pending_categories(reg: pd.DataFrame, rows: pd.DataFrame) -> dict[tuple[str, int], set[str]]:
    """(teacher, 学年 or -1) -> the categories pending rows may add to ("" when the 类别 itself is unknown)."""
    m = rows["pending"] != ""
    out: dict[tuple[str, int], set[str]] = {}
    for t, y, c in zip(reg.loc[m, "teacher"], reg.loc[m, "year"], reg.loc[m, "category"], strict=True):
        out.setdefault((t, int(y)), set()).add(c or "")
    return out


def category_masks(index: pd.MultiIndex, cats: dict[tuple[str, int], set[str]], names: list[str]
                   ) -> dict[str, pd.Series]:
    """Per category: True for (teacher, year) rows whose sum a pending row may change ("" = any category)."""
    teachers = index.get_level_values("teacher")
    years = index.get_level_values("year")
    sets = [cats.get((t, int(y)), set()) | cats.get((t, -1), set()) for t, y in zip(teachers, years, strict=True)]
    return {c: pd.Series([c in got or "" in got for got in sets], index=index, dtype=bool) for c in names}


def verdict(ok: pd.Series, pend: pd.Series, monotone: bool) -> pd.Series:
    """达标 / 未达标 / 待核实 from the confirmed verdict and whether pending rows could change it."""
    out = np.where(ok & (~pend | monotone), MET, np.where(pend, PENDING, NOT_MET))
    return pd.Series(out, index=ok.index, dtype=object)


def combine(states: list[pd.Series], index: pd.Index) -> pd.Series:
    """One verdict from several: any certain 未达标 wins, then any 待核实, else 达标."""
    out = pd.Series(MET, index=index, dtype=object)
    for s in states:
        s = s.reindex(index, fill_value=MET)
        out = out.where(~((s == PENDING) & (out == MET)), PENDING)
    for s in states:
        out = out.where(s.reindex(index, fill_value=MET) != NOT_MET, NOT_MET)
    return out


def worst(states: Iterable[str]) -> str:
    """The verdict of a group: any 未达标, else any 待核实, else 达标."""
    values = set(states)
    return NOT_MET if NOT_MET in values else PENDING if PENDING in values else MET


_WORST_ORDER = np.array([MET, PENDING, NOT_MET], dtype=object)


def worst_by(states: pd.Series, level: str) -> pd.Series:
    """`worst` of each group of `states` by one level of its index, groups in sorted order as
    `groupby(level=level).agg(worst)` gives them: each verdict ranked (未达标 2, 待核实 1, anything else 0, as
    `worst` reads it) and one groupby max, not a Python call and a Series per group (300 teachers: most of
    the 学时 verdicts' time)."""
    values = states.to_numpy(dtype=object)
    rank = np.where(values == NOT_MET, 2, np.where(values == PENDING, 1, 0))
    top = pd.Series(rank, index=states.index).groupby(level=level).max()
    return pd.Series(_WORST_ORDER[top.to_numpy()], index=top.index, dtype=object)
