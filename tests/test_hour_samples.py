"""Verify samples/<preset>.xlsx for baiwanzi, weicun and tisheng2: they regenerate identically, and computing
them gives exactly the totals, 达标 and grades their generator worked out from the rules (<preset>_expected.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
sys.path.insert(0, str(SAMPLES))
import hour_samples  # noqa: E402
from hours_books import compute, table  # noqa: E402


@pytest.mark.parametrize("preset", sorted(hour_samples.SAMPLES))
def test_sample(preset: str):
    data, expected = hour_samples.SAMPLES[preset]()
    path = SAMPLES / f"{preset}.xlsx"
    assert hour_samples.parts(data) == hour_samples.parts(path.read_bytes()), "run: python samples/hour_samples.py"
    assert json.loads((SAMPLES / f"{preset}_expected.json").read_text(encoding="utf-8")) == expected
    results = compute(path, preset)
    if expected["hours_met_rate"] is None:      # some teacher is 待核实: no rate, the count says so
        assert "hours_met_rate" not in results.summary and results.summary["hours_pending"] >= 1
    else:
        assert results.summary["hours_met_rate"] == pytest.approx(expected["hours_met_rate"], abs=1e-4)
    if "teachers" in expected:
        summary = {(r["工号"], r["学年"]): r for r in table(results, "学时汇总")}
        for t, years in expected["teachers"].items():
            for y, total in years.items():
                assert summary[(t, y)]["学年合计"] == (total if total == "待核实" else pytest.approx(total)), (t, y)
        for t, years in expected.get("confirmed", {}).items():
            for y, total in years.items():
                assert summary[(t, y)]["已确认学时"] == pytest.approx(total), (t, y)
        counts = {s: sum(1 for p in results.problems if p.severity == s and p.sheet == "学时登记")
                  for s in ("警告", "错误")}
        assert counts == expected["problem_cells"]
    if "grades" in expected:
        got = {r["工号"]: [r["项目考核等次"], r["年终考核加分"], r["校本研修学分"]] for r in table(results, "项目考核")}
        assert got == expected["grades"]
    if preset == "baiwanzi":
        col = "学时总体达标（每人末行）"
        met = {r["工号"]: {"达标": True, "未达标": False}.get(r[col]) for r in table(results, "学时汇总") if r[col]}
    elif preset == "tisheng2":
        met = {r["工号"]: r["学时与要求"] == "达标" for r in table(results, "项目考核")}
    else:
        met = {}
        for r in table(results, "达标情况"):
            if r["工号"]:
                met[r["工号"]] = met.get(r["工号"], True) and r["达标"] in ("达标", "不适用")
    assert met == expected["met"]
