"""The read table → a `Spec` (the presets' model), with an open policy wherever the document leaves a choice.

Every rule quotes its clause. What the grammar could not read, and every question `lint` finds in the
result, becomes a policy whose choice is `PENDING` (待确认), built from the grammar's policy templates and
attached to the rules it concerns: `lint` then lists it as undecided and compute shows the items it
touches as 待核实 until the director picks an option in the 考核细则 sheet.
"""

from __future__ import annotations

import re
from typing import Any

from xlrubric.rulesimport.bands import band_scale, is_band_sentence, read_bands
from xlrubric.rulesimport.clauses import ClauseReader, Rule, Unread, pieces_required
from xlrubric.rulesimport.grammar import Grammar
from xlrubric.rulesimport.table import RubricTable, sentences
from xlrubric.spec.lint import lint
from xlrubric.spec.load import deserialize
from xlrubric.spec.model import PENDING, Spec

PENDING_TEXT = "尚未决定。请在「方式」列改填一个选项的编号："
HEADING = re.compile(r"^[一二三四五六七八九十\d]+[、.．]\s*")
SHORT_NAME = re.compile(r"[、,，或(（]")


class Builder:
    """Builds the mapping `spec.load.deserialize` reads, and the policies for what is left open."""

    def __init__(self, grammar: Grammar, origin: str):
        self.g = grammar
        self.origin = origin
        self.reader = ClauseReader(grammar)
        self.policies: list[dict[str, Any]] = []
        self.events: set[str] = set()
        self.counter: dict[str, int] = {}

    # ------------------------------------------------------------------ policies
    def policy(self, key: str, *, quotes: list[str], question: str = "", kind: str = "", items=(),
               **fill: Any) -> str:
        """An open policy from the grammar's template `key`; an existing one with the same id is reused."""
        t = self.g["policies"][key]
        n = self.counter[key] = self.counter.get(key, 0) + 1
        values = _Fill(n=n, **{k: _fmt(v) for k, v in fill.items()})
        pid = t["id"].format_map(values)
        if (old := next((p for p in self.policies if p["id"] == pid), None)) is not None:
            old["quotes"] = list(dict.fromkeys([*old["quotes"], *quotes]))
            old["items"] = list(dict.fromkeys([*old["items"], *items]))
            return pid
        options = {k: v.format_map(values) for k, v in t["options"].items()}
        self.policies.append({
            "id": pid, "title": t["title"].format_map(values), "kind": kind or t.get("kind", "歧义"),
            "question": question or t.get("question", "").format_map(values), "choice": PENDING,
            "options": {**options, PENDING: PENDING_TEXT + "；".join(f"{k}（{v}）" for k, v in options.items())},
            "quotes": [q for q in quotes if q],
            "items": list(items)})
        return pid

    # ------------------------------------------------------------------ items and rules
    def item(self, rows, name: str, weight: str) -> dict[str, Any] | None:
        requirements = [r for r, _ in rows if r]
        m = self.g.match_any(self.g["weight"], self.g.normalize(weight))
        if m is None or float(m.group("n")) <= 0:
            self.policy("unread", quotes=[f"{name} {weight}".strip()], items=["总分"],
                        question=f"项目「{name}」的权重「{weight or '（空）'}」读不出分值；该项目没有导入")
            return None
        full = float(m.group("n"))
        item: dict[str, Any] = {"name": name, "full": full, "quote": f"{name} {weight}".strip(), "deductions": []}
        if len(requirements) == 1:
            item["requirement"] = requirements[0]
        pieces = pieces_required(self.g, requirements)
        kinds: set[str] = set()
        for requirement, standard in rows:
            for read in self.reader.read(standard, requirements):
                if isinstance(read, Unread):
                    self.policy("unread", quotes=[read.quote], items=[name], question=read.reason)
                    continue
                d = self.deduction(name, read)
                kinds.add(read.kind)
                if len(rows) > 1 and requirement:
                    d["requirement"] = requirement
                if pieces and d["kind"] == "once" and not read.derive and "每" not in read.cond:
                    d["kind"] = "per_event"
                    d["policy"] = self.policy("pieces", quotes=[read.quote, *requirements], item=name,
                                              event=d["event"], points=read.points, count=pieces)
                item["deductions"].append(d)
        if kinds and kinds <= {"once", "per_missing"}:
            # Rules that judge a piece's content say nothing of a piece never handed in.
            event = self.name(self.g["derive"]["missing"]["event"].format(item=_short(name)))
            pid = self.policy("missing_work", quotes=[], item=name, event=event)
            item["deductions"].append({"event": event, "kind": "zero", "derive": "missing", "policy": pid})
        return item

    def deduction(self, item: str, rule: Rule) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": rule.kind, "quote": rule.quote}
        if rule.points:
            d["points"] = rule.points
        if rule.cap is not None:
            d["cap"] = rule.cap
        if rule.derive:
            d["derive"] = rule.derive
            d["late"] = rule.derive == "late"
        if rule.kind == "per_missing":
            d["components"] = rule.components
            if rule.required is not None:
                d["required"] = rule.required
            d["input"] = "present" if rule.required and rule.required < len(rule.components) else "missing"
        d["event"] = self.name(self.event_name(item, rule, d))
        return d

    def event_name(self, item: str, rule: Rule, d: dict[str, Any]) -> str:
        short = _short(item)
        if rule.derive:
            name = self.g["derive"][rule.derive]["event"].format(item=short)
        elif rule.kind == "per_missing":
            name = short + ("项目数" if d["input"] == "present" else "缺项数")
        else:
            cond = rule.cond
            for pattern in self.g["name_drop"]:
                cond = re.sub(pattern, "", cond)
            name = cond if short in cond else short + cond
        if rule.kind == "per_event" and not name.endswith("次数"):
            name += "次数"
        return name

    def name(self, base: str) -> str:
        """A unique column name for 考核记录."""
        name, k = base, 2
        while name in self.events:
            name, k = f"{base}{k}", k + 1
        self.events.add(name)
        return name

    # ------------------------------------------------------------------ the whole spec
    def mapping(self, table: RubricTable) -> dict[str, Any]:
        g = self.g
        items = [it for rows in table.items if (it := self.item(rows.rows, rows.name, rows.weight))]
        for text, reason in table.loose:
            self.policy("unread", quotes=[text], items=["总分"], question=reason)
        total, total_quote = self.total(table, items)
        rubric: dict[str, Any] = {"total": total, "items": items, "quote": total_quote, "bands": []}
        for sentence in sentences(table.after):
            if not is_band_sentence(g, sentence):
                continue
            bands, unread = read_bands(g, sentence)
            for quote, reason in unread:
                self.policy("unread", quotes=[quote], items=["等次"], question=reason)
            if bands and not rubric["bands"]:
                rubric["bands"] = bands
                scale = band_scale(bands)
                if scale is not None and scale != total:
                    rubric["band_scale"] = scale
        title = self.title(table.before)
        self.program_policies(bool(rubric["bands"]))
        return {"id": "本校", "seed": self.origin, **title, "rubric": rubric, "policies": self.policies}

    def program_policies(self, has_bands: bool) -> None:
        """The choices every rubric needs that no 细则 text speaks of (registers, 待核实 and the quota).

        They are the presets' own policies (`PROGRAM_POLICIES`, defined once in lanxi4.yaml), carried with
        their default choice and no quote, so `lint` of imported rules shows them to the director too.
        """
        from xlrubric.spec.load import load_preset

        source = load_preset("lanxi4")
        for pid in PROGRAM_POLICIES:
            if pid == "pending_scores" and not has_bands:
                continue
            if any(p["id"] == pid for p in self.policies):
                continue
            policy = source.policy_obj(pid).model_dump(mode="json", exclude_defaults=True)
            policy["quotes"] = []
            self.policies.append(policy)

    def total(self, table: RubricTable, items: list[dict[str, Any]]) -> tuple[float, str]:
        """The stated total (权重 header, 总分…分), else the items' sum (then nothing can disagree)."""
        g = self.g
        for text in [table.header_weight, *table.before, *table.after]:
            for line in text.split("\n"):
                if m := g.match_any(g["total"], g.normalize(line)):
                    return float(m.group("n")), line.strip()
        return sum(i["full"] for i in items), ""

    def title(self, before: list[str]) -> dict[str, str]:
        g = self.g
        raw = [b.strip() for line in before for b in line.split("\n") if b.strip()]
        lines = [HEADING.sub("", b) for b in raw]
        k = next((k for k in range(len(lines) - 1, -1, -1) if "细则" in lines[k] and len(lines[k]) <= 60), None)
        title = "" if k is None else lines[k]
        school = next((x for x in reversed(lines[-4:]) if re.search(g["school"], x) and len(x) <= 30), "")
        if not school:
            m = next((m for x in lines[:3] if (m := re.match(g["school_prefix"], x))), None)
            school = m.group(1) if m else ""
        term = next((m.group(0) for x in [*reversed(lines[-4:]), *lines[:3]] if (m := re.search(g["term"], x))), "")
        if k is not None and HEADING.match(raw[k]):        # "四、制定了量化考核细则": a heading, not a title
            title = f"{term}考核细则"
        name = title if school in title else school + title
        return {"name": name or "本校考核细则", "school": school, "term": term}

    # ------------------------------------------------------------------ open questions lint finds
    def resolve_questions(self, mapping: dict[str, Any]) -> Spec:
        """Add an open policy for every undecided lint finding the grammar has a template for."""
        for _ in range(4):
            spec = deserialize(mapping, origin=self.origin)
            added = False
            for f in lint(spec):
                key = next((k for k in (f"{f.check}/{f.kind}", f.check) if k in self.g["policies"]), None)
                if f.resolved or f.policy or key is None:
                    continue
                added |= self.attach(mapping, key, f)
            if not added:
                return spec
        return deserialize(mapping, origin=self.origin)

    def attach(self, mapping: dict[str, Any], key: str, f) -> bool:
        items = {i["name"]: i for i in mapping["rubric"]["items"]}
        item_name, _, event = f.where.partition("／")
        item = items.get(item_name)
        rules = [d for d in (item["deductions"] if item else []) if not event or d["event"] == event]
        free = [d for d in rules if not d.get("policy")]
        if item is not None and not free:
            return False
        first = rules[0] if rules else {}
        pid = self.policy(key, quotes=list(f.quotes), question=f.message, kind=f.kind,
                          items=[] if item else ["等次"], item=item_name, event=first.get("event", ""),
                          points=first.get("points", 0), full=item["full"] if item else 0)
        for d in free:
            d["policy"] = pid
        mapping["policies"] = self.policies
        return True


PROGRAM_POLICIES = ("submission_absent", "pending_scores")


class _Fill(dict):
    """Template values; a placeholder a template uses but this question has no value for stays empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _short(item: str) -> str:
    """The head of an item's name for its columns: 说课材料、课件… → 说课材料; 学习心得、感悟… → 学习心得."""
    return SHORT_NAME.split(item)[0] or item


def _fmt(v: Any) -> Any:
    return f"{v:g}" if isinstance(v, float) else v
