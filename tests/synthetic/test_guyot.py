"""Method B (Guyot et al. 2012): round trip on R's survival::lung, whose individual data
are the truth: KM curve and risk table -> reconstructed individual data -> KM within 0.02
at every time and the hazard ratio within 5%."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inoreport.synthetic import fastsurv, guyot


@pytest.mark.parametrize("risk_step", [100, 50])
@pytest.mark.parametrize("with_total", [True, False])
def test_round_trip_on_lung(lung, risk_step, with_total):
    rebuilt = []
    for sex in (1, 2):
        g = lung[lung["sex"] == sex]
        curve, risk = guyot.digitise(g["time"], g["status"], np.arange(0, 1001, risk_step))
        ipd = guyot.reconstruct(
            curve["time"],
            curve["survival"],
            risk["time"],
            risk["n_risk"],
            total_events=int(g["status"].sum()) if with_total else None,
        )
        assert len(ipd) == len(g)
        grid = np.arange(0, g["time"].max() + 1)
        gap = np.abs(
            fastsurv.km_at(g["time"], g["status"], grid)
            - fastsurv.km_at(ipd["time"], ipd["event"], grid)
        )
        assert gap.max() <= 0.02, f"sex {sex}: KM differs by {gap.max():.3f}"
        ipd["sex"] = sex
        rebuilt.append(ipd)
    rec = pd.concat(rebuilt)
    b_true, _ = fastsurv.fit_cox(
        lung["time"], lung["status"], (lung["sex"] == 2).to_numpy(float)[:, None]
    )
    b_rec, _ = fastsurv.fit_cox(
        rec["time"], rec["event"], (rec["sex"] == 2).to_numpy(float)[:, None]
    )
    # R: exp(coef(coxph(Surv(time, status) ~ sex, lung))) = 0.5880028
    assert np.exp(b_true[0]) == pytest.approx(0.5880028, abs=1e-5)
    assert abs(np.exp(b_rec[0]) / np.exp(b_true[0]) - 1) <= 0.05


def test_total_events_are_matched_when_given(lung):
    g = lung[lung["sex"] == 1]
    curve, risk = guyot.digitise(g["time"], g["status"], np.arange(0, 1001, 100))
    ipd = guyot.reconstruct(
        curve["time"], curve["survival"], risk["time"], risk["n_risk"], total_events=112
    )
    assert ipd["event"].sum() == 112


def test_digitising_noise_is_cleaned():
    t, s = guyot.clean_coordinates([3, 1, 2, 2.5], [0.7, 0.9, 0.8, 0.82])
    assert t[0] == 0 and s[0] == 1
    assert np.all(np.diff(s) <= 0)  # the rise at 2.5 is flattened


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"times": [1, 2], "survival": [90, 80], "risk_times": [0], "n_risk": [10]},
            "divide percentages",
        ),
        (
            {"times": [1, 2], "survival": [0.9, 0.8], "risk_times": [1], "n_risk": [10]},
            "starts at time 1",
        ),
        (
            {"times": [1, 2], "survival": [0.9, 0.8], "risk_times": [0, 1], "n_risk": [10, 12]},
            "must not increase",
        ),
    ],
)
def test_bad_inputs_say_what_to_fix(kwargs, message):
    with pytest.raises(guyot.GuyotInputError, match=message):
        guyot.reconstruct(**kwargs)
