"""Import a school's own 考核细则 (Word table, Excel sheet, or pasted text) into the presets' rules model.

    spec, findings = import_rules("考核细则.docx")

reads the table with the phrase grammar (grammar.yaml, extensible with a user file), and returns the
`Spec` and its `lint` findings. Nothing is guessed: what the grammar cannot map exactly is an open policy
(待确认) quoting the clause, and compute shows the items it touches as 待核实 until it is decided.
Layers: sources (file → grid) → table (grid → items) → clauses/bands (text → rules) → build (→ Spec).
"""

from __future__ import annotations

from pathlib import Path

from xlrubric.readers.raw import row_spans
from xlrubric.rulesimport.build import Builder
from xlrubric.rulesimport.grammar import load_grammar
from xlrubric.rulesimport.sources import read_source
from xlrubric.rulesimport.table import is_header_cell, parse_grid
from xlrubric.spec.lint import Finding, lint
from xlrubric.spec.model import Spec

__all__ = ["import_rules"]


def import_rules(source: str | Path | bytes, *, grammar: Path | None = None,
                 name: str = "") -> tuple[Spec, list[Finding]]:
    """The rules a school's 考核细则 states, and what `lint` finds in them (open policies undecided).

    `source` is a path (.docx, .xlsx/.xls, .txt), "-" for standard input, the pasted text itself, or the
    bytes of an uploaded file (`name`: its file name, if known; Word and Excel are recognised by content).
    """
    g = load_grammar(grammar)
    grid, origin = read_source(source, is_header_cell(g), name=name)
    table = parse_grid(grid, g)
    builder = Builder(g, origin)
    spec = builder.resolve_questions(builder.mapping(table))
    findings = lint(spec)
    hidden = getattr(grid, "hidden", [])        # a sheet's hidden rows below its header (`HiddenRowsGrid`)
    if hidden:
        rows = row_spans(hidden)
        findings.append(Finding("警告", f"{origin} 第{rows}行", f"第{rows}行是隐藏的，其中的条款仍然导入；"
                                "不用的条款请在原表中删除这一行，或在生成的「考核细则」表中删除它，而不是隐藏",
                                check="hidden_rows"))
    return spec, findings
