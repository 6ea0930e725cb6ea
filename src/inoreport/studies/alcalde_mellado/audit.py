"""Alcalde-Mellado's printed numbers checked against each other (the audit's part for
this study).

The abstract prints the tumour-burden conversion as percentages (80% vs 28.6%) with a p-value
but no counts, and 12-month EFS by burden as percentages. Here:

* :func:`conversion_tables` — every count table consistent with the conversion percentages
  (the arm sizes bound them), with its p-value under every plausible two-group test;
* :func:`efs_tables` — the count tables consistent with the EFS percentages read as crude
  proportions; :func:`trajectory_check` — can a conversion table also give the trajectory
  EFS figures as crude proportions;
* :data:`RULES`, :func:`sum_specs`, :func:`findings`, :func:`audit_rows`, :func:`verdict` —
  this study's part of the book-wide audit (:mod:`inoreport.studies.audit`).

Percentages are in per cent; p-values are probabilities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.published_checks import (
    FLAGGED,
    StudyRules,
    count_of,
    findings_sentence,
    printed_of,
)
from inoreport.stats.contingency import consistent_counts
from inoreport.stats.printed import (
    EXTRA_TESTS_2X2,
    TESTS,
    TWO_SIDED_TESTS,
    candidate_pvalues,
    p_matches,
)

STUDY = "alcalde_mellado"
ARMS = ("ino_arm", "chemo_arm")
#: group -> (quantity, group) holding the group's size.
GROUP_SIZE = {g: ("n_patients", g) for g in ("all", *ARMS)}
#: What the generic checks need to know about this study's ids.
RULES = StudyRules(group_size=GROUP_SIZE)


def _size(group: str) -> int:
    return count_of(STUDY, *GROUP_SIZE[group])


def _value(quantity: str, group: str) -> float:
    return published.value(STUDY, quantity, group)


def _pct(group: str, quantity: str = "htb_to_ltb_conversion_pct") -> tuple[float, int]:
    row = published.get(STUDY, quantity, group)
    return float(row["value"]), int(row["decimals"])


def conversion_tables() -> pd.DataFrame:
    """Count tables consistent with '80% of HTB patients reached LTB with inotuzumab vs 28.6%
    with chemotherapy' (arm sizes bound the HTB counts), with each table's p-value under
    every plausible two-group test and whether it prints as the published p.

    Columns: ino_converted, ino_htb, chemo_converted, chemo_htb, table, then for each test in
    TESTS and EXTRA_TESTS_2X2 the p-value and match_<test>; any_match.
    """
    ino_pct, ino_dec = _pct("ino_arm")
    chemo_pct, chemo_dec = _pct("chemo_arm")
    printed, _ = printed_of(STUDY, "htb_to_ltb_conversion_p", "ino_arm_vs_chemo_arm")
    out = []
    for n_ino in range(1, _size("ino_arm") + 1):
        for k_ino in consistent_counts(ino_pct, ino_dec, n_ino):
            for n_chemo in range(1, _size("chemo_arm") + 1):
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


def efs_tables() -> pd.DataFrame:
    """Count tables consistent with 12-month EFS 81.8% (LTB at infusion) vs 25% (HTB), at
    most 24 patients in all, read as crude proportions (no censoring before 12 months).

    The printed p=0.019 most likely comes from a log-rank test, which needs event times;
    the proportion-test p-values here show only what the counts alone would give.
    """
    ltb, ltb_dec = _pct("ltb_at_infusion", "efs_12mo")
    htb, htb_dec = _pct("htb_at_infusion", "efs_12mo")
    total = _size("all")
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


def trajectory_check() -> pd.DataFrame:
    """Can the conversion tables also give the trajectory EFS figures as crude proportions?

    For each table consistent with 80% vs 28.6%: patients who maintained HTB (not converted)
    and who maintained LTB (24 minus those with HTB before bridging); the abstract prints
    25% EFS for maintained HTB and 100% for maintained LTB, so the first count must admit
    25% and the second must be at least 1.
    """
    total = _size("all")
    htb_pct, htb_dec = _pct("maintained_htb", "efs_12mo")
    out = []
    for _, t in conversion_tables().iterrows():
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


# ----------------------------------------------------------------------------- book-wide audit
def sum_specs() -> list[tuple[str, str, list[tuple], tuple[str, str]]]:
    """Parts that should add up to a total: (statistic id, words, parts, total)."""
    return [
        (
            "inotuzumab + chemotherapy arms = all",
            "InO + chemotherapy bridging arms = all patients",
            [("n_patients", "ino_arm"), ("n_patients", "chemo_arm")],
            ("n_patients", "all"),
        )
    ]


def conversion_words(table: str) -> str:
    """'8/10 vs 2/7' -> 'InO 8/10 vs chemotherapy 2/7' (converted / high burden before bridging)."""
    ino, chemo = table.split(" vs ")
    return f"InO {ino} vs chemotherapy {chemo}"


def findings() -> list[dict]:
    """Inconsistencies among the abstract's EFS and conversion figures, and the conversion
    p-value that no consistent table reproduces."""
    out = []
    # a pooled estimate equal to one subgroup although the other subgroup differs
    pooled = _value("efs_12mo", "ltb_at_infusion")
    sub = [_value("efs_12mo", g) for g in ("achieved_ltb", "maintained_ltb")]
    if min(sub) != max(sub) and pooled in sub:
        detail = (
            f"LTB at infusion {pooled:g}% = achieved LTB {sub[0]:g}%, maintained LTB {sub[1]:g}%: "
            "impossible for crude proportions unless maintained LTB is empty"
        )
        out.append(
            dict(
                study=STUDY,
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
    traj = trajectory_check()
    if not traj["consistent"].any():
        out.append(
            dict(
                study=STUDY,
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
                    f"{conversion_words(t.table)}: {t.maintained_htb} stayed at high burden, "
                    f"{t.maintained_ltb} at low burden"
                    for t in traj.itertuples()
                ),
                book_uses_label=FLAGGED,
            )
        )
    alc = conversion_tables()
    if not alc["any_match"].any():
        pcts = [_value("htb_to_ltb_conversion_pct", g) for g in ARMS]
        printed = alc["printed"].iloc[0]
        out.append(
            dict(
                study=STUDY,
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
                    f"{conversion_words(t.table)}: χ² {t.chi2:.3f}, Yates {t.chi2_yates:.3f}, "
                    f"Fisher {t.fisher:.3f}"
                    for t in alc.itertuples()
                ),
                book_uses_label="every consistent table; none is treated as the paper's",
            )
        )
    return out


def audit_rows() -> list[dict]:
    """This study's table rows of ``audit.json``: every conversion table under every test."""
    rows = []
    for r in conversion_tables().itertuples():
        for test, name in {**TESTS, **EXTRA_TESTS_2X2}.items():
            rows.append(
                dict(
                    study=STUDY,
                    kind="table",
                    statistic=f"HTB->LTB conversion {r.table}",
                    published=r.printed,
                    recomputed=round(getattr(r, test), 6),
                    test=name,
                    match=bool(getattr(r, f"match_{test}")),
                    label=f"High to low tumour burden before infusion, {conversion_words(r.table)}",
                )
            )
    return rows


def verdict(rows: pd.DataFrame, found: pd.DataFrame) -> str:
    """One computed sentence on the abstract's printed numbers (``found``: the findings)."""
    alc = conversion_tables()
    ino, chemo = (_value("htb_to_ltb_conversion_pct", g) for g in ARMS)
    return (
        f"{len(alc)} count tables fit {ino:g}% vs {chemo:g}% and {int(alc['any_match'].sum())} of them give "
        f"the printed p={alc['printed'].iloc[0]} under any of {len(TWO_SIDED_TESTS)} two-sided tests "
        f"(or the one-sided Fisher test), so the p-value is not reproduced; "
        f"{findings_sentence(found, STUDY)}."
    )
