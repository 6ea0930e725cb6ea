"""The bridging chapter (``notebooks/alcalde_bridging.md``): CAR-T expansion, CD8+
stem-cell-memory share and event-free survival (EFS) by bridging arm, what a series of this
size can detect, and the reproduction scorecard.

Every function takes the chapter's run (:class:`~.chapter.AlcaldeChapter`) and returns a
result, a table, a figure as shown on the page, or the glue values its prose quotes.
Expansion is in CAR-T cells per µL, SCM share in % of CD8+ CAR-T cells, times in months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.page import Markdown
from inoreport.book.results import ScorecardRow
from inoreport.cohort import Cohort
from inoreport.figures.plots import FigureHTML, show
from inoreport.figures.transitions import distribution_plot, power_curve_plot
from inoreport.stats import small_cohorts
from inoreport.stats.causal import schoenfeld_events
from inoreport.stats.printed import p_matches
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.studies.alcalde_mellado import chapter as common
from inoreport.studies.alcalde_mellado.chapter import (
    COMPARISON,
    PUBLISHED_ARMS,
    STUDY,
    AlcaldeChapter,
    in_prose,
    p_text,
    percent_text,
    printed,
    pub,
)
from inoreport.studies.alcalde_mellado.horizon import censored_at
from inoreport.synthetic.common import keyed

NAME = "alcalde_bridging"


def published_table(chapter: AlcaldeChapter) -> pd.DataFrame:
    """The abstract's numbers for the bridging comparison, as printed (one row each:
    patients, median expansion, EFS at the landmark, the SCM p-value)."""
    rows = [
        ("Patients", "n_patients", None),
        ("CAR-T expansion, median (CAR-T cells/µL)", "car_t_expansion_median", "car_t_expansion_p"),
        (f"EFS at {chapter.landmark:g} months (%)", "efs_12mo", "efs_12mo_p"),
        ("CD8+ stem-cell-memory CAR-T at peak", None, "cd8_scm_at_peak_p"),
    ]

    def shown(quantity, group):
        return published.get(STUDY, quantity, group)["printed"] if quantity else "not given"

    return pd.DataFrame(
        [
            {
                "": label,
                "InO (published)": shown(quantity, "ino_arm"),
                "Chemotherapy/steroids (published)": shown(quantity, "chemo_arm"),
                "p (test not stated)": shown(p_quantity, COMPARISON) if p_quantity else "",
            }
            for label, quantity, p_quantity in rows
        ]
    )


# ------------------------------------------------------------------------------ expansion


@dataclass(frozen=True)
class Expansion:
    """Expansion by arm in the cohort, and what the published p alone says.

    ``test``: exact Mann–Whitney test in the cohort (first arm vs second); ``consistent``:
    the Mann–Whitney statistics W that give the printed p with the published arm sizes,
    InO lower (:func:`~inoreport.stats.small_cohorts.rank_sum_consistent`); ``w_published``:
    the first of them (None if none does).
    """

    first: np.ndarray
    second: np.ndarray
    test: small_cohorts.RankSumTest
    published_median: dict[str, float]
    published_p: float
    n_published: tuple[int, int]
    consistent: pd.DataFrame

    @property
    def w_published(self) -> int | None:
        return int(self.consistent["w"].iloc[0]) if len(self.consistent) else None


def expansion(chapter: AlcaldeChapter) -> Expansion:
    """Peak CAR-T expansion by arm (cells/µL) and the exact reading of the published p."""
    data, arms = chapter.data, chapter.arms
    values = [data.loc[data["group"] == g, "expansion"].dropna().to_numpy() for g in arms]
    p = pub("car_t_expansion_p", COMPARISON)
    n_a, n_b = (int(pub("n_patients", g)) for g in PUBLISHED_ARMS)
    decimals = int(published.get(STUDY, "car_t_expansion_p", COMPARISON)["decimals"])
    consistent = small_cohorts.rank_sum_consistent(n_a, n_b, p, decimals)
    return Expansion(
        first=values[0],
        second=values[1],
        test=small_cohorts.rank_sum_test(values[0], values[1]),
        published_median={
            chapter.arm_of[g]: pub("car_t_expansion_median", g) for g in PUBLISHED_ARMS
        },
        published_p=p,
        n_published=(n_a, n_b),
        consistent=consistent[consistent["superiority"] < 0.5].reset_index(drop=True),
    )


def expansion_figure(chapter: AlcaldeChapter, result: Expansion) -> FigureHTML:
    """Every patient's expansion by arm (log axis when all positive), the published medians
    as diamonds, the exact Mann–Whitney p above."""
    data = chapter.data
    fig = distribution_plot(
        data.dropna(subset=["expansion"]),
        "expansion",
        "group",
        chapter.arms,
        reference=result.published_median,
        log=bool((data["expansion"].dropna() > 0).all()),
        ylabel="CAR-T expansion",
        unit="CAR-T cells/µL",
        annotation=f"Mann–Whitney, exact: p = {p_text(result.test.p)}{chapter.tag}",
        synthetic=chapter.synthetic,
    )
    caption = f"CAR-T expansion by bridging arm{chapter.tag}; diamonds: published medians."
    return show(fig, caption=caption)


def expansion_glue(chapter: AlcaldeChapter, result: Expansion) -> dict[str, object]:
    """Glue values of the expansion section (medians in cells/µL, p-values, W)."""
    arms, test = chapter.arms, result.test
    n_a, n_b = result.n_published
    w_text = (
        f"W = {test.statistic:g} of {len(result.first) * len(result.second)} pairs "
        f"(exact p = {test.p:.4f})"
    )
    first = result.consistent.iloc[0] if len(result.consistent) else None
    return {
        "n_a": len(result.first),
        "n_b": len(result.second),
        "exp_med_a": f"{float(np.median(result.first)):.1f}",
        "exp_med_b": f"{float(np.median(result.second)):.1f}",
        "exp_pub_a": f"{result.published_median[arms[0]]:g}",
        "exp_pub_b": f"{result.published_median[arms[1]]:g}",
        "exp_p": p_text(test.p),
        "exp_ties": " (conditional on the tied values)" if test.ties else "",
        "w_cohort": Markdown(
            f"The synthetic cohort was fitted to the printed p and has {w_text}."
            if chapter.roles
            else f"Your cohort has {w_text}."
        ),
        "exp_pub_p": f"{result.published_p:g}",
        "w_values": ", ".join(str(int(w)) for w in result.consistent["w"]),
        "w_pairs": n_a * n_b,
        "w_sup": percent_text(float(first["superiority"]), 0) if first is not None else "NA",
        "w_p": f"{float(first['p']):.4f}" if first is not None else "NA",
        "n_pub_a": n_a,
        "n_pub_b": n_b,
    }


# ------------------------------------------------------------------------------ EFS by arm


@dataclass(frozen=True)
class EFSByArm:
    """Kaplan–Meier EFS by arm, the log-rank test (follow-up up to the calibrated horizon
    on the synthetic cohort, all of it otherwise) and the estimates at the landmark."""

    km: object
    logrank: object
    landmarks: pd.DataFrame
    difference: object


def efs_by_arm(chapter: AlcaldeChapter) -> EFSByArm:
    """EFS by bridging arm (months)."""
    data, arms, horizon = chapter.data, chapter.arms, chapter.horizon
    km = kaplan_meier(data, "time", "event", by="group", order=arms)
    test = logrank(censored_at(data, horizon) if horizon else data, "time", "event", "group")
    return EFSByArm(
        km=km,
        logrank=test,
        landmarks=km.landmarks([chapter.landmark]).set_index("group"),
        difference=small_cohorts.landmark_difference(km, chapter.landmark, arms[0], arms[1]),
    )


def efs_figure(chapter: AlcaldeChapter, result: EFSByArm) -> FigureHTML:
    """Kaplan–Meier EFS by arm with the number at risk; past the calibrated horizon the
    curves are drawn as extrapolated."""
    horizon, landmark = chapter.horizon, chapter.landmark
    fig = common.efs_plot(chapter, result.km, logrank=result.logrank)
    horizon_words = (
        f" Fitted to the published {landmark:g}-month EFS only: beyond {horizon:g} months the "
        "curves are extrapolated (grey, dashed), and the log-rank p uses follow-up up to "
        f"{horizon:g} months."
        if horizon
        else ""
    )
    return show(fig, caption=f"Event-free survival by bridging arm{chapter.tag}.{horizon_words}")


def efs_table(chapter: AlcaldeChapter, result: EFSByArm) -> pd.DataFrame:
    """Per arm: published EFS at the landmark, the cohort's Kaplan–Meier estimate with its
    95% CI (%), and the number at risk then."""
    landmark, rows = chapter.landmark, []
    for g in PUBLISHED_ARMS:
        arm = chapter.arm_of[g]
        m = result.landmarks.loc[arm]
        rows.append(
            {
                "Arm": arm,
                f"Published EFS at {landmark:g} months": f"{pub('efs_12mo', g):g}%",
                f"This cohort{chapter.tag}": f"{percent_text(m['survival'])} "
                f"({percent_text(m['ci_low'], 0)} to {percent_text(m['ci_high'], 0)})",
                "At risk": int(m["n_risk"]),
            }
        )
    return pd.DataFrame(rows)


def efs_glue(chapter: AlcaldeChapter, result: EFSByArm) -> dict[str, object]:
    """Glue values of the EFS section (estimates in %, p-values) and the sentence on the
    log-rank p: fitted to the published one on the book's cohort, checked against it (does
    it print the same?) on any other."""
    p, p_printed = result.logrank.p, printed("efs_12mo_p", COMPARISON)
    words = f"p = {p_text(p)} (published p = {p_printed}; the abstract names no test)"
    if chapter.roles and chapter.role("efs_12mo_p", COMPARISON) == "calibrated":
        sentence = (
            f"Its log-rank test of InO against chemotherapy/steroids, on follow-up up to "
            f"{chapter.horizon:g} months (the part the cohort was fitted to), gives {words}. "
            "The cohort was fitted to that p as well, read as a log-rank test over those "
            "months, so the match shows the construction, not the study."
        )
    else:
        verdict = "prints as" if p_matches(p, p_printed) else "does not print as"
        sentence = (
            f"Its log-rank test of InO against chemotherapy/steroids gives {words}, which "
            f"{verdict} the published value."
        )
    return {
        "efs_a": percent_text(result.difference.survival_first),
        "efs_b": percent_text(result.difference.survival_second),
        "efs_pub_a": f"{pub('efs_12mo', 'ino_arm'):g}%",
        "efs_pub_b": f"{pub('efs_12mo', 'chemo_arm'):g}%",
        "efs_p": p_text(p),
        "efs_pub_p": f"{pub('efs_12mo_p', COMPARISON):g}",
        "efs_p_sentence": Markdown(sentence),
    }


# ------------------------------------------------------------------------------ CD8+ SCM


def scm_test(chapter: AlcaldeChapter):
    """Exact Mann–Whitney test of the CD8+ SCM share (%) between the arms; None when the
    cohort has no ``cd8_scm`` values."""
    data = chapter.data
    if "cd8_scm" not in data.columns or not data["cd8_scm"].notna().any():
        return None
    a, b = (data.loc[data["group"] == g, "cd8_scm"].dropna().to_numpy() for g in chapter.arms)
    return small_cohorts.rank_sum_test(a, b)


def scm_figure(chapter: AlcaldeChapter, test) -> FigureHTML:
    """Every patient's CD8+ SCM share by arm, with the exact Mann–Whitney p."""
    fig = distribution_plot(
        chapter.data.dropna(subset=["cd8_scm"]),
        "cd8_scm",
        "group",
        chapter.arms,
        ylabel="CD8+ SCM CAR-T cells at peak",
        unit="% of CD8+ CAR-T",
        annotation=f"Mann–Whitney, exact: p = {p_text(test.p)}{chapter.tag}",
        synthetic=chapter.synthetic,
    )
    caption = (
        f"CD8+ stem-cell-memory share by bridging arm{chapter.tag}; no published values exist."
    )
    return show(fig, caption=caption)


def scm_glue(chapter: AlcaldeChapter, test) -> dict[str, object]:
    """Glue values of the SCM section: the published p and the sentence on the cohort."""
    published_p = pub("cd8_scm_at_peak_p", COMPARISON)
    arms, data = chapter.arms, chapter.data
    if test is None:
        text = "This cohort has no `cd8_scm` column, so the comparison is not shown."
    elif chapter.synthetic:
        text = (
            "The synthetic shares were drawn from an assumed distribution and fitted only to "
            f"the published p (exact Mann–Whitney p = {p_text(test.p)} here, InO vs "
            f"{in_prose(arms[1])}; published p = {published_p:g}), so their level and spread "
            "say nothing about the patients."
        )
    else:
        a, b = (data.loc[data["group"] == g, "cd8_scm"].median() for g in arms)
        text = (
            f"In {chapter.this_cohort} the median share is {a:.1f}% with "
            f"{in_prose(arms[0])} and {b:.1f}% with {in_prose(arms[1])}; the "
            f"exact Mann–Whitney test gives p = {p_text(test.p)} (published "
            f"p = {published_p:g})."
        )
    return {"scm_pub_p": f"{published_p:g}", "scm_text": Markdown(text)}


# ------------------------------------------------------------------------------ power


@dataclass(frozen=True)
class Power:
    """Power to detect a difference in EFS at the landmark with the published arm sizes,
    the comparator fixed at its published EFS (proportions, 0–1).

    ``curves``: [value, power, method], power against the true EFS with InO; ``reach``:
    per method, the intervals of that EFS where power is at least 80%; ``follow_up``: the
    uniform accrual window (months) assumed by the log-rank simulation.
    """

    first: float
    second: float
    n: tuple[int, int]
    follow_up: tuple[float, float]
    curves: pd.DataFrame
    reach: dict[str, list]
    fisher: str
    logrank: str


def power(chapter: AlcaldeChapter, n_sim: int = 2000, seed: int = 7) -> Power:
    """Power curves of the exact Fisher test on landmark status (no censoring) and of a
    simulated log-rank test (exponential EFS, follow-up uniform from the landmark to the
    cohort's last follow-up, an assumption), from the published numbers only."""
    landmark = chapter.landmark
    p_a, p_b = (pub("efs_12mo", g) / 100 for g in PUBLISHED_ARMS)
    n_a, n_b = (int(pub("n_patients", g)) for g in PUBLISHED_ARMS)
    follow_up = (landmark, max(landmark, float(chapter.data["time"].max())))
    fisher = f"exact Fisher test on {landmark:g}-month status (no censoring)"
    lr = (
        f"log-rank test, exponential EFS, follow-up {follow_up[0]:g}–{follow_up[1]:.0f} "
        "months (simulated)"
    )
    power_of = {
        fisher: lambda v: small_cohorts.power_fisher(v, p_b, n_a, n_b),
        lr: lambda v: small_cohorts.logrank_power(
            v, p_b, n_a, n_b, landmark, follow_up, n_sim=n_sim, seed=seed
        ),
    }
    reach = {
        fisher: small_cohorts.power_regions(power_of[fisher], 0.0, 1.0),
        lr: small_cohorts.power_regions(power_of[lr], 0.001, 0.999),
    }
    grid = np.round(np.arange(0.01, 0.991, 0.01), 3)
    curves = pd.DataFrame(
        [
            {"value": v, "power": power_of[method](float(v)), "method": method}
            for method in (fisher, lr)
            for v in grid
        ]
    )
    return Power(p_a, p_b, (n_a, n_b), follow_up, curves, reach, fisher, lr)


def power_figure(chapter: AlcaldeChapter, result: Power) -> FigureHTML:
    """Power against the true EFS with InO, one line per test; dots where 80% is reached."""
    arms, landmark = chapter.arms, chapter.landmark
    fig = power_curve_plot(
        result.curves,
        reference=result.second,
        reference_label=f"{arms[1]} {100 * result.second:g}%",
        observed=result.first,
        observed_label=f"{arms[0]} {100 * result.first:g}%",
        xlabel=f"True {landmark:g}-month EFS with {arms[0]} (%)",
        reach=result.reach,
        digits=0,
    )
    n_a, n_b = result.n
    return show(
        fig,
        caption=f"Power to detect a difference in {landmark:g}-month EFS with {n_a} and "
        f"{n_b} patients, at the 5% level, against the true EFS with InO (comparator fixed "
        "at its published value). Dots: where each curve reaches 80% power.",
    )


def _below(regions, comparator):
    # the region reaching the target below the comparator: its upper end
    ends = [end for start, end in regions if end is not None and end < comparator]
    return max(ends) if ends else math.nan


def _above(regions, comparator):
    # the region reaching the target above the comparator: its lower end
    starts = [s for s, end in regions if s is not None and s > comparator]
    return min(starts) if starts else math.nan


def _signed(x: float, digits: int) -> str:
    # a signed number with a true minus sign
    return f"{x:+.{digits}f}".replace("-", "−")


def power_glue(result: Power) -> dict[str, object]:
    """Glue values of the power section: the published difference and its best-case 95%
    CI (percentage points, nobody censored before the landmark), the EFS with InO at which
    each test reaches 80% power, and the events a log-rank test would need."""
    p_a, p_b = result.first, result.second
    n_a, n_b = result.n
    z = 1.959964
    se_best = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    low_fisher = _below(result.reach[result.fisher], p_b)
    high_fisher = _above(result.reach[result.fisher], p_b)
    low_lr = _below(result.reach[result.logrank], p_b)
    high_lr = _above(result.reach[result.logrank], p_b)
    decisive = min(p_b - low_fisher, (high_fisher - p_b) if not math.isnan(high_fisher) else 1.0)
    lr_parts = (
        f"{percent_text(low_lr, 0)} or lower" if not math.isnan(low_lr) else "",
        f"{percent_text(high_lr, 0)} or higher" if not math.isnan(high_lr) else "",
    )
    hr = math.log(p_a) / math.log(p_b)
    return {
        "diff_pub": _signed(100 * (p_a - p_b), 1),
        "diff_pub_ci": f"{_signed(100 * (p_a - p_b - z * se_best), 0)} to "
        f"{_signed(100 * (p_a - p_b + z * se_best), 0)}",
        "fu_max": f"{result.follow_up[1]:.0f}",
        "detect_low": percent_text(low_fisher, 0),
        "detect_low_gap": f"{100 * (p_b - low_fisher):.0f}",
        "detect_high": "no advantage for InO, however large, reaches 80% power"
        if math.isnan(high_fisher)
        else f"an advantage for InO reaches 80% power only at {percent_text(high_fisher, 0)} "
        "or higher",
        "decisive": f"{100 * decisive:.0f}",
        "detect_lr": Markdown(" or ".join(part for part in lr_parts if part) or "no value"),
        "hr_pub": f"{hr:.2f}",
        "events_needed": f"{schoenfeld_events(hr, allocation=n_a / (n_a + n_b)):,.0f}",
        "power_20": percent_text(small_cohorts.power_fisher(p_b - 0.2, p_b, n_a, n_b), 0),
        "comparator_pct": f"{100 * p_b:g}%",
        "minus20_pct": f"{100 * (p_b - 0.2):.1f}%",
    }


# ------------------------------------------------------------------------------ scorecard


def scorecard(chapter: AlcaldeChapter, exp: Expansion, efs: EFSByArm, scm) -> list[ScorecardRow]:
    """The chapter's reproduction scorecard, each row keyed by its published number.

    The expansion p is scored once, as the exact row (recomputed from the group sizes): the
    synthetic cohort was fitted to it, and a calibrated row would count it twice. Roles come
    from the generator's record by key (:meth:`~.chapter.AlcaldeChapter.role`).
    """
    landmark, note, horizon = chapter.landmark, chapter.note, chapter.horizon
    n_a, n_b = exp.n_published
    w = exp.w_published
    rows = [
        ScorecardRow(
            "CAR-T expansion p, recomputed from the group sizes (exact Mann–Whitney)",
            exp.published_p,
            round(float(exp.consistent["p"].iloc[0]), 4) if w is not None else None,
            "exact",
            w is not None,
            tolerance="rounds to the printed p",
            unit="p",
            source=chapter.source("car_t_expansion_p"),
            note=f"Mann–Whitney W (U) = {w} of {n_a * n_b} pairs, if the test was exact and "
            f"untied; {note}: W = {exp.test.statistic:g}, p = {exp.test.p:.4f}",
            quantity="car_t_expansion_p",
            group=COMPARISON,
        )
    ]
    data = chapter.data
    for g in PUBLISHED_ARMS:
        arm, published_median = chapter.arm_of[g], pub("car_t_expansion_median", g)
        reproduced = float(np.median(data.loc[data["group"] == arm, "expansion"].dropna()))
        row = ScorecardRow(
            f"CAR-T expansion median, {in_prose(arm)}",
            published_median,
            round(reproduced, 1),
            chapter.role("car_t_expansion_median", g),
            abs(reproduced / published_median - 1) <= 0.05,
            tolerance="within 5%",
            unit="cells/µL",
            source=chapter.source("car_t_expansion_median"),
            note=note,
        )
        rows.append(keyed(row, ("car_t_expansion_median", g)))
    rows += chapter.landmark_rows(
        "efs_12mo",
        [
            (
                f"EFS at {landmark:g} months, {in_prose(arm)}",
                g,
                efs.landmarks.loc[arm, "survival"],
            )
            for g, arm in chapter.arm_of.items()
        ],
    )
    rows.append(
        chapter.p_row(
            f"EFS p (log-rank, follow-up to {horizon:g} months)" if horizon else "EFS p (log-rank)",
            "efs_12mo_p",
            COMPARISON,
            efs.logrank.p,
        )
    )
    if scm is not None:
        rows.append(
            chapter.p_row(
                "CD8+ SCM share at peak p (exact Mann–Whitney)",
                "cd8_scm_at_peak_p",
                COMPARISON,
                scm.p,
            )
        )
    return rows


def scorecard_caption(chapter: AlcaldeChapter, rows: list[ScorecardRow]) -> str:
    """The scorecard's caption: which rows use published numbers only, which the cohort."""
    n_exact = sum(r.role == "exact" for r in rows)
    return (
        "Reproduction scorecard. "
        + ("The exact row uses " if n_exact == 1 else f"The {n_exact} exact rows use ")
        + f"published numbers only; the other {len(rows) - n_exact} rows are computed on "
        + f"{chapter.cohort_words}."
    )


def open_chapter(cohort: Cohort, landmarks) -> AlcaldeChapter:
    """The chapter's run on ``cohort`` (read with ``get_chapter("alcalde_bridging")``);
    ``landmarks``: EFS landmarks in months (the first is used)."""
    return common.open_chapter(NAME, cohort, landmarks)
