"""Figures of inoreport.figures.evidence and their alt text: one panel per estimate, rows and
labels as the data say, text legible at the page's column width."""

from __future__ import annotations

import pandas as pd
import pytest

from inoreport.figures import evidence as evf
from inoreport.stats import evidence as ev


def test_posterior_figure_has_one_panel_per_estimate_and_describes_itself():
    liks = {
        "A": ev.log_ratio_normal(1.2, 0.7, 2.0),
        "B": ev.log_ratio_normal(0.3, 0.2, 0.5),
        "C": ev.log_ratio_normal(1.5, 1.0, 2.2),
    }
    panels = {k: [ev.normal_posterior(v, p) for p in ev.standard_priors()] for k, v in liks.items()}
    fig = evf.posterior_figure(panels, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    assert [ax.get_title(loc="left") for ax in visible] == ["A", "B", "C"]
    alt = evf.posterior_alt_text(panels)
    assert "A: published hazard ratio 1.20 (0.70 to 2.00)" in alt
    assert "B:" in alt and "<1%" in alt


def test_difference_figure_rows_and_alt_text():
    frame = pd.DataFrame(
        {
            "section": ["S1", "S1", "S2"],
            "label": ["a", "b", "c"],
            "estimate": [0.1, -0.05, 0.2],
            "ci_low": [-0.02, -0.2, 0.05],
            "ci_high": [0.22, 0.1, 0.35],
        }
    )
    fig = evf.difference_figure(frame)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    # true minus signs, as in the figure's own labels
    assert "a: +10 (\u22122 to +22)" in evf.difference_alt_text(frame)
    right = [ax for ax in fig.axes if ax is not fig.axes[0]][0]
    assert [t.get_text() for t in right.get_yticklabels()][0] == "+10 (\u22122 to +22)"
    with pytest.raises(ev.EvidenceInputError, match="ci_high"):
        evf.difference_figure(frame.drop(columns="ci_high"))


def test_figures_are_sized_for_the_book_column():
    # Shown at a ~680 px column, text of f points in a w-inch-wide figure is about
    # f * 680 / (72 * w) px: ticks must come out at 12 px or more (they were 7-9 px).
    liks = {k: ev.log_ratio_normal(1.2, 0.7, 2.0) for k in "ABC"}
    panels = {k: [ev.normal_posterior(v, p) for p in ev.standard_priors()] for k, v in liks.items()}
    figures = [
        evf.posterior_figure(panels),
        evf.difference_figure(
            pd.DataFrame({"label": ["a"], "estimate": [0.1], "ci_low": [0.0], "ci_high": [0.2]})
        ),
    ]
    for fig in figures:
        width = fig.get_size_inches()[0]
        ax = fig.axes[0]
        size = min(t.get_fontsize() for t in ax.get_xticklabels())
        assert size * 680 / (72 * width) >= 12, (size, width)


def test_difference_alt_text_never_prints_a_negative_zero():
    # the alt text writes limits with points_text (tests/stats/test_evidence.py)
    frame = pd.DataFrame(
        {"label": ["x"], "estimate": [0.104], "ci_low": [-0.003], "ci_high": [0.206]}
    )
    assert "x: +10 (\u22120.3 to +21)" in evf.difference_alt_text(frame)
    assert "0 to" not in evf.difference_alt_text(frame).replace("0.3 to", "")
