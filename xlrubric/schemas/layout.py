"""The sheets a school fills in, described once: the template writer, the reader and the pandera
schemas all take their columns, synonyms, types and dropdown choices from here, so the blank
workbook and the validator can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from xlrubric.spec.model import Spec

ColumnKind = Literal["text", "id", "count", "number", "date", "choice", "multi"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False            # the header must be present
    synonyms: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    hint: str = ""                    # input message shown in the template
    width: float = 12
    max_value: float | None = None


@dataclass(frozen=True)
class Layout:
    sheet: str
    columns: tuple[Column, ...]
    title: str = ""                   # title row above the header in the template
    optional: bool = False            # the workbook may leave this sheet out
    key: tuple[str, ...] = ("工号", "姓名")   # at least one of these identifies a row
    synonyms_of_sheet: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ID = Column("工号", "id", True, ("教师编号", "编号", "职工号", "教工号", "工作证号"),
            hint="本校教师的工号，与教师名册一致", width=10)
NAME = Column("姓名", "text", True, ("教师姓名", "参训教师", "名字"), hint="教师姓名", width=10)

SIGNIN_STATUSES = ("已签到", "迟到", "早退", "间缺", "缺席")
ROLES = ("核心组", "学科指导组", "教师", "骨干", "班主任", "新教师", "教研组长", "行政")
STAGES = ("小学", "初中", "高中")

ROSTER = Layout("教师名册", (
    ID, NAME,
    Column("性别", "choice", choices=("男", "女"), width=6),
    Column("出生日期", "date", hint="如 1985-03-12", width=12),
    Column("入职日期", "date", hint="参加工作日期，如 2019-08-30", width=12),
    Column("学科", "text", synonyms=("任教学科",), width=10),
    Column("教研组", "text", synonyms=("教研室", "学科组"), width=10),
    Column("组别/角色", "multi", synonyms=("组别", "角色", "职务"), choices=ROLES,
           hint="可填多个，用顿号分隔，如：骨干、班主任", width=16),
), title="教师名册")

SIGNIN = Layout("签到登记", (
    Column("日期", "date", True, ("活动日期", "签到日期"), width=12),
    Column("活动名称", "text", True, ("活动", "研修活动", "培训内容"), width=24),
    Column("参加范围", "text", synonyms=("参加对象", "范围"),
           hint="全体，或某个教研组/学科名称；留空表示全体教师", width=12),
    ID, NAME,
    Column("签到状态", "choice", synonyms=("状态", "签到"), choices=SIGNIN_STATUSES,
           hint="留空视为已签到；未到请填“缺席”", width=10),
), title="签到登记（每位教师每次活动一行）", optional=True)

SUBMISSION = Layout("提交登记", (
    ID, NAME,
    Column("材料", "choice", True, ("提交材料", "项目", "作业"), width=22),
    Column("提交日期", "date", True, ("日期", "上交日期"), hint="如 2021-06-03", width=12),
    Column("备注", "text", width=20),
), title="提交登记（每位教师每份材料一行）", optional=True)

OVERRIDE = Layout("人工调整", (
    ID, NAME,
    Column("项目", "choice", True, ("调整项目",), hint="考核项目名称，或“等次”", width=22),
    Column("调整为", "text", True, ("调整后", "调整值"), hint="该项的分数，或等次名称", width=10),
    Column("原因", "text", True, ("调整原因", "理由"), hint="必须填写调整原因", width=30),
), title="人工调整（教务主任对计算结果的调整，须写明原因）", optional=True)

INFO_FIELDS = ("学校名称", "所涉学段", "学校负责人", "项目联络人", "联系电话", "电子邮箱", "学年", "学期")
INFO_SHEET = "基本信息"


def record_layout(spec: Spec) -> Layout:
    """考核记录: one column per 扣分事项, headed by its name in the rubric."""
    cols = [ID, NAME]
    if spec.rubric:
        for item, d in spec.rubric.deductions:
            if d.kind in ("once", "zero", "not_counted"):
                hint = f"{item.name}：是填1，否留空或填0"
            elif d.kind == "per_missing" and d.input == "present":
                hint = f"{item.name}：填已有项目数（共{len(d.components)}项：{'、'.join(d.components)}）"
            elif d.kind == "per_missing":
                hint = f"{item.name}：填缺少的项目数"
            else:
                hint = f"{item.name}：填次数"
            if d.derive:
                hint += "；有签到/提交登记时可留空，由登记推算"
            limit = len(d.components) if d.kind == "per_missing" and d.components else None
            cols.append(Column(d.event, "count", False, tuple(d.aliases), hint=hint[:255],
                               width=max(8, len(d.event) * 1.8), max_value=limit))
    cols.append(Column("备注", "text", width=16))
    return Layout("考核记录", tuple(cols), title=f"{spec.name} 考核记录")


def with_spec_synonyms(layout: Layout, spec: Spec) -> Layout:
    """Add the header synonyms a spec declares (e.g. a school that heads 工号 as 教师编号)."""
    if not spec.synonyms:
        return layout
    cols = tuple(
        Column(c.name, c.kind, c.required, tuple(dict.fromkeys(c.synonyms + tuple(spec.synonyms.get(c.name, ())))),
               c.choices, c.hint, c.width, c.max_value)
        for c in layout.columns)
    return Layout(layout.sheet, cols, layout.title, layout.optional, layout.key)
