"""Small, fast survival statistics for the calibration loops.

Calibration evaluates the same few statistics thousands of times on a cohort of a
hundred patients, so these are minimal numpy versions: Kaplan–Meier survival at given
times, the Kaplan–Meier median (R's rule), the reverse-Kaplan–Meier median follow-up and
a Cox model by Newton–Raphson (Efron ties, as R's ``coxph``). The reported values of a
finished cohort are recomputed with :mod:`inoreport.stats.survival`; tests check these against
that module and against R.
"""

from __future__ import annotations

import numpy as np


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


def cox(time, event, x, max_iter: int = 30, tol: float = 1e-9, with_se: bool = False):
    """Cox proportional-hazards coefficients (Efron ties) by Newton–Raphson.

    Returns ``(beta, converged)`` (and the standard errors when ``with_se``). ``x`` is an
    (n, p) float array without intercept.
    A coefficient that runs off to infinity (no events in a group) is reported as
    not converged.
    """
    time = np.asarray(time, float)
    event = np.asarray(event, bool)
    x = np.asarray(x, float)
    order = np.argsort(-time, kind="mergesort")  # descending: risk sets are prefixes
    t, d, z = time[order], event[order], x[order]
    n, p = z.shape
    # Tied times form a group; a group's risk set is every row up to the group's end.
    _, group = np.unique(-t, return_inverse=True)
    group = np.asarray(group).ravel()
    n_groups = int(group.max()) + 1
    group_end = np.zeros(n_groups, int)
    np.maximum.at(group_end, group, np.arange(n))
    rows = np.flatnonzero(d)
    g = group[rows]
    deaths = np.bincount(g, minlength=n_groups).astype(float)
    # rank of each death within its tie group (0, 1, ..., m-1), for Efron's correction
    first = np.searchsorted(g, g, side="left")  # g is sorted: rows run in time order
    rank = np.arange(len(rows)) - first
    frac = rank / deaths[g]
    end = group_end[g]
    ze = z[rows]
    beta = np.zeros(p)
    loglik_old = -np.inf
    for _ in range(max_iter):
        eta = z @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        s0 = np.cumsum(w)
        s1 = np.cumsum(w[:, None] * z, axis=0)
        s2 = np.cumsum(w[:, None, None] * z[:, :, None] * z[:, None, :], axis=0)
        we = w[rows]
        e0 = np.bincount(g, weights=we, minlength=n_groups)
        e1 = np.zeros((n_groups, p))
        np.add.at(e1, g, we[:, None] * ze)
        e2 = np.zeros((n_groups, p, p))
        np.add.at(e2, g, we[:, None, None] * ze[:, :, None] * ze[:, None, :])
        a0 = s0[end] - frac * e0[g]
        a1 = s1[end] - frac[:, None] * e1[g]
        a2 = s2[end] - frac[:, None, None] * e2[g]
        mean = a1 / a0[:, None]
        loglik = float((eta[rows] - shift).sum() - np.log(a0).sum())
        grad = ze.sum(axis=0) - mean.sum(axis=0)
        hess = -(a2 / a0[:, None, None] - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
        if abs(loglik - loglik_old) < tol * (abs(loglik) + tol):
            ok = bool(np.all(np.abs(beta) < 15))
            if with_se:
                try:
                    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
                except np.linalg.LinAlgError:
                    se = np.full(p, np.nan)
                return beta, ok, se
            return beta, ok
        loglik_old = loglik
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta - step
        if np.any(~np.isfinite(beta)):
            beta = np.zeros(p)
            break
    if with_se:
        return beta, False, np.full(p, np.nan)
    return beta, False


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
