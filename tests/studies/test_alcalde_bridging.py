"""studies.alcalde_mellado.chapter and .bridging: the bridging chapter's report functions,
checked against the abstract's numbers (data/published) and independent computations
(scipy, lifelines)."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest
from scipy import stats

from inoreport import paths, published
from inoreport.book.chapters import get_chapter
from inoreport.studies import target_roles
from inoreport.studies.alcalde_mellado import bridging
from inoreport.studies.alcalde_mellado.horizon import censored_at

STUDY = "alcalde_mellado"
SHIPPED = paths.SYNTHETIC / "alcalde_mellado.csv"


def _parameters(cohort_path):
    return {**get_chapter("alcalde_bridging").defaults, "cohort_path": str(cohort_path)}


def _open(parameters):
    cohort = get_chapter("alcalde_bridging").load_cohort(**parameters)
    return bridging.open_chapter(cohort, parameters["landmarks"])


@pytest.fixture(scope="module")
def chapter():
    return _open(_parameters(SHIPPED))


@pytest.fixture(scope="module")
def own_chapter(tmp_path_factory):
    # the same rows in a file of the user's: not the generator's cohort, so nothing is
    # calibrated and no horizon applies
    path = tmp_path_factory.mktemp("own") / "my_cohort.csv"
    shutil.copy(SHIPPED, path)
    return _open({**_parameters(path), "synthetic": False})


def test_roles_and_horizon_come_from_the_generators_record(chapter, own_chapter):
    assert chapter.synthetic and chapter.roles == target_roles(STUDY)
    assert chapter.horizon == 12.0  # the abstract's only EFS landmark
    assert chapter.role("efs_12mo", "ino_arm") == "calibrated"
    # the EFS p-value is a calibration target (log-rank to 12 months, issue 19)
    assert chapter.role("efs_12mo_p", "ino_arm_vs_chemo_arm") == "calibrated"
    with pytest.raises(KeyError, match="was not a target"):
        chapter.role("n_figures", "all")
    assert own_chapter.roles == {} and own_chapter.horizon is None
    assert own_chapter.role("efs_12mo", "ino_arm") == "held_out"


def test_opening_quotes_the_published_arm_sizes(chapter):
    glue = chapter.opening_glue()
    assert glue["n_total"] == 24 and glue["n_ino"] == 10 and glue["n_chemo"] == 14
    assert glue["n_cohort"] == 24 and glue["horizon"] == "12"
    assert (
        "**synthetic** cohort: 24 patients (10 InO, 14 chemotherapy/steroids)"
        in (glue["cohort_banner"])
    )


def test_a_cohort_with_three_groups_is_refused(tmp_path):
    frame = pd.read_csv(SHIPPED)
    frame.loc[frame.index[:3], "bridging"] = "steroids only"
    path = tmp_path / "three.csv"
    frame.to_csv(path, index=False)
    parameters = {**_parameters(path), "group_labels": None, "group_order": None}
    parameters["reference"] = None
    with pytest.raises(ValueError, match="three.csv, column 'bridging': 3 groups"):
        _open(parameters)


def test_published_table_prints_the_abstract():
    table = bridging.published_table(_open(_parameters(SHIPPED)))
    patients = table.set_index("").loc["Patients"]
    assert patients["InO (published)"] == "10"
    assert patients["Chemotherapy/steroids (published)"] == "14"
    expansion = table.iloc[1]
    assert (
        expansion["InO (published)"]
        == published.get(STUDY, "car_t_expansion_median", "ino_arm")["printed"]
    )
    assert expansion["p (test not stated)"] == "0.011"  # the abstract's p for expansion


def test_w_values_reproduce_the_printed_p_exactly(chapter):
    result = bridging.expansion(chapter)
    n_a, n_b = result.n_published
    assert (n_a, n_b) == (10, 14)
    assert len(result.consistent) >= 1
    for w in result.consistent["w"]:
        # InO lower: W below half the pairs; scipy's exact two-sided p prints as 0.011
        assert w < n_a * n_b / 2
        assert round(_exact_mann_whitney_p(int(w), n_a, n_b), 3) == 0.011
    # and the neighbouring W on either side do not
    for w in (result.consistent["w"].min() - 1, result.consistent["w"].max() + 1):
        assert round(_exact_mann_whitney_p(int(w), n_a, n_b), 3) != 0.011
    glue = bridging.expansion_glue(chapter, result)
    assert glue["w_pairs"] == n_a * n_b
    assert glue["exp_pub_a"] == f"{published.value(STUDY, 'car_t_expansion_median', 'ino_arm'):g}"


def _exact_mann_whitney_p(w: int, n_a: int, n_b: int) -> float:
    # samples with no ties and exactly w (first, second) pairs where first > second
    first, second = [], list(range(n_b))
    remaining = w
    for _ in range(n_a):
        above = min(remaining, n_b)
        first.append(above - 0.5)  # higher than `above` of the second sample
        remaining -= above
    return stats.mannwhitneyu(first, second, method="exact").pvalue


def test_expansion_test_matches_scipy(chapter):
    result = bridging.expansion(chapter)
    reference = stats.mannwhitneyu(result.first, result.second, method="asymptotic")
    if not result.test.ties:
        reference = stats.mannwhitneyu(result.first, result.second, method="exact")
    assert result.test.statistic == pytest.approx(reference.statistic)
    assert result.test.p == pytest.approx(reference.pvalue, rel=1e-6)


def test_efs_by_arm_matches_lifelines(chapter):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    result = bridging.efs_by_arm(chapter)
    cut = censored_at(chapter.data, 12.0)
    a, b = (cut[cut["group"] == g] for g in chapter.arms)
    reference = logrank_test(a["time"], b["time"], a["event"], b["event"])
    assert result.logrank.p == pytest.approx(reference.p_value, rel=1e-9)
    for arm in chapter.arms:
        sub = chapter.data[chapter.data["group"] == arm]
        km = KaplanMeierFitter().fit(sub["time"], sub["event"])
        expected = float(km.survival_function_at_times(12.0).iloc[0])
        assert result.landmarks.loc[arm, "survival"] == pytest.approx(expected)
    table = bridging.efs_table(chapter, result)
    assert table["Published EFS at 12 months"].tolist() == [
        f"{published.value(STUDY, 'efs_12mo', g):g}%" for g in ("ino_arm", "chemo_arm")
    ]


def test_power_glue_from_the_published_numbers(chapter):
    result = bridging.power(chapter, n_sim=200)
    p_a, p_b = (published.value(STUDY, "efs_12mo", g) / 100 for g in ("ino_arm", "chemo_arm"))
    assert (result.first, result.second) == (pytest.approx(p_a), pytest.approx(p_b))
    glue = bridging.power_glue(result)
    assert glue["diff_pub"] == f"{100 * (p_a - p_b):+.1f}".replace("-", "−")
    # the hazard ratio under proportional hazards from two landmark survivals
    assert float(glue["hr_pub"]) == pytest.approx(math.log(p_a) / math.log(p_b), abs=0.005)
    # 80% power is reached at the quoted EFS with InO (Fisher), not one point above it
    low = float(glue["detect_low"].rstrip("%")) / 100
    fisher = result.curves[result.curves["method"] == result.fisher].set_index("value")
    assert fisher.loc[round(low - 0.01, 2), "power"] >= 0.8 - 0.02
    assert fisher.loc[round(low + 0.02, 2), "power"] < 0.8


def test_scorecard_rows_carry_their_published_keys(chapter, own_chapter):
    for run in (chapter, own_chapter):
        expansion = bridging.expansion(run)
        efs = bridging.efs_by_arm(run)
        scm = bridging.scm_test(run)
        rows = bridging.scorecard(run, expansion, efs, scm)
        assert len(rows) == 7
        for row in rows:
            assert row.key is not None, row.statistic
            if isinstance(row.published, float):
                assert row.published == pytest.approx(published.value(STUDY, *row.key))
            if row.role != "exact":
                expected = chapter.roles[row.key] if run is chapter else "held_out"
                assert row.role == expected, row.statistic
        assert rows[0].role == "exact" and rows[0].match
        horizon_words = "follow-up to 12 months" if run is chapter else "EFS p (log-rank)"
        assert horizon_words in rows[5].statistic
        # a p-value row is met when it prints as the abstract printed it
        for row in rows[5:]:
            text = published.get(STUDY, *row.key)["printed"]
            decimals = len(text.split(".")[1])
            assert row.match == (round(row.reproduced, decimals) == float(text)), row.statistic
    # on the shipped cohort both p-values were fitted and print as published
    rows = bridging.scorecard(
        chapter,
        bridging.expansion(chapter),
        bridging.efs_by_arm(chapter),
        bridging.scm_test(chapter),
    )
    assert all(r.match for r in rows[5:])


def test_efs_sentence_says_the_p_was_fitted_or_compares_it(chapter, own_chapter):
    fitted = str(bridging.efs_glue(chapter, bridging.efs_by_arm(chapter))["efs_p_sentence"])
    assert "fitted to that p as well" in fitted and "follow-up up to 12 months" in fitted
    own = str(bridging.efs_glue(own_chapter, bridging.efs_by_arm(own_chapter))["efs_p_sentence"])
    assert "fitted" not in own and "the published value" in own


def test_scm_sentence_without_scm_values(tmp_path):
    frame = pd.read_csv(SHIPPED).drop(columns=["cd8_scm_pct"])
    path = tmp_path / "no_scm.csv"
    frame.to_csv(path, index=False)
    run = _open(_parameters(path))
    assert bridging.scm_test(run) is None
    assert "no `cd8_scm` column" in bridging.scm_glue(run, None)["scm_text"]
