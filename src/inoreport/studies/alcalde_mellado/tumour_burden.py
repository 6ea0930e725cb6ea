"""The tumour-burden chapter (``notebooks/alcalde_tumour_burden.md``): conversion from
high (HTB) to low tumour burden (LTB) by bridging arm, the count tables behind the printed
percentages, event-free survival (EFS) by burden at infusion and by burden trajectory, the
abstract's internal check, ROCCA's burden before apheresis, and the reproduction scorecard.

Every function takes the chapter's run (:class:`~.chapter.AlcaldeChapter`) and returns a
result, a table, a figure as shown on the page, or the glue values its prose quotes.
Times in months, proportions 0–1 unless a name says percent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.page import Markdown, scorecard_value
from inoreport.book.results import ScorecardRow
from inoreport.cohort import Cohort
from inoreport.figures.plots import FigureHTML, alt_text, show
from inoreport.figures.transitions import composition_plot, transition_flow_plot
from inoreport.stats import small_cohorts
from inoreport.stats.contingency import clopper_pearson
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.studies.alcalde_mellado import chapter as common
from inoreport.studies.alcalde_mellado.chapter import (
    COMPARISON,
    PUBLISHED_ARMS,
    AlcaldeChapter,
    in_prose,
    p_text,
    percent_text,
    printed,
    pub,
)
from inoreport.studies.alcalde_mellado.horizon import censored_at
from inoreport.studies.audit import (
    alcalde_conversion_tables,
    alcalde_trajectory_check,
    candidate_pvalues,
    p_matches,
)
from inoreport.synthetic.common import keyed

NAME = "alcalde_tumour_burden"
HIGH, LOW = "high", "low"
BURDEN = {HIGH: "HTB", LOW: "LTB"}
#: Burden trajectory -> (label, published group; None when the abstract reports none).
PATHS = {
    "achieved": ("achieved LTB", "achieved_ltb"),
    "maintained good": ("maintained LTB", "maintained_ltb"),
    "maintained bad": ("maintained HTB", "maintained_htb"),
    "lost": ("lost LTB", None),
}
LEVEL_COLOURS = {HIGH: "#D55E00", LOW: "#0072B2"}
PATH_COLOURS = {
    "achieved LTB": "#009E73",
    "maintained LTB": "#0072B2",
    "maintained HTB": "#D55E00",
    "lost LTB": "#CC79A7",
}
#: The tests a reader might have used for the conversion p (audit's columns), in words,
#: and as short table headers.
TESTS = {
    "chi2": "chi-square",
    "chi2_yates": "Yates",
    "fisher": "Fisher",
    "fisher_mid_p": "Fisher mid-p",
    "g_test": "G test",
    "barnard": "Barnard",
    "boschloo": "Boschloo",
}
TEST_HEADERS = {
    "chi2": "χ²",
    "chi2_yates": "Yates",
    "fisher": "Fisher",
    "fisher_mid_p": "Mid-p",
    "g_test": "G",
    "barnard": "Barnard",
    "boschloo": "Boschloo",
}


def open_chapter(cohort: Cohort, landmarks) -> AlcaldeChapter:
    """The chapter's run on ``cohort`` (read with ``get_chapter("alcalde_tumour_burden")``;
    ``landmarks``: EFS landmarks in months, the first used), with each patient's burden
    trajectory (``path``) and burden at infusion as HTB/LTB (``burden_at_infusion``) added
    to ``data``."""
    chapter = common.open_chapter(NAME, cohort, landmarks)
    data = chapter.data
    data["path"] = small_cohorts.transition_group(
        data["burden_before"],
        data["burden_infusion"],
        good=LOW,
        bad=HIGH,
        labels={k: v[0] for k, v in PATHS.items()},
    )
    data["burden_at_infusion"] = data["burden_infusion"].map(BURDEN)
    return chapter


def published_table(chapter: AlcaldeChapter) -> pd.DataFrame:
    """The abstract's burden numbers as printed: conversion by arm with its p, EFS at the
    landmark by burden at infusion with its p, and by trajectory."""
    efs = f"EFS at {chapter.landmark:g} months"
    rows = [
        (
            "HTB before bridging reaching LTB at infusion, InO",
            printed("htb_to_ltb_conversion_pct", "ino_arm") + "%",
        ),
        (
            "HTB before bridging reaching LTB at infusion, chemotherapy/steroids",
            printed("htb_to_ltb_conversion_pct", "chemo_arm") + "%",
        ),
        ("  p (test not stated)", printed("htb_to_ltb_conversion_p", COMPARISON)),
        (f"{efs}, LTB at infusion", printed("efs_12mo", "ltb_at_infusion") + "%"),
        (f"{efs}, HTB at infusion", printed("efs_12mo", "htb_at_infusion") + "%"),
        ("  p (test not stated)", printed("efs_12mo_p", "ltb_vs_htb_at_infusion")),
        (f"{efs}, achieved LTB (HTB → LTB)", printed("efs_12mo", "achieved_ltb") + "%"),
        (f"{efs}, maintained LTB (LTB → LTB)", printed("efs_12mo", "maintained_ltb") + "%"),
        (f"{efs}, maintained HTB (HTB → HTB)", printed("efs_12mo", "maintained_htb") + "%"),
    ]
    return pd.DataFrame(rows, columns=["Published in the abstract", "Value"])


# ------------------------------------------------------------------------------ conversion


@dataclass(frozen=True)
class BurdenConversion:
    """The cohort's burden moves by arm and its conversion from HTB to LTB.

    ``counts``: [group, before, after, n]; ``conversion``: per arm, patients with HTB
    before bridging and how many reached LTB (exact 95% CI); ``tests``: the conversion p
    under Pearson, Yates and Fisher; ``tables``: every count table that prints as the
    published percentages, with its p under each test (the audit's).
    """

    counts: pd.DataFrame
    conversion: small_cohorts.Conversion
    tests: dict[str, float]
    tables: pd.DataFrame

    @property
    def by_arm(self) -> pd.DataFrame:
        return self.conversion.table.set_index("group")

    @property
    def used(self) -> str:
        """The cohort's count table, "converted/HTB vs converted/HTB"."""
        t = self.conversion.counts_2x2()
        return f"{int(t[0, 0])}/{int(t[0].sum())} vs {int(t[1, 0])}/{int(t[1].sum())}"

    @property
    def no_table_prints(self) -> bool:
        """True when no count table gives the printed p under any test."""
        return not self.tables["any_match"].any()


def burden_conversion(chapter: AlcaldeChapter) -> BurdenConversion:
    """Burden before bridging and at infusion, by arm (first arm first)."""
    data, arms = chapter.data, chapter.arms
    conversion = small_cohorts.conversion_table(
        data, "burden_before", "burden_infusion", by="group", source=HIGH, target=LOW, order=arms
    )
    return BurdenConversion(
        counts=small_cohorts.transition_counts(
            data, "burden_before", "burden_infusion", by="group", levels=[HIGH, LOW], order=arms
        ),
        conversion=conversion,
        tests=candidate_pvalues(conversion.counts_2x2()),
        tables=alcalde_conversion_tables(),
    )


def _interval(row) -> str:
    return f"{percent_text(row['ci_low'], 0)} to {percent_text(row['ci_high'], 0)}"


def conversion_figure(chapter: AlcaldeChapter, result: BurdenConversion) -> FigureHTML:
    """One flow panel per arm from burden before bridging to burden at infusion."""
    conv, n_tables = result.by_arm, len(result.tables)
    notes = {
        g: (
            f"HTB → LTB: {int(conv.loc[g, 'n_converted'])}/{int(conv.loc[g, 'n_source'])} = "
            f"{percent_text(conv.loc[g, 'proportion'], 0)}\n(exact 95% CI "
            f"{_interval(conv.loc[g])})"
        )
        if conv.loc[g, "n_source"]
        else "no patient with HTB before bridging"
        for g in chapter.arms
    }
    fig = transition_flow_plot(
        result.counts,
        [HIGH, LOW],
        chapter.arms,
        level_labels=BURDEN,
        level_colors=LEVEL_COLOURS,
        link_colors={
            (HIGH, LOW): PATH_COLOURS["achieved LTB"],
            (LOW, LOW): PATH_COLOURS["maintained LTB"],
            (HIGH, HIGH): PATH_COLOURS["maintained HTB"],
            (LOW, HIGH): PATH_COLOURS["lost LTB"],
        },
        link_labels={
            (HIGH, LOW): "achieved LTB",
            (LOW, LOW): "maintained LTB",
            (HIGH, HIGH): "maintained HTB",
            (LOW, HIGH): "lost LTB",
        },
        stage_labels=("Before bridging", "At infusion"),
        notes=notes,
        synthetic=chapter.synthetic,
        title=(
            f"One of {n_tables} count tables that fit the printed percentages"
            if chapter.synthetic
            else None
        ),
    )
    one_of = (
        f" The counts are one of {n_tables} count tables that fit the abstract's percentages "
        "(the synthetic cohort's), not the study's own."
        if chapter.synthetic
        else ""
    )
    return show(
        fig,
        alt=alt_text(fig) + one_of,
        caption=f"Tumour burden before bridging and at infusion, by arm{chapter.tag}. Green: "
        f"HTB to LTB; blue: LTB kept; vermillion: HTB kept; purple: LTB to HTB.{one_of}",
    )


def conversion_by_arm(chapter: AlcaldeChapter, result: BurdenConversion) -> pd.DataFrame:
    """Per arm: patients with HTB before bridging, how many had LTB at infusion, the
    converted share with its exact 95% CI, and the published share."""
    rows = []
    for g in PUBLISHED_ARMS:
        arm = chapter.arm_of[g]
        r = result.by_arm.loc[arm]
        rows.append(
            {
                "Arm": arm,
                "HTB before bridging": int(r["n_source"]),
                "LTB at infusion": int(r["n_converted"]),
                f"Converted{chapter.tag}": f"{percent_text(r['proportion'])} ({_interval(r)})",
                "Published": f"{printed('htb_to_ltb_conversion_pct', g)}%",
            }
        )
    return pd.DataFrame(rows)


def conversion_glue(chapter: AlcaldeChapter, result: BurdenConversion) -> dict[str, object]:
    """Glue values of the conversion section (counts, CIs, p under three tests)."""
    conv, (a, b) = result.by_arm, chapter.arms
    return {
        "conv_a": f"{int(conv.loc[a, 'n_converted'])} of {int(conv.loc[a, 'n_source'])}",
        "conv_b": f"{int(conv.loc[b, 'n_converted'])} of {int(conv.loc[b, 'n_source'])}",
        "conv_ci_a": _interval(conv.loc[a]),
        "conv_ci_b": _interval(conv.loc[b]),
        "conv_p_chi2": p_text(result.tests["chi2"]),
        "conv_p_yates": p_text(result.tests["chi2_yates"]),
        "conv_p_fisher": p_text(result.tests["fisher"]),
        "conv_pub_p": printed("htb_to_ltb_conversion_p", COMPARISON),
        "conv_pub_a": printed("htb_to_ltb_conversion_pct", "ino_arm") + "%",
        "conv_pub_b": printed("htb_to_ltb_conversion_pct", "chemo_arm") + "%",
    }


def candidate_tables(result: BurdenConversion) -> pd.DataFrame:
    """Every count table that prints as the published percentages, with its p under each
    test (3 decimals); ◀ marks the cohort's own table."""
    tables = result.tables
    shown = tables[["table", *TESTS]].copy()
    shown["table"] = np.where(
        tables["table"] == result.used, tables["table"] + " ◀", shown["table"]
    )
    for test in TESTS:
        shown[test] = shown[test].map(lambda p: f"{p:.3f}")
    return shown.rename(columns={"table": "InO vs chemo", **TEST_HEADERS})


def candidate_caption(chapter: AlcaldeChapter) -> str:
    """Caption of :func:`candidate_tables`, spelling out the test headers."""
    return (
        "Count tables that print as the published conversion percentages (converted/HTB "
        "before bridging), with the two-sided p under Pearson’s chi-square (χ²), Yates’ "
        "correction, Fisher’s exact test, Fisher’s mid-p, the G test, Barnard’s and "
        "Boschloo’s tests; ◀ marks the table of "
        + ("the synthetic cohort." if chapter.synthetic else "your cohort.")
    )


def candidates_glue(chapter: AlcaldeChapter, result: BurdenConversion) -> dict[str, object]:
    """Glue values on the candidate tables: how many, the (table, test) closest to the
    printed p on the log scale, the range of p-values, and how many tables fall below 0.05
    under every, some or no test."""
    tables = result.tables
    long = tables.melt(id_vars="table", value_vars=list(TESTS), var_name="test", value_name="p")
    long["gap"] = np.abs(np.log(long["p"] / pub("htb_to_ltb_conversion_p", COMPARISON)))
    closest = long.sort_values("gap").iloc[0]
    below = tables[list(TESTS)] < 0.05
    return {
        "n_tables": len(tables),
        "n_tests": len(TESTS),
        "any_table_prints": "none of them" if result.no_table_prints else "one of them",
        "closest_table": closest["table"],
        "closest_test": TESTS[closest["test"]],
        "closest_p": f"{closest['p']:.3f}",
        "used_sentence": Markdown(
            f"The synthetic cohort uses {result.used}, the table its generator found closest; "
            "since no table prints as the published p, the scorecard counts that p-value "
            "as not reproduced."
            if chapter.roles
            else f"Your cohort's table is {result.used}."
        ),
        "n_sig_all": int(below.all(axis=1).sum()),
        "n_sig_some": int((below.any(axis=1) & ~below.all(axis=1)).sum()),
        "n_sig_none": int((~below.any(axis=1)).sum()),
        "p_min": f"{long['p'].min():.3f}",
        "p_max": f"{long['p'].max():.3f}",
    }


# ------------------------------------------------------------------------------ EFS


@dataclass(frozen=True)
class EFSBy:
    """Kaplan–Meier EFS by one grouping (``order``), its estimates at the landmark
    (indexed by group) and, for burden at infusion, the log-rank test on follow-up up to
    the calibrated horizon (all of it on a cohort the generator did not build)."""

    km: object
    landmarks: pd.DataFrame
    order: list[str]
    logrank: object = None


def efs_by_burden(chapter: AlcaldeChapter) -> EFSBy:
    """EFS by burden at infusion, LTB first."""
    data, horizon, order = chapter.data, chapter.horizon, ["LTB", "HTB"]
    km = kaplan_meier(data, "time", "event", by="burden_at_infusion", order=order)
    within = censored_at(data, horizon) if horizon else data
    return EFSBy(
        km=km,
        landmarks=km.landmarks([chapter.landmark]).set_index("group"),
        order=order,
        logrank=logrank(within, "time", "event", "burden_at_infusion"),
    )


def efs_by_path(chapter: AlcaldeChapter) -> EFSBy:
    """EFS by burden trajectory (the trajectories present, in :data:`PATHS` order)."""
    data = chapter.data
    order = [label for label, _ in PATHS.values() if (data["path"] == label).any()]
    km = kaplan_meier(data, "time", "event", by="path", order=order)
    return EFSBy(km=km, landmarks=km.landmarks([chapter.landmark]).set_index("group"), order=order)


def _horizon_words(chapter: AlcaldeChapter) -> str:
    if not chapter.horizon:
        return ""
    return (
        f" Fitted to the published {chapter.landmark:g}-month EFS only: beyond "
        f"{chapter.horizon:g} months the curves are extrapolated (grey, dashed)"
    )


def _efs_plot(chapter: AlcaldeChapter, result: EFSBy, colours: dict, legend: str, **options):
    return common.efs_plot(
        chapter,
        result.km,
        colors={g: colours[g] for g in result.order},
        legend_title=legend,
        **options,
    )


def efs_burden_figure(chapter: AlcaldeChapter, result: EFSBy) -> FigureHTML:
    """Kaplan–Meier EFS by burden at infusion with the log-rank p and number at risk."""
    colours = {"LTB": LEVEL_COLOURS[LOW], "HTB": LEVEL_COLOURS[HIGH]}
    fig = _efs_plot(chapter, result, colours, "Burden at infusion", logrank=result.logrank)
    return show(
        fig,
        caption=f"Event-free survival by tumour burden at infusion{chapter.tag}."
        f"{_horizon_words(chapter)}"
        + ("; the log-rank p uses follow-up up to that time." if chapter.horizon else ""),
    )


def efs_path_figure(chapter: AlcaldeChapter, result: EFSBy) -> FigureHTML:
    """Kaplan–Meier EFS by burden trajectory (no test: the abstract gives none)."""
    fig = _efs_plot(chapter, result, PATH_COLOURS, "Burden trajectory")
    return show(
        fig,
        caption=f"Event-free survival by tumour-burden trajectory from before bridging to "
        f"infusion{chapter.tag}.{_horizon_words(chapter)}. No test is shown: the abstract "
        "gives none, and one computed here would only reflect the generator.",
    )


def _efs_row(chapter: AlcaldeChapter, result: EFSBy, label: str, column: str, group) -> dict:
    m = result.landmarks.loc[label]
    return {
        "Patients": int((chapter.data[column] == label).sum()),
        f"EFS at {chapter.landmark:g} months{chapter.tag}": f"{percent_text(m['survival'])} "
        f"({percent_text(m['ci_low'], 0)} to {percent_text(m['ci_high'], 0)})",
        "At risk": int(m["n_risk"]),
        "Published": f"{printed('efs_12mo', group)}%" if group else "not reported",
    }


def efs_burden_table(chapter: AlcaldeChapter, result: EFSBy) -> pd.DataFrame:
    """Per burden at infusion: patients, EFS at the landmark (95% CI, %), at risk,
    published EFS."""
    return pd.DataFrame(
        {
            "Burden at infusion": label,
            **_efs_row(chapter, result, label, "burden_at_infusion", group),
        }
        for label, group in (("LTB", "ltb_at_infusion"), ("HTB", "htb_at_infusion"))
    )


def efs_path_table(chapter: AlcaldeChapter, result: EFSBy) -> pd.DataFrame:
    """Per trajectory present: patients, EFS at the landmark (95% CI, %), at risk,
    published EFS ("not reported" for lost LTB)."""
    return pd.DataFrame(
        {"Trajectory": label, **_efs_row(chapter, result, label, "path", group)}
        for label, group in PATHS.values()
        if label in result.landmarks.index
    )


def efs_burden_glue(chapter: AlcaldeChapter, result: EFSBy) -> dict[str, object]:
    """Glue values of EFS by burden at infusion (estimates in %, p-values) and the sentence
    on the log-rank p: fitted to the published one on the book's cohort, checked against it
    (does it print the same?) on any other."""
    p = result.logrank.p
    p_printed = printed("efs_12mo_p", "ltb_vs_htb_at_infusion")
    words = f"p = {p_text(p)} (published p = {p_printed}; the abstract names no test)"
    if chapter.roles and chapter.role("efs_12mo_p", "ltb_vs_htb_at_infusion") == "calibrated":
        sentence = (
            f"Its log-rank test of LTB against HTB at infusion, on follow-up up to "
            f"{chapter.horizon:g} months, gives {words}. The cohort was fitted to that p as "
            "well, read as a log-rank test over the fitted months, so it too shows the "
            "construction: curves with the published landmark rates can separate as much as "
            "the study's, and how far apart the real curves were is not known."
        )
    else:
        verdict = "prints as" if p_matches(p, p_printed) else "does not print as"
        sentence = (
            f"Its log-rank test of LTB against HTB at infusion gives {words}, which "
            f"{verdict} the published value."
        )
    return {
        "efs_ltb": percent_text(float(result.landmarks.loc["LTB", "survival"])),
        "efs_htb": percent_text(float(result.landmarks.loc["HTB", "survival"])),
        "efs_burden_p": p_text(p),
        "efs_burden_pub_p": p_printed,
        "htb_pub": printed("efs_12mo", "htb_at_infusion") + "%",
        "efs_burden_sentence": Markdown(sentence),
    }


def abstract_check_glue(chapter: AlcaldeChapter, paths: EFSBy) -> dict[str, object]:
    """Glue values of the check the abstract fails: the published trajectory figures, how
    many conversion tables admit them (audit), the cohort's group sizes and achieved-LTB
    EFS."""
    sizes = chapter.data["path"].value_counts()
    marks = paths.landmarks
    return {
        "ltb_pub": printed("efs_12mo", "ltb_at_infusion") + "%",
        "trajectory_fits": int(alcalde_trajectory_check()["consistent"].sum()),
        "maintained_htb_pub": printed("efs_12mo", "maintained_htb") + "%",
        "maintained_pub": printed("efs_12mo", "maintained_ltb") + "%",
        "efs_achieved": percent_text(float(marks.loc["achieved LTB", "survival"]))
        if "achieved LTB" in marks.index
        else "NA",
        "n_paths": ", ".join(
            f"{int(sizes.get(PATHS[k][0], 0))} ({PATHS[k][0]})"
            for k in ("achieved", "maintained good", "maintained bad")
        ),
    }


# ------------------------------------------------------------------------------ ROCCA

ROCCA_GROUPS = {"ino_naive": "No prior InO", "ino_exposed": "Prior InO"}
ROCCA_STATUS = [
    ("status_active", "Active disease (>5% blasts)"),
    ("status_cr_mrd_pos_unknown", "CR, MRD+ or unknown"),
    ("status_cr_mrd_neg", "CR, MRD−"),
    ("status_missing", "Missing"),
]
ROCCA_BLASTS = [
    ("blasts_lt25", "<25%"),
    ("blasts_25_74", "25–74%"),
    ("blasts_ge75", "≥75%"),
    ("blasts_missing", "Missing"),
]
ROCCA_COLOURS = {
    "Active disease (>5% blasts)": "#D55E00",
    "CR, MRD+ or unknown": "#E69F00",
    "CR, MRD−": "#0072B2",
    "<25%": "#0072B2",
    "25–74%": "#E69F00",
    "≥75%": "#D55E00",
    "Missing": "#CCCCCC",
}


def rocca_composition(categories) -> pd.DataFrame:
    """ROCCA's published Table 1 counts by prior InO: [group, category, n] for the
    ``(quantity prefix, category)`` pairs given (e.g. :data:`ROCCA_STATUS`)."""
    return pd.DataFrame(
        [
            {"group": label, "category": name, "n": int(published.value("rocca", f"{q}_count", g))}
            for g, label in ROCCA_GROUPS.items()
            for q, name in categories
        ]
    )


def rocca_burden_figure() -> FigureHTML:
    """ROCCA: disease status and marrow blasts before apheresis by prior InO (published
    counts)."""
    fig = composition_plot(
        {
            "Disease status before apheresis": rocca_composition(ROCCA_STATUS),
            "Marrow blasts before apheresis": rocca_composition(ROCCA_BLASTS),
        },
        groups=list(ROCCA_GROUPS.values()),
        colors=ROCCA_COLOURS,
    )
    return show(
        fig,
        caption="ROCCA: disease status and marrow blasts before apheresis by prior InO "
        "(published counts, Table 1).",
    )


def rocca_active_share(group: str) -> str:
    """ROCCA, one prior-InO group: patients in active disease before apheresis, as
    "k/n = p% (95% CI lo% to hi%)" (exact interval)."""
    k = int(published.value("rocca", "status_active_count", group))
    n = int(sum(published.value("rocca", f"{q}_count", group) for q, _ in ROCCA_STATUS))
    lo, hi = clopper_pearson(k, n)
    return (
        f"{k}/{n} = {percent_text(k / n, 0)} "
        f"(95% CI {percent_text(lo, 0)} to {percent_text(hi, 0)})"
    )


def rocca_glue() -> dict[str, object]:
    """Glue values of the ROCCA section: active disease by prior InO and the printed
    p-values of the status and blast comparisons."""
    comparison = "ino_exposed_vs_ino_naive"
    return {
        "rocca_active_exposed": rocca_active_share("ino_exposed"),
        "rocca_active_naive": rocca_active_share("ino_naive"),
        "rocca_status_p": published.get("rocca", "status_p", comparison)["printed"],
        "rocca_blasts_p": published.get("rocca", "blasts_p", comparison)["printed"],
    }


# ------------------------------------------------------------------------------ scorecard


def scorecard(
    chapter: AlcaldeChapter, conv: BurdenConversion, burden: EFSBy, paths: EFSBy
) -> list[ScorecardRow]:
    """The chapter's reproduction scorecard, each row keyed by its published number; roles
    from the generator's record by key.

    The conversion p is scored by the strict rule (it must print as published): no count
    table that fits the printed percentages gives the printed p under any test (audit), so
    on the synthetic cohort it is a miss by construction.
    """
    landmark, note, horizon = chapter.landmark, chapter.note, chapter.horizon
    rows = chapter.landmark_rows(
        "htb_to_ltb_conversion_pct",
        [
            (f"HTB → LTB conversion, {in_prose(arm)}", g, conv.by_arm.loc[arm, "proportion"])
            for g, arm in chapter.arm_of.items()
        ],
    )
    p_printed = printed("htb_to_ltb_conversion_p", COMPARISON)
    p_ours = conv.tests["chi2"]
    row = ScorecardRow(
        "HTB → LTB conversion p (Pearson chi-square)"
        + (", generator target: closest reachable table, not reproduced" if chapter.roles else ""),
        pub("htb_to_ltb_conversion_p", COMPARISON),
        round(p_ours, 4),
        chapter.role("htb_to_ltb_conversion_p", COMPARISON),
        p_matches(p_ours, p_printed),
        tolerance="prints as the published p",
        unit="p",
        source=chapter.source("htb_to_ltb_conversion_p"),
        note=f"{note}, table {conv.used}; Fisher exact p = {conv.tests['fisher']:.3f}"
        + (
            f"; none of the {len(conv.tables)} count tables that fit the printed percentages "
            f"gives p = {p_printed} under any of {len(TESTS)} tests"
            if conv.no_table_prints
            else ""
        ),
    )
    rows.append(keyed(row, ("htb_to_ltb_conversion_p", COMPARISON)))
    rows += chapter.landmark_rows(
        "efs_12mo",
        [
            (
                f"EFS at {landmark:g} months, {label} at infusion",
                g,
                burden.landmarks.loc[label, "survival"],
            )
            for label, g in (("LTB", "ltb_at_infusion"), ("HTB", "htb_at_infusion"))
        ],
    )
    rows.append(
        chapter.p_row(
            "EFS p, LTB vs HTB at infusion (log-rank"
            + (f", follow-up to {horizon:g} months)" if horizon else ")"),
            "efs_12mo_p",
            "ltb_vs_htb_at_infusion",
            burden.logrank.p,
        )
    )
    rows += chapter.landmark_rows(
        "efs_12mo",
        [
            (f"EFS at {landmark:g} months, {label}", g, paths.landmarks.loc[label, "survival"])
            for label, g in PATHS.values()
            if g is not None and label in paths.landmarks.index
        ],
    )
    return rows


def scorecard_caption(chapter: AlcaldeChapter) -> str:
    """The scorecard's caption: every row is computed on the cohort."""
    return (
        f"Reproduction scorecard{chapter.tag}. Every row is computed on {chapter.cohort_words}; "
        "none is recomputed from published counts alone."
    )


def _miss_reason(chapter: AlcaldeChapter, row: ScorecardRow, conv: BurdenConversion) -> str:
    if row.key == ("htb_to_ltb_conversion_p", COMPARISON) and conv.no_table_prints:
        return (
            " No count table consistent with the printed percentages gives the printed "
            "p (see above): the miss belongs to the abstract, not to the cohort."
        )
    if row.unit == "p" and chapter.horizon:
        return (
            f" The synthetic test uses follow-up up to {chapter.horizon:g} months only; the "
            "study's test (not named) may have used longer follow-up, which the abstract does "
            "not describe and the cohort cannot reproduce without assumptions."
        )
    if row.key == ("efs_12mo", "achieved_ltb"):
        return (
            " The abstract's figure for this group cannot hold together with the one for "
            "all patients with LTB at infusion (see the check above)"
            + (", so the generator did not fit it." if chapter.roles else ".")
        )
    return ""


def scorecard_misses(
    chapter: AlcaldeChapter, rows: list[ScorecardRow], conv: BurdenConversion
) -> Markdown:
    """The rows that miss, each with its published and reproduced value and, where known,
    why."""
    misses = []
    for r in rows:
        if r.match:
            continue
        unit = "%" if r.unit == "%" else ""
        misses.append(
            f"- *{r.statistic}*: published {scorecard_value(r.published)}{unit}, "
            f"here {scorecard_value(r.reproduced)}{unit}." + _miss_reason(chapter, r, conv)
        )
    if not misses:
        return Markdown("Every row matches.")
    return Markdown("The rows that miss:\n\n" + "\n".join(misses))
