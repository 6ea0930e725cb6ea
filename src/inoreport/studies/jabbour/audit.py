"""Jabbour's printed numbers checked against each other (the audit's part for this study).

The paper was not available: its numbers come from an abstract copy, a news report and a
conference abstract, which disagree in places (found by the generic source checks of
:mod:`inoreport.book.published_checks`). Here: how its percentages find their counts and
denominators (:data:`RULES`), and the totals that should add up (:func:`sum_specs`).
"""

from __future__ import annotations

import pandas as pd

from inoreport.book.published_checks import (
    StudyRules,
    findings_sentence,
    percent_sentence,
    sums_sentence,
)

STUDY = "jabbour"
#: What the generic checks need to know about this study's ids.
RULES = StudyRules(
    group_size={"all": ("n_patients", "all")},
    count_from={"age_group_pct": [("n_age_group", None)]},
    denominator_from={"mrd_negative_pct": ("n_mrd_eligible", "all", "printed")},
)
AGE_GROUPS = ("age_60_64", "age_65_69", "age_70_plus")


def sum_specs() -> list[tuple[str, str, list[tuple], tuple[str, str]]]:
    """Parts that should add up to a total: (statistic id, words, parts, total). The last
    one takes the count aged 70 or older from the EHA 2022 abstract."""
    return [
        (
            "female + male = enrolled",
            "Women + men = enrolled",
            [("n_female", "all"), ("n_male", "all")],
            ("n_patients", "all"),
        ),
        (
            "age groups add to enrolled",
            "Age groups 60–64 + 65–69 + ≥70 = enrolled",
            [("n_age_group", g) for g in AGE_GROUPS],
            ("n_patients", "all"),
        ),
        (
            "pre- + post-amendment = enrolled",
            "Before + after the protocol amendment = enrolled",
            [("n_pre_amendment", "all"), ("n_post_amendment", "all")],
            ("n_patients", "all"),
        ),
        (
            "evaluable for response + in CR at enrolment = enrolled",
            "Evaluable for response + in CR at enrolment = enrolled",
            [("n_evaluable_response", "all"), ("n_cr_at_enrolment", "all")],
            ("n_patients", "all"),
        ),
        (
            "second neoplasm types add to second neoplasms",
            "MDS + acute leukaemia + mixed phenotype = second neoplasms",
            [
                ("second_neoplasm_mds_count", "all"),
                ("second_neoplasm_acute_leukaemia_count", "all"),
                ("second_neoplasm_mixed_phenotype_count", "all"),
            ],
            ("n_second_neoplasm", "all"),
        ),
        (
            "CR + CRp = responders implied by 99% of 74 evaluable",
            "CR + CRp = responders implied by 99% of 74 evaluable",
            [("n_cr", "all"), ("n_crp", "all")],
            ("orr_pct", "all"),
        ),
        (
            "age groups add to enrolled, with >=70 from the EHA 2022 abstract",
            "Age groups 60–64 + 65–69 + ≥70 = enrolled, with the ≥70 count from the EHA 2022 "
            "abstract",
            [("n_age_group", g) for g in AGE_GROUPS[:2]]
            + [("n_age_group", AGE_GROUPS[2], "eha2022")],
            ("n_patients", "all"),
        ),
    ]


def verdict(rows: pd.DataFrame, found: pd.DataFrame) -> str:
    """One computed sentence on the sources' numbers (``rows``: audit rows; ``found``: the
    findings)."""
    return (
        f"{percent_sentence(rows, STUDY)}; {sums_sentence(rows, STUDY)}; "
        f"{findings_sentence(found, STUDY)}."
    )
