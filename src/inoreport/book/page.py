"""Page helpers for the chapters: glue a dict of values, show a table, show a scorecard.

Report functions return data (frames, strings, dicts); these helpers put them on the page, so
a chapter's code cell is a call and a display. Names no study.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
from IPython.display import HTML
from IPython.display import Markdown as IPythonMarkdown

from inoreport.book.results import ScorecardRow, scorecard_frame

#: How a scorecard role is written in a table.
ROLE_WORDS = {"exact": "exact", "calibrated": "calibrated", "held_out": "held out"}


class Markdown(str):
    """A glue value to be shown as Markdown (``{glue:md}``) rather than as plain text."""


def glue_all(values: Mapping[str, object]) -> None:
    """Glue every ``name: value`` for the page's prose (``display=False``); a
    :class:`Markdown` value is glued as Markdown, anything else as it is."""
    from myst_nb import glue

    for name, value in values.items():
        glue(
            name,
            IPythonMarkdown(str(value)) if isinstance(value, Markdown) else value,
            display=False,
        )


def html_table(frame: pd.DataFrame, caption: str | None = None) -> HTML:
    """``frame`` as a plain HTML table: no index, no border, empty cells for missing values,
    left-aligned headers, and ``caption`` (HTML-escaped by the caller) as its caption."""
    html = frame.to_html(index=False, border=0, na_rep="", justify="left")
    if caption is not None:
        html = html.replace(">", f"><caption>{caption}</caption>", 1)
    return HTML(html)


def scorecard_value(value) -> str:
    """A scorecard number as the table shows it: 4 significant digits; "" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def scorecard_table(rows: Sequence[ScorecardRow]) -> pd.DataFrame:
    """The scorecard as a reader's table: Statistic, Role, Published, Reproduced, Match
    (numbers to 4 significant digits; tolerances are stated in the chapter's text)."""
    frame = scorecard_frame(list(rows))[["statistic", "role", "published", "reproduced", "match"]]
    frame["match"] = frame["match"].map({True: "yes", False: "no", None: ""})
    frame["role"] = frame["role"].map(ROLE_WORDS)
    for column in ("published", "reproduced"):
        frame[column] = frame[column].map(scorecard_value)
    frame.columns = [name.capitalize() for name in frame.columns]
    return frame


def scorecard_html(rows: Sequence[ScorecardRow], caption: str) -> HTML:
    """The scorecard table inside a collapsed ``<details>`` element, with ``caption``."""
    table = html_table(scorecard_table(rows), caption).data
    return HTML(
        f"<details><summary>The scorecard: {len(rows)} rows (click to open)</summary>"
        f"{table}</details>"
    )


def scorecard_counts(rows: Sequence[ScorecardRow]) -> dict[str, object]:
    """Glue values: ``score_matched`` (rows within tolerance), ``score_total`` (rows) and
    ``held_words`` (how many held-out rows match, in words)."""
    held = [r for r in rows if r.role == "held_out"]
    held_matched = int(sum(bool(r.match) for r in held))
    if not held:
        held_words = "no row is held out"
    elif len(held) == 1:
        held_words = "the one row held out " + ("matches" if held_matched else "does not")
    else:
        held_words = f"{held_matched} of the {len(held)} rows held out " + (
            "matches" if held_matched == 1 else "match"
        )
    return {
        "score_matched": int(sum(bool(r.match) for r in rows)),
        "score_total": len(rows),
        "held_words": held_words,
    }
