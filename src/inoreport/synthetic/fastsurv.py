"""The generator's fast paths to the survival statistics of its calibration loops.

Calibration evaluates the same few statistics thousands of times on a cohort of a
hundred patients. The Kaplan–Meier helpers here (survival at given times, the median by
R's rule, one median per group at once, the reverse-Kaplan–Meier median follow-up), the
Aalen–Johansen incidence and the log-rank p are minimal numpy versions of
:mod:`inoreport.stats.survival`: routed through the public estimators (with their input checks
and full result tables) ``make data`` took 588 s instead of 46 s, so they stay, and
``tests/synthetic/test_engine.py`` checks them equal to the public estimators and to R.
The Cox fit is the public one (:func:`fit_cox`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _km_steps(time, event):
    """Distinct event times and the Kaplan–Meier survival just after each."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    order = np.argsort(time, kind="mergesort")
    t = time[order]
    e = event[order]
    uniq, first = np.unique(t, return_index=True)
    n = len(t)
    at_risk = n - first
    deaths = np.add.reduceat(e.astype(float), first) if n else np.array([])
    keep = deaths > 0
    factors = 1.0 - deaths[keep] / at_risk[keep]
    return uniq[keep], np.cumprod(factors)


def km_at(time, event, times) -> np.ndarray:
    """Kaplan–Meier survival at each of ``times`` (right-continuous)."""
    t_ev, surv = _km_steps(time, event)
    idx = np.searchsorted(t_ev, np.asarray(times, float), side="right") - 1
    return np.where(idx >= 0, surv[np.clip(idx, 0, None)] if len(surv) else 1.0, 1.0)


def km_median(time, event) -> float:
    """Kaplan–Meier median as R's ``survfit`` reports it (NaN if not reached).

    The smallest time with S(t) <= 0.5; when S(t) = 0.5 exactly on an interval, the
    midpoint between that event time and the next one.
    """
    t_ev, surv = _km_steps(time, event)
    below = np.flatnonzero(surv <= 0.5 + 1e-12)
    if not len(below):
        return float("nan")
    j = below[0]
    if abs(surv[j] - 0.5) < 1e-12:
        if j + 1 < len(t_ev):
            return float((t_ev[j] + t_ev[j + 1]) / 2)
        return float(t_ev[j])  # flat at 0.5 to the end: R returns the last step
    return float(t_ev[j])


def km_medians(time, event, groups: np.ndarray) -> np.ndarray:
    """:func:`km_median` of each group at once; ``groups`` is a (G, n) boolean matrix.

    One sort for every group: the calibration loops evaluate a dozen group medians
    thousands of times.
    """
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    groups = np.asarray(groups, bool)
    uniq, inv = np.unique(time, return_inverse=True)
    n_t = len(uniq)
    rows = np.repeat(np.arange(groups.shape[0]), groups.shape[1])
    cols = np.tile(inv, groups.shape[0])
    weight = groups.ravel().astype(float)
    count = np.zeros((groups.shape[0], n_t))
    deaths = np.zeros((groups.shape[0], n_t))
    np.add.at(count, (rows, cols), weight)
    np.add.at(deaths, (rows, cols), weight * np.tile(event, groups.shape[0]))
    at_risk = np.cumsum(count[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(deaths > 0, 1.0 - deaths / at_risk, 1.0)
    surv = np.cumprod(factor, axis=1)
    out = np.full(groups.shape[0], np.nan)
    for g in range(groups.shape[0]):
        ev = np.flatnonzero(deaths[g] > 0)
        below = ev[surv[g, ev] <= 0.5 + 1e-12]
        if not len(below):
            continue
        j = below[0]
        if abs(surv[g, j] - 0.5) < 1e-12:
            later = ev[ev > j]
            out[g] = (uniq[j] + uniq[later[0]]) / 2 if len(later) else uniq[j]
        else:
            out[g] = uniq[j]
    return out


def reverse_km_median(time, event) -> float:
    """Median follow-up by the reverse Kaplan–Meier method (censorings are the events)."""
    return km_median(time, 1 - np.asarray(event, int))


def fit_cox(time, event, x, with_se: bool = False):
    """Cox coefficients (Efron ties) from arrays, by the public :func:`inoreport.stats.survival.cox`.

    Returns ``(beta, converged)`` (and the standard errors when ``with_se``). ``x`` is an
    (n, p) float array without intercept. A model the public fit refuses (a coefficient
    running to infinity because a group has no events, a constant covariate) is reported as
    not converged, with zeros (and NaN standard errors), so a calibration loop can reject it.
    The generator once had its own Newton loop here; routing through the one Cox costs about
    4 s of ``make data`` (measured) and gives byte-identical cohorts.
    """
    from inoreport.stats import survival

    x = np.asarray(x, float)
    if x.ndim == 1:
        x = x[:, None]
    names = [f"x{i}" for i in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=names)
    frame["__time__"] = np.asarray(time, float)
    frame["__event__"] = np.asarray(event, float)
    try:
        fit = survival.cox(frame, "__time__", "__event__", names)
    except survival.SurvivalInputError:
        beta, ok, se = np.zeros(len(names)), False, np.full(len(names), np.nan)
    else:
        beta, ok, se = fit.coef.to_numpy(), True, fit.table["se"].to_numpy()
    return (beta, ok, se) if with_se else (beta, ok)


def design(frame, covariates: dict) -> tuple[np.ndarray, list[str]]:
    """Dummy-coded design matrix: ``covariates`` maps column -> reference level
    (None for a numeric or boolean column). Returns (matrix, term names)."""
    cols, names = [], []
    for col, ref in covariates.items():
        values = frame[col].to_numpy()
        if ref is None:
            cols.append(values.astype(float))
            names.append(col)
            continue
        levels = sorted({v for v in values if v == v and v != ref}, key=str)
        for lev in levels:
            cols.append((values == lev).astype(float))
            names.append(f"{col}[{lev}]")
    return np.column_stack(cols), names


def logrank_p(time, event, group) -> float:
    """k-sample log-rank test p-value (as R's ``survdiff``, rho = 0)."""
    from scipy import stats

    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    group = np.asarray(group)
    levels = [g for g in dict.fromkeys(group.tolist())]
    k = len(levels)
    g_idx = np.array([levels.index(g) for g in group])
    ev_times = np.unique(time[event])
    obs = np.zeros(k)
    exp = np.zeros(k)
    var = np.zeros((k, k))
    for t in ev_times:
        at_risk = time >= t
        n_j = np.bincount(g_idx[at_risk], minlength=k).astype(float)
        d_j = np.bincount(g_idx[(time == t) & event], minlength=k).astype(float)
        n, d = n_j.sum(), d_j.sum()
        obs += d_j
        exp += d * n_j / n
        if n > 1:
            frac = n_j / n
            var += d * (n - d) / (n - 1) * (np.diag(frac) - np.outer(frac, frac))
    diff = (obs - exp)[:-1]
    chisq = float(diff @ np.linalg.pinv(var[:-1, :-1]) @ diff)
    return float(stats.chi2.sf(chisq, k - 1))


def cif_at(time, status, cause: int, t: float) -> float:
    """Aalen–Johansen cumulative incidence of ``cause`` at time ``t`` (months).

    ``status``: 0 = censored, 1, 2, ... = the competing event types (as R's
    ``survival::survfit`` with a multi-state status); ties: events before censorings.
    """
    time = np.asarray(time, float)
    status = np.asarray(status, int)
    if not len(time):
        return float("nan")
    order = np.argsort(time, kind="mergesort")
    time, status = time[order], status[order]
    uniq, first = np.unique(time, return_index=True)
    at_risk = len(time) - first
    d_all = np.add.reduceat((status > 0).astype(float), first)
    d_cause = np.add.reduceat((status == cause).astype(float), first)
    keep = uniq <= t
    surv_before = np.concatenate([[1.0], np.cumprod(1.0 - d_all / at_risk)[:-1]])
    return float(np.sum((surv_before * d_cause / at_risk)[keep]))


def km_table(time, event, member):
    """Kaplan–Meier of several groups at once (one sort): ``member`` is an (n, G) 0/1 matrix
    whose columns are the groups (they may overlap). Returns (distinct times, numbers at
    risk (T, G), events (T, G), survival just after each time (T, G)); the survival of a
    group is constant at times without its events. :func:`table_medians` and
    :func:`table_at` read the medians and landmarks off it (equal to :func:`km_medians` and
    :func:`km_at`); the calibration loops of a generator evaluate a dozen groups' medians
    and log-rank statistics thousands of times."""
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    order = np.argsort(time, kind="mergesort")
    t, e = time[order], event[order]
    m = np.asarray(member, float)[order]
    uniq, first = np.unique(t, return_index=True)
    at_risk = np.cumsum(m[::-1], axis=0)[::-1][first]
    deaths = np.add.reduceat(m * e[:, None], first, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(deaths > 0, 1.0 - deaths / at_risk, 1.0)
    return uniq, at_risk, deaths, np.cumprod(factor, axis=0)


def table_medians(times, deaths, surv) -> np.ndarray:
    """Each group's Kaplan–Meier median from :func:`km_table` (R's rule, as
    :func:`km_median`; NaN where not reached)."""
    is_event = deaths > 0
    below = is_event & (surv <= 0.5 + 1e-12)
    reached = below.any(axis=0)
    j = np.argmax(below, axis=0)
    cols = np.arange(surv.shape[1])
    out = np.where(reached, times[j], np.nan)
    for g in np.flatnonzero(reached & (np.abs(surv[j, cols] - 0.5) < 1e-12)):
        later = np.flatnonzero(is_event[j[g] + 1 :, g])
        out[g] = (times[j[g]] + times[j[g] + 1 + later[0]]) / 2 if len(later) else times[j[g]]
    return out


def table_at(times, surv_column, at) -> np.ndarray:
    """One group's Kaplan–Meier survival at each time of ``at`` from :func:`km_table`."""
    idx = np.searchsorted(times, np.asarray(at, float), side="right") - 1
    return np.where(idx >= 0, surv_column[np.clip(idx, 0, None)], 1.0)
