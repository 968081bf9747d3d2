"""Verify the 学时/达标 lint checks: shadowed rules, unreachable targets and selectors, overlapping obligations,
periods outside the 学年/周期; and that the three hour presets have every finding decided."""

from __future__ import annotations

import pytest

from xlrubric.spec.lint import lint
from xlrubric.spec.load import deserialize, load_preset

BROKEN = {
    "id": "broken", "name": "有问题的学时细则", "period": {"start": "2023-09-01", "end": "2024-01-31"},
    "hours": {
        "cycle": {"start_year": 2023, "years": 5},
        "rules": [
            {"id": "any", "category": "讲座", "compute": "per_hour", "hours": 1},
            {"id": "speaker", "category": "讲座", "roles": ["主讲人"], "compute": "per_hour", "hours": 4},
            {"id": "online", "category": "远程", "aliases": ["讲座"], "compute": "certificate"},
        ],
        "targets": [{"id": "t", "name": "实践学时", "hours": 10, "categories": ["实践"]}],
        "stages": [{"id": "s", "name": "暑期", "start": "2022-08-01", "end": "2022-08-31", "hours": 8,
                    "categories": ["讲座"]}],
    },
    "requirements": [
        {"id": "a", "name": "反思甲", "categories": ["反思"], "per": "month"},
        {"id": "b", "name": "反思乙", "categories": ["反思"], "per": "month", "selector": {"groups": ["骨干"]}},
        {"id": "c", "name": "无人", "categories": ["笔记"],
         "selector": {"groups": ["骨干"], "exclude_groups": ["骨干"]}},
        {"id": "d", "name": "超期", "categories": ["笔记"], "start": "2023-08-01"},
        {"id": "e", "name": "年龄", "categories": ["笔记"], "selector": {"max_age": 30, "min_age": 40}},
    ],
}


def test_broken_spec_findings():
    """Verify each computed finding on a spec built to trip every check."""
    found = {(f.check, f.kind, f.where) for f in lint(deserialize(BROKEN))}
    assert ("hour_rules_shadowed", "不可达", "学时规则「speaker」") in found        # "any" takes every 讲座 row
    assert ("hour_rules_shadowed", "重叠", "类别「讲座」") in found                 # alias of 远程 too
    assert ("hour_targets_reachable", "错误", "学时要求「实践学时」") in found      # no rule makes 实践
    assert ("hour_targets_reachable", "错误", "阶段「暑期」") in found              # 2022 is before the cycle
    assert ("requirements_overlap", "重叠", "达标要求「反思甲」「反思乙」") in found
    assert ("requirements_reachable", "不可达", "达标要求「无人」") in found
    assert ("requirements_reachable", "错误", "达标要求「超期」") in found
    assert ("requirements_reachable", "不可达", "达标要求「年龄」") in found


@pytest.mark.parametrize("preset", ["baiwanzi", "weicun", "tisheng2", "lanxi4"])
def test_hour_presets_fully_decided(preset: str):
    """Verify every finding of the hour presets is decided by a named policy, and every policy is shown."""
    spec = load_preset(preset)
    findings = lint(spec)
    assert all(f.resolved for f in findings), [f.message for f in findings if not f.resolved]
    assert {f.policy for f in findings if f.policy} == {p.id for p in spec.policies}


def test_tisheng2_overlap_decided():
    """Verify 核心组 and 学科指导组 微能力点 overlap (a teacher may be in both), decided by micro_points."""
    f = [f for f in lint(load_preset("tisheng2")) if f.check == "requirements_overlap"]
    assert [(x.where, x.policy) for x in f] == [
        ("达标要求「微能力点（核心组）」「微能力点（学科指导组）」", "micro_points")]
