"""What the two Alcalde-Mellado chapters share (bridging, tumour burden).

:func:`open_chapter` takes the cohort the notebook read through the chapter registry (as
``inoreport run`` does), pairs the published arms with the chapter's groups, and looks up
which published numbers the synthetic cohort was built against (by their ``(quantity, group)`` key in
``data/published``, from the committed data dictionary; nothing is rebuilt) and how far its
event-free survival was fitted. :meth:`AlcaldeChapter.opening_glue` gives the numbers the
chapters' openings quote.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from inoreport import published
from inoreport.book.page import Markdown
from inoreport.book.results import ScorecardRow
from inoreport.cohort import Cohort
from inoreport.figures.plots import km_plot
from inoreport.stats.printed import p_matches
from inoreport.stats.tables import format_p, format_percent
from inoreport.studies.alcalde_mellado.horizon import calibrated_horizon
from inoreport.synthetic.common import keyed, landmark_row

STUDY = "alcalde_mellado"
SOURCE = "data/published/alcalde_mellado.csv (abstract)"
#: The published arms, in the order of the chapter's ``group_order`` (InO first).
PUBLISHED_ARMS = ("ino_arm", "chemo_arm")
COMPARISON = "ino_arm_vs_chemo_arm"


def pub(quantity: str, group: str) -> float:
    """A published Alcalde-Mellado number (``data/published/alcalde_mellado.csv``)."""
    return published.value(STUDY, quantity, group)


def printed(quantity: str, group: str) -> str:
    """A published Alcalde-Mellado number as the abstract prints it."""
    return published.get(STUDY, quantity, group)["printed"]


def percent_text(fraction: float, digits: int = 1) -> str:
    """A proportion (0–1) as ``"62.5%"`` (``digits`` decimals); "NA" when not finite."""
    if fraction is None or not math.isfinite(fraction):
        return "NA"
    return format_percent(fraction, digits) + "%"


def p_text(p: float) -> str:
    """A p-value to 3 decimals (``<0.001`` below)."""
    return format_p(p, digits=3)


def in_prose(label: str) -> str:
    """A group label inside a sentence: "chemotherapy/steroids", but "InO" kept."""
    if any(ch.isupper() for ch in label[1:]):
        return label
    return label[:1].lower() + label[1:]


def risk_times(data: pd.DataFrame, step: float = 6.0) -> list[float]:
    """Times (months) of a number-at-risk table: every ``step`` up to the last follow-up."""
    return [step * i for i in range(int(float(data["time"].max()) // step) + 1)]


def is_shipped_cohort(cohort: Cohort) -> bool:
    """Is ``cohort`` the book's synthetic Alcalde-Mellado cohort (``data/synthetic``)?"""
    shipped = cohort.source.resolve().parts[-3:] == ("data", "synthetic", f"{STUDY}.csv")
    return bool(shipped and cohort.synthetic)


@dataclass(frozen=True)
class AlcaldeChapter:
    """One run of an Alcalde-Mellado chapter.

    ``landmark`` and ``horizon`` are in months; ``roles`` maps a published number's
    ``(quantity, group)`` to its role in building the synthetic cohort (empty for a cohort
    the generator did not build); ``horizon`` is the last calibrated EFS landmark of the
    synthetic cohort (None for any other cohort). ``data`` is the cohort's frame, with any
    columns the chapter derives.
    """

    name: str
    cohort: Cohort
    data: pd.DataFrame
    landmark: float
    roles: Mapping[tuple[str, str | None], str]
    horizon: float | None

    @property
    def arms(self) -> list[str]:
        return self.cohort.groups

    @property
    def arm_of(self) -> dict[str, str]:
        """Published arm id -> the chapter's group label."""
        return dict(zip(PUBLISHED_ARMS, self.arms, strict=True))

    @property
    def synthetic(self) -> bool:
        return self.cohort.synthetic

    @property
    def tag(self) -> str:
        """ " (synthetic)" after a title or column on a synthetic cohort, else ""."""
        return " (synthetic)" if self.synthetic else ""

    @property
    def note(self) -> str:
        """Where a scorecard row's reproduced number comes from."""
        return "synthetic cohort" if self.synthetic else f"cohort {self.cohort.source.name}"

    @property
    def this_cohort(self) -> str:
        return "this synthetic cohort" if self.synthetic else "this cohort"

    @property
    def cohort_words(self) -> str:
        return (
            "the synthetic cohort" if self.synthetic else f"the cohort in {self.cohort.source.name}"
        )

    def role(self, quantity: str, group: str) -> str:
        """The role of the published number ``(quantity, group)`` in building this cohort:
        'calibrated' or 'held_out' ('held_out' for every number on a cohort the generator
        did not build)."""
        if not self.roles:
            return "held_out"
        try:
            return self.roles[(quantity, group)]
        except KeyError:
            raise KeyError(
                f"({quantity!r}, {group!r}) was not a target of the synthetic cohort; "
                f"targets: {sorted(self.roles)}"
            ) from None

    def source(self, quantity: str) -> str:
        return f"{SOURCE}: {quantity}"

    def landmark_rows(self, quantity: str, cases) -> list[ScorecardRow]:
        """Scorecard rows of the published landmark ``quantity`` (a survival or a share, in
        percent), one per ``(statistic, group, fraction)`` case, where ``fraction`` is the
        cohort's value as a fraction (0–1); each row keyed by ``(quantity, group)``."""
        return [
            keyed(
                landmark_row(
                    statistic,
                    pub(quantity, group),
                    100 * float(fraction),
                    self.role(quantity, group),
                    source=self.source(quantity),
                    note=self.note,
                ),
                (quantity, group),
            )
            for statistic, group, fraction in cases
        ]

    def p_row(self, statistic: str, quantity: str, group: str, p: float) -> ScorecardRow:
        """The scorecard row of the published p-value ``(quantity, group)`` against the
        cohort's ``p``, keyed by ``(quantity, group)``: met when ``p`` prints as the
        abstract printed it (``0.019`` means 0.0185 <= p < 0.0195)."""
        row = ScorecardRow(
            statistic,
            pub(quantity, group),
            float(f"{p:.3g}"),
            self.role(quantity, group),
            p_matches(p, printed(quantity, group)),
            tolerance="prints as the published p",
            unit="p",
            source=self.source(quantity),
            note=self.note,
        )
        return keyed(row, (quantity, group))

    def opening_glue(self) -> dict[str, object]:
        """Glue values of the chapter's opening: published arm sizes, the cohort's size and
        groups, the landmark and horizon (months), and the banner naming the cohort."""
        data, arms = self.data, self.arms
        sizes = ", ".join(f"{int((data['group'] == g).sum())} {in_prose(g)}" for g in arms)
        n = self.cohort.n
        banner = (
            f"This run uses the book's **synthetic** cohort: {n} patients ({sizes})."
            if self.synthetic
            else f"This run uses the cohort in `{self.cohort.source.name}`: {n} patients "
            f"({sizes}). The published values beside yours are those of the Alcalde-Mellado "
            "series."
        )
        return {
            "horizon": f"{self.horizon:g}" if self.horizon else "—",
            "n_total": int(pub("n_patients", "all")),
            "n_ino": int(pub("n_patients", "ino_arm")),
            "n_chemo": int(pub("n_patients", "chemo_arm")),
            "n_cohort": n,
            "arm_a": in_prose(arms[0]),
            "arm_b": in_prose(arms[1]),
            "landmark": f"{self.landmark:g}",
            "this_cohort": Markdown(self.this_cohort),
            "In_this_cohort": Markdown(f"In {self.this_cohort}"),
            "cohort_banner": Markdown(banner),
        }


def open_chapter(name: str, cohort: Cohort, landmarks) -> AlcaldeChapter:
    """The run of chapter ``name`` on ``cohort`` (read with the chapter registry's
    ``get_chapter(name).load_cohort``); ``landmarks``: the notebook's EFS landmarks in
    months (the first is used).

    On the book's synthetic cohort, the roles of the published numbers come from the
    generator's record (:func:`inoreport.studies.target_roles`) and the horizon is the last
    calibrated EFS landmark; on any other cohort there are neither. Raises ``ValueError``
    naming the file when the cohort has other than two groups.
    """
    if len(cohort.groups) != 2:
        raise ValueError(
            f"{cohort.source.name}: {len(cohort.groups)} groups {cohort.groups}; "
            "this chapter compares two"
        )
    roles = {}
    if is_shipped_cohort(cohort):
        from inoreport.studies import target_roles

        roles = target_roles(STUDY)
    return AlcaldeChapter(
        name=name,
        cohort=cohort,
        data=cohort.frame.copy(),
        landmark=float(landmarks[0]),
        roles=roles,
        horizon=calibrated_horizon(roles) if roles else None,
    )


def efs_plot(chapter: AlcaldeChapter, km, **options):
    """Kaplan–Meier event-free survival (%) against months from infusion, with the number at
    risk every 6 months and the curves past the calibrated horizon drawn as extrapolated;
    ``options`` (log-rank, colours, legend title) go to :func:`km_plot`."""
    return km_plot(
        km,
        risk_times=risk_times(chapter.data),
        xlabel="Months from infusion",
        ylabel="Event-free survival (%)",
        percent=True,
        synthetic=chapter.synthetic,
        endpoint="event-free survival",
        calibrated_horizon=chapter.horizon,
        **options,
    )
