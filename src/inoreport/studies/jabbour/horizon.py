"""How far the synthetic Jabbour cohort's survival curves were fitted to published numbers.

The generator records one target per published statistic with its role (``calibrated`` or
``held_out``). A calibrated landmark ("PFS 5-year (%)") fixes a curve up to its time; a
calibrated median ("median PFS, age 60 64") fixes one up to the median itself. Past the
latest of these the curves follow the generator's assumptions only, so a figure draws them as
extrapolated (:func:`inoreport.figures.plots.km_plot`, ``calibrated_horizon=``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

ENDPOINTS = ("PFS", "OS", "CRD")
_LANDMARK = re.compile(r"^(PFS|OS|CRD) (\d+(?:\.\d+)?)-year \(%\)$")
_MEDIAN = re.compile(r"^median (PFS|OS|CRD), ")


def _field(target, name: str):
    return target[name] if isinstance(target, Mapping) else getattr(target, name)


def calibrated_times(targets: Iterable) -> list[tuple[str, float, str]]:
    """Every calibrated survival target as ``(endpoint, months, statistic)``.

    ``targets``: the generator's record (dicts, as in its JSON file, or
    :class:`~inoreport.book.results.ScorecardRow`). A landmark's time is its landmark in months
    (years x 12); a median's time is where the fitted curve crosses 50%: the later of the
    published and the reproduced median (they agree within the calibration tolerance),
    rounded up to 0.1 month. Confidence limits, p-values, counts and follow-up medians fix no
    point of a survival curve and are skipped.
    """
    found = []
    for target in targets:
        if _field(target, "role") != "calibrated":
            continue
        statistic = str(_field(target, "statistic"))
        landmark = _LANDMARK.match(statistic)
        if landmark:
            found.append((landmark.group(1), 12 * float(landmark.group(2)), statistic))
            continue
        median = _MEDIAN.match(statistic)
        if median:
            months = float(_field(target, "published"))
            reproduced = _field(target, "reproduced")
            if reproduced is not None and math.isfinite(float(reproduced)):
                months = max(months, float(reproduced))
            found.append((median.group(1), math.ceil(round(10 * months, 6)) / 10, statistic))
    return found


def calibrated_horizon(targets: Iterable, endpoints: Iterable[str]) -> float:
    """Months: the latest time at which a calibrated target fixes one of ``endpoints``.

    Raises ``ValueError`` naming the endpoints when the record holds no calibrated survival
    target for them (a cohort that was fitted to nothing has no horizon to draw).
    """
    wanted = [str(e).upper() for e in endpoints]
    unknown = [e for e in wanted if e not in ENDPOINTS]
    if unknown:
        raise ValueError(f"endpoint {unknown[0]!r}: expected one of {list(ENDPOINTS)}")
    times = [months for endpoint, months, _ in calibrated_times(targets) if endpoint in wanted]
    if not times:
        raise ValueError(
            f"the generator's record has no calibrated landmark or median for {wanted}"
        )
    return max(times)
