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
# The rubric's registers know a teacher by 工号 or, without that column, by a unique 姓名 (with a 警告).
ID_OR_NAME = (Column(ID.name, ID.kind, False, ID.synonyms, hint=ID.hint, width=ID.width),
              Column(NAME.name, NAME.kind, False, NAME.synonyms, hint=NAME.hint, width=NAME.width))

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
    *ID_OR_NAME,
    # required: without it a 缺席 row would read as signed in (a blank cell in the column is 已签到)
    Column("签到状态", "choice", True, ("状态", "签到"), choices=SIGNIN_STATUSES,
           hint="留空视为已签到；未到请填“缺席”", width=10),
), title="签到登记（每位教师每次活动一行）", optional=True)

SUBMISSION = Layout("提交登记", (
    *ID_OR_NAME,
    Column("材料", "choice", True, ("提交材料", "项目", "作业"), width=22),
    Column("提交日期", "date", True, ("日期", "上交日期"), hint="如 2021-06-03", width=12),
    Column("备注", "text", width=20),
), title="提交登记（每位教师每份材料一行）", optional=True)

OVERRIDE = Layout("人工调整", (
    *ID_OR_NAME,
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
            limit = d.max_count        # yes/no columns 0–1, 每少一项 up to its components (× pieces)
            cols.append(Column(d.event, "count", False, tuple(d.aliases), hint=hint[:255],
                               width=max(8, len(d.event) * 1.8), max_value=limit))
    cols.append(Column("备注", "text", width=16))
    return Layout("考核记录", tuple(cols), title=f"{spec.name} 考核记录")


def scores_layout(spec: Spec) -> Layout:
    """直接评分: one column per item, headed by its name or an alias, holding the score the director typed."""
    cols = [ID, NAME]
    for item in spec.rubric.items if spec.rubric else []:
        cols.append(Column(item.name, "number", False, tuple(item.aliases),
                           hint=f"{item.name}的得分（0到{item.full:g}分）", width=max(8, len(item.name) * 2),
                           max_value=item.full))
    cols.append(Column("备注", "text", width=16))
    return Layout("考核记录", tuple(cols), title=f"{spec.name} 考核评分表")


def with_spec_synonyms(layout: Layout, spec: Spec) -> Layout:
    """Add the header synonyms a spec declares (e.g. a school that heads 工号 as 教师编号)."""
    if not spec.synonyms:
        return layout
    extra = spec.synonyms
    # a column is made again only when its synonyms change (the spec adds some, or it repeats one)
    cols = tuple(
        Column(c.name, c.kind, c.required, tuple(dict.fromkeys(c.synonyms + tuple(extra.get(c.name, ())))),
               c.choices, c.hint, c.width, c.max_value)
        if c.name in extra or len(set(c.synonyms)) != len(c.synonyms) else c
        for c in layout.columns)
    return Layout(layout.sheet, cols, layout.title, layout.optional, layout.key)


# 学时登记 (issue 5): one row per activity; the choices come from the spec's hour rules and requirements.
HOUR_STATUSES = ("待审核", "已认定", "不予认定")
HOUR_ROLES = ("参培者", "主讲人", "组织者", "参加者", "主持人", "主笔", "主要参与者", "承担者")
HOUR_LEVELS = ("国家级", "省级", "市级", "县级", "校级")
HOUR_AWARDS = ("一等奖", "二等奖", "三等奖", "结题", "在研", "优秀", "良好", "合格", "不合格")
HOURS_SHEET = "学时登记"


def _spec_words(spec: Spec) -> tuple[tuple[str, ...], ...]:
    """(categories, roles, levels, awards) a register for `spec` may use, spec's own words first."""
    cats: list[str] = []
    roles: list[str] = []
    levels: list[str] = []
    awards: list[str] = []
    h = spec.hours
    if h is not None:
        for r in h.rules:
            cats.append(r.category)
            roles += r.roles
            levels += r.levels + (list(r.table) if r.table_by == "级别" else [])
            awards += r.awards + (list(r.table) if r.table_by == "等次" else [])
        awards += [g.name for g in h.grades]
        if h.grade_category:
            cats.append(h.grade_category)
        for st in h.stages:
            cats += st.categories
    for q in spec.requirements:
        cats += q.categories
        if q.trigger:
            cats.append(q.trigger.category)
            roles += q.trigger.roles
    return (tuple(dict.fromkeys(cats)), tuple(dict.fromkeys(roles + list(HOUR_ROLES))),
            tuple(dict.fromkeys(levels + list(HOUR_LEVELS))), tuple(dict.fromkeys(awards + list(HOUR_AWARDS))))


def hours_layout(spec: Spec) -> Layout:
    """学时登记: 类别/角色/级别/等次/审核状态 drop-downs from the spec; 认定学时 is the director's own figure."""
    cats, roles, levels, awards = _spec_words(spec)
    return Layout(HOURS_SHEET, (
        ID, NAME,
        Column("日期", "date", True, ("活动日期", "开始日期", "培训时间", "时间"),
               hint="如 2023-10-12；跨多天填开始日期", width=12),
        Column("结束日期", "date", synonyms=("截止日期",), hint="跨多天的培训填结束日期", width=12),
        Column("类别", "choice", True, ("活动类别", "研修类别", "类型", "培训形式"), choices=cats, width=16),
        Column("角色", "choice", synonyms=("身份",), choices=roles, hint="参培者、主讲人、主持人…", width=10),
        Column("级别", "choice", synonyms=("层级",), choices=levels, width=8),
        Column("等次", "choice", synonyms=("获奖等次", "等次/获奖", "获奖", "结果", "培训结果"), choices=awards,
               width=8),
        Column("时长", "number", synonyms=("时长(小时)", "小时数", "时长（小时）", "学习时长"), hint="小时，填数字",
               width=8),
        Column("天数", "number", synonyms=("活动天数", "培训天数"), width=6),
        Column("证书学时", "number", synonyms=("证明学时", "证书所载学时"), hint="培训证书或证明上注明的学时", width=8),
        Column("字数", "number", width=8),
        Column("数量", "number", synonyms=("节数", "页数", "篇数"), hint="听课节数、笔记页数等，留空按1计", width=6),
        Column("成绩", "number", synonyms=("考试成绩", "分数"), hint="专业知识考试成绩", width=6),
        Column("题目", "text", synonyms=("培训内容", "内容", "名称", "课题名称", "论文题目"), width=24),
        Column("授课教师", "text", synonyms=("主讲人姓名", "授课人"), width=10),
        Column("学年", "text", synonyms=("年度",), hint="如 2023-2024", width=10),
        Column("审核状态", "choice", synonyms=("审核", "认定状态"), choices=HOUR_STATUSES, width=10),
        Column("认定学时", "number", synonyms=("人工认定学时",), hint="教务处人工认定的学时；留空按细则计算", width=8),
        Column("备注", "text", synonyms=("材料", "佐证材料"), width=16),
    ), title=f"{spec.name} 学时登记（每项活动一行）", optional=True)


TEAM = Layout("基本信息", (
    Column("姓名", "text", True, width=10),
    Column("年龄", "number", width=6, max_value=80),
    Column("学历", "choice", choices=("中专", "高中", "大专", "本科", "硕士研究生", "博士研究生", "研究生"), width=10),
    Column("专业", "text", width=14),
    Column("职务", "text", width=14),
), title="学校信息化管理团队", optional=True, key=("姓名",))
