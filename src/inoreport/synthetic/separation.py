"""Differences between groups as calibration targets: printed p-values and their tolerance.

A paper prints a p-value to a few digits; the printed text is all we know, so the target is
the interval of values that print that way:

* ``.02`` means 0.015 <= p < 0.025; ``0.80`` means 0.795 <= p < 0.805; ``.048`` means
  0.0475 <= p < 0.0485;
* ``<.0001`` means p < 0.0001 (and ``>.99`` means p > 0.99).

The calibration works on the two-sided normal score ``z = Φ⁻¹(1 − p/2)`` rather than on p:
a log-rank or Wilcoxon statistic moves smoothly in z when one patient changes, while p
spans orders of magnitude. :func:`p_fit_target` turns a printed p into a
:class:`~.calibration.FitTarget` on that scale whose tolerance is exactly the printed
interval (|gap| <= 1 inside it). Signs carry the direction: a positive z means the first
group named does worse (log-rank) or has larger values (rank-sum), so a cohort cannot meet
a target by separating the groups the wrong way.

:func:`logrank_z_surrogate` is the smooth surrogate of a log-rank score under proportional
hazards (Schoenfeld's approximation: the log hazard ratio over its standard error,
``1/d_a + 1/d_b`` for the variance). The tests: :func:`logrank_z` (R's ``survdiff``, one
degree of freedom, signed), :func:`ranksum_z` (R's ``wilcox.test`` with the normal
approximation, tie and continuity corrections, signed) and :func:`pearson_p` (R's
``chisq.test(correct = FALSE)``).
"""

from __future__ import annotations

import math
import re

import numpy as np
from scipy import special, stats

from inoreport.synthetic.calibration import FitTarget

_NUMBER = re.compile(r"^\s*([<>≤≥]?)\s*(0?\.\d+|\d+(?:\.\d+)?)\s*$")


class PrintedPError(ValueError):
    """A printed p-value that this module cannot read."""


def printed_interval(printed) -> tuple[float, float]:
    """The interval [low, high) of p-values that print as ``printed``.

    ``'.02'`` -> (0.015, 0.025); ``'<.0001'`` -> (0.0, 0.0001); ``'>.99'`` -> (0.99, 1.0).
    """
    text = str(printed).strip().replace("P", "").replace("p", "").replace("=", "").strip()
    match = _NUMBER.match(text)
    if match is None:
        raise PrintedPError(f"cannot read the printed p-value {printed!r}; expected e.g. '.02'")
    sign, number = match.groups()
    value = float(number)
    if sign in ("<", "≤"):
        return 0.0, value
    if sign in (">", "≥"):
        return value, 1.0
    decimals = len(number.split(".")[1]) if "." in number else 0
    half = 0.5 * 10.0**-decimals
    return max(value - half, 0.0), min(value + half, 1.0)


def within_printed(p: float, printed) -> bool:
    """Does ``p`` print as ``printed`` (lies in :func:`printed_interval`)?"""
    low, high = printed_interval(printed)
    if not np.isfinite(p):
        return False
    if low == 0.0:
        return p < high
    if high == 1.0:
        return p > low
    return low <= p < high


def z_of_p(p: float) -> float:
    """The two-sided normal score of a p-value (``inf`` at p = 0)."""
    return float(stats.norm.isf(np.clip(p, 0.0, 1.0) / 2))


def p_of_z(z: float) -> float:
    return float(2 * stats.norm.sf(abs(z)))


#: Half-width (in z) of the aim for a one-sided printed p such as '<.0001': the fit aims
#: this far beyond the bound and counts everything beyond it as met.
ONE_SIDED_MARGIN = 0.4


def p_fit_target(key: str, printed, direction: int = 1) -> FitTarget:
    """A calibration target on the signed z scale for a printed two-sided p-value.

    ``direction`` is +1 when the first group named does worse (or has larger values), -1
    when better, 0 when the source does not say (then only |z| is targeted). The tolerance
    is the printed interval: |gap| <= 1 exactly inside it.
    """
    if direction not in (1, -1, 0):
        raise ValueError(f"{key}: direction must be +1, -1 or 0, got {direction!r}")
    low, high = printed_interval(printed)
    z_high, z_low = z_of_p(low), z_of_p(high)  # z falls as p rises
    if low == 0.0:  # '<x': z above z(x), open-ended
        centre, scale = z_low + ONE_SIDED_MARGIN, ONE_SIDED_MARGIN
        if direction == 0:
            return FitTarget(key, centre, scale, side="magnitude")
        return FitTarget(key, direction * centre, scale, side="above" if direction > 0 else "below")
    centre, scale = 0.5 * (z_low + z_high), 0.5 * (z_high - z_low)
    if direction == 0 or centre - scale <= 0:  # no direction to hold
        return FitTarget(key, centre, scale, side="magnitude")
    return FitTarget(key, direction * centre, scale)


def logrank_z_surrogate(log_hr: float, events_a: float, events_b: float) -> float:
    """Signed log-rank score expected under proportional hazards (Schoenfeld):
    ``log_hr / sqrt(1/d_a + 1/d_b)``, with ``log_hr`` for group a against group b and
    ``d_a``, ``d_b`` the expected numbers of events."""
    d_a, d_b = max(float(events_a), 0.5), max(float(events_b), 0.5)
    return float(log_hr / math.sqrt(1.0 / d_a + 1.0 / d_b))


def logrank_z(time, event, in_a) -> float:
    """Signed two-group log-rank score (R's ``survdiff``): (observed − expected) events in
    group a over its standard deviation; positive when group a has more events than
    expected (does worse)."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    in_a = np.asarray(in_a, bool)
    order = np.argsort(time, kind="stable")
    t, e, a = time[order], event[order], in_a[order]
    uniq, first = np.unique(t, return_index=True)
    n = len(t)
    at_risk = n - first
    at_risk_a = np.cumsum(a[::-1])[::-1][first]
    d = np.add.reduceat(e.astype(float), first)
    d_a = np.add.reduceat((e & a).astype(float), first)
    keep = d > 0
    at_risk, at_risk_a, d, d_a = at_risk[keep], at_risk_a[keep], d[keep], d_a[keep]
    frac = at_risk_a / at_risk
    expected = d * frac
    denom = np.where(at_risk > 1, at_risk - 1, 1)
    var = np.sum(d * frac * (1 - frac) * (at_risk - d) / denom)
    if var <= 0:
        return 0.0
    return float((d_a.sum() - expected.sum()) / math.sqrt(var))


def ranksum_z(x, y) -> float:
    """Signed rank-sum (Wilcoxon–Mann–Whitney) score of x against y as R's ``wilcox.test``
    computes it when there are ties: normal approximation with tie and continuity
    corrections; positive when x tends to be larger."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n1, n2 = len(x), len(y)
    ranks = stats.rankdata(np.concatenate([x, y]))
    w = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    diff = w - n1 * n2 / 2
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - np.sum(counts**3 - counts) / (n * (n - 1))))
    if sigma == 0:
        return 0.0
    correction = 0.5 * np.sign(diff)
    return float((diff - correction) / sigma)


def pearson_p(table) -> float:
    """Pearson χ² p-value without continuity correction (R's ``chisq.test(correct=FALSE)``);
    rows or columns that are all zero are dropped first."""
    table = np.asarray(table, float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 1.0
    return float(stats.chi2_contingency(table, correction=False)[1])


def logrank_scores(time, event, codes, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Observed minus expected events of each of ``k`` groups and their covariance matrix,
    as R's ``survdiff`` computes them (rho = 0). ``codes``: each patient's group, 0..k-1.
    Vectorised (one sort), for calibration loops."""
    member = np.asarray(codes, int)[:, None] == np.arange(k)[None, :]
    return logrank_scores_stacked(time, event, member, [slice(0, k)])[0]


def logrank_scores_stacked(time, event, member, blocks) -> list:
    """:func:`logrank_scores` of several groupings of the same patients at once (one sort):
    ``member`` is an (n, K) 0/1 matrix whose columns are groups, ``blocks`` the column
    slices of each grouping (each patient in exactly one group of a block). Returns one
    (O − E, covariance) pair per block."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    order = np.argsort(time, kind="stable")
    t, e, m = time[order], event[order], np.asarray(member, float)[order]
    _, first = np.unique(t, return_index=True)
    at_risk_all = np.cumsum(m[::-1], axis=0)[::-1][first]
    d_all = np.add.reduceat(m * e[:, None], first, axis=0)
    d_total = np.add.reduceat(e.astype(float), first)
    keep = d_total > 0
    at_risk_all, d_all, d = at_risk_all[keep], d_all[keep], d_total[keep]
    at_risk = (len(t) - first)[keep].astype(float)
    weight = d * (at_risk - d) / np.where(at_risk > 1, at_risk - 1, 1)
    out = []
    for block in blocks:
        frac = at_risk_all[:, block] / at_risk[:, None]
        scores = (d_all[:, block] - d[:, None] * frac).sum(axis=0)
        var = np.diag(weight @ frac) - (frac * weight[:, None]).T @ frac
        out.append((scores, var))
    return out


def chisq_of_scores(scores, var) -> float:
    """The χ² of group scores (the first k - 1 groups, as ``survdiff``); 0 when degenerate."""
    u, v = np.asarray(scores, float)[:-1], np.asarray(var, float)[:-1, :-1]
    try:
        return float(u @ np.linalg.solve(v, u))
    except np.linalg.LinAlgError:
        return 0.0


def logrank_chisq(time, event, codes, k: int) -> float:
    """The ``k``-group log-rank χ² (``k - 1`` degrees of freedom; R's ``survdiff``)."""
    return chisq_of_scores(*logrank_scores(time, event, codes, k))


def z_of_chisq(chisq: float, df: int) -> float:
    """The two-sided normal score of a χ² statistic's p-value (its magnitude scale for a
    ``df``-degree-of-freedom test; equals |z| when df = 1)."""
    if df == 1:
        return float(math.sqrt(max(chisq, 0.0)))
    # scipy.special directly (the same functions as stats.chi2.sf and stats.norm.isf, a
    # hundred times faster: calibration loops call this thousands of times)
    return float(-special.ndtri(special.chdtrc(df, max(chisq, 0.0)) / 2))


def expected_logrank_table(survival, grid, censor, member):
    """Expected numbers at risk and events of each group (columns of the (n, K) 0/1
    ``member`` matrix) in each interval of ``grid`` (months), from each patient's model
    survival curve ``survival`` (n × len(grid)) and censoring time ``censor`` (months):
    the smooth counterpart of a Kaplan–Meier table, for :func:`logrank_scores_of_table`."""
    s = np.asarray(survival, float)
    grid = np.asarray(grid, float)
    censor = np.asarray(censor, float)
    width = np.diff(grid)
    # share of each interval a patient is followed (censoring cuts it)
    followed = np.clip((censor[:, None] - grid[None, :-1]) / width[None, :], 0.0, 1.0)
    at_risk = s[:, :-1] * (followed > 0)
    events = (s[:, :-1] - s[:, 1:]) * followed
    member = np.asarray(member, float)
    return at_risk.T @ member, events.T @ member


def expected_logrank_scores(survival, grid, censor, codes, k: int):
    """Smooth surrogate of :func:`logrank_scores` from a model: the expected (O − E,
    covariance) of ``k`` groups (``codes``: each patient's, 0..k-1) from
    :func:`expected_logrank_table`."""
    member = np.asarray(codes, int)[:, None] == np.arange(k)[None, :]
    at_risk, events = expected_logrank_table(survival, grid, censor, member)
    return logrank_scores_of_table(at_risk, events, [np.arange(k)])[0]


def signed_z_of_scores(scores, var) -> float:
    """The signed two-group score of the first group (O − E over its standard deviation)."""
    v = float(np.asarray(var, float)[0, 0])
    return float(np.asarray(scores, float)[0] / math.sqrt(v)) if v > 0 else 0.0


def logrank_scores_of_table(at_risk, deaths, blocks) -> list:
    """:func:`logrank_scores_stacked` from a table of numbers at risk and events per
    distinct time and group (:func:`inoreport.synthetic.fastsurv.km_table`); ``blocks``:
    the columns of each grouping (index arrays; each patient in exactly one group of a
    block). When every block holds the same patients (the usual case: each splits the
    whole cohort), the scores and covariances of all blocks come from one computation."""
    totals = [at_risk[:, block].sum(axis=1) for block in blocks]
    if all(np.array_equal(totals[0], other) for other in totals[1:]):
        columns = np.concatenate(blocks)
        n_g, d_g = at_risk[:, columns], deaths[:, columns]
        d = deaths[:, blocks[0]].sum(axis=1)
        keep = d > 0
        n_g, d_g, d, total = n_g[keep], d_g[keep], d[keep], totals[0][keep]
        weight = d * (total - d) / np.where(total > 1, total - 1, 1)
        frac = n_g / total[:, None]
        scores = (d_g - d[:, None] * frac).sum(axis=0)
        var = np.diag(weight @ frac) - (frac * weight[:, None]).T @ frac
        out, at = [], 0
        for block in blocks:
            part = slice(at, at + len(block))
            out.append((scores[part], var[part, part]))
            at += len(block)
        return out
    out = []
    for block in blocks:
        n_g, d_g = at_risk[:, block], deaths[:, block]
        d = d_g.sum(axis=1)
        keep = d > 0
        n_g, d_g, d = n_g[keep], d_g[keep], d[keep]
        total = n_g.sum(axis=1)
        weight = d * (total - d) / np.where(total > 1, total - 1, 1)
        frac = n_g / total[:, None]
        scores = (d_g - d[:, None] * frac).sum(axis=0)
        var = np.diag(weight @ frac) - (frac * weight[:, None]).T @ frac
        out.append((scores, var))
    return out
