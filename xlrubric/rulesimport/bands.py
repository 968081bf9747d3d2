"""The 等次 line under a rubric → bands with their score ranges and quotas, by the grammar.

"优秀等次不超过参训教师总数的40%，分值为40-36分；良好35.9-24分；一般23分以下。" gives three bands; each
keeps its own words as its quote. A part that names a band but gives no score, or a quota whose base is
not said, comes back as (quote, reason) and is not guessed.
"""

from __future__ import annotations

import re
from typing import Any

from xlrubric.rulesimport.grammar import Grammar


def is_band_sentence(g: Grammar, sentence: str) -> bool:
    norm = g.normalize(sentence)
    names = {n for n in g["bands"]["names"] if n in norm}
    scored = any(re.search(g["bands"][k], norm) for k in ("range", "below", "above"))
    return scored and (len(names) >= 2 or any(m in norm for m in g["bands"]["marks"]))


def read_bands(g: Grammar, sentence: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """(bands highest first, unread parts) of one 等次 sentence."""
    names = sorted(g["bands"]["names"], key=len, reverse=True)
    bands: list[dict[str, Any]] = []
    unread: list[tuple[str, str]] = []
    for part in re.split(r"[；;]", sentence.strip().rstrip("。")):
        norm = g.normalize(part)
        found = [(norm.find(n), n) for n in names if n in norm]
        if not found:
            continue
        _, name = min(found)
        start = part.find(name)
        quote = part[start:].strip() if start >= 0 else part.strip()
        band: dict[str, Any] = {"name": name, "quote": quote}
        if m := re.search(g["bands"]["range"], norm):
            a, b = float(m.group("a")), float(m.group("b"))
            band["min"], band["max"] = min(a, b), max(a, b)
        elif m := re.search(g["bands"]["below"], norm):
            band["max"] = float(m.group("n"))
        elif m := re.search(g["bands"]["above"], norm):
            band["min"] = float(m.group("n"))
        else:
            unread.append((quote, f"等次「{name}」没有写出分值范围"))
            continue
        if m := re.search(g["bands"]["quota"], norm):
            if any(word in norm for word in g["percent_bases"]):
                band["quota"] = float(m.group("n")) / 100
            else:
                unread.append((quote, f"「{name}」的比例上限没有说明是什么的百分比（参训教师总数？）"))
        elif "%" in norm:
            unread.append((quote, f"「{name}」中的百分比无法读懂"))
        if any(x["name"] == name for x in bands):
            unread.append((quote, f"等次「{name}」写了两次"))
            continue
        bands.append(band)
    bands.sort(key=lambda b: -(b.get("max", b.get("min", 0)) or 0))
    return bands, unread


def band_scale(bands: list[dict[str, Any]]) -> float | None:
    """The points scale the thresholds are written on: the highest score any band names."""
    tops = [b["max"] for b in bands if b.get("max") is not None]
    return max(tops) if tops else None
