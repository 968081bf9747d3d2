"""The surgical editor of a school's own .xlsx/.xlsm package: results go in, everything else stays put.

A workbook is a zip of XML parts. We read the stored zip entries (`zipio`), locate elements by character
offset (`xmlscan`), and splice text into the few parts we must change — the part list and relationships
(`opc`), workbook.xml (`workbook`), styles.xml (`styles`), marked sheets and their notes (`marks`, `notes`),
our own result sheets (`sheetxml`) and the record of what we added (`record`). `package.write_results` is
the entry point; `preserve.check_preserved` is the oracle that proves nothing of the school's was lost.

Nothing here knows about XlsxWriter or new workbooks (that is `xlrubric.writers`); the only thing borrowed
from there is `writers.pagesetup`'s print plan and `writers.textwidth`'s measure of text (pure functions that
import nothing else of ours), so that a result sheet prints the same whether it went into the school's file or
into a new one.
"""
