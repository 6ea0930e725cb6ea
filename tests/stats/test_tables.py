"""Table 1: p-values against R 4.2 (stats package), formatting against gtsummary's rules.

Every reference value below was produced by the R command in the comment next to it
(R 4.2.2, ``library(survival)`` for the ``lung`` data set; lifelines' ``load_lung()`` is the
same data with status recoded 1/2 -> 0/1 and sex kept as 1 = male, 2 = female).
gtsummary is not packaged for Debian, so its *choice* of test and its formatting rules are
checked against the rules in its source (``assign_tests.R``, ``style_percent``,
``style_pvalue``) with hand-derived expectations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from inoreport.stats.tables import (
    TableOneInputError,
    categorical_test,
    continuous_test,
    format_p,
    format_percent,
    format_proportion,
    proportion_ci,
    table_one,
    wilcoxon_rank_sum,
)

REL = 1e-9


def _p(table, variable):
    return float(table.tests.set_index("variable").loc[variable, "p"])


def _test(table, variable):
    return table.tests.set_index("variable").loc[variable, "test"]


def _cell(table, variable, characteristic, column):
    f = table.frame
    row = f[(f["variable"] == variable) & (f["Characteristic"] == characteristic)]
    assert len(row) == 1, f"no single row {variable}/{characteristic}"
    if column in ("Characteristic", "p-value", "p", "test"):
        return row.iloc[0][column]
    return row.iloc[0][table.groups.index(column)]  # group columns are positions


# ----------------------------------------------------------------- categorical tests vs R


def test_auto_picks_pearson_without_correction_when_expected_counts_are_large(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["status"])
    assert _test(t, "status") == "chisq"
    # chisq.test(table(lung$sex, lung$status), correct=FALSE)$p.value
    assert _p(t, "status") == pytest.approx(0.000237147046203486, rel=REL)
    # chisq.test(table(lung$sex, lung$status), correct=FALSE)$statistic
    stat = t.tests.set_index("variable").loc["status", "statistic"]
    assert stat == pytest.approx(13.5111746868269, rel=REL)


def test_yates_only_on_request(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["status"], test="chisq_yates")
    # chisq.test(table(lung$sex, lung$status), correct=TRUE)$p.value
    assert _p(t, "status") == pytest.approx(0.000424667876385555, rel=REL)


def test_auto_picks_fisher_for_any_r_by_c_when_an_expected_count_is_small(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["ph.ecog", "ph.karno"])
    assert _test(t, "ph.ecog") == "fisher"
    # fisher.test(table(lung$sex, lung$ph.ecog))$p.value       (2 x 4 table)
    assert _p(t, "ph.ecog") == pytest.approx(0.822510221441596, rel=1e-7)
    # fisher.test(table(lung$sex, lung$ph.karno))$p.value      (2 x 6 table)
    assert _p(t, "ph.karno") == pytest.approx(0.998797448125943, rel=1e-7)


def test_fisher_three_by_three():
    # fisher.test(matrix(c(3,1,0,2,4,1,0,2,5),3))$p.value
    res = categorical_test([[3, 2, 0], [1, 4, 2], [0, 1, 5]], "auto")
    assert res.test == "fisher"
    assert res.p == pytest.approx(0.035503031826561, rel=1e-7)


def test_missing_as_a_level_enters_the_test(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["ph.ecog"], missing="level", test="fisher")
    # fisher.test(table(lung$sex, addNA(factor(lung$ph.ecog))))$p.value
    assert _p(t, "ph.ecog") == pytest.approx(0.892571976135813, rel=1e-7)
    # ...and percentages are then of all 138 men: 1/138 = 0.72 %
    assert _cell(t, "ph.ecog", "Missing", "Male") == "1 (0.7%)"


def test_table_from_published_counts_gives_r_pearson_p():
    # Disease subtype by group as printed in a published Table 1 (3 x 2 counts), expanded to
    # one row per patient.
    counts = {
        "A": {"Ph+": 36, "Ph-like": 14, "Ph-neg": 37},
        "B": {"Ph+": 19, "Ph-like": 20, "Ph-neg": 63},
    }
    rows = [(g, lev) for g, c in counts.items() for lev, k in c.items() for _ in range(k)]
    cohort = pd.DataFrame(rows, columns=["group", "subtype"])
    t = table_one(cohort, by="group", variables=["subtype"], percent_digits=0)
    assert _test(t, "subtype") == "chisq"
    # chisq.test(matrix(c(36,14,37,19,20,63),3), correct=FALSE)$p.value
    assert _p(t, "subtype") == pytest.approx(0.00253108378387713, rel=REL)
    assert _cell(t, "subtype", "subtype", "p-value") == "0.003"
    # journal style: 36/87 = 41.4 %, 63/102 = 61.8 %
    assert _cell(t, "subtype", "Ph+", "A") == "36 (41)"
    assert _cell(t, "subtype", "Ph-neg", "B") == "63 (62)"
    t_fisher = table_one(cohort, by="group", variables=["subtype"], test="fisher")
    # fisher.test(matrix(c(36,14,37,19,20,63),3))$p.value
    assert _p(t_fisher, "subtype") == pytest.approx(0.00254603539901297, rel=1e-7)


# ----------------------------------------------------------------- continuous tests vs R


def test_wilcoxon_with_ties_uses_normal_approximation_with_correction(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["age", "wt.loss", "meal.cal"])
    assert _test(t, "age") == "wilcoxon"
    # wilcox.test(age ~ sex, data = lung)$p.value  (R default; ties -> normal approximation,
    # identical to wilcox.test(age ~ sex, data = lung, exact=FALSE, correct=TRUE)$p.value)
    assert _p(t, "age") == pytest.approx(0.0570062814517115, rel=REL)
    # wilcox.test(wt.loss ~ sex, data = lung)$p.value   (NA dropped)
    assert _p(t, "wt.loss") == pytest.approx(0.0288873453763402, rel=REL)
    # wilcox.test(meal.cal ~ sex, data = lung)$p.value
    assert _p(t, "meal.cal") == pytest.approx(0.0220050999535639, rel=REL)


def test_wilcoxon_exact_when_small_and_untied():
    x = [3.1, 4.7, 5.2, 6.0, 7.4]
    y = [1.2, 2.2, 2.9, 3.3, 4.1, 4.5]
    res = wilcoxon_rank_sum(x, y)
    # wilcox.test(c(3.1,4.7,5.2,6.0,7.4), c(1.2,2.2,2.9,3.3,4.1,4.5))$p.value  (exact)
    assert res.p == pytest.approx(0.0303030303030303, rel=REL)
    # ...$statistic
    assert res.statistic == 27
    # wilcox.test(<same>, exact=FALSE, correct=TRUE)$p.value
    assert wilcoxon_rank_sum(x, y, exact=False).p == pytest.approx(0.0357637665909779, rel=REL)


def test_kruskal_wallis_for_more_than_two_groups(lung_by_sex):
    t = table_one(lung_by_sex, by="ph.ecog", variables=["age", "wt.loss"])
    assert _test(t, "age") == "kruskal"
    # kruskal.test(age ~ ph.ecog, data = lung)$p.value
    assert _p(t, "age") == pytest.approx(0.0049736773949953, rel=REL)
    # kruskal.test(age ~ ph.ecog, data = lung)$statistic
    assert t.tests.set_index("variable").loc["age", "statistic"] == pytest.approx(
        12.8494823259662, rel=REL
    )
    # kruskal.test(wt.loss ~ ph.ecog, data = lung)$p.value
    assert _p(t, "wt.loss") == pytest.approx(0.0180469526000978, rel=REL)
    # kruskal.test(list(c(1,2,3),c(4,5,6,7),c(2.5,8,9)))$p.value
    res = continuous_test([[1, 2, 3], [4, 5, 6, 7], [2.5, 8, 9]])
    assert res.p == pytest.approx(0.0898969819650478, rel=REL)


def test_overrides_per_table_and_per_variable(lung_by_sex):
    t = table_one(
        lung_by_sex,
        by="sex",
        variables=["status", "ph.ecog", "age"],
        test={"status": "fisher", "age": "none"},
    )
    assert _test(t, "status") == "fisher"
    assert _test(t, "ph.ecog") == "fisher"  # still auto
    assert "age" not in set(t.tests["variable"])
    # fisher.test(table(lung$sex, lung$status))$p.value is the 2x2 exact test; it must differ
    # from the chi-square p
    assert _p(t, "status") != pytest.approx(0.000237147046203486, rel=1e-3)
    t_all = table_one(lung_by_sex, by="sex", variables=["status", "ph.ecog"], test="chisq")
    assert set(t_all.tests["test"]) == {"chisq"}
    with pytest.raises(TableOneInputError, match="continuous variable 'age'"):
        table_one(lung_by_sex, by="sex", variables=["age"], test={"age": "fisher"})
    with pytest.raises(TableOneInputError, match="expected one of"):
        table_one(lung_by_sex, by="sex", variables=["age"], test="t-test")


# ----------------------------------------------------------------- formatting


def test_median_and_type2_quartiles(lung_by_sex):
    t = table_one(
        lung_by_sex, by="sex", variables=["age", "meal.cal"], labels={"age": "Age, years"}
    )
    # quantile(lung$age[lung$sex==2], c(.25,.5,.75), type=2)  -> 55 61 68
    assert _cell(t, "age", "Age, years, median (IQR)", "Female") == "61 (55, 68)"
    # quantile(lung$age[lung$sex==1], c(.25,.5,.75), type=2)  -> 57 64 70
    assert _cell(t, "age", "Age, years, median (IQR)", "Male") == "64 (57, 70)"
    # quantile(lung$meal.cal[lung$sex==1], c(.25,.5,.75), type=2, na.rm=TRUE) -> 768 1025 1175
    assert _cell(t, "meal.cal", "meal.cal, median (IQR)", "Male") == "1025 (768, 1175)"
    # missing is its own row, a count: tapply(is.na(lung$meal.cal), lung$sex, sum) -> 24 / 23
    assert _cell(t, "meal.cal", "Missing", "Male") == "24"
    assert _cell(t, "meal.cal", "Missing", "Female") == "23"
    r = table_one(lung_by_sex, by="sex", variables=["age"], continuous_stat="range")
    # range(lung$age[lung$sex==2]) -> 41 77
    assert _cell(r, "age", "age, median (range)", "Female") == "61 (41–77)"


def test_decimals_follow_the_spread():
    cohort = pd.DataFrame({"g": ["a"] * 6 + ["b"] * 6, "x": np.linspace(0.1, 1.2, 12).round(3)})
    t = table_one(cohort, by="g", variables=["x"], continuous=["x"])
    # spread (95th - 5th percentile) between 0.1 and 10 -> 2 decimals (gtsummary)
    cell = _cell(t, "x", "x, median (IQR)", "a")
    assert cell == "0.35 (0.20, 0.50)"


def test_n_percent_cells_and_missing_row(lung_by_sex):
    t = table_one(lung_by_sex, by="sex", variables=["ph.ecog", "wt.loss"])
    # table(lung$sex, lung$ph.ecog, useNA="ifany"): female 27 42 21 0 | male 36 71 29 1 + 1 NA
    assert _cell(t, "ph.ecog", "0", "Female") == "27 (30%)"  # 27/90
    assert _cell(t, "ph.ecog", "3", "Male") == "1 (0.7%)"  # 1/137 non-missing
    assert _cell(t, "ph.ecog", "3", "Female") == "0 (0%)"
    assert _cell(t, "ph.ecog", "Missing", "Male") == "1"
    # tapply(is.na(lung$wt.loss), lung$sex, sum) -> male 10, female 4
    assert _cell(t, "wt.loss", "Missing", "Male") == "10"
    # missing rows come right after their variable, labels first
    kinds = t.frame[t.frame["variable"] == "ph.ecog"]["row_type"].tolist()
    assert kinds == ["label", "level", "level", "level", "level", "missing"]
    omitted = table_one(lung_by_sex, by="sex", variables=["ph.ecog"], missing="omit")
    assert "missing" not in set(omitted.frame["row_type"])


def test_dichotomous_one_row(lung_by_sex):
    cohort = lung_by_sex.assign(dead=lung_by_sex["status"].map({1: "Yes", 0: "No"}))
    t = table_one(cohort, by="sex", variables=["dead", "status"], dichotomous={"status": 1})
    dead = t.frame[t.frame["variable"] == "dead"]
    assert len(dead) == 1
    # table(lung$sex, lung$status): female 53 dead of 90 (58.9 %), male 112 of 138 (81.2 %)
    assert dead.iloc[0][t.groups.index("Female")] == "53 (59%)"
    assert dead.iloc[0][t.groups.index("Male")] == "112 (81%)"
    sex = table_one(cohort, by="status", variables=["sex"], dichotomous={"sex": "Female"})
    assert sex.frame.iloc[0]["Characteristic"] == "sex, Female"


def test_format_percent_gtsummary_rule():
    # style_percent(): >= 10 % whole numbers, 0.1-10 % one decimal, "<0.1" below, "0" at 0.
    # The branch is chosen on the unrounded value, so 9.95 % prints "10.0" (as in gtsummary).
    assert [format_percent(x) for x in (0, 0.0001, 0.005, 0.01, 0.0995, 0.10, 0.45356, 0.99)] == [
        "0", "<0.1", "0.5", "1.0", "10.0", "10", "45", "99",
    ]  # fmt: skip
    # round half away from zero (gtsummary round2), not Python's banker's rounding
    assert format_percent(0.125, digits=0) == "13"
    assert format_percent(0.145, digits=0) == "15"


def test_format_p_gtsummary_rule():
    # style_pvalue(digits = 1)
    cases = {
        1.0: ">0.9", 0.95: ">0.9", 0.5: "0.5", 0.25: "0.3", 0.197: "0.2", 0.12: "0.12",
        0.10: "0.10", 0.0999: "0.10", 0.045: "0.045", 0.004: "0.004", 0.0004: "<0.001",
    }  # fmt: skip
    assert {p: format_p(p) for p in cases} == cases
    assert format_p(0.0253, digits=2) == "0.025"
    assert format_p(0.253, digits=2) == "0.25"
    assert format_p(0.9995, digits=3) == ">0.999"
    assert format_p(math.nan) == ""


def test_exact_binomial_interval():
    # binom.test(37, 87)$conf.int -> 0.319874599352219 0.535934231753299
    lo, hi = proportion_ci(37, 87)
    assert lo == pytest.approx(0.319874599352219, rel=1e-9)
    assert hi == pytest.approx(0.535934231753299, rel=1e-9)
    assert format_proportion(37, 87) == "37/87 (43%; 95% CI 32–54%)"


# ----------------------------------------------------------------- output and edges


def test_html_is_clean_and_labelled(lung_by_sex):
    t = table_one(
        lung_by_sex.assign(note="<b>x</b>"), by="sex", variables=["age", "ph.ecog", "note"],
        caption="Table 1. Example on public data", synthetic=True,
    )  # fmt: skip
    out = t.to_html()
    assert out.count("<table") == 1 and out.count("</table>") == 1
    assert "Synthetic cohort" in out and "Table 1. Example on public data" in out
    assert "N = 90" in out and "N = 138" in out
    assert "Wilcoxon rank-sum test" in out and "Fisher&#x27;s exact test" in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "<b>x</b>" not in out
    assert "nan" not in out.lower().replace("ino-n", "")
    assert t._repr_html_() == out
    plain = t.to_html(synthetic=False, caption="")
    assert "Synthetic cohort" not in plain


def test_one_group_and_no_group(lung_by_sex):
    one = table_one(lung_by_sex.assign(arm="All"), by="arm", variables=["age", "ph.ecog"])
    assert "p-value" not in one.frame.columns
    assert one.tests.empty
    none = table_one(lung_by_sex, by=None, variables=["age"])
    assert none.groups == ["Overall"]
    # median(lung$age) -> 63
    assert none.column("Overall").iloc[0].startswith("63 (")


def test_missing_group_rows_are_dropped_and_counted(lung_by_sex):
    cohort = lung_by_sex.copy()
    cohort.loc[:4, "sex"] = None
    t = table_one(cohort, by="sex", variables=["age"])
    assert t.n_dropped_by == 5
    assert sum(t.group_n.values()) == len(lung_by_sex) - 5
    assert any("5 patient(s)" in n for n in t.footnotes)


def test_overall_column_and_group_order(lung_by_sex):
    t = table_one(
        lung_by_sex, by="sex", variables=["age"], overall=True, by_order=["Male", "Female"]
    )
    assert t.groups == ["Overall", "Male", "Female"]
    assert t.group_n == {"Overall": 228, "Male": 138, "Female": 90}


def test_user_errors_name_the_column_and_row(lung_by_sex):
    with pytest.raises(TableOneInputError, match="'agee' not found"):
        table_one(lung_by_sex, by="sex", variables=["agee"])
    bad = lung_by_sex.assign(age=lung_by_sex["age"].astype(object))
    bad.loc[7, "age"] = "unknown"
    with pytest.raises(TableOneInputError, match="column 'age', row 7: value 'unknown'"):
        table_one(bad, by="sex", variables=["age"], continuous=["age"])
    with pytest.raises(TableOneInputError, match="missing="):
        table_one(lung_by_sex, by="sex", variables=["age"], missing="drop")


def test_variable_entirely_missing_in_a_group(lung_by_sex):
    cohort = lung_by_sex.copy()
    cohort.loc[cohort["sex"] == "Female", "wt.loss"] = np.nan
    t = table_one(cohort, by="sex", variables=["wt.loss"])
    assert _cell(t, "wt.loss", "wt.loss, median (IQR)", "Female") == "NA"
    assert math.isnan(_p(t, "wt.loss"))
