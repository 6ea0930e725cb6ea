"""The synthesis page's tables and glue values (studies/synthesis.py), checked against the
papers' numbers (through inoreport.published) and independent computations."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from inoreport import published
from inoreport.studies import synthesis

ROCCA, ALCALDE = "rocca", "alcalde_mellado"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"


@pytest.fixture(scope="module")
def glance():
    return synthesis.studies_at_a_glance()


@pytest.fixture(scope="module")
def answers():
    return synthesis.answers_glue()


@pytest.fixture(scope="module")
def safety():
    return synthesis.safety_comparisons()


def test_one_column_per_study_with_its_published_size(glance):
    assert list(glance.columns) == [
        "ROCCA (Aldoss 2024)",
        "Alcalde-Mellado 2025",
        "Aertgeerts 2025",
        "Jabbour 2023",
    ]
    for column, study in zip(glance.columns, published.STUDIES, strict=True):
        n = published.value(study, "n_patients", "all")
        assert glance.loc["Patients", column].startswith(f"{n:.0f}")
    assert glance.loc["Patients", "ROCCA (Aldoss 2024)"].endswith(
        f"({published.value(ROCCA, 'n_patients', EXPOSED):.0f} InO-exposed)"
    )


def test_main_results_quote_the_printed_p_values(glance):
    rocca_p = published.get(ROCCA, "pfs_p", f"{EXPOSED}_vs_{NAIVE}")["printed"]
    assert f"(p = {rocca_p.lstrip('0')})" in glance.loc["Main result", "ROCCA (Aldoss 2024)"]
    alcalde_p = published.get(ALCALDE, "efs_12mo_p", "ino_arm_vs_chemo_arm")["printed"]
    assert f"(p = {alcalde_p.lstrip('0')})" in glance.loc["Main result", "Alcalde-Mellado 2025"]


def test_secondary_sources_are_named_beside_jabbour_numbers(glance):
    source = published.provenance("jabbour", "pfs_5y", "all")
    assert source, "Jabbour's 5-year PFS comes from a secondary report"
    assert f"({source})" in glance.loc["Main result", "Jabbour 2023"]


def test_twelve_month_points_are_the_published_values():
    points = synthesis.twelve_month_event_free()
    assert list(points["section"].unique()) == ["ROCCA (PFS)", "Alcalde-Mellado (EFS)"]
    exposed = points[points["label"] == "InO-exposed (any time)"].iloc[0]
    row = published.get(ROCCA, "pfs_12mo", EXPOSED)
    assert (exposed.value, exposed.ci_low, exposed.ci_high) == (
        row["value"],
        row["ci_low"],
        row["ci_high"],
    )
    ino = points[points["label"] == "InO bridging"].iloc[0]
    assert ino.value == published.value(ALCALDE, "efs_12mo", "ino_arm")
    assert math.isnan(ino.ci_low)  # the abstract prints no interval


def test_case_series_interval_is_clopper_pearson(answers):
    n = int(published.value("aertgeerts", "n_patients", "all"))
    low = stats.beta.ppf(0.025, n, 1)  # exact lower limit for n/n; the upper is 1
    assert answers["syn_aert_n"] == f"{n}"
    assert answers["syn_aert_ci"] == f"{100 * low:.0f}–100%"


def test_conversion_and_efs_as_printed(answers):
    assert answers["syn_conv_ino"] == (
        published.get(ALCALDE, "htb_to_ltb_conversion_pct", "ino_arm")["printed"] + "%"
    )
    assert answers["syn_conv_chemo"] == (
        published.get(ALCALDE, "htb_to_ltb_conversion_pct", "chemo_arm")["printed"] + "%"
    )
    assert answers["syn_efs_ltb"] == (
        published.get(ALCALDE, "efs_12mo", "ltb_at_infusion")["printed"] + "%"
    )


def test_crude_difference_direction_and_size(answers):
    gap = published.value(ROCCA, "pfs_12mo", EXPOSED) - published.value(ROCCA, "pfs_12mo", NAIVE)
    direction = "lower" if gap < 0 else "higher"
    assert answers["syn_rocca_diff"] == f"{abs(gap):.0f} percentage points {direction}"


def test_vague_prior_probability_of_harm_is_the_normal_tail(answers):
    row = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    se = (math.log(row["ci_high"]) - math.log(row["ci_low"])) / (2 * stats.norm.ppf(0.975))
    p = stats.norm.sf(0, math.log(row["value"]), se)
    assert answers["syn_p_harm_vague"] == f"{100 * p:.0f}%"


def test_jabbour_survival_by_age_lists_three_groups(answers):
    text = answers["syn_jab_os_age"]
    for group, variant in (
        ("age_60_64", None),
        ("age_65_69", None),
        ("age_70_plus", "three_groups"),
    ):
        assert f"{published.value('jabbour', 'os_median', group, variant):g} months" in text
    assert "p = " in text or "p < " in text


def test_safety_glue_uses_the_printed_counts(safety):
    glue = synthesis.safety_glue(safety)
    assert glue["saf_sos_all"] == f"{published.value(ROCCA, 'sos_deaths_count', 'all'):.0f}"
    row = published.get(ROCCA, "icans_grade_3_4_count", EXPOSED)
    assert glue["saf_icans"].startswith(f"{int(row['value'])}/{int(row['n'])} (")
    printed = published.get(ROCCA, "early_death_30d_p", f"{EXPOSED}_vs_{NAIVE}")["printed"]
    assert glue["saf_early_p"] == printed.lstrip("0")
    words = published.related_get("zuma3_prior_therapy", "severe_toxicity_across_subgroups")
    assert glue["saf_zuma_words"] == words["printed"]


def test_safety_table_one_row_per_comparison(safety):
    shown = synthesis.safety_shown(safety)
    assert len(shown) == len(safety)
    sos = shown[shown["Outcome"].str.startswith("Death from SOS")].iloc[0]
    # no p printed for the SOS deaths: the cell says so and gives the recomputed one
    assert sos["Published p (what it compares)"].startswith("none printed; recomputed p = ")
    # differences use a true minus sign, never "-0"
    assert not shown["Difference, points (95% CI)"].str.contains("-").any()


def test_related_table_names_each_study_once():
    shown = synthesis.related_shown()
    table = synthesis.related_evidence_table()
    assert len(shown) == len(table)
    names = [s for s in shown["Study"] if s]
    assert names == list(pd.unique(table["study"]))
    assert (shown.loc[shown["Study"] == "", "Source"] == "").all()
