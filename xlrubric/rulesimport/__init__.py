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
from xlrubric.spec.hidden import columns_named
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
    findings.extend(hidden_notes(grid, origin))
    return spec, findings


def hidden_notes(grid: object, origin: str) -> list[Finding]:
    """One 警告 per kind for what the imported sheet hides (`HiddenRowsGrid`): the sheet itself, clause rows
    (a filter left on said in the same note), columns with text. All of it is imported as if unhidden. And
    which sheet was imported, when other sheets look like a rules table too."""
    out: list[Finding] = []
    how, sheet = getattr(grid, "hidden_sheet", ""), getattr(grid, "sheet", "")
    others = getattr(grid, "others", [])
    if others:
        listed = "、".join(f"「{o}」" for o in others[:5]) + (f"等{len(others)}张" if len(others) > 5 else "")
        out.append(Finding("警告", f"{origin} 工作表「{sheet}」",
                           f"工作簿中还有工作表{listed}也像考核细则表，没有导入；导入的是「{sheet}」"
                           f"（{'第一张这样的隐藏表：没有可见的' if how else '第一张这样的可见表'}）。"
                           "如果应该用另一张，请把那张表单独另存为一个工作簿再导入", check="other_sheets"))
    if how:
        out.append(Finding("警告", f"{origin} 工作表「{sheet}」", f"工作表「{sheet}」是{how}的，其中的条款仍然导入；"
                           "不用这张表请在原工作簿中删除它（要用请取消隐藏后核对），而不是隐藏", check="hidden_sheet"))
    hidden = getattr(grid, "hidden", [])        # a sheet's hidden rows below its header
    if hidden:
        rows = row_spans(hidden)
        filtered = getattr(grid, "filtered", False)
        out.append(Finding("警告", f"{origin} 第{rows}行",
                           f"第{rows}行{'被筛选隐藏或手动隐藏' if filtered else '是隐藏的'}，其中的条款仍然导入；"
                           "不用的条款请在原表中删除这一行，或在生成的「考核细则」表中删除它，而不是隐藏"
                           + ("（表上有筛选：也请清除筛选后核对）" if filtered else ""), check="hidden_rows"))
    columns = getattr(grid, "hidden_columns", [])
    if columns:
        named = columns_named(columns)
        out.append(Finding("警告", f"{origin} {named}", f"{named}是隐藏的，其中的内容仍然导入；请取消隐藏后核对，"
                           "不用的内容请在原表中清空，或在生成的「考核细则」表中删除它，而不是隐藏",
                           check="hidden_columns"))
    return out
