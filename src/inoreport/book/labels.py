"""Identifiers of ``data/published`` in a reader's words.

A quantity id such as ``subtype_ph_neg_pct``, a group id such as ``ino_exposed`` and a
source (variant) id such as ``ash2023_abstract`` become 'Ph-negative', 'InO-exposed' and
'ASH 2023 abstract'; :func:`label` puts the three together:
``label("subtype_ph_neg_pct", "ino_exposed")`` -> 'Ph-negative, InO-exposed (%)'.
Ids not listed here are spelled out word by word (underscores become spaces, acronyms keep
their case). Used by the audit of the published numbers and by any page that lists them.
"""

from __future__ import annotations

import re

__all__ = [
    "GROUP_LABELS",
    "STEM_LABELS",
    "VARIANT_LABELS",
    "group_label",
    "label",
    "quantity_label",
    "variant_label",
]

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
