"""扣分明细 as columns: which (teacher, rule) pairs explain a deduction, and the words of each row.

A school of 300 teachers has well over a thousand such rows. They are worked out on the teacher × rule grid
the scoring already holds, one array operation per field for the whole rubric, and every text that repeats (a
rule's words, a note, a cell's column letters) is formatted once; only the few 封底 rows and the sources a
register gave are visited one by one. The rows come out in the order the seed's table reads: item by item,
each item's teachers in order, each teacher's rules in the rubric's order, then the 封底 row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlrubric.spec.model import KIND_LABELS, Deduction, Item

ROUND = 4
FIELDS = ("teacher", "item", "event", "kind", "count", "points", "rule", "sheet", "cell", "note")
ZEROED_NOTE = "本项已按0分计，此条不再另扣"
FLOOR_EVENT, FLOOR_KIND, FLOOR_RULE = "（最低0分）", "封底", "项目得分最低为0分"


@dataclass
class Details:
    """The rows of 扣分明细, one list per field (`FIELDS`), all of one length.

    `count` is None on a 封底 row (it counts nothing); `points` is the signed change of the item's score
    (negative for a deduction, 0.0 for a rule that took nothing because the item was already 0, and positive
    on the 封底 row that gives back what went below 0)."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    # the same rows as numbers, for laying them out on arrays: the teacher (position in the teachers scored), the
    # rule (column of the rubric's grid), the count (NaN on a 封底 row) and the points
    teacher_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    rule_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    count_at: np.ndarray = field(default_factory=lambda: np.zeros(0))
    points_at: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.columns["teacher"])

    def rows(self) -> Iterator[tuple]:
        """Each row as a tuple in `FIELDS` order."""
        return zip(*(self.columns[f] for f in FIELDS), strict=True)

    def records(self) -> list[dict[str, Any]]:
        """Each row as a dict keyed by `FIELDS` (the JSON report's deductions, tests)."""
        return [dict(zip(FIELDS, row, strict=True)) for row in self.rows()]


@dataclass
class ItemGrid:
    """What the scoring of one item already holds, one element per teacher: for each rule (in order) its
    points off, zero-out mask and effective count; which teachers it explains (`shown`: not typed, not 待核实,
    something taken or zeroed), whether the item is zeroed, the points taken in all, and `left_out` (the item is
    left out of the total: not_counted policy `exclude`)."""

    item: Item
    per_rule: list[tuple[Any, np.ndarray, np.ndarray, np.ndarray]]
    shown: np.ndarray
    zeroed: np.ndarray
    taken: np.ndarray
    left_out: np.ndarray


def explain(grids: list[ItemGrid], teachers: list, sources, rule_text: Callable[[Deduction], str]) -> Details:
    """扣分明细 of every item. `sources` maps (teacher, event) to a `Source` (a plain dict, or an object with
    `locate(event, teachers)` that answers the sheets, cells and notes of many teachers at once); `rule_text`
    gives a rule's words shown as its 依据.

    The grid has a column per rule of the rubric and, after each item's rules, one for its 封底 row; a row is
    made for each (teacher, column) hit, put in item order (np.nonzero lists them teacher by teacher)."""
    out = Details()
    n = len(teachers)
    if not grids or not n:
        return out
    pts_cols, zero_cols, count_cols = [], [], []
    item_of, floor_of, events, kinds, rules, notes = [], [], [], [], [], []
    no_zero, no_count = np.zeros(n, dtype=bool), np.full(n, np.nan)
    for k, g in enumerate(grids):
        for d, pts, zero, cnt in g.per_rule:
            pts_cols.append(pts)
            zero_cols.append(zero)
            count_cols.append(cnt)
            events.append(d.event)
            kinds.append(KIND_LABELS[d.kind])
            rules.append(rule_text(d))
            why = "不纳入考核" if d.kind == "not_counted" or d.late else "不得分"
            # by state: 0 it took its points; 1 another rule zeroed the item; 2 it zeroed the item; 3 it zeroed
            # an item left out of the total
            notes.append(("", ZEROED_NOTE, f"{why}，本项0分", f"不纳入考核：本项不计入总分，满分减少{g.item.full:g}分"))
        pts_cols.append(g.taken)            # the 封底 column: the points taken in all
        zero_cols.append(no_zero)
        count_cols.append(no_count)
        events.append(FLOOR_EVENT)
        kinds.append(FLOOR_KIND)
        rules.append(FLOOR_RULE)
        notes.append(("", "", "", ""))
        item_of += [k] * (len(g.per_rule) + 1)
        floor_of += [False] * len(g.per_rule) + [True]
    item_of_col, is_floor = np.array(item_of), np.array(floor_of)
    full = np.array([g.item.full for g in grids], dtype=float)[item_of_col]
    pts, zero = np.column_stack(pts_cols), np.column_stack(zero_cols)
    zeroed = np.column_stack([g.zeroed for g in grids])[:, item_of_col]
    shown = np.column_stack([g.shown for g in grids])[:, item_of_col]
    grid = shown & np.where(is_floor, ~zeroed & (pts > full), zero | (pts > 0))
    at, of = np.nonzero(grid)
    if not len(at):
        return out
    order = np.argsort(item_of_col[of], kind="stable")
    at, of = at[order], of[order]
    left_out = np.column_stack([g.left_out for g in grids])[at, item_of_col[of]]
    hit_zero = zero[at, of]
    state = np.where(hit_zero, 2 + left_out.astype(np.int8), zeroed[at, of].astype(np.int8))
    hit_pts, hit_full = pts[at, of], full[of]
    # `0.0 - x`, not `-x`: an event that took nothing (不得分 already emptied the item) is 0, never "-0.0"
    points = 0.0 - np.where(state == 0, hit_pts, np.where(state == 2, hit_full, 0.0))
    cols = out.columns
    who = np.array(teachers, dtype=object)
    cols["teacher"] = who[at].tolist()
    cols["item"] = np.array([g.item.name for g in grids], dtype=object)[item_of_col[of]].tolist()
    for name, per_col in (("event", events), ("kind", kinds), ("rule", rules)):
        cols[name] = np.array(per_col, dtype=object)[of].tolist()
    count_at = np.column_stack(count_cols)[at, of]
    counts = count_at.astype(object)
    row_notes = np.array(notes, dtype=object)[of, state]
    floors = np.flatnonzero(is_floor[of])
    if len(floors):          # the 封底 rows: no count, the excess given back, worded once per distinct excess
        pairs = list(zip(hit_pts[floors].tolist(), hit_full[floors].tolist(), strict=True))
        worded = {(taken, cap): (round(float(taken - cap), ROUND), f"扣分合计 {taken:g} 超过满分 {cap:g}")
                  for taken, cap in dict.fromkeys(pairs)}
        given_back, floor_notes = zip(*map(worded.__getitem__, pairs), strict=True)
        points[floors] = given_back
        row_notes[floors] = np.array(floor_notes, dtype=object)
        counts[floors] = None
    cols["count"], cols["points"] = counts.tolist(), points.tolist()
    out.teacher_at, out.rule_at, out.count_at, out.points_at = at, of, count_at, points
    sheets = np.full(len(at), "", dtype=object)
    cells = np.full(len(at), "", dtype=object)
    _locate(sources, of, at, who, events, is_floor, sheets, cells, row_notes)
    cols["sheet"], cols["cell"], cols["note"] = sheets.tolist(), cells.tolist(), row_notes.tolist()
    return out


def _locate(sources, of: np.ndarray, at: np.ndarray, teachers: np.ndarray, col_event: list[str], is_floor: np.ndarray,
            sheets: np.ndarray, cells: np.ndarray, notes: np.ndarray) -> None:
    """Fill in where each row's count came from, one rule (column) at a time; a source's own note goes before
    the row's. The answers are gathered in the rules' order and put back in the rows' order in one step."""
    locate = getattr(sources, "locate", None)
    order = np.argsort(of, kind="stable")
    order = order[~is_floor[of[order]]]
    if not len(order):
        return
    bounds = (np.flatnonzero(np.diff(of[order])) + 1).tolist()
    who_all = teachers[at[order]].tolist()
    found_sheets: list[str] = []
    found_cells: list[str] = []
    found_notes: list[str] = []
    for lo, hi in zip([0, *bounds], [*bounds, len(order)], strict=True):
        event = col_event[int(of[order[lo]])]
        who = who_all[lo:hi]
        if locate is not None:
            sheet, cell, note = locate(event, who)
        else:
            found = [sources.get((t, event)) for t in who]
            sheet = [s.sheet if s is not None else "" for s in found]
            cell = [s.cell if s is not None else "" for s in found]
            note = [s.note if s is not None else "" for s in found]
        found_sheets += sheet
        found_cells += cell
        found_notes += note
    sheets[order] = np.array(found_sheets, dtype=object)
    cells[order] = np.array(found_cells, dtype=object)
    extra = np.array(found_notes, dtype=object)
    noted = np.flatnonzero(np.fromiter(map(bool, found_notes), dtype=bool, count=len(found_notes)))
    if len(noted):
        rows = order[noted]
        notes[rows] = np.array([f"{e}；{n}" if n else e for e, n in zip(extra[noted].tolist(), notes[rows].tolist(),
                                                                          strict=True)], dtype=object)
