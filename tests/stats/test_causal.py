"""Tests for inoreport.stats.causal against R (survival 3.5-3, stats::glm), hand calculations and
simulation.

R reference values were produced with the script below (R 4.2.2, survival 3.5-3) on the
copy of R's ``survival::lung`` shipped in data/examples/lung.csv (status already 0/1),
restricted to rows with ph.ecog recorded::

    library(survival); options(digits = 15)
    d <- read.csv("data/examples/lung.csv"); d <- d[!is.na(d$ph.ecog), ]
    d$female <- as.integer(d$sex == 2)
    g <- glm(female ~ age + ph.ecog, data = d, family = binomial)        # GLM
    ps <- fitted(g); d$w <- ifelse(d$female == 1, 1 / ps, 1 / (1 - ps))
    summary(survfit(Surv(time, status) ~ female, data = d, weights = w),
            times = c(180, 365))                                           # KM_ROBUST
    summary(survfit(Surv(time, status) ~ female, data = d, weights = w,
                    robust = FALSE), times = c(180, 365))                  # KM_GREENWOOD
    coxph(Surv(time, status) ~ female + age, data = d, weights = w, robust = TRUE)
    coxph(Surv(time, status) ~ female + age, data = d, ties = "breslow")
    coxph(Surv(time, status) ~ female + ph.ecog, data = d, robust = TRUE)
    d$s <- ifelse(!is.na(d$wt.loss) & d$wt.loss > 5, d$wt.loss * 10, NA); d$id <- seq_len(nrow(d))
    td <- tmerge(d[, c("id", "female", "age")], d, id = id, ev = event(time, status))
    td <- tmerge(td, d[!is.na(d$s), ], id = id, exposed = tdc(s))
    td$exposed[is.na(td$exposed)] <- 0                                     # 304 rows
    coxph(Surv(tstart, tstop, ev) ~ exposed + female, data = td)
    coxph(Surv(tstart, tstop, ev) ~ exposed + female, data = td, cluster = id)
    4 * (qnorm(.975) + qnorm(.8))^2 / log(.5)^2                             # 65.3456592588709
    4 * (qnorm(.975) + qnorm(.9))^2 / log(1.5)^2                            # 255.65202389915
    exp((qnorm(.975) + qnorm(.8)) / sqrt(100 * 0.3 * 0.7))                  # 1.84292874533074
    pnorm(sqrt(80 * 0.25) * abs(log(1.6)) - qnorm(.975))                    # 0.556442676910826
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from inoreport.paths import DATA
from inoreport.stats import causal as c

# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = pd.read_csv(DATA / "examples" / "lung.csv")
    d = d[d["ph.ecog"].notna()].reset_index(drop=True)
    d["female"] = (d["sex"] == 2).astype(int)
    return d


@pytest.fixture(scope="module")
def weighted_lung(lung) -> pd.DataFrame:
    d = lung.copy()
    model = c.propensity_scores(d, "female", ["age", "ph.ecog"])
    d["w"] = c.iptw_weights(model.scores, d["female"], stabilized=False)
    return d


# ----------------------------------------------------------------------------- logistic


def test_propensity_model_matches_r_glm(lung):
    model = c.propensity_scores(lung, "female", ["age", "ph.ecog"])
    assert model.coef["coef"].to_numpy() == pytest.approx(
        [1.31625377592655690, -0.02804827751298376, 0.00975829454896152], rel=1e-9
    )
    # R's glm stops at a relative deviance change of 1e-8 and takes the SE from the working
    # weights of that last step: its SEs sit ~1e-7 from the converged ones we compute
    assert model.coef["se"].to_numpy() == pytest.approx(
        [0.9478053004078685, 0.0154115326857459, 0.1953823776659732], rel=1e-6
    )
    assert model.n == len(lung)


def _textbook_irls(x, y, iterations=50):
    """Fisher scoring for the logistic model, written out (the hand-written fit that
    statsmodels' Logit replaced in causal.logistic_fit)."""
    beta = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(x @ beta)))
        info = x.T @ (x * (p * (1 - p))[:, None])
        beta = beta + np.linalg.solve(info, x.T @ (y - p))
    p = 1 / (1 + np.exp(-(x @ beta)))
    return beta, np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))


def test_logistic_fit_equals_textbook_irls():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.normal(60, 10, 300), rng.integers(0, 3, 300), rng.random(300)])
    y = (rng.random(300) < 1 / (1 + np.exp(-(-3 + 0.04 * x[:, 0] + 0.5 * x[:, 1])))).astype(float)
    coef, cov = c.logistic_fit(x, y)
    ref_coef, ref_cov = _textbook_irls(np.column_stack([np.ones(300), x]), y)
    assert coef == pytest.approx(ref_coef, rel=1e-8, abs=1e-12)
    assert cov == pytest.approx(ref_cov, rel=1e-8, abs=1e-14)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_logistic_fit_warns_on_perfect_separation():
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    x = np.array([0.0, 0, 0, 1, 1, 1])
    with pytest.warns(PerfectSeparationWarning):
        c.logistic_fit(x, x.copy(), max_iter=30)


def test_propensity_with_text_covariate_keeps_missing_as_level():
    data = pd.DataFrame(
        {
            "t": [1, 1, 1, 0, 0, 0, 1, 0, 1, 0],
            "stage": ["a", "b", None, "a", "b", None, "a", "b", "b", "a"],
        }
    )
    model = c.propensity_scores(data, "t", ["stage"])
    assert list(model.coef["term"]) == ["(Intercept)", "stage[b]", "stage[Missing]"]
    assert np.isfinite(model.scores).all()


def test_saturated_propensity_gives_level_proportions():
    data = pd.DataFrame(
        {
            "t": [1, 1, 1, 0, 0, 0, 1, 0, 1, 0],
            "stage": ["a", "b", None, "a", "b", None, "a", "b", "b", "a"],
        }
    )
    model = c.propensity_scores(data, "t", ["stage"])
    # stage a: rows 0, 3, 6, 9 -> t = 1, 0, 1, 0; stage b: rows 1, 4, 7, 8 -> 1, 0, 0, 1;
    # missing: rows 2, 5 -> 1, 0.
    assert model.scores[[0, 3, 6, 9]] == pytest.approx([0.5] * 4, abs=1e-8)
    assert model.scores[[1, 4, 7, 8]] == pytest.approx([0.5] * 4, abs=1e-8)
    assert model.scores[[2, 5]] == pytest.approx([0.5] * 2, abs=1e-8)


def test_design_matrix_reference_and_errors():
    data = pd.DataFrame({"arm": ["x", "y", "z", "y"], "age": [50.0, 60.0, np.nan, 40.0]})
    x, names, kept = c.design_matrix(data, ["arm", "age"], reference={"arm": "y"})
    # level z only occurs in the dropped row, so it gets no column
    assert names == ["arm[x]", "age"]
    assert x.tolist() == [[1.0, 50.0], [0.0, 60.0], [0.0, 40.0]]
    assert kept.tolist() == [True, True, False, True]
    with pytest.raises(c.CausalInputError, match="column 'age', row 3"):
        c.design_matrix(data, ["arm", "age"], missing="error")
    with pytest.raises(c.CausalInputError, match="reference level 'q'"):
        c.design_matrix(data, ["arm"], reference={"arm": "q"})
    with pytest.raises(c.CausalInputError, match="covariate 'nope'"):
        c.design_matrix(data, ["nope"])


# ----------------------------------------------------------------------------- weights & balance


def test_iptw_weights_by_hand():
    e = np.array([0.2, 0.5, 0.8, 0.4])
    t = np.array([1, 1, 0, 0])
    raw = c.iptw_weights(e, t, stabilized=False)
    assert raw == pytest.approx([5.0, 2.0, 5.0, 1 / 0.6])
    stab = c.iptw_weights(e, t)  # P(treated) = 0.5
    assert stab == pytest.approx([2.5, 1.0, 2.5, 0.5 / 0.6])
    att = c.iptw_weights(e, t, estimand="ATT", stabilized=False)
    assert att == pytest.approx([1.0, 1.0, 4.0, 0.4 / 0.6])
    trimmed = c.iptw_weights(np.array([0.001, 0.5]), np.array([1, 0]), stabilized=False, trim=0.01)
    assert trimmed == pytest.approx([100.0, 2.0])
    with pytest.raises(c.CausalInputError, match="strictly between 0 and 1"):
        c.iptw_weights(np.array([0.0, 0.5]), np.array([1, 0]))
    with pytest.raises(c.CausalInputError, match="estimand"):
        c.iptw_weights(e, t, estimand="ATC")


def test_effective_sample_size_by_hand():
    # (1 + 1 + 2)^2 / (1 + 1 + 4) = 16 / 6
    assert c.effective_sample_size([1, 1, 2]) == pytest.approx(16 / 6)
    assert c.effective_sample_size([3, 3, 3, 3]) == pytest.approx(4)


def test_smd_continuous_by_hand():
    # treated 1,2,3,4: mean 2.5, var 5/3; untreated 2,4,6: mean 4, var 4
    x = [1, 2, 3, 4, 2, 4, 6]
    t = [1, 1, 1, 1, 0, 0, 0]
    expected = (2.5 - 4) / math.sqrt((5 / 3 + 4) / 2)  # -0.891133
    assert c.standardized_difference(x, t) == pytest.approx(expected)
    assert expected == pytest.approx(-0.891133, abs=1e-6)


def test_smd_binary_by_hand():
    # p1 = 2/4 = 0.5, p0 = 1/5 = 0.2: 0.3 / sqrt((0.25 + 0.16) / 2) = 0.662589
    x = [1, 1, 0, 0, 1, 0, 0, 0, 0]
    t = [1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert c.standardized_difference(x, t) == pytest.approx(0.662589, abs=1e-6)


def test_smd_weighted_by_hand():
    # treated x = 1, 3 with weights 1, 3: mean 2.5, sum w (x - m)^2 = 2.25 + 0.75 = 3,
    # variance = 4 / (16 - 10) * 3 = 2; untreated x = 2, 4, weights 1, 1: mean 3, var 2.
    smd = c.standardized_difference([1, 3, 2, 4], [1, 1, 0, 0], weights=[1, 3, 1, 1], binary=False)
    assert smd == pytest.approx(-0.5 / math.sqrt(2))


def test_exact_balance_after_weighting_on_a_saturated_model():
    rng = np.random.default_rng(4)
    n = 400
    adverse = rng.random(n) < 0.4
    treated = rng.random(n) < np.where(adverse, 0.75, 0.35)
    data = pd.DataFrame({"treated": treated.astype(int), "adverse": np.where(adverse, "yes", "no")})
    model = c.propensity_scores(data, "treated", ["adverse"])
    w = c.iptw_weights(model.scores, data["treated"])
    table = c.balance_table(data, "treated", ["adverse"], weights=w)
    assert (table["abs_smd_unweighted"] > 0.5).all()
    assert table["smd_weighted"].abs().max() < 1e-8
    assert table["weighted_mean_treated"].to_numpy() == pytest.approx(
        table["weighted_mean_untreated"].to_numpy()
    )


def test_balance_table_rows(lung):
    data = lung.assign(ecog=lung["ph.ecog"].astype(int).astype(str))
    table = c.balance_table(data, "female", ["age", "ecog"], labels={"age": "Age, years"})
    assert table["label"].iloc[0] == "Age, years"
    assert list(table["level"].iloc[1:]) == sorted(data["ecog"].unique())
    # proportions of levels sum to 1 in each group
    assert table["mean_treated"].iloc[1:].sum() == pytest.approx(1.0)
    # age SMD recomputed directly
    g1 = data.loc[data.female == 1, "age"]
    g0 = data.loc[data.female == 0, "age"]
    direct = (g1.mean() - g0.mean()) / math.sqrt((g1.var() + g0.var()) / 2)
    assert table["smd_unweighted"].iloc[0] == pytest.approx(direct)


# ----------------------------------------------------------------------------- weighted KM


KM_ROBUST = {  # group: [(time, survival, std.err, lower, upper)]
    0: [
        (180, 0.655240563408332, 0.0406980962747994, 0.580137864420032, 0.740065805504494),
        (365, 0.343686482143227, 0.0441731204378339, 0.267152814062919, 0.442145438079374),
    ],
    1: [
        (180, 0.841208402412789, 0.0393008931640669, 0.767601533345677, 0.921873583557845),
        (365, 0.527272612803565, 0.0603778457120420, 0.421273706044914, 0.659942465488358),
    ],
}
KM_GREENWOOD = {
    0: [
        (180, 0.655240563408332, 0.0315583766265159, 0.596216955015268, 0.720107323892984),
        (365, 0.343686482143227, 0.0340934962038956, 0.282959161643337, 0.417446805121914),
    ],
    1: [
        (180, 0.841208402412788, 0.0244778681320310, 0.794575095665713, 0.890578599996274),
        (365, 0.527272612803565, 0.0375294507361094, 0.458616437512276, 0.606206811340591),
    ],
}


@pytest.mark.parametrize("variance,reference", [("robust", KM_ROBUST), ("greenwood", KM_GREENWOOD)])
def test_weighted_km_matches_r_survfit(weighted_lung, variance, reference):
    km = c.weighted_kaplan_meier(
        weighted_lung, "time", "status", weights="w", by="female", variance=variance
    )
    for group, rows in reference.items():
        for t, surv, se, low, high in rows:
            row = c.survival_at(km, group, t)
            assert row["survival"] == pytest.approx(surv, rel=1e-9)
            assert row["std_err"] == pytest.approx(se, rel=1e-7)
            assert row["ci_low"] == pytest.approx(low, rel=1e-7)
            assert row["ci_high"] == pytest.approx(high, rel=1e-7)


def test_weighted_km_n_risk_is_weighted(weighted_lung):
    km = c.weighted_kaplan_meier(weighted_lung, "time", "status", weights="w", by="female")
    first = km[km["group"] == 0].iloc[0]
    assert first["n_risk"] == pytest.approx(weighted_lung.loc[weighted_lung.female == 0, "w"].sum())


def test_unweighted_km_is_the_ordinary_product_limit():
    data = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})
    km = c.weighted_kaplan_meier(data, "t", "e")
    # 5/6, then 5/6 * 4/5 = 4/6 at t=2, * 2/3 at t=3, unchanged at 4, * 0 at 5
    assert km["survival"].tolist() == pytest.approx([5 / 6, 4 / 6, 4 / 9, 4 / 9, 0.0])
    # Greenwood at t=2: S^2 * (1/(6*5) + 1/(5*4))
    assert km["std_err"].iloc[1] == pytest.approx((4 / 6) * math.sqrt(1 / 30 + 1 / 20))


# ----------------------------------------------------------------------------- Cox


def test_weighted_robust_cox_matches_r(weighted_lung):
    fit = c.weighted_cox(weighted_lung, "time", "status", ["female", "age"], weights="w")
    assert fit.coef == pytest.approx([-0.5203910384383583, 0.0156819729301315], rel=1e-7)
    assert fit.se == pytest.approx([0.11395249766279159, 0.00659036289358727], rel=1e-6)
    assert fit.robust_se == pytest.approx([0.16376342357498144, 0.00962124880351958], rel=1e-6)
    assert [fit.loglik_null, fit.loglik] == pytest.approx(
        [-1664.46689409486, -1651.62540164354], rel=1e-10
    )
    table = fit.table()
    assert table["p"].iloc[0] == pytest.approx(
        2 * (1 - __import__("scipy").stats.norm.cdf(0.5203910384383583 / 0.16376342357498144)),
        rel=1e-5,
    )


def test_breslow_cox_matches_r(lung):
    fit = c.weighted_cox(lung, "time", "status", ["female", "age"], ties="breslow")
    assert fit.coef == pytest.approx([-0.5049228412187757, 0.0172810016188082], rel=1e-7)
    assert fit.se == pytest.approx([0.16770352260844806, 0.00925359603354937], rel=1e-6)
    assert [fit.loglik_null, fit.loglik] == pytest.approx(
        [-744.692819266161, -737.773884667250], rel=1e-10
    )


def test_unweighted_robust_cox_matches_r(lung):
    fit = c.weighted_cox(lung, "time", "status", ["female", "ph.ecog"], robust=True)
    assert fit.coef == pytest.approx([-0.552969775162239, 0.487493777988149], rel=1e-7)
    assert fit.robust_se == pytest.approx([0.163189647059231, 0.122959454544122], rel=1e-6)


def test_counting_process_cox_matches_r_tmerge(lung):
    data = lung.copy()
    data["s"] = np.where(
        data["wt.loss"].notna() & (data["wt.loss"] > 5), data["wt.loss"] * 10, np.nan
    )
    rows = c.split_at_exposure(data, "time", "status", "s")
    assert len(rows) == 304
    fit = c.weighted_cox(rows, "stop", "status", ["exposed", "female"], entry="start")
    assert fit.coef == pytest.approx([0.191643026773960, -0.524717593269786], rel=1e-7)
    assert fit.se == pytest.approx([0.177411423923332, 0.167465822057223], rel=1e-6)
    assert [fit.loglik_null, fit.loglik] == pytest.approx(
        [-744.480455761440, -738.755188230675], rel=1e-10
    )
    clustered = c.weighted_cox(
        rows, "stop", "status", ["exposed", "female"], entry="start", robust=True, cluster="id"
    )
    assert clustered.robust_se == pytest.approx([0.176681316935338, 0.160202056101106], rel=1e-6)


def test_cox_input_errors():
    """The array alias hands its input to survival.cox, whose messages name row and column."""
    from inoreport.stats.survival import SurvivalInputError

    with pytest.raises(SurvivalInputError, match="column 'time', row 1: missing follow-up"):
        c.cox_ph([1, np.nan, 3], [1, 0, 1], [0, 1, 0])
    with pytest.raises(SurvivalInputError, match="no events"):
        c.cox_ph([1, 2, 3], [0, 0, 0], [0, 1, 0])
    with pytest.raises(SurvivalInputError, match="row 1: entry time 2.0 is not before"):
        c.cox_ph([1, 2, 3], [1, 0, 1], [0, 1, 0], entry=[0, 2, 0])


def test_batch_cox_equals_single_fits():
    sc = c.ConfoundingScenario(selection_or=3.0, prognostic_hr=2.5, baseline_rate=0.05)
    cohorts = [c.simulate_confounded_cohort(sc, 150, seed=s) for s in range(3)]
    time = np.stack([d["time"] for d in cohorts])
    event = np.stack([d["event"] for d in cohorts])
    x = np.stack([d[["treated", "adverse"]].to_numpy(float) for d in cohorts])
    coef, se = c._cox_batch(time, event, x)
    for i, d in enumerate(cohorts):
        single = c.cox_ph(d["time"], d["event"], d[["treated", "adverse"]], ties="breslow")
        assert coef[i] == pytest.approx(single.coef, rel=1e-6)
        assert se[i] == pytest.approx(single.se, rel=1e-6)


def test_batch_switch_cox_equals_counting_process_fit():
    rng = np.random.default_rng(11)
    n = 120
    time = rng.exponential(10, (2, n))
    event = (rng.random((2, n)) < 0.8).astype(float)
    switch = np.where(rng.random((2, n)) < 0.4, rng.uniform(0, 8, (2, n)), np.inf)
    coef, se = c._cox_batch_switch(time, event, switch)
    for r in range(2):
        data = pd.DataFrame(
            {
                "time": time[r],
                "event": event[r],
                "s": np.where(np.isinf(switch[r]), np.nan, switch[r]),
            }
        )
        rows = c.split_at_exposure(data, "time", "event", "s")
        single = c.cox_ph(rows["stop"], rows["event"], rows[["exposed"]], entry=rows["start"])
        assert coef[r] == pytest.approx(single.coef[0], rel=1e-6)
        assert se[r] == pytest.approx(single.se[0], rel=1e-6)


# ----------------------------------------------------------------------------- confounding


ROCCA_LIKE = c.ConfoundingScenario(
    prevalence=0.5, p_treated=0.54, prognostic_hr=3.0, baseline_rate=0.03, followup=(2.0, 25.0)
)


def test_selection_intercept_keeps_share_treated():
    for sel in (1.0, 2.0, 10.0):
        sc = replace(ROCCA_LIKE, selection_or=sel)
        assert sc.cell_probabilities()[:, 1].sum() == pytest.approx(0.54, abs=1e-10)
        probs = sc.cell_probabilities()
        odds = (probs[1, 1] / probs[1, 0]) / (probs[0, 1] / probs[0, 0])
        assert odds == pytest.approx(sel)


def test_no_confounding_means_no_crude_bias():
    assert c.limiting_crude_hr(replace(ROCCA_LIKE, selection_or=1.0)) == pytest.approx(1, abs=1e-6)
    assert c.limiting_crude_hr(
        replace(ROCCA_LIKE, selection_or=5.0, prognostic_hr=1.0)
    ) == pytest.approx(1, abs=1e-6)


def test_limiting_crude_hr_agrees_with_a_large_simulation():
    sc = replace(ROCCA_LIKE, selection_or=4.0)
    limit = c.limiting_crude_hr(sc)
    big = c.simulate_confounded_cohort(sc, 300_000, seed=5)
    coef, se = c._cox_batch(
        big["time"].to_numpy()[None],
        big["event"].to_numpy()[None],
        big[["treated"]].to_numpy(float)[None],
    )
    assert abs(coef[0, 0] - math.log(limit)) < 3.5 * se[0, 0]
    assert limit > 1.3


def test_limiting_crude_hr_grows_with_selection_and_prognosis():
    values = [c.limiting_crude_hr(replace(ROCCA_LIKE, selection_or=s)) for s in (1, 2, 4, 8)]
    assert np.all(np.diff(values) > 0)
    weak = c.limiting_crude_hr(replace(ROCCA_LIKE, selection_or=4, prognostic_hr=1.5))
    strong = c.limiting_crude_hr(replace(ROCCA_LIKE, selection_or=4, prognostic_hr=4))
    assert weak < strong


def test_selection_for_crude_hr_round_trip_and_unreachable():
    sel = c.selection_for_crude_hr(1.5, ROCCA_LIKE)
    assert c.limiting_crude_hr(replace(ROCCA_LIKE, selection_or=sel)) == pytest.approx(
        1.5, rel=1e-6
    )
    with pytest.raises(c.CausalInputError, match="cannot be produced"):
        c.selection_for_crude_hr(5.0, replace(ROCCA_LIKE, prognostic_hr=1.5))


def test_simulated_adjustment_removes_the_bias():
    sc = replace(ROCCA_LIKE, selection_or=c.selection_for_crude_hr(1.6, ROCCA_LIKE))
    sims = c.simulate_confounding(sc, 189, n_rep=300, seed=1)
    assert sims["crude_hr"].median() > 1.4
    assert 0.9 < sims["adjusted_hr"].median() < 1.1
    assert (sims["crude_p"] < 0.05).mean() > 0.3
    # a correctly adjusted test of a null effect rejects about 5% of the time
    assert (sims["adjusted_p"] < 0.05).mean() < 0.1


def test_true_effect_is_recovered_after_adjustment():
    sc = replace(ROCCA_LIKE, selection_or=3.0, treatment_hr=1.5)
    sims = c.simulate_confounding(sc, 400, n_rep=200, seed=2)
    assert sims["adjusted_hr"].median() == pytest.approx(1.5, rel=0.08)


def test_selection_gap_columns():
    gap = c.selection_gap(ROCCA_LIKE, [1, 4], prognostic_hrs=[2, 3], n=100, n_rep=50)
    assert len(gap) == 4
    assert {"limiting_crude_hr", "crude_median", "adjusted_median", "crude_significant"} <= set(
        gap.columns
    )
    assert gap.loc[gap.selection_or == 1, "limiting_crude_hr"].to_numpy() == pytest.approx([1, 1])


def test_scenario_validation():
    with pytest.raises(c.CausalInputError, match="prevalence"):
        c.ConfoundingScenario(prevalence=1.2)
    with pytest.raises(c.CausalInputError, match="followup"):
        c.ConfoundingScenario(followup=(5, 2))


# ----------------------------------------------------------------------------- power


def test_schoenfeld_events_matches_r():
    assert c.schoenfeld_events(0.5) == pytest.approx(65.3456592588709, rel=1e-9)
    assert c.schoenfeld_events(1.5, power=0.9) == pytest.approx(255.65202389915, rel=1e-9)


def test_detectable_hr_matches_r_and_inverts_events():
    assert c.detectable_hr(100, allocation=0.3) == pytest.approx(1.84292874533074, rel=1e-9)
    assert c.detectable_hr(100, allocation=0.3, harmful=False) == pytest.approx(
        1 / 1.84292874533074
    )
    events = c.schoenfeld_events(1.8, allocation=0.4)
    assert c.detectable_hr(events, allocation=0.4) == pytest.approx(1.8)
    # an adjusted model with R^2 = 0.2 needs 1 / 0.8 times the events
    assert c.detectable_hr(events / 0.8, allocation=0.4, r_squared=0.2) == pytest.approx(1.8)


def test_schoenfeld_power_matches_r():
    assert c.schoenfeld_power(1.6, 80) == pytest.approx(0.556442676910826, rel=1e-9)
    assert c.schoenfeld_power(0.5, 65.3456592588709) == pytest.approx(0.8, rel=1e-9)


def test_schoenfeld_power_agrees_with_simulation():
    # 66 patients, equal arms, no censoring: every patient is an event; HR 2 needs 65.3.
    rng = np.random.default_rng(3)
    reps, n = 4000, 66
    arm = np.tile(np.repeat([0.0, 1.0], n // 2), (reps, 1))
    time = rng.exponential(1.0, (reps, n)) / np.where(arm == 1, 2.0, 1.0)
    coef, se = c._cox_batch(time, np.ones((reps, n)), arm[:, :, None])
    power = np.mean(np.abs(coef[:, 0] / se[:, 0]) > 1.959964)
    assert power == pytest.approx(c.schoenfeld_power(2.0, 66), abs=0.035)


def test_detectable_from_published_ci():
    # HR CI (0.5, 2.0): se = ln 4 / (2 * 1.959964) = 0.353654
    se = c.se_from_ci(0.5, 2.0)
    assert se == pytest.approx(math.log(4) / (2 * 1.959964), rel=1e-6)
    assert c.detectable_hr_from_se(se) == pytest.approx(math.exp(2.801585 * se), rel=1e-6)
    # the same SE from an unadjusted two-group comparison: 1 / (se^2 * 0.25) events
    assert c.effective_events(se) == pytest.approx(4 / se**2)
    with pytest.raises(c.CausalInputError):
        c.se_from_ci(2.0, 0.5)


# ----------------------------------------------------------------------------- time


def test_landmark_data_by_hand():
    data = pd.DataFrame(
        {
            "time": [2.0, 7.0, 9.0, 12.0, 20.0],
            "event": [1, 1, 0, 1, 0],
            "start": [np.nan, 3.0, 8.0, np.nan, 5.0],
        }
    )
    lm = c.landmark_data(data, "time", "event", 6.0, "start")
    assert lm["time"].tolist() == [1.0, 3.0, 6.0, 14.0]
    assert lm["exposed_by_landmark"].tolist() == [1, 0, 0, 1]


def test_split_at_exposure_by_hand():
    data = pd.DataFrame({"time": [5.0, 8.0, 4.0], "event": [1, 0, 1], "s": [2.0, np.nan, 0.0]})
    rows = c.split_at_exposure(data, "time", "event", "s")
    assert rows[["id", "start", "stop", "event", "exposed"]].values.tolist() == [
        [0, 0.0, 2.0, 0, 0],
        [0, 2.0, 5.0, 1, 1],
        [1, 0.0, 8.0, 0, 0],
        [2, 0.0, 4.0, 1, 1],
    ]


def test_immortal_time_bias_and_its_remedies():
    sims = c.simulate_immortal_time(
        c.ImmortalTimeScenario(), 189, landmarks=(3.0, 6.0), n_rep=300, seed=4
    )
    median = sims.groupby("analysis")["hr"].median()
    assert median["naive"] < 0.8
    for analysis in ("landmark_3", "landmark_6", "time_dependent"):
        assert 0.85 < median[analysis] < 1.15
    rejection = sims.groupby("analysis")["p"].apply(lambda p: float((p < 0.05).mean()))
    assert rejection["naive"] > 0.2
    assert rejection["time_dependent"] < 0.1


def test_time_dependent_recovers_a_real_effect():
    scenario = c.ImmortalTimeScenario(treatment_hr=0.5, p_treated=0.6)
    sims = c.simulate_immortal_time(scenario, 400, landmarks=(3.0,), n_rep=200, seed=6)
    td = sims.loc[sims.analysis == "time_dependent", "hr"].median()
    assert td == pytest.approx(0.5, rel=0.12)


def test_with_survival_hits_the_marginal_target():
    sc = replace(ROCCA_LIKE, selection_or=3.0).with_survival(0.45, 12.0)
    assert sc.survival(12.0, None) == pytest.approx(0.45, abs=1e-10)
    # by hand: mixture of two exponentials with the solved rate
    rate = sc.baseline_rate
    by_hand = 0.5 * math.exp(-rate * 12) + 0.5 * math.exp(-3 * rate * 12)
    assert by_hand == pytest.approx(0.45, abs=1e-10)
    # treated patients (more often adverse) do worse, though the treatment does nothing
    assert sc.survival(12.0, 1) < 0.45 < sc.survival(12.0, 0)


def test_prognostic_for_crude_hr_round_trip_and_ceiling():
    sc = replace(ROCCA_LIKE, selection_or=6.0)
    hr = c.prognostic_for_crude_hr(1.5, sc)
    assert c.limiting_crude_hr(replace(sc, prognostic_hr=hr)) == pytest.approx(1.5, rel=1e-6)
    # weak selection cannot produce a large crude HR however prognostic the feature is
    with pytest.raises(c.CausalInputError, match="even an adverse-feature HR of 1000"):
        c.prognostic_for_crude_hr(3.0, replace(sc, selection_or=1.5))


def test_balance_table_binary_variables_get_one_row():
    data = pd.DataFrame(
        {
            "t": [1, 1, 0, 0, 1, 0],
            "flag": [True, False, False, False, True, True],
            "sex": ["f", "m", "m", "f", "f", "m"],
        }
    )
    table = c.balance_table(data, "t", ["flag", "sex"])
    assert table["label"].tolist() == ["flag", "sex: m"]
    # flag: 2/3 treated vs 1/3 untreated -> (1/3) / sqrt((2/9 + 2/9) / 2) = 0.7071
    assert table["smd_unweighted"].iloc[0] == pytest.approx(1 / 3 / math.sqrt(2 / 9))
