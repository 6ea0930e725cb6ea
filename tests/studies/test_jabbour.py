"""studies.jabbour.horizon: the calibrated horizon read from the generator's target record.

Reference values are the paper's: the landmarks are 2 and 5 years (24 and 60 months), and the
latest published medians are PFS 70.2 months and OS 75.2 months (age 60-64, news report of
Jabbour 2023, in data/published/jabbour.csv).
"""

from __future__ import annotations

import pytest

from inoreport import published
from inoreport.book.results import ScorecardRow
from inoreport.studies.jabbour.horizon import calibrated_horizon, calibrated_times


def _target(statistic, published_value, role="calibrated", reproduced=None):
    return {
        "statistic": statistic, "role": role, "published": published_value,
        "reproduced": reproduced,
    }  # fmt: skip


RECORD = [
    _target("PFS 2-year (%)", 58.2),
    _target("PFS 5-year (%)", 44.0),
    _target("PFS 5-year 95% CI high (%)", 54.3, role="held_out"),
    _target("CRD 5-year (%)", 80.2),
    _target("median PFS, age 60 64", 70.2),
    _target("median PFS, age under 70", 60.4, role="held_out"),
    _target("median OS, age 60 64", 75.2),
    _target("median follow-up, reverse KM (months)", 92.8),
    _target("PFS log-rank p, age group (3)", 0.11, role="held_out"),
]


def test_landmarks_and_medians_become_months():
    found = {(e, m) for e, m, _ in calibrated_times(RECORD)}
    assert found == {("PFS", 24.0), ("PFS", 60.0), ("CRD", 60.0), ("PFS", 70.2), ("OS", 75.2)}


def test_horizon_per_endpoint():
    assert calibrated_horizon(RECORD, ["PFS"]) == pytest.approx(70.2)
    assert calibrated_horizon(RECORD, ["OS"]) == pytest.approx(75.2)
    assert calibrated_horizon(RECORD, ["pfs", "os"]) == pytest.approx(75.2)
    # remission duration: only its 5-year landmark; the follow-up median fixes no curve
    assert calibrated_horizon(RECORD, ["CRD"]) == pytest.approx(60.0)


def test_a_median_reproduced_a_little_later_extends_the_horizon_to_it():
    # the fitted curve crosses 50% at 70.33 months: the horizon is 70.4, not the published 70.2
    record = [_target("median PFS, age 60 64", 70.2, reproduced=70.33)]
    assert calibrated_horizon(record, ["PFS"]) == pytest.approx(70.4)
    # reproduced earlier than published: the published median is the later time
    record = [_target("median OS, age 60 64", 75.2, reproduced=74.9)]
    assert calibrated_horizon(record, ["OS"]) == pytest.approx(75.2)


def test_held_out_targets_do_not_extend_the_horizon():
    record = [_target("PFS 2-year (%)", 58.2), _target("median PFS, x", 99.0, role="held_out")]
    assert calibrated_horizon(record, ["PFS"]) == pytest.approx(24.0)


def test_scorecard_rows_are_read_too():
    rows = [ScorecardRow("OS 5-year (%)", 46.0, 45.1, "calibrated", True)]
    assert calibrated_horizon(rows, ["OS"]) == pytest.approx(60.0)


def test_no_calibrated_target_is_an_error():
    with pytest.raises(ValueError, match="no calibrated landmark or median"):
        calibrated_horizon([_target("PFS 2-year (%)", 58.2, role="held_out")], ["PFS"])
    with pytest.raises(ValueError, match="endpoint 'EFS'"):
        calibrated_horizon(RECORD, ["EFS"])


def test_shipped_generator_horizon_is_the_latest_published_median():
    from inoreport.studies import build_cohort as build

    targets = build("jabbour").targets
    # the latest published PFS and OS medians (age 60-64), read from data/published
    pfs = float(published.value("jabbour", "pfs_median", "age_60_64"))
    os_ = float(published.value("jabbour", "os_median", "age_60_64"))
    # ... or, where the fitted median came out a little later, that median (within the
    # generator's 1-month calibration tolerance)
    assert pfs <= calibrated_horizon(targets, ["PFS"]) <= pfs + 1.0
    assert os_ <= calibrated_horizon(targets, ["OS"]) <= os_ + 1.0
    assert calibrated_horizon(targets, ["CRD"]) == pytest.approx(60.0)
