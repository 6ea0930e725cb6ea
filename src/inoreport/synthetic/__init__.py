"""Synthetic patient-level cohorts rebuilt from published aggregates.

No study in this book shares patient-level data. For each one, a generator builds a
cohort whose published aggregates (Table 1 counts, response counts, Kaplan–Meier
landmarks and medians, Cox hazard ratios, median follow-up) come out at the published
values; statistics that were *not* used to build it are reported as held-out checks.
Every row is synthetic and says so (``synthetic`` column, ``...-SYN-...`` patient ids).

Use::

    from inoreport import synthetic
    cohort = synthetic.load("rocca")               # data/synthetic/rocca.csv
    build = synthetic.build("rocca")               # regenerate in memory (seconds)
    build.targets                                   # calibrated and held-out target rows

``python -m inoreport.synthetic`` (``make data``) rewrites every CSV, the data dictionary
``data/synthetic/datapackage.json`` and ``_build/results/synthetic_<study>.json``.

Modules: :mod:`.allocation` (covariates with exact margins), :mod:`.hazard`
(piecewise-exponential model), :mod:`.calibration` (fitting to realised statistics),
:mod:`.guyot` (Method B: digitised Kaplan–Meier curves to individual data), one module
per study (:mod:`.rocca`, :mod:`.jabbour`, :mod:`.alcalde`), and :mod:`.validation`
(Method A on a public dataset where the truth is known).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pandas as pd

from inoreport import paths

#: study key -> (module, CSV file stem)
STUDIES = {
    "rocca": "rocca",
    "jabbour": "jabbour",
    "alcalde_mellado": "alcalde",
}


class UnknownStudyError(KeyError):
    pass


def _module(study: str):
    if study not in STUDIES:
        raise UnknownStudyError(
            f"unknown synthetic study {study!r}; expected one of {sorted(STUDIES)}"
        )
    return importlib.import_module(f".{STUDIES[study]}", __name__)


def build(study: str, seed: int | None = None, **options):
    """Generate one study's cohort; returns a :class:`~.common.StudyBuild`.

    ``options`` go to the study's own ``build`` (e.g. ``assumptions=`` for a sensitivity
    rebuild). The generator runs with pinned arithmetic (see :mod:`.portable`), in a child
    process when this one was not started that way, so the result is the same on every
    machine.
    """
    module = _module(study)
    seed = module.SEED if seed is None else seed
    from inoreport.portable import build_in_child, is_portable

    if not is_portable():
        return build_in_child(study, seed, **options)
    return module.build(seed=seed, **options)


def csv_path(study: str, directory: Path | None = None) -> Path:
    _module(study)
    return Path(directory or paths.SYNTHETIC) / f"{study}.csv"


def load(study: str, directory: Path | None = None) -> pd.DataFrame:
    """Read ``data/synthetic/<study>.csv`` (regenerate with ``make data``).

    Boolean columns come back as booleans (or pandas' nullable boolean where a value is
    missing); durations in months as floats.
    """
    from inoreport.synthetic.io import read_cohort

    return read_cohort(csv_path(study, directory))
