"""book.page: glue a dict, show a table, show a scorecard."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from IPython.display import HTML
from IPython.display import Markdown as IPythonMarkdown

from inoreport.book import page
from inoreport.book.results import ScorecardRow


def _row(role, match, published=1.0, reproduced=1.0):
    return ScorecardRow("x", published, reproduced, role, match)


def test_glue_all_glues_markdown_as_markdown(monkeypatch):
    import myst_nb

    glued = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: glued.append(
        (name, value, display)
    ))  # fmt: skip
    page.glue_all({"n": 10, "text": "plain", "md": page.Markdown("*emphasis*")})
    assert [(name, display) for name, _, display in glued] == [
        ("n", False),
        ("text", False),
        ("md", False),
    ]
    assert glued[0][1] == 10 and glued[1][1] == "plain"
    assert isinstance(glued[2][1], IPythonMarkdown) and glued[2][1].data == "*emphasis*"


def test_html_table_has_no_index_and_carries_its_caption():
    frame = pd.DataFrame({"Arm": ["InO", "Chemo"], "n": [10, math.nan]})
    table = page.html_table(frame, "Two arms")
    assert isinstance(table, HTML)
    html = table.data
    assert html.index("<caption>Two arms</caption>") < html.index("<thead>")
    assert "<th></th>" not in html  # no index column
    assert "<td></td>" in html  # the missing value is an empty cell
    assert "<caption>" not in page.html_table(frame).data


def test_scorecard_table_in_a_readers_words():
    rows = [
        ScorecardRow("a", 66.66666, 66.7, "calibrated", True),
        ScorecardRow("b", "0.032", 0.1234567, "held_out", False),
        ScorecardRow("c", 0.05, None, "exact", None),
    ]
    table = page.scorecard_table(rows)
    assert list(table.columns) == ["Statistic", "Role", "Published", "Reproduced", "Match"]
    assert table["Role"].tolist() == ["calibrated", "held out", "exact"]
    assert table["Match"].tolist() == ["yes", "no", ""]
    assert table["Published"].tolist() == ["66.67", "0.032", "0.05"]
    assert table["Reproduced"].tolist() == ["66.7", "0.1235", ""]


def test_scorecard_html_is_collapsed_with_the_row_count():
    rows = [_row("calibrated", True), _row("held_out", False)]
    html = page.scorecard_html(rows, "Caption").data
    assert html.startswith("<details><summary>The scorecard: 2 rows (click to open)</summary>")
    assert "<caption>Caption</caption>" in html and html.endswith("</details>")


@pytest.mark.parametrize(
    ("rows", "matched", "words"),
    [
        ([_row("calibrated", True)], 1, "no row is held out"),
        ([_row("calibrated", True), _row("held_out", True)], 2, "the one row held out matches"),
        ([_row("held_out", False)], 0, "the one row held out does not"),
        (
            [_row("held_out", True), _row("held_out", False), _row("exact", True)],
            2,
            "1 of the 2 rows held out matches",
        ),
        ([_row("held_out", True), _row("held_out", True)], 2, "2 of the 2 rows held out match"),
    ],
)
def test_scorecard_counts(rows, matched, words):
    counts = page.scorecard_counts(rows)
    assert counts == {"score_matched": matched, "score_total": len(rows), "held_words": words}
