"""Page helpers: a DataFrame of display text as an HTML table, and glue values in bulk.

Chapters build their tables as DataFrames of text (``studies/<study>/``) and show them with
:func:`html_table`; the numbers their prose quotes come as a dict of name → value and are
glued with :func:`glue_all`. Nothing here names a study.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence

import pandas as pd

__all__ = ["glue_all", "html_table", "show_table"]


def html_table(
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


def glue_all(values: Mapping[str, object]) -> None:
    """Glue every ``name → value`` for the prose (MyST-NB ``glue`` without display)."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)


def show_table(frame: pd.DataFrame, caption: str | None = None, **options) -> None:
    """Display :func:`html_table` of ``frame`` in the notebook (same options)."""
    from IPython.display import HTML, display

    display(HTML(html_table(frame, caption, **options)))
