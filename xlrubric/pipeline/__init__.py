"""One computation, whatever the source: a file (`compute`, `batch`) or the book open in Excel (the
ribbon button). Both call `compute_book` on a `RawBook`, so their results are identical by construction.

Parts run in order over a shared Context; each reads its sheets, validates them, calls the pure engine
and adds result tables. Adding a capability (学时, 达标) is adding a part.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xlrubric.errors import MissingSheet, RulesError
from xlrubric.pipeline import hours, info, requirements, rubric
from xlrubric.pipeline.context import Context
from xlrubric.readers.raw import RawBook
from xlrubric.results import SEVERITY_ORDER, Results, SheetTable
from xlrubric.schemas.layout import ROSTER
from xlrubric.schemas.teachers import build_roster
from xlrubric.spec.load import load_preset, load_rules_file
from xlrubric.spec.model import Spec

Part = Callable[[Context], None]
PARTS: list[Part] = [info.run, rubric.run, hours.run, requirements.run, rubric.finish]
PROBLEMS_SHEET = "校验问题"
KNOWN_SHEETS = ("教师名册", "考核记录", "签到登记", "提交登记", "人工调整", "学时登记", "基本信息", "考核细则")


def register_part(part: Part) -> Part:
    """Add a computation part (used by the 学时 / 达标 parts)."""
    if part not in PARTS:
        PARTS.append(part)
    return part


def resolve_spec(book: RawBook, *, preset: str | None = None, rules: Path | None = None) -> tuple[Spec, str]:
    """The rules for this workbook: its own 考核细则 sheet, else --rules, else --preset."""
    from xlrubric.spec.sheet import spec_from_book

    try:
        own = spec_from_book(book)
    except RulesError as exc:
        raise RulesError(exc.detail, file=book.name, sheet="考核细则", cell=exc.cell,
                         hint="修改工作簿中的「考核细则」表，或删除该表后用 --preset/--rules 指定规则") from exc
    if own is not None:
        return own, f"工作簿中的考核细则表（{own.name}）"
    if rules is not None:
        spec = load_rules_file(rules)
        return spec, f"规则文件 {rules.name}（{spec.name}）"
    if preset is not None:
        spec = load_preset(preset)
        return spec, f"预设 {preset}（{spec.name}）"
    raise RulesError("工作簿中没有「考核细则」表，也没有指定规则", file=book.name,
                     hint="用 --preset 指定内置预设（如 --preset lanxi4），或用 --rules 指定规则文件")


def compute_book(book: RawBook, spec: Spec, rules_source: str) -> Results:
    """Read, validate and compute everything the spec defines for one workbook."""
    if not any(book.sheet(name) for name in KNOWN_SHEETS):
        raise MissingSheet(f"这不是校本研修工作簿：没有找到{'、'.join(KNOWN_SHEETS[:6])}等工作表"
                           f"（现有：{'、'.join(list(book.sheets)[:8])}）", file=book.name,
                           hint="用 xlrubric template 生成模板，把数据填入模板后再计算")
    ctx = Context(book, spec, rules_source)
    for note in book.notes:
        ctx.problem("file-note", note, "提示")
    roster_table = ctx.table(ROSTER)
    ctx.roster, probs = build_roster(roster_table)
    ctx.problems.extend(probs)
    for part in PARTS:
        part(ctx)
    ctx.problems.sort(key=lambda p: (SEVERITY_ORDER[p.severity], p.sheet, _cell_key(p.cell)))
    ctx.tables.append(problems_table(ctx))
    counts = {s: sum(1 for p in ctx.problems if p.severity == s) for s in SEVERITY_ORDER}
    if "teachers" not in ctx.summary:      # a 学时/达标 preset has no rubric part; its teachers still count
        ctx.summary["teachers"] = ctx.summary.get("hours_teachers") or len(ctx.roster.names)
    ctx.summary.update({"file": book.name, "rules": rules_source, "problems": counts,
                        "status": "problems" if counts["错误"] or counts["警告"] else "ok"})
    ctx.report.update({"file": book.name, "rules": rules_source,
                       "problems": [p.as_dict() for p in ctx.problems]})
    return Results(book.name, rules_source, ctx.tables, ctx.problems, ctx.summary, ctx.report)


def _cell_key(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    return (int(digits) if digits else 0, letters)


def problems_table(ctx: Context) -> SheetTable:
    rows, links = [], {}
    for n, p in enumerate(ctx.problems):
        rows.append([p.severity, p.sheet, p.cell, "" if p.value is None else str(p.value), p.message])
        if p.sheet and p.cell and p.sheet in ctx.book.sheets:
            links[(n, 2)] = f"'{p.sheet}'!{p.cell}"
    if not rows:
        rows.append(["", "", "", "", "没有发现问题"])
    return SheetTable(PROBLEMS_SHEET, ["严重程度", "工作表", "单元格", "填写的值", "说明"], rows, links=links,
                      col_widths=[10, 12, 10, 16, 80])
