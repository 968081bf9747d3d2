"""Files we write from scratch, and the one door every result file goes out by.

- New workbooks, with XlsxWriter: `newbook` (a legacy .xls school's results as a new .xlsx), `archive`
  (培训档案), `template` and `guide` (the blank workbook a school fills in, and its 填写说明 sheet).
  `xlsx_format` is the one workbook factory and the formats and 考核细则 sheet they share; `pagesetup`
  plans how any table we write prints on A4, from `textwidth`'s measure of each value (the surgical editor in
  `xlrubric.ooxml` uses both too).
- `output`: routing. A school's OOXML package is edited in place by `xlrubric.ooxml`; a legacy .xls gets a
  new workbook from `newbook`; a password-protected one is decrypted, edited and encrypted again. It lives
  here rather than in `ooxml` because it chooses between the two kinds of writer.

Atomic file replacement (`xlrubric.atomic`) is not here: batch, mail, serve and the add-in installer use it
as well, so it sits at the top of the package beside `errors` and `safetext`.
"""
