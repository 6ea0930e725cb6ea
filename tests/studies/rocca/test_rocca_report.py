"""ROCCA chapter report functions against the paper (via data/published), lifelines, R
reference values and independent arithmetic."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from scipy import stats

from inoreport import paths, published
from inoreport.book.chapters import get_chapter
from inoreport.book.page import table_html
from inoreport.book.results import ScorecardRow
from inoreport.studies import audit, target_roles
from inoreport.studies.rocca import beyond, curves, hazards, report, safety, scorecard, tables

STUDY = "rocca"


@pytest.fixture(scope="module")
def cohort():
    chapter = get_chapter(STUDY)
    params = {k: v for k, v in chapter.defaults.items() if k not in ("cohort_path", "landmarks")}
    loaded = chapter.load_cohort(paths.SYNTHETIC / "rocca.csv", **params)
    return report.from_cohort(chapter, loaded, chapter.defaults["landmarks"])


def test_every_recorded_target_key_is_a_published_number():
    package = json.loads((paths.SYNTHETIC / "datapackage.json").read_text(encoding="utf-8"))
    targets = next(r for r in package["resources"] if r["name"] == STUDY)["targets"]
    assert len(targets) > 100
    for t in targets:
        published.get(STUDY, t["quantity"], t["group"])  # raises if absent


def test_target_roles_by_key():
    roles = target_roles(STUDY)
    # the generator fits the landmarks, hazard ratios and p-values between groups; the
    # confidence limits and the OS landmark below PFS are reported, not fitted
    assert roles[("pfs_12mo", "ino_exposed")] == "calibrated"
    assert roles[("hr_pfs_prior_hct", "model_2")] == "calibrated"
    assert roles[("pfs_p", "ino_exposed_vs_ino_naive")] == "calibrated"
    assert roles[("prior_lines_p", "ino_exposed_vs_ino_naive")] == "calibrated"
    assert roles[("hr_pfs_ino_exposed", "model_1")] == "calibrated"
    assert roles[("os_12mo", "ino_refractory")] == "held_out"


def test_from_cohort_matches_the_paper_group_sizes(cohort):
    assert len(cohort.data) == published.value(STUDY, "n_patients", "all")
    assert cohort.data["exposed"].sum() == published.value(STUDY, "n_patients", "ino_exposed")
    assert cohort.is_synthetic and cohort.syn == " (synthetic)"
    assert cohort.role(("pfs_6mo", "ino_naive"), bound="low") == "held_out"
    with pytest.raises(KeyError):
        cohort.role(("crs_any_p", "ino_exposed_vs_ino_naive"))


def test_flow_adds_up_and_every_printed_percentage_is_recomputed():
    nodes = {n.key: n.n for n in report.flow_nodes()}
    assert nodes["naive"] + nodes["exposed"] == nodes["all"] == 189
    assert nodes["pre"] + nodes["bridge"] == nodes["exposed"]
    assert nodes["resp"] + nodes["refr"] + nodes["na"] == nodes["exposed"]
    assert report.flow_check_text(report.flow_nodes()).startswith("Every split adds up")
    rows = report.flow_percent_rows(report.flow_nodes())
    assert all(r.match for r in rows)
    share = rows[0]  # 102 / 189 = 53.97%, printed 54%
    assert share.reproduced == pytest.approx(100 * 102 / 189, abs=0.005)
    assert share.published == 54


def test_exact_percent_row_fails_when_the_count_does_not_round_to_the_print():
    r = report.exact_percent_row("x", "ino_exposed_pct", "all", 100, 189)  # 52.9%, not 54
    assert r.match is False and r.role == "exact"


def test_bottom_line_quotes_the_printed_numbers():
    texts = report.bottom_line()
    m1 = published.get(STUDY, "hr_pfs_ino_exposed", "model_1")
    assert texts["bl_adjusted"] == (
        f"{m1['value']:.2f} (95% CI {m1['ci_low']:.2f}–{m1['ci_high']:.2f})"
    )
    assert published.get(STUDY, "pfs_12mo", "ino_exposed")["printed"] + "%" in texts["bl_found"]


def test_landmarks_and_logrank_match_lifelines(cohort):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    fits = curves.unadjusted_survival(cohort)
    data = cohort.data
    exposed = data[data["exposed"] == 1]
    km = KaplanMeierFitter().fit(exposed["pfs_months"], exposed["pfs_event"])
    ours = fits.landmarks.query(
        "comparison == 'exposure' and endpoint == 'PFS' and group == 'InO-exposed' and month == 12"
    ).iloc[0]
    assert ours["ours"] == pytest.approx(100 * float(km.predict(12.0)), abs=1e-9)
    naive = data[data["exposed"] == 0]
    p = logrank_test(
        exposed["pfs_months"], naive["pfs_months"], exposed["pfs_event"], naive["pfs_event"]
    ).p_value
    row = fits.logranks.query("name == 'exposure' and endpoint == 'PFS'").iloc[0]
    assert row["ours"] == pytest.approx(p, rel=1e-6)
    assert (
        row["published_text"]
        == published.get(STUDY, "pfs_p", "ino_exposed_vs_ino_naive")["printed"]
    )


def test_crossing_pairs_are_the_published_os_below_pfs():
    expected = 0
    for group in curves.GROUP_WORDS:
        for month in (6, 12):
            try:
                pfs = published.value(STUDY, f"pfs_{month}mo", group)
                os_ = published.value(STUDY, f"os_{month}mo", group)
            except KeyError:
                continue
            expected += os_ < pfs
    assert expected > 0
    assert len(curves.crossing_pairs([6, 12])) == expected


def test_within_ten_percent_on_the_ratio_scale():
    published_hr = {"value": 1.0}
    assert hazards.within({"hr": 1.099}, published_hr)
    assert not hazards.within({"hr": 1.2}, published_hr)
    assert hazards.within({"hr": 1 / 1.099}, published_hr)
    assert not hazards.within(None, published_hr)


def test_power_follows_schoenfeld(cohort):
    _figure, texts = beyond.power(cohort)
    relapses = published.value(STUDY, "relapse_count", "ino_naive") + published.value(
        STUDY, "relapse_count", "ino_exposed"
    )
    p = published.value(STUDY, "n_patients", "ino_exposed") / published.value(
        STUDY, "n_patients", "all"
    )
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert texts["detect_relapses"] == f"{math.exp(z / math.sqrt(relapses * p * (1 - p))):.2f}"
    m1 = published.get(STUDY, "hr_pfs_ino_exposed", "model_1")
    se = (math.log(m1["ci_high"]) - math.log(m1["ci_low"])) / (2 * stats.norm.ppf(0.975))
    power_15 = 1 - stats.norm.cdf(stats.norm.ppf(0.975) - math.log(1.5) / se)
    assert texts["power_15"] == f"{round(100 * power_15)}%"


def test_safety_upper_limits_are_newcombes():
    # R: Newcombe hybrid score upper limits (see test_rocca_safety.py), per 100 patients
    texts = safety.safety_texts()
    assert "24 more patients with severe ICANS" in texts["safety_upper"]
    assert "18 more with severe CRS" in texts["safety_upper"]


def test_audit_summary_counts_the_reproduced_pvalues():
    audit_p = audit.rocca_pvalues()
    test = audit.rocca_test_used(audit_p)
    texts = tables.audit_texts(audit_p, test)
    reproduced = {q for q, part in audit_p.groupby("quantity") if part[f"match_{test}"].any()}
    assert texts["audit_summary"] == f"{len(reproduced)} of {audit_p['quantity'].nunique()}"
    rows = tables.audit_rows(audit_p, test)
    assert len(rows) == audit_p["quantity"].nunique()
    assert all(r.role == "exact" for r in rows)


def test_table_one_counts_match_the_published_counts(cohort):
    t1 = tables.table1(cohort)
    html = t1.to_html()
    assert "Table 1 (synthetic)" in html
    ph_pos = published.value(STUDY, "subtype_ph_pos_count", "ino_exposed")
    exposed = cohort.data[cohort.data["exposed"] == 1]
    assert (exposed["subtype"] == "Ph+").sum() == ph_pos


def test_scorecard_summary_counts_by_role(cohort):
    rows = [
        ScorecardRow("a", 1.0, 1.0, "exact", True),
        ScorecardRow("b", 1.0, 2.0, "exact", False),
        ScorecardRow("c", 1.0, 1.0, "held_out", True),
    ]
    table = scorecard.summary_table(cohort, rows).set_index("Role")
    assert table.loc["exact", "Numbers compared"] == 2 and table.loc["exact", "Agree"] == 1
    assert table.loc["calibrated", "Numbers compared"] == 0
    sourced = scorecard.with_sources(rows, True)
    assert [r.synthetic for r in sourced] == [False, False, True]


def test_table_html_has_its_caption_and_no_index():
    html = table_html(pd.DataFrame({"a": [1]}), caption="Cap").data
    assert "<caption>Cap</caption>" in html and "<th></th>" not in html
