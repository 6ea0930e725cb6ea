"""Figures for the strength of published evidence: posterior densities of published ratios
under several priors, and differences with their confidence intervals, each with a function
that writes its alt text.

Each function takes results from :mod:`inoreport.stats.evidence` (posteriors, tables of
differences), never raw data, and returns a matplotlib Figure built on
:mod:`inoreport.figures.base` (no pyplot state). Differences are proportions, shown in
percentage points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib import transforms
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from inoreport.figures.base import new_figure
from inoreport.stats.evidence import EvidenceInputError, Posterior, percent_text, points_text

__all__ = [
    "PRIOR_COLOURS",
    "difference_alt_text",
    "difference_figure",
    "posterior_alt_text",
    "posterior_figure",
]


def posterior_figure(
    panels: dict[str, Sequence[Posterior]],
    thresholds: Sequence[float] = (1.0, 1.25),
    ncols: int = 2,
    xlabel: str = "Hazard ratio (log scale)",
    colours: dict[str, str] | None = None,
    xlim: tuple[float, float] = (0.03, 8.0),
    width: float = 6.8,
    fontsize: float = 10.5,
):
    """Small multiples of posterior densities, one panel per published ratio.

    ``panels`` maps a panel title to its posteriors (one curve per prior). Each curve is
    the density of the log ratio drawn against the ratio on a log axis, so equal areas are
    equal probabilities; the published estimate and CI are drawn as a bar under the curves
    and the ``thresholds`` as vertical lines. ``width`` (inches) and ``fontsize`` (points)
    are chosen so that, shown at a book's column width (about 680 px), tick labels are about
    13 px tall. Returns a matplotlib Figure (no pyplot state); :func:`posterior_alt_text`
    describes it.
    """
    colours = {**PRIOR_COLOURS, **(colours or {})}
    styles = {"vague": (0, (4, 2))}
    n = len(panels)
    if n == 0:
        raise EvidenceInputError("no panels to plot; expected at least one estimate")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = new_figure(width, 0.6 + 2.0 * nrows)
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    grid = np.exp(np.linspace(math.log(xlim[0]), math.log(xlim[1]), 800))
    # a factor of 2 to 2.5 between ticks keeps their labels apart at this size
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 8) if xlim[0] <= t <= xlim[1]]
    for ax, (title, posts) in zip(axes.flat, panels.items(), strict=False):
        top = 0.0
        for post in posts:
            density = post.density(grid)
            top = max(top, float(density.max()))
            ax.plot(
                grid,
                density,
                color=colours.get(post.prior.name, "#666666"),
                linestyle=styles.get(post.prior.name, "-"),
                linewidth=1.5,
            )
        if posts:
            lik = posts[0].likelihood
            y = -0.07 * top
            ax.plot([lik.ci_low, lik.ci_high], [y, y], color="#444444", linewidth=2.2)
            ax.plot([lik.estimate], [y], "s", color="#444444", markersize=4.5)
        for t in thresholds:
            ax.axvline(t, color="#888888", linewidth=0.8, linestyle="-" if t == 1 else ":")
        ax.set_xscale("log")
        ax.set_xlim(*xlim)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"{t:g}" for t in ticks], fontsize=fontsize - 0.5)
        ax.set_ylim(-0.14 * top, 1.08 * top)
        ax.set_yticks([])
        ax.set_title(title, fontsize=fontsize + 0.5, loc="left")
        ax.spines[["top", "right", "left"]].set_visible(False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes.flat[max(0, n - ncols) : n]:
        ax.set_xlabel(xlabel, fontsize=fontsize - 0.5)
    names = []
    for posts in panels.values():
        for post in posts:
            if post.prior.name not in names:
                names.append(post.prior.name)
    handles = [
        Line2D([], [], color=colours.get(k, "#666666"), linestyle=styles.get(k, "-"), lw=1.5)
        for k in names
    ] + [Line2D([], [], color="#444444", linewidth=2.2, marker="s", markersize=4.5)]
    labels = [f"{k.capitalize()} prior" for k in names] + ["Published estimate, 95% CI"]
    fig.legend(
        handles, labels, loc="outside lower center", ncol=3, frameon=False, fontsize=fontsize - 0.5
    )
    return fig


#: Okabe–Ito colours for the four standard priors (colour-blind safe).
PRIOR_COLOURS = {
    "sceptical": "#0072B2",
    "vague": "#000000",
    "enthusiastic": "#009E73",
    "pessimistic": "#D55E00",
}


def posterior_alt_text(
    panels: dict[str, Sequence[Posterior]], threshold: float = 1.25, what: str = "hazard ratio"
) -> str:
    """Alt text for :func:`posterior_figure`, built from the posteriors it shows."""
    parts = []
    for title, posts in panels.items():
        if not posts:
            continue
        lik = posts[0].likelihood
        probs = ", ".join(f"{p.prior.name} {percent_text(p.prob_above(1.0))}" for p in posts)
        parts.append(
            f"{title}: published {what} {lik.estimate:.2f} ({lik.ci_low:.2f} to "
            f"{lik.ci_high:.2f}); posterior probability of a {what} above 1 by prior: {probs}"
        )
    return (
        f"Posterior densities of each published {what} under each prior, on a log axis with "
        f"reference lines at 1 and {threshold:g}. " + ". ".join(parts) + "."
    )


def difference_figure(
    differences,
    xlabel: str = "Difference (percentage points), first minus second group",
    width: float = 6.8,
    fontsize: float = 10.5,
):
    """Dot-and-whisker plot of differences with their CIs (proportions, shown in points).

    ``differences``: DataFrame with columns label, estimate, ci_low, ci_high (proportions),
    optionally ``section`` (a bold heading row above each block of rows, in order). A
    vertical line marks no difference; each row's estimate and CI are printed on the right
    (:func:`~inoreport.stats.evidence.points_text`). ``width`` (inches) and ``fontsize`` (points) suit a column about
    680 px wide. Returns a matplotlib Figure; :func:`difference_alt_text` describes it.
    """
    required = {"label", "estimate", "ci_low", "ci_high"}
    missing = required - set(differences.columns)
    if missing:
        raise EvidenceInputError(
            f"differences table lacks column(s) {sorted(missing)}; expected {sorted(required)}"
        )
    if differences.empty:
        raise EvidenceInputError("differences table is empty; expected at least one row")
    frame = differences.reset_index(drop=True)
    # y positions, top to bottom, leaving a row for each section heading
    positions, headings, y = [], [], 0.0
    last_section = object()
    for _, r in frame.iterrows():
        section = r.get("section", None)
        if "section" in frame.columns and section != last_section:
            headings.append((y, str(section)))
            y += 1.0
            last_section = section
        positions.append(y)
        y += 1.0
    fig = new_figure(width, 0.9 + 0.32 * y)
    ax = fig.subplots()
    est = 100 * frame["estimate"].to_numpy(float)
    lo = 100 * frame["ci_low"].to_numpy(float)
    hi = 100 * frame["ci_high"].to_numpy(float)
    ys = np.array(positions)
    ax.hlines(ys, lo, hi, color="#0072B2", linewidth=2.0)
    ax.plot(est, ys, "o", color="#0072B2", markersize=5)
    ax.axvline(0, color="#555555", linewidth=0.9)
    ax.set_yticks(ys)
    ax.set_yticklabels(frame["label"], fontsize=fontsize)
    blended = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    for y_head, text in headings:
        # a white box keeps the heading legible where it crosses grid lines and the zero line
        ax.text(0.005, y_head, text, transform=blended, ha="left", va="center", fontsize=fontsize,
                fontweight="bold", color="#333333", zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})  # fmt: skip
    ax.set_ylim(y - 0.4, -0.8)
    span = max(abs(lo.min()), abs(hi.max()), 5.0)
    ax.set_xlim(-1.08 * span, 1.08 * span)
    ax.set_xlabel(xlabel, fontsize=fontsize)
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.tick_params(axis="y", length=0)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(ys)
    right.set_yticklabels(
        [
            f"{points_text(e)} ({points_text(a)} to {points_text(b)})"
            for e, a, b in zip(frame["estimate"], frame["ci_low"], frame["ci_high"], strict=True)
        ],
        fontsize=fontsize - 0.5,
    )
    right.tick_params(axis="y", length=0)
    right.spines[["top", "right", "left"]].set_visible(False)
    return fig


def difference_alt_text(differences, unit: str = "percentage points") -> str:
    """Alt text for :func:`difference_figure`, built from its rows."""
    parts = [
        f"{r.label}: {points_text(r.estimate)} ({points_text(r.ci_low)} to "
        f"{points_text(r.ci_high)})"
        for r in differences.itertuples()
    ]
    return (
        f"Differences with 95% confidence intervals, in {unit}, with a line at no "
        "difference. " + "; ".join(parts) + "."
    )
