"""Aertgeerts' printed numbers checked against each other (the audit's part for this study).

A case series of four children: no p-values or percentages to recompute, only totals that
should add up, and exact intervals for its proportions (computed by the book-wide audit,
:mod:`inoreport.studies.audit`).
"""

from __future__ import annotations

import pandas as pd

from inoreport.book.published_checks import StudyRules, findings_sentence, sums_sentence

STUDY = "aertgeerts"
#: What the generic checks need to know about this study's ids.
RULES = StudyRules(group_size={"all": ("n_patients", "all")})


def sum_specs() -> list[tuple[str, str, list[tuple], tuple[str, str]]]:
    """Parts that should add up to a total: (statistic id, words, parts, total)."""
    return [
        (
            "indication: after 2nd relapse + refractory 1st relapse = all",
            "Indication: after a second relapse + refractory first relapse = all patients",
            [
                ("tisagenlecleucel_after_second_relapse_count", "all"),
                ("tisagenlecleucel_refractory_first_relapse_count", "all"),
            ],
            ("n_patients", "all"),
        ),
        (
            "relapse phenotypes add to all",
            "Relapse CD19−CD22+ + CD19+CD22+ = all patients",
            [("relapse_cd19neg_cd22pos_count", "all"), ("relapse_cd19pos_cd22pos_count", "all")],
            ("n_patients", "all"),
        ),
    ]


def verdict(rows: pd.DataFrame, found: pd.DataFrame, cis: pd.DataFrame) -> str:
    """One computed sentence on the abstract's numbers (``rows``: audit rows; ``found``: the
    findings; ``cis``: the exact intervals of this study)."""
    cr = cis[cis["quantity"] == "cr_after_ino_cycle1_count"].iloc[0]
    return (
        f"No p-values or percentages to recompute; {sums_sentence(rows, STUDY)}; with {int(cr['n'])} patients the "
        f"exact 95% interval for complete remission after one InO cycle ({int(cr['count'])}/{int(cr['n'])}) runs "
        f"from {cr['ci_low']:.0f}% to {cr['ci_high']:.0f}%; {findings_sentence(found, STUDY)}."
    )
