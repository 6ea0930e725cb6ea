"""ROCCA safety tables against the paper (Aldoss 2024, Table 2 and Results text) and R.

Reference values were computed in R 4.2.2 with base ``stats``:
Newcombe's hybrid score interval as Newcombe (1998) method 10 by hand from the Wilson
limits of ``prop.test(k, n, correct = FALSE)$conf.int``; p-values from
``chisq.test(m, correct = FALSE)`` and ``fisher.test(m)``; Fisher power by enumerating
every (a, b) with ``fisher.test`` and summing ``dbinom(a, n1, p1) * dbinom(b, n0, p0)``.
"""

import pytest

from inoreport.studies.rocca import safety

# (outcome, basis) -> paper's counts, its printed percentages (exposed, naive), and R's
# Newcombe limits (proportions), chisq.test and fisher.test p-values.
EXPECTED = {
    ("Grade 3–4 CRS", "patients with CRS"): dict(
        counts=(15, 86, 5, 71), printed=(17, 7), ci=(-0.0027427370, 0.2057850385),
        chi2=0.0517478893, fisher=0.0579674178,
    ),
    ("Grade 3–4 CRS", "all infused patients"): dict(
        counts=(15, 102, 5, 87), printed=(15, 6), ci=(-0.0000537146, 0.1773820708),
        chi2=0.0459742394, fisher=0.0578747522,
    ),
    ("Grade 3–4 ICANS", "patients with ICANS"): dict(
        counts=(37, 55, 22, 50), printed=(67, 44), ci=(0.0427376160, 0.4012292153),
        chi2=0.0163722841, fisher=0.0191797219,
    ),
    ("Grade 3–4 ICANS", "all infused patients"): dict(
        counts=(37, 102, 22, 87), printed=(36, 25), ci=(-0.0228469320, 0.2350924651),
        chi2=0.1042225552, fisher=0.1170647073,
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def toxicity():
    return safety.severe_toxicity_table().set_index(["outcome", "basis"])


@pytest.fixture(scope="module")
def deaths():
    return safety.early_and_sos_deaths().set_index("outcome")


def test_severe_toxicity_has_one_row_per_outcome_and_basis(toxicity):
    assert set(toxicity.index) == set(EXPECTED)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_severe_toxicity_counts_are_the_papers(toxicity, key):
    r, e = toxicity.loc[key], EXPECTED[key]
    assert (r.exposed_events, r.exposed_n, r.naive_events, r.naive_n) == e["counts"]
    # the percentages as Table 2 (patients with the event) or the text (all patients) print
    assert (round(r.exposed_pct), round(r.naive_pct)) == e["printed"]


@pytest.mark.parametrize("key", list(EXPECTED))
def test_severe_toxicity_newcombe_interval_matches_r(toxicity, key):
    r, e = toxicity.loc[key], EXPECTED[key]
    k1, n1, k0, n0 = e["counts"]
    assert r.difference_pp == pytest.approx(100 * (k1 / n1 - k0 / n0), abs=1e-9)
    assert (r.ci_low_pp, r.ci_high_pp) == pytest.approx(
        (100 * e["ci"][0], 100 * e["ci"][1]), abs=1e-7
    )


@pytest.mark.parametrize("key", list(EXPECTED))
def test_severe_toxicity_p_values_match_r(toxicity, key):
    r, e = toxicity.loc[key], EXPECTED[key]
    assert r.chi2_p == pytest.approx(e["chi2"], rel=1e-7)
    assert r.fisher_p == pytest.approx(e["fisher"], rel=1e-6)


def test_published_p_sits_only_beside_the_comparison_it_tests(toxicity):
    # Table 2 prints p = .05 (CRS) and .02 (ICANS) for the grade split among patients with
    # the event; the text prints no p for the whole-arm percentages.
    assert toxicity.loc[("Grade 3–4 CRS", "patients with CRS"), "published_p"] == 0.05
    assert toxicity.loc[("Grade 3–4 ICANS", "patients with ICANS"), "published_p"] == 0.02
    for key in [k for k in EXPECTED if k[1] == "all infused patients"]:
        assert toxicity.loc[key, "published_p_text"] == ""
        assert toxicity.loc[key, "published_p"] != toxicity.loc[key, "published_p"]  # NaN


def test_the_papers_test_reproduces_its_printed_grade_p_values(toxicity):
    for key in [("Grade 3–4 CRS", "patients with CRS"), ("Grade 3–4 ICANS", "patients with ICANS")]:
        r = toxicity.loc[key]
        assert round(r.chi2_p, 2) == r.published_p


def test_early_deaths_are_the_papers(deaths):
    r = deaths.loc["Death within 30 days of infusion"]
    assert (r.exposed_events, r.exposed_n, r.naive_events, r.naive_n) == (10, 102, 3, 87)
    assert (round(r.exposed_pct, 1), round(r.naive_pct, 1)) == (9.8, 3.4)  # text, one decimal
    assert r.published_p_text == ".085"
    assert round(r.chi2_p, 3) == 0.085
    assert (r.ci_low_pp, r.ci_high_pp) == pytest.approx((-1.24658852, 14.00856223), abs=1e-6)
    assert r.fisher_p == pytest.approx(0.1470890321, rel=1e-6)


def test_sos_deaths_are_four_with_three_exposed(deaths):
    r = deaths.loc[[o for o in deaths.index if o.startswith("Death from SOS")][0]]
    assert (r.exposed_events, r.naive_events) == (3, 1)
    assert r.exposed_events + r.naive_events == 4
    assert (r.ci_low_pp, r.ci_high_pp) == pytest.approx((-3.64254780, 7.22663759), abs=1e-6)
    assert r.fisher_p == pytest.approx(0.6257892188, rel=1e-6)


def test_what_the_tests_can_exclude_matches_r():
    frame = safety.what_the_tests_can_exclude().set_index(["outcome", "basis"])
    icans = frame.loc[("Grade 3–4 ICANS", "patients with ICANS")]
    # R: Fisher power by enumeration at the observed risks 37/55 and 22/50
    assert icans.power_observed == pytest.approx(0.6229321265, abs=1e-8)
    # R chisq.test, naive non-events made events: 23/50 p = .0278, 24/50 p = .0456,
    # 25/50 p = .0722 -> 3 patients (Walsh)
    assert (icans.fragility_kind, icans.fragility) == ("fragility", 3)
    assert (icans.fragility_arm, icans.fragility_change) == ("InO-naïve", "more events")
    early = frame.loc[("Death within 30 days of infusion", "all infused patients")]
    # R chisq.test: 10/102 vs 2/87 gives p = .0349 (< .05) -> one naive death fewer suffices
    assert (early.fragility_kind, early.fragility) == ("reverse fragility", 1)
    assert (early.fragility_arm, early.fragility_change) == ("InO-naïve", "fewer events")
    # the detectable risk is above the naive risk and below 100%
    assert 3 / 87 * 100 < early.detectable_exposed_pct < 100


def test_shown_table_prints_the_papers_numbers_and_p_beside_its_comparison():
    import pandas as pd

    shown = safety.shown_table(
        pd.concat([safety.severe_toxicity_table(), safety.early_and_sos_deaths()])
    ).set_index("Outcome (denominator)")
    early = shown.loc["Death within 30 days of infusion (of all)"]
    assert early["InO-exposed"] == "10/102 (9.8%)" and early["InO-naïve"] == "3/87 (3.4%)"
    assert early["Published p"] == ".085"
    assert shown.loc["Grade 3–4 ICANS (of all)", "Published p"] == "none"
    assert shown.loc["Grade 3–4 ICANS (of patients with the syndrome)", "Published p"] == "0.02"
    # a lower limit just below zero is not shown as a bare "-0.0"
    assert "0.0 to" not in shown.loc["Grade 3–4 CRS (of all)", "Difference, points (95% CI)"]
