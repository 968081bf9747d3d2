"""counts -> deductions -> item scores -> 总分 -> 等次. Pure pandas: no files, no Excel, no network.

Every point taken off is explained by one row of `details`: the rule's own words, the count, and the
cell (or register rows) the count came from. Item scores stay within [0, full]; a zero-out rule (不得分,
不纳入考核) replaces the item score; a director's 人工调整 replaces a computed value and is shown next to it.

Never a confident wrong number: a count or a typed score whose cell was rejected is not read as blank. The
item it feeds, the 总分 and the 等次 become 待核实 (`RubricOutcome.pending` says which cell and why), unless
something certain decides the item anyway (a 不得分 rule that applies, a valid typed score, an accepted
人工调整). Item scores typed by the director (直接评分) win over the item's deductions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from xlrubric.engine.bands import BandChange, BandOutcome, apply_caps, assign_bands
from xlrubric.engine.details import Details, ItemGrid, explain
from xlrubric.engine.labels import column_index
from xlrubric.spec.model import Deduction, Rubric, Spec

ROUND = 4


class Source(NamedTuple):
    """Where a count came from: a cell of 考核记录, or rows of a register. A named tuple: 扣分明细 reads the
    sources of a whole rule at once by transposing them, and registers make one per teacher and event."""

    sheet: str
    cell: str
    note: str = ""


@dataclass(frozen=True)
class Pending:
    """Why a value is 待核实: the rejected cell it depends on and the reason the cell was rejected."""

    sheet: str
    cell: str
    reason: str

    def text(self) -> str:
        return f"{self.sheet}!{self.cell}：{self.reason}" if self.cell else f"{self.sheet}：{self.reason}"


PENDING = "待核实"
RULES_SHEET = "考核细则"


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
    details: Details                      # one row per deduction applied (扣分明细), as columns
    notes: list[dict[str, Any]] = field(default_factory=list)   # quota and band remarks for 校验问题
    overrides: dict[str, list[str]] = field(default_factory=dict)   # teacher -> shown adjustments
    band_column: str | None = None
    # (teacher, item name | "总分" | "等次") -> the rejected cells that keep it 待核实 (value NaN / None)
    pending: dict[tuple[str, str], list[Pending]] = field(default_factory=dict)
    typed: set[tuple[str, str]] = field(default_factory=set)   # (teacher, item) scored by a typed score
    # (teacher, item) left out of the total (不纳入考核 read as "not part of the score", policy not_counted)
    excluded: set[tuple[str, str]] = field(default_factory=set)
    full_of: dict[str, float] = field(default_factory=dict)    # teacher -> full marks when items were left out

    band_changes: dict[str, list[BandChange]] = field(default_factory=dict)   # 名额 / 限制 / 人工调整

    def pending_teachers(self) -> list[str]:
        """Teachers whose 总分 is 待核实, in the scores' order."""
        return self._held("总分")

    def band_pending_teachers(self) -> list[str]:
        """Teachers whose 等次 is 待核实 (a 待核实 总分, or a cross-part limit that could not be checked)."""
        return self._held("等次")

    def _held(self, target: str) -> list[str]:
        held = {t for t, what in self.pending if what == target}
        return [t for t in self.scores.index.tolist() if t in held] if held else []


def _missing_components(d: Deduction, c: np.ndarray, baseline: str) -> np.ndarray:
    if d.input == "missing":
        return _blank_zero(c)
    present = np.where(np.isnan(c), float(len(d.components)), c)
    need = d.required if d.required is not None else len(d.components)
    short = present < need
    full_list = len(d.components)
    base = need if baseline == "threshold" else full_list
    return np.where(short, base - present, 0.0).clip(min=0)


def _blank_zero(c: np.ndarray) -> np.ndarray:
    """`np.nan_to_num(c, nan=0.0)` without its fixed cost (a quarter of a rule's): blanks count 0."""
    n = np.where(np.isnan(c), 0.0, c)
    return np.nan_to_num(c, nan=0.0) if np.isinf(n).any() else n


def item_totals(items: np.ndarray) -> np.ndarray:
    """总分 of each teacher from the item scores (`items`: a row per item, a column per teacher), NaN where any
    item is NaN (待核实).

    Bit for bit what `DataFrame.sum(axis=1, min_count=<all items>)` gives on the teachers × items frame, without
    building one: from 6 teachers on, pandas reduces the frame's float block (items × teachers, C order) along
    axis 0 with the blanks set to 0, which is this numpy call; for fewer it takes another path, which is used
    as it is (the association of a float sum decides its last bits). `tests/test_item_totals.py` holds both to
    pandas."""
    if items.shape[1] < 6:
        frame = pd.DataFrame(dict(enumerate(items)))
        return frame.sum(axis=1, min_count=len(items)).to_numpy(dtype=float)
    blank = np.isnan(items)
    total = np.where(blank, 0.0, items).sum(axis=0)
    total[blank.any(axis=0)] = np.nan
    return total


def rule_points(d: Deduction, counts: np.ndarray, spec: Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points off, zero-out mask, effective count) of one rule for every teacher.

    Plain numpy arrays (one element per teacher, NaN = blank): a rubric has dozens of rules, and a pandas
    operation's fixed cost (tens of µs) times a few per rule was most of the engine's time."""
    late_policy = spec.policy("late_work", "deduct")
    c = np.asarray(counts, dtype=float)
    zero = np.zeros(len(c), dtype=bool)
    if d.kind == "per_missing":
        n = _missing_components(d, c, spec.policy("missing_components", "threshold") or "threshold")
        pts = n * d.points
    else:
        n = _blank_zero(c)
        if d.kind in ("zero", "not_counted") or (d.late and late_policy == "not_counted"):
            zero = n >= 1
            pts = np.zeros(len(c))
        elif d.kind == "once":
            pts = (n >= 1).astype(float) * d.points
        else:
            pts = n * d.points
    if d.cap is not None:
        pts = pts.clip(max=d.cap)
    return pts.round(ROUND), zero, n


def rule_text(d: Deduction, spec: Spec) -> str:
    """The document's words for a rule; for a rule a policy supplies, the policy's chosen option."""
    if d.quote:
        return d.quote
    policy = spec.policy_obj(d.policy) if d.policy else None
    return f"（文件未规定，按策略「{policy.title}」）{policy.options[policy.choice]}" if policy else ""


def score(spec: Spec, counts: pd.DataFrame, sources: dict[tuple[str, str], Source] | None = None,
          overrides: list[Override] | None = None, *, rejected: dict[tuple[str, str], Pending] | None = None,
          typed: pd.DataFrame | None = None, rules_pending: dict[str, str] | None = None) -> RubricOutcome:
    """Score every teacher (the rows of `counts`, columns named by each rule's event).

    `rejected` maps (teacher, event) — or (teacher, item name) for a typed score — to the rejected cell
    it depends on. `typed` holds item scores typed by the director (NaN = none typed). `rules_pending`
    (see `spec.pending`) names the items, 总分 or 等次 that an undecided rule touches, for every teacher:
    they are held 待核实 exactly as if a cell they depend on had been rejected.
    """
    rubric: Rubric = spec.rubric  # type: ignore[assignment]
    sources = sources if sources is not None else {}      # a Mapping with `get` (pipeline's is lazy)
    rejected = dict(rejected or {})
    teachers = counts.index
    rules_pending = rules_pending or {}
    for target, reason in rules_pending.items():
        if target in {i.name for i in rubric.items}:
            for t in teachers:
                rejected.setdefault((t, target), Pending(RULES_SHEET, "", reason))
    columns: dict[str, np.ndarray] = {}
    grids: list[ItemGrid] = []
    shown: dict[str, list[str]] = {}
    pending: dict[tuple[str, str], list[Pending]] = {}
    typed_at: set[tuple[str, str]] = set()
    excluded: set[tuple[str, str]] = set()
    leave_out = spec.policy("not_counted", "zero") == "exclude"
    late_dropped = spec.policy("late_work", "deduct") == "not_counted"
    item_over = {(o.teacher, o.target): o for o in overrides or [] if o.target != "等次"}
    tlist = teachers.tolist()
    pos = {t: i for i, t in enumerate(tlist)}
    at = {c: j for j, c in reversed(list(enumerate(counts.columns)))}     # first column of each name
    values = counts.to_numpy(dtype=float)
    # typed scores as one array (teacher rows of `typed`, which need not be those of `counts`)
    typed_values = typed.to_numpy(dtype=float) if typed is not None else None
    typed_rows = typed.index.tolist() if typed is not None else []
    typed_at_col = {c: j for j, c in reversed(list(enumerate(typed.columns)))} if typed is not None else {}
    for item in rubric.items:
        taken = np.zeros(len(tlist))
        zeroed = np.zeros(len(tlist), dtype=bool)
        dropped = np.zeros(len(tlist), dtype=bool)       # zeroed by a 不纳入考核 rule
        per_rule = []
        for d in item.deductions:
            col = values[:, at[d.event]] if d.event in at else np.full(len(tlist), np.nan)
            pts, zero, n = rule_points(d, col, spec)
            taken += pts
            zeroed |= zero
            if d.kind == "not_counted" or (d.late and late_dropped):
                dropped |= zero
            per_rule.append((d, pts, zero, n))
        computed = np.where(zeroed, 0.0, (item.full - taken).clip(min=0, max=item.full)).round(ROUND)
        given = {}
        if item.name in typed_at_col:
            col = typed_values[:, typed_at_col[item.name]]
            given = {typed_rows[i]: col[i] for i in np.flatnonzero(~np.isnan(col)).tolist()}
        keys = {item.name, *(d.event for d in item.deductions)}
        touched = set(given) | {t for t, k in rejected if k in keys}   # only these can differ from `computed`
        if leave_out:
            touched |= {tlist[i] for i in np.flatnonzero(dropped).tolist()}
        zero_of = zeroed.tolist() if touched else []       # by position in `tlist`
        for t in [t for t in tlist if t in touched] if touched else ():
            i = pos[t]
            if t in given:                                       # a valid typed score wins
                computed[i] = round(float(given[t]), ROUND)
                typed_at.add((t, item.name))
                continue
            why = [rejected[(t, item.name)]] if (t, item.name) in rejected else []
            if not zero_of[i]:    # a 不得分 that certainly applies decides the item whatever else was rejected
                why += [rejected[(t, d.event)] for d in item.deductions if (t, d.event) in rejected]
            if why:
                pending[(t, item.name)] = list(dict.fromkeys(why))   # one cell behind two rules: said once
                computed[i] = np.nan
            elif leave_out and dropped[i]:
                excluded.add((t, item.name))
                computed[i] = np.nan
        # 扣分明细: only teachers this item took something from (not typed, not 待核实)
        skip = np.zeros(len(tlist), dtype=bool)
        left_out = np.zeros(len(tlist), dtype=bool)
        for t in touched & pos.keys():
            skip[pos[t]] = (t, item.name) in typed_at or (t, item.name) in pending
            left_out[pos[t]] = (t, item.name) in excluded
        grids.append(ItemGrid(item, per_rule, (zeroed | (taken != 0)) & ~skip, zeroed, taken, left_out))
        for (t, target), o in item_over.items():
            if target == item.name and t in pos:
                was = PENDING if (t, item.name) in pending else f"{computed[pos[t]]:g}"
                shown.setdefault(t, []).append(f"{item.name}：计算 {was} → 调整为 {float(o.value):g}（{o.reason}）")
                computed[pos[t]] = float(o.value)
                pending.pop((t, item.name), None)
                excluded.discard((t, item.name))
        columns[item.name] = computed
    details = explain(grids, tlist, sources, lambda d: rule_text(d, spec))
    names = [i.name for i in rubric.items]
    summable = np.array([columns[n] for n in names]) if names else np.empty((0, len(tlist)))
    for t, name in excluded:
        summable[names.index(name), pos[t]] = 0.0    # left out of the total; a 待核实 item (NaN) still makes it 待核实
    total = item_totals(summable).round(ROUND) if names else np.zeros(len(tlist))
    held_items = {t for t, _ in pending}
    for t in tlist if "总分" in rules_pending else [t for t in tlist if t in held_items] if held_items else ():
        why = list(dict.fromkeys(p for i in names for p in pending.get((t, i), [])))
        if "总分" in rules_pending:
            why.append(Pending(RULES_SHEET, "", rules_pending["总分"]))
        if why:
            pending[(t, "总分")] = why
            total[pos[t]] = np.nan
    scores = pd.DataFrame(np.column_stack([*(columns[n] for n in names), total]), index=teachers,
                          columns=column_index((*names, "总分")))
    outcome = RubricOutcome(scores, details, overrides=shown, pending=pending, typed=typed_at, excluded=excluded)
    for t, name in excluded:
        outcome.full_of[t] = outcome.full_of.get(t, rubric.total) - rubric.item(name).full
    if rubric.bands:
        _bands(spec, outcome, overrides or [])
        if "等次" in rules_pending:
            _hold_bands(outcome, Pending(RULES_SHEET, "", rules_pending["等次"]), overrides or [])
        for (t, target), why in rejected.items():      # a 人工调整 of the 等次 that could not be adopted
            if target == "等次" and t in pos:
                outcome.scores.loc[t, "等次"] = None
                outcome.pending.setdefault((t, "等次"), []).append(why)
    return outcome


def _hold_bands(outcome: RubricOutcome, why: Pending, overrides: list[Override]) -> None:
    """The 等次 rules themselves are undecided: no teacher gets a computed 等次 (a 人工调整 still stands)."""
    scores, pending = outcome.scores, outcome.pending
    adjusted = {o.teacher for o in overrides if o.target == "等次"}
    for t in scores.index:
        if t not in adjusted:
            scores.loc[t, "等次"] = None
            pending.setdefault((t, "等次"), []).append(why)


def _bands(spec: Spec, outcome: RubricOutcome, overrides: list[Override]) -> None:
    """等次 for the teachers whose 总分 is known; the others follow the `pending_scores` policy."""
    scores, pending, shown = outcome.scores, outcome.pending, outcome.overrides
    held_set = {t for t, target in pending if target == "总分"}
    held = [t for t in scores.index.tolist() if t in held_set] if held_set else []
    known = scores["总分"].drop(index=held) if held else scores["总分"].copy()
    for t, full in outcome.full_of.items():       # items left out: the total is put back on the full scale
        if t in known.index and full > 0:
            known[t] = round(known[t] * spec.rubric.total / full, ROUND)
            shown.setdefault(t, []).append(f"等次：不纳入考核的项目不计，总分 {scores.loc[t, '总分']:g}/{full:g}分，"
                                           f"按比例折算为 {known[t]:g}/{spec.rubric.total:g}分后定等次")
    participants = len(known) if spec.policy("pending_scores", "hold") == "exclude" else len(scores)
    band_over = [o for o in overrides if o.target == "等次"]
    bands: BandOutcome = assign_bands(spec, known, band_over, participants=participants)
    if held:                  # the held teachers' rows are blank (NaN) until set below
        if bands.scaled is not None:
            scores[bands.scaled_name] = bands.scaled.reindex(scores.index)
        scores["等次"] = bands.band.reindex(scores.index).astype(object)
    else:                     # every teacher was banded, on the scores' own index (a Series keeps dtype object)
        if bands.scaled is not None:
            scores[bands.scaled_name] = bands.scaled
        scores["等次"] = bands.band
    outcome.notes = bands.notes
    outcome.band_column = "等次"
    outcome.band_changes = bands.changes
    for t, text in bands.shown.items():
        shown.setdefault(t, []).append(text)
    for t in held:
        scores.loc[t, "等次"] = None
        pending[(t, "等次")] = list(pending[(t, "总分")])
    for o in band_over:
        if o.teacher in held:
            shown.setdefault(o.teacher, []).append(f"等次：计算为{PENDING} → 调整为{o.value}（{o.reason}）")
            scores.loc[o.teacher, "等次"] = o.value
            outcome.band_changes.setdefault(o.teacher, []).append(BandChange("人工调整", PENDING, o.value, o.reason))
            pending.pop((o.teacher, "等次"), None)


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
