"""ROCCA's Tables 1 and 2: the published counts with their recomputed p-values (from the
audit, :func:`inoreport.studies.audit.rocca_pvalues`), and the same tables drawn from a
patient-level cohort.

HTML is returned as text (the chapter displays it); p-values are probabilities,
percentages percent.
"""

from __future__ import annotations

import html

import pandas as pd

from inoreport.book.results import ScorecardRow
from inoreport.stats.contingency import rounds_to_printed
from inoreport.stats.tables import format_p, table_one
from inoreport.studies import audit
from inoreport.studies.rocca.report import RoccaCohort, p_scorecard_row, pub

LEVEL_NAMES = {
    "age_18_39": "18-39", "age_40_59": "40-59", "age_60_plus": "60+",
    "yes": "Yes", "no": "No", "unaccounted": "Not accounted for",
    "race_nh_white": "Non-Hispanic White", "race_hispanic": "Hispanic",
    "race_black": "Black", "race_asian": "Asian", "race_other": "Other",
    "subtype_ph_pos": "Ph+", "subtype_ph_like": "Ph-like",
    "subtype_ph_neg": "Ph-negative",
    "status_active": "Active disease (>5% blasts)",
    "status_cr_mrd_pos_unknown": "CR, MRD+ or unknown",
    "status_cr_mrd_neg": "CR, MRD-negative", "status_missing": "Missing",
    "blasts_lt25": "<25%", "blasts_25_74": "25-74%", "blasts_ge75": "≥75%",
    "blasts_missing": "Missing / not performed", "emd_yes": "Yes", "emd_no": "No",
    "cns_yes": "Yes", "cns_no": "No", "crs_grade_1_2": "Grade 1-2",
    "crs_grade_3_4": "Grade 3-4", "icans_grade_1_2": "Grade 1-2",
    "icans_grade_3_4": "Grade 3-4", "no response": "No response",
}  # fmt: skip
#: Where the audit's yes/no stands for something else.
LEVELS_OF = {"female_p": {"yes": "Female", "no": "Male"}}
STATISTIC_NAMES = {"female_p": "Sex"}
HANDLING = {
    "": "as printed", "Missing as a category": "with Missing",
    "Missing excluded": "without Missing",
    "unaccounted patients as a category": "unaccounted as a category",
}  # fmt: skip
TEST_SHORT = {"chi2": "Pearson χ²", "chi2_yates": "Yates χ²", "fisher": "Fisher"}

#: Chapter columns -> labels in tables, figures and sentences.
LABELS = {
    "age_years": "Age, years", "age_group": "Age group", "sex": "Sex",
    "race_ethnicity": "Race/ethnicity", "subtype": "Disease subtype",
    "disease_status": "Pre-apheresis disease status", "marrow_blasts": "Marrow blasts",
    "emd": "Extramedullary disease", "cns": "CNS involvement", "prior_lines": "Prior lines",
    "prior_blinatumomab": "Prior blinatumomab", "prior_hct": "Prior allogeneic HCT",
    "crs_grade": "CRS, worst grade", "icans_grade": "ICANS, worst grade",
    "tocilizumab": "Tocilizumab", "steroids": "Steroids", "anakinra": "Anakinra",
    "hospital_days": "Hospital stay, days", "early_death_30d": "Death within 30 days",
    "bridging_therapy": "Bridging therapy", "consolidation": "Consolidation after response",
    "ino_response_group": "Prior InO", "ino_group": "Prior InO", "exposed": "Prior InO",
}  # fmt: skip
LEVEL_ORDER = {
    "race_ethnicity": ["Non-Hispanic White", "Hispanic", "Black", "Asian", "Other"],
    "subtype": ["Ph+", "Ph-like", "Ph-negative"],
    "disease_status": ["active (>5% blasts)", "CR, MRD+ or unknown", "CR, MRD-negative", "missing"],
    "marrow_blasts": ["<25%", "25-74%", ">=75%", "missing"],
    "crs_grade": ["none", "1-2", "3-4", "not evaluable"], "icans_grade": ["none", "1-2", "3-4"],
}  # fmt: skip
#: Level names as a reader expects them (the file keeps its own spelling).
SHOWN_LEVEL = {
    "female": "Female", "male": "Male", "missing": "Missing", ">=75%": "≥75%",
    "active (>5% blasts)": "Active (>5% blasts)",
}  # fmt: skip
GRADE_SHOWN = {"none": "None", "not evaluable": "Not evaluable"}
SAFETY = ["crs_grade", "icans_grade", "tocilizumab", "steroids", "anakinra", "hospital_days",
          "early_death_30d"]  # fmt: skip
KNOWN_VALUE_NOTE = "Percentages are of patients with a known value"
RACE_COUNT = {"Non-Hispanic White": "race_nh_white_count", "Hispanic": "race_hispanic_count",
              "Black": "race_black_count", "Asian": "race_asian_count",
              "Other": "race_other_count"}  # fmt: skip
TEST_WORDS = {"wilcoxon": "Wilcoxon rank-sum", "kruskal": "Kruskal–Wallis"}


def breakable(text) -> str:
    """HTML text that may wrap after a slash ('Consolidation/maintenance' is one long word)."""
    return html.escape(str(text)).replace("/", "/<wbr>")


def in_sentence(label: str) -> str:
    """'Age group' -> 'age group' mid-sentence; 'InO', 'CNS involvement' keep their capitals."""
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def rounded_twice(part: pd.DataFrame, test: str) -> bool:
    """Does the chosen test's p reproduce the printed p only when rounded twice?"""
    return not part[f"match_{test}"].any() and any(
        rounds_to_printed(v, str(part["printed"].iloc[0]), twice=True) for v in part[test]
    )


def _p_cell(part, test) -> str:
    """The recomputed p of one printed value; one line per handling of Missing."""
    values = [format_p(v, digits=3) for v in part[test]]
    if len(part) == 1:
        return values[0]
    return "<br>".join(
        f"{v} <small>({HANDLING.get(h, h)})</small>"
        for v, h in zip(values, part["handling"], strict=True)
    )


def _statistic_name(first) -> str:
    name = breakable(STATISTIC_NAMES.get(first["quantity"], first["statistic"]))
    if first["basis"] != "printed counts":
        name += f" <small>[{first['basis']}]</small>"
    return name


def audit_table(audit_p: pd.DataFrame, test: str, sources, caption: str) -> str:
    """Published counts with the published p and the p of the chosen ``test`` (HTML).

    One block per printed p-value: the counts by level (naïve/exposed), then the p-values.
    The other tests the audit tried are in :func:`other_tests_table`.
    """
    n_naive, n_exposed = int(pub("n_patients", "ino_naive")), int(pub("n_patients", "ino_exposed"))
    head = (
        "<tr><th>Characteristic</th><th>Naïve</th><th>Exposed</th><th>Published p</th>"
        f"<th>Recomputed p<br><small>{TEST_SHORT[test]}</small></th><th>Agrees</th></tr>"
    )
    body = []
    for quantity, part in audit_p[audit_p["source"].isin(sources)].groupby("quantity", sort=False):
        first = part.iloc[0]
        verdict = ("yes" if part[f"match_{test}"].any() else "if rounded twice"
                   if rounded_twice(part, test) else "<b>no</b>")  # fmt: skip
        body.append(
            f"<tr><td><b>{_statistic_name(first)}</b></td><td></td><td></td>"
            f"<td>{first['printed']}</td><td>{_p_cell(part, test)}</td><td>{verdict}</td></tr>"
        )
        widest = max(part["table"], key=lambda t: len(t.split("; ")) if t else 0)
        names = {**LEVEL_NAMES, **LEVELS_OF.get(quantity, {})}
        for item in widest.split("; ") if widest else []:
            level, counts = item.rsplit(" ", 1)
            naive, exposed = counts.split("/")
            body.append(
                f"<tr><td>&nbsp;&nbsp;&nbsp;{html.escape(names.get(level, level))}</td>"
                f"<td>{naive}</td><td>{exposed}</td><td></td><td></td><td></td></tr>"
            )
        if not widest and first["n_tables"] > 1:
            fitting = first.get(f"tables_{test}")
            fitting = fitting if isinstance(fitting, str) else ""
            whole_arms = fitting == f"denominators {n_naive}/{n_exposed}"
            shown = (f"; p shown for {fitting}" + (" (the whole arms)" if whole_arms else "")
                     if fitting else "")  # fmt: skip
            body.append(
                f"<tr><td colspan='6'>&nbsp;&nbsp;&nbsp;<small>Counts not unique: "
                f"{first['n_tables']} count tables fit the printed percentages{shown} "
                "(see the audit).</small></td></tr>"
            )
    return (
        f'<table class="table"><caption>{caption}</caption><thead>{head}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def other_tests_table(audit_p: pd.DataFrame) -> str:
    """Every printed p-value under every test the audit tried, in a collapsed block (HTML)."""
    tests = list(audit.TESTS)
    head = "<tr><th>Characteristic</th><th>Published p</th>" + "".join(
        f"<th>{TEST_SHORT[t]}</th>" for t in tests
    ) + "</tr>"  # fmt: skip
    body = []
    for _quantity, part in audit_p.groupby("quantity", sort=False):
        first = part.iloc[0]
        cells = "".join(f"<td>{_p_cell(part, t)}</td>" for t in tests)
        body.append(f"<tr><td>{_statistic_name(first)}</td><td>{first['printed']}</td>{cells}</tr>")
    names = "; ".join(f"{TEST_SHORT[t]}: {audit.TESTS[t]}" for t in tests)
    return (
        "<details><summary>The same p-values under every test the audit tried</summary>"
        f'<table class="table"><caption>Recomputed p-values by test ({names})</caption>'
        f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table></details>"
    )


def audit_texts(audit_p: pd.DataFrame, test: str) -> dict[str, str]:
    """How many printed p-values the chosen test reproduces, those it reproduces only if
    rounded twice, and those it misses."""
    by_variable = audit_p.groupby("quantity")[f"match_{test}"].any()
    twice = {q for q, part in audit_p.groupby("quantity") if rounded_twice(part, test)}
    twice_rows = audit_p[audit_p["quantity"].isin(twice)].drop_duplicates("quantity")
    missed = audit_p[~audit_p["quantity"].map(by_variable) & ~audit_p["quantity"].isin(twice)]
    return {
        "test_used": f"**{audit.TESTS[test]}**",
        "audit_summary": f"{int(by_variable.sum())} of {len(by_variable)}",
        "audit_twice": " ".join(
            f"{r.statistic}: printed {r.printed}, recomputed {getattr(r, test):.5f}, which "
            f"rounds to {format_p(getattr(r, test), digits=3)} directly but to {r.printed} if "
            f"first rounded to four decimals ({getattr(r, test):.5f} → {getattr(r, test):.4f} "
            f"→ {r.printed}); the printed value is consistent with the counts, rounded twice."
            for r in twice_rows.itertuples()
        ) or "",
        "audit_missed": "; ".join(
            f"{r.statistic} (printed {r.printed}, recomputed "
            f"{format_p(getattr(r, test), digits=3)})"
            for r in missed.drop_duplicates("quantity").itertuples()
        ) or "none",
    }  # fmt: skip


def audit_rows(audit_p: pd.DataFrame, test: str) -> list[ScorecardRow]:
    """Scorecard rows: each printed p-value recomputed exactly from the published counts
    under ``test`` (a p matching only when rounded twice counts as agreeing, so stated)."""
    rows = []
    for _quantity, part in audit_p.groupby("quantity", sort=False):
        matching = part[part[f"match_{test}"]]
        r = (matching if len(matching) else part).iloc[0]
        twice_only = rounded_twice(part, test)
        rows.append(ScorecardRow(
            f"p-value, {STATISTIC_NAMES.get(r['quantity'], r['statistic'])} ({r['source']})",
            r["printed"], float(f"{r[test]:.3g}"), "exact",
            bool(r[f"match_{test}"]) or twice_only,
            tolerance=("rounds to the printed p only if rounded twice (to 4 decimals, then 3)"
                       if twice_only else "rounds to the printed p"),
            unit="p", source="published counts (audit)",
            note="; ".join(x for x in (audit.TESTS[test], r["basis"],
                                       HANDLING.get(r["handling"], r["handling"])) if x),
        ))  # fmt: skip
    return rows


def _level_order(data: pd.DataFrame) -> dict[str, list]:
    """Levels in display order, as present in the cohort (unknown levels after, sorted)."""
    return {
        k: [v for v in levels if (data[k] == v).any()] + sorted(set(data[k].dropna()) - set(levels))
        for k, levels in LEVEL_ORDER.items() if k in data.columns
    }  # fmt: skip


def _true_missing_note(data, table, variables):
    """Say how this cohort counts missing values: a 'missing' category is in the
    denominator; only empty cells (if any) are left out of it."""
    as_category = [
        LABELS.get(v, v).lower() for v in variables
        if data[v].astype(str).str.strip().str.lower().str.startswith("missing").any()
    ]  # fmt: skip
    if not as_category:
        return table
    empty_cells = bool(data[list(variables)].isna().any().any())
    notes = [n for n in table.footnotes if empty_cells or not n.startswith(KNOWN_VALUE_NOTE)]
    where = 1 if notes and notes[0].startswith("n (%)") else 0
    notes.insert(where, (
        "Percentages are of all patients in the group"
        + (" with a recorded value" if empty_cells else "")
        + "; where a characteristic was not recorded (" + ", ".join(as_category)
        + "), “Missing” is a category of its own and counts in the denominator."
    ))  # fmt: skip
    table.footnotes = notes
    return table


def _race_notes(rc: RoccaCohort) -> list[str]:
    """Where the published race/ethnicity counts of a group fall short of its size, where
    the synthetic generator placed the patients left over (only if the cohort shows it)."""
    data, notes = rc.data, []
    if not rc.is_synthetic or "race_ethnicity" not in data.columns or len(rc.groups) != 2:
        return notes
    for group, group_id in ((rc.reference, "ino_naive"), (rc.exposed_label, "ino_exposed")):
        printed = {lv: int(pub(q, group_id)) for lv, q in RACE_COUNT.items()}
        ours = data.loc[data["group"] == group, "race_ethnicity"].value_counts()
        n_group = int((data["group"] == group).sum())
        left_over = n_group - sum(printed.values())
        extra = {lv: int(ours.get(lv, 0)) - k for lv, k in printed.items()
                 if int(ours.get(lv, 0)) > k}  # fmt: skip
        if left_over > 0 and sum(extra.values()) == left_over:
            patients = "the one patient" if left_over == 1 else f"the {left_over} patients"
            where = ", ".join(f"{lv} ({ours.get(lv, 0)} here, {printed[lv]} printed)"
                              for lv in extra)  # fmt: skip
            notes.append(
                f"Race/ethnicity, {group}: the published counts account for "
                f"{sum(printed.values())} of {n_group} patients; the synthetic generator "
                f"places {patients} left unaccounted in {where}."
            )
    return notes


def table1(rc: RoccaCohort):
    """Table 1 of the cohort: baseline characteristics by prior InO (a ``table_one``)."""
    shown = rc.data.copy()
    for column in [c for c in rc.categorical if c in shown.columns]:
        if shown[column].dtype == object:
            shown[column] = shown[column].replace(SHOWN_LEVEL)
    table = table_one(
        shown, by="group", variables=rc.covariates, labels=LABELS, categorical=rc.categorical,
        levels={k: [SHOWN_LEVEL.get(x, x) for x in v] for k, v in _level_order(rc.data).items()
                if k in rc.covariates},
        by_order=rc.groups, continuous_stat="range", percent_digits=0,
        caption=f"Table 1{rc.syn}. Baseline characteristics by prior InO",
        synthetic=rc.is_synthetic,
    )  # fmt: skip
    _true_missing_note(rc.data, table, rc.covariates)
    table.footnotes.extend(_race_notes(rc))
    return table


def table2(rc: RoccaCohort):
    """Table 2 of the cohort: toxicity and early deaths by prior InO (None without the
    columns)."""
    safety = [c for c in SAFETY if c in rc.data.columns]
    if not safety:
        return None
    shown = rc.data.copy()
    for column in [c for c in ("crs_grade", "icans_grade") if c in shown.columns]:
        shown[column] = shown[column].replace(GRADE_SHOWN)
    table = table_one(
        shown, by="group", variables=safety, labels=LABELS, by_order=rc.groups,
        levels={k: [GRADE_SHOWN.get(x, x) for x in v] for k, v in _level_order(rc.data).items()
                if k in safety},
        continuous_stat="range", percent_digits=0,
        caption=f"Table 2{rc.syn}. Toxicity and early deaths by prior InO",
        synthetic=rc.is_synthetic,
    )  # fmt: skip
    return _true_missing_note(rc.data, table, safety)


def median_p_rows(rc: RoccaCohort, table1, table2) -> list[ScorecardRow]:
    """Scorecard rows: the p-values of the medians of Tables 1 and 2 recomputed from the
    patients, with the generator's role (it fits the medians and, for the synthetic
    cohort, these p-values too)."""
    rows = []
    for variable, quantity, table in (("age_years", "age_median_p", table1),
                                      ("prior_lines", "prior_lines_p", table1),
                                      ("hospital_days", "hospital_days_p", table2)):  # fmt: skip
        if table is None or variable not in set(table.tests["variable"]):
            continue
        test_row = table.tests.set_index("variable").loc[variable]
        key = (quantity, "ino_exposed_vs_ino_naive")
        stat = (f"Table p-value, {LABELS.get(variable, variable)} "
                f"({TEST_WORDS.get(test_row['test'], test_row['test'])})")  # fmt: skip
        role = rc.roles.get(key, "held_out") if rc.is_synthetic else "held_out"
        note = ("the medians and this p-value were fitted" if role == "calibrated" else
                "the p-value was not fitted" if rc.is_synthetic else "")  # fmt: skip
        rows.append(p_scorecard_row(stat, key, test_row["p"], role,
                                    "the paper does not name its test", note))  # fmt: skip
    return rows
