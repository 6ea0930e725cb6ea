"""ROCCA (Aldoss et al., Blood Adv 2024): synthetic cohort of 189 brexu-cel recipients.

What the generator does, in order (each step has its own random stream):

1. **InO structure.** 87 InO-naïve and 102 InO-exposed patients; among the exposed the
   timing (InO only before apheresis / as bridging, with or without earlier InO) and the
   response to InO (responder / refractory / not assessed) are allocated independently,
   each with its published margins.
2. **Table 1.** Every Table 1 row per arm (including "Missing"), with the contrasts the
   paper states for responders vs refractory patients and for bridging vs
   pre-apheresis InO; ages and prior lines hit the published medians and ranges; marrow
   blast categories agree with disease status (a patient in CR has < 25% blasts or none
   recorded). See :mod:`.allocation`. Then single patients' prior lines and ages are moved,
   every count, median and range kept, until the rank-sum p-values between groups print
   as published (:data:`RANK_SEPARATIONS`, :mod:`.separation`).
3. **Follow-up.** Infusion dates between the start of the infusion window and three months
   before the data lock; their distribution (a power law skewed to later dates, as use of a
   new commercial product grows) is fitted so that the median potential follow-up is the
   published median follow-up.
4. **Course after infusion.** Early deaths (within 30 days), response to brexu-cel (CR/CRi,
   no response, not evaluable), MRD, consolidation (allogeneic HCT, TKI, other) among
   responders, Table 2 toxicities and treatments, and length of stay (moved like the prior
   lines for its rank-sum p), each with the published counts. How many of the exposed
   arm's non-responders and early deaths were InO-refractory is chosen by the calibration
   (:func:`choose_course`): the paper does not say, and its responder vs refractory PFS
   p-value needs the refractory curve to fall early.
5. **PFS.** Early deaths die on their last hospital day; patients without response progress
   between the day-28 assessment and two months. Everyone else draws a time from a
   piecewise-exponential proportional-hazards model: baseline hazard, InO group,
   prior HCT, bridging therapy, and consolidation as a *time-varying* effect that starts at
   the consolidation date (a patient who reached consolidation was event-free until then).
   Parameters are fitted (:mod:`.calibration`) so that Kaplan–Meier 6- and 12-month PFS per
   group and the Cox hazard ratios of the generator's models 2 and 1 come out at the
   published values; greedy re-draws then land the log-rank p-values between groups
   (:func:`redraw_pfs`).
6. **OS.** Deaths without relapse end OS at the PFS time; after relapse or progression,
   survival follows a second piecewise-exponential model with one effect per InO group,
   and for responders and refractory patients a change from the first landmark on, fitted
   on a smoothed copy of the sample (:class:`.separation.SoftSample`) to the 6- and
   12-month OS per group and the log-rank p-values; greedy re-draws finish the fit.

Every fitted target can be left out (``build(leave_out=...)``, keys from
:func:`fitted_keys`): it is then scored but drives no stage (cross-validation).

Published numbers are read from ``data/published/rocca.csv`` via :mod:`.sources`;
assumptions where the paper is silent are in :class:`Assumptions`.

Each step is a stage function below, called in order by :func:`build`:
:func:`allocate_ino_structure`, :func:`allocate_table1`, :func:`draw_infusion_dates`,
:func:`allocate_table2`, :func:`choose_course` (which runs :func:`allocate_course`,
:func:`allocate_consolidation`, :func:`allocate_bridging_therapy` and
:func:`allocate_length_of_stay` for each candidate), :func:`draw_pfs`, :func:`draw_os`,
:func:`assemble_cohort`, then :func:`score_targets`.
The stages share a :class:`Draft` (streams, arms, the cohort frame) and pass their results
on as small frozen dataclasses; the hazard models are :class:`PfsModel` and
:class:`OsModel`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import time as _time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from inoreport.book.results import ScorecardRow
from inoreport.studies.rocca.separation import (
    RankTarget,
    SoftSample,
    separate_ranks,
    sweep_redraw,
)
from inoreport.synthetic import fastsurv
from inoreport.synthetic.allocation import (
    allocate,
    at_least,
    at_most,
    exactly,
    quantile,
    value_range,
)
from inoreport.synthetic.calibration import (
    FitTarget,
    count_from_percent,
    fixed_point,
    greedy_redraw,
    normalised_gap,
)
from inoreport.synthetic.common import (
    DAYS_PER_MONTH,
    StudyBuild,
    bisect,
    count_row,
    ids,
    keyed,
    landmark_ci_rows,
    landmark_row,
    median_row,
    parse_date,
    ratio_row,
    round_months,
    separation_row,
    streams,
)
from inoreport.synthetic.hazard import PiecewiseHazard
from inoreport.synthetic.separation import (
    logrank_z,
    p_fit_target,
    p_of_z,
    pearson_p,
    ranksum_z,
    within_printed,
)
from inoreport.synthetic.sources import PublishedValues, Ref
from inoreport.synthetic.spread import crowding

STUDY = "rocca"
SEED = 20240623
#: Rounds of the fixed-point stage (see :mod:`.calibration`): OS, and PFS (whose hazard
#: ratios need more: each round costs one Cox fit).
ROUNDS = 3
PFS_ROUNDS = 8
#: Crowding guard of the greedy stage (see :mod:`.spread`): window (months), hazard knots
#: of the smooth reference, Poisson level. No re-draw may crowd a plotted curve more.
CROWD_WIDTH, CROWD_KNOTS, CROWD_LEVEL = 0.5, (0.0, 3.0, 6.0, 12.0), 0.99
N_ARMS = ("naive", "exposed")
SOURCE = "Aldoss et al. 2024 (ROCCA), Blood Adv 8(23):6139"

NAIVE, RESPONDER, REFRACTORY, NOT_ASSESSED = (
    "InO-naive",
    "InO responder",
    "InO refractory",
    "InO not assessed",
)
INO_GROUPS = (NAIVE, RESPONDER, REFRACTORY, NOT_ASSESSED)
PRE_ONLY, BRIDGING = "pre-apheresis only", "bridging"

AGE_GROUPS = {"18-39": (18, 39), "40-59": (40, 59), "60+": (60, 120)}
RACES = ("Non-Hispanic White", "Hispanic", "Black", "Asian", "Other")
SUBTYPES = ("Ph+", "Ph-like", "Ph-negative")
STATUSES = ("active (>5% blasts)", "CR, MRD+ or unknown", "CR, MRD-negative", "missing")
BLASTS = ("<25%", "25-74%", ">=75%", "missing")
CRS_GRADES = ("none", "1-2", "3-4", "not evaluable")
ICANS_GRADES = ("none", "1-2", "3-4")
COURSES = ("early death", "not evaluable", "no response", "CR/CRi")
CONSOLIDATIONS = ("none", "allogeneic HCT", "TKI", "other maintenance")

#: The multivariable Cox model for PFS that the generator is calibrated to ("model 2":
#: InO exposure split by response). Column -> reference level (None: 0/1 column).
#: The paper's model holds every variable with univariable p < 0.1 plus age and
#: race/ethnicity; its full list is in a figure we do not have, so we use the variables
#: it reports (InO group, pre-CAR HCT, consolidation, bridging) plus age and race.
MODEL_2 = {
    "ino_group": NAIVE,
    "age_group": "18-39",
    "race_ethnicity": "Non-Hispanic White",
    "prior_hct": None,
    "consolidation": "none",
    "bridging_therapy": None,
}
#: Model 1: the same with InO exposure as one yes/no variable.
MODEL_1 = {**{"ino_exposed": None}, **{k: v for k, v in MODEL_2.items() if k != "ino_group"}}


#: Our short group names -> the groups of data/published/rocca.csv.
GROUPS = {
    None: "all",
    "naive": "ino_naive",
    "exposed": "ino_exposed",
    "responder": "ino_responder",
    "refractory": "ino_refractory",
    "bridging": "ino_bridging",
    "preapheresis_only": "ino_preapheresis_only",
}


#: Subgroups (as in :func:`InoStructure.subgroups`) -> their short group names, for the
#: published median prior lines.
LINE_MEDIAN_GROUPS = {
    "responder": "responder",
    "refractory": "refractory",
    "bridging": "bridging",
    "pre_only": "preapheresis_only",
}


def R(quantity: str, group: str | None = None) -> Ref:
    return Ref(quantity, GROUPS.get(group, group))


# --- Published quantities (ids in data/published/rocca.csv) ---------------------------------
TABLE1_COUNTS = {
    # column: {category: quantity id}; group = arm ("naive" | "exposed")
    "sex": {"female": "female_count"},
    "race_ethnicity": {
        "Non-Hispanic White": "race_nh_white_count",
        "Hispanic": "race_hispanic_count",
        "Black": "race_black_count",
        "Asian": "race_asian_count",
        "Other": "race_other_count",
    },
    "subtype": {
        "Ph+": "subtype_ph_pos_count",
        "Ph-like": "subtype_ph_like_count",
        "Ph-negative": "subtype_ph_neg_count",
    },
    "disease_status": {
        "active (>5% blasts)": "status_active_count",
        "CR, MRD+ or unknown": "status_cr_mrd_pos_unknown_count",
        "CR, MRD-negative": "status_cr_mrd_neg_count",
        "missing": "status_missing_count",
    },
    "marrow_blasts": {
        "<25%": "blasts_lt25_count",
        "25-74%": "blasts_25_74_count",
        ">=75%": "blasts_ge75_count",
        "missing": "blasts_missing_count",
    },
    "emd": {True: "emd_yes_count"},
    "cns": {True: "cns_yes_count"},
    "prior_blinatumomab": {True: "prior_blinatumomab_count"},
    "prior_hct": {True: "prior_hct_count"},
}
AGE_GROUP_IDS = {"18-39": "age_18_39_count", "40-59": "age_40_59_count", "60+": "age_60_plus_count"}

#: Words for the columns and groups in target names (the CSV keeps its column names).
COLUMN_LABELS = {
    "ino_group": "InO group",
    "age_group": "age group",
    "consolidation": "consolidation",
    "bridging_therapy": "any bridging therapy",
    "sex": "sex",
    "race_ethnicity": "race/ethnicity",
    "subtype": "subtype",
    "disease_status": "disease status",
    "marrow_blasts": "marrow blasts",
    "emd": "extramedullary disease",
    "cns": "CNS involvement",
    "prior_blinatumomab": "prior blinatumomab",
    "prior_hct": "prior allogeneic HCT",
    "early_death_30d": "death within 30 days",
    "tocilizumab": "tocilizumab given",
    "steroids": "corticosteroids given",
    "anakinra": "anakinra given",
}
SUBGROUP_LABELS = {
    "responder": "responder",
    "refractory": "refractory",
    "bridging": "InO as bridging",
    "pre_only": "InO before apheresis only",
}
#: Model terms -> words, in the names of the hazard-ratio targets. The targets are fitted in
#: the generator's own fixed model (MODEL_2), hence "generator's model 2" in every name: the
#: ROCCA chapter refits the paper's model under its own selection rule, a different model.
TERM_LABELS = {
    "ino_group[InO responder]": "InO responder",
    "ino_group[InO refractory]": "InO refractory",
    "prior_hct": "prior allogeneic HCT",
    "consolidation[allogeneic HCT]": "consolidation with allogeneic HCT",
    "consolidation[TKI]": "consolidation with a TKI",
    "bridging_therapy": "any bridging therapy",
}
GENERATOR_MODEL_2 = "generator's model 2"
GENERATOR_MODEL_1 = "generator's model 1"


def category_label(column: str, category) -> str:
    """'race/ethnicity: Hispanic'; a yes/no column is named by itself ('extramedullary disease')."""
    label = COLUMN_LABELS.get(column, column.replace("_", " "))
    return label if category is True else f"{label}: {category}"


def hr_statistic(term: str, bound: str | None = None, model: str = GENERATOR_MODEL_2) -> str:
    """Name of a hazard-ratio target: 'PFS HR InO responder (generator's model 2)'; with
    ``bound`` ('low' / 'high') the matching 95% confidence limit."""
    label = TERM_LABELS.get(term, term)
    ci = f" 95% CI {bound}" if bound else ""
    return f"PFS HR {label}{ci} ({model})"


@dataclass(frozen=True)
class Assumptions:
    """What the generator assumes where the paper is silent (all stated on the methods page)."""

    #: Share of patients *without* InO bridging who had another bridging therapy. Not
    #: published; bridging therapy is one of the paper's model covariates.
    other_bridging_share: float = 0.6
    #: Consolidation start after infusion (months, uniform range) by type. Not published.
    consolidation_start: dict = field(
        default_factory=lambda: {
            "allogeneic HCT": (2.0, 4.5),
            "TKI": (1.0, 2.5),
            "other maintenance": (1.0, 2.5),
        }
    )
    #: TKIs are given only to Ph+ patients.
    tki_only_ph_positive: bool = True
    #: Brexu-cel non-responders progress between these times (months after infusion).
    nonresponse_progression: tuple = (1.0, 2.0)
    #: No PFS event other than the published early deaths in the first 30 days.
    first_month_event_free: bool = True
    #: Relapse counts ("24 InO-naive and 37 InO-exposed patients relapsed") read as every
    #: relapse or progression, including brexu-cel non-responders ("any"), or as relapses
    #: after a CR/CRi only ("after_response").
    relapse_reading: str = "any"
    #: Knots (months) of the piecewise-exponential baseline hazards.
    pfs_knots: tuple = (0.0, 3.0, 6.0, 9.0, 12.0, 18.0)
    post_progression_knots: tuple = (0.0, 3.0)
    #: Marrow blasts of a patient whose disease status is missing: mostly missing too.
    blasts_missing_with_status_missing: float = 0.7


#: Plain-language meaning, unit and basis of each assumption (shown on the methods page).
ASSUMPTION_NOTES = {
    "other_bridging_share": (
        "share of patients without InO bridging who had another bridging therapy",
        "(proportion)",
        "assumed: not published",
    ),
    "consolidation_start": (
        "start of consolidation after infusion, uniform between",
        "months",
        "assumed: not published",
    ),
    "tki_only_ph_positive": (
        "a TKI is given as consolidation only for Ph+ disease (a modelling choice: Ph-like "
        "ALL with an ABL-class fusion can also be treated with a TKI)",
        "",
        "assumed",
    ),
    "nonresponse_progression": (
        "brexu-cel non-responders progress between",
        "months after infusion",
        "assumed",
    ),
    "first_month_event_free": (
        "no progression or death in the first 30 days other than the published early deaths",
        "",
        "assumed",
    ),
    "relapse_reading": (
        "published relapse counts read as every relapse or progression ('any') or as "
        "relapses after CR/CRi only ('after_response')",
        "",
        "assumed: the paper does not define them",
    ),
    "pfs_knots": ("where the PFS hazard may change", "months", "assumed"),
    "post_progression_knots": (
        "where the hazard of death after progression may change",
        "months",
        "assumed",
    ),
    "blasts_missing_with_status_missing": (
        "share of patients with missing disease status whose marrow blasts are missing too",
        "(proportion)",
        "assumed",
    ),
}


def _counts(pub: PublishedValues, arm: str) -> dict:
    out = {"n": int(pub(R("n_patients", arm)))}
    for col, mapping in TABLE1_COUNTS.items():
        out[col] = {cat: int(pub(R(q, arm))) for cat, q in mapping.items()}
    out["age_group"] = {g: int(pub(R(q, arm))) for g, q in AGE_GROUP_IDS.items()}
    return out


def _reference(counts: dict, values) -> np.ndarray:
    raw = np.array([float(counts.get(v, 0)) for v in values]) + 0.25
    return raw / raw.sum()


def _median_and_range(pub, ref, stem: str, arm: str, mask, values, label: str):
    """The published median of ``stem`` in ``arm``, and constraints holding it and the
    published range (``<stem>_median``, ``_min``, ``_max``) exactly in the allocation."""
    med = pub(ref(f"{stem}_median", arm))
    cons = list(quantile(mask, 0.5, int(med), values, label))
    cons += value_range(
        mask,
        int(pub(ref(f"{stem}_min", arm))),
        int(pub(ref(f"{stem}_max", arm))),
        values,
        label,
    )
    return med, cons


def _geometric(values, median: float) -> np.ndarray:
    """A decreasing reference distribution on prior lines whose median is about ``median``."""
    lo = min(values)
    p = 1 - 0.5 ** (1 / max(median - lo + 0.5, 0.5))
    raw = np.array([(1 - p) ** (v - lo) * p for v in values])
    return raw / raw.sum()


def _lognormal_pmf(values, median: float, sigma: float) -> np.ndarray:
    v = np.asarray(values, float) + 0.5
    raw = np.exp(-((np.log(v) - np.log(median + 0.5)) ** 2) / (2 * sigma**2)) / v
    return raw / raw.sum()


# --- The state carried between the stages ---------------------------------------------------
@dataclass
class Draft:
    """The cohort being generated and what every stage reads.

    ``frame`` has one row per patient (InO-naive first, then InO-exposed, until
    :func:`assemble_cohort` orders them by infusion date); each stage adds its columns.
    ``rng`` holds one independent random stream per stage, so a stage draws the same numbers
    whatever the other stages do. ``short_rows`` collects the Table 1 rows whose categories
    add up to fewer patients than the arm (reported in the diagnostics and the scorecard).
    """

    assumptions: Assumptions
    pub: PublishedValues
    rng: dict[str, np.random.Generator]
    arm_counts: dict[str, dict]
    arm_mask: dict[str, np.ndarray]
    frame: pd.DataFrame
    short_rows: dict[str, str] = field(default_factory=dict)
    #: Keys ``(quantity, group)`` of the targets left out of every fitting stage.
    leave_out: frozenset = frozenset()
    #: Moves kept by the rank-sum separation stage, per column (diagnostics).
    rank_moves: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.frame)

    def fits(self, ref) -> bool:
        """Is the target ``ref`` (a :class:`Ref` or a ``(quantity, group)`` pair) fitted, i.e.
        not left out?"""
        return _key(ref) not in self.leave_out


@dataclass(frozen=True)
class InoStructure:
    """Per patient (boolean masks unless stated): InO group (one of :data:`INO_GROUPS`),
    InO given as bridging, InO given before apheresis only."""

    group: np.ndarray
    bridging: np.ndarray
    pre_only: np.ndarray

    @property
    def responder(self) -> np.ndarray:
        return self.group == RESPONDER

    @property
    def refractory(self) -> np.ndarray:
        return self.group == REFRACTORY

    @property
    def subgroups(self) -> dict[str, np.ndarray]:
        """The subgroups the paper's contrasts and medians are stated for."""
        return {
            "responder": self.responder,
            "refractory": self.refractory,
            "bridging": self.bridging,
            "pre_only": self.pre_only,
        }


# --- Stages ------------------------------------------------------------------------------------
def _key(ref) -> tuple[str, str | None]:
    return (ref.quantity, ref.group) if hasattr(ref, "quantity") else tuple(ref)


def start_draft(seed: int, a: Assumptions, leave_out=frozenset()) -> Draft:
    """The published arm sizes and Table 1 counts, the random streams and an empty cohort of
    InO-naive then InO-exposed patients (column ``ino_exposed``)."""
    pub = PublishedValues(STUDY)
    rng = streams(
        seed,
        (
            "structure",
            "table1",
            "course",
            "table2",
            "accrual",
            "pfs",
            "relapse",
            "os",
            "greedy",
            "separation",
        ),
    )
    arm_counts = {arm: _counts(pub, arm) for arm in N_ARMS}
    n_naive, n_exposed = arm_counts["naive"]["n"], arm_counts["exposed"]["n"]
    exposed = np.arange(n_naive + n_exposed) >= n_naive
    arm_mask = {"naive": ~exposed, "exposed": exposed}
    frame = pd.DataFrame({"ino_exposed": exposed})
    left_out = frozenset(_key(k) for k in leave_out)
    return Draft(a, pub, rng, arm_counts, arm_mask, frame, leave_out=left_out)


def allocate_ino_structure(d: Draft) -> InoStructure:
    """Step 1: among the InO-exposed, InO timing (before apheresis only / as bridging, with
    or without earlier InO) and response to InO, each with its published counts and
    independent of each other. Adds the ``ino_*`` columns."""
    pub, frame = d.pub, d.frame
    naive, exposed = d.arm_mask["naive"], d.arm_mask["exposed"]
    n_naive, n_exposed = int(naive.sum()), int(exposed.sum())
    n_bridging = int(pub(R("ino_bridging_count", "exposed")))
    n_bridging_with_pre = int(pub(R("ino_bridging_with_preapheresis_count", "exposed")))
    n_pre_only = int(pub(R("ino_preapheresis_only_count", "exposed")))
    n_resp = int(pub(R("ino_responders_count", "exposed")))
    n_refr = int(pub(R("ino_refractory_count", "exposed")))
    n_na = int(pub(R("ino_not_assessed_count", "exposed")))
    if n_pre_only + n_bridging != n_exposed or n_resp + n_refr + n_na != n_exposed:
        raise ValueError("rocca: InO timing or response groups do not add up to the exposed arm")
    timing_values = ("none", PRE_ONLY, "bridging with earlier InO", "bridging only")
    timing = allocate(
        timing_values,
        [
            exactly(naive, "none", n_naive, "naive"),
            exactly(exposed, PRE_ONLY, n_pre_only, "pre-apheresis only"),
            exactly(exposed, "bridging with earlier InO", n_bridging_with_pre, "bridging+pre"),
            exactly(exposed, "bridging only", n_bridging - n_bridging_with_pre, "bridging only"),
        ],
        np.ones(4) / 4,
        d.rng["structure"],
        name="InO timing",
    )
    bridging_ino = np.isin(timing, ["bridging with earlier InO", "bridging only"])
    pre_only = timing == PRE_ONLY
    group = allocate(
        INO_GROUPS,
        [
            exactly(naive, NAIVE, n_naive, "naive"),
            exactly(exposed, RESPONDER, n_resp, "responders"),
            exactly(exposed, REFRACTORY, n_refr, "refractory"),
            exactly(exposed, NOT_ASSESSED, n_na, "not assessed"),
        ],
        np.array([0.0, n_resp, n_refr, n_na]) + 1e-9,
        d.rng["structure"],
        forbidden=[(bridging_ino, ()), (pre_only, ())],  # cells split by timing: independence
        name="InO response",
    )
    frame["ino_group"] = group
    frame["ino_response"] = np.where(
        exposed, pd.Series(group).str.replace("InO ", "", regex=False), None
    )
    frame["ino_timing"] = np.where(pre_only, PRE_ONLY, np.where(bridging_ino, BRIDGING, None))
    frame["ino_preapheresis"] = np.isin(timing, [PRE_ONLY, "bridging with earlier InO"])
    frame["ino_bridging"] = bridging_ino
    return InoStructure(group, bridging_ino, pre_only)


@dataclass(frozen=True)
class Table1:
    """What the Table 1 stage derived from the published percentages (for the scorecard):
    ``contrasts`` maps (column, category, subgroup) to (count, subgroup size, reference);
    ``line_medians`` the published median prior lines per subgroup."""

    contrasts: dict
    line_medians: dict


#: Contrasts stated as percentages of subgroups: (column, category, subgroup) -> reference.
CONTRAST_PCT = {
    ("subtype", "Ph+", "responder"): R("subtype_ph_pos_pct", "responder"),
    ("subtype", "Ph+", "refractory"): R("subtype_ph_pos_pct", "refractory"),
    ("disease_status", "active (>5% blasts)", "responder"): R("status_active_pct", "responder"),
    ("disease_status", "active (>5% blasts)", "refractory"): R("status_active_pct", "refractory"),
    ("disease_status", "active (>5% blasts)", "bridging"): R("status_active_pct", "bridging"),
    ("disease_status", "active (>5% blasts)", "pre_only"): R(
        "status_active_pct", "preapheresis_only"
    ),
    ("emd", True, "bridging"): R("emd_yes_pct", "bridging"),
    ("emd", True, "pre_only"): R("emd_yes_pct", "preapheresis_only"),
    ("prior_hct", True, "responder"): R("prior_hct_pct", "responder"),
    ("prior_hct", True, "refractory"): R("prior_hct_pct", "refractory"),
}


def _contrast_constraints(d: Draft, ino: InoStructure) -> tuple[dict[str, list], dict]:
    """Constraints holding the subgroup contrasts (the counts are the unique ones that round
    to the printed percentages), by column; and those counts, for the scorecard."""
    contrasts: dict[str, list] = {}
    contrast_counts = {}
    for (col, cat, sg), ref in CONTRAST_PCT.items():
        mask = ino.subgroups[sg]
        k = count_from_percent(d.pub(ref), int(mask.sum()), f"rocca {ref.label()}")
        contrasts.setdefault(col, []).append(exactly(mask, cat, k, f"{col}={cat} in {sg}"))
        contrast_counts[(col, cat, sg)] = (k, int(mask.sum()), ref)
    return contrasts, contrast_counts


def _margins(d: Draft, mask, counts, values, label):
    """Published counts of one column in one arm. When a complete set of categories adds
    up to fewer patients than the arm (Table 1 has two such rows), each count is a
    lower bound and the patients left over go where independence puts them."""
    total, n_mask = sum(counts.values()), int(mask.sum())
    complete = set(counts) == set(values)
    if total > n_mask:
        raise ValueError(f"rocca {label}: categories add up to {total} > {n_mask} patients")
    make = at_least if complete and total < n_mask else exactly
    if complete and total < n_mask:
        d.short_rows[label] = f"categories add up to {total} of {n_mask}"
    return [make(mask, cat, k, f"{label}={cat}") for cat, k in counts.items()]


def _table1_constraints(d: Draft, contrasts: dict, col: str, values) -> list:
    out = []
    for arm in N_ARMS:
        out += _margins(d, d.arm_mask[arm], d.arm_counts[arm][col], values, f"{col} {arm}")
    return out + contrasts.get(col, [])


def _arm_reference(d: Draft, col: str, values) -> np.ndarray:
    """Reference probabilities (patients x values): each arm's published shares."""
    ref = np.zeros((d.n, len(values)))
    for arm in N_ARMS:
        counts = dict(d.arm_counts[arm][col])
        if set(values) == {True, False} and False not in counts:
            counts[False] = d.arm_counts[arm]["n"] - counts[True]
        ref[d.arm_mask[arm]] = _reference(counts, values)
    return ref


def allocate_age(d: Draft) -> None:
    """Age (years, column ``age_years``) with the published age-group counts, medians and
    ranges per arm; adds ``age_group``."""
    pub, frame = d.pub, d.frame
    ages = np.arange(18, 100)
    age_cons = []
    age_ref = np.zeros((d.n, len(ages)))
    for arm in N_ARMS:
        m = d.arm_mask[arm]
        group_counts = d.arm_counts[arm]["age_group"]
        complete_short = sum(group_counts.values()) < int(m.sum())
        if complete_short:
            d.short_rows[f"age_group {arm}"] = (
                f"age groups add up to {sum(group_counts.values())} of {int(m.sum())}"
            )
        for g, (lo, hi) in AGE_GROUPS.items():
            in_g = tuple(int(v) for v in ages if lo <= v <= hi)
            make = at_least if complete_short else exactly
            age_cons.append(make(m, in_g, group_counts[g], f"age {g} {arm}"))
            share = d.arm_counts[arm]["age_group"][g] / d.arm_counts[arm]["n"]
            sel = (ages >= lo) & (ages <= min(hi, 85))
            age_ref[np.ix_(m, sel)] = share / sel.sum()
        age_cons += quantile(m, 0.5, int(pub(R("age_median", arm))), ages.tolist(), f"age {arm}")
        age_cons += value_range(
            m, int(pub(R("age_min", arm))), int(pub(R("age_max", arm))), ages.tolist(), f"age {arm}"
        )
    frame["age_years"] = allocate(
        ages.tolist(), age_cons, age_ref + 1e-6, d.rng["table1"], name="age"
    )
    # the rank-sum separation moves ages within their age group only
    age_class = np.searchsorted([lo for lo, _ in AGE_GROUPS.values()], ages, side="right")
    separate(d, "age_years", ages.tolist(), age_cons, np.ones(d.n, bool), same_class=age_class)
    frame["age_years"] = frame["age_years"].astype(int)
    frame["age_group"] = pd.cut(
        frame["age_years"], [17, 39, 59, 200], labels=list(AGE_GROUPS)
    ).astype(str)


def allocate_table1(d: Draft, ino: InoStructure) -> Table1:
    """Step 2: every Table 1 row per arm (age, sex, race/ethnicity, subtype, disease status,
    marrow blasts consistent with disease status, extramedullary and CNS disease, prior
    blinatumomab and HCT, prior lines), with the published subgroup contrasts."""
    r1, frame = d.rng["table1"], d.frame
    contrasts, contrast_counts = _contrast_constraints(d, ino)
    allocate_age(d)
    frame["sex"] = allocate(
        ("female", "male"),
        [
            exactly(d.arm_mask[arm], "female", d.arm_counts[arm]["sex"]["female"], f"female {arm}")
            for arm in N_ARMS
        ],
        np.array([0.45, 0.55]),
        r1,
        forbidden=[(d.arm_mask["exposed"], ())],
        name="sex",
    )
    for col, values in (
        ("race_ethnicity", RACES),
        ("subtype", SUBTYPES),
        ("disease_status", STATUSES),
    ):
        frame[col] = allocate(
            values,
            _table1_constraints(d, contrasts, col, values),
            _arm_reference(d, col, values),
            r1,
            name=col,
        )
    # marrow blasts: consistent with disease status
    in_cr = frame["disease_status"].str.startswith("CR").to_numpy()
    status_missing = (frame["disease_status"] == "missing").to_numpy()
    blast_ref = _arm_reference(d, "marrow_blasts", BLASTS)
    w = d.assumptions.blasts_missing_with_status_missing
    blast_ref[status_missing] = np.array([(1 - w) / 3] * 3 + [w])
    frame["marrow_blasts"] = allocate(
        BLASTS,
        _table1_constraints(d, contrasts, "marrow_blasts", BLASTS),
        blast_ref,
        r1,
        forbidden=[(in_cr, ("25-74%", ">=75%")), (status_missing, ())],
        name="marrow blasts",
    )
    for col in ("emd", "cns", "prior_blinatumomab", "prior_hct"):
        frame[col] = allocate(
            (True, False),
            _table1_constraints(d, contrasts, col, (True, False)),
            _arm_reference(d, col, (True, False)),
            r1,
            name=col,
        ).astype(bool)
    return Table1(contrast_counts, allocate_prior_lines(d, ino))


def allocate_prior_lines(d: Draft, ino: InoStructure) -> dict[str, float]:
    """Prior lines of therapy: medians per arm, per InO response group and per InO timing;
    ranges per arm. Returns the published subgroup medians."""
    lines = list(range(1, 16))
    line_cons = []
    line_ref = np.zeros((d.n, len(lines)))
    for arm in N_ARMS:
        m = d.arm_mask[arm]
        med, arm_cons = _median_and_range(
            d.pub, R, "prior_lines", arm, m, lines, f"prior lines {arm}"
        )
        line_cons += arm_cons
        line_ref[m] = _geometric(lines, med)
    line_medians = {}
    for sg, qgroup in LINE_MEDIAN_GROUPS.items():
        med = d.pub(R("prior_lines_median", qgroup))
        line_medians[sg] = med
        line_cons += quantile(ino.subgroups[sg], 0.5, int(med), lines, f"prior lines {sg}")
    d.frame["prior_lines"] = allocate(
        lines, line_cons, line_ref, d.rng["table1"], name="prior lines"
    ).astype(int)
    separate(d, "prior_lines", lines, line_cons, np.ones(d.n, bool), ino)
    return line_medians


#: Differences in a Table 1 or 2 median that the cohort is calibrated to carry: the published
#: p-value (quantity, group) -> (column, first group, second group). Tested with the
#: Wilcoxon rank-sum test (the paper does not name its test for medians; a reader would
#: assume this one); the direction is that of the two published medians.
RANK_SEPARATIONS = {
    ("prior_lines_p", "ino_exposed_vs_ino_naive"): ("prior_lines", "exposed", "naive"),
    ("prior_lines_p", "ino_responder_vs_ino_refractory"): (
        "prior_lines",
        "responder",
        "refractory",
    ),
    ("prior_lines_p", "ino_bridging_vs_ino_preapheresis_only"): (
        "prior_lines",
        "bridging",
        "pre_only",
    ),
    ("age_median_p", "ino_exposed_vs_ino_naive"): ("age_years", "exposed", "naive"),
    ("hospital_days_p", "ino_exposed_vs_ino_naive"): ("hospital_days", "exposed", "naive"),
}
#: Column -> stem of its published median (``<stem>_median``).
MEDIAN_STEMS = {"prior_lines": "prior_lines", "age_years": "age", "hospital_days": "hospital_days"}
#: Our group names -> their groups in data/published.
PUBLISHED_GROUP = {**{k: v for k, v in GROUPS.items() if k}, "pre_only": "ino_preapheresis_only"}
RANK_TEST = "Wilcoxon rank-sum (the paper does not name its test; a reader would assume this one)"


def _rank_groups(d: Draft, ino: InoStructure | None) -> dict[str, np.ndarray]:
    groups = dict(d.arm_mask)
    if ino is not None:
        groups.update(ino.subgroups)
    return groups


def rank_direction(pub: PublishedValues, column: str, first: str, second: str) -> int:
    """+1 when the first group's published median is the larger, -1 when smaller, 0 when
    equal."""
    stem = MEDIAN_STEMS[column]
    a = pub(R(f"{stem}_median", PUBLISHED_GROUP[first]))
    b = pub(R(f"{stem}_median", PUBLISHED_GROUP[second]))
    return int(np.sign(a - b))


def separate(
    d: Draft,
    column: str,
    domain,
    constraints,
    movable: np.ndarray,
    ino: InoStructure | None = None,
    same_class=None,
) -> None:
    """The rank-sum separations of ``column`` (those not left out): single patients'
    values moved, every allocation constraint kept (see :func:`.separation.separate_ranks`)."""
    groups = _rank_groups(d, ino)
    targets = []
    for key, (col, first, second) in RANK_SEPARATIONS.items():
        if col != column or not d.fits(key) or first not in groups or second not in groups:
            continue
        printed = d.pub.row(Ref(*key))["printed"]
        direction = rank_direction(d.pub, column, first, second)
        target = p_fit_target(f"{key[0]} {key[1]}", printed, direction)
        targets.append(RankTarget(target, groups[first], groups[second]))
    values, moves = separate_ranks(
        d.frame[column].to_numpy(),
        domain,
        constraints,
        targets,
        movable,
        d.rng["separation"],
        same_class=same_class,
    )
    d.frame[column] = values.astype(int)
    d.rank_moves[column] = moves


@dataclass(frozen=True)
class Course:
    """The course after infusion: per patient one of :data:`COURSES`; per arm the patients in
    each course (and ``evaluable``), the MRD-negative count among CR/CRi and how the
    printed MRD percentages were read."""

    course: np.ndarray
    counts: dict[str, dict]
    mrd_counts: dict[str, int]
    mrd_note: str

    @property
    def early_death(self) -> np.ndarray:
        return self.course == "early death"

    @property
    def no_response(self) -> np.ndarray:
        return self.course == "no response"

    @property
    def cr(self) -> np.ndarray:
        return self.course == "CR/CRi"


def allocate_course(
    d: Draft, ino: InoStructure | None = None, refractory_early: tuple | None = None
) -> Course:
    """Step 3: early deaths (within 30 days), response to brexu-cel (CR/CRi, no response,
    not evaluable) and MRD among CR/CRi, each with the published counts per arm.

    ``refractory_early``: how many InO-refractory patients are among the exposed arm's
    brexu-cel non-responders and early deaths (in :data:`EARLY_FAILURES` order; None or a
    missing entry: as independence puts them; see :func:`choose_course`)."""
    pub, frame, rc = d.pub, d.frame, d.rng["course"]
    course_counts = {}
    for arm in N_ARMS:
        n_arm = d.arm_counts[arm]["n"]
        early = int(pub(R("early_death_30d_count", arm)))
        cr_pct = pub(R("cr_cri_pct", arm))
        cons_n = int(pub(R("consolidation_count", arm)))
        cons_pct = pub(R("consolidation_pct", arm))
        k_cr, n_eval = _response_denominators(cr_pct, cons_n, cons_pct, n_arm, arm)
        course_counts[arm] = {
            "early death": early,
            "not evaluable": n_arm - n_eval - early,
            "no response": n_eval - k_cr,
            "CR/CRi": k_cr,
            "evaluable": n_eval,
        }
        if course_counts[arm]["not evaluable"] < 0:
            raise ValueError(f"rocca {arm}: more early deaths than patients not evaluable")
    tilt = []
    for failure, k in zip(EARLY_FAILURES, refractory_early or (), strict=False):
        if k is not None:
            tilt.append(exactly(ino.refractory, failure, k, f"refractory {failure}"))
    course = allocate(
        COURSES,
        [
            exactly(d.arm_mask[arm], c, course_counts[arm][c], f"{c} {arm}")
            for arm in N_ARMS
            for c in COURSES
        ]
        + tilt,
        np.array([0.05, 0.05, 0.08, 0.82]),
        rc,
        name="course after infusion",
    )
    frame["brexu_response"] = np.where(course == "early death", "not evaluable", course)
    frame["early_death_30d"] = course == "early death"
    cr = course == "CR/CRi"
    frame["cr_cri"] = np.where(np.isin(course, ["CR/CRi", "no response"]), cr, None)

    # MRD among CR/CRi: the two printed percentages, in the order that fits the counts
    mrd_counts, mrd_note = _mrd_counts(pub, {arm: course_counts[arm]["CR/CRi"] for arm in N_ARMS})
    mrd = allocate(
        ("negative", "positive or unknown", "n/a"),
        [
            exactly(d.arm_mask[arm] & cr, "negative", mrd_counts[arm], f"MRD- {arm}")
            for arm in N_ARMS
        ]
        + [exactly(~cr, "n/a", int((~cr).sum()), "no CR")],
        np.array([0.7, 0.3, 1e-6]),
        rc,
        forbidden=[(cr, ("n/a",)), (~cr, ("negative", "positive or unknown"))],
        name="MRD",
    )
    frame["mrd_negative"] = np.where(cr, mrd == "negative", None)
    return Course(course, course_counts, mrd_counts, mrd_note)


@dataclass(frozen=True)
class FollowUp:
    """Fitted shape of the infusion-date distribution, and each patient's months from
    infusion to the data lock (the potential follow-up; rounded months)."""

    accrual_shape: float
    months_to_lock: np.ndarray


def draw_infusion_dates(d: Draft) -> FollowUp:
    """Step 4: infusion dates (column ``infusion_date``) between the start of the infusion
    window and the published minimum follow-up before the data lock, from a power law whose
    shape is fitted so that the median potential follow-up is the published median."""
    pub, rng, n = d.pub, d.rng, d.n
    lock = parse_date(pub.text(R("data_lock_date")))
    window_start = parse_date(pub.text(R("infusion_window_start")))
    window_end = parse_date(pub.text(R("infusion_window_end")), end_of_month=True)
    min_fu = pub(R("min_followup_months"))
    last_possible = min(window_end, lock - dt.timedelta(days=int(np.ceil(min_fu * DAYS_PER_MONTH))))
    span = (last_possible - window_start).days
    accrual_u = np.sort(rng["accrual"].uniform(size=n))
    target_fu = pub(R("median_followup_months"))

    def potential_fu(shape):
        offsets = np.floor(span * accrual_u ** (1.0 / shape)).astype(int)
        days = (lock - window_start).days - offsets
        return days / DAYS_PER_MONTH, offsets

    if d.fits(R("median_followup_months")):
        shape = bisect(lambda s: np.median(potential_fu(s)[0]) - target_fu, 0.3, 6.0)
    else:  # left out: infusions spread evenly over the window
        shape = 1.0
    fu_months, offsets = potential_fu(shape)
    order = rng["accrual"].permutation(n)  # which patient gets which date: independent
    fu_months, offsets = fu_months[order], offsets[order]
    infusion_date = np.array([window_start + dt.timedelta(days=int(o)) for o in offsets])
    d.frame["infusion_date"] = [day.isoformat() for day in infusion_date]
    return FollowUp(shape, round_months(fu_months))


def allocate_consolidation(d: Draft, course: Course, months_to_lock: np.ndarray) -> np.ndarray:
    """Consolidation among CR/CRi patients (allogeneic HCT, TKI, other maintenance) with the
    published counts per arm, starting at an assumed time before the data lock. Adds
    ``consolidation`` and ``consolidation_months``; returns the start (months after
    infusion; inf: no consolidation)."""
    a, frame, rc, cr = d.assumptions, d.frame, d.rng["course"], course.cr
    cons_type = {}
    for arm in N_ARMS:
        cons_type[arm] = {
            "allogeneic HCT": int(d.pub(R("consolidation_hct_count", arm))),
            "TKI": int(d.pub(R("consolidation_tki_count", arm))),
            "other maintenance": int(d.pub(R("consolidation_other_count", arm))),
        }
    starts = a.consolidation_start
    forbid = [(~cr, ("allogeneic HCT", "TKI", "other maintenance"))]
    for kind, (_, hi) in starts.items():
        forbid.append((months_to_lock <= hi + 0.05, (kind,)))
    if a.tki_only_ph_positive:
        forbid.append(((frame["subtype"] != "Ph+").to_numpy(), ("TKI",)))
    cons_cons = [exactly(~cr, "none", int((~cr).sum()), "no CR: none")]
    for arm in N_ARMS:
        for kind, k in cons_type[arm].items():
            cons_cons.append(exactly(d.arm_mask[arm] & cr, kind, k, f"{kind} {arm}"))
    frame["consolidation"] = allocate(
        CONSOLIDATIONS,
        cons_cons,
        np.array([0.6, 0.2, 0.1, 0.1]),
        rc,
        forbidden=forbid,
        name="consolidation",
    )
    cons = frame["consolidation"].to_numpy()
    cons_start = np.full(d.n, np.inf)
    for kind, (lo, hi) in starts.items():
        m = cons == kind
        cons_start[m] = np.round(rc.uniform(lo, hi, m.sum()), 2)
    frame["consolidation_months"] = np.where(np.isfinite(cons_start), cons_start, np.nan)
    return cons_start


def allocate_bridging_therapy(d: Draft, ino: InoStructure) -> np.ndarray:
    """Any bridging therapy: every InO bridging, plus an assumed share of the others. Adds
    ``bridging_therapy`` and ``bridging_type``; returns the boolean mask."""
    bridging_ino, arm_mask = ino.bridging, d.arm_mask
    other_bridging = {
        arm: int(round(d.assumptions.other_bridging_share * (arm_mask[arm] & ~bridging_ino).sum()))
        for arm in N_ARMS
    }
    bridging_any = allocate(
        (True, False),
        [exactly(bridging_ino, True, int(bridging_ino.sum()), "InO bridging")]
        + [
            exactly(
                arm_mask[arm] & ~bridging_ino, True, other_bridging[arm], f"other bridging {arm}"
            )
            for arm in N_ARMS
        ],
        np.array([0.5, 0.5]),
        d.rng["course"],
        name="bridging therapy",
    ).astype(bool)
    d.frame["bridging_therapy"] = bridging_any
    d.frame["bridging_type"] = np.where(
        bridging_ino, "InO", np.where(bridging_any, "other", "none")
    )
    return bridging_any


def allocate_table2(d: Draft) -> None:
    """Table 2 per arm: worst CRS and ICANS grade (ASTCT), and tocilizumab, corticosteroids
    and anakinra (given only to patients with CRS, or with CRS or ICANS), each with the
    published counts."""
    pub, frame, arm_mask, arm_counts, r2 = d.pub, d.frame, d.arm_mask, d.arm_counts, d.rng["table2"]
    t2 = {}
    for arm in N_ARMS:
        t2[arm] = {
            "crs_any": int(pub(R("crs_any_count", arm))),
            "crs_any_pct": pub(R("crs_any_pct", arm)),
            "crs_12": int(pub(R("crs_grade_1_2_count", arm))),
            "crs_34": int(pub(R("crs_grade_3_4_count", arm))),
            "icans_any": int(pub(R("icans_any_count", arm))),
            "icans_12": int(pub(R("icans_grade_1_2_count", arm))),
            "icans_34": int(pub(R("icans_grade_3_4_count", arm))),
            "tocilizumab": int(pub(R("tocilizumab_count", arm))),
            "steroids": int(pub(R("steroids_count", arm))),
            "anakinra": int(pub(R("anakinra_count", arm))),
        }
        t2[arm]["crs_evaluable"] = _denominator(
            t2[arm]["crs_any"], t2[arm]["crs_any_pct"], arm_counts[arm]["n"], f"rocca CRS {arm}"
        )

    def grade_constraints(key: str, label: str, with_not_evaluable: bool = False) -> list:
        """Per arm, the published grade 1-2 and 3-4 counts of ``key`` (and for CRS the
        patients not evaluable: the arm minus its evaluable denominator)."""
        cons = []
        for arm in N_ARMS:
            m, c = arm_mask[arm], t2[arm]
            cons += [
                exactly(m, "1-2", c[f"{key}_12"], f"{label} 1-2 {arm}"),
                exactly(m, "3-4", c[f"{key}_34"], f"{label} 3-4 {arm}"),
            ]
            if with_not_evaluable:
                not_evaluable = arm_counts[arm]["n"] - c["crs_evaluable"]
                cons.append(exactly(m, "not evaluable", not_evaluable, f"{label} NE {arm}"))
        return cons

    frame["crs_grade"] = allocate(
        CRS_GRADES,
        grade_constraints("crs", "CRS", with_not_evaluable=True),
        np.array([0.15, 0.7, 0.1, 0.05]),
        r2,
        name="CRS",
    )
    frame["icans_grade"] = allocate(
        ICANS_GRADES,
        grade_constraints("icans", "ICANS"),
        np.array([0.45, 0.3, 0.25]),
        r2,
        name="ICANS",
    )
    crs_any = np.isin(frame["crs_grade"], ["1-2", "3-4"])
    icans_any = frame["icans_grade"].to_numpy() != "none"
    for col, allowed in (
        ("tocilizumab", crs_any),
        ("steroids", crs_any | icans_any),
        ("anakinra", crs_any | icans_any),
    ):
        frame[col] = allocate(
            (True, False),
            [exactly(arm_mask[arm], True, t2[arm][col], f"{col} {arm}") for arm in N_ARMS],
            np.array([0.6, 0.4]),
            r2,
            forbidden=[(~allowed, (True,))],
            name=col,
        ).astype(bool)


def allocate_length_of_stay(d: Draft) -> None:
    """Length of the infusion stay (days, column ``hospital_days``): published medians and
    ranges per arm; a patient who died within 30 days dies on the last day of the stay."""
    pub, frame, r2 = d.pub, d.frame, d.rng["table2"]
    days = list(range(0, 121))
    early = frame["early_death_30d"].to_numpy()
    los_cons = []
    los_ref = np.zeros((d.n, len(days)))
    for arm in N_ARMS:
        m = d.arm_mask[arm]
        med, arm_cons = _median_and_range(pub, R, "hospital_days", arm, m, days, f"stay {arm}")
        los_cons += arm_cons
        los_ref[m] = _lognormal_pmf(days, med, 0.45)
    los_cons.append(
        at_most(early, tuple(day for day in days if day == 0 or day >= 30), 0, "early deaths")
    )
    frame["hospital_days"] = allocate(
        days, los_cons, los_ref + 1e-9, r2, name="length of stay"
    ).astype(int)
    # an early death's last hospital day is the day of death (its PFS): never moved
    separate(d, "hospital_days", days, los_cons, ~early)


#: The courses whose PFS event comes within two months of infusion, at a fixed time, in
#: the order :func:`choose_course` tilts them towards InO-refractory patients.
EARLY_FAILURES = ("no response", "early death")
#: Step between the candidate numbers that :func:`choose_course` compares, and how far
#: beyond the printed responder vs refractory PFS p the quick fit must reach (z units: the
#: later stages, which also fit everything else, weaken it).
TILT_STEP = 2
TILT_MARGIN_Z = 0.5


@dataclass(frozen=True)
class CourseChoice:
    """The course stage as chosen: the draft it ran on, the course, consolidation starts,
    any bridging therapy, and the number of refractory patients among the exposed early
    failures it was given (None: independence) with each candidate's normalised gap."""

    draft: Draft
    course: Course
    cons_start: np.ndarray
    bridging_any: np.ndarray
    refractory_early: tuple | None
    costs: dict


def _course_stage(d: Draft, ino: InoStructure, follow_up: FollowUp, k: int | None):
    """Course, consolidation, bridging therapy and length of stay on a copy of ``d``."""
    dk = copy.deepcopy(d)
    course = allocate_course(dk, ino, k)
    cons_start = allocate_consolidation(dk, course, follow_up.months_to_lock)
    bridging_any = allocate_bridging_therapy(dk, ino)
    allocate_length_of_stay(dk)
    return dk, course, cons_start, bridging_any


def choose_course(d: Draft, ino: InoStructure, follow_up: FollowUp) -> CourseChoice:
    """Steps 3 and 3b: the course after infusion, consolidation, bridging therapy and
    length of stay, with the InO-refractory share of the exposed arm's early failures
    (early deaths and brexu-cel non-responders, whose PFS ends within two months) chosen by
    the calibration.

    The paper does not say how brexu-cel failed by response to InO. The responder vs
    refractory PFS log-rank p it prints, beside landmarks that differ little at 12 months,
    needs the refractory curve to fall early. Each candidate number (from what independence
    gives upwards) is tried: the PFS model is fitted to the landmarks and hazard ratios
    (one round of the fixed point), and the smallest number whose realised responder vs
    refractory log-rank score reaches the printed p is kept. Without that target (left
    out), independence decides, as for every other course."""
    key = LOGRANK_KEY_RR["pfs"]
    if not d.fits(key):
        return CourseChoice(*_course_stage(d, ino, follow_up, None), None, {})
    direction = LOGRANK_COMPARISONS[key[1]][3]
    gaps, runs = {}, {}
    for k in _tilt_candidates(d, ino):
        runs[k] = _course_stage(d, ino, follow_up, k)
        gaps[k] = _separation_gap(runs[k][0], ino, *runs[k][1:], follow_up)
        if direction * gaps[k] >= 1.0:
            # the greedy stage can weaken a separation but hardly strengthen it: the first
            # candidate that reaches the printed p (or beyond it) is kept
            return CourseChoice(*runs[k], k, gaps)
    best = max(gaps, key=lambda k: direction * gaps[k])
    return CourseChoice(*runs[best], best, gaps)


def _tilt_candidates(d: Draft, ino: InoStructure) -> list[tuple]:
    """(refractory non-responders, refractory early deaths) to try, in order: first more
    of the exposed arm's brexu-cel non-responders (resistant disease), from what
    independence gives to all of them; then, with all of those, more early deaths. None:
    as independence puts them."""
    n_exposed = int(d.arm_mask["exposed"].sum())
    n_refr = int(ino.refractory.sum())
    counts = {
        "no response": _exposed_no_response(d),
        "early death": int(d.pub(R("early_death_30d_count", "exposed"))),
    }
    out, fixed = [], []
    for failure in EARLY_FAILURES:
        n = counts[failure]
        start = int(np.floor(n * n_refr / n_exposed))
        ks = list(range(start, min(n, n_refr) + 1, TILT_STEP))
        if ks[-1] != min(n, n_refr):
            ks.append(min(n, n_refr))
        out += [tuple(fixed + [k]) for k in ks]
        fixed.append(ks[-1])
    return out


def _exposed_no_response(d: Draft) -> int:
    """Brexu-cel non-responders in the exposed arm (from the printed rates)."""
    cr_pct = d.pub(R("cr_cri_pct", "exposed"))
    cons_n = int(d.pub(R("consolidation_count", "exposed")))
    cons_pct = d.pub(R("consolidation_pct", "exposed"))
    n_arm = d.arm_counts["exposed"]["n"]
    k_cr, n_eval = _response_denominators(cr_pct, cons_n, cons_pct, n_arm, "exposed")
    return n_eval - k_cr


def _separation_gap(d, ino, course, cons_start, bridging_any, follow_up) -> float:
    """How far the realised responder vs refractory PFS log-rank score lies beyond its
    target (in units of :data:`TILT_MARGIN_Z`) when the PFS model is fitted (one
    fixed-point round) to the landmarks and hazard ratios; on a copy of the draft, so that
    no stream of ``d`` is used."""
    dc = copy.deepcopy(d)
    model = pfs_model(dc, ino, course, cons_start, bridging_any, follow_up.months_to_lock)
    u = dc.rng["pfs"].uniform(1e-9, 1 - 1e-9, dc.n)
    cal = pfs_calibration(dc, model, _survival_groups(dc, ino), separations(dc, ino, "pfs"))
    theta = fit_pfs(cal, u, rounds=1)
    index = next(i for i, s in enumerate(cal.logranks) if s.key == LOGRANK_KEY_RR["pfs"])
    z = cal.statistics(theta, u)[len(cal.all_targets) - len(cal.logranks) + index]
    target = cal.logranks[index].target(dc.pub)
    return float((z - target.published) / TILT_MARGIN_Z)


#: Landmarks (months) of the PFS and OS targets, and the groups they are published for.
LANDMARKS = (6.0, 12.0)
#: Terms of the generator's model 2 whose published PFS hazard ratio is a target -> quantity.
HR_QUANTITIES = {
    "ino_group[InO responder]": "hr_pfs_ino_responsive",
    "ino_group[InO refractory]": "hr_pfs_ino_refractory",
    "prior_hct": "hr_pfs_prior_hct",
    "consolidation[allogeneic HCT]": "hr_pfs_consolidation_hct",
    "consolidation[TKI]": "hr_pfs_consolidation_tki",
    "bridging_therapy": "hr_pfs_bridging_therapy",
}


def _survival_groups(d: Draft, ino: InoStructure) -> dict[str, np.ndarray]:
    """The groups with published 6- and 12-month PFS and OS."""
    return {
        "naive": d.arm_mask["naive"],
        "exposed": d.arm_mask["exposed"],
        "responder": ino.responder,
        "refractory": ino.refractory,
    }


def _plotted_groups(d: Draft, ino: InoStructure) -> list[np.ndarray]:
    """The groups whose Kaplan–Meier curves the chapter plots (the crowding guard's groups)."""
    naive, exposed = d.arm_mask["naive"], d.arm_mask["exposed"]
    return [ino.responder, ino.refractory, naive, exposed, ino.pre_only, ino.bridging]


def _crowd(plotted, t, e) -> float:
    return crowding(t, e, CROWD_WIDTH, CROWD_KNOTS, plotted, CROWD_LEVEL)


@dataclass(frozen=True)
class PfsModel:
    """Every patient's PFS (months from infusion) given the parameters ``theta`` and one
    uniform per patient.

    ``theta``: log baseline hazards from each knot (:attr:`Assumptions.pfs_knots`), then log
    hazard ratios for InO responder, refractory, not assessed, prior HCT and bridging, then
    for the time after allogeneic HCT, TKI and other consolidation (a time-varying effect
    from ``consolidation_start``). Early deaths and non-responders have a ``fixed_time``; everyone else is event-free
    until ``lower``.
    """

    knots: np.ndarray
    in_group: dict[str, np.ndarray]
    prior_hct: np.ndarray
    bridging: np.ndarray
    consolidation: np.ndarray
    consolidation_start: np.ndarray
    lower: np.ndarray
    modelled: np.ndarray
    fixed_time: np.ndarray
    months_to_lock: np.ndarray

    #: Number of log hazard ratios after the baseline hazards.
    N_EFFECTS = 8

    def switch_effect(self, theta):
        """Log hazard ratio after the consolidation start, per patient."""
        n_knots, cons = len(self.knots), self.consolidation
        g_hct, g_tki, g_other = theta[n_knots + 5 : n_knots + 8]
        return np.select(
            [cons == "allogeneic HCT", cons == "TKI", cons == "other maintenance"],
            [g_hct, g_tki, g_other],
            0.0,
        )

    def linear_predictor(self, theta):
        """Log hazard ratio of the fixed covariates, per patient."""
        n_knots, g_idx = len(self.knots), self.in_group
        b_resp, b_refr, b_na, b_hct, b_bridge = theta[n_knots : n_knots + 5]
        return (
            b_resp * g_idx[RESPONDER]
            + b_refr * g_idx[REFRACTORY]
            + b_na * g_idx[NOT_ASSESSED]
            + b_hct * self.prior_hct
            + b_bridge * self.bridging
        )

    def exact_latent(self, theta, u):
        """PFS event time before censoring (months, not rounded: smooth in ``theta``)."""
        haz = PiecewiseHazard(self.knots, theta[: len(self.knots)])
        lp, sw = self.linear_predictor(theta), self.switch_effect(theta)
        t = haz.draw(u, lp, self.lower, self.consolidation_start, sw)
        return np.maximum(np.where(self.modelled, t, self.fixed_time), 0.01)

    def latent(self, theta, u):
        """PFS event time before censoring (rounded months)."""
        return round_months(self.exact_latent(theta, u))

    def times(self, theta, u):
        """Observed PFS: (months, event), censored at the data lock."""
        t = self.latent(theta, u)
        event = t <= self.months_to_lock
        return np.where(event, t, self.months_to_lock), event

    def survival(self, theta, times) -> np.ndarray:
        """(len(times), n): each patient's probability of being event-free at each time."""
        times = np.asarray(times, float)[:, None]
        haz = PiecewiseHazard(self.knots, theta[: len(self.knots)])
        lp, sw = self.linear_predictor(theta), self.switch_effect(theta)
        m = self.modelled
        out = (times < self.fixed_time[None, :]).astype(float)
        out[:, m] = haz.survival(times, lp[m], self.lower[m], self.consolidation_start[m], sw[m])
        return out


def pfs_model(
    d: Draft,
    ino: InoStructure,
    course: Course,
    cons_start: np.ndarray,
    bridging_any: np.ndarray,
    months_to_lock: np.ndarray,
) -> PfsModel:
    """Step 5 (set-up): early deaths progress on their last hospital day, non-responders at
    an assumed time (drawn from the pfs stream); everyone else follows the PFS model,
    event-free in the first month (assumed) and until the start of consolidation."""
    a, frame, rp, n = d.assumptions, d.frame, d.rng["pfs"], d.n
    early, nonresp = course.early_death, course.no_response
    fixed_time = np.full(n, np.nan)
    fixed_time[early] = frame["hospital_days"].to_numpy()[early] / DAYS_PER_MONTH
    lo, hi = a.nonresponse_progression
    fixed_time[nonresp] = rp.uniform(lo, hi, nonresp.sum())
    lower = np.where(
        np.isfinite(cons_start),
        np.maximum(cons_start, 1.0),
        1.0 if a.first_month_event_free else 0.0,
    )
    return PfsModel(
        knots=np.array(a.pfs_knots),
        in_group={g: (ino.group == g) for g in INO_GROUPS},
        prior_hct=frame["prior_hct"].to_numpy().astype(float),
        bridging=bridging_any.astype(float),
        consolidation=frame["consolidation"].to_numpy(),
        consolidation_start=cons_start,
        lower=lower,
        modelled=~(early | nonresp),
        fixed_time=round_months(fixed_time),
        months_to_lock=months_to_lock,
    )


@dataclass(frozen=True)
class Separation:
    """A log-rank comparison the cohort is calibrated to carry: the published p-value's key,
    the two groups (a first, as the paper names them) and the direction (+1: group a does
    worse; -1: better; 0: not stated)."""

    key: tuple[str, str]
    group_a: np.ndarray
    group_b: np.ndarray
    direction: int
    label: str

    def target(self, pub: PublishedValues) -> FitTarget:
        return p_fit_target(f"logrank {self.key[0]} {self.key[1]}", _printed(pub, self.key),
                            self.direction)  # fmt: skip

    def realised(self, time, event) -> float:
        both = self.group_a | self.group_b
        return logrank_z(time[both], event[both], self.group_a[both])


def _printed(pub: PublishedValues, key) -> str:
    return str(pub.row(Ref(*key))["printed"])


#: The log-rank comparisons of the paper (PFS and OS alike): label, first and second group,
#: and the direction of the difference as the paper states it (the timing comparison has
#: none: "comparable").
LOGRANK_COMPARISONS = {
    "ino_exposed_vs_ino_naive": ("exposed vs naive", "exposed", "naive", 1),
    "ino_responder_vs_ino_refractory": ("responder vs refractory", "responder", "refractory", -1),
    "ino_bridging_vs_ino_preapheresis_only": (
        "bridging vs pre-apheresis InO",
        "bridging",
        "pre_only",
        0,
    ),
}


#: The responder vs refractory log-rank p-values, by endpoint.
LOGRANK_KEY_RR = {e: (f"{e}_p", "ino_responder_vs_ino_refractory") for e in ("pfs", "os")}


def separations(d: Draft, ino: InoStructure, endpoint: str) -> list[Separation]:
    """The log-rank comparisons of ``endpoint`` ('pfs' or 'os')."""
    groups = _rank_groups(d, ino)
    return [
        Separation((f"{endpoint}_p", q), groups[a], groups[b], sign, label)
        for q, (label, a, b, sign) in LOGRANK_COMPARISONS.items()
    ]


#: Prior scale (log hazard ratio) of the PFS effect that no published number pins down:
#: after other maintenance. Kept near 0 so that the nine patients who had it still have
#: events (a Cox model cannot estimate the effect of a level without events).
REG_OTHER = 0.3


@dataclass(frozen=True)
class PfsCalibration:
    """The PFS targets (Kaplan–Meier 6- and 12-month PFS per group, log hazard ratios of the
    generator's model 2, log-rank scores between groups), which of them are fitted (``fit``:
    the others were left out) and how the model's statistics are computed from parameters.

    The fixed-point stage fits the landmarks and hazard ratios (:attr:`smooth`); the
    log-rank scores, which the parameters of a proportional-hazards model barely move once
    the landmarks are fixed, are landed by the greedy stage (:func:`redraw_pfs`) and by
    the allocation of early failures (:func:`choose_course`)."""

    model: PfsModel
    groups: dict[str, np.ndarray]
    all_targets: list
    fit: np.ndarray
    design: np.ndarray
    hr_columns: list[int]
    logranks: list[Separation]
    #: Design of the generator's model 1 and the column of InO exposure in it.
    design1: np.ndarray
    exposure_column: int
    #: Patients per InO group among the exposed (weights of the model-1 surrogate).
    exposed_shares: dict[str, float]
    #: Skip the model-1 Cox fit (its statistic NaN): for the stage that does not fit it.
    without_model1: bool = False

    @property
    def is_logrank(self) -> np.ndarray:
        return np.array([t.key.startswith("logrank") for t in self.all_targets], bool)

    @property
    def is_model1(self) -> np.ndarray:
        return np.array([t.key == MODEL1_KEY for t in self.all_targets], bool)

    @property
    def targets(self) -> list:
        return [t for t, keep in zip(self.all_targets, self.fit, strict=True) if keep]

    @property
    def smooth(self) -> PfsCalibration:
        """The calibration of the fixed-point stage: the fitted landmarks and hazard ratios."""
        return dataclasses.replace(self, fit=self.fit & ~self.is_logrank)

    @property
    def model2_only(self) -> PfsCalibration:
        """This calibration without the model-1 hazard ratio (one Cox fit per realisation
        instead of two)."""
        return dataclasses.replace(self, fit=self.fit & ~self.is_model1, without_model1=True)

    def statistics(self, theta, u) -> np.ndarray:
        """Every statistic of one realisation (the uniforms ``u``), in ``all_targets`` order:
        landmarks, model-2 log hazard ratios, the model-1 log hazard ratio of exposure,
        log-rank scores."""
        t, e = self.model.times(theta, u)
        out = [fastsurv.km_at(t[m], e[m], LANDMARKS) for m in self.groups.values()]
        beta, ok = fastsurv.fit_cox(t, e, self.design)
        hrs = beta[self.hr_columns] if ok else np.full(len(self.hr_columns), np.nan)
        hr1 = np.nan
        if not self.without_model1:
            beta1, ok1 = fastsurv.fit_cox(t, e, self.design1)
            hr1 = beta1[self.exposure_column] if ok1 else np.nan
        z = [s.realised(t, e) for s in self.logranks]
        return np.concatenate(out + [hrs, [hr1], z])

    def realise(self, theta, u):
        """The fitted statistics of one realisation, in target order."""
        return self.statistics(theta, u)[self.fit]

    def surrogate(self, theta):
        """The fitted landmarks and hazard ratios as the model expects them: share
        event-free at each landmark (model survival averaged over a group's patients) and
        the model's log hazard ratios."""
        model = self.model
        surv = model.survival(theta, LANDMARKS)
        km = [surv[:, m].mean(axis=1) for m in self.groups.values()]
        b = theta[len(model.knots) :]
        hr = [b[0], b[1], b[3], b[5], b[6], b[4]]
        share = self.exposed_shares
        hr1 = share[RESPONDER] * b[0] + share[REFRACTORY] * b[1] + share[NOT_ASSESSED] * b[2]
        z = np.zeros(len(self.logranks))  # not fitted by this stage
        return np.concatenate(km + [hr, [hr1], z])[self.fit]

    def regularise(self, theta):
        n_knots = len(self.model.knots)
        lr = theta[:n_knots]
        b = theta[n_knots:]
        return np.concatenate(
            [np.diff(lr) / 1.5, [b[7] / REG_OTHER, (b[2] - 0.5 * (b[0] + b[1])) / 1.0]]
        )


def pfs_calibration(
    d: Draft, model: PfsModel, groups: dict[str, np.ndarray], logranks: list[Separation]
) -> PfsCalibration:
    """The published PFS targets: 6- and 12-month PFS per group (tolerance 2 points), the
    model-2 hazard ratios (tolerance a factor 1.1) and the log-rank p-values (as printed);
    those left out are still computed but not fitted."""
    pub = d.pub
    pfs_targets, keys = [], []
    for g in groups:
        for t in LANDMARKS:
            ref = R(f"pfs_{int(t)}mo", g)
            pfs_targets.append(FitTarget(f"pfs_{int(t)}mo_{g}", pub(ref) / 100.0, 0.02))
            keys.append(ref)
    design2, names2 = fastsurv.design(d.frame, MODEL_2)
    hr_cols = [names2.index(term) for term in HR_QUANTITIES]
    for term, q in HR_QUANTITIES.items():
        ref = R(q, "model_2")
        pfs_targets.append(FitTarget(f"log_hr {term}", float(np.log(pub(ref))), float(np.log(1.1))))
        keys.append(ref)
    design1, names1 = fastsurv.design(d.frame, MODEL_1)
    ref = R("hr_pfs_ino_exposed", "model_1")
    pfs_targets.append(FitTarget(MODEL1_KEY, float(np.log(pub(ref))), float(np.log(1.1))))
    keys.append(ref)
    for s in logranks:
        pfs_targets.append(s.target(pub))
        keys.append(s.key)
    fit = np.array([d.fits(k) for k in keys], bool)
    exposed = d.arm_mask["exposed"]
    shares = {g: float(model.in_group[g][exposed].mean()) for g in INO_GROUPS}
    return PfsCalibration(
        model,
        groups,
        pfs_targets,
        fit,
        design2,
        hr_cols,
        logranks,
        design1,
        names1.index("ino_exposed"),
        shares,
    )


MODEL1_KEY = "log_hr ino_exposed (model 1)"


#: Position, among the PFS model's log hazard ratios, of each model-2 term's effect.
EFFECT_INDEX = {
    "ino_group[InO responder]": 0,
    "ino_group[InO refractory]": 1,
    "prior_hct": 3,
    "bridging_therapy": 4,
    "consolidation[allogeneic HCT]": 5,
    "consolidation[TKI]": 6,
}


def pfs_start(cal: PfsCalibration) -> np.ndarray:
    """Starting PFS parameters: a flat baseline (6% a month), the published hazard ratio
    for each fitted model-2 term (no effect for a term left out or not published), InO not
    assessed between responders and refractory patients."""
    effects = np.zeros(PfsModel.N_EFFECTS)
    n_lm = len(cal.groups) * len(LANDMARKS)
    for j, term in enumerate(HR_QUANTITIES):
        if cal.fit[n_lm + j]:
            effects[EFFECT_INDEX[term]] = cal.all_targets[n_lm + j].published
    effects[2] = 0.5 * (effects[0] + effects[1])
    return np.concatenate([np.full(len(cal.model.knots), np.log(0.06)), effects])


def fit_pfs(cal: PfsCalibration, u: np.ndarray, rounds: int | None = None) -> np.ndarray:
    """Step 5: the PFS parameters (see :class:`PfsModel`), by the fixed-point stage on the
    landmarks and hazard ratios, with the statistics realised from the uniforms ``u``."""
    smooth = cal.smooth
    return fixed_point(
        pfs_start(cal),
        smooth.surrogate,
        lambda theta: smooth.realise(theta, u),
        smooth.targets,
        smooth.regularise,
        rounds=PFS_ROUNDS if rounds is None else rounds,
    )


@dataclass(frozen=True)
class RelapseRule:
    """Which PFS events are relapses or progressions: exactly the published number per arm
    (``counts``), among the ``eligible`` patients (see :attr:`Assumptions.relapse_reading`)."""

    counts: dict[str, int]
    arm_mask: dict[str, np.ndarray]
    eligible: np.ndarray
    early_death: np.ndarray
    no_response: np.ndarray
    reading: str

    def shortfall(self, pfs_event) -> float:
        """10 x the squared shortfall of eligible events below the published counts."""
        short = 0.0
        for arm in N_ARMS:
            m = self.arm_mask[arm] & self.eligible & pfs_event
            if self.reading == "any":
                m = m & ~self.early_death
            short += max(self.counts[arm] - int(m.sum()), 0) ** 2
        return 10.0 * short

    def designate(self, pfs_event, v) -> np.ndarray:
        """Which PFS events are relapses or progressions (boolean per patient).

        Exactly the published number per arm; the other events are deaths. Under the "any"
        reading every non-responder's event is a progression; among the other eligible
        events, those with the smallest ``v`` (one uniform per patient) are relapses, so the
        OS stage can re-draw the choice like any other random number.
        """
        chosen = np.zeros(len(v), bool)
        for arm in N_ARMS:
            m = self.arm_mask[arm] & pfs_event
            pool = np.flatnonzero(m & ~self.early_death & self.eligible)
            k = min(self.counts[arm], len(pool))
            forced = np.flatnonzero(m & self.no_response) if self.reading == "any" else []
            rest = np.setdiff1d(pool, forced)
            rest = rest[np.argsort(v[rest], kind="mergesort")][: k - len(forced)]
            chosen[forced] = True
            chosen[rest] = True
        return chosen


def relapse_rule(d: Draft, course: Course, model: PfsModel) -> RelapseRule:
    """The published relapse counts per arm and who can relapse under the assumed reading."""
    a = d.assumptions
    relapse_counts = {arm: int(d.pub(R("relapse_count", arm))) for arm in N_ARMS}
    nonresp = course.no_response
    eligible = course.cr if a.relapse_reading == "after_response" else model.modelled | nonresp
    return RelapseRule(
        relapse_counts, d.arm_mask, eligible, course.early_death, nonresp, a.relapse_reading
    )


def redraw_pfs(
    d: Draft,
    cal: PfsCalibration,
    theta: np.ndarray,
    u: np.ndarray,
    relapses: RelapseRule,
    plotted: list,
) -> tuple[np.ndarray, int]:
    """Step 5 (greedy): re-draw single patients' uniforms toward the targets and the
    published relapse counts, never crowding a plotted curve more; returns (uniforms,
    number of re-draws kept).

    Three stages: the landmarks and hazard ratios brought within their tolerance; the
    log-rank scores landed on their printed intervals without taking any of those out
    (:func:`land_separations`); and, if anything is still outside its tolerance, a last
    pass on every target."""
    model = cal.model
    candidates = np.flatnonzero(model.modelled)

    def crowd(uu):
        return _crowd(plotted, *model.times(theta, uu))

    def shortfall(uu):
        return relapses.shortfall(model.times(theta, uu)[1])

    first = cal.model2_only
    u, kept = greedy_redraw(
        u,
        candidates,
        lambda uu: first.realise(theta, uu),
        near(first.targets, frozenset({cal.logranks[1].target(d.pub).key})),
        d.rng["greedy"],
        passes=FIRST_PASSES,
        goal=WITHIN,
        extra_loss=shortfall,
        guard=crowd,
    )
    if not (cal.fit & cal.is_logrank).any():
        return u, kept
    n_lm = len(cal.groups) * len(LANDMARKS)
    lm_fit = cal.fit[:n_lm]
    lm_targets = [t for t, f in zip(cal.all_targets[:n_lm], lm_fit, strict=True) if f]

    def cheap(uu):
        t, e = model.times(theta, uu)
        lm = np.concatenate([fastsurv.km_at(t[m], e[m], LANDMARKS) for m in cal.groups.values()])
        excess = np.clip(np.abs(normalised_gap(lm[lm_fit], lm_targets)) - 1.0, 0, None)
        z = np.array([s.realised(t, e) for s in cal.logranks])
        return z, float(excess.sum()) + relapses.shortfall(e) / 10.0

    hrs = slice(n_lm, n_lm + len(HR_QUANTITIES) + 1)  # model 2, then model 1
    hr_fit = cal.fit[hrs]
    hr_targets = [t for t, f in zip(cal.all_targets[hrs], hr_fit, strict=True) if f]

    def hr_excess(uu):
        hr = cal.statistics(theta, uu)[hrs][hr_fit]
        return float(np.clip(np.abs(normalised_gap(hr, hr_targets)) - 1.0, 0, None).sum())

    phases = separation_phases(d, candidates, candidates)
    u, kept_z = land_separations(d, u, phases, cheap, cal, hr_excess, crowd)
    # the landmarks and scores are cheap; the Cox fit runs only in the guard
    cheap_fit = np.concatenate([lm_fit, cal.fit[cal.is_logrank]])
    cheap_targets = lm_targets + [t for t, f in zip(cal.all_targets, cal.fit & cal.is_logrank,
                                                    strict=True) if f]  # fmt: skip

    def cheap_all(uu):
        t, e = model.times(theta, uu)
        lm = [fastsurv.km_at(t[m], e[m], LANDMARKS) for m in cal.groups.values()]
        z = [s.realised(t, e) for s in cal.logranks]
        return np.concatenate(lm + [z])[cheap_fit]

    def guard(uu):
        return crowd(uu) + 10.0 * hr_excess(uu) + shortfall(uu)

    u, kept_last = repair(
        d, u, candidates, candidates, cal.groups, lm_fit, cheap_all, cheap_targets, guard
    )
    return u, kept + kept_z + kept_last


#: Tolerance (z units) of a log-rank score in the first greedy stage, which brings the
#: scores near their printed intervals while it fits everything else.
NEAR_Z = 0.1


def near(targets: list, overshoot: frozenset = frozenset()) -> list:
    """``targets`` with each log-rank score's tolerance widened to :data:`NEAR_Z`; the
    scores whose keys are in ``overshoot`` count as near when they go beyond the target in
    its direction too (a later stage weakens them)."""
    out = []
    for t in targets:
        if not t.key.startswith("logrank"):
            out.append(t)
            continue
        side = t.side
        if t.key in overshoot and side == "both":
            side = "above" if t.published > 0 else "below"
        out.append(FitTarget(t.key, t.published, max(t.scale, NEAR_Z), side))
    return out


#: The first greedy stages stop once every target is this far inside its tolerance
#: (normalised gap); the last one as soon as every target is inside.
WITHIN, LAST_GOAL = 0.9, 0.98
#: Passes of the first PFS greedy stage (each proposal costs a Cox fit; what it leaves
#: the later stages finish).
FIRST_PASSES = 4
#: Passes of the greedy stage that lands the log-rank scores, and of the last stage (more
#: for OS, whose statistics need no Cox fit).
SEPARATION_PASSES, LAST_PASSES, OS_LAST_PASSES = 8, 2, 8
#: Proposals of those stages: a fresh draw, or a nudge u -> u**k with k near 1 (a printed
#: p-value allows a few hundredths of a z unit, and the score moves in steps).
FINE_NUDGES = (None, 0.8, 0.95, 0.98, 1.02, 1.05, 1.25)


def separation_phases(d: Draft, candidates: np.ndarray, patient: np.ndarray) -> list:
    """The candidates of :func:`land_separations`, in two phases: first the exposed
    patients (who carry the responder vs refractory and the timing comparisons), then the
    naive ones (who move only the exposed vs naive comparison, so that it is landed last
    without disturbing the others). ``patient`` maps each candidate to its patient."""
    exposed = d.arm_mask["exposed"][patient]
    return [candidates[exposed], candidates[~exposed]]


def land_separations(d, u, phases, cheap, cal, costly, crowd) -> tuple[np.ndarray, int]:
    """Greedy re-draws that land the fitted log-rank scores on their printed intervals.

    ``phases``: candidate sets, one greedy run each (see :func:`separation_phases`).
    ``cheap(u)`` returns the log-rank score of every comparison (in ``cal.logranks``
    order) and how far the cheap statistics (landmarks, relapse counts) are outside their
    tolerance; ``costly(u)`` how far the expensive ones are (hazard ratios: a Cox fit).
    A proposal that brings the scores closer is refused if it takes the statistics further
    outside their tolerance or crowds a plotted curve more (``crowd(u)``); the costly check
    runs only for proposals that pass the cheap ones."""
    fit = cal.fit[cal.is_logrank]
    targets = [s.target(d.pub) for s, f in zip(cal.logranks, fit, strict=True) if f]
    state = {"excess": None}

    def veto(uu):
        _, excess = cheap(uu)
        value = crowd(uu) + 10.0 * excess
        if state["excess"] is not None and value > state["excess"]:
            return value  # refused without the costly check
        value += 10.0 * costly(uu)
        if state["excess"] is None or value <= state["excess"]:
            state["excess"] = value  # the greedy keeps a proposal whose guard does not rise
        return value

    kept = 0
    for candidates in phases:
        state["excess"] = None
        veto(u)
        u, kept_phase = greedy_redraw(
            u,
            candidates,
            lambda uu: cheap(uu)[0][fit],
            targets,
            d.rng["greedy"],
            passes=SEPARATION_PASSES,
            nudges=FINE_NUDGES,
            guard=veto,
        )
        kept += kept_phase
    return u, kept


#: InO groups whose hazard of death after progression may change at the first landmark
#: (see :class:`OsModel`).
LATE_GROUPS = (RESPONDER, REFRACTORY)


@dataclass(frozen=True)
class OsModel:
    """Every patient's OS (months from infusion) given the PFS realisation, the parameters
    ``phi`` and ``2 n`` uniforms (n for the time from progression to death, n choosing which
    PFS events are relapses; see :meth:`RelapseRule.designate`).

    ``phi``: log baseline hazards of death after progression from each knot
    (:attr:`Assumptions.post_progression_knots`), then log hazard ratios for InO responder,
    refractory and not assessed, then for responders and refractory patients the change of
    that log hazard ratio from the first landmark (6 months after infusion) on. The
    landmarks fix two points of each OS curve; the log-rank test weighs its whole shape,
    and the published numbers need the curves of responders and refractory patients to
    differ in shape, not only in level. A PFS event that is not a relapse is a death.
    """

    knots: np.ndarray
    in_group: dict[str, np.ndarray]
    pfs_months: np.ndarray
    pfs_event: np.ndarray
    months_to_lock: np.ndarray
    relapses: RelapseRule

    #: Number of log hazard ratios after the baseline hazards.
    N_EFFECTS = 3 + len(LATE_GROUPS)

    def hazard(self, phi) -> tuple[PiecewiseHazard, np.ndarray, np.ndarray, np.ndarray]:
        """Baseline hazard of death after progression; each patient's log hazard ratio;
        the time after progression at which the first landmark falls, and the change of the
        log hazard ratio from then on."""
        n_pp, g_idx = len(self.knots), self.in_group
        haz = PiecewiseHazard(self.knots, phi[:n_pp])
        lp = (
            phi[n_pp] * g_idx[RESPONDER]
            + phi[n_pp + 1] * g_idx[REFRACTORY]
            + phi[n_pp + 2] * g_idx[NOT_ASSESSED]
        )
        late = sum(phi[n_pp + 3 + j] * g_idx[g].astype(float) for j, g in enumerate(LATE_GROUPS))
        switch = np.maximum(LANDMARKS[0] - self.pfs_months, 0.0)
        return haz, lp, switch, late

    def deaths(self, phi, w) -> tuple[np.ndarray, np.ndarray]:
        """(time of death, end of follow-up) per patient, in months, not rounded: death at
        the PFS time for a PFS event that is not a relapse, after the time drawn from the
        hazard of death after progression for a relapse, never (1e9) without a PFS event;
        follow-up ends at the data lock, or at the PFS time without a PFS event."""
        n, pfs_t, pfs_e = len(self.pfs_months), self.pfs_months, self.pfs_event
        haz, lp, switch, late = self.hazard(phi)
        after = haz.draw(w[:n], lp, 0.0, switch, late)
        prog = self.relapses.designate(pfs_e, w[n:])
        death = np.where(prog, pfs_t + after, np.where(pfs_e, pfs_t, 1e9))
        return death, np.where(pfs_e, self.months_to_lock, pfs_t)

    def times(self, phi, w):
        """Observed OS: (months, event), censored at the data lock."""
        death, follow = self.deaths(phi, w)
        death = round_months(death)
        event = death <= follow
        return np.where(event, death, follow), event


#: Width (months) over which the OS surrogate smooths a sample's indicators (wide: the
#: least squares then converge in few steps; the fixed point removes the smoothing's bias).
SOFT_WIDTH = 1.0


@dataclass(frozen=True)
class OsCalibration:
    """The OS targets (6- and 12-month OS per group; log-rank scores between groups), which
    of them are fitted (``fit``), and how the model's statistics are computed for the
    uniforms ``w`` of the fit."""

    model: OsModel
    groups: dict[str, np.ndarray]
    all_targets: list
    fit: np.ndarray
    logranks: list[Separation]
    w: np.ndarray

    @property
    def is_logrank(self) -> np.ndarray:
        return np.array([t.key.startswith("logrank") for t in self.all_targets], bool)

    @property
    def targets(self) -> list:
        return [t for t, keep in zip(self.all_targets, self.fit, strict=True) if keep]

    @property
    def smooth(self) -> OsCalibration:
        """The landmarks only."""
        return dataclasses.replace(self, fit=self.fit & ~self.is_logrank)

    def statistics(self, phi, w) -> np.ndarray:
        """Every statistic of one realisation, in ``all_targets`` order."""
        t, e = self.model.times(phi, w)
        km = [fastsurv.km_at(t[m], e[m], LANDMARKS) for m in self.groups.values()]
        z = [s.realised(t, e) for s in self.logranks]
        return np.concatenate(km + [z])

    def realise(self, phi, w):
        return self.statistics(phi, w)[self.fit]

    def surrogate(self, phi):
        """The statistics of the sample drawn from the fit's uniforms, smoothed (see
        :class:`.separation.SoftSample`): they move smoothly with ``phi``."""
        death, follow = self.model.deaths(phi, self.w)
        sample = SoftSample(death, follow, SOFT_WIDTH)
        km = [sample.km_at(m, LANDMARKS) for m in self.groups.values()]
        z = [sample.logrank_z(s.group_a, s.group_b) for s in self.logranks]
        return np.concatenate(km + [z])[self.fit]

    def regularise(self, phi):
        # weak prior: post-progression death rate near 10% a month (median about 7 months)
        n_pp = len(self.model.knots)
        return np.concatenate(
            [
                (phi[:n_pp] - np.log(0.1)) / 1.0,
                np.diff(phi[:n_pp]) / 0.5,
                phi[n_pp : n_pp + 3] / 1.5,
                phi[n_pp + 3 :] / LATE_SCALE,
            ]
        )


#: Prior scale of the change in the hazard of death after progression at the first
#: landmark (log hazard ratio).
LATE_SCALE = 3.0


#: OS landmarks reported but not fitted, and why.
OS_NOT_FITTED = {("os_12mo", "ino_refractory")}
OS_NOT_FITTED_NOTE = (
    "not fitted: the published OS ({os:g}%) is below the published PFS ({pfs:g}%) at this "
    "time in the same patients, which only censoring between progression and death can "
    "produce; fitted, it stayed just outside its tolerance on this cohort's follow-up and "
    "held the other OS targets back"
)


def os_calibration(
    d: Draft, model: OsModel, groups: dict, w: np.ndarray, logranks: list[Separation]
) -> OsCalibration:
    """Step 6 (set-up): the published OS targets (those left out still computed, not
    fitted) for the uniforms ``w``."""
    pub = d.pub
    os_targets, fit = [], []
    for g in groups:
        for t in LANDMARKS:
            ref = R(f"os_{int(t)}mo", g)
            os_targets.append(FitTarget(f"os_{int(t)}mo_{g}", pub(ref) / 100.0, 0.02))
            fit.append(d.fits(ref) and _key(ref) not in OS_NOT_FITTED)
    for s in logranks:
        os_targets.append(s.target(pub))
        fit.append(d.fits(s.key))
    return OsCalibration(model, groups, os_targets, np.array(fit, bool), logranks, w)


def fit_os(cal: OsCalibration, w: np.ndarray) -> np.ndarray:
    """Step 6: the OS parameters (see :class:`OsModel`), by the fixed-point stage on the
    landmarks and (with the tolerance of :func:`near`) the log-rank scores, with the
    statistics realised from the uniforms ``w``."""
    n_pp = len(cal.model.knots)
    phi0 = np.concatenate([np.full(n_pp, np.log(0.12)), np.zeros(OsModel.N_EFFECTS)])
    return fixed_point(
        phi0,
        cal.surrogate,
        lambda phi: cal.realise(phi, w),
        near(cal.targets),
        cal.regularise,
        rounds=ROUNDS,
    )


def redraw_os(
    d: Draft, cal: OsCalibration, phi: np.ndarray, w: np.ndarray, plotted: list
) -> tuple[np.ndarray, int]:
    """Step 6 (greedy): re-draw single patients' uniforms (time from progression to death,
    and which event is a relapse) toward the OS landmarks, never crowding a plotted curve
    more, then land the log-rank scores (:func:`land_separations`) and, if anything is
    still outside its tolerance, a last pass on every target; returns (uniforms, number of
    re-draws kept)."""
    model, rule = cal.model, cal.model.relapses
    n, pfs_e = len(model.pfs_months), model.pfs_event
    candidates = np.concatenate(
        [
            np.flatnonzero(pfs_e & ~rule.early_death),
            n + np.flatnonzero(pfs_e & ~rule.early_death & ~rule.no_response),
        ]
    )

    def crowd(ww):
        return _crowd(plotted, *model.times(phi, ww))

    w, kept = greedy_redraw(
        w,
        candidates,
        lambda ww: cal.realise(phi, ww),
        near(cal.targets),
        d.rng["greedy"],
        goal=WITHIN,
        guard=crowd,
    )
    if not (cal.fit & cal.is_logrank).any():
        return w, kept
    landmarks = ~cal.is_logrank & cal.fit
    landmark_targets = [t for t, f in zip(cal.all_targets, landmarks, strict=True) if f]

    def cheap(ww):
        stats = cal.statistics(phi, ww)
        gap = normalised_gap(stats[landmarks], landmark_targets)
        return stats[cal.is_logrank], float(np.clip(np.abs(gap) - 1.0, 0, None).sum())

    phases = separation_phases(d, candidates, candidates % n)
    w, kept_z = land_separations(d, w, phases, cheap, cal, lambda ww: 0.0, crowd)
    # a small group's landmark can need a move that the tight scores of the other
    # comparisons refuse: the landmarks are repaired on their own, the scores landed again
    smooth = cal.smooth
    lm_fit = smooth.fit[~cal.is_logrank]
    w, kept_lm = repair(
        d, w, candidates, candidates % n, cal.groups, lm_fit,
        lambda ww: smooth.realise(phi, ww), smooth.targets, crowd,
    )  # fmt: skip
    if kept_lm:
        w, kept_again = land_separations(d, w, phases, cheap, cal, lambda ww: 0.0, crowd)
        kept_lm += kept_again
    w, kept_last = repair(
        d, w, candidates, candidates % n, cal.groups, lm_fit,
        lambda ww: cal.realise(phi, ww), cal.targets, crowd,
    )  # fmt: skip
    return w, kept + kept_z + kept_lm + kept_last


def repair(d, u, candidates, patient, groups, landmark_fit, realise, targets, guard):
    """The last stage: for each group with a fitted landmark still outside its tolerance,
    sweeps (:func:`.separation.sweep_redraw`) among that group's patients only (a small
    group's Kaplan–Meier estimate moves in big steps, and its own patients are the ones
    that move it); then, if anything is still outside, random re-draws among all
    candidates. ``realise`` gives the statistics of ``targets`` (the fitted landmarks first,
    in ``groups`` order, as ``landmark_fit`` marks them); ``guard`` refuses a change that
    makes it worse; ``patient`` maps each candidate to its patient. Returns (uniforms,
    changes kept)."""
    landmark_groups = [g for g in groups for _ in LANDMARKS]
    fitted = [g for g, f in zip(landmark_groups, landmark_fit, strict=True) if f]
    kept = 0

    def outside():
        gap = normalised_gap(realise(u), targets)
        return gap, {g for g, x in zip(fitted, gap, strict=False) if abs(x) > 1.0}

    for g in groups:
        if g not in outside()[1]:
            continue
        pool = candidates[groups[g][patient]]
        u, k = sweep_redraw(
            u, pool, realise, targets, SWEEP_VALUES, rounds=SWEEP_ROUNDS, goal=LAST_GOAL,
            guard=guard,
        )  # fmt: skip
        kept += k
    if np.any(np.abs(outside()[0]) > 1.0):
        u, k = greedy_redraw(
            u,
            candidates,
            realise,
            targets,
            d.rng["greedy"],
            passes=LAST_PASSES,
            goal=LAST_GOAL,
            nudges=FINE_NUDGES,
            guard=guard,
        )
        kept += k
    return u, kept


#: Uniforms a sweep tries for each patient (from an early to a late event, evenly in the
#: cumulative hazard), and its rounds (each keeps one change).
SWEEP_VALUES = np.exp(-np.linspace(0.02, 4.0, 48))
SWEEP_ROUNDS = 20


@dataclass(frozen=True)
class Pfs:
    """The calibrated PFS: calibration, parameters, the patients' uniforms after the greedy
    stage (and how many re-draws it kept), the relapse rule, and each patient's PFS
    (months) and event."""

    calibration: PfsCalibration
    theta: np.ndarray
    uniforms: np.ndarray
    redraws: int
    relapses: RelapseRule
    months: np.ndarray
    event: np.ndarray


def draw_pfs(
    d: Draft,
    ino: InoStructure,
    course: Course,
    cons_start: np.ndarray,
    bridging_any: np.ndarray,
    follow_up: FollowUp,
) -> Pfs:
    """Step 5: the PFS model, one uniform per patient (pfs stream), the fixed-point fit and
    the greedy re-draws."""
    model = pfs_model(d, ino, course, cons_start, bridging_any, follow_up.months_to_lock)
    u = d.rng["pfs"].uniform(1e-9, 1 - 1e-9, d.n)
    cal = pfs_calibration(d, model, _survival_groups(d, ino), separations(d, ino, "pfs"))
    theta = fit_pfs(cal, u)
    relapses = relapse_rule(d, course, model)
    u, kept = redraw_pfs(d, cal, theta, u, relapses, _plotted_groups(d, ino))
    months, event = model.times(theta, u)
    return Pfs(cal, theta, u, kept, relapses, months, event)


@dataclass(frozen=True)
class Os:
    """The calibrated OS: calibration, parameters, re-draws kept, each patient's OS (months)
    and event, and whether the PFS event was a relapse or progression."""

    calibration: OsCalibration
    phi: np.ndarray
    redraws: int
    months: np.ndarray
    event: np.ndarray
    relapse: np.ndarray


def draw_os(d: Draft, ino: InoStructure, pfs: Pfs, follow_up: FollowUp) -> Os:
    """Step 6: which PFS events are relapses (relapse stream), the time from progression to
    death (os stream), the fixed-point fit and the greedy re-draws."""
    n = d.n
    v_relapse = d.rng["relapse"].uniform(size=n)
    model = OsModel(
        np.array(d.assumptions.post_progression_knots),
        pfs.calibration.model.in_group,
        pfs.months,
        pfs.event,
        follow_up.months_to_lock,
        pfs.relapses,
    )
    u = np.concatenate([d.rng["os"].uniform(1e-9, 1 - 1e-9, n), v_relapse])
    cal = os_calibration(d, model, pfs.calibration.groups, u, separations(d, ino, "os"))
    phi = fit_os(cal, u)
    u, kept = redraw_os(d, cal, phi, u, _plotted_groups(d, ino))
    months, event = model.times(phi, u)
    relapse = pfs.relapses.designate(pfs.event, u[n:])
    return Os(cal, phi, kept, months, event, relapse)


def assemble_cohort(
    d: Draft, course: Course, follow_up: FollowUp, pfs: Pfs, os_: Os
) -> pd.DataFrame:
    """The survival columns added, patients ordered by infusion date and given ids, the
    columns in :data:`COLUMNS` order."""
    frame = d.frame
    pfs_e = pfs.event
    frame["pfs_months"] = pfs.months
    frame["pfs_event"] = pfs_e.astype(int)
    frame["pfs_event_type"] = np.where(
        ~pfs_e,
        "none",
        np.where(os_.relapse, np.where(course.no_response, "progression", "relapse"), "death"),
    )
    frame["os_months"] = os_.months
    frame["os_event"] = os_.event.astype(int)
    frame["relapse"] = os_.relapse
    frame["months_to_data_lock"] = follow_up.months_to_lock
    frame["synthetic"] = True
    frame = frame.sort_values(["infusion_date", "ino_exposed"], kind="mergesort").reset_index(
        drop=True
    )
    frame.insert(0, "patient_id", ids("ROCCA", d.n))
    return frame[list(COLUMNS)]


@dataclass(frozen=True)
class Readings:
    """What the generator derived from the published numbers, reported beside them in the
    scorecard: subgroup contrasts and medians, Table 1 rows that do not add up, the course
    counts and MRD reading, relapse counts, and the targets left out."""

    table1: Table1
    short_rows: dict[str, str]
    course: Course
    relapse_counts: dict[str, int]
    leave_out: frozenset = frozenset()


# --------------------------------------------------------------------------------------------
def fitted_keys() -> list[tuple[str, str | None]]:
    """Keys ``(quantity, group)`` of every target the calibration fits statistically: PFS and
    OS landmarks (but :data:`OS_NOT_FITTED`), the hazard ratios of the generator's models
    2 and 1, the median follow-up, the log-rank and rank-sum p-values between groups.
    Exact counts reproduced by the allocation are not among them."""
    keys = []
    for endpoint in ("pfs", "os"):
        for g in ("naive", "exposed", "responder", "refractory"):
            for t in LANDMARKS:
                key = _key(R(f"{endpoint}_{int(t)}mo", g))
                if key not in OS_NOT_FITTED:
                    keys.append(key)
    keys += [_key(R(q, "model_2")) for q in HR_QUANTITIES.values()]
    keys.append(_key(R("hr_pfs_ino_exposed", "model_1")))
    keys.append(_key(R("median_followup_months")))
    keys += [(f"{e}_p", q) for e in ("pfs", "os") for q in LOGRANK_COMPARISONS]
    keys += list(RANK_SEPARATIONS)
    return keys


def build(
    seed: int = SEED, assumptions: Assumptions | None = None, leave_out=frozenset()
) -> StudyBuild:
    """Generate the ROCCA cohort and its target table (deterministic for a seed).

    ``leave_out``: keys ``(quantity, group)`` of fitted targets (see :func:`fitted_keys`) to
    leave out of every fitting stage; they are still scored, as held out (cross-validation).
    """
    t_start = _time.perf_counter()
    a = assumptions or Assumptions()
    unknown = {_key(k) for k in leave_out} - set(fitted_keys())
    if unknown:
        raise ValueError(
            f"rocca: leave_out names {sorted(unknown, key=str)}, which are not fitted "
            f"targets; expected keys from fitted_keys()"
        )
    d = start_draft(seed, a, leave_out)
    ino = allocate_ino_structure(d)
    table1 = allocate_table1(d, ino)
    # dates and Table 2 draw from their own streams and read nothing of the course
    follow_up = draw_infusion_dates(d)
    allocate_table2(d)
    choice = choose_course(d, ino, follow_up)
    d, course, cons_start, bridging_any = (
        choice.draft,
        choice.course,
        choice.cons_start,
        choice.bridging_any,
    )
    pfs = draw_pfs(d, ino, course, cons_start, bridging_any, follow_up)
    os_ = draw_os(d, ino, pfs, follow_up)
    frame = assemble_cohort(d, course, follow_up, pfs, os_)
    diagnostics = {
        "accrual_shape": follow_up.accrual_shape,
        "pfs_parameters": dict(zip(_pfs_names(a), np.round(pfs.theta, 4).tolist(), strict=True)),
        "os_parameters": dict(zip(_os_names(a), np.round(os_.phi, 4).tolist(), strict=True)),
        "greedy_redraws_pfs": pfs.redraws,
        "greedy_redraws_os": os_.redraws,
        "response_denominators": {arm: course.counts[arm] for arm in N_ARMS},
        "mrd_reading": course.mrd_note,
        "table1_rows_not_adding_up": d.short_rows,
        "os_landmarks_not_fitted": [
            (group.removeprefix("ino_"), int(quantity.removeprefix("os_").removesuffix("mo")))
            for quantity, group in sorted(OS_NOT_FITTED)
        ],
        "refractory_among_exposed_early_failures": None
        if choice.refractory_early is None
        else dict(zip(EARLY_FAILURES, choice.refractory_early, strict=False)),
        "early_failure_candidates_gap": {
            "/".join(map(str, k)): round(v, 2) for k, v in choice.costs.items()
        },
        "rank_separation_moves": d.rank_moves,
        "seconds": round(_time.perf_counter() - t_start, 2),
    }
    readings = Readings(
        table1,
        d.short_rows,
        course,
        pfs.relapses.counts,
        d.leave_out,
    )
    return StudyBuild(
        STUDY,
        seed,
        frame,
        score_targets(frame, d.pub, readings),
        assumptions=asdict(a),
        diagnostics=diagnostics,
        columns=COLUMNS,
        assumption_notes=ASSUMPTION_NOTES,
    )


def _pfs_names(a: Assumptions) -> list[str]:
    return [f"log_baseline_hazard_from_{k:g}mo" for k in a.pfs_knots] + [
        "log_hr_ino_responder",
        "log_hr_ino_refractory",
        "log_hr_ino_not_assessed",
        "log_hr_prior_hct",
        "log_hr_bridging",
        "log_hr_after_consolidation_hct",
        "log_hr_after_consolidation_tki",
        "log_hr_after_consolidation_other",
    ]


def _os_names(a: Assumptions) -> list[str]:
    return [f"log_post_progression_hazard_from_{k:g}mo" for k in a.post_progression_knots] + [
        "log_hr_post_progression_responder",
        "log_hr_post_progression_refractory",
        "log_hr_post_progression_not_assessed",
        "log_hr_post_progression_change_from_first_landmark_responder",
        "log_hr_post_progression_change_from_first_landmark_refractory",
    ]


def _denominator(k: int, percent: float, n_max: int, label: str) -> int:
    fits = [m for m in range(max(k, 1), n_max + 1) if abs(100.0 * k / m - percent) <= 0.5 + 1e-9]
    if len(fits) != 1:
        raise ValueError(
            f"{label}: {k} patients = {percent}% fits denominators {fits}; expected one"
        )
    return fits[0]


def _response_denominators(cr_pct, cons_n, cons_pct, n_arm, arm) -> tuple[int, int]:
    """(CR/CRi count, evaluable) from the printed CR/CRi % and the consolidation count and %.

    The paper prints CR/CRi rates with one decimal and consolidation as "n (%) of
    responders"; only one (responders, evaluable) pair fits both.
    """
    fits = []
    for n_eval in range(1, n_arm + 1):
        for k in range(n_eval + 1):
            if abs(100.0 * k / n_eval - cr_pct) <= 0.05 + 1e-9 and k >= cons_n and k > 0:
                if abs(100.0 * cons_n / k - cons_pct) <= 0.5 + 1e-9:
                    fits.append((k, n_eval))
    if len(fits) != 1:
        raise ValueError(
            f"rocca {arm}: CR/CRi {cr_pct}% and consolidation {cons_n} ({cons_pct}%) fit "
            f"(responders, evaluable) = {fits}; expected exactly one"
        )
    return fits[0]


def _mrd_counts(pub: PublishedValues, responders: dict) -> tuple[dict, str]:
    """MRD-negative counts among CR/CRi patients, from the printed percentages.

    The paper prints "75% vs 66%" after naming the exposed and then the naive arm;
    data/published keeps that reading. Only this reading fits the responder counts
    (56/75 and 50/76); the swapped one fits neither, which is checked here.
    """
    pct = {arm: pub(R("mrd_negative_pct", arm)) for arm in N_ARMS}
    counts = {
        arm: count_from_percent(pct[arm], responders[arm], f"rocca MRD {arm}") for arm in N_ARMS
    }
    swapped = {"naive": pct["exposed"], "exposed": pct["naive"]}
    try:
        for arm in N_ARMS:
            count_from_percent(swapped[arm], responders[arm], "swapped")
        note = (
            "both readings of '75% vs 66%' fit the responder counts; data/published's reading used"
        )
    except ValueError:
        note = (
            "only data/published's reading of '75% vs 66%' (exposed 75%) fits the responder counts"
        )
    return counts, note


# --------------------------------------------------------------------------------------------
COLUMNS = {
    "patient_id": "Synthetic patient id (no real person)",
    "synthetic": "Always True: every row is synthetic",
    "infusion_date": "Brexu-cel infusion date (synthetic; ISO 8601)",
    "ino_exposed": "Any InO before brexu-cel infusion",
    "ino_group": "InO-naive / InO responder / InO refractory / InO not assessed",
    "ino_response": "Response to prior InO (exposed only): responder / refractory / not assessed",
    "ino_timing": "Exposed only: 'pre-apheresis only' or 'bridging' (between apheresis and lymphodepletion)",
    "ino_preapheresis": "InO given before apheresis",
    "ino_bridging": "InO given as bridging therapy",
    "age_years": "Age at infusion (years)",
    "age_group": "18-39 / 40-59 / 60+",
    "sex": "female / male",
    "race_ethnicity": "Non-Hispanic White / Hispanic / Black / Asian / Other",
    "subtype": "Ph+ / Ph-like / Ph-negative",
    "disease_status": "Pre-apheresis disease status (Table 1 categories, including 'missing')",
    "marrow_blasts": "Pre-apheresis bone marrow blasts: <25% / 25-74% / >=75% / missing",
    "emd": "Extramedullary disease at apheresis",
    "cns": "CNS involvement at apheresis",
    "prior_lines": "Number of prior lines of therapy",
    "prior_blinatumomab": "Prior blinatumomab",
    "prior_hct": "Prior allogeneic HCT (before CAR-T)",
    "bridging_therapy": "Any bridging therapy between apheresis and lymphodepletion",
    "bridging_type": "InO / other / none",
    "crs_grade": "Cytokine release syndrome, worst ASTCT grade: none / 1-2 / 3-4 / not evaluable",
    "icans_grade": "ICANS, worst ASTCT grade: none / 1-2 / 3-4",
    "tocilizumab": "Received tocilizumab",
    "steroids": "Received corticosteroids",
    "anakinra": "Received anakinra",
    "hospital_days": "Length of the infusion hospital stay (days)",
    "early_death_30d": "Died within 30 days of infusion",
    "brexu_response": "Response to brexu-cel: CR/CRi / no response / not evaluable",
    "cr_cri": "CR or CRi after brexu-cel (empty: not evaluable)",
    "mrd_negative": "MRD-negative remission (CR/CRi patients only)",
    "consolidation": "Post-response consolidation: none / allogeneic HCT / TKI / other maintenance",
    "consolidation_months": "Start of consolidation, months after infusion (empty: none)",
    "pfs_months": "Progression-free survival time from infusion (months)",
    "pfs_event": "1 = relapse, progression or death; 0 = censored",
    "pfs_event_type": "relapse / progression / death / none",
    "relapse": "Relapse or progression during follow-up",
    "os_months": "Overall survival time from infusion (months)",
    "os_event": "1 = death; 0 = censored",
    "months_to_data_lock": "Months from infusion to the data lock (potential follow-up)",
}


def score_targets(frame: pd.DataFrame, pub: PublishedValues, readings: Readings) -> list:
    """Every target with its published value and what the synthetic cohort shows."""
    from inoreport.synthetic.verify import Survival

    surv = Survival()
    rows = []
    exposed = frame["ino_exposed"].to_numpy()
    # Table 1 / Table 2 counts (exact by construction; listed so a reader can see them)
    for arm, m in {"naive": ~exposed, "exposed": exposed}.items():
        rows += _arm_table_rows(frame[m], arm, pub, readings.short_rows)
        rows += _arm_course_rows(frame[m], arm, pub, readings)
    rows += _subgroup_rows(frame, pub, readings.table1)
    rows += _supplement_rows(frame, pub)
    # survival: calibrated landmarks; held-out CIs and log-rank p-values
    rows += _landmark_rows(frame, pub, surv, readings.leave_out)
    rows += _logrank_rows(frame, pub, readings.leave_out)
    rows += _rank_rows(frame, pub, readings.leave_out)
    rows += _cox_rows(frame, pub, surv, readings.leave_out)
    fu = surv.median_followup(frame, "os_months", "os_event")
    role, note = _role(R("median_followup_months"), readings.leave_out)
    rows.append(
        keyed(
            median_row(
                "median follow-up, reverse KM (months)",
                pub(R("median_followup_months")),
                fu,
                role,
                source=SOURCE,
                note=note,
            ),
            R("median_followup_months"),
        )
    )
    return rows


def _arm_count(statistic: str, quantity: str, arm: str, count, pub, **options) -> ScorecardRow:
    """The scorecard row of the published count (or median) ``quantity`` of ``arm`` against
    the cohort's ``count``, keyed by it; ``options`` go to :func:`count_row`."""
    return keyed(
        count_row(statistic, pub(R(quantity, arm)), count, source=SOURCE, **options),
        R(quantity, arm),
    )


def _arm_table_rows(sub: pd.DataFrame, arm: str, pub, short_rows: dict) -> list:
    """Table 1 and Table 2 rows of one arm (counts, medians), as scorecard rows."""
    rows = []
    categories = [
        (col, cat, q, category_label(col, cat))
        for col, mapping in TABLE1_COUNTS.items()
        for cat, q in mapping.items()
    ] + [("age_group", g, q, f"age {g}") for g, q in AGE_GROUP_IDS.items()]
    for col, cat, q, label in categories:
        short = short_rows.get(f"{col} {arm}")
        rows.append(
            _arm_count(
                f"{label}, {arm}",
                q,
                arm,
                int((sub[col] == cat).sum()),
                pub,
                at_least=short is not None,
                note=_short_note(short),
            )
        )
    for label, quantity, column in (
        ("median age", "age_median", "age_years"),
        ("median prior lines", "prior_lines_median", "prior_lines"),
        ("median hospital days", "hospital_days_median", "hospital_days"),
    ):
        rows.append(_arm_count(f"{label}, {arm}", quantity, arm, float(sub[column].median()), pub))
    for col, q in (
        ("early_death_30d", "early_death_30d_count"),
        ("tocilizumab", "tocilizumab_count"),
        ("steroids", "steroids_count"),
        ("anakinra", "anakinra_count"),
    ):
        rows.append(
            _arm_count(f"{category_label(col, True)}, {arm}", q, arm, int(sub[col].sum()), pub)
        )
    for grade, q in (("1-2", "crs_grade_1_2_count"), ("3-4", "crs_grade_3_4_count")):
        rows.append(
            _arm_count(
                f"CRS grade {grade}, {arm}", q, arm, int((sub["crs_grade"] == grade).sum()), pub
            )
        )
    for grade, q in (("1-2", "icans_grade_1_2_count"), ("3-4", "icans_grade_3_4_count")):
        rows.append(
            _arm_count(
                f"ICANS grade {grade}, {arm}", q, arm, int((sub["icans_grade"] == grade).sum()), pub
            )
        )
    return rows


def _arm_course_rows(sub: pd.DataFrame, arm: str, pub, readings: Readings) -> list:
    """Consolidation, CR/CRi rate, MRD negativity and relapses of one arm."""
    rows, src = [], SOURCE
    mrd_counts, mrd_note = readings.course.mrd_counts, readings.course.mrd_note
    relapse_counts = readings.relapse_counts
    for kind, q in (
        ("allogeneic HCT", "consolidation_hct_count"),
        ("TKI", "consolidation_tki_count"),
        ("other maintenance", "consolidation_other_count"),
    ):
        rows.append(
            _arm_count(
                f"consolidation {kind}, {arm}",
                q,
                arm,
                int((sub["consolidation"] == kind).sum()),
                pub,
            )
        )
    n_cr = int(sub["cr_cri"].eq(True).sum())
    n_eval = int(sub["cr_cri"].notna().sum())
    rows.append(
        keyed(
            landmark_row(
                f"CR/CRi rate, {arm} (%)",
                pub(R("cr_cri_pct", arm)),
                100.0 * n_cr / n_eval,
                "calibrated",
                tolerance_pp=0.05,
                source=src,
                note=f"{n_cr}/{n_eval}: the only (responders, evaluable) pair fitting the printed % and the consolidation count",
            ),
            R("cr_cri_pct", arm),
        )
    )
    rows.append(
        count_row(
            f"MRD-negative among CR/CRi, {arm}",
            mrd_counts[arm],
            int(sub["mrd_negative"].eq(True).sum()),
            source=src,
            note=mrd_note,
        )
    )  # noqa: E712
    rel = int(sub["relapse"].sum())
    rows.append(
        count_row(
            f"relapse or progression, {arm}",
            relapse_counts[arm],
            rel,
            source=src,
            note="read as every relapse or progression during follow-up (see methods)",
        )
    )
    return rows


#: The supplement's chi-square comparisons whose counts the allocation fixes (the counts
#: that round to the printed percentages): p key -> (column, category, first, second
#: subgroup, and the Table 1 count of patients with the column missing in the exposed arm).
SUPPLEMENT_CHI2 = {
    ("subtype_ph_pos_p", "ino_responder_vs_ino_refractory"): (
        "subtype", "Ph+", "responder", "refractory", None,
    ),
    ("status_active_p", "ino_responder_vs_ino_refractory"): (
        "disease_status", "active (>5% blasts)", "responder", "refractory",
        "status_missing_count",
    ),
    ("prior_hct_p", "ino_responder_vs_ino_refractory"): (
        "prior_hct", True, "responder", "refractory", None,
    ),
    ("status_active_p", "ino_bridging_vs_ino_preapheresis_only"): (
        "disease_status", "active (>5% blasts)", "bridging", "pre_only", "status_missing_count",
    ),
    ("emd_yes_p", "ino_bridging_vs_ino_preapheresis_only"): (
        "emd", True, "bridging", "pre_only", None,
    ),
}  # fmt: skip
CHI2_TEST = "Pearson chi-square (the test the audit found the paper used)"


def supplement_tables(pub, key) -> list[np.ndarray]:
    """Every 2 x 2 table (rows: with / without the characteristic; columns: the two
    subgroups) whose counts round to the printed percentages of the comparison ``key``,
    with each subgroup's denominator its size less any of the exposed arm's patients whose
    value is missing (Table 1)."""
    column, _, first, second, missing_q = SUPPLEMENT_CHI2[key]
    missing = 0 if missing_q is None else int(pub(R(missing_q, "exposed")))
    sizes = [_subgroup_size(pub, g) for g in (first, second)]
    pcts = [pub(_contrast_ref(column, g)) for g in (first, second)]
    out = []
    for m1 in range(missing + 1):
        for m2 in range(missing + 1 - m1):
            n1, n2 = sizes[0] - m1, sizes[1] - m2
            for k1 in _rounding_counts(pcts[0], n1):
                for k2 in _rounding_counts(pcts[1], n2):
                    out.append(np.array([[k1, k2], [n1 - k1, n2 - k2]]))
    return out


def _rounding_counts(percent: float, n: int) -> list[int]:
    return [k for k in range(n + 1) if abs(100.0 * k / n - percent) <= 0.5 + 1e-9]


def _subgroup_size(pub, group: str) -> int:
    quantity = {
        "responder": "ino_responders_count",
        "refractory": "ino_refractory_count",
        "bridging": "ino_bridging_count",
        "pre_only": "ino_preapheresis_only_count",
    }[group]
    return int(pub(R(quantity, "exposed")))


def _contrast_ref(column: str, group: str) -> Ref:
    return next(ref for (col, _, sg), ref in CONTRAST_PCT.items() if col == column and sg == group)


def _supplement_rows(frame: pd.DataFrame, pub) -> list:
    """The supplement's chi-square p-values, from the allocated counts: exact by
    construction where a consistent table gives the printed p; where none does, the row
    says so (every consistent table enumerated)."""
    groups = {
        "responder": (frame["ino_group"] == RESPONDER).to_numpy(),
        "refractory": (frame["ino_group"] == REFRACTORY).to_numpy(),
        "bridging": frame["ino_bridging"].to_numpy(bool),
        "pre_only": (frame["ino_timing"] == PRE_ONLY).to_numpy(),
    }
    rows = []
    for key, (column, category, first, second, _) in SUPPLEMENT_CHI2.items():
        has = (frame[column] == category).to_numpy()
        table = np.array(
            [
                [int((has & groups[g]).sum()) for g in (first, second)],
                [int((~has & groups[g]).sum()) for g in (first, second)],
            ]
        )
        printed = str(pub.row(Ref(*key))["printed"])
        candidates = [pearson_p(t) for t in supplement_tables(pub, key)]
        reachable = [p for p in candidates if within_printed(p, printed)]
        note = "exact by construction: the allocated counts are the only ones that round to "
        note += "the printed percentages"
        if not reachable:
            missing_q = SUPPLEMENT_CHI2[key][4]
            missing = 0 if missing_q is None else int(pub(R(missing_q, "exposed")))
            basis = (
                f"denominators: the subgroups, less up to {missing} exposed patients whose "
                "value is missing"
                if missing
                else "every exposed patient's value is known, so the denominators are the subgroups"
            )
            found = (
                f"the only table whose counts round to the printed percentages gives p = "
                f"{candidates[0]:.2g}, which does not print as {printed}"
                if len(candidates) == 1
                else f"none of the {len(candidates)} tables whose counts round to the printed "
                f"percentages gives a p that prints as {printed} (their p run from "
                f"{min(candidates):.2g} to {max(candidates):.2g})"
            )
            note = f"not reachable: {found}; {basis}"
        label = category_label(column, category)
        rows.append(
            separation_row(
                f"{label} p, {SUBGROUP_WORDS[first]} vs {SUBGROUP_WORDS[second]}",
                pub,
                Ref(*key),
                pearson_p(table),
                CHI2_TEST,
                source=SOURCE,
                note=note,
            )
        )
    return rows


def _subgroup_rows(frame: pd.DataFrame, pub, table1: Table1) -> list:
    """The subgroup contrasts (percentages) and median prior lines by subgroup."""
    rows, src = [], SOURCE
    masks = {
        "responder": (frame["ino_group"] == RESPONDER).to_numpy(),
        "refractory": (frame["ino_group"] == REFRACTORY).to_numpy(),
        "bridging": frame["ino_bridging"].to_numpy(),
        "pre_only": (frame["ino_timing"] == PRE_ONLY).to_numpy(),
    }
    contrast_counts, line_medians = table1.contrasts, table1.line_medians
    for (col, cat, sg), (_k, n_sg, ref) in contrast_counts.items():
        mask = masks[sg]
        got = int((frame.loc[mask, col] == cat).sum())
        rows.append(
            keyed(
                landmark_row(
                    f"{category_label(col, cat)}, {SUBGROUP_LABELS[sg]} (%)",
                    pub(ref),
                    100.0 * got / n_sg,
                    "calibrated",
                    tolerance_pp=0.5,
                    source=src,
                    note=f"{got}/{n_sg}",
                ),
                ref,
            )
        )
    for sg, med in line_medians.items():
        mask = masks[sg]
        rows.append(
            keyed(
                count_row(
                    f"median prior lines, {SUBGROUP_LABELS[sg]}",
                    med,
                    float(frame.loc[mask, "prior_lines"].median()),
                    source=src,
                ),
                R("prior_lines_median", LINE_MEDIAN_GROUPS[sg]),
            )
        )

    return rows


def _landmark_rows(frame: pd.DataFrame, pub, surv, leave_out) -> list:
    """6- and 12-month PFS and OS per group (calibrated, except the OS landmarks not fitted)
    and, per arm, their 95% confidence limits (held out)."""
    rows, src = [], SOURCE
    groups = {
        "naive": frame["ino_group"] == NAIVE,
        "exposed": frame["ino_exposed"],
        "responder": frame["ino_group"] == RESPONDER,
        "refractory": frame["ino_group"] == REFRACTORY,
    }
    for endpoint in ("pfs", "os"):
        for g, m in groups.items():
            km = surv.landmarks(
                frame[m.to_numpy()], f"{endpoint}_months", f"{endpoint}_event", [6.0, 12.0]
            )
            for _, r in km.iterrows():
                t = int(r["time"])
                role, note = _role(R(f"{endpoint}_{t}mo", g), leave_out)
                if _key(R(f"{endpoint}_{t}mo", g)) in OS_NOT_FITTED:
                    role = "held_out"
                    note = OS_NOT_FITTED_NOTE.format(
                        os=pub(R(f"os_{t}mo", g)), pfs=pub(R(f"pfs_{t}mo", g))
                    )
                rows.append(
                    keyed(
                        landmark_row(
                            f"{endpoint.upper()} {t}-month, {g} (%)",
                            pub(R(f"{endpoint}_{t}mo", g)),
                            100 * r["survival"],
                            role,
                            source=src,
                            note=note,
                        ),
                        R(f"{endpoint}_{t}mo", g),
                    )
                )
                if g in ("naive", "exposed"):
                    published_row = pub.row(R(f"{endpoint}_{t}mo", g))
                    rows += landmark_ci_rows(
                        f"{endpoint.upper()} {t}-month 95% CI {{}}, {g} (%)",
                        published_row,
                        r,
                        source=src,
                        note="interval depends on censoring and on the CI method (log here, R's default)",
                    )
    return rows


def _cox_rows(frame: pd.DataFrame, pub, surv, leave_out) -> list:
    """PFS hazard ratios of the generator's models 2 and 1, calibrated (their limits held
    out)."""
    rows, src = [], SOURCE
    fit2 = surv.hazard_ratios(frame, "pfs_months", "pfs_event", MODEL_2)
    for term, q in HR_QUANTITIES.items():
        hr, lo, hi = fit2[term]
        published_row = pub.row(R(q, "model_2"))
        role, left = _role(R(q, "model_2"), leave_out)
        rows.append(
            keyed(
                ratio_row(
                    hr_statistic(term),
                    pub(R(q, "model_2")),
                    hr,
                    role,
                    source=src,
                    note=left
                    or "fitted in the generator's fixed model: "
                    + ", ".join(COLUMN_LABELS.get(c, c) for c in MODEL_2),
                ),
                R(q, "model_2"),
            )
        )
        for limit, ours in (("low", lo), ("high", hi)):
            rows.append(
                ratio_row(
                    hr_statistic(term, limit),
                    float(published_row[f"ci_{limit}"]),
                    ours,
                    "held_out",
                    tolerance=0.5,
                    source=src,
                    note="interval width depends on event counts",
                )
            )
    fit1 = surv.hazard_ratios(frame, "pfs_months", "pfs_event", MODEL_1)
    hr, lo, hi = fit1["ino_exposed"]
    role, left = _role(R("hr_pfs_ino_exposed", "model_1"), leave_out)
    rows.append(
        keyed(
            ratio_row(
                f"PFS HR InO exposure ({GENERATOR_MODEL_1})",
                pub(R("hr_pfs_ino_exposed", "model_1")),
                hr,
                role,
                source=src,
                note=left
                or "fitted in the generator's model 2 with InO exposure as one yes/no variable",
            ),
            R("hr_pfs_ino_exposed", "model_1"),
        )
    )
    return rows


def _short_note(short: str | None) -> str:
    if short is None:
        return ""
    return f"published {short}: each count is a minimum; the remaining patient is placed by the allocation"


#: Note of a target left out of the calibration for cross-validation.
LEFT_OUT = "left out of the calibration (cross-validation)"
LOGRANK_TEST = (
    "log-rank (the paper does not name its test; a reader would assume log-rank for "
    "unadjusted Kaplan–Meier curves)"
)


def _role(key, leave_out) -> tuple[str, str]:
    """(role, note) of a fitted target: calibrated, or held out when left out."""
    return ("held_out", LEFT_OUT) if _key(key) in leave_out else ("calibrated", "")


def _logrank_rows(frame, pub, leave_out) -> list:
    """The log-rank p-values between groups (PFS and OS), each met when it prints as the
    paper printed it."""
    rows = []
    groups = {
        "exposed": frame["ino_exposed"].to_numpy(bool),
        "naive": ~frame["ino_exposed"].to_numpy(bool),
        "responder": (frame["ino_group"] == RESPONDER).to_numpy(),
        "refractory": (frame["ino_group"] == REFRACTORY).to_numpy(),
        "bridging": frame["ino_bridging"].to_numpy(bool),
        "pre_only": (frame["ino_timing"] == PRE_ONLY).to_numpy(),
    }
    for endpoint in ("pfs", "os"):
        t = frame[f"{endpoint}_months"].to_numpy(float)
        e = frame[f"{endpoint}_event"].to_numpy(bool)
        for q, (label, first, second, _) in LOGRANK_COMPARISONS.items():
            key = (f"{endpoint}_p", q)
            both = groups[first] | groups[second]
            z = logrank_z(t[both], e[both], groups[first][both])
            role, note = _role(key, leave_out)
            rows.append(
                separation_row(
                    f"{endpoint.upper()} log-rank p, {label}",
                    pub,
                    Ref(*key),
                    p_of_z(z),
                    LOGRANK_TEST,
                    role=role,
                    source=SOURCE,
                    note=note,
                )
            )
    return rows


def _rank_rows(frame, pub, leave_out) -> list:
    """The rank-sum p-values of the medians the cohort is calibrated to separate."""
    groups = {
        "exposed": frame["ino_exposed"].to_numpy(bool),
        "naive": ~frame["ino_exposed"].to_numpy(bool),
        "responder": (frame["ino_group"] == RESPONDER).to_numpy(),
        "refractory": (frame["ino_group"] == REFRACTORY).to_numpy(),
        "bridging": frame["ino_bridging"].to_numpy(bool),
        "pre_only": (frame["ino_timing"] == PRE_ONLY).to_numpy(),
    }
    rows = []
    for key, (column, first, second) in RANK_SEPARATIONS.items():
        values = frame[column].to_numpy(float)
        z = ranksum_z(values[groups[first]], values[groups[second]])
        role, note = _role(key, leave_out)
        label = COLUMN_WORDS[column]
        rows.append(
            separation_row(
                f"{label} p, {SUBGROUP_WORDS[first]} vs {SUBGROUP_WORDS[second]}",
                pub,
                Ref(*key),
                p_of_z(z),
                RANK_TEST,
                role=role,
                source=SOURCE,
                note=note,
            )
        )
    return rows


#: Words for the rank-sum rows.
COLUMN_WORDS = {
    "prior_lines": "prior lines of therapy",
    "age_years": "age",
    "hospital_days": "length of hospital stay",
}
SUBGROUP_WORDS = {
    "exposed": "exposed",
    "naive": "naive",
    "responder": "InO responder",
    "refractory": "InO refractory",
    "bridging": "InO as bridging",
    "pre_only": "InO before apheresis only",
}
