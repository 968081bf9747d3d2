"""One computation, whatever the source: a file (`compute`, `batch`) or the book open in Excel (the
ribbon button). Both call `compute_book` on a `RawBook`, so their results are identical by construction.

Parts run in order over a shared Context; each reads its sheets, validates them, calls the pure engine
and adds result tables. Adding a capability (学时, 达标) is adding a part.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xlrubric.engine.stats import met_assessed
from xlrubric.engine.verdicts import as_dicts
from xlrubric.errors import MissingSheet, RulesError
from xlrubric.pipeline import hours, info, registers, requirements, rubric
from xlrubric.pipeline.context import Context
from xlrubric.pipeline.quiet import quiet_gc
from xlrubric.pipeline.record import find_scoring_sheet
from xlrubric.readers.limits import LIMITS
from xlrubric.readers.raw import RawBook
from xlrubric.results import SEVERITY_ORDER, Deferred, Problem, Results, SheetTable, shown_value
from xlrubric.schemas.layout import ROSTER
from xlrubric.schemas.teachers import build_roster
from xlrubric.spec.load import load_preset, load_rules_file
from xlrubric.spec.model import Spec

Part = Callable[[Context], None]
PARTS: list[Part] = [info.run, rubric.run, hours.run, requirements.run, hours.finish, rubric.finish,
                     registers.record_attendance]
PROBLEMS_SHEET = "校验问题"
OWN_RULES = "工作簿中的考核细则表"       # how `resolve_spec` names rules read from the workbook's own sheet
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
        return own, f"{OWN_RULES}（{own.name}）"
    if rules is not None:
        spec = load_rules_file(rules)
        return spec, f"规则文件 {rules.name}（{spec.name}）"
    if preset is not None:
        spec = load_preset(preset)
        return spec, f"预设 {preset}（{spec.name}）"
    raise RulesError("工作簿中没有「考核细则」表，也没有指定规则", file=book.name,
                     hint="用 --preset 指定内置预设（如 --preset lanxi4），或用 --rules 指定规则文件")


def compute_book(book: RawBook, spec: Spec, rules_source: str) -> Results:
    """Read, validate and compute everything the spec defines for one workbook (the cycle collector paused:
    `quiet_gc`)."""
    with quiet_gc():
        return _compute_book(book, spec, rules_source)


def _compute_book(book: RawBook, spec: Spec, rules_source: str) -> Results:
    if not any(book.sheet(name) for name in KNOWN_SHEETS) and find_scoring_sheet(book, spec) is None:
        raise MissingSheet(f"这不是校本研修工作簿：没有找到{'、'.join(KNOWN_SHEETS[:6])}等工作表，也没有表头含"
                           f"考核项目或扣分事项的评分表（现有：{'、'.join(list(book.sheets)[:8])}）", file=book.name,
                           hint="用 xlrubric template 生成模板，把数据填入模板后再计算")
    ctx = run_parts(book, spec, rules_source)
    ctx.problems.sort(key=lambda p: (SEVERITY_ORDER[p.severity], p.sheet, _cell_key(p.cell)))
    counts = {s: sum(1 for p in ctx.problems if p.severity == s) for s in SEVERITY_ORDER}
    if "teachers" not in ctx.summary:      # a 学时/达标 preset has no rubric part; its teachers still count
        ctx.summary["teachers"] = ctx.summary.get("hours_teachers") or len(ctx.roster.names)
    ctx.problems[:] = cap_problems(ctx.problems, LIMITS.problems_per_sheet)
    ctx.tables.append(problems_table(ctx))
    ctx.summary.update({"file": book.name, "rules": rules_source, "problems": counts,
                        "met_assessed": met_assessed(spec),
                        "status": "problems" if counts["错误"] or counts["警告"] else "ok"})
    ctx.report.update({"file": book.name, "rules": rules_source,
                       "problems": Deferred(problem_dicts, (tuple(ctx.problems),)),
                       **{key: Deferred(as_dicts, (got,)) for key, got in ctx.outcomes.report_parts().items()}})
    return Results(book.name, rules_source, ctx.tables, ctx.problems, ctx.summary, ctx.report, ctx.outcomes)


def problem_dicts(problems: tuple[Problem, ...]) -> list[dict]:
    """The report's problem list (built only when the report is read)."""
    return [p.as_dict() for p in problems]


def run_parts(book: RawBook, spec: Spec, rules_source: str) -> Context:
    """Every part over one Context: the tables, problems and the engine's typed outcomes (`ctx.outcomes`),
    which `compute_book` packs into Results and the archive prints."""
    ctx = Context(book, spec, rules_source)
    for note in book.notes:
        ctx.problem("file-note", note, "提示")
    if rules_source.startswith(OWN_RULES):     # the rules are this workbook's own sheet: what it hides, said
        from xlrubric.spec.hidden import hidden_rules
        from xlrubric.spec.sheet import RULES_SHEET

        ctx.problems.extend(hidden_rules(book.sheet(RULES_SHEET), book.name))
    roster_table = ctx.table(ROSTER, down=True)
    ctx.roster, probs = build_roster(roster_table)
    ctx.problems.extend(probs)
    for part in PARTS:
        part(ctx)
    return ctx


def cap_problems(problems: list[Problem], limit: int) -> list[Problem]:
    """At most `limit` problems of each severity per sheet, and one line per sheet saying how many more.

    Applied after every part has decided (parts read `ctx.problems` to know which cells were rejected),
    so the cap changes what is listed and marked, never a result; the counts in the summary stay whole.
    A sheet of 100,000 junk rows otherwise gives 300,000 notes, a 40 MB output and gigabytes of memory.
    """
    kept: list[Problem] = []
    extra: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    for p in problems:
        key = (p.sheet, p.severity)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= limit:
            kept.append(p)
        else:
            extra[key] = extra.get(key, 0) + 1
    file = problems[0].file if problems else ""
    for (sheet, severity), n in extra.items():
        where = f"工作表「{sheet}」" if sheet else "工作簿"
        kept.append(Problem("more-problems", f"{where}另有 {n:,} 个{severity}未逐条列出（只列出前 {limit:,} 个）。"
                            "这么多同类问题通常出自同一个原因，如整列填错或粘贴了无用的行：请先改正上面列出的，再重新计算",
                            severity, file, sheet))  # type: ignore[arg-type]
    kept.sort(key=lambda p: (SEVERITY_ORDER[p.severity], p.sheet, p.code == "more-problems", _cell_key(p.cell)))
    return kept


def _cell_key(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    return (int(digits) if digits else 0, letters)


def problems_table(ctx: Context) -> SheetTable:
    rows, links = [], {}
    for n, p in enumerate(ctx.problems):
        rows.append([p.severity, p.sheet, p.cell, shown_value(p.value), p.message])
        if p.sheet and p.cell and p.sheet in ctx.book.sheets:
            links[(n, 2)] = f"'{p.sheet}'!{p.cell}"
    if not rows:
        rows.append(["", "", "", "", "没有发现问题"])
    return SheetTable(PROBLEMS_SHEET, ["严重程度", "工作表", "单元格", "填写的值", "说明"], rows, links=links,
                      col_widths=[10, 12, 10, 16, 80])
