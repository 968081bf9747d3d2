"""The 达标 grid (`engine.requirements._per_period`) against a plain per-teacher, per-period reference.

The engine fills a teacher × period grid on whole columns and adds amounts with `np.add.at` when every sum is
exact, falling back to pandas' compensated groupby sums otherwise. The reference here walks the register row by
row for each teacher and period, adds the amounts with pandas' groupby (the sums the sheet has always shown),
and writes each missing period the way a director reads it. Both must agree to the last bit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlrubric.engine.requirements import evaluate, periods
from xlrubric.spec.requirements import Requirement

START, END = dt.date(2025, 9, 1), dt.date(2026, 1, 31)
TEACHERS = ["T1", "T2", "T3", "T4"]
AMOUNTS = [1.0, 2.0, 0.5, 3.0, float("nan"), 0.1, 0.7, 1e-3, 12.0]

rows = st.lists(st.tuples(st.sampled_from([*TEACHERS, "T9"]),          # T9: not in the roster
                          st.integers(0, (END - START).days + 20),       # some rows after the period
                          st.sampled_from(["听课", "反思", "其他"]),
                          st.sampled_from(AMOUNTS)), max_size=60)


def reference(reg: pd.DataFrame, q: Requirement) -> dict[str, tuple[float, float, list[str]]]:
    """(done, actual, missing) per teacher, row by row."""
    due = periods(q.per, START, END)
    what = "、".join(q.categories)
    out = {}
    for t in TEACHERS:
        got = []
        for p in due:
            mine = reg[(reg["teacher"] == t) & reg["category"].isin(q.categories)
                       & (reg["date"] >= pd.Timestamp(p.start)) & (reg["date"] <= pd.Timestamp(p.end))]
            if q.quantity == "数量":
                amounts = mine["quantity"].fillna(1.0)
                got.append(float(pd.DataFrame({"k": 0, "n": amounts}).groupby("k")["n"].sum().sum())
                           if len(mine) else 0.0)
            else:
                got.append(float(len(mine)))
        missing = []
        for p, n in zip(due, got, strict=True):
            if n < q.count - 1e-9:
                missing.append(f"{p.label} 缺{what}" + ("" if q.count == 1 else f"（0/{q.count:g}）") if n == 0
                               else f"{p.label} {what}{n:g}/{q.count:g}")
        out[t] = (float(np.minimum(np.array(got), q.count).sum()), float(np.array(got).sum()), missing)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.sampled_from(["week", "month", "semester"]), st.sampled_from(["rows", "数量"]),
       st.sampled_from([1, 2, 1.5]))
def test_grid_matches_row_by_row_reference(data, per, quantity, count):
    reg = pd.DataFrame({"teacher": [r[0] for r in data],
                        "date": pd.to_datetime([START + dt.timedelta(days=r[1]) for r in data]),
                        "category": [r[2] for r in data], "role": "", "quantity": [r[3] for r in data]},
                       columns=["teacher", "date", "category", "role", "quantity"])
    roster = pd.DataFrame({"groups": [set() for _ in TEACHERS]}, index=pd.Index(TEACHERS))
    q = Requirement(id="q", name="听课反思", categories=["听课", "反思"], count=count, per=per, quantity=quantity)
    table = evaluate(reg, roster, [q], START, END).table.set_index("subject")
    want = reference(reg, q)
    for t in TEACHERS:
        r = table.loc[t]
        done, actual, missing = want[t]
        assert bool(r["bound"])
        assert (r["done"], r["actual"], list(r["missing"])) == (done, actual, missing), t
        assert bool(r["met"]) == (not missing)


def test_exact_amounts_take_the_grid_and_rounding_ones_the_groupby():
    """0.1, 0.2 and 0.5 do not add exactly: the sum kept is pandas' compensated groupby sum, as before the grid
    (0.7999999999999999, where numpy's pairwise Series.sum says 0.8); it prints as 0.8 either way."""
    reg = pd.DataFrame({"teacher": ["T1"] * 3, "date": pd.to_datetime([START] * 3), "category": ["听课"] * 3,
                        "role": "", "quantity": [0.1, 0.2, 0.5]})
    roster = pd.DataFrame({"groups": [set()]}, index=pd.Index(["T1"]))
    q = Requirement(id="q", name="听课", categories=["听课"], count=1, per="month", quantity="数量")
    row = evaluate(reg, roster, [q], START, END).table.set_index("subject").loc["T1"]
    # 0.1 + 0.2 + 0.5 = 0.8 in the first month (compensated), nothing in the other four months (9月–1月)
    compensated = pd.DataFrame({"k": 0, "n": [0.1, 0.2, 0.5]}).groupby("k")["n"].sum().iloc[0]
    assert row["actual"] == compensated
    assert row["missing"][0] == "2025年9月 听课0.8/1"
    assert len(row["missing"]) == 5
