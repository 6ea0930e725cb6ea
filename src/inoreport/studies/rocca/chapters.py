"""The ROCCA chapter's declaration: its columns, defaults and main comparison (registered
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
)
from inoreport.cohort import CohortSchema

_ROCCA_DEFAULTS = {
    "cohort_path": "../data/synthetic/rocca.csv",
    "column_map": {"group": "ino_exposed"},
    "time_unit": "months",
    "landmarks": [6, 12],
    "group_labels": {"False": "InO-naïve", "True": "InO-exposed"},
    "group_order": ["InO-naïve", "InO-exposed"],
    "reference": "InO-naïve",
    "covariates": [
        "age_years", "age_group", "sex", "race_ethnicity", "subtype", "disease_status",
        "marrow_blasts", "emd", "cns", "prior_lines", "prior_blinatumomab", "prior_hct",
    ],
    "categorical": [
        "age_group", "sex", "race_ethnicity", "subtype", "disease_status", "marrow_blasts",
    ],
    "synthetic": None,
}  # fmt: skip


register(
    Chapter(
        name="rocca",
        title="Prior InO before brexucabtagene autoleucel (ROCCA)",
        notebook="notebooks/rocca.md",
        summary=(
            "Table 1 and toxicity by prior InO, PFS and OS by exposure, response to InO and "
            "timing, the paper's Cox model-building rule, propensity weighting, consolidation "
            "as a time-varying exposure. results.json: PFS by prior InO exposure. Map the "
            "group with --map group=YOURS and label its values with --group-label."
        ),
        schema=CohortSchema(
            columns=(
                Column("patient_id", "id", "One identifier per patient (any text)."),
                Column(
                    "group",
                    "group",
                    "Prior InO: whether the patient had InO at any time before CAR-T infusion "
                    "(values labelled by group_labels; in the book's file False/True).",
                ),
                Column(
                    "ino_response",
                    "category",
                    "Response of the leukaemia to InO, for exposed patients (empty for "
                    "InO-naïve patients).",
                    allowed=("responder", "refractory", "not assessed"),
                ),
                Column(
                    "pfs_months",
                    "duration",
                    "Progression-free survival: time from infusion to relapse, progression or "
                    "death, or to the last follow-up.",
                ),
                Column("pfs_event", "event", "1 if relapse, progression or death, 0 if censored."),
                Column(
                    "os_months",
                    "duration",
                    "Overall survival: time from infusion to death or to the last follow-up.",
                ),
                Column("os_event", "event", "1 if the patient died then, 0 if censored."),
                optional_column(
                    "ino_timing",
                    "category",
                    "When InO was given: only before apheresis, or as bridging (empty for "
                    "InO-naïve patients); without it the timing comparison is skipped.",
                    allowed=("pre-apheresis only", "bridging"),
                ),
                optional_column(
                    "bridging_therapy", "flag", "Any bridging therapy before CAR-T infusion."
                ),
                optional_column(
                    "consolidation",
                    "category",
                    "Consolidation after CAR-T: 'none', or its kind (e.g. allogeneic HCT, TKI).",
                ),
                optional_column(
                    "consolidation_months",
                    "duration",
                    "Time from infusion to the start of consolidation (empty without one); "
                    "with consolidation it gives the landmark and time-varying analyses.",
                    missing_ok=True,
                ),
                optional_column("age_years", "number", "Age at infusion.", unit="years"),
                optional_column("age_group", "category", "Age group (e.g. 18-39, 40-59, 60+)."),
                optional_column("sex", "category", "Sex."),
                optional_column("race_ethnicity", "category", "Race and ethnicity."),
                optional_column(
                    "subtype", "category", "Disease subtype (Ph+, Ph-like, Ph-negative)."
                ),
                optional_column("disease_status", "category", "Disease status before apheresis."),
                optional_column(
                    "marrow_blasts", "category", "Marrow blasts before apheresis (band)."
                ),
                optional_column("emd", "flag", "Extramedullary disease."),
                optional_column("cns", "flag", "CNS involvement."),
                optional_column("prior_lines", "number", "Number of prior lines of therapy."),
                optional_column("prior_blinatumomab", "flag", "Prior blinatumomab."),
                optional_column("prior_hct", "flag", "Prior allogeneic stem-cell transplant."),
                optional_column("crs_grade", "category", "Worst cytokine release syndrome grade."),
                optional_column("icans_grade", "category", "Worst ICANS grade."),
                optional_column("tocilizumab", "flag", "Tocilizumab given."),
                optional_column("steroids", "flag", "Steroids given for toxicity."),
                optional_column("anakinra", "flag", "Anakinra given."),
                optional_column(
                    "hospital_days", "number", "Length of the CAR-T stay.", unit="days"
                ),
                optional_column("early_death_30d", "flag", "Death within 30 days of infusion."),
                SYNTHETIC_COLUMN,
            ),
            endpoints=(("pfs_months", "pfs_event"), ("os_months", "os_event")),
            time_unit="months",
        ),
        results="rocca_results.json",
        defaults=_ROCCA_DEFAULTS,
        own_cohort=own_cohort(_ROCCA_DEFAULTS),
        none_is_a_value=("consolidation", "crs_grade", "icans_grade"),
        main_comparison=MainComparison(
            "progression-free survival",
            "prior InO exposure",
            time="pfs_months",
            event="pfs_event",
        ),
    )
)
