"""Tests for inoreport.stats.small_cohorts. Reference values come from R 4.2 (commands in comments),
from brute-force enumeration (a different algorithm from the one under test) or from
Schoenfeld's formula; never from this module's own output."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from inoreport.paths import DATA
from inoreport.stats import small_cohorts as burden
from inoreport.stats.small_cohorts import BurdenInputError
from inoreport.stats.survival import kaplan_meier

# --------------------------------------------------------------------------- transitions


def test_transition_counts_keep_zero_cells_and_total(transition_cohort):
    counts = burden.transition_counts(
        transition_cohort, "before", "after", by="arm", levels=["high", "low"], order=["B", "A"]
    )
    assert list(counts["group"].unique()) == ["B", "A"]
    assert len(counts) == 8  # 2 groups x 2 x 2, including A low->high = 0
    a = counts[counts["group"] == "A"].set_index(["before", "after"])["n"]
    assert a[("high", "low")] == 4 and a[("high", "high")] == 1
    assert a[("low", "low")] == 2 and a[("low", "high")] == 0
    assert counts["n"].sum() == len(transition_cohort)


def test_transition_counts_reject_unknown_state(transition_cohort):
    transition_cohort.loc[3, "after"] = "medium"
    with pytest.raises(BurdenInputError, match=r"column 'after', row 3: value 'medium'"):
        burden.transition_counts(
            transition_cohort, "before", "after", by="arm", levels=["high", "low"]
        )


def test_transition_group_names_each_path(transition_cohort):
    path = burden.transition_group(
        transition_cohort["before"],
        transition_cohort["after"],
        good="low",
        bad="high",
        labels={"achieved": "achieved LTB", "maintained bad": "maintained HTB"},
    )
    counts = path.value_counts()
    assert counts["achieved LTB"] == 6
    assert counts["maintained good"] == 5
    assert counts["maintained HTB"] == 6
    assert counts["lost"] == 1
    with pytest.raises(BurdenInputError, match="label key 'won'"):
        burden.transition_group(
            transition_cohort["before"], transition_cohort["after"], "low", "high", {"won": "x"}
        )


def test_conversion_table_exact_cis_match_r_binom_test(transition_cohort):
    conv = burden.conversion_table(
        transition_cohort,
        "before",
        "after",
        by="arm",
        source="high",
        target="low",
        order=["A", "B"],
    )
    t = conv.table.set_index("group")
    assert (t.loc["A", "n_converted"], t.loc["A", "n_source"]) == (4, 5)
    assert (t.loc["B", "n_converted"], t.loc["B", "n_source"]) == (2, 7)
    # R: binom.test(4, 5)$conf.int ; binom.test(2, 7)$conf.int
    assert t.loc["A", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.283582063881911, 0.994949236620532], abs=1e-9
    )
    assert t.loc["B", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [0.0366925661760856, 0.7095791362626573], abs=1e-9
    )
    # R: fisher.test(matrix(c(4, 1, 2, 5), 2, byrow = TRUE))$p.value
    assert burden.conversion_test(conv) == pytest.approx(0.242424242424242, rel=1e-9)
    assert conv.counts_2x2().tolist() == [[4, 1], [2, 5]]


def test_flow_links_geometry_adds_up(transition_cohort):
    counts = burden.transition_counts(
        transition_cohort, "before", "after", by="arm", levels=["high", "low"]
    )
    one = counts[counts["group"] == "B"]
    links = burden.flow_links(one, levels=["high", "low"], gap=0.05)
    assert set(zip(links["before"], links["after"], strict=True)) == {
        ("high", "low"), ("high", "high"), ("low", "low"), ("low", "high")
    }  # fmt: skip
    heights = links["left_top"] - links["left_bottom"]
    assert heights.to_numpy() == pytest.approx(
        (links["right_top"] - links["right_bottom"]).to_numpy()
    )
    # 11 patients, one gap: heights sum to 1 - gap, proportional to n
    assert heights.sum() == pytest.approx(0.95)
    assert heights.to_numpy() == pytest.approx(links["n"].to_numpy() * 0.95 / 11)
    # the 'high' state on the left spans 7/11 of the usable height from the top
    high = links[links["before"] == "high"]
    assert high["left_top"].max() == pytest.approx(1.0)
    assert high["left_bottom"].min() == pytest.approx(1 - 7 * 0.95 / 11)
    # right column: 'high' holds 5 + 1 = 6 patients, stacked from the top
    right_high = links[links["after"] == "high"]
    assert right_high["right_top"].max() == pytest.approx(1.0)
    assert right_high["right_bottom"].min() == pytest.approx(1 - 6 * 0.95 / 11)


# --------------------------------------------------------------------------- rank tests

X = [0.8, 1.9, 3.1, 4.5, 7.2, 12.0, 15.5]
Y = [2.2, 5.1, 6.3, 9.9, 11.4, 20.3, 25.0, 31.7, 40.2]


def test_rank_sum_without_ties_equals_r_exact():
    # R: wilcox.test(x, y, exact = TRUE) -> W = 15, p = 0.0907342657342657
    res = burden.rank_sum_test(X, Y)
    assert res.statistic == 15
    assert res.p == pytest.approx(0.0907342657342657, rel=1e-10)
    assert res.method == "exact" and not res.ties


def test_rank_sum_ten_versus_fourteen_equals_r_exact():
    a = [12, 25, 33, 41, 58, 60, 75, 90, 150, 400]
    b = [45, 100, 180, 220, 290, 310, 330, 345, 380, 420, 510, 700, 900, 1500]
    # R: wilcox.test(a, b, exact = TRUE) -> W = 15, p = 6.69978829892681e-04
    res = burden.rank_sum_test(a, b)
    assert res.statistic == 15
    assert res.p == pytest.approx(6.69978829892681e-04, rel=1e-9)


def _brute_force_p(x, y):
    """Exact conditional p by listing every split of the pooled midranks."""
    pooled = np.concatenate([x, y])
    ranks = stats.rankdata(pooled)
    observed = ranks[: len(x)].sum()
    sums = np.array(
        [ranks[list(c)].sum() for c in itertools.combinations(range(len(pooled)), len(x))]
    )
    lower = np.mean(sums <= observed + 1e-9)
    upper = np.mean(sums >= observed - 1e-9)
    return min(1.0, 2 * min(lower, upper))


def test_rank_sum_with_ties_equals_full_enumeration():
    u = [1, 2, 2, 3, 3, 3, 4, 5]
    v = [2, 3, 4, 4, 5, 6, 6, 7, 8]
    res = burden.rank_sum_test(u, v)
    assert res.ties and res.method == "exact (conditional on ties)"
    assert res.statistic == 13  # R: wilcox.test(u, v)$statistic
    assert res.p == pytest.approx(_brute_force_p(np.array(u, float), np.array(v, float)), rel=1e-10)


def test_rank_sum_normal_approximation_equals_r():
    u = [1, 2, 2, 3, 3, 3, 4, 5]
    v = [2, 3, 4, 4, 5, 6, 6, 7, 8]
    # R: wilcox.test(u, v, exact = FALSE, correct = TRUE / FALSE)$p.value
    assert burden.rank_sum_test(u, v, exact=False).p == pytest.approx(0.0283727153460289, rel=1e-9)
    assert burden.rank_sum_test(u, v, exact=False, correct=False).p == pytest.approx(
        0.0250385621861479, rel=1e-9
    )


def test_rank_sum_rejects_empty_sample():
    with pytest.raises(BurdenInputError, match="at least one in each"):
        burden.rank_sum_test([np.nan], [1, 2])


def test_hodges_lehmann_equals_r_conf_int():
    # R: wilcox.test(x, y, exact = TRUE, conf.int = TRUE): estimate -8, CI (-24.2, 0.9)
    res = burden.hodges_lehmann(X, Y)
    assert res.estimate == pytest.approx(-8.0)
    assert (res.ci_low, res.ci_high) == pytest.approx((-24.2, 0.9))
    assert res.achieved_level >= 0.95
    # R: w <- wilcox.test(log(x), log(y), exact = TRUE, conf.int = TRUE, conf.level = 0.9)
    #    exp(w$estimate) 0.372549019607843, exp(w$conf.int) 0.141955835962145 0.882352941176471
    ratio = burden.hodges_lehmann(X, Y, level=0.9, log=True)
    assert ratio.scale == "ratio"
    assert ratio.estimate == pytest.approx(0.3725490196078431, rel=1e-9)
    assert (ratio.ci_low, ratio.ci_high) == pytest.approx(
        (0.1419558359621451, 0.8823529411764707), rel=1e-9
    )
    with pytest.raises(BurdenInputError, match="positive"):
        burden.hodges_lehmann([0.0, 1.0], [1.0, 2.0], log=True)


# --------------------------------------------------------------------------- precision, power


def test_landmark_difference_uses_greenwood_ses_as_r():
    lung = pd.read_csv(DATA / "examples" / "lung.csv")
    km = kaplan_meier(lung, "time", "status", by="sex")
    res = burden.landmark_difference(km, 365, "1", "2")
    # R: summary(survfit(Surv(time, status) ~ sex, data = lung), times = 365)
    #    surv 0.336087834639379 0.526463030185906; std.err 0.0434235888417982 0.0597368539904425
    assert res.survival_first == pytest.approx(0.336087834639379, abs=1e-9)
    assert res.survival_second == pytest.approx(0.526463030185906, abs=1e-9)
    se = math.hypot(0.0434235888417982, 0.0597368539904425)
    assert res.se == pytest.approx(se, rel=1e-6)
    d = 0.336087834639379 - 0.526463030185906
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (d - 1.959964 * se, d + 1.959964 * se), abs=1e-5
    )
    with pytest.raises(BurdenInputError, match="not estimable"):
        burden.landmark_difference(km, 5000, "1", "2")


def test_power_two_proportions_equals_r_power_prop_test():
    # R: power.prop.test(n = 12, p1 = 0.643, p2 = 0.9)$power
    assert burden.power_two_proportions(0.643, 0.9, 12, 12) == pytest.approx(
        0.314246266505872, rel=1e-9
    )
    # R: power.prop.test(n = 50, p1 = 0.5, p2 = 0.75)$power
    assert burden.power_two_proportions(0.75, 0.5, 50, 50) == pytest.approx(
        0.740165901331388, rel=1e-9
    )


def test_power_fisher_equals_enumeration_in_r():
    # R: fp <- function(p1, p2, n1, n2, alpha = 0.05) { s <- 0; for (k1 in 0:n1) for (k2 in 0:n2)
    #      if (fisher.test(matrix(c(k1, n1 - k1, k2, n2 - k2), 2, byrow = TRUE))$p.value <= alpha)
    #        s <- s + dbinom(k1, n1, p1) * dbinom(k2, n2, p2); s }
    assert burden.power_fisher(0.667, 0.25, 10, 14) == pytest.approx(0.477777846366166, rel=1e-9)
    assert burden.power_fisher(0.9, 0.4, 12, 12) == pytest.approx(0.638639456977483, rel=1e-9)


def test_detectable_proportion_equals_r_power_prop_test():
    # R: power.prop.test(n = 40, p1 = 0.6, power = 0.8)$p2 -> 0.872078894844981 (uniroot,
    # tol 1.2e-4); R: power.prop.test(n = 40, p1 = 0.6, p2 = 0.8720776495876337)$power
    # -> 0.800000000000002, so our root is the more precise one.
    p2 = burden.detectable_proportion(0.6, 40, 40, power=0.8)
    assert p2 == pytest.approx(0.872078894844981, abs=1.2e-4)
    assert p2 == pytest.approx(0.8720776495876337, abs=1e-9)
    # with 12 per group no proportion reaches 80% power against 0.643 (R warns the same)
    assert math.isnan(burden.detectable_proportion(0.643, 12, 12, power=0.8))
    # exact Fisher: the value returned reaches the target and 0.001 less does not
    q = burden.detectable_proportion(0.3, 20, 20, power=0.8, test="fisher")
    assert burden.power_fisher(q, 0.3, 20, 20) >= 0.8
    assert burden.power_fisher(q - 0.001, 0.3, 20, 20) < 0.8


def test_logrank_statistic_equals_r_survdiff():
    t = np.array([3.2, 5.1, 7.7, 8.0, 11.3, 14.9, 2.2, 4.4, 6.1, 9.5, 12.8, 16.0, 18.4])
    e = np.array([1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0])
    g = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    # R: sd <- survdiff(Surv(t, e) ~ g); (sd$obs - sd$exp)[2] / sqrt(sd$var[2, 2]) ; sd$chisq
    z = burden._logrank_z(t[None, :], e[None, :], g[None, :])[0]
    assert z == pytest.approx(0.714361015574989, rel=1e-9)
    assert z**2 == pytest.approx(0.510311660573330, rel=1e-9)


def test_logrank_power_agrees_with_schoenfeld_in_large_groups():
    # 150 per arm, 12-month survival 0.5 vs 0.65, everyone followed 24 months.
    s1, s2, n = 0.5, 0.65, 150
    hr = math.log(s1) / math.log(s2)
    events = n * (1 - s1**2) + n * (1 - s2**2)  # exponential: S(24) = S(12)^2
    # Schoenfeld (1983): power = Phi(sqrt(D/4) |ln HR| - z_0.975)
    expected = stats.norm.cdf(math.sqrt(events / 4) * abs(math.log(hr)) - 1.959964)
    sim = burden.logrank_power(s1, s2, n, n, landmark=12, follow_up=(24, 24), n_sim=3000)
    assert sim == pytest.approx(expected, abs=0.04)


def test_logrank_power_under_null_holds_its_level():
    sim = burden.logrank_power(0.6, 0.6, 60, 60, landmark=12, follow_up=(12, 36), n_sim=3000)
    assert sim == pytest.approx(0.05, abs=0.015)


def test_power_inputs_are_checked():
    with pytest.raises(BurdenInputError, match="0.64, not 64"):
        burden.power_two_proportions(64, 0.5, 10, 10)
    with pytest.raises(BurdenInputError, match="whole number"):
        burden.power_fisher(0.5, 0.4, 0, 10)
    with pytest.raises(BurdenInputError, match="shortest"):
        burden.logrank_power(0.5, 0.6, 10, 10, 12, (0, 10))


# --------------------------------------------------------------------------- figures


def test_rank_sum_table_equals_r_pwilcox():
    table = burden.rank_sum_table(10, 14).set_index("w")
    # R: 2 * pwilcox(c(30, 31, 32), 10, 14)
    assert table.loc[[30, 31, 32], "p"].tolist() == pytest.approx(
        [0.0185452587525545, 0.0220154839551797, 0.0260159815954674], rel=1e-9
    )
    # symmetric: W and n_x n_y - W have the same p
    assert table.loc[113, "p"] == pytest.approx(table.loc[27, "p"], rel=1e-12)
    assert table.loc[70, "p"] == 1.0


def test_rank_sum_consistent_finds_the_rank_sums_behind_a_printed_p():
    # R: w <- 0:140; p <- pmin(1, 2 * pmin(pwilcox(w, 10, 14), 1 - pwilcox(w - 1, 10, 14)))
    #    w[round(p, 3) == 0.011] -> 27 113 (p = 0.0107349576)
    found = burden.rank_sum_consistent(10, 14, 0.011, 3)
    assert found["w"].tolist() == [27, 113]
    assert found["p"].iloc[0] == pytest.approx(0.01073495760, rel=1e-8)
    assert found["superiority"].iloc[0] == pytest.approx(27 / 140)


def test_power_regions_equal_r_power_prop_test():
    # R: power.prop.test(n = 50, p1 = 0.5, power = 0.8)$p2 -> 0.7668300442; by symmetry
    # the lower crossing is 1 - 0.7668300442
    regions = burden.power_regions(lambda p: burden.power_two_proportions(p, 0.5, 50, 50), 0.0, 1.0)
    assert len(regions) == 2
    (a, b), (c, d) = regions
    assert a is None and d is None
    assert b == pytest.approx(1 - 0.7668300442, abs=2e-5)
    assert c == pytest.approx(0.7668300442, abs=2e-5)
    # R: power.prop.test(n = 30, p1 = 0.3, power = 0.9)$p2 -> 0.7043304363 (R searches
    # above p1 only, so we do the same)
    up = burden.power_regions(
        lambda p: burden.power_two_proportions(p, 0.3, 30, 30), 0.3, 1.0, target=0.9
    )
    assert len(up) == 1 and up[0][1] is None
    assert up[0][0] == pytest.approx(0.7043304363, abs=2e-5)


def test_power_regions_find_a_closed_interval_and_check_inputs():
    # a bump: power 0.9 on (0.4, 0.6) only
    regions = burden.power_regions(lambda v: 0.9 if 0.4 < v < 0.6 else 0.1, 0, 1)
    assert len(regions) == 1
    assert regions[0] == pytest.approx((0.4, 0.6), abs=2e-5)
    assert burden.power_regions(lambda v: 0.1, 0, 1) == []
    assert burden.power_regions(lambda v: 0.95, 0, 1) == [(None, None)]
    with pytest.raises(BurdenInputError, match="expected low < high"):
        burden.power_regions(lambda v: 0.5, 1, 0)
