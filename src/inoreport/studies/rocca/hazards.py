"""ROCCA's hazard ratios for PFS: the paper's model-building rule (screen at p < 0.1, age and
race/ethnicity forced), model 1 (InO as yes/no), and the synthetic generator's fixed model,
each beside the published hazard ratios.

Hazard ratios are per level against the reference (per unit for numbers: per year, per
line, per day); p-values from likelihood-ratio or Wald tests as stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from inoreport.figures import plots
from inoreport.stats import survival
from inoreport.stats.tables import format_p
from inoreport.studies.rocca import cohort as rocca_generator
from inoreport.studies.rocca.report import REFRACTORY, RESPONDER, SOURCE, RoccaCohort, row
from inoreport.studies.rocca.tables import LABELS, in_sentence

UNIT_OF = {"age_years": "per year", "prior_lines": "per line", "hospital_days": "per day"}
GENERATOR_COLUMNS = {"ino_group": "ino_response_group"}  # generator's column -> chapter's
PAPER = "paper's selection rule, refitted"
#: published quantity -> (forest key, the generator's model term, words)
HR_TERMS = {
    "hr_pfs_ino_responsive": (f"ino_response_group={RESPONDER}", "ino_group[InO responder]",
                              "InO responder"),
    "hr_pfs_ino_refractory": (f"ino_response_group={REFRACTORY}", "ino_group[InO refractory]",
                              "InO refractory"),
    "hr_pfs_prior_hct": ("prior_hct=yes", "prior_hct", "prior allogeneic HCT"),
    "hr_pfs_consolidation_hct": ("consolidation=allogeneic HCT",
                                 "consolidation[allogeneic HCT]",
                                 "consolidation with allogeneic HCT"),
    "hr_pfs_consolidation_tki": ("consolidation=TKI", "consolidation[TKI]",
                                 "consolidation with a TKI"),
    "hr_pfs_bridging_therapy": ("bridging_therapy=yes", "bridging_therapy",
                                "any bridging therapy"),
}  # fmt: skip


@dataclass
class CoxData:
    """The cohort as the Cox models read it (yes/no flags as 'no'/'yes' categories), the
    candidate variables, those forced into the model and the reference levels."""

    frame: pd.DataFrame
    baseline: list
    treatment: list
    forced: list
    reference: dict


def model_data(rc: RoccaCohort) -> CoxData:
    """Prepare the cohort for the Cox models (``exposed`` stays 0/1)."""
    data = rc.data
    treatment = [c for c in ["ino_response_group", "bridging_therapy", "consolidation"]
                 if c in data.columns]  # fmt: skip
    baseline = [c for c in rc.covariates
                if not (c == "age_years" and "age_group" in rc.covariates)]  # fmt: skip
    forced = [c for c in ["age_group", "race_ethnicity"] if c in baseline] + treatment[:1]
    reference = {
        "ino_response_group": rc.reference, "age_group": "18-39",
        "race_ethnicity": "Non-Hispanic White", "consolidation": "none",
        "disease_status": "CR, MRD-negative", "marrow_blasts": "<25%", "subtype": "Ph+",
    }  # fmt: skip
    reference = {k: v for k, v in reference.items() if k in data.columns and (data[k] == v).any()}
    frame = data.copy()
    for column in baseline + treatment:
        values = frame[column]
        if values.dtype == bool or (pd.api.types.is_numeric_dtype(values)
                                    and set(values.dropna().unique()) <= {0, 1}):  # fmt: skip
            # yes/no flags read as "yes vs no" in tables and the forest plot
            frame[column] = pd.Categorical(values.map({False: "no", True: "yes"}),
                                           categories=["no", "yes"])  # fmt: skip
    frame["exposed"] = frame["exposed"].astype(int)
    return CoxData(frame, baseline, treatment, forced, reference)


def paper_rule(cd: CoxData):
    """The paper's rule: each variable alone, then every one with likelihood-ratio p < 0.1
    together with the forced ones (a ``screen_then_fit`` result)."""
    return survival.screen_then_fit(
        cd.frame,
        "pfs_months",
        "pfs_event",
        cd.baseline + cd.treatment,
        threshold=0.1,
        forced=cd.forced,
        reference=cd.reference,
    )


def _level_text(level, ref, variable=None) -> str:
    if not isinstance(level, str) or not level:
        return UNIT_OF.get(variable, "per unit")
    return f"{level} vs {ref}"


def univariable_shown(screen, forced) -> pd.DataFrame:
    """The univariable models: each level's hazard ratio (95% CI), the likelihood-ratio p,
    and whether the variable entered the model (HTML cells)."""
    rows = []
    for variable, part in screen.univariable.groupby("variable", sort=False):
        rows.append({
            "Variable": LABELS.get(variable, variable),
            "Hazard ratio (95% CI), each level vs reference": "<br>".join(
                f"{_level_text(r.level, r.reference, variable)}: "
                f"{r.hr:.2f} ({r.ci_low:.2f}–{r.ci_high:.2f})" for r in part.itertuples()
            ),
            "p (likelihood ratio)": format_p(part["lr_p"].iloc[0], digits=3),
            "In the model": "yes" + (" (forced)" if variable in forced else "")
            if part["selected"].iloc[0] else "",
        })  # fmt: skip
    return pd.DataFrame(rows)


def model_texts(screen) -> dict[str, str]:
    """The variables of the multivariable model and its patients and events."""
    multi = screen.multivariable
    return {
        "selected_vars": ", ".join(in_sentence(LABELS.get(v, v)) for v in screen.selected),
        "multi_n": f"{multi.n} patients and {multi.events} PFS events",
    }


def forest_rows(screen, cd: CoxData) -> pd.DataFrame:
    """Rows of the forest plot of the multivariable model."""
    labels = {**LABELS, **{v: f"{LABELS.get(v, v)}, {u}" for v, u in UNIT_OF.items()}}
    return plots.forest_rows(screen.multivariable, labels=labels, data=cd.frame, event="pfs_event")


def published_forest(forest: pd.DataFrame) -> pd.DataFrame:
    """The published model-2 hazard ratios (95% CI) of the forest's levels."""
    rows = []
    for quantity, (key, _term, _words) in HR_TERMS.items():
        if key in set(forest["key"]):
            r = row(quantity, "model_2")
            rows.append({"key": key, "label": forest.loc[forest["key"] == key, "label"].iloc[0],
                         "hr": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]})  # fmt: skip
    return pd.DataFrame(rows)


def forest_alt(forest, compare, synthetic: bool) -> str:
    """Alt text that names each level with its variable ('Extramedullary disease, yes')."""
    published_by_key = compare.set_index("key") if len(compare) else pd.DataFrame()
    items, heading = [], None
    for r in forest.itertuples():
        if pd.isna(r.hr) and not r.reference:
            heading = r.label
            continue
        name = f"{heading}, {r.label}" if r.indent and heading else r.label
        if r.reference:
            items.append(f"{name}: reference")
            continue
        text = f"{name}: HR {r.hr:.2f} ({r.ci_low:.2f}–{r.ci_high:.2f})"
        if r.key in published_by_key.index:
            p = published_by_key.loc[r.key]
            text += f", published {p['hr']:.2f} ({p['ci_low']:.2f}–{p['ci_high']:.2f})"
        items.append(text)
    return (
        ("Synthetic data, not real patients. " if synthetic else "")
        + "Forest plot of the multivariable Cox model for PFS, hazard ratios with 95% "
        "confidence intervals on a log scale, reference line at 1. "
        + "; ".join(items)
        + ". Filled squares: our estimates; hollow diamonds: published."
    )


def forest_figure(rc: RoccaCohort, forest: pd.DataFrame):
    """The forest plot, ours beside the published, as a shown figure with alt text."""
    compare = published_forest(forest)
    fig = plots.forest_plot(forest, compare=compare if len(compare) else None,
                      synthetic=rc.is_synthetic, labels=(f"Ours{rc.syn}", "Published"),
                      title=f"Multivariable Cox model for PFS{rc.syn}")  # fmt: skip
    return plots.show(fig, alt=forest_alt(forest, compare, rc.is_synthetic), caption=(
        f"Multivariable Cox model for PFS{rc.syn}: filled markers are our estimates, hollow "
        "markers the published ones (where the paper reports them)."
    ))  # fmt: skip


def prior_lines_artefact(rc: RoccaCohort, screen) -> str:
    """In a synthetic cohort, why prior lines may look protective: the generator's doing."""
    terms = screen.multivariable.table.set_index("variable")
    if not rc.is_synthetic or "prior_lines" not in terms.index:
        return ""
    t = terms.loc["prior_lines"]
    t = t.iloc[0] if isinstance(t, pd.DataFrame) else t
    if t["hr"] >= 1:
        return ""
    p = format_p(t["p"], digits=3)
    text = (
        f"Prior lines of therapy look protective in this model (HR {t['hr']:.2f} per line, "
        f"{'p ' + p if p.startswith(('<', '>')) else 'p = ' + p}). That is an artefact of the "
        "synthetic cohort, not a finding: the generator gives the number of prior lines no "
        "effect on progression at all (its PFS hazard depends only on the InO group, prior "
        "transplant, bridging and consolidation) and allocates the lines only to match the "
        "published medians and differences between groups, so any association here comes "
        "from how the cohort was built and from chance."
    )
    if "brexu_response" in rc.data.columns:
        by_response = rc.data.groupby(rc.data["brexu_response"] == "CR/CRi")["prior_lines"].mean()
        if {True, False} <= set(by_response.index) and by_response[False] < by_response[True]:
            text += (
                " By chance, the patients who did not respond to brexu-cel (who progress "
                "within weeks by construction) had fewer prior lines than the responders "
                f"(mean {by_response[False]:.1f} against {by_response[True]:.1f}), and the "
                "model cannot tell that apart from an effect of the lines."
            )
    return text


def exposure_hr(cd: CoxData, covariates) -> pd.Series:
    """Model 1: the hazard ratio (95% CI) of InO exposure yes/no with ``covariates`` (the
    InO response group replaced by exposure)."""
    covariates = ["exposed" if v == "ino_response_group" else v for v in covariates]
    model = survival.cox(cd.frame, "pfs_months", "pfs_event", covariates,
                         reference={k: v for k, v in cd.reference.items() if k in covariates})  # fmt: skip
    return model.table.set_index("term").loc["exposed"]


def model1_text(rc: RoccaCohort, m1) -> str:
    m1_pub = row("hr_pfs_ino_exposed", "model_1")
    return (
        f"With InO as a single yes/no variable and the same covariates, the hazard ratio for "
        f"exposure is {m1['hr']:.2f} ({m1['ci_low']:.2f}–{m1['ci_high']:.2f}){rc.syn}; the "
        f"paper reports {m1_pub['value']:.2f} ({m1_pub['ci_low']:.2f}–{m1_pub['ci_high']:.2f})"
    )


@dataclass
class TwoModels:
    """The generator's fixed model and the paper's rule, refitted, per published hazard
    ratio (rows of ``terms``: quantity, key, term, words, published, fixed, paper), with
    model 1 of each and whether the rule selected the fixed model's covariates."""

    fixed_covariates: list
    selected: list
    terms: list
    fixed_m1: pd.Series
    paper_m1: pd.Series
    same_model: bool


def two_models(cd: CoxData, screen, forest: pd.DataFrame) -> TwoModels:
    """Refit the generator's fixed model (the variables the paper reports, plus age and
    race) on the cohort as the chapter reads it, beside the paper's rule."""
    fixed_covariates = [c for c in (GENERATOR_COLUMNS.get(g, g) for g in rocca_generator.MODEL_2)
                        if c in cd.frame.columns]  # fmt: skip
    fixed = survival.cox(cd.frame, "pfs_months", "pfs_event", fixed_covariates,
                         reference={k: v for k, v in cd.reference.items()
                                    if k in fixed_covariates})  # fmt: skip
    fixed_rows, paper_rows = plots.forest_rows(fixed).set_index("key"), forest.set_index("key")
    terms = [{
        "quantity": quantity, "key": key, "term": term, "words": words,
        "published": row(quantity, "model_2"),
        "fixed": fixed_rows.loc[key] if key in fixed_rows.index else None,
        "paper": paper_rows.loc[key] if key in paper_rows.index else None,
    } for quantity, (key, term, words) in HR_TERMS.items()]  # fmt: skip
    return TwoModels(fixed_covariates, list(screen.selected), terms,
                     exposure_hr(cd, fixed_covariates), exposure_hr(cd, screen.selected),
                     set(screen.selected) == set(fixed_covariates))  # fmt: skip


def _hr_text(hr, low, high) -> str:
    """'1.30 (0.72–2.32)' that a table cell does not break."""
    return f"{hr:.2f}\u00a0({low:.2f}–\u2060{high:.2f})"


def _cell(r) -> str:
    return "—" if r is None else _hr_text(r["hr"], r["ci_low"], r["ci_high"])


def fixed_name(rc: RoccaCohort) -> str:
    return "generator's model" if rc.is_synthetic else "fixed model"


def two_models_shown(rc: RoccaCohort, tm: TwoModels) -> tuple[pd.DataFrame, str]:
    """The published hazard ratios beside the fixed model's (and the paper's rule's when it
    selects a different model); and the table's caption."""
    fixed_head = "Generator's model (fit check)" if rc.is_synthetic else "Fixed model"
    paper_head = "Paper's rule, refitted (held out)"
    if tm.same_model:  # one model: one column
        fixed_head = ("Generator's model = paper's rule (fit check)" if rc.is_synthetic
                      else "Fixed model = paper's rule")  # fmt: skip
    m1_pub = row("hr_pfs_ino_exposed", "model_1")
    rows = [{
        "Hazard ratio": m["words"][0].upper() + m["words"][1:],
        "Published": _hr_text(m["published"]["value"], m["published"]["ci_low"],
                              m["published"]["ci_high"]),
        fixed_head: _cell(m["fixed"]),
        **({} if tm.same_model else {paper_head: _cell(m["paper"])}),
    } for m in tm.terms]  # fmt: skip
    rows.append({
        "Hazard ratio": "InO exposure, yes/no (model 1)",
        "Published": _hr_text(m1_pub["value"], m1_pub["ci_low"], m1_pub["ci_high"]),
        fixed_head: _cell(tm.fixed_m1),
        **({} if tm.same_model else {paper_head: _cell(tm.paper_m1)}),
    })  # fmt: skip
    caption = (
        f"PFS hazard ratios (95% CI): published, and the {fixed_name(rc)}, which the paper's "
        f"rule also selects{rc.syn}" if tm.same_model else
        f"PFS hazard ratios (95% CI): published, the {fixed_name(rc)} and the paper's rule{rc.syn}"
    )  # fmt: skip
    return pd.DataFrame(rows), caption


def within(ours, published, tolerance: float = 0.10) -> bool:
    """Is our hazard ratio within ``tolerance`` (a fraction, on the ratio scale) of the
    published one?"""
    return ours is not None and abs(np.log(ours["hr"] / published["value"])) <= np.log1p(tolerance)


def two_models_texts(rc: RoccaCohort, tm: TwoModels) -> dict[str, str]:
    """What the two models are and how close each lands to the six published hazard ratios."""
    n_fixed = sum(within(m["fixed"], m["published"]) for m in tm.terms)
    n_paper = sum(within(m["paper"], m["published"]) for m in tm.terms)
    fixed_list = ", ".join(in_sentence(LABELS.get(v, v)) for v in tm.fixed_covariates)
    only_rule = [in_sentence(LABELS.get(v, v)) for v in tm.selected if v not in tm.fixed_covariates]
    only_fixed = [
        in_sentence(LABELS.get(v, v)) for v in tm.fixed_covariates if v not in tm.selected
    ]
    difference = "; ".join(x for x in (
        f"it adds {', '.join(only_rule)}" if only_rule else "",
        f"it leaves out {', '.join(only_fixed)}" if only_fixed else "",
    ) if x)  # fmt: skip
    intro = (
        "The synthetic generator was calibrated to the six published hazard ratios inside one "
        "fixed model of its own, because the paper's full model is in a figure we do not have: "
        f"the variables the paper reports plus age and race/ethnicity ({fixed_list}). "
    )
    if rc.is_synthetic and tm.same_model:
        intro += (
            f"On this cohort the paper's selection rule, applied above, picks exactly the same "
            f"{len(tm.fixed_covariates)} covariates, so its refit is the calibrated model "
            "again, not an independent check. The table therefore has one column, and the "
            "scorecard counts each of these hazard ratios once, as *calibrated*, like the "
            "hazard ratio of model 1, which the generator fits too. It did not fit their "
            "confidence limits, so those stay *held out*, as the generator recorded them; they "
            "are weak checks (see the scorecard)."
        )
    elif rc.is_synthetic:
        intro += (
            f"On this cohort the paper's selection rule, applied above, keeps a different set "
            f"of covariates ({difference}), and a different model gives different hazard "
            "ratios. The scorecard keeps the two apart. The generator's model, refitted here, "
            "checks that the cohort carries what it was calibrated to (role *calibrated*). The "
            "paper's rule was never fitted to anything, so its agreement with the paper is a "
            "genuine check (role *held out*)."
        )
    elif tm.same_model:
        intro = (
            "On this cohort the paper's selection rule keeps exactly the variables the paper "
            f"reports plus age and race/ethnicity ({fixed_list}), so there is one model to "
            "compare with the published hazard ratios; it was not fitted to them."
        )
    else:
        intro = (
            "Beside the paper's selection rule, a fixed model holds the variables the paper "
            f"reports plus age and race/ethnicity ({fixed_list}; {difference} relative to the "
            "rule); both are compared with the published hazard ratios, and neither was fitted "
            "to them."
        )

    def of_six(k):
        return "all 6" if k == 6 else ("none" if k == 0 else f"{k} of the 6")

    result = (
        f"The {fixed_name(rc)}, which is also the paper's rule here, lands within 10% of "
        f"{of_six(n_fixed)} published hazard ratios"
        + (" (it was calibrated to them)." if rc.is_synthetic else ".")
    ) if tm.same_model else (
        f"The {fixed_name(rc)} lands within 10% of {of_six(n_fixed)} published hazard ratios, "
        f"the paper's rule, refitted, within 10% of {of_six(n_paper)}."
    )  # fmt: skip
    return {"two_models_intro": intro, "two_models_result": result}


def _fixed_statistic(rc: RoccaCohort, term, bound=None, model=2) -> str:
    """Scorecard name of a hazard ratio of the fixed model: the generator's own name for it,
    'fixed model' for a real cohort."""
    which = rocca_generator.GENERATOR_MODEL_2 if model == 2 else rocca_generator.GENERATOR_MODEL_1
    name = rocca_generator.hr_statistic(term, bound, model=which)
    return name if rc.is_synthetic else name.replace("generator's model", "fixed model")


def _paper_statistic(words, bound=None) -> str:
    return f"PFS HR {words}{f' 95% CI {bound}' if bound else ''} ({PAPER})"


def scorecard_rows(rc: RoccaCohort, tm: TwoModels) -> list:
    """Scorecard rows of the hazard ratios: (a) the generator's fixed model refitted, roles
    as the generator recorded them by key; (b) the paper's rule refitted, held out -- only
    when it selects a different model (otherwise its refit is the same calibrated fit)."""
    from inoreport.synthetic.common import ratio_row

    fixed_note = f"{fixed_name(rc)}, refitted: " + ", ".join(
        LABELS.get(v, v) for v in tm.fixed_covariates)  # fmt: skip
    paper_note = f"{PAPER}: " + ", ".join(LABELS.get(v, v) for v in tm.selected)
    rows = []
    for m in tm.terms:
        key = (m["quantity"], "model_2")
        for name_of, ours, role_of, note in (
            (lambda b, m=m: _fixed_statistic(rc, m["term"], b), m["fixed"],
             lambda b, key=key: rc.role(key, b), fixed_note),
            (lambda b, m=m: _paper_statistic(m["words"], b),
             None if tm.same_model else m["paper"], lambda b: "held_out", paper_note),
        ):  # fmt: skip
            if ours is None:
                continue
            rows.append(ratio_row(name_of(None), m["published"]["value"], ours["hr"],
                                  role_of(None), source=SOURCE, note=note))  # fmt: skip
            for bound in ("low", "high"):
                rows.append(ratio_row(
                    name_of(bound), m["published"][f"ci_{bound}"], ours[f"ci_{bound}"],
                    role_of(bound), tolerance=0.5, source=SOURCE, note=note,
                ))  # fmt: skip
    m1_pub = row("hr_pfs_ino_exposed", "model_1")
    exposure_words = "InO exposure (yes/no)"
    rows.append(ratio_row(
        _fixed_statistic(rc, "InO exposure", model=1), m1_pub["value"], tm.fixed_m1["hr"],
        rc.role(("hr_pfs_ino_exposed", "model_1")), source=SOURCE,
        note=fixed_note.replace(LABELS["ino_response_group"], exposure_words),
    ))  # fmt: skip
    if not tm.same_model:
        rows.append(ratio_row(
            _paper_statistic("InO exposure, model 1"), m1_pub["value"], tm.paper_m1["hr"],
            "held_out", source=SOURCE,
            note=paper_note.replace(LABELS["ino_response_group"], exposure_words),
        ))  # fmt: skip
    return rows
