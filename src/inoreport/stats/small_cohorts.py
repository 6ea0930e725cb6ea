"""Small-cohort helpers: transitions between two states, exact rank tests, and what a
few patients can show (the CI of a landmark difference, power).

Everything here works on plain columns and counts and knows nothing about any one study.
The typical use is a cohort where each patient has a state *before* an intervention and
*after* it (say tumour burden before bridging and at CAR-T infusion), a group (the
bridging arm) and a time-to-event outcome.

* :func:`transition_counts` — patients by group x state before x state after (zeros kept).
* :func:`transition_group` — each patient's path in words ("achieved low", "maintained
  high" …) from the two states.
* :func:`conversion_table` — per group, how many started in one state and how many of
  them ended in another, with exact (Clopper–Pearson) intervals.
* :func:`flow_links` — the geometry of a two-column flow (Sankey-style) diagram.
* :func:`rank_sum_test` — Wilcoxon–Mann–Whitney test with the *exact* permutation
  distribution, also when there are ties (R's ``wilcox.test`` falls back to the normal
  approximation with ties; scipy's ``method="exact"`` ignores them).
* :func:`rank_sum_table`, :func:`rank_sum_consistent` — the p of every possible
  Mann–Whitney statistic W (= U), and which values of W a printed p allows (how
  separated two groups must have been).
* :func:`hodges_lehmann` — shift (or, on logs, ratio) between two groups with R's exact CI.
* :func:`landmark_difference` — difference of two Kaplan–Meier landmark estimates with a
  Greenwood-based CI.
* :func:`power_two_proportions`, :func:`power_fisher`, :func:`detectable_proportion` —
  power of a comparison of two proportions (normal approximation as R's
  ``power.prop.test``; exact Fisher by enumeration) and the smallest detectable difference.
* :func:`logrank_power` — power of the two-group log-rank test by simulation, for small
  groups where Schoenfeld's formula is only a guide.
* :func:`power_regions` — where any power curve reaches a target power (its crossings
  found by bisection), so a figure's alt text and the prose quote the same thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from inoreport.stats.contingency import clopper_pearson, fisher_exact

__all__ = [
    "BurdenInputError",
    "Conversion",
    "LandmarkDifference",
    "RankSumTest",
    "ShiftEstimate",
    "conversion_table",
    "conversion_test",
    "detectable_proportion",
    "flow_links",
    "hodges_lehmann",
    "landmark_difference",
    "logrank_power",
    "power_fisher",
    "power_regions",
    "power_two_proportions",
    "rank_sum_consistent",
    "rank_sum_table",
    "rank_sum_test",
    "transition_counts",
    "transition_group",
]


class BurdenInputError(ValueError):
    """Input that these helpers cannot use; the message says what to change."""


# --------------------------------------------------------------------------------------
# Transitions between two states
# --------------------------------------------------------------------------------------


def _require(data: pd.DataFrame, columns: Sequence[str], who: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise BurdenInputError(f"{who}: got {type(data).__name__}; expected a DataFrame")
    for column in columns:
        if column not in data.columns:
            raise BurdenInputError(
                f"{who}: column '{column}' not found; expected one of {list(data.columns)}"
            )


def _levels(values: pd.Series, levels: Sequence | None, column: str, who: str) -> list:
    present = list(pd.unique(values.dropna()))
    if levels is None:
        return sorted(present, key=str)
    levels = list(levels)
    for row, value in values.items():
        if pd.isna(value):
            raise BurdenInputError(
                f"{who}: column '{column}', row {row}: missing value; expected one of {levels}"
            )
        if value not in levels:
            raise BurdenInputError(
                f"{who}: column '{column}', row {row}: value {value!r}; expected one of {levels}"
            )
    return levels


def transition_counts(
    data: pd.DataFrame,
    before: str,
    after: str,
    by: str | None = None,
    levels: Sequence | None = None,
    order: Sequence | None = None,
) -> pd.DataFrame:
    """Patients by group, state before and state after: [group, before, after, n].

    Every combination of ``levels`` (default: the sorted states seen in either column)
    appears, with n = 0 where no patient made that move, so tables from two cohorts line
    up. ``order`` fixes the group order (default sorted); without ``by`` the group is "all".
    """
    columns = [before, after] + ([by] if by is not None else [])
    _require(data, columns, "transition_counts")
    if levels is None:
        seen = pd.concat([data[before], data[after]]).dropna()
        levels = sorted(pd.unique(seen), key=str)
    levels = list(levels)
    _levels(data[before], levels, before, "transition_counts")
    _levels(data[after], levels, after, "transition_counts")
    if by is None:
        groups_col = pd.Series("all", index=data.index)
        groups = ["all"]
    else:
        groups_col = data[by]
        groups = _levels(groups_col, order, by, "transition_counts")
    rows = []
    for g in groups:
        sub = data[groups_col == g]
        for b in levels:
            for a in levels:
                n = int(((sub[before] == b) & (sub[after] == a)).sum())
                rows.append({"group": g, "before": b, "after": a, "n": n})
    return pd.DataFrame(rows, columns=["group", "before", "after", "n"])


def transition_group(
    before: pd.Series,
    after: pd.Series,
    good: object,
    bad: object,
    labels: Mapping[str, str] | None = None,
) -> pd.Series:
    """Each patient's path between a ``good`` and a ``bad`` state, in words.

    bad -> good: "achieved"; good -> good: "maintained good"; bad -> bad: "maintained bad";
    good -> bad: "lost". ``labels`` renames these four keys (``{"achieved": "achieved LTB",
    "maintained good": "maintained LTB", ...}``). A value that is neither state is an error.
    """
    names = {
        "achieved": "achieved",
        "maintained good": "maintained good",
        "maintained bad": "maintained bad",
        "lost": "lost",
    }
    if labels:
        unknown = set(labels) - set(names)
        if unknown:
            raise BurdenInputError(
                f"transition_group: label key {sorted(unknown)[0]!r}; expected keys among "
                f"{list(names)}"
            )
        names.update(labels)
    before = pd.Series(before)
    after = pd.Series(after, index=before.index) if not isinstance(after, pd.Series) else after
    for series, what in ((before, "before"), (after, "after")):
        bad_rows = series[~series.isin([good, bad])]
        if len(bad_rows):
            row = bad_rows.index[0]
            raise BurdenInputError(
                f"transition_group: state {what}, row {row}: value {bad_rows.iloc[0]!r}; "
                f"expected {good!r} or {bad!r}"
            )
    out = pd.Series(names["lost"], index=before.index, dtype=object)
    out[(before == bad) & (after == good)] = names["achieved"]
    out[(before == good) & (after == good)] = names["maintained good"]
    out[(before == bad) & (after == bad)] = names["maintained bad"]
    return out


@dataclass(frozen=True)
class Conversion:
    """Per group: patients starting in the source state and how many reached the target."""

    table: pd.DataFrame  # [group, n_source, n_converted, proportion, ci_low, ci_high]
    source: object
    target: object
    level: float

    def counts_2x2(self) -> np.ndarray:
        """Rows = groups (in order), columns = (converted, not converted)."""
        t = self.table
        return np.column_stack(
            [t["n_converted"].to_numpy(), (t["n_source"] - t["n_converted"]).to_numpy()]
        ).astype(np.int64)


def conversion_table(
    data: pd.DataFrame,
    before: str,
    after: str,
    by: str,
    source: object,
    target: object,
    order: Sequence | None = None,
    level: float = 0.95,
) -> Conversion:
    """Among patients in ``source`` before, the share in ``target`` after, by group.

    Intervals are exact (Clopper & Pearson 1934); a group with nobody in the source state
    has proportion and limits NaN.
    """
    _require(data, [before, after, by], "conversion_table")
    groups = _levels(data[by], order, by, "conversion_table")
    rows = []
    for g in groups:
        sub = data[(data[by] == g) & (data[before] == source)]
        n = len(sub)
        k = int((sub[after] == target).sum())
        lo, hi = clopper_pearson(k, n, level) if n else (math.nan, math.nan)
        rows.append(
            {
                "group": g,
                "n_source": n,
                "n_converted": k,
                "proportion": k / n if n else math.nan,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    return Conversion(pd.DataFrame(rows), source, target, level)


def conversion_test(conversion: Conversion) -> float:
    """Two-sided Fisher exact p comparing the groups' conversion proportions (r x 2)."""
    return fisher_exact(conversion.counts_2x2())


def flow_links(counts: pd.DataFrame, levels: Sequence, gap: float = 0.0) -> pd.DataFrame:
    """Geometry of a two-column flow diagram for one group's transition counts.

    ``counts``: rows [before, after, n] (e.g. one group of :func:`transition_counts`).
    Both columns stack the states in ``levels`` order from the top (y = 1) down, heights
    proportional to n, with ``gap`` (in units of the total) between states. Returns one
    row per non-empty link: [before, after, n, left_top, left_bottom, right_top,
    right_bottom], and within a state the links are stacked in ``levels`` order of the
    other end, so ribbons do not cross more than they must.
    """
    _require(counts, ["before", "after", "n"], "flow_links")
    levels = list(levels)
    total = float(counts["n"].sum())
    if total <= 0:
        raise BurdenInputError("flow_links: no patients in the counts; expected n > 0 somewhere")
    scale = (1.0 - gap * (len(levels) - 1)) / total

    def tops(column: str) -> dict:
        out, y = {}, 1.0
        for lev in levels:
            out[lev] = y
            y -= float(counts.loc[counts[column] == lev, "n"].sum()) * scale + gap
        return out

    left_next, right_next = tops("before"), tops("after")
    rows = []
    for b in levels:
        for a in levels:
            n = float(counts.loc[(counts["before"] == b) & (counts["after"] == a), "n"].sum())
            if n <= 0:
                continue
            height = n * scale
            lt, rt = left_next[b], right_next[a]
            rows.append(
                {
                    "before": b,
                    "after": a,
                    "n": int(n),
                    "left_top": lt,
                    "left_bottom": lt - height,
                    "right_top": rt,
                    "right_bottom": rt - height,
                }
            )
            left_next[b] = lt - height
            right_next[a] = rt - height
    # (outer loop over the left state: on the right, each state's ribbons arrive in the
    # order of their left ends, so two ribbons into one state never cross)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Exact rank tests
# --------------------------------------------------------------------------------------

#: Above this many values in total, the exact permutation distribution is replaced by the
#: normal approximation (counts of subsets stop being exact in double precision near 60).
EXACT_LIMIT = 60


@dataclass(frozen=True)
class RankSumTest:
    """Wilcoxon–Mann–Whitney test. ``statistic`` is R's W: the rank sum of the first
    sample minus n_x (n_x + 1) / 2 (midranks for ties), i.e. the Mann–Whitney U of x."""

    statistic: float
    p: float
    method: str  # "exact" | "exact (conditional on ties)" | "normal approximation"
    n_x: int
    n_y: int
    ties: bool


def _subset_sum_counts(scores: np.ndarray, k: int) -> np.ndarray:
    """Number of size-``k`` subsets of ``scores`` (non-negative integers) with each sum."""
    total = int(scores.sum())
    ways = np.zeros((k + 1, total + 1))
    ways[0, 0] = 1.0
    for a in scores.astype(np.int64):
        # go down in size so each score is used at most once
        if a == 0:
            ways[1:] = ways[1:] + ways[:-1]
        else:
            ways[1:, a:] = ways[1:, a:] + ways[:-1, :-a]
    return ways[k]


def _clean(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise BurdenInputError(f"rank_sum_test: {name} has {arr.ndim} dimensions; expected 1")
    if np.any(np.isinf(arr)):
        raise BurdenInputError(f"rank_sum_test: {name} holds an infinite value; expected numbers")
    return arr[~np.isnan(arr)]


def rank_sum_test(x, y, exact: bool | None = None, correct: bool = True) -> RankSumTest:
    """Two-sided Wilcoxon rank-sum (Mann–Whitney) test of x against y; NaN ignored.

    ``exact=None``: exact when there are at most :data:`EXACT_LIMIT` values in total.
    The exact p is twice the smaller tail of the permutation distribution of the rank sum
    (midranks with ties: the distribution is then conditional on the tie pattern, as
    StatXact and R's ``coin::wilcox_test(distribution = "exact")`` compute it), capped at 1.
    Without ties this equals R's ``wilcox.test(x, y, exact = TRUE)``. The approximation is
    R's: normal with tie-corrected variance and (``correct``) a continuity correction.
    """
    x, y = _clean(x, "x"), _clean(y, "y")
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        raise BurdenInputError(
            f"rank_sum_test: {nx} value(s) in x and {ny} in y; expected at least one in each"
        )
    pooled = np.concatenate([x, y])
    ranks = stats.rankdata(pooled)
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    ties = len(np.unique(pooled)) < len(pooled)
    n = nx + ny
    if exact is None:
        exact = n <= EXACT_LIMIT
    if exact:
        doubled = np.rint(2 * ranks).astype(np.int64)  # midranks are multiples of 1/2
        counts = _subset_sum_counts(doubled, nx)
        probs = counts / counts.sum()
        observed = int(doubled[:nx].sum())
        lower = probs[: observed + 1].sum()
        upper = probs[observed:].sum()
        p = min(1.0, 2 * min(lower, upper))
        method = "exact (conditional on ties)" if ties else "exact"
        return RankSumTest(w, float(p), method, nx, ny, ties)
    _, tie_counts = np.unique(pooled, return_counts=True)
    sigma = math.sqrt(
        (nx * ny / 12) * ((n + 1) - float(np.sum(tie_counts**3 - tie_counts)) / (n * (n - 1)))
    )
    if sigma == 0:
        return RankSumTest(w, math.nan, "normal approximation", nx, ny, ties)
    z = w - nx * ny / 2
    if correct and z != 0:
        z -= math.copysign(0.5, z)
    z /= sigma
    p = min(1.0, 2 * float(stats.norm.sf(abs(z))))
    return RankSumTest(w, p, "normal approximation", nx, ny, ties)


def rank_sum_table(nx: int, ny: int, exact: bool = True, correct: bool = True) -> pd.DataFrame:
    """Two-sided p of the rank-sum test for every possible W (0 … n_x n_y), no ties.

    W is R's name for the Mann–Whitney U of x (the rank sum of x minus n_x (n_x + 1) / 2),
    so it counts pairs, not ranks.

    Columns [w, p, superiority]: ``superiority`` = W / (n_x n_y), the share of (x, y) pairs
    in which the x value is the larger (the probability of superiority). ``exact``: the
    permutation distribution (R ``2 * pwilcox``); otherwise R's normal approximation with
    (``correct``) continuity correction. Use it to ask which outcomes a printed p allows.
    """
    for n, name in ((nx, "nx"), (ny, "ny")):
        _check_n(n, name)
    nx, ny = int(nx), int(ny)
    w = np.arange(nx * ny + 1)
    if exact:
        counts = _subset_sum_counts(np.arange(1, nx + ny + 1), nx)[nx * (nx + 1) // 2 :]
        counts = counts[: nx * ny + 1]
        probs = counts / counts.sum()
        lower = np.cumsum(probs)
        upper = np.cumsum(probs[::-1])[::-1]
        p = np.minimum(1.0, 2 * np.minimum(lower, upper))
    else:
        n = nx + ny
        sigma = math.sqrt(nx * ny * (n + 1) / 12)
        z = w - nx * ny / 2
        if correct:
            z = z - np.sign(z) * 0.5
        p = np.minimum(1.0, 2 * stats.norm.sf(np.abs(z / sigma)))
    return pd.DataFrame({"w": w, "p": p, "superiority": w / (nx * ny)})


def rank_sum_consistent(
    nx: int, ny: int, printed_p: float, decimals: int, exact: bool = True
) -> pd.DataFrame:
    """The rows of :func:`rank_sum_table` whose p rounds to ``printed_p`` at ``decimals``.

    E.g. ``rank_sum_consistent(10, 14, 0.011, 3)``: which values of the Mann–Whitney
    statistic W (= U) give a printed p = 0.011 for groups of 10 and 14 (ties would widen
    the set).
    """
    table = rank_sum_table(nx, ny, exact=exact)
    half = 0.5 * 10.0**-decimals
    keep = (table["p"] >= printed_p - half - 1e-12) & (table["p"] < printed_p + half - 1e-12)
    return table[keep].reset_index(drop=True)


@dataclass(frozen=True)
class ShiftEstimate:
    """Hodges–Lehmann location shift x - y (or ratio x / y with ``log=True``) and its CI."""

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    achieved_level: float
    scale: str  # "difference" or "ratio"


def hodges_lehmann(x, y, level: float = 0.95, log: bool = False) -> ShiftEstimate:
    """Hodges–Lehmann estimate of the shift between two samples, with R's exact CI.

    The estimate is the median of all n_x n_y differences x_i - y_j; the CI is the pair of
    ordered differences given by the quantiles of the Mann–Whitney null distribution
    (R ``wilcox.test(x, y, conf.int = TRUE, exact = TRUE)``; exact without ties — with ties
    the same order statistics are used, which is then approximate). With ``log=True`` the
    samples are log-transformed first and the results are ratios (x / y), e.g. for cell
    counts that vary over orders of magnitude; values must then be positive.
    """
    x, y = _clean(x, "x"), _clean(y, "y")
    if not 0 < level < 1:
        raise BurdenInputError(f"hodges_lehmann: level={level}; expected a value in (0, 1)")
    if log:
        if np.any(x <= 0) or np.any(y <= 0):
            raise BurdenInputError(
                "hodges_lehmann: log=True needs positive values; found a value <= 0"
            )
        x, y = np.log(x), np.log(y)
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        raise BurdenInputError("hodges_lehmann: expected at least one value in each sample")
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    estimate = float(np.median(diffs))
    # null distribution of U (no ties): ranks 1..n
    counts = _subset_sum_counts(np.arange(1, nx + ny + 1), nx)[nx * (nx + 1) // 2 :]
    cdf = np.cumsum(counts / counts.sum())
    alpha = 1 - level
    qu = int(np.searchsorted(cdf, alpha / 2 - 1e-12))  # R qwilcox: smallest q with cdf >= p
    if qu == 0:
        qu = 1
    ql = nx * ny - qu
    achieved = 1 - 2 * (cdf[qu - 1] if qu - 1 >= 0 else 0.0)
    lo, hi = float(diffs[qu - 1]), float(diffs[ql])
    if log:
        return ShiftEstimate(
            math.exp(estimate), math.exp(lo), math.exp(hi), level, achieved, "ratio"
        )
    return ShiftEstimate(estimate, lo, hi, level, achieved, "difference")


# --------------------------------------------------------------------------------------
# What a small cohort can show
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandmarkDifference:
    """S_first(t) - S_second(t) from Kaplan–Meier curves, with a Greenwood CI."""

    time: float
    first: str
    second: str
    survival_first: float
    survival_second: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    level: float


def landmark_difference(km, time: float, first: str, second: str, level: float = 0.95):
    """Difference of two groups' Kaplan–Meier survival at ``time``, with a plain-scale CI.

    ``km`` is a fitted :class:`inoreport.stats.survival.KaplanMeier`. Each group's SE is
    Greenwood's on the survival scale (R ``summary(survfit)$std.err``); the groups are
    independent, so SE(diff) = sqrt(se_1^2 + se_2^2) and the CI is diff +/- z SE (limits
    not truncated: a width beyond +/-1 is itself the message). A curve that is 0 or 1 at
    ``time`` contributes SE 0.
    """
    if not 0 < level < 1:
        raise BurdenInputError(f"landmark_difference: level={level}; expected a value in (0, 1)")
    marks = km.landmarks([time]).set_index("group")
    for g in (first, second):
        if g not in marks.index:
            raise BurdenInputError(
                f"landmark_difference: group {g!r} not in the fit; groups are {list(marks.index)}"
            )
    s1, s2 = float(marks.loc[first, "survival"]), float(marks.loc[second, "survival"])
    if math.isnan(s1) or math.isnan(s2):
        raise BurdenInputError(
            f"landmark_difference: survival at {time:g} is not estimable in one group "
            "(follow-up ends earlier); expected a time within both groups' follow-up"
        )
    se1, se2 = (float(np.nan_to_num(marks.loc[g, "std_err"])) for g in (first, second))
    se = math.hypot(se1, se2)
    z = float(stats.norm.ppf(0.5 + level / 2))
    d = s1 - s2
    return LandmarkDifference(time, first, second, s1, s2, d, se, d - z * se, d + z * se, level)


def _check_prop(p: float, name: str) -> None:
    if not 0 <= p <= 1 or math.isnan(p):
        raise BurdenInputError(f"{name}={p}; expected a proportion between 0 and 1 (0.64, not 64)")


def _check_n(n, name: str) -> None:
    if n != int(n) or n < 1:
        raise BurdenInputError(f"{name}={n}; expected a whole number of patients >= 1")


def power_two_proportions(p1: float, p2: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    """Power of the two-sided z-test comparing two proportions (normal approximation).

    Power = Phi((|p1 - p2| - z_{1-alpha/2} se_0) / se_1), with se_0 from the pooled
    proportion under the null and se_1 from the true ones; for n1 = n2 this is R's
    ``power.prop.test`` (the opposite tail ignored, as there). Unreliable for small n or
    proportions near 0 or 1: see :func:`power_fisher` for the exact answer.
    """
    for p, name in ((p1, "p1"), (p2, "p2")):
        _check_prop(p, name)
    for n, name in ((n1, "n1"), (n2, "n2")):
        _check_n(n, name)
    if not 0 < alpha < 1:
        raise BurdenInputError(f"alpha={alpha}; expected a two-sided level in (0, 1)")
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se1 = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    if se1 == 0:
        return 1.0 if p1 != p2 else alpha
    z = float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.norm.cdf((abs(p1 - p2) - z * se0) / se1))


def power_fisher(p1: float, p2: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    """Exact power of the two-sided Fisher test of two binomial proportions.

    Sums P(k1) P(k2) over every outcome (k1 of n1, k2 of n2) whose Fisher p is <= alpha
    (no approximation; (n1 + 1)(n2 + 1) tables). Use for a binary outcome with complete
    follow-up, or as a best case for a survival outcome at a landmark.
    """
    for p, name in ((p1, "p1"), (p2, "p2")):
        _check_prop(p, name)
    for n, name in ((n1, "n1"), (n2, "n2")):
        _check_n(n, name)
    n1, n2 = int(n1), int(n2)
    reject = _fisher_rejection(n1, n2, alpha)
    f1 = stats.binom.pmf(np.arange(n1 + 1), n1, p1)
    f2 = stats.binom.pmf(np.arange(n2 + 1), n2, p2)
    return float(np.sum(np.outer(f1, f2) * reject))


_REJECTION_CACHE: dict[tuple[int, int, float], np.ndarray] = {}


def _fisher_rejection(n1: int, n2: int, alpha: float) -> np.ndarray:
    key = (n1, n2, alpha)
    if key not in _REJECTION_CACHE:
        reject = np.zeros((n1 + 1, n2 + 1), dtype=bool)
        for k1 in range(n1 + 1):
            for k2 in range(n2 + 1):
                table = [[k1, n1 - k1], [k2, n2 - k2]]
                reject[k1, k2] = fisher_exact(table) <= alpha
        _REJECTION_CACHE[key] = reject
    return _REJECTION_CACHE[key]


def detectable_proportion(
    p_ref: float,
    n_ref: int,
    n_other: int,
    power: float = 0.8,
    alpha: float = 0.05,
    test: str = "normal",
    higher: bool = True,
) -> float:
    """The proportion the other group must have for ``power`` against ``p_ref``.

    Searches p_other above ``p_ref`` (``higher``) or below it for the first value (on a
    0.001 grid, refined by bisection for the normal test) whose power reaches ``power``;
    NaN if none does. ``test``: "normal" (:func:`power_two_proportions`) or "fisher"
    (:func:`power_fisher`, exact; its power is not monotone, so the first grid value that
    reaches the target is returned).
    """
    _check_prop(p_ref, "p_ref")
    if not 0 < power < 1:
        raise BurdenInputError(f"power={power}; expected a probability in (0, 1)")
    if test not in ("normal", "fisher"):
        raise BurdenInputError(f"test={test!r}; expected 'normal' or 'fisher'")
    fn = power_two_proportions if test == "normal" else power_fisher
    grid = np.arange(p_ref, 1.0 + 1e-9, 0.001) if higher else np.arange(p_ref, -1e-9, -0.001)
    grid = np.clip(grid, 0.0, 1.0)
    previous = p_ref
    for p in grid[1:]:
        if fn(float(p), p_ref, n_other, n_ref, alpha) >= power:
            if test == "fisher":
                return float(p)
            lo, hi = previous, float(p)
            for _ in range(40):
                mid = (lo + hi) / 2
                if fn(mid, p_ref, n_other, n_ref, alpha) >= power:
                    hi = mid
                else:
                    lo = mid
            return hi
        previous = float(p)
    return math.nan


def _logrank_z(times: np.ndarray, events: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Two-group log-rank z (group 1 observed minus expected over its SD), one per row.

    Rows are independent datasets with continuous (untied) times.
    """
    order = np.argsort(times, axis=1, kind="stable")
    d = np.take_along_axis(events, order, axis=1).astype(float)
    g = np.take_along_axis(group, order, axis=1).astype(float)
    n = times.shape[1]
    at_risk = np.arange(n, 0, -1, dtype=float)[None, :]
    at_risk_1 = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]
    share = at_risk_1 / at_risk
    o_minus_e = np.sum(d * (g - share), axis=1)
    var = np.sum(d * share * (1 - share), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 0, o_minus_e / np.sqrt(var), 0.0)


def logrank_power(
    survival_1: float,
    survival_2: float,
    n1: int,
    n2: int,
    landmark: float,
    follow_up: tuple[float, float],
    alpha: float = 0.05,
    n_sim: int = 4000,
    seed: int = 1,
) -> float:
    """Power of the two-sided log-rank test by simulation, for two small groups.

    Event times are exponential with the hazards that give ``survival_1`` and
    ``survival_2`` at ``landmark`` (proportional hazards); each patient is censored at a
    follow-up drawn uniformly in ``follow_up`` = (shortest, longest), in the landmark's
    unit. Returns the share of ``n_sim`` simulated trials with log-rank p <= alpha
    (Monte Carlo SE about sqrt(power (1 - power) / n_sim)).
    """
    for p, name in ((survival_1, "survival_1"), (survival_2, "survival_2")):
        if not 0 < p < 1:
            raise BurdenInputError(f"{name}={p}; expected a survival strictly between 0 and 1")
    for n, name in ((n1, "n1"), (n2, "n2")):
        _check_n(n, name)
    lo, hi = follow_up
    if not 0 < lo <= hi:
        raise BurdenInputError(
            f"follow_up={follow_up}; expected (shortest, longest) with 0 < shortest <= longest"
        )
    rng = np.random.default_rng(seed)
    n1, n2 = int(n1), int(n2)
    rates = np.r_[np.full(n1, -math.log(survival_1)), np.full(n2, -math.log(survival_2))]
    rates = rates / landmark
    group = np.r_[np.ones(n1), np.zeros(n2)][None, :].repeat(n_sim, axis=0)
    event_times = rng.exponential(1.0, size=(n_sim, n1 + n2)) / rates[None, :]
    censor = rng.uniform(lo, hi, size=(n_sim, n1 + n2))
    times = np.minimum(event_times, censor)
    events = event_times <= censor
    z = _logrank_z(times, events, group)
    crit = float(stats.norm.ppf(1 - alpha / 2))
    return float(np.mean(np.abs(z) >= crit))


def power_regions(
    power,
    low: float,
    high: float,
    target: float = 0.8,
    step: float = 0.01,
    tol: float = 1e-5,
) -> list[tuple[float | None, float | None]]:
    """Where a power curve reaches ``target``: intervals of the value with power >= target.

    ``power`` is any function of one value (say the true proportion in one group) that
    returns a power. The range [``low``, ``high``] is scanned in steps of ``step`` and each
    crossing of the target is refined by bisection to ``tol``. Returns the intervals
    (start, end) in increasing order; an end that reaches ``low`` or ``high`` is None (the
    region runs on to the end of the range searched), so [(None, 0.09), (0.96, None)] reads
    "at or below 0.09, or at or above 0.96". A region narrower than ``step`` can be
    missed. For a simulated power (:func:`logrank_power`) keep the seed fixed, so that the
    function is deterministic and the bisection converges.
    """
    if not low < high:
        raise BurdenInputError(f"power_regions: low={low}, high={high}; expected low < high")
    if not 0 < step <= high - low:
        raise BurdenInputError(f"power_regions: step={step}; expected 0 < step <= high - low")
    if not 0 < target < 1:
        raise BurdenInputError(f"power_regions: target={target}; expected a power in (0, 1)")
    n_steps = max(1, math.ceil((high - low) / step - 1e-9))
    grid = np.linspace(low, high, n_steps + 1)
    reached = [power(float(v)) >= target for v in grid]

    def crossing(a: float, b: float, a_reached: bool) -> float:
        # the point between a and b where the curve crosses the target
        while b - a > tol:
            mid = (a + b) / 2
            if (power(mid) >= target) == a_reached:
                a = mid
            else:
                b = mid
        return (a + b) / 2

    regions: list[tuple[float | None, float | None]] = []
    start: float | None = None if reached[0] else math.nan
    for i in range(1, len(grid)):
        if reached[i] == reached[i - 1]:
            continue
        edge = crossing(float(grid[i - 1]), float(grid[i]), reached[i - 1])
        if reached[i]:
            start = edge
        else:
            regions.append((start, edge))
    if reached[-1]:
        regions.append((start, None))
    return regions
