"""等次 from totals: the scale the thresholds are written on, gaps between bands, and quotas.

The policies decide what the documents leave open (lanxi4: thresholds on a 40-point scale for a
50-point rubric, the uncovered 23–24, ties at the 40% 优秀 line). A quota is never exceeded by the
computation; a tie across the quota line is reported so the director decides with a 人工调整.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.spec.model import Band, Spec

ROUND = 4


@dataclass(frozen=True)
class BandChange:
    """Why a teacher's final 等次 differs from the one the score reached: a full quota (名额), a rule
    across parts (开鲁: 考核不合格者年度考核不能评为优秀), or the director's 人工调整."""

    kind: str          # "名额" | "限制" | "人工调整"
    before: str        # the band before this change ("" when none)
    after: str
    why: str

    @property
    def text(self) -> str:
        return f"{self.before or '无'}→{self.after or '无'}：{self.why}"


@dataclass
class BandOutcome:
    band: pd.Series
    scaled: pd.Series | None
    scaled_name: str
    notes: list[dict[str, Any]] = field(default_factory=list)   # {teacher|None, severity, message}
    shown: dict[str, str] = field(default_factory=dict)          # 人工调整 of 等次, as the 人工调整 column says it
    changes: dict[str, list[BandChange]] = field(default_factory=dict)   # teacher -> every change, in order


def band_for(score: float, bands: list[Band], gap_policy: str) -> str | None:
    """The band a score falls in. lower_bound: the highest band whose lower bound it reaches."""
    return _band_in(score, _by_lower_bound(bands), gap_policy)


def _by_lower_bound(bands: list[Band]) -> list[Band]:
    return sorted(bands, key=lambda b: -math.inf if b.min is None else b.min, reverse=True)


def _band_in(score: float, ordered: list[Band], gap_policy: str) -> str | None:
    if gap_policy == "lower_bound":
        for b in ordered:
            if b.min is None or score >= b.min - 1e-9:
                return b.name
        return None
    for b in ordered:
        lo = -math.inf if b.min is None else b.min
        hi = math.inf if b.max is None else b.max
        if lo - 1e-9 <= score <= hi + 1e-9:
            return b.name
    return None


def _bands_of(values: list[float], bands: list[Band], gap_policy: str) -> list[str | None]:
    """`band_for` of each value, worked out once per distinct value (a school's totals repeat a lot)."""
    ordered = _by_lower_bound(bands)
    memo: dict[float, str | None] = {}
    out = []
    for v in values:
        if v not in memo:
            memo[v] = _band_in(v, ordered, gap_policy)
        out.append(memo[v])
    return out


def assign_bands(spec: Spec, totals: pd.Series, overrides: list, *, participants: int | None = None) -> BandOutcome:
    """等次 of the known `totals`; quotas are shares of `participants` (default: the teachers in `totals`)."""
    rubric = spec.rubric
    assert rubric is not None
    scale = rubric.band_scale
    scaled = None
    name = "总分"
    values = totals
    if scale and scale != rubric.total and spec.policy("band_scale", "scale") == "scale":
        name = f"折算分（{scale:g}分制）"
        scaled = pd.Series((totals.to_numpy() * scale / rubric.total).round(ROUND), index=totals.index,
                           name=totals.name)
        values = scaled
    gap_policy = spec.policy("band_gaps", "lower_bound") or "lower_bound"
    notes: list[dict[str, Any]] = []
    teachers = totals.index.tolist()
    labels = _bands_of(values.tolist(), rubric.bands, gap_policy)     # by position; a Series once quotas hold
    at = {t: i for i, t in enumerate(teachers)}
    for t, label in zip(teachers, labels, strict=True) if None in labels else ():
        if label is None:
            out_of_range = f"{name} {values[t]:g} 不在任何等次的分值范围内，未评等次；请用人工调整决定"
            notes.append({"teacher": t, "severity": "警告", "message": out_of_range})
    n = len(totals) if participants is None else participants
    ties = spec.policy("quota_ties", "exclude_tied")
    lower = {b.name: _next_band(b, rubric.bands, values, gap_policy) for b in rubric.bands}
    changes: dict[str, list[BandChange]] = {}
    for b in rubric.bands:
        if b.quota is None:
            continue
        limit = math.floor(b.quota * n + 1e-9)
        if labels.count(b.name) <= limit:       # the quota holds (the usual case): nothing to sort
            continue
        members = values[np.array([x == b.name for x in labels], dtype=bool)].sort_values(ascending=False)
        line = members.iloc[limit - 1] if limit >= 1 else math.inf
        tied_across = limit >= 1 and members.iloc[limit] == line
        if limit == 0:
            keep = members.index[:0]
        elif tied_across and ties == "include_tied":
            keep = members.index[members >= line]
        elif tied_across:
            keep = members.index[members > line]
        else:
            keep = members.index[:limit]
        kept = set(keep)
        demoted = [t for t in members.index if t not in kept]
        for t in demoted:
            labels[at[t]] = lower[b.name](t)
            changes.setdefault(t, []).append(BandChange(
                "名额", b.name, labels[at[t]] or "",
                f"分数达到{b.name}，{b.name}名额已满（{n}人×{b.quota:.0%}，名额{limit}人）"))
        quota_text = f"{b.name}不超过参训人数的{b.quota:.0%}：{n}人×{b.quota:.0%}={b.quota * n:g}，名额{limit}人"
        if tied_across:
            tied = members.index[members == line].tolist()
            verb = "都评为" + b.name if ties == "include_tied" else "都未评" + b.name
            notes.append({"teacher": None, "severity": "警告", "teachers": tied,
                              "message": f"{quota_text}；名额线上有{len(tied)}人同为{line:g}分，按策略{verb}，"
                                         f"请教务主任用人工调整决定"})
        notes.append({"teacher": None, "severity": "提示",
                          "message": f"{quota_text}；{len(members)}人达到{b.name}分数线，"
                                     f"{len(demoted)}人因名额评为下一等次"})
    band = pd.Series(labels, index=totals.index, dtype=object)
    out = BandOutcome(band, scaled, name, notes, changes=changes)
    for o in overrides:
        if o.teacher in band.index:
            out.shown[o.teacher] = f"等次：计算为{band[o.teacher]} → 调整为{o.value}（{o.reason}）"
            out.changes.setdefault(o.teacher, []).append(
                BandChange("人工调整", band[o.teacher] or "", o.value, o.reason))
            band[o.teacher] = o.value
    final = Counter(band.tolist())
    for b in rubric.bands:
        if b.quota is not None:
            limit = math.floor(b.quota * n + 1e-9)
            if final[b.name] > limit:
                out.notes.append({"teacher": None, "severity": "警告",
                                  "message": f"{b.name}共{final[b.name]}人，超过名额{limit}人"
                                             f"（参训{n}人×{b.quota:.0%}）"})
    return out


def _next_band(b: Band, bands: list[Band], values: pd.Series, gap_policy: str):
    """A teacher moved out of a full band goes to the highest lower band (by lower bound)."""
    rest = [x for x in bands if x.name != b.name and (x.min or -math.inf) <= (b.min or -math.inf)]

    ordered = _by_lower_bound(rest)

    def pick(t: str) -> str | None:
        return _band_in(values[t], ordered, "lower_bound") if rest else None
    return pick


def apply_caps(band: pd.Series, order: list[str], caps: dict[str, list[dict[str, Any]]]
               ) -> tuple[pd.Series, dict[str, BandChange]]:
    """Lower each 等次 a cross-part rule forbids to the next band it allows (开鲁: 考核不合格者年度考核
    不能评为优秀). `caps` maps teacher -> [{"forbid": [...], "effect": ..., "because": ...}]; returns the
    new bands and, per teacher lowered, the change. Pure: the quota check and every count that follows
    read the result."""
    band = band.copy()
    changed: dict[str, BandChange] = {}
    for t, rules in caps.items():
        if t not in band.index:
            continue
        for cap in rules:
            now = band[t]
            if now not in cap["forbid"]:
                continue
            below = order[order.index(now) + 1:] if now in order else []
            allowed = [b for b in below if b not in cap["forbid"]]
            band[t] = allowed[0] if allowed else ""
            changed[t] = BandChange("限制", now, band[t], f"{cap['because']}，{cap['effect']}")
    return band, changed


def quota_ok(band, bands: list[Band]) -> bool | None:
    """Whether every band with a quota holds no more teachers than its quota allows; None when the rules
    set no quota at all, so 县汇总 says 不限名额 instead of a 符合 that checked nothing. `band`: the 等次 of
    every teacher (a Series or a list)."""
    if all(b.quota is None for b in bands):
        return None
    values = band.tolist() if isinstance(band, pd.Series) else list(band)
    n, counts = len(values), Counter(values)
    return all(counts[b.name] <= math.floor(b.quota * n + 1e-9) for b in bands if b.quota is not None)
