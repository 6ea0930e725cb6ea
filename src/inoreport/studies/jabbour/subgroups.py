"""Who did better in the Jabbour trial: PFS and OS by age (three groups; under 70 against 70
and over), PFS by high-risk cytogenetics, PFS and OS by TP53 status, and PFS before and after
the protocol amendment. Medians in months beside the published ones; log-rank p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.stats import chi2

from inoreport.book.page import Table
from inoreport.figures.plots import km_plot, show
from inoreport.stats.survival import kaplan_meier, logrank
from inoreport.stats.tables import format_p
from inoreport.studies.jabbour import cohort as generator
from inoreport.studies.jabbour.durability import ENDPOINT_NAMES, RISK_TIMES
from inoreport.studies.jabbour.report import SOURCE_WORDS, Page, months, pub, pub_row, source_of
from inoreport.studies.jabbour.report import with_ci as _with_ci

#: The published groups (ids in data/published/jabbour.csv) in words.
GROUP_WORDS = {
    "age_60_64": "age 60–64", "age_65_69": "age 65–69", "age_70_plus": "age ≥70",
    "age_under_70": "age <70", "ctg_high_risk": "high-risk cytogenetics",
    "ctg_not_high_risk": "no high-risk cytogenetics", "tp53_wild_type": "TP53 wild type",
    "tp53_mutated": "TP53 mutated", "pre_amendment": "before the amendment",
    "post_amendment": "after the amendment",
}  # fmt: skip
AGE_IDS = ["age_60_64", "age_65_69", "age_70_plus"]
THREE_AGES = "age_60_64_vs_65_69_vs_70_plus"
TWO_BANDS = "age_under_70_vs_70_plus"
CTG = {"not high risk": "ctg_not_high_risk", "high risk": "ctg_high_risk"}
TP53 = {"TP53 wild type": "tp53_wild_type", "TP53 mutated": "tp53_mutated"}
AMEND = {"pre-amendment": "pre_amendment", "post-amendment": "post_amendment"}
ENDPOINT_WORDS = {"pfs": "progression-free survival", "os": "overall survival"}


@dataclass
class Comparison:
    """Kaplan–Meier fit and log-rank test of one endpoint across the groups of ``column``;
    ``ids``: group label -> published group id; ``p_group``: the published p's group."""

    endpoint: str
    column: str
    ids: dict[str, str]
    km: object
    test: object
    p_group: str | None = None

    @property
    def name(self) -> str:
        return ENDPOINT_NAMES[self.endpoint]


def compare(page: Page, endpoint: str, column: str, ids: dict, p_group=None) -> Comparison:
    """Fit ``endpoint`` ('pfs' or 'os') by ``column``, groups in the order of ``ids``."""
    data, order = page.data, list(ids)
    km = kaplan_meier(data, f"{endpoint}_months", f"{endpoint}_event", by=column, order=order)
    test = logrank(data, f"{endpoint}_months", f"{endpoint}_event", column)
    return Comparison(endpoint, column, dict(ids), km, test, p_group)


def comparisons(page: Page) -> dict[str, Comparison]:
    """Every comparison of the section, by name: ``age_pfs``, ``age_os``, ``band_pfs``,
    ``band_os``, ``ctg``, ``tp53_pfs``, ``tp53_os``, ``amendment``."""
    ages = dict(zip(page.groups, AGE_IDS, strict=True))
    bands = dict(zip(page.bands, ["age_under_70", "age_70_plus"], strict=True))
    found = {}
    for ep in ENDPOINT_NAMES:
        found[f"age_{ep}"] = compare(page, ep, "age_group", ages, THREE_AGES)
        found[f"band_{ep}"] = compare(page, ep, "age_band", bands, TWO_BANDS)
    found["ctg"] = compare(page, "pfs", "cytogenetics", CTG, "ctg_high_risk_vs_not")
    for ep in ENDPOINT_NAMES:
        found[f"tp53_{ep}"] = compare(page, ep, "tp53", TP53)
    found["amendment"] = compare(page, "pfs", "amendment", AMEND, "pre_vs_post_amendment")
    return found


def fitted(page: Page, quantity: str, group: str) -> bool:
    """Was the published number at ``(quantity, group)`` a calibration target of the
    synthetic cohort (its generator's record; never for a cohort of your own)?"""
    return any(
        r.get("quantity") == quantity and r.get("group") == group and r.get("role") == "calibrated"
        for r in page.record
    )


def p_values_fitted(page: Page, *comparisons: Comparison) -> bool:
    """Were the published p-values of all ``comparisons`` calibration targets?"""
    return all(fitted(page, f"{c.endpoint}_median_p", c.p_group) for c in comparisons)


def fit_text(page: Page, found: dict[str, Comparison]) -> dict[str, str]:
    """Glue value ``groups_fitted``: what the section's synthetic numbers were fitted to."""
    tests = [found[k] for k in ("age_pfs", "age_os", "band_pfs", "band_os", "ctg", "amendment")]
    if not page.synthetic:
        text = "These are your cohort's own curves, medians and tests."
    elif p_values_fitted(page, *tests):
        text = (
            "The synthetic cohort was fitted to the medians by group **and** to the published "
            "log-rank p-values, so it agrees with both by construction. What it shows is that "
            "one cohort can meet all of them together, and what such curves look like; it says "
            "nothing new about the trial's patients."
        )
    else:
        text = (
            "The medians by group were fitted; the log-rank p-values were **not**, so they are "
            "a genuine check of whether the cohort's curves separate as the trial's did."
        )
    return {"groups_fitted": text}


def published_p(c: Comparison) -> pd.Series:
    """The published p-value row of a comparison."""
    return pub_row(f"{c.endpoint}_median_p", c.p_group)


def km_figure(page: Page, c: Comparison, title: str, legend: str, caption: str, note: str = ""):
    """A comparison's curves with log-rank p and risk table. ``caption``: its first
    sentence, ``{syn}`` marking where "(synthetic)" goes; then our p, the published p with
    its source, ``note`` and the extrapolation note."""
    fig = km_plot(
        c.km, logrank=c.test, risk_times=RISK_TIMES, xlabel="Months from the start of treatment",
        legend_title=legend, title=f"{title}{page.syn}", synthetic=page.synthetic,
        endpoint=ENDPOINT_WORDS[c.endpoint], calibrated_horizon=page.horizon_of(c.name),
    )  # fmt: skip
    row = published_p(c)
    return show(fig, caption=(
        f"{caption.replace('{syn}', page.syn)}. Log-rank p {format_p(c.test.p, digits=3)} "
        f"here; published p {row['printed']} ({source_of(row)}).{note}"
        f"{page.beyond(c.name, fitted=p_values_fitted(page, c))}"
    ))  # fmt: skip


def median_table(page: Page, c: Comparison, variant: str | None = None) -> pd.DataFrame:
    """Per group: n, events, our median and the published one (months, 95% CI). Helper
    columns: ``_ours``, ``_pub`` (months), ``_id`` (published group), ``_words``."""
    ours = c.km.medians().assign(group=lambda f: f["group"].astype(str)).set_index("group")
    rows = []
    for g, gid in c.ids.items():
        row, mine = pub_row(f"{c.endpoint}_median", gid, variant), ours.loc[g]
        rows.append({
            "Group": g, "n": int(mine["n"]), "Events": int(mine["events"]),
            f"Median{page.syn}, months (95% CI)": _with_ci(
                mine["median"], mine["ci_low"], mine["ci_high"]),
            "Published median (95% CI)": _with_ci(row["value"], row["ci_low"], row["ci_high"]),
            "_ours": float(mine["median"]), "_pub": float(row["value"]),
            "_id": gid, "_words": GROUP_WORDS[gid], "_endpoint": c.name,
        })  # fmt: skip
    return pd.DataFrame(rows)


def age_medians_table(page: Page, found: dict[str, Comparison]) -> Table:
    """Median PFS and OS (months, 95% CI) for the three age groups and the under-70 band."""
    rows = []
    for kind, n_groups in (("age", 3), ("band", 1)):
        tables = {ep: median_table(page, found[f"{kind}_{ep}"]) for ep in ENDPOINT_NAMES}
        for i in range(n_groups):
            first = tables["pfs"].iloc[i]
            row = {"Age group": first["Group"], "n": int(first["n"])}
            for ep, name in ENDPOINT_NAMES.items():
                r = tables[ep].iloc[i]
                row[f"{name} median{page.syn}"] = r[f"Median{page.syn}, months (95% CI)"]
                row[f"{name} published"] = r["Published median (95% CI)"]
            rows.append(row)
    caption = (
        "Median PFS and OS by age, months (95% CI); published values from the news report; "
        "the synthetic medians were fitted to them"
    )
    return Table(pd.DataFrame(rows), caption, synthetic=page.synthetic)


def age_tests_table(page: Page, found: dict[str, Comparison]) -> Table:
    """Log-rank p by age (three groups; the two bands) beside the published p."""
    tests = [found[f"{kind}_{ep}"] for kind in ("age", "band") for ep in ENDPOINT_NAMES]
    rows = []
    for kind, words in (("age", "three age groups"), ("band", "<70 vs ≥70")):
        for ep, name in ENDPOINT_NAMES.items():
            c = found[f"{kind}_{ep}"]
            rows.append({
                "Comparison": words, "Endpoint": name,
                f"Log-rank p{page.syn}": format_p(c.test.p, digits=3),
                "Published p": published_p(c)["printed"],
            })  # fmt: skip
    caption = "Log-rank tests by age (published p from the news report" + (
        "; the synthetic cohort was fitted to them)"
        if page.synthetic and p_values_fitted(page, *tests)
        else "; synthetic p over the whole synthetic follow-up, a check of the generator)"
        if page.synthetic
        else ")"
    )
    return Table(pd.DataFrame(rows), caption, synthetic=page.synthetic)


def age_text(page: Page, found: dict[str, Comparison]) -> dict[str, str]:
    """Glue values of the age paragraph (p-values; medians in months)."""
    pfs_band, os_band = median_table(page, found["band_pfs"]), median_table(page, found["band_os"])
    published = [pub(f"{ep}_median_p", THREE_AGES) for ep in ENDPOINT_NAMES]
    ours = [found[f"age_{ep}"].test.p for ep in ENDPOINT_NAMES]
    two_group_70 = pub_row("pfs_median", "age_70_plus", "two_groups")
    tests = [found[f"{kind}_{ep}"] for kind in ("age", "band") for ep in ENDPOINT_NAMES]
    if page.synthetic and p_values_fitted(page, *tests):
        verdict = "Both were targets, as were the p-values of the two-group comparison below."
    elif all(o > 2 * p for o, p in zip(ours, published, strict=True)):
        verdict = (
            "Medians fix one point of each curve, not how far apart the curves run elsewhere: "
            "the published p-values say the trial's curves separated more than the medians "
            "alone imply."
        )
    else:
        verdict = "See the scorecard for how close each p-value comes to the published one."
    band_fitted = fitted(page, "pfs_median", "age_under_70") and fitted(
        page, "os_median", "age_under_70"
    )
    return {
        **age_split(),
        "band_fit": "were targets too" if band_fitted else "were not targets either",
        "pfs_p_age": format_p(found["age_pfs"].test.p, digits=3),
        "age_p_verdict": verdict,
        "os_p_age": format_p(found["age_os"].test.p, digits=3),
        "pfs_p_age_pub": pub_row("pfs_median_p", THREE_AGES)["printed"],
        "os_p_age_pub": pub_row("os_median_p", THREE_AGES)["printed"],
        "band_pfs_ours": months(pfs_band["_ours"].iloc[0]),
        "band_pfs_pub": months(pfs_band["_pub"].iloc[0]),
        "band_os_ours": months(os_band["_ours"].iloc[0]),
        "band_os_pub": months(os_band["_pub"].iloc[0]),
        "two_group_ci": f"{two_group_70['ci_low']:g}–{two_group_70['ci_high']:g}",
    }


def within_young_share(p_three: float, p_two: float) -> float:
    """Share (0-1) of a three-group log-rank χ² (2 degrees of freedom, p ``p_three``) that
    the test of the oldest group against the two others (1 degree of freedom, p ``p_two``,
    the same patients) does not carry: the contrast between the two younger groups. The
    score test splits exactly into these two parts."""
    three, two = chi2.isf(p_three, 2), chi2.isf(p_two, 1)
    return max(1.0 - two / three, 0.0)


def age_split() -> dict[str, str]:
    """Glue value ``age_split``: where the published age differences lie (our arithmetic on
    the published p-values)."""
    shares = {
        ep: within_young_share(pub(f"{ep}_median_p", THREE_AGES), pub(f"{ep}_median_p", TWO_BANDS))
        for ep in ENDPOINT_NAMES
    }
    return {"age_split": (
        "The published p-values say where the age difference lies. For the same patients, "
        "the test across three groups gives a smaller p than the test of under 70 against 70 "
        "or more; the three-group statistic splits exactly into that two-group part and the "
        f"contrast between the two younger groups, which carries {100 * shares['pfs']:.0f}% of "
        f"it for PFS and {100 * shares['os']:.0f}% for OS (our arithmetic on the published "
        "p-values). So most of the three-group statistic comes from patients aged 60–64 "
        "against those aged 65–69, not from the under- against the over-70s."
    )}  # fmt: skip


def genetics_table(page: Page, found: dict[str, Comparison]) -> Table:
    """Medians (months, 95% CI) by cytogenetic risk (PFS) and TP53 status (PFS and OS)."""
    frames = [median_table(page, found[k]) for k in ("ctg", "tp53_pfs", "tp53_os")]
    frame = pd.concat(frames, ignore_index=True).rename(columns={"_endpoint": "Endpoint"})
    frame = frame[["Endpoint", *[c for c in frame.columns if c != "Endpoint"]]]
    caption = "Medians by cytogenetic risk and TP53 status, months (published: news report)"
    return Table(frame, caption, synthetic=page.synthetic)


def genetics_text(page: Page, found: dict[str, Comparison]) -> dict[str, object]:
    """Glue values of the cytogenetics and TP53 paragraph."""
    ctg = found["ctg"]
    n_ctg = int(page.data["high_risk_cytogenetics"].sum())
    published = float(published_p(ctg)["value"])
    if page.synthetic and p_values_fitted(page, ctg):
        verdict = (
            "The synthetic cohort was fitted to this p-value as well as to both medians; with "
            "another number of high-risk patients the same p-value and medians would need "
            "differently shaped curves."
        )
    elif ctg.test.p < published / 2:
        verdict = (
            "Here the synthetic curves separate more than the trial's did: with "
            f"{n_ctg} high-risk patients, matching both published medians gives a smaller p than "
            "the published one, which would fit a smaller high-risk group in the trial, or "
            "curves that come together away from the medians."
        )
    elif ctg.test.p > 2 * published:
        verdict = (
            "Here the synthetic curves separate less than the trial's did, which would fit a "
            f"larger high-risk group than {n_ctg}."
        )
    else:
        verdict = "The synthetic p is close to the published one."
    basis = generator.ASSUMPTION_NOTES["n_high_risk_cytogenetics"][2].split(": ", 1)[-1]
    return {
        "n_ctg": n_ctg,
        "ctg_p": format_p(ctg.test.p, digits=3),
        "ctg_p_pub": published_p(ctg)["printed"],
        "ctg_basis": (
            basis if page.synthetic else "not used: this cohort records cytogenetics itself"
        ),
        "n_tp53": int(pub("n_tp53_mutated", "all")),
        "ctg_verdict": verdict,
    }


def amendment_readings() -> Table:
    """The amendment's two PFS medians as each source orders them (months, 95% CI)."""
    rows = []
    for variant, label in (("abstract_order", SOURCE_WORDS["abstract"]),
                           ("news_order", "news report")):  # fmt: skip
        for group in AMEND.values():
            row = pub_row("pfs_median", group, variant)
            rows.append({
                "Reading": label, "Cohort": group.replace("_", "-"),
                "Median PFS, months (95% CI)": _with_ci(row["value"], row["ci_low"], row["ci_high"]),
                "Used in this book": "yes" if row["preferred"] else "no", "Why": row["note"],
            })  # fmt: skip
    return Table(pd.DataFrame(rows), "Two readings of the amendment comparison (published)")


def amendment_table(page: Page, c: Comparison, by_amendment: pd.DataFrame) -> Table:
    """PFS medians and median follow-up (months; published follow-up with its range) by
    protocol version; ``by_amendment``: reverse-KM follow-up indexed by protocol."""
    rows = []
    for r in median_table(page, c).to_dict("records"):
        gid = r["_id"]
        rows.append({
            "Protocol": r["Group"], "n": r["n"], "Events": r["Events"],
            f"PFS median{page.syn}": r[f"Median{page.syn}, months (95% CI)"],
            "PFS published": r["Published median (95% CI)"],
            f"Follow-up{page.syn}": months(by_amendment.loc[r["Group"], "median"]),
            "Follow-up published": (
                f"{pub('median_followup_months', gid):g} ({pub('median_followup_min', gid):g}–"
                f"{pub('median_followup_max', gid):g})"
            ),
        })  # fmt: skip
    caption = (
        "PFS medians (95% CI) and median follow-up (published: range, from the news report) "
        "by protocol version, months"
    )
    return Table(pd.DataFrame(rows), caption, synthetic=page.synthetic)


def amendment_text(c: Comparison, by_amendment: pd.DataFrame) -> dict[str, str]:
    """Glue values of the amendment paragraph (months; p-values)."""
    overall = pub("median_followup_months", "all")
    ours = {g: by_amendment.loc[g, "median"] for g in AMEND}
    gaps = [abs(ours[g] - pub("median_followup_months", gid)) for g, gid in AMEND.items()]
    pre, post = months(ours["pre-amendment"]), months(ours["post-amendment"])
    if all(gap <= 1.0 for gap in gaps):
        verdict = (
            f"The synthetic cohort reproduces both follow-up medians (it gives {pre} and {post} "
            f"months) although only the overall {overall:g} months was a target."
        )
    else:
        verdict = (
            "The synthetic cohort cannot reproduce those two follow-up medians together with the "
            f"overall {overall:g} months (it gives {pre} and {post} months): with enrolment "
            "spread over the published window, no steady pace of accrual yields all three, "
            "which is one more sign that the secondary sources garbled some follow-up figures."
        )
    return {
        "used_post": f"{pub_row('pfs_median', 'post_amendment')['value']:g} months",
        "amend_p_pub": published_p(c)["printed"],
        "amend_p": format_p(c.test.p, digits=3),
        "fu_pre_pub": f"{pub('median_followup_months', 'pre_amendment'):g}",
        "fu_post_pub": f"{pub('median_followup_months', 'post_amendment'):g}",
        "fu_pre_ours": pre,
        "fu_post_ours": post,
        "fu_verdict": verdict,
    }
