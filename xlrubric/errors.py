"""One root error for everything xlrubric tells a user.

Every error carries a Chinese message that names the file (and sheet and cell where one applies) and
says what to do. The CLI catches only `XlrubricError`; anything else is a bug and is reported as such.
Exit codes: 0 clean, 1 problems found (results still written), 2 unusable input.
"""

from __future__ import annotations


class XlrubricError(Exception):
    """Root of every error a user may see; `str(err)` is the Chinese message."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None,
                 cell: str | None = None, hint: str | None = None):
        self.file, self.sheet, self.cell, self.hint = file, sheet, cell, hint
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(f"文件「{self.file}」")
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.cell:
            where.append(f"单元格 {self.cell}")
        text = ("，".join(where) + "：" if where else "") + self.detail
        if self.hint:
            text += f"\n处理办法：{self.hint}"
        return text


class UnreadableWorkbook(XlrubricError):
    """The file cannot be opened as a workbook at all (wrong type, encrypted, corrupt, hostile).

    `reason` is a stable slug (encrypted, wrong-password, html, zip-bomb …) for batch summaries and tests.
    """

    reason: str | None = None


class RulesError(XlrubricError, ValueError):
    """A rules file, preset or 考核细则 sheet does not describe a valid rubric."""


class MissingSheet(XlrubricError):
    """A sheet the rules need is not in the workbook."""


class OutputError(XlrubricError, OSError):
    """An output cannot be written (read-only folder, disk full, unsafe name)."""
