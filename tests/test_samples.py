"""Verify the bundled samples are current: the files regenerate identically and compute as recorded.

The snapshot guards against unintended changes; correctness is proven by the hand-computed tests.
Regenerate with: python samples/make_samples.py
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
sys.path.insert(0, str(SAMPLES_DIR))
import make_samples  # noqa: E402
from sample_schools import school_workbook  # noqa: E402

from xlrubric.spec.load import load_preset  # noqa: E402


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("preset", sorted(make_samples.SAMPLES))
def test_sample_is_current(preset: str):
    path = SAMPLES_DIR / f"{preset}.xlsx"
    fresh = school_workbook(load_preset(preset), make_samples.SAMPLES[preset])
    assert parts(fresh) == parts(path.read_bytes()), "run: python samples/make_samples.py"
    recorded = json.loads((SAMPLES_DIR / f"{preset}_结果摘要.json").read_text(encoding="utf-8"))
    assert make_samples.snapshot(path) == recorded, "results changed; if intended run samples/make_samples.py"
