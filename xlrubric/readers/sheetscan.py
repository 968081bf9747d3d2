"""Look inside a worksheet's XML before calamine does: how far its cells reach, and which hold errors.

Why this exists (measured with python-calamine 0.9.1):
- calamine builds each sheet as a dense grid from the top-left to the bottom-right cell that holds a
  value. One value at A1 and one at XFD1048576 asks for 17 billion cells and the process *aborts* (a
  Rust allocation failure is not a Python exception: nothing can catch it, a batch worker just dies).
  It ignores `<dimension>`, takes the *last* of duplicate `r` attributes, accepts lower-case, quoted-with-'
  and prefixed (`<x:c>`) cells and row numbers past 1,048,576, so only a scan of the cells is safe.
- calamine turns error cells (`t="e"`, e.g. a cached #DIV/0!) into empty strings; we want `CellError`.
- calamine reads a formula's cached value; a formula saved without one (openpyxl, some WPS saves) reads as
  blank — a silent 0 in a count column. Such a cell becomes a `CellError` naming the formula (`_uncomputed`).

The scan has two speeds. The fast one (numpy over the raw bytes: whole-array comparisons find the tags, then
one vector per byte position of the references; a fifth to a third of calamine's time on the same sheet) proves
the reach only for the canonical form every real writer uses (`<c r="A1"`, one `r` per cell, no
prefixed cells); it counts value-less cells too, so it may over-estimate (a formatted blank far away). A sheet
of a few KB gets the same proof from regular expressions and byte counts instead (`_small_reach`: numpy's
per-call cost made the quick bound cost as much as calamine's read of such a sheet).
Anything it cannot prove, or a reach above the cap, goes to the exact scan, which follows calamine's own
rules (value cells only, `r`-less cells counted on from the previous one) in Python and costs tens of
times more, which is fine for the rare file that needs it.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from xlrubric.readers.raw import NOTHING_HIDDEN, HiddenLines


@dataclass
class SheetScan:
    """What the scan learned: the 1-based reach (rows, columns) and the error cells by 0-based position."""

    n_rows: int
    n_cols: int
    far_cell: str = ""                 # A1 address of the cell that sets the reach (for the message)
    exact: bool = False
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden: HiddenLines = NOTHING_HIDDEN   # hidden rows/columns (`readers.hidden`), set by the package reader

    @property
    def cells(self) -> int:
        return self.n_rows * self.n_cols


_FOLLOW = np.zeros(256, dtype=bool)     # bytes that may end an element name
_FOLLOW[[ord(ch) for ch in " \t\n\r/>"]] = True
_WS = np.zeros(256, dtype=bool)
_WS[[ord(ch) for ch in " \t\n\r"]] = True
_WIDTH = 11                             # `r="` value: at most 3 letters + 7 digits + closing quote


def scan_sheet(data: bytes, *, max_cells: int) -> SheetScan:
    """Reach and error cells of one worksheet part; exact whenever the quick bound exceeds `max_cells`."""
    quick = _fast_reach(data)
    if quick is None or quick.cells > max_cells:
        scan = exact_scan(data)
    else:
        scan = quick
        scan.errors = _canonical_errors(data) if b"#" in data and b't="e"' in data else {}   # errors read "#…"
    if b"<f" in data:
        for (r, c), code in _uncomputed(data).items():
            if r < scan.n_rows and c < scan.n_cols:     # the exact scan's reach has value cells only
                scan.errors.setdefault((r, c), code)
    return scan


_NO_VALUE = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"((?:[^>/]|/(?!>))*)>\s*<f(?:[^>]*/>|[^>]*>([^<]*)</f>)'
                       rb"\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")
_TEXT_TYPE = re.compile(rb"\st\s*=\s*[\"'](?:str|s|inlineStr|b|e)[\"']")


_FORMULA = re.compile(rb"<f[\s>/]")
_CELL_START = b'<c r="'


def _uncomputed(data: bytes) -> dict[tuple[int, int], str]:
    """Formula cells saved with no cached value (no `<v>`, or an empty one on a cell not typed as text: an
    empty *text* result is a real blank). Excel and WPS always store the result of what they calculated.

    The cell pattern is tried only where a formula is, from the cell tag just before it: searched over the whole
    part it was tried at every cell, about 13 ms of a county school's 90 (bench_batch, 2026-12-02). A formula
    can only follow its own cell's opening tag, so the matches are the same (tests/test_uncomputed_formula.py)."""
    found: dict[tuple[int, int], str] = {}
    for at in _FORMULA.finditer(data):
        start = data.rfind(_CELL_START, 0, at.start())
        m = _NO_VALUE.match(data, start) if start >= 0 else None
        if m is None or m.end() <= at.start():
            continue
        if _TEXT_TYPE.search(m.group(3)):
            continue
        formula = html.unescape((m.group(4) or b"").decode("utf-8", "replace")).strip()
        shown = f"={formula[:40]}{'…' if len(formula) > 40 else ''}" if formula else "公式"
        found[(int(m.group(2)) - 1, _column(m.group(1)) - 1)] = (
            f"{shown}（公式没有保存计算结果，请在 Excel 或 WPS 中打开、保存后再算，或改填数值）")
    return found


def _fast_reach(data: bytes, chunk: int = 1 << 20) -> SheetScan | None:
    """Upper bound of the reach when every cell is written `<c r="REF"`; None when that is not so.

    A small sheet is read by `_small_reach`. A larger one goes through numpy in pieces that start at a tag
    (numpy is about a third quicker on pieces that stay in the CPU cache); each tag lies wholly in one piece,
    so the counts can be checked per piece.
    """
    if len(data) <= SMALL_SHEET:
        small = _small_reach(data)
        return None if small is None else SheetScan(*small)
    a = np.frombuffer(data + bytes(_WINDOW), dtype=np.uint8)   # zero padding keeps every window in range
    masks = _masks(min(len(data), chunk) + (1 << 16))         # a piece ends at the first `<` past `chunk`
    n_rows = n_cols = 0
    lo = 0
    while lo < len(data):
        hi = data.find(b"<", lo + chunk) if lo + chunk < len(data) else -1
        hi = len(data) if hi < 0 else hi
        piece = _piece_reach(a[lo:hi + _WINDOW], masks)
        if piece is None:
            return None
        n_rows, n_cols = max(n_rows, piece[0]), max(n_cols, piece[1])
        lo = hi
    return SheetScan(n_rows, n_cols)


SMALL_SHEET = 8 << 10                  # bytes; below this the regular expressions beat numpy's per-call cost
_PREFIXED = re.compile(rb":c[ \t\n\r/>]")
_ODD_CELL = re.compile(rb'<c(?=[ \t\n\r/>])(?! r="[A-Za-z]{1,3}[0-9]{1,7}")')
_R_SPACED = re.compile(rb"[ \t\n\r]r(?=[ \t\n\r])")
_CELL_ROWS = re.compile(rb'<c r="[A-Za-z]{1,3}([0-9]{1,7})"')
_CELL_COLUMNS = re.compile(rb'<c r="([A-Za-z]{1,3})[0-9]')


def _small_reach(data: bytes) -> tuple[int, int] | None:
    """What `_piece_reach` answers for the whole sheet, found with a few regular expressions and byte counts.

    Why: numpy costs a few microseconds per call whatever the length, and the numpy path makes about fifty
    calls (0.2-0.3 ms a sheet); the small sheets of a school's workbook (基本信息, 人工调整, a short 提交登记)
    are a few KB, which these searches read in tens of microseconds. The same rules, one by one: no prefixed
    cell (`:c` then a tag end); every cell tag `<c r="` with 1-3 letters, 1-7 digits and a closing quote;
    and as many `r` attributes (an `r` between white space and `=` or white space, anywhere) as cell tags plus
    `<row r=` tags — else None. The reach is the largest row and column any cell names.
    """
    if _PREFIXED.search(data) or _ODD_CELL.search(data):
        return None
    count = data.count                  # none of these can overlap itself, so counting is exact
    r_attrs = count(b" r=") + count(b"\tr=") + count(b"\nr=") + count(b"\rr=")
    if b"r " in data or b"r\t" in data or b"r\n" in data or b"r\r" in data:
        r_attrs += len(_R_SPACED.findall(data))    # `r` then white space (these may share a space: searched)
    cells = count(b'<c r="')
    if r_attrs != cells + count(b"<row r="):
        return None
    if not cells:
        return 0, 0
    return max(map(int, set(_CELL_ROWS.findall(data)))), max(map(_column, set(_CELL_COLUMNS.findall(data))))


_WINDOW = 24
_HELD = threading.local()


def _masks(size: int) -> np.ndarray:
    """Three boolean rows of at least `size` bytes, kept per thread for the whole-piece comparisons.

    Why: a large sheet's piece is hundreds of KB, and each fresh mask that size is memory the allocator maps
    anew and returns at once; its page faults cost as much kernel time as the comparison itself (the 444 KB
    签到登记: 560 faults and about 1.4 ms of system time per scan of the four sheets with fresh masks, none when
    they are reused). Written into these (`out=`), the same comparisons touch no new memory.
    """
    held = getattr(_HELD, "masks", None)
    if held is None or held.shape[1] < size:
        held = _HELD.masks = np.empty((3, size), dtype=bool)
    return held


def _piece_reach(a: np.ndarray, masks: np.ndarray | None = None) -> tuple[int, int] | None:
    """(row bound, last column) of the tags starting in a[:-_WINDOW]; None when not canonical."""
    # `<c` and `<row` tags found with whole-array comparisons (cheap) and one nonzero over the sparse result;
    # picking them out of every tag's position instead costs three times more (gathers over all tags).
    n = a.size - _WINDOW
    if masks is None or masks.shape[1] < n:
        masks = np.empty((3, n), dtype=bool)
    is_c, mask, work = masks[0, :n], masks[1, :n], masks[2, :n]
    body, first = a[:n], a[1:n + 1]
    np.equal(first, ord("c"), out=is_c)
    np.bitwise_and(np.equal(body, ord(":"), out=work), is_c, out=work)
    if work.any() and _FOLLOW[a[np.flatnonzero(work) + 2]].any():
        return None                     # a prefixed <x:c>: calamine reads it, the quick bound does not
    np.bitwise_and(np.equal(first, ord("r"), out=mask), np.equal(a[2:n + 2], ord("o"), out=work), out=mask)
    np.bitwise_and(mask, np.equal(a[3:n + 3], ord("w"), out=work), out=mask)                 # `<row`
    np.bitwise_or(mask, is_c, out=mask)                                                      # or `<c`
    tags = np.flatnonzero(np.bitwise_and(np.equal(body, ord("<"), out=work), mask, out=mask))
    is_cell = a[tags + 1] == ord("c")
    cells, rows = tags[is_cell], tags[~is_cell]
    cells = cells[_FOLLOW[a[cells + 2]]]
    rows = rows[_FOLLOW[a[rows + 4]]]
    canonical_rows = np.count_nonzero((a[rows + 4] == ord(" ")) & (a[rows + 5] == ord("r"))
                                      & (a[rows + 6] == ord("=")))
    r_at = np.flatnonzero(np.equal(first, ord("r"), out=work)) + 1
    before, after = a[r_at - 1], a[r_at + 1]
    r_attrs = np.count_nonzero(_WS[before] & ((after == ord("=")) | _WS[after]))
    if r_attrs != cells.size + canonical_rows:
        return None                     # a cell without `r`, or a second `r` (calamine takes the last one)
    if cells.size == 0:
        return 0, 0
    head = np.lib.stride_tricks.sliding_window_view(a, 6 + _WIDTH)[cells]
    if not np.all((head[:, 2] == ord(" ")) & (head[:, 3] == ord("r")) & (head[:, 4] == ord("="))
                  & (head[:, 5] == ord('"'))):
        return None
    return _decode_refs(np.ascontiguousarray(head[:, 6:].T))


def _decode_refs(win: np.ndarray) -> tuple[int, int] | None:
    """(largest row, largest column) of the references that open `win`'s columns (one column per cell, one
    row per byte after `r="`), or None unless every one is 1-3 letters, 1-7 digits and a closing quote.

    Worked one byte position at a time across all cells (vectors as long as the cell count), never cell by
    cell. The row is the number itself, not a bound from its leading digit: the book-wide cell limit adds the
    sheets' reaches, and an over-estimate there would refuse a workbook within it.
    """
    upper = win[:4] & 0xDF
    letter = (upper >= ord("A")) & (upper <= ord("Z"))
    two = letter[0] & letter[1]
    three = two & letter[2]
    if not letter[0].all() or (three & letter[3]).any():
        return None
    col = upper[0].astype(np.int64) - 64
    col = np.where(two, col * 26 + upper[1] - 64, col)
    col = np.where(three, col * 26 + upper[2] - 64, col)
    n_letters = 1 + two.view(np.uint8) + three.view(np.uint8)
    digit = (win >= ord("0")) & (win <= ord("9"))
    row = np.zeros(win.shape[1], dtype=np.int64)
    n_digits = np.zeros(win.shape[1], dtype=np.int64)
    inside = np.ones(win.shape[1], dtype=bool)           # still reading this reference's digits
    for j in range(1, _WIDTH):
        if not inside.any():
            break                       # every reference has met its closing quote
        here = inside & (j >= n_letters)
        step = here & digit[j]
        row = np.where(step, row * 10 + win[j] - ord("0"), row)
        n_digits += step
        ends = here & ~digit[j]
        if np.any(ends & (win[j] != ord('"'))):
            return None                 # something other than a digit or the closing quote after the letters
        inside &= ~ends
    if inside.any() or not np.all((n_digits >= 1) & (n_digits <= 7)):
        return None
    return int(row.max()), int(col.max())


_CANON_ERROR = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"[^>]*?\st="e"[^>]*>\s*(?:<f[^>]*(?:/>|>[^<]*</f>)\s*)?'
                          rb"<v>([^<]*)</v>")


def _canonical_errors(data: bytes) -> dict[tuple[int, int], str]:
    """Error cells of a sheet whose cells all start `<c r="` (the quick bound already proved that)."""
    errors: dict[tuple[int, int], str] = {}
    pos = data.find(b't="e"')
    while pos >= 0:
        start = data.rfind(b"<c ", 0, pos)
        m = _CANON_ERROR.match(data, start) if start >= 0 else None
        if m:
            errors[(int(m.group(2)) - 1, _column(m.group(1)) - 1)] = _error_code(m.group(3))
        pos = data.find(b't="e"', pos + 5)
    return errors


_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|v|is)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTR = re.compile(rb"(?<![\w.:\-])(r|t)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"([A-Za-z]+)([0-9]+)")


def exact_scan(data: bytes) -> SheetScan:
    """Follow calamine's placement rules over every row/cell tag: value cells only, last `r` wins."""
    n_rows = n_cols = 0
    row = col = 0                       # 1-based position of the current row / last cell
    cell: list | None = None            # [row, col, type] of an open <c> that may still get a value
    errors: dict[tuple[int, int], str] = {}
    for m in _TAG.finditer(data):
        closing, name, attrs = m.group(1), m.group(2), m.group(3)
        if closing:
            if name == b"c":
                cell = None
            continue
        found = {k: v1 or v2 for k, v1, v2 in _ATTR.findall(attrs)}
        if name == b"row":
            r = found.get(b"r", b"")
            row = int(r) if r.isdigit() else row + 1
            col = 0
        elif name == b"c":
            ref = _REF.fullmatch(found.get(b"r", b""))
            if ref:
                row, col = int(ref.group(2)), _column(ref.group(1))
            else:
                col += 1
            cell = None if attrs.endswith(b"/") else [row, col, found.get(b"t", b"")]
        elif cell is not None:          # <v> or <is>: the cell holds a value
            n_rows, n_cols = max(n_rows, cell[0]), max(n_cols, cell[1])
            if name == b"v" and cell[2] == b"e" and not attrs.endswith(b"/"):
                end = data.find(b"<", m.end())
                errors[(cell[0] - 1, cell[1] - 1)] = _error_code(data[m.end():end])
            cell = None
    return SheetScan(n_rows, n_cols, far_cell=far_address(n_rows, n_cols), exact=True, errors=errors)


def far_address(n_rows: int, n_cols: int) -> str:
    """A1 address of the bottom-right cell of a reach; any size (openpyxl's stops at column ZZZ)."""
    if not (n_rows and n_cols):
        return ""
    letters, col = "", n_cols
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{n_rows}"


def _column(letters: bytes) -> int:
    """1-based column number of A/Z/AA/XFD (any case, as calamine reads it)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _error_code(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return text or "#VALUE!"


def unsafe_declaration(data: bytes) -> bool:
    """True when a part declares a DOCTYPE or entities; no spreadsheet writer emits one."""
    if b"!" not in data:                # a one-byte search is far quicker than looking for "<!"
        return False
    pos = data.find(b"<!")
    while pos >= 0:
        if not (data.startswith(b"<!--", pos) or data.startswith(b"<![CDATA[", pos)):
            return True
        pos = data.find(b"<!", pos + 2)
    return False
