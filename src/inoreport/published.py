"""Every number the four studies report, read from ``data/published/<study>.csv``.

One row per reported quantity. A quantity is named by a stable id (``pfs_12mo``,
``crs_any_count``) and a group (``ino_exposed``, ``all``, ``ino_exposed_vs_ino_naive`` for a
comparison's p-value). Where two sources disagree, both rows are kept under different
``variant`` labels and ``preferred`` marks the one the book uses (the reason is in ``note``).

>>> from inoreport import published
>>> published.value(study, "pfs_12mo", "ino_exposed")        # percent
39.0
>>> published.get(study, "pfs_12mo", "ino_exposed")["ci_low"]
29.0

Facts from related studies (other cohorts on the same clinical questions, known from their
abstracts) live apart, in ``data/published/related.csv``: :func:`related` returns them for a
labelled "other published evidence" table; they are never a target of any study's numbers.

The files are validated on every load (types, ranges, CI contains the estimate, counts not
above their denominators, unique keys, one preferred row per quantity); a bad row fails with
``<file>, row N, column X: value ...; expected ...`` where row N is the line in the file
(the header is row 1), as a spreadsheet shows it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from inoreport import paths

__all__ = [
    "COLUMNS",
    "STATUSES",
    "STUDIES",
    "UNITS",
    "PublishedDataError",
    "RELATED_COLUMNS",
    "RELATED_UNITS",
    "decimals",
    "get",
    "load",
    "provenance",
    "quantities",
    "read_file",
    "read_related_file",
    "related",
    "related_get",
    "value",
]


def _package() -> dict:
    return json.loads((paths.PUBLISHED / "datapackage.json").read_text(encoding="utf-8"))


#: The studies with a file in data/published (every resource of its data package except the
#: related-evidence table), in the package's order.
STUDIES = tuple(r["name"] for r in _package()["resources"] if r["name"] != "related")

#: Columns of every file, in order (described in data/published/datapackage.json).
COLUMNS = (
    "study",
    "quantity",
    "group",
    "variant",
    "value",
    "value_text",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "unit",
    "printed",
    "status",
    "preferred",
    "source",
    "note",
)

#: Unit -> (lowest, highest) allowed value; None = unbounded on that side.
UNITS: dict[str, tuple[float | None, float | None]] = {
    "percent": (0.0, 100.0),
    "p": (0.0, 1.0),
    "fraction": (0.0, 1.0),
    "count": (0.0, None),
    "hr": (0.0, None),
    "months": (0.0, None),
    "days": (0.0, None),
    "years": (0.0, None),
    "cells_per_uL": (0.0, None),
    "doses": (0.0, None),
    "lines": (0.0, None),
    "cycles": (0.0, None),
    "mg_per_m2": (0.0, None),
    "score": (0.0, None),
    "patient_number": (1.0, None),
    "date": (None, None),
}
#: Units whose values must be whole numbers.
INTEGER_UNITS = {"count", "doses", "lines", "cycles", "patient_number"}
STATUSES = ("published", "related_report", "derived", "background")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_NUMBER_TOKEN = re.compile(r"^[<>]?\s*-?(\d+\.?\d*|\.\d+)$")
_NOT_REACHED = {"not reached", "nr"}
_KEY = ("study", "quantity", "group", "variant")


class PublishedDataError(ValueError):
    """A published-data file that does not meet its schema; the message names file, row, column."""


def _fail(file: Path, line: int | None, column: str, raw, expected: str):
    where = f"{file.name}, row {line}" if line is not None else file.name
    raise PublishedDataError(f"{where}, column {column!r}: value {raw!r}; expected {expected}")


def _number(file, line, column, raw, *, required=False) -> float:
    if raw == "":
        if required:
            _fail(file, line, column, raw, "a number")
        return math.nan
    try:
        x = float(raw)
    except ValueError:
        _fail(file, line, column, raw, "a number")
    if not math.isfinite(x):
        _fail(file, line, column, raw, "a finite number")
    return x


def decimals(printed: str) -> int | None:
    """Number of decimal places in a printed number (``"0.80"`` -> 2, ``"<.0001"`` -> 4, ``"54"`` -> 0).

    None when the printed text is not a number (``"three"``, ``"not reached"``).
    """
    text = printed.strip()
    if not _NUMBER_TOKEN.match(text):
        return None
    text = text.lstrip("<>").strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def _check_range(file, line, column, raw, x, unit):
    lo, hi = UNITS[unit]
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        span = f"{lo:g} to {hi:g}" if hi is not None else f">= {lo:g}"
        _fail(file, line, column, raw, f"a {unit} value {span}")
    if unit in INTEGER_UNITS and x != round(x):
        _fail(file, line, column, raw, f"a whole number ({unit})")


def _denominator(file, line, raw: str, unit: str, x: float):
    """The ``n`` column: pd.NA when empty, else a whole number >= 1 that a count ``x`` does
    not exceed."""
    if raw == "":
        return pd.NA
    n = _number(file, line, "n", raw)
    if n != round(n) or n < 1:
        _fail(file, line, "n", raw, "a whole-number denominator >= 1")
    if unit == "count" and not math.isnan(x) and x > n:
        _fail(file, line, "value", _fmt(x), f"a count <= its denominator n={int(n)}")
    return int(n)


def read_file(path: str | Path) -> pd.DataFrame:
    """Read and validate one published-data CSV; return it as a typed DataFrame.

    Added columns: ``decimals`` (decimal places printed, from ``printed``) and ``line``
    (the row's line in the file). Raises :class:`PublishedDataError` on the first bad cell.
    """
    file = Path(path)
    if not file.exists():
        raise PublishedDataError(
            f"{file}: file not found; expected one CSV per study in {file.parent}"
        )
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise PublishedDataError(
                f"{file.name}, row 1, column {missing[0]!r}: missing; expected the columns {', '.join(COLUMNS)}"
            )
        extra = [c for c in header if c not in COLUMNS]
        if extra:
            raise PublishedDataError(
                f"{file.name}, row 1, column {extra[0]!r}: unknown column; expected only {', '.join(COLUMNS)}"
            )
        raw_rows = list(reader)

    records = []
    seen: dict[tuple, int] = {}
    for i, raw in enumerate(raw_rows):
        line = i + 2
        rec = _validate_row(file, line, raw)
        key = tuple(rec[k] for k in _KEY)
        if key in seen:
            _fail(
                file,
                line,
                "variant",
                raw["variant"],
                f"a (quantity, group, variant) not already used on row {seen[key]}",
            )
        seen[key] = line
        records.append(rec)

    frame = pd.DataFrame.from_records(records, columns=[*COLUMNS, "decimals", "line"])
    # One preferred row at most per (quantity, group).
    preferred = frame[frame["preferred"]]
    dup = preferred.duplicated(["study", "quantity", "group"], keep="first")
    if dup.any():
        bad = preferred[dup].iloc[0]
        first = preferred[
            (preferred["quantity"] == bad["quantity"]) & (preferred["group"] == bad["group"])
        ].iloc[0]
        _fail(
            file,
            int(bad["line"]),
            "preferred",
            "true",
            f"false: row {int(first['line'])} is already the preferred row for "
            f"{bad['quantity']} [{bad['group']}]",
        )
    for col in ("value", "ci_low", "ci_high", "p_value"):
        frame[col] = frame[col].astype(float)
    frame["n"] = frame["n"].astype("Int64")
    frame["decimals"] = frame["decimals"].astype("Int64")
    frame["preferred"] = frame["preferred"].astype(bool)
    return frame


def _validate_row(file: Path, line: int, raw: dict) -> dict:
    rec = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    if rec["study"] != file.stem:
        _fail(file, line, "study", rec["study"], f"{file.stem!r} (the file name)")
    for col in ("quantity", "group"):
        if not _ID.match(rec[col]):
            _fail(file, line, col, rec[col], "a snake_case id (lower-case letters, digits, _)")
    if rec["variant"] and not _ID.match(rec["variant"]):
        _fail(file, line, "variant", rec["variant"], "empty or a snake_case id")
    unit = rec["unit"]
    if unit not in UNITS:
        _fail(file, line, "unit", unit, f"one of {', '.join(UNITS)}")
    if rec["status"] not in STATUSES:
        _fail(file, line, "status", rec["status"], f"one of {', '.join(STATUSES)}")
    if rec["preferred"] not in ("true", "false"):
        _fail(file, line, "preferred", rec["preferred"], "true or false")
    rec["preferred"] = rec["preferred"] == "true"
    if not rec["source"]:
        _fail(file, line, "source", "", "the paper file and table/section the number comes from")
    _check_source(file, line, rec["source"])

    if unit == "date":
        if rec["value"] != "":
            _fail(
                file, line, "value", rec["value"], "empty for a date (the date goes in value_text)"
            )
        if not _DATE.match(rec["value_text"]):
            _fail(file, line, "value_text", rec["value_text"], "an ISO date YYYY-MM or YYYY-MM-DD")
        x = math.nan
    else:
        if rec["value"] == "" and rec["printed"].lower() not in _NOT_REACHED:
            _fail(file, line, "value", "", "a number (empty only when printed says 'not reached')")
        x = _number(file, line, "value", rec["value"])
        if not math.isnan(x):
            _check_range(file, line, "value", rec["value"], x, unit)
    rec["value"] = x

    lo = _number(file, line, "ci_low", rec["ci_low"])
    hi = _number(file, line, "ci_high", rec["ci_high"])
    for col, bound in (("ci_low", lo), ("ci_high", hi)):
        if not math.isnan(bound):
            _check_range(file, line, col, rec[col], bound, unit)
    if not math.isnan(lo) and not math.isnan(x) and lo > x:
        _fail(file, line, "ci_low", rec["ci_low"], f"<= the estimate {x:g}")
    if not math.isnan(hi) and not math.isnan(x) and hi < x:
        _fail(file, line, "ci_high", rec["ci_high"], f">= the estimate {x:g}")
    rec["ci_low"], rec["ci_high"] = lo, hi

    p = _number(file, line, "p_value", rec["p_value"])
    if not math.isnan(p) and not 0 <= p <= 1:
        _fail(file, line, "p_value", rec["p_value"], "a p-value between 0 and 1")
    rec["p_value"] = p

    rec["n"] = _denominator(file, line, rec["n"], unit, x)

    rec["decimals"] = decimals(rec["printed"]) if rec["printed"] else None
    if rec["printed"] and rec["decimals"] is not None and not math.isnan(x):
        shown = float(rec["printed"].lstrip("<>").strip())
        if not math.isclose(shown, x, rel_tol=1e-9, abs_tol=1e-12):
            _fail(file, line, "printed", rec["printed"], f"the printed form of value {x:g}")
    rec["line"] = line
    return rec


def _fmt(x: float) -> str:
    return f"{int(x)}" if x == round(x) else f"{x:g}"


def _check_source(file: Path, line: int, source: str) -> None:
    """Each source names a paper file in ../shared/papers (or extracted/...); check it exists."""
    if not paths.PAPERS.exists():
        return  # papers not shipped beside this copy: nothing to check against
    for part in source.split(";"):
        name = part.strip().split(":", 1)[0].split(" ", 1)[0]
        if not (paths.PAPERS / name).exists():
            _fail(
                file,
                line,
                "source",
                source,
                f"a file in {paths.PAPERS} before ':' (not found: {name})",
            )


def _directory() -> Path:
    return paths.PUBLISHED


@lru_cache(maxsize=8)
def _load_cached(directory: str, study: str, mtime: float) -> pd.DataFrame:
    return read_file(Path(directory) / f"{study}.csv")


def load(study: str | None = None) -> pd.DataFrame:
    """All validated rows of one study (or of every study when ``study`` is None).

    Columns as in the CSV (``value``/``ci_*``/``p_value`` float, ``n`` nullable int,
    ``preferred`` bool) plus ``decimals`` (printed decimal places) and ``line``.
    """
    studies = STUDIES if study is None else (study,)
    frames = []
    for s in studies:
        if s not in STUDIES:
            raise PublishedDataError(f"study {s!r}; expected one of {', '.join(STUDIES)}")
        path = _directory() / f"{s}.csv"
        mtime = path.stat().st_mtime if path.exists() else 0.0
        frames.append(_load_cached(str(_directory()), s, mtime))
    return pd.concat(frames, ignore_index=True).copy()


def quantities(study: str) -> pd.DataFrame:
    """The (quantity, group, variant, unit, preferred) keys available for a study."""
    return load(study)[["quantity", "group", "variant", "unit", "preferred", "status"]]


def get(
    study: str, quantity: str, group: str | None = None, variant: str | None = None
) -> pd.Series:
    """The full row for a quantity: the preferred one unless ``variant`` is given.

    ``group`` may be omitted when the quantity has a single group.
    """
    frame = load(study)
    rows = frame[frame["quantity"] == quantity]
    if rows.empty:
        raise KeyError(
            f"{study}.csv: no quantity {quantity!r}; see published.quantities({study!r})"
        )
    if group is None:
        groups = sorted(rows["group"].unique())
        if len(groups) != 1:
            raise KeyError(
                f"{study}.csv, quantity {quantity!r}: several groups {groups}; pass group="
            )
        group = groups[0]
    rows = rows[rows["group"] == group]
    if rows.empty:
        raise KeyError(f"{study}.csv, quantity {quantity!r}: no group {group!r}")
    if variant is not None:
        chosen = rows[rows["variant"] == variant]
        if chosen.empty:
            raise KeyError(
                f"{study}.csv, {quantity} [{group}]: no variant {variant!r}; "
                f"available {sorted(rows['variant'])}"
            )
    else:
        chosen = rows[rows["preferred"]]
        if chosen.empty:
            raise KeyError(
                f"{study}.csv, {quantity} [{group}]: no preferred row; pass variant= one of "
                f"{sorted(rows['variant'])}"
            )
    found = chosen.iloc[0]
    _log_lookup(study, quantity, group, found["variant"])
    return found


#: Environment variable naming a file to which every lookup is appended (one JSON line each);
#: the book build sets it, so a test can check every number the chapters read has a source.
LOOKUP_LOG = "INOREPORT_LOOKUP_LOG"


def _log_lookup(study: str, quantity: str, group: str, variant) -> None:
    target = os.environ.get(LOOKUP_LOG)
    if not target:
        return
    line = json.dumps(
        {"study": study, "quantity": quantity, "group": group, "variant": str(variant)}
    )
    with open(target, "a", encoding="utf-8") as handle:  # one short append: atomic
        handle.write(line + "\n")


def value(study: str, quantity: str, group: str | None = None, variant: str | None = None):
    """The published value (float; an ISO date string for dates; NaN for 'not reached')."""
    row = get(study, quantity, group, variant)
    if row["unit"] == "date":
        return row["value_text"]
    return float(row["value"])


#: Files in ../shared/papers that hold a study's own text (its article, or its abstract as
#: published; listed in data/published/datapackage.json). Anything else (a news report, a
#: third-party copy of an abstract, a conference abstract on the same cohort) is a secondary
#: source and is named where its number is shown.
PAPER_TEXTS = frozenset(_package()["paper_texts"])
_SOURCE_LABELS = {
    "published abstract (third-party copy)": "third-party copy of the published abstract",
}


def provenance(
    study: str, quantity: str, group: str | None = None, variant: str | None = None
) -> str | None:
    """Where a number comes from, when that is not the study's own text; else None.

    None when any of the row's sources is the paper's article or abstract (:data:`PAPER_TEXTS`).
    Otherwise the secondary sources in words, joined by "; " — for example
    ``"third-party copy of the published abstract; news report"`` or
    ``"Haddad et al., HemaSphere 2022 (EHA 2022 abstract)"`` — for the page to show beside
    the number.
    """
    row = get(study, quantity, group, variant)
    labels = []
    for part in str(row["source"]).split(";"):
        file, _, where = part.strip().partition(":")
        name = file.strip().split(" ", 1)[0]
        if name in PAPER_TEXTS:
            return None
        label = where.strip() or name
        labels.append(_SOURCE_LABELS.get(label, label))
    return "; ".join(dict.fromkeys(labels))


# --- Related studies (other cohorts, for a labelled evidence table only) -----------------

#: Columns of data/published/related.csv, in order (described in datapackage.json).
RELATED_COLUMNS = (
    "study",
    "reference",
    "product",
    "population",
    "comparison",
    "quantity",
    "group",
    "value",
    "n",
    "unit",
    "printed",
    "status",
    "source",
    "transcribed_from",
    "note",
)
#: A related study's fact is a number in one of the units above, or a printed statement
#: ("largely similar", "associated with worse outcomes") with no number.
RELATED_UNITS = (*UNITS, "statement")
RELATED_STATUSES = ("published", "derived")
_RELATED_KEY = ("study", "quantity", "group")


def read_related_file(path: str | Path) -> pd.DataFrame:
    """Read and validate ``related.csv``; return it as a DataFrame (``value`` float, ``n`` Int64).

    Every row is one fact of one related study's abstract: a number (``unit`` one of
    :data:`UNITS`) or a statement printed without a number (``unit`` ``statement``, empty
    ``value``). ``status`` is ``published`` (as the abstract prints it) or ``derived`` (our
    arithmetic on it, stated in ``note``). Raises :class:`PublishedDataError` naming file,
    row and column on the first bad cell.
    """
    file = Path(path)
    if not file.exists():
        raise PublishedDataError(f"{file}: file not found; expected the related-studies table")
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if header != RELATED_COLUMNS:
            missing = [c for c in RELATED_COLUMNS if c not in header]
            bad = (
                missing[0]
                if missing
                else next(
                    (h for h, c in zip(header, RELATED_COLUMNS, strict=False) if h != c), header[-1]
                )
            )
            raise PublishedDataError(
                f"{file.name}, row 1, column {bad!r}: unexpected header; expected the columns "
                f"{', '.join(RELATED_COLUMNS)} in this order"
            )
        raw_rows = list(reader)
    records, seen = [], {}
    for i, raw in enumerate(raw_rows):
        line = i + 2
        rec = {k: (raw.get(k) or "").strip() for k in RELATED_COLUMNS}
        for col in ("study", "quantity", "group"):
            if not _ID.match(rec[col]):
                _fail(file, line, col, rec[col], "a snake_case id (lower-case letters, digits, _)")
        for col in ("reference", "product", "population", "printed", "source", "transcribed_from"):
            if not rec[col]:
                _fail(file, line, col, "", "a non-empty text")
        if rec["unit"] not in RELATED_UNITS:
            _fail(file, line, "unit", rec["unit"], f"one of {', '.join(RELATED_UNITS)}")
        if rec["status"] not in RELATED_STATUSES:
            _fail(file, line, "status", rec["status"], f"one of {', '.join(RELATED_STATUSES)}")
        if rec["unit"] == "statement":
            if rec["value"]:
                _fail(file, line, "value", rec["value"], "empty for a statement (text in printed)")
            x = math.nan
        else:
            x = _number(file, line, "value", rec["value"], required=True)
            _check_range(file, line, "value", rec["value"], x, rec["unit"])
        rec["value"] = x
        rec["n"] = _denominator(file, line, rec["n"], rec["unit"], x)
        _check_source(file, line, rec["transcribed_from"])
        key = tuple(rec[k] for k in _RELATED_KEY)
        if key in seen:
            _fail(
                file,
                line,
                "group",
                rec["group"],
                f"a (study, quantity, group) not already used on row {seen[key]}",
            )
        seen[key] = line
        rec["line"] = line
        records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=[*RELATED_COLUMNS, "line"])
    frame["value"] = frame["value"].astype(float)
    frame["n"] = frame["n"].astype("Int64")
    return frame


@lru_cache(maxsize=2)
def _related_cached(path: str, mtime: float) -> pd.DataFrame:
    return read_related_file(path)


def related(study: str | None = None) -> pd.DataFrame:
    """Facts from the related studies' abstracts (``data/published/related.csv``), validated.

    One row per fact; columns :data:`RELATED_COLUMNS` plus ``line``. ``study`` filters to one
    related study (``zuma3_prior_therapy``, ``cibmtr_tisagenlecleucel``,
    ``cart_failure_adults``). For a labelled evidence table only: never a target of, or an
    input to, any of the four studies' numbers or synthetic cohorts.
    """
    path = _directory() / "related.csv"
    mtime = path.stat().st_mtime if path.exists() else 0.0
    frame = _related_cached(str(path), mtime).copy()
    if study is None:
        return frame
    if study not in set(frame["study"]):
        raise KeyError(f"related.csv: no study {study!r}; available {sorted(set(frame['study']))}")
    return frame[frame["study"] == study].reset_index(drop=True)


def related_get(study: str, quantity: str, group: str = "all") -> pd.Series:
    """One fact of a related study: the row for (study, quantity, group)."""
    frame = related(study)
    rows = frame[(frame["quantity"] == quantity) & (frame["group"] == group)]
    if rows.empty:
        raise KeyError(
            f"related.csv, study {study!r}: no quantity {quantity!r} for group {group!r}"
        )
    return rows.iloc[0]
