"""The rules as data: one pydantic model for presets, YAML files and a workbook's 考核细则 sheet.

A school changes its 考核细则 by editing data, never Python. Every rule carries the line of the source
document it encodes (`quote`), so a result can always say *why* a point was deducted. Where a document
leaves a choice open, the choice is a named `Policy` that `xlrubric lint` reports.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xlrubric.spec.hours import HoursSpec
from xlrubric.spec.requirements import Requirement
from xlrubric.spec.words import Words

DeductionKind = Literal["per_event", "once", "zero", "not_counted", "per_missing"]
# The same kinds as a school writes them in its 考核细则 sheet.
KIND_LABELS: dict[str, str] = {
    "per_event": "每次",
    "once": "一次",
    "zero": "不得分",
    "not_counted": "不纳入考核",
    "per_missing": "每少一项",
}
KIND_FROM_LABEL = {v: k for k, v in KIND_LABELS.items()} | {
    "每次扣分": "per_event", "按次": "per_event", "一次性": "once", "扣一次": "once",
    "零分": "zero", "不纳入": "not_counted", "每缺一项": "per_missing",
}
# Facts a deduction can be derived from, instead of a count typed in 考核记录.
DeriveFrom = Literal["absent", "irregular", "late", "missing"]
DERIVE_LABELS: dict[str, str] = {
    "absent": "签到登记：缺席",
    "irregular": "签到登记：迟到/早退/间缺",
    "late": "提交登记：迟交",
    "missing": "提交登记：未交",
}
DERIVE_FROM_LABEL = {v: k for k, v in DERIVE_LABELS.items()} | {
    "缺席": "absent", "缺签到": "absent", "迟到早退": "irregular", "迟交": "late", "未交": "missing",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class Deduction(_Model):
    """One countable 扣分事项: its column in 考核记录 is headed by `event`."""

    event: str
    kind: DeductionKind = "per_event"
    points: float = 0.0                     # per event / once / per missing component
    cap: float | None = None                # most this rule may take off in total
    components: list[str] = Field(default_factory=list)   # per_missing: what a complete piece contains
    required: int | None = None             # per_missing: deductions start below this many components
    input: Literal["present", "missing"] = "missing"      # per_missing: the column holds present or missing count
    late: bool = False                      # this is the 迟交 rule the `late_work` policy governs
    derive: DeriveFrom | None = None        # derived from 签到登记 / 提交登记 when those sheets are present
    aliases: list[str] = Field(default_factory=list)
    requirement: str | None = None          # the 基本要求 row this rule belongs to, when an item has several
    pieces: int | None = None               # the column counts over this many pieces of work (lanxi4: 2篇心得)
    policy: str | None = None               # id of the policy that decides how this rule reads
    quote: str = ""                         # the line of the source document this rule encodes

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_label(cls, v: Any) -> Any:
        return KIND_FROM_LABEL.get(str(v).strip(), v) if v is not None else v

    @field_validator("derive", mode="before")
    @classmethod
    def _derive_label(cls, v: Any) -> Any:
        if v in (None, ""):
            return None
        return DERIVE_FROM_LABEL.get(str(v).strip(), v)

    @model_validator(mode="after")
    def _check(self) -> Deduction:
        if self.points < 0:
            raise ValueError(f"扣分事项「{self.event}」的分值不能为负数")
        if self.kind in ("per_event", "once", "per_missing") and self.points == 0:
            raise ValueError(f"扣分事项「{self.event}」（{KIND_LABELS[self.kind]}）需要填写分值")
        if self.kind == "per_missing" and self.input == "present" and not self.components:
            raise ValueError(f"扣分事项「{self.event}」按已有项目数计算，需要列出应有的项目")
        return self

    @property
    def max_count(self) -> int | None:
        """Largest value this rule's column can hold (None = unbounded).

        A yes/no rule (一次 / 不得分 / 不纳入考核) holds 1 or nothing. A per-piece rule over several pieces
        (lanxi4's two essays, counted together under policy two_essays=total) holds at most one per piece,
        and a 每少一项 column at most the listed components of every piece.
        """
        if self.kind in ("once", "zero", "not_counted"):
            return 1
        if self.kind == "per_missing" and self.components:
            return len(self.components) * (self.pieces or 1)
        return self.pieces


class Item(_Model):
    """One 考核项目 with its full marks and the deductions that come out of them."""

    name: str
    full: float
    aliases: list[str] = Field(default_factory=list)   # other names (the plan's wording, 提交登记 材料)
    deadline: dt.date | None = None                     # for 提交登记: handed in after this is 迟交
    requirement: str | None = None                      # 基本要求
    deductions: list[Deduction] = Field(default_factory=list)
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> Item:
        if self.full <= 0:
            raise ValueError(f"考核项目「{self.name}」的满分必须大于0")
        return self

    @property
    def score_step(self) -> float | None:
        """The unit every score the rules can give this item is a multiple of, counted down from full marks
        (lanxi4's 参与情况: 5 − 0.5 per 迟到 − 1 per 缺席 → 0.5), or None when no such unit is meaningful.

        Deductions are whole counts times their points, capped by their caps and floored at 0 (不得分 and
        不纳入考核 give 0): all of these, and full marks, are multiples of the greatest common unit of the
        points, caps and full marks. A typed score off that grid (4.25 where the steps are 0.5) cannot come
        from the rules, so it is worth a word to the director."""
        values = [self.full] + [v for d in self.deductions for v in (d.points, d.cap) if v]
        if not self.deductions:
            return None
        parts = [Fraction(v).limit_denominator(1000) for v in values]
        if any(abs(float(f) - v) > 1e-9 for f, v in zip(parts, values, strict=True)):
            return None
        den = math.lcm(*(f.denominator for f in parts))
        unit = Fraction(math.gcd(*(int(f * den) for f in parts)), den)
        return float(unit)


class Band(_Model):
    """One 等次: scores in [min, max] on the bands' scale; `quota` caps its share of participants."""

    name: str
    min: float | None = None
    max: float | None = None
    quota: float | None = None        # fraction of participants, e.g. 0.4 for 不超过40%
    quote: str = ""

    @model_validator(mode="after")
    def _check(self) -> Band:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"等次「{self.name}」的下限 {self.min} 大于上限 {self.max}")
        if self.quota is not None and not 0 < self.quota <= 1:
            raise ValueError(f"等次「{self.name}」的比例上限应在0到100%之间")
        return self


InputStyle = Literal["counts", "scores", "both"]
# How a school records its rubric: counts of 扣分事项, item scores typed by the director (直接评分), or both.
INPUT_LABELS: dict[str, str] = {"counts": "扣分事项", "scores": "评分", "both": "扣分事项和评分"}
INPUT_FROM_LABEL = {v: k for k, v in INPUT_LABELS.items()} | {
    "直接评分": "scores", "项目得分": "scores", "次数": "counts", "两者": "both", "评分优先": "both"}


class Rubric(_Model):
    total: float
    # counts: one column per 扣分事项; scores: one column per item, the director's typed score;
    # both: either, and a typed score wins over the item's deductions.
    input: InputStyle = "both"
    items: list[Item]
    bands: list[Band] = Field(default_factory=list)    # highest first
    band_scale: float | None = None                    # the points scale the band thresholds are written on
    quote: str = ""

    @field_validator("input", mode="before")
    @classmethod
    def _input_label(cls, v: Any) -> Any:
        return INPUT_FROM_LABEL.get(str(v).strip(), v) if v not in (None, "") else "both"

    @model_validator(mode="after")
    def _check(self) -> Rubric:
        seen: dict[str, str] = {}
        for item in self.items:
            for d in item.deductions:
                key = d.event
                if key in seen:
                    raise ValueError(f"扣分事项「{key}」在「{seen[key]}」和「{item.name}」中重复，列名必须唯一")
                seen[key] = item.name
        names = [i.name for i in self.items]
        if len(set(names)) != len(names):
            raise ValueError("考核项目名称重复")
        return self

    def item(self, name: str) -> Item:
        return next(i for i in self.items if i.name == name)

    @property
    def deductions(self) -> list[tuple[Item, Deduction]]:
        return [(i, d) for i in self.items for d in i.deductions]


# The choice of a policy nobody has decided yet (an imported 考核细则): the items it touches show 待核实.
PENDING = "待确认"


class Policy(_Model):
    """A choice the source document leaves open, made explicit so nothing is silently guessed.

    `choice` may be PENDING (listed among the options): the policy is open, and what it touches is
    not computed until a director picks an option.
    """

    id: str
    title: str
    kind: Literal["矛盾", "歧义", "空档", "未规定"] = "歧义"
    question: str
    choice: str
    options: dict[str, str]
    quotes: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)   # items (or 总分/等次) it touches besides its rules'

    @property
    def pending(self) -> bool:
        return self.choice == PENDING

    @model_validator(mode="after")
    def _check(self) -> Policy:
        if self.choice not in self.options:
            raise ValueError(f"策略「{self.id}」的选择「{self.choice}」不在可选项 {list(self.options)} 中")
        return self


class Period(_Model):
    start: dt.date
    end: dt.date


class Spec(_Model):
    """Everything a preset, a YAML file or a 考核细则 sheet defines."""

    id: str
    name: str
    school: str = ""
    seed: str = ""                      # the source document this preset encodes
    term: str = ""
    period: Period | None = None
    synonyms: dict[str, list[str]] = Field(default_factory=dict)   # column name -> other headers schools use
    words: Words | None = None           # value synonyms, units, amounts the school adds (see spec.words)
    rubric: Rubric | None = None
    policies: list[Policy] = Field(default_factory=list)
    hours: HoursSpec | None = None               # 学时认定 (see spec.hours)
    requirements: list[Requirement] = Field(default_factory=list)   # 达标要求 (see spec.requirements)

    def policy(self, pid: str, default: str | None = None) -> str | None:
        for p in self.policies:
            if p.id == pid:
                return p.choice
        return default

    def policy_obj(self, pid: str) -> Policy | None:
        return next((p for p in self.policies if p.id == pid), None)
