"""Shared fixtures. Append only; keep each fixture small."""

from __future__ import annotations

import sys
from pathlib import Path

import corpus
import pytest

# samples/ holds the sample-school generator (sample_schools.py) and hour_samples.py: test data, not product
# code, so they live outside the package and the tests import them from there.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))


@pytest.fixture(name="writer_corpus", scope="session")
def fixture_writer_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The preservation corpus (tests/corpus.py), built once per session; treat the files as read-only."""
    return corpus.build_corpus(tmp_path_factory.mktemp("corpus"))


# --- hypothesis profiles: `ci` small and quick, `dev` wider; HYPOTHESIS_PROFILE picks one (default dev) ---
import os as _os  # noqa: E402

from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
_hyp_settings.register_profile("dev", max_examples=60, deadline=None)
_hyp_settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(name="bad_files", scope="session")
def fixture_bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every good, odd, broken and hostile file from tests/badfiles.py, built once; treat as read-only.

    The .xls-based ones need LibreOffice and are absent without it (tests that need them skip, or fail
    under CI).
    """
    import shutil as _shutil

    import badfiles

    return badfiles.build_all(tmp_path_factory.mktemp("badfiles"), with_soffice=_shutil.which("soffice") is not None)


@pytest.fixture(name="rubric_sources", scope="session")
def fixture_rubric_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    """Seeds 000/003's rubric tables as each format `rules import` reads (tests/rubric_tables.py); the seed
    document itself is None when it is not beside the repository."""
    import rubric_tables as rt

    d = tmp_path_factory.mktemp("rubric_tables")
    out: dict[tuple[str, str], object] = {}
    for p in ("xinghuo", "lanxi4"):
        out[(p, "seed text")] = rt.seed_text(p)
        out[(p, "word paste")] = rt.word_paste_text(p)
        out[(p, "excel paste")] = rt.tsv_text(p)
        out[(p, "xlsx")] = rt.write_xlsx(p, d / f"{p}.xlsx")
        out[(p, "docx")] = rt.write_docx(p, d / f"{p}.docx")
    return out


@pytest.fixture(name="served", scope="module")
def fixture_served(tmp_path_factory: pytest.TempPathFactory):
    """A real `xlrubric serve` process on a free loopback port, with its own XLRUBRIC_HOME (tests/servekit.py)."""
    import servekit

    served = servekit.start(tmp_path_factory.mktemp("home"))
    yield served
    served.stop()
