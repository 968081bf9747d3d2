"""学时认定 as data: which register rows earn hours, how many, and what a teacher must reach.

A school's 学时认定办法 is a list of `HourRule`s (category + who/what level → a computation), `HourLimit`s
(每学年每人限1篇, 同篇只计一次最高等次), `HourTarget`s (每年至少40学时, 五年一轮200学时, the national 360 as an
alternative cycle) and `CrossRule`s (考核不合格者年度考核不能评为优秀). Every number is data so a school changes
its rules in YAML or in its 考核细则 sheet; every rule quotes the line of the plan it encodes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# How a matching register row becomes hours.
HourCompute = Literal["per_hour", "per_day", "certificate", "certificate_or_days", "fixed", "table", "tercile"]
COMPUTE_LABELS: dict[str, str] = {
    "per_hour": "按小时", "per_day": "按天数", "certificate": "按证书", "certificate_or_days": "按证书或天数",
    "fixed": "固定", "table": "按级别/等次", "tercile": "按成绩三等分",
}
COMPUTE_FROM_LABEL = {v: k for k, v in COMPUTE_LABELS.items()}
Approval = Literal["required", "not_rejected"]
STATUSES = ("待审核", "已认定", "不予认定")
LimitScope = Literal["学年", "周期"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class HourRule(_Model):
    """One way a register row earns hours: its 类别 (and 角色/级别/等次 when they decide the amount)."""

    id: str
    category: str                                   # 类别 as it appears in 学时登记
    aliases: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)  # 角色 this rule applies to (empty: any)
    levels: list[str] = Field(default_factory=list)  # 级别 this rule applies to (empty: any)
    compute: HourCompute = "fixed"
    hours: float = 0.0                              # fixed hours, or 学时 per hour / per day
    table: dict[str, float] = Field(default_factory=dict)   # table: 级别 or 等次 -> hours
    table_by: Literal["级别", "等次"] = "等次"
    tiers: list[float] = Field(default_factory=list)         # tercile: hours for top / middle / bottom
    min_words: int | None = None                    # fewer 字数 earn nothing (无效学时)
    awards: list[str] = Field(default_factory=list)  # the row's 等次 must be one of these (课题: 结题)
    approval: Approval = "not_rejected"             # required: only 已认定 rows count
    group: str | None = None                        # limit group (see HourLimit.group)
    policy: str | None = None
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> HourRule:
        if self.compute == "table" and not self.table:
            raise ValueError(f"学时规则「{self.id}」按级别/等次计算，需要填写对照表")
        if self.compute == "tercile" and len(self.tiers) != 3:
            raise ValueError(f"学时规则「{self.id}」按成绩三等分，需要三个学时数（前、中、后）")
        if self.compute in ("per_hour", "per_day", "fixed") and self.hours <= 0:
            raise ValueError(f"学时规则「{self.id}」需要填写学时数")
        if any(v < 0 for v in (self.hours, *self.table.values(), *self.tiers)):
            raise ValueError(f"学时规则「{self.id}」的学时数不能为负数")
        return self

    @property
    def names(self) -> list[str]:
        return [self.category, *self.aliases]


class HourLimit(_Model):
    """A cap shared by the rules of one `group`: at most `max_count` rows and/or `max_hours` per scope.

    `dedup_by_title` counts rows with the same 题目 once, at their highest hours (同篇只计一次最高等次).
    """

    id: str
    group: str
    per: LimitScope = "学年"
    max_count: int | None = None
    max_hours: float | None = None
    dedup_by_title: bool = False
    policy: str | None = None
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> HourLimit:
        if self.max_count is None and self.max_hours is None and not self.dedup_by_title:
            raise ValueError(f"学时上限「{self.id}」没有规定篇数、学时或去重")
        if self.max_count is not None and self.max_count < 1:
            raise ValueError(f"学时上限「{self.id}」的篇数至少为1")
        return self


class HourTarget(_Model):
    """What a teacher must reach: hours per 学年 or per cycle, possibly only from some categories.

    `primary` targets decide 达标; the others (the national 360 per five years) are shown beside them.
    `min_share` requires these categories to make up at least that share of all hours (实践学时不少于50%).
    """

    id: str
    name: str
    hours: float = 0.0
    per: Literal["学年", "周期"] = "学年"
    categories: list[str] = Field(default_factory=list)   # empty: all categories
    min_share: float | None = None
    primary: bool = True
    cycle_years: int | None = None     # the alternative cycle's stated length (shown; totals use `cycle`)
    policy: str | None = None
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> HourTarget:
        if self.hours <= 0 and self.min_share is None:
            raise ValueError(f"学时要求「{self.name}」需要学时数或比例")
        if self.min_share is not None and not 0 < self.min_share <= 1:
            raise ValueError(f"学时要求「{self.name}」的比例应在0到100%之间")
        return self


class Stage(_Model):
    """A dated stage with its own hours (开鲁: 8月15日——9月15日 总计16学时); 不合格 below `hours`."""

    id: str
    name: str
    start: dt.date
    end: dt.date
    hours: float
    categories: list[str] = Field(default_factory=list)
    policy: str | None = None
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> Stage:
        if self.start > self.end:
            raise ValueError(f"阶段「{self.name}」的开始日期晚于结束日期")
        return self


class CrossRule(_Model):
    """A failed target or stage caps another result: 不合格者年度考核不能评为优秀."""

    id: str
    when_failed: str                 # id of a Stage or HourTarget
    result: str = "年度考核"          # the result it limits
    forbid: list[str] = Field(default_factory=list)    # 等次 the teacher cannot be given
    effect: str = ""                 # the limit as the plan says it
    policy: str | None = None
    quote: str = ""


class Grade(_Model):
    """A 项目考核 等次 and what it brings (合格/良好/优秀 → +1/+2/+3 年终考核, 10 学分)."""

    name: str
    bonus: float = 0.0
    credits: float = 0.0
    quote: str = ""


class Cycle(_Model):
    """The 五年一轮 cycle: the 学年 it starts in and its length."""

    start_year: int                  # 2023 -> the cycle starts with 学年 2023-2024
    years: int = 5
    policy: str | None = None
    quote: str = ""


class HoursSpec(_Model):
    year_start_month: int = 9        # 学年 runs from this month's 1st
    cycle: Cycle | None = None
    rules: list[HourRule] = Field(default_factory=list)
    limits: list[HourLimit] = Field(default_factory=list)
    targets: list[HourTarget] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    cross_rules: list[CrossRule] = Field(default_factory=list)
    grades: list[Grade] = Field(default_factory=list)   # highest first
    grade_category: str | None = None    # the register 类别 a director's 项目考核等次 is typed under
    manual_policy: str | None = None

    @model_validator(mode="after")
    def _check(self) -> HoursSpec:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("学时规则的编号重复")
        groups = {r.group for r in self.rules if r.group}
        for lim in self.limits:
            if lim.group not in groups:
                raise ValueError(f"学时上限「{lim.id}」的规则组「{lim.group}」没有规则")
        known = {s.id for s in self.stages} | {t.id for t in self.targets}
        for cr in self.cross_rules:
            if cr.when_failed not in known:
                raise ValueError(f"关联规则「{cr.id}」引用的「{cr.when_failed}」不是阶段或学时要求")
        if not 1 <= self.year_start_month <= 12:
            raise ValueError("学年开始月份应为1到12")
        return self

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(r.category for r in self.rules))

    def category_of(self) -> dict[str, str]:
        """Every name a school may type (category or alias) -> the rule's category."""
        out: dict[str, str] = {}
        for r in self.rules:
            for n in r.names:
                out.setdefault(n, r.category)
        return out
