"""Differences between groups that the ROCCA cohort is calibrated to carry.

Three tools, used by :mod:`.cohort`:

* :func:`separate_ranks`: moves single patients' values of an integer variable (prior lines,
  age, days in hospital) so that rank-sum (Wilcoxon) scores between groups land in the
  intervals of the printed p-values, while every published count, median and range stays
  exactly as allocated (each move is checked against the allocation's constraints).
* :class:`SoftSample`: one sample's Kaplan–Meier estimates and log-rank scores with their
  indicators smoothed, so that they move smoothly with a survival model's parameters (the
  surrogate of a fixed-point stage that aims at log-rank scores).
* :func:`sweep_redraw`: a deterministic search over single patients' random numbers, for a
  small group whose Kaplan–Meier estimate needs one particular combination.

None of them names a variable of the study; the study's choices (which groups, which
targets) are in :mod:`.cohort`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from inoreport.synthetic.allocation import CountConstraint
from inoreport.synthetic.calibration import FitTarget, normalised_gap


# --- rank-sum scores from counts per value ---------------------------------------------------
def ranksum_z_from_counts(count_a: np.ndarray, count_b: np.ndarray) -> float:
    """Signed rank-sum score of group a against group b from their counts per value (the
    values in increasing order): R's ``wilcox.test`` normal approximation with tie and
    continuity corrections, as :func:`inoreport.synthetic.separation.ranksum_z`."""
    count_a = np.asarray(count_a, float)
    count_b = np.asarray(count_b, float)
    n1, n2 = count_a.sum(), count_b.sum()
    n = n1 + n2
    both = count_a + count_b
    midrank = np.cumsum(both) - both + (both + 1) / 2
    w = float(count_a @ midrank) - n1 * (n1 + 1) / 2
    diff = w - n1 * n2 / 2
    ties = float(np.sum(both**3 - both))
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 0.0
    return float((diff - 0.5 * np.sign(diff)) / math.sqrt(variance))


@dataclass(frozen=True)
class RankTarget:
    """A rank-sum separation to fit: the target (signed z scale) and the two groups."""

    target: FitTarget
    group_a: np.ndarray
    group_b: np.ndarray


class _Counts:
    """Per-constraint counts and per-target histograms of one allocated variable, updated
    in place as single patients change value."""

    def __init__(self, index, n_values, constraints, domain, targets):
        self.index = index
        self.masks = np.array([c.mask for c in constraints], bool).reshape(len(constraints), -1)
        self.lut = np.array(
            [[v in set(c.values) for v in domain] for c in constraints], bool
        ).reshape(len(constraints), n_values)
        self.low = np.array([c.low for c in constraints])
        self.high = np.array([c.high for c in constraints])
        self.counts = (self.masks & self.lut[:, index]).sum(axis=1)
        self.targets = targets
        self.hist = [
            (
                np.bincount(index[t.group_a], minlength=n_values),
                np.bincount(index[t.group_b], minlength=n_values),
            )
            for t in targets
        ]

    def z(self) -> np.ndarray:
        return np.array([ranksum_z_from_counts(a, b) for a, b in self.hist])

    def change(self, i: int, new: int) -> None:
        old = self.index[i]
        self.counts += self.masks[:, i] * (self.lut[:, new].astype(int) - self.lut[:, old])
        for t, (a, b) in zip(self.targets, self.hist, strict=True):
            for group, hist in ((t.group_a, a), (t.group_b, b)):
                if group[i]:
                    hist[old] -= 1
                    hist[new] += 1
        self.index[i] = new

    def holds(self) -> bool:
        return bool(np.all((self.counts >= self.low) & (self.counts <= self.high)))


def separate_ranks(
    values: np.ndarray,
    domain: Sequence[int],
    constraints: Sequence[CountConstraint],
    targets: Sequence[RankTarget],
    movable: np.ndarray,
    rng: np.random.Generator,
    tries: int = 6000,
    goal: float = 0.5,
    same_class: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Re-value single patients until every rank-sum target is met; returns (values, moves).

    A proposal changes one ``movable`` patient's value by one or two steps of ``domain``,
    or swaps the values of two movable patients; it is kept when every constraint still
    holds and the targets come closer (the summed squared normalised gaps fall). Patients
    with different ``same_class`` labels never swap and a change never leaves the class's
    values (``same_class`` maps each value of ``domain`` to a class: the age group of an
    age, say). Stops when every |gap| <= ``goal`` or after ``tries`` proposals.
    """
    domain = list(domain)
    targets = list(targets)
    if not targets:
        return np.asarray(values).copy(), 0
    position = {v: k for k, v in enumerate(domain)}
    index = np.array([position[int(v)] for v in values])
    counts = _Counts(index, len(domain), list(constraints), domain, targets)
    if not counts.holds():
        raise ValueError("separate_ranks: the allocated values break a constraint")
    fit_targets = [t.target for t in targets]
    value_class = np.zeros(len(domain), int) if same_class is None else np.asarray(same_class)

    def loss_of(z):
        gap = normalised_gap(z, fit_targets)
        return float(np.sum(gap**2)), gap

    current, gap = loss_of(counts.z())
    pool = np.flatnonzero(movable)
    moves = 0
    for _ in range(tries):
        if np.all(np.abs(gap) <= goal):
            break
        i = int(pool[rng.integers(len(pool))])
        if rng.uniform() < 0.5:
            step = int(rng.choice((-2, -1, 1, 2)))
            new = counts.index[i] + step
            if not 0 <= new < len(domain) or value_class[new] != value_class[counts.index[i]]:
                continue
            changes = [(i, new)]
        else:
            j = int(pool[rng.integers(len(pool))])
            vi, vj = counts.index[i], counts.index[j]
            if vi == vj or value_class[vi] != value_class[vj]:
                continue
            changes = [(i, vj), (j, vi)]
        undo = [(k, counts.index[k]) for k, _ in changes]
        for k, v in changes:
            counts.change(k, v)
        trial, trial_gap = loss_of(counts.z()) if counts.holds() else (np.inf, gap)
        if trial < current - 1e-12:
            current, gap = trial, trial_gap
            moves += 1
        else:
            for k, v in reversed(undo):
                counts.change(k, v)
    return np.array([domain[k] for k in counts.index]), moves


# --- smoothed statistics of one sample ------------------------------------------------------
def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass(frozen=True)
class SoftSample:
    """One sample's survival statistics with every indicator smoothed over ``width`` months.

    ``latent`` are the patients' event times before censoring (smooth in a model's
    parameters when drawn by inversion from fixed uniforms) and ``follow_up`` their
    potential follow-up. The Kaplan–Meier estimate and the log-rank score then move smoothly
    with the parameters instead of in steps of one patient, so a least-squares fit can aim
    at the statistics of *this* sample rather than at their expectation; as ``width`` goes
    to 0 they become :func:`inoreport.synthetic.fastsurv.km_at` and
    :func:`inoreport.synthetic.separation.logrank_z`.
    """

    latent: np.ndarray
    follow_up: np.ndarray
    width: float

    @property
    def time(self) -> np.ndarray:
        return np.minimum(self.latent, self.follow_up)

    @property
    def event(self) -> np.ndarray:
        """Soft event indicator: the event falls before the end of follow-up."""
        return _sigmoid((self.follow_up - self.latent) / self.width)

    def _at_risk(self, members: np.ndarray) -> np.ndarray:
        """(n_members, n_members): member j still at risk when member i has its event."""
        x = self.time[members]
        soft = _sigmoid((x[None, :] - x[:, None]) / self.width)
        np.fill_diagonal(soft, 1.0)
        return soft

    def km_at(self, members: np.ndarray, times) -> np.ndarray:
        """Smoothed Kaplan–Meier survival of ``members`` (boolean mask) at ``times``."""
        x, e = self.time[members], self.event[members]
        at_risk = self._at_risk(members).sum(axis=1)
        log_factor = np.log1p(-1.0 / np.maximum(at_risk, 1.0 + 1e-9))
        before = _sigmoid((np.asarray(times, float)[:, None] - x[None, :]) / self.width)
        return np.exp(before @ (e * log_factor))

    def logrank_z(self, in_a: np.ndarray, in_b: np.ndarray) -> float:
        """Smoothed signed log-rank score of group a against group b (+: a does worse)."""
        members = in_a | in_b
        a = in_a[members].astype(float)
        e = self.event[members]
        at_risk = self._at_risk(members)
        r, r_a = at_risk.sum(axis=1), at_risk @ a
        share = r_a / r
        variance = float(np.sum(e * share * (1 - share)))
        if variance <= 0:
            return 0.0
        return float(np.sum(e * (a - share)) / math.sqrt(variance))


# --- a systematic search for a small group --------------------------------------------------
def sweep_redraw(
    uniforms: np.ndarray,
    pool: np.ndarray,
    realise,
    targets: Sequence[FitTarget],
    values: np.ndarray,
    rounds: int = 3,
    goal: float = 0.98,
    guard=None,
) -> tuple[np.ndarray, int]:
    """Re-draws by sweeping: each round tries every value of ``values`` for every patient
    of ``pool`` and keeps the single change that lowers the loss most (the greedy stage's
    loss: squared normalised gaps, plus a steep penalty beyond ``goal``), refusing one that
    makes ``guard`` worse. Deterministic. Where random re-draws need luck to find the one
    combination that puts a small group's Kaplan–Meier estimate on its target, a sweep
    finds it move by move. Returns (uniforms, changes kept)."""
    u = np.array(uniforms, float)

    def loss_of(vec):
        gap = normalised_gap(realise(vec), targets)
        over = np.clip(np.abs(gap) - goal, 0, None)
        return float(np.sum(np.minimum(np.abs(gap), 10.0) ** 2) + 100 * np.sum(over**2)), gap

    current, gap = loss_of(u)
    fence = guard(u) if guard is not None else 0.0
    kept = 0
    for _ in range(rounds):
        if np.all(np.abs(gap) <= goal):
            break
        ranked = []
        for i in pool:
            for v in values:
                if v == u[i]:
                    continue
                trial = u.copy()
                trial[i] = v
                value, _ = loss_of(trial)
                if value < current - 1e-12:
                    ranked.append((value, int(i), float(v)))
        for _value, i, v in sorted(ranked):
            trial = u.copy()
            trial[i] = v
            if guard is not None:
                trial_fence = guard(trial)
                if trial_fence > fence:
                    continue
                fence = trial_fence
            u = trial
            current, gap = loss_of(u)
            kept += 1
            break
        else:
            break
    return u, kept
