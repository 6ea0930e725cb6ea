"""Exact and asymptotic tests for contingency tables, exact binomial intervals, and
rounding checks for printed percentages.

Everything here works on plain counts and knows nothing about any one study.

* :func:`fisher_exact` — two-sided Fisher exact test for any r x c table, by complete
  enumeration of the tables that share the observed margins (no Monte Carlo), with R's
  ``fisher.test`` rule: the p-value is the total probability of tables no more probable
  than the observed one, with a relative tolerance of 1e-7.
* :func:`pearson_chi2` — Pearson's chi-square test, optionally with Yates' continuity
  correction (applied to 2 x 2 tables only, as R's ``chisq.test``).
* :func:`clopper_pearson` — exact binomial confidence interval (Clopper & Pearson 1934).
* :func:`rounds_to`, :func:`consistent_denominators`, :func:`consistent_counts` — does
  k/n round to a printed percentage, and which denominators or counts could have
  produced it.
* :func:`rounds_to_printed` — does a computed value (a p-value) round to a printed decimal
  string, directly or only when rounded twice (0.00145 -> 0.0015 -> 0.002).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
from scipy import special, stats

__all__ = [
    "ChiSquare",
    "ContingencyInputError",
    "clopper_pearson",
    "consistent_counts",
    "consistent_denominators",
    "expected_counts",
    "fisher_exact",
    "fisher_mid_p",
    "likelihood_ratio_chi2",
    "pearson_chi2",
    "rounds_to",
    "rounds_to_printed",
]

#: R's fisher.test: tables with probability <= P_obs * (1 + 1e-7) count as "as extreme".
_RELATIVE_TOLERANCE = 1e-7


class ContingencyInputError(ValueError):
    """A table or count that cannot be tested (negative, non-integer, wrong shape)."""


@dataclass(frozen=True)
class ChiSquare:
    """Result of Pearson's chi-square test: statistic, degrees of freedom, p-value."""

    statistic: float
    df: int
    p: float


def _as_table(table) -> np.ndarray:
    """Validate a table of counts and return it as a 2-D int64 array."""
    arr = np.asarray(table, dtype=float)
    if arr.ndim != 2:
        raise ContingencyInputError(
            f"table has {arr.ndim} dimension(s); expected a 2-D table of counts (rows x columns)"
        )
    if not np.all(np.isfinite(arr)):
        raise ContingencyInputError("table contains a missing or infinite value; expected counts")
    if np.any(arr < 0):
        raise ContingencyInputError(f"table contains a negative count {arr.min():g}; expected >= 0")
    if np.any(arr != np.round(arr)):
        bad = arr[arr != np.round(arr)][0]
        raise ContingencyInputError(
            f"table contains a non-integer count {bad:g}; expected whole numbers"
        )
    return arr.astype(np.int64)


def _drop_empty(arr: np.ndarray) -> np.ndarray:
    """Remove all-zero rows and columns (they carry no information for either test)."""
    arr = arr[arr.sum(axis=1) > 0]
    return arr[:, arr.sum(axis=0) > 0]


def expected_counts(table) -> np.ndarray:
    """Expected cell counts under independence, ``row total x column total / n``."""
    arr = _as_table(table).astype(float)
    n = arr.sum()
    if n == 0:
        raise ContingencyInputError("table has no observations; expected at least one count > 0")
    return np.outer(arr.sum(axis=1), arr.sum(axis=0)) / n


def pearson_chi2(table, correction: bool = False) -> ChiSquare:
    """Pearson's chi-square test of independence for an r x c table of counts.

    ``correction=True`` applies Yates' continuity correction, but only to a 2 x 2 table,
    exactly as R's ``chisq.test(x, correct=TRUE)``: each ``|O - E|`` is reduced by
    ``min(0.5, |O - E|)``. All-zero rows or columns are dropped first (in R they would make
    the statistic undefined). Returns :class:`ChiSquare` (statistic, df, p).
    """
    arr = _drop_empty(_as_table(table))
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ContingencyInputError(
            f"table has {arr.shape[0]} non-empty row(s) and {arr.shape[1]} non-empty column(s); "
            "expected at least 2 of each"
        )
    # scipy applies Yates' correction only when df = 1 (a 2 x 2 table), as R does
    result = stats.chi2_contingency(arr, correction=correction)
    return ChiSquare(statistic=float(result.statistic), df=int(result.dof), p=float(result.pvalue))


def likelihood_ratio_chi2(table) -> ChiSquare:
    """Likelihood-ratio (G) test of independence: ``G = 2 sum O log(O / E)``, chi-square df.

    Empty cells contribute 0; all-zero rows and columns are dropped first.
    """
    arr = _drop_empty(_as_table(table))
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        raise ContingencyInputError(
            f"table has {arr.shape[0]} non-empty row(s) and {arr.shape[1]} non-empty column(s); "
            "expected at least 2 of each"
        )
    result = stats.chi2_contingency(arr, correction=False, lambda_="log-likelihood")
    return ChiSquare(statistic=float(result.statistic), df=int(result.dof), p=float(result.pvalue))


def fisher_mid_p(table) -> float:
    """Two-sided mid-p version of Fisher's test for a 2 x 2 table.

    Sum of the probabilities of tables less probable than the observed one, plus half the
    probability of those exactly as probable (same margins; R fisher.test's tolerance).
    """
    arr = _drop_empty(_as_table(table))
    if arr.shape != (2, 2):
        raise ContingencyInputError(
            f"table is {arr.shape[0]} x {arr.shape[1]}; expected 2 x 2 for mid-p"
        )
    (a, b), (c, d) = arr
    row1, col1, n = a + b, a + c, a + b + c + d
    x = np.arange(max(0, row1 + col1 - n), min(row1, col1) + 1)
    pmf = stats.hypergeom(n, col1, row1).pmf(x)
    p_obs = stats.hypergeom(n, col1, row1).pmf(a)
    tie = np.abs(pmf - p_obs) <= p_obs * _RELATIVE_TOLERANCE
    less = (pmf < p_obs) & ~tie
    return float(min(1.0, pmf[less].sum() + 0.5 * pmf[tie].sum()))


def _compositions(total: int, caps: np.ndarray) -> np.ndarray:
    """All ways to split ``total`` into len(caps) non-negative parts with part j <= caps[j].

    Returns an array of shape (m, len(caps)); m may be 0.
    """
    k = len(caps)
    if k == 1:
        return (
            np.array([[total]], dtype=np.int64) if total <= caps[0] else np.empty((0, 1), np.int64)
        )
    if k == 2:
        lo = max(0, total - int(caps[1]))
        hi = min(int(caps[0]), total)
        if lo > hi:
            return np.empty((0, 2), np.int64)
        first = np.arange(lo, hi + 1, dtype=np.int64)
        return np.column_stack([first, total - first])
    # First part enumerated, the rest split recursively; the first part must leave no more
    # than the remaining parts can hold.
    capacity_rest = int(caps[1:].sum())
    blocks = []
    for first in range(max(0, total - capacity_rest), min(int(caps[0]), total) + 1):
        rest = _compositions(total - first, caps[1:])
        if rest.size:
            blocks.append(np.column_stack([np.full(len(rest), first, np.int64), rest]))
    rows = np.concatenate(blocks) if blocks else np.empty((0, k), np.int64)
    return rows


def fisher_exact(table) -> float:
    """Two-sided Fisher exact p-value for an r x c table of counts.

    Enumerates every table with the observed row and column totals (exact; no simulation)
    and sums the probabilities of those no more probable than the observed table, with R's
    relative tolerance: ``P(table) <= P_obs * (1 + 1e-7)`` (R ``fisher.test``). For 2 x 2
    tables this equals ``scipy.stats.fisher_exact(...).pvalue``.

    The table is transposed so the column count is the smaller side. Two-column tables
    (every r x 2 or 2 x c table) are enumerated by meeting in the middle — a 7 x 2 table with
    n = 189 takes well under a second; wider tables row by row, the last two rows vectorised.
    A table too large to enumerate raises :class:`ContingencyInputError` instead of hanging.
    """
    arr = _drop_empty(_as_table(table))
    if arr.shape[0] < 2 or arr.shape[1] < 2:
        # One non-empty row or column: only one table has these margins.
        return 1.0
    if arr.shape[1] > arr.shape[0]:
        arr = arr.T
    # Largest rows last: the last two rows are solved in closed/vectorised form.
    arr = arr[np.argsort(arr.sum(axis=1), kind="stable")]
    row_totals = arr.sum(axis=1)
    col_totals = arr.sum(axis=0)
    n = int(row_totals.sum())

    # log P(table) = const - sum log(cell!) with const = sum log(r!) + sum log(c!) - log(n!)
    const = (
        special.gammaln(row_totals + 1).sum()
        + special.gammaln(col_totals + 1).sum()
        - special.gammaln(n + 1)
    )
    log_p_obs = const - special.gammaln(arr + 1).sum()
    threshold = log_p_obs + math.log1p(_RELATIVE_TOLERANCE)
    if arr.shape[1] == 2:
        p = _fisher_two_columns(row_totals, col_totals, const, threshold)
    else:
        p = _fisher_by_rows(row_totals, col_totals, const, threshold)
    return float(min(1.0, p))


#: Refuse tables whose enumeration would take minutes rather than hang.
_MAX_ENUMERATION = 20_000_000


def _half_tables(row_totals: np.ndarray, c1: int) -> tuple[np.ndarray, np.ndarray]:
    """Every filling of column 1 for the given rows of a two-column table.

    Returns (column-1 sums, log weights), the weight of a filling being
    ``-sum log x! - sum log (r - x)!`` over its rows.
    """
    sums = np.zeros(1, dtype=np.int64)
    weights = np.zeros(1)
    for r in row_totals:
        x = np.arange(0, int(r) + 1, dtype=np.int64)
        w = -special.gammaln(x + 1) - special.gammaln(r - x + 1)
        sums = (sums[:, None] + x[None, :]).ravel()
        weights = (weights[:, None] + w[None, :]).ravel()
        ok = sums <= c1
        sums, weights = sums[ok], weights[ok]
    return sums, weights


def _fisher_two_columns(row_totals, col_totals, const: float, threshold: float) -> float:
    """r x 2 tables: meet in the middle.

    The rows are split into two halves; each half's fillings are enumerated with their
    column-1 sum and log weight. A table is a left filling with sum s joined to a right
    filling with sum c1 - s, so for each left filling the right fillings that keep the table
    at or below the threshold form a prefix of the right half sorted by weight.
    """
    c1 = int(col_totals[0])
    sizes = np.log(row_totals.astype(float) + 1)
    left_idx, right_idx, left_size, right_size = [], [], 0.0, 0.0
    for i in np.argsort(-sizes, kind="stable"):
        if left_size <= right_size:
            left_idx.append(i)
            left_size += sizes[i]
        else:
            right_idx.append(i)
            right_size += sizes[i]
    if math.exp(max(left_size, right_size)) > _MAX_ENUMERATION:
        raise ContingencyInputError(
            "table too large for exact enumeration in reasonable time; "
            "collapse sparse categories or use the chi-square test"
        )
    left_sums, left_w = _half_tables(row_totals[left_idx], c1)
    right_sums, right_w = _half_tables(row_totals[right_idx], c1)

    order = np.lexsort((right_w, right_sums))
    right_sums, right_w = right_sums[order], right_w[order]
    bounds = np.searchsorted(right_sums, np.arange(c1 + 2))
    total = 0.0
    for s in np.unique(left_sums):
        lo, hi = bounds[c1 - s], bounds[c1 - s + 1]
        if lo == hi:
            continue
        b = right_w[lo:hi]
        b_max = b[-1]
        cum = np.concatenate([[0.0], np.cumsum(np.exp(b - b_max))])
        a = left_w[left_sums == s]
        # P(table) = exp(const + a + b) <= exp(threshold)  <=>  b <= threshold - const - a
        n_ok = np.searchsorted(b, threshold - const - a, side="right")
        total += float(np.sum(np.exp(const + a + b_max) * cum[n_ok]))
    return total


def _fisher_by_rows(row_totals, col_totals, const: float, threshold: float) -> float:
    """r x c tables with c >= 3: rows enumerated recursively, the last two vectorised."""
    n_rows = len(row_totals)
    estimate = 1.0
    for r in row_totals[: n_rows - 1]:
        estimate *= math.comb(int(r) + len(col_totals) - 1, len(col_totals) - 1)
    if estimate > 50 * _MAX_ENUMERATION:
        raise ContingencyInputError(
            "table too large for exact enumeration in reasonable time; "
            "collapse sparse categories or use the chi-square test"
        )

    def last_two_rows(remaining: np.ndarray, acc: float) -> float:
        fill = _compositions(int(row_totals[n_rows - 2]), remaining)
        if fill.size == 0:
            return 0.0
        last = remaining[None, :] - fill
        ok = np.all(last >= 0, axis=1)
        fill, last = fill[ok], last[ok]
        log_p = (
            const
            - acc
            - special.gammaln(fill + 1).sum(axis=1)
            - special.gammaln(last + 1).sum(axis=1)
        )
        return float(np.exp(log_p[log_p <= threshold]).sum())

    def recurse(i: int, remaining: np.ndarray, acc: float) -> float:
        if i == n_rows - 2:
            return last_two_rows(remaining, acc)
        fills = _compositions(int(row_totals[i]), remaining)
        costs = special.gammaln(fills + 1).sum(axis=1)
        return sum(
            recurse(i + 1, remaining - row, acc + float(cost))
            for row, cost in zip(fills, costs, strict=True)
        )

    return recurse(0, col_totals.astype(np.int64), 0.0)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for a binomial proportion k/n.

    Returns (lower, upper) as proportions in [0, 1]; equals R's ``binom.test(k, n)$conf.int``.
    The limits are scipy's beta quantiles, as R's ``qbeta``; scipy's
    ``binomtest(k, n).proportion_ci(method="exact")`` finds the same limits by root search
    and differs from them (and from R) by up to ~5e-13, so it is not used.
    """
    _check_count(k, n)
    if not 0 < level < 1:
        raise ContingencyInputError(f"level {level}; expected a number between 0 and 1")
    alpha = 1.0 - level
    lower = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def _check_count(k, n) -> None:
    if int(n) != n or n < 1:
        raise ContingencyInputError(f"denominator n={n}; expected a whole number >= 1")
    if int(k) != k or k < 0 or k > n:
        raise ContingencyInputError(f"count k={k} with n={n}; expected a whole number 0 <= k <= n")


def _half_unit(decimals: int) -> float:
    # Half of the last printed digit, plus a little slack for floating-point error in k/n.
    return 0.5 * 10.0 ** (-decimals) + 1e-9


def rounds_to(k: int, n: int, printed: float, decimals: int) -> bool:
    """Does 100 k / n round to the printed percentage at ``decimals`` decimal places?

    Either rounding convention at an exact tie (half-up or half-even) is accepted, because
    papers do not say which they used.
    """
    _check_count(k, n)
    return abs(100.0 * k / n - printed) <= _half_unit(decimals)


def consistent_counts(percent: float, decimals: int, n: int) -> list[int]:
    """Counts k (0..n) for which 100 k / n rounds to ``percent`` at ``decimals`` places."""
    if int(n) != n or n < 1:
        raise ContingencyInputError(f"denominator n={n}; expected a whole number >= 1")
    half = _half_unit(decimals)
    lo = math.ceil((percent - half) * n / 100.0)
    hi = math.floor((percent + half) * n / 100.0)
    return [k for k in range(max(lo, 0), min(hi, n) + 1) if rounds_to(k, n, percent, decimals)]


def consistent_denominators(percent: float, decimals: int, n_max: int, n_min: int = 1) -> list[int]:
    """Denominators n in [n_min, n_max] for which some count k gives the printed percentage."""
    if n_max < n_min:
        raise ContingencyInputError(f"n_max={n_max} < n_min={n_min}; expected n_max >= n_min")
    return [n for n in range(max(1, n_min), n_max + 1) if consistent_counts(percent, decimals, n)]


def _printed_decimal(printed: str) -> Decimal:
    text = str(printed).strip()
    if text.startswith("."):
        text = "0" + text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ContingencyInputError(
            f"printed value {printed!r}; expected a plain decimal number such as '0.002' or '.085'"
        ) from None
    if not number.is_finite():
        raise ContingencyInputError(f"printed value {printed!r}; expected a finite number")
    return number


def rounds_to_printed(value: float, printed: str, *, twice: bool = False) -> bool:
    """Does ``value`` round to the decimal string ``printed`` (as many places as it shows)?

    Either tie convention (half-up or half-even) is accepted. With ``twice=True`` the value
    is first rounded to one place more than printed and then to the printed places, as a
    table produced from an already rounded number would be: 0.00145 rounds to 0.001 directly
    but to 0.0015 and then 0.002 when rounded twice. ``printed`` may omit the leading zero
    ('.085'); a sign such as '<' is not accepted.
    """
    if value is None or not math.isfinite(value):
        raise ContingencyInputError(f"value {value!r}; expected a finite number")
    target = _printed_decimal(printed)
    places = Decimal(1).scaleb(target.as_tuple().exponent)
    finer = places / 10
    exact = Decimal(repr(float(value)))
    for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
        start = exact.quantize(finer, rounding=mode) if twice else exact
        if start.quantize(places, rounding=mode) == target:
            return True
    return False
