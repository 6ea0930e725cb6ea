"""The audit of the published numbers: every study's checks, gathered.

The checks themselves live elsewhere: generic ones in :mod:`inoreport.stats.printed`
(p-values and percentages against printed values) and :mod:`inoreport.book.published_checks`
(percentages, totals, medians, intervals and sources for any study), and each study's own in
``inoreport.studies.<study>.audit``. This module runs them over all four studies:

* :func:`percent_checks`, :func:`exact_cis`, :func:`sum_checks`, :func:`range_checks`,
  :func:`findings` — one table each, over every study;
* :func:`audit_rows` / :func:`write` — the machine-readable result ``audit.json``;
* :func:`verdicts` — one computed sentence per study; :func:`study_table` — a study's rows.

The names chapters used before the split (``rocca_pvalues``, ``alcalde_conversion_tables``,
``p_matches``, ``TESTS``, ...) are re-exported from their new homes.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from inoreport import published
from inoreport.book import published_checks as checks
from inoreport.book.labels import (
    GROUP_LABELS,
    STEM_LABELS,
    VARIANT_LABELS,
    group_label,
    label,
    quantity_label,
    variant_label,
)
from inoreport.stats.printed import (
    EXTRA_TESTS_2X2,
    TESTS,
    TWO_SIDED_TESTS,
    candidate_pvalues,
    p_matches,
)
from inoreport.studies.aertgeerts import audit as aertgeerts
from inoreport.studies.alcalde_mellado import audit as alcalde_mellado
from inoreport.studies.jabbour import audit as jabbour
from inoreport.studies.rocca import audit as rocca

__all__ = [
    "EXTRA_TESTS_2X2",
    "GROUP_LABELS",
    "MIN_SHARE",
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
    "group_size",
    "label",
    "p_matches",
    "percent_checks",
    "quantity_label",
    "range_checks",
    "rocca_inferred_pvalues",
    "rocca_pvalue_summary",
    "rocca_pvalues",
    "rocca_response_denominators",
    "rocca_test_used",
    "study_table",
    "sum_checks",
    "variant_label",
    "verdicts",
    "write",
]

#: Each study's audit module, in the order its checks are listed.
STUDIES = {
    "rocca": rocca,
    "alcalde_mellado": alcalde_mellado,
    "aertgeerts": aertgeerts,
    "jabbour": jabbour,
}
RULES = {study: module.RULES for study, module in STUDIES.items()}

# Re-exports under the names chapters call.
rocca_pvalues = rocca.pvalues
rocca_test_used = rocca.test_used
rocca_pvalue_summary = rocca.pvalue_summary
rocca_inferred_pvalues = rocca.inferred_pvalues
rocca_response_denominators = rocca.response_denominators
MIN_SHARE = rocca.MIN_SHARE
alcalde_conversion_tables = alcalde_mellado.conversion_tables
alcalde_efs_tables = alcalde_mellado.efs_tables
alcalde_trajectory_check = alcalde_mellado.trajectory_check


def group_size(study: str, group: str) -> int | None:
    """Number of patients in a group (from data/published), or None if not known."""
    return checks.group_size(RULES, study, group)


def percent_checks(study: str | None = None) -> pd.DataFrame:
    """Every printed percentage against its count and denominator
    (:func:`inoreport.book.published_checks.percent_checks`)."""
    return _percent_checks_cached(study).copy()


@lru_cache(maxsize=8)
def _percent_checks_cached(study: str | None) -> pd.DataFrame:
    return checks.percent_checks(RULES, study)


def exact_cis(study: str | None = None) -> pd.DataFrame:
    """Clopper–Pearson 95% intervals for proportions printed without a CI (per cent)."""
    return checks.exact_cis(percent_checks(study), study)


def range_checks(study: str | None = None) -> pd.DataFrame:
    """Every median against its own printed IQR or range."""
    return checks.range_checks(study)


def sum_checks() -> pd.DataFrame:
    """Parts that should add up to a printed total, every study. Columns: study, statistic,
    label (in words), published (total), recomputed (sum of parts), parts, match."""
    return pd.DataFrame(
        [
            checks.sum_check(study, *spec)
            for study, module in STUDIES.items()
            for spec in module.sum_specs()
        ]
    )


def findings() -> pd.DataFrame:
    """Internal inconsistencies found by the checks, one row each (all computed).

    Columns: study, finding (the row's id in audit.json), detail, book_uses, and the same
    in a reader's words: label, detail_label, book_uses_label.
    """
    frame = published.load()
    # between-report differences (a conference abstract's earlier data cut) are not
    # inconsistencies of the paper; the one that matters (Jabbour >=70) is a sum check
    pub = frame[frame["status"].isin(["published", "derived"])]
    out = checks.check_findings(percent_checks(), range_checks(), sum_checks())
    out += checks.source_findings(pub)
    out += rocca.findings(percent_checks("rocca"))
    out += alcalde_mellado.findings()
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


def _row(study, kind, statistic, published_value, recomputed, test, match, words, **extra):
    return dict(
        study=study,
        kind=kind,
        statistic=statistic,
        published=published_value,
        recomputed=recomputed,
        test=test,
        match=match,
        label=words,
        **extra,
    )


@lru_cache(maxsize=1)
def _audit_rows_cached() -> tuple:
    rows: list[dict] = rocca.audit_rows()
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
        rows.append(
            _row(
                r.study,
                "percent",
                r.statistic,
                r.published,
                recomputed,
                "count/denominator rounding",
                bool(r.match),
                r.label,
            )
        )
    for r in sum_checks().itertuples():
        rows.append(
            _row(
                r.study, "sum", r.statistic, r.published, int(r.recomputed), "sum of parts",
                bool(r.match), r.label,
            )
        )  # fmt: skip
    for r in range_checks().itertuples():
        rows.append(
            _row(
                r.study, "range", r.statistic, r.published, r.recomputed,
                f"median inside {r.kind}", bool(r.match), r.label,
            )
        )  # fmt: skip
    rows += alcalde_mellado.audit_rows()
    for r in exact_cis().itertuples():
        rows.append(
            _row(
                r.study, "ci", r.statistic, round(r.percent, 2),
                f"{r.ci_low:.1f}-{r.ci_high:.1f}", "Clopper-Pearson 95%", None, r.label,
            )
        )  # fmt: skip
    for r in findings().itertuples():
        rows.append(
            _row(
                r.study, "finding", r.finding, None, r.detail, "internal consistency", False,
                r.label, detail_label=r.detail_label, book_uses=r.book_uses_label,
            )
        )  # fmt: skip
    return tuple(rows)


def audit_rows() -> list[dict]:
    """Every audit result as a row: study, kind, statistic (the row's id), published,
    recomputed, test, match (True/False, None for information such as confidence intervals),
    label (the statistic in a reader's words), plus a few extras (``tolerance`` where a
    match holds only under a stated rule)."""
    return [dict(r) for r in _audit_rows_cached()]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["study", "kind", "statistic", "published", "recomputed", "test", "match", "label"],
    )


def study_table(study: str) -> pd.DataFrame:
    """A study's audit rows: study, kind, statistic, published, recomputed, test, match,
    label (the statistic in words)."""
    return _frame([r for r in audit_rows() if r["study"] == study])


def verdicts() -> dict[str, str]:
    """One computed sentence per study (every number in it comes from the checks)."""
    rows = _frame(audit_rows())
    found = findings()
    return {
        "rocca": rocca.verdict(rows, found),
        "alcalde_mellado": alcalde_mellado.verdict(rows, found),
        "aertgeerts": aertgeerts.verdict(rows, found, exact_cis("aertgeerts")),
        "jabbour": jabbour.verdict(rows, found),
    }


def write(rows: list[dict] | None = None):
    """Write ``audit.json`` (rows of :func:`audit_rows`) to the results folder; return the path."""
    from inoreport.book.results import write_json

    return write_json("audit", audit_rows() if rows is None else rows)
