"""Generate samples/<preset>.xlsx: one realistic filled workbook per built-in preset, and its results.

    python samples/make_samples.py            # rewrites samples/<preset>.xlsx and <preset>_结果摘要.json

Each workbook is the preset's blank template filled in by `samples/sample_schools.py` (seeded, plausible
Chinese names). `lanxi4.xlsx` carries deliberate mistakes (numbers typed as text, a teacher entered twice,
a teacher not in the roster). `<preset>_结果摘要.json` is what `xlrubric compute` gives today: a snapshot
that tests/test_samples.py recomputes, so an unintended change in results shows up. The scores
themselves are checked against hand arithmetic from the seeds in tests/test_engine_rubric.py,
tests/test_compute_end_to_end.py and tests/test_template_fill.py.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from sample_schools import School, school_workbook
from xlrubric.spec.load import load_preset, preset_ids

HERE = Path(__file__).resolve().parent
SAMPLES = {  # preset -> the school
    "xinghuo": School("兰西县星火乡第一中学", "xinghuo", 45, signin_rows=450, stage="初中", seed=1101,
                      email="xhyz@example.cn"),
    "lanxi4": School("兰西四中", "lanxi4", 60, signin_rows=600, stage="初中", seed=1104, email="lxsz@example.cn",
                     mistakes=("text_numbers", "dup_teacher", "unknown_teacher")),
}


def snapshot(path: Path) -> dict:
    """The results `compute` gives for one sample, in a stable, diffable form."""
    from xlrubric.process import compute_file

    with tempfile.TemporaryDirectory() as tmp:
        results, _ = compute_file(path, Path(tmp) / "out.xlsx")
    teachers = [{k: t[k] for k in ("id", "name", "items", "total", "band") if k in t}
                for t in results.report.get("teachers", [])]
    return {"file": path.name, "rules": results.rules_source, "teachers": teachers,
            "problems": [[p.severity, p.sheet, p.cell, p.message] for p in results.problems]}


def main() -> int:
    for preset, school in SAMPLES.items():
        if preset not in preset_ids():
            continue
        path = HERE / f"{preset}.xlsx"
        path.write_bytes(school_workbook(load_preset(preset), school))
        (HERE / f"{preset}_结果摘要.json").write_text(
            json.dumps(snapshot(path), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent)}")
    import hour_samples  # the 学时/达标 presets: planned samples with expected results (issue 5)

    return hour_samples.main()


if __name__ == "__main__":
    sys.exit(main())
