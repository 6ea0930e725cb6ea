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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cohort import Cohort, CohortError, CohortSchema, Column, load_cohort, standard_columns
from .paths import ROOT

if TYPE_CHECKING:
    import pandas as pd

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
            if value is None:
                continue
            if key not in params:
                raise CohortError(
                    f"option '{key}' does not apply to chapter '{self.name}'",
                    f"expected only {', '.join(sorted(params))}",
                )
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


# --------------------------------------------------------------------------- survival_comparison
# The analysis of the generic chapter, kept here so the notebook stays a thin narrative and
# the CLI, the notebook and the tests compute the same thing.


@dataclass
class SurvivalComparison:
    """Everything the generic chapter shows, for one cohort (times in ``cohort.time_unit``).

    km: KaplanMeier by group; logrank: LogRank; univariable: {variable: CoxFit} (the group
    and each covariate alone); multivariable: CoxFit of group + all covariates (None when
    there are no covariates); ph: cox.zph-style table of the largest model.
    """

    cohort: Cohort
    landmarks: list[float]
    km: Any
    logrank: Any
    univariable: dict[str, Any]
    multivariable: Any | None
    ph: Any

    @property
    def largest_model(self):
        return self.multivariable if self.multivariable is not None else self.univariable["group"]


def compare_survival(
    cohort: Cohort, landmarks: Sequence[float] | None = None
) -> SurvivalComparison:
    """KM by group, log-rank, univariable and multivariable Cox (Efron ties), PH test.

    landmarks: times (in the cohort's unit) for landmark survival; None gives 6, 12 and 24
    months or their equivalent (:func:`default_landmarks`).
    """
    from .survival import cox, kaplan_meier, logrank, ph_test

    frame = cohort.frame
    times = (
        sorted(float(t) for t in landmarks) if landmarks else default_landmarks(cohort.time_unit)
    )
    km = kaplan_meier(frame, "time", "event", by="group", order=cohort.groups)
    test = logrank(frame, "time", "event", "group")
    group_reference = {"group": cohort.reference}
    univariable = {
        variable: cox(
            frame,
            "time",
            "event",
            [variable],
            reference=group_reference if variable == "group" else None,
        )
        for variable in ["group", *cohort.covariates]
    }
    multivariable = None
    if cohort.covariates:
        multivariable = cox(
            frame, "time", "event", ["group", *cohort.covariates], reference=group_reference
        )
    fit = multivariable if multivariable is not None else univariable["group"]
    return SurvivalComparison(
        cohort=cohort,
        landmarks=times,
        km=km,
        logrank=test,
        univariable=univariable,
        multivariable=multivariable,
        ph=ph_test(fit),
    )


def _num(value) -> float | None:
    """A finite float, or None (JSON null) when not estimable."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _cohort_path_text(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(Path(path).resolve())


def survival_comparison_results(
    comparison: SurvivalComparison,
    table1=None,
    scorecard: Sequence = (),
    chapter: str = "survival_comparison",
) -> dict[str, Any]:
    """The results.json payload documented on the book page "results.json".

    Times are in the cohort's own unit (``cohort.time_unit``); ``None`` (JSON null) where a
    value is not estimable (e.g. a median not reached, an upper CI never crossed).
    """
    from dataclasses import asdict

    cohort = comparison.cohort
    medians = comparison.km.medians().set_index("group")
    landmarks = comparison.km.landmarks(comparison.landmarks)
    km = []
    for group in comparison.km.groups:
        row = medians.loc[group]
        at = landmarks[landmarks["group"] == group]
        km.append(
            {
                "group": str(group),
                "n": int(row["n"]),
                "events": int(row["events"]),
                "median": _num(row["median"]),
                "median_ci": [_num(row["ci_low"]), _num(row["ci_high"])],
                "landmarks": [
                    {
                        "time": _num(lm["time"]),
                        "survival": _num(lm["survival"]),
                        "ci": [_num(lm["ci_low"]), _num(lm["ci_high"])],
                    }
                    for lm in at.to_dict("records")
                ],
            }
        )
    cox = []
    models = [("univariable", fit) for fit in comparison.univariable.values()]
    if comparison.multivariable is not None:
        models.append(("multivariable", comparison.multivariable))
    for model, fit in models:
        for term in fit.table.to_dict("records"):
            cox.append(
                {
                    "model": model,
                    "term": str(term["term"]),
                    "coef": _num(term["coef"]),
                    "hr": _num(term["hr"]),
                    "ci": [_num(term["ci_low"]), _num(term["ci_high"])],
                    "p": _num(term["p"]),
                }
            )
    table1_rows = []
    if table1 is not None:
        frame = table1.frame
        for record in frame.to_dict("records"):
            table1_rows.append(
                {str(k): (_num(v) if isinstance(v, float) else v) for k, v in record.items()}
            )
    return {
        "chapter": chapter,
        "cohort": {
            "path": _cohort_path_text(cohort.source),
            "n": cohort.n,
            "synthetic": cohort.synthetic,
            "time_unit": cohort.time_unit,
        },
        "km": km,
        "logrank": {
            "chisq": _num(comparison.logrank.chisq),
            "df": int(comparison.logrank.df),
            "p": _num(comparison.logrank.p),
        },
        "cox": cox,
        "table1": table1_rows,
        "scorecard": [asdict(row) if not isinstance(row, dict) else row for row in scorecard],
    }


# Display: the tables, forest rows and sentences the chapter shows (numbers from results).

_TIME_DIGITS = {"days": 0, "weeks": 1, "months": 1, "years": 2}


def _fmt(value, digits: int) -> str:
    value = _num(value)
    return "NE" if value is None else f"{value:.{digits}f}"


def _fmt_time(value, unit: str) -> str:
    return _fmt(value, _TIME_DIGITS[unit])


def _fmt_p(p) -> str:
    from .tables import format_p

    p = _num(p)
    return "NE" if p is None else format_p(p, digits=2)


def _p_clause(p) -> str:
    """'p = 0.03' or 'p < 0.001' (as a sentence needs it)."""
    text = _fmt_p(p)
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def _median_text(median, lo, hi, unit: str) -> str:
    if _num(median) is None:
        low = f"; lower 95% limit {_fmt_time(lo, unit)}" if _num(lo) is not None else ""
        return f"not reached{low}"
    return (
        f"{_fmt_time(median, unit)} ({_fmt_time(lo, unit)} to "
        f"{_fmt_time(hi, unit) if _num(hi) is not None else 'not reached'})"
    )


def km_summary_table(comparison: SurvivalComparison) -> pd.DataFrame:
    """Per group: patients, events, median (95% CI) and landmark survival % (95% CI)."""
    import pandas as pd

    unit = comparison.cohort.time_unit
    medians = comparison.km.medians().set_index("group")
    at = comparison.km.landmarks(comparison.landmarks)
    rows = []
    for group in comparison.km.groups:
        m = medians.loc[group]
        row = {
            "Group": group,
            "Patients": int(m["n"]),
            "Events": int(m["events"]),
            f"Median, {unit} (95% CI)": _median_text(m["median"], m["ci_low"], m["ci_high"], unit),
        }
        for lm in at[at["group"] == group].to_dict("records"):
            label = f"Survival at {_fmt_time(lm['time'], unit)} {unit}, % (95% CI)"
            if _num(lm["survival"]) is None:
                row[label] = "NE"
            else:
                row[label] = (
                    f"{100 * lm['survival']:.1f} ({_fmt(100 * lm['ci_low'], 1)} "
                    f"to {_fmt(100 * lm['ci_high'], 1)})"
                )
        rows.append(row)
    return pd.DataFrame(rows).set_index("Group")


def _term_label(term: Mapping, cohort: Cohort) -> str:
    variable, level = term.get("variable"), term.get("level")
    has_level = level not in (None, "") and not (isinstance(level, float) and math.isnan(level))
    if variable == "group":
        return f"{level} vs {cohort.reference}" if has_level else str(term["term"])
    if has_level:
        versus = term.get("reference")
        return (
            f"{variable}: {level} vs {versus}"
            if versus not in (None, "")
            else f"{variable}: {level}"
        )
    return f"{variable} (per 1 unit)"


def cox_summary_table(comparison: SurvivalComparison) -> pd.DataFrame:
    """Hazard ratios (95% CI) and p, each variable alone and all together."""
    import pandas as pd

    cohort = comparison.cohort
    multi = {}
    if comparison.multivariable is not None:
        multi = {t["term"]: t for t in comparison.multivariable.table.to_dict("records")}
    rows = []
    for fit in comparison.univariable.values():
        for term in fit.table.to_dict("records"):
            row = {
                "Characteristic": _term_label(term, cohort),
                "HR alone (95% CI)": _hr_text(term),
                "p alone": _fmt_p(term["p"]),
            }
            if comparison.multivariable is not None:
                adjusted = multi.get(term["term"])
                row["HR adjusted (95% CI)"] = _hr_text(adjusted) if adjusted else ""
                row["p adjusted"] = _fmt_p(adjusted["p"]) if adjusted else ""
            rows.append(row)
    return pd.DataFrame(rows).set_index("Characteristic")


def _hr_text(term: Mapping) -> str:
    return f"{_fmt(term['hr'], 2)} ({_fmt(term['ci_low'], 2)} to {_fmt(term['ci_high'], 2)})"


def forest_rows(comparison: SurvivalComparison) -> pd.DataFrame:
    """Rows for ``plots.forest_plot`` from the largest model, with n / events per row."""
    from .plots import cox_forest_rows

    cohort = comparison.cohort
    labels = {"group": "Group"}
    labels.update(
        {c: f"{c} (per 1 unit)" for c in cohort.covariates if c not in cohort.categorical}
    )
    return cox_forest_rows(
        comparison.largest_model, labels=labels, data=cohort.frame, event="event"
    )


def ph_summary_table(comparison: SurvivalComparison) -> pd.DataFrame:
    """The proportional-hazards test per term and globally (chi-square, df, p)."""
    table = comparison.ph.copy()
    table["p"] = [_fmt_p(p) for p in table["p"]]
    table["chisq"] = [_fmt(c, 2) for c in table["chisq"]]
    return table.rename(columns={"term": "Term", "chisq": "Chi-square", "df": "df"}).set_index(
        "Term"
    )


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def comparison_sentences(comparison: SurvivalComparison) -> dict[str, str]:
    """Plain-language sentences for the chapter, every number computed here."""
    cohort = comparison.cohort
    unit = cohort.time_unit
    medians = comparison.km.medians().set_index("group")
    parts = []
    for group in comparison.km.groups:
        m = medians.loc[group]
        median = (
            f"{_fmt_time(m['median'], unit)} {unit} (95% CI {_fmt_time(m['ci_low'], unit)} to "
            f"{_fmt_time(m['ci_high'], unit) if _num(m['ci_high']) is not None else 'not reached'})"
            if _num(m["median"]) is not None
            else "not reached"
        )
        parts.append(f"{median} in {group} ({int(m['events'])} events in {int(m['n'])} patients)")
    sentences = {"medians": f"Median survival was {_join(parts)}."}

    lr = comparison.logrank
    sentences["logrank"] = (
        f"The log-rank test of equal survival across the {len(comparison.km.groups)} groups gives "
        f"a chi-square of {_fmt(lr.chisq, 2)} on {int(lr.df)} degree{'s' if int(lr.df) > 1 else ''}"
        f" of freedom ({_p_clause(lr.p)})."
    )

    alone = comparison.univariable["group"].table
    alone = alone[alone["variable"] == "group"].to_dict("records")
    text = [f"{t['level']} {_hr_text(t)}" for t in alone]
    cox = (
        f"With group alone in a Cox model, the hazard ratio against {cohort.reference} "
        f"(95% CI) is {_join(text)}"
    )
    if comparison.multivariable is not None:
        fit = comparison.multivariable
        adjusted = fit.table[fit.table["variable"] == "group"].to_dict("records")
        text = [f"{t['level']} {_hr_text(t)}" for t in adjusted]
        cox += (
            f"; adjusted for {_join(list(cohort.covariates))} it is {_join(text)}, from the "
            f"{int(fit.n)} patients with every covariate recorded"
            + (f" ({int(fit.n_dropped)} left out for a missing value)" if fit.n_dropped else "")
        )
    sentences["cox"] = cox + ". A hazard ratio below 1 means a lower hazard than the reference."

    ph = comparison.ph
    global_row = ph[ph["term"].astype(str).str.upper() == "GLOBAL"]
    global_p = _num(global_row["p"].iloc[0]) if len(global_row) else None
    terms = ph[(ph["term"].astype(str).str.upper() != "GLOBAL") & (ph["p"] < 0.05)]
    if global_p is None:
        sentences["ph"] = "The proportional-hazards test could not be computed."
    elif global_p < 0.05 or len(terms):
        flagged = _join([str(t) for t in terms["term"]]) if len(terms) else "the model as a whole"
        sentences["ph"] = (
            f"The global test of proportional hazards gives {_p_clause(global_p)}, and the "
            f"test flags {flagged}: the hazard ratio there changes over follow-up, so read it "
            "as an average over time and look at the curves."
        )
    else:
        sentences["ph"] = (
            f"The global test of proportional hazards gives {_p_clause(global_p)}: no term "
            "shows clear evidence that its hazard ratio changes over follow-up (a test with "
            "few events has little power, so this is not proof that hazards are proportional)."
        )
    return sentences


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
    "SurvivalComparison",
    "compare_survival",
    "comparison_sentences",
    "cox_summary_table",
    "forest_rows",
    "km_summary_table",
    "ph_summary_table",
    "survival_comparison_results",
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
