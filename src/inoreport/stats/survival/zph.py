"""Proportional-hazards check: scaled Schoenfeld residuals and R 3.x ``cox.zph`` score tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, stats

from inoreport.stats.survival._common import SurvivalInputError
from inoreport.stats.survival.cox import CoxFit, _information, _pieces, _score

TRANSFORMS = ("km", "identity", "rank", "log")


def _time_transform(fit: CoxFit, transform: str) -> np.ndarray:
    """g(t) for every row used by the fit (sorted by time), before centring."""
    cd = fit._data
    t = cd.time
    if transform == "km":
        # 1 - S(t-) from the Kaplan-Meier of all rows used (left-continuous, as cox.zph)
        uniq, start = np.unique(t, return_index=True)
        n_risk = len(t) - start
        n_event = np.add.reduceat(cd.event.astype(float), start)
        surv = np.cumprod(1 - n_event / n_risk)
        before = np.searchsorted(uniq, t, side="left") - 1
        return 1 - np.where(before < 0, 1.0, surv[np.clip(before, 0, None)])
    if transform == "identity":
        return t.copy()
    if transform == "rank":
        return stats.rankdata(t)
    if transform == "log":
        if np.any(t <= 0):
            raise SurvivalInputError(
                "ph_test: transform='log' needs follow-up times > 0; use 'km' (R's default)"
            )
        return np.log(t)
    raise SurvivalInputError(f"ph_test: transform={transform!r}; expected one of {TRANSFORMS}")


def _zph_parts(fit: CoxFit, transform: str):
    if getattr(fit, "weighted", False) or getattr(fit, "counting_process", False):
        raise SurvivalInputError(
            "ph_test: the fit uses case weights or entry times, which this test does not "
            "handle; check proportional hazards on the unweighted, one-row-per-patient model"
        )
    cd = fit._data
    g_rows = _time_transform(fit, transform)
    g = g_rows - g_rows[cd.event].mean()
    g_time = g[cd.ev_rows[cd.ev_starts]]  # one value per distinct event time
    pc = _pieces(cd, fit.coef.to_numpy(), fit.ties == "efron")
    p = len(fit.coef)
    imat = np.zeros((2 * p, 2 * p))
    i_bb = _information(cd, pc)
    i_bg = _information(cd, pc, g_time)
    imat[:p, :p] = i_bb
    imat[:p, p:] = i_bg
    imat[p:, :p] = i_bg.T
    imat[p:, p:] = _information(cd, pc, g_time * g_time)
    u = _score(cd, pc, g_time)
    return g_rows, pc, imat, u


def _term_groups(fit: CoxFit, terms: bool) -> dict[str, list[int]]:
    if terms:
        return dict(fit._design.assign)
    return {name: [j] for j, name in enumerate(fit.coef.index)}


def ph_test(fit: CoxFit, transform: str = "km", terms: bool = True) -> pd.DataFrame:
    """Test of proportional hazards, as R ``cox.zph(fit, transform, terms)`` in survival 3.x.

    Returns [term, chisq, df, p], one row per variable (``terms=True``, R's default: a factor's
    indicators are tested together) or per coefficient (``terms=False``), plus a GLOBAL row.
    Each test is the score test for adding ``x * g(t)`` to the model, with g = 1 - KM(t-) by
    default (Grambsch and Therneau 1994). survival 3.x computes this exact score test; 2.x
    used an approximation from the scaled residuals, so older printed values differ a little.
    """
    _, _, imat, u = _zph_parts(fit, transform)
    p = len(fit.coef)
    rows = []
    groups = _term_groups(fit, terms)
    for name, cols in groups.items():
        kk = list(range(p)) + [p + j for j in cols]
        vec = np.concatenate((np.zeros(p), u[cols]))
        chisq = float(vec @ linalg.solve(imat[np.ix_(kk, kk)], vec, assume_a="sym"))
        rows.append(
            {
                "term": name,
                "chisq": chisq,
                "df": len(cols),
                "p": float(stats.chi2.sf(chisq, len(cols))),
            }
        )
    vec = np.concatenate((np.zeros(p), u))
    chisq = float(vec @ linalg.solve(imat, vec, assume_a="sym"))
    rows.append({"term": "GLOBAL", "chisq": chisq, "df": p, "p": float(stats.chi2.sf(chisq, p))})
    return pd.DataFrame(rows)


def ph_residuals(fit: CoxFit, transform: str = "km", terms: bool = True) -> pd.DataFrame:
    """Scaled Schoenfeld residuals, one row per event: [time, x, <one column per term>].

    ``x`` is the transformed time g(t); each term column is beta(t) = coef + scaled residual
    (for a multi-level factor with ``terms=True``, the combination scaled to 1, as R). Plot a
    column against ``x`` with a smoother: a flat line means proportional hazards. Same values as
    R ``cox.zph(fit)$y`` with ``$x`` and ``$time``.
    """
    cd = fit._data
    g_rows, pc, imat, _ = _zph_parts(fit, transform)
    p = len(fit.coef)
    coef = fit.coef.to_numpy()
    A = np.add.reduceat(pc.inv, cd.ev_starts)
    B = np.add.reduceat(pc.frac * pc.inv, cd.ev_starts)
    xbar = (A[:, None] * pc.R1e - B[:, None] * pc.E1) / cd.ev_d[:, None]
    schoen = cd.X[cd.ev_rows] - xbar[cd.rep]
    vmean = imat[:p, :p] / len(cd.ev_rows)
    groups = _term_groups(fit, terms)
    names = list(groups)
    multi = terms and any(len(c) > 1 for c in groups.values())
    if multi:
        combine = np.zeros((p, len(groups)))
        for i, cols in enumerate(groups.values()):
            combine[cols, i] = 1.0 if len(cols) == 1 else coef[cols]
        schoen = schoen @ combine
        vmean = combine.T @ vmean @ combine
    scaled = linalg.solve(vmean, schoen.T, assume_a="sym").T
    for i, cols in enumerate(groups.values()):
        scaled[:, i] += coef[cols[0]] if len(cols) == 1 else 1.0
    out = pd.DataFrame(scaled, columns=names)
    out.insert(0, "x", g_rows[cd.ev_rows])
    out.insert(0, "time", cd.time[cd.ev_rows])
    return out
