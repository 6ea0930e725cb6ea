"""The synthetic cohorts' event times are spread like a smooth hazard's, with no cliffs.

For every curve a chapter plots, the number of events (and of censorings) in any window of
``WIDTH`` months must not exceed the Poisson upper quantile of the number expected in that
window under a piecewise-exponential hazard fitted to the same curve's own data (events
over person-time between fixed knots), with a Bonferroni level over the windows that fit
in the follow-up, and never below two. A generator that piles events up just before a
landmark (the calibration artefact a biostatistician spots at once) fails this. The
expected count is computed here independently of :mod:`inoreport.synthetic.spread`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from inoreport import paths

ALPHA = 0.01
FLOOR = 2

# study: (width in months, knots of the reference hazard, [(time, event, group column)])
CURVES = {
    "rocca": (
        1.0,
        (0, 3, 6, 12),
        [
            (ep, col)
            for ep in ("pfs", "os")
            for col in (None, "ino_group", "ino_response", "ino_timing")
        ],
    ),
    "jabbour": (
        2.0,
        (0, 6, 12, 24, 48),
        [
            (ep, col)
            for ep in ("pfs", "os")
            for col in (None, "age_group", "high_risk_cytogenetics", "amendment")
        ]
        + [("crd", None)],
    ),
    "alcalde_mellado": (
        1.0,
        (0, 3, 6, 12, 24),
        [("efs", None), ("efs", "bridging"), ("efs", "burden_at_infusion")],
    ),
}


def _expected(t, e, start, width, knots):
    """Events expected in [start, start+width] under the curve's own piecewise rates."""
    edges = list(knots) + [math.inf]
    rates = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        exposure = sum(max(min(x, hi) - lo, 0.0) for x in t)
        events = sum(1 for x, d in zip(t, e, strict=True) if d and lo <= x < hi)
        rates.append((events + 0.5) / exposure if exposure > 0 else 0.0)
    total = 0.0
    for x in t:  # each patient's hazard over the part of the window they are at risk
        a, b = start, min(start + width, x)
        for (lo, hi), r in zip(zip(edges[:-1], edges[1:], strict=True), rates, strict=True):
            total += r * max(min(b, hi) - max(a, lo), 0.0)
    return total


def crowded_windows(t, e, width, knots):
    t = [float(x) for x in t]
    e = [bool(x) for x in e]
    m = max(1, math.ceil(max(t) / width))
    out = []
    for kind, flag in (("events", True), ("censorings", False)):
        times = sorted(x for x, d in zip(t, e, strict=True) if d == flag)
        if not flag:
            # administrative censoring at the data lock bunches at the longest follow-up
            # (the first patients enrolled): windows near the end are not judged
            times = [x for x in times if x < max(t) - 2 * width]
        rate_flags = [d == flag for d in e]
        ref_knots = knots
        if not flag and times:
            # censoring follows the enrolment pattern (its hazard rises towards the longest
            # follow-up): the reference hazard also changes at the censoring-time quartiles
            quartiles = np.quantile(times, [0.25, 0.5, 0.75])
            ref_knots = sorted(set(knots) | {round(float(q), 2) for q in quartiles})
        for s in sorted(set(times)):
            count = sum(1 for x in times if s <= x <= s + width + 1e-9)
            if count <= FLOOR:
                continue
            expected = _expected(t, rate_flags, s, width, ref_knots)
            bound = max(FLOOR, stats.poisson.ppf(1 - ALPHA / m, expected))
            if count > bound:
                out.append(f"{kind}: {count} in [{s:.2f}, {s + width:.2f}] (bound {bound:.0f})")
    return out


def _cases():
    for study, (width, knots, curves) in CURVES.items():
        for ep, col in curves:
            yield pytest.param(study, width, knots, ep, col, id=f"{study}-{ep}-{col or 'all'}")


@pytest.mark.parametrize(("study", "width", "knots", "ep", "col"), list(_cases()))
def test_no_crowded_windows(study, width, knots, ep, col):
    data = pd.read_csv(paths.SYNTHETIC / f"{study}.csv")
    data = data[data[f"{ep}_months"].notna()]
    groups = [("all", data)] if col is None else list(data.groupby(col, dropna=True))
    problems = []
    for name, sub in groups:
        for p in crowded_windows(sub[f"{ep}_months"], sub[f"{ep}_event"], width, knots):
            problems.append(f"{col or 'all'}={name}: {p}")
    assert not problems, f"{study} {ep}: " + "; ".join(problems[:5])


def test_detector_catches_a_cliff():
    # 60 patients, steady hazard of 3% a month, then 12 extra events crammed into 0.4 months
    rng = np.random.default_rng(1)
    c = rng.uniform(20.0, 60.0, 60)
    t = np.minimum(rng.exponential(1 / 0.03, 60), c)
    e = t < c
    t[:12] = np.linspace(17.5, 17.9, 12)
    e[:12] = True
    assert any("events" in p for p in crowded_windows(t, e, 2.0, (0, 6, 12, 24)))
    latent = rng.exponential(1 / 0.03, 60)
    smooth = np.minimum(latent, c)
    assert not crowded_windows(smooth, latent < c, 2.0, (0, 6, 12, 24))
