"""The Jabbour regimen before and after the protocol amendment: the schedule chart, the
schedule in words, the doses checked against the printed ones (mg/m²), and the paragraph.

Reads the book's transcription ``data/regimens/jabbour_2023.csv`` (one row per drug, cycle
range and day, each citing its sentence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inoreport.book.page import Table
from inoreport.book.results import ScorecardRow
from inoreport.figures.plots import show
from inoreport.figures.regimen import (
    CumulativeDose,
    Regimen,
    cumulative_dose,
    read_regimen,
    schedule_plot,
    schedule_table,
)
from inoreport.paths import ROOT
from inoreport.studies.jabbour.report import pub

INO = "inotuzumab ozogamicin"
PHASE_LABELS = {"intensive": "Intensive phase", "maintenance": "Maintenance"}
DRUG_LABELS = {
    "inotuzumab ozogamicin": "InO", "blinatumomab": "Blinatumomab",
    "mini-hyper-CVD": "Mini-hyper-CVD", "POMP": "POMP",
}  # fmt: skip
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 8: "eight", 12: "twelve"}
SOURCE = "abstract + news report"


def read() -> Regimen:
    """The transcribed regimen of the trial."""
    return read_regimen(ROOT / "data" / "regimens" / "jabbour_2023.csv")


@dataclass
class Doses:
    """InO doses of the two protocols (mg/m²) and the published numbers they are checked
    against; patient numbers of the amendment."""

    original: CumulativeDose
    amended: CumulativeDose
    amended_cycle1: float
    printed_total: float
    printed_cycle1: float
    n_all: int
    first_amended: int
    n_post: int


def ino_doses(regimen: Regimen) -> Doses:
    """Add up the transcribed InO doses of each protocol (mg/m²)."""
    cycle1 = regimen.select(schedule="amended", drug=INO)
    return Doses(
        original=cumulative_dose(regimen, INO, "original"),
        amended=cumulative_dose(regimen, INO, "amended"),
        amended_cycle1=float(cycle1[cycle1["cycle_first"] == 1]["dose"].sum()),
        printed_total=pub("ino_dose_cumulative_max", "amended"),
        printed_cycle1=pub("ino_dose_cycle1", "amended"),
        n_all=int(pub("n_patients", "all")),
        first_amended=int(pub("amendment_first_patient", "all")),
        n_post=int(pub("n_post_amendment", "all")),
    )


def schedule_figure(regimen: Regimen, doses: Doses):
    """The schedule chart of both protocols (cycle 1 drawn two slots wide: its InO doses
    differ from cycles 2-4 and need room), with its caption."""
    labels = {
        "original": f"Original protocol (patients 1–{doses.first_amended - 1})",
        "amended": f"Amended protocol (patients {doses.first_amended}–{doses.n_all})",
    }
    fig = schedule_plot(
        regimen, schedule_labels=labels, phase_labels=PHASE_LABELS, drug_labels=DRUG_LABELS,
        phase_widths={"maintenance": 3}, cycle_widths={"intensive": {1: 2}},
    )  # fmt: skip
    return show(fig, caption=(
        "Treatment schedule before and after the protocol amendment, from the published "
        "description (InO doses in mg/m² on the days shown; d = day of the cycle). Not to "
        "scale in time: cycle lengths are not in the sources, and cycle 1 is drawn wider to "
        "fit its doses."
    ))  # fmt: skip


def schedule_in_words(regimen: Regimen) -> Table:
    """The schedule in words, one block per row, each saying what is stated or inferred."""
    words = schedule_table(regimen, {"original": "original", "amended": "amended"}, PHASE_LABELS)
    words["When"] = words["Phase"].str.lower() + ", " + words["When"]
    inferred = np.where(words["Certainty"] == "inferred", "inferred: ", "")
    words["Note"] = inferred + words["Note"].str.replace(
        "see data/published", "see the table of published numbers", regex=False
    )
    words["Days and dose"] = words["Days and dose"] + np.where(
        words["Route"] != "not stated", " (" + words["Route"] + ")", ""
    )
    shown = words[["Schedule", "Drug", "When", "Days and dose", "Note"]]
    return Table(
        shown.rename(columns={"Schedule": "Protocol"}),
        caption="The schedule in words (published description; sources in the CSV file)",
        collapsed=(
            f"The schedule in words: {len(shown)} blocks, with what is stated and what is "
            "inferred (click to open)"
        ),
    )


def dose_scorecard(doses: Doses) -> list[ScorecardRow]:
    """Exact rows: the printed maximum and cycle-1 InO doses after the amendment (mg/m²)
    against the transcribed daily doses, and the number of patients after the amendment."""
    n_after = doses.n_all - doses.first_amended + 1
    total, cycle1 = doses.amended.low, doses.amended_cycle1
    return [
        ScorecardRow(
            "maximum cumulative InO dose after the amendment (mg/m²)", doses.printed_total,
            round(total, 6), "exact", math.isclose(total, doses.printed_total),
            tolerance="equal", unit="mg/m²", source=SOURCE,
            note="sum of the per-day doses transcribed in data/regimens/jabbour_2023.csv",
            quantity="ino_dose_cumulative_max", group="amended",
        ),
        ScorecardRow(
            "InO dose in cycle 1 after the amendment (mg/m²)", doses.printed_cycle1,
            round(cycle1, 6), "exact", math.isclose(cycle1, doses.printed_cycle1),
            tolerance="equal", unit="mg/m²", source=SOURCE, note="day 2 + day 8",
            quantity="ino_dose_cycle1", group="amended",
        ),
        ScorecardRow(
            "patients treated after the amendment", float(doses.n_post), float(n_after),
            "exact", n_after == doses.n_post, tolerance="equal", unit="patients",
            source=SOURCE, note=f"patients {doses.first_amended} to {doses.n_all}",
            quantity="n_post_amendment", group="all",
        ),
    ]  # fmt: skip


def _words(n) -> str:
    return NUMBER_WORDS.get(int(n), f"{n:g}")


def regimen_text(regimen: Regimen, doses: Doses) -> dict[str, str]:
    """Glue value ``regimen_paragraph``: the two protocols in words and the dose check."""
    days_original = sorted(
        {int(d) for d in regimen.select(schedule="original", drug=INO)["day"].dropna()}
    )
    days_amended = sorted(
        {int(d) for d in regimen.select(schedule="amended", drug=INO)["day"].dropna()}
    )
    blina = regimen.select(schedule="amended", phase="intensive", drug="blinatumomab").iloc[0]
    pomp_new = regimen.select(schedule="amended", drug="POMP").iloc[0]
    pomp_old = regimen.select(schedule="original", drug="POMP").iloc[0]
    original, amended, printed = doses.original, doses.amended, doses.printed_total
    check = "matches" if math.isclose(amended.low, printed) else "does **not** match"
    return {
        "regimen_paragraph": (
            f"Up to the amendment, InO was a single dose on day {days_original[0]} of each of "
            f"the first {_words(original.cycles)} cycles: a planned total of "
            f"{original.low:.1f}–{original.high:.1f} mg/m². From patient {doses.first_amended} "
            f"onwards it was split into two smaller doses (days {days_amended[0]} and "
            f"{days_amended[1]}) and the total capped, "
            f"{_words(blina['cycle_last'] - blina['cycle_first'] + 1)} blinatumomab cycles "
            f"followed the InO cycles, and maintenance shrank from "
            f"{_words(pomp_old['duration'])} {pomp_old['duration_unit']} of POMP to "
            f"{_words(pomp_new['cycle_last'])} cycles interleaved with blinatumomab. Adding up "
            f"the transcribed daily doses gives {amended.low:.1f} mg/m², which {check} the "
            f"maximum the authors printed ({printed:g} mg/m²): the amended schedule gives "
            f"roughly {amended.low / original.high:.0%}–{amended.low / original.low:.0%} of the "
            f"original InO exposure. {doses.n_all - doses.n_post} patients were treated on the "
            f"original protocol and {doses.n_post} on the amended one."
        )
    }
