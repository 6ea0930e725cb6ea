"""Cross-study report functions: what the intro, the evidence page and the synthesis show.

Everything here is read from ``data/published`` (the four studies' files and, kept apart,
``related.csv``) or computed exactly from it; nothing is synthetic. The functions return
data (dicts of numbers, DataFrames); the pages word and format them.

* :func:`prior_exposure_and_bridging` — what ROCCA's exposure means in time: how many
  InO-exposed patients had InO only before apheresis and how many as bridging, the
  published intervals to apheresis and infusion, and the estimates that belong to each;
* :func:`alcalde_bridging_power` — the only direct bridging comparison (Alcalde-Mellado):
  which true 12-month EFS differences its group sizes could detect (exact Fisher power,
  the same analysis as the Alcalde-Mellado bridging chapter);
* :func:`post_exposure_covariates` and :func:`exposure_estimates_as_bounds` — ROCCA's
  adjusted model and the terms in it that come after InO exposure (mediators), and the crude
  and adjusted estimates read as bounds;
* :func:`safety_comparisons` — ROCCA's severe CRS/ICANS, 30-day and SOS deaths with
  Newcombe intervals, power and fragility (from ``studies.rocca.safety``);
* :func:`related_evidence_table` — the related studies' abstracts as a labelled evidence
  table, results as printed.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from inoreport import published
from inoreport.stats import evidence
from inoreport.stats import small_cohorts as burden
from inoreport.stats.contingency import clopper_pearson
from inoreport.stats.tables import format_number, format_p

__all__ = [
    "alcalde_bridging_power",
    "answers_glue",
    "exposure_estimates_as_bounds",
    "post_exposure_covariates",
    "prior_exposure_and_bridging",
    "related_evidence_table",
    "related_shown",
    "safety_comparisons",
    "safety_glue",
    "safety_shown",
    "studies_at_a_glance",
    "twelve_month_event_free",
]

ROCCA, ALCALDE = "rocca", "alcalde_mellado"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"


def _v(study: str, quantity: str, group: str | None = None, variant: str | None = None):
    return published.value(study, quantity, group, variant)


def prior_exposure_and_bridging() -> dict[str, float]:
    """ROCCA's InO exposure split by timing, and the estimates that go with each part.

    Keys (counts in patients, ``*_pct`` in percent of the 102 exposed, days in days):
    ``n_exposed``, ``n_naive``, ``preapheresis_only`` / ``_pct`` (InO only before apheresis),
    ``bridging`` / ``_pct`` (InO between apheresis and lymphodepletion), of whom
    ``bridging_with_preapheresis`` also had it before apheresis and
    ``bridging_without_preapheresis`` did not; ``days_to_apheresis_median`` / ``_min`` /
    ``_max`` (pre-apheresis InO to apheresis) and ``days_to_infusion_median`` / ``_min`` /
    ``_max`` (last bridging dose to infusion); ``hr`` / ``hr_low`` / ``hr_high`` (adjusted
    PFS hazard ratio for *any* prior InO, model 1); ``timing_pfs_p`` / ``timing_os_p``
    (bridging vs pre-apheresis-only, both InO-exposed); ``alcalde_n_ino`` /
    ``alcalde_n_chemo`` (Alcalde-Mellado's bridging arms).
    """
    hr = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    timing = "ino_bridging_vs_ino_preapheresis_only"
    out = {
        "n_exposed": _v(ROCCA, "n_patients", EXPOSED),
        "n_naive": _v(ROCCA, "n_patients", NAIVE),
        "preapheresis_only": _v(ROCCA, "ino_preapheresis_only_count", EXPOSED),
        "preapheresis_only_pct": _v(ROCCA, "ino_preapheresis_only_pct", EXPOSED),
        "bridging": _v(ROCCA, "ino_bridging_count", EXPOSED),
        "bridging_pct": _v(ROCCA, "ino_bridging_pct", EXPOSED),
        "bridging_with_preapheresis": _v(ROCCA, "ino_bridging_with_preapheresis_count", EXPOSED),
        "bridging_without_preapheresis": _v(
            ROCCA, "ino_bridging_without_preapheresis_count", EXPOSED
        ),
        "hr": float(hr["value"]),
        "hr_low": float(hr["ci_low"]),
        "hr_high": float(hr["ci_high"]),
        "timing_pfs_p": _v(ROCCA, "pfs_p", timing),
        "timing_os_p": _v(ROCCA, "os_p", timing),
        "alcalde_n_ino": _v(ALCALDE, "n_patients", "ino_arm"),
        "alcalde_n_chemo": _v(ALCALDE, "n_patients", "chemo_arm"),
    }
    for key, quantity in (
        ("days_to_apheresis", "days_preapheresis_ino_to_apheresis"),
        ("days_to_infusion", "days_bridging_ino_to_infusion"),
    ):
        for stat in ("median", "min", "max"):
            out[f"{key}_{stat}"] = _v(ROCCA, f"{quantity}_{stat}", EXPOSED)
    return out


def alcalde_bridging_power(power: float = 0.8, alpha: float = 0.05) -> dict[str, float]:
    """What Alcalde-Mellado's bridging arms could detect in 12-month EFS (exact Fisher power).

    The comparator (chemotherapy bridging) is fixed at its published 12-month EFS; the true
    EFS with InO bridging varies. Best case: nobody censored before 12 months, so EFS status
    at 12 months is a binary outcome (the Alcalde-Mellado bridging chapter's analysis, on the
    same published numbers). Returns proportions (0–1) and counts: ``n_ino``, ``n_chemo``,
    ``efs_ino``, ``efs_chemo`` (published), ``detectable_below`` (the highest true InO EFS
    that the test detects with ``power``; NaN if none), ``detectable_above`` (the lowest above
    the comparator; NaN if no advantage however large reaches ``power``),
    ``power_at_20_point_deficit`` (power if the true InO EFS were 20 points below the
    comparator), and ``power``, ``alpha``.
    """
    n_ino = int(_v(ALCALDE, "n_patients", "ino_arm"))
    n_chemo = int(_v(ALCALDE, "n_patients", "chemo_arm"))
    efs_ino = _v(ALCALDE, "efs_12mo", "ino_arm") / 100
    efs_chemo = _v(ALCALDE, "efs_12mo", "chemo_arm") / 100

    def power_at(true_ino: float) -> float:
        return burden.power_fisher(true_ino, efs_chemo, n_ino, n_chemo, alpha)

    regions = burden.power_regions(power_at, 0.0, 1.0, target=power)
    below = [end for _, end in regions if end is not None and end < efs_chemo]
    above = [start for start, _ in regions if start is not None and start > efs_chemo]
    return {
        "n_ino": n_ino,
        "n_chemo": n_chemo,
        "efs_ino": efs_ino,
        "efs_chemo": efs_chemo,
        "detectable_below": max(below) if below else math.nan,
        "detectable_above": min(above) if above else math.nan,
        "power_at_20_point_deficit": power_at(max(efs_chemo - 0.2, 0.0)),
        "power": power,
        "alpha": alpha,
    }


def post_exposure_covariates() -> pd.DataFrame:
    """Terms of ROCCA's adjusted PFS model that are measured after InO exposure begins.

    One row per term: ``term``, ``hr`` / ``ci_low`` / ``ci_high`` (published, model 2 of
    Figure 3), ``when`` (when the covariate is fixed relative to InO exposure), ``why_mediator``
    (how InO exposure can change it) and ``evidence`` (the published numbers that show it
    does). Adjusting for a variable on the path from exposure to outcome removes the part of
    the effect that runs through it, so these terms pull the adjusted InO hazard ratio towards
    1 when InO harms through them.
    """
    cons = {g: _v(ROCCA, "consolidation_pct", g) for g in (EXPOSED, NAIVE)}
    cons_n = {g: _v(ROCCA, "consolidation_count", g) for g in (EXPOSED, NAIVE)}
    cons_p = published.get(ROCCA, "consolidation_p", f"{EXPOSED}_vs_{NAIVE}")["printed"]
    bridging = _v(ROCCA, "ino_bridging_count", EXPOSED)
    rows = []
    for quantity, term, when, why, shown in (
        (
            "hr_pfs_consolidation_hct",
            "Consolidation with transplant after response",
            "after brexu-cel response (months after InO)",
            "fewer InO-exposed responders went on to consolidation; the authors link this to "
            "physicians' concern about SOS after InO",
            f"consolidation or maintenance in {cons_n[EXPOSED]:.0f} ({cons[EXPOSED]:g}%) of "
            f"exposed vs {cons_n[NAIVE]:.0f} ({cons[NAIVE]:g}%) of naïve responders, "
            f"p = {cons_p}",
        ),
        (
            "hr_pfs_consolidation_tki",
            "Consolidation with a TKI after response",
            "after brexu-cel response (months after InO)",
            "part of the same consolidation decision",
            "as above (TKI consolidation applies to Ph-positive disease)",
        ),
        (
            "hr_pfs_bridging_therapy",
            "Any bridging therapy",
            "between apheresis and lymphodepletion",
            f"for {bridging:.0f} InO-exposed patients the bridging therapy was InO itself",
            f"{bridging:.0f} of {_v(ROCCA, 'n_patients', EXPOSED):.0f} exposed patients had "
            "InO as bridging",
        ),
    ):
        hr = published.get(ROCCA, quantity, "model_2")
        rows.append(
            {
                "term": term,
                "hr": float(hr["value"]),
                "ci_low": float(hr["ci_low"]),
                "ci_high": float(hr["ci_high"]),
                "when": when,
                "why_mediator": why,
                "evidence": shown,
            }
        )
    return pd.DataFrame(rows)


def exposure_estimates_as_bounds(scale: str = "log-log", level: float = 0.95) -> pd.DataFrame:
    """ROCCA's crude and adjusted PFS hazard ratios for prior InO, each with its main bias.

    ``estimate`` is ``crude`` (the hazard ratio implied by the published 12-month PFS of each
    arm, ln S_exposed / ln S_naive, assuming proportional hazards; CI from the published
    landmark CIs on ``scale``) or ``adjusted`` (published, model 1). Columns ``hr``,
    ``ci_low``, ``ci_high``, ``bias`` (in words) and ``direction`` (``away from 1`` /
    ``towards 1``). Neither is InO's own effect: confounding by indication inflates the
    crude estimate, adjustment for mediators deflates the adjusted one.
    """
    triples = {}
    for g in (EXPOSED, NAIVE):
        row = published.get(ROCCA, "pfs_12mo", g)
        triples[g] = (row["value"] / 100, row["ci_low"] / 100, row["ci_high"] / 100)
    crude = evidence.landmark_hazard_ratio(triples[EXPOSED], triples[NAIVE], scale, level)
    adjusted = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    return pd.DataFrame(
        [
            {
                "estimate": "crude",
                "hr": crude.estimate,
                "ci_low": crude.ci_low,
                "ci_high": crude.ci_high,
                "bias": "confounding by indication: InO went to patients with more active, "
                "more heavily pretreated, more often Ph-negative disease",
                "direction": "away from 1",
            },
            {
                "estimate": "adjusted",
                "hr": float(adjusted["value"]),
                "ci_low": float(adjusted["ci_low"]),
                "ci_high": float(adjusted["ci_high"]),
                "bias": "over-adjustment: consolidation after response and any bridging "
                "therapy come after InO exposure and can carry part of its effect",
                "direction": "towards 1",
            },
        ]
    )


def safety_comparisons() -> pd.DataFrame:
    """ROCCA's severe CRS and ICANS, 30-day and SOS deaths, with what the tests could exclude.

    The rows and columns of :func:`inoreport.studies.rocca.safety.severe_toxicity_table` and
    :func:`~inoreport.studies.rocca.safety.early_and_sos_deaths` (counts, percent, exposed
    minus naïve difference in percentage points with Newcombe 95% limits, published p and
    what it tests), joined with
    :func:`~inoreport.studies.rocca.safety.what_the_tests_can_exclude` (``power_observed``,
    ``detectable_exposed_pct``, ``fragility_kind``, ``fragility``).
    """
    from inoreport.studies.rocca import safety

    table = pd.concat(
        [safety.severe_toxicity_table(), safety.early_and_sos_deaths()], ignore_index=True
    )
    limits = safety.what_the_tests_can_exclude()
    return table.merge(limits, on=["outcome", "basis"], how="left", validate="one_to_one")


# --- Related studies ---------------------------------------------------------------------

#: How a comparison's result reads in the evidence table: ``[quantity/group]`` is replaced by
#: that row's ``printed`` text, so every number shown is the abstract's own.
_RESULT_TEMPLATES = {
    ("zuma3_prior_therapy", ""): "[n_patients/all] (phases 1 and 2); CR/CRi [cr_cri_pct/all]; "
    "median follow-up [follow_up_median/all] (range [follow_up_min/all]–[follow_up_max/all])",
    ("zuma3_prior_therapy", "across prior-therapy subgroups"): "grade ≥3 CRS, neurological "
    "events and treatment-related grade 5 events \u201c[severe_toxicity_across_subgroups/all]\u201d",
    ("cibmtr_tisagenlecleucel", ""): "[n_patients/all] patients treated; among "
    "[n_patients/follow_up_12mo_plus] with ≥12 months of follow-up (median "
    "[follow_up_median/follow_up_12mo_plus]): best CR/CRi [best_cr_cri_pct/follow_up_12mo_plus], "
    "RFS [rfs_12mo/follow_up_12mo_plus] at 12 and [rfs_24mo/follow_up_12mo_plus] at 24 months, "
    "OS [os_12mo/follow_up_12mo_plus] and [os_24mo/follow_up_12mo_plus]",
    ("cibmtr_tisagenlecleucel", "disease burden below 50% marrow blasts vs higher"): (
        "[burden_below_50pct_association/all] (high burden, ≥50% marrow blasts, in "
        "[high_burden_pct/age_18_plus] of patients aged ≥18 and [high_burden_pct/age_under_18] "
        "of those <18)"
    ),
    ("cart_failure_adults", ""): "[n_patients/all] adults; median time to progression "
    "[progression_time_median/all]; median survival after progression "
    "[os_after_progression_median/all]; [salvage_count/all] ([salvage_pct/all]) given salvage "
    "treatment, [cr_after_salvage_count/salvage] ([cr_after_salvage_pct/salvage]) of them in CR, "
    "remissions short; [cr_after_blinatumomab_or_ino_count/blinatumomab_and_or_ino] "
    "([cr_after_blinatumomab_or_ino_pct/blinatumomab_and_or_ino]) in CR after blinatumomab "
    "and/or InO",
}
_FIELD = re.compile(r"\[(\w+)/(\w+)\]")


def _result_text(facts: pd.DataFrame, study: str, comparison: str) -> str:
    """One comparison's result, in the abstract's printed numbers and words."""
    rows = facts[(facts["study"] == study) & (facts["status"] == "published")]
    template = _RESULT_TEMPLATES.get((study, comparison))
    if template is None:
        group = rows[rows["comparison"] == comparison]
        if (group["unit"] == "statement").all():
            return "; ".join(group["printed"])
        if len(group) == 2 and (group["unit"] == "percent").all():
            a, b = group.iloc[0], group.iloc[1]
            label = a["quantity"].removesuffix("_pct").replace("cr_cri", "CR/CRi")
            return f"{label} {a['printed']} (n = {a['n']}) vs {b['printed']} (n = {b['n']})"
        raise KeyError(f"related.csv, study {study!r}, comparison {comparison!r}: no wording")

    def printed(match: re.Match) -> str:
        quantity, group = match.groups()
        return str(published.related_get(study, quantity, group)["printed"])

    return _FIELD.sub(printed, template)


def related_evidence_table() -> pd.DataFrame:
    """The related studies' abstracts as an evidence table, one row per comparison.

    Columns: ``study`` (short name), ``reference`` (bibliography key), ``product``,
    ``population``, ``comparison`` (``whole cohort`` where the abstract compares nothing),
    ``result`` (as printed: numbers and words from the abstract; *derived* rows are left
    out), ``caveat`` (what the abstract does not give), ``source`` (the abstract). Never
    mixed with the four studies' numbers.
    """
    names = {
        "zuma3_prior_therapy": "ZUMA-3, post hoc by prior therapy",
        "cibmtr_tisagenlecleucel": "CIBMTR registry, real-world tisagenlecleucel",
        "cart_failure_adults": "Adults progressing after CD19 CAR-T, single centre",
    }
    facts = published.related()
    out = []
    for study in facts["study"].unique():
        rows = facts[facts["study"] == study]
        first = rows.iloc[0]
        for comparison, group in rows.groupby("comparison", sort=False):
            published_rows = group[group["status"] == "published"]
            if published_rows.empty:
                continue
            notes = sorted(
                {
                    part.strip()
                    for note in published_rows["note"]
                    for part in note.split(";")
                    if _is_caveat(part)
                }
            )
            out.append(
                {
                    "study": names.get(study, study),
                    "reference": first["reference"],
                    "product": first["product"],
                    "population": first["population"],
                    "comparison": comparison or "whole cohort",
                    "result": _result_text(facts, study, comparison),
                    "caveat": "; ".join(notes),
                    "source": first["source"],
                }
            )
    return pd.DataFrame(out)


def _is_caveat(note: str) -> bool:
    return any(
        word in note
        for word in ("no test", "no numbers", "no hazard ratio", "not reported", "no effect size")
    )


# --- What the synthesis page shows -------------------------------------------------------


def _percent(value: float, digits: int = 0) -> str:
    """A number already in percent (0–100) as text with a % sign."""
    return format_number(value, digits) + "%"


def _p_printed(study: str, quantity: str, group: str) -> str:
    """The p-value as the paper prints it, in the book's form: "p = .013"."""
    printed = str(published.get(study, quantity, group)["printed"]).strip()
    if printed.startswith(("<", ">")):
        return f"p {printed[0]} {printed[1:].strip().lstrip('0')}"
    return f"p = {printed.lstrip('0')}"


def _where(study: str, quantity: str, group: str | None = None, variant: str | None = None) -> str:
    """The number's source in brackets when that is not the study's own text, else ""."""
    label = published.provenance(study, quantity, group, variant)
    return f" ({label})" if label else ""


def _hr_text(hr: float, low: float, high: float) -> str:
    return f"{hr:.2f} ({low:.2f}–{high:.2f})"


def studies_at_a_glance() -> pd.DataFrame:
    """The four studies side by side (Table 1 of the synthesis), from their published numbers.

    One column per study, one row per field (design, patients, population, CAR-T product,
    InO timing, endpoint, main result, Oxford 2011 level of evidence); text only.
    """
    hr = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    timing = prior_exposure_and_bridging()
    studies = {
        "ROCCA (Aldoss 2024)": {
            "Design": "Retrospective multicentre registry (31 US centres)",
            "Patients": f"{_v(ROCCA, 'n_patients', 'all'):.0f} "
            f"({_v(ROCCA, 'n_patients', EXPOSED):.0f} InO-exposed)",
            "Population": "Adults, relapsed/refractory B-ALL",
            "CAR-T": "Brexucabtagene autoleucel",
            "InO timing": f"Any time before CAR-T: {timing['preapheresis_only']:.0f} only before "
            f"apheresis (median {timing['days_to_apheresis_median']:.0f} days before it), "
            f"{timing['bridging']:.0f} as bridging",
            "Endpoint": "PFS, OS from infusion",
            "Main result": f"12-month PFS {_percent(_v(ROCCA, 'pfs_12mo', EXPOSED))} exposed vs "
            f"{_percent(_v(ROCCA, 'pfs_12mo', NAIVE))} naive "
            f"({_p_printed(ROCCA, 'pfs_p', f'{EXPOSED}_vs_{NAIVE}')}); adjusted HR "
            f"{_hr_text(hr['value'], hr['ci_low'], hr['ci_high'])} for any prior InO",
            "Level": "3, confounded by indication",
        },
        "Alcalde-Mellado 2025": {
            "Design": "Non-randomised comparison of bridging types; further design details not "
            "in the abstract",
            "Patients": f"{_v(ALCALDE, 'n_patients', 'all'):.0f} "
            f"({_v(ALCALDE, 'n_patients', 'ino_arm'):.0f} InO bridging)",
            "Population": "Relapsed/refractory B-ALL",
            "CAR-T": "Tisagenlecleucel",
            "InO timing": "Bridging (apheresis to infusion)",
            "Endpoint": "EFS at 12 months, CAR-T expansion",
            "Main result": f"12-month EFS {_percent(_v(ALCALDE, 'efs_12mo', 'ino_arm'), 1)} InO vs "
            f"{_percent(_v(ALCALDE, 'efs_12mo', 'chemo_arm'), 1)} chemotherapy "
            f"({_p_printed(ALCALDE, 'efs_12mo_p', 'ino_arm_vs_chemo_arm')}); high-to-low burden "
            f"{_percent(_v(ALCALDE, 'htb_to_ltb_conversion_pct', 'ino_arm'))} vs "
            f"{_percent(_v(ALCALDE, 'htb_to_ltb_conversion_pct', 'chemo_arm'), 1)}",
            "Level": "3, very small; abstract only",
        },
        "Aertgeerts 2025": {
            "Design": "Case series (abstract only)",
            "Patients": f"{_v('aertgeerts', 'n_patients', 'all'):.0f} children",
            "Population": "Paediatric BCP-ALL relapsing after CAR-T",
            "CAR-T": "Tisagenlecleucel (before InO)",
            "InO timing": "After CAR-T failure, bridge to allo-HSCT",
            "Endpoint": "Remission, transplant, follow-up",
            "Main result": "All in CR after one InO cycle and transplanted; all in CR at last "
            "follow-up",
            "Level": "4, no comparator",
        },
        "Jabbour 2023": {
            "Design": "Single-arm phase 2 trial, one centre",
            "Patients": f"{_v('jabbour', 'n_patients', 'all'):.0f}",
            "Population": "Newly diagnosed Ph-negative B-ALL, age 60 or more",
            "CAR-T": "No CAR-T",
            "InO timing": "First line, with mini-hyper-CVD ± blinatumomab",
            "Endpoint": "PFS (primary), OS",
            "Main result": f"5-year PFS {_percent(_v('jabbour', 'pfs_5y', 'all'), 1)}"
            f"{_where('jabbour', 'pfs_5y', 'all')}, OS {_percent(_v('jabbour', 'os_5y', 'all'), 1)}"
            f"{_where('jabbour', 'os_5y', 'all')}",
            "Level": "4 for comparisons, single arm; paper not available, numbers from secondary "
            "reports",
        },
    }
    frame = pd.DataFrame(studies)
    frame.columns.name = "Study"
    return frame


def twelve_month_event_free() -> pd.DataFrame:
    """The published survival without an event 12 months after infusion, by group.

    ROCCA's 12-month PFS and Alcalde-Mellado's 12-month EFS (different endpoints), with the
    published 95% CI where one exists (NaN otherwise). Columns ``section`` (study and
    endpoint), ``label`` (group), ``value``, ``ci_low``, ``ci_high`` in percent.
    """
    points = [
        ("ROCCA (PFS)", ROCCA, "pfs_12mo", [
            ("InO-exposed (any time)", EXPOSED), ("InO-naive", NAIVE),
            ("InO responders", "ino_responder"), ("InO refractory", "ino_refractory"),
        ]),
        ("Alcalde-Mellado (EFS)", ALCALDE, "efs_12mo", [
            ("InO bridging", "ino_arm"), ("Chemotherapy bridging", "chemo_arm"),
            ("Low burden at infusion", "ltb_at_infusion"),
            ("High burden at infusion", "htb_at_infusion"),
        ]),
    ]  # fmt: skip
    rows = []
    for section, study, quantity, groups in points:
        for label, group in groups:
            r = published.get(study, quantity, group)
            rows.append(
                {
                    "section": section,
                    "label": label,
                    "value": float(r["value"]),
                    "ci_low": float(r["ci_low"]),
                    "ci_high": float(r["ci_high"]),
                }
            )
    return pd.DataFrame(rows)


def answers_glue(scale: str = "log-log") -> dict[str, str]:
    """The numbers the synthesis's answers quote, as text keyed by glue name (``syn_*``).

    ROCCA's crude 12-month PFS difference (from the published landmark CIs on ``scale``),
    its adjusted hazard ratio under the standard priors, the timing of InO exposure
    (:func:`prior_exposure_and_bridging`), the power of Alcalde-Mellado's bridging comparison
    (:func:`alcalde_bridging_power`), the crude hazard ratio of
    :func:`exposure_estimates_as_bounds`, and the single-arm studies' headline numbers (each
    with its source where that is not the study's own text).
    """
    glue = {}
    triples = {}
    for g in (EXPOSED, NAIVE):
        row = published.get(ROCCA, "pfs_12mo", g)
        triples[g] = (row["value"] / 100, row["ci_low"] / 100, row["ci_high"] / 100)
    diff = evidence.landmark_difference(triples[EXPOSED], triples[NAIVE], scale=scale)
    direction = "lower" if diff.estimate < 0 else "higher"
    low, high = sorted((abs(100 * diff.ci_low), abs(100 * diff.ci_high)))
    glue["syn_rocca_diff"] = f"{abs(100 * diff.estimate):.0f} percentage points {direction}"
    glue["syn_rocca_diff_ci"] = f"{low:.0f} to {high:.0f} points {direction}"

    hr = published.get(ROCCA, "hr_pfs_ino_exposed", "model_1")
    likelihood = evidence.log_ratio_normal(hr["value"], hr["ci_low"], hr["ci_high"])
    priors = evidence.standard_priors(factor="prior InO")
    post = evidence.posterior_table({"exposure": likelihood}, priors).set_index("prior")
    glue["syn_hr"] = _hr_text(hr["value"], hr["ci_low"], hr["ci_high"])
    glue["syn_sceptic_median"] = f"{post.loc['sceptical', 'median']:.2f}"
    for prior in ("vague", "sceptical"):
        glue[f"syn_p_harm_{prior}"] = f"{100 * post.loc[prior, 'p_above_1']:.0f}%"
        glue[f"syn_p_harm125_{prior}"] = f"{100 * post.loc[prior, 'p_above_1.25']:.0f}%"

    glue.update(_alcalde_glue())
    glue.update(_single_arm_glue())
    timing = prior_exposure_and_bridging()
    for key in ("n_exposed", "preapheresis_only", "bridging", "bridging_with_preapheresis",
                "days_to_apheresis_median", "days_to_apheresis_min", "days_to_apheresis_max",
                "days_to_infusion_median", "days_to_infusion_min", "days_to_infusion_max"):  # fmt: skip
        glue[f"syn_t_{key}"] = f"{timing[key]:.0f}"
    glue["syn_t_preapheresis_pct"] = f"{timing['preapheresis_only_pct']:.0f}%"
    glue["syn_t_timing_pfs_p"] = f"{timing['timing_pfs_p']:g}".lstrip("0")
    glue["syn_t_timing_os_p"] = f"{timing['timing_os_p']:g}".lstrip("0")
    bounds = exposure_estimates_as_bounds().set_index("estimate")
    glue["syn_crude_hr"] = _hr_text(*bounds.loc["crude", ["hr", "ci_low", "ci_high"]])
    return glue


def _alcalde_glue() -> dict[str, str]:
    """Alcalde-Mellado's arms, burden conversion, EFS by burden and bridging power."""
    power = alcalde_bridging_power()
    above = power["detectable_above"]
    return {
        "syn_alc_n_ino": f"{_v(ALCALDE, 'n_patients', 'ino_arm'):.0f}",
        "syn_alc_n_chemo": f"{_v(ALCALDE, 'n_patients', 'chemo_arm'):.0f}",
        "syn_conv_ino": _percent(_v(ALCALDE, "htb_to_ltb_conversion_pct", "ino_arm")),
        "syn_conv_chemo": _percent(_v(ALCALDE, "htb_to_ltb_conversion_pct", "chemo_arm"), 1),
        "syn_conv_p": f"{_v(ALCALDE, 'htb_to_ltb_conversion_p', 'ino_arm_vs_chemo_arm'):g}",
        "syn_efs_ltb": _percent(_v(ALCALDE, "efs_12mo", "ltb_at_infusion"), 1),
        "syn_efs_htb": _percent(_v(ALCALDE, "efs_12mo", "htb_at_infusion")),
        "syn_alc_efs_ino": _percent(100 * power["efs_ino"], 1),
        "syn_alc_efs_chemo": _percent(100 * power["efs_chemo"], 1),
        "syn_alc_detect_below": _percent(100 * power["detectable_below"]),
        "syn_alc_power20": _percent(100 * power["power_at_20_point_deficit"]),
        "syn_alc_detect_above": "no advantage for InO, however large, would have reached that power"
        if pd.isna(above)
        else f"an advantage would have needed an EFS with InO of {_percent(100 * above)} or more",
    }


def _single_arm_glue() -> dict[str, str]:
    """Aertgeerts' case series (with its exact CI) and Jabbour's 5-year and by-age results."""
    n = int(_v("aertgeerts", "n_patients", "all"))
    low, high = clopper_pearson(n, n)
    ages = [("60–64", "age_60_64", None), ("65–69", "age_65_69", None),
            ("70 or more", "age_70_plus", "three_groups")]  # fmt: skip
    versus = "age_60_64_vs_65_69_vs_70_plus"
    os_by_age = ", ".join(
        f"{label}: {_v('jabbour', 'os_median', group, variant):g} months"
        for label, group, variant in ages
    )
    return {
        "syn_aert_n": f"{n}",
        "syn_aert_ci": f"{100 * low:.0f}–{100 * high:.0f}%",
        "syn_jab_crd5": _percent(_v("jabbour", "crd_5y", "all"), 1)
        + _where("jabbour", "crd_5y", "all"),
        "syn_jab_pfs5": _percent(_v("jabbour", "pfs_5y", "all"), 1)
        + _where("jabbour", "pfs_5y", "all"),
        "syn_jab_os_age": f"{os_by_age}; {_p_printed('jabbour', 'os_median_p', versus)}"
        + _where("jabbour", "os_median_p", versus),
    }


def _whole_points(x: float) -> str:
    """Percentage points, whole and signed, with a true minus ("0" for a zero)."""
    text = f"{x:+.0f}"
    return "0" if text in ("+0", "-0") else text.replace("-", "\u2212")


def safety_shown(safety: pd.DataFrame) -> pd.DataFrame:
    """:func:`safety_comparisons` as a reader sees it (Table 2 of the synthesis): counts and
    percent per arm, the difference in points with its Newcombe 95% CI, the published p with
    what it compares (or the recomputed chi-square p where none is printed), the power and
    the exposed rate needed for 80%, and the fragility in words."""

    def counts(k, n):
        return f"{k}/{n} ({100 * k / n:.0f}%)"

    def p_cell(r):
        if r.published_p_text:
            return f"p = {r.published_p_text.lstrip('0')} ({r.published_p_tests})"
        return f"none printed; recomputed p = {format_p(r.chi2_p, 2)} (chi-square)"

    def fragility_cell(r):
        who = f"{r.fragility} patient{'s' if r.fragility != 1 else ''}"
        if r.fragility_kind == "fragility":
            return f"not significant if {who} fewer had the event"
        return f"significant if {who} had another outcome"

    rows = list(safety.itertuples())
    return pd.DataFrame(
        {
            "Outcome": [f"{r.outcome}, among {r.basis}" for r in rows],
            "InO-exposed": [counts(r.exposed_events, r.exposed_n) for r in rows],
            "InO-naïve": [counts(r.naive_events, r.naive_n) for r in rows],
            "Difference, points (95% CI)": [
                f"{_whole_points(r.difference_pp)} ({_whole_points(r.ci_low_pp)} to "
                f"{_whole_points(r.ci_high_pp)})"
                for r in rows
            ],
            "Published p (what it compares)": [p_cell(r) for r in rows],
            "Power at the observed rates; exposed rate needed for 80%": [
                f"{100 * r.power_observed:.0f}%; {r.detectable_exposed_pct:.0f}% or more"
                for r in rows
            ],
            "Fragility (chi-square)": [fragility_cell(r) for r in rows],
        }
    )


def safety_glue(safety: pd.DataFrame) -> dict[str, str]:
    """The safety numbers the synthesis quotes (``saf_*``), from :func:`safety_comparisons`,
    ROCCA's SOS deaths and the related ZUMA-3 abstract's words."""
    by = safety.set_index(["outcome", "basis"])
    icans_e = by.loc[("Grade 3–4 ICANS", "patients with ICANS")]
    icans_a = by.loc[("Grade 3–4 ICANS", "all infused patients")]
    crs_e = by.loc[("Grade 3–4 CRS", "patients with CRS")]
    early = by.loc[("Death within 30 days of infusion", "all infused patients")]
    sos = safety["outcome"].str.startswith("Death from SOS")

    def against(r):
        return (
            f"{r.exposed_events}/{r.exposed_n} ({r.exposed_pct:.0f}%) against "
            f"{r.naive_events}/{r.naive_n} ({r.naive_pct:.0f}%)"
        )

    early_pct = {g: _v(ROCCA, "early_death_30d_pct", g) for g in (EXPOSED, NAIVE)}
    zuma = published.related_get("zuma3_prior_therapy", "severe_toxicity_across_subgroups")
    zuma_ino = published.related_get("zuma3_prior_therapy", "cr_cri_pct", "prior_ino")
    return {
        "saf_icans": against(icans_e),
        "saf_icans_p": icans_e.published_p_text.lstrip("0"),
        "saf_icans_all": f"{icans_a.exposed_pct:.0f}% against {icans_a.naive_pct:.0f}%",
        "saf_icans_all_ci": f"{_whole_points(icans_a.ci_low_pp)} to "
        f"{_whole_points(icans_a.ci_high_pp)}",
        "saf_crs": against(crs_e),
        "saf_crs_p": crs_e.published_p_text.lstrip("0"),
        "saf_crs_ci": f"{_whole_points(crs_e.ci_low_pp)} to {_whole_points(crs_e.ci_high_pp)}",
        "saf_early": f"{early.exposed_events}/{early.exposed_n} ({early_pct[EXPOSED]:g}%) "
        f"against {early.naive_events}/{early.naive_n} ({early_pct[NAIVE]:g}%)",
        "saf_early_p": early.published_p_text.lstrip("0"),
        "saf_early_hi": f"{early.ci_high_pp:.0f}",
        "saf_early_power": f"{100 * early.power_observed:.0f}%",
        "saf_early_detect": f"{early.detectable_exposed_pct:.0f}%",
        "saf_sos_all": f"{_v(ROCCA, 'sos_deaths_count', 'all'):.0f}",
        "saf_sos_exposed": f"{_v(ROCCA, 'sos_deaths_count', EXPOSED):.0f}",
        "saf_max_fragility": f"{int(safety.loc[~sos, 'fragility'].max())}",
        "saf_zuma_words": zuma["printed"],
        "saf_zuma_n_ino": f"{zuma_ino['n']}",
    }


def related_shown() -> pd.DataFrame:
    """:func:`related_evidence_table` as a reader sees it (Table 3 of the synthesis): the
    study, product, population and source shown once per block of rows, and each result as
    printed with its caveat."""
    related = related_evidence_table()
    shown = pd.DataFrame(
        {
            "Study": related["study"],
            "Product": related["product"],
            "Population": related["population"],
            "Comparison": related["comparison"],
            "Result as printed": [
                r.result + (f" ({r.caveat})" if r.caveat else "") for r in related.itertuples()
            ],
            "Source": related["source"],
        }
    )
    repeated = shown["Study"].duplicated(keep="first")
    shown.loc[repeated, ["Study", "Product", "Population", "Source"]] = ""
    return shown
