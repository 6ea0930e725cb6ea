"""Beyond the ROCCA paper: confounding by indication and immortal time simulated at the
study's size, propensity-score weighting of the cohort, and the power of the adjusted
comparison.

Times are months since infusion; hazard ratios unitless; percentages percent. Every
simulation is synthetic (no patients) and starts from the chapter's seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from inoreport.figures import causal as causal_figures
from inoreport.figures.plots import show
from inoreport.stats import causal, evidence
from inoreport.stats.tables import format_percent
from inoreport.studies.rocca.report import ENDPOINTS, SEED, RoccaCohort, pub, row
from inoreport.studies.rocca.tables import LABELS

N_REP = 400  # simulated cohorts per scenario
START_WINDOW = (1.0, 4.5)  # months after infusion when consolidation starts: assumed


def _pct(x) -> str:
    """A fraction as a whole percentage with its sign ('34%')."""
    return f"{format_percent(x, digits=0)}%"


def _hr_note(fit, prefix="HR") -> str:
    t = fit.table().iloc[0]
    return f"{prefix} {t['hr']:.2f} ({t['ci_low']:.2f}–{t['ci_high']:.2f})"


@dataclass
class Confounding:
    """The confounding-by-indication world built from the published numbers: the scenario
    at the observed selection (``base``), the crude HR to reproduce (``target``), and the
    simulated cohorts in the world whose selection reproduces it (``sims``)."""

    base: causal.ConfoundingScenario
    world: causal.ConfoundingScenario
    target: object
    observed_or: float
    prognostic_hr: float
    pooled_12: float
    sims: pd.DataFrame
    texts: dict


def confounding() -> Confounding:
    """A world in which InO has no effect and an adverse feature drives both InO and
    progression, set from the paper's size, exposure share, follow-up and 12-month PFS."""
    n_all, n_exposed = pub("n_patients", "all"), pub("n_patients", "ino_exposed")
    n_naive = pub("n_patients", "ino_naive")
    # Observed selection on one measured feature: active disease before apheresis (Table 1).
    active = {g: pub("status_active_count", g) for g in ("ino_naive", "ino_exposed")}
    known = {g: pub("n_patients", g) - pub("status_missing_count", g) for g in active}
    observed_or = (active["ino_exposed"] / (known["ino_exposed"] - active["ino_exposed"])) / (
        active["ino_naive"] / (known["ino_naive"] - active["ino_naive"])
    )
    prevalence = sum(active.values()) / sum(known.values())
    # The same contrast with every patient in the denominator (missing status = not active).
    ratio_all = (active["ino_exposed"] / n_exposed) / (active["ino_naive"] / n_naive)
    # The crude HR to reproduce: implied by the published 12-month PFS under proportional hazards.
    lm12 = {g: row("pfs_12mo", g) for g in ("ino_exposed", "ino_naive")}
    target = evidence.landmark_hazard_ratio(
        *[(r["value"] / 100, r["ci_low"] / 100, r["ci_high"] / 100) for r in lm12.values()],
        scale="log-log",
    )
    pooled_12 = sum(lm12[g]["value"] / 100 * pub("n_patients", g) for g in lm12) / n_all
    fu_min, fu_median = pub("min_followup_months", "all"), pub("median_followup_months", "all")
    # Prognostic weight of the adverse feature: as strong as prior transplant in the paper's model.
    prognostic_hr = 1 / pub("hr_pfs_prior_hct", "model_2")
    base = causal.ConfoundingScenario(
        prevalence=prevalence,
        p_treated=n_exposed / n_all,
        selection_or=observed_or,
        prognostic_hr=prognostic_hr,
        followup=(fu_min, 2 * fu_median - fu_min),
    ).with_survival(pooled_12, 12.0)
    try:
        causal.prognostic_for_crude_hr(target.estimate, base)
        ceiling_text = "can"
    except causal.CausalInputError:
        ceiling_text = "cannot"
    needed_or = causal.selection_for_crude_hr(target.estimate, base)
    world = replace(base, selection_or=needed_or)
    sims = causal.simulate_confounding(world, int(n_all), n_rep=N_REP, seed=SEED)
    texts = {
        "pfs12_pub": (f"{lm12['ino_exposed']['printed']}% exposed, "
                      f"{lm12['ino_naive']['printed']}% naïve"),
        "target_hr": f"{target.estimate:.2f} (95% CI {target.ci_low:.2f}–{target.ci_high:.2f})",
        "observed_or": f"{observed_or:.2f}", "ratio_all": f"{ratio_all:.2f}",
        "prognostic_hr": f"{prognostic_hr:.1f}",
        "crude_at_observed": f"{causal.limiting_crude_hr(base):.2f}",
        "ceiling": f"{causal.limiting_crude_hr(replace(base, prognostic_hr=1000.0)):.2f}",
        "ceiling_text": ceiling_text, "needed_or": f"{needed_or:.1f}",
        "sim_crude": f"{sims['crude_hr'].median():.2f}",
        "sim_adjusted": f"{sims['adjusted_hr'].median():.2f}",
        "sim_crude_sig": _pct((sims["crude_p"] < 0.05).mean()),
        "sim_adjusted_sig": _pct((sims["adjusted_p"] < 0.05).mean()), "n_rep": str(N_REP),
    }  # fmt: skip
    return Confounding(base, world, target, observed_or, prognostic_hr, pooled_12, sims, texts)


def one_confounded_cohort(world):
    """Crude and feature-weighted PFS curves of one simulated cohort of the paper's size
    (shown figure)."""
    one = causal.simulate_confounded_cohort(world, int(pub("n_patients", "all")), seed=SEED)
    weights = causal.iptw_weights(causal.propensity_scores(one, "treated", ["adverse"]).scores,
                                  one["treated"])  # fmt: skip
    crude = causal.cox_ph(one["time"], one["event"], one[["treated"]], names=["InO"])
    adjusted = causal.cox_ph(one["time"], one["event"], one[["treated", "adverse"]],
                             names=["InO", "adverse"])  # fmt: skip
    fig = causal_figures.km_panels_figure(
        [
            {"table": causal.weighted_kaplan_meier(one, "time", "event", by="treated",
                                                   order=[0, 1]),
             "title": "Crude", "note": _hr_note(crude, "crude HR")},
            {"table": causal.weighted_kaplan_meier(one, "time", "event", weights=weights,
                                                   by="treated", order=[0, 1]),
             "title": "Weighted for the adverse feature",
             "note": _hr_note(adjusted, "adjusted HR")},
        ],
        labels={0: "No InO (simulated)", 1: "InO (simulated)"}, xlabel="Months since infusion",
        ylabel="Progression-free survival", synthetic=True, endpoint="progression-free survival",
    )  # fmt: skip
    return show(
        fig,
        caption=(
            "One simulated cohort (synthetic) in which InO has no effect. Left: crude curves; "
            "right: curves weighted by the inverse probability of the treatment received given "
            "the adverse feature. The hazard ratios come from Cox models without and with the "
            "feature."
        ),
    )


def selection_gap_figure(c: Confounding):
    """How the crude HR of a useless treatment grows with selection, in cohorts of the
    paper's size (shown figure)."""
    gap = causal.selection_gap(
        c.base,
        np.exp(np.linspace(0, np.log(30), 11)),
        prognostic_hrs=[2.0, c.prognostic_hr, 5.0],
        n=int(pub("n_patients", "all")),
        n_rep=150,
        seed=SEED,
    )
    fig = causal_figures.selection_gap_figure(
        gap,
        target_hr=c.target.estimate,
        observed_or=c.observed_or,
        band_for=c.prognostic_hr,
        target_label="crude HR implied by the published 12-month PFS",
        observed_label="selection on active disease (Table 1)",
    )
    return show(
        fig,
        caption=(
            "How the crude hazard ratio of a treatment with no effect grows with selection "
            "(simulation: synthetic data, no patients). Lines: the value a very large cohort would "
            "give, for three prognostic strengths of the adverse feature. Shaded: 95% of simulated "
            "cohorts of the paper's size, crude and adjusted."
        ),
    )


def propensity(rc: RoccaCohort, baseline) -> tuple[pd.Series, pd.DataFrame]:
    """Inverse-probability-of-treatment weights of InO exposure from the baseline
    characteristics (missing as a category), and the covariate balance before and after."""
    covariates = [c for c in baseline if c in rc.data.columns]
    model = causal.propensity_scores(rc.data, "exposed", covariates, missing="category")
    weights = pd.Series(np.asarray(causal.iptw_weights(model.scores, rc.data["exposed"])),
                        index=rc.data.index, name="iptw")  # fmt: skip
    balance = causal.balance_table(rc.data.assign(iptw=weights), "exposed", covariates,
                                   weights=weights, labels=LABELS)  # fmt: skip
    return weights, balance


def balance_figure(rc: RoccaCohort, balance):
    fig = causal_figures.love_plot(
        balance, title=f"Covariate balance, InO-exposed vs naïve{rc.syn}", synthetic=rc.is_synthetic
    )
    return show(
        fig,
        caption=(
            f"Absolute standardised differences{rc.syn} before (open circles) and after (filled) "
            "inverse-probability-of-treatment weighting; dashed line at 0.1."
        ),
    )


def balance_texts(rc: RoccaCohort, weights, balance) -> dict[str, str]:
    """Rows out of balance (|SMD| > 0.1) before and after weighting, the weights' range and
    Kish's effective sample size per group."""
    ess = {g: causal.effective_sample_size(weights[rc.data["exposed"] == e])
           for g, e in ((rc.reference, 0), (rc.exposed_label, 1))}  # fmt: skip
    return {
        "ps_before": f"{(balance['abs_smd_unweighted'] > 0.1).sum()} of {len(balance)}",
        "ps_after": (lambda k: f"{k} {'does' if k == 1 else 'do'}")(
            int((balance["abs_smd_weighted"] > 0.1).sum())
        ),
        "ps_max_after": f"{balance['abs_smd_weighted'].max():.2f}",
        "ess": ", ".join(f"{g} {v:.0f}" for g, v in ess.items()),
        "w_range": f"{weights.min():.2f} to {weights.max():.2f}",
    }


def weighted_survival(rc: RoccaCohort, weights) -> tuple[list, dict[str, str]]:
    """Crude and propensity-weighted PFS and OS (shown figures), and the PFS hazard ratios
    beside the published adjusted one."""
    data = rc.data.assign(iptw=weights)
    figures, fits = [], {}
    for endpoint, (time_col, event_col, label) in ENDPOINTS.items():
        crude = causal.weighted_cox(data, time_col, event_col, ["exposed"])
        weighted = causal.weighted_cox(data, time_col, event_col, ["exposed"], weights="iptw")
        fits[label] = (crude, weighted)
        fig = causal_figures.km_panels_figure(
            [{"table": causal.weighted_kaplan_meier(data, time_col, event_col, by="exposed",
                                                    order=[0, 1]),
              "title": "Crude", "note": _hr_note(crude)},
             {"table": causal.weighted_kaplan_meier(data, time_col, event_col, weights="iptw",
                                                    by="exposed", order=[0, 1]),
              "title": "Propensity-weighted", "note": _hr_note(weighted)}],
            labels={0: rc.reference, 1: rc.exposed_label}, xlabel="Months since infusion",
            ylabel=label, synthetic=rc.is_synthetic,
            endpoint="progression-free survival" if endpoint == "pfs" else "overall survival",
        )  # fmt: skip
        figures.append(
            show(
                fig,
                caption=(
                    f"{label}{rc.syn}, crude and weighted by the inverse probability of the InO "
                    "exposure received. Weighted hazard ratios use robust (sandwich) standard errors."
                ),
            )
        )
    m1 = row("hr_pfs_ino_exposed", "model_1")
    texts = {
        "iptw_pfs": _hr_note(fits["PFS"][1], "").strip(),
        "crude_pfs": _hr_note(fits["PFS"][0], "").strip(),
        "m1_pub": f"{m1['value']:.2f} ({m1['ci_low']:.2f}–{m1['ci_high']:.2f})",
        "iptw_caveat": (
            "Read this as a demonstration of the method, not as a finding: the synthetic "
            "generator decided how baseline characteristics relate to outcome, so what the "
            "weighting removes here is what the generator put in."
        ) if rc.is_synthetic else "",
    }  # fmt: skip
    return figures, texts


def power(rc: RoccaCohort) -> tuple[object, dict[str, str]]:
    """Smallest hazard ratio detectable with 80% power (Schoenfeld) from the published
    relapses, the cohort's events and the published adjusted interval; and the power at
    hazard ratios 1.5 and 2.0. Returns the shown figure and its glue texts."""
    p_exposed = pub("n_patients", "ino_exposed") / pub("n_patients", "all")
    m1 = row("hr_pfs_ino_exposed", "model_1")
    relapses = pub("relapse_count", "ino_naive") + pub("relapse_count", "ino_exposed")
    synthetic_events = int(rc.data["pfs_event"].sum())
    se_model1 = causal.se_from_ci(m1["ci_low"], m1["ci_high"])
    detect = {
        "relapses": causal.detectable_hr(relapses, allocation=p_exposed),
        "synthetic": causal.detectable_hr(synthetic_events, allocation=p_exposed),
        "published_ci": causal.detectable_hr_from_se(se_model1),
    }
    effective = causal.effective_events(se_model1, allocation=p_exposed)
    power_at = {hr: float(1 - scipy_stats.norm.cdf(1.959964 - np.log(hr) / se_model1))
                for hr in (1.5, 2.0)}  # fmt: skip
    fig = causal_figures.power_figure(
        np.arange(30, 301, 5), p_exposed,
        marks=[
            {"events": relapses, "hr": detect["relapses"],
             "label": "published relapses (a floor)", "offset": (12, -4)},
            {"events": effective, "hr": detect["published_ci"],
             "label": "implied by the published adjusted CI", "offset": (10, 10)},
        ],
    )  # fmt: skip
    shown = show(
        fig,
        caption=(
            "Smallest hazard ratio for InO exposure detectable with 80% power (two-sided 5% test) "
            f"for {_pct(p_exposed)} of patients exposed, by number of events (Schoenfeld's formula)."
        ),
    )
    return shown, {
        "relapses": f"{relapses:.0f}", "detect_relapses": f"{detect['relapses']:.2f}",
        "synthetic_events": f"{synthetic_events}",
        "detect_synthetic": f"{detect['synthetic']:.2f}",
        "detect_ci": f"{detect['published_ci']:.2f}", "effective_events": f"{effective:.0f}",
        "hr_a": "1.5", "hr_b": "2.0", "power_15": _pct(power_at[1.5]),
        "power_20": _pct(power_at[2.0]),
    }  # fmt: skip


def immortal_time(followup, pooled_12: float, landmarks) -> tuple[object, dict[str, str]]:
    """A consolidation with no effect analysed three ways (coded at infusion, landmark,
    time-dependent) in simulated cohorts of the paper's size; shown figure and glue texts.
    ``followup``: (min, max) months; ``pooled_12``: 12-month PFS as a fraction."""
    arms = ("ino_naive", "ino_exposed")
    n_all = pub("n_patients", "all")
    responders = sum(pub("cr_cri_pct", g) / 100 * pub("n_patients", g) for g in arms)
    consolidated = sum(pub("consolidation_count", g) for g in arms)
    world = causal.ImmortalTimeScenario(
        p_eligible=responders / n_all,
        p_treated=min(1.0, consolidated / responders),
        start=START_WINDOW,
        rate=-np.log(pooled_12) / 12.0,
        followup=followup,
    )
    immortal = causal.simulate_immortal_time(world, int(n_all), landmarks=landmarks,
                                             n_rep=N_REP, seed=SEED)  # fmt: skip
    order = ["naive", *[f"landmark_{lm:g}" for lm in landmarks], "time_dependent"]
    names = {"naive": "Consolidation coded at infusion", "time_dependent": "Time-dependent Cox",
             **{f"landmark_{lm:g}": f"Landmark at {lm:g} months" for lm in landmarks}}  # fmt: skip
    summary = (
        immortal.groupby("analysis")["hr"]
        .agg(median="median", low=lambda x: x.quantile(0.025), high=lambda x: x.quantile(0.975))
        .reindex(order)
        .reset_index()
        .assign(label=lambda f: f["analysis"].map(names))
    )
    significant = immortal.groupby("analysis")["p"].apply(lambda p: float((p < 0.05).mean()))
    hct = row("hr_pfs_consolidation_hct", "model_2")
    fig = causal_figures.interval_figure(
        summary,
        published={names["naive"]: hct["value"]},
        title="A consolidation with no effect, analysed three ways (simulation, synthetic)",
    )
    shown = show(
        fig,
        caption=(
            "Hazard ratio of consolidation in simulated (synthetic) cohorts of the paper's size in "
            "which consolidation has no effect: median and 95% range of estimates. The hollow "
            "diamond is the paper's hazard ratio for consolidation with transplant."
        ),
    )
    median = summary.set_index("analysis")["median"]
    return shown, {
        "start_window": f"{START_WINDOW[0]:g} and {START_WINDOW[1]:g}",
        "imm_naive": f"{median['naive']:.2f}", "imm_naive_sig": _pct(significant["naive"]),
        "imm_td": f"{median['time_dependent']:.2f}",
        "imm_td_sig": _pct(significant["time_dependent"]), "hct_pub": f"{hct['value']:.2f}",
    }  # fmt: skip


def consolidation_fits(rc: RoccaCohort) -> pd.DataFrame:
    """Any consolidation vs none for PFS in the cohort, three codings: at infusion,
    time-dependent Cox (robust SE), landmark at each of the cohort's landmarks (months)."""
    data, rows = rc.data, []
    if not {"consolidation", "consolidation_months"} <= set(data.columns):
        return pd.DataFrame(rows)
    cons = data.assign(
        consolidated=(data["consolidation"] != "none").astype(int),
        start=data["consolidation_months"].where(data["consolidation"] != "none"),
    )
    fits = {"Consolidation coded at infusion": causal.weighted_cox(
        cons, "pfs_months", "pfs_event", ["consolidated"])}  # fmt: skip
    split = causal.split_at_exposure(cons, "pfs_months", "pfs_event", "start",
                                     exposed_name="consolidated_now")  # fmt: skip
    fits["Time-dependent Cox"] = causal.weighted_cox(
        split, "stop", "pfs_event", ["consolidated_now"], entry="start", robust=True, cluster="id"
    )
    for lm in rc.landmarks:
        at_lm = causal.landmark_data(cons, "pfs_months", "pfs_event", lm, "start")
        if at_lm["exposed_by_landmark"].nunique() == 2 and at_lm["pfs_event"].sum() > 0:
            fits[f"Landmark at {lm:g} months"] = causal.weighted_cox(
                at_lm, "pfs_months", "pfs_event", ["exposed_by_landmark"]
            )
    for name, fit in fits.items():
        t = fit.table().iloc[0]
        rows.append({
            "Analysis": name,
            "Patients": fit.n if name != "Time-dependent Cox" else cons.shape[0],
            "Events": fit.events,
            "HR (95% CI)": f"{t['hr']:.2f} ({t['ci_low']:.2f}–{t['ci_high']:.2f})",
        })  # fmt: skip
    return pd.DataFrame(rows)


def consolidation_caveat(rc: RoccaCohort) -> str:
    return (
        (
            "There the size of the true consolidation effect was set by the generator (so as to "
            "reproduce the paper's hazard ratios with consolidation coded at infusion), so the "
            "table illustrates the method rather than measuring anything about real patients."
        )
        if rc.is_synthetic
        else ""
    )
