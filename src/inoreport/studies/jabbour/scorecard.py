"""The Jabbour chapter's reproduction scorecard: the synthetic cohort's landmarks, medians,
log-rank p-values and follow-up against the published ones, each row keyed by its
``(quantity, group)`` in ``data/published`` and given the role the generator recorded for
that key (:func:`inoreport.studies.target_roles`), never matched by label.
"""

from __future__ import annotations

import pandas as pd

from inoreport.book.page import LEFT_OUT_HEADER, Table, left_out_cell
from inoreport.book.results import ScorecardRow, scorecard_frame
from inoreport.studies import target_roles
from inoreport.studies.jabbour.report import STUDY, Page, pub, pub_row
from inoreport.studies.jabbour.subgroups import GROUP_WORDS, median_table
from inoreport.synthetic.common import keyed, landmark_row, median_row, p_row, separation_row
from inoreport.synthetic.sources import PublishedValues, Ref

SOURCE = "Jabbour 2023 (abstract / news report)"
#: Comparisons of the published log-rank p-values: (comparison key, words).
P_VALUES = (
    ("age_pfs", "three age groups"), ("age_os", "three age groups"),
    ("band_pfs", None), ("band_os", None),
    ("ctg", "high-risk cytogenetics vs not"), ("amendment", "before vs after the amendment"),
)  # fmt: skip
#: Comparisons whose medians are scored, in the order shown.
MEDIANS = ("age_pfs", "age_os", "band_pfs", "band_os", "ctg", "tp53_pfs", "tp53_os", "amendment")
#: Shorter wording of the tolerances for the table (the JSON keeps the full text).
TOLERANCE_WORDS = {
    r"^±1 months$": "±1 month",
    r"percentage points": "points",
    r"^rounds to the printed value$": "rounds to the printed %",
    r"^same side of 0\.05 and within a factor of 2$": "same side of 0.05, within ×2",
    r"^prints as (.*): .*$": r"prints as \1",
}
KINDS = {"log-rank p": "log-rank p-values", "95% CI": "confidence limits",
         "median follow-up": "follow-up medians", "median": "medians"}  # fmt: skip


def roles_by_key(page: Page) -> dict:
    """``(quantity, group)`` -> role of the synthetic cohort's targets (empty for a real
    cohort, which was fitted to nothing)."""
    return target_roles(STUDY) if page.synthetic else {}


def _role(roles: dict, key) -> str:
    # a published number the generator was not built against is held out; so is every
    # confidence limit (key None): the generator fits point estimates only
    return roles.get(key, "held_out")


def landmark_rows(landmarks: Table, roles: dict) -> list[ScorecardRow]:
    """Each landmark (%) and its two 95% confidence limits (within 5 points)."""
    rows = []
    for r in landmarks.frame.to_dict("records"):
        key = (r["_quantity"], "all")
        stat = f"{r['Endpoint']} {r['At']} (%)"
        rows.append(keyed(landmark_row(stat, r["_pub"], r["_ours"], _role(roles, key),
                                       source=SOURCE), key))  # fmt: skip
        for bound, ours, theirs in (("low", r["_lo"], r["_plo"]), ("high", r["_hi"], r["_phi"])):
            rows.append(landmark_row(
                f"{r['Endpoint']} {r['At']} 95% CI {bound} (%)", theirs, ours,
                _role(roles, None), tolerance_pp=5.0, source=SOURCE,
            ))  # fmt: skip
    return rows


def median_rows(page: Page, found: dict, roles: dict) -> list[ScorecardRow]:
    """Each published median (months) once (the oldest group is in both age comparisons)."""
    rows, done = [], set()
    for name in MEDIANS:
        for r in median_table(page, found[name]).to_dict("records"):
            key = (f"{found[name].endpoint}_median", r["_id"])
            if key in done:
                continue
            done.add(key)
            stat = f"median {r['_endpoint']}, {r['_words']}"
            row = median_row(stat, r["_pub"], r["_ours"], _role(roles, key), source=SOURCE)
            rows.append(keyed(row, key))
    return rows


def p_rows(page: Page, found: dict, roles: dict) -> list[ScorecardRow]:
    """Each published log-rank p-value against the cohort's: a p-value the synthetic cohort
    was fitted to must print as the paper printed it; one it was not (or a cohort of your
    own) must land on the same side of 0.05 and within a factor of 2."""
    rows, values = [], PublishedValues(STUDY)
    for name, words in P_VALUES:
        c = found[name]
        words = words or f"{page.bands[0]} vs {page.bands[1]}"
        key = (f"{c.endpoint}_median_p", c.p_group)
        published, role = pub_row(*key), _role(roles, key)
        statistic = f"{c.name} log-rank p, {words}"
        if role == "calibrated":
            test = "log-rank (the sources do not name the test; a reader would assume it)"
            rows.append(separation_row(
                statistic, values, Ref(*key), c.test.p, test, role=role, source=SOURCE
            ))  # fmt: skip
            continue
        rows.append(keyed(p_row(
            statistic, published["value"], c.test.p, role, source=SOURCE,
            published_text=published["printed"],
        ), key))  # fmt: skip
    return rows


def followup_rows(overall: pd.DataFrame, by_amendment: pd.DataFrame, roles) -> list:
    """Median follow-up (months): overall, and before and after the amendment."""
    key = ("median_followup_months", "all")
    stat = "median follow-up, reverse Kaplan–Meier (months)"
    ours = float(overall["median"].iloc[0])
    rows = [keyed(median_row(stat, pub(*key), ours, _role(roles, key), source=SOURCE), key)]
    for g, gid in (("pre-amendment", "pre_amendment"), ("post-amendment", "post_amendment")):
        key = ("median_followup_months", gid)
        stat = f"median follow-up, {GROUP_WORDS[gid]} (months)"
        ours = float(by_amendment.loc[g, "median"])
        rows.append(keyed(median_row(stat, pub(*key), ours, _role(roles, key), source=SOURCE), key))
    return rows


def _number(x) -> str:
    if isinstance(x, str):
        return x
    return "—" if x is None or pd.isna(x) else f"{x:.4g}"


def scorecard_table(rows: list[ScorecardRow], synthetic: bool) -> Table:
    """The scorecard as shown: statistic, published, ours, role, match, tolerance."""
    card = scorecard_frame(rows)
    shown = pd.DataFrame({
        "Statistic": card["statistic"], "Published": card["published"].map(_number),
        "Ours": card["reproduced"].map(_number), "Role": card["role"].str.replace("_", " "),
        "Match": card["match"].map({True: "yes", False: "NO"}).fillna("—"),
        "Tolerance": card["tolerance"].replace(TOLERANCE_WORDS, regex=True),
    })  # fmt: skip
    widths = [30, 15, 12, 13, 10, 20]
    if card["left_out_match"].notna().any():
        shown[LEFT_OUT_HEADER] = [
            left_out_cell(v, m)
            for v, m in zip(card["left_out"], card["left_out_match"], strict=True)
        ]
        widths = [26, 12, 10, 11, 8, 19, 14]
    caption = (
        "Scorecard: exact rows use published numbers only; calibrated and held-out rows "
        "compare the synthetic cohort (also written to the results folder)"
        if synthetic
        else "Scorecard (also written to the results folder)"
    )
    return Table(shown, caption, synthetic=synthetic, widths=widths,
                 collapsed=f"The scorecard: {len(shown)} rows (click to open)")  # fmt: skip


def _kind(statistic: str) -> str:
    return next((v for k, v in KINDS.items() if k in statistic), "other statistics")


def scorecard_text(rows: list[ScorecardRow]) -> dict[str, str]:
    """Glue values: rows within tolerance per role, the held-out misses by kind, and what
    the misses say."""
    card = scorecard_frame(rows)
    summary = card.groupby("role")["match"].agg(["sum", "count"])
    values = {}
    for role in ("exact", "calibrated", "held_out"):
        met, n = summary.loc[role] if role in summary.index else (0, 0)
        values[f"card_{role}"] = f"{int(met)} of {int(n)}"
    held = card[card["role"] == "held_out"]
    missed = held[~held["match"].astype(bool)]
    kinds_all = held["statistic"].map(_kind).value_counts()
    kinds_missed = missed["statistic"].map(_kind).value_counts()
    values["held_missed"] = "; ".join(
        f"{n} of {kinds_all[kind]} {kind}" for kind, n in kinds_missed.items()
    ) or "none"  # fmt: skip
    # which way the missed p-values go: the cohort's curves separate less or more
    p_missed = missed[missed["statistic"].str.contains("log-rank p")]
    weaker = int((p_missed["reproduced"].astype(float) > p_missed["published"].astype(float)).sum())
    stronger = len(p_missed) - weaker
    findings = []
    if len(p_missed):
        ways = []
        if weaker:
            ways.append(f"less than the trial's did in {weaker} comparison{'s' * (weaker != 1)}")
        if stronger:
            ways.append(f"more in {stronger}")
        findings.append(
            "curves that match every published median can still separate " + " and ".join(ways)
        )
    if missed["statistic"].str.contains("median follow-up").any():
        findings.append("the follow-up medians by protocol version cannot all be right together")
    values["held_verdict"] = (
        "The held-out misses are real findings about how far published medians and landmark "
        "rates constrain a cohort: " + ", and ".join(findings) + "."
        if findings
        else "No held-out p-value or follow-up median is missed."
    )
    return values
