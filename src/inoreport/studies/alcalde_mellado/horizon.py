"""How far the synthetic Alcalde-Mellado cohort's event-free survival was fitted.

The abstract gives EFS at one landmark only; the generator calibrates the cohort to those
landmark rates and records each as a target ("12-month EFS, InO (arm) (%)"). Past the
landmark, the curves and any test that uses their later part follow the generator's
assumptions only. :func:`censored_at` restricts a comparison to the calibrated part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

_LANDMARK = re.compile(r"^(\d+(?:\.\d+)?)-month EFS\b")


def _field(target, name: str):
    return target[name] if isinstance(target, Mapping) else getattr(target, name)


def calibrated_horizon(targets: Iterable) -> float:
    """Months: the latest EFS landmark among the generator's *calibrated* targets.

    ``targets``: the generator's record (``ScorecardRow`` objects or dicts with ``statistic``
    and ``role``). Raises ``ValueError`` when no calibrated EFS landmark is recorded.
    """
    times = []
    for target in targets:
        match = _LANDMARK.match(str(_field(target, "statistic")))
        if match and _field(target, "role") == "calibrated":
            times.append(float(match.group(1)))
    if not times:
        raise ValueError("the generator's record has no calibrated EFS landmark")
    return max(times)


def censored_at(frame: pd.DataFrame, horizon: float, time: str = "time", event: str = "event"):
    """A copy of ``frame`` with follow-up stopped at ``horizon`` (same unit as ``time``).

    A patient followed beyond the horizon is censored at it (event set to 0), so a test on
    the copy uses only the part of follow-up the cohort was calibrated to; events up to and
    at the horizon are kept.
    """
    for column in (time, event):
        if column not in frame.columns:
            raise ValueError(f"censored_at: column {column!r} missing; got {list(frame.columns)}")
    if not horizon > 0:
        raise ValueError(f"censored_at: horizon = {horizon!r}; expected a positive time")
    out = frame.copy()
    late = out[time] > horizon
    out.loc[late, time] = float(horizon)
    out.loc[late, event] = 0
    return out
