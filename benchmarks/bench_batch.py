"""County batch time against the python-calamine read floor and a naive openpyxl pipeline.

Generates a county of N schools (seeded; lanxi4 and xinghuo alternating; each 40–120 teachers and a
500–3,000-row 签到登记) and prints, in one run:
  (a) floor   python-calamine reading every sheet of every file, one process
  (b) batch   `xlrubric batch` (run_batch) with the default process pool, fresh output folder
  (c) naive   the same computation read with pandas + openpyxl and written by openpyxl load-and-save,
              on a process pool of the same size
  (d) batch1  `xlrubric batch` with 1 worker
and the ratios b/a, c/b, d/b, the peak memory of a worker, and the time per school at N/4 vs N
(linear growth keeps it flat).
Aims (issue 6): b/a ≤ 2.5; c/b ≥ 5; d/b ≥ 1.7 on 2 cores; per-school time flat; peak < 400 MB per worker.

Run: python benchmarks/bench_batch.py [--n 200] [--workers N] [--skip-naive]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook

from xlrubric.batch.executors import default_workers
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.batch.sample import School, school_workbook
from xlrubric.spec.load import load_preset

TOWNS = ("兰西镇", "榆林镇", "临江镇", "平山镇", "红光镇", "远大镇", "康荣镇", "燎原乡", "长岗乡", "长江乡", "兰河乡",
         "北安乡", "奋斗乡", "星火乡", "红星乡")


def make_county(root: Path, n: int, seed: int = 2026) -> list[Path]:
    rnd = random.Random(seed)
    specs = {p: load_preset(p) for p in ("lanxi4", "xinghuo")}
    paths = []
    for i in range(n):
        preset = ("lanxi4", "xinghuo")[i % 2]
        town = TOWNS[i % len(TOWNS)]
        name = f"{town}第{i // len(TOWNS) + 1}学校"
        teachers = rnd.randint(40, 120)
        school = School(name, preset, teachers, rnd.randint(500, 3000), seed=1000 + i)
        path = root / town / f"{name}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(school_workbook(specs[preset], school))
        paths.append(path)
    return paths


def floor(paths: list[Path]) -> float:
    start = time.perf_counter()
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def batch(src: Path, out: Path, workers: int | None) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    run = run_batch(BatchOptions(src, out, workers=workers))
    seconds = time.perf_counter() - start
    assert len(run.done) == len(run.books), "every school must be processed"
    failed = [e for e in run.entries if e.status == "unreadable"]
    if failed:
        raise SystemExit(f"{len(failed)} schools could not be processed, figures would be meaningless: "
                         f"{failed[0].input}: {failed[0].message}")
    return seconds, max(o.peak_rss_mb for o in run.done)


def naive_one(args: tuple[str, str]) -> float:
    """pandas + openpyxl to read, our engine to compute, openpyxl load-and-save to write."""
    import math as _math

    import openpyxl
    import pandas as pd

    from xlrubric.batch.worker import _peak_mb
    from xlrubric.pipeline import compute_book, resolve_spec
    from xlrubric.readers.raw import RawBook, RawSheet

    src, dst = args
    frames = pd.read_excel(src, sheet_name=None, header=None, engine="openpyxl")
    sheets = {}
    for name, df in frames.items():
        rows = [[None if isinstance(v, float) and _math.isnan(v) else v for v in r]
                for r in df.itertuples(index=False)]
        sheets[name] = RawSheet(name, rows)
    book = RawBook(src, "xlsx", sheets)
    spec, source = resolve_spec(book)
    results = compute_book(book, spec, source)
    wb = openpyxl.load_workbook(src)
    for table in results.tables:
        ws = wb.create_sheet(table.name)
        ws.append(table.header)
        for row in table.rows:
            ws.append(row)
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return _peak_mb()


def naive(paths: list[Path], src: Path, out: Path, workers: int) -> tuple[float, float]:
    shutil.rmtree(out, ignore_errors=True)
    jobs = [(str(p), str(out / p.relative_to(src))) for p in paths]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        peaks = list(pool.map(naive_one, jobs))
    return time.perf_counter() - start, max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="number of schools (default 200)")
    parser.add_argument("--workers", type=int, default=None, help="pool size for (b) and (c); default: cores")
    parser.add_argument("--skip-naive", action="store_true", help="leave out (c), the slowest part")
    args = parser.parse_args()
    workers = args.workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        root = Path(tmp)
        src = root / "county"
        t0 = time.perf_counter()
        paths = make_county(src, args.n)
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(f"county: {args.n} schools, {size:.1f} MB, generated in {time.perf_counter() - t0:.1f} s; "
              f"pool of {workers} worker(s)")
        quarter = max(1, args.n // 4)
        small = root / "county_quarter"
        for p in paths[:quarter]:
            (small / p.relative_to(src)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, small / p.relative_to(src))
        floor(paths[: min(5, len(paths))])                       # warm the page cache
        a = floor(paths)
        b_small, _ = batch(small, root / "out_quarter", args.workers)
        b, peak_b = batch(src, root / "out_b", args.workers)
        d, peak_d = batch(src, root / "out_d", 1)
        c, peak_c = (math.nan, math.nan) if args.skip_naive else naive(paths, src, root / "out_c", workers)
    print(f"(a) floor  calamine read, 1 process     {a:8.2f} s   {a / args.n * 1000:7.1f} ms/school")
    print(f"(b) batch  default pool ({workers})            {b:8.2f} s   {b / args.n * 1000:7.1f} ms/school   "
          f"peak/worker {peak_b:.0f} MB")
    print(f"(c) naive  pandas+openpyxl, pool ({workers})   {c:8.2f} s   {c / args.n * 1000:7.1f} ms/school   "
          f"peak/worker {peak_c:.0f} MB")
    print(f"(d) batch  1 worker                     {d:8.2f} s   {d / args.n * 1000:7.1f} ms/school   "
          f"peak {peak_d:.0f} MB")
    print(f"b/a = {b / a:.2f}  (aim ≤ 2.5)")
    print(f"c/b = {c / b:.2f}  (aim ≥ 5)")
    print(f"d/b = {d / b:.2f}  (aim ≥ 1.7 with 2 workers)")
    print(f"growth: N={quarter} {b_small / quarter * 1000:.1f} ms/school → "
          f"N={args.n} {b / args.n * 1000:.1f} ms/school "
          f"(ratio {(b / args.n) / (b_small / quarter):.2f}; 1.00 = linear)")


if __name__ == "__main__":
    main()
