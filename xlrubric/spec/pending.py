"""What of a rubric cannot be computed yet: items, 总分 or 等次 touched by an undecided finding.

Rules imported from a school's own document carry open policies (待确认) until the director decides
them; a hand-written rules file may contradict itself. `lint` finds both; this module says which parts
of the result they touch, so the engine shows those as 待核实 instead of a confident number. A built-in
preset decides everything, so for presets this is empty and the clean path is unchanged.
"""

from __future__ import annotations

import pickle

from xlrubric.spec.lint import Finding, lint
from xlrubric.spec.model import Spec

TOTAL = "总分"
BAND = "等次"
BAND_CHECKS = {"band_scale", "band_gaps", "band_overlaps", "band_unreachable", "band_quotas", "bands_defined"}


def pending_targets(spec: Spec) -> dict[str, str]:
    """Item name (or 总分 / 等次) → why it is 待核实; empty when every finding is decided."""
    if spec.rubric is None:
        return {}
    # A batch computes hundreds of workbooks with one spec, and every compute asks. Keyed by the spec's pickle:
    # equal bytes are equal rules (a differing pickle of equal rules only misses the cache), at 0.14 ms
    # against 0.34 ms for `spec_hash` (lanxi4), which builds the JSON a manifest needs to be stable across runs.
    key = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = _targets(spec, lint(spec))
    return dict(_CACHE[key])


_CACHE: dict[bytes, dict[str, str]] = {}


def _targets(spec: Spec, findings: list[Finding]) -> dict[str, str]:
    rubric = spec.rubric
    assert rubric is not None
    names = {i.name for i in rubric.items}
    out: dict[str, str] = {}
    for f in findings:
        if f.resolved:
            continue
        reason = f"考核细则中尚未确定：{f.message}"
        policy = spec.policy_obj(f.policy) if f.policy else None
        hits = {i.name for i, d in rubric.deductions if policy and d.policy == policy.id}
        hits |= set(policy.items if policy else ())
        head = f.where.split("／")[0]
        if head in names:
            hits.add(head)
        if f.check in BAND_CHECKS:
            hits.add(BAND)
        if f.check == "total_matches_items":
            hits.add(TOTAL)
        for target in hits:
            out.setdefault(target, reason)
    return out
