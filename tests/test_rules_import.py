"""Verify `rules import`: the rubric tables of seeds 000 and 003, read from Word, Excel and text, give the
rules the hand-written presets `xinghuo` and `lanxi4` encode, and compute what they compute.

The import cannot know what only the director can decide, so it leaves those as 待确认 policies. The
tests decide them the way the presets did (RESOLVE, one line per question, each the preset's own choice)
and, for seed 000, add what the plan outside the table says (PLAN_EDITS: 作业1/作业2 "6月5日前…逾期不交者
不纳入考核成绩"), exactly as a director would in the 考核细则 sheet. Then every count that feeds the
presets must give the same item scores, 总分, 折算分 and 等次.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rubric_tables as rt
from hypothesis import given
from hypothesis import strategies as st
from test_engine_rubric import LANXI_CASES, XINGHUO_CASES

from xlrubric.engine.rubric import score
from xlrubric.rulesimport import import_rules
from xlrubric.rulesimport.build import PROGRAM_POLICIES
from xlrubric.spec.load import deserialize, load_preset, to_mapping
from xlrubric.spec.model import PENDING, Spec
from xlrubric.spec.pending import pending_targets

# The director's decisions, each the choice the preset made for the same question.
RESOLVE = {
    "xinghuo": {"shared_points": "one_pool",            # preset shared_points: one_pool
                "vague_1": "entered",                    # preset truancy: entered
                "missing_components": "threshold",       # preset missing_components: threshold
                "missing_work": "zero",                  # preset missing_work: zero
                "deadline_1": "entered", "deadline_2": "entered", "deadline_3": "entered",   # plan_deadline
                "bands": "none"},                        # preset bands: none
    "lanxi4": {"band_scale": "scale", "band_gaps": "lower_bound", "quota_ties": "exclude_tied",
               "missing_work": "zero", "pieces_1": "per_piece",   # preset two_essays: 按篇
               "components_1": "entered",                          # preset reflection_components
               "deadline_1": "entered"},                           # preset plan_deadline
}
# Seed 000's plan (outside the table): "作业1：…撰写一篇学习体会、感悟或反思。6月5日前连同培训笔记一起上交,
# 逾期不交者此项不纳入考核成绩。" and "作业2：提交一份典型案例。…6月5日前上交实践作业，逾期不交者不纳入考核成绩。"
PLAN_EDITS = {
    "说课材料、课件、教学实录或教学设计": ("2021-06-05", "实践作业未交",
                                           "6月5日前上交实践作业，逾期不交者不纳入考核成绩。"),
    "学习心得、感悟或教学反思": ("2021-06-05", "心得未交",
                                 "6月5日前连同培训笔记一起上交,逾期不交者此项不纳入考核成绩。"),
}


def resolved(spec: Spec, preset: str) -> Spec:
    """The imported rules after the director's edits in the 考核细则 sheet."""
    m = to_mapping(spec)
    for p in m["policies"]:
        p["choice"] = RESOLVE[preset].get(p["id"], p["choice"])     # program policies keep their default
    if preset == "xinghuo":
        for item in m["rubric"]["items"]:
            if item["name"] in PLAN_EDITS:
                deadline, event, quote = PLAN_EDITS[item["name"]]
                item["deadline"] = deadline
                item["deductions"].append({"event": event, "kind": "not_counted", "derive": "missing",
                                           "quote": quote})
    return deserialize(m)


def _norm(q: str) -> str:
    return re.sub(r"[\s。；，,;]", "", q)


def event_map(preset: Spec, imported: Spec) -> dict[str, str]:
    """Preset event → imported event: the same item, the same clause (or, for a rule with no clause of its
    own, the same kind and source). Every preset rule must find its counterpart."""
    out = {}
    for a, b in zip(preset.rubric.items, imported.rubric.items, strict=True):
        assert a.full == b.full
        for d in a.deductions:
            same = [x for x in b.deductions if d.quote and x.quote
                    and (_norm(d.quote) in _norm(x.quote) or _norm(x.quote) in _norm(d.quote))]
            if not same:
                same = [x for x in b.deductions if not x.quote and x.kind == d.kind and x.derive == d.derive]
            assert len(same) == 1, f"{a.name}／{d.event}: {[x.event for x in same]}"
            x = same[0]
            assert (x.kind, x.points, x.cap, x.derive, x.late) == (d.kind, d.points, d.cap, d.derive, d.late), d.event
            if d.kind == "per_missing":
                assert (x.components, x.input) == (d.components, d.input), d.event
            out[d.event] = x.event
    return out


FORMATS = ["seed text", "word paste", "excel paste", "xlsx", "docx"]


def source(rubric_sources, preset: str, form: str):
    if rubric_sources[(preset, form)] is None:
        pytest.skip(f"the seed document {rt.SEED_FILES[preset]} is not beside the repository")
    return rubric_sources[(preset, form)]


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
@pytest.mark.parametrize("form", FORMATS)
def test_import_gives_the_presets_rules(rubric_sources, preset: str, form: str):
    """Verify each format of each seed table imports to the preset's items and rules, all questions open."""
    spec, findings = import_rules(source(rubric_sources, preset, form))
    ref = load_preset(preset)
    assert [(i.name, i.full) for i in spec.rubric.items] == [(i.name, i.full) for i in ref.rubric.items]
    assert spec.rubric.total == ref.rubric.total
    assert [(b.name, b.min, b.max, b.quota) for b in spec.rubric.bands] == \
        [(b.name, b.min, b.max, b.quota) for b in ref.rubric.bands]
    assert spec.rubric.band_scale == ref.rubric.band_scale
    # Program policies (registers, 待核实 and the quota) come with their default, as in the presets.
    assert {p.id for p in spec.policies} - set(PROGRAM_POLICIES) == set(RESOLVE[preset])
    assert {p.id: p.choice for p in spec.policies if p.id in PROGRAM_POLICIES} == \
        {p.id: p.choice for p in ref.policies if p.id in PROGRAM_POLICIES}
    assert all(p.choice == PENDING for p in spec.policies if p.id not in PROGRAM_POLICIES)
    assert not all(f.resolved for f in findings)
    event_map(ref, resolved(spec, preset))            # asserts every rule's kind, points and source


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
def test_formats_agree(rubric_sources, preset: str):
    """Verify Word, Excel, Excel paste and Word paste of one table give one and the same rubric."""
    specs = [import_rules(rubric_sources[(preset, f)])[0] for f in FORMATS if rubric_sources[(preset, f)] is not None]
    first = to_mapping(specs[0])
    for s in specs[1:]:
        m = to_mapping(s)
        assert (m["rubric"], m["policies"]) == (first["rubric"], first["policies"])


def test_preset_policies_about_the_table_are_asked(rubric_sources):
    """Verify every question a preset answers about the table's own words is asked by the import.

    Not asked: xinghuo `stages` ("分阶段…每少一次": the count is typed by the director either way) and the
    policies about the plan or the term outside the table (late_work, term_dates, duty_*)."""
    outside = {"xinghuo": {"stages", "late_work"}, "lanxi4": {"term_dates", "duty_counts", "duty_weeks"}}
    for preset in ("xinghuo", "lanxi4"):
        spec, _ = import_rules(rubric_sources[(preset, "docx")])
        quotes = [_norm(q) for p in spec.policies for q in p.quotes]
        quotes += [_norm(d.quote) for _, d in spec.rubric.deductions if d.policy]
        for p in load_preset(preset).policies:
            if p.id in outside[preset] or p.id == "bands" and spec.policy_obj("bands"):
                continue
            assert any(_norm(q) in x or x in _norm(q) for q in p.quotes if q for x in quotes) or \
                spec.policy_obj(p.id), f"{preset}: {p.id} not asked"


def _frame(spec: Spec, rows: dict[str, dict[str, float]], mapping: dict[str, str] | None = None) -> pd.DataFrame:
    events = [d.event for _, d in spec.rubric.deductions]
    back = {v: k for k, v in (mapping or {}).items()}
    return pd.DataFrame([{e: r.get(back.get(e, e), np.nan) for e in events} for r in rows.values()],
                        index=list(rows))


def _same_scores(preset: str, imported: Spec, rows: dict[str, dict[str, float]]) -> None:
    ref = load_preset(preset)
    mapping = event_map(ref, imported)
    a = score(ref, _frame(ref, rows)).scores
    b = score(imported, _frame(imported, rows, mapping)).scores
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


@pytest.mark.parametrize("preset,cases", [("xinghuo", XINGHUO_CASES), ("lanxi4", LANXI_CASES)])
def test_hand_computed_cases_score_the_same(rubric_sources, preset: str, cases):
    """Verify the engine tests' hand-computed teachers score the same under the imported rules."""
    imported = resolved(import_rules(rubric_sources[(preset, "xlsx")])[0], preset)
    _same_scores(preset, imported, {k: v[0] for k, v in cases.items()})


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
def test_any_counts_score_the_same(rubric_sources, preset: str):
    """Verify for generated counts (any teachers, any events) the imported rules equal the preset."""
    imported = resolved(import_rules(rubric_sources[(preset, "docx")])[0], preset)
    ref = load_preset(preset)
    limits = {d.event: (len(d.components) if d.kind == "per_missing" and d.components else
                        1 if d.kind != "per_event" else 6) for _, d in ref.rubric.deductions}

    @given(st.lists(st.fixed_dictionaries({e: st.one_of(st.none(), st.integers(0, n)) for e, n in limits.items()}),
                    min_size=1, max_size=12))
    def check(teachers):
        _same_scores(preset, imported, {f"t{i}": {k: v for k, v in t.items() if v is not None}
                                        for i, t in enumerate(teachers)})
    check()


def test_open_questions_make_their_items_pending(rubric_sources):
    """Verify an undecided import computes 待核实 exactly for the items its questions touch."""
    spec, _ = import_rules(rubric_sources[("lanxi4", "word paste")])
    targets = pending_targets(spec)
    # 计划 (deadline_1, missing_work), 心得体会 (pieces_1, missing_work), 评课材料/研修总结 (missing_work),
    # 教学反思 (components_1, missing_work), 等次 (band_scale, band_gaps, quota_ties); 参与情况 is certain.
    assert set(targets) == {"计划", "心得体会", "评课材料", "教学反思", "研修总结", "等次"}
    out = score(spec, _frame(spec, {"a": {}, "b": {"参与情况缺席次数": 2}}), rules_pending=targets)
    assert out.scores["参与情况"].tolist() == [5.0, 3.0]                 # 5 − 2×1
    assert out.scores[["计划", "教学反思", "总分"]].isna().all().all()
    assert out.scores["等次"].isna().all()
    assert all((t, "等次") in out.pending and (t, "计划") in out.pending for t in ("a", "b"))
    for preset in ("xinghuo", "lanxi4"):                                 # presets decide everything
        assert pending_targets(load_preset(preset)) == {}


def read_back(path: Path) -> Spec:
    from xlrubric.spec.load import load_rules_file
    return load_rules_file(path)


# ---------------------------------------------------------------- wording variants


def rule_set(spec: Spec) -> list[tuple]:
    """What the rules compute from, without the names and quotes the wording chooses."""
    return sorted((i.name, d.kind, d.points, d.cap, d.derive, d.late, tuple(d.components), d.required, d.input)
                  for i, d in spec.rubric.deductions)


def _table(rows: list[list[str]], header=("项目", "权重", "基本要求", "考核标准"), after=()) -> str:
    return "\n".join(["\t".join(h.replace("\n", "") for h in header), *("\t".join(r) for r in rows), *after]) + "\n"


def _variant(preset: str, edit) -> str:
    _, header, rows, _, after = rt.TABLES[preset]
    rows = [[edit(c) if j == len(r) - 1 else c for j, c in enumerate(r)] for r in rows]
    return _table([[c.replace("\n", "") for c in r] for r in rows], header, after)


VARIANTS = {
    "half-width punctuation": lambda s: s.replace("；", ";").replace("，", ",").replace("（", "(").replace("）", ")"),
    "full-width digits": lambda s: s.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
    "扣一分 / 扣半分": lambda s: s.replace("扣1分", "扣一分").replace("扣2分", "扣两分").replace("扣0.5分", "扣半分"),
    "synonyms": lambda s: (s.replace("扣", "减").replace("每少一项", "每缺一项")
                           .replace("不上交的不得分", "未上交的记0分").replace("一次", "1次")),
    "reordered clauses": lambda s: "；".join(reversed([c for c in re.split(r"(?<=分)[；;，,]", s.rstrip("。；"))
                                                      if c])),
}


@pytest.mark.parametrize("preset", ["xinghuo", "lanxi4"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_wording_variants_import_to_the_same_rules(rubric_sources, preset: str, variant: str):
    """Verify other ways of writing the same clauses give the same rules and the same questions."""
    base, _ = import_rules(rubric_sources[(preset, "excel paste")])
    spec, _ = import_rules(_variant(preset, VARIANTS[variant]))
    assert rule_set(spec) == rule_set(base)
    assert sorted(p.id for p in spec.policies) == sorted(p.id for p in base.policies)
    assert [(b.name, b.min, b.max, b.quota) for b in spec.rubric.bands] == \
        [(b.name, b.min, b.max, b.quota) for b in base.rubric.bands]


# ---------------------------------------------------------------- clauses that must not be guessed

UNCLEAR = _table([
    ["出勤", "5分", "按时参加集中学习", "缺勤超过3次的不得分；每次迟到扣0.5分"],
    ["作业", "10分", "按时完成作业", "缺交作业超过30%的不得分；情节严重的取消评优资格"],
    ["反思", "10分", "认真撰写反思", "旷训较多的每次扣1分"],
], header=("项目", "权重\n（20分）", "基本要求", "考核标准"),
    after=["等次：优秀不超过30%，90-100分为优秀；80-89.9分为良好；79.9分以下为合格。"])


def test_unclear_clauses_become_open_questions():
    """Verify a threshold, a percentage without its base, a sentence with no rule, 较多, items that do not
    add up to the stated total and bands on another scale are each put to the director, never guessed."""
    spec, findings = import_rules(UNCLEAR)
    open_ = [f for f in findings if not f.resolved]
    text = "\n".join(f"{f.where}|{f.message}|{'/'.join(f.quotes)}" for f in open_)
    assert "缺勤超过3次的不得分" in text                     # a threshold is not one of our kinds
    assert "缺交作业超过30%的不得分" in text and "百分比" in text   # 30% of what?
    assert "情节严重的取消评优资格" in text                  # no deduction, no 不得分
    assert "较多" in text                                    # 旷训较多: no number
    assert any(f.check == "total_matches_items" for f in open_)      # 5 + 10 + 10 = 25, stated 20
    assert any(f.check == "band_scale" for f in open_)               # bands on 100 points
    assert "优秀不超过30%" in text                           # 30% of whom?
    # Only the clause that reads exactly became a rule: 每次迟到扣0.5分 (per event, 签到登记: 迟到).
    assert rule_set(spec) == [("出勤", "per_event", 0.5, None, "irregular", False, (), None, "missing"),
                              ("反思", "per_event", 1.0, None, None, False, (), None, "missing")]
    targets = pending_targets(spec)
    assert {"出勤", "作业", "反思", "总分", "等次"} <= set(targets)


def test_user_grammar_extends_the_wording(tmp_path: Path):
    """Verify a school's own phrase (取消本项成绩) is unread without its grammar file and read with it."""
    text = _table([["总结", "5分", "写一篇总结", "抄袭的取消本项成绩；少写一段扣1分"]])
    spec, _ = import_rules(text)
    assert [p.quotes for p in spec.policies if p.id.startswith("unread")] == [["抄袭的取消本项成绩"]]
    extra = tmp_path / "本校语法.yaml"
    extra.write_text("outcomes:\n  zero: [取消本项成绩]\nnumeral_units: [段]\nkinds:\n  per_event: ['少写\\d+段']\n",
                     encoding="utf-8")
    spec, _ = import_rules(text, grammar=extra)
    assert rule_set(spec) == [("总结", "per_event", 1.0, None, None, False, (), None, "missing"),
                              ("总结", "zero", 0.0, None, None, False, (), None, "missing")]
    bad = tmp_path / "坏语法.yaml"
    bad.write_text("kinds:\n  once: ['(']\n", encoding="utf-8")
    with pytest.raises(Exception, match="正则表达式"):
        import_rules(text, grammar=bad)


def test_weights_as_schools_write_them():
    """Verify a weight typed as a bare number or in Chinese numerals is read, and one that is not points
    (a percentage) or is empty leaves the item out with a question naming it; an empty table is refused."""
    def fulls(weight: str):
        rows = [["计划", weight, "写计划", "迟交的扣1分"], ["总结", "5分", "写总结", "迟交的扣1分"]]
        spec, _ = import_rules(_table(rows))
        return [(i.name, i.full) for i in spec.rubric.items], [p.question for p in spec.policies
                                                                 if p.id.startswith("unread")]
    assert fulls("5") == ([("计划", 5), ("总结", 5)], [])
    assert fulls("五分") == ([("计划", 5), ("总结", 5)], [])
    assert fulls("20%") == ([("总结", 5)], ["项目「计划」的权重「20%」读不出分值；该项目没有导入"])
    assert fulls("") == ([("总结", 5)], ["项目「计划」的权重「（空）」读不出分值；该项目没有导入"])
    with pytest.raises(Exception, match="没有读到任何项目"):
        import_rules(_table([]))


def test_hidden_rows_of_an_imported_sheet_are_imported_and_said(rubric_sources, tmp_path: Path):
    """Verify a clause row the school hid in its own Excel 考核细则 (lanxi4's table: header on row 3, so its
    second item is row 5) is imported all the same — the rules equal those of the same file unhidden — and one
    警告 names 第5行 and says to delete an unused clause rather than hide it; the unhidden file has no such note."""
    import shutil

    from openpyxl import load_workbook

    plain = rubric_sources[("lanxi4", "xlsx")]
    hidden = tmp_path / plain.name
    shutil.copy(plain, hidden)
    wb = load_workbook(hidden)
    wb.worksheets[0].row_dimensions[5].hidden = True
    wb.save(hidden)
    base, base_findings = import_rules(plain)
    spec, findings = import_rules(hidden)
    assert spec == base
    assert [f for f in base_findings if f.check == "hidden_rows"] == []
    [said] = [f for f in findings if f.check == "hidden_rows"]
    assert (said.kind, said.where) == ("警告", f"{plain.name} 第5行") and not said.resolved
    assert said.message.startswith("第5行是隐藏的，其中的条款仍然导入") and "删除" in said.message


def _hidden_copy(plain: Path, path: Path, *, cols: list[str] = (), rows: list[int] = (), filter_ref: str = "",
                 state: str = "visible") -> Path:
    """A copy of an imported Excel table with its columns/rows hidden, a filter set, or the sheet hidden (a
    visible sheet is added first: a workbook keeps one)."""
    import shutil

    from openpyxl import load_workbook

    shutil.copy(plain, path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for c in cols:
        ws.column_dimensions[c].hidden = True
    for r in rows:
        ws.row_dimensions[r].hidden = True
    if filter_ref:
        ws.auto_filter.ref = filter_ref
    if state != "visible":
        wb.create_sheet("封面")
        ws.sheet_state = state
    wb.save(path)
    return path


def test_hidden_columns_and_sheet_of_an_imported_table_are_imported_and_said(rubric_sources, tmp_path: Path):
    """Verify what a school hid in its own Excel 考核细则 (lanxi4's table, header 阶段|项目|权重|基本要求|考核标准 on
    row 3) is imported all the same — the rules equal those of the same file unhidden — and said once per kind:
    a hidden 权重 column (C) by letter and header (the empty hidden column G is not named); the whole sheet
    hidden or veryHidden; a filter that hid row 5 in the hidden-rows note itself. The unhidden file says none."""
    plain = rubric_sources[("lanxi4", "xlsx")]
    base, base_findings = import_rules(plain)
    assert [f for f in base_findings if f.check.startswith("hidden")] == []

    def said(path: Path) -> list:
        spec, findings = import_rules(path)
        assert spec == base
        return [(f.kind, f.check, f.where, f.message, f.resolved) for f in findings if f.check.startswith("hidden")]

    (tmp_path / "cols").mkdir()                       # each copy keeps the file's name: the notes name it
    cols = _hidden_copy(plain, tmp_path / "cols" / plain.name, cols=["C", "G"])
    assert said(cols) == [("警告", "hidden_columns", f"{plain.name} 第C列（权重）",
                           "第C列（权重）是隐藏的，其中的内容仍然导入；请取消隐藏后核对，不用的内容请在原表中清空，"
                           "或在生成的「考核细则」表中删除它，而不是隐藏", False)]
    for state, how in (("hidden", "隐藏"), ("veryHidden", "深度隐藏")):
        (tmp_path / state).mkdir()
        sheet = _hidden_copy(plain, tmp_path / state / plain.name, state=state)
        assert said(sheet) == [("警告", "hidden_sheet", f"{plain.name} 工作表「考核细则（学校）」",
                                f"工作表「考核细则（学校）」是{how}的，其中的条款仍然导入；不用这张表请在原工作簿中删除它"
                                "（要用请取消隐藏后核对），而不是隐藏", False)]
    (tmp_path / "filter").mkdir()
    filtered = _hidden_copy(plain, tmp_path / "filter" / plain.name, rows=[5], filter_ref="A3:E9")
    [(_, _, where, message, _)] = said(filtered)
    assert where == f"{plain.name} 第5行"
    assert message.startswith("第5行被筛选隐藏或手动隐藏，其中的条款仍然导入；")
    assert message.endswith("（表上有筛选：也请清除筛选后核对）")


def test_the_visible_rules_table_is_imported_before_a_hidden_old_one(rubric_sources, tmp_path: Path):
    """Verify a rules workbook that keeps last year's table on a hidden sheet IN FRONT of this year's imports
    this year's, and says which sheet it took. By hand: the hidden first sheet holds xinghuo's table (seed 000,
    30 分), the visible second one lanxi4's (seed 003, 50 分); the import must equal lanxi4's own file, and one
    警告 (other_sheets) names the hidden 旧细则 as not imported. It used to take the first sheet in order: xinghuo's
    rules for a lanxi4 school, said only as a hidden sheet. With both sheets visible the first is taken, and the
    note names the other. It needs no policy: `rules import` does not ask to change a 策略 for it."""
    from openpyxl import load_workbook

    lanxi, xinghuo = rubric_sources[("lanxi4", "xlsx")], rubric_sources[("xinghuo", "xlsx")]
    want, _ = import_rules(lanxi)
    old_rows = [list(r) for r in load_workbook(xinghuo).worksheets[0].iter_rows(values_only=True)]

    def with_old_first(state: str) -> Path:
        wb = load_workbook(lanxi)
        old = wb.create_sheet("旧细则", 0)
        for row in old_rows:
            old.append(row)
        old.sheet_state = state
        (tmp_path / state).mkdir()
        path = tmp_path / state / lanxi.name
        wb.save(path)
        return path

    spec, findings = import_rules(with_old_first("hidden"))
    assert spec == want
    [note] = [f for f in findings if f.check == "other_sheets"]
    assert note.kind == "警告" and not note.resolved
    assert note.message.startswith("工作簿中还有工作表「旧细则」也像考核细则表，没有导入；导入的是「考核细则（学校）」"
                                   "（第一张这样的可见表）")
    assert [f for f in findings if f.check == "hidden_sheet"] == []       # the imported sheet is not hidden

    spec, findings = import_rules(with_old_first("visible"))      # both visible: the first one, the other named
    first, _ = import_rules(xinghuo)
    assert spec.model_copy(update={"seed": first.seed}) == first       # the seed names the file imported from
    assert [f.message for f in findings if f.check == "other_sheets"] == [
        "工作簿中还有工作表「考核细则（学校）」也像考核细则表，没有导入；导入的是「旧细则」（第一张这样的可见表）。"
        "如果应该用另一张，请把那张表单独另存为一个工作簿再导入"]
