"""register rows -> recognised 学时 per row -> per teacher per 学年 -> cycle totals, stages and cross-rules.

Pure pandas, vectorised over rules (a few dozen) rather than rows (tens of thousands). Nothing is dropped:
every row that earns nothing keeps the reason (无效学时: 字数不足800, 每学年限1篇, 同篇只计一次…), and
hours a director typed by hand (认定学时) are counted apart from computed ones so both can be shown.

Input frame columns (the pipeline cleans them): teacher, date (datetime64), year (学年 start year, int),
category (canonical), role, level, award, title (normalised), status, duration, days, cert, words,
score, manual — text columns "" when blank, numbers NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlrubric.engine.pending import (
    PENDING,
    combine,
    pending_categories,
    pending_map,
    pending_mask,
    row_pending,
    verdict,
    worst_by,
)
from xlrubric.spec.hours import HourRule, HoursSpec

APPROVED, REJECTED = "已认定", "不予认定"
REJECTED_WHY = "审核状态为不予认定"


@dataclass
class HoursOutcome:
    rows: pd.DataFrame                 # per register row: rule, computed, manual, counted, valid, reason, limited_by
    by_year: pd.DataFrame              # index (teacher, year): one column per category + 计算学时/人工认定/合计
    cycle: pd.DataFrame                # index teacher: 周期合计 and one column per 周期 target
    year_met: pd.DataFrame             # index (teacher, year): one bool column per 学年 target
    stages: pd.DataFrame               # index teacher: "<stage>学时", "<stage>" (合格/不合格/未开展)
    caps: dict[str, list[dict]] = field(default_factory=dict)   # teacher -> cross-rule limits
    met: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool))   # teacher -> certainly 达标
    # 待核实 (engine.pending): (teacher, 学年 or -1) -> why; verdicts 达标/未达标/待核实 per 学年, cycle, teacher.
    pending: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    pending_categories: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    year_state: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    cycle_state: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    state: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


def school_year(dates: pd.Series, start_month: int) -> pd.Series:
    """学年 start year of each date (2023-09-01 .. 2024-08-31 -> 2023); -1 where there is no date."""
    d = pd.to_datetime(dates)
    y = d.dt.year - (d.dt.month < start_month).astype("Int64")
    return y.fillna(-1).astype(int)


def year_label(year: int) -> str:
    return f"{year}-{year + 1}学年"


def _fmt(v: float) -> str:
    return f"{v:g}"


def _accepts(rule: HourRule, role: str, level: str) -> bool:
    return (not rule.roles or role in rule.roles) and (not rule.levels or level in rule.levels)


def _combo_rules(reg: pd.DataFrame, spec: HoursSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule index per row (-1 none), the reason a known category fits no rule, and the register key of a 角色 or
    级别 the category's rules all need that was left blank ("" else) — decided once per distinct (类别, 角色, 级别),
    of which a register has a few hundred."""
    codes, combos = _combos(reg)
    by_cat: dict[str, list[int]] = {}
    for i, rule in enumerate(spec.rules):
        by_cat.setdefault(rule.category, []).append(i)
    rule_of = np.full(len(combos) + 1, -1)
    why = np.full(len(combos) + 1, "", dtype=object)
    gap = np.full(len(combos) + 1, "", dtype=object)
    for k, (cat, role, level) in enumerate(combos):
        candidates = by_cat.get(cat)
        if candidates is None:
            why[k] = "该类别不计学时"
            continue
        hit = next((i for i in candidates if _accepts(spec.rules[i], role, level)), -1)
        rule_of[k] = hit
        if hit < 0:
            why[k], gap[k] = _unmatched_reason([spec.rules[i] for i in candidates], role, level)
    return rule_of[codes], why[codes], gap[codes]


def _combos(reg: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """(code per row, the distinct (类别, 角色, 级别)): each column coded alone and the three codes combined as
    one integer, where joining the three texts of every row first cost ten times as much (20,000 rows)."""
    parts = [pd.factorize(reg[c].to_numpy(dtype=object)) for c in ("category", "role", "level")]
    if any((c < 0).any() for c, _ in parts):       # the pipeline gives "" for a blank: a stray None/NaN is one too
        parts = [pd.factorize(reg[c].fillna("").to_numpy(dtype=object)) for c in ("category", "role", "level")]
    (c1, u1), (c2, u2), (c3, u3) = parts
    n2, n3 = len(u2), len(u3)
    codes, keys = pd.factorize((c1.astype(np.int64) * n2 + c2) * n3 + c3)
    return codes, list(zip(u1[keys // (n2 * n3)].tolist(), u2[keys // n3 % n2].tolist(), u3[keys % n3].tolist(),
                           strict=True))


def _unmatched_reason(rules: list[HourRule], role: str, level: str) -> tuple[str, str]:
    """Why a row of a known category fits none of its rules (角色 or 级别 not in the rules), and the register key
    when that cell was left blank: a 课题 without 角色 or a 论文获奖 without 级别 is unknown, not 0学时."""
    roles = list(dict.fromkeys(r for rule in rules for r in rule.roles))
    levels = list(dict.fromkeys(v for rule in rules for v in rule.levels))
    if roles and all(rule.roles for rule in rules) and role not in roles:
        if role == "":
            return f"未填写角色（应为{'、'.join(roles)}）", "role"
        return f"角色「{role}」不在细则中（应为{'、'.join(roles)}）", ""
    if levels and all(rule.levels for rule in rules) and level not in levels:
        if level == "":
            return f"未填写级别（细则认定{'、'.join(levels)}）", "level"
        return f"级别「{level}」不计学时（细则只认定{'、'.join(levels)}）", ""
    return "不符合细则中任何一条学时规则", ""


def _compute_rule(reg: pd.DataFrame, m: np.ndarray, rule: HourRule, hours: np.ndarray, reason: np.ndarray,
                  blank: np.ndarray) -> None:
    """Fill hours, reason ("" when valid) and `blank` (the register key of an amount the rule needs that was
    left empty, "" else) for the rows `m` of one rule, in place, on numpy arrays."""
    def col(name: str) -> np.ndarray:
        return reg[name].to_numpy(dtype=float)[m]

    def text(name: str) -> np.ndarray:
        return reg[name].to_numpy(dtype=object)[m]

    n = int(m.sum())
    why = np.full(n, "", dtype=object)
    gap = np.full(n, "", dtype=object)
    if rule.compute == "per_hour":
        h = col("duration") * rule.hours
        why[np.isnan(h)], gap[np.isnan(h)] = "未填写时长（小时）", "duration"
    elif rule.compute == "per_day":
        h = col("days") * rule.hours
        why[np.isnan(h)], gap[np.isnan(h)] = "未填写天数", "days"
    elif rule.compute == "certificate":
        h = col("cert")
        why[np.isnan(h)] = "未填写证书学时（按培训机构的证件登记）"   # no certificate, no hours (seed 001)
    elif rule.compute == "certificate_or_days":
        cert = col("cert")
        h = np.where(np.isnan(cert), col("days") * rule.hours, cert)
        why[np.isnan(h)], gap[np.isnan(h)] = "未填写证书学时，也未填写天数", "cert"
    elif rule.compute == "fixed":
        h = np.full(n, float(rule.hours))
    elif rule.compute == "table":
        key = text("level" if rule.table_by == "级别" else "award")
        h = np.array([rule.table.get(k, np.nan) for k in key], dtype=float)
        shown = "、".join(rule.table)
        bad = np.isnan(h)
        why[bad] = [f"{rule.table_by}「{k}」不计学时（应为{shown}）" if k != ""
                    else f"未填写{rule.table_by}（应为{shown}）" for k in key[bad]]
        gap[bad & (key == "")] = "level" if rule.table_by == "级别" else "award"
    else:   # tercile: decided later over everyone who sat the exam
        h = np.full(n, np.nan)
        why[np.isnan(col("score"))], gap[np.isnan(col("score"))] = "未填写考试成绩", "score"
    # A row whose amount is blank is still 无效 (not 待核实) when another cell already says it earns nothing.
    def settle(bad: np.ndarray, said) -> None:
        why[bad] = said if isinstance(said, str) else said(bad)
        gap[bad] = ""
    if rule.min_words is not None:
        w = col("words")
        unsaid = (why == "") & np.isnan(w)
        why[unsaid], gap[unsaid] = f"未填写字数（须{rule.min_words}字以上）", "words"
        short = ((why == "") | (gap != "")) & (w < rule.min_words)
        settle(short, lambda b: [f"字数{_fmt(v)}不足{rule.min_words}字" for v in w[b]])
    award, status = text("award"), text("status")
    if rule.awards:
        bad = ((why == "") | (gap != "")) & ~np.isin(award, rule.awards)
        unsaid = bad & (award == "") & (why == "")          # 等次 blank: 结题 or 在研 is unknown, not 在研
        why[unsaid], gap[unsaid] = f"未填写等次（须{rule.awards[0]}后才计学时）", "award"
        settle(bad & ~unsaid, lambda b: [f"须{rule.awards[0]}后才计学时（填的是「{a}」）" for a in award[b]])
    if rule.approval == "required":
        bad = ((why == "") | (gap != "")) & (status != APPROVED)
        settle(bad, lambda b: [f"须经学校筛选认定（审核状态为“已认定”）后才计学时，当前为「{s or '未填写'}」"
                               for s in status[b]])
    settle(((why == "") | (gap != "")) & (status == REJECTED), REJECTED_WHY)
    hours[m] = np.where(why == "", np.nan_to_num(h), 0.0)
    reason[m] = why
    blank[m] = gap


def _terciles(reg: pd.DataFrame, rows: pd.DataFrame, rule: HourRule) -> None:
    """前三分之一/中间/后三分之一 per 学年 (policy `tercile`: top ceil(n/3), bottom floor(n/3), ties best)."""
    m = (rows["rule"].to_numpy(dtype=object) == rule.id) & (rows["reason"].to_numpy(dtype=object) == "")
    waiting = m & (rows["pending"].to_numpy(dtype=object) != "")     # numpy: pandas' str compares cost more
    m &= ~waiting
    if waiting.any():       # an unreadable 成绩 moves everyone's rank in that 学年
        for y, grp in reg.loc[waiting, "row"].groupby(reg.loc[waiting, "year"]):
            same = m & (reg["year"].to_numpy() == y)
            rows.loc[same, "pending"] = f"名次取决于第{'、'.join(str(r) for r in grp)}行待核实的考试成绩"
            m &= ~same
    if not m.any():
        return
    sub = reg.loc[m, ["teacher", "year", "score", "date"]].sort_values(["score", "date"], ascending=[False, True])
    dup = sub.duplicated(["teacher", "year"], keep="first")
    rows.loc[sub.index[dup], "reason"] = "同一学年重复登记考试成绩，只计成绩最高的一次"
    sub = sub[~dup]
    n = sub.groupby("year")["score"].transform("size")
    rank = sub.groupby("year")["score"].rank(method="min", ascending=False)
    top = np.ceil(n / 3)
    bottom = np.floor(n / 3)
    t0, t1, t2 = rule.tiers
    hours = np.where(rank <= top, t0, np.where(rank > n - bottom, t2, t1))
    rows.loc[sub.index, "computed"] = hours
    rows.loc[sub.index, "note"] = ("第" + rank.astype(int).astype(str) + "名/共" + n.astype(int).astype(str) + "人")


def _firsts(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows already in priority order: is each row a repeat of its group, and its position in the group."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
    nth = np.empty(len(codes), dtype=int)
    nth[order] = np.arange(len(codes)) - group_start
    first = np.empty(len(codes), dtype=int)
    first[order] = order[group_start]
    return nth, first


def _limits(reg: pd.DataFrame, rows: pd.DataFrame, spec: HoursSpec) -> None:
    """Caps shared by a group of rules: same title once (highest), at most N per 学年/周期, at most H hours.

    Rows are ranked once (most hours first, then earlier date, then earlier row); group positions come from
    one stable argsort on numpy codes, so a limit costs a few array operations however large the register.
    """
    group_of = {r.id: r.group for r in spec.rules}
    grp = rows["rule"].map(group_of).to_numpy()
    reason = rows["reason"].to_numpy(dtype=object)
    open_ = rows["manual"].isna().to_numpy() & (rows["pending"].to_numpy(dtype=object) == "")   # not manual, not 待核实
    for lim in spec.limits:
        at = (grp == lim.group) & (reason == "") & open_
        if not at.any():
            continue
        sub = reg.loc[at, ["teacher", "year", "title", "date", "row"]].assign(h=rows["computed"].to_numpy()[at])
        sub = sub.sort_values(["h", "date", "row"], ascending=[False, True, True])
        teacher = sub["teacher"].to_numpy(dtype=object)
        who = teacher if lim.per == "周期" else teacher + "\x1f" + sub["year"].astype(str).to_numpy(dtype=object)
        row_no = sub["row"].to_numpy()
        keep = np.ones(len(sub), dtype=bool)
        if lim.dedup_by_title:
            title = sub["title"].to_numpy(dtype=object)
            nth, first = _firsts(pd.factorize(teacher + "\x1f" + title)[0])
            dup = (title != "") & (nth > 0)
            idx = sub.index[dup]
            rows.loc[idx, "reason"] = [f"同一成果（题目相同）只计一次最高学时，已按第{row_no[f]}行计"
                                       for f in first[dup]]
            rows.loc[idx, "limited_by"] = lim.id
            keep &= ~dup
        if lim.max_count is not None:
            codes = pd.factorize(who[keep])[0]
            nth, first = _firsts(codes)
            kept_rows = row_no[keep]
            over = nth >= lim.max_count
            scope = "每学年" if lim.per == "学年" else "整个周期"
            idx = sub.index[keep][over]
            said = f"{scope}每人限{lim.max_count}篇（{lim.group}），已认定学时最高的第"
            rows.loc[idx, "reason"] = [f"{said}{kept_rows[f]}行" for f in first[over]]
            rows.loc[idx, "limited_by"] = lim.id
            keep[np.flatnonzero(keep)[over]] = False
        if lim.max_hours is not None:
            rest = sub[keep].assign(who=who[keep]).sort_values(["date", "row"])
            before = rest.groupby("who")["h"].cumsum() - rest["h"]
            allowed = (lim.max_hours - before).clip(lower=0).clip(upper=rest["h"])
            cut = allowed < rest["h"]
            rows.loc[rest.index[cut], "counted_cap"] = allowed[cut]
            rows.loc[rest.index[cut], "note"] = [f"{lim.group}已达上限{_fmt(lim.max_hours)}学时，本行只计{_fmt(a)}学时"
                                                 for a in allowed[cut]]
            rows.loc[rest.index[cut], "limited_by"] = lim.id
        reason = rows["reason"].to_numpy(dtype=object)


def row_hours(reg: pd.DataFrame, spec: HoursSpec, cells: dict[str, str] | None = None) -> pd.DataFrame:
    """Per register row: rule id, computed and manual hours, counted hours, and the reason when 无效.

    An amount the row's rule needs left blank (时长 of a lecture, both 证书学时 and 天数 of a 集中培训, 字数 of a
    反思, 成绩 of the exam) is not a 0: the row is 待核实 on that cell (`cells`: register key -> column letter,
    for the text) and `blank` names the key, so the pipeline can put an 错误 on it. 认定学时 typed by hand still
    wins, and a row another cell already makes 无效 (不予认定, not 已认定, 字数不足) stays 无效. A 远程培训 with no
    证书学时 stays 无效: seed 001 registers its hours "按培训机构的证件", so no certificate earns none."""
    n = len(reg)
    rule_idx, reason, blank = _combo_rules(reg, spec)
    hours = np.zeros(n)
    for i, rule in enumerate(spec.rules):
        m = rule_idx == i
        if m.any():
            _compute_rule(reg, m, rule, hours, reason, blank)
    ids = np.array([r.id for r in spec.rules] + [""], dtype=object)
    pend = row_pending(reg, spec, rule_idx)
    blank[(pend != "") | reg["manual"].notna().to_numpy()] = ""
    if (blank != "").any():
        rownum = reg.index.to_numpy()
        for pos in np.flatnonzero(blank != ""):
            letter = (cells or {}).get(blank[pos])
            where = f"{letter}{rownum[pos]}" if letter else f"第{rownum[pos]}行"
            pend[pos] = f"{where}：{reason[pos]}，本行学时待核实"
    waiting = pend != ""
    reason[waiting] = ""
    hours[waiting] = 0.0
    rows = pd.DataFrame({"rule": ids[rule_idx], "computed": hours, "manual": reg["manual"].to_numpy(dtype=float),
                         "reason": reason, "note": "", "limited_by": "", "counted_cap": np.nan, "pending": pend,
                         "blank": blank}, index=reg.index)
    for rule in spec.rules:
        if rule.compute == "tercile":
            _terciles(reg, rows, rule)
    _limits(reg, rows, spec)
    valid = rows["reason"] == ""
    rows.loc[~valid, "computed"] = 0.0
    counted = rows["counted_cap"].where(rows["counted_cap"].notna(), rows["computed"])
    known = reg["category"].isin(spec.categories)
    stray = rows["manual"].notna() & ~known     # hand-entered hours on a category that earns none: not used
    if stray.any():
        rows.loc[stray, "note"] = "该类别不计学时，人工认定学时未采用"
    manual = rows["manual"].notna() & known
    waiting = rows["pending"] != ""
    rows["counted"] = counted.where(~manual, rows["manual"]).where((valid | manual) & ~waiting, 0.0)
    rows.loc[waiting, "computed"] = 0.0
    rows["valid"] = (valid | manual) & ~waiting
    overruled = manual & ~valid
    if overruled.any():
        rows.loc[overruled, "note"] = "计算为无效学时（" + rows.loc[overruled, "reason"] + "），按人工认定学时计入"
    rows.loc[manual, "reason"] = ""
    return rows.drop(columns=["counted_cap"])


def compute_hours(reg: pd.DataFrame, spec: HoursSpec, teachers: pd.Index, years: list[int] | None = None,
                  cells: dict[str, str] | None = None) -> HoursOutcome:
    """Everything 学时汇总 shows, for `teachers` (every roster teacher, even those with no rows); `cells` as in
    `row_hours`."""
    rows = row_hours(reg, spec, cells)
    cats = spec.categories
    data = pd.DataFrame({"teacher": reg["teacher"], "year": reg["year"], "category": reg["category"],
                         "counted": rows["counted"], "manual": rows["manual"].notna()})
    if years is None:
        years = sorted(y for y in data["year"].unique() if y >= 0)
    full = pd.MultiIndex.from_product([teachers, years], names=["teacher", "year"])
    sums = data.groupby(["teacher", "year", "category"], sort=False)["counted"].sum()
    by_year = sums.unstack("category", fill_value=0.0).reindex(index=full, columns=cats, fill_value=0.0)
    by_year = by_year.astype(float)
    split = pd.DataFrame({"teacher": data["teacher"], "year": data["year"],
                          "c": np.where(data["manual"], 0.0, data["counted"]),
                          "m": np.where(data["manual"], data["counted"], 0.0)})
    sums = split.groupby(["teacher", "year"], sort=False)[["c", "m"]].sum().reindex(full, fill_value=0.0)
    by_year["计算学时"] = sums["c"]
    by_year["人工认定"] = sums["m"]
    by_year["合计"] = by_year[cats].sum(axis=1)
    year_met = pd.DataFrame(index=full)
    for t in spec.targets:
        if t.per != "学年":
            continue
        year_met[t.id] = _target_met(by_year, cats, t)
    cycle_years = years
    if spec.cycle is not None:
        cycle_years = [y for y in years if spec.cycle.start_year <= y < spec.cycle.start_year + spec.cycle.years]
    in_cycle = by_year[by_year.index.get_level_values("year").isin(cycle_years)]
    cycle = in_cycle[[*cats, "合计"]].groupby(level="teacher").sum().reindex(teachers, fill_value=0.0)
    cycle = cycle.rename(columns={"合计": "周期合计"})
    for t in spec.targets:
        if t.per == "周期":
            cycle[t.id] = _target_met(cycle.rename(columns={"周期合计": "合计"}), cats, t)
    stages, caps = _stages(reg, rows, spec, teachers)
    pend = pending_map(reg, rows)
    primary_year = [t for t in spec.targets if t.per == "学年" and t.primary]
    year_ok = year_met[[t.id for t in primary_year]].all(axis=1) if primary_year else pd.Series(True, index=full)
    year_state = verdict(year_ok, pending_mask(full, pend), not any(t.min_share for t in primary_year))
    primary_cycle = [t for t in spec.targets if t.per == "周期" and t.primary]
    cycle_ok = pd.Series(True, index=teachers)
    for t in primary_cycle:
        cycle_ok &= cycle[t.id]
    waiting = {t for (t, y) in pend if y == -1 or y in cycle_years}
    cycle_state = verdict(cycle_ok, pd.Series(teachers.isin(waiting), index=teachers),
                          not any(t.min_share for t in primary_cycle))
    finished = spec.cycle is None or (years and max(years) >= spec.cycle.start_year + spec.cycle.years - 1)
    per_teacher = [worst_by(year_state, "teacher")] if len(year_state) else []
    if finished:
        per_teacher.append(cycle_state)
    if not years:       # nobody has a placed row: only rows of unknown year can change anything
        per_teacher.append(pd.Series(np.where(teachers.isin(waiting), PENDING, "达标"), index=teachers))
    state = combine(per_teacher, teachers)
    return HoursOutcome(rows, by_year, cycle, year_met, stages, caps, state == "达标", pend,
                        pending_categories(reg, rows), year_state, cycle_state, state)



def _target_met(frame: pd.DataFrame, cats: list[str], t) -> pd.Series:
    part = frame[[c for c in t.categories if c in frame.columns]].sum(axis=1) if t.categories else frame["合计"]
    ok = pd.Series(True, index=frame.index)
    if t.hours > 0:
        ok &= part >= t.hours - 1e-9
    if t.min_share is not None:
        total = frame["合计"]
        ok &= (total > 0) & (part >= total * t.min_share - 1e-9)
    return ok


def _stages(reg: pd.DataFrame, rows: pd.DataFrame, spec: HoursSpec, teachers: pd.Index
            ) -> tuple[pd.DataFrame, dict[str, list[dict]]]:
    out = pd.DataFrame(index=teachers)
    failed: dict[str, pd.Series] = {}
    for st in spec.stages:
        in_cats = reg["category"].isin(st.categories) if st.categories else pd.Series(True, index=reg.index)
        if not in_cats.any():
            out[st.name] = "未开展"
            out[f"{st.name}学时"] = math.nan
            continue
        d = reg["date"]
        m = in_cats & (d >= pd.Timestamp(st.start)) & (d <= pd.Timestamp(st.end))
        h = rows.loc[m, "counted"].groupby(reg.loc[m, "teacher"]).sum().reindex(teachers, fill_value=0.0)
        ok = h >= st.hours - 1e-9
        # a pending row in the stage (or of unknown date) may still bring it up to the hours
        near = (m | (in_cats & d.isna())) & (rows["pending"] != "")
        waiting = pd.Series(teachers.isin(set(reg.loc[near, "teacher"])), index=teachers) & ~ok
        out[f"{st.name}学时"] = h.where(~waiting, np.nan)
        out[st.name] = np.where(ok, "合格", np.where(waiting, PENDING, "不合格"))
        failed[st.id] = ~ok & ~waiting
    caps: dict[str, list[dict]] = {}
    for cr in spec.cross_rules:
        f = failed.get(cr.when_failed)
        if f is None:
            continue
        what = next((s.name for s in spec.stages if s.id == cr.when_failed), cr.when_failed)
        for t in f.index[f]:
            caps.setdefault(t, []).append({"rule": cr.id, "result": cr.result, "forbid": list(cr.forbid),
                                           "effect": cr.effect, "because": f"{what}不合格", "quote": cr.quote})
    return out, caps
