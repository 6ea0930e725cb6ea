"""How strong is the evidence? The re-analyses of the evidence page, from published numbers.

Every function reads ``data/published`` (and the audit's inferred counts) and recomputes
with :mod:`inoreport.stats.evidence`; nothing is synthetic. Each section of the page is one
function returning a :class:`Section`: the tables it shows (caption → DataFrame of display
text), the values it glues into the prose (name → text or number) and its machine-readable
result rows (``_build/results/evidence.json``):

* :func:`prior_section` — the four priors on the log hazard ratio;
* :func:`bayesian_section` — ROCCA's published PFS hazard ratios under each prior
  (:func:`posterior_panels` gives the figure's posteriors);
* :func:`evalue_section` — E-values of the adjusted hazard ratios, of the crude
  associations implied by the landmark survival, and of the 2×2 risk ratios;
* :func:`mediation_section` — the adjusted model's post-exposure terms, and the crude and
  adjusted estimates read as bounds;
* :func:`fragility_section` — fragility and reverse fragility of every 2×2 comparison;
* :func:`landmark_scale_section` and :func:`precision_section` — which scale the printed
  landmark CIs were built on, and each headline difference with its 95% CI.

Proportions are 0–1, differences are proportions (first group minus second; −0.18 is 18
percentage points lower), hazard and risk ratios are ratios; the display tables and glue
values give percentages and percentage points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from inoreport import published
from inoreport.stats import evidence as ev
from inoreport.stats.tables import format_p
from inoreport.studies import audit, synthesis

__all__ = [
    "ARM_LABELS",
    "HAZARD_RATIOS",
    "WRAPPING_COLUMNS",
    "Section",
    "Settings",
    "TwoByTwo",
    "bayesian_section",
    "evalue_section",
    "fragility_section",
    "hazard_ratio_likelihoods",
    "landmark_scale_section",
    "mediation_section",
    "posterior_panels",
    "precision_section",
    "prior_section",
    "study_tests",
    "two_by_two_comparisons",
]

ROCCA, ALCALDE = "rocca", "alcalde_mellado"
EXPOSED, NAIVE = "ino_exposed", "ino_naive"
ARMS = (EXPOSED, NAIVE)
PRIORS = ("sceptical", "vague", "enthusiastic", "pessimistic")
LANDMARKS = [(endpoint, months) for endpoint in ("pfs", "os") for months in (6, 12)]

ARM_LABELS = {
    EXPOSED: "InO-exposed",
    NAIVE: "InO-naïve",
    "ino_arm": "InO bridging",
    "chemo_arm": "chemotherapy bridging",
}
SHORT_LABELS = {EXPOSED: "exposed", NAIVE: "naïve", "ino_arm": "InO arm", "chemo_arm": "chemo arm"}

#: ROCCA's published multivariable PFS hazard ratios: key → (quantity, group) in
#: data/published, the label shown, and the factor named in the prior labels.
HAZARD_RATIOS = {
    "ino_exposed": ("hr_pfs_ino_exposed", "model_1", "Prior InO exposure", "prior InO"),
    "ino_responsive": (
        "hr_pfs_ino_responsive",
        "model_2",
        "InO-responsive vs naïve",
        "InO (responsive)",
    ),
    "ino_refractory": (
        "hr_pfs_ino_refractory",
        "model_2",
        "InO-refractory vs naïve",
        "InO (refractory)",
    ),
    "bridging_therapy": (
        "hr_pfs_bridging_therapy",
        "model_2",
        "Any bridging therapy",
        "bridging therapy",
    ),
    "prior_hct": ("hr_pfs_prior_hct", "model_2", "Transplant before CAR-T", "a prior transplant"),
    "consolidation_hct": (
        "hr_pfs_consolidation_hct",
        "model_2",
        "Consolidation: transplant",
        "transplant consolidation",
    ),
    "consolidation_tki": (
        "hr_pfs_consolidation_tki",
        "model_2",
        "Consolidation: TKI",
        "TKI consolidation",
    ),
}

#: Columns of the page's tables whose text may wrap; every other column stays on one line.
WRAPPING_COLUMNS = frozenset(
    {
        "What it believes",
        "Fisher (Walsh): index (who would differ)",
        "Study's test: index (who would differ)",
        "Method",
        "Comparison",
        "Hazard ratio (PFS)",
        "Adjusted PFS hazard ratio",
        "Landmark",
        "Endpoint",
        "Event risk, exposed vs naïve",
        "Counts (first vs second)",
    }
)

#: Short labels of the comparisons in the difference figure (the table keeps the full ones).
PLOT_LABELS = {
    "early_death_30d": "Death within 30 days",
    "crs_grade_3_4": "Grade 3–4 CRS (of CRS)",
    "icans_grade_3_4": "Grade 3–4 ICANS (of ICANS)",
    "relapse": "Relapse (whole arm)",
    "cr_cri": "CR/CRi",
    "consolidation": "Consolidation",
    "conversion": "HTB → LTB",
}

TEST_FUNCTIONS = {
    "chi2": ev.chi2_p(),
    "chi2_yates": ev.chi2_p(correction=True),
    "fisher": ev.fisher_p,
}


@dataclass(frozen=True)
class Settings:
    """The page's parameters (hazard ratios are ratios; probabilities and levels are 0–1).

    The sceptical prior puts ``1 - sceptical_tail_probability`` of its weight between
    ``1 / sceptical_extreme_hr`` and ``sceptical_extreme_hr``; the enthusiastic and
    pessimistic priors are centred on ``benefit_hr`` and ``harm_hr`` (also the line of
    clinically meaningful harm); ``vague_sd`` is the vague prior's sd on the log scale;
    ``alpha`` the fragility threshold; ``landmark_ci_scale`` the scale on which the printed
    landmark survival CIs are taken to be built; ``level`` the confidence level.
    """

    sceptical_extreme_hr: float = 2.0
    sceptical_tail_probability: float = 0.05
    benefit_hr: float = 0.80
    harm_hr: float = 1.25
    vague_sd: float = 10.0
    alpha: float = 0.05
    landmark_ci_scale: str = "log-log"
    level: float = 0.95

    def priors(self, factor: str) -> list[ev.NormalPrior]:
        """The four priors, labelled for ``factor`` (sceptical, vague, enthusiastic, pessimistic)."""
        return ev.standard_priors(
            benefit_ratio=self.benefit_hr,
            harm_ratio=self.harm_hr,
            extreme_ratio=self.sceptical_extreme_hr,
            tail_probability=self.sceptical_tail_probability,
            factor=factor,
            vague_sd=self.vague_sd,
        )


@dataclass
class Section:
    """What one section of the page shows.

    ``tables``: name → (DataFrame of display text, caption), in the order shown; ``glue``: name →
    value glued into the prose; ``results``: rows for ``evidence.json``; ``data``: the
    numbers behind the tables, for the page's figures.
    """

    tables: dict[str, tuple[pd.DataFrame, str]] = field(default_factory=dict)
    glue: dict[str, object] = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)


def _result(id: str, statistic: str, study: str, value, method: str, **extra) -> dict:
    return dict(id=id, statistic=statistic, study=study, value=value, method=method, **extra)


def _percent(probability: float) -> str:
    return ev.percent_text(probability)


def _signed(x: float, digits: int = 0) -> str:
    """A signed number with a true minus sign (percentage points)."""
    return f"{x:+.{digits}f}".replace("-", "\u2212")


def _points_range(low: float, high: float, digits: int = 0) -> str:
    return f"{_signed(100 * low, digits)} to {_signed(100 * high, digits)}"


def _ratio(estimate: float, low: float, high: float) -> str:
    return f"{estimate:.2f} ({low:.2f}–{high:.2f})"


def _patients(k: int) -> str:
    return f"{k} patient" + ("" if k == 1 else "s")


def _landmark(study: str, quantity: str, group: str) -> tuple[float, float, float]:
    """A published landmark survival and its CI, as proportions."""
    row = published.get(study, quantity, group)
    return row["value"] / 100, row["ci_low"] / 100, row["ci_high"] / 100


# --- Priors and posteriors ---------------------------------------------------------------


def prior_section(settings: Settings) -> Section:
    """The four priors on the log hazard ratio, in words and numbers."""
    priors = settings.priors("the factor")
    frame = pd.DataFrame(
        {
            "Prior": [p.name.capitalize() for p in priors],
            "What it believes": [p.description for p in priors],
            "Centre (HR)": [f"{p.centre_ratio:.2f}" for p in priors],
            "95% prior interval": [
                "essentially flat"
                if p.name == "vague"
                else "{:.2f} to {:.2f}".format(*p.interval(settings.level))
                for p in priors
            ],
            "Prior P(HR > 1)": [_percent(p.prob_above(1.0)) for p in priors],
            "Worth about (events)": [
                "—" if p.name == "vague" else f"{p.events_equivalent:.0f}" for p in priors
            ],
        }
    )
    sceptic = priors[0]
    low, high = sceptic.interval(settings.level)
    glue = {
        "alpha": f"{settings.alpha:g}",
        "prior_sd": f"{sceptic.sd:.3f}",
        "prior_low": f"{low:.2f}",
        "prior_high": f"{high:.2f}",
        "prior_events": f"{sceptic.events_equivalent:.0f}",
        "benefit_hr": f"{settings.benefit_hr:.2f}",
        "harm_hr": f"{settings.harm_hr:.2f}",
        "enthusiastic_p_harm": _percent(priors[2].prob_above(1.0)),
    }
    caption = "The four priors (HR scale; the prior is normal on the log HR)"
    return Section(tables={"priors": (frame, caption)}, glue=glue)


def hazard_ratio_likelihoods(level: float = 0.95) -> dict[str, ev.LogRatio]:
    """ROCCA's published PFS hazard ratios (:data:`HAZARD_RATIOS`) as log-normal likelihoods."""
    out = {}
    for key, (quantity, group, _, _) in HAZARD_RATIOS.items():
        row = published.get(ROCCA, quantity, group)
        out[key] = ev.log_ratio_normal(row["value"], row["ci_low"], row["ci_high"], level)
    return out


def _label(key: str) -> str:
    return HAZARD_RATIOS[key][2]


def _factor(key: str) -> str:
    return HAZARD_RATIOS[key][3]


def posterior_panels(settings: Settings) -> dict[str, list[ev.Posterior]]:
    """Label of each published hazard ratio → its posterior under each prior (the figure)."""
    likelihoods = hazard_ratio_likelihoods(settings.level)
    return {
        _label(k): [ev.normal_posterior(lik, p) for p in settings.priors(_factor(k))]
        for k, lik in likelihoods.items()
    }


def bayesian_section(settings: Settings) -> Section:
    """Each published PFS hazard ratio of ROCCA under each of the four priors.

    The table gives the posterior median HR with its 95% credible interval, P(HR > 1),
    P(HR > ``harm_hr``) and the share of the posterior precision from the data; the glue
    values are the ones the prose quotes.
    """
    likelihoods = hazard_ratio_likelihoods(settings.level)
    harm, benefit = settings.harm_hr, settings.benefit_hr
    posterior = ev.posterior_table(
        likelihoods,
        lambda key: settings.priors(_factor(key)),
        above=(1.0, harm),
        below=(1.0, benefit),
    )
    p_harm = f"p_above_{harm:g}"
    shown = pd.DataFrame(
        {
            "Hazard ratio (PFS)": [_label(k) for k in posterior.key],
            "Published HR (95% CI)": [
                _ratio(likelihoods[k].estimate, likelihoods[k].ci_low, likelihoods[k].ci_high)
                for k in posterior.key
            ],
            "Prior": [p.capitalize() for p in posterior.prior],
            "Posterior HR (95% CrI)": [
                _ratio(m, lo, hi)
                for m, lo, hi in zip(
                    posterior["median"], posterior.cri_low, posterior.cri_high, strict=True
                )
            ],
            "P(HR > 1)": [_percent(p) for p in posterior.p_above_1],
            f"P(HR > {harm:g})": [_percent(p) for p in posterior[p_harm]],
            "Weight of the data": [_percent(w) for w in posterior.data_weight],
        }
    )
    # The published HR once per block of priors.
    shown.loc[posterior.prior != "sceptical", ["Hazard ratio (PFS)", "Published HR (95% CI)"]] = ""
    results = []
    for _, r in posterior.iterrows():
        lik = likelihoods[r.key]
        prior = next(p for p in settings.priors(_factor(r.key)) if p.name == r.prior)
        results.append(
            _result(
                f"rocca-bayes-{r.key}-{r.prior}",
                "posterior median HR (PFS)",
                ROCCA,
                r["median"],
                "normal approximation on log HR from the published 95% CI; conjugate normal "
                "prior: " + prior.description,
                term=_label(r.key),
                prior=r.prior,
                ci_low=r.cri_low,
                ci_high=r.cri_high,
                interval="95% credible interval",
                p_hr_above_1=r.p_above_1,
                p_hr_above_harm=r[p_harm],
                harm_threshold=harm,
                p_hr_below_1=r.p_below_1,
                data_weight=r.data_weight,
                published_hr=lik.estimate,
                published_ci=[lik.ci_low, lik.ci_high],
            )
        )
    caption = "ROCCA: posterior for each published PFS hazard ratio under each prior"
    return Section(
        tables={"posteriors": (shown, caption)},
        glue=_bayesian_glue(posterior, likelihoods, p_harm),
        results=results,
    )


def _bayesian_glue(posterior: pd.DataFrame, likelihoods: dict, p_harm: str) -> dict:
    def post(key, prior):
        return posterior[(posterior.key == key) & (posterior.prior == prior)].iloc[0]

    glue = {}
    for prior in PRIORS:
        r = post("ino_exposed", prior)
        glue[f"exp_{prior}_p1"] = _percent(r.p_above_1)
        glue[f"exp_{prior}_pharm"] = _percent(r[p_harm])
        glue[f"exp_{prior}_median"] = f"{r['median']:.2f}"
        glue[f"exp_{prior}_cri"] = f"{r.cri_low:.2f}–{r.cri_high:.2f}"
    for key in ("ino_refractory", "ino_responsive", "bridging_therapy"):
        for prior in ("sceptical", "vague"):
            r = post(key, prior)
            glue[f"{key}_{prior}_p1"] = _percent(r.p_above_1)
            glue[f"{key}_{prior}_pharm"] = _percent(r[p_harm])
    bridging = post("bridging_therapy", "sceptical")
    glue["bridging_sceptical_median"] = f"{bridging['median']:.2f}"
    glue["bridging_signal"] = (
        "a clear signal of harm (its 95% credible interval excludes 1)"
        if bridging["cri_low"] > 1
        else "a probable signal of harm, although its 95% credible interval still includes 1"
    )
    glue["bridging_sceptical_cri"] = f"{bridging['cri_low']:.2f}–{bridging['cri_high']:.2f}"
    protective = posterior[
        posterior.key.isin(["prior_hct", "consolidation_hct", "consolidation_tki"])
    ]
    glue["protective_min_p_benefit"] = _percent(protective.p_below_1.min())
    worst = max(likelihoods.values(), key=lambda lik: abs(lik.asymmetry))
    glue["max_asymmetry"] = f"{abs(worst.asymmetry):.3f}"
    glue["exposure_se"] = f"{likelihoods['ino_exposed'].se:.3f}"
    glue["n_hr"] = len(likelihoods)
    return glue


# --- The 2×2 comparisons -----------------------------------------------------------------


@dataclass(frozen=True)
class TwoByTwo:
    """One published two-group comparison of counts, with every count table that fits it.

    ``tables`` lists (events_1, n_1, events_0, n_0), the first group first (InO-exposed or
    InO bridging); more than one when the audit found several tables consistent with the
    printed percentages. ``events`` is the event's noun (singular, plural); ``p`` the
    published p-value row; ``basis`` says where the counts come from.
    """

    study: str
    key: str
    label: str
    events: tuple[str, str]
    groups: tuple[str, str]
    tables: list[tuple[int, int, int, int]]
    p: pd.Series
    basis: str

    @property
    def basis_short(self) -> str:
        return "printed counts" if self.basis == "printed counts" else "inferred counts (audit)"

    def suffix(self, table: tuple[int, int, int, int]) -> str:
        """The id suffix of one table ('' when the comparison has only one)."""
        if len(self.tables) == 1:
            return ""
        return "-{}of{}_vs_{}of{}".format(*table)

    def route(self, result: ev.Fragility, short: bool = False) -> str:
        """In words: who would have had to have a different outcome."""
        if result.index is None:
            return "not reachable in one group"
        if result.index == 0:
            return "—"
        group = self.groups[0] if result.group == 1 else self.groups[1]
        noun = self.events[0] if result.index == 1 else self.events[1]
        if short:
            sign = "+" if result.direction > 0 else "−"
            return f"{sign}{result.index} {noun}, {SHORT_LABELS[group]}"
        more = "more" if result.direction > 0 else "fewer"
        return f"{result.index} {more} {noun} among {ARM_LABELS[group]} patients"


def _count(study: str, quantity: str, group: str) -> int:
    return int(published.value(study, quantity, group))


def _denominators(checks: pd.DataFrame, pct_quantity: str, group: str) -> list[int]:
    """The printed (or uniquely inferred) denominator, else every consistent one (audit)."""
    r = checks[
        (checks.quantity == pct_quantity) & (checks.group == group) & (checks.variant == "")
    ].iloc[0]
    if pd.notna(r.n):
        return [int(r.n)]
    return [int(x) for x in str(r.consistent_denominators).split(",")]


def two_by_two_comparisons() -> list[TwoByTwo]:
    """ROCCA's safety, relapse, response and consolidation comparisons (exposed vs naïve)
    and Alcalde-Mellado's tumour-burden conversion (InO vs chemotherapy bridging)."""
    vs = f"{EXPOSED}_vs_{NAIVE}"
    out = []
    for key, label, words, quantity, p_quantity in (
        (
            "early_death_30d",
            "Death within 30 days of infusion",
            ("death", "deaths"),
            "early_death_30d_count",
            "early_death_30d_p",
        ),
        (
            "crs_grade_3_4",
            "Grade 3–4 CRS (patients with CRS)",
            ("case of grade 3–4 CRS", "cases of grade 3–4 CRS"),
            "crs_grade_3_4_count",
            "crs_grade_p",
        ),
        (
            "icans_grade_3_4",
            "Grade 3–4 ICANS (patients with ICANS)",
            ("case of grade 3–4 ICANS", "cases of grade 3–4 ICANS"),
            "icans_grade_3_4_count",
            "icans_grade_p",
        ),
    ):
        table = tuple(
            v
            for g in ARMS
            for v in (_count(ROCCA, quantity, g), int(published.get(ROCCA, quantity, g)["n"]))
        )
        p = published.get(ROCCA, p_quantity, vs)
        out.append(TwoByTwo(ROCCA, key, label, words, ARMS, [table], p, "printed counts"))

    checks = audit.percent_checks(ROCCA)
    relapse_tables = [
        (_count(ROCCA, "relapse_count", EXPOSED), n1, _count(ROCCA, "relapse_count", NAIVE), n0)
        for n1 in _denominators(checks, "relapse_pct", EXPOSED)
        for n0 in sorted(_denominators(checks, "relapse_pct", NAIVE), reverse=True)
    ]
    # The paper describes these as relapses among responders, but the printed percentages
    # fit only the whole arm as denominator (audit), so the label says so.
    out.append(
        TwoByTwo(
            ROCCA,
            "relapse",
            "Relapse (whole arm)",
            ("relapse", "relapses"),
            ARMS,
            relapse_tables,
            published.get(ROCCA, "relapse_p", vs),
            "denominators inferred from the printed percentages: the whole arm (audit)",
        )
    )
    response = audit.rocca_response_denominators().set_index("group")
    responders = {g: int(response.loc[g, "responders"]) for g in ARMS}
    cr_table = tuple(v for g in ARMS for v in (responders[g], int(response.loc[g, "evaluable"])))
    out.append(
        TwoByTwo(
            ROCCA,
            "cr_cri",
            "CR/CRi after brexu-cel",
            ("response", "responses"),
            ARMS,
            [cr_table],
            published.get(ROCCA, "cr_cri_p", vs),
            "counts inferred from the printed percentages (audit)",
        )
    )
    cons = tuple(v for g in ARMS for v in (_count(ROCCA, "consolidation_count", g), responders[g]))
    out.append(
        TwoByTwo(
            ROCCA,
            "consolidation",
            "Consolidation or maintenance in remission",
            ("patient consolidated", "patients consolidated"),
            ARMS,
            [cons],
            published.get(ROCCA, "consolidation_p", vs),
            "denominators inferred from the printed percentages (audit)",
        )
    )
    conversion = [
        (int(t.ino_converted), int(t.ino_htb), int(t.chemo_converted), int(t.chemo_htb))
        for t in audit.alcalde_conversion_tables().itertuples()
    ]
    out.append(
        TwoByTwo(
            ALCALDE,
            "conversion",
            "High → low tumour burden",
            ("conversion", "conversions"),
            ("ino_arm", "chemo_arm"),
            conversion,
            published.get(ALCALDE, "htb_to_ltb_conversion_p", "ino_arm_vs_chemo_arm"),
            "every count table consistent with the printed percentages (audit)",
        )
    )
    return out


def study_tests() -> dict[str, tuple[str, str]]:
    """Study → (key of the test its categorical p-values are taken to use, where that comes from).

    ROCCA's is the test that reproduces its printed p-values (audit). Alcalde-Mellado's could
    not be identified (no count table and test gives the printed p), so the uncorrected
    chi-square test stands in as the alternative to Fisher's.
    """
    matches = audit.alcalde_conversion_tables()[[f"match_{t}" for t in audit.TESTS]]
    alcalde_note = (
        "assumed: no test reproduces the printed p (audit)"
        if not matches.to_numpy().any()
        else "audit"
    )
    return {
        ROCCA: (
            audit.rocca_test_used(),
            "the test that reproduces ROCCA's printed p-values (audit)",
        ),
        ALCALDE: ("chi2", alcalde_note),
    }


# --- E-values ----------------------------------------------------------------------------


def _evalue_result(id: str, result: ev.EValue, note: str, study: str = ROCCA, **extra) -> dict:
    return _result(
        id,
        "E-value",
        study,
        result.e_point,
        f"VanderWeele & Ding 2017; {note}",
        measure=result.measure,
        estimate=result.estimate,
        estimate_ci=[result.ci_low, result.ci_high],
        rr=result.rr,
        rr_ci=[result.rr_low, result.rr_high],
        e_value_ci_limit=result.e_ci,
        ci_limit=result.ci_limit,
        rare_outcome=result.rare,
        **extra,
    )


def _adjusted_evalues(settings: Settings, section: Section) -> None:
    likelihoods = hazard_ratio_likelihoods(settings.level)
    adjusted = {}
    for key, lik in likelihoods.items():
        adjusted[key] = ev.e_values(lik.estimate, lik.ci_low, lik.ci_high, measure="HR", rare=False)
        section.results.append(
            _evalue_result(
                f"rocca-evalue-{key}",
                adjusted[key],
                "adjusted PFS HR converted to RR for a common outcome",
                term=_label(key),
            )
        )
    caption = (
        "E-values for ROCCA's adjusted PFS hazard ratios (common outcome: HR converted to a "
        "risk ratio)"
    )
    frame = pd.DataFrame(
        {
            "Adjusted PFS hazard ratio": [_label(k) for k in adjusted],
            "HR (95% CI)": [_ratio(r.estimate, r.ci_low, r.ci_high) for r in adjusted.values()],
            "As risk ratio": [_ratio(r.rr, r.rr_low, r.rr_high) for r in adjusted.values()],
            "E-value": [f"{r.e_point:.2f}" for r in adjusted.values()],
            "E-value, CI limit": [f"{r.e_ci:.2f}" for r in adjusted.values()],
        }
    )
    section.tables["adjusted"] = (frame, caption)
    # What hidden confounding would it take to move the prior-InO CI off 1? Confounding that
    # masked harm would have to lift the lower limit above 1; confounding that masked
    # benefit would have to bring the upper limit below 1.
    exposure = adjusted["ino_exposed"]
    e_mask = {"harm": ev.e_value(exposure.rr_low), "benefit": ev.e_value(exposure.rr_high)}
    for suffix, limit in (("harm", "lower"), ("benefit", "upper")):
        section.results.append(
            _result(
                f"rocca-evalue-ino_exposed-ci_excludes_1-{suffix}",
                f"E-value to move the CI {limit} limit past 1 (CI would exclude 1, {suffix} side)",
                ROCCA,
                e_mask[suffix],
                "VanderWeele & Ding 2017 with a shifted target (R EValue `true=`); HR converted "
                "to RR for a common outcome",
                ci_limit=limit,
                rr_limit=exposure.rr_low if limit == "lower" else exposure.rr_high,
            )
        )
    section.glue.update(
        exposure_e_point=f"{exposure.e_point:.2f}",
        exposure_rr=f"{exposure.rr:.2f}",
        e_mask_harm=f"{e_mask['harm']:.2f}",
        e_mask_benefit=f"{e_mask['benefit']:.2f}",
        bridging_e_point=f"{adjusted['bridging_therapy'].e_point:.2f}",
        bridging_e_ci=f"{adjusted['bridging_therapy'].e_ci:.2f}",
    )


def _crude_evalues(settings: Settings, section: Section) -> None:
    scale, level = settings.landmark_ci_scale, settings.level
    rows = []
    for endpoint, name in (("pfs", "PFS"), ("os", "OS")):
        for months in (6, 12):
            est = {g: _landmark(ROCCA, f"{endpoint}_{months}mo", g) for g in ARMS}
            # VanderWeele & Ding: rare means < 15% with the event by the end of follow-up.
            rare = max(1 - est[g][0] for g in est) < 0.15
            rr = ev.landmark_risk_ratio(est[EXPOSED], est[NAIVE], scale, level)
            hr = ev.landmark_hazard_ratio(est[EXPOSED], est[NAIVE], scale, level)
            term = f"InO exposure, crude, {name} by {months} months"
            rr_e = ev.e_values(rr.estimate, rr.ci_low, rr.ci_high, measure="RR")
            hr_e = ev.e_values(hr.estimate, hr.ci_low, hr.ci_high, measure="HR", rare=rare)
            section.results += [
                _evalue_result(
                    f"rocca-evalue-crude-{endpoint}_{months}mo-rr",
                    rr_e,
                    f"approximate: risk of a {name} event by {months} months = 1 − published "
                    f"Kaplan–Meier estimate; CI from the published landmark CIs ({scale} scale)",
                    term=term,
                ),
                _evalue_result(
                    f"rocca-evalue-crude-{endpoint}_{months}mo-hr",
                    hr_e,
                    f"approximate: HR implied by the {months}-month {name}, ln S1 / ln S0, "
                    "assuming proportional hazards; "
                    + ("rare outcome" if rare else "common outcome (≥ 15%)"),
                    term=term,
                ),
            ]
            for kind, res in (("rr", rr_e), ("hr", hr_e)):
                tag = f"crude_{endpoint}{months}_{kind}"
                section.glue[f"{tag}_est"] = f"{res.estimate:.2f}"
                section.glue[f"{tag}_ci"] = f"{res.ci_low:.2f}–{res.ci_high:.2f}"
                section.glue[f"{tag}_e"] = f"{res.e_point:.2f}"
                section.glue[f"{tag}_eci"] = f"{res.e_ci:.2f}"
            rows.append(
                {
                    "Endpoint": f"{name} by {months} months",
                    "Event risk, exposed vs naïve": f"{_percent(1 - est[EXPOSED][0])} vs "
                    f"{_percent(1 - est[NAIVE][0])}",
                    "Risk ratio (95% CI)": _ratio(rr.estimate, rr.ci_low, rr.ci_high),
                    "E-value (CI limit)": f"{rr_e.e_point:.2f} ({rr_e.e_ci:.2f})",
                    "Implied HR (95% CI)": _ratio(hr.estimate, hr.ci_low, hr.ci_high),
                    "E-value (CI limit) ": f"{hr_e.e_point:.2f} ({hr_e.e_ci:.2f})",
                }
            )
    caption = (
        "Crude associations of InO exposure, approximated from the published landmark survival"
    )
    section.tables["crude"] = (pd.DataFrame(rows), caption)


def _count_evalues(settings: Settings, comparisons: list[TwoByTwo], section: Section) -> None:
    rows = []
    for c in comparisons:
        for e1, n1, e0, n0 in c.tables:
            rr, rr_lo, rr_hi = ev.risk_ratio(e1, n1, e0, n0, settings.level)
            res = ev.e_values(rr, rr_lo, rr_hi, measure="RR")
            section.results.append(
                _evalue_result(
                    f"{c.study}-evalue-{c.key}{c.suffix((e1, n1, e0, n0))}",
                    res,
                    f"risk ratio from counts ({c.basis})",
                    study=c.study,
                    comparison=c.label,
                    counts=[[e1, n1], [e0, n0]],
                )
            )
            rows.append(
                {
                    "Study": "ROCCA" if c.study == ROCCA else "Alcalde-Mellado",
                    "Comparison": c.label,
                    "Counts (first vs second)": f"{e1}/{n1} vs {e0}/{n0}",
                    "Risk ratio (95% CI)": _ratio(rr, rr_lo, rr_hi),
                    "E-value": f"{res.e_point:.2f}",
                    "E-value, CI limit": f"{res.e_ci:.2f}",
                }
            )
    caption = (
        "E-values for the risk ratios of the 2×2 comparisons (first group: InO-exposed or InO "
        "bridging)"
    )
    section.tables["counts"] = (pd.DataFrame(rows), caption)


def evalue_section(settings: Settings, comparisons: list[TwoByTwo]) -> Section:
    """E-values (VanderWeele & Ding 2017) for every observational comparison of the page.

    Three tables, in order: ROCCA's adjusted PFS hazard ratios (converted to risk ratios for
    a common outcome), the crude associations approximated from the published landmark
    survival (risk ratio and implied hazard ratio, at 6 and 12 months), and the risk ratios
    of the 2×2 ``comparisons``. The glue values include the 12-month event risks, the share
    of each arm with active disease before apheresis (whole arm as denominator) and the
    E-values that would move the prior-InO interval off 1.
    """
    section = Section()
    pfs12 = {g: published.get(ROCCA, "pfs_12mo", g) for g in ARMS}
    active = {
        g: _count(ROCCA, "status_active_count", g) / _count(ROCCA, "n_patients", g) for g in ARMS
    }
    section.glue.update(
        pfs_event_12_exposed=_percent(1 - pfs12[EXPOSED]["value"] / 100),
        pfs_event_12_naive=_percent(1 - pfs12[NAIVE]["value"] / 100),
        pfs_p_univariate=published.get(ROCCA, "pfs_p", f"{EXPOSED}_vs_{NAIVE}")["printed"],
        active_ratio=f"{active[EXPOSED] / active[NAIVE]:.2f}",
        active_exposed=_percent(active[EXPOSED]),
        active_naive=_percent(active[NAIVE]),
    )
    _adjusted_evalues(settings, section)
    _crude_evalues(settings, section)
    _count_evalues(settings, comparisons, section)
    return section


# --- Mediation ---------------------------------------------------------------------------


def mediation_section(settings: Settings) -> Section:
    """The adjusted model's terms fixed after InO exposure, and the crude and adjusted
    prior-InO hazard ratios read as bounds (from :mod:`inoreport.studies.synthesis`)."""
    mediators = synthesis.post_exposure_covariates()
    terms = pd.DataFrame(
        {
            "Term in the adjusted model": mediators["term"],
            "Published HR (95% CI)": [
                _ratio(r.hr, r.ci_low, r.ci_high) for r in mediators.itertuples()
            ],
            "When it is fixed": mediators["when"],
            "How InO exposure can change it": mediators["why_mediator"],
            "Published evidence that it did": mediators["evidence"],
        }
    )
    bounds = synthesis.exposure_estimates_as_bounds(settings.landmark_ci_scale, settings.level)
    bounds = bounds.set_index("estimate").loc[["crude", "adjusted"]]
    hr_text = [_ratio(r.hr, r.ci_low, r.ci_high) for r in bounds.itertuples()]
    shown = pd.DataFrame(
        {
            "Estimate": ["Crude (implied by the published 12-month PFS)", "Adjusted (published)"],
            "Hazard ratio (95% CI)": hr_text,
            "Main bias": list(bounds["bias"]),
            "Pushes the estimate": list(bounds["direction"]),
        }
    )
    return Section(
        tables={
            "terms": (
                terms,
                "Terms of ROCCA's adjusted PFS model (Figure 3) that come after InO exposure",
            ),
            "bounds": (
                shown,
                "Prior InO and PFS after brexu-cel: crude and adjusted estimates as bounds",
            ),
        },
        glue={
            f"bound_{name}": f"HR {text}" for name, text in zip(bounds.index, hr_text, strict=True)
        },
    )


# --- Fragility ---------------------------------------------------------------------------


def fragility_section(settings: Settings, comparisons: list[TwoByTwo]) -> Section:
    """Fragility (Walsh 2014) or reverse fragility (Khan 2020) of every 2×2 table.

    For each table, under Fisher's exact test (Walsh's definition) and under the study's
    own test (:func:`study_tests`): the p-value, the index and who would have had to have a
    different outcome. ``data["results"]`` maps (study, key, table number, role) to the
    :class:`~inoreport.stats.evidence.Fragility` found.
    """
    alpha = settings.alpha
    tests = study_tests()
    section, shown_rows, found = Section(), [], {}
    for c in comparisons:
        for i, t in enumerate(c.tables):
            e1, n1, e0, n0 = t
            counts = [[e1, n1 - e1], [e0, n0 - e0]]
            shown = {
                "Comparison": c.label if i == 0 else "",
                "Counts (first vs second)": f"{e1}/{n1} vs {e0}/{n0}",
                "Printed p": c.p["printed"] if i == 0 else "",
            }
            for role, test in (("fisher", "fisher"), ("study_test", tests[c.study][0])):
                fn = TEST_FUNCTIONS[test]
                p = fn(counts)
                search = ev.fragility_index if p < alpha else ev.reverse_fragility_index
                result = found[(c.study, c.key, i, role)] = search(counts, fn, alpha)
                kind = "FI" if result.kind == "fragility" else "RFI"
                index = "—" if result.index is None else f"{kind} {result.index}"
                head = "Fisher (Walsh)" if role == "fisher" else "Study's test"
                shown[f"{head}: p"] = _format_p(p)
                shown[f"{head}: index (who would differ)"] = (
                    f"{index} ({c.route(result, short=True)})"
                )
                method = (
                    "Walsh et al. 2014"
                    if result.kind == "fragility"
                    else "reverse fragility (shortest single-group route)"
                )
                section.results.append(
                    _result(
                        f"{c.study}-fragility-{c.key}{c.suffix(t)}-{role}",
                        "fragility index"
                        if result.kind == "fragility"
                        else "reverse fragility index",
                        c.study,
                        result.index,
                        f"{method}; {audit.TESTS[test]}, alpha {alpha:g}; counts: {c.basis}",
                        comparison=c.label,
                        counts=[[e1, n1], [e0, n0]],
                        groups=[ARM_LABELS[g] for g in c.groups],
                        test=test,
                        test_role="Walsh definition" if role == "fisher" else tests[c.study][1],
                        p=p,
                        p_printed=c.p["printed"],
                        p_after=result.p_end,
                        fragility_quotient=result.quotient,
                        route=c.route(result),
                    )
                )
            shown_rows.append(shown)
    caption = (
        "Fragility of the 2×2 comparisons (exact, from printed or audit-inferred counts; first "
        "group: InO-exposed or InO bridging). FI: fragility index; RFI: reverse fragility "
        f"index. Study's test: ROCCA {audit.TESTS[tests[ROCCA][0]]} (audit); Alcalde-Mellado "
        f"not identified, {audit.TESTS[tests[ALCALDE][0]]} shown"
    )
    section.tables["fragility"] = (pd.DataFrame(shown_rows), caption)
    section.data["results"] = found
    section.glue.update(_fragility_glue(comparisons, found, tests))
    return section


def _format_p(p: float) -> str:
    return format_p(p, 2)


def _fragility_glue(comparisons: list[TwoByTwo], found: dict, tests: dict) -> dict:
    by_key = {c.key: c for c in comparisons}
    glue = {
        "rocca_test_name": audit.TESTS[tests[ROCCA][0]],
        "alcalde_n_tables": len(by_key["conversion"].tables),
    }
    roles = ("fisher", "study_test")
    for key in (
        "early_death_30d",
        "crs_grade_3_4",
        "icans_grade_3_4",
        "relapse",
        "cr_cri",
        "consolidation",
    ):
        for role in roles:
            r = found[(ROCCA, key, 0, role)]
            glue[f"fi_{key}_{role}"] = r.index
            glue[f"fi_{key}_{role}_route"] = by_key[key].route(r)
            glue[f"fi_{key}_{role}_p"] = _format_p(r.p_start)
    safety = ("early_death_30d", "crs_grade_3_4", "icans_grade_3_4")
    glue["max_safety_index"] = max(
        found[(ROCCA, k, 0, role)].index for k in safety for role in roles
    )
    conv = by_key["conversion"]
    fisher = [found[(ALCALDE, "conversion", i, "fisher")] for i in range(len(conv.tables))]
    chi2 = [found[(ALCALDE, "conversion", i, "study_test")] for i in range(len(conv.tables))]
    max_fi = max((r.index for r in fisher + chi2 if r.kind == "fragility"), default=0)
    glue.update(
        conv_fisher_sig=sum(r.significant_start for r in fisher),
        conv_chi2_sig=sum(r.significant_start for r in chi2),
        conv_max_fi=max_fi,
        conv_max_fi_patients=_patients(max_fi),
        conv_p_printed=conv.p["printed"],
    )
    return glue


# --- Precision ---------------------------------------------------------------------------


def landmark_scale_section(settings: Settings) -> Section:
    """For each printed ROCCA landmark survival (PFS and OS at 6 and 12 months, per arm):
    which CI scales reproduce the printed estimate and limits after rounding."""
    rows = []
    for endpoint, months in LANDMARKS:
        for g in ARMS:
            lm = published.get(ROCCA, f"{endpoint}_{months}mo", g)
            triple = (lm["value"] / 100, lm["ci_low"] / 100, lm["ci_high"] / 100)
            fit = ev.ci_scale_fit(*triple, decimals=int(lm["decimals"]) + 2).set_index("scale")
            rows.append(
                {
                    "Landmark": f"{endpoint.upper()} {months} months, {ARM_LABELS[g]}",
                    "Printed": f"{lm['printed']}% ({lm['ci_low']:.0f}–{lm['ci_high']:.0f})",
                    **{s: "yes" if fit.loc[s, "consistent"] else "no" for s in ev.SCALES},
                }
            )
    frame = pd.DataFrame(rows)
    glue = {"landmark_scale": settings.landmark_ci_scale, "n_landmarks": len(frame)}
    for s in ("log-log", "log", "plain", "logit"):
        glue[f"n_consistent_{s}"] = int((frame[s] == "yes").sum())
    caption = "Which CI scale can reproduce each printed landmark CI after rounding?"
    return Section(tables={"scales": (frame, caption)}, glue=glue)


@dataclass
class _Differences:
    """Collects the precision table, the figure's rows and the result rows."""

    shown: list[dict] = field(default_factory=list)
    plotted: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)

    def add(
        self,
        study,
        key,
        section,
        label,
        first,
        second,
        result,
        method,
        shown_method,
        plot_label,
        **extra,
    ):
        low, high = ev.points_text(result.ci_low), ev.points_text(result.ci_high)
        reading = f"a difference from {low} to {high} percentage points cannot be excluded"
        interval = _points_range(result.ci_low, result.ci_high, 1)
        self.shown.append(
            {
                "Comparison": label,
                "First group": first,
                "Second group": second,
                "Difference (95% CI), points": f"{_signed(100 * result.estimate, 1)} ({interval})",
                "Method": shown_method,
            }
        )
        self.plotted.append(
            dict(
                section=section,
                label=plot_label,
                estimate=result.estimate,
                ci_low=result.ci_low,
                ci_high=result.ci_high,
            )
        )
        self.results.append(
            _result(
                f"{study}-precision-{key}",
                "difference",
                study,
                result.estimate,
                method,
                ci_low=result.ci_low,
                ci_high=result.ci_high,
                unit="proportion (first minus second)",
                comparison=label,
                reading=reading,
                **extra,
            )
        )


def precision_section(settings: Settings, comparisons: list[TwoByTwo]) -> Section:
    """Each headline difference with its 95% CI (proportions, first group minus second).

    ROCCA's landmark PFS and OS at 6 and 12 months (normal approximation, standard errors
    from the printed CIs on ``landmark_ci_scale``, the logit scale kept as a check) and every
    2×2 table of ``comparisons`` (Newcombe hybrid score interval). ``data["differences"]``
    holds the rows of the difference figure (section, label, estimate, ci_low, ci_high).
    """
    scale, level = settings.landmark_ci_scale, settings.level
    diffs, glue = _Differences(), {}
    for endpoint, months in LANDMARKS:
        key = f"{endpoint}_{months}mo"
        first, second = _landmark(ROCCA, key, EXPOSED), _landmark(ROCCA, key, NAIVE)
        diff = ev.landmark_difference(first, second, scale, level)
        check = ev.landmark_difference(first, second, "logit", level)
        label = f"{endpoint.upper()} at {months} months"
        diffs.add(
            ROCCA,
            key,
            "ROCCA, landmark survival: exposed − naïve",
            label,
            f"{100 * first[0]:.0f}%",
            f"{100 * second[0]:.0f}%",
            diff,
            f"normal approximation; SEs from the published CIs ({scale} scale)",
            f"normal approximation; SEs from the printed CIs ({scale})",
            label,
            ci_logit=[check.ci_low, check.ci_high],
        )
        direction = "lower" if diff.estimate < 0 else "higher"
        interval = _points_range(diff.ci_low, diff.ci_high)
        logit = _points_range(check.ci_low, check.ci_high)
        glue[f"diff_{key}_words"] = f"{abs(100 * diff.estimate):.0f} percentage points {direction}"
        glue[f"diff_{key}_ci"] = interval
        glue[f"diff_{key}_logit_phrase"] = (
            "the same to the nearest point" if logit == interval else f"{logit} points"
        )
    for c in comparisons:
        several = len(c.tables) > 1
        for i, (e1, n1, e0, n0) in enumerate(c.tables):
            rd = ev.risk_difference(e1, n1, e0, n0, level)
            counts = f", {e1}/{n1} vs {e0}/{n0}" if several else ""
            section = (
                "ROCCA: exposed − naïve"
                if c.study == ROCCA
                else "Alcalde-Mellado: InO − chemo bridging, each table that fits"
            )
            diffs.add(
                c.study,
                f"{c.key}{c.suffix((e1, n1, e0, n0))}",
                section,
                c.label + counts,
                f"{e1}/{n1} ({100 * e1 / n1:.0f}%)",
                f"{e0}/{n0} ({100 * e0 / n0:.0f}%)",
                rd,
                f"Newcombe hybrid score interval; counts: {c.basis}",
                f"Newcombe; {c.basis_short}",
                PLOT_LABELS[c.key] + counts,
            )
            if i == 0:
                glue[f"rd_{c.key}"] = _signed(100 * rd.difference, 1)
                glue[f"rd_{c.key}_ci"] = _points_range(rd.ci_low, rd.ci_high, 1)
                glue[f"rd_{c.key}_hi"] = f"{100 * rd.ci_high:.0f}"
    conv = next(c for c in comparisons if c.key == "conversion")
    conv_rd = [ev.risk_difference(*t, level) for t in conv.tables]
    glue.update(
        conv_rd_low_min=_signed(100 * min(r.ci_low for r in conv_rd)),
        conv_rd_low_max=_signed(100 * max(r.ci_low for r in conv_rd)),
        conv_rd_high_min=f"{100 * min(r.ci_high for r in conv_rd):.0f}",
    )
    for arm in ("ino_arm", "chemo_arm"):
        printed = published.get(ALCALDE, "htb_to_ltb_conversion_pct", arm)["printed"]
        glue[f"conv_pct_{arm}"] = printed + "%"
    caption = "Differences with 95% confidence intervals (percentage points)"
    return Section(
        tables={"differences": (pd.DataFrame(diffs.shown), caption)},
        glue=glue,
        results=diffs.results,
        data={"differences": pd.DataFrame(diffs.plotted)},
    )
