"""`xlrubric rules export|import`: hand a school its rules as YAML or as an editable 考核细则 sheet,
or read the school's own 考核细则 (Word / Excel / pasted text) into that sheet.

`load_target` is also how `lint` and `template` turn their argument into a Spec: a preset id, a YAML
rules file, or a workbook with a 考核细则 sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlrubric.cli.common import console, run
from xlrubric.cli.zh import ChineseCommand, ChineseGroup
from xlrubric.errors import OutputError, RulesError
from xlrubric.spec.load import deserialize, load_preset, load_rules_file, preset_ids, to_yaml
from xlrubric.spec.model import Spec
from xlrubric.spec.sheet import RULES_SHEET, rows_to_mapping

app = typer.Typer(cls=ChineseGroup, help="考核细则：导出为 YAML 或 Excel 表，或导入学校自己的考核细则。",
                  no_args_is_help=True)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TargetArg = Annotated[str, typer.Argument(
    help="预设编号（如 lanxi4），或规则文件（YAML / 含「考核细则」表的工作簿）")]


def load_target(target: str) -> Spec:
    """A preset id, a YAML rules file, or a workbook's 考核细则 sheet, as a Spec."""
    if target in preset_ids():
        return load_preset(target)
    path = Path(target)
    if not path.exists():
        raise RulesError(f"找不到预设或文件「{target}」", hint=f"可用的预设：{'、'.join(preset_ids())}；"
                         f"或给出 YAML 规则文件、含「{RULES_SHEET}」表的工作簿")
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _spec_from_workbook(path)
    return load_rules_file(path)


def _spec_from_workbook(path: Path) -> Spec:
    """The rules sheet of a workbook, through the workbook reader when it is installed, else calamine."""
    try:
        return load_rules_file(path)
    except ModuleNotFoundError as exc:
        if exc.name != "xlrubric.readers.workbook":
            raise
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        if RULES_SHEET not in book.sheet_names:
            raise RulesError(f"工作簿中没有「{RULES_SHEET}」工作表", file=path.name)
        rows = book.get_sheet_by_name(RULES_SHEET).to_python()
    except RulesError:
        raise
    except Exception as exc:          # calamine's own errors: not a workbook, corrupt, encrypted
        raise RulesError(f"无法读取工作簿：{exc}", file=path.name) from exc
    return deserialize(rows_to_mapping(rows, origin=path.name), origin=path.name)


def yaml_with_header(spec: Spec, origin: str) -> str:
    """The rules as YAML, with a comment saying where they come from and how to check an edit."""
    lines = [f"# {spec.name}",
             f"# 出处：{spec.seed or '未注明'}",
             f"# 由 xlrubric rules export 从「{origin}」导出。",
             "# 每条规则的 quote 是它依据的原文；原文不明确之处见 policies。",
             "# 修改后可用 `xlrubric lint 本文件.yaml` 检查。"]
    return "\n".join(lines) + "\n" + to_yaml(spec)


def _check_output(output: Path, force: bool) -> None:
    from xlrubric.writers.xlsx_format import refuse_overwrite  # lazy: XlsxWriter only when writing

    refuse_overwrite(output, force)
    suffix = output.suffix.lower()
    if suffix not in (".yaml", ".yml", ".xlsx"):
        raise OutputError(f"不能保存为「{suffix or '无扩展名'}」文件", file=str(output),
                          hint="输出文件名请以 .yaml 或 .xlsx 结尾")


def _write_rules(spec: Spec, output: Path, origin: str) -> None:
    from xlrubric.writers.xlsx_format import rules_workbook_bytes, save

    data = (yaml_with_header(spec, origin).encode("utf-8") if output.suffix.lower() in (".yaml", ".yml")
            else rules_workbook_bytes(spec))
    save(output, data)


SourceArg = Annotated[str, typer.Argument(
    help="学校的考核细则：Word（.docx）、Excel（.xlsx）或文本（.txt）；- 表示从标准输入读取粘贴的文本")]
GrammarOpt = Annotated[Path | None, typer.Option(
    "--grammar", help="补充的措辞语法文件（YAML，结构同内置 xlrubric/rulesimport/grammar.yaml）")]


@app.command(cls=ChineseCommand, name="import")
def import_cmd(
    source: SourceArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件：本校细则.xlsx 或 .yaml")],
    grammar: GrammarOpt = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """读取学校自己的考核细则表，生成可修改的「考核细则」表；读不准的条款列为待确认，不猜。"""

    def go() -> int:
        from xlrubric.cli.lint import findings_table, summary
        from xlrubric.rulesimport import import_rules

        _check_output(output, force)
        spec, findings = import_rules(source, grammar=grammar)
        _write_rules(spec, output, source)
        console.print(findings_table(findings, title=f"{spec.name}：导入时发现的问题"))
        console.print(summary(findings), highlight=False)
        items = len(spec.rubric.items) if spec.rubric else 0
        rules = len(spec.rubric.deductions) if spec.rubric else 0
        console.print(f"已导入 {items} 个项目、{rules} 条扣分规则：{output}", highlight=False)
        if not all(f.resolved for f in findings if not f.check.startswith("hidden_")   # those: delete it
                   and f.check != "other_sheets"):                                 # that: another file
            where = ("「考核细则」表的「策略」行把「方式」" if output.suffix.lower() == ".xlsx"
                     else "policies 中把 choice ")
            console.print(f"请打开 {output}，在{where}从“待确认”改为一个选项；改完后用 xlrubric lint {output} 检查。"
                          "未确定前，相关项目的得分显示为待核实。", highlight=False)
        return int(not all(f.resolved for f in findings))

    run(go)


@app.command(cls=ChineseCommand, name="export")
def export(
    target: TargetArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件：.yaml 或 .xlsx")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """把考核细则导出为 YAML 文件或只含「考核细则」表的 Excel 工作簿。"""

    def go() -> None:
        _check_output(output, force)
        _write_rules(load_target(target), output, target)
        console.print(f"已导出考核细则：{output}", highlight=False)

    run(go)
