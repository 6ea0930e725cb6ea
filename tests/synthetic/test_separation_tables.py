"""The generator's fast log-rank and Kaplan–Meier tables (synthetic.separation,
synthetic.fastsurv.km_table) against the project's survival toolkit, which is checked
against R's survival (tests/stats): the same χ², observed and expected events and medians,
computed once for several groupings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from inoreport.stats import survival
from inoreport.synthetic import fastsurv, separation


@pytest.fixture(scope="module")
def lung_ecog(lung) -> pd.DataFrame:
    data = lung.dropna(subset=["ph.ecog"]).copy()
    data = data[data["ph.ecog"] < 3]  # three groups: ECOG 0, 1, 2
    data["ecog"] = data["ph.ecog"].astype(int)
    return data


def test_k_group_logrank_matches_the_toolkit(lung_ecog):
    d = lung_ecog
    reference = survival.logrank(d, "time", "status", "ecog")
    chisq = separation.logrank_chisq(d["time"], d["status"], d["ecog"], 3)
    assert chisq == pytest.approx(reference.chisq, rel=1e-10)
    scores, var = separation.logrank_scores(d["time"], d["status"], d["ecog"], 3)
    table = reference.table.set_index("group")
    observed_minus_expected = (table["observed"] - table["expected"]).to_numpy()
    assert scores == pytest.approx(observed_minus_expected, abs=1e-9)
    assert np.allclose(var.sum(axis=0), 0, atol=1e-9)  # the scores sum to zero
    # on the z scale of a two-sided p: the p of the 2-df test
    assert separation.z_of_chisq(chisq, 2) == pytest.approx(separation.z_of_p(reference.p))


def test_two_group_score_is_the_signed_logrank_z(lung):
    in_a = (lung["sex"] == 1).to_numpy()
    scores, var = separation.logrank_scores(lung["time"], lung["status"], (~in_a).astype(int), 2)
    z = separation.signed_z_of_scores(scores, var)
    assert z == pytest.approx(separation.logrank_z(lung["time"], lung["status"], in_a))
    reference = survival.logrank(lung, "time", "status", "sex")
    assert z**2 == pytest.approx(reference.chisq, rel=1e-10)
    assert separation.z_of_chisq(z**2, 1) == pytest.approx(abs(z))


def test_one_table_serves_medians_landmarks_and_every_grouping(lung_ecog):
    d = lung_ecog
    t, e = d["time"].to_numpy(float), d["status"].to_numpy(int)
    ecog, male = d["ecog"].to_numpy(), (d["sex"] == 1).to_numpy()
    member = np.column_stack(
        [np.ones(len(d)), ecog == 0, ecog == 1, ecog == 2, male, ~male, ecog == 0]
    )
    times, at_risk, deaths, surv = fastsurv.km_table(t, e, member)
    medians = fastsurv.table_medians(times, deaths, surv)
    assert np.array_equal(medians, fastsurv.km_medians(t, e, member.T.astype(bool)), True)
    assert np.array_equal(
        fastsurv.table_at(times, surv[:, 0], [180, 365]), fastsurv.km_at(t, e, [180, 365])
    )
    # the ECOG and sex groupings from the same table (each splits every patient) ...
    blocks = [np.array([1, 2, 3]), np.array([4, 5])]
    (s3, v3), (s2, v2) = separation.logrank_scores_of_table(at_risk, deaths, blocks)
    assert separation.chisq_of_scores(s3, v3) == pytest.approx(
        survival.logrank(d, "time", "status", "ecog").chisq, rel=1e-10
    )
    assert separation.chisq_of_scores(s2, v2) == pytest.approx(
        survival.logrank(d, "time", "status", "sex").chisq, rel=1e-10
    )
    # ... and a grouping of part of the cohort (ECOG 0 against 1) block by block
    part = d[d["ecog"] < 2]
    (s, v), (_, _) = separation.logrank_scores_of_table(
        at_risk, deaths, [np.array([6, 2]), np.array([4, 5])]
    )
    assert s[0] ** 2 / v[0, 0] == pytest.approx(
        survival.logrank(part, "time", "status", "ecog").chisq, rel=1e-10
    )


def test_expected_logrank_of_a_model_follows_its_hazard_ratio():
    grid = np.arange(0.0, 61.0)
    n = 200
    worse = np.arange(n) < n // 2
    rate = np.where(worse, 0.04, 0.02)  # hazard ratio 2 for the first half
    curves = np.exp(-rate[:, None] * grid[None, :])
    censor = np.full(n, 60.0)
    at_risk, events = separation.expected_logrank_table(
        curves, grid, censor, np.column_stack([worse, ~worse])
    )
    assert events.sum() == pytest.approx(np.sum(1 - curves[:, -1]))
    scores, var = separation.logrank_scores_of_table(at_risk, events, [np.array([0, 1])])[0]
    z = separation.signed_z_of_scores(scores, var)
    # Schoenfeld: log(HR) / sqrt(1/d_a + 1/d_b), within a few percent
    d_a, d_b = events.sum(axis=0)
    assert z == pytest.approx(np.log(2) / np.sqrt(1 / d_a + 1 / d_b), rel=0.1)
    same = separation.expected_logrank_scores(np.vstack([curves[:1]] * n), grid, censor, worse, 2)
    assert same[0] == pytest.approx(np.zeros(2), abs=1e-12)


def test_chisq_to_z_is_the_two_sided_z_of_its_p():
    for chisq in (0.5, 4.41, 6.08, 20.0):
        assert separation.z_of_chisq(chisq, 2) == pytest.approx(
            stats.norm.isf(stats.chi2.sf(chisq, 2) / 2), rel=1e-12
        )
