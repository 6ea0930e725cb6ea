"""Page helpers for chapters (names no study): plain HTML tables with a caption and a synthetic
badge, and glued prose.

A chapter's report functions return DataFrames, :class:`Table` objects and dicts of Markdown
strings; these helpers put them on the page::

    glue_text(report.bottom_line())       # {glue:md}`name` in the prose
    Table(frame, caption="Table 1")       # last line of a cell, or display(...)
    display(table_html(frame, caption="Table 1", escape=False))
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML
from IPython.display import Markdown as IPythonMarkdown

from inoreport.book.results import ScorecardRow, scorecard_frame

#: The inline "Synthetic cohort" badge of a table caption (the figures carry their own stamp).
BADGE = (
    '<span style="display:inline-block;background:#fff1d6;color:#7a4100;'
    "border:1px solid #d08a1e;border-radius:4px;padding:0 0.4em;"
    'margin-right:0.5em;font-weight:700;font-size:0.85em">Synthetic cohort</span>'
)


def visible(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its helper columns (names starting with ``_``)."""
    return frame[[c for c in frame.columns if not str(c).startswith("_")]]


@dataclass
class Table:
    """A table as a chapter shows it.

    ``frame``: the rows (helper columns starting with ``_`` are not shown; cells are
    escaped); ``caption`` and ``collapsed`` are inserted as HTML; ``synthetic``: a "Synthetic cohort" badge before the caption;
    ``collapsed``: the table sits closed under this summary line; ``widths``: share of the
    table width per shown column, in %.
    """

    frame: pd.DataFrame
    caption: str | None = None
    synthetic: bool = False
    collapsed: str | None = None
    widths: Sequence[float] | None = None

    def to_html(self) -> str:
        shown = visible(self.frame)
        heading = (BADGE if self.synthetic else "") + (self.caption or "")
        text = table_html(shown, heading or None, na_rep="—").data
        text = text.replace(' style="text-align: right;"', "")
        if self.widths:
            if len(self.widths) != shown.shape[1]:
                raise ValueError(
                    f"widths: {len(self.widths)} values for {shown.shape[1]} columns "
                    f"{list(shown.columns)}"
                )
            cols = "".join(f'<col style="width:{w}%">' for w in self.widths)
            text = text.replace("<thead>", f"<colgroup>{cols}</colgroup><thead>", 1)
            text = text.replace("<table ", '<table style="table-layout:fixed" ', 1)
        if self.collapsed:
            text = f"<details><summary>{self.collapsed}</summary>{text}</details>"
        return text

    def _repr_html_(self) -> str:
        return self.to_html()


def table_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    escape: bool = True,
    na_rep: str = "NaN",
    justify: str | None = None,
    classes: str | None = "table",
) -> HTML:
    """``frame`` as a plain HTML table (no index, no border), with an optional caption.

    ``escape=False`` keeps HTML inside the cells (line breaks, small print); ``na_rep`` is
    what a missing value shows; ``justify`` aligns the headers.
    """
    text = frame.to_html(
        index=False, classes=classes, border=0, escape=escape, na_rep=na_rep, justify=justify
    )
    if caption:
        text = text.replace(">", f"><caption>{caption}</caption>", 1)
    return HTML(text)


def html_table(frame: pd.DataFrame, caption: str | None = None) -> HTML:
    """:func:`table_html` with empty cells for missing values and left-aligned headers."""
    return table_html(frame, caption, na_rep="", justify="left", classes=None)


def glue_text(values: Mapping[str, object]) -> None:
    """Glue each value as Markdown under its name, for ``{glue:md}`name``` in prose."""
    from IPython.display import Markdown
    from myst_nb import glue

    for name, text in values.items():
        glue(name, Markdown(str(text)), display=False)


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


def scorecard_value(value) -> str:
    """A scorecard number as the table shows it: 4 significant digits; "" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


#: Header of the cross-validation column of a scorecard.
LEFT_OUT_HEADER = "Predicted when left out"


def left_out_cell(value, match) -> str:
    """A cross-validation cell: the prediction and whether it met the tolerance; "" when the
    row was not cross-validated."""
    if match is None or (isinstance(match, float) and math.isnan(match)):
        return ""
    return f"{scorecard_value(value)} ({'yes' if match else 'no'})"


def scorecard_table(rows: Sequence[ScorecardRow]) -> pd.DataFrame:
    """The scorecard as a reader's table: Statistic, Role, Published, Reproduced, Match
    (numbers to 4 significant digits; tolerances are stated in the chapter's text), and,
    when any row was cross-validated, the value predicted when it was left out of the
    calibration (with whether it met the same tolerance)."""
    full = scorecard_frame(list(rows))
    frame = full[["statistic", "role", "published", "reproduced", "match"]].copy()
    frame["match"] = frame["match"].map({True: "yes", False: "no", None: ""})
    frame["role"] = frame["role"].map(ROLE_WORDS)
    for column in ("published", "reproduced"):
        frame[column] = frame[column].map(scorecard_value)
    frame.columns = [name.capitalize() for name in frame.columns]
    if full["left_out_match"].notna().any():
        frame[LEFT_OUT_HEADER] = [
            left_out_cell(v, m)
            for v, m in zip(full["left_out"], full["left_out_match"], strict=True)
        ]
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


def text_table_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    *,
    wrap: Collection[str] | None = None,
    widths: Sequence[str] | None = None,
    index: bool = False,
    font_size: str = "0.85rem",
    fixed: bool = False,
    classes: str = "dataframe",
) -> str:
    """``frame`` as an HTML table, every cell left-aligned and escaped, in a scrolling box.

    ``wrap``: the columns whose text may wrap (every other column stays on one line); None
    lets every column wrap. ``widths``: CSS widths of the columns in order (with ``index``,
    the index column first). ``index``: show the index as the first column, its cells as row
    headers, headed by the index's name (else the columns' name). ``fixed``: fixed layout,
    long words broken to fit the widths. ``classes``: the table's CSS classes (add ``table``
    for the theme's padded, top-aligned cells).
    """
    esc = html.escape
    if index:
        corner = frame.index.name or frame.columns.name or ""
        frame = frame.rename_axis(index=None, columns=None).reset_index()
        frame = frame.rename(columns={"index": corner})
    columns = [str(c) for c in frame.columns]

    def cell(tag: str, column: str, value) -> str:
        nowrap = "" if wrap is None or column in wrap else "white-space:nowrap;"
        return f'<{tag} style="text-align:left;{nowrap}">{esc(str(value))}</{tag}>'

    head = "".join(f'<th style="text-align:left;">{esc(c)}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            cell("th" if index and i == 0 else "td", column, value)
            for i, (column, value) in enumerate(zip(columns, row, strict=True))
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    cols = "".join(f'<col style="width:{w};">' for w in widths or ())
    colgroup = f"<colgroup>{cols}</colgroup>" if cols else ""
    layout = "table-layout:fixed;overflow-wrap:anywhere;hyphens:auto;" if fixed else ""
    return (
        f'<div style="overflow-x:auto;"><table class="{classes}" '
        f'style="font-size:{font_size};width:100%;{layout}">{cap}{colgroup}'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def show_table(frame: pd.DataFrame, caption: str | None = None, **options) -> None:
    """Display :func:`text_table_html` of ``frame`` in the notebook (same options)."""
    from IPython.display import HTML, display

    display(HTML(text_table_html(frame, caption, **options)))


@dataclass(frozen=True)
class PageTable:
    """A table for a page: its data, its caption and the columns that must not wrap; shown
    as a cell's last value it renders with :func:`text_table_html`."""

    frame: pd.DataFrame
    caption: str = ""
    nowrap: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        wrap = [str(c) for c in self.frame.columns if c not in self.nowrap]
        return text_table_html(
            self.frame, self.caption or None, wrap=wrap, classes="dataframe audit-table"
        )
