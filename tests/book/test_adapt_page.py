"""The adapt page's pieces (inoreport.book.adapt_page): every broken file is refused with a
one-line message naming what to fix, and the walkthrough's numbers agree with lifelines run
directly on the GBSG2 data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from inoreport.book import adapt_page as adapt
from inoreport.book.chapters import compare_survival, get_chapter, survival_comparison_results


@pytest.fixture(scope="module")
def chapter():
    return get_chapter("survival_comparison")


def test_every_date_problem_is_refused_naming_the_file_or_the_option(chapter):
    problems = adapt.date_problems(chapter)
    assert len(problems) == 13 and len({title for title, _ in problems}) == 13
    for title, message in problems:
        assert message != "(accepted)", title
        assert "\n" not in message, title
        assert message.startswith(("dated_cohort.", "--")), (title, message)
    by_title = dict(problems)
    assert "Cohort" in by_title["A sheet that is not in the workbook"]
    assert "03/04/2021" in by_title["An ambiguous date"]


def test_every_file_problem_is_refused_naming_the_file_and_the_cell(chapter):
    problems = dict(adapt.file_problems(chapter))
    assert len(problems) == 14
    for title, message in problems.items():
        assert message != "(accepted)" and message.startswith("cohort.csv"), (title, message)
    assert "column 'age', row 5" in problems["A number column holds text"]
    assert "row 4" in problems["A negative time"]
    assert "column 'dead', row 7" in problems["An event that is not 0, 1, true or false"]


def test_the_good_file_itself_is_accepted(chapter, tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text(adapt.GOOD_CSV, encoding="utf-8")
    assert chapter.load_cohort(path, column_map=adapt.GOOD_MAP).n == 6


def test_with_cell_changes_one_cell_by_spreadsheet_row():
    changed = adapt.with_cell(5, "age", "sixty").splitlines()
    original = adapt.GOOD_CSV.splitlines()
    assert [i for i, (a, b) in enumerate(zip(original, changed, strict=True)) if a != b] == [4]
    assert changed[4] == "P04,B,12,1,sixty"


def test_the_dated_example_computes_months_from_the_dates(chapter):
    from inoreport.intake import read_table

    dated = adapt.dated_example(chapter)
    cells = read_table(adapt.DATED_WORKBOOK)
    first = cells.iloc[0]
    end = first["relapse_date"] or first["death_date"] or first["last_contact_date"]
    days = (pd.Timestamp(end) - pd.Timestamp(first["infusion_date"])).days
    assert math.isclose(dated.frame["time"].iloc[0], days / (365.25 / 12), rel_tol=1e-9)
    assert dated.synthetic and adapt.first_rows(dated)["time"].iloc[0] == round(
        days / (365.25 / 12), 2
    )


def test_command_block_quotes_labels_and_shortens_paths(tmp_path):
    command = adapt.gbsg_command(tmp_path / "gbsg2.csv", tmp_path / "report")
    text = adapt.command_block(command, {str(tmp_path / "gbsg2.csv"): "gbsg2.csv"})
    assert text.startswith("```bash\ninoreport run survival_comparison \\\n    --cohort gbsg2.csv")
    assert '"yes=Hormonal therapy"' in text and str(tmp_path / "gbsg2.csv") not in text


def test_a_failing_run_raises_with_its_output(tmp_path):
    with pytest.raises(RuntimeError, match="no chapter called 'nope'"):
        adapt.run_printout(["inoreport", "run", "nope", "--out", "x"], tmp_path, tmp_path)


def test_output_files_explain_each_file(tmp_path):
    for name in ("survival_comparison.html", "results.json"):
        (tmp_path / name).write_text("")
    table = adapt.output_files(tmp_path)
    assert list(table["File"]) == ["results.json", "survival_comparison.html"]
    with pytest.raises(KeyError):
        (tmp_path / "stray.txt").write_text("")
        adapt.output_files(tmp_path)


@pytest.fixture(scope="module")
def gbsg(tmp_path_factory):
    from lifelines.datasets import load_gbsg2

    trial = load_gbsg2()
    trial.insert(0, "study_id", [f"GBSG-{i:03d}" for i in range(1, len(trial) + 1)])
    path = tmp_path_factory.mktemp("gbsg") / "gbsg2.csv"
    trial.to_csv(path, index=False)
    cohort = get_chapter("survival_comparison").load_cohort(
        path,
        column_map={"patient_id": "study_id", "group": "horTh", "event": "cens"},
        time_unit="days",
        group_labels={"no": "No hormonal therapy", "yes": "Hormonal therapy"},
        covariates=["age", "tsize", "pnodes", "tgrade"],
        categorical=["tgrade"],
    )
    results = survival_comparison_results(compare_survival(cohort, [365, 730, 1826]))
    return trial, results


def test_walkthrough_numbers_agree_with_lifelines(gbsg):
    from lifelines import CoxPHFitter, KaplanMeierFitter

    trial, results = gbsg
    numbers = adapt.walkthrough_numbers(results)
    for arm, key in (("yes", "treated"), ("no", "control")):
        rows = trial[trial["horTh"] == arm]
        km = KaplanMeierFitter().fit(rows["time"], rows["cens"])
        assert math.isclose(numbers[f"median_{key}"], km.median_survival_time_, rel_tol=1e-9)
        at_five = float(km.survival_function_at_times(1826).iloc[0])
        assert math.isclose(numbers[f"rfs5_{key}"], 100 * at_five, rel_tol=1e-9)
    alone = CoxPHFitter().fit(
        trial.assign(hormonal=(trial["horTh"] == "yes").astype(int))[["time", "cens", "hormonal"]],
        "time",
        "cens",
    )
    assert math.isclose(numbers["hr_unadjusted"], alone.hazard_ratios_["hormonal"], rel_tol=1e-5)
    assert numbers["hr_unadjusted_lo"] < numbers["hr_unadjusted"] < numbers["hr_unadjusted_hi"]
    assert numbers["logrank_p"] < 0.05
    assert numbers["logrank_reading"].startswith("the two curves differ")


def test_walkthrough_km_table_writes_medians_and_landmarks():
    results = {
        "km": [
            {
                "group": "A",
                "n": 10,
                "events": 4,
                "median": None,
                "median_ci": [120.4, None],
                "landmarks": [{"time": 365.0, "survival": 0.6543, "ci": [0.4, 0.8]}],
            }
        ]
    }
    (row,) = adapt.walkthrough_km_table(results).to_dict("records")
    assert row["Median, days (95% CI)"] == "not reached (120 to not reached)"
    assert row["Recurrence-free at day 365"] == "65.4%"
    assert (row["Patients"], row["Events"]) == (10, 4)
