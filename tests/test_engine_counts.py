"""Verify the last counts that used to be made after the engine (issue 13) are the engine's: the 待核实 等次
teachers beside the band counts, the duties met in the archive's overview, and whether a school's rules
judge 达标 at all (县汇总's 不考核 marker, with a key under the table)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from test_batch_summary import _entry

from xlrubric.batch.manifest import Manifest
from xlrubric.batch.summary import write_county_summary
from xlrubric.engine.rubric import score
from xlrubric.engine.stats import met_assessed, outcome_stats
from xlrubric.engine.verdicts import Duty, DutyTally, duty_tally
from xlrubric.spec.load import load_preset


def test_duty_tally_counts_only_the_duties_that_apply():
    """By hand: five lines — 达标, 未达标, 待核实, 不适用, 达标. 不适用 is left out: 4 apply, 2 met, and the
    two others (the 未达标 one and the 待核实 one) are named in order."""
    lines = [Duty("听课", "达标"), Duty("反思", "未达标"), Duty("论文", "待核实"), Duty("读书", "不适用"),
             Duty("随笔", "达标")]
    assert duty_tally(lines) == DutyTally(4, 2, ("反思", "论文"))
    assert duty_tally([Duty("读书", "不适用")]) == DutyTally(0, 0, ())


def test_band_pending_teachers_are_counted_even_when_every_total_is_known():
    """lanxi4 (total 50; 参与情况 5 points, "每少参加一次研修活动扣1分"), with only the 等次 rules undecided.

    By hand: teacher a has no events → 50; b was absent twice → 参与情况 5 − 2 = 3 → 总分 48. Both totals are
    known, so both are averaged: mean (50 + 48) / 2 = 49, max 50, min 48, nobody held. Neither has a 等次
    (the 等次 rules are undecided): 0 in every band and 待核实 2, so the band counts add up to the 2 teachers."""
    spec = load_preset("lanxi4")
    events = [d.event for _, d in spec.rubric.deductions]
    counts = pd.DataFrame([{e: np.nan for e in events}, {e: np.nan for e in events} | {"缺席研修活动次数": 2}],
                          index=["a", "b"])
    outcome = score(spec, counts, rules_pending={"等次": "等次的分数线尚未确定"})
    assert outcome.band_pending_teachers() == ["a", "b"] and outcome.pending_teachers() == []
    got = outcome_stats(spec.rubric, outcome)
    figures = (got["teachers"], got["pending"], got["mean_total"], got["max_total"], got["min_total"])
    assert figures == (2, 0, 49, 50, 48)
    assert got["bands"] == {"优秀": 0, "良好": 0, "一般": 0, "待核实": 2}
    assert sum(got["bands"].values()) == got["teachers"]


def test_met_assessed_follows_the_rules():
    """xinghuo scores only (no 学时, no 达标要求); lanxi4 has 达标要求 (听课/反思); tisheng2 has 学时 targets."""
    assert met_assessed(load_preset("xinghuo")) is False
    assert met_assessed(load_preset("lanxi4")) is True
    assert met_assessed(load_preset("tisheng2")) is True


def _rows(path: Path) -> tuple[list[str], list[list], list[str]]:
    ws = openpyxl.load_workbook(path)["学校汇总"]
    head = [c.value for c in ws[1]]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    table = [r for r in body if r[0] is not None]
    key = [r[1] for r in body if r[0] is None and r[1]]
    return head, table, key


def test_county_summary_says_why_a_rate_or_band_is_missing(tmp_path: Path):
    """Three schools: 甲 has a 达标率 of 50 %; 乙's rules judge no 达标 (met_assessed False) → 不考核, not a
    blank; 丙 could not be read → blank. 乙's rules have no 良好: its 良好 column says —. Under the table, one
    key line per marker used: —, 不考核 and the blank (no school is 不打分, so that line is absent)."""
    m = Manifest(tmp_path)
    m.record(_entry("乡1/甲.xlsx", "甲", hours_met_rate=0.5, met_assessed=True))
    m.record(_entry("乡2/乙.xlsx", "乙", bands={"优秀": 3}, met_assessed=False))
    m.record(_entry("乡3/丙.xls", "丙", status="unreadable"))
    m.entries["乡3/丙.xls"].summary = {}
    head, table, key = _rows(write_county_summary(tmp_path, m))
    rows = {r[1]: dict(zip(head, r, strict=True)) for r in table}
    assert rows["甲"]["学时达标率"] == 0.5 and rows["甲"]["良好（人）"] == 2
    assert rows["乙"]["学时达标率"] == "不考核" and rows["乙"]["良好（人）"] == "—"
    assert rows["丙"]["学时达标率"] is None and rows["丙"]["良好（人）"] is None
    assert len(key) == 3 and key[0].startswith("注：「—」")
    assert "「不考核」：该校细则没有学时或达标要求" in key[1] and key[2].startswith("空白：文件无法读取")


def test_a_summary_without_markers_has_no_key(tmp_path: Path):
    """Every school read, on one scale, with the same bands and a rate: nothing to explain, no key lines."""
    m = Manifest(tmp_path)
    for n in range(2):
        m.record(_entry(f"乡{n}/校{n}.xlsx", f"校{n}", hours_met_rate=0.25, met_assessed=True))
    _, table, key = _rows(write_county_summary(tmp_path, m))
    assert len(table) == 2 and key == []
