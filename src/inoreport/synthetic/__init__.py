"""The synthetic-cohort engine: patient-level cohorts rebuilt from published aggregates.

No study in this book shares patient-level data. For each one, a specification in
``inoreport.studies.<study>.cohort`` uses this engine to build a cohort whose published
aggregates (Table 1 counts, response counts, Kaplan–Meier landmarks and medians, Cox hazard
ratios, median follow-up) come out at the published values; statistics that were *not* used
to build it are reported as held-out checks. Every row is synthetic and says so
(``synthetic`` column, ``...-SYN-...`` patient ids). This package names no study.

Use::

    from inoreport import studies, synthetic
    cohort = synthetic.load(name)               # data/synthetic/<name>.csv
    build = studies.build_cohort(name)          # regenerate in memory (seconds)
    build.targets                               # calibrated and held-out target rows

``python -m inoreport.studies`` (``make data``) rewrites every CSV, the data dictionary
``data/synthetic/datapackage.json`` and ``_build/results/synthetic_<study>.json``.

Modules: :mod:`.allocation` (covariates with exact margins), :mod:`.hazard`
(piecewise-exponential model), :mod:`.calibration` (fitting to realised statistics),
:mod:`.guyot` (Method B: digitised Kaplan–Meier curves to individual data), :mod:`.fastsurv`
(the generator's fast survival statistics), :mod:`.verify` and :mod:`.validation`
(Method A on a public dataset where the truth is known), :mod:`.io` (CSV and data dictionary).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from inoreport import paths


class UnknownCohortError(KeyError):
    """No synthetic cohort file of that name."""


def csv_path(name: str, directory: Path | None = None) -> Path:
    """``data/synthetic/<name>.csv`` (or in ``directory``); the file must exist."""
    folder = Path(directory or paths.SYNTHETIC)
    path = folder / f"{name}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.csv"))
        raise UnknownCohortError(
            f"no synthetic cohort {name!r} in {folder}; expected one of {known}"
        )
    return path


def load(study: str, directory: Path | None = None) -> pd.DataFrame:
    """Read ``data/synthetic/<study>.csv`` (regenerate with ``make data``).

    Boolean columns come back as booleans (or pandas' nullable boolean where a value is
    missing); durations in months as floats.
    """
    from inoreport.synthetic.io import read_cohort

    return read_cohort(csv_path(study, directory))
