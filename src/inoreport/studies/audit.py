"""Checking the published numbers against each other.

Everything here reads ``data/published`` through :mod:`inoreport.published` and recomputes
what can be recomputed from the printed counts with :mod:`inoreport.stats.contingency`:

* :func:`percent_checks` — does each printed percentage follow from its count and
  denominator; where a denominator (or count) is not printed, which ones are consistent;
* :func:`rocca_pvalues` — every categorical p-value of ROCCA recomputed under Pearson's
  chi-square without and with Yates' correction and Fisher's exact test, and
  :func:`rocca_test_used`, the test that reproduces them;
* :func:`alcalde_conversion_tables` — the count tables consistent with 80% vs 28.6% and the
  p-value of each under every plausible two-group test;
* :func:`exact_cis` — Clopper–Pearson intervals for proportions printed without one;
* :func:`sum_checks`, :func:`range_checks`, :func:`findings` — internal inconsistencies;
* :func:`audit_rows` / :func:`write` — the machine-readable result ``audit.json``.

Unlike the statistics modules this one is about the four studies by design: it names
their quantities (ids in ``data/published``), never their numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

from inoreport import published
from inoreport.stats.contingency import (
    clopper_pearson,
    consistent_counts,
    fisher_exact,
    fisher_mid_p,
    likelihood_ratio_chi2,
    pearson_chi2,
    rounds_to,
)

__all__ = [
    "GROUP_LABELS",
    "STEM_LABELS",
    "TESTS",
    "TWO_SIDED_TESTS",
    "VARIANT_LABELS",
    "alcalde_conversion_tables",
    "alcalde_efs_tables",
    "alcalde_trajectory_check",
    "audit_rows",
    "candidate_pvalues",
    "exact_cis",
    "findings",
    "group_label",
    "label",
    "quantity_label",
    "p_matches",
    "percent_checks",
    "range_checks",
    "rocca_inferred_pvalues",
    "rocca_pvalues",
    "rocca_response_denominators",
    "rocca_test_used",
    "study_table",
    "sum_checks",
    "sum_label",
    "variant_label",
    "verdicts",
    "write",
]

#: The candidate tests for a categorical comparison, in the order they are reported.
TESTS = {
    "chi2": "Pearson chi-square",
    "chi2_yates": "Yates-corrected chi-square",
    "fisher": "Fisher exact",
}
#: Further tests tried where the counts themselves are unknown (2 x 2 only).
EXTRA_TESTS_2X2 = {
    "fisher_one_sided": "Fisher exact, one-sided",
    "fisher_mid_p": "Fisher mid-p",
    "g_test": "likelihood-ratio G",
    "barnard": "Barnard exact",
    "boschloo": "Boschloo exact",
}

#: The two-sided tests among all of them (the one-sided Fisher test is tried as well, but a
#: printed p is two-sided unless a paper says otherwise).
TWO_SIDED_TESTS = [t for t in {**TESTS, **EXTRA_TESTS_2X2} if t != "fisher_one_sided"]

EXPOSED, NAIVE = "ino_exposed", "ino_naive"
ARMS = (NAIVE, EXPOSED)


# ----------------------------------------------------------------------------- helpers
def _pub(study: str, quantity: str, group: str | None = None, variant: str | None = None):
    return published.value(study, quantity, group, variant)


def _int(study: str, quantity: str, group: str | None = None) -> int:
    return int(round(_pub(study, quantity, group)))


def _printed(study: str, quantity: str, group: str | None = None) -> tuple[str, float]:
    row = published.get(study, quantity, group)
    return row["printed"], float(row["value"])


def p_matches(p: float, printed: str) -> bool:
    """Does a computed p-value print as ``printed``?

    ``"<.0001"`` matches any p below 0.0001; otherwise p must round to the printed value at
    the printed number of decimals (either convention at an exact tie).
    """
    text = printed.strip()
    places = published.decimals(text)
    if places is None:
        raise ValueError(
            f"printed p-value {printed!r}; expected a number such as '0.03' or '<.0001'"
        )
    shown = float(text.lstrip("<>").strip())
    if text.startswith("<"):
        return p < shown
    if text.startswith(">"):
        return p > shown
    return abs(p - shown) <= 0.5 * 10.0 ** (-places) + 1e-12


def candidate_pvalues(table, extra: bool = False) -> dict[str, float]:
    """p-value of a table under each candidate test (``TESTS``; ``extra`` adds the 2 x 2 ones)."""
    table = np.asarray(table)
    out = {
        "chi2": pearson_chi2(table).p,
        "chi2_yates": pearson_chi2(table, correction=True).p,
        "fisher": fisher_exact(table),
    }
    if extra and table.shape == (2, 2):
        out["fisher_one_sided"] = min(
            stats.fisher_exact(table, alternative="greater").pvalue,
            stats.fisher_exact(table, alternative="less").pvalue,
        )
        out["fisher_mid_p"] = fisher_mid_p(table)
        out["g_test"] = likelihood_ratio_chi2(table).p
        out["barnard"] = float(stats.barnard_exact(table).pvalue)
        out["boschloo"] = float(stats.boschloo_exact(table).pvalue)
    return out


def _table_text(
    table: np.ndarray, rows: list[str], cols: tuple[str, str] = ("naive", "exposed")
) -> str:
    """Compact one-line form: 'Ph+ 36/19; Ph-like 14/20; ...' (first/second column)."""
    return "; ".join(f"{r} {a}/{b}" for r, (a, b) in zip(rows, table.tolist(), strict=True))


# ----------------------------------------------------------------------------- group sizes
#: (study, group) -> (quantity, group) holding the group's size.
GROUP_SIZE = {
    ("rocca", "all"): ("n_patients", "all"),
    ("rocca", NAIVE): ("n_patients", NAIVE),
    ("rocca", EXPOSED): ("n_patients", EXPOSED),
    ("rocca", "ino_responder"): ("ino_responders_count", EXPOSED),
    ("rocca", "ino_refractory"): ("ino_refractory_count", EXPOSED),
    ("rocca", "ino_bridging"): ("ino_bridging_count", EXPOSED),
    ("rocca", "ino_preapheresis_only"): ("ino_preapheresis_only_count", EXPOSED),
    ("alcalde_mellado", "all"): ("n_patients", "all"),
    ("alcalde_mellado", "ino_arm"): ("n_patients", "ino_arm"),
    ("alcalde_mellado", "chemo_arm"): ("n_patients", "chemo_arm"),
    ("aertgeerts", "all"): ("n_patients", "all"),
    ("jabbour", "all"): ("n_patients", "all"),
}


def group_size(study: str, group: str) -> int | None:
    """Number of patients in a group (from data/published), or None if not known."""
    key = GROUP_SIZE.get((study, group))
    return None if key is None else _int(study, *key)


# ----------------------------------------------------------------------------- percentages
#: Percent quantities whose count is not simply '<stem>_count' of the same group:
#: (study, quantity) -> list of (count quantity, count group or None = same group).
COUNT_FROM: dict[tuple[str, str], list[tuple[str, str | None]]] = {
    ("rocca", "ino_exposed_pct"): [("n_patients", EXPOSED)],
    ("rocca", "subtype_ph_neg_or_like_pct"): [
        ("subtype_ph_like_count", None),
        ("subtype_ph_neg_count", None),
    ],
    ("jabbour", "age_group_pct"): [("n_age_group", None)],
}
#: Percent quantities whose denominator is another quantity: -> (quantity, group or None).
#: Percent quantities whose denominator is another quantity, and why:
#: (study, quantity) -> (quantity, group or None = same group, basis).
DENOMINATOR_FROM: dict[tuple[str, str], tuple[str, str | None, str]] = {
    ("jabbour", "mrd_negative_pct"): ("n_mrd_eligible", "all", "printed"),
    # The p-values reproduce only with the whole arm as denominator (see rocca_pvalues);
    # the percentages fit it too.
    ("rocca", "tocilizumab_pct"): ("n_patients", None, "whole arm"),
    ("rocca", "steroids_pct"): ("n_patients", None, "whole arm"),
    ("rocca", "anakinra_pct"): ("n_patients", None, "whole arm"),
    ("rocca", "relapse_pct"): ("n_patients", None, "whole arm"),
}

#: What a quantity id names, in a reader's words (the id without its _pct/_count suffix).
#: Ids not listed here are spelled out word by word through :data:`_WORDS`.
STEM_LABELS = {
    "ino_exposed": "InO-exposed patients",
    "ino_preapheresis_only": "InO before apheresis only",
    "ino_bridging": "InO as bridging",
    "ino_bridging_with_preapheresis": "InO bridging after earlier InO",
    "ino_bridging_without_preapheresis": "InO bridging without earlier InO",
    "ino_responders": "Responded to InO",
    "ino_refractory": "Refractory to InO",
    "ino_not_assessed": "InO response not assessed",
    "age_18_39": "Age 18–39",
    "age_40_59": "Age 40–59",
    "age_60_plus": "Age 60 or older",
    "age_group": "Age group",
    "age": "Age (years)",
    "female": "Female",
    "race_nh_white": "Non-Hispanic white",
    "race_hispanic": "Hispanic",
    "race_black": "Black",
    "race_asian": "Asian",
    "race_other": "Other race or ethnicity",
    "subtype_ph_pos": "Ph-positive",
    "subtype_ph_like": "Ph-like",
    "subtype_ph_neg": "Ph-negative",
    "subtype_ph_neg_or_like": "Ph-negative or Ph-like",
    "status_active": "Active disease before apheresis",
    "status_cr_mrd_pos_unknown": "CR, MRD-positive or unknown",
    "status_cr_mrd_neg": "CR, MRD-negative",
    "status_missing": "Disease status missing",
    "blasts_lt25": "Marrow blasts <25%",
    "blasts_25_74": "Marrow blasts 25–74%",
    "blasts_ge75": "Marrow blasts ≥75%",
    "blasts_missing": "Marrow blasts missing",
    "emd_yes": "Extramedullary disease",
    "emd_no": "No extramedullary disease",
    "cns_yes": "CNS involvement",
    "cns_no": "No CNS involvement",
    "prior_blinatumomab": "Prior blinatumomab",
    "prior_hct": "Prior HCT",
    "prior_lines": "Prior lines of therapy",
    "crs_any": "CRS, any grade",
    "crs_grade_1_2": "CRS grade 1–2",
    "crs_grade_3_4": "CRS grade 3–4",
    "icans_any": "ICANS, any grade",
    "icans_grade_1_2": "ICANS grade 1–2",
    "icans_grade_3_4": "ICANS grade 3–4",
    "tocilizumab": "Tocilizumab",
    "steroids": "Steroids",
    "anakinra": "Anakinra",
    "early_death_30d": "Death within 30 days",
    "cr_cri": "CR/CRi after CAR-T",
    "mrd_negative": "MRD-negative",
    "mrd_negative_after_cycle1": "MRD-negative after cycle 1",
    "mrd_negative_early": "MRD-negative early",
    "consolidation": "Consolidation or maintenance",
    "relapse": "Relapse",
    "sos_deaths": "Deaths from SOS",
    "sos": "SOS",
    "hospital_days": "Days in hospital",
    "ino_doses_preapheresis": "InO doses before apheresis",
    "ino_doses_bridging": "InO doses as bridging",
    "days_preapheresis_ino_to_apheresis": "Days from InO to apheresis",
    "days_bridging_ino_to_infusion": "Days from bridging InO to infusion",
    "htb_to_ltb_conversion": "High to low tumour burden before infusion",
    "tisagenlecleucel_after_second_relapse": "Tisagenlecleucel after a second relapse",
    "tisagenlecleucel_refractory_first_relapse": "Tisagenlecleucel for refractory first relapse",
    "relapse_cd19neg_cd22pos": "Relapse CD19-negative, CD22-positive",
    "relapse_cd19pos_cd22pos": "Relapse CD19-positive, CD22-positive",
    "cr_after_ino_cycle1": "CR after one InO cycle",
    "mrd_negative_after_ino_cycle1": "MRD-negative after one InO cycle",
    "allo_hsct": "Allogeneic HSCT",
    "post_hsct_relapse": "Relapse after HSCT",
    "n_nonresponder": "Non-responders",
    "orr": "Overall response",
    "thrombocytopenia_grade_3_4": "Thrombocytopenia grade 3–4",
    "febrile_neutropenia_grade_3_4": "Febrile neutropenia grade 3–4",
    "deaths_infection": "Deaths from infection",
    "deaths_secondary_myeloid": "Deaths from a secondary myeloid neoplasm",
    "deaths_sos": "Deaths from SOS",
    "mortality_30d": "30-day mortality",
    "mortality_60d": "60-day mortality",
    "second_neoplasm_mds": "Second neoplasm: MDS",
    "second_neoplasm_acute_leukaemia": "Second neoplasm: acute leukaemia",
    "second_neoplasm_mixed_phenotype": "Second neoplasm: mixed phenotype",
    "second_neoplasm_age": "Age at second neoplasm (years)",
    "second_neoplasm_months": "Time to second neoplasm (months)",
    "median_followup": "Follow-up (months)",
    "pfs": "PFS (months)",
    "os": "OS (months)",
    "efs_12mo": "12-month EFS",
}
#: Groups in a reader's words.
GROUP_LABELS = {
    "all": "all patients",
    "ino_naive": "InO-naïve",
    "ino_exposed": "InO-exposed",
    "ino_responder": "InO responders",
    "ino_refractory": "InO-refractory",
    "ino_bridging": "bridging InO",
    "ino_preapheresis_only": "InO before apheresis only",
    "ino_arm": "InO bridging arm",
    "chemo_arm": "chemotherapy bridging arm",
    "ltb_at_infusion": "low burden at infusion",
    "htb_at_infusion": "high burden at infusion",
    "achieved_ltb": "reached low burden",
    "maintained_ltb": "stayed at low burden",
    "maintained_htb": "stayed at high burden",
    "age_60_64": "aged 60–64",
    "age_65_69": "aged 65–69",
    "age_70_plus": "aged 70 or older",
    "age_under_70": "aged under 70",
    "pre_amendment": "before the amendment",
    "post_amendment": "after the amendment",
    "ctg_high_risk": "high-risk cytogenetics",
    "ctg_not_high_risk": "other cytogenetics",
    "tp53_mutated": "TP53-mutated",
    "tp53_wild_type": "TP53 wild type",
}
#: Sources (variants) in a reader's words.
VARIANT_LABELS = {
    "": "main source",
    "abstract_iqr": "the abstract copy's IQR",
    "news_range": "the news report's range",
    "abstract_order": "the abstract",
    "news_order": "the news report",
    "three_groups": "three-age-group comparison",
    "two_groups": "two-age-group comparison",
    "ash2023_abstract": "ASH 2023 abstract",
    "eha2022": "EHA 2022 abstract",
    "table": "table",
    "text": "text",
}
#: Words in quantity ids not covered by STEM_LABELS, as a reader would write them.
_WORDS = {
    "ino": "InO",
    "crs": "CRS",
    "icans": "ICANS",
    "hct": "HCT",
    "hsct": "HSCT",
    "mrd": "MRD",
    "emd": "EMD",
    "cns": "CNS",
    "ph": "Ph",
    "orr": "ORR",
    "sos": "SOS",
    "teae": "",
    "alt": "ALT",
    "tki": "TKI",
    "cr": "CR",
    "cri": "CRi",
    "crp": "CRp",
    "efs": "EFS",
    "pfs": "PFS",
    "os": "OS",
    "crd": "CRD",
    "ltb": "LTB",
    "htb": "HTB",
    "tp53": "TP53",
    "n": "number",
    "mo": "months",
    "cd8": "CD8",
    "scm": "SCM",
    "mds": "MDS",
    "30d": "30-day",
    "60d": "60-day",
    "cycle1": "cycle 1",
}


def group_label(group: str | None) -> str:
    """A group id in words: 'ino_exposed' -> 'InO-exposed'; unknown ids lose their underscores."""
    if not group:
        return ""
    if group in GROUP_LABELS:
        return GROUP_LABELS[group]
    if "_vs_" in group:
        # comparisons abbreviate their groups: 'age_under_70_vs_70_plus',
        # 'pre_vs_post_amendment', 'ctg_high_risk_vs_not'
        parts = group.split("_vs_")
        head, *rest = parts[0].split("_")
        tail = parts[-1].split("_")
        words = []
        for part in parts:
            candidates = [part, f"{head}_{part}"]
            candidates += ["_".join([part, *tail[k:]]) for k in range(1, len(tail))]
            if part == "not":
                candidates.append("_".join([head, "not", *rest]))
            known = next((c for c in candidates if c in GROUP_LABELS), part)
            words.append(group_label(known) if known in GROUP_LABELS else known.replace("_", " "))
        return " vs ".join(words)
    return group.replace("_", " ")


def variant_label(variant: str | None) -> str:
    """A source (variant) id in words: 'ash2023_abstract' -> 'ASH 2023 abstract'."""
    variant = variant or ""
    return VARIANT_LABELS.get(variant, variant.replace("_", " "))


def _stem_and_unit(quantity: str) -> tuple[str, str, str]:
    """(stem, unit, statistic) of a quantity id: 'crs_any_pct' -> ('crs_any', '%', '')."""
    for suffix, unit in (("_pct_of_arm", "% of arm"), ("_pct", "%"), ("_count", ""), ("_p", "p")):
        if quantity.endswith(suffix):
            return quantity[: -len(suffix)], unit, ""
    for suffix in ("_median", "_months"):
        if quantity.endswith(suffix):
            stem = quantity[: -len(suffix)]
            stem = "median_followup" if quantity == "median_followup_months" else stem
            return stem, "", "median"
    return quantity, "", ""


def quantity_label(quantity: str) -> str:
    """A quantity id in words, without its group: 'subtype_ph_neg_pct' -> 'Ph-negative (%)'."""
    stem, unit, statistic = _stem_and_unit(quantity)
    if stem in STEM_LABELS:
        text = STEM_LABELS[stem]
    else:
        text = re.sub(r"(\d+)_(\d+)", r"\1–\2", stem)
        words = [_WORDS.get(w, w) for w in text.split("_")]
        text = " ".join(w for w in words if w)
        text = text[:1].upper() + text[1:]
    if statistic == "median":
        first = text.split(" ", 1)[0]
        # keep acronyms and 'InO' as written; lower-case an ordinary first word
        keep = first[1:] != first[1:].lower()
        text = "Median " + (text if keep else text[:1].lower() + text[1:])
    return f"{text} ({unit})" if unit else text


def label(quantity: str, group: str | None = None, variant: str = "") -> str:
    """A reader's label for a quantity id, its group and its source.

    ``subtype_ph_neg_pct`` [ino_exposed] -> 'Ph-negative, InO-exposed (%)';
    a source other than the main one is added after a semicolon ('…; ASH 2023 abstract').
    """
    text, unit = quantity_label(quantity), ""
    # the unit (or statistic) in brackets goes last: 'Median age, InO-naïve (years)'
    bracket = re.fullmatch(r"(.*) \(([^()]*)\)", text)
    if bracket:
        text, unit = bracket.groups()
    if group and group != "all":
        text += ", " + group_label(group)
    if unit:
        text += f" ({unit})"
    if variant:
        text += "; " + variant_label(variant)
    return text


def _lookup_count(
    study: str, quantity: str, group: str, variant: str, same_source_only: bool
) -> tuple[int | None, str]:
    """Count behind a percent row (and the quantity it came from), or (None, '').

    Tried in order: '<stem>_count' of the same group, then :data:`COUNT_FROM`; each first in
    the same variant, then (unless ``same_source_only``) in the preferred row.
    """
    candidates = [[(quantity.split("_pct", 1)[0] + "_count", None)]]
    if (study, quantity) in COUNT_FROM:
        candidates.append(COUNT_FROM[(study, quantity)])
    for specs in candidates:
        total, ok = 0, True
        for count_q, count_g in specs:
            g = count_g or group
            row = None
            for v in ([variant] if variant else []) + (
                [None] if not (variant and same_source_only) else []
            ):
                try:
                    row = published.get(study, count_q, g, v)
                    break
                except KeyError:
                    continue
            if row is None:
                ok = False
                break
            total += int(round(row["value"]))
        if ok:
            return total, " + ".join(q for q, _ in specs)
    return None, ""


def _joint_response_counts(study: str, quantity: str, group: str) -> tuple[int, int] | None:
    """ROCCA CR/CRi and consolidation: (count, denominator) when the joint inference is unique."""
    if study != "rocca" or quantity not in ("cr_cri_pct", "consolidation_pct"):
        return None
    pairs = rocca_response_denominators()
    pairs = pairs[pairs["group"] == group]
    if len(pairs) != 1:
        return None
    responders, evaluable = int(pairs["responders"].iloc[0]), int(pairs["evaluable"].iloc[0])
    if quantity == "cr_cri_pct":
        return responders, evaluable
    return _int("rocca", "consolidation_count", group), responders


def percent_checks(study: str | None = None) -> pd.DataFrame:
    """Every printed percentage against its count and denominator (see :func:`_percent_checks`)."""
    return _percent_checks_cached(study).copy()


@lru_cache(maxsize=8)
def _percent_checks_cached(study: str | None) -> pd.DataFrame:
    return _percent_checks(study)


def _percent_checks(study: str | None = None) -> pd.DataFrame:
    """Every printed percentage against its count and denominator.

    Columns: study, quantity, group, variant, statistic, published (percent), decimals,
    count, n, n_basis ('printed', 'inferred' = the only denominator that fits, 'inferred
    jointly', or '' when unresolved), recomputed (100 k / n), match (True/False; None when
    neither count nor denominator is printed, so nothing can disagree),
    consistent_denominators, consistent_counts, note. Kaplan–Meier landmarks are not
    proportions of a fixed denominator and are not included.
    """
    frame = published.load(study)
    pct_rows = frame[
        (frame["unit"] == "percent")
        & frame["quantity"].str.contains("_pct")
        & frame["status"].isin(["published", "related_report", "derived"])
        & frame["decimals"].notna()
    ]
    out = []
    for _, r in pct_rows.iterrows():
        s, q, g, v = r["study"], r["quantity"], r["group"], r["variant"]
        pct, places = float(r["value"]), int(r["decimals"])
        k, k_from = _lookup_count(s, q, g, v, same_source_only=r["status"] != "published")
        n, n_basis = (int(r["n"]), "printed") if not pd.isna(r["n"]) else (None, "")
        if n is None and (s, q) in DENOMINATOR_FROM:
            dq, dg, n_basis = DENOMINATOR_FROM[(s, q)]
            n = _int(s, dq, dg or g)
        joint = _joint_response_counts(s, q, g) if n is None else None
        bound = group_size(s, g)
        rec = dict(
            study=s,
            quantity=q,
            group=g,
            variant=v,
            statistic=f"{q} [{g}]" + (f" ({v})" if v else ""),
            label=label(q, g, v),
            status=r["status"],
            preferred=bool(r["preferred"]),
            count_basis="printed" if k is not None else "",
            published=pct,
            decimals=places,
            count=k,
            n=n,
            n_basis=n_basis,
            recomputed=None,
            match=None,
            consistent_denominators="",
            consistent_counts="",
            note="",
        )
        if joint is not None:
            k, n = joint
            rec.update(
                count=k,
                n=n,
                n_basis="inferred jointly",
                count_basis="inferred jointly" if q == "cr_cri_pct" else "printed",
                recomputed=100.0 * k / n,
            )
            rec["match"] = rounds_to(k, n, pct, places)
            rec["note"] = (
                f"{k}/{n}: the only responders/evaluable pair that fits both the CR/CRi rate and "
                "the consolidation percentage"
            )
        elif k is not None and n is not None:
            rec["recomputed"] = 100.0 * k / n
            rec["match"] = rounds_to(k, n, pct, places)
            rec["note"] = f"{k}/{n}" + (f" (count: {k_from})" if k_from and k_from != q else "")
        elif k is not None:
            upper = bound if bound is not None else max(k, 1) * 100
            dens = [m for m in range(max(k, 1), upper + 1) if rounds_to(k, m, pct, places)]
            rec["consistent_denominators"] = _compact(dens)
            rec["match"] = bool(dens)
            if len(dens) == 1:
                rec.update(n=dens[0], n_basis="inferred", recomputed=100.0 * k / dens[0])
            rec["note"] = (
                f"denominator not printed: {len(dens)} denominator(s) up to "
                f"{'the group size ' if bound else ''}{upper} give {pct:g}% from {k}"
            )
        elif n is not None:
            ks = consistent_counts(pct, places, n)
            rec["consistent_counts"] = _compact(ks)
            rec["match"] = bool(ks)
            if len(ks) == 1:
                rec.update(count=ks[0], recomputed=100.0 * ks[0] / n, count_basis="inferred")
            rec["note"] = f"count not printed: {len(ks)} count(s) out of {n} give {pct:g}%"
        elif bound is not None:
            ks = consistent_counts(pct, places, bound)
            dens = [m for m in range(1, bound + 1) if consistent_counts(pct, places, m)]
            rec["consistent_counts"] = _compact(ks)
            rec["consistent_denominators"] = _compact(dens)
            rec["note"] = (
                f"neither count nor denominator printed; {len(dens)} denominators up to the group "
                f"size {bound} are possible; with the whole group the count would be "
                f"{_compact(ks) or 'impossible'}"
            )
        else:
            rec["note"] = "neither count nor denominator printed, group size unknown"
        out.append(rec)
    return pd.DataFrame(out)


def _or_list(values: list[int]) -> str:
    """[85, 86, 87] -> '85, 86 or 87'."""
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " or " + text[-1]


def _compact(values: list[int], limit: int = 12) -> str:
    if len(values) <= limit:
        return ", ".join(str(v) for v in values)
    return ", ".join(str(v) for v in values[:limit]) + f", ... ({len(values)} in all)"


# ----------------------------------------------------------------------------- ROCCA tables
@dataclass(frozen=True)
class Comparison:
    """A printed p-value and the count table(s) it can be recomputed from."""

    statistic: str
    source: str
    p_quantity: str
    p_group: str
    printed: str
    published: float
    tables: list[np.ndarray]
    labels: list[str]
    basis: str
    handling: str = ""
    note: str = ""
    table_notes: list[str] = field(default_factory=list)


def rocca_response_denominators() -> pd.DataFrame:
    """Per arm, the (responders, evaluable) pairs consistent with the printed CR/CRi rate
    (one decimal) and the consolidation count with its percent of responders.

    Columns: group, responders, evaluable. The paper prints neither number.
    """
    out = []
    for arm in ARMS:
        size = group_size("rocca", arm)
        cr_printed, cr = _printed("rocca", "cr_cri_pct", arm)
        cons = _int("rocca", "consolidation_count", arm)
        cons_row = published.get("rocca", "consolidation_pct", arm)
        cr_places = published.decimals(cr_printed)
        for evaluable in range(1, size + 1):
            for responders in consistent_counts(cr, cr_places, evaluable):
                if responders >= cons and rounds_to(
                    cons, responders, float(cons_row["value"]), int(cons_row["decimals"])
                ):
                    out.append(dict(group=arm, responders=responders, evaluable=evaluable))
    return pd.DataFrame(out, columns=["group", "responders", "evaluable"])


def _consistent_denominators(k: int, pct_row: pd.Series, upper: int) -> list[int]:
    return [
        m
        for m in range(max(k, 1), upper + 1)
        if rounds_to(k, m, float(pct_row["value"]), int(pct_row["decimals"]))
    ]


def _two_arm(count_q: str, denominators: dict[str, int]) -> np.ndarray:
    """2 x 2 table [[events naive, events exposed], [non-events naive, non-events exposed]]."""
    k = [_int("rocca", count_q, arm) for arm in ARMS]
    return np.array([k, [denominators[a] - k[i] for i, a in enumerate(ARMS)]])


def _categories(stems: list[str]) -> np.ndarray:
    return np.array([[_int("rocca", f"{s}_count", arm) for arm in ARMS] for s in stems])


#: Table 1 variables: label, p quantity, category stems, missing stem, yes-only (complement)
TABLE1 = [
    (
        "Age group (18-39 / 40-59 / 60+)",
        "age_group_p",
        ["age_18_39", "age_40_59", "age_60_plus"],
        None,
    ),
    ("Sex (female)", "female_p", ["female"], None),
    (
        "Race/ethnicity (5 groups)",
        "race_p",
        ["race_nh_white", "race_hispanic", "race_black", "race_asian", "race_other"],
        None,
    ),
    (
        "Disease subtype (Ph+ / Ph-like / Ph-negative)",
        "subtype_p",
        ["subtype_ph_pos", "subtype_ph_like", "subtype_ph_neg"],
        None,
    ),
    (
        "Disease status before apheresis",
        "status_p",
        ["status_active", "status_cr_mrd_pos_unknown", "status_cr_mrd_neg"],
        "status_missing",
    ),
    (
        "Marrow blasts before apheresis",
        "blasts_p",
        ["blasts_lt25", "blasts_25_74", "blasts_ge75"],
        "blasts_missing",
    ),
    ("Extramedullary disease", "emd_p", ["emd_yes", "emd_no"], None),
    ("CNS involvement", "cns_p", ["cns_yes", "cns_no"], None),
    ("Prior blinatumomab", "prior_blinatumomab_p", ["prior_blinatumomab"], None),
    ("Prior HCT", "prior_hct_p", ["prior_hct"], None),
]
TABLE2_GRADES = [
    ("CRS grade 1-2 vs 3-4 (patients with CRS)", "crs_grade_p", ["crs_grade_1_2", "crs_grade_3_4"]),
    (
        "ICANS grade 1-2 vs 3-4 (patients with ICANS)",
        "icans_grade_p",
        ["icans_grade_1_2", "icans_grade_3_4"],
    ),
]
#: Yes/no outcomes whose denominator is the whole arm.
ARM_OUTCOMES = [
    ("Tocilizumab", "tocilizumab_p", "tocilizumab_count", "Table 2"),
    ("Steroids", "steroids_p", "steroids_count", "Table 2"),
    ("Anakinra", "anakinra_p", "anakinra_count", "Table 2"),
    (
        "Death within 30 days of infusion",
        "early_death_30d_p",
        "early_death_30d_count",
        "Table 2 and text",
    ),
]
#: Yes/no outcomes whose denominator is not printed and is inferred from the percentage.
INFERRED_OUTCOMES = [
    ("CRS, any grade (evaluable patients)", "crs_any_p", "crs_any_count", "crs_any_pct", "Table 2"),
    (
        "ICANS, any grade (evaluable patients)",
        "icans_any_p",
        "icans_any_count",
        "icans_any_pct",
        "Table 2",
    ),
    ("Relapse after response", "relapse_p", "relapse_count", "relapse_pct", "text"),
]


def _comparisons() -> list[Comparison]:
    cmp_group = f"{EXPOSED}_vs_{NAIVE}"
    sizes = {arm: group_size("rocca", arm) for arm in ARMS}
    out: list[Comparison] = []

    def p_of(q: str) -> tuple[str, float]:
        return _printed("rocca", q, cmp_group)

    for label, pq, stems, missing in TABLE1:
        printed, p = p_of(pq)
        if len(stems) == 1:
            table = _two_arm(f"{stems[0]}_count", sizes)
            rows = ["yes", "no"]
            out.append(
                Comparison(
                    label, "Table 1", pq, cmp_group, printed, p, [table], rows, "printed counts"
                )
            )
            continue
        table = _categories(stems)
        if missing is None:
            out.append(
                Comparison(
                    label, "Table 1", pq, cmp_group, printed, p, [table], stems, "printed counts"
                )
            )
            unaccounted = np.array([sizes[a] for a in ARMS]) - table.sum(axis=0)
            if unaccounted.any():
                # categories that fall short of the arm: were those patients tested as "unknown"?
                out.append(
                    Comparison(
                        label,
                        "Table 1",
                        pq,
                        cmp_group,
                        printed,
                        p,
                        [np.vstack([table, unaccounted])],
                        [*stems, "unaccounted"],
                        "printed counts",
                        handling="unaccounted patients as a category",
                        note=f"categories add to {table.sum(axis=0).tolist()}, arms {[sizes[a] for a in ARMS]}",
                    )
                )
        else:
            with_missing = np.vstack([table, _categories([missing])])
            out.append(
                Comparison(
                    label,
                    "Table 1",
                    pq,
                    cmp_group,
                    printed,
                    p,
                    [with_missing],
                    [*stems, missing],
                    "printed counts",
                    handling="Missing as a category",
                )
            )
            out.append(
                Comparison(
                    label,
                    "Table 1",
                    pq,
                    cmp_group,
                    printed,
                    p,
                    [table],
                    stems,
                    "printed counts",
                    handling="Missing excluded",
                )
            )
    for label, pq, stems in TABLE2_GRADES:
        printed, p = p_of(pq)
        out.append(
            Comparison(
                label,
                "Table 2",
                pq,
                cmp_group,
                printed,
                p,
                [_categories(stems)],
                stems,
                "printed counts",
            )
        )
    for label, pq, count_q, source in ARM_OUTCOMES:
        printed, p = p_of(pq)
        out.append(
            Comparison(
                label,
                source,
                pq,
                cmp_group,
                printed,
                p,
                [_two_arm(count_q, sizes)],
                ["yes", "no"],
                "printed counts",
                note="denominator: whole arm",
            )
        )
    for label, pq, count_q, pct_q, source in INFERRED_OUTCOMES:
        printed, p = p_of(pq)
        options = {
            arm: _consistent_denominators(
                _int("rocca", count_q, arm), published.get("rocca", pct_q, arm), sizes[arm]
            )
            for arm in ARMS
        }
        tables, notes = [], []
        for n0 in options[NAIVE]:
            for n1 in options[EXPOSED]:
                tables.append(_two_arm(count_q, {NAIVE: n0, EXPOSED: n1}))
                notes.append(f"denominators {n0}/{n1}")
        basis = "denominators inferred" + (
            " (unique)" if len(tables) == 1 else f" ({len(tables)} possible)"
        )
        out.append(
            Comparison(
                label,
                source,
                pq,
                cmp_group,
                printed,
                p,
                tables,
                ["yes", "no"],
                basis,
                table_notes=notes,
            )
        )
    # CR/CRi and consolidation: (responders, evaluable) inferred jointly
    pairs = rocca_response_denominators()
    combos = [
        (a, b)
        for _, a in pairs[pairs["group"] == NAIVE].iterrows()
        for _, b in pairs[pairs["group"] == EXPOSED].iterrows()
    ]
    printed, p = p_of("cr_cri_p")
    tables = [
        np.array(
            [[a.responders, b.responders], [a.evaluable - a.responders, b.evaluable - b.responders]]
        )
        for a, b in combos
    ]
    notes = [f"{a.responders}/{a.evaluable} vs {b.responders}/{b.evaluable}" for a, b in combos]
    out.append(
        Comparison(
            "CR/CRi after brexu-cel",
            "text",
            "cr_cri_p",
            cmp_group,
            printed,
            p,
            tables,
            ["CR/CRi", "no response"],
            "counts inferred" + (" (unique)" if len(tables) == 1 else f" ({len(tables)} possible)"),
            note="responders and evaluable patients inferred from 88.2%/91.6% and the consolidation percentages",
            table_notes=notes,
        )
    )
    printed, p = p_of("consolidation_p")
    cons = [_int("rocca", "consolidation_count", arm) for arm in ARMS]
    tables = [np.array([cons, [a.responders - cons[0], b.responders - cons[1]]]) for a, b in combos]
    out.append(
        Comparison(
            "Consolidation/maintenance among responders",
            "text",
            "consolidation_p",
            cmp_group,
            printed,
            p,
            tables,
            ["yes", "no"],
            "denominators inferred"
            + (" (unique)" if len(tables) == 1 else f" ({len(tables)} possible)"),
            note="denominator: responders, inferred as for CR/CRi",
            table_notes=notes,
        )
    )
    return out


def _evaluate(comparison: Comparison) -> dict:
    results = [candidate_pvalues(t) for t in comparison.tables]
    rec = dict(
        statistic=comparison.statistic,
        source=comparison.source,
        quantity=comparison.p_quantity,
        handling=comparison.handling,
        basis=comparison.basis,
        printed=comparison.printed,
        published=comparison.published,
        n_tables=len(comparison.tables),
        shape="x".join(str(d) for d in comparison.tables[0].shape),
        table=_table_text(comparison.tables[0], comparison.labels)
        if len(comparison.tables) == 1
        else "",
        note=comparison.note,
    )
    for test in TESTS:
        ps = [r[test] for r in results]
        matches = [p_matches(p, comparison.printed) for p in ps]
        rec[test] = ps[0] if len(ps) == 1 else (ps[matches.index(True)] if any(matches) else ps[0])
        rec[f"match_{test}"] = any(matches)
        rec[f"n_match_{test}"] = int(sum(matches))
        if len(ps) > 1:
            which = [comparison.table_notes[i] for i, m in enumerate(matches) if m]
            rec[f"tables_{test}"] = "; ".join(which)
    rec["reproduced_by"] = ", ".join(TESTS[t] for t in TESTS if rec[f"match_{t}"]) or "none"
    return rec


@lru_cache(maxsize=1)
def _rocca_pvalues_cached() -> pd.DataFrame:
    return pd.DataFrame([_evaluate(c) for c in _comparisons()])


def rocca_pvalues() -> pd.DataFrame:
    """Every ROCCA categorical p-value recomputable from printed counts, under each test.

    One row per comparison (and per handling of 'Missing' where the table has such a row).
    Columns: statistic, source, quantity, handling, basis ('printed counts', 'denominators
    inferred (unique)', 'counts inferred (unique)', '... (k possible)'), printed, published,
    n_tables, table, chi2, chi2_yates, fisher (p-values), match_<test>, n_match_<test>,
    reproduced_by, note. When several tables are possible, a test 'matches' if any does,
    and the p shown is that table's.
    """
    return _rocca_pvalues_cached().copy()


def rocca_test_used(frame: pd.DataFrame | None = None) -> str:
    """The test that reproduces the most ROCCA p-values recomputed from printed counts.

    Counted over comparisons with basis 'printed counts' (one per variable: the handling
    of Missing that reproduces, if any). Returns a key of :data:`TESTS`.
    """
    score = _test_scores(frame)
    return max(score, key=lambda t: (score[t], -list(TESTS).index(t)))


def _test_scores(
    frame: pd.DataFrame | None = None, basis: str = "printed counts"
) -> dict[str, int]:
    frame = rocca_pvalues() if frame is None else frame
    subset = frame[frame["basis"] == basis] if basis else frame
    score = {}
    for test in TESTS:
        per_variable = subset.groupby("quantity")[f"match_{test}"].any()
        score[test] = int(per_variable.sum())
    return score


def rocca_pvalue_summary(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per test: ROCCA p-values reproduced to printed precision.

    Columns: test, key, reproduced_printed_counts / of_printed_counts (comparisons whose
    counts and denominators are printed), reproduced_2x2 / of_2x2 (the 2 x 2 ones among them:
    only these tell the chi-square tests apart, since R, like most software, applies Yates'
    correction to 2 x 2 tables only), reproduced_all / of_all (including inferred
    denominators). A variable with a 'Missing' row counts once, as reproduced if either
    handling of Missing reproduces it.
    """
    frame = rocca_pvalues() if frame is None else frame
    printed = _test_scores(frame, "printed counts")
    every = _test_scores(frame, "")
    two = frame[(frame["basis"] == "printed counts") & (frame["shape"] == "2x2")]
    return pd.DataFrame(
        [
            dict(
                test=TESTS[t],
                key=t,
                reproduced_printed_counts=printed[t],
                of_printed_counts=frame[frame["basis"] == "printed counts"]["quantity"].nunique(),
                reproduced_2x2=int(two.groupby("quantity")[f"match_{t}"].any().sum()),
                of_2x2=two["quantity"].nunique(),
                reproduced_all=every[t],
                of_all=frame["quantity"].nunique(),
            )
            for t in TESTS
        ]
    )


# ----------------------------------------------------------------------------- inferred ROCCA p
#: Comparisons with only percentages printed: label, p (quantity, group), groups, pct quantity.
PCT_ONLY = [
    (
        "Ph+ disease",
        "subtype_ph_pos_p",
        ("ino_responder", "ino_refractory"),
        "subtype_ph_pos_pct",
        "supplemental Table 1",
    ),
    (
        "Active disease before apheresis",
        "status_active_p",
        ("ino_responder", "ino_refractory"),
        "status_active_pct",
        "supplemental Table 1",
    ),
    (
        "Prior HCT",
        "prior_hct_p",
        ("ino_responder", "ino_refractory"),
        "prior_hct_pct",
        "supplemental Table 1",
    ),
    (
        "Active disease before apheresis",
        "status_active_p",
        ("ino_bridging", "ino_preapheresis_only"),
        "status_active_pct",
        "supplemental Table 2",
    ),
    (
        "Extramedullary disease",
        "emd_yes_p",
        ("ino_bridging", "ino_preapheresis_only"),
        "emd_yes_pct",
        "supplemental Table 2",
    ),
    ("MRD-negative remission", "mrd_negative_p", (EXPOSED, NAIVE), "mrd_negative_pct", "text"),
]
#: Group words used in the ids (``statistic``) of audit.json rows; kept so the ids stay stable.
_LEGACY_GROUPS = {
    EXPOSED: "InO-exposed",
    NAIVE: "InO-naive",
    "ino_responder": "InO responders",
    "ino_refractory": "InO refractory",
    "ino_bridging": "bridging InO",
    "ino_preapheresis_only": "pre-apheresis InO only",
}
#: Smallest denominator tried, as a share of the group: allows for up to a quarter missing.
MIN_SHARE = 0.75


def _pct_only_tables(groups, pct_q, bounds) -> list[tuple[np.ndarray, str]]:
    rows = [published.get("rocca", pct_q, g) for g in groups]
    options = []
    for row, upper in zip(rows, bounds, strict=True):
        pairs = []
        for n in range(max(1, math.ceil(MIN_SHARE * upper)), upper + 1):
            for k in consistent_counts(float(row["value"]), int(row["decimals"]), n):
                pairs.append((k, n))
        options.append(pairs)
    out = []
    for k0, n0 in options[0]:
        for k1, n1 in options[1]:
            out.append((np.array([[k0, k1], [n0 - k0, n1 - k1]]), f"{k0}/{n0} vs {k1}/{n1}"))
    return out


def rocca_inferred_pvalues() -> pd.DataFrame:
    """p-values printed with percentages only (supplemental Tables 1-2, MRD): every table
    whose counts round to the printed percentages, with denominators from 75% of the group
    up to the whole group, under each test.

    Columns: statistic, source, groups, printed, n_tables, n_match_<test>, share_<test>,
    whole_group_table, whole_group_<test> (p with the whole groups as denominators, when the
    percentages allow it), note. These are not counted as exact reproductions.
    """
    out = []
    responders = rocca_response_denominators()
    for what, pq, groups, pct_q, source in PCT_ONLY:
        comparison_group = f"{groups[0]}_vs_{groups[1]}"
        if pq == "mrd_negative_p":
            comparison_group = f"{EXPOSED}_vs_{NAIVE}"
            bounds = [int(responders[responders["group"] == g]["responders"].max()) for g in groups]
            note = "denominators: patients in CR/CRi (inferred), MRD-evaluable share unknown; group order as printed"
        else:
            bounds = [group_size("rocca", g) for g in groups]
            note = ""
        printed, _ = _printed("rocca", pq, comparison_group)
        tables = _pct_only_tables(groups, pct_q, bounds)
        rec = dict(
            # the statistic is the row's id in audit.json: kept as first written
            statistic=f"{what} ({_LEGACY_GROUPS[groups[0]]} vs {_LEGACY_GROUPS[groups[1]]})",
            label=f"{what} ({group_label(groups[0])} vs {group_label(groups[1])})",
            source=source,
            quantity=pq,
            groups=f"{groups[0]} vs {groups[1]}",
            printed=printed,
            n_tables=len(tables),
            note=note,
        )
        whole = [
            t for t, text in tables if t[:, 0].sum() == bounds[0] and t[:, 1].sum() == bounds[1]
        ]
        rec["whole_group_table"] = (
            "" if not whole else f"{whole[0][0, 0]}/{bounds[0]} vs {whole[0][0, 1]}/{bounds[1]}"
        )
        ps = [candidate_pvalues(t) for t, _ in tables]
        for test in TESTS:
            hits = sum(p_matches(p[test], printed) for p in ps)
            rec[f"n_match_{test}"] = hits
            rec[f"share_{test}"] = hits / len(tables) if tables else math.nan
            rec[f"whole_group_{test}"] = candidate_pvalues(whole[0])[test] if whole else math.nan
            rec[f"whole_group_match_{test}"] = bool(whole) and p_matches(
                rec[f"whole_group_{test}"], printed
            )
        out.append(rec)
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- Alcalde-Mellado
def _alcalde_pct(group: str, quantity: str = "htb_to_ltb_conversion_pct") -> tuple[float, int]:
    row = published.get("alcalde_mellado", quantity, group)
    return float(row["value"]), int(row["decimals"])


def alcalde_conversion_tables() -> pd.DataFrame:
    """Count tables consistent with '80% of HTB patients reached LTB with inotuzumab vs 28.6%
    with chemotherapy' (arm sizes bound the HTB counts), with each table's p-value under
    every plausible two-group test and whether it prints as the published p.

    Columns: ino_converted, ino_htb, chemo_converted, chemo_htb, table, then for each test in
    TESTS and EXTRA_TESTS_2X2 the p-value and match_<test>; any_match.
    """
    ino_pct, ino_dec = _alcalde_pct("ino_arm")
    chemo_pct, chemo_dec = _alcalde_pct("chemo_arm")
    printed, _ = _printed("alcalde_mellado", "htb_to_ltb_conversion_p", "ino_arm_vs_chemo_arm")
    out = []
    for n_ino in range(1, group_size("alcalde_mellado", "ino_arm") + 1):
        for k_ino in consistent_counts(ino_pct, ino_dec, n_ino):
            for n_chemo in range(1, group_size("alcalde_mellado", "chemo_arm") + 1):
                for k_chemo in consistent_counts(chemo_pct, chemo_dec, n_chemo):
                    table = np.array([[k_ino, n_ino - k_ino], [k_chemo, n_chemo - k_chemo]])
                    ps = candidate_pvalues(table, extra=True)
                    rec = dict(
                        ino_converted=k_ino,
                        ino_htb=n_ino,
                        chemo_converted=k_chemo,
                        chemo_htb=n_chemo,
                        table=f"{k_ino}/{n_ino} vs {k_chemo}/{n_chemo}",
                        printed=printed,
                    )
                    for test, p in ps.items():
                        rec[test] = p
                        rec[f"match_{test}"] = p_matches(p, printed)
                    rec["any_match"] = any(rec[f"match_{t}"] for t in ps)
                    out.append(rec)
    return pd.DataFrame(out)


def alcalde_efs_tables() -> pd.DataFrame:
    """Count tables consistent with 12-month EFS 81.8% (LTB at infusion) vs 25% (HTB), at
    most 24 patients in all, read as crude proportions (no censoring before 12 months).

    The printed p=0.019 most likely comes from a log-rank test, which needs event times;
    the proportion-test p-values here show only what the counts alone would give.
    """
    ltb, ltb_dec = _alcalde_pct("ltb_at_infusion", "efs_12mo")
    htb, htb_dec = _alcalde_pct("htb_at_infusion", "efs_12mo")
    total = group_size("alcalde_mellado", "all")
    out = []
    for n_ltb in range(1, total):
        for k_ltb in consistent_counts(ltb, ltb_dec, n_ltb):
            for n_htb in range(1, total - n_ltb + 1):
                for k_htb in consistent_counts(htb, htb_dec, n_htb):
                    table = np.array([[k_ltb, n_ltb - k_ltb], [k_htb, n_htb - k_htb]])
                    rec = dict(table=f"{k_ltb}/{n_ltb} vs {k_htb}/{n_htb}", n_total=n_ltb + n_htb)
                    rec.update(candidate_pvalues(table))
                    out.append(rec)
    return pd.DataFrame(out)


def alcalde_trajectory_check() -> pd.DataFrame:
    """Can the conversion tables also give the trajectory EFS figures as crude proportions?

    For each table consistent with 80% vs 28.6%: patients who maintained HTB (not converted)
    and who maintained LTB (24 minus those with HTB before bridging); the abstract prints
    25% EFS for maintained HTB and 100% for maintained LTB, so the first count must admit
    25% and the second must be at least 1.
    """
    total = group_size("alcalde_mellado", "all")
    htb_pct, htb_dec = _alcalde_pct("maintained_htb", "efs_12mo")
    out = []
    for _, t in alcalde_conversion_tables().iterrows():
        maintained_htb = (t.ino_htb - t.ino_converted) + (t.chemo_htb - t.chemo_converted)
        maintained_ltb = total - t.ino_htb - t.chemo_htb
        achieved = t.ino_converted + t.chemo_converted
        fits_htb = bool(maintained_htb) and bool(
            consistent_counts(htb_pct, htb_dec, maintained_htb)
        )
        out.append(
            dict(
                table=t.table,
                achieved_ltb=achieved,
                maintained_htb=maintained_htb,
                maintained_ltb=maintained_ltb,
                maintained_htb_admits_25pct=fits_htb,
                maintained_ltb_nonempty=maintained_ltb >= 1,
                consistent=fits_htb and maintained_ltb >= 1,
            )
        )
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- exact CIs
def _ci_basis(count_basis: str, n_basis: str) -> str:
    if count_basis == "inferred jointly":
        return "count and denominator inferred"
    parts = []
    if count_basis == "inferred":
        parts.append("count inferred from %")
    if n_basis.startswith("inferred"):
        parts.append("denominator inferred")
    elif n_basis == "whole arm":
        parts.append("denominator: whole arm")
    return "; ".join(parts) or "printed"


def exact_cis(study: str | None = None) -> pd.DataFrame:
    """Clopper–Pearson 95% intervals for proportions printed without a CI.

    From preferred, published percent rows whose count and denominator are printed or
    uniquely inferred, plus count rows with a printed denominator and no percent row.
    Columns: study, statistic, label, quantity, group, count, n, percent, ci_low, ci_high
    (percent), basis.
    """
    checks = percent_checks(study)
    frame = published.load(study)
    out = []
    with_pct = set()
    for _, r in checks.iterrows():
        stem = r["quantity"].split("_pct", 1)[0]
        with_pct.add((r["study"], f"{stem}_count", r["group"]))
        if not r["preferred"] or r["status"] != "published":
            continue
        if pd.isna(r["count"]) or pd.isna(r["n"]):
            continue
        k, n = int(r["count"]), int(r["n"])
        lo, hi = clopper_pearson(k, n)
        out.append(
            dict(
                study=r["study"],
                statistic=r["statistic"],
                # the interval is the unit here: no '(%)' after the label
                label=r["label"].replace(" (%)", ""),
                quantity=r["quantity"],
                group=r["group"],
                count=k,
                n=n,
                percent=100.0 * k / n,
                ci_low=100 * lo,
                ci_high=100 * hi,
                basis=_ci_basis(r["count_basis"], r["n_basis"]),
            )
        )
    counts = frame[
        (frame["unit"] == "count")
        & frame["n"].notna()
        & frame["preferred"]
        & (frame["status"] == "published")
    ]
    for _, r in counts.iterrows():
        key = (r["study"], r["quantity"], r["group"])
        # group sizes ('n_...') are denominators, not outcomes
        if key in with_pct or (
            r["quantity"].startswith("n_") and r["quantity"] != "n_nonresponder"
        ):
            continue
        k, n = int(r["value"]), int(r["n"])
        lo, hi = clopper_pearson(k, n)
        out.append(
            dict(
                study=r["study"],
                statistic=f"{r['quantity']} [{r['group']}]",
                label=label(r["quantity"], r["group"]),
                quantity=r["quantity"],
                group=r["group"],
                count=k,
                n=n,
                percent=100.0 * k / n,
                ci_low=100 * lo,
                ci_high=100 * hi,
                basis="printed",
            )
        )
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- consistency
#: Parts that should add up to a total: (study, label, [(quantity, group)], (quantity, group)).
def _sum_specs() -> list[tuple[str, str, list[tuple[str, str]], tuple[str, str]]]:
    specs = []
    for arm in ARMS:
        for label, _, stems, missing in TABLE1:
            if len(stems) > 1:
                parts = [(f"{s}_count", arm) for s in stems] + (
                    [(f"{missing}_count", arm)] if missing else []
                )
                specs.append(
                    (
                        "rocca",
                        f"{label}: categories add to the arm ({arm})",
                        parts,
                        ("n_patients", arm),
                    )
                )
        specs.append(
            (
                "rocca",
                f"CRS grades add to any CRS ({arm})",
                [("crs_grade_1_2_count", arm), ("crs_grade_3_4_count", arm)],
                ("crs_any_count", arm),
            )
        )
        specs.append(
            (
                "rocca",
                f"ICANS grades add to any ICANS ({arm})",
                [("icans_grade_1_2_count", arm), ("icans_grade_3_4_count", arm)],
                ("icans_any_count", arm),
            )
        )
        specs.append(
            (
                "rocca",
                f"consolidation types add to consolidation ({arm})",
                [(f"consolidation_{t}_count", arm) for t in ("hct", "tki", "other")],
                ("consolidation_count", arm),
            )
        )
    specs += [
        (
            "rocca",
            "naive + exposed = all",
            [("n_patients", NAIVE), ("n_patients", EXPOSED)],
            ("n_patients", "all"),
        ),
        (
            "rocca",
            "pre-apheresis only + bridging = exposed",
            [("ino_preapheresis_only_count", EXPOSED), ("ino_bridging_count", EXPOSED)],
            ("n_patients", EXPOSED),
        ),
        (
            "rocca",
            "bridging with + without earlier InO = bridging",
            [
                ("ino_bridging_with_preapheresis_count", EXPOSED),
                ("ino_bridging_without_preapheresis_count", EXPOSED),
            ],
            ("ino_bridging_count", EXPOSED),
        ),
        (
            "rocca",
            "responders + refractory + not assessed = exposed",
            [
                ("ino_responders_count", EXPOSED),
                ("ino_refractory_count", EXPOSED),
                ("ino_not_assessed_count", EXPOSED),
            ],
            ("n_patients", EXPOSED),
        ),
        (
            "alcalde_mellado",
            "inotuzumab + chemotherapy arms = all",
            [("n_patients", "ino_arm"), ("n_patients", "chemo_arm")],
            ("n_patients", "all"),
        ),
        (
            "aertgeerts",
            "indication: after 2nd relapse + refractory 1st relapse = all",
            [
                ("tisagenlecleucel_after_second_relapse_count", "all"),
                ("tisagenlecleucel_refractory_first_relapse_count", "all"),
            ],
            ("n_patients", "all"),
        ),
        (
            "aertgeerts",
            "relapse phenotypes add to all",
            [("relapse_cd19neg_cd22pos_count", "all"), ("relapse_cd19pos_cd22pos_count", "all")],
            ("n_patients", "all"),
        ),
        (
            "jabbour",
            "female + male = enrolled",
            [("n_female", "all"), ("n_male", "all")],
            ("n_patients", "all"),
        ),
        (
            "jabbour",
            "age groups add to enrolled",
            [
                ("n_age_group", "age_60_64"),
                ("n_age_group", "age_65_69"),
                ("n_age_group", "age_70_plus"),
            ],
            ("n_patients", "all"),
        ),
        (
            "jabbour",
            "pre- + post-amendment = enrolled",
            [("n_pre_amendment", "all"), ("n_post_amendment", "all")],
            ("n_patients", "all"),
        ),
        (
            "jabbour",
            "evaluable for response + in CR at enrolment = enrolled",
            [("n_evaluable_response", "all"), ("n_cr_at_enrolment", "all")],
            ("n_patients", "all"),
        ),
        (
            "jabbour",
            "second neoplasm types add to second neoplasms",
            [
                ("second_neoplasm_mds_count", "all"),
                ("second_neoplasm_acute_leukaemia_count", "all"),
                ("second_neoplasm_mixed_phenotype_count", "all"),
            ],
            ("n_second_neoplasm", "all"),
        ),
        (
            "jabbour",
            "CR + CRp = responders implied by 99% of 74 evaluable",
            [("n_cr", "all"), ("n_crp", "all")],
            ("orr_pct", "all"),
        ),
    ]
    return specs


#: Sum checks in a reader's words (keyed by their id in audit.json).
SUM_LABELS = {
    "naive + exposed = all": "InO-naïve + InO-exposed = all patients",
    "pre-apheresis only + bridging = exposed": (
        "InO before apheresis only + InO as bridging = InO-exposed"
    ),
    "bridging with + without earlier InO = bridging": (
        "Bridging InO with + without earlier InO = bridging InO"
    ),
    "responders + refractory + not assessed = exposed": (
        "Responded + refractory + not assessed = InO-exposed"
    ),
    "inotuzumab + chemotherapy arms = all": "InO + chemotherapy bridging arms = all patients",
    "indication: after 2nd relapse + refractory 1st relapse = all": (
        "Indication: after a second relapse + refractory first relapse = all patients"
    ),
    "relapse phenotypes add to all": "Relapse CD19−CD22+ + CD19+CD22+ = all patients",
    "female + male = enrolled": "Women + men = enrolled",
    "age groups add to enrolled": "Age groups 60–64 + 65–69 + ≥70 = enrolled",
    "pre- + post-amendment = enrolled": "Before + after the protocol amendment = enrolled",
    "evaluable for response + in CR at enrolment = enrolled": (
        "Evaluable for response + in CR at enrolment = enrolled"
    ),
    "second neoplasm types add to second neoplasms": (
        "MDS + acute leukaemia + mixed phenotype = second neoplasms"
    ),
    "CR + CRp = responders implied by 99% of 74 evaluable": (
        "CR + CRp = responders implied by 99% of 74 evaluable"
    ),
    "age groups add to enrolled, with >=70 from the EHA 2022 abstract": (
        "Age groups 60–64 + 65–69 + ≥70 = enrolled, with the ≥70 count from the EHA 2022 abstract"
    ),
}


def sum_label(statistic: str) -> str:
    """A sum check's id (its ``statistic``) in words: the parts and the total they should make."""
    per_arm = re.fullmatch(r"(.*) \((ino_naive|ino_exposed)\)", statistic)
    if per_arm:
        what, arm = per_arm.groups()
        arm = group_label(arm)
        if what.endswith(": categories add to the arm"):
            what = what.replace(": categories add to the arm", "").replace(
                "18-39 / 40-59", "18–39 / 40–59"
            )
            return f"{what}: categories = {arm} arm"
        for kind in ("CRS", "ICANS"):
            if what == f"{kind} grades add to any {kind}":
                return f"{kind} grade 1–2 + grade 3–4 = any-grade {kind}, {arm}"
        if what == "consolidation types add to consolidation":
            return f"Consolidation by HCT + TKI + other = consolidation, {arm}"
    base, _, tail = statistic.partition(" (")
    if base in SUM_LABELS:
        return SUM_LABELS[base] + (f" ({tail}" if tail else "")
    return SUM_LABELS.get(statistic, statistic)


def sum_checks() -> pd.DataFrame:
    """Parts that should add up to a printed total. Columns: study, statistic, label (in
    words), published (total), recomputed (sum of parts), parts, match."""
    out = []
    for study, statistic, parts, total in _sum_specs():
        values = [_int(study, q, g) for q, g in parts]
        if total[0].endswith("_pct"):
            row = published.get(study, *total)
            ks = consistent_counts(float(row["value"]), int(row["decimals"]), int(row["n"]))
            expected = ks[0] if len(ks) == 1 else math.nan
            statistic = f"{statistic} ({row['printed']}% of {int(row['n'])} = {expected})"
        else:
            expected = _int(study, *total)
        out.append(
            dict(
                study=study,
                statistic=statistic,
                label=sum_label(statistic),
                published=expected,
                recomputed=sum(values),
                parts=" + ".join(str(v) for v in values),
                match=sum(values) == expected,
            )
        )
    # the EHA 2022 abstract's >=70 count against the same total
    eha = published.value("jabbour", "n_age_group", "age_70_plus", variant="eha2022")
    parts = [_int("jabbour", "n_age_group", g) for g in ("age_60_64", "age_65_69")] + [int(eha)]
    statistic = "age groups add to enrolled, with >=70 from the EHA 2022 abstract"
    out.append(
        dict(
            study="jabbour",
            statistic=statistic,
            label=sum_label(statistic),
            published=_int("jabbour", "n_patients"),
            recomputed=sum(parts),
            parts=" + ".join(str(v) for v in parts),
            match=sum(parts) == _int("jabbour", "n_patients"),
        )
    )
    return pd.DataFrame(out)


def range_checks(study: str | None = None) -> pd.DataFrame:
    """Every median against its own printed IQR or range (same group and variant family).

    Columns: study, statistic, label (in words), published (median), recomputed ('q1-q3' /
    'min-max'), kind, variant, match (median inside).
    """
    frame = published.load(study)
    out = []
    for _, r in frame.iterrows():
        q = r["quantity"]
        if q.endswith("_median"):
            stem = q[: -len("_median")]
        elif q == "median_followup_months":
            stem = "median_followup"
        else:
            continue
        if pd.isna(r["value"]):
            continue
        same = frame[(frame["study"] == r["study"]) & (frame["group"] == r["group"])]
        for lo_name, hi_name, kind in (("q1", "q3", "IQR"), ("min", "max", "range")):
            lows = same[same["quantity"] == f"{stem}_{lo_name}"]
            # a median is compared with its own source's spread; a median from the main
            # source with no spread of its own, with the spread printed by each other source
            own = lows[lows["variant"] == r["variant"]]
            if r["variant"] or not own.empty:
                lows = own
            for _, lo in lows.iterrows():
                hi = same[
                    (same["quantity"] == f"{stem}_{hi_name}") & (same["variant"] == lo["variant"])
                ]
                if hi.empty:
                    continue
                hi = hi.iloc[0]
                inside = lo["value"] <= r["value"] <= hi["value"]
                spread = variant_label(lo["variant"]) if lo["variant"] else f"its {kind}"
                out.append(
                    dict(
                        study=r["study"],
                        statistic=f"{q} [{r['group']}] within its {kind}",
                        label=f"{label(q, r['group'], r['variant'])}: inside {spread}",
                        published=float(r["value"]),
                        recomputed=f"{lo['value']:g}-{hi['value']:g}",
                        kind=kind,
                        variant=lo["variant"],
                        match=bool(inside),
                    )
                )
    return pd.DataFrame(out)


def _same_at_precision(rows: pd.DataFrame) -> bool:
    """Do all values agree once each is rounded to the coarsest printed precision?"""
    vals = rows.dropna(subset=["value"])
    if vals.empty:
        return True
    places = vals["decimals"].dropna()
    coarse = int(places.min()) if not places.empty else 6
    # a table's 10% and the text's 9.8% agree: within half a unit of the coarser print
    return vals["value"].max() - vals["value"].min() <= 0.5 * 10.0 ** (-coarse) + 1e-9


def _ci_text(lo, hi) -> str:
    return "" if pd.isna(lo) or pd.isna(hi) else f" ({lo:g}–{hi:g})"


def _conflicts(frame: pd.DataFrame, skip: set | None = None) -> list[dict]:
    """Same quantity and group, different values (or CIs) between variants.

    Values that agree at the coarser printed precision are not a conflict; ``skip`` holds
    (study, quantity, group) already explained as a swap.
    """
    skip = skip or set()
    out = []
    for (s, q, g), rows in frame.groupby(["study", "quantity", "group"]):
        if len(rows) < 2 or (s, q, g) in skip:
            continue
        distinct_values = not _same_at_precision(rows)
        distinct_ci = rows[["ci_low", "ci_high"]].dropna().drop_duplicates().shape[0] > 1
        if not (distinct_values or distinct_ci):
            continue
        pref = rows[rows["preferred"]]
        parts, words = [], []
        for r in rows.itertuples():
            ci = "" if pd.isna(r.ci_low) or pd.isna(r.ci_high) else f" ({r.ci_low:g}-{r.ci_high:g})"
            parts.append(f"{r.variant or 'main'}: {r.value:g}{ci}")
            words.append(f"{variant_label(r.variant)}: {r.value:g}{_ci_text(r.ci_low, r.ci_high)}")
        only_ci = "" if distinct_values else " (confidence interval only)"
        out.append(
            dict(
                study=s,
                finding=f"sources disagree on {q} [{g}]{only_ci}",
                detail="; ".join(parts),
                book_uses=(pref.iloc[0]["variant"] or "main") if not pref.empty else "none",
                label=f"{label(q, g)}: the sources disagree{only_ci}",
                detail_label="; ".join(words),
                book_uses_label=variant_label(pref.iloc[0]["variant"])
                if not pref.empty
                else "none",
            )
        )
    return out


def _swaps(frame: pd.DataFrame) -> list[dict]:
    """Two groups whose values are exchanged between two variants of the same quantity."""
    out = []
    for (s, q), rows in frame.groupby(["study", "quantity"]):
        variants = [v for v in rows["variant"].unique() if v]
        for i, v1 in enumerate(variants):
            for v2 in variants[i + 1 :]:
                a = rows[rows["variant"] == v1].set_index("group")["value"]
                b = rows[rows["variant"] == v2].set_index("group")["value"]
                common = sorted(set(a.index) & set(b.index))
                for x in range(len(common)):
                    for y in range(x + 1, len(common)):
                        g1, g2 = common[x], common[y]
                        if a[g1] == b[g2] and a[g2] == b[g1] and a[g1] != a[g2]:
                            uses = v1 if rows[(rows["variant"] == v1)]["preferred"].all() else v2
                            w1, w2 = group_label(g1), group_label(g2)
                            out.append(
                                dict(
                                    study=s,
                                    finding=f"{q}: {g1} and {g2} swapped between {v1} and {v2}",
                                    detail=f"{v1}: {g1} {a[g1]:g}, {g2} {a[g2]:g}; {v2}: {g1} {b[g1]:g}, {g2} {b[g2]:g}",
                                    book_uses=uses,
                                    label=(
                                        f"{quantity_label(q)}: two sources swap the values of "
                                        f"two groups ({w1}; {w2})"
                                    ),
                                    detail_label=(
                                        f"{variant_label(v1)}: {w1} {a[g1]:g}, {w2} {a[g2]:g}; "
                                        f"{variant_label(v2)}: {w1} {b[g1]:g}, {w2} {b[g2]:g}"
                                    ),
                                    book_uses_label=variant_label(uses),
                                    quantity=q,
                                    groups=(g1, g2),
                                )
                            )
    return out


def _identical_cis(frame: pd.DataFrame) -> list[dict]:
    """Different estimates printed with exactly the same CI (same quantity and source)."""
    out = []
    have_ci = frame.dropna(subset=["ci_low", "ci_high", "value"])
    for (s, q, _source), rows in have_ci.groupby(["study", "quantity", "source"]):
        for (lo, hi), same in rows.groupby(["ci_low", "ci_high"]):
            if len(same) > 1 and same["value"].nunique() > 1:
                detail = "; ".join(f"{r.group} {r.value:g}" for r in same.itertuples())
                # which interval the book uses for each group: this one where it is the
                # preferred row, otherwise the preferred row's
                uses = []
                for r in same.itertuples():
                    if r.preferred:
                        uses.append(f"{group_label(r.group)}: this interval")
                        continue
                    pref = frame[
                        (frame["study"] == s)
                        & (frame["quantity"] == q)
                        & (frame["group"] == r.group)
                        & frame["preferred"]
                    ]
                    if pref.empty:
                        uses.append(f"{group_label(r.group)}: none")
                    else:
                        p = pref.iloc[0]
                        uses.append(
                            f"{group_label(r.group)}: the {variant_label(p['variant'])}"
                            f"{_ci_text(p['ci_low'], p['ci_high'])}"
                        )
                out.append(
                    dict(
                        study=s,
                        finding=f"{q}: different estimates with the identical CI {lo:g}-{hi:g}",
                        detail=detail,
                        book_uses="; ".join(uses),
                        label=(
                            f"{quantity_label(q)}: different estimates printed with the same "
                            f"CI {lo:g}–{hi:g}"
                        ),
                        detail_label="; ".join(
                            f"{group_label(r.group)} {r.value:g}" for r in same.itertuples()
                        ),
                        book_uses_label="; ".join(uses),
                    )
                )
    return out


#: What the book does with a number that fails a check, in words.
_FLAGGED = "flagged; the printed values are kept"


def findings() -> pd.DataFrame:
    """Internal inconsistencies found by the checks above, one row each (all computed).

    Columns: study, finding (the row's id in audit.json), detail, book_uses, and the same
    in a reader's words: label, detail_label, book_uses_label.
    """
    frame = published.load()
    # between-report differences (a conference abstract's earlier data cut) are not
    # inconsistencies of the paper; the one that matters (Jabbour >=70) is a sum check
    pub = frame[frame["status"].isin(["published", "derived"])]
    out = []
    pct = percent_checks()
    for _, r in pct[pct["match"] == False].iterrows():  # noqa: E712 (None means unchecked)
        has_both = r["count"] is not None and not pd.isna(r["count"]) and r["n"]
        share = f"{100 * r['count'] / r['n']:.2f}%" if has_both else ""
        out.append(
            dict(
                study=r["study"],
                finding=f"{r['statistic']}: printed {r['published']:g}% does not follow from its count",
                detail=r["note"] + (f"; {share}" if share else ""),
                book_uses="printed count",
                label=(
                    f"{r['label']}: printed {r['published']:g}%, but the count gives "
                    f"{100 * r['count'] / r['n']:.1f}%"
                    if has_both
                    else f"{r['label']}: printed {r['published']:g}% fits no count"
                ),
                detail_label=(
                    f"{int(r['count'])} of {int(r['n'])} patients" if has_both else r["note"]
                ),
                book_uses_label="the printed count",
            )
        )
    ranges = range_checks()
    for _, r in ranges.query("not match").iterrows():
        # another source's spread of the same median that does contain it
        others = ranges[
            (ranges["study"] == r["study"])
            & (
                ranges["statistic"].str.split(" within").str[0]
                == r["statistic"].split(" within")[0]
            )
            & ranges["match"]
        ]
        uses = (
            variant_label(others.iloc[0]["variant"])
            if not others.empty and others.iloc[0]["variant"]
            else "flagged"
        )
        out.append(
            dict(
                study=r["study"],
                finding=f"{r['statistic'].replace(' within its', ' outside its')}",
                detail=f"median {r['published']:g}, {r['kind']} {r['recomputed']} ({r['variant'] or 'main'})",
                book_uses="the other source's spread" if r["variant"] else "flagged",
                label=r["label"].replace(": inside ", ": outside "),
                detail_label=(
                    f"median {r['published']:g}; {r['kind']} {r['recomputed'].replace('-', '–')}"
                ),
                book_uses_label=uses,
            )
        )
    for _, r in sum_checks().query("not match").iterrows():
        out.append(
            dict(
                study=r["study"],
                finding=f"parts do not add up: {r['statistic']}",
                detail=f"{r['parts']} = {r['recomputed']}, expected {r['published']}",
                book_uses="flagged",
                label=f"Does not add up: {r['label']}",
                detail_label=f"{r['parts']} = {r['recomputed']}, not {r['published']}",
                book_uses_label=_FLAGGED,
            )
        )
    swaps = _swaps(pub)
    out += swaps
    swapped = {(f["study"], f["quantity"], g) for f in swaps for g in f["groups"]}
    out += _conflicts(pub, skip=swapped)
    out += _identical_cis(pub)
    # relapse denominators: printed 'among responders', but the percentages need the whole arm
    rel = percent_checks("rocca")
    rel = rel[(rel["quantity"] == "relapse_pct") & (rel["variant"] == "")]
    responders = rocca_response_denominators().groupby("group")["responders"].apply(list)
    misfits, words = [], []
    for _, r in rel.iterrows():
        arm = group_size("rocca", r["group"])
        row = published.get("rocca", "relapse_pct", r["group"])
        fits = _consistent_denominators(int(r["count"]), row, arm)
        resp = responders.get(r["group"], [])
        if not set(fits) & set(resp):
            misfits.append(
                f"{r['group']}: {int(r['count'])} relapses print as {r['published']:g}% only with "
                f"denominator(s) {_compact(fits)} (arm {arm}; "
                f"responders {', '.join(map(str, resp))})"
            )
            words.append(
                f"{group_label(r['group'])}: {int(r['count'])} relapses give {r['published']:g}% "
                f"only out of {_or_list(fits)} patients (arm {arm}, responders "
                f"{', '.join(map(str, resp))})"
            )
    if misfits:
        out.append(
            dict(
                study="rocca",
                finding="relapse percentages are described as among brexu-cel responders but fit the whole arm",
                detail="; ".join(misfits),
                book_uses="whole arm",
                label=(
                    "Relapse percentages are described as among brexu-cel responders, but fit "
                    "only the whole arm"
                ),
                detail_label="; ".join(words),
                book_uses_label="the whole arm as denominator",
            )
        )
    # Alcalde: a pooled estimate equal to one subgroup although the other subgroup differs
    pooled = _pub("alcalde_mellado", "efs_12mo", "ltb_at_infusion")
    sub = [_pub("alcalde_mellado", "efs_12mo", g) for g in ("achieved_ltb", "maintained_ltb")]
    if min(sub) != max(sub) and pooled in sub:
        detail = (
            f"LTB at infusion {pooled:g}% = achieved LTB {sub[0]:g}%, maintained LTB {sub[1]:g}%: "
            "impossible for crude proportions unless maintained LTB is empty"
        )
        out.append(
            dict(
                study="alcalde_mellado",
                finding="12-month EFS for LTB at infusion equals one of its two subgroups although they differ",
                detail=detail,
                book_uses="flagged; the estimates are presumably Kaplan-Meier with censoring",
                label=(
                    "12-month EFS with a low burden at infusion equals that of one of its two "
                    "subgroups, although the subgroups differ"
                ),
                detail_label=(
                    f"low burden at infusion {pooled:g}%; of these, reached low burden "
                    f"{sub[0]:g}% and stayed at low burden {sub[1]:g}%: impossible for crude "
                    "proportions unless nobody stayed at low burden"
                ),
                book_uses_label="flagged; presumably Kaplan–Meier estimates with censoring",
            )
        )
    traj = alcalde_trajectory_check()
    if not traj["consistent"].any():
        out.append(
            dict(
                study="alcalde_mellado",
                finding="no conversion table also fits the trajectory EFS figures as crude proportions",
                detail="; ".join(
                    f"{t.table}: maintained HTB {t.maintained_htb}, maintained LTB {t.maintained_ltb}"
                    for t in traj.itertuples()
                ),
                book_uses="flagged",
                label=(
                    "No conversion table also fits the EFS figures by burden trajectory, read as "
                    "crude proportions"
                ),
                detail_label="; ".join(
                    f"{_conversion_words(t.table)}: {t.maintained_htb} stayed at high burden, "
                    f"{t.maintained_ltb} at low burden"
                    for t in traj.itertuples()
                ),
                book_uses_label=_FLAGGED,
            )
        )
    alc = alcalde_conversion_tables()
    if not alc["any_match"].any():
        pcts = [
            _pub("alcalde_mellado", "htb_to_ltb_conversion_pct", g)
            for g in ("ino_arm", "chemo_arm")
        ]
        printed = alc["printed"].iloc[0]
        out.append(
            dict(
                study="alcalde_mellado",
                finding=(
                    "no count table consistent with {:g}% vs {:g}% gives p={} under any test tried".format(
                        *pcts, printed
                    )
                ),
                detail="; ".join(
                    f"{t.table}: chi2 {t.chi2:.3f}, Yates {t.chi2_yates:.3f}, Fisher {t.fisher:.3f}"
                    for t in alc.itertuples()
                ),
                book_uses="flagged",
                label=(
                    f"The conversion p = {printed} is not reproduced: no count table consistent "
                    f"with {pcts[0]:g}% vs {pcts[1]:g}% gives it under any test tried"
                ),
                detail_label="; ".join(
                    f"{_conversion_words(t.table)}: χ² {t.chi2:.3f}, Yates {t.chi2_yates:.3f}, "
                    f"Fisher {t.fisher:.3f}"
                    for t in alc.itertuples()
                ),
                book_uses_label="every consistent table; none is treated as the paper's",
            )
        )
    columns = [
        "study",
        "finding",
        "detail",
        "book_uses",
        "label",
        "detail_label",
        "book_uses_label",
    ]
    return pd.DataFrame([{k: f[k] for k in columns} for f in out], columns=columns)


def _conversion_words(table: str) -> str:
    """'8/10 vs 2/7' -> 'InO 8/10 vs chemotherapy 2/7' (converted / high burden before bridging)."""
    ino, chemo = table.split(" vs ")
    return f"InO {ino} vs chemotherapy {chemo}"


# ----------------------------------------------------------------------------- page and json
def study_table(study: str) -> pd.DataFrame:
    """The page's per-study table: study, kind, statistic, published, recomputed, test,
    match, label (the statistic in words)."""
    return _frame([r for r in audit_rows() if r["study"] == study])


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["study", "kind", "statistic", "published", "recomputed", "test", "match", "label"],
    )


def _fmt_p(p: float) -> str:
    return f"{p:.4f}" if p >= 0.0001 else f"{p:.1e}"


@lru_cache(maxsize=1)
def _audit_rows_cached() -> tuple:
    rows: list[dict] = []

    def add(study, kind, statistic, published_value, recomputed, test, match, label, **extra):
        rows.append(
            dict(
                study=study,
                kind=kind,
                statistic=statistic,
                published=published_value,
                recomputed=recomputed,
                test=test,
                match=match,
                label=label,
                **extra,
            )
        )

    pv = rocca_pvalues()
    for r in pv.itertuples():
        statistic = r.statistic + (f" [{r.handling}]" if r.handling else "")
        words = r.statistic.replace("18-39 / 40-59", "18–39 / 40–59").replace(
            " 1-2 vs 3-4", " 1–2 vs 3–4"
        )
        words += f", {r.handling}" if r.handling else ""
        for test, name in TESTS.items():
            add(
                "rocca",
                "p_value",
                statistic,
                r.printed,
                round(getattr(r, test), 6),
                name,
                bool(getattr(r, f"match_{test}")),
                words,
                basis=r.basis,
                quantity=r.quantity,
            )
    for r in rocca_inferred_pvalues().itertuples():
        for test, name in TESTS.items():
            share = f"{getattr(r, f'n_match_{test}')} of {r.n_tables} consistent tables"
            add(
                "rocca",
                "p_value_inferred",
                r.statistic,
                r.printed,
                share,
                name,
                bool(getattr(r, f"n_match_{test}")),
                r.label,
                basis="percentages only",
                quantity=r.quantity,
            )
    for r in percent_checks().itertuples():
        if r.match is None:
            continue
        recomputed = (
            round(r.recomputed, 2)
            if r.recomputed is not None and not pd.isna(r.recomputed)
            else (
                f"n in {{{r.consistent_denominators}}}"
                if r.consistent_denominators
                else f"k in {{{r.consistent_counts}}}"
            )
        )
        add(
            r.study,
            "percent",
            r.statistic,
            r.published,
            recomputed,
            "count/denominator rounding",
            bool(r.match),
            r.label,
        )
    for r in sum_checks().itertuples():
        add(
            r.study,
            "sum",
            r.statistic,
            r.published,
            int(r.recomputed),
            "sum of parts",
            bool(r.match),
            r.label,
        )
    for r in range_checks().itertuples():
        add(
            r.study,
            "range",
            r.statistic,
            r.published,
            r.recomputed,
            f"median inside {r.kind}",
            bool(r.match),
            r.label,
        )
    for r in alcalde_conversion_tables().itertuples():
        for test, name in {**TESTS, **EXTRA_TESTS_2X2}.items():
            add(
                "alcalde_mellado",
                "table",
                f"HTB->LTB conversion {r.table}",
                r.printed,
                round(getattr(r, test), 6),
                name,
                bool(getattr(r, f"match_{test}")),
                f"High to low tumour burden before infusion, {_conversion_words(r.table)}",
            )
    for r in exact_cis().itertuples():
        add(
            r.study,
            "ci",
            r.statistic,
            round(r.percent, 2),
            f"{r.ci_low:.1f}-{r.ci_high:.1f}",
            "Clopper-Pearson 95%",
            None,
            r.label,
        )
    for r in findings().itertuples():
        add(
            r.study,
            "finding",
            r.finding,
            None,
            r.detail,
            "internal consistency",
            False,
            r.label,
            detail_label=r.detail_label,
            book_uses=r.book_uses_label,
        )
    return tuple(rows)


def audit_rows() -> list[dict]:
    """Every audit result as a row: study, kind, statistic (the row's id), published,
    recomputed, test, match (True/False, None for information such as confidence intervals),
    label (the statistic in a reader's words), plus a few extras."""
    return [dict(r) for r in _audit_rows_cached()]


def verdicts() -> dict[str, str]:
    """One computed sentence per study (every number in it comes from the checks)."""
    rows = _frame(audit_rows())
    summary = rocca_pvalue_summary().set_index("key")
    used = rocca_test_used()
    best = summary.loc[used]
    find = findings()

    def pct_text(study):
        sub = rows[(rows["study"] == study) & (rows["kind"] == "percent")]
        return (
            f"{int(sub['match'].sum())} of {len(sub)} printed percentages agree with their counts"
        )

    def sums_text(study):
        sub = rows[(rows["study"] == study) & (rows["kind"] == "sum")]
        return f"{int(sub['match'].sum())} of {len(sub)} totals add up"

    def find_text(study):
        k = int((find["study"] == study).sum())
        return f"{k} internal inconsistenc{'y' if k == 1 else 'ies'}"

    others = ", ".join(
        f"{TESTS[t]} {int(summary.loc[t, 'reproduced_2x2'])}" for t in TESTS if t != used
    )
    out = {
        "rocca": (
            f"{TESTS[used]} reproduces {best.reproduced_printed_counts} of {best.of_printed_counts} p-values "
            f"recomputable from printed counts ({best.reproduced_all} of {best.of_all} with inferred "
            f"denominators); on the {best.of_2x2} two-by-two tables, the only ones on which all three tests differ, it "
            f"reproduces {best.reproduced_2x2}, against {others}; "
            f"{pct_text('rocca')}; {find_text('rocca')}."
        )
    }
    alc = alcalde_conversion_tables()
    ino, chemo = (
        _pub("alcalde_mellado", "htb_to_ltb_conversion_pct", g) for g in ("ino_arm", "chemo_arm")
    )
    n_two_sided = len(TWO_SIDED_TESTS)
    out["alcalde_mellado"] = (
        f"{len(alc)} count tables fit {ino:g}% vs {chemo:g}% and {int(alc['any_match'].sum())} of them give "
        f"the printed p={alc['printed'].iloc[0]} under any of {n_two_sided} two-sided tests "
        f"(or the one-sided Fisher test), so the p-value is not reproduced; "
        f"{find_text('alcalde_mellado')}."
    )
    cis = exact_cis("aertgeerts")
    cr = cis[cis["quantity"] == "cr_after_ino_cycle1_count"].iloc[0]
    out["aertgeerts"] = (
        f"No p-values or percentages to recompute; {sums_text('aertgeerts')}; with {int(cr['n'])} patients the "
        f"exact 95% interval for complete remission after one InO cycle ({int(cr['count'])}/{int(cr['n'])}) runs "
        f"from {cr['ci_low']:.0f}% to {cr['ci_high']:.0f}%; {find_text('aertgeerts')}."
    )
    out["jabbour"] = f"{pct_text('jabbour')}; {sums_text('jabbour')}; {find_text('jabbour')}."
    return out


def write(rows: list[dict] | None = None):
    """Write ``audit.json`` (rows of :func:`audit_rows`) to the results folder; return the path."""
    from inoreport.book.results import write_json

    return write_json("audit", audit_rows() if rows is None else rows)
