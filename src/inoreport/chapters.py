"""The chapters that run on a cohort of your own, and what each one needs.

A *runnable chapter* is a notebook with a papermill ``parameters`` cell and a
:class:`~inoreport.cohort.CohortSchema`. ``inoreport run NAME`` (see :mod:`inoreport.cli`)
checks a user's CSV against the schema, executes the notebook with the user's parameters
and collects its outputs.

Register a chapter with one declaration at the bottom of this module::

    register(
        Chapter(
            name="rocca",
            title="Prior InO and brexucabtagene autoleucel (ROCCA)",
            notebook="notebooks/rocca.ipynb",
            schema=CohortSchema(
                columns=(*standard_columns(), Column("age", "number", "Age at infusion.", unit="years")),
                time_unit="months",  # the chapter analyses in months; other units are converted
            ),
            results="rocca.json",  # what the notebook writes in inoreport.paths.results_dir()
            defaults={  # exactly the values in the notebook's parameters cell
                "cohort_path": "../data/synthetic/rocca.csv",  # relative to the notebook
                "column_map": {},
                "time_unit": "months",
                "landmarks": [6, 12],
                "group_labels": {},
                "group_order": ["No prior InO", "Prior InO"],
                "reference": "No prior InO",
                "covariates": [],
                "categorical": [],
                "synthetic": None,
            },
            own_cohort={"group_order": [], "reference": None},  # reset when a user brings a cohort
        )
    )

The notebook's contract:

1. a cell tagged ``parameters`` that assigns every key of ``defaults`` (a test checks the
   two agree);
2. it loads its cohort with ``get_chapter(NAME).load_cohort(cohort_path=..., ...)`` so the
   notebook and the CLI apply the same checks;
3. it writes its machine-readable results to ``results_dir() / results`` (the CLI points
   ``INOREPORT_RESULTS_DIR`` at a temporary folder and copies that file to
   ``OUT/results.json``).

Parameter names shared by every chapter (a chapter may omit those it has no use for):
``cohort_path``, ``column_map`` ({chapter column: file column}), ``time_unit`` (unit of the
file's durations), ``landmarks`` (in the chapter's time unit; None = chapter default),
``group_labels`` ({file value: label}), ``group_order``, ``reference``, ``covariates``,
``categorical``, ``synthetic`` (None = decide from the path).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cohort import Cohort, CohortError, CohortSchema, Column, load_cohort, standard_columns
from .paths import ROOT

#: Parameters every chapter understands, and what a user's own cohort starts from.
PARAMETER_NAMES = (
    "cohort_path",
    "column_map",
    "time_unit",
    "landmarks",
    "group_labels",
    "group_order",
    "reference",
    "covariates",
    "categorical",
    "synthetic",
)
OWN_COHORT_DEFAULTS: dict[str, Any] = {
    "column_map": {},
    "time_unit": "months",
    "landmarks": None,
    "group_labels": {},
    "group_order": [],
    "reference": None,
    "covariates": [],
    "categorical": [],
    "synthetic": None,
}

#: Landmarks used when none are given: half a year, one and two years, in the cohort's unit.
DEFAULT_LANDMARKS = {
    "days": [180.0, 365.0, 730.0],
    "weeks": [26.0, 52.0, 104.0],
    "months": [6.0, 12.0, 24.0],
    "years": [0.5, 1.0, 2.0],
}


def default_landmarks(time_unit: str) -> list[float]:
    """Landmark times (6, 12, 24 months or their equivalent) in ``time_unit``."""
    return list(DEFAULT_LANDMARKS[time_unit])


@dataclass(frozen=True)
class Chapter:
    """A notebook that can run on a user's cohort.

    name: what users type (``inoreport run NAME``).
    notebook: path of the notebook relative to the book root.
    schema: the cohort it needs.
    results: file name the notebook writes in ``results_dir()``.
    defaults: the notebook's parameters-cell values (its own default run); cohort_path is
        relative to the notebook's folder.
    own_cohort: parameter values that replace ``defaults`` when a user supplies a cohort
        (anything specific to the default cohort: column names, labels, covariates…);
        unspecified keys fall back to :data:`OWN_COHORT_DEFAULTS`.
    """

    name: str
    title: str
    notebook: str
    schema: CohortSchema
    results: str
    defaults: Mapping[str, Any]
    summary: str = ""
    own_cohort: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.defaults) - set(PARAMETER_NAMES)
        if unknown:
            raise ValueError(f"chapter {self.name!r}: unknown parameters {sorted(unknown)}")
        if "cohort_path" not in self.defaults:
            raise ValueError(f"chapter {self.name!r}: defaults need a cohort_path")

    @property
    def notebook_path(self) -> Path:
        return ROOT / self.notebook

    @property
    def default_cohort(self) -> Path:
        return (self.notebook_path.parent / self.defaults["cohort_path"]).resolve()

    def parameters(self, cohort: str | Path | None = None, **overrides) -> dict[str, Any]:
        """Parameters for one run: the defaults, or a fresh start for a user's cohort.

        cohort: the user's CSV (None: the chapter's default cohort and settings).
        overrides: values given on the command line (None values are ignored).
        """
        if cohort is None:
            params = dict(self.defaults)
            params["cohort_path"] = str(self.default_cohort)
        else:
            params = dict(self.defaults)
            for key, value in {**OWN_COHORT_DEFAULTS, **self.own_cohort}.items():
                if key in params:
                    params[key] = value
            params["cohort_path"] = str(Path(cohort).resolve())
        for key, value in overrides.items():
            if key not in params:
                raise CohortError(
                    f"option '{key}' does not apply to chapter '{self.name}'",
                    f"expected only {', '.join(sorted(params))}",
                )
            if value is not None:
                params[key] = value
        return params

    def load_cohort(
        self,
        cohort_path: str | Path | None = None,
        *,
        column_map: Mapping[str, str] | None = None,
        time_unit: str | None = None,
        group_labels: Mapping | None = None,
        group_order: Sequence[str] | None = None,
        reference: str | None = None,
        covariates: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        synthetic: bool | None = None,
        **_ignored,
    ) -> Cohort:
        """Load and check a cohort with this chapter's schema (see ``cohort.load_cohort``).

        A relative ``cohort_path`` is looked up from the current folder first, then from
        the notebook's folder (so the notebook's default works wherever it runs).
        """
        path = Path(cohort_path) if cohort_path is not None else self.default_cohort
        if not path.is_absolute() and not path.exists():
            beside_notebook = self.notebook_path.parent / path
            if beside_notebook.exists():
                path = beside_notebook
        return load_cohort(
            path,
            self.schema,
            column_map=column_map or {},
            time_unit=time_unit or "months",
            group_labels=group_labels or None,
            group_order=group_order or None,
            reference=reference,
            covariates=covariates or (),
            categorical=categorical or (),
            synthetic=synthetic,
        )


CHAPTERS: dict[str, Chapter] = {}


def register(chapter: Chapter) -> Chapter:
    """Add a chapter to the registry (names are unique)."""
    if chapter.name in CHAPTERS:
        raise ValueError(f"chapter {chapter.name!r} is registered twice")
    CHAPTERS[chapter.name] = chapter
    return chapter


def get_chapter(name: str) -> Chapter:
    """The registered chapter called ``name``; CohortError listing the choices otherwise."""
    try:
        return CHAPTERS[name]
    except KeyError:
        raise CohortError(
            f"no chapter called '{name}'",
            f"expected one of {', '.join(sorted(CHAPTERS))} (see `inoreport chapters`)",
        ) from None


def list_chapters() -> list[Chapter]:
    return [CHAPTERS[name] for name in sorted(CHAPTERS)]


# --------------------------------------------------------------------------- registry

register(
    Chapter(
        name="survival_comparison",
        title="Generic survival comparison",
        notebook="notebooks/survival_comparison.ipynb",
        summary=(
            "Table 1, Kaplan-Meier curves with numbers at risk, medians and landmark "
            "survival, log-rank test, univariable and multivariable Cox models, PH check."
        ),
        schema=CohortSchema(
            columns=standard_columns(
                group_description="The groups to compare (e.g. treatment arm); two or more."
            ),
            time_unit=None,  # reports in the cohort's own unit
        ),
        results="survival_comparison.json",
        defaults={
            # R's survival::lung (NCCTG advanced lung cancer), shipped with lifelines.
            "cohort_path": "../data/examples/lung.csv",
            "column_map": {"group": "sex", "event": "status"},
            "time_unit": "days",
            "landmarks": [180, 365],
            "group_labels": {"1": "Male", "2": "Female"},
            "group_order": ["Male", "Female"],
            "reference": "Male",
            "covariates": ["age", "ph.ecog"],
            "categorical": [],
            "synthetic": None,
        },
    )
)

__all__ = [
    "CHAPTERS",
    "Chapter",
    "Column",
    "CohortSchema",
    "DEFAULT_LANDMARKS",
    "OWN_COHORT_DEFAULTS",
    "PARAMETER_NAMES",
    "default_landmarks",
    "get_chapter",
    "list_chapters",
    "register",
    "standard_columns",
]
