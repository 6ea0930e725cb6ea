"""Page helpers: text tables as HTML, glue in bulk."""

from __future__ import annotations

import re

import pandas as pd

from inoreport.book import page as display


def _cells(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag} [^>]*>(.*?)</{tag}>", html)


def test_cells_are_escaped_and_in_order():
    frame = pd.DataFrame({"Outcome": ["a < b", "R&D"], "p": ["<.001", ".5"]})
    html = display.text_table_html(frame, "Table 1. Caption's text")
    assert _cells(html, "th") == ["Outcome", "p"]
    assert _cells(html, "td") == ["a &lt; b", "&lt;.001", "R&amp;D", ".5"]
    assert "<caption>Table 1. Caption&#x27;s text</caption>" in html


def test_only_listed_columns_wrap():
    frame = pd.DataFrame({"Long": ["x"], "Short": ["y"]})
    html = display.text_table_html(frame, wrap={"Long"})
    long_cell, short_cell = re.findall(r"<td ([^>]*)>", html)
    assert "nowrap" not in long_cell and "nowrap" in short_cell
    assert "nowrap" not in display.text_table_html(frame)  # wrap=None: every column wraps


def test_index_as_row_headers_with_the_columns_name():
    frame = pd.DataFrame({"A": ["1"], "B": ["2"]}, index=["Design"])
    frame.columns.name = "Study"
    html = display.text_table_html(frame, index=True, widths=["20%", "40%", "40%"], fixed=True)
    assert _cells(html, "th") == ["Study", "A", "B", "Design"]
    assert html.count("<col ") == 3 and "table-layout:fixed" in html


def test_no_caption_no_colgroup_by_default():
    html = display.text_table_html(pd.DataFrame({"A": [1]}))
    assert "<caption>" not in html and "<colgroup>" not in html


def test_glue_all_glues_every_value_without_display(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display: calls.append((name, value, display))
    )
    display.glue_all({"n": 5, "text": "12%"})
    assert calls == [("n", 5, False), ("text", "12%", False)]


def test_css_classes_are_an_option():
    frame = pd.DataFrame({"A": [1]})
    assert 'class="dataframe"' in display.text_table_html(frame)
    assert 'class="dataframe table"' in display.text_table_html(frame, classes="dataframe table")
