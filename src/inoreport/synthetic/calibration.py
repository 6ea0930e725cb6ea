"""Fit a generating model so that the *realised* cohort shows the published statistics.

Two stages, both deterministic for a given seed:

1. **Fixed point on a smooth surrogate.** The random numbers of every patient are drawn
   once. For given model parameters, a smooth surrogate of each target is cheap to compute
   (the model's expected survival in a group at a landmark, the generating log hazard
   ratio, ...). ``scipy.optimize.least_squares`` fits the parameters to the surrogate
   targets; the realised statistics (Kaplan–Meier, Cox fit on the generated cohort) are then
   computed, and each surrogate target is shifted by the gap between the realised value and
   the published one. A few rounds remove the gap between model and sample (sampling noise,
   censoring, the bias of a Cox model that treats a time-varying treatment as fixed).
2. **Greedy re-draws.** With a hundred patients, a Kaplan–Meier estimate moves in steps of
   one patient, so a landmark can sit one step away from its target. If a target is still
   outside its tolerance, single patients' random numbers are re-drawn, one at a time, and a
   re-draw is kept only if it brings the realised statistics closer to the targets.

Held-out statistics never enter either stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class FitTarget:
    """One calibrated statistic: its published value and the tolerance it must meet.

    ``scale`` is the tolerance in the statistic's own units (0.02 for a landmark
    proportion, 1.0 month for a median, log(1.1) for a log hazard ratio).
    """

    key: str
    published: float
    scale: float
    #: "both": |gap| <= 1 is met; "above" / "below": everything beyond ``published`` on
    #: that side is met too (a printed "<.0001"); "magnitude": the sign of the statistic
    #: does not matter (a printed p whose interval reaches 1).
    side: str = "both"

    def __post_init__(self):
        if self.side not in SIDES:
            raise ValueError(f"{self.key}: side must be one of {SIDES}, got {self.side!r}")


SIDES = ("both", "above", "below", "magnitude")


def _one_sided(gap: np.ndarray, realised: np.ndarray, targets: Sequence[FitTarget]) -> np.ndarray:
    """Gaps with the sides of :class:`FitTarget` applied (``realised`` in target units)."""
    pub = np.array([t.published for t in targets])
    scale = np.array([t.scale for t in targets])
    sides = np.array([t.side for t in targets])
    gap = np.where(sides == "above", np.minimum(gap, 0.0), gap)
    gap = np.where(sides == "below", np.maximum(gap, 0.0), gap)
    magnitude = (np.abs(realised) - pub) / scale
    return np.where(sides == "magnitude", magnitude, gap)


def normalised_gap(realised: np.ndarray, targets: Sequence[FitTarget]) -> np.ndarray:
    pub = np.array([t.published for t in targets])
    scale = np.array([t.scale for t in targets])
    realised = np.asarray(realised, float)
    gap = (realised - pub) / scale
    if any(t.side != "both" for t in targets):
        gap = _one_sided(gap, realised, targets)
    return np.where(np.isfinite(gap), gap, 10.0)


def fixed_point(
    theta0: np.ndarray,
    surrogate: Callable[[np.ndarray], np.ndarray],
    realise: Callable[[np.ndarray], np.ndarray],
    targets: Sequence[FitTarget],
    regularise: Callable[[np.ndarray], np.ndarray] | None = None,
    rounds: int = 8,
    bounds: tuple | None = None,
    loss: str = "linear",
) -> np.ndarray:
    """Stage 1: least squares on the surrogate, targets shifted by realised gaps.

    Returns the parameters whose realised statistics were closest to the targets.
    ``loss="soft_l1"`` limits the pull of a target the model cannot reach.
    """
    pub = np.array([t.published for t in targets])
    scale = np.array([t.scale for t in targets])
    shift = np.zeros(len(targets))
    theta = np.asarray(theta0, float)
    best_theta, best_loss = theta, np.inf

    sided = any(t.side != "both" for t in targets)

    def residuals(th):
        value = surrogate(th)
        r = (value - (pub + shift)) / scale
        if sided:
            r = _one_sided(r, value - shift, targets)
        if regularise is not None:
            r = np.concatenate([r, regularise(th)])
        return r

    for _ in range(rounds):
        fit = optimize.least_squares(
            residuals,
            theta,
            method="trf",
            bounds=bounds if bounds is not None else (-np.inf, np.inf),
            xtol=1e-10,
            ftol=1e-10,
            max_nfev=400,
            loss=loss,
        )
        theta = fit.x
        realised = np.asarray(realise(theta), float)
        gap = normalised_gap(realised, targets)
        realised_loss = float(np.sum(np.minimum(gap, 10.0) ** 2))
        if realised_loss < best_loss:
            best_theta, best_loss = theta.copy(), realised_loss
        if np.all(np.abs(gap) <= 0.5):
            break
        step = np.where(np.isfinite(realised), realised - pub, 0.0)
        shift = shift - 0.8 * step
    return best_theta


#: Proposals of the greedy stage: None = a fresh uniform; k = the nudge u -> u**k.
NUDGES = (None, None, 0.7, 0.9, 1.1, 1.4)


def redraw_loss(
    realise: Callable[[np.ndarray], np.ndarray],
    targets: Sequence[FitTarget],
    goal: float = 0.6,
    extra_loss: Callable[[np.ndarray], float] | None = None,
) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """The loss of :func:`greedy_redraw`: each statistic's squared distance from its target
    (capped at 10) plus a hundred times its squared distance beyond ``goal`` (both in units
    of its tolerance), plus ``extra_loss``; returns uniforms -> (loss, normalised gaps)."""

    def loss_of(vec):
        gap = normalised_gap(realise(vec), targets)
        over = np.clip(np.abs(gap) - goal, 0, None)
        value = float(np.sum(np.minimum(gap, 10.0) ** 2) + 100 * np.sum(over**2))
        if extra_loss is not None:
            value += extra_loss(vec)
        return value, gap

    return loss_of


def greedy_redraw(
    uniforms: np.ndarray,
    candidates: np.ndarray,
    realise: Callable[[np.ndarray], np.ndarray],
    targets: Sequence[FitTarget],
    rng: np.random.Generator,
    passes: int = 4,
    tries: int = 2,
    goal: float = 0.6,
    extra_loss: Callable[[np.ndarray], float] | None = None,
    nudges: Sequence[float | None] = NUDGES,
    guard: Callable[[np.ndarray], float] | None = None,
    propose: Callable[[np.ndarray, int, np.random.Generator], float | None] | None = None,
) -> tuple[np.ndarray, int]:
    """Stage 2: re-draw single patients' uniforms while that helps; return (uniforms, n kept).

    Stops as soon as every target is within ``goal`` of its tolerance (|gap| <= goal).
    ``nudges``: the proposals (see :data:`NUDGES`); finer ones land a median more exactly.
    ``guard``: how crowded the event times are (0 = not at all, see :mod:`.spread`); a
    re-draw that makes it worse is refused whatever it does to the targets, so the re-draws
    cannot pile events up just before a landmark. ``propose(uniforms, index, rng)``, when
    given, may return the new value of a proposal itself (a study places an event at a
    chosen time); when it returns None the proposal is a fresh draw or a nudge as above.
    """
    u = np.array(uniforms, float)
    loss_of = redraw_loss(realise, targets, goal, extra_loss)

    current, gap = loss_of(u)
    crowd = guard(u) if guard is not None else 0.0
    kept = 0
    for _ in range(passes):
        if np.all(np.abs(gap) <= goal) and (extra_loss is None or extra_loss(u) == 0):
            break
        for i in candidates[rng.permutation(len(candidates))]:
            for _ in range(tries):
                trial = u.copy()
                placed = propose(u, int(i), rng) if propose is not None else None
                if placed is not None:
                    trial[i] = np.clip(placed, 1e-9, 1 - 1e-9)
                else:
                    # a fresh draw, or a nudge: u**k multiplies the patient's cumulative-
                    # hazard target by k, moving the time a little (to land a median exactly)
                    k = nudges[int(rng.integers(len(nudges)))]
                    trial[i] = (
                        rng.uniform(1e-6, 1 - 1e-6)
                        if k is None
                        else np.clip(u[i] ** k, 1e-9, 1 - 1e-9)
                    )
                value, trial_gap = loss_of(trial)
                if value < current - 1e-12:
                    if guard is not None:
                        trial_crowd = guard(trial)
                        if trial_crowd > crowd:
                            continue
                        crowd = trial_crowd
                    u, current, gap = trial, value, trial_gap
                    kept += 1
                    break
            if np.all(np.abs(gap) <= goal) and (extra_loss is None or extra_loss(u) == 0):
                break
    return u, kept


def count_from_percent(percent: float, n: int, label: str, decimals: int | None = None) -> int:
    """The unique count k with 100*k/n rounding to the printed ``percent``.

    Raises ValueError naming ``label`` if no count, or more than one, fits.
    """
    if decimals is None:
        text = f"{percent}"
        decimals = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    half = 0.5 * 10.0**-decimals
    fits = [k for k in range(n + 1) if abs(100.0 * k / n - percent) <= half + 1e-9]
    if len(fits) != 1:
        raise ValueError(
            f"{label}: {percent}% of {n} fits counts {fits}; expected exactly one count"
        )
    return fits[0]


def counts_and_denominators(percent: float, n_max: int, n_min: int = 1, decimals=None):
    """Every (k, n) with n_min <= n <= n_max and 100*k/n rounding to ``percent``."""
    if decimals is None:
        text = f"{percent}"
        decimals = len(text.split(".")[1].rstrip("0")) if "." in text else 0
    half = 0.5 * 10.0**-decimals
    out = []
    for n in range(n_min, n_max + 1):
        for k in range(n + 1):
            if abs(100.0 * k / n - percent) <= half + 1e-9:
                out.append((k, n))
    return out
