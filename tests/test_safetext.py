"""The safe-text layer (issue 12, cases 2, 4, 5): whatever a file or school name holds — undecodable bytes,
Rich markup, control characters, megabytes — every sink gets valid, short, inert text, and records keep
the exact value."""

from __future__ import annotations

import io
import json
import os
import time

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from xlrubric import safetext
from xlrubric.atomic import safe_output_name

# Any bytes a Linux file name may hold (no "/" or NUL), as Python sees them: undecodable ones become lone
# surrogates (surrogateescape), exactly what unzipping a Windows (GBK) zip produces.
fs_names = st.binary(min_size=1, max_size=300).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_")) \
    .map(os.fsdecode)
school_names = st.one_of(
    st.text(),                                                        # any code points, surrogates included
    st.text(alphabet="[]/\\=@+-#\x1b\x00\x07\r\n\t\u202e\u2066校名", max_size=60),   # markup, controls, bidi
    fs_names,
)
CONTROLS = {chr(c) for c in [*range(0, 32), *range(0x7F, 0xA0)]} | set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                                                           "\u2068\u2069\u2028\u2029\ufeff")


@given(school_names)
def test_clean_is_valid_short_and_inert(text: str) -> None:
    """Verify clean() gives UTF-8-encodable text without controls, within the limit, and is the identity
    on ordinary names."""
    out = safetext.clean(text, 40)
    out.encode("utf-8")                                               # no lone surrogates left
    assert not (set(out) & CONTROLS)
    assert len(out) <= 40
    if text.isprintable() and len(text) <= 40 and not (set(text) & CONTROLS) and text.encode("utf-8", "ignore") \
            .decode("utf-8") == text:
        assert out == text


@given(school_names)
def test_terminal_text_never_breaks_rich(text: str) -> None:
    """Verify escaped text goes through Rich markup parsing and printing unchanged (no MarkupError)."""
    shown = safetext.terminal(text)
    embedded = Text.from_markup(f"[bold]{shown}[/bold]：[red]下一段[/]")       # as the CLI embeds it
    expected = safetext.clean(text, safetext.MESSAGE_LIMIT, multiline=True) + "：下一段"
    # Rich's escape keeps every bracket literal; a backslash before a bracket may fold (a Rich quirk).
    assert embedded.plain.replace("\\", "") == expected.replace("\\", "")
    assert sorted(str(span.style) for span in embedded.spans) == ["bold", "red"]     # nothing styled by the name
    console = Console(file=io.StringIO(), width=80)
    console.print(f"[red]学校[/] {shown}", highlight=False)


@given(school_names)
def test_json_bytes_round_trip_exactly(text: str) -> None:
    """Verify a manifest key keeps its exact value, undecodable file-name bytes included."""
    data = safetext.json_bytes({text: [text]})
    data.decode("utf-8")
    assert json.loads(data) == {text: [text]}
    safetext.exact(text).encode("utf-8")                              # what sqlite stores: valid UTF-8


def test_gbk_file_name_shows_its_chinese() -> None:
    """Verify a GBK-encoded name read on Linux is shown in Chinese, not as escapes or mojibake."""
    name = os.fsdecode("兰西县第一中学.xlsx".encode("gbk"))
    assert any("\udc80" <= ch <= "\udcff" for ch in name)
    assert safetext.clean(name) == "兰西县第一中学.xlsx"
    # Our own UTF-8 suffix and folder around the GBK bytes stay as they are (学 in GBK is valid UTF-8 "ѧ").
    mixed = "兰西镇/" + os.fsdecode("第1中学".encode("gbk") + "_结果.xlsx".encode())
    assert safetext.clean(mixed) == "兰西镇/第1中学_结果.xlsx"


def test_five_megabyte_name_costs_under_a_second(tmp_path) -> None:
    """Verify every helper is O(limit) after one pass: a 5 MB name costs well under a second here (~0.1 s). The
    bound is 10 s so a loaded CI machine never trips it, while a quadratic helper (minutes) always does."""
    name = "[/]长" * 1_250_000                                        # 5,000,000 characters
    start = time.perf_counter()
    for fn in (safetext.clean, safetext.terminal, safetext.name):
        out = fn(name)
        assert len(out) <= safetext.MESSAGE_LIMIT * 2 and "共 5,000,000 字" in out
    assert time.perf_counter() - start < 10.0
    start = time.perf_counter()
    eml = safe_output_name(tmp_path, name + ".eml")                   # was trimmed one character at a time
    assert time.perf_counter() - start < 10.0 and eml.suffix == ".eml" and len(eml.name.encode()) <= 200
