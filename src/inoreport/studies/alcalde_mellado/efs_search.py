"""Where the synthetic Alcalde-Mellado cohort's events and early censorings fall before the
12-month landmark, found by complete enumeration.

With two dozen patients every 12-month Kaplan–Meier estimate and every log-rank statistic
restricted to the first 12 months depends only on the *order* of the events and censorings
before 12 months (and on which events share a time), not on the times themselves. So the
search works on orders:

1. **Burden level.** A *signature* gives how many patients with low (L) and high (H) burden
   at infusion have an event or are censored before 12 months. Every order of those items
   (and, optionally, one group of two or three events sharing a time) is a *skeleton*. The
   skeleton fixes the estimates of the L and H groups and the log-rank test of L against H.
2. **Cells.** Each item of a skeleton is then given to a cell of its burden level (bridging
   arm x burden trajectory), within the cells' sizes; the patients of a cell not given an
   item are event-free at 12 months. That fixes the estimates of the arms and trajectories
   and the log-rank test of InO against chemotherapy.

A candidate meets a landmark target when its estimate lies within the target's tolerance,
and a log-rank target when its normalised gap (:class:`~inoreport.synthetic.calibration.
FitTarget`, signed z scale) is within ``margin``. The search takes, among the candidates
with the fewest early censorings, the first that meets every target in this order of
preference: signatures whose landmark estimates can come closest first, skeletons with the
smallest landmark gaps and the fewest tied events first. When no candidate within the
allowed censorings meets every target, it returns the one with the smallest sum of squared
excess gaps (the gap beyond the tolerance), found by branch and bound. Each of the two
passes evaluates at most :data:`BUDGET` candidates; a pass that reaches it keeps what it
found so far and the placement says so.

The enumeration runs in a fixed order and uses no random stream; estimates and scores are
computed from small integer counts and compared after rounding, so the result is the same
on every machine. The probabilities are proportions (0–1).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from inoreport.synthetic.calibration import FitTarget, normalised_gap

#: Candidates evaluated at once (memory bound).
BATCH = 200_000
#: Most candidates each pass evaluates (time bound): the search for one that meets every
#: target, then the search for the closest. A pass that reaches it stops there (in its
#: fixed order), and the placement says the search was not complete.
BUDGET = 5_000_000


class _Exhausted(Exception):
    """The pass evaluated its budget of candidates."""


#: Item kinds of a skeleton, in canonical order: event / censoring, low / high burden.
L_EVENT, L_CENSOR, H_EVENT, H_CENSOR = 0, 1, 2, 3


@dataclass(frozen=True)
class Cell:
    """Patients sharing a bridging arm and a burden trajectory; ``high``: high burden at
    infusion."""

    arm: str
    transition: str
    high: bool
    size: int


@dataclass(frozen=True)
class Landmark:
    """A 12-month EFS target: the group (indices of its cells), the target proportion and
    its tolerance (proportion, e.g. 0.02 for ±2 percentage points)."""

    key: tuple
    cells: frozenset
    value: float
    tolerance: float


@dataclass(frozen=True)
class Separation:
    """A log-rank target between a group (indices of its cells) and everyone else, on the
    signed z scale (positive: the group has more events than expected)."""

    key: tuple
    first: frozenset
    target: FitTarget


@dataclass(frozen=True)
class Placement:
    """The chosen order. ``items``: one ``(cell, event, block)`` per patient with an event
    (``event`` True) or a censoring before 12 months, ``block`` being the rank of its time
    (items of a block share a time); ``blocks``: number of distinct times; ``censored``:
    patients censored before 12 months; ``tied``: events sharing one time (0: none);
    ``met``: every target within tolerance; ``loss``: sum of squared excess gaps (0 when
    met); ``evaluated``: candidates whose statistics were computed; ``complete``: False when
    a pass stopped at its budget (:data:`BUDGET`) before enumerating everything."""

    items: tuple
    blocks: int
    censored: int
    tied: int
    met: bool
    loss: float
    evaluated: int
    complete: bool = True


@functools.cache
def _km_fractions(n: int, events: int, censored: int) -> frozenset:
    if events < 0 or censored < 0 or events + censored > n:
        return frozenset()
    if events == 0:
        return frozenset({Fraction(1)})
    values = {Fraction(n - 1, n) * v for v in _km_fractions(n - 1, events - 1, censored)}
    if censored:
        values |= _km_fractions(n - 1, events, censored - 1)
    return frozenset(values)


@functools.cache
def km_values(n: int, events: int, censored: int) -> tuple[float, ...]:
    """Every Kaplan–Meier estimate at the landmark reachable by ``n`` patients of whom
    ``events`` have an event and ``censored`` are censored before it, in any order (the
    others event-free); sorted, as proportions (computed exactly, then as floats). With
    nobody event-free the estimate exists only when the last of them had an event (it is
    then 0)."""
    if events + censored == n and censored > 0:
        return (0.0,) if events > 0 else ()
    return tuple(sorted(float(v) for v in _km_fractions(n, events, censored)))


def _defined(km, n_group, timed):
    """``km`` where the estimate exists at the landmark: someone is still followed, or the
    estimate reached 0; NaN elsewhere (everyone censored before it)."""
    return np.where((timed >= n_group) & (km > 0), np.nan, km)


def _excess(value, target: Landmark):
    return np.clip(np.abs((value - target.value) / target.tolerance) - 1.0, 0.0, None)


def _bound(n: int, events: int, censored: int, target: Landmark) -> float:
    """The smallest squared excess gap that group counts (n, events, censored) allow."""
    values = km_values(n, events, censored)
    if not values:
        return np.inf
    return float(np.min(_excess(np.array(values), target) ** 2))


def _closest(n: int, events: int, censored: int, target: Landmark) -> float:
    """The smallest squared normalised gap that group counts allow (0 when exact)."""
    values = km_values(n, events, censored)
    if not values:
        return np.inf
    return float(np.min(((np.array(values) - target.value) / target.tolerance) ** 2))


def _orders(counts: tuple[int, int, int, int]) -> np.ndarray:
    """Every order of the items (rows; kinds as in :data:`L_EVENT` ...), in a fixed order."""
    m = sum(counts)
    rows = np.full((1, m), -1, dtype=np.int8)
    for kind, q in enumerate(counts):
        if q == 0:
            continue
        n_free = int((rows[0] == -1).sum())
        free = np.argsort(rows != -1, axis=1, kind="stable")[:, :n_free]
        combos = np.array(list(itertools.combinations(range(n_free), q)), dtype=np.intp)
        new = np.repeat(rows, len(combos), axis=0)
        positions = free[:, combos].reshape(-1, q)
        np.put_along_axis(new, positions, kind, axis=1)
        rows = new
    return rows


def _tie_patterns(m: int, max_tie: int) -> list[tuple[int, int]]:
    """(start, length) of the one group of tied events a skeleton may have; (0, 1) = none."""
    patterns = [(0, 1)]
    for length in range(2, max_tie + 1):
        patterns += [(start, length) for start in range(m - length + 1)]
    return patterns


def _blocks(m: int, start: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Block of each position, and first position of each block, for a tie pattern."""
    position = np.arange(m)
    block = np.where(position < start, position, np.maximum(position - length + 1, start))
    first = np.array([k if k <= start else k + length - 1 for k in range(m - length + 1)])
    return block, first


def _km(d, r):
    """Kaplan–Meier product over blocks (last axis) from events and numbers at risk."""
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(d > 0, 1.0 - d / np.where(r > 0, r, 1.0), 1.0)
    return factor.prod(axis=-1)


def _logrank_z(d, r, d_a, r_a):
    """Signed log-rank score (R's survdiff) from blocks' events and numbers at risk, total
    and in group a (last axis: blocks)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(r > 0, r_a / np.where(r > 0, r, 1.0), 0.0)
        spread = np.where(r > 1, (r - d) / np.where(r > 1, r - 1, 1.0), 1.0)
        expected = d * share
        variance = (d * share * (1.0 - share) * spread).sum(axis=-1)
        z = (d_a - expected).sum(axis=-1) / np.sqrt(np.where(variance > 0, variance, 1.0))
    return np.where(variance > 0, z, 0.0)


def _p_excess(z, separation: Separation, margin: float):
    gap = normalised_gap(np.asarray(z, float)[..., None], [separation.target])[..., 0]
    return np.clip(np.abs(gap) - margin, 0.0, None)


def _assignments(cells_of_level, sizes, n_items):
    """Every way to give ``n_items`` items (in order) to the cells of one burden level,
    within the cells' sizes: rows of cell indices."""
    if n_items == 0:
        return np.zeros((1, 0), dtype=np.intp)
    grid = np.array(list(itertools.product(cells_of_level, repeat=n_items)), dtype=np.intp)
    counts = np.stack([(grid == c).sum(axis=1) for c in cells_of_level], axis=1)
    room = np.array([sizes[c] for c in cells_of_level])
    return grid[(counts <= room).all(axis=1)]


class _Search:
    def __init__(self, cells, landmarks, burden_test, arm_test, max_censored, max_tie, margin):
        self.cells = list(cells)
        self.sizes = [c.size for c in self.cells]
        self.high = frozenset(i for i, c in enumerate(self.cells) if c.high)
        self.low = frozenset(range(len(self.cells))) - self.high
        self.n_low = sum(self.sizes[i] for i in self.low)
        self.n_high = sum(self.sizes[i] for i in self.high)
        self.n = self.n_low + self.n_high
        self.landmarks = [t for t in landmarks if sum(self.sizes[i] for i in t.cells) > 0]
        self.burden_test = burden_test
        self.arm_test = arm_test
        self.max_censored = max_censored
        self.max_tie = max_tie
        self.margin = margin
        # landmarks decided at the burden level (the group is a whole level) or by the cells
        self.level_targets = {
            "L": [t for t in self.landmarks if t.cells == self.low],
            "H": [t for t in self.landmarks if t.cells == self.high],
        }
        decided = set(map(id, self.level_targets["L"] + self.level_targets["H"]))
        self.cell_targets = [t for t in self.landmarks if id(t) not in decided]
        self.evaluated = 0
        self.budget = BUDGET
        self._best, self._best_censored = None, 0
        self._table_cache = {}

    # ---------------------------------------------------------------- signatures
    def signatures(self, censored: int):
        """(eL, cL, eH, cH) with cL + cH = censored, each with a lower bound on its loss
        and on its squared landmark gaps, in the search's order of preference."""
        out = []
        for c_low in range(min(censored, self.n_low) + 1):
            c_high = censored - c_low
            if c_high > self.n_high:
                continue
            for e_low in range(self.n_low - c_low + 1):
                for e_high in range(self.n_high - c_high + 1):
                    bound, closeness = self._signature_bound(e_low, c_low, e_high, c_high)
                    if np.isfinite(bound):
                        out.append((bound, closeness, (e_low, c_low, e_high, c_high)))
        out.sort(key=lambda s: (round(s[0], 9), round(s[1], 9), s[2]))
        return out

    def _tables(self, t: Landmark):
        """Per target, indexed [events, censored] of its group: the smallest squared excess
        gap and squared gap reachable (inf where the counts do not fit the group)."""
        key = id(t)
        if key not in self._table_cache:
            n_g = sum(self.sizes[i] for i in t.cells)
            bound = np.full((n_g + 1, n_g + 1), np.inf)
            close = np.full((n_g + 1, n_g + 1), np.inf)
            for e in range(n_g + 1):
                for c in range(min(n_g - e, self.max_censored) + 1):
                    bound[e, c] = _bound(n_g, e, c, t)
                    close[e, c] = _closest(n_g, e, c, t)
            self._table_cache[key] = (bound, close)
        return self._table_cache[key]

    def _signature_bound(self, e_low, c_low, e_high, c_high):
        bound = closeness = 0.0
        for level, e, c in (("L", e_low, c_low), ("H", e_high, c_high)):
            for t in self.level_targets[level]:
                b, cl = self._tables(t)
                bound += b[e, c]
                closeness += cl[e, c]
        # a group spanning both levels: its events and censorings come from both
        for t in self.cell_targets:
            n_low_g = sum(self.sizes[i] for i in t.cells & self.low)
            n_high_g = sum(self.sizes[i] for i in t.cells & self.high)
            low_out, high_out = self.n_low - n_low_g, self.n_high - n_high_g
            e_min = max(0, e_low - low_out) + max(0, e_high - high_out)
            e_max = min(e_low, n_low_g) + min(e_high, n_high_g)
            c_min = max(0, c_low - low_out) + max(0, c_high - high_out)
            c_max = min(c_low, n_low_g) + min(c_high, n_high_g)
            if e_min > e_max or c_min > c_max:
                return np.inf, np.inf
            bound += float(self._tables(t)[0][e_min : e_max + 1, c_min : c_max + 1].min())
        return bound, closeness

    # ---------------------------------------------------------------- skeletons
    def skeletons(self, signature, threshold):
        """Skeletons of a signature whose burden-level loss is within ``threshold``: rows of
        item kinds, tie pattern, loss, landmark closeness and tied events, in order."""
        e_low, c_low, e_high, c_high = signature
        orders = _orders(signature)
        m = orders.shape[1]
        is_low = orders <= L_CENSOR
        is_event = (orders == L_EVENT) | (orders == H_EVENT)
        before_low = np.cumsum(is_low, axis=1) - is_low
        before_high = np.cumsum(~is_low, axis=1) - ~is_low
        r_low = self.n_low - before_low
        r_high = self.n_high - before_high
        km_low = _defined(
            _km((is_event & is_low).astype(float), r_low.astype(float)), self.n_low, e_low + c_low
        )
        km_high = _defined(
            _km((is_event & ~is_low).astype(float), r_high.astype(float)),
            self.n_high,
            e_high + c_high,
        )
        loss = np.zeros(len(orders))
        closeness = np.zeros(len(orders))
        for level, km in (("L", km_low), ("H", km_high)):
            for t in self.level_targets[level]:
                loss += _excess(km, t) ** 2
                closeness += ((km - t.value) / t.tolerance) ** 2
        keep = loss <= threshold + 1e-12  # False where an estimate does not exist (NaN)
        orders, loss, closeness = orders[keep], loss[keep], closeness[keep]
        is_low, is_event = is_low[keep], is_event[keep]
        out = []
        for start, length in _tie_patterns(m, self.max_tie):
            if length > 1:
                tied = is_event[:, start : start + length].all(axis=1)
            else:
                tied = np.ones(len(orders), dtype=bool)
            if not tied.any():
                continue
            block, first = _blocks(m, start, length)
            o, lo, ev = orders[tied], is_low[tied], is_event[tied]
            part_loss = loss[tied].copy()
            if self.burden_test is not None:
                mine = lo if self.burden_test.first == self.low else ~lo
                n_mine = self.n_low if self.burden_test.first == self.low else self.n_high
                d = np.add.reduceat(ev.astype(float), first, axis=1)
                d_a = np.add.reduceat((ev & mine).astype(float), first, axis=1)
                r = np.broadcast_to((self.n - first).astype(float), d.shape)
                r_a = (n_mine - (np.cumsum(mine, axis=1) - mine)[:, first]).astype(float)
                z = _logrank_z(d, r, d_a, r_a)
                part_loss = part_loss + _p_excess(z, self.burden_test, self.margin) ** 2
            ok = part_loss <= threshold + 1e-12
            for row in np.flatnonzero(ok):
                out.append(
                    (
                        round(float(closeness[tied][row]), 9),
                        length if length > 1 else 0,
                        len(out),
                        o[row],
                        block,
                        float(part_loss[row]),
                    )
                )
        out.sort(key=lambda s: (s[0], s[1], s[2]))
        return out

    # ---------------------------------------------------------------- cells
    def _cell_options(self, signature, threshold):
        """Every way to give a signature's items (canonical order: low-burden events, then
        censorings, then high-burden ones) to cells, within the cells' sizes, and for each
        pair of a low-burden and a high-burden way the smallest loss its counts allow."""
        e_low, c_low, e_high, c_high = signature
        n_low_items = e_low + c_low
        event_item = np.array(
            [True] * e_low + [False] * c_low + [True] * e_high + [False] * c_high, dtype=bool
        )
        a_low = _assignments(sorted(self.low), self.sizes, n_low_items)
        a_high = _assignments(sorted(self.high), self.sizes, e_high + c_high)
        ev_low, ev_high = event_item[:n_low_items], event_item[n_low_items:]

        def counts(assignment, events, cells):
            member = np.isin(assignment, list(cells))
            return (member & events).sum(axis=1), (member & ~events).sum(axis=1)

        # groups within one level: drop the ways whose counts cannot meet them
        for t in self.cell_targets:
            for level, rows, events in (("low", a_low, ev_low), ("high", a_high, ev_high)):
                inside = t.cells <= (self.low if level == "low" else self.high)
                if not inside:
                    continue
                e, c = counts(rows, events, t.cells)
                keep = self._tables(t)[0][e, c] <= threshold + 1e-12
                if level == "low":
                    a_low = a_low[keep]
                else:
                    a_high = a_high[keep]
        pair_bound = np.zeros((len(a_low), len(a_high)))
        for t in self.cell_targets:
            e_l, c_l = counts(a_low, ev_low, t.cells)
            e_h, c_h = counts(a_high, ev_high, t.cells)
            table = self._tables(t)[0]
            pair_bound += table[e_l[:, None] + e_h[None, :], c_l[:, None] + c_h[None, :]]
        member = {
            g: (
                np.isin(a_low, list(cells)).astype(float),
                np.isin(a_high, list(cells)).astype(float),
            )
            for g, cells in self._group_cells()
        }
        return event_item, n_low_items, a_low, a_high, pair_bound, member

    def _group_cells(self):
        seen = {self._gkey(t.cells): t.cells for t in self.cell_targets}
        if self.arm_test is not None:
            seen[self._gkey(self.arm_test.first)] = self.arm_test.first
        return sorted(seen.items())

    @staticmethod
    def _gkey(cells):
        return tuple(sorted(cells))

    def _evaluate(self, batch, offset, options, threshold):
        """Every candidate (skeleton of ``batch`` x way to fill the cells) within
        ``threshold``: (loss, closeness, skeleton position, skeleton, low way, high way)."""
        event_item, n_low_items, a_low, a_high, pair_bound, member = options
        m = len(event_item)
        base = np.array([s[5] for s in batch])
        bound = base[:, None, None] + pair_bound[None, :, :]
        b_idx, l_idx, h_idx = np.nonzero(bound <= threshold + 1e-12)
        if len(b_idx) == 0:
            return []
        if self.evaluated >= self.budget:
            raise _Exhausted
        self.evaluated += len(b_idx)
        # item -> block, items in canonical order (kinds sorted, then position)
        item_block = np.stack([s[4][np.argsort(s[3], kind="stable")] for s in batch])
        blocks = np.arange(m)
        before = (item_block[:, :, None] < blocks).astype(float)
        at = ((item_block[:, :, None] == blocks) & event_item[None, :, None]).astype(float)
        low, high = slice(0, n_low_items), slice(n_low_items, m)

        def group(cells):
            x_low, x_high = member[self._gkey(cells)]
            n_g = sum(self.sizes[i] for i in cells)
            r = (
                n_g
                - np.einsum("aj,bjk->bak", x_low, before[:, low])[b_idx, l_idx]
                - np.einsum("aj,bjk->bak", x_high, before[:, high])[b_idx, h_idx]
            )
            d = (
                np.einsum("aj,bjk->bak", x_low, at[:, low])[b_idx, l_idx]
                + np.einsum("aj,bjk->bak", x_high, at[:, high])[b_idx, h_idx]
            )
            timed = x_low.sum(axis=1)[l_idx] + x_high.sum(axis=1)[h_idx]
            return d, r, n_g, timed

        loss = base[b_idx].copy()
        closeness = np.array([s[0] for s in batch])[b_idx]
        for t in self.cell_targets:
            d, r, n_g, timed = group(t.cells)
            km = _defined(_km(d, r), n_g, timed)
            loss += _excess(km, t) ** 2
            closeness = closeness + ((km - t.value) / t.tolerance) ** 2
        if self.arm_test is not None:
            d_a, r_a, _, _ = group(self.arm_test.first)
            d_total = at.sum(axis=1)[b_idx]
            r_total = self.n - before.sum(axis=1)[b_idx]
            z = _logrank_z(d_total, r_total, d_a, r_a)
            loss += _p_excess(z, self.arm_test, self.margin) ** 2
        keep = np.flatnonzero(loss <= threshold + 1e-12)
        return [
            (
                float(loss[i]),
                round(float(closeness[i]), 9),
                offset + int(b_idx[i]),
                batch[b_idx[i]],
                a_low[l_idx[i]],
                a_high[h_idx[i]],
            )
            for i in keep
        ]

    # ---------------------------------------------------------------- the search
    def run(self) -> Placement:
        # first pass: the fewest censorings at which every target is met
        self.budget = BUDGET
        complete = True
        try:
            for censored in range(self.max_censored + 1):
                found = self._first(censored)
                if found is not None:
                    return self._placement(found, censored, met=True)
        except _Exhausted:
            complete = False
        # second pass: the smallest loss within the allowed censorings, signatures in the
        # order of their lower bounds (branch and bound: stop when a bound exceeds the best)
        self.budget = self.evaluated + BUDGET
        ranked = sorted(
            (round(bound, 9), censored, round(closeness, 9), signature)
            for censored in range(self.max_censored + 1)
            for bound, closeness, signature in self.signatures(censored)
        )
        self._best, self._best_censored = None, 0
        try:
            for bound, censored, _, signature in ranked:
                limit = np.inf if self._best is None else self._best[0]
                if bound > limit + 1e-12:
                    break
                self._best_of(signature, limit, censored)
        except _Exhausted:
            complete = False
        return self._placement(self._best, self._best_censored, met=False, complete=complete)

    def _keep(self, found, censored):
        """Keep ``found`` if its loss is smaller (then: fewer censorings) than the best."""
        key = (round(found[0], 9), censored)
        if self._best is None or key < (round(self._best[0], 9), self._best_censored):
            self._best, self._best_censored = found, censored

    def _best_of(self, signature, threshold, censored):
        """Offer every candidate of a signature within ``threshold`` to :meth:`_keep`."""
        skeletons = self.skeletons(signature, threshold)
        if not skeletons:
            return
        options = self._cell_options(signature, threshold)
        step = max(1, BATCH // max(1, options[2].shape[0] * options[3].shape[0]))
        for s0 in range(0, len(skeletons), step):
            limit = threshold if self._best is None else min(threshold, self._best[0])
            found = self._evaluate(skeletons[s0 : s0 + step], s0, options, limit)
            if found:
                here = min(found, key=lambda f: (round(f[0], 9), f[2], f[1]))
                self._keep((*here, signature), censored)

    def _first(self, censored):
        """The first candidate, in the order of preference, that meets every target with
        this many patients censored before the landmark (None if there is none)."""
        for bound, _, signature in self.signatures(censored):
            if bound > 1e-12:
                continue
            skeletons = self.skeletons(signature, 0.0)
            if not skeletons:
                continue
            options = self._cell_options(signature, 0.0)
            step = max(1, BATCH // max(1, options[2].shape[0] * options[3].shape[0]))
            for s0 in range(0, len(skeletons), step):
                found = self._evaluate(skeletons[s0 : s0 + step], s0, options, 0.0)
                if found:
                    # the earliest skeleton, then its closest way to fill the cells
                    return (*min(found, key=lambda f: (f[2], f[1])), signature)
        return None

    def _placement(self, found, censored, met, complete=True):
        if found is None:
            return Placement((), 0, 0, 0, met=not self.landmarks, loss=np.inf,
                             evaluated=self.evaluated, complete=complete)  # fmt: skip
        loss, _, _, skeleton, a_low, a_high, signature = found
        _, length, _, order, block, _ = skeleton
        cells = np.concatenate([a_low, a_high])
        e_low, c_low, e_high, c_high = signature
        event_item = [True] * e_low + [False] * c_low + [True] * e_high + [False] * c_high
        item_position = np.argsort(order, kind="stable")
        items = tuple(
            (int(cells[j]), bool(event_item[j]), int(block[item_position[j]]))
            for j in range(len(event_item))
        )
        items = tuple(sorted(items, key=lambda x: (x[2], x[0], not x[1])))
        n_blocks = int(block.max()) + 1 if len(block) else 0
        return Placement(
            items=items,
            blocks=n_blocks,
            censored=censored,
            tied=length,
            met=met,
            loss=round(float(loss), 9),
            evaluated=self.evaluated,
            complete=complete,
        )


def place(
    cells,
    landmarks,
    burden_test: Separation | None = None,
    arm_test: Separation | None = None,
    max_censored: int = 5,
    max_tie: int = 3,
    margin: float = 0.8,
) -> Placement:
    """The order of events and censorings before the landmark (see the module's doc).

    ``cells``: :class:`Cell` list; ``landmarks``: :class:`Landmark` targets; ``burden_test``:
    the log-rank target of low against high burden at infusion (its ``first`` must be the
    low-burden cells); ``arm_test``: the log-rank target of one arm against the other;
    ``max_censored``: most patients censored before the landmark; ``max_tie``: most events
    sharing one time; ``margin``: how far inside a log-rank target's tolerance to aim (1 is
    the edge).
    """
    search = _Search(cells, landmarks, burden_test, arm_test, max_censored, max_tie, margin)
    if burden_test is not None and burden_test.first not in (search.low, search.high):
        raise ValueError("the burden test must compare the low- and high-burden cells")
    return search.run()
