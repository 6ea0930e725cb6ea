"""The evidence page's sections (studies/evidence.py), checked against the papers' numbers
(through inoreport.published) and against independent computations (scipy, statsmodels,
arithmetic written out here), never against our own output copied in."""

from __future__ import annotations

import math

import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from inoreport import published
from inoreport.studies import evidence

ROCCA, ALCALDE = "rocca", "alcalde_mellado"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"


@pytest.fixture(scope="module")
def settings():
    return evidence.Settings()


@pytest.fixture(scope="module")
def comparisons():
    return {c.key: c for c in evidence.two_by_two_comparisons()}


@pytest.fixture(scope="module")
def sections(settings, comparisons):
    c = list(comparisons.values())
    return {
        "priors": evidence.prior_section(settings),
        "bayes": evidence.bayesian_section(settings),
        "evalues": evidence.evalue_section(settings, c),
        "mediation": evidence.mediation_section(settings),
        "fragility": evidence.fragility_section(settings, c),
        "scales": evidence.landmark_scale_section(settings),
        "precision": evidence.precision_section(settings, c),
    }


def _results(sections):
    return [r for s in sections.values() for r in s.results]


# --- Likelihoods and posteriors ----------------------------------------------------------


def test_likelihoods_are_the_published_hazard_ratios():
    likelihoods = evidence.hazard_ratio_likelihoods()
    assert set(likelihoods) == set(evidence.HAZARD_RATIOS)
    for key, (quantity, group, _, _) in evidence.HAZARD_RATIOS.items():
        row = published.get(ROCCA, quantity, group)
        lik = likelihoods[key]
        assert (lik.estimate, lik.ci_low, lik.ci_high) == (
            row["value"],
            row["ci_low"],
            row["ci_high"],
        )
        z = stats.norm.ppf(0.975)
        assert lik.se == pytest.approx(
            (math.log(row["ci_high"]) - math.log(row["ci_low"])) / (2 * z)
        )


def test_vague_posterior_is_the_published_likelihood(sections):
    # Under the vague prior the posterior is the data alone: the median is the published HR
    # and P(HR > 1) is the normal tail of ln HR with the SE implied by the printed CI.
    rows = {r["id"]: r for r in sections["bayes"].results}
    row = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    se = (math.log(row["ci_high"]) - math.log(row["ci_low"])) / (2 * stats.norm.ppf(0.975))
    vague = rows["rocca-bayes-ino_exposed-vague"]
    assert vague["value"] == pytest.approx(row["value"], rel=1e-3)
    assert vague["p_hr_above_1"] == pytest.approx(
        stats.norm.sf(0, math.log(row["value"]), se), abs=1e-3
    )


def test_sceptical_prior_pulls_every_estimate_towards_1(sections):
    rows = {r["id"]: r for r in sections["bayes"].results}
    for key in evidence.HAZARD_RATIOS:
        published_hr = rows[f"rocca-bayes-{key}-vague"]["published_hr"]
        sceptical = rows[f"rocca-bayes-{key}-sceptical"]["value"]
        assert abs(math.log(sceptical)) < abs(math.log(published_hr))
        assert (sceptical - 1) * (published_hr - 1) >= 0  # same side of 1


def test_bayes_rows_one_per_hazard_ratio_and_prior(sections):
    ids = [r["id"] for r in sections["bayes"].results]
    assert len(ids) == len(evidence.HAZARD_RATIOS) * 4
    assert all(f"rocca-bayes-{k}-sceptical" in ids for k in evidence.HAZARD_RATIOS)


def test_harm_threshold_is_a_parameter(comparisons):
    strict = evidence.bayesian_section(evidence.Settings(harm_hr=1.5))
    usual = evidence.bayesian_section(evidence.Settings())
    (frame, _), (usual_frame, _) = strict.tables["posteriors"], usual.tables["posteriors"]
    assert "P(HR > 1.5)" in frame.columns and "P(HR > 1.25)" in usual_frame.columns
    for a, b in zip(strict.results, usual.results, strict=True):
        assert a["harm_threshold"] == 1.5
        assert a["p_hr_above_harm"] < b["p_hr_above_harm"]


def test_sceptical_prior_interval_follows_the_settings():
    section = evidence.prior_section(evidence.Settings(sceptical_extreme_hr=3.0))
    assert section.glue["prior_low"] == f"{1 / 3:.2f}"
    assert section.glue["prior_high"] == "3.00"
    # sd = ln 3 / z(0.975); a prior with sd s is worth 4 / s**2 events
    sd = math.log(3) / stats.norm.ppf(0.975)
    assert section.glue["prior_events"] == f"{4 / sd**2:.0f}"


# --- The 2×2 comparisons -----------------------------------------------------------------


@pytest.mark.parametrize(
    "key, quantity",
    [
        ("early_death_30d", "early_death_30d_count"),
        ("crs_grade_3_4", "crs_grade_3_4_count"),
        ("icans_grade_3_4", "icans_grade_3_4_count"),
    ],
)
def test_safety_tables_are_the_printed_counts(comparisons, key, quantity):
    (table,) = comparisons[key].tables
    expected = []
    for g in (EXPOSED, NAIVE):
        row = published.get(ROCCA, quantity, g)
        expected += [int(row["value"]), int(row["n"])]
    assert table == tuple(expected)


def test_relapse_counts_fit_the_printed_percentages(comparisons):
    for e1, n1, e0, n0 in comparisons["relapse"].tables:
        for k, n, g in ((e1, n1, EXPOSED), (e0, n0, NAIVE)):
            row = published.get(ROCCA, "relapse_pct", g)
            assert round(100 * k / n, int(row["decimals"])) == pytest.approx(row["value"])
            assert k == published.value(ROCCA, "relapse_count", g)


def test_conversion_tables_fit_the_printed_percentages(comparisons):
    tables = comparisons["conversion"].tables
    assert len(tables) > 1
    for e1, n1, e0, n0 in tables:
        for k, n, g in ((e1, n1, "ino_arm"), (e0, n0, "chemo_arm")):
            row = published.get(ALCALDE, "htb_to_ltb_conversion_pct", g)
            assert round(100 * k / n, int(row["decimals"])) == pytest.approx(row["value"])
            assert n <= published.value(ALCALDE, "n_patients", g)


def test_route_in_words(comparisons):
    result = evidence.ev.fragility_index([[37, 18], [22, 28]])
    words = comparisons["icans_grade_3_4"].route(result)
    assert words.startswith(f"{result.index} more cases of grade 3–4 ICANS among")


# --- E-values ----------------------------------------------------------------------------


def test_count_evalues_follow_vanderweele_ding(sections, comparisons):
    # E-value of a risk ratio above 1: RR + sqrt(RR (RR - 1)); from the printed counts.
    rows = {r["id"]: r for r in sections["evalues"].results}
    (e1, n1, e0, n0) = comparisons["early_death_30d"].tables[0]
    rr = (e1 / n1) / (e0 / n0)
    row = rows["rocca-evalue-early_death_30d"]
    assert row["rr"] == pytest.approx(rr)
    assert row["value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)))


def test_adjusted_evalue_uses_the_common_outcome_conversion(sections):
    rows = {r["id"]: r for r in sections["evalues"].results}
    hr = published.value(ROCCA, "hr_pfs_ino_exposed", "model_1")
    rr = (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))
    row = rows["rocca-evalue-ino_exposed"]
    assert row["rr"] == pytest.approx(rr)
    assert row["value"] == pytest.approx(rr + math.sqrt(rr * (rr - 1)))


def test_event_risk_by_12_months_is_one_minus_published_pfs(sections):
    glue = sections["evalues"].glue
    for g, name in ((EXPOSED, "exposed"), (NAIVE, "naive")):
        pfs = published.value(ROCCA, "pfs_12mo", g)
        assert glue[f"pfs_event_12_{name}"] == f"{100 - pfs:.0f}%"


def test_active_disease_ratio_from_the_printed_counts(sections):
    share = {
        g: published.value(ROCCA, "status_active_count", g)
        / published.value(ROCCA, "n_patients", g)
        for g in (EXPOSED, NAIVE)
    }
    assert sections["evalues"].glue["active_ratio"] == f"{share[EXPOSED] / share[NAIVE]:.2f}"


# --- Fragility ---------------------------------------------------------------------------


def _walsh_by_hand(e1, n1, e0, n0, alpha=0.05):
    """Walsh 2014: events added to the group with fewer events until Fisher's p >= alpha."""
    steps = 0
    while stats.fisher_exact([[e1, n1 - e1], [e0, n0 - e0]])[1] < alpha:
        if e1 <= e0:
            e1 += 1
        else:
            e0 += 1
        steps += 1
    return steps


def test_icans_fragility_matches_walsh_by_hand(sections, comparisons):
    (table,) = comparisons["icans_grade_3_4"].tables
    found = sections["fragility"].data["results"][(ROCCA, "icans_grade_3_4", 0, "fisher")]
    assert found.kind == "fragility"
    assert found.index == _walsh_by_hand(*table)


def test_fragility_rows_name_printed_p_and_test(sections, comparisons):
    rows = [r for r in sections["fragility"].results if r["comparison"] == "Relapse (whole arm)"]
    assert rows
    printed = published.get(ROCCA, "relapse_p", f"{EXPOSED}_vs_{NAIVE}")["printed"]
    assert all(r["p_printed"] == printed for r in rows)
    assert {r["test"] for r in rows} >= {"fisher"}


# --- Precision ---------------------------------------------------------------------------


def test_risk_differences_are_newcombe_intervals(sections, comparisons):
    rows = {r["id"]: r for r in sections["precision"].results}
    (e1, n1, e0, n0) = comparisons["early_death_30d"].tables[0]
    low, high = confint_proportions_2indep(e1, n1, e0, n0, method="newcomb", compare="diff")
    row = rows["rocca-precision-early_death_30d"]
    assert row["value"] == pytest.approx(e1 / n1 - e0 / n0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-9)
    assert sections["precision"].glue["rd_early_death_30d_hi"] == f"{100 * high:.0f}"


def test_landmark_differences_start_from_the_published_survival(sections):
    rows = {r["id"]: r for r in sections["precision"].results}
    for endpoint in ("pfs", "os"):
        for months in (6, 12):
            key = f"{endpoint}_{months}mo"
            expected = (
                published.value(ROCCA, key, EXPOSED) - published.value(ROCCA, key, NAIVE)
            ) / 100
            row = rows[f"rocca-precision-{key}"]
            assert row["value"] == pytest.approx(expected)
            assert row["ci_low"] < row["value"] < row["ci_high"]


def test_figure_rows_match_the_table(sections):
    figure = sections["precision"].data["differences"]
    frame, _ = sections["precision"].tables["differences"]
    assert len(figure) == len(frame) == len(sections["precision"].results)
    assert set(figure.columns) == {"section", "label", "estimate", "ci_low", "ci_high"}


def test_landmark_scale_table_shows_every_printed_landmark(sections):
    frame, _ = sections["scales"].tables["scales"]
    assert len(frame) == 8 == sections["scales"].glue["n_landmarks"]
    for endpoint in ("pfs", "os"):
        for months in (6, 12):
            for g in (EXPOSED, NAIVE):
                printed = published.get(ROCCA, f"{endpoint}_{months}mo", g)["printed"]
                assert any(text.startswith(f"{printed}%") for text in frame["Printed"])


# --- The page as a whole -----------------------------------------------------------------


def test_every_result_has_a_unique_id_and_a_method(sections):
    results = _results(sections)
    ids = [r["id"] for r in results]
    assert len(ids) == len(set(ids))
    assert all(r["method"] and r["study"] in (ROCCA, ALCALDE) for r in results)


def test_glue_names_do_not_collide_across_sections(sections):
    seen = set()
    for section in sections.values():
        assert not (seen & set(section.glue))
        seen |= set(section.glue)


def test_bounds_are_the_published_adjusted_and_the_crude_landmark_hr(sections):
    glue = sections["mediation"].glue
    row = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    assert glue["bound_adjusted"] == (
        f"HR {row['value']:.2f} ({row['ci_low']:.2f}–{row['ci_high']:.2f})"
    )
    # crude: ln S_exposed / ln S_naive at 12 months
    s1 = published.value(ROCCA, "pfs_12mo", EXPOSED) / 100
    s0 = published.value(ROCCA, "pfs_12mo", NAIVE) / 100
    assert glue["bound_crude"].startswith(f"HR {math.log(s1) / math.log(s0):.2f} (")
