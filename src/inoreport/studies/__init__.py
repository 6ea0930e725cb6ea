"""Everything that names one study lives here: ``studies/<study>/`` holds its synthetic-cohort
specification (``cohort.py``) and the report functions its chapter shows; ``audit.py`` checks
every study's printed numbers against their counts.

Generic code (``stats``, ``figures``, the ``synthetic`` engine, ``book`` machinery) never
imports from here; code here imports from them. This module is the registry: which studies
have a synthetic cohort, what each study and chapter is called, and the entry point that
builds a cohort with pinned arithmetic.

Use::

    from inoreport import studies
    build = studies.build_cohort("rocca")    # StudyBuild: .cohort, .targets, .assumptions
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from inoreport import paths, portable

#: Studies with a calibrated synthetic cohort: study key -> specification module.
COHORTS = {
    "rocca": "inoreport.studies.rocca.cohort",
    "jabbour": "inoreport.studies.jabbour.cohort",
    "alcalde_mellado": "inoreport.studies.alcalde_mellado.cohort",
}
#: The per-patient event table of the case series (published vs assumed; not calibrated).
CASE_SERIES = {"aertgeerts": "inoreport.studies.aertgeerts.cohort"}

#: Display titles, by study key (the stem of the study's file in ``data/published``).
TITLES = {
    "rocca": "ROCCA (Aldoss 2024)",
    "alcalde_mellado": "Alcalde-Mellado 2025",
    "aertgeerts": "Aertgeerts 2025",
    "jabbour": "Jabbour 2023",
}
SHORT_TITLES = {
    "rocca": "ROCCA",
    "jabbour": "Jabbour",
    "alcalde_mellado": "Alcalde-Mellado",
    "aertgeerts": "Aertgeerts",
}
#: Which study each chapter's results file belongs to (book-wide scorecard).
CHAPTER_TITLES = {
    "rocca": TITLES["rocca"],
    "alcalde_bridging": TITLES["alcalde_mellado"],
    "alcalde_tumour_burden": TITLES["alcalde_mellado"],
    "aertgeerts": TITLES["aertgeerts"],
    "jabbour": TITLES["jabbour"],
}


class UnknownStudyError(KeyError):
    pass


def cohort_module(study: str):
    """The specification module of a study's synthetic cohort."""
    if study not in COHORTS:
        raise UnknownStudyError(
            f"unknown synthetic study {study!r}; expected one of {sorted(COHORTS)}"
        )
    return importlib.import_module(COHORTS[study])


def build_cohort(study: str, seed: int | None = None, **options):
    """Generate one study's cohort; returns a :class:`~inoreport.synthetic.common.StudyBuild`.

    ``options`` go to the specification's ``build`` (e.g. ``assumptions=`` for a sensitivity
    rebuild). The generator runs with pinned arithmetic (:mod:`inoreport.portable`), in a
    child process when this one was not started that way, so the result is the same on every
    machine.
    """
    module = cohort_module(study)
    seed = module.SEED if seed is None else seed
    if not portable.is_portable():
        return portable.call_in_child("inoreport.studies:build_cohort", study, seed=seed, **options)
    return module.build(seed=seed, **options)


def target_roles(study: str, directory: Path | None = None) -> dict[tuple[str, str | None], str]:
    """``(quantity, group)`` -> role ('calibrated' or 'held_out') of every target the
    study's synthetic cohort was built against, read from the committed data dictionary
    (``data/synthetic/datapackage.json``, written by ``make data``); no rebuild needed.

    A published number absent from the result was not a target of the generator.
    """
    package = Path(directory or paths.SYNTHETIC) / "datapackage.json"
    resources = {r["name"]: r for r in json.loads(package.read_text(encoding="utf-8"))["resources"]}
    if study not in resources:
        raise UnknownStudyError(f"no synthetic cohort {study!r} in {package}")
    return {(t["quantity"], t["group"]): t["role"] for t in resources[study].get("targets", [])}
