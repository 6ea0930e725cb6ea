"""Printed p-values as calibration targets, and the signed test statistics behind them.

References: R's ``survdiff`` (fixtures in tests/reference), scipy's Mann–Whitney U with the
asymptotic method (the same formula as R's ``wilcox.test`` with ties) and the issue's own
examples of printed tolerances.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from inoreport.synthetic.calibration import FitTarget, normalised_gap
from inoreport.synthetic.separation import (
    PrintedPError,
    logrank_z,
    logrank_z_surrogate,
    p_fit_target,
    p_of_z,
    pearson_p,
    printed_interval,
    ranksum_z,
    within_printed,
    z_of_p,
)


@pytest.mark.parametrize(
    ("printed", "low", "high"),
    [
        (".02", 0.015, 0.025),
        (".11", 0.105, 0.115),
        ("0.80", 0.795, 0.805),
        (".048", 0.0475, 0.0485),
        ("0.010", 0.0095, 0.0105),
        ("<.0001", 0.0, 0.0001),
        ("< 0.001", 0.0, 0.001),
        (">.99", 0.99, 1.0),
        ("P = .77", 0.765, 0.775),
    ],
)
def test_printed_interval_is_what_prints_that_way(printed, low, high):
    got = printed_interval(printed)
    assert got == pytest.approx((low, high), abs=1e-15)


@pytest.mark.parametrize("bad", ["", "n.s.", "0.02*", "about .05", "-.02"])
def test_an_unreadable_printed_p_is_an_error_naming_it(bad):
    with pytest.raises(PrintedPError, match="cannot read the printed p-value"):
        printed_interval(bad)


def test_within_printed_edges():
    assert within_printed(0.015, ".02") and within_printed(0.02499, ".02")
    assert not within_printed(0.025, ".02") and not within_printed(0.0149, ".02")
    assert within_printed(0.00009, "<.0001") and not within_printed(0.0001, "<.0001")
    assert not within_printed(float("nan"), ".02")


@settings(max_examples=200, deadline=None)
@given(
    printed=st.sampled_from([".02", ".11", "0.80", ".048", "0.010", ".77", ".002", ".013"]),
    p=st.floats(1e-6, 1.0, allow_nan=False),
    direction=st.sampled_from([1, -1]),
)
def test_the_z_target_is_met_exactly_where_p_prints_as_published(printed, p, direction):
    target = p_fit_target("k", printed, direction)
    gap = normalised_gap(np.array([direction * z_of_p(p)]), [target])[0]
    low, high = printed_interval(printed)
    if low + 1e-12 < p < high - 1e-12:
        assert abs(gap) <= 1 + 1e-9
    elif p < low - 1e-12 or p > high + 1e-12:
        assert abs(gap) > 1 - 1e-9
    # the wrong direction never meets a two-sided target away from p = 1
    wrong = normalised_gap(np.array([-direction * z_of_p(p)]), [target])[0]
    assert abs(wrong) > 1


def test_a_one_sided_printed_p_accepts_everything_beyond_its_bound():
    target = p_fit_target("k", "<.0001", 1)
    z = np.array([z_of_p(1e-3), z_of_p(2e-4), z_of_p(9e-5), z_of_p(1e-9), 12.0])
    gap = normalised_gap(z, [target] * len(z))
    assert list(np.abs(gap) <= 1) == [False, False, True, True, True]
    assert normalised_gap(np.array([-6.0]), [target])[0] < -1  # wrong direction


def test_direction_unknown_targets_the_magnitude():
    target = p_fit_target("k", ".11", 0)
    z = z_of_p(0.11)
    up, down = normalised_gap(np.array([z, -z]), [target, target])
    assert abs(up) < 0.05 and up == pytest.approx(down)


def test_a_fit_target_rejects_an_unknown_side():
    with pytest.raises(ValueError, match="side must be one of"):
        FitTarget("k", 1.0, 1.0, side="left")


def test_z_and_p_are_inverse():
    for p in (1e-8, 0.0001, 0.02, 0.5, 0.99):
        assert p_of_z(z_of_p(p)) == pytest.approx(p, rel=1e-9)


def test_logrank_z_is_r_survdiff_with_a_sign(lung_r, reference_dir):
    ref = json.loads((reference_dir / "fixtures" / "logrank_lung_sex.json").read_text())
    z = logrank_z(lung_r["time"], lung_r["status"] == 2, lung_r["sex"] == 1)
    assert z**2 == pytest.approx(ref["chisq"], rel=1e-10)
    # men (sex 1) had more deaths than expected: observed 112 > expected 91.6
    assert z > 0 and ref["observed"][0] > ref["expected"][0]
    assert p_of_z(z) == pytest.approx(ref["p"], rel=1e-9)
    assert logrank_z(lung_r["time"], lung_r["status"] == 2, lung_r["sex"] == 2) == pytest.approx(-z)


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.integers(0, 6), min_size=3, max_size=40),
    y=st.lists(st.integers(0, 6), min_size=3, max_size=40),
)
def test_ranksum_z_matches_the_asymptotic_mann_whitney_test_with_ties(x, y):
    if len(set(x) | set(y)) < 2:
        return  # no variation: no test
    z = ranksum_z(x, y)
    ref = stats.mannwhitneyu(
        x, y, alternative="two-sided", method="asymptotic", use_continuity=True
    )
    assert p_of_z(z) == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
    centred = ref.statistic - len(x) * len(y) / 2  # scipy's U is x's
    if abs(centred) > 0.5:
        assert np.sign(z) == np.sign(centred)


def test_pearson_p_drops_empty_rows_and_matches_a_hand_computation():
    table = [[10, 20], [30, 40], [0, 0]]
    # hand computation: expected 40*30/100=12 etc.
    observed = np.array([[10, 20], [30, 40]], float)
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    chisq = float(((observed - expected) ** 2 / expected).sum())
    assert pearson_p(table) == pytest.approx(stats.chi2.sf(chisq, 1), rel=1e-12)
    assert pearson_p([[3, 0], [5, 0]]) == 1.0


def test_the_logrank_surrogate_tracks_simulated_logrank_scores():
    """Schoenfeld's approximation: on large simulated PH cohorts the mean realised score is
    within 8% of the surrogate (slightly below it; the calibration's realised-gap shift
    removes the rest)."""
    rng = np.random.default_rng(7)
    beta, n = np.log(1.5), 600
    scores, events_a, events_b = [], [], []
    for _ in range(40):
        in_a = np.arange(n) < n // 2
        t = rng.exponential(1.0, n) / np.where(in_a, np.exp(beta), 1.0)
        c = rng.uniform(0.5, 3.0, n)
        time, event = np.minimum(t, c), t <= c
        scores.append(logrank_z(time, event, in_a))
        events_a.append(event[in_a].sum())
        events_b.append(event[~in_a].sum())
    surrogate = logrank_z_surrogate(beta, np.mean(events_a), np.mean(events_b))
    assert np.mean(scores) == pytest.approx(surrogate, rel=0.08)
