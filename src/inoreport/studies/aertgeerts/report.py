"""What the Aertgeerts chapter shows: its glued numbers, the follow-up readings table, the
swimmer plot's caption and the scorecard, from the per-patient event table of
:mod:`inoreport.studies.aertgeerts.cohort`.

Times are in months from allo-HSCT; percentages in per cent.
"""

from __future__ import annotations

from inoreport.book.results import ScorecardRow, scorecard_frame
from inoreport.stats.contingency import clopper_pearson
from inoreport.stats.tables import format_number
from inoreport.studies.aertgeerts import cohort as ae

#: Published counts quoted in the chapter, glued under these names.
COUNTS = (
    "cart_after_second_relapse",
    "cart_refractory_first_relapse",
    "relapse_cd19neg_cd22pos",
    "relapse_cd19pos_cd22pos",
    "cr_after_cycle1",
    "mrd_negative_after_cycle1",
    "ino_cycles_min",
    "ino_cycles_max",
    "allo_hsct",
)
#: Published times (months) quoted in the chapter.
MONTHS = (
    "eye_relapse_first_months",
    "eye_relapse_second_months",
    "eye_patient_followup_months",
    "others_followup_mean_months",
)
READING_COLUMNS = {
    "reading": "Reading",
    "eye_patient_fu_from_hsct": "Eye-relapse child: follow-up from allo-HSCT",
    "others_mean_fu_from_hsct": "Other children: mean follow-up from allo-HSCT",
    "book": "Used in this chapter",
}


def proportion_text(k: int, n: int) -> str:
    """'3/4 (75%; exact 95% CI 19% to 99%)': a count with its Clopper–Pearson interval."""
    low, high = clopper_pearson(k, n)
    return (
        f"{k}/{n} ({format_number(100 * k / n)}%; exact 95% CI {format_number(100 * low)}% "
        f"to {format_number(100 * high)}%)"
    )


def glue_values(table, facts: ae.PublishedFacts) -> dict[str, object]:
    """Every number the chapter's prose quotes, keyed by its glue name."""
    n = facts.n_patients
    out: dict[str, object] = {"n_patients": n}
    out.update({name: getattr(facts, name) for name in COUNTS})
    out.update({name: f"{getattr(facts, name):g}" for name in MONTHS})
    timing = table.loc[table["kind"] != "attribute", "timing_status"].value_counts()
    out["rows_total"] = len(table)
    out["rows_timed"] = int(timing.sum())
    for key, status in (("published", "published_patient"), ("derived", "derived")):
        out[f"rows_time_{key}"] = int(timing.get(status, 0))
    out["rows_time_assumed"] = int(timing.get("assumed", 0))
    readings = ae.followup_readings(table, facts)
    book_eye = readings.loc[readings["book"], "eye_patient_fu_from_hsct"].dropna().iloc[0]
    out["book_eye_fu"] = f"{book_eye:g}"
    others = readings.loc[readings["about"] == "others", "others_mean_fu_from_hsct"]
    out["others_fu_low"], out["others_fu_high"] = (f"{x:.1f}" for x in others.agg(["min", "max"]))
    out["cr_ci"] = proportion_text(facts.cr_after_cycle1, n)
    out["mrd_ci"] = proportion_text(facts.mrd_negative_after_cycle1, n)
    out["cr_low_pct"] = f"{format_number(100 * clopper_pearson(facts.cr_after_cycle1, n)[0])}%"
    checks = ae.consistency_checks(table, facts)
    out["checks_matched"] = int(checks["match"].sum())
    out["checks_total"] = len(checks)
    return out


def followup_readings_html(table, facts: ae.PublishedFacts) -> str:
    """The follow-up readings (months from allo-HSCT) as an HTML table, with the one this
    chapter uses marked."""
    shown = ae.followup_readings(table, facts).rename(columns=READING_COLUMNS)
    shown = shown.drop(columns="about")
    shown["Used in this chapter"] = shown["Used in this chapter"].map({True: "yes", False: ""})
    return shown.to_html(index=False, na_rep="", float_format=lambda x: f"{x:.1f}", justify="left")


def swimmer_caption(table, facts: ae.PublishedFacts) -> str:
    """The swimmer plot's caption (it says which times are published, assumed or derived)."""
    eye = ae.eye_relapse_patient(table)
    return (
        f"Illustrative timeline of the {facts.n_patients} children (synthetic: partly assumed). "
        "Solid bars and markers without a ring sit at published times; hatched bars and "
        "round-ringed markers are placed by our conventions (parameters cell); the dotted bar "
        f"and square-ringed marker of patient {eye[1:]}, the child with the eye relapses, end "
        f"at a derived time (the published {facts.eye_patient_followup_months:g} months "
        "counted from the later eye relapse, our reading). The other children's bars all end "
        "at their published mean follow-up, because their own follow-up is not published. "
        "The months of relapse and InO before transplant are drawn wider than the rest, so "
        "that their markers do not overlap."
    )


def scorecard(table, facts: ae.PublishedFacts) -> list[ScorecardRow]:
    """Every published fact recounted from the per-patient table (role: exact)."""
    return [
        ScorecardRow(
            statistic=row.statistic,
            published=row.published,
            reproduced=row.reproduced,
            role="exact",
            match=bool(row.match),
            tolerance=row.tolerance,
            unit=row.unit,
            source=f"data/published/aertgeerts.csv: {row.source}",
            note="recount of the per-patient event table; allocation and unpublished intervals assumed",
        )
        for row in ae.consistency_checks(table, facts).itertuples()
    ]


def scorecard_html(rows: list[ScorecardRow]) -> str:
    """The scorecard as a collapsed HTML table (statistic, published, reproduced, unit, match)."""
    frame = scorecard_frame(rows)[["statistic", "published", "reproduced", "unit", "match"]]
    frame["match"] = frame["match"].map({True: "yes", False: "NO"})
    frame.columns = [name.capitalize() for name in frame.columns]
    table_html = frame.to_html(index=False, float_format=lambda x: f"{x:g}", justify="left")
    return (
        f"<details><summary>The scorecard: {len(frame)} published facts recounted (click to "
        f"open)</summary>{table_html}</details>"
    )
