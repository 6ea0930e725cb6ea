"""Figures for observational comparisons: covariate balance (love plot), crude and weighted
Kaplan–Meier panels, how confounding by indication grows with selection, simulated estimates
as dots and intervals, and the power of a comparison.

Each function takes results from :mod:`inoreport.stats.causal` (balance tables, weighted
Kaplan–Meier tables, selection-gap and simulation summaries), never raw cohorts, and returns
a matplotlib Figure built on :mod:`inoreport.figures.base`, carrying its alt text.
Figures are at most :data:`FIGURE_WIDTH_IN` inches wide, so the page shows them unscaled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import ticker

from inoreport.figures.base import (
    COLUMN_WIDTH_IN,
    PALETTE,
    new_figure,
    set_alt,
    stamp_synthetic,
)
from inoreport.stats.causal import detectable_hr

__all__ = [
    "FIGURE_WIDTH_IN",
    "interval_figure",
    "km_panels_figure",
    "love_plot",
    "power_figure",
    "selection_gap_figure",
]

#: Figures here are at most this wide (inches): the page's text column is about 680 px and
#: shows a figure at 96 px per inch, so a figure this wide is not scaled down.
FIGURE_WIDTH_IN = COLUMN_WIDTH_IN
#: Smallest text (legends, annotations, long tick labels) and panel titles, in points:
#: 10 pt reads as about 13 px on the page.
SMALL_PT = 10.0
TITLE_PT = 11.5
#: Where the synthetic-data badge sits (axes coordinates, its top right corner): inside the
#: axes, where these figures' data leave room, so it never covers a centred title.
INSIDE_TOP_RIGHT = (0.97, 0.97)


def love_plot(
    balance: pd.DataFrame,
    threshold: float = 0.1,
    title: str | None = None,
    synthetic: bool = False,
    ax=None,
):
    """Absolute standardised differences before (open) and after (filled) weighting.

    Takes the frame from :func:`~inoreport.stats.causal.balance_table`; rows keep its order (top to bottom). A
    dashed line marks ``threshold`` (0.1 is the usual "negligible imbalance" rule).
    """
    colours = list(PALETTE)
    n = len(balance)
    if ax is None:
        fig = new_figure(FIGURE_WIDTH_IN, 0.3 * n + 1.6, layout=None)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    y = np.arange(n)[::-1]
    ax.scatter(
        balance["abs_smd_unweighted"],
        y,
        facecolors="none",
        edgecolors=colours[1],
        s=36,
        label="Unweighted",
        zorder=3,
    )
    if "abs_smd_weighted" in balance:
        ax.scatter(
            balance["abs_smd_weighted"], y, color=colours[0], s=30, label="IPT-weighted", zorder=3
        )
        for yi, a, b in zip(
            y, balance["abs_smd_unweighted"], balance["abs_smd_weighted"], strict=True
        ):
            ax.plot([a, b], [yi, yi], color="0.75", lw=0.8, zorder=2)
    ax.axvline(threshold, color="0.3", ls="--", lw=0.9)
    ax.set_yticks(y)
    ax.set_yticklabels(balance["label"], fontsize=SMALL_PT)
    ax.set_xlabel("Absolute standardised mean difference")
    ax.set_xlim(left=0)
    ax.set_ylim(-0.7, n - 0.3)
    ax.legend(loc="lower right", fontsize=SMALL_PT, frameon=False)
    ax.grid(axis="x", color="0.92")
    if title:
        ax.set_title(title, fontsize=TITLE_PT)
    if synthetic:
        stamp_synthetic(ax, *INSIDE_TOP_RIGHT, va="top")
    fig.tight_layout()
    worst = balance.loc[balance["abs_smd_unweighted"].idxmax()]
    text = (
        f"Love plot of {n} covariate rows: absolute standardised differences between groups, "
        f"largest before weighting {worst['abs_smd_unweighted']:.2f} ({worst['label']})"
    )
    if "abs_smd_weighted" in balance:
        text += f", largest after weighting {balance['abs_smd_weighted'].max():.2f}"
    set_alt(fig, text + f"; dashed line at {threshold:g}.", synthetic)
    return fig


def _step(ax, table: pd.DataFrame, colour: str, label: str, ci: bool, ls: str = "-") -> None:
    times = np.concatenate([[0.0], table["time"].to_numpy(float)])
    surv = np.concatenate([[1.0], table["survival"].to_numpy(float)])
    ax.step(times, surv, where="post", color=colour, lw=1.8, label=label, ls=ls)
    if ci and "ci_low" in table:
        low = np.concatenate([[1.0], table["ci_low"].to_numpy(float)])
        high = np.concatenate([[1.0], table["ci_high"].to_numpy(float)])
        ax.fill_between(times, low, high, step="post", color=colour, alpha=0.12, lw=0)


def km_panels_figure(
    panels: Sequence[Mapping],
    labels: Mapping[object, str] | None = None,
    xlabel: str = "Months",
    ylabel: str = "Survival",
    synthetic: bool = False,
    ci: bool = False,
    xmax: float | None = None,
    endpoint: str = "survival",
):
    """Side-by-side Kaplan–Meier panels drawn from :func:`~inoreport.stats.causal.weighted_kaplan_meier` tables.

    Each panel is a mapping with ``table`` (the KM table), ``title`` and optionally
    ``note`` (text printed in the lower left, e.g. a hazard ratio). Groups keep the order
    of the first table; ``labels`` renames them. Returns the Figure (with alt text).
    """
    colours = list(PALETTE)
    labels = dict(labels or {})
    fig = new_figure(min(FIGURE_WIDTH_IN, 3.6 * len(panels)), 3.8, layout=None)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    groups = list(dict.fromkeys(panels[0]["table"]["group"]))
    tmax = xmax or max(float(p["table"]["time"].max()) for p in panels)
    alt_parts = []
    for ax, panel in zip(axes, panels, strict=True):
        table = panel["table"]
        for i, group in enumerate(groups):
            part = table[table["group"] == group]
            _step(ax, part, colours[i % len(colours)], labels.get(group, str(group)), ci)
        ax.set_title(panel.get("title", ""), fontsize=TITLE_PT)
        ax.set_xlim(0, tmax)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.grid(color="0.93")
        if panel.get("note"):
            ax.text(
                0.03, 0.04, panel["note"], transform=ax.transAxes, fontsize=SMALL_PT, va="bottom",
                bbox={"fc": "white", "ec": "0.8", "pad": 3},
            )  # fmt: skip
        alt_parts.append(f"{panel.get('title', '')}: {panel.get('note', '')}".strip(": "))
    axes[0].set_ylabel(ylabel)
    axes[0].legend(loc="upper right", fontsize=SMALL_PT, frameon=False)
    if synthetic:
        stamp_synthetic(axes[-1], *INSIDE_TOP_RIGHT, va="top")
    fig.tight_layout()
    names = ", ".join(labels.get(g, str(g)) for g in groups)
    set_alt(
        fig,
        f"Kaplan–Meier {endpoint} curves for {names} in {len(panels)} panels. "
        + " ".join(part + "." for part in alt_parts),
        synthetic,
    )
    return fig


def selection_gap_figure(
    gap: pd.DataFrame,
    target_hr: float | None = None,
    observed_or: float | None = None,
    band_for: float | None = None,
    target_label: str = "crude HR to reproduce",
    observed_label: str = "observed selection",
):
    """How the crude HR of a treatment with no effect grows with selection strength.

    Takes :func:`~inoreport.stats.causal.selection_gap` output: one line per prognostic HR (the limiting crude HR)
    and, for the prognostic HR ``band_for`` (default: the middle one) when simulated, the
    95% range of crude and adjusted HRs in cohorts of the simulated size. Both axes are
    logarithmic; the dotted line at 1 is the truth.
    """
    colours = list(PALETTE)
    fig = new_figure(FIGURE_WIDTH_IN, 5.6, layout=None)
    ax = fig.add_subplot()
    hrs = list(dict.fromkeys(gap["prognostic_hr"]))
    if band_for is None:
        band_for = hrs[len(hrs) // 2]
    simulated = "crude_median" in gap
    for i, hr in enumerate(hrs):
        part = gap[gap["prognostic_hr"] == hr].sort_values("selection_or")
        colour = colours[(i + 1) % len(colours)]
        ax.plot(
            part["selection_or"], part["limiting_crude_hr"], color=colour, lw=2,
            label=f"crude HR, adverse feature with HR {hr:.2g}",
        )  # fmt: skip
        if simulated and hr == band_for and part["crude_median"].notna().any():
            ax.fill_between(
                part["selection_or"], part["crude_low"], part["crude_high"], color=colour,
                alpha=0.13, lw=0, label=f"crude HR, 95% of simulated cohorts (HR {hr:.2g})",
            )  # fmt: skip
            ax.fill_between(
                part["selection_or"], part["adjusted_low"], part["adjusted_high"],
                color="0.55", alpha=0.16, lw=0,
                label=f"adjusted HR, 95% of simulated cohorts (HR {hr:.2g})",
            )  # fmt: skip
            ax.plot(part["selection_or"], part["adjusted_median"], color="0.35", lw=1.4, ls="--",
                    label="adjusted HR, median")  # fmt: skip
    ax.axhline(1.0, color="0.2", lw=0.9, ls=":")
    if target_hr is not None:
        ax.axhline(target_hr, color=colours[0], lw=1.3, ls="-.", label=target_label)
    if observed_or is not None:
        ax.axvline(observed_or, color="0.45", lw=1.0, ls=(0, (4, 2)), label=observed_label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(_plain_log_formatter())
        axis.set_minor_formatter(_plain_log_formatter(minor=True))
    ax.set_xlabel("Selection: odds ratio of receiving the treatment, adverse vs not")
    ax.set_ylabel("Hazard ratio, treated vs untreated")
    ax.grid(color="0.93", which="both")
    ax.legend(fontsize=SMALL_PT, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    top = gap.loc[gap["selection_or"].idxmax()]
    set_alt(
        fig,
        "Line chart: the crude hazard ratio of a treatment with no effect rises from 1 as "
        f"selection strengthens, reaching {top['limiting_crude_hr']:.2f} at selection odds "
        f"ratio {top['selection_or']:.0f} (adverse-feature HR {top['prognostic_hr']:.2g}); the "
        "adjusted hazard ratio stays at 1.",
    )
    return fig


def _plain_log_formatter(minor: bool = False):
    def fmt(value, _pos):
        if value <= 0:
            return ""
        shown = [0.1, 0.2, 0.3, 0.5, 2, 3, 5, 20, 30, 50]
        if minor and not np.isclose(value, shown, rtol=1e-6).any():
            return ""
        return f"{value:g}"

    return ticker.FuncFormatter(fmt)


def interval_figure(
    summary: pd.DataFrame,
    reference: float = 1.0,
    xlabel: str = "Hazard ratio (log scale)",
    title: str | None = None,
    synthetic: bool = False,
    published: Mapping[str, float] | None = None,
):
    """Dot-and-interval chart of simulated estimates, one row per analysis.

    ``summary``: columns label, median, low, high (e.g. 2.5th and 97.5th percentiles of
    simulated HRs) and optionally share_significant. ``published`` adds hollow diamonds at
    given values by label. Log x axis with a dotted line at ``reference``.
    """
    colours = list(PALETTE)
    n = len(summary)
    fig = new_figure(FIGURE_WIDTH_IN, 0.55 * n + 1.5, layout=None)
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    for yi, (_, row) in zip(y, summary.iterrows(), strict=True):
        ax.plot([row["low"], row["high"]], [yi, yi], color=colours[0], lw=2)
        ax.plot(row["median"], yi, "o", color=colours[0], ms=7)
        if published and row["label"] in published:
            ax.plot(published[row["label"]], yi, "D", mfc="white", mec=colours[1], ms=7, mew=1.5)
    if published:
        ax.plot([], [], "D", mfc="white", mec=colours[1], ms=7, mew=1.5, label="published")
        ax.plot([], [], "o", color=colours[0], label="simulated (median, 95% range)")
        ax.legend(fontsize=SMALL_PT, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.3),
                  ncol=2)  # fmt: skip
    ax.axvline(reference, color="0.2", lw=0.9, ls=":")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(_plain_log_formatter())
    ax.xaxis.set_minor_formatter(_plain_log_formatter(minor=True))
    ax.set_yticks(y)
    ax.set_yticklabels(summary["label"], fontsize=SMALL_PT)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="0.93", which="both")
    if title:
        ax.set_title(title, fontsize=TITLE_PT)
    if synthetic:
        stamp_synthetic(ax, *INSIDE_TOP_RIGHT, va="top")
    fig.tight_layout()
    parts = [
        f"{row['label']}: median {row['median']:.2f} (95% range {row['low']:.2f}–{row['high']:.2f})"
        for _, row in summary.iterrows()
    ]
    set_alt(fig, "Dot-and-interval chart of hazard ratios. " + "; ".join(parts) + ".", synthetic)
    return fig


def power_figure(
    events: np.ndarray,
    allocation: float,
    marks: Sequence[Mapping] = (),
    alpha: float = 0.05,
    power: float = 0.8,
):
    """Smallest detectable HR (``power``, two-sided ``alpha``) against the number of events.

    ``marks``: points to highlight, each a mapping with ``events``, ``hr``, ``label`` and
    optionally ``offset`` (label offset in points; by default labels alternate above and
    below the curve so that close points stay readable).
    """
    colours = list(PALETTE)
    fig = new_figure(FIGURE_WIDTH_IN, 4.0, layout=None)
    ax = fig.add_subplot()
    events = np.asarray(events, dtype=float)
    harmful = [detectable_hr(e, alpha, power, allocation) for e in events]
    ax.plot(events, harmful, color=colours[0], lw=2, label=f"detectable with {power:.0%} power")
    for i, mark in enumerate(marks):
        ax.plot(mark["events"], mark["hr"], "o", color=colours[(i + 1) % len(colours)], ms=7)
        offset = mark.get("offset", (10, 8) if i % 2 == 0 else (-10, -16))
        ax.annotate(
            mark["label"], (mark["events"], mark["hr"]), textcoords="offset points",
            xytext=offset, fontsize=SMALL_PT, ha="left" if offset[0] >= 0 else "right",
        )  # fmt: skip
    ax.set_ylim(1.0, max(harmful) * 1.05)
    ax.set_xlabel("Number of events")
    ax.set_ylabel("Smallest detectable hazard ratio")
    ax.grid(color="0.93", which="both")
    ax.legend(fontsize=SMALL_PT, frameon=False)
    fig.tight_layout()
    described = "; ".join(
        f"{m['label']}: HR {m['hr']:.2f} at {m['events']:.0f} events" for m in marks
    )
    set_alt(
        fig,
        f"Curve of the smallest hazard ratio detectable with {power:.0%} power falling from "
        f"{harmful[0]:.2f} at {events[0]:.0f} events to {harmful[-1]:.2f} at {events[-1]:.0f}"
        + (f". Marked: {described}." if described else "."),
    )
    return fig
