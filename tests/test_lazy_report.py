"""Verify what issue 16 made lazy or remembered changes no result: the JSON report is laid out only when read
(and a `Results` still pickles, for batch workers), 等次 worked out once per distinct score equal the rule
applied to each score, and the 考核记录 cells of counts are addressed on demand exactly as before."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from xlrubric.engine.bands import _bands_of, band_for
from xlrubric.pipeline import compute_book, resolve_spec
from xlrubric.pipeline.rubric import RecordSources
from xlrubric.readers.workbook import open_workbook
from xlrubric.results import Deferred
from xlrubric.spec.model import Band

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _lanxi4():
    book = open_workbook(SAMPLES / "lanxi4.xlsx")
    spec, source = resolve_spec(book)
    return compute_book(book, spec, source)


def test_report_is_laid_out_only_when_read_and_then_kept():
    """Verify: after a computation the per-teacher, problem and verdict entries are still `Deferred` (nobody
    asked); the first read lays every one out as plain JSON data, and later reads give the same dict."""
    results = _lanxi4()
    body = results.report_body
    assert {k for k, v in body.items() if isinstance(v, Deferred)} >= {"teachers", "problems", "verdicts"}
    report = results.report
    assert not any(isinstance(v, Deferred) for v in report.values())
    assert results.report is report
    # lanxi4 has 60 teachers in 考核记录 (samples/make_samples.py) and lists every problem it found
    assert len(report["teachers"]) == 60 == results.summary["teachers"]
    assert len(report["problems"]) == len(results.problems)
    json.dumps(report, ensure_ascii=False, default=str)


def test_results_pickle_with_the_report_unread():
    """Verify: a batch worker can send `Results` back before anyone reads the report; the copy's report is
    the original's."""
    results = _lanxi4()
    copy = pickle.loads(pickle.dumps(results))
    assert copy.report == results.report


bands_st = st.lists(st.tuples(st.sampled_from([None, 0.0, 60.0, 75.0, 90.0]), st.sampled_from([None, 59.0, 74.5,
                                                                                                   89.0, 100.0])),
                    min_size=1, max_size=4)


@given(bands_st, st.lists(st.floats(min_value=-5, max_value=105, allow_nan=False), max_size=40),
       st.sampled_from(["lower_bound", "gap"]))
def test_bands_once_per_distinct_score_equal_the_rule_per_score(limits, scores, gap_policy):
    """Verify `_bands_of` (one lookup per distinct score) gives `band_for` of every score, for any bands."""
    limits = [(hi, lo) if lo is not None and hi is not None and lo > hi else (lo, hi) for lo, hi in limits]
    bands = [Band(name=f"B{i}", min=lo, max=hi) for i, (lo, hi) in enumerate(limits)]
    scores = scores + scores[:5]           # repeated scores are the point of remembering
    assert _bands_of(scores, bands, gap_policy) == [band_for(v, bands, gap_policy) for v in scores]


class _Table:
    columns = {"工号": 0, "姓名": 1, "迟到": 2, "缺席": 3}

    @staticmethod
    def cell(column: str, row: int) -> str:
        return f"{'ABCD'[_Table.columns[column]]}{row}"


def test_record_cells_addressed_on_demand():
    """Verify the lazy map of count sources: a register's source wins where one was set; a count of the
    scoring sheet is its own cell (teacher T2 on Excel row 4, 缺席 in column D → D4); an event not read from
    the sheet, or an unknown teacher, has no source."""
    sources = RecordSources("考核记录", _Table, {"T1": 3, "T2": 4}, ["迟到", "缺席", "资料迟交"])
    sources[("T1", "缺席")] = "register"
    assert sources.get(("T1", "缺席")) == "register"
    got = sources.get(("T2", "缺席"))
    assert (got.sheet, got.cell, got.note) == ("考核记录", "D4", "")
    assert sources.get(("T1", "迟到")).cell == "C3"
    assert sources.get(("T1", "资料迟交")) is None        # not a column of the sheet
    assert sources.get(("T9", "迟到")) is None
    assert sources == {("T1", "缺席"): "register"}      # nothing was filled in for every teacher × event
