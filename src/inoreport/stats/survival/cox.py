"""Cox proportional-hazards regression with Efron ties, as R ``coxph``.

The partial likelihood, its score and information are computed with sums over distinct
times (reverse cumulative sums), so a fit costs a few passes over the data per Newton step
and 10^6 rows fit in seconds. No loop runs over patients in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg, stats

from inoreport.stats.survival._common import (
    SurvivalInputError,
    as_frame,
    bad_value_error,
    check_event,
    check_time,
    label,
    natural_levels,
    require_columns,
    show,
    timefix,
    z_value,
)

TABLE_COLUMNS = [
    "term",
    "variable",
    "level",
    "reference",
    "coef",
    "se",
    "z",
    "hr",
    "ci_low",
    "ci_high",
    "p",
]
MAX_ITER = 60


# ------------------------------------------------------------------------------------------
# Sorted data and the Efron partial likelihood
# ------------------------------------------------------------------------------------------
@dataclass
class _CoxData:
    """Design sorted by exit time (stable, so ties keep data order), with the tie structure.

    ``wt`` holds the case weights (ones without weights: multiplying by 1.0 is exact, so an
    unweighted fit does the same arithmetic as before weights existed). With entry times a
    row is at risk at t when entry < t <= time; ``entry`` is then set and risk-set sums are
    the sums over exit >= t minus the sums over entry >= t.
    """

    time: np.ndarray
    event: np.ndarray
    X: np.ndarray  # centred covariates, (n, p)
    means: np.ndarray
    sd: np.ndarray
    starts: np.ndarray  # first row of each distinct time
    tidx: np.ndarray  # distinct-time index of each row
    ev_rows: np.ndarray  # rows with an event
    ev_starts: np.ndarray  # first position (within ev_rows) of each distinct event time
    ev_k: np.ndarray  # distinct-time index of each distinct event time
    ev_d: np.ndarray  # number of events at each distinct event time
    rep: np.ndarray  # for each event: index of its distinct event time
    frac: np.ndarray  # Efron fraction l/d for each event (l = 0..d-1)
    wt: np.ndarray  # case weight of each row
    meanwt: np.ndarray  # mean case weight of the events at each distinct event time
    entry: np.ndarray | None = None  # entry time of each row (None: at risk from time 0)
    entry_order: np.ndarray | None = None  # rows sorted by entry time
    entry_pos: np.ndarray | None = None  # per distinct event time: first entry-sorted row >= it
    entry_k: np.ndarray | None = None  # per row: distinct times <= its entry (count)

    @classmethod
    def build(
        cls,
        time: np.ndarray,
        event: np.ndarray,
        X: np.ndarray,
        weights: np.ndarray | None = None,
        entry: np.ndarray | None = None,
    ) -> _CoxData:
        order = np.argsort(time, kind="stable")
        time, event, X = time[order], event[order], X[order]
        wt = np.ones(len(time)) if weights is None else np.asarray(weights, float)[order]
        means = X.mean(axis=0) if X.shape[1] else np.zeros(0)
        Xc = X - means
        sd = Xc.std(axis=0) if X.shape[1] else np.zeros(0)
        new = np.ones(len(time), dtype=bool)
        new[1:] = time[1:] != time[:-1]
        starts = np.flatnonzero(new)
        tidx = np.cumsum(new) - 1
        ev_rows = np.flatnonzero(event)
        ev_t = tidx[ev_rows]
        ev_new = np.ones(len(ev_rows), dtype=bool)
        ev_new[1:] = ev_t[1:] != ev_t[:-1]
        ev_starts = np.flatnonzero(ev_new)
        ev_k = ev_t[ev_starts]
        ev_d = np.diff(np.append(ev_starts, len(ev_rows)))
        rep = np.cumsum(ev_new) - 1
        frac = (np.arange(len(ev_rows)) - ev_starts[rep]) / ev_d[rep]
        meanwt = np.add.reduceat(wt[ev_rows], ev_starts) / ev_d if len(ev_rows) else np.zeros(0)
        extra = {}
        if entry is not None:
            entry = np.asarray(entry, float)[order]
            entry_order = np.argsort(entry, kind="stable")
            uniq = time[starts]
            extra = {
                "entry": entry,
                "entry_order": entry_order,
                "entry_pos": np.searchsorted(entry[entry_order], uniq[ev_k], side="left"),
                "entry_k": np.searchsorted(uniq, entry, side="right"),
            }
        return cls(
            time,
            event,
            Xc,
            means,
            sd,
            starts,
            tidx,
            ev_rows,
            ev_starts,
            ev_k,
            ev_d,
            rep,
            frac,
            wt,
            meanwt,
            **extra,
        )

    def subset_columns(self, cols: Sequence[int]) -> _CoxData:
        cols = list(cols)
        return replace(self, X=self.X[:, cols], means=self.means[cols], sd=self.sd[cols])

    def entered_later(self, values: np.ndarray) -> np.ndarray:
        """Per distinct event time t: the sum of ``values`` over rows that enter at or after t
        (they are not yet at risk at t). ``values`` has one entry (or row) per data row."""
        tail = _revcumsum(values[self.entry_order])
        tail = np.concatenate([tail, np.zeros((1, *values.shape[1:]))])
        return tail[self.entry_pos]

    def sum_before_entry(self, per_time: np.ndarray) -> np.ndarray:
        """Per row: the cumulative sum of ``per_time`` (one value per distinct time) over the
        times at or before the row's entry (0 without entry times)."""
        if self.entry is None:
            return 0.0
        cum = np.concatenate([np.zeros((1, *per_time.shape[1:])), np.cumsum(per_time, axis=0)])
        return cum[self.entry_k]


def _revcumsum(a: np.ndarray) -> np.ndarray:
    return np.cumsum(a[::-1], axis=0)[::-1]


@dataclass
class _Pieces:
    """Per-time sums at one beta, from which score and (weighted) information follow."""

    loglik: float
    w: np.ndarray  # case weight x relative risk of each row
    R1e: np.ndarray
    E1: np.ndarray
    inv: np.ndarray  # 1 / Efron denominator, one per event
    frac: np.ndarray
    shift: float = 0.0  # max linear predictor; w = wt * exp(eta - shift)


def _pieces(cd: _CoxData, beta: np.ndarray, efron: bool) -> _Pieces:
    X = cd.X
    eta = X @ beta if X.shape[1] else np.zeros(len(cd.time))
    shift = float(eta.max())
    w = cd.wt * np.exp(eta - shift)
    R0 = _revcumsum(np.add.reduceat(w, cd.starts))
    wx = w[:, None] * X
    R1 = _revcumsum(np.add.reduceat(wx, cd.starts, axis=0))
    R0e, R1e = R0[cd.ev_k], R1[cd.ev_k]
    if cd.entry is not None:
        R0e = R0e - cd.entered_later(w)
        R1e = R1e - cd.entered_later(wx)
    E0 = np.add.reduceat(w[cd.ev_rows], cd.ev_starts)
    E1 = np.add.reduceat(wx[cd.ev_rows], cd.ev_starts, axis=0)
    frac = cd.frac if efron else np.zeros_like(cd.frac)
    den = R0e[cd.rep] - frac * E0[cd.rep]
    mw = cd.meanwt[cd.rep]
    wev = cd.wt[cd.ev_rows]
    with np.errstate(divide="ignore"):
        loglik = float((wev * eta[cd.ev_rows]).sum() - (mw * np.log(den)).sum() - wev.sum() * shift)
    return _Pieces(loglik, w, R1e, E1, 1.0 / den, frac, shift)


def _score(cd: _CoxData, pc: _Pieces, weight: np.ndarray | None = None) -> np.ndarray:
    """Score, or with ``weight`` (one per event time) sum_k weight_k * (x_events - xbar)."""
    A = np.add.reduceat(pc.inv, cd.ev_starts) * cd.meanwt
    B = np.add.reduceat(pc.frac * pc.inv, cd.ev_starts) * cd.meanwt
    Xe = cd.X[cd.ev_rows]
    xsum = np.add.reduceat(cd.wt[cd.ev_rows][:, None] * Xe, cd.ev_starts, axis=0)
    per_time = xsum - (A[:, None] * pc.R1e - B[:, None] * pc.E1)
    if weight is None:
        return per_time.sum(axis=0)
    return weight @ per_time


def _information(cd: _CoxData, pc: _Pieces, weight: np.ndarray | None = None) -> np.ndarray:
    """Observed information sum_k c_k V_k (c_k = 1 unless ``weight``), V_k Efron's variance
    (each tied event's term carries the mean case weight of the events at that time)."""
    inv, f = pc.inv, pc.frac
    inv2 = inv * inv
    A = np.add.reduceat(inv, cd.ev_starts)
    B = np.add.reduceat(f * inv, cd.ev_starts)
    C = np.add.reduceat(inv2, cd.ev_starts)
    Ef = np.add.reduceat(f * inv2, cd.ev_starts)
    F = np.add.reduceat(f * f * inv2, cd.ev_starts)
    c = cd.meanwt if weight is None else cd.meanwt * weight
    A, B, C, Ef, F = (v * c for v in (A, B, C, Ef, F))
    a_full = np.zeros(len(cd.starts))
    a_full[cd.ev_k] = A
    # subject i is at risk at every t_k with entry_i < t_k <= t_i
    row_weight = pc.w * (np.cumsum(a_full)[cd.tidx] - cd.sum_before_entry(a_full))
    X = cd.X
    m1 = X.T @ (X * row_weight[:, None])
    Xe = X[cd.ev_rows]
    m2 = Xe.T @ (Xe * (pc.w[cd.ev_rows] * B[cd.rep])[:, None])
    R1e, E1 = pc.R1e, pc.E1
    cross = R1e.T @ (Ef[:, None] * E1)
    m3 = R1e.T @ (C[:, None] * R1e) - cross - cross.T + E1.T @ (F[:, None] * E1)
    info = m1 - m2 - m3
    return (info + info.T) / 2


def _score_residuals(cd: _CoxData, pc: _Pieces) -> np.ndarray:
    """Per-row score residuals (Efron-aware, not multiplied by the case weight), in the sorted
    row order of ``cd``: R ``residuals(fit, type = "score")``.

    A row at risk at event time t_k (but not failing there) gets -r_i sum_l h_l (x_i - xbar_l)
    over the tied events l at t_k, where h_l is the hazard increment and xbar_l the weighted
    mean of the l-th Efron risk set; a row failing at t_k gets its own term x_i - mean_l xbar_l
    and the at-risk part with each h_l scaled by (1 - l/d).
    """
    X = cd.X
    h = cd.meanwt[cd.rep] * pc.inv  # hazard increment per tied event
    xbar = (pc.R1e[cd.rep] - pc.frac[:, None] * pc.E1[cd.rep]) * pc.inv[:, None]
    keep = 1 - pc.frac
    a = np.add.reduceat(h, cd.ev_starts)
    b = np.add.reduceat(h[:, None] * xbar, cd.ev_starts, axis=0)
    a_dead = np.add.reduceat(keep * h, cd.ev_starts)
    b_dead = np.add.reduceat((keep * h)[:, None] * xbar, cd.ev_starts, axis=0)
    c_mean = np.add.reduceat(xbar, cd.ev_starts, axis=0) / cd.ev_d[:, None]
    n_times = len(cd.starts)
    a_full = np.zeros(n_times)
    a_full[cd.ev_k] = a
    b_full = np.zeros((n_times, X.shape[1]))
    b_full[cd.ev_k] = b
    sa = np.cumsum(a_full)[cd.tidx] - cd.sum_before_entry(a_full)
    sb = np.cumsum(b_full, axis=0)[cd.tidx] - cd.sum_before_entry(b_full)
    # a failing row is "dead", not "alive", at its own event time
    k = cd.rep
    ev = cd.ev_rows
    sa[ev] -= a[k]
    sb[ev] -= b[k]
    risk = pc.w / cd.wt  # exp(eta - shift): the residual is per row, unweighted
    resid = -risk[:, None] * (X * sa[:, None] - sb)
    resid[ev] += X[ev] - c_mean[k] - risk[ev, None] * (X[ev] * a_dead[k][:, None] - b_dead[k])
    return resid


class _NotConverged(Exception):
    def __init__(self, column: int | None, message: str):
        super().__init__(message)
        self.column = column


def _newton(cd: _CoxData, efron: bool, beta0: np.ndarray | None = None):
    """Maximise the partial likelihood; returns (beta, loglik, information, iterations)."""
    p = cd.X.shape[1]
    beta = np.zeros(p) if beta0 is None else np.asarray(beta0, dtype=float).copy()
    pc = _pieces(cd, beta, efron)
    if p == 0:
        return beta, pc.loglik, np.zeros((0, 0)), 0
    scale = np.where(cd.sd > 0, cd.sd, 1.0)
    for iteration in range(1, MAX_ITER + 1):
        score = _score(cd, pc)
        info = _information(cd, pc)
        try:
            step = linalg.solve(info, score, assume_a="pos")
        except (linalg.LinAlgError, ValueError) as exc:
            raise _NotConverged(None, "the information matrix is singular") from exc
        new = beta + step
        new_pc = _pieces(cd, new, efron)
        halvings = 0
        while not np.isfinite(new_pc.loglik) or new_pc.loglik < pc.loglik - 1e-12 * abs(pc.loglik):
            halvings += 1
            if halvings > 40:
                raise _NotConverged(None, "step halving failed")
            new = (beta + new) / 2
            new_pc = _pieces(cd, new, efron)
        change = np.abs(new - beta) * scale
        gain = new_pc.loglik - pc.loglik
        beta, pc = new, new_pc
        if change.max() < 1e-10:
            return beta, pc.loglik, _information(cd, pc), iteration
        if change.max() < 1e-7 and abs(gain) <= 1e-14 * abs(pc.loglik):
            # rounding noise at 10^6 rows: the log-likelihood no longer moves
            return beta, pc.loglik, _information(cd, pc), iteration
        if change.max() > 0.1 and gain < 1e-7 * max(1.0, abs(pc.loglik)):
            # big steps that no longer raise the likelihood: it has no finite maximum
            raise _NotConverged(int(np.argmax(change)), "coefficient runs to infinity")
    worst = int(np.argmax(np.abs(beta) * scale))
    raise _NotConverged(worst, "no convergence")


# ------------------------------------------------------------------------------------------
# Design matrix with explicit reference levels
# ------------------------------------------------------------------------------------------
@dataclass
class _Design:
    X: np.ndarray
    terms: list[dict]
    assign: dict[str, list[int]]
    reference: dict[str, str]
    kinds: dict[str, str]
    counts: list[dict]


def _is_categorical(series: pd.Series) -> bool:
    return (
        isinstance(series.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(series)
        or pd.api.types.is_object_dtype(series)
        or pd.api.types.is_string_dtype(series)
    )


def _build_design(frame, covariates, reference, categorical, event, who) -> _Design:
    columns, terms, assign, refs, kinds, counts = [], [], {}, {}, {}, []
    for var in covariates:
        col = frame[var]
        if var in categorical or var in reference or _is_categorical(col):
            levels = natural_levels(col)
            labels = [label(v) for v in levels]
            if len(levels) < 2:
                raise SurvivalInputError(
                    f"{who}: covariate {var!r} is constant (every row used is "
                    f"{labels[0] if labels else 'missing'!r}); remove it from the model"
                )
            if var in reference:
                ref = label(reference[var])
                if ref not in labels:
                    raise SurvivalInputError(
                        f"{who}: reference level {reference[var]!r} for {var!r} is not among "
                        f"its values in the rows used: {labels}"
                    )
            else:
                ref = labels[0]
            lab = col.map(dict(zip(levels, labels, strict=True))).to_numpy(dtype=object)
            for level in labels:
                n_events = int(event[lab == level].sum())
                counts.append(
                    {
                        "variable": var,
                        "level": level,
                        "reference": level == ref,
                        "n": int((lab == level).sum()),
                        "events": n_events,
                    }
                )
                if n_events == 0:
                    raise SurvivalInputError(
                        f"{who}: covariate {var!r}, level {level!r} has no events among the "
                        f"{int((lab == level).sum())} rows used, so its hazard ratio is not "
                        "estimable (it would be 0 or infinite); merge the level with another, "
                        "drop those rows, or report that group descriptively"
                    )
            refs[var] = ref
            kinds[var] = "categorical"
            assign[var] = []
            for level in labels:
                if level == ref:
                    continue
                assign[var].append(len(columns))
                columns.append((lab == level).astype(float))
                terms.append(
                    {"term": f"{var}={level}", "variable": var, "level": level, "reference": ref}
                )
        else:
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                pos = np.flatnonzero(bad)[0]
                raise SurvivalInputError(
                    f"{who}: covariate {var!r}, row {show(frame.index[pos])}: value "
                    f"{show(col.iloc[pos])}; expected a finite number (or list {var!r} in "
                    "categorical= to treat it as groups)"
                )
            distinct = np.unique(values)
            if len(distinct) < 2:
                raise SurvivalInputError(
                    f"{who}: covariate {var!r} is constant (every row used is {show(distinct[0])}); "
                    "remove it from the model"
                )
            if len(distinct) == 2:
                for v in distinct:
                    if not event[values == v].any():
                        raise SurvivalInputError(
                            f"{who}: covariate {var!r} = {label(v)} has no events among the "
                            f"{int((values == v).sum())} rows used, so its hazard ratio is not "
                            "estimable (it would be 0 or infinite); merge or drop that group"
                        )
            kinds[var] = "numeric"
            refs[var] = ""
            assign[var] = [len(columns)]
            columns.append(values)
            terms.append({"term": var, "variable": var, "level": "", "reference": ""})
    X = np.column_stack(columns) if columns else np.zeros((len(frame), 0))
    return _Design(X, terms, assign, refs, kinds, counts)


def _check_collinear(X: np.ndarray, terms: list[dict], who: str) -> None:
    Xc = X - X.mean(axis=0)
    sd = Xc.std(axis=0)
    Z = Xc / sd
    gram = Z.T @ Z / len(Z)
    for j in range(1, gram.shape[0]):
        sub = gram[: j + 1, : j + 1]
        smallest = np.linalg.eigvalsh(sub)[0]
        if smallest < 1e-10:
            raise SurvivalInputError(
                f"{who}: {terms[j]['term']!r} is a linear combination of the covariates before "
                f"it ({', '.join(t['term'] for t in terms[:j])}), so their effects cannot be "
                "separated; remove one of them"
            )


# ------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------
class CoxFit:
    """A fitted Cox model.

    Attributes: ``table`` (one row per coefficient: [term, variable, level, reference, coef,
    se, z, hr, ci_low, ci_high, p]; p is the Wald test, as R's summary), ``n`` (rows used),
    ``events``, ``n_dropped`` (rows dropped for a missing covariate), ``loglik`` and
    ``loglik_null`` (partial log-likelihood at the estimate and at beta = 0), ``lr_chisq``,
    ``lr_df``, ``lr_p`` (likelihood-ratio test of the whole model), ``reference`` (variable ->
    reference level), ``level_counts`` ([variable, level, reference, n, events] for every level
    of each categorical covariate among the rows used, reference level included, for forest
    plots), ``variable_lr_p`` (variable -> p of the likelihood-ratio test that drops all of its
    terms; computed on first use), ``coef`` and ``vcov`` (the robust variance when
    ``robust``, as R's ``fit$var``; ``vcov_model`` is always the model-based one), ``robust``,
    ``weighted`` and ``counting_process`` (fitted with weights / entry times).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self) -> str:
        return (
            f"CoxFit(n={self.n}, events={self.events}, n_dropped={self.n_dropped}, "
            f"terms={list(self.table['term'])})"
        )

    @cached_property
    def variable_lr(self) -> pd.DataFrame:
        """[variable, df, chisq, p]: one likelihood-ratio test per variable.

        Each variable's terms (all dummies of a factor together) are dropped and the model is
        refitted on the same rows, as R ``drop1(fit, test = "Chisq")``: a 4-level factor gets
        one 3-df test.
        """
        rows = []
        for var, cols in self._design.assign.items():
            keep = [j for j in range(len(self.coef)) if j not in cols]
            reduced = self._data.subset_columns(keep)
            _, ll_reduced, _, _ = _newton(reduced, self.ties == "efron", self.coef.to_numpy()[keep])
            chisq = max(2 * (self.loglik - ll_reduced), 0.0)
            rows.append(
                {
                    "variable": var,
                    "df": len(cols),
                    "chisq": chisq,
                    "p": float(stats.chi2.sf(chisq, len(cols))),
                }
            )
        return pd.DataFrame(rows)

    @property
    def variable_lr_p(self) -> dict[str, float]:
        return dict(zip(self.variable_lr["variable"], self.variable_lr["p"], strict=True))


def _row_values(frame: pd.DataFrame, spec, name: str, who: str) -> np.ndarray | None:
    """A per-row argument given as a column name or as one value per row (None stays None)."""
    if spec is None:
        return None
    if isinstance(spec, str):
        require_columns(frame, [spec], who)
        return frame[spec].to_numpy()
    values = np.asarray(spec)
    if values.shape != (len(frame),):
        raise SurvivalInputError(
            f"{who}: {name} has {values.size} values; expected a column name or one value per "
            f"row ({len(frame)})"
        )
    return values


def _check_weights(frame: pd.DataFrame, raw: np.ndarray, spec, who: str) -> np.ndarray:
    what = f"column {spec!r}" if isinstance(spec, str) else "weights"
    values = pd.to_numeric(pd.Series(raw, index=frame.index), errors="coerce").to_numpy(float)
    bad = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    bad |= np.isnan(values) & pd.notna(raw)
    if bad.any():
        raise bad_value_error(
            frame,
            bad,
            raw,
            who,
            what,
            "expected a case weight (a finite number > 0, as R's coxph requires)",
            more=False,
        )
    return values


def cox(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    reference: Mapping[str, object] | None = None,
    ties: str = "efron",
    categorical: Sequence[str] = (),
    conf_level: float = 0.95,
    weights: str | Sequence[float] | None = None,
    entry: str | Sequence[float] | None = None,
    robust: bool | None = None,
    cluster: str | Sequence | None = None,
) -> CoxFit:
    """Cox proportional-hazards model, matching R ``coxph(Surv(time, event) ~ ...)``.

    ``covariates`` are column names. Columns of object, string, category or bool dtype (and
    any named in ``categorical`` or given a reference) are expanded to one indicator per
    non-reference level; ``reference={"arm": "control"}`` names the reference level, otherwise
    it is the first level (category order, else sorted), as R's treatment contrasts. A number
    coded column such as ECOG 0-3 stays a linear (1-df) term unless listed in ``categorical``.
    Rows with a missing covariate (or a missing weight) are dropped and counted in
    ``n_dropped`` (R drops them silently); missing times or events are errors.

    Ties use Efron's method by default, as R (lifelines also uses Efron; statsmodels PHReg
    defaults to Breslow, available here as ``ties="breslow"``). The fit is iterated to full
    convergence, so coefficients agree with R to its own convergence tolerance.

    Variants, each as R's ``coxph`` (column names, or one value per row):

    * ``weights``: case weights > 0 (e.g. inverse-probability weights), R ``weights = w``;
      tied events enter Efron's approximation with their mean weight, as R.
    * ``entry``: entry time of each row, for delayed entry (left truncation) or
      counting-process rows (start, stop]: a row is at risk at t when entry < t <= time, as
      R ``Surv(entry, time, event)``. Times are in the cohort's unit.
    * ``robust``: add the sandwich (infinitesimal-jackknife) variance, R ``robust = TRUE``.
      Defaults to True with ``weights`` or ``cluster`` (as R for a cluster; IPT weights need it).
    * ``cluster``: rows with the same value (e.g. one patient's split rows) are one
      independent unit in the sandwich, R ``cluster = id``.

    With ``robust`` the table's ``se`` is still the model-based SE (R's ``se(coef)``), a
    ``robust_se`` column is added, and z, p and the CI use the robust SE, as R's summary;
    ``vcov`` is then the robust variance and ``vcov_model`` the model-based one.

    Raises SurvivalInputError (with what to fix) for a constant covariate, a level with no
    events (its hazard ratio is not estimable), collinear covariates, or a model whose
    likelihood has no maximum (a coefficient running to infinity).
    """
    who = "cox"
    if ties not in ("efron", "breslow"):
        raise SurvivalInputError(
            f"{who}: ties={ties!r}; expected 'efron' (R's default) or 'breslow'"
        )
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise SurvivalInputError(f"{who}: no covariates given; list at least one column")
    if len(set(covariates)) != len(covariates):
        raise SurvivalInputError(f"{who}: covariates {covariates} list a column twice")
    reference = dict(reference or {})
    unknown = [v for v in reference if v not in covariates]
    if unknown:
        raise SurvivalInputError(
            f"{who}: reference given for {unknown}, which are not among the covariates {covariates}"
        )
    categorical = list(categorical)
    z = z_value(conf_level)
    frame = as_frame(data, who)
    require_columns(frame, [time, event, *covariates], who)
    t = check_time(frame, time, who)
    e = check_event(frame, event, who)
    w_raw = _row_values(frame, weights, "weights", who)
    w = None if w_raw is None else _check_weights(frame, w_raw, weights, who)
    start = None
    if entry is not None:
        start_raw = _row_values(frame, entry, "entry", who)
        name = entry if isinstance(entry, str) else "__entry__"
        start = check_time(pd.DataFrame({name: start_raw}, index=frame.index), name, who)
        late = start >= t
        if late.any():
            pos = np.flatnonzero(late)[0]
            raise SurvivalInputError(
                f"{who}: row {show(frame.index[pos])}: entry time {show(start[pos])} is not "
                f"before the exit time {show(t[pos])}; a row covers (entry, time]"
            )
    groups = _row_values(frame, cluster, "cluster", who)
    if groups is not None and pd.isna(groups).any():
        pos = np.flatnonzero(pd.isna(groups))[0]
        raise SurvivalInputError(
            f"{who}: cluster, row {show(frame.index[pos])}: missing value; every row needs the "
            "identifier of its cluster (e.g. the patient id)"
        )
    if robust is None:
        robust = w is not None or groups is not None
    complete = frame[covariates].notna().all(axis=1).to_numpy()
    if w is not None:
        complete &= ~np.isnan(w)
    n_dropped = int((~complete).sum())
    if not complete.any():
        raise SurvivalInputError(
            f"{who}: every row has a missing value in at least one of {covariates}; no rows left"
        )
    used = frame.loc[complete, covariates]
    e = e[complete]
    if start is None:
        t = timefix(t[complete])
    else:
        # R's aeqSurv merges near-identical times across start and stop together
        both = timefix(np.concatenate([start[complete], t[complete]]))
        start, t = both[: int(complete.sum())], both[int(complete.sum()) :]
    if not e.any():
        raise SurvivalInputError(
            f"{who}: no events among the {len(t)} rows used (column {event!r} is 0 everywhere); "
            "a Cox model needs events"
        )
    design = _build_design(used, covariates, reference, categorical, e, who)
    _check_collinear(design.X, design.terms, who)
    cd = _CoxData.build(t, e, design.X, weights=None if w is None else w[complete], entry=start)
    efron = ties == "efron"
    try:
        beta, loglik, info, iterations = _newton(cd, efron)
    except _NotConverged as exc:
        term = design.terms[exc.column]["term"] if exc.column is not None else None
        where = f" (coefficient {term!r})" if term else ""
        raise SurvivalInputError(
            f"{who}: the likelihood has no maximum{where}: a coefficient runs to infinity, "
            "usually because a group has no events or one covariate predicts every event; "
            "merge sparse levels or drop the covariate"
        ) from exc
    loglik_null = _pieces(cd, np.zeros(len(beta)), efron).loglik
    vcov = linalg.inv(info)
    vcov = (vcov + vcov.T) / 2
    vcov_model = vcov
    se = np.sqrt(np.diag(vcov))
    used_se = se
    columns = list(TABLE_COLUMNS)
    if robust:
        order = np.argsort(t, kind="stable")  # the row order of cd
        resid = _score_residuals(cd, _pieces(cd, beta, efron))
        dfbeta = (cd.wt[:, None] * resid) @ vcov
        if groups is not None:
            codes = pd.factorize(np.asarray(groups)[complete][order])[0]
            summed = np.zeros((codes.max() + 1, len(beta)))
            np.add.at(summed, codes, dfbeta)
            dfbeta = summed
        vcov = dfbeta.T @ dfbeta
        used_se = np.sqrt(np.diag(vcov))
        columns.insert(columns.index("se") + 1, "robust_se")
    zstat = beta / used_se
    table = pd.DataFrame(design.terms)
    table["coef"] = beta
    table["se"] = se
    if robust:
        table["robust_se"] = used_se
    table["z"] = zstat
    table["hr"] = np.exp(beta)
    table["ci_low"] = np.exp(beta - z * used_se)
    table["ci_high"] = np.exp(beta + z * used_se)
    table["p"] = 2 * stats.norm.sf(np.abs(zstat))
    table = table[columns]
    names = list(table["term"])
    lr_chisq = max(2 * (loglik - loglik_null), 0.0)
    return CoxFit(
        table=table,
        n=int(len(t)),
        events=int(e.sum()),
        n_dropped=n_dropped,
        loglik=loglik,
        loglik_null=loglik_null,
        lr_chisq=lr_chisq,
        lr_df=len(beta),
        lr_p=float(stats.chi2.sf(lr_chisq, len(beta))),
        coef=pd.Series(beta, index=names),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        vcov_model=pd.DataFrame(vcov_model, index=names, columns=names),
        robust=bool(robust),
        weighted=w is not None,
        counting_process=start is not None,
        covariates=covariates,
        reference={v: r for v, r in design.reference.items() if design.kinds[v] == "categorical"},
        ties=ties,
        conf_level=conf_level,
        iterations=iterations,
        time_col=time,
        event_col=event,
        level_counts=pd.DataFrame(
            design.counts, columns=["variable", "level", "reference", "n", "events"]
        ),
        _design=design,
        _data=cd,
    )


@dataclass
class Screening:
    """Univariable screening then a multivariable model.

    ``univariable``: one row per term of each candidate's own model, with that variable's
    likelihood-ratio p (``lr_p``, one test per variable), the rows it used and ``selected``.
    ``multivariable``: the CoxFit on the selected and forced variables (None if none).
    """

    univariable: pd.DataFrame
    multivariable: CoxFit | None
    selected: list[str] = field(default_factory=list)
    threshold: float = 0.1
    forced: tuple[str, ...] = ()


def screen_then_fit(
    data: pd.DataFrame,
    time: str,
    event: str,
    candidates: Sequence[str],
    threshold: float = 0.1,
    forced: Sequence[str] = (),
    reference: Mapping[str, object] | None = None,
    categorical: Sequence[str] = (),
    conf_level: float = 0.95,
) -> Screening:
    """Univariable Cox screen, then one multivariable model.

    Each candidate is fitted alone on the rows where it is known; it is selected when its
    likelihood-ratio p (all levels of a factor tested together) is below ``threshold``.
    Variables in ``forced`` enter regardless. The multivariable model uses the selected and
    forced variables (in candidate order) on the rows complete for all of them.
    """
    if not 0 < threshold <= 1:
        raise SurvivalInputError(
            f"screen_then_fit: threshold={threshold!r}; expected 0 < threshold <= 1"
        )
    candidates = list(candidates)
    forced = tuple(forced)
    reference = dict(reference or {})
    rows = []
    selected = []
    for var in candidates:
        ref = {var: reference[var]} if var in reference else None
        fit = cox(
            data, time, event, [var], reference=ref, categorical=categorical, conf_level=conf_level
        )
        chosen = fit.lr_p < threshold or var in forced
        if chosen:
            selected.append(var)
        part = fit.table[
            ["variable", "term", "level", "reference", "hr", "ci_low", "ci_high", "p"]
        ].copy()
        part["lr_p"] = fit.lr_p
        part["n"] = fit.n
        part["events"] = fit.events
        part["n_dropped"] = fit.n_dropped
        part["selected"] = chosen
        rows.append(part)
    for var in forced:
        if var not in selected:
            selected.append(var)
    univariable = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    multivariable = None
    if selected:
        ref = {v: r for v, r in reference.items() if v in selected}
        multivariable = cox(
            data,
            time,
            event,
            selected,
            reference=ref,
            categorical=categorical,
            conf_level=conf_level,
        )
    return Screening(univariable, multivariable, selected, threshold, forced)
