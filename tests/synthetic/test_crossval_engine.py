"""Cross-validation over calibration targets (the engine; the studies' runs are checked in
tests/studies/test_crossval.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inoreport.book.results import ScorecardRow
from inoreport.synthetic.crossval import cross_validate, folds, rows_by_key

KEYS = [("landmark", "a"), ("landmark", "b"), ("landmark", "c"), ("median", None), ("hr", "x")]
#: A toy "published" value per key; a left-out key is predicted by the mean of the fitted
#: ones (so the prediction is right only where the published value is near that mean).
PUBLISHED = {KEYS[0]: 50.0, KEYS[1]: 51.0, KEYS[2]: 49.0, KEYS[3]: 80.0, KEYS[4]: 50.5}


@dataclass
class ToyBuild:
    targets: list


def toy_build(leave_out: frozenset) -> ToyBuild:
    fitted = [PUBLISHED[k] for k in KEYS if k not in leave_out]
    fallback = sum(fitted) / len(fitted) if fitted else 0.0
    rows = []
    for key in KEYS:
        value = fallback if key in leave_out else PUBLISHED[key]
        rows.append(
            ScorecardRow(
                f"{key}",
                PUBLISHED[key],
                value,
                "held_out" if key in leave_out else "calibrated",
                abs(value - PUBLISHED[key]) <= 2.0,
                tolerance="±2",
                unit="%",
                quantity=key[0],
                group=key[1],
            )
        )
    rows.append(ScorecardRow("a CI limit", 1.0, 1.0, "held_out", True))  # unkeyed
    return ToyBuild(rows)


def test_leave_one_out_leaves_every_key_out_once():
    dealt = folds(KEYS)
    assert len(dealt) == len(KEYS)
    assert {k for f in dealt for k in f} == set(KEYS)
    assert all(len(f) == 1 for f in dealt)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_folds_partition_the_keys_evenly_and_reproducibly(k):
    dealt = folds(KEYS, k, seed=3)
    flat = [key for fold in dealt for key in fold]
    assert len(flat) == len(set(flat)) == len(KEYS)
    assert max(map(len, dealt)) - min(map(len, dealt)) <= 1
    assert folds(list(reversed(KEYS)), k, seed=3) == dealt  # input order does not matter


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="unique"):
        folds(KEYS + [KEYS[0]])


def test_predictions_come_from_the_build_without_the_key():
    full = toy_build(frozenset())
    predictions, timing = cross_validate(toy_build, KEYS, full.targets)
    by_key = {(p.quantity, p.group): p for p in predictions}
    assert timing["folds"] == len(KEYS)
    # the median (80) is far from the others' mean: predicted badly when left out
    median = by_key[("median", None)]
    assert median.fitted == 80.0 and median.fitted_within
    assert median.predicted == pytest.approx((50 + 51 + 49 + 50.5) / 4)
    assert not median.within
    # a landmark left out is predicted by a mean pulled up by the median: 57.9, a miss
    assert by_key[("landmark", "a")].predicted == pytest.approx((51 + 49 + 80 + 50.5) / 4)
    assert sum(p.within for p in predictions) == 0


def test_parallel_folds_give_the_same_predictions():
    full = toy_build(frozenset())
    one, _ = cross_validate(toy_build, KEYS, full.targets, k=2, seed=1, workers=1)
    two, _ = cross_validate(toy_build, KEYS, full.targets, k=2, seed=1, workers=2)
    assert one == two


def test_a_key_without_a_row_or_with_two_is_an_error():
    rows = toy_build(frozenset()).targets
    with pytest.raises(ValueError, match="no scorecard row"):
        rows_by_key(rows, [("absent", None)])
    with pytest.raises(ValueError, match="two scorecard rows"):
        rows_by_key(rows + rows[:1], [KEYS[0]])


@pytest.mark.parametrize(
    ("published", "predicted", "expected"),
    [
        (".02", 0.03, True),  # same side of 0.05, within a factor of 2
        (".02", 0.06, False),  # other side of 0.05
        (".02", 0.045, False),  # more than twice
        ("<.0001", 0.0005, True),  # both below 0.001
        ("0.648", 0.97, True),
        ("0.011", 6.83e-05, False),
    ],
)
def test_close_is_the_former_held_out_rule_for_p_values(published, predicted, expected):
    from inoreport.synthetic.crossval import close

    assert close(published, predicted, "p", within=False) is expected
    assert close(50.0, 80.0, "%", within=True) is True  # estimates: the scorecard tolerance
