"""One 考核标准 cell → clauses → deduction rules, by the grammar; what the grammar cannot read is kept.

A clause is a piece of the cell between clause marks (；，。) that holds a deduction ("扣1分") or an
outcome ("不得分"); pieces with neither are kept with the clause after them, so a clause's quote is the
whole sentence the rule rests on ("项目不全（少于三项的），每少一项扣2分"). A clause the grammar cannot
map exactly (a threshold, a percentage, a sentence with no rule) comes back as `Unread` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xlrubric.rulesimport.grammar import Grammar

NO_RULE = "这句话里没有扣分或“不得分/不纳入考核”，无法换算为扣分规则"


@dataclass
class Rule:
    """A deduction read from one clause (the fields of `spec.model.Deduction`, before it is named)."""

    quote: str
    kind: str
    cond: str                      # normalised condition ("每少1次签到")
    points: float = 0.0
    cap: float | None = None
    derive: str | None = None
    components: list[str] = field(default_factory=list)
    required: int | None = None
    vague: list[str] = field(default_factory=list)


@dataclass
class Unread:
    """A clause the grammar could not map exactly, and why."""

    quote: str
    reason: str


def split_pieces(text: str, marks: str) -> list[str]:
    """Cut at clause marks (full- or half-width), outside brackets; each piece keeps its trailing mark."""
    half = {"；": ";", "，": ",", "。": "。", "、": "、"}
    pieces, depth, cur = [], 0, ""
    for ch in text.replace("\n", ""):
        cur += ch
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        elif depth == 0 and half.get(ch, ch) in marks:
            pieces.append(cur)
            cur = ""
    if cur.strip():
        pieces.append(cur)
    return [p for p in pieces if p.strip(" ;,。；，")]


def _strip(quote: str) -> str:
    return quote.strip().rstrip("；，,;、。").strip()


class ClauseReader:
    """Reads the clauses of one standard cell with a grammar."""

    def __init__(self, grammar: Grammar):
        self.g = grammar
        self.deduction = re.compile(grammar["deduction"])
        outcomes = grammar["outcomes"]
        self.outcomes = sorted(((w, k) for k, ws in outcomes.items() for w in ws), key=lambda x: -len(x[0]))

    def has_rule(self, norm: str) -> bool:
        return bool(self.deduction.search(norm)) or any(w in norm for w, _ in self.outcomes)

    def read(self, text: str, requirements: list[str]) -> list[Rule | Unread]:
        """The rules of a 考核标准 cell; `requirements` are the item's 基本要求 texts (for components)."""
        out: list[Rule | Unread] = []
        pending = ""
        for piece in split_pieces(text, self.g["clause_marks"]):
            norm = self.g.normalize(piece)
            cap = self.g.match_any(self.g["cap"], _strip(norm))
            if cap and out and isinstance(out[-1], Rule) and not pending:
                if cap.groupdict().get("n"):
                    out[-1].cap = float(cap.group("n"))
                out[-1].quote = f"{out[-1].quote}，{_strip(piece)}"
                continue
            if not self.has_rule(norm):
                pending += piece
                continue
            rule = self.clause(_strip(piece), requirements)
            # A lead-in joins its rule when it qualifies it ("项目不全（少于三项的），每少一项…") or lists
            # what a complete piece has; a sentence of its own before a rule is reported, not merged.
            if pending and (pending.rstrip()[-1:] in ",，" or getattr(rule, "kind", "") == "per_missing"):
                rule = self.clause(_strip(pending + piece), requirements)
            elif pending.strip(" ;,。；，"):
                out.append(Unread(_strip(pending), NO_RULE))
            out.append(rule)
            pending = ""
        if pending.strip(" ;,。；，"):
            out.append(Unread(_strip(pending), NO_RULE))
        return out

    def clause(self, quote: str, requirements: list[str]) -> Rule | Unread:
        g = self.g
        norm = g.normalize(quote).rstrip("。")
        outcome = next(((w, k) for w, k in self.outcomes if w in norm), None)
        m = self.deduction.search(norm)
        if outcome and (not m or norm.index(outcome[0]) < m.start("verb")):
            cond, kind, points = norm[:norm.index(outcome[0])], outcome[1], 0.0
        elif m:
            cond, points = m.group("cond"), float(m.group("points"))
            kind = self._kind(cond)
            rest = norm[m.end():].strip(",;。")
            if rest and self.has_rule(rest):
                return Unread(quote, "一句话里有两条扣分，无法分开；请拆成两行")
        else:                                                   # pragma: no cover - has_rule was true
            return Unread(quote, "没有找到扣分")
        cond = cond.strip(",;、")
        if "%" in cond and not any(b in cond for b in g["percent_bases"]):
            return Unread(quote, f"条件「{cond}」中的百分比没有说明是什么的百分比（基数），无法换算")
        if kind != "per_missing" and (t := g.match_any(g["thresholds"], cond)):
            return Unread(quote, f"条件「{cond}」带有门槛（{t.group(0)}），不是按次、按项或一次扣分，无法换算")
        rule = Rule(quote=quote, kind=kind, cond=cond, points=points)
        rule.vague = [w for w in g["vague"] if w in cond]
        for name, spec in g["derive"].items():
            if g.match_any(spec["patterns"], cond):
                rule.derive = name
                break
        if kind == "per_missing":
            if req := re.search(g["required"], norm):
                rule.required = int(req.group("n"))
            rule.components = self.components(norm, requirements)
        return rule

    def _kind(self, cond: str) -> str:
        for kind in ("per_missing", "per_event", "once"):
            if self.g.match_any(self.g["kinds"][kind], cond):
                return kind
        return "once"

    def components(self, clause: str, requirements: list[str]) -> list[str]:
        """The components a complete piece has: listed in the clause, else in the item's 基本要求."""
        g = self.g
        found = g.match_any([*g["components_in_clause"], *g["components"]], clause)
        if found is None:
            for req in requirements:
                if found := g.match_any(g["components"], g.normalize(req)):
                    break
        if found is None:
            return []
        out: list[str] = []
        for word in re.split(g["component_separators"], found.group("list")):
            word = word.strip(" 等。")
            out.extend(g["component_words"].get(word, [word] if word else []))
        return list(dict.fromkeys(out))


def pieces_required(grammar: Grammar, requirements: list[str]) -> int | None:
    """How many pieces a 基本要求 asks for ("撰写心得体会2篇" → 2), when more than one."""
    for req in requirements:
        if (m := re.search(grammar["pieces"], grammar.normalize(req))) and int(m.group("n")) > 1:
            return int(m.group("n"))
    return None


def as_dict(rule: Rule) -> dict[str, Any]:
    return {k: v for k, v in rule.__dict__.items() if v not in (None, [], "")}
