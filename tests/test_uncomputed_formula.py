"""Verify a formula saved without its result (openpyxl writes `<f>1+2</f><v></v>`, as some WPS saves do) is
never read as a blank (session 10): calamine reads cached values only, so such a count cell used to be a
silent 0 — no deduction, full marks. Now it is a `CellError` naming the formula, so the cell is an 错误 and what
depends on it 待核实, like #DIV/0!. A formula that carries its result is read as that result.
"""

from __future__ import annotations

from openpyxl import load_workbook
from real_input import lanxi4_record, table, write

from xlrubric.process import compute_file
from xlrubric.readers.sheetscan import scan_sheet

SHEET = (b'<worksheet><sheetData><row r="1">'
         b'<c r="A1"><v>1</v></c>'
         b'<c r="B1"><f>1+2</f><v>3</v></c>'                           # computed: 3, no error
         b'<c r="C1"><f>1+2</f><v></v></c>'                            # openpyxl: empty cached value
         b'<c r="D1" t="str"><f>IF(A1,&quot;&quot;,1)</f><v></v></c>'   # a real empty text result
         b'<c r="E1" s="3"><f t="shared" si="0"/></c>'                 # shared formula, no value at all
         b'<c r="F1"><f>A1&amp;B1</f></c>'
         b"</row></sheetData></worksheet>")


def test_scan_marks_formulas_without_a_result():
    """Verify C1, E1 and F1 (no result) are error cells naming the formula; B1 (result 3) and D1 (empty text
    result) are not."""
    errors = scan_sheet(SHEET, max_cells=10**6).errors
    assert sorted(errors) == [(0, 2), (0, 4), (0, 5)]
    assert errors[(0, 2)].startswith("=1+2（公式没有保存计算结果")
    assert errors[(0, 5)].startswith("=A1&B1（")
    assert errors[(0, 4)].startswith("公式（")


def test_count_typed_as_an_uncomputed_formula_is_pending(tmp_path):
    """Verify lanxi4 (seed 003, 参与情况 5分, 迟到间缺早退一次扣0.5分): 甲's 迟到间缺早退次数 typed as =1+2 and saved
    by openpyxl is an 错误 on its cell and 参与情况/总分 待核实 — before, the cell read as blank and 参与情况 was
    5 (full marks). 乙's plain 2 gives 5 − 2×0.5 = 4."""
    sheets, merges = lanxi4_record(("L01", "甲", {}), ("L02", "乙", {"迟到间缺早退次数": 2}))
    path = write(tmp_path / "兰西四中.xlsx", sheets, merges)
    wb = load_workbook(path)
    ws = wb["考核记录"]
    col = next(c.column for row in ws.iter_rows(max_row=4) for c in row if c.value == "迟到间缺早退次数")
    first = next(c.row for c in ws["A"] if c.value == "L01")
    ws.cell(first, col).value = "=1+2"
    wb.save(path)
    res, _ = compute_file(path, tmp_path / "out.xlsx", preset="lanxi4")
    cell = ws.cell(first, col).coordinate
    bad = [p for p in res.problems if p.cell == cell and p.sheet == "考核记录"]
    assert len(bad) == 1 and bad[0].severity == "错误" and "=1+2（公式没有保存计算结果" in bad[0].message
    rows = {r["姓名"]: r for r in table(res, "考核结果")}
    assert rows["甲"]["参与情况（5分）"] == "待核实" and rows["甲"]["总分（50分）"] == "待核实"
    assert rows["乙"]["参与情况（5分）"] == 4


_CELLS = [b'<c r="{ref}"><v>1</v></c>', b'<c r="{ref}"><f>1+2</f><v>3</v></c>', b'<c r="{ref}"><f>1+2</f><v></v></c>',
          b'<c r="{ref}" t="str"><f>A1</f><v></v></c>', b'<c r="{ref}" s="3"><f t="shared" si="0"/></c>',
          b'<c r="{ref}">\n  <f>A1&amp;B1</f>\n</c>', b'<c r="{ref}" t="s"><v>0</v></c>', b'<c r="{ref}"/>',
          b'<c r="{ref}" t="inlineStr"><is><t>f</t></is></c>', b'<c r="{ref}"><f/><v/></c>',
          b'<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>']


def test_formulas_are_looked_at_where_they_are():
    """Verify `_uncomputed` (the cell pattern tried only at each formula's own cell) finds exactly what the
    same pattern searched over the whole part finds, on sheets mixing every kind of cell above (seeded)."""
    import random

    from xlrubric.readers.sheetscan import _NO_VALUE, _TEXT_TYPE, _uncomputed

    rnd = random.Random(16)
    for _ in range(300):
        cells = [rnd.choice(_CELLS).replace(b"{ref}", f"{'ABCDEFGH'[j]}{i + 1}".encode())
                 for i in range(rnd.randint(1, 6)) for j in range(rnd.randint(1, 8))]
        data = b"<worksheet><sheetData><row>" + b"".join(cells) + b"</row></sheetData><autoFilter ref=\"A1:B2\">" \
            b"<filterColumn colId=\"0\"><filters><filter val=\"1\"/></filters></filterColumn></autoFilter></worksheet>"
        whole = {(int(m.group(2)), m.group(1)) for m in _NO_VALUE.finditer(data) if not _TEXT_TYPE.search(m.group(3))}
        got = _uncomputed(data)
        assert len(got) == len(whole)
        assert {(r + 1, "ABCDEFGH"[c]) for r, c in got} == {(r, col.decode()) for r, col in whole}
