"""The two Alcalde-Mellado chapters' declarations (bridging; tumour burden): columns,
defaults, checks (registered through the ``inoreport.study_chapters`` entry point)."""

from __future__ import annotations

from inoreport.book.chapters import (
    SYNTHETIC_COLUMN,
    Chapter,
    Column,
    MainComparison,
    optional_column,
    own_cohort,
    register,
    require_groups,
)
from inoreport.cohort import Cohort, CohortSchema


def _efs_columns() -> tuple[Column, ...]:
    """patient_id, group (bridging arm), time and event (EFS) of the Alcalde-Mellado chapters."""
    return (
        Column("patient_id", "id", "One identifier per patient (any text)."),
        Column(
            "group",
            "group",
            "Bridging therapy before CAR-T: two arms, InO and the comparator "
            "(chemotherapy/steroids in the published series).",
        ),
        Column(
            "time",
            "duration",
            "Event-free survival: time from CAR-T infusion to the first event or to the last "
            "follow-up.",
        ),
        Column("event", "event", "1 if an event ended the EFS time, 0 if censored then."),
    )


_ALCALDE_SHARED = {
    "cohort_path": "../data/synthetic/alcalde_mellado.csv",
    "time_unit": "months",
    "landmarks": [12],
    "group_labels": {"InO": "InO", "chemotherapy/steroids": "Chemotherapy/steroids"},
    "group_order": ["InO", "Chemotherapy/steroids"],
    "reference": "Chemotherapy/steroids",
    "synthetic": None,
}
_ALCALDE_MAP = {"group": "bridging", "time": "efs_months", "event": "efs_event"}
_BRIDGING_DEFAULTS = {
    **_ALCALDE_SHARED,
    "column_map": {**_ALCALDE_MAP, "expansion": "car_t_peak_per_ul", "cd8_scm": "cd8_scm_pct"},
}
_BURDEN_DEFAULTS = {
    **_ALCALDE_SHARED,
    "column_map": {
        **_ALCALDE_MAP,
        "burden_before": "burden_before_bridging",
        "burden_infusion": "burden_at_infusion",
    },
}


def _exactly_two_arms(cohort: Cohort) -> None:
    require_groups(
        cohort,
        2,
        "expected exactly two bridging arms: InO first, then the comparator "
        "(set the order with --group-order)",
    )


register(
    Chapter(
        name="alcalde_bridging",
        title="Bridging with InO before tisagenlecleucel: CAR-T expansion and EFS",
        notebook="notebooks/alcalde_bridging.md",
        summary=(
            "CAR-T expansion and CD8+ stem-cell-memory share by bridging arm (exact "
            "Mann-Whitney), EFS by arm with landmark estimates, power. Two arms, InO first. "
            "results.json: EFS by bridging arm."
        ),
        schema=CohortSchema(
            columns=(
                *_efs_columns(),
                Column("expansion", "number", "Peak CAR-T expansion in blood.", unit="cells/µL"),
                optional_column(
                    "cd8_scm",
                    "number",
                    "CD8+ stem-cell-memory CAR-T cells at peak expansion, % of CD8+ CAR-T cells.",
                    unit="%",
                ),
                SYNTHETIC_COLUMN,
            ),
            time_unit="months",
        ),
        results="alcalde_bridging_results.json",
        defaults=_BRIDGING_DEFAULTS,
        own_cohort=own_cohort(_BRIDGING_DEFAULTS),
        main_comparison=MainComparison("event-free survival", "bridging arm"),
        n_landmarks=1,
        check=_exactly_two_arms,
    )
)

register(
    Chapter(
        name="alcalde_tumour_burden",
        title="Tumour burden at CAR-T infusion (Alcalde-Mellado)",
        notebook="notebooks/alcalde_tumour_burden.md",
        summary=(
            "Conversion from high to low tumour burden by bridging arm, EFS by burden at "
            "infusion and by burden path. Two arms, InO first. results.json: EFS by tumour "
            "burden at infusion (LTB vs HTB)."
        ),
        schema=CohortSchema(
            columns=(
                *_efs_columns(),
                Column(
                    "burden_before",
                    "category",
                    "Tumour burden before bridging.",
                    allowed=("high", "low"),
                    missing_ok=False,
                ),
                Column(
                    "burden_infusion",
                    "category",
                    "Tumour burden at CAR-T infusion.",
                    allowed=("high", "low"),
                    missing_ok=False,
                ),
                SYNTHETIC_COLUMN,
            ),
            time_unit="months",
        ),
        results="alcalde_tumour_burden_results.json",
        defaults=_BURDEN_DEFAULTS,
        own_cohort=own_cohort(_BURDEN_DEFAULTS),
        main_comparison=MainComparison(
            "event-free survival",
            "tumour burden at infusion",
            by="burden_infusion",
            labels={"low": "LTB", "high": "HTB"},
            order=("LTB", "HTB"),
        ),
        n_landmarks=1,
        check=_exactly_two_arms,
    )
)
