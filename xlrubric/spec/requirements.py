"""达标要求 as data: an obligation is a count of some activity category per period, for the teachers a
selector picks.

"每位教师每月撰写一篇随笔、案例或反思", "四十五周岁以下教师录制一节录像精品课", "工作未满三年的新教师每两周
一次活动", "外出学习必须做到三个一", "各组必须在活动前一周上传教案" — all are one `Requirement`: which
categories count, how many per which period, for whom (组别/角色, age on a date, years since 入职), or per
event (after every 外出学习 / before every 走进异域). Thresholds are data, never constants.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Per = Literal["week", "biweek", "month", "semester", "year", "once", "event"]
PER_LABELS: dict[str, str] = {"week": "每周", "biweek": "每两周", "month": "每月", "semester": "每学期",
                              "year": "每学年", "once": "整个周期", "event": "每次活动"}
PER_FROM_LABEL = {v: k for k, v in PER_LABELS.items()} | {"周": "week", "双周": "biweek", "月": "month",
                                                          "学期": "semester", "学年": "year", "每次": "event"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Selector(_Model):
    """Which teachers an obligation binds, from the 教师名册 (组别/角色, 出生日期, 入职日期).

    Ages and years of service are whole years on `on` (default: the period's first day); a birthday or
    hire anniversary falling on that very day counts as completed (45周岁 on the day one turns 45).
    """

    groups: list[str] = Field(default_factory=list)          # any of these 组别/角色 (empty: everyone)
    exclude_groups: list[str] = Field(default_factory=list)
    max_age: int | None = None         # 四十五周岁以下 -> 45 (inclusive)
    min_age: int | None = None
    service_below: float | None = None    # 工作未满三年 -> 3 (strictly fewer completed years)
    service_at_least: float | None = None
    on: dt.date | None = None
    policy: str | None = None

    @property
    def everyone(self) -> bool:
        return not (self.groups or self.exclude_groups or self.max_age is not None or self.min_age is not None
                    or self.service_below is not None or self.service_at_least is not None)

    def describe(self) -> str:
        parts = []
        if self.groups:
            parts.append("、".join(self.groups))
        if self.exclude_groups:
            parts.append("不含" + "、".join(self.exclude_groups))
        if self.max_age is not None:
            parts.append(f"{self.max_age}周岁及以下")
        if self.min_age is not None:
            parts.append(f"{self.min_age}周岁及以上")
        if self.service_below is not None:
            parts.append(f"工作未满{self.service_below:g}年")
        if self.service_at_least is not None:
            parts.append(f"工作满{self.service_at_least:g}年")
        return "，".join(parts) or "全体教师"


class Trigger(_Model):
    """An event that creates an obligation: `after` it within `within_days`, or `before_days` before it."""

    category: str
    within_days: int | None = None       # after the event, by this many days
    before_days: int | None = None       # at least this many days before the event
    roles: list[str] = Field(default_factory=list)   # only events where the teacher had this 角色

    @model_validator(mode="after")
    def _check(self) -> Trigger:
        if (self.within_days is None) == (self.before_days is None):
            raise ValueError(f"触发事件「{self.category}」需要且只能填写“之后几天内”或“提前几天”之一")
        return self


class Requirement(_Model):
    """At least `count` of `categories` per `per` period (or per trigger event), for `selector`'s teachers."""

    id: str
    name: str
    categories: list[str]
    count: float = 1
    per: Per = "month"
    quantity: Literal["rows", "数量"] = "rows"      # count rows, or add up the 数量 column (节, 页)
    selector: Selector = Field(default_factory=Selector)
    trigger: Trigger | None = None
    scope: Literal["teacher", "教研组"] = "teacher"
    start: dt.date | None = None                     # default: the spec's period
    end: dt.date | None = None
    policy: str | None = None
    dedup_by_title: bool = False                     # rows with the same 题目 are one (a 能力点 certified once)
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> Requirement:
        if self.count <= 0:
            raise ValueError(f"达标要求「{self.name}」的数量必须大于0")
        if not self.categories:
            raise ValueError(f"达标要求「{self.name}」没有指定计入的类别")
        if (self.per == "event") != (self.trigger is not None):
            raise ValueError(f"达标要求「{self.name}」：按每次活动计的要求需要触发事件，反之亦然")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"达标要求「{self.name}」的开始日期晚于结束日期")
        return self

    def describe(self) -> str:
        what = "、".join(self.categories)
        if self.trigger:
            t = self.trigger
            when = (f"每次{t.category}后{t.within_days}天内" if t.within_days is not None
                    else f"每次{t.category}前{t.before_days}天")
            return f"{when}{what}{self.count:g}次"
        return f"{PER_LABELS[self.per]}{what}不少于{self.count:g}"
