"""Page helpers for the book's notebooks: a table that renders itself, and glue in bulk.

:class:`PageTable` holds a DataFrame with its caption; shown as a cell's last value it
renders as one HTML table in the book's look (caption above, full width, text wrapping
except in the columns named in ``nowrap``). :func:`glue_all` glues a dict of values for
``{glue:text}`` roles without displaying them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

__all__ = ["PageTable", "glue_all", "html_table"]


def html_table(frame: pd.DataFrame, caption: str | None = None, nowrap=()) -> str:
    """A DataFrame as an HTML table: caption above, cells left-aligned and escaped, no
    wrapping in the columns named in ``nowrap``."""
    esc = html.escape

    def cell(column, value, tag="td"):
        style = "text-align:left;" + ("white-space:nowrap;" if column in nowrap else "")
        return f'<{tag} style="{style}">{esc(str(value))}</{tag}>'

    head = "".join(cell(c, c, "th") for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(cell(c, v) for c, v in zip(frame.columns, r, strict=True)) + "</tr>"
        for r in frame.itertuples(index=False)
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        '<div style="overflow-x:auto;"><table class="dataframe audit-table" '
        f'style="font-size:0.85rem;width:100%;">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


@dataclass(frozen=True)
class PageTable:
    """A table for a page: its data, its caption and the columns that must not wrap."""

    frame: pd.DataFrame
    caption: str = ""
    nowrap: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        return html_table(self.frame, self.caption or None, self.nowrap)


def glue_all(values: Mapping[str, object]) -> None:
    """Glue every value of ``values`` under its key, without displaying it."""
    from myst_nb import glue

    for key, value in values.items():
        glue(key, value, display=False)
