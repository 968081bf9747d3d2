"""The phrase grammar of school rubrics, loaded from data (grammar.yaml) and extended by a user's file.

Hand-written because no library reads this register of Chinese: the phrases are few and regular
("每少1次签到扣1分", "不上交的不得分", "一般包括…等"), so a handful of regular expressions kept as data
reads them exactly, and a clause they do not match is reported instead of guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from xlrubric.errors import RulesError

_SPACE = re.compile(r"[ \t\u3000]+")


def _merge(base: Any, extra: Any) -> Any:
    """A user's grammar extends the built-in one: lists are prepended, mappings merged key by key."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for k, v in extra.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return [*extra, *[x for x in base if x not in extra]]
    return base if extra is None else extra


@dataclass(frozen=True)
class Grammar:
    """The grammar as a mapping, with the few operations every reader needs."""

    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    @functools.cached_property
    def _numeral(self) -> re.Pattern[str]:
        digits = "".join(self.data["numerals"])
        units = "|".join(map(re.escape, self.data["numeral_units"]))
        return re.compile(f"([{digits}]+)(?=(?:{units}))")

    def normalize(self, text: str) -> str:
        """Half-width punctuation and digits, no spaces, Chinese numerals before a unit as digits."""
        s = unicodedata.normalize("NFKC", text or "")
        s = _SPACE.sub("", s)
        return self._numeral.sub(lambda m: self._numeral_value(m.group(1)), s)

    def _numeral_value(self, word: str) -> str:
        table = self.data["numerals"]
        if word in table:
            value = table[word]
        elif len(word) == 2 and word[0] == "十":          # 十二
            value = 10 + table.get(word[1], 0)
        elif len(word) in (2, 3) and word[1] == "十":      # 二十, 二十五
            value = table.get(word[0], 0) * 10 + (table.get(word[2], 0) if len(word) == 3 else 0)
        else:
            return word
        return f"{value:g}"

    @staticmethod
    def match_any(patterns: list[str], text: str) -> re.Match[str] | None:
        """The first of `patterns` found in `text`."""
        for pattern in patterns:
            if m := re.search(pattern, text):
                return m
        return None

    def column_of(self, cell: str) -> str | None:
        """Which column a header cell names (stage/item/weight/requirement/standard), if any."""
        first = self.normalize(cell.split("\n")[0]) if cell else ""
        first = re.sub(r"\(.*?\)$", "", first)
        for column, words in self.data["columns"].items():
            if first in words:
                return column
        return None


@functools.cache
def _builtin() -> dict[str, Any]:
    text = resources.files("xlrubric.rulesimport").joinpath("grammar.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_grammar(extra: Path | None = None) -> Grammar:
    """The built-in grammar, extended by a user's YAML file of the same shape."""
    data = _builtin()
    if extra is not None:
        try:
            user = yaml.safe_load(Path(extra).read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise RulesError(f"无法读取语法文件：{exc.strerror}", file=str(extra)) from exc
        except yaml.YAMLError as exc:
            raise RulesError(f"语法文件不是有效的 YAML：{exc}", file=str(extra)) from exc
        if not isinstance(user, dict):
            raise RulesError("语法文件应是一个映射（键: 值），与内置 grammar.yaml 的结构相同", file=str(extra))
        unknown = sorted(set(user) - set(data))
        if unknown:
            raise RulesError(f"语法文件中有未知的键：{'、'.join(unknown)}；可用：{'、'.join(data)}", file=str(extra))
        data = _merge(data, user)
        for key, value in user.items():
            _check_patterns(key, value, str(extra))
    return Grammar(data)


def _check_patterns(key: str, value: Any, origin: str) -> None:
    """Every string in a user's grammar that is used as a pattern must compile."""
    values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    if isinstance(value, dict):
        for k, v in value.items():
            _check_patterns(f"{key}.{k}", v, origin)
        return
    for v in values:
        if isinstance(v, str):
            try:
                re.compile(v)
            except re.error as exc:
                raise RulesError(f"语法文件「{key}」中的「{v}」不是有效的正则表达式：{exc}", file=origin) from exc
