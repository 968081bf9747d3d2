"""Obligations: who must do what how often, and which periods each teacher (or 教研组) missed, by name.

Pure pandas. Periods are built once per requirement (weeks Monday–Sunday, two-week blocks from the first
Monday, calendar months, 学期 split at 2月1日/9月1日, 学年 at 9月1日, the whole period, or one window per
trigger event); register rows fall into periods by `searchsorted`, and the count per (teacher, period) is
one groupby. A teacher the selector does not pick is simply not bound; the reason is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlrubric.spec.requirements import Requirement, Selector


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date


@dataclass
class RequirementOutcome:
    """One row per (subject, requirement) the selector binds: required, done, missing period names."""

    table: pd.DataFrame          # subject, requirement, required, done, met, missing (list[str]), periods
    not_due: dict[str, int] = field(default_factory=dict)   # requirement id -> periods after `as_of`
    repeats: dict[int, str] = field(default_factory=dict)   # register row -> why it was not counted again


def _day(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def periods(per: str, start: dt.date, end: dt.date) -> list[Period]:
    """The periods of `per` covering [start, end], clipped to it, labelled as a director says them."""
    out: list[Period] = []
    if per in ("week", "biweek"):
        step = 7 if per == "week" else 14
        monday = start - dt.timedelta(days=start.weekday())
        n = 1
        while monday <= end:
            s, e = max(monday, start), min(monday + dt.timedelta(days=step - 1), end)
            if any((s + dt.timedelta(days=k)).weekday() < 5 for k in range((e - s).days + 1)):
                word = "周" if per == "week" else "个两周"
                out.append(Period(f"第{n}{word}（{_day(s)}–{_day(e)}）", s, e))
                n += 1
            monday += dt.timedelta(days=step)
        out = _merge_edges(out, "周" if per == "week" else "个两周")
    elif per == "month":
        y, m = start.year, start.month
        while dt.date(y, m, 1) <= end:
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            out.append(Period(f"{y}年{m}月", max(dt.date(y, m, 1), start), min(nxt - dt.timedelta(days=1), end)))
            y, m = nxt.year, nxt.month
    elif per in ("semester", "year"):
        cuts = (9,) if per == "year" else (2, 9)
        s = start
        while s <= end:
            nxt = min(dt.date(s.year + (s.month >= c), c, 1) for c in cuts)
            e = min(nxt - dt.timedelta(days=1), end)
            sy = s.year if s.month >= 9 else s.year - 1
            half = "上学期" if s.month >= 9 or s.month < 2 else "下学期"
            label = f"{sy}-{sy + 1}学年" + ("" if per == "year" else half)
            out.append(Period(label, s, e))
            s = nxt
    else:   # once
        out.append(Period(f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}", start, end))
    return out


def _weekdays(p: Period) -> int:
    return sum((p.start + dt.timedelta(days=k)).weekday() < 5 for k in range((p.end - p.start).days + 1))


def _merge_edges(out: list[Period], word: str) -> list[Period]:
    """First/last block with fewer than 3 weekdays joins its neighbour (policy week_edges), then relabel."""
    if len(out) > 1 and _weekdays(out[-1]) < 3:
        out[-2:] = [Period("", out[-2].start, out[-1].end)]
    if len(out) > 1 and _weekdays(out[0]) < 3:
        out[:2] = [Period("", out[0].start, out[1].end)]
    return [Period(f"第{n}{word}（{_day(p.start)}–{_day(p.end)}）", p.start, p.end) for n, p in enumerate(out, 1)]


def _completed_years(born: pd.Series, on: dt.date) -> pd.Series:
    """Whole years from `born` to `on`; the anniversary day itself completes the year."""
    b = pd.to_datetime(born)
    before = (b.dt.month > on.month) | ((b.dt.month == on.month) & (b.dt.day > on.day))
    return on.year - b.dt.year - before.astype(float)


def _years_between(roster: pd.DataFrame, key: str, on: dt.date) -> tuple[pd.Series, pd.Series]:
    """(fewest, most) completed years since the `key` date: a date known only to the month or year is an
    interval (`<key>_lo`..`<key>_hi`), an exact date gives the same number twice, a missing one NaN."""
    lo = roster[f"{key}_lo"] if f"{key}_lo" in roster.columns else roster[key]
    hi = roster[f"{key}_hi"] if f"{key}_hi" in roster.columns else roster[key]
    return _completed_years(hi, on), _completed_years(lo, on)


def select(roster: pd.DataFrame, sel: Selector, on: dt.date) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(bound, why-not, why-unknown) per teacher. `roster` columns: groups (set), born/hired (datetime64) or
    their intervals born_lo/born_hi …, and optional *_why / *_note / groups_why saying what is not known.

    A teacher is certainly not bound as soon as one condition certainly excludes him; otherwise, when a
    condition depends on a rejected or partial cell that could go either way, the obligation is 待核实."""
    ok = pd.Series(True, index=roster.index)
    why = pd.Series("", index=roster.index, dtype=object)
    unknown = pd.Series("", index=roster.index, dtype=object)
    if sel.everyone:
        return ok, why, unknown                 # binds everyone: nothing below would change a value
    on = sel.on or on

    def drop(mask: pd.Series, text) -> None:
        nonlocal ok
        new = mask & ok
        why.loc[new] = text if isinstance(text, str) else text[new]
        ok &= ~mask

    def doubt(mask: pd.Series, text: pd.Series) -> None:
        new = mask & (unknown == "")
        unknown.loc[new] = text[new]

    def said(col: str) -> pd.Series:
        return roster[col] if col in roster.columns else pd.Series("", index=roster.index, dtype=object)

    groups = roster["groups"]
    group_why = said("groups_why")
    if sel.groups:
        has = groups.map(lambda g: bool(g & set(sel.groups)))
        drop(~has & (group_why == ""), f"不属于{'、'.join(sel.groups)}")
        doubt(~has & (group_why != ""), group_why + f"，无法判断是否属于{'、'.join(sel.groups)}")
    if sel.exclude_groups:
        has = groups.map(lambda g: bool(g & set(sel.exclude_groups)))
        drop(has, f"属于{'、'.join(sel.exclude_groups)}，另有要求")
        doubt(~has & (group_why != ""), group_why + f"，无法判断是否属于{'、'.join(sel.exclude_groups)}")
    for key, lower, upper, what in (("born", sel.min_age, sel.max_age, "出生日期"),
                                    ("hired", sel.service_at_least, sel.service_below, "入职日期")):
        if lower is None and upper is None:
            continue
        fewest, most = _years_between(roster, key, on)
        missing = fewest.isna()
        reason = said(f"{key}_why").where(said(f"{key}_why") != "", f"教师名册中没有{what}")
        doubt(missing, reason + ("，无法判断年龄" if key == "born" else "，无法判断工作年限"))
        partial = said(f"{key}_note")
        if key == "born" and upper is not None:            # 四十五周岁以下: bound while age <= upper
            shown = fewest.map(lambda a: f"{a:g}" if a == a else "").astype(str)
            drop(fewest > upper, f"{on:%Y年%m月%d日}已满" + shown + "周岁")
            doubt(~missing & (most > upper) & (fewest <= upper), partial + f"，无法判断{on:%Y年%m月%d日}是否已满"
                  f"{upper + 1}周岁")
        if key == "born" and lower is not None:
            drop(most < lower, f"{on:%Y年%m月%d日}未满{lower}周岁")
            doubt(~missing & (fewest < lower) & (most >= lower), partial + f"，无法判断{on:%Y年%m月%d日}是否已满"
                  f"{lower}周岁")
        if key == "hired" and upper is not None:           # 工作未满三年: bound while service < upper
            drop(fewest >= upper, f"{on:%Y年%m月%d日}工作已满{upper:g}年")
            doubt(~missing & (most >= upper) & (fewest < upper), partial + f"，无法判断{on:%Y年%m月%d日}是否已满"
                  f"{upper:g}年")
        if key == "hired" and lower is not None:
            drop(most < lower, f"{on:%Y年%m月%d日}工作未满{lower:g}年")
            doubt(~missing & (fewest < lower) & (most >= lower), partial + f"，无法判断{on:%Y年%m月%d日}是否已满"
                  f"{lower:g}年")
    unknown.loc[~ok] = ""
    return ok & (unknown == ""), why, unknown


def _inside(acts: pd.DataFrame, plist: list[Period]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([np.datetime64(p.start) for p in plist])
    ends = np.array([np.datetime64(p.end) for p in plist])
    d = acts["date"].to_numpy(dtype="datetime64[D]")
    p = np.searchsorted(starts, d, side="right") - 1
    return (p >= 0) & (d <= ends[np.clip(p, 0, len(plist) - 1)]), p


def _count_by_period(acts: pd.DataFrame, plist: list[Period], qty: str) -> pd.DataFrame:
    if acts.empty or not plist:
        return pd.DataFrame(columns=["subject", "p", "n"])
    inside, p = _inside(acts, plist)
    a = pd.DataFrame({"subject": acts["subject"].to_numpy()[inside], "p": p[inside],
                      "n": (acts["quantity"].fillna(1.0) if qty == "数量" else pd.Series(1.0, index=acts.index))
                      .to_numpy()[inside]})
    return a.groupby(["subject", "p"], as_index=False)["n"].sum()


def _exact_sums(values: np.ndarray) -> bool:
    """Whether every partial sum of `values` is exact in floating point, in any order.

    True when each value is a multiple of 1/1024 and all of them together stay far below 2**53/1024: then plain
    addition makes no rounding, so it gives the very bits pandas' compensated (Kahan) groupby sum gives, and the
    grid can be filled by `np.add.at` without a groupby. Amounts typed in a register (篇数, 节数, 0.5) are so."""
    scaled = values * 1024.0
    return bool(np.all(np.isfinite(scaled)) and np.all(scaled == np.floor(scaled))
                and float(np.abs(scaled).sum()) < 2.0 ** 52)


USED = ("teacher", "date", "category", "role", "quantity", "title", "title_text")   # what obligations read


def evaluate(reg: pd.DataFrame, roster: pd.DataFrame, reqs: list[Requirement], start: dt.date, end: dt.date,
             as_of: dt.date | None = None, waiting: pd.DataFrame | None = None) -> RequirementOutcome:
    """`reg`: teacher, date, category, role, quantity (rows already valid); `roster`: groups, born, hired, 教研组
    (see `select` for what may be unknown); `waiting`: teacher, category ("" when unknown), date, why — register
    rows whose cells were rejected, which may still count (or, for an event, create an obligation)."""
    records: list[dict] = []
    not_due: dict[str, int] = {}
    repeats: dict[int, str] = {}
    as_of = min(as_of or end, end)
    reg = reg[[c for c in USED if c in reg.columns]]      # the register has ~40 columns; filters copy each
    dated = reg["date"].notna()
    for q in reqs:
        s, e = q.start or start, q.end or end
        acts = reg[reg["category"].isin(q.categories) & dated]
        if q.scope == "教研组":
            subjects = roster["教研组"].fillna("").astype(str)
            acts = acts.assign(subject=acts["teacher"].map(subjects))
            bound = pd.Series(True, index=pd.Index(sorted(x for x in subjects.unique() if x)))
            why = pd.Series("", index=bound.index)
            unknown = pd.Series("", index=bound.index)
        else:
            acts = acts.assign(subject=acts["teacher"])
            bound, why, unknown = select(roster, q.selector, s)
        wait_q = waiting
        if q.dedup_by_title and "title" in acts.columns:
            acts, again = _same_title(q, acts)
            repeats.update(again["why"].to_dict())
            if not again.empty:
                extra = again[["teacher", "category", "date", "why"]]
                wait_q = extra if waiting is None or waiting.empty else pd.concat([waiting, extra])
        if q.trigger is not None:
            recs = _triggered(q, reg, acts, roster, bound, s, e)
        else:
            plist = [p for p in periods(q.per, s, e)]
            due = [p for p in plist if p.start <= as_of]
            not_due[q.id] = len(plist) - len(due)
            recs = _per_period(q, acts, bound, why, unknown, due)
        if q.trigger is not None:       # an event obligation lists only those it may bind
            recs += [{"subject": subject, "requirement": q.id, "bound": False, "why": "", "pending": unknown[subject]}
                     for subject in bound.index[~bound & (unknown != "")]]
        records += _wait(q, recs, wait_q, roster, bound, s, e)
    cols = ["subject", "requirement", "bound", "why", "required", "done", "actual", "periods", "missing", "met",
            "pending"]
    table = pd.DataFrame.from_records(records, columns=cols)
    table["pending"] = table["pending"].astype(object).where(table["pending"].notna(), "")
    return RequirementOutcome(table, not_due, repeats)


_POINT_CODE = r"^([a-z]\d{1,2})(?!\d)"     # on the compared 题目 (`title_key`: lower case, no spaces or punctuation)


def _same_title(q: Requirement, acts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that count, later rows repeating a 题目 the subject already has, with why) for a requirement
    whose rows are distinct things (a 能力点 is certified once: 004's 至少3个能力点). The repeat is not
    counted twice; it waits (`_wait`) — a typo for another 能力点 would count — so an unmet count says
    待核实, a count already met stays met. Rows without a 题目 count one each, as before."""
    titled = acts["title"].to_numpy(dtype=object) != ""
    if titled.sum() < 2:
        return acts, acts.iloc[:0].assign(why="")
    order = acts.sort_values("date", kind="stable")
    # 「A1」 and 「A1技术支持的学情分析」 are one 能力点: a 题目 opening with a 能力点 code is that code (A1 ≠ A10)
    code = order["title"].str.extract(_POINT_CODE, expand=False)
    order = order.assign(title=code.where(code.notna(), order["title"]))
    key = order[["subject", "title"]]
    again = order["title"].ne("") & key.duplicated(keep="first")
    if not again.any():
        return acts, acts.iloc[:0].assign(why="")
    first: dict[tuple, int] = {}
    for k, row in zip(map(tuple, key.to_numpy().tolist()), order.index, strict=True):
        first.setdefault(k, row)        # sorted by date: the earliest row of a 题目 is the one that counts
    what = "、".join(q.categories)
    rep = order[again]
    why = [f"第{row}行与第{first[(subj, t)]}行是同一{what}「{text}」，只计一次（如是另一{what}，请改正题目）"
           for row, subj, t, text in zip(rep.index, rep["subject"], rep["title"], rep["title_text"], strict=True)]
    return acts.drop(index=rep.index), rep.assign(why=why)


def _per_period(q: Requirement, acts: pd.DataFrame, bound: pd.Series, why: pd.Series, unknown: pd.Series,
                due: list[Period]) -> list[dict]:
    """One record per subject: what each due period required and got.

    The subject × period grid is a numpy array filled on whole columns; what each subject required, did and
    missed is read off the grid row by row as Python lists. A pivot table, Series lookups or numpy scalars
    per cell cost more in fixed overhead than the work (a week requirement has ~40 periods per teacher)."""
    subjects = bound.index.tolist()
    row_of = {subject: i for i, subject in enumerate(subjects)}
    grid = np.zeros((len(subjects), len(due)))
    if len(acts) and due:
        inside, k = _inside(acts, due)
        i = np.array([row_of.get(subject, -1) for subject in acts["subject"].to_numpy()[inside].tolist()],
                     dtype=np.intp)
        known = i >= 0
        if q.quantity != "数量":                  # one per row: whole numbers, counted exactly
            np.add.at(grid, (i[known], k[inside][known]), 1.0)
        else:
            amount = acts["quantity"].fillna(1.0).to_numpy(dtype=float)[inside]
            if _exact_sums(amount):
                np.add.at(grid, (i[known], k[inside][known]), amount[known])
            else:       # amounts that round: pandas' compensated groupby sums, which the sheet shows
                counts = _count_by_period(acts, due, q.quantity)
                for subject, kk, n in zip(counts["subject"].tolist(), counts["p"].tolist(), counts["n"].tolist(),
                                          strict=True):
                    r = row_of.get(subject)
                    if r is not None:
                        grid[r, kk] += n
    is_bound = bound.tolist()
    why_of = dict(zip(why.index.tolist(), why.tolist(), strict=True))
    unknown_of = dict(zip(unknown.index.tolist(), unknown.tolist(), strict=True))
    got_rows = grid.tolist()
    done = np.minimum(grid, q.count).sum(axis=1).tolist()     # per row: the same pairwise sum as row.sum()
    actual = grid.sum(axis=1).tolist()
    nothing = [_missing(q, p, 0.0) for p in due]              # the usual text, made once per period
    required = q.count * len(due)
    least = q.count - 1e-9
    out = []
    for r, subject in enumerate(subjects):
        if not is_bound[r]:
            out.append({"subject": subject, "requirement": q.id, "bound": False, "why": why_of[subject],
                        "pending": unknown_of[subject]})
            continue
        missing = [nothing[k] if got == 0 else _missing(q, due[k], got)
                   for k, got in enumerate(got_rows[r]) if got < least]
        out.append({"subject": subject, "requirement": q.id, "bound": True, "why": "",
                    "required": required, "done": done[r], "actual": actual[r], "periods": len(due),
                    "missing": missing, "met": not missing})
    return out


def _wait(q: Requirement, recs: list[dict], waiting: pd.DataFrame | None, roster: pd.DataFrame, bound: pd.Series,
          s: dt.date, e: dt.date) -> list[dict]:
    """Mark 待核实 what a rejected register row could change: an unmet count (rows only add), or any event
    obligation when the row may itself be the event."""
    if waiting is None or waiting.empty:
        return recs
    event = q.trigger.category if q.trigger else None
    w = waiting[waiting["category"].isin([*q.categories, "", *([event] if event else [])])]
    d = w["date"]
    w = w[d.isna() | ((d >= pd.Timestamp(s)) & (d <= pd.Timestamp(e)))]
    if w.empty:
        return recs
    subject = w["teacher"].map(roster["教研组"].fillna("").astype(str)) if q.scope == "教研组" else w["teacher"]
    said = w.assign(subject=subject, may_be_event=w["category"].isin(["", event]) if event else False)
    by = {k: g for k, g in said.groupby("subject") if k}
    seen = set()
    for rec in recs:
        seen.add(rec["subject"])
        g = by.get(rec["subject"])
        if g is None or not rec["bound"] or rec.get("pending"):
            continue
        if not rec["met"] or bool(g["may_be_event"].any()):
            rec["pending"] = "；".join(dict.fromkeys(g["why"]))
    for subj, g in by.items():      # no event recorded yet, but a rejected row may be one
        if subj not in seen and event and g["may_be_event"].any() and bool(bound.get(subj, q.scope == "教研组")):
            recs.append({"subject": subj, "requirement": q.id, "bound": True, "why": "", "required": 0.0,
                         "done": 0.0, "actual": 0.0, "periods": 0, "missing": [], "met": False,
                         "pending": "；".join(dict.fromkeys(g["why"]))})
    return recs


def _missing(q: Requirement, p: Period, got: float) -> str:
    what = "、".join(q.categories) if len(q.categories) <= 2 else q.name
    if got == 0:
        return f"{p.label} 缺{what}" + ("" if q.count == 1 else f"（0/{q.count:g}）")
    return f"{p.label} {what}{got:g}/{q.count:g}"


def _triggered(q: Requirement, reg: pd.DataFrame, acts: pd.DataFrame, roster: pd.DataFrame, bound: pd.Series,
               s: dt.date, e: dt.date) -> list[dict]:
    """After every 外出学习 (within N days) / before every 走进异域 (at least N days ahead, since the last one)."""
    t = q.trigger
    ev = reg[(reg["category"] == t.category) & reg["date"].notna()]
    if t.roles:
        ev = ev[ev["role"].isin(t.roles)]
    ev = ev[(ev["date"] >= pd.Timestamp(s)) & (ev["date"] <= pd.Timestamp(e))]
    if q.scope == "教研组":
        ev = ev.assign(subject=ev["teacher"].map(roster["教研组"].fillna("").astype(str)))
        ev = ev[ev["subject"] != ""].drop_duplicates(["subject", "date"])
    else:
        ev = ev.assign(subject=ev["teacher"])
    ev = ev.sort_values(["subject", "date"])
    ev["prev"] = ev.groupby("subject")["date"].shift(1)
    pairs = ev[["subject", "date", "prev"]].reset_index(drop=True).reset_index(names="ev") \
        .merge(acts[["subject", "date", "quantity"]].rename(columns={"date": "adate"}), on="subject", how="left")
    if t.within_days is not None:
        until = pairs["date"] + pd.Timedelta(days=t.within_days)
        inside = (pairs["adate"] >= pairs["date"]) & (pairs["adate"] <= until)
    else:
        lo = pairs["prev"].fillna(pd.Timestamp(s) - pd.Timedelta(days=1))
        inside = (pairs["adate"] > lo) & (pairs["adate"] <= pairs["date"] - pd.Timedelta(days=t.before_days))
    w = pairs["quantity"].fillna(1.0) if q.quantity == "数量" else pd.Series(1.0, index=pairs.index)
    got = w.where(inside, 0.0).groupby(pairs["ev"]).sum().reindex(range(len(ev)), fill_value=0.0)
    ev = ev.reset_index(drop=True).assign(got=got.to_numpy())
    out = []
    what = "、".join(q.categories)
    for subject, grp in ev.groupby("subject"):
        if subject in bound.index and not bound[subject]:
            continue
        missing = []
        for _, r in grp.iterrows():
            if r["got"] < q.count - 1e-9:
                when = (f"{r['date']:%Y年%m月%d日}{t.category}后{t.within_days}天内" if t.within_days is not None
                        else f"{r['date']:%Y年%m月%d日}{t.category}前{t.before_days}天")
                missing.append(f"{when}缺{what}")
        out.append({"subject": subject, "requirement": q.id, "bound": True, "why": "",
                    "required": q.count * len(grp), "done": float(np.minimum(grp["got"], q.count).sum()),
                    "actual": float(grp["got"].sum()), "periods": len(grp), "missing": missing, "met": not missing})
    return out
