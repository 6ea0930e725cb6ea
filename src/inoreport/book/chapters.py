"""The chapters that run on a cohort of your own, and what each one needs.

A *runnable chapter* is a notebook with a papermill ``parameters`` cell and a
:class:`~inoreport.cohort.CohortSchema`. ``inoreport run NAME`` (see :mod:`inoreport.cli`)
checks a user's CSV against the schema, executes the notebook with the user's parameters
and collects its outputs.

Register a chapter with one declaration at the bottom of this module::

    register(
        Chapter(
            name="my_chapter",
            title="What the chapter shows",
            notebook="notebooks/my_chapter.ipynb",
            schema=CohortSchema(
                columns=(*standard_columns(), Column("age", "number", "Age at infusion.", unit="years")),
                time_unit="months",  # the chapter analyses in months; other units are converted
            ),
            results="my_chapter.json",  # what the notebook writes in inoreport.paths.results_dir()
            defaults={  # exactly the values in the notebook's parameters cell
                "cohort_path": "../data/synthetic/my_study.csv",  # relative to the notebook
                "column_map": {"group": "arm"},
                "time_unit": "months",
                "landmarks": [6, 12],
                "group_labels": {"0": "Control", "1": "Treated"},
                "group_order": ["Control", "Treated"],
                "reference": "Control",
                "synthetic": None,
            },
            own_cohort={"group_order": [], "reference": None},  # reset when a user brings a cohort
            main_comparison=MainComparison(  # what fills km/logrank/cox of results.json
                "progression-free survival", "treatment arm", time="time", event="event"
            ),
        )
    )

The notebook's contract:

1. a cell tagged ``parameters`` that assigns every key of ``defaults`` (a test checks the
   two agree);
2. it loads its cohort with ``get_chapter(NAME).load_cohort(cohort_path=..., ...)`` so the
   notebook and the CLI apply the same checks;
3. it writes its machine-readable results, in the layout documented on the book page
   ``book/results_schema.md``, to ``results_dir() / results`` (the CLI points
   ``INOREPORT_RESULTS_DIR`` at a temporary folder and copies that file to
   ``OUT/results.json``). A study chapter calls :meth:`Chapter.write_results` with its
   scorecard: ``km``, ``logrank`` and ``cox`` then hold the chapter's main comparison
   (:class:`MainComparison`, described in the file's ``comparison`` field).

Each study chapter's declaration (``inoreport/studies/<study>/chapters.py``, found through
the ``inoreport.study_chapters`` entry points) states its main comparison (the ``km``/``logrank``/
``cox`` of its results.json: the comparison's groups alone, Efron ties); ``inoreport chapters``
lists them.

Parameter names shared by every chapter (a chapter may omit those it has no use for):
``cohort_path``, ``column_map`` ({chapter column: file column}), ``time_unit`` (unit of the
file's durations), ``landmarks`` (in the chapter's time unit; None = chapter default),
``group_labels`` ({file value: label}), ``group_order``, ``reference``, ``covariates``,
``categorical``, ``synthetic`` (None = decide from the path, or from a ``synthetic`` column
that is true on every row when the schema declares one).

Options given on the command line replace the chapter's values, with two conveniences:
``--map`` entries are added to the chapter's own column map (a user renames only what
differs); group labels given without a group order set the order (the order of the
labels) and, when the old reference group is no longer a label, the reference (the first);
covariates given without ``--categorical`` keep those of the chapter's categorical
covariates that are still listed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inoreport.cohort import (
    Cohort,
    CohortError,
    CohortSchema,
    Column,
    load_cohort,
    standard_columns,
)
from inoreport.paths import ROOT

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
    "sheet",
    "endpoints",
    "date_format",
    "reference_levels",
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
    "sheet": None,
    "endpoints": {},
    "date_format": None,
    "reference_levels": {},
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
class MainComparison:
    """The survival comparison a study chapter reports in ``km``/``logrank``/``cox`` of its
    results.json.

    endpoint: what is compared, in words ("progression-free survival").
    groups: what the groups are, in words ("bridging arm").
    time, event: the chapter's (schema) duration and event columns.
    by: the column whose values form the groups (None: the schema's group column, with the
        run's group labels, order and reference).
    labels: {value in ``by``: label} for a column other than the group column.
    order: labels in display order, the first being the reference of the hazard ratios
        (None: the run's group order, or the sorted values).
    """

    endpoint: str
    groups: str
    time: str = "time"
    event: str = "event"
    by: str | None = None
    labels: Mapping[str, str] | None = None
    order: tuple[str, ...] | None = None

    def compare(self, cohort: Cohort, landmarks: Sequence[float] | None = None):
        """KM by group, log-rank test and the Cox model of the groups alone (Efron ties).

        Returns a :class:`SurvivalComparison` over the patients with a known group; its
        ``univariable`` is empty when the hazard ratio is not estimable (a group without
        events), and ``ph`` is not computed (None).
        """
        import pandas as pd

        from inoreport.stats.survival import SurvivalInputError, cox, kaplan_meier, logrank

        frame = cohort.frame
        by = self.by or cohort.schema.group
        values = frame[by]
        if self.labels:
            values = values.map(lambda v: self.labels.get(v, v) if isinstance(v, str) else v)
        if by == cohort.schema.group and not self.order:
            order, reference = list(cohort.groups), cohort.reference
        else:
            present = [str(v) for v in values.dropna().unique()]
            order = list(self.order) if self.order else sorted(present)
            reference = None
        keep = values.isin(order)
        sub = pd.DataFrame(
            {
                "patient_id": frame["patient_id"],
                "group": values,
                "time": frame[self.time],
                "event": frame[self.event],
            }
        ).loc[keep & frame[self.time].notna() & frame[self.event].notna()]
        sub["event"] = sub["event"].astype(int)
        groups = [g for g in order if (sub["group"] == g).any()]
        if len(groups) < 2:
            raise CohortError(
                f"{self.endpoint} by '{by}': only {len(groups)} group with patients "
                f"({', '.join(groups) or 'none'})",
                f"expected at least two of {', '.join(order)}",
                file=cohort.source.name,
                column=by,
            )
        if reference not in groups:
            reference = groups[0]
        compared = replace(
            cohort, frame=sub, groups=groups, reference=reference, covariates=[], categorical=[]
        )
        times = (
            sorted(float(t) for t in landmarks)
            if landmarks
            else default_landmarks(compared.time_unit)
        )
        km = kaplan_meier(sub, "time", "event", by="group", order=groups)
        test = logrank(sub, "time", "event", "group")
        try:
            fit = cox(sub, "time", "event", ["group"], reference={"group": reference})
            univariable = {"group": fit}
        except SurvivalInputError:  # a group without events: no finite hazard ratio
            univariable = {}
        return SurvivalComparison(
            cohort=compared,
            landmarks=times,
            km=km,
            logrank=test,
            univariable=univariable,
            multivariable=None,
            ph=None,
        )


@dataclass(frozen=True)
class Chapter:
    """A notebook that can run on a user's cohort.

    name: what users type (``inoreport run NAME``).
    notebook: path of the notebook relative to the book root.
    schema: the cohort it needs.
    results: file name the notebook writes in ``results_dir()`` (the layout of
        book/results_schema.md; the CLI returns it as ``OUT/results.json``).
    defaults: the notebook's parameters-cell values (its own default run); cohort_path is
        relative to the notebook's folder.
    own_cohort: parameter values that replace ``defaults`` when a user supplies a cohort
        (anything specific to the default cohort: column names, labels, covariates…);
        unspecified keys fall back to :data:`OWN_COHORT_DEFAULTS`.
    main_comparison: what fills ``km``/``logrank``/``cox`` of the results of a study
        chapter (:meth:`write_results`); None for a chapter that writes its own.
    n_landmarks: how many landmark times the chapter takes (None: any number).
    check: extra checks of a loaded cohort that the schema cannot express (raises
        CohortError); run by :meth:`load_cohort`, so by the CLI before any kernel starts.
    none_is_a_value: text columns in which "none" is a value ("no consolidation"), not a
        missing value as elsewhere.
    """

    name: str
    title: str
    notebook: str
    schema: CohortSchema
    results: str
    defaults: Mapping[str, Any]
    summary: str = ""
    own_cohort: Mapping[str, Any] = field(default_factory=dict)
    main_comparison: MainComparison | None = None
    n_landmarks: int | None = None
    check: Callable[[Cohort], None] | None = None
    none_is_a_value: tuple[str, ...] = ()

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
        overrides: values given on the command line (None values are ignored). A
            ``column_map`` is added to the chapter's own; ``group_labels`` without a
            ``group_order`` also set the order (and the reference, when the old one is no
            longer a label); ``covariates`` without ``categorical`` keep the chapter's
            categorical ones that are still covariates.
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
        given = {key: value for key, value in overrides.items() if value is not None}
        for key, value in given.items():
            if key not in params:
                raise CohortError(
                    f"option '{key}' does not apply to chapter '{self.name}'",
                    f"expected only {', '.join(sorted(params))}",
                )
            if key == "column_map":
                value = {**(params.get("column_map") or {}), **value}
            params[key] = value
        if "group_labels" in given and "group_order" in params and "group_order" not in given:
            params["group_order"] = list(
                dict.fromkeys(str(v) for v in given["group_labels"].values())
            )
        if ("group_labels" in given or "group_order" in given) and "reference" not in given:
            labels = params.get("group_order") or list(
                dict.fromkeys(str(v) for v in (params.get("group_labels") or {}).values())
            )
            if params.get("reference") is not None and labels and params["reference"] not in labels:
                params["reference"] = None
        if "covariates" in given and "categorical" in params and "categorical" not in given:
            params["categorical"] = [
                c for c in params["categorical"] or [] if c in given["covariates"]
            ]
        if self.n_landmarks is not None and "landmarks" in given:
            if len(given["landmarks"]) != self.n_landmarks:
                shown = ",".join(f"{t:g}" for t in given["landmarks"])
                raise CohortError(
                    f"--landmarks {shown}: {len(given['landmarks'])} time"
                    + ("s" if len(given["landmarks"]) != 1 else ""),
                    f"expected exactly {self.n_landmarks} for chapter '{self.name}' "
                    f"(its own: {','.join(f'{t:g}' for t in self.defaults['landmarks'])})",
                )
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
        sheet: str | None = None,
        endpoints: Mapping[str, str] | None = None,
        date_format: str | None = None,
        reference_levels: Mapping[str, str] | None = None,
        **_ignored,
    ) -> Cohort:
        """Load and check a cohort with this chapter's schema (see ``cohort.load_cohort``).

        A relative ``cohort_path`` is looked up from the current folder first, then from
        the notebook's folder (so the notebook's default works wherever it runs). An entry
        of the chapter's own column map whose column the file lacks is dropped when the
        file has the chapter's name itself or the column is optional; a covariate may be
        named by its column in the
        file when that column is mapped to a chapter column. ``synthetic=None``: synthetic
        when the file is under data/synthetic or, if the schema has a ``synthetic`` column,
        when that column is true on every row. "none" is kept as a value in the columns of
        ``none_is_a_value``. ``sheet``, ``endpoints``, ``date_format`` and
        ``reference_levels``: see ``cohort.load_cohort``. Then the chapter's own ``check`` runs.
        """
        from inoreport.intake import endpoint_columns, read_table

        path = Path(cohort_path) if cohort_path is not None else self.default_cohort
        if not path.is_absolute() and not path.exists():
            beside_notebook = self.notebook_path.parent / path
            if beside_notebook.exists():
                path = beside_notebook
        mapping = {str(k): str(v) for k, v in (column_map or {}).items()}
        own = {str(k): str(v) for k, v in (self.defaults.get("column_map") or {}).items()}
        if any(own.get(k) == v for k, v in mapping.items()):
            try:
                header = set(read_table(path, sheet).columns)
                for time, event in endpoint_columns(endpoints, self.schema).items():
                    header |= {time, event}
            except CohortError:
                header = None  # load_cohort reports the problem with the file
            if header is not None:
                mapping = {
                    k: v
                    for k, v in mapping.items()
                    if not (
                        own.get(k) == v
                        and v not in header
                        and (k in header or not self._required(k))
                    )
                }
        sources = {v: k for k, v in mapping.items()}
        covariates = [sources.get(c, c) for c in covariates or ()]
        categorical = [sources.get(c, c) for c in categorical or ()]
        cohort = load_cohort(
            path,
            self.schema,
            column_map=mapping,
            time_unit=time_unit or "months",
            group_labels=group_labels or None,
            group_order=group_order or None,
            reference=reference,
            covariates=covariates,
            categorical=categorical,
            synthetic=synthetic,
            sheet=sheet,
            endpoints=endpoints or None,
            date_format=date_format,
            reference_levels={sources.get(k, k): v for k, v in (reference_levels or {}).items()},
        )
        present = [c for c in self.none_is_a_value if c in cohort.frame]
        if present:
            cells = read_table(path, sheet)
            for column in present:
                said_none = cells[cohort.column_map[column]].str.strip().str.lower() == "none"
                cohort.frame.loc[said_none[said_none].index, column] = "none"
        flags = cohort.frame.get("synthetic")
        if synthetic is None and not cohort.synthetic and flags is not None:
            cohort.synthetic = bool(len(flags)) and bool((flags == 1).all())
        if self.check is not None:
            self.check(cohort)
        return cohort

    def _required(self, name: str) -> bool:
        return name in self.schema.names and self.schema.column(name).required

    def write_results(
        self,
        cohort: Cohort,
        scorecard: Sequence = (),
        *,
        table1=None,
        landmarks: Sequence[float] | None = None,
    ) -> Path:
        """Write the chapter's results.json (book/results_schema.md) in ``results_dir()``.

        ``km``, ``logrank`` and ``cox`` hold :attr:`main_comparison` (a ``comparison``
        field says which); ``table1`` the rows of the chapter's Table 1 if it has one;
        ``scorecard`` the chapter's scorecard rows. ``cohort.n`` counts every patient of
        the file, ``km`` those in the comparison.
        """
        from inoreport.book.results import write_json

        if self.main_comparison is None:
            raise ValueError(f"chapter {self.name!r} declares no main comparison")
        main = self.main_comparison
        comparison = main.compare(cohort, landmarks)
        payload = survival_comparison_results(comparison, table1, scorecard, chapter=self.name)
        payload["cohort"]["n"] = cohort.n
        payload["comparison"] = {
            "endpoint": main.endpoint,
            "by": main.by or cohort.schema.group,
            "time": main.time,
            "event": main.event,
            "reference": comparison.cohort.reference,
            "description": (
                f"{main.endpoint[0].upper()}{main.endpoint[1:]} by {main.groups} "
                f"({' vs '.join(comparison.km.groups)}); Cox model of the groups alone, "
                f"reference {comparison.cohort.reference}"
            ),
        }
        stem = self.results.removesuffix(".json")
        return write_json(stem, payload)


CHAPTERS: dict[str, Chapter] = {}


def register(chapter: Chapter) -> Chapter:
    """Add a chapter to the registry (names are unique)."""
    if chapter.name in CHAPTERS:
        raise ValueError(f"chapter {chapter.name!r} is registered twice")
    CHAPTERS[chapter.name] = chapter
    return chapter


#: Entry-point group under which packages declare chapters (a module that calls
#: :func:`register` when imported); this project's own study chapters are declared in
#: ``pyproject.toml``.
ENTRY_POINT_GROUP = "inoreport.study_chapters"
_DECLARED_LOADED = False


def _load_declared() -> None:
    """Import every module declared under :data:`ENTRY_POINT_GROUP` (once), so its chapters
    register themselves; the registry itself names no study."""
    global _DECLARED_LOADED
    if _DECLARED_LOADED:
        return
    _DECLARED_LOADED = True
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        entry.load()


def get_chapter(name: str) -> Chapter:
    """The registered chapter called ``name``; CohortError listing the choices otherwise."""
    _load_declared()
    try:
        return CHAPTERS[name]
    except KeyError:
        raise CohortError(
            f"no chapter called '{name}'",
            f"expected one of {', '.join(sorted(CHAPTERS))} (see `inoreport chapters`)",
        ) from None


def list_chapters() -> list[Chapter]:
    """Every registered chapter (the generic one and every declared study chapter), by name."""
    _load_declared()
    return [CHAPTERS[name] for name in sorted(CHAPTERS)]


# --------------------------------------------------------------------------- survival_comparison
# The analysis of the generic chapter, kept here so the notebook stays a thin narrative and
# the CLI, the notebook and the tests compute the same thing.


@dataclass
class SurvivalComparison:
    """Everything the generic chapter shows, for one cohort (times in ``cohort.time_unit``).

    km: KaplanMeier by group; logrank: LogRank; univariable: {variable: CoxFit} (the group
    and each covariate alone); multivariable: CoxFit of group + all covariates (None when
    there are no covariates); ph: cox.zph-style table of the largest model (None when not
    computed, as for a study chapter's main comparison).
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
    import numpy as np
    import pandas as pd

    from inoreport.stats.survival import cox, kaplan_meier, logrank, ph_test

    frame = cohort.frame
    times = (
        sorted(float(t) for t in landmarks) if landmarks else default_landmarks(cohort.time_unit)
    )
    km = kaplan_meier(frame, "time", "event", by="group", order=cohort.groups)
    test = logrank(frame, "time", "event", "group")
    references = {"group": cohort.reference, **cohort.reference_levels}
    # Cox terms of the group in the display order of the groups (as the curves and R's factor)
    modelled = frame.assign(group=pd.Categorical(frame["group"], categories=cohort.groups))
    univariable = {
        variable: cox(
            modelled,
            "time",
            "event",
            [variable],
            reference={variable: references[variable]} if variable in references else None,
            categorical=[variable] if variable in cohort.categorical else (),
        )
        for variable in ["group", *cohort.covariates]
    }
    multivariable = None
    if cohort.covariates:
        variables = ["group", *cohort.covariates]
        multivariable = cox(
            modelled,
            "time",
            "event",
            variables,
            reference={v: r for v, r in references.items() if v in variables},
            categorical=list(cohort.categorical),
        )
    fit = multivariable if multivariable is not None else univariable["group"]
    try:
        ph = ph_test(fit)
    except np.linalg.LinAlgError:  # residual information singular: no test (shown as NE)
        terms = list(dict.fromkeys(fit.table["variable"]))
        ph = pd.DataFrame(
            {"term": [*terms, "GLOBAL"], "chisq": math.nan, "df": math.nan, "p": math.nan}
        )
    return SurvivalComparison(
        cohort=cohort,
        landmarks=times,
        km=km,
        logrank=test,
        univariable=univariable,
        multivariable=multivariable,
        ph=ph,
    )


def models_estimable(cohort: Cohort) -> None:
    """Refuse (CohortError, one line) a cohort whose Cox models cannot be fitted.

    A covariate that is constant, a level without events, collinear covariates or a
    coefficient running to infinity are properties of valid data that leave a hazard ratio
    undefined; the generic chapter says so before any kernel starts instead of failing
    half-way through its notebook.
    """
    from inoreport.stats.survival import SurvivalInputError

    try:
        compare_survival(cohort)
    except SurvivalInputError as exc:
        text = str(exc).removeprefix("cox: ").removeprefix("ph_test: ")
        problem, _, expected = text.rpartition("; ")
        raise CohortError(
            f"the Cox model of group and covariates cannot be fitted: {problem or text}",
            f"expected {expected}" if problem else "expected estimable hazard ratios",
            file=cohort.source.name,
        ) from None


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
        # Group labels are values here, never keys: a group may be called "p-value".
        frame = table1.frame
        for _, record in frame.iterrows():
            row = {
                "variable": str(record["variable"]),
                "row_type": str(record["row_type"]),
                "Characteristic": str(record["Characteristic"]),
                "groups": [
                    {"group": str(label), "value": str(record[position])}
                    for position, label in enumerate(table1.groups)
                ],
            }
            if "p-value" in frame.columns:
                row["p-value"] = str(record["p-value"])
            row["p"] = _num(record["p"])
            row["test"] = record["test"] if isinstance(record["test"], str) else None
            table1_rows.append(row)
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
    from inoreport.formatting import p_value as format_p

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


#: Common covariate names and what to call them: (label, unit of one step). A schema
#: column's ``unit`` wins; a name ending in a time unit (``age_years``) gives that unit.
_COVARIATE_NAMES = {
    "age": ("Age", "year"),
    "ecog": ("ECOG PS", "point"),  # performance status
    "ph.ecog": ("ECOG PS", "point"),
    "karnofsky": ("Karnofsky score", "point"),
    "ph.karno": ("Karnofsky score", "point"),
}
_SINGULAR_UNITS = {
    "years": "year",
    "months": "month",
    "weeks": "week",
    "days": "day",
    "%": "percentage point",
}


def covariate_label(name: str, cohort: Cohort | None = None) -> tuple[str, str | None]:
    """(label, unit of one step) of a covariate column, for tables and sentences.

    The unit comes from the chapter schema's ``Column.unit`` when it declares the column,
    else from a common name (``age`` is in years, ``ecog`` in points) or a name ending in a
    time unit (``age_years``, ``delay_days``); None when unknown. The label is the column
    name unless the name is a common one (``ph.ecog`` is "ECOG PS"); the settings table
    of the chapter lists the column names.
    """
    unit = None
    if cohort is not None and name in cohort.schema.names:
        unit = cohort.schema.column(name).unit
    label, known_unit = _COVARIATE_NAMES.get(name.lower(), (name, None))
    if unit is None:
        unit = known_unit
    if unit is None:
        suffix = name.lower().rsplit("_", 1)[-1]
        unit = suffix if suffix in _SINGULAR_UNITS and "_" in name else None
    if unit is not None:
        unit = _SINGULAR_UNITS.get(unit, unit)
    return label, unit


def _per_step(name: str, cohort: Cohort | None) -> str:
    """'Age, per year', or 'wt.loss, per unit' when the column's unit is unknown."""
    label, unit = covariate_label(name, cohort)
    return f"{label}, per {unit or 'unit'}"


def _in_prose(name: str, cohort: Cohort | None) -> str:
    """A covariate's label for the middle of a sentence ('age', 'ECOG performance status')."""
    label = covariate_label(name, cohort)[0]
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _term_label(term: Mapping, cohort: Cohort) -> str:
    variable, level = term.get("variable"), term.get("level")
    has_level = level not in (None, "") and not (isinstance(level, float) and math.isnan(level))
    if variable == "group":
        return f"{level} vs {cohort.reference}" if has_level else str(term["term"])
    if has_level:
        versus = term.get("reference")
        label = covariate_label(str(variable), cohort)[0]
        return f"{label}: {level} vs {versus}" if versus not in (None, "") else f"{label}: {level}"
    return _per_step(str(variable), cohort)


def hazard_ratio_table(comparison: SurvivalComparison) -> pd.DataFrame:
    """Hazard ratios (95% CI) and p, each variable alone and all together."""
    import pandas as pd

    cohort = comparison.cohort
    multi = {}
    if comparison.multivariable is not None:
        # keyed by (variable, level): term names such as "a=b" can coincide across columns
        multi = {
            (t["variable"], t["level"]): t
            for t in comparison.multivariable.table.to_dict("records")
        }
    rows = []
    for fit in comparison.univariable.values():
        for term in fit.table.to_dict("records"):
            row = {
                "Characteristic": _term_label(term, cohort),
                "HR alone (95% CI)": _hr_text(term),
                "p alone": _fmt_p(term["p"]),
            }
            if comparison.multivariable is not None:
                adjusted = multi.get((term["variable"], term["level"]))
                row["HR adjusted (95% CI)"] = _hr_text(adjusted) if adjusted else ""
                row["p adjusted"] = _fmt_p(adjusted["p"]) if adjusted else ""
            rows.append(row)
    return pd.DataFrame(rows).set_index("Characteristic")


def _hr_text(term: Mapping) -> str:
    return f"{_fmt(term['hr'], 2)} ({_fmt(term['ci_low'], 2)} to {_fmt(term['ci_high'], 2)})"


def forest_rows(comparison: SurvivalComparison) -> pd.DataFrame:
    """Rows for ``plots.forest_plot`` from the largest model, with n / events per row."""
    from inoreport.figures.plots import forest_rows

    cohort = comparison.cohort
    labels = {"group": "Group"}
    labels.update(
        {
            c: _per_step(c, cohort)
            if c not in cohort.categorical
            else covariate_label(c, cohort)[0]
            for c in cohort.covariates
        }
    )
    return forest_rows(comparison.largest_model, labels=labels, data=cohort.frame, event="event")


def ph_summary_table(comparison: SurvivalComparison) -> pd.DataFrame:
    """The proportional-hazards test per term and globally (chi-square, df, p)."""
    table = comparison.ph.copy()
    cohort = comparison.cohort

    def label(term) -> str:
        term = str(term)
        if term == "group":
            return "Group"
        return covariate_label(term, cohort)[0] if term in cohort.covariates else term

    # The global test is the last row (by position: a covariate may be called "GLOBAL").
    table["term"] = [label(t) for t in table["term"][:-1]] + ["Global (whole model)"]
    table["p"] = [_fmt_p(p) for p in table["p"]]
    table["chisq"] = [_fmt(c, 2) for c in table["chisq"]]
    return table.rename(columns={"term": "Term", "chisq": "Chi-square", "df": "df"}).set_index(
        "Term"
    )


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


#: Below this many events per model term, the proportional-hazards sentence warns that
#: the test has little power (the usual rule of thumb of ten events per term).
FEW_EVENTS_PER_TERM = 10


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
        parts.append(
            f"{median} in the {group} group ({int(m['events'])} events in {int(m['n'])} patients)"
        )
    sentences = {"medians": f"Median survival was {_join(parts)}."}

    lr = comparison.logrank
    sentences["logrank"] = (
        f"The log-rank test of equal survival across the {len(comparison.km.groups)} groups gives "
        f"a chi-square of {_fmt(lr.chisq, 2)} on {int(lr.df)} degree{'s' if int(lr.df) > 1 else ''}"
        f" of freedom ({_p_clause(lr.p)})."
    )

    alone = comparison.univariable["group"].table
    alone = alone[alone["variable"] == "group"].to_dict("records")
    text = [f"{_hr_text(t)} for the {t['level']} group" for t in alone]
    cox = (
        f"With group alone in a Cox model, the hazard ratio (95% CI) against the "
        f"{cohort.reference} group is {_join(text)}"
    )
    if comparison.multivariable is not None:
        fit = comparison.multivariable
        adjusted = fit.table[fit.table["variable"] == "group"].to_dict("records")
        text = [f"{_hr_text(t)} for the {t['level']} group" for t in adjusted]
        cox += (
            f"; adjusted for {_join([_in_prose(c, cohort) for c in cohort.covariates])} it is "
            f"{_join(text)}, from the "
            f"{int(fit.n)} patients with every covariate recorded"
            + (f" ({int(fit.n_dropped)} left out for a missing value)" if fit.n_dropped else "")
        )
    sentences["cox"] = cox + ". A hazard ratio below 1 means a lower hazard than the reference."

    ph = comparison.ph
    global_p = _num(ph["p"].iloc[-1]) if len(ph) else None  # the global test is the last row
    per_term = ph.iloc[:-1]
    terms = per_term[per_term["p"] < 0.05]
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
        fit = comparison.largest_model
        events, terms = int(fit.events), len(fit.table)
        if events < FEW_EVENTS_PER_TERM * terms:
            power = (
                f"with only {events} events for {terms} model term{'s' if terms > 1 else ''} "
                "the test has little power, so this is not proof that hazards are proportional"
            )
        else:
            power = (
                f"with {events} events the test has reasonable power against a marked change, "
                "though a mild one can pass unnoticed"
            )
        sentences["ph"] = (
            f"The global test of proportional hazards gives {_p_clause(global_p)}: no term "
            f"shows clear evidence that its hazard ratio changes over follow-up ({power})."
        )
    return sentences


# --------------------------------------------------------------------------- registry

register(
    Chapter(
        name="survival_comparison",
        title="Generic survival comparison",
        notebook="notebooks/survival_comparison.md",
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
        check=models_estimable,
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
            "reference_levels": {},
            "synthetic": None,
            "sheet": None,
            "endpoints": {},
            "date_format": None,
        },
    )
)

# --------------------------------------------------------------------------- study chapters
# Study chapters declare themselves in ``inoreport/studies/<study>/chapters.py``; this module
# finds them through the ``inoreport.study_chapters`` entry points (see :func:`_load_declared`), so
# the book's machinery never imports a study. Each reads the columns of the book's synthetic
# cohort by default; a user's cohort keeps those names and settings unless the command line
# says otherwise.

#: A column the synthetic cohorts carry: true on every row labels the whole run synthetic.
SYNTHETIC_COLUMN = Column(
    "synthetic",
    "flag",
    "True on every row of a synthetic cohort; the chapter then labels its output synthetic.",
    required=False,
)


def own_cohort(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A user's cohort starts from the chapter's own settings (its columns are the schema)."""
    return {key: value for key, value in defaults.items() if key != "cohort_path"}


def optional_column(name: str, kind: str, description: str, **kwargs) -> Column:
    """A column a chapter uses when the cohort has it."""
    return Column(name, kind, description, required=False, **kwargs)


def require_groups(
    cohort: Cohort, count: int, expected: str, noun: str = "groups", column: str = "group"
) -> None:
    """Refuse (CohortError naming the file and the user's name of ``column``) a cohort
    without exactly ``count`` groups; ``expected`` says what the chapter needs and ``noun``
    what its groups are."""
    if len(cohort.groups) != count:
        raise CohortError(
            f"{len(cohort.groups)} {noun} ({', '.join(cohort.groups)})",
            expected,
            file=cohort.source.name,
            column=cohort.column_map.get(column, column),
        )


__all__ = [
    "CHAPTERS",
    "SurvivalComparison",
    "compare_survival",
    "comparison_sentences",
    "hazard_ratio_table",
    "forest_rows",
    "km_summary_table",
    "ph_summary_table",
    "survival_comparison_results",
    "Chapter",
    "MainComparison",
    "SYNTHETIC_COLUMN",
    "Column",
    "CohortSchema",
    "DEFAULT_LANDMARKS",
    "OWN_COHORT_DEFAULTS",
    "PARAMETER_NAMES",
    "default_landmarks",
    "get_chapter",
    "optional_column",
    "require_groups",
    "own_cohort",
    "list_chapters",
    "register",
    "standard_columns",
]
