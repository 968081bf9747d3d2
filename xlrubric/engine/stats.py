"""Per-school figures every output shows (the compute summary, the JSON report, 县汇总, the mail body):
made once here from the final scores, so no renderer computes a mean or checks a quota itself."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from xlrubric.engine.bands import quota_ok
from xlrubric.engine.pending import MET, PENDING
from xlrubric.spec.model import Rubric, Spec

if TYPE_CHECKING:
    from xlrubric.engine.rubric import RubricOutcome


def rubric_stats(rubric: Rubric, scores: pd.DataFrame, band_column: str | None,
                 held: Sequence[str] = (), band_pending: int = 0) -> dict[str, Any]:
    """Teachers, the full marks the totals are on, mean/max/median/min/stdev of 总分, 等次 counts and
    whether every quota holds (after quota, limits and 人工调整: the 等次 as finally shown).

    `held` teachers have a 待核实 总分: they are counted (`pending`), never averaged; `band_pending`
    teachers have a 待核实 等次 and are counted under 待核实 beside the bands."""
    # plain lists from whole columns: a pandas drop / value_counts cost more than counting a few hundred values
    left_out = set(held)
    totals = [float(x) for t, x in zip(scores.index.tolist(), scores["总分"].tolist(), strict=True)
              if t not in left_out] if left_out else list(map(float, scores["总分"].tolist()))
    n = len(totals)
    band = scores[band_column].tolist() if band_column else None
    counts = Counter(band) if band is not None else {}
    bands = {b.name: int(counts.get(b.name, 0)) for b in rubric.bands}
    if band is not None and band_pending:
        bands[PENDING] = band_pending
    return {
        "teachers": len(scores), "full_marks": rubric.total, "totals": totals, "pending": len(held),
        "mean_total": round(statistics.fmean(totals), 2) if n else None,
        "max_total": max(totals) if n else None,
        "median_total": statistics.median(totals) if n else None,
        "min_total": min(totals) if n else None,
        "stdev_total": round(statistics.pstdev(totals), 4) if n else None,
        "bands": bands,
        "quota_ok": quota_ok(band, rubric.bands) if band is not None else None,
    }


def outcome_stats(rubric: Rubric, outcome: RubricOutcome) -> dict[str, Any]:
    """`rubric_stats` of the final outcome: teachers with a 待核实 总分 are held out of the mean, teachers
    with a 待核实 等次 are counted under 待核实 beside the bands (no renderer counts either) — also when
    only the 等次 rules are undecided and every 总分 is known, so the band counts still add up to the
    teachers."""
    return rubric_stats(rubric, outcome.scores, outcome.band_column, outcome.pending_teachers(),
                        len(outcome.band_pending_teachers()))


def met_assessed(spec: Spec) -> bool:
    """Whether the rules judge 达标 at all (a 学时 target or a 达标要求): a school whose rules have neither
    has no 达标率 by design, which 县汇总 must tell apart from a rate it could not compute."""
    return spec.hours is not None or bool(spec.requirements)


def share_met(met: pd.Series) -> tuple[int, float | None]:
    """How many of these teachers (or obligations) are met, and the share (None when there are none)."""
    return int(met.sum()), (round(float(met.mean()), 4) if len(met) else None)


def hours_figures(rows: pd.DataFrame, met: pd.Series, blocked: pd.Series, state: pd.Series) -> dict[str, Any]:
    """The school's 学时 figures: teachers, how many meet their 学时, how many are 待核实 (`state`, per
    teacher, is 待核实), 学时 recognised in all, rows that earned nothing (by the rules, or `blocked` — the
    register's reason column, non-empty — by a rejected cell), and the share met (teachers only; none while
    some teacher is 待核实: batch and mail then say 待核实)."""
    pending = int((state == PENDING).sum())
    count, rate = share_met(met)
    out: dict[str, Any] = {"hours_teachers": len(met), "hours_met": count, "hours_pending": pending,
                           "hours_total": round(float(rows["counted"].sum()), 2),
                           "hours_invalid_rows": int((~rows["valid"]).sum()) + int((blocked != "").sum())}
    if len(met) and not pending:   # no teachers, no rate: the key is absent rather than None
        out["hours_met_rate"] = rate
    return out


def requirement_figures(table: pd.DataFrame, requirements: Sequence) -> dict[str, dict[str, Any]]:
    """Per obligation: teachers it binds with a known verdict, how many meet it, the share, and how many
    wait on a rejected cell (`pending`, only when some do). `table` is `evaluate(...).table`.

    The table's columns are taken as arrays once: a pandas filter per obligation cost more than the counting."""
    n = len(table)
    req = table["requirement"].to_numpy(dtype=object) if n else np.array([], dtype=object)
    waiting = (table["pending"] != "").to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    decided = table["bound"].to_numpy(dtype=bool) & ~waiting if n else waiting
    met_col = table["met"].to_numpy(dtype=object) if n else req
    out: dict[str, dict[str, Any]] = {}
    for q in requirements:
        mine = req == q.id
        met = met_col[mine & decided].astype(bool)
        waits = int((mine & waiting).sum())
        count, rate = (int(met.sum()), round(float(met.mean()), 4)) if len(met) else (0, None)
        out[q.id] = {"name": q.name, "bound": len(met), "met": count, "rate": rate}
        if waits:
            out[q.id]["pending"] = waits
    return out


def verdict_figures(verdicts: dict, duties: pd.Series) -> dict[str, Any]:
    """The school's 达标 figures over 学时 and every obligation (`verdicts`: teacher -> engine.verdicts.Verdict;
    `duties`: teacher -> the obligations' verdict): teachers met, teachers 待核实, and the rates — none while
    some teacher is 待核实 (batch and mail then say 待核实)."""
    overall = pd.Series({t: v.overall for t, v in verdicts.items()}, dtype=object)
    waiting = int((overall == PENDING).sum())
    out: dict[str, Any] = {"hours_pending": waiting, "hours_met": int((overall == MET).sum())}
    if len(overall) and not waiting:
        out.update({"requirements_met_rate": share_met(duties == MET)[1],
                    "hours_met_rate": share_met(overall == MET)[1]})
    return out
