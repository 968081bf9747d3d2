"""`xlrubric compute FILE`: a filled copy of one school's workbook (never the original)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xlrubric.cli.common import PasswordOpt, PresetOpt, RulesOpt, console, run
from xlrubric.errors import XlrubricError
from xlrubric.process import compute_file
from xlrubric.results import Results
from xlrubric.safetext import json_bytes, name, terminal


def compute(
    file: Annotated[Path, typer.Argument(help="学校的工作簿（.xlsx / .xlsm / .xls，或 WPS 的 .et）")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="结果文件，默认为「原文件名_结果.xlsx」")] = None,
    preset: PresetOpt = None,
    rules: RulesOpt = None,
    report: Annotated[Path | None, typer.Option("--report", help="把结果另存为 JSON")] = None,
    password: PasswordOpt = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="直接写回原文件（先保存带时间戳的备份）")] = False,
) -> None:
    """计算一个学校工作簿：写出带「考核结果」「校验问题」等工作表的副本，原文件不变。

    规则来源：工作簿自己的「考核细则」表；没有时用 --rules；再没有时用 --preset。
    退出码：0 没有问题；1 发现问题（结果照常写出）；2 文件或规则无法使用。
    """

    def go() -> int:
        if not file.exists():
            raise XlrubricError("文件不存在", file=str(file))
        results, target = compute_file(file, out, preset=preset, rules=rules, password=password,
                                       in_place=in_place)
        if report is not None:
            from xlrubric.writers.output import write_bytes

            write_bytes(report, json_bytes(results.report, indent=2, default=str))
        show_summary(results, target)
        return results.exit_code

    run(go)


def show_summary(results: Results, target: Path) -> None:
    s = results.summary
    table = Table(title=f"{name(results.file)} 计算完成", show_header=False, title_justify="left")
    table.add_row("规则", terminal(results.rules_source))
    open_rules = s.get("rules_pending", [])      # parts of the rules still 待确认 (rules import)
    held = s.get("pending", 0)                   # teachers whose 总分 waits for a rejected cell
    if s.get("teachers") is not None:
        if "总分" in open_rules or (held and s.get("mean_total") is None and s.get("full_marks")):
            mean = "，平均总分 待核实"
        elif s.get("mean_total") is not None:
            mean = (f"，平均总分 {s['mean_total']:g}（满分 {s['full_marks']:g}）"
                    + (f"（{held} 人总分待核实，未计入平均）" if held else ""))
        else:
            mean = "（本细则不打分）" if not s.get("full_marks") else ""
        table.add_row("教师", f"{s['teachers']} 人{mean}")
    if open_rules:
        table.add_row("待核实", f"{'、'.join(open_rules)}（考核细则中有待确认的条款，见「校验问题」表）")
    pending = open_rules
    if s.get("bands") and "等次" not in pending:
        table.add_row("等次", "，".join(f"{k} {v} 人" for k, v in s["bands"].items()))
    if "hours_met_rate" in s:
        table.add_row(s.get("met_label") or "学时达标率", f"{s['hours_met_rate']:.0%}")
    elif s.get("hours_pending"):
        table.add_row(s.get("met_label") or "学时达标率",
                      f"{s['hours_pending']} 位教师待核实（有被拒绝的单元格，见「校验问题」表）")
    probs = s.get("problems", {})
    table.add_row("问题", f"错误 {probs.get('错误', 0)}，警告 {probs.get('警告', 0)}，提示 {probs.get('提示', 0)}"
                  + ("（详见「校验问题」表）" if any(probs.values()) else ""))
    table.add_row("结果文件", terminal(target))
    console.print(table)
