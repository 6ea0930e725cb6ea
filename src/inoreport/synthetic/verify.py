"""Recompute a finished cohort's statistics for its target table.

Uses the project's survival toolkit (:mod:`inoreport.stats.survival`, checked against R) when it
is installed, so the reported values are the ones a chapter will show; the small
:mod:`.fastsurv` functions are a fallback with the same conventions (Kaplan–Meier with
R's default "log" interval, Efron ties, reverse-Kaplan–Meier follow-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from inoreport.synthetic import fastsurv


def _toolkit():
    try:
        from inoreport.stats import survival
    except ImportError:
        return None
    needed = ("kaplan_meier", "logrank", "cox", "median_followup")
    return survival if all(hasattr(survival, f) for f in needed) else None


class Survival:
    """The few survival statistics a target table needs, with one calling convention."""

    def __init__(self, use_toolkit: bool = True):
        self.toolkit = _toolkit() if use_toolkit else None

    @property
    def engine(self) -> str:
        return (
            "inoreport.stats.survival"
            if self.toolkit is not None
            else "inoreport.synthetic.fastsurv"
        )

    def landmarks(self, data: pd.DataFrame, time: str, event: str, times) -> pd.DataFrame:
        """[time, survival, ci_low, ci_high, n_risk] at each landmark (all patients in ``data``)."""
        if self.toolkit is not None:
            km = self.toolkit.kaplan_meier(data, time, event)
            out = km.landmarks(list(times))
            return out[["time", "survival", "ci_low", "ci_high", "n_risk"]].reset_index(drop=True)
        return _km_landmarks(data[time].to_numpy(float), data[event].to_numpy(int), times)

    def median(self, data: pd.DataFrame, time: str, event: str) -> float:
        if self.toolkit is not None:
            km = self.toolkit.kaplan_meier(data, time, event)
            return float(km.medians()["median"].iloc[0])
        return fastsurv.km_median(data[time], data[event])

    def logrank(self, data: pd.DataFrame, time: str, event: str, group: str) -> float:
        if self.toolkit is not None:
            return float(self.toolkit.logrank(data, time, event, group).p)
        return fastsurv.logrank_p(data[time], data[event], data[group].astype(str))

    def hazard_ratios(self, data: pd.DataFrame, time: str, event: str, covariates: dict) -> dict:
        """term -> (HR, 95% CI low, 95% CI high); terms named ``column[level]`` for
        categorical columns and ``column`` for 0/1 columns."""
        if self.toolkit is not None:
            frame = data.copy()
            reference = {}
            cols = []
            for col, ref in covariates.items():
                cols.append(col)
                if ref is None:
                    frame[col] = frame[col].astype(float)
                else:
                    frame[col] = frame[col].astype(str)
                    reference[col] = ref
            fit = self.toolkit.cox(frame, time, event, cols, reference=reference)
            out = {}
            for _, r in fit.table.iterrows():
                term = (
                    r["variable"]
                    if covariates.get(r["variable"]) is None
                    else f"{r['variable']}[{r['level']}]"
                )
                out[term] = (float(r["hr"]), float(r["ci_low"]), float(r["ci_high"]))
            return out
        x, names = fastsurv.design(data, covariates)
        beta, _, se = fastsurv.fit_cox(data[time], data[event], x, with_se=True)
        z = stats.norm.ppf(0.975)
        return {
            name: (float(np.exp(b)), float(np.exp(b - z * s)), float(np.exp(b + z * s)))
            for name, b, s in zip(names, beta, se, strict=True)
        }

    def median_followup(self, data: pd.DataFrame, time: str, event: str) -> float:
        if self.toolkit is not None:
            return float(self.toolkit.median_followup(data, time, event)["median"].iloc[0])
        return fastsurv.reverse_km_median(data[time], data[event])


def _km_landmarks(time, event, times) -> pd.DataFrame:
    """Kaplan–Meier at landmarks with Greenwood variance and R's default log interval."""
    order = np.argsort(time, kind="mergesort")
    t, e = time[order], event[order].astype(bool)
    uniq, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    deaths = np.add.reduceat(e.astype(float), first)
    keep = deaths > 0
    ut, nr, d = uniq[keep], at_risk[keep], deaths[keep]
    surv = np.cumprod(1 - d / nr)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(d / (nr * (nr - d)))
    z = stats.norm.ppf(0.975)
    rows = []
    for lm in times:
        j = np.searchsorted(ut, lm, side="right") - 1
        s = surv[j] if j >= 0 else 1.0
        v = green[j] if j >= 0 else 0.0
        se_log = np.sqrt(v)
        lo, hi = (
            (s * np.exp(-z * se_log), min(1.0, s * np.exp(z * se_log)))
            if s > 0
            else (np.nan, np.nan)
        )
        rows.append(
            {
                "time": lm,
                "survival": s,
                "ci_low": lo,
                "ci_high": hi,
                "n_risk": int((time >= lm).sum()),
            }
        )
    return pd.DataFrame(rows)
