"""Safety in the Jabbour trial, from published numbers only: adverse events (counts recovered
from the printed percentages of the treated patients, exact 95% intervals in %), deaths by
cause, and second haematological neoplasms (times in months, ages in years).
"""

from __future__ import annotations

import pandas as pd

from inoreport import published
from inoreport.book.page import Table
from inoreport.figures.plots import show
from inoreport.figures.regimen import adverse_event_plot
from inoreport.stats.contingency import clopper_pearson, consistent_counts
from inoreport.stats.tables import format_number
from inoreport.studies.jabbour.report import STUDY, Page, pub, pub_row, source_of

ANY, SEVERE = "reported frequency (grade not stated)", "grade 3–4"
SPECIAL = {"alt elevation": "ALT elevation", "limb oedema": "limb oedema"}
#: The abstract copy's words for each cause (the synthetic cohort's codes are the keys).
CAUSE_WORDS = {
    "infection": "infectious complications",
    "secondary myeloid malignancy": "complications of secondary myeloid malignancy",
    "SOS": "sinusoidal obstruction syndrome (SOS)",
}
CAUSE_QUANTITIES = {
    "infection": "deaths_infection_count",
    "secondary myeloid malignancy": "deaths_secondary_myeloid_count",
    "SOS": "deaths_sos_count",
}
NEOPLASM_WORDS = {
    "second_neoplasm_mds_count": "myelodysplastic syndrome",
    "second_neoplasm_acute_leukaemia_count": "acute leukaemia (printed 'ALL'; probably AML)",
    "second_neoplasm_mixed_phenotype_count": (
        "mixed-phenotype acute leukaemia (printed 'mixed-phenotype ALL')"
    ),
}


def _event_name(quantity: str) -> str:
    core = quantity.removeprefix("teae_").removesuffix("_pct").replace("_", " ")
    return SPECIAL.get(core, core)


def _bar(event, series, k, n, printed, source) -> dict:
    """One bar: k of n patients (percent, exact 95% CI in %); the label shows the
    percentage as the source printed it."""
    lo, hi = clopper_pearson(k, n)
    return {"event": event, "series": series, "percent": 100 * k / n, "ci_low": 100 * lo,
            "ci_high": 100 * hi, "label": f"{printed}% ({k}/{n})", "source": source,
            "printed": printed, "k": k, "n": n}  # fmt: skip


def adverse_events() -> pd.DataFrame:
    """One row per bar of the adverse-event chart: the news report's list (grade not
    stated), the abstract copy's grade 3–4 frequencies, and SOS.

    Raises ``ValueError`` naming the row when a printed % fits no single count."""
    rows = published.load(STUDY)
    rows = rows[rows["quantity"].str.startswith("teae_") & rows["preferred"]]
    bars = []
    for r in rows.itertuples():
        n = int(r.n)
        counts = consistent_counts(r.value, int(r.decimals), n)
        if len(counts) != 1:
            raise ValueError(f"jabbour.csv, row {r.line}: {r.printed}% of {n} fits counts {counts}")
        bars.append(_bar(_event_name(r.quantity), ANY, counts[0], n, r.printed,
                         source_of(r._asdict())))  # fmt: skip
    for stem, event in (("thrombocytopenia_grade_3_4", "thrombocytopenia"),
                        ("febrile_neutropenia_grade_3_4", "febrile neutropenia")):  # fmt: skip
        row = pub_row(f"{stem}_count", "all")
        printed = pub_row(f"{stem}_pct", "all")["printed"]
        bars.append(_bar(event, SEVERE, int(row["value"]), int(row["n"]), printed, source_of(row)))
    sos = pub_row("sos_count", "all")
    bars.append(_bar("hepatic SOS", ANY, int(sos["value"]), int(sos["n"]),
                     pub_row("sos_pct", "all")["printed"], source_of(sos)))  # fmt: skip
    return pd.DataFrame(bars)


def adverse_event_figure(events: pd.DataFrame):
    """The adverse-event chart, ranked by frequency, with its caption."""
    n_all = int(pub("n_patients", "all"))
    fig = adverse_event_plot(events, rank_by=ANY, series_order=[ANY, SEVERE],
                             title=f"Adverse events, all {n_all} treated patients")  # fmt: skip
    return show(fig, caption=(
        "Adverse events ranked by frequency: each label is the percentage as printed, with the "
        "count it implies; bars and exact 95% intervals are computed from the count. Grade not "
        "stated: the news report's list (SOS: the abstract copy); grade 3–4 bars only where the "
        "abstract copy gives them; SOS = sinusoidal obstruction syndrome."
    ))  # fmt: skip


def adverse_event_text(events: pd.DataFrame) -> dict[str, object]:
    """Glue values of the adverse-event paragraph."""

    def bar(event, series):
        return events[(events["event"] == event) & (events["series"] == series)].iloc[0]

    top = events[events["series"] == ANY].sort_values("percent", ascending=False).iloc[0]
    tp_any, tp_g34 = bar("thrombocytopenia", ANY), bar("thrombocytopenia", SEVERE)
    fn_any, fn_g34 = bar("febrile neutropenia", ANY), bar("febrile neutropenia", SEVERE)
    sos = pub_row("sos_count", "all")
    fn_note = "Each label in the chart is the percentage as its source printed it."
    if fn_any["k"] == fn_g34["k"] and fn_any["printed"] != fn_g34["printed"]:
        fn_note = (
            f"Febrile neutropenia shows how differently the two sources round: both imply "
            f"{fn_any['k']} of {fn_any['n']} patients ({fn_any['percent']:g}%), which the news "
            f"report prints as {fn_any['printed']}% and the abstract, for grade 3–4, as "
            f"{fn_g34['printed']}%; the chart shows each as printed."
        )
    return {
        "ae_top": f"{top['event']}, in {top['label']}",
        "n_all": int(pub("n_patients", "all")),
        "tp_pair": (
            f"{tp_g34['printed']}% of patients ({tp_g34['source']}); the {tp_any['printed']}% "
            f"in the {tp_any['source']} has no grade"
        ),
        "sos": f"{int(sos['value'])} patients ({pub_row('sos_pct', 'all')['printed']}%)",
        "fn_note": fn_note,
    }


def remission_deaths(page: Page) -> int:
    """Deaths in remission in the cohort (first event after remission: death)."""
    return int((page.in_remission["crd_status"] == 2).sum())


def death_causes(page: Page) -> Table:
    """Deaths by printed cause (published n / N, % with exact 95% CI), with the synthetic
    cohort's count of each beside it."""
    data = page.data
    causes = (
        data["death_cause"].value_counts()
        if "death_cause" in data.columns
        else pd.Series(dtype=int)
    )
    rows = []
    for cause, quantity in CAUSE_QUANTITIES.items():
        row = pub_row(quantity, "all")
        k, n = int(row["value"]), int(row["n"])
        lo, hi = clopper_pearson(k, n)
        rows.append({
            "Cause of death (as printed)": CAUSE_WORDS[cause], "Published n / N": f"{k}/{n}",
            "% (95% CI, exact)": (
                f"{pub_row(quantity.replace('_count', '_pct'), 'all')['printed']} "
                f"({100 * lo:.0f}–{100 * hi:.0f})"
            ),
            "Source": source_of(row),
            "Synthetic cohort, n": int(causes.get(cause, 0)) if page.synthetic else "—",
        })  # fmt: skip
    other = remission_deaths(page) - int(sum(causes.get(c, 0) for c in CAUSE_QUANTITIES))
    rows.append({
        "Cause of death (as printed)": "other or not stated", "Published n / N": "not published",
        "% (95% CI, exact)": "—", "Source": "—",
        "Synthetic cohort, n": other if page.synthetic else "—",
    })  # fmt: skip
    caption = "Deaths by cause (published counts; synthetic column for comparison)"
    return Table(pd.DataFrame(rows), caption, synthetic=page.synthetic)


def second_neoplasms() -> Table:
    """Second haematological neoplasms by type, and all of them (published counts)."""
    rows = []
    for quantity, label in NEOPLASM_WORDS.items():
        row = pub_row(quantity, "all")
        rows.append(
            {
                "Second haematological neoplasm": label,
                "n": int(row["value"]),
                "Source": source_of(row),
            }
        )
    rows.append({
        "Second haematological neoplasm": "all", "n": int(pub("n_second_neoplasm", "all")),
        "Source": source_of(pub_row("n_second_neoplasm", "all")),
    })  # fmt: skip
    return Table(pd.DataFrame(rows), "Second haematological neoplasms (published counts)")


def deaths_text(page: Page, neoplasms: Table) -> dict[str, object]:
    """Glue values of the deaths and second-cancer paragraph (months; years; %)."""
    n_all, n_sn = int(pub("n_patients", "all")), int(pub("n_second_neoplasm", "all"))
    lo, hi = clopper_pearson(n_sn, n_all)
    by_type = int(neoplasms.frame["n"].iloc[:-1].sum())
    share = format_number(100 * n_sn / n_all)
    return {
        "named_deaths": sum(int(pub(q, "all")) for q in CAUSE_QUANTITIES.values()),
        "remission_deaths": remission_deaths(page),
        "n_sn": f"{n_sn} of {n_all} patients ({share}%; 95% CI {100 * lo:.0f}–{100 * hi:.0f}%)",
        "sn_time": (
            f"{pub('second_neoplasm_months_median', 'all'):g} months (range "
            f"{pub('second_neoplasm_months_min', 'all'):g}–"
            f"{pub('second_neoplasm_months_max', 'all'):g})"
        ),
        "sn_age": (
            f"{pub('second_neoplasm_age_median', 'all'):g} years (range "
            f"{pub('second_neoplasm_age_min', 'all'):g}–{pub('second_neoplasm_age_max', 'all'):g})"
        ),
        "sn_sum": "add up to the total" if by_type == n_sn else f"add up to {by_type}, not {n_sn}",
    }
