"""studies.jabbour report functions, checked against the paper's numbers (data/published,
read through inoreport.published) and against independent computations (scipy's exact
binomial interval, hand-counted Kaplan–Meier and cumulative incidence)."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from scipy.stats import binomtest

from inoreport import paths, published
from inoreport.book.chapters import get_chapter
from inoreport.book.page import Table
from inoreport.studies import target_roles
from inoreport.studies.jabbour import (
    competing,
    durability,
    regimen,
    report,
    response,
    safety,
    subgroups,
)
from inoreport.studies.jabbour import scorecard as card


def paper(quantity, group="all", variant=None):
    return published.get("jabbour", quantity, group, variant)


def exact_ci_percent(k, n):
    ci = binomtest(k, n).proportion_ci(method="exact")
    return 100 * ci.low, 100 * ci.high


@pytest.fixture(scope="module")
def page():
    chapter = get_chapter("jabbour")
    cohort = chapter.load_cohort(paths.SYNTHETIC / "jabbour.csv", **{
        k: v for k, v in chapter.defaults.items() if k not in ("cohort_path", "landmarks")
    })  # fmt: skip
    return report.prepare(cohort, [24, 60], record=[])


@pytest.fixture(scope="module")
def found(page):
    return subgroups.comparisons(page)


# --- published numbers and their sources ---------------------------------------------


def test_sources_are_named_as_the_chapter_names_them():
    assert report.source_of(paper("n_cri", variant="eha2022")) == "EHA 2022 conference abstract"
    assert "news report" in report.source_of(paper("pfs_median", "ctg_high_risk"))


def test_bottom_line_prints_the_published_numbers():
    text = report.bottom_line()
    assert f"{paper('pfs_2y')['printed']}% at 2 years" in text["bl_pfs"]
    assert f"{paper('os_5y')['printed']}% at 5 years" in text["bl_os"]
    assert f"p = {paper('pfs_median_p', 'ctg_high_risk_vs_not')['printed']}" in text["bl_ctg"]
    assert f"of the {int(paper('n_patients')['value'])} patients" in text["bl_safety"]


def test_estimate_with_interval():
    assert report.with_ci(0.5123, 0.4, 0.61, scale=100) == "51.2 (40.0–61.0)"
    assert report.with_ci(float("nan"), 1.0, 2.0) == "not reached"
    assert report.with_ci(12.0, 8.5, float("nan")) == "12.0 (8.5–NR)"
    assert report.with_ci(0.0, float("nan"), float("nan")) == "0"


# --- regimen ------------------------------------------------------------------------


def test_transcribed_doses_add_up_to_the_printed_ones():
    doses = regimen.ino_doses(regimen.read())
    rows = regimen.dose_scorecard(doses)
    assert doses.amended.low == pytest.approx(paper("ino_dose_cumulative_max", "amended")["value"])
    assert doses.amended_cycle1 == pytest.approx(paper("ino_dose_cycle1", "amended")["value"])
    n_after = paper("n_patients")["value"] - paper("amendment_first_patient")["value"] + 1
    assert n_after == paper("n_post_amendment")["value"]
    assert all(r.match and r.role == "exact" for r in rows)
    assert "matches the maximum" in regimen.regimen_text(regimen.read(), doses)["regimen_paragraph"]


# --- response -----------------------------------------------------------------------


def test_recovered_counts_round_to_the_printed_percentages():
    counts = response.response_counts()
    for k, n, quantity in (
        (counts.n_resp, counts.n_eval, "orr_pct"),
        (counts.n_mrd, counts.n_mrd_eligible, "mrd_negative_pct"),
        (counts.n_early, counts.n_early_eval, "mrd_negative_early_pct"),
    ):
        row = paper(quantity)
        assert round(100 * k / n, int(row["decimals"])) == pytest.approx(row["value"])


def test_response_intervals_are_exact_binomial():
    counts = response.response_counts()
    table = response.response_table(counts).frame
    first = table.iloc[0]
    low, high = exact_ci_percent(counts.n_resp, counts.n_eval)
    assert first["n / N"] == f"{counts.n_resp}/{counts.n_eval}"
    assert first["95% CI, %"] == f"{low:.1f}–{high:.1f}"


def test_itemised_responses_fall_short_of_the_printed_rate():
    counts = response.response_counts()
    itemised = int(paper("n_cr")["value"] + paper("n_crp")["value"])
    (row,) = [r for r in response.response_scorecard(counts) if "itemised" in r.statistic]
    assert row.reproduced == pytest.approx(round(100 * itemised / counts.n_eval, 2))
    assert row.match is bool(round(100 * itemised / counts.n_eval) == paper("orr_pct")["value"])


# --- durability and subgroups on the synthetic cohort --------------------------------


def test_landmarks_sit_beside_the_published_ones(page):
    fits = durability.fit_durability(page)
    table = durability.landmark_table(page, fits).frame
    assert list(table["_quantity"]) == ["pfs_2y", "pfs_5y", "os_2y", "os_5y", "crd_2y", "crd_5y"]
    for r in table.to_dict("records"):
        assert r["_pub"] == pytest.approx(paper(r["_quantity"])["value"])
    # 2-year PFS by hand: product over event times up to 24 months of (1 - d/n)
    d = page.data
    surv = 1.0
    for t in sorted(d.loc[(d["pfs_event"] == 1) & (d["pfs_months"] <= 24), "pfs_months"].unique()):
        at_risk = (d["pfs_months"] >= t).sum()
        surv *= 1 - ((d["pfs_months"] == t) & (d["pfs_event"] == 1)).sum() / at_risk
    assert table.iloc[0]["_ours"] == pytest.approx(100 * surv)


def test_medians_are_keyed_by_the_published_groups(page, found):
    table = subgroups.median_table(page, found["age_pfs"])
    assert list(table["_id"]) == ["age_60_64", "age_65_69", "age_70_plus"]
    for r in table.to_dict("records"):
        assert r["_pub"] == pytest.approx(paper("pfs_median", r["_id"])["value"])


def test_age_tests_show_the_published_p_values(page, found):
    table = subgroups.age_tests_table(page, found).frame
    assert table["Published p"].iloc[0] == paper("pfs_median_p", subgroups.THREE_AGES)["printed"]
    assert table["Published p"].iloc[-1] == paper("os_median_p", subgroups.TWO_BANDS)["printed"]


# --- safety -------------------------------------------------------------------------


def test_adverse_event_counts_fit_the_printed_percentages():
    events = safety.adverse_events()
    for r in events.to_dict("records"):
        digits = len(str(r["printed"]).partition(".")[2])
        # within half a unit of the last printed digit (journals round halves up)
        assert abs(100 * r["k"] / r["n"] - float(r["printed"])) <= 0.5 * 10**-digits + 1e-9
        low, high = exact_ci_percent(r["k"], r["n"])
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((low, high))


def test_second_neoplasms_and_named_deaths_are_the_published_counts(page):
    neoplasms = safety.second_neoplasms()
    assert neoplasms.frame["n"].iloc[-1] == paper("n_second_neoplasm")["value"]
    text = safety.deaths_text(page, neoplasms)
    named = sum(
        paper(q)["value"] for q in ("deaths_infection_count", "deaths_secondary_myeloid_count",
                                    "deaths_sos_count")
    )  # fmt: skip
    assert text["named_deaths"] == named


# --- competing risks ----------------------------------------------------------------


def test_cumulative_incidence_without_censoring_is_a_proportion():
    # six patients, no censoring: the incidence of each cause is its share of patients
    frame = pd.DataFrame({
        "age_group": pd.Categorical(["a", "a", "a", "b", "b", "b"], categories=["a", "b"]),
        "crd_months": [1.0, 2.0, 3.0, 1.5, 2.5, 3.5],
        "crd_status": [1, 2, 2, 1, 1, 2],
    })  # fmt: skip
    _, at = competing.competing_risks(frame, ["a", "b"], [2.0, 12.0])
    value = at.set_index(["cause", "group", "time"])["cif"]
    assert value[("death in remission", "a", 12.0)] == pytest.approx(2 / 3)
    assert value[("death in remission", "a", 2.0)] == pytest.approx(1 / 3)
    assert value[("relapse", "b", 12.0)] == pytest.approx(2 / 3)
    assert value[("relapse", "b", 2.0)] == pytest.approx(1 / 3)


def test_a_rebuild_is_cached_by_its_assumptions():
    alternative = competing.alternative_assumptions()
    assert competing.rebuild_key(alternative) != competing.rebuild_key(
        competing.generator.Assumptions()
    )
    assert alternative.death_in_remission_pct_70_plus == alternative.death_in_remission_pct_60_69


# --- scorecard roles by key ----------------------------------------------------------


def test_scorecard_roles_come_from_the_generator_by_key(page, found):
    page = dataclasses.replace(page, synthetic=True)
    roles = target_roles("jabbour")
    fits = durability.fit_durability(page)
    rows = card.landmark_rows(durability.landmark_table(page, fits), roles)
    rows += card.median_rows(page, found, roles) + card.p_rows(page, found, roles)
    overall, by_protocol = durability.followup(page)
    rows += card.followup_rows(overall, by_protocol, roles)
    keyed_rows = [r for r in rows if r.key is not None]
    assert len(keyed_rows) == len({r.key for r in keyed_rows})  # each published number once
    for r in keyed_rows:
        assert r.role == roles[r.key]
        assert float(r.published) == pytest.approx(
            float(published.get("jabbour", *r.key)["value"]), abs=1e-3
        )
    assert all(r.role == "held_out" for r in rows if "95% CI" in r.statistic)
    summary = card.scorecard_text(rows)
    held = [r for r in rows if r.role == "held_out"]
    assert summary["card_held_out"] == f"{sum(bool(r.match) for r in held)} of {len(held)}"


def test_a_real_cohort_has_only_held_out_rows(page, found):
    assert card._role({}, ("pfs_5y", "all")) == "held_out"
    assert card.roles_by_key(dataclasses.replace(page, synthetic=False)) == {}


# --- the page helper ------------------------------------------------------------------


def test_table_html_caption_badge_and_hidden_columns():
    frame = pd.DataFrame({"Outcome": ["CR"], "n": [3], "_helper": [math.pi]})
    html = Table(frame, caption="Counts", synthetic=True, collapsed="open me").to_html()
    assert "<caption><span" in html and "Synthetic cohort</span>Counts</caption>" in html
    assert html.startswith("<details><summary>open me</summary>") and "_helper" not in html
    with pytest.raises(ValueError, match="widths: 3 values for 2 columns"):
        Table(frame, widths=[1, 2, 3]).to_html()


def test_a_rebuild_that_misses_fewer_targets_says_fewer():
    assert competing._more_or_fewer(4, "calibrated") == "misses 4 more calibrated targets"
    assert competing._more_or_fewer(-1, "held-out") == "misses 1 fewer held-out target"
    assert competing._more_or_fewer(0, "held-out") == "misses as many held-out targets"
