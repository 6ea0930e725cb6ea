"""The ROCCA chapter's cohort and its published-number prose (Aldoss 2024).

* :func:`from_cohort` — the chapter's view of the cohort ``inoreport run rocca`` reads, with the
  groups the chapter compares (response to InO, timing of InO);
* :func:`bottom_line`, :func:`design`, :func:`timing`, :func:`advice` — glue texts built
  from ``data/published/rocca.csv`` only (nothing synthetic);
* :func:`flow_nodes`, :func:`flow_check_text`, :func:`flow_percent_rows` — the cohort flow
  from the published counts and the exact checks of its printed percentages.

Texts are Markdown strings keyed by their glue name; percentages are percent, times as
printed (days, months).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.results import ScorecardRow
from inoreport.figures import flow
from inoreport.studies import target_roles
from inoreport.studies.rocca import adjustment, safety

STUDY = "rocca"
SEED = 20240623  # every simulation of the chapter starts from this seed
SOURCE = "Aldoss 2024"
RESPONDER, REFRACTORY, NOT_ASSESSED = "InO responder", "InO refractory", "InO not assessed"
PRE_ONLY, BRIDGING = "InO before apheresis only", "InO as bridging"
#: endpoint -> (time column, event column, label)
ENDPOINTS = {"pfs": ("pfs_months", "pfs_event", "PFS"), "os": ("os_months", "os_event", "OS")}


def pub(quantity: str, group: str | None = None) -> float:
    """A published value of ROCCA as a number."""
    return float(published.value(STUDY, quantity, group))


def row(quantity: str, group: str | None = None) -> pd.Series:
    """A published row of ROCCA (value, printed, ci_low, ci_high, ...)."""
    return published.get(STUDY, quantity, group)


def printed(quantity: str, group: str | None = None) -> str:
    """A published number as the paper prints it."""
    return row(quantity, group)["printed"]


def p_scorecard_row(statistic: str, key: tuple, ours: float, role: str, test: str, note=""):
    """The scorecard row of a published p-value (``key``) against ours. One the generator
    was calibrated to agrees when it prints as the paper printed it (the tolerance it was
    fitted to); any other agrees when it lands on the same side of 0.05 within a factor of
    two (a held-out check)."""
    from inoreport.synthetic.common import p_row, separation_row
    from inoreport.synthetic.sources import PublishedValues, Ref

    if role == "calibrated":
        return separation_row(statistic, PublishedValues(STUDY), Ref(*key), ours, test,
                              role=role, source=SOURCE, note=note)  # fmt: skip
    published_row = row(*key)
    out = p_row(statistic, published_row["value"], ours, role, source=SOURCE,
                published_text=published_row["printed"], note="; ".join(x for x in (test, note) if x))  # fmt: skip
    return dataclasses.replace(out, quantity=key[0], group=key[1])


@dataclass
class RoccaCohort:
    """The chapter's cohort: one row per patient, with ``exposed`` (0/1) and, when the file
    has the columns, ``ino_response_group`` and ``timing_group``. Durations in months."""

    data: pd.DataFrame
    is_synthetic: bool
    source: object
    groups: list
    reference: str
    covariates: list
    categorical: list
    landmarks: list
    cohort: object = None
    roles: dict = field(default_factory=dict)

    @property
    def syn(self) -> str:
        """' (synthetic)' for labels of a synthetic cohort, else ''."""
        return " (synthetic)" if self.is_synthetic else ""

    @property
    def exposed_label(self) -> str:
        return [g for g in self.groups if g != self.reference][0]

    def role(self, key: tuple, bound: str | None = None) -> str:
        """The generator's role of a published number, by its ``(quantity, group)`` key.

        A real cohort was fitted to nothing ('held_out'); neither were confidence limits
        (``bound``), which the generator never fits. A point estimate the generator did not
        record raises KeyError: the chapter would otherwise guess its role.
        """
        if not self.is_synthetic or bound is not None:
            return "held_out"
        if key not in self.roles:
            raise KeyError(f"the synthetic generator's record has no target {key!r}")
        return self.roles[key]


def from_cohort(chapter, cohort, landmarks) -> RoccaCohort:
    """The chapter's view of a cohort loaded and checked by the registry
    (``chapter.load_cohort``, as ``inoreport run`` does): yes/no columns as True/False, the
    InO response and timing groups added, the generator's roles of its targets by key."""
    data = cohort.frame.copy()
    for column in [c.name for c in chapter.schema.columns if c.kind == "flag" and c.name in data]:
        data[column] = data[column].map({1.0: True, 0.0: False})
        if data[column].notna().all():
            data[column] = data[column].astype(bool)
    data["exposed"] = (data["group"] != cohort.reference).astype(int)
    if "ino_response" in data.columns:
        response = data["ino_response"].map(
            {"responder": RESPONDER, "refractory": REFRACTORY, "not assessed": NOT_ASSESSED}
        )
        data["ino_response_group"] = pd.Categorical(
            np.where(data["exposed"] == 0, cohort.reference, response),
            categories=[cohort.reference, RESPONDER, REFRACTORY, NOT_ASSESSED],
        )
    if "ino_timing" in data.columns:
        data["timing_group"] = data["ino_timing"].map(
            {"pre-apheresis only": PRE_ONLY, "bridging": BRIDGING}
        )
    return RoccaCohort(
        data, cohort.synthetic, cohort.source, list(cohort.groups), cohort.reference,
        list(cohort.covariates), list(cohort.categorical), list(landmarks), cohort,
        target_roles(STUDY) if cohort.synthetic else {},
    )  # fmt: skip


def cohort_texts(rc: RoccaCohort) -> dict[str, str]:
    """Which cohort the chapter reads and its landmarks (months)."""
    return {
        "landmark_text": " and ".join(f"{lm:g}-month" for lm in rc.landmarks),
        "cohort_name": "the synthetic cohort" if rc.is_synthetic else f"`{rc.source.name}`",
    }


def _arms_pct(r, digits=0) -> str:
    return f"{r.exposed_pct:.{digits}f}% vs {r.naive_pct:.{digits}f}%"


def _arms_words(r) -> str:
    return f"{r.exposed_pct:.0f}% of exposed and {r.naive_pct:.0f}% of naïve patients"


def bottom_line() -> dict[str, str]:
    """The clinical bottom line's numbers (published only): found, adjusted, bridging,
    upper limit, safety."""
    severe = safety.severe_toxicity_table().set_index(["outcome", "basis"])
    deaths = safety.early_and_sos_deaths().set_index("outcome")
    early, sos = deaths.loc["Death within 30 days of infusion"], deaths.iloc[1]
    icans_all = severe.loc[("Grade 3–4 ICANS", "all infused patients")]
    icans_with = severe.loc[("Grade 3–4 ICANS", "patients with ICANS")]
    crs_all = severe.loc[("Grade 3–4 CRS", "all infused patients")]
    crs_with = severe.loc[("Grade 3–4 CRS", "patients with CRS")]
    m1 = row("hr_pfs_ino_exposed", "model_1")
    return {
        "bl_found": (
            f"12-month PFS {printed('pfs_12mo', 'ino_exposed')}% in exposed vs "
            f"{printed('pfs_12mo', 'ino_naive')}% in naïve patients, and the unadjusted "
            f"comparisons favour the naïve (PFS p = "
            f"{printed('pfs_p', 'ino_exposed_vs_ino_naive')}, OS p = "
            f"{printed('os_p', 'ino_exposed_vs_ino_naive')})"
        ),
        "bl_adjusted": f"{m1['value']:.2f} (95% CI {m1['ci_low']:.2f}–{m1['ci_high']:.2f})",
        "bl_upper": f"{m1['ci_high']:.2f}, a doubling of the hazard",
        "bl_bridging": (
            f"only {printed('ino_bridging_count', 'ino_exposed')} of the "
            f"{printed('n_patients', 'ino_exposed')} exposed patients had InO as bridging; the "
            f"other {printed('ino_preapheresis_only_count', 'ino_exposed')} had it only before "
            "apheresis, a median of "
            f"{printed('days_preapheresis_ino_to_apheresis_median', 'ino_exposed')} days "
            "before it, and the authors say the bridging group is too small for a firm "
            "conclusion"
        ),
        "bl_safety": (
            f"Severe (grade 3–4) ICANS in {_arms_words(icans_all)} "
            f"({_arms_pct(icans_with)} of those with ICANS, p = {icans_with.published_p_text}); "
            f"severe CRS in {_arms_words(crs_all)} ({_arms_pct(crs_with)} of those with CRS, "
            f"p = {crs_with.published_p_text}); deaths within 30 days {_arms_pct(early, 1)} "
            f"(p = {early.published_p_text}); {sos.exposed_events} of the "
            f"{sos.exposed_events + sos.naive_events} deaths from sinusoidal obstruction "
            "syndrome were in exposed patients, all after a stem-cell transplant. Every "
            "severe-event comparison points the same way, so the abstract's \"comparable "
            'toxicity" says more than these numbers do.'
        ),
    }


def design() -> dict[str, str]:
    """The design sentence (who, where, when, follow-up) and the group sizes."""
    start, end = (
        pd.Timestamp(published.value(STUDY, q)).strftime("%B %Y")
        for q in ("infusion_window_start", "infusion_window_end")
    )
    lock = pd.Timestamp(published.value(STUDY, "data_lock_date"))
    return {
        "design_sentence": (
            f"{pub('n_patients', 'all'):.0f} adults treated with commercial brexu-cel at "
            f"{pub('n_centers', 'all'):.0f} US centres between {start} and {end}, each "
            f"followed for at least {pub('min_followup_months', 'all'):g} months after "
            f"infusion (or until death); the data were locked on {lock:%d %B %Y} and the "
            f"median follow-up was {pub('median_followup_months', 'all'):g} months"
        ),
        "n_groups": (
            f"{pub('n_patients', 'ino_exposed'):.0f} had received InO at some point before "
            f"infusion and {pub('n_patients', 'ino_naive'):.0f} had not"
        ),
    }


#: Flow boxes: key, label, published count, parent, split.
FLOW = (
    ("naive", "InO-naïve", ("n_patients", "ino_naive"), "all", None),
    ("exposed", "InO-exposed", ("n_patients", "ino_exposed"), "all", None),
    ("pre", "InO before apheresis only", ("ino_preapheresis_only_count", "ino_exposed"),
     "exposed", "timing of InO"),
    ("bridge", "InO as bridging therapy", ("ino_bridging_count", "ino_exposed"), "exposed",
     "timing of InO"),
    ("resp", "Responded to InO (CR/CRi)", ("ino_responders_count", "ino_exposed"), "exposed",
     "response to InO"),
    ("refr", "Refractory to InO", ("ino_refractory_count", "ino_exposed"), "exposed",
     "response to InO"),
    ("na", "Response not assessed", ("ino_not_assessed_count", "ino_exposed"), "exposed",
     "response to InO"),
    ("b_with", "with InO before apheresis too",
     ("ino_bridging_with_preapheresis_count", "ino_exposed"), "bridge", None),
    ("b_without", "bridging InO only", ("ino_bridging_without_preapheresis_count", "ino_exposed"),
     "bridge", None),
)  # fmt: skip


def flow_nodes():
    """The cohort flow's boxes from the published counts (patients)."""
    rows = [{"key": "all", "label": "Adults infused with brexu-cel",
             "n": int(pub("n_patients", "all"))}]  # fmt: skip
    for key, label, (quantity, group), parent, split in FLOW:
        rows.append({"key": key, "label": label, "n": int(pub(quantity, group)),
                     "parent": parent, **({"split": split} if split else {})})  # fmt: skip
    return flow.flow_nodes(rows)


def flow_figure(nodes):
    """The cohort flow diagram (published counts)."""
    return flow.flow_diagram(nodes, title="ROCCA cohort flow (published counts)")


def flow_check_text(nodes) -> str:
    """Whether every split of the flow adds up to the group it divides."""
    check = flow.flow_checks(nodes)
    if check["consistent"].all():
        return "Every split adds up: " + "; ".join(
            f"{r.children} = {r.children_n}" for r in check.itertuples()
        ) + "."  # fmt: skip
    return "**Not every split adds up:** " + "; ".join(
        f"{r.children} = {r.children_n}, not {r.parent_n}"
        for r in check.itertuples() if not r.consistent
    ) + "."  # fmt: skip


def exact_percent_row(statistic, quantity, group, count, denominator) -> ScorecardRow:
    """Scorecard row: a printed percentage recomputed as count / denominator (exact)."""
    r = row(quantity, group)
    recomputed = 100 * count / denominator
    shown = round(recomputed, int(r["decimals"]))
    return ScorecardRow(
        statistic, float(r["value"]), round(recomputed, 2), "exact", bool(shown == r["value"]),
        tolerance="rounds to the printed value", unit="%", source="published counts",
        note=f"{count} / {denominator}",
    )  # fmt: skip


FLOW_PERCENTS = {"pre": "ino_preapheresis_only_pct", "bridge": "ino_bridging_pct",
                 "resp": "ino_responders_pct", "refr": "ino_refractory_pct"}  # fmt: skip


def flow_percent_rows(nodes) -> list[ScorecardRow]:
    """Exact checks of the printed percentages of the flow (share of cohort, of exposed)."""
    n_all, n_exposed = int(pub("n_patients", "all")), int(pub("n_patients", "ino_exposed"))
    rows = [exact_percent_row("InO-exposed share of the cohort", "ino_exposed_pct", "all",
                              n_exposed, n_all)]  # fmt: skip
    for node in nodes:
        if node.key in FLOW_PERCENTS:
            rows.append(exact_percent_row(f"{node.label}, share of exposed",
                                          FLOW_PERCENTS[node.key], "ino_exposed", node.n,
                                          n_exposed))  # fmt: skip
    return rows


def timing() -> dict[str, str]:
    """Bridging InO against InO months earlier: counts, intervals (days), p-values and how
    the two groups differed (published)."""
    t = adjustment.exposure_timing().set_index("item")
    pre_only = t.loc["InO only before apheresis"]
    bridged = t.loc["InO as bridging (between apheresis and lymphodepletion)"]
    to_apheresis = t.loc["pre-apheresis InO to apheresis"]
    to_infusion = t.loc["last bridging InO dose to infusion"]
    vs = "ino_bridging_vs_ino_preapheresis_only"

    def two(quantity, unit=""):
        return (f"{printed(quantity, 'ino_bridging')}{unit} vs "
                f"{printed(quantity, 'ino_preapheresis_only')}{unit}")  # fmt: skip

    def span(r):
        return f"{r['median']:.0f} days (range {r['low']:.0f}–{r['high']:.0f})"

    return {
        "timing_counts": (
            f"{pre_only['count']} of the {pre_only['of']} had InO only before apheresis, and "
            f"{bridged['count']} as bridging between apheresis and lymphodepletion "
            f"({t.loc['bridging InO and InO before apheresis', 'count']} of them also before "
            f"apheresis, {t.loc['bridging InO only', 'count']} only as a bridge)"
        ),
        "timing_pre": (
            f"a median of {to_apheresis['median']:.0f} days (range {to_apheresis['low']:.0f}–"
            f"{to_apheresis['high']:.0f}) before apheresis"
        ),
        "timing_p": (
            f"PFS p = {printed('pfs_p', vs)} and OS p = {printed('os_p', vs)} for the "
            "unadjusted curves"
        ),
        "timing_diff": (
            "patients bridged with InO had fewer prior lines of therapy (median "
            f"{two('prior_lines_median')}, p = {printed('prior_lines_p', vs)}) and tended to "
            f"have more active disease ({two('status_active_pct', '%')}, p = "
            f"{printed('status_active_p', vs)}) and more extramedullary disease "
            f"({two('emd_yes_pct', '%')}, p = {printed('emd_yes_p', vs)}) before apheresis, "
            "and no adjusted comparison of timing is reported"
        ),
        "timing_sizes": f"{bridged['count']} against {pre_only['count']} patients",
        "timing_bridge_gap": (
            f"{span(to_apheresis)} as the median time from pre-apheresis InO to apheresis, "
            f"and {span(to_infusion)} from the last bridging InO dose to infusion"
        ),
    }


def advice() -> dict[str, str]:
    """The refractory patients behind the authors' second piece of advice (published)."""
    return {
        "refractory_n": printed("ino_refractory_count", "ino_exposed"),
        "refractory_os": f"{printed('os_12mo', 'ino_refractory')}%",
    }


def adjustment_texts() -> dict[str, str]:
    """Consolidation by exposure, bridging that was InO, the unadjusted PFS p (published)."""

    def arm(group):
        return (f"{printed('consolidation_count', group)} of the "
                f"{'exposed' if group == 'ino_exposed' else 'naïve'} "
                f"({printed('consolidation_pct', group)}%)")  # fmt: skip

    return {
        "cons_gap": (
            f"{arm('ino_exposed')} against {arm('ino_naive')} responders, p = "
            f"{printed('consolidation_p', 'ino_exposed_vs_ino_naive')}"
        ),
        "bridging_is_ino": f"{printed('ino_bridging_count', 'ino_exposed')}",
        "univariate_p": printed("pfs_p", "ino_exposed_vs_ino_naive"),
    }
