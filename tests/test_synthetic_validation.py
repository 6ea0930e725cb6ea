"""The methods page's validation: Method A rebuilds R's survival::lung from what a paper
would print about it; the calibrated statistics come back within tolerance, and the
held-out ones are computed (whatever they are)."""

from __future__ import annotations

import numpy as np
import pytest

from inoreport.synthetic import validation


@pytest.fixture(scope="module")
def result():
    return validation.validate()


def test_lung_in_book_units(result):
    real = result.real
    assert len(real) == 227  # 228 patients, one without ECOG
    assert set(real["sex"]) == {"male", "female"} and set(real["ecog"]) == {"0", "1", "2+"}
    # R: median(survfit(Surv(time, status) ~ 1, lung))$median = 310 days
    from inoreport.synthetic import fastsurv

    assert fastsurv.km_median(real["os_months"] * 365.25 / 12, real["os_event"]) == pytest.approx(
        310, abs=1
    )


def test_rebuild_meets_calibrated_statistics(result):
    cmp = result.comparison.set_index("statistic")
    for stat, row in cmp[cmp["role"] == "calibrated"].iterrows():
        if stat.startswith("HR"):
            assert abs(np.log(row["rebuilt"] / row["published"])) <= np.log(1.1), stat
        elif "survival" in stat and "%" in stat:
            assert abs(row["rebuilt"] - row["published"]) <= 2, stat
        else:
            assert abs(row["rebuilt"] - row["published"]) <= 1, stat


def test_rebuild_keeps_table_one(result):
    real, rebuilt = result.real, result.rebuilt
    for sex in ("male", "female"):
        a, b = real[real["sex"] == sex], rebuilt[rebuilt["sex"] == sex]
        assert len(a) == len(b)
        assert a["ecog"].value_counts().to_dict() == b["ecog"].value_counts().to_dict()
        assert (
            b["age_years"].min() == a["age_years"].min()
            and b["age_years"].max() == a["age_years"].max()
        )


def test_held_out_statistics_are_reported(result):
    held = result.comparison[result.comparison["role"] == "held_out"]
    assert {"log-rank p, female vs male", "HR sex[female] (univariable)"} <= set(held["statistic"])
    assert held["rebuilt"].notna().all()


def test_guyot_round_trip_rows():
    rows = validation.guyot_round_trip().set_index("statistic")
    assert rows.loc["largest KM gap, male", "reconstructed"] <= 0.02
    assert rows.loc["largest KM gap, female", "reconstructed"] <= 0.02
    hr = rows.loc["HR female vs male"]
    assert abs(hr["reconstructed"] / hr["real"] - 1) <= 0.05


def test_methods_page_helpers(result):
    from inoreport.synthetic import report

    fig = report.validation_figure(result)
    alt = fig._inoreport_alt
    assert "synthetic" in alt.lower() and "lung" in alt
    table = report.validation_table(result)
    assert "rebuilt (synthetic)" in table.columns
    assert (
        report.number(0.00123) == "0.00123"
        and report.number(12.0) == "12"
        and report.number(None) == ""
    )
