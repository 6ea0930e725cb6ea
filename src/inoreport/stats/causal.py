"""Is an exposure harmful, or were the exposed patients simply sicker? Tools to find out.

Study-agnostic helpers for observational survival comparisons, in five families:

* **Confounding by indication, simulated** (:class:`ConfoundingScenario`): a treatment with
  *no* effect is given preferentially to patients with adverse disease. The crude Cox hazard
  ratio is then biased; adjusting for the adverse feature removes the bias.
  :func:`limiting_crude_hr` gives the value the crude estimate converges to (the solution
  of the population Cox score equation, by numerical integration), :func:`selection_for_crude_hr`
  the selection strength that produces a given crude HR, :func:`simulate_confounding`
  replicate cohorts (vectorised), :func:`selection_gap` how the bias grows with selection.
* **Propensity-score weighting** (Austin & Stuart 2015): :func:`propensity_scores`
  (logistic regression by statsmodels ``Logit``), :func:`iptw_weights`, :func:`effective_sample_size`,
  :func:`standardized_difference`, :func:`balance_table` (love-plot data; the plot is
  :func:`inoreport.figures.causal.love_plot`).
* **Weighted survival**: :func:`weighted_kaplan_meier` and :func:`weighted_cox`, tables and
  results in this module's shape from the one Kaplan–Meier and the one Cox of
  :mod:`inoreport.stats.survival` (case weights, Efron or Breslow ties, delayed entry /
  counting-process rows, R's robust sandwich variance, as ``coxph(..., weights=,
  robust=TRUE)``). ``cox_ph`` is its array-input adapter for the simulations.
  The simulations fit thousands of replicate Cox models at once with a private vectorised
  Newton loop (``_cox_batch``), tested equal to the public Cox.
* **Power** (Schoenfeld 1983): :func:`schoenfeld_events`, :func:`schoenfeld_power`,
  :func:`detectable_hr`, and from a published CI :func:`se_from_ci`,
  :func:`detectable_hr_from_se`, :func:`effective_events`.
* **Time matters** (immortal time, Anderson et al. 1983): :func:`landmark_data`,
  :func:`split_at_exposure` (counting-process rows for a time-varying exposure),
  :class:`ImmortalTimeScenario` and :func:`simulate_immortal_time`, which compares a
  treatment-after-baseline coded as a baseline covariate, a landmark analysis and a
  time-dependent Cox model when the treatment does nothing.

Nothing here draws: :mod:`inoreport.figures.causal` turns these results into figures.

Times are in whatever unit the caller uses (the scenarios' defaults are months). Hazard
ratios compare the exposed/treated (1) with the unexposed (0). Random simulations take a
``seed`` and are reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from inoreport.stats.evidence import two_sided_z

__all__ = [
    "CausalInputError",
    "ConfoundingScenario",
    "CoxResult",
    "ImmortalTimeScenario",
    "PropensityModel",
    "balance_table",
    "cox_ph",
    "design_matrix",
    "detectable_hr",
    "detectable_hr_from_se",
    "effective_events",
    "effective_sample_size",
    "iptw_weights",
    "landmark_data",
    "limiting_crude_hr",
    "logistic_fit",
    "prognostic_for_crude_hr",
    "propensity_scores",
    "schoenfeld_events",
    "schoenfeld_power",
    "se_from_ci",
    "selection_for_crude_hr",
    "selection_gap",
    "simulate_confounded_cohort",
    "simulate_confounding",
    "simulate_immortal_time",
    "split_at_exposure",
    "standardized_difference",
    "survival_at",
    "weighted_cox",
    "weighted_kaplan_meier",
]


class CausalInputError(ValueError):
    """Input a caller can fix; the message says what was expected."""


def _z(level: float) -> float:
    return two_sided_z(level, CausalInputError)


# --------------------------------------------------------------------------------------
# Design matrices
# --------------------------------------------------------------------------------------


def _is_categorical(series: pd.Series) -> bool:
    return (
        isinstance(series.dtype, pd.CategoricalDtype)
        or series.dtype == object
        or pd.api.types.is_string_dtype(series.dtype)
    )


def _levels(series: pd.Series) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [c for c in series.cat.categories if c in present]
    return sorted(series.dropna().unique(), key=str)


def design_matrix(
    data: pd.DataFrame,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
    missing: str = "drop",
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Numeric design matrix for ``covariates`` (no intercept).

    Numeric and boolean columns enter as they are; text/categorical columns become 0/1
    columns named ``"column[level]"`` for every level but the reference (``reference``
    maps column -> level; default: the first category, or the first in sorted order).
    missing: "drop" leaves out rows with a missing value in any covariate (as R does);
    "category" turns a missing text value into the level "Missing" (numeric missing
    values are still dropped); "error" raises.
    Returns ``(X, term_names, kept)`` where ``kept`` is a boolean mask over ``data`` rows.
    """
    reference = dict(reference or {})
    if missing not in ("drop", "category", "error"):
        raise CausalInputError(f"missing={missing!r}; expected 'drop', 'category' or 'error'")
    for column in covariates:
        if column not in data.columns:
            raise CausalInputError(
                f"covariate '{column}' is not a column; expected one of {list(data.columns)}"
            )
    frame = data[list(covariates)].copy()
    if missing == "category":
        for column in covariates:
            if _is_categorical(frame[column]) and frame[column].isna().any():
                values = frame[column].astype(object).where(frame[column].notna(), "Missing")
                if isinstance(frame[column].dtype, pd.CategoricalDtype):
                    cats = [*frame[column].cat.categories, "Missing"]
                    values = pd.Categorical(values, categories=cats)
                frame[column] = values
    na = frame.isna().any(axis=1).to_numpy()
    if na.any() and missing == "error":
        row = int(np.flatnonzero(na)[0])
        column = next(c for c in covariates if pd.isna(frame[c].iloc[row]))
        raise CausalInputError(
            f"column '{column}', row {row + 1} of the data: missing value; expected a value "
            "(or use missing='drop')"
        )
    kept = ~na
    frame = frame.loc[kept]
    columns: list[np.ndarray] = []
    names: list[str] = []
    for column in covariates:
        series = frame[column]
        if _is_categorical(series):
            levels = _levels(data[column])
            if missing == "category":
                levels = [lv for lv in levels if lv != "Missing"] + ["Missing"]
            levels = [lv for lv in levels if (series == lv).any()]
            ref = reference.get(column, levels[0] if levels else None)
            if ref not in levels:
                raise CausalInputError(
                    f"reference level {ref!r} for '{column}' is not among its values {levels}"
                )
            for level in levels:
                if level == ref:
                    continue
                columns.append((series == level).to_numpy(dtype=float))
                names.append(f"{column}[{level}]")
        else:
            columns.append(series.to_numpy(dtype=float))
            names.append(column)
    x = np.column_stack(columns) if columns else np.empty((int(kept.sum()), 0))
    return x, names, kept


# --------------------------------------------------------------------------------------
# Logistic regression and propensity scores
# --------------------------------------------------------------------------------------


def logistic_fit(
    x: np.ndarray, y: np.ndarray, *, intercept: bool = True, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood logistic regression, by statsmodels ``Logit`` (Newton-Raphson).

    Returns ``(coef, covariance)``; with ``intercept`` the first coefficient is the
    intercept. Agrees with R ``glm(family = binomial)``. When a covariate separates the
    groups perfectly, statsmodels warns (``PerfectSeparationWarning``): the coefficients then
    run towards infinity and the scores towards 0 or 1.
    """
    from statsmodels.discrete.discrete_model import Logit

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if intercept:
        x = np.column_stack([np.ones(len(x)), x])
    if not np.isin(y, (0.0, 1.0)).all():
        raise CausalInputError("logistic outcome must be 0/1")
    fit = Logit(y, x).fit(disp=0, method="newton", maxiter=max_iter, tol=1e-12)
    return np.asarray(fit.params), np.asarray(fit.cov_params())


@dataclass
class PropensityModel:
    """A fitted propensity-score model.

    scores: P(treated | covariates) for every row of the data (NaN where a covariate was
    missing and the row was dropped). coef: DataFrame [term, coef, se, odds_ratio].
    """

    treatment: str
    covariates: list[str]
    scores: np.ndarray
    treated: np.ndarray
    coef: pd.DataFrame
    kept: np.ndarray

    @property
    def n(self) -> int:
        return int(self.kept.sum())


def propensity_scores(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
    missing: str = "category",
) -> PropensityModel:
    """Propensity of ``treatment`` (a 0/1 or boolean column) given ``covariates``.

    Main-effects logistic regression; text covariates are expanded as in
    :func:`design_matrix` (a missing text value becomes its own level "Missing" by default,
    which keeps every patient and balances missingness too).
    """
    if treatment not in data.columns:
        raise CausalInputError(f"treatment column '{treatment}' is not in the data")
    treated = _as_binary(data[treatment], treatment)
    x, names, kept = design_matrix(data, covariates, reference, missing=missing)
    kept = kept & ~np.isnan(treated)
    x, _, _ = design_matrix(data.loc[kept], covariates, reference, missing=missing)
    y = treated[kept]
    beta, cov = logistic_fit(x, y)
    scores = np.full(len(data), np.nan)
    scores[kept] = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    se = np.sqrt(np.diag(cov))
    coef = pd.DataFrame(
        {"term": ["(Intercept)", *names], "coef": beta, "se": se, "odds_ratio": np.exp(beta)}
    )
    return PropensityModel(treatment, list(covariates), scores, treated, coef, kept)


def _as_binary(series: pd.Series, name: str) -> np.ndarray:
    values = pd.to_numeric(series.astype(object).map({True: 1, False: 0}).fillna(series))
    arr = values.to_numpy(dtype=float)
    bad = ~np.isnan(arr) & ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise CausalInputError(
            f"column '{name}', row {row + 1}: value {series.iloc[row]!r}; expected 0/1 or "
            "True/False"
        )
    return arr


def iptw_weights(
    scores,
    treated,
    estimand: str = "ATE",
    stabilized: bool = True,
    trim: float | None = None,
) -> np.ndarray:
    """Inverse-probability-of-treatment weights from propensity scores.

    ATE: 1/e for the treated and 1/(1-e) for the untreated; stabilised (default) multiplies
    by the marginal probability of the group received, so the weights average about 1 and
    the weighted sample keeps roughly its size (Austin & Stuart 2015). ATT: 1 for the
    treated and e/(1-e) for the untreated (stabilised by the untreated/treated odds).
    trim: truncate scores to [trim, 1 - trim] first (e.g. 0.01). NaN scores give NaN
    weights.
    """
    e = np.asarray(scores, dtype=float)
    t = np.asarray(treated, dtype=float)
    if e.shape != t.shape:
        raise CausalInputError("scores and treatment must have the same length")
    ok = ~np.isnan(e) & ~np.isnan(t)
    if ((e[ok] <= 0) | (e[ok] >= 1)).any():
        raise CausalInputError("propensity scores must lie strictly between 0 and 1")
    if trim is not None:
        if not 0 < trim < 0.5:
            raise CausalInputError(f"trim={trim}; expected a number in (0, 0.5)")
        e = np.clip(e, trim, 1 - trim)
    p_treated = float(np.mean(t[ok]))
    if estimand.upper() == "ATE":
        w = np.where(t == 1, 1 / e, 1 / (1 - e))
        if stabilized:
            w = w * np.where(t == 1, p_treated, 1 - p_treated)
    elif estimand.upper() == "ATT":
        w = np.where(t == 1, 1.0, e / (1 - e))
        if stabilized:
            w = np.where(t == 1, 1.0, w * (1 - p_treated) / p_treated)
    else:
        raise CausalInputError(f"estimand={estimand!r}; expected 'ATE' or 'ATT'")
    w = np.where(ok, w, np.nan)
    return w


def effective_sample_size(weights) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 (NaN weights ignored)."""
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    return float(w.sum() ** 2 / np.sum(w**2)) if len(w) else float("nan")


# --------------------------------------------------------------------------------------
# Covariate balance
# --------------------------------------------------------------------------------------


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and the unbiased weighted variance used by Austin & Stuart (2015):
    sum w / ((sum w)^2 - sum w^2) * sum w (x - mean)^2 (equal weights: the usual n - 1)."""
    sw = w.sum()
    mean = float(np.sum(w * x) / sw)
    denom = sw**2 - np.sum(w**2)
    var = float(sw / denom * np.sum(w * (x - mean) ** 2)) if denom > 0 else float("nan")
    return mean, var


def standardized_difference(x, treated, weights=None, binary: bool | None = None) -> float:
    """Standardised mean difference (treated minus untreated) of one covariate.

    Continuous: (m1 - m0) / sqrt((s1^2 + s0^2) / 2). Binary (0/1): (p1 - p0) /
    sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2) (Austin 2009). With weights, means,
    proportions and variances are weighted (Austin & Stuart 2015). ``binary=None`` decides
    from the values. Rows with a missing x, treatment or weight are left out.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(treated, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(t) | np.isnan(w))
    x, t, w = x[ok], t[ok], w[ok]
    if binary is None:
        binary = bool(np.isin(x, (0.0, 1.0)).all())
    g1, g0 = t == 1, t == 0
    if g1.sum() == 0 or g0.sum() == 0:
        raise CausalInputError("standardised difference needs patients in both groups")
    m1, v1 = _weighted_mean_var(x[g1], w[g1])
    m0, v0 = _weighted_mean_var(x[g0], w[g0])
    if binary:
        v1, v0 = m1 * (1 - m1), m0 * (1 - m0)
    pooled = math.sqrt((v1 + v0) / 2)
    if pooled == 0:
        return 0.0 if m1 == m0 else math.copysign(math.inf, m1 - m0)
    return (m1 - m0) / pooled


def balance_table(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights=None,
    labels: Mapping[str, str] | None = None,
    missing: str = "category",
) -> pd.DataFrame:
    """Covariate balance before and after weighting (the data behind a love plot).

    One row per numeric or boolean covariate and per level of each categorical covariate
    (every level, including the first, except that a two-level variable gets one row for its
    second level; a missing text value is its own level "Missing" by default).
    Columns: variable, level, label, mean_treated, mean_untreated (proportions for levels;
    unweighted), smd_unweighted and, with ``weights``, smd_weighted, weighted means and
    abs_smd_weighted.
    """
    labels = dict(labels or {})
    treated = _as_binary(data[treatment], treatment)
    w = None if weights is None else np.asarray(weights, dtype=float)
    rows = []
    for column in covariates:
        series = data[column]
        label = labels.get(column, column)
        if series.dtype == bool:
            rows.append(
                _balance_row(column, "", label, series.to_numpy(dtype=float), treated, w, True)
            )
        elif _is_categorical(series):
            values = series.astype(object)
            if missing == "category":
                values = values.where(series.notna(), "Missing")
            levels = _levels(series)
            if missing == "category" and series.isna().any():
                levels = [*levels, "Missing"]
            if len(levels) == 2:
                levels = levels[1:]  # a two-level variable is one row (the second level)
            for level in levels:
                indicator = (values == level).astype(float).to_numpy()
                if missing != "category":
                    indicator[series.isna().to_numpy()] = np.nan
                rows.append(_balance_row(column, level, f"{label}: {level}", indicator, treated, w))
        else:
            rows.append(
                _balance_row(column, "", label, series.to_numpy(dtype=float), treated, w, False)
            )
    return pd.DataFrame(rows)


def _balance_row(variable, level, label, x, treated, w, binary=True) -> dict:
    ok = ~np.isnan(x) & ~np.isnan(treated)
    row = {
        "variable": variable,
        "level": level,
        "label": label,
        "mean_treated": float(np.mean(x[ok & (treated == 1)])),
        "mean_untreated": float(np.mean(x[ok & (treated == 0)])),
        "smd_unweighted": standardized_difference(x, treated, None, binary),
    }
    if w is not None:
        okw = ok & ~np.isnan(w)
        g1, g0 = okw & (treated == 1), okw & (treated == 0)
        row["weighted_mean_treated"] = float(np.sum(w[g1] * x[g1]) / np.sum(w[g1]))
        row["weighted_mean_untreated"] = float(np.sum(w[g0] * x[g0]) / np.sum(w[g0]))
        row["smd_weighted"] = standardized_difference(x, treated, w, binary)
    row["abs_smd_unweighted"] = abs(row["smd_unweighted"])
    if w is not None:
        row["abs_smd_weighted"] = abs(row["smd_weighted"])
    return row


# --------------------------------------------------------------------------------------
# Weighted Kaplan–Meier
# --------------------------------------------------------------------------------------


def weighted_kaplan_meier(
    data: pd.DataFrame,
    time: str,
    event: str,
    weights: str | np.ndarray | None = None,
    by: str | None = None,
    order: Sequence | None = None,
    conf_level: float = 0.95,
    variance: str | None = None,
) -> pd.DataFrame:
    """Kaplan–Meier curves with case weights (e.g. inverse-probability weights), as a table.

    The estimate is :func:`inoreport.stats.survival.kaplan_meier` with ``weights``, as R
    ``survfit(Surv(time, event) ~ by, weights = w)``. variance: "robust" (infinitesimal
    jackknife; the default here whenever weights are given, as for IPT weights) or
    "greenwood" (weighted Greenwood, R's ``robust = FALSE``; the default without weights).
    CIs on the log scale (R's default ``conf.type = "log"``). Rows with a missing time,
    event or weight are left out.
    Returns a DataFrame [group, time, n_risk, n_event, survival, std_err, ci_low, ci_high]
    with one row per distinct time per group (``group`` holds the values of ``by`` as they
    are, ``std_err`` is the SE of survival, counts are sums of weights).
    """
    from inoreport.stats.survival import kaplan_meier

    w_all = _weights_array(data, weights)
    if variance is None:
        variance = "greenwood" if weights is None else "robust"
    if variance not in ("robust", "greenwood"):
        raise CausalInputError(f"variance={variance!r}; expected 'robust' or 'greenwood'")
    _z(conf_level)
    if by is None:
        groups = [("all", np.ones(len(data), dtype=bool))]
    else:
        values = data[by]
        levels = list(order) if order is not None else _levels(values)
        groups = [(lv, (values == lv).to_numpy()) for lv in levels]
    t_all = data[time].to_numpy(dtype=float)
    d_all = data[event].to_numpy(dtype=float)
    frames = []
    for label, mask in groups:
        ok = mask & ~(np.isnan(t_all) | np.isnan(d_all) | np.isnan(w_all))
        rows = pd.DataFrame({"time": t_all[ok], "event": d_all[ok]})
        km = kaplan_meier(
            rows,
            "time",
            "event",
            weights=None if weights is None else w_all[ok],
            variance=variance,
            conf_level=conf_level,
        )
        frame = km.table[["time", "n_risk", "n_event", "survival", "std_err", "ci_low", "ci_high"]]
        frame = frame.astype({"n_risk": float, "n_event": float})
        frame.insert(0, "group", label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _weights_array(data: pd.DataFrame, weights) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    if isinstance(weights, str):
        return data[weights].to_numpy(dtype=float)
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(data),):
        raise CausalInputError(f"weights have length {w.size}; expected {len(data)} (one per row)")
    if (w[~np.isnan(w)] < 0).any():
        raise CausalInputError("weights must not be negative")
    return w


def survival_at(km_table: pd.DataFrame, group, t: float) -> pd.Series:
    """Row of a :func:`weighted_kaplan_meier` table in force at time ``t`` (step function)."""
    rows = km_table[(km_table["group"] == group) & (km_table["time"] <= t)]
    if rows.empty:
        return pd.Series({"survival": 1.0, "ci_low": np.nan, "ci_high": np.nan, "std_err": 0.0})
    return rows.iloc[-1]


# --------------------------------------------------------------------------------------
# Cox proportional hazards with weights, ties and delayed entry
# --------------------------------------------------------------------------------------


@dataclass
class CoxResult:
    """A fitted Cox model (arrays in the order of ``names``).

    se is the model-based SE, robust_se the sandwich SE (None unless requested); z, p and
    the CI use robust_se when present, as R's summary(coxph(..., robust = TRUE)) does.
    """

    names: list[str]
    coef: np.ndarray
    var: np.ndarray
    robust_var: np.ndarray | None
    loglik: float
    loglik_null: float
    n: int
    events: int
    iterations: int
    conf_level: float = 0.95

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.var))

    @property
    def robust_se(self) -> np.ndarray | None:
        return None if self.robust_var is None else np.sqrt(np.diag(self.robust_var))

    @property
    def used_se(self) -> np.ndarray:
        return self.se if self.robust_var is None else self.robust_se

    @property
    def hr(self) -> np.ndarray:
        return np.exp(self.coef)

    @property
    def lr_p(self) -> float:
        """Likelihood-ratio test of all coefficients = 0."""
        stat = 2 * (self.loglik - self.loglik_null)
        return float(stats.chi2.sf(stat, len(self.coef)))

    def table(self) -> pd.DataFrame:
        z = _z(self.conf_level)
        se = self.used_se
        zstat = self.coef / se
        return pd.DataFrame(
            {
                "term": self.names,
                "coef": self.coef,
                "se": self.se,
                "robust_se": self.robust_se if self.robust_var is not None else np.nan,
                "hr": self.hr,
                "ci_low": np.exp(self.coef - z * se),
                "ci_high": np.exp(self.coef + z * se),
                "z": zstat,
                "p": 2 * stats.norm.sf(np.abs(zstat)),
            }
        )


def _cox_from_arrays(
    time,
    event,
    x,
    weights=None,
    entry=None,
    ties: str = "efron",
    robust: bool = False,
    cluster=None,
    names: Sequence[str] | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox fit from arrays (x: (n, p) covariates, used as numbers) by the one Cox,
    :func:`inoreport.stats.survival.cox`; weights, entry (delayed entry / counting-process
    (start, stop] rows), ties, robust and cluster as there. Returns a :class:`CoxResult`."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=names)
    time_col, event_col = ("time", "event") if not {"time", "event"} & set(names) else ("_t", "_e")
    frame[time_col] = np.asarray(time, dtype=float)
    frame[event_col] = np.asarray(event, dtype=float)
    return _cox_result(
        frame,
        time_col,
        event_col,
        names,
        weights=None if weights is None else np.asarray(weights, dtype=float),
        entry=None if entry is None else np.asarray(entry, dtype=float),
        ties=ties,
        robust=robust,
        cluster=None if cluster is None else np.asarray(cluster),
        conf_level=conf_level,
    )


#: Array-input adapter to the one Cox (:func:`inoreport.stats.survival.cox`), for the
#: simulations that hold their cohorts as arrays; data frames go to ``survival.cox``.
cox_ph = _cox_from_arrays


def _cox_result(frame, time, event, names, **options) -> CoxResult:
    from inoreport.stats.survival import cox

    fit = cox(frame, time, event, names, **options)
    return CoxResult(
        names=list(names),
        coef=fit.coef.to_numpy(),
        var=fit.vcov_model.to_numpy(),
        robust_var=fit.vcov.to_numpy() if fit.robust else None,
        loglik=fit.loglik,
        loglik_null=fit.loglik_null,
        n=fit.n,
        events=fit.events,
        iterations=fit.iterations,
        conf_level=fit.conf_level,
    )


def weighted_cox(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    weights: str | np.ndarray | None = None,
    entry: str | None = None,
    reference: Mapping[str, object] | None = None,
    robust: bool | None = None,
    cluster: str | None = None,
    ties: str = "efron",
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox model on a DataFrame by :func:`inoreport.stats.survival.cox`; text covariates are
    expanded to dummies named ``"column[level]"`` (see :func:`design_matrix`). Rows with a
    missing covariate are dropped (``result.n`` says how many were used). robust defaults to
    True when weights are given (IPTW needs it)."""
    x, names, kept = design_matrix(data, covariates, reference, missing="drop")
    sub = data.loc[kept]
    if robust is None:
        robust = weights is not None
    return _cox_from_arrays(
        sub[time].to_numpy(dtype=float),
        sub[event].to_numpy(dtype=float),
        x,
        weights=None if weights is None else _weights_array(data, weights)[kept],
        entry=None if entry is None else sub[entry].to_numpy(dtype=float),
        ties=ties,
        robust=robust,
        cluster=None if cluster is None else sub[cluster].to_numpy(),
        names=names,
        conf_level=conf_level,
    )


# --------------------------------------------------------------------------------------
# Vectorised Cox fits for simulations (continuous times, Breslow = exact without ties)
# --------------------------------------------------------------------------------------


def _cox_batch(time, event, x, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Fit one Cox model per replicate at once: the simulations' fast path to the public
    :func:`inoreport.stats.survival.cox` (measured: 400 replicates of 110 patients take 0.03 s
    here and 2.0 s as one public fit each; a chapter's simulations fit ~12,000; tests check the
    two agree to 1e-6).

    time, event: (R, n); x: (R, n, p). Times are assumed distinct within a replicate
    (continuous simulated times), where Breslow and Efron coincide with the exact partial
    likelihood. Returns ``(coef, se)``, each (R, p); a replicate whose fit diverges (e.g.
    no events in one group) gets NaN.
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[:, :, None]
    reps, n, p = x.shape
    order = np.argsort(-t, axis=1, kind="stable")  # descending: cumsum = risk-set sums
    d = np.take_along_axis(d, order, axis=1)
    x = np.take_along_axis(x, order[:, :, None], axis=1)
    beta = np.zeros((reps, p))
    info = np.tile(np.eye(p), (reps, 1, 1))
    for _ in range(max_iter):
        eta = np.einsum("rnp,rp->rn", x, beta)
        eta -= eta.max(axis=1, keepdims=True)
        r = np.exp(eta)
        s0 = np.cumsum(r, axis=1)
        s1 = np.cumsum(r[:, :, None] * x, axis=1)
        s2 = np.cumsum(r[:, :, None, None] * x[:, :, :, None] * x[:, :, None, :], axis=1)
        xbar = s1 / s0[:, :, None]
        score = np.einsum("rn,rnp->rp", d, x - xbar)
        info = np.einsum(
            "rn,rnpq->rpq", d, s2 / s0[:, :, None, None] - xbar[:, :, :, None] * xbar[:, :, None, :]
        )
        info = info + 1e-12 * np.eye(p)
        step = np.linalg.solve(info, score[:, :, None])[:, :, 0]
        step = np.clip(step, -2.0, 2.0)
        beta = beta + step
        if np.nanmax(np.abs(step)) < 1e-8:
            break
    se = np.sqrt(np.diagonal(np.linalg.inv(info), axis1=1, axis2=2))
    bad = ~np.isfinite(beta).all(axis=1) | (np.abs(beta) > 15).any(axis=1)
    beta[bad] = np.nan
    se[bad] = np.nan
    return beta, se


def _cox_batch_switch(time, event, switch_time, max_iter: int = 30):
    """Time-dependent Cox fit per replicate for one exposure that switches on.

    The covariate is 0 until ``switch_time`` and 1 after it (``inf`` = never exposed), as
    the counting-process rows (0, s], (s, t] of R's ``tmerge``. Arrays are (R, n); times
    assumed distinct. Returns ``(coef, se)``, each of length R.
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event, dtype=float)
    s = np.asarray(switch_time, dtype=float)
    reps, n = t.shape
    # exposed[r, k, i]: is row i exposed at the k-th exit time of replicate r?
    order = np.argsort(t, axis=1, kind="stable")
    t = np.take_along_axis(t, order, axis=1)
    d = np.take_along_axis(d, order, axis=1)
    s = np.take_along_axis(s, order, axis=1)
    at_risk = t[:, None, :] >= t[:, :, None]  # (R, K=n, n)
    exposed = (s[:, None, :] < t[:, :, None]) & at_risk
    own = np.diagonal(exposed, axis1=1, axis2=2).astype(float)  # exposure of the one exiting
    n_risk = at_risk.sum(axis=2).astype(float)
    n_exp = exposed.sum(axis=2).astype(float)
    beta = np.zeros(reps)
    info = np.ones(reps)
    for _ in range(max_iter):
        e = np.exp(beta)[:, None]
        s0 = n_risk - n_exp + e * n_exp
        xbar = e * n_exp / s0
        score = np.sum(d * (own - xbar), axis=1)
        info = np.sum(d * xbar * (1 - xbar), axis=1) + 1e-12
        step = np.clip(score / info, -2.0, 2.0)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-8:
            break
    se = 1 / np.sqrt(info)
    bad = ~np.isfinite(beta) | (np.abs(beta) > 15)
    beta[bad] = np.nan
    se[bad] = np.nan
    return beta, se


# --------------------------------------------------------------------------------------
# Confounding by indication
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfoundingScenario:
    """A cohort in which a treatment does nothing (unless ``treatment_hr`` != 1), but
    patients with an adverse feature receive it more often.

    prevalence: share of patients with the adverse feature.
    p_treated: share of patients treated overall (the selection intercept is solved so it
        holds whatever the selection strength).
    selection_or: odds ratio of treatment, adverse vs not (1 = no confounding).
    prognostic_hr: hazard ratio of the event, adverse vs not.
    treatment_hr: true hazard ratio of the treatment (1 = no effect).
    baseline_rate: event rate (per time unit) without the adverse feature, untreated.
    followup: (min, max) administrative follow-up, uniform between them (patients
        infused over a recruitment window, all followed to one data lock).
    """

    prevalence: float = 0.5
    p_treated: float = 0.5
    selection_or: float = 1.0
    prognostic_hr: float = 2.0
    treatment_hr: float = 1.0
    baseline_rate: float = 0.05
    followup: tuple[float, float] = (3.0, 24.0)

    def __post_init__(self):
        for name in ("prevalence", "p_treated"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise CausalInputError(f"{name}={value}; expected a proportion in (0, 1)")
        for name in ("selection_or", "prognostic_hr", "treatment_hr", "baseline_rate"):
            if not getattr(self, name) > 0:
                raise CausalInputError(f"{name}={getattr(self, name)}; expected a positive number")
        lo, hi = self.followup
        if not 0 < lo <= hi:
            raise CausalInputError(f"followup={self.followup}; expected 0 < min <= max")

    @property
    def selection_intercept(self) -> float:
        """Log-odds of treatment without the adverse feature (solved for p_treated)."""
        gamma = math.log(self.selection_or)

        def gap(alpha):
            return (
                self.prevalence * _expit(alpha + gamma)
                + (1 - self.prevalence) * _expit(alpha)
                - self.p_treated
            )

        return float(optimize.brentq(gap, -40, 40, xtol=1e-13))

    def cell_probabilities(self) -> np.ndarray:
        """P(adverse = a, treated = t) as a 2 x 2 array indexed [a, t]."""
        alpha = self.selection_intercept
        gamma = math.log(self.selection_or)
        probs = np.empty((2, 2))
        for a, share in ((0, 1 - self.prevalence), (1, self.prevalence)):
            pt = _expit(alpha + gamma * a)
            probs[a] = (share * (1 - pt), share * pt)
        return probs

    def rates(self) -> np.ndarray:
        """Event rate for [adverse, treated]."""
        a = np.array([[1.0, 1.0], [self.prognostic_hr, self.prognostic_hr]])
        t = np.array([[1.0, self.treatment_hr], [1.0, self.treatment_hr]])
        return self.baseline_rate * a * t

    def with_survival(self, target: float, at: float) -> ConfoundingScenario:
        """The same scenario with ``baseline_rate`` set so that the whole cohort's event-free
        survival at time ``at`` (before censoring) equals ``target``."""
        if not 0 < target < 1 or at <= 0:
            raise CausalInputError(
                f"target survival {target} at time {at}; expected 0 < target < 1 and at > 0"
            )

        def gap(log_rate):
            sc = replace(self, baseline_rate=math.exp(log_rate))
            return float(sc.survival(at, None)) - target

        rate = math.exp(optimize.brentq(gap, -20, 10, xtol=1e-13))
        return replace(self, baseline_rate=rate)

    def survival(self, times, treated: int | None) -> np.ndarray:
        """Event-free survival without censoring of one treatment group (0 or 1), or of
        everyone (None): a mixture of exponentials over the cells."""
        cells = self.cell_probabilities()
        rates = self.rates()
        if treated is not None:
            cells = np.where(np.arange(2)[None, :] == treated, cells, 0.0)
        cells = cells / cells.sum()
        times = np.asarray(times, dtype=float)
        flat = times.reshape(-1)
        values = np.sum(cells[..., None] * np.exp(-rates[..., None] * flat), axis=(0, 1))
        return values.reshape(times.shape) if times.ndim else float(values[0])


def _expit(x):
    return 1 / (1 + np.exp(-x))


def limiting_crude_hr(scenario: ConfoundingScenario, grid: int = 4000) -> float:
    """The value a crude (unadjusted) Cox HR converges to as the cohort grows.

    Solves the population partial-likelihood score equation
    ∫ Σ_cells P(cell) λ_cell S_cell(t) G(t) [treated_cell − Ē_θ(t)] dt = 0 for θ, where
    Ē_θ(t) is the e^θ-weighted share of treated patients among those still at risk and G the
    administrative-censoring survival; the answer depends on censoring because a mixture of
    two hazards is not proportional. Returns exp(θ).
    """
    probs = scenario.cell_probabilities()
    rates = scenario.rates()
    lo, hi = scenario.followup
    t = np.linspace(0, hi, grid)
    censor_surv = np.clip((hi - t) / (hi - lo), 0, 1) if hi > lo else (t < hi).astype(float)
    at_risk = probs[:, :, None] * np.exp(-rates[:, :, None] * t[None, None, :])  # [a, t, time]
    events = rates[:, :, None] * at_risk * censor_surv
    treated_risk = at_risk[:, 1].sum(axis=0)
    untreated_risk = at_risk[:, 0].sum(axis=0)
    treated_events = events[:, 1].sum(axis=0)
    all_events = events.sum(axis=(0, 1))

    def score(theta):
        share = np.exp(theta) * treated_risk / (np.exp(theta) * treated_risk + untreated_risk)
        return integrate.trapezoid(treated_events - share * all_events, t)

    return float(np.exp(optimize.brentq(score, -10, 10, xtol=1e-12)))


def selection_for_crude_hr(target_hr: float, scenario: ConfoundingScenario) -> float:
    """Selection odds ratio at which the limiting crude HR equals ``target_hr``.

    Everything else is taken from ``scenario``; the treatment itself has the scenario's
    ``treatment_hr`` (usually 1). Raises when the target cannot be reached because the
    feature is not prognostic enough.
    """
    if target_hr <= 0:
        raise CausalInputError(f"target_hr={target_hr}; expected a positive hazard ratio")

    def gap(log_or):
        return math.log(limiting_crude_hr(replace(scenario, selection_or=math.exp(log_or)))) - (
            math.log(target_hr)
        )

    lo, hi = -8.0, 8.0
    glo, ghi = gap(lo), gap(hi)
    if glo * ghi > 0:
        reachable = (math.exp(glo + math.log(target_hr)), math.exp(ghi + math.log(target_hr)))
        raise CausalInputError(
            f"a crude HR of {target_hr:.2f} cannot be produced with prognostic_hr="
            f"{scenario.prognostic_hr}; reachable range is {min(reachable):.2f}–"
            f"{max(reachable):.2f}"
        )
    return float(math.exp(optimize.brentq(gap, lo, hi, xtol=1e-10)))


def prognostic_for_crude_hr(target_hr: float, scenario: ConfoundingScenario) -> float:
    """Hazard ratio of the adverse feature at which the limiting crude HR equals
    ``target_hr``, with the selection odds ratio of ``scenario`` (a companion of
    :func:`selection_for_crude_hr`). Raises when no prognostic strength up to 1000 is enough.
    """
    if target_hr <= 0:
        raise CausalInputError(f"target_hr={target_hr}; expected a positive hazard ratio")

    def gap(log_hr):
        sc = replace(scenario, prognostic_hr=math.exp(log_hr))
        return math.log(limiting_crude_hr(sc)) - math.log(target_hr)

    lo, hi = 0.0, math.log(1000.0)
    glo, ghi = gap(lo), gap(hi)
    if glo * ghi > 0:
        ceiling = math.exp(ghi + math.log(target_hr))
        raise CausalInputError(
            f"a crude HR of {target_hr:.2f} cannot be produced with selection_or="
            f"{scenario.selection_or:.2f}; even an adverse-feature HR of 1000 gives "
            f"{ceiling:.2f}"
        )
    return float(math.exp(optimize.brentq(gap, lo, hi, xtol=1e-10)))


def _draw(scenario: ConfoundingScenario, shape, rng: np.random.Generator):
    alpha = scenario.selection_intercept
    gamma = math.log(scenario.selection_or)
    adverse = (rng.random(shape) < scenario.prevalence).astype(float)
    treated = (rng.random(shape) < _expit(alpha + gamma * adverse)).astype(float)
    rate = scenario.baseline_rate * scenario.prognostic_hr**adverse * scenario.treatment_hr**treated
    event_time = rng.exponential(1.0, shape) / rate
    lo, hi = scenario.followup
    censor_time = rng.uniform(lo, hi, shape)
    time = np.minimum(event_time, censor_time)
    event = (event_time <= censor_time).astype(float)
    return adverse, treated, time, event


def simulate_confounded_cohort(
    scenario: ConfoundingScenario, n: int, seed: int = 0
) -> pd.DataFrame:
    """One simulated cohort: columns adverse, treated (0/1), time, event."""
    rng = np.random.default_rng(seed)
    adverse, treated, time, event = _draw(scenario, n, rng)
    return pd.DataFrame(
        {
            "adverse": adverse.astype(int),
            "treated": treated.astype(int),
            "time": time,
            "event": event.astype(int),
        }
    )


def simulate_confounding(
    scenario: ConfoundingScenario, n: int, n_rep: int = 200, seed: int = 0
) -> pd.DataFrame:
    """Crude and adjusted treatment HRs in ``n_rep`` simulated cohorts of ``n`` patients.

    Crude: Cox on treatment alone. Adjusted: Cox on treatment and the adverse feature (the
    correctly specified model). Returns one row per replicate: crude_hr, crude_p,
    adjusted_hr, adjusted_p (Wald p), events, treated.
    """
    rng = np.random.default_rng(seed)
    adverse, treated, time, event = _draw(scenario, (n_rep, n), rng)
    crude, crude_se = _cox_batch(time, event, treated[:, :, None])
    adjusted, adjusted_se = _cox_batch(time, event, np.stack([treated, adverse], axis=2))
    return pd.DataFrame(
        {
            "crude_hr": np.exp(crude[:, 0]),
            "crude_p": 2 * stats.norm.sf(np.abs(crude[:, 0] / crude_se[:, 0])),
            "adjusted_hr": np.exp(adjusted[:, 0]),
            "adjusted_p": 2 * stats.norm.sf(np.abs(adjusted[:, 0] / adjusted_se[:, 0])),
            "events": event.sum(axis=1).astype(int),
            "treated": treated.sum(axis=1).astype(int),
        }
    )


def selection_gap(
    scenario: ConfoundingScenario,
    selection_ors: Sequence[float],
    prognostic_hrs: Sequence[float] | None = None,
    n: int | None = None,
    n_rep: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How the crude-vs-adjusted gap grows with the strength of selection.

    For each selection OR (and each prognostic HR, default the scenario's): the limiting
    crude HR and, when ``n`` is given, the median and 2.5/97.5 percentiles of simulated
    crude and adjusted HRs and the share of cohorts with a "significant" crude or adjusted
    treatment effect (Wald p < alpha).
    """
    rows = []
    hrs = [scenario.prognostic_hr] if prognostic_hrs is None else list(prognostic_hrs)
    for j, hr in enumerate(hrs):
        for i, sel in enumerate(selection_ors):
            sc = replace(scenario, selection_or=float(sel), prognostic_hr=float(hr))
            row = {
                "prognostic_hr": float(hr),
                "selection_or": float(sel),
                "limiting_crude_hr": limiting_crude_hr(sc),
            }
            if n is not None:
                sims = simulate_confounding(sc, n, n_rep, seed=seed + 1000 * j + i)
                for kind in ("crude", "adjusted"):
                    values = sims[f"{kind}_hr"].dropna()
                    row[f"{kind}_median"] = float(values.median())
                    row[f"{kind}_low"] = float(values.quantile(0.025))
                    row[f"{kind}_high"] = float(values.quantile(0.975))
                    row[f"{kind}_significant"] = float((sims[f"{kind}_p"] < alpha).mean())
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Power (Schoenfeld 1983)
# --------------------------------------------------------------------------------------


def _check_power_args(alpha: float, power: float | None, allocation: float) -> None:
    if not 0 < alpha < 1:
        raise CausalInputError(f"alpha={alpha}; expected a two-sided level in (0, 1)")
    if power is not None and not 0 < power < 1:
        raise CausalInputError(f"power={power}; expected a probability in (0, 1)")
    if not 0 < allocation < 1:
        raise CausalInputError(f"allocation={allocation}; expected the exposed share in (0, 1)")


def schoenfeld_events(
    hr: float, alpha: float = 0.05, power: float = 0.8, allocation: float = 0.5
) -> float:
    """Events needed to detect ``hr`` with a two-sided level-``alpha`` test.

    D = (z_{1-α/2} + z_{power})² / (π (1 − π) (ln HR)²), π the share exposed (Schoenfeld
    1983). Not rounded up.
    """
    _check_power_args(alpha, power, allocation)
    if hr <= 0 or hr == 1:
        raise CausalInputError(f"hr={hr}; expected a positive hazard ratio other than 1")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z**2 / (allocation * (1 - allocation) * math.log(hr) ** 2))


def schoenfeld_power(hr: float, events: float, alpha: float = 0.05, allocation: float = 0.5):
    """Power of the two-sided test of HR = 1 with ``events`` events when the truth is ``hr``:
    Φ(√(D π (1 − π)) |ln HR| − z_{1−α/2}) (the negligible opposite tail ignored, as in
    Schoenfeld's formula)."""
    _check_power_args(alpha, None, allocation)
    if events <= 0:
        raise CausalInputError(f"events={events}; expected a positive number of events")
    shift = math.sqrt(events * allocation * (1 - allocation)) * abs(math.log(hr))
    return float(stats.norm.cdf(shift - stats.norm.ppf(1 - alpha / 2)))


def detectable_hr(
    events: float,
    alpha: float = 0.05,
    power: float = 0.8,
    allocation: float = 0.5,
    r_squared: float = 0.0,
    harmful: bool = True,
) -> float:
    """Smallest HR (above 1 if ``harmful``, else below 1) detectable with ``power``.

    HR = exp((z_{1-α/2} + z_{power}) / √(D π (1 − π) (1 − R²))). ``r_squared`` is the
    share of the exposure's variance explained by the other covariates of an adjusted
    model (variance inflation 1/(1 − R²)); 0 for an unadjusted comparison.
    """
    _check_power_args(alpha, power, allocation)
    if events <= 0:
        raise CausalInputError(f"events={events}; expected a positive number of events")
    if not 0 <= r_squared < 1:
        raise CausalInputError(f"r_squared={r_squared}; expected a number in [0, 1)")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    log_hr = z / math.sqrt(events * allocation * (1 - allocation) * (1 - r_squared))
    return float(math.exp(log_hr if harmful else -log_hr))


def se_from_ci(ci_low: float, ci_high: float, level: float = 0.95) -> float:
    """SE of a log ratio recovered from its CI: (ln high − ln low) / (2 z)."""
    if not 0 < ci_low < ci_high:
        raise CausalInputError(
            f"CI ({ci_low}, {ci_high}); expected 0 < low < high on the ratio scale"
        )
    return (math.log(ci_high) - math.log(ci_low)) / (2 * _z(level))


def detectable_hr_from_se(
    se: float, alpha: float = 0.05, power: float = 0.8, harmful: bool = True
) -> float:
    """Smallest HR a Wald test with this SE of the log HR detects with ``power``:
    exp((z_{1−α/2} + z_{power}) · SE). Works for an adjusted model as published."""
    _check_power_args(alpha, power, 0.5)
    if se <= 0:
        raise CausalInputError(f"se={se}; expected a positive standard error")
    log_hr = (stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se
    return float(math.exp(log_hr if harmful else -log_hr))


def effective_events(se: float, allocation: float = 0.5) -> float:
    """Events an unadjusted comparison would need to give this SE: 1 / (SE² π (1 − π))."""
    _check_power_args(0.05, None, allocation)
    return 1 / (se**2 * allocation * (1 - allocation))


# --------------------------------------------------------------------------------------
# Time matters: landmarks, time-varying exposure, immortal time
# --------------------------------------------------------------------------------------


def landmark_data(
    data: pd.DataFrame,
    time: str,
    event: str,
    landmark: float,
    exposure_time: str,
    exposed_name: str = "exposed_by_landmark",
) -> pd.DataFrame:
    """Landmark data set (Anderson et al. 1983) for an exposure that starts after time 0.

    Keeps patients still at risk (time > landmark), classifies them by whether the exposure
    had started by the landmark (``exposure_time`` <= landmark; NaN = never) and restarts
    the clock at the landmark (``time`` becomes time − landmark). Exposure after the
    landmark is ignored — the landmark analysis asks "given alive and event-free at L,
    does having been exposed by L predict what happens next?".
    """
    for column in (time, event, exposure_time):
        if column not in data.columns:
            raise CausalInputError(f"column '{column}' is not in the data")
    if landmark < 0:
        raise CausalInputError(f"landmark={landmark}; expected a time >= 0")
    at_risk = data[data[time] > landmark].copy()
    started = at_risk[exposure_time]
    at_risk[exposed_name] = (started.notna() & (started <= landmark)).astype(int)
    at_risk[time] = at_risk[time] - landmark
    return at_risk


def split_at_exposure(
    data: pd.DataFrame,
    time: str,
    event: str,
    exposure_time: str,
    exposed_name: str = "exposed",
    id_column: str | None = None,
) -> pd.DataFrame:
    """Counting-process rows for an exposure that switches on at ``exposure_time``.

    A patient exposed at s < time gets two rows, (0, s] unexposed without event and
    (s, time] exposed with the patient's event; others get one row (0, time]. Columns
    ``start`` and ``stop`` replace ``time``; an ``id`` column (``id_column`` or the row
    index) lets a robust variance cluster by patient. Equivalent to R ``tmerge``.
    """
    for column in (time, event, exposure_time):
        if column not in data.columns:
            raise CausalInputError(f"column '{column}' is not in the data")
    frame = data.copy()
    frame["id"] = frame[id_column] if id_column else np.arange(len(frame))
    s = frame[exposure_time]
    switch = s.notna() & (s < frame[time]) & (s > 0)
    from_start = s.notna() & (s <= 0)
    before = frame.copy()
    before["start"] = 0.0
    before["stop"] = np.where(switch, s, frame[time])
    before[exposed_name] = from_start.astype(int)
    before[event] = np.where(switch, 0, frame[event])
    after = frame[switch].copy()
    after["start"] = s[switch]
    after["stop"] = frame.loc[switch, time]
    after[exposed_name] = 1
    rows = pd.concat([before, after]).sort_values(["id", "start"], kind="stable")
    return rows.drop(columns=[time]).reset_index(drop=True)


@dataclass(frozen=True)
class ImmortalTimeScenario:
    """Treatment started after time 0 (e.g. consolidation after response), with NO effect.

    p_eligible: share of patients who could receive it (e.g. responders).
    p_treated: share of eligible patients who receive it if still event-free then.
    start: (min, max) of the planned start time, uniform.
    rate: event rate per time unit (exponential, the same for everyone).
    followup: (min, max) administrative follow-up, uniform.
    """

    p_eligible: float = 0.9
    p_treated: float = 0.4
    start: tuple[float, float] = (1.0, 4.0)
    rate: float = 0.06
    followup: tuple[float, float] = (3.0, 24.0)
    treatment_hr: float = 1.0

    def __post_init__(self):
        for name in ("p_eligible", "p_treated"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise CausalInputError(f"{name}={value}; expected a proportion in (0, 1]")
        if not 0 <= self.start[0] <= self.start[1]:
            raise CausalInputError(f"start={self.start}; expected 0 <= min <= max")


def _draw_immortal(scenario: ImmortalTimeScenario, shape, rng):
    planned = rng.random(shape) < scenario.p_eligible * scenario.p_treated
    start = rng.uniform(scenario.start[0], scenario.start[1], shape)
    lo, hi = scenario.followup
    censor = rng.uniform(lo, hi, shape)
    first = rng.exponential(1.0, shape) / scenario.rate
    # With an effect, hazard after the start is multiplied by treatment_hr (memoryless).
    after = start + rng.exponential(1.0, shape) / (scenario.rate * scenario.treatment_hr)
    gets = planned & (first > start) & (censor > start)
    event_time = np.where(gets, after, first)
    time = np.minimum(event_time, censor)
    event = (event_time <= censor).astype(float)
    switch = np.where(gets, start, np.inf)
    return time, event, switch


def simulate_immortal_time(
    scenario: ImmortalTimeScenario,
    n: int,
    landmarks: Sequence[float] = (3.0,),
    n_rep: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Three analyses of a post-baseline treatment that does nothing, in ``n_rep`` cohorts.

    naive: treated (ever) coded as a baseline covariate — patients who had their event
    before they could be treated count as untreated, so the treated group looks better
    (immortal-time bias). landmark_L: among patients event-free at L, treated by L vs not,
    clock restarted at L. time_dependent: exposure switching on at its start (correct).
    Returns one row per replicate and analysis: analysis, hr, p, n_used.
    """
    rng = np.random.default_rng(seed)
    time, event, switch = _draw_immortal(scenario, (n_rep, n), rng)
    ever = np.isfinite(switch).astype(float)
    frames = []
    coef, se = _cox_batch(time, event, ever[:, :, None])
    frames.append(_analysis_frame("naive", coef[:, 0], se[:, 0], np.full(n_rep, n)))
    for lm in landmarks:
        keep = time > lm
        # Padding keeps the arrays rectangular: rows not at risk at the landmark get time -1
        # and no event, which puts them in no risk set (every event time is > 0).
        lm_time = np.where(keep, time - lm, -1.0)
        lm_event = np.where(keep, event, 0.0)
        lm_exposed = np.where(keep, (switch <= lm).astype(float), 0.0)
        coef, se = _cox_batch(lm_time, lm_event, lm_exposed[:, :, None])
        frames.append(_analysis_frame(f"landmark_{lm:g}", coef[:, 0], se[:, 0], keep.sum(axis=1)))
    coef, se = _cox_batch_switch(time, event, switch)
    frames.append(_analysis_frame("time_dependent", coef, se, np.full(n_rep, n)))
    return pd.concat(frames, ignore_index=True)


def _analysis_frame(name, coef, se, n_used) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "analysis": name,
            "replicate": np.arange(len(coef)),
            "hr": np.exp(coef),
            "p": 2 * stats.norm.sf(np.abs(coef / se)),
            "n_used": n_used,
        }
    )
