"""The Jabbour cohort carries the published differences between groups (issue 19).

On the shipped cohort (data/synthetic/jabbour.csv) every published log-rank p-value of the
paper (PFS and OS by three age groups and by <70 vs >=70 years, PFS by high-risk
cytogenetics and by protocol amendment) prints as the news report or abstract printed it;
the p-values are recomputed with the project's log-rank test (checked against R's
``survdiff``), the printed values read from data/published. Then the leave-out contract of
the generator (cross-validation): a left-out target is scored but held out, and a cohort
built without it, or without any fitted target, is still a valid cohort.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from inoreport import paths, published
from inoreport.stats import survival
from inoreport.studies import build_cohort
from inoreport.studies.jabbour import cohort as jabbour
from inoreport.synthetic import io

#: (endpoint, published group of the p-value, cohort column, number of groups)
COMPARISONS = [
    ("pfs", "age_60_64_vs_65_69_vs_70_plus", "age_group", 3),
    ("os", "age_60_64_vs_65_69_vs_70_plus", "age_group", 3),
    ("pfs", "age_under_70_vs_70_plus", "age_70_plus", 2),
    ("os", "age_under_70_vs_70_plus", "age_70_plus", 2),
    ("pfs", "ctg_high_risk_vs_not", "high_risk_cytogenetics", 2),
    ("pfs", "pre_vs_post_amendment", "amendment", 2),
]


def prints_as(p: float, printed: str) -> bool:
    """Does ``p`` round to the printed value (``.11`` means 0.105 <= p < 0.115)?"""
    value = Decimal(printed.strip())
    half = Decimal(1).scaleb(value.as_tuple().exponent) / 2
    return value - half <= Decimal(repr(p)) < value + half


def test_prints_as_reads_the_printed_precision():
    assert prints_as(0.1149, ".11") and not prints_as(0.115, ".11")
    assert prints_as(0.0475, ".048") and not prints_as(0.0474, ".048")
    assert prints_as(0.0104, "0.010") and not prints_as(0.0106, "0.010")


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return io.read_cohort(paths.SYNTHETIC / "jabbour.csv")


@pytest.mark.parametrize(("endpoint", "group", "column", "k"), COMPARISONS)
def test_shipped_cohort_p_values_print_as_published(shipped, endpoint, group, column, k):
    row = published.get("jabbour", f"{endpoint}_median_p", group)
    test = survival.logrank(shipped, f"{endpoint}_months", f"{endpoint}_event", column)
    assert test.df == k - 1
    assert prints_as(test.p, str(row["printed"])), (endpoint, group, test.p, row["printed"])


def test_shipped_cohort_separates_the_way_the_sources_say(shipped):
    # the younger patients did better, high-risk cytogenetics worse (news report)
    table = survival.logrank(shipped, "pfs_months", "pfs_event", "age_70_plus").table
    old = table.set_index("group").loc["True"]
    assert old["observed"] > old["expected"]
    table = survival.logrank(shipped, "pfs_months", "pfs_event", "high_risk_cytogenetics").table
    high = table.set_index("group").loc["True"]
    assert high["observed"] > high["expected"]


def test_fitted_keys_are_published_statistics_not_counts():
    keys = jabbour.fitted_keys()
    assert len(keys) == len(set(keys)) == 29
    for quantity, group in keys:
        row = published.get("jabbour", quantity, group)  # raises if absent
        assert row["unit"] in ("percent", "months", "p"), (quantity, group)
    assert ("pfs_median_p", "ctg_high_risk_vs_not") in keys
    assert ("n_age_group", "age_60_64") not in keys  # exact by allocation, not fitted


def _valid(build) -> None:
    """A cohort of the published size whose events and exact counts hold together."""
    d = build.cohort
    n = published.value("jabbour", "n_patients")
    assert len(d) == n and d["synthetic"].all()
    assert (d["os_months"] >= d["pfs_months"]).all()
    assert d["age_group"].value_counts().sort_index().tolist() == [25, 27, 28]
    assert (d["death_cause"] == "infection").sum() == published.value(
        "jabbour", "deaths_infection_count"
    )
    assert d["second_neoplasm"].sum() == published.value("jabbour", "n_second_neoplasm")
    smn = d[d["second_neoplasm"]]
    assert (smn["second_neoplasm_months"] < smn["os_months"]).all()


def _rows(build, keys):
    rows = {}
    for r in build.targets:
        if (r.quantity, r.group) in set(keys):
            assert (r.quantity, r.group) not in rows, "a key on two rows"
            rows[(r.quantity, r.group)] = r
    assert set(rows) == set(keys), "a fitted key without its row"
    return rows


def test_everything_left_out_still_builds_a_valid_cohort():
    keys = jabbour.fitted_keys()
    build = build_cohort("jabbour", leave_out=frozenset(keys))
    _valid(build)
    for r in _rows(build, keys).values():
        assert r.role == "held_out" and "left out of the calibration" in r.note


@pytest.mark.slow
def test_one_target_left_out_is_held_out_and_the_rest_still_fitted():
    key = ("pfs_median_p", "ctg_high_risk_vs_not")
    build = build_cohort("jabbour", leave_out=frozenset({key}))
    _valid(build)
    rows = _rows(build, jabbour.fitted_keys())
    assert rows[key].role == "held_out" and "cross-validation" in rows[key].note
    assert all(r.role == "calibrated" for k, r in rows.items() if k != key)


def test_an_unknown_key_cannot_be_left_out():
    with pytest.raises(ValueError, match="cannot leave out"):
        jabbour.build(leave_out={("n_age_group", "age_60_64")})
