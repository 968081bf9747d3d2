"""Band checks of `xlrubric lint`: scales, gaps, overlaps and unreachable bands, over reachable scores.

A gap only matters if some total can fall in it, so the reachable totals are enumerated on the rubric's
own step (the gcd of every full mark and deduction) under each reading the policies allow (scaled to the
bands' scale, or raw). Registered into `lint.CHECKS` when `lint` imports this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from xlrubric.spec.lint import MAX_STEPS, Context, Finding, fr, n, rubric_check
from xlrubric.spec.model import Band, Rubric


def score_step(r: Rubric) -> Fraction:
    """The finest unit a total can move by: gcd of every full mark, deduction and cap."""
    values = [fr(i.full) for i in r.items]
    values += [fr(v) for _, d in r.deductions for v in (d.points, d.cap) if v]
    g = Fraction(0)
    for v in values:
        g = Fraction(math.gcd(g.numerator * v.denominator, v.numerator * g.denominator),
                     g.denominator * v.denominator)
    return g or Fraction(1)


@dataclass
class Reading:
    """One way to put a total on the bands' scale: as is, or scaled to `band_scale`."""

    label: str                       # message prefix, "" when there is only one reading
    factor: Fraction
    primary: bool                    # the spec chose it (every reading is primary when none is chosen)
    values: list[tuple[Fraction, Fraction]] = field(default_factory=list)   # (total, band-scale score)


def readings(ctx: Context, r: Rubric) -> list[Reading]:
    """The readings of the band scale, chosen first; totals are the step's multiples from 0 to the top.

    Built once per lint run (three checks walk them; lanxi4 has 1,000 totals on a 0.05 step)."""
    if "readings" not in ctx.memo:
        ctx.memo["readings"] = _readings(ctx, r)
    return ctx.memo["readings"]


def _readings(ctx: Context, r: Rubric) -> list[Reading]:
    if not r.bands:
        return []
    step = score_step(r)
    count = int(sum(fr(i.full) for i in r.items) / step)
    if count > MAX_STEPS:
        return []
    totals = [step * k for k in range(count + 1)]
    if r.band_scale is None or fr(r.band_scale) == fr(r.total):
        out = [Reading("", Fraction(1), True)]
    else:
        chosen = ctx.choice("band_scale")
        free = chosen not in ("scale", "raw")
        out = sorted([Reading(f"按比例折算为{n(r.band_scale)}分制时", fr(r.band_scale) / fr(r.total),
                              free or chosen == "scale"),
                      Reading(f"按{n(r.total)}分制时", Fraction(1), free or chosen == "raw")],
                     key=lambda x: not x.primary)
    for x in out:
        x.values = [(t, t * x.factor) for t in totals]
    return out


Edge = tuple[Fraction | None, Fraction | None]


def edges(r: Rubric) -> list[Edge]:
    """Each band's (min, max) as exact fractions, converted once rather than once per score compared."""
    return [(None if b.min is None else fr(b.min), None if b.max is None else fr(b.max)) for b in r.bands]


def _in(edge: Edge, v: Fraction) -> bool:
    lo, hi = edge
    return (lo is None or v >= lo) and (hi is None or v <= hi)


def band_range(b: Band) -> str:
    if b.min is not None and b.max is not None:
        return f"{n(b.min)}–{n(b.max)} 分"
    if b.max is not None:
        return f"{n(b.max)} 分及以下"
    return f"{n(b.min)} 分及以上" if b.min is not None else "任意分数"


def _say(x: Reading, vals: list[tuple[Fraction, Fraction]], *, span: bool) -> str:
    """The scores of a run as the director reads them: one example, or first–last; totals when scaled."""
    (t0, s0), (t1, s1) = vals[0], vals[-1]
    if not span or len(vals) == 1:
        return f"{n(s0)} 分" if x.factor == 1 else f"总分 {n(t0)} 分，折算为 {n(s0)} 分"
    if x.factor == 1:
        return f"{n(s0)}–{n(s1)} 分"
    return f"折算后 {n(s0)}–{n(s1)} 分（总分 {n(t0)}–{n(t1)} 分）"


@rubric_check
def band_scale(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Bands written on another scale than the items' total cannot be applied without a choice."""
    if r.bands and r.band_scale is not None and r.band_scale != r.total:
        top, b = sum(i.full for i in r.items), r.bands[0]
        yield ctx.finding("矛盾", "等次分制", f"各项目合计 {n(top)} 分，等次分值却写在 {n(r.band_scale)} "
                          f"分制上（如{b.name} {band_range(b)}）", quotes=[x.quote for x in r.bands],
                          ids=("band_scale",))


Key = tuple[Fraction | None, Fraction | None]
Run = list[tuple[Fraction, Fraction]]


def _classify(ctx: Context, r: Rubric, x: Reading) -> tuple[dict[Key, Run], dict[tuple[int, int], Run]]:
    """Scores in no band, keyed by the band edges around them; scores in two bands, keyed by the bands.

    Once per reading and lint run: band_gaps and band_overlaps both need it."""
    key = ("classify", x.label)
    if key in ctx.memo:
        return ctx.memo[key]
    bounds = edges(r)
    runs: dict[Key, Run] = {}
    pairs: dict[tuple[int, int], Run] = {}
    for total, score in x.values:
        inside = [j for j, e in enumerate(bounds) if _in(e, score)]
        if not inside:
            lo = max((top for _, top in bounds if top is not None and top < score), default=None)
            hi = min((bottom for bottom, _ in bounds if bottom is not None and bottom > score), default=None)
            runs.setdefault((lo, hi), []).append((total, score))
        elif len(inside) > 1:
            pairs.setdefault((inside[0], inside[1]), []).append((total, score))
    ctx.memo[key] = runs, pairs
    return runs, pairs


@rubric_check
def band_gaps(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Scores a teacher can get that fall in no band — under every reading of the band scale."""
    texts: dict[Key, list[str]] = {}
    tops: dict[Key, Fraction] = {}
    for x in readings(ctx, r):
        for (lo, hi), vals in _classify(ctx, r, x)[0].items():
            tops[lo, hi] = max(tops.get((lo, hi), vals[-1][1]), vals[-1][1])
            text = (f"{n(lo)} 与 {n(hi)} 之间（如 {_say(x, vals, span=False)}）" if None not in (lo, hi)
                    else _say(x, vals, span=True))
            texts.setdefault((lo, hi), []).append(f"{x.label} {text}不属于任何等次".lstrip())
    for (lo, hi), lines in texts.items():
        where = (f"等次 ({n(lo)}, {n(hi)})" if lo is not None and hi is not None
                 else f"等次 ({n(lo)}, {n(tops[lo, hi])}]" if lo is not None else f"等次 [0, {n(hi)})")
        yield ctx.finding("空档", where, "；".join(lines), quotes=[b.quote for b in r.bands],
                          ids=("band_gaps",))


@rubric_check
def band_overlaps(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Scores a teacher can get that fall in two bands."""
    texts: dict[tuple[int, int], list[str]] = {}
    for x in readings(ctx, r):
        for (i, j), vals in _classify(ctx, r, x)[1].items():
            a, b = r.bands[i], r.bands[j]
            texts.setdefault((i, j), []).append(
                f"{x.label} {a.name}（{band_range(a)}）与{b.name}（{band_range(b)}）在 "
                f"{_say(x, vals, span=True)}重叠（如 {_say(x, vals, span=False)}），"
                "同一总分属于两个等次".lstrip())
    for (i, j), lines in texts.items():
        a, b = r.bands[i], r.bands[j]
        yield ctx.finding("重叠", f"等次「{a.name}」与「{b.name}」", "；".join(lines),
                          quotes=[a.quote, b.quote], ids=("band_overlaps",))


@rubric_check
def band_unreachable(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Bands no score can reach under the chosen reading (a threshold above the top, or between steps)."""
    primary = [x for x in readings(ctx, r) if x.primary]
    for b, edge in zip(r.bands, edges(r), strict=True) if primary else ():
        if not any(_in(edge, score) for x in primary for _, score in x.values):
            x = primary[0]
            top, unit = x.values[-1][1], score_step(r) * x.factor
            yield ctx.finding("不可达", f"等次「{b.name}」",
                              f"{x.label} 没有任何可能的总分落在「{b.name}」（{band_range(b)}）：".lstrip()
                              + f"可得分数在 0–{n(top)} 分之间，以 {n(unit)} 分为单位",
                              quotes=[b.quote], ids=("band_unreachable",))


@rubric_check
def band_quotas(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """A quota needs a rounding rule and a tie rule, which documents rarely give."""
    for b in r.bands:
        if b.quota is not None:
            yield ctx.finding("歧义", f"等次「{b.name}」",
                              f"「{b.name}」不超过参训教师总数的 {b.quota:.0%}："
                              "名额怎样取整、名额线上同分时怎么办，原文没有规定",
                              quotes=[b.quote], ids=("quota_ties",))


@rubric_check
def bands_defined(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Without bands there is no 等次 to report; say so rather than leave the column empty silently."""
    if not r.bands:
        yield ctx.finding("未规定", "等次", f"考核细则只有 {n(r.total)} 分的评分，没有规定等次",
                          quotes=[r.quote], ids=("bands",))


