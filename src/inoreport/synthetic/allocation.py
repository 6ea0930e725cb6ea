"""Give patients covariate values so that published counts hold exactly.

A paper reports margins: "36 of 87 InO-naïve patients had Ph+ disease", "median prior
lines 4 vs 3 in responders and refractory patients". A synthetic cohort must reproduce
every such margin exactly, and otherwise be as close to independence as the margins allow.

How a covariate is allocated
----------------------------
1. Patients are grouped into **cells**: patients who belong to exactly the same published
   subgroups (for example "InO-exposed, responder, bridging InO") form one cell.
2. A small integer program chooses **how many** patients in each cell take each value.
   Every published count is a linear constraint on these numbers (an equality, or a pair
   of inequalities for a median or quartile); cells that a value may not take (a patient
   in complete remission cannot have 25-74% marrow blasts) are fixed at zero. Among all
   tables that satisfy the constraints the program picks the one closest (L1 distance)
   to what independence would give: each cell gets its share of a reference distribution.
3. Within a cell, the values are dealt to patients in a random (seeded) order.

Everything here works on plain arrays and knows nothing about any one study.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse


class AllocationError(ValueError):
    """The published constraints cannot all hold at once; the message says which."""


@dataclass(frozen=True)
class CountConstraint:
    """``low <= #{patients in mask whose value is in values} <= high``."""

    mask: np.ndarray
    values: tuple
    low: int
    high: int
    label: str = ""


def exactly(mask, values, count: int, label: str = "") -> CountConstraint:
    """Exactly ``count`` patients in ``mask`` take one of ``values``."""
    values = tuple(values) if isinstance(values, list | tuple | set) else (values,)
    return CountConstraint(np.asarray(mask, bool), values, int(count), int(count), label)


def at_least(mask, values, count: int, label: str = "") -> CountConstraint:
    values = tuple(values) if isinstance(values, list | tuple | set) else (values,)
    return CountConstraint(np.asarray(mask, bool), values, int(count), 10**9, label)


def at_most(mask, values, count: int, label: str = "") -> CountConstraint:
    values = tuple(values) if isinstance(values, list | tuple | set) else (values,)
    return CountConstraint(np.asarray(mask, bool), values, 0, int(count), label)


def order_statistic(
    mask, rank: int, value, ordered_values: Sequence, label: str = ""
) -> list[CountConstraint]:
    """The ``rank``-th smallest value (1-based) among patients in ``mask`` equals ``value``.

    Holds iff fewer than ``rank`` values lie below ``value`` and at least ``rank`` lie at
    or below it.
    """
    ordered_values = list(ordered_values)
    below = tuple(v for v in ordered_values if v < value)
    at_or_below = tuple(v for v in ordered_values if v <= value)
    out = [at_least(mask, at_or_below, rank, f"{label}: order statistic {rank} <= {value}")]
    if below:
        out.append(at_most(mask, below, rank - 1, f"{label}: order statistic {rank} >= {value}"))
    return out


def quantile(
    mask, prob: float, value, ordered_values: Sequence, label: str = ""
) -> list[CountConstraint]:
    """Sample quantile ``prob`` (R's default type 7; the median for 0.5) equals ``value``.

    When the quantile falls between two order statistics, both are set to ``value``
    (the simplest way for an interpolated quantile to come out at a printed integer).
    """
    n = int(np.asarray(mask, bool).sum())
    h = (n - 1) * prob + 1
    ranks = sorted({math.floor(h), math.ceil(h)})
    out: list[CountConstraint] = []
    for r in ranks:
        out += order_statistic(mask, r, value, ordered_values, label)
    return out


def value_range(
    mask, low, high, ordered_values: Sequence, label: str = ""
) -> list[CountConstraint]:
    """The smallest value in ``mask`` is ``low`` and the largest is ``high``."""
    ordered_values = list(ordered_values)
    outside = tuple(v for v in ordered_values if v < low or v > high)
    out = [
        at_least(mask, (low,), 1, f"{label}: minimum {low}"),
        at_least(mask, (high,), 1, f"{label}: maximum {high}"),
    ]
    if outside:
        out.append(at_most(mask, outside, 0, f"{label}: range {low}-{high}"))
    return out


def allocate(
    values: Sequence,
    constraints: Sequence[CountConstraint],
    reference: np.ndarray,
    rng: np.random.Generator,
    forbidden: Sequence[tuple[np.ndarray, Sequence]] = (),
    name: str = "covariate",
) -> np.ndarray:
    """Assign one of ``values`` to each patient so that every constraint holds.

    ``reference`` is an (n_patients, n_values) array of probabilities (or a single row
    shared by everyone): the independence model that the allocation stays closest to.
    ``forbidden`` lists (mask, values) pairs: patients in mask never take those values.
    Returns an object array of length n_patients.
    """
    values = list(values)
    k = len(values)
    constraints = list(constraints)
    if not constraints:
        raise AllocationError(f"{name}: no constraints given")
    n = len(constraints[0].mask)
    reference = np.asarray(reference, float)
    if reference.ndim == 1:
        reference = np.broadcast_to(reference, (n, k))
    if reference.shape != (n, k):
        raise AllocationError(f"{name}: reference has shape {reference.shape}; expected ({n}, {k})")
    reference = reference / reference.sum(axis=1, keepdims=True)
    masks = [c.mask for c in constraints] + [np.asarray(m, bool) for m, _ in forbidden]
    for m in masks:
        if len(m) != n:
            raise AllocationError(f"{name}: a mask has length {len(m)}; expected {n}")
    # Cells: patients with the same membership pattern and the same reference row.
    signature = np.column_stack([np.asarray(m, np.int8) for m in masks] + [reference])
    _, cell_of = np.unique(signature, axis=0, return_inverse=True)
    cell_of = np.asarray(cell_of).ravel()
    n_cells = int(cell_of.max()) + 1
    size = np.bincount(cell_of, minlength=n_cells)
    expected = np.zeros((n_cells, k))
    np.add.at(expected, cell_of, reference)
    member = np.zeros((len(masks), n_cells), bool)
    for j, m in enumerate(masks):
        member[j, cell_of[np.asarray(m, bool)]] = True

    col = {v: i for i, v in enumerate(values)}
    nv = n_cells * k  # integer counts, then positive and negative deviations

    def var(c, v):
        return c * k + v

    upper = np.repeat(size, k).astype(float)
    for mask, bad in forbidden:
        cells = np.unique(cell_of[np.asarray(mask, bool)])
        for v in bad:
            if v not in col:
                raise AllocationError(f"{name}: forbidden value {v!r} is not one of {values}")
            upper[[var(c, col[v]) for c in cells]] = 0.0

    rows, cols, data, lo, hi = [], [], [], [], []
    r = 0
    for c in range(n_cells):  # each cell's counts add up to its size
        for v in range(k):
            rows.append(r)
            cols.append(var(c, v))
            data.append(1.0)
        lo.append(size[c])
        hi.append(size[c])
        r += 1
    for c in range(n_cells):  # n - d_plus + d_minus = expected
        for v in range(k):
            rows += [r, r, r]
            cols += [var(c, v), nv + var(c, v), 2 * nv + var(c, v)]
            data += [1.0, -1.0, 1.0]
            lo.append(expected[c, v])
            hi.append(expected[c, v])
            r += 1
    for j, con in enumerate(constraints):
        cells = np.flatnonzero(member[j])
        for v in con.values:
            if v not in col:
                raise AllocationError(
                    f"{name}: constraint {con.label!r} names value {v!r}; expected one of {values}"
                )
            for c in cells:
                rows.append(r)
                cols.append(var(c, col[v]))
                data.append(1.0)
        lo.append(con.low)
        hi.append(min(con.high, n))
        r += 1
    a = sparse.csr_array((data, (rows, cols)), shape=(r, 3 * nv))
    # Tiny seeded perturbation: among equally close tables, a random one.
    cost = np.concatenate([rng.uniform(0, 1e-4, nv), np.ones(2 * nv)])
    bounds = optimize.Bounds(np.zeros(3 * nv), np.concatenate([upper, np.full(2 * nv, np.inf)]))
    integrality = np.concatenate([np.ones(nv), np.zeros(2 * nv)])
    res = optimize.milp(
        cost,
        constraints=optimize.LinearConstraint(a, lo, hi),
        bounds=bounds,
        integrality=integrality,
        options={"presolve": True},
    )
    if res.status != 0 or res.x is None:
        raise AllocationError(
            f"{name}: the published counts cannot all hold at once ({res.message}); "
            f"constraints: {[c.label for c in constraints]}"
        )
    counts = np.rint(res.x[:nv]).astype(int).reshape(n_cells, k)
    out = np.empty(n, dtype=object)
    for c in range(n_cells):
        idx = np.flatnonzero(cell_of == c)
        idx = idx[rng.permutation(len(idx))]
        dealt = np.repeat(np.arange(k), counts[c])
        out[idx] = np.array(values, dtype=object)[dealt]
    _check(out, constraints, forbidden, name)
    return out


def _check(out, constraints, forbidden, name) -> None:
    """Re-count every constraint on the result (guards against solver round-off)."""
    for con in constraints:
        got = int(np.isin(out[con.mask], np.array(con.values, dtype=object)).sum())
        if not con.low <= got <= con.high:
            raise AllocationError(
                f"{name}: constraint {con.label!r} has {got}; expected {con.low}..{con.high}"
            )
    for mask, bad in forbidden:
        if np.isin(out[np.asarray(mask, bool)], np.array(list(bad), dtype=object)).any():
            raise AllocationError(f"{name}: a forbidden value was allocated")


def shares(counts: dict, values: Sequence) -> np.ndarray:
    """Reference distribution from published counts (values without a count get 0.5)."""
    raw = np.array([float(counts.get(v, 0.5)) for v in values])
    raw = np.where(raw <= 0, 0.5, raw)
    return raw / raw.sum()
