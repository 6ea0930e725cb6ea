"""Kaplan-Meier estimates with R's intervals, medians, landmarks, risk tables, follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from inoreport.stats.survival._common import (
    R_TOLERANCE,
    SurvivalInputError,
    as_frame,
    bad_value_error,
    check_conf_type,
    check_event,
    check_time,
    confint,
    group_codes,
    label,
    require_columns,
    timefix,
    z_value,
)

TABLE_COLUMNS = [
    "group",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "survival",
    "std_err",
    "ci_low",
    "ci_high",
]


@dataclass
class _Curve:
    """One group's curve: one entry per distinct time (event or censoring)."""

    n: int
    events: int
    sorted_times: np.ndarray  # every patient's time, ascending (for numbers at risk)
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    se_log: np.ndarray  # standard error of log S (R's fit$std.err)
    ci_low: np.ndarray
    ci_high: np.ndarray
    sorted_weights: np.ndarray | None = None  # case weights in sorted_times order, if any

    def at_risk(self, times: np.ndarray) -> np.ndarray:
        """Number (weighted: sum of weights) still followed at each time (time >= t)."""
        first = np.searchsorted(self.sorted_times, times, side="left")
        if self.sorted_weights is None:
            return (len(self.sorted_times) - first).astype(np.int64)
        tail = np.concatenate([np.cumsum(self.sorted_weights[::-1])[::-1], [0.0]])
        return tail[first]


def _km_curve(t: np.ndarray, e: np.ndarray, conf_type: str, conf_level: float) -> _Curve:
    """Product-limit estimate for one group; ``t`` must be sorted ascending."""
    uniq, start, counts = np.unique(t, return_index=True, return_counts=True)
    n_event = np.add.reduceat(e.astype(np.int64), start) if len(t) else np.array([], int)
    n_risk = len(t) - start
    n_censor = counts - n_event
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1.0 - n_event / n_risk)
        increment = np.where(
            n_event > 0, n_event / (n_risk * (n_risk - n_event).astype(float)), 0.0
        )
    se_log = np.sqrt(np.cumsum(increment))
    return _curve(
        t,
        int(e.sum()),
        uniq,
        n_risk.astype(np.int64),
        n_event.astype(np.int64),
        n_censor.astype(np.int64),
        survival,
        se_log,
        conf_type,
        conf_level,
    )


def _curve(
    t, events, uniq, n_risk, n_event, n_censor, survival, se_log, conf_type, conf_level, w=None
) -> _Curve:
    """One group's :class:`_Curve` from its sorted times ``t`` (and case weights ``w``), its
    number of events and its per-time estimates, with the ``conf_type`` interval built from
    the standard error of log S."""
    low, high = confint(survival, se_log, conf_type, conf_level, logse=True)
    return _Curve(
        n=len(t),
        events=events,
        sorted_times=t,
        time=uniq,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        survival=survival,
        se_log=se_log,
        ci_low=low,
        ci_high=high,
        sorted_weights=w,
    )


def _weighted_km_curve(
    t: np.ndarray, e: np.ndarray, w: np.ndarray, variance: str, conf_type: str, conf_level: float
) -> _Curve:
    """Product-limit estimate with case weights for one group (``t`` sorted ascending), as R
    ``survfit(..., weights = w)``: weighted numbers at risk and of events at each time.

    ``variance="greenwood"``: Greenwood's formula on the weighted counts (R ``robust = FALSE``).
    ``variance="robust"``: the infinitesimal jackknife (R ``robust = TRUE``), the variance of
    sum_i w_i U_i(t) where U_i(t) is the influence of row i on log S(t): at each event time
    t_j <= t a row still at risk adds h_j / (n_j (1 - h_j)) and a row failing at t_j adds
    -1 / n_j (n_j weighted number at risk, h_j = d_j / n_j). The sums run over distinct
    times, so a curve of 10^6 rows costs a few passes.
    """
    uniq, start, counts = np.unique(t, return_index=True, return_counts=True)
    we = w * e
    n_event = np.add.reduceat(we, start)
    n_censor = np.add.reduceat(w - we, start)
    n_risk = np.cumsum(np.add.reduceat(w, start)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = n_event / n_risk
        survival = np.cumprod(1.0 - hazard)
        if variance == "greenwood":
            increment = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
            se_log = np.sqrt(np.cumsum(increment))
        else:
            dying = 1.0 / (n_risk * (1.0 - hazard))  # a_j
            staying = np.where(n_event > 0, hazard * dying, 0.0)  # c_j
            cum = np.cumsum(staying)  # C_k: influence of a row still at risk after t_k
            tidx = np.repeat(np.arange(len(uniq)), counts)
            final = cum[tidx] - np.where(e > 0, dying[tidx], 0.0)  # influence after its time
            w2 = w * w
            later = np.concatenate([np.cumsum(np.add.reduceat(w2, start)[::-1])[::-1][1:], [0]])
            done = np.cumsum(np.add.reduceat(w2 * final * final, start))
            se_log = np.sqrt(cum * cum * later + done)
        se_log = np.where(survival > 0, se_log, np.nan)
    return _curve(
        t,
        float(we.sum()),
        uniq,
        n_risk,
        n_event,
        n_censor,
        survival,
        se_log,
        conf_type,
        conf_level,
        w,
    )


def _first_below_half(y: np.ndarray, x: np.ndarray) -> float:
    """survival:::survmean's ``minmin``: the median rule of print.survfit.

    The first time the curve (or a confidence band) is below 0.5; if it sits exactly on 0.5
    (within sqrt(eps)) and drops later, the midpoint of that flat stretch.
    """
    keep = ~np.isnan(y) & (y < 0.5 + R_TOLERANCE)
    if not keep.any():
        return float("nan")
    x, y = x[keep], y[keep]
    if abs(y[0] - 0.5) < R_TOLERANCE:
        lower = np.flatnonzero(y < y[0])
        if len(lower):
            return float((x[0] + x[lower[0]]) / 2)
    return float(x[0])


def _approx_index(knots: np.ndarray, values: np.ndarray, v: float) -> float:
    """R ``approx(knots, values, v, method="constant", f=1)`` (rule 1, NA pairs dropped)."""
    ok = ~np.isnan(knots)
    knots, values = knots[ok], values[ok]
    if len(knots) == 0:
        return float("nan")
    order = np.argsort(knots, kind="stable")
    knots, values = knots[order], values[order]
    if v < knots[0] or v > knots[-1]:
        return float("nan")
    return float(values[np.searchsorted(knots, v, side="left")])


def _findq(x: np.ndarray, y: np.ndarray, probs: np.ndarray, tol: float) -> np.ndarray:
    """survival:::findq, the quantile search behind quantile.survfit (y = 1 - S)."""
    out = np.full(len(probs), np.nan)
    if np.all(np.isnan(y)) or np.nanmax(y) < np.min(probs):
        return out
    xmax = x[-1]
    dups = pd.Series(y).duplicated().to_numpy()
    x, y = x[~dups], y[~dups]
    n = len(y)
    positions = np.arange(n, dtype=float)
    for i, p in enumerate(probs):
        i1 = _approx_index(y + tol, positions, p)
        i2 = _approx_index(y - tol, positions, p)
        x1 = x[int(i1)] if not np.isnan(i1) else np.nan
        x2 = x[int(i2)] if not np.isnan(i2) else np.nan
        q = (x1 + x2) / 2
        if p == 0:
            q = x[0]
        if not np.isnan(y[n - 1]) and abs(p - y[n - 1]) < tol:
            q = (x1 + xmax) / 2
        out[i] = q
    return out


class KaplanMeier:
    """Kaplan-Meier curves by group, as R ``survfit(Surv(time, event) ~ group)``.

    Times are in the cohort's own unit (days, months...), and everything returned is in that
    unit. Attributes: ``groups`` (labels, in order; ``["all"]`` without ``by``), ``table``
    (one row per distinct time per group, like ``summary(fit, censored = TRUE)``),
    ``conf_type``, ``conf_level``, ``n_dropped`` (rows without a group value).

    Pointwise intervals use Greenwood's variance on the scale named by ``conf_type``:
    ``"log"`` (R's default), ``"log-log"`` (lifelines' only choice and Stata's default) or
    ``"plain"``. Our default follows R, not lifelines, because the published analyses we
    reproduce and the readers' reference software use R's default.
    """

    def __init__(
        self,
        curves: dict[str, _Curve],
        conf_type: str,
        conf_level: float,
        n_dropped: int,
        time_col: str,
        event_col: str,
        by: str | None,
    ):
        self._curves = curves
        self.groups: list[str] = list(curves)
        self.conf_type = conf_type
        self.conf_level = conf_level
        self.n_dropped = n_dropped
        self.time_col = time_col
        self.event_col = event_col
        self.by = by
        self._table: pd.DataFrame | None = None

    def __repr__(self) -> str:
        parts = ", ".join(f"{g}: n={c.n}, events={c.events}" for g, c in self._curves.items())
        return f"KaplanMeier({parts}; conf_type={self.conf_type!r})"

    def _key(self, group) -> str:
        key = group if group in self._curves else label(group)
        if key not in self._curves:
            raise SurvivalInputError(f"group {group!r} not in this fit; groups: {self.groups}")
        return key

    @property
    def table(self) -> pd.DataFrame:
        """[group, time, n_risk, n_event, n_censor, survival, std_err, ci_low, ci_high].

        ``std_err`` is on the survival scale (S x Greenwood SE of log S), as R's summary
        prints it; it is NaN once survival reaches 0.
        """
        if self._table is None:
            frames = []
            for g, c in self._curves.items():
                with np.errstate(invalid="ignore"):
                    std_err = c.survival * c.se_log
                frames.append(
                    pd.DataFrame(
                        {
                            "group": g,
                            "time": c.time,
                            "n_risk": c.n_risk,
                            "n_event": c.n_event,
                            "n_censor": c.n_censor,
                            "survival": c.survival,
                            "std_err": std_err,
                            "ci_low": c.ci_low,
                            "ci_high": c.ci_high,
                        }
                    )
                )
            self._table = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
        return self._table.copy()

    def medians(self) -> pd.DataFrame:
        """[group, n, events, median, ci_low, ci_high], as R ``print(survfit(...))``.

        The median is the first time survival is at or below 0.5 (the midpoint of a flat
        stretch lying exactly on 0.5); the CI limits are where the lower and upper pointwise
        bands cross 0.5 (Brookmeyer-Crowley style, on the ``conf_type`` scale). NaN means not
        reached.
        """
        rows = []
        for g, c in self._curves.items():
            rows.append(
                {
                    "group": g,
                    "n": c.n,
                    "events": c.events,
                    "median": _first_below_half(c.survival, c.time),
                    "ci_low": _first_below_half(c.ci_low, c.time),
                    "ci_high": _first_below_half(c.ci_high, c.time),
                }
            )
        return pd.DataFrame(rows)

    def quantiles(self, probs: Sequence[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """[group, prob, quantile, ci_low, ci_high], as R ``quantile(fit, probs)``.

        ``prob`` is the probability of the event by then (0.5 = median). This agrees with
        :meth:`medians` except when the curve ends on a flat stretch exactly at 1 - prob, where
        R's quantile() takes the midpoint to the last follow-up time and print() does not.
        """
        p = np.asarray(list(probs), dtype=float)
        if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
            raise SurvivalInputError(f"quantiles: probs={list(probs)!r}; expected values in [0, 1]")
        frames = []
        for g, c in self._curves.items():
            x = np.concatenate(([0.0], c.time))
            q = _findq(x, np.concatenate(([0.0], 1 - c.survival)), p, R_TOLERANCE)
            lo = _findq(x, np.concatenate(([0.0], 1 - c.ci_low)), p, R_TOLERANCE)
            hi = _findq(x, np.concatenate(([0.0], 1 - c.ci_high)), p, R_TOLERANCE)
            frames.append(
                pd.DataFrame({"group": g, "prob": p, "quantile": q, "ci_low": lo, "ci_high": hi})
            )
        return pd.concat(frames, ignore_index=True)

    def landmarks(self, times: Sequence[float]) -> pd.DataFrame:
        """[group, time, survival, ci_low, ci_high, n_risk, std_err] at each landmark time.

        Survival is the curve's value at the last step at or before the time, with that step's
        interval (R ``summary(fit, times = ...)``). ``n_risk`` counts patients still followed
        at that time (time >= landmark). After a group's last follow-up time the curve is not
        estimated: survival and its interval are NaN (R omits those rows).
        """
        t_req = np.asarray(list(times), dtype=float)
        if np.any(np.isnan(t_req)):
            raise SurvivalInputError(f"landmarks: times={list(times)!r}; expected numbers")
        frames = []
        for g, c in self._curves.items():
            idx = np.searchsorted(c.time, t_req, side="right") - 1
            before = idx < 0
            safe = np.clip(idx, 0, None)
            surv = np.where(before, 1.0, c.survival[safe] if len(c.time) else 1.0)
            se_log = np.where(before, 0.0, c.se_log[safe] if len(c.time) else 0.0)
            low, high = confint(surv, se_log, self.conf_type, self.conf_level)
            # before the first time R's summary() reads the curve's origin row, (1, 1) on
            # every scale (a data row with S = 1 has no log-log interval)
            low[before], high[before] = 1.0, 1.0
            with np.errstate(invalid="ignore"):
                std_err = surv * se_log
            beyond = t_req > (c.time[-1] if len(c.time) else -np.inf)
            for arr in (surv, low, high, std_err):
                arr[beyond] = np.nan
            n_risk = c.at_risk(t_req)
            frames.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "time": t_req,
                        "survival": surv,
                        "ci_low": low,
                        "ci_high": high,
                        "n_risk": n_risk,
                        "std_err": std_err,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def risk_table(self, times: Sequence[float]) -> pd.DataFrame:
        """Numbers at risk (time >= t), index = group, one column per time (weighted fits: the
        sum of the weights at risk)."""
        t_req = np.asarray(list(times), dtype=float)
        data = {g: c.at_risk(t_req) for g, c in self._curves.items()}
        out = pd.DataFrame(data, index=list(times)).T
        out.index.name = "group"
        return out

    def survival_at(self, group, t: float) -> float:
        """Kaplan-Meier survival of ``group`` at time ``t`` (NaN after its last follow-up)."""
        key = self._key(group)
        rows = self.landmarks([t])
        return float(rows.loc[rows["group"] == key, "survival"].iloc[0])


def _prepare_groups(frame, by, order, who):
    if by is None:
        return np.zeros(len(frame), dtype=np.int64), ["all"], 0
    require_columns(frame, [by], who)
    codes, labels = group_codes(frame[by], order, who, by)
    return codes, labels, int((codes < 0).sum())


def kaplan_meier(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
    order: Sequence | None = None,
    weights: str | Sequence[float] | None = None,
    variance: str | None = None,
) -> KaplanMeier:
    """Kaplan-Meier survival by group, matching R ``survfit(Surv(time, event) ~ by)``.

    Parameters: ``time`` (follow-up, in the cohort's unit, >= 0), ``event`` (1/True = event,
    0/False = censored), ``by`` (optional group column; rows where it is missing are dropped
    and counted in ``n_dropped``), ``conf_type`` ("log" as R's default, "log-log" as
    lifelines, or "plain"), ``order`` (group order; default: categorical order, else sorted).

    ``weights`` (a column name or one value per row, each >= 0) gives case weights, e.g.
    inverse-probability weights, as R ``survfit(..., weights = w)``: numbers at risk, events
    and censorings are then sums of weights, and rows with a missing weight are dropped (and
    counted in ``n_dropped``). ``variance`` is "greenwood" or "robust" (the infinitesimal
    jackknife); the default is R's: robust when some weight is not a whole number, Greenwood
    otherwise (whole-number weights count repeated patients).

    Times closer than sqrt(machine epsilon) are merged first, as R's ``timefix`` does.
    Raises SurvivalInputError for missing, negative or non-numeric times and for events that
    are not 0/1.
    """
    who = "kaplan_meier"
    check_conf_type(conf_type, who)
    z_value(conf_level)
    if variance not in (None, "greenwood", "robust"):
        raise SurvivalInputError(
            f"{who}: variance={variance!r}; expected 'greenwood' or 'robust' (or None for R's "
            "default)"
        )
    frame = as_frame(data, who)
    require_columns(frame, [time, event], who)
    codes, labels, n_dropped = _prepare_groups(frame, by, order, who)
    t = check_time(frame, time, who)
    e = check_event(frame, event, who)
    keep = codes >= 0
    w = None
    if weights is not None:
        w = _check_weights(frame, weights, who)
        n_dropped += int((keep & np.isnan(w)).sum())
        keep &= ~np.isnan(w)
        if variance is None:
            variance = "robust" if np.any(w[keep] != np.round(w[keep])) else "greenwood"
    elif variance == "robust":
        w = np.ones(len(frame))
    if not keep.any():
        raise SurvivalInputError(f"{who}: column {by!r} is missing on every row")
    t, e, codes = timefix(t[keep]), e[keep], codes[keep]
    sort = np.lexsort((t, codes))
    t, e, codes = t[sort], e[sort], codes[sort]
    if w is not None:
        w = w[keep][sort]
    bounds = np.searchsorted(codes, np.arange(len(labels) + 1), side="left")
    curves = {}
    for i, g in enumerate(labels):
        lo, hi = bounds[i], bounds[i + 1]
        if hi == lo:
            raise SurvivalInputError(f"{who}: group {g!r} in order= has no rows")
        if w is None:
            curves[g] = _km_curve(t[lo:hi], e[lo:hi], conf_type, conf_level)
        else:
            curves[g] = _weighted_km_curve(
                t[lo:hi], e[lo:hi].astype(float), w[lo:hi], variance, conf_type, conf_level
            )
    return KaplanMeier(curves, conf_type, conf_level, n_dropped, time, event, by)


def _check_weights(frame: pd.DataFrame, weights, who: str) -> np.ndarray:
    """Case weights as float (NaN = missing): a column name or one value per row, >= 0."""
    if isinstance(weights, str):
        require_columns(frame, [weights], who)
        raw = frame[weights]
        what = f"column {weights!r}"
    else:
        raw = pd.Series(np.asarray(weights), index=frame.index)
        what = "weights"
        if len(raw) != len(frame):
            raise SurvivalInputError(
                f"{who}: weights has {len(raw)} values; expected one per row ({len(frame)})"
            )
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(values) & raw.notna().to_numpy()) | (values < 0) | np.isinf(values)
    if bad.any():
        raise bad_value_error(
            frame, bad, raw, who, what, "expected a case weight (a finite number >= 0)", more=False
        )
    return values


def median_followup(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | None = None,
    conf_level: float = 0.95,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """Median follow-up by reverse Kaplan-Meier: [group, median, ci_low, ci_high].

    Censoring is treated as the event and events as censoring (Schemper and Smith 1996), as
    R ``survfit(Surv(time, 1 - event) ~ by)`` with print()'s median rule and "log" CIs. Unlike
    the median of observed times, deaths do not shorten it.
    """
    frame = as_frame(data, "median_followup")
    require_columns(frame, [time, event], "median_followup")
    e = check_event(frame, event, "median_followup")
    flipped = frame.assign(**{"__followup_event__": ~e})
    km = kaplan_meier(
        flipped,
        time,
        "__followup_event__",
        by=by,
        conf_type="log",
        conf_level=conf_level,
        order=order,
    )
    return km.medians()[["group", "median", "ci_low", "ci_high"]]
