"""Scorecards: row validation, JSON safety, and the book-wide collection."""

from __future__ import annotations

import json
import math

import pytest

from inoreport import studies
from inoreport.book.results import (
    ScorecardRow,
    collect_scorecards,
    scorecard_summary,
    write_json,
    write_scorecard,
)


def test_role_must_be_known():
    with pytest.raises(ValueError, match="role 'tuned'"):
        ScorecardRow("pfs_12mo", 57, 56.5, "tuned", True)


def test_json_is_strict_and_atomic(tmp_path):
    path = write_json("x", {"a": math.nan, "b": [1.5, math.inf], "c": "ok"}, tmp_path)
    assert json.loads(path.read_text()) == {"a": None, "b": [1.5, None], "c": "ok"}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def test_collect_and_summarise_counts_per_study_and_role(tmp_path):
    write_scorecard(
        "rocca",
        [
            ScorecardRow("pfs_12mo exposed", 39, 39.4, "calibrated", True),
            ScorecardRow("pfs logrank p", 0.013, 0.2, "held_out", False),
            ScorecardRow("os logrank p", 0.006, 0.004, "held_out", True),
            ScorecardRow("median lines", 4, None, "exact", None),
        ],
        tmp_path,
    )
    write_json(
        "audit",
        [
            {"study": "rocca", "statistic": "sex p", "published": 0.83, "recomputed": 0.83,
             "test": "chisq", "match": True},
            {"study": "jabbour", "statistic": "ORR", "published": 99, "recomputed": 98.6,
             "test": "rounding", "match": False},
        ],
        tmp_path,
    )  # fmt: skip
    rows = collect_scorecards(tmp_path, studies.CHAPTER_TITLES, studies.TITLES)
    assert len(rows) == 6
    summary = scorecard_summary(rows).set_index("study")
    rocca = summary.loc["ROCCA (Aldoss 2024)"]
    assert rocca["calibrated"] == "1 / 1"
    assert rocca["held_out"] == "1 / 2"
    assert rocca["exact"] == "1 / 1"  # the unassessed row (match None) is not counted
    assert summary.loc["Jabbour 2023", "exact"] == "0 / 1"


def test_collect_on_empty_folder_is_empty(tmp_path):
    assert collect_scorecards(tmp_path, studies.CHAPTER_TITLES, studies.TITLES).empty
    assert scorecard_summary(
        collect_scorecards(tmp_path, studies.CHAPTER_TITLES, studies.TITLES)
    ).empty


def test_audit_p_values_count_once_under_the_study_test(tmp_path):
    def p_row(statistic, test, match):
        return {"study": "rocca", "kind": "p_value", "statistic": statistic,
                "published": "0.5", "recomputed": 0.5, "test": test, "match": match}  # fmt: skip

    rows = [
        p_row("sex", "Pearson chi-square", True),
        p_row("sex", "Fisher exact", False),
        p_row("age", "Pearson chi-square", True),
        p_row("age", "Fisher exact", True),
        p_row("blasts", "Pearson chi-square", False),
        p_row("blasts", "Fisher exact", True),  # matches only under a test the study did not use
        p_row("race", "Pearson chi-square", True),
        p_row("race", "Fisher exact", False),
    ]
    rows += [
        {"study": "alcalde_mellado", "kind": "table", "statistic": f"HTB->LTB conversion {t}",
         "test": test, "match": False}
        for t in ("4/5 vs 2/7", "8/10 vs 2/7") for test in ("Fisher exact", "Pearson chi-square")
    ]  # fmt: skip
    write_json("audit", rows, tmp_path)
    collected = collect_scorecards(tmp_path, studies.CHAPTER_TITLES, studies.TITLES)
    rocca = collected[collected["study"] == "ROCCA (Aldoss 2024)"].set_index("statistic")
    assert rocca["match"].to_dict() == {
        "sex": True,
        "age": True,
        "blasts": False,
        "race": True,
    }
    alcalde = collected[collected["study"] == "Alcalde-Mellado 2025"]
    assert len(alcalde) == 1 and not alcalde["match"].iloc[0]


def test_scorecard_row_says_whether_it_is_synthetic(tmp_path):
    import json

    from inoreport.book.results import ScorecardRow, write_scorecard

    rows = [
        ScorecardRow("PFS 12-month, exposed (%)", 39, 40.1, "calibrated", True, synthetic=True),
        ScorecardRow("p-value, sex", 0.83, 0.826, "exact", True, synthetic=False),
        ScorecardRow("older chapter row", 1, 1, "exact", True),
    ]
    written = json.loads(write_scorecard("x", rows, tmp_path).read_text(encoding="utf-8"))
    assert [r["synthetic"] for r in written] == [True, False, None]
    with pytest.raises(ValueError, match="synthetic 'yes'"):
        ScorecardRow("bad", 1, 1, "exact", True, synthetic="yes")


def test_cross_validation_predictions_join_calibrated_synthetic_rows_by_key():
    from inoreport.book.page import LEFT_OUT_HEADER, scorecard_table
    from inoreport.book.results import with_left_out

    rows = [
        ScorecardRow("PFS 6-month", 50.0, 51.0, "calibrated", True, quantity="pfs_6mo", group="a"),
        ScorecardRow(
            "p exact", 0.02, 0.02, "exact", True, quantity="p", group="a", synthetic=False
        ),
        ScorecardRow("OS 6-month", 60.0, 59.0, "calibrated", True, quantity="os_6mo", group="a"),
        ScorecardRow("a CI", 1.0, 1.0, "held_out", True),
    ]
    predictions = {
        ("pfs_6mo", "a"): {"predicted": 55.5, "within": False},
        ("p", "a"): {"predicted": 0.5, "within": False},  # exact rows are never cross-validated
    }
    joined = with_left_out(rows, predictions)
    assert (joined[0].left_out, joined[0].left_out_match) == (55.5, False)
    assert [r.left_out_match for r in joined[1:]] == [None, None, None]
    table = scorecard_table(joined)
    assert list(table[LEFT_OUT_HEADER]) == ["55.5 (no)", "", "", ""]
    assert LEFT_OUT_HEADER not in scorecard_table(rows).columns
