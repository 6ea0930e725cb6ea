"""Method B: individual patient data from a published Kaplan–Meier curve (Guyot et al. 2012).

A reader who digitises a Kaplan–Meier figure gets a list of (time, survival) points; most
figures also print the number of patients at risk at a few times under the curve. The
algorithm of Guyot, Ades, Ouwens and Welton (BMC Med Res Methodol 2012;12:9) finds event
and censoring times that reproduce both: within each interval of the risk table it guesses
the number censored, spreads the censorings evenly over the interval, derives the number of
events at each digitised step from the drop in survival, and adjusts the number censored
until the number at risk at the end of the interval matches the printed one. In the last
interval the censoring rate of the earlier intervals is assumed, or the total number of
events is matched when it is known.

This is a line-by-line translation of the authors' R function (``reconKMsurvival``),
0-based. It knows nothing about any one study.

>>> ipd = reconstruct(times, survival, risk_times, n_risk, total_events=None)
>>> ipd.head()  # columns: time, event
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class GuyotInputError(ValueError):
    """Digitised coordinates or a risk table the algorithm cannot use; says what to fix."""


def clean_coordinates(times, survival) -> tuple[np.ndarray, np.ndarray]:
    """Sort digitised points by time, start the curve at (0, 1), clip survival to [0, 1]
    and make it non-increasing (digitising noise can make a curve rise slightly)."""
    t = np.asarray(times, float)
    s = np.asarray(survival, float)
    if t.shape != s.shape or t.ndim != 1 or len(t) == 0:
        raise GuyotInputError(
            f"times ({t.shape}) and survival ({s.shape}) must be 1-D arrays of the same length"
        )
    if np.any(~np.isfinite(t)) or np.any(~np.isfinite(s)) or np.any(t < 0):
        raise GuyotInputError("times must be finite and >= 0, survival finite")
    if s.max() > 1.5:
        raise GuyotInputError(
            f"survival up to {s.max():g}: expected proportions between 0 and 1 (divide percentages by 100)"
        )
    order = np.lexsort((-s, t))
    t, s = t[order], np.clip(s[order], 0.0, 1.0)
    s = np.minimum.accumulate(s)
    if t[0] > 0 or s[0] < 1:
        t = np.concatenate([[0.0], t])
        s = np.concatenate([[1.0], s])
    return t, s


def reconstruct(
    times,
    survival,
    risk_times,
    n_risk,
    total_events: int | None = None,
) -> pd.DataFrame:
    """Individual (time, event) data reproducing a digitised Kaplan–Meier curve.

    ``times``/``survival``: digitised curve points (survival as proportions).
    ``risk_times``/``n_risk``: the numbers at risk printed under the curve, starting at
    time 0 with the group's size. ``total_events``: the group's number of events if the
    paper reports it (improves the last interval).
    Returns a DataFrame [time, event] with one row per patient.
    """
    t_s, s = clean_coordinates(times, survival)
    t_risk = np.asarray(risk_times, float)
    n_r = np.asarray(n_risk, float).copy()
    if t_risk.ndim != 1 or len(t_risk) != len(n_r) or len(t_risk) == 0:
        raise GuyotInputError("risk_times and n_risk must be 1-D and of the same length")
    if t_risk[0] != 0:
        raise GuyotInputError(
            f"the risk table starts at time {t_risk[0]:g}; expected 0 (the group size)"
        )
    if np.any(np.diff(t_risk) <= 0) or np.any(np.diff(n_r) > 0) or np.any(n_r < 0):
        raise GuyotInputError("risk times must increase and numbers at risk must not increase")
    # keep risk times within the digitised curve
    keep = t_risk <= t_s[-1]
    t_risk, n_r = t_risk[keep], n_r[keep]
    n_t = len(t_s)
    n_int = len(t_risk)
    lower = np.array([int(np.searchsorted(t_s, tr, side="left")) for tr in t_risk])
    upper = np.empty(n_int, int)
    upper[:-1] = lower[1:] - 1
    upper[-1] = n_t - 1
    if np.any(upper < lower):
        raise GuyotInputError(
            "an interval of the risk table holds no digitised point; digitise at least one point "
            "between consecutive risk times"
        )

    n_censor = np.zeros(n_int)
    n_hat = np.zeros(n_t + 1)
    n_hat[0] = n_r[0]
    cen = np.zeros(n_t)
    d = np.zeros(n_t)
    km_hat = np.ones(n_t)
    last_i = np.zeros(n_int, int)

    def spread(count, a, b, lo_idx, hi_idx):
        """Censor counts per digitised step for ``count`` censorings evenly spaced in (a, b)."""
        out = np.zeros(n_t)
        if count <= 0:
            return out
        c_t = a + np.arange(1, count + 1) * (b - a) / (count + 1)
        edges = t_s[lo_idx : hi_idx + 1]
        if len(edges) < 2:
            return out
        counts, _ = np.histogram(c_t, bins=edges)
        out[lo_idx:hi_idx] = counts
        return out

    def run_interval(i, lo_idx, hi_idx, last):
        for k in range(lo_idx, hi_idx + 1):
            if i == 0 and k == lo_idx:
                d[k] = 0
                km_hat[k] = 1.0
            else:
                d[k] = np.round(n_hat[k] * (1 - s[k] / km_hat[last])) if km_hat[last] > 0 else 0
                km_hat[k] = km_hat[last] * (1 - d[k] / n_hat[k]) if n_hat[k] > 0 else km_hat[last]
            n_hat[k + 1] = n_hat[k] - d[k] - cen[k]
            if n_hat[k + 1] < 0:
                n_hat[k + 1] = 0
                cen[k] = n_hat[k] - d[k]
            if d[k] != 0:
                last = k
        return last

    for i in range(n_int - 1):
        lo_idx, nxt = lower[i], lower[i + 1]
        n_censor[i] = np.round(n_r[i] * s[nxt] / s[lo_idx] - n_r[i + 1]) if s[lo_idx] > 0 else 0
        for _ in range(10_000):
            if n_censor[i] <= 0:
                cen[lo_idx : upper[i] + 1] = 0
                n_censor[i] = 0
            else:
                cen[lo_idx : upper[i] + 1] = spread(
                    int(n_censor[i]), t_s[lo_idx], t_s[nxt], lo_idx, nxt
                )[lo_idx : upper[i] + 1]
            n_hat[lo_idx] = n_r[i]
            last = run_interval(i, lo_idx, upper[i], last_i[i])
            n_censor[i] += n_hat[nxt] - n_r[i + 1]
            if not (n_hat[nxt] > n_r[i + 1] or (n_hat[nxt] < n_r[i + 1] and n_censor[i] > 0)):
                break
        if n_hat[nxt] < n_r[i + 1]:
            n_r[i + 1] = n_hat[nxt]
        last_i[i + 1] = last

    # last interval: censoring at the average rate of the earlier intervals
    i = n_int - 1
    lo_idx, hi_idx = lower[i], upper[i]
    if n_int > 1:
        span_before = t_s[upper[i - 1]] - t_s[lower[0]]
        rate = (
            n_censor[:i].sum() * (t_s[hi_idx] - t_s[lo_idx]) / span_before if span_before > 0 else 0
        )
        n_censor[i] = min(np.round(rate), n_r[i])
    else:
        n_censor[i] = 0

    def last_interval():
        cen[lo_idx:hi_idx] = 0
        if n_censor[i] > 0:
            cen[lo_idx:hi_idx] = spread(int(n_censor[i]), t_s[lo_idx], t_s[hi_idx], lo_idx, hi_idx)[
                lo_idx:hi_idx
            ]
        else:
            n_censor[i] = 0
        n_hat[lo_idx] = n_r[i]
        run_interval(i if i > 0 else 0, lo_idx, hi_idx, last_i[i])

    last_interval()
    if total_events is not None:
        sum_before = d[: upper[i - 1] + 1].sum() if n_int > 1 else 0
        if n_int > 1 and sum_before >= total_events:
            d[lo_idx : hi_idx + 1] = 0
            cen[lo_idx:hi_idx] = 0
            n_hat[lo_idx + 1 : hi_idx + 2] = n_r[i]
        else:
            for _ in range(10_000):
                total = d[: hi_idx + 1].sum()
                if not (total > total_events or (total < total_events and n_censor[i] > 0)):
                    break
                n_censor[i] = max(n_censor[i] + (total - total_events), 0)
                last_interval()

    # individual data: events at the digitised step times, censorings mid-step, the rest at the end
    n_total = int(n_r[0])
    ev_times = np.repeat(t_s, d.astype(int))
    cen_times = np.repeat((t_s[:-1] + t_s[1:]) / 2, cen[:-1].astype(int))
    n_rest = n_total - len(ev_times) - len(cen_times)
    if n_rest < 0:
        raise GuyotInputError(
            "the reconstruction produced more patients than the risk table's first number; "
            "check the digitised curve and the numbers at risk"
        )
    out = pd.DataFrame(
        {
            "time": np.concatenate([ev_times, cen_times, np.full(n_rest, t_s[-1])]),
            "event": np.concatenate(
                [np.ones(len(ev_times), int), np.zeros(len(cen_times) + n_rest, int)]
            ),
        }
    )
    return out.sort_values(["time", "event"], kind="mergesort").reset_index(drop=True)


def digitise(time, event, risk_times) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The inputs a reader would take from a figure of this data's Kaplan–Meier curve: the
    curve's corner points and the numbers at risk at ``risk_times``. Used to test the
    reconstruction on data whose truth is known."""
    time = np.asarray(time, float)
    event = np.asarray(event, int)
    order = np.argsort(time, kind="mergesort")
    t, e = time[order], event[order]
    uniq, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e, first)
    surv = np.cumprod(1 - deaths / at_risk)
    steps = deaths > 0
    curve = pd.DataFrame({"time": uniq[steps], "survival": surv[steps]})
    # a reader also reads the curve at each tick of the risk table and at its right end
    extra = np.unique(np.concatenate([np.asarray(risk_times, float), [t[-1]]]))
    extra = extra[(extra <= t[-1]) & ~np.isin(extra, curve["time"])]
    if len(extra):
        idx = np.searchsorted(curve["time"].to_numpy(), extra, side="right") - 1
        values = np.where(idx >= 0, curve["survival"].to_numpy()[np.clip(idx, 0, None)], 1.0)
        curve = pd.concat([curve, pd.DataFrame({"time": extra, "survival": values})])
        curve = curve.sort_values("time", kind="mergesort")
    risk = pd.DataFrame(
        {"time": risk_times, "n_risk": [int((time >= r).sum()) for r in risk_times]}
    )
    return curve.reset_index(drop=True), risk
