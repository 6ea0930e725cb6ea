"""How crowded a cohort's event times are, compared with a smooth hazard.

A generator that fits Kaplan–Meier landmarks by moving single patients can pile events up
just before a landmark (a near-vertical step in the curve). :func:`crowding` measures that:
for each group, every window ``[t, t + width]`` that starts at an observed time is given
the number of events a piecewise-exponential hazard fitted to the same group (constant
between ``knots``; events over person-time in each piece) expects in it, and the window's
count is compared with the Poisson upper ``level`` quantile of that expectation. The
result is the summed excess over the worst window of each group (0 when no window is
crowded). Knows nothing about any one study.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def piece_rates(time, event, knots) -> np.ndarray:
    """Events per person-month in each piece ``[knots[j], knots[j+1])`` (the last open)."""
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    lo = np.asarray(knots, float)
    hi = np.append(lo[1:], np.inf)
    exposure = np.clip(np.minimum(t[:, None], hi[None, :]) - lo[None, :], 0, None).sum(axis=0)
    idx = np.searchsorted(lo, t[e], side="right") - 1
    counts = np.bincount(idx, minlength=len(lo)).astype(float)
    # half an event added to each piece: a piece without events still has a positive rate
    return (counts + 0.5) / np.maximum(exposure, 1e-9)


def _cum(x, knots, rates) -> np.ndarray:
    lo = np.asarray(knots, float)
    widths = np.diff(lo)
    at_knots = np.concatenate([[0.0], np.cumsum(rates[:-1] * widths)])
    j = np.clip(np.searchsorted(lo, x, side="right") - 1, 0, len(lo) - 1)
    return at_knots[j] + rates[j] * (x - lo[j])


def window_table(time, event, width: float, knots, level: float, floor: int = 2):
    """Per window starting at each event time: (start, count, expected, bound).

    ``floor``: the bound is never below this many events (two events close together are
    not a cliff)."""
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    starts = np.unique(t[e])
    if not len(starts):
        return starts, starts, starts, starts
    rates = piece_rates(t, e, knots)
    ev = np.sort(t[e])
    count = np.searchsorted(ev, starts + width + 1e-9, side="right") - np.searchsorted(
        ev, starts - 1e-9, side="left"
    )
    # expected events: sum over patients of the hazard integrated over their time at risk
    c_t = _cum(t, knots, rates)
    lo = np.minimum(_cum(starts, knots, rates)[:, None], c_t[None, :])
    hi = np.minimum(_cum(starts + width, knots, rates)[:, None], c_t[None, :])
    expected = (hi - lo).sum(axis=1)
    bound = np.maximum(stats.poisson.ppf(level, expected), floor)
    return starts, count, expected, bound


def crowding(
    time,
    event,
    width: float,
    knots: Sequence[float],
    groups: Sequence[np.ndarray] | None = None,
    level: float = 0.995,
    floor: int = 2,
) -> float:
    """Summed excess of the most crowded window of each group over its Poisson bound."""
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    total = 0.0
    for m in groups if groups is not None else [np.ones(len(t), bool)]:
        _, count, _, bound = window_table(t[m], e[m], width, knots, level, floor)
        if len(count):
            total += float(np.clip(count - bound, 0, None).max())
    return total
