"""A result sheet's cells as XML: one value's cell (`text_tail`, `other_cell`), and every data row of a
table as UTF-8 bytes (`data_rows`).

Why bytes, and one template per table (issue 16): the rows are the bulk of the largest part we write
(the 扣分明细 of a 300-teacher school is 1,400 rows, 1.1 MB). Built as str, every ASCII piece of markup
is widened to the two bytes a character that the CJK text next to it needs, copied again into the
row, again into the sheet, and the sheet is then encoded to UTF-8. Here what follows a cell's style —
the escaped text or the number — is encoded once per distinct value, and a whole row is one `bytes %`
with a template made once per table: row number, height and each column's reference prefix and style
are in the template or its arguments, so no Python code runs per cell. Measured with callgrind on a
1,400-row × 10-column table: 11 M instructions against 35 M for the str pieces joined row by row and
encoded (the same bytes; tests/test_write_fastpaths.py compares them with cells written one at a time).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import compress, repeat
from numbers import Integral, Real
from operator import is_not, ne
from typing import TYPE_CHECKING, Any

from xlrubric.writers.textwidth import Columns, negative_zero

if TYPE_CHECKING:
    from xlrubric.ooxml.sheetxml import _Formats
    from xlrubric.results import SheetTable

MAX_TEXT = 32767
_EPOCH = datetime(1899, 12, 30)
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")
_PLAIN_TEXT = b' t="inlineStr"><is><t>%s</t></is></c>'
_SPACED_TEXT = b' t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'
_TEXT_HEAD, _TEXT_END = _PLAIN_TEXT.split(b"%s")
_TEXT_SPLIT = _TEXT_END + b"\x00" + _TEXT_HEAD
_SPECIAL_BYTES = bytes([*b"&<>", *range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])   # NUL too: the separator
_ZERO, _NEGATIVE_ZERO = b"><v>0.0</v></c>", b"><v>-0.0</v></c>"
_JOIN_BLOCK = 8192
_TEXT_TYPES = {str, type(None)}


def escape_cell_text(value: str) -> str:
    """XML-escape cell text the way Excel reads it back unchanged (`_xHHHH_` is Excel's own escape)."""
    value = _ESCAPED.sub(lambda m: "_x005F" + m.group(0), value)
    value = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_cell(ref: str, value: str, s: str) -> str:
    return f'<c r="{ref}"{s}{text_tail(value)}'


def text_tail(value: str) -> str:
    """What follows a text cell's reference and style: the same for every cell holding `value`."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT - 1] + "…"
    body = escape_cell_text(value) if _SPECIAL.search(value) else value
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{body}</t></is></c>'


def text_tails(texts: list[str], blob: bytes | None = None) -> dict[str, bytes]:
    """`text_tail` of each text, encoded. When no text needs escaping or cutting, a text goes in as it
    is, with xml:space where it starts or ends with white space (what `str.strip` removes is what
    `isspace` sees). That is checked once over all the texts, encoded together with NUL between them:
    every character `escape_cell_text` changes is one byte in UTF-8 (a control character, & < >) or the
    bytes of U+FFFE/U+FFFF, a lone surrogate refuses to encode, and NUL cannot complete a `_xHHHH_`.
    (The regex over the joined text cost more than the rest of the write's text handling together.)
    The two 3-byte searches run only where their common first two bytes occur (U+FFC0–U+FFFF, such as
    ￥, are rare), and the tails are made by one replace and split of the whole blob rather than a
    `bytes %` per text (issue 16, session 6: 2.4 → 1.4 ms for 扣分明细's 1,928 texts). `blob`: the texts
    so joined and encoded already (`Columns.encoded`, which the column widths used too: session 8)."""
    if not texts or max(map(len, texts)) > MAX_TEXT:
        return {v: text_tail(v).encode() for v in texts}
    if blob is None:
        try:
            blob = "\x00".join(texts).encode()
        except UnicodeEncodeError:
            return {v: text_tail(v).encode() for v in texts}
    if (len(blob.translate(None, _SPECIAL_BYTES)) != len(blob) - len(texts) + 1 or b"_x" in blob
            or (b"\xef\xbf" in blob and (b"\xef\xbf\xbe" in blob or b"\xef\xbf\xbf" in blob))):
        return {v: text_tail(v).encode() for v in texts}
    # NUL is now only the separator: every text wrapped in its tail by one replace and one split
    tails = dict(zip(texts, (_TEXT_HEAD + blob.replace(b"\x00", _TEXT_SPLIT) + _TEXT_END).split(b"\x00"),
                     strict=True))
    for v in compress(texts, map(ne, texts, map(str.strip, texts))):
        tails[v] = _SPACED_TEXT % v.encode()
    return tails


def number_tail(v: float) -> str:
    """What follows a float cell's style: its shortest repr, or ∞ as text (OOXML has no infinity)."""
    return f"><v>{v!r}</v></c>" if not math.isinf(v) else text_tail("∞" if v > 0 else "-∞")


def _zero_tail(v: float) -> bytes:
    return _ZERO if math.copysign(1.0, v) > 0 else _NEGATIVE_ZERO


def data_rows(table: SheetTable, letters: list[str], col_s: list[str], fmt: _Formats,
              heights: list[float | None], columns: Columns | None = None) -> bytes:
    """Every data row of `table` (spreadsheet rows 2…), `col_s` each column's style attribute, `heights`
    each row's height (None: one line), `columns` the table's rows by columns when made already.

    A column of one kind of value (text, int or float, no empty cell) goes in as its reference prefix and
    style, its row numbers and its cells' tails; any other column as whole cells made one by one
    (`_Cells.column`). Links and 待核实 fills, the cells whose style is not their column's, are met in row
    order, so that styles.xml numbers a fill's cell format as a row-by-row writer would.

    The sheet is one `bytes.join` over the pieces of every row laid out row-major: each column's pieces
    (a list, or one bytes repeated) fill every k-th slot by slice assignment, a C loop (issue 16, session 7:
    this replaced a `bytes %` template per row; the same bytes, at about half the instructions).
    """
    rows = table.rows
    n = len(rows)
    cells = _Cells(letters, fmt, list(map(b"%d".__mod__, range(2, n + 2))))
    if columns is None or columns.rows is not rows:
        columns = Columns(rows)                   # short rows pad with None: no cell
    by_column = columns.values
    own = _own_styles(table, col_s, fmt, by_column)
    attrs = {h: f' ht="{h:g}" customHeight="1"'.encode() if h else b"" for h in set(heights)}
    pieces: list[bytes | list[bytes]] = [b'<row r="', cells.nums, b'"',
                                         list(map(attrs.__getitem__, heights)) if len(attrs) > 1
                                         else attrs.get(heights[0], b"") if heights else b"", b">"]
    ncols = len(col_s[:len(by_column)])                   # columns past every row have no cell
    # A column of tails begins every cell with its constant `<c r="X`. Where a column repeats its values (at
    # most one distinct value in two rows), its tails are joined once per distinct value with the style before
    # them and the next column's constant (or the row's end) after them: two pieces fewer per cell for the
    # join. A column of mostly distinct values would pay that join per row, so its pieces stay apart.
    starts = [b'<c r="' + letters[c].encode() if cells.one_kind(columns.types(c), columns.distinct(c)) else None
              for c in range(ncols)]
    joined = [start is not None and 2 * len(columns.distinct(c) or ()) <= n for c, start in enumerate(starts)]
    for c, s in enumerate(col_s[:ncols]):
        values, style, types = by_column[c], s.encode(), columns.types(c)
        encoded = columns.encoded(c) if types <= _TEXT_TYPES else None     # the widths made it already
        if starts[c] is None:
            column = cells.column(c, values, style, types, columns.distinct(c), encoded)
            for i, si in own.get(c, {}).items():
                column[i] = cells.one(cells.nums[i], c, values[i], si)
            pieces.append(column)
            continue
        if c == 0 or not joined[c - 1]:
            pieces.append(starts[c])
        end = ((starts[c + 1] or b"") if c + 1 < ncols else b"</row>") if joined[c] else b""
        if c in own:
            pieces += [cells.nums, b'"', list(map(own[c].get, range(n), repeat(style))),
                       cells.tails(values, types, columns.distinct(c), encoded, end=end)]
        elif joined[c]:
            pieces += [cells.nums, cells.tails(values, types, columns.distinct(c), encoded, b'"' + style, end)]
        else:
            pieces += [cells.nums, b'"' + style, cells.tails(values, types, columns.distinct(c), encoded)]
    if not ncols or not joined[-1]:
        pieces.append(b"</row>")
    flat = row_major(pieces, n)
    # bytes.join holds an 80-byte buffer view per item while it copies: joined in blocks, a 20,000-row table's
    # 840,000 pieces need 0.7 MB of views at a time rather than 67 MB
    return b"".join([b"".join(flat[i:i + _JOIN_BLOCK]) for i in range(0, len(flat), _JOIN_BLOCK)])


def row_major(pieces: list[Any], n: int) -> list[Any]:
    """The pieces of `n` rows in row order: each of `pieces` is one value (bytes or str) for every row or a
    list of `n` (adjacent constants are joined first)."""
    merged: list[Any] = []
    for p in pieces:
        if type(p) is not list and merged and type(merged[-1]) is not list:
            merged[-1] += p
        else:
            merged.append(p)
    k = len(merged)
    flat: list[Any] = [None] * (n * k)
    for j, p in enumerate(merged):
        flat[j::k] = p if type(p) is list else [p] * n
    return flat


def _own_styles(table: SheetTable, col_s: list[str], fmt: _Formats, by_column: list[tuple[Any, ...]],
                ) -> dict[int, dict[int, bytes]]:
    """{column: {row index: style attribute}} of the cells styled apart from their column, in row order.
    `by_column`: the table's values by columns (short rows padded with None)."""
    rows, links, fills = table.rows, table.links, table.fills
    link_s = f' s="{fmt.link}"'.encode()
    if not fills and links:
        fast = _link_column(links, len(rows), by_column)
        if fast is not None:
            c, linked = fast
            return {c: dict.fromkeys(linked, link_s)} if linked else {}
    out: dict[int, dict[int, bytes]] = {}
    for i, c in sorted({*links, *fills}) if fills else links:     # links alone make no format: any order
        if i >= len(rows) or c >= len(rows[i]) or rows[i][c] is None:
            continue                              # no cell there (a link still goes in <hyperlinks>)
        s = link_s if (i, c) in links else col_s[c].encode()
        if (i, c) in fills:
            s = f' s="{fmt.fill(fills[(i, c)], c)}"'.encode()
        out.setdefault(c, {})[i] = s
    return out


def _link_column(links: dict[tuple[int, int], str], n: int, by_column: list[tuple[Any, ...]],
                 ) -> tuple[int, list[int]] | None:
    """When every link is in one column and on a row of the table (a result sheet links its 来源 or
    姓名 column): that column and the rows whose cell there has a value, found in C loops; else None."""
    at, cols = zip(*links, strict=True)
    c = cols[0]
    if len(set(cols)) != 1 or type(c) is not int or c < 0 or set(map(type, at)) != {int} or min(at) < 0 \
            or max(at) >= n:
        return None
    if c >= len(by_column):
        return c, []
    values = by_column[c]
    return c, list(compress(at, map(is_not, map(values.__getitem__, at), repeat(None))))


class _Cells:
    """Cell XML, with what follows a cell's style made once per distinct value: a result table repeats
    names, statuses, reasons and scores on thousands of rows.

    Values are remembered per type (1, 1.0 and True are equal keys written differently); a zero float
    is never remembered (0.0 and -0.0 are equal keys written "0.0" and "-0.0"), nor NaN (no cell).
    """

    def __init__(self, letters: list[str], fmt: _Formats, nums: list[bytes]):
        self.letters, self.fmt, self.nums = letters, fmt, nums
        self.starts = [f'<c r="{letter}'.encode() for letter in letters]
        self.texts: dict[str, bytes] = {}
        self.floats: dict[float, bytes] = {}
        self.ints: dict[int, bytes] = {}
        self.memo: dict[type, dict[Any, bytes]] = {str: self.texts, float: self.floats, int: self.ints}

    def _remember(self, kind: type, distinct: set[Any], encoded: tuple[list[str], bytes] | None = None,
                  ) -> dict[Any, bytes]:
        """The memo of `kind`, holding the tail of every value in `distinct` (zero floats excepted);
        `encoded`: the column's distinct texts and their bytes (`Columns.encoded`), if made."""
        memo = self.memo[kind]
        missing = distinct.difference(memo)
        if missing:
            if kind is str and encoded is not None:
                memo.update(text_tails(*encoded))       # all its texts: a tail already there is the same
            elif kind is str:
                memo.update(text_tails(list(missing)))
            elif kind is int:
                memo.update((v, b"><v>%d</v></c>" % v) for v in missing)
            else:
                memo.update((v, number_tail(v).encode()) for v in missing if v)
        return memo

    def _kind(self, types: set[type], distinct: set[Any] | None, *, empty: bool = True,
              ) -> tuple[type | None, set[Any]]:
        """The one remembered type of a column's non-empty values (None if mixed, other or NaN, or if a
        value is None and not `empty`) and its distinct non-empty values. `types` are of every value
        (`Columns.types`): a set of values keeps 1.0 and drops an equal 1."""
        if type(None) in types:
            if not empty:
                return None, set()
            types = types - {type(None)}
        kind = next(iter(types)) if len(types) == 1 else None
        if kind not in self.memo or distinct is None:
            return None, set()
        distinct = distinct - {None}
        if kind is float and not all(v == v for v in distinct):
            return None, set()
        return kind, distinct

    def one_kind(self, types: set[type], distinct: set[Any] | None) -> bool:
        """Whether `tails` takes the column: all text, all ints or all floats, no empty cell, no NaN."""
        return self._kind(types, distinct, empty=False)[0] is not None

    def tails(self, values: tuple[Any, ...], types: set[type], distinct: set[Any] | None,
              encoded: tuple[list[str], bytes] | None = None, head: bytes = b"", end: bytes = b"",
              ) -> list[bytes] | None:
        """Each value's tail when the column is all text, all ints or all floats with no empty cell and
        no NaN; else None. `types`, `distinct` and `encoded` are the column's (`Columns`). `head` and `end`
        go before and after every tail, joined once per distinct value: the row's pieces are then fewer by
        two a cell, and `bytes.join` pays per piece (issue 16, session 8)."""
        kind, distinct = self._kind(types, distinct, empty=False)
        if kind is None:
            return None
        memo = self._remember(kind, distinct, encoded)
        zero, negative = _ZERO, _NEGATIVE_ZERO
        if head or end:                   # in C loops; a float zero is not remembered (see the class)
            keys = list(filter(None, distinct)) if kind is float else list(distinct)
            memo = dict(zip(keys, map(b"".join, zip(repeat(head), map(memo.__getitem__, keys), repeat(end))),
                            strict=True))
            zero, negative = head + _ZERO + end, head + _NEGATIVE_ZERO + end
        if kind is float and 0.0 in distinct:
            if negative_zero(values):
                return [memo[v] if v else zero if math.copysign(1.0, v) > 0 else negative for v in values]
            return list(map(memo.get, values, repeat(zero)))          # every zero is 0.0
        return list(map(memo.__getitem__, values))

    def column(self, c: int, values: tuple[Any, ...], s: bytes, types: set[type], distinct: set[Any] | None,
               encoded: tuple[list[str], bytes] | None = None) -> list[bytes]:
        """Column `c`'s whole cells, b"" where a row has none, all in style `s`; `encoded` as for `tails`."""
        start, nums = self.starts[c], self.nums
        kind, distinct = self._kind(types, distinct)
        if kind is not None:
            memo = self._remember(kind, distinct, encoded)
            mid = b'"' + s
            if kind is float and 0.0 in distinct and negative_zero(values):
                return [b"" if v is None else b"".join((start, n, mid, memo[v] if v else _zero_tail(v)))
                        for n, v in zip(nums, values, strict=True)]
            # the rows with a value, their cells made in C loops, the others b"" (every zero is 0.0)
            at = list(compress(range(len(values)), map(is_not, values, repeat(None))))
            if not at:
                return [b""] * len(values)
            present = map(values.__getitem__, at)
            made = map(b"".join, zip(repeat(start), map(nums.__getitem__, at), repeat(mid),
                                     map(memo.get, present, repeat(_ZERO))))
            return list(map(dict(zip(at, made, strict=True)).get, range(len(values)), repeat(b"")))
        return [self.one(n, c, v, s) for n, v in zip(nums, values, strict=True)]

    def one(self, n: bytes, c: int, v: Any, s: bytes) -> bytes:
        """One cell of row `n`, column `c` (b"" for None, NaN and other values that write no cell)."""
        t = type(v)
        if t is str:
            tail = self.texts.get(v)
            if tail is None:
                tail = self.texts[v] = text_tail(v).encode()
        elif t is float:
            if v != v:
                return b""                         # NaN: an empty cell
            tail = self.floats.get(v)
            if tail is None:
                tail = number_tail(v).encode()
                if v:
                    self.floats[v] = tail
        elif t is int:
            tail = self.ints.get(v)
            if tail is None:
                tail = self.ints[v] = b"><v>%d</v></c>" % v
        elif v is None:
            return b""
        else:
            return other_cell(f"{self.letters[c]}{n.decode()}", v, s.decode(), c in self.fmt.column,
                              self.fmt).encode()
        return b"".join((self.starts[c], n, b'"', s, tail))


def _serial(value: date | datetime | time | timedelta) -> float | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value < datetime(1900, 3, 1):
            return None
        return (value - _EPOCH) / timedelta(days=1)
    if isinstance(value, date):
        return None if value < date(1900, 3, 1) else float((value - _EPOCH.date()).days)
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    return value / timedelta(days=1)


def other_cell(ref: str, v: Any, s: str, has_col_fmt: bool, fmt: _Formats) -> str:
    """Everything that is not a plain str/int/float: bools, numpy/Decimal numbers, dates, times."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return f'<c r="{ref}"{s} t="b"><v>{int(bool(v))}</v></c>'
    try:
        if v != v:                   # NaN, NaT
            return ""
    except TypeError:                # pd.NA refuses to be a bool
        return ""
    if isinstance(v, Integral):
        return f'<c r="{ref}"{s}><v>{int(v)}</v></c>'
    if isinstance(v, Real | Decimal):
        f = float(v)
        return f'<c r="{ref}"{s}><v>{f!r}</v></c>' if math.isfinite(f) else text_cell(ref, str(v), s)
    if isinstance(v, date | time | timedelta):
        serial = _serial(v)
        if serial is None:
            return text_cell(ref, v.isoformat(), s)
        if not has_col_fmt and s in ("", fmt.plain_attr):
            if isinstance(v, datetime):
                x = fmt.datetime if (v.hour, v.minute, v.second) != (0, 0, 0) else fmt.date
            elif isinstance(v, date):
                x = fmt.date
            else:
                x = fmt.time
            s = f' s="{x}"'
        return f'<c r="{ref}"{s}><v>{serial!r}</v></c>'
    return text_cell(ref, str(v), s)
