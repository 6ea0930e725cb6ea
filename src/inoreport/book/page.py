"""Page helpers for chapters (names no study): plain HTML tables with a caption and a synthetic
badge, and glued prose.

A chapter's report functions return DataFrames, :class:`Table` objects and dicts of Markdown
strings; these helpers put them on the page::

    glue_text(report.bottom_line())       # {glue:md}`name` in the prose
    Table(frame, caption="Table 1")       # last line of a cell, or display(...)
    display(table_html(frame, caption="Table 1", escape=False))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

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
        text = shown.to_html(index=False, classes="table", border=0, escape=True, na_rep="—")
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
        badge = BADGE if self.synthetic else ""
        if self.caption or badge:
            text = text.replace(">", f"><caption>{badge}{self.caption or ''}</caption>", 1)
        if self.collapsed:
            text = f"<details><summary>{self.collapsed}</summary>{text}</details>"
        return text

    def _repr_html_(self) -> str:
        return self.to_html()


def table_html(frame: pd.DataFrame, caption: str | None = None, escape: bool = True) -> HTML:
    """``frame`` as a plain HTML table (no index), with an optional caption.

    ``escape=False`` keeps HTML inside the cells (line breaks, small print).
    """
    text = frame.to_html(index=False, classes="table", border=0, escape=escape)
    if caption:
        text = text.replace(">", f"><caption>{caption}</caption>", 1)
    return HTML(text)


def glue_text(values: Mapping[str, object]) -> None:
    """Glue each value as Markdown under its name, for ``{glue:md}`name``` in prose."""
    from IPython.display import Markdown
    from myst_nb import glue

    for name, text in values.items():
        glue(name, Markdown(str(text)), display=False)
