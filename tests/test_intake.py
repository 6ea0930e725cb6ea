"""Cohorts as clinicians keep them: .xlsx/.tsv files, endpoints from dates, text covariates.

Every date error a user can meet is refused by the command line in one line naming the
file, the column, the row, the value and what was expected, with exit code 2 and nothing
written. The slow test converts R's lung cohort to a workbook of dates and checks that
``inoreport run`` gives the same results.json numbers as from its durations, and both the
numbers of R's survival (tests/reference/cli/lung_r.json).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from support import close, run_cli

from inoreport.book.chapters import get_chapter
from inoreport.cohort import CohortError
from inoreport.intake import DateReader, parse_endpoint, read_table
from inoreport.paths import DATA, ROOT

ENDPOINT = "time=infusion:relapse,death:last_seen"
BASE = [
    "--map=group=arm",
    "--group-label=A=Control",
    "--group-label=B=Treated",
    f"--endpoint={ENDPOINT}",
    "--time-unit=days",
]
GOOD_ROWS = [
    # patient_id, arm, infusion, relapse, death, last_seen, stage
    ("P01", "A", "2021-01-04", "2021-03-01", "", "2021-06-01", "I"),
    ("P02", "A", "2021-02-10", "", "", "2022-01-15", "II"),
    ("P03", "B", "2021-03-01", "", "2021-09-30", "2021-09-30", "I"),
    ("P04", "B", "2021-04-12", "2021-05-20", "2021-08-01", "2021-08-01", "III"),
    ("P05", "A", "2021-05-03", "", "2021-12-24", "", "II"),
    ("P06", "B", "2021-06-07", "", "", "2022-03-03", "III"),
    ("P07", "A", "2021-07-19", "2021-09-09", "", "2022-02-02", "I"),
    ("P08", "B", "2021-08-30", "2021-11-11", "", "2022-04-04", "II"),
]
COLUMNS = ["patient_id", "arm", "infusion", "relapse", "death", "last_seen", "stage"]


def cohort_csv(tmp_path: Path, rows=GOOD_ROWS, name: str = "dates.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path


def with_cell(row: int, column: str, value: str) -> list[tuple]:
    """GOOD_ROWS with one cell changed (row: spreadsheet row, header = 1)."""
    rows = [list(r) for r in GOOD_ROWS]
    rows[row - 2][COLUMNS.index(column)] = value
    return [tuple(r) for r in rows]


def refused(tmp_path, capsys, path: Path, extra=()) -> str:
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", "survival_comparison", f"--cohort={path}", f"--out={out}", "--quiet", *extra],
        capsys,
    )
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("inoreport: error: ") and "expected" in lines[0], lines[0]
    assert not out.exists(), "nothing may be written on bad input"
    return lines[0]


# --------------------------------------------------------------------------- date errors

DATE_ERRORS = [
    (
        "event_before_start",
        with_cell(4, "relapse", "2021-02-01"),
        [],
        "dates.csv, column 'relapse', row 4: value '2021-02-01' is before the start date "
        "2021-03-01 (column 'infusion'); expected an event on or after the start date",
    ),
    (
        "last_contact_before_start",
        with_cell(3, "last_seen", "2020-12-31"),
        [],
        "dates.csv, column 'last_seen', row 3: value '2020-12-31' is before the start date "
        "2021-02-10 (column 'infusion'); expected the last contact on or after the start date",
    ),
    (
        "event_after_last_contact",
        with_cell(2, "last_seen", "2021-02-01"),
        [],
        "dates.csv, column 'relapse', row 2: value '2021-03-01' is after the last contact "
        "2021-02-01 (column 'last_seen'); expected the last-contact date on or after the event",
    ),
    (
        "no_last_contact_and_no_event",
        with_cell(3, "last_seen", ""),
        [],
        "dates.csv, column 'last_seen', row 3: empty, and no event date (relapse, death) "
        "either; expected a last-contact date for a patient without an event",
    ),
    (
        "not_a_date",
        with_cell(5, "death", "unknown"),
        [],
        "dates.csv, column 'death', row 5: value 'unknown' is not a date; expected a date "
        "such as 2022-04-03",
    ),
    (
        "ambiguous_format",
        with_cell(6, "infusion", "03/04/2021"),
        [],
        "dates.csv, column 'infusion', row 6: value '03/04/2021' is ambiguous: 3 April 2021 "
        "or 4 March 2021; expected ISO dates such as 2022-04-03, or say the order with "
        "--date-format %d/%m/%Y",
    ),
    (
        "day_month_order_not_stated",
        with_cell(6, "infusion", "25/04/2021"),
        [],
        "dates.csv, column 'infusion', row 6: value '25/04/2021' does not say whether the day "
        "or the month comes first",
    ),
    (
        "two_digit_year",
        with_cell(6, "infusion", "25-04-21"),
        [],
        "value '25-04-21' has a two-digit year",
    ),
    (
        "date_in_the_future",
        with_cell(7, "last_seen", "2999-01-01"),
        [],
        "dates.csv, column 'last_seen', row 7: value '2999-01-01' is in the future (today is "
        f"{dt.date.today().isoformat()}); expected a date on or before today",
    ),
    (
        "not_a_real_date",
        with_cell(8, "relapse", "2021-02-30"),
        [],
        "dates.csv, column 'relapse', row 8: value '2021-02-30' is not a real date",
    ),
    (
        "excel_serial_number",
        with_cell(9, "last_seen", "44562"),
        [],
        "dates.csv, column 'last_seen', row 9: value '44562' is a number, not a date; "
        "expected a date such as 2022-04-03 (in Excel, format the column as Date)",
    ),
    (
        "start_missing",
        with_cell(2, "infusion", ""),
        [],
        "dates.csv, column 'infusion', row 2: empty; expected the start date in every row",
    ),
    (
        "format_does_not_match",
        with_cell(6, "infusion", "2021/13/45x"),
        ["--date-format=%d/%m/%Y"],
        "dates.csv, column 'infusion', row 6: value '2021/13/45x' does not match "
        "--date-format %d/%m/%Y",
    ),
]


@pytest.mark.parametrize(
    ("case", "rows", "extra", "expect"), DATE_ERRORS, ids=[c[0] for c in DATE_ERRORS]
)
def test_every_date_error_is_one_line_and_writes_nothing(
    tmp_path, capsys, case, rows, extra, expect
):
    line = refused(tmp_path, capsys, cohort_csv(tmp_path, rows), [*BASE, *extra])
    assert expect in line, line


OPTION_ERRORS = [
    (["--endpoint=time=infusion:relapse"], "2 parts separated by ':'; expected TIME_COLUMN="),
    (["--endpoint=time=infusion:relapse:infusion"], "column 'infusion' is named twice"),
    (["--endpoint=pfs=infusion:relapse:last_seen"], "'pfs' is not a time column of this"),
    (["--endpoint=time=infusion:progression:last_seen"], "column 'progression': not in the"),
    (["--date-format=%d/%m/%Y"], "--date-format %d/%m/%Y given without --endpoint"),
    ([f"--endpoint={ENDPOINT}", "--map=time=stage"], "--map time=stage and --endpoint"),
]


@pytest.mark.parametrize(("extra", "expect"), OPTION_ERRORS)
def test_endpoint_option_errors_are_one_line(tmp_path, capsys, extra, expect):
    base = [o for o in BASE if not o.startswith("--endpoint")]
    line = refused(tmp_path, capsys, cohort_csv(tmp_path), [*base, *extra])
    assert expect in line, line


def test_date_format_reads_day_first_dates(tmp_path):
    rows = [
        (
            *r[:2],
            *(dt.date.fromisoformat(d).strftime("%d/%m/%Y") if d else "" for d in r[2:6]),
            r[6],
        )
        for r in GOOD_ROWS
    ]
    chapter = get_chapter("survival_comparison")
    params = dict(column_map={"group": "arm"}, time_unit="days", endpoints={"time": ENDPOINT[5:]})
    iso = chapter.load_cohort(cohort_csv(tmp_path, GOOD_ROWS, "iso.csv"), **params)
    dmy = chapter.load_cohort(
        cohort_csv(tmp_path, rows, "dmy.csv"), date_format="%d/%m/%Y", **params
    )
    pd.testing.assert_frame_equal(iso.frame, dmy.frame)


def test_times_and_events_from_dates(tmp_path):
    cohort = get_chapter("survival_comparison").load_cohort(
        cohort_csv(tmp_path),
        column_map={"group": "arm"},
        time_unit="months",
        endpoints={"time": "infusion:relapse,death:last_seen"},
    )
    frame = cohort.frame
    days_per_month = 365.25 / 12
    # P01 relapse 2021-03-01 after infusion 2021-01-04: 56 days, event
    assert frame.loc[2, "time"] == pytest.approx(56 / days_per_month, rel=1e-15)
    assert frame.loc[2, "event"] == 1
    # P02 no event: last seen 2022-01-15 after 2021-02-10: 339 days, censored
    assert frame.loc[3, "time"] == pytest.approx(339 / days_per_month, rel=1e-15)
    assert frame.loc[3, "event"] == 0
    # P04 relapse before death: the earliest event ends the time (38 days)
    assert frame.loc[5, "time"] == pytest.approx(38 / days_per_month, rel=1e-15)
    # P05 died without a last-contact date: the death date is enough
    assert frame.loc[6, "event"] == 1
    assert "computed from dates" in cohort.settings().index
    assert cohort.auto_categorical == []  # no covariates given


def test_date_parsing_rules():
    reader = DateReader("f.csv", today=dt.date(2024, 1, 1))
    assert reader.parse("2022-04-03", "c", 2) == dt.date(2022, 4, 3)
    assert reader.parse("2022-04-03 14:30:00", "c", 2) == dt.date(2022, 4, 3)
    assert reader.parse("3 Apr 2022", "c", 2) == dt.date(2022, 4, 3)
    assert reader.parse("April 3, 2022", "c", 2) == dt.date(2022, 4, 3)
    assert reader.parse("NA", "c", 2) is None
    with pytest.raises(CohortError, match="in the future"):
        reader.parse("2024-01-02", "c", 2)
    assert parse_endpoint("os", "a:b,c:d").events == ("b", "c")


# --------------------------------------------------------------------------- spreadsheets


def _workbook(path: Path, rows: list[list], sheet: str = "Cohort", first: str | None = None):
    book = openpyxl.Workbook()
    if first is not None:
        book.active.title = first
        book.active.append(["nothing", "here"])
        book.active.append([1, 2])
        ws = book.create_sheet(sheet)
    else:
        ws = book.active
        ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _dated_rows():
    rows = [COLUMNS]
    for r in GOOD_ROWS:
        rows.append([*r[:2], *(dt.datetime.fromisoformat(d) if d else None for d in r[2:6]), r[6]])
    return rows


def test_xlsx_dates_read_as_dates_and_match_the_csv(tmp_path):
    workbook = _workbook(tmp_path / "dates.xlsx", _dated_rows())
    cells = read_table(workbook)
    assert cells.loc[2, "infusion"] == "2021-01-04" and cells.loc[2, "death"] == ""
    chapter = get_chapter("survival_comparison")
    params = dict(
        column_map={"group": "arm"},
        time_unit="days",
        endpoints={"time": "infusion:relapse,death:last_seen"},
        covariates=["stage"],
    )
    from_xlsx = chapter.load_cohort(workbook, **params)
    from_csv = chapter.load_cohort(cohort_csv(tmp_path), **params)
    pd.testing.assert_frame_equal(from_xlsx.frame, from_csv.frame)
    assert from_xlsx.auto_categorical == ["stage"]
    assert from_xlsx.reference_levels == {"stage": "I"}


def test_sheet_option_and_unknown_sheet(tmp_path, capsys):
    workbook = _workbook(tmp_path / "two.xlsx", _dated_rows(), sheet="Cohort", first="Notes")
    cohort = get_chapter("survival_comparison").load_cohort(
        workbook,
        column_map={"group": "arm"},
        time_unit="days",
        endpoints={"time": "infusion:relapse,death:last_seen"},
        sheet="Cohort",
    )
    assert cohort.n == len(GOOD_ROWS)
    line = refused(tmp_path, capsys, workbook, [*BASE, "--sheet=Patients"])
    assert "two.xlsx: no sheet called 'Patients'; expected one of the workbook's sheets: " in line
    line = refused(tmp_path, capsys, workbook, BASE)  # the first sheet has no such columns
    assert "two.xlsx" in line and "not in the file" in line


def test_tsv_is_read_with_tabs(tmp_path):
    path = tmp_path / "dates.tsv"
    pd.DataFrame(GOOD_ROWS, columns=COLUMNS).to_csv(path, sep="\t", index=False)
    assert list(read_table(path).columns) == COLUMNS


def test_reference_level_and_its_errors(tmp_path, capsys):
    chapter = get_chapter("survival_comparison")
    params = dict(
        column_map={"group": "arm"},
        time_unit="days",
        endpoints={"time": "infusion:relapse,death:last_seen"},
        covariates=["stage"],
    )
    cohort = chapter.load_cohort(cohort_csv(tmp_path), reference_levels={"stage": "II"}, **params)
    assert cohort.reference_levels == {"stage": "II"}
    line = refused(
        tmp_path,
        capsys,
        cohort_csv(tmp_path),
        [*BASE, "--covariates=stage", "--reference-level=stage=IV"],
    )
    assert "column 'stage': reference level 'IV' is not a value of this column" in line


def test_shipped_example_workbook_is_what_its_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_dated_example", DATA / "examples" / "make_dated_example.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.write(tmp_path / "dated_cohort.xlsx")
    assert fresh.read_bytes() == (DATA / "examples" / "dated_cohort.xlsx").read_bytes()
    cohort = get_chapter("survival_comparison").load_cohort(
        fresh,
        column_map={"group": "arm"},
        endpoints={"time": "infusion_date:relapse_date,death_date:last_contact_date"},
        covariates=["age", "disease_status"],
    )
    assert cohort.n == 40 and cohort.auto_categorical == ["disease_status"]


# --------------------------------------------------------------------------- PDF


def test_missing_chromium_is_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INOREPORT_CHROMIUM", "no-such-chromium-here")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", "survival_comparison", "--out", str(out), "--pdf", "--quiet"], capsys
    )
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "--pdf: Chromium not found" in err and "expected" in err
    assert not out.exists()


# --------------------------------------------------------------------------- end to end (slow)


def lung_as_dates(tmp_path: Path) -> Path:
    """R's lung cohort as a clinician keeps it: dates in a workbook (entry staggered)."""
    lung = pd.read_csv(DATA / "examples" / "lung.csv")
    start = dt.datetime(2001, 1, 1)
    rows = [
        ["patient_id", "sex", "entry_date", "death_date", "last_contact_date", "age", "ph.ecog"]
    ]
    for i, r in enumerate(lung.to_dict("records")):
        entry = start + dt.timedelta(days=(i * 7) % 365)
        end = entry + dt.timedelta(days=int(r["time"]))
        died = int(r["status"]) == 1
        ecog = None if pd.isna(r["ph.ecog"]) else int(r["ph.ecog"])
        rows.append(
            [r["patient_id"], int(r["sex"]), entry, end if died else None]
            + [None if died else end, r["age"], ecog]
        )
    return _workbook(tmp_path / "lung dates.xlsx", rows)


@pytest.mark.slow
def test_lung_workbook_of_dates_gives_the_csv_results_and_r(tmp_path, capsys):
    common = ["--group-label=1=Male", "--group-label=2=Female", "--reference=Male"]
    common += ["--covariates=age,ph.ecog", "--landmarks=180,365", "--time-unit=days", "--quiet"]
    from_csv, from_xlsx = tmp_path / "csv", tmp_path / "xlsx"
    code, _, err = run_cli(
        ["run", "survival_comparison", f"--cohort={DATA / 'examples' / 'lung.csv'}"]
        + ["--map=group=sex", "--map=event=status", f"--out={from_csv}", *common],
        capsys,
    )
    assert code == 0, err
    code, _, err = run_cli(
        ["run", "survival_comparison", f"--cohort={lung_as_dates(tmp_path)}", "--pdf"]
        + ["--map=group=sex", "--endpoint=time=entry_date:death_date:last_contact_date"]
        + [f"--out={from_xlsx}", *common],
        capsys,
    )
    assert code == 0, err
    ours_csv = json.loads((from_csv / "results.json").read_text())
    ours_xlsx = json.loads((from_xlsx / "results.json").read_text())
    for key in ("km", "logrank", "cox", "table1"):
        assert ours_xlsx[key] == ours_csv[key], key
    r = json.loads((ROOT / "tests" / "reference" / "cli" / "lung_r.json").read_text())
    for mine, ref in zip(ours_xlsx["km"], r["km"], strict=True):
        assert (mine["n"], mine["events"]) == (ref["n"], ref["events"])
        assert close(mine["median"], ref["median"])
    assert close(ours_xlsx["logrank"]["chisq"], r["logrank"]["chisq"])
    for model in ("univariable", "multivariable"):
        mine = [row for row in ours_xlsx["cox"] if row["model"] == model]
        ref = [row for row in r["cox"] if row["model"] == model]
        for a, b in zip(mine, ref, strict=True):
            assert close(a["hr"], b["hr"], rel=1e-5) and close(a["p"], b["p"], rel=1e-5)
    pdf = from_xlsx / "survival_comparison.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    assert not math.isnan(ours_xlsx["logrank"]["p"])


@pytest.mark.slow
def test_study_chapter_takes_dates_through_the_command_line(tmp_path, capsys):
    """A study notebook reads CSV durations; the CLI hands it the dates already converted."""
    book = pd.read_csv(DATA / "synthetic" / "alcalde_mellado.csv")
    start = dt.date(2020, 1, 6)
    days = (book["efs_months"] * 365.25 / 12).round().astype(int)
    end = [(start + dt.timedelta(days=int(n))).isoformat() for n in days]
    dated = book.drop(columns=["efs_months", "efs_event", "synthetic"]).assign(
        infused=start.isoformat(),
        event_date=[e if ev == 1 else "" for e, ev in zip(end, book["efs_event"], strict=True)],
        last_seen=[e if ev == 0 else "" for e, ev in zip(end, book["efs_event"], strict=True)],
    )
    path = tmp_path / "alcalde dates.csv"
    dated.to_csv(path, index=False)
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", "alcalde_bridging", f"--cohort={path}", f"--out={out}", "--quiet"]
        + ["--endpoint=time=infused:event_date:last_seen", "--time-unit=days", "--synthetic"],
        capsys,
    )
    assert code == 0, err
    results = json.loads((out / "results.json").read_text())
    chapter = get_chapter("alcalde_bridging")
    expected = chapter.load_cohort(**chapter.parameters())
    counts = expected.frame.groupby("group")["event"].agg(["size", "sum"])
    for km in results["km"]:
        assert (km["n"], km["events"]) == tuple(int(v) for v in counts.loc[km["group"]])
    times = sorted(t / (365.25 / 12) for t in days)
    assert results["cohort"]["time_unit"] == "months" and len(times) == results["cohort"]["n"]
