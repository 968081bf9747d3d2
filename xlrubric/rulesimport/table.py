"""The grid of a school's 考核细则 → its table: the header, the items with their rows, the text around it.

An item starts at a row whose 项目 cell is filled; a row with an empty 项目 and an empty 权重 adds a
基本要求/考核标准 row to the item above (seed 000's 研修记录 has two). A row with one filled cell outside
the 基本要求/考核标准 columns is text, and ends the table (the 等次 line below it, a note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xlrubric.errors import RulesError
from xlrubric.rulesimport.grammar import Grammar
from xlrubric.rulesimport.sources import Grid


@dataclass
class ItemRows:
    name: str
    weight: str                                   # the 权重 cell as written ("5分")
    stage: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)   # (基本要求, 考核标准) per row


@dataclass
class RubricTable:
    before: list[str]                             # text above the header (title, school, term)
    header_weight: str                            # the 权重 header cell ("权重\n（30分）")
    items: list[ItemRows]
    after: list[str]                              # text below the table (the 等次 line)
    loose: list[tuple[str, str]] = field(default_factory=list)   # (row text, why it was not read)


def is_header_cell(grammar: Grammar):
    return lambda cell: grammar.column_of(cell) is not None


def _find_header(grid: Grid, g: Grammar) -> tuple[int, dict[str, int]]:
    for r, row in enumerate(grid):
        cols: dict[str, int] = {}
        for j, cell in enumerate(row):
            if (col := g.column_of(cell)) and col not in cols:
                cols[col] = j
        if "item" in cols and "standard" in cols:
            return r, cols
    raise RulesError("没有找到考核细则表的表头：需要一行含有「项目」和「考核标准」（或「评分标准」等）的表头",
                     hint="表头可用的列名见 xlrubric/rulesimport/grammar.yaml 的 columns；"
                          "本校用别的列名时，用 --grammar 给出补充的语法文件")


def _name(text: str) -> str:
    """An item name written over several lines in its cell ("评课\\n\\n材料") is one name."""
    return re.sub(r"\s+", "", text)


def _joined(text: str) -> str:
    """A cell's lines as one text: Word and Excel wrap Chinese sentences at any character."""
    return "".join(line.strip() for line in text.split("\n"))


def parse_grid(grid: Grid, g: Grammar) -> RubricTable:
    at, cols = _find_header(grid, g)
    header = grid[at]
    before = [c for row in grid[:at] for c in row if c]
    table = RubricTable(before, header[cols["weight"]] if "weight" in cols else "", [], [])

    def cell(row: list[str], col: str) -> str:
        j = cols.get(col)
        return row[j].strip() if j is not None and j < len(row) else ""

    stage = ""
    body = grid[at + 1:]
    for k, row in enumerate(body):
        filled = [j for j, c in enumerate(row) if c.strip()]
        if not filled:
            continue
        text_cols = {cols.get("requirement"), cols.get("standard")}
        if len(filled) == 1 and filled[0] not in text_cols and not cell(row, "weight"):
            table.after = [c for r in body[k:] for c in r if c.strip()]
            break
        stage = cell(row, "stage") or stage
        name, weight = _name(cell(row, "item")), cell(row, "weight")
        pair = (_joined(cell(row, "requirement")), _joined(cell(row, "standard")))
        if name:
            table.items.append(ItemRows(name, weight, stage, [pair]))
        elif weight or not table.items:
            table.loose.append(("　".join(c for c in row if c), "这一行没有项目名称，无法归到某个项目下"))
        else:
            table.items[-1].rows.append(pair)
    if not table.items:
        raise RulesError("考核细则表的表头下面没有读到任何项目",
                         hint="每个项目一行：项目名称、权重（分值）、基本要求、考核标准")
    return table


def sentences(lines: list[str]) -> list[str]:
    """Text lines as sentences: a line that does not end a sentence runs on into the next."""
    out: list[str] = []
    cur = ""
    for line in lines:
        cur += line.strip()
        if cur.endswith(("。", ".", "！", "；")) or not cur or len(cur) > 400:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return [s for part in out for s in re.split(r"(?<=。)", part) if s.strip()]
