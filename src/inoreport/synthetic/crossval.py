"""Cross-validation over a cohort's calibration targets: how well does a cohort predict a
published statistic it was *not* fitted to?

A study specification's ``build(seed, assumptions, leave_out=...)`` drops the targets whose
keys are in ``leave_out`` from every fitting stage (surrogate least squares, greedy
re-draws, allocation constraints) and still scores them. For each fold of the fitted keys,
:func:`cross_validate` builds the cohort without that fold and reads the fold's statistics
off it: the prediction of each statistic when it was left out, against the published value,
with the same tolerance as the scorecard. Every statistic is left out exactly once.

Folds are fixed by ``seed`` (a permutation of the sorted keys, dealt round-robin), so the
result is the same on every run; ``k=None`` is leave-one-out.

The engine names no study: the caller passes the build function and the keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

Key = tuple[str, "str | None"]


def folds(keys: Sequence[Key], k: int | None = None, seed: int = 0) -> list[tuple[Key, ...]]:
    """``keys`` dealt into ``k`` folds (leave-one-out when ``k`` is None or >= len(keys))."""
    ordered = sorted(set(keys), key=lambda key: (key[0], str(key[1])))
    if len(ordered) != len(keys):
        raise ValueError("cross-validation keys must be unique")
    if not ordered:
        return []
    k = len(ordered) if k is None else max(1, min(int(k), len(ordered)))
    order = np.random.default_rng(seed).permutation(len(ordered))
    dealt: list[list[Key]] = [[] for _ in range(k)]
    for position, index in enumerate(order):
        dealt[position % k].append(ordered[index])
    return [tuple(sorted(f, key=lambda key: (key[0], str(key[1])))) for f in dealt]


@dataclass(frozen=True)
class Prediction:
    """One statistic predicted by the cohort calibrated without it."""

    quantity: str
    group: str | None
    statistic: str
    published: object
    fitted: object  # the value on the cohort calibrated with every target
    predicted: object  # the value on the cohort calibrated without this statistic's fold
    within: bool  # predicted within the scorecard tolerance
    fitted_within: bool
    tolerance: str
    unit: str
    fold: int
    close: bool = False  # p-values: the looser rule of the held-out checks (see :func:`close`)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def close(published, predicted, unit: str, within: bool) -> bool:
    """``within`` for an estimate; for a p-value, the looser rule that judged held-out
    p-values before they became targets: the same side of 0.05 and within a factor of 2 (or
    both below 0.001). ``published`` may be the printed text ('.02', '<.0001')."""
    if unit != "p":
        return bool(within)
    from inoreport.synthetic.common import TOLERANCES
    from inoreport.synthetic.separation import printed_interval

    try:
        low, high = printed_interval(published)
        pub = high if low == 0.0 else 0.5 * (low + high)
        rep = float(predicted)
    except (TypeError, ValueError):
        return bool(within)
    alpha, factor = TOLERANCES["p_alpha"], TOLERANCES["p_factor"]
    if pub <= 1e-3 and rep <= 1e-3:
        return True
    return (pub < alpha) == (rep < alpha) and rep > 0 and 1 / factor <= rep / pub <= factor


def rows_by_key(targets, keys: Sequence[Key]) -> dict:
    """The scorecard row of each key (exactly one per key, else ValueError)."""
    wanted = set(keys)
    found: dict = {}
    for row in targets:
        key = (row.quantity, row.group)
        if key in wanted:
            if key in found:
                raise ValueError(f"two scorecard rows carry the key {key}; keys must be unique")
            found[key] = row
    missing = wanted - set(found)
    if missing:
        raise ValueError(f"no scorecard row for the fitted keys {sorted(missing, key=str)}")
    return found


def _run_fold(args):
    build, fold = args
    t0 = time.perf_counter()
    result = build(frozenset(fold))
    return rows_by_key(result.targets, fold), time.perf_counter() - t0


def cross_validate(
    build: Callable[[frozenset], object],
    keys: Sequence[Key],
    full_targets,
    k: int | None = None,
    seed: int = 0,
    workers: int = 1,
) -> tuple[list[Prediction], dict]:
    """Predictions for every key, and timings.

    ``build(leave_out)`` returns a build whose ``targets`` hold one row per key;
    ``full_targets`` are the rows of the cohort calibrated with every target. ``build``
    must be picklable (a module-level function or :func:`functools.partial`) when
    ``workers > 1``.
    """
    dealt = folds(keys, k, seed)
    full = rows_by_key(full_targets, keys)
    t0 = time.perf_counter()
    jobs = [(build, fold) for fold in dealt]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_run_fold, jobs))
    else:
        results = [_run_fold(job) for job in jobs]
    predictions = []
    for index, (fold, (rows, _)) in enumerate(zip(dealt, results, strict=True)):
        for key in fold:
            row, base = rows[key], full[key]
            predictions.append(
                Prediction(
                    quantity=key[0],
                    group=key[1],
                    statistic=base.statistic,
                    published=base.published,
                    fitted=base.reproduced,
                    predicted=row.reproduced,
                    within=bool(row.match),
                    fitted_within=bool(base.match),
                    tolerance=base.tolerance,
                    unit=base.unit,
                    fold=index,
                    close=close(base.published, row.reproduced, base.unit, bool(row.match)),
                )
            )
    timing = {
        "folds": len(dealt),
        "builds_s": round(sum(seconds for _, seconds in results), 1),
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    return predictions, timing
