"""Treatment regimens as data: which drug, in which cycles, on which days, at what dose.

A regimen is a tidy table, one row per *administration pattern* (a drug given on one day of
a run of cycles, or across a whole phase), read from a CSV such as
``data/regimens/`` (one file per published regimen). Columns (:data:`COLUMNS`):

==================  ==========================================================================
``schedule``        version of the protocol (``original``, ``amended`` …); one panel each
``phase``           ``intensive``, ``maintenance`` …, drawn left to right in file order
``drug``            drug or backbone name
``cycle_first``     first cycle of the phase this row covers (empty: the whole phase)
``cycle_last``      last cycle (empty with ``cycle_first`` set: goes on, number not stated)
``day``             day within each cycle (empty: not stated)
``dose``            dose on that day (per cycle when ``day`` is empty); empty: not stated
``dose_max``        upper end when a dose range is printed (``1.3–1.8``)
``unit``            dose unit (``mg/m2``); required with a dose
``route``           ``IV``, ``continuous infusion`` …; empty: not stated
``duration``        length of a phase given as time rather than cycles (``3`` + ``years``)
``duration_unit``   ``days`` / ``weeks`` / ``months`` / ``years``
``after_every``     one cycle of this drug after every N cycles of ``after_every_drug``
``after_every_drug``the drug counted by ``after_every`` (same schedule and phase)
``certainty``       ``stated`` (in the source) or ``inferred`` (drawn hatched; say why in note)
``note``            free text
``source``          where the row was transcribed from (file and section)
==================  ==========================================================================

Functions return data (:func:`doses_by_cycle`, :func:`cumulative_dose`,
:func:`schedule_table`); :func:`schedule_plot` draws the regimen as a schedule chart (one
panel per schedule version, one lane per drug, cycles across), and
:func:`adverse_event_plot` draws a regimen's adverse-event frequencies as a ranked chart.
Nothing here knows about any one study. Bad input fails with
``<file>, row N, column X: value ...; expected ...`` (row N as a spreadsheet shows it).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle

from inoreport.figures.base import (
    PAGE_WIDTH_IN,
    PALETTE,
    PlotInputError,
    new_figure,
    set_alt,
    stamp_synthetic,
    style,
)
from inoreport.formatting import whole_percent

__all__ = [
    "CERTAINTY",
    "COLUMNS",
    "CumulativeDose",
    "Regimen",
    "RegimenInputError",
    "adverse_event_plot",
    "cumulative_dose",
    "doses_by_cycle",
    "read_regimen",
    "regimen_from_frame",
    "schedule_plot",
    "schedule_table",
]

COLUMNS = (
    "schedule",
    "phase",
    "drug",
    "cycle_first",
    "cycle_last",
    "day",
    "dose",
    "dose_max",
    "unit",
    "route",
    "duration",
    "duration_unit",
    "after_every",
    "after_every_drug",
    "certainty",
    "note",
    "source",
)
CERTAINTY = ("stated", "inferred")
DURATION_UNITS = ("days", "weeks", "months", "years")
_INTEGER = ("cycle_first", "cycle_last", "day", "after_every")
_NUMBER = ("dose", "dose_max", "duration")
_TEXT = ("schedule", "phase", "drug", "unit", "route", "duration_unit", "after_every_drug",
         "certainty", "note", "source")  # fmt: skip


class RegimenInputError(ValueError):
    """A regimen table that does not meet its schema; the message names file, row and column."""


def _fail(name: str, line: int | None, column: str, raw, expected: str):
    where = f"{name}, row {line}" if line is not None else name
    raise RegimenInputError(f"{where}, column {column!r}: value {raw!r}; expected {expected}")


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Regimen:
    """A validated regimen: ``rows`` has :data:`COLUMNS` plus ``line`` (row in the file)."""

    rows: pd.DataFrame
    name: str = "regimen"

    @property
    def schedules(self) -> list[str]:
        """Schedule versions in file order."""
        return list(dict.fromkeys(self.rows["schedule"]))

    @property
    def phases(self) -> list[str]:
        """Phases in file order (the order they are drawn, left to right)."""
        return list(dict.fromkeys(self.rows["phase"]))

    def drugs(self, schedule: str | None = None) -> list[str]:
        """Drugs in file order (of one schedule, or of all)."""
        rows = self.rows if schedule is None else self.select(schedule=schedule)
        return list(dict.fromkeys(rows["drug"]))

    def select(
        self, schedule: str | None = None, phase: str | None = None, drug: str | None = None
    ) -> pd.DataFrame:
        """Rows matching the given schedule / phase / drug (all when None)."""
        rows = self.rows
        for column, wanted, known in (
            ("schedule", schedule, self.schedules),
            ("phase", phase, self.phases),
            ("drug", drug, self.drugs()),
        ):
            if wanted is None:
                continue
            if wanted not in known:
                raise RegimenInputError(
                    f"{self.name}: {column} {wanted!r} not in the regimen; expected one of {known}"
                )
            rows = rows[rows[column] == wanted]
        return rows


def read_regimen(path: str | Path) -> Regimen:
    """Read and validate a regimen CSV (columns :data:`COLUMNS`, any order)."""
    file = Path(path)
    if not file.exists():
        raise RegimenInputError(f"{file}: file not found; expected a regimen CSV")
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        raw = list(reader)
    _check_header(file.name, header)
    frame = pd.DataFrame(raw, columns=header, dtype=str).fillna("")
    return _validate(frame, file.name)


def regimen_from_frame(frame: pd.DataFrame, name: str = "regimen") -> Regimen:
    """Validate a regimen built in code (same columns as the CSV; missing optional ones empty).

    Rows are numbered as in a CSV with a header: the first row is row 2.
    """
    if not isinstance(frame, pd.DataFrame):
        raise RegimenInputError(f"{name}: got {type(frame).__name__}; expected a DataFrame")
    frame = frame.copy()
    for column in COLUMNS:
        if column not in frame.columns and column not in ("schedule", "phase", "drug", "source"):
            frame[column] = ""
    if "certainty" in frame.columns:
        frame["certainty"] = frame["certainty"].replace("", "stated")
    _check_header(name, list(frame.columns))
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    return _validate(text.reset_index(drop=True), name)


def _check_header(name: str, header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        _fail(
            name,
            1,
            missing[0],
            "",
            f"a column named {missing[0]!r}; columns are {', '.join(COLUMNS)}",
        )
    extra = [c for c in header if c not in COLUMNS]
    if extra:
        _fail(name, 1, extra[0], extra[0], f"only the columns {', '.join(COLUMNS)}")


def _whole(name, line, column, raw: str) -> float:
    try:
        x = float(raw)
    except ValueError:
        _fail(name, line, column, raw, "a whole number >= 1 or empty")
    if not math.isfinite(x) or x != round(x) or x < 1:
        _fail(name, line, column, raw, "a whole number >= 1 or empty")
    return float(x)


def _positive(name, line, column, raw: str, allow_zero: bool) -> float:
    try:
        x = float(raw)
    except ValueError:
        _fail(name, line, column, raw, "a number or empty")
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        _fail(name, line, column, raw, "a number >= 0" if allow_zero else "a number > 0")
    return x


def _validate(frame: pd.DataFrame, name: str) -> Regimen:
    if frame.empty:
        raise RegimenInputError(f"{name}: no rows; expected one row per administration pattern")
    records = []
    for i, raw in enumerate(frame.to_dict("records")):
        line = i + 2
        rec: dict = {c: str(raw.get(c, "")).strip() for c in COLUMNS}
        for column in ("schedule", "phase", "drug", "source"):
            if not rec[column]:
                what = (
                    "where the row comes from (file and section)"
                    if column == "source"
                    else "a name"
                )
                _fail(name, line, column, "", what)
        if rec["certainty"] not in CERTAINTY:
            _fail(name, line, "certainty", rec["certainty"], " or ".join(CERTAINTY))
        for column in _INTEGER:
            rec[column] = _whole(name, line, column, rec[column]) if rec[column] else math.nan
        for column in _NUMBER:
            rec[column] = (
                _positive(name, line, column, rec[column], allow_zero=column != "duration")
                if rec[column]
                else math.nan
            )
        first, last = rec["cycle_first"], rec["cycle_last"]
        if not math.isnan(last) and math.isnan(first):
            _fail(name, line, "cycle_first", "", f"a first cycle when cycle_last is {last:g}")
        if not math.isnan(last) and last < first:
            _fail(name, line, "cycle_last", f"{last:g}", f"a cycle >= cycle_first ({first:g})")
        if not math.isnan(rec["day"]) and math.isnan(first):
            _fail(name, line, "cycle_first", "", f"the cycle(s) in which day {rec['day']:g} falls")
        if not math.isnan(rec["dose_max"]):
            if math.isnan(rec["dose"]):
                _fail(name, line, "dose", "", "the lower end of the range (dose_max is set)")
            if rec["dose_max"] < rec["dose"]:
                _fail(name, line, "dose_max", f"{rec['dose_max']:g}", f">= dose ({rec['dose']:g})")
        if not math.isnan(rec["dose"]) and not rec["unit"]:
            _fail(name, line, "unit", "", "the dose unit (e.g. mg/m2)")
        if math.isnan(rec["duration"]) != (rec["duration_unit"] == ""):
            column = "duration_unit" if rec["duration_unit"] == "" else "duration"
            _fail(name, line, column, rec[column] if isinstance(rec[column], str) else "",
                  "duration and duration_unit together, or both empty")  # fmt: skip
        if rec["duration_unit"] and rec["duration_unit"] not in DURATION_UNITS:
            _fail(name, line, "duration_unit", rec["duration_unit"], " / ".join(DURATION_UNITS))
        if math.isnan(rec["after_every"]) != (rec["after_every_drug"] == ""):
            column = "after_every_drug" if rec["after_every_drug"] == "" else "after_every"
            _fail(
                name, line, column, "", "after_every and after_every_drug together, or both empty"
            )
        if not math.isnan(rec["after_every"]) and not math.isnan(first):
            _fail(name, line, "cycle_first", f"{first:g}",
                  "empty when after_every places the drug between cycles of another")  # fmt: skip
        rec["line"] = line
        records.append(rec)
    rows = pd.DataFrame.from_records(records, columns=[*COLUMNS, "line"])

    # a drug given after every N cycles of another must find that drug in its schedule and phase
    for rec in rows[rows["after_every_drug"] != ""].to_dict("records"):
        other = rows[
            (rows["schedule"] == rec["schedule"])
            & (rows["phase"] == rec["phase"])
            & (rows["drug"] == rec["after_every_drug"])
        ]
        if other.empty or other["cycle_last"].isna().all():
            _fail(name, rec["line"], "after_every_drug", rec["after_every_drug"],
                  f"a drug with numbered cycles in schedule {rec['schedule']!r}, phase {rec['phase']!r}")  # fmt: skip

    # the same drug on the same day cannot be listed twice for one cycle
    dated = rows[rows["cycle_first"].notna()]
    for _key, group in dated.groupby(["schedule", "phase", "drug"], sort=False):
        seen: dict[tuple, int] = {}
        for rec in group.to_dict("records"):
            last = (
                rec["cycle_last"] if not math.isnan(rec["cycle_last"]) else rec["cycle_first"] + 999
            )
            day = None if math.isnan(rec["day"]) else rec["day"]
            for cycle in range(int(rec["cycle_first"]), int(last) + 1):
                slot = (cycle, day)
                if (
                    slot in seen
                    or (day is not None and (cycle, None) in seen)
                    or (day is None and any(c == cycle for c, _d in seen))
                ):
                    earlier = seen.get(slot) or next(v for (c, _d), v in seen.items() if c == cycle)
                    _fail(name, rec["line"], "cycle_first", f"{rec['cycle_first']:g}",
                          f"cycles that do not overlap row {earlier} for {rec['drug']!r} "
                          f"({rec['schedule']}, {rec['phase']}, cycle {cycle})")  # fmt: skip
                seen[slot] = rec["line"]
    return Regimen(rows=rows, name=name)


# --------------------------------------------------------------------------- doses


def doses_by_cycle(
    regimen: Regimen, drug: str, schedule: str, phase: str | None = None
) -> pd.DataFrame:
    """One row per cycle and day the drug is given: ``phase, cycle, day, dose, dose_max, unit``.

    ``dose_max`` equals ``dose`` where a single dose is printed. Rows whose cycles are not
    numbered (a whole phase, or ``after_every``) or open-ended are left out: see
    :func:`cumulative_dose`, which refuses them.
    """
    rows = regimen.select(schedule=schedule, phase=phase, drug=drug)
    out = []
    for rec in rows.to_dict("records"):
        if math.isnan(rec["cycle_first"]) or math.isnan(rec["cycle_last"]):
            continue
        for cycle in range(int(rec["cycle_first"]), int(rec["cycle_last"]) + 1):
            out.append(
                {
                    "phase": rec["phase"],
                    "cycle": cycle,
                    "day": rec["day"],
                    "dose": rec["dose"],
                    "dose_max": rec["dose"] if math.isnan(rec["dose_max"]) else rec["dose_max"],
                    "unit": rec["unit"],
                }
            )
    frame = pd.DataFrame(out, columns=["phase", "cycle", "day", "dose", "dose_max", "unit"])
    return frame.sort_values(["phase", "cycle", "day"], kind="mergesort").reset_index(drop=True)


@dataclass(frozen=True)
class CumulativeDose:
    """Total planned dose of one drug: ``low``–``high`` (equal unless a range was printed)."""

    drug: str
    schedule: str
    low: float
    high: float
    unit: str
    cycles: int
    administrations: int


def cumulative_dose(
    regimen: Regimen, drug: str, schedule: str, phase: str | None = None
) -> CumulativeDose:
    """Sum of the planned doses over every numbered cycle (the per-protocol maximum).

    Raises :class:`RegimenInputError` when a dose, a unit or the number of cycles is not
    stated for some row of that drug, since a total would then be a guess.
    """
    rows = regimen.select(schedule=schedule, phase=phase, drug=drug)
    records = rows.to_dict("records")
    # cycles first: without them there is nothing to add up, whatever the doses say
    for rec in records:
        if math.isnan(rec["cycle_first"]) or math.isnan(rec["cycle_last"]):
            raise RegimenInputError(
                f"{regimen.name}, row {rec['line']}, column 'cycle_last': empty; a cumulative dose "
                f"of {drug!r} needs every row to state its cycles"
            )
    for rec in records:
        if math.isnan(rec["dose"]):
            raise RegimenInputError(
                f"{regimen.name}, row {rec['line']}, column 'dose': empty; a cumulative dose of "
                f"{drug!r} needs every dose"
            )
    units = sorted(set(rows["unit"]))
    if len(units) != 1:
        raise RegimenInputError(
            f"{regimen.name}: {drug!r} in {schedule!r} has doses in units {units}; expected one unit"
        )
    per = doses_by_cycle(regimen, drug, schedule, phase)
    return CumulativeDose(
        drug=drug,
        schedule=schedule,
        low=float(per["dose"].sum()),
        high=float(per["dose_max"].sum()),
        unit=units[0],
        cycles=int(per["cycle"].nunique()),
        administrations=len(per),
    )


# --------------------------------------------------------------------------- text


def _num(x: float) -> str:
    return f"{x:g}"


def _percent_text(percent: float) -> str:
    """A whole percentage rounded half up, as journals print it (32.5 -> "33%", not "32%")."""
    return whole_percent(percent)


def _unit_text(unit: str) -> str:
    return unit.replace("m2", "m²")


def _cycles_text(first: float, last: float) -> str:
    if math.isnan(first):
        return ""
    if math.isnan(last):
        return f"{_num(first)} onwards"
    return _num(first) if first == last else f"{_num(first)}–{_num(last)}"


def _decimals(x: float) -> int:
    text = f"{x:g}"
    return len(text.split(".", 1)[1]) if "." in text else 0


def _dose_text(dose: float, dose_max: float) -> str:
    """``0.6``, or a range printed with the same decimals at both ends (``1.0–1.3``)."""
    if math.isnan(dose):
        return ""
    if math.isnan(dose_max) or dose_max == dose:
        return _num(dose)
    d = max(_decimals(dose), _decimals(dose_max))
    return f"{dose:.{d}f}–{dose_max:.{d}f}"


def _group_keys() -> list[str]:
    return [
        "schedule",
        "phase",
        "drug",
        "cycle_first",
        "cycle_last",
        "after_every",
        "after_every_drug",
    ]


def _blocks(regimen: Regimen) -> list[dict]:
    """Rows merged into drawable blocks: same drug over the same cycles (days listed together)."""
    blocks = []
    rows = regimen.rows
    keys = _group_keys()
    for _key, group in rows.groupby(keys, sort=False, dropna=False):
        first = group.iloc[0]
        parts = []
        for rec in group.sort_values("day", kind="mergesort").to_dict("records"):
            dose = _dose_text(rec["dose"], rec["dose_max"])
            day = "" if math.isnan(rec["day"]) else f"d{_num(rec['day'])}"
            parts.append((day, dose))
        block = {k: first[k] for k in keys}
        block.update(
            certainty="inferred" if (group["certainty"] == "inferred").any() else "stated",
            parts=parts,
            unit=next((u for u in group["unit"] if u), ""),
            route=next((r for r in group["route"] if r), ""),
            duration=first["duration"],
            duration_unit=first["duration_unit"],
            notes="; ".join(dict.fromkeys(n for n in group["note"] if n)),
            sources="; ".join(dict.fromkeys(group["source"])),
            lines=list(group["line"]),
        )
        blocks.append(block)
    return blocks


def _when_text(block: dict) -> str:
    if not math.isnan(block["after_every"]):
        return f"1 cycle after every {_num(block['after_every'])} cycles of {block['after_every_drug']}"
    if math.isnan(block["cycle_first"]):
        if not math.isnan(block["duration"]):
            return f"{_num(block['duration'])} {block['duration_unit']}"
        return "whole phase"
    first, last = block["cycle_first"], block["cycle_last"]
    if math.isnan(last):
        return f"cycle {_num(first)} onwards (number of cycles not stated)"
    word = "cycle" if first == last else "cycles"
    return f"{word} {_cycles_text(first, last)}"


def _schedule_dose_text(block: dict, unit_suffix: bool = True) -> str:
    parts = [(d, x) for d, x in block["parts"] if d or x]
    if not parts:
        return ""
    unit = f" {_unit_text(block['unit'])}" if unit_suffix and block["unit"] else ""
    if all(x for _d, x in parts):
        text = " + ".join(f"{d} {x}".strip() for d, x in parts)
        return text + unit
    return ", ".join(d for d, _x in parts if d)


def schedule_table(
    regimen: Regimen,
    schedule_labels: Mapping[str, str] | None = None,
    phase_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The regimen in words, one row per drug block: ready to show under the schedule chart.

    Columns: ``Schedule, Phase, Drug, When, Days and dose, Route, Certainty, Note, Source``.
    """
    sl, pl = dict(schedule_labels or {}), dict(phase_labels or {})
    out = []
    for b in _blocks(regimen):
        out.append(
            {
                "Schedule": sl.get(b["schedule"], b["schedule"]),
                "Phase": pl.get(b["phase"], b["phase"]),
                "Drug": b["drug"],
                "When": _when_text(b),
                "Days and dose": _schedule_dose_text(b) or "not stated",
                "Route": b["route"] or "not stated",
                "Certainty": b["certainty"],
                "Note": b["notes"],
                "Source": b["sources"],
            }
        )
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- schedule chart


def _tint(colour: str, amount: float) -> tuple:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


_AFTER_EVERY_WIDTH = 0.3


@dataclass
class _PhaseGeometry:
    name: str
    start: float
    width: float
    slots: int  # numbered cycles drawn (0: phase has no numbered cycles)
    weights: tuple = ()  # relative width of each numbered cycle (empty: all equal)

    def _weight(self, k: int) -> float:
        """Relative width of the k-th slot (0-based); slots past the last count 1."""
        return float(self.weights[k]) if k < len(self.weights) else 1.0

    def x(self, cycle: float) -> float:
        """Left edge of a 1-based cycle slot."""
        if not self.slots:
            return self.start
        total = sum(self._weight(k) for k in range(self.slots))
        before = sum(self._weight(k) for k in range(int(round(cycle)) - 1))
        return self.start + before * self.width / total

    @property
    def slot_width(self) -> float:
        """Width of the narrowest slot (the whole phase when cycles are not numbered)."""
        if not self.slots:
            return self.width
        return min(self.x(c + 1) - self.x(c) for c in range(1, self.slots + 1))


def _phase_geometry(
    regimen: Regimen,
    max_phase_width: float,
    unnumbered_width: float,
    gap: float,
    widths: Mapping[str, float],
    cycle_widths: Mapping[str, Mapping[int, float]],
):
    geometry = {}
    x = 0.0
    for phase in regimen.phases:
        rows = regimen.select(phase=phase)
        ends = pd.concat([rows["cycle_first"], rows["cycle_last"]]).dropna()
        slots = int(ends.max()) if len(ends) else 0
        wanted = dict(cycle_widths.get(phase, {}))
        for cycle, weight in wanted.items():
            if not (isinstance(cycle, int | np.integer) and 1 <= cycle <= slots):
                raise PlotInputError(
                    f"schedule_plot: cycle_widths[{phase!r}] names cycle {cycle!r}; expected a "
                    f"cycle number from 1 to {slots}"
                )
            if not (isinstance(weight, int | float) and math.isfinite(weight) and weight > 0):
                raise PlotInputError(
                    f"schedule_plot: cycle_widths[{phase!r}][{cycle}] is {weight!r}; expected a "
                    "relative width > 0"
                )
        weights = tuple(float(wanted.get(c, 1.0)) for c in range(1, slots + 1)) if wanted else ()
        # a widened cycle widens its phase (cycles keep their share of max_phase_width)
        scale = sum(weights) / slots if weights else 1.0
        width = min(slots, max_phase_width) * scale if slots else unnumbered_width
        width = float(widths.get(phase, width))
        geometry[phase] = _PhaseGeometry(phase, x, width, slots, weights)
        # room after the last cycle for a drug given "after every N cycles" of another
        trailing = _AFTER_EVERY_WIDTH if rows["after_every"].notna().any() else 0.0
        x += width + trailing + gap
    return geometry


def _fit_text(ax, x, y, lines: list[list[str]], width_data: float, **kw):
    """Draw the first candidate text that fits ``width_data``; None when none fits."""
    renderer = ax.figure.canvas.get_renderer()
    inv = ax.transData.inverted()
    for candidate in lines:
        for size in (12, 11, 10.5, 10):
            text = ax.text(x, y, "\n".join(candidate), ha="center", va="center", fontsize=size,
                           linespacing=1.05, **kw)  # fmt: skip
            box = text.get_window_extent(renderer)
            (x0, _), (x1, _) = inv.transform([(box.x0, 0), (box.x1, 0)])
            if x1 - x0 <= width_data * 0.94:
                return text
            text.remove()
    return None


def schedule_plot(
    regimen: Regimen,
    schedule_labels: Mapping[str, str] | None = None,
    phase_labels: Mapping[str, str] | None = None,
    drug_labels: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
    max_phase_width: float = 8.0,
    unnumbered_width: float = 3.0,
    phase_widths: Mapping[str, float] | None = None,
    synthetic: bool = False,
    cycle_widths: Mapping[str, Mapping[int, float]] | None = None,
):
    """The regimen as a schedule chart: one panel per schedule, one lane per drug.

    Cycles run left to right within each phase (phases in file order, separated by a gap; a
    phase with more than ``max_phase_width`` cycles is compressed to that width; a phase
    without numbered cycles gets ``unnumbered_width``; ``phase_widths`` overrides a phase's
    width). ``cycle_widths`` widens single cycles, e.g. ``{"intensive": {1: 2}}`` draws cycle 1
    twice as wide as the others, to make room for its labels (the chart is not to scale in
    time). Each block is labelled with its days
    and doses when they fit (units in the lane label); ``inferred`` rows are hatched; a drug
    given after every N cycles of another is drawn as thin blocks between those cycles.
    Returns a Figure whose alt text lists every block (see :func:`schedule_table`).
    """
    sl, pl, dl = dict(schedule_labels or {}), dict(phase_labels or {}), dict(drug_labels or {})
    schedules = regimen.schedules
    drugs = regimen.drugs()
    if colors is None:
        palette = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(drugs)}
    else:
        missing = [d for d in drugs if d not in colors]
        if missing:
            raise PlotInputError(f"schedule_plot: colors has no entry for drug {missing[0]!r}")
        palette = dict(colors)
    gap = 0.6
    for option, given in (("phase_widths", phase_widths), ("cycle_widths", cycle_widths)):
        unknown = [p for p in (given or {}) if p not in regimen.phases]
        if unknown:
            raise PlotInputError(
                f"schedule_plot: {option} names phase {unknown[0]!r}; phases are {regimen.phases}"
            )
    geometry = _phase_geometry(
        regimen, max_phase_width, unnumbered_width, gap, phase_widths or {}, cycle_widths or {}
    )
    right = max(g.start + g.width for g in geometry.values()) + _AFTER_EVERY_WIDTH
    blocks = _blocks(regimen)
    lanes = {s: regimen.drugs(s) for s in schedules}
    heights = [len(lanes[s]) + 0.9 for s in schedules]
    units = {d: next((u for u in regimen.select(drug=d)["unit"] if u), "") for d in drugs}
    numbered = {
        (s, p): regimen.rows[(regimen.rows["schedule"] == s) & (regimen.rows["phase"] == p)][
            "cycle_first"
        ]
        .notna()
        .any()
        for s in schedules
        for p in regimen.phases
    }

    with style():
        fig = new_figure(PAGE_WIDTH_IN, 0.62 * sum(heights) + 1.3)
        axes = fig.subplots(len(schedules), 1, sharex=True, height_ratios=heights, squeeze=False)[
            :, 0
        ]
        for ax, schedule in zip(axes, schedules, strict=True):
            lane_of = {d: i for i, d in enumerate(reversed(lanes[schedule]))}
            ax.set_xlim(-0.1, right + 0.1)
            ax.set_ylim(-0.6, len(lane_of) - 0.4)
            ax.set_yticks(
                list(lane_of.values()),
                [
                    dl.get(d, d) + (f"\n({_unit_text(units[d])})" if units[d] else "")
                    for d in lane_of
                ],
            )
            for tick, d in zip(ax.get_yticklabels(), lane_of, strict=True):
                tick.set_color(palette[d])
                tick.set_fontweight("bold")
                tick.set_fontsize(11.5)
            ax.tick_params(axis="y", length=0)
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            for geo in geometry.values():  # light cycle grid where this schedule numbers cycles
                if geo.slots and numbered[(schedule, geo.name)]:
                    for c in range(1, geo.slots + 2):
                        ax.axvline(geo.x(c), color="#e4e4e4", linewidth=0.7, zorder=0)
                ax.axvspan(
                    geo.start, geo.start + geo.width, color="#f7f7f7", zorder=-1, linewidth=0
                )
            ax.set_title(sl.get(schedule, schedule), loc="left", fontsize=13, pad=6)
            for b in blocks:
                if b["schedule"] != schedule:
                    continue
                geo = geometry[b["phase"]]
                y = lane_of[b["drug"]]
                colour = palette[b["drug"]]
                inferred = b["certainty"] == "inferred"
                style_kw = dict(
                    facecolor=_tint(colour, 0.72 if inferred else 0.35),
                    edgecolor=colour,
                    linewidth=1.2,
                    hatch="///" if inferred else None,
                    zorder=2,
                )
                gid = f"block-{schedule}-{b['drug']}-{b['phase']}"
                if not math.isnan(b["after_every"]):
                    other = regimen.select(
                        schedule=schedule, phase=b["phase"], drug=b["after_every_drug"]
                    )
                    last = int(other["cycle_last"].max())
                    every = int(b["after_every"])
                    w = min(0.6 * geo.slot_width, _AFTER_EVERY_WIDTH)
                    for k, c in enumerate(range(every, last + 1, every)):
                        edge = geo.x(c + 1)
                        ax.add_patch(Rectangle((edge - w / 2, y - 0.36), w, 0.72,
                                               gid=f"{gid}-{k}", **style_kw))  # fmt: skip
                    continue
                if math.isnan(b["cycle_first"]):
                    x0, x1 = geo.start, geo.start + geo.width
                else:
                    last = (
                        b["cycle_last"]
                        if not math.isnan(b["cycle_last"])
                        else max(geo.slots, b["cycle_first"])
                    )
                    x0, x1 = geo.x(b["cycle_first"]), geo.x(last + 1)
                ax.add_patch(
                    Rectangle((x0 + 0.04, y - 0.31), x1 - x0 - 0.08, 0.62, gid=gid, **style_kw)
                )
                days_doses = [(d, x) for d, x in b["parts"] if d or x]
                candidates: list[list[str]] = []
                if inferred and math.isnan(b["cycle_last"]) and not math.isnan(b["cycle_first"]):
                    candidates += [["cycles not stated"], ["cycles", "not stated"], ["?"]]
                elif days_doses:
                    one = " + ".join(f"{d} {x}".strip() for d, x in days_doses)
                    candidates += [[one], [f"{d} {x}".strip() for d, x in days_doses]]
                    if len(days_doses) == 1 and days_doses[0][0] and days_doses[0][1]:
                        candidates.append(list(days_doses[0]))
                elif not math.isnan(b["duration"]):
                    candidates.append([f"{_num(b['duration'])} {b['duration_unit']}"])
                elif not math.isnan(b["cycle_first"]) and not math.isnan(b["cycle_last"]):
                    n = int(b["cycle_last"] - b["cycle_first"] + 1)
                    if n > 1 and geo.slots > max_phase_width:
                        candidates.append([f"{n} cycles"])
                if candidates:
                    _fit_text(ax, (x0 + x1) / 2, y, candidates, x1 - x0, color="#111111", zorder=3,
                              gid=f"label-{gid}")  # fmt: skip

        # cycle numbers under the last panel, phase names over the first
        bottom, top = axes[-1], axes[0]
        ticks, labels = [], []
        for geo in geometry.values():
            if not geo.slots:
                continue
            step = 1 if geo.slots <= max_phase_width else max(1, math.ceil(geo.slots / 5))
            shown = sorted({1, *range(step, geo.slots + 1, step)})
            for c in shown:
                ticks.append((geo.x(c) + geo.x(c + 1)) / 2)
                labels.append(str(c))
        bottom.set_xticks(ticks, labels)
        bottom.tick_params(axis="x", length=0, labelsize=11.5)
        bottom.set_xlabel("Cycle (within each phase)")
        for ax in axes[:-1]:
            ax.tick_params(axis="x", length=0, labelbottom=False)
            ax.spines["bottom"].set_visible(False)
        bottom.spines["bottom"].set_visible(False)
        for geo in geometry.values():
            label = pl.get(geo.name, geo.name)
            top.annotate(label, xy=((geo.start + geo.width / 2), 1.0), xycoords=("data", "axes fraction"),
                         xytext=(0, 24), textcoords="offset points", ha="center", va="bottom",
                         fontsize=12, color="#444444", fontstyle="italic")  # fmt: skip
        handles = [
            Patch(
                facecolor=_tint("#777777", 0.35), edgecolor="#777777", label="stated in the source"
            )
        ]
        if (regimen.rows["certainty"] == "inferred").any():
            handles.append(
                Patch(
                    facecolor=_tint("#777777", 0.72),
                    edgecolor="#777777",
                    hatch="///",
                    label="inferred (see table)",
                )  # fmt: skip
            )
        fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=11)
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontsize=14, fontweight="bold")
        if synthetic:
            stamp_synthetic(top)

    table = schedule_table(regimen, schedule_labels, phase_labels)
    pieces = []
    for schedule in schedules:
        rows = table[table["Schedule"] == sl.get(schedule, schedule)]
        items = [
            f"{r['Drug']} ({r['Phase']}, {r['When']}"
            + (f", {r['Days and dose']}" if r["Days and dose"] != "not stated" else "")
            + (", inferred" if r["Certainty"] == "inferred" else "")
            + ")"
            for r in rows.to_dict("records")
        ]
        pieces.append(f"{sl.get(schedule, schedule)}: " + "; ".join(items))
    text = (
        f"Treatment schedule chart with {len(schedules)} panel{'s' if len(schedules) > 1 else ''}, "
        "one lane per drug, cycles from left to right. " + ". ".join(pieces) + "."
    )
    set_alt(fig, text, synthetic, kind="schedule", schedules=schedules, drugs=drugs)
    return fig


# --------------------------------------------------------------------------- adverse events


def adverse_event_plot(
    events: pd.DataFrame,
    rank_by: str | None = None,
    series_order: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
    xlabel: str = "Patients with the event (%)",
    synthetic: bool = False,
):
    """Adverse-event frequencies as a ranked horizontal bar chart with 95% CI whiskers.

    ``events``: one row per event and series, columns ``event``, ``series`` (e.g. "any grade",
    "grade 3–4"), ``percent`` and optionally ``ci_low``, ``ci_high`` (percent) and ``label``
    (text printed at the bar end, e.g. the percentage as the source printed it; default the
    percent rounded half up). The alt text lists the labels. Events are ranked by their
    ``rank_by`` series (default: the first series), highest on top; an event missing from a
    series simply has no bar there. Returns a Figure with alt text listing the events.
    """
    if not isinstance(events, pd.DataFrame):
        raise PlotInputError(
            f"adverse_event_plot: got {type(events).__name__}; expected a DataFrame"
        )
    for column in ("event", "series", "percent"):
        if column not in events.columns:
            raise PlotInputError(
                f"adverse_event_plot: column {column!r} missing; expected event, series, percent "
                f"[, ci_low, ci_high, label], got {list(events.columns)}"
            )
    frame = events.copy()
    frame["percent"] = pd.to_numeric(frame["percent"], errors="coerce")
    bad = frame[frame["percent"].isna() | (frame["percent"] < 0) | (frame["percent"] > 100)]
    if len(bad):
        r = bad.iloc[0]
        raw = events.loc[bad.index[0], "percent"]
        shown = f"{raw:g}" if isinstance(raw, int | float) else repr(raw)
        raise PlotInputError(
            f"adverse_event_plot: row {bad.index[0]} ({r['event']!r}), column 'percent': value "
            f"{shown}; expected a number from 0 to 100"
        )
    dup = frame.duplicated(["event", "series"])
    if dup.any():
        r = frame[dup].iloc[0]
        raise PlotInputError(
            f"adverse_event_plot: event {r['event']!r} appears twice in series {r['series']!r}; "
            "expected one row per event and series"
        )
    series = (
        list(series_order) if series_order is not None else list(dict.fromkeys(frame["series"]))
    )
    rank_by = rank_by or series[0]
    if rank_by not in series:
        raise PlotInputError(
            f"adverse_event_plot: rank_by {rank_by!r} is not a series; series are {series}"
        )
    ranking = frame[frame["series"] == rank_by].set_index("event")["percent"]
    others = frame[~frame["event"].isin(ranking.index)].groupby("event")["percent"].max()
    order = list(ranking.sort_values(ascending=False, kind="mergesort").index) + list(
        others.sort_values(ascending=False, kind="mergesort").index
    )
    colour = colors or {
        s: c for s, c in zip(series, [PALETTE[0], PALETTE[1], *PALETTE[2:]], strict=False)
    }
    n_series = len(series)
    bar_h = 0.8 / n_series
    with style():
        fig = new_figure(PAGE_WIDTH_IN, 0.34 * len(order) * max(1, n_series * 0.75) + 1.6)
        ax = fig.add_subplot()
        y_of = {e: len(order) - 1 - i for i, e in enumerate(order)}
        per_event = frame.groupby("event")["series"].nunique()
        for j, s in enumerate(series):
            part = frame[frame["series"] == s]
            offset = (n_series - 1) / 2 * bar_h - j * bar_h
            # an event reported in one series only gets its bar centred on its label
            ys = np.array([y_of[e] + (offset if per_event[e] > 1 else 0.0) for e in part["event"]])
            ax.barh(ys, part["percent"], height=bar_h * 0.9, color=colour[s], label=s, zorder=2,
                    gid=f"ae-{s}")  # fmt: skip
            if {"ci_low", "ci_high"} <= set(part.columns):
                lo = pd.to_numeric(part["ci_low"], errors="coerce").to_numpy(float)
                hi = pd.to_numeric(part["ci_high"], errors="coerce").to_numpy(float)
                pct = part["percent"].to_numpy(float)
                ok = np.isfinite(lo) & np.isfinite(hi)
                ax.errorbar(pct[ok], ys[ok], xerr=[pct[ok] - lo[ok], hi[ok] - pct[ok]], fmt="none",
                            ecolor="#333333", elinewidth=1.0, capsize=2.5, zorder=3)  # fmt: skip
                ends = np.where(ok, np.nan_to_num(hi, nan=0.0), pct)
            else:
                ends = part["percent"].to_numpy(float)
            labels = (
                part["label"].astype(str).tolist()
                if "label" in part.columns
                else [_percent_text(p) for p in part["percent"]]
            )
            for yy, end, lab in zip(ys, ends, labels, strict=True):
                ax.text(end + 1.2, yy, lab, va="center", ha="left", fontsize=11.5, color="#222222")
        ax.set_yticks(list(y_of.values()), list(y_of.keys()))
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.xaxis.grid(True, color="#e6e6e6", linewidth=0.7, zorder=0)
        ax.set_axisbelow(True)
        if n_series > 1:
            fig.legend(loc="outside lower center", ncol=n_series, fontsize=11.5)
        if title:
            ax.set_title(title, loc="left", pad=10)
        if synthetic:
            stamp_synthetic(ax)
    parts = []
    for s in series:
        part = frame[frame["series"] == s].set_index("event").reindex([e for e in order])
        part = part.dropna(subset=["percent"])
        if "label" in part.columns:  # the text printed at the bar end, as the reader sees it
            listing = ", ".join(f"{e} {lab}" for e, lab in part["label"].astype(str).items())
        else:
            listing = ", ".join(f"{e} {_percent_text(p)}" for e, p in part["percent"].items())
        parts.append(f"{s}: {listing}")
    text = (
        f"Ranked bar chart of {len(order)} adverse events by the share of patients affected, "
        f"most frequent first ({rank_by}). " + ". ".join(parts) + "."
    )
    set_alt(fig, text, synthetic, kind="adverse_events", events=order, series=series)
    return fig
