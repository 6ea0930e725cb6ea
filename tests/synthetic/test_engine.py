"""The synthetic-cohort engine: allocation, piecewise-exponential model, fast statistics,
calibration helpers. Reference values come from R's survival (3.5, run on survival::lung,
code quoted beside each number) or from closed-form results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inoreport.synthetic import allocation as al
from inoreport.synthetic import fastsurv
from inoreport.synthetic.calibration import (
    FitTarget,
    count_from_percent,
    counts_and_denominators,
    greedy_redraw,
)
from inoreport.synthetic.common import parse_date, streams
from inoreport.synthetic.hazard import PiecewiseHazard

# ---------------------------------------------------------------- allocation


def test_allocation_meets_margins_medians_ranges_and_forbidden_cells():
    rng = np.random.default_rng(1)
    n = 87
    arm = np.arange(n) < 40
    ages = list(range(18, 90))
    cons = [
        al.exactly(arm, tuple(range(18, 40)), 15, "young, arm A"),
        al.exactly(~arm, tuple(range(18, 40)), 18, "young, arm B"),
    ]
    cons += al.quantile(arm, 0.5, 48, ages, "age A")  # n = 40: ranks 20 and 21
    cons += al.quantile(~arm, 0.5, 45, ages, "age B")  # n = 47: rank 24
    cons += al.value_range(arm, 20, 79, ages, "age A")
    age = al.allocate(ages, cons, np.ones(len(ages)), rng).astype(int)
    assert ((age[arm] >= 18) & (age[arm] <= 39)).sum() == 15
    assert ((age[~arm] >= 18) & (age[~arm] <= 39)).sum() == 18
    assert np.median(age[arm]) == 48 and np.median(age[~arm]) == 45
    assert age[arm].min() == 20 and age[arm].max() == 79
    status = al.allocate(
        ("CR", "active"), [al.exactly(np.ones(n, bool), "CR", 30, "CR")], np.array([0.5, 0.5]), rng
    )
    blasts = al.allocate(
        ("<25%", ">=25%"),
        [al.exactly(np.ones(n, bool), ">=25%", 25, "high blasts")],
        np.array([0.7, 0.3]),
        rng,
        forbidden=[(status == "CR", (">=25%",))],
    )
    assert (blasts == ">=25%").sum() == 25
    assert not np.any((status == "CR") & (blasts == ">=25%"))


def test_allocation_is_deterministic_for_a_seed_and_random_across_seeds():
    mask = np.ones(50, bool)
    cons = [al.exactly(mask, "a", 20, "a")]
    one = al.allocate(("a", "b"), cons, np.array([0.5, 0.5]), np.random.default_rng(7))
    two = al.allocate(("a", "b"), cons, np.array([0.5, 0.5]), np.random.default_rng(7))
    three = al.allocate(("a", "b"), cons, np.array([0.5, 0.5]), np.random.default_rng(8))
    assert (one == two).all() and not (one == three).all()


def test_allocation_says_which_constraints_cannot_hold():
    mask = np.ones(10, bool)
    cons = [al.exactly(mask, "a", 8, "eight a"), al.exactly(mask, "b", 5, "five b")]
    with pytest.raises(al.AllocationError, match="eight a"):
        al.allocate(("a", "b"), cons, np.array([0.5, 0.5]), np.random.default_rng(0))


def test_type7_quantile_constraints_reproduce_numpy_quartiles():
    rng = np.random.default_rng(3)
    mask = np.ones(80, bool)
    ages = list(range(60, 95))
    cons = (
        al.quantile(mask, 0.25, 63, ages)
        + al.quantile(mask, 0.5, 68, ages)
        + al.quantile(mask, 0.75, 72, ages)
    )
    age = al.allocate(ages, cons, np.ones(len(ages)), rng).astype(int)
    assert list(np.quantile(age, [0.25, 0.5, 0.75])) == [63, 68, 72]


# ---------------------------------------------------------------- piecewise-exponential model


def test_piecewise_hazard_matches_closed_form():
    haz = PiecewiseHazard([0, 2, 5], np.log([0.1, 0.3, 0.05]))
    # H(t) by hand: 0.1*2 + 0.3*3 + 0.05*(t-5) for t > 5
    assert haz.baseline_cumulative(7.0) == pytest.approx(0.2 + 0.9 + 0.1)
    assert haz.baseline_inverse(1.2) == pytest.approx(7.0)
    # proportional hazards: survival exp(-H0(t) * exp(lp))
    assert haz.survival(7.0, lp=np.log(2)) == pytest.approx(np.exp(-2 * 1.2))


def test_time_varying_switch_multiplies_the_hazard_after_the_switch():
    haz = PiecewiseHazard([0], [np.log(0.2)])
    # hazard 0.2 until 3, then 0.2*0.5: H(5) = 0.6 + 0.2
    h = haz.cumulative(5.0, lp=0.0, switch=np.array(3.0), switch_effect=np.log(0.5))
    assert h == pytest.approx(0.8)
    t = haz.inverse(np.array(0.8), lp=0.0, switch=np.array(3.0), switch_effect=np.log(0.5))
    assert t == pytest.approx(5.0)


def test_draws_follow_the_model_and_respect_the_lower_bound():
    rng = np.random.default_rng(11)
    haz = PiecewiseHazard([0, 6], np.log([0.1, 0.02]))
    u = rng.uniform(size=200_000)
    t = haz.draw(u, lp=0.0)
    for x in (3.0, 6.0, 12.0):
        assert np.mean(t > x) == pytest.approx(float(haz.survival(x)), abs=0.004)
    lower = np.full(len(u), 4.0)
    t4 = haz.draw(u, lp=0.0, lower=lower)
    assert t4.min() > 4.0
    # memoryless within the first piece: P(T > 5 | T > 4) = exp(-0.1)
    assert np.mean(t4 > 5.0) == pytest.approx(np.exp(-0.1), abs=0.004)


# ---------------------------------------------------------------- fast statistics vs R


def test_cox_efron_matches_r(lung):
    d = lung.dropna(subset=["age", "sex", "ph.ecog"])
    beta, ok, se = fastsurv.fit_cox(
        d["time"], d["status"], d[["age", "sex", "ph.ecog"]].to_numpy(float), with_se=True
    )
    # R: coef(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = na.omit(lung[...])))
    assert ok
    assert beta == pytest.approx([0.0110667646, -0.5526123957, 0.4637284754], abs=1e-6)
    assert se == pytest.approx([0.0092674110, 0.1677390538, 0.1135772662], abs=1e-6)


def test_cox_efron_with_ties_matches_r(lung):
    d = lung.dropna(subset=["age", "sex", "ph.ecog"]).copy()
    d["m"] = np.round(d["time"] / 30.4375)  # R's round() and numpy's agree here (no .5 cases)
    beta, ok = fastsurv.fit_cox(d["m"], d["status"], d[["age", "sex"]].to_numpy(float))
    # R: coxph(Surv(round(time / 30.4375), status) ~ age + sex, ties = "efron")
    assert beta == pytest.approx([0.0175663382, -0.5151804200], abs=1e-6)


def test_km_landmarks_median_reverse_km_and_logrank_match_r(lung):
    # R: summary(survfit(Surv(time, status) ~ 1, lung), times = c(180, 365, 730))$surv
    assert fastsurv.km_at(lung["time"], lung["status"], [180, 365, 730]) == pytest.approx(
        [0.7216706534, 0.4092416245, 0.1156930983], abs=1e-9
    )
    assert fastsurv.km_median(lung["time"], lung["status"]) == 310  # R: median 310
    assert (
        fastsurv.reverse_km_median(lung["time"], lung["status"]) == 588
    )  # R: reverse KM median 588
    # R: 1 - pchisq(survdiff(Surv(time, status) ~ sex, lung)$chisq, 1)
    assert fastsurv.logrank_p(lung["time"], lung["status"], lung["sex"]) == pytest.approx(
        0.001311164520, rel=1e-6
    )
    d = lung.dropna(subset=["ph.ecog"])
    assert fastsurv.logrank_p(d["time"], d["status"], d["ph.ecog"]) == pytest.approx(
        0.000066425354, rel=1e-5
    )


def test_cumulative_incidence_matches_r_aalen_johansen(lung):
    # R: l <- lung; l$st <- ifelse(l$status == 2, ifelse(l$ph.ecog >= 2 & !is.na(l$ph.ecog),
    #    2, 1), 0); summary(survfit(Surv(time, factor(st, 0:2)) ~ 1, l), times = c(200, 500))$pstate
    ecog2 = (lung["ph.ecog"] >= 2).to_numpy()
    status = np.where(lung["status"] == 1, np.where(ecog2, 2, 1), 0)
    for t, (cause1, cause2) in (
        (200, (0.2044542353, 0.1152729025)),
        (500, (0.5126119191, 0.1941188872)),
    ):
        assert fastsurv.cif_at(lung["time"], status, 1, t) == pytest.approx(cause1, abs=1e-9)
        assert fastsurv.cif_at(lung["time"], status, 2, t) == pytest.approx(cause2, abs=1e-9)


def test_group_medians_at_once_equal_one_at_a_time(lung):
    groups = np.vstack(
        [
            (lung["sex"] == 1).to_numpy(),
            (lung["sex"] == 2).to_numpy(),
            (lung["ph.ecog"] == 1).to_numpy(),
            (lung["age"] > 70).to_numpy(),
            np.zeros(len(lung), bool),  # an empty group: not reached
        ]
    )
    at_once = fastsurv.km_medians(lung["time"], lung["status"], groups)
    one_by_one = [fastsurv.km_median(lung["time"][g], lung["status"][g]) for g in groups]
    assert at_once == pytest.approx(one_by_one, nan_ok=True)
    # R: median(survfit(Surv(time, status) ~ sex, lung)) -> 270 (male), 426 (female)
    assert at_once[:2] == pytest.approx([270, 426])
    # the midpoint rule at S = 0.5 holds too
    assert fastsurv.km_medians([1, 2, 3, 4], [1, 1, 1, 1], np.ones((1, 4), bool))[0] == 2.5


def test_km_median_takes_the_midpoint_when_the_curve_sits_at_one_half():
    # 4 patients, events at 1 and 2, then 3 and 4: S = 0.75, 0.5, 0.25, 0 -> R gives 2.5
    assert fastsurv.km_median([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5
    assert np.isnan(fastsurv.km_median([1, 2, 3], [1, 0, 0]))


# ---------------------------------------------------------------- calibration helpers


def test_counts_from_printed_percentages():
    assert count_from_percent(27, 62, "Ph+ responders") == 17
    assert count_from_percent(4, 27, "Ph+ refractory") == 1
    with pytest.raises(ValueError, match="Ph"):
        count_from_percent(50, 3, "Ph")
    # CR/CRi 91.6% (one decimal) fits 76/83 among other pairs
    assert (76, 83) in counts_and_denominators(91.6, 87)


def test_greedy_redraw_reaches_a_landmark_it_can_reach():
    rng = np.random.default_rng(5)
    u = rng.uniform(size=40)
    haz = PiecewiseHazard([0], [np.log(0.1)])

    def realise(uu):
        t = haz.draw(uu)
        return np.array([np.mean(t > 6.0)])

    target = [FitTarget("S6", 0.40, 0.02)]
    new_u, kept = greedy_redraw(u, np.arange(40), realise, target, np.random.default_rng(6))
    assert abs(realise(new_u)[0] - 0.40) <= 0.012 and kept > 0


def test_streams_are_independent_of_later_names_and_dates_parse():
    a = streams(3, ("x", "y"))["x"].uniform(size=3)
    b = streams(3, ("x", "y", "z"))["x"].uniform(size=3)
    assert (a == b).all()
    assert parse_date("2023-08", end_of_month=True).isoformat() == "2023-08-31"
    assert parse_date("2021-10").isoformat() == "2021-10-01"
    assert isinstance(pd.Timestamp(parse_date("2023-10-30")), pd.Timestamp)


def test_keyed_rows_carry_their_published_key():
    from inoreport.book.results import ScorecardRow
    from inoreport.synthetic.common import keyed
    from inoreport.synthetic.sources import Ref

    row = ScorecardRow("12-month PFS, naive (%)", 57.0, 56.5, "calibrated", True)
    assert row.key is None
    assert keyed(row, Ref("pfs_12mo", "naive")).key == ("pfs_12mo", "naive")
    assert keyed(row, ("os_median", None)).key == ("os_median", None)
    assert keyed(row, Ref("pfs_12mo", "naive")).statistic == row.statistic


# ------------------------------------------------- fast paths equal to the public estimators


def _random_cohorts(seed: int, n: int = 120):
    """Small cohorts with heavy ties (whole months), as the calibration loops see them."""
    rng = np.random.default_rng(seed)
    months = np.ceil(rng.exponential(14, n))
    censor = np.ceil(rng.uniform(3, 40, n))
    event = (months <= censor).astype(int)
    return np.minimum(months, censor), event, rng.random(n) < 0.45


@pytest.mark.parametrize("seed", range(6))
def test_fast_kaplan_meier_helpers_equal_the_public_estimator(seed):
    """fastsurv's KM helpers are the generator's fast path (``make data`` takes 588 s instead
    of 46 s through the public estimator); they must give the public numbers."""
    from inoreport.stats import survival as sv

    time, event, arm = _random_cohorts(seed)
    frame = pd.DataFrame({"t": time, "e": event, "arm": arm})
    grid = [0.5, 3, 6, 12, 18, 24, 36]
    public = sv.kaplan_meier(frame, "t", "e")
    landmarks = public.landmarks(grid)
    reached = ~landmarks["survival"].isna().to_numpy()
    assert fastsurv.km_at(time, event, grid)[reached] == pytest.approx(
        landmarks["survival"].to_numpy()[reached], rel=1e-14
    )
    medians = public.medians()["median"].to_numpy()
    assert fastsurv.km_median(time, event) == pytest.approx(medians[0], nan_ok=True)
    by_arm = sv.kaplan_meier(frame, "t", "e", by="arm", order=[False, True]).medians()
    masks = np.vstack([~arm, arm])
    assert fastsurv.km_medians(time, event, masks) == pytest.approx(
        by_arm["median"].to_numpy(), nan_ok=True
    )
    follow = sv.median_followup(frame, "t", "e")["median"].iloc[0]
    assert fastsurv.reverse_km_median(time, event) == pytest.approx(follow, nan_ok=True)
    assert fastsurv.logrank_p(time, event, arm) == pytest.approx(
        sv.logrank(frame, "t", "e", "arm").p, rel=1e-9
    )


def test_fit_cox_is_the_public_cox(lung):
    from inoreport.stats import survival as sv

    d = lung.dropna(subset=["age", "sex"])
    beta, ok, se = fastsurv.fit_cox(
        d["time"], d["status"], d[["age", "sex"]].to_numpy(float), with_se=True
    )
    fit = sv.cox(d, "time", "status", ["age", "sex"])
    assert ok
    assert beta.tolist() == fit.coef.tolist()
    assert se.tolist() == fit.table["se"].tolist()
    # a group without events: the likelihood has no maximum, reported as not converged
    none = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 1, 0, 0], "g": [0.0, 0, 1, 1]})
    beta, ok = fastsurv.fit_cox(none["t"], none["e"], none[["g"]].to_numpy())
    assert not ok
