"""ROCCA exposure timing, adjusted-model covariates and crude vs adjusted estimates, against
the paper (Aldoss 2024, Results and Discussion) and hand computation."""

import math

import pytest

from inoreport.studies.rocca import adjustment


def test_exposure_timing_is_the_papers():
    t = adjustment.exposure_timing().set_index("item")
    assert (
        t.loc["InO only before apheresis", "count"],
        t.loc["InO only before apheresis", "of"],
    ) == (74, 102)
    bridging = t.loc["InO as bridging (between apheresis and lymphodepletion)"]
    assert (bridging["count"], bridging["of"]) == (28, 102)
    assert t.loc["bridging InO and InO before apheresis", "count"] == 16
    assert t.loc["bridging InO only", "count"] == 12
    pre = t.loc["pre-apheresis InO to apheresis"]
    assert (pre["median"], pre["low"], pre["high"], pre["unit"]) == (62, 9, 1190, "days")
    last = t.loc["last bridging InO dose to infusion"]
    assert (last["median"], last["low"], last["high"]) == (20, 1, 108)


def test_the_two_timing_groups_make_up_the_exposed():
    t = adjustment.exposure_timing().set_index("item")
    split = t.loc[["InO only before apheresis",
                   "InO as bridging (between apheresis and lymphodepletion)"], "count"]  # fmt: skip
    assert int(split.sum()) == 102


def test_adjusted_model_covariates_mark_what_comes_after_ino():
    c = adjustment.adjusted_model_covariates().set_index("covariate")
    after = set(c.index[c["relative_to_ino"] == "after"])
    assert {"Any bridging therapy", "Consolidation after response: transplant",
            "Consolidation after response: TKI"} <= after  # fmt: skip
    assert c.loc["Transplant before CAR-T", "relative_to_ino"] == "before"
    # published HRs (Results, multivariable model): 1.80 (1.01-3.20), 0.16 (0.07-0.36)
    assert tuple(c.loc["Any bridging therapy", ["hr", "ci_low", "ci_high"]]) == (1.80, 1.01, 3.20)
    cons = c.loc["Consolidation after response: transplant"]
    assert tuple(cons[["hr", "ci_low", "ci_high"]]) == (0.16, 0.07, 0.36)
    # the consolidation gap as the paper prints it: 20 (27%) vs 37 (49%), P = .005
    assert "20 exposed (27%) vs 37 naïve (49%)" in cons["why"] and "p = .005" in cons["why"]
    assert "transplant: 10 vs 20" in cons["why"]
    assert "74 exposed" in c.loc["Any bridging therapy", "why"]
    assert "28 bridged" in c.loc["Any bridging therapy", "why"]


def test_crude_hazard_ratios_follow_from_the_published_landmarks():
    frame = adjustment.crude_and_adjusted().set_index("status")
    derived = frame.loc["derived"]
    # by hand: HR = ln S_exposed / ln S_naive (proportional hazards)
    assert list(derived["hr"]) == pytest.approx(
        [math.log(0.54) / math.log(0.65), math.log(0.39) / math.log(0.57)], rel=1e-12
    )

    # by hand, 12 months: se on the log-log scale from each published CI (half-width / 1.96)
    def se(s, lo, hi):
        g = lambda x: math.log(-math.log(x))  # noqa: E731
        return (g(lo) - g(hi)) / (2 * 1.959963984540054)

    se12 = math.hypot(se(0.39, 0.29, 0.50), se(0.57, 0.45, 0.68))
    hr12 = derived.iloc[1]
    assert hr12["ci_low"] == pytest.approx(
        hr12["hr"] * math.exp(-1.959963984540054 * se12), rel=0.02
    )
    assert hr12["ci_high"] == pytest.approx(
        hr12["hr"] * math.exp(1.959963984540054 * se12), rel=0.02
    )


def test_adjusted_estimate_is_the_published_one():
    adjusted = adjustment.crude_and_adjusted().set_index("status").loc["published"]
    assert (adjusted["hr"], adjusted["ci_low"], adjusted["ci_high"]) == (1.20, 0.71, 2.03)
    assert "consolidation" in adjusted["adjusts_for"]
