"""The numbers and tables of the synthetic-cohorts page (``book/synthetic_cohorts.md``).

Every function takes the cohorts built on the page (``{study: StudyBuild}``, see
:func:`inoreport.studies.build_cohort`) or a validation result, and returns a dict of glue
values (keyed by their glue names; floats stay floats so that the page can format them) or
an HTML table. Percentages in per cent, times in months.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML, Markdown

from inoreport import published, studies
from inoreport.stats import survival
from inoreport.studies.alcalde_mellado import cohort as alcalde
from inoreport.studies.jabbour import cohort as jabbour
from inoreport.studies.rocca import cohort as rocca
from inoreport.synthetic import report, validation
from inoreport.synthetic.common import TOLERANCES

#: The page's tables wrap inside the text column (long names break, never overflow).
STYLE = HTML(
    "<style>.ino-syn{font-size:0.86em;width:100%;table-layout:auto}"
    ".ino-syn td,.ino-syn th{overflow-wrap:break-word;hyphens:none;vertical-align:top;"
    "padding:0.25em 0.45em}"
    ".ino-syn caption{caption-side:top;text-align:left;font-size:0.95em;padding-bottom:0.3em}"
    "</style>"
)
#: The ROCCA chapter's candidates for its selection rule (screen at p < 0.1, with age
#: group, race/ethnicity and the InO group forced in).
RULE_CANDIDATES = [
    "age_group", "sex", "race_ethnicity", "subtype", "disease_status", "marrow_blasts", "emd",
    "cns", "prior_lines", "prior_blinatumomab", "prior_hct", "ino_group", "bridging_therapy",
    "consolidation",
]  # fmt: skip
RULE_FORCED = ["age_group", "race_ethnicity", "ino_group"]


def table(frame: pd.DataFrame, caption: str | None = None) -> HTML:
    """A DataFrame as one of the page's tables (class ``ino-syn``), caption above."""
    text = frame.to_html(index=False, border=0, classes="table ino-syn", na_rep="", escape=True)
    text = text.replace(' style="text-align: right;"', "")
    if caption:
        text = text.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    return HTML(text)


def _rocca_pct(quantity: str, group: str) -> str:
    return f"{published.value('rocca', quantity, group):g}%"


def method_values(builds: dict) -> dict[str, object]:
    """Numbers quoted in the description of the method (from data/published and the
    generators' settings), and the tolerances that judge every target."""
    n_naive = int(published.value("rocca", "n_patients", "ino_naive"))
    out: dict[str, object] = {
        "n_studies": len(builds),
        "ex_n_naive": n_naive,
        "ex_ph_naive": int(published.value("rocca", "subtype_ph_pos_count", "ino_naive")),
        "ex_median_rank": (n_naive + 1) // 2,
    }
    for key, quantity in (("ph", "subtype_ph_pos_pct"), ("active", "status_active_pct"),
                          ("hct", "prior_hct_pct")):  # fmt: skip
        out[f"ex_{key}_resp"] = _rocca_pct(quantity, "ino_responder")
        out[f"ex_{key}_refr"] = _rocca_pct(quantity, "ino_refractory")
    for key, group in (("resp", "ino_responder"), ("refr", "ino_refractory")):
        out[f"ex_lines_{key}"] = f"{published.value('rocca', 'prior_lines_median', group):g}"
    out["ex_knots"] = ", ".join(f"{k:g}" for k in rocca.Assumptions().pfs_knots)
    out["alc_n"] = len(builds["alcalde_mellado"].cohort)
    out["alc_landmark"] = f"{alcalde.LANDMARK:g}"
    out.update({f"tol_{key}": f"{value:g}" for key, value in TOLERANCES.items()})
    return out


def summary_values(summary: pd.DataFrame) -> dict[str, object]:
    """Targets met and held-out statistics close, over every cohort (``summary``: the
    table of :func:`inoreport.synthetic.report.summary`)."""
    cal, met = int(summary["Calibrated targets"].sum()), int(summary["Met"].sum())
    held, close = int(summary["Held-out statistics"].sum()), int(summary["Close"].sum())
    return dict(
        cal_total=cal, cal_met=met, held_total=held, held_close=close,
        cal_missed=cal - met, held_missed=held - close,
    )  # fmt: skip


def _rule_sentence(builds: dict) -> Markdown:
    # The paper's selection rule applied to the generator's cohort: same covariates or not?
    rule = survival.screen_then_fit(
        builds["rocca"].cohort.copy(), "pfs_months", "pfs_event", RULE_CANDIDATES,
        threshold=0.1, forced=RULE_FORCED,
    )  # fmt: skip
    head = "The ROCCA chapter also applies the paper's own selection rule to the same cohort. "
    if set(rule.selected) == set(rocca.MODEL_2):
        return Markdown(
            head + f"Here it keeps exactly these {len(rocca.MODEL_2)} covariates, so its hazard "
            "ratios are these calibrated fits again, not a second model or an independent "
            "check; the chapter counts them once, as calibrated."
        )
    kept = ", ".join(rocca.COLUMN_LABELS.get(c, c.replace("_", " ")) for c in rule.selected)
    return Markdown(
        head + f"Here it keeps a different set of covariates ({kept}), so its hazard ratios "
        "differ from these, and the chapter scores them as held out."
    )


def findings_values(builds: dict) -> dict[str, object]:
    """Numbers of the page's three findings: ROCCA's infeasible landmark, Alcalde-Mellado's
    conversion table, and the between-group p-values fitted (ROCCA's as examples)."""
    out: dict[str, object] = {}
    rocca_rows = {r.key: r for r in builds["rocca"].targets if r.key is not None}
    for key, ref in (("rocca_lr_pfs", ("pfs_p", "ino_exposed_vs_ino_naive")),
                     ("rocca_lr_rr", ("pfs_p", "ino_responder_vs_ino_refractory")),
                     ("rocca_lines", ("prior_lines_p", "ino_exposed_vs_ino_naive"))):  # fmt: skip
        out[f"{key}_pub"] = str(rocca_rows[ref].published)
        out[f"{key}_syn"] = report.number(rocca_rows[ref].reproduced)
    ((group, month),) = builds["rocca"].diagnostics["os_landmarks_not_fitted"]
    out["rocca_infeasible_month"] = f"{month:g}"
    out["rocca_infeasible_os"] = _rocca_pct(f"os_{month}mo", f"ino_{group}")
    out["rocca_infeasible_pfs"] = _rocca_pct(f"pfs_{month}mo", f"ino_{group}")
    out["rocca_mrd_exposed"] = _rocca_pct("mrd_negative_pct", "ino_exposed")
    out["rocca_model_terms"] = ", ".join(
        rocca.COLUMN_LABELS.get(c, c.replace("_", " ")) for c in rocca.MODEL_2
    )
    out["rocca_model_name"] = rocca.GENERATOR_MODEL_2
    out["rocca_rule_sentence"] = _rule_sentence(builds)
    p_rows = [r for b in builds.values() for r in b.targets if r.unit == "p"]
    fitted = [r for r in p_rows if r.role == "calibrated"]
    out.update(p_n=len(fitted), p_met=sum(bool(r.match) for r in fitted))
    out["p_missed"] = len(fitted) - out["p_met"]
    diagnostics = builds["alcalde_mellado"].diagnostics
    alc = diagnostics["conversion_used"]
    out["alc_n_tables"] = len(diagnostics["conversion_candidates"])
    for arm in ("ino_arm", "chemo_arm"):
        value = published.value("alcalde_mellado", "htb_to_ltb_conversion_pct", arm)
        out[f"alc_conv_{arm}"] = f"{value:g}%"
    conv_p = published.get("alcalde_mellado", "htb_to_ltb_conversion_p", "ino_arm_vs_chemo_arm")
    out["alc_conv_p"] = str(conv_p["printed"])
    out["alc_table"] = alc["table"]
    out["alc_test"] = alcalde.TEST_NAMES[alc["test"]]
    out["alc_p"] = float(alc["p"])
    return out


def jabbour_values(build) -> dict[str, object]:
    """Deaths in remission and relapses by age in the Jabbour cohort, against the related
    report's ratio and held-out counts (5-year cumulative incidences, per cent)."""
    cr = build.diagnostics["competing_risks_5y"]
    settings = jabbour.Assumptions()
    young_pct = settings.death_in_remission_pct_60_69
    old_pct = settings.death_in_remission_pct_70_plus
    out: dict[str, object] = {
        "jab_related_young": f"{young_pct:g}%",
        "jab_related_old": f"{old_pct:g}%",
        "jab_ratio": f"{old_pct / young_pct:g}",
    }
    nrm = "death in remission, 5-year cumulative incidence (%)"
    rel = "relapse, 5-year cumulative incidence (%)"
    for band, key in (("60-69", "young"), (">=70", "old")):
        values = cr[band]
        out[f"jab_nrm_{key}"] = f"{values[nrm]:.0f}%"
        out[f"jab_rel_{key}"] = f"{values[rel]:.0f}%"
        out[f"jab_relapsed_{key}"] = values["relapsed"]
        out[f"jab_n_{key}"] = values["patients in remission"]
    rows = {r.statistic: r for r in build.targets}
    for key, stat in (
        ("died", "died in remission, patients in remission"),
        ("relapsed", "relapsed (no transplant in CR1 modelled), patients in remission"),
    ):
        out[f"jab_eha_{key}_pub"] = int(rows[stat].published)
        out[f"jab_eha_{key}_syn"] = int(rows[stat].reproduced)
    return out


def validation_values(result) -> dict[str, object]:
    """Method A on R's lung data: real against rebuilt, as quoted on the page."""
    cmp = result.comparison.set_index("statistic")
    last = max(validation.LANDMARKS)
    out: dict[str, object] = {
        "lung_n": len(result.real),
        "lung_landmarks": " and ".join(f"{t:g}" for t in validation.LANDMARKS),
        "lung_last": f"{last:g}",
        "lung_held": f"{validation.HELD_OUT_LANDMARK:g}",
    }
    for sex in ("male", "female"):
        gap = f"largest gap between KM curves up to {last:g} months, {sex} (points)"
        out[f"gap12_{sex}"] = float(cmp.loc[gap, "rebuilt"])
        held = f"{validation.HELD_OUT_LANDMARK:g}-month survival, {sex} (%)"
        out[f"s18_real_{sex}"] = float(cmp.loc[held, "real"])
        out[f"s18_rebuilt_{sex}"] = float(cmp.loc[held, "rebuilt"])
    for key, stat in (("lr", "log-rank p, female vs male"),
                      ("hr_uni", "HR female vs male (univariable)")):  # fmt: skip
        out[f"{key}_real"] = float(cmp.loc[stat, "real"])
        out[f"{key}_rebuilt"] = float(cmp.loc[stat, "rebuilt"])
    return out


def guyot_values(noise: pd.DataFrame, risk_step: float, replicates: int) -> dict[str, object]:
    """Method B under digitising error (``noise``: the table of
    :func:`inoreport.synthetic.validation.guyot_noise_study`), as quoted on the page."""
    exact = noise.iloc[0]
    out: dict[str, object] = {
        "guyot_step": f"{risk_step:g}",
        "guyot_replicates": replicates,
        "guyot_gap": float(exact["gap_median"]),
        "guyot_hr_err": float(exact["hr_error_median"]),
    }
    levels = ((validation.DIGITISING_NOISE[1], "low"), (validation.DIGITISING_NOISE[-1], "high"))
    for level, key in levels:
        row = noise.set_index("noise").loc[level]
        out[f"guyot_noise_{key}"] = f"{100 * level:g}%"
        for name, column in (("gap", "gap_median"), ("gap95", "gap_p95"),
                             ("events", "events_median"), ("hr", "hr_error_median"),
                             ("hr95", "hr_error_p95")):  # fmt: skip
            out[f"guyot_{name}_{key}"] = float(row[column])
    return out


def crossval_content() -> dict:
    """The committed cross-validation result (``make validate``), checked to be current: the
    cohort files and published numbers it was computed from must be the ones on disk."""
    from inoreport.studies import validate

    content = validate.load()
    for study in studies.COHORTS:
        if study not in content["studies"]:
            raise RuntimeError(
                f"{validate.RESULT} has no cross-validation of {study!r}; run 'make validate'"
            )
        recorded = {
            k: content["studies"][study].get(k) for k in ("cohort_sha256", "published_sha256")
        }
        if recorded != validate.fingerprint(study):
            raise RuntimeError(
                f"{validate.RESULT} was computed from another {study}.csv (cohort or published "
                "numbers changed since); run 'make validate'"
            )
    return content


def crossval_summary(content: dict) -> pd.DataFrame:
    """Per study: statistics cross-validated, how many the cohort predicted within tolerance
    when each was left out, and how many it meets when fitted."""
    rows = []
    for study, result in content["studies"].items():
        rows.append(
            {
                "Study": studies.TITLES.get(study, study),
                "Scheme": result["scheme"],
                "Statistics": result["statistics"],
                "Met when fitted": result["fitted_within_tolerance"],
                "Predicted within tolerance when left out": result["within_tolerance"],
                "Share": f"{100 * result['within_tolerance'] / max(result['statistics'], 1):.0f}%",
                "Close (p-values: same side of 0.05, within a factor of 2)": result["close"],
            }
        )
    return pd.DataFrame(rows)


def crossval_values(content: dict) -> dict[str, object]:
    """Totals over the studies, per-study counts, the p-values among them, and the time
    ``make validate`` took."""
    total = sum(r["statistics"] for r in content["studies"].values())
    within = sum(r["within_tolerance"] for r in content["studies"].values())
    p_values = [
        p for r in content["studies"].values() for p in r["predictions"] if p["unit"] == "p"
    ]
    out: dict[str, object] = {
        "cv_total": total,
        "cv_within": within,
        "cv_share": f"{100 * within / max(total, 1):.0f}%",
        "cv_minutes": f"{sum(r['seconds'] for r in content['studies'].values()) / 60:.0f}",
        "cv_workers": content["machine"]["workers"],
        "cv_p_n": len(p_values),
        "cv_p_within": sum(p["within"] for p in p_values),
        "cv_p_close": sum(p["close"] for p in p_values),
        "cv_other_n": total - len(p_values),
        "cv_other_within": within - sum(p["within"] for p in p_values),
    }
    for study, result in content["studies"].items():
        out[f"cv_{study}_n"] = result["statistics"]
        out[f"cv_{study}_within"] = result["within_tolerance"]
    return out


def crossval_table(content: dict, study: str) -> pd.DataFrame:
    """Every cross-validated statistic of one study: published, fitted, predicted when left
    out, and whether the prediction met the scorecard's tolerance."""
    rows = []
    for p in content["studies"][study]["predictions"]:
        rows.append(
            {
                "Statistic": report.display_name(p["statistic"]),
                "Published": report.number(p["published"]),
                "Fitted": report.number(p["fitted"]),
                "Predicted when left out": report.number(p["predicted"]),
                "Within tolerance": "yes" if p["within"] else "no",
                "Close": "yes" if p["close"] else "no",
                "Tolerance": p["tolerance"],
            }
        )
    return pd.DataFrame(rows)
