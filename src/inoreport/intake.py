"""Cohorts as clinicians keep them: spreadsheets, dates and endpoints computed from dates.

:func:`read_table` reads a cohort file into text cells, whatever it is: a CSV (comma,
semicolon or tab separated), a ``.tsv`` or an Excel workbook ``.xlsx`` (one sheet, by
default the first). Excel's own dates and numbers are written as plain text the checks in
:mod:`inoreport.cohort` read the same way as a CSV cell: a date as ``2022-04-03``, a number
as its digits. Row numbers stay spreadsheet rows (the header is row 1, or the row Excel
shows when blank rows come first).

:func:`derive_endpoints` turns date columns into a chapter's duration and event columns::

    --endpoint time=infusion_date:relapse_date,death_date:last_contact_date

The time is the number of days from the start date to the earliest non-empty event date,
or to the last-contact date when every event date is empty, divided by the length of one
``time_unit`` in days (a month is 365.25 / 12 days); the event is 1 when an event date is
filled, else 0. Every date problem is refused in one line naming the file, the column, the
row, the value and what was expected.

Date cells are read as ISO dates (``2022-04-03``, optionally with a time of day, which is
dropped), as Excel dates, or with a month written in letters (``3 Apr 2022``,
``April 3, 2022``). A date written with numbers only in another order (``03/04/2022``) is
ambiguous and refused unless ``date_format`` says which it is (``%d/%m/%Y``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: Cohort file types and how each is read.
FILE_TYPES = {".csv": "text", ".txt": "text", ".tsv": "tab", ".tab": "tab", ".xlsx": "xlsx"}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_NUMERIC_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MONTH_FORMATS = (
    "%d %b %Y", "%d-%b-%Y", "%d%b%Y", "%d %B %Y", "%d-%B-%Y", "%d/%b/%Y",
    "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y",
)  # fmt: skip
_MONTH_WORD = re.compile(r"[A-Za-z]{3,}")


def _error(*args, **kwargs):
    from inoreport.cohort import CohortError

    return CohortError(*args, **kwargs)


# --------------------------------------------------------------------------- reading


def file_type(path: Path) -> str:
    """'text', 'tab' or 'xlsx' from the file's extension (anything else is read as text)."""
    return FILE_TYPES.get(path.suffix.lower(), "text")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Text cells of a cohort file (.csv, .tsv or .xlsx), indexed by spreadsheet row.

    sheet: the worksheet of an .xlsx workbook (None: the first); an error for other files.
    Raises CohortError (one line) for anything that is not a readable table.
    """
    from inoreport.cohort import read_csv_text

    path = Path(path)
    kind = file_type(path)
    if sheet is not None and kind != "xlsx":
        raise _error(
            f"--sheet {sheet} given for a {path.suffix or 'text'} file",
            "expected --sheet only with an Excel workbook (.xlsx)",
            file=path.name,
        )
    if kind == "xlsx":
        return read_xlsx_text(path, sheet)
    return read_csv_text(path, delimiter="\t" if kind == "tab" else None)


def _cell_text(value) -> str:
    """An Excel cell as the text a CSV would hold (dates ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value).strip()


def read_xlsx_text(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """One worksheet of an .xlsx workbook as text cells (see :func:`read_table`)."""
    import zipfile

    import openpyxl

    from inoreport.cohort import _check_header, _no_rows

    name = path.name
    if not path.exists():
        raise _error("file not found", "expected the path of an .xlsx workbook", file=path)
    if path.is_dir():
        raise _error("this is a folder", "expected the path of an .xlsx workbook", file=path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _error(
            f"cannot be read as an Excel workbook ({reason})",
            "expected an .xlsx workbook saved by Excel or LibreOffice (or a CSV file)",
            file=name,
        ) from None
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise _error(
                f"no sheet called '{sheet}'",
                f"expected one of the workbook's sheets: {', '.join(map(repr, book.sheetnames))}",
                file=name,
            )
        where = name if sheet is None else f"{name} [sheet '{worksheet.title}']"
        rows = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
    finally:
        book.close()
    if not rows:
        raise _error(
            "the sheet is empty",
            "expected a header row naming the columns, then one row per patient",
            file=where,
        )
    header_row, header = rows[0]
    while header and not header[-1]:
        header.pop()
    header = _check_header(header, header_row, where)
    body = rows[1:]
    if not body:
        raise _no_rows(where)
    width = len(header)
    for number, cells in body:
        extra = [i for i, c in enumerate(cells[width:], start=width + 1) if c]
        if extra:
            raise _error(
                f"a value in column {extra[0]} ('{cells[extra[0] - 1]}'), which has no header",
                "expected every filled column to have a name in the header row",
                file=where,
                row=number,
            )
    frame = pd.DataFrame(
        [(cells + [""] * width)[:width] for _, cells in body], columns=header, dtype=str
    )
    frame.index = pd.Index([number for number, _ in body], name="row")
    return frame


# --------------------------------------------------------------------------- dates


def _describe(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


class DateReader:
    """Reads the date cells of one file; ``date_format`` settles numeric day/month orders.

    today: dates after it are refused (default: the date the run starts).
    """

    def __init__(self, file: str, date_format: str | None = None, today: dt.date | None = None):
        self.file = file
        self.date_format = date_format
        self.today = today or dt.date.today()

    def fail(self, column: str, row: int, problem: str, expected: str):
        raise _error(problem, expected, file=self.file, column=column, row=row)

    def _expected(self) -> str:
        return (
            "expected a date such as 2022-04-03"
            + (f" or one in the format {self.date_format}" if self.date_format else "")
            + " (or an empty cell)"
        )

    def parse(self, value: str, column: str, row: int) -> dt.date | None:
        """One cell: a date, None when empty; raises CohortError otherwise."""
        from inoreport.cohort import _is_missing

        text = value.strip()
        if _is_missing(text):
            return None
        day = self._read(text, column, row)
        if day > self.today:
            self.fail(
                column,
                row,
                f"value '{value}' is in the future (today is {self.today.isoformat()})",
                "expected a date on or before today; check the year",
            )
        return day

    def _read(self, text: str, column: str, row: int) -> dt.date:
        iso = _ISO.match(text)
        if iso:
            try:
                return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            except ValueError:
                self.fail(column, row, f"value '{text}' is not a real date", self._expected())
        if self.date_format:
            try:
                return dt.datetime.strptime(text, self.date_format).date()
            except ValueError:
                self.fail(
                    column,
                    row,
                    f"value '{text}' does not match --date-format {self.date_format}",
                    self._expected(),
                )
        numeric = _NUMERIC_DMY.match(text)
        if numeric:
            first, second, year = int(numeric[1]), int(numeric[2]), numeric[3]
            if len(year) == 2:
                problem = f"value '{text}' has a two-digit year (which century is not stated)"
            elif first <= 12 and second <= 12 and first != second:
                try:
                    a = _describe(dt.date(int(year), second, first))
                    b = _describe(dt.date(int(year), first, second))
                    problem = f"value '{text}' is ambiguous: {a} or {b}"
                except ValueError:
                    problem = f"value '{text}' is ambiguous (day/month order not stated)"
            else:
                problem = f"value '{text}' does not say whether the day or the month comes first"
            self.fail(
                column,
                row,
                problem,
                "expected ISO dates such as 2022-04-03, or say the order with --date-format "
                "%d/%m/%Y (day first) or %m/%d/%Y (month first)",
            )
        if _MONTH_WORD.search(text):
            for form in _MONTH_FORMATS:
                try:
                    return dt.datetime.strptime(text, form).date()
                except ValueError:
                    continue
        if _NUMBER.match(text):
            self.fail(
                column,
                row,
                f"value '{text}' is a number, not a date",
                "expected a date such as 2022-04-03 (in Excel, format the column as Date)",
            )
        self.fail(column, row, f"value '{text}' is not a date", self._expected())
        raise AssertionError  # pragma: no cover - fail raises

    def column(self, cells: pd.Series, column: str) -> pd.Series:
        """Every cell of a column as a date (None when empty), index = spreadsheet rows."""
        cache: dict[str, dt.date | None] = {}
        parsed = {}
        for row, value in cells.items():
            if value not in cache:
                cache[value] = self.parse(value, column, int(row))
            elif cache[value] is not None and cache[value] > self.today:  # pragma: no cover
                self.parse(value, column, int(row))
            parsed[row] = cache[value]
        return pd.Series(parsed, dtype=object, index=cells.index)


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class Endpoint:
    """A chapter's time column computed from dates of the user's file.

    time: the chapter's duration column (its paired event column comes from the schema).
    start: the date follow-up starts (e.g. infusion date).
    events: date columns of the events that end the time (earliest filled one wins).
    last_contact: the date the patient was last known to be event-free (used when every
        event date is empty).
    """

    time: str
    start: str
    events: tuple[str, ...]
    last_contact: str

    @property
    def spec(self) -> str:
        return f"{self.start}:{','.join(self.events)}:{self.last_contact}"

    def describe(self, event: str, unit: str) -> str:
        ends = " or ".join(self.events)
        return (
            f"{self.time} = {self.start} to the first of {ends} ({event} = 1), else to "
            f"{self.last_contact} ({event} = 0), in {unit}"
        )


_ENDPOINT_FORM = "TIME_COLUMN=START:EVENT[,EVENT...]:LAST_CONTACT"


def parse_endpoint(time: str, spec: str) -> Endpoint:
    """``("time", "infusion:relapse,death:last_seen")`` -> :class:`Endpoint`."""
    shown = f"--endpoint {time}={spec}"
    parts = spec.split(":")
    if len(parts) != 3:
        raise _error(
            f"{shown}: {len(parts)} part{'s' if len(parts) != 1 else ''} separated by ':'",
            f"expected {_ENDPOINT_FORM}, e.g. "
            "time=infusion_date:relapse_date,death_date:last_contact_date",
        )
    start, events, last = (p.strip() for p in parts)
    event_columns = tuple(e.strip() for e in events.split(",") if e.strip())
    if not start or not last or not event_columns:
        raise _error(f"{shown}: a part is empty", f"expected {_ENDPOINT_FORM}")
    named = [start, *event_columns, last]
    twice = [c for c in named if named.count(c) > 1]
    if twice:
        raise _error(
            f"{shown}: column '{twice[0]}' is named twice",
            "expected different columns for the start, the events and the last contact",
        )
    return Endpoint(time.strip(), start, event_columns, last)


def parse_endpoints(endpoints: Mapping[str, str] | None) -> list[Endpoint]:
    """``{"time": "START:EVENT,...:LAST"}`` (the chapter parameter) -> endpoints."""
    return [parse_endpoint(str(t), str(s)) for t, s in (endpoints or {}).items()]


def endpoint_columns(endpoints: Mapping[str, str] | None, schema) -> dict[str, str]:
    """{time column: its paired event column} for each endpoint (CohortError if unknown)."""
    pairs = dict(schema.endpoints)
    found = {}
    for endpoint in parse_endpoints(endpoints):
        if endpoint.time not in pairs:
            raise _error(
                f"--endpoint {endpoint.time}={endpoint.spec}: '{endpoint.time}' is not a time "
                "column of this chapter",
                f"expected one of {', '.join(repr(t) for t in pairs)} on the left of '='",
            )
        found[endpoint.time] = pairs[endpoint.time]
    return found


def derive_endpoints(
    cells: pd.DataFrame,
    endpoints: Mapping[str, str],
    schema,
    *,
    file: str,
    time_unit: str,
    date_format: str | None = None,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Durations and events computed from date columns, as text cells.

    Returns (cells with the chapter's time and event columns added, {time column: how it
    was computed}). ``time_unit`` is the unit of the durations written (days, weeks,
    months or years). Raises CohortError for the first bad date (file, column, row, value).
    """
    from inoreport.cohort import DAYS_PER_UNIT

    reader = DateReader(file, date_format, today)
    pairs = endpoint_columns(endpoints, schema)
    file_columns = list(cells.columns)
    out = cells.copy()
    described = {}
    for endpoint in parse_endpoints(endpoints):
        event_column = pairs[endpoint.time]
        for derived in (endpoint.time, event_column):
            if derived in file_columns:
                raise _error(
                    f"the file has its own '{derived}' column and --endpoint "
                    f"{endpoint.time}=... computes it from dates",
                    "expected one of the two: drop --endpoint, or rename the file's column",
                    file=file,
                    column=derived,
                )
        for column in (endpoint.start, *endpoint.events, endpoint.last_contact):
            if column not in file_columns:
                raise _error(
                    f"not in the file (named by --endpoint {endpoint.time}={endpoint.spec})",
                    f"expected one of the file's columns: {', '.join(map(repr, file_columns))}",
                    file=file,
                    column=column,
                )
        start = reader.column(cells[endpoint.start], endpoint.start)
        events = {c: reader.column(cells[c], c) for c in endpoint.events}
        last = reader.column(cells[endpoint.last_contact], endpoint.last_contact)

        days, happened = {}, {}
        for row in cells.index:
            origin = start[row]
            if origin is None:
                reader.fail(
                    endpoint.start,
                    row,
                    "empty",
                    "expected the start date in every row (the time is counted from it)",
                )
            for column, dates in events.items():
                day = dates[row]
                if day is not None and day < origin:
                    reader.fail(
                        column,
                        row,
                        f"value '{day.isoformat()}' is before the start date "
                        f"{origin.isoformat()} (column '{endpoint.start}')",
                        "expected an event on or after the start date",
                    )
            seen = last[row]
            if seen is not None and seen < origin:
                reader.fail(
                    endpoint.last_contact,
                    row,
                    f"value '{seen.isoformat()}' is before the start date {origin.isoformat()} "
                    f"(column '{endpoint.start}')",
                    "expected the last contact on or after the start date",
                )
            filled = [(dates[row], column) for column, dates in events.items() if dates[row]]
            if filled:
                first, column = min(filled)
                if seen is not None and first > seen:
                    reader.fail(
                        column,
                        row,
                        f"value '{first.isoformat()}' is after the last contact "
                        f"{seen.isoformat()} (column '{endpoint.last_contact}')",
                        "expected the last-contact date on or after the event date (or empty)",
                    )
                days[row], happened[row] = (first - origin).days, 1
            elif seen is None:
                reader.fail(
                    endpoint.last_contact,
                    row,
                    f"empty, and no event date ({', '.join(endpoint.events)}) either",
                    "expected a last-contact date for a patient without an event",
                )
            else:
                days[row], happened[row] = (seen - origin).days, 0
        scale = DAYS_PER_UNIT[time_unit]
        out[endpoint.time] = [repr(days[row] / scale) for row in cells.index]
        out[event_column] = [str(happened[row]) for row in cells.index]
        described[endpoint.time] = endpoint.describe(event_column, time_unit)
    return out, described


__all__ = [
    "DateReader",
    "Endpoint",
    "FILE_TYPES",
    "derive_endpoints",
    "endpoint_columns",
    "file_type",
    "parse_endpoint",
    "parse_endpoints",
    "read_table",
    "read_xlsx_text",
]
