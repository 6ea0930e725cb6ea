"""ROCCA's unadjusted survival: Kaplan–Meier curves and log-rank tests by prior InO, by
response to InO and by timing of InO, beside the published landmarks and p-values.

Times are months since infusion; survival in percent; intervals on the log-log scale, on
which the paper's printed intervals reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inoreport.figures.plots import km_plot, show
from inoreport.stats import survival
from inoreport.stats.tables import format_p
from inoreport.studies.rocca.report import (
    BRIDGING,
    ENDPOINTS,
    PRE_ONLY,
    REFRACTORY,
    RESPONDER,
    SOURCE,
    RoccaCohort,
    p_scorecard_row,
    row,
)
from inoreport.synthetic.separation import within_printed

RISK_TIMES = [0, 3, 6, 9, 12, 15, 18, 21, 24]
GROUP_WORDS = {"ino_naive": "InO-naïve", "ino_exposed": "InO-exposed",
               "ino_responder": "InO-responder", "ino_refractory": "InO-refractory"}  # fmt: skip
LOGRANK_NAMES = {"exposure": "exposed vs naive", "response": "responder vs refractory",
                 "timing": "bridging vs pre-apheresis InO"}  # fmt: skip
LOGRANK_TEST = (
    "log-rank (the paper does not name its test; the natural reading for unadjusted curves)"
)


@dataclass
class Comparison:
    """One comparison: the column, the groups shown, those the log-rank test compares, the
    published group ids, the published id of the comparison, and its title."""

    column: str
    shown: list
    compared: list
    published_groups: dict
    published_id: str
    title: str


def comparisons(rc: RoccaCohort) -> dict[str, Comparison]:
    """The comparisons the cohort's columns allow: exposure, response, timing."""
    ref = rc.reference
    every = {
        "exposure": Comparison("group", rc.groups, rc.groups,
                               {ref: "ino_naive", rc.exposed_label: "ino_exposed"},
                               "ino_exposed_vs_ino_naive", "by prior InO"),
        "response": Comparison("ino_response_group", [ref, RESPONDER, REFRACTORY],
                               [RESPONDER, REFRACTORY],
                               {ref: "ino_naive", RESPONDER: "ino_responder",
                                REFRACTORY: "ino_refractory"},
                               "ino_responder_vs_ino_refractory", "by response to InO"),
        "timing": Comparison("timing_group", [PRE_ONLY, BRIDGING], [PRE_ONLY, BRIDGING], {},
                             "ino_bridging_vs_ino_preapheresis_only", "by timing of InO"),
    }  # fmt: skip
    return {k: c for k, c in every.items() if c.column in rc.data.columns}


def _published_or_none(quantity, group_id):
    if group_id is None:
        return None
    try:
        return row(quantity, group_id)
    except KeyError:
        return None


@dataclass
class UnadjustedSurvival:
    """Kaplan–Meier fits and log-rank tests by (comparison, endpoint), and the tables of
    landmark estimates (percent) and log-rank p-values beside the published ones."""

    comparisons: dict
    km: dict
    logrank: dict
    landmarks: pd.DataFrame
    logranks: pd.DataFrame


def unadjusted_survival(rc: RoccaCohort) -> UnadjustedSurvival:
    """Fit every comparison for PFS and OS (log-log intervals) at the cohort's landmarks."""
    found = comparisons(rc)
    km_fits, tests, landmark_rows, logrank_rows = {}, {}, [], []
    for name, c in found.items():
        subset = rc.data[rc.data[c.column].isin(c.shown)]
        for endpoint, (time_col, event_col, label) in ENDPOINTS.items():
            km = survival.kaplan_meier(subset, time_col, event_col, by=c.column, order=c.shown,
                                       conf_type="log-log")  # fmt: skip
            test = survival.logrank(subset[subset[c.column].isin(c.compared)], time_col,
                                    event_col, c.column)  # fmt: skip
            km_fits[name, endpoint], tests[name, endpoint] = km, test
            for lm in km.landmarks(rc.landmarks).itertuples():
                if name != "exposure" and lm.group == rc.reference:
                    continue  # the same naïve patients as in the exposure comparison
                group_id = c.published_groups.get(lm.group)
                quantity = f"{endpoint}_{lm.time:g}mo"
                p = _published_or_none(quantity, group_id)
                landmark_rows.append({
                    "comparison": name, "title": c.title, "endpoint": label,
                    "group": lm.group, "month": lm.time, "ours": 100 * lm.survival,
                    "ours_low": 100 * lm.ci_low, "ours_high": 100 * lm.ci_high,
                    "published": np.nan if p is None else p["value"],
                    "published_low": np.nan if p is None else p["ci_low"],
                    "published_high": np.nan if p is None else p["ci_high"],
                    "published_id": None if p is None else (quantity, group_id),
                })  # fmt: skip
            p = row(f"{endpoint}_p", c.published_id)
            logrank_rows.append({
                "comparison": c.title, "endpoint": label, "groups": " vs ".join(c.compared),
                "ours": test.p, "published": p["value"], "published_text": p["printed"],
                "published_id": (f"{endpoint}_p", c.published_id), "name": name,
            })  # fmt: skip
    return UnadjustedSurvival(found, km_fits, tests, pd.DataFrame(landmark_rows),
                              pd.DataFrame(logrank_rows))  # fmt: skip


def calibrated_horizon(rc: RoccaCohort, fits: UnadjustedSurvival) -> float | None:
    """The last landmark (months) the synthetic generator calibrated; None for a real
    cohort. Beyond it the synthetic curves are extrapolation."""
    published = fits.landmarks[fits.landmarks["published"].notna()]
    months = [r.month for r in published.itertuples()
              if rc.is_synthetic and rc.role(r.published_id) == "calibrated"]  # fmt: skip
    return max(months) if months else None


def horizon_text(horizon: float | None) -> str:
    if horizon is None:
        return ""
    return (
        f"The synthetic curves were calibrated up to {horizon:g} months; beyond that they are "
        "drawn pale and dashed on a grey background as extrapolation, and nothing is read "
        "from them."
    )


def _p_text(p) -> str:
    text = format_p(p, digits=3)
    return f"p {text}" if text.startswith(("<", ">")) else f"p = {text}"


def km_figures(rc: RoccaCohort, fits: UnadjustedSurvival, name: str, horizon) -> list:
    """PFS and OS curves of one comparison with numbers at risk, as shown figures; the
    caption sets our log-rank p beside the published one."""
    c, out = fits.comparisons[name], []
    for endpoint, (_, _, label) in ENDPOINTS.items():
        test = fits.logrank[name, endpoint]
        fig = km_plot(
            fits.km[name, endpoint],
            logrank=test if list(c.compared) == list(c.shown) else None,
            risk_times=RISK_TIMES,
            xlabel="Months since infusion",
            ylabel=f"{label} (probability)",
            title=f"{label} {c.title}{rc.syn}",
            synthetic=rc.is_synthetic,
            calibrated_horizon=horizon,
            endpoint="progression-free survival" if endpoint == "pfs" else "overall survival",
        )
        published_p = fits.logranks.query("name == @name and endpoint == @label").iloc[0]
        out.append(show(fig, caption=(
            f"{label} {c.title}{rc.syn}. Log-rank test, {' vs '.join(c.compared)}: "
            f"{_p_text(test.p)} here; published p {published_p['published_text']}."
        )))  # fmt: skip
    return out


def _ci_text(est, low, high) -> str:
    if pd.isna(est):
        return "—"
    if pd.isna(low):
        return f"{est:.0f}"
    return f"{est:.0f} ({low:.0f}–{high:.0f})"


def landmark_shown(rc: RoccaCohort, fits: UnadjustedSurvival) -> pd.DataFrame:
    """Published landmarks (percent, 95% CI) beside ours."""
    shown = fits.landmarks[fits.landmarks["published"].notna()]
    return pd.DataFrame({
        "Comparison": shown["title"], "Endpoint": shown["endpoint"],
        "Group": shown["group"].astype(str), "Month": shown["month"].map("{:g}".format),
        f"Ours{rc.syn}, % (95% CI)": [
            _ci_text(*r) for r in shown[["ours", "ours_low", "ours_high"]].to_numpy()],
        "Published, % (95% CI)": [
            _ci_text(*r) for r in shown[["published", "published_low", "published_high"]].to_numpy()],
    })  # fmt: skip


def logrank_shown(rc: RoccaCohort, fits: UnadjustedSurvival) -> pd.DataFrame:
    """Log-rank p-values beside the published ones."""
    t = fits.logranks
    return pd.DataFrame({
        "Comparison": t["comparison"], "Endpoint": t["endpoint"], "Groups tested": t["groups"],
        f"Log-rank p{rc.syn}": t["ours"].map(lambda p: format_p(p, digits=3)),
        "Published p": t["published_text"],
    })  # fmt: skip


def crossing_pairs(landmarks) -> list[str]:
    """Published OS landmarks below the PFS landmark of the same group and month (no
    patient's OS is shorter than their PFS)."""
    crossing = []
    for group_id, group_words in GROUP_WORDS.items():
        for lm in landmarks:
            try:
                pfs_pub, os_pub = row(f"pfs_{lm:g}mo", group_id), row(f"os_{lm:g}mo", group_id)
            except KeyError:
                continue
            if os_pub["value"] < pfs_pub["value"]:
                crossing.append(f"{group_words} patients at {lm:g} months "
                                f"(OS {os_pub['printed']}%, PFS {pfs_pub['printed']}%)")  # fmt: skip
    return crossing


def comparison_texts(rc: RoccaCohort, fits: UnadjustedSurvival) -> dict[str, str]:
    """How our landmarks and log-rank p-values compare with the published ones, which
    landmarks the generator fitted, and the published pairs that are hard to reconcile."""
    lm = fits.landmarks
    shown = lm[lm["published"].notna()]
    inside = (shown["published"] >= shown["ours_low"]) & (shown["published"] <= shown["ours_high"])
    n_inside = int(inside.sum())
    t = fits.logranks
    same_side = (t["ours"] < 0.05) == (t["published"] < 0.05)
    ratio = t["ours"] / t["published"]
    close = same_side & (ratio.between(0.5, 2.0) | ((t["ours"] <= 1e-3) & (t["published"] <= 1e-3)))
    n_same, n_close = int(same_side.sum()), int(close.sum())
    as_printed = [within_printed(o, p) for o, p in zip(t["ours"], t["published_text"], strict=True)]
    n_printed = int(sum(as_printed))
    p_fitted = rc.is_synthetic and all(rc.role(k) == "calibrated" for k in t["published_id"])
    crossing = crossing_pairs(rc.landmarks)
    unfitted = [
        f"{GROUP_WORDS.get(r.published_id[1], r.published_id[1])} "
        f"{r.published_id[0].split('_')[0].upper()} at {r.month:g} months"
        for r in shown.itertuples() if rc.is_synthetic and rc.role(r.published_id) == "held_out"
    ]  # fmt: skip
    return {
        "impossible": (
            ("One published pair is hard to reconcile: " if len(crossing) == 1 else
             "Published pairs that are hard to reconcile: ")
            + "; ".join(crossing) + ". No patient's overall survival is shorter than their "
            "PFS, since every death is also a PFS event. Kaplan–Meier curves of the two "
            "endpoints can still cross when patients who relapse go on being followed for "
            "survival after others have been censored, but a gap of this size is hard to "
            "reconcile unless censoring differed a lot between the endpoints; one of the "
            "numbers may also be misprinted, or the two curves may rest on different patients."
            + (" Fitted through censoring alone, that OS landmark stayed just outside its "
               "tolerance on the synthetic cohort and held the other OS targets back, so the "
               "generator leaves it unfitted (held out)." if rc.is_synthetic else "")
        ) if crossing else "The published OS is never below the published PFS.",
        "landmark_sentence": (
            (f"All {n_inside}" if n_inside == len(shown) else f"{n_inside} of the {len(shown)}")
            + " published landmark estimates lie inside the 95% confidence interval of the"
            f"{rc.syn.replace(' (', ' ').replace(')', '')} cohort's curve; the largest gap is "
            f"{shown.eval('abs(ours - published)').max():.0f} percentage points"
        ),
        "logrank_sentence": (
            (f"All {len(t)}" if n_printed == len(t) else f"{n_printed} of the {len(t)}")
            + " log-rank p-values print as the paper printed them"
        ) if p_fitted else (
            f"Of the {len(t)} log-rank p-values, {n_same} fall on the same side of 0.05 as the "
            "published ones, but "
            + ("none is" if n_close == 0 else f"{'only ' if n_close < n_same else ''}{n_close} "
               f"{'is' if n_close == 1 else 'are'}")
            + " within a factor of two of them"
        ),
        "landmark_fit": (
            "The synthetic cohort was fitted to the landmark estimates"
            + (f" (except {', '.join(unfitted)})" if unfitted else "")
            + " and to these p-values, so both agree by construction (the scorecard at the "
            "end lists which number was fitted). A p-value depends on the whole shape of the "
            "curves and on the number of events, which the paper does not report: to carry "
            "the p-values as well as the landmarks, the generator had to choose how the curves "
            "run between and beyond the landmarks (for instance how early the InO-refractory "
            "patients' PFS events come), so those shapes are its choice, not findings"
        ) if p_fitted else (
            "The synthetic cohort was fitted to the landmark estimates"
            + (f" (except {', '.join(unfitted)})" if unfitted else "")
            + ", not to the p-values (the scorecard at the end lists which is which), so the "
            "fitted landmarks agree by construction while the p-values are a genuine check: a "
            "p-value depends on the whole shape of the curves and on the number of events, "
            "which the paper does not report"
        ) if rc.is_synthetic else (
            "Your cohort was fitted to none of these numbers, so every agreement is a genuine "
            "check"
        ),
    }  # fmt: skip


def scorecard_rows(rc: RoccaCohort, fits: UnadjustedSurvival) -> list:
    """Scorecard rows: published landmarks (and, where printed, their 95% limits) and
    log-rank p-values against ours, each with the generator's role by key."""
    from inoreport.synthetic.common import landmark_row

    rows = []
    for r in fits.landmarks[fits.landmarks["published"].notna()].itertuples():
        quantity, group_id = r.published_id
        ep, group = quantity.split("_")[0].upper(), group_id.removeprefix("ino_")
        rows.append(landmark_row(f"{ep} {r.month:g}-month, {group} (%)", r.published, r.ours,
                                 rc.role(r.published_id), source=SOURCE))  # fmt: skip
        if not pd.isna(r.published_low):
            for bound, ours, published_bound in (
                ("low", r.ours_low, r.published_low), ("high", r.ours_high, r.published_high),
            ):  # fmt: skip
                rows.append(landmark_row(
                    f"{ep} {r.month:g}-month 95% CI {bound}, {group} (%)", published_bound,
                    ours, rc.role(r.published_id, bound), tolerance_pp=5.0, source=SOURCE,
                ))  # fmt: skip
    for r in fits.logranks.itertuples():
        rows.append(p_scorecard_row(
            f"{r.endpoint} log-rank p, {LOGRANK_NAMES[r.name]}", r.published_id, r.ours,
            rc.role(r.published_id), LOGRANK_TEST,
        ))  # fmt: skip
    return rows
