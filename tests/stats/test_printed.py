"""Recomputed statistics against printed ones (inoreport.stats.printed).

Reference values are worked out by hand or come from R 4.2 (the command beside each).
"""

from __future__ import annotations

import numpy as np
import pytest

from inoreport.stats.printed import (
    TESTS,
    TWO_SIDED_TESTS,
    Comparison,
    candidate_pvalues,
    evaluate,
    p_matches,
    p_matches_rounded_twice,
    percent_check,
)


def test_p_matches_printed_precision():
    assert p_matches(0.0253, "0.03") and not p_matches(0.0124, "0.03")
    assert p_matches(0.00004, "<.0001") and not p_matches(0.0002, "<.0001")
    assert p_matches(0.2029, ".20") and not p_matches(0.2129, ".20")
    with pytest.raises(ValueError, match="expected a number"):
        p_matches(0.1, "n.s.")


def test_p_matches_rounded_twice_only_when_the_direct_rounding_misses():
    # 0.00145 -> 0.001 directly; 0.00145 -> 0.0015 -> 0.002 twice
    assert p_matches_rounded_twice(0.00145190839351, "0.002")
    # 0.00144 -> 0.0014 -> 0.001: no
    assert not p_matches_rounded_twice(0.00144112814167, "0.002")
    # a direct match is not a 'twice' match; bounds are never rounded
    assert not p_matches_rounded_twice(0.0253, "0.03")
    assert not p_matches_rounded_twice(0.00004, "<.0001")


def test_candidate_pvalues_of_a_two_by_two_table_against_r():
    # chisq.test(matrix(c(8,4,2,10),ncol=2), correct=FALSE / TRUE); fisher.test(...)
    ps = candidate_pvalues([[8, 2], [4, 10]], extra=True)
    assert ps["chi2"] == pytest.approx(0.0129829729301, rel=1e-9)
    assert ps["chi2_yates"] == pytest.approx(0.0384339302368, rel=1e-9)
    assert ps["fisher"] == pytest.approx(0.036074841836, rel=1e-7)
    assert set(TWO_SIDED_TESTS) <= set(ps) and len(TWO_SIDED_TESTS) == 7
    # a larger table gets the three tests only
    assert set(candidate_pvalues([[1, 2], [3, 4], [5, 6]], extra=True)) == set(TESTS)


def test_evaluate_keeps_the_table_that_matches():
    # two possible tables; only the second gives p = 0.01 under chi-square:
    # chisq.test(matrix(c(8,4,2,10),ncol=2), correct=FALSE)$p.value = 0.0130
    tables = [[[4, 2], [1, 5]], [[8, 2], [4, 10]]]
    cmp = Comparison(
        "x", "text", "x_p", "a_vs_b", "0.01", 0.01, [np.array(t) for t in tables],
        ["yes", "no"], "counts inferred (2 possible)", table_notes=["first", "second"],
    )  # fmt: skip
    rec = evaluate(cmp)
    assert rec["match_chi2"] and rec["n_match_chi2"] == 1 and rec["tables_chi2"] == "second"
    assert rec["chi2"] == pytest.approx(0.0129829729301, rel=1e-9)
    assert not rec["twice_chi2"] and rec["reproduced_by"].startswith("Pearson")


def test_percent_check_each_case_by_hand():
    # 63/102 = 61.76%: does not print as 61%
    both = percent_check(61, 0, 63, 102, 102)
    assert both["match"] is False and both["recomputed"] == pytest.approx(6300 / 102)
    # 24 relapses at 28%: 24/85 = 28.2, 24/86 = 27.9, 24/87 = 27.6 (24/84 = 28.6 does not)
    count_only = percent_check(28, 0, 24, None, 87)
    assert count_only["consistent_denominators"] == "85, 86, 87" and count_only["match"]
    # 88.2% of 85 is 75 (75/85 = 88.24%), and only 75
    n_only = percent_check(88.2, 1, None, 85, None)
    assert n_only["count"] == 75 and n_only["count_basis"] == "inferred"
    # 50% of an unknown denominator up to 4: 1/2, 2/4 -> denominators 2 and 4; count 2 of 4
    neither = percent_check(50, 0, None, None, 4)
    assert neither["consistent_denominators"] == "2, 4" and neither["consistent_counts"] == "2"
    assert "match" not in neither
