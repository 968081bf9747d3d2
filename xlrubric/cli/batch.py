"""`xlrubric batch DIR --out OUTDIR`: every school's workbook in a county folder, and 县汇总.xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from xlrubric.batch.discover import BatchError
from xlrubric.batch.orchestrate import BatchOptions, BatchRun, run_batch
from xlrubric.batch.summary import STATUS_TEXT, same_school_notes, school_name
from xlrubric.batch.worker import Outcome
from xlrubric.cli.common import PresetOpt, RulesOpt, console, run
from xlrubric.safetext import name as safe_name
from xlrubric.safetext import terminal

SHOW_ALL_UP_TO = 40      # list every school below this; above it, only those needing attention


def batch(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="存放各学校工作簿的文件夹（含子文件夹）")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="结果文件夹：各校结果副本（保持原有子文件夹）和 县汇总.xlsx；默认为 DIR 旁边的「DIR_结果」",
        show_default=False)] = None,
    preset: PresetOpt = None,
    rules: RulesOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", "-j", help="并行进程数，默认等于本机 CPU 核数")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler",
        help="Dask 调度器地址 tcp://主机:端口，或 local-cluster；各节点须以相同路径访问输入和输出文件夹")] = None,
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", help="文本文件，每行一个密码；遇到设有打开密码的工作簿时逐个尝试")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="有学校的工作簿有问题或无法读取时以退出码 1 结束（供脚本判断）")] = False,
) -> None:
    """批量计算一个县（区）文件夹中所有学校的工作簿，生成各校结果副本和「县汇总.xlsx」。

    中断后重新运行同一命令即可继续：已完成且未改动的文件会跳过，改动过的会重做。
    退出码：0 每个文件都已处理（各校的问题列在汇总和「县汇总.xlsx」中）；1 仅在加 --strict 且有学校的工作簿
    有问题或无法读取时；2 批处理无法进行。
    """

    def go() -> int:
        passwords = _passwords(password_file)
        opts = BatchOptions(folder, out or default_outdir(folder), preset, rules, workers, scheduler, passwords)
        view = _ProgressView()
        try:
            result = run_batch(opts, on_plan=view.plan, on_outcome=view.outcome)
        except KeyboardInterrupt:
            view.stop()
            console.print("已完成的文件都已记录；重新运行同一命令即可继续处理其余文件。")
            raise
        finally:
            view.stop()
        show_result(result)
        return result.exit_code if strict else 0

    run(go)


def default_outdir(folder: Path) -> Path:
    """`<DIR>_结果` beside DIR (never inside it, never DIR itself)."""
    here = folder.resolve()
    return here.parent / f"{here.name}_结果"


def _passwords(path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(f"无法读取密码文件「{path}」（{exc}）",
                         hint="密码文件应为 UTF-8 文本，每行一个密码。") from exc
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class _ProgressView:
    """The rich progress bar: files done, rate, time left and failures so far."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task = None
        self.failed = 0

    def plan(self, run: BatchRun, todo: int) -> None:
        for note in run.notes:
            console.print(f"[dim]{terminal(note)}[/]", highlight=False)
        if run.removed_temps:
            console.print(f"[dim]已清理上次中断留下的临时文件 {run.removed_temps} 个[/]")
        console.print(f"共 {len(run.books)} 个工作簿：{len(run.skipped)} 个已是最新（跳过），{todo} 个待处理",
                      highlight=False)
        if not todo:
            return
        self.progress = Progress(
            TextColumn("[bold]处理中"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"), TextColumn("已用"), TimeElapsedColumn(),
            TextColumn("剩余"), TimeRemainingColumn(), TextColumn("{task.fields[failed]}"),
            console=console, transient=False)
        self.task = self.progress.add_task("batch", total=todo, rate="", failed="")
        self.progress.start()

    def outcome(self, outcome: Outcome) -> None:
        if self.progress is None:
            return
        if outcome.entry.status == "unreadable":
            self.failed += 1
            self.progress.console.print(f"[red]无法处理[/] {safe_name(outcome.entry.input)}", highlight=False)
        self.progress.advance(self.task)
        t = self.progress.tasks[0]
        rate = f"{t.completed / t.elapsed:.1f} 个/秒" if t.elapsed else ""
        self.progress.update(self.task, rate=rate, failed=f"[red]失败 {self.failed}[/]" if self.failed else "")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def show_result(result: BatchRun) -> None:
    entries = result.entries
    counts = {k: sum(1 for e in entries if e.status == k) for k in STATUS_TEXT}
    shown = entries if len(entries) <= SHOW_ALL_UP_TO else [e for e in entries if e.status != "ok"]
    table = Table(title="批处理结果", title_justify="left", show_lines=False)
    rate = any(e.summary.get("hours_met_rate") is not None for e in shown)
    # A figure is never cut ("25.02…" would drop its scale, "一…" a count): numbers keep their width and the
    # 等次 list wraps; only a long school name is shortened (it is whole in 县汇总.xlsx).
    num = {"justify": "right", "no_wrap": True, "min_width": 4}
    wide = console.width >= 110          # on a narrow terminal the file column goes (it is in 县汇总.xlsx)
    for name, kw in (("学校", {"no_wrap": True}), *([("文件", {"no_wrap": True})] * wide), ("教师", num),
                     ("平均/满分", num | {"min_width": 9}), ("等次", {"overflow": "fold", "min_width": 14}),
                     *([("达标率", num | {"min_width": 6})] * rate), ("错/警/提", num | {"min_width": 8}),
                     ("状态", {"no_wrap": True, "min_width": 8})):
        table.add_column(name, **kw)
    for e in shown[:200]:
        s = e.summary
        probs = s.get("problems") or {}
        status = STATUS_TEXT.get(e.status, e.status)
        style = {"正常": "green", "有问题": "yellow"}.get(status, "red")
        who = (safe_name(school_name(e)), *[safe_name(e.input)] * wide)
        if e.status == "unreadable":
            table.add_row(*who, *[""] * (4 + rate), f"[{style}]{status}[/]")
            continue
        bands = terminal(" ".join(f"{k}{v}" for k, v in (s.get("bands") or {}).items()))  # wraps at a space
        table.add_row(*who, str(s.get("teachers", s.get("hours_teachers", ""))),
                      _mean(s), bands, *([_rate(s)] * rate),
                      f"{probs.get('错误', 0)}/{probs.get('警告', 0)}/{probs.get('提示', 0)}",
                      f"[{style}]{status}[/]")
    if shown:
        console.print(table)
    if len(shown) > 200:
        console.print(f"……另有 {len(shown) - 200} 个，详见 县汇总.xlsx", highlight=False)
    bad = [e for e in entries if e.status == "unreadable"]
    for e in bad[:20]:
        console.print(f"[red]无法读取[/] {safe_name(e.input)}：{terminal(e.message)}", highlight=False)
    left_out = result.manifest.left_out if result.manifest else []
    for note in left_out:
        console.print(f"[yellow]未处理[/] {terminal(note)}", highlight=False)
    for note in same_school_notes(entries):
        console.print(f"[yellow]注意[/] {terminal(note)}", highlight=False)
    console.print(f"正常 {counts['ok']} 所，有问题 {counts['problems']} 所，无法读取 {counts['unreadable']} 所；"
                  f"本次处理 {len(result.done)} 个，已是最新 {len(result.skipped)} 个，未处理 {len(left_out)} 个"
                  f"{'（见上，县汇总「无法读取」表中也列出）' if left_out else ''}。", highlight=False)
    if result.summary_path:
        console.print(f"县汇总：{terminal(result.summary_path)}", highlight=False)


def _mean(s: dict) -> str:
    """The mean with its own scale ("25.02/30"): schools on 30- and 50-point rubrics sit in one table."""
    if s.get("mean_total") is None:
        return "不打分" if not s.get("full_marks") else ""
    return f"{_fmt(s['mean_total'])}/{_fmt(s['full_marks'])}"


def _rate(s: dict) -> str:
    """The 达标率 as 县汇总 words it: the share, 待核实（N人）, or 不考核 where the rules judge no 达标."""
    if s.get("hours_met_rate") is not None:
        return f"{s['hours_met_rate']:.0%}"
    if s.get("hours_pending"):
        return f"待核实（{s['hours_pending']}人）"
    return "不考核" if s.get("met_assessed") is False else ""


def _fmt(v) -> str:
    return "" if v is None else f"{v:g}" if isinstance(v, int | float) else str(v)
