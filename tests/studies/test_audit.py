"""The audit of the published numbers.

Reference values: the count tables are typed here from the papers (002 Table 1, Table 2 and
text; 000 abstract), and every p-value and interval comes from R 4.2 (commands below), so a
regression in the statistics code, in data/published or in the audit's table building fails.

R commands (options(digits=15)), with x the matrix in the comment beside each table,
written column-wise as matrix(c(...), ncol=2): column 1 InO-naive, column 2 InO-exposed:
    chisq.test(x, correct=FALSE)$p.value; chisq.test(x, correct=TRUE)$p.value; fisher.test(x)$p.value
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from inoreport import published
from inoreport.stats.contingency import fisher_exact, pearson_chi2
from inoreport.studies import audit

# quantity -> (table rows [naive, exposed] from the paper, R (chi2, chi2 Yates, Fisher))
REFERENCE = {
    # matrix(c(33,28,25,44,30,28),ncol=2)
    "age_group_p": (
        [[33, 44], [28, 30], [25, 28]],
        (0.797807636375, 0.797807636375, 0.806480876948),
    ),
    # matrix(c(37,50,45,57),ncol=2)
    "female_p": ([[37, 45], [50, 57]], (0.826120000659, 0.942245529102, 0.883341981223)),
    # matrix(c(49,26,6,4,2,55,30,7,8,1),ncol=2)
    "race_p": (
        [[49, 55], [26, 30], [6, 7], [4, 8], [2, 1]],
        (0.854495464033, 0.854495464033, 0.867476268927),
    ),
    # matrix(c(36,14,37,19,20,63),ncol=2)
    "subtype_p": (
        [[36, 19], [14, 20], [37, 63]],
        (0.00253108378388, 0.00253108378388, 0.00254603539901),
    ),
    # matrix(c(35,32,14,6,59,19,14,10),ncol=2)  (Missing as a category)
    "status_p": (
        [[35, 59], [32, 19], [14, 14], [6, 10]],
        (0.0254461949209, 0.0254461949209, 0.0249311038907),
    ),
    # matrix(c(17,70,26,76),ncol=2)
    "emd_p": ([[17, 26], [70, 76]], (0.330796468188, 0.42460735974, 0.385721417335)),
    # matrix(c(18,69,16,86),ncol=2)
    "cns_p": ([[18, 16], [69, 86]], (0.372080260638, 0.482300103854, 0.44821118585)),
    # matrix(c(53,34,59,43),ncol=2)
    "prior_blinatumomab_p": (
        [[53, 59], [34, 43]],
        (0.667907286461, 0.779082940576, 0.766604796612),
    ),
    # matrix(c(39,48,39,63),ncol=2)
    "prior_hct_p": ([[39, 39], [48, 63]], (0.358867201643, 0.44170926731, 0.377242668409)),
    # matrix(c(66,5,71,15),ncol=2)
    "crs_grade_p": ([[66, 71], [5, 15]], (0.0517478893178, 0.0882406103385, 0.0579674178241)),
    # matrix(c(28,22,18,37),ncol=2)
    "icans_grade_p": ([[28, 18], [22, 37]], (0.0163722840886, 0.0275530272399, 0.0191797218777)),
    # matrix(c(61,26,68,34),ncol=2)
    "tocilizumab_p": ([[61, 68], [26, 34]], (0.611733462176, 0.72570718719, 0.640899933586)),
    # matrix(c(58,29,63,39),ncol=2)
    "steroids_p": ([[58, 63], [29, 39]], (0.484012593088, 0.583812662241, 0.544049399447)),
    # matrix(c(17,70,27,75),ncol=2)
    "anakinra_p": ([[17, 27], [70, 75]], (0.261156144095, 0.341603189298, 0.302134953512)),
    # matrix(c(3,84,10,92),ncol=2)
    "early_death_30d_p": ([[3, 10], [84, 92]], (0.0852929582214, 0.152015733742, 0.147089032086)),
}
# Denominators not printed; the tables below use the denominators worked out by hand from the
# printed percentages (e.g. 71/86 = 82.6% -> 83%, 71/87 = 81.6% -> 82%; CR/CRi 76/83 = 91.6%,
# 75/85 = 88.2%, consolidation 37/76 = 48.7% -> 49%, 20/75 = 26.7% -> 27%).
REFERENCE_INFERRED = {
    # matrix(c(71,15,86,15),ncol=2)
    "crs_any_p": ([[71, 86], [15, 15]], (0.630486681055, 0.77860125998, 0.691511930644)),
    # matrix(c(50,37,55,46),ncol=2)
    "icans_any_p": ([[50, 55], [37, 46]], (0.677986089917, 0.788753351999, 0.768514835377)),
    # matrix(c(24,63,37,65),ncol=2)
    "relapse_p": ([[24, 37], [63, 65]], (0.202885683957, 0.26386685653, 0.215702827619)),
    # matrix(c(76,7,75,10),ncol=2)
    "cr_cri_p": ([[76, 75], [7, 10]], (0.474146033302, 0.645582880516, 0.610567354752)),
    # matrix(c(37,39,20,55),ncol=2)
    "consolidation_p": (
        [[37, 20], [39, 55]],
        (0.00526148035208, 0.00872375645562, 0.0070939489198),
    ),
}
CMP = "ino_exposed_vs_ino_naive"


@pytest.fixture(scope="module")
def pvalues():
    return audit.rocca_pvalues()


def _row(frame, quantity, handling=""):
    rows = frame[(frame["quantity"] == quantity) & (frame["handling"] == handling)]
    assert len(rows) == 1, (quantity, handling)
    return rows.iloc[0]


def test_at_least_15_rocca_pvalues_from_printed_counts_reproduce_exactly():
    assert len(REFERENCE) >= 15
    for quantity, (table, (r_chi2, _, _)) in REFERENCE.items():
        printed = published.get("rocca", quantity, CMP)["printed"]
        # the independent reference (R on the paper's counts) prints as the published p ...
        assert audit.p_matches(r_chi2, printed), (quantity, r_chi2, printed)
        # ... and so does our statistics code on the same table
        assert pearson_chi2(table).p == pytest.approx(r_chi2, rel=1e-9)
        assert audit.p_matches(pearson_chi2(table).p, printed)


@pytest.mark.parametrize("quantity", sorted(REFERENCE))
def test_audit_builds_the_paper_table_and_reproduces_its_p(pvalues, quantity):
    table, (r_chi2, r_yates, r_fisher) = REFERENCE[quantity]
    handling = "Missing as a category" if quantity == "status_p" else ""
    row = _row(pvalues, quantity, handling)
    assert row["basis"] == "printed counts"
    assert row["n_tables"] == 1
    assert row["chi2"] == pytest.approx(r_chi2, rel=1e-9)
    assert row["chi2_yates"] == pytest.approx(r_yates, rel=1e-9)
    assert row["fisher"] == pytest.approx(r_fisher, rel=1e-7)
    assert bool(row["match_chi2"])
    assert bool(row["match_chi2_yates"]) == audit.p_matches(r_yates, row["printed"])
    assert bool(row["match_fisher"]) == audit.p_matches(r_fisher, row["printed"])


@pytest.mark.parametrize("quantity", sorted(REFERENCE_INFERRED))
def test_inferred_denominators_reproduce(pvalues, quantity):
    table, (r_chi2, _, r_fisher) = REFERENCE_INFERRED[quantity]
    row = _row(pvalues, quantity)
    assert row["basis"] != "printed counts"
    assert audit.p_matches(r_chi2, row["printed"])
    assert bool(row["match_chi2"]) and row["chi2"] == pytest.approx(r_chi2, rel=1e-9)
    assert fisher_exact(table) == pytest.approx(r_fisher, rel=1e-7)


def test_the_authors_used_pearson_chi_square_without_correction(pvalues):
    assert audit.rocca_test_used(pvalues) == "chi2"
    summary = audit.rocca_pvalue_summary(pvalues).set_index("key")
    assert summary.loc["chi2", "reproduced_printed_counts"] >= 15
    assert summary.loc["chi2", "reproduced_2x2"] == summary.loc["chi2", "of_2x2"] == 11
    # R's Yates-corrected p matches none of the 11 two-by-two tables; Fisher only one
    two_by_two = [q for q, (t, _) in REFERENCE.items() if np.shape(t) == (2, 2)]
    assert len(two_by_two) == 11
    yates_hits = sum(
        audit.p_matches(REFERENCE[q][1][1], published.get("rocca", q, CMP)["printed"])
        for q in two_by_two
    )
    fisher_hits = sum(
        audit.p_matches(REFERENCE[q][1][2], published.get("rocca", q, CMP)["printed"])
        for q in two_by_two
    )
    assert summary.loc["chi2_yates", "reproduced_2x2"] == yates_hits == 0
    assert summary.loc["fisher", "reproduced_2x2"] == fisher_hits == 1


def test_missing_enters_disease_status_as_a_category(pvalues):
    assert bool(_row(pvalues, "status_p", "Missing as a category")["match_chi2"])
    excluded = _row(pvalues, "status_p", "Missing excluded")
    # R on matrix(c(35,32,14,59,19,14),ncol=2): 0.0124165535663 -> prints 0.01, not 0.03
    assert excluded["chi2"] == pytest.approx(0.0124165535663, rel=1e-9)
    assert not excluded["match_chi2"]


def test_marrow_blasts_p_is_not_reproduced_by_any_test(pvalues):
    # R: with Missing 0.00145190839351 / 0.0012953870688 (Fisher); without 0.00144112814167 /
    # 0.00114232372889: all print as 0.001, the paper prints 0.002
    for handling, r_chi2, r_fisher in (
        ("Missing as a category", 0.00145190839351, 0.0012953870688),
        ("Missing excluded", 0.00144112814167, 0.00114232372889),
    ):
        row = _row(pvalues, "blasts_p", handling)
        assert row["chi2"] == pytest.approx(r_chi2, rel=1e-9)
        assert row["fisher"] == pytest.approx(r_fisher, rel=1e-7)
        assert row["reproduced_by"] == "none"


def test_response_denominators_are_unique():
    pairs = audit.rocca_response_denominators().set_index("group")
    assert len(pairs) == 2
    assert tuple(pairs.loc["ino_naive"]) == (76, 83)
    assert tuple(pairs.loc["ino_exposed"]) == (75, 85)


def test_p_matches_printed_precision():
    assert audit.p_matches(0.0253, "0.03") and not audit.p_matches(0.0124, "0.03")
    assert audit.p_matches(0.00004, "<.0001") and not audit.p_matches(0.0002, "<.0001")
    assert audit.p_matches(0.2029, ".20") and not audit.p_matches(0.2129, ".20")
    with pytest.raises(ValueError, match="expected a number"):
        audit.p_matches(0.1, "n.s.")


def test_percent_checks_find_the_one_rounding_error():
    checks = audit.percent_checks("rocca")
    table1 = checks[checks["variant"] == ""]
    bad = table1[table1["match"] == False]  # noqa: E712
    # 63/102 = 61.8%, printed 61% (Table 1, Ph-negative, InO-exposed)
    assert list(zip(bad["quantity"], bad["group"], strict=True)) == [
        ("subtype_ph_neg_pct", "ino_exposed")
    ]
    crs = checks[(checks["quantity"] == "crs_any_pct") & (checks["variant"] == "")].set_index(
        "group"
    )
    assert crs.loc["ino_naive", "n"] == 86 and crs.loc["ino_exposed", "n"] == 101


def test_alcalde_conversion_tables_and_p_values():
    tables = audit.alcalde_conversion_tables()
    found = set(
        zip(
            tables.ino_converted,
            tables.ino_htb,
            tables.chemo_converted,
            tables.chemo_htb,
            strict=True,
        )
    )
    # 80% of at most 10: 4/5, 8/10; 28.6% of at most 14: 2/7, 4/14
    assert found == {(4, 5, 2, 7), (4, 5, 4, 14), (8, 10, 2, 7), (8, 10, 4, 14)}
    reference = {
        # chisq.test(matrix(c(4,2,1,5),ncol=2), correct=FALSE / TRUE); fisher.test(...)
        (4, 5, 2, 7): (0.0789825792638, 0.241566586969, 0.242424242424),
        # matrix(c(4,4,1,10),ncol=2)
        (4, 5, 4, 14): (0.045570438982, 0.141089980347, 0.110767113863),
        # matrix(c(8,2,2,5),ncol=2)
        (8, 10, 2, 7): (0.0339677497832, 0.105277073714, 0.0584121760592),
        # matrix(c(8,4,2,10),ncol=2)
        (8, 10, 4, 14): (0.0129829729301, 0.0384339302368, 0.036074841836),
    }
    for r in tables.itertuples():
        chi2, yates, fisher = reference[
            (r.ino_converted, r.ino_htb, r.chemo_converted, r.chemo_htb)
        ]
        assert r.chi2 == pytest.approx(chi2, rel=1e-9)
        assert r.chi2_yates == pytest.approx(yates, rel=1e-9)
        assert r.fisher == pytest.approx(fisher, rel=1e-7)
    # none of R's values prints as 0.032, and the audit agrees for every test it tried
    assert not any(audit.p_matches(p, "0.032") for ps in reference.values() for p in ps)
    assert not tables["any_match"].any()


def test_alcalde_trajectory_cannot_be_crude_proportions():
    traj = audit.alcalde_trajectory_check()
    assert len(traj) == 4 and not traj["consistent"].any()
    only_25 = traj[traj["maintained_htb_admits_25pct"]]
    # only 8/10 vs 4/14 leaves 12 with HTB (3/12 = 25%), but then nobody maintained LTB
    assert list(only_25["table"]) == ["8/10 vs 4/14"] and only_25["maintained_ltb"].iloc[0] == 0


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


def test_patients_missing_from_a_category_list_were_left_out_of_the_test(pvalues):
    # Age (InO-naive) and race (InO-exposed) categories add to one patient fewer than the
    # arm. Counting that patient as a category breaks the match:
    # chisq.test(matrix(c(33,28,25,1,44,30,28,0),ncol=2))$p.value -> 0.652607654840063
    # chisq.test(matrix(c(49,26,6,4,2,0,55,30,7,8,1,1),ncol=2))$p.value -> 0.821004701935888
    for quantity, r_chi2 in (("age_group_p", 0.652607654840063), ("race_p", 0.821004701935888)):
        row = _row(pvalues, quantity, "unaccounted patients as a category")
        assert row["chi2"] == pytest.approx(r_chi2, rel=1e-9)
        assert row["reproduced_by"] == "none"
        assert bool(_row(pvalues, quantity)["match_chi2"])


def test_labels_put_ids_into_words():
    # the review's example: subtype_ph_neg_pct [ino_exposed] is the Ph-negative share of the
    # InO-exposed arm (002 Table 1)
    assert audit.label("subtype_ph_neg_pct", "ino_exposed") == "Ph-negative, InO-exposed (%)"
    assert audit.label("median_followup_months", "pre_amendment") == (
        "Median follow-up, before the amendment (months)"
    )
    assert audit.label("ino_exposed_pct", "all", "ash2023_abstract") == (
        "InO-exposed patients (%); ASH 2023 abstract"
    )
    assert audit.group_label("ino_naive") == "InO-naïve"
    assert audit.group_label("age_under_70_vs_70_plus") == "aged under 70 vs aged 70 or older"
    assert audit.variant_label("abstract_iqr") == "the abstract copy's IQR"


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


def test_relapse_finding_names_the_denominators_that_fit():
    # by hand: 24/85 = 28.2%, 24/86 = 27.9%, 24/87 = 27.6% print as 28%, 24/84 = 28.6% does
    # not; 37/102 = 36.3% prints as 36%, 37/101 = 36.6% does not (arms of 87 and 102)
    found = audit.findings()
    row = found[found["finding"].str.startswith("relapse percentages")].iloc[0]
    assert "denominator(s) 85, 86, 87 (arm 87; responders 76)" in row["detail"]
    assert "denominator(s) 102 (arm 102; responders 75)" in row["detail"]
    assert "85, 86 or 87 patients" in row["detail_label"]


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
