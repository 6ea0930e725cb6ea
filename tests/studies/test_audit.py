"""The book-wide audit of the published numbers (inoreport.studies.audit): every study's
checks gathered, audit.json and the verdicts.

Reference values: exact intervals from R 4.2's binom.test (commands beside each), and the
inconsistencies found by hand in the papers (002 Table 1 and text; Jabbour's sources).
"""

from __future__ import annotations

import json

import pytest

from inoreport import published
from inoreport.studies import audit


def test_exact_cis_match_binom_test():
    cis = audit.exact_cis()
    cr = cis[cis["quantity"] == "cr_after_ino_cycle1_count"].iloc[0]
    # binom.test(4,4)$conf.int -> 0.397635364383525 1
    assert (cr["count"], cr["n"]) == (4, 4)
    assert cr["ci_low"] == pytest.approx(39.7635364383525, rel=1e-8) and cr["ci_high"] == 100
    orr = cis[(cis["study"] == "jabbour") & (cis["quantity"] == "orr_pct")].iloc[0]
    # binom.test(73,74)$conf.int -> 0.926992611490335 0.999657925980335
    assert (orr["count"], orr["n"]) == (73, 74)
    assert orr["ci_low"] == pytest.approx(92.6992611490335, rel=1e-8)
    assert orr["ci_high"] == pytest.approx(99.9657925980335, rel=1e-8)
    cr_exposed = cis[(cis["quantity"] == "cr_cri_pct") & (cis["group"] == "ino_exposed")].iloc[0]
    # binom.test(75,85)$conf.int -> 0.794266880957657 0.942118145072141
    assert cr_exposed["ci_low"] == pytest.approx(79.4266880957657, rel=1e-8)


def test_findings_include_the_known_inconsistencies():
    found = audit.findings()
    text = " | ".join(found["finding"])
    assert "median_followup_months [all] outside its IQR" in text
    assert "median_followup_months [pre_amendment] outside its IQR" in text
    assert "CR + CRp" in text
    assert "pfs_median: post_amendment and pre_amendment swapped" in text
    assert "identical CI 14.7-109.6" in text
    assert "Age group" in text and "Race/ethnicity" in text
    assert "printed 61%" in text
    assert "relapse percentages" in text
    assert set(found["study"]) <= set(published.STUDIES)


def test_sum_checks():
    sums = audit.sum_checks()
    assert sums["match"].sum() >= 28
    jab = sums[sums["statistic"].str.startswith("CR + CRp")].iloc[0]
    assert (jab["published"], jab["recomputed"]) == (73, 72)


def test_audit_json_rows(tmp_path, monkeypatch):
    monkeypatch.setenv("INOREPORT_RESULTS_DIR", str(tmp_path))
    path = audit.write()
    rows = json.loads(path.read_text())
    assert path.name == "audit.json" and len(rows) > 100
    for row in rows:
        assert {"study", "statistic", "published", "recomputed", "test", "match"} <= set(row)
        assert row["match"] in (True, False, None)
    p_rows = [r for r in rows if r["kind"] == "p_value" and r["test"] == audit.TESTS["chi2"]]
    assert sum(r["match"] for r in p_rows if r["basis"] == "printed counts") >= 15


def test_verdicts_are_computed():
    verdict = audit.verdicts()
    assert set(verdict) == set(published.STUDIES)
    summary = audit.rocca_pvalue_summary().set_index("key")
    assert verdict["rocca"].startswith(
        f"Pearson chi-square reproduces {summary.loc['chi2', 'reproduced_printed_counts']} of"
    )
    assert "0 of them give the printed p=0.032" in verdict["alcalde_mellado"]


def test_every_audit_row_has_a_label_in_words(tmp_path, monkeypatch):
    import re

    monkeypatch.setenv("INOREPORT_RESULTS_DIR", str(tmp_path))
    rows = json.loads(audit.write().read_text())
    for row in rows:
        # no identifiers such as 'ino_naive' or 'subtype_ph_neg_pct' and no 'None'
        assert not re.search(r"[a-z0-9]_[a-z0-9]", row["label"]), row
        assert "None" not in row["label"], row
        if row["kind"] == "finding":
            text = row["detail_label"] + " " + row["book_uses"]
            assert not re.search(r"[a-z0-9]_[a-z0-9]", text) and "None" not in text, row
    # the row ids (study, kind, statistic, test) are unique
    keys = [(r["study"], r["kind"], r["statistic"], r["test"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_a_median_is_compared_once_with_its_own_range():
    # 002 prints 'median 3 doses (range 1-22)'; the ASH 2023 abstract prints the same range,
    # which used to give the main median a second, duplicate row
    ranges = audit.range_checks("rocca")
    doses = ranges[ranges["statistic"].str.startswith("ino_doses_preapheresis_median")]
    assert len(doses) == 1 and doses["recomputed"].iloc[0] == "1-22"
    # Jabbour's main follow-up median has no spread of its own: both other sources are used
    jab = audit.range_checks("jabbour")
    follow = jab[jab["statistic"].str.startswith("median_followup_months [all]")]
    assert sorted(follow["variant"]) == ["abstract_iqr", "news_range"]


def test_identical_ci_finding_says_which_interval_is_used():
    found = audit.findings()
    row = found[found["finding"].str.contains("identical CI 14.7-109.6")].iloc[0]
    # the news report's three-group comparison prints 13.6-56.2 for the >=70 group
    assert "aged 70 or older: the three-age-group comparison (13.6–56.2)" in row["book_uses_label"]
    assert "note column" not in row["book_uses"]


def test_alcalde_verdict_counts_two_sided_tests_as_the_tumour_burden_chapter_does():
    assert len(audit.TWO_SIDED_TESTS) == 7
    assert "under any of 7 two-sided tests" in audit.verdicts()["alcalde_mellado"]
    assert "not reproduced" in audit.verdicts()["alcalde_mellado"]
