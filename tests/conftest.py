"""Shared fixtures for the whole suite (tests mirror src/inoreport: stats/, figures/, book/,
synthetic/, studies/; the input modules' tests sit at the top)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: R's reference fixtures and the scripts that wrote them (tests/reference).
REFERENCE = Path(__file__).resolve().parent / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE
