"""YAML for the files this package ships (built-in presets, the shared words): libyaml's C loader.

PyYAML's pure-Python SafeLoader takes about 40 ms for one preset and 9 ms for words.yaml; its C twin
(`CSafeLoader`, same safe constructors) about a tenth of that, paid by every `compute --preset` and every
batch worker. Files a school writes (a rules YAML, a 考核细则 sheet's parameters) keep the pure loader,
whose error messages are the ones README and the tests show.
"""

from __future__ import annotations

from typing import Any

import yaml

_SHIPPED_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)    # PyYAML built without libyaml: pure


def load_shipped(text: str) -> Any:
    """Parse YAML text that ships with xlrubric (known-good, so no user-facing error wording is at stake)."""
    return yaml.load(text, Loader=_SHIPPED_LOADER)  # noqa: S506 — a safe loader
