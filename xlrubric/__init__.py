"""xlrubric: 校本研修考核 in the school's own Excel workbook.

`main()` is what the ribbon button 计算考核 runs (RunPython "import xlrubric; xlrubric.main()").
xlwings is imported only there, so the CLI and batch never need it.
"""

__version__ = "0.1.0"


def main() -> None:
    """Entry point of the Excel add-in: compute the active workbook in place."""
    from xlrubric.adapters.excel import main as excel_main

    excel_main()
