"""Patient-level cohorts: the schema a chapter declares, loading, validation, column mapping.

A chapter that runs on patient-level data declares a :class:`CohortSchema`: the columns
it needs (``patient_id``, ``group``, ``time``, ``event`` …), their types, units and allowed
values. :func:`load_cohort` reads a user's CSV, renames the user's columns to the
chapter's names (``column_map={"time": "pfs_months"}``), checks every value and returns a
:class:`Cohort` whose ``frame`` the statistics modules can use as is.

Anything wrong with the file raises :class:`CohortError` with **one line** that names the
file, the column, the row and what was expected, e.g.::

    cohort.csv, column 'event', row 17: value '2'; expected 0, 1, true or false

Rows are numbered as a spreadsheet numbers them: the header is row 1, the first patient
row 2 (the same as the line number in a text editor). Validation never guesses: a value
that could mean two things is an error that says how to fix it.

Times: ``time_unit`` is the unit of the duration columns in the file (days, weeks, months
or years). A chapter that analyses in a fixed unit (``CohortSchema.time_unit="months"``)
gets its durations converted (1 month = 365.25/12 days); a chapter with
``time_unit=None`` (the generic survival comparison) keeps the cohort's own unit.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Length of one unit in days (a month is a twelfth of a Julian year).
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
TIME_UNITS = tuple(DAYS_PER_UNIT)

#: Cell contents read as "missing" (R writes NA, pandas writes an empty cell).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "."})
#: Accepted spellings of an event indicator, and what they mean.
EVENT_VALUES = {"0": 0, "1": 1, "false": 0, "true": 1, "0.0": 0, "1.0": 1}

COLUMN_KINDS = ("id", "group", "duration", "event", "number", "category", "flag")

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE = re.compile(
    r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?"  # 2021-03-04 (12:00)
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 04/03/2021, 4.3.21
    rf"|\d{{1,2}}[- ]?({_MONTHS})[a-z]*[- ]?\d{{2,4}}"  # 4-Mar-2021, 04MAR2021
    rf"|({_MONTHS})[a-z]* \d{{1,2}},? \d{{4}})$",  # March 4, 2021
    re.IGNORECASE,
)

#: File signatures of things that are not CSV text.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or OpenDocument workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel workbook (.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
    (b"SQLite format 3", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)
_EXPECT_CSV = "expected a CSV text file (in Excel: File > Save As > 'CSV UTF-8')"


class CohortError(ValueError):
    """A user's cohort file cannot be used; the message is one line saying what to fix.

    ``file``, ``column`` and ``row`` (spreadsheet numbering, header = row 1) are kept as
    attributes so a caller can point at the cell.
    """

    def __init__(
        self,
        problem: str,
        expected: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
    ):
        self.file = str(file) if file is not None else None
        self.column = column
        self.row = row
        self.problem = problem
        self.expected = expected
        where = ", ".join(
            part
            for part in (
                self.file,
                f"column '{column}'" if column is not None else None,
                f"row {row}" if row is not None else None,
            )
            if part
        )
        text = f"{problem}; {expected}"
        super().__init__(f"{where}: {text}" if where else text)


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Column:
    """One column a chapter reads.

    kind:
      ``id`` unique patient identifier (text, never missing);
      ``group`` the comparison group (text label, never missing);
      ``duration`` a time from the chapter's origin, >= 0, in the cohort's time unit;
      ``event`` 1 = event happened, 0 = censored (0/1/true/false, never missing);
      ``number`` a numeric covariate (missing allowed unless ``missing_ok=False``);
      ``category`` a text covariate (``allowed`` restricts its values);
      ``flag`` a yes/no covariate written 0/1/true/false.
    """

    name: str
    kind: str
    description: str
    required: bool = True
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    missing_ok: bool | None = None  # None: by kind (ids, groups, durations, events never)

    def __post_init__(self):
        if self.kind not in COLUMN_KINDS:
            raise ValueError(
                f"column {self.name!r}: kind {self.kind!r}; expected one of {COLUMN_KINDS}"
            )

    @property
    def may_be_missing(self) -> bool:
        if self.missing_ok is not None:
            return self.missing_ok
        return self.kind in {"number", "category", "flag"}

    def type_text(self) -> str:
        return {
            "id": "text, unique",
            "group": "text label",
            "duration": "number >= 0",
            "event": "0/1 (true/false)",
            "number": "number",
            "category": "text",
            "flag": "0/1 (true/false)",
        }[self.kind]

    def allowed_text(self) -> str:
        if self.allowed:
            return ", ".join(self.allowed)
        return {
            "id": "any text; each value once",
            "group": "at least two groups",
            "duration": "0 or more; not a date; no missing values",
            "event": "1 = event, 0 = censored",
            "number": "numbers; empty or NA = missing",
            "category": "any text; empty or NA = missing",
            "flag": "1 = yes, 0 = no; empty or NA = missing",
        }[self.kind]


@dataclass(frozen=True)
class CohortSchema:
    """The cohort a chapter needs.

    columns: every column the chapter knows about (required and optional).
    group: the column holding the comparison groups (None: no groups).
    endpoints: (duration, event) column pairs analysed together; each group must have
        at least one event in each pair when ``events_in_every_group``.
    time_unit: the unit the chapter analyses in; None keeps the cohort's own unit.
    min_groups: fewest distinct groups the chapter can compare.
    """

    columns: tuple[Column, ...]
    group: str | None = "group"
    endpoints: tuple[tuple[str, str], ...] = (("time", "event"),)
    time_unit: str | None = None
    min_groups: int = 2
    events_in_every_group: bool = True

    def __post_init__(self):
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"schema lists a column twice: {names}")
        for name in [self.group, *(n for pair in self.endpoints for n in pair)]:
            if name is not None and name not in names:
                raise ValueError(f"schema refers to column {name!r} that it does not declare")
        if self.time_unit is not None and self.time_unit not in DAYS_PER_UNIT:
            raise ValueError(f"schema time_unit {self.time_unit!r}; expected one of {TIME_UNITS}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def describe(self) -> pd.DataFrame:
        """One row per column: name, required, type, unit, allowed values, meaning."""
        unit_default = self.time_unit or "the cohort's time unit"
        return pd.DataFrame(
            [
                {
                    "column": c.name,
                    "required": "yes" if c.required else "no",
                    "type": c.type_text(),
                    "unit": c.unit or (unit_default if c.kind == "duration" else ""),
                    "allowed values": c.allowed_text(),
                    "meaning": c.description,
                }
                for c in self.columns
            ]
        )


def standard_columns(*, group_description: str = "The group being compared.") -> tuple[Column, ...]:
    """The four columns every survival comparison needs: patient_id, group, time, event."""
    return (
        Column("patient_id", "id", "One identifier per patient (any text)."),
        Column("group", "group", group_description),
        Column(
            "time",
            "duration",
            "Time from the start of follow-up (e.g. CAR-T infusion) to the event or to the "
            "last follow-up, whichever came first.",
        ),
        Column("event", "event", "1 if the event happened at that time, 0 if censored then."),
    )


# --------------------------------------------------------------------------- cohort


@dataclass
class Cohort:
    """A validated cohort: ``frame`` holds the chapter's column names, typed.

    ``frame`` columns: ids, groups (labels; their order is ``groups``) and text covariates
    are ``str`` (missing = NaN), durations ``float`` in ``time_unit``, events ``int`` 0/1,
    numeric covariates ``float``, flags ``float`` 0/1 (NaN missing). The index is the
    spreadsheet row of each patient in the file.
    """

    frame: pd.DataFrame
    source: Path
    schema: CohortSchema
    time_unit: str
    groups: list[str] = field(default_factory=list)
    reference: str | None = None
    covariates: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    reference_levels: dict[str, str] = field(default_factory=dict)
    auto_categorical: list[str] = field(default_factory=list)
    endpoints: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None

    @property
    def n(self) -> int:
        return len(self.frame)

    def settings(self) -> pd.DataFrame:
        """What this run used, for display at the top of a chapter."""
        renamed = ", ".join(f"{k} ← {v}" for k, v in self.column_map.items() if k != v)
        rows = [
            ("cohort file", self.source.name),
            ("patients", str(self.n)),
            ("synthetic", "yes" if self.synthetic else "no"),
            ("time unit", self.time_unit),
            ("columns renamed", renamed or "none"),
            ("groups (in order)", ", ".join(self.groups) if self.groups else "none"),
            ("reference group", self.reference or "none"),
            ("covariates", ", ".join(self.covariates) or "none"),
        ]
        if self.sheet is not None:
            rows.insert(1, ("sheet", self.sheet))
        for text in self.endpoints.values():
            rows.append(("computed from dates", text))
        if self.reference_levels:
            shown = ", ".join(f"{c}: {lev}" for c, lev in self.reference_levels.items())
            rows.append(("reference levels", shown))
        return (
            pd.DataFrame(rows, columns=["setting", "value"]).set_index("setting").rename_axis(None)
        )


def convert_time(values, from_unit: str, to_unit: str):
    """Durations in ``from_unit`` expressed in ``to_unit`` (1 month = 365.25/12 days)."""
    for unit in (from_unit, to_unit):
        if unit not in DAYS_PER_UNIT:
            raise CohortError(f"time unit '{unit}'", f"expected one of {', '.join(TIME_UNITS)}")
    if from_unit == to_unit:
        return values
    return values * (DAYS_PER_UNIT[from_unit] / DAYS_PER_UNIT[to_unit])


def read_csv_text(path: str | Path, delimiter: str | None = None) -> pd.DataFrame:
    """Read a CSV file as text cells, checking it is a readable, rectangular CSV.

    Returns a DataFrame of ``str`` (nothing parsed yet) whose index is the spreadsheet
    row number of each line (header = row 1). ``delimiter`` None: the one of comma,
    semicolon and tab that the header uses most. Raises :class:`CohortError`.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise CohortError("file not found", "expected the path of a CSV file", file=path)
    if path.is_dir():
        raise CohortError("this is a folder", "expected the path of a CSV file", file=path)
    raw = path.read_bytes()
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            expected = _EXPECT_CSV
            if magic == b"PK\x03\x04":
                what = _zip_kind(raw) or what
                if "xlsx" in what:
                    expected += ", or give the workbook its .xlsx extension"
            elif magic == b"\xd0\xcf\x11\xe0":
                expected += ", or save it as an .xlsx workbook"
            raise CohortError(f"this is {what}, not CSV text", expected, file=name)
    if not raw.strip():
        raise CohortError(
            "the file is empty",
            "expected a header row naming the columns, then one row per patient",
            file=name,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        raise CohortError(
            f"byte 0x{byte:02x} is not UTF-8 text (the file looks like Latin-1/Windows-1252)",
            "expected UTF-8 (in Excel: Save As > 'CSV UTF-8'; or re-save with UTF-8 encoding)",
            file=name,
            row=row,
        ) from None
    if "\x00" in text:
        raise CohortError(
            "the file contains NUL bytes, so it is not CSV text", _EXPECT_CSV, file=name
        )

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    header_line = next((line for line in lines if line.strip()), "")
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=header_line.count)
    if lines and '"' not in text and all(line.strip() for line in lines):
        return _read_simple(lines, delimiter, name)
    return _read_quoted(text, delimiter, name)


def _check_header(header: list[str], row: int, name: str) -> list[str]:
    header = [h.strip() for h in header]
    for position, column in enumerate(header, start=1):
        if not column:
            raise CohortError(
                f"column {position} of the header has no name",
                "expected every column to have a name",
                file=name,
                row=row,
            )
        if header.index(column) != position - 1:
            raise CohortError(
                f"the header names column '{column}' twice (columns {header.index(column) + 1} "
                f"and {position})",
                "expected each column name once",
                file=name,
                row=row,
            )
    return header


def _no_rows(name: str) -> CohortError:
    return CohortError(
        "the file has a header but no patient rows", "expected one row per patient", file=name
    )


def _ragged(fields: int, expected: int, delimiter: str, row: int, name: str) -> CohortError:
    return CohortError(
        f"{fields} fields",
        f"expected {expected} fields as in the header (separator '{delimiter}'; "
        "a value containing the separator must be quoted)",
        file=name,
        row=row,
    )


def _read_simple(lines: list[str], delimiter: str, name: str) -> pd.DataFrame:
    """Fast path (large registries): no quotes and no blank lines, so line = row."""
    import numpy as np

    header = _check_header(lines[0].split(delimiter), 1, name)
    if len(lines) < 2:
        raise _no_rows(name)
    counts = np.fromiter(
        (line.count(delimiter) for line in lines[1:]), dtype=np.int64, count=len(lines) - 1
    )
    ragged = np.flatnonzero(counts != len(header) - 1)
    if ragged.size:
        first = int(ragged[0])
        raise _ragged(int(counts[first]) + 1, len(header), delimiter, first + 2, name)
    frame = pd.read_csv(
        io.StringIO("\n".join(lines[1:])),
        sep=delimiter,
        header=None,
        names=header,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        quoting=csv.QUOTE_NONE,
        engine="c",
    )
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    frame.index = pd.RangeIndex(2, len(lines) + 1, name="row")
    return frame


def _read_quoted(text: str, delimiter: str, name: str) -> pd.DataFrame:
    """General path: the csv module, so quoted fields may hold separators or line breaks."""
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    numbered = [(i + 1, rec) for i, rec in enumerate(records)]
    numbered = [(r, rec) for r, rec in numbered if any(cell.strip() for cell in rec)]
    if not numbered:
        raise CohortError(
            "the file is empty", "expected a header row naming the columns", file=name
        )
    header_row, header = numbered[0]
    header = _check_header(header, header_row, name)
    body = numbered[1:]
    if not body:
        raise _no_rows(name)
    for row, rec in body:
        if len(rec) != len(header):
            raise _ragged(len(rec), len(header), delimiter, row, name)
    frame = pd.DataFrame(
        [[cell.strip() for cell in rec] for _, rec in body], columns=header, dtype=str
    )
    frame.index = pd.Index([row for row, _ in body], name="row")
    return frame


def _zip_kind(raw: bytes) -> str | None:
    """Name the workbook inside a zip file, if it is one."""
    import zipfile

    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except zipfile.BadZipFile:
        return None
    if any(n.startswith("xl/") for n in names):
        return "an Excel workbook (.xlsx)"
    if "content.xml" in names:
        return "an OpenDocument spreadsheet (.ods)"
    return None


def _missing_mask(cells: pd.Series) -> pd.Series:
    return cells.str.strip().str.lower().isin(MISSING_TOKENS)


def _is_missing(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


def _parse_number(value: str) -> float | None:
    if not _NUMBER.match(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _number_problem(value: str) -> str:
    if _DATE.match(value):
        return f"value '{value}' looks like a date"
    if _DECIMAL_COMMA.match(value):
        return f"value '{value}' uses a decimal comma"
    return f"value '{value}' is not a number"


class _Checker:
    """Parses text cells column by column, raising the first problem found.

    Each check runs vectorised over the column (a registry may have 10^6 rows); only when
    a cell is bad does the cell-by-cell version run, up to that cell, to word the message.
    """

    def __init__(self, name: str, time_unit: str):
        self.name = name
        self.time_unit = time_unit

    def fail(self, column: str, row: int | None, problem: str, expected: str):
        raise CohortError(problem, expected, file=self.name, column=column, row=row)

    # vectorised checks ----------------------------------------------------------------

    def ids(self, cells: pd.Series, column: str) -> pd.Series:
        bad = _missing_mask(cells) | cells.duplicated()
        if bad.any():
            self._explain(self._ids_one_by_one, cells.loc[: bad.idxmax()], column)  # raises
        return cells.astype(str)

    def durations(self, cells: pd.Series, column: str, may_be_missing: bool) -> pd.Series:
        missing, values, bad = self._parse_numbers(cells, may_be_missing)
        bad |= values < 0
        if bad.any():
            self._explain(
                self._durations_one_by_one, cells.loc[[bad.idxmax()]], column, may_be_missing
            )
        return values

    def numbers(
        self, cells: pd.Series, column: str, may_be_missing: bool, hint: str = ""
    ) -> pd.Series:
        missing, values, bad = self._parse_numbers(cells, may_be_missing)
        if bad.any():
            self._explain(
                self._numbers_one_by_one, cells.loc[[bad.idxmax()]], column, may_be_missing, hint
            )
        return values

    def events(self, cells: pd.Series, column: str, may_be_missing: bool, what: str) -> pd.Series:
        missing = _missing_mask(cells)
        codes = cells.str.strip().str.lower().map(EVENT_VALUES).astype(float)
        bad = codes.isna() & ~(missing & may_be_missing)
        if bad.any():
            self._explain(
                self._events_one_by_one, cells.loc[[bad.idxmax()]], column, may_be_missing, what
            )
        return codes

    def categories(
        self, cells: pd.Series, column: str, may_be_missing: bool, allowed: Sequence[str] | None
    ) -> pd.Series:
        missing = _missing_mask(cells)
        bad = missing & (not may_be_missing)
        if allowed is not None:
            bad |= ~missing & ~cells.isin(list(allowed))
        if bad.any():
            self._explain(
                self._categories_one_by_one,
                cells.loc[[bad.idxmax()]],
                column,
                may_be_missing,
                allowed,
            )
        return cells.astype(object).where(~missing)

    def _explain(self, one_by_one, cells: pd.Series, column: str, *args):
        """Word the problem in the last of ``cells`` (the cell-by-cell check raises)."""
        one_by_one(cells, column, *args)
        self.fail(column, cells.index[-1], f"value '{cells.iloc[-1]}'", "expected a valid value")

    @staticmethod
    def _parse_numbers(cells: pd.Series, may_be_missing: bool):
        missing = _missing_mask(cells)
        numeric = cells.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool)
        values = pd.to_numeric(cells.where(numeric & ~missing), errors="coerce").astype(float)
        finite = values.abs() < float("inf")
        bad = (missing & (not may_be_missing)) | (~missing & ~(numeric & finite))
        return missing, values, bad

    # cell by cell, to word the first problem ---------------------------------------------

    def _ids_one_by_one(self, cells: pd.Series, column: str) -> pd.Series:
        seen: dict[str, int] = {}
        for row, value in cells.items():
            if _is_missing(value):
                self.fail(column, row, "empty", "expected a patient identifier in every row")
            if value in seen:
                self.fail(
                    column,
                    row,
                    f"id '{value}' already used in row {seen[value]}",
                    "expected each patient once (one row per patient)",
                )
            seen[value] = row
        return cells.astype(str)

    def _each_cell(
        self, cells: pd.Series, column: str, may_be_missing: bool, if_empty: str, parse
    ) -> pd.Series:
        """``parse(row, value)`` of each cell as floats (it fails through :meth:`fail`); an
        empty cell is NaN where ``may_be_missing``, else fails expecting ``if_empty``."""
        parsed = {}
        for row, value in cells.items():
            if _is_missing(value):
                if may_be_missing:
                    parsed[row] = float("nan")
                    continue
                self.fail(column, row, "empty", if_empty)
            parsed[row] = parse(row, value)
        return pd.Series(parsed, dtype=float)

    def _durations_one_by_one(
        self, cells: pd.Series, column: str, may_be_missing: bool
    ) -> pd.Series:
        expected = f"expected a duration in {self.time_unit} (a number >= 0"

        def duration(row, value):
            number = _parse_number(value)
            if number is None:
                problem = _number_problem(value)
                hint = (
                    "; to compute it from the dates, give them with --endpoint "
                    "TIME=START:EVENT:LAST_CONTACT)"
                    if _DATE.match(value)
                    else ")"
                )
                self.fail(column, row, problem, expected + hint)
            if number < 0:
                self.fail(
                    column,
                    row,
                    f"value '{value}' is negative",
                    f"{expected}; check the start and end dates of this patient)",
                )
            return number

        if_empty = f"{expected}; every patient needs one)"
        return self._each_cell(cells, column, may_be_missing, if_empty, duration)

    def _events_one_by_one(
        self, cells: pd.Series, column: str, may_be_missing: bool, what: str
    ) -> pd.Series:
        expected = f"expected {what}: 0, 1, true or false"

        def event(row, value):
            code = EVENT_VALUES.get(value.strip().lower())
            if code is None:
                self.fail(column, row, f"value '{value}'", expected)
            return code

        return self._each_cell(cells, column, may_be_missing, expected, event)

    def _numbers_one_by_one(
        self, cells: pd.Series, column: str, may_be_missing: bool, hint: str = ""
    ) -> pd.Series:
        def number(row, value):
            parsed = _parse_number(value)
            if parsed is None:
                self.fail(column, row, _number_problem(value), f"expected a number{hint}")
            return parsed

        if_empty = "expected a number in every row"
        return self._each_cell(cells, column, may_be_missing, if_empty, number)

    def _categories_one_by_one(
        self, cells: pd.Series, column: str, may_be_missing: bool, allowed: Sequence[str] | None
    ) -> pd.Series:
        parsed = {}
        for row, value in cells.items():
            if _is_missing(value):
                if not may_be_missing:
                    self.fail(column, row, "empty", "expected a value in every row")
                parsed[row] = float("nan")
                continue
            if allowed is not None and value not in allowed:
                self.fail(column, row, f"value '{value}'", f"expected one of {_quoted(allowed)}")
            parsed[row] = value
        return pd.Series(parsed, dtype=object)


def _quoted(values: Iterable) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _natural_key(value: str):
    """Sort numbers as numbers (2 before 10) and text alphabetically, numbers first."""
    number = _parse_number(value)
    return (0, number, "") if number is not None else (1, 0.0, value)


def _label_key(value) -> str:
    """Group-label keys as they appear in a CSV cell (1 and 1.0 both mean '1')."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def load_cohort(
    path: str | Path,
    schema: CohortSchema,
    *,
    column_map: Mapping[str, str] | None = None,
    time_unit: str = "months",
    group_labels: Mapping | None = None,
    group_order: Sequence[str] | None = None,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    synthetic: bool | None = None,
    sheet: str | None = None,
    endpoints: Mapping[str, str] | None = None,
    date_format: str | None = None,
    reference_levels: Mapping[str, str] | None = None,
    today=None,
) -> Cohort:
    """Read, rename, check and type a cohort file for a chapter with ``schema``.

    path: a UTF-8 CSV file (comma, semicolon or tab separated), a ``.tsv`` file or an Excel
        ``.xlsx`` workbook (``sheet``: its worksheet, default the first), one row per patient.
    endpoints: ``{time column: "START:EVENT[,EVENT...]:LAST_CONTACT"}``: the chapter's time
        column and its paired event column computed from date columns of the file
        (:func:`inoreport.intake.derive_endpoints`), in ``time_unit``; ``date_format``
        (e.g. ``%d/%m/%Y``) reads dates written with numbers in another order than ISO;
        ``today``: dates after it are refused (default: today's date).
    column_map: ``{chapter column: column in the file}``, e.g. ``{"time": "pfs_months"}``.
    time_unit: unit of the file's durations (days, weeks, months, years); converted to
        ``schema.time_unit`` when the chapter fixes one.
    group_labels: ``{value in the file: label}``, e.g. ``{"1": "Male", "2": "Female"}``;
        every value in the file must be listed.
    group_order: labels in display order (default: the order of ``group_labels``, else
        sorted); the first is the reference unless ``reference`` is given.
    covariates: extra columns (by their name in the file, or their schema name) to carry
        into the analysis; a column of numbers is numeric unless listed in ``categorical``,
        a column of text (at most half of its filled cells numbers) is categorical
        (``Cohort.auto_categorical`` lists those).
    reference_levels: ``{covariate: level}``, the reference level of a categorical
        covariate in the Cox models (default: its first level in sorted order).
    synthetic: whether the cohort is synthetic (default: it lives under data/synthetic).

    Raises :class:`CohortError` (one line: file, column, row, what was expected).
    """
    from inoreport.paths import SYNTHETIC

    path = Path(path)
    name = path.name
    if time_unit not in DAYS_PER_UNIT:
        raise CohortError(f"time unit '{time_unit}'", f"expected one of {', '.join(TIME_UNITS)}")
    from inoreport.intake import derive_endpoints, endpoint_columns, read_table

    cells = read_table(path, sheet)
    if sheet is not None:
        name = f"{name} [sheet '{sheet}']"
    original_columns = list(cells.columns)
    mapping = {str(k): str(v) for k, v in (column_map or {}).items()}
    endpoint_text: dict[str, str] = {}
    if date_format is not None and not endpoints:
        raise CohortError(
            f"--date-format {date_format} given without --endpoint",
            "expected --date-format only to read the date columns named by --endpoint",
            file=name,
        )
    if endpoints:
        derived = endpoint_columns(endpoints, schema)
        cells, endpoint_text = derive_endpoints(
            cells,
            endpoints,
            schema,
            file=name,
            time_unit=time_unit,
            date_format=date_format,
            today=today,
        )
        for target in [*derived, *derived.values()]:
            source = mapping.get(target)
            if source is None:
                continue
            if source in original_columns:
                raise CohortError(
                    f"--map {target}={source} and --endpoint both give '{target}'",
                    "expected one of the two: durations in a column, or dates with --endpoint",
                    file=name,
                    column=source,
                )
            del mapping[target]  # the chapter's own name for it; the dates replace it
    file_columns = list(cells.columns)

    # 1. the mapping must name the chapter's columns and columns that exist in the file
    known = schema.names
    for target, source in mapping.items():
        if target not in known:
            raise CohortError(
                f"--map {target}={source}: '{target}' is not a column this chapter uses",
                f"expected one of {_quoted(known)} on the left of '='",
                file=name,
            )
        if source not in file_columns:
            raise CohortError(
                f"not in the file (named by --map {target}={source})",
                f"expected one of the file's columns: {_quoted(file_columns)}",
                file=name,
                column=source,
            )
    sources = list(mapping.values())
    for source in sources:
        if sources.count(source) > 1:
            targets = [t for t, s in mapping.items() if s == source]
            raise CohortError(
                f"column '{source}' is mapped to {_quoted(targets)}",
                "expected each file column to be mapped to one chapter column",
                file=name,
                column=source,
            )
    # Columns the file already calls by a chapter name, unless that name is mapped elsewhere.
    full_map = {c: c for c in known if c in file_columns and c not in mapping and c not in sources}
    full_map.update(mapping)

    missing = [c for c in schema.required if c not in full_map]
    if missing:
        column = missing[0]
        raise CohortError(
            f"not found (the file has {_quoted(file_columns)})",
            f"expected a column named '{column}' ({schema.column(column).description.rstrip('.')}), "
            f"or name yours with --map {column}=YOUR_COLUMN",
            file=name,
            column=column,
        )

    # 2. covariates: names in the file (or chapter names already mapped)
    covariate_sources: dict[str, str] = {}
    for cov in covariates:
        if cov in full_map:
            covariate_sources[cov] = full_map[cov]
        elif cov in file_columns:
            covariate_sources[cov] = cov
        else:
            raise CohortError(
                "not in the file (named as a covariate)",
                f"expected one of the file's columns: {_quoted(file_columns)}",
                file=name,
                column=cov,
            )
    for cov in categorical:
        if cov not in covariate_sources:
            raise CohortError(
                f"categorical covariate '{cov}' is not among the covariates",
                f"expected it in covariates too ({_quoted(covariates) or 'none given'})",
                file=name,
                column=cov,
            )
    clash = sorted(set(covariate_sources) & set(known) - set(full_map))
    if clash:
        raise CohortError(
            f"covariate '{clash[0]}' has the name of a chapter column",
            "expected a covariate name the chapter does not use",
            file=name,
            column=clash[0],
        )

    # 3. parse every column; errors name the user's own column
    check = _Checker(name, time_unit)
    frame = pd.DataFrame(index=cells.index)
    for column in schema.columns:
        if column.name not in full_map:
            continue
        source = full_map[column.name]
        raw = cells[source]
        if column.kind == "id":
            frame[column.name] = check.ids(raw, source)
        elif column.kind == "group":
            frame[column.name] = check.categories(raw, source, False, None)
        elif column.kind == "duration":
            frame[column.name] = check.durations(raw, source, column.may_be_missing)
        elif column.kind == "event":
            frame[column.name] = check.events(
                raw, source, column.may_be_missing, "an event indicator (1 = event, 0 = censored)"
            )
        elif column.kind == "flag":
            frame[column.name] = check.events(raw, source, column.may_be_missing, "a yes/no flag")
        elif column.kind == "number":
            frame[column.name] = check.numbers(raw, source, column.may_be_missing)
        else:
            frame[column.name] = check.categories(
                raw, source, column.may_be_missing, column.allowed
            )
    categorical = list(categorical)
    auto_categorical: list[str] = []
    for cov, source in covariate_sources.items():
        if cov in frame.columns:
            continue
        if cov not in categorical and _is_text(cells[source]):
            categorical.append(cov)
            auto_categorical.append(cov)
        if cov in categorical:
            frame[cov] = check.categories(cells[source], source, True, None)
        else:
            hint = f" (or list '{cov}' as a categorical covariate)"
            frame[cov] = check.numbers(cells[source], source, True, hint)
    levels_of = _reference_levels(frame, categorical, reference_levels, covariate_sources, name)
    for column in schema.columns:
        if column.kind == "event" and column.name in frame and not column.may_be_missing:
            frame[column.name] = frame[column.name].astype(int)

    # 4. groups: labels, order, reference, at least min_groups, events in each
    groups: list[str] = []
    if schema.group is not None and schema.group in frame:
        groups = _check_groups(frame, schema, full_map, name, group_labels, group_order, reference)
        reference = reference if reference is not None else groups[0]
    elif reference is not None:
        raise CohortError(
            f"reference group '{reference}' given",
            "expected no reference: this chapter has no groups",
        )

    # 5. time unit
    unit = schema.time_unit or time_unit
    for column in schema.columns:
        if column.kind == "duration" and column.name in frame:
            frame[column.name] = convert_time(frame[column.name], time_unit, unit)

    if synthetic is None:
        try:
            synthetic = path.resolve().is_relative_to(SYNTHETIC.resolve())
        except OSError:
            synthetic = False
    return Cohort(
        frame=frame,
        source=path,
        schema=schema,
        time_unit=unit,
        groups=groups,
        reference=reference,
        covariates=list(covariate_sources),
        categorical=list(categorical),
        column_map={k: v for k, v in full_map.items()},
        synthetic=bool(synthetic),
        reference_levels=levels_of,
        auto_categorical=auto_categorical,
        endpoints=endpoint_text,
        sheet=sheet,
    )


def _is_text(cells: pd.Series) -> bool:
    """Whether a covariate holds text (categories) rather than numbers.

    Text: at most half of the filled cells are numbers. A column of mostly numbers with a
    few other cells is read as numbers, so a typo ('sixty' among ages) is an error naming
    the cell, not a silent switch to categories; so is a column that looks like dates or
    numbers with a decimal comma.
    """
    filled = cells[~_missing_mask(cells)]
    numeric = filled.str.fullmatch(_NUMBER.pattern).fillna(False).astype(bool)
    other = filled[~numeric]
    if other.empty or numeric.sum() > len(filled) / 2:
        return False
    looks_numeric = other.map(lambda v: bool(_DATE.match(v) or _DECIMAL_COMMA.match(v)))
    return not bool(looks_numeric.all())


def _reference_levels(
    frame: pd.DataFrame,
    categorical: Sequence[str],
    given: Mapping[str, str] | None,
    sources: Mapping[str, str],
    name: str,
) -> dict[str, str]:
    """{categorical covariate: reference level}: the one given, else the first sorted."""
    given = {str(k): str(v) for k, v in (given or {}).items()}
    back = {v: k for k, v in sources.items()}
    given = {(k if k in sources else back.get(k, k)): v for k, v in given.items()}
    for column, level in given.items():
        if column not in categorical:
            raise CohortError(
                f"--reference-level {column}={level}: '{column}' is not a categorical covariate",
                f"expected one of {_quoted(categorical) or 'none (no categorical covariates)'}",
                file=name,
                column=sources.get(column, column),
            )
    levels = {}
    for column in categorical:
        present = sorted(str(v) for v in frame[column].dropna().unique())
        if column in given:
            if given[column] not in present:
                raise CohortError(
                    f"reference level '{given[column]}' is not a value of this column",
                    f"expected one of {_quoted(present)}",
                    file=name,
                    column=sources.get(column, column),
                )
            levels[column] = given[column]
        elif present:
            levels[column] = present[0]
    return levels


def _check_groups(
    frame: pd.DataFrame,
    schema: CohortSchema,
    full_map: Mapping[str, str],
    name: str,
    group_labels: Mapping | None,
    group_order: Sequence[str] | None,
    reference: str | None,
) -> list[str]:
    column = schema.group
    source = full_map[column]
    values = frame[column]
    if group_labels:
        labels = {_label_key(k): str(v) for k, v in group_labels.items()}
        for row, value in values.items():
            if value not in labels:
                raise CohortError(
                    f"group value '{value}' is not in the group labels",
                    f"expected one of {_quoted(labels)} (add it with --group-label {value}=LABEL)",
                    file=name,
                    column=source,
                    row=row,
                )
        values = values.map(labels)
        natural = list(dict.fromkeys(labels.values()))
    else:
        natural = sorted(values.unique(), key=_natural_key)
    present = list(dict.fromkeys(v for v in natural if (values == v).any()))
    if group_order:
        order = [str(g) for g in group_order]
        for row, value in values.items():
            if value not in order:
                raise CohortError(
                    f"group '{value}' is not in the group order {_quoted(order)}",
                    "expected every group to be listed in the group order",
                    file=name,
                    column=source,
                    row=row,
                )
        absent = [g for g in order if g not in present]
        if absent:
            raise CohortError(
                f"group '{absent[0]}' in the group order has no patients",
                f"expected only groups present in the file: {_quoted(present)}",
                file=name,
                column=source,
            )
        present = order
    if len(present) < schema.min_groups:
        found = _quoted(present) or "none"
        raise CohortError(
            f"only {len(present)} group ({found}) in {len(values)} rows",
            f"expected at least {schema.min_groups} groups to compare",
            file=name,
            column=source,
        )
    if reference is not None and reference not in present:
        raise CohortError(
            f"reference group '{reference}' is not a group of this cohort",
            f"expected one of {_quoted(present)}",
            file=name,
            column=source,
        )
    # Plain text labels (not a Categorical): every statistics function takes the order
    # explicitly (``order=cohort.groups``), and text survives any pandas operation.
    frame[column] = values.astype(str)
    if schema.events_in_every_group:
        for _, event in schema.endpoints:
            if event not in frame:
                continue
            totals = frame.groupby(column, observed=False)[event].sum()
            for group, total in totals.items():
                if total == 0:
                    rows = frame.index[frame[column] == group]
                    shown = ", ".join(str(r) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
                    raise CohortError(
                        f"group '{group}' (rows {shown}) has no events",
                        "expected at least one event (1) in every group; with none, medians, "
                        "log-rank and Cox hazard ratios are not estimable",
                        file=name,
                        column=full_map.get(event, event),
                    )
    return present
