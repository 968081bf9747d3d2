"""County batch time against the python-calamine read floor, at several N, on the process pool and on Dask.

For each N (default 200 and 2,000) a county is made: `VARIANTS` distinct school workbooks are generated
(lanxi4 and xinghuo alternating; 40–120 teachers; 500–3,000 rows of 签到登记), then copied under N school
names in 15 乡镇 folders — generating 2,000 workbooks costs the same as generating 10. Printed per N, all in
the same run:
  floor   python-calamine reading every sheet of every file, one process (the floor of any pandas tool)
  pool    `run_batch` on the default process pool (one worker per core), fresh output folder
  dask    `run_batch` on a real Dask LocalCluster (`--scheduler local-cluster`), same number of workers
  dask0   (with --dask-defaults) the same cluster with distributed's default configuration, i.e. without
          batch/executors.py's LOCAL_CLUSTER_CONFIG (the profiler on, the nanny's malloc trimming): the
          before/after of issue 16's worker-memory fix, in the same run
  pool1   `run_batch --workers 1` (in-process), for the 1 → W workers speed-up (at the first N only unless
          --all-one)
with the ratios to the floor, ms per school, the workers' CPU time per school against the floor's (a ratio
that holds when other processes share the cores and wall times do not; it leaves out each worker's start),
the largest peak RSS any worker reported, the size of what a worker ships back per school (pickled
`Outcome`), and when the first school started (discovery, hashing and the workers' warm-up before it: a
fixed cost per batch), and the batch process's own CPU per school (the pool's manager thread, the
manifest; on Dask also the scheduler and the client, which run in it and share the cores with the workers).
Then per-school time at each N side by side (flat = no per-school overhead growing with N). The load average
is printed: other processes distort every figure.

What each side includes (so the ratio is fair both ways). Neither pays this benchmark's own interpreter start
or imports, and both find the files in the page cache (just written, and five read before the floor is timed).
The floor: python-calamine already imported, every sheet of every file read into Python lists, nothing
written, one process on one core. The batch: everything `xlrubric batch` does after its imports — discovery,
hashing every input, the OUTDIR lock and write check, starting its worker processes and their warm-up (the
fork server imports pandas and pandera and computes one template, batch/warmup.py; on Dask the cluster's
start), every school read, validated, computed and written atomically (fsynced — by the batch process, before the
school's line, since session 8), one manifest line per
school, then 县汇总 — on every core.
Aims (issue 16): ≤ 2.5× the floor at N = 200 and 2,000; per-school time flat; 1 → 2 workers ≥ 1.8×; peak
memory per worker < 200 MB. (c) of earlier versions — pandas + openpyxl on a pool — is `--naive`.

With `--against DIR` (e.g. `git archive <commit> | tar -x -C DIR`) it instead times the same batches with the code
in DIR ("before") and this tree ("after") in turn, `--rounds` times, each in a fresh process that measures its
own floor first (so every run pays its fork server's start and warm-up, as a real `xlrubric batch` does), and
prints the medians: the before/after of a change on a machine whose load drifts.

Run: python benchmarks/bench_batch.py [--n 200 2000] [--workers W] [--no-dask] [--dask-defaults] [--all-one | --no-one]
                                      [--naive] [--against DIR [--rounds R] [--no-pool]]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from python_calamine import CalamineWorkbook

from xlrubric.batch import executors
from xlrubric.batch.executors import LOCAL_CLUSTER, default_workers
from xlrubric.batch.orchestrate import BatchOptions, run_batch
from xlrubric.spec.load import load_preset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))  # the sample-school generator
from sample_schools import School, school_workbook  # noqa: E402

TOWNS = ("兰西镇", "榆林镇", "临江镇", "平山镇", "红光镇", "远大镇", "康荣镇", "燎原乡", "长岗乡", "长江乡", "兰河乡",
         "北安乡", "奋斗乡", "星火乡", "红星乡")
VARIANTS = 10


def variants(seed: int = 2026) -> list[bytes]:
    """VARIANTS distinct school workbooks (seeded)."""
    rnd = random.Random(seed)
    specs = {p: load_preset(p) for p in ("lanxi4", "xinghuo")}
    books = []
    for i in range(VARIANTS):
        preset = ("lanxi4", "xinghuo")[i % 2]
        school = School(f"样本{i + 1}学校", preset, rnd.randint(40, 120), rnd.randint(500, 3000), seed=1000 + i)
        books.append(school_workbook(specs[preset], school))
    return books


def make_county(root: Path, n: int, books: list[bytes]) -> list[Path]:
    """N school files: copies of the variants under N names (each school's output and manifest key differ)."""
    paths = []
    for i in range(n):
        town = TOWNS[i % len(TOWNS)]
        path = root / town / f"{town}第{i // len(TOWNS) + 1}学校.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(books[i % len(books)])
        paths.append(path)
    return paths


def floor(paths: list[Path]) -> tuple[float, float]:
    """Wall and CPU seconds of reading every sheet of every file with python-calamine in this process."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start, time.process_time() - cpu


def batch(src: Path, out: Path, workers: int | None, scheduler: str | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    first: list[float] = []
    wall, start, cpu = time.time(), time.perf_counter(), time.process_time()

    def began(o) -> None:          # a Dask task of several schools hands them back together: use their own start
        first.append(o.started - wall if getattr(o, "started", 0) else time.perf_counter() - start - o.seconds)

    run = run_batch(BatchOptions(src, out, workers=workers, scheduler=scheduler), on_outcome=began)
    seconds, parent = time.perf_counter() - start, time.process_time() - cpu
    assert len(run.done) == len(run.books), "every school must be processed"
    failed = [e for e in run.entries if e.status == "unreadable"]
    if failed:
        raise SystemExit(f"{len(failed)} schools could not be processed, figures would be meaningless: "
                         f"{failed[0].input}: {failed[0].message}")
    shipped = [len(pickle.dumps(o)) for o in run.done]
    shutil.rmtree(out, ignore_errors=True)
    return {"s": seconds, "peak": max(o.peak_rss_mb for o in run.done), "bytes": sum(shipped) / len(shipped),
            "start": min(first), "cpu": sum(o.cpu_seconds for o in run.done), "parent": parent}


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


def naive(paths: list[Path], src: Path, out: Path, workers: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    jobs = [(str(p), str(out / p.relative_to(src))) for p in paths]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(naive_one, jobs))
    return time.perf_counter() - start


def line(label: str, r: dict, n: int, a: float, a_cpu: float) -> str:
    return (f"  {label:<26} {r['s']:8.2f} s  {r['s'] / n * 1000:7.1f} ms/school  {r['s'] / a:5.2f}× floor  "
            f"(workers' CPU {r['cpu'] / n * 1000:5.1f} ms/school = {r['cpu'] / a_cpu:4.2f}× the floor's)  "
            f"peak/worker {r['peak']:4.0f} MB  shipped {r['bytes'] / 1024:.1f} KB/school  "
            f"first school started at {r['start']:.1f} s  batch process CPU {r['parent'] / n * 1000:.1f} ms/school")


def fresh_run(src: Path, out: Path, workers: int | None, scheduler: str | None, code: Path | None) -> dict:
    """`floor` then `batch` in a new interpreter importing xlrubric from `code` (None: this tree)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, __file__, "--child", str(src), str(out), "--workers", str(workers or 0)]
    done = subprocess.run(cmd + (["--scheduler", scheduler] if scheduler else []), env=env, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(src: Path, out: Path, workers: int, scheduler: str | None) -> None:
    paths = sorted(src.rglob("*.xlsx"))
    floor(paths[: min(5, len(paths))])
    a, a_cpu = floor(paths)
    print(json.dumps({**batch(src, out, workers or None, scheduler), "floor": a, "floor_cpu": a_cpu}))


def against(args: argparse.Namespace, books: list[bytes]) -> None:
    """Before (the code in --against) and after (this tree), in turn, fresh processes; medians per N."""
    kinds = ([] if args.no_pool else [("pool", None)]) + ([] if args.no_dask else [("dask", LOCAL_CLUSTER)])
    for n in args.n:
        with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
            src = Path(tmp) / "county"
            make_county(src, n, books)
            runs: dict[tuple[str, str], list[dict]] = {}
            for r in range(args.rounds):
                for kind, scheduler in kinds:
                    for label, code in (("before", Path(args.against).resolve()), ("after", None)):
                        res = fresh_run(src, Path(tmp) / "out", args.workers, scheduler, code)
                        runs.setdefault((kind, label), []).append(res)
                        print(f"N = {n} round {r + 1} {kind:<4} {label:<6} load {os.getloadavg()[0]:4.1f}: "
                              f"{res['s']:6.2f} s = {res['s'] / res['floor']:4.2f}× its floor  first school at "
                              f"{res['start']:4.1f} s  workers' CPU {res['cpu'] / n * 1000:5.1f} ms/school  "
                              f"batch process CPU {res['parent'] / n * 1000:4.1f} ms/school", flush=True)
            for (kind, label), rs in runs.items():
                med = {k: statistics.median(x[k] for x in rs) for k in ("s", "start", "cpu", "parent")}
                ratio = statistics.median(x["s"] / x["floor"] for x in rs)
                print(f"N = {n} {kind:<4} {label:<6} medians of {len(rs)}: {ratio:4.2f}× floor, {med['s']:6.2f} s, "
                      f"first school at {med['start']:4.1f} s, workers' CPU {med['cpu'] / n * 1000:5.1f} ms/school, "
                      f"batch process CPU {med['parent'] / n * 1000:4.1f} ms/school")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[200, 2000], help="county sizes (default 200 2000)")
    parser.add_argument("--workers", type=int, default=None, help="pool and cluster size; default: cores")
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask LocalCluster runs")
    parser.add_argument("--no-pool", action="store_true", help="with --against: only the Dask runs")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="also Dask with distributed's default configuration (before the fix)")
    parser.add_argument("--all-one", action="store_true", help="measure 1 worker at every N, not the first only")
    parser.add_argument("--no-one", action="store_true", help="leave out the 1-worker runs")
    parser.add_argument("--naive", action="store_true", help="also pandas+openpyxl on a pool (slow)")
    parser.add_argument("--against", metavar="DIR", help="before/after: the code in DIR and this tree, in turn")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: runs of each (default 3)")
    parser.add_argument("--child", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--scheduler", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child[0]), Path(args.child[1]), args.workers or 0, args.scheduler)
    workers = args.workers or default_workers()
    t0 = time.perf_counter()
    books = variants()
    print(f"{VARIANTS} distinct workbooks generated in {time.perf_counter() - t0:.1f} s; {workers} worker(s); "
          f"load average at start {os.getloadavg()[0]:.1f}")
    if args.against:
        return against(args, books)
    per_school: dict[str, list[str]] = {}
    for k, n in enumerate(args.n):
        with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
            root = Path(tmp)
            src = root / "county"
            t0 = time.perf_counter()
            paths = make_county(src, n, books)
            size = sum(p.stat().st_size for p in paths) / 1e6
            print(f"N = {n}: {size:.0f} MB, copied in {time.perf_counter() - t0:.1f} s")
            floor(paths[: min(5, n)])                               # warm the page cache
            a, a_cpu = floor(paths)
            print(f"  {'floor (calamine, 1 process)':<26} {a:8.2f} s  {a / n * 1000:7.1f} ms/school  "
                  f"(CPU {a_cpu / n * 1000:.1f} ms/school)")
            pool = batch(src, root / "out", args.workers)
            print(line(f"pool ({workers})", pool, n, a, a_cpu))
            per_school.setdefault("pool", []).append(f"N={n} {pool['s'] / n * 1000:.1f}")
            if not args.no_dask:
                dask = batch(src, root / "out", workers, LOCAL_CLUSTER)
                print(line(f"dask LocalCluster ({workers})", dask, n, a, a_cpu))
                per_school.setdefault("dask", []).append(f"N={n} {dask['s'] / n * 1000:.1f}")
            if args.dask_defaults:
                ours, executors.LOCAL_CLUSTER_CONFIG = executors.LOCAL_CLUSTER_CONFIG, {}
                environ = dict(os.environ)      # the default nanny sets MALLOC_TRIM_THRESHOLD_ in this process
                try:
                    dask0 = batch(src, root / "out", workers, LOCAL_CLUSTER)
                finally:
                    executors.LOCAL_CLUSTER_CONFIG = ours
                    os.environ.clear()
                    os.environ.update(environ)
                print(line("dask, distributed defaults", dask0, n, a, a_cpu))
                per_school.setdefault("dask0", []).append(f"N={n} {dask0['s'] / n * 1000:.1f}")
            if (k == 0 or args.all_one) and not args.no_one:
                one = batch(src, root / "out", 1)
                print(line("1 worker (in-process)", one, n, a, a_cpu))
                print(f"  1 → {workers} workers: {one['s'] / pool['s']:.2f}× (aim ≥ 1.8 with 2)")
            if args.naive:
                c = naive(paths, src, root / "naive", workers)
                print(f"  naive pandas+openpyxl pool {c:8.2f} s = {c / pool['s']:.1f}× the pool")
        print(f"  load average now {os.getloadavg()[0]:.1f}")
    for kind, figures in per_school.items():
        print(f"ms per school, {kind}: " + " → ".join(figures) + " (flat = no overhead growing with N)")


if __name__ == "__main__":
    main()
