"""How much can a published number bear? Tools that need only published estimates and counts.

Four families, each knowing nothing about any one study:

* **Bayesian re-analysis of a published ratio** (hazard, risk or odds ratio) from its
  estimate and 95% CI: the log ratio is treated as normally distributed with the standard
  error recovered from the CI, combined with a normal prior on the log ratio (conjugate
  normal–normal update; Spiegelhalter, Abrams & Myles 2004). :func:`log_ratio_normal`,
  :func:`sceptical_prior`, :func:`vague_prior`, :func:`centred_prior`,
  :func:`standard_priors`, :func:`normal_posterior`, :func:`posterior_table`.
* **E-values** (VanderWeele & Ding 2017): how strongly an unmeasured confounder would have
  to be associated with both exposure and outcome (risk-ratio scale) to explain an
  association away. :func:`e_value`, :func:`e_values`, :func:`hr_to_rr`, :func:`or_to_rr`,
  :func:`risk_ratio`.
* **Fragility** (Walsh et al. 2014): how many patients' outcomes would have to change for a
  2 x 2 comparison to lose (or, reversed, to gain) statistical significance.
  :func:`fragility_index`, :func:`reverse_fragility_index`, :func:`fisher_p`,
  :func:`chi2_p`.
* **Precision of a difference**: risk difference with Newcombe's hybrid-score interval from
  counts (:func:`risk_difference`, :func:`wilson_interval`), and differences or ratios of
  landmark survival recovered from published landmark CIs (:func:`landmark_se`,
  :func:`ci_scale_fit`, :func:`landmark_difference`, :func:`landmark_risk_ratio`,
  :func:`landmark_hazard_ratio`).

Nothing here draws: :mod:`inoreport.figures.evidence` draws posteriors and differences;
:func:`percent_text` and :func:`points_text` write probabilities and differences as text.

Conventions: a 2 x 2 table is ``[[events_1, non_events_1], [events_0, non_events_0]]``,
row 1 the exposed/first group, row 0 the comparison group. Ratios are first group over
second. Probabilities are proportions in [0, 1], never percentages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from inoreport.formatting import bounded_percent
from inoreport.stats import contingency

__all__ = [
    "EValue",
    "EvidenceInputError",
    "Fragility",
    "LandmarkComparison",
    "LogRatio",
    "NormalPrior",
    "Posterior",
    "RiskDifference",
    "centred_prior",
    "chi2_p",
    "ci_scale_fit",
    "e_value",
    "e_values",
    "fisher_p",
    "fragility_index",
    "hr_to_rr",
    "landmark_difference",
    "landmark_hazard_ratio",
    "landmark_risk_ratio",
    "landmark_se",
    "log_ratio_normal",
    "normal_posterior",
    "or_to_rr",
    "percent_text",
    "points_text",
    "posterior_table",
    "reverse_fragility_index",
    "risk_difference",
    "risk_ratio",
    "sceptical_prior",
    "standard_priors",
    "two_sided_z",
    "vague_prior",
    "wilson_interval",
]


class EvidenceInputError(ValueError):
    """An estimate, interval or count that cannot be used (says what to change)."""


def two_sided_z(level: float, error: type[ValueError] = EvidenceInputError) -> float:
    """The standard normal quantile of a two-sided interval at confidence ``level`` (a
    proportion, e.g. 0.95 -> 1.96); a level outside (0, 1) raises ``error``."""
    if not 0 < level < 1:
        raise error(f"confidence level {level}; expected a number between 0 and 1")
    return float(stats.norm.ppf(0.5 + level / 2))


_z = two_sided_z


def _check_ratio_ci(estimate: float, ci_low: float, ci_high: float, what: str = "ratio") -> None:
    for name, value in (("estimate", estimate), ("ci_low", ci_low), ("ci_high", ci_high)):
        if value is None or not math.isfinite(value) or value <= 0:
            raise EvidenceInputError(f"{what} {name}={value}; expected a positive number")
    if not ci_low <= estimate <= ci_high:
        raise EvidenceInputError(
            f"{what} {estimate} lies outside its interval ({ci_low}, {ci_high}); "
            "expected ci_low <= estimate <= ci_high"
        )
    if ci_low == ci_high:
        raise EvidenceInputError(
            f"{what} interval ({ci_low}, {ci_high}) has zero width; expected ci_low < ci_high"
        )


# --------------------------------------------------------------------------------------
# 1. Bayesian re-analysis of a published ratio
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRatio:
    """A published ratio as a normal likelihood on the log scale.

    ``mean`` = ln(estimate); ``se`` = (ln ci_high - ln ci_low) / (2 z). ``asymmetry`` is
    ln(estimate) minus the log-midpoint of the CI: near 0 when the CI was built on the log
    scale (as Cox and logistic CIs are); a large value warns that the normal approximation
    on the log scale fits the published numbers poorly.
    """

    estimate: float
    ci_low: float
    ci_high: float
    level: float
    mean: float
    se: float
    asymmetry: float

    @property
    def precision(self) -> float:
        return 1.0 / self.se**2


def log_ratio_normal(
    estimate: float, ci_low: float, ci_high: float, level: float = 0.95
) -> LogRatio:
    """Normal approximation to the log of a ratio from its estimate and CI.

    Assumes the interval was ``exp(ln(estimate) +/- z * se)`` (a Wald interval on the log
    scale), so ``se = (ln ci_high - ln ci_low) / (2 z)`` with ``z`` = 1.96 for 95%.
    """
    _check_ratio_ci(estimate, ci_low, ci_high)
    z = _z(level)
    log_low, log_high = math.log(ci_low), math.log(ci_high)
    mean = math.log(estimate)
    return LogRatio(
        estimate=float(estimate),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        level=level,
        mean=mean,
        se=(log_high - log_low) / (2 * z),
        asymmetry=mean - (log_low + log_high) / 2,
    )


class _NormalOnLogRatio:
    """What a normal distribution of the log ratio (``mean``, ``sd``) says on the ratio scale;
    shared by a prior and a posterior."""

    mean: float
    sd: float

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Central (equal-tailed) interval on the ratio scale: for a prior its central prior
        interval, for a posterior its credible interval."""
        z = _z(level)
        return math.exp(self.mean - z * self.sd), math.exp(self.mean + z * self.sd)

    def prob_above(self, threshold: float) -> float:
        """Probability that the ratio exceeds ``threshold`` (e.g. 1 or 1.25)."""
        return float(stats.norm.sf(math.log(threshold), self.mean, self.sd))


@dataclass(frozen=True)
class NormalPrior(_NormalOnLogRatio):
    """A normal prior on the log ratio: ``N(mean, sd**2)``.

    ``name`` is a stable machine key ("sceptical", "vague", "enthusiastic", "pessimistic"…);
    ``label`` is what a reader sees; ``description`` says in words what the prior believes.
    """

    name: str
    label: str
    mean: float
    sd: float
    description: str = ""

    def __post_init__(self):
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise EvidenceInputError(
                f"prior {self.name!r}: sd={self.sd}; expected a positive number"
            )

    @property
    def centre_ratio(self) -> float:
        return math.exp(self.mean)

    @property
    def events_equivalent(self) -> float:
        """Information in the prior expressed as the number of events of a 1:1 comparison.

        A log hazard ratio from d events with equal allocation has variance about 4/d
        (Spiegelhalter et al. 2004, §5.5), so a prior with sd s is "worth" 4/s**2 events.
        """
        return 4.0 / self.sd**2


def sceptical_prior(
    extreme_ratio: float = 2.0,
    tail_probability: float = 0.05,
    name: str = "sceptical",
    label: str = "Sceptical",
    description: str | None = None,
) -> NormalPrior:
    """Prior centred on no effect (ratio 1) that finds large effects unlikely.

    The sd is chosen so that the prior probability of a ratio below ``1/extreme_ratio`` or
    above ``extreme_ratio`` is ``tail_probability`` in total (half in each tail): the
    default puts 95% of the prior between 0.5 and 2, sd = ln 2 / 1.96 = 0.354.
    """
    if extreme_ratio <= 1:
        raise EvidenceInputError(f"extreme_ratio={extreme_ratio}; expected a ratio > 1")
    if not 0 < tail_probability < 1:
        raise EvidenceInputError(f"tail_probability={tail_probability}; expected 0 < p < 1")
    sd = math.log(extreme_ratio) / float(stats.norm.ppf(1 - tail_probability / 2))
    if description is None:
        description = (
            f"centred on no effect; {100 * (1 - tail_probability):g}% prior probability that the "
            f"ratio lies between {1 / extreme_ratio:.2g} and {extreme_ratio:.2g}"
        )
    return NormalPrior(name=name, label=label, mean=0.0, sd=sd, description=description)


def vague_prior(sd: float = 10.0, name: str = "vague", label: str = "Vague") -> NormalPrior:
    """Nearly flat prior on the log ratio (default sd 10): the posterior is the data alone."""
    return NormalPrior(
        name=name,
        label=label,
        mean=0.0,
        sd=sd,
        description=f"centred on no effect with sd {sd:g} on the log scale: lets the data speak",
    )


def centred_prior(
    centre_ratio: float, sd: float, name: str, label: str, description: str = ""
) -> NormalPrior:
    """Prior centred on ``centre_ratio`` (e.g. an expected benefit 0.8 or harm 1.25)."""
    if centre_ratio <= 0:
        raise EvidenceInputError(f"centre_ratio={centre_ratio}; expected a positive ratio")
    return NormalPrior(
        name=name, label=label, mean=math.log(centre_ratio), sd=sd, description=description
    )


def standard_priors(
    benefit_ratio: float = 0.8,
    harm_ratio: float = 1.25,
    extreme_ratio: float = 2.0,
    tail_probability: float = 0.05,
    factor: str = "the factor",
    vague_sd: float = 10.0,
) -> list[NormalPrior]:
    """The four priors of the book's re-analysis, labelled for the question asked.

    * **sceptical**: centred on ratio 1, 95% (1 - ``tail_probability``) between
      1/``extreme_ratio`` and ``extreme_ratio``;
    * **vague**: sd ``vague_sd`` on the log scale (the data alone);
    * **enthusiastic**: centred on the benefit ``benefit_ratio`` (a ratio below 1 means
      fewer events), same spread as the sceptical prior;
    * **pessimistic**: centred on the harm ``harm_ratio``, same spread.

    ``factor`` names the exposure in the labels ("prior InO" → "Enthusiastic: prior InO
    helps (HR 0.80)"). Sharing one spread means the three informative priors carry the
    same information and differ only in where they are centred.
    """
    sceptic = sceptical_prior(
        extreme_ratio, tail_probability, label=f"Sceptical: {factor} makes no difference"
    )
    sd = sceptic.sd
    spread = (
        f"same spread as the sceptical prior ({100 * (1 - tail_probability):g}% within a "
        f"factor {extreme_ratio:g} of its centre)"
    )
    return [
        sceptic,
        vague_prior(vague_sd, label="Vague: the data alone"),
        centred_prior(
            benefit_ratio,
            sd,
            name="enthusiastic",
            label=f"Enthusiastic: {factor} helps (centre {benefit_ratio:.2f})",
            description=f"centred on a ratio of {benefit_ratio:.2f} (benefit); {spread}",
        ),
        centred_prior(
            harm_ratio,
            sd,
            name="pessimistic",
            label=f"Pessimistic: {factor} harms (centre {harm_ratio:.2f})",
            description=f"centred on a ratio of {harm_ratio:.2f} (harm); {spread}",
        ),
    ]


@dataclass(frozen=True)
class Posterior(_NormalOnLogRatio):
    """Normal posterior for the log ratio under one prior."""

    prior: NormalPrior
    likelihood: LogRatio
    mean: float
    sd: float

    @property
    def median_ratio(self) -> float:
        """Posterior median of the ratio (= exp of the posterior mean of the log ratio)."""
        return math.exp(self.mean)

    def prob_below(self, threshold: float) -> float:
        """Posterior probability that the ratio is below ``threshold``."""
        return float(stats.norm.cdf(math.log(threshold), self.mean, self.sd))

    @property
    def data_weight(self) -> float:
        """Share of the posterior precision that comes from the data (0–1)."""
        return self.likelihood.precision / (self.likelihood.precision + 1 / self.prior.sd**2)

    def density(self, ratios) -> np.ndarray:
        """Posterior density of the log ratio, evaluated at ``ln(ratios)``.

        Plotted against the ratio on a log axis, the area under the curve is probability.
        """
        return stats.norm.pdf(np.log(np.asarray(ratios, dtype=float)), self.mean, self.sd)


def normal_posterior(likelihood: LogRatio, prior: NormalPrior) -> Posterior:
    """Conjugate normal update: precisions add; the mean is the precision-weighted mean."""
    prior_precision = 1.0 / prior.sd**2
    precision = prior_precision + likelihood.precision
    mean = (prior_precision * prior.mean + likelihood.precision * likelihood.mean) / precision
    return Posterior(prior=prior, likelihood=likelihood, mean=mean, sd=math.sqrt(1.0 / precision))


def posterior_table(
    likelihoods: dict[str, LogRatio],
    priors: Sequence[NormalPrior] | Callable[[str], Sequence[NormalPrior]],
    above: Sequence[float] = (1.0, 1.25),
    below: Sequence[float] = (1.0, 0.8),
    level: float = 0.95,
):
    """Posterior summaries, one row per (estimate, prior), as a DataFrame.

    ``priors`` is a list (the same priors for every estimate) or a function of the
    estimate's key returning its priors (so labels can name each factor). Columns: key,
    prior, prior_label, median, cri_low, cri_high, data_weight, ``p_above_<t>`` and
    ``p_below_<t>`` for each threshold.
    """
    import pandas as pd

    rows = []
    for key, likelihood in likelihoods.items():
        prior_list = priors(key) if callable(priors) else priors
        for prior in prior_list:
            post = normal_posterior(likelihood, prior)
            low, high = post.interval(level)
            row = {
                "key": key,
                "prior": prior.name,
                "prior_label": prior.label,
                "median": post.median_ratio,
                "cri_low": low,
                "cri_high": high,
                "data_weight": post.data_weight,
            }
            for t in above:
                row[f"p_above_{t:g}"] = post.prob_above(t)
            for t in below:
                row[f"p_below_{t:g}"] = post.prob_below(t)
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# 2. E-values
# --------------------------------------------------------------------------------------


def hr_to_rr(hr: float, rare: bool) -> float:
    """Hazard ratio to an approximate risk ratio (VanderWeele & Ding 2017, Table 2).

    Rare outcome (< 15% by the end of follow-up): RR ≈ HR. Common outcome:
    RR ≈ (1 - 0.5**sqrt(HR)) / (1 - 0.5**sqrt(1/HR)).
    """
    if hr is None or not math.isfinite(hr) or hr <= 0:
        raise EvidenceInputError(f"hazard ratio {hr}; expected a positive number")
    if rare:
        return float(hr)
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))


def or_to_rr(odds_ratio: float, rare: bool) -> float:
    """Odds ratio to an approximate risk ratio: OR if rare, sqrt(OR) if common."""
    if odds_ratio is None or not math.isfinite(odds_ratio) or odds_ratio <= 0:
        raise EvidenceInputError(f"odds ratio {odds_ratio}; expected a positive number")
    return float(odds_ratio) if rare else math.sqrt(odds_ratio)


def e_value(rr: float, true: float = 1.0) -> float:
    """E-value for a risk ratio: the confounding strength that moves ``rr`` to ``true``.

    With r = rr/true (or true/rr when rr < true): E = r + sqrt(r (r - 1)). For ``true`` = 1
    this is VanderWeele & Ding's (2017) E-value; other ``true`` values follow R's
    EValue package (``evalues.RR(est, true=...)``).
    """
    for name, value in (("risk ratio", rr), ("true value", true)):
        if value is None or not math.isfinite(value) or value <= 0:
            raise EvidenceInputError(f"{name} {value}; expected a positive number")
    r = rr / true if rr >= true else true / rr
    return r + math.sqrt(r * (r - 1))


_MEASURES = ("RR", "HR", "OR")


@dataclass(frozen=True)
class EValue:
    """E-values for an estimate and its CI, after conversion to the risk-ratio scale.

    ``e_ci`` is the E-value for the CI limit closest to ``true`` (1.0 when the CI already
    contains ``true``); ``ci_limit`` says which limit ("lower", "upper" or "contains").
    """

    measure: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    rare: bool | None
    true: float
    rr: float
    rr_low: float | None
    rr_high: float | None
    e_point: float
    e_ci: float | None
    ci_limit: str | None


def e_values(
    estimate: float,
    ci_low: float | None = None,
    ci_high: float | None = None,
    measure: str = "RR",
    rare: bool | None = None,
    true: float = 1.0,
) -> EValue:
    """E-value for a point estimate and for the CI limit closest to ``true``.

    ``measure`` is "RR" (risk or rate ratio, used as is), "HR" or "OR" (converted with
    :func:`hr_to_rr` / :func:`or_to_rr`; ``rare`` must then be given: True when the outcome
    occurs in < 15% by the end of follow-up). ``true`` is converted on the same scale.
    Semantics as R's ``EValue::evalues.RR/HR/OR``.
    """
    measure = measure.upper()
    if measure not in _MEASURES:
        raise EvidenceInputError(f"measure {measure!r}; expected one of {_MEASURES}")
    if measure != "RR" and rare is None:
        raise EvidenceInputError(
            f"measure {measure}: say whether the outcome is rare (rare=True: < 15% by the end "
            "of follow-up) or common (rare=False)"
        )
    if (ci_low is None) != (ci_high is None):
        raise EvidenceInputError("give both ci_low and ci_high, or neither")
    if ci_low is not None:
        _check_ratio_ci(estimate, ci_low, ci_high, what=measure)

    def convert(x: float) -> float:
        if measure == "HR":
            return hr_to_rr(x, bool(rare))
        if measure == "OR":
            return or_to_rr(x, bool(rare))
        if x is None or not math.isfinite(x) or x <= 0:
            raise EvidenceInputError(f"risk ratio {x}; expected a positive number")
        return float(x)

    rr, rr_true = convert(estimate), convert(true)
    rr_low = convert(ci_low) if ci_low is not None else None
    rr_high = convert(ci_high) if ci_high is not None else None
    e_ci: float | None = None
    limit: str | None = None
    if rr_low is not None:
        if rr_low > rr_true:
            e_ci, limit = e_value(rr_low, rr_true), "lower"
        elif rr_high < rr_true:
            e_ci, limit = e_value(rr_high, rr_true), "upper"
        else:
            e_ci, limit = 1.0, "contains"
    return EValue(
        measure=measure,
        estimate=float(estimate),
        ci_low=ci_low,
        ci_high=ci_high,
        rare=rare,
        true=float(true),
        rr=rr,
        rr_low=rr_low,
        rr_high=rr_high,
        e_point=e_value(rr, rr_true),
        e_ci=e_ci,
        ci_limit=limit,
    )


def risk_ratio(
    events_1: int, n_1: int, events_0: int, n_0: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Risk ratio (events_1/n_1) / (events_0/n_0) with the usual log-scale Wald CI.

    se(ln RR) = sqrt(1/a - 1/n_1 + 1/c - 1/n_0) (Katz et al. 1978). With a zero count 0.5
    is added to every cell (Haldane–Anscombe), as most software does.
    """
    for k, n in ((events_1, n_1), (events_0, n_0)):
        _check_count(k, n)
    a, b, c, d = events_1, n_1 - events_1, events_0, n_0 - events_0
    if 0 in (a, c):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    n1, n0 = a + b, c + d
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    z = _z(level)
    return rr, rr * math.exp(-z * se), rr * math.exp(z * se)


# --------------------------------------------------------------------------------------
# 3. Fragility
# --------------------------------------------------------------------------------------


def _check_count(k, n) -> None:
    if int(n) != n or n < 1:
        raise EvidenceInputError(f"group size n={n}; expected a whole number >= 1")
    if int(k) != k or k < 0 or k > n:
        raise EvidenceInputError(f"events={k} with n={n}; expected a whole number 0 <= events <= n")


def _as_2x2(table) -> np.ndarray:
    arr = np.asarray(table)
    if arr.shape != (2, 2):
        raise EvidenceInputError(
            f"table has shape {arr.shape}; expected 2 x 2 "
            "[[events_1, non_events_1], [events_0, non_events_0]]"
        )
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise EvidenceInputError(f"table {arr.tolist()}: expected non-negative whole counts")
    return arr.astype(int)


def fisher_p(table) -> float:
    """Two-sided Fisher exact p-value (R ``fisher.test``) for a 2 x 2 table."""
    return contingency.fisher_exact(table)


def chi2_p(correction: bool = False) -> Callable[[np.ndarray], float]:
    """Pearson chi-square p-value function, with or without Yates' correction (R chisq.test)."""

    def test(table) -> float:
        arr = np.asarray(table)
        # A table with an empty margin has no chi-square statistic; call it "no difference".
        if np.any(arr.sum(axis=0) == 0) or np.any(arr.sum(axis=1) == 0):
            return 1.0
        return contingency.pearson_chi2(arr, correction=correction).p

    test.__name__ = "chi2_yates_p" if correction else "chi2_p"
    return test


@dataclass(frozen=True)
class Fragility:
    """Result of a fragility search on a 2 x 2 table.

    ``index`` = number of patients whose outcome was changed (0 when the starting table is
    already on the target side of ``alpha``; None when no change in the allowed direction
    gets there). ``group`` is the row changed (1 = first, 0 = second) and ``direction`` +1
    (non-events made events) or -1 (events made non-events). ``path`` lists the p-values
    after each change. ``quotient`` = index / total patients (Ahmed et al. 2016).
    """

    kind: str  # "fragility" or "reverse"
    test: str
    alpha: float
    p_start: float
    significant_start: bool
    index: int | None
    group: int | None
    direction: int | None
    p_end: float | None
    table_end: list[list[int]] | None
    n_total: int
    path: list[float] = field(default_factory=list)

    @property
    def quotient(self) -> float | None:
        return None if self.index is None else self.index / self.n_total


def _walk(arr, group, direction, test, stop, max_steps=None):
    """Change one patient at a time in ``group`` until ``stop(p)``; return (steps, p, table, path)."""
    row = 1 - group  # array row 0 is group 1 (first), row 1 is group 0
    current = arr.copy()
    path = []
    steps = 0
    while True:
        events, non_events = current[row]
        if direction > 0 and non_events == 0 or direction < 0 and events == 0:
            return None, None, None, path
        if max_steps is not None and steps >= max_steps:
            return None, None, None, path
        current[row] = [events + direction, non_events - direction]
        steps += 1
        p = float(test(current))
        path.append(p)
        if stop(p):
            return steps, p, current.tolist(), path


def fragility_index(
    table, test: Callable = fisher_p, alpha: float = 0.05, rule: str = "walsh"
) -> Fragility:
    """Fragility index of a significant 2 x 2 comparison (Walsh et al. 2014).

    ``rule="walsh"``: in the group with fewer events, turn non-events into events one
    patient at a time (keeping the group size) and recompute the two-sided p-value until
    p >= ``alpha``; the number of changes is the index. When both groups have the same
    number of events, the group giving the smaller index is used. Walsh et al. used
    Fisher's exact test (:func:`fisher_p`, the default); pass e.g. ``chi2_p()`` to use the
    test a study used. If the starting p is already >= ``alpha`` the index is 0 (as in
    Walsh et al.). ``rule="any"``: the smallest count over both groups and both directions.
    """
    arr = _as_2x2(table)
    p0 = float(test(arr))
    n_total = int(arr.sum())
    name = getattr(test, "__name__", "test")
    base = dict(kind="fragility", test=name, alpha=alpha, p_start=p0, n_total=n_total)
    if p0 >= alpha:
        return Fragility(
            **base, significant_start=False, index=0, group=None, direction=None,
            p_end=p0, table_end=arr.tolist(),
        )  # fmt: skip
    if rule == "walsh":
        events_1, events_0 = arr[0, 0], arr[1, 0]
        if events_1 < events_0:
            options = [(1, +1)]
        elif events_0 < events_1:
            options = [(0, +1)]
        else:
            options = [(1, +1), (0, +1)]
    elif rule == "any":
        options = [(1, +1), (1, -1), (0, +1), (0, -1)]
    else:
        raise EvidenceInputError(f"rule {rule!r}; expected 'walsh' or 'any'")
    return _best(arr, options, test, lambda p: p >= alpha, base, significant_start=True)


def reverse_fragility_index(table, test: Callable = fisher_p, alpha: float = 0.05) -> Fragility:
    """Reverse fragility index of a non-significant 2 x 2 comparison.

    The smallest number of patients in one group whose outcome would have to change for the
    two-sided p-value to fall below ``alpha`` — in the spirit of Khan et al. (2020). All
    four single-group moves are tried (either group, events added or removed) and the
    shortest is kept, so the answer does not depend on a labelling convention. If the
    starting p is already < ``alpha`` the index is 0.
    """
    arr = _as_2x2(table)
    p0 = float(test(arr))
    name = getattr(test, "__name__", "test")
    base = dict(kind="reverse", test=name, alpha=alpha, p_start=p0, n_total=int(arr.sum()))
    if p0 < alpha:
        return Fragility(
            **base, significant_start=True, index=0, group=None, direction=None,
            p_end=p0, table_end=arr.tolist(),
        )  # fmt: skip
    options = [(1, +1), (1, -1), (0, +1), (0, -1)]
    return _best(arr, options, test, lambda p: p < alpha, base, significant_start=False)


def _best(arr, options, test, stop, base, significant_start) -> Fragility:
    best = None
    for group, direction in options:
        limit = None if best is None else best[0]
        steps, p, end, path = _walk(arr, group, direction, test, stop, max_steps=limit)
        if steps is not None and (best is None or steps < best[0]):
            best = (steps, p, end, path, group, direction)
    if best is None:
        return Fragility(
            **base, significant_start=significant_start, index=None, group=None,
            direction=None, p_end=None, table_end=None,
        )  # fmt: skip
    steps, p, end, path, group, direction = best
    return Fragility(
        **base, significant_start=significant_start, index=steps, group=group,
        direction=direction, p_end=p, table_end=end, path=path,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# 4. Precision of differences
# --------------------------------------------------------------------------------------


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (no continuity correction)."""
    _check_count(k, n)
    z = _z(level)
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denom = 1 + z * z / n
    return max(0.0, (centre - half) / denom), min(1.0, (centre + half) / denom)


@dataclass(frozen=True)
class RiskDifference:
    """p_1 - p_0 with its interval (proportions, not percentages)."""

    p_1: float
    p_0: float
    difference: float
    ci_low: float
    ci_high: float
    level: float
    method: str

    @property
    def estimate(self) -> float:
        """Alias of ``difference`` (same name as :class:`LandmarkComparison`)."""
        return self.difference


def risk_difference(
    events_1: int, n_1: int, events_0: int, n_0: int, level: float = 0.95
) -> RiskDifference:
    """Difference of two independent proportions with Newcombe's hybrid score interval.

    Newcombe (1998), method 10: from the Wilson limits (l_i, u_i) of each proportion,
    lower = d - sqrt((p_1 - l_1)**2 + (u_0 - p_0)**2),
    upper = d + sqrt((u_1 - p_1)**2 + (p_0 - l_0)**2). Well behaved with small counts and
    with zero cells, unlike the Wald interval.
    """
    _check_count(events_1, n_1)
    _check_count(events_0, n_0)
    p1, p0 = events_1 / n_1, events_0 / n_0
    l1, u1 = wilson_interval(events_1, n_1, level)
    l0, u0 = wilson_interval(events_0, n_0, level)
    d = p1 - p0
    return RiskDifference(
        p_1=p1,
        p_0=p0,
        difference=d,
        ci_low=d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
        ci_high=d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
        level=level,
        method="Newcombe hybrid score (Wilson) interval",
    )


# Transformations on which survival CIs are built: g(S) and |dg/dS|.
_SCALES: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "plain": (lambda s: s, lambda s: 1.0),
    "log": (math.log, lambda s: 1.0 / s),
    "log-log": (lambda s: math.log(-math.log(s)), lambda s: 1.0 / abs(s * math.log(s))),
    "logit": (lambda s: math.log(s / (1 - s)), lambda s: 1.0 / (s * (1 - s))),
    "arcsin": (
        lambda s: math.asin(math.sqrt(s)),
        lambda s: 1.0 / (2 * math.sqrt(s * (1 - s))),
    ),
}
SCALES = tuple(_SCALES)


def _check_survival_ci(s: float, low: float, high: float) -> None:
    for name, value in (("survival", s), ("ci_low", low), ("ci_high", high)):
        if value is None or not math.isfinite(value) or not 0 < value < 1:
            raise EvidenceInputError(
                f"landmark {name}={value}; expected a proportion strictly between 0 and 1 "
                "(give 0.54, not 54)"
            )
    if not low <= s <= high or low == high:
        raise EvidenceInputError(
            f"landmark survival {s} with interval ({low}, {high}); expected ci_low <= "
            "survival <= ci_high and a non-zero width"
        )


def landmark_se(
    survival: float, ci_low: float, ci_high: float, scale: str = "log-log", level: float = 0.95
) -> tuple[float, float]:
    """Recover standard errors from a published landmark survival CI.

    Assumes the CI was ``g^-1(g(S) +/- z se_g)`` on ``scale`` (R's ``conf.type``: "plain",
    "log", "log-log", "logit", "arcsin"); se_g = |g(high) - g(low)| / (2 z). Returns
    ``(se_g, se_S)`` where se_S = se_g / |g'(S)| is the delta-method SE of S itself.
    """
    _check_survival_ci(survival, ci_low, ci_high)
    if scale not in _SCALES:
        raise EvidenceInputError(f"scale {scale!r}; expected one of {SCALES}")
    g, dg = _SCALES[scale]
    se_g = abs(g(ci_high) - g(ci_low)) / (2 * _z(level))
    return se_g, se_g / dg(survival)


def ci_scale_fit(
    survival: float, ci_low: float, ci_high: float, decimals: int = 2, level: float = 0.95
):
    """Which transformation can explain a printed (rounded) landmark estimate and CI?

    For each scale (R ``conf.type``), ``consistent`` says whether some unrounded survival S
    and standard error exist whose estimate and limits all round, at ``decimals`` places
    (as proportions: 2 for whole percentages), to the printed ones. ``error`` is the
    largest gap between the printed limits and those rebuilt around the printed estimate
    with the SE of :func:`landmark_se` — a tie-breaker when several scales are consistent.
    Returns a DataFrame sorted by (not consistent, error).
    """
    import pandas as pd

    _check_survival_ci(survival, ci_low, ci_high)
    z = _z(level)
    half = 0.5 * 10.0**-decimals
    # Unrounded estimates the printed one could have come from (kept inside (0, 1)).
    s_grid = np.linspace(max(survival - half, 1e-9), min(survival + half, 1 - 1e-9), 401)
    rows = []
    for scale, (g, _dg) in _SCALES.items():
        g_grid = np.array([g(s) for s in s_grid])
        lo_a, hi_a = _se_range(g, g_grid, ci_low, half, z)
        lo_b, hi_b = _se_range(g, g_grid, ci_high, half, z)
        consistent = bool(np.any(np.maximum(lo_a, lo_b) <= np.minimum(hi_a, hi_b)))
        se_g, _ = landmark_se(survival, ci_low, ci_high, scale, level)
        inverse = _inverse(scale)
        a, b = inverse(g(survival) - z * se_g), inverse(g(survival) + z * se_g)
        low, high = min(a, b), max(a, b)
        rows.append(
            {
                "scale": scale,
                "consistent": consistent,
                "rebuilt_low": low,
                "rebuilt_high": high,
                "error": max(abs(low - ci_low), abs(high - ci_high)),
            }
        )
    frame = pd.DataFrame(rows)
    frame["_order"] = ~frame["consistent"]
    frame = frame.sort_values(["_order", "error"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def _se_range(g, g_grid: np.ndarray, limit: float, half: float, z: float):
    """SEs (per candidate S) that put a printed limit anywhere in its rounding interval."""
    ends = [min(max(limit + d, 1e-12), 1 - 1e-12) for d in (-half, half)]
    a, b = (np.abs(g_grid - g(e)) / z for e in ends)
    return np.minimum(a, b), np.maximum(a, b)


def _inverse(scale: str) -> Callable[[float], float]:
    if scale == "plain":
        return lambda x: x
    if scale == "log":
        return math.exp
    if scale == "log-log":
        return lambda x: math.exp(-math.exp(x))
    if scale == "logit":
        return lambda x: 1 / (1 + math.exp(-x))
    return lambda x: math.sin(min(max(x, 0.0), math.pi / 2)) ** 2


@dataclass(frozen=True)
class LandmarkComparison:
    """A contrast of two landmark survival estimates with an approximate CI."""

    statistic: str  # "difference", "risk_ratio" or "hazard_ratio"
    estimate: float
    ci_low: float
    ci_high: float
    se: float  # on the scale the CI is built (plain for difference, log for ratios)
    scale: str  # scale the input CIs were assumed to be built on
    level: float


def landmark_difference(
    first: tuple[float, float, float],
    second: tuple[float, float, float],
    scale: str = "log-log",
    level: float = 0.95,
) -> LandmarkComparison:
    """Difference S_1 - S_2 in landmark survival, with a normal-approximation CI.

    ``first`` and ``second`` are (survival, ci_low, ci_high) as proportions, with CIs built
    on ``scale``. Each SE of S is recovered by :func:`landmark_se`; the groups are
    independent, so se(diff) = sqrt(se_1**2 + se_2**2) and the CI is diff +/- z se.
    """
    _, se1 = landmark_se(*first, scale=scale, level=level)
    _, se2 = landmark_se(*second, scale=scale, level=level)
    diff = first[0] - second[0]
    se = math.hypot(se1, se2)
    z = _z(level)
    return LandmarkComparison("difference", diff, diff - z * se, diff + z * se, se, scale, level)


def landmark_risk_ratio(
    first: tuple[float, float, float],
    second: tuple[float, float, float],
    scale: str = "log-log",
    level: float = 0.95,
) -> LandmarkComparison:
    """Ratio of the risks of an event by the landmark, (1 - S_1) / (1 - S_2).

    Approximate: a Kaplan–Meier 1 - S is a risk only if censoring before the landmark is
    uninformative. se(ln(1 - S)) = se_S / (1 - S) (delta method); CI on the log scale.
    """
    _, se1 = landmark_se(*first, scale=scale, level=level)
    _, se2 = landmark_se(*second, scale=scale, level=level)
    r1, r2 = 1 - first[0], 1 - second[0]
    rr = r1 / r2
    se = math.hypot(se1 / r1, se2 / r2)
    z = _z(level)
    return LandmarkComparison(
        "risk_ratio", rr, rr * math.exp(-z * se), rr * math.exp(z * se), se, scale, level
    )


def landmark_hazard_ratio(
    first: tuple[float, float, float],
    second: tuple[float, float, float],
    scale: str = "log-log",
    level: float = 0.95,
) -> LandmarkComparison:
    """Hazard ratio implied by two landmark survivals under proportional hazards.

    If hazards are proportional, S_1(t) = S_2(t)**HR, so HR = ln S_1 / ln S_2 and
    ln HR = ln(-ln S_1) - ln(-ln S_2): a difference on the log-log scale. Its SE is
    sqrt(se_1**2 + se_2**2) with each se on the log-log scale (taken directly from the CIs
    when they were built on that scale, by the delta method otherwise).
    """

    def loglog_se(est: tuple[float, float, float]) -> float:
        _, se_s = landmark_se(*est, scale=scale, level=level)
        return se_s * _SCALES["log-log"][1](est[0])

    hr = math.log(first[0]) / math.log(second[0])
    se = math.hypot(loglog_se(first), loglog_se(second))
    z = _z(level)
    return LandmarkComparison(
        "hazard_ratio", hr, hr * math.exp(-z * se), hr * math.exp(z * se), se, scale, level
    )


# --------------------------------------------------------------------------------------
# Text for figures and prose (the figures are in inoreport.figures.evidence)
# --------------------------------------------------------------------------------------


def percent_text(probability: float) -> str:
    """A probability as a whole percentage, with "<1%" and ">99%" at the extremes
    (:func:`inoreport.formatting.bounded_percent`)."""
    return bounded_percent(probability)


def points_text(proportion: float, sign: bool = True) -> str:
    """A difference of proportions in percentage points, with a true minus sign.

    Whole points, except that a value which would round to zero keeps one decimal, so a
    confidence limit just below zero prints as "−0.3", never as "−0".
    """
    points = 100 * proportion
    if points == 0:
        return "0"
    spec = "+" if sign else ""
    for digits in (0, 1, 2):
        text = f"{points:{spec}.{digits}f}"
        if float(text) != 0:
            break
    else:
        text = f"{points:{spec}.2g}"
    return text.replace("-", "\u2212")
