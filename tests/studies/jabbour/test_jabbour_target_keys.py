"""The Jabbour generator records each target's key in data/published (make data writes them
to data/synthetic/datapackage.json), so the chapter looks roles up by key, not by label."""

from __future__ import annotations

import json

from inoreport import paths, published
from inoreport.studies import target_roles


def _recorded():
    package = json.loads((paths.SYNTHETIC / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in package["resources"] if r["name"] == "jabbour"]
    return resource["targets"]


def test_every_recorded_key_is_a_published_number():
    targets = _recorded()
    assert len(targets) > 40
    for t in targets:
        row = published.get("jabbour", t["quantity"], t["group"])  # raises if absent
        assert row["quantity"] == t["quantity"] and row["group"] == t["group"]


def test_keys_are_unique_and_roles_known():
    targets = _recorded()
    keys = [(t["quantity"], t["group"]) for t in targets]
    assert len(keys) == len(set(keys))
    assert {t["role"] for t in targets} <= {"calibrated", "held_out"}


def test_roles_of_the_chapter_s_comparisons():
    roles = target_roles("jabbour")
    # fitted to the published landmarks, medians by age group and overall follow-up
    assert roles[("pfs_5y", "all")] == "calibrated"
    assert roles[("os_median", "age_70_plus")] == "calibrated"
    assert roles[("median_followup_months", "all")] == "calibrated"
    # fitted too (issue 19): the pooled under-70 median and every published log-rank p
    assert roles[("pfs_median", "age_under_70")] == "calibrated"
    assert roles[("pfs_median_p", "ctg_high_risk_vs_not")] == "calibrated"
    assert roles[("os_median_p", "age_60_64_vs_65_69_vs_70_plus")] == "calibrated"
    # never fitted: follow-up by amendment
    assert roles[("median_followup_months", "post_amendment")] == "held_out"
