"""inoreport.stats.contingency against R 4.2 (fisher.test, chisq.test, binom.test).

Every reference value was produced by the R command in the comment beside it
(``options(digits=15)``); none comes from this package.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats

from inoreport.stats.contingency import (
    ContingencyInputError,
    clopper_pearson,
    consistent_counts,
    consistent_denominators,
    expected_counts,
    fisher_exact,
    fisher_mid_p,
    likelihood_ratio_chi2,
    pearson_chi2,
    rounds_to,
)

FISHER_CASES = [
    # fisher.test(matrix(c(3,1,1,3),2))$p.value
    ([[3, 1], [1, 3]], 0.485714285714286),
    # fisher.test(matrix(c(10,3,2,15),2))$p.value
    ([[10, 2], [3, 15]], 0.000536724119143436),
    # fisher.test(matrix(c(8,2,4,10),2))$p.value
    ([[8, 4], [2, 10]], 0.0360748418360478),
    # fisher.test(matrix(c(20,18,25,10,14,15,22,20,15,30),ncol=2))$p.value
    ([[20, 15], [18, 22], [25, 20], [10, 15], [14, 30]], 0.119363832849222),
    # fisher.test(matrix(c(5,1,2,3,6,2,2,4,8),ncol=3))$p.value
    ([[5, 3, 2], [1, 6, 4], [2, 2, 8]], 0.0739731383453612),
]


@pytest.mark.parametrize(("table", "expected"), FISHER_CASES)
def test_fisher_matches_r(table, expected):
    assert fisher_exact(table) == pytest.approx(expected, rel=1e-9)


def test_fisher_transposed_table_gives_same_p():
    table = np.array([[20, 15], [18, 22], [25, 20], [10, 15], [14, 30]])
    # fisher.test(t(matrix(c(20,18,25,10,14,15,22,20,15,30),ncol=2)))$p.value
    assert fisher_exact(table.T) == pytest.approx(0.119363832849222, rel=1e-9)


def test_fisher_seven_by_two_n189_is_fast_and_matches_r():
    table = [[20, 15], [18, 22], [25, 20], [10, 15], [14, 30], [12, 12], [11, 9]]
    start = time.perf_counter()
    p = fisher_exact(table)
    elapsed = time.perf_counter() - start
    # fisher.test(matrix(c(20,18,25,10,14,12,11,15,22,20,15,30,12,9),ncol=2),
    #             workspace=2e9)$p.value
    assert p == pytest.approx(0.236783486254925, rel=1e-9)
    assert elapsed < 1.0


def test_fisher_two_by_two_agrees_with_scipy():
    rng = np.random.default_rng(1)
    for _ in range(25):
        table = rng.integers(0, 30, size=(2, 2))
        if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
            continue
        assert fisher_exact(table) == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


def test_fisher_ignores_empty_rows():
    # An all-zero "Missing" row carries no information.
    assert fisher_exact([[10, 2], [0, 0], [3, 15]]) == pytest.approx(0.000536724119143436)


def test_chi2_without_and_with_yates_matches_r():
    # chisq.test(matrix(c(10,3,2,15),2),correct=FALSE): X-squared 13.0316742081448, p 0.00030626663018355
    plain = pearson_chi2([[10, 2], [3, 15]])
    assert plain.statistic == pytest.approx(13.0316742081448, rel=1e-10)
    assert plain.p == pytest.approx(0.00030626663018355, rel=1e-8)
    assert plain.df == 1
    # chisq.test(matrix(c(10,3,2,15),2),correct=TRUE): X-squared 10.4581447963801, p 0.00122109851631151
    yates = pearson_chi2([[10, 2], [3, 15]], correction=True)
    assert yates.statistic == pytest.approx(10.4581447963801, rel=1e-10)
    assert yates.p == pytest.approx(0.00122109851631151, rel=1e-8)
    # chisq.test(matrix(c(40,47,50,52),2),correct=TRUE): X-squared 0.0736239166513003, p 0.786131640315708
    near_null = pearson_chi2([[40, 50], [47, 52]], correction=True)
    assert near_null.p == pytest.approx(0.786131640315708, rel=1e-8)


def test_chi2_r_by_c_matches_r_and_ignores_correction():
    table = [[20, 15], [18, 22], [25, 20], [10, 15], [14, 30]]
    # chisq.test(matrix(c(20,18,25,10,14,15,22,20,15,30),ncol=2)): X-squared 7.343804167435, df 4,
    # p 0.11879739540199 (R applies no continuity correction beyond 2 x 2)
    for correction in (False, True):
        result = pearson_chi2(table, correction=correction)
        assert result.statistic == pytest.approx(7.343804167435, rel=1e-10)
        assert result.df == 4
        assert result.p == pytest.approx(0.11879739540199, rel=1e-8)


def test_expected_counts():
    np.testing.assert_allclose(expected_counts([[10, 2], [3, 15]]), [[5.2, 6.8], [7.8, 10.2]])


def test_clopper_pearson_matches_binom_test():
    # binom.test(7,20)$conf.int -> 0.153909204784541 0.592188534532828
    assert clopper_pearson(7, 20) == pytest.approx((0.153909204784541, 0.592188534532828), rel=1e-9)
    # binom.test(0,12)$conf.int -> 0 0.264648469397051
    assert clopper_pearson(0, 12) == pytest.approx((0.0, 0.264648469397051), rel=1e-9)
    # binom.test(12,12)$conf.int -> 0.735351530602949 1
    assert clopper_pearson(12, 12) == pytest.approx((0.735351530602949, 1.0), rel=1e-9)
    # binom.test(62,102,conf.level=0.9)$conf.int -> 0.521822040756972 0.689054453603792
    assert clopper_pearson(62, 102, level=0.9) == pytest.approx(
        (0.521822040756972, 0.689054453603792), rel=1e-9
    )


def test_rounding_checks():
    # 8/10 = 80%, 4/14 = 28.571...% -> 28.6% (the worked arithmetic, not our code)
    assert rounds_to(8, 10, 80, 0)
    assert rounds_to(4, 14, 28.6, 1)
    assert not rounds_to(5, 14, 28.6, 1)
    assert consistent_counts(28.6, 1, 14) == [4]
    assert consistent_counts(50, 0, 7) == []
    # 1/3 = 33.3%: denominators up to 12 that admit 33.3% are the multiples of 3.
    assert consistent_denominators(33.3, 1, 12) == [3, 6, 9, 12]
    # Ties accepted either way: 1/8 = 12.5% prints as 12% (half-even) or 13% (half-up).
    assert rounds_to(1, 8, 12, 0) and rounds_to(1, 8, 13, 0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([[1, -1], [2, 3]], "negative"),
        ([[1.5, 1], [2, 3]], "non-integer"),
        ([1, 2, 3], "2-D"),
        ([[1, np.nan], [2, 3]], "missing"),
    ],
)
def test_bad_tables_are_rejected(table, message):
    with pytest.raises(ContingencyInputError, match=message):
        fisher_exact(table)


def test_bad_counts_are_rejected():
    with pytest.raises(ContingencyInputError, match="0 <= k <= n"):
        clopper_pearson(5, 4)
    with pytest.raises(ContingencyInputError, match="whole number >= 1"):
        rounds_to(0, 0, 0, 0)


def test_likelihood_ratio_chi2_matches_r_formula():
    # x<-matrix(c(8,2,2,5),2,byrow=TRUE); E<-outer(rowSums(x),colSums(x))/sum(x)
    # G<-2*sum(x*log(x/E)); pchisq(G,1,lower.tail=FALSE) -> G 4.6509870402986868, p 0.0310356968250935
    g = likelihood_ratio_chi2([[8, 2], [2, 5]])
    assert g.statistic == pytest.approx(4.6509870402986868, rel=1e-10)
    assert g.p == pytest.approx(0.0310356968250935, rel=1e-8)
    # same for matrix(c(20,15,18,22,25,20,10,15,14,30),ncol=2,byrow=TRUE), df 4 -> p 0.114255128902608
    g5 = likelihood_ratio_chi2([[20, 15], [18, 22], [25, 20], [10, 15], [14, 30]])
    assert g5.df == 4 and g5.p == pytest.approx(0.114255128902608, rel=1e-8)


def test_fisher_mid_p_matches_r_dhyper():
    # d<-dhyper(3:10,10,7,10); po<-dhyper(8,10,7,10)
    # sum(d[d<po*(1-1e-7)])+0.5*sum(d[abs(d-po)<=po*1e-7]) -> 0.0341166186754422
    assert fisher_mid_p([[8, 2], [2, 5]]) == pytest.approx(0.0341166186754422, rel=1e-9)
    # d<-dhyper(0:12,12,12,12); po<-dhyper(8,12,12,12); same sum -> 0.129736228235353
    assert fisher_mid_p([[8, 4], [4, 8]]) == pytest.approx(0.129736228235353, rel=1e-9)
    with pytest.raises(ContingencyInputError, match="2 x 2"):
        fisher_mid_p([[1, 2, 3], [3, 2, 1]])


# ------------------------------------------------------------------ rounds_to_printed
# Hand computations: 0.001452 to 3 places is 0.001; to 4 places 0.0015, then to 3 places
# 0.002 (half-up) -- the "rounded twice" reading of a printed p = 0.002.
def test_rounds_to_printed_directly():
    from inoreport.stats.contingency import rounds_to_printed

    assert rounds_to_printed(0.085293, ".085")
    assert rounds_to_printed(0.0517, "0.05")
    assert not rounds_to_printed(0.001452, "0.002")
    assert not rounds_to_printed(0.0575, "0.05")


def test_rounds_to_printed_twice_explains_a_double_rounding():
    from inoreport.stats.contingency import rounds_to_printed

    assert rounds_to_printed(0.001452, "0.002", twice=True)
    assert rounds_to_printed(0.445, "0.5", twice=True)  # 0.445 -> 0.45 -> 0.5
    assert not rounds_to_printed(0.445, "0.5")  # directly 0.4
    assert not rounds_to_printed(0.00144, "0.002", twice=True)  # 0.0014 -> 0.001


def test_rounds_to_printed_rejects_what_is_not_a_number():
    from inoreport.stats.contingency import ContingencyInputError, rounds_to_printed

    with pytest.raises(ContingencyInputError, match="printed value '<.0001'"):
        rounds_to_printed(0.00001, "<.0001")
    with pytest.raises(ContingencyInputError, match="finite"):
        rounds_to_printed(float("nan"), "0.05")


def test_scipy_chi_square_equals_the_textbook_sums():
    """pearson_chi2 and likelihood_ratio_chi2 are scipy's chi2_contingency; they equal the
    textbook sums over cells (Yates: |O - E| reduced by min(0.5, |O - E|), 2 x 2 only)."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        table = rng.integers(1, 40, size=tuple(rng.integers(2, 5, 2)))
        observed = table.astype(float)
        expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
        for correction in (False, True):
            deviation = np.abs(observed - expected)
            if correction and table.shape == (2, 2):
                deviation -= np.minimum(0.5, deviation)
            by_hand = np.sum(deviation**2 / expected)
            assert pearson_chi2(table, correction).statistic == pytest.approx(by_hand, rel=1e-13)
        g = 2 * np.sum(observed * np.log(observed / expected))
        assert likelihood_ratio_chi2(table).statistic == pytest.approx(g, rel=1e-12)


def test_clopper_pearson_agrees_with_scipy_binomtest():
    """Our limits are beta quantiles (as R's qbeta); scipy's binomtest finds them by root
    search and agrees to ~5e-13, not bit for bit."""
    from scipy import stats

    for n in (1, 5, 17, 62, 150):
        for k in range(n + 1):
            ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
            assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-11)
