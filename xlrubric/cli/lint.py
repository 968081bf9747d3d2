"""`xlrubric lint`: show where a rubric contradicts itself or leaves gaps, and what the rules chose.

Exit 0 when every finding is decided by a policy (or is only a 提示), 1 when some finding is undecided,
2 when the rules cannot be read.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from xlrubric.cli.common import console, run
from xlrubric.cli.rules import load_target
from xlrubric.safetext import terminal
from xlrubric.spec.lint import UNDECIDED, Finding
from xlrubric.spec.lint import lint as lint_spec
from xlrubric.spec.load import load_preset, preset_ids
from xlrubric.spec.model import PENDING


def lint(
    target: Annotated[str | None, typer.Argument(
        help="预设编号、YAML 规则文件，或含「考核细则」表的工作簿；不填则列出内置预设")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出全部发现，供程序使用")] = False,
) -> None:
    """检查考核细则：矛盾、歧义、等次空档与重叠、不可达的等次、总分不符、缺出处，以及本细则的选择。"""

    def go() -> int:
        if target is None:
            return _list_presets()
        spec = load_target(target)
        findings = lint_spec(spec) + hidden_rule_parts(target)
        if as_json:
            typer.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
        else:
            console.print(findings_table(findings, title=terminal(f"{spec.name}（{target}）")))
            console.print(summary(findings), highlight=False)
        return int(not all(f.resolved for f in findings))

    run(go)


def hidden_rule_parts(target: str) -> list[Finding]:
    """The 警告 (undecided: the director deletes or un-hides what is hidden) when `target` is a workbook whose
    考核细则 sheet is hidden, or hides rule rows or rule columns: the rules sheet is read all the same, as
    `compute` says in 校验问题 (`spec.hidden.hidden_rules`, the same 警告 word for word). The workbook is
    opened again: lint reads one file, once, on request."""
    from pathlib import Path

    from xlrubric.cli.rules import WORKBOOK_SUFFIXES
    from xlrubric.spec.hidden import HIDDEN_CHECKS, hidden_rules
    from xlrubric.spec.sheet import RULES_SHEET

    path = Path(target)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES or not path.is_file():
        return []
    try:
        from xlrubric.readers.workbook import open_workbook
    except ModuleNotFoundError:       # the rules-only install reads with calamine, which reports nothing hidden
        return []
    return [Finding("警告", f"{RULES_SHEET}!{said.cell}", said.message, check=HIDDEN_CHECKS[said.code])
            for said in hidden_rules(open_workbook(path, settle=0).sheet(RULES_SHEET), path.name)]


def _list_presets() -> int:
    table = Table(title="内置预设（xlrubric lint 预设编号 查看详情）")
    table.add_column("编号")
    table.add_column("名称")
    table.add_column("学校")
    for pid in preset_ids():
        spec = load_preset(pid)
        table.add_row(pid, spec.name, spec.school)
    console.print(table)
    return 0


def findings_table(findings: list[Finding], *, title: str) -> Table:
    table = Table(title=title, show_lines=True)
    for name, ratio in (("类型", 1), ("位置", 2), ("说明", 4), ("原文", 3), ("本细则的选择", 3)):
        table.add_column(name, ratio=ratio, overflow="fold")
    seen: set[str] = set()
    for f in findings:
        again = f.policy in seen     # one policy deciding several findings: its words are shown once
        if f.policy and f.option == PENDING:
            chosen = f"{f.policy} = [bold red]{PENDING}[/]" + ("（同上）" if again else f"\n{_plain(f.choice)}")
            seen.add(f.policy)
        elif f.policy:
            chosen = f"{f.policy} = {f.option}" + ("（同上）" if again else f"\n{f.choice}")
            seen.add(f.policy)
        else:
            chosen = "[bold red]未决定[/]" if f.choice == UNDECIDED else "—"
        kind = f.kind if f.resolved else f"[bold red]{f.kind}[/]"
        message = _plain(f.message)
        if f.question and f.question != f.message and not again:
            message += f"\n[dim]策略的问题：{_plain(f.question)}[/]"
        table.add_row(kind, _plain(f.where), message, _plain("\n".join(f.quotes)), chosen)
    return table


def _plain(text: str) -> str:
    """Rule text may hold [brackets]; keep rich from reading them as markup."""
    return text.replace("[", r"\[")


def summary(findings: list[Finding]) -> str:
    if not findings:
        return "没有发现问题。"
    kinds = "、".join(f"{k} {c}" for k, c in Counter(f.kind for f in findings).items())
    open_ = sum(not f.resolved for f in findings)
    decided = sum(bool(f.policy) and f.option != PENDING for f in findings)
    tail = f"未决定 {open_} 条，需要在规则中补充策略或修改规则" if open_ else "全部已由策略决定或仅为提示"
    return f"共 {len(findings)} 条（{kinds}）；已由策略决定 {decided} 条；{tail}。"
