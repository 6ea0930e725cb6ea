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
