"""Cohort loading and validation: every malformed input gets one line naming file, column,
row and what was expected; good input comes back typed and renamed.

Row numbers are spreadsheet rows (the header is row 1), so the row each test expects is
simply the line of the CSV written in that test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import GOOD, replace_cell, write, xlsx_bytes

from inoreport.book.chapters import get_chapter
from inoreport.cohort import (
    CohortError,
    CohortSchema,
    Column,
    convert_time,
    load_cohort,
    read_csv_text,
    standard_columns,
)
from inoreport.paths import DATA

SCHEMA = CohortSchema(columns=standard_columns())
MAP = {"group": "arm", "time": "months", "event": "dead"}


def error_of(path: Path, **kwargs) -> CohortError:
    kwargs.setdefault("column_map", MAP)
    with pytest.raises(CohortError) as info:
        load_cohort(path, SCHEMA, **kwargs)
    message = str(info.value)
    assert "\n" not in message, f"the error must be one line: {message!r}"
    assert message.startswith(path.name), f"the error must name the file first: {message!r}"
    assert "expected" in message, message
    return info.value


# --------------------------------------------------------------------------- good input


def test_good_cohort_is_renamed_typed_and_ordered(tmp_path):
    cohort = load_cohort(write(tmp_path, GOOD), SCHEMA, column_map=MAP, covariates=["age"])
    frame = cohort.frame
    assert list(frame.columns) == ["patient_id", "group", "time", "event", "age"]
    assert cohort.n == 6 and cohort.groups == ["A", "B"] and cohort.reference == "A"
    assert frame["time"].tolist() == [5, 8, 3, 12, 2, 7]
    assert frame["event"].dtype.kind == "i" and frame["event"].tolist() == [1, 0, 1, 1, 1, 0]
    assert frame["age"].dtype == float
    assert list(frame.index) == [2, 3, 4, 5, 6, 7]  # spreadsheet rows
    assert cohort.time_unit == "months" and not cohort.synthetic


def test_event_spellings_true_false_and_case(tmp_path):
    text = GOOD.replace(",1,6", ",TRUE,6").replace(",0,5", ",false,5").replace(",1,7", ",True,7")
    cohort = load_cohort(write(tmp_path, text), SCHEMA, column_map=MAP)
    assert cohort.frame["event"].tolist() == [1, 0, 1, 1, 1, 0]


def test_semicolon_separated_file_with_bom_loads(tmp_path):
    text = "\ufeff" + GOOD.replace(",", ";")
    cohort = load_cohort(write(tmp_path, text), SCHEMA, column_map=MAP)
    assert cohort.n == 6 and list(cohort.frame.columns)[:2] == ["patient_id", "group"]


def test_missing_covariate_values_are_allowed(tmp_path):
    text = replace_cell(GOOD, 3, "age", "NA")
    cohort = load_cohort(write(tmp_path, text), SCHEMA, column_map=MAP, covariates=["age"])
    assert np.isnan(cohort.frame.loc[3, "age"])


def test_group_labels_and_order_and_reference(tmp_path):
    text = GOOD.replace(",A,", ",1,").replace(",B,", ",2,")
    cohort = load_cohort(
        write(tmp_path, text),
        SCHEMA,
        column_map=MAP,
        group_labels={1: "Control", 2.0: "InO"},  # numbers as YAML/JSON may give them
        group_order=["InO", "Control"],
    )
    assert cohort.groups == ["InO", "Control"] and cohort.reference == "InO"
    assert cohort.frame["group"].tolist() == ["Control", "Control", "InO", "InO", "Control", "InO"]


def test_numeric_group_values_sort_as_numbers(tmp_path):
    text = GOOD.replace(",A,", ",10,").replace(",B,", ",9,")
    assert load_cohort(write(tmp_path, text), SCHEMA, column_map=MAP).groups == ["9", "10"]


@pytest.mark.parametrize(
    ("unit", "expected_months"),
    [("days", 365.25 / 12), ("weeks", 365.25 / 12 / 7), ("months", 1.0), ("years", 1 / 12)],
)
def test_time_unit_conversion_to_a_chapter_in_months(tmp_path, unit, expected_months):
    """30.4375 days (a twelfth of a Julian year) is one month."""
    schema = CohortSchema(columns=standard_columns(), time_unit="months")
    text = replace_cell(GOOD, 2, "months", f"{expected_months!r}")
    cohort = load_cohort(write(tmp_path, text), schema, column_map=MAP, time_unit=unit)
    assert cohort.time_unit == "months"
    assert cohort.frame.loc[2, "time"] == pytest.approx(1.0, rel=1e-12)


def test_generic_chapter_keeps_the_cohorts_own_unit(tmp_path):
    cohort = load_cohort(write(tmp_path, GOOD), SCHEMA, column_map=MAP, time_unit="days")
    assert cohort.time_unit == "days" and cohort.frame["time"].tolist()[0] == 5


def test_convert_time_known_values():
    assert convert_time(pd.Series([365.25]), "days", "years").tolist() == [1.0]
    assert convert_time(pd.Series([2.0]), "weeks", "days").tolist() == [14.0]
    with pytest.raises(CohortError, match="expected one of days, weeks, months, years"):
        convert_time(pd.Series([1.0]), "fortnights", "days")


def test_template_csv_is_a_valid_cohort():
    chapter = get_chapter("survival_comparison")
    cohort = chapter.load_cohort(
        DATA / "templates" / "cohort_template.csv",
        covariates=["age", "sex"],
        categorical=["sex"],
    )
    assert cohort.n == 8 and cohort.groups == ["Control", "Treated"]


def test_lung_example_is_lifelines_lung():
    """data/examples/lung.csv is lifelines' copy of survival::lung plus a patient_id."""
    from lifelines.datasets import load_lung

    ours = pd.read_csv(DATA / "examples" / "lung.csv")
    theirs = load_lung()
    assert ours["patient_id"].is_unique and len(ours) == len(theirs) == 228
    pd.testing.assert_frame_equal(
        ours.drop(columns="patient_id").astype(float), theirs.astype(float), check_dtype=False
    )


def test_schema_describe_documents_every_column():
    table = get_chapter("survival_comparison").schema.describe()
    assert table["column"].tolist() == ["patient_id", "group", "time", "event"]
    assert set(table.columns) == {"column", "required", "type", "unit", "allowed values", "meaning"}


def test_schema_rejects_an_unknown_kind_or_undeclared_endpoint():
    with pytest.raises(ValueError, match="kind"):
        Column("x", "date", "a date")
    with pytest.raises(ValueError, match="does not declare"):
        CohortSchema(columns=standard_columns(), endpoints=(("os_months", "os_event"),))


# --------------------------------------------------------------------------- malformed input
# One test per case in the issue, then a few more that users meet in practice.


def test_missing_column(tmp_path):
    text = "\n".join(line.rsplit(",", 2)[0] + "," + line.rsplit(",", 1)[1] for line in GOOD.split())
    err = error_of(write(tmp_path, text), column_map={"group": "arm", "time": "months"})
    assert err.column == "event" and err.row is None
    assert "column 'event': not found (the file has 'patient_id', 'arm'" in str(err)
    assert "expected a column named 'event'" in str(err) and "--map event=YOUR_COLUMN" in str(err)


#: (case, spreadsheet row, column, value put there, load options, what the message says)
CELL_ERRORS = [
    (
        "wrong type in a numeric covariate",
        5,
        "age",
        "sixty",
        {"covariates": ["age"]},
        ["value 'sixty' is not a number", "expected a number"],
    ),
    (
        "wrong type in time",
        3,
        "months",
        "twelve",
        {},
        ["not a number", "expected a duration in months"],
    ),
    ("negative time", 4, "months", "-2", {}, ["value '-2' is negative", "a number >= 0"]),
    ("missing time", 6, "months", "", {}, ["empty", "every patient needs one"]),
    ("missing event", 2, "dead", "NA", {}, []),
    (
        "duplicate ids",
        6,
        "patient_id",
        "P02",
        {},
        ["id 'P02' already used in row 3", "each patient once"],
    ),
]


@pytest.mark.parametrize(
    ("case", "row", "column", "value", "options", "phrases"),
    CELL_ERRORS,
    ids=[c[0] for c in CELL_ERRORS],
)
def test_a_bad_cell_is_named_by_column_and_row(
    tmp_path, case, row, column, value, options, phrases
):
    err = error_of(write(tmp_path, replace_cell(GOOD, row, column, value)), **options)
    assert (err.column, err.row) == (column, row)
    for phrase in phrases:
        assert phrase in str(err), str(err)


@pytest.mark.parametrize("value", ["2", "yes", "dead", "-1"])
def test_event_not_0_1_true_false(tmp_path, value):
    err = error_of(write(tmp_path, replace_cell(GOOD, 7, "dead", value)))
    assert (err.column, err.row) == ("dead", 7)
    assert f"value '{value}'" in str(err) and "0, 1, true or false" in str(err)


def test_group_label_not_in_the_mapping(tmp_path):
    err = error_of(write(tmp_path, GOOD), group_labels={"A": "Control"})
    assert (err.column, err.row) == ("arm", 4)  # the first B
    assert "group value 'B' is not in the group labels" in str(err)
    assert "--group-label B=LABEL" in str(err)


def test_fewer_than_two_groups(tmp_path):
    err = error_of(write(tmp_path, GOOD.replace(",B,", ",A,")))
    assert err.column == "arm"
    assert "only 1 group ('A') in 6 rows" in str(err) and "at least 2 groups" in str(err)


def test_a_group_with_no_events(tmp_path):
    text = replace_cell(replace_cell(GOOD, 4, "dead", "0"), 5, "dead", "0")
    err = error_of(write(tmp_path, text))
    assert err.column == "dead"
    assert "group 'B' (rows 4, 5, 7) has no events" in str(err)


def test_empty_file(tmp_path):
    err = error_of(write(tmp_path, b""))
    assert "the file is empty" in str(err) and "header row" in str(err)


def test_whitespace_only_file(tmp_path):
    assert "the file is empty" in str(error_of(write(tmp_path, "\n  \n\n")))


def test_header_without_rows(tmp_path):
    err = error_of(write(tmp_path, GOOD.splitlines()[0] + "\n"))
    assert "header but no patient rows" in str(err)


def test_non_utf8_file(tmp_path):
    latin1 = replace_cell(GOOD, 5, "arm", "Bé").replace(",B,", ",Bé,").encode("latin-1")
    err = error_of(write(tmp_path, latin1))
    assert err.row == 4  # the first row holding 'é'
    assert "byte 0xe9 is not UTF-8" in str(err) and "CSV UTF-8" in str(err)


def test_excel_file_given_as_csv(tmp_path):
    err = error_of(write(tmp_path, xlsx_bytes(tmp_path)))
    assert (
        "an Excel workbook (.xlsx), not CSV text" in str(err)
        and "not CSV text" in str(err)
        and "CSV UTF-8" in str(err)
    )


def test_old_excel_file_given_as_csv(tmp_path):
    err = error_of(write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504))
    assert ".xls" in str(err)


@pytest.mark.parametrize("date", ["2021-03-04", "04/03/2021", "4-Mar-2021", "2021-03-04 10:30"])
def test_dates_where_durations_are_expected(tmp_path, date):
    err = error_of(write(tmp_path, replace_cell(GOOD, 3, "months", date)))
    assert (err.column, err.row) == ("months", 3)
    assert "looks like a date" in str(err) and "compute it from the dates" in str(err)
    assert "--endpoint TIME=START:EVENT:LAST_CONTACT" in str(err)


def test_mapping_to_a_column_that_does_not_exist(tmp_path):
    err = error_of(write(tmp_path, GOOD), column_map={**MAP, "time": "pfs_months"})
    assert err.column == "pfs_months"
    assert "column 'pfs_months': not in the file (named by --map time=pfs_months)" in str(err)
    assert "'months'" in str(err)  # lists the columns that do exist


def test_mapping_of_a_column_the_chapter_does_not_use(tmp_path):
    err = error_of(write(tmp_path, GOOD), column_map={**MAP, "arm": "group"})
    assert "'arm' is not a column this chapter uses" in str(err)


def test_one_file_column_mapped_twice(tmp_path):
    err = error_of(write(tmp_path, GOOD), column_map={**MAP, "patient_id": "arm"})
    assert "column 'arm' is mapped to" in str(err)


def test_ragged_row(tmp_path):
    lines = GOOD.splitlines()
    lines[3] += ",extra"
    err = error_of(write(tmp_path, "\n".join(lines)))
    assert err.row == 4 and "6 fields" in str(err) and "expected 5 fields" in str(err)


def test_duplicate_header(tmp_path):
    err = error_of(write(tmp_path, GOOD.replace("age", "arm", 1)))
    assert err.row == 1 and "names column 'arm' twice (columns 2 and 5)" in str(err)


def test_decimal_comma(tmp_path):
    text = GOOD.replace(",", ";").replace(";5;1;60", ';"5,5";1;60')
    err = error_of(write(tmp_path, text))
    assert (err.column, err.row) == ("months", 2) and "decimal comma" in str(err)


def test_covariate_that_does_not_exist(tmp_path):
    err = error_of(write(tmp_path, GOOD), covariates=["weight"])
    assert err.column == "weight" and "not in the file (named as a covariate)" in str(err)


def test_reference_that_is_not_a_group(tmp_path):
    err = error_of(write(tmp_path, GOOD), reference="C")
    assert "reference group 'C' is not a group" in str(err) and "'A', 'B'" in str(err)


def test_group_order_missing_a_group(tmp_path):
    err = error_of(write(tmp_path, GOOD), group_order=["A"])
    assert err.row == 4 and "group 'B' is not in the group order" in str(err)


def test_file_not_found(tmp_path):
    with pytest.raises(CohortError, match="file not found"):
        read_csv_text(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- two read paths
# Files without quotes or blank lines take a fast vectorised path; others the csv module.
# Both must give the same cohort and the same row numbers.


def test_quoted_file_with_blank_lines_reads_like_the_plain_one(tmp_path):
    plain = load_cohort(
        write(tmp_path, GOOD, "plain.csv"), SCHEMA, column_map=MAP, covariates=["age"]
    )
    lines = GOOD.splitlines()
    quoted = "\n".join([lines[0], f'"{lines[1].split(",")[0]}",' + lines[1].split(",", 1)[1]])
    quoted += "\n\n" + "\n".join(lines[2:]) + "\n"  # a blank line: every later row moves down
    other = load_cohort(
        write(tmp_path, quoted, "quoted.csv"), SCHEMA, column_map=MAP, covariates=["age"]
    )
    assert list(other.frame.index) == [2, 4, 5, 6, 7, 8]  # row 3 is the blank line
    pd.testing.assert_frame_equal(
        other.frame.reset_index(drop=True), plain.frame.reset_index(drop=True)
    )


def test_quoted_path_reports_the_spreadsheet_row(tmp_path):
    text = GOOD.replace("P01,", '"P01",') + "\n"
    text = text.replace("P03,B,3,1,70", "\nP03,B,-3,1,70")  # blank line before row 5
    err = error_of(write(tmp_path, text))
    assert (err.column, err.row) == ("months", 5)


def test_a_value_with_an_embedded_line_break_is_one_cell(tmp_path):
    text = GOOD.replace("P02,A,8,0,55", 'P02,"A",8,0,55').replace(",age", ",note")
    text = text.replace(",60\n", ',"line one\nline two"\n')
    cohort = load_cohort(write(tmp_path, text), SCHEMA, column_map=MAP)
    # rows are records, as a spreadsheet shows them (the cell holds the line break)
    assert cohort.n == 6 and list(cohort.frame.index) == [2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("quoted", [False, True])
def test_short_row_is_reported_on_both_paths(tmp_path, quoted):
    text = GOOD.replace("P05,A,2,1,50", "P05,A,2,1")
    if quoted:
        text = text.replace("P01", '"P01"')
    err = error_of(write(tmp_path, text))
    assert err.row == 6 and "4 fields" in str(err) and "expected 5 fields" in str(err)


@pytest.mark.parametrize("value", ["inf", "1e999", "-inf"])
def test_infinite_time_is_refused(tmp_path, value):
    err = error_of(write(tmp_path, replace_cell(GOOD, 3, "months", value)))
    assert (err.column, err.row) == ("months", 3)


def test_a_large_registry_is_checked_quickly(tmp_path):
    """10^5 patients: reading and checking take about a second, not a minute."""
    import time

    n = 100_000
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "patient_id": [f"R{i}" for i in range(n)],
            "arm": rng.choice(["A", "B"], n),
            "months": rng.exponential(12, n).round(2),
            "dead": rng.integers(0, 2, n),
            "age": rng.normal(60, 10, n).round(),
        }
    )
    frame.loc[n - 1, "months"] = -1.0  # the last row is bad: every row must be looked at
    path = tmp_path / "registry.csv"
    frame.to_csv(path, index=False)
    started = time.perf_counter()
    err = error_of(path, covariates=["age"])
    assert (err.column, err.row) == ("months", n + 1)
    assert time.perf_counter() - started < 10
