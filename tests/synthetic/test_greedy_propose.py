"""calibration.greedy_redraw with a study's own proposals: a value it proposes is tried as
it is, and a proposer that declines every time changes nothing (same random numbers)."""

from __future__ import annotations

import numpy as np

from inoreport.synthetic.calibration import FitTarget, greedy_redraw, redraw_loss

TARGETS = [FitTarget("mean", 0.8, 0.01)]


def realise(u):
    return np.array([u.mean()])


def run(propose=None):
    u0 = np.linspace(0.1, 0.5, 10)
    rng = np.random.default_rng(7)
    return greedy_redraw(u0, np.arange(10), realise, TARGETS, rng, passes=3, propose=propose)


def test_a_proposer_that_declines_changes_nothing():
    u, kept = run()
    u_declined, kept_declined = run(lambda u, i, rng: None)
    assert np.array_equal(u, u_declined) and kept == kept_declined


def test_proposed_values_are_tried_as_given():
    u, _ = run(lambda u, i, rng: 0.8)  # every proposal puts the value on the target
    assert 0.79 <= realise(u)[0] <= 0.81
    assert np.isin(u, [0.8, *np.linspace(0.1, 0.5, 10)]).all()


def test_the_loss_counts_distance_and_excess_in_tolerance_units():
    loss = redraw_loss(realise, TARGETS, goal=0.6)
    value, gap = loss(np.full(10, 0.83))  # 3 tolerances above: 9 + 100 * 2.4**2
    assert abs(gap[0] - 3.0) < 1e-9
    assert abs(value - (9 + 100 * 2.4**2)) < 1e-6
