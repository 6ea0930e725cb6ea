"""Piecewise-exponential proportional-hazards model: cumulative hazard and its inverse.

A patient's hazard at time t (months) is

    h_i(t) = h0(t) * exp(lp_i) * exp(switch_effect_i * [t > switch_i])

where h0 is constant between knots (a piecewise-exponential baseline), lp_i the linear
predictor of the patient's covariates, and the optional switch is a treatment that starts
during follow-up (for example consolidation after response) and multiplies the hazard
from then on. Event times are drawn by inversion: T_i solves H_i(T_i) = E_i with
E_i = H_i(lower_i) - log(U_i), U_i uniform — so that T_i > lower_i (a patient known to be
event-free until ``lower_i``, such as a patient who reached consolidation).

Everything is vectorised over patients and knows nothing about any one study.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PiecewiseHazard:
    """Baseline hazard ``exp(log_rates[j])`` per month on ``[knots[j], knots[j+1])``.

    ``knots[0]`` must be 0; the last rate continues for ever.
    """

    knots: np.ndarray
    log_rates: np.ndarray

    def __post_init__(self):
        knots = np.asarray(self.knots, float)
        rates = np.asarray(self.log_rates, float)
        if knots[0] != 0 or np.any(np.diff(knots) <= 0) or len(knots) != len(rates):
            raise ValueError("knots must start at 0, increase, and match log_rates in length")
        object.__setattr__(self, "knots", knots)
        object.__setattr__(self, "log_rates", rates)
        object.__setattr__(self, "_rates", np.exp(rates))
        cum = np.concatenate([[0.0], np.cumsum(np.exp(rates[:-1]) * np.diff(knots))])
        object.__setattr__(self, "_cum_at_knots", cum)

    def baseline_cumulative(self, t) -> np.ndarray:
        """H0(t) for an array of times (months)."""
        t = np.asarray(t, float)
        j = np.clip(np.searchsorted(self.knots, t, side="right") - 1, 0, len(self.knots) - 1)
        return self._cum_at_knots[j] + self._rates[j] * (t - self.knots[j])

    def baseline_inverse(self, h) -> np.ndarray:
        """The time t with H0(t) = h."""
        h = np.asarray(h, float)
        cum = self._cum_at_knots
        j = np.clip(np.searchsorted(cum, h, side="right") - 1, 0, len(cum) - 1)
        return self.knots[j] + (h - cum[j]) / self._rates[j]

    def cumulative(self, t, lp=0.0, switch=None, switch_effect=0.0) -> np.ndarray:
        """H_i(t) for each patient (arrays broadcast)."""
        h0 = self.baseline_cumulative(t)
        out = h0.copy() if np.ndim(h0) else np.asarray(h0)
        if switch is not None:
            hs = self.baseline_cumulative(np.where(np.isfinite(switch), switch, np.inf))
            extra = np.clip(h0 - hs, 0, None)
            out = out + np.expm1(switch_effect) * np.where(np.isfinite(switch), extra, 0.0)
        return np.exp(lp) * out

    def inverse(self, target, lp=0.0, switch=None, switch_effect=0.0) -> np.ndarray:
        """The time T_i with H_i(T_i) = target_i."""
        x = np.asarray(target, float) * np.exp(-np.asarray(lp, float))
        if switch is None:
            return self.baseline_inverse(x)
        switch = np.asarray(switch, float)
        finite = np.isfinite(switch)
        hs = self.baseline_cumulative(np.where(finite, switch, 0.0))
        after = finite & (x > hs)
        factor = np.exp(switch_effect)
        x_after = (x + np.expm1(switch_effect) * hs) / factor
        return self.baseline_inverse(np.where(after, x_after, x))

    def draw(self, uniform, lp=0.0, lower=0.0, switch=None, switch_effect=0.0) -> np.ndarray:
        """Event times from uniforms U_i, conditional on T_i > lower_i."""
        start = self.cumulative(lower, lp, switch, switch_effect)
        return self.inverse(start - np.log(uniform), lp, switch, switch_effect)

    def survival(self, t, lp=0.0, lower=0.0, switch=None, switch_effect=0.0) -> np.ndarray:
        """P(T_i > t | T_i > lower_i) for each patient."""
        t = np.asarray(t, float)
        lower = np.broadcast_to(
            np.asarray(lower, float), np.broadcast_shapes(np.shape(t), np.shape(lower))
        )
        h_t = self.cumulative(np.maximum(t, lower), lp, switch, switch_effect)
        h_l = self.cumulative(lower, lp, switch, switch_effect)
        return np.exp(-(h_t - h_l))
