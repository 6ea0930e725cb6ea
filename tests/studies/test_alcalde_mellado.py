"""studies.alcalde_mellado.horizon: the calibrated EFS horizon and follow-up stopped at it.

The abstract (Alcalde-Mellado 2025) reports EFS at 12 months only, so the shipped cohort's
horizon is 12 months.
"""

from __future__ import annotations

import pandas as pd
import pytest

from inoreport.book.results import ScorecardRow
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.studies.alcalde_mellado.horizon import calibrated_horizon, censored_at


def test_horizon_is_the_latest_calibrated_landmark():
    record = [
        ScorecardRow("12-month EFS, InO (arm) (%)", 66.7, 66.7, "calibrated", True),
        ScorecardRow("24-month EFS, InO (arm) (%)", 50.0, 40.0, "held_out", False),
        ScorecardRow("EFS log-rank p, InO vs chemotherapy", 0.648, 0.85, "held_out", True),
    ]
    assert calibrated_horizon(record) == 12.0
    with pytest.raises(ValueError, match="no calibrated EFS landmark"):
        calibrated_horizon(record[1:])


def test_shipped_cohort_horizon_is_twelve_months():
    from inoreport.studies import build_cohort as build

    assert calibrated_horizon(build("alcalde_mellado").targets) == 12.0


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "time": [2.0, 5.0, 12.0, 13.0, 20.0, 30.0, 3.0, 8.0, 15.0, 40.0],
            "event": [1, 0, 1, 1, 0, 1, 1, 1, 0, 1],
            "group": ["a"] * 6 + ["b"] * 4,
        }
    )


def test_censored_at_stops_follow_up(frame):
    cut = censored_at(frame, 12.0)
    assert cut["time"].max() == 12.0
    assert cut.loc[frame["time"] > 12, "event"].eq(0).all()
    # an event exactly at the horizon is kept; nothing earlier changes
    early = frame["time"] <= 12
    pd.testing.assert_frame_equal(cut[early], frame[early])
    assert frame["time"].max() == 40.0  # the input is left as it was


def test_landmark_estimate_is_unchanged_and_the_test_uses_the_calibrated_part(frame):
    full = kaplan_meier(frame, "time", "event", by="group").landmarks([12.0])
    cut = kaplan_meier(censored_at(frame, 12.0), "time", "event", by="group").landmarks([12.0])
    assert cut["survival"].tolist() == pytest.approx(full["survival"].tolist())
    # events after 12 months no longer enter the log-rank test
    changed = frame.copy()
    changed.loc[frame["time"] > 12, "event"] = 1 - frame.loc[frame["time"] > 12, "event"]
    p_cut = logrank(censored_at(frame, 12.0), "time", "event", "group").p
    p_changed = logrank(censored_at(changed, 12.0), "time", "event", "group").p
    assert p_cut == pytest.approx(p_changed)
    assert logrank(frame, "time", "event", "group").p != pytest.approx(
        logrank(changed, "time", "event", "group").p
    )


def test_bad_input_says_what_is_wrong(frame):
    with pytest.raises(ValueError, match="column 'efs'"):
        censored_at(frame, 12.0, time="efs")
    with pytest.raises(ValueError, match="positive time"):
        censored_at(frame, 0.0)
