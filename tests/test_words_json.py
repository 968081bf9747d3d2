"""words.json (what the program reads) must say exactly what words.yaml (what people edit) says."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import yaml

from xlrubric.spec.words import Words, shared_words, words_json

LANXI4 = Path(__file__).resolve().parent.parent / "samples" / "lanxi4.xlsx"


def _text(name: str) -> str:
    return resources.files("xlrubric.spec").joinpath(name).read_text(encoding="utf-8")


def test_words_json_is_words_yaml():
    # If this fails after an edit of words.yaml: python -m xlrubric.spec.words (rewrites words.json).
    assert json.loads(_text("words.json")) == yaml.safe_load(_text("words.yaml"))
    assert _text("words.json") == words_json()


def test_shared_words_equal_the_yaml_read_through_the_model():
    # The units' "1/60" strings still become floats (the model's validator runs on the JSON mapping too).
    expected = Words.model_validate(yaml.safe_load(_text("words.yaml")))
    assert shared_words() == expected
    assert all(isinstance(f, float) for units in shared_words().units.values() for f in units.values())


def test_a_compute_of_a_workbook_with_its_own_rules_sheet_imports_no_yaml():
    # samples/lanxi4.xlsx carries its own 考核细则 sheet: reading, resolving and computing it needs no PyYAML.
    code = ("import sys; from pathlib import Path; from xlrubric.readers.workbook import open_workbook; "
            "from xlrubric.pipeline import compute_book, resolve_spec; "
            "book = open_workbook(Path(sys.argv[1])); spec, src = resolve_spec(book); compute_book(book, spec, src); "
            "print(sorted(m for m in sys.modules if m == 'yaml' or m.startswith('yaml.')))")
    out = subprocess.run([sys.executable, "-c", code, str(LANXI4)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
