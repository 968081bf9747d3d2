"""Shared fixtures. Append only; keep each fixture small."""

from __future__ import annotations

from pathlib import Path

import corpus
import pytest


@pytest.fixture(name="writer_corpus", scope="session")
def fixture_writer_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The preservation corpus (tests/corpus.py), built once per session; treat the files as read-only."""
    return corpus.build_corpus(tmp_path_factory.mktemp("corpus"))
