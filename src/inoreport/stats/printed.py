"""Does a recomputed statistic agree with the number a paper printed?

Generic tools of the audit of published numbers (they name no study):

* :func:`p_matches` — does a computed p-value print as the printed text, at its precision;
  :func:`p_matches_rounded_twice` — only when rounded twice (0.00145 -> 0.0015 -> 0.002);
* :func:`candidate_pvalues` — the p-value of a count table under each candidate test
  (:data:`TESTS`, and for 2 x 2 tables :data:`EXTRA_TESTS_2X2`);
* :class:`Comparison` and :func:`evaluate` — a printed p-value against every count table it
  may come from, under each test;
* :func:`percent_check` — a printed percentage against its count and denominator, whichever
  of the two is printed (the others are listed as the values that fit).

p-values are probabilities (0-1); percentages are in per cent (0-100).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from inoreport.published import decimals
from inoreport.stats.contingency import (
    consistent_counts,
    fisher_exact,
    fisher_mid_p,
    likelihood_ratio_chi2,
    pearson_chi2,
    rounds_to,
    rounds_to_printed,
)

__all__ = [
    "EXTRA_TESTS_2X2",
    "TESTS",
    "TWO_SIDED_TESTS",
    "ROUNDED_TWICE",
    "Comparison",
    "candidate_pvalues",
    "compact",
    "evaluate",
    "or_list",
    "p_matches",
    "p_matches_rounded_twice",
    "percent_check",
    "table_text",
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

#: The stated rule under which a p that only prints right when rounded twice is scored.
ROUNDED_TWICE = "rounds to the printed p only if rounded twice (to 4 decimals, then 3)"


def p_matches(p: float, printed: str) -> bool:
    """Does a computed p-value print as ``printed``?

    ``"<.0001"`` matches any p below 0.0001; otherwise p must round to the printed value at
    the printed number of decimals (either convention at an exact tie).
    """
    text = printed.strip()
    places = decimals(text)
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


def p_matches_rounded_twice(p: float, printed: str) -> bool:
    """Does p print as ``printed`` only when rounded twice, one place finer first?

    0.00145 prints as 0.001 directly but as 0.002 through 0.0015. False when p matches
    directly (see :func:`p_matches`) and for bounds such as ``"<.0001"``.
    """
    text = printed.strip()
    if text[:1] in "<>" or p_matches(p, text):
        return False
    return rounds_to_printed(p, text, twice=True)


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


def table_text(table: np.ndarray, rows: list[str]) -> str:
    """Compact one-line form of a two-column table: 'Ph+ 36/19; Ph-like 14/20; ...'."""
    return "; ".join(f"{r} {a}/{b}" for r, (a, b) in zip(rows, table.tolist(), strict=True))


def or_list(values: list[int]) -> str:
    """[85, 86, 87] -> '85, 86 or 87'."""
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " or " + text[-1]


def compact(values: list[int], limit: int = 12) -> str:
    """[1, 2, 3] -> '1, 2, 3'; more than ``limit`` values end with '... (n in all)'."""
    if len(values) <= limit:
        return ", ".join(str(v) for v in values)
    return ", ".join(str(v) for v in values[:limit]) + f", ... ({len(values)} in all)"


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


def evaluate(comparison: Comparison) -> dict:
    """A comparison's p-value under each test of :data:`TESTS`, and whether it prints right.

    Keys: statistic, source, quantity, handling, basis, printed, published, n_tables, shape,
    table (when there is one table), note; per test the p (that of a table that matches,
    if any does), match_<test>, n_match_<test>, twice_<test> (no table matches directly but
    one does when rounded twice), tables_<test> (which tables match, when several fit);
    reproduced_by (the tests that match, or 'none').
    """
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
        table=table_text(comparison.tables[0], comparison.labels)
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
        rec[f"twice_{test}"] = not any(matches) and any(
            p_matches_rounded_twice(p, comparison.printed) for p in ps
        )
        if len(ps) > 1:
            which = [comparison.table_notes[i] for i, m in enumerate(matches) if m]
            rec[f"tables_{test}"] = "; ".join(which)
    rec["reproduced_by"] = ", ".join(TESTS[t] for t in TESTS if rec[f"match_{t}"]) or "none"
    return rec


def percent_check(
    percent: float, places: int, count: int | None, n: int | None, bound: int | None
) -> dict:
    """A printed percentage against its count ``count`` and denominator ``n`` (either may be
    None when not printed); ``bound`` is the group size, or None when unknown.

    Returns recomputed (100 k / n, per cent), match (True/False; None when neither count
    nor denominator is printed), n and count (filled in when only one value fits), n_basis
    ('inferred' then), count_basis, consistent_denominators, consistent_counts (as text)
    and a note. Only the keys that the case sets are returned.
    """
    if count is not None and n is not None:
        return dict(recomputed=100.0 * count / n, match=rounds_to(count, n, percent, places))
    if count is not None:
        upper = bound if bound is not None else max(count, 1) * 100
        dens = [m for m in range(max(count, 1), upper + 1) if rounds_to(count, m, percent, places)]
        rec = dict(consistent_denominators=compact(dens), match=bool(dens))
        if len(dens) == 1:
            rec.update(n=dens[0], n_basis="inferred", recomputed=100.0 * count / dens[0])
        rec["note"] = (
            f"denominator not printed: {len(dens)} denominator(s) up to "
            f"{'the group size ' if bound else ''}{upper} give {percent:g}% from {count}"
        )
        return rec
    if n is not None:
        ks = consistent_counts(percent, places, n)
        rec = dict(consistent_counts=compact(ks), match=bool(ks))
        if len(ks) == 1:
            rec.update(count=ks[0], recomputed=100.0 * ks[0] / n, count_basis="inferred")
        rec["note"] = f"count not printed: {len(ks)} count(s) out of {n} give {percent:g}%"
        return rec
    if bound is not None:
        ks = consistent_counts(percent, places, bound)
        dens = [m for m in range(1, bound + 1) if consistent_counts(percent, places, m)]
        return dict(
            consistent_counts=compact(ks),
            consistent_denominators=compact(dens),
            note=(
                f"neither count nor denominator printed; {len(dens)} denominators up to the "
                f"group size {bound} are possible; with the whole group the count would be "
                f"{compact(ks) or 'impossible'}"
            ),
        )
    return dict(note="neither count nor denominator printed, group size unknown")
