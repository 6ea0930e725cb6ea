"""What the generic survival-comparison chapter (``notebooks/survival_comparison``) puts on
its page, as data: the opening line about the cohort, the settings table, Table 1, the
figures and the results file. The statistics are :func:`inoreport.book.chapters.compare_survival`;
this module only arranges them. Times are in the cohort's own unit (``cohort.time_unit``).

In the chapter::

    run = comparison_page.prepare(cohort, landmarks)
    glue_text(comparison_page.page_texts(run))
    comparison_page.summary_html(hazard_ratio_table(run.comparison))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown

from inoreport.book.chapters import (
    SurvivalComparison,
    compare_survival,
    comparison_sentences,
    covariate_label,
    forest_rows,
    survival_comparison_results,
)
from inoreport.book.page import table_html
from inoreport.cohort import Cohort

__all__ = [
    "ComparisonRun",
    "about_cohort",
    "forest_figure",
    "km_figure",
    "page_texts",
    "prepare",
    "results_payload",
    "settings_table",
    "summary_html",
    "table_one_html",
    "write_results",
]


@dataclass
class ComparisonRun:
    """One run of the chapter: the cohort, its comparison and its Table 1 (None without
    covariates)."""

    cohort: Cohort
    comparison: SurvivalComparison
    table1: Any | None


def prepare(cohort: Cohort, landmarks: Sequence[float] | None = None) -> ComparisonRun:
    """Compare survival across the cohort's groups and build its Table 1 (``landmarks`` in
    the cohort's time unit; None: 6, 12 and 24 months or their equivalent)."""
    from inoreport.stats.tables import table_one

    table1 = None
    if cohort.covariates:
        table1 = table_one(
            cohort.frame,
            by="group",
            variables=cohort.covariates,
            labels={c: covariate_label(c, cohort)[0] for c in cohort.covariates},
            categorical=cohort.categorical or None,
            by_order=cohort.groups,
            caption="Table 1. Characteristics by group",
            synthetic=cohort.synthetic,
        )
    return ComparisonRun(cohort, compare_survival(cohort, landmarks), table1)


def _is_lung_example(source: Path) -> bool:
    return source.name == "lung.csv" and "examples" in source.parts


def about_cohort(cohort: Cohort) -> str:
    """The Markdown sentence that opens the page: which cohort this run uses, how many
    patients in which groups, and the unit of its times; a synthetic cohort says so."""
    if cohort.synthetic:
        about = "a **synthetic** cohort: its rows describe no real patient"
    elif _is_lung_example(cohort.source):
        about = (
            "the NCCTG advanced lung cancer cohort (R's `survival::lung`, shipped with "
            "lifelines), men against women; real, public data unrelated to the InO studies"
        )
    else:
        about = f"the cohort in `{cohort.source.name}`"
    return (
        f"This run uses {about}: {cohort.n} patients in {len(cohort.groups)} groups "
        f"({', '.join(cohort.groups)}), times in {cohort.time_unit}."
    )


def page_texts(run: ComparisonRun) -> dict[str, str]:
    """Glue values (Markdown) of the page's prose: ``cohort_banner`` and ``sentence_medians``,
    ``sentence_logrank``, ``sentence_cox``, ``sentence_ph``."""
    texts = {"cohort_banner": about_cohort(run.cohort)}
    for key, text in comparison_sentences(run.comparison).items():
        texts[f"sentence_{key}"] = text
    return texts


def summary_html(frame: pd.DataFrame) -> HTML:
    """A summary table as HTML, its index as the first column, missing cells empty."""
    return table_html(frame.reset_index(), na_rep="", classes=None)


def settings_table(cohort: Cohort) -> pd.DataFrame:
    """What the run used (file, column map, group order, reference...): Setting -> Value."""
    return cohort.settings().rename_axis("Setting").rename(columns={"value": "Value"})


def table_one_html(run: ComparisonRun) -> HTML | Markdown:
    """Table 1 as HTML, or a one-line note when no covariates were given."""
    if run.table1 is None:
        return Markdown("No covariates were given, so there is no Table 1 (use `--covariates`).")
    return HTML(run.table1.to_html())


def km_figure(run: ComparisonRun):
    """Kaplan–Meier curves by group with the number at risk and the log-rank p; the x axis
    is labelled with the cohort's time unit (which the alt text names too)."""
    from inoreport.figures.plots import km_plot

    return km_plot(
        run.comparison.km,
        logrank=run.comparison.logrank,
        xlabel=run.cohort.time_unit.capitalize(),
        synthetic=run.cohort.synthetic,
    )


def forest_figure(run: ComparisonRun):
    """Forest plot of the hazard ratios (95% CI) of the largest Cox model, log scale."""
    from inoreport.figures.plots import forest_plot

    return forest_plot(
        forest_rows(run.comparison),
        synthetic=run.cohort.synthetic,
        title="Hazard ratios (95% CI)",
    )


def results_payload(run: ComparisonRun) -> dict[str, Any]:
    """The chapter's results.json (book/results_schema.md), times in the cohort's unit."""
    return survival_comparison_results(run.comparison, table1=run.table1)


def write_results(run: ComparisonRun, results: str = "survival_comparison.json") -> Path:
    """Write :func:`results_payload` to ``results_dir() / results``; returns the path."""
    from inoreport.book.results import write_json

    return write_json(results.removesuffix(".json"), results_payload(run))
