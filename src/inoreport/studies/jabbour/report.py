"""The Jabbour chapter's shared pieces: its published numbers with their sources, the cohort
it analyses (:class:`Page`), and the chapter's opening glue values.

Every published number is read from ``data/published/jabbour.csv``; the paper itself was not
available, so each carries the secondary source it came from (:func:`source_of`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from inoreport import published
from inoreport.book.page import Table
from inoreport.stats.tables import format_number
from inoreport.studies.jabbour import cohort as generator
from inoreport.studies.jabbour.horizon import calibrated_horizon

STUDY = "jabbour"
#: The two sources of the paper's numbers, as the chapter names them (the abstract is known
#: only from a third-party copy, garbled in places: see the audit).
SOURCE_WORDS = {"abstract": "third-party abstract copy", "news report": "news report"}
#: Patient ids of the shipped synthetic cohort start with this.
SHIPPED_ID = "JABBOUR-SYN"
ENDPOINTS = ("PFS", "OS", "CRD")


def pub(quantity: str, group: str | None = None, variant: str | None = None) -> float:
    """A published value of the Jabbour paper (units as in ``data/published``)."""
    return float(published.value(STUDY, quantity, group, variant))


def pub_row(quantity: str, group: str | None = None, variant: str | None = None) -> pd.Series:
    """The full published row (value, ci_low, ci_high, printed, source, ...)."""
    return published.get(STUDY, quantity, group, variant)


def source_of(row) -> str:
    """Which source printed a number: abstract copy, news report or both; for a number from
    another report on the same trial, that report's meeting and year; "derived" for a
    number derived from others."""
    text = row["source"]
    if row["status"] == "related_report":
        meeting = re.search(r"\b(EHA|ASH|ASCO) \d{4}", text)
        return f"{meeting.group(0)} conference abstract" if meeting else text
    if row["status"] == "derived":
        return "derived"
    parts = [label for name, label in SOURCE_WORDS.items() if name in text]
    return " + ".join(parts) or text


def missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def with_ci(estimate, low, high, digits: int = 1, scale: float = 1.0) -> str:
    """``"est (low–high)"`` with each number times ``scale`` (e.g. 100 for %); "not reached"
    for a missing estimate, "NR" for a missing limit, "0" for an estimate of 0 without a
    lower limit (no event: no interval on the log scale)."""
    if missing(estimate):
        return "not reached"
    if estimate == 0 and missing(low):
        return "0"

    def shown(x):
        return "NR" if missing(x) else format_number(scale * x, digits)

    return f"{format_number(scale * estimate, digits)} ({shown(low)}–{shown(high)})"


def months(x, digits: int = 1) -> str:
    """A duration in months as text; "—" when missing."""
    return "—" if missing(x) else format_number(x, digits)


def read_generator_record(results_dir=None) -> list[dict]:
    """The synthetic generator's own record of its targets (statistic, role, match, key):
    ``<results dir>/synthetic_jabbour.json`` as ``make data`` writes it, else a rebuild."""
    from inoreport.paths import results_dir as default_dir

    record = (results_dir or default_dir()) / f"synthetic_{STUDY}.json"
    if record.exists():
        return json.loads(record.read_text(encoding="utf-8"))
    from inoreport.studies import build_cohort

    return [asdict(r) for r in build_cohort(STUDY).targets]


@dataclass
class Page:
    """The cohort the chapter analyses, and what it knows about it.

    ``data``: one row per patient (durations in months; ``age_group`` categorical in
    ``groups`` order, ``age_band`` and readable ``cytogenetics``/``tp53`` columns added);
    ``in_remission``: patients with a remission duration; ``landmarks``: months;
    ``synthetic``: the cohort is synthetic; ``shipped``: it is the shipped synthetic cohort;
    ``record``: the generator's targets (empty for a real cohort); ``horizon``: months up to
    which each endpoint's curve was fitted (None: no horizon).
    """

    data: pd.DataFrame
    in_remission: pd.DataFrame
    groups: list[str]
    landmarks: list[int]
    synthetic: bool
    shipped: bool
    record: list[dict] = field(default_factory=list)
    horizon: dict[str, float | None] = field(default_factory=dict)

    @property
    def oldest(self) -> str:
        return self.groups[-1]

    @property
    def bands(self) -> list[str]:
        """The two age bands of the paper: younger than the oldest group, and the oldest."""
        return [f"<{self.oldest.lstrip('≥>=')}", self.oldest]

    @property
    def syn(self) -> str:
        """Words appended to titles and captions of synthetic results."""
        return " (synthetic)" if self.synthetic else ""

    def horizon_of(self, *endpoints: str) -> float | None:
        """The calibrated horizon (months) of endpoints drawn together: the earliest of
        theirs, so no curve is drawn as calibrated beyond its own (None: no horizon)."""
        times = [self.horizon[e] for e in endpoints if self.horizon.get(e)]
        return min(times) if times else None

    def beyond(self, *endpoints: str, test: bool = True, fitted: bool = False) -> str:
        """Caption words for a figure with an extrapolated part (``test``: it shows a p;
        ``fitted``: the cohort was fitted to the published p)."""
        h = self.horizon_of(*endpoints)
        if not h:
            return ""
        words = (
            f" Beyond {h:g} months, the last time the cohort was fitted to, the curves are "
            "extrapolated (grey, dashed)"
        )
        if test:
            words += "; the log-rank p uses the whole synthetic follow-up, extrapolated part " + (
                "included, and the cohort was fitted to the published p, so it is not a result"
                if fitted
                else "included, so it is a check of the generator, not a result"
            )
        return words + "."


def prepare(chapter_cohort, landmarks, record: list[dict] | None = None) -> Page:
    """The chapter's :class:`Page` from a cohort loaded through the chapter registry.

    ``record``: the generator's targets (default: read for a synthetic cohort)."""
    data = chapter_cohort.frame.copy()
    groups = list(chapter_cohort.groups)  # labels, youngest first
    for column in ["pfs_event", "os_event", "high_risk_cytogenetics", "tp53_mutated"]:
        data[column] = data[column].astype(int)
    data["age_group"] = pd.Categorical(data["age_group"], categories=groups)
    oldest = groups[-1]
    data["age_band"] = np.where(data["age_group"] == oldest, oldest, f"<{oldest.lstrip('≥>=')}")
    data["cytogenetics"] = np.where(
        data["high_risk_cytogenetics"] == 1, "high risk", "not high risk"
    )
    data["tp53"] = np.where(data["tp53_mutated"] == 1, "TP53 mutated", "TP53 wild type")
    in_remission = data[data["crd_months"].notna()].copy()
    in_remission["crd_event"] = in_remission["crd_event"].astype(int)
    in_remission["crd_status"] = in_remission["crd_status"].astype(int)
    synthetic = bool(chapter_cohort.synthetic)
    # the sensitivity analysis rebuilds the shipped cohort, so it runs only on that one
    shipped = bool(synthetic and data["patient_id"].astype(str).str.startswith(SHIPPED_ID).all())
    if record is None:
        record = read_generator_record() if synthetic else []
    horizon = {ep: calibrated_horizon(record, [ep]) if record else None for ep in ENDPOINTS}
    return Page(data, in_remission, groups, list(landmarks), synthetic, shipped, record, horizon)


def opening_text(page: Page) -> dict[str, str]:
    """Glue values of the chapter's opening: cohort size, ages, landmarks, horizons."""
    short, long = page.landmarks
    sizes = page.data["age_group"].value_counts()
    values = {
        "n_cohort": len(page.data),
        "min_age": f"{pub('eligibility_min_age_years', 'all'):g}",
        "lm_long": f"{long / 12:g} years",
        "lm_words": f"{short / 12:g}- and {long / 12:g}-year",
        "old": page.oldest,
        "band_young": page.bands[0],
        "age_n_range": f"{sizes.min()}–{sizes.max()}",
    }
    for ep, h in page.horizon.items():
        values[f"horizon_{ep.lower()}"] = f"{h:g}" if h else "—"
    return values


def _assumed_value(value, unit: str) -> str:
    if isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, tuple | list):
        shown = " and ".join(f"{v:g}" for v in value)
    else:
        shown = f"{value:g}"
    if unit and not unit.startswith("("):
        shown += unit if unit == "%" else f" {unit}"
    return shown


def related_numbers(synthetic: bool) -> Table:
    """Numbers from conference abstracts on the same trial and how the chapter uses them:
    the generator's assumptions that rest on them (synthetic cohort only) and the CRi count
    shown as context."""
    rows = []
    if synthetic:
        assumed = asdict(generator.Assumptions())
        for key, (meaning, unit, basis) in generator.ASSUMPTION_NOTES.items():
            if basis.startswith(generator.RELATED):
                rows.append({
                    "Number": meaning, "Value": _assumed_value(assumed[key], unit),
                    "Conference abstract": basis.split(": ", 1)[-1],
                    "Used as": "assumption of the synthetic cohort",
                })  # fmt: skip
    cri = pub_row("n_cri", "all", "eha2022")
    rows.append({
        "Number": "responses counted as CRi", "Value": f"{cri['printed']} patients",
        "Conference abstract": source_of(cri) + ", earlier data cut",
        "Used as": "context in the response section; not this paper's number",
    })  # fmt: skip
    frame = pd.DataFrame(rows)
    for column in ("Number", "Conference abstract"):  # printed ranges and bounds in words
        frame[column] = (
            frame[column]
            .str.replace(r"(\d)-(\d)", r"\1–\2", regex=True)
            .str.replace(">=", "≥", regex=False)
        )
    caption = (
        "Numbers from conference abstracts on the same trial (not the paper), and how this "
        "chapter uses them"
    )
    return Table(frame, caption)


def related_text(related: Table) -> dict[str, str]:
    """Glue value: how many related-report numbers the synthetic cohort assumes."""
    n = int((related.frame["Used as"] == "assumption of the synthetic cohort").sum())
    return {
        "related_assumptions": (
            f"{n} numbers, listed in the table under the settings" if n else "none for this cohort"
        )
    }


def _printed_with_source(quantity: str, group: str = "all") -> tuple[str, str]:
    row = pub_row(quantity, group)
    return f"{row['printed']}%", source_of(row)


def _count_pct(stem: str) -> tuple[str, str]:
    k = pub_row(f"{stem}_count", "all")
    return f"{int(k['value'])} ({pub_row(f'{stem}_pct', 'all')['printed']}%)", source_of(k)


def bottom_line() -> dict[str, str]:
    """Glue values of the clinical bottom line: published numbers only, each with its
    source (percentages as printed; medians in months)."""
    pct, src = {}, {}
    for q in ("pfs_2y", "pfs_5y", "os_2y", "os_5y", "orr_pct", "mrd_negative_pct"):
        pct[q], src[q] = _printed_with_source(q)
    ctg_hr, ctg_not = (
        pub_row("pfs_median", "ctg_high_risk"),
        pub_row("pfs_median", "ctg_not_high_risk"),
    )
    count, count_src = {}, {}
    for stem in (
        "thrombocytopenia_grade_3_4",
        "febrile_neutropenia_grade_3_4",
        "sos",
        "deaths_infection",
        "deaths_secondary_myeloid",
        "deaths_sos",
    ):
        count[stem], count_src[stem] = _count_pct(stem)
    thr, fen = count["thrombocytopenia_grade_3_4"], count["febrile_neutropenia_grade_3_4"]
    return {
        "bl_pfs": f"{pct['pfs_2y']} at 2 years and {pct['pfs_5y']} at 5 years ({src['pfs_2y']})",
        "bl_os": f"{pct['os_2y']} at 2 years and {pct['os_5y']} at 5 years ({src['os_2y']})",
        "bl_response": (
            f"Nearly all evaluable patients responded: overall response rate {pct['orr_pct']}, "
            f"flow-cytometry MRD negativity {pct['mrd_negative_pct']} ({src['orr_pct']})."
        ),
        "bl_ctg": (
            f"Median PFS with high-risk cytogenetics was {ctg_hr['value']:g} months, against "
            f"{ctg_not['value']:g} without (p = "
            f"{pub_row('pfs_median_p', 'ctg_high_risk_vs_not')['printed']}, {source_of(ctg_hr)})."
        ),
        "bl_safety": (
            f"Grade 3–4 thrombocytopenia in {thr} and febrile neutropenia in {fen} of the "
            f"{int(pub('n_patients', 'all'))} patients; hepatic sinusoidal obstruction syndrome "
            f"in {count['sos']}. Deaths from infectious complications "
            f"{count['deaths_infection']}, from complications of a secondary myeloid malignancy "
            f"{count['deaths_secondary_myeloid']} and from sinusoidal obstruction syndrome "
            f"{count['deaths_sos']} ({count_src['thrombocytopenia_grade_3_4']}); the news report "
            "places the deaths from infection and from second cancers during remission."
        ),
    }
