"""ROCCA's printed numbers checked against each other (the audit's part for this study).

ROCCA prints its Table 1 and Table 2 counts by arm with p-values, but neither the test
behind them nor several denominators. Here:

* :func:`pvalues` — every categorical p-value recomputed from the printed counts under each
  candidate test (:data:`inoreport.stats.printed.TESTS`), with 'Missing' handled both ways;
  :func:`test_used` — the test that reproduces them; :func:`pvalue_summary` — counts per test;
* :func:`response_denominators` — the responders and evaluable patients that the CR/CRi
  rates and the consolidation percentages allow (the paper prints neither);
* :func:`inferred_pvalues` — p-values printed with percentages only;
* :data:`RULES`, :func:`sum_specs`, :func:`findings`, :func:`audit_rows`, :func:`verdict` —
  this study's part of the book-wide audit (:mod:`inoreport.studies.audit`).

p-values are probabilities; percentages are in per cent.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.labels import group_label
from inoreport.book.published_checks import (
    StudyRules,
    count_of,
    findings_sentence,
    percent_sentence,
    printed_of,
)
from inoreport.stats.contingency import consistent_counts, rounds_to
from inoreport.stats.printed import (
    ROUNDED_TWICE,
    TESTS,
    Comparison,
    candidate_pvalues,
    compact,
    evaluate,
    or_list,
    p_matches,
)

STUDY = "rocca"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"
ARMS = (NAIVE, EXPOSED)

#: group -> (quantity, group) holding the group's size.
GROUP_SIZE = {
    "all": ("n_patients", "all"),
    NAIVE: ("n_patients", NAIVE),
    EXPOSED: ("n_patients", EXPOSED),
    "ino_responder": ("ino_responders_count", EXPOSED),
    "ino_refractory": ("ino_refractory_count", EXPOSED),
    "ino_bridging": ("ino_bridging_count", EXPOSED),
    "ino_preapheresis_only": ("ino_preapheresis_only_count", EXPOSED),
}


def _int(quantity: str, group: str | None = None) -> int:
    return count_of(STUDY, quantity, group)


def _printed(quantity: str, group: str | None = None) -> tuple[str, float]:
    return printed_of(STUDY, quantity, group)


def _size(group: str) -> int:
    return _int(*GROUP_SIZE[group])


def _joint_counts(quantity: str, group: str) -> dict | None:
    """CR/CRi and consolidation: count and denominator when the joint inference is unique."""
    if quantity not in ("cr_cri_pct", "consolidation_pct"):
        return None
    pairs = response_denominators()
    pairs = pairs[pairs["group"] == group]
    if len(pairs) != 1:
        return None
    responders, evaluable = int(pairs["responders"].iloc[0]), int(pairs["evaluable"].iloc[0])
    if quantity == "cr_cri_pct":
        k, n, basis = responders, evaluable, "inferred jointly"
    else:
        k, n, basis = _int("consolidation_count", group), responders, "printed"
    note = (
        f"{k}/{n}: the only responders/evaluable pair that fits both the CR/CRi rate and "
        "the consolidation percentage"
    )
    return dict(count=k, n=n, count_basis=basis, note=note)


#: What the generic checks need to know about ROCCA's ids.
RULES = StudyRules(
    group_size=GROUP_SIZE,
    count_from={
        "ino_exposed_pct": [("n_patients", EXPOSED)],
        "subtype_ph_neg_or_like_pct": [
            ("subtype_ph_like_count", None),
            ("subtype_ph_neg_count", None),
        ],
    },
    # The p-values reproduce only with the whole arm as denominator (see pvalues);
    # the percentages fit it too.
    denominator_from={
        q: ("n_patients", None, "whole arm")
        for q in ("tocilizumab_pct", "steroids_pct", "anakinra_pct", "relapse_pct")
    },
    joint_counts=_joint_counts,
)


def response_denominators() -> pd.DataFrame:
    """Per arm, the (responders, evaluable) pairs consistent with the printed CR/CRi rate
    (one decimal) and the consolidation count with its percent of responders.

    Columns: group, responders, evaluable. The paper prints neither number.
    """
    return _response_denominators_cached().copy()


@lru_cache(maxsize=1)
def _response_denominators_cached() -> pd.DataFrame:
    out = []
    for arm in ARMS:
        size = _size(arm)
        cr_printed, cr = _printed("cr_cri_pct", arm)
        cons = _int("consolidation_count", arm)
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
    k = [_int(count_q, arm) for arm in ARMS]
    return np.array([k, [denominators[a] - k[i] for i, a in enumerate(ARMS)]])


def _categories(stems: list[str]) -> np.ndarray:
    return np.array([[_int(f"{s}_count", arm) for arm in ARMS] for s in stems])


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


def _possible(basis: str, tables: list) -> str:
    """``basis`` with how many count tables fit: ' (unique)' or ' (k possible)'."""
    return basis + (" (unique)" if len(tables) == 1 else f" ({len(tables)} possible)")


def _comparisons() -> list[Comparison]:
    cmp_group = f"{EXPOSED}_vs_{NAIVE}"
    sizes = {arm: _size(arm) for arm in ARMS}
    out: list[Comparison] = []

    def compare(label, source, pq, tables, rows, basis, **options) -> None:
        """Add the comparison of the printed p ``pq`` (exposed vs naive) to ``out``."""
        printed, p = _printed(pq, cmp_group)
        out.append(
            Comparison(label, source, pq, cmp_group, printed, p, tables, rows, basis, **options)
        )

    for label, pq, stems, missing in TABLE1:
        if len(stems) == 1:
            table = _two_arm(f"{stems[0]}_count", sizes)
            compare(label, "Table 1", pq, [table], ["yes", "no"], "printed counts")
            continue
        table = _categories(stems)
        if missing is None:
            compare(label, "Table 1", pq, [table], stems, "printed counts")
            unaccounted = np.array([sizes[a] for a in ARMS]) - table.sum(axis=0)
            if unaccounted.any():
                # categories that fall short of the arm: were those patients tested as "unknown"?
                compare(
                    label,
                    "Table 1",
                    pq,
                    [np.vstack([table, unaccounted])],
                    [*stems, "unaccounted"],
                    "printed counts",
                    handling="unaccounted patients as a category",
                    note=f"categories add to {table.sum(axis=0).tolist()}, arms {[sizes[a] for a in ARMS]}",
                )
        else:
            with_missing = np.vstack([table, _categories([missing])])
            compare(
                label,
                "Table 1",
                pq,
                [with_missing],
                [*stems, missing],
                "printed counts",
                handling="Missing as a category",
            )
            compare(
                label, "Table 1", pq, [table], stems, "printed counts", handling="Missing excluded"
            )
    for label, pq, stems in TABLE2_GRADES:
        compare(label, "Table 2", pq, [_categories(stems)], stems, "printed counts")
    for label, pq, count_q, source in ARM_OUTCOMES:
        compare(
            label,
            source,
            pq,
            [_two_arm(count_q, sizes)],
            ["yes", "no"],
            "printed counts",
            note="denominator: whole arm",
        )
    for label, pq, count_q, pct_q, source in INFERRED_OUTCOMES:
        options = {
            arm: _consistent_denominators(
                _int(count_q, arm), published.get("rocca", pct_q, arm), sizes[arm]
            )
            for arm in ARMS
        }
        tables, notes = [], []
        for n0 in options[NAIVE]:
            for n1 in options[EXPOSED]:
                tables.append(_two_arm(count_q, {NAIVE: n0, EXPOSED: n1}))
                notes.append(f"denominators {n0}/{n1}")
        compare(
            label,
            source,
            pq,
            tables,
            ["yes", "no"],
            _possible("denominators inferred", tables),
            table_notes=notes,
        )
    # CR/CRi and consolidation: (responders, evaluable) inferred jointly
    pairs = response_denominators()
    combos = [
        (a, b)
        for _, a in pairs[pairs["group"] == NAIVE].iterrows()
        for _, b in pairs[pairs["group"] == EXPOSED].iterrows()
    ]
    responders = [
        np.array(
            [[a.responders, b.responders], [a.evaluable - a.responders, b.evaluable - b.responders]]
        )
        for a, b in combos
    ]
    cons = [_int("consolidation_count", arm) for arm in ARMS]
    consolidated = [
        np.array([cons, [a.responders - cons[0], b.responders - cons[1]]]) for a, b in combos
    ]
    notes = [f"{a.responders}/{a.evaluable} vs {b.responders}/{b.evaluable}" for a, b in combos]
    for label, pq, tables, rows, basis, note in (
        (
            "CR/CRi after brexu-cel",
            "cr_cri_p",
            responders,
            ["CR/CRi", "no response"],
            "counts inferred",
            "responders and evaluable patients inferred from 88.2%/91.6% and the consolidation "
            "percentages",
        ),
        (
            "Consolidation/maintenance among responders",
            "consolidation_p",
            consolidated,
            ["yes", "no"],
            "denominators inferred",
            "denominator: responders, inferred as for CR/CRi",
        ),
    ):
        compare(
            label, "text", pq, tables, rows, _possible(basis, tables), note=note, table_notes=notes
        )
    return out


@lru_cache(maxsize=1)
def _pvalues_cached() -> pd.DataFrame:
    return pd.DataFrame([evaluate(c) for c in _comparisons()])


def pvalues() -> pd.DataFrame:
    """Every ROCCA categorical p-value recomputable from printed counts, under each test.

    One row per comparison (and per handling of 'Missing' where the table has such a row).
    Columns: statistic, source, quantity, handling, basis ('printed counts', 'denominators
    inferred (unique)', 'counts inferred (unique)', '... (k possible)'), printed, published,
    n_tables, table, chi2, chi2_yates, fisher (p-values), match_<test>, n_match_<test>,
    reproduced_by, note. When several tables are possible, a test 'matches' if any does,
    and the p shown is that table's.
    """
    return _pvalues_cached().copy()


def test_used(frame: pd.DataFrame | None = None) -> str:
    """The test that reproduces the most ROCCA p-values recomputed from printed counts.

    Counted over comparisons with basis 'printed counts' (one per variable: the handling
    of Missing that reproduces, if any). Returns a key of :data:`TESTS`.
    """
    score = _test_scores(frame)
    return max(score, key=lambda t: (score[t], -list(TESTS).index(t)))


def _test_scores(
    frame: pd.DataFrame | None = None, basis: str = "printed counts"
) -> dict[str, int]:
    frame = pvalues() if frame is None else frame
    subset = frame[frame["basis"] == basis] if basis else frame
    score = {}
    for test in TESTS:
        per_variable = subset.groupby("quantity")[f"match_{test}"].any()
        score[test] = int(per_variable.sum())
    return score


def pvalue_summary(frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per test: ROCCA p-values reproduced to printed precision.

    Columns: test, key, reproduced_printed_counts / of_printed_counts (comparisons whose
    counts and denominators are printed), reproduced_2x2 / of_2x2 (the 2 x 2 ones among them:
    only these tell the chi-square tests apart, since R, like most software, applies Yates'
    correction to 2 x 2 tables only), reproduced_all / of_all (including inferred
    denominators). A variable with a 'Missing' row counts once, as reproduced if either
    handling of Missing reproduces it.
    """
    frame = pvalues() if frame is None else frame
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


def inferred_pvalues() -> pd.DataFrame:
    """p-values printed with percentages only (supplemental Tables 1-2, MRD): every table
    whose counts round to the printed percentages, with denominators from 75% of the group
    up to the whole group, under each test.

    Columns: statistic, source, groups, printed, n_tables, n_match_<test>, share_<test>,
    whole_group_table, whole_group_<test> (p with the whole groups as denominators, when the
    percentages allow it), note. These are not counted as exact reproductions.
    """
    out = []
    responders = response_denominators()
    for what, pq, groups, pct_q, source in PCT_ONLY:
        comparison_group = f"{groups[0]}_vs_{groups[1]}"
        if pq == "mrd_negative_p":
            comparison_group = f"{EXPOSED}_vs_{NAIVE}"
            bounds = [int(responders[responders["group"] == g]["responders"].max()) for g in groups]
            note = "denominators: patients in CR/CRi (inferred), MRD-evaluable share unknown; group order as printed"
        else:
            bounds = [_size(g) for g in groups]
            note = ""
        printed, _ = _printed(pq, comparison_group)
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


# ----------------------------------------------------------------------------- book-wide audit
def _per_arm_words(what: str, arm: str) -> str:
    """A per-arm sum check in words: 'CRS grade 1–2 + grade 3–4 = any-grade CRS, InO-naïve'."""
    arm_words = group_label(arm)
    if what.endswith(": categories add to the arm"):
        what = what.replace(": categories add to the arm", "").replace(
            "18-39 / 40-59", "18–39 / 40–59"
        )
        return f"{what}: categories = {arm_words} arm"
    for kind in ("CRS", "ICANS"):
        if what == f"{kind} grades add to any {kind}":
            return f"{kind} grade 1–2 + grade 3–4 = any-grade {kind}, {arm_words}"
    return f"Consolidation by HCT + TKI + other = consolidation, {arm_words}"


def sum_specs() -> list[tuple[str, str, list[tuple], tuple[str, str]]]:
    """Parts that should add up to a total: (statistic id, words, parts, total)."""
    specs = []
    for arm in ARMS:
        per_arm = []
        for what, _, stems, missing in TABLE1:
            if len(stems) > 1:
                parts = [(f"{s}_count", arm) for s in stems] + (
                    [(f"{missing}_count", arm)] if missing else []
                )
                per_arm.append((f"{what}: categories add to the arm", parts, ("n_patients", arm)))
        for kind in ("CRS", "ICANS"):
            stem = kind.lower()
            per_arm.append(
                (
                    f"{kind} grades add to any {kind}",
                    [(f"{stem}_grade_1_2_count", arm), (f"{stem}_grade_3_4_count", arm)],
                    (f"{stem}_any_count", arm),
                )
            )
        per_arm.append(
            (
                "consolidation types add to consolidation",
                [(f"consolidation_{t}_count", arm) for t in ("hct", "tki", "other")],
                ("consolidation_count", arm),
            )
        )
        specs += [(f"{w} ({arm})", _per_arm_words(w, arm), p, t) for w, p, t in per_arm]
    specs += [
        (
            "naive + exposed = all",
            "InO-naïve + InO-exposed = all patients",
            [("n_patients", NAIVE), ("n_patients", EXPOSED)],
            ("n_patients", "all"),
        ),
        (
            "pre-apheresis only + bridging = exposed",
            "InO before apheresis only + InO as bridging = InO-exposed",
            [("ino_preapheresis_only_count", EXPOSED), ("ino_bridging_count", EXPOSED)],
            ("n_patients", EXPOSED),
        ),
        (
            "bridging with + without earlier InO = bridging",
            "Bridging InO with + without earlier InO = bridging InO",
            [
                ("ino_bridging_with_preapheresis_count", EXPOSED),
                ("ino_bridging_without_preapheresis_count", EXPOSED),
            ],
            ("ino_bridging_count", EXPOSED),
        ),
        (
            "responders + refractory + not assessed = exposed",
            "Responded + refractory + not assessed = InO-exposed",
            [
                ("ino_responders_count", EXPOSED),
                ("ino_refractory_count", EXPOSED),
                ("ino_not_assessed_count", EXPOSED),
            ],
            ("n_patients", EXPOSED),
        ),
    ]
    return specs


def findings(percents: pd.DataFrame) -> list[dict]:
    """Relapse denominators: printed 'among responders', but the percentages need the whole
    arm (``percents``: the percentage checks of this study)."""
    rel = percents[(percents["quantity"] == "relapse_pct") & (percents["variant"] == "")]
    responders = response_denominators().groupby("group")["responders"].apply(list)
    misfits, words = [], []
    for _, r in rel.iterrows():
        arm = _size(r["group"])
        row = published.get(STUDY, "relapse_pct", r["group"])
        fits = _consistent_denominators(int(r["count"]), row, arm)
        resp = responders.get(r["group"], [])
        if not set(fits) & set(resp):
            misfits.append(
                f"{r['group']}: {int(r['count'])} relapses print as {r['published']:g}% only with "
                f"denominator(s) {compact(fits)} (arm {arm}; "
                f"responders {', '.join(map(str, resp))})"
            )
            words.append(
                f"{group_label(r['group'])}: {int(r['count'])} relapses give {r['published']:g}% "
                f"only out of {or_list(fits)} patients (arm {arm}, responders "
                f"{', '.join(map(str, resp))})"
            )
    if not misfits:
        return []
    return [
        dict(
            study=STUDY,
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
    ]


def audit_rows() -> list[dict]:
    """This study's p-value rows of ``audit.json``: one per comparison and test (kind
    'p_value'), then one per percentage-only comparison and test ('p_value_inferred').

    A p that prints as the published one only when rounded twice (to four decimals, then
    three) is scored as a match under that stated rule, which its ``tolerance`` gives, as
    the ROCCA chapter scores it: for the test the authors used (:func:`test_used`) only;
    the other tests are there for comparison and are scored strictly.
    """
    rows = []
    used = test_used()
    for r in pvalues().itertuples():
        statistic = r.statistic + (f" [{r.handling}]" if r.handling else "")
        words = r.statistic.replace("18-39 / 40-59", "18–39 / 40–59").replace(
            " 1-2 vs 3-4", " 1–2 vs 3–4"
        )
        words += f", {r.handling}" if r.handling else ""
        for test, name in TESTS.items():
            twice = test == used and bool(getattr(r, f"twice_{test}"))
            rows.append(
                dict(
                    study=STUDY,
                    kind="p_value",
                    statistic=statistic,
                    published=r.printed,
                    recomputed=round(getattr(r, test), 6),
                    test=name,
                    match=bool(getattr(r, f"match_{test}")) or twice,
                    label=words,
                    basis=r.basis,
                    quantity=r.quantity,
                    **({"tolerance": ROUNDED_TWICE} if twice else {}),
                )
            )
    for r in inferred_pvalues().itertuples():
        for test, name in TESTS.items():
            rows.append(
                dict(
                    study=STUDY,
                    kind="p_value_inferred",
                    statistic=r.statistic,
                    published=r.printed,
                    recomputed=f"{getattr(r, f'n_match_{test}')} of {r.n_tables} consistent tables",
                    test=name,
                    match=bool(getattr(r, f"n_match_{test}")),
                    label=r.label,
                    basis="percentages only",
                    quantity=r.quantity,
                )
            )
    return rows


def verdict(rows: pd.DataFrame, found: pd.DataFrame) -> str:
    """One computed sentence on ROCCA's printed numbers (``rows``: audit rows; ``found``:
    the findings)."""
    summary = pvalue_summary().set_index("key")
    used = test_used()
    best = summary.loc[used]
    others = ", ".join(
        f"{TESTS[t]} {int(summary.loc[t, 'reproduced_2x2'])}" for t in TESTS if t != used
    )
    frame = pvalues()
    printed = frame[frame["basis"] == "printed counts"].groupby("quantity")
    n_twice = int(sum(p[f"twice_{used}"].any() for _, p in printed))
    twice = f", and {n_twice} more only if rounded twice" if n_twice else ""
    return (
        f"{TESTS[used]} reproduces {best.reproduced_printed_counts} of {best.of_printed_counts} p-values "
        f"recomputable from printed counts{twice} ({best.reproduced_all} of {best.of_all} with inferred "
        f"denominators); on the {best.of_2x2} two-by-two tables, the only ones on which all three tests differ, it "
        f"reproduces {best.reproduced_2x2}, against {others}; "
        f"{percent_sentence(rows, STUDY)}; {findings_sentence(found, STUDY)}."
    )
