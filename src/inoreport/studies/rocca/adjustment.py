"""What ROCCA's estimates of prior InO can and cannot mean (Aldoss 2024), from published numbers.

* :func:`exposure_timing` — when the 102 exposed patients had InO: only before apheresis or
  as bridging, with the intervals the paper gives (days).
* :func:`adjusted_model_covariates` — the covariates of the adjusted PFS model that the paper
  names, each with when it is fixed relative to InO exposure (before it, or after it and so
  possibly on the path from InO to the outcome).
* :func:`crude_and_adjusted` — the unadjusted and adjusted hazard ratios for prior InO side
  by side, each with what it adjusts for and the direction of its likely bias.

Everything is read from ``data/published/rocca.csv``; nothing here is synthetic.
"""

from __future__ import annotations

import pandas as pd

from inoreport import published
from inoreport.stats import evidence

__all__ = ["adjusted_model_covariates", "crude_and_adjusted", "exposure_timing"]

STUDY = "rocca"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"
VERSUS = f"{EXPOSED}_vs_{NAIVE}"


def _pub(quantity: str, group: str) -> float:
    return float(published.value(STUDY, quantity, group))


def _hr(quantity: str, group: str) -> tuple[float, float, float]:
    r = published.get(STUDY, quantity, group)
    return float(r["value"]), float(r["ci_low"]), float(r["ci_high"])


def exposure_timing() -> pd.DataFrame:
    """When the InO-exposed patients had InO, as the paper reports it.

    Columns: ``item``, ``count`` and ``of`` (patients, where a count is reported),
    ``median``, ``low``, ``high`` (a median and range, where one is reported) and ``unit``
    ("patients", "days" or "doses"). Days run from the last pre-apheresis InO dose to
    apheresis, and from the last bridging InO dose to brexu-cel infusion.
    """
    n = int(_pub("n_patients", EXPOSED))
    bridging = int(_pub("ino_bridging_count", EXPOSED))

    def count(item, quantity, of=n):
        return {"item": item, "count": int(_pub(quantity, EXPOSED)), "of": of, "median": None,
                "low": None, "high": None, "unit": "patients"}  # fmt: skip

    def spread(item, stem, unit):
        return {"item": item, "count": None, "of": None,
                "median": _pub(f"{stem}_median", EXPOSED), "low": _pub(f"{stem}_min", EXPOSED),
                "high": _pub(f"{stem}_max", EXPOSED), "unit": unit}  # fmt: skip

    rows = [
        count("InO only before apheresis", "ino_preapheresis_only_count"),
        count("InO as bridging (between apheresis and lymphodepletion)", "ino_bridging_count"),
        count(
            "bridging InO and InO before apheresis",
            "ino_bridging_with_preapheresis_count",
            of=bridging,
        ),  # fmt: skip
        count("bridging InO only", "ino_bridging_without_preapheresis_count", of=bridging),
        spread(
            "pre-apheresis InO to apheresis", "days_preapheresis_ino_to_apheresis", "days"
        ),  # fmt: skip
        spread("last bridging InO dose to infusion", "days_bridging_ino_to_infusion", "days"),
        spread("InO doses before apheresis", "ino_doses_preapheresis", "doses"),
        spread("InO doses as bridging", "ino_doses_bridging", "doses"),
    ]
    frame = pd.DataFrame(rows)
    return frame.astype({"count": "Int64", "of": "Int64", "median": float, "low": float,
                         "high": float})  # fmt: skip


def adjusted_model_covariates() -> pd.DataFrame:
    """The adjusted PFS model's covariates that the paper names, with their timing.

    One row per covariate (level): ``covariate``, ``hr``, ``ci_low``, ``ci_high`` (the
    published hazard ratio for PFS, NaN where the paper does not print one), ``fixed_when``
    (when its value is settled, in the clinic's words), ``relative_to_ino`` ("before" or
    "after" InO exposure) and ``why`` (what that
    means for the hazard ratio of InO). The estimates are those of the model with InO split
    by response (the paper's Figure 3); the model with InO as yes/no (hazard ratio 1.20) is in
    a supplementary figure the paper text does not list, so its covariates are assumed to be
    the same.
    """
    cons_exposed = int(_pub("consolidation_count", EXPOSED))
    cons_naive = int(_pub("consolidation_count", NAIVE))
    cons_pct = (_pub("consolidation_pct", EXPOSED), _pub("consolidation_pct", NAIVE))
    cons_p = published.get(STUDY, "consolidation_p", VERSUS)["printed"]
    hct = (
        int(_pub("consolidation_hct_count", EXPOSED)),
        int(_pub("consolidation_hct_count", NAIVE)),
    )
    bridging = int(_pub("ino_bridging_count", EXPOSED))
    pre_only = int(_pub("ino_preapheresis_only_count", EXPOSED))
    rows = [
        ("InO responder (vs InO-naïve)", "hr_pfs_ino_responsive",
         "after InO: response to InO is assessed once InO has been given", "after",
         "part of the exposure; splitting exposed patients by their response to InO compares "
         "groups defined by an outcome of InO"),
        ("InO refractory (vs InO-naïve)", "hr_pfs_ino_refractory",
         "after InO, as above", "after", "as above"),
        ("Age and race/ethnicity", None, "at infusion (demographics)", "before",
         "kept in the model by the authors' rule whatever their p-value; estimates not printed"),
        ("Transplant before CAR-T", "hr_pfs_prior_hct",
         "before brexu-cel (its order relative to InO is not reported)", "before",
         "a baseline characteristic: adjusting for it can remove confounding"),
        ("Any bridging therapy", "hr_pfs_bridging_therapy",
         "between apheresis and lymphodepletion", "after",
         f"comes after InO for the {pre_only} exposed patients who had InO only before "
         f"apheresis, and is InO itself for the {bridging} bridged with it: adjusting for it "
         "removes part of the contrast the model is meant to estimate"),
        ("Consolidation after response: transplant", "hr_pfs_consolidation_hct",
         "after response to brexu-cel", "after",
         f"a likely mediator: any consolidation or maintenance went to {cons_exposed} exposed "
         f"({cons_pct[0]:g}%) vs {cons_naive} naïve ({cons_pct[1]:g}%) responders, p = "
         f"{cons_p} (transplant: {hct[0]} vs {hct[1]}), a gap the authors link to concern "
         "about sinusoidal obstruction syndrome after InO"),
        ("Consolidation after response: TKI", "hr_pfs_consolidation_tki",
         "after response to brexu-cel", "after", "as above"),
    ]  # fmt: skip
    out = []
    for covariate, quantity, when, relative, why in rows:
        hr, low, high = _hr(quantity, "model_2") if quantity else (float("nan"),) * 3
        out.append({"covariate": covariate, "hr": hr, "ci_low": low, "ci_high": high,
                    "fixed_when": when, "relative_to_ino": relative, "why": why})  # fmt: skip
    return pd.DataFrame(out)


def crude_and_adjusted(landmark_months=(6, 12)) -> pd.DataFrame:
    """Unadjusted and adjusted PFS hazard ratios for prior InO (exposed vs naïve), as bounds.

    The paper prints no unadjusted hazard ratio, only its p-value (.013); the unadjusted rows
    are *derived*: the hazard ratio implied by the published landmark PFS of each group under
    proportional hazards, HR = ln S_exposed / ln S_naive, with a CI from the published
    intervals read on the log-log scale (on which they reproduce; see the evidence chapter).
    The adjusted row is the published model-1 estimate. Columns: ``estimate``, ``hr``,
    ``ci_low``, ``ci_high``, ``status`` ("derived" or "published"), ``adjusts_for``,
    ``likely_bias`` (direction, relative to InO's total effect on PFS).
    """
    rows = []
    for month in landmark_months:
        exposed = published.get(STUDY, f"pfs_{month:g}mo", EXPOSED)
        naive = published.get(STUDY, f"pfs_{month:g}mo", NAIVE)
        implied = evidence.landmark_hazard_ratio(
            *[(r["value"] / 100, r["ci_low"] / 100, r["ci_high"] / 100) for r in (exposed, naive)],
            scale="log-log",
        )
        rows.append({
            "estimate": f"Unadjusted, implied by {month:g}-month PFS "
                        f"({exposed['printed']}% vs {naive['printed']}%)",
            "hr": implied.estimate, "ci_low": implied.ci_low, "ci_high": implied.ci_high,
            "status": "derived",
            "adjusts_for": "nothing",
            "likely_bias": "away from 1 (above it), if sicker patients were more often given "
                           "InO (confounding by indication)",
        })  # fmt: skip
    hr, low, high = _hr("hr_pfs_ino_exposed", "model_1")
    rows.append({
        "estimate": "Adjusted (the paper's multivariable model)",
        "hr": hr, "ci_low": low, "ci_high": high, "status": "published",
        "adjusts_for": "baseline characteristics, and also bridging therapy and consolidation "
                       "after response, which come after InO",
        "likely_bias": "towards 1, if InO worsens PFS partly by making consolidation less "
                       "likely or through the bridging it is part of (over-adjustment)",
    })  # fmt: skip
    return pd.DataFrame(rows)


def _hr_cell(hr, low, high) -> str:
    return "not printed" if pd.isna(hr) else f"{hr:.2f} ({low:.2f}–{high:.2f})"


def covariates_shown(covariates: pd.DataFrame) -> pd.DataFrame:
    """:func:`adjusted_model_covariates` as the chapter shows it (hazard ratios as text)."""
    return pd.DataFrame({
        "Covariate": covariates["covariate"],
        "Published HR for PFS (95% CI)": [
            _hr_cell(*r) for r in covariates[["hr", "ci_low", "ci_high"]].to_numpy()
        ],
        "Settled": covariates["fixed_when"],
        "Before or after InO": covariates["relative_to_ino"],
        "What it means for the InO estimate": covariates["why"],
    })  # fmt: skip


def bounds_shown(bounds: pd.DataFrame) -> pd.DataFrame:
    """:func:`crude_and_adjusted` as the chapter shows it (derived estimates marked)."""
    return pd.DataFrame({
        "Estimate": bounds["estimate"]
        + [" (derived)" if s == "derived" else "" for s in bounds["status"]],
        "HR for PFS (95% CI)": [
            _hr_cell(*r) for r in bounds[["hr", "ci_low", "ci_high"]].to_numpy()
        ],
        "Adjusts for": bounds["adjusts_for"],
        "Likely bias, relative to InO's total effect": bounds["likely_bias"],
    })  # fmt: skip


def bounds_text(bounds: pd.DataFrame) -> str:
    """Where InO's total effect on PFS lies if the crude (12-month) and adjusted hazard
    ratios bracket it: both estimates and the span of their intervals."""
    crude12 = bounds[bounds["estimate"].str.contains("12-month")].iloc[0]
    adjusted = bounds[bounds["status"] == "published"].iloc[0]
    return (
        f"between about {adjusted['hr']:.2f} and {crude12['hr']:.2f}, with the two intervals "
        f"together running from {adjusted['ci_low']:.2f} to {crude12['ci_high']:.2f}"
    )
