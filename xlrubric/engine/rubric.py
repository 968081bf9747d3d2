"""counts -> deductions -> item scores -> 总分 -> 等次. Pure pandas: no files, no Excel, no network.

Every point taken off is explained by one row of `details`: the rule's own words, the count, and the
cell (or register rows) the count came from. Item scores stay within [0, full]; a zero-out rule (不得分,
不纳入考核) replaces the item score; a director's 人工调整 replaces a computed value and is shown next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlrubric.engine.bands import BandChange, BandOutcome, apply_caps, assign_bands
from xlrubric.spec.model import KIND_LABELS, Deduction, Item, Rubric, Spec

ROUND = 4


@dataclass(frozen=True)
class Source:
    """Where a count came from: a cell of 考核记录, or rows of a register."""

    sheet: str
    cell: str
    note: str = ""


@dataclass(frozen=True)
class Override:
    """A director's 人工调整 of one teacher's item score or 等次."""

    teacher: str
    target: str          # an item name, or "等次"
    value: Any
    reason: str
    sheet: str = ""
    cell: str = ""


@dataclass
class RubricOutcome:
    scores: pd.DataFrame                  # index teacher; item columns, 总分, [折算分], 等次
    details: list[dict[str, Any]]         # one row per deduction applied (扣分明细)
    notes: list[dict[str, Any]] = field(default_factory=list)   # quota and band remarks for 校验问题
    overrides: dict[str, list[str]] = field(default_factory=dict)   # teacher -> shown adjustments
    band_column: str | None = None
    band_changes: dict[str, list[BandChange]] = field(default_factory=dict)   # 名额 / 限制 / 人工调整


def _missing_components(d: Deduction, c: pd.Series, baseline: str) -> pd.Series:
    if d.input == "missing":
        return c.fillna(0)
    present = c.fillna(len(d.components))
    need = d.required if d.required is not None else len(d.components)
    short = present < need
    full_list = len(d.components)
    base = need if baseline == "threshold" else full_list
    return pd.Series(np.where(short, base - present, 0.0), index=c.index).clip(lower=0)


def rule_points(d: Deduction, counts: pd.Series, spec: Spec) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(points off, zero-out mask, effective count) of one rule for every teacher."""
    late_policy = spec.policy("late_work", "deduct")
    c = counts.astype(float)
    zero = pd.Series(False, index=c.index)
    if d.kind == "per_missing":
        n = _missing_components(d, c, spec.policy("missing_components", "threshold") or "threshold")
        pts = n * d.points
    else:
        n = c.fillna(0)
        if d.kind in ("zero", "not_counted") or (d.late and late_policy == "not_counted"):
            zero = n >= 1
            pts = pd.Series(0.0, index=c.index)
        elif d.kind == "once":
            pts = (n >= 1).astype(float) * d.points
        else:
            pts = n * d.points
    if d.cap is not None:
        pts = pts.clip(upper=d.cap)
    return pts.round(ROUND), zero, n


def rule_text(d: Deduction, spec: Spec) -> str:
    """The document's words for a rule; for a rule a policy supplies, the policy's chosen option."""
    if d.quote:
        return d.quote
    policy = spec.policy_obj(d.policy) if d.policy else None
    return f"（文件未规定，按策略「{policy.title}」）{policy.options[policy.choice]}" if policy else ""


def _detail(teacher: str, item: Item, d: Deduction, count: float, points: float, source: Source | None,
            note: str = "", spec: Spec | None = None) -> dict[str, Any]:
    # `0.0 - x`, not `-x`: an event that took nothing (不得分 already emptied the item) is 0, never "-0.0".
    return {"teacher": teacher, "item": item.name, "event": d.event, "kind": KIND_LABELS[d.kind],
            "count": float(count), "points": 0.0 - float(points), "rule": rule_text(d, spec) if spec else d.quote,
            "sheet": source.sheet if source else "", "cell": source.cell if source else "",
            "note": "；".join(x for x in (source.note if source else "", note) if x)}


def score(spec: Spec, counts: pd.DataFrame, sources: dict[tuple[str, str], Source] | None = None,
          overrides: list[Override] | None = None) -> RubricOutcome:
    """Score every teacher (the rows of `counts`, columns named by each rule's event)."""
    rubric: Rubric = spec.rubric  # type: ignore[assignment]
    sources = sources or {}
    teachers = counts.index
    scores = pd.DataFrame(index=teachers)
    details: list[dict[str, Any]] = []
    shown: dict[str, list[str]] = {}
    item_over = {(o.teacher, o.target): o for o in overrides or [] if o.target != "等次"}
    for item in rubric.items:
        taken = pd.Series(0.0, index=teachers)
        zeroed = pd.Series(False, index=teachers)
        per_rule = []
        for d in item.deductions:
            col = counts[d.event] if d.event in counts.columns else pd.Series(np.nan, index=teachers)
            pts, zero, n = rule_points(d, col, spec)
            taken += pts
            zeroed |= zero
            per_rule.append((d, pts, zero, n))
        computed = pd.Series(np.where(zeroed, 0.0, (item.full - taken).clip(lower=0, upper=item.full)),
                             index=teachers).round(ROUND)
        zero_of, taken_of = dict(zip(teachers, zeroed.to_numpy(), strict=True)), dict(zip(teachers, taken, strict=True))
        rules = [(d, pts.to_dict(), zero.to_dict(), n.to_dict()) for d, pts, zero, n in per_rule]
        for t in teachers:
            if not zero_of[t] and taken_of[t] == 0:
                continue
            for d, pts, zero, n in rules:
                src = sources.get((t, d.event))
                if zero[t]:
                    why = "不纳入考核" if d.kind == "not_counted" or d.late else "不得分"
                    details.append(_detail(t, item, d, n[t], item.full, src, f"{why}，本项0分", spec))
                elif pts[t] > 0:
                    note = "本项已按0分计，此条不再另扣" if zero_of[t] else ""
                    details.append(_detail(t, item, d, n[t], 0.0 if zero_of[t] else pts[t], src, note, spec))
            if not zero_of[t] and taken_of[t] > item.full:
                details.append({"teacher": t, "item": item.name, "event": "（最低0分）", "kind": "封底",
                                "count": None, "points": round(float(taken_of[t] - item.full), ROUND),
                                "rule": "项目得分最低为0分", "sheet": "", "cell": "",
                                "note": f"扣分合计 {taken_of[t]:g} 超过满分 {item.full:g}"})
        for (t, target), o in item_over.items():
            if target == item.name and t in computed.index:
                shown.setdefault(t, []).append(
                    f"{item.name}：计算 {computed[t]:g} → 调整为 {float(o.value):g}（{o.reason}）")
                computed[t] = float(o.value)
        scores[item.name] = computed
    scores["总分"] = scores[[i.name for i in rubric.items]].sum(axis=1).round(ROUND)
    outcome = RubricOutcome(scores, details, overrides=shown)
    if rubric.bands:
        bands: BandOutcome = assign_bands(spec, scores["总分"], [o for o in overrides or [] if o.target == "等次"])
        if bands.scaled is not None:
            scores[bands.scaled_name] = bands.scaled
        scores["等次"] = bands.band
        outcome.notes = bands.notes
        outcome.band_column = "等次"
        outcome.band_changes = bands.changes
        for t, text in bands.shown.items():
            shown.setdefault(t, []).append(text)
    return outcome


def cap_bands(spec: Spec, outcome: RubricOutcome, caps: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Apply cross-part limits (from the 学时 engine) to the final 等次, in place; notes for 校验问题."""
    if outcome.band_column is None or not caps:
        return []
    order = [b.name for b in spec.rubric.bands]  # type: ignore[union-attr]
    band, changed = apply_caps(outcome.scores["等次"], order, caps)
    outcome.scores["等次"] = band
    notes = []
    for t, change in changed.items():
        outcome.band_changes.setdefault(t, []).append(change)
        notes.append({"teacher": t, "severity": "提示",
                      "message": f"{change.why}；等次由「{change.before}」调为「{change.after}」"})
    return notes
