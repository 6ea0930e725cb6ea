"""Input checks, R's tied-time rule and confidence intervals shared by the survival modules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

CONF_TYPES = ("log", "log-log", "plain")
#: R's default tolerance for "equal" times and for the median search: sqrt(.Machine$double.eps)
R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


class SurvivalInputError(ValueError):
    """Data a survival function cannot use; the message says what to change."""


# ------------------------------------------------------------------------------------------
# Column checks
# ------------------------------------------------------------------------------------------
def as_frame(data, who: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        try:
            frame = pd.DataFrame(data)
        except (TypeError, ValueError) as exc:
            raise SurvivalInputError(
                f"{who}: data must be a table (pandas DataFrame or dict of columns); got "
                f"{type(data).__name__}"
            ) from exc
    if len(frame) == 0:
        raise SurvivalInputError(f"{who}: data has no rows; pass a table with one row per patient")
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], who: str) -> None:
    for col in columns:
        if col not in frame.columns:
            shown = ", ".join(repr(c) for c in list(frame.columns)[:20])
            raise SurvivalInputError(
                f"{who}: column {col!r} not found in data; available columns: {shown}"
            )


def show(value) -> str:
    """A value as the user typed it: 2, 1.5, 'x' (not np.float64(1.5))."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _where(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """'row <label>' of the first True in mask, plus how many more."""
    pos = np.flatnonzero(mask)
    first = show(frame.index[pos[0]])
    more = f" (and {len(pos) - 1} more rows)" if len(pos) > 1 else ""
    return f"row {first}{more}"


def bad_value_error(
    frame: pd.DataFrame, bad: np.ndarray, values, who: str, what: str, expected: str, more=True
) -> SurvivalInputError:
    """The error for the first True of ``bad``: "<who>: <what>, row <label>: value <value>;
    <expected>" (``values``: the column or array read; with ``more`` the row also says how
    many more rows fail)."""
    pos = np.flatnonzero(bad)[0]
    where = _where(frame, bad) if more else f"row {show(frame.index[pos])}"
    value = values.iloc[pos] if isinstance(values, pd.Series) else values[pos]
    return SurvivalInputError(f"{who}: {what}, {where}: value {show(value)}; {expected}")


def check_time(frame: pd.DataFrame, col: str, who: str) -> np.ndarray:
    """Follow-up times as float64: numeric, present, finite, >= 0."""
    raw = frame[col]
    if raw.dtype == bool or pd.api.types.is_bool_dtype(raw):
        raise SurvivalInputError(
            f"{who}: column {col!r} holds True/False; expected follow-up times (numbers >= 0)"
        )
    values = pd.to_numeric(raw, errors="coerce")
    bad_text = values.isna().to_numpy() & raw.notna().to_numpy()
    if bad_text.any():
        raise bad_value_error(
            frame,
            bad_text,
            raw,
            who,
            f"column {col!r}",
            "expected a follow-up time (a number >= 0)",
        )
    t = values.to_numpy(dtype=float)
    missing = np.isnan(t)
    if missing.any():
        raise SurvivalInputError(
            f"{who}: column {col!r}, {_where(frame, missing)}: missing follow-up time; every "
            "patient needs a time (fill it in, or drop the row before the analysis)"
        )
    infinite = ~np.isfinite(t)
    if infinite.any():
        raise SurvivalInputError(
            f"{who}: column {col!r}, {_where(frame, infinite)}: infinite follow-up time; "
            "expected a finite number >= 0"
        )
    negative = t < 0
    if negative.any():
        pos = np.flatnonzero(negative)[0]
        raise SurvivalInputError(
            f"{who}: column {col!r}, {_where(frame, negative)}: value {show(t[pos])}; follow-up "
            "times must be >= 0 (check the start and end dates)"
        )
    return t


# what a missing code says, what an invalid one says, and which codes are valid
_CODE_RULES = {
    "event": (
        "missing event indicator; expected 0 (censored) or 1 (event)",
        "expected 0 (censored) or 1 (event), or True/False",
        lambda v: np.isin(v, (0.0, 1.0)),
    ),
    "status": (
        "missing status; expected 0 (censored) or 1, 2, ... (the cause of the event)",
        "expected 0 (censored) or a whole number 1, 2, ... naming the cause of the event",
        lambda v: np.isfinite(v) & (v >= 0) & (v == np.round(v)),
    ),
}


def _checked_codes(frame: pd.DataFrame, col: str, who: str, missing: str, invalid: str, valid):
    """``frame[col]`` and, unless it is boolean, its values as floats; a missing value fails
    saying ``missing``, a value for which ``valid`` (on the floats) is False saying ``invalid``."""
    raw = frame[col]
    gaps = raw.isna().to_numpy()
    if gaps.any():
        raise SurvivalInputError(f"{who}: column {col!r}, {_where(frame, gaps)}: {missing}")
    if pd.api.types.is_bool_dtype(raw):
        return raw, None
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~valid(values)
    if bad.any():
        raise bad_value_error(frame, bad, raw, who, f"column {col!r}", invalid)
    return raw, values


def check_event(frame: pd.DataFrame, col: str, who: str) -> np.ndarray:
    """Event indicator as bool: accepts 0/1 (any numeric dtype) or True/False."""
    raw, values = _checked_codes(frame, col, who, *_CODE_RULES["event"])
    return raw.to_numpy(dtype=bool) if values is None else values == 1.0


def check_status(frame: pd.DataFrame, col: str, who: str) -> np.ndarray:
    """Competing-risk status as int: 0 = censored, 1, 2, ... = cause of the event."""
    raw, values = _checked_codes(frame, col, who, *_CODE_RULES["status"])
    return raw.to_numpy(dtype=int) if values is None else values.astype(int)


# ------------------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------------------
def label(value) -> str:
    """How a group value is printed: 1.0 -> '1' (as R prints a numeric factor), 'a' -> 'a'."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer():
            return str(int(v))
        return repr(v)
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def natural_levels(series: pd.Series) -> list:
    """Distinct non-missing values in R's factor order: category order, else sorted."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    values = series.dropna().unique()
    try:
        return sorted(values)
    except TypeError:  # mixed types: sort by printed label
        return sorted(values, key=label)


def group_codes(
    series: pd.Series, order: Sequence | None, who: str, column: str
) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and labels, in ``order`` or natural order."""
    levels = natural_levels(series)
    labels = [label(v) for v in levels]
    if len(set(labels)) != len(labels):
        raise SurvivalInputError(
            f"{who}: column {column!r} has distinct values that print the same ({labels}); "
            "recode them to distinct labels"
        )
    if order is not None:
        wanted = [label(v) for v in order]
        missing = [lab for lab in labels if lab not in wanted]
        unknown = [lab for lab in wanted if lab not in labels]
        if missing or unknown:
            raise SurvivalInputError(
                f"{who}: order={list(order)!r} must list each value of column {column!r} once; "
                f"values present: {labels}"
                + (f"; not in data: {unknown}" if unknown else "")
                + (f"; not listed: {missing}" if missing else "")
            )
        labels = wanted
    lookup = {lab: i for i, lab in enumerate(labels)}
    mapping = {v: lookup[label(v)] for v in levels}
    # object dtype first: mapping a Categorical gives a Categorical, which refuses fillna(-1)
    codes = series.astype(object).map(mapping)
    codes = codes.fillna(-1).to_numpy(dtype=np.int64)
    return codes, labels


# ------------------------------------------------------------------------------------------
# R's timefix (aeqSurv): times that differ by less than sqrt(machine eps) are the same time
# ------------------------------------------------------------------------------------------
def timefix(t: np.ndarray, tolerance: float = R_TOLERANCE) -> np.ndarray:
    """Merge near-identical times as R's ``aeqSurv`` does (survfit, survdiff and coxph all
    apply it by default), so floating-point noise from unit conversions cannot split a tie."""
    y = np.unique(t)
    if len(y) < 2:
        return t
    dy = np.diff(y)
    scale = np.mean(np.abs(y))
    tied = (dy <= tolerance) | ((dy / scale) <= tolerance if scale > 0 else False)
    if not np.any(tied):
        return t
    cuts = y[np.concatenate(([True], ~tied))]
    return cuts[np.searchsorted(cuts, t, side="right") - 1]


# ------------------------------------------------------------------------------------------
# Confidence intervals exactly as survival:::survfit_confint
# ------------------------------------------------------------------------------------------
def z_value(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise SurvivalInputError(f"conf_level={conf_level!r}; expected a number between 0 and 1")
    return float(stats.norm.ppf(1 - (1 - conf_level) / 2))


def check_conf_type(conf_type: str, who: str) -> str:
    if conf_type not in CONF_TYPES:
        raise SurvivalInputError(
            f"{who}: conf_type={conf_type!r}; expected one of {CONF_TYPES} (R's default is 'log')"
        )
    return conf_type


def confint(
    p: np.ndarray, se: np.ndarray, conf_type: str, conf_level: float, logse: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval for a probability ``p`` (R ``survfit_confint``).

    ``se`` is the standard error of log(p) when ``logse`` (Kaplan-Meier/Greenwood), else of p
    itself (Aalen-Johansen). Undefined bounds (p = 0 on the log scale; p = 0 or 1 on the
    log-log scale) are NaN, as R's NA.
    """
    z = z_value(conf_level)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if not logse:
            se = np.where(se == 0, 0.0, se / p)
        if conf_type == "plain":
            se2 = se * p * z
            low = np.maximum(p - se2, 0.0)
            high = np.minimum(p + se2, 1.0)
            # R: pmax/pmin return NaN where se2 is NaN (0 * Inf)
            nan = np.isnan(se2)
            low[nan] = np.nan
            high[nan] = np.nan
        elif conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            se2 = z * se
            low = np.exp(np.log(xx) - se2)
            high = np.minimum(np.exp(np.log(xx) + se2), 1.0)
            high[np.isnan(xx) | np.isnan(se2)] = np.nan
        elif conf_type == "log-log":
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            se2 = z * se / np.log(xx)
            low = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
            high = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
        else:  # pragma: no cover - checked by callers
            raise SurvivalInputError(f"conf_type={conf_type!r}; expected one of {CONF_TYPES}")
    return low, high
