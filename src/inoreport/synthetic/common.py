"""Pieces shared by the study specs: seeds, dates, rounding, the result of a build."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from inoreport.book.results import ScorecardRow

#: Days per month (a twelfth of a Julian year), as everywhere in the book.
DAYS_PER_MONTH = 365.25 / 12
#: Decimals kept for durations in months in the CSV files (about a third of a day).
MONTH_DECIMALS = 2


#: How close a reproduced statistic must come to the published one to count as met.
TOLERANCES = {
    "landmark_pp": 2.0,  # survival at a landmark, percentage points
    "median_months": 1.0,  # a median time, months
    "hr_pct": 10.0,  # a hazard ratio, percent (on the ratio scale)
    "p_alpha": 0.05,  # a held-out p-value: same side of this level ...
    "p_factor": 2.0,  # ... and within this factor
}


@dataclass
class StudyBuild:
    """A generated cohort with its target table.

    ``cohort``: one row per synthetic patient. ``targets``: one scorecard row per published
    statistic that the cohort was fitted to (``calibrated``) or checked against
    (``held_out``). ``assumptions``: what the generator assumed where the paper is silent.
    ``diagnostics``: calibration details (parameters, number of re-draws, timings).
    ``assumption_notes``: per assumption, (plain-language meaning, unit, basis) for display;
    the basis says whether a value is assumed or taken from a related report.
    """

    study: str
    seed: int
    cohort: pd.DataFrame
    targets: list[ScorecardRow]
    assumptions: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    assumption_notes: dict = field(default_factory=dict)


def streams(seed: int, names: tuple[str, ...]) -> dict[str, np.random.Generator]:
    """Independent random streams, one per generation step, from one study seed.

    Adding a step at the end of ``names`` does not change the draws of earlier steps.
    """
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children, strict=True)}


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def round_months(values) -> np.ndarray:
    return np.round(np.asarray(values, float), MONTH_DECIMALS)


def ids(prefix: str, n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"{prefix}-SYN-{i:0{width}d}" for i in range(1, n + 1)]


def keyed(row: ScorecardRow, key) -> ScorecardRow:
    """``row`` carrying its key in ``data/published``: a :class:`~.sources.Ref` or a
    ``(quantity, group)`` pair. Chapters look a target's role up by this key."""
    quantity, group = (key.quantity, key.group) if hasattr(key, "quantity") else key
    return dataclasses.replace(row, quantity=quantity, group=group)


def _rounded(reproduced, digits: int) -> float | None:
    """``reproduced`` rounded to ``digits`` places; None where it is not finite."""
    return None if not np.isfinite(reproduced) else round(float(reproduced), digits)


def _estimate_row(
    statistic, published, reproduced, role, ok, tolerance, unit, source, note
) -> ScorecardRow:
    """The scorecard row of an estimate against its published value, ``ok`` already decided."""
    return ScorecardRow(
        statistic,
        published,
        reproduced,
        role,
        bool(ok),
        tolerance=tolerance,
        unit=unit,
        source=source,
        note=note,
    )


def landmark_row(
    statistic: str,
    published: float,
    reproduced: float,
    role: str,
    tolerance_pp: float = TOLERANCES["landmark_pp"],
    source: str = "",
    note: str = "",
) -> ScorecardRow:
    """A landmark survival row in percent; matches if within ``tolerance_pp`` points."""
    ok = bool(np.isfinite(reproduced) and abs(reproduced - published) <= tolerance_pp + 1e-9)
    return _estimate_row(
        statistic,
        round(float(published), 3),
        _rounded(reproduced, 2),
        role,
        ok,
        f"±{tolerance_pp:g} percentage points",
        "%",
        source,
        note,
    )


def landmark_ci_rows(statistic: str, published_row, estimate, source="", note="") -> list:
    """The held-out rows of a landmark's two 95% confidence limits, in percent, each
    matching within 5 points. ``statistic`` is the label with ``{}`` where the limit's name
    ('low', 'high') goes; ``published_row`` the published row and ``estimate`` the
    Kaplan–Meier landmark (proportions), both with ``ci_low`` and ``ci_high``."""
    return [
        landmark_row(
            statistic.format(bound[3:]),
            float(published_row[bound]),
            100 * estimate[bound],
            "held_out",
            tolerance_pp=5.0,
            source=source,
            note=note,
        )
        for bound in ("ci_low", "ci_high")
    ]


def median_row(
    statistic,
    published,
    reproduced,
    role,
    tolerance=TOLERANCES["median_months"],
    source="",
    note="",
    unit="months",
):
    """A median row (a time in months unless ``unit`` says otherwise); matches if within
    ``tolerance`` (in the same unit)."""
    ok = bool(np.isfinite(reproduced) and abs(reproduced - published) <= tolerance + 1e-9)
    shown = f"±{tolerance:g} {'month' if unit == 'months' and tolerance == 1 else unit}"
    return _estimate_row(
        statistic, float(published), _rounded(reproduced, 2), role, ok, shown, unit, source, note
    )


def ratio_row(
    statistic,
    published,
    reproduced,
    role,
    tolerance=TOLERANCES["hr_pct"] / 100,
    source="",
    note="",
    unit="HR",
):
    ok = bool(
        np.isfinite(reproduced)
        and reproduced > 0
        and abs(np.log(reproduced / published)) <= np.log1p(tolerance) + 1e-9
    )
    return _estimate_row(
        statistic,
        float(published),
        _rounded(reproduced, 3),
        role,
        ok,
        f"within {tolerance:.0%}",
        unit,
        source,
        note,
    )


def count_row(
    statistic, published, reproduced, role="calibrated", source="", note="", at_least=False
):
    """An exact count (or median) row; ``at_least`` when the published count is a minimum."""
    ok = reproduced >= published if at_least else published == reproduced
    tolerance = "at least (categories do not add up)" if at_least else "exact"
    return _estimate_row(
        statistic,
        float(published),
        float(reproduced),
        role,
        ok,
        tolerance,
        "patients",
        source,
        note,
    )


def p_row(
    statistic, published, reproduced, role="held_out", source="", note="", published_text=None
):
    """A p-value row. A held-out p-value 'matches' when it lands on the same side of 0.05
    and within a factor of 2 (or both < 0.001); the value is reported whatever it is."""
    pub = float(published)
    rep = float(reproduced)
    alpha, factor = TOLERANCES["p_alpha"], TOLERANCES["p_factor"]
    same_side = (pub < alpha) == (rep < alpha)
    close = (pub <= 1e-3 and rep <= 1e-3) or (rep > 0 and 1 / factor <= rep / pub <= factor)
    return _estimate_row(
        statistic,
        published_text if published_text is not None else pub,
        float(f"{rep:.3g}"),
        role,
        same_side and close,
        f"same side of {alpha:g} and within a factor of {factor:g}",
        "p",
        source,
        note,
    )


def held_out_p_row(statistic, pub, ref, reproduced, source="", note="") -> ScorecardRow:
    """A held-out p-value row against the published row at ``ref`` (a
    :class:`~.sources.Ref`, read through ``pub``, a :class:`~.sources.PublishedValues`),
    shown as printed and keyed by ``ref``."""
    published_row = pub.row(ref)
    row = p_row(
        statistic,
        float(published_row["value"]),
        reproduced,
        source=source,
        note=note,
        published_text=str(published_row["printed"]),
    )
    return keyed(row, ref)


def separation_row(
    statistic, pub, ref, reproduced, test: str, role="calibrated", source="", note=""
) -> ScorecardRow:
    """A p-value of a comparison between groups, met when it *prints* as the paper printed it
    (``.02`` means 0.015 <= p < 0.025; ``<.0001`` means below 0.0001; see
    :mod:`.separation`). ``test`` names the test computed (and whether the paper names it);
    ``ref`` is the published row's key, read through ``pub``."""
    from inoreport.synthetic.separation import printed_interval, within_printed

    published_row = pub.row(ref)
    printed = str(published_row["printed"])
    low, high = printed_interval(printed)
    rep = float(reproduced)
    tolerance = f"prints as {printed}: " + (
        f"p < {high:g}"
        if low == 0.0
        else f"p > {low:g}"
        if high == 1.0
        else f"{low:g} ≤ p < {high:g}"
    )
    row = _estimate_row(
        statistic,
        printed,
        float(f"{rep:.3g}") if rep >= 1e-4 else float(f"{rep:.2e}"),
        role,
        within_printed(rep, printed),
        tolerance,
        "p",
        source,
        "; ".join(x for x in (test, note) if x),
    )
    return keyed(row, ref)


def parse_date(text, end_of_month: bool = False) -> dt.date:
    """An ISO date; a month (``2023-08``) is its first day, or its last with ``end_of_month``."""
    text = str(text).strip()
    if len(text) == 7:
        first = dt.date.fromisoformat(text + "-01")
        if not end_of_month:
            return first
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)
    return dt.date.fromisoformat(text[:10])


def bisect(f, lo: float, hi: float, iters: int = 60) -> float:
    """Root of a monotone function on [lo, hi] by bisection (deterministic)."""
    flo = f(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def group_median_from_curves(grid: np.ndarray, curves: np.ndarray) -> np.ndarray:
    """Median (first crossing of 0.5, linear interpolation) of each row of ``curves``
    evaluated on ``grid``; the grid end plus the remaining distance when never reached."""
    out = np.empty(curves.shape[0])
    for k, s in enumerate(curves):
        below = np.flatnonzero(s <= 0.5)
        if not len(below):
            # not reached: continue the last slope so the value stays smooth
            slope = max((s[-2] - s[-1]) / (grid[-1] - grid[-2]), 1e-4)
            out[k] = grid[-1] + (s[-1] - 0.5) / slope
            continue
        j = below[0]
        if j == 0:
            out[k] = grid[0]
            continue
        s0, s1 = s[j - 1], s[j]
        out[k] = grid[j - 1] + (s0 - 0.5) / max(s0 - s1, 1e-12) * (grid[j] - grid[j - 1])
    return out
