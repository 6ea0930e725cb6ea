"""Figures for small cohorts: a two-column flow (Sankey-style) diagram of patients moving
between states, and the distribution of a measurement by group with reference values
(e.g. published medians) marked.

Built on :mod:`inoreport.figures.base`: functions take results (counts from
:func:`inoreport.stats.small_cohorts.transition_counts`, a tidy frame of values), return a
matplotlib Figure built without pyplot, carry alt text built from the data (read it with
:func:`inoreport.figures.base.alt_text`, show the figure with
:func:`inoreport.figures.base.show`), and ``synthetic=True`` stamps the one "SYNTHETIC DATA"
badge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from inoreport.figures.base import (
    PAGE_WIDTH_IN,
    PALETTE,
    PlotInputError,
    new_figure,
    set_alt,
    stamp_synthetic,
    style,
)
from inoreport.stats.small_cohorts import flow_links

__all__ = ["composition_plot", "distribution_plot", "power_curve_plot", "transition_flow_plot"]

_MUTED = "#555555"
_NODE_WIDTH = 0.12


def _ribbon(x0: float, x1: float, top0: float, bottom0: float, top1: float, bottom1: float):
    """A band from (x0, [bottom0, top0]) to (x1, [bottom1, top1]) with S-shaped edges."""
    mid = (x0 + x1) / 2
    verts = [
        (x0, top0),
        (mid, top0), (mid, top1), (x1, top1),
        (x1, bottom1),
        (mid, bottom1), (mid, bottom0), (x0, bottom0),
        (x0, top0),
    ]  # fmt: skip
    codes = [
        Path.MOVETO,
        Path.CURVE4, Path.CURVE4, Path.CURVE4,
        Path.LINETO,
        Path.CURVE4, Path.CURVE4, Path.CURVE4,
        Path.CLOSEPOLY,
    ]  # fmt: skip
    return Path(verts, codes)


def transition_flow_plot(
    counts: pd.DataFrame,
    levels: Sequence,
    groups: Sequence | None = None,
    *,
    level_labels: Mapping | None = None,
    level_colors: Mapping | None = None,
    link_colors: Mapping[tuple, str] | None = None,
    link_labels: Mapping[tuple, str] | None = None,
    stage_labels: tuple[str, str] = ("Before", "After"),
    group_labels: Mapping | None = None,
    notes: Mapping | None = None,
    synthetic: bool = False,
    title: str | None = None,
    subject: str = "patients",
    gap: float = 0.06,
):
    """Patients moving between states, one flow panel per group.

    ``counts``: [group, before, after, n] (:func:`inoreport.stats.small_cohorts.transition_counts`).
    Each panel stacks the states in ``levels`` order (top first) before (left) and after
    (right), bar heights proportional to the number of patients, with a ribbon per move.
    Ribbons take ``link_colors[(before, after)]`` (default: the colour of the state
    reached). ``link_labels`` names moves in the alt text ("achieved LTB"...). ``notes``:
    text printed under each group's panel (e.g. a conversion proportion with its CI).
    """
    for column in ("group", "before", "after", "n"):
        if column not in counts.columns:
            raise PlotInputError(
                f"transition_flow_plot: column {column!r} missing; expected [group, before, "
                f"after, n], got {list(counts.columns)}"
            )
    levels = list(levels)
    groups = list(groups) if groups is not None else list(pd.unique(counts["group"]))
    if not groups:
        raise PlotInputError("transition_flow_plot: no groups to draw")
    names = {lev: str((level_labels or {}).get(lev, lev)) for lev in levels}
    colours = {
        lev: (level_colors or {}).get(lev, PALETTE[(i + 1) % len(PALETTE)])
        for i, lev in enumerate(levels)
    }
    group_names = {g: str((group_labels or {}).get(g, g)) for g in groups}

    with style():
        has_notes = bool(notes)
        fig = new_figure(PAGE_WIDTH_IN, 4.9 + (0.55 if has_notes else 0.0) + (0.4 if title else 0))
        # a thin header row above the panels holds the title and the synthetic badge, so
        # neither collides with a panel's own title
        grid = fig.add_gridspec(2, len(groups), height_ratios=[0.06, 1])
        header = fig.add_subplot(grid[0, :])
        header.axis("off")
        axes = [fig.add_subplot(grid[1, i]) for i in range(len(groups))]
        alt_parts = []
        for ax, g in zip(axes, groups, strict=True):
            sub = counts[counts["group"] == g]
            total = int(sub["n"].sum())
            ax.set_xlim(-0.62, 1.62)
            ax.set_ylim(-0.04, 1.13)
            ax.axis("off")
            ax.set_title(f"{group_names[g]} (n = {total})", fontsize=13.5, pad=4)
            if total == 0:
                ax.text(0.5, 0.5, f"no {subject}", ha="center", va="center", color=_MUTED)
                alt_parts.append(f"{group_names[g]}: no {subject}")
                continue
            links = flow_links(sub[["before", "after", "n"]], levels, gap=gap)
            x0, x1 = _NODE_WIDTH / 2, 1 - _NODE_WIDTH / 2
            for row in links.itertuples(index=False):
                key = (row.before, row.after)
                colour = (link_colors or {}).get(key, colours[row.after])
                ax.add_patch(
                    PathPatch(
                        _ribbon(x0, x1, row.left_top, row.left_bottom, row.right_top,
                                row.right_bottom),
                        facecolor=colour, edgecolor="white", linewidth=0.8, alpha=0.55,
                        gid=f"flow-{g}-{row.before}-{row.after}",
                    )
                )  # fmt: skip
                # the count sits near the left end, where ribbons have not crossed yet
                if row.left_top - row.left_bottom >= 0.06:
                    ax.text(x0 + 0.13, (row.left_top + row.left_bottom) / 2, str(row.n),
                            ha="center", va="center", fontsize=12, color="#111111",
                            fontweight="bold")  # fmt: skip
            for side, column, x in (("left", "before", 0.0), ("right", "after", 1.0)):
                for lev in levels:
                    n = int(sub.loc[sub[column] == lev, "n"].sum())
                    if n == 0:
                        continue
                    part = links[links[column] == lev]
                    top = float(part[f"{side}_top"].max())
                    bottom = float(part[f"{side}_bottom"].min())
                    ax.add_patch(
                        Rectangle((x - _NODE_WIDTH / 2, bottom), _NODE_WIDTH, top - bottom,
                                  facecolor=colours[lev], edgecolor="#222222", linewidth=0.8,
                                  gid=f"node-{g}-{column}-{lev}")
                    )  # fmt: skip
                    label_x = x - _NODE_WIDTH / 2 - 0.04 if side == "left" else x + 0.1
                    ax.text(label_x, (top + bottom) / 2, f"{names[lev]}\n{n}",
                            ha="right" if side == "left" else "left", va="center",
                            fontsize=12, linespacing=1.1)  # fmt: skip
            ax.text(0.0, 1.08, stage_labels[0], ha="center", va="center", fontsize=12,
                    color=_MUTED)  # fmt: skip
            ax.text(1.0, 1.08, stage_labels[1], ha="center", va="center", fontsize=12,
                    color=_MUTED)  # fmt: skip
            if notes and g in notes:
                ax.text(0.5, -0.1, str(notes[g]), ha="center", va="top", fontsize=12,
                        transform=ax.transData, wrap=True)  # fmt: skip
            moves = []
            for row in links.itertuples(index=False):
                key = (row.before, row.after)
                what = (link_labels or {}).get(key, f"{names[row.before]} to {names[row.after]}")
                moves.append(f"{row.n} {what}")
            alt_parts.append(f"{group_names[g]} ({total} {subject}): " + ", ".join(moves))
        if title:
            header.set_title(title, loc="left", fontsize=14, fontweight="bold")
        if synthetic:
            stamp_synthetic(header)
    text = (
        f"Flow diagram of {subject} from {stage_labels[0].lower()} (left) to "
        f"{stage_labels[1].lower()} (right), by group. " + "; ".join(alt_parts) + "."
    )
    set_alt(fig, text, synthetic, kind="flow", groups=groups)
    return fig


def _in_sentence(label: str) -> str:
    """An axis label inside a sentence: first letter lower-cased unless its first word
    is an abbreviation ("Peak expansion" -> "peak expansion", "CD8+ cells" kept)."""
    first_word = label.split(" ")[0]
    if any(ch.isupper() for ch in first_word[1:]):
        return label
    return label[:1].lower() + label[1:]


def _fmt_value(v: float) -> str:
    if not math.isfinite(v):
        return "NA"
    return f"{v:.4g}" if abs(v) < 1000 else f"{v:,.0f}"


def distribution_plot(
    data: pd.DataFrame,
    value: str,
    by: str,
    order: Sequence | None = None,
    *,
    reference: Mapping | None = None,
    reference_label: str = "published median",
    log: bool = False,
    ylabel: str | None = None,
    unit: str = "",
    colors: Mapping | None = None,
    group_labels: Mapping | None = None,
    annotation: str | None = None,
    synthetic: bool = False,
    title: str | None = None,
    seed: int = 0,
    width: float = 6.0,
):
    """Every value by group (jittered dots), each group's median and interquartile range,
    and optional ``reference`` values per group (e.g. the published medians) as open
    diamonds. ``log`` uses a log y axis (positive values only). ``annotation`` is printed
    above the plot, on the left (e.g. a test's p-value). Missing values are left out and counted in the
    alt text.
    """
    for column in (value, by):
        if column not in data.columns:
            raise PlotInputError(
                f"distribution_plot: column {column!r} missing; got {list(data.columns)}"
            )
    groups = list(order) if order is not None else sorted(pd.unique(data[by].dropna()), key=str)
    names = {g: str((group_labels or {}).get(g, g)) for g in groups}
    palette = {g: (colors or {}).get(g, PALETTE[i % len(PALETTE)]) for i, g in enumerate(groups)}
    values = {g: data.loc[data[by] == g, value].to_numpy(dtype=float) for g in groups}
    missing = {g: int(np.isnan(v).sum()) for g, v in values.items()}
    values = {g: v[~np.isnan(v)] for g, v in values.items()}
    if log and any(np.any(v <= 0) for v in values.values()):
        raise PlotInputError(
            f"distribution_plot: log=True but column {value!r} has a value <= 0; "
            "expected positive values"
        )
    rng = np.random.default_rng(seed)
    parts = []
    with style():
        fig = new_figure(width, 4.6)
        ax = fig.add_subplot()
        for i, g in enumerate(groups):
            v = values[g]
            jitter = rng.uniform(-0.16, 0.16, size=len(v))
            ax.scatter(i + jitter, v, s=46, color=palette[g], alpha=0.8, edgecolor="white",
                       linewidth=0.6, zorder=3, gid=f"dots-{g}")  # fmt: skip
            if len(v):
                q1, med, q3 = np.percentile(v, [25, 50, 75])
                ax.plot([i - 0.3, i + 0.3], [med, med], color="#111111", linewidth=2.4,
                        zorder=4, solid_capstyle="butt", gid=f"median-{g}")  # fmt: skip
                ax.plot([i + 0.34, i + 0.34], [q1, q3], color="#111111", linewidth=1.4,
                        zorder=4, gid=f"iqr-{g}")  # fmt: skip
            else:
                med = math.nan
            text = f"{names[g]}: {len(v)} values, median {_fmt_value(med)}"
            if reference and g in reference and reference[g] is not None:
                r = float(reference[g])
                ax.scatter([i], [r], marker="D", s=90, facecolor="white", edgecolor="#111111",
                           linewidth=1.8, zorder=5, gid=f"reference-{g}")  # fmt: skip
                text += f" ({reference_label} {_fmt_value(r)})"
            if missing[g]:
                text += f", {missing[g]} missing"
            parts.append(text)
        ax.set_xticks(range(len(groups)), [names[g] for g in groups])
        ax.set_xlim(-0.6, len(groups) - 0.4)
        if log:
            ax.set_yscale("log")
            from matplotlib import ticker

            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        label = ylabel or value
        ax.set_ylabel(f"{label} ({unit})" if unit else label)
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], color="#111111", linewidth=2.4, label="median (this cohort)"),
            Line2D([], [], color="#111111", linewidth=1.4, label="interquartile range"),
        ]
        if reference:
            handles.append(
                Line2D([], [], marker="D", linestyle="none", markersize=8, markerfacecolor="white",
                       markeredgecolor="#111111", markeredgewidth=1.8, label=reference_label)
            )  # fmt: skip
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
                   fontsize=11.5, handlelength=1.6, columnspacing=1.2)  # fmt: skip
        if annotation:
            # above the axes, left (the synthetic badge sits on the right): never on the data
            ax.text(0.0, 1.015, annotation, transform=ax.transAxes, ha="left", va="bottom",
                    fontsize=12.5)  # fmt: skip
        if title:
            ax.set_title(title, loc="left", pad=30 if annotation else 10)
        if synthetic:
            stamp_synthetic(ax)
    scale = " on a log scale" if log else ""
    alt = (
        f"Dot plot of {_in_sentence(label)}{scale} by group, with each group's median and "
        "interquartile range: " + "; ".join(parts) + "."
    )
    if annotation:
        alt += f" {annotation}."
    set_alt(fig, alt, synthetic, kind="distribution", groups=groups)
    return fig


def power_curve_plot(
    curves: pd.DataFrame,
    *,
    reference: float | None = None,
    reference_label: str = "reference group",
    observed: float | None = None,
    observed_label: str = "observed",
    target: float = 0.8,
    xlabel: str = "True value in the other group",
    percent: bool = True,
    title: str | None = None,
    width: float = PAGE_WIDTH_IN,
    reach: Mapping[str, Sequence[tuple[float | None, float | None]]] | None = None,
    digits: int = 0,
):
    """Power against the true value of the quantity compared, one line per method.

    ``curves``: [value, power, method] (values and power as proportions). ``reference``
    (the comparison group's value, where power is the test's level) and ``observed`` are
    marked by vertical lines; ``target`` power by a horizontal dashed line.

    ``reach``: per method, the intervals of the value where power >= ``target``, found
    exactly (:func:`inoreport.stats.small_cohorts.power_regions`; None for an end open to the range
    searched). Their finite ends are marked on the target line and the alt text quotes
    them with ``digits`` decimals, so it can say the same as the prose. Methods without
    one are described from the plotted points (only as fine as their grid).
    """
    for column in ("value", "power", "method"):
        if column not in curves.columns:
            raise PlotInputError(
                f"power_curve_plot: column {column!r} missing; expected [value, power, method]"
            )
    methods = list(pd.unique(curves["method"]))
    scale = 100.0 if percent else 1.0
    parts = []
    with style():
        fig = new_figure(width, 4.4)
        ax = fig.add_subplot()
        styles = ["-", (0, (5, 2)), (0, (1, 1.5)), "-."]
        for i, m in enumerate(methods):
            rows = curves[curves["method"] == m].sort_values("value")
            ax.plot(rows["value"] * scale, rows["power"] * scale, color=PALETTE[i % len(PALETTE)],
                    linestyle=styles[i % len(styles)], label=m, gid=f"power-{i}")  # fmt: skip
            power_words = f"{target * scale:g}{'%' if percent else ''} power"
            if reach is not None and m in reach:
                regions = list(reach[m])
                edges = [e for r in regions for e in r if e is not None]
                ax.plot([e * scale for e in edges], [target * scale] * len(edges), "o",
                        color=PALETTE[i % len(PALETTE)], markersize=7, zorder=3)  # fmt: skip
                pieces = [_region_text(r, scale, "%" if percent else "", digits) for r in regions]
            else:
                above = rows[rows["power"] >= target]
                pieces = _span_text(above["value"].to_numpy(), rows["value"].to_numpy(), scale)
                pieces = [f"values {piece}" for piece in pieces]
            text = (
                f"reaches {power_words} only for " + " and for ".join(pieces)
                if pieces
                else f"never reaches {power_words}"
            )
            parts.append(f"{m} {text}")
        ax.axhline(target * scale, color=_MUTED, linewidth=1.0, linestyle=(0, (4, 3)))
        # label the target line where every curve is farthest from it
        grid = np.linspace(0.1, 0.9, 33)
        gaps = np.full(len(grid), np.inf)
        for m in methods:
            rows = curves[curves["method"] == m].sort_values("value")
            on_grid = np.interp(grid, rows["value"], rows["power"])
            gaps = np.minimum(gaps, np.abs(on_grid - target))
        for mark in (reference, observed):  # and away from the vertical marks
            if mark is not None:
                gaps[np.abs(grid - mark) < 0.12] = -np.inf
        label_x = float(grid[int(np.argmax(gaps))])
        ax.text(label_x * scale, target * scale + 1.2 * scale / 100,
                f"{target * scale:g}% power" if percent else f"power {target:g}",
                ha="center", color=_MUTED, fontsize=11.5)  # fmt: skip
        # the two marks are often close: reference label to the left of its line, the
        # observed one to the right of its own
        if reference is not None:
            ax.axvline(reference * scale, color="#111111", linewidth=1.2)
            ax.text(reference * scale, 1.01 * scale, f"{reference_label} ", ha="right",
                    va="bottom", fontsize=11.5)  # fmt: skip
        if observed is not None:
            ax.axvline(observed * scale, color=PALETTE[1], linewidth=1.2, linestyle=(0, (2, 2)))
            ax.text(observed * scale, 1.01 * scale, f" {observed_label}", ha="left",
                    va="bottom", fontsize=11.5, color=PALETTE[1])  # fmt: skip
        ax.set_xlim(0, scale)
        ax.set_ylim(0, scale * 1.0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Power (%)" if percent else "Power")
        fig.legend(loc="outside lower center", fontsize=11.5, ncols=1)
        if title:
            ax.set_title(title, loc="left", pad=24)
    unit = "%" if percent else ""
    against = _in_sentence(xlabel)
    alt = f"Power curves against {against}, {len(methods)} method(s): " + "; ".join(parts)
    marks = []
    if reference is not None:
        marks.append(f"the comparison group ({reference_label}) at {reference * scale:.3g}{unit}")
    if observed is not None:
        marks.append(f"the observed value ({observed_label}) at {observed * scale:.3g}{unit}")
    if marks:
        alt += ". Vertical lines mark " + " and ".join(marks)
    set_alt(fig, alt + ".", False, kind="power")
    return fig


def _region_text(
    region: tuple[float | None, float | None], scale: float, unit: str, digits: int
) -> str:
    """One power region in words: 'values of 9% or lower', 'values from 20% to 30%'."""
    start, end = region

    def fmt(v):
        return f"{v * scale:.{digits}f}{unit}"

    if start is None and end is None:
        return "every value"
    if start is None:
        return f"values of {fmt(end)} or lower"
    if end is None:
        return f"values of {fmt(start)} or higher"
    return f"values from {fmt(start)} to {fmt(end)}"


def _span_text(hits: np.ndarray, grid: np.ndarray, scale: float) -> list[str]:
    """Contiguous runs of grid values (hits) as 'a–b%' pieces."""
    pieces, run = [], []
    members = set(np.round(hits, 9))
    for v in grid:
        if round(float(v), 9) in members:
            run.append(float(v))
        elif run:
            pieces.append(run)
            run = []
    if run:
        pieces.append(run)
    return [
        f"{r[0] * scale:.3g}" + (f"–{r[-1] * scale:.3g}" if len(r) > 1 else "") + "%"
        for r in pieces
    ]


def composition_plot(
    panels: Mapping[str, pd.DataFrame],
    *,
    groups: Sequence | None = None,
    colors: Mapping | None = None,
    group_labels: Mapping | None = None,
    title: str | None = None,
    synthetic: bool = False,
    subject: str = "patients",
    width: float = PAGE_WIDTH_IN,
):
    """100% stacked horizontal bars: how each group splits across categories.

    ``panels``: {panel title: frame [group, category, n]} — one panel per characteristic
    (e.g. disease status, blast percentage), categories stacked in the order they first
    appear in the frame. Segments print "n" when wide enough; the alt text lists every
    count with its percentage.
    """
    if not panels:
        raise PlotInputError("composition_plot: no panels; expected {title: frame}")
    for name, frame in panels.items():
        for column in ("group", "category", "n"):
            if column not in frame.columns:
                raise PlotInputError(
                    f"composition_plot: panel {name!r} has no column {column!r}; expected "
                    "[group, category, n]"
                )
    first = next(iter(panels.values()))
    groups = list(groups) if groups is not None else list(pd.unique(first["group"]))
    names = {g: str((group_labels or {}).get(g, g)) for g in groups}
    alt_parts = []
    with style():
        # the legend goes under each panel, so the figure keeps the page width (a legend
        # at the side would widen the image and shrink every letter on the page)
        height = 0.9 + sum(0.55 * len(groups) + 1.5 for _ in panels)
        fig = new_figure(width, height)
        # one sub-figure per panel, so that its legend is laid out under its own axes
        subfigs = fig.subfigures(len(panels), 1, squeeze=False)[:, 0]
        axes = [sub.add_subplot() for sub in subfigs]
        for ax, subfig, (name, frame) in zip(axes, subfigs, panels.items(), strict=True):
            categories = list(pd.unique(frame["category"]))
            palette = {
                c: (colors or {}).get(c, PALETTE[i % len(PALETTE)])
                for i, c in enumerate(categories)
            }
            pieces = []
            for row, g in enumerate(groups):
                sub = frame[frame["group"] == g].set_index("category")["n"]
                total = float(sub.sum())
                left = 0.0
                counts = []
                for c in categories:
                    n = float(sub.get(c, 0))
                    share = 100 * n / total if total else 0.0
                    y = len(groups) - 1 - row
                    ax.barh(y, share, left=left, color=palette[c], edgecolor="white",
                            linewidth=1.0, height=0.7, label=c if row == 0 else None)  # fmt: skip
                    if share >= 4.5:
                        ax.text(left + share / 2, y, f"{n:.0f}", ha="center", va="center",
                                fontsize=11.5, color="white" if c != categories[-1] else "#111111")  # fmt: skip
                    left += share
                    counts.append(f"{n:.0f} {c} ({share:.0f}%)")
                pieces.append(f"{names[g]} ({total:.0f} {subject}): " + ", ".join(counts))
            ax.set_yticks(range(len(groups)), [names[g] for g in reversed(groups)])
            ax.set_xlim(0, 100)
            ax.set_xlabel(f"Share of {subject} (%)")
            ax.set_title(name, loc="left", fontsize=13)
            subfig.legend(loc="outside lower center", ncols=min(len(categories), 4),
                          fontsize=11.5, handlelength=1.2, columnspacing=1.0,
                          frameon=False)  # fmt: skip
            alt_parts.append(f"{name}: " + "; ".join(pieces))
        if title:
            fig.suptitle(title, x=0.02, ha="left", fontsize=14, fontweight="bold")
        if synthetic:
            stamp_synthetic(axes[0])
    set_alt(
        fig,
        "Stacked bars of the share of "
        + subject
        + " in each category, by group. "
        + ". ".join(alt_parts)
        + ".",
        synthetic,
        kind="composition",
    )
    return fig
