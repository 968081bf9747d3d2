"""Where each teacher stands in the 学时 cycle, per 学年: the year's verdict and shortfall, the cumulative 学时,
the cycle's state and each reference target's state (国家五年360) — the decisions 学时汇总 shows, made here
so that no renderer subtracts 学时 or decides what a shortfall means.

A cycle or reference shortfall means something only once the cycle's last 学年 is reached: before that the
state is 进行中; a total a 待核实 row could still change reads 待核实 (or 进行中 and 待核实 together).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlrubric.engine.hours import HoursOutcome, year_label
from xlrubric.engine.pending import MET, NOT_MET, PENDING, pending_mask
from xlrubric.engine.verdicts import YearLine
from xlrubric.spec.hours import HoursSpec

ONGOING, ONGOING_PENDING = "进行中", "进行中（待核实）"
REACHED, NOT_REACHED = "已达到", "未达到"


def progress(o: HoursOutcome, spec: HoursSpec) -> pd.DataFrame:
    """Per (teacher, 学年): whether the year's primary targets are met and by how much it falls short, the
    cumulative 学时, the cycle's verdict and shortfall, and each reference target's shortfall — the
    decisions 学时汇总 shows, made here so that no renderer subtracts 学时.

    Columns: year_ok, year_gap, cum, cycle_ok, cycle_gap, last (the latest 学年 on record), done (the
    cycle's last year reached), and ref_ok:<id> / ref_gap:<id> per reference (non-primary) cycle target.
    """
    by = o.by_year
    year = by.index.get_level_values("year")
    total = by["合计"]
    prim_year = [t for t in spec.targets if t.per == "学年" and t.primary]
    out = pd.DataFrame(index=by.index)
    out["year_ok"] = (o.year_met[[t.id for t in prim_year]].all(axis=1) if prim_year
                      else pd.Series(True, index=by.index))
    plain = [t for t in prim_year if not t.categories and t.hours]
    out["year_gap"] = ((plain[0].hours - total) if plain else pd.Series(0.0, index=by.index)).clip(lower=0.0)
    cum = total.groupby(level="teacher").cumsum()
    out["cum"] = cum
    prim_cycle = [t for t in spec.targets if t.per == "周期" and t.primary]
    ok = pd.Series(True, index=by.index)
    for t in prim_cycle:
        ok &= cum >= t.hours - 1e-9
    out["cycle_ok"] = ok
    out["cycle_gap"] = ((prim_cycle[0].hours - cum) if prim_cycle else pd.Series(0.0, index=by.index)).clip(lower=0.0)
    out["last"] = year == (max(year) if len(year) else 0)
    out["done"] = ((year >= spec.cycle.start_year + spec.cycle.years - 1) if spec.cycle
                   else np.ones(len(year), bool))
    for t in spec.targets:
        if t.per == "周期" and not t.primary:
            out[f"ref_ok:{t.id}"] = cum >= t.hours - 1e-9
            out[f"ref_gap:{t.id}"] = (t.hours - cum).clip(lower=0.0)
    return out


def cycle_states(o: HoursOutcome, spec: HoursSpec, pr: pd.DataFrame) -> pd.DataFrame:
    """Per (teacher, 学年): `cum_unsure` (a 待核实 row up to this year could change the cumulative total),
    `cycle` (达标 / 未达标 / 待核实 / 进行中 / 进行中（待核实）) and `ref:<id>` per reference target
    (已达到 / 未达到 / 待核实 / 进行中 / 进行中（待核实）)."""
    by = o.by_year
    unsure = pending_mask(by.index, o.pending)
    cum_unsure = unsure.astype(int).groupby(level="teacher").cummax().astype(bool).to_numpy()
    ended = (pr["last"] & pr["done"]).to_numpy()
    ongoing = np.where(cum_unsure, ONGOING_PENDING, ONGOING)
    out = pd.DataFrame(index=by.index)
    out["cum_unsure"] = cum_unsure
    out["cycle"] = np.where(pr["cycle_ok"], MET, np.where(ended, np.where(cum_unsure, PENDING, NOT_MET), ongoing))
    for t in spec.targets:
        if t.per == "周期" and not t.primary:
            out[f"ref:{t.id}"] = np.where(pr[f"ref_ok:{t.id}"], REACHED,
                                          np.where(ended, np.where(cum_unsure, PENDING, NOT_REACHED), ongoing))
    return out


def year_lines(o: HoursOutcome, spec: HoursSpec, pr: pd.DataFrame | None = None,
               cs: pd.DataFrame | None = None) -> dict[str, list[YearLine]]:
    """Per teacher, each 学年 as a `YearLine` (the archive and any other renderer print these); a teacher
    whose only rows have no readable date gets one line with everything 待核实. `pr` and `cs` are `progress`
    and `cycle_states` of the same outcome when the caller has them already (学时汇总 prints them too)."""
    pr = progress(o, spec) if pr is None else pr
    cs = cycle_states(o, spec, pr) if cs is None else cs
    by = o.by_year
    unsure = pending_mask(by.index, o.pending).to_numpy()
    year_state = o.year_state.reindex(by.index)
    has_year = any(t.per == "学年" and t.primary for t in spec.targets)
    has_cycle = any(t.per == "周期" and t.primary for t in spec.targets)
    out: dict[str, list[YearLine]] = {}
    # Each column taken out once as a list: a column lookup per teacher-year copies the MultiIndex
    # (measured: 5,000 lookups were 60% of a 300-teacher, 3,000-row 学时 compute).
    total, manual = by["合计"].tolist(), by["人工认定"].tolist()
    state = year_state.tolist()
    gap, cum, cycle_gap, last = (pr[c].tolist() for c in ("year_gap", "cum", "cycle_gap", "last"))
    cum_unsure, cycle = cs["cum_unsure"].tolist(), cs["cycle"].tolist()
    for n, (teacher, year) in enumerate(by.index):
        out.setdefault(teacher, []).append(YearLine(
            year_label(int(year)), None if unsure[n] else float(total[n]),
            None if unsure[n] else float(manual[n]), str(state[n]) if has_year else None,
            float(gap[n]), None if cum_unsure[n] else float(cum[n]),
            str(cycle[n]) if has_cycle else None, float(cycle_gap[n]), bool(last[n])))
    for teacher in dict.fromkeys(t for (t, y) in o.pending if y == -1):
        if teacher not in out:
            out[teacher] = [YearLine("（日期待核实）", None, None, PENDING if has_year else None, 0.0, None,
                                     PENDING if has_cycle else None, 0.0, True)]
    return out
