"""Cumulative incidence with competing risks (Aalen-Johansen), as R's multi-state survfit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from inoreport.stats.survival._common import (
    SurvivalInputError,
    as_frame,
    check_conf_type,
    check_status,
    check_time,
    confint,
    label,
    require_columns,
    timefix,
    z_value,
)
from inoreport.stats.survival.km import _prepare_groups

INITIAL_STATE = "event-free"


def _aalen_johansen(t: np.ndarray, cause: np.ndarray, n_causes: int) -> dict[str, np.ndarray]:
    """Aalen-Johansen estimate and its infinitesimal-jackknife SE for one group.

    ``t`` sorted ascending; ``cause`` 0 = censored, 1..n_causes. Every patient starts in the
    event-free state. The standard error is the one R's survfit computes for multi-state
    data (sum of squared per-patient influence values), obtained here in closed form: patients
    still at risk share one influence vector, and a patient who left at time t_j (censored or
    with an event) carries an influence that afterwards changes only through S and F.
    """
    K = n_causes
    uniq, start, counts = np.unique(t, return_index=True, return_counts=True)
    T = len(uniq)
    n = (len(t) - start).astype(float)
    tindex = np.repeat(np.arange(T), counts)
    d_k = np.zeros((T, K))
    has_cause = cause > 0
    np.add.at(d_k, (tindex[has_cause], cause[has_cause] - 1), 1.0)
    d = d_k.sum(axis=1)
    cens = counts - d
    survival = np.cumprod(1 - d / n)
    s_prev = np.concatenate(([1.0], survival[:-1]))
    haz = d_k / n[:, None]
    cif = np.cumsum(s_prev[:, None] * haz, axis=0)
    c = s_prev / n

    # influence shared by everyone still at risk after t_m (and by those censored at t_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.where(d > 0, d / (n * (n - d)), 0.0)
        r0 = survival * np.cumsum(greenwood)
    empty = survival == 0  # everyone left: only possible at the group's last time
    r0[empty] = (c * d / n)[empty] + (np.concatenate(([0.0], r0[:-1])) * (1 - d / n))[empty]
    r0_prev = np.concatenate(([0.0], r0[:-1]))
    rk = np.cumsum((r0_prev - c)[:, None] * haz, axis=0)
    q0 = (r0_prev - c) * (1 - d / n)  # state-0 influence of a patient with an event at t_m

    # variance at t_m from patients in the risk set at t_m
    stay = n - d
    var_k = stay[:, None] * rk**2 + d[:, None] * rk**2 + 2 * rk * c[:, None] * d_k
    var_k += (c**2)[:, None] * d_k
    var_0 = stay * r0**2 + d * q0**2

    # patients who left at t_j carry beta_j S(t) (state 0) and alpha_j + beta_j F(t) (causes)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta_c = np.where(survival > 0, r0 / survival, 0.0)
        beta_e = np.where(survival > 0, q0 / survival, 0.0)
    alpha_c = rk - beta_c[:, None] * cif
    alpha_e = rk - beta_e[:, None] * cif  # plus c_j for the cause that occurred
    n_bb = cens * beta_c**2 + d * beta_e**2
    n_ab = (
        cens[:, None] * alpha_c * beta_c[:, None]
        + (d[:, None] * alpha_e + c[:, None] * d_k) * beta_e[:, None]
    )
    n_aa = (
        cens[:, None] * alpha_c**2
        + d[:, None] * alpha_e**2
        + 2 * alpha_e * c[:, None] * d_k
        + (c**2)[:, None] * d_k
    )

    def before(a):  # sum over exits strictly before t_m
        out = np.cumsum(a, axis=0)
        return np.concatenate((np.zeros_like(out[:1]), out[:-1]))

    var_k += before(n_aa) + 2 * cif * before(n_ab) + cif**2 * before(n_bb)[:, None]
    var_0 += survival**2 * before(n_bb)
    return {
        "time": uniq,
        "n_risk": n.astype(np.int64),
        "n_event": d_k.astype(np.int64),
        "survival": survival,
        "se_survival": np.sqrt(np.maximum(var_0, 0.0)),
        "cif": cif,
        "se_cif": np.sqrt(np.maximum(var_k, 0.0)),
    }


def _fit_all(data, time, status, by, order, conf_type, conf_level, who):
    check_conf_type(conf_type, who)
    z_value(conf_level)
    frame = as_frame(data, who)
    require_columns(frame, [time, status], who)
    codes, labels, n_dropped = _prepare_groups(frame, by, order, who)
    t = check_time(frame, time, who)
    s = check_status(frame, status, who)
    keep = codes >= 0
    t, s, codes = timefix(t[keep]), s[keep], codes[keep]
    causes = np.unique(s[s > 0])
    if len(causes) == 0:
        raise SurvivalInputError(
            f"{who}: column {status!r} is 0 (censored) on every row used; no events to count"
        )
    cause_index = np.zeros(len(s), dtype=np.int64)
    cause_index[s > 0] = np.searchsorted(causes, s[s > 0]) + 1
    sort = np.lexsort((t, codes))
    t, cause_index, codes = t[sort], cause_index[sort], codes[sort]
    bounds = np.searchsorted(codes, np.arange(len(labels) + 1), side="left")
    fits = {}
    for i, g in enumerate(labels):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            fits[g] = _aalen_johansen(t[lo:hi], cause_index[lo:hi], len(causes))
    return fits, causes, n_dropped


def aalen_johansen(
    data: pd.DataFrame,
    time: str,
    status: str,
    by: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """Probability of being in each state over time, long format.

    [group, time, state, probability, std_err, ci_low, ci_high, n_risk, n_event]; ``state`` is
    "event-free" or the cause value. Same numbers as R ``survfit(Surv(time, factor(status)) ~
    by)``: ``pstate``, ``std.err`` and the ``conf.type`` interval (default "log", as R).
    """
    who = "aalen_johansen"
    fits, causes, _ = _fit_all(data, time, status, by, order, conf_type, conf_level, who)
    frames = []
    for g, f in fits.items():
        states = [(INITIAL_STATE, f["survival"], f["se_survival"], np.zeros(len(f["time"])))]
        for k, cause in enumerate(causes):
            states.append((label(cause), f["cif"][:, k], f["se_cif"][:, k], f["n_event"][:, k]))
        for state, prob, se, n_event in states:
            low, high = confint(prob, se, conf_type, conf_level, logse=False)
            frames.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "time": f["time"],
                        "state": state,
                        "probability": prob,
                        "std_err": se,
                        "ci_low": low,
                        "ci_high": high,
                        "n_risk": f["n_risk"],
                        "n_event": n_event.astype(np.int64),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def cumulative_incidence(
    data: pd.DataFrame,
    time: str,
    status: str,
    by: str | None = None,
    event_of_interest=1,
    conf_type: str = "log",
    conf_level: float = 0.95,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """Cumulative incidence of one cause with competing risks (Aalen-Johansen).

    ``status``: 0 = censored, 1, 2, ... = cause of the first event (e.g. 1 = relapse, 2 = death
    in remission). Returns [group, time, cif, ci_low, ci_high, std_err, n_risk, n_event] with
    one row per distinct time per group; ``n_event`` counts events of the cause of interest.
    Matches R ``survfit(Surv(time, factor(status)) ~ by)`` (its ``pstate`` column for the cause,
    the infinitesimal-jackknife ``std.err`` and the "log" interval R uses by default). Unlike
    1 - Kaplan-Meier with competing events censored, this does not overstate the incidence.
    Tied times are kept as ties, as R does (lifelines' AalenJohansenFitter breaks them with a
    random jitter, so its estimates change slightly from run to run on tied data).
    """
    who = "cumulative_incidence"
    fits, causes, _ = _fit_all(data, time, status, by, order, conf_type, conf_level, who)
    wanted = [k for k, c in enumerate(causes) if label(c) == label(event_of_interest)]
    if not wanted:
        raise SurvivalInputError(
            f"{who}: event_of_interest={event_of_interest!r} does not occur in column {status!r}; "
            f"causes present: {[label(c) for c in causes]}"
        )
    k = wanted[0]
    frames = []
    for g, f in fits.items():
        low, high = confint(f["cif"][:, k], f["se_cif"][:, k], conf_type, conf_level, logse=False)
        frames.append(
            pd.DataFrame(
                {
                    "group": g,
                    "time": f["time"],
                    "cif": f["cif"][:, k],
                    "ci_low": low,
                    "ci_high": high,
                    "std_err": f["se_cif"][:, k],
                    "n_risk": f["n_risk"],
                    "n_event": f["n_event"][:, k],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
