"""Lint a Spec: find where the rules contradict themselves, leave gaps, or rest on a named choice.

Source documents are written by people: scales that do not add up, bands with holes between them, a rule
that says "较多" without a number. The engine must never guess silently, so `lint` computes these from the
data (not just echoing the preset's policies) and says, for each, which policy of the spec decides it.

A policy resolves a computed finding when
  1. its id is the check's well-known id (`band_scale`, `band_gaps`, `band_overlaps`, `band_unreachable`,
     `quota_ties`, `bands`, `total`, `missing_work`), or
  2. it quotes the line of a rule the finding is about and has the finding's kind, or
  3. the rule names it (`policy:`) and nothing closer matched.
Every policy of the spec appears in the output: attached to the finding it resolves, or on its own row.

Checks are small functions registered with `@check` (or `@rubric_check`, which skips specs without a
rubric); order of registration is order of output. Hours and requirements checks go in their own module,
decorated the same way, and that module is imported at the end of this one so `lint` always runs them;
the band checks live in `lint_bands`, imported where their section stood.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from typing import Any

from xlrubric.readers.text import normalize_label
from xlrubric.spec.model import INPUT_LABELS, PENDING, Deduction, Item, Policy, Rubric, Spec

KINDS = ("矛盾", "歧义", "空档", "重叠", "不可达", "总分不符", "缺出处", "未规定", "提示", "警告", "错误")
UNDECIDED = "未决定"
# Words that make a rule depend on someone's judgement ("旷训较多").
VAGUE_WORDS = ("较多", "较少", "若干", "适当", "酌情", "严重", "多次")
MAX_STEPS = 200_000       # reachable-score grid larger than this is not enumerated


@dataclass(frozen=True)
class Finding:
    """One thing a director should know about the rules, and what the spec decided about it."""

    kind: str
    where: str                       # 项目 / 项目／扣分事项 / 等次… — what the finding is about
    message: str                     # Chinese
    quotes: tuple[str, ...] = ()     # the lines of the source document involved
    policy: str | None = None        # id of the policy that decides it
    option: str = ""                 # the policy's chosen option key
    choice: str = ""                 # the chosen option's text; UNDECIDED when nothing decides it
    question: str = ""               # the deciding policy's own question
    check: str = ""                  # name of the check that found it

    @property
    def resolved(self) -> bool:
        """True when a policy decides it, or it is only a 提示; a 错误 or a 待确认 policy is never resolved."""
        return self.kind == "提示" or (self.kind != "错误" and self.policy is not None and self.option != PENDING)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "quotes": list(self.quotes), "resolved": self.resolved}


class Context:
    """What a check needs: the spec, and a way to attach the policy that decides a finding."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.used: set[str] = set()
        self.memo: dict[Any, Any] = {}      # what several checks derive alike (lint_bands' readings), once per run

    @property
    def rubric(self) -> Rubric | None:
        return self.spec.rubric

    def choice(self, pid: str | None) -> str | None:
        return self.spec.policy(pid) if pid else None

    def policy_for(self, kind: str, ids: Sequence[str] = (), rules: Sequence[Any] = ()) -> Policy | None:
        """The policy that decides a finding of `kind` about `rules` (see the module docstring)."""
        spec = self.spec
        for pid in ids:
            if (p := spec.policy_obj(pid)) is not None:
                return p
        named = [p for r in rules if (p := spec.policy_obj(getattr(r, "policy", None) or "")) is not None]
        quoted = [p for r in rules if getattr(r, "quote", "") for p in spec.policies
                  if any(q and (r.quote in q or q in r.quote) for q in p.quotes)]
        same_kind = [p for p in named + quoted if p.kind == kind]
        if same_kind:
            return same_kind[0]
        return named[0] if named else None

    def finding(self, kind: str, where: str, message: str, *, quotes: Iterable[str] = (),
                ids: Sequence[str] = (), rules: Sequence[Any] = ()) -> Finding:
        """A finding with its deciding policy attached (or UNDECIDED), quotes from the rules or the policy."""
        policy = self.policy_for(kind, ids, rules)
        lines = [q for q in quotes if q] or [r.quote for r in rules if getattr(r, "quote", "")]
        if policy is None:
            return Finding(kind, where, message, tuple(dict.fromkeys(lines)),
                           choice="" if kind == "提示" else UNDECIDED)
        self.used.add(policy.id)
        lines = lines or list(policy.quotes)
        return Finding(kind, where, message, tuple(dict.fromkeys(lines)), policy.id, policy.choice,
                       policy.options[policy.choice], policy.question)


Check = Callable[[Context], Iterable[Finding]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check; it runs in registration order."""
    CHECKS.append(fn)
    return fn


def rubric_check(fn: Callable[[Context, Rubric], Iterable[Finding]]) -> Check:
    """Register a check that applies only when the spec has a 考核细则 (hours-only presets have none)."""
    @functools.wraps(fn)
    def run(ctx: Context) -> Iterable[Finding]:
        return fn(ctx, ctx.rubric) if ctx.rubric else ()
    return check(run)


def lint(spec: Spec, checks: Sequence[Check] | None = None) -> list[Finding]:
    """Every finding about `spec`, then each policy no finding has used, on its own row."""
    ctx = Context(spec)
    out: list[Finding] = []
    for fn in CHECKS if checks is None else checks:
        out.extend(replace(f, check=fn.__name__) for f in fn(ctx))
    for p in spec.policies:
        if p.id not in ctx.used:
            out.append(Finding(p.kind, _policy_where(spec, p), p.question, tuple(p.quotes), p.id, p.choice,
                               p.options[p.choice], p.question, check="policies"))
    return out


def _policy_where(spec: Spec, p: Policy) -> str:
    rules = [_where(i, d) for i, d in (spec.rubric.deductions if spec.rubric else []) if d.policy == p.id]
    return "、".join(rules or p.items) or f"策略 {p.id}"


def _where(item: Item, d: Deduction | None = None) -> str:
    return item.name if d is None else f"{item.name}／{d.event}"


def fr(x: float | int) -> Fraction:
    """Exact value of a number written in the rules (0.1 steps must not drift)."""
    return Fraction(str(x))


def n(x: Fraction | float | int) -> str:
    """A score as a person writes it: 23.2, 40, 35.9."""
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- references and totals


@rubric_check
def policy_references(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """A rule that names a policy the spec does not define cannot be read."""
    ids = {p.id for p in ctx.spec.policies}
    for item, d in r.deductions:
        if d.policy and d.policy not in ids:
            yield Finding("错误", _where(item, d),
                          f"扣分事项「{d.event}」引用的策略「{d.policy}」没有定义；"
                          f"已定义的策略：{'、'.join(sorted(ids)) or '无'}", (d.quote,) if d.quote else ())


@rubric_check
def total_matches_items(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """The stated total must be what the items add up to, or every band threshold means something else."""
    total = sum(fr(i.full) for i in r.items)
    if total != fr(r.total):
        parts = "、".join(f"{i.name} {n(i.full)}" for i in r.items)
        yield ctx.finding("总分不符", "总分", f"总分写为 {n(r.total)} 分，"
                          f"各项目满分合计 {n(total)} 分（{parts}）", quotes=[r.quote], ids=("total",))


# Band checks (gaps, overlaps, unreachable bands over the reachable scores) live in lint_bands; importing it
# here registers them at this point, so findings keep their order: references, totals, bands, item rules.
from xlrubric.spec import lint_bands  # noqa: E402,F401

# ---------------------------------------------------------------- rules within an item


@rubric_check
def late_vs_not_counted(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Deducting for late work and not counting late work at all cannot both hold in one item."""
    for item in r.items:
        late = [d for d in item.deductions if d.late]
        dropped = [d for d in item.deductions if d.kind == "not_counted"]
        if late and dropped:
            yield ctx.finding(
                "矛盾", item.name,
                f"「{item.name}」迟交要扣分（{'、'.join(d.event for d in late)}），原文又说逾期的不纳入考核"
                f"（{'、'.join(d.event for d in dropped)}）：迟交的作业是扣分还是不计分？",
                rules=late + dropped)


@rubric_check
def late_without_deadline(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """A 迟交 rule needs a date to be late against; without one it can only be typed in by hand."""
    for item, d in r.deductions:
        if d.late and item.deadline is None:
            yield ctx.finding("未规定", _where(item, d),
                              f"「{d.event}」按迟交扣分，但「{item.name}」没有截止日期，无法由提交登记判断是否迟交",
                              rules=[d])


def _max_missing(ctx: Context, d: Deduction) -> int | None:
    """Most components a per_missing rule can count, under the spec's reading of `required`."""
    if not d.components:
        return None
    if d.input == "present" and d.required is not None and ctx.choice(d.policy) != "all_listed":
        return min(d.required, len(d.components))
    return len(d.components)


@rubric_check
def missing_components(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """"每少一项" needs the list of items, and a threshold below that list is counted two ways."""
    for item, d in r.deductions:
        if d.kind != "per_missing":
            continue
        if not d.components:
            yield ctx.finding("未规定", _where(item, d),
                              f"「{d.event}」每少一项扣 {n(d.points)} 分，但没有列出应有哪些项目", rules=[d])
        elif d.required is not None and d.required < len(d.components):
            yield ctx.finding(
                "歧义", _where(item, d),
                f"「{d.event}」少于 {d.required} 项才扣分，却列了 {len(d.components)} 项"
                f"（{'、'.join(d.components)}）：每少一项从 {d.required} 项算起"
                f"还是从 {len(d.components)} 项算起？",
                rules=[d], ids=("missing_components",))
        elif d.required is not None and d.required > len(d.components):
            yield ctx.finding("矛盾", _where(item, d),
                              f"「{d.event}」要求 {d.required} 项，却只列了 {len(d.components)} 项",
                              rules=[d])


_SHARE = re.compile(r"^(?P<name>.+?)\s*[（(]?\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]?$")


def stated_items(quote: str) -> list[tuple[str, Fraction]]:
    """(name, points) of each item a document's summary line lists: "个人研修计划（5分）、出勤情况（3分）…"."""
    body = quote.split("：", 1)[-1]
    out = []
    for part in re.split(r"[、；;，,。]", body):
        m = _SHARE.match(part.strip())
        if m and not m["name"].startswith(("总分", "共计", "合计")):
            out.append((m["name"].strip(), fr(float(m["points"]))))
    return out


@rubric_check
def item_names_in_text(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """The document's summary names items differently from its rubric table (seed 000: 出勤情况 / 参训考勤)."""
    names = {normalize_label(i.name): i for i in r.items}
    aliases = {normalize_label(a): i for i in r.items for a in i.aliases}
    renamed = []
    for name, points in stated_items(r.quote):
        key = normalize_label(name)
        item = names.get(key) or aliases.get(key)
        if item is None:
            yield ctx.finding("矛盾", "总分", f"原文列出的项目「{name}（{n(points)}分）」在细则表中找不到对应的项目",
                              quotes=[r.quote])
        elif key not in names:
            renamed.append(f"「{name}」即「{item.name}」")
        if item is not None and fr(item.full) != points:
            yield ctx.finding("矛盾", item.name, f"原文写「{name}」{n(points)}分，细则表中「{item.name}」"
                              f"满分 {n(item.full)} 分", quotes=[r.quote, item.quote])
    if renamed:
        yield ctx.finding("提示", "项目名称", f"原文总述与考核细则表对同一项目用了不同的名称：{'；'.join(renamed)}。"
                          "两种名称都已作为别名，在评分表、提交登记、人工调整中都能识别", quotes=[r.quote])


@rubric_check
def missing_baseline(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """"项目不全（少于三项的），每少一项": from which count the missing ones are counted, and over how many pieces."""
    for item, d in r.deductions:
        m = re.search(r"少于([一二三四五六七八九十\d]+)项", d.quote)
        if d.kind != "per_missing" or not m or not d.components or d.required is not None:
            continue     # a `required` below the list is the missing_components ambiguity, reported there
        listed = "、".join(d.components)
        pieces = d.pieces or 1
        per = f"每篇应有{len(d.components)}项（{listed}）" if pieces > 1 else f"应有{len(d.components)}项（{listed}）"
        read = ("填缺少的项目数" if d.input == "missing" else "填已有的项目数") + \
            (f"，{pieces}篇合计，最多{len(d.components) * pieces}" if pieces > 1 else "")
        yield ctx.finding("歧义", _where(item, d),
                          f"「{d.event}」原文说“少于{m[1]}项的，每少一项扣{n(d.points)}分”：{per}，"
                          f"按缺几项扣分（{read}）；原文列的项目后有“等”字，是否还有别的项目由学校决定",
                          rules=[d])


@rubric_check
def input_style(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Which columns a scoring sheet may hold, and what happens to a teacher whose cells were rejected."""
    words = {"counts": "每个扣分事项一列，填次数或项数",
             "scores": "每个考核项目一列，填教务主任打的分（直接评分），每个分数须在0到满分之间",
             "both": "扣分事项的次数，或考核项目的得分（直接评分）；同一项目两者都填时以得分为准"}
    yield ctx.finding("提示", "录入方式", f"录入方式为「{INPUT_LABELS[r.input]}」：评分表中{words[r.input]}。"
                      "无法采用的单元格（如超出范围、不是数字）不按空白计算：依赖它的项目、总分和等次显示“待核实”")
    if any(b.quota is not None for b in r.bands):
        yield ctx.finding("未规定", "等次名额", "总分待核实的教师怎样评等次、怎样计算名额，原文没有规定"
                          "（程序默认：暂不评等次、不占名额，名额按全部参训教师计算）", ids=("pending_scores",),
                          quotes=[b.quote for b in r.bands if b.quota is not None])
    derived = [d for _, d in r.deductions if d.derive == "missing"]
    if derived:
        yield ctx.finding("未规定", "提交登记", "提交登记中某份材料有的教师登记了、有的没有：没有登记的是未交还是漏登，"
                          "原文没有规定（程序默认：视为未交，并在这位教师的单元格上警告）",
                          ids=("submission_absent",), rules=derived)


@rubric_check
def not_counted_meaning(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """"不纳入考核" can mean 0 points or "not part of the total"; the two give different totals."""
    late_dropped = ctx.choice("late_work") == "not_counted"
    rules = [d for _, d in r.deductions if d.kind == "not_counted" or (d.late and late_dropped)]
    if rules:
        yield ctx.finding("歧义", "不纳入考核", f"{'、'.join(d.event for d in rules)}：“不纳入考核”是这一项计0分"
                          "（满分不变），还是这一项不计入总分（满分相应减少）？", ids=("not_counted",), rules=rules)


@rubric_check
def vague_rules(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """A rule that depends on "较多" or "适当" has no number a computer can apply."""
    for item, d in r.deductions:
        words = [w for w in VAGUE_WORDS if w in d.quote]
        if words:
            yield ctx.finding("歧义", _where(item, d),
                              f"「{d.event}」的原文用了「{'」「'.join(words)}」，没有给出具体的次数或标准",
                              rules=[d])


@rubric_check
def shared_full_marks(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Several 基本要求 rows under one weight: does each get its own share or do they draw on one pool?"""
    for item in r.items:
        reqs = list(dict.fromkeys(d.requirement for d in item.deductions if d.requirement))
        if len(reqs) > 1:
            yield ctx.finding("歧义", item.name,
                              f"「{item.name}」有 {len(reqs)} 行基本要求，却只有一个 {n(item.full)} 分的"
                              "权重：各行分开计分还是共用这些分？", rules=item.deductions)


def max_deduction(ctx: Context, item: Item) -> Fraction | None:
    """Most an item's rules can take off, or None when some rule is unbounded or zeroes the item."""
    total = Fraction(0)
    for d in item.deductions:
        if d.kind in ("zero", "not_counted"):
            return None
        count = 1 if d.kind == "once" else _max_missing(ctx, d) if d.kind == "per_missing" else None
        most = None if count is None else fr(d.points) * count
        if d.cap is not None:
            most = fr(d.cap) if most is None else min(most, fr(d.cap))
        if most is None:
            return None
        total += most
    return total


@rubric_check
def item_reaches_zero(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """A teacher who hands in nothing should not keep points; flag items whose rules cannot reach 0."""
    for item in r.items:
        most = max_deduction(ctx, item)
        if most is not None and most < fr(item.full):
            yield ctx.finding(
                "提示", item.name,
                f"「{item.name}」满 {n(item.full)} 分，各扣分事项合计最多扣 {n(most)} 分，"
                f"又没有“不得分/不纳入考核”的规则：什么都没交的教师仍可得 {n(fr(item.full) - most)} 分",
                ids=("missing_work",))


@rubric_check
def quotes_present(ctx: Context, r: Rubric) -> Iterable[Finding]:
    """Rules of a spec built from a source document must say which line they encode."""
    if not ctx.spec.seed:
        return
    by_policy: dict[str, list[str]] = {}
    for item in r.items:
        if not item.quote:
            yield ctx.finding("缺出处", item.name, f"考核项目「{item.name}」没有注明原文出处")
        for d in item.deductions:
            if d.quote:
                continue
            if d.policy and ctx.spec.policy_obj(d.policy):
                by_policy.setdefault(d.policy, []).append(d.event)
            else:
                yield ctx.finding("缺出处", _where(item, d), f"扣分事项「{d.event}」没有注明原文出处")
    for pid, events in by_policy.items():
        yield ctx.finding("缺出处", "、".join(events),
                          f"这{len(events)}条规则在原文中没有对应的句子，由策略「{pid}」补充", ids=(pid,))
    for b in r.bands:
        if not b.quote:
            yield ctx.finding("缺出处", f"等次「{b.name}」", f"等次「{b.name}」没有注明原文出处")


# 学时/达标 checks register themselves on import (issue 5).
from xlrubric.spec import lint_hours  # noqa: E402,F401
