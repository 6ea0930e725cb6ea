"""Table 1 ("baseline characteristics by group") with p-values chosen as gtsummary does.

``table_one(cohort, by="arm", variables=[...])`` returns a :class:`TableOne`: a tidy
``frame`` (one row per table row, display strings per group plus the numeric p-value),
long-format ``stats`` and ``tests`` frames for scorecards, and ``to_html()`` for the book.

What it copies from R's gtsummary (``tbl_summary() |> add_p()``), and where it differs:

* **Categorical** variables: ``n (%)``; percentages exclude missing values and missing is
  shown as its own row with a count (gtsummary's ``missing = "ifany"``). Percentages use
  gtsummary's ``style_percent``: whole numbers from 10 %, one decimal below 10 %, ``<0.1``
  below 0.1 %. ``percent_digits=0`` gives journal style (always whole numbers).
* **Continuous** variables: ``median (Q1, Q3)`` with quartiles from ``quantile(type = 2)``
  (gtsummary's choice), or ``median (min–max)`` with ``continuous_stat="range"``.
  Decimals follow gtsummary's guess from the spread (5th–95th percentile): 0 decimals when
  the spread is >= 20, 1 when >= 10, 2 when >= 0.1 ... Integer columns get 0 decimals; so do
  float columns whose values are all whole numbers — pandas cannot keep NaN in an integer
  column, R can, so this is how we keep R's behaviour for an integer variable with missing
  values.
* **Tests** (``test="auto"``): a categorical variable gets Pearson's chi-square *without*
  continuity correction (R ``chisq.test(correct = FALSE)``) when every expected count is
  >= 5, otherwise Fisher's exact test for the full r x c table (R ``fisher.test``, exact
  enumeration); missing values are left out of both. A continuous variable gets the
  Wilcoxon rank-sum test with two groups and Kruskal–Wallis with more. The Wilcoxon test
  uses R's ``wilcox.test`` defaults, which gtsummary passes through: an exact p-value when
  both groups have fewer than 50 values and there are no ties, otherwise the normal
  approximation with continuity correction and the tie-corrected variance.
* **Override**: ``test="fisher" | "chisq" | "chisq_yates"`` applies one test to every
  categorical variable (published tables often use one test throughout), and a dict
  ``{"variable": "fisher", ...}`` overrides single variables; continuous variables accept
  ``"wilcoxon"`` or ``"kruskal"``. ``"none"`` leaves the p-value out.
* ``missing="level"`` treats missing as an ordinary category (percentages of all patients,
  included in the test) — some papers print tables that way; ``missing="omit"`` hides it.

Proportions with exact (Clopper–Pearson) intervals: :func:`proportion_ci` and
:func:`format_proportion`. p-values formatted as gtsummary does: :func:`format_p`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from inoreport.formatting import interval, number, p_value, percent, round_half_up
from inoreport.stats import contingency

__all__ = [
    "TEST_NAMES",
    "TableOne",
    "TableOneInputError",
    "TestResult",
    "categorical_test",
    "continuous_test",
    "format_number",
    "format_p",
    "format_percent",
    "format_proportion",
    "proportion_ci",
    "table_one",
    "wilcoxon_rank_sum",
]

#: Human-readable test names (used in the table footnote).
TEST_NAMES = {
    "chisq": "Pearson's chi-squared test",
    "chisq_yates": "Pearson's chi-squared test with Yates' continuity correction",
    "fisher": "Fisher's exact test",
    "wilcoxon": "Wilcoxon rank-sum test",
    "kruskal": "Kruskal–Wallis rank-sum test",
}
_CATEGORICAL_TESTS = ("chisq", "chisq_yates", "fisher")
_CONTINUOUS_TESTS = ("wilcoxon", "kruskal")
_TEST_CHOICES = ("auto", "none", *_CATEGORICAL_TESTS, *_CONTINUOUS_TESTS)
_DICHOTOMOUS_SHOWN = ("yes", "true", "1", "y", "present", "positive")


class TableOneInputError(ValueError):
    """A column, level or option passed to :func:`table_one` that cannot be used."""


@dataclass(frozen=True)
class TestResult:
    """One hypothesis test: ``test`` is a key of :data:`TEST_NAMES`; ``df`` NaN when none."""

    test: str
    statistic: float
    df: float
    p: float

    @property
    def name(self) -> str:
        return TEST_NAMES.get(self.test, self.test)


# --------------------------------------------------------------------------- formatting


# The printing conventions live in inoreport.formatting; these are their names here.
_round_half_away = round_half_up
format_number = number
format_percent = percent
format_p = p_value


def proportion_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) confidence interval for k/n, as proportions in [0, 1].

    Delegates to :func:`inoreport.stats.contingency.clopper_pearson`; equals R's
    ``binom.test(k, n)$conf.int``.
    """
    return contingency.clopper_pearson(k, n, level=level)


def format_proportion(k: int, n: int, level: float = 0.95, digits: int = 0) -> str:
    """``"k/n (p%; 95% CI lo–hi%)"`` with an exact binomial interval."""
    lo, hi = proportion_ci(k, n, level)
    return (
        f"{k}/{n} ({number(100.0 * k / n, digits)}%; {number(100 * level, 0)}% CI "
        f"{interval(100 * lo, 100 * hi, digits)}%)"
    )


# --------------------------------------------------------------------------- tests


def wilcoxon_rank_sum(
    x: Sequence[float], y: Sequence[float], exact: bool | None = None
) -> TestResult:
    """Two-sided Wilcoxon rank-sum (Mann–Whitney) test with R ``wilcox.test`` semantics.

    ``exact=None`` is R's default: exact when both samples have fewer than 50 values and
    there are no ties; otherwise the normal approximation with continuity correction and
    tie-corrected variance. The statistic is R's W (rank sum of ``x`` minus n_x(n_x+1)/2).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        return TestResult("wilcoxon", math.nan, math.nan, math.nan)
    pooled = np.concatenate([x, y])
    ranks = stats.rankdata(pooled)
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    has_ties = len(np.unique(pooled)) < len(pooled)
    if exact is None:
        exact = nx < 50 and ny < 50 and not has_ties
    if exact and not has_ties:
        dist = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
        return TestResult("wilcoxon", w, math.nan, float(min(1.0, dist.pvalue)))
    z = w - nx * ny / 2
    _, tie_counts = np.unique(pooled, return_counts=True)
    n = nx + ny
    sigma = math.sqrt(
        (nx * ny / 12) * ((n + 1) - float(np.sum(tie_counts**3 - tie_counts)) / (n * (n - 1)))
    )
    if sigma == 0:
        return TestResult("wilcoxon", w, math.nan, math.nan)
    z = (z - math.copysign(0.5, z) if z != 0 else 0.0) / sigma
    p = 2 * min(stats.norm.cdf(z), stats.norm.sf(z))
    return TestResult("wilcoxon", w, math.nan, float(min(1.0, p)))


def continuous_test(samples: Sequence[Sequence[float]], test: str = "auto") -> TestResult:
    """Compare a continuous variable across groups (one sample per group, NaN ignored).

    ``"auto"``: Wilcoxon rank-sum for two groups, Kruskal–Wallis for more (gtsummary).
    Groups with no values are dropped; fewer than two groups left gives p = NaN.
    """
    clean = [np.asarray(s, dtype=float) for s in samples]
    clean = [s[~np.isnan(s)] for s in clean]
    if test == "auto":
        test = "wilcoxon" if len(clean) == 2 else "kruskal"
    if test not in _CONTINUOUS_TESTS:
        raise TableOneInputError(
            f"test {test!r} for a continuous variable; expected one of {_CONTINUOUS_TESTS}"
        )
    nonempty = [s for s in clean if len(s)]
    if len(nonempty) < 2:
        return TestResult(test, math.nan, math.nan, math.nan)
    if test == "wilcoxon":
        if len(clean) != 2:
            raise TableOneInputError(
                f"the Wilcoxon rank-sum test compares 2 groups, got {len(clean)}; use 'kruskal'"
            )
        return wilcoxon_rank_sum(clean[0], clean[1])
    pooled = np.concatenate(nonempty)
    if len(np.unique(pooled)) < 2:
        return TestResult(test, math.nan, len(nonempty) - 1, math.nan)
    res = stats.kruskal(*nonempty)
    return TestResult("kruskal", float(res.statistic), len(nonempty) - 1, float(res.pvalue))


def categorical_test(counts, test: str = "auto") -> TestResult:
    """Test association in a table of counts (rows = levels, columns = groups, or transposed).

    ``"auto"`` is gtsummary's rule: Pearson chi-square without continuity correction when
    every expected count is >= 5, otherwise Fisher's exact test (any r x c, exact). A table
    with fewer than two non-empty rows or columns has no test: p = NaN (or 1 for Fisher,
    as R's ``fisher.test``).
    """
    table = np.asarray(counts, dtype=float)
    if test == "auto":
        try:
            min_expected = float(contingency.expected_counts(table).min())
        except contingency.ContingencyInputError:
            return TestResult("chisq", math.nan, math.nan, math.nan)
        test = "chisq" if min_expected >= 5 else "fisher"
    if test not in _CATEGORICAL_TESTS:
        raise TableOneInputError(
            f"test {test!r} for a categorical variable; expected one of {_CATEGORICAL_TESTS}"
        )
    if test == "fisher":
        if table.sum() == 0:
            return TestResult("fisher", math.nan, math.nan, math.nan)
        return TestResult("fisher", math.nan, math.nan, contingency.fisher_exact(table))
    try:
        res = contingency.pearson_chi2(table, correction=(test == "chisq_yates"))
    except contingency.ContingencyInputError:
        return TestResult(test, math.nan, math.nan, math.nan)
    return TestResult(test, res.statistic, res.df, res.p)


# --------------------------------------------------------------------------- Table 1


@dataclass
class TableOne:
    """A Table 1. ``frame``: one row per displayed row; ``stats``/``tests``: long format.

    ``frame`` columns: ``variable``, ``row_type`` ("label" | "level" | "missing"),
    ``Characteristic``, then one column per shown group, named by its *position* ``0, 1, …``
    (display strings; its header is ``groups[i]``, "Overall" first when asked), then
    ``p-value`` (display string), ``p`` (float) and ``test`` (key of :data:`TEST_NAMES`).
    Group labels are data, never column names, so a group may be called "p-value",
    "Characteristic" or "Overall" without clashing with the table's own columns;
    :meth:`column` gives a group's cells by its label. ``group_n`` is {label: patients}
    (``group_sizes`` the same in the order of ``groups``).
    ``stats`` columns: variable, level, group, n, denominator, percent (categorical rows) or
    variable, group, n, missing, median, q1, q3, min, max (continuous rows).
    """

    frame: pd.DataFrame
    stats: pd.DataFrame
    tests: pd.DataFrame
    groups: list[str]
    group_n: dict[str, int]
    caption: str | None = None
    synthetic: bool = False
    footnotes: list[str] = field(default_factory=list)
    n_dropped_by: int = 0
    group_sizes: list[int] = field(default_factory=list)

    def column(self, group: str) -> pd.Series:
        """The display cells of the group labelled ``group`` (the first such column)."""
        return self.frame[self.groups.index(group)]

    def to_html(self, caption: str | None = None, synthetic: bool | None = None) -> str:
        """Clean, self-contained HTML (booktabs look, inherits the page's fonts and colours).

        ``caption`` overrides the table's caption; ``synthetic=True`` puts a "Synthetic
        cohort" badge in the caption.
        """
        caption = self.caption if caption is None else caption
        synthetic = self.synthetic if synthetic is None else synthetic
        return _render_html(self, caption, synthetic)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        shown = self.frame.drop(columns=["variable", "row_type", "p", "test"])
        headers = ["Characteristic", *self.groups]
        if "p-value" in shown.columns:
            headers.append("p-value")
        return shown.set_axis(headers, axis=1).to_string(index=False)


def _is_whole(values: np.ndarray) -> bool:
    return bool(len(values)) and bool(np.all(np.isfinite(values) & (values == np.round(values))))


def _continuous_digits(series: pd.Series) -> int:
    """gtsummary's digit guess (see module docstring)."""
    values = series.dropna().to_numpy(dtype=float)
    if len(values) == 0 or pd.api.types.is_integer_dtype(series) or _is_whole(values):
        return 0
    spread = float(np.quantile(values, 0.95) - np.quantile(values, 0.05))
    if spread < 0.01:
        return 4
    if spread < 0.1:
        return 3
    if spread < 10:
        return 2
    if spread < 20:
        return 1
    return 0


def _levels(series: pd.Series, order: Sequence | None) -> list:
    if order is not None:
        return list(order)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return list(series.cat.categories)
    values = series.dropna().unique().tolist()
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _guess_kind(series: pd.Series) -> str:
    values = series.dropna()
    if pd.api.types.is_bool_dtype(series) or (
        len(values) and set(map(str, values.unique())) <= {"True", "False"}
    ):
        return "dichotomous"
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series):
        uniq = set(values.unique().tolist())
        if uniq and uniq <= {0, 1}:
            return "dichotomous"
        return "continuous" if len(uniq) >= 10 else "categorical"
    uniq = {str(v).strip().lower() for v in values.unique()}
    if len(uniq) == 2 and uniq & set(_DICHOTOMOUS_SHOWN):
        return "dichotomous"
    return "categorical"


def _plain(value):
    """numpy scalars as Python values, so messages read ``row 7`` not ``np.int64(7)``."""
    return value.item() if hasattr(value, "item") else value


def _level_text(level) -> str:
    """A category as printed: whole-number floats (50.0, from a column with NaN) as 50."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _shown_level(levels: list):
    """The level a dichotomous variable shows (Yes / True / 1)."""
    for lev in levels:
        if str(lev).strip().lower() in _DICHOTOMOUS_SHOWN:
            return lev
    for lev in levels:
        if lev is True:
            return lev
    return levels[-1]


def _check_column(data: pd.DataFrame, column: str, role: str) -> None:
    if column not in data.columns:
        raise TableOneInputError(
            f"table_one: {role} column {column!r} not found; available columns: "
            + ", ".join(map(str, data.columns))
        )


def table_one(
    data: pd.DataFrame,
    by: str | None,
    variables: Sequence[str],
    labels: Mapping[str, str] | None = None,
    continuous: Sequence[str] | None = None,
    test: str | Mapping[str, str] = "auto",
    missing: str = "row",
    *,
    categorical: Sequence[str] | None = None,
    dichotomous: Mapping[str, object] | None = None,
    levels: Mapping[str, Sequence] | None = None,
    by_order: Sequence | None = None,
    continuous_stat: str | Mapping[str, str] = "iqr",
    digits: Mapping[str, int] | None = None,
    percent_digits: int | None = None,
    p_digits: int = 1,
    overall: bool = False,
    missing_text: str = "Missing",
    caption: str | None = None,
    synthetic: bool = False,
) -> TableOne:
    """Summarise ``variables`` by the groups in column ``by`` (None: one "Overall" column).

    Variable kinds are guessed as gtsummary does (numbers with >= 10 distinct values are
    continuous; 0/1, True/False and Yes/No are dichotomous, shown on one row; everything
    else categorical) unless named in ``continuous``, ``categorical`` or ``dichotomous``
    (a dict ``{variable: level to show}``). ``levels`` fixes the order of categories,
    ``by_order`` the order of the groups. ``continuous_stat`` is "iqr" (median (Q1, Q3)) or
    "range" (median (min–max)), for the whole table or per variable. ``test`` and
    ``missing``: see the module docstring. Rows with a missing ``by`` value are dropped
    and counted in ``n_dropped_by`` (and in a footnote).
    """
    if not isinstance(data, pd.DataFrame):
        raise TableOneInputError(
            f"table_one: data is a {type(data).__name__}; expected a DataFrame"
        )
    if missing not in ("row", "level", "omit"):
        raise TableOneInputError(
            f"table_one: missing={missing!r}; expected 'row', 'level' or 'omit'"
        )
    labels = dict(labels or {})
    continuous_set = set(continuous or ())
    categorical_set = set(categorical or ())
    dichotomous = dict(dichotomous or {})
    levels = dict(levels or {})
    digits = dict(digits or {})
    variables = list(variables)
    for var in variables:
        _check_column(data, var, "variable")
    for name, group in (("continuous", continuous_set), ("categorical", categorical_set)):
        for var in group:
            if var not in variables:
                raise TableOneInputError(
                    f"table_one: {name}=[{var!r}] is not one of the variables {variables}"
                )
    tests_for = _resolve_tests(test, variables)
    stat_for = _resolve_stat(continuous_stat, variables)

    n_dropped = 0
    if by is None:
        frame_data = data.assign(_overall_="Overall")
        by_col, group_names = "_overall_", ["Overall"]
        overall = False
    else:
        _check_column(data, by, "group (by)")
        n_dropped = int(data[by].isna().sum())
        frame_data = data[data[by].notna()]
        by_col = by
        group_values = _levels(frame_data[by], by_order)
        present = set(frame_data[by].unique().tolist())
        for g in present:
            if g not in group_values:
                raise TableOneInputError(
                    f"table_one: column {by!r} has group {g!r} that is not in by_order {group_values}"
                )
        group_names = group_values
    # Columns are positions (0, 1, ...): labels are data and may equal any name.
    group_masks = [(frame_data[by_col] == g).to_numpy() for g in group_names]
    headers = [str(g) for g in group_names]
    if overall:
        group_masks = [np.ones(len(frame_data), dtype=bool), *group_masks]
        headers = ["Overall", *headers]
    columns = list(range(len(headers)))
    group_labels = columns[1:] if overall else list(columns)  # the compared groups
    masks = dict(enumerate(group_masks))
    group_sizes = [int(m.sum()) for m in group_masks]
    group_n = dict(zip(headers, group_sizes, strict=True))

    rows: list[dict] = []
    stat_rows: list[dict] = []
    layout = _Layout(masks, columns, group_labels, missing, missing_text, stat_rows)
    test_rows: list[dict] = []
    used_stats: list[str] = []
    for var in variables:
        series = frame_data[var]
        label = labels.get(var, var)
        if var in continuous_set:
            kind = "continuous"
        elif var in dichotomous:
            kind = "dichotomous"
        elif var in categorical_set:
            kind = "categorical"
        else:
            kind = _guess_kind(series)
        if kind == "continuous" and not pd.api.types.is_numeric_dtype(series):
            bad = series[pd.to_numeric(series, errors="coerce").isna() & series.notna()]
            raise TableOneInputError(
                f"table_one: column {var!r}, row {_plain(bad.index[0])!r}: value {bad.iloc[0]!r}; "
                "expected a number for a continuous variable"
            )
        if kind == "continuous":
            result = _continuous_rows(
                var, label, series, layout, stat_for[var], digits.get(var), tests_for[var]
            )
            used_stats.append("median (IQR)" if stat_for[var] == "iqr" else "median (range)")
        else:
            result = _categorical_rows(
                var,
                label,
                series,
                layout,
                kind,
                dichotomous.get(var),
                levels.get(var),
                tests_for[var],
                percent_digits,
            )
            used_stats.append("n (%)")
        var_rows, test_result = result
        if test_result is not None:
            test_rows.append(
                {
                    "variable": var,
                    "test": test_result.test,
                    "statistic": test_result.statistic,
                    "df": test_result.df,
                    "p": test_result.p,
                }
            )
            var_rows[0]["p"] = test_result.p
            var_rows[0]["test"] = test_result.test
        rows.extend(var_rows)

    for stat in stat_rows:  # positions back to the groups' labels (data, not keys)
        stat["group"] = headers[stat["group"]]
    frame = pd.DataFrame(rows)
    for col in ("p", "test"):
        if col not in frame:
            frame[col] = np.nan if col == "p" else None
    frame["p-value"] = [format_p(p, p_digits) if pd.notna(p) else "" for p in frame["p"]]
    frame = frame[["variable", "row_type", "Characteristic", *columns, "p-value", "p", "test"]]
    if len(group_labels) < 2:
        frame = frame.drop(columns=["p-value"])
    footnotes = _footnotes(used_stats, missing, percent_digits, n_dropped, by)
    return TableOne(
        frame=frame.reset_index(drop=True),
        stats=pd.DataFrame(stat_rows),
        tests=pd.DataFrame(test_rows, columns=["variable", "test", "statistic", "df", "p"]),
        groups=headers,
        group_n=group_n,
        group_sizes=group_sizes,
        caption=caption,
        synthetic=synthetic,
        footnotes=footnotes,
        n_dropped_by=n_dropped,
    )


def _resolve_tests(test, variables) -> dict[str, str]:
    if isinstance(test, str):
        default, per_var = test, {}
    elif isinstance(test, Mapping):
        default, per_var = "auto", dict(test)
    else:
        raise TableOneInputError(f"table_one: test={test!r}; expected a test name or a dict")
    for name in [default, *per_var.values()]:
        if name not in _TEST_CHOICES:
            raise TableOneInputError(f"table_one: test {name!r}; expected one of {_TEST_CHOICES}")
    for var in per_var:
        if var not in variables:
            raise TableOneInputError(
                f"table_one: test given for {var!r}, which is not one of the variables {variables}"
            )
    return {v: per_var.get(v, default) for v in variables}


def _resolve_stat(continuous_stat, variables) -> dict[str, str]:
    if isinstance(continuous_stat, str):
        chosen = dict.fromkeys(variables, continuous_stat)
    else:
        chosen = {v: continuous_stat.get(v, "iqr") for v in variables}
    for var, value in chosen.items():
        if value not in ("iqr", "range"):
            raise TableOneInputError(
                f"table_one: continuous_stat {value!r} for {var!r}; expected 'iqr' or 'range'"
            )
    return chosen


def _quantile_type2(values: np.ndarray, q: float) -> float:
    """R's ``quantile(type = 2)`` (averaged inverse CDF), as gtsummary uses."""
    return float(np.quantile(values, q, method="averaged_inverted_cdf"))


def _range_text(lo: str, hi: str) -> str:
    # An en dash reads badly after a minus sign ("-5–10"); say "to" then.
    return f"{lo} to {hi}" if lo.startswith("-") or hi.startswith("-") else f"{lo}–{hi}"


@dataclass(frozen=True)
class _Layout:
    """What every variable's rows of :func:`table_one` share: each column's row mask, the
    columns (positions), the compared groups among them, the handling and label of missing
    values, and the list the per-group statistics are appended to."""

    masks: dict[int, np.ndarray]
    columns: list[int]
    group_labels: list[int]
    missing: str
    missing_text: str
    stat_rows: list[dict]


def _continuous_rows(var, label, series, layout: _Layout, stat, digits, test):
    masks, columns, group_labels = layout.masks, layout.columns, layout.group_labels
    missing, missing_text, stat_rows = layout.missing, layout.missing_text, layout.stat_rows
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    d = _continuous_digits(series) if digits is None else digits
    suffix = "median (IQR)" if stat == "iqr" else "median (range)"
    head = {"variable": var, "row_type": "label", "Characteristic": f"{label}, {suffix}"}
    miss = {"variable": var, "row_type": "missing", "Characteristic": missing_text}
    any_missing = False
    for col in columns:
        x = values[masks[col]]
        nonmissing = x[~np.isnan(x)]
        n_missing = int(np.isnan(x).sum())
        any_missing |= n_missing > 0
        if len(nonmissing):
            med = float(np.median(nonmissing))
            q1, q3 = _quantile_type2(nonmissing, 0.25), _quantile_type2(nonmissing, 0.75)
            lo, hi = float(nonmissing.min()), float(nonmissing.max())
            if stat == "iqr":
                text = f"{format_number(med, d)} ({format_number(q1, d)}, {format_number(q3, d)})"
            else:
                text = f"{format_number(med, d)} ({_range_text(format_number(lo, d), format_number(hi, d))})"
        else:
            med = q1 = q3 = lo = hi = math.nan
            text = "NA"
        head[col] = text
        if missing == "level":
            denom = len(x)
            miss[col] = f"{n_missing} ({format_percent(n_missing / denom) if denom else 'NA'})"
        else:
            miss[col] = str(n_missing)
        stat_rows.append(
            {
                "variable": var,
                "level": None,
                "group": col,
                "n": len(nonmissing),
                "missing": n_missing,
                "median": med,
                "q1": q1,
                "q3": q3,
                "min": lo,
                "max": hi,
            }
        )
    out = [head]
    if any_missing and missing != "omit":
        out.append(miss)
    result = None
    if test != "none" and len(group_labels) >= 2:
        name = test if test in _CONTINUOUS_TESTS else "auto"
        if test in _CATEGORICAL_TESTS:
            raise TableOneInputError(
                f"table_one: test {test!r} given for continuous variable {var!r}; "
                "expected 'wilcoxon', 'kruskal' or 'auto'"
            )
        result = continuous_test([values[masks[g]] for g in group_labels], name)
    return out, result


def _categorical_rows(
    var, label, series, layout: _Layout, kind, shown, order, test, percent_digits
):
    masks, columns, group_labels = layout.masks, layout.columns, layout.group_labels
    missing, missing_text, stat_rows = layout.missing, layout.missing_text, layout.stat_rows
    level_list = _levels(series, order)
    present = set(series.dropna().unique().tolist())
    unknown = [v for v in present if v not in level_list]
    if unknown:
        raise TableOneInputError(
            f"table_one: column {var!r} has value {unknown[0]!r} not in levels {level_list}"
        )
    is_missing = series.isna().to_numpy()
    if kind == "dichotomous":
        if shown is None:
            shown = _shown_level(level_list)
        elif shown not in level_list:
            raise TableOneInputError(
                f"table_one: dichotomous level {shown!r} for {var!r} is not among its values "
                f"{level_list}"
            )
    # counts[level][column]
    codes = series.to_numpy()
    counts = {
        lev: {col: int(((codes == lev) & ~is_missing & masks[col]).sum()) for col in columns}
        for lev in level_list
    }
    n_missing = {col: int((is_missing & masks[col]).sum()) for col in columns}
    any_missing = any(n_missing.values())
    include_missing_level = missing == "level" and any_missing

    def denominator(col):
        total = int(masks[col].sum())
        return total if missing == "level" else total - n_missing[col]

    def cell(k, col):
        den = denominator(col)
        pct = format_percent(k / den, percent_digits) if den else "NA"
        return f"{k} ({pct}%)" if percent_digits is None else f"{k} ({pct})"

    out: list[dict] = []
    if kind == "dichotomous":
        text_label = label
        if str(shown).strip().lower() not in _DICHOTOMOUS_SHOWN:
            text_label = f"{label}, {shown}"
        row = {"variable": var, "row_type": "label", "Characteristic": text_label}
        for col in columns:
            row[col] = cell(counts[shown][col], col)
        out.append(row)
    else:
        out.append(
            {
                "variable": var,
                "row_type": "label",
                "Characteristic": label,
                **dict.fromkeys(columns, ""),
            }
        )
        for lev in level_list:
            row = {"variable": var, "row_type": "level", "Characteristic": _level_text(lev)}
            for col in columns:
                row[col] = cell(counts[lev][col], col)
            out.append(row)
    if any_missing and missing != "omit":
        row = {"variable": var, "row_type": "missing", "Characteristic": missing_text}
        for col in columns:
            row[col] = cell(n_missing[col], col) if missing == "level" else str(n_missing[col])
        out.append(row)
    for lev in level_list:
        for col in columns:
            den = denominator(col)
            stat_rows.append(
                {
                    "variable": var,
                    "level": lev,
                    "group": col,
                    "n": counts[lev][col],
                    "denominator": den,
                    "percent": 100 * counts[lev][col] / den if den else math.nan,
                }
            )
    if any_missing:
        for col in columns:
            stat_rows.append(
                {
                    "variable": var,
                    "level": missing_text,
                    "group": col,
                    "n": n_missing[col],
                    "denominator": int(masks[col].sum()) if missing == "level" else math.nan,
                    "percent": 100 * n_missing[col] / masks[col].sum()
                    if missing == "level" and masks[col].sum()
                    else math.nan,
                }
            )
    result = None
    if test != "none" and len(group_labels) >= 2:
        if test in _CONTINUOUS_TESTS:
            raise TableOneInputError(
                f"table_one: test {test!r} given for categorical variable {var!r}; "
                f"expected one of {('auto', *_CATEGORICAL_TESTS)}"
            )
        table = [[counts[lev][g] for g in group_labels] for lev in level_list]
        if include_missing_level:
            table.append([n_missing[g] for g in group_labels])
        result = categorical_test(np.array(table), test)
    return out, result


def _footnotes(used_stats, missing, percent_digits, n_dropped, by) -> list[str]:
    notes = []
    order = [s for s in ("n (%)", "median (IQR)", "median (range)") if s in used_stats]
    if order:
        notes.append("; ".join(order) + ".")
    if "n (%)" in used_stats:
        if missing == "row":
            notes.append(
                "Percentages are of patients with a known value; missing values are counted."
            )
        elif missing == "level":
            notes.append("Percentages are of all patients in the group, missing included.")
    if "median (IQR)" in used_stats:
        notes.append("IQR: first and third quartiles.")
    if n_dropped:
        notes.append(f"{n_dropped} patient(s) with no value for {by!r} are not shown.")
    return notes


# --------------------------------------------------------------------------- HTML

_CSS = """
.ino-t1 {overflow-x: auto; margin: 0.5em 0 1.2em 0;}
.ino-t1 table {border-collapse: collapse; width: auto; min-width: 60%; font-size: 0.92em;
  font-variant-numeric: tabular-nums; border-top: 2px solid currentColor;
  border-bottom: 2px solid currentColor; color: inherit; background: transparent;}
.ino-t1 caption {caption-side: top; text-align: left; font-weight: 600; padding: 0 0 0.45em 0;
  color: inherit;}
.ino-t1 th, .ino-t1 td {padding: 0.28em 0.9em; border: none; background: transparent;
  vertical-align: top; text-align: center; white-space: nowrap;}
.ino-t1 thead th {border-bottom: 1px solid currentColor; font-weight: 600;}
.ino-t1 th:first-child, .ino-t1 td:first-child {text-align: left; white-space: normal;}
.ino-t1 .ino-n {font-weight: 400; opacity: 0.75;}
.ino-t1 tr.ino-label td:first-child {font-weight: 600;}
.ino-t1 tr.ino-level td:first-child, .ino-t1 tr.ino-missing td:first-child {padding-left: 1.9em;}
.ino-t1 tr.ino-missing td {font-style: italic; opacity: 0.85;}
.ino-t1 tbody tr.ino-first td {padding-top: 0.55em;}
.ino-t1 tfoot td {font-size: 0.85em; text-align: left; white-space: normal; padding-top: 0.5em;
  border-top: 1px solid currentColor; opacity: 0.85; font-weight: 400;}
.ino-t1 .ino-badge {display: inline-block; font-size: 0.78em; font-weight: 700;
  letter-spacing: 0.04em; text-transform: uppercase; color: #8a4b00; background: #fff1d6;
  border: 1px solid #e0a040; border-radius: 3px; padding: 0 0.4em; margin-right: 0.5em;}
.ino-t1 sup {font-size: 0.7em;}
"""

_LETTERS = "abcdefghij"


def _render_html(t: TableOne, caption: str | None, synthetic: bool) -> str:
    esc = html.escape
    frame = t.frame
    has_p = "p-value" in frame.columns
    used_tests = [x for x in dict.fromkeys(frame["test"].dropna().tolist()) if x]
    letter = {name: _LETTERS[i] for i, name in enumerate(used_tests)}
    parts = ['<div class="ino-t1">', f"<style>{_CSS}</style>", "<table>"]
    if caption or synthetic:
        badge = '<span class="ino-badge">Synthetic cohort</span>' if synthetic else ""
        parts.append(f"<caption>{badge}{esc(caption or '')}</caption>")
    parts.append('<thead><tr><th scope="col">Characteristic</th>')
    sizes = t.group_sizes or [t.group_n[g] for g in t.groups]
    for header, size in zip(t.groups, sizes, strict=True):
        parts.append(f'<th scope="col">{esc(header)}<br><span class="ino-n">N = {size}</span></th>')
    if has_p:
        parts.append('<th scope="col">p-value</th>')
    parts.append("</tr></thead><tbody>")
    for _, row in frame.iterrows():
        classes = [f"ino-{row['row_type']}"]
        if row["row_type"] == "label":
            classes.append("ino-first")
        cells = [f"<td>{esc(str(row['Characteristic']))}</td>"]
        cells += [f"<td>{esc(str(row[col]))}</td>" for col in range(len(t.groups))]
        if has_p:
            p_text = esc(row["p-value"])
            if p_text and row["test"] in letter:
                p_text += f"<sup>{letter[row['test']]}</sup>"
            cells.append(f"<td>{p_text}</td>")
        parts.append(f'<tr class="{" ".join(classes)}">{"".join(cells)}</tr>')
    parts.append("</tbody>")
    notes = list(t.footnotes)
    if used_tests:
        notes.append(
            " ".join(f"<sup>{letter[name]}</sup>{esc(TEST_NAMES[name])}." for name in used_tests)
        )
    if notes:
        ncols = 1 + len(t.groups) + (1 if has_p else 0)
        body = "<br>".join(n if n.startswith("<sup>") else esc(n) for n in notes)
        parts.append(f'<tfoot><tr><td colspan="{ncols}">{body}</td></tr></tfoot>')
    parts.append("</table></div>")
    return "".join(parts)
