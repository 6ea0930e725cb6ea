"""Per-patient event table for the Aertgeerts et al. (2025) case series.

Four children relapsed after tisagenlecleucel and were bridged with inotuzumab
ozogamicin (InO) to allogeneic transplant (allo-HSCT). Only the abstract is available,
and it reports almost everything as counts over the four ("3/4 CD19-negative") or as
facts about one unnamed patient (the anterior-eye-chamber relapses). This module turns
those published facts into one row per patient and item, and says on every row what is
published and what is our assumption:

* ``fact_status`` -- is the *value* on this row published?
  ``published_patient`` (true of this patient by the abstract, e.g. "all four reached
  CR", or the one patient with the eye relapse), ``published_aggregate`` (the abstract
  gives only a count; *which* patient has it is our allocation) or ``assumed``.
* ``timing_status`` -- is the *time* on this row published?
  ``published_patient``, ``anchor`` (allo-HSCT is time 0 by construction), ``derived``
  (computed from published numbers under our reading of the abstract: the eye-relapse
  patient's last follow-up, "25 months later", counted from the later eye relapse; see
  :func:`followup_readings`), ``assumed`` (a stated convention, see :class:`Assumptions`)
  or ``n/a`` (attributes have no time).

All times are in **months from allo-HSCT** (negative before transplant); day-based
conventions are converted with 365.25 / 12 days per month. The published numbers are
read from ``data/published/aertgeerts.csv``; the allocation of aggregate attributes to
patients (:class:`Allocation`) and the unpublished intervals (:class:`Assumptions`) are
parameters, so a reader can change them and see that no published constraint moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from inoreport import paths

#: Where :func:`build` writes the table.
CSV_PATH = paths.SYNTHETIC / "aertgeerts.csv"

SOURCE_NOTE = (
    "Aertgeerts et al. 2025, Cancer Reports, DOI 10.1002/cnr2.70177: abstract only. "
    "Per-patient event table for the 4 children; every row says whether its value and its "
    "time are published (for that patient, or only as a count over the four) or assumed. "
    "Allocation of counts to patients and all unpublished intervals are assumptions. "
    "Times in months from allo-HSCT. Illustrative, not data."
)

DAYS_PER_MONTH = 365.25 / 12
PATIENTS = ("P1", "P2", "P3", "P4")

FACT_STATUSES = ("published_patient", "published_aggregate", "assumed")
TIMING_STATUSES = ("published_patient", "anchor", "derived", "assumed", "n/a")

#: Column order of the CSV, with a one-line description (for a data dictionary).
COLUMNS = {
    "patient": "Case label P1-P4 (ours; the abstract names no patient)",
    "order": "Row order within a patient (chronological, attributes first)",
    "item": "Stable id of the attribute, interval or event",
    "kind": "attribute | interval | event",
    "label": "What the row is, in words",
    "value": "Value of an attribute or qualifier of an event (text)",
    "start_months": "Time of an event or start of an interval, months from allo-HSCT",
    "end_months": "End of an interval, months from allo-HSCT (blank for events/attributes)",
    "fact_status": "published_patient | published_aggregate (allocation assumed) | assumed",
    "timing_status": "published_patient | anchor | derived (from published numbers, our "
    "reading) | assumed | n/a",
    "basis": "Where the value and time come from, or which convention was used",
}

#: (quantity, group) in data/published/aertgeerts.csv for each fact this module reads.
QUANTITIES = {
    "n_patients": ("n_patients", "all"),
    "cart_after_second_relapse": ("tisagenlecleucel_after_second_relapse_count", "all"),
    "cart_refractory_first_relapse": ("tisagenlecleucel_refractory_first_relapse_count", "all"),
    "relapse_cd19neg_cd22pos": ("relapse_cd19neg_cd22pos_count", "all"),
    "relapse_cd19pos_cd22pos": ("relapse_cd19pos_cd22pos_count", "all"),
    "cr_after_cycle1": ("cr_after_ino_cycle1_count", "all"),
    "mrd_negative_after_cycle1": ("mrd_negative_after_ino_cycle1_count", "all"),
    "ino_cycles_min": ("ino_cycles_before_hsct_min", "all"),
    "ino_cycles_max": ("ino_cycles_before_hsct_max", "all"),
    "allo_hsct": ("allo_hsct_count", "all"),
    "post_hsct_relapse": ("post_hsct_relapse_count", "all"),
    "eye_relapse_first_months": ("eye_relapse_months_after_hsct", "first_episode"),
    "eye_relapse_second_months": ("eye_relapse_months_after_hsct", "second_episode"),
    "eye_patient_followup_months": ("followup_after_relapse_months", "relapsed_patient"),
    "others_followup_mean_months": ("followup_mean_months", "other_patients"),
}


class CaseSeriesInputError(ValueError):
    """The published facts or the allocation cannot describe this case series."""


@dataclass(frozen=True)
class PublishedFacts:
    """The abstract's numbers, as read from ``data/published``."""

    n_patients: int
    cart_after_second_relapse: int
    cart_refractory_first_relapse: int
    relapse_cd19neg_cd22pos: int
    relapse_cd19pos_cd22pos: int
    cr_after_cycle1: int
    mrd_negative_after_cycle1: int
    ino_cycles_min: int
    ino_cycles_max: int
    allo_hsct: int
    post_hsct_relapse: int
    eye_relapse_first_months: float
    eye_relapse_second_months: float
    eye_patient_followup_months: float
    others_followup_mean_months: float


@dataclass(frozen=True)
class Assumptions:
    """Conventions for every interval the abstract does not give (all are assumptions).

    Cycle lengths follow the usual InO schedule (a 21-day first cycle, 28-day later
    cycles); the other gaps are round numbers chosen only to draw a readable timeline.
    """

    cart_to_relapse_months: float = 6.0
    relapse_to_ino_days: int = 7
    first_cycle_days: int = 21
    later_cycle_days: int = 28
    last_cycle_to_hsct_days: int = 14
    relapse_to_radiotherapy_days: int = 14


@dataclass(frozen=True)
class Allocation:
    """Which patient carries each minority attribute (an assumption: the abstract does not say).

    Minority attributes are spread over different patients only so that each is visible
    once; any allocation implies combinations that the abstract does not report.
    """

    refractory_first_relapse: tuple[str, ...] = ("P1",)
    cd19_positive: tuple[str, ...] = ("P2",)
    mrd_positive: tuple[str, ...] = ("P3",)
    three_cycles: tuple[str, ...] = ("P2", "P4")
    eye_relapse: str = "P4"
    patients: tuple[str, ...] = field(default=PATIENTS)


# ---------------------------------------------------------------------------------------
# Published facts
# ---------------------------------------------------------------------------------------


def published_facts(frame: pd.DataFrame | None = None, source: str = "") -> PublishedFacts:
    """Read the abstract's numbers (default: ``inoreport.published.load("aertgeerts")``).

    ``frame`` needs columns ``quantity``, ``group`` and ``value`` (and optionally
    ``preferred``: only preferred rows are used). A missing, duplicated or non-numeric
    quantity raises :class:`CaseSeriesInputError` naming the file, column and row.
    """
    if frame is None:
        from inoreport import published

        frame, source = published.load("aertgeerts"), str(paths.PUBLISHED / "aertgeerts.csv")
    source = source or "published data"
    for column in ("quantity", "group", "value"):
        if column not in frame.columns:
            raise CaseSeriesInputError(f"{source}: column {column!r} missing; expected it")
    if "preferred" in frame.columns:
        frame = frame[frame["preferred"].astype(str).str.lower().isin(["true", "1"])]
    values = {}
    for name, (quantity, group) in QUANTITIES.items():
        rows = frame.index[(frame["quantity"] == quantity) & (frame["group"] == group)]
        if len(rows) != 1:
            raise CaseSeriesInputError(
                f"{source}, column 'quantity': {len(rows)} rows with {quantity!r} "
                f"(group {group!r}); expected exactly 1"
            )
        row = rows[0]
        line = int(frame.at[row, "line"]) if "line" in frame.columns else row + 2
        raw = frame.at[row, "value"]
        try:
            number = float(raw)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise CaseSeriesInputError(
                f"{source}, column 'value', row {line} ({quantity}): {raw!r}; expected a number"
            )
        values[name] = number
    ints = {f for f, t in PublishedFacts.__annotations__.items() if t == "int"}
    facts = PublishedFacts(**{k: int(v) if k in ints else v for k, v in values.items()})
    _check_facts(facts, source)
    return facts


def _check_facts(f: PublishedFacts, source: str) -> None:
    n = f.n_patients
    pairs = [
        ("cart_after_second_relapse + cart_refractory_first_relapse",
         f.cart_after_second_relapse + f.cart_refractory_first_relapse),
        ("relapse_cd19neg_cd22pos + relapse_cd19pos_cd22pos",
         f.relapse_cd19neg_cd22pos + f.relapse_cd19pos_cd22pos),
    ]  # fmt: skip
    for what, total in pairs:
        if total != n:
            raise CaseSeriesInputError(f"{source}: {what} = {total}; expected n_patients = {n}")
    if not f.mrd_negative_after_cycle1 <= f.cr_after_cycle1 <= n or f.allo_hsct > n:
        raise CaseSeriesInputError(
            f"{source}: MRD-negative <= CR <= n and HSCT <= n expected; got "
            f"{f.mrd_negative_after_cycle1}, {f.cr_after_cycle1}, {n}, {f.allo_hsct}"
        )
    if f.post_hsct_relapse != 1:
        raise CaseSeriesInputError(
            f"{source}: post_hsct_relapse_count = {f.post_hsct_relapse}; this table models the "
            "abstract's single post-transplant relapse (expected 1)"
        )
    if f.cr_after_cycle1 != n or f.allo_hsct != n:
        raise CaseSeriesInputError(
            f"{source}: this table assumes every child reached CR and allo-HSCT; "
            f"got CR {f.cr_after_cycle1}/{n}, HSCT {f.allo_hsct}/{n}"
        )


# ---------------------------------------------------------------------------------------
# The event table
# ---------------------------------------------------------------------------------------


def _months(days: float) -> float:
    return days / DAYS_PER_MONTH


def _check_allocation(a: Allocation, f: PublishedFacts) -> None:
    if len(a.patients) != f.n_patients:
        raise CaseSeriesInputError(
            f"Allocation.patients: {len(a.patients)} labels; expected n_patients = {f.n_patients}"
        )
    wanted = {
        "refractory_first_relapse": f.cart_refractory_first_relapse,
        "cd19_positive": f.relapse_cd19pos_cd22pos,
        "mrd_positive": f.n_patients - f.mrd_negative_after_cycle1,
    }
    for name, count in wanted.items():
        chosen = getattr(a, name)
        if len(set(chosen)) != count:
            raise CaseSeriesInputError(
                f"Allocation.{name}: {len(set(chosen))} patients {chosen}; "
                f"expected {count} (the published count)"
            )
    for name in ("refractory_first_relapse", "cd19_positive", "mrd_positive", "three_cycles"):
        unknown = set(getattr(a, name)) - set(a.patients)
        if unknown:
            raise CaseSeriesInputError(f"Allocation.{name}: unknown patients {sorted(unknown)}")
    if a.eye_relapse not in a.patients:
        raise CaseSeriesInputError(f"Allocation.eye_relapse: unknown patient {a.eye_relapse!r}")


def event_table(
    facts: PublishedFacts | None = None,
    assumptions: Assumptions | None = None,
    allocation: Allocation | None = None,
) -> pd.DataFrame:
    """One row per patient and item (attribute, interval or event); columns as :data:`COLUMNS`.

    Times are months from allo-HSCT, rounded to 0.01 month. The book's reading of the
    follow-up sentences (see :func:`followup_readings`): the eye-relapse patient's last
    follow-up is ``eye_patient_followup_months`` after the *later* eye relapse, and the
    mean follow-up of the *other* patients, measured from allo-HSCT, is
    ``others_followup_mean_months``; each of them is drawn at that mean, since the spread
    is not published.
    """
    f = facts if facts is not None else published_facts()
    s = assumptions if assumptions is not None else Assumptions()
    a = allocation if allocation is not None else Allocation()
    _check_allocation(a, f)

    rows: list[dict] = []
    agg = "published_aggregate"

    def add(patient, item, kind, label, value, start, end, fact, timing, basis):
        rows.append(
            dict(
                patient=patient,
                order=len([r for r in rows if r["patient"] == patient]) + 1,
                item=item,
                kind=kind,
                label=label,
                value=value,
                start_months=start,
                end_months=end,
                fact_status=fact,
                timing_status=timing,
                basis=basis,
            )
        )

    n = f.n_patients
    cycles_basis = (
        f"abstract: {f.ino_cycles_min} or {f.ino_cycles_max} InO cycles before allo-HSCT; "
        f"number per patient and the split not published"
    )
    # fmt: off
    for p in a.patients:
        refractory = p in a.refractory_first_relapse
        cd19_pos = p in a.cd19_positive
        mrd_pos = p in a.mrd_positive
        eye = p == a.eye_relapse
        cycles = f.ino_cycles_max if p in a.three_cycles else f.ino_cycles_min
        phenotype = "CD19+/CD22+" if cd19_pos else "CD19-/CD22+"
        mrd = "MRD-positive" if mrd_pos else "MRD-negative"

        # Attributes (no time)
        add(p, "cart_indication", "attribute", "Indication for tisagenlecleucel",
            "refractory first relapse" if refractory else "second relapse", None, None, agg, "n/a",
            f"abstract: {f.cart_after_second_relapse}/{n} after second relapse, "
            f"{f.cart_refractory_first_relapse}/{n} refractory first relapse; allocation assumed")
        add(p, "relapse_phenotype", "attribute", "Phenotype at relapse after tisagenlecleucel",
            phenotype, None, None, agg, "n/a",
            f"abstract: {f.relapse_cd19neg_cd22pos}/{n} CD19-/CD22+, "
            f"{f.relapse_cd19pos_cd22pos}/{n} CD19+/CD22+; allocation assumed")
        add(p, "response_after_cycle1", "attribute", "Response after InO cycle 1", "CR", None, None,
            "published_patient", "n/a", f"abstract: CR after cycle 1 in {f.cr_after_cycle1}/{n}")
        add(p, "mrd_after_cycle1", "attribute", "MRD after InO cycle 1", mrd, None, None, agg, "n/a",
            f"abstract: {f.mrd_negative_after_cycle1}/{n} without measurable residual disease; "
            "allocation and MRD level not published")
        add(p, "ino_cycles", "attribute", "InO cycles before allo-HSCT", str(cycles), None, None,
            "assumed", "n/a", cycles_basis)
        add(p, "post_hsct_relapse", "attribute", "Relapse after allo-HSCT",
            "isolated extramedullary, both anterior eye chambers" if eye else "none reported",
            None, None, "published_patient", "n/a",
            "abstract: one patient relapsed in both anterior eye chambers; the others were in CR "
            "at last follow-up")
        add(p, "status_last_followup", "attribute", "Status at last follow-up", "CR", None, None,
            "published_patient", "n/a", "abstract: all four in CR at last follow-up")

        # Before allo-HSCT: built backwards from time 0 with the stated conventions.
        ino_end = -_months(s.last_cycle_to_hsct_days)
        lengths = [s.first_cycle_days] + [s.later_cycle_days] * (cycles - 1)
        ino_start = ino_end - _months(sum(lengths))
        relapse = ino_start - _months(s.relapse_to_ino_days)
        cart = relapse - s.cart_to_relapse_months
        convention = "assumed convention (see Assumptions)"

        add(p, "tisagenlecleucel", "event", "Tisagenlecleucel infusion", "", cart, None,
            "published_patient", "assumed",
            "abstract: all received tisagenlecleucel; time to relapse not published "
            f"(drawn as {s.cart_to_relapse_months:g} months)")
        add(p, "after_tisagenlecleucel", "interval", "Tisagenlecleucel to relapse", "", cart,
            relapse, "published_patient", "assumed", convention)
        add(p, "relapse_after_cart", "event", "Relapse after tisagenlecleucel", phenotype, relapse,
            None, agg, "assumed", "phenotype: published count, allocation assumed; time not published")
        add(p, "relapse_to_ino", "interval", "Relapse to start of InO", "", relapse, ino_start,
            "published_patient", "assumed", f"{convention}: {s.relapse_to_ino_days} days")
        start = ino_start
        for k, length in enumerate(lengths, start=1):
            end = start + _months(length)
            add(p, f"ino_cycle_{k}", "interval", f"InO cycle {k}", str(k), start, end,
                "published_patient" if k <= f.ino_cycles_min else "assumed", "assumed",
                f"{convention}: cycle length {length} days; {cycles_basis}")
            if k == 1:
                add(p, "cr_after_cycle1", "event", "CR after InO cycle 1", mrd, end, None, agg,
                    "assumed", "CR in all (published); MRD status: published count, allocation "
                    "assumed; assessed at the end of cycle 1 (assumed)")
            start = end
        add(p, "ino_to_hsct", "interval", "End of InO to allo-HSCT", "", ino_end, 0.0,
            "published_patient", "assumed", f"{convention}: {s.last_cycle_to_hsct_days} days")
        add(p, "allo_hsct", "event", "Allogeneic HSCT", "", 0.0, None, "published_patient",
            "anchor", f"abstract: {f.allo_hsct}/{n} underwent allo-HSCT; time 0 by construction")

        # After allo-HSCT: the follow-up interval first (it starts at 0), then events in order.
        if eye:
            later = f.eye_relapse_second_months
            last = later + f.eye_patient_followup_months
            fu_timing = "derived"
            fu_basis = (f"derived: the abstract's {f.eye_patient_followup_months:g} months to last "
                        "follow-up, counted (book reading) from the later eye relapse at "
                        f"{later:g} months; the abstract does not say from when (other readings: "
                        "see followup_readings)")
        else:
            last = f.others_followup_mean_months
            fu_timing = "assumed"
            fu_basis = (f"abstract: mean follow-up {f.others_followup_mean_months:g} months for the "
                        "other patients (book reading: from allo-HSCT); individual values not "
                        "published, each drawn at the mean")
        add(p, "after_hsct", "interval", "Allo-HSCT to last follow-up", "", 0.0, last,
            "published_patient", fu_timing, fu_basis)
        if eye:
            for k, t in enumerate((f.eye_relapse_first_months, later), start=1):
                add(p, f"eye_relapse_{k}", "event", "Anterior-eye-chamber relapse",
                    "isolated extramedullary", t, None, "published_patient", "published_patient",
                    "abstract: relapse in both anterior eye chambers at "
                    f"{f.eye_relapse_first_months:g} and {later:g} months after allo-HSCT")
            add(p, "radiotherapy", "event", "Palliative radiotherapy", "",
                later + _months(s.relapse_to_radiotherapy_days), None, "published_patient",
                "assumed", "abstract: palliative radiotherapy; timing not published (drawn "
                f"{s.relapse_to_radiotherapy_days} days after the later eye relapse)")
        add(p, "last_followup", "event", "Last follow-up in CR", "CR", last, None,
            "published_patient", fu_timing, fu_basis)
    # fmt: on

    table = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("start_months", "end_months"):
        table[column] = table[column].astype(float).round(2)
    return table


def build(path: Path | str | None = None, **kwargs) -> pd.DataFrame:
    """Build the event table and write it as CSV (byte-deterministic); return the table.

    ``path`` defaults to ``data/synthetic/aertgeerts.csv``; keyword arguments go to
    :func:`event_table` (``facts``, ``assumptions``, ``allocation``).
    """
    table = event_table(**kwargs)
    target = Path(path) if path is not None else CSV_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    text = table.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    target.write_text(text, encoding="utf-8")
    return table


def load(path: Path | str | None = None) -> pd.DataFrame:
    """Read the event table written by :func:`build`, checking its columns and statuses."""
    source = Path(path) if path is not None else CSV_PATH
    table = pd.read_csv(
        source, keep_default_na=False, na_values={"start_months": [""], "end_months": [""]}
    )
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CaseSeriesInputError(f"{source}: columns {missing} missing; expected {list(COLUMNS)}")
    for column, allowed in (("fact_status", FACT_STATUSES), ("timing_status", TIMING_STATUSES)):
        bad = table.index[~table[column].isin(allowed)]
        if len(bad):
            row = bad[0]
            raise CaseSeriesInputError(
                f"{source}, column {column!r}, row {row + 2}: {table.at[row, column]!r}; "
                f"expected one of {allowed}"
            )
    return table


# ---------------------------------------------------------------------------------------
# Checks and views
# ---------------------------------------------------------------------------------------


def _value(table: pd.DataFrame, item: str) -> pd.Series:
    return table.loc[table["item"] == item].set_index("patient")["value"]


def _time(table: pd.DataFrame, item: str) -> pd.Series:
    return table.loc[table["item"] == item].set_index("patient")["start_months"]


def eye_relapse_patient(table: pd.DataFrame) -> str:
    """Label of the patient with the anterior-eye-chamber relapses."""
    patients = table.loc[table["item"] == "eye_relapse_1", "patient"].unique()
    if len(patients) != 1:
        raise CaseSeriesInputError(f"event table: {len(patients)} eye-relapse patients; expected 1")
    return str(patients[0])


def consistency_checks(table: pd.DataFrame, facts: PublishedFacts) -> pd.DataFrame:
    """Recount the table's published aggregates; one row per check.

    Columns: ``statistic``, ``fact`` (a :class:`PublishedFacts` field), ``source``
    (``quantity [group]`` in data/published/aertgeerts.csv), ``published``, ``reproduced``,
    ``unit``, ``tolerance``, ``match`` (exact equality for counts; within 0.05 month, the printed
    precision, for the mean follow-up).
    """
    eye = eye_relapse_patient(table)
    last = _time(table, "last_followup")
    cycles = _value(table, "ino_cycles").astype(int)
    others = last.drop(eye)
    checks = [
        ("Patients", "n_patients", facts.n_patients, table["patient"].nunique()),
        ("Tisagenlecleucel after second relapse", "cart_after_second_relapse",
         facts.cart_after_second_relapse, (_value(table, "cart_indication") == "second relapse").sum()),
        ("Tisagenlecleucel for refractory first relapse", "cart_refractory_first_relapse",
         facts.cart_refractory_first_relapse,
         (_value(table, "cart_indication") == "refractory first relapse").sum()),
        ("Relapse CD19-/CD22+", "relapse_cd19neg_cd22pos", facts.relapse_cd19neg_cd22pos,
         (_value(table, "relapse_phenotype") == "CD19-/CD22+").sum()),
        ("Relapse CD19+/CD22+", "relapse_cd19pos_cd22pos", facts.relapse_cd19pos_cd22pos,
         (_value(table, "relapse_phenotype") == "CD19+/CD22+").sum()),
        ("CR after InO cycle 1", "cr_after_cycle1", facts.cr_after_cycle1,
         (_value(table, "response_after_cycle1") == "CR").sum()),
        ("MRD-negative after InO cycle 1", "mrd_negative_after_cycle1",
         facts.mrd_negative_after_cycle1, (_value(table, "mrd_after_cycle1") == "MRD-negative").sum()),
        ("Fewest InO cycles", "ino_cycles_min", facts.ino_cycles_min, cycles.min()),
        ("Most InO cycles", "ino_cycles_max", facts.ino_cycles_max, cycles.max()),
        ("Allo-HSCT", "allo_hsct", facts.allo_hsct, (table["item"] == "allo_hsct").sum()),
        ("Patients with an eye-chamber relapse", "post_hsct_relapse", facts.post_hsct_relapse,
         table.loc[table["item"] == "eye_relapse_1", "patient"].nunique()),
        ("First eye relapse, months after allo-HSCT", "eye_relapse_first_months",
         facts.eye_relapse_first_months, _time(table, "eye_relapse_1")[eye]),
        ("Second eye relapse, months after allo-HSCT", "eye_relapse_second_months",
         facts.eye_relapse_second_months, _time(table, "eye_relapse_2")[eye]),
        ("Eye-relapse patient: months from later eye relapse to last follow-up",
         "eye_patient_followup_months", facts.eye_patient_followup_months,
         round(last[eye] - _time(table, "eye_relapse_2")[eye], 2)),
        ("Other patients: mean months from allo-HSCT to last follow-up",
         "others_followup_mean_months", facts.others_followup_mean_months,
         round(float(others.mean()), 2)),
        ("In CR at last follow-up", "n_patients", facts.n_patients,
         (_value(table, "status_last_followup") == "CR").sum()),
    ]  # fmt: skip
    frame = pd.DataFrame(checks, columns=["statistic", "fact", "published", "reproduced"])
    frame.insert(2, "source", [f"{QUANTITIES[f][0]} [{QUANTITIES[f][1]}]" for f in frame["fact"]])
    frame["reproduced"] = frame["reproduced"].astype(float)
    frame["published"] = frame["published"].astype(float)
    frame["unit"] = [
        "months" if "months" in s else "cycles" if "cycles" in s else "patients"
        for s in frame["statistic"]
    ]
    printed = frame["fact"].eq("others_followup_mean_months")  # printed to 0.1 month
    tolerance = printed.map({True: 0.05, False: 1e-9})
    frame["tolerance"] = printed.map({True: "±0.05 (printed precision)", False: "equal"})
    frame["match"] = (frame["published"] - frame["reproduced"]).abs() <= tolerance
    return frame


def followup_readings(table: pd.DataFrame, facts: PublishedFacts) -> pd.DataFrame:
    """What the two follow-up sentences imply under each reading of "from when".

    One row per reading, with the eye-relapse patient's follow-up from allo-HSCT and the
    other three patients' mean follow-up from allo-HSCT that the reading implies (months;
    NaN when the reading needs a date the abstract does not give), and ``book`` = True for
    the reading this chapter uses.
    """
    eye = eye_relapse_patient(table)
    first, second = facts.eye_relapse_first_months, facts.eye_relapse_second_months
    fu25, mean = facts.eye_patient_followup_months, facts.others_followup_mean_months
    book_eye = second + fu25
    pre_hsct = -_time(table, "relapse_after_cart").drop(eye)  # assumed relapse-to-HSCT months
    ino_to_hsct = -_time(table, "ino_cycle_1").drop(eye)
    n, k = facts.n_patients, facts.n_patients - 1
    rows = [
        (f"Eye-relapse child: {fu25:g} months after the later eye relapse", "eye", book_eye, math.nan, True),
        (f"Eye-relapse child: {fu25:g} months after the first eye relapse", "eye", first + fu25, math.nan, False),
        (f"Eye-relapse child: {fu25:g} months after allo-HSCT", "eye", fu25, math.nan, False),
        (f"Other children: mean of the {k}, from allo-HSCT", "others", math.nan, mean, True),
        (f"Other children: mean taken over all {n}, from allo-HSCT (eye-relapse child as in the book reading)", "others",
         math.nan, (n * mean - book_eye) / k, False),
        (f"Other children: mean of the {k}, from the start of InO (our assumed InO-to-HSCT time)",
         "others", math.nan, mean - float(ino_to_hsct.mean()), False),
        (f"Other children: mean of the {k}, from relapse after tisagenlecleucel (assumed times)",
         "others", math.nan, mean - float(pre_hsct.mean()), False),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=[
            "reading",
            "about",
            "eye_patient_fu_from_hsct",
            "others_mean_fu_from_hsct",
            "book",
        ],
    )
    return frame.round({"eye_patient_fu_from_hsct": 2, "others_mean_fu_from_hsct": 2})


_MARK = {"published_patient": "*", "published_aggregate": "†", "derived": "§", "assumed": "‡",
         "anchor": "", "n/a": ""}  # fmt: skip
MARK_LEGEND = (
    "* published for this patient · † published only as a count over all the children; which "
    "patient is our assumption · § derived from published numbers under our reading (the "
    "abstract does not say from when the follow-up is counted) · ‡ not published: assumed "
    "(stated convention)"
)
PATIENT_TABLE_CAPTION = (
    "Per-patient event table (synthetic: illustrative, partly assumed). One column per "
    "child; which child has which attribute, and every time before transplant, are our "
    "assumptions, so read each row on its own. Times in months from allo-HSCT."
)


#: Joins a value to its mark, so that a narrow column never wraps the mark alone.
NBSP = "\u00a0"


def patient_table(table: pd.DataFrame) -> pd.DataFrame:
    """Wide, readable view: one row per item, one column per patient, each cell marked.

    Values carry the mark of their ``fact_status``; times (months from allo-HSCT) the
    mark of their ``timing_status`` (see :data:`MARK_LEGEND`), joined by a no-break space.
    """
    eye = eye_relapse_patient(table)
    patients = list(dict.fromkeys(table["patient"]))

    def fact(item):
        rows = table.loc[table["item"] == item].set_index("patient")
        return {
            p: f"{rows.at[p, 'value']}{NBSP}{_MARK[rows.at[p, 'fact_status']]}".replace(
                "D19-", "D19−"
            )
            for p in rows.index
        }

    def when(item, end=False):
        rows = table.loc[table["item"] == item].set_index("patient")
        column = "end_months" if end else "start_months"
        return {
            p: f"{rows.at[p, column]:.1f}{NBSP}{_MARK[rows.at[p, 'timing_status']]}".replace(
                "-", "−"
            )
            for p in rows.index
        }

    eye_cells = {p: "–" for p in patients}
    eye_rows = table.loc[table["item"].str.startswith("eye_relapse_")]
    eye_cells[eye] = " and ".join(f"{t:g}" for t in eye_rows["start_months"]) + NBSP + "*"
    radiotherapy = {p: "–" for p in patients} | when("radiotherapy")
    display = [
        ("Indication for tisagenlecleucel", fact("cart_indication")),
        ("Tisagenlecleucel (months from allo-HSCT)", when("tisagenlecleucel")),
        ("Relapse after tisagenlecleucel (months)", when("relapse_after_cart")),
        ("Phenotype at that relapse", fact("relapse_phenotype")),
        ("Start of InO (months)", when("ino_cycle_1")),
        ("Response after InO cycle 1", fact("response_after_cycle1")),
        ("MRD after InO cycle 1", fact("mrd_after_cycle1")),
        ("InO cycles", fact("ino_cycles")),
        ("Allo-HSCT (months)", {p: "0 (time origin)" for p in patients}),
        ("Relapse after allo-HSCT", fact("post_hsct_relapse")),
        ("Eye-chamber relapses (months)", eye_cells),
        ("Palliative radiotherapy (months)", radiotherapy),
        ("Last follow-up (months)", when("last_followup")),
        ("Status at last follow-up", fact("status_last_followup")),
    ]
    wide = pd.DataFrame({label: cells for label, cells in display}).T[patients]
    wide.columns = [f"Patient {p[1:]}" for p in patients]
    return wide


def patient_table_html(table: pd.DataFrame, number: int | None = None) -> str:
    """:func:`patient_table` as an HTML table with a caption that says it is synthetic
    (illustrative, partly assumed) and the mark legend as a footnote under it."""
    import html

    wide = patient_table(table)
    label = f"Table {number}. " if number is not None else ""
    caption = (
        '<caption style="caption-side: top; text-align: left">'
        f"{html.escape(label + PATIENT_TABLE_CAPTION)}</caption>"
    )
    body = wide.to_html(classes="dataframe aertgeerts-patients", justify="left")
    body = body.replace("<thead>", caption + "\n  <thead>", 1)
    note = f"<p><small>{html.escape(MARK_LEGEND)}.</small></p>"
    # a slightly smaller font, so that five columns fit the page width
    return f'<div style="font-size: 0.9em; overflow-x: auto">\n{body}\n</div>\n{note}'


def swimmer_frames(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The event table in the shape of ``inoreport.figures.plots.swimmer_plot``.

    Returns ``lanes`` [patient, start, end, kind, assumed, derived] and ``events``
    [patient, time, event, assumed, derived]; ``assumed`` is True where the *timing* is
    not published, ``derived`` where it is computed from published numbers under our
    reading. A derived interval is split at the patient's last event with a published time
    inside it: the part up to that event is published, the rest derived. InO cycles share
    one kind; the relapse and CR events carry their phenotype or MRD status.
    """
    lane_kind = {
        "after_tisagenlecleucel": "after tisagenlecleucel",
        "relapse_to_ino": "relapse to InO",
        "ino_to_hsct": "InO to allo-HSCT",
        "after_hsct": "after allo-HSCT",
    }
    published_times = table.loc[
        (table["kind"] == "event") & (table["timing_status"] == "published_patient")
    ]
    rows = []
    for r in table.loc[table["kind"] == "interval"].itertuples():
        kind = "InO cycle" if r.item.startswith("ino_cycle_") else lane_kind[r.item]
        base = dict(patient=r.patient, kind=kind, assumed=r.timing_status == "assumed")
        if r.timing_status != "derived":
            rows.append(base | dict(start=r.start_months, end=r.end_months, derived=False))
            continue
        inside = published_times.loc[
            (published_times["patient"] == r.patient)
            & published_times["start_months"].between(r.start_months, r.end_months)
        ]
        split = float(inside["start_months"].max()) if len(inside) else r.start_months
        if split > r.start_months:
            rows.append(base | dict(start=r.start_months, end=split, derived=False))
        rows.append(base | dict(start=split, end=r.end_months, derived=True))
    lanes = pd.DataFrame(rows, columns=["patient", "start", "end", "kind", "assumed", "derived"])

    def event_name(row) -> str:
        if row["item"] == "relapse_after_cart":
            return f"relapse, {row['value']}".replace("-", "−")
        if row["item"] == "cr_after_cycle1":
            return f"CR, {row['value']}"
        if row["item"].startswith("eye_relapse_"):
            return "eye-chamber relapse"
        return {
            "tisagenlecleucel": "tisagenlecleucel",
            "allo_hsct": "allo-HSCT",
            "radiotherapy": "radiotherapy",
            "last_followup": "last follow-up, in CR",
        }[row["item"]]

    points = table.loc[table["kind"] == "event"]
    events = pd.DataFrame(
        {
            "patient": points["patient"],
            "time": points["start_months"],
            "event": points.apply(event_name, axis=1),
            "assumed": points["timing_status"].eq("assumed"),
            "derived": points["timing_status"].eq("derived"),
        }
    ).reset_index(drop=True)
    return lanes, events


# ---------------------------------------------------------------------------------------
# Figure: inoreport.figures.plots.swimmer_plot, with the InO weeks before transplant drawn wider
# ---------------------------------------------------------------------------------------

ILLUSTRATIVE_NOTE = "Illustrative timeline: intervals not published are assumed"

#: Lane colours by phase (Paul Tol's colour-blind-safe hues).
LANE_COLOURS = {
    "after tisagenlecleucel": "#bbbbbb",
    "relapse to InO": "#ee7733",
    "InO cycle": "#0077bb",
    "InO to allo-HSCT": "#999999",
    "after allo-HSCT": "#009988",
}
#: Event markers for ``plots.swimmer_plot(event_styles=...)``.
EVENT_STYLES = {
    "tisagenlecleucel": {"marker": "^", "color": "#332288", "size": 75},
    "relapse, CD19−/CD22+": {"marker": "X", "color": "#cc3311", "size": 90},
    "relapse, CD19+/CD22+": {"marker": "P", "color": "#cc3311", "size": 90},
    "CR, MRD-negative": {"marker": "o", "color": "#33bbee", "size": 70},
    "CR, MRD-positive": {"marker": "o", "color": "#ddcc77", "size": 70},
    "allo-HSCT": {"marker": "D", "color": "#000000", "size": 55},
    "eye-chamber relapse": {"marker": "*", "color": "#ee3377", "size": 200},
    "radiotherapy": {"marker": "s", "color": "#ee7733", "size": 60},
    "last follow-up, in CR": {"marker": ">", "color": "#009988", "size": 80},
}
#: Legend labels shorter than ``plots.swimmer_plot``'s, so three columns fit the page.
_SHORT_LABELS = {
    "timing assumed (not published)": "interval assumed",
    "event time assumed (not published)": "time assumed",
}
DERIVED_COLOUR = "#222222"


def stretch_window(table: pd.DataFrame) -> float:
    """Months before allo-HSCT drawn wider: from just before the earliest relapse, whole months."""
    relapse = float(table.loc[table["item"] == "relapse_after_cart", "start_months"].min())
    return float(math.ceil(-relapse + 0.25))


def _time_scale(window: float, stretch: float):
    """Forward and inverse maps of the piecewise-linear time axis (months -> axis units)."""
    import numpy as np

    w, k = float(window), float(stretch)

    def forward(t):
        t = np.asarray(t, dtype=float)
        return np.where(t >= 0, t, np.where(t >= -w, k * t, -k * w + (t + w)))

    def inverse(u):
        u = np.asarray(u, dtype=float)
        return np.where(u >= 0, u, np.where(u >= -k * w, u / k, u + k * w - w))

    return forward, inverse


def swimmer(table: pd.DataFrame, stretch: float = 5.0, synthetic: bool = True):
    """The case-series swimmer plot (a matplotlib Figure) from the event table.

    Drawn by :func:`inoreport.figures.plots.swimmer_plot` (assumed intervals hatched, assumed
    event times ringed); derived times (see :func:`swimmer_frames`) get a dotted bar and a
    square ring. The time axis is piecewise linear: the last :func:`stretch_window` months
    before transplant (relapse, InO cycles, remission) are drawn ``stretch`` times wider
    than the rest, so that their markers do not overlap; the axis label, a break mark on
    the axis and two region labels say so. Markers that would overlap on one bar (the
    radiotherapy just after the later eye relapse) are lifted.
    """
    import numpy as np
    from matplotlib import transforms
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from inoreport.figures import plots

    lanes, events = swimmer_frames(table)
    patients = list(dict.fromkeys(table["patient"]))
    ypos = {p: i for i, p in enumerate(patients)}
    fig = plots.swimmer_plot(
        lanes.loc[~lanes["derived"]],
        events,
        colors=LANE_COLOURS,
        event_styles=EVENT_STYLES,
        patient_labels={p: f"Patient {p[1:]}" for p in patients},
        xlabel="Months from allogeneic HSCT",
        title=ILLUSTRATIVE_NOTE.replace(": ", ":\n"),
        synthetic=synthetic,
    )
    with plots.style():  # the house rc, so that added text uses the same fonts
        ax = fig.axes[0]
        window, k = stretch_window(table), float(stretch)
        forward, inverse = _time_scale(window, k)
        ax.set_xscale("function", functions=(forward, inverse))

        # Derived times: the bar beyond the last published event dotted, the marker in a square.
        for r in lanes.loc[lanes["derived"]].itertuples():
            colour = LANE_COLOURS[r.kind]
            ax.barh(ypos[r.patient], r.end - r.start, left=r.start, height=0.5, zorder=2,
                    facecolor=to_rgba(colour, 0.45), edgecolor=colour, hatch="..",
                    linewidth=1.1, gid=f"lane-derived-{r.Index}")  # fmt: skip
        for r in events.loc[events["derived"]].itertuples():
            size = EVENT_STYLES[r.event]["size"]
            ax.scatter([r.time], [ypos[r.patient]], marker="s", s=size * 3.3, facecolor="none",
                       edgecolor=DERIVED_COLOUR, linewidth=1.2, linestyle=(0, (1, 1.2)), zorder=4,
                       gid=f"event-derived-{r.Index}")  # fmt: skip

        first = min(lanes["start"].min(), events["time"].min())
        last = max(lanes["end"].max(), events["time"].max())
        ax.set_xlim(first - 1.2, last + 2.0)
        early = np.arange(-window - 4.0, first, -4.0)[::-1]
        ticks = np.concatenate([early, np.arange(-window, 0.5, 1.0), np.arange(6, last + 1.5, 6)])
        ax.set_xticks(ticks, [f"{t:g}".replace("-", "−") for t in ticks])
        ax.set_xlabel(
            f"Months from allogeneic HSCT (the last {window:g} months before it drawn {k:g}× wider)"
        )
        # a break mark on the axis, and a faint line, where the scale changes
        ax.plot([-window], [0], transform=ax.get_xaxis_transform(), marker=(2, 0, -30),
                markersize=14, color="#222222", clip_on=False, zorder=6)  # fmt: skip
        ax.axvline(-window, color="#bbbbbb", linewidth=0.8, linestyle=(0, (2, 2)), zorder=1)
        band = transforms.blended_transform_factory(ax.transData, ax.transAxes)
        for x, text, ha in (
            (-window / 2, f"← {k:g}× wider →", "center"),
            (0.4, "after allo-HSCT", "left"),
        ):
            ax.text(x, 0.995, text, transform=band, ha=ha, va="top", fontsize=12, color="#444444")

        # Legend under the plot in three columns of six: phases, events before
        # transplant, events after it and the marks for assumed and derived times.
        legend = ax.get_legend()
        found = {
            t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
        }
        legend.remove()
        derived_bar = Patch(facecolor=to_rgba(LANE_COLOURS["after allo-HSCT"], 0.45),
                            edgecolor=LANE_COLOURS["after allo-HSCT"], hatch="..",
                            label="follow-up derived")  # fmt: skip
        derived_ring = Line2D([], [], linestyle="none", marker="s", markersize=12,
                              markerfacecolor="none", markeredgecolor=DERIVED_COLOUR,
                              label="time derived")  # fmt: skip
        order = [
            *[kind for kind in LANE_COLOURS if kind in found],
            "timing assumed (not published)",
            *[name for name in EVENT_STYLES if name in found],
            "event time assumed (not published)",
        ]
        handles = [found[name] for name in order if name in found]
        labels = [_SHORT_LABELS.get(name, name) for name in order if name in found]
        handles += [derived_ring, derived_bar]
        labels += ["time derived (our reading)", "follow-up derived"]
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
                  fontsize=12, handlelength=1.8, columnspacing=1.2, frameon=False)  # fmt: skip
        fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() + 2.4)

        # Lift a marker (and its rings) that sits within ~1 axis unit of the previous one on a bar.
        points: dict[tuple[float, float], list] = {}
        for collection in ax.collections:
            offsets = np.asarray(collection.get_offsets())
            if offsets.shape == (1, 2):
                points.setdefault((float(offsets[0, 0]), float(offsets[0, 1])), []).append(
                    collection
                )
        previous: dict[float, tuple[float, bool]] = {}
        for (x, y), collections in sorted(
            points.items(), key=lambda item: (item[0][1], item[0][0])
        ):
            u = float(forward(x))
            lift = y in previous and u - previous[y][0] < 1.0 and not previous[y][1]
            if lift:
                for collection in collections:
                    collection.set_offsets([[x, y - 0.36]])  # the y axis runs top to bottom
            previous[y] = (u, lift)
    return fig


def figure_alt_text(table: pd.DataFrame, stretch: float = 5.0) -> str:
    """Alt text for :func:`swimmer`, built from the table (no number typed)."""
    eye = eye_relapse_patient(table)
    times = table.loc[table["item"].str.startswith("eye_relapse_"), "start_months"]
    last = _time(table, "last_followup")
    n = table["patient"].nunique()
    later = times.iloc[1]
    return (
        f"Synthetic, partly assumed swimmer plot of the {n} children in the case series, one "
        "horizontal bar each, on a time axis in months from allogeneic stem-cell transplant; "
        f"the last {stretch_window(table):g} months before transplant are drawn {stretch:g} "
        "times wider. Before transplant: tisagenlecleucel, relapse with its CD19/CD22 "
        "phenotype, inotuzumab cycles and complete remission after cycle 1, all on hatched "
        "bars because those intervals are assumed. After transplant: patient "
        f"{eye[1:]} has anterior-eye-chamber relapses at {times.iloc[0]:g} and {later:g} "
        f"months (published), then radiotherapy, and is in remission at {last[eye]:g} months, "
        f"a time derived by counting the published {last[eye] - later:g} months of follow-up "
        "from the later eye relapse (dotted bar, square ring); the others are drawn in "
        f"remission to {last.drop(eye).iloc[0]:g} months, their published mean follow-up."
    )
