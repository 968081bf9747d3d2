"""Lint checks for 学时认定 and 达标要求, registered into `xlrubric.spec.lint.CHECKS`.

Computed from the data, like the rubric checks: a rule no register row can ever reach (an earlier rule of
the same category takes all its rows), two obligations counting the same rows for the same teachers, a
target or stage no rule can feed, a selector nobody can satisfy, periods outside the 学年 or周期. Each rule
or obligation that rests on a named choice shows that choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import combinations

from xlrubric.spec.hours import HourRule
from xlrubric.spec.lint import Context, Finding, check
from xlrubric.spec.requirements import Requirement, Selector


def _covers(outer: list[str], inner: list[str]) -> bool:
    """An empty list means "any": does `outer` accept every value `inner` accepts?"""
    return not outer or (bool(inner) and set(inner) <= set(outer))


@check
def hour_rules_shadowed(ctx: Context) -> Iterable[Finding]:
    """A rule after another of the same category that accepts all its 角色 and 级别 never applies."""
    h = ctx.spec.hours
    if h is None:
        return
    for i, later in enumerate(h.rules):
        for earlier in h.rules[:i]:
            if earlier.category == later.category and _covers(earlier.roles, later.roles) \
                    and _covers(earlier.levels, later.levels):
                yield ctx.finding("不可达", f"学时规则「{later.id}」",
                                  f"类别「{later.category}」的规则「{earlier.id}」在前且适用于同样的角色和级别，"
                                  f"规则「{later.id}」永远用不上", rules=[earlier, later])
                break
    owner: dict[str, str] = {}
    for r in h.rules:
        for name in r.names:
            if owner.setdefault(name, r.category) != r.category:
                yield ctx.finding("重叠", f"类别「{name}」",
                                  f"「{name}」同时是「{owner[name]}」和「{r.category}」的名称，登记时会按前者认定",
                                  rules=[r])


@check
def hour_targets_reachable(ctx: Context) -> Iterable[Finding]:
    """A target, stage or limit that names categories no rule produces can never be met."""
    h = ctx.spec.hours
    if h is None:
        return
    cats = set(h.categories)
    for t in h.targets:
        missing = [c for c in t.categories if c not in cats]
        if missing:
            yield ctx.finding("错误", f"学时要求「{t.name}」",
                              f"要求中的类别{'、'.join(missing)}没有学时规则，永远达不到", rules=[t])
    for st in h.stages:
        missing = [c for c in st.categories if c not in cats]
        if missing:
            yield ctx.finding("错误", f"阶段「{st.name}」", f"阶段的类别{'、'.join(missing)}没有学时规则", rules=[st])
        if h.cycle is not None:
            first = dt.date(h.cycle.start_year, h.year_start_month, 1)
            last = dt.date(h.cycle.start_year + h.cycle.years, h.year_start_month, 1) - dt.timedelta(days=1)
            if st.start < first or st.end > last:
                yield ctx.finding("错误", f"阶段「{st.name}」", f"阶段日期 {st.start}～{st.end} 不在本轮周期"
                                  f"（{first}～{last}）内", rules=[st])


def _policy_findings(ctx: Context, rules: Iterable[HourRule | Requirement], label: str) -> Iterable[Finding]:
    for r in rules:
        p = ctx.spec.policy_obj(r.policy or "")
        if p is not None:
            name = getattr(r, "name", None) or r.id
            yield ctx.finding(p.kind, f"{label}「{name}」", p.question, rules=[r])


@check
def hour_rule_choices(ctx: Context) -> Iterable[Finding]:
    """Rules, limits and targets that rest on a named choice show it."""
    h = ctx.spec.hours
    if h is None:
        return
    yield from _policy_findings(ctx, h.rules, "学时规则")
    yield from _policy_findings(ctx, h.limits, "学时上限")
    yield from _policy_findings(ctx, h.targets, "学时要求")
    if h.cycle is not None and h.cycle.policy:
        yield ctx.finding("未规定", "五年周期", f"周期从{h.cycle.start_year}-{h.cycle.start_year + 1}学年起算",
                          ids=(h.cycle.policy,))


def _exclusive(a: Selector, b: Selector) -> bool:
    """True when no teacher can be picked by both selectors (provable from the data alone)."""
    if set(a.groups) and set(a.groups) <= set(b.exclude_groups):
        return True
    if set(b.groups) and set(b.groups) <= set(a.exclude_groups):
        return True
    if a.max_age is not None and b.min_age is not None and a.max_age < b.min_age:
        return True
    if b.max_age is not None and a.min_age is not None and b.max_age < a.min_age:
        return True
    if a.service_below is not None and b.service_at_least is not None and a.service_below <= b.service_at_least:
        return True
    return b.service_below is not None and a.service_at_least is not None and b.service_below <= a.service_at_least


@check
def requirements_overlap(ctx: Context) -> Iterable[Finding]:
    """Two obligations that count the same category for possibly the same teacher count the same rows twice."""
    for a, b in combinations(ctx.spec.requirements, 2):
        shared = set(a.categories) & set(b.categories)
        if shared and a.scope == b.scope and not _exclusive(a.selector, b.selector):
            yield ctx.finding("重叠", f"达标要求「{a.name}」「{b.name}」",
                              f"两条要求都计「{'、'.join(sorted(shared))}」，同时适用的教师一份材料两条都算",
                              rules=[a, b])


@check
def requirements_reachable(ctx: Context) -> Iterable[Finding]:
    """Selectors nobody satisfies, and obligations whose periods fall outside the term or 学年."""
    spec = ctx.spec
    for q in spec.requirements:
        s = q.selector
        where = f"达标要求「{q.name}」"
        if set(s.groups) and set(s.groups) <= set(s.exclude_groups):
            yield ctx.finding("不可达", where, "适用对象同时被包含和排除，没有教师需要完成", rules=[q])
        if s.max_age is not None and s.min_age is not None and s.max_age < s.min_age:
            yield ctx.finding("不可达", where, f"年龄上限{s.max_age}小于下限{s.min_age}", rules=[q])
        if s.service_below is not None and s.service_at_least is not None and s.service_below <= s.service_at_least:
            yield ctx.finding("不可达", where, "工作年限的上下限互相矛盾", rules=[q])
        if spec.period is None and q.start is None and q.per not in ("event",):
            yield ctx.finding("错误", where, f"{q.describe()}需要起止日期，但细则没有设置开始、结束日期", rules=[q])
            continue
        if spec.period is not None:
            p = spec.period
            if (q.start and q.start < p.start) or (q.end and q.end > p.end):
                yield ctx.finding("错误", where, f"要求的日期范围超出{spec.term or '考核期'}（{p.start}～{p.end}）",
                                  rules=[q])
            if q.per == "week" and (p.end - p.start).days < 6:
                yield ctx.finding("提示", where, "考核期不足一周", rules=[q])


@check
def requirement_choices(ctx: Context) -> Iterable[Finding]:
    """Obligations (and their selectors) that rest on a named choice show it."""
    yield from _policy_findings(ctx, ctx.spec.requirements, "达标要求")
    for q in ctx.spec.requirements:
        p = ctx.spec.policy_obj(q.selector.policy or "")
        if p is not None and p.id != q.policy:
            yield ctx.finding(p.kind, f"达标要求「{q.name}」的适用对象（{q.selector.describe()}）", p.question,
                              ids=(p.id,), quotes=[q.quote])
