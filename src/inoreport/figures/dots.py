"""Dot plot of published percentages, grouped under headings, with a CI where one exists.

Takes results (a DataFrame of percentages), returns a matplotlib figure in the house style.
Nothing here names a study.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from inoreport.figures.base import PALETTE, PlotInputError, new_figure, style

__all__ = ["percent_dot_plot"]

_COLUMNS = ("section", "label", "value", "ci_low", "ci_high")


def percent_dot_plot(points: pd.DataFrame, xlabel: str, width: float = 6.6) -> Figure:
    """One row per estimate, grouped under a bold heading per ``section`` (in order of
    appearance), each section in its own colour.

    ``points``: columns ``section``, ``label``, ``value``, ``ci_low``, ``ci_high`` in percent
    (0–100; ``ci_low``/``ci_high`` NaN where no interval was published). An estimate with an
    interval is a filled circle with a line, one without is an open diamond; the value and
    interval are written at the right. ``width`` in inches.
    """
    missing = [c for c in _COLUMNS if c not in points.columns]
    if missing:
        raise PlotInputError(f"points: missing column(s) {missing}; expected {list(_COLUMNS)}")
    sections = list(dict.fromkeys(points["section"]))
    if len(sections) > len(PALETTE):
        raise PlotInputError(f"{len(sections)} sections; at most {len(PALETTE)} colours")
    n_rows = len(points) + len(sections)
    with style():
        fig = new_figure(width, 0.42 * n_rows + 1.0, layout=None)
        ax = fig.subplots()
        y, ticks, labels = n_rows, [], []
        for section, colour in zip(sections, PALETTE, strict=False):
            y -= 1
            ax.text(-2, y, section, fontsize=12, fontweight="bold", va="center", ha="right")
            for r in points[points["section"] == section].itertuples():
                y -= 1
                has_ci = not (pd.isna(r.ci_low) or pd.isna(r.ci_high))
                if has_ci:
                    ax.plot([r.ci_low, r.ci_high], [y, y], color=colour, lw=2)
                face = colour if has_ci else "white"
                marker = "o" if has_ci else "D"
                ax.plot(r.value, y, marker, color=colour, markerfacecolor=face, ms=8, mew=2)
                ci = f" ({r.ci_low:.0f}–{r.ci_high:.0f})" if has_ci else " (no CI)"
                ax.text(102, y, f"{r.value:g}%{ci}", va="center", fontsize=11)
                ticks.append(y)
                labels.append(r.label)
        ax.set_yticks(ticks)
        ax.set_yticklabels(labels, fontsize=11)
        ax.tick_params(axis="x", labelsize=11)
        ax.set_ylim(-0.7, n_rows - 0.3)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel, fontsize=11)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig
