"""The dot plot of published percentages."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from inoreport.figures.dots import percent_dot_plot
from inoreport.figures.plots import PlotInputError


@pytest.fixture
def points():
    return pd.DataFrame(
        {
            "section": ["Study A", "Study A", "Study B"],
            "label": ["first", "second", "third"],
            "value": [40.0, 55.0, 81.8],
            "ci_low": [30.0, 45.0, math.nan],
            "ci_high": [50.0, 65.0, math.nan],
        }
    )


def test_one_labelled_row_per_estimate_under_its_heading(points):
    fig = percent_dot_plot(points, "Event-free at 12 months (%)")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["first", "second", "third"]
    texts = [t.get_text() for t in ax.texts]
    assert "Study A" in texts and "Study B" in texts
    assert "40% (30–50)" in texts and "81.8% (no CI)" in texts
    assert ax.get_xlabel() == "Event-free at 12 months (%)"


def test_open_diamond_without_an_interval(points):
    (ax,) = percent_dot_plot(points, "x").axes
    markers = [line for line in ax.lines if line.get_marker() in ("o", "D")]
    assert [m.get_marker() for m in markers] == ["o", "o", "D"]
    assert markers[2].get_markerfacecolor() == "white"
    ci_lines = [line for line in ax.lines if line.get_marker() in ("None", "", None)]
    assert len(ci_lines) == 2  # one line per published interval


def test_missing_column_is_refused(points):
    with pytest.raises(PlotInputError, match="ci_high"):
        percent_dot_plot(points.drop(columns="ci_high"), "x")
