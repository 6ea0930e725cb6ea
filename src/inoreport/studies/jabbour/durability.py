"""Durability in the Jabbour chapter: progression-free and overall survival from the start of
treatment, continuous remission duration (CRD, deaths in remission censored) from remission,
their 2- and 5-year estimates beside the published ones, and follow-up. Times in months.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from inoreport.book.page import Table
from inoreport.figures.plots import km_plot, show
from inoreport.stats.survival import kaplan_meier, median_followup
from inoreport.studies.jabbour.report import Page, pub, pub_row, source_of, with_ci

ENDPOINT_NAMES = {"pfs": "PFS", "os": "OS"}
#: Times of the risk tables under the curves (months).
RISK_TIMES = list(range(0, 121, 12))
#: Published landmark quantities by endpoint and landmark index (2 and 5 years).
LANDMARK_QUANTITIES = {"PFS": ("pfs_2y", "pfs_5y"), "OS": ("os_2y", "os_5y"),
                       "CRD": ("crd_2y", "crd_5y")}  # fmt: skip


@dataclass
class Durability:
    """Kaplan–Meier fits: PFS and OS stacked (group = endpoint), and CRD."""

    pfs_os: object
    crd: object


def fit_durability(page: Page) -> Durability:
    """Kaplan–Meier fits of PFS and OS (all patients) and of CRD (patients in remission)."""
    stacked = pd.concat(
        [
            page.data[["patient_id", f"{ep}_months", f"{ep}_event"]]
            .set_axis(["patient_id", "months", "event"], axis=1)
            .assign(endpoint=name)
            for ep, name in ENDPOINT_NAMES.items()
        ],
        ignore_index=True,
    )
    pfs_os = kaplan_meier(stacked, "months", "event", by="endpoint", order=["PFS", "OS"])
    return Durability(pfs_os, kaplan_meier(page.in_remission, "crd_months", "crd_event"))


def pfs_os_figure(page: Page, fits: Durability):
    """PFS and OS curves with a risk table, and the caption."""
    fig = km_plot(
        fits.pfs_os, risk_times=RISK_TIMES, xlabel="Months from the start of treatment",
        title=f"Progression-free and overall survival{page.syn}", synthetic=page.synthetic,
        legend_title="Endpoint", endpoint="progression-free and overall survival",
        calibrated_horizon=page.horizon_of("PFS", "OS"),
    )  # fmt: skip
    return show(fig, caption=(
        f"PFS and OS, all {len(page.data)} patients{page.syn}; crosses mark censoring."
        f"{page.beyond('PFS', 'OS', test=False)}"
    ))  # fmt: skip


def crd_figure(page: Page, fits: Durability):
    """The remission-duration curve with a risk table, and the caption."""
    fig = km_plot(
        fits.crd, risk_times=RISK_TIMES, xlabel="Months from remission",
        ylabel="Probability still in remission", title=f"Continuous remission duration{page.syn}",
        synthetic=page.synthetic,
        endpoint="continuous remission duration (deaths in remission censored)",
        calibrated_horizon=page.horizon_of("CRD"),
    )  # fmt: skip
    return show(fig, caption=(
        f"Continuous remission duration, {len(page.in_remission)} patients in remission"
        f"{page.syn}; deaths in remission are censored, so the curve describes relapse only."
        f"{page.beyond('CRD', test=False)}"
    ))  # fmt: skip


def pfs_os_crossing(page: Page, fits: Durability) -> dict[str, str]:
    """Glue value ``pfs_os_note``: whether (and from when, in months) the OS estimate falls
    below the PFS estimate, and whether every patient's two endpoints agree."""
    km = fits.pfs_os
    data = page.data
    steps = sorted(set(km.table["time"]))
    curves = km.landmarks(steps).pivot(index="time", columns="group", values="survival")
    below = curves.index[(curves["OS"] < curves["PFS"] - 1e-12).to_numpy()]
    per_patient_ok = bool(
        (data["pfs_months"] <= data["os_months"] + 1e-9).all()
        and (data.loc[data["os_event"] == 1, "pfs_event"] == 1).all()
    )
    if not len(below):
        return {"pfs_os_note": (
            "The OS curve stays on or above the PFS curve throughout, as expected: every death "
            "is also a PFS event. (Kaplan–Meier curves for the two endpoints can still cross in "
            "other data when censoring differs between them, late in follow-up when few "
            "patients remain at risk.)"
        )}  # fmt: skip
    if not per_patient_ok:
        return {"pfs_os_note": (
            f"From about {float(below[0]):.0f} months the OS curve runs below the PFS curve, "
            "and some patients' PFS and OS times disagree (a PFS time after the OS time, or a "
            "death that is not a PFS event): check how the two endpoints were recorded."
        )}  # fmt: skip
    crossing = float(below[0])
    at_risk = km.risk_table([crossing])
    most = 100 * float((curves["PFS"] - curves["OS"]).max())
    h_both = page.horizon_of("PFS", "OS")
    extrapolated = (
        f"The crossing lies in the extrapolated part (after {h_both:g} months), where the "
        "synthetic curves follow the generator's assumptions, so it says nothing about the "
        "trial; it shows only how such curves can behave. "
        if h_both and crossing > h_both
        else ""
    )
    return {"pfs_os_note": extrapolated + (
        f"From about {crossing:.0f} months the OS curve runs below the PFS curve (by at most "
        f"{most:.1f} percentage points). No patient's survival is shorter than their PFS here "
        "(every PFS time is at most the OS time, and every death is also a PFS event), so this "
        "is not an error. Kaplan–Meier curves for the two endpoints can cross when censoring "
        "differs between them: a patient who relapses early is a PFS event while many "
        "patients are still at risk, a small step down; if that patient dies years later, "
        "after most others have been censored, the same death is a large step down the OS "
        f"curve. By then {int(at_risk.loc['OS'].iloc[0])} patients remain at risk for OS and "
        f"{int(at_risk.loc['PFS'].iloc[0])} for PFS, so both curves are very uncertain there."
    )}  # fmt: skip


def landmark_table(page: Page, fits: Durability) -> Table:
    """2- and 5-year PFS, OS and CRD (%, log-scale 95% CI as R's survfit) beside the
    published ones. Helper columns: ``_ours``, ``_lo``, ``_hi`` (ours, %), ``_pub``,
    ``_plo``, ``_phi`` (published, %), ``_quantity`` (its key in data/published)."""

    def at(km, group):
        frame = km.landmarks(page.landmarks)
        return frame[frame["group"].astype(str) == group].set_index("time")

    estimates = {"PFS": at(fits.pfs_os, "PFS"), "OS": at(fits.pfs_os, "OS"),
                 "CRD": at(fits.crd, "all")}  # fmt: skip
    rows = []
    for endpoint, quantities in LANDMARK_QUANTITIES.items():
        for t, quantity in zip(page.landmarks, quantities, strict=True):
            est, row = estimates[endpoint].loc[t], pub_row(quantity, "all")
            rows.append({
                "Endpoint": endpoint, "At": f"{t / 12:g}-year",
                f"Ours{page.syn}, % (95% CI)": with_ci(
                    est["survival"], est["ci_low"], est["ci_high"], scale=100),
                "Published, % (95% CI)": with_ci(row["value"], row["ci_low"], row["ci_high"]),
                "Source": source_of(row), "At risk": int(est["n_risk"]),
                "_ours": 100 * est["survival"], "_lo": 100 * est["ci_low"],
                "_hi": 100 * est["ci_high"], "_pub": float(row["value"]),
                "_plo": float(row["ci_low"]), "_phi": float(row["ci_high"]),
                "_quantity": quantity,
            })  # fmt: skip
    short, long = page.landmarks
    return Table(
        pd.DataFrame(rows),
        caption=(
            f"{short / 12:g}- and {long / 12:g}-year estimates (log-scale 95% intervals, as "
            "R's survfit)"
        ),
        synthetic=page.synthetic,
    )


def followup(page: Page) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Median follow-up by reverse Kaplan–Meier (months): overall, and by protocol version
    (indexed by group)."""
    data = page.data
    overall = median_followup(data, "os_months", "os_event")
    by_amendment = median_followup(data, "os_months", "os_event", by="amendment")
    return overall, by_amendment.set_index("group")


def durability_text(landmarks: Table, overall_followup: pd.DataFrame) -> dict[str, str]:
    """Glue values of the durability paragraphs (gaps and widths in percentage points)."""
    lm = landmarks.frame
    width_pub = (lm["_phi"] - lm["_plo"]).mean()
    fu = overall_followup.iloc[0]
    return {
        "fu_ours": f"{fu['median']:.1f} months (95% CI {fu['ci_low']:.1f}–{fu['ci_high']:.1f})",
        "fu_published": f"{pub('median_followup_months', 'all'):g} months",
        "lm_gap": f"{lm.eval('abs(_ours - _pub)').max():.1f} percentage points",
        "lm_width": f"{(lm['_hi'] - lm['_lo']).mean():.0f}",
        "lm_width_pub": f"{width_pub:.0f}",
        "lm_half": f"±{width_pub / 2:.0f}",
        "pfs5": f"{pub_row('pfs_5y', 'all')['printed']}% ({source_of(pub_row('pfs_5y', 'all'))})",
        "crd5": f"{pub_row('crd_5y', 'all')['printed']}% ({source_of(pub_row('crd_5y', 'all'))})",
    }
