"""学时认定 and 达标要求 as rows of the 考核细则 sheet a director can read and edit — no YAML in a cell.

One row per rule, in the sheet's own columns (类别 | 名称 | 所属项目 | 方式 | 分值 | 上限 | 参数 | 原文 | 说明):
  学时      名称 = 活动类别, 所属项目 = 规则编号,
            方式 = 按小时/按天数/按证书/按证书或天数/固定/按级别/等次/按成绩三等分, 分值 = 学时数 (每小时/每天/固定);
            参数: 别名、角色、级别、对照 (一等奖:12、二等奖:8)、对照依据、三等分、
            最少字数、须为、审核、限额组、策略
  学时上限  名称 = 限额组, 方式 = 每学年/整个周期, 分值 = 篇数, 上限 = 学时; 参数: 同题只计一次、策略
  学时要求  名称, 方式 = 每学年/整个周期, 分值 = 学时; 参数: 类别、最低占比、仅供参考、周期年数、策略
  阶段      名称, 分值 = 学时; 参数: 开始、结束、类别、策略        关联  名称 = 限制; 参数: 不合格、结果、不能评为
  等级      名称 = 等次, 分值 = 年终考核加分; 参数: 学分
  要求      名称, 方式 = 每周/每两周/每月/每学期/每学年/整个周期/每次活动, 分值 = 数量;
            参数: 类别、计数、组别、排除组别、年龄上限、年龄下限、工作未满、工作满、计算日、对象策略、
            触发、之后天数、提前天数、触发角色、范围、开始、结束、同题只计一次、策略
Row order is rule order (an earlier 学时 row of the same category wins).
"""

from __future__ import annotations

from typing import Any

from xlrubric.spec.hours import COMPUTE_FROM_LABEL, COMPUTE_LABELS
from xlrubric.spec.model import Spec
from xlrubric.spec.requirements import PER_FROM_LABEL, PER_LABELS

CATEGORIES = ("学时", "学时上限", "学时要求", "阶段", "关联", "等级", "要求")
SCOPE_LABELS = {"学年": "每学年", "周期": "整个周期"}
SCOPE_FROM = {v: k for k, v in SCOPE_LABELS.items()} | {"学年": "学年", "周期": "周期"}
APPROVAL = {"required": "须已认定", "not_rejected": "不予认定以外"}
APPROVAL_FROM = {v: k for k, v in APPROVAL.items()}
HOUR_SETTINGS = {"学年开始月份": ("year_start_month",), "周期起始学年": ("cycle", "start_year"),
                 "周期年数": ("cycle", "years"), "周期策略": ("cycle", "policy"), "周期原文": ("cycle", "quote"),
                 "项目考核类别": ("grade_category",), "人工认定策略": ("manual_policy",)}
Row = tuple[str, str, str, str, Any, Any, list[tuple[str, Any]], str]


def _pct(x: float | None) -> str | None:
    return None if x is None else f"{x * 100:g}%"


def hour_rows(spec: Spec) -> list[Row]:
    """(类别, 名称, 所属项目, 方式, 分值, 上限, 参数 pairs, 原文) for every hour rule and requirement."""
    rows: list[Row] = []
    h = spec.hours
    if h is not None:
        d = h.model_dump(mode="json")
        for label, path in HOUR_SETTINGS.items():
            value: Any = d
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if value not in (None, ""):
                rows.append(("设置", label, "", "", None, None, [("值", value)], ""))
        for r in h.rules:
            rows.append(("学时", r.category, r.id, COMPUTE_LABELS[r.compute], r.hours or None, None, [
                ("别名", r.aliases), ("角色", r.roles), ("级别", r.levels),
                ("对照", "、".join(f"{k}:{v:g}" for k, v in r.table.items())),
                ("对照依据", r.table_by if r.table else None), ("三等分", [f"{t:g}" for t in r.tiers]),
                ("最少字数", r.min_words), ("须为", r.awards),
                ("审核", APPROVAL[r.approval] if r.approval != "not_rejected" else None), ("限额组", r.group),
                ("策略", r.policy)], r.quote))
        for lim in h.limits:
            rows.append(("学时上限", lim.group, lim.id, SCOPE_LABELS[lim.per], lim.max_count, lim.max_hours,
                         [("同题只计一次", lim.dedup_by_title), ("策略", lim.policy)], lim.quote))
        for t in h.targets:
            rows.append(("学时要求", t.name, t.id, SCOPE_LABELS[t.per], t.hours or None, None, [
                ("类别", t.categories), ("最低占比", _pct(t.min_share)), ("仅供参考", not t.primary),
                ("周期年数", t.cycle_years), ("策略", t.policy)], t.quote))
        for st in h.stages:
            rows.append(("阶段", st.name, st.id, "", st.hours, None, [
                ("开始", st.start.isoformat()), ("结束", st.end.isoformat()), ("类别", st.categories),
                ("策略", st.policy)], st.quote))
        for cr in h.cross_rules:
            rows.append(("关联", cr.effect, cr.id, "", None, None, [
                ("不合格", cr.when_failed), ("结果", cr.result), ("不能评为", cr.forbid), ("策略", cr.policy)],
                cr.quote))
        for g in h.grades:
            rows.append(("等级", g.name, "", "", g.bonus, None, [("学分", g.credits)], g.quote))
    for q in spec.requirements:
        s, t = q.selector, q.trigger
        rows.append(("要求", q.name, q.id, PER_LABELS[q.per], q.count, None, [
            ("类别", q.categories), ("计数", "数量" if q.quantity == "数量" else None),
            ("组别", s.groups), ("排除组别", s.exclude_groups), ("年龄上限", s.max_age), ("年龄下限", s.min_age),
            ("工作未满", s.service_below), ("工作满", s.service_at_least), ("计算日", s.on and s.on.isoformat()),
            ("对象策略", s.policy), ("触发", t and t.category), ("之后天数", t and t.within_days),
            ("提前天数", t and t.before_days), ("触发角色", t.roles if t else None),
            ("范围", q.scope if q.scope != "teacher" else None), ("开始", q.start and q.start.isoformat()),
            ("结束", q.end and q.end.isoformat()), ("同题只计一次", "是" if q.dedup_by_title else None),
            ("策略", q.policy)], q.quote))
    return rows


def _list(v: str | None) -> list[str]:
    return [w for w in (v or "").split("、") if w]


def _yes(v: str | None) -> bool:
    return (v or "").strip() in ("是", "1", "true", "True", "TRUE")


def read_row(out: dict[str, Any], cat: str, name: str, item: str, how: str, value: float | None,
             cap: float | None, params: dict[str, str], quote: str) -> None:
    """Add one 学时/要求 row of the sheet to the mapping `deserialize` reads (see the module docstring)."""
    hours = out.setdefault("hours", {}) if cat != "要求" else None
    p = params.get

    def put(target: dict[str, Any], key: str, v: Any) -> None:
        if v not in (None, "", []):
            target[key] = v

    if cat == "学时":
        rule: dict[str, Any] = {"id": item, "category": name, "compute": COMPUTE_FROM_LABEL.get(how, how),
                                "quote": quote}
        put(rule, "hours", value)
        for label, key in (("别名", "aliases"), ("角色", "roles"), ("级别", "levels"), ("须为", "awards")):
            put(rule, key, _list(p(label)))
        put(rule, "table", {k: float(v) for k, _, v in (w.partition(":") for w in _list(p("对照")))})
        put(rule, "table_by", p("对照依据"))
        put(rule, "tiers", [float(x) for x in _list(p("三等分"))])
        put(rule, "min_words", p("最少字数"))
        put(rule, "approval", APPROVAL_FROM.get(p("审核") or "", p("审核")))
        put(rule, "group", p("限额组"))
        put(rule, "policy", p("策略"))
        hours.setdefault("rules", []).append(rule)
    elif cat == "学时上限":
        lim: dict[str, Any] = {"id": item, "group": name, "per": SCOPE_FROM.get(how, how), "quote": quote,
                               "dedup_by_title": _yes(p("同题只计一次"))}
        put(lim, "max_count", None if value is None else int(value))
        put(lim, "max_hours", cap)
        put(lim, "policy", p("策略"))
        hours.setdefault("limits", []).append(lim)
    elif cat == "学时要求":
        t: dict[str, Any] = {"id": item, "name": name, "per": SCOPE_FROM.get(how, how), "quote": quote,
                             "primary": not _yes(p("仅供参考"))}
        put(t, "hours", value)
        put(t, "categories", _list(p("类别")))
        share = p("最低占比")
        put(t, "min_share", None if not share else float(share.rstrip("%％")) / 100)
        put(t, "cycle_years", p("周期年数"))
        put(t, "policy", p("策略"))
        hours.setdefault("targets", []).append(t)
    elif cat == "阶段":
        st = {"id": item, "name": name, "hours": value, "start": p("开始"), "end": p("结束"), "quote": quote}
        put(st, "categories", _list(p("类别")))
        put(st, "policy", p("策略"))
        hours.setdefault("stages", []).append(st)
    elif cat == "关联":
        cr = {"id": item, "effect": name, "when_failed": p("不合格"), "quote": quote}
        put(cr, "result", p("结果"))
        put(cr, "forbid", _list(p("不能评为")))
        put(cr, "policy", p("策略"))
        hours.setdefault("cross_rules", []).append(cr)
    elif cat == "等级":
        g = {"name": name, "quote": quote}
        put(g, "bonus", value)
        put(g, "credits", p("学分"))
        hours.setdefault("grades", []).append(g)
    else:
        sel: dict[str, Any] = {}
        for label, key in (("组别", "groups"), ("排除组别", "exclude_groups")):
            put(sel, key, _list(p(label)))
        for label, key in (("年龄上限", "max_age"), ("年龄下限", "min_age"), ("工作未满", "service_below"),
                           ("工作满", "service_at_least"), ("计算日", "on"), ("对象策略", "policy")):
            put(sel, key, p(label))
        q: dict[str, Any] = {"id": item, "name": name, "categories": _list(p("类别")),
                             "per": PER_FROM_LABEL.get(how, how), "quote": quote}
        put(q, "count", value)
        put(q, "quantity", p("计数"))
        put(q, "selector", sel)
        if p("触发"):
            trig: dict[str, Any] = {"category": p("触发")}
            put(trig, "within_days", p("之后天数"))
            put(trig, "before_days", p("提前天数"))
            put(trig, "roles", _list(p("触发角色")))
            q["trigger"] = trig
        for label, key in (("范围", "scope"), ("开始", "start"), ("结束", "end"), ("策略", "policy")):
            put(q, key, p(label))
        if _yes(p("同题只计一次")):
            q["dedup_by_title"] = True
        out.setdefault("requirements", []).append(q)


def read_setting(out: dict[str, Any], name: str, value: str) -> bool:
    """A 设置 row about 学时 (学年开始月份, 周期起始学年 …); False when `name` is not one of them."""
    path = HOUR_SETTINGS.get(name)
    if path is None:
        return False
    target = out.setdefault("hours", {})
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return True
