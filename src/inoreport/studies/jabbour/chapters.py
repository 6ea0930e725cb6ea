"""The Jabbour chapter's declaration: columns, defaults and its cohort check (registered
through the ``inoreport.study_chapters`` entry point)."""

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
from inoreport.cohort import Cohort, CohortError, CohortSchema


def _check_jabbour(cohort: Cohort) -> None:
    """Three age groups; remission columns filled together and consistent."""
    require_groups(
        cohort,
        3,
        "expected three, youngest first and oldest last (the trial's 60-64, 65-69 and "
        ">=70; their published values are set beside yours in that order)",
        noun="age groups",
        column="age_group",
    )
    frame = cohort.frame
    known = frame["crd_months"].notna()
    for column in ("crd_event", "crd_status"):
        differs = frame.index[known != frame[column].notna()]
        if len(differs):
            row = int(differs[0])
            filled = "empty" if known[row] else f"'{frame.loc[row, column]}'"
            raise CohortError(
                f"{filled} while crd_months is " + ("filled" if known[row] else "empty"),
                "expected crd_months, crd_event and crd_status all filled (patient in "
                "remission) or all empty (never in remission)",
                file=cohort.source.name,
                column=cohort.column_map.get(column, column),
                row=row,
            )
    status = frame.loc[known, "crd_status"].astype(int)
    event = frame.loc[known, "crd_event"].astype(int)
    wrong = status.index[(status == 1) != (event == 1)]
    if len(wrong):
        row = int(wrong[0])
        raise CohortError(
            f"crd_event {event[row]} with crd_status {status[row]}",
            "expected crd_event 1 exactly when crd_status is 1 (relapse); 0 for status 0 "
            "(in remission) and 2 (death in remission, censored for remission duration)",
            file=cohort.source.name,
            column=cohort.column_map.get("crd_event", "crd_event"),
            row=row,
        )


_JABBOUR_DEFAULTS = {
    "cohort_path": "../data/synthetic/jabbour.csv",
    "column_map": {},
    "time_unit": "months",
    "landmarks": [24, 60],
    "group_labels": {"60-64": "60–64", "65-69": "65–69", ">=70": "≥70"},
    "group_order": ["60–64", "65–69", "≥70"],
    "synthetic": None,
}

register(
    Chapter(
        name="jabbour",
        title="Older patients: mini-hyper-CVD + InO ± blinatumomab (Jabbour 2023)",
        notebook="notebooks/jabbour.md",
        summary=(
            "PFS, OS and remission duration with landmarks, by age group (three, oldest "
            "last), cytogenetics, TP53 and protocol amendment; relapse and death in "
            "remission as competing risks. results.json: PFS by age group."
        ),
        schema=CohortSchema(
            columns=(
                Column("patient_id", "id", "One identifier per patient (any text)."),
                Column(
                    "age_group",
                    "group",
                    "Age group at enrolment: three groups, labelled by group_labels and "
                    "ordered youngest first (in the book's file 60-64, 65-69, >=70).",
                ),
                Column(
                    "amendment",
                    "category",
                    "Treated before or after the protocol amendment.",
                    allowed=("pre-amendment", "post-amendment"),
                    missing_ok=False,
                ),
                Column(
                    "high_risk_cytogenetics",
                    "flag",
                    "High-risk cytogenetics.",
                    missing_ok=False,
                ),
                Column("tp53_mutated", "flag", "TP53 mutation.", missing_ok=False),
                Column(
                    "pfs_months",
                    "duration",
                    "Progression-free survival: time from the start of treatment to "
                    "relapse, progression or death, or to the last follow-up.",
                ),
                Column("pfs_event", "event", "1 if relapse, progression or death, 0 if censored."),
                Column(
                    "os_months",
                    "duration",
                    "Overall survival: time from the start of treatment to death or to the "
                    "last follow-up.",
                ),
                Column("os_event", "event", "1 if the patient died then, 0 if censored."),
                Column(
                    "crd_months",
                    "duration",
                    "Continuous remission duration: time from remission to relapse, death or "
                    "the last follow-up; empty for a patient never in remission.",
                    missing_ok=True,
                ),
                Column(
                    "crd_event",
                    "event",
                    "1 if relapse ended the remission, 0 otherwise (death in remission is "
                    "censored); empty when never in remission.",
                    missing_ok=True,
                ),
                Column(
                    "crd_status",
                    "category",
                    "How the remission ended: 0 still in remission, 1 relapse, 2 death in "
                    "remission; empty when never in remission.",
                    allowed=("0", "1", "2"),
                ),
                optional_column("death_cause", "category", "Cause of death (empty if alive)."),
                SYNTHETIC_COLUMN,
            ),
            group="age_group",
            endpoints=(("pfs_months", "pfs_event"), ("os_months", "os_event")),
            time_unit="months",
        ),
        results="jabbour_results.json",
        defaults=_JABBOUR_DEFAULTS,
        own_cohort=own_cohort(_JABBOUR_DEFAULTS),
        main_comparison=MainComparison(
            "progression-free survival", "age group", time="pfs_months", event="pfs_event"
        ),
        n_landmarks=2,
        check=_check_jabbour,
    )
)
