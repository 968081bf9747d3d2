"""The words schools use, as data: value synonyms (主讲教师 → 主讲人, 通过 → 已认定, 核心项目组 → 核心组),
units per number column ("2小时", "1000字", "90分钟"), whole-word amounts (半天 = 0.5 天) and the words that
make a figure approximate (约1200字).

The shared lists live in `words.yaml` next to this module; a preset, a YAML rules file or the 考核细则 sheet
adds its own under `words:` (never removes a shared one). `merged_words(spec)` is what readers use.
`words.json` beside it holds the same mapping, written from the YAML by `python -m xlrubric.spec.words`
(tests/test_words_json.py fails when the two differ): it is what the program reads, because every compute
needs these words and a workbook with its own 考核细则 sheet needs no other YAML, while importing PyYAML costs
10-30 ms of every fresh process (json is loaded anyway). Written
here rather than found in a library because the lists are the school's own vocabulary, not a language model's.
"""

from __future__ import annotations

import functools
import json
from fractions import Fraction
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xlrubric.readers.text import normalize_label


class Approx(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: list[str] = Field(default_factory=list)     # 约1200字
    after: list[str] = Field(default_factory=list)      # 1200字左右


class Words(BaseModel):
    """column -> standard word -> synonyms; column -> unit -> factor; column -> word -> amount."""

    model_config = ConfigDict(extra="forbid")
    values: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    units: dict[str, dict[str, float]] = Field(default_factory=dict)
    amounts: dict[str, dict[str, float]] = Field(default_factory=dict)
    approx: Approx = Field(default_factory=Approx)

    @field_validator("units", mode="before")
    @classmethod
    def _fractions(cls, v: Any) -> Any:
        """A factor may be written "1/60" (分钟 in hours)."""
        if not isinstance(v, dict):
            return v
        return {col: {u: float(Fraction(str(f))) if isinstance(f, str) else f for u, f in (units or {}).items()}
                for col, units in v.items()}

    def merged(self, other: Words) -> Words:
        """These words extended by `other`'s (lists joined in order, `other` wins on a conflicting number)."""
        values = {c: {k: list(v) for k, v in m.items()} for c, m in self.values.items()}
        for col, m in other.values.items():
            for std, syn in m.items():
                have = values.setdefault(col, {}).setdefault(std, [])
                have += [s for s in syn if s not in have]
        units = {c: {**self.units.get(c, {}), **other.units.get(c, {})} for c in {*self.units, *other.units}}
        amounts = {c: {**self.amounts.get(c, {}), **other.amounts.get(c, {})} for c in {*self.amounts, *other.amounts}}
        approx = Approx(before=list(dict.fromkeys(self.approx.before + other.approx.before)),
                        after=list(dict.fromkeys(self.approx.after + other.approx.after)))
        return Words(values=values, units=units, amounts=amounts, approx=approx)

    def lookup(self, column: str, allowed: tuple[str, ...] | list[str]) -> dict[str, str]:
        """Normalised typed word -> standard word for `column`: the allowed words themselves first, then the
        synonyms of those allowed words (a synonym never overrides a word the rules use directly)."""
        out = {normalize_label(w): w for w in allowed}
        for std, syn in self.values.get(column, {}).items():
            if std not in allowed:
                continue
            for s in syn:
                out.setdefault(normalize_label(s), std)
        return out


@functools.cache
def shared_words() -> Words:
    return Words.model_validate(json.loads(_shipped("words.json")))


def _shipped(name: str) -> str:
    return resources.files("xlrubric.spec").joinpath(name).read_text(encoding="utf-8")


def words_json() -> str:
    """words.yaml as the JSON text `shared_words` reads (what `python -m xlrubric.spec.words` writes)."""
    from xlrubric.spec.yamlio import load_shipped

    return json.dumps(load_shipped(_shipped("words.yaml")), ensure_ascii=False, indent=1) + "\n"


def merged_words(spec: Any) -> Words:
    """The shared words extended by the spec's own (`spec.words`)."""
    own = getattr(spec, "words", None)
    return shared_words() if own is None else shared_words().merged(own)


# The 考核细则 sheet's 设置 rows for words: 名称 | 所属项目 (column) | 方式 (word) | 参数.
WORD_SETTINGS = ("同义词", "单位", "数量词", "约数词")


def word_rows(spec: Any) -> list[tuple[str, str, str, str]]:
    """(名称, 所属项目, 方式, 参数) rows for the spec's own words (the shared ones are not repeated)."""
    w = getattr(spec, "words", None)
    if w is None:
        return []
    rows = [("同义词", col, std, "、".join(syn)) for col, m in w.values.items() for std, syn in m.items()]
    rows += [("单位", col, unit, f"{f:g}") for col, m in w.units.items() for unit, f in m.items()]
    rows += [("数量词", col, word, f"{v:g}") for col, m in w.amounts.items() for word, v in m.items()]
    rows += [("约数词", "", side, "、".join(ws)) for side, ws in (("前", w.approx.before), ("后", w.approx.after))
             if ws]
    return rows


def read_word_row(out: dict[str, Any], name: str, column: str, word: str, param: str) -> bool:
    """Add one 设置 row about words to the mapping `deserialize` reads; False when `name` is not one."""
    if name not in WORD_SETTINGS:
        return False
    w = out.setdefault("words", {})
    if name == "同义词":
        w.setdefault("values", {}).setdefault(column, {})[word] = [s for s in param.split("、") if s]
    elif name == "单位":
        w.setdefault("units", {}).setdefault(column, {})[word] = param
    elif name == "数量词":
        w.setdefault("amounts", {}).setdefault(column, {})[word] = param
    else:
        w.setdefault("approx", {})["before" if word == "前" else "after"] = [s for s in param.split("、") if s]
    return True


if __name__ == "__main__":      # regenerate words.json after editing words.yaml
    from pathlib import Path

    Path(__file__).with_name("words.json").write_text(words_json(), encoding="utf-8")
