"""Tests for inoreport.stats.evidence against worked examples from the methods' papers and R.

Reference values come from outside this code: VanderWeele & Ding (2017) and the test suite
of R's EValue package (whose definitions we restate by hand), Walsh et al.'s (2014)
fragility definition run in R with ``fisher.test``/``chisq.test`` (commands in comments),
Newcombe (1998, Table II), R ``prop.test`` and R ``survival::survfit`` (survival 3.5-3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from inoreport.stats import evidence as ev

Z = stats.norm.ppf(0.975)


# ----------------------------------------------------------------------------- Bayesian


def test_log_ratio_normal_recovers_se_from_symmetric_ci():
    # HR 1 (0.5-2): se = (ln 2 - ln 0.5) / (2 * 1.959964) = ln 2 / 1.959964 = 0.35365
    lik = ev.log_ratio_normal(1.0, 0.5, 2.0)
    assert lik.mean == 0.0
    assert lik.se == pytest.approx(math.log(2) / 1.959964, rel=1e-6)
    assert lik.asymmetry == pytest.approx(0.0, abs=1e-12)


def test_log_ratio_normal_flags_an_off_centre_estimate():
    # ln 1.5 = 0.405 while the log-midpoint of (1, 2) is ln sqrt(2) = 0.347
    lik = ev.log_ratio_normal(1.5, 1.0, 2.0)
    assert lik.asymmetry == pytest.approx(math.log(1.5) - math.log(2) / 2)


@pytest.mark.parametrize("bad", [(1.2, 1.3, 2.0), (0.0, 0.5, 1.0), (1.0, 1.0, 1.0)])
def test_log_ratio_normal_rejects_impossible_intervals(bad):
    with pytest.raises(ev.EvidenceInputError, match="expected"):
        ev.log_ratio_normal(*bad)


def test_conjugate_update_by_hand():
    # Prior N(0, 0.5^2) and data ln HR = ln 4 with se 0.5: equal precisions (4 each), so the
    # posterior mean is halfway, ln 2, and the sd is 0.5 / sqrt(2).
    lik = ev.log_ratio_normal(4.0, 4.0 * math.exp(-Z * 0.5), 4.0 * math.exp(Z * 0.5))
    prior = ev.NormalPrior("p", "p", 0.0, 0.5)
    post = ev.normal_posterior(lik, prior)
    assert post.mean == pytest.approx(math.log(2))
    assert post.sd == pytest.approx(0.5 / math.sqrt(2))
    assert post.median_ratio == pytest.approx(2.0)
    assert post.data_weight == pytest.approx(0.5)
    # P(HR > 1) = Phi(ln 2 / 0.35355) = Phi(1.9605) = 0.97503
    assert post.prob_above(1.0) == pytest.approx(0.97503, abs=1e-5)
    assert post.prob_below(1.0) == pytest.approx(1 - 0.97503, abs=1e-5)


def test_posterior_matches_numerical_integration():
    # Independent check: multiply prior and likelihood on a grid and integrate numerically.
    lik = ev.log_ratio_normal(1.3, 0.72, 2.32)
    prior = ev.NormalPrior("e", "e", math.log(0.8), 0.3)
    post = ev.normal_posterior(lik, prior)

    def unnormalised(x):
        return stats.norm.pdf(x, prior.mean, prior.sd) * stats.norm.pdf(lik.mean, x, lik.se)

    total = integrate.quad(unnormalised, -5, 5)[0]
    mean = integrate.quad(lambda x: x * unnormalised(x), -5, 5)[0] / total
    above_125 = integrate.quad(unnormalised, math.log(1.25), 5)[0] / total
    assert post.mean == pytest.approx(mean, abs=1e-8)
    assert post.prob_above(1.25) == pytest.approx(above_125, abs=1e-8)
    # Area under the plotted density (log-ratio density against ln ratio) is 1.
    grid = np.exp(np.linspace(-4, 4, 20001))
    assert np.trapezoid(post.density(grid), np.log(grid)) == pytest.approx(1.0, abs=1e-6)


def test_sceptical_prior_puts_stated_probability_outside_half_to_double():
    prior = ev.sceptical_prior(2.0, 0.05)
    assert prior.sd == pytest.approx(math.log(2) / Z)
    assert prior.prob_above(2.0) == pytest.approx(0.025)
    assert 1 - prior.prob_above(0.5) == pytest.approx(0.025)
    low, high = prior.interval()
    assert (low, high) == pytest.approx((0.5, 2.0))
    # 4 / sd^2 = 4 / 0.12507 = 32.0 events
    assert prior.events_equivalent == pytest.approx(31.98, abs=0.01)


def test_standard_priors_share_spread_and_name_the_factor():
    priors = {p.name: p for p in ev.standard_priors(factor="prior InO")}
    assert set(priors) == {"sceptical", "vague", "enthusiastic", "pessimistic"}
    assert priors["enthusiastic"].centre_ratio == pytest.approx(0.8)
    assert priors["pessimistic"].centre_ratio == pytest.approx(1.25)
    assert priors["enthusiastic"].sd == priors["sceptical"].sd == priors["pessimistic"].sd
    assert priors["vague"].sd == 10.0
    assert "prior InO helps" in priors["enthusiastic"].label
    assert "prior InO harms" in priors["pessimistic"].label


def test_vague_prior_gives_back_the_data():
    lik = ev.log_ratio_normal(1.2, 0.71, 2.03)
    post = ev.normal_posterior(lik, ev.vague_prior())
    assert post.mean == pytest.approx(lik.mean, abs=1e-3)
    low, high = post.interval()
    assert (low, high) == pytest.approx((0.71, 2.03), rel=0.01)


def test_posterior_table_has_one_row_per_estimate_and_prior():
    liks = {"a": ev.log_ratio_normal(1.2, 0.7, 2.0), "b": ev.log_ratio_normal(0.3, 0.2, 0.5)}
    table = ev.posterior_table(liks, lambda key: ev.standard_priors(factor=key))
    assert len(table) == 8
    assert {"p_above_1", "p_above_1.25", "p_below_1", "p_below_0.8"} <= set(table.columns)
    row = table[(table.key == "b") & (table.prior == "vague")].iloc[0]
    assert row.p_above_1 < 0.001


# ----------------------------------------------------------------------------- E-values


def test_e_value_annals_breastfeeding_example():
    # VanderWeele & Ding 2017, Ann Intern Med 167:268: RR 3.9 (1.8-8.7) -> E = 7.26 for the
    # estimate and 3.0 for the lower limit (R: EValue::evalues.RR(3.9, 1.8, 8.7)).
    result = ev.e_values(3.9, 1.8, 8.7)
    assert result.e_point == pytest.approx(7.26, abs=0.005)
    assert result.e_ci == pytest.approx(3.0, abs=0.005)
    assert result.ci_limit == "lower"


def test_e_value_annals_protective_example():
    # Same paper, "further examples": RR 0.80 (0.71-0.91) -> E = 1.81, upper limit 1.43.
    result = ev.e_values(0.80, 0.71, 0.91)
    assert result.e_point == pytest.approx(1.81, abs=0.005)
    assert result.e_ci == pytest.approx(1.43, abs=0.005)
    assert result.ci_limit == "upper"


def test_e_value_is_symmetric_in_direction():
    # EValue vignette: evalues.RR(0.80) and evalues.RR(1/0.80) give the same E-value.
    assert ev.e_value(0.8) == pytest.approx(ev.e_value(1 / 0.8))


def test_e_value_ci_containing_null_is_one():
    result = ev.e_values(1.2, 0.9, 1.6)
    assert result.e_ci == 1.0 and result.ci_limit == "contains"


def test_common_outcome_hazard_ratio_conversion_by_hand():
    # HR 4: sqrt = 2, RR = (1 - 0.25) / (1 - 0.5^0.5) = 0.75 / 0.292893 = 2.560660
    assert ev.hr_to_rr(4.0, rare=False) == pytest.approx(0.75 / (1 - 0.5**0.5))
    assert ev.hr_to_rr(4.0, rare=False) == pytest.approx(2.560660, abs=1e-6)
    # and symmetric: HR 1/4 -> 1 / 2.560660
    assert ev.hr_to_rr(0.25, rare=False) == pytest.approx(1 / 2.560660, abs=1e-6)
    assert ev.hr_to_rr(4.0, rare=True) == 4.0
    assert ev.or_to_rr(9.0, rare=False) == 3.0


def test_common_hr_with_shifted_true_value_matches_evalue_definition():
    # R EValue tests, "Common HR": evalues.HR(1.3, 1.2, 1.4, true = 1.1, rare = FALSE)
    # point = (RR + sqrt(RR (RR - RR.true))) / RR.true with every value converted.
    def conv(h):
        return (1 - 0.5 ** math.sqrt(h)) / (1 - 0.5 ** math.sqrt(1 / h))

    rr, rr_lo, rr_true = conv(1.3), conv(1.2), conv(1.1)
    result = ev.e_values(1.3, 1.2, 1.4, measure="HR", rare=False, true=1.1)
    assert result.e_point == pytest.approx((rr + math.sqrt(rr * (rr - rr_true))) / rr_true)
    assert result.e_ci == pytest.approx((rr_lo + math.sqrt(rr_lo * (rr_lo - rr_true))) / rr_true)


@pytest.mark.parametrize(
    ("true", "point", "ci", "limit"),
    [
        # R EValue tests, "various true values", causative estimate RR 1.3 (1.1-1.4)
        (1.05, (1.3 + math.sqrt(1.3 * 0.25)) / 1.05, (1.1 + math.sqrt(1.1 * 0.05)) / 1.05, "lower"),
        (1.2, (1.3 + math.sqrt(1.3 * 0.1)) / 1.2, 1.0, "contains"),
        (
            1.5,
            1.5 / 1.3 + math.sqrt(1.5 / 1.3 * (1.5 / 1.3 - 1)),
            1.5 / 1.4 + math.sqrt(1.5 / 1.4 * (1.5 / 1.4 - 1)),
            "upper",
        ),
    ],
)
def test_e_value_towards_non_null_true_values(true, point, ci, limit):
    result = ev.e_values(1.3, 1.1, 1.4, true=true)
    assert result.e_point == pytest.approx(point)
    assert result.e_ci == pytest.approx(ci)
    assert result.ci_limit == limit


def test_e_values_refuses_hr_without_rarity():
    with pytest.raises(ev.EvidenceInputError, match="rare"):
        ev.e_values(1.2, 0.7, 2.0, measure="HR")


def test_risk_ratio_katz_interval_matches_r():
    # R: a<-15;n1<-40;c<-6;n0<-40; rr<-(a/n1)/(c/n0); se<-sqrt(1/a-1/n1+1/c-1/n0)
    #    rr*exp(c(-1,1)*qnorm(.975)*se)  ->  2.5000000000 1.0801331180 5.7863238297
    rr, lo, hi = ev.risk_ratio(15, 40, 6, 40)
    assert (rr, lo, hi) == pytest.approx((2.5, 1.0801331180, 5.7863238297), rel=1e-9)


# ----------------------------------------------------------------------------- fragility


def test_fragility_readme_example():
    # fragilityindex (Kipp Johnson) README, Walsh's definition: 15/40 vs 6/40,
    # fisher.test p = 0.04060921; one more event in group 2 gives p = 0.07836101 -> FI = 1.
    result = ev.fragility_index([[15, 25], [6, 34]])
    assert result.p_start == pytest.approx(0.04060921, abs=1e-8)
    assert result.index == 1
    assert result.group == 0 and result.direction == 1
    assert result.p_end == pytest.approx(0.07836101, abs=1e-8)
    assert result.table_end == [[15, 25], [7, 33]]


def test_fragility_peitho_example():
    # 13/506 vs 28/499 (a trial used as a worked FI example). R, Walsh's loop
    # (add events to the group with fewer events until fisher.test p >= 0.05):
    # p path 0.01650431 0.02719768 0.04283058 -> 0.06472188, FI = 3.
    # Under chisq.test(correct=FALSE): FI = 3 (end p 0.05778666); correct=TRUE: FI = 2
    # (path 0.02272438 0.03613685 -> 0.05521705).
    result = ev.fragility_index([[13, 493], [28, 471]])
    assert result.index == 3 and result.group == 1
    assert result.path == pytest.approx([0.02719768, 0.04283058, 0.06472188], abs=1e-8)
    assert result.quotient == pytest.approx(3 / 1005)
    assert ev.fragility_index([[13, 493], [28, 471]], ev.chi2_p()).index == 3
    yates = ev.fragility_index([[13, 493], [28, 471]], ev.chi2_p(correction=True))
    assert yates.index == 2
    assert yates.p_end == pytest.approx(0.05521705, abs=1e-8)


def test_fragility_small_table_by_hand():
    # 0/10 vs 6/10: Fisher p = 2 * C(10,6)/C(20,6) = 2 * 210/38760 = 0.010836 (R: 0.01083591).
    # Adding one event to the first group: 1/10 vs 6/10, R p = 0.05727554 >= 0.05, FI = 1.
    result = ev.fragility_index([[0, 10], [6, 4]])
    assert result.p_start == pytest.approx(2 * 210 / 38760)
    assert result.index == 1
    assert result.p_end == pytest.approx(0.05727554, abs=1e-8)


def test_fragility_of_a_non_significant_result_is_zero():
    result = ev.fragility_index([[10, 92], [3, 84]])
    assert result.index == 0 and not result.significant_start


def test_fragility_depends_on_the_test():
    # 8/10 vs 4/14: R fisher.test p = 0.03607484 (FI 2: 0.04717997 -> 0.1040517);
    # chisq.test(correct=FALSE) p = 0.01298297 (FI 2: 0.03181957 -> 0.06881675).
    fisher = ev.fragility_index([[8, 2], [4, 10]])
    chi = ev.fragility_index([[8, 2], [4, 10]], ev.chi2_p())
    assert fisher.p_start == pytest.approx(0.03607484, abs=1e-8)
    assert chi.p_start == pytest.approx(0.01298297, abs=1e-8)
    assert fisher.index == 2 and chi.index == 2
    assert fisher.p_end == pytest.approx(0.1040517, abs=1e-7)
    assert chi.p_end == pytest.approx(0.06881675, abs=1e-8)


def test_reverse_fragility_finds_the_shortest_single_group_move():
    # 10/102 vs 3/87, R fisher.test p = 0.1470890. Adding events to group 1 needs 3 (p =
    # 0.03345566); removing one event from group 2 (10/102 vs 2/87) gives p = 0.03957798.
    result = ev.reverse_fragility_index([[10, 92], [3, 84]])
    assert result.p_start == pytest.approx(0.1470890321, abs=1e-9)
    assert result.index == 1
    assert result.group == 0 and result.direction == -1
    assert result.p_end == pytest.approx(0.03957798, abs=1e-8)


def test_reverse_fragility_under_chi_square():
    # R: chisq.test(matrix(c(10,3,92,84),2), correct=FALSE)$p.value = 0.0852929582
    result = ev.reverse_fragility_index([[10, 92], [3, 84]], ev.chi2_p())
    assert result.p_start == pytest.approx(0.0852929582, abs=1e-9)
    assert result.index == 1


def test_fragility_any_rule_is_never_longer_than_walsh():
    table = [[13, 493], [28, 471]]
    assert ev.fragility_index(table, rule="any").index <= ev.fragility_index(table).index


def test_fragility_rejects_a_bad_table():
    with pytest.raises(ev.EvidenceInputError, match="2 x 2"):
        ev.fragility_index([[1, 2, 3], [4, 5, 6]])


# ----------------------------------------------------------------------------- precision


def test_wilson_interval_matches_r_prop_test():
    # R: prop.test(56, 70, correct=FALSE)$conf.int -> 0.691833555037 0.876952607516
    assert ev.wilson_interval(56, 70) == pytest.approx((0.691833555037, 0.876952607516), abs=1e-9)
    # R: prop.test(0, 10, correct=FALSE)$conf.int -> 0 0.277532799863
    assert ev.wilson_interval(0, 10) == pytest.approx((0.0, 0.277532799863), abs=1e-9)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998) Stat Med 17:873, Table II, method 10 (hybrid score)
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((0, 10, 0, 10), (-0.2775, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0000)),
        ((10, 10, 0, 10), (0.6075, 1.0000)),
    ],
)
def test_newcombe_hybrid_interval_matches_published_table(counts, expected):
    result = ev.risk_difference(*counts)
    assert (result.ci_low, result.ci_high) == pytest.approx(expected, abs=5e-5)


def test_newcombe_interval_agrees_with_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep

    for counts in [(6, 7, 2, 7), (10, 102, 3, 87), (15, 86, 5, 71), (4, 5, 2, 7)]:
        ours = ev.risk_difference(*counts)
        theirs = confint_proportions_2indep(*counts, method="newcomb", compare="diff")
        assert (ours.ci_low, ours.ci_high) == pytest.approx(theirs, abs=1e-10)


# R survival 3.5-3: f <- survfit(Surv(time, status) ~ 1, data=lung, conf.type=<scale>);
# summary(f, times=c(180, 365)) gives surv, lower, upper and std.err (SE of S).
R_LUNG = {
    "log-log": [
        (0.72167065341, 0.658304528446, 0.775314690717, 0.0298124194686),
        (0.40924162446, 0.338714269088, 0.478380767647, 0.0358236381720),
    ],
    "log": [
        (0.72167065341, 0.665542307131, 0.782532569925, 0.0298124194686),
        (0.40924162446, 0.344721581796, 0.485837603547, 0.0358236381720),
    ],
    "plain": [
        (0.72167065341, 0.663239384959, 0.780101921860, 0.0298124194686),
        (0.40924162446, 0.339028583848, 0.479454665072, 0.0358236381720),
    ],
    "logit": [
        (0.72167065341, 0.659678399239, 0.776201514259, 0.0298124194686),
        (0.40924162446, 0.341296390629, 0.480839314614, 0.0358236381720),
    ],
    "arcsin": [
        (0.72167065341, 0.661523489051, 0.778055239638, 0.0298124194686),
        (0.40924162446, 0.340190735060, 0.480140056520, 0.0358236381720),
    ],
}


@pytest.mark.parametrize("scale", list(R_LUNG))
def test_landmark_se_recovers_r_standard_error_from_the_ci(scale):
    for surv, low, high, std_err in R_LUNG[scale]:
        _, se_s = ev.landmark_se(surv, low, high, scale=scale)
        assert se_s == pytest.approx(std_err, rel=1e-6)


@pytest.mark.parametrize("scale", list(R_LUNG))
def test_ci_scale_fit_accepts_the_scale_r_used_after_rounding(scale):
    for surv, low, high, _ in R_LUNG[scale]:
        fit = ev.ci_scale_fit(round(surv, 2), round(low, 2), round(high, 2))
        assert fit.set_index("scale").loc[scale, "consistent"]


def test_ci_scale_fit_rejects_log_scale_for_a_symmetric_interval():
    # 0.50 (0.30-0.70): symmetric on the plain scale; on the log scale the limits would sit
    # at -0.51 and +0.34 around ln 0.5, which no rounding can explain.
    fit = ev.ci_scale_fit(0.50, 0.30, 0.70).set_index("scale")
    assert fit.loc["plain", "consistent"]
    assert not fit.loc["log", "consistent"]


def test_landmark_difference_on_plain_scale_by_hand():
    # se_i = 0.1 / 1.96 each; diff 0.2 with se = sqrt(2) * 0.1 / 1.96
    result = ev.landmark_difference((0.6, 0.5, 0.7), (0.4, 0.3, 0.5), scale="plain")
    se = math.sqrt(2) * 0.1 / Z
    assert result.estimate == pytest.approx(0.2)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.2 - Z * se, 0.2 + Z * se))


def test_landmark_ratios_by_hand():
    first, second = (0.25, 0.2, 0.3), (0.5, 0.45, 0.55)
    # S1 = S2^HR: HR = ln 0.25 / ln 0.5 = 2; risk ratio (1 - 0.25) / (1 - 0.5) = 1.5
    assert ev.landmark_hazard_ratio(first, second, "plain").estimate == pytest.approx(2.0)
    assert ev.landmark_risk_ratio(first, second, "plain").estimate == pytest.approx(1.5)
    # On the log-log scale, the SE of ln HR is exactly the two log-log SEs combined.
    hr = ev.landmark_hazard_ratio(first, second, "log-log")
    se1, _ = ev.landmark_se(*first, scale="log-log")
    se2, _ = ev.landmark_se(*second, scale="log-log")
    assert hr.se == pytest.approx(math.hypot(se1, se2))


def test_landmark_inputs_must_be_proportions():
    with pytest.raises(ev.EvidenceInputError, match="0.54, not 54"):
        ev.landmark_se(54, 43, 63)


# ----------------------------------------------------------------------------- text


def test_percent_text_extremes():
    assert ev.percent_text(0.001) == "<1%"
    assert ev.percent_text(0.9999) == ">99%"
    assert ev.percent_text(0.256) == "26%"


def test_points_text_never_prints_a_negative_zero():
    # Grade 3-4 CRS in ROCCA, 15/86 vs 5/71: the Newcombe lower limit is -0.3 points; rounding
    # to whole points printed it as "-0" (review of the built book).
    assert ev.points_text(-0.003) == "\u22120.3"
    assert ev.points_text(0.1) == "+10" and ev.points_text(-0.338) == "\u221234"
    assert ev.points_text(0.0) == "0"
    assert ev.points_text(-0.005) == "\u22120.5"  # -0.5 would round (to even) to -0
