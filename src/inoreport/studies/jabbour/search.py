"""The last step of the Jabbour calibration: a steepest descent over a few chosen moves.

The engine's greedy re-draws (:func:`inoreport.synthetic.calibration.greedy_redraw`) try
random changes to one patient at a time. With the published log-rank p-values among the
targets (printed to two digits: a window a few thousandths wide on the z scale) and a dozen
group medians that coincide in the published data (the same event ends several groups'
medians), the last few targets outside their tolerance need changes chosen for them: put a
patient's event just beyond a group's published median, or move one across a landmark.
:func:`steepest` tries every such move (and, when none helps alone, pairs of them) and keeps
the best, with the engine's loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from inoreport.synthetic.calibration import FitTarget, redraw_loss

#: How many of the best single moves for each target outside tolerance :func:`steepest`
#: pairs up (across targets) when none helps alone.
PAIRS_FROM = 6

#: Moves for the targets outside tolerance: (uniforms, indices of those targets, every
#: target's normalised gap) -> a list of (index in the uniforms, new value, index of the
#: target it is aimed at).
Moves = Callable[[np.ndarray, np.ndarray, np.ndarray], list]


def steepest(
    uniforms: np.ndarray,
    realise: Callable[[np.ndarray], np.ndarray],
    targets: Sequence[FitTarget],
    moves: Moves,
    steps: int,
    goal: float = 0.6,
    extra_loss: Callable[[np.ndarray], float] | None = None,
    guard: Callable[[np.ndarray], float] | None = None,
) -> tuple[np.ndarray, int]:
    """Steepest descent over a few chosen moves: at each step, ``moves`` proposes changes
    aimed at the targets still outside their tolerance (for a group's median, the patients
    of that group with an event near it, placed around the published value); every one is
    tried and the best that lowers the loss of :func:`redraw` (and does not crowd the event
    times more) is kept. Stops when nothing is outside, nothing helps, or after ``steps``.
    Returns (uniforms, moves kept)."""
    u = np.array(uniforms, float)
    loss_of = redraw_loss(realise, targets, goal, extra_loss)

    current, gap = loss_of(u)
    crowd = guard(u) if guard is not None else 0.0
    kept = 0

    def first_allowed(tried):
        for trial_loss, _, trial, trial_gap in sorted(tried, key=lambda x: (x[0], x[1])):
            if trial_loss >= current - 1e-12:
                break
            trial_crowd = guard(trial) if guard is not None else 0.0
            if trial_crowd <= crowd:
                return trial, trial_loss, trial_gap, trial_crowd
        return None

    for _ in range(steps):
        unmet = np.flatnonzero(np.abs(gap) > 1.0)
        if not len(unmet):
            break
        singles = []
        for index, value, aim in moves(u, unmet, gap):
            trial = u.copy()
            trial[index] = np.clip(value, 1e-9, 1 - 1e-9)
            trial_loss, trial_gap = loss_of(trial)
            singles.append((trial_loss, len(singles), trial, trial_gap, index, trial[index], aim))
        found = first_allowed([x[:4] for x in singles])
        if found is None:
            # no single move helps: two promising ones together, each aimed at a different
            # target (one event leaves a group's median while another takes its place)
            best: dict = {}
            for x in sorted(singles, key=lambda x: (x[0], x[1])):
                chosen = best.setdefault(x[6], [])
                if len(chosen) < PAIRS_FROM and all(y[4] != x[4] for y in chosen):
                    chosen.append(x)
            pool = [x for aim in sorted(best) for x in best[aim]]
            pairs = []
            for a in range(len(pool)):
                for b in range(a + 1, len(pool)):
                    if pool[a][6] == pool[b][6] and len(best) > 1 or pool[a][4] == pool[b][4]:
                        continue
                    trial = u.copy()
                    trial[pool[a][4]], trial[pool[b][4]] = pool[a][5], pool[b][5]
                    trial_loss, trial_gap = loss_of(trial)
                    pairs.append((trial_loss, len(pairs), trial, trial_gap))
            found = first_allowed(pairs)
        if found is None:
            break
        u, current, gap, crowd = found
        kept += 1
    return u, kept
