"""Whole-process start-up: what a director waits for before any work, per command (issue 16).

Prints, as medians of N fresh processes run in this same run (wall time, and the CPU time of the whole
process — user + system of the child, which the machine's other load does not inflate as much):
  bare       `python -c pass` (the interpreter alone)
  help       `xlrubric --help`                      aim ≤ 0.15 s
  lint       `xlrubric lint lanxi4`
  floor      a process that imports pandas and reads every sheet of samples/lanxi4.xlsx into DataFrames with
             python-calamine — the floor for any pandas tool
  floor+pa   the same, importing pandera too: what validating with pandera costs before any check runs
  compute    `xlrubric compute samples/lanxi4.xlsx`  aim ≤ 1.5× floor
and, for each command, the modules it imports that cost most (python -X importtime); then the CPU seconds of
each phase of a fresh compute process (`startup_phases.py`: imports of typer, pandas, pandera, pydantic and
ours, the typer dispatch, reading, rules, computing, writing, the summary), medians over the same runs.

`--python` runs the commands with another interpreter, e.g. a venv made with `pip install -e .` only (what
schools have): with the test extras installed, pandera's first validation also imports hypothesis (pandera's
data-synthesis strategies load whenever hypothesis is importable), which is not what a user's start-up costs.
Give `--python` twice (say, a venv of the code before a change and one after) to compare them in one run.

Every command runs from the temporary folder (so that `python -m xlrubric` imports the package installed in
that interpreter's venv, not this checkout) with PYTHONDONTWRITEBYTECODE removed from its environment, after
one warm-up run that is not timed: a user's install has the .pyc files of our package, so timing a process
that recompiles xlrubric from source on every start (as this machine's shells ask with
PYTHONDONTWRITEBYTECODE=1) measures a cost no user pays.

Run: python benchmarks/bench_startup.py [--runs 5] [--python /path/to/venv/bin/python [--python other/bin/python]]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
PHASES = Path(__file__).resolve().parent / "startup_phases.py"
SAMPLE = ROOT / "samples" / "lanxi4.xlsx"
FLOOR = f"""
import pandas as pd
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path({str(SAMPLE)!r})
frames = {{n: pd.DataFrame(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names}}
"""
FLOOR_PANDERA = "import pandera.pandas\n" + FLOOR


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# `python -m xlrubric` and `python -c` put the current folder first on sys.path: run from the repository, every
# --python would import this checkout's xlrubric instead of the one installed in its venv.
NEUTRAL = tempfile.gettempdir()


def children_cpu() -> float:
    """User + system CPU seconds of every child process this one has waited for so far."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process."""
    cpu0, start = children_cpu(), time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False, env=ENV, cwd=NEUTRAL)
    return time.perf_counter() - start, children_cpu() - cpu0


def top_imports(py: str, argv: list[str], n: int = 3) -> str:
    """The n top-level imports with the largest cumulative time (µs), from -X importtime."""
    err = subprocess.run([py, "-X", "importtime", *argv], capture_output=True, text=True, env=ENV,
                         cwd=NEUTRAL).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if not name.startswith("  "):            # top level only: indentation marks nesting
                rows.append((int(parts[1]), name.strip()))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {us / 1e6:.2f} s" for us, name in rows[:n])


def cases(py: str, out: str) -> dict[str, list[str]]:
    return {
        "bare": [py, "-c", "pass"],
        "help": [py, "-m", "xlrubric", "--help"],
        "lint": [py, "-m", "xlrubric", "lint", "lanxi4"],
        "floor": [py, "-c", FLOOR],
        "floor+pa": [py, "-c", FLOOR_PANDERA],
        "compute": [py, "-m", "xlrubric", "compute", str(SAMPLE), "-o", out],
    }


def report(py: str, argvs: dict[str, list[str]], walls: dict[str, list[float]], cpus: dict[str, list[float]]) -> None:
    probe = subprocess.run([py, "-c", "import hypothesis"], capture_output=True, env=ENV, cwd=NEUTRAL)
    has_hypothesis = probe.returncode == 0
    print(f"\npython: {py}  (hypothesis importable: {'yes — pandera will import it' if has_hypothesis else 'no'})")
    times = {name: median(v) for name, v in walls.items()}
    cpu = {name: median(v) for name, v in cpus.items()}
    for name, argv in argvs.items():
        print(f"{name:8s} {times[name]:6.3f} s wall {cpu[name]:6.3f} s CPU   "
              f"top imports: {top_imports(py, argv[1:])}")
    print(f"help:    {times['help']:.3f} s (aim ≤ 0.15 s); bare interpreter {times['bare']:.3f} s")
    print(f"compute / floor = {times['compute'] / times['floor']:.2f}× wall, "
          f"{cpu['compute'] / cpu['floor']:.2f}× CPU (aim ≤ 1.5×)")
    print(f"compute / (floor + pandera import) = {times['compute'] / times['floor+pa']:.2f}× wall, "
          f"{cpu['compute'] / cpu['floor+pa']:.2f}× CPU;  pandera's import alone = "
          f"{(times['floor+pa'] - times['floor']) / times['floor']:.2f}× the floor (wall), "
          f"{(cpu['floor+pa'] - cpu['floor']) / cpu['floor']:.2f}× (CPU)")


def phase_table(pythons: list[str], phases: dict[str, list[dict[str, float]]]) -> None:
    """Median CPU seconds of each phase, one column per interpreter."""
    names = list(dict.fromkeys(name for py in pythons for run in phases[py] for name in run))
    print("\nCPU seconds of each phase of one fresh compute process (startup_phases.py), medians:")
    print(f"{'phase':38s}" + "".join(f"  python {i + 1:<3d}" for i in range(len(pythons))))
    for name in [*names, "total"]:
        cells = []
        for py in pythons:
            vals = [sum(run.values()) if name == "total" else run.get(name, 0.0) for run in phases[py]]
            cells.append(f"{median(vals):12.3f}" if vals else f"{'—':>12s}")
        print(f"{name:38s}" + "".join(cells))
    for i, py in enumerate(pythons):
        print(f"python {i + 1}: {py}")


def run_phases(py: str, out: str) -> dict[str, float]:
    run = subprocess.run([py, str(PHASES), str(SAMPLE), out], capture_output=True, text=True, env=ENV,
                         cwd=NEUTRAL)
    lines = run.stdout.strip().splitlines()
    return json.loads(lines[-1]) if run.returncode == 0 and lines else {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--python", action="append",
                    help="interpreter to run the commands with (default: this one); give it twice to compare "
                         "two installs in the same run, their runs interleaved")
    args = ap.parse_args()
    pythons = args.python or [sys.executable]
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.xlsx")
        argvs = {py: cases(py, out) for py in pythons}
        for per_py in argvs.values():            # warm-up, untimed: writes the .pyc files a user's install has
            for argv in per_py.values():
                run_once(argv)
        walls = {py: {name: [] for name in argvs[py]} for py in pythons}
        cpus = {py: {name: [] for name in argvs[py]} for py in pythons}
        phases: dict[str, list[dict[str, float]]] = {py: [] for py in pythons}
        for _ in range(args.runs):               # interleaved, so load that comes and goes hits every case alike
            for py in pythons:
                for name, argv in argvs[py].items():
                    w, c = run_once(argv)
                    walls[py][name].append(w)
                    cpus[py][name].append(c)
                if run := run_phases(py, out):
                    phases[py].append(run)
        for py in pythons:
            report(py, argvs[py], walls[py], cpus[py])
        phase_table(pythons, phases)


if __name__ == "__main__":
    main()
