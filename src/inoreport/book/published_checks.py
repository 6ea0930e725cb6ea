"""Checks of the published numbers against each other, for any study in ``data/published``.

Generic machinery of the audit (no study is named here; what one study needs to say about
its ids is a :class:`StudyRules` from ``inoreport.studies.<study>.audit``):

* :func:`percent_checks` — every printed percentage against its count and denominator;
* :func:`exact_cis` — Clopper–Pearson intervals for proportions printed without one;
* :func:`sum_check` — parts that should add up to a printed total;
* :func:`range_checks` — every median against its own printed IQR or range;
* :func:`source_findings` — two sources that disagree, swap two groups, or print the same
  interval for different estimates; :func:`check_findings` — the failed checks above as
  findings, in the ids of ``audit.json`` and in a reader's words.

Percentages and intervals are in per cent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from inoreport import published
from inoreport.book.labels import group_label, label, quantity_label, variant_label
from inoreport.stats.contingency import clopper_pearson, consistent_counts, rounds_to
from inoreport.stats.printed import percent_check

__all__ = [
    "FLAGGED",
    "StudyRules",
    "check_findings",
    "count_of",
    "exact_cis",
    "percent_checks",
    "printed_of",
    "range_checks",
    "source_findings",
    "sum_check",
    "findings_sentence",
    "group_size",
    "percent_sentence",
    "sums_sentence",
]

#: What the book does with a number that fails a check, in words.
FLAGGED = "flagged; the printed values are kept"


def count_of(study: str, quantity: str, group: str | None = None) -> int:
    """A published count (or size) as a whole number."""
    return int(round(published.value(study, quantity, group)))


def printed_of(study: str, quantity: str, group: str | None = None) -> tuple[str, float]:
    """A published number as printed (text) and as a value."""
    row = published.get(study, quantity, group)
    return row["printed"], float(row["value"])


@dataclass(frozen=True)
class StudyRules:
    """What the generic checks need to know about one study's ids.

    ``group_size``: group -> (quantity, group) holding its number of patients;
    ``count_from``: percent quantity -> [(count quantity, group or None = same group)] when
    its count is not '<stem>_count' of the same group; ``denominator_from``: percent
    quantity -> (quantity, group or None, basis) when its denominator is another quantity;
    ``joint_counts``: (quantity, group) -> dict(count, n, count_basis, note) when count
    and denominator are inferred jointly from several printed numbers, else None.
    """

    group_size: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    count_from: Mapping[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    denominator_from: Mapping[str, tuple[str, str | None, str]] = field(default_factory=dict)
    joint_counts: Callable[[str, str], dict | None] | None = None


def group_size(rules: Mapping[str, StudyRules], study: str, group: str) -> int | None:
    """Number of patients in a group (from data/published), or None if not known."""
    key = rules[study].group_size.get(group) if study in rules else None
    return None if key is None else count_of(study, *key)


def _lookup_count(
    rules: StudyRules, study: str, quantity: str, group: str, variant: str, same_source_only: bool
) -> tuple[int | None, str]:
    """Count behind a percent row (and the quantity it came from), or (None, '').

    Tried in order: '<stem>_count' of the same group, then ``rules.count_from``; each first
    in the same variant, then (unless ``same_source_only``) in the preferred row.
    """
    candidates = [[(quantity.split("_pct", 1)[0] + "_count", None)]]
    if quantity in rules.count_from:
        candidates.append(rules.count_from[quantity])
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


def percent_checks(rules: Mapping[str, StudyRules], study: str | None = None) -> pd.DataFrame:
    """Every printed percentage against its count and denominator.

    Columns: study, quantity, group, variant, statistic, label, status, preferred,
    count_basis, published (percent), decimals, count, n, n_basis ('printed', 'inferred' =
    the only denominator that fits, 'inferred jointly', or '' when unresolved), recomputed
    (100 k / n), match (True/False; None when neither count nor denominator is printed, so
    nothing can disagree), consistent_denominators, consistent_counts, note. Kaplan–Meier
    landmarks are not proportions of a fixed denominator and are not included.
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
        own = rules.get(s, StudyRules())
        pct, places = float(r["value"]), int(r["decimals"])
        k, k_from = _lookup_count(own, s, q, g, v, same_source_only=r["status"] != "published")
        n, n_basis = (int(r["n"]), "printed") if not pd.isna(r["n"]) else (None, "")
        if n is None and q in own.denominator_from:
            dq, dg, n_basis = own.denominator_from[q]
            n = count_of(s, dq, dg or g)
        joint = own.joint_counts(q, g) if n is None and own.joint_counts else None
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
            k, n = joint["count"], joint["n"]
            rec.update(
                count=k,
                n=n,
                n_basis="inferred jointly",
                count_basis=joint["count_basis"],
                recomputed=100.0 * k / n,
                match=rounds_to(k, n, pct, places),
                note=joint["note"],
            )
        else:
            rec.update(percent_check(pct, places, k, n, group_size(rules, s, g)))
            if k is not None and n is not None:
                rec["note"] = f"{k}/{n}" + (f" (count: {k_from})" if k_from and k_from != q else "")
        out.append(rec)
    return pd.DataFrame(out)


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


def exact_cis(checks: pd.DataFrame, study: str | None = None) -> pd.DataFrame:
    """Clopper–Pearson 95% intervals for proportions printed without a CI.

    From preferred, published percent rows of ``checks`` (:func:`percent_checks`) whose
    count and denominator are printed or uniquely inferred, plus count rows with a printed
    denominator and no percent row. Columns: study, statistic, label, quantity, group,
    count, n, percent, ci_low, ci_high (percent), basis.
    """
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
        out.append(
            _exact_ci(
                r,
                r["statistic"],
                # the interval is the unit here: no '(%)' after the label
                r["label"].replace(" (%)", ""),
                int(r["count"]),
                int(r["n"]),
                _ci_basis(r["count_basis"], r["n_basis"]),
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
        out.append(
            _exact_ci(
                r,
                f"{r['quantity']} [{r['group']}]",
                label(r["quantity"], r["group"]),
                int(r["value"]),
                int(r["n"]),
                "printed",
            )
        )
    return pd.DataFrame(out)


def _exact_ci(r, statistic: str, label_text: str, k: int, n: int, basis: str) -> dict:
    """One row of :func:`exact_cis`: the Clopper–Pearson 95% interval (percent) of ``k`` of
    ``n`` for the published row ``r`` (its study, quantity and group)."""
    lo, hi = clopper_pearson(k, n)
    return dict(
        study=r["study"],
        statistic=statistic,
        label=label_text,
        quantity=r["quantity"],
        group=r["group"],
        count=k,
        n=n,
        percent=100.0 * k / n,
        ci_low=100 * lo,
        ci_high=100 * hi,
        basis=basis,
    )


def sum_check(
    study: str,
    statistic: str,
    words: str,
    parts: list[tuple],
    total: tuple[str, str],
) -> dict:
    """Parts that should add up to a printed total: one row of the sum checks.

    ``parts`` are (quantity, group) or (quantity, group, variant); ``total`` is a count
    (quantity, group), or a percentage with a printed denominator, whose count is then the
    one that rounds to it (the statistic and its words say so). Keys: study, statistic,
    label (``words``), published (the total), recomputed (sum of parts), parts, match.
    """
    values = [int(round(published.value(study, *part))) for part in parts]
    if total[0].endswith("_pct"):
        row = published.get(study, *total)
        ks = consistent_counts(float(row["value"]), int(row["decimals"]), int(row["n"]))
        expected = ks[0] if len(ks) == 1 else math.nan
        tail = f" ({row['printed']}% of {int(row['n'])} = {expected})"
        statistic, words = statistic + tail, words + tail
    else:
        expected = count_of(study, *total)
    return dict(
        study=study,
        statistic=statistic,
        label=words,
        published=expected,
        recomputed=sum(values),
        parts=" + ".join(str(v) for v in values),
        match=sum(values) == expected,
    )


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


def source_findings(frame: pd.DataFrame) -> list[dict]:
    """Findings between sources of the same numbers: swapped groups, then disagreements
    (a swap is not counted again as a disagreement), then identical intervals."""
    swaps = _swaps(frame)
    swapped = {(f["study"], f["quantity"], g) for f in swaps for g in f["groups"]}
    return swaps + _conflicts(frame, skip=swapped) + _identical_cis(frame)


def check_findings(pct: pd.DataFrame, ranges: pd.DataFrame, sums: pd.DataFrame) -> list[dict]:
    """Failed percentage, range and sum checks as findings (keys: study, finding, detail,
    book_uses, label, detail_label, book_uses_label)."""
    out = []
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
    for _, r in sums.query("not match").iterrows():
        out.append(
            dict(
                study=r["study"],
                finding=f"parts do not add up: {r['statistic']}",
                detail=f"{r['parts']} = {r['recomputed']}, expected {r['published']}",
                book_uses="flagged",
                label=f"Does not add up: {r['label']}",
                detail_label=f"{r['parts']} = {r['recomputed']}, not {r['published']}",
                book_uses_label=FLAGGED,
            )
        )
    return out


def percent_sentence(rows: pd.DataFrame, study: str) -> str:
    """'k of n printed percentages agree with their counts' (``rows``: audit rows)."""
    sub = rows[(rows["study"] == study) & (rows["kind"] == "percent")]
    return f"{int(sub['match'].sum())} of {len(sub)} printed percentages agree with their counts"


def sums_sentence(rows: pd.DataFrame, study: str) -> str:
    """'k of n totals add up' (``rows``: audit rows)."""
    sub = rows[(rows["study"] == study) & (rows["kind"] == "sum")]
    return f"{int(sub['match'].sum())} of {len(sub)} totals add up"


def findings_sentence(found: pd.DataFrame, study: str) -> str:
    """'k internal inconsistencies' (``found``: the findings table)."""
    k = int((found["study"] == study).sum())
    return f"{k} internal inconsistenc{'y' if k == 1 else 'ies'}"
