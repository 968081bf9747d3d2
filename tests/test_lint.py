"""Verify `lint` finds what the seed documents leave open, and that the CLI reports the same as the API.

lanxi4 (seed 003): items total 50, bands on a 40-point scale (优秀 40-36, 良好 35.9-24, 一般 23以下), 优秀 ≤40%.
xinghuo (seed 000): 迟交 −0.5 in the rubric vs 逾期不纳入考核 in the plan, "旷训较多", "少于三项" with four
listed components, no 等次.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xlrubric.cli import app
from xlrubric.spec.lint import CHECKS, UNDECIDED, Context, Finding, check, lint
from xlrubric.spec.load import from_yaml, load_preset

DEMO = textwrap.dedent("""\
    id: demo
    name: 示例细则
    rubric:
      total: 20
      items:
      - name: 甲
        full: 10
        deductions:
        - {event: 甲缺交次数, points: 1}
      - name: 乙
        full: 5
        deductions:
        - {event: 乙缺交次数, points: 1}
      bands:
      - {name: 优秀, min: 18, max: 20}
      - {name: 良好, min: 10, max: 14}
      - {name: 合格, min: 6, max: 12}
      - {name: 不合格, max: 4}
    """)


@pytest.fixture(name="runner")
def fixture_runner() -> CliRunner:
    return CliRunner()


def flat(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.kind, f.where) for f in findings]


def by_check(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.check == name]


def test_lanxi4_scale_gaps_and_quota():
    """Verify lanxi4: 40- vs 50-point contradiction, gaps (23, 24) and (40, 50], the 40% quota and its ties."""
    findings = lint(load_preset("lanxi4"))
    assert [(f.kind, f.where, f.policy, f.option) for f in findings if f.check.startswith("band")] == [
        ("矛盾", "等次分制", "band_scale", "scale"),
        ("空档", "等次 (23, 24)", "band_gaps", "lower_bound"),
        ("空档", "等次 (40, 50]", "band_gaps", "lower_bound"),
        ("歧义", "等次「优秀」", "quota_ties", "exclude_tied"),
    ]
    gap, top = by_check(findings, "band_gaps")
    assert "按50分制时 23 与 24 之间（如 23.5 分）不属于任何等次" in gap.message
    assert "总分 29 分，折算为 23.2 分" in gap.message          # the scaled reading, 29×40/50
    assert top.message == "按50分制时 40.5–50 分不属于任何等次"
    # 35.9 < x < 36 holds no reachable score on either reading (steps of 0.5, or 0.4 scaled): not a gap.
    assert not any("35.9" in f.where for f in findings)
    assert "40%" in by_check(findings, "band_quotas")[0].message
    assert all(f.resolved for f in findings)


def test_lanxi4_every_policy_is_listed():
    """Verify every policy of the preset appears once, attached to a finding or on its own row."""
    spec = load_preset("lanxi4")
    findings = lint(spec)
    assert sorted({f.policy for f in findings if f.policy}) == sorted(p.id for p in spec.policies)
    # two_essays now decides the "少于三项" baseline finding of 心得体会缺项数 (issue 11), so it has a row there.
    assert flat(by_check(findings, "policies")) == [("未规定", "策略 term_dates")]
    assert by_check(findings, "missing_baseline")[0].policy == "two_essays"


def test_xinghuo_findings():
    """Verify xinghuo: 迟交 vs 逾期不纳入考核, 旷训较多, 少于三项 of four, no bands, and the rest."""
    findings = lint(load_preset("xinghuo"))
    assert [(f.kind, f.where, f.policy) for f in findings] == [
        ("未规定", "等次", "bands"),
        ("矛盾", "说课材料、课件、教学实录或教学设计", "late_work"),
        ("矛盾", "学习心得、感悟或教学反思", "late_work"),
        ("未规定", "研修计划／研修计划迟交", "plan_deadline"),
        ("歧义", "研修总结／研修总结项目数", "missing_components"),
        ("提示", "项目名称", None),                         # the plan's 出勤情况 is the table's 参训考勤 …
        ("提示", "录入方式", None),
        ("未规定", "提交登记", "submission_absent"),
        ("歧义", "不纳入考核", "not_counted"),                # 0 points, or out of the total
        ("歧义", "参训考勤／旷训次数", "truancy"),
        ("歧义", "研修记录", "shared_points"),
        ("缺出处", "研修总结未交", "missing_work"),       # the seed has no rule for an empty 研修总结
        ("未规定", "学习心得、感悟或教学反思／缺心得次数", "stages"),
    ]
    late = by_check(findings, "late_vs_not_counted")[0]
    assert "6月5日前上交实践作业，逾期不交者不纳入考核成绩。" in late.quotes
    assert "较多" in by_check(findings, "vague_rules")[0].message
    assert "从 3 项算起还是从 4 项算起" in by_check(findings, "missing_components")[0].message
    names = by_check(findings, "item_names_in_text")[0].message
    assert "「出勤情况」即「参训考勤」" in names and "「实践作业」即「说课材料、课件、教学实录或教学设计」" in names \
        and "「培训总结」即「研修总结」" in names
    assert all(f.resolved for f in findings)


def test_xinghuo_missing_components_reading_changes_the_hint():
    """Verify the can-it-reach-zero hint follows the chosen reading of "少于三项"."""
    spec = load_preset("xinghuo")
    spec.rubric.item("研修总结").deductions = [d for d in spec.rubric.item("研修总结").deductions
                                             if d.kind != "zero"]            # as the seed has it
    assert by_check(lint(spec), "item_reaches_zero")                       # 1 + (3-0)×1 < 5
    spec.policy_obj("missing_components").choice = "all_listed"            # 1 + 4 ≥ 5: can reach 0
    assert not by_check(lint(spec), "item_reaches_zero")


def test_handwritten_yaml_without_policies():
    """Verify total ≠ sum, an overlap, an unreachable band and gaps are each named and undecided."""
    findings = [f for f in lint(from_yaml(DEMO)) if f.check != "input_style"]
    assert flat(findings) == [
        ("总分不符", "总分"),
        ("空档", "等次 (4, 6)"),
        ("空档", "等次 (14, 18)"),
        ("重叠", "等次「良好」与「合格」"),
        ("不可达", "等次「优秀」"),
    ]
    assert {f.choice for f in findings} == {UNDECIDED}
    assert not any(f.resolved for f in findings)
    assert "10–12 分重叠" in findings[3].message


def test_policy_resolves_gap_and_bad_reference_is_error():
    """Verify a band_gaps policy decides gaps, and a rule naming an undefined policy is an error."""
    text = DEMO.replace("{event: 乙缺交次数, points: 1}", "{event: 乙缺交次数, points: 1, policy: nope}") + (
        "policies:\n- {id: band_gaps, title: 空档, kind: 空档, question: 空档怎么办？, choice: lower,"
        " options: {lower: 按下限}}\n")
    findings = lint(from_yaml(text))
    assert flat(findings)[:1] == [("错误", "乙／乙缺交次数")]
    assert not findings[0].resolved
    assert [f.resolved for f in findings if f.kind == "空档"] == [True, True]


def test_missing_quote_with_seed():
    """Verify a rule without a quote is 缺出处 when the spec names its source document."""
    spec = from_yaml("seed: x.txt\n" + DEMO)
    assert ("缺出处", "甲／甲缺交次数") in flat(lint(spec))


def test_checks_are_extensible():
    """Verify another module can append a check and it runs."""

    @check
    def hours_stub(ctx: Context):
        yield ctx.finding("提示", "学时", "示例")

    try:
        assert flat(by_check(lint(load_preset("xinghuo")), "hours_stub")) == [("提示", "学时")]
    finally:
        CHECKS.remove(hours_stub)


@pytest.mark.parametrize("preset", ["lanxi4", "xinghuo"])
def test_cli_json_equals_api(runner: CliRunner, preset: str):
    """Verify `lint --json` prints exactly the API's findings, and exits 0 when all are decided."""
    result = runner.invoke(app, ["lint", preset, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [f.as_dict() for f in lint(load_preset(preset))]


def test_cli_table_and_exit_codes(runner: CliRunner, tmp_path: Path):
    """Verify the table and summary, exit 1 on undecided findings, 2 on unreadable rules."""
    result = runner.invoke(app, ["lint", "lanxi4"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "本细则的选择" in result.stdout and "等次 (40, 50]" in result.stdout
    assert "全部已由策略决定或仅为提示" in result.stdout

    demo = tmp_path / "demo.yaml"
    demo.write_text(DEMO, encoding="utf-8")
    result = runner.invoke(app, ["lint", str(demo)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "未决定 5 条" in result.stdout

    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(bad)])
    assert result.exit_code == 2
    assert "YAML 格式错误" in result.stderr
    assert runner.invoke(app, ["lint", "no-such-preset"]).exit_code == 2


def test_cli_lists_presets(runner: CliRunner):
    """Verify `lint` without a target lists the presets."""
    result = runner.invoke(app, ["lint"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "lanxi4" in result.stdout and "xinghuo" in result.stdout
