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
    gives a rule's words shown as its 依据."""
    n = len(teachers)
    hit_rows, hit_cols = [], []          # per item: the grid's hits, columns numbered across the whole rubric
    points, counts, states = [], [], []  # per item: (teachers × columns) blocks
    col_event, col_kind, col_rule, col_item, col_notes = [], [], [], [], []
    floors: list[tuple[int, Item]] = []   # (global column, item) of each 封底 column
    base = 0
    for g in grids:
        item, per_rule = g.item, g.per_rule
        width = len(per_rule) + 1                  # the last column is the item's 封底 row
        grid = np.empty((n, width), dtype=bool)
        pts_block = np.empty((n, width))
        count_block = np.empty((n, width))
        state_block = np.zeros((n, width), dtype=np.int8)
        zeroed_int = g.zeroed.astype(np.int8)
        for r, (d, pts, zero, cnt) in enumerate(per_rule):
            grid[:, r] = g.shown & (zero | (pts > 0))
            # 3: this rule zeroed an item left out of the total; 2: it zeroed the item; 1: another rule did;
            # 0: it took its points
            state = np.where(zero, 2 + g.left_out.astype(np.int8), zeroed_int)
            state_block[:, r] = state
            # `0.0 - x`, not `-x`: an event that took nothing (不得分 already emptied the item) is 0, never "-0.0"
            pts_block[:, r] = 0.0 - np.where(state == 0, pts, np.where(state == 2, item.full, 0.0))
            count_block[:, r] = cnt
            col_event.append(d.event)
            col_kind.append(KIND_LABELS[d.kind])
            col_rule.append(rule_text(d))
            why = "不纳入考核" if d.kind == "not_counted" or d.late else "不得分"
            col_notes.append(("", ZEROED_NOTE, f"{why}，本项0分",
                              f"不纳入考核：本项不计入总分，满分减少{item.full:g}分"))
        grid[:, -1] = g.shown & ~g.zeroed & (g.taken > item.full)
        pts_block[:, -1] = g.taken       # the 封底 rows are finished one by one below
        count_block[:, -1] = np.nan
        col_event.append(FLOOR_EVENT)
        col_kind.append(FLOOR_KIND)
        col_rule.append(FLOOR_RULE)
        col_notes.append(("", "", "", ""))
        floors.append((base + width - 1, item))
        col_item.extend([item.name] * width)
        at, of = np.nonzero(grid)
        hit_rows.append(at)
        hit_cols.append(of + base)
        points.append(pts_block[at, of])
        counts.append(count_block[at, of])
        states.append(state_block[at, of])
        base += width
    out = Details()
    if not base:
        return out
    at, of = np.concatenate(hit_rows), np.concatenate(hit_cols)
    if not len(at):
        return out
    cols = out.columns
    cols["teacher"] = np.array(teachers, dtype=object)[at].tolist()
    for name, per_col in (("item", col_item), ("event", col_event), ("kind", col_kind), ("rule", col_rule)):
        cols[name] = np.array(per_col, dtype=object)[of].tolist()
    cols["count"] = np.concatenate(counts).tolist()
    cols["points"] = np.concatenate(points).tolist()
    notes = np.array(col_notes, dtype=object)[of, np.concatenate(states)]
    sheets = np.full(len(at), "", dtype=object)
    cells = np.full(len(at), "", dtype=object)
    for column, item in floors:                   # the few 封底 rows: a count of None, the excess given back
        for k in np.flatnonzero(of == column).tolist():
            taken = cols["points"][k]
            cols["count"][k] = None
            cols["points"][k] = round(float(taken - item.full), ROUND)
            notes[k] = f"扣分合计 {taken:g} 超过满分 {item.full:g}"
    _locate(sources, of, at, teachers, col_event, {c for c, _ in floors}, sheets, cells, notes)
    cols["sheet"], cols["cell"], cols["note"] = sheets.tolist(), cells.tolist(), notes.tolist()
    return out


def _locate(sources, of: np.ndarray, at: np.ndarray, teachers: list, col_event: list[str], floors: set[int],
            sheets: np.ndarray, cells: np.ndarray, notes: np.ndarray) -> None:
    """Fill in where each row's count came from, one rule (column) at a time; a source's own note goes before
    the row's."""
    locate = getattr(sources, "locate", None)
    order = np.argsort(of, kind="stable")
    bounds = np.flatnonzero(np.diff(of[order])) + 1
    joined: dict[tuple[str, str], str] = {}
    for rows in np.split(order, bounds):
        column = int(of[rows[0]])
        if column in floors:
            continue
        event = col_event[column]
        who = [teachers[i] for i in at[rows].tolist()]
        if locate is not None:
            found_sheets, found_cells, found_notes = locate(event, who)
        else:
            found = [sources.get((t, event)) for t in who]
            found_sheets = [s.sheet if s is not None else "" for s in found]
            found_cells = [s.cell if s is not None else "" for s in found]
            found_notes = [s.note if s is not None else "" for s in found]
        sheets[rows] = found_sheets
        cells[rows] = found_cells
        if any(found_notes):
            for k, extra in zip(rows.tolist(), found_notes, strict=True):
                if extra:
                    note = notes[k]
                    key = (extra, note)
                    if key not in joined:
                        joined[key] = f"{extra}；{note}" if note else extra
                    notes[k] = joined[key]
