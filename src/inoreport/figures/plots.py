"""Figures with one look: Kaplan–Meier with a number-at-risk table, forest plots, swimmer
plots and cumulative-incidence curves, drawn the way clinicians know them from survminer
and journal pages.

Every function takes *results* (a fitted :class:`~inoreport.stats.survival.KaplanMeier`, a tidy
table of hazard ratios, interval tables), never raw cohorts, and returns a matplotlib
:class:`~matplotlib.figure.Figure` built without pyplot (no global state; a notebook shows
it once). Figures are 8 inches wide — the width of a book page — and use the colour-blind
safe Okabe–Ito palette (:data:`PALETTE`).

Alt text: every figure made here carries a description built from its data,
:func:`alt_text` returns it, and :func:`show` turns a figure into an HTML ``<img>`` whose
``alt`` attribute holds it (so the built book page carries it; MyST-NB's own image output
has no per-figure alt text unless it is typed into cell metadata).

``synthetic=True`` stamps a "SYNTHETIC DATA" badge on a figure and says so in the alt text.

The house style, palette, alt text, :func:`show` and the badge come from
:mod:`inoreport.figures.base`; this module re-exports the public ones for its callers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import ticker, transforms
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from inoreport.figures.base import (
    PAGE_WIDTH_IN,
    PALETTE,
    RC,
    FigureHTML,
    PlotInputError,
    alt_text,
    new_figure,
    set_alt,
    set_theme,
    show,
    stamp_synthetic,
    style,
)
from inoreport.formatting import p_value as format_p

__all__ = [
    "PALETTE",
    "FigureHTML",
    "PlotInputError",
    "alt_text",
    "cif_plot",
    "forest_rows",
    "forest_plot",
    "km_plot",
    "set_theme",
    "show",
    "style",
    "swimmer_plot",
]

_MUTED = "#555555"
#: Beyond a synthetic cohort's calibrated horizon: the shaded background and its label.
_EXTRAPOLATED_FILL = "#EEEEEE"
_EXTRAPOLATED_TEXT = "#666666"
_EXTRAPOLATED_STYLE = (0, (4, 2.5))


# --------------------------------------------------------------------------- helpers


def _colors(groups: Sequence[str], colors) -> dict[str, str]:
    if colors is None:
        return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    if isinstance(colors, Mapping):
        missing = [g for g in groups if g not in colors]
        if missing:
            raise PlotInputError(
                f"colors has no entry for group {missing[0]!r}; groups are {list(groups)}"
            )
        return {g: colors[g] for g in groups}
    colors = list(colors)
    return {g: colors[i % len(colors)] for i, g in enumerate(groups)}


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise PlotInputError(f"{what}: got {type(frame).__name__}; expected a DataFrame")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlotInputError(
            f"{what}: column {missing[0]!r} missing; expected columns {list(columns)}, "
            f"got {list(frame.columns)}"
        )


def _nice_ticks(tmax: float, n: int = 6) -> list[float]:
    """5-7 round tick values from 0 up to (not beyond) the end of follow-up."""
    loc = ticker.MaxNLocator(nbins=n, steps=[1, 2, 2.5, 3, 5, 6, 10], min_n_ticks=4)
    return [float(t) for t in loc.tick_values(0, tmax) if -1e-9 <= t <= tmax * (1 + 1e-9)]


def _fmt_time(t: float) -> str:
    return f"{t:g}"


def _p_text(p: float) -> str:
    text = format_p(p, digits=3)
    return f"p {text}" if text.startswith(("<", ">")) else f"p = {text}"


def _step_xy(
    times: np.ndarray, values: np.ndarray, start_value: float
) -> tuple[np.ndarray, np.ndarray]:
    """Prepend t = 0 so ``step(where='post')`` starts at the right level."""
    if len(times) and times[0] == 0:
        return times, values
    return np.concatenate([[0.0], times]), np.concatenate([[start_value], values])


# --------------------------------------------------------------------------- Kaplan–Meier


def km_plot(
    km,
    logrank=None,
    risk_times: Sequence[float] | None = None,
    ci: bool = False,
    title: str | None = None,
    xlabel: str = "Months",
    ylabel: str | None = None,
    synthetic: bool = False,
    ax=None,
    *,
    percent: bool = False,
    median_lines: bool = True,
    censor_marks: bool = True,
    risk_table: bool = True,
    colors=None,
    labels: Mapping[str, str] | None = None,
    legend_title: str | None = None,
    xmax: float | None = None,
    endpoint: str = "survival",
    calibrated_horizon: float | None = None,
):
    """Kaplan–Meier curves with the number-at-risk table under the x-axis ticks (survminer).

    ``km`` is a fitted :class:`inoreport.stats.survival.KaplanMeier` (uses ``.groups``, ``.table``,
    ``.medians()`` and ``.risk_table(times)``). ``logrank`` is a ``LogRank`` result (or
    anything with ``.p``, or a float p-value): printed as "Log-rank p = ...".
    ``risk_times`` are the x ticks *and* the risk-table columns (default: 5–7 round numbers
    over follow-up). ``ci`` adds the pointwise CI bands stored in ``km.table``.
    ``median_lines`` draws dashed lines from 50 % to each reached median. ``percent`` labels
    the y axis 0–100 %. ``labels`` renames groups; ``colors`` is a list or a dict by group.
    ``endpoint`` is the word used in the alt text ("overall survival", "PFS", ...).
    ``ax``: draw the curves into an existing axes (the risk table then goes in an inset
    below it).
    ``calibrated_horizon`` (in the units of the time axis, e.g. months): for a synthetic
    cohort, the last time its curves were fitted to (its last calibrated landmark or
    median). Up to it the curves are drawn as usual; beyond it they are dashed and pale on a
    grey background labelled "extrapolated", no median line is drawn for a median beyond
    it, the number-at-risk entries beyond it are grey, and the alt text says so. Returns the
    Figure.
    """
    for attr in ("groups", "table", "medians", "risk_table"):
        if not hasattr(km, attr):
            raise PlotInputError(
                f"km_plot: got {type(km).__name__} without .{attr}; expected the result of "
                "inoreport.stats.survival.kaplan_meier(...)"
            )
    table = km.table
    _require(
        table, ["group", "time", "n_censor", "survival", "ci_low", "ci_high"], "km_plot: km.table"
    )
    groups = [str(g) for g in km.groups]
    names = {
        g: (labels or {}).get(g, "All patients" if g == "all" and len(groups) == 1 else g)
        for g in groups
    }
    palette = _colors(groups, colors)
    tmax = float(table["time"].max()) if len(table) else 1.0
    if xmax is not None:
        tmax = float(xmax)
    ticks = [float(t) for t in risk_times] if risk_times is not None else _nice_ticks(tmax)
    if not ticks:
        raise PlotInputError("km_plot: risk_times is empty; expected at least one time")
    right = max(max(ticks), tmax)
    n_rows = len(groups)
    horizon = None
    if calibrated_horizon is not None:
        horizon = float(calibrated_horizon)
        if not (math.isfinite(horizon) and horizon > 0):
            raise PlotInputError(
                f"km_plot: calibrated_horizon = {calibrated_horizon!r}; expected a positive "
                "time in the units of the time axis"
            )
        if horizon >= right:
            horizon = None  # nothing is drawn beyond it

    with style():
        if ax is None:
            table_h = (0.36 * n_rows + 0.5) if risk_table else 0.0
            fig = new_figure(PAGE_WIDTH_IN, 4.8 + table_h)
            if risk_table:
                gs = fig.add_gridspec(2, 1, height_ratios=[4.8, table_h])
                ax = fig.add_subplot(gs[0])
                rax = fig.add_subplot(gs[1], sharex=ax)
            else:
                ax = fig.add_subplot()
                rax = None
        else:
            fig = ax.figure
            rax = None
            if risk_table:
                height = 0.09 * (n_rows + 1)
                rax = ax.inset_axes([0, -0.2 - height, 1, height], sharex=ax)

        medians = km.medians().set_index("group") if median_lines else None
        handles = []
        for g in groups:
            rows = table[table["group"].astype(str) == g].sort_values("time")
            times = rows["time"].to_numpy(dtype=float)
            surv = rows["survival"].to_numpy(dtype=float)
            x, y = _step_xy(times, surv, 1.0)
            colour = palette[g]
            inside = np.ones(len(x), dtype=bool) if horizon is None else x <= horizon
            xs, ys = x[inside], y[inside]
            if horizon is not None and not inside.all():
                # the calibrated part ends exactly at the horizon; the rest starts there
                xs, ys = np.append(xs, horizon), np.append(ys, ys[-1])
                ax.step(
                    np.concatenate([[horizon], x[~inside]]), np.concatenate([[ys[-1]], y[~inside]]),
                    where="post", color=_tint(colour, 0.45), linestyle=_EXTRAPOLATED_STYLE,
                    gid=f"km-extrapolated-{g}", zorder=3,
                )  # fmt: skip
            (line,) = ax.step(
                xs, ys, where="post", color=colour, label=names[g], gid=f"km-{g}", zorder=3
            )
            handles.append(line)
            if ci:
                lo = rows["ci_low"].to_numpy(dtype=float)
                hi = rows["ci_high"].to_numpy(dtype=float)
                xl, lo = _step_xy(times, lo, 1.0)
                _, hi = _step_xy(times, hi, 1.0)
                keep = np.ones(len(xl), dtype=bool) if horizon is None else xl <= horizon
                xl, lo, hi = xl[keep], lo[keep], hi[keep]
                if horizon is not None and len(xl) and xl[-1] < horizon:
                    xl, lo, hi = (
                        np.append(xl, horizon),
                        np.append(lo, lo[-1]),
                        np.append(hi, hi[-1]),
                    )
                ax.fill_between(xl, lo, hi, step="post", color=colour, alpha=0.16, linewidth=0,
                                gid=f"km-ci-{g}", zorder=2)  # fmt: skip
            if censor_marks:
                cens = rows[rows["n_censor"] > 0]
                late = (
                    np.zeros(len(cens), dtype=bool)
                    if horizon is None
                    else cens["time"].to_numpy(dtype=float) > horizon
                )
                for part, tone, gid in ((~late, colour, f"km-censor-{g}"),
                                        (late, _tint(colour, 0.45), f"km-censor-extrapolated-{g}")):  # fmt: skip
                    if gid != f"km-censor-{g}" and not part.any():
                        continue  # the calibrated marks are drawn even when empty
                    ax.plot(
                        cens["time"].to_numpy(dtype=float)[part],
                        cens["survival"].to_numpy(dtype=float)[part],
                        linestyle="none", marker="+", markersize=7, markeredgewidth=1.3, color=tone,
                        gid=gid, zorder=4,
                    )  # fmt: skip
        if horizon is not None:
            ax.axvspan(horizon, right * 1.02, color=_EXTRAPOLATED_FILL, linewidth=0, zorder=0,
                       gid="km-extrapolated-region")  # fmt: skip
            ax.axvline(horizon, color=_EXTRAPOLATED_TEXT, linewidth=0.9, linestyle=":", zorder=1,
                       gid="km-horizon")  # fmt: skip
            ax.text(
                horizon + 0.01 * right, 0.02,
                f"extrapolated: beyond the\ncalibrated {_fmt_time(horizon)} {_time_unit(xlabel)}",
                ha="left", va="bottom", fontsize=11, color=_EXTRAPOLATED_TEXT, style="italic",
                gid="km-extrapolated-label", zorder=5,
            )  # fmt: skip
        reached = []
        if median_lines and medians is not None:
            for g in groups:
                m = float(medians.loc[g, "median"]) if g in medians.index else math.nan
                if math.isfinite(m) and (horizon is None or m <= horizon):
                    reached.append(m)
                    ax.plot([m, m], [0, 0.5], color=_MUTED, linewidth=1.0, linestyle=(0, (4, 3)),
                            gid=f"km-median-{g}", zorder=1)  # fmt: skip
            if reached:
                ax.plot([0, max(reached)], [0.5, 0.5], color=_MUTED, linewidth=1.0,
                        linestyle=(0, (4, 3)), gid="km-median-h", zorder=1)  # fmt: skip

        ax.set_xlim(-0.01 * right, right * 1.02)
        ax.set_xticks(ticks, [_fmt_time(t) for t in ticks])
        ax.set_ylim(-0.02, 1.03)
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        if percent:
            ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        else:
            ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.2f}"))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel or ("Survival (%)" if percent else "Survival probability"))
        ax.spines["left"].set_bounds(0, 1)
        # an axes passed in was made outside our style: give it the same look
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(labelsize=RC["xtick.labelsize"])
        ax.xaxis.label.set_size(RC["axes.labelsize"])
        ax.yaxis.label.set_size(RC["axes.labelsize"])
        # Survival curves fall from the top left, so the top right is free: the log-rank p
        # goes there, the legend under it.
        p_value = _logrank_p(logrank)
        if p_value is not None:
            ax.text(0.985, 0.985, f"Log-rank {_p_text(p_value)}", transform=ax.transAxes,
                    ha="right", va="top", fontsize=13, gid="km-logrank")  # fmt: skip
        if len(groups) > 1 or legend_title:
            ax.legend(handles=handles, loc="upper right", title=legend_title, handlelength=2.2,
                      bbox_to_anchor=(1.0, 0.92 if p_value is not None else 1.0),
                      borderaxespad=0.2)  # fmt: skip
        if title:
            ax.set_title(title, loc="left", pad=10)
        if synthetic:
            stamp_synthetic(ax)

        counts = km.risk_table(ticks)
        counts.index = counts.index.astype(str)
        if rax is not None:
            for i, g in enumerate(groups):
                y = n_rows - 1 - i
                for t in ticks:
                    value = counts.loc[g, t] if t in counts.columns else _closest(counts, g, t)
                    tone = palette[g] if horizon is None or t <= horizon else _EXTRAPOLATED_TEXT
                    rax.text(t, y, f"{int(value)}", ha="center", va="center_baseline", color=tone,
                             fontsize=12.5, gid=f"risk-{g}-{_fmt_time(t)}")  # fmt: skip
            rax.set_ylim(-0.6, n_rows - 0.4)
            rax.set_yticks(range(n_rows), [names[g] for g in reversed(groups)])
            for tick_label, g in zip(rax.get_yticklabels(), reversed(groups), strict=True):
                tick_label.set_color(palette[g])
                tick_label.set_fontweight("bold")
            rax.tick_params(axis="y", length=0, pad=14)
            rax.tick_params(axis="x", length=0, labelbottom=False)
            for side in ("top", "right", "bottom", "left"):
                rax.spines[side].set_visible(False)
            rax.set_title("Number at risk", loc="left", fontsize=12.5, fontweight="bold", pad=4)
            rax.set_gid("risk-table")

    med = km.medians().set_index("group")
    parts = []
    for g in groups:
        m = float(med.loc[g, "median"]) if g in med.index else math.nan
        n = (
            int(med.loc[g, "n"])
            if g in med.index and "n" in med.columns
            else int(counts.loc[g].iloc[0])
        )
        events = int(med.loc[g, "events"]) if g in med.index and "events" in med.columns else None
        ev = f", {events} events" if events is not None else ""
        mtxt = f"median {m:.3g} {xlabel.lower()}" if math.isfinite(m) else "median not reached"
        if horizon is not None and math.isfinite(m) and m > horizon:
            mtxt += ", beyond the calibrated horizon, so extrapolated"
        parts.append(f"{names[g]} ({n} patients{ev}, {mtxt})")
    text = (
        f"Kaplan–Meier curves of {endpoint} against {xlabel.lower()}, "
        f"{len(groups)} group{'s' if len(groups) > 1 else ''}: " + "; ".join(parts) + "."
    )
    if p_value is not None:
        text += f" Log-rank {_p_text(p_value)}."
    if rax is not None:
        text += " A number-at-risk table is shown under the time axis."
    if horizon is not None:
        text += (
            f" The cohort was calibrated to published figures up to {_fmt_time(horizon)} "
            f"{_time_unit(xlabel)}; beyond that the curves are extrapolated, drawn dashed and "
            "pale on a grey background labelled extrapolated."
        )
    set_alt(
        fig, text, synthetic, kind="km", groups=groups, ticks=ticks, risk=counts, p=p_value,
        horizon=horizon,
    )  # fmt: skip
    return fig


def _time_unit(xlabel: str) -> str:
    """The time unit named in an axis label ("Months from infusion" -> "months")."""
    words = xlabel.lower().split()
    units = ("days", "weeks", "months", "years")
    return next((w for w in words if w in units), words[0] if words else "")


def _closest(counts: pd.DataFrame, group: str, t: float):
    cols = np.asarray(counts.columns, dtype=float)
    return counts.loc[group].iloc[int(np.argmin(np.abs(cols - t)))]


def _logrank_p(logrank) -> float | None:
    if logrank is None:
        return None
    p = getattr(logrank, "p", logrank)
    try:
        p = float(p)
    except (TypeError, ValueError) as exc:
        raise PlotInputError(
            f"logrank: got {logrank!r}; expected a LogRank result or a p-value"
        ) from exc
    return p if math.isfinite(p) else None


# --------------------------------------------------------------------------- forest plot


def _fmt_hr(hr: float, lo: float, hi: float, digits: int = 2) -> str:
    if not math.isfinite(hr) or hr <= 0:
        return "not estimable"
    if not (math.isfinite(lo) and math.isfinite(hi) and lo > 0):
        return f"{hr:.{digits}f} (CI not estimable)"
    return f"{hr:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Round tick values on a log axis (halving/doubling around 1, then powers of ten);
    finer when the range is narrow."""
    coarse = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 20, 50, 100]
    ticks = [t for t in coarse if lo <= t <= hi]
    if len(ticks) < 3:
        fine = [0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 2, 3, 4]
        ticks = sorted(set(ticks) | {t for t in fine if lo <= t <= hi})
        if len(ticks) > 6:
            ticks = [t for t in ticks if t in (0.25, 0.5, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 2, 3, 4)]
    return ticks


def _spaced_log_ticks(
    ticks: Sequence[float],
    lo: float,
    hi: float,
    axis_width_in: float,
    label_width_in: Callable[[str], float],
    min_gap_in: float,
    keep: float = 1.0,
) -> list[float]:
    """The densest subset of ``ticks`` whose labels stand at least ``min_gap_in`` apart on a
    log axis ``axis_width_in`` inches wide: every k-th tick counted from ``keep`` (the
    reference line, kept whenever it is a tick), for the smallest k that works."""
    ticks = sorted(ticks)
    if len(ticks) < 2:
        return list(ticks)
    span = math.log(hi) - math.log(lo)

    def position(t: float) -> float:
        return (math.log(t) - math.log(lo)) / span * axis_width_in

    widths = {t: label_width_in(f"{t:g}") for t in ticks}
    anchor = ticks.index(keep) if keep in ticks else len(ticks) // 2
    for step in range(1, len(ticks)):
        chosen = [t for i, t in enumerate(ticks) if (i - anchor) % step == 0]
        if all(
            position(b) - position(a) - (widths[a] + widths[b]) / 2 >= min_gap_in
            for a, b in zip(chosen, chosen[1:], strict=False)
        ):
            return chosen
    return [ticks[anchor]]


def forest_plot(
    rows: pd.DataFrame,
    reference_line: float = 1,
    synthetic: bool = False,
    title: str | None = None,
    *,
    compare: pd.DataFrame | None = None,
    labels: tuple[str, str] = ("Reproduced", "Published"),
    xlabel: str = "Hazard ratio (log scale)",
    estimate_label: str = "HR (95% CI)",
    label_header: str = "Characteristic",
    favours: tuple[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
    digits: int = 2,
    p_digits: int = 2,
    color: str = PALETTE[0],
):
    """Forest plot of hazard ratios on a log axis with text columns, one line per ``rows`` row.

    ``rows``: columns ``label, hr, ci_low, ci_high`` and optionally ``n`` and ``events``
    (shown as "N / events"), ``p``, ``indent`` (1: a level under its variable) and
    ``reference`` (True: the reference level, printed "Reference"). A row whose hr and CI
    are all missing and that is not a reference is a heading (bold). A row whose HR cannot
    be estimated (inf or NaN with a CI column present) says "not estimable" instead of
    drawing a marker; a CI that runs off the axis ends in an arrow.

    ``compare``: published estimates to show beside ours (columns ``label, hr, ci_low,
    ci_high``, matched to ``rows`` by label). Those rows get two markers — ours filled, the
    published one hollow — and two lines of text; ``labels`` names the pair in the legend.
    ``favours``: two phrases printed under the axis, left and right of the reference line.
    """
    _require(rows, ["label", "hr", "ci_low", "ci_high"], "forest_plot: rows")
    rows = rows.reset_index(drop=True).copy()
    for col in ("hr", "ci_low", "ci_high"):
        rows[col] = pd.to_numeric(rows[col], errors="coerce").astype(float)
    false = pd.Series(False, index=rows.index)
    reference = rows["reference"].fillna(False).astype(bool) if "reference" in rows else false
    heading = rows[["hr", "ci_low", "ci_high"]].isna().all(axis=1) & ~reference
    if "indent" in rows:
        indent = rows["indent"].fillna(0).astype(int)
    else:
        indent = pd.Series(0, index=rows.index)
    pub = None
    key_col = "label"
    if compare is not None:
        _require(compare, ["label", "hr", "ci_low", "ci_high"], "forest_plot: compare")
        key_col = "key" if "key" in rows and "key" in compare else "label"
        pub = compare.assign(_key=compare[key_col].astype(str)).set_index("_key")
        known = set(rows[key_col].astype(str))
        unknown = [k for k in pub.index if k not in known]
        if unknown:
            raise PlotInputError(
                f"forest_plot: compare has {key_col} {unknown[0]!r}, not among rows' {key_col}s"
            )
        dupes = pub.index[pub.index.duplicated()]
        if len(dupes):
            raise PlotInputError(
                f"forest_plot: compare has {key_col} {dupes[0]!r} twice; add a unique 'key' column "
                "to rows and compare"
            )
    has_n, has_events = "n" in rows, "events" in rows
    show_n, show_p = has_n or has_events, "p" in rows

    label_texts = [
        ("    " * int(k)) + str(lab) for lab, k in zip(rows["label"], indent, strict=True)
    ]
    hr_texts = [
        "Reference"
        if reference[i]
        else ("" if heading[i] else _fmt_hr(r.hr, r.ci_low, r.ci_high, digits))
        for i, r in enumerate(rows.itertuples())
    ]
    pub_texts = {
        lab: _fmt_hr(float(r["hr"]), float(r["ci_low"]), float(r["ci_high"]), digits)
        for lab, r in (pub.iterrows() if pub is not None else [])
    }
    n_texts = []
    for _, r in rows.iterrows():
        bits = []
        if has_n:
            bits.append("" if pd.isna(r["n"]) else f"{int(r['n'])}")
        if has_events:
            bits.append("" if pd.isna(r["events"]) else f"{int(r['events'])}")
        n_texts.append("" if not any(bits) else " / ".join(b or "–" for b in bits))
    n_header = "N / events" if has_n and has_events else ("N" if has_n else "Events")
    p_texts = (
        [format_p(float(p), p_digits) if pd.notna(p) else "" for p in rows["p"]] if show_p else []
    )

    values = [rows[c] for c in ("hr", "ci_low", "ci_high")]
    if pub is not None:
        values += [pd.to_numeric(pub[c], errors="coerce") for c in ("hr", "ci_low", "ci_high")]
    finite = pd.concat(values).astype(float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if xlim is None:
        lo = min(float(finite.min()) if len(finite) else 0.5, reference_line) / 1.2
        hi = max(float(finite.max()) if len(finite) else 2.0, reference_line) * 1.2
        lo, hi = max(lo, 0.01), min(hi, 100.0)
    else:
        lo, hi = map(float, xlim)

    font = 12.5
    n = len(rows)
    row_h = 0.56 if pub is not None else 0.4
    head_in = 0.46  # header text + rule above the first row
    top_in = head_in + (0.48 if title or synthetic else 0.08)
    below = [0.7]  # tick labels + axis label
    if favours:
        below.append(0.3)
    if pub is not None:
        below.append(0.4)
    bottom_in = sum(below) + 0.08
    plot_h = n * row_h
    height = plot_h + top_in + bottom_in

    with style():
        fig = new_figure(PAGE_WIDTH_IN, height, layout=None)
        renderer = fig.canvas.get_renderer()

        def width_in(texts, weight="normal", size=font) -> float:
            widest = 0.0
            for t in texts:
                if t:
                    probe = fig.text(0, 0, t, fontsize=size, fontweight=weight)
                    widest = max(widest, probe.get_window_extent(renderer).width / fig.dpi)
                    probe.remove()
            return widest

        gap, margin = 0.22, 0.08
        w_n = (max(width_in(n_texts), width_in([n_header], "bold")) + gap) if show_n else 0.0
        # A heading (bold variable name) has its row to itself, so it may run on into the
        # empty N / events column; other labels must fit their column.
        plain = [t for t, h in zip(label_texts, heading, strict=True) if not h]
        headings = [t for t, h in zip(label_texts, heading, strict=True) if h]
        w_label = (
            max(
                width_in(plain),
                width_in([label_header], "bold"),
                width_in(headings, "bold") - max(w_n - gap, 0.0),
            )
            + gap
        )
        w_hr = (
            max(width_in(hr_texts + list(pub_texts.values())), width_in([estimate_label], "bold"))
            + gap
        )
        w_p = (max(width_in(p_texts), width_in(["p"], "bold")) + gap) if show_p else 0.0
        width = PAGE_WIDTH_IN
        w_plot = width - 2 * margin - w_label - w_n - gap - w_hr - w_p
        if w_plot < 2.6:  # long labels: widen the figure rather than squash the axis
            width += 2.6 - w_plot
            w_plot = 2.6
            fig.set_size_inches(width, height)
        x_n = margin + w_label + (w_n - gap) / 2
        x_plot = margin + w_label + w_n
        x_hr = x_plot + w_plot + gap + (w_hr - gap) / 2
        x_p = x_plot + w_plot + gap + w_hr + (w_p - gap) / 2

        ax = fig.add_axes([x_plot / width, bottom_in / height, w_plot / width, plot_h / height])
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.patch.set_alpha(0)
        ax.axvline(reference_line, color="#333333", linewidth=1.0, zorder=1, gid="forest-reference")
        tick_font = float(RC["xtick.labelsize"])
        ticks = _spaced_log_ticks(
            _log_ticks(lo, hi), lo, hi, w_plot,
            lambda text: width_in([text], size=tick_font), min_gap_in=0.6 * tick_font / 72,
            keep=reference_line,
        )  # fmt: skip
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_locator(ticker.NullLocator())
        ax.set_xlabel(xlabel, fontsize=font, labelpad=4)

        def fx(x_in: float) -> float:
            return x_in / width

        row_tr = transforms.blended_transform_factory(fig.transFigure, ax.transData)
        head_tr = transforms.blended_transform_factory(fig.transFigure, ax.transAxes)
        head_y = 1.0 + 0.12 / plot_h
        head = dict(transform=head_tr, va="bottom", fontsize=font, fontweight="bold")
        fig.text(fx(margin), head_y, label_header, ha="left", **head)
        if show_n:
            fig.text(fx(x_n), head_y, n_header, ha="center", **head)
        fig.text(fx(x_hr), head_y, estimate_label, ha="center", **head)
        if show_p:
            fig.text(fx(x_p), head_y, "p", ha="center", **head)
        rule_y = 1.0 + 0.04 / plot_h
        fig.add_artist(Line2D([fx(margin), fx(width - margin)], [rule_y, rule_y], transform=head_tr,
                              color="#222222", linewidth=0.9))  # fmt: skip
        from matplotlib.patches import Rectangle

        offset = 0.19 if pub is not None else 0.0
        for i, r in rows.iterrows():
            y = float(i)
            if i % 2 == 1:  # zebra band across all columns, for reading along a row
                fig.add_artist(Rectangle((fx(margin), y - 0.5), fx(width - 2 * margin), 1.0,
                                         transform=row_tr, facecolor="#f2f2f2", edgecolor="none",
                                         zorder=-5))  # fmt: skip
            weight = "bold" if heading[i] else "normal"
            fig.text(fx(margin), y, label_texts[i], transform=row_tr, ha="left", va="center",
                     fontsize=font, fontweight=weight)  # fmt: skip
            for shown, texts, x in ((show_n, n_texts, x_n), (show_p, p_texts, x_p)):
                if shown and texts[i]:  # the n column, then the p column
                    fig.text(
                        fx(x),
                        y,
                        texts[i],
                        transform=row_tr,
                        ha="center",
                        va="center",
                        fontsize=font,
                    )
            lab = str(r[key_col])
            paired = pub is not None and lab in pub.index and not heading[i] and not reference[i]
            y_ours = y + offset if paired else y
            if hr_texts[i]:
                fig.text(fx(x_hr), y_ours, hr_texts[i], transform=row_tr, ha="center", va="center",
                         fontsize=font, color=_MUTED if reference[i] else "#111111",
                         gid=f"forest-hr-text-{i}")  # fmt: skip
            if reference[i]:
                ax.plot([reference_line], [y], marker="o", markersize=6.5, color="#888888", zorder=3,
                        linestyle="none", gid=f"forest-reference-{i}")  # fmt: skip
            elif not heading[i]:
                _forest_marker(ax, r["hr"], r["ci_low"], r["ci_high"], y_ours, lo, hi, color,
                               filled=True, gid=f"forest-ours-{i}")  # fmt: skip
            if paired:
                pr = pub.loc[lab]
                fig.text(fx(x_hr), y - offset, pub_texts[lab], transform=row_tr, ha="center",
                         va="center", fontsize=font - 0.5, color=_MUTED, style="italic",
                         gid=f"forest-pub-text-{i}")  # fmt: skip
                _forest_marker(ax, float(pr["hr"]), float(pr["ci_low"]), float(pr["ci_high"]),
                               y - offset, lo, hi, "#222222", filled=False,
                               gid=f"forest-published-{i}")  # fmt: skip
        # everything under the axis, placed in inches below it
        y_in = below[0]
        if favours:
            ref_x = (math.log(reference_line) - math.log(lo)) / (math.log(hi) - math.log(lo))
            fav = dict(transform=ax.transAxes, va="top", fontsize=font - 1, color=_MUTED)
            ax.text(ref_x - 0.02, -y_in / plot_h, f"← {favours[0]}", ha="right", **fav)
            ax.text(ref_x + 0.02, -y_in / plot_h, f"{favours[1]} →", ha="left", **fav)
            y_in += below[1]
        if pub is not None:
            handles = [
                Line2D([], [], marker="s", color=color, markerfacecolor=color, markersize=7,
                       label=labels[0]),
                Line2D([], [], marker="D", color="#222222", markerfacecolor="white", markersize=6.5,
                       label=labels[1]),
            ]  # fmt: skip
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -y_in / plot_h),
                      ncol=2, fontsize=font - 1, handlelength=2.2, columnspacing=1.6,
                      borderaxespad=0.0)  # fmt: skip
        if title:
            fig.text(
                fx(margin),
                1 - 0.1 / height,
                title,
                ha="left",
                va="top",
                fontsize=14,
                fontweight="bold",
            )
        if synthetic:
            stamp_synthetic(fig, fx(width - margin), 1 - 0.08 / height, va="top")

    described = []
    for i, r in rows.iterrows():
        if heading[i]:
            continue
        lab, key = str(r["label"]), str(r[key_col])
        if reference[i]:
            described.append(f"{lab}: reference")
            continue
        item = f"{lab}: HR {hr_texts[i]}"
        if pub is not None and key in pub.index:
            item += f", {labels[1].lower()} {pub_texts[key]}"
        described.append(item)
    text = (
        f"Forest plot of hazard ratios with 95% confidence intervals on a log scale, "
        f"reference line at {reference_line:g}. " + "; ".join(described) + "."
    )
    if pub is not None:
        text += f" Filled squares: {labels[0].lower()}; hollow diamonds: {labels[1].lower()}."
    set_alt(fig, text, synthetic, kind="forest", axes=ax)
    return fig


def forest_rows(
    fit,
    labels: Mapping[str, str] | None = None,
    data: pd.DataFrame | None = None,
    event: str | None = None,
) -> pd.DataFrame:
    """Rows for :func:`forest_plot` from a Cox fit (:func:`inoreport.stats.survival.cox`).

    A numeric covariate is one row; a categorical one is a bold heading, its reference
    level ("Reference") and one indented row per other level. ``labels`` renames variables.
    N / events per row come from the fit (``level_counts`` per level; ``n`` and ``events``
    of the rows used for a numeric covariate) or, given ``data`` and ``event`` (the data the
    model was fitted on and its event column), are counted among its complete cases.
    """
    table = getattr(fit, "table", None)
    _require(table, ["variable", "level", "hr", "ci_low", "ci_high", "p"], "forest_rows: fit.table")
    labels = dict(labels or {})
    references = dict(getattr(fit, "reference", {}) or {})
    complete = None
    if data is not None:
        if event is None or event not in data.columns:
            raise PlotInputError(f"forest_rows: event={event!r}; expected the event column of data")
        variables = list(dict.fromkeys(table["variable"]))
        missing = [v for v in variables if v not in data.columns]
        if missing:
            raise PlotInputError(f"forest_rows: column {missing[0]!r} of the model is not in data")
        complete = data[data[variables].notna().all(axis=1)]

    level_counts = getattr(fit, "level_counts", None)
    if isinstance(level_counts, pd.DataFrame) and {"variable", "level", "n", "events"} <= set(
        level_counts.columns
    ):
        by_level = {
            (str(r["variable"]), str(r["level"])): (int(r["n"]), int(r["events"]))
            for _, r in level_counts.iterrows()
        }
    else:
        by_level = None

    def counts(var, level=None) -> dict:
        if complete is not None:
            part = complete if level is None else complete[complete[var].astype(str) == str(level)]
            return {"n": len(part), "events": int(part[event].sum())}
        if level is None and hasattr(fit, "n") and hasattr(fit, "events"):
            return {"n": int(fit.n), "events": int(fit.events)}
        if level is not None and by_level is not None and (var, str(level)) in by_level:
            n, events = by_level[(var, str(level))]
            return {"n": n, "events": events}
        return {}

    rows = []
    for var in dict.fromkeys(table["variable"]):
        part = table[table["variable"] == var]
        name = labels.get(var, var)
        if var not in references:
            r = part.iloc[0]
            rows.append({"key": var, "label": name, "hr": r["hr"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p": r["p"], "indent": 0, "reference": False,
                         **counts(var)})  # fmt: skip
            continue
        rows.append({"key": var, "label": name, "hr": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                     "p": np.nan, "indent": 0, "reference": False})  # fmt: skip
        ref = references[var]
        rows.append({"key": f"{var}={ref}", "label": str(ref), "hr": np.nan, "ci_low": np.nan,
                     "ci_high": np.nan, "p": np.nan, "indent": 1, "reference": True,
                     **counts(var, ref)})  # fmt: skip
        for _, r in part.iterrows():
            rows.append({"key": f"{var}={r['level']}", "label": str(r["level"]), "hr": r["hr"],
                         "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p": r["p"], "indent": 1, "reference": False,
                         **counts(var, r["level"])})  # fmt: skip
    out = pd.DataFrame(rows)
    for col in ("n", "events"):
        if col in out:
            out[col] = out[col].astype("Float64")
    return out


def _forest_marker(ax, hr, lo_ci, hi_ci, y, lo, hi, color, filled, gid):
    if not (math.isfinite(hr) and hr > 0):
        return
    if math.isfinite(lo_ci) and math.isfinite(hi_ci) and lo_ci > 0:
        a, b = max(lo_ci, lo), min(hi_ci, hi)
        ax.plot([a, b], [y, y], color=color, linewidth=2.0, zorder=3, gid=f"{gid}-ci",
                solid_capstyle="butt")  # fmt: skip
        if lo_ci < lo:
            ax.plot([lo], [y], marker="<", color=color, markersize=7, zorder=3, clip_on=False)
        if hi_ci > hi:
            ax.plot([hi], [y], marker=">", color=color, markersize=7, zorder=3, clip_on=False)
    shown = min(max(hr, lo), hi)
    ax.plot([shown], [y], marker="s" if filled else "D", markersize=9.5 if filled else 9,
            markerfacecolor=color if filled else "white", markeredgecolor=color,
            markeredgewidth=1.5, linestyle="none", zorder=4, gid=gid)  # fmt: skip


# --------------------------------------------------------------------------- swimmer plot

_EVENT_MARKERS = ["o", "D", "^", "s", "v", "P", "X", "*", "h", ">"]
_EVENT_COLORS = ["#000000", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]


def swimmer_plot(
    lanes: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    colors: Mapping[str, str] | None = None,
    event_styles: Mapping[str, Mapping] | None = None,
    patient_order: Sequence | None = None,
    patient_labels: Mapping | None = None,
    xlabel: str = "Months",
    title: str | None = None,
    synthetic: bool = False,
    zero_line: bool = True,
    legend: str = "right",
):
    """Swimmer plot of a case series: one lane per patient, coloured segments by phase.

    ``lanes``: columns ``patient, start, end, kind`` and optionally ``assumed`` (True: the
    timing is not published but assumed — drawn pale, hatched, dashed outline, with its own
    legend entry) and ``ongoing`` (True: an arrow at the end, still in that phase at last
    follow-up). ``events``: columns ``patient, time, event`` and optionally ``assumed``
    (the event's timing is assumed: a dashed ring around the marker). ``colors`` maps
    ``kind`` to a colour; ``event_styles`` maps ``event`` to ``{"marker", "color", "size"}``.
    Patients run top to bottom in ``patient_order`` (default: first appearance). The legend
    goes to the ``"right"`` (default) or ``"below"`` the time axis (the timeline then keeps
    the page width; better with many legend entries).
    """
    _require(lanes, ["patient", "start", "end", "kind"], "swimmer_plot: lanes")
    lanes = lanes.copy()
    lanes["assumed"] = lanes["assumed"].fillna(False).astype(bool) if "assumed" in lanes else False
    lanes["ongoing"] = lanes["ongoing"].fillna(False).astype(bool) if "ongoing" in lanes else False
    bad = lanes[
        pd.to_numeric(lanes["end"], errors="coerce")
        < pd.to_numeric(lanes["start"], errors="coerce")
    ]
    if len(bad):
        r = bad.iloc[0]
        raise PlotInputError(
            f"swimmer_plot: lanes row {bad.index[0]} (patient {r['patient']!r}, {r['kind']!r}): "
            f"end {r['end']} is before start {r['start']}; expected end >= start"
        )
    if events is None:
        events = pd.DataFrame(columns=["patient", "time", "event", "assumed"])
    _require(events, ["patient", "time", "event"], "swimmer_plot: events")
    events = events.copy()
    events["assumed"] = (
        events["assumed"].fillna(False).astype(bool) if "assumed" in events else False
    )
    patients = (
        list(patient_order)
        if patient_order is not None
        else list(dict.fromkeys([*lanes["patient"].tolist(), *events["patient"].tolist()]))
    )
    unknown = [p for p in set(lanes["patient"]) | set(events["patient"]) if p not in patients]
    if unknown:
        raise PlotInputError(f"swimmer_plot: patient {unknown[0]!r} is not in patient_order")
    ypos = {p: i for i, p in enumerate(patients)}
    kinds = list(dict.fromkeys(lanes["kind"].tolist()))
    kind_colors = {k: (colors or {}).get(k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(kinds)}
    names = list(dict.fromkeys(events["event"].tolist()))
    styles = {}
    for i, name in enumerate(names):
        base = {
            "marker": _EVENT_MARKERS[i % len(_EVENT_MARKERS)],
            "color": _EVENT_COLORS[i % len(_EVENT_COLORS)],
            "size": 75,
        }
        base.update((event_styles or {}).get(name, {}))
        styles[name] = base

    if legend not in ("below", "right"):
        raise PlotInputError(f"swimmer_plot: legend={legend!r}; expected 'below' or 'right'")
    height = 1.6 + (0.52 if len(patients) <= 6 else 0.42) * len(patients)
    with style():
        fig = new_figure(PAGE_WIDTH_IN, height)
        ax = fig.add_subplot()
        bar_h = 0.5
        for r in lanes.itertuples():
            colour = kind_colors[r.kind]
            y = ypos[r.patient]
            if r.assumed:
                ax.barh(y, r.end - r.start, left=r.start, height=bar_h, facecolor=_tint(colour, 0.55),
                        edgecolor=colour, hatch="///", linestyle=(0, (3, 2)), linewidth=1.1, zorder=2,
                        gid=f"lane-assumed-{r.Index}")  # fmt: skip
            else:
                ax.barh(y, r.end - r.start, left=r.start, height=bar_h, color=colour,
                        edgecolor="white", linewidth=0.8, zorder=2, gid=f"lane-{r.Index}")  # fmt: skip
            if r.ongoing:
                ax.annotate("", xy=(r.end + 0.04 * _span(lanes), y), xytext=(r.end, y),
                            arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.8), zorder=3)  # fmt: skip
        for r in events.itertuples():
            st = styles[r.event]
            y = ypos[r.patient]
            ax.scatter([r.time], [y], marker=st["marker"], s=st["size"], facecolor=st["color"],
                       edgecolor="white" if st["color"] not in ("white", "#ffffff") else "black",
                       linewidth=0.9, zorder=5, gid=f"event-{r.Index}")  # fmt: skip
            if r.assumed:
                ax.scatter([r.time], [y], marker="o", s=st["size"] * 3.3, facecolor="none",
                           edgecolor="#444444", linewidth=1.0, linestyle=(0, (2, 1.6)), zorder=4,
                           gid=f"event-assumed-{r.Index}")  # fmt: skip
        if zero_line:
            ax.axvline(0, color="#333333", linewidth=0.8, zorder=1)
        starts = pd.to_numeric(lanes["start"]).tolist() + pd.to_numeric(events["time"]).tolist()
        ends = pd.to_numeric(lanes["end"]).tolist() + pd.to_numeric(events["time"]).tolist()
        first, last = min(starts + [0.0]), max(ends + [0.0])
        pad = 0.03 * max(last - first, 1e-9)
        ax.set_xlim(first - pad, last + (2.5 if lanes["ongoing"].any() else 1) * pad)
        labels = [str((patient_labels or {}).get(p, p)) for p in patients]
        ax.set_yticks(range(len(patients)), labels)
        ax.set_ylim(len(patients) - 0.4, -0.6)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        handles = [Patch(facecolor=kind_colors[k], edgecolor="white", label=k) for k in kinds]
        if lanes["assumed"].any():
            handles.append(Patch(facecolor="#dddddd", edgecolor="#555555", hatch="///", linestyle=(0, (3, 2)),
                                 label="timing assumed (not published)"))  # fmt: skip
        handles += [
            Line2D([], [], linestyle="none", marker=styles[nm]["marker"], markerfacecolor=styles[nm]["color"],
                   markeredgecolor="white", markersize=9, label=nm)
            for nm in names
        ]  # fmt: skip
        if events["assumed"].any():
            handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="none",
                                  markeredgecolor="#444444", markersize=13,
                                  label="event time assumed (not published)"))  # fmt: skip
        if lanes["ongoing"].any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color="#333333",
                    marker=">",
                    markersize=6,
                    label="ongoing at last follow-up",
                )
            )
        if legend == "right":
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11.5,
                      handlelength=1.8, borderaxespad=0.0)  # fmt: skip
        else:  # under the time axis, so the timeline keeps the page width
            ncol = 3 if len(handles) > 4 else len(handles)
            fig.set_size_inches(PAGE_WIDTH_IN, height + 0.3 * math.ceil(len(handles) / ncol))
            fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=11.5,
                       handlelength=1.8, columnspacing=1.4)  # fmt: skip
        if title:
            ax.set_title(title, loc="left", pad=10)
        if synthetic:
            stamp_synthetic(ax)

    n_assumed = int(lanes["assumed"].sum())
    text = (
        f"Swimmer plot of {len(patients)} patients, one horizontal bar each on a time axis in "
        f"{xlabel.lower()}; bar segments are phases ({', '.join(kinds)})"
    )
    if names:
        text += f" and markers are events ({', '.join(names)})"
    text += "."
    if n_assumed:
        text += f" {n_assumed} segment{'s are' if n_assumed > 1 else ' is'} hatched because the timing is assumed, not published."
    if events["assumed"].any():
        text += f" {int(events['assumed'].sum())} event time(s) are assumed (dashed rings)."
    set_alt(fig, text, synthetic, kind="swimmer", patients=patients)
    return fig


def _span(lanes: pd.DataFrame) -> float:
    return float(max(lanes["end"].max() - min(lanes["start"].min(), 0), 1e-9))


def _tint(colour: str, amount: float) -> tuple:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


# --------------------------------------------------------------------------- cumulative incidence

_CAUSE_STYLES = ["-", (0, (5, 3)), (0, (1.5, 2)), (0, (6, 2, 1.5, 2))]


def cif_plot(
    cif,
    *,
    stacked: bool = False,
    ci: bool = False,
    title: str | None = None,
    xlabel: str = "Months",
    ylabel: str = "Cumulative incidence",
    synthetic: bool = False,
    colors=None,
    percent: bool = False,
    ymax: float = 1.0,
    xmax: float | None = None,
):
    """Cumulative incidence curves (Aalen–Johansen) per cause and group.

    ``cif``: the DataFrame from :func:`inoreport.stats.survival.cumulative_incidence`
    (``group, time, cif, ci_low, ci_high``) for one cause, or a dict
    ``{cause name: that DataFrame}``, or one DataFrame with a ``cause`` column.
    Lines (default): colour by group, line style by cause. ``stacked=True``: one panel per
    group, the causes' incidences stacked as areas (their sum is 1 − event-free survival).
    """
    long = _cif_long(cif)
    causes = list(dict.fromkeys(long["cause"].tolist()))
    groups = list(dict.fromkeys(long["group"].astype(str).tolist()))
    tmax = float(long["time"].max()) if xmax is None else float(xmax)
    with style():
        if stacked:
            fig = new_figure(PAGE_WIDTH_IN, 4.2)
            axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
            cause_colors = _colors(causes, colors)
            for ax, g in zip(axes, groups, strict=True):
                grid = np.unique(
                    np.concatenate(
                        [[0.0], long.loc[long["group"].astype(str) == g, "time"].to_numpy(float)]
                    )
                )
                bottom = np.zeros_like(grid)
                for c in causes:
                    part = long[
                        (long["group"].astype(str) == g) & (long["cause"] == c)
                    ].sort_values("time")
                    values = _step_on_grid(
                        part["time"].to_numpy(float), part["cif"].to_numpy(float), grid
                    )
                    ax.fill_between(grid, bottom, bottom + values, step="post", color=cause_colors[c],
                                    alpha=0.85, linewidth=0, label=c, gid=f"cif-{g}-{c}")  # fmt: skip
                    bottom = bottom + values
                ax.set_title(g if len(groups) > 1 else (title or ""), loc="left", fontsize=13)
                ax.set_xlim(0, tmax)
                ax.set_xlabel(xlabel)
            axes[0].set_ylabel(ylabel)
            axes[0].legend(loc="upper left")
            main = axes[0]
        else:
            fig = new_figure(PAGE_WIDTH_IN, 4.8)
            main = fig.add_subplot()
            group_colors = _colors(groups, colors)
            for g in groups:
                for j, c in enumerate(causes):
                    part = long[
                        (long["group"].astype(str) == g) & (long["cause"] == c)
                    ].sort_values("time")
                    x, y = _step_xy(part["time"].to_numpy(float), part["cif"].to_numpy(float), 0.0)
                    label = (
                        " – ".join(
                            s
                            for s in (g if len(groups) > 1 else "", c if len(causes) > 1 else "")
                            if s
                        )
                        or "Cumulative incidence"
                    )
                    main.step(x, y, where="post", color=group_colors[g], linestyle=_CAUSE_STYLES[j % 4],
                              label=label, gid=f"cif-{g}-{c}")  # fmt: skip
                    if ci and {"ci_low", "ci_high"} <= set(part.columns):
                        xl, lo = _step_xy(
                            part["time"].to_numpy(float), part["ci_low"].to_numpy(float), 0.0
                        )
                        _, hi = _step_xy(
                            part["time"].to_numpy(float), part["ci_high"].to_numpy(float), 0.0
                        )
                        main.fill_between(
                            xl, lo, hi, step="post", color=group_colors[g], alpha=0.12, linewidth=0
                        )
            main.set_xlim(0, tmax * 1.01)
            main.set_xlabel(xlabel)
            main.set_ylabel(ylabel)
            if len(groups) * len(causes) > 1:
                # under the axis: cumulative incidence can rise steeply at the start and a
                # legend inside would cover the curves
                fig.set_size_inches(
                    PAGE_WIDTH_IN, 4.8 + 0.3 * math.ceil(len(groups) * len(causes) / 2)
                )
                fig.legend(*main.get_legend_handles_labels(), loc="outside lower center", ncol=2,
                           handlelength=2.6, columnspacing=2.0)  # fmt: skip
            if title:
                main.set_title(title, loc="left", pad=10)
        for ax in fig.axes:
            ax.set_ylim(0, ymax)
            if percent:
                ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        if synthetic:
            stamp_synthetic(fig.axes[-1])

    finals = []
    for g in groups:
        for c in causes:
            part = long[(long["group"].astype(str) == g) & (long["cause"] == c)]
            last = part.sort_values("time")["cif"].iloc[-1] if len(part) else math.nan
            who = " ".join(s for s in (c, f"in {g}" if len(groups) > 1 else "") if s)
            finals.append(
                f"{who} reaches {last:.0%}" if math.isfinite(last) else f"{who}: no estimate"
            )
    text = (
        f"Cumulative incidence {'areas stacked' if stacked else 'curves'} against {xlabel.lower()} for "
        f"{len(causes)} cause{'s' if len(causes) > 1 else ''} and {len(groups)} group{'s' if len(groups) > 1 else ''}; "
        f"by the end of follow-up {'; '.join(finals)}."
    )
    set_alt(fig, text, synthetic, kind="cif", groups=groups, causes=causes)
    return fig


def _cif_long(cif) -> pd.DataFrame:
    if isinstance(cif, Mapping):
        parts = []
        for cause, frame in cif.items():
            _require(frame, ["group", "time", "cif"], f"cif_plot: cause {cause!r}")
            parts.append(frame.assign(cause=str(cause)))
        long = pd.concat(parts, ignore_index=True)
    else:
        _require(cif, ["group", "time", "cif"], "cif_plot: cif")
        long = cif if "cause" in cif.columns else cif.assign(cause="Event")
    long = long.copy()
    long["cause"] = long["cause"].astype(str)
    return long


def _step_on_grid(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A right-continuous step function (value 0 before the first time) evaluated on grid."""
    if len(times) == 0:
        return np.zeros_like(grid)
    idx = np.searchsorted(times, grid, side="right") - 1
    out = np.where(idx >= 0, values[np.clip(idx, 0, None)], 0.0)
    return np.nan_to_num(out, nan=0.0)
