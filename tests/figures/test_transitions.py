"""Figures of inoreport.figures.transitions: what is drawn and said (alt text) is what the
counts and values say. The counts come from inoreport.stats.small_cohorts (tested in
tests/stats/test_small_cohorts.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from inoreport.figures import base, transitions
from inoreport.stats import small_cohorts as burden


def test_flow_plot_alt_text_lists_every_move_and_badge(transition_cohort):
    counts = burden.transition_counts(
        transition_cohort, "before", "after", by="arm", levels=["high", "low"], order=["A", "B"]
    )
    fig = transitions.transition_flow_plot(
        counts,
        ["high", "low"],
        ["A", "B"],
        link_labels={("high", "low"): "converted"},
        synthetic=True,
    )
    alt = base.alt_text(fig)
    assert alt.startswith("Synthetic data")
    assert "A (7 patients): 1 high to high, 4 converted, 2 low to low" in alt
    assert "B (11 patients): 5 high to high, 2 converted, 1 low to high, 3 low to low" in alt
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert base.SYNTHETIC_LABEL in texts
    # one ribbon per non-empty move: A has 3, B has 4
    ribbons = [p for ax in fig.axes for p in ax.patches if str(p.get_gid()).startswith("flow-")]
    assert len(ribbons) == 7


def test_distribution_plot_marks_references_and_refuses_log_of_zero():
    data = pd.DataFrame(
        {"arm": ["A"] * 3 + ["B"] * 4, "v": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, np.nan]}
    )
    fig = transitions.distribution_plot(
        data, "v", "arm", ["A", "B"], reference={"A": 2.5, "B": 20.0}, log=True, ylabel="Cells"
    )
    alt = base.alt_text(fig)
    assert alt.startswith("Dot plot of cells on a log scale by group")
    assert "A: 3 values, median 2 (published median 2.5)" in alt
    assert "B: 3 values, median 16 (published median 20), 1 missing" in alt
    data.loc[0, "v"] = 0.0
    with pytest.raises(base.PlotInputError, match="value <= 0"):
        transitions.distribution_plot(data, "v", "arm", log=True)


def test_power_curve_plot_alt_text_says_where_power_is_reached():
    curves = pd.DataFrame(
        {
            "value": [0.1, 0.3, 0.5, 0.7, 0.9] * 2,
            "power": [0.9, 0.5, 0.05, 0.5, 0.85, 0.6, 0.3, 0.05, 0.3, 0.6],
            "method": ["exact"] * 5 + ["approximate"] * 5,
        }
    )
    fig = transitions.power_curve_plot(curves, reference=0.5, reference_label="control 50%")
    alt = base.alt_text(fig)
    assert "exact reaches 80% power only for values 10% and for values 90%" in alt
    assert "approximate never reaches 80% power" in alt
    assert "Vertical lines mark the comparison group (control 50%) at 50%." in alt
    with pytest.raises(base.PlotInputError, match="'method' missing"):
        transitions.power_curve_plot(curves.drop(columns="method"))


def test_power_curve_plot_alt_text_quotes_exact_regions_and_marks_them():
    curves = pd.DataFrame(
        {"value": [0.1, 0.5, 0.9], "power": [0.9, 0.05, 0.9], "method": ["m"] * 3}
    )
    reach = {"m": [(None, 0.0914), (0.9557, None)]}
    fig = transitions.power_curve_plot(curves, reach=reach)
    alt = base.alt_text(fig)
    assert alt.startswith("Power curves against true value in the other group, 1 method")
    # the alt text quotes the regions given, not the coarse grid (10%, 90%)
    assert "m reaches 80% power only for values of 9% or lower" in alt
    assert "and for values of 96% or higher" in alt
    marks = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert len(marks) == 1
    assert list(marks[0].get_xdata()) == pytest.approx([9.14, 95.57])
    fig = transitions.power_curve_plot(curves, reach={"m": [(0.2, 0.3)]}, digits=1)
    assert "only for values from 20.0% to 30.0%" in base.alt_text(fig)


def test_composition_plot_alt_text_has_counts_and_shares():
    frame = pd.DataFrame(
        {
            "group": ["A", "A", "B", "B"],
            "category": ["active", "remission", "active", "remission"],
            "n": [3, 1, 1, 1],
        }
    )
    fig = transitions.composition_plot({"Status": frame}, groups=["A", "B"], synthetic=True)
    alt = base.alt_text(fig)
    assert "A (4 patients): 3 active (75%), 1 remission (25%)" in alt
    assert "B (2 patients): 1 active (50%), 1 remission (50%)" in alt
    with pytest.raises(base.PlotInputError, match="no column 'n'"):
        transitions.composition_plot({"Status": frame.drop(columns="n")})
