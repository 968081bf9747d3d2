"""Whole-process start-up: what a director waits for before any work, per command (issue 16).

Prints, as medians of N fresh processes run in this same run:
  bare       `python -c pass` (the interpreter alone)
  help       `xlrubric --help`                      aim ≤ 0.15 s
  lint       `xlrubric lint lanxi4`
  floor      a process that imports pandas and reads every sheet of samples/lanxi4.xlsx into DataFrames with
             python-calamine — the floor for any pandas tool
  floor+pa   the same, importing pandera too: what validating with pandera costs before any check runs
  compute    `xlrubric compute samples/lanxi4.xlsx`  aim ≤ 1.5× floor
and, for each command, the modules it imports that cost most (python -X importtime).

`--python` runs the commands with another interpreter, e.g. a venv made with `pip install -e .` only (what
schools have): with the test extras installed, pandera's first validation also imports hypothesis (pandera's
data-synthesis strategies load whenever hypothesis is importable), which is not what a user's start-up costs.

Run: python benchmarks/bench_startup.py [--runs 5] [--python /path/to/venv/bin/python]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "lanxi4.xlsx"
FLOOR = f"""
import pandas as pd
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path({str(SAMPLE)!r})
frames = {{n: pd.DataFrame(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names}}
"""
FLOOR_PANDERA = "import pandera.pandas\n" + FLOOR


def wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return median(times)


def top_imports(py: str, argv: list[str], n: int = 3) -> str:
    """The n top-level imports with the largest cumulative time (µs), from -X importtime."""
    err = subprocess.run([py, "-X", "importtime", *argv], capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if not name.startswith("  "):            # top level only: indentation marks nesting
                rows.append((int(parts[1]), name.strip()))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {us / 1e6:.2f} s" for us, name in rows[:n])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", default=sys.executable, help="interpreter to run the commands with")
    args = ap.parse_args()
    py = args.python
    has_hypothesis = subprocess.run([py, "-c", "import hypothesis"], capture_output=True).returncode == 0
    print(f"python: {py}  (hypothesis importable: {'yes — pandera will import it' if has_hypothesis else 'no'})")
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.xlsx")
        cases = {
            "bare": [py, "-c", "pass"],
            "help": [py, "-m", "xlrubric", "--help"],
            "lint": [py, "-m", "xlrubric", "lint", "lanxi4"],
            "floor": [py, "-c", FLOOR],
            "floor+pa": [py, "-c", FLOOR_PANDERA],
            "compute": [py, "-m", "xlrubric", "compute", str(SAMPLE), "-o", out],
        }
        times = {name: wall(argv, args.runs) for name, argv in cases.items()}
        for name, argv in cases.items():
            print(f"{name:8s} {times[name]:6.3f} s   top imports: {top_imports(py, argv[1:])}")
    print(f"help:    {times['help']:.3f} s (aim ≤ 0.15 s); bare interpreter {times['bare']:.3f} s")
    print(f"compute / floor = {times['compute'] / times['floor']:.2f}× (aim ≤ 1.5×)")
    print(f"compute / (floor + pandera import) = {times['compute'] / times['floor+pa']:.2f}×;  "
          f"pandera's import alone = {(times['floor+pa'] - times['floor']) / times['floor']:.2f}× the floor")


if __name__ == "__main__":
    main()
