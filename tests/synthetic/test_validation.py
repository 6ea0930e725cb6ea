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
    assert {"log-rank p, female vs male", "HR female vs male (univariable)"} <= set(
        held["statistic"]
    )
    assert held["rebuilt"].notna().all()


def test_guyot_round_trip_rows():
    rows = validation.guyot_round_trip().set_index("statistic")
    assert rows.loc["largest KM gap, male", "reconstructed"] <= 0.02
    assert rows.loc["largest KM gap, female", "reconstructed"] <= 0.02
    hr = rows.loc["HR female vs male"]
    assert abs(hr["reconstructed"] / hr["real"] - 1) <= 0.05


def test_digitising_noise_makes_method_b_a_real_test():
    """With reading error the reconstruction is no longer exact, and gets worse as the
    error grows; its hazard ratio stays close (the risk table and event total anchor it)."""
    study = validation.guyot_noise_study(noise_levels=(0.0, 0.005, 0.02), replicates=12)
    exact, low, high = (study.iloc[i] for i in range(3))
    assert exact["replicates"] == 1 and exact["gap_median"] < 1.0
    assert low["replicates"] == 12
    assert exact["gap_median"] < low["gap_median"] < high["gap_median"]
    assert low["gap_p95"] >= low["gap_median"]
    assert high["hr_error_median"] < 15  # percent
    # same seed, same result; the exact run has nothing random in it
    again = validation.guyot_noise_study(noise_levels=(0.0, 0.005, 0.02), replicates=12)
    assert again.equals(study)


def test_jittered_points_keep_reading_order_and_risk_table_ticks():
    import pandas as pd

    curve = pd.DataFrame(
        {"time": [0.0, 0.5, 1.0, 2.9, 3.0, 3.2], "survival": [1, 0.9, 0.8, 0.7, 0.7, 0.6]}
    )
    out = validation.jitter_curve(curve, 0.5, 0.01, np.random.default_rng(0), tick_times=[3.0])
    assert np.all(np.diff(out["time"]) >= 0)
    assert out["time"].iloc[4] == 3.0  # read at the tick: time kept
    assert (out["time"].iloc[1:4] < 3.0).all() and out["time"].iloc[5] > 3.0  # no tick crossed


def test_methods_page_helpers(result):
    from inoreport.synthetic import report

    fig = report.validation_figure(result)
    alt = fig._inoreport_alt
    assert "synthetic" in alt.lower() and "lung" in alt
    table = report.validation_table(result)
    assert "Rebuilt (synthetic)" in table.columns
    assert (
        report.number(0.00123) == "0.00123"
        and report.number(12.0) == "12"
        and report.number(None) == ""
    )
