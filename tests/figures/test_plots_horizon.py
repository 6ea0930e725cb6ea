"""km_plot(calibrated_horizon=...): a synthetic curve is drawn as calibrated only up to the
horizon; beyond it the figure itself says "extrapolated" (inspected through its artists).

Data: R's ``survival::lung`` (lifelines' ``load_lung()``); medians from R 4.2.2,
``print(survfit(Surv(time, status) ~ sex, lung))``: 270 days (sex 1), 426 days (sex 2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_lung
from matplotlib.colors import to_rgb

from inoreport.figures import plots
from inoreport.stats.survival import kaplan_meier

R_MEDIANS = {"Male": 270, "Female": 426}
HORIZON = 350.0  # between the two medians: one is drawn, the other is not


@pytest.fixture(scope="module")
def km():
    data = load_lung()
    data["sex"] = data["sex"].map({1: "Male", 2: "Female"})
    return kaplan_meier(data, "time", "status", by="sex", order=["Male", "Female"])


@pytest.fixture(scope="module")
def fig(km):
    return plots.km_plot(
        km, risk_times=[0, 200, 400, 600, 800, 1000], xlabel="Days", ci=True,
        synthetic=True, calibrated_horizon=HORIZON,
    )  # fmt: skip


def _artist(fig, gid):
    found = [a for a in fig.findobj() if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist {gid!r}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("group", ["Male", "Female"])
def test_curve_is_split_at_the_horizon(fig, km, group):
    solid = _artist(fig, f"km-{group}")
    late = _artist(fig, f"km-extrapolated-{group}")
    x_solid, x_late = np.asarray(solid.get_xdata()), np.asarray(late.get_xdata())
    assert x_solid.max() == pytest.approx(HORIZON)
    assert x_late.min() == pytest.approx(HORIZON)
    # the extrapolated part carries every step of the fit after the horizon, and the two
    # parts meet at the same level
    rows = km.table[km.table["group"].astype(str) == group]
    assert x_late.max() == pytest.approx(rows["time"].max())
    assert np.asarray(late.get_ydata())[0] == pytest.approx(np.asarray(solid.get_ydata())[-1])
    # dashed and paler than the calibrated part
    assert solid.get_linestyle() == "-"
    assert late.get_linestyle() == "--"
    assert np.mean(to_rgb(late.get_color())) > np.mean(to_rgb(solid.get_color()))


def test_region_label_and_alt_text(fig):
    region = _artist(fig, "km-extrapolated-region")
    xs = np.asarray(region.get_path().transformed(region.get_patch_transform()).vertices)[:, 0]
    assert xs.min() == pytest.approx(HORIZON)  # the grey region starts at the horizon
    assert xs.max() >= 1000  # ... and runs to the end of the axis
    label = _artist(fig, "km-extrapolated-label").get_text()
    assert "extrapolated" in label and "350 days" in label
    alt = plots.alt_text(fig)
    assert alt.startswith("Synthetic data")
    assert "calibrated to published figures up to 350 days" in alt
    assert "extrapolated" in alt


def test_median_beyond_the_horizon_is_not_drawn(fig):
    # R: medians 270 (Male) and 426 (Female) days; only 270 lies within 350
    drawn = {a.get_gid() for a in fig.findobj() if (a.get_gid() or "").startswith("km-median-")}
    assert "km-median-Male" in drawn
    assert "km-median-Female" not in drawn
    male = _artist(fig, "km-median-Male")
    assert np.asarray(male.get_xdata())[0] == pytest.approx(R_MEDIANS["Male"])
    assert "426 days, beyond the calibrated horizon, so extrapolated" in plots.alt_text(fig)


def test_censoring_marks_and_risk_numbers_after_the_horizon_are_marked(fig):
    for group in ("Male", "Female"):
        early = _artist(fig, f"km-censor-{group}")
        late = _artist(fig, f"km-censor-extrapolated-{group}")
        assert np.asarray(early.get_xdata()).max() <= HORIZON
        assert np.asarray(late.get_xdata()).min() > HORIZON
        colour = to_rgb(_artist(fig, f"km-{group}").get_color())
        assert to_rgb(_artist(fig, f"risk-{group}-200").get_color()) == colour
        assert to_rgb(_artist(fig, f"risk-{group}-400").get_color()) != colour


def test_confidence_band_stops_at_the_horizon(fig):
    band = _artist(fig, "km-ci-Male")
    xs = np.concatenate([path.vertices[:, 0] for path in band.get_paths()])
    assert xs.max() == pytest.approx(HORIZON)


def test_without_a_horizon_nothing_is_marked(km):
    fig = plots.km_plot(km, xlabel="Days")
    gids = {a.get_gid() or "" for a in fig.findobj()}
    assert not any("extrapolated" in g for g in gids)
    assert "extrapolated" not in plots.alt_text(fig)
    # a horizon past the end of follow-up leaves the figure as it was
    late = plots.km_plot(km, xlabel="Days", calibrated_horizon=5000)
    assert not any("extrapolated" in (a.get_gid() or "") for a in late.findobj())


@pytest.mark.parametrize("bad", [0, -3, float("nan")])
def test_bad_horizon_is_refused(km, bad):
    with pytest.raises(plots.PlotInputError, match="calibrated_horizon"):
        plots.km_plot(km, calibrated_horizon=bad)


def test_horizon_in_a_frame_without_censoring():
    # every patient has the event: no censoring marks at all, the split still holds
    data = pd.DataFrame({"months": [1.0, 2, 3, 5, 8, 13], "event": 1})
    fig = plots.km_plot(kaplan_meier(data, "months", "event"), calibrated_horizon=4)
    late = _artist(fig, "km-extrapolated-all")
    assert np.asarray(late.get_xdata()).tolist() == [4.0, 5.0, 8.0, 13.0]
    assert np.asarray(late.get_ydata()).tolist() == pytest.approx([0.5, 2 / 6, 1 / 6, 0.0])
