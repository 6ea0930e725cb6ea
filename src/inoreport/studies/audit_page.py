"""The tables and glued numbers of the audit page (``notebooks/audit.md``).

Every function reads the checks of :mod:`inoreport.studies.audit` and returns a
:class:`~inoreport.book.page.PageTable` (a DataFrame with its caption) or a dict of glue
values; the page only calls them. p-values are shown to four decimals (scientific below
0.0001); percentages and intervals in per cent, rounded half up as a paper would print them.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from inoreport import published
from inoreport.book.page import PageTable
from inoreport.stats.printed import EXTRA_TESTS_2X2, TESTS, TWO_SIDED_TESTS
from inoreport.studies import audit
from inoreport.studies.rocca import audit as rocca

TICK, CROSS = "✓", "✗"
STUDY_NAMES = {
    "rocca": "ROCCA",
    "alcalde_mellado": "Alcalde-Mellado",
    "aertgeerts": "Aertgeerts",
    "jabbour": "Jabbour",
}
SHORT = {"chi2": "χ²", "chi2_yates": "χ², Yates", "fisher": "Fisher"}
SHORT_2X2 = {
    **SHORT,
    "fisher_one_sided": "Fisher, 1-sided",
    "fisher_mid_p": "mid-p",
    "g_test": "G",
    "barnard": "Barnard",
    "boschloo": "Boschloo",
}
CONCLUSION = {
    "chi2": "Pearson's chi-square test without continuity correction",
    "chi2_yates": "Pearson's chi-square test with Yates' continuity correction",
    "fisher": "Fisher's exact test",
}
#: ROCCA outcomes (not baseline characteristics) shown in the page's table of intervals.
ROCCA_OUTCOMES = (
    r"(?:crs|icans|tocilizumab|steroids|anakinra|early_death|cr_cri|consolidation|relapse"
    r"|ino_responders|ino_refractory|sos)"
)


def fmt_p(p) -> str:
    """A p-value to four decimals, or in scientific notation below 0.0001; '' if missing."""
    return "" if p is None or p != p else (f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}")


def _mark(flag) -> str:
    return TICK if flag else ""


def _whole(x) -> str:
    # counts stored as floats in mixed columns print without a trailing .0
    return "" if x is None or x != x else (f"{x:.0f}" if float(x).is_integer() else f"{x:g}")


def _half_up(x, places=1) -> str:
    # 9/80 = 11.25% prints as 11.3, as a paper would print it (Python's format rounds to even)
    return str(Decimal(f"{x:.10f}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _dash(text) -> str:
    # number ranges with an en dash ('18-39' -> '18–39'; 'brexu-cel' stays)
    return re.sub(r"(?<=\d)-(?=\d)", "–", str(text))


def _yes_no(series: pd.Series) -> pd.Series:
    return series.map({True: TICK, False: CROSS})


# ----------------------------------------------------------------------------- glue
def glue_values() -> dict[str, object]:
    """Every number the page's prose quotes, keyed by its glue name."""
    out: dict[str, object] = {}
    for study, sentence in audit.verdicts().items():
        out[f"verdict_{study}"] = sentence
    out["n_audit_rows"] = len(audit.audit_rows())
    out["n_tests"] = len(TESTS)
    out["min_share"] = f"{rocca.MIN_SHARE:.0%}"
    out["n_findings"] = len(audit.findings())
    out.update(_rocca_glue())
    out.update(_alcalde_glue())
    out.update(_jabbour_glue())
    return out


def _rocca_glue() -> dict[str, object]:
    pvalues = rocca.pvalues()
    summary = rocca.pvalue_summary(pvalues).set_index("key")
    used = rocca.test_used(pvalues)
    chosen = summary.loc[used]
    out: dict[str, object] = {"test_used": TESTS[used], "test_conclusion": CONCLUSION[used]}
    for key, column in (("printed", "printed_counts"), ("all", "all"), ("2x2", "2x2")):
        out[f"n_{key}"] = int(chosen[f"of_{column}"])
        out[f"n_{key}_match"] = int(chosen[f"reproduced_{column}"])
    for test in ("chi2_yates", "fisher"):
        short = "yates" if test == "chi2_yates" else test
        out[f"n_2x2_{short}"] = int(summary.loc[test, "reproduced_2x2"])
        out[f"n_printed_{short}"] = int(summary.loc[test, "reproduced_printed_counts"])
    status = pvalues[pvalues["quantity"] == "status_p"].set_index("handling")
    out["status_printed"] = status.loc["Missing as a category", "printed"]
    out["status_in_p"] = fmt_p(status.loc["Missing as a category", used])
    out["status_out_p"] = fmt_p(status.loc["Missing excluded", used])
    blasts = pvalues[pvalues["quantity"] == "blasts_p"]
    out["blasts_printed"] = blasts["printed"].iloc[0]
    out["blasts_low"] = fmt_p(blasts[list(TESTS)].min().min())
    out["blasts_high"] = fmt_p(blasts[list(TESTS)].max().max())
    twice = blasts[blasts[f"twice_{used}"]]
    out["blasts_twice_p"] = f"{twice[used].iloc[0]:.5f}" if len(twice) else ""
    out["blasts_twice_handling"] = twice["handling"].iloc[0].lower() if len(twice) else ""
    unaccounted = pvalues[pvalues["handling"] == "unaccounted patients as a category"]
    out["n_unaccounted_vars"] = len(unaccounted)
    out["unaccounted_vars"] = " and ".join(
        unaccounted["statistic"].str.split(" [(]").str[0].str.lower()
    )
    any_match = unaccounted[[f"match_{t}" for t in TESTS]].to_numpy().any()
    out["unaccounted_any_match"] = "some" if any_match else "none"
    resp = rocca.response_denominators().set_index("group")
    percents = audit.percent_checks()
    crs = percents[(percents["quantity"] == "crs_any_pct") & (percents["variant"] == "")]
    crs = crs.set_index("group")
    for arm in rocca.ARMS:
        out[f"resp_{arm}"] = int(resp.loc[arm, "responders"])
        out[f"eval_{arm}"] = int(resp.loc[arm, "evaluable"])
        out[f"arm_{arm}"] = audit.group_size("rocca", arm)
        out[f"crs_eval_{arm.split('_')[1]}"] = int(crs.loc[arm, "n"])
    icans = pvalues[pvalues["quantity"] == "icans_any_p"].iloc[0]
    out["icans_tables"] = int(icans["n_tables"])
    out["icans_match"] = int(icans[f"n_match_{used}"])
    checked = percents[(percents["study"] == "rocca") & percents["match"].notna()]
    out["rocca_pct_checked"] = len(checked)
    out["rocca_pct_ok"] = int(checked["match"].astype(bool).sum())
    return out


def _alcalde_glue() -> dict[str, object]:
    study = "alcalde_mellado"
    out: dict[str, object] = {}
    for arm in ("ino_arm", "chemo_arm"):
        short = arm.split("_")[0]
        out[f"alc_conv_{short}"] = f"{published.value(study, 'htb_to_ltb_conversion_pct', arm):g}%"
        out[f"alc_n_{short}"] = f"{published.value(study, 'n_patients', arm):.0f}"
    out["alc_printed"] = published.get(study, "htb_to_ltb_conversion_p", "ino_arm_vs_chemo_arm")[
        "printed"
    ]
    for grp in ("ltb", "htb"):
        out[f"alc_efs_{grp}"] = f"{published.value(study, 'efs_12mo', f'{grp}_at_infusion'):g}%"
    out["alc_efs_p"] = published.get(study, "efs_12mo_p", "ltb_vs_htb_at_infusion")["printed"]
    out["alc_n_all"] = f"{published.value(study, 'n_patients', 'all'):.0f}"
    conversion = audit.alcalde_conversion_tables()
    tests = {**TESTS, **EXTRA_TESTS_2X2}
    out["alc_n_tables"] = len(conversion)
    out["alc_n_match"] = int(conversion["any_match"].sum())
    out["alc_n_two_sided"] = len(TWO_SIDED_TESTS)
    distance = conversion[list(tests)].sub(float(conversion["printed"].iloc[0])).abs()
    row, test = distance.stack().idxmin()
    closest = conversion.loc[row]
    out["alc_closest_table"] = (
        f"InO {closest.ino_converted}/{closest.ino_htb} vs chemotherapy "
        f"{closest.chemo_converted}/{closest.chemo_htb}"
    )
    out["alc_closest_test"] = tests[test][:1].lower() + tests[test][1:]
    out["alc_closest_p"] = f"{closest[test]:.3f}"
    out["alc_n_traj_ok"] = int(audit.alcalde_trajectory_check()["consistent"].sum())
    out["alc_n_efs_tables"] = len(audit.alcalde_efs_tables())
    return out


def _jabbour_glue() -> dict[str, object]:
    jab = {
        q: published.value("jabbour", q)
        for q in ("n_patients", "n_cr", "n_crp", "orr_pct", "n_evaluable_response")
    }
    out: dict[str, object] = {f"jab_{q}": f"{v:g}" for q, v in jab.items()}
    out["jab_cr_sum"] = f"{jab['n_cr'] + jab['n_crp']:g}"
    out["jab_cri_eha"] = f"{published.value('jabbour', 'n_cri', variant='eha2022'):g}"
    percents = audit.percent_checks()
    jab_pct = percents[(percents["study"] == "jabbour") & percents["match"].notna()]
    out["jab_pct_checked"] = len(jab_pct)
    out["jab_pct_ok"] = int(jab_pct["match"].astype(bool).sum())
    return out


# ----------------------------------------------------------------------------- ROCCA tables
def _counts_words(basis: str) -> str:
    if basis == "printed counts":
        return "printed"
    fit = basis.split("(")[-1].rstrip(")")
    return (
        "inferred, unique" if fit == "unique" else f"inferred; {fit.replace(' possible', '')} fit"
    )


def pvalue_table() -> PageTable:
    """ROCCA's p-values recomputed from the printed counts under each test, with a mark where
    the p prints as published (and where only when rounded twice, for the test used)."""
    frame = rocca.pvalues()
    used = rocca.test_used(frame)
    out = pd.DataFrame(
        {
            "Comparison (source)": [
                _dash(s) + (f", {h}" if h else "") + f" ({src})"
                for s, h, src in zip(
                    frame["statistic"], frame["handling"], frame["source"], strict=True
                )
            ],
            "Counts": frame["basis"].map(_counts_words),
            "Printed p": frame["printed"],
        }
    )
    for test, short in SHORT.items():
        twice = frame[f"twice_{test}"] & (test == used)
        out[short] = [
            f"{fmt_p(p)}\u00a0{_mark(m)}".strip() + (" (rounded twice)" if t else "")
            for p, m, t in zip(frame[test], frame[f"match_{test}"] | twice, twice, strict=True)
        ]
    return PageTable(
        out,
        "ROCCA p-values recomputed from the published counts (exact recomputation). ✓: rounds "
        "to the printed p at its printed precision; ✓ (rounded twice): only when first rounded "
        "to four decimals, counted as agreeing for the test the authors used, as in the ROCCA "
        "chapter. Where several denominators fit the printed percentages, the p shown is that "
        "of a table that reproduces, if any does.",
        ("Printed p", *SHORT.values()),
    )


def inferred_table() -> PageTable:
    """ROCCA's p-values printed with percentages only: how many consistent tables reproduce
    each under each test, and the whole-group table under the test used."""
    inferred = rocca.inferred_pvalues()
    used = rocca.test_used()
    shown = pd.DataFrame(
        {
            "Comparison (source)": inferred["label"] + inferred["source"].map(lambda s: f" ({s})"),
            "Printed p": inferred["printed"],
            "Tables that fit": inferred["n_tables"],
        }
    )
    for test, short in SHORT.items():
        shown[short] = inferred[f"n_match_{test}"].to_numpy()
    shown[f"Whole groups, {SHORT[used]}"] = [
        f"{t}: {fmt_p(p)}\u00a0{_mark(m)}".strip() if t else ""
        for t, p, m in zip(
            inferred["whole_group_table"],
            inferred[f"whole_group_{used}"],
            inferred[f"whole_group_match_{used}"],
            strict=True,
        )
    ]
    return PageTable(
        shown,
        "Number of count tables consistent with the printed percentages that reproduce the "
        "printed p, per test; last column: the table with the whole groups as denominators, "
        "where the percentages allow it.",
        ("Printed p",),
    )


def rocca_percent_misses() -> PageTable:
    """ROCCA percentages that do not follow from their printed count and denominator.

    The book uses the count only where the categories of that variable add up to the arm;
    raises AssertionError otherwise (the page's sentence would then be wrong).
    """
    percents = audit.percent_checks("rocca")
    checked = percents[percents["match"].notna()]
    bad = checked[~checked["match"].astype(bool)]
    sums = audit.sum_checks()
    for _, r in bad.iterrows():
        parts = sums[
            sums["statistic"].str.contains("subtype") & sums["statistic"].str.contains(r["group"])
        ]
        assert parts["match"].all() and len(parts) == 1, r["statistic"]
    return PageTable(
        pd.DataFrame(
            {
                "Statistic": bad["label"],
                "Printed %": bad["published"].map(_whole),
                "Count": bad["count"].map(_whole),
                "Denominator": bad["n"].map(_whole),
                "Count / denominator, %": bad["recomputed"].map(lambda x: f"{x:.2f}"),
            }
        ),
        "ROCCA percentages that do not follow from their printed count and denominator.",
    )


def _recomputed_words(kind, value) -> str:
    if kind == "range":
        return _dash(value)
    if isinstance(value, str):
        # 'n in {85, 86, 87}' / 'k in {...}': the denominators (counts) that fit
        what, _, values = value.partition(" in ")
        noun = "denominator" if what == "n" else "count"
        values = values.strip("{}")
        if "..." not in values:
            *head, last = values.split(", ")
            values = f"{', '.join(head)} or {last}" if head else last
        return f"{noun} {values} fits"
    return _whole(value)


def checks_table(study: str, kinds: list[str], caption: str) -> PageTable:
    """A study's percentage, sum or range checks in words, one row each."""
    frame = audit.study_table(study)
    frame = frame[frame["kind"].isin(kinds)]
    shown = pd.DataFrame(
        {
            "Check": frame["label"],
            "Printed": frame["published"].map(lambda x: _whole(x) if isinstance(x, float) else x),
            "Recomputed": [
                _recomputed_words(k, v)
                for k, v in zip(frame["kind"], frame["recomputed"], strict=True)
            ],
            "Agrees": _yes_no(frame["match"]).fillna(""),
        }
    )
    return PageTable(shown, caption, ("Printed", "Agrees"))


# ----------------------------------------------------------------------------- Alcalde-Mellado
def conversion_table() -> PageTable:
    """Every count table consistent with the conversion percentages, and its p under each
    test, marked where it prints as the published p."""
    conversion = audit.alcalde_conversion_tables()
    shown = pd.DataFrame(
        {
            "Reached LTB / HTB before bridging, InO vs chemo": [
                f"{a}/{b} vs {c}/{d}"
                for a, b, c, d in zip(
                    conversion["ino_converted"],
                    conversion["ino_htb"],
                    conversion["chemo_converted"],
                    conversion["chemo_htb"],
                    strict=True,
                )
            ]
        }
    )
    for test, short in SHORT_2X2.items():
        shown[short] = [
            f"{p:.3f}\u00a0{_mark(m)}".strip()
            for p, m in zip(conversion[test], conversion[f"match_{test}"], strict=True)
        ]
    return PageTable(
        shown,
        "Every count table consistent with the printed percentages, and its p-value under "
        f"each test (printed p = {conversion['printed'].iloc[0]}). Each table reads: patients "
        "who reached LTB / patients with HTB before bridging, InO arm vs chemotherapy arm.",
        tuple(SHORT_2X2.values()),
    )


def trajectory_table() -> PageTable:
    """Can each conversion table also give the trajectory EFS figures as crude proportions?"""
    traj = audit.alcalde_trajectory_check()
    shown = pd.DataFrame(
        {
            "Conversion table, InO vs chemo": traj["table"],
            "Reached LTB": traj["achieved_ltb"],
            "Stayed HTB": traj["maintained_htb"],
            "Stayed LTB": traj["maintained_ltb"],
            "Stayed HTB fits its EFS": _yes_no(traj["maintained_htb_admits_25pct"]),
            "Stayed LTB not empty": _yes_no(traj["maintained_ltb_nonempty"]),
            "Both": _yes_no(traj["consistent"]),
        }
    )
    return PageTable(
        shown,
        "Do the conversion tables also fit the trajectory EFS figures read as crude proportions?",
    )


def efs_table() -> PageTable:
    """Count tables consistent with the 12-month EFS percentages read as crude proportions,
    with each table's p under the three tests."""
    efs = audit.alcalde_efs_tables()
    shown = pd.DataFrame(
        {
            "LTB vs HTB at infusion (event-free / patients)": efs["table"],
            "Patients": efs["n_total"],
        }
    )
    for test, name in SHORT.items():
        shown[name] = efs[test].map(lambda p: f"{p:.3f}").to_numpy()
    return PageTable(
        shown,
        "Count tables consistent with the printed 12-month EFS percentages, read as crude "
        "proportions.",
    )


# ----------------------------------------------------------------------------- intervals
def _ci_frame(frame: pd.DataFrame, basis: bool = True, study: bool = False) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "Proportion": frame["label"].to_numpy(),
            "Count": [f"{k}/{n}" for k, n in zip(frame["count"], frame["n"], strict=True)],
            "%": frame["percent"].map(_half_up).to_numpy(),
            "Exact 95% CI, %": [
                f"{_half_up(lo)}–{_half_up(hi)}"
                for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ],
        }
    )
    if study:
        out.insert(0, "Study", frame["study"].map(STUDY_NAMES).to_numpy())
    if basis:
        out["Basis"] = frame["basis"].to_numpy()
    return out


def case_series_cis() -> PageTable:
    """Aertgeerts' proportions with exact (Clopper–Pearson) 95% intervals."""
    cis = audit.exact_cis("aertgeerts")
    return PageTable(
        _ci_frame(cis, basis=False),
        "Aertgeerts: proportions with exact (Clopper–Pearson) 95% intervals.",
        ("Count", "%", "Exact 95% CI, %"),
    )


def outcome_cis() -> PageTable:
    """Exact 95% intervals for the outcomes of ROCCA and Jabbour (ROCCA's baseline
    characteristics are left to audit.json)."""
    cis = audit.exact_cis()
    rocca_outcomes = (cis["study"] == "rocca") & cis["quantity"].str.match(ROCCA_OUTCOMES)
    outcomes = cis[(cis["study"] == "jabbour") | rocca_outcomes]
    order = outcomes["study"].map({"rocca": 0, "jabbour": 1})
    outcomes = outcomes.assign(order=order).sort_values("order", kind="stable")
    return PageTable(
        _ci_frame(outcomes, study=True),
        "Outcomes of ROCCA and Jabbour: exact (Clopper–Pearson) 95% intervals.",
        ("Study", "Count", "%", "Exact 95% CI, %"),
    )


def findings_table() -> PageTable:
    """The internal inconsistencies, in words, with the value the book uses."""
    found = audit.findings()
    return PageTable(
        pd.DataFrame(
            {
                "Study": found["study"].map(STUDY_NAMES),
                "Finding": found["label"],
                "Detail": found["detail_label"],
                "Book uses": found["book_uses_label"],
            }
        ),
        "Internal inconsistencies in the published numbers (computed).",
    )
