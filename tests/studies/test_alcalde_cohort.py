"""The synthetic Alcalde-Mellado cohort against the abstract (issue 19), and the generator's
leave-out contract for cross-validation.

The shipped cohort is read from data/synthetic and checked with the project's survival
toolkit (checked against R elsewhere) and scipy, not with the generator's own code. The
proofs about what a small group's Kaplan–Meier estimate can reach enumerate every order of
events and censorings with exact fractions, independently of
:mod:`inoreport.studies.alcalde_mellado.efs_search`.
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from inoreport import paths, published
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.studies.alcalde_mellado import cohort as alcalde
from inoreport.studies.alcalde_mellado import efs_search
from inoreport.studies.alcalde_mellado.horizon import censored_at

STUDY = "alcalde_mellado"
SHIPPED = paths.SYNTHETIC / f"{STUDY}.csv"
#: Published EFS group -> (column, value) of its patients in the cohort file.
EFS_GROUPS = {
    "ino_arm": ("bridging", "InO"),
    "chemo_arm": ("bridging", "chemotherapy/steroids"),
    "ltb_at_infusion": ("burden_at_infusion", "low"),
    "htb_at_infusion": ("burden_at_infusion", "high"),
    "maintained_ltb": ("burden_transition", "maintained low"),
    "maintained_htb": ("burden_transition", "maintained high"),
}


@pytest.fixture(scope="module")
def cohort():
    return pd.read_csv(SHIPPED)


def _efs_12(frame) -> float:
    km = kaplan_meier(frame, "efs_months", "efs_event")
    return float(km.landmarks([12.0])["survival"].iloc[0])


def _printed_interval(quantity, group) -> tuple[float, float]:
    """The p-values that print as the abstract's text: '0.019' -> [0.0185, 0.0195)."""
    text = str(published.get(STUDY, quantity, group)["printed"])
    half = 0.5 * 10.0 ** -len(text.split(".")[1])
    return float(text) - half, float(text) + half


@functools.cache
def _reachable(n: int, events: int, censored: int) -> frozenset[Fraction]:
    """Every 12-month Kaplan–Meier estimate of n patients with that many events and
    censorings before 12 months, by brute force over their orders (exact fractions); with
    nobody left event-free the estimate exists only if the last of them had an event."""
    out = set()
    if events + censored > n:
        return frozenset()
    for where in itertools.combinations(range(events + censored), censored):
        if events + censored == n and censored and (events + censored - 1) in where:
            continue  # everyone censored or failed, the last censored: not defined at 12
        survival, at_risk = Fraction(1), n
        for position in range(events + censored):
            if position not in where:
                survival *= Fraction(at_risk - 1, at_risk)
            at_risk -= 1
        out.add(survival)
    return frozenset(out)


# ------------------------------------------------------------------ the shipped cohort


def test_high_burden_efs_is_exactly_the_published_25_percent(cohort):
    high = cohort[cohort["burden_at_infusion"] == "high"]
    kept_high = cohort[cohort["burden_transition"] == "maintained high"]
    assert set(high["patient_id"]) == set(kept_high["patient_id"])  # the same 7 patients
    for group, frame in (("htb_at_infusion", high), ("maintained_htb", kept_high)):
        target = published.value(STUDY, "efs_12mo", group) / 100
        assert _efs_12(frame) == pytest.approx(target, abs=1e-12)
    # the estimate needs patients censored before 12 months (see the proof below)
    early_censored = (high["efs_event"] == 0) & (high["efs_months"] < 12)
    assert early_censored.sum() >= 2


def test_every_fitted_efs_landmark_is_met(cohort):
    for group, (column, value) in EFS_GROUPS.items():
        estimate = 100 * _efs_12(cohort[cohort[column] == value])
        assert abs(estimate - published.value(STUDY, "efs_12mo", group)) <= 2.0, group


def test_efs_p_values_to_12_months_print_as_published(cohort):
    within = censored_at(cohort, 12.0, time="efs_months", event="efs_event")
    for column, comparison in (
        ("bridging", "ino_arm_vs_chemo_arm"),
        ("burden_at_infusion", "ltb_vs_htb_at_infusion"),
    ):
        low, high = _printed_interval("efs_12mo_p", comparison)
        p = logrank(within, "efs_months", "efs_event", column).p
        assert low <= p < high, (comparison, p)
    # and low burden did better, as the abstract says
    ltb = _efs_12(cohort[cohort["burden_at_infusion"] == "low"])
    assert ltb > _efs_12(cohort[cohort["burden_at_infusion"] == "high"])


def test_rank_sum_p_values_print_as_published(cohort):
    ino = cohort["ino_bridging"]
    for column, quantity, ino_higher in (
        ("car_t_peak_per_ul", "car_t_expansion_p", False),
        ("cd8_scm_pct", "cd8_scm_at_peak_p", True),
    ):
        x, y = cohort.loc[ino, column], cohort.loc[~ino, column]
        assert not pd.concat([x, y]).duplicated().any()  # exact test without ties
        p = stats.mannwhitneyu(x, y, method="exact").pvalue
        low, high = _printed_interval(quantity, "ino_arm_vs_chemo_arm")
        assert low <= p < high, (quantity, p)
        assert (x.median() > y.median()) == ino_higher


def test_early_censoring_stays_within_the_assumed_follow_up(cohort):
    early = cohort[(cohort["efs_event"] == 0) & (cohort["efs_months"] < 12)]
    assert len(early) <= alcalde.Assumptions().max_early_censored
    assert (early["efs_months"] > 0).all()


# ------------------------------------------------------------------ proofs


def test_25_percent_of_7_needs_two_patients_censored_before_12_months():
    quarter = Fraction(1, 4)
    for events in range(8):
        for censored in (0, 1):
            assert quarter not in _reachable(7, events, censored)
    # e.g. one censored, 3 of 6 fail, one censored, 1 of 2 fails (the example)
    assert quarter in _reachable(7, 4, 2)


def test_the_landmark_targets_need_four_early_censorings(cohort):
    # cells (arm x trajectory) of the shipped cohort and the groups of the fitted targets
    parts = [sub for _, sub in cohort.groupby(["bridging", "burden_transition"])]
    sizes = [len(sub) for sub in parts]
    targets = [
        (
            [i for i, sub in enumerate(parts) if (sub[column] == value).all()],
            published.value(STUDY, "efs_12mo", group) / 100,
        )
        for group, (column, value) in EFS_GROUPS.items()
    ]

    @functools.cache
    def fits(n, e, c, target) -> bool:
        return any(abs(float(v) - target) <= 0.02 for v in _reachable(n, e, c))

    def meets(allocation) -> bool:
        for members, target in targets:
            n = sum(sizes[i] for i in members)
            e = sum(allocation[i][0] for i in members)
            c = sum(allocation[i][1] for i in members)
            if not fits(n, e, c, target):
                return False
        return True

    def allocations(max_censored):
        choices = [
            [(e, c) for e in range(size + 1) for c in range(min(size - e, max_censored) + 1)]
            for size in sizes
        ]
        for allocation in itertools.product(*choices):
            if sum(c for _, c in allocation) <= max_censored:
                yield allocation

    assert not any(meets(a) for a in allocations(3))
    assert any(meets(a) for a in allocations(4) if sum(c for _, c in a) == 4)


def test_km_values_are_every_reachable_estimate():
    for n in range(1, 10):
        for events in range(n + 1):
            for censored in range(n + 1 - events):
                expected = sorted(float(v) for v in _reachable(n, events, censored))
                assert list(efs_search.km_values(n, events, censored)) == expected


def _frame_of(placement, n):
    times = np.full(n, 13.0)
    events = np.zeros(n, dtype=int)
    for patient, (_, event, block) in enumerate(placement.items):
        times[patient], events[patient] = 1.0 + block, int(event)
    return pd.DataFrame({"efs_months": times, "efs_event": events})


def test_search_places_25_percent_in_seven_patients():
    cells = [efs_search.Cell("a", "maintained high", True, 7)]
    target = efs_search.Landmark(("g",), frozenset({0}), 0.25, 0.02)
    placement = efs_search.place(cells, [target], max_censored=5)
    assert placement.met and placement.complete and placement.censored == 2
    assert _efs_12(_frame_of(placement, 7)) == pytest.approx(0.25, abs=1e-12)
    # allowed one censoring only, it returns the closest estimate there is
    closest = efs_search.place(cells, [target], max_censored=1)
    assert not closest.met and closest.loss > 0 and closest.censored <= 1
    reachable = {float(v) for e in range(8) for c in (0, 1) for v in _reachable(7, e, c)}
    best = min(reachable, key=lambda v: abs(v - 0.25))
    assert _efs_12(_frame_of(closest, 7)) == pytest.approx(best, abs=1e-12)


# ------------------------------------------------------------------ leave-out contract


def _assert_valid(build):
    frame = build.cohort
    assert len(frame) == published.value(STUDY, "n_patients", "all")
    assert list(frame.columns) == list(alcalde.COLUMNS)
    assert frame["efs_months"].gt(0).all() and frame["efs_event"].isin([0, 1]).all()
    for arm, group in (("InO", "ino_arm"), ("chemotherapy/steroids", "chemo_arm")):
        sub = frame[frame["bridging"] == arm]
        assert len(sub) == published.value(STUDY, "n_patients", group)
        assert sub["car_t_peak_per_ul"].median() == published.value(
            STUDY, "car_t_expansion_median", group
        )
        high = sub[sub["burden_before_bridging"] == "high"]
        converted = 100 * (high["burden_at_infusion"] == "low").mean()
        assert round(converted, 1) == published.value(STUDY, "htb_to_ltb_conversion_pct", group)


def test_every_fitted_key_is_on_exactly_one_calibrated_row():
    keys = alcalde.fitted_keys()
    assert len(set(keys)) == len(keys)
    rows = alcalde.build().targets
    for key in keys:
        mine = [r for r in rows if (r.quantity, r.group) == key]
        assert len(mine) == 1 and mine[0].role == "calibrated", key
        assert published.get(STUDY, *key) is not None
    with pytest.raises(ValueError, match="cannot leave out"):
        alcalde.build(leave_out={("n_patients", "all")})


def test_a_left_out_target_is_scored_as_held_out():
    key = alcalde.ARM_EFS_P_KEY
    build = alcalde.build(leave_out={key})
    _assert_valid(build)
    rows = {(r.quantity, r.group): r for r in build.targets}
    assert rows[key].role == "held_out"
    assert "left out of the calibration (cross-validation)" in rows[key].note
    assert all(rows[k].role == "calibrated" for k in alcalde.fitted_keys() if k != key)


def test_everything_left_out_still_builds_a_valid_cohort():
    keys = alcalde.fitted_keys()
    build = alcalde.build(leave_out=set(keys))
    _assert_valid(build)
    rows = {(r.quantity, r.group): r for r in build.targets}
    assert all(rows[k].role == "held_out" for k in keys)
