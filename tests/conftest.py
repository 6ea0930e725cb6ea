"""Shared fixtures for the whole suite (tests mirror src/inoreport: stats/, figures/, book/,
synthetic/, studies/; the input modules' tests sit at the top)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

#: R's reference fixtures and the scripts that wrote them (tests/reference).
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE


@pytest.fixture(scope="session")
def lung() -> pd.DataFrame:
    """R's ``survival::lung`` as lifelines ships it (status recoded 0/1); tests copy before
    changing it."""
    from lifelines.datasets import load_lung

    return load_lung()


@pytest.fixture(scope="session")
def lung_by_sex(lung) -> pd.DataFrame:
    """``lung`` with sex as the labels Male / Female."""
    data = lung.copy()
    data["sex"] = data["sex"].map({1: "Male", 2: "Female"})
    return data


@pytest.fixture(scope="session")
def lung_r() -> pd.DataFrame:
    """``lung`` exactly as R wrote it for the reference fixtures (status 1/2)."""
    return pd.read_csv(REFERENCE / "fixtures" / "data_lung.csv")


@pytest.fixture
def transition_cohort() -> pd.DataFrame:
    """A small two-arm cohort with a state before and after (one row a patient) for the
    transition counts and their figure.

    5 high -> 4 low + 1 high in arm A; 7 high -> 2 low + 5 high, 3 low -> low, 1 low -> high
    in arm B; 2 low -> low in arm A.
    """
    rows = (
        [("A", "high", "low")] * 4
        + [("A", "high", "high")]
        + [("A", "low", "low")] * 2
        + [("B", "high", "low")] * 2
        + [("B", "high", "high")] * 5
        + [("B", "low", "low")] * 3
        + [("B", "low", "high")]
    )
    return pd.DataFrame(rows, columns=["arm", "before", "after"])
