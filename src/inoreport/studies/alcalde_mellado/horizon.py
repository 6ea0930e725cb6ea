"""How far the synthetic Alcalde-Mellado cohort's event-free survival was fitted.

The abstract gives EFS at one landmark only; the generator calibrates the cohort to those
landmark rates and records each target's key in ``data/published`` (``("efs_12mo",
"ino_arm")``, ...) with its role. Past the landmark, the curves and any test that uses their
later part follow the generator's assumptions only. :func:`censored_at` restricts a
comparison to the calibrated part.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from inoreport.studies.alcalde_mellado.cohort import EFS_LANDMARKS


def calibrated_horizon(
    roles: Mapping[tuple[str, str | None], str], landmarks: Mapping[str, float] = EFS_LANDMARKS
) -> float:
    """Months: the latest EFS landmark among the generator's *calibrated* targets.

    ``roles``: ``(quantity, group) -> role`` of every target
    (:func:`inoreport.studies.target_roles`); ``landmarks``: EFS quantity in
    ``data/published`` -> its landmark in months (default: the generator's). Raises
    ``ValueError`` when no calibrated EFS landmark is recorded.
    """
    times = [
        landmarks[quantity]
        for (quantity, _group), role in roles.items()
        if quantity in landmarks and role == "calibrated"
    ]
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
