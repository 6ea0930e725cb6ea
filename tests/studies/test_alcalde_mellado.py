"""studies.alcalde_mellado.horizon: the calibrated EFS horizon and follow-up stopped at it.

The abstract (Alcalde-Mellado 2025) reports EFS at 12 months only, so the shipped cohort's
horizon is 12 months.
"""

from __future__ import annotations

import pandas as pd
import pytest

from inoreport import published
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.studies import build_cohort, target_roles
from inoreport.studies.alcalde_mellado.cohort import EFS_LANDMARKS
from inoreport.studies.alcalde_mellado.horizon import calibrated_horizon, censored_at

STUDY = "alcalde_mellado"


def test_horizon_is_the_latest_calibrated_landmark():
    landmarks = {"efs_12mo": 12.0, "efs_24mo": 24.0}
    roles = {
        ("efs_12mo", "ino_arm"): "calibrated",
        ("efs_24mo", "ino_arm"): "held_out",
        ("efs_12mo_p", "ino_arm_vs_chemo_arm"): "held_out",
    }
    assert calibrated_horizon(roles, landmarks) == 12.0
    assert calibrated_horizon({**roles, ("efs_24mo", "chemo_arm"): "calibrated"}, landmarks) == 24
    with pytest.raises(ValueError, match="no calibrated EFS landmark"):
        calibrated_horizon({k: v for k, v in roles.items() if v == "held_out"}, landmarks)


def test_shipped_cohort_horizon_is_the_published_landmark():
    # the abstract reports EFS at 12 months only (quantity efs_12mo)
    assert EFS_LANDMARKS == {"efs_12mo": 12.0}
    assert calibrated_horizon(target_roles(STUDY)) == 12.0


def test_every_recorded_target_key_is_a_published_number():
    roles = target_roles(STUDY)
    assert roles, "make data recorded no target keys for alcalde_mellado"
    for quantity, group in roles:
        assert published.get(STUDY, quantity, group) is not None
    for quantity in EFS_LANDMARKS:
        assert published.get(STUDY, quantity, "ino_arm") is not None


def test_recorded_roles_match_the_generator():
    # the committed data dictionary is in step with the generator (make data was rerun)
    build = build_cohort(STUDY)
    assert {row.key: row.role for row in build.targets} == target_roles(STUDY)
    for row in build.targets:
        assert row.key is not None, row.statistic
        if row.unit == "%" or row.unit == "cells/µL":
            assert row.published == pytest.approx(published.value(STUDY, *row.key), abs=1e-3)


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
