"""How wide a value prints and how many lines a wrapped text takes, in Excel's column units, measured from
the values themselves (the input of every print layout: `writers.pagesetup`).

Why by hand: no library measures text in Excel's width units. Excel column widths count characters of the
default font, a CJK character taking a little more than two (see `display_width`). The table-wide passes here
(`Columns`, `column_widths`, `text_widths`) measure each distinct value once and in C loops, because a result
table repeats the same names and statuses over thousands of rows (issue 16).
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import date, datetime
from functools import partial
from itertools import repeat, zip_longest
from operator import add, eq, is_not, mul, truediv
from typing import Any

_SIXTENTHS, _FOURTENTHS = partial(mul, 0.6), partial(mul, 0.4)     # 0.6 * n, 0.4 * n: display_width's terms
_not_none = partial(is_not, None)
_is_zero = partial(eq, 0.0)
TEXT_TYPES = {str, type(None)}


def negative_zero(values: tuple[Any, ...]) -> bool:
    """Whether a -0.0 is among `values` (0.0 and -0.0 are equal keys that print apart), in C loops."""
    return min(map(math.copysign, repeat(1.0), filter(_is_zero, values)), default=1.0) < 0


def display_width(value: Any) -> float:
    """Width in Excel's character units: ASCII one, a CJK character (3 bytes in UTF-8) 2.2.

    An 11-point CJK glyph is 14.7 px against the 7 px digit a width unit stands for, hence 2.2 rather
    than the customary 2. 0.6 × bytes + 0.4 × characters gives exactly that for ASCII and CJK text, at
    C speed, which matters on a 20,000-row sheet. A lone surrogate (it cannot be UTF-8; the cell writer
    escapes it as _xD800_) counts the three bytes it would take, rather than stopping the write.
    """
    if value is None:
        return 0.0
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, date | datetime):
        return 10.0
    else:
        text = value if isinstance(value, str) else str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return 0.6 * len(longest.encode("utf-8", "surrogatepass")) + 0.4 * len(longest)


_ZERO_WIDTH = display_width(0.0)        # "0"


class Columns:
    """A table by columns (short rows padded with None), and each column's value types and distinct
    values, worked out once for everything that reads the table a column at a time — its widths, its
    row heights, the sheet writer's cells (issue 16: each was a pass over every value of the table)."""

    def __init__(self, rows: list[list[Any]]):
        self.rows = rows
        self.values = list(zip_longest(*rows))
        self._types: dict[int, set[type]] = {}
        self._distinct: dict[int, set[Any] | None] = {}
        self._encoded: dict[int, tuple[list[str], bytes] | None] = {}

    def types(self, c: int) -> set[type]:
        """The types of column `c`'s values, NoneType among them where a row has no value (do not change)."""
        if c not in self._types:
            self._types[c] = set(map(type, self.values[c]))
        return self._types[c]

    def distinct(self, c: int) -> set[Any] | None:
        """Column `c`'s distinct values, None among them where a row has none; None if a value is
        unhashable (do not change)."""
        if c not in self._distinct:
            try:
                self._distinct[c] = set(self.values[c])
            except TypeError:
                self._distinct[c] = None
        return self._distinct[c]

    def encoded(self, c: int) -> tuple[list[str], bytes] | None:
        """Column `c`'s distinct texts and their UTF-8, joined by NUL, when the column holds text only (None
        where a row has none) and every text encodes; else None. Made once for the two readers that need
        the bytes of every distinct text: the widths (`text_widths`) and the cells (`cellxml.text_tails`)."""
        if c not in self._encoded:
            distinct, found = self.distinct(c), None
            if distinct is not None and self.types(c) <= TEXT_TYPES:
                texts = list(distinct - {None} if None in distinct else distinct)
                with suppress(UnicodeEncodeError):       # a lone surrogate: each text on its own
                    found = texts, "\x00".join(texts).encode()
            self._encoded[c] = found
        return self._encoded[c]


def lines_of(texts: set[str], width: float, measured: dict[str, float]) -> dict[str, int]:
    """`text_lines(t, width)` of each text, from its measured display width where `content_widths` has
    it (one paragraph: the same arithmetic as `text_lines`, over all of them in C loops), else measured
    now."""
    per_line = max(width, 1.0)
    texts = list(texts)
    widths = list(map(measured.get, texts))
    if None in widths:
        out = {t: text_lines(t, width) for t, w in zip(texts, widths, strict=True) if w is None}
        texts = [t for t, w in zip(texts, widths, strict=True) if w is not None]
        widths = list(filter(_not_none, widths))
    else:
        out = {}
    lines = map(math.ceil, map(truediv, widths, repeat(per_line)))     # ≥ 0: `or 1` is max(1, …)
    out.update(zip(texts, [n + 1 if n >= 3 else n or 1 for n in lines], strict=True))
    return out


def text_lines(text: Any, width: float) -> int:
    """Lines `text` takes wrapped in a column `width` wide. A column holds about `width` units of text
    (display_width already counts CJK 10 % wide); a long text loses room where lines break early at
    punctuation, so from three lines on one more is allowed (a blank line is better than a cut one)."""
    per_line = max(width, 1.0)
    if isinstance(text, str) and "\n" not in text:        # one paragraph (most texts): no split, no sum
        lines = max(1, math.ceil(display_width(text) / per_line))
        return lines + 1 if lines >= 3 else lines
    lines = sum(max(1, math.ceil(display_width(p) / per_line)) for p in str(text or "").split("\n"))
    return lines + 1 if lines >= 3 else lines


def _widths(values: tuple[Any, ...]) -> list[float]:
    """`display_width` of every non-empty value of a column (see `column_widths`)."""
    try:
        distinct: set[Any] | None = set(values)
    except TypeError:
        distinct = None
    return column_widths(values, set(map(type, values)), distinct)[0]


def column_widths(values: tuple[Any, ...], types: set[type], distinct: set[Any] | None,
                   encoded: tuple[list[str], bytes] | None = None) -> tuple[list[float], dict[str, float]]:
    """`display_width` of every non-empty value of a column, each distinct text measured once: a result
    column repeats the same names, statuses and reasons on thousands of rows (issue 16: this halved the
    write). `types` and `distinct` are the column's (`Columns`). Only str, int and float are remembered,
    each in its own table (1, 1.0 and True are equal keys of different widths), and zero is not (0.0 and
    -0.0 are equal and print as "0" and "-0"). A column of text only, or of floats only, is measured over
    its distinct values in C loops. Also returns the width of each distinct one-paragraph text (a text
    column's only). `encoded`: the column's distinct texts and their bytes (`Columns.encoded`), if made."""
    kinds = types - {type(None)}            # of every value: a set of values keeps 1.0 and drops an equal True
    if distinct is not None and kinds <= {str}:
        # display_width's own arithmetic on every one-paragraph text (most: no split), in C loops
        texts, blob = encoded if encoded is not None else (list(distinct - {None} if None in distinct
                                                              else distinct), None)
        multi = [v for v in texts if "\n" in v] if any(map(str.__contains__, texts, repeat("\n"))) else []
        if multi:
            texts, blob = [v for v in texts if "\n" not in v], None
        width = dict(zip(texts, text_widths(texts, blob), strict=True))
        one_paragraph = dict(width) if multi else width
        width.update((v, display_width(v)) for v in multi)
        present = filter(_not_none, values) if type(None) in types else values
        return list(map(width.__getitem__, present)), one_paragraph
    if distinct is not None and kinds == {float} and all(v == v for v in distinct if v is not None):
        width = {v: display_width(v) for v in distinct if v}
        if 0.0 in distinct and negative_zero(values):     # 0.0 and -0.0: one at a time, by sign
            return [width[v] if v else display_width(v) for v in values if v is not None], {}
        present = filter(_not_none, values) if type(None) in types else values
        return list(map(width.get, present, repeat(_ZERO_WIDTH))), {}    # a zero is 0.0: "0"
    known: dict[type, dict[Any, float]] = {str: {}, int: {}, float: {}}
    out = []
    for v in values:
        if v is None:
            continue
        seen = known.get(type(v))
        if seen is None or v == 0:
            out.append(display_width(v))
            continue
        w = seen.get(v)
        if w is None:
            w = seen[v] = display_width(v)
        out.append(w)
    return out, {}


MANY_TEXTS = 64            # from this many distinct texts, their byte counts come from one encode of them all


def text_widths(texts: list[str], blob: bytes | None = None) -> list[float]:
    """`display_width` of each one-paragraph text (no newline): 0.6 × UTF-8 bytes + 0.4 × characters.

    Many texts (a result column of names, 工号, 来源 references or 说明): the texts joined by NUL and encoded
    once (`blob`, made by `Columns.encoded` for the cells' tails too, or here), each one's byte count is the
    distance between NULs, found by numpy; the same two products and sum in float64, so the same bits as
    `display_width` one at a time (issue 16, session 8; a property test compares them). Measured with
    callgrind on bench_compute's result tables: numpy's pass over the bytes costs less than encoding each
    text again even for 说明's long texts, and less than a split of the blob. A text holding NUL itself, or
    few texts, are encoded one at a time.
    """
    if len(texts) >= MANY_TEXTS:
        if blob is None:
            blob = "\x00".join(texts).encode("utf-8", "surrogatepass")
        import numpy as np

        ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0)
        if ends.size == len(texts) - 1:
            bounds = np.concatenate(([-1], ends, [len(blob)]))     # np.diff's prepend/append, without its
            utf8 = bounds[1:] - bounds[:-1] - 1                      # Python-level set-up (session 9)
            chars = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            return (0.6 * utf8 + 0.4 * chars).tolist()
    utf8 = map(str.encode, texts, repeat("utf-8"), repeat("surrogatepass"))
    return list(map(add, map(_SIXTENTHS, map(len, utf8)), map(_FOURTENTHS, map(len, texts))))
