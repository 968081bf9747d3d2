"""县汇总 and the manifest at province scale: 20,000 schools and a million problems, no workbook computed.

Builds a batch OUTDIR in code (manifest entries as workers record them, one problem side file per school),
then, in a fresh process so its peak memory is its own, loads the manifest and writes 县汇总.xlsx with its
linked problem CSV. Prints: appending N manifest lines (per line, first 10 % vs last 10 %: flat = time
independent of N), loading and compacting the manifest, writing the summary, and that process's peak RSS.

Run: python benchmarks/bench_summary.py [--n 20000] [--problems 50]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xlrubric.batch.manifest import Entry, Manifest

CHILD = """
import resource, sys, time
from pathlib import Path
from xlrubric.batch.manifest import load_manifest
from xlrubric.batch.summary import write_county_summary
out = Path(sys.argv[1])
t = time.perf_counter(); m = load_manifest(out); load = time.perf_counter() - t
t = time.perf_counter(); m.save(); save = time.perf_counter() - t
t = time.perf_counter(); write_county_summary(out, m); summary = time.perf_counter() - t
print(load, save, summary, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def entry(i: int, problems: int) -> Entry:
    rel = f"市{i % 13:02d}/县{i % 97:02d}/第{i:05d}学校.xlsx"
    summary = {"school": f"第{i:05d}学校", "teachers": 40 + i % 80, "full_marks": 50, "mean_total": 45.5,
               "max_total": 50, "median_total": 46, "min_total": 38, "stdev_total": 2.5,
               "bands": {"优秀": 10, "良好": 20, "合格": 10}, "quota_ok": True,
               "totals": [45.0 + (k % 5) for k in range(40 + i % 80)],
               "problems": {"错误": 0, "警告": problems, "提示": 0}, "status": "problems",
               "problems_file": f".xlrubric/problems/{rel}.json", "problems_listed": problems}
    return Entry(rel, f"{i:064x}", "preset:lanxi4:x", "0.1.0", "problems", output=rel, output_sha256="1" * 64,
                 summary=summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000, help="schools (default 20,000)")
    parser.add_argument("--problems", type=int, default=50, help="problems per school (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_summary_") as tmp:
        out = Path(tmp)
        entries = [entry(i, args.problems) for i in range(args.n)]
        t0 = time.perf_counter()
        for i, e in enumerate(entries):
            side = out / e.summary["problems_file"]
            side.parent.mkdir(parents=True, exist_ok=True)
            side.write_text(json.dumps([{"code": "x", "severity": "警告", "sheet": "考核记录", "cell": f"C{r + 2}",
                                         "value": f"{r}次", "message": f"第{i}校第{r}条：迟到次数不是数字"}
                                        for r in range(args.problems)], ensure_ascii=False), encoding="utf-8")
        print(f"{args.n:,} schools, {args.n * args.problems:,} problems: side files in "
              f"{time.perf_counter() - t0:.1f} s")
        manifest = Manifest(out, rules={"hash": "preset:lanxi4:x"})
        manifest.save()
        tenth = max(1, args.n // 10)
        marks = []
        start = time.perf_counter()
        for i, e in enumerate(entries):
            if i in (0, tenth, args.n - tenth):
                marks.append(time.perf_counter())
            manifest.append(e)
        end = time.perf_counter()              # before close(): its one fdatasync of the whole file is no line's
        manifest.close()
        closed = time.perf_counter()
        first, last = (marks[1] - marks[0]) / tenth, (end - marks[2]) / tenth
        print(f"manifest append: {args.n:,} lines in {end - start:.2f} s; per line first 10 % "
              f"{first * 1e6:.0f} µs, last 10 % {last * 1e6:.0f} µs (ratio {last / first:.2f}; 1.00 = flat); "
              f"close (last fdatasync) {(closed - end) * 1e3:.0f} ms")
        done = subprocess.run([sys.executable, "-c", CHILD, str(out)], check=True, capture_output=True, text=True)
        load, save, summary, rss = (float(x) for x in done.stdout.split())
        csv = out / "县汇总_问题清单.csv"
        print(f"manifest load {load:.2f} s, compaction {save:.2f} s")
        print(f"县汇总.xlsx {summary:.1f} s ({(out / '县汇总.xlsx').stat().st_size / 1e6:.1f} MB); "
              f"问题清单 CSV {'%.1f MB' % (csv.stat().st_size / 1e6) if csv.exists() else 'not needed'}; "
              f"peak RSS of that process {rss:.0f} MB")


if __name__ == "__main__":
    main()
