"""The 计算考核 button's Python side against `xlrubric compute` on the same school.

Workbook: bench_compute's (lanxi4 rules, 300 teachers, a 2,000-row 签到登记, a 300-row 提交登记).
  button   the payload Excel's client sends (JSON text) -> xw.Book(json=...) -> adapters.excel.run ->
           book.json() actions as JSON text: reading, rules, validation, engine and every write action
  compute  compute_file: open the file, the same computation, write the filled copy
Prints medians of 5 runs and button / compute. Aim (issue 7): button under 1 s and ≤ 1× compute.
The remote engine needs XLWINGS_LICENSE_KEY; this script sets "noncommercial" (non-commercial use).

Run: python benchmarks/bench_addin.py [--teachers 300] [--signin 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_seconds  # noqa: E402
from bench_compute import make_workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402


def payload_text(path: Path) -> str:
    """What the classic add-in's VBA client posts: every sheet's values from A1, dates as ISO text."""
    import xlwings as xw

    def value(v):
        if v == "":
            return None
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if isinstance(v, dt.date):
            return f"{v.isoformat()}T00:00:00.000Z"
        return v

    book = CalamineWorkbook.from_path(str(path))
    sheets = [{"name": n, "pictures": [], "tables": [],
               "values": [[value(v) for v in row] for row in book.get_sheet_by_name(n).to_python()] or [[]]}
              for n in book.sheet_names]
    return json.dumps({"client": "VBA", "version": xw.__version__,
                       "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
                       "names": [], "sheets": sheets}, ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=300)
    parser.add_argument("--signin", type=int, default=2000)
    args = parser.parse_args()
    import xlwings as xw

    from xlrubric.adapters.excel import run
    from xlrubric.process import compute_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "兰西四中.xlsx"
        make_workbook(path, args.teachers, args.signin)
        text = payload_text(path)
        env = {"XLRUBRIC_PRESET": "lanxi4"}
        sizes = {}

        def button() -> None:
            book = xw.Book(json=json.loads(text))
            results = run(book, env=env)
            assert results is not None, book.json()["actions"][-1]["args"][0]
            sizes["actions"] = len(book.json()["actions"])
            sizes["bytes"] = len(json.dumps(book.json(), ensure_ascii=False, default=str))
            book.close()

        def compute() -> None:
            compute_file(path, Path(tmp) / "out.xlsx", preset="lanxi4")

        button()
        compute()
        t_button, t_compute = median_seconds(button), median_seconds(compute)
    print(f"{args.teachers} teachers, {args.signin}-row 签到登记; payload {len(text) / 1e6:.2f} MB, "
          f"{sizes['actions']} actions ({sizes['bytes'] / 1e6:.2f} MB)")
    print(f"button  (payload -> actions) {t_button:.3f} s")
    print(f"compute (file -> filled copy) {t_compute:.3f} s")
    print(f"button / compute = {t_button / t_compute:.2f}  (aim: button < 1 s and ratio <= 1)")


if __name__ == "__main__":
    main()
