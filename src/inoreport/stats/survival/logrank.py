"""Log-rank test for two or more groups, optionally stratified (R ``survdiff``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from inoreport.stats.survival._common import (
    SurvivalInputError,
    as_frame,
    check_event,
    check_time,
    group_codes,
    require_columns,
    timefix,
)


@dataclass(frozen=True)
class LogRank:
    """Log-rank test result: ``chisq`` on ``df`` degrees of freedom, p-value ``p``.

    ``table`` has [group, n, observed, expected] (expected events under no difference, summed
    over strata); ``n_dropped`` counts rows left out for a missing group or stratum value.
    """

    chisq: float
    df: int
    p: float
    table: pd.DataFrame = field(repr=False, compare=False, default=None)
    n_dropped: int = 0
    strata: tuple[str, ...] = ()


def logrank(
    data: pd.DataFrame,
    time: str,
    event: str,
    group: str,
    strata: str | Sequence[str] | None = None,
    order: Sequence | None = None,
) -> LogRank:
    """Log-rank test of equal survival across the values of ``group``.

    Matches R ``survdiff(Surv(time, event) ~ group)`` (rho = 0), and with ``strata`` (one
    column or several) ``survdiff(Surv(time, event) ~ group + strata(s1, s2))``: observed
    minus expected events and their variance are summed over strata, so groups are compared
    only within strata. Rows with a missing group or stratum value are dropped (counted in
    ``n_dropped``), as R's default na.action does. Needs at least two groups.
    """
    who = "logrank"
    frame = as_frame(data, who)
    strata_cols = [] if strata is None else ([strata] if isinstance(strata, str) else list(strata))
    require_columns(frame, [time, event, group, *strata_cols], who)
    t = check_time(frame, time, who)
    e = check_event(frame, event, who)
    g, labels = group_codes(frame[group], order, who, group)
    keep = g >= 0
    s = np.zeros(len(frame), dtype=np.int64)
    for col in strata_cols:
        codes, levels = group_codes(frame[col], None, who, col)
        keep &= codes >= 0
        s = s * (len(levels) + 1) + codes
    n_dropped = int((~keep).sum())
    t, e, g, s = timefix(t[keep]), e[keep], g[keep], s[keep]
    present = np.unique(g)
    if len(present) < 2:
        only = labels[present[0]] if len(present) else "none"
        raise SurvivalInputError(
            f"{who}: column {group!r} has only one group ({only!r}) among the rows used; the "
            "log-rank test compares two or more groups"
        )
    # drop labels with no rows (possible only with categorical columns or order=)
    used = [lab for i, lab in enumerate(labels) if i in set(present.tolist())]
    remap = np.full(len(labels), -1)
    remap[present] = np.arange(len(present))
    g = remap[g]
    n_groups = len(used)

    _, s = np.unique(s, return_inverse=True)
    order_ = np.lexsort((t, s))
    t, e, g, s = t[order_], e[order_], g[order_], s[order_]

    observed = np.bincount(g, weights=e, minlength=n_groups)
    expected = np.zeros(n_groups)
    var = np.zeros((n_groups, n_groups))
    # one block per distinct (stratum, time)
    new_block = np.ones(len(t), dtype=bool)
    new_block[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    block = np.cumsum(new_block) - 1
    n_blocks = block[-1] + 1
    at_block = np.zeros((n_blocks, n_groups))
    np.add.at(at_block, (block, g), 1.0)
    deaths = np.bincount(block, weights=e, minlength=n_blocks)
    block_stratum = s[new_block]
    # numbers at risk: reverse cumulative sum within each stratum
    first = np.ones(n_blocks, dtype=bool)
    first[1:] = block_stratum[1:] != block_stratum[:-1]
    stratum_end = np.append(np.flatnonzero(first)[1:], n_blocks)[np.cumsum(first) - 1]
    tail = np.vstack([np.cumsum(at_block[::-1], axis=0)[::-1], np.zeros((1, n_groups))])
    risk = tail[:-1] - tail[stratum_end]  # counts, so the subtraction is exact
    n_risk = risk.sum(axis=1)
    has_death = deaths > 0
    risk, n_risk, deaths = risk[has_death], n_risk[has_death], deaths[has_death]
    expected = (risk * (deaths / n_risk)[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n_risk > 1, deaths * (n_risk - deaths) / (n_risk * (n_risk - 1)), 0.0)
    var = np.diag((risk * w[:, None]).sum(axis=0)) - (risk * (w / n_risk)[:, None]).T @ risk

    positive = expected > 0
    df = int(positive.sum()) - 1
    if df < 1:
        raise SurvivalInputError(
            f"{who}: no events in the data (column {event!r} is 0 everywhere among the rows "
            "used), so there is nothing to compare"
        )
    idx = np.flatnonzero(positive)[1:]
    diff = (observed - expected)[idx]
    chisq = float(diff @ np.linalg.solve(var[np.ix_(idx, idx)], diff))
    p = float(stats.chi2.sf(chisq, df))
    table = pd.DataFrame(
        {
            "group": used,
            "n": np.bincount(g, minlength=n_groups).astype(np.int64),
            "observed": observed,
            "expected": expected,
        }
    )
    return LogRank(chisq, df, p, table, n_dropped, tuple(strata_cols))
