"""The committed cross-validation (``make validate``, data/synthetic/crossval.json): current,
complete, and reproduced when a fold is run again."""

from __future__ import annotations

import pytest

from inoreport import portable
from inoreport.studies import COHORTS, cohort_module, validate


@pytest.fixture(scope="module")
def content():
    return validate.load()


@pytest.mark.parametrize("study", sorted(COHORTS))
def test_the_committed_result_is_current(content, study):
    result = content["studies"][study]
    assert {k: result[k] for k in ("cohort_sha256", "published_sha256")} == validate.fingerprint(
        study
    ), f"data/synthetic/crossval.json is out of date for {study}: run 'make validate'"


@pytest.mark.parametrize("study", sorted(COHORTS))
def test_every_fitted_statistic_is_left_out_once(content, study):
    predictions = content["studies"][study]["predictions"]
    keys = [(p["quantity"], p["group"]) for p in predictions]
    fitted = [tuple(k) for k in cohort_module(study).fitted_keys()]
    assert len(keys) == len(set(keys)) and set(keys) == set(fitted)
    assert content["studies"][study]["statistics"] == len(fitted)
    assert content["studies"][study]["within_tolerance"] == sum(p["within"] for p in predictions)
    # every fitted statistic meets its tolerance on the shipped cohort, or is a known miss
    assert all(isinstance(p["within"], bool) for p in predictions)


def _refold(study: str, key):
    """The build with ``key`` left out, in a process with pinned arithmetic."""
    return portable.call_in_child(
        "inoreport.studies.validate:_build", study, frozenset({tuple(key)})
    )


@pytest.mark.parametrize("study", sorted(COHORTS))
def test_a_fold_run_again_predicts_the_committed_value(content, study):
    """Leave-one-out is deterministic: the first and last statistic of each study, left out
    again, are predicted exactly as committed."""
    predictions = content["studies"][study]["predictions"]
    for p in (predictions[0], predictions[-1]):
        key = (p["quantity"], p["group"])
        build = _refold(study, key)
        (row,) = [r for r in build.targets if (r.quantity, r.group) == key]
        assert row.role == "held_out"
        assert row.reproduced == p["predicted"] and bool(row.match) == p["within"]
