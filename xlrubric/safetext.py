"""One safe-text layer for every name and message that leaves the program: manifest, sheet, mail, terminal.

Text in a county folder is not ours: a file name unzipped from a Windows zip on Linux arrives as GBK
bytes that Python holds as lone surrogates (they crash every UTF-8 encoder: JSON, XML, mail, the
terminal); a school name may be five megabytes long, hold control characters or bidi overrides that
rewrite what a director sees, or look like Rich markup (`[/]第一中学` raises MarkupError in any
`console.print`). Each sink used to cope (or not) on its own; here it is decided once:

- `repair`   surrogates → the GB18030 reading of the original bytes when it decodes cleanly (what the
             school actually named the file), else U+FFFD;
- `clean`    + control characters and bidi overrides replaced, length capped (the cut is O(limit): a
             5 MB name costs no more than a short one);
- `terminal` + Rich markup escaped, for every `console.print` of school text;
- `json_bytes` JSON whose strings keep their exact value (lone surrogates as `\\udcxx` escapes, which
             round-trip), so a manifest key still names the file on disk.

Paths on disk are never renamed: the file keeps its bytes, only what is shown or recorded is made safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

NAME_LIMIT = 120               # a school or file name as recorded (a cell, a mail subject, an .eml name)
TABLE_LIMIT = 40               # … and in a terminal table column
MESSAGE_LIMIT = 4000           # a whole message (it may quote several names)
CELL_LIMIT = 32_767            # Excel's limit for one cell
_SURROGATE = re.compile("[\ud800-\udfff]+")
# Bytes of a GBK name as Python holds them: undecodable bytes as surrogates, but a GBK pair may happen to be
# valid UTF-8 for a Latin/Cyrillic letter (学 = D1 A7 = "ѧ"), and a GBK trail byte may be ASCII; the real
# UTF-8 around them (our own "_结果", folder names) is 3-byte CJK or plain ASCII and is left as it is.
_GBK_RUN = re.compile("(?:[\u0080-\u07ff]*[\udc80-\udcff][\x40-\x7e]?)+[\u0080-\u07ff]*")
# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, line/paragraph separators, BOM/ZWNBSP.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]")
_NEWLINES = re.compile("[\t\n\r]")
REPLACEMENT = "\ufffd"
_CUT = re.compile(r"…（共 ([0-9,]+) 字）$")


def repair(text: str) -> str:
    """Replace lone surrogates (undecodable file-name bytes) with what the bytes most likely said."""
    if not _SURROGATE.search(text):
        return text
    return _GBK_RUN.sub(_decode_run, text)


def _decode_run(m: re.Match[str]) -> str:
    """One run of undecodable bytes read in the Windows Chinese code page (GBK/GB18030)."""
    run = m.group(0)
    try:
        return run.encode("utf-8", "surrogateescape").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _SURROGATE.sub(lambda s: REPLACEMENT * len(s.group(0)), run)


def clean(text: Any, limit: int = NAME_LIMIT, *, multiline: bool = False) -> str:
    """`text` safe for any sink: valid Unicode, no control characters, at most `limit` characters.

    `multiline` keeps tabs and line breaks (messages with a 处理办法 line); otherwise they become spaces.
    A cut text ends in `…（共 N 字）` so a reader knows it was cut.
    """
    if type(text) is str and len(text) <= limit and text.isprintable():
        return text                   # the common case, at C speed: no control, surrogate or line-break character
    s = "" if text is None else str(text)
    total = len(s)
    earlier = _CUT.search(s[-40:]) if total > limit else None    # cut before (a recorded name): keep its length
    if total > limit:
        s = s[: limit + 2]                          # cut first: everything after is O(limit)
    s = _CONTROL.sub(REPLACEMENT, repair(s))
    # A bare CR would let text overwrite a terminal line; one-line text gets spaces for every break.
    s = s.replace("\r\n", "\n").replace("\r", "\n") if multiline else _NEWLINES.sub(" ", s)
    if total > limit:
        if earlier:
            total = int(earlier.group(1).replace(",", ""))
        tail = f"…（共 {total:,} 字）"
        s = s[: max(1, limit - len(tail))] + tail
    return s


def terminal(text: Any, limit: int = MESSAGE_LIMIT, *, multiline: bool = True) -> str:
    """`clean` text with Rich markup escaped: safe inside any `console.print` markup string."""
    from rich.markup import escape

    return escape(clean(text, limit, multiline=multiline))


def name(text: Any) -> str:
    """A school or file name for a terminal table or message (one line, cut, markup escaped)."""
    return terminal(text, TABLE_LIMIT, multiline=False)


def exact(text: str) -> str:
    """`text` with each lone surrogate written as its `\\udcxx` escape: valid UTF-8, nothing lost."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(text) else text


def json_bytes(value: Any, **kwargs: Any) -> bytes:
    """UTF-8 JSON of `value`; a lone surrogate is written as its `\\udcxx` escape, so it reads back exactly."""
    return json.dumps(value, ensure_ascii=False, **kwargs).encode("utf-8", "backslashreplace")
