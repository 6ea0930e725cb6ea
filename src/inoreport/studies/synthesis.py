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

__all__ = [
    "alcalde_bridging_power",
    "exposure_estimates_as_bounds",
    "post_exposure_covariates",
    "prior_exposure_and_bridging",
    "related_evidence_table",
    "safety_comparisons",
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
